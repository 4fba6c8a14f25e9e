#include "protocol/ikev2/ikev2_crypto_auth.hpp"
#include "protocol/openssl_util.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "protocol/ikev2/ikev2_crypto_prf.hpp"
#include "protocol/ikev2/ikev2_registry.hpp"

namespace vpnprobe::protocol::ikev2 {

namespace {

using X509Free = OpensslDeleter<X509_free>;
using PkeyFree = OpensslDeleter<EVP_PKEY_free>;
using MdCtxFree = OpensslDeleter<EVP_MD_CTX_free>;
using AlgorFree = OpensslDeleter<X509_ALGOR_free>;
using PssParamsFree = OpensslDeleter<RSA_PSS_PARAMS_free>;
using EcdsaSigFree = OpensslDeleter<ECDSA_SIG_free>;
using AlgorPtr = std::unique_ptr<X509_ALGOR, AlgorFree>;

SignatureCheck failed(std::string algorithm, std::string failure, std::string detail) {
    ERR_clear_error();
    return SignatureCheck{false, std::move(algorithm), std::move(failure), std::move(detail)};
}

// How to verify: digest (null for EdDSA, which hashes internally) and, for RSA, the padding and PSS parameters.
struct VerifySpec {
    std::string algorithm;
    const char* digest = nullptr;
    int rsa_padding = 0;  // 0: not RSA
    std::string mgf1_digest;
    int pss_salt = 0;
};

SignatureCheck digest_verify(EVP_PKEY* key, const VerifySpec& spec, ByteView data, ByteView signature) {
    if (signature.empty()) return failed(spec.algorithm, "bad_signature_format", "the signature is empty");
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
    if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), &pctx, spec.digest, nullptr, nullptr, key, nullptr) != 1) {
        return failed(spec.algorithm, "key_mismatch",
                      "the public key cannot verify " + spec.algorithm + ": " + drain_openssl_errors());
    }
    if (spec.rsa_padding != 0) {
        // A key of type RSA-PSS (a certificate with an id-RSASSA-PSS key) is PSS-only and refuses set_rsa_padding;
        // its padding is PSS already.
        if (EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_CTX_set_rsa_padding(pctx, spec.rsa_padding) != 1) {
            return failed(spec.algorithm, "key_mismatch", "cannot set RSA padding: " + drain_openssl_errors());
        }
        if (spec.rsa_padding == RSA_PKCS1_PSS_PADDING &&
            (EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, spec.pss_salt) != 1 ||
             EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, spec.mgf1_digest.c_str(), nullptr) != 1)) {
            return failed(spec.algorithm, "key_mismatch", "cannot set PSS parameters: " + drain_openssl_errors());
        }
    }
    const int rc = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data.data(), data.size());
    if (rc == 1) return SignatureCheck{true, spec.algorithm, "", ""};
    const std::string errors = drain_openssl_errors();
    return failed(spec.algorithm, "signature_mismatch",
                  "the signature does not verify over the signed octets" + (errors.empty() ? "" : " (" + errors + ")"));
}

// "prime256v1" or "P-256" to a NID, as EVP_PKEY_get_group_name may give either.
int curve_nid_of(EVP_PKEY* key) {
    std::array<char, 80> name{};
    std::size_t len = 0;
    if (!EVP_PKEY_is_a(key, "EC") || EVP_PKEY_get_group_name(key, name.data(), name.size(), &len) != 1) {
        return NID_undef;
    }
    int nid = OBJ_sn2nid(name.data());
    if (nid == NID_undef) nid = EC_curve_nist2nid(name.data());
    return nid;
}

