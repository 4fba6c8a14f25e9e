// strongSwan proposal strings: parsing into transforms (with strongSwan's implied PRF, AEAD and ESN rules),
// formatting back, and the error messages for strings that do not parse.
#include <gtest/gtest.h>

#include <string>

#include "protocol/ikev2/ikev2_message.hpp"
#include "protocol/ikev2/ikev2_proposal.hpp"

using namespace vpnprobe::protocol;
using namespace vpnprobe::protocol::ikev2;

namespace {

Transform t(TransformType type, std::uint16_t id, std::optional<std::uint16_t> key_length = std::nullopt) {
    return Transform(type, id, key_length);
}

std::string parse_error(std::string_view text, ProtocolId protocol = ProtocolId::ike) {
    try {
        parse_proposal(text, protocol);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    ADD_FAILURE() << "'" << text << "' parsed";
    return "";
}

}  // namespace

TEST(Ikev2Proposal, ClassicCipherWithImpliedPrf) {
    Proposal p = parse_proposal("aes256-sha256-modp2048");
    EXPECT_EQ(p.number, 1);
    EXPECT_EQ(p.protocol, static_cast<std::uint8_t>(ProtocolId::ike));
    EXPECT_TRUE(p.spi.empty());
    EXPECT_EQ(p.transforms,
              (std::vector<Transform>{
                  t(TransformType::encr, encr_alg::aes_cbc, 256), t(TransformType::integ, integ_alg::hmac_sha2_256_128),
                  t(TransformType::prf, prf_alg::hmac_sha2_256), t(TransformType::ke, dh_group::modp2048)}));
    EXPECT_EQ(describe(p), "IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048");
    EXPECT_EQ(format_proposal(p), "aes256-sha256-modp2048");
}

TEST(Ikev2Proposal, AeadCipherWithExplicitPrf) {
    Proposal p = parse_proposal("aes128gcm16-prfsha256-ecp256");
    EXPECT_EQ(p.transforms, (std::vector<Transform>{t(TransformType::encr, encr_alg::aes_gcm_16, 128),
                                                    t(TransformType::prf, prf_alg::hmac_sha2_256),
                                                    t(TransformType::ke, dh_group::ecp256)}));
    EXPECT_EQ(p.first(TransformType::integ), nullptr);
    EXPECT_EQ(describe(p), "IKE:AES_GCM_16_128/PRF_HMAC_SHA2_256/ECP_256");
    EXPECT_EQ(format_proposal(p), "aes128gcm16-prfsha256-ecp256");
}

TEST(Ikev2Proposal, LegacyWindowsDefault) {
    Proposal p = parse_proposal("3des-sha1-modp1024");
    EXPECT_EQ(p.transforms, (std::vector<Transform>{t(TransformType::encr, encr_alg::triple_des),  // no Key Length
                                                    t(TransformType::integ, integ_alg::hmac_sha1_96),
                                                    t(TransformType::prf, prf_alg::hmac_sha1),
                                                    t(TransformType::ke, dh_group::modp1024)}));
    EXPECT_EQ(describe(p), "IKE:3DES_CBC/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024");
    EXPECT_EQ(format_proposal(p), "3des-sha1-modp1024");
}

TEST(Ikev2Proposal, StrongswanRules) {
    // An integrity keyword with an AEAD cipher only names the PRF, as in strongSwan.
    EXPECT_EQ(parse_proposal("aes128gcm16-sha256-ecp256"), parse_proposal("aes128gcm16-prfsha256-ecp256"));
    // An explicit PRF wins over the implied one and is printed.
    Proposal explicit_prf = parse_proposal("aes256-sha256-prfsha384-modp2048");
    EXPECT_EQ(explicit_prf.of_type(TransformType::prf),
              (std::vector<Transform>{t(TransformType::prf, prf_alg::hmac_sha2_384)}));
    EXPECT_EQ(format_proposal(explicit_prf), "aes256-sha256-prfsha384-modp2048");
    // Several algorithms per type: one PRF per integrity algorithm, wire order ENCR/INTEG/PRF/KE whatever the
    // order written, repeats dropped.
    Proposal many = parse_proposal("modp2048-aes128-sha256-aes256-sha1-ecp256-aes128");
    EXPECT_EQ(describe(many),
              "IKE:AES_CBC_128/AES_CBC_256/HMAC_SHA2_256_128/HMAC_SHA1_96/PRF_HMAC_SHA2_256/"
              "PRF_HMAC_SHA1/MODP_2048/ECP_256");
    EXPECT_EQ(format_proposal(many), "aes128-aes256-sha256-sha1-modp2048-ecp256");
    // Aliases.
    EXPECT_EQ(parse_proposal("aes-sha-modp2048"), parse_proposal("aes128-sha1-modp2048"));
    EXPECT_EQ(parse_proposal("aes256gcm128-prfsha384-x25519"), parse_proposal("aes256gcm16-prfsha384-curve25519"));
    EXPECT_EQ(parse_proposal("aes256-sha2_256-modp2048"), parse_proposal("aes256-sha256-modp2048"));
    // ChaCha20-Poly1305 has a fixed key: no Key Length attribute (RFC 7634).
    Proposal chacha = parse_proposal("chacha20poly1305-prfsha512-curve25519");
    EXPECT_FALSE(chacha.transforms.at(0).key_length.has_value());
    EXPECT_EQ(describe(chacha), "IKE:CHACHA20_POLY1305/PRF_HMAC_SHA2_512/CURVE_25519");
    // XCBC: its PRF is derived too.
    EXPECT_EQ(describe(parse_proposal("aes128-aesxcbc-modp2048")),
              "IKE:AES_CBC_128/AES_XCBC_96/PRF_AES128_XCBC/MODP_2048");
}

TEST(Ikev2Proposal, EspAndAh) {
    Proposal gcm = parse_proposal("aes128gcm16-ecp256", ProtocolId::esp);
    EXPECT_EQ(gcm.protocol, static_cast<std::uint8_t>(ProtocolId::esp));
    EXPECT_EQ(describe(gcm), "ESP:AES_GCM_16_128/ECP_256/NO_EXT_SEQ");
    EXPECT_EQ(format_proposal(gcm), "aes128gcm16-ecp256");
    Proposal cbc = parse_proposal("aes256-sha256", ProtocolId::esp);
    EXPECT_EQ(describe(cbc), "ESP:AES_CBC_256/HMAC_SHA2_256_128/NO_EXT_SEQ");
    Proposal esn = parse_proposal("aes256-sha256-esn-noesn", ProtocolId::esp);
    EXPECT_EQ(describe(esn), "ESP:AES_CBC_256/HMAC_SHA2_256_128/EXT_SEQ/NO_EXT_SEQ");
    EXPECT_EQ(format_proposal(esn), "aes256-sha256-esn-noesn");
    EXPECT_EQ(parse_proposal("aes256-sha256-prfsha256", ProtocolId::esp), cbc);  // ESP takes no PRF
    EXPECT_EQ(describe(parse_proposal("sha256", ProtocolId::ah)), "AH:HMAC_SHA2_256_128/NO_EXT_SEQ");
    EXPECT_EQ(parse_error("aes256-sha256", ProtocolId::ah), "encryption algorithm in AH proposal 'aes256-sha256'");
    EXPECT_EQ(parse_error("aes256", ProtocolId::esp), "no integrity algorithm in proposal 'aes256'");
}

TEST(Ikev2Proposal, ListsAsInSwanctlConf) {
    auto list = parse_proposals("aes256-sha256-ecp256, aes128gcm16-prfsha256-ecp256, aes256-sha256-modp2048");
    ASSERT_EQ(list.size(), 3u);
    for (std::size_t i = 0; i < list.size(); ++i) EXPECT_EQ(list[i].number, i + 1);
    EXPECT_EQ(format_proposal(list[1]), "aes128gcm16-prfsha256-ecp256");
    EXPECT_THROW(parse_proposals("aes256-sha256-ecp256,,3des-sha1-modp1024"), std::invalid_argument);
    EXPECT_THROW(parse_proposals(""), std::invalid_argument);
}

TEST(Ikev2Proposal, Errors) {
    EXPECT_EQ(parse_error("aes257-sha256-modp2048"), "unknown algorithm 'aes257' in 'aes257-sha256-modp2048'");
    EXPECT_EQ(parse_error("AES256-sha256-modp2048"), "unknown algorithm 'AES256' in 'AES256-sha256-modp2048'");
    EXPECT_EQ(parse_error("aes256-prf-sha256-modp2048"), "unknown algorithm 'prf' in 'aes256-prf-sha256-modp2048'");
    EXPECT_EQ(parse_error("aes256--sha256-modp2048"), "empty algorithm name in 'aes256--sha256-modp2048'");
    EXPECT_EQ(parse_error("aes256-sha256-"), "empty algorithm name in 'aes256-sha256-'");
    EXPECT_EQ(parse_error(""), "empty proposal");
    EXPECT_EQ(parse_error("aes256-sha256"), "no key exchange method (DH group) in IKE proposal 'aes256-sha256'");
    EXPECT_EQ(parse_error("aes256-modp2048"), "no integrity algorithm in IKE proposal 'aes256-modp2048'");
    EXPECT_EQ(parse_error("aes256-sha1_160-modp2048"), "no PRF in IKE proposal 'aes256-sha1_160-modp2048'");
    EXPECT_EQ(parse_error("aes256-prfsha256-modp2048"),
              "no integrity algorithm in IKE proposal 'aes256-prfsha256-modp2048'");
    EXPECT_EQ(parse_error("aes128gcm16-ecp256"),
              "no PRF in IKE proposal 'aes128gcm16-ecp256' (an AEAD cipher needs one named, e.g. prfsha256)");
    EXPECT_EQ(parse_error("sha256-modp2048"), "no encryption algorithm in IKE proposal 'sha256-modp2048'");
    EXPECT_EQ(parse_error("aes128gcm16-aes256-prfsha256-ecp256"),
              "AEAD and non-AEAD encryption algorithms cannot share a proposal: 'aes128gcm16-aes256-prfsha256-ecp256'");
    EXPECT_EQ(parse_error("aes256-sha256-modp2048-esn"), "ESN keyword in IKE proposal 'aes256-sha256-modp2048-esn'");
}

TEST(Ikev2Proposal, FormatRefusesWhatStrongswanCannotName) {
    Proposal p = parse_proposal("aes256-sha256-modp2048");
    p.transforms[0].key_length = 100;
    EXPECT_THROW(format_proposal(p), std::invalid_argument);
    p = parse_proposal("aes256-sha256-modp2048");
    p.transforms.push_back(Transform(TransformType::ke, 999));
    EXPECT_THROW(format_proposal(p), std::invalid_argument);
    p = parse_proposal("aes256-sha256-modp2048");
    p.transforms.push_back(Transform(static_cast<TransformType>(6), dh_group::mlkem768));  // ADDKE1
    EXPECT_THROW(format_proposal(p), std::invalid_argument);
    EXPECT_EQ(describe(p), "IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048/KE1_ML_KEM_768");
}

TEST(Ikev2Proposal, EveryKeywordRoundTrips) {
    const char* encryption[] = {"3des",      "aes128",      "aes192",      "aes256",
                                "aes128ctr", "camellia256", "blowfish128", "cast128"};
    const char* aead[] = {"aes128gcm8", "aes256gcm12", "aes192gcm16", "aes128ccm8", "aes256ccm16", "chacha20poly1305"};
    const char* integrity[] = {"md5", "sha1", "sha256", "sha384", "sha512", "aesxcbc", "aescmac"};
    const char* prfs[] = {"prfmd5", "prfsha1", "prfsha256", "prfsha384", "prfsha512", "prfaesxcbc", "prfaescmac"};
    const char* groups[] = {"modp768",    "modp1024", "modp1536",     "modp2048", "modp3072", "modp4096",
                            "modp6144",   "modp8192", "ecp256",       "ecp384",   "ecp521",   "ecp256bp",
                            "curve25519", "curve448", "modp2048s256", "mlkem768"};
    std::vector<std::string> strings;
    for (const char* e : encryption)
        for (const char* i : integrity) strings.push_back(std::string(e) + "-" + i + "-modp2048");
    for (const char* a : aead)
        for (const char* p : prfs) strings.push_back(std::string(a) + "-" + p + "-ecp256");
    for (const char* g : groups) strings.push_back(std::string("aes256-sha256-") + g);
    for (const auto& s : strings) {
        SCOPED_TRACE(s);
        Proposal p = parse_proposal(s);
        EXPECT_EQ(format_proposal(p), s);
        // Through the wire and back.
        Message m;
        m.payloads = {SaPayload{{p}}};
        auto decoded = decode_message(encode_message(m));
        ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
        EXPECT_EQ(decoded->find<SaPayload>()->proposals.at(0), p);
    }
}

// A responder must choose one transform of each offered type, each one offered (RFC 7296 3.3.6).
TEST(Ikev2Proposal, ChosenProposalIsCheckedAgainstTheOffer) {
    auto offered = parse_proposals("aes256-aes128-sha256-modp2048-ecp256, aes128gcm16-prfsha256-ecp384");
    auto good = parse_proposal("aes128-sha256-ecp256", ProtocolId::ike, 1);
    EXPECT_EQ(check_chosen_proposal(offered, good), "");
    EXPECT_EQ(check_chosen_proposal(offered, parse_proposal("aes128gcm16-prfsha256-ecp384", ProtocolId::ike, 2)), "");

    auto not_offered = parse_proposal("3des-sha256-modp2048", ProtocolId::ike, 1);
    EXPECT_NE(check_chosen_proposal(offered, not_offered).find("was not offered in proposal 1"), std::string::npos);
    auto key_length = parse_proposal("aes192-sha256-modp2048", ProtocolId::ike, 1);
    EXPECT_NE(check_chosen_proposal(offered, key_length), "") << "AES-192 was not offered, only 256 and 128";
    auto wrong_number = parse_proposal("aes128gcm16-prfsha256-ecp384", ProtocolId::ike, 7);
    EXPECT_NE(check_chosen_proposal(offered, wrong_number).find("number 7 was not offered"), std::string::npos);
    auto two_groups = parse_proposal("aes128-sha256-modp2048-ecp256", ProtocolId::ike, 1);
    EXPECT_NE(check_chosen_proposal(offered, two_groups).find("more than one transform"), std::string::npos);
    Proposal no_ke = parse_proposal("aes128-sha256-ecp256", ProtocolId::ike, 1);
    no_ke.transforms.pop_back();
    EXPECT_NE(check_chosen_proposal(offered, no_ke).find("no transform of type 4"), std::string::npos);
    auto esp = parse_proposal("aes128-sha256", ProtocolId::esp, 1);
    EXPECT_NE(check_chosen_proposal(offered, esp), "");
}
