// IKEv2 key exchange (Transform Type 4, RFC 7296 sections 2.14 and 3.4) on OpenSSL 3 EVP_PKEY: the MODP groups of
// RFC 2409/3526, the NIST ECP groups of RFC 5903 and Curve25519/Curve448 of RFC 8031.
//
// Wire formats, which are what public_value() returns and compute_shared() expects:
//   MODP      g^x mod p as a big-endian integer left-padded with zeros to the length of the prime
//             (RFC 7296 section 3.4); the shared secret g^xy is padded the same way.
//   ECP       x | y, each coordinate big-endian and padded to the field size, no 0x04 point-format prefix
//             (RFC 5903 section 7); the shared secret is the x coordinate of the common point alone.
//   Curve     the 32 (X25519) or 56 (X448) byte little-endian u-coordinate (RFC 8031, RFC 7748).
//
// A peer value that cannot be right is refused with std::invalid_argument naming the problem: wrong length, a
// MODP value outside 2..p-2 (0, 1 and p-1 give a predictable secret) or, for the groups OpenSSL knows by name (all
// MODP groups but group 2), outside the prime-order subgroup; an ECP coordinate not below the field prime or a
// point not on the curve; a Curve25519/448 value giving the all-zero secret (RFC 8031).
//
// Randomness: KeyExchange(group) draws its private key from OpenSSL's DRBG. from_private_key() builds the same
// object from a given private key, so tests can use published vectors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "protocol/bytes.hpp"

namespace vpnprobe::protocol::ikev2 {

// Group IDs are the Transform Type 4 values of ikev2_registry.hpp's dh_group:: (modp1024, modp1536, modp2048,
// modp3072, modp4096, modp6144, modp8192, ecp256, ecp384, ecp521, curve25519, curve448 are supported here).
bool is_supported_dh_group(std::uint16_t group);
// Length of the shared secret compute_shared() returns (prime length, field size, 32 or 56); throws for an
// unsupported group. (The Key Exchange Data length is ikev2_registry.hpp's ke_data_size().)
std::size_t dh_shared_secret_size(std::uint16_t group);

// Checks a peer's Key Exchange Data as compute_shared() does, without a key pair of our own; throws
// std::invalid_argument with the reason. For Curve25519/448 only the length can be judged without a private key.
void validate_peer_public_value(std::uint16_t group, ByteView public_value);
// The part of those checks that needs no key object: the length, a MODP value in 2..p-2 (for these safe-prime
// groups that already excludes the small subgroups, RFC 6989 2.1), an ECP point on the curve. Without OpenSSL's
// subgroup check (a full-size exponentiation for MODP, dearer than a derivation) and, for Curve25519/448, only
// the length. For an exchange that never derives a secret (SA_INIT-only): a malformed key share is still refused.
void check_peer_public_value_form(std::uint16_t group, ByteView public_value);

// One side of a key exchange: a private key in a group and its public value.
class KeyExchange {
public:
    // A fresh random key pair. Throws std::invalid_argument for an unsupported group.
    explicit KeyExchange(std::uint16_t group);

    // The key pair for a given private key, for tests and known-answer vectors. Formats:
    //   MODP   big-endian integer (any length up to the prime's), 2 <= x <= p-2
    //   ECP    big-endian scalar, at most the field size in bytes (RFC 5903's i and r), 1 <= d < order
    //   Curve  the raw 32/56-byte scalar of RFC 7748 (clamping is part of the function)
    // Throws std::invalid_argument for an unsupported group or a private key out of range.
    static KeyExchange from_private_key(std::uint16_t group, ByteView private_key);

    KeyExchange(KeyExchange&&) noexcept;
    KeyExchange& operator=(KeyExchange&&) noexcept;
    ~KeyExchange();

    std::uint16_t group() const;
    // The Key Exchange Data of our KE payload (format above).
    const Bytes& public_value() const;
    // The private key in the from_private_key() format (MODP/ECP padded to the prime/field size), for tests and
    // for key logs of a lab exchange; never needed on the wire.
    Bytes private_key() const;

    // g^ir from the peer's Key Exchange Data, after validating it (see the top of this file). Throws
    // std::invalid_argument for an unacceptable peer value, std::runtime_error if OpenSSL fails otherwise.
    Bytes compute_shared(ByteView peer_public_value) const;

private:
    struct Impl;
    explicit KeyExchange(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace vpnprobe::protocol::ikev2
