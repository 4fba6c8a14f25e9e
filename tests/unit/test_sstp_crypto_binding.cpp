// The SSTP crypto binding (MS-SSTP 3.2.5.2): the specification's own worked example (section 4.7), the
// SHA-1 case of sstp-client's unit test, and vectors computed independently from MS-CHAPv2 keys by
// tests/data/mschapv2/make_vectors.py (vectors.txt).
#include <gtest/gtest.h>

#include <string>

#include "protocol/auth/mschapv2.hpp"
#include "protocol/sstp/sstp.hpp"
#include "protocol/sstp/sstp_crypto_binding.hpp"
#include "tests/support/vector_file.hpp"

using namespace vpnprobe::protocol;

namespace {

template <std::size_t N>
std::array<std::uint8_t, N> array_from_hex(const std::string& hex) {
    const Bytes b = from_hex(hex);
    if (b.size() != N) throw std::invalid_argument("want " + std::to_string(N) + " bytes: " + hex);
    std::array<std::uint8_t, N> a{};
    std::copy(b.begin(), b.end(), a.begin());
    return a;
}

// MS-SSTP 4.7: the server's CALL_CONNECT_ACK (SHA256 only) and the client's CALL_CONNECTED, byte for byte.
// The HLAK is the one sstp-client's unit test (sstp-cmac.c, sstp_test_sha256) uses for the same example; with
// it the spec's Compound MAC comes out, which also fixes the byte order of LEN in the CMK seed.
const Bytes spec_connect_ack = from_hex(
    "10 01 00 30 00 02 00 01 00 04 00 28 00 00 00 02 41 2B 48 9A EB D7 EC C7 D0 89 66 F2 6B E7 CD 72"
    "B2 31 A0 E9 21 0D 7C 91 B3 08 86 2B 03 44 C4 35");
const Bytes spec_call_connected = from_hex(
    "10 01 00 70 00 04 00 01 00 03 00 68 00 00 00 02 41 2B 48 9A EB D7 EC C7 D0 89 66 F2 6B E7 CD 72"
    "B2 31 A0 E9 21 0D 7C 91 B3 08 86 2B 03 44 C4 35 79 93 EF 31 4C 49 3D AC E9 F0 2D 60 E7 E6 1C 84"
    "B6 69 0A AF E9 D7 AE EA 92 CB BE 8A D5 99 42 2D 52 A6 8E FD 8C FF BF 52 77 0B 8F 0F E8 EC 73 71"
    "65 83 AF 6D 61 1E B6 D1 79 B3 B2 08 40 98 54 49");
const SstpHlak spec_hlak = array_from_hex<32>("2A1BB40D55AB0F5EF32F06F2B3CC73C4 8FD3FAC41D7A1315A19228D9024CA164");

TEST(SstpCryptoBinding, MsSstpSection47Example) {
    const auto ack = decode_sstp_packet(spec_connect_ack);
    ASSERT_TRUE(ack.ok()) << ack.error().to_string();
    const auto* request = ack->control()->find<SstpCryptoBindingRequest>();
    ASSERT_NE(request, nullptr);
    const auto hash = sstp_choose_hash_protocol(request->hash_protocol_bitmask);
    ASSERT_EQ(hash, sstp_cert_hash_sha256);
    const Bytes cert_hash = from_hex("7993EF314C493DACE9F02D60E7E61C84B6690AAFE9D7AEEA92CBBE8AD599422D");
    const SstpCryptoBinding binding = sstp_crypto_binding(*hash, request->nonce, cert_hash, spec_hlak);
    EXPECT_EQ(to_hex(encode_call_connected(binding)), to_hex(spec_call_connected));
    EXPECT_TRUE(sstp_compound_mac_valid(binding, spec_hlak));
}

// sstp-client's SHA-1 unit test (sstp-cmac.c, sstp_test_sha1): the HMAC-SHA1-160 case, whose 20-byte
// certificate hash and MAC are padded with 12 zero bytes.
TEST(SstpCryptoBinding, Sha1WithPadding) {
    const auto nonce = array_from_hex<32>("0F1A2D58D4A3E3000FAD3CE4906E07B707AA9E441CCEAC5CBD7B2CC1C9D86CDF");
    const Bytes cert_hash = from_hex("5826B629BDA59B8E6FD8DCD2622FD34C534805A5");
    const SstpHlak hlak = array_from_hex<32>("4B3128F43925D9006EEFB1C4E86515A1 D88E56BAB3CA2BDF0373B7F5A8A13B19");
    const SstpCryptoBinding binding = sstp_crypto_binding(sstp_cert_hash_sha1, nonce, cert_hash, hlak);
    EXPECT_EQ(to_hex(ByteView(binding.compound_mac).first(20)), "69915dd583d8062fef16f61db2f03290ec27cb6c");
    EXPECT_EQ(to_hex(ByteView(binding.compound_mac).last(12)), std::string(24, '0'));
    EXPECT_EQ(to_hex(ByteView(binding.cert_hash).last(12)), std::string(24, '0'));
    const Bytes packet = encode_call_connected(binding);
    ASSERT_EQ(packet.size(), 112u);
    EXPECT_EQ(to_hex(ByteView(packet).first(16)), "10010070000400010003006800000001");
}

// From a password to the packet: MS-CHAPv2 keys, HLAK, CMK and CALL_CONNECTED for both hashes, against the
// independent Python computation.
TEST(SstpCryptoBinding, IndependentVectorsFromMsChapV2Keys) {
    const auto v = vpnprobe::testsupport::read_vector_file(std::string(VPNPROBE_TEST_DATA) + "/mschapv2/vectors.txt");
    const Bytes user_bytes = from_hex(v.at("user_utf8"));
    const Bytes password_bytes = from_hex(v.at("password_utf8"));
    const auto hash = mschapv2::nt_password_hash(std::string(password_bytes.begin(), password_bytes.end()));
    const auto nt = mschapv2::generate_nt_response(array_from_hex<16>(v.at("authenticator_challenge")),
                                                   array_from_hex<16>(v.at("peer_challenge")),
                                                   std::string(user_bytes.begin(), user_bytes.end()), hash);
    const SstpHlak hlak = sstp_hlak_mschapv2(mschapv2::client_keys(hash, nt));
    EXPECT_EQ(to_hex(hlak), v.at("sstp_hlak"));
    const auto nonce = array_from_hex<32>(v.at("sstp_nonce"));
    const Bytes cert = from_hex(v.at("sstp_cert_der"));
    for (const auto& [name, protocol] : {std::pair{"sha1", sstp_cert_hash_sha1}, {"sha256", sstp_cert_hash_sha256}}) {
        SCOPED_TRACE(name);
        const std::string prefix = std::string("sstp_") + name + "_";
        const Bytes cert_hash = sstp_cert_hash(protocol, cert);
        EXPECT_EQ(to_hex(cert_hash), v.at(prefix + "cert_hash"));
        EXPECT_EQ(to_hex(sstp_cmk(protocol, hlak)), v.at(prefix + "cmk"));
        const SstpCryptoBinding binding = sstp_crypto_binding(protocol, nonce, cert_hash, hlak);
        EXPECT_EQ(to_hex(encode_call_connected(binding)), v.at(prefix + "call_connected"));
        // What we send decodes with the existing SSTP codec, unchanged.
        const auto decoded = decode_sstp_packet(encode_call_connected(binding));
        ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
        ASSERT_NE(decoded->control()->find<SstpCryptoBinding>(), nullptr);
        EXPECT_EQ(*decoded->control()->find<SstpCryptoBinding>(), binding);
    }
}

TEST(SstpCryptoBinding, TheServersCheckFailsOnAnyChange) {
    const auto nonce = array_from_hex<32>("412B489AEBD7ECC7D08966F26BE7CD72B231A0E9210D7C91B308862B0344C435");
    const Bytes cert_hash(32, 0x11);
    const SstpCryptoBinding good = sstp_crypto_binding(sstp_cert_hash_sha256, nonce, cert_hash, spec_hlak);
    ASSERT_TRUE(sstp_compound_mac_valid(good, spec_hlak));
    SstpHlak other_hlak = spec_hlak;
    other_hlak[31] ^= 1;
    EXPECT_FALSE(sstp_compound_mac_valid(good, other_hlak)) << "another login's keys";
    SstpCryptoBinding changed = good;
    changed.nonce[0] ^= 1;
    EXPECT_FALSE(sstp_compound_mac_valid(changed, spec_hlak)) << "another connection's nonce";
    changed = good;
    changed.cert_hash[5] ^= 0x80;
    EXPECT_FALSE(sstp_compound_mac_valid(changed, spec_hlak)) << "another certificate (a man in the middle)";
    changed = good;
    changed.hash_protocol_bitmask = sstp_cert_hash_sha1 | sstp_cert_hash_sha256;
    EXPECT_FALSE(sstp_compound_mac_valid(changed, spec_hlak)) << "two bits are not a choice";
}

TEST(SstpCryptoBinding, HashChoiceAndHlakShapes) {
    EXPECT_EQ(sstp_choose_hash_protocol(0x03), sstp_cert_hash_sha256);
    EXPECT_EQ(sstp_choose_hash_protocol(0x02), sstp_cert_hash_sha256);
    EXPECT_EQ(sstp_choose_hash_protocol(0x01), sstp_cert_hash_sha1);
    EXPECT_EQ(sstp_choose_hash_protocol(0x05), sstp_cert_hash_sha1);
    EXPECT_EQ(sstp_choose_hash_protocol(0x00), std::nullopt);
    EXPECT_EQ(sstp_choose_hash_protocol(0xfc), std::nullopt);

    EXPECT_EQ(sstp_hlak_from_key_material({}), SstpHlak{}) << "PAP/CHAP-MD5: 32 zero bytes";
    const Bytes msk64(64, 0xab);
    EXPECT_EQ(to_hex(sstp_hlak_from_key_material(msk64)), to_hex(Bytes(32, 0xab))) << "an MSK: its first 32 bytes";
    EXPECT_EQ(to_hex(sstp_hlak_from_key_material(from_hex("0102"))), "0102" + std::string(60, '0'));

    mschapv2::ClientKeys keys;
    keys.master_send_key.fill(0x11);
    keys.master_receive_key.fill(0x22);
    EXPECT_EQ(to_hex(sstp_hlak_mschapv2(keys)), std::string(32, '1') + std::string(32, '2'))
        << "client HLAK = MasterSendKey | MasterReceiveKey";

    EXPECT_THROW(sstp_cmk(0x03, spec_hlak), std::invalid_argument);
    EXPECT_THROW(sstp_cert_hash(0x00, from_hex("00")), std::invalid_argument);
    EXPECT_THROW(sstp_crypto_binding(sstp_cert_hash_sha256, {}, Bytes(20), spec_hlak), std::invalid_argument)
        << "a SHA-1 sized hash for SHA-256";
}

}  // namespace
