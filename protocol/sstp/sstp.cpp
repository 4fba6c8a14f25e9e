#include "protocol/sstp/sstp.hpp"

#include <algorithm>
#include <stdexcept>

namespace vpnprobe::protocol {

namespace {

// Fixed total lengths (attribute header included) from MS-SSTP 2.2.5-2.2.8.
constexpr std::size_t encapsulated_protocol_id_length = 6;
constexpr std::size_t status_info_min_length = 12;
constexpr std::size_t crypto_binding_length = 104;
constexpr std::size_t crypto_binding_request_length = 40;

constexpr std::uint16_t length_mask = 0x0fff;  // the upper 4 bits of every length field are reserved
constexpr std::uint8_t control_bit = 0x01;

std::string hex_byte(unsigned v) {
    static const char* digits = "0123456789abcdef";
    return std::string{digits[(v >> 4) & 0xf], digits[v & 0xf]};
}

std::string hex_u16(std::uint16_t v) { return "0x" + hex_byte(v >> 8) + hex_byte(v & 0xff); }

std::string hex_u32(std::uint32_t v) {
    std::string s = "0x";
    for (int shift = 24; shift >= 0; shift -= 8) s += hex_byte((v >> shift) & 0xff);
    return s;
}

// Enough of a nonce or hash to tell two apart in a log, without 64 hex digits per attribute.
std::string abbreviated(ByteView bytes) { return to_hex(bytes.first(std::min<std::size_t>(2, bytes.size()))) + ".."; }

std::string short_attribute_name(std::uint8_t id) {
    std::string name = sstp_attribute_name(id);
    constexpr std::string_view prefix = "SSTP_ATTRIB_";
    return name.starts_with(prefix) ? name.substr(prefix.size()) : name;
}

std::string hash_names(std::uint8_t bitmask) {
    auto names = sstp_hash_protocol_names(bitmask);
    if (names.empty()) return "none";
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : "|") + n;
    return s;
}

void put_header(Bytes& out, bool control, std::size_t total_length) {
    if (total_length > sstp_max_packet_size)
        throw std::invalid_argument("SSTP packet of " + std::to_string(total_length) + " bytes exceeds the " +
                                    std::to_string(sstp_max_packet_size) + "-byte maximum");
    put_u8(out, sstp_version);
    put_u8(out, control ? control_bit : 0);
    put_u16(out, static_cast<std::uint16_t>(total_length));
}

void put_attribute_header(Bytes& out, SstpAttributeId id, std::size_t total_length) {
    put_u8(out, 0);
    put_u8(out, static_cast<std::uint8_t>(id));
    put_u16(out, static_cast<std::uint16_t>(total_length));
}

template <std::size_t N>
void read_array(ByteReader& r, std::array<std::uint8_t, N>& out) {
    ByteView v = r.bytes(N);
    if (v.size() == N) std::copy(v.begin(), v.end(), out.begin());
}

Decoded<SstpAttribute> decode_attribute(ByteReader& body) {
    const std::size_t start = body.offset();
    if (body.remaining() < sstp_attribute_header_size)
        return DecodeError{
            "truncated_attribute",
            "attribute header needs 4 bytes, " + std::to_string(body.remaining()) + " left in the packet", start};
    body.u8();  // reserved
    const std::uint8_t id = body.u8();
    const std::size_t length = body.u16() & length_mask;
    if (length < sstp_attribute_header_size)
        return DecodeError{"bad_attribute_length",
                           "attribute length " + std::to_string(length) + " is shorter than its 4-byte header",
                           start + 2};
    if (length - sstp_attribute_header_size > body.remaining())
        return DecodeError{"attribute_overrun",
                           "attribute length " + std::to_string(length) + " runs " +
                               std::to_string(length - sstp_attribute_header_size - body.remaining()) +
                               " byte(s) past the end of the packet",
                           start + 2};
    ByteReader value = body.sub(length - sstp_attribute_header_size);

    auto expect_length = [&](std::size_t want, bool exact) -> std::optional<DecodeError> {
        if (exact ? length == want : length >= want) return std::nullopt;
        return DecodeError{"bad_attribute_length",
                           short_attribute_name(id) + " length " + std::to_string(length) + ", the spec fixes " +
                               (exact ? "" : "at least ") + std::to_string(want),
                           start + 2};
    };

    SstpAttribute attribute;
    switch (static_cast<SstpAttributeId>(id)) {
    case SstpAttributeId::encapsulated_protocol_id: {
        if (auto e = expect_length(encapsulated_protocol_id_length, true)) return *e;
        attribute = SstpEncapsulatedProtocolId{value.u16()};
        break;
    }
    case SstpAttributeId::status_info: {
        if (auto e = expect_length(status_info_min_length, false)) return *e;
        SstpStatusInfo s;
        value.skip(3);  // reserved
        s.attrib_id = value.u8();
        s.status = value.u32();
        ByteView rest = value.bytes(value.remaining());
        s.attrib_value.assign(rest.begin(), rest.end());
        attribute = std::move(s);
        break;
    }
    case SstpAttributeId::crypto_binding: {
        if (auto e = expect_length(crypto_binding_length, true)) return *e;
        SstpCryptoBinding b;
        value.skip(3);
        b.hash_protocol_bitmask = value.u8();
        read_array(value, b.nonce);
        read_array(value, b.cert_hash);
        read_array(value, b.compound_mac);
        attribute = b;
        break;
    }
    case SstpAttributeId::crypto_binding_request: {
        if (auto e = expect_length(crypto_binding_request_length, true)) return *e;
        SstpCryptoBindingRequest b;
        value.skip(3);
        b.hash_protocol_bitmask = value.u8();
        read_array(value, b.nonce);
        attribute = b;
        break;
    }
    default:
        return DecodeError{"unknown_attribute", "unknown attribute ID " + std::to_string(id), start + 1};
    }
    // Lengths were checked against the fixed layouts above, so a failure here is a bug, not bad input;
    // still, report it rather than hand back zeros.
    if (value.failed()) return value.error();
    return attribute;
}

}  // namespace

