// EAP-MSCHAPv2 (EAP type 26, draft-kamath-pppext-eap-mschapv2-02, [MS-CHAP]): the MS-CHAPv2 exchange of
// RFC 2759 carried in EAP Type-Data, as SoftEther asks SSTP clients for it inside PPP and as strongSwan or
// Windows RRAS/NPS ask IKEv2 clients for it inside IKE_AUTH.
//
//   Challenge (1)  OpCode | MS-CHAPv2-ID | MS-Length | Value-Size=16 | Challenge | Name
//   Response  (2)  OpCode | MS-CHAPv2-ID | MS-Length | Value-Size=49 | Response value | Name
//   Success   (3)  from the authenticator: OpCode | MS-CHAPv2-ID | MS-Length | "S=... M=..."
//                  from the peer: the OpCode alone
//   Failure   (4)  from the authenticator: OpCode | MS-CHAPv2-ID | MS-Length | "E=... R=... C=... V=... M=..."
//                  from the peer: the OpCode alone
// MS-Length is the EAP Length minus 5, i.e. the whole Type-Data. A packet whose MS-Length says otherwise is
// refused by default. wpa_supplicant ignores the mismatch when its "workaround" setting is on ("Some
// authentication servers use invalid ms_len, ignore it for interoperability"), so a caller may choose to
// tolerate it: the fields are then read by the EAP Length, and the packet records the MS-Length it declared,
// for the probe to report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/auth/eap.hpp"
#include "protocol/auth/mschapv2.hpp"
#include "protocol/bytes.hpp"

namespace vpnprobe::protocol {

enum class EapMschapv2OpCode : std::uint8_t {
    challenge = 1,
    response = 2,
    success = 3,
    failure = 4,
    change_password = 7,
};
// "Challenge", "Response", "Success", "Failure", "Change-Password"; else "OpCode-9".
std::string eap_mschapv2_opcode_name(EapMschapv2OpCode op);

struct EapMschapv2Packet {
    EapMschapv2OpCode opcode = EapMschapv2OpCode::challenge;
    bool opcode_only = false;  // a peer's Success/Failure acknowledgement: the OpCode byte and nothing else
    std::uint8_t ms_id = 0;
    mschapv2::Challenge challenge{};  // Challenge
    mschapv2::ResponseValue response;  // Response
    std::string name;  // Challenge (the authenticator's name), Response (the user name, domain included)
    std::string message;  // Success, Failure: parse with mschapv2::parse_success_message / parse_failure_message
    Bytes change_password;  // Change-Password: its body after MS-Length, undecoded
    std::optional<std::uint16_t> mismatched_ms_length;  // decoded with tolerance: the MS-Length the packet
        // declared, when it was not the Type-Data's size
    bool operator==(const EapMschapv2Packet&) const = default;
};

// Decodes the Type-Data of an EAP Request/Response of type 26; offsets continue the EAP packet's numbering
// (eap.type_data_offset). Error codes: "not_mschapv2" (another EAP type or code), "truncated" (no OpCode, or
// fewer than 4 header bytes), "bad_opcode", "ms_length_mismatch" (MS-Length is not the Type-Data's size),
// "bad_value_size" (not 16 in a Challenge, not 49 in a Response), "value_overrun" (Value-Size past the end).
// With `tolerate_ms_length` a wrong MS-Length is recorded in mismatched_ms_length instead of refused.
Decoded<EapMschapv2Packet> decode_eap_mschapv2(const EapPacket& eap, bool tolerate_ms_length = false);

// The whole EAP packet (header, Type 26, Type-Data). Throws std::invalid_argument for what cannot be encoded
// (a name or message that makes MS-Length overflow).
Bytes encode_eap_mschapv2(EapCode code, std::uint8_t eap_identifier, const EapMschapv2Packet& packet);

// The client's three messages.
Bytes encode_eap_mschapv2_response(std::uint8_t eap_identifier, std::uint8_t ms_id,
                                   const mschapv2::ResponseValue& value, std::string_view user_name);
Bytes encode_eap_mschapv2_success_ack(std::uint8_t eap_identifier);
Bytes encode_eap_mschapv2_failure_ack(std::uint8_t eap_identifier);

// "EAP-MSCHAPv2 Challenge ms_id=1 name=\"srv\"", "... Response ms_id=1 name=\"alice\"" (never the response
// value), "... Success \"S=...\"" , "... Failure \"E=691 R=0 ...\"".
std::string describe(const EapMschapv2Packet& packet);

}  // namespace vpnprobe::protocol
