// The credentialed SSTP probe (--user) against the lab's real SoftEther: the login, the crypto binding, IPCP and
// an ICMP echo through the tunnel to SecureNAT's virtual host (192.168.30.1, which answers echo: measured), run
// as an operator runs the binary, from the clean vantage namespace. Every output is searched for the password
// and its NT hash (MD4), which must appear nowhere.
#include <sys/stat.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cctype>
#include <fstream>

#include "lab_env.hpp"
#include "protocol/auth/mschapv2.hpp"

namespace {

using namespace vpnprobe;

// SecureNAT's virtual host on the hub (SoftEther's default 192.168.30.1/24); the pool starts at .10.
constexpr const char* kHubHost = "192.168.30.1";
// In the hub's subnet, but nothing has it: echo requests to it go unanswered.
constexpr const char* kNobody = "192.168.30.99";

class SstpLoginLab : public testlab::LabTest {
protected:
    void SetUp() override {
        use_lab({"sstp-lab.env"});
        if (IsSkipped()) return;
        auto secrets = testlab::read_env_file(var("SSTP_SECRETS"));
        password_ = secrets["SSTP_PASSWORD"];
        user_ = secrets["SSTP_USER"] + "@" + secrets["SSTP_HUB"];
        ASSERT_FALSE(password_.empty());
        password_file_ = testlab::lab_run_dir() + "/test-login-password";
        {
            std::ofstream f(password_file_, std::ios::trunc);
            f << password_ << "\n";
        }
        ::chmod(password_file_.c_str(), 0600);
        auto hash = protocol::mschapv2::nt_password_hash(password_);
        nt_hash_hex_ = protocol::to_hex(protocol::ByteView(hash.data(), hash.size()));
    }
    void TearDown() override {
        if (!password_file_.empty()) std::remove(password_file_.c_str());
    }

    testlab::CommandResult vpnprobe(const std::string& target_var, const std::string& args) {
        return testlab::run_command(std::string(VPNPROBE_BINARY) + " sstp " + var(target_var) +
                                    " --sni vpn.test --ca " + var("LAB_CA") + " --netns " + var("VANTAGE_CLEAN") +
                                    " --user " + user_ + " " + args);
    }

    // Neither the password nor its NT hash (either case) anywhere in `out`.
    void expect_no_secret(const std::string& out) {
        EXPECT_EQ(out.find(password_), std::string::npos) << "the password appears in the output";
        std::string lower = out;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        std::string hash = nt_hash_hex_;
        std::transform(hash.begin(), hash.end(), hash.begin(), [](unsigned char c) { return std::tolower(c); });
        EXPECT_EQ(lower.find(hash), std::string::npos) << "the NT hash of the password appears in the output";
    }

