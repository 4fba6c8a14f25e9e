// CHILD_SA keys (RFC 7296 2.17), the server's ESP choice, and ESP in tunnel mode (RFC 4303, RFC 4106, RFC 3602 with
// RFC 2404 / RFC 4868 HMACs): known answers from an independent computation (tests/data/esp/make_vectors.py,
// Python's hmac and python3-cryptography, output in vectors.txt), then each receive check by name.
// tests/unit/test_esp_tshark.cpp has Wireshark decrypt what we seal.
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "probes/ikev2/ikev2_presets.hpp"
#include "protocol/esp/esp_keylog.hpp"
#include "protocol/esp/esp_sa.hpp"
#include "protocol/esp/esp_tunnel.hpp"
#include "protocol/esp/esp_udp.hpp"
#include "protocol/ikev2/ikev2_child_sa.hpp"
#include "protocol/ikev2/ikev2_crypto_prf.hpp"
#include "protocol/ikev2/ikev2_keys.hpp"
#include "protocol/ikev2/ikev2_proposal.hpp"
#include "protocol/ikev2/ikev2_registry.hpp"
#include "protocol/ip/ipv4_icmp.hpp"
#include "protocol/ip/ipv6_icmpv6.hpp"
#include "tests/support/vector_file.hpp"

namespace {

using namespace vpnprobe::protocol;
using namespace vpnprobe::protocol::ikev2;
using namespace vpnprobe::protocol::esp;

const std::map<std::string, std::string>& vectors() {
    static const auto v = vpnprobe::testsupport::read_vector_file(std::string(VPNPROBE_TEST_DATA) + "/esp/vectors.txt");
    return v;
}
Bytes vec(const std::string& name) {
    const auto it = vectors().find(name);
    if (it == vectors().end()) throw std::runtime_error("no vector " + name);
    return from_hex(it->second);
}

struct Suite {
    const char* name;  // as in vectors.txt
    std::uint16_t prf;
    EspTransform transform;
};
const Suite suites[] = {
    {"aes256gcm16", prf_alg::hmac_sha2_256, {encr_alg::aes_gcm_16, 256, integ_alg::none}},
    {"aes128gcm16", prf_alg::hmac_sha2_256, {encr_alg::aes_gcm_16, 128, integ_alg::none}},
    {"aes128-sha256", prf_alg::hmac_sha2_256, {encr_alg::aes_cbc, 128, integ_alg::hmac_sha2_256_128}},
    {"aes256-sha1", prf_alg::hmac_sha1, {encr_alg::aes_cbc, 256, integ_alg::hmac_sha1_96}},
    {"aes256-sha384", prf_alg::hmac_sha2_384, {encr_alg::aes_cbc, 256, integ_alg::hmac_sha2_384_192}},
    {"aes256-sha512", prf_alg::hmac_sha2_512, {encr_alg::aes_cbc, 256, integ_alg::hmac_sha2_512_256}},
    // RFC 7634: Wireshark 4.0 cannot decrypt it, so only these vectors judge it.
    {"chacha20poly1305", prf_alg::hmac_sha2_256, {encr_alg::chacha20_poly1305, 0, integ_alg::none}},
};

ChildSaKeys keys_of(const Suite& s) {
    return derive_child_sa_keys(s.prf, vec(std::string(s.name) + ".sk_d"), s.transform, vec("ni"), vec("nr"));
}

std::uint32_t spi_vector() { return static_cast<std::uint32_t>(std::stoul(vectors().at("spi"), nullptr, 16)); }

// A random source that must not be called (AEAD) and one that gives a fixed pattern (CBC known answers).
RandomSource fixed_random(Bytes pattern) {
    return [pattern](std::span<std::uint8_t> out) {
        ASSERT_EQ(out.size(), pattern.size());
        std::copy(pattern.begin(), pattern.end(), out.begin());
    };
}

Bytes inner_echo() {
    return encode_ipv4_echo_request(
        Ipv4Address{10, 10, 10, 2}, Ipv4Address{10, 200, 0, 1}, 0x4242, 1,
        Bytes{'v', 'p', 'n', 'p', 'r', 'o', 'b', 'e', '-', 'e', 's', 'p', '-', '0', '1', '2', '3'}, 0x1234);
}

// ---- CHILD_SA keys ---------------------------------------------------------------------------------------

TEST(ChildSaKeys, MatchTheIndependentComputationForEverySuite) {
    for (const Suite& s : suites) {
        SCOPED_TRACE(s.name);
        const ChildSaKeys k = keys_of(s);
        EXPECT_EQ(k.transform, s.transform);
        EXPECT_EQ(to_hex(k.encr_i), to_hex(vec(std::string(s.name) + ".encr_i")));
        EXPECT_EQ(to_hex(k.integ_i), to_hex(vec(std::string(s.name) + ".integ_i")));
        EXPECT_EQ(to_hex(k.encr_r), to_hex(vec(std::string(s.name) + ".encr_r")));
        EXPECT_EQ(to_hex(k.integ_r), to_hex(vec(std::string(s.name) + ".integ_r")));
    }
}

TEST(ChildSaKeys, ANewKeyExchangeGoesInFrontOfTheNonces) {
    const Suite& s = suites[2];  // aes128-sha256
    const ChildSaKeys pfs =
        derive_child_sa_keys(s.prf, vec("aes128-sha256.sk_d"), s.transform, vec("ni"), vec("nr"), vec("g_ir"));
    EXPECT_EQ(to_hex(pfs.encr_i), to_hex(vec("aes128-sha256.pfs.encr_i")));
    EXPECT_EQ(to_hex(pfs.integ_i), to_hex(vec("aes128-sha256.pfs.integ_i")));
    EXPECT_EQ(to_hex(pfs.encr_r), to_hex(vec("aes128-sha256.pfs.encr_r")));
    EXPECT_EQ(to_hex(pfs.integ_r), to_hex(vec("aes128-sha256.pfs.integ_r")));
    EXPECT_NE(pfs.encr_i, keys_of(s).encr_i);
}

TEST(ChildSaKeys, LengthsAndOrderFollowTheRfc) {
    // KEYMAT is encr_i | integ_i | encr_r | integ_r, one prf+ stream; GCM keys carry their 4-byte salt.
    for (const Suite& s : suites) {
        SCOPED_TRACE(s.name);
        const ChildSaKeys k = keys_of(s);
        const std::size_t encr = encr_key_material_size(s.transform.encr_id, s.transform.encr_key_bits);
        const std::size_t integ = integ_key_size(s.transform.integ_id);
        EXPECT_EQ(k.encr_i.size(), encr);
        EXPECT_EQ(k.encr_r.size(), encr);
        EXPECT_EQ(k.integ_i.size(), integ);
        EXPECT_EQ(k.integ_r.size(), integ);
        Bytes seed = vec("ni");
        const Bytes nr = vec("nr");
        seed.insert(seed.end(), nr.begin(), nr.end());
        const Bytes keymat = prf_plus(s.prf, vec(std::string(s.name) + ".sk_d"), seed, 2 * (encr + integ));
        Bytes joined = k.encr_i;
        for (const Bytes* part : {&k.integ_i, &k.encr_r, &k.integ_r})
            joined.insert(joined.end(), part->begin(), part->end());
        EXPECT_EQ(joined, keymat);
    }
    EXPECT_EQ(keys_of(suites[0]).encr_i.size(), 36u) << "AES-256 key and salt";
    EXPECT_EQ(keys_of(suites[1]).encr_i.size(), 20u) << "AES-128 key and salt";
    EXPECT_TRUE(keys_of(suites[0]).integ_i.empty());
}

TEST(ChildSaKeys, RefusesTransformsItCannotRun) {
    const Bytes sk_d(32, 1), n(32, 2);
    EXPECT_THROW(derive_child_sa_keys(prf_alg::hmac_sha2_256, sk_d, {encr_alg::des, 0, integ_alg::hmac_sha1_96}, n, n),
                 std::invalid_argument);
    EXPECT_THROW(derive_child_sa_keys(prf_alg::hmac_sha2_256, sk_d, {encr_alg::aes_cbc, 128, integ_alg::none}, n, n),
                 std::invalid_argument);
    EXPECT_THROW(derive_child_sa_keys(prf_alg::hmac_sha2_256, sk_d,
                                      {encr_alg::aes_gcm_16, 128, integ_alg::hmac_sha2_256_128}, n, n),
                 std::invalid_argument);
}

// ---- the server's choice ------------------------------------------------------------------------------------

Proposal chosen(const std::string& text, Bytes spi = {0xc2, 0x00, 0x00, 0x01}) {
    Proposal p = parse_proposal(text, ProtocolId::esp, 2);
    p.spi = std::move(spi);
    return p;
}

TEST(EspChoice, ReadsAnAeadAndACbcChoice) {
    auto gcm = read_esp_choice(chosen("aes256gcm16"));
    ASSERT_TRUE(gcm) << gcm.error().to_string();
    EXPECT_EQ(gcm->spi, 0xc2000001u);
    EXPECT_EQ(gcm->proposal_number, 2);
    EXPECT_EQ(gcm->transform, (EspTransform{encr_alg::aes_gcm_16, 256, integ_alg::none}));
    EXPECT_FALSE(gcm->ke_group);
    EXPECT_EQ(describe(gcm->transform), "AES_GCM_16_256");

    auto cbc = read_esp_choice(chosen("aes128-sha256-modp2048"));
    ASSERT_TRUE(cbc) << cbc.error().to_string();
    EXPECT_EQ(cbc->transform, (EspTransform{encr_alg::aes_cbc, 128, integ_alg::hmac_sha2_256_128}));
    EXPECT_EQ(cbc->ke_group, dh_group::modp2048) << "a CREATE_CHILD_SA with PFS";
    EXPECT_EQ(describe(cbc->transform), "AES_CBC_128/HMAC_SHA2_256_128");
}

TEST(EspChoice, RefusesByName) {
    auto code = [](const Proposal& p) {
        auto r = read_esp_choice(p);
        return r ? std::string("ok") : r.error().code + ": " + r.error().message;
    };
    Proposal ike = chosen("aes256-sha256");
    ike.protocol = static_cast<std::uint8_t>(ProtocolId::ike);
    EXPECT_EQ(code(ike).rfind("not_esp", 0), 0u) << code(ike);
    EXPECT_EQ(code(chosen("aes256-sha256", Bytes(8, 1))).rfind("bad_spi_size", 0), 0u);
    EXPECT_EQ(code(chosen("aes256-sha256", Bytes(4, 0))).rfind("bad_spi_size", 0), 0u) << "SPI 0 is reserved";
    EXPECT_EQ(code(chosen("aes256-aes128-sha256")).rfind("more_than_one", 0), 0u);
    EXPECT_EQ(code(chosen("des-sha1")), "unsupported: ESP encryption DES_CBC is not supported here");
    EXPECT_EQ(code(chosen("null-sha1")), "unsupported: ESP encryption NULL is not supported here");
    EXPECT_EQ(code(chosen("aes128-sha256-esn")).rfind("unsupported: Extended Sequence Numbers", 0), 0u);
    Proposal no_integ = chosen("aes128-sha256");
    no_integ.transforms.erase(std::remove_if(no_integ.transforms.begin(), no_integ.transforms.end(),
                                             [](const Transform& t) { return t.type == 3; }),
                              no_integ.transforms.end());
    EXPECT_EQ(code(no_integ).rfind("missing_transform", 0), 0u) << code(no_integ);
    Proposal gcm_with_integ = chosen("aes128gcm16");
    gcm_with_integ.transforms.push_back(Transform(TransformType::integ, integ_alg::hmac_sha2_256_128));
    EXPECT_EQ(code(gcm_with_integ).rfind("unsupported", 0), 0u) << code(gcm_with_integ);
    Proposal empty = chosen("aes128-sha256");
    empty.transforms.clear();
    EXPECT_EQ(code(empty).rfind("missing_transform", 0), 0u);
}

TEST(EspPreset, WindowsDefaultIsWhatWindowsOffersAndOnlyItsAesAnd3desCanRun) {
    const auto texts = vpnprobe::probes::esp_preset("windows-default");
    ASSERT_EQ(texts.size(), 5u);
    std::vector<std::string> runnable;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        Proposal p = parse_proposal(texts[i], ProtocolId::esp, static_cast<std::uint8_t>(i + 1));
        EXPECT_EQ(p.protocol, 3);
        ASSERT_NE(p.first(TransformType::integ), nullptr);
        EXPECT_EQ(p.first(TransformType::integ)->id, integ_alg::hmac_sha1_96) << "Windows offers SHA-1 only";
        ASSERT_NE(p.first(TransformType::esn), nullptr);
        EXPECT_EQ(p.first(TransformType::esn)->id, esn_mode::no_esn);
        p.spi = {1, 2, 3, 4};
        if (auto c = read_esp_choice(p)) runnable.push_back(describe(c->transform));
    }
    EXPECT_EQ(runnable, (std::vector<std::string>{"AES_CBC_256/HMAC_SHA1_96", "AES_CBC_128/HMAC_SHA1_96",
                                                  "3DES_CBC/HMAC_SHA1_96"}));
    for (const auto& t : vpnprobe::probes::esp_preset("modern")) {
        Proposal p = parse_proposal(t, ProtocolId::esp);
        p.spi = {1, 2, 3, 4};
        EXPECT_TRUE(read_esp_choice(p)) << t;
    }
    EXPECT_THROW(vpnprobe::probes::esp_preset("nope"), std::invalid_argument);
}

