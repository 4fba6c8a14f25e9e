#include "probes/ikev2/key_share_cache.hpp"

#include "protocol/ikev2/ikev2_crypto_dh.hpp"

namespace vpnprobe::probes {

namespace ike = vpnprobe::protocol::ikev2;

KeyShareCache::KeyShareCache() : KeyShareCache(Limits{}) {}

KeyShareCache::KeyShareCache(Limits limits, Make make, Now now)
    : limits_(limits),
      make_(make ? std::move(make) : Make([](std::uint16_t group) { return ike::KeyExchange(group); })),
      now_(now ? std::move(now) : Now([] { return Clock::now(); })) {}

KeyShareCache::~KeyShareCache() = default;

KeyShare KeyShareCache::get(std::uint16_t group) {
    {
        std::lock_guard lock(m_);
        auto it = entries_.find(group);
        if (it != entries_.end() && it->second.uses < limits_.max_uses && now_() - it->second.made < limits_.lifetime) {
            ++it->second.uses;
            ++reuses_;
            return KeyShare{it->second.kex, true};
        }
    }
    // Made outside the lock (a large MODP group takes milliseconds). Two threads that both found the entry spent
    // may both make one; each uses its own, the later one stays.
    auto made = std::make_shared<const ike::KeyExchange>(make_(group));
    const auto when = now_();
    std::lock_guard lock(m_);
    ++generated_;
    entries_[group] = Entry{made, when, 1};
    return KeyShare{std::move(made), false};
}

std::size_t KeyShareCache::generated() const {
    std::lock_guard lock(m_);
    return generated_;
}

std::size_t KeyShareCache::reuses() const {
    std::lock_guard lock(m_);
    return reuses_;
}

std::function<KeyShare(std::uint16_t)> key_share_source(std::shared_ptr<KeyShareCache> cache, bool sends_credentials) {
    if (!cache || sends_credentials)
        return [](std::uint16_t group) { return KeyShare{std::make_shared<const ike::KeyExchange>(group), false}; };
    return [cache = std::move(cache)](std::uint16_t group) { return cache->get(group); };
}

}  // namespace vpnprobe::probes
