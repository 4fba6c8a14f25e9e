#include "probes/certificate_check.hpp"
#include "probes/openssl_key.hpp"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <memory>
#include <utility>

#include "probes/windows_errors.hpp"
#include "protocol/openssl_util.hpp"

namespace vpnprobe::probes {

namespace {

template <auto Free>
using Deleter = protocol::OpensslDeleter<Free>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;

std::string openssl_errors() {
    std::string all = protocol::drain_openssl_errors();
    return all.empty() ? "unknown OpenSSL error" : all;
}

std::string days(double d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", d);
    return buf;
}

// --- the private key ---

// Called by OpenSSL only when the PEM block is encrypted: that is how an encrypted key is told from a broken one,
// whatever the format (PKCS#8 "ENCRYPTED PRIVATE KEY" or a legacy "Proc-Type: 4,ENCRYPTED" block). It never
// supplies a passphrase: cert-check is offline and non-interactive, and must not hold a decrypted key longer
// than the comparison takes.
int refuse_passphrase(char*, int, int, void* asked) {
    *static_cast<bool*>(asked) = true;
    return -1;
}

PkeyPtr read_private_key(std::string_view pem) {
    if (pem.size() > static_cast<std::size_t>(INT_MAX)) throw KeyUnreadable("the key file is too large to be a key");
    ERR_clear_error();
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) throw std::runtime_error("BIO_new_mem_buf failed");
    bool asked = false;
    PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_passphrase, &asked));
    if (key) {
        ERR_clear_error();
        return key;
    }
    if (asked) {
        ERR_clear_error();
        KeyUnreadable e(
            "the private key is encrypted and cannot be read without its passphrase, which cert-check "
            "does not ask for");
        e.encrypted = true;
        throw e;
    }
    // OpenSSL's reasons name the failing step ("unsupported", "bad base64 decode"), never the key's bytes.
    throw KeyUnreadable("no PEM private key could be read: " + openssl_errors());
}

KeyFacts key_facts(const EVP_PKEY* key) {
    KeyDescription d = describe_key(key);
    KeyFacts k;
    k.key_type = d.type;
    k.key_bits = d.bits;
    k.curve = d.curve;
    return k;
}

KeyFacts check_key(ByteView leaf_der, std::string_view key_pem) {
    PkeyPtr key = read_private_key(key_pem);
    KeyFacts k = key_facts(key.get());
    const unsigned char* p = leaf_der.data();
    X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(leaf_der.size())));
    const EVP_PKEY* pub = x ? X509_get0_pubkey(x.get()) : nullptr;
    // EVP_PKEY_eq compares the public halves: 1 same key, 0 different, -1 different types, -2 not comparable.
    // Only 1 is a match: a key the server cannot be shown to own is a key it cannot sign with.
    k.matches = pub && EVP_PKEY_eq(pub, key.get()) == 1;
    ERR_clear_error();
    return k;
}

std::string key_text(const std::string& type, int bits, const std::string& curve) {
    return type + " " + std::to_string(bits) + (curve.empty() ? "" : " " + curve);
}

// --- findings ---

class Findings {
public:
    Findings(CertCheckResult& r, VpnUse use) : r_(r), use_(use) {}

    void add(Severity severity, std::string check, std::string detail, std::string windows_error, std::string name = {},
             bool policy_only = false) {
        CertCheckFinding f;
        f.policy_only = policy_only;
        f.severity = severity;
        f.check = std::move(check);
        f.detail = std::move(detail);
        f.windows_error = std::move(windows_error);
        f.use = use_;
        f.name = std::move(name);
        r_.findings.push_back(std::move(f));
    }
    void add(const CertificateProblem& p, std::string name = {}) {
        add(p.advisory ? Severity::warning : Severity::error, "certificate." + p.check, p.detail, p.windows_error,
            std::move(name));
    }
    VpnUse use() const { return use_; }
    // Takes back this use's finding `check` (one a more precise finding replaces).
    void drop(const std::string& check) {
        std::erase_if(r_.findings, [&](const CertCheckFinding& f) { return f.use == use_ && f.check == check; });
    }

private:
    CertCheckResult& r_;
    VpnUse use_;
};

// What a live server's certificate is judged by: expiry, names, chain, EKU, revocation info. Run once without a
// name for the faults that hold whatever is dialled, then once per name for what depends on it, so that an expired
// certificate is one finding and not one per name.
void windows_findings(const CertCheckResult& r, Findings& out) {
    auto base = windows_certificate_problems(r.leaf, r.chain, "", out.use());
    for (const auto& p : base)
        // The probe's key-size rule is what a Windows client refuses today; a certificate about to be deployed is
        // held to the stricter rule of key_strength_findings instead.
        if (p.check != "weak_key") out.add(p);
    for (const auto& name : r.options.names)
        for (const auto& p : windows_certificate_problems(r.leaf, r.chain, name, out.use()))
            if (std::none_of(base.begin(), base.end(), [&](const auto& b) { return b.check == p.check; }))
                out.add(p, name);
}