    std::string user_, password_, password_file_, nt_hash_hex_;
};

TEST_F(SstpLoginLab, LogsInGetsAnAddressAndAnEchoReplyComesBack) {
    auto r = vpnprobe("SSTP_RSA_ADDR", "--password-file " + password_file_ + " --ping " + kHubHost + " --format json");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    expect_no_secret(r.out);
    auto v = boost::json::parse(r.out).as_object();
    EXPECT_TRUE(v.at("success").as_bool());
    const auto& t = v.at("tunnel").as_object();
    EXPECT_EQ(t.at("auth_method").as_string(), "MS-CHAPv2");
    EXPECT_TRUE(t.at("server_proven").as_bool());  // SoftEther's S= checked
    EXPECT_EQ(t.at("binding_hash").as_string(), "SHA256");
    EXPECT_TRUE(t.at("connected").as_bool());
    std::string address(t.at("address").as_string());
    EXPECT_EQ(address.rfind("192.168.30.", 0), 0u) << address;
    EXPECT_FALSE(t.at("dns").as_array().empty());
    const auto& ping = t.at("ping").as_object();
    EXPECT_GE(ping.at("replies").as_int64(), 1);
    for (const char* phase : {"ppp_auth", "call_connected", "ipcp", "data_path", "disconnect"}) {
        bool found = false;
        for (const auto& p : v.at("phases").as_array())
            if (p.at("name").as_string() == phase) {
                found = true;
                EXPECT_EQ(p.at("outcome").as_string(), "ok") << phase;
            }
        EXPECT_TRUE(found) << phase;
    }
}

TEST_F(SstpLoginLab, VerboseAndTextOutputsNeverShowThePassword) {
    std::string keylog = testlab::lab_run_dir() + "/test-login-keylog.txt";
    std::remove(keylog.c_str());
    auto r = vpnprobe("SSTP_RSA_ADDR", "--password-file " + password_file_ + " --ping " + std::string(kHubHost) +
                                           " -v --keylog " + keylog + " 2>&1");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("CHAP Response"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("SSTP_MSG_CALL_CONNECTED"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("ICMP Echo Reply"), std::string::npos) << r.out;
    expect_no_secret(r.out);
    expect_no_secret(testlab::run_command("cat " + keylog).out);
    std::remove(keylog.c_str());
}

TEST_F(SstpLoginLab, WrongPasswordIs691) {
    auto r = testlab::run_command("VPNPROBE_PASSWORD=not-the-password " + std::string(VPNPROBE_BINARY) + " sstp " +
                                  var("SSTP_RSA_ADDR") + " --sni vpn.test --ca " + var("LAB_CA") + " --netns " +
                                  var("VANTAGE_CLEAN") + " --user " + user_ + " --format json");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    auto v = boost::json::parse(r.out).as_object();
    EXPECT_EQ(v.at("failed_phase").as_string(), "ppp_auth");
    EXPECT_NE(std::string(v.at("windows_error").as_string()).find("691"), std::string::npos) << r.out;
    EXPECT_EQ(v.at("tunnel").at("mschap_error").as_int64(), 691);
    expect_no_secret(r.out);
}

// A client must not give its password to a server it does not trust: nothing of the login leaves the probe.
TEST_F(SstpLoginLab, ExpiredCertificateGetsNoCredential) {
    auto r = vpnprobe("SSTP_EXPIRED_ADDR", "--password-file " + password_file_ + " -v --format json 2>&1");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("CERT_E_EXPIRED"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("credentials_withheld"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("\"ppp_auth\""), std::string::npos) << "the ppp_auth phase started:\n" << r.out;
    for (const char* sent : {"-> SSTP data: CHAP", "-> SSTP data: EAP", "-> SSTP data: PAP", "CALL_CONNECTED"})
        EXPECT_EQ(r.out.find(sent), std::string::npos) << "'" << sent << "' was sent:\n" << r.out;
    // Not even the user name went out.
    EXPECT_EQ(r.out.find("-> SSTP data: " + std::string("CHAP Response")), std::string::npos);
    expect_no_secret(r.out);
}

TEST_F(SstpLoginLab, NoEchoReplyIsConnectedButTrafficDoesNotPass) {
    auto r = vpnprobe("SSTP_RSA_ADDR", "--password-file " + password_file_ + " --ping " + std::string(kNobody) +
                                           " --ping-count 2 --format json");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    auto v = boost::json::parse(r.out).as_object();
    EXPECT_EQ(v.at("failed_phase").as_string(), "data_path");
    EXPECT_TRUE(v.at("tunnel").at("connected").as_bool());
    bool found = false;
    for (const auto& f : v.at("findings").as_array())
        if (f.at("check").as_string() == "sstp.traffic_does_not_pass") found = true;
    EXPECT_TRUE(found) << r.out;
    EXPECT_EQ(v.at("tunnel").at("ping").at("replies").as_int64(), 0);
}

// Needs no lab: the password has no command-line option, and a user without one is a usage error.
TEST(SstpLoginUsage, PasswordNeverFromTheCommandLine) {
    auto run = [](const std::string& args) {
        return testlab::run_command("env -u VPNPROBE_PASSWORD " + std::string(VPNPROBE_BINARY) + " " + args +
                                    " 2>/dev/null")
            .exit_code;
    };
    EXPECT_EQ(run("sstp host --user alice --password secret"), 2);
    EXPECT_EQ(run("sstp host --user alice"), 2);
    EXPECT_EQ(run("sstp host --password-file /etc/hostname"), 2);
    EXPECT_EQ(run("sstp host --user alice --password-file /no/such/file"), 2);
    EXPECT_EQ(run("sstp host --ping 192.0.2.1"), 2);
}

}  // namespace
