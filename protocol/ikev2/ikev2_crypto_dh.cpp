#include "protocol/ikev2/ikev2_crypto_dh.hpp"
#include "protocol/openssl_util.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "protocol/ikev2/ikev2_registry.hpp"

namespace vpnprobe::protocol::ikev2 {

namespace {

using PkeyFree = OpensslDeleter<EVP_PKEY_free>;
using PkeyCtxFree = OpensslDeleter<EVP_PKEY_CTX_free>;
using BnFree = OpensslDeleter<BN_clear_free>;
using BnCtxFree = OpensslDeleter<BN_CTX_free>;
using EcGroupFree = OpensslDeleter<EC_GROUP_free>;
using EcPointFree = OpensslDeleter<EC_POINT_free>;
using ParamBldFree = OpensslDeleter<OSSL_PARAM_BLD_free>;
using ParamFree = OpensslDeleter<OSSL_PARAM_free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using BnCtxPtr = std::unique_ptr<BN_CTX, BnCtxFree>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, EcGroupFree>;
using EcPointPtr = std::unique_ptr<EC_POINT, EcPointFree>;

[[noreturn]] void throw_openssl(const std::string& what) {
    const std::string errors = drain_openssl_errors();
    throw std::runtime_error(errors.empty() ? what : what + ": " + errors);
}

enum class Kind { modp, ecp, curve };

struct Group {
    std::uint16_t id;
    Kind kind;
    // OpenSSL's name: the named FFC group, the curve, or the key type. Group 2 has none (OpenSSL 3.0 knows no
    // "modp_1024"), so its domain parameters are built from the RFC 2409 prime.
    const char* ossl_name;
    int curve_nid;  // ECP only
    // From the registry's row (ikev2_registry.hpp), filled in by groups():
    const char* name = nullptr;  // "MODP_2048"
    std::size_t size = 0;  // prime length (MODP), field size (ECP: half the KE data), key length (curves)
};

// The groups implemented here and their OpenSSL names; names and sizes come from the registry.
constexpr std::array<Group, 12> implemented_groups = {{
    {dh_group::modp1024, Kind::modp, nullptr, 0},
    {dh_group::modp1536, Kind::modp, "modp_1536", 0},
    {dh_group::modp2048, Kind::modp, "modp_2048", 0},
    {dh_group::modp3072, Kind::modp, "modp_3072", 0},
    {dh_group::modp4096, Kind::modp, "modp_4096", 0},
    {dh_group::modp6144, Kind::modp, "modp_6144", 0},
    {dh_group::modp8192, Kind::modp, "modp_8192", 0},
    {dh_group::ecp256, Kind::ecp, "P-256", NID_X9_62_prime256v1},
    {dh_group::ecp384, Kind::ecp, "P-384", NID_secp384r1},
    {dh_group::ecp521, Kind::ecp, "P-521", NID_secp521r1},
    {dh_group::curve25519, Kind::curve, "X25519", 0},
    {dh_group::curve448, Kind::curve, "X448", 0},
}};

const std::array<Group, 12>& groups() {
    static const std::array<Group, 12> filled = [] {
        std::array<Group, 12> out = implemented_groups;
        for (Group& g : out) {
            const Algorithm* a = find_algorithm(TransformType::ke, g.id);
            g.name = a->name.data();  // a string literal in the registry, so NUL-terminated
            g.size = g.kind == Kind::ecp ? a->ke_size / 2u : a->ke_size;
        }
        return out;
    }();
    return filled;
}

const Group* find_group(std::uint16_t id) {
    for (const Group& g : groups()) {
        if (g.id == id) return &g;
    }
    return nullptr;
}

const Group& require_group(std::uint16_t id) {
    const Group* g = find_group(id);
    if (g == nullptr) {
        throw std::invalid_argument("unsupported IKEv2 key exchange method " +
                                    transform_id_name(static_cast<std::uint8_t>(TransformType::ke), id));
    }
    return *g;
}

BnPtr bn_from(ByteView bytes) {
    BnPtr bn(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
    if (!bn) throw_openssl("BN_bin2bn");
    return bn;
}

Bytes bn_padded(const BIGNUM* bn, std::size_t size) {
    Bytes out(size);
    if (BN_bn2binpad(bn, out.data(), static_cast<int>(size)) < 0) {
        throw std::runtime_error("number does not fit in " + std::to_string(size) + " bytes");
    }
    return out;
}

// The MODP prime from OpenSSL's copies of RFC 2409 section 6.2 and RFC 3526 (used for range checks and for the
// deterministic public value; the key itself is built from the named group where OpenSSL has one).
BnPtr modp_prime(const Group& g) {
    BIGNUM* p = nullptr;
    switch (g.id) {
    case dh_group::modp1024:
        p = BN_get_rfc2409_prime_1024(nullptr);
        break;
    case dh_group::modp1536:
        p = BN_get_rfc3526_prime_1536(nullptr);
        break;
    case dh_group::modp2048:
        p = BN_get_rfc3526_prime_2048(nullptr);
        break;
    case dh_group::modp3072:
        p = BN_get_rfc3526_prime_3072(nullptr);
        break;
    case dh_group::modp4096:
        p = BN_get_rfc3526_prime_4096(nullptr);
        break;
    case dh_group::modp6144:
        p = BN_get_rfc3526_prime_6144(nullptr);
        break;
    case dh_group::modp8192:
        p = BN_get_rfc3526_prime_8192(nullptr);
        break;
    default:
        break;
    }
    if (p == nullptr) throw_openssl("no prime for " + std::string(g.name));
    return BnPtr(p);
}

EcGroupPtr ec_group(const Group& g) {
    EcGroupPtr group(EC_GROUP_new_by_curve_name(g.curve_nid));
    if (!group) throw_openssl(std::string("EC_GROUP_new_by_curve_name ") + g.name);
    return group;
}

// The curve of an ECP group, made once per process: building it was a third of an SA_INIT-only probe's CPU once
// the key pair was reused. Only read afterwards (const EC_GROUP in every call), which OpenSSL allows from many
// threads at once; the function-local static is initialized once, thread-safely.
const EC_GROUP& shared_ec_group(const Group& g) {
    static const std::array<EcGroupPtr, 3> curves = [] {
        std::array<EcGroupPtr, 3> out;
        std::size_t i = 0;
        for (const Group& x : groups())
            if (x.kind == Kind::ecp && i < out.size()) out[i++] = ec_group(x);
        return out;
    }();
    for (const auto& c : curves)
        if (c && EC_GROUP_get_curve_name(c.get()) == g.curve_nid) return *c;
    throw std::logic_error(std::string("no shared curve for ") + g.name);
}

// MODP domain parameters as OSSL_PARAMs: the named group, or p and g = 2 for group 2. (Group 2 gets no q: with
// q = (p-1)/2 OpenSSL 3.0's DH key generation fails with "BN lib"; without it the private key is a random
// 1023-bit number and the public key check is the range check, which we do ourselves anyway.)
void push_modp_domain(OSSL_PARAM_BLD* bld, const Group& g, std::vector<BnPtr>& keep) {
    if (g.ossl_name != nullptr) {
        if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g.ossl_name, 0) != 1) {
            throw_openssl("push group name");
        }
        return;
    }
    BnPtr p = modp_prime(g);
    BnPtr two(BN_new());
    if (!two || BN_set_word(two.get(), 2) != 1) throw_openssl("BN");
    if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, two.get()) != 1) {
        throw_openssl("push FFC parameters");
    }
    // OSSL_PARAM_BLD keeps pointers to the BIGNUMs until OSSL_PARAM_BLD_to_param() copies them.
    keep.push_back(std::move(p));
    keep.push_back(std::move(two));
}

