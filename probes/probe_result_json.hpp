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

}  // namespace vpnprobe::probes
