// The scenario runner end to end in the lab: three vantage points (clean, IP fragments dropped, UDP
// 500/4500 blocked) against SoftEther (SSTP) and strongSwan (IKEv2) targets, run by the vpnprobe binary,
// its JSON, JUnit and Prometheus reports read back, and its exit code.
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "lab_env.hpp"

namespace {

using namespace vpnprobe;

class ScenarioLab : public testlab::LabTest {
protected:
    void SetUp() override { use_lab({"sstp-lab.env", "ike-lab.env"}); }
    std::string write(const std::string& name, const std::string& text) {
        std::string path = testlab::lab_run_dir() + "/" + name;
        std::ofstream(path) << text;
        return path;
    }
    testlab::CommandResult vpnprobe(const std::string& args) {
        return testlab::run_command(std::string(VPNPROBE_BINARY) + " " + args);
    }

    // The lab's three vantages, two SSTP and two IKEv2 targets; every vantage is a lab namespace (the
    // runner opens each probe's socket inside it), so no lab address is ever sent to from the root one.
    std::string scenario(const std::string& sstp_expired_expect) {
        return "version: 1\nname: lab-e2e\nvantage_points:\n"
               "  - {name: clean, netns: " +
               var("VANTAGE_CLEAN") +
               "}\n"
               "  - {name: fragdrop, netns: " +
               var("VANTAGE_FRAGDROP") +
               "}\n"
               "  - {name: ikeblock, netns: " +
               var("VANTAGE_IKEBLOCK") +
               "}\n"
               "targets:\n"
               "  - {name: sstp-rsa, host: " +
               var("SSTP_RSA_ADDR") + ", sni: vpn.test, ca: " + var("LAB_CA") +
               "}\n"
               "  - {name: sstp-expired, host: " +
               var("SSTP_EXPIRED_ADDR") + ", sni: vpn.test, ca: " + var("LAB_CA") +
               "}\n"
               "  - {name: ike-frag, host: " +
               var("IKE_FRAG_ADDR") + ", sni: vpn.test, ca: " + var("IKE_CA") +
               "}\n"
               "  - {name: ike-nofrag, host: " +
               var("IKE_NOFRAG_ADDR") + ", sni: vpn.test, ca: " + var("IKE_CA") +
               "}\n"
               "probes:\n"
               "  - name: sstp\n    type: sstp\n    targets: [sstp-rsa]\n    timeout: 5\n"
               "    expect: {success: true, certificate: {min_days_left: 30, chain_valid: true}, tls: {min_version: TLSv1.2},"
               " sstp: {crypto_binding_hash: SHA256}}\n"
               "  - name: sstp-expired\n    type: sstp\n    targets: [sstp-expired]\n    vantage_points: [clean]\n    timeout: 5\n"
               "    expect: " +
               sstp_expired_expect +
               "\n"
               "  - name: ikev2\n    type: ikev2\n    targets: [ike-frag, ike-nofrag]\n    timeout: 3\n"
               "    options: {preset: modern}\n"
               "    expect: {success: true, ikev2: {auth_verified: true}}\n"
               "    expect_by_vantage:\n"
               "      ikeblock: {success: false, failed_phase: ike_sa_init, windows_error: '809', findings: [ikev2.sa_init_no_answer]}\n";
    }
};

TEST_F(ScenarioLab, JsonReportVerdictsFindingsAndExitCode) {
    // Expectations as the lab really is, except one: the nofrag server through the fragment-dropping path
    // is expected to work, and does not (809, fragmentation) — the run must say so and exit 1.
    auto file = write("scenario-e2e.yaml", scenario("{success: false, windows_error: CERT_E_EXPIRED}"));
    auto r = vpnprobe("run " + file + " --format json");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    auto v = boost::json::parse(r.out).as_object();
    const auto& rows = v.at("rows").as_array();
    ASSERT_EQ(rows.size(), 3u + 1u + 6u) << "sstp x 3 vantages, sstp-expired x 1, ikev2 x 2 targets x 3 vantages";
    std::map<std::string, const boost::json::object*> by;
    for (const auto& row : rows)
        by[std::string(row.at("target").as_string()) + "/" + std::string(row.at("vantage").as_string())] =
            &row.as_object();
    auto passed = [&](const std::string& k) { return by.at(k)->at("passed").as_bool(); };
    EXPECT_TRUE(passed("sstp-rsa/clean"));
    EXPECT_TRUE(passed("sstp-rsa/fragdrop"));
    EXPECT_TRUE(passed("sstp-rsa/ikeblock")) << "TCP 443 is not blocked on the IKE-blocking path";
    EXPECT_TRUE(passed("sstp-expired/clean")) << "expected to fail with CERT_E_EXPIRED, and does";
    EXPECT_EQ(by.at("sstp-expired/clean")->at("windows_error").as_string(), "0x800B0101 CERT_E_EXPIRED (-2146762495)");
    EXPECT_TRUE(passed("ike-frag/clean"));
    EXPECT_TRUE(passed("ike-frag/fragdrop")) << "IKE fragmentation gets through";
    EXPECT_TRUE(passed("ike-frag/ikeblock"));
    EXPECT_TRUE(passed("ike-nofrag/clean"));
    EXPECT_TRUE(passed("ike-nofrag/ikeblock"));
    const auto& lost = *by.at("ike-nofrag/fragdrop");
    EXPECT_FALSE(lost.at("passed").as_bool());
    EXPECT_EQ(lost.at("failed_phase").as_string(), "ike_auth");
    EXPECT_EQ(lost.at("windows_error").as_string(), "809");
    bool named = false;
    for (const auto& f : lost.at("result").at("findings").as_array())
        named = named || f.at("check").as_string() == "ikev2.ike_auth_lost_fragments";
    EXPECT_TRUE(named) << boost::json::serialize(lost);
    EXPECT_EQ(v.at("rows_failed").as_int64(), 1);
    EXPECT_EQ(v.at("passed").as_bool(), false);
}

TEST_F(ScenarioLab, AllExpectationsHoldingExitsZeroAndOtherFormatsParse) {
    // This time the fragment-dropping path is expected to fail the nofrag server with the fragmentation 809.
    std::string text = scenario("{success: false, windows_error: CERT_E_EXPIRED}") +
                       "      fragdrop: {success: true}\n";  // ike-frag passes there; ike-nofrag is its own probe below
    text +=
        "  - name: ikev2-nofrag-fragdrop\n    type: ikev2\n    targets: [ike-nofrag]\n    vantage_points: [fragdrop]\n"
        "    timeout: 3\n    options: {preset: modern}\n"
        "    expect: {failed_phase: ike_auth, windows_error: '809', findings: [ikev2.ike_auth_lost_fragments]}\n";
    // the first ikev2 probe no longer covers ike-nofrag from fragdrop: restrict it
    auto pos = text.find("targets: [ike-frag, ike-nofrag]");
    ASSERT_NE(pos, std::string::npos);
    text.replace(pos, std::string("targets: [ike-frag, ike-nofrag]").size(), "targets: [ike-frag]");
    text +=
        "  - name: ikev2-nofrag\n    type: ikev2\n    targets: [ike-nofrag]\n    vantage_points: [clean]\n    timeout: 3\n"
        "    options: {preset: modern}\n    expect: {success: true, findings: [ikev2.no_fragmentation]}\n";
    auto file = write("scenario-e2e-pass.yaml", text);
    auto table = vpnprobe("run " + file);
    EXPECT_EQ(table.exit_code, 0) << table.out;
    EXPECT_NE(table.out.find("of 9 passed"), std::string::npos) << table.out;

    std::string junit = testlab::lab_run_dir() + "/scenario-e2e.xml";
    auto j = vpnprobe("run " + file + " --format junit --output " + junit);
    EXPECT_EQ(j.exit_code, 0);
    auto valid = testlab::run_command("xmllint --noout --schema " + std::string(VPNPROBE_SOURCE_DIR) +
                                      "/tests/data/junit.xsd " + junit + " 2>&1");
    EXPECT_EQ(valid.exit_code, 0) << valid.out;

    std::string prom = testlab::lab_run_dir() + "/scenario-e2e.prom";
    auto p = vpnprobe("run " + file + " --format prometheus --count 2 --output " + prom);
    EXPECT_EQ(p.exit_code, 0);
    auto parsed =
        testlab::run_command(std::string(VPNPROBE_SOURCE_DIR) + "/tests/support/parse_prometheus.py " + prom + " 2>&1");
    EXPECT_EQ(parsed.exit_code, 0) << parsed.out;
    EXPECT_NE(parsed.out.find(
                  "probe_success{address=\"" + var("IKE_NOFRAG_ADDR") +
                  "\",probe=\"ikev2-nofrag-fragdrop\",target=\"ike-nofrag\",type=\"ikev2\",vantage=\"fragdrop\"} 1.0"),
              std::string::npos)
        << parsed.out;
    EXPECT_NE(parsed.out.find("vpnprobe_runs{address=\"" + var("SSTP_RSA_ADDR") + "\""), std::string::npos);
    EXPECT_NE(parsed.out.find("} 2.0"), std::string::npos) << "two runs each with --count 2";
}

TEST_F(ScenarioLab, CompareWithShowsWhatTheSwapWouldChange) {
    auto file = write("scenario-compare.yaml", "vantage_points: [{name: clean, netns: " + var("VANTAGE_CLEAN") +
                                                   "}]\n"
                                                   "targets: [{name: sstp, host: " +
                                                   var("SSTP_RSA_ADDR") + ", sni: vpn.test, ca: " + var("LAB_CA") +
                                                   "}]\n"
                                                   "probes: [{type: sstp, timeout: 5}]\n");
    // The candidate: the lab's ECDSA certificate, to go where the RSA one is.
    auto r = vpnprobe("run " + file + " --compare-with " + var("SSTP_ECDSA_CERT"));
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("compare-with: key: served RSA 2048, candidate EC 256 prime256v1"), std::string::npos)
        << r.out;
    auto same = vpnprobe("run " + file + " --compare-with " + var("SSTP_RSA_CERT"));
    EXPECT_NE(same.out.find("the server presents the candidate certificate"), std::string::npos) << same.out;
}

