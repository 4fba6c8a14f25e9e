#include "cli/common_options.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>

#include "cli/commands.hpp"
#include "probes/limits.hpp"
#include "probes/local_checks.hpp"
#include "scenarios/probe_kind.hpp"

namespace vpnprobe::cli {

probes::VantagePoint vantage_from_options(const std::string& netns, const std::string& source,
                                          const std::string& interface) {
    if (!source.empty() && !probes::is_ip_literal(source)) throw UsageError("--source must be an IP address");
    probes::VantagePoint vp;
    vp.netns = netns;
    vp.source = source;
    vp.interface = interface;
    // The same checks as a scenario's preflight: a probe never starts from somewhere that does not exist.
    auto problems = probes::vantage_problems(vp);
    if (!problems.empty()) {
        using Field = probes::VantageProblem::Field;
        const auto& p = problems.front();
        const char* option = p.field == Field::netns       ? "--netns"
                             : p.field == Field::interface ? "--interface"
                                                           : "--source";
        throw UsageError(std::string(option) + ": " + p.message);
    }
    return vp;
}

void check_ca_file(const std::string& option, const std::string& path) {
    if (path.empty()) return;
    if (auto p = probes::readable_file_problem(path)) throw UsageError(option + " " + *p);
}

void check_certificate_file(const std::string& option, const std::string& path) {
    if (path.empty()) return;
    if (auto p = probes::certificate_file_problem(path)) throw UsageError(option + " " + *p);
}

void check_keylog_file(const std::string& path) {
    if (path.empty()) return;
    std::FILE* f = std::fopen(path.c_str(), "a");
    if (!f) throw UsageError("--keylog " + path + ": cannot open for appending");
    std::fclose(f);
}

void add_vantage_options(CLI::App* sub, std::string& netns, std::string& source, std::string& interface) {
    non_empty(
        sub->add_option("--netns", netns, "Probe from this network namespace (name under /var/run/netns or a path)"));
    non_empty(sub->add_option("--source", source, "Source address to bind"));
    non_empty(sub->add_option("--interface", interface, "Bind to this interface (SO_BINDTODEVICE)"));
}

CLI::Option* add_timeout_option(CLI::App* sub, double& timeout) {
    return seconds_between(sub->add_option("--timeout", timeout, "Deadline for the whole probe, seconds"),
                           probes::kMinTimeoutSeconds, probes::kMaxTimeoutSeconds)
        ->capture_default_str();
}

CLI::Option* non_empty(CLI::Option* option) {
    return option->check(CLI::Validator(
        [](std::string& value) -> std::string {
            return value.empty() ? "must not be empty (leave the option out instead)" : "";
        },
        "", "NON_EMPTY"));
}

CLI::Option* seconds_between(CLI::Option* option, double min, double max) {
    const std::string range =
        "a number of seconds from " + probes::readable_number(min) + " to " + probes::readable_number(max);
    return option->check(CLI::Validator(
        [min, max, range](std::string& value) -> std::string {
            char* end = nullptr;
            double v = std::strtod(value.c_str(), &end);
            if (value.empty() || end != value.c_str() + value.size() || !probes::in_range(v, min, max))
                return "must be " + range + ", not '" + value + "'";
            return "";
        },
        range, "SECONDS"));
}

namespace {

using Type = scenarios::KindOption::Type;

void expect_type(const scenarios::KindOption& o, std::initializer_list<Type> fits) {
    for (Type t : fits)
        if (o.type == t) return;
    throw std::logic_error("option " + o.key + ": the command's variable does not fit the option's type");
}

template <typename Int>
CLI::Option* add_integer(CLI::App* sub, const scenarios::KindOption& o, Int& value) {
    expect_type(o, {Type::integer});
    return sub->add_option(o.cli_flag, value, o.help)
        ->check(CLI::Range(static_cast<int>(o.min), static_cast<int>(o.max)))
        ->capture_default_str();
}

}  // namespace

CLI::Option* add_kind_option(CLI::App* sub, const scenarios::KindOption& o, double& value) {
    expect_type(o, {Type::seconds});
    return seconds_between(sub->add_option(o.cli_flag, value, o.help), o.min, o.max);
}

CLI::Option* add_kind_option(CLI::App* sub, const scenarios::KindOption& o, int& value) {
    return add_integer(sub, o, value);
}

CLI::Option* add_kind_option(CLI::App* sub, const scenarios::KindOption& o, std::size_t& value) {
    return add_integer(sub, o, value);
}

CLI::Option* add_kind_option(CLI::App* sub, const scenarios::KindOption& o, bool& value) {
    expect_type(o, {Type::boolean});
    return sub->add_flag(o.cli_flag, value, o.help);
}

CLI::Option* add_kind_option(CLI::App* sub, const scenarios::KindOption& o, std::string& value) {
    expect_type(o, {Type::string, Type::choice});
    auto* option = sub->add_option(o.cli_flag, value, o.help);
    if (o.type == Type::choice) option->check(CLI::IsMember(o.choices));
    return option;
}

CLI::Option* add_kind_option(CLI::App* sub, const scenarios::KindOption& o, std::vector<std::string>& value) {
    expect_type(o, {Type::strings});
    return sub->add_option(o.cli_flag, value, o.help);
}

}  // namespace vpnprobe::cli
