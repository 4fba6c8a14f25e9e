// Scenario files: a good one becomes the model; a bad one is refused before anything runs, every problem
// with file:line:column and what was expected.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "scenarios/probe_kind.hpp"
#include "scenarios/scenario_loader.hpp"
#include "tests/support/run_command.hpp"

namespace {

using namespace vpnprobe::scenarios;
using testing::HasSubstr;

const char* kGood = R"(version: 1
name: uptime
count: 3
parallel: 8
vantage_points:
  - {name: a, netns: vp-probe-a}
  - name: office
    source: 192.0.2.10
    interface: eth1
targets:
  - name: gw
    host: vpn.example.com
    name_clients_dial: vpn.example.com
    ca: /etc/ssl/certs/ca.pem
    ports: {sstp: 8443, ikev2: 500}
probes:
  - name: sstp-health
    type: sstp
    timeout: 5
    options: {phase_timeout: 2}
    expect:
      success: true
      certificate:
        fingerprint: ["AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99",
                      "aabbccddeeff00112233445566778899aabbccddeeff00112233445566778800"]
        min_days_left: 30
        ekus: [serverAuth]
        san_includes: vpn.example.com
      tls: {min_version: TLSv1.2, ciphers: [TLS_AES_256_GCM_SHA384]}
      sstp: {crypto_binding_hash: SHA256}
      timing: {total_max_seconds: 3, phase_max_seconds: {tls_handshake: 1}}
    expect_by_vantage:
      office: {success: false, failed_phase: tcp_connect, windows_error: "809"}
  - name: ike
    type: ikev2
    vantage_points: [a]
    targets: gw
    options: {preset: windows-default, fragment_size: 1280, audit_weak: true}
    expect:
      ikev2: {proposal_in: [aes256-sha256-modp2048], notifies_present: [IKEV2_FRAGMENTATION_SUPPORTED], no_weak_accepted: true}
)";

Scenario good() { return load_scenario_text(kGood, "good.yaml"); }

// The one problem a bad file has: its text, which must name the place.
std::string problem(const std::string& yaml) {
    try {
        load_scenario_text(yaml, "bad.yaml");
    } catch (const ScenarioError& e) {
        return e.what();
    }
    return "(no error)";
}

std::string with_probe(const std::string& probe_lines) {
    return "vantage_points:\n  - {name: a, netns: x}\ntargets:\n  - {name: t, host: 192.0.2.1}\nprobes:\n" +
           probe_lines;
}

TEST(ScenarioLoader, GoodFileBecomesTheModel) {
    auto s = good();
    EXPECT_EQ(s.name, "uptime");
    EXPECT_EQ(s.count, 3);
    EXPECT_EQ(s.parallel, 8);
    ASSERT_EQ(s.vantage_points.size(), 2u);
    EXPECT_EQ(s.vantage_points[0].vantage.netns, "vp-probe-a");
    EXPECT_EQ(s.vantage_points[1].vantage.source, "192.0.2.10");
    EXPECT_EQ(s.vantage_points[1].vantage.interface, "eth1");
    ASSERT_EQ(s.targets.size(), 1u);
    EXPECT_EQ(s.targets[0].sni, "vpn.example.com");
    EXPECT_EQ(s.targets[0].ports.at("sstp"), 8443);
    EXPECT_EQ(s.targets[0].ca.value_or(""), "/etc/ssl/certs/ca.pem");
    ASSERT_EQ(s.probes.size(), 2u);
    const auto& sstp = s.probes[0];
    EXPECT_EQ(sstp.kind().name(), "sstp");
    EXPECT_EQ(sstp.timeout, 5);
    EXPECT_EQ(std::get<SstpProbeOptions>(sstp.options).phase_timeout, 2);
    EXPECT_EQ(sstp.expect.certificate.fingerprints.size(), 2u);
    EXPECT_EQ(sstp.expect.certificate.min_days_left.value_or(0), 30);
    EXPECT_EQ(sstp.expect.certificate.san_includes, std::vector<std::string>{"vpn.example.com"});
    EXPECT_EQ(std::get<SstpExpect>(sstp.expect.kinds).tls.min_version.value_or(""), "TLSv1.2");
    EXPECT_EQ(sstp.expect.timing.phase_max_seconds.at("tls_handshake"), 1);
    ASSERT_EQ(sstp.expect_by_vantage.count("office"), 1u);
    EXPECT_EQ(sstp.expect_by_vantage.at("office").failed_phase.value_or("?"), "tcp_connect");
    const auto& ike = s.probes[1];
    EXPECT_EQ(ike.kind().name(), "ikev2");
    EXPECT_EQ(ike.targets, std::vector<std::string>{"gw"});
    EXPECT_EQ(std::get<Ikev2ProbeOptions>(ike.options).preset, "windows-default");
    EXPECT_TRUE(std::get<Ikev2ProbeOptions>(ike.options).audit_weak);
    EXPECT_EQ(std::get<Ikev2Expect>(ike.expect.kinds).no_weak_accepted, true);
    EXPECT_FALSE(std::get<Ikev2ProbeOptions>(ike.options).fresh_key_share) << "a shared key share by default";
}

