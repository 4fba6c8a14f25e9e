// The real `vpnprobe` binary's exit codes and refusals, on loopback only: 3 when some row could not be
// probed (a harness error), 2 for every local mistake found before anything runs, each with the system's
// reason and, for a scenario, file:line:column.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/support/run_command.hpp"
#include "tests/support/test_certificate.hpp"

namespace {

using testing::HasSubstr;
using vpnprobe::testsupport::run_command;

struct Ran {
    int status;
    std::string out;  // stdout and stderr together
};

Ran vpnprobe(const std::string& args, const std::string& shell_prefix = "") {
    // stderr joins stdout first, before a prefix lowers `ulimit -n` (the shell would need a descriptor
    // above 9 to redirect later); descriptors 3-9 a test runner may have passed down (ctest does) are
    // closed, so that the limit leaves the binary the same descriptors wherever the test runs.
    auto r = run_command("exec 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-; " + shell_prefix +
                         std::string(VPNPROBE_BINARY) + " " + args);
    return Ran{r.exit_code, r.out};
}

// The tests that starve the binary of descriptors (ulimit -n) count them: under ASan/UBSan the sanitizers'
// runtime needs descriptors of its own (UBSan's vptr check tests memory through a pipe and reports false
// errors without one), so the budget is not the program's and those tests cannot mean anything there.
#ifdef __SANITIZE_ADDRESS__
#define SKIP_WHEN_SANITIZED() GTEST_SKIP() << "descriptor budgets are the sanitizer runtime's too in this build"
#else
#define SKIP_WHEN_SANITIZED() (void)0
#endif

// A folder of its own for each test's files, removed at the end.
class CliExitCodes : public testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("vpnprobe-cli-" + std::to_string(::getpid()) + "-" +
                                                         testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string file(const std::string& name, const std::string& text) {
        auto p = dir_ / name;
        std::ofstream(p) << text;
        return p.string();
    }
    std::filesystem::path dir_;
};

// No descriptors left (ulimit -n): the probes that cannot open their socket are the harness's failure,
// even though the scenario expects the probes to fail, and the exit code says "could not probe".
TEST_F(CliExitCodes, NoFileDescriptorsLeftIsAHarnessErrorAndExit3) {
    SKIP_WHEN_SANITIZED();
    std::string text = "parallel: 20\nvantage_points: [{name: lo, source: 127.0.0.1}]\ntargets:\n";
    for (int i = 0; i < 20; ++i) text += "  - {name: t" + std::to_string(i) + ", host: 127.0.0.1, ports: {ikev2: 9}}\n";
    text += "probes: [{type: ikev2, timeout: 2, options: {sa_init_only: true}, expect: {success: false}}]\n";
    auto scenario = file("emfile.yaml", text);
    // 12 descriptors: the binary, its io_context and a few sockets; 20 probes at once cannot all have one.
    auto r = vpnprobe("run " + scenario, "ulimit -n 12 && exec ");
    EXPECT_EQ(r.status, 3) << r.out;
    EXPECT_THAT(r.out, HasSubstr("ERROR (harness)"));
    EXPECT_THAT(r.out, HasSubstr("(EMFILE)"));
    EXPECT_THAT(r.out, HasSubstr("could not probe"));

    auto j = vpnprobe("run --format junit " + scenario, "ulimit -n 12 && exec ");
    EXPECT_EQ(j.status, 3);
    EXPECT_THAT(j.out, HasSubstr("<error message="));
    // Without the limit the same scenario probes every row and passes: the 3 above came from the limit.
    auto ok = vpnprobe("run " + scenario);
    EXPECT_EQ(ok.status, 0) << ok.out;
}

// The single-probe commands say the same: 3 when the probe could not run here, 1 when it ran and failed.
TEST_F(CliExitCodes, ASingleProbeThatCouldNotRunExits3) {
    SKIP_WHEN_SANITIZED();
    for (const std::string probe :
         {"sstp 127.0.0.1:9 --timeout 2", "ikev2 127.0.0.1 --port 9 --sa-init-only --timeout 2"}) {
        auto starved = vpnprobe(probe, "ulimit -n 6 && exec ");
        EXPECT_EQ(starved.status, 3) << probe << "\n" << starved.out;
        EXPECT_THAT(starved.out, HasSubstr("(EMFILE)")) << probe;
        // Fewer still: not even the reactor's epoll descriptor. Still the harness's failure, never FAILED
        // with an empty result and exit 1.
        auto no_epoll = vpnprobe(probe, "ulimit -n 4 && exec ");
        EXPECT_EQ(no_epoll.status, 3) << probe << "\n" << no_epoll.out;
        EXPECT_THAT(no_epoll.out, HasSubstr("probe.local")) << probe;
        auto ran = vpnprobe(probe);
        EXPECT_EQ(ran.status, 1) << probe << ": nothing listens on port 9 of 127.0.0.1\n" << ran.out;
    }
}

// A namespace this process may open but not enter (no CAP_SYS_ADMIN): refused up front, with the
// system's reason, rather than found by every probe.
TEST_F(CliExitCodes, ANamespaceThatCannotBeEnteredIsRefusedUpFront) {
    if (run_command("command -v capsh").exit_code != 0) GTEST_SKIP() << "capsh (libcap2-bin) is not installed";
    auto r = vpnprobe("ikev2 127.0.0.1 --port 9 --sa-init-only --timeout 1 --netns /proc/self/ns/net",
                      "capsh --drop=cap_sys_admin -- -c 'exec \"$0\" \"$@\"' ");
    EXPECT_EQ(r.status, 2) << r.out;
    EXPECT_THAT(r.out, HasSubstr("Operation not permitted"));
}

// The weak-proposal audit runs beside the probe: an audit offer that cannot get a descriptor leaves the
// audit incomplete for a local reason, which must not pass as the server's silence.
TEST_F(CliExitCodes, AnAuditOfferThatCouldNotRunIsAHarnessError) {
    SKIP_WHEN_SANITIZED();
    const std::string probe = "ikev2 127.0.0.1 --port 9 --sa-init-only --audit-weak --timeout 2";
    // 7 descriptors: the binary and its io_context (6), and the probe's own socket; none for the audit.
    auto starved = vpnprobe(probe, "ulimit -n 7 && exec ");
    EXPECT_EQ(starved.status, 3) << starved.out;
    EXPECT_THAT(starved.out, HasSubstr("weak_audit"));
    EXPECT_THAT(starved.out, HasSubstr("(EMFILE)"));
    EXPECT_THAT(vpnprobe(probe).status, 1) << "with descriptors: the server's port is closed, a real failure";
}

// Everything local a scenario names is checked before anything runs, by run, run --dry-run and serve
// alike, and refused with exit 2 at the key's position.
TEST_F(CliExitCodes, ScenarioPreflightRefusesWhatThisMachineLacks) {
    auto scenario = file("gone.yaml",
                         "vantage_points:\n  - {name: gone, netns: vpnprobe-test-no-such-namespace}\n"
                         "targets: [{name: t, host: 127.0.0.1}]\nprobes: [{type: ikev2, expect: {success: false}}]\n");
    for (const std::string command : {"run ", "run --dry-run ", "serve --listen 127.0.0.1:0 "}) {
        auto r = vpnprobe(command + scenario);
        EXPECT_EQ(r.status, 2) << command << r.out;
        EXPECT_THAT(r.out, HasSubstr(scenario + ":2:25: vantage point 'gone': network namespace")) << command;
        EXPECT_THAT(r.out, HasSubstr("No such file or directory")) << command;
    }
    auto not_ns = file("plain-file", "x\n");
    auto bad_source =
        file("src.yaml", "vantage_points:\n  - {name: far, source: 192.0.2.199}\n  - {name: f, netns: " + not_ns +
                             "}\ntargets: [{name: t, host: 127.0.0.1}]\nprobes: [{type: sstp}]\n");
    auto r = vpnprobe("run --dry-run " + bad_source);
    EXPECT_EQ(r.status, 2) << r.out;
    EXPECT_THAT(r.out, HasSubstr(":2:25: vantage point 'far': source 192.0.2.199 is not an address"));
    EXPECT_THAT(r.out, HasSubstr(":3:22: vantage point 'f': network namespace " + not_ns + " is not a namespace"));
}

// A CA path in a scenario is relative to the scenario's folder, and a CA that is missing, a folder or not
// PEM is refused with the system's reason before anything runs.
TEST_F(CliExitCodes, ScenarioCaFilesAreRelativeToTheScenarioAndChecked) {
    const std::string body =
        "vantage_points: [{name: lo, source: 127.0.0.1}]\ntargets: [{name: t, host: 127.0.0.1, ca: ca.pem}]\n"
        "probes: [{type: sstp}]\n";
    auto scenario = file("rel.yaml", body);
    // Started from / : the CA is looked for beside the scenario, not in /.
    auto missing = vpnprobe("run --dry-run " + scenario, "cd / && ");
    EXPECT_EQ(missing.status, 2) << missing.out;
    EXPECT_THAT(missing.out,
                HasSubstr(":2:42: target 't': ca " + (dir_ / "ca.pem").string() + ": No such file or directory"));
    std::filesystem::create_directory(dir_ / "ca.pem");
    auto folder = vpnprobe("run --dry-run " + scenario, "cd / && ");
    EXPECT_EQ(folder.status, 2);
    EXPECT_THAT(folder.out, HasSubstr("Is a directory"));
    std::filesystem::remove(dir_ / "ca.pem");
    file("ca.pem", "not a certificate\n");
    auto text = vpnprobe("run --dry-run " + scenario, "cd / && ");
    EXPECT_EQ(text.status, 2);
    EXPECT_THAT(text.out, HasSubstr("no PEM certificate"));
    std::filesystem::copy_file(vpnprobe::testsupport::TestCertificate::get().pem_file(), dir_ / "ca.pem",
                               std::filesystem::copy_options::overwrite_existing);
    auto good = vpnprobe("run --dry-run " + scenario, "cd / && ");
    EXPECT_EQ(good.status, 0) << good.out;
    EXPECT_THAT(good.out, HasSubstr("t 127.0.0.1 lo sstp (sstp)"));
}

TEST_F(CliExitCodes, AScenarioThatIsAFolderOrMissingGetsTheSystemsReason) {
    auto r = vpnprobe("run " + dir_.string());
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(r.out, HasSubstr("Is a directory"));
    r = vpnprobe("run " + (dir_ / "nope.yaml").string());
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(r.out, HasSubstr("No such file or directory"));
    r = vpnprobe("run --compare-with " + (dir_ / "nope.pem").string() + " " + dir_.string());
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(r.out, HasSubstr("--compare-with " + (dir_ / "nope.pem").string() + ": No such file or directory"));
    r = vpnprobe("run --compare-with '' x.yaml");
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(r.out, HasSubstr("must not be empty"));
}

// Files that cannot be read get the system's reason, for the scenario, a CA, a certificate and a key.
TEST_F(CliExitCodes, UnreadableFilesGetTheSystemsReason) {
    auto r = vpnprobe("cert-check " + dir_.string() + " --name x");
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(r.out, HasSubstr("Is a directory"));
    const auto& pem = vpnprobe::testsupport::TestCertificate::get().pem_file();
    r = vpnprobe("cert-check " + pem + " --key " + (dir_ / "none.key").string() + " --name x");
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(r.out, HasSubstr("none.key: No such file or directory"));
    // Permission denied needs someone who is not root: the nobody user (65534), where setpriv exists.
    if (::geteuid() != 0 || run_command("command -v setpriv").exit_code != 0) GTEST_SKIP() << "needs root and setpriv";
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all | std::filesystem::perms::others_read |
                                           std::filesystem::perms::others_exec);
    auto secret = file("secret.yaml", "version: 1\n");
    std::filesystem::permissions(secret, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    const std::string nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
    if (vpnprobe("--version", nobody).status != 0) GTEST_SKIP() << "the nobody user cannot run the binary here";
    r = vpnprobe("run " + secret, nobody);
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(r.out, HasSubstr(secret + ": cannot read the file: Permission denied"));
    r = vpnprobe("sstp 127.0.0.1:9 --ca " + secret, nobody);
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(r.out, HasSubstr("--ca " + secret + ": Permission denied"));
}

// An empty or odd value never widens where a probe goes: each is a usage error (exit 2), never "probe
// from this machine's own namespace". Nothing is sent: every case is refused before a socket opens.
TEST_F(CliExitCodes, EmptyOrOddVantageOptionsAreUsageErrors) {
    auto not_ns = file("plain-file", "x\n");
    for (const std::string probe : {"sstp 127.0.0.1:9 ", "ikev2 127.0.0.1 --port 9 "}) {
        for (const std::string& args :
             std::vector<std::string>{"--netns ''", "--source ''", "--interface ''", "--ca ''", "--netns " + not_ns,
                                      "--netns vpnprobe-test-no-such-namespace", "--source 192.0.2.199",
                                      "--interface vpnprobe-nodev0", "--ca " + dir_.string(), "--ca " + not_ns}) {
            auto r = vpnprobe(probe + args + " --timeout 1");
            EXPECT_EQ(r.status, 2) << probe << args << "\n" << r.out;
        }
        EXPECT_THAT(vpnprobe(probe + "--netns ''").out, HasSubstr("must not be empty"));
        EXPECT_THAT(vpnprobe(probe + "--netns " + not_ns).out, HasSubstr("is not a namespace"));
        EXPECT_THAT(vpnprobe(probe + "--ca " + dir_.string()).out, HasSubstr("Is a directory"));
        EXPECT_THAT(vpnprobe(probe + "--ca " + (dir_ / "none.pem").string()).out,
                    HasSubstr("No such file or directory"));
    }
    EXPECT_EQ(vpnprobe("sstp ''").status, 2);
    EXPECT_EQ(vpnprobe("ikev2 ''").status, 2);
    EXPECT_EQ(vpnprobe("ikev2 '[]'").status, 2);
}

// Timeouts: NaN, infinities, negatives and values beyond the range are refused, with the range in numbers
// a person reads.
TEST_F(CliExitCodes, TimeoutsOutsideTheirRangeAreUsageErrors) {
    for (const std::string bad : {"nan", "inf", "-inf", "-1", "0", "1e308", "601", "soon"}) {
        for (const std::string cmd : {"sstp 127.0.0.1:9 --timeout ", "ikev2 127.0.0.1 --timeout "}) {
            auto r = vpnprobe(cmd + bad);
            EXPECT_EQ(r.status, 2) << cmd << bad << "\n" << r.out;
            EXPECT_THAT(r.out, HasSubstr("a number of seconds from 0.1 to 600, not '" + bad + "'")) << cmd << bad;
            EXPECT_THAT(r.out, testing::Not(HasSubstr("e+"))) << cmd << bad;
        }
        auto r = vpnprobe("sstp 127.0.0.1:9 --phase-timeout " + bad);
        if (bad != "0") {
            EXPECT_EQ(r.status, 2) << bad;
            EXPECT_THAT(r.out, HasSubstr("from 0 to 600")) << bad;
        }
        r = vpnprobe("ikev2 127.0.0.1 --retransmit " + bad);
        EXPECT_EQ(r.status, 2) << bad;
        EXPECT_THAT(r.out, HasSubstr("from 0.05 to 60")) << bad;
    }
    auto scenario = file("nan.yaml",
                         "vantage_points: [{name: lo, source: 127.0.0.1}]\ntargets: [{name: t, host: 127.0.0.1}]\n"
                         "probes: [{type: sstp, timeout: .nan}]\n");
    auto r = vpnprobe("run --dry-run " + scenario);
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(r.out, HasSubstr(":3:32: timeout must be from 0.1 to 600, not '.nan'"));
}

TEST_F(CliExitCodes, DuplicateKeysInAScenarioAreRefused) {
    auto scenario = file("dup.yaml",
                         "vantage_points: [{name: lo, source: 127.0.0.1, source: 127.0.0.2}]\n"
                         "targets: [{name: t, host: 127.0.0.1}]\nprobes: [{type: sstp}]\n");
    auto r = vpnprobe("run --dry-run " + scenario);
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(r.out, HasSubstr(":1:48: key 'source' is given twice in one mapping (first at line 1, column 29)"));
}

}  // namespace
