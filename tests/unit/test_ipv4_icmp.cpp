// IPv4 and ICMP echo for the data-path check: checksums against published examples (RFC 1071 section 3, the
// IPv4 header every textbook uses), round trips, every lying field refused by name. tshark checks the
// checksums of what we build in test_ppp_tshark.cpp.
#include <gtest/gtest.h>

#include <string>

#include "protocol/ip/ipv4_address.hpp"
#include "protocol/ip/ipv4_icmp.hpp"

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

TEST(InternetChecksum, Rfc1071Example) {
    // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2; the checksum is its complement.
    EXPECT_EQ(internet_checksum(from_hex("0001 f203 f4f5 f6f7")), 0x220d);
    EXPECT_EQ(internet_checksum(from_hex("0001 f203 f4f5 f6f7 220d")), 0) << "over data with its checksum: 0";
    EXPECT_EQ(internet_checksum(from_hex("01")), 0xfeff) << "an odd byte is padded with zero";
}

// The IPv4 header of the Wikipedia "Internet checksum" example: 192.168.0.1 > 192.168.0.199, UDP, DF, TTL 64,
// Total Length 0x73, checksum b861.
TEST(Ipv4, PublishedHeaderChecksum) {
    Ipv4Packet p;
    p.dont_fragment = true;
    p.ttl = 64;
    p.protocol = 17;
    p.source = ip("192.168.0.1");
    p.destination = ip("192.168.0.199");
    p.payload = Bytes(0x73 - 20, 0);
    const Bytes encoded = encode_ipv4_packet(p);
    EXPECT_EQ(to_hex(ByteView(encoded).first(20)),
              "450000730000400040"
              "11b861c0a80001c0a800c7");
    const auto back = decode_ipv4_packet(encoded);
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(*back, p);
}

TEST(Ipv4Icmp, EchoRequestAndReply) {
    const Bytes data = from_hex("000102030405060708090a0b0c0d0e0f");
    const Bytes request = encode_ipv4_echo_request(ip("192.0.2.7"), ip("198.51.100.1"), 0x1234, 1, data, 0x0101);
    ASSERT_EQ(request.size(), 20u + 8u + 16u);
    const auto packet = decode_ipv4_packet(request);
    ASSERT_TRUE(packet.ok()) << packet.error().to_string();
    EXPECT_EQ(packet->protocol, ip_protocol_icmp);
    EXPECT_EQ(describe(*packet), "IPv4 192.0.2.7 > 198.51.100.1 ttl=64 ICMP Echo Request id=0x1234 seq=1 16 bytes");
    const auto echo = decode_icmp(packet->payload);
    ASSERT_TRUE(echo.ok()) << echo.error().to_string();
    EXPECT_EQ(echo->identifier, 0x1234);
    EXPECT_EQ(echo->sequence, 1);
    EXPECT_EQ(echo->data, data);
    EXPECT_FALSE(echo->is_echo_reply());

    // The reply a host sends: type 0, same identifier, sequence and data, addresses swapped.
    IcmpMessage reply = *echo;
    reply.type = static_cast<std::uint8_t>(IcmpType::echo_reply);
    Ipv4Packet back;
    back.source = ip("198.51.100.1");
    back.destination = ip("192.0.2.7");
    back.payload = encode_icmp(reply);
    const auto decoded = decode_ipv4_packet(encode_ipv4_packet(back));
    ASSERT_TRUE(decoded.ok());
    const auto reply_decoded = decode_icmp(decoded->payload);
    ASSERT_TRUE(reply_decoded.ok());
    EXPECT_TRUE(reply_decoded->is_echo_reply());
    EXPECT_EQ(*reply_decoded, reply);
}

TEST(Ipv4Icmp, ErrorsFromRoutersAreDecodedAndNamed) {
    IcmpMessage unreachable;
    unreachable.type = static_cast<std::uint8_t>(IcmpType::destination_unreachable);
    unreachable.code = 1;
    unreachable.data = from_hex("00000000 4500001c");
    const auto d = decode_icmp(encode_icmp(unreachable));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(describe(*d), "ICMP Destination Unreachable code=1 (host unreachable)");
    EXPECT_EQ(d->data, unreachable.data);
}

