#include "protocol/sstp/ppp_control.hpp"

#include <stdexcept>

namespace vpnprobe::protocol {

namespace {

constexpr std::size_t header_size = 4;
constexpr std::size_t option_header_size = 2;

}  // namespace

bool cp_code_has_options(LcpCode code) {
    return code == LcpCode::configure_request || code == LcpCode::configure_ack || code == LcpCode::configure_nak ||
           code == LcpCode::configure_reject;
}

Decoded<CpPacket> decode_cp_packet(std::string_view protocol, ByteView packet, std::size_t base_offset) {
    const std::string name(protocol);
    ByteReader r(packet, base_offset);
    CpPacket out;
    out.code = static_cast<LcpCode>(r.u8());
    out.identifier = r.u8();
    const std::size_t length_offset = r.offset();
    const std::size_t length = r.u16();
    if (r.failed())
        return DecodeError{"truncated", name + " header needs 4 bytes, got " + std::to_string(packet.size()),
                           r.offset()};
    if (length < header_size)
        return DecodeError{"bad_length", name + " Length " + std::to_string(length) + " is below its 4-byte header",
                           length_offset};
    if (length > packet.size())
        return DecodeError{"length_mismatch",
                           name + " Length says " + std::to_string(length) + " bytes, the frame holds " +
                               std::to_string(packet.size()),
                           length_offset};
    ByteReader body = r.sub(length - header_size);
    if (!cp_code_has_options(out.code)) {
        ByteView rest = body.bytes(body.remaining());
        out.data.assign(rest.begin(), rest.end());
        return out;
    }
    while (!body.at_end()) {
        const std::size_t start = body.offset();
        if (body.remaining() < option_header_size)
            return DecodeError{"truncated_option", "1 byte left where a 2-byte " + name + " option header should be",
                               start};
        CpOption option;
        option.type = body.u8();
        const std::size_t option_length = body.u8();
        if (option_length < option_header_size)
            return DecodeError{"bad_option_length",
                               name + " option " + std::to_string(option.type) + " length " +
                                   std::to_string(option_length) + " is shorter than its 2-byte header",
                               start + 1};
        if (option_length - option_header_size > body.remaining())
            return DecodeError{"option_overrun",
                               name + " option " + std::to_string(option.type) + " length " +
                                   std::to_string(option_length) + " runs " +
                                   std::to_string(option_length - option_header_size - body.remaining()) +
                                   " byte(s) past the end of the packet",
                               start + 1};
        ByteView value = body.bytes(option_length - option_header_size);
        option.data.assign(value.begin(), value.end());
        out.options.push_back(std::move(option));
    }
    return out;
}

Bytes encode_cp_packet(const CpPacket& packet) {
    Bytes body;
    if (cp_code_has_options(packet.code)) {
        for (const auto& o : packet.options) {
            if (o.data.size() > 0xff - option_header_size)
                throw std::invalid_argument("option " + std::to_string(o.type) + " value of " +
                                            std::to_string(o.data.size()) + " bytes does not fit its 1-byte length");
            put_u8(body, o.type);
            put_u8(body, static_cast<std::uint8_t>(o.data.size() + option_header_size));
            put_bytes(body, o.data);
        }
    } else {
        put_bytes(body, packet.data);
    }
    if (body.size() > 0xffff - header_size)
        throw std::invalid_argument("control packet of " + std::to_string(body.size() + header_size) +
                                    " bytes does not fit its 2-byte length");
    Bytes out;
    put_u8(out, static_cast<std::uint8_t>(packet.code));
    put_u8(out, packet.identifier);
    put_u16(out, static_cast<std::uint16_t>(body.size() + header_size));
    put_bytes(out, body);
    return out;
}

Bytes encode_cp_frame(std::uint16_t protocol, const CpPacket& packet) {
    return encode_ppp_frame(protocol, encode_cp_packet(packet));
}

}  // namespace vpnprobe::protocol
