// The fuzz targets, as plain functions: libFuzzer drives each through fuzz/fuzz_*.cpp (cmake
// -DVPNPROBE_FUZZ=ON with clang), and tests/unit/test_fuzz_targets.cpp runs the same functions over the
// test captures and deterministic mutations of them in every build. Each returns whether the input decoded;
// a crash, a hang, an over-read (under ASan) or an error offset past the input is the bug they look for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "protocol/auth/eap.hpp"
#include "protocol/auth/eap_mschapv2.hpp"
#include "protocol/auth/mschapv2.hpp"
#include "protocol/bytes.hpp"
#include "protocol/esp/esp_sa.hpp"
#include "protocol/esp/esp_udp.hpp"
#include "protocol/ikev2/ikev2_child_sa.hpp"
#include "protocol/ikev2/ikev2_fragments.hpp"
#include "protocol/ikev2/ikev2_message.hpp"
#include "protocol/ikev2/ikev2_registry.hpp"
#include "protocol/ip/ipv4_icmp.hpp"
#include "protocol/ip/ipv6_icmpv6.hpp"
#include "protocol/sstp/ppp_auth.hpp"
#include "protocol/sstp/ppp_ipcp.hpp"
#include "protocol/sstp/ppp_lcp.hpp"
#include "protocol/sstp/sstp.hpp"
#include "scenarios/scenario_loader.hpp"

