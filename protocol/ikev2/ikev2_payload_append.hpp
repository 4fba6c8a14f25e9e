// Inside the IKEv2 codec only (ikev2_payloads.cpp, ikev2_message.cpp): a payload's body appended to a buffer,
// so that the message encoder writes every payload into the message's one buffer instead of a vector each.
#pragma once

#include "protocol/ikev2/ikev2_payloads.hpp"

namespace vpnprobe::protocol::ikev2 {

// What encode_payload_body returns, appended to `out` (throws as it does; `out` is then left partly written).
void append_payload_body(Bytes& out, const Payload& payload);

}  // namespace vpnprobe::protocol::ikev2
