// Diagnosis is a pure function of the recorded phases and facts: results are built by hand here.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "probes/sstp/sstp_probe.hpp"
#include "probes/windows_errors.hpp"

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

namespace {

// Every (phase, outcome, reason) the SSTP probe can record, with the finding and the Windows error it must
// give. The reason decides, never the words: each row is judged with two error texts, one of them made of the
// words the diagnosis used to search for ("version", "handshake failure", "no shared cipher").
struct Row {
    const char* phase;
    PhaseOutcome outcome;
    FailureReason reason;
    const char* check;
    std::string windows_error;
};

const std::string k809 = winerr::describe(winerr::ERROR_VPN_TIMEOUT);
const std::string k868 = winerr::describe(winerr::ERROR_NO_DNS);
const std::string kMismatch = winerr::describe(winerr::SEC_E_ALGORITHM_MISMATCH);

const std::vector<Row>& rows() {
    using O = PhaseOutcome;
    using R = FailureReason;
    static const std::vector<Row> table{
        {"resolve", O::failed, R::resolve_failed, "sstp.resolve", k868},
        {"resolve", O::timeout, R::timeout, "sstp.resolve", k868},
        {"resolve", O::failed, R::local, "probe.local", ""},
        {"resolve", O::interrupted, R::interrupted, "probe.interrupted", ""},
        {"tcp_connect", O::failed, R::refused, "sstp.tcp_refused", k809},
        {"tcp_connect", O::failed, R::network_unreachable, "sstp.network_unreachable", k809},
        {"tcp_connect", O::failed, R::host_unreachable, "sstp.no_route", k809},
        {"tcp_connect", O::failed, R::connection_timed_out, "sstp.tcp_timeout", k809},
        {"tcp_connect", O::failed, R::peer_closed, "sstp.tcp_failed", k809},
        {"tcp_connect", O::failed, R::socket_error, "sstp.tcp_failed", k809},
        {"tcp_connect", O::timeout, R::timeout, "sstp.tcp_timeout", k809},
        {"tcp_connect", O::failed, R::local, "probe.local", ""},
        {"tcp_connect", O::interrupted, R::interrupted, "probe.interrupted", ""},
        {"tls_handshake", O::failed, R::tls_no_common_algorithm, "sstp.tls_no_common_algorithm", kMismatch},
        {"tls_handshake", O::failed, R::tls_failed, "sstp.tls_failed", k809},
        {"tls_handshake", O::failed, R::peer_closed, "sstp.tls_failed", k809},
        {"tls_handshake", O::failed, R::socket_error, "sstp.tls_failed", k809},
        {"tls_handshake", O::failed, R::internal, "sstp.tls_failed", k809},
        {"tls_handshake", O::timeout, R::timeout, "sstp.tls_timeout", k809},
        {"tls_handshake", O::failed, R::local, "probe.local", ""},
        {"tls_handshake", O::interrupted, R::interrupted, "probe.interrupted", ""},
        {"http", O::failed, R::sstp_not_sstp, "sstp.http_rejected", k809},
        {"http", O::failed, R::sstp_header_too_long, "sstp.http_rejected", k809},
        {"http", O::failed, R::peer_closed, "sstp.http_rejected", k809},
        {"http", O::failed, R::tls_failed, "sstp.http_rejected", k809},
        {"http", O::timeout, R::timeout, "sstp.http_timeout", k809},
        {"http", O::interrupted, R::interrupted, "probe.interrupted", ""},
        {"call_connect", O::failed, R::sstp_call_refused, "sstp.call_connect_failed", k809},
        {"call_connect", O::failed, R::sstp_call_ended, "sstp.call_connect_failed", k809},
        {"call_connect", O::failed, R::sstp_no_answer_among_packets, "sstp.call_connect_failed", k809},
        {"call_connect", O::failed, R::malformed, "sstp.call_connect_failed", k809},
        {"call_connect", O::failed, R::peer_closed, "sstp.call_connect_failed", k809},
        {"call_connect", O::timeout, R::timeout, "sstp.call_connect_timeout", k809},
        {"call_connect", O::interrupted, R::interrupted, "probe.interrupted", ""},
        {"ppp_lcp", O::failed, R::sstp_call_ended, "sstp.lcp_failed", k809},
        {"ppp_lcp", O::failed, R::malformed, "sstp.lcp_failed", k809},
        {"ppp_lcp", O::failed, R::sstp_lcp_terminated, "sstp.lcp_failed", k809},
        {"ppp_lcp", O::failed, R::sstp_lcp_not_opened, "sstp.lcp_failed", k809},
        {"ppp_lcp", O::failed, R::peer_closed, "sstp.lcp_failed", k809},
        {"ppp_lcp", O::timeout, R::timeout, "sstp.lcp_timeout", k809},
        {"ppp_lcp", O::interrupted, R::interrupted, "probe.interrupted", ""},
        {"disconnect", O::failed, R::sstp_no_answer_among_packets, "sstp.disconnect", ""},
        {"disconnect", O::failed, R::peer_closed, "sstp.disconnect", ""},
        {"disconnect", O::timeout, R::timeout, "sstp.disconnect", ""},
    };
    return table;
}

// The phases up to `row`'s, all ok before it, as the probe records them.
SstpResult result_for(const Row& row, const std::string& error) {
    static const char* order[] = {"resolve",      "tcp_connect", "tls_handshake", "http",
                                  "call_connect", "ppp_lcp",     "disconnect"};
    SstpResult r = with_phases({});
    for (const char* name : order) {
        if (std::string(name) == row.phase) break;
        r.phases.push_back(Phase{name, PhaseOutcome::ok, 0.01, ""});
    }
    Phase failed{row.phase, row.outcome, 0.01, error};
    failed.reason = row.reason;
    failed.local = row.reason == FailureReason::local;
    r.phases.push_back(failed);
    r.sstp.lcp_opened = std::string(row.phase) == "disconnect";
    return r;
}

TEST(SstpDiagnosisTable, EveryPhaseAndReasonGivesItsFindingAndWindowsError) {
    for (const auto& row : rows()) {
        for (const std::string error : {"something went wrong",
                                        "TLS error: wrong version number; sslv3 alert "
                                        "handshake failure; no shared cipher"}) {
            SCOPED_TRACE(std::string(row.phase) + " " + to_string(row.outcome) + " " + to_string(row.reason) + " / " +
                         error);
            auto r = result_for(row, error);
            diagnose_sstp(r, options());
            ASSERT_FALSE(r.findings.empty());
            EXPECT_EQ(r.findings.front().check, row.check);
            EXPECT_EQ(r.findings.front().windows_error, row.windows_error);
            EXPECT_EQ(r.failed_phase, row.phase);
            // The finding quotes the phase's words for the operator.
            EXPECT_NE(r.findings.front().detail.find(error), std::string::npos) << r.findings.front().detail;
            const bool only_the_goodbye = std::string(row.phase) == "disconnect";
            EXPECT_EQ(r.success, only_the_goodbye);
            EXPECT_EQ(r.windows_error, row.windows_error);
        }
    }
}

// The words the diagnosis used to search for decide nothing: "handshake failure" and "no shared cipher" in
// a TLS failure whose reason is not a mismatch stay a TLS failure, and a mismatch needs no such words.
TEST(SstpDiagnosisTable, RewordingATlsErrorChangesNoFinding) {
    Row failure{"tls_handshake", PhaseOutcome::failed, FailureReason::tls_failed, "", ""};
    auto r = result_for(failure, "TLS error: sslv3 alert handshake failure (no shared cipher, unsupported version)");
    diagnose_sstp(r, options());
    EXPECT_EQ(r.findings.front().check, "sstp.tls_failed");
    Row mismatch{"tls_handshake", PhaseOutcome::failed, FailureReason::tls_no_common_algorithm, "", ""};
    auto m = result_for(mismatch, "the server said no");
    diagnose_sstp(m, options());
    EXPECT_EQ(m.findings.front().check, "sstp.tls_no_common_algorithm");
    EXPECT_EQ(m.windows_error, kMismatch);
}

}  // namespace

