// Command-line checks every probe subcommand shares: the vantage point, the CA bundle, the key log, time
// values. Each throws UsageError (exit 2), or makes CLI11 refuse the option (exit 2), with a message
// saying what is wrong.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "probes/probe_result.hpp"
#include "probes/vantage.hpp"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace vpnprobe::scenarios {
struct KindOption;
}

namespace vpnprobe::cli {

// --netns NAME must exist (under /var/run/netns, or as a path) and be a network namespace; --source must be
// an IP address of this machine inside it; --interface must exist inside it. "" = the option was not given
// (an explicit empty value is refused by non_empty() on the option).
probes::VantagePoint vantage_from_options(const std::string& netns, const std::string& source,
                                          const std::string& interface);
// FILE must be a readable file ("" = none given); refused with the system's reason.
void check_ca_file(const std::string& option, const std::string& path);
// FILE must be a readable file of PEM certificates ("" = none given): --ca, --compare-with.
void check_certificate_file(const std::string& option, const std::string& path);
// --keylog FILE must be appendable ("" = none given), checked before the probe runs rather than after.
void check_keylog_file(const std::string& path);

// The option, when given, must not be empty: `--netns ""` never means "this machine's own namespace".
CLI::Option* non_empty(CLI::Option* option);
// The option is a number of seconds from `min` to `max`; NaN, infinities and anything else are refused
// with the range in plain numbers.
CLI::Option* seconds_between(CLI::Option* option, double min, double max);

// The options every probe command has, registered once: --netns, --source, --interface (each refused when
// given empty) and --timeout (its range, its default shown in --help).
void add_vantage_options(CLI::App* sub, std::string& netns, std::string& source, std::string& interface);
CLI::Option* add_timeout_option(CLI::App* sub, double& timeout);

// One of a probe kind's options (scenarios/probe_kind.hpp), registered on its command as the registry
// describes it: its flag, its help line and its range, the same the scenario loader and the JSON Schema
// use. The variable's type must fit the option's (std::logic_error otherwise: a programming error).
CLI::Option* add_kind_option(CLI::App* sub, const scenarios::KindOption& option, double& value);
CLI::Option* add_kind_option(CLI::App* sub, const scenarios::KindOption& option, int& value);
CLI::Option* add_kind_option(CLI::App* sub, const scenarios::KindOption& option, std::size_t& value);
CLI::Option* add_kind_option(CLI::App* sub, const scenarios::KindOption& option, bool& value);
CLI::Option* add_kind_option(CLI::App* sub, const scenarios::KindOption& option, std::string& value);
CLI::Option* add_kind_option(CLI::App* sub, const scenarios::KindOption& option, std::vector<std::string>& value);

// A probe that threw instead of reporting (a last resort: the probes report their local failures
// themselves) becomes a result whose only phase failed locally: a harness error, never the server's.
template <typename Result, typename Options>
void mark_could_not_run(Result& r, const Options& o, const std::string& why) {
    r = Result{};
    r.host = o.host;
    r.port = o.port;
    r.address = o.address;
    r.vantage = o.vantage.label();
    r.phases.push_back(probes::Phase{"setup", probes::PhaseOutcome::failed, 0, why, true});
}

}  // namespace vpnprobe::cli