// Methods 9, 10, 11 (RFC 4754): fixed curve and hash, signature r | s.
SignatureCheck verify_rfc4754(EVP_PKEY* key, int curve_nid, const char* curve, const char* digest,
                              std::size_t coordinate_size, ByteView data, ByteView signature) {
    const std::string algorithm = std::string("ECDSA ") + curve + " with " + digest;
    if (curve_nid_of(key) != curve_nid) {
        return failed(algorithm, "key_mismatch", std::string("the method needs a ") + curve + " key");
    }
    if (signature.size() != 2 * coordinate_size) {
        return failed(
            algorithm, "bad_signature_format",
            "r | s must be " + std::to_string(2 * coordinate_size) + " bytes, got " + std::to_string(signature.size()));
    }
    // EVP verifies DER ECDSA-Sig-Value; RFC 4754's fixed-size r | s is re-encoded.
    std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(signature.data(), static_cast<int>(coordinate_size), nullptr);
    BIGNUM* s = BN_bin2bn(signature.data() + coordinate_size, static_cast<int>(coordinate_size), nullptr);
    if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        return failed(algorithm, "bad_signature_format", "cannot convert r | s: " + drain_openssl_errors());
    }
    unsigned char* der = nullptr;
    const int der_len = i2d_ECDSA_SIG(sig.get(), &der);
    if (der_len <= 0) return failed(algorithm, "bad_signature_format", "cannot encode r | s");
    const Bytes der_sig(der, der + der_len);
    OPENSSL_free(der);
    VerifySpec spec;
    spec.algorithm = algorithm;
    spec.digest = digest;
    return digest_verify(key, spec, data, der_sig);
}

std::string oid_text(const ASN1_OBJECT* obj) {
    std::array<char, 128> buf{};
    OBJ_obj2txt(buf.data(), static_cast<int>(buf.size()), obj, 1);
    return buf.data();
}

// Digest names for the hashes RFC 7427 signatures use here.
const char* digest_for(int nid) {
    switch (nid) {
    case NID_sha1:
        return "SHA1";
    case NID_sha256:
        return "SHA256";
    case NID_sha384:
        return "SHA384";
    case NID_sha512:
        return "SHA512";
    default:
        return nullptr;
    }
}

// An ASN.1 SEQUENCE parameter of an AlgorithmIdentifier, decoded as another AlgorithmIdentifier (MGF1's hash).
AlgorPtr inner_algorithm(const X509_ALGOR* alg) {
    const ASN1_OBJECT* obj = nullptr;
    int ptype = 0;
    const void* pval = nullptr;
    X509_ALGOR_get0(&obj, &ptype, &pval, alg);
    if (ptype != V_ASN1_SEQUENCE || pval == nullptr) return nullptr;
    const auto* seq = static_cast<const ASN1_STRING*>(pval);
    const unsigned char* p = ASN1_STRING_get0_data(seq);
    return AlgorPtr(d2i_X509_ALGOR(nullptr, &p, ASN1_STRING_length(seq)));
}

// RSASSA-PSS-params (RFC 4055 section 3.1); absent fields take the defaults SHA-1, MGF1 with SHA-1, salt 20.
bool pss_spec(const void* pval, int ptype, VerifySpec& spec, std::string& problem) {
    int hash_nid = NID_sha1;
    int mgf1_nid = NID_sha1;
    long salt = 20;
    if (ptype == V_ASN1_SEQUENCE && pval != nullptr) {
        const auto* seq = static_cast<const ASN1_STRING*>(pval);
        const unsigned char* p = ASN1_STRING_get0_data(seq);
        std::unique_ptr<RSA_PSS_PARAMS, PssParamsFree> params(d2i_RSA_PSS_PARAMS(nullptr, &p, ASN1_STRING_length(seq)));
        if (!params) {
            problem = "RSASSA-PSS parameters do not parse";
            return false;
        }
        if (params->hashAlgorithm != nullptr) hash_nid = OBJ_obj2nid(params->hashAlgorithm->algorithm);
        if (params->maskGenAlgorithm != nullptr) {
            if (OBJ_obj2nid(params->maskGenAlgorithm->algorithm) != NID_mgf1) {
                problem = "mask generation function " + oid_text(params->maskGenAlgorithm->algorithm) + " is not MGF1";
                return false;
            }
            AlgorPtr mgf1_hash = inner_algorithm(params->maskGenAlgorithm);
            if (!mgf1_hash) {
                problem = "MGF1 parameters do not parse";
                return false;
            }
            mgf1_nid = OBJ_obj2nid(mgf1_hash->algorithm);
        }
        if (params->saltLength != nullptr) salt = ASN1_INTEGER_get(params->saltLength);
        if (params->trailerField != nullptr && ASN1_INTEGER_get(params->trailerField) != 1) {
            problem = "RSASSA-PSS trailerField is not 1";
            return false;
        }
    } else if (ptype != V_ASN1_UNDEF) {
        // The parameters may be absent (all defaults) but not of another type, not even NULL (RFC 4055 section 3.1).
        problem = "RSASSA-PSS parameters are not a SEQUENCE";
        return false;
    }
    spec.digest = digest_for(hash_nid);
    const char* mgf1 = digest_for(mgf1_nid);
    if (spec.digest == nullptr || mgf1 == nullptr || salt < 0 || salt > 1024) {
        problem = "unsupported RSASSA-PSS hash, MGF1 hash or salt length";
        return false;
    }
    spec.mgf1_digest = mgf1;
    spec.pss_salt = static_cast<int>(salt);
    spec.rsa_padding = RSA_PKCS1_PSS_PADDING;
    spec.algorithm =
        std::string("RSASSA-PSS (") + spec.digest + ", MGF1 with " + mgf1 + ", salt " + std::to_string(salt) + ")";
    return true;
}

