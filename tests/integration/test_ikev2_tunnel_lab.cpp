// The IKEv2 user tunnel (--user, EAP-MSCHAPv2) against the lab's real strongSwan `tunnel` responder (ESP in user
// space with kernel-libipsec, a pool with DNS, a protected subnet whose far side answers ICMP), run as an operator
// runs the binary, from the clean vantage namespace. Every output is searched for the password and its NT hash
// (MD4), which must appear nowhere. Each verdict is compared with strongSwan's own initiator
// (lab/strongswan/initiator.sh) on the same account: the differential check.
#include <sys/stat.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cctype>
#include <fstream>

#include "lab_env.hpp"
#include "protocol/auth/mschapv2.hpp"

namespace {

using namespace vpnprobe;

class Ikev2TunnelLab : public testlab::LabTest {
protected:
    void SetUp() override {
        use_lab({"ike-lab.env"});
        if (IsSkipped()) return;
        auto secrets = testlab::read_env_file(var("IKE_SECRETS"));
        password_ = secrets["IKE_EAP_PASSWORD"];
        user_ = secrets["IKE_EAP_ID"];
        ASSERT_FALSE(password_.empty());
        password_file_ = testlab::lab_run_dir() + "/test-ike-login-password";
        write_private(password_file_, password_ + "\n");
        // The same account with a wrong password, for the reference initiator (it reads a secrets file).
        wrong_secrets_ = testlab::lab_run_dir() + "/test-ike-wrong-secrets.env";
        write_private(wrong_secrets_, "IKE_EAP_ID=" + user_ + "\nIKE_EAP_PASSWORD=not-the-password\n");
        auto hash = protocol::mschapv2::nt_password_hash(password_);
        nt_hash_hex_ = protocol::to_hex(protocol::ByteView(hash.data(), hash.size()));
    }
    void TearDown() override {
        if (!password_file_.empty()) std::remove(password_file_.c_str());
        if (!wrong_secrets_.empty()) std::remove(wrong_secrets_.c_str());
    }
    static void write_private(const std::string& path, const std::string& text) {
        std::ofstream f(path, std::ios::trunc);
        f << text;
        f.close();
        ::chmod(path.c_str(), 0600);
    }

    // The probe binary from the clean vantage; `env` is prepended (VPNPROBE_PASSWORD=...), `args` appended.
    testlab::CommandResult vpnprobe(const std::string& args, const std::string& env = "") {
        return testlab::run_command(env + (env.empty() ? "" : " ") + std::string(VPNPROBE_BINARY) + " ikev2 " +
                                    var("IKE_TUNNEL_ADDR") + " --name vpn.test --ca " + var("IKE_CA") +
                                    " --preset modern --netns " + var("VANTAGE_CLEAN") + " --user " + user_ + " " +
                                    args);
    }

