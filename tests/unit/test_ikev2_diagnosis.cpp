// IKEv2 diagnosis from hand-made results: each failure is named with what a Windows client would show,
// and a finding never blames the server for what the probe saw wrongly.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <tuple>

#include "tests/support/sample_results.hpp"

namespace {

using namespace vpnprobe::probes;
using namespace vpnprobe::testsupport;
using testing::HasSubstr;

Ikev2Options options() {
    Ikev2Options o;
    o.host = "vpn.example.com";
    o.expected_name = "vpn.example.com";
    return o;
}

const Finding* finding(const Ikev2Result& r, const std::string& check) {
    for (const auto& f : r.findings)
        if (f.check == check) return &f;
    return nullptr;
}

// A result whose IKE_AUTH timed out after a good SA_INIT.
Ikev2Result silent_ike_auth(bool fragmentation, std::optional<bool> port_answers) {
    auto r = healthy_ikev2(fragmentation).as<vpnprobe::probes::Ikev2Result>();
    r.phases.clear();
    add_phases(r.phases, {"resolve", "ike_sa_init", "ike_auth"}, 0.01, "ike_auth", PhaseOutcome::timeout,
               "no answer to IKE_AUTH on UDP 4500 within 3.0 s");
    r.ike.ike_auth_answered = false;
    r.ike.chain.clear();
    r.ike.chain_verdict.reset();
    r.ike.auth_verified.reset();
    r.ike.nat_t_port_answers_sa_init = port_answers;
    return r;
}

TEST(Ikev2Diagnosis, HealthyResultIsASuccessWithoutErrors) {
    auto r = healthy_ikev2().as<vpnprobe::probes::Ikev2Result>();
    diagnose_ikev2(r, options());
    EXPECT_TRUE(r.success);
    EXPECT_EQ(r.failed_phase, "");
    for (const auto& f : r.findings) EXPECT_NE(f.severity, Severity::error) << f.check;
}

TEST(Ikev2Diagnosis, LostFragmentsWhenTheServerOffersNoFragmentation) {
    auto r = silent_ike_auth(false, true);
    diagnose_ikev2(r, options());
    ASSERT_NE(finding(r, "ikev2.ike_auth_lost_fragments"), nullptr);
    EXPECT_THAT(finding(r, "ikev2.ike_auth_lost_fragments")->detail, HasSubstr("Enable IKE fragmentation"));
    EXPECT_EQ(r.windows_error, "809");
    EXPECT_EQ(finding(r, "ikev2.no_fragmentation"), nullptr) << "said once, by the failure itself";
}

TEST(Ikev2Diagnosis, SilentIkeAuthWithSmallMessagesAndAnOpenPortIsAPortSplit) {
    auto r = silent_ike_auth(true, true);
    diagnose_ikev2(r, options());
    ASSERT_NE(finding(r, "ikev2.ports_split"), nullptr);
    EXPECT_THAT(finding(r, "ikev2.ports_split")->detail, HasSubstr("load balancer"));
    EXPECT_EQ(r.windows_error, "809");
}

TEST(Ikev2Diagnosis, NothingOnTheNatTPortIsABlockedPort) {
    for (bool frag : {true, false}) {
        auto r = silent_ike_auth(frag, false);
        diagnose_ikev2(r, options());
        EXPECT_NE(finding(r, "ikev2.nat_t_port_blocked"), nullptr) << "fragmentation " << frag;
        EXPECT_EQ(finding(r, "ikev2.ike_auth_lost_fragments"), nullptr);
    }
}

TEST(Ikev2Diagnosis, InvalidIkeSpiIsAPortSplit) {
    auto r = healthy_ikev2().as<vpnprobe::probes::Ikev2Result>();
    r.phases.back() = Phase{"ike_auth", PhaseOutcome::failed, 0.01, "IKE_AUTH answered with INVALID_IKE_SPI", false};
    r.phases.pop_back();
    r.phases.back() = Phase{"ike_auth", PhaseOutcome::failed, 0.01, "IKE_AUTH answered with INVALID_IKE_SPI", false};
    r.ike.ike_auth_notifies.push_back({"INVALID_IKE_SPI", 4, ""});
    diagnose_ikev2(r, options());
    EXPECT_NE(finding(r, "ikev2.ports_split"), nullptr);
}

TEST(Ikev2Diagnosis, NoAnswerToSaInitIs809AndNoProposalIs13868) {
    Ikev2Result r;
    r.host = "vpn.example.com";
    add_phases(r.phases, {"resolve", "ike_sa_init"}, 0.01, "ike_sa_init", PhaseOutcome::timeout, "no answer");
    diagnose_ikev2(r, options());
    EXPECT_NE(finding(r, "ikev2.sa_init_no_answer"), nullptr);
    EXPECT_EQ(r.windows_error, "809");

    Ikev2Result n;
    add_phases(n.phases, {"resolve", "ike_sa_init"}, 0.01, "ike_sa_init", PhaseOutcome::failed, "NO_PROPOSAL_CHOSEN");
    n.ike.sa_init_answered = true;
    n.ike.error_notify = "NO_PROPOSAL_CHOSEN";
    diagnose_ikev2(n, options());
    EXPECT_NE(finding(n, "ikev2.no_proposal_chosen"), nullptr);
    EXPECT_EQ(n.windows_error.substr(0, 5), "13868");
    EXPECT_EQ(finding(n, "ikev2.no_fragmentation"), nullptr) << "a refused SA_INIT says nothing about fragmentation";
}

// Named for what happened, in either exchange: no route, an unreachable network, ICMP port unreachable; each 809.
TEST(Ikev2Diagnosis, SocketErrorsAreNamedByErrno) {
    const std::tuple<const char*, int, const char*> cases[] = {
        {"ike_sa_init", ENETUNREACH, "ikev2.network_unreachable"},
        {"ike_sa_init", EHOSTUNREACH, "ikev2.no_route"},
        {"ike_sa_init", ECONNREFUSED, "ikev2.sa_init_refused"},
        {"ike_auth", ENETUNREACH, "ikev2.network_unreachable"},
        {"ike_auth", EHOSTUNREACH, "ikev2.no_route"},
        {"ike_auth", ECONNREFUSED, "ikev2.ike_auth_port_unreachable"}};
    for (auto [phase, e, check] : cases) {
        Ikev2Result r;
        r.host = "2001:db8::1";
        r.address = "2001:db8::1";
        r.port = 500;
        std::vector<std::string> names{"resolve", "ike_sa_init"};
        if (std::string(phase) == "ike_auth") {
            names.push_back("ike_auth");
            r.ike.sa_init_answered = true;
        }
        add_phases(r.phases, names, 0.01, phase, PhaseOutcome::failed, "some socket error");
        r.phases.back().sys_errno = e;
        diagnose_ikev2(r, options());
        ASSERT_FALSE(r.findings.empty()) << check;
        EXPECT_EQ(r.findings.front().check, check) << phase << " errno " << e;
        EXPECT_EQ(r.windows_error, "809") << check;
        if (e != ECONNREFUSED) {
            EXPECT_THAT(r.findings.front().detail, HasSubstr("[2001:db8::1]:500")) << check;
            EXPECT_THAT(r.findings.front().detail, testing::Not(HasSubstr("refused"))) << check;
        }
    }
}

TEST(Ikev2Diagnosis, LocalFailuresDoNotBlameTheServer) {
    Ikev2Result r;
    r.phases.push_back(Phase{"resolve", PhaseOutcome::ok, 0, "", false});
    r.phases.push_back(Phase{"ike_sa_init", PhaseOutcome::failed, 0, "cannot open the socket", true});
    diagnose_ikev2(r, options());
    ASSERT_FALSE(r.findings.empty());
    EXPECT_EQ(r.findings.front().check, "probe.local");
    EXPECT_EQ(r.windows_error, "");
}

TEST(Ikev2Diagnosis, BadSignatureIs13801) {
    auto r = healthy_ikev2().as<vpnprobe::probes::Ikev2Result>();
    r.ike.auth_verified = false;
    r.ike.auth_detail = "signature does not verify";
    diagnose_ikev2(r, options());
    EXPECT_NE(finding(r, "ikev2.auth_signature"), nullptr);
    EXPECT_EQ(r.windows_error.substr(0, 5), "13801");
    EXPECT_FALSE(r.success);
}

TEST(Ikev2Diagnosis, WeakChoicesAndAuditFindings) {
    auto r = healthy_ikev2().as<vpnprobe::probes::Ikev2Result>();
    r.ike.dh_group = 2;
    r.weak_audit = {{"3des-sha256-modp2048", "3DES", true, true, "accepted"},
                    {"aes256-sha1-modp2048", "SHA-1", false, false, "no answer"}};
    diagnose_ikev2(r, options());
    EXPECT_NE(finding(r, "ikev2.weak_chosen_group"), nullptr);
    ASSERT_NE(finding(r, "ikev2.weak_proposal_accepted"), nullptr);
    EXPECT_THAT(finding(r, "ikev2.weak_proposal_accepted")->detail, HasSubstr("3des-sha256-modp2048"));
    ASSERT_NE(finding(r, "ikev2.weak_audit_incomplete"), nullptr);
    EXPECT_THAT(finding(r, "ikev2.weak_audit_incomplete")->detail, HasSubstr("aes256-sha1-modp2048"));
    EXPECT_FALSE(r.success) << "an accepted weak proposal is an error";
}

TEST(Ikev2Diagnosis, NatIsReportedAsInformation) {
    auto r = healthy_ikev2().as<vpnprobe::probes::Ikev2Result>();
    r.ike.nat_detected = true;
    r.ike.nat_destination_mismatch = true;
    r.ike.nat_source_mismatch = false;
    diagnose_ikev2(r, options());
    ASSERT_NE(finding(r, "ikev2.nat_detected"), nullptr);
    EXPECT_EQ(finding(r, "ikev2.nat_detected")->severity, Severity::info);
    EXPECT_THAT(finding(r, "ikev2.nat_detected")->detail, HasSubstr("our address translated"));
    EXPECT_TRUE(r.success);
}

// Findings follow the typed reason, never the words of the error: rewording a message changes no verdict.
TEST(Ikev2Diagnosis, SaInitFailuresAreNamedByTheirReason) {
    const std::tuple<FailureReason, const char*, const char*> cases[] = {
        {FailureReason::ikev2_invalid_choice, "ikev2.invalid_choice", "809"},
        {FailureReason::ikev2_no_proposal_chosen, "ikev2.no_proposal_chosen", "13868"},
        {FailureReason::ikev2_invalid_ke, "ikev2.invalid_ke", "13868"},
        {FailureReason::refused, "ikev2.sa_init_refused", "809"},
        {FailureReason::network_unreachable, "ikev2.network_unreachable", "809"},
        {FailureReason::host_unreachable, "ikev2.no_route", "809"},
        {FailureReason::ikev2_cookie_loop, "ikev2.sa_init_failed", "809"},
        {FailureReason::ikev2_bad_key_exchange, "ikev2.sa_init_failed", "809"}};
    for (auto [reason, check, windows] : cases) {
        Ikev2Result r;
        r.host = "vpn.example.com";
        add_phases(r.phases, {"resolve", "ike_sa_init"}, 0.01, "ike_sa_init", PhaseOutcome::failed,
                   "words that name nothing");
        r.phases.back().reason = reason;
        diagnose_ikev2(r, options());
        ASSERT_FALSE(r.findings.empty()) << check;
        EXPECT_EQ(r.findings.front().check, check) << to_string(reason);
        EXPECT_EQ(r.windows_error.substr(0, std::string(windows).size()), windows) << check;
    }
}

TEST(Ikev2Diagnosis, ErrorWordsAloneNameNothing) {
    Ikev2Result r;
    add_phases(r.phases, {"resolve", "ike_sa_init"}, 0.01, "ike_sa_init", PhaseOutcome::failed,
               "port unreachable (ICMP); the server's answer chose what we did not offer");
    r.phases.back().reason = FailureReason::ikev2_incomplete_answer;
    diagnose_ikev2(r, options());
    ASSERT_FALSE(r.findings.empty());
    EXPECT_EQ(r.findings.front().check, "ikev2.sa_init_failed");
}

TEST(Ikev2Diagnosis, IkeAuthFailuresAreNamedByTheirReason) {
    const std::tuple<FailureReason, const char*> cases[] = {
        {FailureReason::ikev2_invalid_ike_spi, "ikev2.ports_split"},
        {FailureReason::refused, "ikev2.ike_auth_port_unreachable"},
        {FailureReason::network_unreachable, "ikev2.network_unreachable"},
        {FailureReason::ikev2_authentication_failed, "ikev2.no_eap"},
        {FailureReason::ikev2_incomplete_answer, "ikev2.ike_auth_failed"}};
    for (auto [reason, check] : cases) {
        auto r = healthy_ikev2().as<Ikev2Result>();
        r.phases.clear();
        add_phases(r.phases, {"resolve", "ike_sa_init", "ike_auth"}, 0.01, "ike_auth", PhaseOutcome::failed,
                   "words that name nothing");
        r.phases.back().reason = reason;
        r.ike.chain.clear();
        r.ike.chain_verdict.reset();
        r.ike.auth_verified.reset();
        diagnose_ikev2(r, options());
        ASSERT_FALSE(r.findings.empty()) << check;
        EXPECT_EQ(r.findings.front().check, check) << to_string(reason);
    }
}

}  // namespace

