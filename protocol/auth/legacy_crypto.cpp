#include "protocol/auth/legacy_crypto.hpp"
#include "protocol/openssl_util.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include <cstdlib>

namespace vpnprobe::protocol {

namespace {

// Loaded once per process (a function-local static: thread-safe initialisation), never unloaded: the
// fetched algorithms stay valid for the life of the program.
struct LegacyAlgorithms {
    OSSL_LIB_CTX* context = nullptr;
    EVP_MD* md4 = nullptr;
    EVP_CIPHER* des_ecb = nullptr;
    std::string problem;  // empty when both were fetched

    LegacyAlgorithms() {
        context = OSSL_LIB_CTX_new();
        if (context == nullptr) {
            problem = "OpenSSL could not create a library context for its legacy provider: " + drain_openssl_errors();
            return;
        }
        if (OSSL_PROVIDER_load(context, "legacy") == nullptr) {
            const std::string errors = drain_openssl_errors();
            const char* env = std::getenv("OPENSSL_MODULES");
            const std::string where = env != nullptr ? std::string(env) + " (from OPENSSL_MODULES)"
                                                     : std::string(OpenSSL_version(OPENSSL_MODULES_DIR));
            problem = "MS-CHAPv2 needs MD4 and DES from OpenSSL 3's legacy provider, which could not be loaded from " +
                      where +
                      ". Install it (on Debian and Ubuntu it is ossl-modules/legacy.so in the package libssl3), or set "
                      "OPENSSL_MODULES to the directory that holds legacy.so" +
                      (errors.empty() ? std::string() : " (OpenSSL: " + errors + ")");
            return;
        }
        md4 = EVP_MD_fetch(context, "MD4", "provider=legacy");
        des_ecb = EVP_CIPHER_fetch(context, "DES-ECB", "provider=legacy");
        if (md4 == nullptr || des_ecb == nullptr)
            problem = std::string("OpenSSL's legacy provider loaded but offers no ") +
                      (md4 == nullptr ? "MD4" : "DES-ECB") + ": " + drain_openssl_errors();
    }
};

const LegacyAlgorithms& legacy() {
    static const LegacyAlgorithms algorithms;
    return algorithms;
}

const LegacyAlgorithms& usable_legacy() {
    const auto& l = legacy();
    if (!l.problem.empty()) throw LegacyCryptoUnavailable(l.problem);
    return l;
}

}  // namespace

std::optional<std::string> legacy_crypto_problem() {
    const auto& l = legacy();
    if (l.problem.empty()) return std::nullopt;
    return l.problem;
}

std::array<std::uint8_t, 16> md4(ByteView data) {
    const auto& l = usable_legacy();
    OpensslPtr<EVP_MD_CTX, EVP_MD_CTX_free> ctx(EVP_MD_CTX_new());
    std::array<std::uint8_t, 16> out{};
    unsigned int length = 0;
    if (!ctx || EVP_DigestInit_ex2(ctx.get(), l.md4, nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), out.data(), &length) != 1 || length != out.size())
        throw std::runtime_error("MD4 failed: " + drain_openssl_errors());
    return out;
}

std::array<std::uint8_t, 8> des_encrypt_block(const std::array<std::uint8_t, 8>& key,
                                              const std::array<std::uint8_t, 8>& block) {
    const auto& l = usable_legacy();
    OpensslPtr<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free> ctx(EVP_CIPHER_CTX_new());
    std::array<std::uint8_t, 8> out{};
    int length = 0;
    if (!ctx || EVP_EncryptInit_ex2(ctx.get(), l.des_ecb, key.data(), nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
        EVP_EncryptUpdate(ctx.get(), out.data(), &length, block.data(), static_cast<int>(block.size())) != 1 ||
        length != static_cast<int>(out.size()))
        throw std::runtime_error("DES-ECB failed: " + drain_openssl_errors());
    return out;
}

}  // namespace vpnprobe::protocol
