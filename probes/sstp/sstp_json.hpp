// The SSTP result as JSON: every phase, fact and finding. Field names are documented in README.md.
#pragma once

#include <boost/json/object.hpp>

#include "probes/probe_result_json.hpp"
#include "probes/sstp/sstp_probe.hpp"

namespace vpnprobe::probes {

boost::json::object to_json(const TlsFacts& tls);
boost::json::object to_json(const SstpResult& result);

}  // namespace vpnprobe::probes