TEST(ScenarioLoader, FreshKeyShareIsAnIkev2Boolean) {
    auto s = load_scenario_text(with_probe("  - type: ikev2\n    options: {fresh_key_share: true}\n"), "f.yaml");
    EXPECT_TRUE(std::get<Ikev2ProbeOptions>(s.probes.at(0).options).fresh_key_share);
    EXPECT_THAT(problem(with_probe("  - type: ikev2\n    options: {fresh_key_share: sometimes}\n")),
                HasSubstr("fresh_key_share"));
    EXPECT_THAT(problem(with_probe("  - type: sstp\n    options: {fresh_key_share: true}\n")),
                HasSubstr("unknown key 'fresh_key_share' in options of an sstp probe"));
}

TEST(ScenarioLoader, UnknownKeyIsRefusedWithItsPositionAndTheKnownKeys) {
    auto e = problem(with_probe("  - type: sstp\n    expectt: {success: true}\n"));
    EXPECT_THAT(e, HasSubstr("bad.yaml:7:5: unknown key 'expectt' in a probe"));
    EXPECT_THAT(e, HasSubstr("expect_by_vantage"));
}

TEST(ScenarioLoader, WrongTypeSaysWhatWasExpected) {
    auto e = problem(with_probe("  - type: sstp\n    timeout: soon\n"));
    EXPECT_THAT(e, HasSubstr("bad.yaml:7:14: timeout must be a number, not 'soon'"));
    e = problem(with_probe("  - type: ikev2\n    expect: {ikev2: {fragmentation: maybe}}\n"));
    EXPECT_THAT(e, HasSubstr("ikev2.fragmentation must be true or false, not 'maybe'"));
    e = problem(with_probe("  - type: sstp\n    expect: [success]\n"));
    EXPECT_THAT(e, HasSubstr("7:13: expect must be a mapping"));
}

TEST(ScenarioLoader, MissingFieldIsNamed) {
    auto e = problem("vantage_points:\n  - {name: a, netns: x}\ntargets:\n  - {name: t}\nprobes:\n  - {type: sstp}\n");
    EXPECT_THAT(e, HasSubstr("bad.yaml:4:5: target 't' needs 'host'"));
    e = problem("targets: []\nprobes: []\n");
    EXPECT_THAT(e, HasSubstr("bad.yaml:1:1: the scenario needs 'vantage_points'"));
}

TEST(ScenarioLoader, UnknownVantagePointOrTargetIsRefused) {
    auto e = problem(with_probe("  - type: sstp\n    vantage_points: [a, b]\n"));
    EXPECT_THAT(e, HasSubstr("bad.yaml:7:21: probe 'sstp' names unknown vantage point 'b'"));
    e = problem(with_probe("  - type: sstp\n    targets: [nope]\n"));
    EXPECT_THAT(e, HasSubstr("names unknown target 'nope'"));
    e = problem(with_probe("  - type: sstp\n    expect_by_vantage: {z: {success: false}}\n"));
    EXPECT_THAT(e, HasSubstr("7:25: expect_by_vantage names unknown vantage point 'z'"));
}

TEST(ScenarioLoader, OptionsMustFitTheProbe) {
    auto e = problem(with_probe("  - type: sstp\n    options: {preset: modern}\n"));
    EXPECT_THAT(e, HasSubstr("unknown key 'preset' in options of an sstp probe"));
    e = problem(with_probe("  - type: ikev2\n    options: {preset: nonsense}\n"));
    EXPECT_THAT(e, HasSubstr("unknown preset 'nonsense'"));
    e = problem(with_probe("  - type: ikev2\n    options: {proposals: [aes256-what-modp2048]}\n"));
    EXPECT_THAT(e, HasSubstr("proposal 'aes256-what-modp2048'"));
    e = problem(with_probe("  - type: ikev2\n    expect: {ikev2: {no_weak_accepted: true}}\n"));
    EXPECT_THAT(e, HasSubstr("needs options.audit_weak: true"));
    e = problem(with_probe("  - type: ikev2\n    expect: {tls: {min_version: TLSv1.2}}\n"));
    EXPECT_THAT(e, HasSubstr("unknown key 'tls' in expect of a ikev2 probe"));
    e = problem(with_probe("  - type: sstp\n    expect: {failed_phase: ike_auth}\n"));
    EXPECT_THAT(e, HasSubstr("a sstp probe has no phase 'ike_auth'"));
}

