// Judging one run against expectations: the shared judge (expectations.cpp) and each kind's own checks
// (ProbeKind::judge) record every outcome through one Judge, which words the cause once.
#pragma once

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "scenarios/results.hpp"

namespace vpnprobe::scenarios {

// Words of the expectations' outcomes, the same for every kind.
namespace judging {

inline std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

inline std::string num(double v, int decimals = 1) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

inline const char* yes_no(bool b) { return b ? "true" : "false"; }

inline bool contains(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace judging

class Judge {
public:
    explicit Judge(const ProbeRun& run) : run_(run) {}

    void check(std::string name, std::string expected, std::string actual, bool held, std::string detail = {},
               std::string windows_error = {}) {
        out_.push_back(ExpectationOutcome{std::move(name), std::move(expected), std::move(actual), held,
                                          held ? std::string() : std::move(detail),
                                          held ? std::string() : std::move(windows_error)});
    }
    // Why the connection did not work, in the probe's words, for outcomes that depend on it.
    std::string why() const {
        if (const auto* f = run_.first_error()) return f->check + ": " + f->detail;
        for (const auto& p : run_.phases())
            if (p.outcome != probes::PhaseOutcome::ok) return p.name + ": " + p.error;
        return {};
    }
    // The cause is told in full under the first failed expectation only; the others point at it.
    std::vector<ExpectationOutcome> take() {
        const std::string cause = why();
        bool told = false;
        for (auto& o : out_) {
            if (o.held || cause.empty()) continue;
            auto at = o.detail.find(cause);
            if (at == std::string::npos) continue;
            if (told) o.detail.replace(at, cause.size(), "(the cause above)");
            told = true;
        }
        return std::move(out_);
    }

private:
    const ProbeRun& run_;
    std::vector<ExpectationOutcome> out_;
};

}  // namespace vpnprobe::scenarios
