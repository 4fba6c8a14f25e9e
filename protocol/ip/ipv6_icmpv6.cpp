#include "protocol/ip/ipv6_icmpv6.hpp"

#include <algorithm>
#include <stdexcept>

namespace vpnprobe::protocol {

namespace {

bool is_echo(std::uint8_t type) {
    return type == static_cast<std::uint8_t>(Icmpv6Type::echo_request) ||
           type == static_cast<std::uint8_t>(Icmpv6Type::echo_reply);
}

}  // namespace

Decoded<Ipv6Packet> decode_ipv6_packet(ByteView packet) {
    if (packet.size() < ipv6_header_size)
        return DecodeError{"truncated", "IPv6 header needs 40 bytes, got " + std::to_string(packet.size()),
                           packet.size()};
    ByteReader r(packet);
    const std::uint32_t first = r.u32();
    if (first >> 28 != 6) return DecodeError{"not_ipv6", "IP version " + std::to_string(first >> 28) + ", not 6", 0};
    Ipv6Packet out;
    out.traffic_class = static_cast<std::uint8_t>(first >> 20);
    out.flow_label = first & 0xfffff;
    const std::uint16_t payload_length = r.u16();
    out.next_header = r.u8();
    out.hop_limit = r.u8();
    const ByteView source = r.bytes(16);
    const ByteView destination = r.bytes(16);
    std::copy(source.begin(), source.end(), out.source.begin());
    std::copy(destination.begin(), destination.end(), out.destination.begin());
    if (payload_length == 0 || ipv6_header_size + payload_length > packet.size())
        return DecodeError{"bad_payload_length",
                           "Payload Length " + std::to_string(payload_length) + " with " +
                               std::to_string(packet.size() - ipv6_header_size) + " bytes after the header",
                           4};
    const ByteView payload = r.bytes(payload_length);
    out.payload.assign(payload.begin(), payload.end());
    return out;
}

Bytes encode_ipv6_packet(const Ipv6Packet& packet) {
    if (packet.payload.size() > 0xffff)
        throw std::invalid_argument("IPv6 payload of " + std::to_string(packet.payload.size()) +
                                    " bytes exceeds 65535");
    if (packet.flow_label > 0xfffff) throw std::invalid_argument("an IPv6 flow label has 20 bits");
    Bytes out;
    out.reserve(ipv6_header_size + packet.payload.size());
    const std::uint32_t first = 6u << 28 | std::uint32_t{packet.traffic_class} << 20 | packet.flow_label;
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(first >> shift));
    put_u16(out, static_cast<std::uint16_t>(packet.payload.size()));
    out.push_back(packet.next_header);
    out.push_back(packet.hop_limit);
    out.insert(out.end(), packet.source.begin(), packet.source.end());
    out.insert(out.end(), packet.destination.begin(), packet.destination.end());
    out.insert(out.end(), packet.payload.begin(), packet.payload.end());
    return out;
}

std::uint16_t icmpv6_checksum(const Ipv6Address& source, const Ipv6Address& destination, ByteView message) {
    // RFC 8200 8.1: source, destination, upper-layer length (32 bits), three zero bytes, Next Header 58.
    Bytes pseudo(source.begin(), source.end());
    pseudo.insert(pseudo.end(), destination.begin(), destination.end());
    const auto length = static_cast<std::uint32_t>(message.size());
    for (int shift = 24; shift >= 0; shift -= 8) pseudo.push_back(static_cast<std::uint8_t>(length >> shift));
    pseudo.insert(pseudo.end(), {0, 0, 0, ip_protocol_icmpv6});
    pseudo.insert(pseudo.end(), message.begin(), message.end());
    return internet_checksum(pseudo);
}

Decoded<IcmpMessage> decode_icmpv6(const Ipv6Address& source, const Ipv6Address& destination, ByteView message) {
    ByteReader r(message);
    IcmpMessage out;
    out.type = r.u8();
    out.code = r.u8();
    (void)r.u16();
    if (r.failed()) return DecodeError{"truncated", "an ICMPv6 header needs 4 bytes", message.size()};
    if (is_echo(out.type)) {
        out.identifier = r.u16();
        out.sequence = r.u16();
        if (r.failed()) return DecodeError{"truncated", "an ICMPv6 echo needs 8 bytes", message.size()};
    }
    const ByteView rest = r.bytes(r.remaining());
    out.data.assign(rest.begin(), rest.end());
    if (icmpv6_checksum(source, destination, message) != 0)
        return DecodeError{"bad_checksum", "ICMPv6 checksum does not match the pseudo-header and message", 2};
    return out;
}

