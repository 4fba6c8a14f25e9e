#include "probes/tls_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdio>
#include <mutex>
#include <stdexcept>

#include "probes/certificate_x509.hpp"
#include "probes/vantage.hpp"

namespace vpnprobe::probes {

namespace ssl = boost::asio::ssl;

namespace {

// SSL_CTX_set_keylog_callback passes no user pointer: the file travels in the context's ex_data.
int keylog_index() {
    static int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

struct KeylogFile {
    std::FILE* f = nullptr;
    std::mutex m;
    ~KeylogFile() {
        if (f) std::fclose(f);
    }
};

void keylog_callback(const SSL* ssl, const char* line) {
    auto* k = static_cast<KeylogFile*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), keylog_index()));
    if (!k || !k->f) return;
    std::lock_guard lock(k->m);
    std::fprintf(k->f, "%s\n", line);
    std::fflush(k->f);
}

}  // namespace

std::string drain_openssl_errors() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.empty()) out += "; ";
        out += buf;
    }
    return out;
}

std::shared_ptr<ssl::context> make_probe_tls_context(const TlsOptions& options) {
    // The context owns the key-log file through a deleter-held object so its lifetime matches.
    std::shared_ptr<KeylogFile> keylog;
    if (!options.keylog_file.empty()) {
        keylog = std::make_shared<KeylogFile>();
        keylog->f = std::fopen(options.keylog_file.c_str(), "a");
        if (!keylog->f) throw std::runtime_error("cannot open key-log file " + options.keylog_file);
    }
    auto ctx = std::shared_ptr<ssl::context>(new ssl::context(ssl::context::tls_client),
                                             [keylog](ssl::context* c) { delete c; });
    SSL_CTX* native = ctx->native_handle();
    SSL_CTX_set_verify(native, SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_min_proto_version(native, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(native, 0);
    // Security level 0 so that a 1024-bit key or SHA-1 signature still handshakes and gets reported.
    SSL_CTX_set_cipher_list(native, "DEFAULT:@SECLEVEL=0");
    if (keylog) {
        SSL_CTX_set_ex_data(native, keylog_index(), keylog.get());
        SSL_CTX_set_keylog_callback(native, keylog_callback);
    }
    return ctx;
}

void set_sni(SSL* ssl, const std::string& sni) {
    if (sni.empty() || is_ip_literal(sni)) return;
    if (!SSL_set_tlsext_host_name(ssl, sni.c_str()))
        throw std::runtime_error("cannot set SNI: " + drain_openssl_errors());
}

TlsFacts collect_tls_facts(SSL* ssl, const std::string& sni, const TrustSource& trust, std::time_t now) {
    TlsFacts f;
    f.version = SSL_get_version(ssl);
    if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl)) {
        f.cipher_openssl = SSL_CIPHER_get_name(c);
        const char* std_name = SSL_CIPHER_standard_name(c);
        f.cipher = std_name ? std_name : f.cipher_openssl;
    }
    int group = SSL_get_negotiated_group(ssl);
    if (group > 0) {
        const char* name = SSL_group_to_name(ssl, group);
        f.group = name ? name : "group " + std::to_string(group);
    }
    f.sni = is_ip_literal(sni) ? "" : sni;
    std::vector<X509*> chain;
    if (STACK_OF(X509)* sent = SSL_get_peer_cert_chain(ssl))
        for (int i = 0; i < sk_X509_num(sent); ++i) chain.push_back(sk_X509_value(sent, i));
    for (X509* x : chain) f.chain.push_back(inspect_certificate(x, now));
    if (!chain.empty()) f.chain_verdict = verify_chain(chain, trust, now);
    return f;
}

}  // namespace vpnprobe::probes
