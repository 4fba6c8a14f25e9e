#include <gtest/gtest.h>

#include <random>
#include <string>

#include "protocol/sstp/ppp_lcp.hpp"
#include "protocol/sstp/sstp.hpp"

using namespace vpnprobe::protocol;

namespace {

// The Configure-Request a SoftEther SSTP server opens LCP with, built by hand (not captured) in the
// shape of SoftEther's Proto_PPP.c: MRU, Authentication-Protocol EAP (SoftEther asks SSTP clients for EAP
// first and falls back to MS-CHAPv2 on a Nak) and a Magic-Number.
//   ff 03        address, control (SoftEther sends and requires them)
//   c0 21        LCP
//   01 01 00 12  Configure-Request, identifier 1, length 18 = 4 + 4 + 4 + 6
//   01 04 05 dc  MRU 1500
//   03 04 c2 27  Authentication-Protocol EAP
//   05 06 12 34 ab cd  Magic-Number 0x1234abcd
const Bytes softether_configure_request = from_hex("ff03c021 01010012 010405dc 0304c227 05061234abcd");

void expect_error(const Bytes& frame, const std::string& code, std::size_t offset) {
    auto decoded = decode_lcp_frame(frame);
    ASSERT_FALSE(decoded.ok()) << "decoded as " << describe(decoded.value());
    EXPECT_EQ(decoded.error().code, code) << decoded.error().to_string();
    EXPECT_EQ(decoded.error().offset, offset) << decoded.error().to_string();
    EXPECT_FALSE(decoded.error().message.empty());
}

std::vector<LcpPacket> every_packet() {
    auto packet = [](LcpCode code, std::uint8_t id) {
        LcpPacket p;
        p.code = code;
        p.identifier = id;
        return p;
    };
    std::vector<LcpPacket> all;
    LcpPacket request = packet(LcpCode::configure_request, 1);
    request.options = {LcpMru{1400},
                       LcpAccm{0x000a0000},
                       lcp_auth_chap(),
                       LcpQualityProtocol{ppp_protocol_lqr, from_hex("000003e8")},
                       LcpMagicNumber{0xdeadbeef},
                       LcpPfc{},
                       LcpAcfc{},
                       LcpRawOption{13, {0x06}},
                       LcpRawOption{19, from_hex("01 0102030405")}};
    all.push_back(request);
    for (LcpCode code : {LcpCode::configure_ack, LcpCode::configure_nak, LcpCode::configure_reject}) {
        LcpPacket p = request;
        p.code = code;
        all.push_back(p);
    }
    all.push_back(packet(LcpCode::configure_request, 2));  // no options at all is legal
    LcpPacket terminate = packet(LcpCode::terminate_request, 3);
    terminate.data = {'b', 'y', 'e'};
    all.push_back(terminate);
    all.push_back(packet(LcpCode::terminate_ack, 3));
    LcpPacket code_reject = packet(LcpCode::code_reject, 4);
    code_reject.data = from_hex("20010004");
    all.push_back(code_reject);
    LcpPacket protocol_reject = packet(LcpCode::protocol_reject, 5);
    protocol_reject.rejected_protocol = ppp_protocol_ccp;
    protocol_reject.data = from_hex("0101000a 1206 01000001");
    all.push_back(protocol_reject);
    for (LcpCode code :
         {LcpCode::echo_request, LcpCode::echo_reply, LcpCode::discard_request, LcpCode::identification}) {
        LcpPacket p = packet(code, 6);
        p.magic_number = 0x01020304;
        p.data = {'M', 'S', 'R', 'A', 'S', 'V', '5', '.', '2', '0'};
        all.push_back(p);
    }
    LcpPacket remaining = packet(LcpCode::time_remaining, 7);
    remaining.magic_number = 0x01020304;
    remaining.data = from_hex("00000e10");
    all.push_back(remaining);
    LcpPacket unknown = packet(static_cast<LcpCode>(0x20), 8);
    unknown.data = from_hex("abcd");
    all.push_back(unknown);
    return all;
}

}  // namespace

// ---- the server's Configure-Request ---------------------------------------------------------------

