// One log line per PPP frame of the login and the tunnel, and the frame-level decoders: every protocol the
// login speaks is described by its own codec, and nothing secret reaches the line.
#include <gtest/gtest.h>

#include <string>

#include "protocol/auth/eap.hpp"
#include "protocol/auth/eap_mschapv2.hpp"
#include "protocol/auth/mschapv2.hpp"
#include "protocol/ip/ipv4_icmp.hpp"
#include "protocol/sstp/ppp_auth.hpp"
#include "protocol/sstp/ppp_describe.hpp"
#include "protocol/sstp/ppp_ipcp.hpp"
#include "protocol/sstp/ppp_lcp.hpp"

using namespace vpnprobe::protocol;

namespace {

TEST(PppDescribe, EveryLoginProtocolByItsOwnCodec) {
    EXPECT_EQ(
        describe_ppp_login_frame(from_hex("ff03c227 0102001d1a 01050018 10 00112233445566778899aabbccddeeff 767078")),
        "EAP Request id=2 EAP-MSCHAPv2 Challenge ms_id=5 name=\"vpx\"");
    EXPECT_EQ(describe_ppp_login_frame(encode_eap_frame(encode_eap_identity_response(1, "alice"))),
              "EAP Response id=1 Identity \"alice\"");
    EXPECT_EQ(describe_ppp_login_frame(from_hex("ff03c227 03020004")), "EAP Success id=2");
    EXPECT_EQ(describe_ppp_login_frame(from_hex("ff03c223 01070018 10 5B5D7C7D7B3F2F3E3C2C602132262628 524153")),
              "CHAP Challenge id=7 value=16 bytes name=\"RAS\"");
    EXPECT_EQ(describe_ppp_login_frame(from_hex("ff038021 0107000a 0306c0000201")),
              "IPCP Configure-Request id=7 [IP-Address=192.0.2.1]");
    const Bytes echo = encode_ipv4_echo_request({192, 0, 2, 7}, {198, 51, 100, 1}, 0x4242, 1, from_hex("00"));
    EXPECT_EQ(describe_ppp_login_frame(encode_ppp_frame(ppp_protocol_ipv4, echo)),
              "IPv4 192.0.2.7 > 198.51.100.1 ttl=64 ICMP Echo Request id=0x4242 seq=1 1 bytes");
    EXPECT_EQ(describe_ppp_login_frame(encode_lcp_echo_request(3, 0x01020304)),
              "LCP Echo-Request id=3 magic=0x01020304");
    EXPECT_EQ(describe_ppp_login_frame(from_hex("ff0380fd 01010004")), "CCP 4 bytes");
    EXPECT_EQ(describe_ppp_login_frame(from_hex("ff038021 0107000a 0306c000")),
              "IPCP undecodable: length_mismatch at offset 6: IPCP Length says 10 bytes, the frame holds 8");
    EXPECT_EQ(describe_ppp_login_frame(from_hex("ff0280")).rfind("PPP frame undecodable: bad_control", 0), 0u);
}

TEST(PppDescribe, NoSecretReachesTheLine) {
    const std::string password = "Sup3r-S3cret!";
    const std::string pap =
        describe_ppp_login_frame(encode_pap_frame(PapPacket{PapCode::authenticate_request, 1, "alice", password, {}}));
    EXPECT_EQ(pap, "PAP Authenticate-Request id=1 peer_id=\"alice\"");

    const mschapv2::Challenge auth{};
    const auto r = mschapv2::respond(auth, auth, "alice", password);
    const std::string nt_hex = to_hex(r.value.nt_response);
    const std::string hash_hex = to_hex(mschapv2::nt_password_hash(password));
    for (const std::string& line :
         {describe_ppp_login_frame(encode_eap_frame(encode_eap_mschapv2_response(2, 5, r.value, "alice"))),
          describe_ppp_login_frame(encode_chap_mschapv2_response(2, r.value, "alice")), pap}) {
        SCOPED_TRACE(line);
        EXPECT_EQ(line.find(password), std::string::npos);
        EXPECT_EQ(line.find(nt_hex.substr(0, 8)), std::string::npos);
        EXPECT_EQ(line.find(hash_hex.substr(0, 8)), std::string::npos);
        EXPECT_NE(line.find("alice"), std::string::npos) << "the user name is shown";
    }
}

TEST(PppDescribe, FrameDecoders) {
    const auto eap = decode_eap_frame(from_hex("ff03c227 03020004"));
    ASSERT_TRUE(eap.ok());
    EXPECT_EQ(eap->code, EapCode::success);
    EXPECT_EQ(decode_eap_frame(from_hex("ff03c223 03020004")).error().code, "not_eap");
    EXPECT_EQ(decode_eap_frame(from_hex("ff03c227 0302ffff")).error().offset, 6u) << "offsets from the frame";
    EXPECT_TRUE(decode_chap_frame(from_hex("ff03c223 03020004")).ok());
    EXPECT_EQ(decode_chap_frame(from_hex("ff03c023 03020004")).error().code, "not_chap");
    EXPECT_TRUE(decode_pap_frame(from_hex("ff03c023 02010005 00")).ok());
    EXPECT_EQ(decode_pap_frame(from_hex("ff03c021 02010005 00")).error().code, "not_pap");
    EXPECT_TRUE(decode_pap_frame(from_hex("c023 02010005 00")).ok()) << "without FF 03 (ACFC) it is PAP still";
}

}  // namespace
