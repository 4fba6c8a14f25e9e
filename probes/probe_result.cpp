#include "probes/probe_result.hpp"

namespace vpnprobe::probes {

const char* to_string(PhaseOutcome o) {
    switch (o) {
    case PhaseOutcome::ok:
        return "ok";
    case PhaseOutcome::failed:
        return "failed";
    case PhaseOutcome::timeout:
        return "timeout";
    case PhaseOutcome::skipped:
        return "skipped";
    case PhaseOutcome::interrupted:
        return "interrupted";
    }
    return "?";
}

const char* to_string(Severity s) {
    switch (s) {
    case Severity::error:
        return "error";
    case Severity::warning:
        return "warning";
    case Severity::info:
        return "info";
    }
    return "?";
}

Phase& PhaseTimer::finish(PhaseOutcome outcome, std::string error) {
    Phase p;
    p.name = name_;
    p.outcome = outcome;
    p.seconds = std::chrono::duration<double>(clock::now() - start_).count();
    p.error = std::move(error);
    phases_.push_back(std::move(p));
    return phases_.back();
}

const Phase* find_phase(const std::vector<Phase>& phases, const std::string& name) {
    for (const auto& p : phases)
        if (p.name == name) return &p;
    return nullptr;
}

std::string harness_error(const std::vector<Phase>& phases, const std::vector<Finding>& findings) {
    for (const auto& f : findings)
        if (f.check == "probe.local") return f.detail;
    for (const auto& p : phases)
        if (p.local) return "the probe could not run its " + p.name + " phase: " + p.error;
    return {};
}

}  // namespace vpnprobe::probes
