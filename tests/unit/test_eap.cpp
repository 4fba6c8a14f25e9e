// EAP (RFC 3748) and EAP-MSCHAPv2 (draft-kamath-pppext-eap-mschapv2): byte vectors built by hand from the
// documents' layouts (each commented field by field), round trips, and every lying length refused by name.
// tshark's dissection of the same packets inside PPP frames is in test_ppp_tshark.cpp.
#include <gtest/gtest.h>

#include <string>

#include "protocol/auth/eap.hpp"
#include "protocol/auth/eap_mschapv2.hpp"
#include "protocol/auth/mschapv2.hpp"

using namespace vpnprobe::protocol;

namespace {

template <typename T>
void expect_error(const Decoded<T>& d, const std::string& code, std::size_t offset) {
    ASSERT_FALSE(d.ok()) << "decoded";
    EXPECT_EQ(d.error().code, code) << d.error().to_string();
    EXPECT_EQ(d.error().offset, offset) << d.error().to_string();
    EXPECT_FALSE(d.error().message.empty());
}

// 01 01 00 05 01: Request, id 1, Length 5, Identity, no text (SoftEther's first EAP packet has this shape).
TEST(Eap, IdentityRequestAndResponse) {
    const auto req = decode_eap_packet(from_hex("01 01 00 05 01"));
    ASSERT_TRUE(req.ok()) << req.error().to_string();
    EXPECT_EQ(req->code, EapCode::request);
    EXPECT_EQ(req->identifier, 1);
    EXPECT_EQ(req->type, eap_type::identity);
    EXPECT_TRUE(req->type_data.empty());
    EXPECT_EQ(describe(*req), "EAP Request id=1 Identity \"\"");
    // 02 01 00 0a 01 "alice": Response, id 1, Length 10 = 5 + 5.
    EXPECT_EQ(to_hex(encode_eap_identity_response(1, "alice")),
              "020100"
              "0a"
              "01"
              "616c696365");
}

TEST(Eap, SuccessFailureAndPadding) {
    const auto ok = decode_eap_packet(from_hex("03 07 00 04"));
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->code, EapCode::success);
    EXPECT_EQ(ok->identifier, 7);
    EXPECT_EQ(describe(*ok), "EAP Success id=7");
    // Octets past Length are data-link padding (RFC 3748 4) and ignored.
    const auto failure = decode_eap_packet(from_hex("04 08 00 04 00 00 00"));
    ASSERT_TRUE(failure.ok());
    EXPECT_EQ(failure->code, EapCode::failure);
    EXPECT_TRUE(failure->type_data.empty());
    EXPECT_EQ(to_hex(encode_eap_packet(*failure)), "04080004");
}

TEST(Eap, NakAsksForMsChapV2) {
    // 02 03 00 06 03 1a: Response, id 3, Length 6, Nak, desired type 26.
    const Bytes nak = encode_eap_nak(3, {eap_type::mschapv2});
    EXPECT_EQ(to_hex(nak),
              "020300060"
              "31a");
    const auto d = decode_eap_packet(nak);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(eap_nak_types(*d), std::vector<std::uint8_t>{eap_type::mschapv2});
    EXPECT_EQ(describe(*d), "EAP Response id=3 Nak [EAP-MSCHAPv2]");
    EXPECT_EQ(to_hex(encode_eap_nak(4, {})), "020400060300") << "no alternative is a single 0";
}

TEST(Eap, NotificationIsAnswered) {
    // 01 04 00 0b 02 "denied": Request, id 4, Length 11, Notification with a displayable text.
    const auto n = decode_eap_packet(from_hex("0104000b 02 64656e696564"));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(eap_text(*n), "denied");
    EXPECT_EQ(describe(*n), "EAP Request id=4 Notification \"denied\"");
    EXPECT_EQ(to_hex(encode_eap_notification_response(4)), "0204000502");
}

