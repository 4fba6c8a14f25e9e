// SSTP packets (MS-SSTP section 2.2): the fixed header, data packets carrying PPP frames, and the nine
// control messages with their four attributes. Pure bytes in, bytes out: no I/O, no clocks.
//
// Decoding is strict: anything MS-SSTP says a packet MUST be (version, lengths, known message and
// attribute types, fixed attribute sizes, attribute count) is checked, and a violation is a DecodeError
// whose offset is that of the offending field (the version byte, the length field, the attribute ID, ...)
// counted from the start of the packet. Reserved bits and bytes are ignored on receipt, as the spec says.
// Which attributes a message carries is not checked here: a probe records what a server sent, and the
// diagnosis judges it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/bytes.hpp"

namespace vpnprobe::protocol {

inline constexpr std::uint8_t sstp_version = 0x10;  // 1.0: major in the upper nibble, minor in the lower
inline constexpr std::size_t sstp_header_size = 4;
inline constexpr std::size_t sstp_control_header_size = 8;  // packet header + message type + attribute count
inline constexpr std::size_t sstp_attribute_header_size = 4;
inline constexpr std::size_t sstp_max_packet_size = 0x0fff;  // the length field has 12 bits
inline constexpr std::size_t sstp_nonce_size = 32;
inline constexpr std::uint16_t sstp_encapsulated_protocol_ppp = 0x0001;

// Hash Protocol Bitmask of the Crypto Binding (Request) attributes.
inline constexpr std::uint8_t sstp_cert_hash_sha1 = 0x01;
inline constexpr std::uint8_t sstp_cert_hash_sha256 = 0x02;

enum class SstpMessageType : std::uint16_t {
    call_connect_request = 1,
    call_connect_ack = 2,
    call_connect_nak = 3,
    call_connected = 4,
    call_abort = 5,
    call_disconnect = 6,
    call_disconnect_ack = 7,
    echo_request = 8,
    echo_response = 9,
};

enum class SstpAttributeId : std::uint8_t {
    no_error = 0,  // only ever inside a Status Info (its AttribID), never an attribute of its own
    encapsulated_protocol_id = 1,
    status_info = 2,
    crypto_binding = 3,
    crypto_binding_request = 4,
};

// Status values of the Status Info attribute (MS-SSTP 2.2.8).
enum class SstpStatus : std::uint32_t {
    no_error = 0x00,
    duplicate_attribute = 0x01,
    unrecognized_attribute = 0x02,
    invalid_attrib_value_length = 0x03,
    value_not_supported = 0x04,
    unaccepted_frame_received = 0x05,
    retry_count_exceeded = 0x06,
    invalid_frame_received = 0x07,
    negotiation_timeout = 0x08,
    attrib_not_supported_in_msg = 0x09,
    required_attribute_missing = 0x0a,
    status_info_not_supported_in_msg = 0x0b,
};

// "SSTP_MSG_CALL_CONNECT_ACK"; "SSTP_MSG_UNKNOWN" for a value outside the enumeration.
std::string_view sstp_message_name(SstpMessageType type);
// "SSTP_ATTRIB_CRYPTO_BINDING_REQ", "SSTP_ATTRIB_NO_ERROR" for 0; "SSTP_ATTRIB_0x2a" when unknown.
std::string sstp_attribute_name(std::uint8_t attribute_id);
// "ATTRIB_STATUS_VALUE_NOT_SUPPORTED"; "ATTRIB_STATUS_0x0000002a" when unknown.
std::string sstp_status_name(std::uint32_t status);
// Names of the bits set: {"SHA1", "SHA256"}; an unknown bit as "0x04".
std::vector<std::string> sstp_hash_protocol_names(std::uint8_t bitmask);

// ---- attributes -----------------------------------------------------------------------------------

struct SstpEncapsulatedProtocolId {
    std::uint16_t protocol_id = sstp_encapsulated_protocol_ppp;
    bool operator==(const SstpEncapsulatedProtocolId&) const = default;
};

struct SstpStatusInfo {
    std::uint8_t attrib_id = 0;  // the attribute the status is about (0 = SSTP_ATTRIB_NO_ERROR); raw,
        // because it may name an attribute the peer did not recognise
    std::uint32_t status = 0;  // SstpStatus; raw, so that a status this code does not know is still shown
    Bytes attrib_value;  // the offending attribute's value, when the peer includes it
    bool operator==(const SstpStatusInfo&) const = default;
};

struct SstpCryptoBinding {
    std::uint8_t hash_protocol_bitmask = sstp_cert_hash_sha256;  // exactly one bit, the one chosen
    std::array<std::uint8_t, 32> nonce{};
    std::array<std::uint8_t, 32> cert_hash{};  // SHA1: 20 bytes then 12 zero bytes of padding
    std::array<std::uint8_t, 32> compound_mac{};  // likewise
    bool operator==(const SstpCryptoBinding&) const = default;
};

struct SstpCryptoBindingRequest {
    std::uint8_t hash_protocol_bitmask = sstp_cert_hash_sha256;  // the hashes the server accepts
    std::array<std::uint8_t, 32> nonce{};
    bool operator==(const SstpCryptoBindingRequest&) const = default;
};

using SstpAttribute =
    std::variant<SstpEncapsulatedProtocolId, SstpStatusInfo, SstpCryptoBinding, SstpCryptoBindingRequest>;

SstpAttributeId sstp_attribute_id(const SstpAttribute& attribute);

// ---- packets --------------------------------------------------------------------------------------

struct SstpControl {
    SstpMessageType type = SstpMessageType::echo_request;
    std::vector<SstpAttribute> attributes;

