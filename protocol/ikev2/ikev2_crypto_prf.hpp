// IKEv2 pseudo-random functions (Transform Type 2) and prf+ (RFC 7296 section 2.13), on OpenSSL 3 EVP.
//
// The PRFs are HMAC with MD5, SHA-1, SHA2-256/384/512 (RFC 2104, RFC 4868) and AES-XCBC-PRF-128 (RFC 4434).
// Transform IDs are the IANA "Transform Type 2" values (prf_alg:: in ikev2_registry.hpp), passed as plain numbers
// so that a decoded proposal can be handed over without translation. Unsupported IDs throw std::invalid_argument.
// The HMAC and AES-XCBC-MAC building blocks are public too: the integrity transforms in ikev2_crypto_cipher reuse
// them, and tests check them against published vectors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/bytes.hpp"

namespace vpnprobe::protocol::ikev2 {

// prf_alg::hmac_md5, hmac_sha1, aes128_xcbc, hmac_sha2_256, hmac_sha2_384, hmac_sha2_512.
bool is_supported_prf(std::uint16_t prf_id);

// Output length of the PRF in bytes (20 for SHA-1, 32/48/64 for SHA-2, 16 for XCBC).
std::size_t prf_output_size(std::uint16_t prf_id);
// The PRF's preferred key length (RFC 7296 section 2.13/2.14): the length of SK_d, SK_pi and SK_pr. For HMAC it
// is the output length; for AES-XCBC-PRF-128 it is 16.
std::size_t prf_key_size(std::uint16_t prf_id);
// True for PRFs that take a fixed-size key (AES-XCBC-PRF-128). RFC 7296 section 2.14 uses only the first 8 bytes
// of each nonce to key SKEYSEED for those.
bool prf_has_fixed_key_size(std::uint16_t prf_id);

// prf(key, data). Any key length is accepted: HMAC hashes long keys itself; AES-XCBC-PRF-128 pads short keys
// with zeros and compresses long ones with AES-XCBC-MAC under an all-zero key, as RFC 4434 says.
Bytes prf(std::uint16_t prf_id, ByteView key, ByteView data);

// prf+(key, seed) truncated to `length` bytes (RFC 7296 section 2.13):
//   T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n), output T1 | T2 | ...
// The counter is one byte, so at most 255 blocks exist; a longer request throws std::invalid_argument.
Bytes prf_plus(std::uint16_t prf_id, ByteView key, ByteView seed, std::size_t length);

// HMAC (RFC 2104) with an OpenSSL digest name ("SHA1", "SHA256", "SHA384", "SHA512", "MD5"); full output.
Bytes hmac(std::string_view digest, ByteView key, ByteView data);

// AES-XCBC-MAC (RFC 3566) with a 16-byte key, full 16-byte output (AUTH_AES_XCBC_96 truncates it to 12).
// Throws std::invalid_argument for another key length.
Bytes aes_xcbc_mac(ByteView key, ByteView data);

}  // namespace vpnprobe::protocol::ikev2
