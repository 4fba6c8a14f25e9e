#include "scenarios/preflight.hpp"

#include "probes/local_checks.hpp"
#include "probes/password_source.hpp"

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
    // The password is read again by each run (a rotated one is taken by the next scrape); here only whether it
    // can be, so that a missing file or variable is refused before anything runs, not found row by row.
    auto credentials = [&](const std::optional<Credentials>& c, Mark at, const std::string& whose) {
        if (!c) return;
        const auto problem = c->password_file.empty() ? probes::password_env_problem(c->password_env)
                                                      : probes::password_file_problem(c->password_file);
        if (problem) add(at, whose + ": credentials of " + c->user + ": " + c->source() + " " + *problem);
    };
    for (const auto& t : s.targets) credentials(t.credentials, t.credentials_mark, "target '" + t.name + "'");
    for (const auto& p : s.probes) credentials(p.credentials, p.credentials_mark, "probe '" + p.name + "'");
    return out;
}

void preflight(const Scenario& s) {
    auto problems = preflight_problems(s);
    if (!problems.empty()) throw ScenarioError(std::move(problems));
}

}  // namespace vpnprobe::scenarios
