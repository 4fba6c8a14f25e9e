// Runs a scenario: expands targets x vantage points x probes into rows (a target name that resolves to
// several addresses gives one row per address, resolved from each vantage point), and runs every probe
// of every row as a coroutine, at most `parallel` in flight, each `count` times, on `threads` threads (each
// with an io_context of its own; the rows are handed out from one queue).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "probes/stop_signal.hpp"
#include "scenarios/results.hpp"
#include "scenarios/scenario.hpp"

namespace vpnprobe::scenarios {

struct RunOptions {
    std::optional<int> count;  // overrides the scenario's
    std::optional<int> parallel;  // overrides the scenario's
    std::optional<std::string> compare_with;  // PEM file of a candidate certificate (--compare-with)
    std::optional<double> max_timeout;  // caps every probe's timeout (a scrape's own deadline)
    // Threads that run the probes (--threads); default: the machine's cores, at most kMaxDefaultThreads.
    // Never more than the rows or `parallel` (see runner_threads).
    std::optional<int> threads;
    // Called after every finished probe run with (done, total), one call at a time, done counting up
    // without a gap, from whichever thread ended the run; the CLI draws a progress line with it.
    std::function<void(std::size_t, std::size_t)> progress;
    // For tests: called as each run of a row starts, on the thread that runs it (several threads may call
    // at once). Empty = none.
    std::function<void(std::size_t row)> run_started;
    // SIGINT and SIGTERM end the run politely (vpnprobe run): the probes in flight end within
    // probes::kPoliteEndSeconds, no new run starts, and the result says which rows were interrupted.
    bool stop_on_signals = false;
    // A stop request from the caller, from any thread (serve's shutdown, a test): delivered to the probes of
    // every thread of the run. nullptr = none.
    std::shared_ptr<probes::RemoteStop> remote_stop;
};

// One planned row, before it runs (also what --dry-run prints).
struct PlannedRow {
    const ProbeSpec* probe = nullptr;
    const TargetSpec* target = nullptr;
    const VantageSpec* vantage = nullptr;
    std::string address;  // "" = let the probe resolve (the name did not resolve here: the probe reports it)
};

// The scenario cut down to the probes, targets and vantage points named (an empty list = all of that
// kind; the scenario's order is kept, a name given twice counts once). Throws std::invalid_argument
// naming what the scenario does not have, or saying why the cut leaves no row (a probe restricted to
// targets or vantage points the cut excludes): a selection never silently comes out empty.
Scenario select(const Scenario& scenario, const std::vector<std::string>& probes,
                const std::vector<std::string>& targets, const std::vector<std::string>& vantages);

// Resolves the targets' names from each vantage point. Throws nothing: a name that does not resolve
// gives one row with an empty address.
std::vector<PlannedRow> plan_rows(const Scenario& scenario);

// The default thread count's cap: beyond it, more threads mostly mean more contention for a run of a few
// hundred probes (--threads asks for more).
constexpr int kMaxDefaultThreads = 16;

// The threads a run uses: `asked` (at least 1), else the machine's cores (`hardware`, 0 = unknown = 1) up
// to kMaxDefaultThreads; never more than `workers` (= min(parallel, rows): a thread without a worker would
// idle), and at least 1.
std::size_t runner_threads(std::optional<int> asked, unsigned hardware, std::size_t workers);

// Throws std::runtime_error when the --compare-with file cannot be read.
ScenarioResult run_scenario(const Scenario& scenario, const RunOptions& options);

// Timings of the runs: total first, then each phase that every run reached.
std::vector<TimingStats> timing_stats(const std::vector<ProbeRun>& runs);

// How a served certificate differs from a candidate.
CertificateComparison compare_certificates(const probes::CertificateFacts& served,
                                           const probes::CertificateFacts& candidate);

}  // namespace vpnprobe::scenarios