// ---- ESP known answers ----------------------------------------------------------------------------------------

TEST(Esp, InnerPacketIsTheIndependentOne) { EXPECT_EQ(to_hex(inner_echo()), to_hex(vec("inner"))); }

TEST(Esp, SealsAndOpensTheIndependentPackets) {
    for (const Suite& s : suites) {
        SCOPED_TRACE(s.name);
        const ChildSaKeys k = keys_of(s);
        const bool aead = is_aead(s.transform.encr_id);
        const Bytes iv = aead ? from_hex("0000000000000001") : vec("iv16");
        EspSender sender(spi_vector(), initiator_to_responder_cipher(k), aead ? nullptr : fixed_random(iv));
        const Bytes expected = vec(std::string(s.name) + ".packet1");
        const Bytes packet = sender.seal_ip(inner_echo());  // GCM: the counter IV 1; CBC: the random source
        EXPECT_EQ(to_hex(packet), to_hex(expected));
        EXPECT_EQ(sender.last_sequence(), 1u);
        EXPECT_EQ(packet.size(), sender.sealed_size(inner_echo().size()));

        // The responder opens it with the same direction's keys.
        EspReceiver receiver(spi_vector(), initiator_to_responder_cipher(k));
        auto opened = receiver.open(expected);
        ASSERT_TRUE(opened) << opened.error().to_string();
        EXPECT_EQ(opened->spi, spi_vector());
        EXPECT_EQ(opened->sequence, 1u);
        EXPECT_EQ(opened->next_header, next_header_ipv4);
        EXPECT_EQ(opened->payload, inner_echo());
        EXPECT_FALSE(opened->is_dummy());
    }
}

