// One Diffie-Hellman key pair per group, reused across the IKE_SA_INIT exchanges of one run (RFC 7296 2.12
// allows it: "an endpoint could choose a new exponential only periodically"). Generating the key pair was about
// half of the client CPU of an SA_INIT-only probe; a reused one costs a lock and a reference count.
//
// Bounded life: a key pair is handed out for at most `max_uses` exchanges and `lifetime` after it was made,
// whichever comes first; then the next request makes a new one. The defaults (60 s, 1,000 uses) make the
// generation's share negligible (a few microseconds per probe even for MODP-2048) while no exponential lives
// anywhere near the "few hours" RFC 7525 6.4 calls too long, and it dies with its run anyway (one cache per
// scenario run or scrape of `serve`; the key is freed, and OpenSSL clears it, when the last probe using it ends).
//
// Safety of the reuse: every peer value is validated before it meets our private key (RFC 6989: MODP values in
// 2..p-2, which for these safe-prime groups excludes the small subgroups, and the subgroup check where OpenSSL
// knows q; ECP points on the curve; Curve25519/448's all-zero secret), see protocol/ikev2/ikev2_crypto_dh.hpp.
// Never for a probe that sends credentials: see key_share_source() below.
//
// Thread-safe: probes on any thread share one cache. A shared KeyExchange is only read (each derivation makes
// its own EVP_PKEY_CTX from the shared EVP_PKEY, which OpenSSL 3 allows: openssl-threads(7); the DH Montgomery
// context OpenSSL caches on first use is set under the key's lock). A key pair is generated outside the cache's
// lock, so one slow generation (MODP-8192) never stalls the other threads' probes.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace vpnprobe::protocol::ikev2 {
class KeyExchange;
}

namespace vpnprobe::probes {

// A key pair for one IKE_SA_INIT request.
struct KeyShare {
    std::shared_ptr<const protocol::ikev2::KeyExchange> kex;
    bool reused = false;  // handed out before, to another exchange
};

class KeyShareCache {
public:
    using Clock = std::chrono::steady_clock;
    struct Limits {
        Clock::duration lifetime = std::chrono::seconds(60);
        std::size_t max_uses = 1000;
    };
    // What makes a key pair (tests: a counting or fixed one) and what tells the time (tests: a fake clock).
    using Make = std::function<protocol::ikev2::KeyExchange(std::uint16_t group)>;
    using Now = std::function<Clock::time_point()>;

    KeyShareCache();
    explicit KeyShareCache(Limits limits, Make make = {}, Now now = {});
    ~KeyShareCache();

    // The group's current key pair while it is within its limits, else a new one (which then becomes the
    // group's current one). Throws what making a key pair throws (std::invalid_argument for an unsupported
    // group); a failure caches nothing.
    KeyShare get(std::uint16_t group);

    const Limits& limits() const { return limits_; }
    std::size_t generated() const;  // key pairs made
    std::size_t reuses() const;  // shares handed out again

private:
    struct Entry {
        std::shared_ptr<const protocol::ikev2::KeyExchange> kex;
        Clock::time_point made;
        std::size_t uses = 0;
    };

    const Limits limits_;
    const Make make_;
    const Now now_;
    mutable std::mutex m_;
    std::map<std::uint16_t, Entry> entries_;
    std::size_t generated_ = 0, reuses_ = 0;
};

// Where an IKEv2 probe's key pairs come from: the cache, or, when there is none or the probe sends credentials,
// a fresh key pair for every exchange. The rule of RFC 7296 2.12's forward secrecy for the tunnels that carry
// something: a probe that authenticates itself (EAP, a machine certificate: a later issue) never takes a reused
// exponential, whatever the caller passed.
std::function<KeyShare(std::uint16_t group)> key_share_source(std::shared_ptr<KeyShareCache> cache,
                                                              bool sends_credentials);

}  // namespace vpnprobe::probes