void key_match_findings(const CertCheckResult& r, Findings& out) {
    if (r.key && !r.key->matches) {
        std::string mine = key_text(r.key->key_type, r.key->key_bits, r.key->curve);
        std::string theirs = key_text(r.leaf.key_type, r.leaf.key_bits, r.leaf.curve);
        std::string detail = mine == theirs ? "the private key is another " + mine + " key than the certificate's"
                                            : "the private key is " + mine + ", the certificate's key " + theirs;
        // SSTP: a TLS server checks the pair when it loads it. OpenSSL refuses it ("key values mismatch", from
        // SSL_CTX_use_PrivateKey / SSL_CTX_check_private_key), so an OpenSSL-based SSTP server (SoftEther) does not
        // serve it; RRAS binds a certificate from the machine store together with the key the store holds for it,
        // and cannot bind one without. Either way there is no TLS handshake to answer the client, which the SSTP
        // client reports as 809 (ERROR_VPN_TIMEOUT, "the remote server is not responding"), as for any unanswered
        // TLS (see windows_errors.hpp). 809, not a certificate code, because the client never sees the certificate.
        // IKEv2: the server loads certificate and key separately and IKE_SA_INIT needs neither, so it starts and
        // answers; IKE_AUTH then fails: strongSwan logs "no private key found for '<id>'" and answers
        // N(AUTHENTICATION_FAILED) (strongswan/strongswan#2746), libreswan likewise ("unable to locate my private
        // key", libreswan/libreswan#274), and a server that signs with the wrong key sends an AUTH that does not
        // verify. Windows shows 13801 for both (ERROR_IPSEC_IKE_AUTH_FAIL, "IKE authentication credentials are
        // unacceptable"), the code it uses for every unacceptable server authentication ([IKE] in
        // windows_errors.hpp). 809 only when the server refuses to start at all.
        if (out.use() == VpnUse::sstp)
            out.add(Severity::error, "certificate.key_mismatch",
                    detail +
                        ": the SSTP server cannot use the pair; it fails to start the listener or to complete "
                        "the TLS handshake, and the Windows client sees no answer",
                    winerr::describe(winerr::ERROR_VPN_TIMEOUT));
        else
            out.add(Severity::error, "certificate.key_mismatch",
                    detail +
                        ": the IKEv2 server answers IKE_SA_INIT but cannot sign its IKE_AUTH (it answers "
                        "AUTHENTICATION_FAILED, or with an AUTH that does not verify); the Windows client shows "
                        "13801, or 809 when the server refuses to start at all",
                    winerr::describe(winerr::ERROR_IPSEC_IKE_AUTH_FAIL));
    }
}

void key_strength_findings(const CertCheckResult& r, Findings& out) {
    const auto& c = r.leaf;
    if (c.key_type == "RSA" && c.key_bits > 0 && c.key_bits < 2048) {
        // An error for a certificate about to be deployed, although a Windows client may still accept it today:
        // Microsoft is deprecating RSA under 2048 bits for TLS server authentication (Windows IT Pro blog, "TLS
        // server authentication: Deprecation of weak RSA certificates", May 2024; under 1024 bits refused since
        // advisory 2661254), OpenSSL at security level 2 (Debian's default) refuses to load such a certificate into
        // a TLS server ("ee key too small"), and NIST SP 800-131A has disallowed it since 2014. No Windows error
        // code is documented for the refusal, so none is claimed. From 1024 bits up a Windows client still accepts
        // it, so the finding is marked as the pre-change rule's, not the client's (the verdict says which).
        const bool refused = c.key_bits < 1024;
        out.add(Severity::error, "certificate.weak_key",
                "RSA key of " + std::to_string(c.key_bits) + " bits: " +
                    (refused ? "Windows refuses RSA keys under 1024 bits (advisory 2661254); "
                             : "a Windows client accepts it today, but this check requires 2048 bits: Windows is "
                               "deprecating smaller keys for TLS server certificates, ") +
                    "OpenSSL-based servers at security level 2 refuse to load it, and NIST SP 800-131A disallows it; "
                    "reissue with RSA 2048 or more, or ECDSA P-256/P-384",
                "", {}, !refused);
    } else if (c.key_type == "EC" && c.curve != "prime256v1" && c.curve != "secp384r1") {
        // Windows' IKEv2 offers ECDSA authentication with P-256 and P-384 only, and those are the curves Microsoft's
        // TLS cipher-suite documentation and certificate templates use; other curves (P-521, brainpool,
        // secp256k1) are not something every Windows client can verify.
        out.add(Severity::warning, "certificate.ec_curve",
                "EC key on curve " + (c.curve.empty() ? std::string("(unknown)") : c.curve) +
                    ": Windows VPN clients are only known to accept ECDSA on P-256 (prime256v1) and P-384 (secp384r1)",
                "");
    } else if (c.key_type != "RSA" && c.key_type != "EC") {
        out.add(Severity::warning, "certificate.key_type",
                c.key_type + " key: Windows VPN clients authenticate servers with RSA and ECDSA certificates; a " +
                    c.key_type + " certificate is not something to expect them to accept",
                "");
    }
}

