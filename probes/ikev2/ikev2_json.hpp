// The IKEv2 result as JSON: every phase, fact and finding. Field names are documented in README.md.
#pragma once

#include <boost/json/object.hpp>

#include "probes/ikev2/ikev2_probe.hpp"

namespace vpnprobe::probes {

boost::json::object to_json(const Ikev2Result& result);

}  // namespace vpnprobe::probes
