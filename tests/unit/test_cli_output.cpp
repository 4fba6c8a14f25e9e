// Nothing lost: the vpnprobe binary's report writes are checked. A full device, a closed pipe, a missing
// folder and a full file system each end with a message and a non-zero exit; --output replaces the
// previous report atomically. The scenario probes 127.0.0.1 only: an IKEv2 probe to a UDP port nothing
// listens on, which the kernel answers at once with "port unreachable" (the expected outcome, so a run
// whose report is written exits 0).
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/run_command.hpp"
#include "tests/support/spawn_process.hpp"

namespace {

using testing::HasSubstr;
namespace asio = boost::asio;

struct Exit {
    int code = -1;  // exit status, -1 when it did not exit normally
    int signal = 0;  // the signal that ended it, if one did
    std::string stderr_text;
};

class CliOutput : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/vpnprobe-cli-output-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    // A scenario whose one probe ends at once on 127.0.0.1 (or sends to `port` when given).
    std::string scenario(std::uint16_t port = 0, const std::string& expect = "{failed_phase: ike_sa_init}") {
        if (!port) {
            asio::io_context io;
            asio::ip::udp::socket s(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
            port = s.local_endpoint().port();
        }
        std::string path = dir_ + "/scenario.yaml";
        std::ofstream(path) << "vantage_points: [{name: lo, source: 127.0.0.1}]\n"
                               "targets: [{name: t, host: 127.0.0.1, ports: {ikev2: "
                            << port << "}}]\nprobes: [{type: ikev2, timeout: 1, options: {sa_init_only: true}, expect: "
                            << expect << "}]\n";
        return path;
    }

    // Runs vpnprobe with stdout on `out_fd` (-1: /dev/null), stderr captured, SIGPIPE at its default.
    Exit vpnprobe(const std::vector<std::string>& args, int out_fd = -1) { return finish(start(args, out_fd)); }

    // Starts vpnprobe (SIGPIPE, SIGINT and SIGTERM at their defaults); -1 when it cannot.
    pid_t start(const std::vector<std::string>& args, int out_fd = -1) {
        pid_t pid = vpnprobe::testsupport::spawn_process(VPNPROBE_BINARY, args, {out_fd, "/dev/null", dir_ + "/stderr"},
                                                         {SIGPIPE, SIGINT, SIGTERM});
        if (pid < 0) ADD_FAILURE() << "cannot start " << VPNPROBE_BINARY;
        return pid;
    }

    Exit finish(pid_t pid) {
        Exit e;
        if (pid <= 0) return e;
        std::string err = dir_ + "/stderr";
        int status = 0;
        ::waitpid(pid, &status, 0);
        if (WIFEXITED(status)) e.code = WEXITSTATUS(status);
        if (WIFSIGNALED(status)) e.signal = WTERMSIG(status);
        std::ifstream in(err);
        std::stringstream ss;
        ss << in.rdbuf();
        e.stderr_text = ss.str();
        return e;
    }

    std::string read(const std::string& path) {
        std::ifstream in(path);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }

    std::string dir_;
};

TEST_F(CliOutput, TheScenarioItselfPassesAndItsReportIsWritten) {
    // The baseline the failures below differ from: same run, a writable --output, exit 0.
    std::string out = dir_ + "/report.json";
    auto e = vpnprobe({"run", scenario(), "--format", "json", "--output", out});
    EXPECT_EQ(e.code, 0) << e.stderr_text;
    EXPECT_THAT(read(out), HasSubstr("\"passed\":true"));
}

TEST_F(CliOutput, OutputToAFullDeviceFails) {
    auto e = vpnprobe({"run", scenario(), "--format", "json", "--output", "/dev/full"});
    EXPECT_EQ(e.code, 4) << e.stderr_text;
    EXPECT_THAT(e.stderr_text, HasSubstr("--output /dev/full"));
    EXPECT_THAT(e.stderr_text, HasSubstr("No space left on device"));
    struct stat st {};
    ASSERT_EQ(::stat("/dev/full", &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode)) << "a device named as --output is written in place, never replaced";
}

TEST_F(CliOutput, StdoutOnAFullDeviceFails) {
    int full = ::open("/dev/full", O_WRONLY);
    ASSERT_GE(full, 0);
    auto run = vpnprobe({"run", scenario(), "--format", "json"}, full);
    auto sstp = vpnprobe({"sstp", "127.0.0.1:1", "--source", "127.0.0.1", "--timeout", "1", "--format", "json"}, full);
    ::close(full);
    EXPECT_EQ(run.code, 4) << run.stderr_text;
    EXPECT_THAT(run.stderr_text, HasSubstr("stdout: No space left on device"));
    EXPECT_EQ(sstp.code, 4) << "the single-probe commands check their writes too: " << sstp.stderr_text;
    EXPECT_THAT(sstp.stderr_text, HasSubstr("No space left on device"));
}

TEST_F(CliOutput, StdoutIntoAClosedPipeFailsWithAMessage) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    ::close(fds[0]);  // nobody will ever read
    auto e = vpnprobe({"run", scenario(), "--format", "json"}, fds[1]);
    auto ike = vpnprobe({"ikev2", "127.0.0.1", "--port", "9", "--source", "127.0.0.1", "--timeout", "1"}, fds[1]);
    ::close(fds[1]);
    EXPECT_EQ(e.signal, 0) << "killed by signal " << e.signal << " instead of reporting the error";
    EXPECT_EQ(e.code, 4) << e.stderr_text;
    EXPECT_THAT(e.stderr_text, HasSubstr("Broken pipe"));
    EXPECT_EQ(ike.signal, 0);
    EXPECT_EQ(ike.code, 4) << ike.stderr_text;
}