TEST(ScenarioLoader, ValuesAreChecked) {
    auto e = problem(with_probe("  - type: sstp\n    expect: {certificate: {fingerprint: abc}}\n"));
    EXPECT_THAT(e, HasSubstr("'abc' is not a SHA-256 fingerprint"));
    e = problem("vantage_points:\n  - {name: a, source: not-an-ip}\ntargets: []\nprobes: []\n");
    EXPECT_THAT(e, HasSubstr("2:23: source must be an IP address, not 'not-an-ip'"));
    e = problem("vantage_points:\n  - {name: a}\ntargets: []\nprobes: []\n");
    EXPECT_THAT(e, HasSubstr("needs netns, source or interface"));
    e = problem(with_probe("  - type: ftp\n"));
    EXPECT_THAT(e, HasSubstr("type must be sstp or ikev2, not 'ftp'"));
    e = problem("version: 2\nvantage_points: []\ntargets: []\nprobes: []\n");
    EXPECT_THAT(e, HasSubstr("version must be from 1 to 1"));
}

TEST(ScenarioLoader, EveryProblemIsReportedNotOnlyTheFirst) {
    try {
        load_scenario_text(with_probe("  - type: sstp\n    timeout: x\n  - type: ikev2\n    colour: red\n"),
                           "bad.yaml");
        FAIL() << "accepted";
    } catch (const ScenarioError& e) {
        ASSERT_EQ(e.problems().size(), 2u) << e.what();
        EXPECT_EQ(e.problems()[0].mark.line, 7);
        EXPECT_EQ(e.problems()[1].mark.line, 9);
    }
}

TEST(ScenarioLoader, DuplicatesAreRefused) {
    auto e = problem("vantage_points:\n  - {name: a, netns: x}\n  - {name: a, netns: y}\ntargets: []\nprobes: []\n");
    EXPECT_THAT(e, HasSubstr("3:5: vantage point 'a' is defined twice"));
    e = problem(with_probe("  - type: sstp\n  - type: sstp\n"));
    EXPECT_THAT(e, HasSubstr("probe name 'sstp' is used twice"));
}

TEST(ScenarioLoader, NotYamlIsRefusedWithThePosition) {
    auto e = problem("vantage_points: [\n  {name: a\n");
    EXPECT_THAT(e, HasSubstr("bad.yaml:"));
    EXPECT_THAT(e, HasSubstr("not valid YAML"));
    EXPECT_THAT(problem(""), HasSubstr("the scenario file is empty"));
    EXPECT_THAT(problem("- a\n- b\n"), HasSubstr("the scenario must be a mapping"));
}

TEST(ScenarioLoader, UnreadableFileIsAProblem) {
    try {
        load_scenario_file("/no/such/scenario.yaml");
        FAIL() << "accepted";
    } catch (const ScenarioError& e) {
        EXPECT_THAT(e.what(), HasSubstr("/no/such/scenario.yaml: cannot read the file: No such file or directory"));
    }
    // A folder given as the scenario: the system's reason, not a parse of nothing.
    try {
        load_scenario_file(std::filesystem::temp_directory_path().string());
        FAIL() << "accepted a directory";
    } catch (const ScenarioError& e) {
        EXPECT_THAT(e.what(), HasSubstr("Is a directory"));
    }
}

// yaml-cpp keeps both pairs of a key written twice and finds only the first: the loader refuses it, at
// any depth, naming both places.
TEST(ScenarioLoader, DuplicateKeysAreRefusedWithBothPositions) {
    auto e = problem("vantage_points:\n  - {name: a, netns: x}\ntargets: []\nprobes: []\nvantage_points: []\n");
    EXPECT_THAT(
        e, HasSubstr("bad.yaml:5:1: key 'vantage_points' is given twice in one mapping (first at line 1, column 1)"));
    e = problem(
        with_probe("  - type: sstp\n    timeout: 5\n    expect: {success: true, findings: [a], success: false}\n"));
    EXPECT_THAT(e,
                HasSubstr("bad.yaml:8:44: key 'success' is given twice in one mapping (first at line 8, column 14)"));
    e = problem(with_probe("  - type: sstp\n    timeout: 5\n    timeout: 50\n"));
    EXPECT_THAT(e, HasSubstr("bad.yaml:8:5: key 'timeout' is given twice"));
    EXPECT_THAT(e, HasSubstr("first at line 7, column 5"));
    // The same key in two different mappings is no duplicate.
    EXPECT_EQ(problem(with_probe("  - {type: sstp, name: a}\n  - {type: sstp, name: b}\n")), "(no error)");
}