std::string_view sstp_message_name(SstpMessageType type) {
    switch (type) {
    case SstpMessageType::call_connect_request:
        return "SSTP_MSG_CALL_CONNECT_REQUEST";
    case SstpMessageType::call_connect_ack:
        return "SSTP_MSG_CALL_CONNECT_ACK";
    case SstpMessageType::call_connect_nak:
        return "SSTP_MSG_CALL_CONNECT_NAK";
    case SstpMessageType::call_connected:
        return "SSTP_MSG_CALL_CONNECTED";
    case SstpMessageType::call_abort:
        return "SSTP_MSG_CALL_ABORT";
    case SstpMessageType::call_disconnect:
        return "SSTP_MSG_CALL_DISCONNECT";
    case SstpMessageType::call_disconnect_ack:
        return "SSTP_MSG_CALL_DISCONNECT_ACK";
    case SstpMessageType::echo_request:
        return "SSTP_MSG_ECHO_REQUEST";
    case SstpMessageType::echo_response:
        return "SSTP_MSG_ECHO_RESPONSE";
    }
    return "SSTP_MSG_UNKNOWN";
}

std::string sstp_attribute_name(std::uint8_t attribute_id) {
    switch (static_cast<SstpAttributeId>(attribute_id)) {
    case SstpAttributeId::no_error:
        return "SSTP_ATTRIB_NO_ERROR";
    case SstpAttributeId::encapsulated_protocol_id:
        return "SSTP_ATTRIB_ENCAPSULATED_PROTOCOL_ID";
    case SstpAttributeId::status_info:
        return "SSTP_ATTRIB_STATUS_INFO";
    case SstpAttributeId::crypto_binding:
        return "SSTP_ATTRIB_CRYPTO_BINDING";
    case SstpAttributeId::crypto_binding_request:
        return "SSTP_ATTRIB_CRYPTO_BINDING_REQ";
    }
    return "SSTP_ATTRIB_0x" + hex_byte(attribute_id);
}

