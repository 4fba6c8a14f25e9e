#include "protocol/ikev2/ikev2_crypto_cipher.hpp"
#include "protocol/openssl_util.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <memory>
#include <stdexcept>
#include <string>

#include "protocol/ikev2/ikev2_crypto_prf.hpp"
#include "protocol/ikev2/ikev2_registry.hpp"

namespace vpnprobe::protocol::ikev2 {

namespace {

using CipherCtxFree = OpensslDeleter<EVP_CIPHER_CTX_free>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

[[noreturn]] void throw_openssl(const std::string& what) {
    std::string text = what;
    while (unsigned long e = ERR_get_error()) {
        std::array<char, 256> buf{};
        ERR_error_string_n(e, buf.data(), buf.size());
        text += ": ";
        text += buf.data();
    }
    throw std::runtime_error(text);
}

// The registry rows (ikev2_registry.hpp) of transforms this module implements, or nullptr.
const Algorithm* sk_encr(std::uint16_t encr_id) {
    const Algorithm* a = find_algorithm(TransformType::encr, encr_id);
    return a && a->sk_supported() ? a : nullptr;
}
const Algorithm* sk_integ(std::uint16_t integ_id) {
    const Algorithm* a = find_algorithm(TransformType::integ, integ_id);
    return a && a->sk_supported() ? a : nullptr;
}

// Cipher key length in bytes, 0 if the transform/key length pair is not supported.
std::size_t cipher_key_size(std::uint16_t encr_id, std::uint16_t key_bits) {
    const Algorithm* a = sk_encr(encr_id);
    if (!a || !a->allows_key_bits(key_bits)) return 0;
    return (a->key_length_attribute ? key_bits : a->fixed_key_bits) / 8u;
}

const EVP_CIPHER* fetch_cipher(const char* name) {
    const EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, name, nullptr);
    if (cipher == nullptr) throw_openssl(std::string("EVP_CIPHER_fetch(") + name + ")");
    return cipher;
}

// Fetched once per process and kept (like hmac_algorithm() in ikev2_crypto_prf.cpp): EVP_aes_128_gcm() and the
// like are legacy handles that OpenSSL 3 looks up in its provider again on every EVP_CipherInit_ex, which cost
// more than the encryption of a small ESP packet (bench/README.md, "ESP per packet").
const EVP_CIPHER* evp_cipher(std::uint16_t encr_id, std::size_t key_size) {
    const std::size_t k = key_size == 16 ? 0 : key_size == 24 ? 1 : 2;
    switch (encr_id) {
    case encr_alg::triple_des: {
        static const EVP_CIPHER* des3 = fetch_cipher("DES-EDE3-CBC");
        return des3;
    }
    case encr_alg::aes_cbc: {
        static const EVP_CIPHER* aes_cbc[] = {fetch_cipher("AES-128-CBC"), fetch_cipher("AES-192-CBC"),
                                              fetch_cipher("AES-256-CBC")};
        return aes_cbc[k];
    }
    case encr_alg::aes_gcm_8:
    case encr_alg::aes_gcm_12:
    case encr_alg::aes_gcm_16: {
        static const EVP_CIPHER* aes_gcm[] = {fetch_cipher("AES-128-GCM"), fetch_cipher("AES-192-GCM"),
                                              fetch_cipher("AES-256-GCM")};
        return aes_gcm[k];
    }
    case encr_alg::chacha20_poly1305: {
        static const EVP_CIPHER* chacha = fetch_cipher("ChaCha20-Poly1305");
        return chacha;
    }
    default:
        return nullptr;
    }
}

// "ENCR_AES_CBC_256", "AUTH_HMAC_SHA2_256_128": the registry's names, with the key length where there is one.
std::string encr_name(std::uint16_t encr_id, std::uint16_t key_bits) {
    std::string name = transform_id_name(static_cast<std::uint8_t>(TransformType::encr), encr_id);
    return key_bits != 0 ? name + "_" + std::to_string(key_bits) : name;
}

std::string integ_name(std::uint16_t integ_id) {
    return transform_id_name(static_cast<std::uint8_t>(TransformType::integ), integ_id);
}

void require_integ(std::uint16_t integ_id) {
    if (!is_supported_integ(integ_id)) {
        throw std::invalid_argument("unsupported IKEv2 integrity transform " + integ_name(integ_id));
    }
}

// Unpadded CBC in either direction; the input is a whole number of blocks (checked by the callers).
Bytes cbc(const EVP_CIPHER* cipher, ByteView key, ByteView iv, ByteView in, bool encrypt) {
    CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    if (!ctx || EVP_CipherInit_ex(ctx.get(), cipher, nullptr, key.data(), iv.data(), encrypt ? 1 : 0) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1) {
        throw_openssl("CBC init");
    }
    Bytes out(in.size() + 32);
    int n = 0;
    int m = 0;
    if (EVP_CipherUpdate(ctx.get(), out.data(), &n, in.data(), static_cast<int>(in.size())) != 1 ||
        EVP_CipherFinal_ex(ctx.get(), out.data() + n, &m) != 1) {
        throw_openssl("CBC");
    }
    out.resize(static_cast<std::size_t>(n + m));
    return out;
}

}  // namespace

