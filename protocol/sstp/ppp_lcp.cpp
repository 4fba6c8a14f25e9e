#include "protocol/sstp/ppp_lcp.hpp"

#include <stdexcept>

namespace vpnprobe::protocol {

namespace {

constexpr std::uint8_t ppp_address = 0xff;
constexpr std::uint8_t ppp_control = 0x03;
constexpr std::size_t lcp_header_size = 4;
constexpr std::size_t lcp_option_header_size = 2;

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

// Terminate reasons and Identification messages are usually text; anything else is shown as hex.
std::string printable(ByteView data) {
    bool text = !data.empty();
    for (auto c : data) text = text && c >= 0x20 && c < 0x7f && c != '"';
    if (text) return "\"" + std::string(data.begin(), data.end()) + "\"";
    constexpr std::size_t shown = 16;
    if (data.size() <= shown) return to_hex(data);
    return to_hex(data.first(shown)) + ".. (" + std::to_string(data.size()) + " bytes)";
}

std::string raw_option_name(std::uint8_t type) {
    switch (type) {
    case 0:
        return "Vendor";
    case 13:
        return "Callback";
    case 17:
        return "MRRU";
    case 18:
        return "ShortSeq";
    case 19:
        return "EndpointDisc";
    case 23:
        return "LinkDisc";
    }
    return "Opt" + std::to_string(type);
}

Bytes to_bytes(ByteView v) { return Bytes(v.begin(), v.end()); }

Decoded<LcpOption> decode_option(ByteReader& body) {
    const std::size_t start = body.offset();
    if (body.remaining() < lcp_option_header_size)
        return DecodeError{"truncated_option", "1 byte left where a 2-byte option header should be", start};
    const std::uint8_t type = body.u8();
    const std::size_t length = body.u8();
    if (length < lcp_option_header_size)
        return DecodeError{"bad_option_length",
                           "option " + std::to_string(type) + " length " + std::to_string(length) +
                               " is shorter than its 2-byte header",
                           start + 1};
    if (length - lcp_option_header_size > body.remaining())
        return DecodeError{"option_overrun",
                           "option " + std::to_string(type) + " length " + std::to_string(length) + " runs " +
                               std::to_string(length - lcp_option_header_size - body.remaining()) +
                               " byte(s) past the end of the packet",
                           start + 1};
    ByteReader value = body.sub(length - lcp_option_header_size);

    auto bad_length = [&](std::string_view name, std::string_view want) {
        return DecodeError{
            "bad_option_length",
            std::string(name) + " option length " + std::to_string(length) + ", RFC 1661 fixes " + std::string(want),
            start + 1};
    };

    LcpOption option;
    switch (type) {
    case lcp_option_mru:
        if (length != 4) return bad_length("MRU", "4");
        option = LcpMru{value.u16()};
        break;
    case lcp_option_accm:
        if (length != 6) return bad_length("ACCM", "6");
        option = LcpAccm{value.u32()};
        break;
    case lcp_option_auth_protocol: {
        if (length < 4) return bad_length("Authentication-Protocol", "at least 4");
        LcpAuthProtocol auth{value.u16(), to_bytes(value.bytes(value.remaining()))};
        // RFC 1994 section 3: the CHAP form carries exactly one algorithm byte.
        if (auth.protocol == ppp_protocol_chap && length != 5) return bad_length("CHAP Authentication-Protocol", "5");
        option = std::move(auth);
        break;
    }
    case lcp_option_quality_protocol: {
        if (length < 4) return bad_length("Quality-Protocol", "at least 4");
        option = LcpQualityProtocol{value.u16(), to_bytes(value.bytes(value.remaining()))};
        break;
    }
    case lcp_option_magic_number:
        if (length != 6) return bad_length("Magic-Number", "6");
        option = LcpMagicNumber{value.u32()};
        break;
    case lcp_option_pfc:
        if (length != 2) return bad_length("Protocol-Field-Compression", "2");
        option = LcpPfc{};
        break;
    case lcp_option_acfc:
        if (length != 2) return bad_length("Address-and-Control-Field-Compression", "2");
        option = LcpAcfc{};
        break;
    default:
        option = LcpRawOption{type, to_bytes(value.bytes(value.remaining()))};
    }
    if (value.failed()) return value.error();
    return option;
}

// The smallest Length each code can have (header + fixed fields).
std::size_t minimum_length(LcpCode code) {
    switch (code) {
    case LcpCode::protocol_reject:
        return 6;
    case LcpCode::echo_request:
    case LcpCode::echo_reply:
    case LcpCode::discard_request:
    case LcpCode::identification:
        return 8;
    case LcpCode::time_remaining:
        return 12;
    default:
        return lcp_header_size;
    }
}

bool has_options(LcpCode code) {
    return code == LcpCode::configure_request || code == LcpCode::configure_ack || code == LcpCode::configure_nak ||
           code == LcpCode::configure_reject;
}

bool has_magic(LcpCode code) {
    return code == LcpCode::echo_request || code == LcpCode::echo_reply || code == LcpCode::discard_request ||
           code == LcpCode::identification || code == LcpCode::time_remaining;
}

Bytes lcp_frame(LcpCode code, std::uint8_t identifier, std::vector<LcpOption> options = {}) {
    LcpPacket p;
    p.code = code;
    p.identifier = identifier;
    p.options = std::move(options);
    return encode_lcp_frame(p);
}

}  // namespace

std::string ppp_protocol_name(std::uint16_t protocol) {
    switch (protocol) {
    case ppp_protocol_ipv4:
        return "IPv4";
    case ppp_protocol_ipv6:
        return "IPv6";
    case ppp_protocol_ipcp:
        return "IPCP";
    case ppp_protocol_ipv6cp:
        return "IPV6CP";
    case ppp_protocol_ccp:
        return "CCP";
    case ppp_protocol_lcp:
        return "LCP";
    case ppp_protocol_pap:
        return "PAP";
    case ppp_protocol_lqr:
        return "LQR";
    case ppp_protocol_chap:
        return "CHAP";
    case ppp_protocol_eap:
        return "EAP";
    }
    return hex_u16(protocol);
}

Decoded<PppFrame> decode_ppp_frame(ByteView frame) {
    ByteReader r(frame);
    PppFrame out;
    out.address_control = !frame.empty() && frame[0] == ppp_address;
    if (out.address_control) {
        r.u8();
        const std::uint8_t control = r.u8();
        if (r.failed()) return r.error();
        if (control != ppp_control)
            return DecodeError{"bad_control", "address FF followed by control 0x" + hex_byte(control) + ", not 0x03",
                               1};
    }
    const std::size_t protocol_offset = r.offset();
    const std::uint8_t first = r.u8();
    if (r.failed()) return r.error();
    // An odd first octet is a whole protocol number compressed to one byte (RFC 1661 6.5).
    out.protocol = (first & 1) ? first : static_cast<std::uint16_t>(first << 8 | r.u8());
    if (r.failed()) return r.error();
    // The high octet is even by construction here: an odd first octet was taken as a compressed field.
    if (!(out.protocol & 1))
        return DecodeError{
            "bad_protocol",
            "protocol " + hex_u16(out.protocol) + " is not a PPP protocol number (its low octet is even)",
            protocol_offset};
    out.information_offset = r.offset();
    out.information = to_bytes(r.bytes(r.remaining()));
    return out;
}

Bytes encode_ppp_frame(std::uint16_t protocol, ByteView information) {
    Bytes out;
    put_u8(out, ppp_address);
    put_u8(out, ppp_control);
    put_u16(out, protocol);
    put_bytes(out, information);
    return out;
}

std::string lcp_code_name(LcpCode code) {
    switch (code) {
    case LcpCode::configure_request:
        return "Configure-Request";
    case LcpCode::configure_ack:
        return "Configure-Ack";
    case LcpCode::configure_nak:
        return "Configure-Nak";
    case LcpCode::configure_reject:
        return "Configure-Reject";
    case LcpCode::terminate_request:
        return "Terminate-Request";
    case LcpCode::terminate_ack:
        return "Terminate-Ack";
    case LcpCode::code_reject:
        return "Code-Reject";
    case LcpCode::protocol_reject:
        return "Protocol-Reject";
    case LcpCode::echo_request:
        return "Echo-Request";
    case LcpCode::echo_reply:
        return "Echo-Reply";
    case LcpCode::discard_request:
        return "Discard-Request";
    case LcpCode::identification:
        return "Identification";
    case LcpCode::time_remaining:
        return "Time-Remaining";
    }
    return "Code-" + std::to_string(static_cast<unsigned>(code));
}

std::optional<std::uint8_t> LcpAuthProtocol::chap_algorithm() const {
    if (protocol != ppp_protocol_chap || data.empty()) return std::nullopt;
    return data[0];
}

std::uint8_t lcp_option_type(const LcpOption& option) {
    struct Visitor {
        std::uint8_t operator()(const LcpMru&) const { return lcp_option_mru; }
        std::uint8_t operator()(const LcpAccm&) const { return lcp_option_accm; }
        std::uint8_t operator()(const LcpAuthProtocol&) const { return lcp_option_auth_protocol; }
        std::uint8_t operator()(const LcpQualityProtocol&) const { return lcp_option_quality_protocol; }
        std::uint8_t operator()(const LcpMagicNumber&) const { return lcp_option_magic_number; }
        std::uint8_t operator()(const LcpPfc&) const { return lcp_option_pfc; }
        std::uint8_t operator()(const LcpAcfc&) const { return lcp_option_acfc; }
        std::uint8_t operator()(const LcpRawOption& o) const { return o.type; }
    };
    return std::visit(Visitor{}, option);
}

LcpAuthProtocol lcp_auth_chap(std::uint8_t algorithm) { return LcpAuthProtocol{ppp_protocol_chap, {algorithm}}; }

std::string lcp_auth_protocol_name(const LcpAuthProtocol& auth) {
    if (auto algorithm = auth.chap_algorithm()) {
        switch (*algorithm) {
        case chap_algorithm_md5:
            return "CHAP-MD5";
        case chap_algorithm_ms_chap:
            return "MS-CHAP";
        case chap_algorithm_ms_chap_v2:
            return "MS-CHAPv2";
        }
        return "CHAP-0x" + hex_byte(*algorithm);
    }
    return ppp_protocol_name(auth.protocol);
}

// ---- decoding -------------------------------------------------------------------------------------

Decoded<LcpPacket> decode_lcp_packet(ByteView packet, std::size_t base_offset) {
    ByteReader r(packet, base_offset);
    LcpPacket out;
    out.code = static_cast<LcpCode>(r.u8());
    out.identifier = r.u8();
    const std::size_t length_offset = r.offset();
    const std::size_t length = r.u16();
    if (r.failed()) return r.error();
    if (length < minimum_length(out.code))
        return DecodeError{"bad_length",
                           lcp_code_name(out.code) + " Length " + std::to_string(length) + " is below its minimum " +
                               std::to_string(minimum_length(out.code)),
                           length_offset};
    if (length > packet.size())
        return DecodeError{
            "length_mismatch",
            "Length says " + std::to_string(length) + " bytes, the frame holds " + std::to_string(packet.size()),
            length_offset};
    ByteReader body = r.sub(length - lcp_header_size);

    if (has_options(out.code)) {
        while (!body.at_end()) {
            auto option = decode_option(body);
            if (!option) return option.error();
            out.options.push_back(std::move(option).value());
        }
    } else {
        if (has_magic(out.code)) out.magic_number = body.u32();
        if (out.code == LcpCode::protocol_reject) out.rejected_protocol = body.u16();
        out.data = to_bytes(body.bytes(body.remaining()));
    }
    if (body.failed()) return body.error();
    return out;
}

Decoded<LcpPacket> decode_lcp_frame(ByteView ppp_frame) {
    auto frame = decode_ppp_frame(ppp_frame);
    if (!frame) return frame.error();
    if (frame->protocol != ppp_protocol_lcp) {
        const std::size_t protocol_offset = frame->address_control ? 2 : 0;
        return DecodeError{"not_lcp", "PPP protocol " + ppp_protocol_name(frame->protocol) + ", not LCP",
                           protocol_offset};
    }
    return decode_lcp_packet(frame->information, frame->information_offset);
}

// ---- encoding -------------------------------------------------------------------------------------

Bytes encode_lcp_option(const LcpOption& option) {
    Bytes value;
    if (const auto* o = std::get_if<LcpMru>(&option)) put_u16(value, o->mru);
    else if (const auto* o = std::get_if<LcpAccm>(&option)) put_u32(value, o->accm);
    else if (const auto* o = std::get_if<LcpAuthProtocol>(&option)) {
        put_u16(value, o->protocol);
        put_bytes(value, o->data);
    } else if (const auto* o = std::get_if<LcpQualityProtocol>(&option)) {
        put_u16(value, o->protocol);
        put_bytes(value, o->data);
    } else if (const auto* o = std::get_if<LcpMagicNumber>(&option)) put_u32(value, o->magic);
    else if (const auto* o = std::get_if<LcpRawOption>(&option)) put_bytes(value, o->data);

    if (value.size() > 0xff - lcp_option_header_size)
        throw std::invalid_argument("LCP option " + std::to_string(lcp_option_type(option)) + " value of " +
                                    std::to_string(value.size()) + " bytes does not fit its 1-byte length");
    Bytes out;
    put_u8(out, lcp_option_type(option));
    put_u8(out, static_cast<std::uint8_t>(value.size() + lcp_option_header_size));
    put_bytes(out, value);
    return out;
}

Bytes encode_lcp_packet(const LcpPacket& packet) {
    Bytes body;
    if (has_options(packet.code)) {
        for (const auto& o : packet.options) put_bytes(body, encode_lcp_option(o));
    } else {
        if (has_magic(packet.code)) put_u32(body, packet.magic_number);
        if (packet.code == LcpCode::protocol_reject) put_u16(body, packet.rejected_protocol);
        put_bytes(body, packet.data);
    }
    if (body.size() > 0xffff - lcp_header_size)
        throw std::invalid_argument("LCP packet of " + std::to_string(body.size() + lcp_header_size) +
                                    " bytes does not fit its 2-byte length");
    Bytes out;
    put_u8(out, static_cast<std::uint8_t>(packet.code));
    put_u8(out, packet.identifier);
    put_u16(out, static_cast<std::uint16_t>(body.size() + lcp_header_size));
    put_bytes(out, body);
    return out;
}

Bytes encode_lcp_frame(const LcpPacket& packet) {
    return encode_ppp_frame(ppp_protocol_lcp, encode_lcp_packet(packet));
}

Bytes encode_lcp_configure_request(std::uint8_t identifier, const std::vector<LcpOption>& options) {
    return lcp_frame(LcpCode::configure_request, identifier, options);
}
Bytes encode_lcp_configure_ack(std::uint8_t identifier, const std::vector<LcpOption>& options) {
    return lcp_frame(LcpCode::configure_ack, identifier, options);
}
Bytes encode_lcp_configure_nak(std::uint8_t identifier, const std::vector<LcpOption>& options) {
    return lcp_frame(LcpCode::configure_nak, identifier, options);
}
Bytes encode_lcp_configure_reject(std::uint8_t identifier, const std::vector<LcpOption>& options) {
    return lcp_frame(LcpCode::configure_reject, identifier, options);
}

Bytes encode_lcp_terminate_request(std::uint8_t identifier, ByteView data) {
    LcpPacket p{LcpCode::terminate_request, identifier, {}, 0, 0, to_bytes(data)};
    return encode_lcp_frame(p);
}
Bytes encode_lcp_terminate_ack(std::uint8_t identifier, ByteView data) {
    LcpPacket p{LcpCode::terminate_ack, identifier, {}, 0, 0, to_bytes(data)};
    return encode_lcp_frame(p);
}
Bytes encode_lcp_echo_request(std::uint8_t identifier, std::uint32_t magic, ByteView data) {
    LcpPacket p{LcpCode::echo_request, identifier, {}, magic, 0, to_bytes(data)};
    return encode_lcp_frame(p);
}
Bytes encode_lcp_echo_reply(std::uint8_t identifier, std::uint32_t magic, ByteView data) {
    LcpPacket p{LcpCode::echo_reply, identifier, {}, magic, 0, to_bytes(data)};
    return encode_lcp_frame(p);
}
Bytes encode_lcp_protocol_reject(std::uint8_t identifier, std::uint16_t protocol, ByteView information) {
    LcpPacket p{LcpCode::protocol_reject, identifier, {}, 0, protocol, to_bytes(information)};
    return encode_lcp_frame(p);
}
Bytes encode_lcp_code_reject(std::uint8_t identifier, ByteView rejected_packet) {
    LcpPacket p{LcpCode::code_reject, identifier, {}, 0, 0, to_bytes(rejected_packet)};
    return encode_lcp_frame(p);
}

// ---- describe -------------------------------------------------------------------------------------

std::string describe(const LcpOption& option) {
    if (const auto* o = std::get_if<LcpMru>(&option)) return "MRU=" + std::to_string(o->mru);
    if (const auto* o = std::get_if<LcpAccm>(&option)) return "ACCM=" + hex_u32(o->accm);
    if (const auto* o = std::get_if<LcpAuthProtocol>(&option)) {
        std::string s = "Auth=" + lcp_auth_protocol_name(*o);
        if (o->protocol != ppp_protocol_chap && !o->data.empty()) s += "(" + to_hex(o->data) + ")";
        return s;
    }
    if (const auto* o = std::get_if<LcpQualityProtocol>(&option)) {
        std::string s = "Quality=" + ppp_protocol_name(o->protocol);
        if (!o->data.empty()) s += "(" + to_hex(o->data) + ")";
        return s;
    }
    if (const auto* o = std::get_if<LcpMagicNumber>(&option)) return "Magic=" + hex_u32(o->magic);
    if (std::holds_alternative<LcpPfc>(option)) return "PFC";
    if (std::holds_alternative<LcpAcfc>(option)) return "ACFC";
    const auto& raw = std::get<LcpRawOption>(option);
    std::string s = raw_option_name(raw.type);
    if (!raw.data.empty()) s += "=" + to_hex(raw.data);
    return s;
}

std::string describe(const LcpPacket& packet) {
    std::string s = "LCP " + lcp_code_name(packet.code) + " id=" + std::to_string(packet.identifier);
    if (has_options(packet.code)) {
        s += " [";
        for (std::size_t i = 0; i < packet.options.size(); ++i) s += (i ? ", " : "") + describe(packet.options[i]);
        return s + "]";
    }
    if (has_magic(packet.code)) s += " magic=" + hex_u32(packet.magic_number);
    if (packet.code == LcpCode::protocol_reject) s += " protocol=" + ppp_protocol_name(packet.rejected_protocol);
    if (packet.code == LcpCode::code_reject && !packet.data.empty())
        s += " rejected=" + lcp_code_name(static_cast<LcpCode>(packet.data[0]));
    if (!packet.data.empty()) s += " data=" + printable(packet.data);
    return s;
}

std::string describe(const PppFrame& frame) {
    if (frame.protocol == ppp_protocol_lcp) {
        auto lcp = decode_lcp_packet(frame.information, frame.information_offset);
        if (!lcp) return "LCP undecodable: " + lcp.error().to_string();
        return describe(*lcp);
    }
    return ppp_protocol_name(frame.protocol) + " " + std::to_string(frame.information.size()) + " bytes";
}

std::string describe_ppp_frame(ByteView frame) {
    auto decoded = decode_ppp_frame(frame);
    if (!decoded) return "PPP frame undecodable: " + decoded.error().to_string();
    return describe(*decoded);
}

}  // namespace vpnprobe::protocol