// The weak-proposal audit inside a scenario: runs beside the probe, and judges no_weak_accepted.
TEST_F(ScenarioLab, WeakAuditIsJudged) {
    auto file = write("scenario-audit.yaml",
                      "vantage_points: [{name: clean, netns: " + var("VANTAGE_CLEAN") +
                          "}]\ntargets:\n"
                          "  - {name: weak, host: " +
                          var("IKE_WEAK_ADDR") + ", sni: vpn.test, ca: " + var("IKE_CA") +
                          "}\n"
                          "  - {name: modern, host: " +
                          var("IKE_FRAG_ADDR") + ", sni: vpn.test, ca: " + var("IKE_CA") +
                          "}\n"
                          "probes: [{type: ikev2, timeout: 3, options: {preset: modern, audit_weak: true},"
                          " expect: {ikev2: {no_weak_accepted: true}}}]\n");
    auto r = vpnprobe("run " + file + " --format json");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    auto v = boost::json::parse(r.out).as_object();
    std::map<std::string, const boost::json::object*> by;
    for (const auto& row : v.at("rows").as_array()) by[std::string(row.at("target").as_string())] = &row.as_object();
    ASSERT_EQ(by.size(), 2u);
    EXPECT_TRUE(by.at("modern")->at("passed").as_bool()) << boost::json::serialize(*by.at("modern"));
    EXPECT_FALSE(by.at("weak")->at("passed").as_bool());
    bool judged = false;
    for (const auto& e : by.at("weak")->at("expectations").as_array())
        if (e.at("check").as_string() == "ikev2.no_weak_accepted") {
            judged = true;
            EXPECT_FALSE(e.at("held").as_bool());
            EXPECT_NE(std::string(e.at("actual").as_string()).find("3des-sha256-modp2048"), std::string::npos);
        }
    EXPECT_TRUE(judged);
    EXPECT_EQ(by.at("weak")->at("result").at("weak_audit").as_array().size(), 5u);
}

