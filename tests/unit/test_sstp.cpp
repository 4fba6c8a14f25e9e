#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "protocol/sstp/sstp.hpp"

using namespace vpnprobe::protocol;

namespace {

Bytes read_file(const std::string& name) {
    std::ifstream in(std::string(VPNPROBE_TEST_DATA) + "/" + name, std::ios::binary);
    EXPECT_TRUE(in) << "cannot open " << name;
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The SSTP part of the SoftEther capture: everything after the HTTP response header.
Bytes softether_connect_ack() {
    Bytes capture = read_file("softether-http200-connect-ack.bin");
    const std::string end_of_header = "\r\n\r\n";
    auto it = std::search(capture.begin(), capture.end(), end_of_header.begin(), end_of_header.end());
    EXPECT_NE(it, capture.end());
    return Bytes(it + static_cast<std::ptrdiff_t>(end_of_header.size()), capture.end());
}

std::array<std::uint8_t, 32> filled(std::uint8_t first) {
    std::array<std::uint8_t, 32> a{};
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::uint8_t>(first + i);
    return a;
}

void expect_error(const Bytes& packet, const std::string& code, std::size_t offset) {
    auto decoded = decode_sstp_packet(packet);
    ASSERT_FALSE(decoded.ok()) << "decoded as " << describe(decoded.value());
    EXPECT_EQ(decoded.error().code, code) << decoded.error().to_string();
    EXPECT_EQ(decoded.error().offset, offset) << decoded.error().to_string();
    EXPECT_FALSE(decoded.error().message.empty());
}

// One of every message, each with the attributes MS-SSTP gives it.
std::vector<SstpPacket> every_message() {
    SstpCryptoBinding binding{sstp_cert_hash_sha256, filled(0x10), filled(0x40), filled(0x80)};
    SstpCryptoBindingRequest request{sstp_cert_hash_sha1 | sstp_cert_hash_sha256, filled(0xa0)};
    SstpStatusInfo nak{static_cast<std::uint8_t>(SstpAttributeId::encapsulated_protocol_id),
                       static_cast<std::uint32_t>(SstpStatus::value_not_supported),
                       {0x00, 0x02}};
    SstpStatusInfo abort_status{static_cast<std::uint8_t>(SstpAttributeId::status_info),
                                static_cast<std::uint32_t>(SstpStatus::invalid_frame_received),
                                {}};
    SstpStatusInfo disconnect{0, static_cast<std::uint32_t>(SstpStatus::no_error), {}};
    return {
        SstpPacket{SstpControl{SstpMessageType::call_connect_request, {SstpEncapsulatedProtocolId{}}}},
        SstpPacket{SstpControl{SstpMessageType::call_connect_ack, {request}}},
        SstpPacket{SstpControl{SstpMessageType::call_connect_nak, {nak, nak}}},
        SstpPacket{SstpControl{SstpMessageType::call_connected, {binding}}},
        SstpPacket{SstpControl{SstpMessageType::call_abort, {abort_status}}},
        SstpPacket{SstpControl{SstpMessageType::call_disconnect, {disconnect}}},
        SstpPacket{SstpControl{SstpMessageType::call_disconnect_ack, {}}},
        SstpPacket{SstpControl{SstpMessageType::echo_request, {}}},
        SstpPacket{SstpControl{SstpMessageType::echo_response, {}}},
        SstpPacket{SstpData{from_hex("ff03c021 0101000e 010405dc 05061234abcd")}},
    };
}

}  // namespace

// ---- the real capture -----------------------------------------------------------------------------

TEST(SstpCapture, SoftEtherConnectAck) {
    Bytes ack = softether_connect_ack();
    auto length = sstp_packet_length(ack);
    ASSERT_TRUE(length.ok());
    ASSERT_TRUE(length.value().has_value());
    EXPECT_EQ(*length.value(), 48u);
    EXPECT_EQ(ack.size(), 48u);

    auto decoded = decode_sstp_packet(ack);
    ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
    ASSERT_TRUE(decoded->is_control());
    const SstpControl& control = *decoded->control();
    EXPECT_EQ(control.type, SstpMessageType::call_connect_ack);
    ASSERT_EQ(control.attributes.size(), 1u);
    const auto* request = control.find<SstpCryptoBindingRequest>();
    ASSERT_NE(request, nullptr);
    EXPECT_EQ(request->hash_protocol_bitmask, 0x02);
    EXPECT_EQ(sstp_hash_protocol_names(request->hash_protocol_bitmask), std::vector<std::string>{"SHA256"});
    EXPECT_EQ(to_hex(request->nonce), "50749167b887971206a71e3811cf86ef08b7d5ce5d4f429f4f90b7d5dcaa831d");
    EXPECT_EQ(describe(*decoded), "SSTP_MSG_CALL_CONNECT_ACK attrs=[CRYPTO_BINDING_REQ hash=SHA256 nonce=5074..]");

    // Our encoder produces the server's bytes exactly.
    EXPECT_EQ(encode_sstp_packet(*decoded), ack);
}

TEST(SstpCapture, HttpHeaderIsNotSstp) {
    // A probe that forgets to strip the HTTP header must get a named error, not garbage.
    Bytes capture = read_file("softether-http200-connect-ack.bin");
    auto length = sstp_packet_length(capture);
    ASSERT_FALSE(length.ok());
    EXPECT_EQ(length.error().code, "bad_version");
    EXPECT_EQ(length.error().offset, 0u);
}

// ---- encoders -------------------------------------------------------------------------------------

TEST(SstpEncode, CallConnectRequestMatchesWindows) {
    // 10 01 00 0e | 00 01 (CALL_CONNECT_REQUEST) 00 01 (one attribute) | 00 01 00 06 00 01.
    // MS-SSTP 2.2.9: the Encapsulated Protocol ID attribute's length covers its 4-byte header and the
    // 2-byte Protocol ID, so it is 6 (00 06); 8 (00 08) would contradict the packet length 0x0e = 14 =
    // 4 (header) + 4 (type, count) + 6. sstp-client and SoftEther's parser agree on 6.
    EXPECT_EQ(to_hex(encode_call_connect_request()), "1001000e00010001000100060001");
    EXPECT_EQ(encode_call_connect_request(), from_hex("10 01 00 0e 00 01 00 01 00 01 00 06 00 01"));
}

TEST(SstpEncode, ControlMessagesWithoutAttributes) {
    EXPECT_EQ(to_hex(encode_call_disconnect_ack()), "1001000800070000");
    EXPECT_EQ(to_hex(encode_echo_request()), "1001000800080000");
    EXPECT_EQ(to_hex(encode_echo_response()), "1001000800090000");
    EXPECT_EQ(to_hex(encode_call_abort()), "1001000800050000");
    EXPECT_EQ(to_hex(encode_call_disconnect()), "1001000800060000");
}

TEST(SstpEncode, AbortWithStatusInfo) {
    SstpStatusInfo status{static_cast<std::uint8_t>(SstpAttributeId::status_info),
                          static_cast<std::uint32_t>(SstpStatus::invalid_frame_received),
                          {}};
    // Header (length 20), type 5, one attribute: 00 02 00 0c, reserved 000000, attrib id 02, status 7.
    EXPECT_EQ(to_hex(encode_call_abort(status)), "10010014000500010002000c0000000200000007");
    EXPECT_EQ(to_hex(encode_call_disconnect(SstpStatusInfo{})), "10010014000600010002000c0000000000000000");
}

TEST(SstpEncode, CryptoBindingLayout) {
    SstpCryptoBinding binding{sstp_cert_hash_sha256, filled(0x10), filled(0x40), filled(0x80)};
    Bytes attribute = encode_sstp_attribute(binding);
    ASSERT_EQ(attribute.size(), 104u);
    EXPECT_EQ(to_hex(ByteView(attribute).first(8)), "0003006800000002");
    EXPECT_EQ(attribute[8], 0x10);
    EXPECT_EQ(attribute[8 + 32], 0x40);
    EXPECT_EQ(attribute[8 + 64], 0x80);
    EXPECT_EQ(attribute[103], 0x80 + 31);

    Bytes request = encode_sstp_attribute(SstpCryptoBindingRequest{sstp_cert_hash_sha1, filled(0)});
    ASSERT_EQ(request.size(), 40u);
    EXPECT_EQ(to_hex(ByteView(request).first(8)), "0004002800000001");
}

TEST(SstpEncode, DataPacket) {
    Bytes frame = from_hex("ff03c021 09010008 11223344");
    EXPECT_EQ(to_hex(encode_sstp_data(frame)), "10000010ff03c0210901000811223344");
}

TEST(SstpEncode, RefusesOversizedPackets) {
    EXPECT_EQ(encode_sstp_data(Bytes(4091, 0xaa)).size(), 4095u);
    EXPECT_THROW(encode_sstp_data(Bytes(4092, 0xaa)), std::invalid_argument);
    SstpStatusInfo huge{0, 0, Bytes(4080, 0)};
    EXPECT_THROW(encode_call_abort(huge), std::invalid_argument);
}

// ---- round trips ----------------------------------------------------------------------------------

TEST(SstpRoundTrip, EveryMessageAndAttribute) {
    for (const auto& packet : every_message()) {
        Bytes bytes = encode_sstp_packet(packet);
        auto length = sstp_packet_length(bytes);
        ASSERT_TRUE(length.ok());
        EXPECT_EQ(length.value(), bytes.size());
        auto decoded = decode_sstp_packet(bytes);
        ASSERT_TRUE(decoded.ok()) << describe(packet) << ": " << decoded.error().to_string();
        EXPECT_EQ(decoded.value(), packet) << describe(packet);
        EXPECT_EQ(describe(decoded.value()), describe(packet));
    }
}

TEST(SstpRoundTrip, StreamOfPackets) {
    // The framing helper walks a byte stream packet by packet, whatever the TLS record boundaries.
    Bytes stream;
    auto messages = every_message();
    for (const auto& p : messages) put_bytes(stream, encode_sstp_packet(p));
    std::size_t pos = 0, n = 0;
    while (pos < stream.size()) {
        ByteView rest = ByteView(stream).subspan(pos);
        // With only part of the header buffered, the helper asks for more.
        EXPECT_FALSE(sstp_packet_length(rest.first(3)).value().has_value());
        auto length = sstp_packet_length(rest);
        ASSERT_TRUE(length.ok());
        ASSERT_TRUE(length.value().has_value());
        auto decoded = decode_sstp_packet(rest.first(*length.value()));
        ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
        EXPECT_EQ(decoded.value(), messages[n++]);
        pos += *length.value();
    }
    EXPECT_EQ(n, messages.size());
}

TEST(SstpRoundTrip, ReservedBitsAreIgnored) {
    // MS-SSTP: reserved fields MUST be ignored on receipt, including the 4 bits above each 12-bit length.
    Bytes packet = from_hex("10 ff f0 0e 00 01 00 01 ff 01 f0 06 00 01");
    auto decoded = decode_sstp_packet(packet);
    ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
    EXPECT_EQ(decoded->control()->type, SstpMessageType::call_connect_request);
    EXPECT_EQ(decoded->control()->find<SstpEncapsulatedProtocolId>()->protocol_id, 1);
}

TEST(SstpRoundTrip, StatusInfoValueKept) {
    // accel-ppp's NAK carries the 2-byte value of the attribute it refuses.
    Bytes nak = from_hex("10010016 00030001 0002000e 00000001 00000004 0002");
    auto decoded = decode_sstp_packet(nak);
    ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
    const auto* status = decoded->control()->find<SstpStatusInfo>();
    ASSERT_NE(status, nullptr);
    EXPECT_EQ(status->attrib_id, 1);
    EXPECT_EQ(status->status, 4u);
    EXPECT_EQ(status->attrib_value, from_hex("0002"));
    EXPECT_EQ(describe(*status), "attrib=ENCAPSULATED_PROTOCOL_ID status=ATTRIB_STATUS_VALUE_NOT_SUPPORTED value=0002");
    EXPECT_EQ(describe(*decoded),
              "SSTP_MSG_CALL_CONNECT_NAK attrs=[STATUS_INFO attrib=ENCAPSULATED_PROTOCOL_ID "
              "status=ATTRIB_STATUS_VALUE_NOT_SUPPORTED value=0002]");
}

TEST(SstpDescribe, Lines) {
    EXPECT_EQ(describe(SstpPacket{SstpControl{SstpMessageType::echo_request, {}}}), "SSTP_MSG_ECHO_REQUEST");
    EXPECT_EQ(describe(SstpPacket{SstpData{Bytes(24, 0)}}), "SSTP data 24 bytes");
    EXPECT_EQ(describe(SstpPacket{SstpControl{SstpMessageType::call_connect_request, {SstpEncapsulatedProtocolId{}}}}),
              "SSTP_MSG_CALL_CONNECT_REQUEST attrs=[ENCAPSULATED_PROTOCOL_ID proto=PPP]");
    EXPECT_EQ(describe(SstpAttribute{SstpEncapsulatedProtocolId{0x1234}}), "ENCAPSULATED_PROTOCOL_ID proto=0x1234");
    EXPECT_EQ(describe(SstpAttribute{SstpCryptoBinding{sstp_cert_hash_sha1, filled(0x10), filled(0x40), filled(0x80)}}),
              "CRYPTO_BINDING hash=SHA1 nonce=1011.. cert_hash=4041.. mac=8081..");
    EXPECT_EQ(describe(SstpAttribute{SstpCryptoBindingRequest{0x03, filled(0)}}),
              "CRYPTO_BINDING_REQ hash=SHA1|SHA256 nonce=0001..");
    EXPECT_EQ(describe(SstpAttribute{SstpCryptoBindingRequest{0x00, filled(0)}}),
              "CRYPTO_BINDING_REQ hash=none nonce=0001..");
}

TEST(SstpNames, MessagesAttributesStatuses) {
    const char* messages[] = {"SSTP_MSG_CALL_CONNECT_REQUEST", "SSTP_MSG_CALL_CONNECT_ACK", "SSTP_MSG_CALL_CONNECT_NAK",
                              "SSTP_MSG_CALL_CONNECTED",       "SSTP_MSG_CALL_ABORT",       "SSTP_MSG_CALL_DISCONNECT",
                              "SSTP_MSG_CALL_DISCONNECT_ACK",  "SSTP_MSG_ECHO_REQUEST",     "SSTP_MSG_ECHO_RESPONSE"};
    for (std::uint16_t t = 1; t <= 9; ++t)
        EXPECT_EQ(sstp_message_name(static_cast<SstpMessageType>(t)), messages[t - 1]);
    EXPECT_EQ(sstp_message_name(static_cast<SstpMessageType>(10)), "SSTP_MSG_UNKNOWN");

    EXPECT_EQ(sstp_attribute_name(0), "SSTP_ATTRIB_NO_ERROR");
    EXPECT_EQ(sstp_attribute_name(1), "SSTP_ATTRIB_ENCAPSULATED_PROTOCOL_ID");
    EXPECT_EQ(sstp_attribute_name(2), "SSTP_ATTRIB_STATUS_INFO");
    EXPECT_EQ(sstp_attribute_name(3), "SSTP_ATTRIB_CRYPTO_BINDING");
    EXPECT_EQ(sstp_attribute_name(4), "SSTP_ATTRIB_CRYPTO_BINDING_REQ");
    EXPECT_EQ(sstp_attribute_name(0x2a), "SSTP_ATTRIB_0x2a");

    const char* statuses[] = {"ATTRIB_STATUS_NO_ERROR",
                              "ATTRIB_STATUS_DUPLICATE_ATTRIBUTE",
                              "ATTRIB_STATUS_UNRECOGNIZED_ATTRIBUTE",
                              "ATTRIB_STATUS_INVALID_ATTRIB_VALUE_LENGTH",
                              "ATTRIB_STATUS_VALUE_NOT_SUPPORTED",
                              "ATTRIB_STATUS_UNACCEPTED_FRAME_RECEIVED",
                              "ATTRIB_STATUS_RETRY_COUNT_EXCEEDED",
                              "ATTRIB_STATUS_INVALID_FRAME_RECEIVED",
                              "ATTRIB_STATUS_NEGOTIATION_TIMEOUT",
                              "ATTRIB_STATUS_ATTRIB_NOT_SUPPORTED_IN_MSG",
                              "ATTRIB_STATUS_REQUIRED_ATTRIBUTE_MISSING",
                              "ATTRIB_STATUS_STATUS_INFO_NOT_SUPPORTED_IN_MSG"};
    for (std::uint32_t s = 0; s <= 0x0b; ++s) EXPECT_EQ(sstp_status_name(s), statuses[s]);
    EXPECT_EQ(sstp_status_name(0x2a), "ATTRIB_STATUS_0x0000002a");

    EXPECT_EQ(sstp_hash_protocol_names(0x03), (std::vector<std::string>{"SHA1", "SHA256"}));
    EXPECT_EQ(sstp_hash_protocol_names(0x06), (std::vector<std::string>{"SHA256", "0x04"}));
    EXPECT_TRUE(sstp_hash_protocol_names(0).empty());
}

// ---- malformed input: each a named error at the offending field ------------------------------------

TEST(SstpMalformed, WrongVersion) {
    expect_error(from_hex("20 01 00 08 00 08 00 00"), "bad_version", 0);
    expect_error(from_hex("11 01 00 08 00 08 00 00"), "bad_version", 0);
}

TEST(SstpMalformed, ShorterThanHeader) {
    expect_error({}, "truncated", 0);
    expect_error(from_hex("10 01"), "truncated", 2);
}

TEST(SstpMalformed, LengthLargerThanBuffer) {
    expect_error(from_hex("10 01 00 10 00 08 00 00"), "length_mismatch", 2);
    Bytes ack = softether_connect_ack();
    ack.pop_back();
    expect_error(ack, "length_mismatch", 2);
}

TEST(SstpMalformed, LengthBelowHeader) {
    expect_error(from_hex("10 00 00 03"), "bad_length", 2);
    expect_error(from_hex("10 00 00 00"), "bad_length", 2);
    // A control packet needs 8 bytes for its message type and attribute count.
    expect_error(from_hex("10 01 00 06 00 08"), "bad_length", 2);
}

TEST(SstpMalformed, TrailingBytes) {
    Bytes packet = encode_echo_request();
    packet.push_back(0);
    expect_error(packet, "trailing_bytes", 8);
}

TEST(SstpMalformed, UnknownMessageType) {
    expect_error(from_hex("10 01 00 08 00 0a 00 00"), "unknown_message_type", 4);
    expect_error(from_hex("10 01 00 08 00 00 00 00"), "unknown_message_type", 4);
}

TEST(SstpMalformed, TruncatedAttributeHeader) {
    // One attribute announced; two bytes of its header present.
    expect_error(from_hex("10 01 00 0a 00 01 00 01 00 01"), "truncated_attribute", 8);
}

TEST(SstpMalformed, AttributeOverrunsPacket) {
    // A Crypto Binding Request header saying 40 bytes, with 6 in the packet.
    expect_error(from_hex("10 01 00 12 00 02 00 01 00 04 00 28 00 00 00 02 aa bb"), "attribute_overrun", 10);
}

TEST(SstpMalformed, AttributeLengthBelowHeader) {
    expect_error(from_hex("10 01 00 0c 00 01 00 01 00 01 00 03"), "bad_attribute_length", 10);
}

TEST(SstpMalformed, AttributeCountLies) {
    // Two announced, one present: the error points at where the second should start.
    expect_error(from_hex("10 01 00 0e 00 01 00 02 00 01 00 06 00 01"), "attribute_count_mismatch", 14);
    // None announced, one present.
    expect_error(from_hex("10 01 00 0e 00 01 00 00 00 01 00 06 00 01"), "attribute_count_mismatch", 8);
    // One announced, bytes left over after it.
    expect_error(from_hex("10 01 00 10 00 01 00 01 00 01 00 06 00 01 00 00"), "attribute_count_mismatch", 14);
}

TEST(SstpMalformed, UnknownAttribute) {
    expect_error(from_hex("10 01 00 0c 00 01 00 01 00 05 00 04"), "unknown_attribute", 9);
    // 0 (SSTP_ATTRIB_NO_ERROR) only exists inside a Status Info.
    expect_error(from_hex("10 01 00 0c 00 01 00 01 00 00 00 04"), "unknown_attribute", 9);
}

TEST(SstpMalformed, AttributeLengthsFixedBySpec) {
    // Crypto Binding Request of 36 bytes instead of 40.
    Bytes cbr = from_hex("10 01 00 2c 00 02 00 01 00 04 00 24 00 00 00 02");
    cbr.resize(0x2c, 0x55);
    expect_error(cbr, "bad_attribute_length", 10);
    // Crypto Binding Request of 44 bytes.
    Bytes cbr_long = from_hex("10 01 00 34 00 02 00 01 00 04 00 2c 00 00 00 02");
    cbr_long.resize(0x34, 0x55);
    expect_error(cbr_long, "bad_attribute_length", 10);
    // Crypto Binding of 72 bytes (a SHA1-sized layout without padding) instead of 104.
    Bytes cb = from_hex("10 01 00 50 00 04 00 01 00 03 00 48 00 00 00 01");
    cb.resize(0x50, 0x55);
    expect_error(cb, "bad_attribute_length", 10);
    // Encapsulated Protocol ID of 8 bytes.
    expect_error(from_hex("10 01 00 10 00 01 00 01 00 01 00 08 00 01 00 00"), "bad_attribute_length", 10);
    // Status Info without its status.
    expect_error(from_hex("10 01 00 10 00 05 00 01 00 02 00 08 00 00 00 02"), "bad_attribute_length", 10);
    // The second attribute is the bad one: the offset says so.
    expect_error(from_hex("10 01 00 18 00 03 00 02 0002000c 00000001 00000004 00 04 00 04"), "bad_attribute_length",
                 22);
}

// ---- robustness -----------------------------------------------------------------------------------

TEST(SstpRobustness, EveryPrefixIsAnError) {
    std::vector<Bytes> packets;
    for (const auto& p : every_message()) packets.push_back(encode_sstp_packet(p));
    packets.push_back(softether_connect_ack());
    for (const auto& packet : packets) {
        for (std::size_t n = 0; n < packet.size(); ++n) {
            // A copy of exactly n bytes, so that ASan catches a read past the prefix.
            Bytes prefix(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(n));
            auto decoded = decode_sstp_packet(prefix);
            ASSERT_FALSE(decoded.ok()) << "prefix of " << n << " bytes of " << to_hex(packet) << " decoded";
            EXPECT_LE(decoded.error().offset, packet.size());
            auto length = sstp_packet_length(prefix);
            if (length.ok() && length.value()) {
                EXPECT_GT(*length.value(), n);
            }
        }
    }
}

TEST(SstpRobustness, RandomMutationsNeverCrash) {
    std::vector<Bytes> seeds;
    for (const auto& p : every_message()) seeds.push_back(encode_sstp_packet(p));
    seeds.push_back(softether_connect_ack());

    std::mt19937 rng(20261122);
    std::size_t decoded_ok = 0;
    for (int iteration = 0; iteration < 5000; ++iteration) {
        Bytes packet = seeds[rng() % seeds.size()];
        const int mutations = 1 + static_cast<int>(rng() % 4);
        for (int m = 0; m < mutations; ++m) {
            switch (rng() % 4) {
            case 0:  // flip a byte
            case 1:
                if (!packet.empty()) packet[rng() % packet.size()] = static_cast<std::uint8_t>(rng());
                break;
            case 2:  // cut
                if (!packet.empty()) packet.resize(rng() % packet.size());
                break;
            case 3:  // grow
                packet.insert(packet.begin() + static_cast<std::ptrdiff_t>(rng() % (packet.size() + 1)),
                              static_cast<std::uint8_t>(rng()));
                break;
            }
        }
        Bytes exact(packet);  // a fresh allocation of exactly this size: any over-read is out of bounds
        auto decoded = decode_sstp_packet(exact);
        (void)sstp_packet_length(exact);
        if (!decoded.ok()) {
            EXPECT_LE(decoded.error().offset, exact.size());
            continue;
        }
        ++decoded_ok;
        (void)describe(decoded.value());
        // Whatever decodes re-encodes to something that decodes to the same packet.
        auto again = decode_sstp_packet(encode_sstp_packet(decoded.value()));
        ASSERT_TRUE(again.ok()) << to_hex(exact);
        EXPECT_EQ(again.value(), decoded.value()) << to_hex(exact);
    }
    // Some mutations only touch values (nonces, reserved bytes): the loop must exercise success too.
    EXPECT_GT(decoded_ok, 0u);
}
