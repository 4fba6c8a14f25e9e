// Whole protected IKEv2 messages (protocol/ikev2/ikev2_sk.hpp): seal/open round trips for every cipher suite
// with fixed keys and IVs, a message built independently with plain OpenSSL calls, Wireshark (tshark) decrypting
// what we seal as the independent judge, fragments under a size limit, every defect open() must name, and the
// NAT-D hash against a value computed outside this code.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "protocol/ikev2/ikev2_fragments.hpp"
#include "protocol/ikev2/ikev2_keylog.hpp"
#include "protocol/ikev2/ikev2_registry.hpp"
#include "protocol/ikev2/ikev2_sk.hpp"
#include "tests/support/run_command.hpp"

namespace {

using namespace vpnprobe::protocol;
using namespace vpnprobe::protocol::ikev2;

Bytes counting(std::uint8_t start, std::size_t n) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(start + i);
    return b;
}

Bytes cat(std::initializer_list<ByteView> parts) {
    Bytes out;
    for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

// IVs 0x90 0x91 ..., then 0xa0 0xa1 ... for the next call, and so on: fixed, and different per message.
IvSource counting_ivs() {
    auto next = std::make_shared<std::uint8_t>(0x90);
    return [next](std::size_t size) {
        Bytes iv = counting(*next, size);
        *next = static_cast<std::uint8_t>(*next + 0x10);
        return iv;
    };
}

struct Suite {
    std::uint16_t encr;
    std::uint16_t bits;
    std::uint16_t integ;
};

std::string suite_name(const Suite& s) {
    return transform_id_name(static_cast<std::uint8_t>(TransformType::encr), s.encr) + "_" + std::to_string(s.bits) +
           " + " + transform_id_name(static_cast<std::uint8_t>(TransformType::integ), s.integ);
}

// Every ENCR x INTEG pair SkCipher supports: each key length of each encryption transform, with every
// integrity transform for the non-AEAD ones and NONE for the AEAD ones.
std::vector<Suite> all_suites() {
    std::vector<Suite> out;
    const std::vector<std::uint16_t> integs = {integ_alg::hmac_md5_96,       integ_alg::hmac_sha1_96,
                                               integ_alg::aes_xcbc_96,       integ_alg::hmac_sha2_256_128,
                                               integ_alg::hmac_sha2_384_192, integ_alg::hmac_sha2_512_256};
    for (std::uint16_t encr = 0; encr < 1024; ++encr) {
        for (std::uint16_t bits : {0, 128, 192, 256}) {
            if (!is_supported_encr(encr, bits)) continue;
            if (bits != 0 && is_supported_encr(encr, 0)) continue;  // a fixed key size: once, without attribute
            if (is_aead(encr)) out.push_back({encr, bits, integ_alg::none});
            else
                for (std::uint16_t integ : integs) out.push_back({encr, bits, integ});
        }
    }
    return out;
}

SkCipher make_cipher(const Suite& s, bool responder = false) {
    const std::uint8_t seed = responder ? 0x50 : 0x30;
    return SkCipher(s.encr, s.bits, s.integ, counting(seed, encr_key_material_size(s.encr, s.bits)),
                    counting(static_cast<std::uint8_t>(seed + 0x80), integ_key_size(s.integ)));
}

Header request_header(ExchangeType exchange = ExchangeType::ike_auth, std::uint32_t message_id = 1) {
    Header h;
    h.spi_i = 0x0102030405060708;
    h.spi_r = 0x1112131415161718;
    h.exchange = exchange;
    h.flags = flag_initiator;
    h.message_id = message_id;
    return h;
}

// A chain of payloads in a plausible IKE_AUTH shape, `bulk` bytes of notify data making it as long as wanted.
std::vector<Payload> some_payloads(std::size_t bulk = 40) {
    return {Payload::idi(IdPayload{id_type::fqdn, Bytes{'p', 'r', 'o', 'b', 'e'}}),
            NotifyPayload{0, {}, notify::initial_contact, {}}, NotifyPayload{0, {}, 40000, counting(0x41, bulk)},
            VendorIdPayload{Bytes{0xfe, 0xed, 0xfa, 0xce, 0xca, 0xfe}}};
}

std::uint16_t be16(const Bytes& b, std::size_t at) { return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]); }
std::uint32_t be32(const Bytes& b, std::size_t at) {
    return std::uint32_t{b[at]} << 24 | std::uint32_t{b[at + 1]} << 16 | std::uint32_t{b[at + 2]} << 8 | b[at + 3];
}
void put_be16(Bytes& b, std::size_t at, std::size_t v) {
    b[at] = static_cast<std::uint8_t>(v >> 8);
    b[at + 1] = static_cast<std::uint8_t>(v);
}
void put_be32(Bytes& b, std::size_t at, std::size_t v) {
    put_be16(b, at, v >> 16);
    put_be16(b, at + 2, v & 0xffff);
}