// A target name that resolves to several addresses (a pool behind DNS round-robin; here a private
// /etc/hosts in a mount namespace of the test's own): each address is its own row.
TEST_F(ScenarioLab, ANameIsExpandedIntoOneRowPerAddress) {
    auto file = write("scenario-pool.yaml", "vantage_points: [{name: clean, netns: " + var("VANTAGE_CLEAN") +
                                                "}]\n"
                                                "targets: [{name: pool, host: vpn.test, ca: " +
                                                var("IKE_CA") +
                                                "}]\n"
                                                "probes: [{type: ikev2, timeout: 3, options: {preset: modern}}]\n");
    auto r = testlab::run_with_pool("vpn.test", {var("IKE_FRAG_ADDR"), var("IKE_FRAG_ADDR6")},
                                    std::string(VPNPROBE_BINARY) + " run " + file + " --format json");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    auto v = boost::json::parse(r.out).as_object();
    std::set<std::string> addresses;
    for (const auto& row : v.at("rows").as_array()) {
        EXPECT_TRUE(row.at("passed").as_bool()) << boost::json::serialize(row);
        addresses.insert(std::string(row.at("address").as_string()));
    }
    EXPECT_EQ(addresses, (std::set<std::string>{var("IKE_FRAG_ADDR"), var("IKE_FRAG_ADDR6")}));
}