// An empty value never means "none": netns: "" must not probe from this machine's own namespace.
TEST(ScenarioLoader, EmptyValuesAreRefusedAtTheirPosition) {
    auto e = problem("vantage_points:\n  - {name: a, netns: \"\"}\ntargets: []\nprobes: []\n");
    EXPECT_THAT(e, HasSubstr("bad.yaml:2:22: netns must not be empty"));
    e = problem("vantage_points:\n  - {name: a, source: ''}\ntargets: []\nprobes: []\n");
    EXPECT_THAT(e, HasSubstr("2:23: source must not be empty"));
    e = problem("vantage_points:\n  - {name: a, interface: \"\"}\ntargets: []\nprobes: []\n");
    EXPECT_THAT(e, HasSubstr("2:26: interface must not be empty"));
    e = problem("vantage_points:\n  - {name: a, netns: x}\ntargets:\n  - {name: t, host: \"\"}\nprobes: []\n");
    EXPECT_THAT(e, HasSubstr("4:21: targets[].host must not be empty"));
    e = problem("vantage_points:\n  - {name: a, netns: x}\ntargets:\n  - {name: t, host: h, ca: \"\"}\nprobes: []\n");
    EXPECT_THAT(e, HasSubstr("4:28: ca must not be empty"));
}

// NaN, the infinities (YAML's .nan and .inf decode as doubles), negatives and values beyond the range are
// refused, and the range is printed as a person writes numbers.
TEST(ScenarioLoader, TimeoutsOutsideTheirRangeAreRefusedWithTheRange) {
    for (const std::string bad : {".nan", ".NaN", ".inf", "-.inf", "-1", "1e308", "601", "0"}) {
        auto e = problem(with_probe("  - type: sstp\n    timeout: " + bad + "\n"));
        EXPECT_THAT(e, HasSubstr("bad.yaml:7:14: timeout must be from 0.1 to 600, not '" + bad + "'")) << bad;
        EXPECT_THAT(e, testing::Not(HasSubstr("e+"))) << bad;
    }
    for (const std::string bad : {".nan", ".inf", "-0.5"}) {
        auto e = problem(with_probe("  - type: sstp\n    options: {phase_timeout: " + bad + "}\n"));
        EXPECT_THAT(e, HasSubstr("phase_timeout must be from 0 to 600, not '" + bad + "'")) << bad;
        e = problem(with_probe("  - type: sstp\n    expect: {timing: {total_max_seconds: " + bad + "}}\n"));
        EXPECT_THAT(e, HasSubstr("timing.total_max_seconds must be from 0 to 3600, not '" + bad + "'")) << bad;
        e = problem(with_probe("  - type: sstp\n    expect: {timing: {phase_max_seconds: {http: " + bad + "}}}\n"));
        EXPECT_THAT(e, HasSubstr("timing.phase_max_seconds.http must be from 0 to 3600, not '" + bad + "'")) << bad;
    }
    auto e = problem(with_probe("  - type: sstp\n    expect: {certificate: {min_days_left: .nan}}\n"));
    EXPECT_THAT(e, HasSubstr("certificate.min_days_left must be from -1000000 to 1000000, not '.nan'"));
    EXPECT_EQ(problem(with_probe("  - type: sstp\n    timeout: 600\n    options: {phase_timeout: 0}\n")), "(no error)");
}

// A relative CA path means the file beside the scenario, wherever vpnprobe was started.
TEST(ScenarioLoader, RelativePathsAreRelativeToTheScenarioFile) {
    const std::string yaml =
        "vantage_points: [{name: a, netns: x}]\ntargets:\n  - {name: rel, host: h, ca: certs/ca.pem}\n"
        "  - {name: abs, host: h, ca: /etc/ca.pem}\nprobes: [{type: sstp}]\n";
    auto s = load_scenario_text(yaml, "/srv/scenarios/uptime.yaml");
    EXPECT_EQ(s.targets[0].ca.value_or(""), "/srv/scenarios/certs/ca.pem");
    EXPECT_EQ(s.targets[1].ca.value_or(""), "/etc/ca.pem");
    EXPECT_EQ(load_scenario_text(yaml, "uptime.yaml").targets[0].ca.value_or(""), "certs/ca.pem")
        << "a file in the current folder: the current folder";
}

// The examples the project ships must stay loadable.
TEST(ScenarioLoader, ShippedExamplesLoad) {
    int n = 0;
    for (const auto& f :
         std::filesystem::directory_iterator(std::string(VPNPROBE_SOURCE_DIR) + "/scenarios/examples")) {
        if (f.path().extension() != ".yaml") continue;
        ++n;
        EXPECT_NO_THROW(load_scenario_file(f.path().string())) << f.path();
    }
    EXPECT_GE(n, 4);
}

// ---- credentials, the data path and expect.tunnel -------------------------------------------------------

std::string with_target_and_probe(const std::string& target_extra, const std::string& probe_lines) {
    return "vantage_points:\n  - {name: a, netns: x}\ntargets:\n  - {name: t, host: 192.0.2.1" + target_extra +
           "}\nprobes:\n" + probe_lines;
}

