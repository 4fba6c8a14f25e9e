// Scenarios whose IKEv2 probes log in (issue 12): `credentials:` on an ikev2 probe and `expect.tunnel` judged on
// its user tunnel, against the lab's real strongSwan `tunnel` responder (EAP-MSCHAPv2, a pool with DNS), from the
// clean vantage namespace. One row with the lab's account whose tunnel comes up with an address in the pool and
// both DNS servers; one with a wrong password whose row fails in `eap` with 691 named. Every report format of
// `run` is searched for the password, its NT hash (MD4 of its UTF-16LE form) and its bytes in hex.
#include <sys/stat.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <cstdlib>
#include <fstream>

#include "lab_env.hpp"
#include "protocol/auth/mschapv2.hpp"

namespace {

using namespace vpnprobe;

constexpr const char* kWrongPasswordVar = "VPNPROBE_TEST_IKE_WRONG_PASSWORD";

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

const boost::json::object* expectation(const boost::json::object& row, const std::string& check) {
    for (const auto& e : row.at("expectations").as_array())
        if (e.at("check").as_string() == check) return &e.as_object();
    return nullptr;
}

const boost::json::object& row_of(const boost::json::object& report, const std::string& probe) {
    for (const auto& r : report.at("rows").as_array())
        if (r.at("probe").as_string() == probe) return r.as_object();
    throw std::runtime_error("no row of probe " + probe + " in " + boost::json::serialize(report));
}

class ScenarioIkev2LoginLab : public testlab::LabTest {
protected:
    void SetUp() override {
        use_lab({"ike-lab.env"});
        if (IsSkipped()) return;
        auto secrets = testlab::read_env_file(var("IKE_SECRETS"));
        password_ = secrets["IKE_EAP_PASSWORD"];
        user_ = secrets["IKE_EAP_ID"];
        ASSERT_FALSE(password_.empty());
        ASSERT_NE(password_, "not-the-password");
        password_file_ = write("scenario-ike-login-password", password_ + "\n");
        ::chmod(password_file_.c_str(), 0600);
        auto hash = protocol::mschapv2::nt_password_hash(password_);
        nt_hash_hex_ = lower(protocol::to_hex(protocol::ByteView(hash.data(), hash.size())));
        password_hex_ = lower(protocol::to_hex(
            protocol::ByteView(reinterpret_cast<const std::uint8_t*>(password_.data()), password_.size())));
        ::setenv(kWrongPasswordVar, "not-the-password", 1);
    }
    void TearDown() override {
        for (const auto& f : files_) std::remove(f.c_str());
        ::unsetenv(kWrongPasswordVar);
    }

    std::string write(const std::string& name, const std::string& text) {
        std::string path = testlab::lab_run_dir() + "/" + name;
        std::ofstream(path, std::ios::trunc) << text;
        files_.push_back(path);
        return path;
    }
    testlab::CommandResult vpnprobe(const std::string& args) {
        return testlab::run_command(std::string(VPNPROBE_BINARY) + " " + args);
    }

    // The tunnel responder from the clean vantage: probe `login` with the lab's account (password_file) and probe
    // `wrong` with a wrong password (password_env), each expecting what is given.
    std::string scenario(const std::string& login_expect, const std::string& wrong_expect) {
        const std::string probe = "    type: ikev2\n    timeout: 10\n    options: {preset: modern}\n";
        return "version: 1\nname: lab-ike-login\nvantage_points:\n  - {name: clean, netns: " + var("VANTAGE_CLEAN") +
               "}\ntargets:\n  - {name: ike-tunnel, host: " + var("IKE_TUNNEL_ADDR") +
               ", sni: vpn.test, ca: " + var("IKE_CA") + "}\nprobes:\n  - name: login\n" + probe +
               "    credentials: {user: " + user_ + ", password_file: " + password_file_ +
               "}\n    expect: " + login_expect + "\n  - name: wrong\n" + probe + "    credentials: {user: " + user_ +
               ", password_env: " + kWrongPasswordVar + "}\n    expect: " + wrong_expect + "\n";
    }

    void expect_no_secret(const std::string& out, const std::string& what) {
        SCOPED_TRACE(what);
        EXPECT_FALSE(out.empty()) << "nothing to search: the command wrote nothing";
        EXPECT_EQ(out.find(password_), std::string::npos) << "the password appears in " << what;
        const std::string l = lower(out);
        EXPECT_EQ(l.find(nt_hash_hex_), std::string::npos) << "the NT hash of the password appears in " << what;
        EXPECT_EQ(l.find(password_hex_), std::string::npos) << "the password's bytes in hex appear in " << what;
    }

