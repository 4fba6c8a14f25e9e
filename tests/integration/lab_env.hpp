// Access to the lab the ctest fixture brought up (tests/integration/lab-fixture.sh): its env file, and
// the guard that keeps lab traffic inside lab namespaces.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "probes/vantage.hpp"
#include "tests/support/run_command.hpp"

namespace vpnprobe::testlab {

inline std::string lab_run_dir() {
    const char* d = std::getenv("VPNPROBE_LAB_RUN");
    return d ? d : std::string(VPNPROBE_LAB_RUN_DEFAULT);
}

// KEY=VALUE lines of an env file; empty when the file does not exist.
inline std::map<std::string, std::string> read_env_file(const std::string& path) {
    std::map<std::string, std::string> env;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        auto eq = line.find('=');
        if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
        std::string value = line.substr(eq + 1);
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
            value = value.substr(1, value.size() - 2);
        env[line.substr(0, eq)] = value;
    }
    return env;
}

// Why the lab is not there (not root, no namespaces, ...), as the fixture wrote it; "" when it is.
inline std::string lab_skip_reason(const std::string& env_name) {
    std::ifstream skip(lab_run_dir() + "/SKIPPED");
    if (skip) {
        std::string reason((std::istreambuf_iterator<char>(skip)), std::istreambuf_iterator<char>());
        return reason.empty() ? "lab not available" : reason;
    }
    std::ifstream env(lab_run_dir() + "/" + env_name);
    if (!env)
        return "no lab env file at " + lab_run_dir() + "/" + env_name +
               " (run through ctest, whose fixture brings the lab up)";
    return "";
}

// A test against the lab: skips (with the fixture's reason) where the lab is not up, else knows the env files'
// KEY=VALUE pairs. gtest runs no test body after a skip in SetUp.
class LabTest : public ::testing::Test {
protected:
    void use_lab(std::initializer_list<const char*> env_files) {
        for (const char* f : env_files) {
            std::string why = lab_skip_reason(f);
            if (!why.empty()) GTEST_SKIP() << why;
            for (const auto& [k, v] : read_env_file(lab_run_dir() + "/" + f)) env_[k] = v;
        }
    }
    std::string var(const std::string& name) {
        auto it = env_.find(name);
        if (it == env_.end()) ADD_FAILURE() << "lab env has no " << name;
        return it == env_.end() ? "" : it->second;
    }
    std::map<std::string, std::string> env_;
};

// Lab addresses route to the real uplink from the root namespace: refuse to probe them from there.
inline void assert_inside_lab_namespace(const probes::VantagePoint& vp) {
    ASSERT_FALSE(vp.netns.empty()) << "lab probes must run from a lab vantage namespace";
    ASSERT_NE(probes::netns_id_of(vp), probes::current_netns_id())
        << "vantage " << vp.netns << " is the root network namespace";
}

// Runs a command, returns its exit status and captures stdout.
using testsupport::CommandResult;
using testsupport::run_command;

// Runs `command` where `name` resolves to `addresses` (a pool behind DNS round-robin): a private
// /etc/hosts, bind-mounted in a mount namespace of the command's own, so the machine's stays untouched.
inline CommandResult run_with_pool(const std::string& name, const std::vector<std::string>& addresses,
                                   const std::string& command) {
    std::string hosts = lab_run_dir() + "/hosts-" + name;
    {
        std::ofstream h(hosts);
        for (const auto& a : addresses) h << a << " " << name << "\n";
    }
    return run_command("unshare --mount sh -c 'mount --bind " + hosts + " /etc/hosts && " + command + "'");
}

// How many times a `strace -e trace=openat -o TRACE` run opened `path` successfully.
inline int successful_opens(const std::string& trace, const std::string& path) {
    std::ifstream in(trace);
    int n = 0;
    for (std::string line; std::getline(in, line);)
        if (line.find(path) != std::string::npos && line.find("= -1") == std::string::npos) ++n;
    return n;
}

inline bool have_strace() { return run_command("command -v strace >/dev/null").exit_code == 0; }

}  // namespace vpnprobe::testlab
