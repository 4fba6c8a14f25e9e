// Scenarios that log in (issue 11): `credentials:` and `expect.tunnel` against the lab's real SoftEther, from the
// clean vantage namespace — a scenario whose tunnel comes up with an address in SecureNAT's pool and whose echoes
// to SecureNAT's virtual host (192.168.30.1) come back, and one whose password is wrong (its row fails with 691).
// And the secret grep of the issue: every command and every format that can carry a credentialed SSTP probe
// (`sstp` as text, JSON, -v and --keylog; `run` in each report format; `serve`'s scrapes and its log) is run with
// the lab's known test password, and every byte they write is searched for the password, its NT hash (MD4 of
// its UTF-16LE form, what MS-CHAPv2 keys are made from) and its bytes in hex.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "lab_env.hpp"
#include "protocol/auth/mschapv2.hpp"
#include "tests/support/serve_process.hpp"

namespace {

using namespace vpnprobe;

// SecureNAT's virtual host on the hub (SoftEther's default 192.168.30.1/24, which answers echo: measured in
// test_sstp_login_lab.cpp); SecureNAT's pool starts at .10.
constexpr const char* kHubHost = "192.168.30.1";
constexpr const char* kWrongPasswordVar = "VPNPROBE_TEST_WRONG_PASSWORD";
constexpr const char* kPasswordVar = "VPNPROBE_TEST_LAB_PASSWORD";

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

class ScenarioLoginLab : public testlab::LabTest {
protected:
    void SetUp() override {
        use_lab({"sstp-lab.env"});
        if (IsSkipped()) return;
        auto secrets = testlab::read_env_file(var("SSTP_SECRETS"));
        password_ = secrets["SSTP_PASSWORD"];
        user_ = secrets["SSTP_USER"] + "@" + secrets["SSTP_HUB"];
        ASSERT_FALSE(password_.empty());
        ASSERT_NE(password_, "not-the-password");
        password_file_ = write("scenario-login-password", password_ + "\n");
        ::chmod(password_file_.c_str(), 0600);
        auto hash = protocol::mschapv2::nt_password_hash(password_);
        nt_hash_hex_ = lower(protocol::to_hex(protocol::ByteView(hash.data(), hash.size())));
        password_hex_ = lower(protocol::to_hex(
            protocol::ByteView(reinterpret_cast<const std::uint8_t*>(password_.data()), password_.size())));
    }
    void TearDown() override {
        for (const auto& f : files_) std::remove(f.c_str());
        ::unsetenv(kPasswordVar);
        ::unsetenv(kWrongPasswordVar);
    }

    std::string write(const std::string& name, const std::string& text) {
        std::string path = testlab::lab_run_dir() + "/" + name;
        std::ofstream(path, std::ios::trunc) << text;
        files_.push_back(path);
        return path;
    }
    std::string path(const std::string& name) {
        std::string p = testlab::lab_run_dir() + "/" + name;
        std::remove(p.c_str());
        files_.push_back(p);
        return p;
    }
    testlab::CommandResult vpnprobe(const std::string& args) {
        return testlab::run_command(std::string(VPNPROBE_BINARY) + " " + args);
    }

    // A scenario from the clean vantage namespace to the RSA SoftEther: one probe logging in with `credentials`
    // (a flow mapping), sending echo requests to SecureNAT's host, and expecting `expect`.
    std::string scenario(const std::string& credentials, const std::string& expect, const std::string& name = "login") {
        return "version: 1\nname: lab-login\nvantage_points:\n  - {name: clean, netns: " + var("VANTAGE_CLEAN") +
               "}\ntargets:\n  - {name: sstp-rsa, host: " + var("SSTP_RSA_ADDR") +
               ", sni: vpn.test, ca: " + var("LAB_CA") + "}\nprobes:\n  - name: " + name +
               "\n    type: sstp\n    timeout: 8\n" + "    credentials: " + credentials +
               "\n    options: {ping: " + kHubHost + ", ping_count: 3}\n    expect: " + expect + "\n";
    }
    std::string good_credentials() { return "{user: " + user_ + ", password_file: " + password_file_ + "}"; }

