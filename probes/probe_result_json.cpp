#include "probes/probe_result_json.hpp"

namespace vpnprobe::probes {

namespace json = boost::json;

json::object to_json(const Phase& p) {
    json::object o;
    o["name"] = p.name;
    o["outcome"] = to_string(p.outcome);
    o["seconds"] = p.seconds;
    if (!p.error.empty()) o["error"] = p.error;
    if (p.local) o["local"] = true;
    return o;
}

json::object to_json(const Finding& f) {
    json::object o;
    o["severity"] = to_string(f.severity);
    o["check"] = f.check;
    o["detail"] = f.detail;
    if (!f.windows_error.empty()) o["windows_error"] = f.windows_error;
    return o;
}

json::array to_json_array(const std::vector<Phase>& phases) {
    json::array a;
    for (const auto& p : phases) a.push_back(to_json(p));
    return a;
}

json::array to_json_array(const std::vector<Finding>& findings) {
    json::array a;
    for (const auto& f : findings) a.push_back(to_json(f));
    return a;
}

json::array to_json_array(const std::vector<std::string>& strings) {
    json::array a;
    for (const auto& s : strings) a.emplace_back(s);
    return a;
}

void outcome_head(json::object& o, const char* kind, const ProbeOutcome& r) {
    o["probe"] = kind;
    o["host"] = r.host;
    o["port"] = r.port;
    o["address"] = r.address;
    o["vantage"] = r.vantage;
    o["success"] = r.success;
}

void outcome_phases(json::object& o, const ProbeOutcome& r) {
    o["failed_phase"] = r.failed_phase;
    o["windows_error"] = r.windows_error;
    o["total_seconds"] = r.total_seconds;
    o["phases"] = to_json_array(r.phases);
}

void outcome_findings(json::object& o, const ProbeOutcome& r) { o["findings"] = to_json_array(r.findings); }

}  // namespace vpnprobe::probes
