#include "protocol/sstp/ppp_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <stdexcept>

namespace vpnprobe::protocol {

namespace {

constexpr std::size_t header_size = 4;

std::string as_text(ByteView v) { return std::string(v.begin(), v.end()); }

std::string shown(std::string_view text) {
    std::string out;
    for (unsigned char c : text) out += (c >= 0x20 && c < 0x7f && c != '"') ? static_cast<char>(c) : '?';
    return "\"" + out + "\"";
}

// Code, Identifier, Length of a CHAP or PAP packet; the body reader covers Length - 4 bytes.
struct Header {
    std::uint8_t code = 0;
    std::uint8_t identifier = 0;
    std::size_t length = 0;
    std::size_t length_offset = 0;
};

std::optional<DecodeError> read_header(ByteReader& r, std::size_t size, std::string_view protocol, Header& h) {
    h.code = r.u8();
    h.identifier = r.u8();
    h.length_offset = r.offset();
    h.length = r.u16();
    if (r.failed())
        return DecodeError{"truncated", std::string(protocol) + " header needs 4 bytes, got " + std::to_string(size),
                           r.offset()};
    return std::nullopt;
}

void put_header(Bytes& out, std::uint8_t code, std::uint8_t identifier, std::size_t body_size, const char* protocol) {
    if (body_size > 0xffff - header_size)
        throw std::invalid_argument(std::string(protocol) + " packet of " + std::to_string(body_size + header_size) +
                                    " bytes does not fit its 2-byte Length");
    put_u8(out, code);
    put_u8(out, identifier);
    put_u16(out, static_cast<std::uint16_t>(body_size + header_size));
}

void put_sized(Bytes& out, ByteView field, const char* what) {
    if (field.size() > 0xff)
        throw std::invalid_argument(std::string(what) + " of " + std::to_string(field.size()) +
                                    " bytes does not fit its 1-byte length");
    put_u8(out, static_cast<std::uint8_t>(field.size()));
    put_bytes(out, field);
}

ByteView text_bytes(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

}  // namespace

std::optional<std::string> ppp_auth_weakness(const LcpAuthProtocol& auth) {
    if (auth.protocol == ppp_protocol_pap) return "PAP sends the password in clear text (RFC 1334)";
    if (auto algorithm = auth.chap_algorithm()) {
        if (*algorithm == chap_algorithm_md5)
            return "CHAP-MD5 needs the password stored reversibly on the server and its response falls to an "
                   "offline dictionary attack (RFC 1994 section 5)";
        if (*algorithm == chap_algorithm_ms_chap)
            return "MS-CHAP (version 1) uses the LAN Manager hash and is deprecated (RFC 2433 section 12)";
    }
    return std::nullopt;
}

LcpAuthAnswer answer_lcp_auth(const LcpAuthProtocol& asked, const PppAuthPolicy& policy) {
    const auto algorithm = asked.chap_algorithm();
    const bool is_eap = asked.protocol == ppp_protocol_eap;
    const bool is_mschapv2 = algorithm == chap_algorithm_ms_chap_v2;
    // Only the weak protocols this code can answer: MS-CHAPv1 is weak too, but not implemented.
    const bool is_weak = asked.protocol == ppp_protocol_pap || algorithm == chap_algorithm_md5;
    if ((is_eap && policy.allow_eap) || (is_mschapv2 && policy.allow_mschapv2) || (is_weak && policy.allow_weak))
        return LcpAuthAnswer{true, std::nullopt};
    if (policy.allow_mschapv2 && !is_mschapv2) return LcpAuthAnswer{false, lcp_auth_chap(chap_algorithm_ms_chap_v2)};
    if (policy.allow_eap && !is_eap) return LcpAuthAnswer{false, LcpAuthProtocol{ppp_protocol_eap, {}}};
    return LcpAuthAnswer{false, std::nullopt};
}

// ---- CHAP -------------------------------------------------------------------------------------------

std::string chap_code_name(ChapCode code) {
    switch (code) {
    case ChapCode::challenge:
        return "Challenge";
    case ChapCode::response:
        return "Response";
    case ChapCode::success:
        return "Success";
    case ChapCode::failure:
        return "Failure";
    }
    return "Code-" + std::to_string(static_cast<unsigned>(code));
}

Decoded<ChapPacket> decode_chap_packet(ByteView packet, std::size_t base_offset) {
    ByteReader r(packet, base_offset);
    Header h;
    if (auto e = read_header(r, packet.size(), "CHAP", h)) return *e;
    if (h.code < 1 || h.code > 4)
        return DecodeError{"bad_code", "CHAP code " + std::to_string(h.code) + " is none of 1-4", base_offset};
    ChapPacket out;
    out.code = static_cast<ChapCode>(h.code);
    out.identifier = h.identifier;
    const bool has_value = out.code == ChapCode::challenge || out.code == ChapCode::response;
    const std::size_t minimum = has_value ? header_size + 1 : header_size;
    if (h.length < minimum)
        return DecodeError{"bad_length",
                           "CHAP " + chap_code_name(out.code) + " Length " + std::to_string(h.length) +
                               " is below its minimum " + std::to_string(minimum),
                           h.length_offset};
    if (h.length > packet.size())
        return DecodeError{
            "length_mismatch",
            "CHAP Length says " + std::to_string(h.length) + " bytes, the frame holds " + std::to_string(packet.size()),
            h.length_offset};
    ByteReader body = r.sub(h.length - header_size);
    if (has_value) {
        const std::size_t size_offset = body.offset();
        const std::size_t size = body.u8();
        if (size > body.remaining())
            return DecodeError{"value_overrun",
                               "CHAP Value-Size " + std::to_string(size) + " runs " +
                                   std::to_string(size - body.remaining()) + " byte(s) past Length",
                               size_offset};
        ByteView value = body.bytes(size);
        out.value.assign(value.begin(), value.end());
        out.name = as_text(body.bytes(body.remaining()));
    } else {
        out.message = as_text(body.bytes(body.remaining()));
    }
    if (body.failed()) return body.error();
    return out;
}

Bytes encode_chap_packet(const ChapPacket& packet) {
    Bytes body;
    if (packet.code == ChapCode::challenge || packet.code == ChapCode::response) {
        put_sized(body, packet.value, "CHAP value");
        put_bytes(body, text_bytes(packet.name));
    } else {
        put_bytes(body, text_bytes(packet.message));
    }
    Bytes out;
    put_header(out, static_cast<std::uint8_t>(packet.code), packet.identifier, body.size(), "CHAP");
    put_bytes(out, body);
    return out;
}

Bytes encode_chap_frame(const ChapPacket& packet) {
    return encode_ppp_frame(ppp_protocol_chap, encode_chap_packet(packet));
}

Decoded<mschapv2::Challenge> chap_mschapv2_challenge(const ChapPacket& challenge, std::size_t value_size_offset) {
    if (challenge.value.size() != 16)
        return DecodeError{
            "bad_value_size",
            "MS-CHAPv2 Challenge Value-Size " + std::to_string(challenge.value.size()) + ", RFC 2759 fixes 16",
            value_size_offset};
    mschapv2::Challenge out{};
    std::copy(challenge.value.begin(), challenge.value.end(), out.begin());
    return out;
}

Bytes encode_chap_mschapv2_response(std::uint8_t identifier, const mschapv2::ResponseValue& value,
                                    std::string_view user_name) {
    return encode_chap_frame(
        ChapPacket{ChapCode::response, identifier, mschapv2::encode_response_value(value), std::string(user_name), {}});
}

std::array<std::uint8_t, 16> chap_md5_response(std::uint8_t identifier, std::string_view secret, ByteView challenge) {
    Bytes input;
    put_u8(input, identifier);
    put_bytes(input, text_bytes(secret));
    put_bytes(input, challenge);
    std::array<std::uint8_t, 16> out{};
    unsigned int length = 0;
    const int ok = EVP_Digest(input.data(), input.size(), out.data(), &length, EVP_md5(), nullptr);
    OPENSSL_cleanse(input.data(), input.size());
    if (ok != 1 || length != out.size()) throw std::runtime_error("MD5 is unavailable in this OpenSSL");
    return out;
}

std::string describe(const ChapPacket& packet) {
    std::string s = "CHAP " + chap_code_name(packet.code) + " id=" + std::to_string(packet.identifier);
    if (packet.code == ChapCode::challenge || packet.code == ChapCode::response)
        return s + " value=" + std::to_string(packet.value.size()) + " bytes name=" + shown(packet.name);
    return s + " " + shown(packet.message);
}

// ---- PAP --------------------------------------------------------------------------------------------

std::string pap_code_name(PapCode code) {
    switch (code) {
    case PapCode::authenticate_request:
        return "Authenticate-Request";
    case PapCode::authenticate_ack:
        return "Authenticate-Ack";
    case PapCode::authenticate_nak:
        return "Authenticate-Nak";
    }
    return "Code-" + std::to_string(static_cast<unsigned>(code));
}

Decoded<PapPacket> decode_pap_packet(ByteView packet, std::size_t base_offset) {
    ByteReader r(packet, base_offset);
    Header h;
    if (auto e = read_header(r, packet.size(), "PAP", h)) return *e;
    if (h.code < 1 || h.code > 3)
        return DecodeError{"bad_code", "PAP code " + std::to_string(h.code) + " is none of 1-3", base_offset};
    PapPacket out;
    out.code = static_cast<PapCode>(h.code);
    out.identifier = h.identifier;
    // A Request has two length bytes (Peer-ID, Password), an Ack/Nak one (Message).
    const std::size_t minimum = header_size + (out.code == PapCode::authenticate_request ? 2 : 1);
    if (h.length < minimum)
        return DecodeError{"bad_length",
                           "PAP " + pap_code_name(out.code) + " Length " + std::to_string(h.length) +
                               " is below its minimum " + std::to_string(minimum),
                           h.length_offset};
    if (h.length > packet.size())
        return DecodeError{
            "length_mismatch",
            "PAP Length says " + std::to_string(h.length) + " bytes, the frame holds " + std::to_string(packet.size()),
            h.length_offset};
    ByteReader body = r.sub(h.length - header_size);
    auto field = [&](const char* what, std::string& into) -> std::optional<DecodeError> {
        const std::size_t at = body.offset();
        const std::size_t size = body.u8();
        if (body.failed()) return DecodeError{"bad_length", std::string("PAP ") + what + " length is missing", at};
        if (size > body.remaining())
            return DecodeError{"field_overrun",
                               std::string("PAP ") + what + " length " + std::to_string(size) + " runs " +
                                   std::to_string(size - body.remaining()) + " byte(s) past Length",
                               at};
        into = as_text(body.bytes(size));
        return std::nullopt;
    };
    if (out.code == PapCode::authenticate_request) {
        if (auto e = field("Peer-ID", out.peer_id)) return *e;
        if (auto e = field("Password", out.password)) return *e;
    } else {
        if (auto e = field("Message", out.message)) return *e;
    }
    return out;
}

Bytes encode_pap_packet(const PapPacket& packet) {
    Bytes body;
    if (packet.code == PapCode::authenticate_request) {
        put_sized(body, text_bytes(packet.peer_id), "PAP Peer-ID");
        put_sized(body, text_bytes(packet.password), "PAP Password");
    } else {
        put_sized(body, text_bytes(packet.message), "PAP Message");
    }
    Bytes out;
    put_header(out, static_cast<std::uint8_t>(packet.code), packet.identifier, body.size(), "PAP");
    put_bytes(out, body);
    OPENSSL_cleanse(body.data(), body.size());
    return out;
}

Bytes encode_pap_frame(const PapPacket& packet) {
    Bytes inner = encode_pap_packet(packet);
    Bytes frame = encode_ppp_frame(ppp_protocol_pap, inner);
    OPENSSL_cleanse(inner.data(), inner.size());
    return frame;
}

std::string describe(const PapPacket& packet) {
    std::string s = "PAP " + pap_code_name(packet.code) + " id=" + std::to_string(packet.identifier);
    if (packet.code == PapCode::authenticate_request) return s + " peer_id=" + shown(packet.peer_id);
    return s + " " + shown(packet.message);
}

}  // namespace vpnprobe::protocol
