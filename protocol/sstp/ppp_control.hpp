// The packet format every PPP control protocol shares (RFC 1661 section 5): Code, Identifier, Length, and for
// Configure-Request/Ack/Nak/Reject a list of Type-Length-Value options. The Network Control Protocols (IPCP,
// IPV6CP, CCP) use codes 1-7 only (RFC 1332 section 2 and the like); LCP has its own typed codec in
// ppp_lcp.hpp and shares the code numbers and names (LcpCode, lcp_code_name) with this one.
//
// Options are kept as type and raw value: each NCP checks and interprets its own (ppp_ipcp.hpp). A code
// outside 1-7 is kept with its body as `data`, so that the caller can answer it with a Code-Reject.
// Errors carry the offset of the offending field, counted from `base_offset`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/bytes.hpp"
#include "protocol/sstp/ppp_lcp.hpp"

namespace vpnprobe::protocol {

struct CpOption {
    std::uint8_t type = 0;
    Bytes data;  // the value, without type and length
    bool operator==(const CpOption&) const = default;
};

struct CpPacket {
    LcpCode code = LcpCode::configure_request;
    std::uint8_t identifier = 0;
    std::vector<CpOption> options;  // Configure-Request/Ack/Nak/Reject
    Bytes data;  // Terminate-*: free data; Code-Reject: the rejected packet; another code: the whole body
    bool operator==(const CpPacket&) const = default;
};

bool cp_code_has_options(LcpCode code);

// `protocol` names the NCP in error messages ("IPCP"). Error codes as decode_lcp_packet: "truncated",
// "bad_length" (Length < 4), "length_mismatch", "truncated_option", "bad_option_length" (< 2),
// "option_overrun". Octets after Length are padding and ignored.
Decoded<CpPacket> decode_cp_packet(std::string_view protocol, ByteView packet, std::size_t base_offset = 0);

// Throws std::invalid_argument for an option value over 253 bytes or a packet over 65535.
Bytes encode_cp_packet(const CpPacket& packet);
// FF 03, the protocol number, the packet.
Bytes encode_cp_frame(std::uint16_t protocol, const CpPacket& packet);

}  // namespace vpnprobe::protocol
