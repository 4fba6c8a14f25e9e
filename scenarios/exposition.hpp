// The Prometheus text exposition (format 0.0.4) being written: families in the order first declared, each
// family's samples under it. report_prometheus.cpp writes the shared series, each kind its own
// (ProbeKind::prometheus_families and prometheus_samples).
#pragma once

#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace vpnprobe::scenarios {

namespace prometheus {

inline std::string escape(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

inline std::string number(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

inline std::string label(const std::string& k, const std::string& v) { return k + "=\"" + escape(v) + "\""; }

}  // namespace prometheus

class Exposition {
public:
    // Families in the order first declared; samples grouped under their family, as the format requires.
    // While a prefix is set, only families whose name starts with it are declared (the others are declared
    // by a later pass): report_prometheus.cpp keeps the blackbox_exporter names (probe_*) together.
    void family(const std::string& name, const std::string& type, const std::string& help) {
        if (families_.count(name) || name.rfind(only_prefix_, 0) != 0) return;
        order_.push_back(name);
        families_[name] = "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    }
    void sample(const std::string& name, const std::string& labels, double value) {
        families_[name] += name + "{" + labels + "} " + prometheus::number(value) + "\n";
    }
    void only_families_starting_with(std::string prefix) { only_prefix_ = std::move(prefix); }
    std::string text() const {
        std::string s;
        for (const auto& n : order_) s += families_.at(n);
        return s;
    }

private:
    std::vector<std::string> order_;
    std::map<std::string, std::string> families_;
    std::string only_prefix_;
};

}  // namespace vpnprobe::scenarios
