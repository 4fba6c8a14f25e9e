// EAP inside IKE_AUTH (RFC 7296 2.16): the EAP payload's message handed to the shared EAP codec
// (protocol/auth/eap.hpp, eap_mschapv2.hpp, the same code the SSTP login uses inside PPP), our answers put back
// into EAP payloads, and the AUTH payloads both sides compute from the EAP method's MSK.
#pragma once

#include <cstdint>

#include "protocol/auth/eap.hpp"
#include "protocol/bytes.hpp"
#include "protocol/ikev2/ikev2_payloads.hpp"

namespace vpnprobe::protocol::ikev2 {

// The EAP packet an EAP payload carries, for decode_eap_mschapv2 and the like. Errors as decode_eap_packet
// (codes 5 and 6, RFC 6696's Initiate and Finish, are "bad_code": no Windows or strongSwan server sends them to
// a client that did not offer ERP).
Decoded<EapPacket> eap_packet(const EapPayload& payload);
// The EAP payload for one of our EAP packets (encode_eap_identity_response, encode_eap_mschapv2_response, ...).
// Throws std::invalid_argument if `eap_packet` does not decode (our own encoders never produce that).
EapPayload eap_payload(ByteView eap_packet);

// AUTH data (method 2, Shared Key Message Integrity Code) after an EAP method that produced an MSK:
// prf(prf(MSK, "Key Pad for IKEv2"), signed octets) - the initiator's over its signed octets, the responder's
// over its own (auth_signed_octets). For EAP-MSCHAPv2 the MSK is mschapv2::eap_msk (64 bytes).
Bytes eap_auth_data(std::uint16_t prf_id, ByteView msk, ByteView signed_octets);

}  // namespace vpnprobe::protocol::ikev2
