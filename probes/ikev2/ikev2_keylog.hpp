// A line of Wireshark's IKEv2 decryption table (the ikev2_decryption_table UAT file): SPIs, keys and the
// algorithm names Wireshark expects, so a capture of a probe can be decrypted. Pure; the driver writes it.
#pragma once

#include <string>

#include "probes/ikev2/ikev2_exchange.hpp"

namespace vpnprobe::probes {

// "" when the IKE SA has no keys.
std::string wireshark_keylog_line(const IkeSaState& sa);

}  // namespace vpnprobe::probes