// Builds an EVP_PKEY of the group from explicit components. `priv`/`pub` may be null (then not pushed);
// `ec_point` is the 0x04 | x | y encoding for ECP public keys.
PkeyPtr pkey_fromdata(const Group& g, int selection, const BIGNUM* priv, const BIGNUM* modp_pub, ByteView ec_point) {
    std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
    if (!bld) throw_openssl("OSSL_PARAM_BLD_new");
    std::vector<BnPtr> keep;
    const char* keytype = "DH";
    if (g.kind == Kind::modp) {
        push_modp_domain(bld.get(), g, keep);
        if (modp_pub != nullptr && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, modp_pub) != 1) {
            throw_openssl("push public key");
        }
    } else {
        keytype = "EC";
        if (OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, g.ossl_name, 0) != 1 ||
            (!ec_point.empty() && OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, ec_point.data(),
                                                                   ec_point.size()) != 1)) {
            throw_openssl("push EC parameters");
        }
    }
    if (priv != nullptr && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1) {
        throw_openssl("push private key");
    }
    std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, keytype, nullptr));
    EVP_PKEY* pkey = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &pkey, selection, params.get()) != 1) {
        throw_openssl(std::string("EVP_PKEY_fromdata for ") + g.name);
    }
    return PkeyPtr(pkey);
}

