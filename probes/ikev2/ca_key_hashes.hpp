// The SHA-1 hashes of CA public keys that CERTREQ payloads carry (RFC 7296 3.7): of each certificate in a
// PEM file. A run computes them once per CA file, in its TrustSource (probes/trust_source.hpp).
#pragma once

#include <string>
#include <vector>

#include "protocol/bytes.hpp"

namespace vpnprobe::probes {

// SHA-1 of each DER certificate's subjectPublicKeyInfo. Throws when a certificate does not parse or has no key.
std::vector<protocol::Bytes> ca_key_hashes_of(const std::vector<protocol::Bytes>& certificates_der);
// The same for the certificates of a PEM file. Throws when the file cannot be read.
std::vector<protocol::Bytes> ca_key_hashes_of_file(const std::string& pem_path);

}  // namespace vpnprobe::probes