// ---- round trips ---------------------------------------------------------------------------------------------

TEST(Ikev2Sk, SealOpenRoundTripEverySuite) {
    const auto suites = all_suites();
    ASSERT_GE(suites.size(), 34u) << "3DES and AES-CBC x 6 integrity, AES-GCM x 3 x 3, ChaCha20-Poly1305";
    for (const Suite& s : suites) {
        SCOPED_TRACE(suite_name(s));
        const SkCipher c = make_cipher(s);
        for (std::size_t bulk : {0, 1, 13, 200}) {
            const auto payloads = some_payloads(bulk);
            const Bytes m = seal_message(request_header(), payloads, c, counting_ivs());
            // Deterministic: the same IV gives the same bytes.
            EXPECT_EQ(m, seal_message(request_header(), payloads, c, counting_ivs()));
            // Layout: header with the Length of the whole, SK header naming IDi first, then the IV as given.
            ASSERT_GT(m.size(), sk_message_overhead);
            EXPECT_EQ(be32(m, 24), m.size());
            EXPECT_EQ(m[16], static_cast<std::uint8_t>(PayloadType::sk));
            EXPECT_EQ(m[28], static_cast<std::uint8_t>(PayloadType::idi));
            EXPECT_EQ(be16(m, 30), m.size() - header_size);
            EXPECT_EQ(Bytes(m.begin() + 32, m.begin() + 32 + static_cast<std::ptrdiff_t>(c.iv_size())),
                      counting(0x90, c.iv_size()));
            const auto opened = open_message(m, c);
            ASSERT_TRUE(opened.ok()) << opened.error().to_string();
            EXPECT_EQ(opened->header.spi_i, 0x0102030405060708u);
            EXPECT_EQ(opened->header.spi_r, 0x1112131415161718u);
            EXPECT_EQ(opened->header.exchange, ExchangeType::ike_auth);
            EXPECT_EQ(opened->header.message_id, 1u);
            EXPECT_EQ(opened->payloads, payloads);
            // The other direction's keys do not open it.
            const auto wrong = open_message(m, make_cipher(s, true));
            ASSERT_FALSE(wrong.ok());
            EXPECT_EQ(wrong.error().code, "icv_mismatch");
        }
    }
}

TEST(Ikev2Sk, EmptyPayloadListSealsAnEmptySk) {
    const SkCipher c = make_cipher({encr_alg::aes_gcm_16, 256, integ_alg::none});
    const Bytes m = seal_message(request_header(ExchangeType::informational, 7), std::vector<Payload>{}, c);
    EXPECT_EQ(m[28], 0) << "SK names no inner payload";
    const auto opened = open_message(m, c);
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    EXPECT_TRUE(opened->payloads.empty());
    EXPECT_EQ(opened->header.message_id, 7u);
}

TEST(Ikev2Sk, RandomIvsDifferAndOpen) {
    const SkCipher c = make_cipher({encr_alg::aes_cbc, 128, integ_alg::hmac_sha2_256_128});
    const Bytes a = seal_message(request_header(), some_payloads(), c);
    const Bytes b = seal_message(request_header(), some_payloads(), c);
    EXPECT_NE(Bytes(a.begin() + 32, a.begin() + 48), Bytes(b.begin() + 32, b.begin() + 48));
    EXPECT_TRUE(open_message(a, c).ok());
    EXPECT_TRUE(open_message(b, c).ok());
    EXPECT_NE(random_iv(16), random_iv(16));
}

