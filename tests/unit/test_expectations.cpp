// Expectations judge runs: each holds or not, with expected and actual in words, and the Windows error
// where the expectation is about the connection working.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "scenarios/address_range.hpp"
#include "scenarios/expectations.hpp"
#include "scenarios/runner.hpp"
#include "tests/support/sample_results.hpp"

namespace {

using namespace vpnprobe::scenarios;
using namespace vpnprobe::testsupport;
using testing::HasSubstr;

const ExpectationOutcome& find(const std::vector<ExpectationOutcome>& v, const std::string& check) {
    for (const auto& o : v)
        if (o.check == check) return o;
    static const ExpectationOutcome none{"(missing)", "", "", false, "", ""};
    ADD_FAILURE() << "no outcome " << check;
    return none;
}

bool all_held(const std::vector<ExpectationOutcome>& v) {
    for (const auto& o : v)
        if (!o.held) return false;
    return !v.empty();
}

TEST(Expectations, NothingGivenMeansSuccessIsExpected) {
    Expectations e;
    EXPECT_TRUE(all_held(evaluate(e, healthy_sstp())));
    auto out = evaluate(e, refused_sstp());
    ASSERT_EQ(out.size(), 1u);
    EXPECT_FALSE(out[0].held);
    EXPECT_EQ(out[0].check, "success");
    EXPECT_EQ(out[0].actual, "failure in tcp_connect");
    EXPECT_EQ(out[0].windows_error, "809");
    EXPECT_THAT(out[0].detail, HasSubstr("sstp.tcp_refused"));
}

TEST(Expectations, ExpectedFailureInANamedPhaseWithTheWindowsError) {
    Expectations e;
    e.success = false;
    e.failed_phase = "tcp_connect";
    e.windows_error = "809";
    EXPECT_TRUE(all_held(evaluate(e, refused_sstp())));
    auto out = evaluate(e, healthy_sstp());
    EXPECT_FALSE(find(out, "success").held);
    EXPECT_THAT(find(out, "success").detail, HasSubstr("worked where it was expected to fail"));
    EXPECT_FALSE(find(out, "failed_phase").held);
    EXPECT_FALSE(find(out, "windows_error").held);
    e.failed_phase = "tls_handshake";
    EXPECT_FALSE(find(evaluate(e, refused_sstp()), "failed_phase").held);
}

TEST(Expectations, CertificateFacts) {
    Expectations e;
    auto& c = e.certificate;
    c.fingerprints = {"00:00", "aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899"};
    c.subject = "CN=vpn.example.com";
    c.issuer = "Issuing CA";
    c.san_includes = {"vpn.example.com", "192.0.2.1"};
    c.min_days_left = 30;
    c.ekus = {"serverAuth"};
    c.key_type = "RSA";
    c.min_key_bits = 2048;
    c.signature_algorithm = "sha256WithRSAEncryption";
    c.chain_valid = true;
    auto out = evaluate(e, healthy_sstp());
    EXPECT_TRUE(all_held(out)) << out.size();
    EXPECT_EQ(find(out, "certificate.fingerprint").expected.substr(0, 7), "one of ");

    c.fingerprints = {
        "11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF:11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF"};
    c.min_days_left = 300;
    c.ekus = {"serverAuth", "ikeIntermediate"};
    c.san_includes = {"other.example.com"};
    c.min_key_bits = 3072;
    out = evaluate(e, healthy_sstp());
    EXPECT_FALSE(find(out, "certificate.fingerprint").held);
    EXPECT_THAT(find(out, "certificate.fingerprint").detail, HasSubstr("another certificate"));
    EXPECT_FALSE(find(out, "certificate.min_days_left").held);
    EXPECT_EQ(find(out, "certificate.min_days_left").actual, "200.0 days");
    EXPECT_THAT(find(out, "certificate.min_days_left").detail, HasSubstr("CERT_E_EXPIRED"));
    EXPECT_FALSE(find(out, "certificate.san_includes").held);
    EXPECT_FALSE(find(out, "certificate.min_key_bits").held);
    int eku_failures = 0;
    for (const auto& o : out) eku_failures += o.check == "certificate.ekus" && !o.held;
    EXPECT_EQ(eku_failures, 1) << "serverAuth held, ikeIntermediate did not";
}

TEST(Expectations, NoCertificateFailsTheCertificateExpectationsOnceWithTheCause) {
    Expectations e;
    e.certificate.min_days_left = 30;
    e.certificate.chain_valid = true;
    auto out = evaluate(e, refused_sstp());
    ASSERT_EQ(out.size(), 2u);  // success, certificate
    EXPECT_EQ(find(out, "certificate").actual, "none received");
    EXPECT_THAT(find(out, "success").detail, HasSubstr("sstp.tcp_refused"));
    EXPECT_THAT(find(out, "certificate").detail, HasSubstr("the cause above")) << "told once, pointed at after";
}

TEST(Expectations, ExpiredCertificateCarriesTheWindowsError) {
    Expectations e;
    auto out = evaluate(e, expired_sstp());
    EXPECT_FALSE(find(out, "success").held);
    EXPECT_EQ(find(out, "success").windows_error, "0x800B0101 CERT_E_EXPIRED (-2146762495)");
}

TEST(Expectations, TlsAndSstp) {
    Expectations e;
    std::get<SstpExpect>(e.kinds).tls.min_version = "TLSv1.2";
    std::get<SstpExpect>(e.kinds).tls.ciphers = {"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"};
    std::get<SstpExpect>(e.kinds).crypto_binding_hash = "SHA256";
    EXPECT_TRUE(all_held(evaluate(e, healthy_sstp())));
    auto old = healthy_sstp();
    old.as<vpnprobe::probes::SstpResult>().tls->version = "TLSv1";
    old.as<vpnprobe::probes::SstpResult>().tls->cipher = "TLS_RSA_WITH_AES_128_CBC_SHA";
    old.as<vpnprobe::probes::SstpResult>().sstp.hash_protocols = {"SHA1"};
    auto out = evaluate(e, old);
    EXPECT_FALSE(find(out, "tls.min_version").held);
    EXPECT_FALSE(find(out, "tls.ciphers").held);
    EXPECT_FALSE(find(out, "sstp.crypto_binding_hash").held);
}

TEST(Expectations, Ikev2Facts) {
    Expectations e;
    auto& i = std::get<Ikev2Expect>(e.kinds);
    i.proposal_in = {"aes256-sha256-modp2048", "aes256gcm16-prfsha384-ecp384"};
    i.notifies_present = {"IKEV2_FRAGMENTATION_SUPPORTED"};
    i.notifies_absent = {"COOKIE"};
    i.fragmentation = true;
    i.nat_detected = false;
    i.certreq_matches_ca = true;
    i.auth_verified = true;
    EXPECT_TRUE(all_held(evaluate(e, healthy_ikev2())));
    auto out = evaluate(e, healthy_ikev2(false));
    EXPECT_FALSE(find(out, "ikev2.fragmentation").held);
    EXPECT_THAT(find(out, "ikev2.fragmentation").detail, HasSubstr("809"));
    EXPECT_FALSE(find(out, "ikev2.notifies_present").held);
    EXPECT_TRUE(find(out, "ikev2.notifies_absent").held);
    i.proposal_in = {"3des-sha1-modp1024"};
    EXPECT_FALSE(find(evaluate(e, healthy_ikev2()), "ikev2.proposal_in").held);
}

TEST(Expectations, WeakAuditMustBeCompleteToProveAnything) {
    Expectations e;
    std::get<Ikev2Expect>(e.kinds).no_weak_accepted = true;
    auto run = healthy_ikev2();
    EXPECT_FALSE(find(evaluate(e, run), "ikev2.no_weak_accepted").held) << "no audit ran";
    run.as<vpnprobe::probes::Ikev2Result>().weak_audit = {
        {"3des-sha256-modp2048", "3DES", false, true, "NO_PROPOSAL_CHOSEN"},
        {"aes256-sha1-modp2048", "SHA-1", false, true, "NO_PROPOSAL_CHOSEN"}};
    EXPECT_TRUE(find(evaluate(e, run), "ikev2.no_weak_accepted").held);
    run.as<vpnprobe::probes::Ikev2Result>().weak_audit[1].answered = false;
    auto o = find(evaluate(e, run), "ikev2.no_weak_accepted");
    EXPECT_FALSE(o.held);
    EXPECT_EQ(o.actual, "audit incomplete");
    run.as<vpnprobe::probes::Ikev2Result>().weak_audit[1] = {"aes256-sha1-modp2048", "SHA-1", true, true, "accepted"};
    o = find(evaluate(e, run), "ikev2.no_weak_accepted");
    EXPECT_FALSE(o.held);
    EXPECT_THAT(o.actual, HasSubstr("accepts aes256-sha1-modp2048"));
}

TEST(Expectations, FindingsPresentAndAbsent) {
    Expectations e;
    e.success = false;
    e.findings = {"ikev2.ike_auth_lost_fragments"};
    e.no_findings = {"ikev2.ports_split"};
    EXPECT_TRUE(all_held(evaluate(e, lost_fragments_ikev2())));
    e.findings = {"ikev2.ports_split"};
    EXPECT_FALSE(find(evaluate(e, lost_fragments_ikev2()), "findings").held);
}

TEST(Expectations, Timing) {
    Expectations e;
    e.timing.total_max_seconds = 0.08;  // the sample takes 0.07 s
    e.timing.phase_max_seconds = {{"tls_handshake", 0.02}, {"ppp_lcp", 0.001}};
    auto out = evaluate(e, healthy_sstp(200, 0.01));
    EXPECT_TRUE(find(out, "timing.total_max_seconds").held);
    EXPECT_TRUE(find(out, "timing.phase_max_seconds.tls_handshake").held);
    EXPECT_FALSE(find(out, "timing.phase_max_seconds.ppp_lcp").held);
    e.timing.phase_max_seconds = {{"http", 1}};
    out = evaluate(e, refused_sstp());
    EXPECT_EQ(find(out, "timing.phase_max_seconds.http").actual, "phase not reached");
}

// A run timed while our own event loop ran too late: a timing it missed is not the target's (a harness error,
// as the row and its exit code say); a timing it met still holds; the same miss without the lag is a FAIL.
TEST(Expectations, ATimingMissedUnderOurOwnOverloadIsNotJudged) {
    Expectations e;
    e.timing.total_max_seconds = 0.01;  // the sample takes 0.07 s
    auto lagged = healthy_sstp(200, 0.01);
    lagged.outcome().event_loop_lag_seconds = 0.4;
    auto out = evaluate(e, lagged);
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out[0].check, "harness");
    EXPECT_FALSE(out[0].held);
    EXPECT_THAT(out[0].detail, HasSubstr("vpnprobe's own event loop ran 400 ms late"));
    EXPECT_THAT(find(out, "timing.total_max_seconds").detail, HasSubstr("not judged"));
    RowResult row;
    row.runs = {lagged};
    row.outcomes = out;
    EXPECT_THAT(row.harness_error(), HasSubstr("event loop"));
    ScenarioResult result;
    result.rows = {row};
    EXPECT_EQ(result.exit_code(), 3);

