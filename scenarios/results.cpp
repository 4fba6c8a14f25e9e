#include "scenarios/results.hpp"

namespace vpnprobe::scenarios {

// Every accessor asks whichever result the run holds; a run always holds the one of its type.
#define VPNPROBE_RUN_FIELD(expr) (type == ProbeType::sstp ? sstp->expr : ikev2->expr)

bool ProbeRun::success() const { return VPNPROBE_RUN_FIELD(success); }
const std::string& ProbeRun::failed_phase() const { return VPNPROBE_RUN_FIELD(failed_phase); }
const std::string& ProbeRun::windows_error() const { return VPNPROBE_RUN_FIELD(windows_error); }
double ProbeRun::total_seconds() const { return VPNPROBE_RUN_FIELD(total_seconds); }
const std::vector<probes::Phase>& ProbeRun::phases() const { return VPNPROBE_RUN_FIELD(phases); }
const std::vector<probes::Finding>& ProbeRun::findings() const { return VPNPROBE_RUN_FIELD(findings); }
const std::string& ProbeRun::address() const { return VPNPROBE_RUN_FIELD(address); }

#undef VPNPROBE_RUN_FIELD

const std::vector<probes::CertificateFacts>& ProbeRun::chain() const {
    static const std::vector<probes::CertificateFacts> none;
    if (type == ProbeType::sstp) return sstp->tls ? sstp->tls->chain : none;
    return ikev2->ike.chain;
}

const probes::ChainVerdict* ProbeRun::chain_verdict() const {
    if (type == ProbeType::sstp) return sstp->tls ? &sstp->tls->chain_verdict : nullptr;
    return ikev2->ike.chain_verdict ? &*ikev2->ike.chain_verdict : nullptr;
}

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

int ScenarioResult::exit_code() const {
    if (harness_error_rows() > 0) return 3;
    return passed() ? 0 : 1;
}

}  // namespace vpnprobe::scenarios
