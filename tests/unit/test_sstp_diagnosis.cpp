// Diagnosis is a pure function of the recorded phases and facts: results are built by hand here.
#include <gtest/gtest.h>

#include <cerrno>

#include "probes/sstp/sstp_probe.hpp"

namespace {

using namespace vpnprobe::probes;

SstpResult with_phases(std::initializer_list<std::pair<const char*, PhaseOutcome>> phases, std::string error = "") {
    SstpResult r;
    r.host = "vpn.test";
    r.port = 443;
    r.vantage = "probe-a";
    for (auto& [name, outcome] : phases)
        r.phases.push_back(Phase{name, outcome, 0.01, outcome == PhaseOutcome::ok ? "" : error});
    return r;
}

const Finding* find(const SstpResult& r, const std::string& check) {
    for (const auto& f : r.findings)
        if (f.check == check) return &f;
    return nullptr;
}

SstpOptions options() {
    SstpOptions o;
    o.host = "vpn.test";
    o.tls.sni = "vpn.test";
    return o;
}

TEST(SstpDiagnosis, RefusedConnectionIs809InTcpConnect) {
    auto r = with_phases({{"resolve", PhaseOutcome::ok}, {"tcp_connect", PhaseOutcome::failed}}, "connection refused");
    r.phases.back().sys_errno = ECONNREFUSED;
    diagnose_sstp(r, options());
    EXPECT_FALSE(r.success);
    EXPECT_EQ(r.failed_phase, "tcp_connect");
    ASSERT_NE(find(r, "sstp.tcp_refused"), nullptr);
    EXPECT_EQ(r.windows_error, "809");
}

// Only a reset is a refusal: no route, an unreachable network and anything else get their own names (the Windows
// client shows 809 for each; the finding says what happened).
TEST(SstpDiagnosis, ConnectErrorsAreNamedForWhatTheyAre) {
    const std::pair<int, const char*> cases[] = {{ENETUNREACH, "sstp.network_unreachable"},
                                                 {EHOSTUNREACH, "sstp.no_route"},
                                                 {ETIMEDOUT, "sstp.tcp_timeout"},
                                                 {EPROTO, "sstp.tcp_failed"},
                                                 {0, "sstp.tcp_failed"}};
    for (auto [e, check] : cases) {
        auto r = with_phases({{"resolve", PhaseOutcome::ok}, {"tcp_connect", PhaseOutcome::failed}}, "some error");
        r.phases.back().sys_errno = e;
        diagnose_sstp(r, options());
        ASSERT_FALSE(r.findings.empty()) << check;
        EXPECT_EQ(r.findings.front().check, check) << e;
        EXPECT_EQ(find(r, "sstp.tcp_refused"), nullptr) << e;
        EXPECT_EQ(r.windows_error, "809") << e;
    }
}

TEST(SstpDiagnosis, UnresolvableNameIs868) {
    auto r = with_phases({{"resolve", PhaseOutcome::failed}}, "cannot resolve vpn.test: Name or service not known");
    diagnose_sstp(r, options());
    EXPECT_EQ(r.failed_phase, "resolve");
    EXPECT_EQ(r.windows_error, "868");
}

TEST(SstpDiagnosis, HttpStallIsATimeoutFinding) {
    auto r = with_phases({{"resolve", PhaseOutcome::ok},
                          {"tcp_connect", PhaseOutcome::ok},
                          {"tls_handshake", PhaseOutcome::ok},
                          {"http", PhaseOutcome::timeout}},
                         "no answer within 5 s");
    diagnose_sstp(r, options());
    EXPECT_EQ(r.failed_phase, "http");
    const Finding* f = find(r, "sstp.http_timeout");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->severity, Severity::error);
    EXPECT_NE(f->detail.find("never answered"), std::string::npos);
}

TEST(SstpDiagnosis, TlsVersionMismatchNamesSchannelError) {
    auto r = with_phases(
        {{"resolve", PhaseOutcome::ok}, {"tcp_connect", PhaseOutcome::ok}, {"tls_handshake", PhaseOutcome::failed}},
        "TLS error: unsupported protocol version");
    r.phases.back().reason = FailureReason::tls_no_common_algorithm;  // the probe's verdict, from OpenSSL's code
    diagnose_sstp(r, options());
    ASSERT_NE(find(r, "sstp.tls_no_common_algorithm"), nullptr);
    EXPECT_NE(r.windows_error.find("0x80090331"), std::string::npos) << r.windows_error;
}

TEST(SstpDiagnosis, FailedDisconnectAloneIsAWarningNotAFailure) {
    auto r = with_phases({{"resolve", PhaseOutcome::ok},
                          {"tcp_connect", PhaseOutcome::ok},
                          {"tls_handshake", PhaseOutcome::ok},
                          {"http", PhaseOutcome::ok},
                          {"call_connect", PhaseOutcome::ok},
                          {"ppp_lcp", PhaseOutcome::ok},
                          {"disconnect", PhaseOutcome::timeout}},
                         "no CALL_DISCONNECT_ACK");
    r.sstp.lcp_opened = true;
    diagnose_sstp(r, options());
    EXPECT_TRUE(r.handshake_ok);
    EXPECT_TRUE(r.success);
    const Finding* f = find(r, "sstp.disconnect");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->severity, Severity::warning);
    EXPECT_EQ(r.windows_error, "");
}

TEST(SstpDiagnosis, Sha1OnlyCryptoBindingAndOldTlsAreWarnings) {
    auto r = with_phases({{"resolve", PhaseOutcome::ok},
                          {"tcp_connect", PhaseOutcome::ok},
                          {"tls_handshake", PhaseOutcome::ok},
                          {"http", PhaseOutcome::ok},
                          {"call_connect", PhaseOutcome::ok},
                          {"ppp_lcp", PhaseOutcome::ok},
                          {"disconnect", PhaseOutcome::ok}});
    r.sstp.lcp_opened = true;
    r.sstp.connect_acked = true;
    r.sstp.hash_bitmask = 0x01;
    r.tls = TlsFacts{};
    r.tls->version = "TLSv1";
    diagnose_sstp(r, options());
    EXPECT_TRUE(r.success);
    ASSERT_NE(find(r, "sstp.crypto_binding_sha1_only"), nullptr);
    ASSERT_NE(find(r, "tls.old_version"), nullptr);
}

}  // namespace

namespace {

TEST(SstpDiagnosis, ProbeSideFailureBlamesNoServerAndNamesNoWindowsError) {
    auto r = with_phases({{"resolve", PhaseOutcome::ok}, {"tcp_connect", PhaseOutcome::failed}},
                         "cannot open the socket at the vantage point: setns: Operation not permitted");
    r.phases.back().local = true;
    diagnose_sstp(r, options());
    EXPECT_FALSE(r.success);
    EXPECT_EQ(r.failed_phase, "tcp_connect");
    ASSERT_NE(find(r, "probe.local"), nullptr);
    EXPECT_EQ(find(r, "sstp.tcp_refused"), nullptr);
    EXPECT_EQ(r.windows_error, "");
}

}  // namespace
