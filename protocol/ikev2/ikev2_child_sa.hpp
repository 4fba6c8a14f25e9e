// CHILD_SA (ESP) keys and the server's choice of ESP proposal (RFC 7296 sections 2.17 and 3.3).
//
//     KEYMAT = prf+(SK_d, Ni | Nr)                  the CHILD_SA of IKE_AUTH, or CREATE_CHILD_SA without KE
//     KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr)     CREATE_CHILD_SA with a new key exchange (PFS, rekey)
//
// taken in the order section 2.17 gives: everything from initiator to responder before everything from
// responder to initiator, and within one direction the encryption key before the integrity key:
//
//     encr_i | integ_i | encr_r | integ_r
//
// An AES-GCM encryption key is followed by its 4-byte salt, taken from KEYMAT with it (RFC 4106 section 8.1:
// "KEYMAT requested for each AES-GCM key is N + 4 octets"); AEAD has no integrity key. The lengths are those of
// ikev2_crypto_cipher.hpp's encr_key_material_size() and integ_key_size(), which the ESP code (protocol/esp/)
// protects packets with, through the same transforms as the IKE SA's SK payload.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/bytes.hpp"
#include "protocol/ikev2/ikev2_payloads.hpp"

namespace vpnprobe::protocol::ikev2 {

// The transforms of one ESP SA. Extended Sequence Numbers are not implemented (a probe sends a few packets;
// 32-bit numbers never wrap), so only the NO_EXT_SEQ choice is accepted from a server.
struct EspTransform {
    std::uint16_t encr_id = 0;  // encr_alg::
    std::uint16_t encr_key_bits = 0;  // Key Length attribute; 0 for fixed-size keys (3DES)
    std::uint16_t integ_id = 0;  // integ_alg::; none for AEAD
    bool operator==(const EspTransform&) const = default;
};

// "AES_GCM_16_256", "AES_CBC_128/HMAC_SHA2_256_128": strongSwan's log spelling, as in "selected proposal: ESP:...".
std::string describe(const EspTransform& transform);

struct ChildSaKeys {
    EspTransform transform;
    Bytes encr_i;  // initiator to responder: cipher key (+ 4-byte salt for AES-GCM)
    Bytes integ_i;  // empty for AEAD
    Bytes encr_r;  // responder to initiator
    Bytes integ_r;
};

// The derivation above. `sk_d` is IkeSaKeys::sk_d; `ni`/`nr` the Nonce Data of the exchange that created the
// CHILD_SA (for the CHILD_SA of IKE_AUTH: the IKE_SA_INIT nonces); `new_shared_secret` the g^ir of a
// CREATE_CHILD_SA key exchange, empty when there is none. Throws std::invalid_argument for transforms
// ikev2_crypto_cipher does not implement (check_sk_transforms), or an unsupported PRF.
ChildSaKeys derive_child_sa_keys(std::uint16_t prf_id, ByteView sk_d, const EspTransform& transform, ByteView ni,
                                 ByteView nr, ByteView new_shared_secret = {});

// What a server chose for the CHILD_SA: its SA payload's one proposal, read as an ESP SA we can run.
struct EspChoice {
    std::uint8_t proposal_number = 0;
    std::uint32_t spi = 0;  // the responder's inbound SPI: the SPI of the ESP packets the initiator sends
    EspTransform transform;
    std::optional<std::uint16_t> ke_group;  // CREATE_CHILD_SA with PFS only
};

// Reads a chosen proposal. DecodeError codes (offset 0; this reads a decoded structure, not bytes):
//   "not_esp"           protocol ID is not ESP (3)
//   "bad_spi_size"      SPI is not 4 bytes (RFC 7296 3.3.1), or is zero (RFC 4303 2.1 reserves 0)
//   "missing_transform" no ENCR transform, or no INTEG for a non-AEAD cipher
//   "more_than_one"     more than one transform of a type (a choice has exactly one of each, RFC 7296 3.3.6)
//   "unsupported"       a transform this code cannot run: its name says which (DES, NULL, an integrity
//                       algorithm with AEAD, Extended Sequence Numbers, ...)
// Whether the choice is one of our offers is check_chosen_proposal()'s job (ikev2_proposal.hpp): call both.
Decoded<EspChoice> read_esp_choice(const Proposal& chosen);

}  // namespace vpnprobe::protocol::ikev2
