// The run's Diffie-Hellman key pairs (probes/ikev2/key_share_cache.hpp): one per group, reused within its
// lifetime and use limit and then replaced, shared by threads, never for a probe that sends credentials; and a
// shared KeyExchange gives every thread the same secret as one thread alone. Time comes from a fake clock: no
// test here waits or measures.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "probes/ikev2/key_share_cache.hpp"
#include "protocol/ikev2/ikev2_crypto_dh.hpp"
#include "protocol/ikev2/ikev2_registry.hpp"

namespace {

using namespace vpnprobe;
using probes::KeyShare;
using probes::KeyShareCache;
namespace ike = protocol::ikev2;
using protocol::Bytes;
using namespace std::chrono_literals;

constexpr std::uint16_t kX25519 = ike::dh_group::curve25519;
constexpr std::uint16_t kModp2048 = ike::dh_group::modp2048;
constexpr std::uint16_t kEcp256 = ike::dh_group::ecp256;

// A clock the test moves by hand.
struct FakeClock {
    std::shared_ptr<std::atomic<KeyShareCache::Clock::rep>> ticks =
        std::make_shared<std::atomic<KeyShareCache::Clock::rep>>(0);
    KeyShareCache::Now now() const {
        return [t = ticks] { return KeyShareCache::Clock::time_point(KeyShareCache::Clock::duration(t->load())); };
    }
    void advance(KeyShareCache::Clock::duration d) { *ticks += d.count(); }
};

TEST(KeyShareCache, OneKeyPairPerGroupIsReused) {
    KeyShareCache cache;
    const KeyShare a = cache.get(kX25519);
    const KeyShare b = cache.get(kX25519);
    const KeyShare c = cache.get(kModp2048);
    const KeyShare d = cache.get(kModp2048);
    EXPECT_FALSE(a.reused);
    EXPECT_TRUE(b.reused);
    EXPECT_EQ(a.kex, b.kex);
    EXPECT_EQ(a.kex->public_value(), b.kex->public_value());
    // Another group is another entry (the INVALID_KE retry and the weak audit's groups).
    EXPECT_FALSE(c.reused);
    EXPECT_TRUE(d.reused);
    EXPECT_EQ(c.kex->group(), kModp2048);
    EXPECT_EQ(a.kex->group(), kX25519);
    EXPECT_EQ(c.kex, d.kex);
    EXPECT_EQ(cache.generated(), 2u);
    EXPECT_EQ(cache.reuses(), 2u);
}

TEST(KeyShareCache, AKeyPairLivesAtMostItsLifetime) {
    FakeClock clock;
    KeyShareCache cache(KeyShareCache::Limits{60s, 1000}, {}, clock.now());
    const KeyShare first = cache.get(kEcp256);
    clock.advance(59s);
    EXPECT_EQ(cache.get(kEcp256).kex, first.kex);
    clock.advance(1s);
    const KeyShare second = cache.get(kEcp256);
    EXPECT_NE(second.kex, first.kex);
    EXPECT_FALSE(second.reused);
    EXPECT_NE(second.kex->public_value(), first.kex->public_value());
    // The new one starts its own lifetime.
    clock.advance(30s);
    EXPECT_EQ(cache.get(kEcp256).kex, second.kex);
    EXPECT_EQ(cache.generated(), 2u);
}

TEST(KeyShareCache, AKeyPairServesAtMostItsNumberOfUses) {
    KeyShareCache cache(KeyShareCache::Limits{1h, 3});
    const KeyShare first = cache.get(kX25519);
    EXPECT_EQ(cache.get(kX25519).kex, first.kex);
    EXPECT_EQ(cache.get(kX25519).kex, first.kex);
    const KeyShare fourth = cache.get(kX25519);  // three uses were the limit
    EXPECT_NE(fourth.kex, first.kex);
    EXPECT_FALSE(fourth.reused);
    EXPECT_EQ(cache.get(kX25519).kex, fourth.kex);
    EXPECT_EQ(cache.generated(), 2u);
    EXPECT_EQ(cache.reuses(), 3u);
}

TEST(KeyShareCache, AFailedGenerationCachesNothing) {
    KeyShareCache cache;
    EXPECT_THROW(cache.get(0xffff), std::invalid_argument);
    EXPECT_EQ(cache.generated(), 0u);
    int calls = 0;
    KeyShareCache flaky(KeyShareCache::Limits{}, [&calls](std::uint16_t group) {
        if (++calls == 1) throw std::runtime_error("no entropy");
        return ike::KeyExchange(group);
    });
    EXPECT_THROW(flaky.get(kX25519), std::runtime_error);
    const KeyShare ok = flaky.get(kX25519);
    EXPECT_FALSE(ok.reused);
    EXPECT_EQ(flaky.get(kX25519).kex, ok.kex);
}

// Many threads at once, as the multi-threaded runner's rows: every share of a group within one lifetime is the
// same key pair, and with a use limit the number of key pairs made is what the limit allows (plus at most one
// per thread for the race the cache accepts: two threads that find the entry spent at once each make one).
TEST(KeyShareCache, ThreadsShareOneKeyPairPerGroup) {
    constexpr int kThreads = 8, kGets = 200;
    std::atomic<int> made{0};
    KeyShareCache cache(KeyShareCache::Limits{1h, 1000000}, [&made](std::uint16_t group) {
        ++made;
        return ike::KeyExchange(group);
    });
    std::vector<std::vector<KeyShare>> got(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < kGets; ++i) got[t].push_back(cache.get(i % 2 ? kX25519 : kEcp256));
        });
    for (auto& t : threads) t.join();
    std::set<const ike::KeyExchange*> x25519, ecp256;
    for (const auto& v : got)
        for (const auto& s : v) (s.kex->group() == kX25519 ? x25519 : ecp256).insert(s.kex.get());
    // The first gets may race (each thread that found no entry makes one); after that one stays.
    EXPECT_LE(x25519.size(), static_cast<std::size_t>(kThreads));
    EXPECT_LE(ecp256.size(), static_cast<std::size_t>(kThreads));
    EXPECT_EQ(cache.generated(), static_cast<std::size_t>(made.load()));
    EXPECT_EQ(cache.generated() + cache.reuses(), static_cast<std::size_t>(kThreads * kGets));
    // Afterwards the group's one current key pair is one the threads were given.
    const KeyShare after_x25519 = cache.get(kX25519);
    const KeyShare after_ecp256 = cache.get(kEcp256);
    EXPECT_TRUE(after_x25519.reused);
    EXPECT_TRUE(after_ecp256.reused);
    EXPECT_EQ(x25519.count(after_x25519.kex.get()), 1u);
    EXPECT_EQ(ecp256.count(after_ecp256.kex.get()), 1u);
}

