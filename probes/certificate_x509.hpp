// The certificate functions on certificates OpenSSL has already decoded, so that a probe decodes each
// certificate once: the TLS probe takes them from the handshake, the IKEv2 probe parses its CERT payloads once.
// Internal header (OpenSSL types): include from .cpp files only.
#pragma once

#include <openssl/x509.h>

#include <memory>

#include "probes/certificate.hpp"
#include "protocol/openssl_util.hpp"

namespace vpnprobe::probes {

class TrustSource;

using X509Ptr = std::unique_ptr<X509, protocol::OpensslDeleter<X509_free>>;

// One DER certificate, nothing after it. Throws std::runtime_error with OpenSSL's reason.
X509Ptr parse_certificate(ByteView der);
// inspect_certificate of a decoded certificate (its DER is re-encoded from OpenSSL's cached encoding).
CertificateFacts inspect_certificate(X509* x, std::time_t now);
// verify_chain of decoded certificates, leaf first, against a loaded trust source. None may be null.
ChainVerdict verify_chain(const std::vector<X509*>& chain, const TrustSource& trust, std::time_t now);

}  // namespace vpnprobe::probes
