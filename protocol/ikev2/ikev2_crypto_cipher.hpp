// Protection of the IKEv2 Encrypted payload SK (RFC 7296 section 3.14) and Encrypted Fragment payload SKF
// (RFC 7383), on OpenSSL 3 EVP_CIPHER.
//
// Supported transforms (IDs are the Transform Type 1 and 3 values of ikev2_registry.hpp's encr_alg:: and
// integ_alg::, passed as plain numbers; the registry's Algorithm rows mark them with their sizes, and this module
// reads them from there, keeping only the mapping to OpenSSL's ciphers and MACs):
//   ENCR_3DES, ENCR_AES_CBC (128/192/256) with one of AUTH_HMAC_MD5_96, AUTH_HMAC_SHA1_96, AUTH_AES_XCBC_96,
//     AUTH_HMAC_SHA2_256_128, AUTH_HMAC_SHA2_384_192, AUTH_HMAC_SHA2_512_256 (RFC 4868: truncated HMAC);
//   ENCR_AES_GCM_8/12/16 (128/192/256, RFC 5282) and ENCR_CHACHA20_POLY1305 (RFC 7634) with integrity NONE.
//
// What goes on the wire after the SK/SKF payload header is
//
//     IV | Encrypt(Payloads | Padding | Pad Length) | ICV
//
// and this module produces and checks exactly that block (the "sealed" bytes below). The caller owns the rest
// of the message: it writes the IKE header and the SK/SKF payload header first, with the Length fields already
// covering the sealed bytes, and passes those header bytes as `prefix`. Lengths are known in advance from
// sealed_size(), so the headers can be final before anything is encrypted:
//
//     std::size_t n = cipher.sealed_size(payloads.size());
//     Bytes message = ike_header_with_length(28 + 4 + n) + sk_header_with_length(4 + n);   // the prefix
//     Bytes sealed = cipher.seal(message, payloads);
//     message.insert(message.end(), sealed.begin(), sealed.end());
//
// `prefix` is authenticated, never encrypted:
//   * CBC + HMAC/XCBC: ICV = truncated MAC over prefix | IV | ciphertext, i.e. from the first byte of the IKE
//     header to the end of the ciphertext (RFC 7296 section 3.14);
//   * AEAD: prefix is the Associated Data, everything from the first byte of the IKE header to the last byte of
//     the Encrypted payload header (RFC 5282; for SKF that includes Fragment Number and Total Fragments, RFC 7383).
//     The nonce is the 4-byte salt from the key material followed by the 8-byte IV; the IV is not in the AAD.
// So `prefix` must be the message exactly as sent, starting at the IKE header (after the 4-byte non-ESP marker
// on port 4500, which is not part of the IKE message).
//
// Padding: seal() adds the fewest padding bytes (zeros) that make Payloads | Padding | Pad Length a multiple of
// the block size (16 for AES-CBC, 8 for 3DES, 1 for the AEAD stream modes, as OpenSSL and strongSwan count
// them). open() accepts any padding content and any Pad Length that fits, as RFC 7296 requires of a receiver.
//
// Keys: the encryption key material is SK_ei/SK_er as derived (for AEAD: the cipher key followed by the 4-byte
// salt, RFC 5282); the integrity key is SK_ai/SK_ar (empty for AEAD).
#pragma once

#include <cstddef>
#include <cstdint>

#include "protocol/bytes.hpp"

namespace vpnprobe::protocol::ikev2 {

// `key_bits` is the Key Length attribute of the transform: 128/192/256 for AES (mandatory there), 0 or 192 for
// 3DES, 0 or 256 for ChaCha20-Poly1305 (fixed key sizes carry no attribute).
bool is_supported_encr(std::uint16_t encr_id, std::uint16_t key_bits);
bool is_supported_integ(std::uint16_t integ_id);  // integ_alg::none counts as supported (for AEAD)
// Throws std::invalid_argument unless the pair can protect an SK payload here: a supported encryption transform
// and key length, and integrity NONE exactly when the cipher is AEAD (ikev2_registry.hpp's is_aead()).
void check_sk_transforms(std::uint16_t encr_id, std::uint16_t key_bits, std::uint16_t integ_id);

// Bytes of SK_e the transform needs: the cipher key plus, for AEAD, the 4-byte salt. Throws
// std::invalid_argument for an unsupported transform or key length.
std::size_t encr_key_material_size(std::uint16_t encr_id, std::uint16_t key_bits);
// Bytes of SK_a (0 for NONE) and of the truncated ICV. Throw std::invalid_argument for an unsupported ID.
std::size_t integ_key_size(std::uint16_t integ_id);
std::size_t integ_icv_size(std::uint16_t integ_id);

// The integrity transform's truncated MAC of `data` (HMAC-SHA2-256-128 = first 16 bytes of HMAC-SHA-256, ...).
// The key must have integ_key_size() bytes.
Bytes integrity_checksum(std::uint16_t integ_id, ByteView key, ByteView data);

// One direction of SK payload protection: keys for initiator-to-responder (SK_ei/SK_ai) or the reverse.
// Holds no OpenSSL state, so it is cheap to copy; every call sets up its own cipher context.
class SkCipher {
public:
    // Throws std::invalid_argument for an unsupported combination (AEAD with an integrity transform, CBC
    // without one, unknown IDs) or keys of the wrong length.
    SkCipher(std::uint16_t encr_id, std::uint16_t encr_key_bits, std::uint16_t integ_id, ByteView encr_key_material,
             ByteView integ_key);

