// SIGINT and SIGTERM sent to a real `vpnprobe run` in the lab while probes are in flight: the process
// exits 130 / 143 after a polite end, the row that finished is reported whole, the rows in flight are
// marked interrupted, and the servers saw the polite end:
//  - IKEv2: strongSwan `nofrag` from the fragment-dropping vantage. IKE_SA_INIT works, the IKE_AUTH
//    response (one 3.5 KB datagram, IP-fragmented) is lost, so the probe waits with an IKE SA set up.
//    On the signal it sends an encrypted INFORMATIONAL Delete: charon's log shows it parsed (so it
//    decrypted with that IKE SA's keys) and the report says our Delete was answered.
//  - SSTP: SoftEther `unfixed` accepts SSTP_DUPLEX_POST and never answers, so the probe waits in its http
//    phase with TLS up (no SSTP session yet, so no CALL_ABORT). On the signal it sends TLS close_notify
//    and waits briefly for the server's answer: SoftEther then closes the connection itself, so the
//    server's socket (ss, in its namespace) ends in TIME-WAIT, the state of the side that closes first,
//    and its log says the connection was disconnected. Had we only closed (FIN first, no close_notify),
//    the server's side would have closed passively and never be in TIME-WAIT.
// Every probe runs from a lab vantage namespace. Durations are not asserted: a 20 s guard only keeps a hung
// process from hanging the test.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

#include "lab_env.hpp"
#include "tests/support/spawn_process.hpp"

namespace {

using namespace vpnprobe;
namespace json = boost::json;
using namespace std::chrono_literals;

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Lines of a log after the first `skip` lines.
std::string log_since(const std::string& path, std::size_t skip) {
    std::istringstream in(slurp(path));
    std::string line, out;
    for (std::size_t n = 0; std::getline(in, line); ++n)
        if (n >= skip) out += line + "\n";
    return out;
}

std::size_t line_count(const std::string& path) {
    std::istringstream in(slurp(path));
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) ++n;
    return n;
}

// charon's log (lines "HH:MM:SS NN[ENC] ..."): a `what` line whose datagram, the last one the same thread
// received before it, came from `peer`. Ties a parsed message to the vantage it came from.
bool charon_saw_from(const std::string& log, const std::string& what, const std::string& peer) {
    std::istringstream in(log);
    std::string line;
    std::map<std::string, std::string> last_received;  // thread -> its last "received packet" line
    while (std::getline(in, line)) {
        if (line.size() < 12) continue;
        std::string thread = line.substr(9, 2);
        if (line.find("received packet: from ") != std::string::npos) last_received[thread] = line;
        if (line.find(what) != std::string::npos &&
            last_received[thread].find("from " + peer + "[") != std::string::npos)
            return true;
    }
    return false;
}

bool poll_until(const std::function<bool()>& done, std::chrono::seconds guard) {
    auto end = std::chrono::steady_clock::now() + guard;
    while (std::chrono::steady_clock::now() < end) {
        if (done()) return true;
        std::this_thread::sleep_for(100ms);
    }
    return done();
}

// A TCP connection as the server's kernel sees it (ss -tin in the server's namespace).
struct ServerSocket {
    std::string state;
    long bytes_received = -1;
};

class InterruptLab : public testlab::LabTest {
protected:
    void SetUp() override { use_lab({"sstp-lab.env", "ike-lab.env"}); }

    std::string write(const std::string& name, const std::string& text) {
        std::string path = testlab::lab_run_dir() + "/" + name;
        std::ofstream(path) << text;
        return path;
    }

    std::string scenario() {
        return "version: 1\nname: interrupt\nvantage_points:\n"
               "  - {name: clean, netns: " +
               var("VANTAGE_CLEAN") +
               "}\n"
               "  - {name: fragdrop, netns: " +
               var("VANTAGE_FRAGDROP") +
               "}\n"
               "targets:\n"
               "  - {name: sstp-rsa, host: " +
               var("SSTP_RSA_ADDR") + ", sni: vpn.test, ca: " + var("LAB_CA") +
               "}\n"
               "  - {name: sstp-stall, host: " +
               var("SSTP_UNFIXED_ADDR") + ", sni: vpn.test, ca: " + var("LAB_CA") +
               "}\n"
               "  - {name: ike-nofrag, host: " +
               var("IKE_NOFRAG_ADDR") + ", sni: vpn.test, ca: " + var("IKE_CA") +
               "}\n"
               "probes:\n"
               "  - {name: sstp, type: sstp, targets: [sstp-rsa], vantage_points: [clean], timeout: 10}\n"
               "  - {name: sstp-stall, type: sstp, targets: [sstp-stall], vantage_points: [clean], timeout: 30}\n"
               "  - {name: ikev2-lost, type: ikev2, targets: [ike-nofrag], vantage_points: [fragdrop], timeout: 30,"
               " options: {preset: modern}}\n";
    }