// vpnprobe serve as Prometheus scrapes it (curl standing in for Prometheus, on 127.0.0.1): /probe runs the
// rows its query names now and answers with their metrics; a bad query gets 400.
TEST_F(ScenarioLab, ServeAnswersScrapesWithMetrics) {
    auto file = write("scenario-serve.yaml", scenario("{success: false, windows_error: CERT_E_EXPIRED}"));
    const std::string port = std::to_string(20000 + ::getpid() % 30000);
    const std::string log = testlab::lab_run_dir() + "/serve.log";
    auto started = testlab::run_command("(" + std::string(VPNPROBE_BINARY) + " serve " + file +
                                        " --listen 127.0.0.1:" + port + " >" + log + " 2>&1 & echo $!)");
    std::string pid = started.out.substr(0, started.out.find('\n'));
    ASSERT_FALSE(pid.empty());
    struct Stop {  // the server goes whatever the test's outcome
        std::string pid;
        ~Stop() { testlab::run_command("kill " + pid + " 2>/dev/null"); }
    } stop{pid};
    // Wait until it listens: a bounded number of looks, not a timing assertion.
    bool listening = false;
    for (int i = 0; i < 100 && !listening; ++i) {
        listening = testlab::run_command("grep -q 'listening on' " + log + " && echo y").out == "y\n";
        if (!listening) ::usleep(50000);
    }
    ASSERT_TRUE(listening) << testlab::run_command("cat " + log).out;
    const std::string base =
        "curl -s --max-time 30 -H 'X-Prometheus-Scrape-Timeout-Seconds: 5' 'http://127.0.0.1:" + port;
    auto scrape = testlab::run_command(base + "/probe?probe=ikev2&vantage=fragdrop' -o " + testlab::lab_run_dir() +
                                       "/serve.prom -w '%{http_code}'");
    EXPECT_EQ(scrape.out, "200");
    auto parsed = testlab::run_command(std::string(VPNPROBE_SOURCE_DIR) + "/tests/support/parse_prometheus.py " +
                                       testlab::lab_run_dir() + "/serve.prom 2>&1");
    EXPECT_EQ(parsed.exit_code, 0) << parsed.out;
    EXPECT_NE(parsed.out.find("probe_success{address=\"" + var("IKE_FRAG_ADDR") +
                              "\",probe=\"ikev2\",target=\"ike-frag\",type=\"ikev2\",vantage=\"fragdrop\"} 1.0"),
              std::string::npos)
        << parsed.out;
    EXPECT_NE(parsed.out.find("probe_success{address=\"" + var("IKE_NOFRAG_ADDR") +
                              "\",probe=\"ikev2\",target=\"ike-nofrag\",type=\"ikev2\",vantage=\"fragdrop\"} 0.0"),
              std::string::npos)
        << parsed.out;
    EXPECT_EQ(parsed.out.find("vantage=\"clean\""), std::string::npos) << "only the vantage point asked for";
    EXPECT_NE(parsed.out.find("vpnprobe_windows_error_info{address=\"" + var("IKE_NOFRAG_ADDR") + "\",error=\"809\""),
              std::string::npos);
    EXPECT_EQ(testlab::run_command(base + "/probe?probe=nope' -o /dev/null -w '%{http_code}'").out, "400");
    EXPECT_EQ(testlab::run_command(base + "/probe?colour=red' -o /dev/null -w '%{http_code}'").out, "400");
    auto own = testlab::run_command(base + "/metrics'");
    EXPECT_NE(own.out.find("vpnprobe_serve_scrapes_total 1"), std::string::npos) << own.out;
}

