#include "probes/trust_source.hpp"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include <stdexcept>

#include "probes/certificate.hpp"
#include "probes/ikev2/ca_key_hashes.hpp"
#include "probes/local_checks.hpp"
#include "probes/tls_client.hpp"
#include "protocol/openssl_util.hpp"

namespace vpnprobe::probes {

std::atomic<std::uint64_t> TrustSource::loads_{0};

TrustSource::~TrustSource() { X509_STORE_free(store_); }

std::shared_ptr<const TrustSource> TrustSource::load(const std::optional<std::string>& ca_file) {
    ++loads_;
    std::shared_ptr<TrustSource> t(new TrustSource);
    t->ca_file_ = ca_file;
    ERR_clear_error();
    t->store_ = X509_STORE_new();
    if (!t->store_) throw std::runtime_error("X509_STORE_new failed");
    if (ca_file) {
        // The same check the CLI and the preflight make, so that a file broken since then fails with the same words.
        if (auto problem = certificate_file_problem(*ca_file)) throw std::runtime_error(*problem);
        if (X509_STORE_load_file(t->store_, ca_file->c_str()) != 1)
            throw std::runtime_error(protocol::drain_openssl_errors());
        try {
            t->ca_key_hashes_ = ca_key_hashes_of(load_pem_certificates(*ca_file));
        } catch (const std::exception& e) {
            t->ca_key_hashes_error_ = e.what();
        }
    } else if (X509_STORE_set_default_paths(t->store_) != 1) {
        throw std::runtime_error("cannot load the system trust store: " + protocol::drain_openssl_errors());
    }
    ERR_clear_error();
    return t;
}

std::shared_ptr<boost::asio::ssl::context> TrustSource::tls_context() const {
    // Made on first use (an IKEv2-only run never needs one); call_once makes that safe from any thread.
    std::call_once(tls_context_once_, [this] { tls_context_ = make_probe_tls_context(TlsOptions{}); });
    return tls_context_;
}

std::shared_ptr<const TrustSource> TrustCache::get(const std::optional<std::string>& ca_file) {
    std::lock_guard lock(m_);
    auto it = sources_.find(ca_file);
    if (it != sources_.end()) return it->second;
    std::shared_ptr<const TrustSource> source;
    try {
        source = TrustSource::load(ca_file);
    } catch (const std::exception&) {
        // Left to each probe, which loads it itself and reports why it cannot, as without a cache.
    }
    sources_.emplace(ca_file, source);
    return source;
}

}  // namespace vpnprobe::probes