TEST(Eap, LyingLengthsAreRefused) {
    expect_error(decode_eap_packet(from_hex("01 01 00")), "truncated", 3);
    expect_error(decode_eap_packet(from_hex("05 01 00 04")), "bad_code", 0);
    expect_error(decode_eap_packet(from_hex("00 01 00 04")), "bad_code", 0);
    expect_error(decode_eap_packet(from_hex("03 01 00 03")), "bad_length", 2);
    expect_error(decode_eap_packet(from_hex("01 01 00 04")), "bad_length", 2);  // a Request needs its Type
    expect_error(decode_eap_packet(from_hex("01 01 00 09 01 61 62")), "length_mismatch", 2);
    expect_error(decode_eap_packet(from_hex("01 01 ff ff 01"), 4), "length_mismatch", 6);  // offsets from the base
}

// EAP Request id 2, type 26, Challenge: 24 bytes of Type-Data, so EAP Length 29 (0x1d) and MS-Length 24 (0x18).
//   01 02 00 1d 1a   EAP Request, id 2, Length 29, EAP-MSCHAPv2
//   01 05 00 18      OpCode Challenge, MS-CHAPv2-ID 5, MS-Length 24
//   10               Value-Size 16
//   00 11 .. ff      Challenge
//   76 70 78         Name "vpx"
const Bytes challenge_request = from_hex("0102001d1a 01050018 10 00112233445566778899aabbccddeeff 767078");

TEST(EapMsChapV2, Challenge) {
    const auto eap = decode_eap_packet(challenge_request);
    ASSERT_TRUE(eap.ok()) << eap.error().to_string();
    EXPECT_EQ(eap->type_data_offset, 5u);
    const auto m = decode_eap_mschapv2(*eap);
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    EXPECT_EQ(m->opcode, EapMschapv2OpCode::challenge);
    EXPECT_EQ(m->ms_id, 5);
    EXPECT_EQ(to_hex(m->challenge), "00112233445566778899aabbccddeeff");
    EXPECT_EQ(m->name, "vpx");
    EXPECT_EQ(describe(*m), "EAP-MSCHAPv2 Challenge ms_id=5 name=\"vpx\"");
    EXPECT_EQ(encode_eap_mschapv2(EapCode::request, 2, *m), challenge_request);
}

// The Response to it: Type-Data 4 + 1 + 49 + 5 ("alice") = 59 (0x3b), EAP Length 64 (0x40).
//   02 02 00 40 1a   EAP Response, id 2 (the Request's), Length 64, EAP-MSCHAPv2
//   02 05 00 3b      OpCode Response, MS-CHAPv2-ID 5 (the Challenge's), MS-Length 59
//   31               Value-Size 49
//   a0..af           Peer-Challenge
//   00 x 8           Reserved
//   24 bytes         NT-Response
//   00               Flags
//   61 6c 69 63 65   Name "alice"
TEST(EapMsChapV2, Response) {
    mschapv2::ResponseValue value;
    for (int i = 0; i < 16; ++i) value.peer_challenge[i] = static_cast<std::uint8_t>(0xa0 + i);
    for (int i = 0; i < 24; ++i) value.nt_response[i] = static_cast<std::uint8_t>(0x30 + i);
    const Bytes packet = encode_eap_mschapv2_response(2, 5, value, "alice");
    EXPECT_EQ(to_hex(packet),
              "020200401a"
              "0205003b"
              "31"
              "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
              "0000000000000000"
              "303132333435363738393a3b3c3d3e3f4041424344454647"
              "00"
              "616c696365");
    const auto back = decode_eap_mschapv2(decode_eap_packet(packet).value());
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(back->response, value);
    EXPECT_EQ(back->name, "alice");
    EXPECT_EQ(describe(*back), "EAP-MSCHAPv2 Response ms_id=5 name=\"alice\"") << "never the response value";
}