    std::uint16_t encr_id() const { return encr_; }
    std::uint16_t integ_id() const { return integ_; }
    // From the registry's row (ikev2_registry.hpp's Algorithm), looked up once when constructed.
    std::size_t iv_size() const { return iv_size_; }  // 16 AES-CBC, 8 3DES, 8 AEAD
    std::size_t block_size() const { return block_size_; }  // padding granularity: 16 AES-CBC, 8 3DES, 1 AEAD
    std::size_t icv_size() const { return icv_size_; }  // truncated MAC or AEAD tag: 12/16/24/32, 8/12/16

    // Padding bytes seal() adds for `plaintext_size` bytes of payloads (not counting the Pad Length byte).
    std::size_t padding_size(std::size_t plaintext_size) const;
    // Length of what seal() returns: IV + plaintext + padding + 1 + ICV. Use it for the Length fields.
    std::size_t sealed_size(std::size_t plaintext_size) const;

    // IV | ciphertext | ICV for `plaintext` (the inner payload chain, starting with the payload the SK header's
    // Next Payload names), authenticated together with `prefix` (see the top of this file). `iv` must have
    // iv_size() bytes; for CBC it must be unpredictable and for AEAD never repeat under one key. The overload
    // without `iv` draws it from OpenSSL's DRBG, which gives both (a repeat of a random 64-bit AEAD IV is
    // negligible for the few messages of a probe). Throws std::invalid_argument for a wrong IV size.
    Bytes seal(ByteView prefix, ByteView plaintext, ByteView iv) const;
    Bytes seal(ByteView prefix, ByteView plaintext) const;
    // As seal(), with the caller's padding bytes instead of the minimal zero padding: plaintext + padding + 1
    // must be a multiple of block_size() and padding at most 255 bytes. For known-answer tests and for probing
    // how peers treat unusual padding; sealed length is iv_size() + plaintext + padding + 1 + icv_size().
    Bytes seal_with_padding(ByteView prefix, ByteView plaintext, ByteView padding, ByteView iv) const;

    // Checks and decrypts `sealed` (everything after the SK/SKF payload header up to the end of that payload)
    // with `prefix` as above. Returns the inner payload chain without padding and Pad Length, or a DecodeError
    // whose offset counts from the start of `prefix` (the start of the IKE message):
    //   "too_short"    sealed cannot hold IV, one cipher block (one byte for AEAD) and the ICV
    //   "bad_length"   CBC ciphertext that is not a whole number of blocks
    //   "icv_mismatch" integrity check failed: wrong key, tampered prefix/IV/ciphertext/ICV
    //   "bad_padding"  the (authentic) Pad Length is longer than the decrypted data before it
    // The ICV is checked before anything is decrypted, so no padding oracle exists.
    Decoded<Bytes> open(ByteView prefix, ByteView sealed) const;

    // The cipher and integrity steps alone, for a protocol with a trailer of its own (ESP, RFC 4303: Padding | Pad
    // Length | Next Header, and ESP's 4-byte alignment) over the same transforms: seal_body encrypts `body`, which
    // the caller has padded to a multiple of block_size(), and returns IV | ciphertext | ICV authenticated with
    // `prefix` as above; open_body checks and decrypts and returns the whole decrypted body, trailer included,
    // with the errors of open() except "bad_padding" (the caller reads its own trailer).
    Bytes seal_body(ByteView prefix, ByteView body, ByteView iv) const;
    Decoded<Bytes> open_body(ByteView prefix, ByteView sealed) const;

private:
    std::uint16_t encr_ = 0;
    std::uint16_t key_bits_ = 0;
    std::uint16_t integ_ = 0;
    std::size_t iv_size_ = 0;
    std::size_t block_size_ = 0;
    std::size_t icv_size_ = 0;
    Bytes encr_key_;  // cipher key without salt
    Bytes salt_;  // AEAD only
    Bytes integ_key_;
};

}  // namespace vpnprobe::protocol::ikev2