    // The first attribute of type T, or nullptr.
    template <typename T>
    const T* find() const {
        for (const auto& a : attributes)
            if (const T* t = std::get_if<T>(&a)) return t;
        return nullptr;
    }
    bool operator==(const SstpControl&) const = default;
};

struct SstpData {
    Bytes ppp_frame;  // as carried: no HDLC flags, escaping or FCS (see ppp_lcp.hpp on FF 03)
    bool operator==(const SstpData&) const = default;
};

struct SstpPacket {
    std::variant<SstpData, SstpControl> body;

    bool is_control() const { return std::holds_alternative<SstpControl>(body); }
    const SstpControl* control() const { return std::get_if<SstpControl>(&body); }
    const SstpData* data() const { return std::get_if<SstpData>(&body); }
    bool operator==(const SstpPacket&) const = default;
};

// ---- encoding -------------------------------------------------------------------------------------
// Encoders throw std::invalid_argument for what cannot be encoded (a packet over 4095 bytes).

Bytes encode_sstp_attribute(const SstpAttribute& attribute);
Bytes encode_sstp_control(SstpMessageType type, const std::vector<SstpAttribute>& attributes);
Bytes encode_sstp_data(ByteView ppp_frame);
Bytes encode_sstp_packet(const SstpPacket& packet);

Bytes encode_call_connect_request(std::uint16_t protocol_id = sstp_encapsulated_protocol_ppp);
// Without a status the message has no attribute; MS-SSTP says it SHOULD have one, so callers pass one.
Bytes encode_call_abort(std::optional<SstpStatusInfo> status = std::nullopt);
Bytes encode_call_disconnect(std::optional<SstpStatusInfo> status = std::nullopt);
Bytes encode_call_disconnect_ack();
Bytes encode_echo_request();
Bytes encode_echo_response();

// ---- decoding -------------------------------------------------------------------------------------
// Error codes: "truncated" (fewer than 4 bytes), "bad_version", "bad_length" (length field < 4, or too
// short for a control header), "length_mismatch" (length field larger than the buffer), "trailing_bytes"
// (buffer longer than the length field), "unknown_message_type", "truncated_attribute" (attribute header
// cut off), "bad_attribute_length" (< 4, or not what the spec fixes for that attribute),
// "attribute_overrun" (attribute length past the end of the packet), "unknown_attribute",
// "attribute_count_mismatch" (Num Attributes disagrees with what the packet holds).

// Decodes exactly one packet: `packet` must be the whole packet and nothing else.
Decoded<SstpPacket> decode_sstp_packet(ByteView packet);

// Framing for the TLS byte stream: given the bytes buffered so far, starting at a packet boundary,
// returns the total length of the first packet (which may be more than is buffered), std::nullopt while
// its header is incomplete, or an error for a header no SSTP peer sends ("bad_version", "bad_length"),
// which is checked as soon as the byte in question has arrived.
Decoded<std::optional<std::size_t>> sstp_packet_length(ByteView buffered);

// One line for verbose logs, e.g.
// "SSTP_MSG_CALL_CONNECT_ACK attrs=[CRYPTO_BINDING_REQ hash=SHA256 nonce=5074..]", "SSTP data 24 bytes".
std::string describe(const SstpPacket& packet);
std::string describe(const SstpAttribute& attribute);
// "ENCAPSULATED_PROTOCOL_ID: ATTRIB_STATUS_VALUE_NOT_SUPPORTED value=0001"
std::string describe(const SstpStatusInfo& status);

}  // namespace vpnprobe::protocol
