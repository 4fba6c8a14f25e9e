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
// parse_certificate, each distinct DER decoded once per process and shared (certificate_cache.cpp): a server sends
// the same certificates to every probe, and decoding one (d2i_X509 with OpenSSL 3's decoder of its public key) was a
// tenth of a full IKEv2 probe's instructions. Keyed by the exact bytes, so a certificate that differs in any byte is
// decoded on its own. The X509 is only read afterwards, by any thread (OpenSSL allows a decoded certificate to be
// used by many threads at once, as its own X509_STORE's are; what it caches lazily it sets under the object's lock).
// Throws as parse_certificate does; what does not decode is not kept.
X509Ptr parse_certificate_shared(ByteView der);
// inspect_certificate of a decoded certificate (its DER is re-encoded from OpenSSL's cached encoding).
CertificateFacts inspect_certificate(X509* x, std::time_t now);
// verify_chain of decoded certificates, leaf first, against a loaded trust source. None may be null.
ChainVerdict verify_chain(const std::vector<X509*>& chain, const TrustSource& trust, std::time_t now);

}  // namespace vpnprobe::probes