namespace {

// A policy refusal shows what the server put in its MS-CHAPv2 Failure: E=646..649 are Windows error numbers the
// client reports as they are (RFC 2759 6), E=812 is ERROR_SERVER_POLICY; 812 is never made up from a 691.
TEST(SstpDiagnosisAuth, PolicyRefusalShowsTheCodeTheServerSent) {
    const std::pair<std::optional<std::uint32_t>, std::string> cases[] = {
        {646u, "646"}, {647u, "647"}, {648u, "648"}, {649u, "649"}, {812u, "812"}, {std::nullopt, "812"}};
    for (const auto& [code, shown] : cases) {
        auto r = with_phases({{"resolve", PhaseOutcome::ok}, {"ppp_auth", PhaseOutcome::failed}}, "refused");
        r.phases.back().reason = FailureReason::sstp_auth_policy;
        r.tunnel.mschap_error = code;
        diagnose_sstp(r, options());
        ASSERT_NE(find(r, "sstp.auth_policy"), nullptr) << shown;
        EXPECT_EQ(r.windows_error, shown);
    }
    auto r = with_phases({{"resolve", PhaseOutcome::ok}, {"ppp_auth", PhaseOutcome::failed}}, "E=691");
    r.phases.back().reason = FailureReason::sstp_auth_rejected;
    r.tunnel.mschap_error = 691u;
    diagnose_sstp(r, options());
    ASSERT_NE(find(r, "sstp.auth_rejected"), nullptr);
    EXPECT_EQ(r.windows_error, "691");
}

// The login's phases (with --user): each (phase, outcome, reason), with the MS-CHAPv2 E= code the server sent when
// there was one, gives its finding and the error a Windows client shows. The E= code is the client's error for the
// codes RFC 2759 names (646-649, 691) and 812; any other code is a failed login, 691.
struct LoginRow {
    const char* phase;
    PhaseOutcome outcome;
    FailureReason reason;
    std::optional<std::uint32_t> mschap_error;
    const char* check;
    std::string windows_error;
};

TEST(SstpDiagnosisTable, LoginPhasesGiveTheirFindingAndWindowsError) {
    using O = PhaseOutcome;
    using R = FailureReason;
    const std::string k691 = winerr::describe(winerr::ERROR_AUTHENTICATION_FAILURE);
    const std::string k720 = winerr::describe(winerr::ERROR_PPP_NO_PROTOCOLS_CONFIGURED);
    const std::string k809 = winerr::describe(winerr::ERROR_VPN_TIMEOUT);
    const std::string k812 = winerr::describe(winerr::ERROR_SERVER_POLICY);
    const std::vector<LoginRow> rows{
        {"ppp_auth", O::failed, R::sstp_auth_rejected, 691, "sstp.auth_rejected", k691},
        {"ppp_auth", O::failed, R::sstp_auth_rejected, std::nullopt, "sstp.auth_rejected", k691},  // EAP Failure
        {"ppp_auth", O::failed, R::sstp_auth_rejected, 709, "sstp.auth_rejected", k691},
        {"ppp_auth", O::failed, R::sstp_auth_policy, 646, "sstp.auth_policy", "646"},
        {"ppp_auth", O::failed, R::sstp_auth_policy, 647, "sstp.auth_policy", "647"},
        {"ppp_auth", O::failed, R::sstp_auth_policy, 648, "sstp.auth_policy", "648"},
        {"ppp_auth", O::failed, R::sstp_auth_policy, 649, "sstp.auth_policy", "649"},
        {"ppp_auth", O::failed, R::sstp_auth_policy, 812, "sstp.auth_policy", k812},
        {"ppp_auth", O::failed, R::sstp_auth_not_proven, std::nullopt, "sstp.auth_server_not_proven", "778"},
        {"ppp_auth", O::failed, R::sstp_auth_loop, std::nullopt, "sstp.auth_loop", k691},
        {"ppp_auth", O::failed, R::sstp_auth_unsupported, std::nullopt, "sstp.auth_unsupported", k812},
        {"ppp_auth", O::failed, R::malformed, std::nullopt, "sstp.auth_failed", k809},  // discarded by Windows
        {"ppp_auth", O::failed, R::sstp_call_ended, std::nullopt, "sstp.auth_failed", k691},
        {"ipcp", O::failed, R::malformed, std::nullopt, "sstp.ipcp_failed", k720},
        {"ppp_auth", O::timeout, R::timeout, std::nullopt, "sstp.auth_timeout", k809},
        {"ipcp", O::failed, R::sstp_binding_refused, std::nullopt, "sstp.crypto_binding_refused", k809},
        {"ipcp", O::failed, R::sstp_ipcp_loop, std::nullopt, "sstp.ipcp_failed", k720},
        {"ipcp", O::failed, R::sstp_ipcp_refused, std::nullopt, "sstp.ipcp_failed", k720},
        {"ipcp", O::timeout, R::timeout, std::nullopt, "sstp.ipcp_timeout", k720},
        {"data_path", O::failed, R::sstp_no_echo_reply, std::nullopt, "sstp.traffic_does_not_pass", ""},
    };
    static const char* order[] = {"resolve", "tcp_connect", "tls_handshake",  "http", "call_connect",
                                  "ppp_lcp", "ppp_auth",    "call_connected", "ipcp", "data_path"};
    for (const auto& row : rows) {
        SCOPED_TRACE(std::string(row.phase) + " " + to_string(row.reason) +
                     " E=" + std::to_string(row.mschap_error.value_or(0)));
        SstpResult r = with_phases({});
        for (const char* name : order) {
            if (std::string(name) == row.phase) break;
            r.phases.push_back(Phase{name, PhaseOutcome::ok, 0.01, ""});
        }
        Phase failed{row.phase, row.outcome, 0.01, "what the probe saw"};
        failed.reason = row.reason;
        r.phases.push_back(failed);
        r.sstp.lcp_opened = true;
        r.tunnel.credentials_given = true;
        r.tunnel.mschap_error = row.mschap_error;
        auto o = options();
        o.ping = "192.0.2.1";
        diagnose_sstp(r, o);
        ASSERT_FALSE(r.findings.empty());
        EXPECT_EQ(r.findings.front().check, row.check);
        EXPECT_EQ(r.findings.front().windows_error, row.windows_error);
        EXPECT_EQ(r.windows_error, row.windows_error);
        EXPECT_EQ(r.failed_phase, row.phase);
        EXPECT_NE(r.findings.front().detail.find("what the probe saw"), std::string::npos);
        EXPECT_FALSE(r.success);
        EXPECT_FALSE(r.handshake_ok);
    }
}

}  // namespace
