// The SSTP crypto binding (MS-SSTP 3.2.5.2): the Crypto Binding attribute of SSTP_MSG_CALL_CONNECTED, which
// ties the PPP authentication to the TLS connection it ran in, so a man in the middle cannot relay a login.
//
//   HLAK  (3.2.5.2.2, 3.2.5.2.4)  32 bytes from the PPP authentication's keys. MS-CHAPv2, the client's side:
//         MasterSendKey | MasterReceiveKey (RFC 3079 3.4, IsServer = FALSE). The server computes
//         MasterReceiveKey | MasterSendKey of its own keys, the same 32 bytes, since its receive key is the
//         client's send key. EAP other than EAP-TLS: the MSK, its first 32 bytes. No keys (PAP, CHAP-MD5):
//         32 zero bytes. Shorter material is padded with zeros.
//   CMK   the first block of the PRF: HMAC(HLAK, "SSTP inner method derived CMK" | LEN | 0x01), with HMAC-SHA1
//         or HMAC-SHA256 as the hash protocol says and LEN the output length (20 or 32) as a 16-bit
//         little-endian number (the spec's worked example in section 4.7 reproduces only that way; sstp-client's
//         sstp-cmac.c and the sstp-server Python package encode it so too).
//   Compound MAC  HMAC(CMK, the whole 112-byte CALL_CONNECTED with the Compound MAC and its padding zeroed).
//   Cert Hash     SHA-1 or SHA-256 of the server's certificate (DER) as the client saw it in the TLS handshake.
//
// The hash protocol is one the server offered in the CALL_CONNECT_ACK's Crypto Binding Request; a Windows
// client takes SHA-256 when offered.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "protocol/auth/mschapv2.hpp"
#include "protocol/bytes.hpp"
#include "protocol/sstp/sstp.hpp"

namespace vpnprobe::protocol {

using SstpHlak = std::array<std::uint8_t, 32>;

// SHA-256 when the bitmask offers it, else SHA-1, else std::nullopt (a server that offers neither leaves the
// client nothing it may send).
std::optional<std::uint8_t> sstp_choose_hash_protocol(std::uint8_t server_bitmask);

SstpHlak sstp_hlak_mschapv2(const mschapv2::ClientKeys& keys);
// From an EAP MSK or any other key material: its first 32 bytes, padded with zeros; empty gives 32 zeros.
SstpHlak sstp_hlak_from_key_material(ByteView key_material);

// The hash protocol must be exactly sstp_cert_hash_sha1 or sstp_cert_hash_sha256; anything else throws
// std::invalid_argument.
Bytes sstp_cert_hash(std::uint8_t hash_protocol, ByteView server_certificate_der);  // 20 or 32 bytes
Bytes sstp_cmk(std::uint8_t hash_protocol, const SstpHlak& hlak);  // 20 or 32 bytes

// The Crypto Binding attribute with its Compound MAC computed. `cert_hash` is sstp_cert_hash's output (20 or
// 32 bytes, padded here).
SstpCryptoBinding sstp_crypto_binding(std::uint8_t hash_protocol, const std::array<std::uint8_t, 32>& nonce,
                                      ByteView cert_hash, const SstpHlak& hlak);
// SSTP_MSG_CALL_CONNECTED carrying it.
Bytes encode_call_connected(const SstpCryptoBinding& binding);

// The server's check (for a fault injector, and to test ours): the Compound MAC the binding carries is the one
// the HLAK gives. False for a hash protocol other than exactly SHA-1 or SHA-256. Constant-time comparison.
bool sstp_compound_mac_valid(const SstpCryptoBinding& binding, const SstpHlak& hlak);

}  // namespace vpnprobe::protocol