bool is_supported_encr(std::uint16_t encr_id, std::uint16_t key_bits) {
    return cipher_key_size(encr_id, key_bits) != 0;
}

bool is_supported_integ(std::uint16_t integ_id) { return sk_integ(integ_id) != nullptr; }

std::size_t encr_key_material_size(std::uint16_t encr_id, std::uint16_t key_bits) {
    const std::size_t key = cipher_key_size(encr_id, key_bits);
    if (key == 0) {
        throw std::invalid_argument("unsupported IKEv2 encryption transform " + encr_name(encr_id, key_bits));
    }
    return key + sk_encr(encr_id)->salt_size;
}

std::size_t integ_key_size(std::uint16_t integ_id) {
    require_integ(integ_id);
    return sk_integ(integ_id)->key_size;
}

std::size_t integ_icv_size(std::uint16_t integ_id) {
    require_integ(integ_id);
    return sk_integ(integ_id)->icv_size;
}

void check_sk_transforms(std::uint16_t encr_id, std::uint16_t key_bits, std::uint16_t integ_id) {
    (void)encr_key_material_size(encr_id, key_bits);
    require_integ(integ_id);
    if (is_aead(encr_id) && integ_id != integ_alg::none) {
        throw std::invalid_argument(encr_name(encr_id, key_bits) + " is a combined-mode cipher; integrity must be " +
                                    "NONE, not " + integ_name(integ_id));
    }
    if (!is_aead(encr_id) && integ_id == integ_alg::none) {
        throw std::invalid_argument(encr_name(encr_id, key_bits) + " needs an integrity transform");
    }
}

Bytes integrity_checksum(std::uint16_t integ_id, ByteView key, ByteView data) {
    require_integ(integ_id);
    if (integ_id == integ_alg::none) throw std::invalid_argument("integrity transform NONE has no checksum");
    if (key.size() != integ_key_size(integ_id)) {
        throw std::invalid_argument(integ_name(integ_id) + " needs a " + std::to_string(integ_key_size(integ_id)) +
                                    "-byte key, got " + std::to_string(key.size()));
    }
    Bytes mac =
        integ_id == integ_alg::aes_xcbc_96 ? aes_xcbc_mac(key, data) : hmac(sk_integ(integ_id)->digest, key, data);
    mac.resize(integ_icv_size(integ_id));
    return mac;
}

SkCipher::SkCipher(std::uint16_t encr_id, std::uint16_t encr_key_bits, std::uint16_t integ_id,
                   ByteView encr_key_material, ByteView integ_key)
    : encr_(encr_id), key_bits_(encr_key_bits), integ_(integ_id) {
    check_sk_transforms(encr_id, encr_key_bits, integ_id);
    const std::size_t material = encr_key_material_size(encr_id, encr_key_bits);
    if (encr_key_material.size() != material) {
        throw std::invalid_argument(encr_name(encr_id, encr_key_bits) + " needs " + std::to_string(material) +
                                    " bytes of key material, got " + std::to_string(encr_key_material.size()));
    }
    if (integ_key.size() != integ_key_size(integ_id)) {
        throw std::invalid_argument(integ_name(integ_id) + " needs a " + std::to_string(integ_key_size(integ_id)) +
                                    "-byte key, got " + std::to_string(integ_key.size()));
    }
    const std::size_t key = cipher_key_size(encr_id, encr_key_bits);
    encr_key_.assign(encr_key_material.begin(), encr_key_material.begin() + static_cast<std::ptrdiff_t>(key));
    salt_.assign(encr_key_material.begin() + static_cast<std::ptrdiff_t>(key), encr_key_material.end());
    integ_key_.assign(integ_key.begin(), integ_key.end());
    const Algorithm* encr = sk_encr(encr_id);
    iv_size_ = encr->iv_size;
    block_size_ = encr->block_size;
    icv_size_ = encr->aead ? encr->icv_size : sk_integ(integ_id)->icv_size;
}