TEST(Esp, SealsTheIndependentIpv6Packet) {
    const ChildSaKeys k = keys_of(suites[0]);
    EspSender sender(spi_vector(), initiator_to_responder_cipher(k));
    const Bytes echo = inner_echo();
    const Bytes echo_data(echo.end() - 17, echo.end());  // "vpnprobe-esp-0123"
    const Bytes inner6 =
        encode_ipv6_echo_request({0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2},
                                 {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 0x4242, 1, echo_data);
    EXPECT_EQ(to_hex(inner6), to_hex(vec("inner6")));
    EXPECT_EQ(to_hex(sender.seal_ip(inner6)), to_hex(vec("aes256gcm16.packet6"))) << "Next Header 41";
}

TEST(Esp, OpensTheServersDirectionWithTheResponderKeys) {
    const ChildSaKeys k = keys_of(suites[0]);
    EspReceiver ours(0x0000c001, responder_to_initiator_cipher(k));
    auto opened = ours.open(vec("aes256gcm16.reply1"));
    ASSERT_TRUE(opened) << opened.error().to_string();
    EXPECT_EQ(opened->payload, inner_echo());
    EspReceiver wrong_direction(0x0000c001, initiator_to_responder_cipher(k));
    auto refused = wrong_direction.open(vec("aes256gcm16.reply1"));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, "icv_mismatch");
}