TEST(Ikev2Sk, IvOfTheWrongSizeIsRefused) {
    const SkCipher c = make_cipher({encr_alg::aes_cbc, 128, integ_alg::hmac_sha2_256_128});
    EXPECT_THROW(seal_message(request_header(), some_payloads(), c, [](std::size_t) { return Bytes(8, 0); }),
                 std::invalid_argument);
}

// ---- an independent construction -----------------------------------------------------------------------------

// RFC 7296 section 3.14 written out with plain OpenSSL calls for AES-128-CBC + HMAC-SHA2-256-128: header and SK
// header typed in by hand, IV | E(body) | first 16 bytes of HMAC(everything before the ICV).
Bytes hand_built_message(ByteView key, ByteView integ_key, ByteView iv, std::uint8_t first_inner, ByteView body) {
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
    const std::size_t total = 28 + 4 + iv.size() + ciphertext.size() + 16;
    Bytes msg = from_hex("0102030405060708 1112131415161718 2e 20 23 08 00000001");  // SK, v2.0, IKE_AUTH, I
    put_u32(msg, static_cast<std::uint32_t>(total));
    put_u8(msg, first_inner);
    put_u8(msg, 0);
    put_u16(msg, static_cast<std::uint16_t>(total - 28));
    msg = cat({msg, iv, ciphertext});
    unsigned int len = 0;
    Bytes mac(EVP_MAX_MD_SIZE);
    HMAC(EVP_sha256(), integ_key.data(), static_cast<int>(integ_key.size()), msg.data(), msg.size(), mac.data(), &len);
    return cat({msg, ByteView(mac).first(16)});
}

TEST(Ikev2Sk, MatchesAMessageBuiltByHand) {
    const Bytes key = counting(0x11, 16);
    const Bytes integ_key = counting(0x22, 32);
    const Bytes iv = counting(0x33, 16);
    const SkCipher c(encr_alg::aes_cbc, 128, integ_alg::hmac_sha2_256_128, key, integ_key);
    // N(INITIAL_CONTACT): 8 bytes; with 7 bytes of padding and the Pad Length one AES block.
    const std::vector<Payload> payloads = {NotifyPayload{0, {}, notify::initial_contact, {}}};
    const Bytes inner = from_hex("00000008 00004000");
    const Bytes expected = hand_built_message(key, integ_key, iv, 41, cat({inner, Bytes(7, 0), Bytes{7}}));
    const Bytes sealed = seal_message(request_header(), payloads, c, [&](std::size_t) { return iv; });
    EXPECT_EQ(to_hex(sealed), to_hex(expected));
    const auto opened = open_message(expected, c);
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    EXPECT_EQ(opened->payloads, payloads);
}

// ---- fragments ---------------------------------------------------------------------------------------------

std::vector<Payload> reassemble(const std::vector<Bytes>& fragments, const SkCipher& c) {
    FragmentReassembler r(FragmentReassembler::Limits{1000, 1 << 20});
    for (const Bytes& f : fragments) {
        auto opened = open_fragment(f, c);
        EXPECT_TRUE(opened.ok()) << opened.error().to_string();
        if (!opened) return {};
        EXPECT_EQ(r.admit(opened->number, opened->total), FragmentReassembler::Admission::take);
        EXPECT_TRUE(r.add(opened->number, opened->first_inner, opened->plaintext));
    }
    EXPECT_TRUE(r.complete());
    auto inner = decode_inner_payloads(r.first_inner(), r.assemble());
    EXPECT_TRUE(inner.ok()) << inner.error().to_string();
    return inner ? *inner : std::vector<Payload>{};
}

