// Reports are pure functions of results: every format from the same hand-made results. JUnit is validated
// against its schema with xmllint, the Prometheus text is parsed back with the reference parser, JSON
// with Boost.JSON.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "scenarios/expectations.hpp"
#include "scenarios/reports.hpp"
#include "scenarios/runner.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/sample_results.hpp"

namespace {

using namespace vpnprobe::scenarios;
using namespace vpnprobe::testsupport;
using testing::HasSubstr;

// stdout and stderr together: the checkers' complaints are what a failing test should show.
struct Command {
    int status = -1;
    std::string out;
};
Command run(const std::string& cmd) {
    auto r = vpnprobe::testsupport::run_command(cmd + " 2>&1");
    return Command{r.exit_code, r.out};
}

std::string temp_file(const std::string& name, const std::string& text) {
    auto path = std::filesystem::temp_directory_path() / ("vpnprobe-" + std::to_string(::getpid()) + "-" + name);
    std::ofstream(path) << text;
    return path.string();
}

// Two passing rows and two failing ones, judged the way the runner judges them.
ScenarioResult sample() {
    ScenarioResult r;
    r.name = "sample \"quoted\" <scenario>";
    r.file = "sample.yaml";
    r.total_seconds = 1.25;
    Expectations expect_success;
    Expectations cert;
    cert.certificate.min_days_left = 30;
    auto add = [&](RowResult row, const Expectations& e) {
        row.outcomes = evaluate_runs(e, row.runs);
        row.passed = true;
        for (const auto& o : row.outcomes) row.passed = row.passed && o.held;
        row.timings = timing_stats(row.runs);
        r.rows.push_back(row);
    };
    add(sample_row("gw", "clean", "sstp", {healthy_sstp(), healthy_sstp()}, false), cert);
    add(sample_row("gw", "clean", "sstp-expired", {expired_sstp()}, false), cert);
    add(sample_row("gw", "clean", "ikev2", {healthy_ikev2()}, false), expect_success);
    add(sample_row("gw", "fragdrop", "ikev2", {lost_fragments_ikev2()}, false), expect_success);
    return r;
}

TEST(Reports, TableShowsEveryRowAndEveryFailureWithTheWindowsError) {
    auto text = report_table(sample());
    EXPECT_THAT(text, HasSubstr("2 of 4 passed"));
    EXPECT_THAT(text, HasSubstr("TARGET"));
    EXPECT_THAT(text, HasSubstr("PASS"));
    EXPECT_THAT(text, HasSubstr("TLSv1.3 TLS_AES_256_GCM_SHA384, cert 200 d"));
    EXPECT_THAT(text, HasSubstr("aes256-sha256-modp2048, frag yes, 2 SKF"));
    EXPECT_THAT(text, HasSubstr("med "));  // the row with two runs shows median and p95
    EXPECT_THAT(text, HasSubstr("FAIL gw/192.0.2.1/fragdrop/ikev2"));
    EXPECT_THAT(text, HasSubstr("(a Windows client would show: 809)"));
    EXPECT_THAT(text, HasSubstr("certificate.min_days_left: expected >= 30.0 days, got -30.0 days"));
    EXPECT_THAT(text, HasSubstr("0x800B0101 CERT_E_EXPIRED (-2146762495)"));
}

TEST(Reports, JsonHasEveryFactAndVerdict) {
    auto v = boost::json::parse(report_json(sample())).as_object();
    EXPECT_EQ(v.at("passed").as_bool(), false);
    EXPECT_EQ(v.at("rows_failed").as_int64(), 2);
    const auto& rows = v.at("rows").as_array();
    ASSERT_EQ(rows.size(), 4u);
    const auto& lost = rows[3].as_object();
    EXPECT_EQ(lost.at("failed_phase").as_string(), "ike_auth");
    EXPECT_EQ(lost.at("windows_error").as_string(), "809");
    EXPECT_EQ(lost.at("result").at("probe").as_string(), "ikev2");
    EXPECT_EQ(lost.at("result").at("findings").as_array()[0].at("check").as_string(), "ikev2.ike_auth_lost_fragments");
    const auto& first = rows[0].as_object();
    EXPECT_EQ(first.at("runs").as_array().size(), 2u);
    EXPECT_EQ(first.at("timings").as_array()[0].at("phase").as_string(), "total");
    EXPECT_EQ(first.at("expectations").as_array().size(), 2u);
}

TEST(Reports, JunitValidatesAgainstTheSchemaAndCarriesTheFailures) {
    auto xml = report_junit(sample());
    auto file = temp_file("junit.xml", xml);
    auto check = run("xmllint --noout --schema " + std::string(VPNPROBE_TEST_DATA) + "/junit.xsd " + file);
    EXPECT_EQ(check.status, 0) << check.out << "\n" << xml;
    EXPECT_THAT(check.out, HasSubstr("validates"));
    EXPECT_THAT(xml,
                HasSubstr("<testsuite name=\"sample &quot;quoted&quot; &lt;scenario&gt;\" tests=\"4\" failures=\"2\""));
    EXPECT_THAT(xml, HasSubstr("<testcase classname=\"gw.fragdrop\" name=\"ikev2@192.0.2.1\""));
    EXPECT_THAT(xml,
                HasSubstr("<failure message=\"success: expected success, got failure in ike_auth (Windows: 809)\""));
    std::filesystem::remove(file);
}

TEST(Reports, JunitOfAnEmptyRunStillValidates) {
    ScenarioResult r;
    r.name = "empty";
    auto file = temp_file("junit-empty.xml", report_junit(r));
    EXPECT_EQ(run("xmllint --noout --schema " + std::string(VPNPROBE_TEST_DATA) + "/junit.xsd " + file).status, 0);
    std::filesystem::remove(file);
}

TEST(Reports, PrometheusTextParsesBackWithBlackboxNames) {
    auto text = report_prometheus(sample());
    auto file = temp_file("metrics.prom", text);
    auto parsed = run(std::string(VPNPROBE_SOURCE_DIR) + "/tests/support/parse_prometheus.py " + file);
    ASSERT_EQ(parsed.status, 0) << parsed.out << "\n" << text;
    const std::string id = "address=\"192.0.2.1\",probe=\"ikev2\",target=\"gw\",type=\"ikev2\",vantage=\"fragdrop\"";
    EXPECT_THAT(parsed.out, HasSubstr("probe_success{" + id + "} 0.0"));
    EXPECT_THAT(parsed.out,
                HasSubstr("vpnprobe_failed_phase_info{" + std::string("address=\"192.0.2.1\",phase=\"ike_auth\"")));
    EXPECT_THAT(parsed.out, HasSubstr("vpnprobe_windows_error_info{address=\"192.0.2.1\",error=\"809\""));
    EXPECT_THAT(
        parsed.out,
        HasSubstr(
            "probe_success{address=\"192.0.2.1\",probe=\"ikev2\",target=\"gw\",type=\"ikev2\",vantage=\"clean\"} 1.0"));
    EXPECT_THAT(
        parsed.out,
        HasSubstr(
            "probe_tls_version_info{address=\"192.0.2.1\",probe=\"sstp\",target=\"gw\",type=\"sstp\",vantage=\"clean\",version=\"TLS 1.3\"} 1.0"));
    EXPECT_THAT(parsed.out, HasSubstr("probe_ssl_earliest_cert_expiry{address=\"192.0.2.1\",probe=\"sstp\""));
    EXPECT_THAT(parsed.out, HasSubstr("phase=\"tls_handshake\""));
    EXPECT_THAT(
        parsed.out,
        HasSubstr(
            "vpnprobe_ike_fragmentation_offered{address=\"192.0.2.1\",probe=\"ikev2\",target=\"gw\",type=\"ikev2\",vantage=\"fragdrop\"} 0.0"));
    EXPECT_THAT(
        parsed.out,
        HasSubstr(
            "vpnprobe_ike_chosen_proposal_info{address=\"192.0.2.1\",probe=\"ikev2\",proposal=\"aes256-sha256-modp2048\""));
    EXPECT_THAT(parsed.out, HasSubstr("fingerprint_sha256=\"aabbccddeeff"));
    std::filesystem::remove(file);
}

// The sample with one more row whose probe could not run (its namespace is gone), expected to fail: the
// harness error must still fail it, and every report must say it is the harness, not the target.
ScenarioResult sample_with_harness_error() {
    auto r = sample();
    Expectations expect_failure;
    expect_failure.success = false;
    RowResult row = sample_row("gw", "gone", "ikev2", {harness_failed_ikev2()}, false);
    row.outcomes = evaluate_runs(expect_failure, row.runs);
    row.passed = true;
    for (const auto& o : row.outcomes) row.passed = row.passed && o.held;
    row.timings = timing_stats(row.runs);
    r.rows.push_back(row);
    return r;
}

TEST(Reports, AHarnessErrorIsReportedAsTheHarnessInEveryFormat) {
    auto r = sample_with_harness_error();
    ASSERT_FALSE(r.rows.back().passed);
    EXPECT_EQ(r.harness_error_rows(), 1);
    EXPECT_EQ(r.exit_code(), 3) << "could not probe wins over failed";

    auto table = report_table(r);
    EXPECT_THAT(table, HasSubstr("ERROR (harness)"));
    EXPECT_THAT(table, HasSubstr("ERROR (harness) gw/192.0.2.1/gone/ikev2"));
    EXPECT_THAT(table, HasSubstr("1 could not probe"));
    EXPECT_THAT(table, HasSubstr("harness: expected the probe runs"));

    auto v = boost::json::parse(report_json(r)).as_object();
    EXPECT_EQ(v.at("rows_harness_error").as_int64(), 1);
    EXPECT_EQ(v.at("exit_code").as_int64(), 3);
    const auto& rows = v.at("rows").as_array();
    EXPECT_EQ(rows[0].at("harness_error").as_bool(), false);
    EXPECT_EQ(rows.back().at("harness_error").as_bool(), true);
    EXPECT_EQ(rows.back().at("passed").as_bool(), false);
    EXPECT_THAT(std::string(rows.back().at("harness_reason").as_string()), HasSubstr("No such file or directory"));

    auto xml = report_junit(r);
    auto file = temp_file("junit-harness.xml", xml);
    auto check = run("xmllint --noout --schema " + std::string(VPNPROBE_TEST_DATA) + "/junit.xsd " + file);
    EXPECT_EQ(check.status, 0) << check.out << "\n" << xml;
    EXPECT_THAT(xml, HasSubstr("tests=\"5\" failures=\"2\" errors=\"1\""));
    EXPECT_THAT(xml, HasSubstr("<error message=\"the probe could not run (harness error): "));
    EXPECT_THAT(xml, HasSubstr("type=\"harness\""));
    std::filesystem::remove(file);

    auto text = report_prometheus(r);
    auto prom = temp_file("metrics-harness.prom", text);
    auto parsed = run(std::string(VPNPROBE_SOURCE_DIR) + "/tests/support/parse_prometheus.py " + prom);
    ASSERT_EQ(parsed.status, 0) << parsed.out << "\n" << text;
    const std::string gone = "address=\"192.0.2.1\",probe=\"ikev2\",target=\"gw\",type=\"ikev2\",vantage=\"gone\"";
    const std::string clean = "address=\"192.0.2.1\",probe=\"ikev2\",target=\"gw\",type=\"ikev2\",vantage=\"clean\"";
    EXPECT_THAT(parsed.out, HasSubstr("vpnprobe_harness_error{" + gone + "} 1.0"));
    EXPECT_THAT(parsed.out, HasSubstr("probe_success{" + gone + "} 0.0"));
    EXPECT_THAT(parsed.out, HasSubstr("vpnprobe_harness_error{" + clean + "} 0.0"));
    std::filesystem::remove(prom);
}

TEST(Reports, ExitCodeSaysPassedFailedOrCouldNotProbe) {
    auto r = sample();
    EXPECT_EQ(r.exit_code(), 1);
    r.rows.erase(r.rows.begin() + 1);  // the expired certificate
    r.rows.pop_back();  // the lost fragments
    EXPECT_EQ(r.exit_code(), 0);
    EXPECT_EQ(sample_with_harness_error().exit_code(), 3);
}

TEST(Reports, PrometheusEscapesLabelValues) {
    ScenarioResult r;
    auto row = sample_row("gw \"a\\b\"\nx", "clean", "sstp", {healthy_sstp()}, true);
    row.timings = timing_stats(row.runs);
    r.rows.push_back(row);
    auto text = report_prometheus(r);
    EXPECT_THAT(text, HasSubstr("target=\"gw \\\"a\\\\b\\\"\\nx\""));
    auto file = temp_file("escape.prom", text);
    auto parsed = run(std::string(VPNPROBE_SOURCE_DIR) + "/tests/support/parse_prometheus.py " + file);
    EXPECT_EQ(parsed.status, 0) << parsed.out;
    std::filesystem::remove(file);
}

// The check itself can fail: a broken exposition does not parse.
TEST(Reports, ThePrometheusCheckRejectsBrokenText) {
    auto file = temp_file("broken.prom", "probe_success{target=\"x} 1\n");
    EXPECT_NE(run(std::string(VPNPROBE_SOURCE_DIR) + "/tests/support/parse_prometheus.py " + file).status, 0);
    std::filesystem::remove(file);
}

TEST(Reports, TheJunitCheckRejectsAnInvalidReport) {
    auto file = temp_file("bad-junit.xml", "<testsuites><testsuite><testcase/></testsuite></testsuites>");
    EXPECT_NE(run("xmllint --noout --schema " + std::string(VPNPROBE_TEST_DATA) + "/junit.xsd " + file).status, 0);
    std::filesystem::remove(file);
}

}  // namespace