TEST(Esp, SequenceNumbersCountFromOneAndGcmIvsNeverRepeat) {
    const ChildSaKeys k = keys_of(suites[0]);
    EspSender sender(0x01020304, initiator_to_responder_cipher(k));
    EspReceiver receiver(0x01020304, initiator_to_responder_cipher(k));
    std::vector<Bytes> ivs;
    for (std::uint32_t n = 1; n <= 5; ++n) {
        const Bytes p = sender.seal_ip(inner_echo());
        EXPECT_EQ(esp_spi(p), 0x01020304u);
        EXPECT_EQ(Bytes(p.begin() + 4, p.begin() + 8), (Bytes{0, 0, 0, static_cast<std::uint8_t>(n)}));
        ivs.emplace_back(p.begin() + 8, p.begin() + 16);
        auto o = receiver.open(p);
        ASSERT_TRUE(o) << o.error().to_string();
        EXPECT_EQ(o->sequence, n);
    }
    std::sort(ivs.begin(), ivs.end());
    EXPECT_EQ(std::unique(ivs.begin(), ivs.end()), ivs.end());
    EXPECT_EQ(receiver.window().highest(), 5u);
}

TEST(Esp, PaddingIsMinimalAlignedAndCounted) {
    for (const Suite& s : {suites[1], suites[2]}) {
        SCOPED_TRACE(s.name);
        const ChildSaKeys k = keys_of(s);
        const std::size_t block = is_aead(s.transform.encr_id) ? 4 : 16;
        std::uint8_t next = 1;
        EspSender sender(7, initiator_to_responder_cipher(k), [&](std::span<std::uint8_t> out) {
            for (auto& b : out) b = next++;
        });
        EspReceiver receiver(7, initiator_to_responder_cipher(k));
        for (std::size_t size = 20; size < 60; ++size) {
            Bytes inner(size, 0x45);
            const std::size_t pad = sender.padding_size(size);
            EXPECT_LT(pad, block);
            EXPECT_EQ((size + pad + 2) % block, 0u) << size;
            const Bytes p = sender.seal(inner, next_header_ipv4);
            EXPECT_EQ(p.size(), sender.sealed_size(size));
            auto o = receiver.open(p);
            ASSERT_TRUE(o) << o.error().to_string();
            EXPECT_EQ(o->payload, inner);
        }
    }
}

