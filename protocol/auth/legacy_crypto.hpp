// MD4 and single DES, which MS-CHAPv2 (RFC 2759) cannot do without, from OpenSSL 3's legacy provider.
//
// OpenSSL 3 moved both into the "legacy" provider, which is not loaded by default. Loading it into the
// default library context would make every other broken algorithm (RC4, Blowfish, ...) reachable from the
// rest of the program, so it is loaded into a library context of its own, and only these two algorithms
// are fetched from it ("provider=legacy"). Everything else (SHA-1, HMAC) stays in the default context.
//
// When the provider cannot be loaded (a system whose OpenSSL lacks ossl-modules/legacy.so) the functions
// throw LegacyCryptoUnavailable with what to install; legacy_crypto_problem() lets a caller ask before it
// starts a login it could not finish.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "protocol/bytes.hpp"

namespace vpnprobe::protocol {

class LegacyCryptoUnavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Why MD4 or DES-ECB cannot be used, or std::nullopt when both can. Loads the provider on first use.
std::optional<std::string> legacy_crypto_problem();

// MD4 (RFC 1320) of `data`.
std::array<std::uint8_t, 16> md4(ByteView data);

// One DES-ECB block: `key` is the 8-byte key (parity bits ignored), `block` 8 bytes of plaintext.
std::array<std::uint8_t, 8> des_encrypt_block(const std::array<std::uint8_t, 8>& key,
                                              const std::array<std::uint8_t, 8>& block);

}  // namespace vpnprobe::protocol