    e.timing.total_max_seconds = 1;  // met even under lag: it holds, nothing to say
    EXPECT_TRUE(all_held(evaluate(e, lagged)));

    e.timing.total_max_seconds = 0.01;  // missed by a loop that kept up: the target's
    out = evaluate(e, healthy_sstp(200, 0.01));
    EXPECT_FALSE(find(out, "timing.total_max_seconds").held);
    for (const auto& o : out) EXPECT_NE(o.check, "harness");
}

TEST(Expectations, OverRunsAnExpectationHoldsOnlyIfItHeldEveryTime) {
    Expectations e;
    auto out = evaluate_runs(e, {healthy_sstp(), refused_sstp(), healthy_sstp()});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_FALSE(out[0].held);
    EXPECT_THAT(out[0].detail, HasSubstr("failed in 1 of 3 runs"));
    EXPECT_TRUE(all_held(evaluate_runs(e, {healthy_sstp(), healthy_sstp()})));
}

TEST(Expectations, PerVantageExpectationsReplaceTheProbesWhole) {
    ProbeSpec p;
    p.expect.certificate.min_days_left = 30;
    Expectations blocked;
    blocked.success = false;
    p.expect_by_vantage["blocked"] = blocked;
    EXPECT_TRUE(expectations_for(p, "clean").certificate.min_days_left.has_value());
    EXPECT_FALSE(expectations_for(p, "blocked").certificate.min_days_left.has_value());
    EXPECT_TRUE(all_held(evaluate(expectations_for(p, "blocked"), refused_sstp())));
}

