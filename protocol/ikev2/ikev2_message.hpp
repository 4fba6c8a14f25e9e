// IKEv2 messages (RFC 7296 section 3.1-3.2): the 28-byte header and the chain of payloads that follows it,
// linked by each payload's Next Payload field. Pure bytes in, bytes out; no crypto (the SK/SKF payload's
// encrypted body is kept raw, protocol/ikev2/ikev2_crypto* encrypts and decrypts it).
//
// Decoding walks the chain with these checks, each a DecodeError with the offset (from the start of the
// message) of the offending field:
//   "truncated"          fewer than 28 bytes (offset 0)
//   "bad_version"        major version is not 2 (offset 17: an IKEv1 peer answers with 0x10)
//   "length_mismatch"    the header's Length is not the size of the message (offset 24); or the chain ends
//                        (Next Payload 0) before the message does (offset of the first byte left over)
//   "payload_overrun"    the chain names another payload but fewer than 4 bytes are left for its header
//                        (offset of where it would start), or a Payload Length goes past the end of the
//                        message (offset of that length field)
//   "bad_payload_length" a Payload Length below 4, the generic header's own size (offset of that length
//                        field). A linear chain cannot loop, but a length of 0 would never advance: this is
//                        the check that stops it.
//   "too_many_payloads"  more than max_payloads payloads (offset of the first payload over the limit)
//   "unsupported_critical_payload"  a payload type this codec does not decode, with the critical bit set
//                        (offset of that payload's first byte). Without the critical bit such a payload is
//                        kept as an UnknownPayload and skipped, as RFC 7296 section 2.5 requires.
//   "sk_not_last"        bytes after an SK/SKF payload, which must be the last one (offset of those bytes)
//   "nested_encrypted_payload"  an SK/SKF payload inside a decrypted SK/SKF body
//   and the payload body errors of ikev2_payloads.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/bytes.hpp"
#include "protocol/ikev2/ikev2_payloads.hpp"
#include "protocol/ikev2/ikev2_registry.hpp"

namespace vpnprobe::protocol::ikev2 {

inline constexpr std::size_t header_size = 28;
inline constexpr std::size_t generic_payload_header_size = 4;
inline constexpr std::size_t skf_fixed_size = 4;  // Fragment Number, Total Fragments
inline constexpr std::uint8_t ikev2_version = 0x20;  // major 2, minor 0
inline constexpr std::size_t max_payloads = 64;  // per chain; real messages carry well under 20
inline constexpr std::uint8_t flag_initiator = 0x08;  // I: sent by the original initiator of the IKE SA
inline constexpr std::uint8_t flag_version = 0x10;  // V: sender could speak a higher major version
inline constexpr std::uint8_t flag_response = 0x20;  // R: this message is a response
inline constexpr std::uint8_t critical_bit = 0x80;

struct Header {
    std::uint64_t spi_i = 0;
    std::uint64_t spi_r = 0;
    PayloadType next_payload = PayloadType::none;  // as received; the encoder computes it
    std::uint8_t version = ikev2_version;
    ExchangeType exchange = ExchangeType::ike_sa_init;
    std::uint8_t flags = 0;
    std::uint32_t message_id = 0;
    std::uint32_t length = 0;  // as received; the encoder computes it

    bool initiator() const { return flags & flag_initiator; }
    bool response() const { return flags & flag_response; }
    bool operator==(const Header&) const = default;
};

struct Message {
    Header header;
    std::vector<Payload> payloads;

