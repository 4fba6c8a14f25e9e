// UDP encapsulation of ESP (RFC 3948) on the NAT-T port 4500, which IKE shares once it has floated there
// (RFC 7296 2.23): one UDP payload is one of
//   * an IKE message behind the 4-byte non-ESP marker (four zero bytes: where ESP has its SPI, never 0);
//   * an ESP packet, from its SPI on, with nothing in front (RFC 3948 2.1);
//   * a NAT-keepalive: the single byte 0xFF (RFC 3948 2.2), to ignore.
#pragma once

#include <cstdint>

#include "protocol/bytes.hpp"

namespace vpnprobe::protocol::esp {

inline constexpr std::uint16_t nat_t_port = 4500;

enum class Udp4500Kind {
    ike,  // `body` is the IKE message, after the marker
    esp,  // `body` is the whole payload, the ESP packet
    keepalive,
    malformed,  // 1 to 7 bytes that are none of the above (an ESP packet has at least SPI and sequence number)
};

struct Udp4500Payload {
    Udp4500Kind kind = Udp4500Kind::malformed;
    ByteView body;
};

Udp4500Payload classify_udp_4500(ByteView udp_payload);

// What goes into a UDP datagram to port 4500 for an IKE message: the non-ESP marker and the message.
Bytes with_non_esp_marker(ByteView ike_message);

}  // namespace vpnprobe::protocol::esp
