// PPP frames as SSTP data packets carry them, and LCP (RFC 1661) inside them: what a probe needs to
// read a server's link configuration and to answer it without credentials.
//
// Address and control (FF 03): MS-SSTP puts "a PPP frame" in the SSTP data packet with no HDLC
// framing (no flag bytes, escaping or FCS) and says nothing about the address and control fields. Every
// frame we send starts with FF 03 anyway, because SoftEther's SSTP server (Proto_PPP.c, ParsePPPPacket)
// drops any frame that does not, Windows clients interoperate with it (so they send them too), pppd behind
// sstp-client emits them, and RFC 1661 6.6 forbids compressing them on LCP packets in any case. A peer
// that negotiated Address-and-Control-Field-Compression may leave them out of non-LCP frames, and a
// compressed one-byte protocol field follows the same logic, so the decoder accepts both forms.
//
// Decoding is as strict as for SSTP: errors carry the offset of the offending field, counted from the
// start of the PPP frame (or of the LCP packet, for decode_lcp_packet without a base offset). Unknown LCP
// codes and unknown options are kept raw rather than refused: the RFC's answer to them is Code-Reject or
// Configure-Reject, which needs the original bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "protocol/bytes.hpp"

namespace vpnprobe::protocol {

inline constexpr std::uint16_t ppp_protocol_ipv4 = 0x0021;
inline constexpr std::uint16_t ppp_protocol_ipv6 = 0x0057;
inline constexpr std::uint16_t ppp_protocol_ipcp = 0x8021;
inline constexpr std::uint16_t ppp_protocol_ipv6cp = 0x8057;
inline constexpr std::uint16_t ppp_protocol_ccp = 0x80fd;
inline constexpr std::uint16_t ppp_protocol_lcp = 0xc021;
inline constexpr std::uint16_t ppp_protocol_pap = 0xc023;
inline constexpr std::uint16_t ppp_protocol_lqr = 0xc025;
inline constexpr std::uint16_t ppp_protocol_chap = 0xc223;
inline constexpr std::uint16_t ppp_protocol_eap = 0xc227;

// "LCP", "PAP", "CHAP", "EAP", "IPCP", "IPV6CP", "CCP", "IPv4", "IPv6", "LQR"; else "0x80fb".
std::string ppp_protocol_name(std::uint16_t protocol);

struct PppFrame {
    bool address_control = true;  // FF 03 was present
    std::uint16_t protocol = 0;
    Bytes information;  // the protocol's packet
    std::size_t information_offset = 0;  // where `information` starts in the frame, to report offsets
    bool operator==(const PppFrame&) const = default;
};

// Error codes: "truncated", "bad_control" (FF not followed by 03), "bad_protocol" (an even low octet,
// which RFC 1661 section 2 rules out for every protocol number).
Decoded<PppFrame> decode_ppp_frame(ByteView frame);
// FF 03, the two-byte protocol, the information field.
Bytes encode_ppp_frame(std::uint16_t protocol, ByteView information);

// ---- LCP ------------------------------------------------------------------------------------------

enum class LcpCode : std::uint8_t {
    configure_request = 1,
    configure_ack = 2,
    configure_nak = 3,
    configure_reject = 4,
    terminate_request = 5,
    terminate_ack = 6,
    code_reject = 7,
    protocol_reject = 8,
    echo_request = 9,
    echo_reply = 10,
    discard_request = 11,
    identification = 12,  // RFC 1570; Windows RAS sends these ("MSRASV5.20", "MSRAS-0-HOST")
    time_remaining = 13,  // RFC 1570
};

// "Configure-Request", ...; "Code-42" for a code outside the enumeration.
std::string lcp_code_name(LcpCode code);

inline constexpr std::uint8_t lcp_option_mru = 1;
inline constexpr std::uint8_t lcp_option_accm = 2;
inline constexpr std::uint8_t lcp_option_auth_protocol = 3;
inline constexpr std::uint8_t lcp_option_quality_protocol = 4;
inline constexpr std::uint8_t lcp_option_magic_number = 5;
inline constexpr std::uint8_t lcp_option_pfc = 7;
inline constexpr std::uint8_t lcp_option_acfc = 8;

// CHAP algorithms (the byte after 0xc223 in the Authentication-Protocol option).
inline constexpr std::uint8_t chap_algorithm_md5 = 0x05;
inline constexpr std::uint8_t chap_algorithm_ms_chap = 0x80;
inline constexpr std::uint8_t chap_algorithm_ms_chap_v2 = 0x81;

struct LcpMru {
    std::uint16_t mru = 1500;
    bool operator==(const LcpMru&) const = default;
};
struct LcpAccm {
    std::uint32_t accm = 0;
    bool operator==(const LcpAccm&) const = default;
};
struct LcpAuthProtocol {
    std::uint16_t protocol = ppp_protocol_eap;
    Bytes data;  // CHAP: exactly the algorithm byte; others: whatever followed the protocol
    std::optional<std::uint8_t> chap_algorithm() const;
    bool operator==(const LcpAuthProtocol&) const = default;
};
struct LcpQualityProtocol {
    std::uint16_t protocol = ppp_protocol_lqr;
    Bytes data;
    bool operator==(const LcpQualityProtocol&) const = default;
};
struct LcpMagicNumber {
    std::uint32_t magic = 0;
    bool operator==(const LcpMagicNumber&) const = default;
};
struct LcpPfc {
    bool operator==(const LcpPfc&) const = default;
};
struct LcpAcfc {
    bool operator==(const LcpAcfc&) const = default;
};
struct LcpRawOption {
    std::uint8_t type = 0;
    Bytes data;  // the value, without type and length
    bool operator==(const LcpRawOption&) const = default;
};

using LcpOption =
    std::variant<LcpMru, LcpAccm, LcpAuthProtocol, LcpQualityProtocol, LcpMagicNumber, LcpPfc, LcpAcfc, LcpRawOption>;

std::uint8_t lcp_option_type(const LcpOption& option);
LcpAuthProtocol lcp_auth_chap(std::uint8_t algorithm = chap_algorithm_ms_chap_v2);
// "EAP", "PAP", "MS-CHAPv2", "MS-CHAP", "CHAP-MD5", "CHAP-0x42", or the protocol's name or number.
std::string lcp_auth_protocol_name(const LcpAuthProtocol& auth);

struct LcpPacket {
    LcpCode code = LcpCode::configure_request;
    std::uint8_t identifier = 0;
    std::vector<LcpOption> options;  // Configure-Request/Ack/Nak/Reject
    std::uint32_t magic_number = 0;  // Echo-Request/Reply, Discard-Request, Identification, Time-Remaining
    std::uint16_t rejected_protocol = 0;  // Protocol-Reject
    // Terminate-*: the free-form data; Echo-*, Discard-Request, Identification, Time-Remaining: what follows
    // the magic number; Code-Reject: the rejected packet; Protocol-Reject: the rejected information; a code
    // not listed above: the whole body after the 4-byte header.
    Bytes data;
    bool operator==(const LcpPacket&) const = default;
};

// Error codes: "truncated" (fewer than 4 bytes), "bad_length" (Length < 4, or below the minimum of the
// code: 8 for Echo/Discard/Identification, 6 for Protocol-Reject, 12 for Time-Remaining),
// "length_mismatch" (Length larger than the buffer), "truncated_option" (a lone byte where an option
// header should be), "bad_option_length" (option length < 2, or not the fixed size of a known option),
// "option_overrun" (option past the end of the packet). Octets after Length are padding and ignored
// (RFC 1661 section 5). Offsets are counted from `base_offset`.
Decoded<LcpPacket> decode_lcp_packet(ByteView packet, std::size_t base_offset = 0);
// A PPP frame that must carry LCP ("not_lcp" otherwise); offsets are counted from the frame's start.
Decoded<LcpPacket> decode_lcp_frame(ByteView ppp_frame);

// Encoders throw std::invalid_argument for an option value over 253 bytes or a packet over 65535.
Bytes encode_lcp_option(const LcpOption& option);
Bytes encode_lcp_packet(const LcpPacket& packet);  // the bare LCP packet
// The rest return whole PPP frames (FF 03 C0 21 + LCP), ready for encode_sstp_data.
Bytes encode_lcp_frame(const LcpPacket& packet);
Bytes encode_lcp_configure_request(std::uint8_t identifier, const std::vector<LcpOption>& options);
// Ack and Reject echo the peer's options unchanged (RFC 1661 5.2, 5.4); Nak carries the values we want.
Bytes encode_lcp_configure_ack(std::uint8_t identifier, const std::vector<LcpOption>& options);
Bytes encode_lcp_configure_nak(std::uint8_t identifier, const std::vector<LcpOption>& options);
Bytes encode_lcp_configure_reject(std::uint8_t identifier, const std::vector<LcpOption>& options);
Bytes encode_lcp_terminate_request(std::uint8_t identifier, ByteView data = {});
Bytes encode_lcp_terminate_ack(std::uint8_t identifier, ByteView data = {});
// `magic` is our own Magic-Number (0 if none was negotiated), not the requester's (RFC 1661 5.8); the
// identifier and data are copied from the Echo-Request.
Bytes encode_lcp_echo_request(std::uint8_t identifier, std::uint32_t magic, ByteView data = {});
Bytes encode_lcp_echo_reply(std::uint8_t identifier, std::uint32_t magic, ByteView data = {});
Bytes encode_lcp_protocol_reject(std::uint8_t identifier, std::uint16_t protocol, ByteView information);
Bytes encode_lcp_code_reject(std::uint8_t identifier, ByteView rejected_packet);

// "MRU=1500", "Auth=EAP", "Magic=0x1234abcd", "ACCM=0x000a0000", "PFC", "ACFC", "Callback=06".
std::string describe(const LcpOption& option);
// "LCP Configure-Request id=1 [MRU=1500, Auth=EAP, Magic=0x1234abcd]", "LCP Echo-Reply id=3 magic=0x...".
std::string describe(const LcpPacket& packet);
// An LCP frame as above; another protocol by name and size ("EAP 12 bytes").
std::string describe(const PppFrame& frame);
// Decodes and describes; an undecodable frame as "PPP frame undecodable: <error>".
std::string describe_ppp_frame(ByteView frame);

}  // namespace vpnprobe::protocol
