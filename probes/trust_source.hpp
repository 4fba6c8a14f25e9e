// Trust anchors for the chain verdict, loaded once and shared: the system store, or one CA file. Reading and
// parsing the system bundle (~144 certificates) cost 82% of an SSTP probe's CPU when every probe did it, so a
// run (a scenario, one scrape of `serve`) loads each distinct source once (TrustCache) and every probe of the
// run shares it; a probe given none loads its own (TrustSource::load), as a single CLI probe does.
//
// Thread-safe once loaded: we never change it after load, and OpenSSL lets many threads verify against one
// X509_STORE at once (the system store's hashed directory, /usr/lib/ssl/certs, is still consulted per lookup and
// caches what it reads, under the store's own lock); the TLS client context only makes SSL objects.
// Header kept free of OpenSSL and Asio types.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "protocol/bytes.hpp"

struct x509_store_st;  // X509_STORE
namespace boost::asio::ssl {
class context;
}

namespace vpnprobe::probes {

class TrustSource {
public:
    // Loads the CA file's certificates (nullopt: the system store, as OpenSSL's default paths give it) and the
    // SHA-1 hashes of their keys for IKEv2's CERTREQ. Throws std::runtime_error: for a CA file, certificate_file_problem's sentence ("No such
    // file or directory", "no PEM certificate in ..."); else "cannot load the system trust store: ...".
    static std::shared_ptr<const TrustSource> load(const std::optional<std::string>& ca_file);
    ~TrustSource();
    TrustSource(const TrustSource&) = delete;
    TrustSource& operator=(const TrustSource&) = delete;

    const std::optional<std::string>& ca_file() const { return ca_file_; }
    // The trust anchors, for X509_STORE_CTX_init. Never modified after load.
    x509_store_st* store() const { return store_; }
    // SHA-1 of each CA file certificate's subjectPublicKeyInfo (RFC 7296 3.7); nullopt for the system store or
    // when a key could not be hashed (ca_key_hashes_error says why).
    const std::optional<std::vector<protocol::Bytes>>& ca_key_hashes() const { return ca_key_hashes_; }
    const std::string& ca_key_hashes_error() const { return ca_key_hashes_error_; }
    // The probes' TLS client context (verification off: the chain verdict is separate; no key-log file), one per
    // source per run, made on first use. Shared by connections on any thread: OpenSSL's SSL_new reads it, and a
    // client context caches no session, so every probe still makes a full handshake.
    std::shared_ptr<boost::asio::ssl::context> tls_context() const;

    // How many sources were loaded by this process, successfully or not: for tests that prove a run loads
    // each source once however many rows use it.
    static std::uint64_t loads() { return loads_.load(); }

private:
    TrustSource() = default;

    std::optional<std::string> ca_file_;
    x509_store_st* store_ = nullptr;
    std::optional<std::vector<protocol::Bytes>> ca_key_hashes_;
    std::string ca_key_hashes_error_;
    mutable std::once_flag tls_context_once_;
    mutable std::shared_ptr<boost::asio::ssl::context> tls_context_;
    static std::atomic<std::uint64_t> loads_;
};

// The sources of one run, keyed by CA path (nullopt = the system store), each loaded on first use. Thread-safe.
// A source that fails to load is remembered as nullptr: the probes given none load it themselves and report
// the failure as they always have (the harness's own, phase by phase), so a cache never hides or changes an
// error. A run is one scenario run or one scrape of `serve`: a CA file replaced between scrapes is read anew by
// the next scrape.
class TrustCache {
public:
    std::shared_ptr<const TrustSource> get(const std::optional<std::string>& ca_file);

private:
    std::mutex m_;
    std::map<std::optional<std::string>, std::shared_ptr<const TrustSource>> sources_;
};

}  // namespace vpnprobe::probes
