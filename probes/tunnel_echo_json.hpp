// tunnel.ping in the JSON of the SSTP and the IKEv2 probe: one shape for both.
#pragma once

#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "probes/tunnel_echo.hpp"

namespace vpnprobe::probes {

// target, sent, replies, loss, echoes[{sequence, replied, rtt_ms (when replied), answer}].
boost::json::object tunnel_ping_json(const std::string& target, const std::vector<TunnelEcho>& echoes, int replies);

}  // namespace vpnprobe::probes
