#include "probes/openssl_key.hpp"

#include <openssl/core_names.h>

namespace vpnprobe::probes {

KeyDescription describe_key(const EVP_PKEY* key) {
    KeyDescription d;
    if (!key) return d;
    d.bits = EVP_PKEY_get_bits(key);
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
        d.type = "RSA";
        break;
    case EVP_PKEY_EC: {
        d.type = "EC";
        char group[80] = {};
        std::size_t len = 0;
        if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len)) d.curve = group;
        break;
    }
    case EVP_PKEY_ED25519:
        d.type = "Ed25519";
        break;
    case EVP_PKEY_ED448:
        d.type = "Ed448";
        break;
    case EVP_PKEY_DSA:
        d.type = "DSA";
        break;
    default:
        break;
    }
    return d;
}

}  // namespace vpnprobe::probes