std::string sstp_status_name(std::uint32_t status) {
    switch (static_cast<SstpStatus>(status)) {
    case SstpStatus::no_error:
        return "ATTRIB_STATUS_NO_ERROR";
    case SstpStatus::duplicate_attribute:
        return "ATTRIB_STATUS_DUPLICATE_ATTRIBUTE";
    case SstpStatus::unrecognized_attribute:
        return "ATTRIB_STATUS_UNRECOGNIZED_ATTRIBUTE";
    case SstpStatus::invalid_attrib_value_length:
        return "ATTRIB_STATUS_INVALID_ATTRIB_VALUE_LENGTH";
    case SstpStatus::value_not_supported:
        return "ATTRIB_STATUS_VALUE_NOT_SUPPORTED";
    case SstpStatus::unaccepted_frame_received:
        return "ATTRIB_STATUS_UNACCEPTED_FRAME_RECEIVED";
    case SstpStatus::retry_count_exceeded:
        return "ATTRIB_STATUS_RETRY_COUNT_EXCEEDED";
    case SstpStatus::invalid_frame_received:
        return "ATTRIB_STATUS_INVALID_FRAME_RECEIVED";
    case SstpStatus::negotiation_timeout:
        return "ATTRIB_STATUS_NEGOTIATION_TIMEOUT";
    case SstpStatus::attrib_not_supported_in_msg:
        return "ATTRIB_STATUS_ATTRIB_NOT_SUPPORTED_IN_MSG";
    case SstpStatus::required_attribute_missing:
        return "ATTRIB_STATUS_REQUIRED_ATTRIBUTE_MISSING";
    case SstpStatus::status_info_not_supported_in_msg:
        return "ATTRIB_STATUS_STATUS_INFO_NOT_SUPPORTED_IN_MSG";
    }
    return "ATTRIB_STATUS_" + hex_u32(status);
}

std::vector<std::string> sstp_hash_protocol_names(std::uint8_t bitmask) {
    std::vector<std::string> names;
    for (unsigned bit = 1; bit <= 0x80; bit <<= 1) {
        if (!(bitmask & bit)) continue;
        if (bit == sstp_cert_hash_sha1) names.emplace_back("SHA1");
        else if (bit == sstp_cert_hash_sha256) names.emplace_back("SHA256");
        else names.push_back("0x" + hex_byte(bit));
    }
    return names;
}

SstpAttributeId sstp_attribute_id(const SstpAttribute& attribute) {
    struct Visitor {
        SstpAttributeId operator()(const SstpEncapsulatedProtocolId&) const {
            return SstpAttributeId::encapsulated_protocol_id;
        }
        SstpAttributeId operator()(const SstpStatusInfo&) const { return SstpAttributeId::status_info; }
        SstpAttributeId operator()(const SstpCryptoBinding&) const { return SstpAttributeId::crypto_binding; }
        SstpAttributeId operator()(const SstpCryptoBindingRequest&) const {
            return SstpAttributeId::crypto_binding_request;
        }
    };
    return std::visit(Visitor{}, attribute);
}

// ---- encoding -------------------------------------------------------------------------------------

Bytes encode_sstp_attribute(const SstpAttribute& attribute) {
    Bytes out;
    if (const auto* p = std::get_if<SstpEncapsulatedProtocolId>(&attribute)) {
        put_attribute_header(out, SstpAttributeId::encapsulated_protocol_id, encapsulated_protocol_id_length);
        put_u16(out, p->protocol_id);
    } else if (const auto* s = std::get_if<SstpStatusInfo>(&attribute)) {
        const std::size_t length = status_info_min_length + s->attrib_value.size();
        if (length > sstp_max_packet_size - sstp_control_header_size)
            throw std::invalid_argument("Status Info value of " + std::to_string(s->attrib_value.size()) +
                                        " bytes does not fit in an SSTP packet");
        put_attribute_header(out, SstpAttributeId::status_info, length);
        put_u8(out, 0);
        put_u8(out, 0);
        put_u8(out, 0);
        put_u8(out, s->attrib_id);
        put_u32(out, s->status);
        put_bytes(out, s->attrib_value);
    } else if (const auto* b = std::get_if<SstpCryptoBinding>(&attribute)) {
        put_attribute_header(out, SstpAttributeId::crypto_binding, crypto_binding_length);
        put_u8(out, 0);
        put_u8(out, 0);
        put_u8(out, 0);
        put_u8(out, b->hash_protocol_bitmask);
        put_bytes(out, b->nonce);
        put_bytes(out, b->cert_hash);
        put_bytes(out, b->compound_mac);
    } else if (const auto* r = std::get_if<SstpCryptoBindingRequest>(&attribute)) {
        put_attribute_header(out, SstpAttributeId::crypto_binding_request, crypto_binding_request_length);
        put_u8(out, 0);
        put_u8(out, 0);
        put_u8(out, 0);
        put_u8(out, r->hash_protocol_bitmask);
        put_bytes(out, r->nonce);
    }
    return out;
}