    // Every TCP connection of the SSTP server namespace from `peer` (address), by the peer's port.
    std::map<std::string, ServerSocket> server_sockets(const std::string& netns, const std::string& peer) {
        auto r = testlab::run_command("ip netns exec " + netns + " ss -tainH");
        std::map<std::string, ServerSocket> out;
        std::istringstream in(r.out);
        std::string line, port;
        while (std::getline(in, line)) {
            std::istringstream words(line);
            std::string state, recvq, sendq, local, remote;
            if (!line.empty() && line[0] != ' ' && line[0] != '\t' &&
                (words >> state >> recvq >> sendq >> local >> remote)) {
                port.clear();
                if (remote.rfind(peer + ":", 0) == 0) {
                    port = remote.substr(peer.size() + 1);
                    out[port].state = state;
                }
                continue;
            }
            auto at = line.find("bytes_received:");
            if (!port.empty() && at != std::string::npos) out[port].bytes_received = std::stol(line.substr(at + 15));
        }
        return out;
    }

    // Starts vpnprobe directly (no shell: a shell's background job would ignore SIGINT).
    pid_t start(const std::vector<std::string>& args, const std::string& out, const std::string& err) {
        return testsupport::spawn_process(VPNPROBE_BINARY, args, {-1, out, err}, {SIGINT, SIGTERM});
    }

    // The whole scenario: start the run, wait until both slow probes are in flight (seen from the servers)
    // and the fast one is done, send `sig`, check the exit code, the report and the servers.
    // `extra`: more arguments for `vpnprobe run` (and `tag_suffix` keeps its files apart).
    void interrupt_and_check(int sig, bool to_output_file, const std::vector<std::string>& extra = {},
                             const std::string& tag_suffix = "") {
        const std::string dir = testlab::lab_run_dir();
        const std::string tag = std::string(sig == SIGINT ? "sigint" : "sigterm") + tag_suffix;
        const std::string file = write("scenario-interrupt-" + tag + ".yaml", scenario());
        const std::string report = dir + "/interrupt-" + tag + ".json";
        const std::string out = dir + "/interrupt-" + tag + ".out", err = dir + "/interrupt-" + tag + ".err";
        const std::string charon_log = var("IKE_NOFRAG_LOG");
        const std::string clean = var("VANTAGE_CLEAN_ADDR"), fragdrop = var("VANTAGE_FRAGDROP_ADDR");
        const std::string stall_ns = var("SSTP_UNFIXED_NETNS");
        auto newest_log = [](const std::string& folder) {
            std::string newest;
            for (const auto& f : std::filesystem::directory_iterator(folder))
                if (f.path().string() > newest) newest = f.path().string();
            return newest;
        };
        const std::string rsa_log = newest_log(dir + "/sstp/rsa/log/server_log");
        const std::string stall_log = newest_log(dir + "/sstp/unfixed/log/server_log");
        const std::size_t rsa_mark = line_count(rsa_log), stall_mark = line_count(stall_log);
        std::error_code ec;
        std::filesystem::remove(report, ec);
        auto before = server_sockets(stall_ns, clean);
        const std::size_t charon_mark = line_count(charon_log);

        std::vector<std::string> args{"run", file, "--format", "json"};
        if (to_output_file) args.insert(args.end(), {"--output", report});
        args.insert(args.end(), extra.begin(), extra.end());
        pid_t pid = start(args, out, err);
        ASSERT_GT(pid, 0);
        struct Reaper {  // whatever happens, the process does not outlive the test
            pid_t pid;
            bool reaped = false;
            ~Reaper() {
                if (!reaped) {
                    ::kill(pid, SIGKILL);
                    ::waitpid(pid, nullptr, 0);
                }
            }
        } reaper{pid};

        // In flight: the stalled SSTP connection has sent its HTTP request (more than the TLS handshake), and
        // strongSwan has answered our IKE_AUTH (with the response the path drops).
        std::string stall_port;
        bool sstp_waiting = poll_until(
            [&] {
                for (const auto& [port, s] : server_sockets(stall_ns, clean))
                    if (!before.count(port) && s.state == "ESTAB" && s.bytes_received > 500) {
                        stall_port = port;
                        return true;
                    }
                return false;
            },
            15s);
        bool ike_waiting = poll_until(
            [&] {
                auto since = log_since(charon_log, charon_mark);
                return since.find("from " + fragdrop) != std::string::npos &&
                       since.find("generating IKE_AUTH response 1") != std::string::npos;
            },
            15s);
        ASSERT_TRUE(sstp_waiting) << "the SSTP probe never reached the stalling server; stderr: " << slurp(err);
        ASSERT_TRUE(ike_waiting) << "strongSwan never answered our IKE_AUTH: " << log_since(charon_log, charon_mark);
        // The fast row is done when SoftEther has seen its connection end.
        bool fast_done = poll_until(
            [&] {
                return log_since(rsa_log, rsa_mark).find("The connection with the client (IP address " + clean + ",") !=
                       std::string::npos;
            },
            15s);
        ASSERT_TRUE(fast_done) << "the fast SSTP row did not finish: " << log_since(rsa_log, rsa_mark);

        ASSERT_EQ(::kill(pid, sig), 0);
        int status = 0;
        bool exited = poll_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, 20s);
        ASSERT_TRUE(exited) << "vpnprobe did not exit after the signal (hang guard)";
        reaper.reaped = true;
        ASSERT_TRUE(WIFEXITED(status)) << "ended by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        EXPECT_EQ(WEXITSTATUS(status), 128 + sig) << slurp(err);
        EXPECT_NE(slurp(err).find(sig == SIGINT ? "SIGINT" : "SIGTERM"), std::string::npos) << slurp(err);

