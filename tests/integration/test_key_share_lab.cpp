// The run's shared Diffie-Hellman key share against a real strongSwan (the frag server, over IPv6 from the clean
// vantage namespace): two SA_INIT-only probes and a full probe of one scenario run send the same KE public value,
// every one is answered with the server's own KE, and the full probe still verifies the server's AUTH; with
// `fresh_key_share: true` every exchange sends its own. The judge of "the same value" is a capture taken and
// decoded by tshark inside the vantage namespace, not our JSON (which must agree with it).
#include <signal.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "lab_env.hpp"

namespace {

using namespace vpnprobe;

// tshark capturing in a namespace and decoding each IKE_SA_INIT as it comes (-l: a line per packet, flushed), until
// stop(). Readiness is proven, not waited for: canary datagrams to 127.0.0.1:9 inside the namespace (its own
// loopback, so nothing leaves it) are sent until tshark has printed one.
class Capture {
public:
    Capture(const std::string& netns, const std::string& filter, const std::string& file) : netns_(netns), file_(file) {
        std::filesystem::remove(file_);
        auto r = testlab::run_command("ip netns exec " + netns + " tshark -l -n -i any -f '(" + filter +
                                      ") or (udp dst port 9 and host 127.0.0.1)' -T fields -E separator=/t"
                                      " -e udp.dstport -e isakmp.ispi -e isakmp.flag_r -e isakmp.key_exchange.dh_group"
                                      " -e isakmp.key_exchange.data >" +
                                      file_ + " 2>" + file_ + ".err & echo $!");
        pid_ = std::atoi(r.out.c_str());
        ready_ = pid_ > 0 && canary_seen();
    }
    // The packets so far are all printed: a canary sent now has been printed after them.
    bool drain() { return canary_seen(); }
    ~Capture() { stop(); }
    bool ready() const { return ready_; }
    // Ends tshark (the process this object started) and waits until it is gone, so its output is complete.
    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        for (int i = 0; i < 200 && ::kill(pid_, 0) == 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        pid_ = 0;
    }
    const std::string& file() const { return file_; }

private:
    int canaries() const {
        std::ifstream in(file_);
        std::string line;
        int n = 0;
        while (std::getline(in, line)) n += line.rfind("9\t", 0) == 0 ? 1 : 0;
        return n;
    }
    // Sends canaries until tshark prints one more than it had (bounded).
    bool canary_seen() {
        const int before = canaries();
        for (int i = 0; i < 200; ++i) {
            testlab::run_command("ip netns exec " + netns_ +
                                 " python3 -c \"import socket; socket.socket(socket.AF_INET, "
                                 "socket.SOCK_DGRAM).sendto(b'canary', ('127.0.0.1', 9))\" 2>/dev/null");
            if (canaries() > before) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    }

    std::string netns_, file_;
    int pid_ = 0;
    bool ready_ = false;
};

// From the capture's lines: per initiator SPI, the KE data of its requests and whether a response carried a KE.
struct SaInit {
    std::set<std::string> request_ke;  // a COOKIE retry resends the same one
    bool answered_with_ke = false;
};
std::map<std::string, SaInit> sa_inits(const std::string& lines_file, int group) {
    std::map<std::string, SaInit> out;
    std::ifstream lines(lines_file);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream f(line);
        std::string port, spi, response, g, data;
        std::getline(f, port, '\t');
        std::getline(f, spi, '\t');
        std::getline(f, response, '\t');
        std::getline(f, g, '\t');
        std::getline(f, data, '\t');
        if (spi.empty() || g.empty() || std::atoi(g.c_str()) != group) continue;
        const bool is_response = response == "1" || response == "True";
        if (is_response) out[spi].answered_with_ke = out[spi].answered_with_ke || !data.empty();
        else if (!data.empty()) out[spi].request_ke.insert(data);
    }
    return out;
}

class KeyShareLab : public testlab::LabTest {
protected:
    void SetUp() override {
        use_lab({"ike-lab.env"});
        if (std::system("command -v tshark >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1") != 0)
            GTEST_SKIP() << "tshark (the judge) and python3 (its canary) are needed";
    }