TEST(Ikev2Sk, FragmentsFitTheLimitAndReassemble) {
    for (const Suite& s :
         {Suite{encr_alg::aes_cbc, 256, integ_alg::hmac_sha2_512_256},
          Suite{encr_alg::triple_des, 0, integ_alg::hmac_sha1_96}, Suite{encr_alg::aes_gcm_16, 128, integ_alg::none}}) {
        SCOPED_TRACE(suite_name(s));
        const SkCipher c = make_cipher(s);
        const auto payloads = some_payloads(3000);
        const InnerChain inner = encode_inner_payloads(payloads);
        for (std::size_t limit : {1200u, 500u, 140u}) {
            SCOPED_TRACE("limit " + std::to_string(limit));
            const auto frags =
                seal_fragments(request_header(), inner.first_type, inner.bytes, c, limit, counting_ivs());
            ASSERT_GE(frags.size(), 2u);
            std::size_t carried = 0;
            for (std::size_t i = 0; i < frags.size(); ++i) {
                const Bytes& f = frags[i];
                EXPECT_LE(f.size(), limit);
                EXPECT_EQ(f[16], static_cast<std::uint8_t>(PayloadType::skf));
                EXPECT_EQ(be16(f, 32), i + 1) << "Fragment Number";
                EXPECT_EQ(be16(f, 34), frags.size()) << "Total Fragments";
                EXPECT_EQ(f[28], i == 0 ? static_cast<std::uint8_t>(PayloadType::idi) : 0);
                const auto opened = open_fragment(f, c);
                ASSERT_TRUE(opened.ok()) << opened.error().to_string();
                carried += opened->plaintext.size();
                // As few fragments as fit: one byte more would not have fitted into any but the last.
                if (i + 1 < frags.size()) {
                    EXPECT_GT(skf_message_overhead + c.sealed_size(opened->plaintext.size() + 1), limit);
                }
            }
            EXPECT_EQ(carried, inner.bytes.size());
            EXPECT_EQ(reassemble(frags, c), payloads);
        }
    }
}

TEST(Ikev2Sk, SealProtectedFragmentsOnlyWhenAllowedAndNeeded) {
    const SkCipher c = make_cipher({encr_alg::aes_cbc, 128, integ_alg::hmac_sha2_256_128});
    const auto small = some_payloads(10);
    const auto big = some_payloads(2000);
    ASSERT_EQ(seal_protected(request_header(), small, c, 1200).size(), 1u);
    EXPECT_EQ(seal_protected(request_header(), small, c, 1200)[0][16], static_cast<std::uint8_t>(PayloadType::sk));
    const auto whole = seal_protected(request_header(), big, c, std::nullopt);
    ASSERT_EQ(whole.size(), 1u) << "no limit (fragmentation not offered): one SK message however big";
    EXPECT_GT(whole[0].size(), 2000u);
    const auto frags = seal_protected(request_header(), big, c, 1200);
    ASSERT_EQ(frags.size(), 2u);
    EXPECT_EQ(reassemble(frags, c), big);
    // A message of exactly the limit still goes whole; one byte less of limit splits it.
    const std::size_t exact =
        whole.size() == 1 ? seal_protected(request_header(), small, c, std::nullopt)[0].size() : 0;
    EXPECT_EQ(seal_protected(request_header(), small, c, exact).size(), 1u);
    EXPECT_EQ(seal_protected(request_header(), small, c, exact - 1).size(), 2u);
}

TEST(Ikev2Sk, FragmentLimitThatCannotHoldAByteIsRefused) {
    const SkCipher c = make_cipher({encr_alg::aes_cbc, 256, integ_alg::hmac_sha2_512_256});
    const Bytes plain = counting(0, 100);
    // 36 bytes of headers, 16 IV, one 16-byte block, 32 ICV: 100 bytes hold one block, that is 15 bytes of
    // plaintext and the Pad Length (7 fragments for 100 bytes); 99 bytes hold nothing.
    EXPECT_EQ(seal_fragments(request_header(), PayloadType::idi, plain, c, 100).size(), 7u);
    EXPECT_THROW(seal_fragments(request_header(), PayloadType::idi, plain, c, 99), std::invalid_argument);
}