TEST(ScenarioLoader, CredentialsOnAProbeOrATargetWithThePingAndTheTunnelExpected) {
    auto s = load_scenario_text(with_target_and_probe(", credentials: {user: alice@HUB, password_env: VPN_PW}",
                                                      "  - type: sstp\n"
                                                      "    options: {ping: 192.168.30.1, ping_count: 5}\n"
                                                      "    expect:\n"
                                                      "      tunnel: {connected: true, address_in: 192.168.30.0/24,\n"
                                                      "               dns_includes: [192.168.30.1], ping_max_rtt_ms: "
                                                      "50, ping_max_loss: 0.2}\n"
                                                      "  - name: own\n    type: sstp\n"
                                                      "    credentials: {user: bob, password_file: pw.txt}\n"),
                                "/etc/vpnprobe/s.yaml");
    const auto& t = s.targets.at(0);
    ASSERT_TRUE(t.credentials);
    EXPECT_EQ(t.credentials->user, "alice@HUB");
    EXPECT_EQ(t.credentials->password_env, "VPN_PW");
    EXPECT_EQ(t.credentials_mark.line, 4);
    const auto& sstp = s.probes.at(0);
    EXPECT_FALSE(sstp.credentials);
    EXPECT_EQ(sstp.credentials_for(t)->user, "alice@HUB") << "a probe without its own takes its target's";
    const auto& o = std::get<SstpProbeOptions>(sstp.options);
    EXPECT_EQ(o.ping, "192.168.30.1");
    EXPECT_EQ(o.ping_count, 5);
    EXPECT_FALSE(o.allow_weak_auth);
    EXPECT_EQ(sstp.expect.tunnel.connected, true);
    EXPECT_EQ(sstp.expect.tunnel.address_in.value_or(""), "192.168.30.0/24");
    EXPECT_EQ(sstp.expect.tunnel.dns_includes, std::vector<std::string>{"192.168.30.1"});
    EXPECT_EQ(sstp.expect.tunnel.ping_max_rtt_ms.value_or(0), 50);
    EXPECT_EQ(sstp.expect.tunnel.ping_max_loss.value_or(1), 0.2);
    const auto& own = s.probes.at(1);
    ASSERT_TRUE(own.credentials);
    EXPECT_EQ(own.credentials_for(t)->user, "bob") << "a probe's own credentials win over its target's";
    EXPECT_EQ(own.credentials->password_file, "/etc/vpnprobe/pw.txt") << "relative to the scenario file's folder";
    EXPECT_THAT(own.credentials->source(), HasSubstr("password_file /etc/vpnprobe/pw.txt"));
}

TEST(ScenarioLoader, APasswordWrittenInTheFileIsRefusedWithoutQuotingIt) {
    for (const std::string& where : {std::string(", credentials: {user: u, password: Sekrit-7}"),
                                     std::string(", credentials: {user: u, password: Sekrit-7, password_env: PW}")}) {
        auto e = problem(with_target_and_probe(where, "  - type: sstp\n"));
        EXPECT_THAT(e, HasSubstr("bad.yaml:4:"));
        EXPECT_THAT(e, HasSubstr("a password is never written in the scenario file"));
        EXPECT_THAT(e, HasSubstr("password_file"));
        EXPECT_THAT(e, HasSubstr("password_env"));
        EXPECT_THAT(e, testing::Not(HasSubstr("Sekrit-7")));
    }
    auto e = problem(with_probe("  - type: sstp\n    credentials: {user: u, password: Sekrit-7}\n"));
    EXPECT_THAT(e, HasSubstr("bad.yaml:7:"));
    EXPECT_THAT(e, HasSubstr("a password is never written in the scenario file"));
    EXPECT_THAT(e, testing::Not(HasSubstr("Sekrit-7")));
    // A password pasted where the variable's name goes is not quoted back either.
    e = problem(with_probe("  - type: sstp\n    credentials: {user: u, password_env: 'Sekrit-7!'}\n"));
    EXPECT_THAT(e, HasSubstr("password_env must name an environment variable"));
    EXPECT_THAT(e, testing::Not(HasSubstr("Sekrit-7")));
}

TEST(ScenarioLoader, CredentialsNeedExactlyOnePasswordSource) {
    auto e = problem(with_probe("  - type: sstp\n    credentials: {user: u, password_file: /pw, password_env: PW}\n"));
    EXPECT_THAT(e, HasSubstr("bad.yaml:7:"));
    EXPECT_THAT(e, HasSubstr("credentials of u: give password_file or password_env, not both"));
    e = problem(with_probe("  - type: sstp\n    credentials: {user: u}\n"));
    EXPECT_THAT(e, HasSubstr("bad.yaml:7:18: credentials of u need password_file"));
    EXPECT_THAT(e, HasSubstr("or password_env"));
    e = problem(with_probe("  - type: sstp\n    credentials: {password_env: PW}\n"));
    EXPECT_THAT(e, HasSubstr("credentials needs 'user'"));
    e = problem(with_probe("  - type: sstp\n    credentials: {user: '', password_env: PW}\n"));
    EXPECT_THAT(e, HasSubstr("credentials.user must not be empty"));
    e = problem(with_probe("  - type: sstp\n    credentials: {user: u, password_file: ''}\n"));
    EXPECT_THAT(e, HasSubstr("credentials.password_file must not be empty"));
    e = problem(with_probe("  - type: sstp\n    credentials: {user: u, password_env: PW, domain: X}\n"));
    EXPECT_THAT(e,
                HasSubstr("unknown key 'domain' in credentials (expected one of: password_env, password_file, user)"));
    e = problem(with_probe("  - type: sstp\n    credentials: alice\n"));
    EXPECT_THAT(e, HasSubstr("credentials must be a mapping"));
}