Bytes encode_icmpv6(const Ipv6Address& source, const Ipv6Address& destination, const IcmpMessage& message) {
    Bytes out = {message.type, message.code, 0, 0};
    if (is_echo(message.type)) {
        put_u16(out, message.identifier);
        put_u16(out, message.sequence);
    }
    out.insert(out.end(), message.data.begin(), message.data.end());
    const std::uint16_t checksum = icmpv6_checksum(source, destination, out);
    out[2] = static_cast<std::uint8_t>(checksum >> 8);
    out[3] = static_cast<std::uint8_t>(checksum & 0xff);
    return out;
}

Bytes encode_ipv6_echo_request(const Ipv6Address& source, const Ipv6Address& destination, std::uint16_t identifier,
                               std::uint16_t sequence, ByteView data, std::uint8_t hop_limit) {
    IcmpMessage echo;
    echo.type = static_cast<std::uint8_t>(Icmpv6Type::echo_request);
    echo.identifier = identifier;
    echo.sequence = sequence;
    echo.data.assign(data.begin(), data.end());
    Ipv6Packet packet;
    packet.hop_limit = hop_limit;
    packet.source = source;
    packet.destination = destination;
    packet.payload = encode_icmpv6(source, destination, echo);
    return encode_ipv6_packet(packet);
}

Echo6Classification classify_echo6_answer(const Ipv6Packet& packet, const Ipv6Address& our_address,
                                          const Ipv6Address& target, std::uint16_t identifier, std::uint16_t sequence) {
    Echo6Classification out;
    out.from = packet.source;
    if (packet.destination != our_address || packet.next_header != ip_protocol_icmpv6) return out;
    auto icmp = decode_icmpv6(packet.source, packet.destination, packet.payload);
    if (!icmp) {
        out.answer = EchoAnswer::malformed;
        return out;
    }
    out.icmp = *icmp;
    if (icmp->type == static_cast<std::uint8_t>(Icmpv6Type::echo_reply)) {
        if (icmp->identifier == identifier && icmp->sequence == sequence)
            out.answer = packet.source == target ? EchoAnswer::reply : EchoAnswer::reply_from_wrong_address;
        return out;
    }
    const bool error = icmp->type == static_cast<std::uint8_t>(Icmpv6Type::destination_unreachable) ||
                       icmp->type == static_cast<std::uint8_t>(Icmpv6Type::packet_too_big) ||
                       icmp->type == static_cast<std::uint8_t>(Icmpv6Type::time_exceeded);
    // RFC 4443: 4 bytes (unused or MTU), then as much of the invoking packet as fits: its IPv6 header, then our
    // ICMPv6 echo header (type, code, checksum, identifier, sequence).
    if (!error || icmp->data.size() < 4 + ipv6_header_size + 8) return out;
    const ByteView quoted(icmp->data.data() + 4, ipv6_header_size + 8);
    const bool ours = quoted[0] >> 4 == 6 && quoted[6] == ip_protocol_icmpv6 &&
                      std::equal(target.begin(), target.end(), quoted.begin() + 24) &&
                      quoted[40] == static_cast<std::uint8_t>(Icmpv6Type::echo_request) &&
                      (quoted[44] << 8 | quoted[45]) == identifier && (quoted[46] << 8 | quoted[47]) == sequence;
    if (ours) out.answer = EchoAnswer::icmp_error;
    return out;
}

std::string to_string(const Ipv6Address& a) {
    std::array<std::uint16_t, 8> groups{};
    for (std::size_t i = 0; i < 8; ++i) groups[i] = static_cast<std::uint16_t>(a[2 * i] << 8 | a[2 * i + 1]);
    // The first longest run of at least two zero groups becomes "::" (RFC 5952 4.2).
    std::size_t best_start = 8, best_length = 0;
    for (std::size_t i = 0; i < 8;) {
        if (groups[i] != 0) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < 8 && groups[j] == 0) ++j;
        if (j - i > best_length && j - i >= 2) best_start = i, best_length = j - i;
        i = j;
    }
    static constexpr char digits[] = "0123456789abcdef";
    auto hex = [](std::uint16_t v) {
        std::string s;
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            const unsigned d = (v >> shift) & 0xf;
            if (d != 0 || started || shift == 0) s += digits[d], started = true;
        }
        return s;
    };
    std::string out;
    for (std::size_t i = 0; i < 8; ++i) {
        if (i == best_start) {
            out += "::";
            i += best_length - 1;
            continue;
        }
        if (!out.empty() && out.back() != ':') out += ':';
        out += hex(groups[i]);
    }
    return out;
}

}  // namespace vpnprobe::protocol
