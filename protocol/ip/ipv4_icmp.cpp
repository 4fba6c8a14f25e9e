#include "protocol/ip/ipv4_icmp.hpp"

#include <algorithm>
#include <stdexcept>

namespace vpnprobe::protocol {

namespace {

constexpr std::size_t ipv4_header_size = 20;
constexpr std::size_t icmp_header_size = 4;
constexpr std::size_t icmp_echo_header_size = 8;
constexpr std::uint16_t flag_dont_fragment = 0x4000;
constexpr std::uint16_t flag_more_fragments = 0x2000;
constexpr std::uint16_t fragment_offset_mask = 0x1fff;

bool is_echo(std::uint8_t type) {
    return type == static_cast<std::uint8_t>(IcmpType::echo_reply) ||
           type == static_cast<std::uint8_t>(IcmpType::echo_request);
}

std::string hex_u16(std::uint16_t v) {
    static const char* digits = "0123456789abcdef";
    std::string s = "0x";
    for (int shift = 12; shift >= 0; shift -= 4) s += digits[(v >> shift) & 0xf];
    return s;
}

std::string icmp_type_name(std::uint8_t type) {
    switch (static_cast<IcmpType>(type)) {
    case IcmpType::echo_reply:
        return "Echo Reply";
    case IcmpType::destination_unreachable:
        return "Destination Unreachable";
    case IcmpType::echo_request:
        return "Echo Request";
    case IcmpType::time_exceeded:
        return "Time Exceeded";
    }
    return "Type " + std::to_string(type);
}

std::string unreachable_reason(std::uint8_t code) {
    switch (code) {
    case 0:
        return "net unreachable";
    case 1:
        return "host unreachable";
    case 2:
        return "protocol unreachable";
    case 3:
        return "port unreachable";
    case 4:
        return "fragmentation needed";
    case 9:
    case 10:
    case 13:
        return "administratively prohibited";
    }
    return "";
}

}  // namespace

std::uint16_t internet_checksum(ByteView data) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < data.size(); i += 2) sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
    if (data.size() % 2) sum += static_cast<std::uint32_t>(data.back() << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xffff);
}

Decoded<Ipv4Packet> decode_ipv4_packet(ByteView packet) {
    if (packet.size() < ipv4_header_size)
        return DecodeError{"truncated", "IPv4 header needs 20 bytes, got " + std::to_string(packet.size()),
                           packet.size()};
    ByteReader r(packet);
    const std::uint8_t version_ihl = r.u8();
    if (version_ihl >> 4 != 4)
        return DecodeError{"not_ipv4", "IP version " + std::to_string(version_ihl >> 4) + ", not 4", 0};
    const std::size_t header_length = std::size_t{version_ihl & 0x0fu} * 4;
    if (header_length < ipv4_header_size || header_length > packet.size())
        return DecodeError{
            "bad_ihl",
            "IHL says a " + std::to_string(header_length) + "-byte header" +
                (header_length < ipv4_header_size ? ", below the 20-byte minimum"
                                                  : ", past the " + std::to_string(packet.size()) + " bytes received"),
            0};
    Ipv4Packet out;
    out.tos = r.u8();
    const std::size_t total_length = r.u16();
    if (total_length < header_length || total_length > packet.size())
        return DecodeError{
            "bad_total_length",
            "Total Length " + std::to_string(total_length) +
                (total_length < header_length ? " is shorter than the " + std::to_string(header_length) + "-byte header"
                                              : " runs past the " + std::to_string(packet.size()) + " bytes received"),
            2};
    out.identification = r.u16();
    const std::uint16_t flags_offset = r.u16();
    out.ttl = r.u8();
    out.protocol = r.u8();
    r.skip(2);  // the checksum, verified over the whole header below
    ByteView source = r.bytes(4), destination = r.bytes(4);
    std::copy(source.begin(), source.end(), out.source.begin());
    std::copy(destination.begin(), destination.end(), out.destination.begin());
    if (internet_checksum(packet.first(header_length)) != 0)
        return DecodeError{"bad_header_checksum",
                           "IPv4 header checksum " + hex_u16(static_cast<std::uint16_t>(packet[10] << 8 | packet[11])) +
                               " does not match the header",
                           10};
    if ((flags_offset & flag_more_fragments) || (flags_offset & fragment_offset_mask))
        return DecodeError{"fragment",
                           "an IPv4 fragment (offset " + std::to_string((flags_offset & 0x1fff) * 8) +
                               (flags_offset & flag_more_fragments ? ", more to come" : "") + "): not reassembled",
                           6};
    out.dont_fragment = flags_offset & flag_dont_fragment;
    ByteView options = r.bytes(header_length - ipv4_header_size);
    out.options.assign(options.begin(), options.end());
    ByteView payload = packet.subspan(header_length, total_length - header_length);
    out.payload.assign(payload.begin(), payload.end());
    return out;
}

