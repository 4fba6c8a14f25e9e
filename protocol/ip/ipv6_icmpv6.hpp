// A minimal IPv6 (RFC 8200) and ICMPv6 (RFC 4443) codec for the data-path check through an IPv6 tunnel (the inner
// packet of ESP with Next Header 41, when the server assigns INTERNAL_IP6_ADDRESS): one echo request, and whatever
// comes back decoded far enough to judge it, as ipv4_icmp.hpp does for IPv4 (and with its IcmpMessage and
// EchoAnswer). The ICMPv6 checksum covers the pseudo-header of RFC 8200 section 8.1 and is computed on encoding
// and verified on decoding. Extension headers are not walked: a packet whose Next Header is not ICMPv6 is
// "unrelated" to an echo.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "protocol/bytes.hpp"
#include "protocol/ip/ipv4_icmp.hpp"

namespace vpnprobe::protocol {

using Ipv6Address = std::array<std::uint8_t, 16>;
inline constexpr std::uint8_t ip_protocol_icmpv6 = 58;
inline constexpr std::size_t ipv6_header_size = 40;

struct Ipv6Packet {
    std::uint8_t traffic_class = 0;
    std::uint32_t flow_label = 0;  // 20 bits
    std::uint8_t next_header = ip_protocol_icmpv6;
    std::uint8_t hop_limit = 64;
    Ipv6Address source{};
    Ipv6Address destination{};
    Bytes payload;
    bool operator==(const Ipv6Packet&) const = default;
};

// Error codes: "truncated" (fewer than 40 bytes), "not_ipv6" (version is not 6), "bad_payload_length" (Payload
// Length past the buffer; 0, a jumbogram, counts as past it). Bytes after Payload Length are ignored.
Decoded<Ipv6Packet> decode_ipv6_packet(ByteView packet);
// Throws std::invalid_argument for a payload over 65535 bytes or a flow label over 20 bits.
Bytes encode_ipv6_packet(const Ipv6Packet& packet);

enum class Icmpv6Type : std::uint8_t {
    destination_unreachable = 1,
    packet_too_big = 2,
    time_exceeded = 3,
    echo_request = 128,
    echo_reply = 129,
};

// The ICMPv6 checksum of `message` (its checksum field as it is) between the two addresses; 0 over a message whose
// checksum is right.
std::uint16_t icmpv6_checksum(const Ipv6Address& source, const Ipv6Address& destination, ByteView message);
// As decode_icmp/encode_icmp (an echo's identifier and sequence, the data), with the pseudo-header checksum.
// Error codes: "truncated" (fewer than 4 bytes, 8 for an echo), "bad_checksum".
Decoded<IcmpMessage> decode_icmpv6(const Ipv6Address& source, const Ipv6Address& destination, ByteView message);
Bytes encode_icmpv6(const Ipv6Address& source, const Ipv6Address& destination, const IcmpMessage& message);

// An IPv6 packet carrying an ICMPv6 echo request, ready to put in an ESP payload (Next Header 41).
Bytes encode_ipv6_echo_request(const Ipv6Address& source, const Ipv6Address& destination, std::uint16_t identifier,
                               std::uint16_t sequence, ByteView data, std::uint8_t hop_limit = 64);

struct Echo6Classification {
    EchoAnswer answer = EchoAnswer::unrelated;
    std::optional<IcmpMessage> icmp;
    Ipv6Address from{};
};
// As classify_echo_answer for IPv4: an Echo Reply (129) with our identifier and sequence from the target, from
// another address, a Destination Unreachable / Packet Too Big / Time Exceeded quoting our echo request, an ICMPv6
// message to us that does not decode, or anything else.
Echo6Classification classify_echo6_answer(const Ipv6Packet& packet, const Ipv6Address& our_address,
                                          const Ipv6Address& target, std::uint16_t identifier, std::uint16_t sequence);

// "2001:db8::1" (RFC 5952: lower case, the longest run of two or more zero groups as "::").
std::string to_string(const Ipv6Address& address);

}  // namespace vpnprobe::protocol