TEST(Esp, IPv6InnerPacketsAndDummyPackets) {
    const ChildSaKeys k = keys_of(suites[0]);
    EspSender sender(9, initiator_to_responder_cipher(k));
    EspReceiver receiver(9, initiator_to_responder_cipher(k));
    Bytes ipv6(40, 0);
    ipv6[0] = 0x60, ipv6[6] = 59, ipv6[7] = 64;  // version 6, no next header, hop limit 64
    const Bytes p = sender.seal_ip(ipv6);
    auto o = receiver.open(p);
    ASSERT_TRUE(o) << o.error().to_string();
    EXPECT_EQ(o->next_header, next_header_ipv6);
    EXPECT_EQ(o->payload, ipv6);
    auto dummy = receiver.open(sender.seal(Bytes{}, next_header_none));
    ASSERT_TRUE(dummy) << dummy.error().to_string();
    EXPECT_TRUE(dummy->is_dummy());
    EXPECT_THROW(sender.seal_ip(Bytes{0x50, 0}), std::invalid_argument);
    EXPECT_THROW(sender.seal_ip(Bytes{}), std::invalid_argument);
}

// ---- what the receiver refuses, by name -------------------------------------------------------------------

struct ReceiveCase : ::testing::Test {
    ChildSaKeys k = keys_of(suites[2]);  // AES-CBC-128 + HMAC-SHA2-256-128
    RandomSource random = [](std::span<std::uint8_t> out) { std::fill(out.begin(), out.end(), 0x5a); };
    EspSender sender{0xabcd0001, initiator_to_responder_cipher(k), random};
    EspReceiver receiver{0xabcd0001, initiator_to_responder_cipher(k)};

    std::string open_code(const Bytes& p) {
        auto o = receiver.open(p);
        return o ? "ok" : o.error().code;
    }
    // A packet with an authentic ICV over a body the caller wrote (trailer included).
    Bytes authentic(std::uint32_t sequence, const Bytes& body) {
        Bytes header = {0xab, 0xcd, 0x00, 0x01};
        for (int shift = 24; shift >= 0; shift -= 8) header.push_back(static_cast<std::uint8_t>(sequence >> shift));
        const Bytes sealed = initiator_to_responder_cipher(k).seal_body(header, body, Bytes(16, 0x11));
        header.insert(header.end(), sealed.begin(), sealed.end());
        return header;
    }
};

