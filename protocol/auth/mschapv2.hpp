// MS-CHAPv2 (RFC 2759) and the keys it yields (RFC 3079): the client's side of the login that PPP (CHAP
// algorithm 0x81), EAP-MSCHAPv2 (EAP type 26, inside PPP or IKEv2) and the SSTP crypto binding share.
//
// Pure functions: no I/O, no clocks; randomness (the peer challenge) comes from the caller. MD4 and DES come
// from OpenSSL's legacy provider (legacy_crypto.hpp) and throw LegacyCryptoUnavailable when it is missing;
// SHA-1 from the default provider.
//
// Secrets: the password is taken as UTF-8 and converted to UTF-16LE (RFC 2759 8.3 "Unicode"), hashed, and
// the intermediate buffers are wiped. Nothing here logs or formats a password or its hash.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/bytes.hpp"

namespace vpnprobe::protocol::mschapv2 {

using Challenge = std::array<std::uint8_t, 16>;  // authenticator and peer challenges
using PasswordHash = std::array<std::uint8_t, 16>;
using NtResponse = std::array<std::uint8_t, 24>;
using AuthenticatorResponse = std::array<std::uint8_t, 20>;  // the 20 bytes behind "S="
using Key16 = std::array<std::uint8_t, 16>;

// UTF-8 to UTF-16LE, characters outside the BMP as surrogate pairs. Throws std::invalid_argument for bytes
// that are not UTF-8 (without quoting them: they may be a password). No length limit here: RFC 2759 speaks
// of up to 256 characters, and the server is the judge of a longer one.
Bytes utf16le(std::string_view utf8);

// The name that goes into ChallengeHash: RFC 2759 8.2 hashes "only the user name (as presented by the peer
// and excluding any prepended domain name)", so "LAB\alice" gives "alice". The Name field of the Response
// carries the whole name.
std::string_view challenge_user_name(std::string_view user_name);

// RFC 2759 8.3 NtPasswordHash: MD4 of the UTF-16LE password.
PasswordHash nt_password_hash(std::string_view password_utf8);
// RFC 2759 8.4 HashNtPasswordHash: MD4 of the hash.
PasswordHash hash_nt_password_hash(const PasswordHash& hash);
// RFC 2759 8.2 ChallengeHash: the first 8 bytes of SHA-1(peer | authenticator | user name without domain).
std::array<std::uint8_t, 8> challenge_hash(const Challenge& peer, const Challenge& authenticator,
                                           std::string_view user_name);
// RFC 2759 8.5 ChallengeResponse: the hash padded to 21 bytes, three DES keys, three encryptions.
NtResponse challenge_response(const std::array<std::uint8_t, 8>& challenge, const PasswordHash& hash);
// RFC 2759 8.1 GenerateNTResponse.
NtResponse generate_nt_response(const Challenge& authenticator, const Challenge& peer, std::string_view user_name,
                                const PasswordHash& hash);
// RFC 2759 8.7 GenerateAuthenticatorResponse: what an authenticator that knows the password sends back.
AuthenticatorResponse generate_authenticator_response(const PasswordHash& hash, const NtResponse& nt_response,
                                                      const Challenge& peer, const Challenge& authenticator,
                                                      std::string_view user_name);
// "S=" and 40 upper-case hex digits, as RFC 2759 section 5 writes it.
std::string authenticator_response_text(const AuthenticatorResponse& response);

// ---- the authenticator's messages -------------------------------------------------------------------

// Success-Packet Message (RFC 2759 section 5): "S=<auth_string> M=<message>". The M= part is optional
// (Windows and SoftEther send it; some servers send only S=).
struct SuccessMessage {
    AuthenticatorResponse authenticator_response{};
    std::string message;  // what followed " M=", may be empty
    bool operator==(const SuccessMessage&) const = default;
};
// Error codes: "missing_s" (no "S=" at the start), "bad_s" (not 40 hex digits after S=), "trailing_text"
// (something other than " M=..." after the 40 digits). Offsets are into the text.
Decoded<SuccessMessage> parse_success_message(std::string_view text);

// Whether the authenticator proved it knows the password: the S= value equals what we compute. Compared in
// constant time. A message that does not parse is not a proof.
bool authenticator_response_matches(const SuccessMessage& message, const AuthenticatorResponse& expected);

// Failure-Packet Message (RFC 2759 section 6): "E=eeeeeeeeee R=r C=cccccccccccccccccccccccccccccccc V=vvvvvvvvvv
// M=<msg>". E= comes first and is required; R, C, V and M are read when present (servers differ in which they
// send and Windows itself omits V when it is 3 in practice).
struct FailureMessage {
    std::uint32_t error = 0;  // 646, 647, 648, 649, 691, 709 (error_name)
    std::optional<bool> retry;  // R=1: the authenticator allows another try
    std::optional<Challenge> challenge;  // C=: the new authenticator challenge for the retry
    std::optional<std::uint32_t> version;  // V=: 3 for MS-CHAPv2 password change
    std::string message;  // M=..., may be empty
    bool operator==(const FailureMessage&) const = default;
};
// Error codes: "missing_e" (text does not start with "E="), "bad_e" (not a decimal number), "bad_r" (not 0 or
// 1), "bad_c" (not 32 hex digits), "bad_v" (not a decimal number), "unknown_field" (a token that is not
// "X=..." with X in E/R/C/V/M). Offsets are into the text.
Decoded<FailureMessage> parse_failure_message(std::string_view text);

// The names RFC 2759 section 6 gives the codes ("ERROR_AUTHENTICATION_FAILURE" for 691, ...); "" when unknown.
std::string_view error_name(std::uint32_t error);

// ---- keys (RFC 3079 section 3) ------------------------------------------------------------------------

// GetMasterKey: the first 16 bytes of SHA-1(PasswordHashHash | NT-Response | "This is the MPPE Master Key").
Key16 master_key(const PasswordHash& password_hash_hash, const NtResponse& nt_response);
// GetAsymmetricStartKey with a 16-byte session key (128-bit MPPE): the send or receive key of the client or
// the server. The client's send key is the server's receive key and the other way round.
Key16 asymmetric_start_key(const Key16& master_key, bool send, bool server);

// The client's MasterSendKey and MasterReceiveKey (RFC 3079 3.4, IsServer = FALSE), which MS-SSTP's HLAK and
// EAP-MSCHAPv2's MSK are made of.
struct ClientKeys {
    Key16 master_send_key{};
    Key16 master_receive_key{};
};
ClientKeys client_keys(const PasswordHash& password_hash, const NtResponse& nt_response);

// The EAP-MSCHAPv2 Master Session Key ([MS-CHAP] 3.1.5.1, as hostapd/wpa_supplicant and strongSwan derive
// it): in the authenticator's naming MasterReceiveKey | MasterSendKey | 32 zero bytes, which is the client's
// MasterSendKey | MasterReceiveKey | 32 zero bytes. 64 bytes; IKEv2 signs its AUTH with it (RFC 7296 2.16),
// MS-SSTP takes its first 32 bytes as the HLAK.
Bytes eap_msk(const ClientKeys& keys);

// ---- the Response value both CHAP (RFC 2759 section 4) and EAP-MSCHAPv2 carry ---------------------

inline constexpr std::size_t response_value_size = 49;
struct ResponseValue {
    Challenge peer_challenge{};
    NtResponse nt_response{};
    std::uint8_t flags = 0;  // RFC 2759: MUST be zero
    bool operator==(const ResponseValue&) const = default;
};
// Peer-Challenge (16) | 8 reserved zero bytes | NT-Response (24) | Flags (1).
Bytes encode_response_value(const ResponseValue& value);
// Exactly 49 bytes (the caller checked Value-Size); the reserved bytes are ignored as RFC 2759 says.
ResponseValue decode_response_value(ByteView value49);

// ---- the client's side in one call ---------------------------------------------------------------

// Everything a client computes from the authenticator's Challenge: the Response value to send, the
// authenticator response the server must prove it knows in its Success message, and the keys (SSTP HLAK,
// EAP MSK). The password is hashed once and the intermediate values are wiped. `peer_challenge` must be 16
// random bytes from the caller (RFC 2759 section 4).
struct ClientResponse {
    ResponseValue value;
    AuthenticatorResponse expected_authenticator_response{};
    ClientKeys keys;
};
ClientResponse respond(const Challenge& authenticator, const Challenge& peer_challenge, std::string_view user_name,
                       std::string_view password_utf8);

// The authenticator's Success message judged: the server proved it knows the password, or the message is not
// what RFC 2759 section 5 says, or it carries another authenticator response (a server that does not know
// the password, or a man in the middle: RFC 2759 section 5 has the client end the connection; what a Windows
// client shows is in probes/windows_errors.hpp).
enum class SuccessCheck { proven, malformed, wrong_authenticator };
SuccessCheck check_success(std::string_view success_message, const AuthenticatorResponse& expected);
// Why a Success that is not `proven` proves nothing, in words that start with `what` (e.g. "EAP-MSCHAPv2
// Success"): the same words from every login that checks one (SSTP's PPP EAP, IKEv2's EAP).
std::string describe_unproven(SuccessCheck check, std::string_view what);

}  // namespace vpnprobe::protocol::mschapv2