namespace {

// A user-tunnel result (--user) that failed in `phase` for `reason`, after a good SA_INIT and first IKE_AUTH.
Ikev2Result tunnel_failure(const std::string& phase, FailureReason reason) {
    auto r = healthy_ikev2().as<vpnprobe::probes::Ikev2Result>();
    r.phases.clear();
    std::vector<std::string> names{"resolve", "ike_sa_init", "ike_auth", "eap"};
    if (phase != "eap") names.push_back("ike_auth_complete");
    if (phase == "child_sa" || phase == "data_path") names.push_back("child_sa");
    if (phase == "data_path") names.push_back("data_path");
    add_phases(r.phases, names, 0.01, phase, PhaseOutcome::failed, "words that name nothing");
    r.phases.back().reason = reason;
    r.tunnel.credentials_given = true;
    return r;
}

TEST(Ikev2TunnelDiagnosis, WrongPasswordIs691) {
    auto r = tunnel_failure("eap", FailureReason::ikev2_eap_failure);
    r.tunnel.mschap_error = 691;
    diagnose_ikev2(r, options());
    ASSERT_NE(finding(r, "ikev2.auth_rejected"), nullptr);
    EXPECT_EQ(r.windows_error, "691");
    EXPECT_FALSE(r.success);
    EXPECT_EQ(r.failed_phase, "eap");
}

TEST(Ikev2TunnelDiagnosis, EapFailureWithoutAnMschapVerdictIsStill691) {
    auto r = tunnel_failure("eap", FailureReason::ikev2_eap_failure);
    diagnose_ikev2(r, options());
    ASSERT_NE(finding(r, "ikev2.auth_rejected"), nullptr);
    EXPECT_EQ(r.windows_error, "691");
}

TEST(Ikev2TunnelDiagnosis, PolicyRefusalAfterTheCredentialsIs812) {
    auto r = tunnel_failure("eap", FailureReason::ikev2_eap_failure);
    r.tunnel.mschap_error = 649;
    diagnose_ikev2(r, options());
    ASSERT_NE(finding(r, "ikev2.auth_policy"), nullptr);
    EXPECT_EQ(r.windows_error, "812");
}

TEST(Ikev2TunnelDiagnosis, ServerThatDoesNotProveThePasswordIs13801) {
    auto r = tunnel_failure("eap", FailureReason::ikev2_eap_not_proven);
    diagnose_ikev2(r, options());
    ASSERT_NE(finding(r, "ikev2.auth_server_not_proven"), nullptr);
    EXPECT_EQ(r.windows_error, "13801");
}

TEST(Ikev2TunnelDiagnosis, AuthenticationFailedAfterEapSuccessIs13801NotAPassword) {
    auto r = tunnel_failure("ike_auth_complete", FailureReason::ikev2_authentication_failed);
    r.tunnel.eap_success = true;
    diagnose_ikev2(r, options());
    ASSERT_NE(finding(r, "ikev2.auth_rejected_after_eap"), nullptr);
    EXPECT_EQ(finding(r, "ikev2.auth_rejected"), nullptr);
    EXPECT_EQ(r.windows_error, "13801");
}

TEST(Ikev2TunnelDiagnosis, ChildSaFailuresAreNamedByTheNotify) {
    const std::tuple<FailureReason, const char*, const char*, const char*> cases[] = {
        {FailureReason::ikev2_no_address, "INTERNAL_ADDRESS_FAILURE", "ikev2.no_address", ""},
        {FailureReason::ikev2_no_address, "FAILED_CP_REQUIRED", "ikev2.no_address", ""},
        {FailureReason::ikev2_child_sa_refused, "NO_PROPOSAL_CHOSEN", "ikev2.child_no_proposal_chosen", "13868"},
        {FailureReason::ikev2_child_sa_refused, "TS_UNACCEPTABLE", "ikev2.ts_unacceptable", "13868"},
        {FailureReason::ikev2_invalid_child_choice, "(not offered)", "ikev2.child_invalid_choice", "13868"}};
    for (auto [reason, notify, check, windows] : cases) {
        auto r = tunnel_failure("child_sa", reason);
        r.tunnel.authenticated = true;
        r.tunnel.child.error_notify = notify;
        diagnose_ikev2(r, options());
        ASSERT_NE(finding(r, check), nullptr) << notify;
        EXPECT_EQ(r.failed_phase, "child_sa");
        EXPECT_EQ(r.windows_error, windows) << notify;
        EXPECT_FALSE(r.success);
    }
}

// Tunnel up, no echo reply: "connected, but traffic does not pass", as SSTP's; Windows shows no error for it.
TEST(Ikev2TunnelDiagnosis, NoEchoReplyIsTrafficDoesNotPass) {
    auto r = tunnel_failure("data_path", FailureReason::ikev2_no_echo_reply);
    r.tunnel.authenticated = true;
    r.tunnel.connected = true;
    r.tunnel.address = "10.98.32.1";
    r.tunnel.ping_target = "10.97.32.99";
    diagnose_ikev2(r, options());
    const auto* f = finding(r, "ikev2.traffic_does_not_pass");
    ASSERT_NE(f, nullptr);
    EXPECT_NE(f->detail.find("connected, but traffic does not pass"), std::string::npos) << f->detail;
    EXPECT_NE(f->detail.find("10.97.32.99"), std::string::npos) << f->detail;
    EXPECT_EQ(r.failed_phase, "data_path");
    EXPECT_EQ(r.windows_error, "");
    EXPECT_FALSE(r.success);
}

}  // namespace
