// A self-signed certificate and key made in-process, for the fault injectors (SSTP over TLS, IKEv2's
// CERT and AUTH payloads): no file of the lab, no openssl command.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace vpnprobe::testsupport {

// EC P-256 (fast to generate), CN and SAN "localhost", EKU serverAuth, valid for a year from an hour ago.
// Its PEM is written to a file the probe is given as trust anchor, so the success case is a success
// without certificate findings, and a failing case's first error finding is the one of the failed phase.
class TestCertificate {
public:
    static const TestCertificate& get() {
        static const TestCertificate certificate;
        return certificate;
    }
    X509* cert() const { return cert_.get(); }
    EVP_PKEY* key() const { return key_.get(); }
    const std::string& pem_file() const { return pem_file_; }
    std::vector<unsigned char> der() const {
        unsigned char* out = nullptr;
        int n = i2d_X509(cert_.get(), &out);
        std::vector<unsigned char> v;
        if (n > 0) v.assign(out, out + n);
        OPENSSL_free(out);
        return v;
    }

    ~TestCertificate() {
        std::error_code ignored;
        std::filesystem::remove(pem_file_, ignored);
    }
    TestCertificate(const TestCertificate&) = delete;
    TestCertificate& operator=(const TestCertificate&) = delete;

private:
    struct X509Free {
        void operator()(X509* x) const { X509_free(x); }
    };
    struct KeyFree {
        void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
    };

    TestCertificate() {
        key_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
        if (!key_) throw std::runtime_error("EC P-256 key generation failed");
        cert_.reset(X509_new());
        X509* x = cert_.get();
        if (!x || X509_set_version(x, X509_VERSION_3) != 1 || ASN1_INTEGER_set(X509_get_serialNumber(x), 1) != 1 ||
            !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
            !X509_gmtime_adj(X509_getm_notAfter(x), 365L * 24 * 3600) || X509_set_pubkey(x, key_.get()) != 1)
            throw std::runtime_error("cannot fill in the test certificate");
        X509_NAME* name = X509_get_subject_name(x);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1,
                                   -1, 0);
        X509_set_issuer_name(x, name);
        add_extension(NID_subject_alt_name, "DNS:localhost");
        add_extension(NID_ext_key_usage, "serverAuth");
        if (X509_sign(x, key_.get(), EVP_sha256()) <= 0) throw std::runtime_error("cannot sign the test certificate");

        // One file per process: ctest runs each test as its own process, possibly in parallel.
        pem_file_ = (std::filesystem::temp_directory_path() /
                     ("vpnprobe-fault-injector-" + std::to_string(::getpid()) + ".pem"))
                        .string();
        std::FILE* f = std::fopen(pem_file_.c_str(), "w");
        if (!f) throw std::runtime_error("cannot write " + pem_file_);
        bool written = PEM_write_X509(f, x) == 1;
        std::fclose(f);
        if (!written) throw std::runtime_error("cannot write " + pem_file_);
    }

    void add_extension(int nid, const char* value) {
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, cert_.get(), cert_.get(), nullptr, nullptr, 0);
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        if (!ext) throw std::runtime_error(std::string("cannot make extension ") + value);
        X509_add_ext(cert_.get(), ext, -1);
        X509_EXTENSION_free(ext);
    }

    std::unique_ptr<EVP_PKEY, KeyFree> key_;
    std::unique_ptr<X509, X509Free> cert_;
    std::string pem_file_;
};

}  // namespace vpnprobe::testsupport
