#include "protocol/auth/eap.hpp"

#include <stdexcept>

namespace vpnprobe::protocol {

namespace {

constexpr std::size_t header_size = 4;

bool has_type(EapCode code) { return code == EapCode::request || code == EapCode::response; }

Bytes with_type(EapCode code, std::uint8_t identifier, std::uint8_t type, Bytes data) {
    return encode_eap_packet(EapPacket{code, identifier, type, std::move(data), 0});
}

}  // namespace

std::string eap_code_name(EapCode code) {
    switch (code) {
    case EapCode::request:
        return "Request";
    case EapCode::response:
        return "Response";
    case EapCode::success:
        return "Success";
    case EapCode::failure:
        return "Failure";
    }
    return "Code-" + std::to_string(static_cast<unsigned>(code));
}

std::string eap_type_name(std::uint8_t type) {
    switch (type) {
    case eap_type::identity:
        return "Identity";
    case eap_type::notification:
        return "Notification";
    case eap_type::nak:
        return "Nak";
    case eap_type::md5_challenge:
        return "MD5-Challenge";
    case eap_type::tls:
        return "EAP-TLS";
    case eap_type::peap:
        return "PEAP";
    case eap_type::mschapv2:
        return "EAP-MSCHAPv2";
    case eap_type::expanded:
        return "Expanded";
    }
    return "Type-" + std::to_string(type);
}

Decoded<EapPacket> decode_eap_packet(ByteView packet, std::size_t base_offset) {
    ByteReader r(packet, base_offset);
    const std::uint8_t code = r.u8();
    EapPacket out;
    out.identifier = r.u8();
    const std::size_t length_offset = r.offset();
    const std::size_t length = r.u16();
    if (r.failed())
        return DecodeError{"truncated", "EAP header needs 4 bytes, got " + std::to_string(packet.size()),
                           base_offset + packet.size()};
    if (code < 1 || code > 4)
        return DecodeError{"bad_code",
                           "EAP code " + std::to_string(code) + " is none of Request, Response, Success, Failure",
                           base_offset};
    out.code = static_cast<EapCode>(code);
    const std::size_t minimum = has_type(out.code) ? header_size + 1 : header_size;
    if (length < minimum)
        return DecodeError{"bad_length",
                           "EAP " + eap_code_name(out.code) + " Length " + std::to_string(length) +
                               " is below its minimum " + std::to_string(minimum) +
                               (has_type(out.code) ? " (header and Type)" : ""),
                           length_offset};
    if (length > packet.size())
        return DecodeError{
            "length_mismatch",
            "EAP Length says " + std::to_string(length) + " bytes, the buffer holds " + std::to_string(packet.size()),
            length_offset};
    ByteReader body = r.sub(length - header_size);
    if (has_type(out.code)) out.type = body.u8();
    out.type_data_offset = body.offset();
    ByteView data = body.bytes(body.remaining());
    out.type_data.assign(data.begin(), data.end());
    if (body.failed()) return body.error();
    return out;
}

Bytes encode_eap_packet(const EapPacket& packet) {
    const std::size_t length = header_size + (has_type(packet.code) ? 1 : 0) + packet.type_data.size();
    if (length > 0xffff)
        throw std::invalid_argument("EAP packet of " + std::to_string(length) +
                                    " bytes does not fit its 2-byte Length");
    Bytes out;
    put_u8(out, static_cast<std::uint8_t>(packet.code));
    put_u8(out, packet.identifier);
    put_u16(out, static_cast<std::uint16_t>(length));
    if (has_type(packet.code)) put_u8(out, packet.type);
    put_bytes(out, packet.type_data);
    return out;
}

Bytes encode_eap_identity_response(std::uint8_t identifier, std::string_view identity) {
    return with_type(EapCode::response, identifier, eap_type::identity, Bytes(identity.begin(), identity.end()));
}

Bytes encode_eap_notification_response(std::uint8_t identifier) {
    return with_type(EapCode::response, identifier, eap_type::notification, {});
}

Bytes encode_eap_nak(std::uint8_t identifier, const std::vector<std::uint8_t>& desired_types) {
    // No alternative is sent as a single 0 (RFC 3748 5.3.1).
    Bytes data = desired_types.empty() ? Bytes{0} : Bytes(desired_types.begin(), desired_types.end());
    return with_type(EapCode::response, identifier, eap_type::nak, std::move(data));
}

std::vector<std::uint8_t> eap_nak_types(const EapPacket& nak) {
    std::vector<std::uint8_t> types;
    for (auto t : nak.type_data)
        if (t != 0) types.push_back(t);
    return types;
}

std::string eap_text(const EapPacket& packet) { return std::string(packet.type_data.begin(), packet.type_data.end()); }

std::string describe(const EapPacket& packet) {
    std::string s = "EAP " + eap_code_name(packet.code) + " id=" + std::to_string(packet.identifier);
    if (!has_type(packet.code)) return s;
    s += " " + eap_type_name(packet.type);
    if (packet.type == eap_type::identity || packet.type == eap_type::notification) {
        std::string text;
        for (auto c : packet.type_data) text += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
        return s + " \"" + text + "\"";
    }
    if (packet.type == eap_type::nak) {
        s += " [";
        const auto types = eap_nak_types(packet);
        for (std::size_t i = 0; i < types.size(); ++i) s += (i ? ", " : "") + eap_type_name(types[i]);
        return s + "]";
    }
    return s + " " + std::to_string(packet.type_data.size()) + " bytes";
}

}  // namespace vpnprobe::protocol
