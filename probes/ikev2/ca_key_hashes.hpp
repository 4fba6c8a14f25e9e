// The SHA-1 hashes of CA public keys that CERTREQ payloads carry (RFC 7296 3.7): of each certificate in a
// PEM file. Reads the file; used by the driver once, before any exchange.
#pragma once

#include <string>
#include <vector>

#include "protocol/bytes.hpp"

namespace vpnprobe::probes {

// SHA-1 of each certificate's subjectPublicKeyInfo. Throws when the file cannot be read or holds a
// certificate that does not parse.
std::vector<protocol::Bytes> ca_key_hashes_of_file(const std::string& pem_path);

}  // namespace vpnprobe::probes
