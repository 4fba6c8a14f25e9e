// The short, readable IKEv2 report for a terminal.
#pragma once

#include <string>

#include "probes/ikev2/ikev2_probe.hpp"

namespace vpnprobe::cli {

std::string render_ikev2_text(const probes::Ikev2Result& result);

}  // namespace vpnprobe::cli