TEST(ScenarioLoader, AnIkev2ProbeLogsInWithCredentialsAndItsTunnelAndPhasesAreExpected) {
    auto s = load_scenario_text(with_target_and_probe(", credentials: {user: alice, password_env: VPN_PW}",
                                                      "  - type: ikev2\n"
                                                      "    expect:\n"
                                                      "      tunnel: {connected: true, address_in: 10.98.32.0/24,\n"
                                                      "               dns_includes: [10.97.32.53]}\n"
                                                      "  - name: own\n    type: ikev2\n"
                                                      "    credentials: {user: bob, password_file: pw.txt}\n"
                                                      "    expect: {success: false, failed_phase: eap, "
                                                      "windows_error: '691'}\n"),
                                "/etc/vpnprobe/s.yaml");
    const auto& t = s.targets.at(0);
    const auto& ike = s.probes.at(0);
    EXPECT_EQ(ike.credentials_for(t)->user, "alice") << "an ikev2 probe without its own takes its target's";
    EXPECT_EQ(ike.expect.tunnel.connected, true);
    EXPECT_EQ(ike.expect.tunnel.address_in.value_or(""), "10.98.32.0/24");
    EXPECT_EQ(ike.expect.tunnel.dns_includes, std::vector<std::string>{"10.97.32.53"});
    const auto& own = s.probes.at(1);
    EXPECT_EQ(own.credentials_for(t)->user, "bob");
    EXPECT_EQ(own.credentials->password_file, "/etc/vpnprobe/pw.txt");
    EXPECT_EQ(own.expect.failed_phase.value_or(""), "eap");
    // Every phase of the login is a phase expect.failed_phase takes.
    const std::string creds = "    credentials: {user: u, password_env: PW}\n";
    for (const char* phase : {"eap", "ike_auth_complete", "child_sa", "delete_child"})
        EXPECT_NO_THROW(load_scenario_text(
            with_probe("  - type: ikev2\n" + creds + "    expect: {success: false, failed_phase: " + phase + "}\n"),
            "ok.yaml"))
            << phase;
    // No IKEv2 option sends echo requests (yet): echo expectations are refused.
    auto e = problem(with_probe("  - type: ikev2\n" + creds + "    expect: {tunnel: {ping_max_loss: 0}}\n"));
    EXPECT_THAT(e, HasSubstr("ping_max_rtt_ms and ping_max_loss judge echo requests"));
}

TEST(ScenarioLoader, Ikev2OptionsThatDoNotLogInRefuseCredentialsAndTunnels) {
    const std::string creds = "    credentials: {user: u, password_env: PW}\n";
    auto e = problem(with_probe("  - type: ikev2\n    options: {sa_init_only: true}\n" + creds));
    EXPECT_THAT(e, HasSubstr("bad.yaml:8:18: credentials: options.sa_init_only stops before IKE_AUTH, so the probe "
                             "cannot log in"));
    e = problem(with_probe("  - type: ikev2\n    options: {audit_weak: true}\n" + creds));
    EXPECT_THAT(e, HasSubstr("credentials: options.audit_weak offers no credential, so the probe cannot log in"));
    e = problem(with_target_and_probe(", credentials: {user: u, password_env: PW}",
                                      "  - type: ikev2\n    options: {sa_init_only: true}\n"
                                      "    expect: {tunnel: {connected: true}}\n"));
    EXPECT_THAT(e, HasSubstr("expect.tunnel: options.sa_init_only stops before IKE_AUTH, so the probe has no tunnel "
                             "to judge"));
    e = problem(with_target_and_probe(", credentials: {user: u, password_env: PW}",
                                      "  - type: ikev2\n    options: {sa_init_only: true}\n"
                                      "    expect_by_vantage: {a: {tunnel: {connected: true}}}\n"));
    EXPECT_THAT(e, HasSubstr("expect_by_vantage.a.tunnel: options.sa_init_only stops before IKE_AUTH"));
    // A target's credentials do not make such a probe log in: alone, they are credentials no probe uses.
    e = problem(with_target_and_probe(", credentials: {user: u, password_env: PW}",
                                      "  - type: ikev2\n    options: {sa_init_only: true}\n"));
    EXPECT_THAT(e, HasSubstr("bad.yaml:4:"));
    EXPECT_THAT(e, HasSubstr("target 't' has credentials that no probe uses"));
    e = problem(with_target_and_probe(", credentials: {user: u, password_env: PW}",
                                      "  - type: sstp\n    credentials: {user: v, password_env: PW}\n"));
    EXPECT_THAT(e, HasSubstr("target 't' has credentials that no probe uses"));
    // Beside a probe that takes them, an sa_init_only probe of the same target is fine, and does not log in.
    auto s = load_scenario_text(with_target_and_probe(", credentials: {user: u, password_env: PW}",
                                                      "  - type: sstp\n  - type: ikev2\n"
                                                      "    options: {sa_init_only: true}\n"),
                                "ok.yaml");
    EXPECT_TRUE(s.probes.at(0).credentials_for(s.targets.at(0)));
    EXPECT_FALSE(s.probes.at(1).credentials_for(s.targets.at(0)));
}

