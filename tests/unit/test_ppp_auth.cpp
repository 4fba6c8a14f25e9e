// CHAP (RFC 1994) with MS-CHAPv2 (RFC 2759) and MD5, and PAP (RFC 1334) inside PPP frames: hand-built byte
// vectors, the RFC 2759 example run through the CHAP packets, lying lengths refused by name, what is weak.
#include <gtest/gtest.h>

#include <string>

#include "protocol/auth/mschapv2.hpp"
#include "protocol/sstp/ppp_auth.hpp"
#include "protocol/sstp/ppp_lcp.hpp"

using namespace vpnprobe::protocol;

namespace {

template <typename T>
void expect_error(const Decoded<T>& d, const std::string& code, std::size_t offset) {
    ASSERT_FALSE(d.ok()) << "decoded";
    EXPECT_EQ(d.error().code, code) << d.error().to_string();
    EXPECT_EQ(d.error().offset, offset) << d.error().to_string();
    EXPECT_FALSE(d.error().message.empty());
}

Decoded<ChapPacket> chap_from_frame(const Bytes& frame) {
    auto f = decode_ppp_frame(frame);
    if (!f) return f.error();
    if (f->protocol != ppp_protocol_chap) return DecodeError{"not_chap", "not CHAP", 2};
    return decode_chap_packet(f->information, f->information_offset);
}

// A Windows RRAS-style MS-CHAPv2 Challenge, the RFC 2759 9.2 authenticator challenge as its value:
//   ff 03 c2 23   address, control, CHAP
//   01 07 00 18   Challenge, identifier 7, Length 24 = 4 + 1 + 16 + 3
//   10            Value-Size 16
//   5b5d..2628    the authenticator challenge
//   52 41 53      Name "RAS"
const Bytes rras_challenge = from_hex("ff03c223 01070018 10 5B5D7C7D7B3F2F3E3C2C602132262628 524153");

TEST(PppChap, MsChapV2ChallengeAndResponseWithTheRfcExample) {
    const auto c = chap_from_frame(rras_challenge);
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(c->code, ChapCode::challenge);
    EXPECT_EQ(c->identifier, 7);
    EXPECT_EQ(c->name, "RAS");
    EXPECT_EQ(describe(*c), "CHAP Challenge id=7 value=16 bytes name=\"RAS\"");
    const auto challenge = chap_mschapv2_challenge(*c);
    ASSERT_TRUE(challenge.ok());

    mschapv2::ResponseValue value;
    value.peer_challenge = {0x21, 0x40, 0x23, 0x24, 0x25, 0x5E, 0x26, 0x2A,
                            0x28, 0x29, 0x5F, 0x2B, 0x3A, 0x33, 0x7C, 0x7E};
    value.nt_response = mschapv2::generate_nt_response(*challenge, value.peer_challenge, "User",
                                                       mschapv2::nt_password_hash("clientPass"));
    // ff 03 c2 23 | 02 07 00 3a (Response, the Challenge's id, Length 58 = 4 + 1 + 49 + 4) | 31 (49) |
    // peer challenge | 8 zero bytes | RFC 2759's NT-Response | flags 00 | "User"
    EXPECT_EQ(to_hex(encode_chap_mschapv2_response(7, value, "User")),
              "ff03c223"
              "0207003a"
              "31"
              "21402324255e262a28295f2b3a337c7e"
              "0000000000000000"
              "82309ecd8d708b5ea08faa3981cd83544233114a3d85d6df"
              "00"
              "55736572");
}

TEST(PppChap, SuccessAndFailureMessages) {
    // 03 07 00 33: Success, id 7, Length 51 = 4 + the 47 characters of the message.
    const std::string text = "S=407A5589115FD0D6209F510FE9C04566932CDA56 M=OK";
    Bytes frame = from_hex("ff03c223 03070033");
    frame.insert(frame.end(), text.begin(), text.end());
    const auto s = chap_from_frame(frame);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    EXPECT_EQ(s->code, ChapCode::success);
    EXPECT_EQ(s->message, text);
    EXPECT_TRUE(mschapv2::parse_success_message(s->message).ok());
    const ChapPacket failure{ChapCode::failure, 8, {}, {}, "E=691 R=0 C=00000000000000000000000000000000 V=3 M=x"};
    const auto back = decode_chap_packet(encode_chap_packet(failure));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, failure);
    EXPECT_EQ(mschapv2::parse_failure_message(back->message)->error, 691u);
}

TEST(PppChap, Md5ResponseIsWeakButComputedRight) {
    // MD5(01 | "secret" | 00..0f), computed with Python's hashlib:
    //   python3 -c "import hashlib; print(hashlib.md5(bytes([1])+b'secret'+bytes(range(16))).hexdigest())"
    Bytes challenge;
    for (int i = 0; i < 16; ++i) challenge.push_back(static_cast<std::uint8_t>(i));
    EXPECT_EQ(to_hex(chap_md5_response(1, "secret", challenge)), "740e86463bda3a4d7017d6e0fba0699d");
    ASSERT_TRUE(ppp_auth_weakness(lcp_auth_chap(chap_algorithm_md5)).has_value());
    EXPECT_NE(ppp_auth_weakness(lcp_auth_chap(chap_algorithm_md5))->find("dictionary"), std::string::npos);
    EXPECT_TRUE(ppp_auth_weakness(LcpAuthProtocol{ppp_protocol_pap, {}}).has_value());
    EXPECT_TRUE(ppp_auth_weakness(lcp_auth_chap(chap_algorithm_ms_chap)).has_value());
    EXPECT_FALSE(ppp_auth_weakness(lcp_auth_chap(chap_algorithm_ms_chap_v2)).has_value());
    EXPECT_FALSE(ppp_auth_weakness(LcpAuthProtocol{ppp_protocol_eap, {}}).has_value());
}

