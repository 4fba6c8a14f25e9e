// Reads and checks a scenario file (YAML). Everything is checked before anything runs: an unknown key, a
// wrong type, a missing field, a reference to an unknown vantage point or target, an option that does not
// fit its probe. Every problem is reported with file:line:column and what was expected.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "scenarios/scenario.hpp"

namespace vpnprobe::scenarios {

struct ScenarioProblem {
    std::string file;
    Mark mark;
    std::string message;
    std::string to_string() const;  // "file:line:column: message"
};

class ScenarioError : public std::runtime_error {
public:
    explicit ScenarioError(std::vector<ScenarioProblem> problems);
    const std::vector<ScenarioProblem>& problems() const { return problems_; }

private:
    std::vector<ScenarioProblem> problems_;
};

// Throws ScenarioError (every problem found, not only the first).
Scenario load_scenario_file(const std::string& path);
// The same for text already in memory; `file` names it in messages.
Scenario load_scenario_text(const std::string& text, const std::string& file);

}  // namespace vpnprobe::scenarios
