// IPCP (RFC 1332, RFC 1877) on the shared control-protocol codec: hand-built frames commented field by field,
// the client's negotiation (Nak, Reject, Ack, the server's own request), lying lengths refused by name.
#include <gtest/gtest.h>

#include <string>

#include "protocol/ip/ipv4_address.hpp"
#include "protocol/sstp/ppp_control.hpp"
#include "protocol/sstp/ppp_ipcp.hpp"

using namespace vpnprobe::protocol;

namespace {

template <typename T>
void expect_error(const Decoded<T>& d, const std::string& code, std::size_t offset) {
    ASSERT_FALSE(d.ok()) << "decoded";
    EXPECT_EQ(d.error().code, code) << d.error().to_string();
    EXPECT_EQ(d.error().offset, offset) << d.error().to_string();
    EXPECT_FALSE(d.error().message.empty());
}

Ipv4Address ip(const char* text) { return parse_ipv4(text).value(); }

// What a Windows client sends first: five address options, all 0.0.0.0.
//   ff 03 80 21   address, control, IPCP
//   01 01 00 22   Configure-Request, id 1, Length 34 = 4 + 5 x 6
//   03 06 0.0.0.0 IP-Address; 81 Primary-DNS; 82 Primary-NBNS; 83 Secondary-DNS; 84 Secondary-NBNS
const Bytes windows_request =
    from_hex("ff038021 01010022 030600000000 810600000000 820600000000 830600000000 840600000000");

TEST(PppIpcp, WindowsRequestFollowsNakAndRejectToAnAck) {
    IpcpRequest request = windows_ipcp_request();
    const CpPacket first = ipcp_configure_request(1, request);
    EXPECT_EQ(encode_cp_frame(ppp_protocol_ipcp, first), windows_request);

    // The server rejects NBNS: 04 01 00 10 | 82 06 0.0.0.0 | 84 06 0.0.0.0
    const auto reject = decode_ipcp_frame(from_hex("ff038021 04010010 820600000000 840600000000"));
    ASSERT_TRUE(reject.ok()) << reject.error().to_string();
    EXPECT_EQ(ipcp_follow(request, *reject), IpcpFollow::updated);
    ASSERT_EQ(request.options.size(), 3u);

    // and Naks with what it assigns: 03 02 00 16 | 03 06 192.0.2.7 | 81 06 192.0.2.53 | 83 06 198.51.100.53
    const auto nak = decode_ipcp_frame(from_hex("ff038021 03020016 0306c0000207 8106c0000235 8306c6336435"));
    ASSERT_TRUE(nak.ok()) << nak.error().to_string();
    EXPECT_EQ(describe_ipcp(*nak),
              "IPCP Configure-Nak id=2 [IP-Address=192.0.2.7, Primary-DNS=192.0.2.53, Secondary-DNS=198.51.100.53]");
    EXPECT_EQ(ipcp_follow(request, *nak), IpcpFollow::updated);
    const CpPacket second = ipcp_configure_request(3, request);
    EXPECT_EQ(to_hex(encode_cp_frame(ppp_protocol_ipcp, second)),
              "ff038021"
              "01030016"
              "0306c0000207"
              "8106c0000235"
              "8306c6336435");
    EXPECT_EQ(ipcp_follow(request, *nak), IpcpFollow::unchanged) << "the same Nak again would be a loop";

    // The Ack echoes the request: 02 03 00 16 ...
    const auto ack = decode_ipcp_frame(from_hex("ff038021 02030016 0306c0000207 8106c0000235 8306c6336435"));
    ASSERT_TRUE(ack.ok());
    EXPECT_TRUE(ipcp_ack_matches(*ack, second));
    EXPECT_FALSE(ipcp_ack_matches(*ack, first));
    const IpcpAssignment assigned = ipcp_assignment(*ack);
    ASSERT_TRUE(assigned.address.has_value());
    EXPECT_EQ(to_string(*assigned.address), "192.0.2.7");
    ASSERT_EQ(assigned.dns.size(), 2u);
    EXPECT_EQ(to_string(assigned.dns[0]), "192.0.2.53");
    EXPECT_EQ(to_string(assigned.dns[1]), "198.51.100.53");
    EXPECT_TRUE(assigned.nbns.empty());

    CpPacket altered = *ack;
    altered.options[0].data[3] = 8;
    EXPECT_FALSE(ipcp_ack_matches(altered, second)) << "an Ack must carry exactly what was requested";
}

TEST(PppIpcp, NoAddressToGive) {
    IpcpRequest request = windows_ipcp_request();
    const auto reject = decode_ipcp_packet(from_hex("0401000a 030600000000"));
    ASSERT_TRUE(reject.ok());
    EXPECT_EQ(ipcp_follow(request, *reject), IpcpFollow::address_refused);
    request = windows_ipcp_request();
    const auto nak_zero = decode_ipcp_packet(from_hex("0301000a 030600000000"));
    ASSERT_TRUE(nak_zero.ok());
    EXPECT_EQ(ipcp_follow(request, *nak_zero), IpcpFollow::address_refused);
}

TEST(PppIpcp, NakHintsAreTakenOnlyForAddresses) {
    IpcpRequest request;
    request.options.push_back(ipcp_address_option(ipcp_option::ip_address, {}));
    // A Nak suggesting Van Jacobson compression (02 06 00 2d 0f 01) and a Primary-DNS we did not ask for.
    const auto nak = decode_ipcp_packet(from_hex("03010010 0206002d0f01 8106c0000235"));
    ASSERT_TRUE(nak.ok());
    EXPECT_EQ(ipcp_follow(request, *nak), IpcpFollow::updated);
    ASSERT_EQ(request.options.size(), 2u);
    EXPECT_EQ(request.options[1].type, ipcp_option::primary_dns);
}

TEST(PppIpcp, TheServersOwnRequest) {
    // 01 07 00 0a | 03 06 192.0.2.1: the server's address, acknowledged as it is.
    const auto request = decode_ipcp_packet(from_hex("0107000a 0306c0000201"));
    ASSERT_TRUE(request.ok());
    EXPECT_EQ(to_hex(encode_cp_packet(ipcp_answer_peer_request(*request))), "0207000a0306c0000201");
    // With VJ compression and DNS: both rejected, the address is not mentioned.
    const auto with_extras = decode_ipcp_packet(from_hex("01080016 0306c0000201 0206002d0f01 8106c0000235"));
    ASSERT_TRUE(with_extras.ok());
    EXPECT_EQ(to_hex(encode_cp_packet(ipcp_answer_peer_request(*with_extras))), "040800100206002d0f018106c0000235");
    // 0.0.0.0 would ask us for an address: rejected.
    const auto zero = decode_ipcp_packet(from_hex("0109000a 030600000000"));
    ASSERT_TRUE(zero.ok());
    EXPECT_EQ(ipcp_answer_peer_request(*zero).code, LcpCode::configure_reject);
}

TEST(PppIpcp, TerminateAndUnknownCodesKeepTheirBody) {
    const auto term = decode_ipcp_packet(from_hex("05040006 6279"));
    ASSERT_TRUE(term.ok());
    EXPECT_EQ(term->code, LcpCode::terminate_request);
    EXPECT_EQ(to_hex(term->data), "6279");
    const auto unknown = decode_ipcp_packet(from_hex("0e050005 ff"));
    ASSERT_TRUE(unknown.ok()) << "kept, so that the caller can Code-Reject it";
    EXPECT_EQ(to_hex(unknown->data), "ff");
    EXPECT_EQ(encode_cp_packet(*unknown), from_hex("0e050005ff"));
}

TEST(PppIpcp, LyingLengthsAreRefused) {
    expect_error(decode_ipcp_packet(from_hex("0101")), "truncated", 2);
    expect_error(decode_ipcp_packet(from_hex("01010003")), "bad_length", 2);
    expect_error(decode_ipcp_packet(from_hex("0101000a 0306c000")), "length_mismatch", 2);
    expect_error(decode_ipcp_packet(from_hex("01010005 03")), "truncated_option", 4);
    expect_error(decode_ipcp_packet(from_hex("01010006 0301")), "bad_option_length", 5);
    expect_error(decode_ipcp_packet(from_hex("01010008 0306c000")), "option_overrun", 5);
    expect_error(decode_ipcp_packet(from_hex("01010009 0305c00002")), "bad_option_length", 5);
    expect_error(decode_ipcp_packet(from_hex("01010011 0306c0000201 8107c000023500")), "bad_option_length", 11);
    expect_error(decode_ipcp_frame(from_hex("ff038021 0101000a 0306c000")), "length_mismatch", 6);
    expect_error(decode_ipcp_frame(from_hex("ff03c021 01010004")), "not_ipcp", 2);
}

TEST(Ipv4Address, TextForms) {
    EXPECT_EQ(to_string(ip("192.0.2.255")), "192.0.2.255");
    EXPECT_EQ(to_string(ip("0.0.0.0")), "0.0.0.0");
    for (const char* bad :
         {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "a.b.c.d", "1.2.3.4 ", "-1.2.3.4"})
        EXPECT_EQ(parse_ipv4(bad), std::nullopt) << bad;
}

}  // namespace
