// TLS client plumbing on Boost.Asio + OpenSSL for the probes. Internal header (pulls in Asio): include it
// from .cpp files only.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <ctime>
#include <memory>

#include "probes/tls_facts.hpp"

namespace vpnprobe::probes {

// A client context that completes the handshake whatever the certificate (the point is to report it,
// so verification happens afterwards, as a separate verdict) and accepts everything from TLS 1.0 up,
// so that a server stuck on an old version is reached and reported rather than refused.
std::shared_ptr<boost::asio::ssl::context> make_probe_tls_context(const TlsOptions& options);

// Sets SNI on a stream before its handshake (an IP literal is not sent, as RFC 6066 says).
void set_sni(SSL* ssl, const std::string& sni);

// Reads version, cipher, group and peer chain off a finished handshake and verifies the chain against `trust`.
// Each certificate is used as the handshake decoded it (inspected and verified, never decoded again).
TlsFacts collect_tls_facts(SSL* ssl, const std::string& sni, const TrustSource& trust, std::time_t now);

// OpenSSL's error queue as one line (and clears it), for handshake failures.
std::string drain_openssl_errors();

}  // namespace vpnprobe::probes
