#include "protocol/ikev2/ikev2_eap.hpp"

#include <stdexcept>

#include "protocol/ikev2/ikev2_crypto_auth.hpp"

namespace vpnprobe::protocol::ikev2 {

Decoded<EapPacket> eap_packet(const EapPayload& payload) {
    // Rebuilt as the bytes the payload carried, so that one decoder judges EAP wherever it arrives.
    const std::size_t length = 4 + (payload.type ? 1 : 0) + payload.data.size();
    if (length > 0xffff)
        return DecodeError{"length_mismatch", "EAP message of " + std::to_string(length) + " bytes in one payload", 2};
    Bytes bytes;
    put_u8(bytes, payload.code);
    put_u8(bytes, payload.identifier);
    put_u16(bytes, static_cast<std::uint16_t>(length));
    if (payload.type) put_u8(bytes, *payload.type);
    put_bytes(bytes, payload.data);
    return decode_eap_packet(bytes);
}

EapPayload eap_payload(ByteView eap_packet) {
    const auto decoded = decode_eap_packet(eap_packet);
    if (!decoded) throw std::invalid_argument("not an EAP packet: " + decoded.error().to_string());
    EapPayload out;
    out.code = static_cast<std::uint8_t>(decoded->code);
    out.identifier = decoded->identifier;
    if (decoded->code == EapCode::request || decoded->code == EapCode::response) out.type = decoded->type;
    out.data = decoded->type_data;
    return out;
}

Bytes eap_auth_data(std::uint16_t prf_id, ByteView msk, ByteView signed_octets) {
    return shared_key_auth_data(prf_id, msk, signed_octets);
}

}  // namespace vpnprobe::protocol::ikev2