TEST(LcpDecode, SoftEtherConfigureRequest) {
    auto frame = decode_ppp_frame(softether_configure_request);
    ASSERT_TRUE(frame.ok()) << frame.error().to_string();
    EXPECT_TRUE(frame->address_control);
    EXPECT_EQ(frame->protocol, ppp_protocol_lcp);
    EXPECT_EQ(frame->information_offset, 4u);

    auto lcp = decode_lcp_frame(softether_configure_request);
    ASSERT_TRUE(lcp.ok()) << lcp.error().to_string();
    EXPECT_EQ(lcp->code, LcpCode::configure_request);
    EXPECT_EQ(lcp->identifier, 1);
    ASSERT_EQ(lcp->options.size(), 3u);
    EXPECT_EQ(std::get<LcpMru>(lcp->options[0]).mru, 1500);
    const auto& auth = std::get<LcpAuthProtocol>(lcp->options[1]);
    EXPECT_EQ(auth.protocol, ppp_protocol_eap);
    EXPECT_FALSE(auth.chap_algorithm().has_value());
    EXPECT_EQ(lcp_auth_protocol_name(auth), "EAP");
    EXPECT_EQ(std::get<LcpMagicNumber>(lcp->options[2]).magic, 0x1234abcdu);
    EXPECT_EQ(describe(*lcp), "LCP Configure-Request id=1 [MRU=1500, Auth=EAP, Magic=0x1234abcd]");
    EXPECT_EQ(describe_ppp_frame(softether_configure_request), describe(*lcp));

    // Re-encoding gives the same bytes, and an Ack echoes the options with only the code changed.
    EXPECT_EQ(encode_lcp_frame(*lcp), softether_configure_request);
    Bytes ack = softether_configure_request;
    ack[4] = 0x02;
    EXPECT_EQ(encode_lcp_configure_ack(lcp->identifier, lcp->options), ack);
}

TEST(LcpDecode, InsideAnSstpDataPacket) {
    auto sstp = decode_sstp_packet(encode_sstp_data(softether_configure_request));
    ASSERT_TRUE(sstp.ok()) << sstp.error().to_string();
    ASSERT_NE(sstp->data(), nullptr);
    auto lcp = decode_lcp_frame(sstp->data()->ppp_frame);
    ASSERT_TRUE(lcp.ok()) << lcp.error().to_string();
    EXPECT_EQ(lcp->options.size(), 3u);
}

TEST(LcpDecode, MsChapV2Request) {
    auto lcp = decode_lcp_frame(from_hex("ff03c021 01020009 0305c22381"));
    ASSERT_TRUE(lcp.ok()) << lcp.error().to_string();
    const auto& auth = std::get<LcpAuthProtocol>(lcp->options[0]);
    EXPECT_EQ(auth.chap_algorithm(), std::optional<std::uint8_t>(0x81));
    EXPECT_EQ(lcp_auth_protocol_name(auth), "MS-CHAPv2");
    EXPECT_EQ(describe(*lcp), "LCP Configure-Request id=2 [Auth=MS-CHAPv2]");
}

TEST(LcpDecode, AddressControlOptionalOnReceipt) {
    auto lcp = decode_lcp_frame(from_hex("c021 05010004"));
    ASSERT_TRUE(lcp.ok()) << lcp.error().to_string();
    EXPECT_EQ(lcp->code, LcpCode::terminate_request);

    // A one-byte (compressed) protocol field: 0x21 is IPv4.
    auto frame = decode_ppp_frame(from_hex("ff03 21 45000014"));
    ASSERT_TRUE(frame.ok()) << frame.error().to_string();
    EXPECT_EQ(frame->protocol, ppp_protocol_ipv4);
    EXPECT_EQ(frame->information_offset, 3u);
    EXPECT_EQ(frame->information, from_hex("45000014"));
    EXPECT_EQ(describe(*frame), "IPv4 4 bytes");

    auto bare = decode_ppp_frame(from_hex("c227 01"));
    ASSERT_TRUE(bare.ok());
    EXPECT_FALSE(bare->address_control);
    EXPECT_EQ(describe(*bare), "EAP 1 bytes");
}

TEST(LcpDecode, PaddingAfterLengthIsIgnored) {
    auto lcp = decode_lcp_frame(from_hex("ff03c021 06010004 0000"));
    ASSERT_TRUE(lcp.ok()) << lcp.error().to_string();
    EXPECT_EQ(lcp->code, LcpCode::terminate_ack);
    EXPECT_TRUE(lcp->data.empty());
}

TEST(LcpDecode, WindowsIdentification) {
    auto lcp = decode_lcp_frame(from_hex("ff03c021 0c030012 01020304 4d5352415356352e3230"));
    ASSERT_TRUE(lcp.ok()) << lcp.error().to_string();
    EXPECT_EQ(lcp->code, LcpCode::identification);
    EXPECT_EQ(lcp->magic_number, 0x01020304u);
    EXPECT_EQ(describe(*lcp), "LCP Identification id=3 magic=0x01020304 data=\"MSRASV5.20\"");
}