Bytes encode_ipv4_packet(const Ipv4Packet& packet) {
    const std::size_t total = ipv4_header_size + packet.payload.size();
    if (total > 0xffff) throw std::invalid_argument("IPv4 packet of " + std::to_string(total) + " bytes exceeds 65535");
    Bytes out;
    put_u8(out, 0x45);
    put_u8(out, packet.tos);
    put_u16(out, static_cast<std::uint16_t>(total));
    put_u16(out, packet.identification);
    put_u16(out, packet.dont_fragment ? flag_dont_fragment : 0);
    put_u8(out, packet.ttl);
    put_u8(out, packet.protocol);
    put_u16(out, 0);
    put_bytes(out, packet.source);
    put_bytes(out, packet.destination);
    const std::uint16_t checksum = internet_checksum(out);
    out[10] = static_cast<std::uint8_t>(checksum >> 8);
    out[11] = static_cast<std::uint8_t>(checksum & 0xff);
    put_bytes(out, packet.payload);
    return out;
}

Decoded<IcmpMessage> decode_icmp(ByteView message) {
    ByteReader r(message);
    IcmpMessage out;
    out.type = r.u8();
    out.code = r.u8();
    const std::uint16_t checksum = r.u16();
    if (r.failed())
        return DecodeError{"truncated", "ICMP header needs 4 bytes, got " + std::to_string(message.size()),
                           message.size()};
    if (is_echo(out.type)) {
        out.identifier = r.u16();
        out.sequence = r.u16();
        if (r.failed())
            return DecodeError{
                "truncated",
                "ICMP " + icmp_type_name(out.type) + " needs 8 bytes, got " + std::to_string(message.size()),
                message.size()};
    }
    if (internet_checksum(message) != 0)
        return DecodeError{"bad_checksum", "ICMP checksum " + hex_u16(checksum) + " does not match the message", 2};
    ByteView data = r.bytes(r.remaining());
    out.data.assign(data.begin(), data.end());
    return out;
}

Bytes encode_icmp(const IcmpMessage& message) {
    Bytes out;
    put_u8(out, message.type);
    put_u8(out, message.code);
    put_u16(out, 0);
    if (is_echo(message.type)) {
        put_u16(out, message.identifier);
        put_u16(out, message.sequence);
    }
    put_bytes(out, message.data);
    const std::uint16_t checksum = internet_checksum(out);
    out[2] = static_cast<std::uint8_t>(checksum >> 8);
    out[3] = static_cast<std::uint8_t>(checksum & 0xff);
    return out;
}