TEST_F(CliOutput, AMissingOutputFolderIsRefusedBeforeAnyProbeRuns) {
    // A UDP socket stands where the probe would send: if the run started, an IKE_SA_INIT would arrive.
    asio::io_context io;
    asio::ip::udp::socket listener(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    listener.non_blocking(true);
    auto e = vpnprobe({"run", scenario(listener.local_endpoint().port()), "--output", dir_ + "/no/such/folder/r.json"});
    EXPECT_EQ(e.code, 2) << e.stderr_text;
    EXPECT_THAT(e.stderr_text, HasSubstr(dir_ + "/no/such/folder"));
    char buf[2048];
    boost::system::error_code ec;
    listener.receive(asio::buffer(buf), 0, ec);
    EXPECT_EQ(ec, asio::error::would_block) << "a probe ran although the report had nowhere to go";
    auto folder = vpnprobe({"run", scenario(), "--output", dir_});
    EXPECT_EQ(folder.code, 2) << "a folder is not a file: " << folder.stderr_text;
}

TEST_F(CliOutput, OutputReplacesTheReportAtomically) {
    std::string out = dir_ + "/report.json";
    std::ofstream(out) << "the previous report\n";
    ::chmod(out.c_str(), 0640);
    auto e = vpnprobe({"run", scenario(), "--format", "json", "--output", out});
    EXPECT_EQ(e.code, 0) << e.stderr_text;
    EXPECT_THAT(read(out), HasSubstr("\"rows\""));
    EXPECT_THAT(read(out), testing::Not(HasSubstr("previous")));
    struct stat st {};
    ASSERT_EQ(::stat(out.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u) << "the report keeps the permissions of the one it replaces";
    std::vector<std::string> names;
    for (const auto& f : std::filesystem::directory_iterator(dir_)) names.push_back(f.path().filename().string());
    EXPECT_THAT(names, testing::UnorderedElementsAre("scenario.yaml", "report.json", "stderr"))
        << "no temporary file is left behind";
}

// A full file system (a 1 MiB tmpfs, filled, in a mount namespace of the command's own): the write fails,
// the previous report stays whole, and no temporary file is left.
TEST_F(CliOutput, AFailedWriteLeavesThePreviousReportWhole) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (a tmpfs in a private mount namespace)";
    std::string mnt = dir_ + "/full";
    std::filesystem::create_directory(mnt);
    std::string script = "mount -t tmpfs -o size=1m tmpfs " + mnt + " || exit 99; printf 'the previous report' > " +
                         mnt + "/report.json; dd if=/dev/zero of=" + mnt + "/fill bs=64k >/dev/null 2>&1; " +
                         VPNPROBE_BINARY + " run " + scenario() + " --format json --output " + mnt + "/report.json 2>" +
                         dir_ + "/err; echo rc=\\$?; cat " + mnt + "/report.json; echo; ls -A " + mnt;
    auto r = vpnprobe::testsupport::run_command("unshare --mount sh -c \"" + script + "\"");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_THAT(r.out, HasSubstr("rc=4\n"));
    EXPECT_THAT(r.out, HasSubstr("\nthe previous report\n")) << "the old report must not be truncated";
    EXPECT_THAT(r.out, HasSubstr("\nfill\nreport.json\n")) << "only the filler and the old report: no temporary file";
    EXPECT_THAT(read(dir_ + "/err"), HasSubstr("No space left on device"));
}

// The single-probe commands on SIGINT/SIGTERM: the probe in flight ends as interrupted, its partial
// result is printed, and the exit status is 128 + the signal. The "servers" are sockets of this test that
// never answer, so each probe would otherwise wait for its 30 s deadline; the test signals once the
// probe's first packet has arrived (no timing involved).
// An unwritable --output folder (a read-only tmpfs in a private mount namespace; root may write anywhere
// else) is refused before the run, with the system's reason.
TEST_F(CliOutput, AnUnwritableOutputFolderIsRefusedBeforeTheRun) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (a tmpfs in a private mount namespace)";
    std::string mnt = dir_ + "/ro";
    std::filesystem::create_directory(mnt);
    std::string script = "mount -t tmpfs -o ro,size=1m tmpfs " + mnt + " || exit 99; " + VPNPROBE_BINARY + " run " +
                         scenario() + " --output " + mnt + "/report.json 2>&1; echo rc=\\$?";
    auto r = vpnprobe::testsupport::run_command("unshare --mount sh -c \"" + script + "\"");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_THAT(r.out, HasSubstr("rc=2\n"));
    EXPECT_THAT(r.out, HasSubstr("the folder " + mnt + " is not writable: Read-only file system"));
}