TEST(LcpDecode, UnknownCodeKeptForCodeReject) {
    Bytes frame = from_hex("ff03c021 20010006 abcd");
    auto lcp = decode_lcp_frame(frame);
    ASSERT_TRUE(lcp.ok()) << lcp.error().to_string();
    EXPECT_EQ(static_cast<unsigned>(lcp->code), 0x20u);
    EXPECT_EQ(lcp->data, from_hex("abcd"));
    EXPECT_EQ(describe(*lcp), "LCP Code-32 id=1 data=abcd");
    // The Code-Reject carries the rejected packet, PPP header stripped.
    Bytes reject = encode_lcp_code_reject(9, ByteView(frame).subspan(4));
    EXPECT_EQ(to_hex(reject), "ff03c0210709000a20010006abcd");
    auto decoded = decode_lcp_frame(reject);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(describe(*decoded), "LCP Code-Reject id=9 rejected=Code-32 data=20010006abcd");
}

TEST(LcpDecode, BaseOffset) {
    auto lcp = decode_lcp_packet(from_hex("01010006 0101"), 100);
    ASSERT_FALSE(lcp.ok());
    EXPECT_EQ(lcp.error().code, "bad_option_length");
    EXPECT_EQ(lcp.error().offset, 105u);
}

// ---- encoders -------------------------------------------------------------------------------------

TEST(LcpEncode, EchoRequestToEchoReply) {
    Bytes request = from_hex("ff03c021 0907000c 11223344 deadbeef");
    auto echo = decode_lcp_frame(request);
    ASSERT_TRUE(echo.ok()) << echo.error().to_string();
    EXPECT_EQ(echo->code, LcpCode::echo_request);
    EXPECT_EQ(echo->identifier, 7);
    EXPECT_EQ(echo->magic_number, 0x11223344u);
    EXPECT_EQ(echo->data, from_hex("deadbeef"));
    EXPECT_EQ(describe(*echo), "LCP Echo-Request id=7 magic=0x11223344 data=deadbeef");

    // Same identifier and data; our own magic number, not the requester's.
    Bytes reply = encode_lcp_echo_reply(echo->identifier, 0x55667788, echo->data);
    EXPECT_EQ(to_hex(reply), "ff03c0210a07000c55667788deadbeef");
    EXPECT_EQ(to_hex(encode_lcp_echo_reply(1, 0)), "ff03c0210a01000800000000");
    EXPECT_EQ(to_hex(encode_lcp_echo_request(2, 0xcafef00d)), "ff03c02109020008cafef00d");
}

TEST(LcpEncode, TerminateAndConfigure) {
    EXPECT_EQ(to_hex(encode_lcp_terminate_request(2)), "ff03c02105020004");
    EXPECT_EQ(to_hex(encode_lcp_terminate_request(2, from_hex("627965"))), "ff03c02105020007627965");
    EXPECT_EQ(to_hex(encode_lcp_terminate_ack(2)), "ff03c02106020004");
    EXPECT_EQ(to_hex(encode_lcp_configure_request(1, {LcpMru{1400}, LcpMagicNumber{0x0a0b0c0d}})),
              "ff03c0210101000e0104057805060a0b0c0d");
    EXPECT_EQ(to_hex(encode_lcp_configure_nak(3, {LcpMru{1400}})), "ff03c0210303000801040578");
    EXPECT_EQ(to_hex(encode_lcp_configure_reject(4, {LcpRawOption{13, {0x06}}})), "ff03c021040400070d0306");
    EXPECT_EQ(to_hex(encode_lcp_configure_request(5, {})), "ff03c02101050004");
    EXPECT_EQ(to_hex(encode_lcp_protocol_reject(6, ppp_protocol_ccp, from_hex("0101"))), "ff03c0210806000880fd0101");
}