TEST_F(ReceiveCase, Truncated) {
    const Bytes p = sender.seal_ip(inner_echo());
    EXPECT_EQ(open_code(Bytes(p.begin(), p.begin() + 7)), "truncated");
    EXPECT_EQ(open_code(Bytes(p.begin(), p.begin() + 8 + 16 + 2 + 16 - 1)), "truncated");
    EXPECT_EQ(open_code(Bytes{}), "truncated");
}

TEST_F(ReceiveCase, WrongSpi) {
    Bytes p = sender.seal_ip(inner_echo());
    p[3] ^= 1;
    auto o = receiver.open(p);
    ASSERT_FALSE(o);
    EXPECT_EQ(o.error().code, "wrong_spi");
    EXPECT_EQ(o.error().message, "SPI 0xabcd0000 is not this SA's 0xabcd0001");
}

TEST_F(ReceiveCase, BadIcvAnywhere) {
    const Bytes p = sender.seal_ip(inner_echo());
    for (std::size_t at :
         {std::size_t{4}, std::size_t{7}, std::size_t{8}, std::size_t{30}, p.size() - 17, p.size() - 1}) {
        Bytes bad = p;
        bad[at] ^= 0x80;
        EXPECT_EQ(open_code(bad), "icv_mismatch") << "flipped byte " << at;
    }
    EXPECT_EQ(receiver.window().highest(), 0u) << "a forged packet does not move the window";
    EXPECT_EQ(open_code(p), "ok");
}

TEST_F(ReceiveCase, ReplayAndOutsideTheWindow) {
    std::vector<Bytes> sent;
    for (int i = 0; i < 300; ++i) sent.push_back(sender.seal_ip(inner_echo()));
    EXPECT_EQ(open_code(sent[0]), "ok");
    EXPECT_EQ(open_code(sent[0]), "replay");
    EXPECT_EQ(open_code(sent[299]), "ok");  // sequence 300: the window is now 173..300
    EXPECT_EQ(open_code(sent[171]), "outside_window") << "sequence 172";
    EXPECT_EQ(open_code(sent[172]), "ok") << "sequence 173, the left edge, arrives late";
    EXPECT_EQ(open_code(sent[172]), "replay");
    EXPECT_EQ(open_code(sent[250]), "ok");
    EXPECT_EQ(open_code(sent[299]), "replay");
    auto o = receiver.open(sent[10]);
    ASSERT_FALSE(o);
    EXPECT_EQ(o.error().message, "sequence number 11 is older than the 128-packet replay window ending at 300");
}

TEST_F(ReceiveCase, SequenceZeroIsNeverSent) {
    const Bytes body = {0x45, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 9, 4};  // 4 + padding 1..10, pad length 10
    EXPECT_EQ(open_code(authentic(0, body)), "bad_sequence");
}

TEST_F(ReceiveCase, BadPadding) {
    Bytes body = {0x45, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 4};
    EXPECT_EQ(open_code(authentic(1, body)), "ok") << "the well-formed twin";
    body[8] = 0;  // padding byte 5
    auto o = receiver.open(authentic(2, body));
    ASSERT_FALSE(o);
    EXPECT_EQ(o.error().code, "bad_padding");
    EXPECT_EQ(o.error().offset, 8u + 16 + 8) << "header, IV, then the bad padding byte";
    body[8] = 5;
    body[14] = 15;  // Pad Length past the data
    EXPECT_EQ(open_code(authentic(3, body)), "bad_padding");
    EXPECT_EQ(open_code(authentic(3, body)), "replay") << "authentic, so its sequence number is spent";
}

TEST_F(ReceiveCase, BadNextHeader) {
    Bytes body = {0x45, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 6};  // TCP: transport mode, never negotiated
    EXPECT_EQ(open_code(authentic(1, body)), "bad_next_header");
    body.back() = next_header_ipv6;  // but the packet is IPv4
    EXPECT_EQ(open_code(authentic(2, body)), "bad_next_header");
}