// The bound of a group's public value as g.size big-endian bytes, made once per process (read-only after, shared by
// all threads): MODP p - 1, ECP the field prime p. A value of exactly g.size bytes compares with it byte by byte
// (memcmp of equal-length big-endian numbers is their numeric order), so the range checks need no BIGNUM.
const Bytes& value_bound(const Group& g) {
    static const std::vector<std::pair<std::uint16_t, Bytes>> bounds = [] {
        std::vector<std::pair<std::uint16_t, Bytes>> out;
        for (const Group& x : groups()) {
            if (x.kind == Kind::modp) {
                BnPtr p = modp_prime(x);
                if (BN_sub_word(p.get(), 1) != 1) throw_openssl("BN_sub_word");
                out.emplace_back(x.id, bn_padded(p.get(), x.size));
            } else if (x.kind == Kind::ecp) {
                BnPtr p(BN_new());
                if (!p || EC_GROUP_get_curve(&shared_ec_group(x), p.get(), nullptr, nullptr, nullptr) != 1)
                    throw_openssl("EC_GROUP_get_curve");
                out.emplace_back(x.id, bn_padded(p.get(), x.size));
            }
        }
        return out;
    }();
    for (const auto& [id, bound] : bounds)
        if (id == g.id) return bound;
    throw std::logic_error(std::string("no bound for ") + g.name);
}

// The checks of the header comment that need neither an EVP_PKEY nor our private key, each with its own message:
// the length, a MODP value's range, an ECP point's coordinates and curve equation.
void check_form(const Group& g, ByteView value) {
    const std::size_t expected = g.kind == Kind::ecp ? 2 * g.size : g.size;
    if (value.size() != expected) {
        throw std::invalid_argument(std::string(g.name) + " public value must be " + std::to_string(expected) +
                                    " bytes, got " + std::to_string(value.size()));
    }
    if (g.kind == Kind::modp) {
        const Bytes& p_minus_1 = value_bound(g);
        const bool high_zero = std::all_of(value.begin(), value.end() - 1, [](std::uint8_t b) { return b == 0; });
        if (high_zero && value.back() <= 1) {
            throw std::invalid_argument(std::string(g.name) + " public value is " + (value.back() == 0 ? "0" : "1") +
                                        ", which makes the shared secret predictable");
        }
        const int cmp = std::memcmp(value.data(), p_minus_1.data(), value.size());
        if (cmp == 0) {
            throw std::invalid_argument(std::string(g.name) +
                                        " public value is p-1, which makes the shared secret predictable");
        }
        if (cmp > 0) throw std::invalid_argument(std::string(g.name) + " public value is not below the prime p");
    } else if (g.kind == Kind::ecp) {
        const EC_GROUP* group = &shared_ec_group(g);
        const Bytes& p = value_bound(g);
        if (std::memcmp(value.data(), p.data(), g.size) >= 0 ||
            std::memcmp(value.data() + g.size, p.data(), g.size) >= 0) {
            throw std::invalid_argument(std::string(g.name) +
                                        " public value has a coordinate not below the field prime");
        }
        BnCtxPtr bnctx(BN_CTX_new());
        if (!bnctx) throw_openssl("BN_CTX_new");
        BnPtr x = bn_from(value.first(g.size));
        BnPtr y = bn_from(value.subspan(g.size));
        EcPointPtr point(EC_POINT_new(group));
        if (!point) throw_openssl("EC_POINT_new");
        // OpenSSL 3's EC_POINT_set_affine_coordinates refuses a point off the curve (it asks EC_POINT_is_on_curve
        // itself): asking again cost a third of this check. test_ikev2_crypto's off-curve points keep it honest.
        if (EC_POINT_set_affine_coordinates(group, point.get(), x.get(), y.get(), bnctx.get()) != 1) {
            ERR_clear_error();
            throw std::invalid_argument(std::string(g.name) + " public value is not a point on the curve");
        }
    }
}