Bytes encode_sstp_control(SstpMessageType type, const std::vector<SstpAttribute>& attributes) {
    if (attributes.size() > 0xffff) throw std::invalid_argument("more than 65535 SSTP attributes");
    Bytes body;
    for (const auto& a : attributes) put_bytes(body, encode_sstp_attribute(a));
    Bytes out;
    put_header(out, true, sstp_control_header_size + body.size());
    put_u16(out, static_cast<std::uint16_t>(type));
    put_u16(out, static_cast<std::uint16_t>(attributes.size()));
    put_bytes(out, body);
    return out;
}

Bytes encode_sstp_data(ByteView ppp_frame) {
    Bytes out;
    put_header(out, false, sstp_header_size + ppp_frame.size());
    put_bytes(out, ppp_frame);
    return out;
}

Bytes encode_sstp_packet(const SstpPacket& packet) {
    if (const auto* c = packet.control()) return encode_sstp_control(c->type, c->attributes);
    return encode_sstp_data(packet.data()->ppp_frame);
}

Bytes encode_call_connect_request(std::uint16_t protocol_id) {
    return encode_sstp_control(SstpMessageType::call_connect_request, {SstpEncapsulatedProtocolId{protocol_id}});
}

Bytes encode_call_abort(std::optional<SstpStatusInfo> status) {
    std::vector<SstpAttribute> attributes;
    if (status) attributes.emplace_back(std::move(*status));
    return encode_sstp_control(SstpMessageType::call_abort, attributes);
}

Bytes encode_call_disconnect(std::optional<SstpStatusInfo> status) {
    std::vector<SstpAttribute> attributes;
    if (status) attributes.emplace_back(std::move(*status));
    return encode_sstp_control(SstpMessageType::call_disconnect, attributes);
}

Bytes encode_call_disconnect_ack() { return encode_sstp_control(SstpMessageType::call_disconnect_ack, {}); }
Bytes encode_echo_request() { return encode_sstp_control(SstpMessageType::echo_request, {}); }
Bytes encode_echo_response() { return encode_sstp_control(SstpMessageType::echo_response, {}); }

// ---- decoding -------------------------------------------------------------------------------------

Decoded<std::optional<std::size_t>> sstp_packet_length(ByteView buffered) {
    using Result = Decoded<std::optional<std::size_t>>;
    if (buffered.empty()) return Result(std::optional<std::size_t>{});
    if (buffered[0] != sstp_version)
        return Result(DecodeError{"bad_version", "version byte 0x" + hex_byte(buffered[0]) + ", SSTP 1.0 is 0x10", 0});
    if (buffered.size() < sstp_header_size) return Result(std::optional<std::size_t>{});
    const std::size_t length = ((std::size_t{buffered[2]} << 8) | buffered[3]) & length_mask;
    const bool control = buffered[1] & control_bit;
    const std::size_t minimum = control ? sstp_control_header_size : sstp_header_size;
    if (length < minimum)
        return Result(DecodeError{"bad_length",
                                  std::string(control ? "control" : "data") + " packet length " +
                                      std::to_string(length) + " is shorter than its " + std::to_string(minimum) +
                                      "-byte header",
                                  2});
    return Result(std::optional<std::size_t>{length});
}

