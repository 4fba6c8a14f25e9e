// ESP packets (RFC 4303) in tunnel mode, one SA direction per object, over the transforms of the IKE SK payload
// (ikev2_crypto_cipher.hpp: AES-GCM 8/12/16 with 128/192/256-bit keys, ChaCha20-Poly1305 (RFC 7634, built like
// GCM), AES-CBC 128/192/256 or 3DES with HMAC-SHA1-96, HMAC-SHA2-256-128/384-192/512-256, HMAC-MD5-96 or
// AES-XCBC-96), 32-bit sequence numbers (ESN off):
//
//     SPI (4) | Sequence Number (4) | IV | Encrypt(Payload | Padding | Pad Length | Next Header) | ICV
//
//   * AES-GCM (RFC 4106): 8-byte explicit IV, nonce = 4-byte salt | IV, AAD = SPI | Sequence Number, 16/12/8-byte
//     ICV. The IV is the packet's sequence number as a 64-bit counter: unique under one key, which is all GCM
//     needs (RFC 4106 section 3.1 suggests exactly that), and deterministic for tests.
//   * CBC + HMAC (RFC 3602, 2404, 4868): IV of one block from the caller's random source (it must be
//     unpredictable), ICV = truncated HMAC over SPI | Sequence Number | IV | ciphertext.
//   * Padding (RFC 4303 2.4): the fewest bytes that make Payload | Padding | 2 trailer bytes a multiple of the
//     cipher's block and of 4, with the default content 1, 2, 3, ...; a receiver checks that content.
//   * Next Header: 4 for an inner IPv4 packet, 41 for IPv6 (tunnel mode, the only mode a remote-access client
//     uses); 59 marks a dummy packet (RFC 4303 2.6), which the receiver hands back for the caller to drop.
//
// Pure: no sockets, no clock; the CBC IVs come from a function the caller gives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

#include "protocol/bytes.hpp"
#include "protocol/esp/esp_replay_window.hpp"
#include "protocol/ikev2/ikev2_crypto_cipher.hpp"

namespace vpnprobe::protocol::ikev2 {
struct ChildSaKeys;  // ikev2_child_sa.hpp
}

namespace vpnprobe::protocol::esp {

inline constexpr std::uint8_t next_header_ipv4 = 4;  // IP-in-IP (IANA protocol number)
inline constexpr std::uint8_t next_header_ipv6 = 41;
inline constexpr std::uint8_t next_header_none = 59;  // dummy packet: drop it (RFC 4303 2.6)
inline constexpr std::size_t esp_header_size = 8;  // SPI and Sequence Number

// Fills the span with unpredictable bytes (in the probe: OpenSSL's RAND_bytes; in tests: a fixed pattern).
using RandomSource = std::function<void(std::span<std::uint8_t>)>;

// The ESP cipher of one direction of a CHILD_SA: initiator to responder (encr_i/integ_i) or the reverse.
// A probe is the initiator: it seals with the first and opens the server's packets with the second.
ikev2::SkCipher initiator_to_responder_cipher(const ikev2::ChildSaKeys& keys);
ikev2::SkCipher responder_to_initiator_cipher(const ikev2::ChildSaKeys& keys);

// The version nibble of an IP packet as ESP's Next Header: 4 -> 4, 6 -> 41. Throws std::invalid_argument for
// an empty packet or another version.
std::uint8_t next_header_for_ip_packet(ByteView ip_packet);

// The outbound side of an SA: SPI (chosen by the peer: EspChoice::spi) and the sequence counter, which starts at
// 1 and never cycles (RFC 4303 3.3.3: after 2^32 - 1 packets the SA must be rekeyed; seal throws
// std::length_error instead of sending 0).
class EspSender {
public:
    // `random` is needed for CBC IVs only; an AEAD SA never calls it. Throws std::invalid_argument for a CBC
    // cipher without one.
    EspSender(std::uint32_t spi, ikev2::SkCipher cipher, RandomSource random = nullptr);

    std::uint32_t spi() const { return spi_; }
    std::uint32_t last_sequence() const { return sequence_; }  // 0 before the first packet
    const ikev2::SkCipher& cipher() const { return cipher_; }

    // Padding bytes and whole packet length for `payload_size` bytes of inner packet.
    std::size_t padding_size(std::size_t payload_size) const;
    std::size_t sealed_size(std::size_t payload_size) const;

    // The next packet: the sequence number goes up by one. seal_ip takes Next Header from the inner packet's
    // version (next_header_for_ip_packet).
    Bytes seal(ByteView payload, std::uint8_t next_header);
    Bytes seal_ip(ByteView inner_ip_packet);
    // As seal(), with the caller's IV (iv_size() bytes) instead of the counter or the random source: for
    // known-answer tests. The sequence number still goes up by one.
    Bytes seal_with_iv(ByteView payload, std::uint8_t next_header, ByteView iv);

private:
    std::uint32_t spi_;
    ikev2::SkCipher cipher_;
    RandomSource random_;
    std::uint32_t sequence_ = 0;
};

// One ESP packet as received.
struct EspPacket {
    std::uint32_t spi = 0;
    std::uint32_t sequence = 0;
    std::uint8_t next_header = 0;  // 4, 41 or 59
    Bytes payload;  // the inner IP packet (empty or anything for a dummy packet)
    bool is_dummy() const { return next_header == next_header_none; }
};

// The inbound side of an SA: our SPI (the one we put in our proposal) and the anti-replay window.
class EspReceiver {
public:
    EspReceiver(std::uint32_t spi, ikev2::SkCipher cipher, std::size_t replay_window = 128);

    std::uint32_t spi() const { return spi_; }
    const ReplayWindow& window() const { return window_; }

    // Checks, in this order, and decrypts one ESP packet (the UDP payload on port 4500, or the IP payload of
    // protocol 50). DecodeError codes, offsets from the first byte of the SPI:
    //   "truncated"        fewer bytes than SPI, Sequence Number, IV, the two trailer bytes and the ICV
    //   "wrong_spi"        another SA's packet (not ours to open)
    //   "bad_sequence"     sequence number 0
    //   "replay"           a sequence number already received
    //   "outside_window"   older than the replay window: dropped, as RFC 4303 3.4.3 requires
    //   "bad_length"       CBC ciphertext that is not whole blocks
    //   "icv_mismatch"     the ICV does not verify (wrong keys, tampering, a packet of another SA with our SPI)
    //   "bad_padding"      Pad Length longer than the data, or padding bytes that are not 1, 2, 3, ...
    //   "bad_next_header"  Next Header neither 4, 41 nor 59, or not the inner packet's IP version
    // Only a packet whose ICV verified moves the replay window (even if its padding is then refused: it was
    // authentic, and a replay of it must be refused too).
    Decoded<EspPacket> open(ByteView packet);

private:
    std::uint32_t spi_;
    ikev2::SkCipher cipher_;
    ReplayWindow window_;
};

// The SPI of an ESP packet (its first 4 bytes) to pick the SA by; 0 (never an SPI) when shorter than 4 bytes.
std::uint32_t esp_spi(ByteView packet);

}  // namespace vpnprobe::protocol::esp
