// A minimal IPv4 (RFC 791) and ICMP (RFC 792) codec for the data-path check of both tunnels: one echo
// request sent inside the tunnel (a PPP frame of protocol 0x0021 for SSTP, the inner packet of ESP for IKEv2)
// and whatever comes back decoded far enough to judge it: an echo reply from the address we pinged, or an ICMP
// error from a router on the way (host unreachable, TTL exceeded), or something else.
//
// Checksums (RFC 1071) are computed on encoding and verified on decoding: a packet with a wrong header or
// ICMP checksum is refused by name, like any lying length. Fragments are refused too ("fragment"): a probe
// sends echo requests small enough never to be fragmented, and reassembly is not worth its risk here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "protocol/bytes.hpp"
#include "protocol/ip/ipv4_address.hpp"

namespace vpnprobe::protocol {

inline constexpr std::uint8_t ip_protocol_icmp = 1;

// The Internet checksum (RFC 1071): the one's complement of the one's complement sum of 16-bit words (an odd
// byte padded with zero). Over data that includes a correct checksum it is 0.
std::uint16_t internet_checksum(ByteView data);

struct Ipv4Packet {
    std::uint8_t tos = 0;
    std::uint16_t identification = 0;
    bool dont_fragment = false;
    std::uint8_t ttl = 64;
    std::uint8_t protocol = ip_protocol_icmp;
    Ipv4Address source{};
    Ipv4Address destination{};
    Bytes options;  // decoded only: what the header carried past its 20 bytes (IHL > 5)
    Bytes payload;
    bool operator==(const Ipv4Packet&) const = default;
};

// Error codes: "truncated" (fewer than 20 bytes), "not_ipv4" (version is not 4), "bad_ihl" (IHL < 5 or past
// the buffer), "bad_total_length" (Total Length below the header or past the buffer), "bad_header_checksum",
// "fragment" (More Fragments set or a fragment offset). Bytes after Total Length are ignored (link padding).
Decoded<Ipv4Packet> decode_ipv4_packet(ByteView packet);
// A 20-byte header (options are not encoded) with Total Length and the header checksum computed. Throws
// std::invalid_argument for a payload that makes the packet longer than 65535 bytes.
Bytes encode_ipv4_packet(const Ipv4Packet& packet);

enum class IcmpType : std::uint8_t {
    echo_reply = 0,
    destination_unreachable = 3,
    echo_request = 8,
    time_exceeded = 11,
};

struct IcmpMessage {
    std::uint8_t type = static_cast<std::uint8_t>(IcmpType::echo_request);
    std::uint8_t code = 0;
    std::uint16_t identifier = 0;  // echo request/reply
    std::uint16_t sequence = 0;  // echo request/reply
    Bytes data;  // echo: the data; other types: everything after the 4-byte header (for errors, the unused
        // word and the start of the packet that caused them)
    bool operator==(const IcmpMessage&) const = default;

    bool is_echo_reply() const { return type == static_cast<std::uint8_t>(IcmpType::echo_reply); }
};

// Error codes: "truncated" (fewer than 4 bytes, or fewer than 8 for an echo), "bad_checksum".
Decoded<IcmpMessage> decode_icmp(ByteView message);
// Type, code, checksum and for echoes identifier and sequence, then the data; the checksum computed.
Bytes encode_icmp(const IcmpMessage& message);

// An IPv4 packet carrying an ICMP echo request, ready to put in a PPP frame or an ESP payload.
Bytes encode_ipv4_echo_request(const Ipv4Address& source, const Ipv4Address& destination, std::uint16_t identifier,
                               std::uint16_t sequence, ByteView data, std::uint16_t ip_identification = 0,
                               std::uint8_t ttl = 64);

// What a packet that came back through the tunnel says about one echo request we sent (from `our_address` to
// `target` with `identifier` and `sequence`):
enum class EchoAnswer {
    reply,  // an Echo Reply from the target with our identifier and sequence
    reply_from_wrong_address,  // our identifier and sequence, but from another address: a NAT or a broken
    // route answers in the target's place, the path was not proven
    icmp_error,  // a Destination Unreachable or Time Exceeded quoting our echo request (icmp.code says which)
    malformed,  // addressed to us and ICMP, but the ICMP does not decode (a checksum, a length)
    unrelated,  // anything else: not for us, not ICMP, another echo (an earlier sequence), another error
};
struct EchoClassification {
    EchoAnswer answer = EchoAnswer::unrelated;
    std::optional<IcmpMessage> icmp;  // when it decoded
    Ipv4Address from{};  // the packet's source (for an ICMP error: the router that sent it)
};
EchoClassification classify_echo_answer(const Ipv4Packet& packet, const Ipv4Address& our_address,
                                        const Ipv4Address& target, std::uint16_t identifier, std::uint16_t sequence);

// "ICMP Echo Reply id=0x1234 seq=1 56 bytes", "ICMP Destination Unreachable code=1 (host unreachable)".
std::string describe(const IcmpMessage& message);
// "IPv4 192.0.2.7 > 198.51.100.1 ttl=64 ICMP Echo Request id=0x1234 seq=1 56 bytes"; another protocol by number.
std::string describe(const Ipv4Packet& packet);

}  // namespace vpnprobe::protocol
