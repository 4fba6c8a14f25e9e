// The fuzz targets, as plain functions: libFuzzer drives each through fuzz/fuzz_*.cpp (cmake
// -DVPNPROBE_FUZZ=ON with clang), and tests/unit/test_fuzz_targets.cpp runs the same functions over the
// test captures and deterministic mutations of them in every build. Each returns whether the input decoded;
// a crash, a hang, an over-read (under ASan) or an error offset past the input is the bug they look for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "protocol/bytes.hpp"
#include "protocol/ikev2/ikev2_fragments.hpp"
#include "protocol/ikev2/ikev2_message.hpp"
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
