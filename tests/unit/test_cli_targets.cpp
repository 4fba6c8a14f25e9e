// Host forms on the command line, through the command classes main() uses: an empty host, a port that
// disagrees with --port and a plain http:// URL are usage errors before anything is sent; a pasted https:// URL
// and HOST:PORT reach the probe with the right host and port. The probes that do run go to a closed loopback
// port from a thread inside a fresh network namespace, so no packet leaves it.
#include <gtest/gtest.h>

#include <sched.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json/parse.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.hpp"

namespace {

using vpnprobe::cli::UsageError;

struct Cli {
    CLI::App app{"vpnprobe"};
    std::vector<std::unique_ptr<vpnprobe::cli::Command>> commands = vpnprobe::cli::make_commands(app);
};

// Parses and runs one command line; returns its exit code and stdout. UsageError propagates.
std::pair<int, std::string> run(std::vector<std::string> args) {
    Cli cli;
    args.insert(args.begin(), "vpnprobe");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    cli.app.parse(static_cast<int>(argv.size()), argv.data());
    testing::internal::CaptureStdout();
    int code = -1;
    try {
        for (const auto& command : cli.commands)
            if (command->selected()) code = command->run();
    } catch (...) {
        testing::internal::GetCapturedStdout();
        throw;
    }
    return {code, testing::internal::GetCapturedStdout()};
}

std::string usage_error(std::vector<std::string> args) {
    try {
        run(std::move(args));
    } catch (const UsageError& e) {
        return e.what();
    }
    return "(accepted)";
}

TEST(CliTargets, EmptyHostsAreUsageErrors) {
    EXPECT_NE(usage_error({"sstp", ""}).find("empty"), std::string::npos);
    EXPECT_NE(usage_error({"ikev2", ""}).find("empty"), std::string::npos);
    EXPECT_NE(usage_error({"sstp", "https:///"}).find("empty"), std::string::npos);
    EXPECT_NE(usage_error({"ikev2", "[]:500"}).find("empty"), std::string::npos);
}

TEST(CliTargets, PortsThatDisagreeAndPlainHttpAreUsageErrors) {
    EXPECT_NE(usage_error({"ikev2", "[2001:db8::1]:500", "--port", "4500"}).find("use --port"), std::string::npos);
    EXPECT_NE(usage_error({"ikev2", "vpn.example.com:4500", "--port", "500"}).find("use --port"), std::string::npos);
    EXPECT_NE(usage_error({"sstp", "http://vpn.example.com/"}).find("HTTPS"), std::string::npos);
    EXPECT_NE(usage_error({"ikev2", "https://vpn.example.com/"}).find("not a URL"), std::string::npos);
}

TEST(CliTargets, PastedFormsReachTheProbeWithHostAndPort) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root for unshare(CLONE_NEWNET)";
    std::string why;
    std::pair<int, std::string> sstp_json, sstp_text, ikev2_json, ikev2_same_port;
    std::thread t([&] {
        if (::unshare(CLONE_NEWNET) != 0 || std::system("ip link set lo up") != 0) {
            why = std::string("cannot set up a fresh namespace: ") + std::strerror(errno);
            return;
        }
        sstp_json = run({"sstp", "https://[::1]:1/some/path", "--format", "json", "--timeout", "3"});
        sstp_text = run({"sstp", "[::1]:1", "--timeout", "3"});
        ikev2_json = run({"ikev2", "[::1]:1", "--format", "json", "--timeout", "3"});
        ikev2_same_port = run({"ikev2", "127.0.0.1:1", "--port", "1", "--format", "json", "--timeout", "3"});
    });
    t.join();
    ASSERT_EQ(why, "");
    auto s = boost::json::parse(sstp_json.second).as_object();
    EXPECT_EQ(s.at("host"), "::1");
    EXPECT_EQ(s.at("port"), 1);
    EXPECT_EQ(s.at("findings").as_array().at(0).at("check"), "sstp.tcp_refused") << sstp_json.second;
    EXPECT_EQ(sstp_json.first, 1);
    EXPECT_EQ(sstp_text.second.rfind("SSTP [::1]:1 from", 0), 0u) << sstp_text.second;
    auto i = boost::json::parse(ikev2_json.second).as_object();
    EXPECT_EQ(i.at("host"), "::1");
    EXPECT_EQ(i.at("port"), 1) << "HOST:PORT without --port sets the port";
    EXPECT_EQ(i.at("findings").as_array().at(0).at("check"), "ikev2.sa_init_refused") << ikev2_json.second;
    auto same = boost::json::parse(ikev2_same_port.second).as_object();
    EXPECT_EQ(same.at("host"), "127.0.0.1");
    EXPECT_EQ(same.at("port"), 1);
}

}  // namespace
