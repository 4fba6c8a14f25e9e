// Proposals in strongSwan's configuration syntax ("aes256-sha256-modp2048", "aes128gcm16-prfsha256-ecp256",
// "3des-sha1-modp1024"), so that a scenario can name what a probe offers the way a strongSwan or libreswan
// administrator would, and a report can print what a server chose the same way.
//
// Parsing follows strongSwan's rules (src/libstrongswan/crypto/proposal/proposal.c), so that a proposal
// string copied from a swanctl.conf means here what it means there:
//   - keywords are separated by '-' and looked up in ikev2_registry.hpp's keyword table (case-sensitive);
//   - an IKE proposal without a PRF gets the PRF matching each integrity algorithm (sha256 -> prfsha256,
//     sha1 -> prfsha1, md5 -> prfmd5, aesxcbc -> prfaesxcbc, aescmac -> prfaescmac);
//   - with an AEAD cipher (GCM, CCM, ChaCha20-Poly1305) integrity algorithms are dropped, after any PRF was
//     derived from them ("aes128gcm16-sha256-ecp256" is "aes128gcm16-prfsha256-ecp256");
//   - ESP and AH proposals take no PRF (dropped) and get "noesn" when no ESN keyword is given;
//   - transforms are ordered ENCR, INTEG, PRF, KE, ESN (the order strongSwan sends), each type in the order
//     written; repeated keywords are kept once.
// Errors are std::invalid_argument naming the culprit and the whole string, e.g.
// "unknown algorithm 'aes257' in 'aes257-sha256-modp2048'".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/ikev2/ikev2_payloads.hpp"

namespace vpnprobe::protocol::ikev2 {

// One proposal. IKE proposals need an encryption algorithm, a PRF (given or derived), an integrity algorithm
// unless the cipher is AEAD, and a key exchange method; AEAD and non-AEAD ciphers cannot be mixed.
Proposal parse_proposal(std::string_view text, ProtocolId protocol = ProtocolId::ike, std::uint8_t number = 1);

// A comma-separated list ("aes256-sha256-modp2048, aes128gcm16-prfsha256-ecp256"), numbered from 1; spaces
// around the commas are ignored.
std::vector<Proposal> parse_proposals(std::string_view text, ProtocolId protocol = ProtocolId::ike);

// Back to strongSwan syntax. A PRF that parse_proposal would derive from the integrity algorithms and the
// default "noesn" of ESP/AH are left out, so format_proposal(parse_proposal(s)) gives s back for strings
// written in the canonical keyword order. Throws std::invalid_argument for a transform strongSwan has no
// keyword for (use describe(const Proposal&) for logs).
std::string format_proposal(const Proposal& proposal);

// Whether a responder's chosen proposal is a valid choice from what was offered (RFC 7296 3.3.6): the
// offered proposal of the same number and protocol, with exactly one transform of each type it has, each
// one of those offered (same ID and key length). "" when valid, else the reason in words.
std::string check_chosen_proposal(const std::vector<Proposal>& offered, const Proposal& chosen);

}  // namespace vpnprobe::protocol::ikev2
