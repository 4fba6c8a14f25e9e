#include "scenarios/preflight.hpp"

#include "probes/local_checks.hpp"

namespace vpnprobe::scenarios {

std::vector<ScenarioProblem> preflight_problems(const Scenario& s) {
    std::vector<ScenarioProblem> out;
    auto add = [&](Mark at, const std::string& message) { out.push_back(ScenarioProblem{s.file, at, message}); };
    for (const auto& v : s.vantage_points) {
        using Field = probes::VantageProblem::Field;
        for (const auto& p : probes::vantage_problems(v.vantage)) {
            const Mark at = p.field == Field::netns       ? v.netns_mark
                            : p.field == Field::interface ? v.interface_mark
                                                          : v.source_mark;
            add(at, "vantage point '" + v.name + "': " + p.message);
        }
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
