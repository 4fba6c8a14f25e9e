// JSON: every row with its verdicts, timings, comparison and the last run's whole probe result.
#include <boost/json/serialize.hpp>

#include "scenarios/probe_kind.hpp"
#include "scenarios/reports.hpp"

namespace vpnprobe::scenarios {

namespace json = boost::json;

std::string report_json(const ScenarioResult& r) {
    json::object root;
    root["scenario"] = r.name;
    root["file"] = r.file;
    root["passed"] = r.passed();
    root["rows_total"] = r.rows.size();
    root["rows_failed"] = r.failed_rows();
    root["rows_interrupted"] = r.interrupted_rows();
    if (r.interrupted_by.empty()) root["interrupted"] = nullptr;
    else root["interrupted"] = r.interrupted_by;
    root["rows_harness_error"] = r.harness_error_rows();
    root["exit_code"] = r.exit_code();
    root["total_seconds"] = r.total_seconds;
    root["peak_in_flight"] = r.peak_in_flight;
    // Our own event loop: how late it ran, and how long new probes were held back because of it.
    json::object loop;
    loop["worst_lag_ms"] = r.load.worst_lag_seconds * 1000;
    loop["overload_lag_ms"] = probes::lag_ms(probes::kOverloadLag);
    loop["admission_lag_ms"] = probes::lag_ms(probes::kAdmissionLag);
    loop["admission_held_seconds"] = r.load.admission_held_seconds;
    loop["admission_waits"] = r.load.admission_waits;
    loop["admission_started_alone"] = r.load.admission_started_alone;
    loop["rows_overloaded"] = r.overloaded_rows();
    loop["rows_timed_under_lag"] = r.lagged_rows();
    root["event_loop"] = std::move(loop);
    json::array rows;
    for (const auto& row : r.rows) {
        json::object o;
        o["id"] = row.id();
        o["probe"] = row.probe;
        o["type"] = row.type;
        o["target"] = row.target;
        o["host"] = row.host;
        o["address"] = row.address;
        o["vantage"] = row.vantage;
        o["passed"] = row.passed;
        o["interrupted"] = row.interrupted;
        // The harness's own failure (no namespace, unreadable CA, no descriptors ...), not the target's.
        const std::string harness = row.harness_error();
        o["harness_error"] = !harness.empty();
        if (!harness.empty()) o["harness_reason"] = harness;
        // The worst lag of our own loop during its runs; above the overload lag its timings include our queueing.
        o["event_loop_lag_ms"] = row.event_loop_lag_seconds * 1000;
        o["timed_under_lag"] = row.timed_under_lag();
        o["failed_phase"] = row.last().failed_phase();
        o["windows_error"] = row.last().windows_error();
        json::array outcomes;
        for (const auto& x : row.outcomes) {
            json::object e;
            e["check"] = x.check;
            e["expected"] = x.expected;
            e["actual"] = x.actual;
            e["held"] = x.held;
            if (!x.detail.empty()) e["detail"] = x.detail;
            if (!x.windows_error.empty()) e["windows_error"] = x.windows_error;
            outcomes.push_back(std::move(e));
        }
        o["expectations"] = std::move(outcomes);
        json::array timings;
        for (const auto& t : row.timings) {
            json::object s;
            s["phase"] = t.phase;
            s["samples"] = t.samples;
            s["min"] = t.min;
            s["median"] = t.median;
            s["p95"] = t.p95;
            s["max"] = t.max;
            timings.push_back(std::move(s));
        }
        o["timings"] = std::move(timings);
        json::array runs;
        for (const auto& run : row.runs) {
            json::object s;
            s["success"] = run.success();
            s["failed_phase"] = run.failed_phase();
            s["total_seconds"] = run.total_seconds();
            runs.push_back(std::move(s));
        }
        o["runs"] = std::move(runs);
        if (row.comparison) {
            json::object c;
            c["same"] = row.comparison->same;
            json::array d;
            for (const auto& x : row.comparison->differences) d.emplace_back(x);
            c["differences"] = std::move(d);
            o["compare_with"] = std::move(c);
        }
        o["result"] = row.last().kind().to_json(row.last().result);
        rows.push_back(std::move(o));
    }
    root["rows"] = std::move(rows);
    return json::serialize(root) + "\n";
}

}  // namespace vpnprobe::scenarios
