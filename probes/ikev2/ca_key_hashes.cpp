#include "probes/ikev2/ca_key_hashes.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <ctime>
#include <stdexcept>

#include "probes/certificate.hpp"

namespace vpnprobe::probes {

using protocol::Bytes;

namespace {

Bytes subject_public_key_info(const Bytes& der) {
    const unsigned char* p = der.data();
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (!x) throw std::runtime_error("not a DER certificate");
    unsigned char* out = nullptr;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &out);
    Bytes spki;
    if (len > 0) spki.assign(out, out + len);
    OPENSSL_free(out);
    X509_free(x);
    if (spki.empty()) throw std::runtime_error("certificate without a public key");
    return spki;
}

}  // namespace

std::vector<Bytes> ca_key_hashes_of_file(const std::string& pem_path) {
    return ca_key_hashes_of(load_pem_certificates(pem_path));
}

std::vector<Bytes> ca_key_hashes_of(const std::vector<Bytes>& certificates_der) {
    std::vector<Bytes> hashes;
    for (const auto& der : certificates_der) {
        Bytes spki = subject_public_key_info(der);
        Bytes h(20);
        unsigned int n = 0;
        EVP_Digest(spki.data(), spki.size(), h.data(), &n, EVP_sha1(), nullptr);
        hashes.push_back(std::move(h));
    }
    return hashes;
}

}  // namespace vpnprobe::probes