    std::string user_, password_, password_file_, nt_hash_hex_, password_hex_;
    std::vector<std::string> files_;
};

TEST_F(ScenarioIkev2LoginLab, TunnelExpectationsPassAndAWrongPasswordFailsWith691Named) {
    // The expected pool and DNS servers, from the lab's own description.
    const std::string dns = var("IKE_TUNNEL_DNS");  // "10.97.32.53,10.97.32.54"
    ASSERT_NE(dns.find(','), std::string::npos) << dns;
    auto file = write("scenario-ike-login.yaml",
                      scenario("{success: true, tunnel: {connected: true, address_in: " + var("IKE_TUNNEL_POOL4") +
                                   ", dns_includes: [" + dns + "]}}",
                               "{success: true, tunnel: {connected: true}}"));
    auto r = vpnprobe("run " + file + " --format json 2>&1");
    EXPECT_EQ(r.exit_code, 1) << r.out;  // the wrong password's row fails
    expect_no_secret(r.out, "run --format json");
    auto v = boost::json::parse(r.out).as_object();

    const auto& login = row_of(v, "login");
    EXPECT_TRUE(login.at("passed").as_bool()) << boost::json::serialize(login);
    for (const char* check : {"tunnel.connected", "tunnel.address_in", "tunnel.dns_includes"}) {
        const auto* e = expectation(login, check);
        ASSERT_TRUE(e) << check << " was not judged: " << boost::json::serialize(login);
        EXPECT_TRUE(e->at("held").as_bool()) << boost::json::serialize(*e);
    }
    const auto& tunnel = login.at("result").at("tunnel").as_object();
    EXPECT_EQ(tunnel.at("auth_method").as_string(), "EAP-MSCHAPv2");
    EXPECT_TRUE(tunnel.at("connected").as_bool());
    EXPECT_EQ(std::string(tunnel.at("address").as_string()).rfind("10.98.32.", 0), 0u)
        << boost::json::serialize(tunnel);
    EXPECT_TRUE(tunnel.at("child_sa").at("created").as_bool());
    // A credentialed row never takes the run's shared key pair (the other row's exchange made one first or after).
    EXPECT_FALSE(login.at("result").at("ike").at("key_share_reused").as_bool());

    const auto& wrong = row_of(v, "wrong");
    EXPECT_FALSE(wrong.at("passed").as_bool());
    EXPECT_FALSE(wrong.at("harness_error").as_bool()) << "the server's refusal, not ours";
    EXPECT_EQ(wrong.at("failed_phase").as_string(), "eap") << boost::json::serialize(wrong);
    EXPECT_NE(std::string(wrong.at("windows_error").as_string()).find("691"), std::string::npos)
        << boost::json::serialize(wrong);
    const auto* connected = expectation(wrong, "tunnel.connected");
    ASSERT_TRUE(connected) << boost::json::serialize(wrong);
    EXPECT_FALSE(connected->at("held").as_bool());
    EXPECT_EQ(connected->at("actual").as_string(), "not connected");
    EXPECT_NE(std::string(connected->at("windows_error").as_string()).find("691"), std::string::npos);
    EXPECT_NE(std::string(expectation(wrong, "success")->at("detail").as_string()).find("ikev2.auth_rejected"),
              std::string::npos)
        << boost::json::serialize(wrong);
    EXPECT_EQ(wrong.at("result").at("tunnel").at("mschap_error").as_int64(), 691);

    // The table names the failure and the Windows error; the tunnel's facts are on the good row's line.
    auto table = vpnprobe("run " + file + " 2>&1");
    EXPECT_EQ(table.exit_code, 1) << table.out;
    EXPECT_NE(table.out.find("tunnel.connected: expected connected, got not connected"), std::string::npos)
        << table.out;
    EXPECT_NE(table.out.find("(a Windows client would show: 691)"), std::string::npos) << table.out;
    EXPECT_NE(table.out.find("tunnel 10.98.32."), std::string::npos) << table.out;
    expect_no_secret(table.out, "run (table)");

    // Prometheus: the tunnel series SSTP rows have, for both IKEv2 rows.
    auto prom = vpnprobe("run " + file + " --format prometheus");
    EXPECT_EQ(prom.exit_code, 1) << prom.out;
    expect_no_secret(prom.out, "run --format prometheus");
    auto prom_file = write("scenario-ike-login.prom", prom.out);
    auto parsed =
        testlab::run_command(std::string(VPNPROBE_SOURCE_DIR) + "/tests/support/parse_prometheus.py " + prom_file);
    ASSERT_EQ(parsed.exit_code, 0) << prom.out;
    auto id = [&](const std::string& probe) {
        return "{address=\"" + var("IKE_TUNNEL_ADDR") + "\",probe=\"" + probe +
               "\",target=\"ike-tunnel\",type=\"ikev2\",vantage=\"clean\"}";
    };
    EXPECT_NE(parsed.out.find("vpnprobe_tunnel_up" + id("login") + " 1.0"), std::string::npos) << parsed.out;
    EXPECT_NE(parsed.out.find("vpnprobe_tunnel_up" + id("wrong") + " 0.0"), std::string::npos) << parsed.out;
    EXPECT_NE(parsed.out.find("vpnprobe_tunnel_address_info{address=\"" + var("IKE_TUNNEL_ADDR") +
                              "\",assigned_address=\"10.98.32."),
              std::string::npos)
        << parsed.out;

    // JUnit, xmllint-valid, and again nothing of the secret.
    auto junit = vpnprobe("run " + file + " --format junit");
    EXPECT_EQ(junit.exit_code, 1) << junit.out;
    expect_no_secret(junit.out, "run --format junit");
    auto xml = write("scenario-ike-login.xml", junit.out);
    auto lint = testlab::run_command("xmllint --noout --schema " + std::string(VPNPROBE_SOURCE_DIR) +
                                     "/tests/data/junit.xsd " + xml + " 2>&1");
    EXPECT_EQ(lint.exit_code, 0) << lint.out;

    // A scenario that expects the refusal (failed in eap, 691, no tunnel) passes whole.
    file = write("scenario-ike-login-refused.yaml",
                 scenario("{tunnel: {connected: true}}",
                          "{success: false, failed_phase: eap, windows_error: '691', tunnel: {connected: false}}"));
    r = vpnprobe("run " + file + " 2>&1");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    expect_no_secret(r.out, "run (refusal expected)");
}

}  // namespace