TEST(Ikev2Sk, LyingFragmentNumbersAreWrittenAsGiven) {
    const SkCipher c = make_cipher({encr_alg::aes_gcm_16, 128, integ_alg::none});
    const Bytes f = seal_fragment(request_header(), 3, 5000, PayloadType::none, counting(0, 10), c);
    const auto opened = open_fragment(f, c);
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    EXPECT_EQ(opened->number, 3);
    EXPECT_EQ(opened->total, 5000);
    EXPECT_EQ(opened->plaintext, counting(0, 10));
    // Fragment Number and Total Fragments are associated data: changing them breaks the tag (RFC 7383 2.5).
    Bytes changed = f;
    changed[35] ^= 0x01;
    const auto refused = open_fragment(changed, c);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, "icv_mismatch");
}

// ---- every defect open() names --------------------------------------------------------------------------------

std::string open_code(const Bytes& m, const SkCipher& c) {
    auto r = open_message(m, c);
    return r ? "ok" : r.error().code;
}

TEST(Ikev2Sk, EveryFlippedByteIsRefused) {
    for (const Suite& s :
         {Suite{encr_alg::aes_cbc, 128, integ_alg::hmac_sha1_96}, Suite{encr_alg::aes_gcm_8, 256, integ_alg::none},
          Suite{encr_alg::chacha20_poly1305, 0, integ_alg::none}}) {
        SCOPED_TRACE(suite_name(s));
        const SkCipher c = make_cipher(s);
        const Bytes m = seal_message(request_header(), some_payloads(), c, counting_ivs());
        for (std::size_t i = 0; i < m.size(); ++i) {
            Bytes bad = m;
            bad[i] ^= 0x04;
            const auto r = open_message(bad, c);
            ASSERT_FALSE(r.ok()) << "byte " << i << " changed and still opened";
            EXPECT_TRUE(could_be_forged(r.error())) << "byte " << i << ": " << r.error().to_string();
        }
    }
}

TEST(Ikev2Sk, TamperingIsNamedWithItsPlace) {
    const Suite s{encr_alg::aes_cbc, 128, integ_alg::hmac_sha2_256_128};
    const SkCipher c = make_cipher(s);
    const Bytes m = seal_message(request_header(), some_payloads(), c, counting_ivs());
    Bytes icv = m;
    icv.back() ^= 0x80;
    const auto r = open_message(icv, c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "icv_mismatch");
    EXPECT_EQ(r.error().offset, m.size() - 16) << "points at the ICV";
    Bytes header = m;
    header[19] ^= 0x01;  // the message ID is authenticated too
    EXPECT_EQ(open_code(header, c), "icv_mismatch");
}

TEST(Ikev2Sk, BadPaddingIsAuthenticAndNamed) {
    const Bytes key = counting(0x11, 16);
    const Bytes integ_key = counting(0x22, 32);
    const SkCipher c(encr_alg::aes_cbc, 128, integ_alg::hmac_sha2_256_128, key, integ_key);
    // Authentic block, Pad Length 200 after 15 bytes.
    const Bytes m = hand_built_message(key, integ_key, counting(0x33, 16), 41, cat({counting(0, 15), Bytes{200}}));
    const auto r = open_message(m, c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "bad_padding");
    EXPECT_EQ(r.error().offset, 28u + 4 + 16 + 15) << "points at the Pad Length";
    EXPECT_FALSE(could_be_forged(r.error())) << "only the key holder can produce this";
}

TEST(Ikev2Sk, MalformedInnerPayloadsAreAuthenticAndNamed) {
    const SkCipher c = make_cipher({encr_alg::aes_gcm_16, 128, integ_alg::none});
    // IDr claiming 65535 bytes of an 8-byte plaintext.
    const Bytes m = seal_message(request_header(), PayloadType::idr, Bytes{0, 0, 0xff, 0xff, 2, 0, 0, 0}, c);
    const auto r = open_message(m, c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "inner_payloads: payload_overrun");
    EXPECT_EQ(r.error().offset, 2u) << "offset within the plaintext";
    EXPECT_NE(r.error().message.find("decrypted"), std::string::npos) << r.error().message;
    EXPECT_FALSE(could_be_forged(r.error()));
}