void validity_findings(const CertCheckResult& r, Findings& out) {
    const auto at = r.options.at;
    auto soon = [&](const CertificateFacts& c) {
        return at >= c.not_before && at <= c.not_after && c.days_left < r.options.min_days;
    };
    const std::string expired_error = out.use() == VpnUse::sstp ? winerr::describe(winerr::CERT_E_EXPIRED)
                                                                : winerr::describe(winerr::ERROR_IPSEC_IKE_AUTH_FAIL);
    // Under --fail-under-days it is an error (a change gate), under --min-days a warning; never both.
    auto too_few = [&](const CertificateFacts& c) {
        return r.options.fail_under_days > 0 && at >= c.not_before && at <= c.not_after &&
               c.days_left < r.options.fail_under_days;
    };
    const std::string gate = std::to_string(r.options.fail_under_days);
    // Expired and not-yet-valid come from windows_findings; this is the margin a swap needs.
    if (too_few(r.leaf))
        out.add(Severity::error, "certificate.too_few_days_left",
                "the certificate expires " + format_time_utc(r.leaf.not_after) + ", " + days(r.leaf.days_left) +
                    " days after " + format_time_utc(at) + ", fewer than the " + gate +
                    " required (--fail-under-days); a Windows client accepts it until then and fails with " +
                    expired_error + " after",
                "", {}, true);
    else if (soon(r.leaf))
        out.add(Severity::warning, "certificate.expires_soon",
                "the certificate expires " + format_time_utc(r.leaf.not_after) + ", " + days(r.leaf.days_left) +
                    " days after " + format_time_utc(at) + ", fewer than the " + std::to_string(r.options.min_days) +
                    " asked for (--min-days): clients start failing with " + expired_error + " then",
                "");
    for (const auto& c : r.intermediates)
        if (too_few(c))
            out.add(Severity::error, "certificate.chain_too_few_days_left",
                    "the chain certificate " + c.subject + " expires " + format_time_utc(c.not_after) + ", " +
                        days(c.days_left) + " days after " + format_time_utc(at) + ", fewer than the " + gate +
                        " required (--fail-under-days): the chain fails with it",
                    "", {}, true);
        else if (soon(c))
            out.add(Severity::warning, "certificate.chain_expires_soon",
                    "the chain certificate " + c.subject + " expires " + format_time_utc(c.not_after) + ", " +
                        days(c.days_left) + " days after " + format_time_utc(at) + ", fewer than the " +
                        std::to_string(r.options.min_days) + " asked for: the chain fails with it",
                    "");
}

bool issuer_missing(int code) {
    return code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT || code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
           code == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
}

// The chain verdict says "unable to get local issuer certificate"; before a change the operator needs to know
// which certificate is missing. A certificate whose issuer is nowhere (not in CERT, --chain or the trust anchors)
// and that is not self-signed names it: an intermediate the server must send, or a root nobody trusts yet.
void chain_findings(const CertCheckResult& r, Findings& out) {
    for (std::size_t i = 0; i < r.chain.all_errors.size(); ++i) {
        int depth = i < r.chain.all_error_depths.size() ? r.chain.all_error_depths[i] : -1;
        if (!issuer_missing(r.chain.all_errors[i].first) || depth < 0 ||
            static_cast<std::size_t>(depth) >= r.chain.built_chain_subjects.size())
            continue;
        const std::string& subject = r.chain.built_chain_subjects[static_cast<std::size_t>(depth)];
        const CertificateFacts* c = r.leaf.subject == subject ? &r.leaf : nullptr;
        for (const auto& ic : r.intermediates)
            if (!c && ic.subject == subject) c = &ic;
        if (!c || c->self_signed) continue;
        // No chain to a trusted root can be built at all: CERT_E_CHAINING, not CERT_E_UNTRUSTEDROOT (which is a
        // chain that was built and ends in an untrusted root). It replaces the general untrusted_root finding the
        // same verifier error gave, unless a self-signed root really is in the chain.
        std::string windows = out.use() == VpnUse::sstp ? winerr::describe(winerr::CERT_E_CHAINING)
                                                        : winerr::describe(winerr::ERROR_IPSEC_IKE_AUTH_FAIL);
        bool root_in_chain = std::any_of(r.chain.all_errors.begin(), r.chain.all_errors.end(), [](const auto& e) {
            return e.first == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN || e.first == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT;
        });
        if (!root_in_chain) out.drop("certificate.untrusted_root");
        out.add(Severity::error, "certificate.chain_incomplete",
                "the issuer of " + (c == &r.leaf ? std::string("the certificate") : c->subject) + ", " + c->issuer +
                    ", is in neither the certificate file, --chain nor the trust anchors: if it is an intermediate "
                    "CA, give it with --chain and configure the server to send it (a Windows client that cannot "
                    "fetch it refuses the chain); if it is the root, every client must trust it",
                windows);
        return;
    }
}

}  // namespace

