#include "protocol/auth/eap_mschapv2.hpp"

#include <stdexcept>

namespace vpnprobe::protocol {

namespace {

constexpr std::size_t ms_header_size = 4;  // OpCode, MS-CHAPv2-ID, MS-Length

std::string as_text(ByteView v) { return std::string(v.begin(), v.end()); }

// Names and messages come from the peer: shown with anything unprintable as '?'.
std::string shown(const std::string& text) {
    std::string out;
    for (unsigned char c : text) out += (c >= 0x20 && c < 0x7f && c != '"') ? static_cast<char>(c) : '?';
    return "\"" + out + "\"";
}

bool is_known(std::uint8_t op) { return (op >= 1 && op <= 4) || op == 7; }

}  // namespace

std::string eap_mschapv2_opcode_name(EapMschapv2OpCode op) {
    switch (op) {
    case EapMschapv2OpCode::challenge:
        return "Challenge";
    case EapMschapv2OpCode::response:
        return "Response";
    case EapMschapv2OpCode::success:
        return "Success";
    case EapMschapv2OpCode::failure:
        return "Failure";
    case EapMschapv2OpCode::change_password:
        return "Change-Password";
    }
    return "OpCode-" + std::to_string(static_cast<unsigned>(op));
}

Decoded<EapMschapv2Packet> decode_eap_mschapv2(const EapPacket& eap, bool tolerate_ms_length) {
    if ((eap.code != EapCode::request && eap.code != EapCode::response) || eap.type != eap_type::mschapv2)
        return DecodeError{"not_mschapv2",
                           "EAP " + eap_code_name(eap.code) + " " + eap_type_name(eap.type) + ", not EAP-MSCHAPv2",
                           eap.type_data_offset};
    ByteReader r(eap.type_data, eap.type_data_offset);
    EapMschapv2Packet out;
    const std::uint8_t op = r.u8();
    if (r.failed()) return DecodeError{"truncated", "EAP-MSCHAPv2 Type-Data is empty: no OpCode", eap.type_data_offset};
    if (!is_known(op))
        return DecodeError{"bad_opcode", "EAP-MSCHAPv2 OpCode " + std::to_string(op) + " is not defined",
                           eap.type_data_offset};
    out.opcode = static_cast<EapMschapv2OpCode>(op);
    // A peer acknowledges the authenticator's Success or Failure with the OpCode alone.
    if (eap.type_data.size() == 1 &&
        (out.opcode == EapMschapv2OpCode::success || out.opcode == EapMschapv2OpCode::failure)) {
        out.opcode_only = true;
        return out;
    }
    out.ms_id = r.u8();
    const std::size_t ms_length_offset = r.offset();
    const std::size_t ms_length = r.u16();
    if (r.failed())
        return DecodeError{"truncated",
                           "EAP-MSCHAPv2 " + eap_mschapv2_opcode_name(out.opcode) + " needs a 4-byte header, got " +
                               std::to_string(eap.type_data.size()),
                           eap.type_data_offset + eap.type_data.size()};
    if (ms_length != eap.type_data.size() && tolerate_ms_length)
        out.mismatched_ms_length = static_cast<std::uint16_t>(ms_length);
    else if (ms_length != eap.type_data.size())
        return DecodeError{"ms_length_mismatch",
                           "MS-Length says " + std::to_string(ms_length) + ", the EAP Length leaves " +
                               std::to_string(eap.type_data.size()) + " bytes of Type-Data",
                           ms_length_offset};

    auto value_and_name = [&](std::size_t want, const char* what) -> std::optional<DecodeError> {
        const std::size_t size_offset = r.offset();
        const std::size_t size = r.u8();
        if (r.failed()) return DecodeError{"truncated", std::string(what) + " has no Value-Size", size_offset};
        if (size != want)
            return DecodeError{
                "bad_value_size",
                std::string(what) + " Value-Size " + std::to_string(size) + ", RFC 2759 fixes " + std::to_string(want),
                size_offset};
        if (size > r.remaining())
            return DecodeError{"value_overrun",
                               std::string(what) + " Value-Size " + std::to_string(size) + " runs " +
                                   std::to_string(size - r.remaining()) + " byte(s) past the end",
                               size_offset};
        return std::nullopt;
    };

    switch (out.opcode) {
    case EapMschapv2OpCode::challenge: {
        if (auto e = value_and_name(16, "Challenge")) return *e;
        ByteView c = r.bytes(16);
        std::copy(c.begin(), c.end(), out.challenge.begin());
        out.name = as_text(r.bytes(r.remaining()));
        break;
    }
    case EapMschapv2OpCode::response: {
        if (auto e = value_and_name(mschapv2::response_value_size, "Response")) return *e;
        out.response = mschapv2::decode_response_value(r.bytes(mschapv2::response_value_size));
        out.name = as_text(r.bytes(r.remaining()));
        break;
    }
    case EapMschapv2OpCode::success:
    case EapMschapv2OpCode::failure:
        out.message = as_text(r.bytes(r.remaining()));
        break;
    case EapMschapv2OpCode::change_password: {
        ByteView rest = r.bytes(r.remaining());
        out.change_password.assign(rest.begin(), rest.end());
        break;
    }
    }
    if (r.failed()) return r.error();
    return out;
}

Bytes encode_eap_mschapv2(EapCode code, std::uint8_t eap_identifier, const EapMschapv2Packet& packet) {
    Bytes data;
    put_u8(data, static_cast<std::uint8_t>(packet.opcode));
    if (!packet.opcode_only) {
        Bytes body;
        switch (packet.opcode) {
        case EapMschapv2OpCode::challenge:
            put_u8(body, 16);
            put_bytes(body, packet.challenge);
            body.insert(body.end(), packet.name.begin(), packet.name.end());
            break;
        case EapMschapv2OpCode::response:
            put_u8(body, static_cast<std::uint8_t>(mschapv2::response_value_size));
            put_bytes(body, mschapv2::encode_response_value(packet.response));
            body.insert(body.end(), packet.name.begin(), packet.name.end());
            break;
        case EapMschapv2OpCode::success:
        case EapMschapv2OpCode::failure:
            body.insert(body.end(), packet.message.begin(), packet.message.end());
            break;
        case EapMschapv2OpCode::change_password:
            put_bytes(body, packet.change_password);
            break;
        }
        const std::size_t ms_length = ms_header_size + body.size();
        // MS-Length, and the EAP Length 5 bytes above it, must both fit 16 bits.
        if (ms_length > 0xffff - 5)
            throw std::invalid_argument("EAP-MSCHAPv2 packet of " + std::to_string(ms_length) + " bytes is too long");
        put_u8(data, packet.ms_id);
        put_u16(data, static_cast<std::uint16_t>(ms_length));
        put_bytes(data, body);
    }
    return encode_eap_packet(EapPacket{code, eap_identifier, eap_type::mschapv2, std::move(data), 0});
}

Bytes encode_eap_mschapv2_response(std::uint8_t eap_identifier, std::uint8_t ms_id,
                                   const mschapv2::ResponseValue& value, std::string_view user_name) {
    EapMschapv2Packet p;
    p.opcode = EapMschapv2OpCode::response;
    p.ms_id = ms_id;
    p.response = value;
    p.name = std::string(user_name);
    return encode_eap_mschapv2(EapCode::response, eap_identifier, p);
}

Bytes encode_eap_mschapv2_success_ack(std::uint8_t eap_identifier) {
    EapMschapv2Packet p;
    p.opcode = EapMschapv2OpCode::success;
    p.opcode_only = true;
    return encode_eap_mschapv2(EapCode::response, eap_identifier, p);
}

Bytes encode_eap_mschapv2_failure_ack(std::uint8_t eap_identifier) {
    EapMschapv2Packet p;
    p.opcode = EapMschapv2OpCode::failure;
    p.opcode_only = true;
    return encode_eap_mschapv2(EapCode::response, eap_identifier, p);
}

std::string describe(const EapMschapv2Packet& packet) {
    std::string s = "EAP-MSCHAPv2 " + eap_mschapv2_opcode_name(packet.opcode);
    if (packet.opcode_only) return s;
    s += " ms_id=" + std::to_string(packet.ms_id);
    switch (packet.opcode) {
    case EapMschapv2OpCode::challenge:
    case EapMschapv2OpCode::response:
        return s + " name=" + shown(packet.name);
    case EapMschapv2OpCode::success:
    case EapMschapv2OpCode::failure:
        return s + " " + shown(packet.message);
    case EapMschapv2OpCode::change_password:
        return s + " " + std::to_string(packet.change_password.size()) + " bytes";
    }
    return s;
}

}  // namespace vpnprobe::protocol