        // The report, where it was asked for.
        std::string text = slurp(to_output_file ? report : out);
        if (to_output_file) {
            EXPECT_EQ(slurp(out), "") << "with --output nothing goes to stdout";
        }
        json::value v;
        ASSERT_NO_THROW(v = json::parse(text)) << text;
        const auto& root = v.as_object();
        EXPECT_EQ(root.at("interrupted").as_string(), sig == SIGINT ? "SIGINT" : "SIGTERM");
        EXPECT_FALSE(root.at("passed").as_bool());
        EXPECT_EQ(root.at("rows_interrupted").as_int64(), 2);
        std::map<std::string, const json::object*> by;
        for (const auto& row : root.at("rows").as_array())
            by[std::string(row.at("probe").as_string())] = &row.as_object();
        ASSERT_EQ(by.size(), 3u) << text;

        const auto& done = *by.at("sstp");
        EXPECT_FALSE(done.at("interrupted").as_bool()) << json::serialize(done);
        EXPECT_TRUE(done.at("passed").as_bool()) << "the row that finished is judged as usual";
        EXPECT_EQ(done.at("result").at("sstp").at("close").as_string(),
                  "CALL_DISCONNECT acknowledged (SSTP_MSG_CALL_DISCONNECT_ACK)");
        EXPECT_EQ(done.at("result").at("tls").at("chain").as_array().size(), 1u) << "reported in full";

        auto phase_outcome = [](const json::object& row, const std::string& name) -> std::string {
            for (const auto& p : row.at("result").at("phases").as_array())
                if (p.at("name").as_string() == name) return std::string(p.at("outcome").as_string());
            return "(missing)";
        };
        const auto& stall = *by.at("sstp-stall");
        EXPECT_TRUE(stall.at("interrupted").as_bool());
        EXPECT_FALSE(stall.at("passed").as_bool());
        EXPECT_EQ(stall.at("failed_phase").as_string(), "http");
        EXPECT_EQ(phase_outcome(stall, "http"), "interrupted") << json::serialize(stall);
        EXPECT_NE(std::string(stall.at("result").at("sstp").at("close").as_string()).find("close_notify"),
                  std::string::npos)
            << json::serialize(stall);

        const auto& ike = *by.at("ikev2-lost");
        EXPECT_TRUE(ike.at("interrupted").as_bool());
        EXPECT_EQ(ike.at("failed_phase").as_string(), "ike_auth");
        EXPECT_EQ(phase_outcome(ike, "ike_auth"), "interrupted") << json::serialize(ike);
        EXPECT_EQ(phase_outcome(ike, "delete"), "ok") << json::serialize(ike);
        EXPECT_TRUE(ike.at("result").at("ike").at("deleted").as_bool()) << "strongSwan answered our Delete";

