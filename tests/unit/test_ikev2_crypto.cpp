// IKEv2 cryptography: published known-answer vectors where they exist, independent constructions with plain
// OpenSSL calls where they do not, round trips and tampering for every transform combination.
//
// The tests use OpenSSL directly (the headers under test do not): to compute reference values a second way, and
// to make keys and certificates for the signature checks.
#include <gtest/gtest.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/bytes.hpp"
#include "protocol/ikev2/ikev2_crypto_auth.hpp"
#include "protocol/ikev2/ikev2_crypto_cipher.hpp"
#include "protocol/ikev2/ikev2_crypto_dh.hpp"
#include "protocol/ikev2/ikev2_crypto_prf.hpp"
#include "protocol/ikev2/ikev2_keys.hpp"
#include "protocol/ikev2/ikev2_message.hpp"
#include "protocol/ikev2/ikev2_registry.hpp"

using namespace vpnprobe::protocol;
using namespace vpnprobe::protocol::ikev2;

namespace {

// ---- helpers ---------------------------------------------------------------------------------------------

// Normalises a hex literal as printed in an RFC (spaces, upper case) to to_hex()'s form, for readable failures.
std::string h(std::string_view hex) { return to_hex(from_hex(hex)); }

Bytes ascii(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes repeat(std::uint8_t b, std::size_t n) { return Bytes(n, b); }

Bytes counting(std::uint8_t first, std::size_t n) {
    Bytes out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(first + i);
    return out;
}

Bytes cat(std::initializer_list<ByteView> parts) {
    Bytes out;
    for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

Bytes slice(ByteView v, std::size_t offset, std::size_t n) {
    return Bytes(v.begin() + static_cast<std::ptrdiff_t>(offset), v.begin() + static_cast<std::ptrdiff_t>(offset + n));
}

// HMAC through OpenSSL's one-shot API: a reference independent of the code under test.
Bytes reference_hmac(const char* digest, ByteView key, ByteView data) {
    Bytes out(64);
    std::size_t len = 0;
    const unsigned char* k = key.empty() ? reinterpret_cast<const unsigned char*>("") : key.data();
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, k, key.size(), data.data(), data.size(), out.data(),
                  out.size(), &len) == nullptr) {
        throw std::runtime_error("EVP_Q_mac failed");
    }
    out.resize(len);
    return out;
}

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// ---- HMAC and PRF known answers ----------------------------------------------------------------------------

struct HmacCase {
    const char* name;
    Bytes key;
    Bytes data;
    std::string sha256;
    std::string sha384;
    std::string sha512;
};

// RFC 4231 section 4, test cases 1-4, 6 and 7. RFC 4868 section 2.7.1 reuses exactly these six as its PRF test
// vectors PRF-1 .. PRF-6 for PRF-HMAC-SHA-256/384/512, so they are checked through prf() with the PRF IDs.
std::vector<HmacCase> rfc4231_cases() {
    return {
        {"case 1", repeat(0x0b, 20), ascii("Hi There"),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
         "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
         "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb"
         "61f1702e696c203a126854"},
        {"case 2", ascii("Jefe"), ascii("what do ya want for nothing?"),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
         "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
         "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d"
         "4a6b4b636e070a38bce737"},
        {"case 3", repeat(0xaa, 20), repeat(0xdd, 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
         "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27",
         "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337be"
         "e8942674278859e13292fb"},
        {"case 4", counting(0x01, 25), repeat(0xcd, 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
         "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb",
         "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f1974112"
         "0c4f2de2adebeb10a298dd"},
        {"case 6", repeat(0xaa, 131), ascii("Test Using Larger Than Block-Size Key - Hash Key First"),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
         "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
         "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f6"
         "3f0aec8b915a985d786598"},
        {"case 7", repeat(0xaa, 131),
         ascii("This is a test using a larger than block-size key and a larger than block-size data. The key needs to "
               "be hashed before being used by the HMAC algorithm."),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
         "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e",
         "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6d"
         "e0446065c97440fa8c6a58"},
    };
}

TEST(Ikev2Prf, Rfc4231AndRfc4868PrfVectors) {
    for (const HmacCase& c : rfc4231_cases()) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(to_hex(prf(prf_alg::hmac_sha2_256, c.key, c.data)), c.sha256);
        EXPECT_EQ(to_hex(prf(prf_alg::hmac_sha2_384, c.key, c.data)), c.sha384);
        EXPECT_EQ(to_hex(prf(prf_alg::hmac_sha2_512, c.key, c.data)), c.sha512);
    }
    // RFC 4231 case 5 gives only the first 128 bits ("Test With Truncation").
    const Bytes key = repeat(0x0c, 20);
    const Bytes data = ascii("Test With Truncation");
    EXPECT_EQ(to_hex(slice(hmac("SHA256", key, data), 0, 16)), "a3b6167473100ee06e0c796c2955552b");
    EXPECT_EQ(to_hex(slice(hmac("SHA384", key, data), 0, 16)), "3abf34c3503b2a23a46efc619baef897");
    EXPECT_EQ(to_hex(slice(hmac("SHA512", key, data), 0, 16)), "415fad6271580a531d4179bc891d87a6");
}

TEST(Ikev2Prf, Rfc2202HmacSha1AndMd5) {
    struct Case {
        Bytes key;
        Bytes data;
        std::string sha1;
        Bytes md5_key;
        std::string md5;
    };
    const Bytes block_key = repeat(0xaa, 80);
    const std::vector<Case> cases = {
        {repeat(0x0b, 20), ascii("Hi There"), "b617318655057264e28bc0b6fb378c8ef146be00", repeat(0x0b, 16),
         "9294727a3638bb1c13f48ef8158bfc9d"},
        {ascii("Jefe"), ascii("what do ya want for nothing?"), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
         ascii("Jefe"), "750c783e6ab0b503eaa86e310a5db738"},
        {repeat(0xaa, 20), repeat(0xdd, 50), "125d7342b9ac11cd91a39af48aa17b4f63f175d3", repeat(0xaa, 16),
         "56be34521d144c88dbb8c733f0e8b3f6"},
        {counting(0x01, 25), repeat(0xcd, 50), "4c9007f4026250c6bc8414f9bf50c86c2d7235da", counting(0x01, 25),
         "697eaf0aca3a3aea3a75164746ffaa79"},
        {repeat(0x0c, 20), ascii("Test With Truncation"), "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04", repeat(0x0c, 16),
         "56461ef2342edc00f9bab995690efd4c"},
        {block_key, ascii("Test Using Larger Than Block-Size Key - Hash Key First"),
         "aa4ae5e15272d00e95705637ce8a3b55ed402112", block_key, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"},
        {block_key, ascii("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"),
         "e8e99d0f45237d786d6bbaa7965c7808bbff1a91", block_key, "6f630fad67cda0ee1fb1f562db3aa53e"},
    };
    for (std::size_t i = 0; i < cases.size(); ++i) {
        SCOPED_TRACE("RFC 2202 test case " + std::to_string(i + 1));
        EXPECT_EQ(to_hex(prf(prf_alg::hmac_sha1, cases[i].key, cases[i].data)), cases[i].sha1);
        EXPECT_EQ(to_hex(prf(prf_alg::hmac_md5, cases[i].md5_key, cases[i].data)), cases[i].md5);
    }
    // HMAC-SHA1-96 is the first 12 bytes (RFC 2404); RFC 2202 case 5 prints that truncation too.
    EXPECT_EQ(to_hex(integrity_checksum(integ_alg::hmac_sha1_96, repeat(0x0c, 20), ascii("Test With Truncation"))),
              "4c1a03424b55e07fe7f27be1");
}

// RFC 4868 section 2.7.2: authenticator vectors with keys of the full integrity key length, giving both the PRF
// output and the truncated ICV of AUTH_HMAC_SHA2_*.
TEST(Ikev2Prf, Rfc4868AuthenticatorVectors) {
    struct Case {
        const char* name;
        std::uint16_t prf_id;
        std::uint16_t integ_id;
        Bytes key;
        Bytes data;
        std::string full;
    };
    const std::vector<Case> cases = {
        {"AUTH256-1", prf_alg::hmac_sha2_256, integ_alg::hmac_sha2_256_128, repeat(0x0b, 32), ascii("Hi There"),
         "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7"},
        {"AUTH256-2", prf_alg::hmac_sha2_256, integ_alg::hmac_sha2_256_128, ascii("JefeJefeJefeJefeJefeJefeJefeJefe"),
         ascii("what do ya want for nothing?"), "167f928588c5cc2eef8e3093caa0e87c9ff566a14794aa61648d81621a2a40c6"},
        {"AUTH256-3", prf_alg::hmac_sha2_256, integ_alg::hmac_sha2_256_128, repeat(0xaa, 32), repeat(0xdd, 50),
         "cdcb1220d1ecccea91e53aba3092f962e549fe6ce9ed7fdc43191fbde45c30b0"},
        {"AUTH256-4", prf_alg::hmac_sha2_256, integ_alg::hmac_sha2_256_128, counting(0x01, 32), repeat(0xcd, 50),
         "372efcf9b40b35c2115b1346903d2ef42fced46f0846e7257bb156d3d7b30d3f"},
        {"AUTH384-1", prf_alg::hmac_sha2_384, integ_alg::hmac_sha2_384_192, repeat(0x0b, 48), ascii("Hi There"),
         "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee9737a959796489bddbc4c5df61d5b3297b4fb68dab9f1b582c2"},
        {"AUTH512-1", prf_alg::hmac_sha2_512, integ_alg::hmac_sha2_512_256, repeat(0x0b, 64), ascii("Hi There"),
         "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8ac2878ebd5803f6f0b61dbce5e251ff8789a4722c1"
         "be65aea45fd464e89f8f5b"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(to_hex(prf(c.prf_id, c.key, c.data)), c.full);
        const std::size_t icv = integ_icv_size(c.integ_id);
        EXPECT_EQ(to_hex(integrity_checksum(c.integ_id, c.key, c.data)), c.full.substr(0, 2 * icv));
    }
}

// RFC 3566 test cases 1-7 (AES-XCBC-MAC-96) and RFC 4434 (AES-XCBC-PRF-128 with keys of 16, 10 and 18 bytes).
TEST(Ikev2Prf, AesXcbcRfc3566AndRfc4434) {
    const Bytes key = counting(0x00, 16);
    struct Case {
        Bytes message;
        std::string mac;
    };
    const std::vector<Case> cases = {
        {{}, "75f0251d528ac01c4573dfd584d79f29"},
        {counting(0x00, 3), "5b376580ae2f19afe7219ceef172756f"},
        {counting(0x00, 16), "d2a246fa349b68a79998a4394ff7a263"},
        {counting(0x00, 20), "47f51b4564966215b8985c63055ed308"},
        {counting(0x00, 32), "f54f0ec8d2b9f3d36807734bd5283fd4"},
        {counting(0x00, 34), "becbb3bccdb518a30677d5481fb6b4d8"},
        {repeat(0x00, 1000), "f0dafee895db30253761103b5d84528f"},
    };
    for (std::size_t i = 0; i < cases.size(); ++i) {
        SCOPED_TRACE("RFC 3566 test case " + std::to_string(i + 1));
        EXPECT_EQ(to_hex(aes_xcbc_mac(key, cases[i].message)), cases[i].mac);
        EXPECT_EQ(to_hex(integrity_checksum(integ_alg::aes_xcbc_96, key, cases[i].message)),
                  cases[i].mac.substr(0, 24));
    }
    const Bytes message = counting(0x00, 20);
    EXPECT_EQ(to_hex(prf(prf_alg::aes128_xcbc, key, message)), "47f51b4564966215b8985c63055ed308");
    EXPECT_EQ(to_hex(prf(prf_alg::aes128_xcbc, counting(0x00, 10), message)), "0fa087af7d866e7653434e602fdde835");
    EXPECT_EQ(to_hex(prf(prf_alg::aes128_xcbc, from_hex("000102030405060708090a0b0c0d0e0fedcb"), message)),
              "8cd3c93ae598a9803006ffb67c40e9e4");
    EXPECT_THROW(aes_xcbc_mac(counting(0, 15), message), std::invalid_argument);
}

TEST(Ikev2Prf, SizesAndUnsupportedIds) {
    EXPECT_EQ(prf_output_size(prf_alg::hmac_sha1), 20u);
    EXPECT_EQ(prf_key_size(prf_alg::hmac_sha2_384), 48u);
    EXPECT_EQ(prf_key_size(prf_alg::aes128_xcbc), 16u);
    EXPECT_TRUE(prf_has_fixed_key_size(prf_alg::aes128_xcbc));
    EXPECT_FALSE(prf_has_fixed_key_size(prf_alg::hmac_sha2_256));
    EXPECT_FALSE(is_supported_prf(prf_alg::hmac_tiger));
    EXPECT_FALSE(is_supported_prf(prf_alg::aes128_cmac));
    EXPECT_THROW(prf(prf_alg::aes128_cmac, Bytes(16), Bytes(1)), std::invalid_argument);
    EXPECT_THROW(prf_output_size(99), std::invalid_argument);
}

// prf+ against the definition of RFC 7296 section 2.13 written out with OpenSSL's HMAC.
TEST(Ikev2Prf, PrfPlusMatchesHandComputation) {
    const Bytes key = counting(0x40, 32);
    const Bytes seed = ascii("nonces and SPIs stand-in");
    const Bytes t1 = reference_hmac("SHA256", key, cat({seed, Bytes{0x01}}));
    const Bytes t2 = reference_hmac("SHA256", key, cat({t1, seed, Bytes{0x02}}));
    const Bytes t3 = reference_hmac("SHA256", key, cat({t2, seed, Bytes{0x03}}));
    const Bytes expected = slice(cat({t1, t2, t3}), 0, 70);
    EXPECT_EQ(to_hex(prf_plus(prf_alg::hmac_sha2_256, key, seed, 70)), to_hex(expected));
    EXPECT_EQ(prf_plus(prf_alg::hmac_sha2_256, key, seed, 0).size(), 0u);
    EXPECT_EQ(to_hex(prf_plus(prf_alg::hmac_sha2_256, key, seed, 32)), to_hex(t1));
    // The counter is one octet: 255 blocks at most.
    EXPECT_EQ(prf_plus(prf_alg::hmac_sha1, key, seed, 255 * 20).size(), 255u * 20);
    EXPECT_THROW(prf_plus(prf_alg::hmac_sha1, key, seed, 255 * 20 + 1), std::invalid_argument);
}

// ---- key derivation ------------------------------------------------------------------------------------------

// No published IKEv2 SKEYSEED vector exists (RFC 7296 has none); the derivation is written out by hand instead.
TEST(Ikev2Keys, DerivationMatchesHandComputation) {
    const Bytes ni = counting(0x10, 32);
    const Bytes nr = counting(0x80, 32);
    const Bytes shared = counting(0x01, 256);
    const Bytes spi_i = from_hex("0102030405060708");
    const Bytes spi_r = from_hex("f1f2f3f4f5f6f7f8");

    const IkeSaKeys keys = derive_ike_sa_keys(prf_alg::hmac_sha2_256, encr_alg::aes_cbc, 256,
                                              integ_alg::hmac_sha2_256_128, ni, nr, shared, spi_i, spi_r);
    const Bytes skeyseed = reference_hmac("SHA256", cat({ni, nr}), shared);
    EXPECT_EQ(to_hex(keys.skeyseed), to_hex(skeyseed));

    // prf+ by hand: 7 keys of 32 bytes = 224 bytes = 7 blocks.
    const Bytes s = cat({ni, nr, spi_i, spi_r});
    Bytes stream;
    Bytes t;
    for (std::uint8_t n = 1; stream.size() < 224; ++n) {
        t = reference_hmac("SHA256", skeyseed, cat({t, s, Bytes{n}}));
        stream.insert(stream.end(), t.begin(), t.end());
    }
    EXPECT_EQ(to_hex(keys.sk_d), to_hex(slice(stream, 0, 32)));
    EXPECT_EQ(to_hex(keys.sk_ai), to_hex(slice(stream, 32, 32)));
    EXPECT_EQ(to_hex(keys.sk_ar), to_hex(slice(stream, 64, 32)));
    EXPECT_EQ(to_hex(keys.sk_ei), to_hex(slice(stream, 96, 32)));
    EXPECT_EQ(to_hex(keys.sk_er), to_hex(slice(stream, 128, 32)));
    EXPECT_EQ(to_hex(keys.sk_pi), to_hex(slice(stream, 160, 32)));
    EXPECT_EQ(to_hex(keys.sk_pr), to_hex(slice(stream, 192, 32)));
}

TEST(Ikev2Keys, KeyLengthsFollowTheTransforms) {
    const Bytes ni = counting(0x10, 32);
    const Bytes nr = counting(0x80, 32);
    const Bytes shared = counting(0x01, 32);
    const Bytes spi_i(8, 0x11);
    const Bytes spi_r(8, 0x22);

    // AEAD: no integrity keys; SK_e carries the 4-byte salt (RFC 5282).
    const IkeSaKeys gcm = derive_ike_sa_keys(prf_alg::hmac_sha2_384, encr_alg::aes_gcm_16, 256, integ_alg::none, ni, nr,
                                             shared, spi_i, spi_r);
    EXPECT_EQ(gcm.sk_d.size(), 48u);
    EXPECT_TRUE(gcm.sk_ai.empty());
    EXPECT_TRUE(gcm.sk_ar.empty());
    EXPECT_EQ(gcm.sk_ei.size(), 36u);
    EXPECT_EQ(gcm.sk_er.size(), 36u);
    EXPECT_EQ(gcm.sk_pi.size(), 48u);
    EXPECT_EQ(gcm.sk_pr.size(), 48u);
    // The SK_e keys directly follow SK_d in the stream when there are no integrity keys.
    const Bytes stream = prf_plus(prf_alg::hmac_sha2_384, gcm.skeyseed, cat({ni, nr, spi_i, spi_r}), 48 + 36);
    EXPECT_EQ(to_hex(gcm.sk_ei), to_hex(slice(stream, 48, 36)));

    // The Windows default: 3DES, SHA-1, PRF SHA-1.
    const IkeSaKeys des = derive_ike_sa_keys(prf_alg::hmac_sha1, encr_alg::triple_des, 0, integ_alg::hmac_sha1_96, ni,
                                             nr, shared, spi_i, spi_r);
    EXPECT_EQ(des.sk_d.size(), 20u);
    EXPECT_EQ(des.sk_ai.size(), 20u);
    EXPECT_EQ(des.sk_ei.size(), 24u);
    EXPECT_EQ(des.sk_pr.size(), 20u);

    // AES-XCBC-PRF-128 keys SKEYSEED with the first 8 bytes of each nonce (RFC 7296 section 2.14).
    const IkeSaKeys xcbc = derive_ike_sa_keys(prf_alg::aes128_xcbc, encr_alg::aes_cbc, 128, integ_alg::aes_xcbc_96, ni,
                                              nr, shared, spi_i, spi_r);
    EXPECT_EQ(to_hex(xcbc.skeyseed),
              to_hex(prf(prf_alg::aes128_xcbc, cat({slice(ni, 0, 8), slice(nr, 0, 8)}), shared)));
    EXPECT_EQ(xcbc.sk_d.size(), 16u);
    EXPECT_EQ(xcbc.sk_ai.size(), 16u);
    EXPECT_EQ(to_hex(xcbc.sk_d),
              to_hex(prf_plus(prf_alg::aes128_xcbc, xcbc.skeyseed, cat({ni, nr, spi_i, spi_r}), 16)));

    EXPECT_THROW(derive_ike_sa_keys(prf_alg::hmac_sha2_256, encr_alg::aes_gcm_16, 128, integ_alg::hmac_sha1_96, ni, nr,
                                    shared, spi_i, spi_r),
                 std::invalid_argument);
    EXPECT_THROW(derive_ike_sa_keys(prf_alg::hmac_sha2_256, encr_alg::aes_cbc, 128, integ_alg::none, ni, nr, shared,
                                    spi_i, spi_r),
                 std::invalid_argument);
    EXPECT_THROW(derive_ike_sa_keys(prf_alg::hmac_sha2_256, encr_alg::aes_cbc, 0, integ_alg::hmac_sha1_96, ni, nr,
                                    shared, spi_i, spi_r),
                 std::invalid_argument);
    EXPECT_THROW(derive_ike_sa_keys(prf_alg::hmac_sha2_256, encr_alg::aes_cbc, 128, integ_alg::hmac_sha1_96, ni, nr,
                                    shared, Bytes(4), spi_r),
                 std::invalid_argument);
}

TEST(Ikev2Keys, InitiatorAndResponderCiphersUseTheirOwnKeys) {
    const IkeSaKeys keys =
        derive_ike_sa_keys(prf_alg::hmac_sha2_256, encr_alg::aes_cbc, 128, integ_alg::hmac_sha2_256_128,
                           counting(1, 16), counting(2, 16), counting(3, 32), Bytes(8, 1), Bytes(8, 2));
    const Bytes prefix = counting(0x20, 32);
    const Bytes payloads = ascii("IDi AUTH SA TSi TSr");
    const Bytes sealed = initiator_sk_cipher(keys).seal(prefix, payloads);
    const auto opened = initiator_sk_cipher(keys).open(prefix, sealed);
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    EXPECT_EQ(*opened, payloads);
    const auto wrong_direction = responder_sk_cipher(keys).open(prefix, sealed);
    ASSERT_FALSE(wrong_direction.ok());
    EXPECT_EQ(wrong_direction.error().code, "icv_mismatch");
}

// ---- key exchange ----------------------------------------------------------------------------------------------

struct EcpVector {
    std::uint16_t group;
    const char* i;
    const char* gix;
    const char* giy;
    const char* r;
    const char* grx;
    const char* gry;
    const char* girx;
};

// RFC 5903 section 8.1-8.3 (values as printed there).
const std::vector<EcpVector>& rfc5903_vectors() {
    static const std::vector<EcpVector> v = {
        {dh_group::ecp256, "C88F01F5 10D9AC3F 70A292DA A2316DE5 44E9AAB8 AFE84049 C62A9C57 862D1433",
         "DAD0B653 94221CF9 B051E1FE CA5787D0 98DFE637 FC90B9EF 945D0C37 72581180",
         "5271A046 1CDB8252 D61F1C45 6FA3E59A B1F45B33 ACCF5F58 389E0577 B8990BB3",
         "C6EF9C5D 78AE012A 011164AC B397CE20 88685D8F 06BF9BE0 B283AB46 476BEE53",
         "D12DFB52 89C8D4F8 1208B702 70398C34 2296970A 0BCCB74C 736FC755 4494BF63",
         "56FBF3CA 366CC23E 8157854C 13C58D6A AC23F046 ADA30F83 53E74F33 039872AB",
         "D6840F6B 42F6EDAF D13116E0 E1256520 2FEF8E9E CE7DCE03 812464D0 4B9442DE"},
        {dh_group::ecp384,
         "099F3C70 34D4A2C6 99884D73 A375A67F 7624EF7C 6B3C0F16 0647B674 14DCE655 E35B5380 41E649EE 3FAEF896 783AB194",
         "667842D7 D180AC2C DE6F74F3 7551F557 55C7645C 20EF73E3 1634FE72 B4C55EE6 DE3AC808 ACB4BDB4 C88732AE E95F41AA",
         "9482ED1F C0EEB9CA FC498462 5CCFC23F 65032149 E0E144AD A0241815 35A0F38E EB9FCFF3 C2C947DA E69B4C63 4573A81C",
         "41CB0779 B4BDB85D 47846725 FBEC3C94 30FAB46C C8DC5060 855CC9BD A0AA2942 E0308312 916B8ED2 960E4BD5 5A7448FC",
         "E558DBEF 53EECDE3 D3FCCFC1 AEA08A89 A987475D 12FD950D 83CFA417 32BC509D 0D1AC43A 0336DEF9 6FDA41D0 774A3571",
         "DCFBEC7A ACF31964 72169E83 8430367F 66EEBE3C 6E70C416 DD5F0C68 759DD1FF F83FA401 42209DFF 5EAAD96D B9E6386C",
         "11187331 C279962D 93D60424 3FD592CB 9D0A926F 422E4718 7521287E 7156C5C4 D6031355 69B9E9D0 9CF5D4A2 70F59746"},
        {dh_group::ecp521,
         "0037ADE9 319A89F4 DABDB3EF 411AACCC A5123C61 ACAB57B5 393DCE47 608172A0 95AA85A3 0FE1C295 2C6771D9 37BA9777 "
         "F5957B26 39BAB072 462F68C2 7A57382D 4A52",
         "0015417E 84DBF28C 0AD3C278 713349DC 7DF153C8 97A1891B D98BAB43 57C9ECBE E1E3BF42 E00B8E38 0AEAE57C 2D107564 "
         "94188594 2AF5A7F4 601723C4 195D176C ED3E",
         "017CAE20 B6641D2E EB695786 D8C94614 6239D099 E18E1D5A 514C739D 7CB4A10A D8A78801 5AC405D7 799DC75E 7B7D5B6C "
         "F2261A6A 7F150743 8BF01BEB 6CA3926F 9582",
         "0145BA99 A847AF43 793FDD0E 872E7CDF A16BE30F DC780F97 BCCC3F07 8380201E 9C677D60 0B343757 A3BDBF2A 3163E4C2 "
         "F869CCA7 458AA4A4 EFFC311F 5CB15168 5EB9",
         "00D0B397 5AC4B799 F5BEA16D 5E13E9AF 971D5E9B 984C9F39 728B5E57 39735A21 9B97C356 436ADC6E 95BB0352 F6BE64A6 "
         "C2912D4E F2D0433C ED2B6171 640012D9 460F",
         "015C6822 6383956E 3BD066E7 97B623C2 7CE0EAC2 F551A10C 2C724D98 52077B87 220B6536 C5C408A1 D2AEBB8E 86D678AE "
         "49CB5709 1F473229 6579AB44 FCD17F0F C56A",
         "01144C7D 79AE6956 BC8EDB8E 7C787C45 21CB086F A64407F9 7894E5E6 B2D79B04 D1427E73 CA4BAA24 0A347868 59810C06 "
         "B3C715A3 A8CC3151 F2BEE417 996D19F3 DDEA"},
    };
    return v;
}

TEST(Ikev2Dh, Rfc5903EcpVectors) {
    for (const EcpVector& v : rfc5903_vectors()) {
        SCOPED_TRACE(std::to_string(v.group));
        const KeyExchange initiator = KeyExchange::from_private_key(v.group, from_hex(v.i));
        const KeyExchange responder = KeyExchange::from_private_key(v.group, from_hex(v.r));
        // KE data is x | y without the 0x04 prefix (RFC 5903 section 7).
        EXPECT_EQ(to_hex(initiator.public_value()), h(std::string(v.gix) + v.giy));
        EXPECT_EQ(to_hex(responder.public_value()), h(std::string(v.grx) + v.gry));
        // The shared secret is the x coordinate of g^ir only.
        EXPECT_EQ(to_hex(initiator.compute_shared(responder.public_value())), h(v.girx));
        EXPECT_EQ(to_hex(responder.compute_shared(initiator.public_value())), h(v.girx));
        EXPECT_EQ(to_hex(initiator.private_key()), h(v.i));
    }
}

// RFC 7748 section 6.1; RFC 8031 uses X25519 unchanged with the 32-byte u-coordinate as KE data.
TEST(Ikev2Dh, Rfc7748X25519Vector) {
    const Bytes alice_private = from_hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    const Bytes bob_private = from_hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    const KeyExchange alice = KeyExchange::from_private_key(dh_group::curve25519, alice_private);
    const KeyExchange bob = KeyExchange::from_private_key(dh_group::curve25519, bob_private);
    EXPECT_EQ(to_hex(alice.public_value()), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    EXPECT_EQ(to_hex(bob.public_value()), "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    const std::string k = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
    EXPECT_EQ(to_hex(alice.compute_shared(bob.public_value())), k);
    EXPECT_EQ(to_hex(bob.compute_shared(alice.public_value())), k);
    EXPECT_EQ(alice.private_key(), alice_private);
}

// There is no published IKE known-answer vector for the MODP groups: two parties must agree, the values must
// have the prime's length, and the secret must be g^xy of the RFC's prime (checked below for groups 2 and 14).
TEST(Ikev2Dh, ModpRoundTripEveryGroup) {
    const std::vector<std::pair<std::uint16_t, std::size_t>> groups = {
        {dh_group::modp1024, 128}, {dh_group::modp1536, 192}, {dh_group::modp2048, 256},  {dh_group::modp3072, 384},
        {dh_group::modp4096, 512}, {dh_group::modp6144, 768}, {dh_group::modp8192, 1024},
    };
    for (const auto& [group, size] : groups) {
        SCOPED_TRACE(std::to_string(group));
        const KeyExchange a(group);
        const KeyExchange b(group);
        EXPECT_EQ(a.group(), group);
        EXPECT_EQ(a.public_value().size(), size);
        EXPECT_EQ(b.public_value().size(), size);
        EXPECT_NE(a.public_value(), b.public_value());
        const Bytes ab = a.compute_shared(b.public_value());
        EXPECT_EQ(ab.size(), size);
        EXPECT_EQ(dh_shared_secret_size(group), size);
        EXPECT_EQ(ab, b.compute_shared(a.public_value()));
        // A key rebuilt from its private value is the same key.
        const KeyExchange a2 = KeyExchange::from_private_key(group, a.private_key());
        EXPECT_EQ(a2.public_value(), a.public_value());
        EXPECT_EQ(a2.compute_shared(b.public_value()), ab);
    }
}

TEST(Ikev2Dh, EcpAndCurveRoundTrip) {
    for (std::uint16_t group :
         {dh_group::ecp256, dh_group::ecp384, dh_group::ecp521, dh_group::curve25519, dh_group::curve448}) {
        SCOPED_TRACE(std::to_string(group));
        const KeyExchange a(group);
        const KeyExchange b(group);
        EXPECT_EQ(a.public_value().size(), *ke_data_size(group));
        const Bytes ab = a.compute_shared(b.public_value());
        EXPECT_EQ(ab.size(), dh_shared_secret_size(group));
        EXPECT_EQ(ab, b.compute_shared(a.public_value()));
        const KeyExchange a2 = KeyExchange::from_private_key(group, a.private_key());
        EXPECT_EQ(a2.public_value(), a.public_value());
    }
}

// RFC 2409 section 6.2 and RFC 3526 section 3, as printed there.
const char* const oakley_group2_prime =
    "FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1 29024E08 8A67CC74 020BBEA6 3B139B22 514A0879 8E3404DD "
    "EF9519B3 CD3A431B 302B0A6D F25F1437 4FE1356D 6D51C245 E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED "
    "EE386BFB 5A899FA5 AE9F2411 7C4B1FE6 49286651 ECE65381 FFFFFFFF FFFFFFFF";
const char* const modp2048_prime =
    "FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1 29024E08 8A67CC74 020BBEA6 3B139B22 514A0879 8E3404DD "
    "EF9519B3 CD3A431B 302B0A6D F25F1437 4FE1356D 6D51C245 E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED "
    "EE386BFB 5A899FA5 AE9F2411 7C4B1FE6 49286651 ECE45B3D C2007CB8 A163BF05 98DA4836 1C55D39A 69163FA8 FD24CF5F "
    "83655D23 DCA3AD96 1C62F356 208552BB 9ED52907 7096966D 670C354E 4ABC9804 F1746C08 CA18217C 32905E46 2E36CE3B "
    "E39E772C 180E8603 9B2783A2 EC07A28F B5C55DF0 6F4C52C9 DE2BCBF6 95581718 3995497C EA956AE5 15D22618 98FA0510 "
    "15728E5A 8AACAA68 FFFFFFFF FFFFFFFF";

// 2^e mod p with OpenSSL's BIGNUM, padded to the prime's length.
Bytes reference_modexp(const char* prime_hex, ByteView exponent) {
    const Bytes prime = from_hex(prime_hex);
    BIGNUM* p = BN_bin2bn(prime.data(), static_cast<int>(prime.size()), nullptr);
    BIGNUM* e = BN_bin2bn(exponent.data(), static_cast<int>(exponent.size()), nullptr);
    BIGNUM* g = BN_new();
    BIGNUM* r = BN_new();
    BN_CTX* ctx = BN_CTX_new();
    BN_set_word(g, 2);
    BN_mod_exp(r, g, e, p, ctx);
    Bytes out(prime.size());
    BN_bn2binpad(r, out.data(), static_cast<int>(out.size()));
    BN_free(p);
    BN_free(e);
    BN_free(g);
    BN_free(r);
    BN_CTX_free(ctx);
    return out;
}

TEST(Ikev2Dh, ModpUsesTheRfcPrimes) {
    const Bytes x = from_hex("3b1f6c07a2d9e4485f10cd7e2a99b36d0c5e81f4a7b2d6903e48c1f75a0d9b26");
    const Bytes y = from_hex("71a4c0de8893f2b55e0147c6d2ab38f9e60d1c27b45a8f3390c6e1d24b7a8f10");
    const struct {
        std::uint16_t group;
        const char* prime;
    } cases[] = {{dh_group::modp1024, oakley_group2_prime}, {dh_group::modp2048, modp2048_prime}};
    for (const auto& c : cases) {
        SCOPED_TRACE(std::to_string(c.group));
        const KeyExchange a = KeyExchange::from_private_key(c.group, x);
        const KeyExchange b = KeyExchange::from_private_key(c.group, y);
        EXPECT_EQ(to_hex(a.public_value()), to_hex(reference_modexp(c.prime, x)));
        // g^xy: the exponent x*y computed as a BIGNUM product.
        BIGNUM* bx = BN_bin2bn(x.data(), static_cast<int>(x.size()), nullptr);
        BIGNUM* by = BN_bin2bn(y.data(), static_cast<int>(y.size()), nullptr);
        BIGNUM* xy = BN_new();
        BN_CTX* ctx = BN_CTX_new();
        BN_mul(xy, bx, by, ctx);
        Bytes xy_bytes(static_cast<std::size_t>(BN_num_bytes(xy)));
        BN_bn2bin(xy, xy_bytes.data());
        BN_free(bx);
        BN_free(by);
        BN_free(xy);
        BN_CTX_free(ctx);
        EXPECT_EQ(to_hex(a.compute_shared(b.public_value())), to_hex(reference_modexp(c.prime, xy_bytes)));
    }
}

// Tiny private keys make g^x and g^xy tiny numbers, which shows the left padding of RFC 7296 section 3.4 (and that
// the shared secret keeps its leading zeros) without any big-number arithmetic.
TEST(Ikev2Dh, ModpValuesAreLeftPaddedToThePrimeLength) {
    const KeyExchange a = KeyExchange::from_private_key(dh_group::modp2048, Bytes{0x02});
    const KeyExchange b = KeyExchange::from_private_key(dh_group::modp2048, Bytes{0x03});
    Bytes four(256, 0);
    four[255] = 0x04;  // 2^2
    EXPECT_EQ(a.public_value(), four);
    Bytes sixty_four(256, 0);
    sixty_four[255] = 0x40;  // 2^(2*3)
    EXPECT_EQ(a.compute_shared(b.public_value()), sixty_four);
    EXPECT_EQ(b.compute_shared(a.public_value()), sixty_four);
    EXPECT_EQ(a.private_key().size(), 256u);
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "no std::invalid_argument";
}

TEST(Ikev2Dh, ModpPeerValidation) {
    const KeyExchange a(dh_group::modp2048);
    const Bytes p = from_hex(modp2048_prime);
    Bytes p_minus_1 = p;
    p_minus_1.back() -= 1;
    Bytes one(256, 0);
    one.back() = 1;
    auto check = [&](const Bytes& value, const std::string& expected) {
        EXPECT_NE(error_of([&] { a.compute_shared(value); }).find(expected), std::string::npos)
            << "value " << to_hex(value).substr(0, 16) << "..., size " << value.size();
        EXPECT_NE(error_of([&] { validate_peer_public_value(dh_group::modp2048, value); }).find(expected),
                  std::string::npos);
    };
    check(Bytes(255, 0x42), "must be 256 bytes, got 255");
    check(Bytes(257, 0x42), "must be 256 bytes, got 257");
    check(Bytes(256, 0), "public value is 0");
    check(one, "public value is 1");
    check(p_minus_1, "is p-1");
    check(p, "not below the prime");
    check(Bytes(256, 0xff), "not below the prime");
    // p-2 = -2 is in range but not a quadratic residue (p = 7 mod 8), so not in the order-q subgroup g = 2 generates.
    Bytes p_minus_2 = p;
    p_minus_2.back() -= 2;
    check(p_minus_2, "not in the prime-order subgroup");
    EXPECT_NO_THROW(validate_peer_public_value(dh_group::modp2048, KeyExchange(dh_group::modp2048).public_value()));
}

TEST(Ikev2Dh, EcpPeerValidation) {
    const EcpVector& v = rfc5903_vectors()[0];
    const KeyExchange a = KeyExchange::from_private_key(dh_group::ecp256, from_hex(v.i));
    const Bytes gr = from_hex(std::string(v.grx) + v.gry);
    auto check = [&](const Bytes& value, const std::string& expected) {
        EXPECT_NE(error_of([&] { a.compute_shared(value); }).find(expected), std::string::npos);
    };
    check(Bytes(63, 1), "must be 64 bytes, got 63");
    check(cat({Bytes{0x04}, gr}), "must be 64 bytes, got 65");  // SEC1 encoding with its prefix is not KE data
    Bytes off_curve = gr;
    off_curve.back() ^= 0x01;
    check(off_curve, "not a point on the curve");
    check(Bytes(64, 0), "not a point on the curve");  // (0, 0), also the conventional "infinity" encoding
    Bytes big_x = gr;
    std::fill(big_x.begin(), big_x.begin() + 32, 0xff);
    check(big_x, "coordinate not below the field prime");
    Bytes big_y = gr;
    std::fill(big_y.begin() + 32, big_y.end(), 0xff);
    check(big_y, "coordinate not below the field prime");
    // The form alone (SA_INIT-only), without our private key: the same verdicts.
    EXPECT_NE(
        error_of([&] { check_peer_public_value_form(dh_group::ecp256, off_curve); }).find("not a point on the curve"),
        std::string::npos);
    EXPECT_NE(
        error_of([&] { check_peer_public_value_form(dh_group::ecp256, big_y); }).find("not below the field prime"),
        std::string::npos);
    EXPECT_NO_THROW(check_peer_public_value_form(dh_group::ecp256, gr));
    EXPECT_NO_THROW(validate_peer_public_value(dh_group::ecp256, gr));
    EXPECT_NE(error_of([&] { validate_peer_public_value(dh_group::ecp384, gr); }).find("must be 96 bytes"),
              std::string::npos);
}

TEST(Ikev2Dh, CurvePeerValidation) {
    const KeyExchange a(dh_group::curve25519);
    EXPECT_NE(error_of([&] { a.compute_shared(Bytes(31, 9)); }).find("must be 32 bytes, got 31"), std::string::npos);
    EXPECT_NE(error_of([&] { a.compute_shared(Bytes(33, 9)); }).find("must be 32 bytes, got 33"), std::string::npos);
    // u = 0 and u = 1 are points of small order: X25519 gives all zeros (RFC 8031 says to refuse it).
    EXPECT_NE(error_of([&] { a.compute_shared(Bytes(32, 0)); }).find("all-zero shared secret"), std::string::npos);
    Bytes u1(32, 0);
    u1[0] = 1;
    EXPECT_NE(error_of([&] { a.compute_shared(u1); }).find("all-zero shared secret"), std::string::npos);
}

// The KE payloads of the captured IKE_SA_INIT exchanges (strongSwan and libreswan, tests/data/ikev2): real
// implementations' public values must pass our peer checks, and a key of ours must agree with them. (The
// captures' own keys cannot be derived: their private DH values are not recorded.)
TEST(Ikev2Dh, CapturedPeerValuesPassValidation) {
    for (const char* name : {"libreswan-sa-init-request.bin", "libreswan-sa-init-response.bin",
                             "strongswan-sa-init-request.bin", "strongswan-sa-init-response.bin"}) {
        SCOPED_TRACE(name);
        std::ifstream in(std::string(VPNPROBE_TEST_DATA) + "/ikev2/" + name, std::ios::binary);
        ASSERT_TRUE(in);
        const Bytes bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        const auto message = decode_message(bytes);
        ASSERT_TRUE(message.ok()) << message.error().to_string();
        const KePayload* ke = message->find<KePayload>();
        ASSERT_NE(ke, nullptr);
        ASSERT_TRUE(is_supported_dh_group(ke->group)) << ke->group;
        EXPECT_NO_THROW(validate_peer_public_value(ke->group, ke->data));
        EXPECT_EQ(KeyExchange(ke->group).compute_shared(ke->data).size(), dh_shared_secret_size(ke->group));
    }
}

TEST(Ikev2Dh, UnsupportedGroupsAndBadPrivateKeys) {
    for (std::uint16_t group : {0, 1, 22, 23, 24, 25, 28, 35, 99}) {
        EXPECT_FALSE(is_supported_dh_group(group)) << group;
        EXPECT_THROW(KeyExchange{group}, std::invalid_argument) << group;
    }
    const Bytes p256_order = from_hex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
    EXPECT_THROW(KeyExchange::from_private_key(dh_group::ecp256, Bytes(32, 0)), std::invalid_argument);
    EXPECT_THROW(KeyExchange::from_private_key(dh_group::ecp256, p256_order), std::invalid_argument);
    EXPECT_THROW(KeyExchange::from_private_key(dh_group::ecp256, Bytes(33, 1)), std::invalid_argument);
    EXPECT_THROW(KeyExchange::from_private_key(dh_group::modp2048, Bytes{0x01}), std::invalid_argument);
    Bytes p_minus_1 = from_hex(modp2048_prime);
    p_minus_1.back() -= 1;
    EXPECT_THROW(KeyExchange::from_private_key(dh_group::modp2048, p_minus_1), std::invalid_argument);
    EXPECT_THROW(KeyExchange::from_private_key(dh_group::curve25519, Bytes(31, 1)), std::invalid_argument);
    EXPECT_THROW(KeyExchange::from_private_key(99, Bytes(32, 1)), std::invalid_argument);
}

// ---- SK payload protection -------------------------------------------------------------------------------------

struct Suite {
    std::uint16_t encr;
    std::uint16_t bits;
    std::uint16_t integ;
};

std::string suite_name(const Suite& s) {
    return transform_id_name(static_cast<std::uint8_t>(TransformType::encr), s.encr) + "_" + std::to_string(s.bits) +
           " + " + transform_id_name(static_cast<std::uint8_t>(TransformType::integ), s.integ);
}

// Every ENCR x INTEG combination the module supports.
std::vector<Suite> all_suites() {
    std::vector<Suite> out;
    const std::vector<std::pair<std::uint16_t, std::uint16_t>> cbc = {
        {encr_alg::triple_des, 0}, {encr_alg::aes_cbc, 128}, {encr_alg::aes_cbc, 192}, {encr_alg::aes_cbc, 256}};
    for (const auto& [encr, bits] : cbc) {
        for (std::uint16_t integ :
             {integ_alg::hmac_md5_96, integ_alg::hmac_sha1_96, integ_alg::aes_xcbc_96, integ_alg::hmac_sha2_256_128,
              integ_alg::hmac_sha2_384_192, integ_alg::hmac_sha2_512_256}) {
            out.push_back({encr, bits, integ});
        }
    }
    for (std::uint16_t encr : {encr_alg::aes_gcm_8, encr_alg::aes_gcm_12, encr_alg::aes_gcm_16}) {
        for (std::uint16_t bits : {128, 192, 256}) out.push_back({encr, bits, integ_alg::none});
    }
    out.push_back({encr_alg::chacha20_poly1305, 0, integ_alg::none});
    return out;
}

SkCipher make_cipher(const Suite& s, std::uint8_t seed = 0x30) {
    return SkCipher(s.encr, s.bits, s.integ, counting(seed, encr_key_material_size(s.encr, s.bits)),
                    counting(static_cast<std::uint8_t>(seed + 0x80), integ_key_size(s.integ)));
}

// An IKE header and SK payload header stand-in: the bytes the ICV or AAD covers before the IV.
Bytes message_prefix() { return counting(0xa0, 28 + 4); }

TEST(Ikev2SkCipher, RoundTripEveryCombination) {
    const Bytes prefix = message_prefix();
    for (const Suite& s : all_suites()) {
        SCOPED_TRACE(suite_name(s));
        const SkCipher c = make_cipher(s);
        for (std::size_t size : {0, 1, 7, 8, 15, 16, 17, 31, 100}) {
            SCOPED_TRACE("plaintext " + std::to_string(size));
            const Bytes plaintext = counting(static_cast<std::uint8_t>(size), size);
            const Bytes iv = counting(0x90, c.iv_size());
            const Bytes sealed = c.seal(prefix, plaintext, iv);
            ASSERT_EQ(sealed.size(), c.sealed_size(size));
            EXPECT_EQ(slice(sealed, 0, c.iv_size()), iv);
            EXPECT_EQ((sealed.size() - c.iv_size() - c.icv_size()) % c.block_size(), 0u);
            const auto opened = c.open(prefix, sealed);
            ASSERT_TRUE(opened.ok()) << opened.error().to_string();
            EXPECT_EQ(*opened, plaintext);
        }
        // The random-IV overload: different IVs each time, and both open.
        const Bytes a = c.seal(prefix, ascii("payloads"));
        const Bytes b = c.seal(prefix, ascii("payloads"));
        EXPECT_NE(slice(a, 0, c.iv_size()), slice(b, 0, c.iv_size()));
        EXPECT_TRUE(c.open(prefix, a).ok());
        EXPECT_TRUE(c.open(prefix, b).ok());
    }
}

TEST(Ikev2SkCipher, EveryFlippedBitIsAnIcvMismatch) {
    const Bytes prefix = message_prefix();
    for (const Suite& s : all_suites()) {
        SCOPED_TRACE(suite_name(s));
        const SkCipher c = make_cipher(s);
        const Bytes sealed = c.seal(prefix, counting(0, 40), counting(0x90, c.iv_size()));
        const std::size_t icv_offset = prefix.size() + sealed.size() - c.icv_size();
        // Every byte after the header: IV, ciphertext, ICV.
        for (std::size_t i = 0; i < sealed.size(); ++i) {
            Bytes tampered = sealed;
            tampered[i] ^= 0x01;
            const auto opened = c.open(prefix, tampered);
            ASSERT_FALSE(opened.ok()) << "byte " << i;
            EXPECT_EQ(opened.error().code, "icv_mismatch") << "byte " << i;
            EXPECT_EQ(opened.error().offset, icv_offset);
        }
        // The IKE header and SK payload header are covered too (ICV for CBC, AAD for AEAD).
        for (std::size_t i : {std::size_t{0}, std::size_t{17}, prefix.size() - 1}) {
            Bytes tampered_prefix = prefix;
            tampered_prefix[i] ^= 0x80;
            const auto opened = c.open(tampered_prefix, sealed);
            ASSERT_FALSE(opened.ok()) << "prefix byte " << i;
            EXPECT_EQ(opened.error().code, "icv_mismatch");
        }
        // Another key of the same transforms does not open it either.
        const auto other_key = make_cipher(s, 0x31).open(prefix, sealed);
        ASSERT_FALSE(other_key.ok());
        EXPECT_EQ(other_key.error().code, "icv_mismatch");
    }
}

// RFC 3602 test cases 1-4 (AES-128-CBC). CBC is prefix-preserving, so the first blocks of what seal()
// produces are the RFC's ciphertext; seal() then appends one block holding the IKE padding (15 + Pad Length).
TEST(Ikev2SkCipher, Rfc3602AesCbcVectors) {
    struct Case {
        const char* key;
        const char* iv;
        Bytes plaintext;
        const char* ciphertext;
    };
    const std::vector<Case> cases = {
        {"06a9214036b8a15b512e03d534120006", "3dafba429d9eb430b422da802c9fac41", ascii("Single block msg"),
         "e353779c1079aeb82708942dbe77181a"},
        {"c286696d887c9aa0611bbb3e2025a45a", "562e17996d093d28ddb3ba695a2e6f58", counting(0x00, 32),
         "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1"},
        {"6c3ea0477630ce21a2ce334aa746c2cd", "c782dc4c098c66cbd9cd27d825682c81",
         ascii("This is a 48-byte message (exactly 3 AES blocks)"),
         "d0a02b3836451753d493665d33f0e8862dea54cdb293abc7506939276772f8d5021c19216bad525c8579695d83ba2684"},
        {"56e47a38c5598974bc46903dba290349", "8ce82eefbea0da3c44699ed7db51b7d9", counting(0xa0, 64),
         "c30e32ffedc0774e6aff6af0869f71aa0f3af07a9a31a9c684db207eb0ef8e4e35907aa632c3ffdf868bb7b29d3d46ad83ce9f9a102ee"
         "99d49a53e87f4c3da55"},
    };
    const Bytes prefix = message_prefix();
    for (std::size_t i = 0; i < cases.size(); ++i) {
        SCOPED_TRACE("RFC 3602 case " + std::to_string(i + 1));
        const Case& c = cases[i];
        const SkCipher cipher(encr_alg::aes_cbc, 128, integ_alg::hmac_sha2_256_128, from_hex(c.key), Bytes(32, 0x5a));
        const Bytes sealed = cipher.seal(prefix, c.plaintext, from_hex(c.iv));
        ASSERT_EQ(sealed.size(), 16 + c.plaintext.size() + 16 + 16);
        EXPECT_EQ(to_hex(slice(sealed, 0, 16)), c.iv);
        EXPECT_EQ(to_hex(slice(sealed, 16, c.plaintext.size())), c.ciphertext);
        const auto opened = cipher.open(prefix, sealed);
        ASSERT_TRUE(opened.ok()) << opened.error().to_string();
        EXPECT_EQ(*opened, c.plaintext);
    }
}

// GCM specification (McGrew and Viega) test cases 4 (AES-128) and 16 (AES-256), mapped onto RFC 5282: the
// 12-byte IV cafebabe|facedbaddecaf888 is the 4-byte salt (last bytes of the key material) and the 8-byte
// explicit IV; the AAD is the message prefix. The 60-byte plaintext ends in 0x39 = 57, so read as IKE data it is
// 2 bytes of payload, 57 bytes of padding and the Pad Length. GCM-8 and GCM-12 send the tag's first bytes.
TEST(Ikev2SkCipher, GcmSpecTestCases) {
    const Bytes aad = from_hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    const Bytes salt = from_hex("cafebabe");
    const Bytes iv = from_hex("facedbaddecaf888");
    const Bytes plaintext = from_hex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de6"
        "57ba637b39");
    const Bytes payload = slice(plaintext, 0, 2);
    const Bytes padding = slice(plaintext, 2, 57);
    ASSERT_EQ(plaintext.back(), 57);
    struct Case {
        std::uint16_t bits;
        const char* key;
        const char* ciphertext;
        const char* tag;
    };
    const Case cases[] = {
        {128, "feffe9928665731c6d6a8f9467308308",
         "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0a"
         "ac973d58e091",
         "5bc94fbc3221a5db94fae95ae7121a47"},
        {256, "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
         "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba"
         "7a0abcc9f662",
         "76fc6ece0f4e1768cddf8853bb2d551b"},
    };
    for (const Case& c : cases) {
        for (std::uint16_t encr : {encr_alg::aes_gcm_16, encr_alg::aes_gcm_12, encr_alg::aes_gcm_8}) {
            SCOPED_TRACE(suite_name({encr, c.bits, integ_alg::none}));
            const SkCipher cipher(encr, c.bits, integ_alg::none, cat({from_hex(c.key), salt}), {});
            const std::size_t tag_size = encr == encr_alg::aes_gcm_16 ? 16 : encr == encr_alg::aes_gcm_12 ? 12 : 8;
            ASSERT_EQ(cipher.icv_size(), tag_size);
            const Bytes sealed = cipher.seal_with_padding(aad, payload, padding, iv);
            EXPECT_EQ(to_hex(sealed), to_hex(cat({iv, from_hex(c.ciphertext), slice(from_hex(c.tag), 0, tag_size)})));
            const auto opened = cipher.open(aad, sealed);
            ASSERT_TRUE(opened.ok()) << opened.error().to_string();
            EXPECT_EQ(*opened, payload);
        }
    }
}

// The RFC 7296 section 3.14 layout built by hand with plain OpenSSL calls (AES-128-CBC, HMAC-SHA2-256-128):
// IV | E(payloads | padding | pad length) | first 16 bytes of HMAC(prefix | IV | ciphertext).
Bytes hand_sealed(ByteView prefix, ByteView key, ByteView integ_key, ByteView iv, ByteView body) {
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    EVP_EncryptInit_ex(ctx, EVP_aes_128_cbc(), nullptr, key.data(), iv.data());
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    Bytes ciphertext(body.size() + 16);
    int n = 0;
    int m = 0;
    EVP_EncryptUpdate(ctx, ciphertext.data(), &n, body.data(), static_cast<int>(body.size()));
    EVP_EncryptFinal_ex(ctx, ciphertext.data() + n, &m);
    EVP_CIPHER_CTX_free(ctx);
    ciphertext.resize(static_cast<std::size_t>(n + m));
    const Bytes icv = slice(reference_hmac("SHA256", integ_key, cat({prefix, iv, ciphertext})), 0, 16);
    return cat({iv, ciphertext, icv});
}

TEST(Ikev2SkCipher, OpensAnIndependentlyBuiltMessageAndChecksPadding) {
    const Bytes prefix = message_prefix();
    const Bytes key = counting(0x11, 16);
    const Bytes integ_key = counting(0x22, 32);
    const Bytes iv = counting(0x33, 16);
    const SkCipher cipher(encr_alg::aes_cbc, 128, integ_alg::hmac_sha2_256_128, key, integ_key);

    // 12 bytes of payloads, 3 bytes of padding of any value, Pad Length 3.
    const Bytes payloads = ascii("N(AUTH_LIFE)");
    const Bytes good = hand_sealed(prefix, key, integ_key, iv, cat({payloads, Bytes{0xde, 0xad, 0xbe}, Bytes{3}}));
    const auto opened = cipher.open(prefix, good);
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    EXPECT_EQ(*opened, payloads);
    EXPECT_EQ(cipher.seal_with_padding(prefix, payloads, Bytes{0xde, 0xad, 0xbe}, iv), good);

    // An authentic block whose Pad Length (32) exceeds the 15 bytes before it.
    const Bytes bad = hand_sealed(prefix, key, integ_key, iv, cat({counting(0, 15), Bytes{32}}));
    const auto refused = cipher.open(prefix, bad);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, "bad_padding");
    EXPECT_EQ(refused.error().offset, prefix.size() + 16 + 15);

    // Pad Length 15 with nothing before it is fine: an empty payload chain.
    const auto empty = cipher.open(prefix, hand_sealed(prefix, key, integ_key, iv, cat({counting(0, 15), Bytes{15}})));
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->empty());
}

TEST(Ikev2SkCipher, LengthErrors) {
    const Bytes prefix = message_prefix();
    const SkCipher cbc = make_cipher({encr_alg::aes_cbc, 128, integ_alg::hmac_sha1_96});
    auto error = [&](const SkCipher& c, std::size_t size) {
        const auto opened = c.open(prefix, Bytes(size, 0x42));
        EXPECT_FALSE(opened.ok()) << size;
        return opened.ok() ? DecodeError{} : opened.error();
    };
    EXPECT_EQ(error(cbc, 0).code, "too_short");
    EXPECT_EQ(error(cbc, 16 + 12).code, "too_short");  // IV and ICV, no block
    EXPECT_EQ(error(cbc, 16 + 12).offset, prefix.size());
    EXPECT_EQ(error(cbc, 16 + 15 + 12).code, "too_short");
    const DecodeError partial = error(cbc, 16 + 17 + 12);
    EXPECT_EQ(partial.code, "bad_length");
    EXPECT_EQ(partial.offset, prefix.size() + 16);
    EXPECT_EQ(error(cbc, 16 + 32 + 12).code, "icv_mismatch");  // well-formed, not authentic

    const SkCipher gcm = make_cipher({encr_alg::aes_gcm_16, 256, integ_alg::none});
    EXPECT_EQ(error(gcm, 8 + 16).code, "too_short");
    EXPECT_EQ(error(gcm, 8 + 1 + 16).code, "icv_mismatch");
}

TEST(Ikev2SkCipher, SizesAndPadding) {
    const SkCipher aes = make_cipher({encr_alg::aes_cbc, 128, integ_alg::hmac_sha2_256_128});
    EXPECT_EQ(aes.iv_size(), 16u);
    EXPECT_EQ(aes.block_size(), 16u);
    EXPECT_EQ(aes.icv_size(), 16u);
    EXPECT_EQ(aes.padding_size(0), 15u);
    EXPECT_EQ(aes.padding_size(15), 0u);
    EXPECT_EQ(aes.padding_size(16), 15u);
    EXPECT_EQ(aes.padding_size(17), 14u);
    EXPECT_EQ(aes.sealed_size(20), 16u + 20 + 11 + 1 + 16);

    const SkCipher des = make_cipher({encr_alg::triple_des, 0, integ_alg::hmac_sha1_96});
    EXPECT_EQ(des.iv_size(), 8u);
    EXPECT_EQ(des.block_size(), 8u);
    EXPECT_EQ(des.icv_size(), 12u);
    EXPECT_EQ(des.padding_size(7), 0u);
    EXPECT_EQ(des.padding_size(8), 7u);

    const SkCipher gcm = make_cipher({encr_alg::aes_gcm_16, 128, integ_alg::none});
    EXPECT_EQ(gcm.iv_size(), 8u);
    EXPECT_EQ(gcm.block_size(), 1u);
    EXPECT_EQ(gcm.padding_size(0), 0u);
    EXPECT_EQ(gcm.padding_size(13), 0u);
    EXPECT_EQ(gcm.sealed_size(13), 8u + 13 + 1 + 16);

    EXPECT_EQ(make_cipher({encr_alg::aes_cbc, 256, integ_alg::hmac_sha2_384_192}).icv_size(), 24u);
    EXPECT_EQ(make_cipher({encr_alg::aes_cbc, 256, integ_alg::hmac_sha2_512_256}).icv_size(), 32u);
    EXPECT_EQ(encr_key_material_size(encr_alg::aes_gcm_16, 256), 36u);
    EXPECT_EQ(encr_key_material_size(encr_alg::chacha20_poly1305, 0), 36u);
    EXPECT_EQ(encr_key_material_size(encr_alg::triple_des, 0), 24u);
    EXPECT_EQ(integ_key_size(integ_alg::hmac_sha2_512_256), 64u);

    // Caller-chosen padding must keep the block alignment and fit the Pad Length byte.
    const Bytes prefix = message_prefix();
    const Bytes iv(16, 7);
    const Bytes sealed = aes.seal_with_padding(prefix, counting(0, 12), Bytes(3, 0xee), iv);
    EXPECT_EQ(*aes.open(prefix, sealed), counting(0, 12));
    EXPECT_EQ(aes.seal_with_padding(prefix, counting(0, 12), Bytes(19, 0xee), iv).size(), 16u + 32 + 16);
    EXPECT_THROW(aes.seal_with_padding(prefix, counting(0, 12), Bytes(4, 0), iv), std::invalid_argument);
    EXPECT_THROW(aes.seal_with_padding(prefix, counting(0, 0), Bytes(271, 0), iv), std::invalid_argument);
    EXPECT_THROW(aes.seal(prefix, counting(0, 12), Bytes(8, 0)), std::invalid_argument);
}

TEST(Ikev2SkCipher, RefusesUnsupportedCombinations) {
    const Bytes k16(16, 1);
    const Bytes k20(20, 1);
    EXPECT_THROW(SkCipher(encr_alg::aes_gcm_16, 128, integ_alg::hmac_sha1_96, Bytes(20, 1), k20),
                 std::invalid_argument);
    EXPECT_THROW(SkCipher(encr_alg::aes_cbc, 128, integ_alg::none, k16, {}), std::invalid_argument);
    EXPECT_THROW(SkCipher(encr_alg::aes_cbc, 0, integ_alg::hmac_sha1_96, k16, k20), std::invalid_argument);
    EXPECT_THROW(SkCipher(encr_alg::aes_cbc, 128, integ_alg::hmac_sha1_96, Bytes(24, 1), k20), std::invalid_argument);
    EXPECT_THROW(SkCipher(encr_alg::aes_cbc, 128, integ_alg::hmac_sha1_96, k16, k16), std::invalid_argument);
    EXPECT_THROW(SkCipher(encr_alg::aes_ctr, 128, integ_alg::hmac_sha1_96, k16, k20), std::invalid_argument);
    EXPECT_THROW(SkCipher(encr_alg::aes_ccm_16, 128, integ_alg::none, Bytes(19, 1), {}), std::invalid_argument);
    EXPECT_THROW(SkCipher(encr_alg::aes_cbc, 128, integ_alg::aes_cmac_96, k16, k16), std::invalid_argument);
    EXPECT_FALSE(is_supported_encr(encr_alg::aes_cbc, 64));
    EXPECT_TRUE(is_supported_encr(encr_alg::triple_des, 0));
    EXPECT_FALSE(is_supported_integ(integ_alg::hmac_sha1_160));
    EXPECT_THROW(check_sk_transforms(encr_alg::chacha20_poly1305, 0, integ_alg::hmac_sha2_256_128),
                 std::invalid_argument);
}

// ---- AUTH ------------------------------------------------------------------------------------------------------

struct MdCtxFree {
    void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};

struct PssSettings {
    int salt;
    const char* mgf1;
};

Bytes sign(EVP_PKEY* key, const char* digest, ByteView data, const PssSettings* pss = nullptr) {
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (EVP_DigestSignInit_ex(ctx.get(), &pctx, digest, nullptr, nullptr, key, nullptr) != 1) {
        throw std::runtime_error("EVP_DigestSignInit_ex");
    }
    if (pss != nullptr) {
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, pss->salt);
        EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, pss->mgf1, nullptr);
    }
    std::size_t len = 0;
    EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size());
    Bytes sig(len);
    if (EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()) != 1) {
        throw std::runtime_error("EVP_DigestSign");
    }
    sig.resize(len);
    return sig;
}