// Something to read on `fd` within 20 s: a guard against hanging, not a timing claim.
bool readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 20000) == 1;
}

TEST_F(CliOutput, SingleProbesEndInterruptedOnSigintAndSigterm) {
    asio::io_context io;
    asio::ip::udp::socket silent(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    std::string ike_out = dir_ + "/ike.json";
    int fd = ::open(ike_out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t ike = start({"ikev2", "127.0.0.1", "--port", std::to_string(silent.local_endpoint().port()), "--source",
                       "127.0.0.1", "--timeout", "30", "--sa-init-only", "--format", "json"},
                      fd);
    ::close(fd);
    char buf[4096];
    ASSERT_TRUE(readable(silent.native_handle())) << "no IKE_SA_INIT arrived (20 s hang guard)";
    silent.receive(asio::buffer(buf));  // the IKE_SA_INIT: the probe now waits for an answer
    ASSERT_EQ(::kill(ike, SIGINT), 0);
    auto e = finish(ike);
    EXPECT_EQ(e.code, 130) << e.stderr_text;
    EXPECT_THAT(read(ike_out), HasSubstr("\"name\":\"ike_sa_init\",\"outcome\":\"interrupted\""));
    EXPECT_THAT(read(ike_out), HasSubstr("probe.interrupted"));

    asio::ip::tcp::acceptor acceptor(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    std::string sstp_out = dir_ + "/sstp.json";
    fd = ::open(sstp_out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t sstp = start({"sstp", "127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()), "--source",
                        "127.0.0.1", "--timeout", "30", "--format", "json"},
                       fd);
    ::close(fd);
    ASSERT_TRUE(readable(acceptor.native_handle())) << "no connection (20 s hang guard)";
    asio::ip::tcp::socket conn = acceptor.accept();
    ASSERT_TRUE(readable(conn.native_handle())) << "no ClientHello (20 s hang guard)";
    conn.receive(asio::buffer(buf));  // the ClientHello: the probe now waits in its TLS handshake
    ASSERT_EQ(::kill(sstp, SIGTERM), 0);
    e = finish(sstp);
    EXPECT_EQ(e.code, 143) << e.stderr_text;
    EXPECT_THAT(read(sstp_out), HasSubstr("\"name\":\"tls_handshake\",\"outcome\":\"interrupted\""));
}

}  // namespace