const char* to_string(VpnUse use) { return use == VpnUse::sstp ? "sstp" : "ikev2"; }

std::optional<VpnUse> parse_vpn_use(std::string_view s) {
    if (s == "sstp") return VpnUse::sstp;
    if (s == "ikev2") return VpnUse::ikev2;
    return std::nullopt;
}

std::optional<std::time_t> parse_utc_time(std::string_view s) {
    // Only the two spellings an operator types; an offset other than Z would be a second way to get the day wrong.
    if (s.size() != 10 && s.size() != 20) return std::nullopt;
    std::string text(s);
    int y = 0, mon = 0, d = 0, h = 0, min = 0, sec = 0;
    char tail = 0;
    int n = 0;
    if (s.size() == 10) {
        if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mon, &d, &n) != 3 || n != 10) return std::nullopt;
    } else if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &y, &mon, &d, &h, &min, &sec, &tail, &n) != 7 ||
               n != 20 || tail != 'Z') {
        return std::nullopt;
    }
    // sscanf takes "+1" and " 1" for a number: the fixed layout is checked character by character.
    for (std::size_t i = 0; i < s.size(); ++i) {
        bool digit_place = !(i == 4 || i == 7 || i == 10 || i == 13 || i == 16 || i == 19);
        if (digit_place && !(s[i] >= '0' && s[i] <= '9')) return std::nullopt;
    }
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = min;
    tm.tm_sec = sec;
    std::time_t t = timegm(&tm);
    // timegm normalises 2027-02-30 into March: a date that does not survive the round trip does not exist.
    std::tm back{};
    if (!gmtime_r(&t, &back) || back.tm_year != y - 1900 || back.tm_mon != mon - 1 || back.tm_mday != d ||
        back.tm_hour != h || back.tm_min != min || back.tm_sec != sec)
        return std::nullopt;
    return t;
}

bool CertCheckResult::checked(VpnUse use) const {
    return std::find(options.uses.begin(), options.uses.end(), use) != options.uses.end();
}

const CertCheckFinding* CertCheckResult::first_error(VpnUse use) const {
    for (const auto& f : findings)
        if (f.use == use && f.severity == Severity::error) return &f;
    return nullptr;
}

bool CertCheckResult::ok_for(VpnUse use) const { return checked(use) && !first_error(use); }

bool CertCheckResult::ok() const {
    return std::all_of(options.uses.begin(), options.uses.end(), [&](VpnUse u) { return ok_for(u); });
}

CertCheckResult check_certificate(const CertCheckOptions& opt) {
    CertCheckResult r;
    r.options = opt;
    r.options.key_pem.reset();
    r.options.uses.clear();
    for (VpnUse u : opt.uses)
        if (!r.checked(u)) r.options.uses.push_back(u);

    r.leaf = inspect_certificate(opt.leaf_der, opt.at);
    for (const auto& der : opt.intermediates_der) r.intermediates.push_back(inspect_certificate(der, opt.at));
    std::vector<Bytes> chain{opt.leaf_der};
    chain.insert(chain.end(), opt.intermediates_der.begin(), opt.intermediates_der.end());
    r.chain = verify_chain(chain, opt.ca_file, opt.at);
    if (opt.key_pem) r.key = check_key(opt.leaf_der, *opt.key_pem);

    for (VpnUse use : r.options.uses) {
        Findings out(r, use);
        // A mismatched key first: it stops the server before a client sees the certificate at all.
        key_match_findings(r, out);
        windows_findings(r, out);
        chain_findings(r, out);
        key_strength_findings(r, out);
        validity_findings(r, out);
    }
    // Errors before warnings within each use, so a report reads from what breaks to what is advice; the order among
    // errors (the key first, then as the probes report them) is kept.
    auto rank = [&](const CertCheckFinding& f) {
        auto use = std::find(r.options.uses.begin(), r.options.uses.end(), f.use) - r.options.uses.begin();
        return std::pair(use, f.severity == Severity::error ? 0 : 1);
    };
    std::stable_sort(r.findings.begin(), r.findings.end(),
                     [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
    return r;
}

}  // namespace vpnprobe::probes