Decoded<SstpPacket> decode_sstp_packet(ByteView packet) {
    auto framed = sstp_packet_length(packet);
    if (!framed) return framed.error();
    if (!*framed)
        return DecodeError{"truncated", "SSTP header needs 4 bytes, got " + std::to_string(packet.size()),
                           packet.size()};
    const std::size_t length = **framed;
    if (length > packet.size())
        return DecodeError{
            "length_mismatch",
            "length field says " + std::to_string(length) + " bytes, the buffer holds " + std::to_string(packet.size()),
            2};
    if (length < packet.size())
        return DecodeError{
            "trailing_bytes",
            std::to_string(packet.size() - length) + " byte(s) after the " + std::to_string(length) + "-byte packet",
            length};

    ByteReader body(packet.subspan(sstp_header_size, length - sstp_header_size), sstp_header_size);
    if (!(packet[1] & control_bit)) {
        ByteView frame = body.bytes(body.remaining());
        return SstpPacket{SstpData{Bytes(frame.begin(), frame.end())}};
    }

    const std::uint16_t type = body.u16();
    const std::uint16_t count = body.u16();
    if (type < static_cast<std::uint16_t>(SstpMessageType::call_connect_request) ||
        type > static_cast<std::uint16_t>(SstpMessageType::echo_response))
        return DecodeError{"unknown_message_type", "unknown message type " + std::to_string(type), 4};

    SstpControl control{static_cast<SstpMessageType>(type), {}};
    for (std::size_t i = 0; i < count; ++i) {
        if (body.at_end())
            return DecodeError{
                "attribute_count_mismatch",
                "Num Attributes says " + std::to_string(count) + ", the packet ends after " + std::to_string(i),
                body.offset()};
        auto attribute = decode_attribute(body);
        if (!attribute) return attribute.error();
        control.attributes.push_back(std::move(attribute).value());
    }
    if (!body.at_end())
        return DecodeError{"attribute_count_mismatch",
                           std::to_string(body.remaining()) + " byte(s) after the " + std::to_string(count) +
                               " attribute(s) Num Attributes announces",
                           body.offset()};
    return SstpPacket{std::move(control)};
}

// ---- describe -------------------------------------------------------------------------------------

std::string describe(const SstpStatusInfo& status) {
    std::string s = "attrib=" + short_attribute_name(status.attrib_id) + " status=" + sstp_status_name(status.status);
    if (!status.attrib_value.empty()) s += " value=" + to_hex(status.attrib_value);
    return s;
}

std::string describe(const SstpAttribute& attribute) {
    const std::string name = short_attribute_name(static_cast<std::uint8_t>(sstp_attribute_id(attribute)));
    if (const auto* p = std::get_if<SstpEncapsulatedProtocolId>(&attribute)) {
        return name + " proto=" +
               (p->protocol_id == sstp_encapsulated_protocol_ppp ? std::string("PPP") : hex_u16(p->protocol_id));
    }
    if (const auto* s = std::get_if<SstpStatusInfo>(&attribute)) return name + " " + describe(*s);
    if (const auto* b = std::get_if<SstpCryptoBinding>(&attribute)) {
        return name + " hash=" + hash_names(b->hash_protocol_bitmask) + " nonce=" + abbreviated(b->nonce) +
               " cert_hash=" + abbreviated(b->cert_hash) + " mac=" + abbreviated(b->compound_mac);
    }
    const auto& r = std::get<SstpCryptoBindingRequest>(attribute);
    return name + " hash=" + hash_names(r.hash_protocol_bitmask) + " nonce=" + abbreviated(r.nonce);
}

std::string describe(const SstpPacket& packet) {
    if (const auto* d = packet.data()) return "SSTP data " + std::to_string(d->ppp_frame.size()) + " bytes";
    const auto& c = *packet.control();
    std::string s(sstp_message_name(c.type));
    if (c.attributes.empty()) return s;
    s += " attrs=[";
    for (std::size_t i = 0; i < c.attributes.size(); ++i) s += (i ? ", " : "") + describe(c.attributes[i]);
    return s + "]";
}

}  // namespace vpnprobe::protocol