// Method 14 (RFC 7427 section 3).
SignatureCheck verify_rfc7427(EVP_PKEY* key, ByteView auth_data, ByteView data) {
    if (auth_data.empty() || auth_data[0] == 0 || auth_data.size() < 1u + auth_data[0]) {
        return failed("", "bad_algorithm_identifier",
                      "the ASN.1 length byte does not fit the " + std::to_string(auth_data.size()) + "-byte AUTH data");
    }
    const std::size_t alg_len = auth_data[0];
    const unsigned char* p = auth_data.data() + 1;
    AlgorPtr alg(d2i_X509_ALGOR(nullptr, &p, static_cast<long>(alg_len)));
    if (!alg || p != auth_data.data() + 1 + alg_len) {
        return failed("", "bad_algorithm_identifier",
                      "the " + std::to_string(alg_len) + " bytes after the length are not one DER AlgorithmIdentifier");
    }
    const ByteView signature = auth_data.subspan(1 + alg_len);
    const ASN1_OBJECT* obj = nullptr;
    int ptype = 0;
    const void* pval = nullptr;
    X509_ALGOR_get0(&obj, &ptype, &pval, alg.get());
    const int nid = OBJ_obj2nid(obj);

    struct Known {
        int nid;
        const char* name;
        const char* key_type;
        const char* digest;
        int rsa_padding;
    };
    static constexpr std::array<Known, 10> known = {{
        {NID_sha1WithRSAEncryption, "sha1WithRSAEncryption", "RSA", "SHA1", RSA_PKCS1_PADDING},
        {NID_sha256WithRSAEncryption, "sha256WithRSAEncryption", "RSA", "SHA256", RSA_PKCS1_PADDING},
        {NID_sha384WithRSAEncryption, "sha384WithRSAEncryption", "RSA", "SHA384", RSA_PKCS1_PADDING},
        {NID_sha512WithRSAEncryption, "sha512WithRSAEncryption", "RSA", "SHA512", RSA_PKCS1_PADDING},
        {NID_ecdsa_with_SHA1, "ecdsa-with-SHA1", "EC", "SHA1", 0},
        {NID_ecdsa_with_SHA256, "ecdsa-with-SHA256", "EC", "SHA256", 0},
        {NID_ecdsa_with_SHA384, "ecdsa-with-SHA384", "EC", "SHA384", 0},
        {NID_ecdsa_with_SHA512, "ecdsa-with-SHA512", "EC", "SHA512", 0},
        {NID_ED25519, "Ed25519", "ED25519", nullptr, 0},
        {NID_ED448, "Ed448", "ED448", nullptr, 0},
    }};
    VerifySpec spec;
    if (nid == NID_rsassaPss) {
        std::string problem;
        if (!pss_spec(pval, ptype, spec, problem)) return failed("RSASSA-PSS", "bad_algorithm_identifier", problem);
        if (!EVP_PKEY_is_a(key, "RSA") && !EVP_PKEY_is_a(key, "RSA-PSS")) {
            return failed(spec.algorithm, "key_mismatch", "RSASSA-PSS needs an RSA key");
        }
        return digest_verify(key, spec, data, signature);
    }
    for (const Known& k : known) {
        if (k.nid != nid) continue;
        if (!EVP_PKEY_is_a(key, k.key_type)) {
            return failed(k.name, "key_mismatch", std::string(k.name) + " needs a key of type " + k.key_type);
        }
        spec.algorithm = k.name;
        spec.digest = k.digest;
        spec.rsa_padding = k.rsa_padding;
        return digest_verify(key, spec, data, signature);
    }
    return failed(oid_text(obj), "unsupported_algorithm", "signature algorithm " + oid_text(obj) + " is not supported");
}

