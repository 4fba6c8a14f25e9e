// What a TLS handshake showed: negotiated parameters and the server's chain, inspected.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "probes/certificate.hpp"
#include "probes/trust_source.hpp"

namespace vpnprobe::probes {

struct TlsOptions {
    std::string sni;  // "" = send none
    std::optional<std::string> ca_file;  // trust anchors for the chain verdict; none = system store
    // ca_file's trust anchors and TLS context, loaded once for a whole run; nullptr = the probe loads them itself.
    std::shared_ptr<const TrustSource> trust;
    std::string keylog_file;  // NSS key-log format (SSLKEYLOGFILE), "" = off
};

struct TlsFacts {
    std::string version;  // "TLSv1.3"
    std::string cipher;  // IANA/RFC name, "TLS_AES_256_GCM_SHA384"
    std::string cipher_openssl;  // OpenSSL's name, "ECDHE-RSA-AES256-GCM-SHA384"
    std::string group;  // key-exchange group, "x25519"; "" when not known (TLS <= 1.2 with RSA kx)
    std::string sni;  // what we sent
    std::vector<CertificateFacts> chain;  // leaf first, as the server sent it
    ChainVerdict chain_verdict;
};

}  // namespace vpnprobe::probes
