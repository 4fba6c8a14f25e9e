#include "protocol/sstp/ppp_ipcp.hpp"

#include <algorithm>

namespace vpnprobe::protocol {

namespace {

constexpr Ipv4Address unspecified{};

auto find_type(std::vector<CpOption>& options, std::uint8_t type) {
    return std::find_if(options.begin(), options.end(), [&](const CpOption& o) { return o.type == type; });
}

}  // namespace

std::string ipcp_option_name(std::uint8_t type) {
    switch (type) {
    case ipcp_option::ip_addresses:
        return "IP-Addresses";
    case ipcp_option::compression:
        return "IP-Compression";
    case ipcp_option::ip_address:
        return "IP-Address";
    case ipcp_option::primary_dns:
        return "Primary-DNS";
    case ipcp_option::primary_nbns:
        return "Primary-NBNS";
    case ipcp_option::secondary_dns:
        return "Secondary-DNS";
    case ipcp_option::secondary_nbns:
        return "Secondary-NBNS";
    }
    return "Opt" + std::to_string(type);
}

bool ipcp_is_address_option(std::uint8_t type) {
    return type == ipcp_option::ip_address || (type >= ipcp_option::primary_dns && type <= ipcp_option::secondary_nbns);
}

Decoded<CpPacket> decode_ipcp_packet(ByteView packet, std::size_t base_offset) {
    auto decoded = decode_cp_packet("IPCP", packet, base_offset);
    if (!decoded) return decoded;
    // Walk the options again for their offsets: each is type, length, value.
    std::size_t at = base_offset + 4;
    for (const auto& o : decoded->options) {
        const std::size_t length = o.data.size() + 2;
        const std::size_t want = ipcp_is_address_option(o.type) ? 6 : o.type == ipcp_option::ip_addresses ? 10 : 0;
        if (want != 0 && length != want)
            return DecodeError{
                "bad_option_length",
                ipcp_option_name(o.type) + " option length " + std::to_string(length) +
                    (o.type == ipcp_option::ip_addresses ? ", RFC 1332 fixes " : ", RFC 1332/1877 fix ") +
                    std::to_string(want),
                at + 1};
        at += length;
    }
    return decoded;
}

Decoded<CpPacket> decode_ipcp_frame(ByteView ppp_frame) {
    auto frame = decode_ppp_frame(ppp_frame);
    if (!frame) return frame.error();
    if (frame->protocol != ppp_protocol_ipcp)
        return DecodeError{"not_ipcp", "PPP protocol " + ppp_protocol_name(frame->protocol) + ", not IPCP",
                           frame->address_control ? 2u : 0u};
    return decode_ipcp_packet(frame->information, frame->information_offset);
}

CpOption ipcp_address_option(std::uint8_t type, const Ipv4Address& address) {
    return CpOption{type, Bytes(address.begin(), address.end())};
}

std::optional<Ipv4Address> ipcp_address(const CpOption& option) {
    if (!ipcp_is_address_option(option.type) || option.data.size() != 4) return std::nullopt;
    Ipv4Address a{};
    std::copy(option.data.begin(), option.data.end(), a.begin());
    return a;
}

IpcpRequest windows_ipcp_request() {
    IpcpRequest r;
    for (auto type : {ipcp_option::ip_address, ipcp_option::primary_dns, ipcp_option::primary_nbns,
                      ipcp_option::secondary_dns, ipcp_option::secondary_nbns})
        r.options.push_back(ipcp_address_option(type, unspecified));
    return r;
}

CpPacket ipcp_configure_request(std::uint8_t identifier, const IpcpRequest& request) {
    return CpPacket{LcpCode::configure_request, identifier, request.options, {}};
}

IpcpFollow ipcp_follow(IpcpRequest& request, const CpPacket& answer) {
    bool changed = false;
    if (answer.code == LcpCode::configure_reject) {
        for (const auto& rejected : answer.options) {
            if (rejected.type == ipcp_option::ip_address) return IpcpFollow::address_refused;
            auto it = find_type(request.options, rejected.type);
            if (it != request.options.end()) {
                request.options.erase(it);
                changed = true;
            }
        }
    } else if (answer.code == LcpCode::configure_nak) {
        for (const auto& suggested : answer.options) {
            // Only addresses are ours to take; other hints (compression) we cannot follow and leave out.
            const auto address = ipcp_address(suggested);
            if (!address) continue;
            if (suggested.type == ipcp_option::ip_address && *address == unspecified)
                return IpcpFollow::address_refused;
            auto it = find_type(request.options, suggested.type);
            if (it == request.options.end()) {
                request.options.push_back(suggested);
                changed = true;
            } else if (it->data != suggested.data) {
                it->data = suggested.data;
                changed = true;
            }
        }
    }
    return changed ? IpcpFollow::updated : IpcpFollow::unchanged;
}

bool ipcp_ack_matches(const CpPacket& ack, const CpPacket& sent_request) {
    return ack.code == LcpCode::configure_ack && ack.identifier == sent_request.identifier &&
           ack.options == sent_request.options;
}

IpcpAssignment ipcp_assignment(const CpPacket& ack) {
    IpcpAssignment out;
    for (const auto& o : ack.options) {
        const auto address = ipcp_address(o);
        if (!address || *address == unspecified) continue;
        switch (o.type) {
        case ipcp_option::ip_address:
            out.address = *address;
            break;
        case ipcp_option::primary_dns:
            out.dns.insert(out.dns.begin(), *address);
            break;
        case ipcp_option::secondary_dns:
            out.dns.push_back(*address);
            break;
        case ipcp_option::primary_nbns:
            out.nbns.insert(out.nbns.begin(), *address);
            break;
        case ipcp_option::secondary_nbns:
            out.nbns.push_back(*address);
            break;
        }
    }
    return out;
}

CpPacket ipcp_answer_peer_request(const CpPacket& request) {
    CpPacket reject{LcpCode::configure_reject, request.identifier, {}, {}};
    for (const auto& o : request.options) {
        const auto address = ipcp_address(o);
        const bool acceptable = o.type == ipcp_option::ip_address && address && *address != unspecified;
        if (!acceptable) reject.options.push_back(o);
    }
    if (!reject.options.empty()) return reject;
    return CpPacket{LcpCode::configure_ack, request.identifier, request.options, {}};
}

std::string describe_ipcp(const CpPacket& packet) {
    std::string s = "IPCP " + lcp_code_name(packet.code) + " id=" + std::to_string(packet.identifier);
    if (!cp_code_has_options(packet.code)) return s + (packet.data.empty() ? "" : " data=" + to_hex(packet.data));
    s += " [";
    for (std::size_t i = 0; i < packet.options.size(); ++i) {
        const auto& o = packet.options[i];
        s += (i ? ", " : "") + ipcp_option_name(o.type);
        if (const auto a = ipcp_address(o)) s += "=" + to_string(*a);
        else if (!o.data.empty()) s += "=" + to_hex(o.data);
    }
    return s + "]";
}

}  // namespace vpnprobe::protocol