    // The first payload whose body is a T, or nullptr.
    template <typename T>
    const T* find() const {
        for (const auto& p : payloads)
            if (const T* t = p.get<T>()) return t;
        return nullptr;
    }
    // The first payload of a type (IDi vs IDr, TSi vs TSr), or nullptr.
    const Payload* find(PayloadType type) const;
    // The first notify of a type, or nullptr.
    const NotifyPayload* find_notify(std::uint16_t type) const;
    // All notify types, in message order.
    std::vector<std::uint16_t> notify_types() const;
    bool operator==(const Message&) const = default;
};

// ---- decoding -------------------------------------------------------------------------------------------

// The fixed header only (checks "truncated" and "bad_version", not the length): enough to match a datagram
// to an IKE SA by its SPIs before decoding the rest.
Decoded<Header> decode_header(ByteView message);

// Exactly one message: `message` must be the whole UDP payload (after the non-ESP marker on port 4500).
Decoded<Message> decode_message(ByteView message);

// The payload chain inside a decrypted SK body (or the concatenated decrypted bodies of all SKF fragments,
// in fragment order), starting with `first_type` (the SK payload's first_inner, or fragment 1's). The
// plaintext is without padding and Pad Length. Error offsets count from the start of `plaintext`.
Decoded<std::vector<Payload>> decode_inner_payloads(PayloadType first_type, ByteView plaintext);

// ---- encoding -------------------------------------------------------------------------------------------
// The encoders compute every Next Payload and Length field (header.next_payload and header.length are
// ignored) and throw std::invalid_argument for what cannot be encoded: an SK/SKF payload that is not
// the last one, a payload over 65535 bytes, more than max_payloads payloads, and the body errors of
// encode_payload_body.

Bytes encode_message(const Message& message);

// Everything of `message` before the encrypted body of its SK or SKF payload, which must be its last
// payload: the header and the SK/SKF headers already count `encrypted_size` bytes (IV, ciphertext with
// padding and Pad Length, ICV), and the body the payload holds now is ignored. For AEAD ciphers these bytes
// are the associated data (RFC 5282 section 5.1; for SKF including Fragment Number and Total Fragments,
// RFC 7383 section 2.5); for the others the ICV covers them followed by IV and ciphertext.
// encode_message(m) == encode_unencrypted_prefix(m, size) + the SK payload's `encrypted` of that size.
Bytes encode_unencrypted_prefix(const Message& message, std::size_t encrypted_size);

// The plaintext payload chain to encrypt into an SK payload (before padding): the payloads with their
// Next Payload fields linked; `first_type` goes into the SK payload's first_inner.
struct InnerChain {
    PayloadType first_type = PayloadType::none;
    Bytes bytes;
};
InnerChain encode_inner_payloads(const std::vector<Payload>& payloads);

// A payload chain written one payload at a time into one buffer, parts of it given already encoded: a body
// (encode_payload_body's bytes) that never changes, such as a probe's SA offer, or a whole chain
// (encode_inner_payloads' or an earlier ChainWriter's), such as a request sent again behind a COOKIE notify
// (RFC 7296 2.6: the cookie first, every other payload unchanged). The bytes are exactly those
// encode_inner_payloads gives for the same payloads; the Next Payload fields are linked as they are added.
// Not for SK/SKF payloads (encode_unencrypted_prefix writes those); throws std::invalid_argument for them, for
// more than max_payloads payloads and for a payload over 65535 bytes, as the encoders do.
class ChainWriter {
public:
    ChainWriter() { chain_.bytes.reserve(768); }
    void add(const Payload& payload);
    void add_encoded(PayloadType type, ByteView body, bool critical = false);
    void add_chain(const InnerChain& chain);
    InnerChain take() { return std::move(chain_); }

private:
    std::size_t begin(PayloadType type, bool critical);  // links and writes a generic header, returns its offset
    void end(std::size_t start, PayloadType type);  // sets the Length of the payload at `start`

    InnerChain chain_;
    std::size_t last_ = 0;  // offset of the last payload's generic header, when count_ > 0
    std::size_t count_ = 0;
};

// The header followed by an encoded chain, the header's Next Payload and Length set from it: encode_message of
// the same payloads, for a chain written by a ChainWriter.
Bytes encode_message(const Header& header, const InnerChain& chain);

// ---- UDP port 4500 ----------------------------------------------------------------------------------------

inline constexpr std::size_t non_esp_marker_size = 4;  // four zero bytes (RFC 3948 section 2.2)
// The IKE message inside a port-4500 datagram, or nullopt when the datagram is ESP (non-zero SPI) or
// shorter than the marker.
std::optional<ByteView> strip_non_esp_marker(ByteView datagram);
Bytes add_non_esp_marker(ByteView message);

// ---- descriptions ---------------------------------------------------------------------------------------------

// strongSwan's one-line summary: "IKE_SA_INIT response 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) CERTREQ
// N(FRAG_SUP) N(HASH_ALG) N(CHDLESS_SUP) N(MULT_AUTH) V ]", "IKE_AUTH response 1 [ EF(1/2) ]".
std::string describe(const Message& message);
// A header line (exchange, direction, message ID, SPIs, flags, length) and one line per payload (see
// describe(const Payload&)), each indented by two spaces, separated by '\n', without a final newline.
std::string describe_detailed(const Message& message);

}  // namespace vpnprobe::protocol::ikev2