TEST(Ikev2Sk, TruncationAndLyingLengthsAreNamed) {
    const SkCipher c = make_cipher({encr_alg::aes_cbc, 128, integ_alg::hmac_sha1_96});
    const Bytes m = seal_message(request_header(), some_payloads(), c, counting_ivs());

    EXPECT_EQ(open_code(Bytes(m.begin(), m.begin() + 20), c), "truncated");
    EXPECT_EQ(open_code(Bytes(m.begin(), m.end() - 1), c), "length_mismatch") << "header Length says one more";

    Bytes overrun = m;  // SK payload Length one past the end
    put_be16(overrun, 30, be16(m, 30) + 1);
    EXPECT_EQ(open_code(overrun, c), "payload_overrun");

    // Lengths consistent, but the sealed block is too short to hold IV, one block and ICV.
    Bytes tiny(m.begin(), m.begin() + 32 + 16 + 12);
    put_be32(tiny, 24, tiny.size());
    put_be16(tiny, 30, tiny.size() - 28);
    EXPECT_EQ(open_code(tiny, c), "too_short");

    // Lengths consistent, ciphertext not a whole number of AES blocks.
    Bytes ragged = m;
    ragged.erase(ragged.begin() + 32 + 16);
    put_be32(ragged, 24, ragged.size());
    put_be16(ragged, 30, ragged.size() - 28);
    const auto r = open_message(ragged, c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "bad_length");
    EXPECT_TRUE(could_be_forged(r.error()));
}

TEST(Ikev2Sk, WrongKindOfMessageIsNamed) {
    const SkCipher c = make_cipher({encr_alg::aes_cbc, 128, integ_alg::hmac_sha1_96});
    Message plain;
    plain.header = request_header(ExchangeType::ike_sa_init, 0);
    plain.payloads.push_back(NoncePayload{counting(0, 32)});
    EXPECT_EQ(open_code(encode_message(plain), c), "not_encrypted");
    const Bytes frag = seal_fragment(request_header(), 1, 2, PayloadType::idi, counting(0, 20), c);
    EXPECT_EQ(open_code(frag, c), "fragment");
    const Bytes whole = seal_message(request_header(), some_payloads(), c);
    const auto r = open_fragment(whole, c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "not_encrypted");
}

TEST(Ikev2Sk, OpenSkOfAnAlreadyDecodedMessage) {
    const SkCipher c = make_cipher({encr_alg::aes_gcm_12, 192, integ_alg::none});
    const Bytes m = seal_message(request_header(), some_payloads(), c);
    const auto decoded = decode_message(m);
    ASSERT_TRUE(decoded.ok());
    const auto* sk = decoded->find<SkPayload>();
    ASSERT_NE(sk, nullptr);
    const auto inner = open_sk(m, *sk, c);
    ASSERT_TRUE(inner.ok()) << inner.error().to_string();
    EXPECT_EQ(*inner, some_payloads());
    // The payload must come from these bytes.
    SkPayload other = *sk;
    other.encrypted[0] ^= 1;
    EXPECT_THROW((void)open_sk(m, other, c), std::invalid_argument);
}

// ---- NAT detection ---------------------------------------------------------------------------------------------

// Expected values computed outside this code with Python's hashlib:
//   hashlib.sha1(struct.pack('>QQ', spi_i, spi_r) + ipaddress.ip_address(ip).packed + struct.pack('>H', port))
// and the first also with `printf '\x01...\x01\xf4' | openssl dgst -sha1`.
TEST(Ikev2NatDetection, MatchesIndependentlyComputedHashes) {
    EXPECT_EQ(to_hex(nat_detection_hash(0x0102030405060708, 0x1112131415161718, Bytes{192, 0, 2, 1}, 500)),
              "d798d986143f878f70765e0e869c80bbc375f701");
    EXPECT_EQ(to_hex(nat_detection_hash(0x0102030405060708, 0, Bytes{192, 0, 2, 1}, 500)),
              "644b4575455bd6fcc1efe2be8162a9218e448e5f");
    const Bytes v6 = from_hex("20010db8000000000000000000000001");  // 2001:db8::1
    EXPECT_EQ(to_hex(nat_detection_hash(0x0102030405060708, 0x1112131415161718, v6, 4500)),
              "1ee24423bf8f59515e0265c6d0f08be3d038f7e5");
}

