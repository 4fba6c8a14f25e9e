// The credentialed SSTP probe (--user) against the lab's real SoftEther: the login, the crypto binding, IPCP and
// an ICMP echo through the tunnel to SecureNAT's virtual host (192.168.30.1, which answers echo: measured), run
// as an operator runs the binary, from the clean vantage namespace. Every output is searched for every lab
// user's password and its NT hash (MD4), which must appear nowhere.
// The refusals and breakages come from the lab's extra hubs and users (lab/softether/instance.sh extra_hubs):
// a second user, a user refused by policy, a hub whose one-address pool is taken, and a hub whose far side
// (a kernel behind a Local Bridge) has no route back to the pool. What SoftEther does in each was captured
// and dissected with tshark first; the tests hold the probe to that, and check the server's own log for the
// cause, so that none of them passes by accident (a login that works, a pool that is not empty).
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cctype>
#include <fstream>
#include <sstream>
#include <thread>

#include "lab_env.hpp"
#include "protocol/auth/mschapv2.hpp"

namespace {

using namespace vpnprobe;

// SecureNAT's virtual host on the hub (SoftEther's default 192.168.30.1/24); the pool starts at .10.
constexpr const char* kHubHost = "192.168.30.1";
// In the hub's subnet, but nothing has it: echo requests to it go unanswered.
constexpr const char* kNobody = "192.168.30.99";

// tshark, the independent judge: a capture in the vantage namespace while the probe runs, dissected afterwards
// with the probe's TLS key log (SSTP and its PPP frames travel inside TLS). tshark's "Capturing on" comes before
// its capture really runs, and it writes the file in batches, so the capture is bracketed by markers: ICMP echo
// requests to `marker` (the server), sent until tshark's file shows them. Once the first is in the file the
// capture runs; once one sent after the probe is in it, so is all of the probe. Where tshark is not installed,
// installed() is false and the test says so.
class WireCapture {
public:
    WireCapture(const std::string& netns, const std::string& marker, const std::string& base)
        : netns_(netns), marker_(marker), pcap_(base + ".pcap"), err_(base + ".err") {
        std::remove(pcap_.c_str());
        installed_ = testlab::run_command("command -v tshark >/dev/null").exit_code == 0;
        if (!installed_) return;
        auto r = testlab::run_command("ip netns exec " + netns + " tshark -i any -f 'tcp port 443 or icmp' -w " +
                                      pcap_ + " >/dev/null 2>" + err_ + " & echo $!");
        pid_ = std::atoi(r.out.c_str());
        started_ = pid_ > 0 && markers_seen(1);
    }
    ~WireCapture() {
        stop();
        std::remove(pcap_.c_str());
        std::remove(err_.c_str());
    }
    bool installed() const { return installed_; }
    bool started() const { return started_; }