std::size_t SkCipher::padding_size(std::size_t plaintext_size) const {
    const std::size_t b = block_size();
    return (b - (plaintext_size + 1) % b) % b;
}

std::size_t SkCipher::sealed_size(std::size_t plaintext_size) const {
    return iv_size() + plaintext_size + padding_size(plaintext_size) + 1 + icv_size();
}

Bytes SkCipher::seal(ByteView prefix, ByteView plaintext, ByteView iv) const {
    const Bytes padding(padding_size(plaintext.size()), 0);
    return seal_with_padding(prefix, plaintext, padding, iv);
}

Bytes SkCipher::seal(ByteView prefix, ByteView plaintext) const {
    Bytes iv(iv_size());
    if (RAND_bytes(iv.data(), static_cast<int>(iv.size())) != 1) throw_openssl("RAND_bytes");
    return seal(prefix, plaintext, iv);
}

Bytes SkCipher::seal_with_padding(ByteView prefix, ByteView plaintext, ByteView padding, ByteView iv) const {
    if (iv.size() != iv_size()) {
        throw std::invalid_argument("IV must be " + std::to_string(iv_size()) + " bytes, got " +
                                    std::to_string(iv.size()));
    }
    if (padding.size() > 255) throw std::invalid_argument("IKEv2 padding is at most 255 bytes");
    Bytes body(plaintext.begin(), plaintext.end());
    body.insert(body.end(), padding.begin(), padding.end());
    body.push_back(static_cast<std::uint8_t>(padding.size()));
    if (body.size() % block_size() != 0) {
        throw std::invalid_argument("payloads + padding + pad length (" + std::to_string(body.size()) +
                                    " bytes) is not a multiple of the block size " + std::to_string(block_size()));
    }
    return seal_body(prefix, body, iv);
}

Bytes SkCipher::seal_body(ByteView prefix, ByteView body, ByteView iv) const {
    if (iv.size() != iv_size()) {
        throw std::invalid_argument("IV must be " + std::to_string(iv_size()) + " bytes, got " +
                                    std::to_string(iv.size()));
    }
    if (body.size() % block_size() != 0) {
        throw std::invalid_argument("a body of " + std::to_string(body.size()) +
                                    " bytes is not a multiple of the block size " + std::to_string(block_size()));
    }
    const EVP_CIPHER* cipher = evp_cipher(encr_, encr_key_.size());
    Bytes out(iv.begin(), iv.end());
    if (!is_aead(encr_)) {
        const Bytes ciphertext = cbc(cipher, encr_key_, iv, body, true);
        out.insert(out.end(), ciphertext.begin(), ciphertext.end());
        Bytes authenticated(prefix.begin(), prefix.end());
        authenticated.insert(authenticated.end(), out.begin(), out.end());
        const Bytes icv = integrity_checksum(integ_, integ_key_, authenticated);
        out.insert(out.end(), icv.begin(), icv.end());
        return out;
    }
    Bytes nonce = salt_;
    nonce.insert(nonce.end(), iv.begin(), iv.end());
    CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) != 1 ||
        EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, encr_key_.data(), nonce.data()) != 1) {
        throw_openssl("AEAD init");
    }
    int n = 0;
    if (!prefix.empty() &&
        EVP_EncryptUpdate(ctx.get(), nullptr, &n, prefix.data(), static_cast<int>(prefix.size())) != 1) {
        throw_openssl("AEAD associated data");
    }
    Bytes ciphertext(body.size() + 16);
    int m = 0;
    if (EVP_EncryptUpdate(ctx.get(), ciphertext.data(), &n, body.data(), static_cast<int>(body.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), ciphertext.data() + n, &m) != 1) {
        throw_openssl("AEAD encrypt");
    }
    ciphertext.resize(static_cast<std::size_t>(n + m));
    Bytes tag(icv_size_);
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(tag.size()), tag.data()) != 1) {
        throw_openssl("AEAD tag");
    }
    out.insert(out.end(), ciphertext.begin(), ciphertext.end());
    out.insert(out.end(), tag.begin(), tag.end());
    return out;
}

