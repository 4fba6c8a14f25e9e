// What a public or private key is, in the words reports use. Internal header (OpenSSL types): include
// from .cpp files only.
#pragma once

#include <openssl/evp.h>

#include <string>

namespace vpnprobe::probes {

struct KeyDescription {
    std::string type = "unknown";  // "RSA", "EC", "Ed25519", "Ed448", "DSA", "unknown"
    int bits = 0;
    std::string curve;  // "prime256v1" etc. for EC, else ""
};

KeyDescription describe_key(const EVP_PKEY* key);

}  // namespace vpnprobe::probes