TEST(LcpEncode, OptionLayouts) {
    EXPECT_EQ(to_hex(encode_lcp_option(LcpMru{1500})), "010405dc");
    EXPECT_EQ(to_hex(encode_lcp_option(LcpAccm{0})), "020600000000");
    EXPECT_EQ(to_hex(encode_lcp_option(LcpAuthProtocol{ppp_protocol_eap, {}})), "0304c227");
    EXPECT_EQ(to_hex(encode_lcp_option(LcpAuthProtocol{ppp_protocol_pap, {}})), "0304c023");
    EXPECT_EQ(to_hex(encode_lcp_option(lcp_auth_chap())), "0305c22381");
    EXPECT_EQ(to_hex(encode_lcp_option(LcpQualityProtocol{ppp_protocol_lqr, from_hex("000003e8")})),
              "0408c025000003e8");
    EXPECT_EQ(to_hex(encode_lcp_option(LcpMagicNumber{0x1234abcd})), "05061234abcd");
    EXPECT_EQ(to_hex(encode_lcp_option(LcpPfc{})), "0702");
    EXPECT_EQ(to_hex(encode_lcp_option(LcpAcfc{})), "0802");
    EXPECT_EQ(to_hex(encode_lcp_option(LcpRawOption{17, from_hex("064e")})), "1104064e");
    EXPECT_THROW(encode_lcp_option(LcpRawOption{17, Bytes(254, 0)}), std::invalid_argument);
    EXPECT_EQ(encode_lcp_option(LcpRawOption{17, Bytes(253, 0)}).size(), 255u);
}

TEST(LcpRoundTrip, EveryCodeAndOption) {
    for (const auto& packet : every_packet()) {
        Bytes frame = encode_lcp_frame(packet);
        auto decoded = decode_lcp_frame(frame);
        ASSERT_TRUE(decoded.ok()) << describe(packet) << ": " << decoded.error().to_string();
        EXPECT_EQ(decoded.value(), packet) << describe(packet);
        EXPECT_EQ(encode_lcp_frame(decoded.value()), frame);
    }
}

TEST(LcpDescribe, Lines) {
    auto all = every_packet();
    EXPECT_EQ(describe(all[0]),
              "LCP Configure-Request id=1 [MRU=1400, ACCM=0x000a0000, Auth=MS-CHAPv2, Quality=LQR(000003e8), "
              "Magic=0xdeadbeef, PFC, ACFC, Callback=06, EndpointDisc=010102030405]");
    EXPECT_EQ(describe(all[4]), "LCP Configure-Request id=2 []");
    EXPECT_EQ(describe(all[5]), "LCP Terminate-Request id=3 data=\"bye\"");
    EXPECT_EQ(describe(all[6]), "LCP Terminate-Ack id=3");
    EXPECT_EQ(describe(all[8]), "LCP Protocol-Reject id=5 protocol=CCP data=0101000a120601000001");
    EXPECT_EQ(lcp_auth_protocol_name(lcp_auth_chap(chap_algorithm_md5)), "CHAP-MD5");
    EXPECT_EQ(lcp_auth_protocol_name(lcp_auth_chap(chap_algorithm_ms_chap)), "MS-CHAP");
    EXPECT_EQ(lcp_auth_protocol_name(lcp_auth_chap(0x42)), "CHAP-0x42");
    EXPECT_EQ(lcp_auth_protocol_name(LcpAuthProtocol{ppp_protocol_pap, {}}), "PAP");
    EXPECT_EQ(ppp_protocol_name(ppp_protocol_ipcp), "IPCP");
    EXPECT_EQ(ppp_protocol_name(ppp_protocol_ipv6cp), "IPV6CP");
    EXPECT_EQ(ppp_protocol_name(ppp_protocol_chap), "CHAP");
    EXPECT_EQ(ppp_protocol_name(0x80fb), "0x80fb");
    EXPECT_EQ(describe_ppp_frame(from_hex("ff05")),
              "PPP frame undecodable: bad_control at offset 1: address FF "
              "followed by control 0x05, not 0x03");
}

// ---- malformed input ------------------------------------------------------------------------------

TEST(PppMalformed, FrameHeader) {
    expect_error({}, "truncated", 0);
    expect_error(from_hex("ff"), "truncated", 1);
    expect_error(from_hex("ff03"), "truncated", 2);
    expect_error(from_hex("ff03c0"), "truncated", 3);
    expect_error(from_hex("ff05c021 05010004"), "bad_control", 1);
    expect_error(from_hex("ff03c020 05010004"), "bad_protocol", 2);  // even low octet
    // An odd first octet is a compressed one-byte protocol (0x01 here), so this is simply not LCP.
    expect_error(from_hex("ff030121 05010004"), "not_lcp", 2);
    expect_error(from_hex("ff03c227 01010004"), "not_lcp", 2);
    expect_error(from_hex("c227 01010004"), "not_lcp", 0);
}