TEST_F(ReceiveCase, CbcCiphertextOfPartBlocks) {
    Bytes p = sender.seal_ip(inner_echo());
    p.erase(p.begin() + 30);
    EXPECT_EQ(open_code(p), "bad_length");
}

TEST(EspSender, CbcNeedsARandomSourceAndUsesIt) {
    const ChildSaKeys k = keys_of(suites[3]);
    EXPECT_THROW(EspSender(1, initiator_to_responder_cipher(k)), std::invalid_argument);
    EXPECT_THROW(EspSender(0, initiator_to_responder_cipher(k), [](std::span<std::uint8_t>) {}), std::invalid_argument);
    EspSender s(1, initiator_to_responder_cipher(k), fixed_random(Bytes(16, 0xee)));
    const Bytes p = s.seal_ip(inner_echo());
    EXPECT_EQ(Bytes(p.begin() + 8, p.begin() + 24), Bytes(16, 0xee));
    EXPECT_THROW(s.seal_with_iv(inner_echo(), 4, Bytes(8, 0)), std::invalid_argument);
}

// ---- the replay window alone --------------------------------------------------------------------------------------

TEST(ReplayWindow, OutOfOrderInsideTheWindowOnceEach) {
    ReplayWindow w(64);
    EXPECT_EQ(w.size(), 64u);
    EXPECT_EQ(w.check(0), ReplayWindow::Verdict::zero);
    for (std::uint32_t n : {5u, 3u, 4u, 1u, 70u, 7u, 69u}) {
        EXPECT_EQ(w.check(n), ReplayWindow::Verdict::fresh) << n;
        w.accept(n);
        EXPECT_EQ(w.check(n), ReplayWindow::Verdict::replay) << n;
    }
    EXPECT_EQ(w.highest(), 70u);
    EXPECT_EQ(w.check(6), ReplayWindow::Verdict::outside_window) << "70 - 64";
    EXPECT_EQ(w.check(8), ReplayWindow::Verdict::fresh) << "inside, never seen";
    w.accept(1000);
    EXPECT_EQ(w.check(999), ReplayWindow::Verdict::fresh) << "a jump clears the bits it passes";
    EXPECT_EQ(w.check(70), ReplayWindow::Verdict::outside_window);
    w.accept(1001);
    EXPECT_EQ(w.check(1000), ReplayWindow::Verdict::replay);
    EXPECT_EQ(w.check(938), ReplayWindow::Verdict::fresh)
        << "inside the window, and its slot was cleared by the jump to 1000";
}

TEST(ReplayWindow, SizeLimits) {
    EXPECT_THROW(ReplayWindow(31), std::invalid_argument);
    EXPECT_EQ(ReplayWindow(32).size(), 64u);
    EXPECT_EQ(ReplayWindow(100).size(), 128u);
    EXPECT_THROW(ReplayWindow(70000), std::invalid_argument);
}

// ---- UDP port 4500 and the key log -------------------------------------------------------------------------------

TEST(Udp4500, TellsIkeEspAndKeepalivesApart) {
    EXPECT_EQ(classify_udp_4500(Bytes{0xff}).kind, Udp4500Kind::keepalive);
    const Bytes ike = with_non_esp_marker(Bytes{0x11, 0x22});
    EXPECT_EQ(ike, (Bytes{0, 0, 0, 0, 0x11, 0x22}));
    const auto k = classify_udp_4500(ike);
    EXPECT_EQ(k.kind, Udp4500Kind::ike);
    EXPECT_EQ(Bytes(k.body.begin(), k.body.end()), (Bytes{0x11, 0x22}));
    EXPECT_EQ(classify_udp_4500(Bytes{0, 0, 1, 0, 0, 0, 0, 1}).kind, Udp4500Kind::esp);
    EXPECT_EQ(classify_udp_4500(Bytes{0, 0, 1, 0, 0}).kind, Udp4500Kind::malformed);
    EXPECT_EQ(classify_udp_4500(Bytes{}).kind, Udp4500Kind::malformed);
    EXPECT_EQ(classify_udp_4500(Bytes{0xfe}).kind, Udp4500Kind::malformed);
}