// check_form(), then the peer's public key as an EVP_PKEY.
PkeyPtr build_peer_key(const Group& g, ByteView value) {
    check_form(g, value);
    if (g.kind == Kind::modp) return pkey_fromdata(g, EVP_PKEY_PUBLIC_KEY, nullptr, bn_from(value).get(), {});
    if (g.kind == Kind::ecp) {
        Bytes encoded;
        encoded.reserve(1 + value.size());
        encoded.push_back(0x04);
        encoded.insert(encoded.end(), value.begin(), value.end());
        return pkey_fromdata(g, EVP_PKEY_PUBLIC_KEY, nullptr, nullptr, encoded);
    }
    PkeyPtr key(EVP_PKEY_new_raw_public_key_ex(nullptr, g.ossl_name, nullptr, value.data(), value.size()));
    if (!key) throw_openssl(std::string("raw public key for ") + g.name);
    return key;
}

// build_peer_key() and then, for the named MODP groups whose q OpenSSL knows, OpenSSL's full public key check,
// which adds subgroup membership (y^q = 1). Not for ECP: the NIST curves of groups 19-21 have cofactor 1, so a point
// on the curve (check_form) is already in the prime-order group (RFC 6989 2.3 asks for the curve check alone), and
// OpenSSL's order check (the order times the point, a full scalar multiplication) was a quarter of a full probe's
// CPU. Not for Curve25519/448 either: their low-order points are refused by the all-zero secret (RFC 8031).
PkeyPtr peer_key(const Group& g, ByteView value) {
    PkeyPtr key = build_peer_key(g, value);
    if (g.kind != Kind::modp) return key;
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    if (!ctx) throw_openssl("EVP_PKEY_CTX_new_from_pkey");
    if (EVP_PKEY_public_check(ctx.get()) != 1) {
        const std::string errors = drain_openssl_errors();
        throw std::invalid_argument(std::string(g.name) + " public value rejected by OpenSSL's public key check" +
                                    (g.kind == Kind::modp ? " (not in the prime-order subgroup)" : "") +
                                    (errors.empty() ? "" : ": " + errors));
    }
    return key;
}

Bytes public_value_of(const Group& g, EVP_PKEY* pkey) {
    if (g.kind == Kind::modp) {
        BIGNUM* raw = nullptr;
        if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, &raw) != 1) throw_openssl("get DH public key");
        BnPtr y(raw);
        return bn_padded(y.get(), g.size);
    }
    if (g.kind == Kind::ecp) {
        BIGNUM* rx = nullptr;
        BIGNUM* ry = nullptr;
        const int ok_x = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &rx);
        const int ok_y = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &ry);
        BnPtr x(rx);
        BnPtr y(ry);
        if (ok_x != 1 || ok_y != 1) throw_openssl("get EC public key");
        Bytes out = bn_padded(x.get(), g.size);
        const Bytes ys = bn_padded(y.get(), g.size);
        out.insert(out.end(), ys.begin(), ys.end());
        return out;
    }
    Bytes out(g.size);
    std::size_t len = out.size();
    if (EVP_PKEY_get_raw_public_key(pkey, out.data(), &len) != 1 || len != g.size) {
        throw_openssl("get raw public key");
    }
    return out;
}

}  // namespace