    // The password, its NT hash or its bytes in hex (either case) somewhere in `out`.
    bool holds_secret(const std::string& out) const {
        const std::string l = lower(out);
        return out.find(password_) != std::string::npos || l.find(nt_hash_hex_) != std::string::npos ||
               l.find(password_hex_) != std::string::npos;
    }
    void expect_no_secret(const std::string& out, const std::string& what) {
        SCOPED_TRACE(what);
        EXPECT_FALSE(out.empty()) << "nothing to search: the command wrote nothing";
        EXPECT_EQ(out.find(password_), std::string::npos) << "the password appears in " << what;
        const std::string l = lower(out);
        EXPECT_EQ(l.find(nt_hash_hex_), std::string::npos) << "the NT hash of the password appears in " << what;
        EXPECT_EQ(l.find(password_hex_), std::string::npos) << "the password's bytes in hex appear in " << what;
        ++searched_;
    }

    std::string user_, password_, password_file_, nt_hash_hex_, password_hex_;
    std::vector<std::string> files_;
    int searched_ = 0;
};

const boost::json::object* expectation(const boost::json::object& row, const std::string& check) {
    for (const auto& e : row.at("expectations").as_array())
        if (e.at("check").as_string() == check) return &e.as_object();
    return nullptr;
}

TEST_F(ScenarioLoginLab, CredentialsAndTunnelExpectationsPassAgainstSoftEther) {
    auto file = write("scenario-login.yaml",
                      scenario(good_credentials(),
                               "{success: true, tunnel: {connected: true, address_in: 192.168.30.0/24, dns_includes: "
                               "[192.168.30.1], ping_max_rtt_ms: 60000, ping_max_loss: 0}}"));
    auto r = vpnprobe("run " + file + " --format json");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    auto v = boost::json::parse(r.out).as_object();
    const auto& row = v.at("rows").as_array().at(0).as_object();
    EXPECT_TRUE(row.at("passed").as_bool()) << boost::json::serialize(row);
    for (const char* check : {"tunnel.connected", "tunnel.address_in", "tunnel.dns_includes", "tunnel.ping_max_rtt_ms",
                              "tunnel.ping_max_loss"}) {
        const auto* e = expectation(row, check);
        ASSERT_TRUE(e) << check << " was not judged: " << boost::json::serialize(row);
        EXPECT_TRUE(e->at("held").as_bool()) << boost::json::serialize(*e);
    }
    EXPECT_NE(std::string(expectation(row, "tunnel.ping_max_rtt_ms")->at("actual").as_string())
                  .find("3 of 3 echo requests to 192.168.30.1 answered"),
              std::string::npos);
    const auto& tunnel = row.at("result").at("tunnel").as_object();
    EXPECT_EQ(std::string(tunnel.at("address").as_string()).rfind("192.168.30.", 0), 0u);
    EXPECT_EQ(tunnel.at("ping").at("replies").as_int64(), 3);
    expect_no_secret(r.out, "run --format json");

    // The same account from the environment (password_env), and its metrics.
    ::setenv(kPasswordVar, password_.c_str(), 1);
    file = write("scenario-login-env.yaml", scenario("{user: " + user_ + ", password_env: " + kPasswordVar + "}",
                                                     "{tunnel: {connected: true, ping_max_loss: 0}}"));
    r = vpnprobe("run " + file + " --format prometheus");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    auto prom = write("scenario-login.prom", r.out);
    auto parsed = testlab::run_command(std::string(VPNPROBE_SOURCE_DIR) + "/tests/support/parse_prometheus.py " + prom);
    ASSERT_EQ(parsed.exit_code, 0) << r.out;
    EXPECT_NE(parsed.out.find("vpnprobe_tunnel_up{address=\"" + var("SSTP_RSA_ADDR") +
                              "\",probe=\"login\",target=\"sstp-rsa\",type=\"sstp\",vantage=\"clean\"} 1.0"),
              std::string::npos)
        << parsed.out;
    EXPECT_NE(parsed.out.find("vpnprobe_tunnel_address_info{address=\"" + var("SSTP_RSA_ADDR") +
                              "\",assigned_address=\"192.168.30."),
              std::string::npos)
        << parsed.out;
    EXPECT_NE(parsed.out.find("vpnprobe_tunnel_echo_loss{"), std::string::npos) << parsed.out;
    EXPECT_NE(parsed.out.find("stat=\"max\""), std::string::npos) << parsed.out;
    expect_no_secret(r.out, "run --format prometheus (password_env)");
    // promtool, where it is installed (Debian's prometheus package), lints the names and types as Prometheus does.
    if (testlab::run_command("command -v promtool").exit_code == 0) {
        auto lint = testlab::run_command("promtool check metrics < " + prom + " 2>&1");
        EXPECT_EQ(lint.exit_code, 0) << lint.out;
    }
}

TEST_F(ScenarioLoginLab, AWrongPasswordFailsTheRowWith691Named) {
    ::setenv(kWrongPasswordVar, "not-the-password", 1);
    auto file =
        write("scenario-login-wrong.yaml", scenario("{user: " + user_ + ", password_env: " + kWrongPasswordVar + "}",
                                                    "{success: true, tunnel: {connected: true}}"));
    auto r = vpnprobe("run " + file + " --format json");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    auto v = boost::json::parse(r.out).as_object();
    const auto& row = v.at("rows").as_array().at(0).as_object();
    EXPECT_FALSE(row.at("passed").as_bool());
    EXPECT_FALSE(row.at("harness_error").as_bool()) << "the server's refusal, not ours";
    EXPECT_EQ(row.at("failed_phase").as_string(), "ppp_auth");
    EXPECT_NE(std::string(row.at("windows_error").as_string()).find("691"), std::string::npos) << r.out;
    const auto* connected = expectation(row, "tunnel.connected");
    ASSERT_TRUE(connected) << r.out;
    EXPECT_FALSE(connected->at("held").as_bool());
    EXPECT_EQ(connected->at("actual").as_string(), "not connected");
    EXPECT_NE(std::string(connected->at("windows_error").as_string()).find("691"), std::string::npos) << r.out;
    // The cause, named once under the first failed expectation (success): MS-CHAPv2 E=691.
    const std::string cause(expectation(row, "success")->at("detail").as_string());
    EXPECT_NE(cause.find("sstp.auth_rejected"), std::string::npos) << r.out;
    EXPECT_NE(cause.find("E=691"), std::string::npos) << r.out;
    EXPECT_EQ(connected->at("detail").as_string(), "(the cause above)");
    EXPECT_EQ(row.at("result").at("tunnel").at("mschap_error").as_int64(), 691);

    // The table names it too, and a scenario that expects the refusal passes.
    auto table = vpnprobe("run " + file);
    EXPECT_EQ(table.exit_code, 1);
    EXPECT_NE(table.out.find("tunnel.connected: expected connected, got not connected"), std::string::npos)
        << table.out;
    EXPECT_NE(table.out.find("(a Windows client would show: 691)"), std::string::npos) << table.out;
    file = write("scenario-login-refused.yaml",
                 scenario("{user: " + user_ + ", password_env: " + kWrongPasswordVar + "}",
                          "{failed_phase: ppp_auth, windows_error: '691', tunnel: {connected: false}}"));
    r = vpnprobe("run " + file);
    EXPECT_EQ(r.exit_code, 0) << r.out;
}

// Every command and every format that can carry a credentialed SSTP probe, with the lab's test password: nothing
// they write (stdout, stderr, report files, the key log, serve's answers and log) holds the password, its NT
// hash or its hex. Each output is checked to be the real thing first (a logged-in tunnel), so the search is not
// run over an error message.
TEST_F(ScenarioLoginLab, NoCommandOrFormatEverShowsThePasswordOrItsHash) {
    // The search finds what it looks for: each form of the secret, in any case, inside other text.
    ASSERT_TRUE(holds_secret("x " + password_ + " y"));
    std::string upper_hash = nt_hash_hex_;
    std::transform(upper_hash.begin(), upper_hash.end(), upper_hash.begin(),
                   [](unsigned char c) { return std::toupper(c); });
    ASSERT_TRUE(holds_secret("hash: " + upper_hash));
    ASSERT_TRUE(holds_secret("bytes " + password_hex_));
    ASSERT_EQ(nt_hash_hex_.size(), 32u);

    // ---- vpnprobe sstp
    const std::string sstp = "sstp " + var("SSTP_RSA_ADDR") + " --sni vpn.test --ca " + var("LAB_CA") + " --netns " +
                             var("VANTAGE_CLEAN") + " --user " + user_ + " --ping " + kHubHost + " --ping-count 2 ";
    for (const std::string format : {"text", "json"}) {
        auto r = vpnprobe(sstp + "--password-file " + password_file_ + " --format " + format + " 2>&1");
        ASSERT_EQ(r.exit_code, 0) << r.out;
        EXPECT_NE(r.out.find("192.168.30."), std::string::npos) << "no tunnel address in:\n" << r.out;
        expect_no_secret(r.out, "sstp --format " + format);
    }
    {
        auto keylog = path("scenario-login-keylog.txt");
        auto r = testlab::run_command("VPNPROBE_PASSWORD='" + password_ + "' " + std::string(VPNPROBE_BINARY) + " " +
                                      sstp + "-v --keylog " + keylog + " --format json 2>&1");
        ASSERT_EQ(r.exit_code, 0) << r.out;
        EXPECT_NE(r.out.find("CHAP Response"), std::string::npos) << "no -v lines in:\n" << r.out;
        EXPECT_NE(r.out.find("ICMP Echo Reply"), std::string::npos) << r.out;
        expect_no_secret(r.out, "sstp -v (VPNPROBE_PASSWORD)");
        const auto keys = read_all(keylog);
        EXPECT_NE(keys.find("CLIENT_"), std::string::npos) << "the key log is empty";
        expect_no_secret(keys, "sstp --keylog");
    }

    // ---- vpnprobe run, each format, to stdout and to --output; with password_file and password_env
    ::setenv(kPasswordVar, password_.c_str(), 1);
    const std::string expect = "{tunnel: {connected: true, address_in: 192.168.30.0/24, ping_max_loss: 0}}";
    const std::string by_file = write("scenario-grep-file.yaml", scenario(good_credentials(), expect));
    const std::string by_env =
        write("scenario-grep-env.yaml", scenario("{user: " + user_ + ", password_env: " + kPasswordVar + "}", expect));
    for (const auto& file : {by_file, by_env}) {
        for (const std::string format : {"table", "json", "junit", "prometheus"}) {
            auto r = vpnprobe("run " + file + " --format " + format + " 2>&1");
            ASSERT_EQ(r.exit_code, 0) << r.out;
            EXPECT_NE(r.out.find("192.168.30."), std::string::npos) << "no tunnel address in:\n" << r.out;
            expect_no_secret(r.out, "run --format " + format + " of " + file);
            auto out = path("scenario-grep-report");
            auto w = vpnprobe("run " + file + " --format " + format + " --output " + out + " 2>&1");
            ASSERT_EQ(w.exit_code, 0) << w.out;
            expect_no_secret(read_all(out) + w.out, "run --format " + format + " --output");
        }
        auto dry = vpnprobe("run " + file + " --dry-run 2>&1");
        EXPECT_EQ(dry.exit_code, 0) << dry.out;
        EXPECT_NE(dry.out.find("login (sstp) logs in as " + user_), std::string::npos) << dry.out;
        expect_no_secret(dry.out, "run --dry-run");
    }
    // Refusals say where the password is not, never what it is.
    {
        auto gone =
            write("scenario-grep-gone.yaml",
                  scenario("{user: " + user_ + ", password_file: " + testlab::lab_run_dir() + "/no-such-password-file}",
                           expect));
        auto r = vpnprobe("run " + gone + " 2>&1");
        EXPECT_EQ(r.exit_code, 2) << r.out;
        EXPECT_NE(r.out.find("No such file or directory"), std::string::npos) << r.out;
        expect_no_secret(r.out, "run with a missing password file");
        ::setenv(kWrongPasswordVar, "not-the-password", 1);
        auto wrong = write("scenario-grep-wrong.yaml",
                           scenario("{user: " + user_ + ", password_env: " + kWrongPasswordVar + "}", expect));
        r = vpnprobe("run " + wrong + " --format json 2>&1");
        EXPECT_EQ(r.exit_code, 1) << r.out;
        expect_no_secret(r.out, "run with a wrong password");
    }

    // ---- vpnprobe serve: its answers to /probe, /metrics and /, and its log (stderr)
    {
        auto log = path("scenario-grep-serve.log");
        testsupport::ServeProcess serve(VPNPROBE_BINARY, {"serve", by_env, "--listen", "127.0.0.1:0"}, log);
        auto port = serve.port();
        ASSERT_TRUE(port) << serve.log();
        std::string answers;
        for (const std::string target : {"/probe", "/probe?probe=login&target=sstp-rsa", "/metrics", "/"}) {
            testsupport::HttpConnection c(*port);
            auto resp = c.get(target);
            EXPECT_EQ(resp.status, 200) << target << "\n" << resp.body;
            if (target.rfind("/probe", 0) == 0) {
                EXPECT_NE(resp.body.find("vpnprobe_tunnel_up{"), std::string::npos) << resp.body;
            }
            answers += resp.head + "\n" + resp.body + "\n";
        }
        expect_no_secret(answers, "serve's answers");
        EXPECT_EQ(serve.stop(SIGTERM), 0);
        expect_no_secret(serve.log(), "serve's log");
    }
    // sstp: text, json, -v, the key log (4); run: 2 password sources x (4 formats x stdout and --output, and
    // --dry-run) (18); two refusals; serve's answers and its log.
    EXPECT_EQ(searched_, 4 + 18 + 2 + 2) << "every output searched";
}

}  // namespace