Decoded<Bytes> SkCipher::open(ByteView prefix, ByteView sealed) const {
    Decoded<Bytes> opened = open_body(prefix, sealed);
    if (!opened) return opened;
    Bytes& body = opened.value();
    const std::size_t base = prefix.size();
    const std::size_t pad_length = body.back();
    if (pad_length > body.size() - 1) {
        return DecodeError{"bad_padding",
                           "Pad Length " + std::to_string(pad_length) + " exceeds the " +
                               std::to_string(body.size() - 1) + " decrypted bytes before it",
                           base + iv_size() + body.size() - 1};
    }
    body.resize(body.size() - 1 - pad_length);
    return opened;
}

Decoded<Bytes> SkCipher::open_body(ByteView prefix, ByteView sealed) const {
    const std::size_t base = prefix.size();
    const std::size_t iv_len = iv_size();
    const std::size_t icv_len = icv_size();
    if (sealed.size() < iv_len + block_size() + icv_len) {
        const std::string content =
            is_aead(encr_) ? "the Pad Length byte" : "one " + std::to_string(block_size()) + "-byte block";
        return DecodeError{"too_short",
                           "encrypted payload of " + std::to_string(sealed.size()) + " bytes cannot hold a " +
                               std::to_string(iv_len) + "-byte IV, " + content + " and a " + std::to_string(icv_len) +
                               "-byte ICV",
                           base};
    }
    const ByteView iv = sealed.first(iv_len);
    const ByteView ciphertext = sealed.subspan(iv_len, sealed.size() - iv_len - icv_len);
    const ByteView icv = sealed.last(icv_len);
    const std::size_t icv_offset = base + sealed.size() - icv_len;
    const EVP_CIPHER* cipher = evp_cipher(encr_, encr_key_.size());
    Bytes body;
    if (!is_aead(encr_)) {
        if (ciphertext.size() % block_size() != 0) {
            return DecodeError{"bad_length",
                               "ciphertext of " + std::to_string(ciphertext.size()) +
                                   " bytes is not a whole number of " + std::to_string(block_size()) + "-byte blocks",
                               base + iv_len};
        }
        Bytes authenticated(prefix.begin(), prefix.end());
        authenticated.insert(authenticated.end(), sealed.begin(), sealed.end() - static_cast<std::ptrdiff_t>(icv_len));
        const Bytes expected = integrity_checksum(integ_, integ_key_, authenticated);
        if (CRYPTO_memcmp(expected.data(), icv.data(), icv_len) != 0) {
            return DecodeError{"icv_mismatch", integ_name(integ_) + " checksum does not match", icv_offset};
        }
        body = cbc(cipher, encr_key_, iv, ciphertext, false);
    } else {
        Bytes nonce = salt_;
        nonce.insert(nonce.end(), iv.begin(), iv.end());
        CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
        if (!ctx || EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr) != 1 ||
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) != 1 ||
            EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, encr_key_.data(), nonce.data()) != 1) {
            throw_openssl("AEAD init");
        }
        // The tag must be set before the final call that compares it; the ctrl wants a non-const pointer.
        Bytes tag(icv.begin(), icv.end());
        int n = 0;
        if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tag.size()), tag.data()) != 1 ||
            (!prefix.empty() &&
             EVP_DecryptUpdate(ctx.get(), nullptr, &n, prefix.data(), static_cast<int>(prefix.size())) != 1)) {
            throw_openssl("AEAD setup");
        }
        body.resize(ciphertext.size() + 16);
        int m = 0;
        if (EVP_DecryptUpdate(ctx.get(), body.data(), &n, ciphertext.data(), static_cast<int>(ciphertext.size())) !=
            1) {
            throw_openssl("AEAD decrypt");
        }
        if (EVP_DecryptFinal_ex(ctx.get(), body.data() + n, &m) != 1) {
            ERR_clear_error();
            return DecodeError{"icv_mismatch", encr_name(encr_, key_bits_) + " authentication tag does not match",
                               icv_offset};
        }
        body.resize(static_cast<std::size_t>(n + m));
    }
    return body;
}

}  // namespace vpnprobe::protocol::ikev2
