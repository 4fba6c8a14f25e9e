// Expectations judge a run: each one held or not, with what was expected and what came back. The probes
// never judge what a scenario wants; this is the only place that does.
#pragma once

#include <vector>

#include "scenarios/results.hpp"
#include "scenarios/scenario.hpp"

namespace vpnprobe::scenarios {

// The expectations of one run. With no success/failed_phase/windows_error given, success is expected.
std::vector<ExpectationOutcome> evaluate(const Expectations& expect, const ProbeRun& run);

// Over several runs of one row: an expectation holds only if it held in every run; a failure says in how
// many runs it failed and shows the first failing run's actual value.
std::vector<ExpectationOutcome> evaluate_runs(const Expectations& expect, const std::vector<ProbeRun>& runs);

// The expectations a probe spec has for one vantage point (expect_by_vantage replaces expect whole).
const Expectations& expectations_for(const ProbeSpec& probe, const std::string& vantage);

// SHA-256 fingerprints compare without colons and case.
std::string normalise_fingerprint(const std::string& fingerprint);

}  // namespace vpnprobe::scenarios
