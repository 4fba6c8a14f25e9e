// JSON for the parts every probe result shares.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "probes/probe_result.hpp"

namespace vpnprobe::probes {

boost::json::object to_json(const Phase& phase);
boost::json::object to_json(const Finding& finding);
boost::json::array to_json_array(const std::vector<Phase>& phases);
boost::json::array to_json_array(const std::vector<Finding>& findings);
boost::json::array to_json_array(const std::vector<std::string>& strings);

// The fields of ProbeOutcome, written once for every kind's JSON (README.md documents them), in the order
// every kind's result has them: `probe` (the kind's name), host, port, address, vantage, success, then the
// kind's own early fields (SSTP's handshake_ok), then outcome_phases, the kind's facts, and findings last.
void outcome_head(boost::json::object& o, const char* kind, const ProbeOutcome& r);
void outcome_phases(boost::json::object& o, const ProbeOutcome& r);  // failed_phase ... phases
void outcome_findings(boost::json::object& o, const ProbeOutcome& r);

}  // namespace vpnprobe::probes