// A self-signed certificate for the key, in DER, as a CERT payload would carry it.
Bytes certificate_for(EVP_PKEY* key) {
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("vpn.example"), -1, -1,
                               0);
    X509_set_issuer_name(x, name);
    X509_set_pubkey(x, key);
    const bool eddsa = EVP_PKEY_is_a(key, "ED25519");
    if (X509_sign(x, key, eddsa ? nullptr : EVP_sha256()) <= 0) throw std::runtime_error("X509_sign");
    unsigned char* der = nullptr;
    const int len = i2d_X509(x, &der);
    Bytes out(der, der + len);
    OPENSSL_free(der);
    X509_free(x);
    return out;
}

Bytes spki_of(EVP_PKEY* key) {
    unsigned char* der = nullptr;
    const int len = i2d_PUBKEY(key, &der);
    Bytes out(der, der + len);
    OPENSSL_free(der);
    return out;
}

// DER ECDSA-Sig-Value to RFC 4754's fixed-size r | s.
Bytes ecdsa_r_s(ByteView der, std::size_t size) {
    const unsigned char* p = der.data();
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
    Bytes out(2 * size);
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), out.data(), static_cast<int>(size));
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), out.data() + size, static_cast<int>(size));
    ECDSA_SIG_free(sig);
    return out;
}