// Needs no lab: nothing is sent.
TEST(ScenarioCli, BadScenarioExitsTwoWithThePosition) {
    std::string path = std::filesystem::temp_directory_path() / "vpnprobe-bad-scenario.yaml";
    std::ofstream(path)
        << "vantage_points:\n  - {name: a, netns: x}\ntargets: []\nprobes:\n  - {type: sstp, colour: red}\n";
    auto r = testlab::run_command(std::string(VPNPROBE_BINARY) + " run " + path + " 2>&1");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.out.find(path + ":5:18: unknown key 'colour' in a probe"), std::string::npos) << r.out;
    auto missing = testlab::run_command(std::string(VPNPROBE_BINARY) + " run /no/such.yaml 2>&1");
    EXPECT_EQ(missing.exit_code, 2) << missing.out;
    std::filesystem::remove(path);
}

// Needs no lab: a loopback target (nothing listens on its UDP port). The progress line is drawn only on a
// terminal: under script(1), which gives the command one, it is there; with stderr on a pipe it is not.
TEST(ScenarioCli, ProgressLineOnlyOnATerminal) {
    std::string path = std::filesystem::temp_directory_path() / "vpnprobe-progress.yaml";
    std::ofstream(path)
        << "count: 3\nvantage_points: [{name: lo, source: 127.0.0.1}]\n"
           "targets: [{name: t, host: 127.0.0.1, ports: {ikev2: 9}}]\n"
           "probes: [{type: ikev2, timeout: 2, options: {sa_init_only: true}, expect: {failed_phase: ike_sa_init}}]\n";
    auto tty = testlab::run_command("script -qec '" + std::string(VPNPROBE_BINARY) + " run " + path + "' /dev/null");
    EXPECT_NE(tty.out.find("3 of 3 probes done"), std::string::npos) << tty.out;
    auto pipe = testlab::run_command(std::string(VPNPROBE_BINARY) + " run " + path + " 2>&1 | cat");
    EXPECT_EQ(pipe.out.find("probes done"), std::string::npos) << pipe.out;
    EXPECT_NE(pipe.out.find("1 of 1 passed"), std::string::npos) << pipe.out;
    std::filesystem::remove(path);
}

}  // namespace
