// The real `vpnprobe` binary's exit codes and refusals, on loopback only: 3 when some row could not be
// probed (a harness error), 2 for every local mistake found before anything runs, each with the system's
// reason and, for a scenario, file:line:column.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/support/run_command.hpp"

namespace {

using testing::HasSubstr;
using vpnprobe::testsupport::run_command;

struct Ran {
    int status;
    std::string out;  // stdout and stderr together
};

Ran vpnprobe(const std::string& args, const std::string& shell_prefix = "") {
    auto r = run_command(shell_prefix + std::string(VPNPROBE_BINARY) + " " + args + " 2>&1");
    return Ran{r.exit_code, r.out};
}

// A folder of its own for each test's files, removed at the end.
class CliExitCodes : public testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("vpnprobe-cli-" + std::to_string(::getpid()) + "-" +
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
    std::string text = "parallel: 20\nvantage_points: [{name: lo, source: 127.0.0.1}]\ntargets:\n";
    for (int i = 0; i < 20; ++i) text += "  - {name: t" + std::to_string(i) + ", host: 127.0.0.1, ports: {ikev2: 9}}\n";
    text += "probes: [{type: ikev2, timeout: 2, options: {sa_init_only: true}, expect: {success: false}}]\n";
    auto scenario = file("emfile.yaml", text);
    // 12 descriptors: the binary, its io_context and a few sockets; 20 probes at once cannot all have one.
    auto r = vpnprobe("run " + scenario, "ulimit -n 12 && exec ");
    EXPECT_EQ(r.status, 3) << r.out;
    EXPECT_THAT(r.out, HasSubstr("ERROR (harness)"));
    EXPECT_THAT(r.out, HasSubstr("Too many open files"));
    EXPECT_THAT(r.out, HasSubstr("could not probe"));

    auto j = vpnprobe("run --format junit " + scenario, "ulimit -n 12 && exec ");
    EXPECT_EQ(j.status, 3);
    EXPECT_THAT(j.out, HasSubstr("<error message="));
    // Without the limit the same scenario probes every row and passes: the 3 above came from the limit.
    auto ok = vpnprobe("run " + scenario);
    EXPECT_EQ(ok.status, 0) << ok.out;
}

}  // namespace