    // Two SA_INIT-only probes, then a full one, one after another (parallel 1), all offering only ECP-256 so that
    // one key share serves them all; over IPv6 from the clean vantage namespace.
    std::string scenario(bool fresh) {
        const std::string o =
            std::string("proposals: [aes128gcm16-prfsha256-ecp256]") + (fresh ? ", fresh_key_share: true" : "");
        return "version: 1\nname: key-share\nparallel: 1\nvantage_points:\n  - {name: clean, netns: " +
               var("VANTAGE_CLEAN") + "}\ntargets:\n  - {name: frag6, host: '" + var("IKE_FRAG_ADDR6") +
               "', sni: vpn.test, ca: " + var("IKE_CA") +
               "}\nprobes:\n"
               "  - {name: s1, type: ikev2, timeout: 5, options: {" +
               o +
               ", sa_init_only: true}, expect: {success: true}}\n"
               "  - {name: s2, type: ikev2, timeout: 5, options: {" +
               o +
               ", sa_init_only: true}, expect: {success: true}}\n"
               "  - {name: full, type: ikev2, timeout: 5, options: {" +
               o + "}, expect: {success: true, ikev2: {auth_verified: true}}}\n";
    }

    // Runs the scenario under a capture; returns the rows by probe name and the capture's SA_INITs of group 19.
    void run(bool fresh, std::map<std::string, boost::json::object>& rows, std::map<std::string, SaInit>& seen) {
        const std::string dir = testlab::lab_run_dir();
        const std::string file = dir + (fresh ? "/key-share-fresh.yaml" : "/key-share-reused.yaml");
        std::ofstream(file) << scenario(fresh);
        Capture cap(var("VANTAGE_CLEAN"), "udp port 500 and ip6 host " + var("IKE_FRAG_ADDR6"),
                    dir + (fresh ? "/key-share-fresh.txt" : "/key-share-reused.txt"));
        ASSERT_TRUE(cap.ready()) << "tshark did not start capturing";
        auto r = testlab::run_command(std::string(VPNPROBE_BINARY) + " run " + file + " --format json");
        EXPECT_TRUE(cap.drain()) << "tshark did not print a canary sent after the run";
        cap.stop();
        ASSERT_EQ(r.exit_code, 0) << r.out;
        const boost::json::value report = boost::json::parse(r.out);
        for (const auto& row : report.at("rows").as_array())
            rows[std::string(row.at("probe").as_string())] = row.as_object();
        ASSERT_EQ(rows.size(), 3u) << r.out;
        seen = sa_inits(cap.file(), 19);
    }

    static bool reused(const boost::json::object& row) {
        return row.at("result").at("ike").at("key_share_reused").as_bool();
    }
};

TEST_F(KeyShareLab, OneRunSendsOneKeyShareAndEveryExchangeIsAnswered) {
    std::map<std::string, boost::json::object> rows;
    std::map<std::string, SaInit> seen;
    run(false, rows, seen);
    if (HasFatalFailure()) return;
    // Our report: the first exchange made the key pair, the other two reused it; the full probe verified AUTH.
    EXPECT_FALSE(reused(rows.at("s1")));
    EXPECT_TRUE(reused(rows.at("s2")));
    EXPECT_TRUE(reused(rows.at("full")));
    EXPECT_EQ(rows.at("full").at("result").at("ike").at("auth_verified"), true);
    // The judge: on the wire, three exchanges (three initiator SPIs) carried one KE value, each answered with the
    // server's KE.
    std::map<std::string, std::vector<std::string>> spis_by_ke;
    for (const auto& [spi, s] : seen) {
        EXPECT_EQ(s.request_ke.size(), 1u) << spi << ": one key share per exchange";
        for (const auto& ke : s.request_ke) spis_by_ke[ke].push_back(spi);
    }
    std::string shared;
    for (const auto& [ke, spis] : spis_by_ke)
        if (spis.size() >= 3) shared = ke;
    ASSERT_FALSE(shared.empty()) << "no KE value was sent by three exchanges; " << seen.size() << " exchanges seen";
    for (const auto& spi : spis_by_ke.at(shared))
        EXPECT_TRUE(seen.at(spi).answered_with_ke) << spi << " was not answered with the server's KE";
}

TEST_F(KeyShareLab, FreshKeyShareSendsANewValueForEveryExchange) {
    std::map<std::string, boost::json::object> rows;
    std::map<std::string, SaInit> seen;
    run(true, rows, seen);
    if (HasFatalFailure()) return;
    for (const char* p : {"s1", "s2", "full"}) EXPECT_FALSE(reused(rows.at(p))) << p;
    EXPECT_EQ(rows.at("full").at("result").at("ike").at("auth_verified"), true);
    // On the wire: at least our three exchanges, no two with the same value, each answered.
    ASSERT_GE(seen.size(), 3u);
    std::set<std::string> values;
    for (const auto& [spi, s] : seen) {
        EXPECT_EQ(s.request_ke.size(), 1u) << spi;
        for (const auto& ke : s.request_ke) EXPECT_TRUE(values.insert(ke).second) << spi << " repeats a key share";
        EXPECT_TRUE(s.answered_with_ke) << spi;
    }
}

}  // namespace
