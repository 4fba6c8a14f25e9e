#include "probes/ikev2/ikev2_exchange.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <stdexcept>

#include "protocol/ikev2/ikev2_registry.hpp"

namespace vpnprobe::probes {

namespace ike = vpnprobe::protocol::ikev2;
using protocol::Bytes;
using protocol::ByteView;

std::shared_ptr<const SaOffer> make_sa_offer(std::vector<ike::Proposal> proposals) {
    auto offer = std::make_shared<SaOffer>();
    offer->proposals = std::move(proposals);
    for (const auto& p : offer->proposals) offer->text += (offer->text.empty() ? "" : ";") + ike::format_proposal(p);
    offer->sa_body = ike::encode_payload_body(ike::SaPayload{offer->proposals});
    return offer;
}

namespace {

// A call to RAND_bytes costs about 6,700 instructions whatever the size up to a few hundred bytes (OpenSSL's
// DRBG and its locks), and an IKE_SA_INIT asks twice (SPI, nonce): the bytes are taken from a block of this
// thread's, refilled by one call. Everything asked of Ikev2Randomness::bytes goes on the wire in the clear or
// is public by design (SPIs, nonces, IVs, padding); private keys come from key_exchange, never from here.
struct RandomBlock {
    std::array<std::uint8_t, 512> bytes{};
    std::size_t used = 512;
};

Bytes random_bytes(std::size_t n) {
    Bytes b(n);
    if (n == 0) return b;
    thread_local RandomBlock block;
    if (n > block.bytes.size() / 2) {
        if (RAND_bytes(b.data(), static_cast<int>(n)) != 1) throw std::runtime_error("no random bytes from OpenSSL");
        return b;
    }
    if (block.bytes.size() - block.used < n) {
        if (RAND_bytes(block.bytes.data(), static_cast<int>(block.bytes.size())) != 1)
            throw std::runtime_error("no random bytes from OpenSSL");
        block.used = 0;
    }
    std::copy_n(block.bytes.begin() + static_cast<std::ptrdiff_t>(block.used), n, b.begin());
    std::fill_n(block.bytes.begin() + static_cast<std::ptrdiff_t>(block.used), n, 0);  // each byte given once
    block.used += n;
    return b;
}

}  // namespace

Ikev2Randomness system_randomness() {
    Ikev2Randomness r;
    r.bytes = random_bytes;
    r.key_exchange = key_share_source(nullptr, false);
    return r;
}

namespace {

std::string notify_data_text(const ike::NotifyPayload& n) {
    using namespace ike::notify;
    switch (n.type) {
    case signature_hash_algorithms: {
        auto algs = ike::signature_hash_algorithms(n);
        if (!algs) break;
        std::string s;
        for (auto a : *algs) s += (s.empty() ? "" : ",") + ike::hash_algorithm_short_name(a);
        return s;
    }
    case cookie:
        return std::to_string(n.data.size()) + "-byte cookie";
    case invalid_ke_payload: {
        auto g = ike::invalid_ke_group(n);
        if (g) return "wants " + ike::transform_display_name(4, *g);
        break;
    }
    default:
        break;
    }
    return n.data.empty() ? "" : protocol::to_hex(ByteView(n.data.data(), std::min<std::size_t>(n.data.size(), 32)));
}

}  // namespace

Ikev2Notify notify_fact(const ike::NotifyPayload& n) {
    return Ikev2Notify{ike::notify_name(n.type), n.type, notify_data_text(n)};
}

}  // namespace vpnprobe::probes