TEST(Timings, MinMedianP95OverRuns) {
    std::vector<ProbeRun> runs;
    for (int i = 1; i <= 20; ++i) runs.push_back(healthy_sstp(200, i * 0.001));  // totals 7 ms .. 140 ms
    auto t = timing_stats(runs);
    ASSERT_FALSE(t.empty());
    EXPECT_EQ(t[0].phase, "total");
    EXPECT_EQ(t[0].samples, 20);
    EXPECT_NEAR(t[0].min, 0.007, 1e-9);
    EXPECT_NEAR(t[0].median, 0.070, 1e-9);  // nearest rank: the 10th of 20
    EXPECT_NEAR(t[0].p95, 0.133, 1e-9);  // the 19th of 20
    EXPECT_NEAR(t[0].max, 0.140, 1e-9);
    EXPECT_EQ(t[1].phase, "resolve");
    EXPECT_EQ(t.size(), 8u);
}

TEST(CompareWith, DifferencesBetweenServedAndCandidate) {
    auto served = sample_leaf();
    auto candidate = sample_leaf();
    EXPECT_TRUE(compare_certificates(served, candidate).same);
    EXPECT_TRUE(compare_certificates(served, candidate).differences.empty());
    candidate.sha256_fingerprint = "11" + candidate.sha256_fingerprint.substr(2);
    candidate.issuer = "CN=New CA";
    candidate.key_type = "EC";
    candidate.key_bits = 256;
    candidate.curve = "prime256v1";
    auto c = compare_certificates(served, candidate);
    EXPECT_FALSE(c.same);
    EXPECT_EQ(c.differences.size(), 3u);
    EXPECT_THAT(c.differences[1], HasSubstr("issuer: served CN=Example Issuing CA,O=Example, candidate CN=New CA"));
    EXPECT_THAT(c.differences[2], HasSubstr("key: served RSA 2048, candidate EC 256 prime256v1"));
}

}  // namespace