TEST(Ikev2NatDetection, AddressesOfOtherSizesAreRefused) {
    EXPECT_THROW(nat_detection_hash(1, 2, Bytes{127, 0, 0}, 500), std::invalid_argument);
    EXPECT_THROW(nat_detection_hash(1, 2, Bytes(6, 0), 500), std::invalid_argument);
}

// ---- Wireshark as the judge ------------------------------------------------------------------------------------

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(Ikev2Keylog, LineHasBareHexAndQuotedNames) {
    IkeSaKeys keys;
    keys.encr_id = encr_alg::aes_cbc, keys.encr_key_bits = 128, keys.integ_id = integ_alg::hmac_sha2_256_128;
    keys.sk_ei = Bytes{0x01, 0x02}, keys.sk_er = Bytes{0x03}, keys.sk_ai = Bytes{0xaa}, keys.sk_ar = Bytes{0xbb};
    EXPECT_EQ(
        wireshark_keylog_line(0x0102030405060708, 0xa1a2a3a4a5a6a7a8, keys),
        "0102030405060708,a1a2a3a4a5a6a7a8,0102,03,\"AES-CBC-128 [RFC3602]\",aa,bb,\"HMAC_SHA2_256_128 [RFC4868]\"");
    keys.encr_id = encr_alg::aes_gcm_16, keys.encr_key_bits = 256, keys.integ_id = integ_alg::none;
    keys.sk_ai.clear(), keys.sk_ar.clear();
    EXPECT_EQ(
        wireshark_keylog_line(1, 2, keys),
        "0000000000000001,0000000000000002,0102,03,\"AES-GCM-256 with 16 octet ICV [RFC5282]\",,,\"NONE [RFC4306]\"");
    keys.encr_id = encr_alg::chacha20_poly1305, keys.encr_key_bits = 0;  // Wireshark 4.0 has no name for it
    EXPECT_NE(wireshark_keylog_line(1, 2, keys).find("\"CHACHA20_POLY1305\""), std::string::npos);
}

// A classic pcap (Ethernet, IPv4, UDP 500 -> 500) holding the messages.
void write_pcap(const std::string& path, const std::vector<Bytes>& messages) {
    Bytes out = from_hex("d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000");
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const Bytes& m = messages[i];
        Bytes frame = from_hex("020000000002 020000000001 0800");
        const std::size_t ip_len = 20 + 8 + m.size();
        Bytes ip = from_hex("4500");
        put_u16(ip, static_cast<std::uint16_t>(ip_len));
        ip = cat({ip, from_hex("0000 0000 4011 0000 c0000201 c0000202")});
        std::uint32_t sum = 0;
        for (std::size_t k = 0; k < 20; k += 2) sum += static_cast<std::uint32_t>(ip[k] << 8 | ip[k + 1]);
        while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
        ip[10] = static_cast<std::uint8_t>(~sum >> 8);
        ip[11] = static_cast<std::uint8_t>(~sum);
        Bytes udp = from_hex("01f4 01f4");
        put_u16(udp, static_cast<std::uint16_t>(8 + m.size()));
        put_u16(udp, 0);
        frame = cat({frame, ip, udp, m});
        Bytes rec;
        for (std::uint32_t v : {static_cast<std::uint32_t>(i + 1), 0u, static_cast<std::uint32_t>(frame.size()),
                                static_cast<std::uint32_t>(frame.size())})
            for (int k = 0; k < 4; ++k) rec.push_back(static_cast<std::uint8_t>(v >> (8 * k)));  // little endian
        out = cat({out, rec, frame});
    }
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(out.data()), out.size());
}

