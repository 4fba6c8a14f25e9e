// Probe results made by hand, for the tests of expectations and reports: what a healthy SSTP server, a
// healthy IKEv2 server and a few broken ones give, without any network.
#pragma once

#include <cerrno>

#include "scenarios/probe_kind.hpp"
#include "scenarios/results.hpp"

namespace vpnprobe::testsupport {

inline probes::CertificateFacts sample_leaf(double days_left = 200) {
    probes::CertificateFacts c;
    c.subject = "CN=vpn.example.com,O=Example";
    c.subject_cn = "vpn.example.com";
    c.issuer = "CN=Example Issuing CA,O=Example";
    c.san_dns = {"vpn.example.com"};
    c.san_ip = {"192.0.2.1"};
    c.not_before = 1700000000;
    c.not_after = 1700000000 + static_cast<std::time_t>(365 * 86400);
    c.days_left = days_left;
    c.inspected_at = c.not_after - static_cast<std::time_t>(days_left * 86400);  // consistent with days_left
    c.key_type = "RSA";
    c.key_bits = 2048;
    c.signature_algorithm = "sha256WithRSAEncryption";
    c.ekus = {"serverAuth"};
    c.eku_oids = {"1.3.6.1.5.5.7.3.1"};
    c.sha256_fingerprint =
        "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99";
    return c;
}

inline void add_phases(std::vector<probes::Phase>& phases, const std::vector<std::string>& names, double seconds,
                       const std::string& failing = "", probes::PhaseOutcome how = probes::PhaseOutcome::failed,
                       const std::string& error = "") {
    for (const auto& n : names) {
        bool fails = n == failing;
        phases.push_back(probes::Phase{n, fails ? how : probes::PhaseOutcome::ok, seconds, fails ? error : "", false});
        if (fails) break;
    }
}

inline scenarios::ProbeRun healthy_sstp(double days_left = 200, double phase_seconds = 0.01) {
    probes::SstpResult r;
    r.host = "vpn.example.com";
    r.address = "192.0.2.1";
    r.vantage = "a";
    add_phases(r.phases, {"resolve", "tcp_connect", "tls_handshake", "http", "call_connect", "ppp_lcp", "disconnect"},
               phase_seconds);
    r.total_seconds = phase_seconds * 7;
    probes::TlsFacts t;
    t.version = "TLSv1.3";
    t.cipher = "TLS_AES_256_GCM_SHA384";
    t.chain = {sample_leaf(days_left)};
    t.chain_verdict.valid = true;
    r.tls = t;
    r.sstp.http_status = 200;
    r.sstp.connect_acked = true;
    r.sstp.hash_protocols = {"SHA256"};
    r.handshake_ok = true;
    r.success = true;
    return scenarios::ProbeRun{r};
}

inline scenarios::ProbeRun expired_sstp() {
    auto run = healthy_sstp(-30);
    run.as<probes::SstpResult>().tls->chain_verdict.valid = false;
    run.as<probes::SstpResult>().tls->chain_verdict.openssl_reason = "certificate has expired";
    run.as<probes::SstpResult>().success = false;
    run.as<probes::SstpResult>().windows_error = "0x800B0101 CERT_E_EXPIRED (-2146762495)";
    run.as<probes::SstpResult>().findings.push_back(probes::Finding{probes::Severity::error, "certificate.expired",
                                                                    "expired 30 days ago",
                                                                    run.as<probes::SstpResult>().windows_error});
    return run;
}

inline scenarios::ProbeRun refused_sstp() {
    probes::SstpResult r;
    r.host = "vpn.example.com";
    r.address = "192.0.2.1";
    add_phases(r.phases, {"resolve", "tcp_connect"}, 0.001, "tcp_connect", probes::PhaseOutcome::failed,
               "connection refused");
    r.phases.back().sys_errno = ECONNREFUSED;  // what diagnosis names the finding by
    r.failed_phase = "tcp_connect";
    r.windows_error = "809";
    r.findings.push_back(
        probes::Finding{probes::Severity::error, "sstp.tcp_refused", "nothing listens on TCP 443", "809"});
    return scenarios::ProbeRun{r};
}

// A probe that logged in (credentials), got 192.168.30.10 and DNS 192.168.30.1, and sent three echo requests to
// 192.168.30.1 of which `replies` came back (1.5, 2.5 and 4.0 ms).
inline scenarios::ProbeRun tunnel_sstp(int replies = 3) {
    auto run = healthy_sstp();
    auto& r = run.as<probes::SstpResult>();
    r.phases.pop_back();  // disconnect, after the login's phases
    add_phases(r.phases, {"ppp_auth", "call_connected", "ipcp", "data_path", "disconnect"}, 0.01,
               replies == 0 ? "data_path" : "", probes::PhaseOutcome::failed, "no echo reply");
    auto& t = r.tunnel;
    t.credentials_given = true;
    t.auth_method = "MS-CHAPv2";
    t.server_proven = true;
    t.authenticated = true;
    t.binding_hash = "SHA256";
    t.call_connected_sent = true;
    t.connected = true;
    t.address = "192.168.30.10";
    t.dns = {"192.168.30.1"};
    t.ping_target = "192.168.30.1";
    const double rtt[] = {1.5, 2.5, 4.0};
    for (int i = 0; i < 3; ++i) {
        probes::SstpEcho e;
        e.sequence = i + 1;
        e.replied = i < replies;
        e.rtt_ms = e.replied ? rtt[i] : 0;
        e.answer = e.replied ? "reply" : "none";
        t.echoes.push_back(e);
    }
    t.echo_replies = replies;
    if (replies == 0) {
        r.failed_phase = "data_path";
        r.success = false;
        r.handshake_ok = false;
        r.findings.push_back(probes::Finding{probes::Severity::error, "sstp.traffic_does_not_pass",
                                             "connected, but traffic does not pass", ""});
    }
    return run;
}

// A probe with credentials whose login was refused: MS-CHAPv2 E=691 (wrong password or unknown user).
inline scenarios::ProbeRun refused_login_sstp() {
    auto run = healthy_sstp();
    auto& r = run.as<probes::SstpResult>();
    r.phases.pop_back();
    add_phases(r.phases, {"ppp_auth"}, 0.01, "ppp_auth", probes::PhaseOutcome::failed,
               "MS-CHAPv2 Failure E=691: authentication failure");
    r.tunnel.credentials_given = true;
    r.tunnel.auth_method = "MS-CHAPv2";
    r.tunnel.mschap_error = 691;
    r.failed_phase = "ppp_auth";
    r.success = false;
    r.handshake_ok = false;
    r.windows_error = "691";
    r.findings.push_back(probes::Finding{probes::Severity::error, "sstp.auth_rejected",
                                         "the server refused the credentials (MS-CHAPv2 E=691)", "691"});
    return run;
}

inline scenarios::ProbeRun healthy_ikev2(bool fragmentation = true) {
    probes::Ikev2Result r;
    r.host = "vpn.example.com";
    r.address = "192.0.2.1";
    add_phases(r.phases, {"resolve", "ike_sa_init", "ike_auth", "delete"}, 0.005);
    r.total_seconds = 0.02;
    auto& f = r.ike;
    f.sa_init_answered = true;
    f.chosen_proposal = "aes256-sha256-modp2048";
    f.dh_group = 14;
    f.fragmentation_offered = fragmentation;
    if (fragmentation) f.sa_init_notifies.push_back({"IKEV2_FRAGMENTATION_SUPPORTED", 16430, ""});
    f.sa_init_notifies.push_back({"NAT_DETECTION_SOURCE_IP", 16388, "00"});
    f.nat_detected = false;
    f.certreq_matches_ca = true;
    f.ike_auth_answered = true;
    f.fragments_received = fragmentation ? 2 : 0;
    f.chain = {sample_leaf()};
    f.chain_verdict = probes::ChainVerdict{};
    f.chain_verdict->valid = true;
    f.auth_verified = true;
    f.auth_method = "ECDSA_SHA256_P256";
    r.success = true;
    return scenarios::ProbeRun{r};
}

// The IKEv2 user tunnel (credentials, EAP-MSCHAPv2) up: virtual IP 10.98.32.7, DNS 10.97.32.53 and .54, a CHILD_SA.
inline scenarios::ProbeRun tunnel_ikev2() {
    auto run = healthy_ikev2();
    auto& r = run.as<probes::Ikev2Result>();
    r.phases.pop_back();  // delete, after the login's phases
    add_phases(r.phases, {"eap", "ike_auth_complete", "child_sa", "delete_child", "delete"}, 0.005);
    auto& t = r.tunnel;
    t.credentials_given = true;
    t.auth_method = "EAP-MSCHAPv2";
    t.server_proven = true;
    t.eap_success = true;
    t.server_auth_verified = true;
    t.authenticated = true;
    t.address = "10.98.32.7";
    t.dns = {"10.97.32.53", "10.97.32.54"};
    t.connected = true;
    t.child.created = true;
    t.child.esp_proposal = "aes128gcm16";
    return run;
}

// The IKEv2 user tunnel refused: EAP-MSCHAPv2 Failure E=691 in the eap phase.
inline scenarios::ProbeRun refused_login_ikev2() {
    auto run = healthy_ikev2();
    auto& r = run.as<probes::Ikev2Result>();
    r.phases.pop_back();
    add_phases(r.phases, {"eap"}, 0.005, "eap", probes::PhaseOutcome::failed,
               "MS-CHAPv2 Failure E=691: authentication failure");
    r.tunnel.credentials_given = true;
    r.tunnel.auth_method = "EAP-MSCHAPv2";
    r.tunnel.mschap_error = 691;
    r.failed_phase = "eap";
    r.success = false;
    r.windows_error = "691";
    r.findings.push_back(probes::Finding{probes::Severity::error, "ikev2.auth_rejected",
                                         "the server refused the credentials (MS-CHAPv2 E=691)", "691"});
    return run;
}

inline scenarios::ProbeRun lost_fragments_ikev2() {
    auto run = healthy_ikev2(false);
    auto& r = run.as<probes::Ikev2Result>();
    r.phases.clear();
    add_phases(r.phases, {"resolve", "ike_sa_init", "ike_auth"}, 0.005, "ike_auth", probes::PhaseOutcome::timeout,
               "no answer to IKE_AUTH on UDP 4500 within 3.0 s");
    r.ike.ike_auth_answered = false;
    r.ike.chain.clear();
    r.ike.chain_verdict.reset();
    r.ike.auth_verified.reset();
    r.success = false;
    r.failed_phase = "ike_auth";
    r.windows_error = "809";
    r.findings.push_back(probes::Finding{probes::Severity::error, "ikev2.ike_auth_lost_fragments",
                                         "the IKE_AUTH response never arrived", "809"});
    return run;
}

// A probe that never ran: its vantage namespace is gone (the harness's failure, not the target's), as the
// IKEv2 probe and its diagnosis record it.
inline scenarios::ProbeRun harness_failed_ikev2() {
    probes::Ikev2Result r;
    r.host = "vpn.example.com";
    r.address = "192.0.2.1";
    add_phases(r.phases, {"resolve", "ike_sa_init"}, 0.001, "ike_sa_init", probes::PhaseOutcome::failed,
               "cannot prepare IKE_SA_INIT: network namespace /var/run/netns/gone: No such file or directory");
    r.phases.back().local = true;
    r.failed_phase = "ike_sa_init";
    r.findings.push_back(probes::Finding{probes::Severity::error, "probe.local",
                                         "the probe could not run its ike_sa_init phase from gone: network namespace "
                                         "/var/run/netns/gone: No such file or directory",
                                         ""});
    return scenarios::ProbeRun{r};
}

// A row as the runner makes it, with its runs judged.
inline scenarios::RowResult sample_row(std::string target, std::string vantage, std::string probe,
                                       std::vector<scenarios::ProbeRun> runs, bool passed,
                                       std::vector<scenarios::ExpectationOutcome> outcomes = {}) {
    scenarios::RowResult row;
    row.target = std::move(target);
    row.vantage = std::move(vantage);
    row.probe = std::move(probe);
    row.type = runs.front().kind().name();
    row.host = "vpn.example.com";
    row.address = "192.0.2.1";
    row.runs = std::move(runs);
    row.passed = passed;
    row.outcomes = std::move(outcomes);
    return row;
}

}  // namespace vpnprobe::testsupport
