// The IPv6 / ICMPv6 echo codec (RFC 8200, RFC 4443) of the IKEv2 data path through an IPv6 tunnel: the echo
// request against the independent Python encoder (tests/data/esp/make_vectors.py: header and pseudo-header checksum
// written out there), round trips, refusals by name, what an answer means, addresses as text (RFC 5952). Its
// passage through ESP is in test_esp.cpp, and tshark checks its checksum in test_esp_tshark.cpp.
#include <gtest/gtest.h>

#include <string>

#include "protocol/esp/esp_sa.hpp"
#include "protocol/ip/ipv6_icmpv6.hpp"
#include "tests/support/vector_file.hpp"

namespace {

using namespace vpnprobe::protocol;

Ipv6Address fd00(std::uint8_t last) {
    Ipv6Address a{};
    a[0] = 0xfd, a[15] = last;
    return a;
}
const Bytes data = {'v', 'p', 'n', 'p', 'r', 'o', 'b', 'e', '-', 'e', 's', 'p', '-', '0', '1', '2', '3'};

TEST(Ipv6Icmpv6, EchoRequestIsTheIndependentOne) {
    const auto v = vpnprobe::testsupport::read_vector_file(std::string(VPNPROBE_TEST_DATA) + "/esp/vectors.txt");
    EXPECT_EQ(to_hex(encode_ipv6_echo_request(fd00(2), fd00(1), 0x4242, 1, data)), v.at("inner6"));
}

TEST(Ipv6Icmpv6, RoundTripsAndChecksums) {
    const Bytes packet = encode_ipv6_echo_request(fd00(2), fd00(1), 7, 65535, data, 9);
    EXPECT_EQ(esp::next_header_for_ip_packet(packet), esp::next_header_ipv6);
    auto p = decode_ipv6_packet(packet);
    ASSERT_TRUE(p) << p.error().to_string();
    EXPECT_EQ(p->hop_limit, 9);
    EXPECT_EQ(p->next_header, ip_protocol_icmpv6);
    EXPECT_EQ(p->source, fd00(2));
    EXPECT_EQ(encode_ipv6_packet(*p), packet);
    EXPECT_EQ(icmpv6_checksum(p->source, p->destination, p->payload), 0);
    auto icmp = decode_icmpv6(p->source, p->destination, p->payload);
    ASSERT_TRUE(icmp) << icmp.error().to_string();
    EXPECT_EQ(icmp->type, 128);
    EXPECT_EQ(icmp->identifier, 7);
    EXPECT_EQ(icmp->sequence, 65535);
    EXPECT_EQ(icmp->data, data);
    // The pseudo-header counts: the same message between other addresses has a wrong checksum.
    auto moved = decode_icmpv6(fd00(3), p->destination, p->payload);
    ASSERT_FALSE(moved);
    EXPECT_EQ(moved.error().code, "bad_checksum");
    Ipv6Packet tc;
    tc.traffic_class = 0xb8, tc.flow_label = 0xabcde, tc.payload = {1};
    EXPECT_EQ(decode_ipv6_packet(encode_ipv6_packet(tc)).value(), tc);
    tc.flow_label = 0x100000;
    EXPECT_THROW(encode_ipv6_packet(tc), std::invalid_argument);
}

TEST(Ipv6Icmpv6, RefusesByName) {
    const Bytes packet = encode_ipv6_echo_request(fd00(2), fd00(1), 7, 1, data);
    EXPECT_EQ(decode_ipv6_packet(Bytes(packet.begin(), packet.begin() + 39)).error().code, "truncated");
    Bytes v4 = packet;
    v4[0] = 0x45;
    EXPECT_EQ(decode_ipv6_packet(v4).error().code, "not_ipv6");
    EXPECT_EQ(decode_ipv6_packet(Bytes(packet.begin(), packet.end() - 1)).error().code, "bad_payload_length");
    Bytes zero = packet;
    zero[4] = zero[5] = 0;
    EXPECT_EQ(decode_ipv6_packet(zero).error().code, "bad_payload_length") << "a jumbogram is not for us";
    Bytes padded = packet;
    padded.push_back(0);
    EXPECT_TRUE(decode_ipv6_packet(padded)) << "bytes after Payload Length are ignored";
    EXPECT_EQ(decode_icmpv6(fd00(2), fd00(1), Bytes{128, 0, 0}).error().code, "truncated");
    EXPECT_EQ(decode_icmpv6(fd00(2), fd00(1), Bytes{128, 0, 0, 0, 0}).error().code, "truncated");
}

Ipv6Packet answer(const Ipv6Address& from, const Ipv6Address& to, const IcmpMessage& m) {
    Ipv6Packet p;
    p.source = from, p.destination = to, p.payload = encode_icmpv6(from, to, m);
    return p;
}

TEST(Ipv6Icmpv6, WhatAnAnswerMeans) {
    const Ipv6Address us = fd00(2), target = fd00(1), router = fd00(9);
    IcmpMessage reply;
    reply.type = 129, reply.identifier = 0x4242, reply.sequence = 3, reply.data = data;
    EXPECT_EQ(classify_echo6_answer(answer(target, us, reply), us, target, 0x4242, 3).answer, EchoAnswer::reply);
    EXPECT_EQ(classify_echo6_answer(answer(router, us, reply), us, target, 0x4242, 3).answer,
              EchoAnswer::reply_from_wrong_address);
    EXPECT_EQ(classify_echo6_answer(answer(target, us, reply), us, target, 0x4242, 2).answer, EchoAnswer::unrelated)
        << "an earlier sequence";
    EXPECT_EQ(classify_echo6_answer(answer(target, fd00(5), reply), us, target, 0x4242, 3).answer,
              EchoAnswer::unrelated)
        << "not for us";
    Ipv6Packet broken = answer(target, us, reply);
    broken.payload[9] ^= 1;
    EXPECT_EQ(classify_echo6_answer(broken, us, target, 0x4242, 3).answer, EchoAnswer::malformed);

    IcmpMessage unreachable;
    unreachable.type = 1, unreachable.code = 3;
    unreachable.data = Bytes(4, 0);
    const Bytes request = encode_ipv6_echo_request(us, target, 0x4242, 3, data);
    unreachable.data.insert(unreachable.data.end(), request.begin(), request.end());
    const auto c = classify_echo6_answer(answer(router, us, unreachable), us, target, 0x4242, 3);
    EXPECT_EQ(c.answer, EchoAnswer::icmp_error);
    EXPECT_EQ(c.from, router);
    EXPECT_EQ(classify_echo6_answer(answer(router, us, unreachable), us, target, 0x4242, 4).answer,
              EchoAnswer::unrelated)
        << "it quotes another request";
}

TEST(Ipv6Icmpv6, AddressesAsText) {
    Ipv6Address a{};
    EXPECT_EQ(to_string(a), "::");
    a[15] = 1;
    EXPECT_EQ(to_string(a), "::1");
    EXPECT_EQ(to_string(fd00(2)), "fd00::2");
    const Ipv6Address doc = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
    EXPECT_EQ(to_string(doc), "2001:db8:0:1:1:1:1:1") << "one zero group stays";
    const Ipv6Address runs = {0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3};
    EXPECT_EQ(to_string(runs), "1:0:0:2::3") << "the longest run";
    const Ipv6Address tie = {0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4};
    EXPECT_EQ(to_string(tie), "1::2:0:0:3:4") << "the first of equal runs";
    const Ipv6Address tail = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    EXPECT_EQ(to_string(tail), "fe80::");
}

}  // namespace