TEST(Ikev2SkWireshark, TsharkDecryptsWhatWeSeal) {
    if (std::system("command -v tshark >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "tshark is not installed (Debian package tshark, scripts/install-deps.sh): no independent "
                        "decryption check";
    char dir_template[] = "/tmp/vpnprobe-sk-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    const std::string dir = dir_template;
    int checked = 0;
    for (const Suite& s : all_suites()) {
        // Wireshark 4.0 has no AES-XCBC-96 or ChaCha20-Poly1305 in its table.
        if (!wireshark_algorithm_name(TransformType::encr, s.encr, s.bits) ||
            !wireshark_algorithm_name(TransformType::integ, s.integ, 0))
            continue;
        SCOPED_TRACE(suite_name(s));
        const Bytes ei = counting(0x30, encr_key_material_size(s.encr, s.bits));
        const Bytes ai = counting(0xb0, integ_key_size(s.integ));
        const Bytes er = counting(0x50, ei.size());
        const Bytes ar = counting(0xd0, ai.size());
        const SkCipher initiator(s.encr, s.bits, s.integ, ei, ai);
        const SkCipher responder(s.encr, s.bits, s.integ, er, ar);
        Header response = request_header();
        response.flags = flag_response;
        // A request sealed with SK_ei, a response with SK_er; each carries a Vendor ID of its own to look for.
        const Bytes req = seal_message(request_header(), {VendorIdPayload{from_hex("aa01020304")}}, initiator);
        const Bytes resp = seal_message(response, {VendorIdPayload{from_hex("bb05060708")}}, responder);
        const std::string pcap = dir + "/sk.pcap";
        write_pcap(pcap, {req, resp});
        IkeSaKeys keys;
        keys.encr_id = s.encr, keys.encr_key_bits = s.bits, keys.integ_id = s.integ;
        keys.sk_ei = ei, keys.sk_er = er, keys.sk_ai = ai, keys.sk_ar = ar;
        const std::string uat = wireshark_keylog_line(0x0102030405060708, 0x1112131415161718, keys);
        // -o needs the UAT line quoted for the shell: single quotes around it (it contains no single quote).
        const auto r =
            vpnprobe::testsupport::run_command("tshark -n -r " + pcap + " -o 'uat:ikev2_decryption_table:" + uat +
                                               "' -T fields -e isakmp.vid_bytes 2>" + pcap + ".err");
        EXPECT_EQ(r.exit_code, 0) << read_text(pcap + ".err");
        EXPECT_EQ(r.out, "aa01020304\nbb05060708\n") << "tshark could not decrypt both messages";
        ++checked;
    }
    std::remove((dir + "/sk.pcap").c_str());
    std::remove((dir + "/sk.pcap.err").c_str());
    ::rmdir(dir.c_str());
    EXPECT_EQ(checked, 29) << "3DES and AES-CBC-128/192/256 with 5 HMACs each, and 9 AES-GCM suites";
}

// The judge is not a rubber stamp: with one wrong key bit it decrypts nothing.
TEST(Ikev2SkWireshark, TsharkRefusesAWrongKey) {
    if (std::system("command -v tshark >/dev/null 2>&1") != 0) GTEST_SKIP() << "tshark is not installed";
    const Suite s{encr_alg::aes_gcm_16, 256, integ_alg::none};
    const Bytes ei = counting(0x30, encr_key_material_size(s.encr, s.bits));
    const SkCipher c(s.encr, s.bits, s.integ, ei, {});
    const Bytes req = seal_message(request_header(), {VendorIdPayload{from_hex("aa01020304")}}, c);
    Bytes wrong = ei;
    wrong[0] ^= 1;
    char dir_template[] = "/tmp/vpnprobe-sk-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    const std::string pcap = std::string(dir_template) + "/sk.pcap";
    write_pcap(pcap, {req});
    IkeSaKeys keys;
    keys.encr_id = s.encr, keys.encr_key_bits = s.bits, keys.integ_id = s.integ, keys.sk_ei = wrong, keys.sk_er = wrong;
    const std::string uat = wireshark_keylog_line(0x0102030405060708, 0x1112131415161718, keys);
    const auto r =
        vpnprobe::testsupport::run_command("tshark -n -r " + pcap + " -o 'uat:ikev2_decryption_table:" + uat +
                                           "' -T fields -e isakmp.vid_bytes 2>" + pcap + ".err");
    EXPECT_EQ(r.exit_code, 0) << read_text(pcap + ".err");
    EXPECT_EQ(r.out.find("aa01020304"), std::string::npos) << r.out;
    EXPECT_EQ(r.out, "\n") << "one packet, nothing decrypted";
    std::remove((pcap + ".err").c_str());
    std::remove(pcap.c_str());
    ::rmdir(dir_template);
}

}  // namespace
