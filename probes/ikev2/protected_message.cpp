#include "probes/ikev2/protected_message.hpp"

#include <algorithm>

#include "protocol/ikev2/ikev2_keys.hpp"
#include "protocol/ikev2/ikev2_sk.hpp"

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
                                const std::vector<ike::Payload>& payloads, std::size_t fragment_size,
                                const ike::IvSource& iv) {
    ike::Header h;
    h.spi_i = sa.spi_i;
    h.spi_r = sa.spi_r;
    h.exchange = exchange;
    h.flags = ike::flag_initiator;
    h.message_id = message_id;
    // fragment_size limits the IP payload (RFC 7383 2.5.1): less the IP and UDP headers and the non-ESP marker
    // of port 4500, what is left for the IKE message. Unusably small limits fall back to 1280.
    constexpr std::size_t marker = 4;
    const std::size_t ip_udp = sa.is_v6 ? 48 : 28;
    const std::size_t ip_payload =
        fragment_size > ip_udp + ike::sk_message_overhead + marker + 64 ? fragment_size : 1280;
    std::optional<std::size_t> limit;
    if (sa.peer_fragmentation) limit = ip_payload - ip_udp - marker;
    return ike::seal_protected(h, payloads, ike::initiator_sk_cipher(*sa.keys), limit, iv);
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
        auto inner = ike::open_sk(b, *sk, cipher);
        if (!inner && ike::could_be_forged(inner.error())) {
            if (log_) log_("   fails its integrity check: dropped");
            drop("a response failed its integrity check (" + inner.error().to_string() + ")");
            return false;
        }
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
        auto plain = ike::open_skf(b, *f, cipher);
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
