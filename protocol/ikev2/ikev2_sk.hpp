// Whole protected IKEv2 messages: sealing payloads into an Encrypted payload SK (RFC 7296 section 3.14) or into
// Encrypted Fragment payloads SKF (RFC 7383) under a size limit, and opening them again. Pure functions over
// bytes: no sockets, no clocks. The IV source is a parameter, so tests are deterministic; by default IVs come
// from OpenSSL's DRBG.
//
// The probe (initiator) and the IKEv2 fault injector (responder) both build and take apart their protected
// messages here, so there is one copy of the layout. SkCipher (ikev2_crypto_cipher.hpp) protects the block
// after the SK/SKF header; this module writes the IKE header and the SK/SKF header around it, with every
// Length field final before anything is encrypted (for AEAD they are the associated data).
//
// Sizes are of the IKE message itself: on port 4500 the 4-byte non-ESP marker comes on top (add_non_esp_marker).
//
// Errors of open_*(), each a DecodeError with an offset from the first byte of the IKE message, except for the
// inner payload errors, whose offsets count from the start of the decrypted plaintext:
//   the message errors of decode_message() ("truncated", "length_mismatch", "payload_overrun", ...)
//   "not_encrypted"   the message has no SK payload (open_message) / no SKF payload (open_fragment)
//   "fragment"        open_message() got an SKF fragment: open_fragment() and FragmentReassembler take those
//   "too_short", "bad_length", "icv_mismatch", "bad_padding"   SkCipher::open(): see ikev2_crypto_cipher.hpp
//   "inner_payloads: <code>"  the decrypted, authentic payload chain is malformed (its decode error's code after
//                     the prefix: "inner_payloads: payload_overrun", ...)
// could_be_forged() tells the errors a forger can cause (anything before the ICV or tag checked out: to be
// dropped, RFC 7383 2.6) from those of an authentic but malformed message (the peer's fault, to be reported).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "protocol/bytes.hpp"
#include "protocol/ikev2/ikev2_crypto_cipher.hpp"
#include "protocol/ikev2/ikev2_message.hpp"

namespace vpnprobe::protocol::ikev2 {

// Returns `size` fresh IV bytes. An empty IvSource means random_iv.
using IvSource = std::function<Bytes(std::size_t size)>;
// `size` bytes from OpenSSL's DRBG (unpredictable for CBC, non-repeating for AEAD in practice).
Bytes random_iv(std::size_t size);

// Overhead of an SK message around its sealed block: IKE header + SK payload header (32 bytes); an SKF
// fragment also carries Fragment Number and Total Fragments (36 bytes).
inline constexpr std::size_t sk_message_overhead = header_size + generic_payload_header_size;
inline constexpr std::size_t skf_message_overhead = sk_message_overhead + skf_fixed_size;

// ---- sealing ---------------------------------------------------------------------------------------------------
// `header` gives SPIs, exchange, flags and message ID (its next_payload and length are computed). `plaintext`
// is an encoded inner payload chain (encode_inner_payloads) starting with a payload of type `first_inner`; the
// sealing functions do not look inside it, so a test can seal malformed chains. Throw std::invalid_argument for
// what cannot be encoded (IV of the wrong size from `iv`, a message over 65535 bytes, ...).

// One message with an SK payload.
Bytes seal_message(const Header& header, PayloadType first_inner, ByteView plaintext, const SkCipher& cipher,
                   const IvSource& iv = {});
Bytes seal_message(const Header& header, const std::vector<Payload>& payloads, const SkCipher& cipher,
                   const IvSource& iv = {});

// One SKF fragment `number` of `total` carrying `part` (a piece of the plaintext). `first_inner` belongs in
// fragment 1 only; the others carry PayloadType::none (RFC 7383 2.5). `number` and `total` are written as
// given, impossible ones included, so a fault injector can lie with them.
Bytes seal_fragment(const Header& header, std::uint16_t number, std::uint16_t total, PayloadType first_inner,
                    ByteView part, const SkCipher& cipher, const IvSource& iv = {});

// The plaintext as SKF fragments of at most `max_message_size` bytes each, in order, as few as fit: every
// fragment but the last carries the largest piece that fits. Throws std::invalid_argument when not even one
// plaintext byte fits into `max_message_size`, or the fragments would be more than 65535.
std::vector<Bytes> seal_fragments(const Header& header, PayloadType first_inner, ByteView plaintext,
                                  const SkCipher& cipher, std::size_t max_message_size, const IvSource& iv = {});

// What an IKEv2 endpoint sends: one SK message when it fits into `fragment_limit` bytes or when no limit is
// given (the peer did not offer fragmentation), otherwise seal_fragments(..., *fragment_limit, ...).
std::vector<Bytes> seal_protected(const Header& header, const std::vector<Payload>& payloads, const SkCipher& cipher,
                                  std::optional<std::size_t> fragment_limit, const IvSource& iv = {});

// ---- opening ---------------------------------------------------------------------------------------------------

// A message with an SK payload, decrypted: header as received, payloads = any unprotected payloads before the
// SK payload (normally none), followed by the decoded inner payloads.
Decoded<Message> open_message(ByteView message, const SkCipher& cipher);

struct OpenedFragment {
    Header header;
    std::uint16_t number = 0;
    std::uint16_t total = 0;
    PayloadType first_inner = PayloadType::none;  // from fragment 1; none in the others
    Bytes plaintext;  // this fragment's piece, without padding and Pad Length
};
// One SKF fragment, checked and decrypted. Its plaintext is a piece of a payload chain and cannot be decoded
// alone: FragmentReassembler collects the pieces, decode_inner_payloads() decodes the whole.
Decoded<OpenedFragment> open_fragment(ByteView message, const SkCipher& cipher);

// The same for a message the caller has decoded already (to match it to an exchange first): `message` is
// the bytes decode_message() was given and `sk`/`skf` its last payload. Throw std::invalid_argument when the
// payload's encrypted body is not the end of `message`.
Decoded<std::vector<Payload>> open_sk(ByteView message, const SkPayload& sk, const SkCipher& cipher);
Decoded<Bytes> open_skf(ByteView message, const SkfPayload& skf, const SkCipher& cipher);

// True for the errors of an unauthenticated message (undecodable, too short, ICV/tag mismatch): anyone on the
// path can cause them. False for "bad_padding" and "inner_payloads: ..." which only the key holder can cause.
bool could_be_forged(const DecodeError& error);

// ---- NAT detection ---------------------------------------------------------------------------------------------

// NAT_DETECTION_SOURCE_IP / NAT_DETECTION_DESTINATION_IP data (RFC 7296 section 2.23):
// SHA-1(SPIi | SPIr | IP address | port), SPIs and port in network byte order, the address as its 4 (IPv4) or
// 16 (IPv6) bytes. SPIr is zero in the IKE_SA_INIT request. Throws std::invalid_argument for another address size.
Bytes nat_detection_hash(std::uint64_t spi_i, std::uint64_t spi_r, ByteView address, std::uint16_t port);

}  // namespace vpnprobe::protocol::ikev2
