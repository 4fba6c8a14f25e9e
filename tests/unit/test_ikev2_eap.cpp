// EAP inside IKE_AUTH: EAP payloads handed to the shared EAP codec and back, and the AUTH value from the
// EAP-MSCHAPv2 MSK against the independent Python computation (tests/data/mschapv2/make_vectors.py).
#include <gtest/gtest.h>

#include <string>

#include "protocol/auth/eap.hpp"
#include "protocol/auth/eap_mschapv2.hpp"
#include "protocol/auth/mschapv2.hpp"
#include "protocol/ikev2/ikev2_eap.hpp"
#include "protocol/ikev2/ikev2_registry.hpp"
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

TEST(Ikev2Eap, PayloadToPacketAndBack) {
    // What strongSwan sends after IKE_AUTH's first round: an EAP-MSCHAPv2 Challenge (the bytes of test_eap.cpp).
    ikev2::EapPayload payload;
    payload.code = 1;
    payload.identifier = 2;
    payload.type = 26;
    payload.data = from_hex("01050018 10 00112233445566778899aabbccddeeff 767078");
    const auto packet = ikev2::eap_packet(payload);
    ASSERT_TRUE(packet.ok()) << packet.error().to_string();
    const auto challenge = decode_eap_mschapv2(*packet);
    ASSERT_TRUE(challenge.ok()) << challenge.error().to_string();
    EXPECT_EQ(challenge->name, "vpx");

    const Bytes identity = encode_eap_identity_response(0, "alice");
    const ikev2::EapPayload out = ikev2::eap_payload(identity);
    EXPECT_EQ(out.code, 2);
    EXPECT_EQ(out.identifier, 0);
    EXPECT_EQ(out.type, std::optional<std::uint8_t>(1));
    EXPECT_EQ(std::string(out.data.begin(), out.data.end()), "alice");
    const ikev2::EapPayload success = ikev2::eap_payload(from_hex("03050004"));
    EXPECT_EQ(success.type, std::nullopt);
    EXPECT_THROW(ikev2::eap_payload(from_hex("0105")), std::invalid_argument);

    ikev2::EapPayload lying = payload;
    lying.data = from_hex("01050019 10 00112233445566778899aabbccddeeff 767078");  // MS-Length 25 of 24
    const auto lying_packet = ikev2::eap_packet(lying);
    ASSERT_TRUE(lying_packet.ok());
    EXPECT_EQ(decode_eap_mschapv2(*lying_packet).error().code, "ms_length_mismatch");
    ikev2::EapPayload erp = payload;
    erp.code = 5;  // RFC 6696 Initiate
    EXPECT_EQ(ikev2::eap_packet(erp).error().code, "bad_code");
}

TEST(Ikev2Eap, AuthFromTheMsChapV2Msk) {
    const auto v = vpnprobe::testsupport::read_vector_file(std::string(VPNPROBE_TEST_DATA) + "/mschapv2/vectors.txt");
    const Bytes user = from_hex(v.at("user_utf8"));
    const Bytes password = from_hex(v.at("password_utf8"));
    const auto r = mschapv2::respond(array_from_hex<16>(v.at("authenticator_challenge")),
                                     array_from_hex<16>(v.at("peer_challenge")), std::string(user.begin(), user.end()),
                                     std::string(password.begin(), password.end()));
    const Bytes msk = mschapv2::eap_msk(r.keys);
    EXPECT_EQ(to_hex(msk), v.at("eap_msk"));
    EXPECT_EQ(to_hex(ikev2::eap_auth_data(ikev2::prf_alg::hmac_sha2_256, msk, from_hex(v.at("ikev2_signed_octets")))),
              v.at("ikev2_eap_auth_hmac_sha256"));
}

}  // namespace