TEST(ScenarioLoader, ATunnelOrAPingWithoutCredentialsIsRefused) {
    auto e = problem(with_probe("  - type: sstp\n    expect: {tunnel: {connected: true}}\n"));
    EXPECT_THAT(e, HasSubstr("bad.yaml:6:5: probe 'sstp' expects a tunnel (expect.tunnel) on target 't', which has "
                             "no credentials"));
    e = problem(with_probe("  - type: sstp\n    expect_by_vantage: {a: {tunnel: {connected: false}}}\n"));
    EXPECT_THAT(e, HasSubstr("expects a tunnel (expect.tunnel) on target 't'"));
    e = problem(with_probe("  - type: sstp\n    options: {ping: 192.168.30.1}\n"));
    EXPECT_THAT(e, HasSubstr("probe 'sstp' sends echo requests through the tunnel (options.ping) on target 't', "
                             "which has no credentials"));
    // Each target of the probe is looked at: one with credentials does not cover another without.
    e = problem(
        "vantage_points: [{name: a, netns: x}]\ntargets:\n"
        "  - {name: t1, host: 192.0.2.1, credentials: {user: u, password_env: PW}}\n"
        "  - {name: t2, host: 192.0.2.2}\n"
        "probes:\n  - type: sstp\n    expect: {tunnel: {connected: true}}\n");
    EXPECT_THAT(e, HasSubstr("on target 't2', which has no credentials"));
    EXPECT_THAT(e, testing::Not(HasSubstr("'t1'")));
}

TEST(ScenarioLoader, TunnelExpectationsAndPingOptionsAreChecked) {
    const std::string creds = "    credentials: {user: u, password_env: PW}\n";
    auto e = problem(with_probe("  - type: sstp\n" + creds + "    expect: {tunnel: {address_in: 192.168.30.1/24}}\n"));
    EXPECT_THAT(e, HasSubstr("tunnel.address_in must be an address range such as 192.168.30.0/24"));
    e = problem(with_probe("  - type: sstp\n" + creds + "    expect: {tunnel: {address_in: 10.0.0.0/33}}\n"));
    EXPECT_THAT(e, HasSubstr("not '10.0.0.0/33'"));
    e = problem(with_probe("  - type: sstp\n" + creds + "    expect: {tunnel: {dns_includes: [dns.example]}}\n"));
    EXPECT_THAT(e, HasSubstr("tunnel.dns_includes: 'dns.example' is not an IP address"));
    e = problem(with_probe("  - type: sstp\n" + creds + "    expect: {tunnel: {connected: yes-ish}}\n"));
    EXPECT_THAT(e, HasSubstr("tunnel.connected must be true or false"));
    e = problem(with_probe("  - type: sstp\n" + creds + "    expect: {tunnel: {up: true}}\n"));
    EXPECT_THAT(e, HasSubstr("unknown key 'up' in expect.tunnel"));
    e = problem(with_probe("  - type: sstp\n" + creds +
                           "    options: {ping: 192.168.30.1}\n    expect: {tunnel: {ping_max_loss: 1.5}}\n"));
    EXPECT_THAT(e, HasSubstr("tunnel.ping_max_loss must be from 0 to 1"));
    // Echo expectations need echo requests.
    e = problem(with_probe("  - type: sstp\n" + creds + "    expect: {tunnel: {ping_max_rtt_ms: 20}}\n"));
    EXPECT_THAT(e, HasSubstr("expect.tunnel: ping_max_rtt_ms and ping_max_loss judge echo requests through the "
                             "tunnel: give the probe options.ping"));
    e = problem(with_probe("  - type: sstp\n" + creds + "    options: {ping: vpn.example.com}\n"));
    EXPECT_THAT(e, HasSubstr("ping must be an IPv4 address"));
    e = problem(with_probe("  - type: sstp\n" + creds + "    options: {ping_count: 3}\n"));
    EXPECT_THAT(e, HasSubstr("ping_count needs ping"));
    e = problem(with_probe("  - type: sstp\n" + creds + "    options: {ping: 192.0.2.9, ping_count: 101}\n"));
    EXPECT_THAT(e, HasSubstr("ping_count must be from 1 to 100"));
    // The login's phases are phases of an sstp probe.
    EXPECT_NO_THROW(load_scenario_text(with_probe("  - type: sstp\n" + creds +
                                                  "    expect: {success: false, failed_phase: ppp_auth, windows_error: "
                                                  "'691'}\n"),
                                       "ok.yaml"));
}

