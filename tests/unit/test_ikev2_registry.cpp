// The IKEv2 algorithm table (ikev2_registry.hpp's Algorithm rows) is consistent with itself and with the code
// that reads it: no duplicate IDs, names or keywords; AEAD ciphers never take an INTEG transform; every cipher
// the table marks as supported seals and opens, and every other one is refused; the DH code produces KE data of
// the table's size; every keyword names a row and round-trips through the proposal parser; the probe's presets
// use only what is implemented.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "probes/ikev2/ikev2_presets.hpp"
#include "protocol/ikev2/ikev2_crypto_cipher.hpp"
#include "protocol/ikev2/ikev2_crypto_dh.hpp"
#include "protocol/ikev2/ikev2_proposal.hpp"
#include "protocol/ikev2/ikev2_registry.hpp"
#include "protocol/ikev2/ikev2_sk.hpp"

namespace {

using namespace vpnprobe::protocol;
using namespace vpnprobe::protocol::ikev2;

std::string row_name(const Algorithm& a) {
    return transform_type_name(static_cast<std::uint8_t>(a.type)) + " " + std::to_string(a.id) + " " +
           std::string(a.name);
}

// The key lengths a row allows, as Key Length attribute values (0: no attribute).
std::vector<std::uint16_t> key_bits_of(const Algorithm& a) {
    if (!a.key_length_attribute) return {0};
    std::vector<std::uint16_t> out;
    for (std::uint16_t b : a.key_lengths)
        if (b != 0) out.push_back(b);
    return out;
}

TEST(Ikev2Registry, NoDuplicateIdsOrNames) {
    std::set<std::pair<TransformType, std::uint16_t>> ids;
    std::set<std::pair<TransformType, std::string_view>> names;
    int encr = 0;
    for (const Algorithm& a : algorithms()) {
        SCOPED_TRACE(row_name(a));
        EXPECT_TRUE(ids.insert({a.type, a.id}).second) << "duplicate id";
        EXPECT_TRUE(names.insert({a.type, a.name}).second) << "duplicate name";
        EXPECT_FALSE(a.name.empty());
        EXPECT_FALSE(a.display_name.empty());
        EXPECT_EQ(find_algorithm(a.type, a.id), &a);
        EXPECT_EQ(transform_id_name(static_cast<std::uint8_t>(a.type), a.id), a.name);
        if (a.type == TransformType::encr) ++encr;
        // Columns that belong to another transform type stay empty.
        if (a.type != TransformType::encr) {
            EXPECT_FALSE(a.aead || a.key_length_attribute || a.fixed_key_bits || a.iv_size || a.block_size ||
                         a.salt_size);
        }
        if (a.type != TransformType::ke) {
            EXPECT_EQ(a.ke_size, 0u);
        }
        if (a.type != TransformType::integ) {
            EXPECT_TRUE(a.digest.empty() && a.derived_prf == 0);
        }
    }
    EXPECT_GE(encr, 30) << "the IANA ENCR registry up to 35";
    EXPECT_EQ(find_algorithm(TransformType::encr, 999), nullptr);
    EXPECT_EQ(transform_id_name(1, 999), "ENCR_999");
    // ADDKE1..7 take KE method IDs (RFC 9370).
    EXPECT_EQ(find_algorithm(static_cast<TransformType>(6), dh_group::ecp256),
              find_algorithm(TransformType::ke, dh_group::ecp256));
}

TEST(Ikev2Registry, AeadCiphersTakeNoIntegrity) {
    int aead = 0;
    for (const Algorithm& a : algorithms()) {
        if (a.type != TransformType::encr || !a.aead) continue;
        SCOPED_TRACE(row_name(a));
        ++aead;
        EXPECT_TRUE(is_aead(a.id));
        if (!a.sk_supported()) continue;
        EXPECT_EQ(a.block_size, 1u) << "a stream mode pads to one byte";
        EXPECT_GT(a.icv_size, 0u) << "the tag";
        EXPECT_EQ(a.salt_size, 4u) << "RFC 5282, RFC 7634";
        for (std::uint16_t bits : key_bits_of(a)) {
            for (const Algorithm& i : algorithms()) {
                if (i.type != TransformType::integ || !i.sk_supported() || i.id == integ_alg::none) continue;
                EXPECT_THROW(check_sk_transforms(a.id, bits, i.id), std::invalid_argument) << i.name;
            }
            EXPECT_NO_THROW(check_sk_transforms(a.id, bits, integ_alg::none));
        }
        // The parser drops integrity from a proposal with an AEAD cipher, as strongSwan does.
        for (std::uint16_t bits : key_bits_of(a)) {
            auto kw = algorithm_keyword(TransformType::encr, a.id, bits);
            if (!kw) continue;
            const Proposal p = parse_proposal(std::string(*kw) + "-sha256-modp2048");
            EXPECT_EQ(p.first(TransformType::integ), nullptr) << *kw;
        }
    }
    EXPECT_GE(aead, 11);
    // And the non-AEAD ones need one.
    EXPECT_THROW(check_sk_transforms(encr_alg::aes_cbc, 128, integ_alg::none), std::invalid_argument);
}

TEST(Ikev2Registry, EverySupportedCipherSealsAndOpensAndNoOtherDoes) {
    int suites = 0;
    for (const Algorithm& e : algorithms()) {
        if (e.type != TransformType::encr) continue;
        SCOPED_TRACE(row_name(e));
        for (std::uint16_t bits : {0, 64, 128, 192, 256}) {
            EXPECT_EQ(is_supported_encr(e.id, bits), e.sk_supported() && e.allows_key_bits(bits)) << bits;
        }
        if (!e.sk_supported()) {
            for (std::uint16_t bits : key_bits_of(e))
                EXPECT_THROW(encr_key_material_size(e.id, bits), std::invalid_argument);
            continue;
        }
        for (const Algorithm& i : algorithms()) {
            if (i.type != TransformType::integ) continue;
            EXPECT_EQ(is_supported_integ(i.id), i.sk_supported()) << i.name;
            if (!i.sk_supported() || (i.id == integ_alg::none) != e.aead) continue;
            for (std::uint16_t bits : key_bits_of(e)) {
                SCOPED_TRACE(std::string(i.name) + " key bits " + std::to_string(bits));
                const SkCipher c(e.id, bits, i.id, Bytes(encr_key_material_size(e.id, bits), 0x11),
                                 Bytes(integ_key_size(i.id), 0x22));
                EXPECT_EQ(c.iv_size(), e.iv_size);
                EXPECT_EQ(c.block_size(), e.block_size);
                EXPECT_EQ(c.icv_size(), e.aead ? e.icv_size : i.icv_size);
                Header h;
                h.spi_i = 1;
                h.spi_r = 2;
                h.exchange = ExchangeType::informational;
                const std::vector<Payload> payloads = {NotifyPayload{0, {}, notify::initial_contact, {}}};
                const auto opened = open_message(seal_message(h, payloads, c), c);
                ASSERT_TRUE(opened.ok()) << opened.error().to_string();
                EXPECT_EQ(opened->payloads, payloads);
                ++suites;
            }
        }
    }
    EXPECT_EQ(suites, 34) << "3DES and AES-CBC-128/192/256 x 6 integrity, AES-GCM-8/12/16 x 3, ChaCha20-Poly1305";
}

TEST(Ikev2Registry, KeSizesMatchTheKeyExchangeCode) {
    int implemented = 0;
    for (const Algorithm& a : algorithms()) {
        if (a.type != TransformType::ke) continue;
        SCOPED_TRACE(row_name(a));
        EXPECT_EQ(ke_data_size(a.id), a.ke_size ? std::optional<std::size_t>(a.ke_size) : std::nullopt);
        EXPECT_EQ(dh_group_description(a.id), a.description);
        if (!is_supported_dh_group(a.id)) continue;
        ++implemented;
        ASSERT_GT(a.ke_size, 0u);
        EXPECT_EQ(KeyExchange(a.id).public_value().size(), a.ke_size);
    }
    EXPECT_EQ(implemented, 12);
}

TEST(Ikev2Registry, EveryKeywordNamesARowAndRoundTrips) {
    // The canonical keyword of every row and key length that has one, and every keyword through its row.
    std::set<std::string_view> seen;
    int canonical = 0;
    for (const Algorithm& a : algorithms()) {
        if (a.type == TransformType::esn) continue;
        for (std::uint16_t bits : key_bits_of(a)) {
            auto kw = algorithm_keyword(a.type, a.id, bits);
            if (!kw) continue;
            SCOPED_TRACE(std::string(*kw));
            ++canonical;
            EXPECT_TRUE(seen.insert(*kw).second) << "keyword used twice";
            auto found = find_algorithm_keyword(*kw);
            ASSERT_TRUE(found);
            EXPECT_EQ(found->type, a.type);
            EXPECT_EQ(found->id, a.id);
            EXPECT_EQ(found->key_length, bits);
            // Through the parser: a whole proposal around it, and back.
            std::string text;
            switch (a.type) {
            case TransformType::encr:
                text = a.aead ? std::string(*kw) + "-prfsha256-ecp256" : std::string(*kw) + "-sha256-modp2048";
                break;
            case TransformType::integ:
                // strongSwan derives no PRF from some (HMAC_MD5_128, HMAC_SHA1_160): name one then.
                text = "aes256-" + std::string(*kw) + (a.derived_prf ? "" : "-prfsha256") + "-modp2048";
                break;
            case TransformType::prf:
                text = "aes256gcm16-" + std::string(*kw) + "-modp2048";
                break;
            default:
                text = "aes256-sha256-" + std::string(*kw);
                break;
            }
            const Proposal p = parse_proposal(text);
            EXPECT_EQ(format_proposal(p), text);
            const Transform* t = p.first(a.type);
            ASSERT_NE(t, nullptr);
            EXPECT_EQ(t->id, a.id);
            EXPECT_EQ(t->key_length.value_or(0), bits);
        }
    }
    EXPECT_GE(canonical, 60);
    // Integrity algorithms strongSwan derives a PRF from name an existing PRF row.
    for (const Algorithm& a : algorithms()) {
        if (a.derived_prf != 0) {
            EXPECT_NE(find_algorithm(TransformType::prf, a.derived_prf), nullptr) << a.name;
        }
    }
}

// What the probe's keylog writes today (probes/ikev2/ikev2_probe.cpp, wireshark_encr_name/wireshark_integ_name):
// the table gives the same names, so the probe can switch to it, except for AES-XCBC-96 (below). That the names
// are Wireshark's own is checked by tshark in test_ikev2_sk.
TEST(Ikev2Registry, WiresharkNamesAreThoseOfTheKeylog) {
    using T = TransformType;
    EXPECT_EQ(wireshark_algorithm_name(T::encr, encr_alg::triple_des, 0), "3DES [RFC2451]");
    EXPECT_EQ(wireshark_algorithm_name(T::encr, encr_alg::aes_cbc, 256), "AES-CBC-256 [RFC3602]");
    EXPECT_EQ(wireshark_algorithm_name(T::encr, encr_alg::aes_ctr, 128), "AES-CTR-128 [RFC5930]");
    EXPECT_EQ(wireshark_algorithm_name(T::encr, encr_alg::aes_gcm_8, 128), "AES-GCM-128 with 8 octet ICV [RFC5282]");
    EXPECT_EQ(wireshark_algorithm_name(T::encr, encr_alg::aes_gcm_12, 192), "AES-GCM-192 with 12 octet ICV [RFC5282]");
    EXPECT_EQ(wireshark_algorithm_name(T::encr, encr_alg::aes_gcm_16, 256), "AES-GCM-256 with 16 octet ICV [RFC5282]");
    EXPECT_EQ(wireshark_algorithm_name(T::encr, encr_alg::null, 0), "NULL [RFC2410]");
    EXPECT_EQ(wireshark_algorithm_name(T::encr, encr_alg::chacha20_poly1305, 0), std::nullopt);
    EXPECT_EQ(wireshark_algorithm_name(T::integ, integ_alg::none, 0), "NONE [RFC4306]");
    EXPECT_EQ(wireshark_algorithm_name(T::integ, integ_alg::hmac_md5_96, 0), "HMAC_MD5_96 [RFC2403]");
    EXPECT_EQ(wireshark_algorithm_name(T::integ, integ_alg::hmac_sha1_96, 0), "HMAC_SHA1_96 [RFC2404]");
    // The probe's keylog prints "AES_XCBC_96 [RFC3566]", a name Wireshark (4.0, packet-isakmp.c) does not have and
    // refuses ("invalid value"): the table says it has none.
    EXPECT_EQ(wireshark_algorithm_name(T::integ, integ_alg::aes_xcbc_96, 0), std::nullopt);
    EXPECT_EQ(wireshark_algorithm_name(T::integ, integ_alg::hmac_sha2_256_128, 0), "HMAC_SHA2_256_128 [RFC4868]");
    EXPECT_EQ(wireshark_algorithm_name(T::integ, integ_alg::hmac_sha2_384_192, 0), "HMAC_SHA2_384_192 [RFC4868]");
    EXPECT_EQ(wireshark_algorithm_name(T::integ, integ_alg::hmac_sha2_512_256, 0), "HMAC_SHA2_512_256 [RFC4868]");
    EXPECT_EQ(wireshark_algorithm_name(T::integ, integ_alg::aes_cmac_96, 0), std::nullopt);
    EXPECT_EQ(wireshark_algorithm_name(T::prf, prf_alg::hmac_sha2_256, 0), std::nullopt);
}

// Every proposal of every preset and of the weak audit resolves through the table to algorithms the probe can
// run: a preset naming an unimplemented cipher or group would fail only against a server that picks it.
TEST(Ikev2Registry, PresetsUseOnlyImplementedAlgorithms) {
    std::vector<std::string> proposals;
    for (const auto& name : vpnprobe::probes::ikev2_preset_names())
        for (const auto& p : vpnprobe::probes::ikev2_preset(name)) proposals.push_back(p);
    for (const auto& w : vpnprobe::probes::ikev2_weak_offers()) proposals.push_back(w.proposal);
    // The weak offers' group texts come from the table's descriptions, unchanged from when they were typed in.
    const auto weak = vpnprobe::probes::ikev2_weak_offers();
    ASSERT_EQ(weak.size(), 5u);
    EXPECT_EQ(weak[3].why_weak, "DH group 2 (1024-bit MODP)");
    EXPECT_EQ(weak[4].why_weak, "DH group 5 (1536-bit MODP)");
    ASSERT_GE(proposals.size(), 20u);
    for (const auto& text : proposals) {
        SCOPED_TRACE(text);
        const Proposal p = parse_proposal(text);
        for (const Transform& t : p.transforms) {
            const auto type = static_cast<TransformType>(t.type);
            const Algorithm* a = find_algorithm(type, t.id);
            ASSERT_NE(a, nullptr);
            switch (type) {
            case TransformType::encr:
                EXPECT_TRUE(a->sk_supported() && a->allows_key_bits(t.key_length.value_or(0))) << a->name;
                break;
            case TransformType::integ:
                EXPECT_TRUE(a->sk_supported()) << a->name;
                break;
            case TransformType::ke:
                EXPECT_TRUE(is_supported_dh_group(t.id)) << a->name;
                break;
            default:
                break;
            }
        }
    }
}

}  // namespace
