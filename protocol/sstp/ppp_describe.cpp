#include "protocol/sstp/ppp_describe.hpp"

#include "protocol/auth/eap_mschapv2.hpp"
#include "protocol/ip/ipv4_icmp.hpp"
#include "protocol/sstp/ppp_ipcp.hpp"
#include "protocol/sstp/ppp_lcp.hpp"

namespace vpnprobe::protocol {

namespace {

// The frame's packet if it carries `protocol`, else the error every decode_*_frame gives.
template <typename T, typename Decode>
Decoded<T> packet_of(ByteView ppp_frame, std::uint16_t protocol, const char* code, Decode decode) {
    auto frame = decode_ppp_frame(ppp_frame);
    if (!frame) return frame.error();
    if (frame->protocol != protocol)
        return DecodeError{
            code, "PPP protocol " + ppp_protocol_name(frame->protocol) + ", not " + ppp_protocol_name(protocol),
            frame->address_control ? 2u : 0u};
    return decode(frame->information, frame->information_offset);
}

std::string undecodable(std::uint16_t protocol, const DecodeError& e) {
    return ppp_protocol_name(protocol) + " undecodable: " + e.to_string();
}

}  // namespace

Decoded<EapPacket> decode_eap_frame(ByteView ppp_frame) {
    return packet_of<EapPacket>(ppp_frame, ppp_protocol_eap, "not_eap",
                                [](ByteView b, std::size_t at) { return decode_eap_packet(b, at); });
}
Decoded<ChapPacket> decode_chap_frame(ByteView ppp_frame) {
    return packet_of<ChapPacket>(ppp_frame, ppp_protocol_chap, "not_chap",
                                 [](ByteView b, std::size_t at) { return decode_chap_packet(b, at); });
}
Decoded<PapPacket> decode_pap_frame(ByteView ppp_frame) {
    return packet_of<PapPacket>(ppp_frame, ppp_protocol_pap, "not_pap",
                                [](ByteView b, std::size_t at) { return decode_pap_packet(b, at); });
}

Bytes encode_eap_frame(ByteView eap_packet) { return encode_ppp_frame(ppp_protocol_eap, eap_packet); }

std::string describe_ppp_login_frame(ByteView frame_bytes) {
    auto frame = decode_ppp_frame(frame_bytes);
    if (!frame) return "PPP frame undecodable: " + frame.error().to_string();
    const ByteView info = frame->information;
    const std::size_t at = frame->information_offset;
    switch (frame->protocol) {
    case ppp_protocol_eap: {
        auto eap = decode_eap_packet(info, at);
        if (!eap) return undecodable(frame->protocol, eap.error());
        if (eap->type != eap_type::mschapv2 || (eap->code != EapCode::request && eap->code != EapCode::response))
            return describe(*eap);
        auto m = decode_eap_mschapv2(*eap);
        const std::string head = "EAP " + eap_code_name(eap->code) + " id=" + std::to_string(eap->identifier) + " ";
        return head + (m ? describe(*m) : "EAP-MSCHAPv2 undecodable: " + m.error().to_string());
    }
    case ppp_protocol_chap: {
        auto chap = decode_chap_packet(info, at);
        return chap ? describe(*chap) : undecodable(frame->protocol, chap.error());
    }
    case ppp_protocol_pap: {
        auto pap = decode_pap_packet(info, at);
        return pap ? describe(*pap) : undecodable(frame->protocol, pap.error());
    }
    case ppp_protocol_ipcp: {
        auto ipcp = decode_ipcp_packet(info, at);
        return ipcp ? describe_ipcp(*ipcp) : undecodable(frame->protocol, ipcp.error());
    }
    case ppp_protocol_ipv4: {
        auto ip = decode_ipv4_packet(info);
        return ip ? describe(*ip) : undecodable(frame->protocol, ip.error());
    }
    default:
        return describe(*frame);  // LCP in full, the rest by name and size
    }
}

}  // namespace vpnprobe::protocol
