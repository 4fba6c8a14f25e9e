// Everything local a scenario names, checked before anything runs (by `run`, `run --dry-run` and `serve`
// alike): every vantage point's namespace exists and is a network namespace, its source address and
// interface exist inside that namespace, every CA file reads and holds PEM certificates, every password file's
// first line reads and every password variable is set (the password is dropped: a run reads it). The loader checks
// the file's form; this checks the machine, so the loader stays usable where the lab is not.
#pragma once

#include <vector>

#include "scenarios/scenario.hpp"
#include "scenarios/scenario_loader.hpp"

namespace vpnprobe::scenarios {

// Every problem, each at the position of the key that names the thing (file:line:column).
std::vector<ScenarioProblem> preflight_problems(const Scenario& scenario);
// Throws ScenarioError when there is any.
void preflight(const Scenario& scenario);

}  // namespace vpnprobe::scenarios