        // The servers' side. strongSwan decrypted and parsed our Delete (request 2, after IKE_AUTH 1) and
        // answered it.
        auto charon = log_since(charon_log, charon_mark);
        EXPECT_TRUE(charon_saw_from(charon, "parsed INFORMATIONAL request 2 [ D ]", fragdrop)) << charon;
        EXPECT_NE(charon.find("generating INFORMATIONAL response 2"), std::string::npos) << charon;
        // SoftEther (stalled until then): it closed our connection first, in answer to close_notify.
        auto after = server_sockets(stall_ns, clean);
        ASSERT_TRUE(after.count(stall_port)) << "the server's socket for our connection is gone";
        EXPECT_EQ(after[stall_port].state, "TIME-WAIT")
            << "the server did not close first: no close_notify reached it?";
        EXPECT_NE(log_since(stall_log, stall_mark)
                      .find("The connection with the client (IP address " + clean + ", Port number " + stall_port +
                            ") has been disconnected."),
                  std::string::npos)
            << log_since(stall_log, stall_mark);
    }
};

// A second signal ends the process at once, by that signal, without waiting for the polite end. The
// probe (`vpnprobe ikev2`, from the clean vantage) goes to the port-splitting load balancer: IKE_SA_INIT
// reaches backend A, IKE_AUTH on 4500 reaches backend B, which does not know the IKE SA and stays silent.
// The first SIGINT makes the probe send its Delete to 4500, where nobody answers, so its polite end lasts
// its whole 1.5 s; the second SIGINT comes as soon as the first is acknowledged on stderr.
TEST_F(InterruptLab, ASecondSignalEndsAtOnce) {
    const std::string dir = testlab::lab_run_dir();
    const std::string out = dir + "/interrupt-twice.out", err = dir + "/interrupt-twice.err";
    const std::string b_log = var("IKE_LB_B_LOG");
    const std::size_t b_mark = line_count(b_log);
    pid_t pid = start({"ikev2", var("IKE_LB_ADDR"), "--netns", var("VANTAGE_CLEAN"), "--ca", var("IKE_CA"), "--name",
                       "vpn.test", "--preset", "modern", "--timeout", "30", "--format", "json"},
                      out, err);
    ASSERT_GT(pid, 0);
    struct Reaper {
        pid_t pid;
        bool reaped = false;
        ~Reaper() {
            if (!reaped) {
                ::kill(pid, SIGKILL);
                ::waitpid(pid, nullptr, 0);
            }
        }
    } reaper{pid};
    bool waiting = poll_until(
        [&] { return log_since(b_log, b_mark).find("IKE_SA checkout not successful") != std::string::npos; }, 15s);
    ASSERT_TRUE(waiting) << "IKE_AUTH never reached backend B: " << log_since(b_log, b_mark);
    ASSERT_EQ(::kill(pid, SIGINT), 0);
    bool acknowledged = poll_until([&] { return slurp(err).find("SIGINT: ending") != std::string::npos; }, 15s);
    ASSERT_TRUE(acknowledged) << slurp(err);
    ASSERT_EQ(::kill(pid, SIGINT), 0);
    int status = 0;
    bool exited = poll_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, 20s);
    ASSERT_TRUE(exited) << "hang guard";
    reaper.reaped = true;
    ASSERT_TRUE(WIFSIGNALED(status)) << "exited with " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1)
                                     << ": the polite end was not cut short; stderr: " << slurp(err);
    EXPECT_EQ(WTERMSIG(status), SIGINT);
    EXPECT_NE(slurp(err).find("second signal"), std::string::npos) << slurp(err);
    EXPECT_EQ(slurp(out), "") << "no report after a second signal";
}

TEST_F(InterruptLab, SigintEndsPolitelyReportsAndExits130) { interrupt_and_check(SIGINT, true); }

TEST_F(InterruptLab, SigtermEndsPolitelyReportsAndExits143) { interrupt_and_check(SIGTERM, false); }

// The same on two threads, one worker each (--parallel 2): the rows are taken in order, so the stalled SSTP row
// and the IKEv2 row (taken when the fast row ends) run on different threads, and one of them is not on the
// thread whose io_context hears the signal. Both end politely: the stop reached every thread.
TEST_F(InterruptLab, SigintDuringARunOnTwoThreadsEndsPolitelyOnBoth) {
    interrupt_and_check(SIGINT, true, {"--threads", "2", "--parallel", "2"}, "-threads");
}

}  // namespace
