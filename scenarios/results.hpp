// What a scenario run produces: one row per target address x vantage point x probe, each with its runs
// (more than one with --count), the expectations' verdicts and aggregated timings. Reports are pure
// functions of these (reports.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scenarios/kinds/kinds.hpp"
#include "scenarios/load_record.hpp"
#include "scenarios/scenario.hpp"

namespace vpnprobe::scenarios {

// One run of one probe: the probe's own result, whichever kind it is. What every kind shares is read
// through outcome(); the kind's own facts through its ProbeKind (kind()) or as<Result>().
struct ProbeRun {
    ProbeResult result;

    ProbeRun() = default;
    ProbeRun(ProbeResult r) : result(std::move(r)) {}  // NOLINT: a result is a run

    const ProbeKind& kind() const;
    const probes::ProbeOutcome& outcome() const;
    probes::ProbeOutcome& outcome();
    template <typename Result>
    const Result& as() const {
        return std::get<Result>(result);
    }
    template <typename Result>
    Result& as() {
        return std::get<Result>(result);
    }

    bool success() const;
    const std::string& failed_phase() const;
    const std::string& windows_error() const;
    double total_seconds() const;
    const std::vector<probes::Phase>& phases() const;
    const std::vector<probes::Finding>& findings() const;
    const std::string& address() const;
    // The server's certificate chain (TLS or IKE CERT payloads), leaf first; empty when none was received.
    const std::vector<probes::CertificateFacts>& chain() const;
    const probes::ChainVerdict* chain_verdict() const;
    // The first error finding, for one-line summaries; nullptr when none.
    const probes::Finding* first_error() const;
    // A phase was cut short by a stop request (SIGINT, SIGTERM), or the run never started because of one.
    bool interrupted() const;
    // Why the probe could not run, when the failure was the harness's own (finding probe.local, a phase
    // marked local: no such namespace, an unreadable CA file, no file descriptors left, ...); "" when the
    // probe ran. Such a run says nothing about the target, so no expectation can hold on it.
    std::string harness_error() const;
};

// One expectation judged: what was expected, what came back, and for a failure what a Windows client
// would show (when the expectation is about the connection working).
struct ExpectationOutcome {
    std::string check;  // "success", "certificate.min_days_left", "ikev2.fragmentation", ...
    std::string expected;  // in words: ">= 30 days", "one of aes256-sha256-modp2048, ..."
    std::string actual;
    bool held = false;
    std::string detail;  // why, when it did not hold (the probe's finding, a failing run)
    std::string windows_error;  // what a Windows client would show, when relevant
};

struct TimingStats {
    std::string phase;  // "total" or a phase name
    double min = 0, median = 0, p95 = 0, max = 0;
    int samples = 0;
};

// How the served certificate differs from a candidate (--compare-with).
struct CertificateComparison {
    bool same = false;  // the same certificate (fingerprint)
    std::vector<std::string> differences;  // "subject: served CN=a, candidate CN=b", ...
};

struct RowResult {
    std::string probe;  // the probe's name in the scenario
    std::string type;  // its kind's name: "sstp", "ikev2"
    std::string target;  // the target's name
    std::string host;
    std::string address;  // the address probed ("" when the name did not resolve)
    std::string vantage;  // the vantage point's name
    std::vector<ProbeRun> runs;
    std::vector<ExpectationOutcome> outcomes;  // over all runs: held only if it held in every run
    bool passed = false;
    std::vector<TimingStats> timings;  // total first, then each phase
    std::optional<CertificateComparison> comparison;
    int peak_in_flight = 0;  // most runs of this row at once: 1, since a row's repeats run one after another
    // The run was stopped (SIGINT, SIGTERM) before this row's runs all finished: neither passed nor failed.
    // `runs` holds the runs that started (the last one interrupted), or one run that says it never started.
    bool interrupted = false;
    // The worst lag of vpnprobe's own event loop during this row's runs (ProbeOutcome::event_loop_lag_seconds).
    // Above probes::kOverloadLag its timings include our own queueing: they are reported, marked, not trusted.
    double event_loop_lag_seconds = 0;

    const ProbeRun& last() const { return runs.back(); }
    // Its runs' timings were measured while our own loop ran more than probes::kOverloadLag late.
    bool timed_under_lag() const;
    std::string id() const;  // "target/address/vantage/probe"
    // The first run's harness error (ProbeRun::harness_error), or a timing expectation that could not be judged
    // because the run was timed under our own overload (outcome `harness`); "" when every run ran and was judged.
    std::string harness_error() const;
};

struct ScenarioResult {
    std::string name;
    std::string file;
    std::vector<RowResult> rows;
    double total_seconds = 0;
    int peak_in_flight = 0;  // most probes running at once (bounded by --parallel)
    std::string interrupted_by;  // "SIGINT", "SIGTERM" when the run was stopped; "" when it ran to the end
    int interrupt_signal = 0;  // its number (the CLI exits 128 + it)
    LoadRecord load;  // our own event loop's worst lag, and how long admission was held back because of it
    bool passed() const;
    int failed_rows()
        const;  // rows that ran and did not pass, harness errors included (interrupted rows are not counted)
    int interrupted_rows() const;
    int harness_error_rows() const;
    // Rows that could not be judged because our own event loop ran too late (finding probe.overload; counted
    // in harness_error_rows too), and rows that ran to a verdict but whose timings were measured under lag.
    int overloaded_rows() const;
    int lagged_rows() const;
    // The exit status of `vpnprobe run`: 0 every expectation held; 1 some did not; 3 some row could not be
    // probed (a harness error: the verdict is unknown, as Nagios' UNKNOWN). 3 wins over 1: a run with
    // a row that never probed is not a complete verdict on the targets, and the report says which rows failed.
    // (An interrupted run exits 128 + the signal instead: cli/run_command.cpp.)
    int exit_code() const;
};

}  // namespace vpnprobe::scenarios
