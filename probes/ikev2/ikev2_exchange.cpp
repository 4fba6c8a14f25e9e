#include "probes/ikev2/ikev2_exchange.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

#include "protocol/ikev2/ikev2_registry.hpp"

namespace vpnprobe::probes {

namespace ike = vpnprobe::protocol::ikev2;
using protocol::Bytes;
using protocol::ByteView;

Ikev2Randomness system_randomness() {
    Ikev2Randomness r;
    r.bytes = [](std::size_t n) {
        Bytes b(n);
        if (n > 0 && RAND_bytes(b.data(), static_cast<int>(n)) != 1)
            throw std::runtime_error("no random bytes from OpenSSL");
        return b;
    };
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