SignatureCheck verify_with_key(std::uint8_t method, ByteView auth_data, ByteView data, EVP_PKEY* key) {
    switch (method) {
    case auth_method::rsa_signature: {
        VerifySpec spec;
        spec.algorithm = "RSA PKCS#1 v1.5 with SHA-1";
        if (!EVP_PKEY_is_a(key, "RSA")) {
            return failed(spec.algorithm, "key_mismatch", "the method needs an RSA key");
        }
        spec.digest = "SHA1";
        spec.rsa_padding = RSA_PKCS1_PADDING;
        return digest_verify(key, spec, data, auth_data);
    }
    case auth_method::ecdsa_sha256_p256:
        return verify_rfc4754(key, NID_X9_62_prime256v1, "P-256", "SHA-256", 32, data, auth_data);
    case auth_method::ecdsa_sha384_p384:
        return verify_rfc4754(key, NID_secp384r1, "P-384", "SHA-384", 48, data, auth_data);
    case auth_method::ecdsa_sha512_p521:
        return verify_rfc4754(key, NID_secp521r1, "P-521", "SHA-512", 66, data, auth_data);
    case auth_method::digital_signature:
        return verify_rfc7427(key, auth_data, data);
    default:
        return failed(
            "", "unsupported_method",
            auth_method_name(method) + " (" + std::to_string(method) + ") is not a signature method " + "handled here");
    }
}

}  // namespace

Bytes auth_signed_octets(std::uint16_t prf_id, ByteView real_message, ByteView peer_nonce, ByteView sk_p,
                         ByteView id_payload_body) {
    const Bytes maced_id = prf(prf_id, sk_p, id_payload_body);
    Bytes out(real_message.begin(), real_message.end());
    out.insert(out.end(), peer_nonce.begin(), peer_nonce.end());
    out.insert(out.end(), maced_id.begin(), maced_id.end());
    return out;
}

Bytes shared_key_auth_data(std::uint16_t prf_id, ByteView shared_secret, ByteView signed_octets) {
    static constexpr std::string_view key_pad = "Key Pad for IKEv2";  // RFC 7296 section 2.15, no terminator
    const ByteView pad(reinterpret_cast<const std::uint8_t*>(key_pad.data()), key_pad.size());
    return prf(prf_id, prf(prf_id, shared_secret, pad), signed_octets);
}

SignatureCheck verify_auth_signature(std::uint8_t auth_method, ByteView auth_data, ByteView signed_octets,
                                     ByteView certificate_der) {
    const unsigned char* p = certificate_der.data();
    std::unique_ptr<X509, X509Free> cert(d2i_X509(nullptr, &p, static_cast<long>(certificate_der.size())));
    if (!cert) return failed("", "bad_certificate", "the certificate is not DER X.509: " + drain_openssl_errors());
    EVP_PKEY* key = X509_get0_pubkey(cert.get());  // owned by cert
    if (key == nullptr) {
        return failed("", "bad_certificate", "the certificate's public key is not usable: " + drain_openssl_errors());
    }
    return verify_with_key(auth_method, auth_data, signed_octets, key);
}

SignatureCheck verify_auth_signature_with_key(std::uint8_t auth_method, ByteView auth_data, ByteView signed_octets,
                                              EVP_PKEY* public_key) {
    if (public_key == nullptr)
        return failed("", "bad_certificate", "the certificate's public key is not usable: " + drain_openssl_errors());
    return verify_with_key(auth_method, auth_data, signed_octets, public_key);
}

SignatureCheck verify_auth_signature_with_spki(std::uint8_t auth_method, ByteView auth_data, ByteView signed_octets,
                                               ByteView subject_public_key_info_der) {
    const unsigned char* p = subject_public_key_info_der.data();
    std::unique_ptr<EVP_PKEY, PkeyFree> key(
        d2i_PUBKEY(nullptr, &p, static_cast<long>(subject_public_key_info_der.size())));
    if (!key) {
        return failed("", "bad_certificate", "the SubjectPublicKeyInfo does not parse: " + drain_openssl_errors());
    }
    return verify_with_key(auth_method, auth_data, signed_octets, key.get());
}

}  // namespace vpnprobe::protocol::ikev2
