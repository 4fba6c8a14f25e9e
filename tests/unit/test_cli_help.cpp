// `vpnprobe X --help` shows each option's default, for every command: the help text is built by the same
// classes main() registers, and each option's line is checked for its default value (CLI11 prints a captured
// default as "=VALUE" after the type; defaults that are not a value, like "the system store", are in the text).
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <sstream>
#include <string>

#include "cli/commands.hpp"
#include "scenarios/probe_kind.hpp"

namespace {

struct App {
    CLI::App app{"vpnprobe"};
    std::vector<std::unique_ptr<vpnprobe::cli::Command>> commands = vpnprobe::cli::make_commands(app);
};

// The help line of `option` in `command`'s help (with its continuation lines), "" when absent.
std::string option_help(const std::string& command, const std::string& option) {
    App a;
    std::string help = a.app.get_subcommand(command)->help();
    std::istringstream in(help);
    std::string line, out;
    bool in_option = false;
    while (std::getline(in, line)) {
        auto first = line.find_first_not_of(' ');
        bool starts_option = first != std::string::npos && line[first] == '-';
        if (starts_option) in_option = line.find(option + " ") != std::string::npos || line.ends_with(option);
        if (in_option) out += line + "\n";
    }
    return out;
}

void expect_default(const std::string& command, const std::string& option, const std::string& value) {
    std::string line = option_help(command, option);
    ASSERT_FALSE(line.empty()) << command << " has no " << option;
    EXPECT_NE(line.find(value), std::string::npos) << command << " " << option << " does not show " << value << ":\n"
                                                   << line;
}

TEST(CliHelp, SstpShowsItsDefaults) {
    expect_default("sstp", "--timeout", "=10");
    expect_default("sstp", "--format", "=text");
    expect_default("sstp", "--phase-timeout", "default: --timeout");
    expect_default("sstp", "--sni", "default: HOST");
    expect_default("sstp", "--ca", "default: system store");
}

TEST(CliHelp, Ikev2ShowsItsDefaults) {
    expect_default("ikev2", "--port", "=500");
    expect_default("ikev2", "--nat-t-port", "=4500");
    expect_default("ikev2", "--fragment-size", "=1280");
    expect_default("ikev2", "--timeout", "=10");
    expect_default("ikev2", "--retransmit", "=0.5");
    expect_default("ikev2", "--preset", "default windows-default");
    expect_default("ikev2", "--id", "default vpnprobe");
    expect_default("ikev2", "--format", "=text");
}

// What every probe kind's command shares, for every kind of the registry.
TEST(CliHelp, EveryProbeKindShowsTheSharedDefaults) {
    for (const auto* kind : vpnprobe::scenarios::probe_kinds()) {
        expect_default(kind->name(), "--timeout", "=10");
        expect_default(kind->name(), "--format", "=text");
        for (const auto& option : kind->options()) EXPECT_NE(option_help(kind->name(), option.cli_flag), "");
    }
}

TEST(CliHelp, CertCheckShowsItsDefaults) {
    expect_default("cert-check", "--min-days", "=30");
    expect_default("cert-check", "--fail-under-days", "=0");
    expect_default("cert-check", "--for", "default sstp,ikev2");
    expect_default("cert-check", "--at", "default now");
    expect_default("cert-check", "--format", "=text");
}

TEST(CliHelp, RunAndServeShowTheirDefaults) {
    expect_default("run", "--format", "=table");
    expect_default("run", "--count", "else 1");
    expect_default("run", "--parallel", "else 64");
    expect_default("run", "--threads", "the cores, at most 16");
    expect_default("run", "--output", "default: stdout");
    expect_default("serve", "--listen", "=127.0.0.1:9469");
    expect_default("serve", "--max-concurrent", "=4");
    expect_default("serve", "--scrape-threads", "cores divided among --max-concurrent");
}

}  // namespace