// What came back for an echo request 192.0.2.7 > 198.51.100.1 id 0x4242 seq 5.
TEST(Ipv4Icmp, ClassifyingWhatComesBack) {
    const Ipv4Address us = ip("192.0.2.7"), target = ip("198.51.100.1"), router = ip("203.0.113.9");
    const Bytes request = encode_ipv4_echo_request(us, target, 0x4242, 5, from_hex("0102030405060708"));
    auto reply_from = [&](const Ipv4Address& from, std::uint16_t id, std::uint16_t seq) {
        IcmpMessage m;
        m.type = static_cast<std::uint8_t>(IcmpType::echo_reply);
        m.identifier = id, m.sequence = seq, m.data = from_hex("0102030405060708");
        Ipv4Packet p;
        p.source = from, p.destination = us, p.payload = encode_icmp(m);
        return p;
    };
    auto classify = [&](const Ipv4Packet& p) { return classify_echo_answer(p, us, target, 0x4242, 5).answer; };
    EXPECT_EQ(classify(reply_from(target, 0x4242, 5)), EchoAnswer::reply);
    EXPECT_EQ(classify(reply_from(router, 0x4242, 5)), EchoAnswer::reply_from_wrong_address);
    EXPECT_EQ(classify(reply_from(target, 0x4242, 4)), EchoAnswer::unrelated) << "an earlier sequence";
    EXPECT_EQ(classify(reply_from(target, 0x4243, 5)), EchoAnswer::unrelated) << "another identifier";
    Ipv4Packet not_for_us = reply_from(target, 0x4242, 5);
    not_for_us.destination = ip("192.0.2.8");
    EXPECT_EQ(classify(not_for_us), EchoAnswer::unrelated);
    Ipv4Packet broken = reply_from(target, 0x4242, 5);
    broken.payload.back() ^= 1;
    EXPECT_EQ(classify(broken), EchoAnswer::malformed);

    // A router's host unreachable quoting our request: unused word, the original header, its first 8 bytes.
    IcmpMessage unreachable;
    unreachable.type = static_cast<std::uint8_t>(IcmpType::destination_unreachable);
    unreachable.code = 1;
    unreachable.data = from_hex("00000000");
    unreachable.data.insert(unreachable.data.end(), request.begin(), request.begin() + 28);
    Ipv4Packet error;
    error.source = router, error.destination = us, error.payload = encode_icmp(unreachable);
    const auto c = classify_echo_answer(error, us, target, 0x4242, 5);
    EXPECT_EQ(c.answer, EchoAnswer::icmp_error);
    EXPECT_EQ(c.from, router);
    ASSERT_TRUE(c.icmp.has_value());
    EXPECT_EQ(c.icmp->code, 1);
    EXPECT_EQ(classify_echo_answer(error, us, target, 0x4242, 6).answer, EchoAnswer::unrelated)
        << "it quotes another sequence";
    unreachable.data.resize(4 + 20 + 4);  // quoting too little to tell
    error.payload = encode_icmp(unreachable);
    EXPECT_EQ(classify(error), EchoAnswer::unrelated);
}

TEST(Ipv4Icmp, LyingFieldsAreRefused) {
    const Bytes good = encode_ipv4_echo_request(ip("192.0.2.7"), ip("198.51.100.1"), 1, 1, from_hex("abcd"));
    auto with = [&](std::size_t at, std::uint8_t value) {
        Bytes b = good;
        b[at] = value;
        return b;
    };
    expect_error(decode_ipv4_packet(ByteView(good).first(19)), "truncated", 19);
    expect_error(decode_ipv4_packet(with(0, 0x65)), "not_ipv4", 0);
    expect_error(decode_ipv4_packet(with(0, 0x44)), "bad_ihl", 0);
    expect_error(decode_ipv4_packet(with(0, 0x4f)), "bad_ihl", 0);
    expect_error(decode_ipv4_packet(with(3, 0x13)), "bad_total_length", 2);
    expect_error(decode_ipv4_packet(with(3, 0xff)), "bad_total_length", 2);
    expect_error(decode_ipv4_packet(with(8, 63)), "bad_header_checksum", 10);  // TTL changed, checksum not
    // More Fragments, checksum fixed up so that only the flag is wrong.
    Bytes fragment = with(6, 0x20);
    fragment[10] = fragment[11] = 0;
    const std::uint16_t sum = internet_checksum(ByteView(fragment).first(20));
    fragment[10] = static_cast<std::uint8_t>(sum >> 8), fragment[11] = static_cast<std::uint8_t>(sum);
    expect_error(decode_ipv4_packet(fragment), "fragment", 6);
    // Link padding after Total Length is ignored.
    Bytes padded = good;
    padded.push_back(0);
    ASSERT_TRUE(decode_ipv4_packet(padded).ok());
    EXPECT_EQ(decode_ipv4_packet(padded)->payload, decode_ipv4_packet(good)->payload);

    const Bytes icmp = decode_ipv4_packet(good)->payload;
    expect_error(decode_icmp(ByteView(icmp).first(3)), "truncated", 3);
    expect_error(decode_icmp(ByteView(icmp).first(7)), "truncated", 7);
    Bytes flipped = icmp;
    flipped.back() ^= 1;
    expect_error(decode_icmp(flipped), "bad_checksum", 2);
}

}  // namespace