    // Waits until a marker sent now is in the file, then ends the capture (SIGINT, as at a terminal) and waits for
    // tshark to be gone.
    void stop() {
        if (pid_ <= 0) return;
        if (started_) complete_ = markers_seen(markers() + 1);
        ::kill(pid_, SIGINT);
        for (int i = 0; i < 600 && running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        pid_ = -pid_;
    }
    bool complete() const { return complete_; }

    // `tshark -r` of the capture with the key log: the fields of the frames that pass `filter`, one line each.
    std::string fields(const std::string& keylog, const std::string& filter, const std::string& fields) const {
        std::string cmd = "tshark -r " + pcap_ + " -o tls.keylog_file:" + keylog + " -Y '" + filter + "' -T fields";
        std::istringstream in(fields);
        for (std::string f; in >> f;) cmd += " -e " + f;
        return testlab::run_command(cmd + " 2>/dev/null").out;
    }

private:
    int markers() const {
        auto r = testlab::run_command("tshark -r " + pcap_ + " -Y 'icmp.type == 8 && ip.dst == " + marker_ +
                                      "' 2>/dev/null | wc -l");
        return std::atoi(r.out.c_str());
    }
    // Sends markers until `n` of them are in the file (a wait for tshark, bounded; not a timed assertion).
    bool markers_seen(int n) const {
        for (int i = 0; i < 100 && running(); ++i) {
            testlab::run_command("ip netns exec " + netns_ + " ping -c1 -W1 " + marker_ + " >/dev/null 2>&1");
            if (markers() >= n) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return false;
    }
    // Alive and not a zombie (the container's PID 1 reaps orphans late).
    bool running() const {
        std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
        std::string s;
        if (!std::getline(stat, s)) return false;
        auto close = s.rfind(')');
        return close != std::string::npos && close + 2 < s.size() && s[close + 2] != 'Z';
    }

    std::string netns_, marker_, pcap_, err_;
    int pid_ = 0;
    bool installed_ = false, started_ = false, complete_ = false;
};

class SstpLoginLab : public testlab::LabTest {
protected:
    void SetUp() override {
        use_lab({"sstp-lab.env"});
        if (IsSkipped()) return;
        secrets_ = testlab::read_env_file(var("SSTP_SECRETS"));
        password_ = secrets_["SSTP_PASSWORD"];
        user_ = secrets_["SSTP_USER"] + "@" + secrets_["SSTP_HUB"];
        ASSERT_FALSE(password_.empty());
        password_file_ = write_password_file("SSTP_PASSWORD");
    }
    void TearDown() override {
        for (const auto& f : files_) std::remove(f.c_str());
    }

    // The password under `key` in the lab's secrets file, in an owner-only file of its own.
    std::string write_password_file(const std::string& key) {
        const std::string& password = secrets_[key];
        EXPECT_FALSE(password.empty()) << "no " << key << " in the lab's secrets file";
        std::string path = testlab::lab_run_dir() + "/test-login-" + key;
        {
            std::ofstream f(path, std::ios::trunc);
            f << password << "\n";
        }
        ::chmod(path.c_str(), 0600);
        files_.push_back(path);
        return path;
    }

    testlab::CommandResult vpnprobe(const std::string& target_var, const std::string& args) {
        return testlab::run_command(std::string(VPNPROBE_BINARY) + " sstp " + var(target_var) +
                                    " --sni vpn.test --ca " + var("LAB_CA") + " --netns " + var("VANTAGE_CLEAN") +
                                    " --user " + user_ + " " + args);
    }

    // A login as `user` with the password under `password_key`, from the clean vantage, to the server with the
    // extra hubs.
    testlab::CommandResult login(const std::string& user, const std::string& password_key, const std::string& args) {
        return testlab::run_command(std::string(VPNPROBE_BINARY) + " sstp " + var("SSTP_HUBS_ADDR") +
                                    " --sni vpn.test --ca " + var("LAB_CA") + " --netns " + var("VANTAGE_CLEAN") +
                                    " --user " + user + " --password-file " + write_password_file(password_key) + " " +
                                    args);
    }

    // No lab user's password nor its NT hash (either case) anywhere in `out`.
    void expect_no_secret(const std::string& out) {
        std::string lower = out;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        for (const char* key : {"SSTP_PASSWORD", "SSTP_USER2_PASSWORD", "SSTP_DENIED_PASSWORD", "SSTP_NOPOOL_PASSWORD",
                                "SSTP_NOROUTE_PASSWORD"}) {
            const std::string& password = secrets_[key];
            if (password.empty()) continue;
            EXPECT_EQ(out.find(password), std::string::npos) << "the password " << key << " appears in the output";
            auto hash = protocol::mschapv2::nt_password_hash(password);
            std::string hex = protocol::to_hex(protocol::ByteView(hash.data(), hash.size()));
            std::transform(hex.begin(), hex.end(), hex.begin(), [](unsigned char c) { return std::tolower(c); });
            EXPECT_EQ(lower.find(hex), std::string::npos) << "the NT hash of " << key << " appears in the output";
        }
    }

    // Lines of the hubs server's log (SoftEther's server_log) that contain every one of `words`.
    int server_log_lines(std::initializer_list<std::string> words) {
        auto log = testlab::run_command("cat " + var("SSTP_HUBS_SERVER_LOG") + "/*.log");
        int n = 0;
        std::istringstream in(log.out);
        for (std::string line; std::getline(in, line);) {
            bool all = true;
            for (const auto& w : words) all = all && line.find(w) != std::string::npos;
            n += all ? 1 : 0;
        }
        return n;
    }

    // An ICMP counter of /proc/net/snmp (InEchos, OutEchoReps, ...) in namespace `netns`; -1 if not found.
    static long icmp_counter(const std::string& netns, const std::string& name) {
        auto snmp = testlab::run_command("ip netns exec " + netns + " cat /proc/net/snmp");
        std::istringstream in(snmp.out);
        std::string names, values;
        while (std::getline(in, names)) {
            if (names.rfind("Icmp: ", 0) != 0 || !std::getline(in, values)) continue;
            std::istringstream n(names.substr(6)), v(values.substr(6));
            std::string field;
            long value = 0;
            while (n >> field && v >> value)
                if (field == name) return value;
        }
        return -1;
    }

    static bool has_finding(const boost::json::object& v, const std::string& check) {
        for (const auto& f : v.at("findings").as_array())
            if (f.at("check").as_string() == check) return true;
        return false;
    }

    std::map<std::string, std::string> secrets_;
    std::vector<std::string> files_;
    std::string user_, password_, password_file_;
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

// Behind SSTPHUB's Local Bridge sits a namespace with a kernel address (192.168.30.2): a network behind the hub
// that answers, not only SecureNAT's own virtual host.
TEST_F(SstpLoginLab, AKernelBehindTheHubsLocalBridgeAnswersEcho) {
    const std::string far = var("SSTP_FAR_NETNS");
    const long echoes_before = icmp_counter(far, "InEchos");
    auto r = login(user_, "SSTP_PASSWORD", "--ping " + var("SSTP_FAR_ADDR") + " --ping-count 2 --format json");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    expect_no_secret(r.out);
    auto v = boost::json::parse(r.out).as_object();
    EXPECT_TRUE(v.at("success").as_bool());
    EXPECT_GE(v.at("tunnel").at("ping").at("replies").as_int64(), 1);
    // The replies came from that kernel: it counted the requests.
    EXPECT_GE(icmp_counter(far, "InEchos"), echoes_before + 1);
}

// A second user of the same hub, given another user's (real) password: MS-CHAPv2 E=691, as for any wrong password.
TEST_F(SstpLoginLab, SecondUserWithAnotherUsersPasswordIs691) {
    auto r = login(var("SSTP_USER2") + "@SSTPHUB", "SSTP_PASSWORD", "--format json");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    expect_no_secret(r.out);
    auto v = boost::json::parse(r.out).as_object();
    EXPECT_EQ(v.at("failed_phase").as_string(), "ppp_auth");
    EXPECT_EQ(v.at("tunnel").at("mschap_error").as_int64(), 691);
    EXPECT_EQ(v.at("windows_error").as_string(), "691") << r.out;
    EXPECT_TRUE(has_finding(v, "sstp.auth_rejected")) << r.out;
    // Its own password works: the 691 is the password's, not a user that does not exist.
    auto ok = login(var("SSTP_USER2") + "@SSTPHUB", "SSTP_USER2_PASSWORD", "--format json");
    EXPECT_EQ(ok.exit_code, 0) << ok.out;
    expect_no_secret(ok.out);
}

// A user refused by a SoftEther security policy (Access = no) after a correct password. Measured on the wire
// (tshark): SoftEther answers CHAP Failure "E=691 R=0 C=... V=3", the same bytes as for a wrong password
// (Proto_PPP.c sets MsChapV2_ErrorCode to 691 and never changes it), so a Windows client shows 691, not 812, and
// so does the probe: nothing on the wire says "policy". The server's log says it, and the test checks that it did.
TEST_F(SstpLoginLab, PolicyRefusalComesAs691BecauseSoftEtherSays691) {
    const int refusals_before = server_log_lines({"\"denied\"", "security policy"});
    const std::string keylog = testlab::lab_run_dir() + "/test-login-policy-keys";
    files_.push_back(keylog);
    WireCapture wire(var("VANTAGE_CLEAN"), var("SSTP_HUBS_ADDR"), testlab::lab_run_dir() + "/test-login-policy");
    auto r = login(var("SSTP_DENIED_USER") + "@SSTPHUB", "SSTP_DENIED_PASSWORD", "--format json --keylog " + keylog);
    wire.stop();
    EXPECT_EQ(r.exit_code, 1) << r.out;
    expect_no_secret(r.out);
    auto v = boost::json::parse(r.out).as_object();
    EXPECT_EQ(v.at("failed_phase").as_string(), "ppp_auth");
    EXPECT_EQ(v.at("tunnel").at("mschap_error").as_int64(), 691);
    EXPECT_EQ(v.at("windows_error").as_string(), "691") << r.out;
    EXPECT_TRUE(has_finding(v, "sstp.auth_rejected")) << r.out;
    EXPECT_FALSE(has_finding(v, "sstp.auth_policy")) << r.out;
    // The refusal was the policy's: the password was right (SoftEther logs the authentication, then the policy).
    EXPECT_EQ(server_log_lines({"\"denied\"", "security policy"}), refusals_before + 1)
        << "SoftEther did not log a policy refusal of user denied";
    // On the wire (tshark's CHAP dissector): the server's CHAP Failure says E=691, nothing about a policy.
    if (!wire.installed()) GTEST_SKIP() << "tshark is not installed: the wire was not judged";
    ASSERT_TRUE(wire.started()) << "tshark did not start capturing in the vantage namespace";
    ASSERT_TRUE(wire.complete()) << "tshark's capture did not reach the end of the probe";
    auto failure = wire.fields(keylog, "chap.code == 4 && ip.src == " + var("SSTP_HUBS_ADDR"), "chap.message");
    EXPECT_EQ(failure.rfind("E=691 ", 0), 0u) << failure;
}

// NOPOOL's SecureNAT pool holds one address, which the lab took at start (dhcp-hold.py through the hub's Local
// Bridge). Measured (tshark): SoftEther authenticates, tries DHCP for 5 s (IPC_DHCP_TIMEOUT), then answers our
// IPCP Configure-Request with a Configure-Reject of every option, IP-Address included: IPCP refused, 720.
TEST_F(SstpLoginLab, ExhaustedAddressPoolIsIpcpRejectedAnd720) {
    const int dhcp_failures_before = server_log_lines({"Acquiring an IP address from the DHCP server failed"});
    const std::string keylog = testlab::lab_run_dir() + "/test-login-nopool-keys";
    files_.push_back(keylog);
    WireCapture wire(var("VANTAGE_CLEAN"), var("SSTP_HUBS_ADDR"), testlab::lab_run_dir() + "/test-login-nopool");
    auto r = login(var("SSTP_NOPOOL_USER") + "@" + var("SSTP_NOPOOL_HUB"), "SSTP_NOPOOL_PASSWORD",
                   "--format json --keylog " + keylog);
    wire.stop();
    EXPECT_EQ(r.exit_code, 1) << r.out;
    expect_no_secret(r.out);
    auto v = boost::json::parse(r.out).as_object();
    EXPECT_EQ(v.at("failed_phase").as_string(), "ipcp") << r.out;
    EXPECT_TRUE(v.at("tunnel").at("authenticated").as_bool()) << r.out;
    EXPECT_FALSE(v.at("tunnel").at("connected").as_bool());
    EXPECT_TRUE(has_finding(v, "sstp.ipcp_failed")) << r.out;
    EXPECT_EQ(v.at("windows_error").as_string(), "720") << r.out;
    EXPECT_NE(r.out.find("Configure-Reject"), std::string::npos) << r.out;
    // The pool really was exhausted: SoftEther logged its failed DHCP request for this login.
    EXPECT_EQ(server_log_lines({"Acquiring an IP address from the DHCP server failed"}), dhcp_failures_before + 1);
    // On the wire (tshark's IPCP dissector): the server's IPCP Configure-Reject (code 4) lists IP-Address (type 3).
    if (!wire.installed()) GTEST_SKIP() << "tshark is not installed: the wire was not judged";
    ASSERT_TRUE(wire.started()) << "tshark did not start capturing in the vantage namespace";
    ASSERT_TRUE(wire.complete()) << "tshark's capture did not reach the end of the probe";
    auto reject = wire.fields(keylog, "ipcp && ppp.code == 4 && ip.src == " + var("SSTP_HUBS_ADDR"), "ipcp.opt.type");
    EXPECT_FALSE(reject.empty()) << "no IPCP Configure-Reject from the server on the wire";
    std::istringstream types(reject);
    bool address_rejected = false;
    for (std::string t; std::getline(types, t, ',');) address_rejected = address_rejected || std::atoi(t.c_str()) == 3;
    EXPECT_TRUE(address_rejected) << reject;
}

// NOROUTE's far side is a kernel (192.168.31.2/32) with no route back to the hub's pool: the tunnel comes up with
// an address, the echo requests reach the far kernel (its counters say so), and no reply can leave it.
TEST_F(SstpLoginLab, RouteToTheFarSideRemovedIsConnectedButTrafficDoesNotPass) {
    const std::string far = var("SSTP_NOROUTE_FAR_NETNS");
    const long echoes_before = icmp_counter(far, "InEchos");
    const long replies_before = icmp_counter(far, "OutEchoReps");
    ASSERT_GE(echoes_before, 0);
    auto r = login(var("SSTP_NOROUTE_USER") + "@" + var("SSTP_NOROUTE_HUB"), "SSTP_NOROUTE_PASSWORD",
                   "--ping " + var("SSTP_NOROUTE_FAR_ADDR") + " --ping-count 2 --format json");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    expect_no_secret(r.out);
    auto v = boost::json::parse(r.out).as_object();
    EXPECT_EQ(v.at("failed_phase").as_string(), "data_path") << r.out;
    const auto& t = v.at("tunnel").as_object();
    EXPECT_TRUE(t.at("connected").as_bool());
    EXPECT_EQ(std::string(t.at("address").as_string()).rfind("192.168.31.", 0), 0u) << r.out;
    EXPECT_EQ(t.at("ping").at("replies").as_int64(), 0);
    EXPECT_TRUE(has_finding(v, "sstp.traffic_does_not_pass")) << r.out;
    // The requests crossed the hub and reached the far kernel, which sent no reply: the route back is what is missing.
    EXPECT_GE(icmp_counter(far, "InEchos"), echoes_before + 1);
    EXPECT_EQ(icmp_counter(far, "OutEchoReps"), replies_before);
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
