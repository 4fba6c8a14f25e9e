// IKEv2 AUTH payload helpers (RFC 7296 section 2.15): the octets a peer signs or MACs, the shared-key AUTH value,
// and verification of a peer's signature with the public key of its certificate, for the signature methods
//   1   RSA Digital Signature: RSASSA-PKCS1-v1_5 with SHA-1 (RFC 7296 section 3.8)
//   9   ECDSA with SHA-256 on P-256, 10 SHA-384 on P-384, 11 SHA-512 on P-521 (RFC 4754): signature r | s,
//       each padded to the curve's size
//   14  Digital Signature (RFC 7427): AUTH data = ASN.1 length (1 byte) | AlgorithmIdentifier | signature, with
//       sha1/256/384/512WithRSAEncryption, RSASSA-PSS (hash, MGF1 hash and salt length from the parameters),
//       ecdsa-with-SHA1/256/384/512 (DER ECDSA-Sig-Value), Ed25519 and Ed448 (RFC 8420)
// Method numbers are ikev2_registry.hpp's auth_method:: values. Nothing here judges the certificate itself
// (chain, validity, names): that is the caller's business.
#pragma once

#include <cstdint>
#include <string>

#include "protocol/bytes.hpp"

struct evp_pkey_st;  // EVP_PKEY

namespace vpnprobe::protocol::ikev2 {

// The octets an AUTH payload covers (RFC 7296 section 2.15):
//   responder: RealMessage2 | NonceIData | prf(SK_pr, IDr')
//   initiator: RealMessage1 | NonceRData | prf(SK_pi, IDi')
// `real_message` is the sender's IKE_SA_INIT message as sent (from the IKE header, without a non-ESP marker);
// `peer_nonce` is the other side's Nonce Data; `sk_p` is SK_pr or SK_pi; `id_payload_body` is IDr'/IDi', the ID
// payload without its 4-byte generic header (ID Type | RESERVED | Identification Data).
Bytes auth_signed_octets(std::uint16_t prf_id, ByteView real_message, ByteView peer_nonce, ByteView sk_p,
                         ByteView id_payload_body);

// AUTH data of method 2, Shared Key Message Integrity Code: prf(prf(Shared Secret, "Key Pad for IKEv2"), octets).
Bytes shared_key_auth_data(std::uint16_t prf_id, ByteView shared_secret, ByteView signed_octets);

// Outcome of a signature check.
struct SignatureCheck {
    bool verified = false;
    // What was checked, e.g. "RSA PKCS#1 v1.5 with SHA-1", "ECDSA P-256 with SHA-256", "sha256WithRSAEncryption",
    // "RSASSA-PSS (SHA256, MGF1 with SHA256, salt 32)", "ecdsa-with-SHA256", "Ed25519"; empty when the failure came
    // before an algorithm was known.
    std::string algorithm;
    // Empty when verified, otherwise one of
    //   "bad_certificate"          the certificate (or SubjectPublicKeyInfo) does not parse
    //   "unsupported_method"       an AUTH method that is not a signature method handled here
    //   "bad_algorithm_identifier" method 14: the ASN.1 length or AlgorithmIdentifier (or its PSS parameters)
    //                              is malformed
    //   "unsupported_algorithm"    method 14: a signature algorithm not handled here (detail has its OID)
    //   "key_mismatch"             the key does not fit the method/algorithm (RSA key for ECDSA, P-384 key for
    //                              method 9, ...)
    //   "bad_signature_format"     the signature has the wrong length for the method, or is missing
    //   "signature_mismatch"       well-formed, but it does not verify over the signed octets
    std::string failure;
    std::string detail;  // human-readable explanation of the failure
};

// Verifies AUTH payload data (`auth_data`, everything after the AUTH payload's Auth Method and RESERVED bytes) of
// the given method over `signed_octets` with the public key of `certificate_der` (an X.509 certificate in DER,
// as carried in a CERT payload of encoding 4).
SignatureCheck verify_auth_signature(std::uint8_t auth_method, ByteView auth_data, ByteView signed_octets,
                                     ByteView certificate_der);

// The same with the public key of a certificate the caller has already decoded (X509_get0_pubkey), so that the
// certificate is not decoded again.
SignatureCheck verify_auth_signature_with_key(std::uint8_t auth_method, ByteView auth_data, ByteView signed_octets,
                                              evp_pkey_st* public_key);

// The same with a DER SubjectPublicKeyInfo instead of a certificate (raw public keys, RFC 7670).
SignatureCheck verify_auth_signature_with_spki(std::uint8_t auth_method, ByteView auth_data, ByteView signed_octets,
                                               ByteView subject_public_key_info_der);

}  // namespace vpnprobe::protocol::ikev2