TEST(PppChap, LyingLengthsAreRefused) {
    expect_error(decode_chap_packet(from_hex("0107")), "truncated", 2);
    expect_error(decode_chap_packet(from_hex("05070004")), "bad_code", 0);
    expect_error(decode_chap_packet(from_hex("01070004")), "bad_length", 2);
    expect_error(decode_chap_packet(from_hex("03070003")), "bad_length", 2);
    expect_error(decode_chap_packet(from_hex("01070020 10 00")), "length_mismatch", 2);
    expect_error(decode_chap_packet(from_hex("01070008 10 000000")), "value_overrun", 4);
    expect_error(chap_from_frame(from_hex("ff03c223 01070008 10 000000")), "value_overrun", 8);
    const auto eight = decode_chap_packet(from_hex("0107000d 08 0001020304050607"));
    ASSERT_TRUE(eight.ok());
    expect_error(chap_mschapv2_challenge(*eight), "bad_value_size", 4);
    // Padding after Length is ignored.
    EXPECT_TRUE(decode_chap_packet(from_hex("03070004 0000")).ok());
}

TEST(PppAuthPolicy, WhatTheClientAcksAndWhatItNaksWith) {
    const LcpAuthProtocol eap{ppp_protocol_eap, {}};
    const LcpAuthProtocol pap{ppp_protocol_pap, {}};
    const LcpAuthProtocol mschapv2 = lcp_auth_chap(chap_algorithm_ms_chap_v2);
    const LcpAuthProtocol md5 = lcp_auth_chap(chap_algorithm_md5);
    const PppAuthPolicy normal;
    EXPECT_EQ(answer_lcp_auth(eap, normal), (LcpAuthAnswer{true, std::nullopt}));
    EXPECT_EQ(answer_lcp_auth(mschapv2, normal), (LcpAuthAnswer{true, std::nullopt}));
    EXPECT_EQ(answer_lcp_auth(pap, normal), (LcpAuthAnswer{false, mschapv2})) << "weak, not allowed";
    EXPECT_EQ(answer_lcp_auth(md5, normal), (LcpAuthAnswer{false, mschapv2}));
    EXPECT_EQ(answer_lcp_auth(LcpAuthProtocol{0xc029, {}}, normal), (LcpAuthAnswer{false, mschapv2})) << "unknown";

    PppAuthPolicy weak;
    weak.allow_weak = true;
    EXPECT_TRUE(answer_lcp_auth(pap, weak).accept);
    EXPECT_TRUE(answer_lcp_auth(md5, weak).accept);
    EXPECT_EQ(answer_lcp_auth(lcp_auth_chap(chap_algorithm_ms_chap), weak), (LcpAuthAnswer{false, mschapv2}))
        << "MS-CHAPv1 is not implemented, weak or not";

    PppAuthPolicy mschapv2_only;
    mschapv2_only.allow_eap = false;
    EXPECT_EQ(answer_lcp_auth(eap, mschapv2_only), (LcpAuthAnswer{false, mschapv2})) << "steer EAP to MS-CHAPv2";
    PppAuthPolicy eap_only;
    eap_only.allow_mschapv2 = false;
    EXPECT_EQ(answer_lcp_auth(mschapv2, eap_only), (LcpAuthAnswer{false, eap}));
    PppAuthPolicy nothing{false, false, false};
    EXPECT_EQ(answer_lcp_auth(eap, nothing), (LcpAuthAnswer{false, std::nullopt}));
}

TEST(PppPap, RequestAckNak) {
    const PapPacket request{PapCode::authenticate_request, 1, "alice", "pw", {}};
    // ff 03 c0 23 | 01 01 00 0d (Request, id 1, Length 13 = 4 + 1 + 5 + 1 + 2) | 05 "alice" | 02 "pw"
    EXPECT_EQ(to_hex(encode_pap_frame(request)),
              "ff03c023"
              "0101000d"
              "05616c696365"
              "02"
              "7077");
    EXPECT_EQ(describe(request), "PAP Authenticate-Request id=1 peer_id=\"alice\"") << "never the password";
    const auto back = decode_pap_packet(encode_pap_packet(request));
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(*back, request);
    // 02 01 00 07 02 "OK" and 03 01 00 05 00 (a Nak without message).
    const auto ack = decode_pap_packet(from_hex("02010007 02 4f4b"));
    ASSERT_TRUE(ack.ok());
    EXPECT_EQ(ack->code, PapCode::authenticate_ack);
    EXPECT_EQ(ack->message, "OK");
    const auto nak = decode_pap_packet(from_hex("03010005 00"));
    ASSERT_TRUE(nak.ok());
    EXPECT_EQ(describe(*nak), "PAP Authenticate-Nak id=1 \"\"");
}

TEST(PppPap, LyingLengthsAreRefused) {
    expect_error(decode_pap_packet(from_hex("01")), "truncated", 1);
    expect_error(decode_pap_packet(from_hex("04010005 00")), "bad_code", 0);
    expect_error(decode_pap_packet(from_hex("01010005 00")), "bad_length", 2);
    expect_error(decode_pap_packet(from_hex("02010004")), "bad_length", 2);
    expect_error(decode_pap_packet(from_hex("02010010 02 4f4b")), "length_mismatch", 2);
    expect_error(decode_pap_packet(from_hex("0101000d 09616c696365 02 7077")), "field_overrun", 4);
    // Length 10 ends after the Peer-ID: the Password's length byte is missing (offsets from a base of 4).
    expect_error(decode_pap_packet(from_hex("0101000a 05616c696365"), 4), "bad_length", 14);
}

}  // namespace
