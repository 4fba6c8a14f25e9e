// How a probe subcommand prints its results: JSON (one object, or an array with --all-addresses) or the
// text report of each; the exit status says whether every one succeeded (0), some did not (1), or some
// could not run at all (3). The write is checked (report_output.hpp): a full disk or a closed pipe is an
// error, never a silent success.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

#include "cli/report_output.hpp"
#include "probes/probe_result.hpp"

namespace vpnprobe::cli {

template <typename Result, typename ToJson, typename ToText>
int print_results(const std::vector<Result>& results, const std::string& format, bool as_array, ToJson to_json,
                  ToText to_text) {
    bool all_ok = true;
    for (const auto& r : results) all_ok = all_ok && r.success;
    std::string out;
    if (format == "json") {
        if (as_array) {
            boost::json::array arr;
            for (const auto& r : results) arr.push_back(to_json(r));
            out = boost::json::serialize(arr) + "\n";
        } else {
            out = boost::json::serialize(to_json(results.front())) + "\n";
        }
    } else {
        for (const auto& r : results) out += to_text(r);
    }
    write_stdout(out);
    // 3 when a probe could not run for a reason on this machine (a harness error): nothing is known about
    // the target, as Nagios' UNKNOWN.
    for (const auto& r : results)
        if (!probes::harness_error(r.phases, r.findings).empty()) return 3;
    return all_ok ? 0 : 1;
}

}  // namespace vpnprobe::cli