struct KeyExchange::Impl {
    const Group* group = nullptr;
    PkeyPtr pkey;
    Bytes public_value;
};

bool is_supported_dh_group(std::uint16_t group) { return find_group(group) != nullptr; }

std::size_t dh_shared_secret_size(std::uint16_t group) { return require_group(group).size; }

void validate_peer_public_value(std::uint16_t group, ByteView public_value) {
    (void)peer_key(require_group(group), public_value);
}

void check_peer_public_value_form(std::uint16_t group, ByteView public_value) {
    check_form(require_group(group), public_value);
}

KeyExchange::KeyExchange(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KeyExchange::KeyExchange(KeyExchange&&) noexcept = default;
KeyExchange& KeyExchange::operator=(KeyExchange&&) noexcept = default;
KeyExchange::~KeyExchange() = default;

KeyExchange::KeyExchange(std::uint16_t group) : impl_(std::make_unique<Impl>()) {
    const Group& g = require_group(group);
    impl_->group = &g;
    EVP_PKEY* pkey = nullptr;
    if (g.kind == Kind::modp) {
        PkeyPtr domain = pkey_fromdata(g, EVP_PKEY_KEY_PARAMETERS, nullptr, nullptr, {});
        PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, domain.get(), nullptr));
        if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_generate(ctx.get(), &pkey) != 1) {
            throw_openssl(std::string("DH key generation for ") + g.name);
        }
    } else if (g.kind == Kind::ecp) {
        pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", g.ossl_name);
    } else {
        pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, g.ossl_name);
    }
    if (pkey == nullptr) throw_openssl(std::string("key generation for ") + g.name);
    impl_->pkey.reset(pkey);
    impl_->public_value = public_value_of(g, pkey);
}

KeyExchange KeyExchange::from_private_key(std::uint16_t group, ByteView private_key) {
    const Group& g = require_group(group);
    auto impl = std::make_unique<Impl>();
    impl->group = &g;
    if (g.kind == Kind::curve) {
        if (private_key.size() != g.size) {
            throw std::invalid_argument(std::string(g.name) + " private key must be " + std::to_string(g.size) +
                                        " bytes, got " + std::to_string(private_key.size()));
        }
        impl->pkey.reset(
            EVP_PKEY_new_raw_private_key_ex(nullptr, g.ossl_name, nullptr, private_key.data(), private_key.size()));
        if (!impl->pkey) throw_openssl(std::string("raw private key for ") + g.name);
    } else {
        if (private_key.empty() || private_key.size() > g.size) {
            throw std::invalid_argument(std::string(g.name) + " private key must be 1.." + std::to_string(g.size) +
                                        " bytes, got " + std::to_string(private_key.size()));
        }
        BnPtr priv = bn_from(private_key);
        BnCtxPtr bnctx(BN_CTX_new());
        if (!bnctx) throw_openssl("BN_CTX_new");
        if (g.kind == Kind::modp) {
            // The public value is computed here because OpenSSL 3.0's EVP_PKEY_fromdata does not derive it.
            BnPtr p = modp_prime(g);
            BnPtr limit(BN_dup(p.get()));
            if (!limit || BN_sub_word(limit.get(), 2) != 1) throw_openssl("BN");
            if (BN_cmp(priv.get(), BN_value_one()) <= 0 || BN_cmp(priv.get(), limit.get()) > 0) {
                throw std::invalid_argument(std::string(g.name) + " private key must be in 2..p-2");
            }
            BnPtr two(BN_new());
            BnPtr pub(BN_new());
            if (!two || !pub || BN_set_word(two.get(), 2) != 1 ||
                BN_mod_exp(pub.get(), two.get(), priv.get(), p.get(), bnctx.get()) != 1) {
                throw_openssl("BN_mod_exp");
            }
            impl->pkey = pkey_fromdata(g, EVP_PKEY_KEYPAIR, priv.get(), pub.get(), {});
        } else {
            EcGroupPtr group_ec = ec_group(g);
            const BIGNUM* order = EC_GROUP_get0_order(group_ec.get());
            if (BN_is_zero(priv.get()) || BN_cmp(priv.get(), order) >= 0) {
                throw std::invalid_argument(std::string(g.name) + " private key must be in 1..order-1");
            }
            EcPointPtr point(EC_POINT_new(group_ec.get()));
            BnPtr x(BN_new());
            BnPtr y(BN_new());
            if (!point || !x || !y ||
                EC_POINT_mul(group_ec.get(), point.get(), priv.get(), nullptr, nullptr, bnctx.get()) != 1 ||
                EC_POINT_get_affine_coordinates(group_ec.get(), point.get(), x.get(), y.get(), bnctx.get()) != 1) {
                throw_openssl("EC_POINT_mul");
            }
            Bytes encoded{0x04};
            const Bytes xs = bn_padded(x.get(), g.size);
            const Bytes ys = bn_padded(y.get(), g.size);
            encoded.insert(encoded.end(), xs.begin(), xs.end());
            encoded.insert(encoded.end(), ys.begin(), ys.end());
            impl->pkey = pkey_fromdata(g, EVP_PKEY_KEYPAIR, priv.get(), nullptr, encoded);
        }
    }
    impl->public_value = public_value_of(g, impl->pkey.get());
    return KeyExchange(std::move(impl));
}

