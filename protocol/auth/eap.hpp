// EAP packets (RFC 3748 section 4 and 5): what a client needs to answer an authenticator inside PPP (protocol
// 0xC227, see ppp_lcp.hpp) or inside IKE_AUTH (the EAP payload, RFC 7296 3.16). The methods live in their
// own files (eap_mschapv2.hpp); this codec keeps a method's Type-Data as bytes.
//
// Decoding is strict about what the RFC fixes: Length at least 4 (5 for Request/Response, which carry a
// Type), Length not past the buffer; octets after Length are data-link padding and ignored (RFC 3748 4).
// Errors carry the offset of the offending field, counted from `base_offset`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/bytes.hpp"

namespace vpnprobe::protocol {

enum class EapCode : std::uint8_t { request = 1, response = 2, success = 3, failure = 4 };

// Method types (IANA "EAP Method Types") a remote-access client meets.
namespace eap_type {
inline constexpr std::uint8_t identity = 1;
inline constexpr std::uint8_t notification = 2;
inline constexpr std::uint8_t nak = 3;  // legacy Nak: Response only
inline constexpr std::uint8_t md5_challenge = 4;
inline constexpr std::uint8_t tls = 13;
inline constexpr std::uint8_t peap = 25;
inline constexpr std::uint8_t mschapv2 = 26;
inline constexpr std::uint8_t expanded = 254;
}  // namespace eap_type

// "Request", "Response", "Success", "Failure"; "Code-9" otherwise.
std::string eap_code_name(EapCode code);
// "Identity", "Notification", "Nak", "MD5-Challenge", "EAP-TLS", "PEAP", "EAP-MSCHAPv2", "Expanded"; else "Type-42".
std::string eap_type_name(std::uint8_t type);

struct EapPacket {
    EapCode code = EapCode::request;
    std::uint8_t identifier = 0;
    std::uint8_t type = 0;  // Request/Response only
    Bytes type_data;  // Request/Response: after the Type byte; Success/Failure: whatever Length covered after
        // the header (RFC 3748 says nothing, but a peer must not choke on it)
    std::size_t type_data_offset = 0;  // where type_data starts, in the numbering of the decoder's base_offset
    bool operator==(const EapPacket&) const = default;
};

// Error codes: "truncated" (fewer than 4 bytes), "bad_code" (not 1-4), "bad_length" (Length < 4, or < 5 for a
// Request/Response), "length_mismatch" (Length past the end of the buffer).
Decoded<EapPacket> decode_eap_packet(ByteView packet, std::size_t base_offset = 0);

// Throws std::invalid_argument for a packet over 65535 bytes.
Bytes encode_eap_packet(const EapPacket& packet);

// Response/Identity with the identity as given (RFC 3748 5.1: no terminating NUL).
Bytes encode_eap_identity_response(std::uint8_t identifier, std::string_view identity);
// Response/Notification (RFC 3748 5.2: a peer MUST answer a Notification Request, with an empty Type-Data).
Bytes encode_eap_notification_response(std::uint8_t identifier);
// Response/Nak listing the method types we would take instead (RFC 3748 5.3.1); an empty list is sent as a
// single 0 ("no alternative").
Bytes encode_eap_nak(std::uint8_t identifier, const std::vector<std::uint8_t>& desired_types);
// The types a Nak asks for (its Type-Data, one byte each); 0 means none.
std::vector<std::uint8_t> eap_nak_types(const EapPacket& nak);
// Text of an Identity or Notification request (displayable, RFC 3748 5.1/5.2); the raw bytes as characters.
std::string eap_text(const EapPacket& packet);

// "EAP Request id=1 Identity", "EAP Response id=2 EAP-MSCHAPv2 53 bytes", "EAP Success id=3". Never prints the
// Type-Data of a method (it may carry a response derived from a password); Identity and Notification text is
// shown, since the user name is no secret.
std::string describe(const EapPacket& packet);

}  // namespace vpnprobe::protocol
