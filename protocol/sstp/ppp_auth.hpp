// The PPP authentication protocols other than EAP (whose packets are in protocol/auth/eap.hpp): CHAP (RFC 1994,
// protocol 0xC223) with MS-CHAPv2 (algorithm 0x81, RFC 2759) or MD5 (algorithm 0x05), and PAP (RFC 1334,
// protocol 0xC023). PAP sends the password in clear and CHAP-MD5 needs it stored reversibly and falls to an
// offline dictionary attack, so a probe uses them only when told to and reports them as weak
// (ppp_auth_weakness).
//
// Decoding is strict like ppp_lcp.hpp: errors carry the offset of the offending field, counted from
// `base_offset` (pass PppFrame::information_offset to count from the frame's start). Octets after Length are
// padding and ignored. describe() never prints a password or a response value.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/auth/mschapv2.hpp"
#include "protocol/bytes.hpp"
#include "protocol/sstp/ppp_lcp.hpp"

namespace vpnprobe::protocol {

// Why an authentication protocol the server asks for is weak ("PAP sends the password in clear text", ...), or
// std::nullopt for EAP and MS-CHAPv2.
std::optional<std::string> ppp_auth_weakness(const LcpAuthProtocol& auth);

// How a client answers the Authentication-Protocol option of the server's LCP Configure-Request (RFC 1661
// 5.3: Ack what it accepts, Nak with what it would accept instead). EAP and MS-CHAPv2 are accepted; PAP and
// CHAP-MD5 only when `allow_weak` says so (the probe then reports them as weak); anything else (MS-CHAPv1,
// which is not implemented, included),
// or a weak protocol not allowed, is Naked with MS-CHAPv2 (or with EAP when MS-CHAPv2 is not allowed); with
// allow_eap false, a server that asks for EAP is steered to MS-CHAPv2 the same way.
struct PppAuthPolicy {
    bool allow_eap = true;
    bool allow_mschapv2 = true;
    bool allow_weak = false;
};
struct LcpAuthAnswer {
    bool accept = false;
    std::optional<LcpAuthProtocol> instead;  // when not accepted: what to put in the Configure-Nak;
        // std::nullopt when the policy allows nothing we could propose
    bool operator==(const LcpAuthAnswer&) const = default;
};
LcpAuthAnswer answer_lcp_auth(const LcpAuthProtocol& asked, const PppAuthPolicy& policy);

// ---- CHAP -------------------------------------------------------------------------------------------

enum class ChapCode : std::uint8_t { challenge = 1, response = 2, success = 3, failure = 4 };
std::string chap_code_name(ChapCode code);  // "Challenge", ...; "Code-9" otherwise

struct ChapPacket {
    ChapCode code = ChapCode::challenge;
    std::uint8_t identifier = 0;
    Bytes value;  // Challenge/Response
    std::string name;  // Challenge/Response
    std::string message;  // Success/Failure
    bool operator==(const ChapPacket&) const = default;
};

// Error codes: "truncated" (fewer than 4 bytes), "bad_code", "bad_length" (Length < 4, or < 5 for a
// Challenge/Response, which carry a Value-Size), "length_mismatch" (Length past the buffer), "value_overrun"
// (Value-Size past Length).
Decoded<ChapPacket> decode_chap_packet(ByteView packet, std::size_t base_offset = 0);
// Throws std::invalid_argument for a value over 255 bytes or a packet over 65535.
Bytes encode_chap_packet(const ChapPacket& packet);
Bytes encode_chap_frame(const ChapPacket& packet);  // FF 03 C2 23 + packet

// MS-CHAPv2 over CHAP (RFC 2759 section 4): the Challenge's value must be 16 bytes ("bad_value_size" otherwise,
// offset of the Value-Size); the Response carries the 49-byte value and the user name (domain included).
Decoded<mschapv2::Challenge> chap_mschapv2_challenge(const ChapPacket& challenge, std::size_t value_size_offset = 4);
Bytes encode_chap_mschapv2_response(std::uint8_t identifier, const mschapv2::ResponseValue& value,
                                    std::string_view user_name);

// CHAP-MD5 (RFC 1994 4.1): MD5(Identifier | secret | Challenge). Weak: see ppp_auth_weakness.
std::array<std::uint8_t, 16> chap_md5_response(std::uint8_t identifier, std::string_view secret, ByteView challenge);

// "CHAP Challenge id=1 value=16 bytes name=\"srv\"", "CHAP Success id=1 \"S=... M=...\"".
std::string describe(const ChapPacket& packet);

// ---- PAP --------------------------------------------------------------------------------------------

enum class PapCode : std::uint8_t { authenticate_request = 1, authenticate_ack = 2, authenticate_nak = 3 };
std::string pap_code_name(PapCode code);  // "Authenticate-Request", ...

struct PapPacket {
    PapCode code = PapCode::authenticate_request;
    std::uint8_t identifier = 0;
    std::string peer_id;  // Request
    std::string password;  // Request
    std::string message;  // Ack/Nak
    bool operator==(const PapPacket&) const = default;
};

// Error codes: "truncated", "bad_code", "bad_length" (Length < 4, or too short for the code's length bytes),
// "length_mismatch", "field_overrun" (Peer-ID, Password or Message length past Length).
Decoded<PapPacket> decode_pap_packet(ByteView packet, std::size_t base_offset = 0);
// Throws std::invalid_argument for a field over 255 bytes.
Bytes encode_pap_packet(const PapPacket& packet);
Bytes encode_pap_frame(const PapPacket& packet);  // FF 03 C0 23 + packet

// "PAP Authenticate-Request id=1 peer_id=\"alice\"" (never the password), "PAP Authenticate-Nak id=1 \"bad\"".
std::string describe(const PapPacket& packet);

}  // namespace vpnprobe::protocol