TEST(EspKeylog, OneLineOfWiresharksTable) {
    const ChildSaKeys k = keys_of(suites[1]);
    EXPECT_EQ(wireshark_esp_sa_line("192.0.2.1", "198.51.100.7", 0xc001, k.transform, k.encr_i, k.integ_i),
              "\"IPv4\",\"192.0.2.1\",\"198.51.100.7\",\"0x0000c001\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x" +
                  to_hex(k.encr_i) + "\",\"NULL\",\"\"");
    const ChildSaKeys c = keys_of(suites[3]);
    EXPECT_EQ(wireshark_esp_sa_line("2001:db8::1", "*", 1, c.transform, c.encr_r, c.integ_r),
              "\"IPv6\",\"2001:db8::1\",\"*\",\"0x00000001\",\"AES-CBC [RFC3602]\",\"0x" + to_hex(c.encr_r) +
                  "\",\"HMAC-SHA-1-96 [RFC2404]\",\"0x" + to_hex(c.integ_r) + "\"");
    EXPECT_THROW(
        wireshark_esp_sa_line("*", "*", 1, {encr_alg::aes_cbc, 128, integ_alg::aes_xcbc_96}, Bytes(16), Bytes(16)),
        std::invalid_argument);
}

}  // namespace

// ---- both directions from what the exchange gave ------------------------------------------------------------------

namespace {

TEST(InitiatorTunnel, EachDirectionWithItsSpiAndKeys) {
    const Bytes ni = vec("ni"), nr = vec("nr");
    const IkeSaKeys ike =
        derive_ike_sa_keys(prf_alg::hmac_sha2_256, encr_alg::aes_cbc, 256, integ_alg::hmac_sha2_256_128, ni, nr,
                           Bytes(32, 7), Bytes(8, 1), Bytes(8, 2));
    Proposal chosen = parse_proposal("aes128gcm16", ProtocolId::esp, 1);
    chosen.spi = {0xc2, 0, 0, 1};
    auto tunnel = make_initiator_tunnel(ike, ni, nr, chosen, 0x0000c001, nullptr);
    ASSERT_TRUE(tunnel) << tunnel.error().to_string();
    EXPECT_EQ(tunnel->outbound.spi(), 0xc2000001u) << "we send with the server's SPI";
    EXPECT_EQ(tunnel->inbound.spi(), 0x0000c001u) << "the server sends with ours";
    EXPECT_EQ(tunnel->keys.encr_i,
              derive_child_sa_keys(prf_alg::hmac_sha2_256, ike.sk_d, tunnel->choice.transform, ni, nr).encr_i);

    // The server's side of the same SA, built from the same keys the other way round.
    EspReceiver server_in(0xc2000001, initiator_to_responder_cipher(tunnel->keys));
    EspSender server_out(0x0000c001, responder_to_initiator_cipher(tunnel->keys));
    auto at_server = server_in.open(tunnel.value().outbound.seal_ip(inner_echo()));
    ASSERT_TRUE(at_server) << at_server.error().to_string();
    EXPECT_EQ(at_server->payload, inner_echo());
    auto at_probe = tunnel.value().inbound.open(server_out.seal_ip(inner_echo()));
    ASSERT_TRUE(at_probe) << at_probe.error().to_string();
    // Our own packet coming back (a reflecting middlebox) has the server's SPI: not ours to open.
    auto reflected = tunnel.value().inbound.open(tunnel.value().outbound.seal_ip(inner_echo()));
    ASSERT_FALSE(reflected);
    EXPECT_EQ(reflected.error().code, "wrong_spi");

    const std::string lines = tunnel->wireshark_lines("192.0.2.10", "198.51.100.1");
    EXPECT_EQ(lines, wireshark_esp_sa_line("192.0.2.10", "198.51.100.1", 0xc2000001, tunnel->keys.transform,
                                           tunnel->keys.encr_i, {}) +
                         "\n" +
                         wireshark_esp_sa_line("198.51.100.1", "192.0.2.10", 0x0000c001, tunnel->keys.transform,
                                               tunnel->keys.encr_r, {}) +
                         "\n");

    chosen = parse_proposal("des-sha1", ProtocolId::esp, 1);
    chosen.spi = {1, 2, 3, 4};
    auto refused = make_initiator_tunnel(ike, ni, nr, chosen, 0x0000c001, nullptr);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, "unsupported");
}

}  // namespace
