#include "probes/ikev2/protected_message.hpp"

#include <algorithm>

#include "protocol/ikev2/ikev2_keys.hpp"

namespace vpnprobe::probes {

namespace ike = vpnprobe::protocol::ikev2;
using protocol::Bytes;
using protocol::ByteView;

namespace {

// Limits on what a server can make us hold: fragments of one message, and their bytes.
constexpr std::size_t kMaxFragments = 64;
constexpr std::size_t kMaxReassembledBytes = 64 * 1024;

}  // namespace

std::vector<Bytes> seal_request(const IkeSaState& sa, ike::ExchangeType exchange, std::uint32_t message_id,
                                const std::vector<ike::Payload>& payloads, std::size_t fragment_size) {
    auto cipher = ike::initiator_sk_cipher(*sa.keys);
    auto inner = ike::encode_inner_payloads(payloads);
    ike::Message m;
    m.header.spi_i = sa.spi_i;
    m.header.spi_r = sa.spi_r;
    m.header.exchange = exchange;
    m.header.flags = ike::flag_initiator;
    m.header.message_id = message_id;
    std::size_t overhead = ike::header_size + ike::generic_payload_header_size + 4;  // + non-ESP marker
    std::size_t ip_udp = sa.is_v6 ? 48 : 28;
    std::size_t limit = fragment_size > ip_udp + overhead + 64 ? fragment_size - ip_udp : 1280 - ip_udp;
    std::size_t whole = overhead + cipher.sealed_size(inner.bytes.size());
    if (whole <= limit || !sa.peer_fragmentation) {
        m.payloads.push_back(ike::SkPayload{inner.first_type, {}});
        std::size_t n = cipher.sealed_size(inner.bytes.size());
        Bytes out = ike::encode_unencrypted_prefix(m, n);
        Bytes sealed = cipher.seal(out, inner.bytes);
        out.insert(out.end(), sealed.begin(), sealed.end());
        return {out};
    }
    // Largest plaintext chunk whose sealed fragment fits the limit.
    std::size_t room = limit - overhead - ike::skf_fixed_size;
    std::size_t chunk = 1;
    while (cipher.sealed_size(chunk + 1) <= room) ++chunk;
    std::size_t total = (inner.bytes.size() + chunk - 1) / chunk;
    std::vector<Bytes> out;
    for (std::size_t i = 0; i < total; ++i) {
        ByteView part(inner.bytes.data() + i * chunk, std::min(chunk, inner.bytes.size() - i * chunk));
        ike::Message f = m;
        f.payloads.push_back(ike::SkfPayload{static_cast<std::uint16_t>(i + 1),
                                             static_cast<std::uint16_t>(total),
                                             i == 0 ? inner.first_type : ike::PayloadType::none,
                                             {}});
        std::size_t n = cipher.sealed_size(part.size());
        Bytes bytes = ike::encode_unencrypted_prefix(f, n);
        Bytes sealed = cipher.seal(bytes, part);
        bytes.insert(bytes.end(), sealed.begin(), sealed.end());
        out.push_back(std::move(bytes));
    }
    return out;
}

ProtectedResponse::ProtectedResponse(const IkeSaState& sa, ike::ExchangeType exchange, std::uint32_t message_id,
                                     int& fragments_received, Ikev2Log log)
    : sa_(sa),
      exchange_(exchange),
      message_id_(message_id),
      fragments_received_(fragments_received),
      log_(std::move(log)),
      fragments_(ike::FragmentReassembler::Limits{kMaxFragments, kMaxReassembledBytes}) {}

void ProtectedResponse::drop(const std::string& why) {
    if (dropped_.find(why) == std::string::npos) dropped_ += (dropped_.empty() ? "" : "; ") + why;
}

bool ProtectedResponse::take(const Bytes& b) {
    auto m = ike::decode_message(b);
    if (!m) {
        if (log_) log_("<- undecodable datagram: " + m.error().to_string());
        drop("undecodable: " + m.error().to_string());
        return false;
    }
    if (m->header.spi_i != sa_.spi_i || !m->header.response()) {
        // An INFORMATIONAL with INVALID_IKE_SPI from a server that does not know our SA (RFC 7296 2.21.4).
        if (m->find_notify(ike::notify::invalid_ike_spi)) {
            if (log_) log_("<- " + ike::describe(*m) + " (INVALID_IKE_SPI: the server does not know this IKE SA)");
            invalid_spi_ = true;
            return true;
        }
        return false;
    }
    if (m->header.exchange != exchange_ || m->header.message_id != message_id_) return false;
    if (log_) {
        log_("<- " + ike::describe(*m));
        log_(ike::describe_detailed(*m));
    }
    auto cipher = ike::responder_sk_cipher(*sa_.keys);
    if (const auto* sk = m->find<ike::SkPayload>()) {
        ByteView prefix(b.data(), b.size() - sk->encrypted.size());
        auto plain = cipher.open(prefix, sk->encrypted);
        if (!plain) {
            if (log_) log_("   fails its integrity check: dropped");
            drop("a response failed its integrity check (" + plain.error().to_string() + ")");
            return false;
        }
        auto inner = ike::decode_inner_payloads(sk->first_inner, *plain);
        if (!inner) {
            error_ = "malformed payloads inside the encrypted response: " + inner.error().to_string();
            return true;
        }
        payloads_ = std::move(inner).value();
        return true;
    }
    if (const auto* f = m->find<ike::SkfPayload>()) {
        ++fragments_received_;
        switch (fragments_.admit(f->fragment_number, f->total_fragments)) {
        case ike::FragmentReassembler::Admission::refuse:
            if (log_) log_("   " + fragments_.error() + ": dropped");
            drop(fragments_.error());
            return false;
        case ike::FragmentReassembler::Admission::duplicate:
            return false;
        case ike::FragmentReassembler::Admission::take:
            break;
        }
        ByteView prefix(b.data(), b.size() - f->encrypted.size());
        auto plain = cipher.open(prefix, f->encrypted);
        if (!plain) {
            if (log_) log_("   fragment " + std::to_string(f->fragment_number) + " fails its integrity check: dropped");
            drop("fragments failed their integrity check");
            return false;
        }
        if (!fragments_.add(f->fragment_number, f->first_inner, std::move(plain).value())) {
            error_ = fragments_.error();
            return true;
        }
        if (!fragments_.complete()) return false;
        auto inner = ike::decode_inner_payloads(fragments_.first_inner(), fragments_.assemble());
        if (!inner) {
            error_ = "malformed payloads in the reassembled response: " + inner.error().to_string();
            return true;
        }
        payloads_ = std::move(inner).value();
        return true;
    }
    // Unprotected answer to a protected request: only error notifies are allowed so.
    for (const auto& p : m->payloads)
        if (const auto* n = p.get<ike::NotifyPayload>()) unprotected_.push_back(*n);
    return !unprotected_.empty();
}

}  // namespace vpnprobe::probes