namespace {

// A probe that never ran proves nothing: whatever the scenario expects, even the failure it got, does
// not hold, and the first outcome says it is the harness.
TEST(Expectations, AHarnessErrorNeverHoldsWhateverIsExpected) {
    auto run = harness_failed_ikev2();
    ASSERT_THAT(run.harness_error(), HasSubstr("No such file or directory"));
    Expectations expect_failure;
    expect_failure.success = false;
    expect_failure.failed_phase = "ike_sa_init";
    expect_failure.no_findings = {"ikev2.sa_init_no_answer"};
    auto out = evaluate(expect_failure, run);
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out[0].check, "harness");
    EXPECT_FALSE(out[0].held);
    EXPECT_THAT(out[0].detail, HasSubstr("/var/run/netns/gone"));
    for (const auto& o : out) EXPECT_FALSE(o.held) << o.check << " held on a probe that never ran";
    EXPECT_FALSE(find(out, "success").held);
    EXPECT_FALSE(find(out, "failed_phase").held);
    EXPECT_THAT(find(out, "failed_phase").detail, HasSubstr("did not run"));

    // The same without the finding: a phase marked local is enough (a result not yet diagnosed).
    run.as<vpnprobe::probes::Ikev2Result>().findings.clear();
    EXPECT_THAT(run.harness_error(), HasSubstr("ike_sa_init"));
    EXPECT_FALSE(all_held(evaluate(expect_failure, run)));