TEST(EapMsChapV2, SuccessFailureAndTheirAcknowledgements) {
    // Request id 3: OpCode Success, MS-CHAPv2-ID 5, MS-Length 4 + 42 + 5 = 51 (0x33), EAP Length 56 (0x38).
    const std::string text = "S=407A5589115FD0D6209F510FE9C04566932CDA56 M=OK";
    Bytes success = from_hex("010300381a 03050033");
    success.insert(success.end(), text.begin(), text.end());
    const auto m = decode_eap_mschapv2(decode_eap_packet(success).value());
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    EXPECT_EQ(m->opcode, EapMschapv2OpCode::success);
    EXPECT_EQ(m->message, text);
    EXPECT_TRUE(mschapv2::parse_success_message(m->message).ok());
    // The peer answers with the OpCode alone: 02 03 00 06 1a 03.
    EXPECT_EQ(to_hex(encode_eap_mschapv2_success_ack(3)), "020300061a03");
    EXPECT_EQ(to_hex(encode_eap_mschapv2_failure_ack(4)), "020400061a04");
    const auto ack = decode_eap_mschapv2(decode_eap_packet(from_hex("020300061a03")).value());
    ASSERT_TRUE(ack.ok());
    EXPECT_TRUE(ack->opcode_only);
    EXPECT_EQ(describe(*ack), "EAP-MSCHAPv2 Success");

    const std::string failure_text = "E=691 R=0 C=00000000000000000000000000000000 V=3 M=denied";
    EapMschapv2Packet f;
    f.opcode = EapMschapv2OpCode::failure;
    f.ms_id = 5;
    f.message = failure_text;
    const auto back = decode_eap_mschapv2(decode_eap_packet(encode_eap_mschapv2(EapCode::request, 4, f)).value());
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->message, failure_text);
    EXPECT_EQ(mschapv2::parse_failure_message(back->message)->error, 691u);
}

TEST(EapMsChapV2, LyingLengthsAreRefused) {
    auto decode = [](const std::string& hex) {
        const auto eap = decode_eap_packet(from_hex(hex));
        if (!eap.ok()) throw std::logic_error("EAP layer refused " + hex + ": " + eap.error().to_string());
        return decode_eap_mschapv2(*eap);
    };
    expect_error(decode("01020005 04"), "not_mschapv2", 5);
    expect_error(decode("03020004"), "not_mschapv2", 4);
    expect_error(decode("01020005 1a"), "truncated", 5);
    expect_error(decode("01020007 1a 0105"), "truncated", 7);
    expect_error(decode("01020009 1a 09050004"), "bad_opcode", 5);
    // MS-Length 25 where the EAP Length leaves 24 bytes, and the other way round.
    expect_error(decode("0102001d1a 01050019 10 00112233445566778899aabbccddeeff 767078"), "ms_length_mismatch", 7);
    expect_error(decode("0102001d1a 01050017 10 00112233445566778899aabbccddeeff 767078"), "ms_length_mismatch", 7);
    expect_error(decode("0102001d1a 01050018 11 00112233445566778899aabbccddeeff 767078"), "bad_value_size", 9);
    expect_error(decode("010200141a 0105000f 10 0011223344556677889900"), "value_overrun", 9);
    expect_error(decode("010200091a 02050004"), "truncated", 9);  // a Response without its Value-Size
    expect_error(decode("0102000a1a 02050005 10"), "bad_value_size", 9);
}

TEST(EapMsChapV2, AWrongMsLengthCanBeTolerated) {
    const auto eap = decode_eap_packet(from_hex("0102001d1a 01050019 10 00112233445566778899aabbccddeeff 767078"));
    ASSERT_TRUE(eap.ok());
    expect_error(decode_eap_mschapv2(*eap), "ms_length_mismatch", 7);
    const auto tolerated = decode_eap_mschapv2(*eap, true);
    ASSERT_TRUE(tolerated.ok()) << tolerated.error().to_string();
    EXPECT_EQ(tolerated->mismatched_ms_length, std::optional<std::uint16_t>(25));
    EXPECT_EQ(tolerated->name, "vpx") << "the fields are read by the EAP Length";
    EXPECT_EQ(to_hex(tolerated->challenge), "00112233445566778899aabbccddeeff");
    const auto right = decode_eap_mschapv2(decode_eap_packet(challenge_request).value(), true);
    ASSERT_TRUE(right.ok());
    EXPECT_EQ(right->mismatched_ms_length, std::nullopt) << "nothing recorded when MS-Length is right";
}

TEST(EapMsChapV2, Msk) {
    mschapv2::ClientKeys keys;
    keys.master_send_key.fill(0x11);
    keys.master_receive_key.fill(0x22);
    EXPECT_EQ(to_hex(mschapv2::eap_msk(keys)), std::string(32, '1') + std::string(32, '2') + std::string(64, '0'));
}

}  // namespace
