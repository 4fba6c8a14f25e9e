// IKE SA key derivation (RFC 7296 section 2.14):
//
//     SKEYSEED = prf(Ni | Nr, g^ir)
//     {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
//
// with the lengths the negotiated transforms ask for: SK_d, SK_pi, SK_pr the PRF's preferred key length; SK_ai,
// SK_ar the integrity key length (none for AEAD); SK_ei, SK_er the encryption key length plus the 4-byte salt
// for AES-GCM and ChaCha20-Poly1305 (RFC 5282, RFC 7634). For a PRF with a fixed key size (AES-XCBC-PRF-128)
// only the first 8 bytes of Ni and of Nr key SKEYSEED, as section 2.14 says; prf+ still gets the whole nonces.
//
// Transform IDs are the raw Transform Type 1-3 values (ikev2_registry.hpp's prf_alg::, encr_alg::, integ_alg::).
#pragma once

#include <cstdint>

#include "protocol/bytes.hpp"
#include "protocol/ikev2/ikev2_crypto_cipher.hpp"

namespace vpnprobe::protocol::ikev2 {

struct IkeSaKeys {
    // The transforms the keys were derived for, so SK ciphers can be built from this struct alone.
    std::uint16_t prf_id = 0;
    std::uint16_t encr_id = 0;
    std::uint16_t encr_key_bits = 0;
    std::uint16_t integ_id = 0;

    Bytes skeyseed;
    Bytes sk_d;
    Bytes sk_ai;  // empty for AEAD
    Bytes sk_ar;  // empty for AEAD
    Bytes sk_ei;  // encryption key, followed by the salt for AEAD
    Bytes sk_er;
    Bytes sk_pi;
    Bytes sk_pr;
};

// SKEYSEED = prf(Ni | Nr, g^ir), with the fixed-key-size rule above.
Bytes compute_skeyseed(std::uint16_t prf_id, ByteView ni, ByteView nr, ByteView shared_secret);

// The whole derivation. `shared_secret` is KeyExchange::compute_shared()'s result; `spi_i`/`spi_r` are the
// 8-byte IKE SPIs as on the wire. Throws std::invalid_argument for unsupported transforms, an AEAD with an
// integrity transform (or a non-AEAD without one), or SPIs that are not 8 bytes.
IkeSaKeys derive_ike_sa_keys(std::uint16_t prf_id, std::uint16_t encr_id, std::uint16_t encr_key_bits,
                             std::uint16_t integ_id, ByteView ni, ByteView nr, ByteView shared_secret, ByteView spi_i,
                             ByteView spi_r);

// SK payload protection for messages the initiator sends (SK_ei/SK_ai) and for messages the responder sends
// (SK_er/SK_ar). A probe acting as initiator seals with the first and opens the server's replies with the second.
SkCipher initiator_sk_cipher(const IkeSaKeys& keys);
SkCipher responder_sk_cipher(const IkeSaKeys& keys);

}  // namespace vpnprobe::protocol::ikev2
