// The short, readable SSTP report for a terminal.
#pragma once

#include <string>

#include "probes/sstp/sstp_probe.hpp"

namespace vpnprobe::cli {

std::string render_sstp_text(const probes::SstpResult& result);

}  // namespace vpnprobe::cli
