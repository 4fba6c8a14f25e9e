#include "protocol/ikev2/ikev2_crypto_prf.hpp"
#include "protocol/openssl_util.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>
#include <string>

#include "protocol/ikev2/ikev2_registry.hpp"

namespace vpnprobe::protocol::ikev2 {

namespace {

using MacCtxFree = OpensslDeleter<EVP_MAC_CTX_free>;
using CipherCtxFree = OpensslDeleter<EVP_CIPHER_CTX_free>;

// OpenSSL reports failures through its thread-local error queue; the text is drained into the exception so the
// queue does not leak into an unrelated later call.
[[noreturn]] void throw_openssl(const std::string& what) {
    std::string errors = drain_openssl_errors();
    throw std::runtime_error(errors.empty() ? what : what + ": " + errors);
}

// EVP_MAC_init treats a null key pointer as "keep the previous key", so an empty key needs a real address.
const unsigned char* key_pointer(ByteView key) {
    static const unsigned char empty = 0;
    return key.empty() ? &empty : key.data();
}

EVP_MAC* hmac_algorithm() {
    // Fetched once: fetching is a provider lookup, and the object is immutable and thread-safe once fetched.
    static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac == nullptr) throw_openssl("EVP_MAC_fetch(HMAC)");
    return mac;
}

const char* prf_digest(std::uint16_t prf_id) {
    switch (prf_id) {
    case prf_alg::hmac_md5:
        return "MD5";
    case prf_alg::hmac_sha1:
        return "SHA1";
    case prf_alg::hmac_sha2_256:
        return "SHA256";
    case prf_alg::hmac_sha2_384:
        return "SHA384";
    case prf_alg::hmac_sha2_512:
        return "SHA512";
    default:
        return nullptr;
    }
}

void require_supported(std::uint16_t prf_id) {
    if (!is_supported_prf(prf_id)) {
        throw std::invalid_argument("unsupported IKEv2 PRF " +
                                    transform_id_name(static_cast<std::uint8_t>(TransformType::prf), prf_id));
    }
}

Bytes aes128_ecb_block(ByteView key, ByteView block) {
    std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_ecb(), nullptr, key.data(), nullptr) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1) {
        throw_openssl("AES-128-ECB init");
    }
    Bytes out(32);
    int n = 0;
    int m = 0;
    if (EVP_EncryptUpdate(ctx.get(), out.data(), &n, block.data(), static_cast<int>(block.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), out.data() + n, &m) != 1) {
        throw_openssl("AES-128-ECB");
    }
    out.resize(static_cast<std::size_t>(n + m));
    return out;
}

}  // namespace

bool is_supported_prf(std::uint16_t prf_id) { return prf_id == prf_alg::aes128_xcbc || prf_digest(prf_id) != nullptr; }

std::size_t prf_output_size(std::uint16_t prf_id) {
    switch (prf_id) {
    case prf_alg::hmac_md5:
        return 16;
    case prf_alg::hmac_sha1:
        return 20;
    case prf_alg::aes128_xcbc:
        return 16;
    case prf_alg::hmac_sha2_256:
        return 32;
    case prf_alg::hmac_sha2_384:
        return 48;
    case prf_alg::hmac_sha2_512:
        return 64;
    default:
        require_supported(prf_id);
        return 0;
    }
}

std::size_t prf_key_size(std::uint16_t prf_id) { return prf_output_size(prf_id); }

bool prf_has_fixed_key_size(std::uint16_t prf_id) {
    require_supported(prf_id);
    return prf_id == prf_alg::aes128_xcbc;
}

Bytes hmac(std::string_view digest, ByteView key, ByteView data) {
    std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(hmac_algorithm()));
    if (!ctx) throw_openssl("EVP_MAC_CTX_new");
    std::string digest_name(digest);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name.data(), 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_init(ctx.get(), key_pointer(key), key.size(), params) != 1) throw_openssl("HMAC-" + digest_name);
    if (!data.empty() && EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1) throw_openssl("HMAC update");
    Bytes out(EVP_MAC_CTX_get_mac_size(ctx.get()));
    std::size_t n = 0;
    if (EVP_MAC_final(ctx.get(), out.data(), &n, out.size()) != 1) throw_openssl("HMAC final");
    out.resize(n);
    return out;
}

Bytes aes_xcbc_mac(ByteView key, ByteView data) {
    if (key.size() != 16) {
        throw std::invalid_argument("AES-XCBC-MAC needs a 16-byte key, got " + std::to_string(key.size()));
    }
    // RFC 3566: three subkeys derived by encrypting constant blocks under K.
    const std::array<std::uint8_t, 16> c1 = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    const std::array<std::uint8_t, 16> c2 = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
    const std::array<std::uint8_t, 16> c3 = {3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3};
    const Bytes k1 = aes128_ecb_block(key, c1);
    const Bytes k2 = aes128_ecb_block(key, c2);
    const Bytes k3 = aes128_ecb_block(key, c3);

    Bytes e(16, 0);
    std::size_t pos = 0;
    // Every block but the last is chained plainly; the last (possibly empty or partial) block gets K2 or K3.
    while (data.size() - pos > 16) {
        for (std::size_t i = 0; i < 16; ++i) e[i] ^= data[pos + i];
        e = aes128_ecb_block(k1, e);
        pos += 16;
    }
    const std::size_t rest = data.size() - pos;
    std::array<std::uint8_t, 16> last{};
    for (std::size_t i = 0; i < rest; ++i) last[i] = data[pos + i];
    const Bytes* tweak = &k2;
    if (rest < 16) {
        last[rest] = 0x80;  // 10* padding
        tweak = &k3;
    }
    for (std::size_t i = 0; i < 16; ++i) e[i] ^= static_cast<std::uint8_t>(last[i] ^ (*tweak)[i]);
    return aes128_ecb_block(k1, e);
}

Bytes prf(std::uint16_t prf_id, ByteView key, ByteView data) {
    if (prf_id == prf_alg::aes128_xcbc) {
        // RFC 4434: the key is exactly 128 bits after this adjustment.
        Bytes k(key.begin(), key.end());
        if (k.size() < 16) {
            k.resize(16, 0);
        } else if (k.size() > 16) {
            const Bytes zero(16, 0);
            k = aes_xcbc_mac(zero, key);
        }
        return aes_xcbc_mac(k, data);
    }
    const char* digest = prf_digest(prf_id);
    if (digest == nullptr) require_supported(prf_id);
    return hmac(digest, key, data);
}

Bytes prf_plus(std::uint16_t prf_id, ByteView key, ByteView seed, std::size_t length) {
    const std::size_t block = prf_output_size(prf_id);
    if (length > 255 * block) {
        throw std::invalid_argument("prf+ can produce at most 255 blocks (" + std::to_string(255 * block) +
                                    " bytes), asked for " + std::to_string(length));
    }
    Bytes out;
    out.reserve(length);
    Bytes t;  // T(n-1), empty for n = 1
    for (unsigned n = 1; out.size() < length; ++n) {
        Bytes input = t;
        input.insert(input.end(), seed.begin(), seed.end());
        input.push_back(static_cast<std::uint8_t>(n));
        t = prf(prf_id, key, input);
        const std::size_t take = std::min(t.size(), length - out.size());
        out.insert(out.end(), t.begin(), t.begin() + static_cast<std::ptrdiff_t>(take));
    }
    return out;
}

}  // namespace vpnprobe::protocol::ikev2