Bytes encode_ipv4_echo_request(const Ipv4Address& source, const Ipv4Address& destination, std::uint16_t identifier,
                               std::uint16_t sequence, ByteView data, std::uint16_t ip_identification,
                               std::uint8_t ttl) {
    IcmpMessage echo;
    echo.type = static_cast<std::uint8_t>(IcmpType::echo_request);
    echo.identifier = identifier;
    echo.sequence = sequence;
    echo.data.assign(data.begin(), data.end());
    Ipv4Packet ip;
    ip.identification = ip_identification;
    ip.ttl = ttl;
    ip.protocol = ip_protocol_icmp;
    ip.source = source;
    ip.destination = destination;
    ip.payload = encode_icmp(echo);
    return encode_ipv4_packet(ip);
}

EchoClassification classify_echo_answer(const Ipv4Packet& packet, const Ipv4Address& our_address,
                                        const Ipv4Address& target, std::uint16_t identifier, std::uint16_t sequence) {
    EchoClassification out;
    out.from = packet.source;
    if (packet.destination != our_address || packet.protocol != ip_protocol_icmp) return out;
    auto icmp = decode_icmp(packet.payload);
    if (!icmp) {
        out.answer = EchoAnswer::malformed;
        return out;
    }
    out.icmp = *icmp;
    if (icmp->is_echo_reply()) {
        if (icmp->identifier == identifier && icmp->sequence == sequence)
            out.answer = packet.source == target ? EchoAnswer::reply : EchoAnswer::reply_from_wrong_address;
        return out;
    }
    const bool error = icmp->type == static_cast<std::uint8_t>(IcmpType::destination_unreachable) ||
                       icmp->type == static_cast<std::uint8_t>(IcmpType::time_exceeded);
    if (!error) return out;
    // RFC 792: 4 unused bytes, then the original IP header and the first 8 bytes of its data - for our echo
    // request the ICMP type, code, checksum, identifier and sequence. The quoted header is as the router saw
    // it (its TTL and checksum may differ), so only the fields that identify our request are compared.
    ByteReader r(icmp->data);
    r.skip(4);
    const std::size_t quoted_start = r.offset();
    const std::uint8_t version_ihl = r.u8();
    const std::size_t ihl = std::size_t{version_ihl & 0x0fu} * 4;
    if (r.failed() || version_ihl >> 4 != 4 || ihl < ipv4_header_size || icmp->data.size() < quoted_start + ihl + 8)
        return out;
    ByteView quoted(icmp->data.data() + quoted_start, ihl + 8);
    const bool ours = quoted[9] == ip_protocol_icmp && std::equal(target.begin(), target.end(), quoted.begin() + 16) &&
                      quoted[ihl] == static_cast<std::uint8_t>(IcmpType::echo_request) &&
                      (quoted[ihl + 4] << 8 | quoted[ihl + 5]) == identifier &&
                      (quoted[ihl + 6] << 8 | quoted[ihl + 7]) == sequence;
    if (ours) out.answer = EchoAnswer::icmp_error;
    return out;
}

std::string describe(const IcmpMessage& message) {
    std::string s = "ICMP " + icmp_type_name(message.type);
    if (is_echo(message.type))
        return s + " id=" + hex_u16(message.identifier) + " seq=" + std::to_string(message.sequence) + " " +
               std::to_string(message.data.size()) + " bytes";
    s += " code=" + std::to_string(message.code);
    if (message.type == static_cast<std::uint8_t>(IcmpType::destination_unreachable)) {
        const std::string reason = unreachable_reason(message.code);
        if (!reason.empty()) s += " (" + reason + ")";
    }
    return s;
}

std::string describe(const Ipv4Packet& packet) {
    std::string s = "IPv4 " + to_string(packet.source) + " > " + to_string(packet.destination) +
                    " ttl=" + std::to_string(packet.ttl) + " ";
    if (packet.protocol != ip_protocol_icmp)
        return s + "protocol " + std::to_string(packet.protocol) + " " + std::to_string(packet.payload.size()) +
               " bytes";
    const auto icmp = decode_icmp(packet.payload);
    return s + (icmp ? describe(*icmp) : "ICMP undecodable: " + icmp.error().to_string());
}

}  // namespace vpnprobe::protocol