// Keys are made once: RSA key generation takes a moment.
EVP_PKEY* rsa_key() {
    static PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048)));
    return key.get();
}
EVP_PKEY* ec_key(const char* curve) {
    static PkeyPtr p256(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    static PkeyPtr p384(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
    static PkeyPtr p521(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521"));
    const std::string c = curve;
    return c == "P-256" ? p256.get() : c == "P-384" ? p384.get() : p521.get();
}
EVP_PKEY* ed25519_key() {
    static PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    return key.get();
}

// The octets of a responder AUTH in a plausible shape.
Bytes octets() {
    const Bytes message2 = counting(0x00, 300);
    const Bytes ni = counting(0x55, 32);
    const Bytes idr_body = cat({Bytes{0x02, 0, 0, 0}, ascii("vpn.example")});  // ID_FQDN
    return auth_signed_octets(prf_alg::hmac_sha2_256, message2, ni, counting(0x77, 32), idr_body);
}

// RFC 7427 method 14 data: ASN.1 length | AlgorithmIdentifier | signature.
Bytes digital_signature(std::string_view algorithm_identifier_hex, ByteView signature) {
    const Bytes alg = from_hex(algorithm_identifier_hex);
    return cat({Bytes{static_cast<std::uint8_t>(alg.size())}, alg, signature});
}

// AlgorithmIdentifiers as RFC 7427 Appendix A lists them (sha256WithRSAEncryption with NULL parameters,
// ecdsa-with-SHA256 without), Ed25519 as RFC 8420 has it, and RSASSA-PSS with the RFC 4055
// parameters SHA-256 / MGF1 with SHA-256 / salt 32.
constexpr std::string_view sha256_with_rsa = "30 0d 06 09 2a 86 48 86 f7 0d 01 01 0b 05 00";
constexpr std::string_view ecdsa_with_sha256 = "30 0a 06 08 2a 86 48 ce 3d 04 03 02";
constexpr std::string_view ed25519 = "30 05 06 03 2b 65 70";
constexpr std::string_view rsassa_pss_sha256 =
    "30 41 06 09 2a 86 48 86 f7 0d 01 01 0a 30 34 a0 0f 30 0d 06 09 60 86 48 01 65 03 04 02 01 05 00 a1 1c 30 1a 06 09 "
    "2a 86 48 86 f7 0d 01 01 08 30 0d 06 09 60 86 48 01 65 03 04 02 01 05 00 a2 03 02 01 20";

TEST(Ikev2Auth, SignedOctetsAndSharedKeyMic) {
    const Bytes message2 = counting(0x00, 300);
    const Bytes ni = counting(0x55, 32);
    const Bytes sk_pr = counting(0x77, 32);
    const Bytes idr_body = cat({Bytes{0x02, 0, 0, 0}, ascii("vpn.example")});
    const Bytes expected = cat({message2, ni, reference_hmac("SHA256", sk_pr, idr_body)});
    EXPECT_EQ(to_hex(auth_signed_octets(prf_alg::hmac_sha2_256, message2, ni, sk_pr, idr_body)), to_hex(expected));

    const Bytes secret = ascii("correct horse battery staple");
    const Bytes pad_key = reference_hmac("SHA256", secret, ascii("Key Pad for IKEv2"));
    EXPECT_EQ(to_hex(shared_key_auth_data(prf_alg::hmac_sha2_256, secret, expected)),
              to_hex(reference_hmac("SHA256", pad_key, expected)));
}

TEST(Ikev2Auth, RsaSignatureMethod1) {
    const Bytes cert = certificate_for(rsa_key());
    const Bytes data = octets();
    const Bytes sig = sign(rsa_key(), "SHA1", data);
    const SignatureCheck ok = verify_auth_signature(auth_method::rsa_signature, sig, data, cert);
    EXPECT_TRUE(ok.verified) << ok.failure << ": " << ok.detail;
    EXPECT_EQ(ok.algorithm, "RSA PKCS#1 v1.5 with SHA-1");
    EXPECT_TRUE(ok.failure.empty());

    Bytes other = data;
    other[5] ^= 1;
    const SignatureCheck wrong_data = verify_auth_signature(auth_method::rsa_signature, sig, other, cert);
    EXPECT_FALSE(wrong_data.verified);
    EXPECT_EQ(wrong_data.failure, "signature_mismatch");
    Bytes bad_sig = sig;
    bad_sig[10] ^= 1;
    EXPECT_EQ(verify_auth_signature(auth_method::rsa_signature, bad_sig, data, cert).failure, "signature_mismatch");
    // SHA-256 under method 1 is not what method 1 means.
    EXPECT_EQ(verify_auth_signature(auth_method::rsa_signature, sign(rsa_key(), "SHA256", data), data, cert).failure,
              "signature_mismatch");
    EXPECT_TRUE(verify_auth_signature_with_spki(auth_method::rsa_signature, sig, data, spki_of(rsa_key())).verified);
}

TEST(Ikev2Auth, EcdsaMethods9To11) {
    const Bytes data = octets();
    const struct {
        std::uint8_t method;
        const char* curve;
        const char* digest;
        std::size_t size;
        const char* algorithm;
    } cases[] = {
        {auth_method::ecdsa_sha256_p256, "P-256", "SHA256", 32, "ECDSA P-256 with SHA-256"},
        {auth_method::ecdsa_sha384_p384, "P-384", "SHA384", 48, "ECDSA P-384 with SHA-384"},
        {auth_method::ecdsa_sha512_p521, "P-521", "SHA512", 66, "ECDSA P-521 with SHA-512"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.algorithm);
        const Bytes cert = certificate_for(ec_key(c.curve));
        const Bytes rs = ecdsa_r_s(sign(ec_key(c.curve), c.digest, data), c.size);
        const SignatureCheck ok = verify_auth_signature(c.method, rs, data, cert);
        EXPECT_TRUE(ok.verified) << ok.failure << ": " << ok.detail;
        EXPECT_EQ(ok.algorithm, c.algorithm);
        Bytes tampered = rs;
        tampered[c.size + 3] ^= 1;  // in s
        EXPECT_EQ(verify_auth_signature(c.method, tampered, data, cert).failure, "signature_mismatch");
        EXPECT_EQ(verify_auth_signature(c.method, slice(rs, 0, rs.size() - 1), data, cert).failure,
                  "bad_signature_format");
    }
    // Method 9 fixes the curve: a P-384 key cannot be used with it.
    const Bytes p384_cert = certificate_for(ec_key("P-384"));
    const Bytes rs = ecdsa_r_s(sign(ec_key("P-384"), "SHA256", data), 48);
    EXPECT_EQ(verify_auth_signature(auth_method::ecdsa_sha256_p256, rs, data, p384_cert).failure, "key_mismatch");
    EXPECT_EQ(
        verify_auth_signature(auth_method::ecdsa_sha256_p256, Bytes(64, 1), data, certificate_for(rsa_key())).failure,
        "key_mismatch");
}

TEST(Ikev2Auth, DigitalSignatureMethod14) {
    const Bytes data = octets();
    const Bytes rsa_cert = certificate_for(rsa_key());
    const Bytes p256_cert = certificate_for(ec_key("P-256"));

    SignatureCheck r =
        verify_auth_signature(auth_method::digital_signature,
                              digital_signature(sha256_with_rsa, sign(rsa_key(), "SHA256", data)), data, rsa_cert);
    EXPECT_TRUE(r.verified) << r.failure << ": " << r.detail;
    EXPECT_EQ(r.algorithm, "sha256WithRSAEncryption");

    // The ECDSA signature of method 14 is the DER ECDSA-Sig-Value, not r | s (RFC 7427 section 3).
    r = verify_auth_signature(auth_method::digital_signature,
                              digital_signature(ecdsa_with_sha256, sign(ec_key("P-256"), "SHA256", data)), data,
                              p256_cert);
    EXPECT_TRUE(r.verified) << r.failure << ": " << r.detail;
    EXPECT_EQ(r.algorithm, "ecdsa-with-SHA256");

    const PssSettings pss{32, "SHA256"};
    r = verify_auth_signature(auth_method::digital_signature,
                              digital_signature(rsassa_pss_sha256, sign(rsa_key(), "SHA256", data, &pss)), data,
                              rsa_cert);
    EXPECT_TRUE(r.verified) << r.failure << ": " << r.detail;
    EXPECT_EQ(r.algorithm, "RSASSA-PSS (SHA256, MGF1 with SHA256, salt 32)");
    // The salt length in the parameters is enforced: a signature made with salt 20 does not match them.
    const PssSettings short_salt{20, "SHA256"};
    r = verify_auth_signature(auth_method::digital_signature,
                              digital_signature(rsassa_pss_sha256, sign(rsa_key(), "SHA256", data, &short_salt)), data,
                              rsa_cert);
    EXPECT_EQ(r.failure, "signature_mismatch");

    r = verify_auth_signature(auth_method::digital_signature,
                              digital_signature(ed25519, sign(ed25519_key(), nullptr, data)), data,
                              certificate_for(ed25519_key()));
    EXPECT_TRUE(r.verified) << r.failure << ": " << r.detail;
    EXPECT_EQ(r.algorithm, "Ed25519");

    // Tampered octets fail for every algorithm.
    Bytes other = data;
    other.back() ^= 1;
    r = verify_auth_signature(auth_method::digital_signature,
                              digital_signature(ecdsa_with_sha256, sign(ec_key("P-256"), "SHA256", data)), other,
                              p256_cert);
    EXPECT_EQ(r.failure, "signature_mismatch");
    EXPECT_EQ(r.algorithm, "ecdsa-with-SHA256");
}

TEST(Ikev2Auth, Failures) {
    const Bytes data = octets();
    const Bytes rsa_cert = certificate_for(rsa_key());
    const Bytes rsa_sig = sign(rsa_key(), "SHA256", data);
    auto check = [&](std::uint8_t method, const Bytes& auth_data, const Bytes& cert, const std::string& failure) {
        const SignatureCheck r = verify_auth_signature(method, auth_data, data, cert);
        EXPECT_FALSE(r.verified);
        EXPECT_EQ(r.failure, failure) << r.detail;
        EXPECT_FALSE(r.detail.empty());
    };
    // An ECDSA AlgorithmIdentifier with an RSA certificate.
    check(auth_method::digital_signature, digital_signature(ecdsa_with_sha256, rsa_sig), rsa_cert, "key_mismatch");
    // dsa-with-sha1 (1.2.840.10040.4.3) is well-formed but not supported.
    check(auth_method::digital_signature, digital_signature("30 09 06 07 2a 86 48 ce 38 04 03", rsa_sig), rsa_cert,
          "unsupported_algorithm");
    // The length byte claims more than there is; zero length; garbage where the AlgorithmIdentifier should be.
    check(auth_method::digital_signature, Bytes{0x40, 0x30, 0x0d}, rsa_cert, "bad_algorithm_identifier");
    check(auth_method::digital_signature, cat({Bytes{0x00}, rsa_sig}), rsa_cert, "bad_algorithm_identifier");
    check(auth_method::digital_signature, cat({Bytes{0x05, 0x04, 0x03, 0x01, 0x02, 0x03}, rsa_sig}), rsa_cert,
          "bad_algorithm_identifier");
    // A length byte shorter than the DER inside it.
    check(auth_method::digital_signature, cat({Bytes{0x0e}, from_hex(sha256_with_rsa), rsa_sig}), rsa_cert,
          "bad_algorithm_identifier");
    check(auth_method::digital_signature, digital_signature(sha256_with_rsa, {}), rsa_cert, "bad_signature_format");
    check(auth_method::shared_key, rsa_sig, rsa_cert, "unsupported_method");
    check(auth_method::rsa_signature, rsa_sig, Bytes{0x30, 0x03, 0x02, 0x01, 0x00}, "bad_certificate");
    check(auth_method::rsa_signature, rsa_sig, certificate_for(ec_key("P-256")), "key_mismatch");
    EXPECT_EQ(verify_auth_signature_with_spki(auth_method::rsa_signature, rsa_sig, data, Bytes(10, 0)).failure,
              "bad_certificate");
}

}  // namespace