TEST(LcpMalformed, LengthField) {
    expect_error(from_hex("ff03c021 0101"), "truncated", 6);
    expect_error(from_hex("ff03c021 05010003"), "bad_length", 6);
    expect_error(from_hex("ff03c021 01010010 010405dc"), "length_mismatch", 6);
    expect_error(from_hex("ff03c021 09010006 1122"), "bad_length", 6);  // Echo-Request without a magic
    expect_error(from_hex("ff03c021 0b010007 112233"), "bad_length", 6);  // Discard-Request likewise
    expect_error(from_hex("ff03c021 08010005 80"), "bad_length", 6);  // Protocol-Reject without a protocol
    expect_error(from_hex("ff03c021 0d010008 11223344"), "bad_length", 6);  // Time-Remaining without seconds
}

TEST(LcpMalformed, Options) {
    // Offsets count from the start of the frame: FF 03 C0 21 (4), LCP header (4), first option at 8.
    expect_error(from_hex("ff03c021 01010005 01"), "truncated_option", 8);
    expect_error(from_hex("ff03c021 01010006 0101"), "bad_option_length", 9);
    expect_error(from_hex("ff03c021 01010006 0100"), "bad_option_length", 9);
    expect_error(from_hex("ff03c021 01010008 010605dc"), "option_overrun", 9);
    expect_error(from_hex("ff03c021 01010008 01ff05dc"), "option_overrun", 9);
    expect_error(from_hex("ff03c021 01010007 010305"), "bad_option_length", 9);  // MRU of 3
    expect_error(from_hex("ff03c021 01010009 0505123456"), "bad_option_length", 9);  // Magic of 5
    expect_error(from_hex("ff03c021 01010009 0205000000"), "bad_option_length", 9);  // ACCM of 5
    expect_error(from_hex("ff03c021 01010008 0304c223"), "bad_option_length", 9);  // CHAP without algorithm
    expect_error(from_hex("ff03c021 01010007 0303c2"), "bad_option_length", 9);  // Auth of 3
    expect_error(from_hex("ff03c021 01010007 070300"), "bad_option_length", 9);  // PFC with a value
    // The second option is the bad one (ACFC length 1): the offset says so.
    expect_error(from_hex("ff03c021 0101000c 010405dc 0702 0801"), "bad_option_length", 15);
    // Without address and control, offsets move with the frame.
    expect_error(from_hex("c021 01010006 0101"), "bad_option_length", 7);
}

// ---- robustness -----------------------------------------------------------------------------------

TEST(LcpRobustness, EveryPrefixIsAnError) {
    std::vector<Bytes> frames{softether_configure_request};
    for (const auto& p : every_packet()) frames.push_back(encode_lcp_frame(p));
    for (const auto& frame : frames) {
        for (std::size_t n = 0; n < frame.size(); ++n) {
            Bytes prefix(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(n));
            auto decoded = decode_lcp_frame(prefix);
            ASSERT_FALSE(decoded.ok()) << "prefix of " << n << " bytes of " << to_hex(frame) << " decoded";
            EXPECT_LE(decoded.error().offset, frame.size());
            (void)describe_ppp_frame(prefix);
        }
    }
}

TEST(LcpRobustness, RandomMutationsNeverCrash) {
    std::vector<Bytes> seeds{softether_configure_request};
    for (const auto& p : every_packet()) seeds.push_back(encode_lcp_frame(p));

    std::mt19937 rng(1661);
    std::size_t decoded_ok = 0;
    for (int iteration = 0; iteration < 5000; ++iteration) {
        Bytes frame = seeds[rng() % seeds.size()];
        const int mutations = 1 + static_cast<int>(rng() % 4);
        for (int m = 0; m < mutations; ++m) {
            switch (rng() % 4) {
            case 0:
            case 1:
                if (!frame.empty()) frame[rng() % frame.size()] = static_cast<std::uint8_t>(rng());
                break;
            case 2:
                if (!frame.empty()) frame.resize(rng() % frame.size());
                break;
            case 3:
                frame.insert(frame.begin() + static_cast<std::ptrdiff_t>(rng() % (frame.size() + 1)),
                             static_cast<std::uint8_t>(rng()));
                break;
            }
        }
        Bytes exact(frame);
        (void)describe_ppp_frame(exact);
        auto decoded = decode_lcp_frame(exact);
        if (!decoded.ok()) {
            EXPECT_LE(decoded.error().offset, exact.size());
            continue;
        }
        ++decoded_ok;
        auto again = decode_lcp_frame(encode_lcp_frame(decoded.value()));
        ASSERT_TRUE(again.ok()) << to_hex(exact);
        EXPECT_EQ(again.value(), decoded.value()) << to_hex(exact);
    }
    EXPECT_GT(decoded_ok, 0u);
}