namespace {

// Three credentialed SSTP rows: a tunnel with every echo answered, one whose echoes all went unanswered
// (connected, traffic does not pass), one whose login was refused (691); and a row without credentials.
ScenarioResult tunnel_sample() {
    ScenarioResult r;
    r.name = "tunnels";
    r.file = "tunnels.yaml";
    Expectations e;
    e.tunnel.connected = true;
    e.tunnel.address_in = "192.168.30.0/24";
    e.tunnel.ping_max_loss = 0;
    auto add = [&](RowResult row) {
        row.outcomes = evaluate_runs(e, row.runs);
        row.passed = true;
        for (const auto& o : row.outcomes) row.passed = row.passed && o.held;
        row.timings = timing_stats(row.runs);
        r.rows.push_back(row);
    };
    add(sample_row("up", "clean", "login", {tunnel_sstp()}, false));
    add(sample_row("blackhole", "clean", "login", {tunnel_sstp(0)}, false));
    add(sample_row("refused", "clean", "login", {refused_login_sstp()}, false));
    RowResult plain = sample_row("plain", "clean", "sstp", {healthy_sstp()}, true);
    plain.timings = timing_stats(plain.runs);
    r.rows.push_back(plain);
    return r;
}

TEST(Reports, TheTunnelInTheTableAndJunitWithItsFailures) {
    const auto r = tunnel_sample();
    auto text = report_table(r);
    EXPECT_THAT(text, HasSubstr("2 of 4 passed"));
    EXPECT_THAT(text, HasSubstr("tunnel 192.168.30.10, ping 3/3 max 4.0 ms"));
    EXPECT_THAT(text, HasSubstr("tunnel 192.168.30.10, ping 0/3"));
    EXPECT_THAT(text, HasSubstr("tunnel down"));
    EXPECT_THAT(text, HasSubstr("tunnel.ping_max_loss: expected <= 0.00, got 1.00 (0 of 3 echo requests to "
                                "192.168.30.1 answered)"));
    EXPECT_THAT(text, HasSubstr("tunnel.connected: expected connected, got not connected"));
    EXPECT_THAT(text, HasSubstr("(a Windows client would show: 691)"));

    auto xml = report_junit(r);
    auto file = temp_file("junit-tunnel.xml", xml);
    auto check = run("xmllint --noout --schema " + std::string(VPNPROBE_TEST_DATA) + "/junit.xsd " + file);
    EXPECT_EQ(check.status, 0) << check.out << "\n" << xml;
    EXPECT_THAT(xml, HasSubstr("tests=\"4\" failures=\"2\""));
    EXPECT_THAT(xml, HasSubstr("<system-out>TLSv1.3 TLS_AES_256_GCM_SHA384, tunnel 192.168.30.10, ping 3/3 max 4.0 "
                               "ms, cert 200 d</system-out>"));
    EXPECT_THAT(xml, HasSubstr("<failure message=\"success: expected success, got failure in ppp_auth (Windows: "
                               "691)\""));
    EXPECT_THAT(xml, HasSubstr("tunnel.connected: expected connected, got not connected — (the cause above) (a "
                               "Windows client would show: 691)"));
    std::filesystem::remove(file);

    auto v = boost::json::parse(report_json(r)).as_object();
    const auto& up = v.at("rows").as_array()[0].at("result").at("tunnel").as_object();
    EXPECT_EQ(up.at("address").as_string(), "192.168.30.10");
    EXPECT_EQ(up.at("ping").at("replies").as_int64(), 3);
    EXPECT_FALSE(v.at("rows").as_array()[3].at("result").as_object().contains("tunnel"));
}

TEST(Reports, TunnelSeriesInPrometheusParseBack) {
    const auto text = report_prometheus(tunnel_sample());
    auto file = temp_file("tunnel.prom", text);
    auto parsed = run(std::string(VPNPROBE_SOURCE_DIR) + "/tests/support/parse_prometheus.py " + file);
    ASSERT_EQ(parsed.status, 0) << parsed.out << "\n" << text;
    auto id = [](const std::string& target, const std::string& probe = "login") {
        return "address=\"192.0.2.1\",probe=\"" + probe + "\",target=\"" + target +
               "\",type=\"sstp\",vantage=\"clean\"";
    };
    EXPECT_THAT(parsed.out, HasSubstr("vpnprobe_tunnel_up{" + id("up") + "} 1.0"));
    EXPECT_THAT(parsed.out, HasSubstr("vpnprobe_tunnel_up{" + id("blackhole") + "} 1.0"));
    EXPECT_THAT(parsed.out, HasSubstr("vpnprobe_tunnel_up{" + id("refused") + "} 0.0"));
    EXPECT_THAT(parsed.out, testing::Not(HasSubstr("vpnprobe_tunnel_up{" + id("plain", "sstp"))))
        << "a row without credentials did not try";
    EXPECT_THAT(parsed.out, HasSubstr("vpnprobe_tunnel_address_info{address=\"192.0.2.1\",assigned_address=\"192.168."
                                      "30.10\",probe=\"login\",target=\"up\""));
    EXPECT_THAT(parsed.out, testing::Not(HasSubstr("assigned_address=\"\"")));
    EXPECT_THAT(parsed.out, HasSubstr("vpnprobe_tunnel_echo_rtt_seconds{" + std::string("address=\"192.0.2.1\",probe="
                                                                                        "\"login\",stat=\"min\",target="
                                                                                        "\"up\"")));
    EXPECT_THAT(parsed.out, HasSubstr("stat=\"median\",target=\"up\",type=\"sstp\",vantage=\"clean\"} 0.0025"));
    EXPECT_THAT(parsed.out, HasSubstr("stat=\"max\",target=\"up\",type=\"sstp\",vantage=\"clean\"} 0.004"));
    EXPECT_THAT(parsed.out, testing::Not(HasSubstr("stat=\"max\",target=\"blackhole\"")))
        << "no round trip when nothing came back";
    EXPECT_THAT(parsed.out, HasSubstr("vpnprobe_tunnel_echo_loss{" + id("up") + "} 0.0"));
    EXPECT_THAT(parsed.out, HasSubstr("vpnprobe_tunnel_echo_loss{" + id("blackhole") + "} 1.0"));
    EXPECT_THAT(parsed.out, testing::Not(HasSubstr("vpnprobe_tunnel_echo_loss{" + id("refused"))))
        << "no echo was sent";
    // promtool, where it is installed, lints the names and types as Prometheus does.
    if (run("command -v promtool").status == 0) {
        auto lint = run("promtool check metrics < " + file);
        EXPECT_EQ(lint.status, 0) << lint.out;
    }
    std::filesystem::remove(file);
}

// The IKEv2 user tunnel: the same series as SSTP's, from the kind-neutral tunnel facts (no echo series: an IKEv2
// probe sends no echo request yet).
TEST(Reports, Ikev2TunnelSeriesInPrometheusParseBack) {
    ScenarioResult r;
    r.name = "ike-tunnels";
    r.file = "ike-tunnels.yaml";
    Expectations e;
    e.tunnel.connected = true;
    for (auto [target, runs] : {std::pair{"ike-up", tunnel_ikev2()}, std::pair{"ike-refused", refused_login_ikev2()},
                                std::pair{"ike-plain", healthy_ikev2()}}) {
        RowResult row = sample_row(target, "clean", "ike-login", {runs}, false);
        row.outcomes = evaluate_runs(e, row.runs);
        row.timings = timing_stats(row.runs);
        r.rows.push_back(row);
    }
    const auto text = report_prometheus(r);
    auto file = temp_file("ike-tunnel.prom", text);
    auto parsed = run(std::string(VPNPROBE_SOURCE_DIR) + "/tests/support/parse_prometheus.py " + file);
    ASSERT_EQ(parsed.status, 0) << parsed.out << "\n" << text;
    auto id = [](const std::string& target) {
        return "address=\"192.0.2.1\",probe=\"ike-login\",target=\"" + target + "\",type=\"ikev2\",vantage=\"clean\"";
    };
    EXPECT_THAT(parsed.out, HasSubstr("vpnprobe_tunnel_up{" + id("ike-up") + "} 1.0"));
    EXPECT_THAT(parsed.out, HasSubstr("vpnprobe_tunnel_up{" + id("ike-refused") + "} 0.0"));
    EXPECT_THAT(parsed.out, testing::Not(HasSubstr("vpnprobe_tunnel_up{" + id("ike-plain"))))
        << "a row without credentials did not try";
    EXPECT_THAT(parsed.out, HasSubstr("vpnprobe_tunnel_address_info{address=\"192.0.2.1\",assigned_address=\"10.98."
                                      "32.7\",probe=\"ike-login\",target=\"ike-up\""));
    EXPECT_THAT(parsed.out, testing::Not(HasSubstr("vpnprobe_tunnel_echo_loss")));
    if (run("command -v promtool").status == 0) {
        auto lint = run("promtool check metrics < " + file);
        EXPECT_EQ(lint.status, 0) << lint.out;
    }
    std::filesystem::remove(file);
}

}  // namespace