namespace vpnprobe::fuzz {

// A decode error must point inside the input (or just past its end, where a truncated field was due).
inline void check_offset(const protocol::DecodeError& e, std::size_t size) {
    if (e.offset > size)
        throw std::logic_error("decode error offset " + std::to_string(e.offset) + " past input of " +
                               std::to_string(size) + " bytes: " + e.to_string());
    if (e.code.empty()) throw std::logic_error("decode error without a code");
}

// IKEv2: a whole message; what decodes is described and encoded again, and an SK body is decoded as an
// inner payload chain too (a server's plaintext is as untrusted as its datagram).
inline bool ikev2_message(const std::uint8_t* data, std::size_t size) {
    protocol::ByteView in(data, size);
    auto m = protocol::ikev2::decode_message(in);
    if (!m) {
        check_offset(m.error(), size);
        return false;
    }
    (void)protocol::ikev2::describe_detailed(*m);
    try {
        (void)protocol::ikev2::encode_message(*m);
    } catch (const std::invalid_argument&) {
        // what cannot be encoded (an SK payload not last, ...) is refused by name, not crashed on
    }
    if (const auto* sk = m->find<protocol::ikev2::SkPayload>()) {
        auto inner = protocol::ikev2::decode_inner_payloads(sk->first_inner, sk->encrypted);
        if (!inner) check_offset(inner.error(), sk->encrypted.size());
    }
    return true;
}

// SSTP packets and the PPP/LCP inside them.
inline bool sstp_packet(const std::uint8_t* data, std::size_t size) {
    protocol::ByteView in(data, size);
    auto len = protocol::sstp_packet_length(in);
    if (!len) check_offset(len.error(), size);
    auto p = protocol::decode_sstp_packet(in);
    if (!p) {
        check_offset(p.error(), size);
    }
    auto lcp = protocol::decode_lcp_frame(in);
    if (!lcp) check_offset(lcp.error(), size);
    auto frame = protocol::decode_ppp_frame(in);
    if (!frame) check_offset(frame.error(), size);
    return p.ok();
}

// What decodes must encode to bytes that decode to the same value (a decoder that accepts what its encoder
// cannot reproduce, or the other way round, is the bug looked for here besides crashes and bad offsets).
template <typename T, typename Decode, typename Encode>
inline void check_round_trip(const T& value, Decode decode, Encode encode, const char* what) {
    const protocol::Bytes again = encode(value);
    auto back = decode(again);
    if (!back.ok() || !(back.value() == value))
        throw std::logic_error(std::string(what) + " does not survive encode and decode" +
                               (back.ok() ? "" : ": " + back.error().to_string()));
}

// The PPP login's packets, the input taken as a PPP frame: EAP (and EAP-MSCHAPv2 in it, and the MS-CHAPv2
// success and failure messages in that), CHAP and PAP; the same bytes also as bare packets.
inline bool ppp_auth(const std::uint8_t* data, std::size_t size) {
    using namespace protocol;
    ByteView in(data, size);
    bool any = false;
    auto frame = decode_ppp_frame(in);
    if (!frame) check_offset(frame.error(), size);
    const ByteView body = frame ? ByteView(frame->information) : in;
    const std::size_t base = frame ? frame->information_offset : 0;

    auto eap = decode_eap_packet(body, base);
    if (!eap) check_offset(eap.error(), size);
    else {
        any = true;
        (void)describe(*eap);
        (void)encode_eap_packet(*eap);
        auto tolerant = decode_eap_mschapv2(*eap, true);
        if (!tolerant) check_offset(tolerant.error(), size);
        else (void)describe(*tolerant);
        auto m = decode_eap_mschapv2(*eap);
        if (!m) check_offset(m.error(), size);
        else {
            (void)describe(*m);
            (void)mschapv2::parse_success_message(m->message);
            (void)mschapv2::parse_failure_message(m->message);
            check_round_trip(
                *m,
                [&](const Bytes& b) {
                    auto e = decode_eap_packet(b);
                    return e ? decode_eap_mschapv2(*e) : Decoded<EapMschapv2Packet>(e.error());
                },
                [&](const EapMschapv2Packet& p) { return encode_eap_mschapv2(eap->code, eap->identifier, p); },
                "EAP-MSCHAPv2");
        }
    }
    auto chap = decode_chap_packet(body, base);
    if (!chap) check_offset(chap.error(), size);
    else {
        any = true;
        (void)describe(*chap);
        (void)chap_mschapv2_challenge(*chap);
        check_round_trip(
            *chap, [](const Bytes& b) { return decode_chap_packet(b); }, encode_chap_packet, "CHAP");
    }
    auto pap = decode_pap_packet(body, base);
    if (!pap) check_offset(pap.error(), size);
    else {
        any = true;
        (void)describe(*pap);
        check_round_trip(
            *pap, [](const Bytes& b) { return decode_pap_packet(b); }, encode_pap_packet, "PAP");
    }
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto s = mschapv2::parse_success_message(text);
    if (!s) check_offset(s.error(), size);
    auto f = mschapv2::parse_failure_message(text);
    if (!f) check_offset(f.error(), size);
    return any;
}

// IPCP frames and the client's side of the negotiation driven by them.
inline bool ppp_ipcp(const std::uint8_t* data, std::size_t size) {
    using namespace protocol;
    auto p = decode_ipcp_frame(ByteView(data, size));
    if (!p) {
        check_offset(p.error(), size);
        return false;
    }
    (void)describe_ipcp(*p);
    IpcpRequest request = windows_ipcp_request();
    for (int round = 0; round < 3; ++round) (void)ipcp_follow(request, *p);
    if (request.options.size() > 5 + p->options.size()) throw std::logic_error("IPCP request grew without bound");
    (void)ipcp_assignment(*p);
    const CpPacket answer = ipcp_answer_peer_request(*p);
    if (answer.identifier != p->identifier) throw std::logic_error("IPCP answer with another identifier");
    check_round_trip(
        *p, [](const Bytes& b) { return decode_ipcp_packet(b); }, encode_cp_packet, "IPCP");
    return true;
}

// IPv4 packets and the ICMP in them (the data-path check reads whatever comes back through the tunnel).
inline bool ipv4_icmp(const std::uint8_t* data, std::size_t size) {
    using namespace protocol;
    auto p = decode_ipv4_packet(ByteView(data, size));
    if (!p) {
        check_offset(p.error(), size);
        return false;
    }
    (void)describe(*p);
    (void)classify_echo_answer(*p, p->destination, p->source, 0x4242, 1);
    auto icmp = decode_icmp(p->payload);
    if (!icmp) check_offset(icmp.error(), p->payload.size());
    else
        check_round_trip(
            *icmp, [](const Bytes& b) { return decode_icmp(b); }, encode_icmp, "ICMP");
    return true;
}

// The fixed CHILD_SA keys of the ESP target (AES-GCM-16-256, or AES-CBC-128 with HMAC-SHA2-256-128), so that the
// tests can seal seeds the target opens.
inline const protocol::ikev2::ChildSaKeys& esp_fuzz_keys(bool gcm) {
    namespace ike = protocol::ikev2;
    static const auto make = [](ike::EspTransform t) {
        return ike::derive_child_sa_keys(ike::prf_alg::hmac_sha2_256, protocol::Bytes(32, 0x11), t,
                                         protocol::Bytes(32, 0x22), protocol::Bytes(32, 0x33));
    };
    static const ike::ChildSaKeys aead = make({ike::encr_alg::aes_gcm_16, 256, ike::integ_alg::none});
    static const ike::ChildSaKeys cbc = make({ike::encr_alg::aes_cbc, 128, ike::integ_alg::hmac_sha2_256_128});
    return gcm ? aead : cbc;
}

// ESP, two ways. The input as a datagram received on port 4500: demultiplexed, then opened by a GCM and a CBC SA
// with its own SPI (so the checks reach the ICV): whatever it holds, a refusal by name with an offset inside it.
// The input as the authentic plaintext of a packet (sealed with the SA's own key, so that the checks after the
// ICV - padding, Next Header, the inner IP version - see arbitrary content): refused only by those checks; what
// opens opens once (the second time is a replay), its inner IPv4 or IPv6 packet is decoded as the data path would,
// and it seals again to a packet that opens to the same payload.
inline bool esp_packet(const std::uint8_t* data, std::size_t size) {
    using namespace protocol;
    ByteView in(data, size);
    const auto udp = esp::classify_udp_4500(in);
    if (udp.kind == esp::Udp4500Kind::ike && udp.body.size() + 4 != size)
        throw std::logic_error("IKE marker miscounted");
    bool any = false;
    const std::uint32_t spi = esp::esp_spi(in) != 0 ? esp::esp_spi(in) : 1;
    for (bool gcm : {true, false}) {
        esp::EspReceiver receiver(spi, esp::initiator_to_responder_cipher(esp_fuzz_keys(gcm)), 64);
        auto opened = receiver.open(in);
        if (!opened) check_offset(opened.error(), size);
        else any = true;
    }
    const auto cipher = esp::initiator_to_responder_cipher(esp_fuzz_keys(true));
    Bytes packet = {0, 0, 0, 1, 0, 0, 0, 1};
    const Bytes sealed = cipher.seal_body(packet, in, Bytes(8, 0));
    packet.insert(packet.end(), sealed.begin(), sealed.end());
    esp::EspReceiver receiver(1, cipher, 64);
    auto opened = receiver.open(packet);
    if (!opened) {
        const std::string& code = opened.error().code;
        if (code != "truncated" && code != "bad_padding" && code != "bad_next_header")
            throw std::logic_error("an authentic ESP packet refused as " + opened.error().to_string());
        check_offset(opened.error(), packet.size());
        return any;
    }
    if (opened->payload.size() + 2 > size) throw std::logic_error("ESP payload longer than what was sealed");
    // The inner packet as the data path reads it.
    if (opened->next_header == esp::next_header_ipv6) {
        auto ip6 = decode_ipv6_packet(opened->payload);
        if (!ip6) check_offset(ip6.error(), opened->payload.size());
        else (void)classify_echo6_answer(*ip6, ip6->destination, ip6->source, 0x4242, 1);
    } else if (opened->next_header == esp::next_header_ipv4) {
        auto ip4 = decode_ipv4_packet(opened->payload);
        if (!ip4) check_offset(ip4.error(), opened->payload.size());
    }
    auto again = receiver.open(packet);
    if (again || again.error().code != "replay") throw std::logic_error("an ESP packet opened twice");
    esp::EspSender sender(1, cipher);
    auto round_trip = esp::EspReceiver(1, cipher, 64).open(sender.seal(opened->payload, opened->next_header));
    if (!round_trip || round_trip->payload != opened->payload || round_trip->next_header != opened->next_header)
        throw std::logic_error("ESP does not survive seal and open");
    return true;
}

// RFC 7383 reassembly driven by the input: each 5 bytes are (number, total, length byte) of one fragment.
inline bool ike_fragments(const std::uint8_t* data, std::size_t size) {
    protocol::ikev2::FragmentReassembler r(protocol::ikev2::FragmentReassembler::Limits{16, 4096});
    std::size_t i = 0;
    for (; i + 5 <= size; i += 5) {
        std::uint16_t number = static_cast<std::uint16_t>(data[i] << 8 | data[i + 1]);
        std::uint16_t total = static_cast<std::uint16_t>(data[i + 2] << 8 | data[i + 3]);
        if (r.admit(number, total) != protocol::ikev2::FragmentReassembler::Admission::take) continue;
        if (!r.add(number, protocol::ikev2::PayloadType::none, protocol::Bytes(data[i + 4], 0x5a))) break;
        if (r.received() > 16 || r.assemble().size() > 4096) throw std::logic_error("reassembly over its limits");
    }
    return r.complete();
}

// Scenario files: refused with a ScenarioError, never anything else.
inline bool scenario_text(const std::uint8_t* data, std::size_t size) {
    try {
        (void)scenarios::load_scenario_text(std::string(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
        return true;
    } catch (const scenarios::ScenarioError&) {
        return false;
    }
}

}  // namespace vpnprobe::fuzz
