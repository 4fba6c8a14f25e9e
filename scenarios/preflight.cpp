#include "scenarios/preflight.hpp"

#include "probes/local_checks.hpp"

namespace vpnprobe::scenarios {

std::vector<ScenarioProblem> preflight_problems(const Scenario& s) {
    std::vector<ScenarioProblem> out;
    auto add = [&](Mark at, const std::string& message) { out.push_back(ScenarioProblem{s.file, at, message}); };
    for (const auto& v : s.vantage_points) {
        const auto& vp = v.vantage;
        const std::string who = "vantage point '" + v.name + "': ";
        if (!vp.netns.empty()) {
            if (auto p = probes::netns_problem(vp.netns)) {
                add(v.netns_mark, who + *p);
                continue;  // its source and interface cannot be checked without the namespace
            }
        }
        if (auto p = probes::interface_problem(vp)) add(v.interface_mark, who + *p);
        if (auto p = probes::source_problem(vp)) add(v.source_mark, who + *p);
    }
    for (const auto& t : s.targets)
        if (t.ca)
            if (auto p = probes::certificate_file_problem(*t.ca)) add(t.ca_mark, "target '" + t.name + "': ca " + *p);
    return out;
}

void preflight(const Scenario& s) {
    auto problems = preflight_problems(s);
    if (!problems.empty()) throw ScenarioError(std::move(problems));
}

}  // namespace vpnprobe::scenarios