    // strongSwan's initiator with the same account from the same vantage: its exit status (0 = the CHILD_SA up,
    // 3 = up but no echo reply) and its log.
    testlab::CommandResult reference(const std::string& args, const std::string& secrets = "") {
        return testlab::run_command(std::string(VPNPROBE_SOURCE_DIR) + "/lab/strongswan/initiator.sh " +
                                    var("VANTAGE_CLEAN") + " " + testlab::lab_run_dir() + "/ike/check/tunnel-ref " +
                                    var("IKE_TUNNEL_ADDR") + " --ca " + var("IKE_CA") + " --secrets " +
                                    (secrets.empty() ? var("IKE_SECRETS") : secrets) + " --tries 1 --child " +
                                    var("IKE_TUNNEL_NET") + " " + args + " 2>&1");
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

    static std::string phase_outcome(const boost::json::object& v, const std::string& name) {
        for (const auto& p : v.at("phases").as_array())
            if (p.at("name").as_string() == name) return std::string(p.at("outcome").as_string());
        return "(missing)";
    }
    static bool has_finding(const boost::json::object& v, const std::string& check) {
        for (const auto& f : v.at("findings").as_array())
            if (f.at("check").as_string() == check) return true;
        return false;
    }

    std::string user_, password_, password_file_, wrong_secrets_, nt_hash_hex_;
};

TEST_F(Ikev2TunnelLab, UserTunnelComesUpWithAVirtualIpDnsAndAChildSa) {
    auto r = vpnprobe("--password-file " + password_file_ + " --format json");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    expect_no_secret(r.out);
    auto v = boost::json::parse(r.out).as_object();
    EXPECT_TRUE(v.at("success").as_bool()) << r.out;
    for (const char* phase :
         {"ike_sa_init", "ike_auth", "eap", "ike_auth_complete", "child_sa", "delete_child", "delete"})
        EXPECT_EQ(phase_outcome(v, phase), "ok") << phase << "\n" << r.out;
    const auto& t = v.at("tunnel").as_object();
    EXPECT_EQ(t.at("auth_method").as_string(), "EAP-MSCHAPv2");
    EXPECT_TRUE(t.at("server_proven").as_bool());  // strongSwan's S= checked
    EXPECT_TRUE(t.at("eap_success").as_bool());
    EXPECT_TRUE(t.at("server_auth_verified").as_bool());  // its final AUTH computed from the same MSK
    EXPECT_TRUE(t.at("connected").as_bool());
    std::string address(t.at("address").as_string());
    EXPECT_EQ(address.rfind("10.98.32.", 0), 0u) << address;  // from the pool tunnel4
    std::vector<std::string> dns;
    for (const auto& d : t.at("dns").as_array()) dns.emplace_back(d.as_string());
    EXPECT_EQ(dns, (std::vector<std::string>{"10.97.32.53", "10.97.32.54"}));
    const auto& c = t.at("child_sa").as_object();
    EXPECT_TRUE(c.at("created").as_bool());
    // strongSwan picks in its own order (prefer_configured_proposals): its first, aes256gcm16, is not offered;
    // aes128gcm16 from the same proposal is, and is our second.
    EXPECT_EQ(c.at("esp_proposal").as_string(), "aes128gcm16") << r.out;
    EXPECT_EQ(c.at("spi_in").as_string().size(), 8u);
    EXPECT_EQ(c.at("spi_out").as_string().size(), 8u);
    EXPECT_EQ(c.at("tsi").as_array().size(), 1u);
    EXPECT_EQ(c.at("tsi").as_array()[0].as_string(), address + "/32");  // narrowed to our virtual IP
    EXPECT_EQ(c.at("tsr").as_array()[0].as_string(), var("IKE_TUNNEL_NET"));

    // The differential check: strongSwan's initiator with the same account gets the same tunnel, and its ping
    // through it reaches the far side (the protected subnet really answers).
    auto ref = reference("--ping " + var("IKE_TUNNEL_PING"));
    EXPECT_EQ(ref.exit_code, 0) << ref.out;
    EXPECT_NE(ref.out.find("CHILD_SA tun{1} established"), std::string::npos) << ref.out;
    EXPECT_NE(ref.out.find("installing new virtual IP 10.98.32."), std::string::npos) << ref.out;
    EXPECT_NE(ref.out.find(" 0% packet loss"), std::string::npos) << ref.out;
}

TEST_F(Ikev2TunnelLab, VerboseTextAndKeylogNeverShowThePassword) {
    std::string keylog = testlab::lab_run_dir() + "/test-ike-login-keylog.txt";
    std::remove(keylog.c_str());
    // The password from the environment this time (read from the file by the shell: not in any command line).
    auto r = vpnprobe("-v --keylog " + keylog + " 2>&1", "VPNPROBE_PASSWORD=\"$(cat " + password_file_ + ")\"");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("[ EAP/RES/MSCHAPV2 ]"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("[ AUTH ]"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("tunnel: up"), std::string::npos) << r.out;
    expect_no_secret(r.out);
    auto k = testlab::run_command("cat " + keylog);
    EXPECT_FALSE(k.out.empty());  // the IKE SA's keys are there, for Wireshark
    expect_no_secret(k.out);
    std::remove(keylog.c_str());
}

TEST_F(Ikev2TunnelLab, WrongPasswordIs691AndStrongSwansInitiatorFailsToo) {
    auto r = vpnprobe("--format json", "VPNPROBE_PASSWORD=not-the-password");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    expect_no_secret(r.out);
    auto v = boost::json::parse(r.out).as_object();
    EXPECT_EQ(v.at("failed_phase").as_string(), "eap") << r.out;
    EXPECT_EQ(v.at("windows_error").as_string(), "691") << r.out;
    EXPECT_TRUE(has_finding(v, "ikev2.auth_rejected")) << r.out;
    EXPECT_EQ(v.at("tunnel").at("mschap_error").as_int64(), 691) << r.out;
    EXPECT_FALSE(v.at("tunnel").at("connected").as_bool());
    EXPECT_EQ(phase_outcome(v, "ike_auth_complete"), "(missing)");

    auto ref = reference("", wrong_secrets_);
    EXPECT_NE(ref.exit_code, 0) << ref.out;
    EXPECT_EQ(ref.out.find("IKE_SA cli[1] established"), std::string::npos) << ref.out;
    EXPECT_NE(ref.out.find("EAP-MS-CHAPv2 failed"), std::string::npos) << ref.out;
}

TEST_F(Ikev2TunnelLab, NoAddressForTheUserIsInternalAddressFailure) {
    auto r = vpnprobe("--id " + var("IKE_TUNNEL_NOPOOL_ID") + " --password-file " + password_file_ + " --format json");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    expect_no_secret(r.out);
    auto v = boost::json::parse(r.out).as_object();
    EXPECT_EQ(v.at("failed_phase").as_string(), "child_sa") << r.out;
    EXPECT_EQ(phase_outcome(v, "ike_auth_complete"), "ok");  // the login worked
    EXPECT_TRUE(has_finding(v, "ikev2.no_address")) << r.out;
    const auto& t = v.at("tunnel").as_object();
    EXPECT_TRUE(t.at("authenticated").as_bool());
    EXPECT_FALSE(t.at("connected").as_bool());
    EXPECT_EQ(t.at("address").as_string(), "");
    EXPECT_EQ(t.at("child_sa").at("error_notify").as_string(), "INTERNAL_ADDRESS_FAILURE") << r.out;
    EXPECT_EQ(phase_outcome(v, "delete"), "ok");  // the IKE SA the server kept is deleted

    auto ref = reference("--id " + var("IKE_TUNNEL_NOPOOL_ID"));
    EXPECT_NE(ref.exit_code, 0) << ref.out;
    EXPECT_NE(ref.out.find("received INTERNAL_ADDRESS_FAILURE notify, no CHILD_SA built"), std::string::npos)
        << ref.out;
}

// The `noesp` connection accepts ESP 3des-sha1 only: the login and the IKE SA work, the CHILD_SA is refused.
TEST_F(Ikev2TunnelLab, EspProposalMismatchIsNoProposalChosenForTheChildSa) {
    auto r = vpnprobe("--id " + var("IKE_TUNNEL_NOESP_ID") + " --password-file " + password_file_ + " --format json");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    expect_no_secret(r.out);
    auto v = boost::json::parse(r.out).as_object();
    EXPECT_EQ(v.at("failed_phase").as_string(), "child_sa") << r.out;
    EXPECT_EQ(phase_outcome(v, "ike_auth_complete"), "ok");
    EXPECT_TRUE(has_finding(v, "ikev2.child_no_proposal_chosen")) << r.out;
    EXPECT_EQ(v.at("windows_error").as_string(), "13868") << r.out;
    const auto& c = v.at("tunnel").at("child_sa").as_object();
    EXPECT_FALSE(c.at("created").as_bool());
    EXPECT_EQ(c.at("error_notify").as_string(), "NO_PROPOSAL_CHOSEN");
    EXPECT_EQ(c.at("offered").as_string(), "aes256-sha256;aes128gcm16");
    EXPECT_EQ(phase_outcome(v, "delete"), "ok");

    auto ref = reference("--id " + var("IKE_TUNNEL_NOESP_ID"));
    EXPECT_NE(ref.exit_code, 0) << ref.out;
    EXPECT_NE(ref.out.find("received NO_PROPOSAL_CHOSEN notify, no CHILD_SA built"), std::string::npos) << ref.out;
}

// The data path: echo requests from the virtual IP in ESP in UDP 4500 reach the far side of the protected subnet
// and its replies come back through the CHILD_SA; the key log gets the CHILD_SA's two esp_sa lines.
TEST_F(Ikev2TunnelLab, EchoThroughTheChildSaIsAnsweredByTheFarSide) {
    std::string keylog = testlab::lab_run_dir() + "/test-ike-datapath-keylog.txt";
    std::remove(keylog.c_str());
    auto r = vpnprobe("--password-file " + password_file_ + " --ping " + var("IKE_TUNNEL_PING") +
                      " --ping-count 3 --keylog " + keylog + " --format json");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    expect_no_secret(r.out);
    auto v = boost::json::parse(r.out).as_object();
    EXPECT_TRUE(v.at("success").as_bool()) << r.out;
    for (const char* phase : {"child_sa", "data_path", "delete_child", "delete"})
        EXPECT_EQ(phase_outcome(v, phase), "ok") << phase << "\n" << r.out;
    const auto& t = v.at("tunnel").as_object();
    const auto& ping = t.at("ping").as_object();
    EXPECT_EQ(ping.at("target").as_string(), var("IKE_TUNNEL_PING"));
    EXPECT_EQ(ping.at("sent").as_int64(), 3);
    EXPECT_GE(ping.at("replies").as_int64(), 1) << r.out;
    int replied = 0;
    for (const auto& e : ping.at("echoes").as_array())
        if (e.at("replied").as_bool()) {
            ++replied;
            EXPECT_EQ(e.at("answer").as_string(), "reply");
            EXPECT_GE(e.at("rtt_ms").as_double(), 0.0);
        }
    EXPECT_EQ(replied, ping.at("replies").as_int64());
    const auto& esp = t.at("esp").as_object();
    EXPECT_EQ(esp.at("sent").as_int64(), 3);
    EXPECT_GE(esp.at("received").as_int64(), replied);
    EXPECT_EQ(esp.at("rejected").as_int64(), 0) << r.out;
    // The key log: the IKE SA's line and the CHILD_SA's two esp_sa lines (AES-GCM: one key each way), and
    // nothing of the password.
    auto k = testlab::run_command("cat " + keylog);
    expect_no_secret(k.out);
    EXPECT_NE(k.out.find("\"IPv4\""), std::string::npos) << k.out;
    EXPECT_NE(k.out.find("AES-GCM with 16 octet ICV [RFC4106]"), std::string::npos) << k.out;
    EXPECT_NE(k.out.find("\"0x" + std::string(t.at("child_sa").at("spi_out").as_string())), std::string::npos) << k.out;
    EXPECT_NE(k.out.find("\"0x" + std::string(t.at("child_sa").at("spi_in").as_string())), std::string::npos) << k.out;
    std::remove(keylog.c_str());
}

// An address in the protected subnet that nothing answers: the tunnel is up, no reply comes: "connected, but
// traffic does not pass". strongSwan's initiator pings it through its own CHILD_SA: up, but no reply (exit 3).
TEST_F(Ikev2TunnelLab, EchoToAnAddressNothingAnswersIsTrafficDoesNotPass) {
    const std::string silent = "10.97.32.99";
    auto r = vpnprobe("--password-file " + password_file_ + " --ping " + silent + " --ping-count 2 --format json");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    expect_no_secret(r.out);
    auto v = boost::json::parse(r.out).as_object();
    EXPECT_EQ(v.at("failed_phase").as_string(), "data_path") << r.out;
    EXPECT_TRUE(has_finding(v, "ikev2.traffic_does_not_pass")) << r.out;
    EXPECT_EQ(phase_outcome(v, "child_sa"), "ok");
    const auto& t = v.at("tunnel").as_object();
    EXPECT_TRUE(t.at("connected").as_bool());
    EXPECT_EQ(t.at("ping").at("replies").as_int64(), 0);
    EXPECT_EQ(t.at("ping").at("loss").as_double(), 1.0);
    EXPECT_EQ(t.at("esp").at("sent").as_int64(), 2);
    EXPECT_EQ(phase_outcome(v, "delete_child"), "ok");  // the tunnel is still taken down politely
    EXPECT_EQ(phase_outcome(v, "delete"), "ok");

    auto ref = reference("--ping " + silent);
    EXPECT_EQ(ref.exit_code, 3) << ref.out;
}

// Needs no lab: the password has no command-line option, and a user without one is a usage error.
TEST(Ikev2LoginUsage, PasswordNeverFromTheCommandLine) {
    auto run = [](const std::string& args) {
        return testlab::run_command("env -u VPNPROBE_PASSWORD " + std::string(VPNPROBE_BINARY) + " " + args +
                                    " 2>/dev/null")
            .exit_code;
    };
    EXPECT_EQ(run("ikev2 host --user alice --password secret"), 2);
    EXPECT_EQ(run("ikev2 host --user alice"), 2);
    EXPECT_EQ(run("ikev2 host --password-file /etc/hostname"), 2);
    EXPECT_EQ(run("ikev2 host --user alice --password-file /no/such/file"), 2);
    EXPECT_EQ(run("ikev2 host --eap mschapv2"), 2);
    EXPECT_EQ(run("ikev2 host --eap peap --user alice --password-file /etc/hostname"), 2);
    EXPECT_EQ(run("ikev2 host --user alice --password-file /etc/hostname --sa-init-only"), 2);
    EXPECT_EQ(run("ikev2 host --ping 10.0.0.1"), 2);  // --ping needs --user
    EXPECT_EQ(run("ikev2 host --user alice --password-file /etc/hostname --ping not-an-address"), 2);
    EXPECT_EQ(run("ikev2 host --user alice --password-file /etc/hostname --ping 10.0.0.1 --nat-t-port 0"), 2);
}

}  // namespace
