#include "scenarios/results.hpp"

#include <algorithm>

#include "scenarios/probe_kind.hpp"

namespace vpnprobe::scenarios {

const ProbeKind& ProbeRun::kind() const { return *probe_kinds().at(result.index()); }

const probes::ProbeOutcome& ProbeRun::outcome() const {
    return std::visit([](const auto& r) -> const probes::ProbeOutcome& { return r; }, result);
}
probes::ProbeOutcome& ProbeRun::outcome() {
    return std::visit([](auto& r) -> probes::ProbeOutcome& { return r; }, result);
}

bool ProbeRun::success() const { return outcome().success; }
const std::string& ProbeRun::failed_phase() const { return outcome().failed_phase; }
const std::string& ProbeRun::windows_error() const { return outcome().windows_error; }
double ProbeRun::total_seconds() const { return outcome().total_seconds; }
const std::vector<probes::Phase>& ProbeRun::phases() const { return outcome().phases; }
const std::vector<probes::Finding>& ProbeRun::findings() const { return outcome().findings; }
const std::string& ProbeRun::address() const { return outcome().address; }
const std::vector<probes::CertificateFacts>& ProbeRun::chain() const { return kind().chain(result); }
const probes::ChainVerdict* ProbeRun::chain_verdict() const { return kind().chain_verdict(result); }

const probes::Finding* ProbeRun::first_error() const {
    for (const auto& f : findings())
        if (f.severity == probes::Severity::error) return &f;
    return nullptr;
}

bool ProbeRun::interrupted() const {
    for (const auto& p : phases())
        if (p.outcome == probes::PhaseOutcome::interrupted) return true;
    return false;
}

std::string ProbeRun::harness_error() const { return probes::harness_error(phases(), findings()); }

std::string RowResult::harness_error() const {
    for (const auto& run : runs)
        if (auto why = run.harness_error(); !why.empty()) return why;
    // A run that did probe, but whose missed timing expectation was measured under our own overload
    // (expectations.cpp): that expectation could not be judged here either.
    for (const auto& o : outcomes)
        if (o.check == "harness" && !o.held) return o.detail;
    return {};
}

std::string RowResult::id() const {
    return target + "/" + (address.empty() ? host : address) + "/" + vantage + "/" + probe;
}

bool ScenarioResult::passed() const { return failed_rows() == 0 && interrupted_rows() == 0 && !rows.empty(); }

int ScenarioResult::failed_rows() const {
    int n = 0;
    for (const auto& r : rows) n += r.passed || r.interrupted ? 0 : 1;
    return n;
}

int ScenarioResult::interrupted_rows() const {
    int n = 0;
    for (const auto& r : rows) n += r.interrupted ? 1 : 0;
    return n;
}

int ScenarioResult::harness_error_rows() const {
    int n = 0;
    for (const auto& r : rows) n += r.harness_error().empty() ? 0 : 1;
    return n;
}

int ScenarioResult::overloaded_rows() const {
    int n = 0;
    for (const auto& r : rows)
        n += std::any_of(r.runs.begin(), r.runs.end(),
                         [](const ProbeRun& run) {
                             const auto& f = run.findings();
                             return std::any_of(f.begin(), f.end(),
                                                [](const auto& x) { return x.check == "probe.overload"; });
                         })
                 ? 1
                 : 0;
    return n;
}

bool RowResult::timed_under_lag() const {
    return event_loop_lag_seconds > std::chrono::duration<double>(probes::kOverloadLag).count();
}

int ScenarioResult::lagged_rows() const {
    int n = 0;
    for (const auto& r : rows) n += r.timed_under_lag() ? 1 : 0;
    return n;
}

int ScenarioResult::exit_code() const {
    if (harness_error_rows() > 0) return 3;
    return passed() ? 0 : 1;
}

}  // namespace vpnprobe::scenarios
