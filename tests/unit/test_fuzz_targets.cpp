// The fuzz targets (fuzz/fuzz_targets.hpp) in every build: over the real captures the project tests with
// and deterministic mutations of them (bit flips, bytes set to 0x00/0xff, truncations, spliced copies),
// so that the harnesses stay compiled and what libFuzzer would find first (a crash, an error offset past
// the input, a reassembly over its limits) is found here too. libFuzzer itself runs with scripts/fuzz.sh.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>

#include "fuzz/fuzz_targets.hpp"

namespace {

using vpnprobe::protocol::Bytes;

Bytes read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// xorshift64*: the same mutations on every run and machine.
struct Rng {
    std::uint64_t s;
    std::uint64_t next() {
        s ^= s >> 12, s ^= s << 25, s ^= s >> 27;
        return s * 2685821657736338717ull;
    }
    std::size_t below(std::size_t n) { return n ? static_cast<std::size_t>(next() % n) : 0; }
};

Bytes mutate(const Bytes& seed, Rng& rng) {
    Bytes b = seed;
    int edits = 1 + static_cast<int>(rng.below(4));
    for (int e = 0; e < edits && !b.empty(); ++e) {
        switch (rng.below(5)) {
        case 0:
            b[rng.below(b.size())] ^= static_cast<std::uint8_t>(1u << rng.below(8));
            break;
        case 1:
            b[rng.below(b.size())] = 0x00;
            break;
        case 2:
            b[rng.below(b.size())] = 0xff;
            break;
        case 3:
            b.resize(rng.below(b.size()));
            break;
        case 4: {
            std::size_t from = rng.below(b.size()), n = rng.below(b.size() - from);
            Bytes part(b.begin() + static_cast<long>(from), b.begin() + static_cast<long>(from + n));
            b.insert(b.begin() + static_cast<long>(rng.below(b.size())), part.begin(), part.end());
            break;
        }
        }
    }
    return b;
}

struct Tally {
    int decoded = 0, refused = 0;
};

Tally run_mutations(const std::vector<Bytes>& seeds, int per_seed,
                    const std::function<bool(const std::uint8_t*, std::size_t)>& target) {
    Tally t;
    Rng rng{0x9e3779b97f4a7c15ull};
    for (const auto& seed : seeds) {
        (target(seed.data(), seed.size()) ? t.decoded : t.refused)++;
        for (int i = 0; i < per_seed; ++i) {
            Bytes m = mutate(seed, rng);
            (target(m.data(), m.size()) ? t.decoded : t.refused)++;
        }
    }
    return t;
}

std::vector<Bytes> files_in(const std::string& dir, const std::string& ext) {
    std::vector<Bytes> out;
    for (const auto& f : std::filesystem::directory_iterator(dir))
        if (f.path().extension() == ext) out.push_back(read_file(f.path()));
    return out;
}

TEST(FuzzTargets, Ikev2MessagesFromTheCapturesAndTheirMutations) {
    auto seeds = files_in(std::string(VPNPROBE_TEST_DATA) + "/ikev2", ".bin");
    ASSERT_GE(seeds.size(), 5u);
    Tally t;
    ASSERT_NO_THROW(t = run_mutations(seeds, 3000, vpnprobe::fuzz::ikev2_message));
    EXPECT_GT(t.decoded, 0) << "the captures and some mutations decode";
    EXPECT_GT(t.refused, 1000) << "most mutations are refused, by name";
}

TEST(FuzzTargets, SstpPacketsFromTheCaptureAndTheirMutations) {
    Bytes capture = read_file(std::string(VPNPROBE_TEST_DATA) + "/softether-http200-connect-ack.bin");
    // The SSTP part starts after the HTTP header.
    const std::string end = "\r\n\r\n";
    auto at = std::search(capture.begin(), capture.end(), end.begin(), end.end());
    ASSERT_NE(at, capture.end());
    Bytes sstp(at + 4, capture.end());
    ASSERT_FALSE(sstp.empty());
    Tally t;
    ASSERT_NO_THROW(t = run_mutations({sstp}, 5000, vpnprobe::fuzz::sstp_packet));
    EXPECT_GT(t.decoded, 0);
    EXPECT_GT(t.refused, 0);
}

TEST(FuzzTargets, PppLoginPacketsFromTheSeedsAndTheirMutations) {
    auto seeds = files_in(std::string(VPNPROBE_TEST_DATA) + "/ppp", ".bin");
    ASSERT_GE(seeds.size(), 10u);
    Tally t;
    ASSERT_NO_THROW(t = run_mutations(seeds, 3000, vpnprobe::fuzz::ppp_auth));
    EXPECT_GT(t.decoded, 0);
    EXPECT_GT(t.refused, 0);
    ASSERT_NO_THROW(t = run_mutations(seeds, 3000, vpnprobe::fuzz::ppp_ipcp));
    EXPECT_GT(t.decoded, 0);
    EXPECT_GT(t.refused, 1000);
}

TEST(FuzzTargets, Ipv4IcmpFromBuiltPacketsAndTheirMutations) {
    namespace p = vpnprobe::protocol;
    const p::Ipv4Address a{192, 0, 2, 7}, b{198, 51, 100, 1};
    std::vector<Bytes> seeds = {p::encode_ipv4_echo_request(a, b, 0x4242, 1, p::from_hex("000102030405060708")),
                                p::encode_ipv4_echo_request(b, a, 7, 65535, {})};
    p::IcmpMessage unreachable;
    unreachable.type = static_cast<std::uint8_t>(p::IcmpType::destination_unreachable);
    unreachable.code = 1;
    unreachable.data = Bytes(28, 0x45);
    p::Ipv4Packet error;
    error.source = b, error.destination = a, error.payload = p::encode_icmp(unreachable);
    seeds.push_back(p::encode_ipv4_packet(error));
    Tally t;
    ASSERT_NO_THROW(t = run_mutations(seeds, 5000, vpnprobe::fuzz::ipv4_icmp));
    EXPECT_GT(t.decoded, 0);
    EXPECT_GT(t.refused, 1000) << "most mutations break a checksum or a length";
}

TEST(FuzzTargets, EspPacketsSealedForTheTargetAndTheirMutations) {
    namespace p = vpnprobe::protocol;
    const Bytes echo =
        p::encode_ipv4_echo_request(p::Ipv4Address{10, 0, 0, 2}, p::Ipv4Address{10, 0, 0, 1}, 7, 1, Bytes(24, 0x61));
    std::vector<Bytes> seeds;
    for (bool gcm : {true, false}) {
        p::esp::EspSender sender(0xc0010203, p::esp::initiator_to_responder_cipher(vpnprobe::fuzz::esp_fuzz_keys(gcm)),
                                 [](std::span<std::uint8_t> out) { std::fill(out.begin(), out.end(), 0x77); });
        seeds.push_back(sender.seal_ip(echo));
        seeds.push_back(sender.seal(Bytes{}, p::esp::next_header_none));
    }
    seeds.push_back(echo);  // as plaintext: its last two bytes are no trailer
    // As plaintext with a trailer (no padding; Next Header 4 / 41): these open, and their inner packet is decoded.
    Bytes echo_trailer = echo;
    echo_trailer.insert(echo_trailer.end(), {0, p::esp::next_header_ipv4});
    seeds.push_back(echo_trailer);
    p::Ipv6Address a6{}, b6{};
    a6[0] = b6[0] = 0xfd, a6[15] = 2, b6[15] = 1;
    Bytes echo6 = p::encode_ipv6_echo_request(a6, b6, 7, 1, Bytes(24, 0x61));
    echo6.insert(echo6.end(), {0, p::esp::next_header_ipv6});
    seeds.push_back(echo6);
    seeds.push_back(Bytes{0, 0, 0, 0, 0x11, 0x22});  // IKE behind the non-ESP marker
    seeds.push_back(Bytes{0xff});  // NAT-keepalive
    for (const Bytes& s : seeds) ASSERT_NO_THROW(vpnprobe::fuzz::esp_packet(s.data(), s.size()));
    EXPECT_TRUE(vpnprobe::fuzz::esp_packet(seeds[0].data(), seeds[0].size())) << "the GCM seed opens";
    EXPECT_TRUE(vpnprobe::fuzz::esp_packet(seeds[2].data(), seeds[2].size())) << "the CBC seed opens";
    EXPECT_TRUE(vpnprobe::fuzz::esp_packet(seeds[5].data(), seeds[5].size())) << "IPv4 with a trailer opens";
    EXPECT_TRUE(vpnprobe::fuzz::esp_packet(seeds[6].data(), seeds[6].size())) << "IPv6 with a trailer opens";
    Tally t;
    ASSERT_NO_THROW(t = run_mutations(seeds, 3000, vpnprobe::fuzz::esp_packet));
    EXPECT_GT(t.decoded, 100) << "mutations whose trailer still reads as one open as authentic plaintext";
    EXPECT_GT(t.refused, 1000);
}

TEST(FuzzTargets, FragmentReassemblyStaysWithinItsLimits) {
    Bytes seed;
    for (std::uint16_t n = 1; n <= 4; ++n) {
        seed.push_back(0), seed.push_back(static_cast<std::uint8_t>(n));
        seed.push_back(0), seed.push_back(4);
        seed.push_back(200);
    }
    EXPECT_TRUE(vpnprobe::fuzz::ike_fragments(seed.data(), seed.size())) << "four fragments of four assemble";
    ASSERT_NO_THROW(run_mutations({seed}, 5000, vpnprobe::fuzz::ike_fragments));
}

TEST(FuzzTargets, ScenarioFilesAreRefusedByNameOnly) {
    std::vector<Bytes> seeds;
    for (const auto& f : std::filesystem::directory_iterator(std::string(VPNPROBE_SOURCE_DIR) + "/scenarios/examples"))
        if (f.path().extension() == ".yaml") seeds.push_back(read_file(f.path()));
    ASSERT_GE(seeds.size(), 4u);
    Tally t;
    ASSERT_NO_THROW(t = run_mutations(seeds, 500, vpnprobe::fuzz::scenario_text));
    EXPECT_GT(t.decoded, 0);
    EXPECT_GT(t.refused, 0);
}

}  // namespace