std::uint16_t KeyExchange::group() const { return impl_->group->id; }

const Bytes& KeyExchange::public_value() const { return impl_->public_value; }

Bytes KeyExchange::private_key() const {
    const Group& g = *impl_->group;
    if (g.kind == Kind::curve) {
        Bytes out(g.size);
        std::size_t len = out.size();
        if (EVP_PKEY_get_raw_private_key(impl_->pkey.get(), out.data(), &len) != 1 || len != g.size) {
            throw_openssl("get raw private key");
        }
        return out;
    }
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(impl_->pkey.get(), OSSL_PKEY_PARAM_PRIV_KEY, &raw) != 1) throw_openssl("get private key");
    BnPtr priv(raw);
    return bn_padded(priv.get(), g.size);
}

Bytes KeyExchange::compute_shared(ByteView peer_public_value) const {
    const Group& g = *impl_->group;
    PkeyPtr peer = peer_key(g, peer_public_value);
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, impl_->pkey.get(), nullptr));
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) throw_openssl("EVP_PKEY_derive_init");
    // IKEv2 keeps g^ir at the full prime length (RFC 7296 section 2.14); OpenSSL strips leading zeros by default.
    if (g.kind == Kind::modp && EVP_PKEY_CTX_set_dh_pad(ctx.get(), 1) != 1) throw_openssl("EVP_PKEY_CTX_set_dh_pad");
    // peer_key() has run OpenSSL's public key check already; a second one here would double the cost (a full-size
    // exponentiation for the large MODP groups).
    if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), 0) != 1) throw_openssl("EVP_PKEY_derive_set_peer_ex");
    std::size_t len = 0;
    if (EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1) throw_openssl("EVP_PKEY_derive (length)");
    Bytes secret(len);
    if (EVP_PKEY_derive(ctx.get(), secret.data(), &len) != 1) {
        if (g.kind == Kind::curve) {
            // OpenSSL's X25519/X448 fail exactly when the result is all zeros, i.e. a low-order peer point.
            ERR_clear_error();
            throw std::invalid_argument(std::string(g.name) +
                                        " public value gives the all-zero shared secret (low-order point, RFC 8031)");
        }
        throw_openssl(std::string("EVP_PKEY_derive for ") + g.name);
    }
    secret.resize(len);
    if (g.kind == Kind::curve && std::all_of(secret.begin(), secret.end(), [](std::uint8_t b) { return b == 0; })) {
        throw std::invalid_argument(std::string(g.name) + " public value gives the all-zero shared secret");
    }
    // Left-pad in case a provider ignored the pad request (the value is an integer, so leading zeros are exact).
    if (secret.size() < g.size) secret.insert(secret.begin(), g.size - secret.size(), 0);
    return secret;
}

}  // namespace vpnprobe::protocol::ikev2