// The JSON Schema editors use says what the loader says: the examples pass, a bad file fails.
int check_schema(const std::vector<std::string>& files, std::string& out) {
    std::string cmd = std::string(VPNPROBE_SOURCE_DIR) + "/tests/support/check_schema.py " + VPNPROBE_SOURCE_DIR +
                      "/scenarios/scenario.schema.json";
    for (const auto& f : files) cmd += " " + f;
    auto r = vpnprobe::testsupport::run_command(cmd + " 2>&1");
    out += r.out;
    return r.exit_code;
}

TEST(ScenarioSchema, AcceptsTheShippedExamples) {
    std::vector<std::string> files;
    for (const auto& f : std::filesystem::directory_iterator(std::string(VPNPROBE_SOURCE_DIR) + "/scenarios/examples"))
        if (f.path().extension() == ".yaml") files.push_back(f.path().string());
    std::string out;
    EXPECT_EQ(check_schema(files, out), 0) << out;
    EXPECT_THAT(out, HasSubstr("lab.yaml: ok"));
}

TEST(ScenarioSchema, AcceptsAnIkev2ProbeWithCredentialsAndItsTunnelExpected) {
    const std::string good = with_probe(
        "  - type: ikev2\n    credentials: {user: u, password_env: PW}\n"
        "    expect: {success: false, failed_phase: ike_auth_complete, tunnel: {connected: false}}\n"
        "    expect_by_vantage: {a: {failed_phase: child_sa, tunnel: {address_in: 10.0.0.0/8}}}\n");
    EXPECT_NO_THROW(load_scenario_text(good, "ok.yaml"));
    auto path = std::filesystem::temp_directory_path() / ("vpnprobe-schema-ok-" + std::to_string(::getpid()) + ".yaml");
    std::ofstream(path) << good;
    std::string out;
    EXPECT_EQ(check_schema({path.string()}, out), 0) << out;
    std::filesystem::remove(path);
}

TEST(ScenarioSchema, RefusesWhatTheLoaderRefuses) {
    for (const std::string& bad :
         {with_probe("  - type: sstp\n    expectt: {success: true}\n"),
          with_probe("  - type: sstp\n    timeout: soon\n"),
          with_probe("  - type: ikev2\n    options: {preset: nonsense}\n"),
          with_probe("  - type: ikev2\n    options: {fresh_key_share: sometimes}\n"),
          with_probe("  - type: sstp\n    options: {preset: modern}\n"),
          std::string("vantage_points:\n  - {name: a}\ntargets: []\nprobes: []\n"),
          std::string(
              "vantage_points:\n  - {name: a, netns: ''}\ntargets: [{name: t, host: h}]\nprobes: [{type: sstp}]\n"),
          std::string(
              "vantage_points:\n  - {name: a, netns: x}\ntargets: [{name: t, host: ''}]\nprobes: [{type: sstp}]\n"),
          with_probe("  - type: sstp\n    timeout: 601\n"),
          with_probe("  - type: sstp\n    expect: {timing: {phase_max_seconds: {http: 3601}}}\n"),
          with_probe("  - type: sstp\n    credentials: {user: u, password: inline}\n"),
          with_probe("  - type: sstp\n    credentials: {user: u}\n"),
          with_probe("  - type: sstp\n    credentials: {user: u, password_file: /pw, password_env: PW}\n"),
          with_probe("  - type: ikev2\n    credentials: {user: u, password: inline}\n"),
          with_probe("  - type: ikev2\n    credentials: {user: u, password_env: PW}\n"
                     "    expect: {failed_phase: data_path_typo}\n"),
          with_probe("  - type: sstp\n    credentials: {user: u, password_env: PW}\n"
                     "    expect: {tunnel: {ping_max_loss: 2}}\n")}) {
        auto path =
            std::filesystem::temp_directory_path() / ("vpnprobe-schema-" + std::to_string(::getpid()) + ".yaml");
        std::ofstream(path) << bad;
        std::string out;
        EXPECT_EQ(check_schema({path.string()}, out), 1) << bad << "\n" << out;
        EXPECT_THROW(load_scenario_text(bad, "bad.yaml"), ScenarioError) << bad;
        std::filesystem::remove(path);
    }
}

}  // namespace