    // Over several runs, one run that could not probe spoils the row.
    Expectations nothing;
    auto merged = evaluate_runs(nothing, {healthy_ikev2(), harness_failed_ikev2(), healthy_ikev2()});
    EXPECT_FALSE(all_held(merged));
    // And a run that did probe has no harness error.
    EXPECT_EQ(refused_sstp().harness_error(), "");
    Expectations refused;
    refused.success = false;
    refused.failed_phase = "tcp_connect";
    EXPECT_TRUE(all_held(evaluate(refused, refused_sstp()))) << "a real failure, expected, still holds";
}

}  // namespace

namespace {

Expectations tunnel_expected() {
    Expectations e;
    e.tunnel.connected = true;
    e.tunnel.address_in = "192.168.30.0/24";
    e.tunnel.dns_includes = {"192.168.30.1"};
    e.tunnel.ping_max_rtt_ms = 5;
    e.tunnel.ping_max_loss = 0;
    return e;
}

TEST(Expectations, TunnelUpInTheRangeWithItsDnsAndEchoes) {
    auto out = evaluate(tunnel_expected(), tunnel_sstp());
    EXPECT_TRUE(all_held(out));
    EXPECT_EQ(find(out, "tunnel.connected").actual, "connected, address 192.168.30.10");
    EXPECT_EQ(find(out, "tunnel.address_in").expected, "in 192.168.30.0/24");
    EXPECT_EQ(find(out, "tunnel.ping_max_rtt_ms").actual, "max 4.0 ms (3 of 3 echo requests to 192.168.30.1 answered)");
    EXPECT_EQ(find(out, "tunnel.ping_max_loss").actual, "0.00 (3 of 3 echo requests to 192.168.30.1 answered)");

    auto e = tunnel_expected();
    e.tunnel.address_in = "10.0.0.0/8";
    e.tunnel.dns_includes = {"192.168.30.1", "10.0.0.53"};
    e.tunnel.ping_max_rtt_ms = 3;  // the worst reply took 4 ms
    out = evaluate(e, tunnel_sstp());
    EXPECT_FALSE(find(out, "tunnel.address_in").held);
    EXPECT_THAT(find(out, "tunnel.address_in").detail, HasSubstr("outside the range"));
    int dns_failed = 0;
    for (const auto& o : out)
        if (o.check == "tunnel.dns_includes" && !o.held) {
            ++dns_failed;
            EXPECT_EQ(o.expected, "10.0.0.53");
            EXPECT_EQ(o.actual, "192.168.30.1");
        }
    EXPECT_EQ(dns_failed, 1);
    EXPECT_FALSE(find(out, "tunnel.ping_max_rtt_ms").held);
    EXPECT_TRUE(find(out, "tunnel.connected").held);
    EXPECT_TRUE(find(out, "success").held);
}

TEST(Expectations, EchoLossAgainstItsMaximum) {
    auto e = tunnel_expected();
    e.tunnel.ping_max_loss = 0.4;
    auto out = evaluate(e, tunnel_sstp(2));  // one of three lost: 0.33
    EXPECT_TRUE(find(out, "tunnel.ping_max_loss").held);
    EXPECT_EQ(find(out, "tunnel.ping_max_loss").actual, "0.33 (2 of 3 echo requests to 192.168.30.1 answered)");
    e.tunnel.ping_max_loss = 0.2;
    EXPECT_FALSE(find(evaluate(e, tunnel_sstp(2)), "tunnel.ping_max_loss").held);
    // No reply at all: connected, but traffic does not pass; the round trip cannot hold either, and says why.
    out = evaluate(e, tunnel_sstp(0));
    EXPECT_TRUE(find(out, "tunnel.connected").held);
    EXPECT_FALSE(find(out, "tunnel.ping_max_loss").held);
    EXPECT_FALSE(find(out, "tunnel.ping_max_rtt_ms").held);
    EXPECT_THAT(find(out, "tunnel.ping_max_rtt_ms").actual, HasSubstr("no echo reply (0 of 3"));
    std::string details;
    for (const auto& o : out) details += o.detail + "\n";
    EXPECT_THAT(details, HasSubstr("sstp.traffic_does_not_pass"));
}

TEST(Expectations, ARefusedLoginFailsTheTunnelWithTheWindowsError) {
    auto out = evaluate(tunnel_expected(), refused_login_sstp());
    const auto& c = find(out, "tunnel.connected");
    EXPECT_FALSE(c.held);
    EXPECT_EQ(c.actual, "not connected");
    // The cause is told once, under the first failed expectation (success); the others point at it.
    EXPECT_THAT(find(out, "success").detail, HasSubstr("sstp.auth_rejected"));
    EXPECT_THAT(c.detail, HasSubstr("(the cause above)"));
    EXPECT_EQ(c.windows_error, "691");
    EXPECT_EQ(find(out, "tunnel.address_in").actual, "no address assigned");
    EXPECT_FALSE(find(out, "tunnel.address_in").held);
    EXPECT_EQ(find(out, "tunnel.ping_max_rtt_ms").actual, "no echo request sent");
    EXPECT_FALSE(find(out, "tunnel.ping_max_loss").held);
    EXPECT_FALSE(find(out, "tunnel.dns_includes").held);
    // A scenario that expects the refusal says so, and holds.
    Expectations refused;
    refused.success = false;
    refused.failed_phase = "ppp_auth";
    refused.windows_error = "691";
    refused.tunnel.connected = false;
    EXPECT_TRUE(all_held(evaluate(refused, refused_login_sstp())));
    EXPECT_FALSE(find(evaluate(refused, tunnel_sstp()), "tunnel.connected").held);
    EXPECT_THAT(find(evaluate(refused, tunnel_sstp()), "tunnel.connected").detail,
                HasSubstr("came up where it was expected not to"));
}

TEST(Expectations, ACertificateTheClientRefusesWithholdsTheCredentialsAndTheTunnelSaysSo) {
    auto run = expired_sstp();
    run.as<vpnprobe::probes::SstpResult>().tunnel.credentials_given = true;
    run.as<vpnprobe::probes::SstpResult>().tunnel.credentials_withheld = "certificate chain: certificate has expired";
    Expectations e;
    e.tunnel.connected = true;
    auto out = evaluate(e, run);
    const auto& c = find(out, "tunnel.connected");
    EXPECT_FALSE(c.held);
    EXPECT_EQ(c.actual, "not connected: no credentials sent");
    EXPECT_THAT(c.detail, HasSubstr("certificate has expired"));
    EXPECT_THAT(c.windows_error, HasSubstr("CERT_E_EXPIRED"));
}

// The same expectations, the same words, on an IKEv2 user tunnel (its configuration payload's address and DNS).
TEST(Expectations, Ikev2TunnelJudgedOnItsVirtualAddressAndDns) {
    Expectations e;
    e.tunnel.connected = true;
    e.tunnel.address_in = "10.98.32.0/24";
    e.tunnel.dns_includes = {"10.97.32.53", "10.97.32.54"};
    auto out = evaluate(e, tunnel_ikev2());
    EXPECT_TRUE(all_held(out));
    EXPECT_EQ(find(out, "tunnel.connected").actual, "connected, address 10.98.32.7");
    EXPECT_EQ(find(out, "tunnel.address_in").actual, "10.98.32.7");
    e.tunnel.address_in = "10.99.0.0/16";
    e.tunnel.dns_includes = {"10.0.0.53"};
    out = evaluate(e, tunnel_ikev2());
    EXPECT_FALSE(find(out, "tunnel.address_in").held);
    EXPECT_FALSE(find(out, "tunnel.dns_includes").held);
    EXPECT_EQ(find(out, "tunnel.dns_includes").actual, "10.97.32.53, 10.97.32.54");

    // Refused in eap: not connected, with the Windows error; expecting exactly that holds.
    out = evaluate(e, refused_login_ikev2());
    EXPECT_FALSE(find(out, "tunnel.connected").held);
    EXPECT_EQ(find(out, "tunnel.connected").actual, "not connected");
    EXPECT_EQ(find(out, "tunnel.connected").windows_error, "691");
    EXPECT_EQ(find(out, "tunnel.address_in").actual, "no address assigned");
    Expectations refused;
    refused.success = false;
    refused.failed_phase = "eap";
    refused.windows_error = "691";
    refused.tunnel.connected = false;
    EXPECT_TRUE(all_held(evaluate(refused, refused_login_ikev2())));
    EXPECT_FALSE(all_held(evaluate(refused, tunnel_ikev2())));
}

// Without credentials there is no tunnel to judge: every tunnel expectation says so and fails, none passes for
// want of facts (the loader refuses such a scenario; a run without a login, or an ikev2 run, still never passes).
TEST(Expectations, TunnelExpectationsWithoutALoginAreNotJudgedAndNeverHold) {
    for (const auto& run : {healthy_sstp(), healthy_ikev2()}) {
        SCOPED_TRACE(run.kind().name());
        auto out = evaluate(tunnel_expected(), run);
        int tunnel = 0;
        for (const auto& o : out) {
            if (o.check.rfind("tunnel.", 0) != 0) continue;
            ++tunnel;
            EXPECT_FALSE(o.held) << o.check;
            EXPECT_EQ(o.actual, "not judged: the probe did not log in (no credentials)");
            EXPECT_THAT(o.detail, HasSubstr("credentials: {user, password_file | password_env}"));
        }
        EXPECT_EQ(tunnel, 5);
        EXPECT_TRUE(find(out, "success").held);
    }
}

TEST(Expectations, TunnelOverRunsHoldsOnlyIfItHeldEveryTime) {
    auto out = evaluate_runs(tunnel_expected(), {tunnel_sstp(), tunnel_sstp(0), tunnel_sstp()});
    EXPECT_FALSE(find(out, "tunnel.ping_max_loss").held);
    EXPECT_THAT(find(out, "tunnel.ping_max_loss").detail, HasSubstr("failed in 1 of 3 runs"));
    EXPECT_TRUE(find(out, "tunnel.connected").held);
}

TEST(AddressRange, ParsesCidrAndContainsItsAddresses) {
    auto r = AddressRange::parse("192.168.30.0/24");
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->contains("192.168.30.10"));
    EXPECT_TRUE(r->contains("192.168.30.255"));
    EXPECT_FALSE(r->contains("192.168.31.1"));
    EXPECT_FALSE(r->contains("fd00::1"));
    EXPECT_FALSE(r->contains(""));
    EXPECT_FALSE(r->contains("not an address"));
    auto odd = AddressRange::parse("10.0.0.0/13");
    ASSERT_TRUE(odd);
    EXPECT_TRUE(odd->contains("10.7.255.255"));
    EXPECT_FALSE(odd->contains("10.8.0.0"));
    auto one = AddressRange::parse("192.0.2.7");
    ASSERT_TRUE(one);
    EXPECT_EQ(one->prefix, 32);
    EXPECT_TRUE(one->contains("192.0.2.7"));
    EXPECT_FALSE(one->contains("192.0.2.8"));
    EXPECT_TRUE(AddressRange::parse("0.0.0.0/0")->contains("203.0.113.9"));
    auto v6 = AddressRange::parse("fd00:30::/64");
    ASSERT_TRUE(v6);
    EXPECT_TRUE(v6->contains("fd00:30::10"));
    EXPECT_FALSE(v6->contains("fd00:31::10"));
    EXPECT_FALSE(v6->contains("192.168.30.10"));
    for (const char* bad : {"192.168.30.1/24", "192.168.30.0/33", "192.168.30.0/", "192.168.30.0/-1", "192.168.30.0/2x",
                            "vpn.example/24", "", "/24", "fd00::1/64", "fd00::/129"})
        EXPECT_FALSE(AddressRange::parse(bad)) << bad;
}

}  // namespace