TEST(KeyShareCache, ThreadsRespectTheUseLimit) {
    constexpr int kThreads = 6, kGets = 300;
    constexpr std::size_t kMaxUses = 50;
    KeyShareCache cache(KeyShareCache::Limits{1h, kMaxUses});
    std::vector<std::thread> threads;
    std::mutex m;
    std::map<const ike::KeyExchange*, std::size_t> uses;
    std::vector<std::shared_ptr<const ike::KeyExchange>> keep;  // so no address is reused by a later key pair
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < kGets; ++i) {
                KeyShare s = cache.get(kX25519);
                std::lock_guard lock(m);
                ++uses[s.kex.get()];
                keep.push_back(std::move(s.kex));
            }
        });
    for (auto& t : threads) t.join();
    for (const auto& [kex, n] : uses) EXPECT_LE(n, kMaxUses);
    EXPECT_GE(cache.generated(), static_cast<std::size_t>(kThreads * kGets) / kMaxUses);
}

// A shared KeyExchange derives on several threads at once (each derivation its own EVP_PKEY_CTX): every thread
// gets the secret one thread alone computes, for a MODP group (OpenSSL caches a Montgomery context in the key on
// first use), an ECP and a Montgomery curve.
TEST(KeyShareCache, ASharedKeyPairDerivesTheSameSecretsOnManyThreads) {
    for (std::uint16_t group : {kModp2048, kEcp256, kX25519}) {
        SCOPED_TRACE(group);
        const auto ours = std::make_shared<const ike::KeyExchange>(group);
        constexpr int kPeers = 6, kThreads = 6, kRounds = 4;
        std::vector<Bytes> peers, expected;
        for (int i = 0; i < kPeers; ++i) {
            ike::KeyExchange peer(group);
            peers.push_back(peer.public_value());
            expected.push_back(peer.compute_shared(ours->public_value()));  // computed by the other side
        }
        std::atomic<int> mismatches{0}, errors{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t)
            threads.emplace_back([&, t] {
                for (int r = 0; r < kRounds; ++r)
                    for (int i = 0; i < kPeers; ++i) {
                        const int p = (i + t) % kPeers;
                        try {
                            if (ours->compute_shared(peers[p]) != expected[p]) ++mismatches;
                        } catch (const std::exception&) {
                            ++errors;
                        }
                    }
            });
        for (auto& t : threads) t.join();
        EXPECT_EQ(mismatches.load(), 0);
        EXPECT_EQ(errors.load(), 0);
    }
}

// The rule for tunnels that carry something: a probe that sends credentials gets a fresh key pair every time
// and never touches the cache, even when it is given one.
TEST(KeyShareSource, AProbeThatSendsCredentialsNeverReusesAKeyShare) {
    auto cache = std::make_shared<KeyShareCache>();
    const KeyShare primed = cache->get(kX25519);
    auto credentialed = probes::key_share_source(cache, true);
    const KeyShare a = credentialed(kX25519);
    const KeyShare b = credentialed(kX25519);
    EXPECT_FALSE(a.reused);
    EXPECT_FALSE(b.reused);
    EXPECT_NE(a.kex->public_value(), primed.kex->public_value());
    EXPECT_NE(a.kex->public_value(), b.kex->public_value());
    EXPECT_EQ(cache->generated(), 1u);
    EXPECT_EQ(cache->reuses(), 0u);
    // Without credentials the same cache is used.
    auto anonymous = probes::key_share_source(cache, false);
    const KeyShare c = anonymous(kX25519);
    EXPECT_TRUE(c.reused);
    EXPECT_EQ(c.kex, primed.kex);
    // No cache at all: fresh every time.
    auto fresh = probes::key_share_source(nullptr, false);
    EXPECT_NE(fresh(kX25519).kex->public_value(), fresh(kX25519).kex->public_value());
}

}  // namespace
