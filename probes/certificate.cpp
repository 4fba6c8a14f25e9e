#include "probes/certificate.hpp"
#include "probes/certificate_x509.hpp"
#include "probes/openssl_key.hpp"
#include "probes/trust_source.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <variant>

#include "probes/windows_errors.hpp"
#include "protocol/openssl_util.hpp"

namespace vpnprobe::probes {

namespace {

// --- OpenSSL ownership ---

template <auto Free>
using Deleter = protocol::OpensslDeleter<Free>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using EkuPtr = std::unique_ptr<EXTENDED_KEY_USAGE, Deleter<EXTENDED_KEY_USAGE_free>>;
using CrlDpPtr = std::unique_ptr<CRL_DIST_POINTS, Deleter<CRL_DIST_POINTS_free>>;
using AiaPtr = std::unique_ptr<AUTHORITY_INFO_ACCESS, Deleter<AUTHORITY_INFO_ACCESS_free>>;

void free_x509_stack(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
using X509StackPtr = std::unique_ptr<STACK_OF(X509), Deleter<free_x509_stack>>;

// OpenSSL's error queue, drained, so that one failure does not leak its reason into the next call's message.
std::string openssl_errors() {
    std::string all = protocol::drain_openssl_errors();
    return all.empty() ? "unknown OpenSSL error" : all;
}

X509Ptr parse_der(ByteView der) {
    ERR_clear_error();
    const unsigned char* p = der.data();
    X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!x) throw std::runtime_error("not a DER certificate: " + openssl_errors());
    // A certificate followed by bytes is a framing bug somewhere upstream; accepting it would hide that.
    if (p != der.data() + der.size())
        throw std::runtime_error("trailing data after the certificate: " + std::to_string(der.data() + der.size() - p) +
                                 " bytes");
    return x;
}

// --- text helpers ---

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string bio_text(BIO* b) {
    char* data = nullptr;
    long n = BIO_get_mem_data(b, &data);
    return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

// RFC 2253 order and escaping, but UTF-8 left readable: plain XN_FLAG_RFC2253 escapes every byte >= 0x80 as
// \XX, which turns an internationalised CN into something nobody can compare with what they typed.
std::string name_text(const X509_NAME* name) {
    BioPtr b(BIO_new(BIO_s_mem()));
    if (!b) throw std::runtime_error("BIO_new failed");
    X509_NAME_print_ex(b.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    return bio_text(b.get());
}

std::string asn1_string_utf8(const ASN1_STRING* s) {
    unsigned char* out = nullptr;
    int n = ASN1_STRING_to_UTF8(&out, s);
    if (n < 0) return {};
    std::string r(reinterpret_cast<char*>(out), static_cast<std::size_t>(n));
    OPENSSL_free(out);
    return r;
}

std::string ia5_text(const ASN1_IA5STRING* s) {
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<std::size_t>(ASN1_STRING_length(s)));
}

std::string oid_text(const ASN1_OBJECT* o) {
    char buf[128];
    int n = OBJ_obj2txt(buf, sizeof buf, o, 1);
    return n > 0 ? std::string(buf, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1)) : "";
}

std::string ip_octets_text(const ASN1_OCTET_STRING* s) {
    const unsigned char* d = ASN1_STRING_get0_data(s);
    int len = ASN1_STRING_length(s);
    char buf[INET6_ADDRSTRLEN] = {};
    if (len == 4 && inet_ntop(AF_INET, d, buf, sizeof buf)) return buf;
    if (len == 16 && inet_ntop(AF_INET6, d, buf, sizeof buf)) return buf;
    // Name constraints put address/mask pairs here; a leaf should not, but show the bytes rather than drop them.
    return "invalid:" + protocol::to_hex(ByteView(d, static_cast<std::size_t>(len)));
}

std::time_t asn1_time_to_time_t(const ASN1_TIME* t) {
    std::tm tm{};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
    return timegm(&tm);
}

// --- IP literals ---

struct IpAddress {
    int family = 0;  // AF_INET or AF_INET6
    std::array<unsigned char, 16> bytes{};

    bool operator==(const IpAddress& o) const {
        return family == o.family && std::memcmp(bytes.data(), o.bytes.data(), family == AF_INET ? 4 : 16) == 0;
    }
};

std::optional<IpAddress> parse_ip(std::string text) {
    if (text.size() > 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
    IpAddress a;
    if (inet_pton(AF_INET, text.c_str(), a.bytes.data()) == 1) {
        a.family = AF_INET;
        return a;
    }
    if (inet_pton(AF_INET6, text.c_str(), a.bytes.data()) == 1) {
        a.family = AF_INET6;
        return a;
    }
    return std::nullopt;
}

// --- host names ---

std::string normalise_dns(std::string s) {
    s = lower(std::move(s));
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

// RFC 6125 section 6.4.3, read strictly: "*" only as the whole left-most label, matching exactly one label, and
// never with fewer than two labels after it (no "*.com"). Partial-label wildcards ("a*.example.com") are what
// RFC 6125 lets a client refuse, and refusing them errs on the side of reporting a mismatch.
bool dns_pattern_matches(const std::string& pattern_in, const std::string& host) {
    std::string pattern = normalise_dns(pattern_in);
    if (pattern.empty() || host.empty()) return false;
    if (pattern.rfind("*.", 0) != 0) return pattern == host;
    std::string rest = pattern.substr(2);
    if (rest.find('.') == std::string::npos || rest.find('*') != std::string::npos) return false;
    auto dot = host.find('.');
    if (dot == std::string::npos || dot == 0) return false;
    return host.compare(dot + 1, std::string::npos, rest) == 0;
}

// How a host matched, because IKEv2 cares: an IP address present only as an iPAddress SAN is a match for TLS
// and a 13801 for the Windows IKEv2 client.
enum class NameMatch { none, dns_san, ip_san, ip_as_dns_san, common_name };

NameMatch match_host(const CertificateFacts& cert, const std::string& host_in) {
    if (host_in.empty()) return NameMatch::none;
    if (auto ip = parse_ip(host_in)) {
        for (const auto& d : cert.san_dns)
            if (auto as_ip = parse_ip(d); as_ip && *as_ip == *ip) return NameMatch::ip_as_dns_san;
        for (const auto& s : cert.san_ip)
            if (auto as_ip = parse_ip(s); as_ip && *as_ip == *ip) return NameMatch::ip_san;
        if (cert.san_dns.empty() && cert.san_ip.empty())
            if (auto cn = parse_ip(cert.subject_cn); cn && *cn == *ip) return NameMatch::common_name;
        return NameMatch::none;
    }
    std::string host = normalise_dns(host_in);
    for (const auto& d : cert.san_dns)
        if (dns_pattern_matches(d, host)) return NameMatch::dns_san;
    if (cert.san_dns.empty() && dns_pattern_matches(cert.subject_cn, host)) return NameMatch::common_name;
    return NameMatch::none;
}

// --- extension readers ---

std::string eku_name(const std::string& oid) {
    static const std::pair<const char*, const char*> names[] = {
        {"1.3.6.1.5.5.7.3.1", "serverAuth"},      {"1.3.6.1.5.5.7.3.2", "clientAuth"},
        {"1.3.6.1.5.5.7.3.3", "codeSigning"},     {"1.3.6.1.5.5.7.3.4", "emailProtection"},
        {"1.3.6.1.5.5.7.3.8", "timeStamping"},    {"1.3.6.1.5.5.7.3.9", "OCSPSigning"},
        {"1.3.6.1.5.5.7.3.17", "ipsecIKE"},  // RFC 4945
        {"1.3.6.1.5.5.8.2.2", "ikeIntermediate"},  // Microsoft's "IP security IKE intermediate"
        {"2.5.29.37.0", "anyExtendedKeyUsage"},
    };
    for (const auto& [o, n] : names)
        if (oid == o) return n;
    return oid;
}

constexpr const char* kServerAuthOid = "1.3.6.1.5.5.7.3.1";
constexpr const char* kIkeIntermediateOid = "1.3.6.1.5.5.8.2.2";
constexpr const char* kAnyEkuOid = "2.5.29.37.0";

void read_sans(X509* x, CertificateFacts& f) {
    GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr)));
    if (!names) return;
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
        const GENERAL_NAME* g = sk_GENERAL_NAME_value(names.get(), i);
        switch (g->type) {
        case GEN_DNS:
            f.san_dns.push_back(ia5_text(g->d.dNSName));
            break;
        case GEN_IPADD:
            f.san_ip.push_back(ip_octets_text(g->d.iPAddress));
            break;
        case GEN_EMAIL:
            f.san_other.push_back("email:" + ia5_text(g->d.rfc822Name));
            break;
        case GEN_URI:
            f.san_other.push_back("URI:" + ia5_text(g->d.uniformResourceIdentifier));
            break;
        case GEN_DIRNAME:
            f.san_other.push_back("DirName:" + name_text(g->d.directoryName));
            break;
        case GEN_RID:
            f.san_other.push_back("RID:" + oid_text(g->d.registeredID));
            break;
        case GEN_OTHERNAME: {
            const OTHERNAME* on = g->d.otherName;
            std::string value;
            if (on->value && (on->value->type == V_ASN1_UTF8STRING || on->value->type == V_ASN1_IA5STRING))
                value = asn1_string_utf8(on->value->value.asn1_string);
            // UPN is the otherName Windows puts in machine and user certificates.
            std::string oid = oid_text(on->type_id);
            f.san_other.push_back("othername:" + (oid == "1.3.6.1.4.1.311.20.2.3" ? std::string("UPN") : oid) + ":" +
                                  value);
            break;
        }
        default:
            f.san_other.push_back("other:type" + std::to_string(g->type));
            break;
        }
    }
}

void read_key_usage(X509* x, CertificateFacts& f) {
    if (!(X509_get_extension_flags(x) & EXFLAG_KUSAGE)) return;
    std::uint32_t ku = X509_get_key_usage(x);
    static const std::pair<std::uint32_t, const char*> bits[] = {
        {KU_DIGITAL_SIGNATURE, "digitalSignature"},
        {KU_NON_REPUDIATION, "nonRepudiation"},
        {KU_KEY_ENCIPHERMENT, "keyEncipherment"},
        {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
        {KU_KEY_AGREEMENT, "keyAgreement"},
        {KU_KEY_CERT_SIGN, "keyCertSign"},
        {KU_CRL_SIGN, "cRLSign"},
        {KU_ENCIPHER_ONLY, "encipherOnly"},
        {KU_DECIPHER_ONLY, "decipherOnly"},
    };
    for (const auto& [bit, name] : bits)
        if (ku & bit) f.key_usage.push_back(name);
}

void read_ekus(X509* x, CertificateFacts& f) {
    EkuPtr eku(static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(x, NID_ext_key_usage, nullptr, nullptr)));
    if (!eku) return;
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
        std::string oid = oid_text(sk_ASN1_OBJECT_value(eku.get(), i));
        f.eku_oids.push_back(oid);
        f.ekus.push_back(eku_name(oid));
    }
}

void read_crl_urls(X509* x, CertificateFacts& f) {
    CrlDpPtr dps(static_cast<CRL_DIST_POINTS*>(X509_get_ext_d2i(x, NID_crl_distribution_points, nullptr, nullptr)));
    if (!dps) return;
    for (int i = 0; i < sk_DIST_POINT_num(dps.get()); ++i) {
        const DIST_POINT* dp = sk_DIST_POINT_value(dps.get(), i);
        if (!dp->distpoint || dp->distpoint->type != 0) continue;  // 0 = fullName; relative names carry no URL
        const GENERAL_NAMES* names = dp->distpoint->name.fullname;
        for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
            const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, j);
            if (g->type == GEN_URI) f.crl_urls.push_back(ia5_text(g->d.uniformResourceIdentifier));
        }
    }
}

void read_ocsp_urls(X509* x, CertificateFacts& f) {
    AiaPtr aia(static_cast<AUTHORITY_INFO_ACCESS*>(X509_get_ext_d2i(x, NID_info_access, nullptr, nullptr)));
    if (!aia) return;
    for (int i = 0; i < sk_ACCESS_DESCRIPTION_num(aia.get()); ++i) {
        const ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(aia.get(), i);
        if (OBJ_obj2nid(ad->method) == NID_ad_OCSP && ad->location->type == GEN_URI)
            f.ocsp_urls.push_back(ia5_text(ad->location->d.uniformResourceIdentifier));
    }
}

void read_key(X509* x, CertificateFacts& f) {
    KeyDescription d = describe_key(X509_get0_pubkey(x));
    f.key_type = d.type;
    f.key_bits = d.bits;
    f.curve = d.curve;
}

std::string signature_algorithm(X509* x) {
    int nid = X509_get_signature_nid(x);
    if (nid != NID_undef) return OBJ_nid2ln(nid);
    const X509_ALGOR* alg = nullptr;
    X509_get0_signature(nullptr, &alg, x);
    const ASN1_OBJECT* obj = nullptr;
    if (alg) X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
    return obj ? oid_text(obj) : "unknown";
}

// --- diagnosis helpers ---

bool has_eku(const CertificateFacts& c, const char* oid) {
    return std::find(c.eku_oids.begin(), c.eku_oids.end(), oid) != c.eku_oids.end();
}

// CryptoAPI treats a certificate without an EKU extension as good for every purpose, and anyExtendedKeyUsage
// says the same explicitly.
bool eku_allows(const CertificateFacts& c, const char* oid) {
    return c.eku_oids.empty() || has_eku(c, kAnyEkuOid) || has_eku(c, oid);
}

std::string date_only(std::time_t t) { return format_time_utc(t).substr(0, 10); }

std::string days_text(double days) {
    char buf[32];
    double a = std::fabs(days);
    if (a < 1) std::snprintf(buf, sizeof buf, "%.0f hours", a * 24);
    else std::snprintf(buf, sizeof buf, "%.0f days", std::floor(a));
    return buf;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

std::string names_on(const CertificateFacts& c) {
    std::vector<std::string> n;
    for (const auto& d : c.san_dns) n.push_back("DNS:" + d);
    for (const auto& i : c.san_ip) n.push_back("IP:" + i);
    std::string s = n.empty() ? "no subjectAltName" : "SAN " + join(n, ", ");
    s += c.subject_cn.empty() ? ", no CN" : ", CN " + c.subject_cn;
    if (!c.san_dns.empty() && !c.subject_cn.empty()) s += " (ignored: the CN only counts without DNS SANs)";
    return s;
}

// One collector, so the sstp/ikev2 difference lives in one place: for IKEv2 the client reports every certificate
// refusal as 13801, so the CryptoAPI status moves into the detail, where it still tells the operator the cause.
class Problems {
public:
    explicit Problems(VpnUse use) : use_(use) {}

    void refuse(std::string check, std::string detail, const winerr::WindowsError* crypto_status) {
        if (has(check)) return;
        CertificateProblem p{std::move(check), std::move(detail), {}, false};
        if (use_ == VpnUse::ikev2) {
            p.windows_error = winerr::describe(winerr::ERROR_IPSEC_IKE_AUTH_FAIL);
            std::string_view meaning = winerr::ERROR_IPSEC_IKE_AUTH_FAIL.meaning;
            if (!meaning.empty() && meaning.back() == '.') meaning.remove_suffix(1);
            p.detail += "; the IKEv2 client reports this as 13801 (" + std::string(meaning) + ")";
            if (crypto_status) p.detail += ", CryptoAPI status " + winerr::describe(*crypto_status);
        } else if (crypto_status) {
            p.windows_error = winerr::describe(*crypto_status);
        }
        list_.push_back(std::move(p));
    }

    void advise(std::string check, std::string detail) {
        if (has(check)) return;
        list_.push_back(CertificateProblem{std::move(check), std::move(detail), {}, true});
    }

    bool has(const std::string& check) const {
        return std::any_of(list_.begin(), list_.end(), [&](const auto& p) { return p.check == check; });
    }

    std::vector<CertificateProblem> take() { return std::move(list_); }

private:
    VpnUse use_;
    std::vector<CertificateProblem> list_;
};

void chain_problem(Problems& out, int code, const std::string& reason, int depth) {
    std::string where =
        depth == 0 ? "the server certificate" : "the chain certificate at depth " + std::to_string(depth);
    std::string openssl = " (OpenSSL " + std::to_string(code) + ": " + reason + ")";
    switch (code) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
        out.refuse(depth == 0 ? "expired" : "chain_expired", where + " has expired" + openssl, &winerr::CERT_E_EXPIRED);
        break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        out.refuse(depth == 0 ? "not_yet_valid" : "chain_not_yet_valid", where + " is not yet valid" + openssl,
                   &winerr::CERT_E_EXPIRED);
        break;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        out.refuse("self_signed",
                   "the server certificate is self-signed and not among the trusted roots; a Windows client "
                   "must have it in its Trusted Root Certification Authorities store" +
                       openssl,
                   &winerr::CERT_E_UNTRUSTEDROOT);
        break;
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        out.refuse("untrusted_root", "the chain ends in a root that is not trusted" + openssl,
                   &winerr::CERT_E_UNTRUSTEDROOT);
        break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        // Windows may fetch a missing intermediate through AIA and then fail on the root, or fail to build
        // the chain at all (CERT_E_CHAINING); the untrusted-root reading is the common one.
        out.refuse("untrusted_root",
                   "no trusted issuer found for " + where +
                       ": the root is not trusted, or the server does not send the intermediate" + openssl +
                       "; Windows shows CERT_E_UNTRUSTEDROOT, or " + winerr::describe(winerr::CERT_E_CHAINING) +
                       " when it cannot build the chain at all",
                   &winerr::CERT_E_UNTRUSTEDROOT);
        break;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
        out.refuse("bad_signature",
                   "the signature on " + where + " does not verify with its issuer's key (wrong issuer?)" + openssl,
                   &winerr::TRUST_E_CERT_SIGNATURE);
        break;
    default:
        out.refuse("chain_invalid", "the chain does not verify at " + where + openssl, nullptr);
        break;
    }
}

void weak_crypto(Problems& out, const CertificateFacts& leaf) {
    if (leaf.key_type == "RSA" && leaf.key_bits > 0 && leaf.key_bits < 1024) {
        // Microsoft Security Advisory 2661254 (2012): CryptoAPI chain building rejects RSA keys under 1024 bits,
        // private PKIs included (http://technet.microsoft.com/security/advisory/2661254). Which error code the VPN
        // client then shows is not documented there, so none is claimed for SSTP.
        out.refuse("weak_key",
                   "RSA key of " + std::to_string(leaf.key_bits) +
                       " bits: Windows has refused RSA keys under 1024 bits since 2012 (advisory 2661254), "
                       "whatever the CA",
                   nullptr);
    } else if (leaf.key_type == "RSA" && leaf.key_bits > 0 && leaf.key_bits < 2048) {
        out.advise("weak_key", "RSA key of " + std::to_string(leaf.key_bits) +
                                   " bits: Windows accepts it, but keys under 2048 bits are below current "
                                   "recommendations (NIST SP 800-131A) and public CAs no longer issue them");
    }
    // Weak hashes are advice, not refusals, because Windows' blocks cover public roots only. MD5: Microsoft
    // Security Advisory 2862973 (2013) blocks it for server authentication under roots of the Microsoft Root
    // Certificate Program, "enterprise issued certificates are not affected":
    // http://blogs.technet.com/b/askds/archive/2013/08/14/md5-signature-hash-deprecation-and-your-infrastructure.aspx
    // SHA-1: blocked by Edge and IE 11 since 2017, again only for chains to the Microsoft Trusted Root Program:
    // https://blogs.windows.com/msedgedev/2016/04/29/sha1-deprecation-roadmap/
    std::string sig = lower(leaf.signature_algorithm);
    if (sig.find("md5") != std::string::npos) {
        out.advise("weak_signature_md5",
                   "signed with " + leaf.signature_algorithm +
                       ": MD5 signatures are forgeable. Windows refuses them only for certificates under publicly "
                       "trusted roots (advisory 2862973); from a private CA the VPN client still accepts it");
    } else if (sig.find("sha1") != std::string::npos) {
        out.advise("weak_signature_sha1",
                   "signed with " + leaf.signature_algorithm +
                       ": SHA-1 is deprecated. Windows blocks SHA-1 TLS certificates only under publicly trusted "
                       "roots; from a private CA the VPN client still accepts it, but it should be reissued with "
                       "SHA-256");
    }
}

}  // namespace

std::string format_time_utc(std::time_t t) {
    std::tm tm{};
    if (!gmtime_r(&t, &tm)) return "invalid-time";
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

X509Ptr parse_certificate(ByteView der) { return parse_der(der); }

CertificateFacts inspect_certificate(ByteView der, std::time_t now) {
    X509Ptr x = parse_der(der);
    return inspect_certificate(x.get(), now);
}

CertificateFacts inspect_certificate(X509* x, std::time_t now) {
    CertificateFacts f;
    // OpenSSL keeps the encoding it decoded, so this copies bytes rather than encoding anew.
    const int der_len = i2d_X509(x, nullptr);
    if (der_len <= 0) throw std::runtime_error("cannot encode the certificate: " + openssl_errors());
    f.der.resize(static_cast<std::size_t>(der_len));
    unsigned char* out = f.der.data();
    i2d_X509(x, &out);
    f.inspected_at = now;

    f.subject = name_text(X509_get_subject_name(x));
    f.issuer = name_text(X509_get_issuer_name(x));
    const X509_NAME* subject = X509_get_subject_name(x);
    for (int i = -1; (i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) >= 0;)
        f.subject_cn = asn1_string_utf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i)));

    const ASN1_INTEGER* serial = X509_get0_serialNumber(x);
    f.serial_hex =
        protocol::to_hex(ByteView(ASN1_STRING_get0_data(serial), static_cast<std::size_t>(ASN1_STRING_length(serial))));
    if (ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER) f.serial_hex = "-" + f.serial_hex;
    if (f.serial_hex.empty()) f.serial_hex = "00";

    f.not_before = asn1_time_to_time_t(X509_get0_notBefore(x));
    f.not_after = asn1_time_to_time_t(X509_get0_notAfter(x));
    f.days_left = std::difftime(f.not_after, now) / 86400.0;

    read_key(x, f);
    f.signature_algorithm = signature_algorithm(x);
    read_sans(x, f);
    read_key_usage(x, f);
    read_ekus(x, f);
    read_crl_urls(x, f);
    read_ocsp_urls(x, f);

    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (X509_digest(x, EVP_sha256(), md, &md_len) != 1)
        throw std::runtime_error("SHA-256 of the certificate failed: " + openssl_errors());
    f.sha256_fingerprint = upper(protocol::to_hex(ByteView(md, md_len), ":"));

    f.is_ca = (X509_get_extension_flags(x) & EXFLAG_CA) != 0;
    // X509_self_signed rather than X509_check_issued(x, x): the latter also demands keyCertSign, which a
    // self-signed server certificate (digitalSignature, keyEncipherment) usually lacks, and it is still self-signed.
    f.self_signed = X509_self_signed(x, 1) == 1;
    ERR_clear_error();
    return f;
}

std::vector<Bytes> load_pem_certificates(const std::string& path) {
    ERR_clear_error();
    BioPtr bio(BIO_new_file(path.c_str(), "r"));
    if (!bio) throw std::runtime_error("cannot read " + path + ": " + openssl_errors());
    std::vector<Bytes> out;
    // _AUX also reads "TRUSTED CERTIFICATE" blocks; other blocks (keys, CRLs) are skipped by the PEM reader.
    while (X509Ptr x{PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr)}) {
        int len = i2d_X509(x.get(), nullptr);
        if (len <= 0) throw std::runtime_error("cannot re-encode a certificate from " + path);
        Bytes der(static_cast<std::size_t>(len));
        unsigned char* p = der.data();
        i2d_X509(x.get(), &p);
        out.push_back(std::move(der));
    }
    unsigned long err = ERR_peek_last_error();
    // Running out of PEM blocks is how the loop ends; anything else is a damaged block.
    if (err && !(ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE))
        throw std::runtime_error("bad PEM certificate in " + path + ": " + openssl_errors());
    ERR_clear_error();
    if (out.empty()) throw std::runtime_error("no PEM certificate in " + path);
    return out;
}

bool host_name_matches(const CertificateFacts& cert, const std::string& host) {
    return match_host(cert, host) != NameMatch::none;
}

namespace {

// A verdict for a chain that cannot be verified at all (nothing sent, a certificate that does not parse).
ChainVerdict unverifiable(std::string reason) {
    ChainVerdict v;
    v.valid = false;
    v.openssl_error = X509_V_ERR_UNSPECIFIED;
    v.openssl_reason = std::move(reason);
    v.error_depth = 0;
    v.all_errors = {{v.openssl_error, v.openssl_reason}};
    v.all_error_depths = {0};
    return v;
}

struct VerifyLog {
    std::vector<std::pair<int, std::string>> errors;
    std::vector<int> depths;
};

// OpenSSL stops at the first error unless the callback says to go on; going on is what lets an expired
// certificate from an untrusted CA report both faults.
int record_and_continue(int ok, X509_STORE_CTX* ctx) {
    if (ok) return 1;
    auto* log = static_cast<VerifyLog*>(X509_STORE_CTX_get_app_data(ctx));
    int err = X509_STORE_CTX_get_error(ctx);
    int depth = X509_STORE_CTX_get_error_depth(ctx);
    for (std::size_t i = 0; i < log->errors.size(); ++i)
        if (log->errors[i].first == err && log->depths[i] == depth) return 1;
    log->errors.emplace_back(err, X509_verify_cert_error_string(err));
    log->depths.push_back(depth);
    return 1;
}

}  // namespace

namespace {

// The chain decoded, leaf first; or, when a certificate does not parse, the verdict that says which.
std::variant<std::vector<X509Ptr>, ChainVerdict> parse_chain(const std::vector<Bytes>& chain_der) {
    std::vector<X509Ptr> certs;
    for (std::size_t i = 0; i < chain_der.size(); ++i) {
        try {
            certs.push_back(parse_der(chain_der[i]));
        } catch (const std::exception& e) {
            return unverifiable("certificate " + std::to_string(i) + " cannot be parsed: " + e.what());
        }
    }
    return certs;
}

ChainVerdict verify_parsed(const std::vector<X509Ptr>& certs, const TrustSource& trust, std::time_t now) {
    std::vector<X509*> chain;
    for (const auto& c : certs) chain.push_back(c.get());
    return verify_chain(chain, trust, now);
}

}  // namespace

ChainVerdict verify_chain(const std::vector<Bytes>& chain_der, const std::optional<std::string>& ca_file,
                          std::time_t now) {
    if (chain_der.empty()) return unverifiable("no certificate to verify");
    auto parsed = parse_chain(chain_der);
    if (auto* verdict = std::get_if<ChainVerdict>(&parsed)) return *verdict;
    std::shared_ptr<const TrustSource> trust;
    try {
        trust = TrustSource::load(ca_file);
    } catch (const std::exception& e) {
        if (!ca_file) throw;
        throw std::runtime_error("cannot load trust anchors from " + *ca_file + ": " + e.what());
    }
    return verify_parsed(std::get<std::vector<X509Ptr>>(parsed), *trust, now);
}

ChainVerdict verify_chain(const std::vector<Bytes>& chain_der, const TrustSource& trust, std::time_t now) {
    auto parsed = parse_chain(chain_der);
    if (auto* verdict = std::get_if<ChainVerdict>(&parsed)) return *verdict;
    return verify_parsed(std::get<std::vector<X509Ptr>>(parsed), trust, now);
}

ChainVerdict verify_chain(const std::vector<X509*>& certs, const TrustSource& trust, std::time_t now) {
    ChainVerdict v;
    if (certs.empty()) return unverifiable("no certificate to verify");
    ERR_clear_error();
    X509StackPtr untrusted(sk_X509_new_null());
    for (std::size_t i = 1; i < certs.size(); ++i) {
        if (!sk_X509_push(untrusted.get(), certs[i])) throw std::runtime_error("sk_X509_push failed");
        X509_up_ref(certs[i]);
    }

    // The store is shared by every probe of the run, on any thread: verification only reads it.
    StoreCtxPtr ctx(X509_STORE_CTX_new());
    if (!ctx || X509_STORE_CTX_init(ctx.get(), trust.store(), certs[0], untrusted.get()) != 1)
        throw std::runtime_error("X509_STORE_CTX_init failed: " + openssl_errors());
    // The caller's clock, not the system's: a report says "valid at <time>" and tests stay reproducible.
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()), now);
    VerifyLog log;
    X509_STORE_CTX_set_app_data(ctx.get(), &log);
    X509_STORE_CTX_set_verify_cb(ctx.get(), record_and_continue);

    int rc = X509_verify_cert(ctx.get());
    if (rc <= 0 && log.errors.empty()) {
        int err = X509_STORE_CTX_get_error(ctx.get());
        if (err == X509_V_OK) err = X509_V_ERR_UNSPECIFIED;
        log.errors.emplace_back(err, X509_verify_cert_error_string(err));
        log.depths.push_back(X509_STORE_CTX_get_error_depth(ctx.get()));
    }

    if (STACK_OF(X509)* built = X509_STORE_CTX_get0_chain(ctx.get()))
        for (int i = 0; i < sk_X509_num(built); ++i)
            v.built_chain_subjects.push_back(name_text(X509_get_subject_name(sk_X509_value(built, i))));

    v.valid = rc == 1 && log.errors.empty();
    if (!log.errors.empty()) {
        v.openssl_error = log.errors.front().first;
        v.openssl_reason = log.errors.front().second;
        v.error_depth = log.depths.front();
    }
    v.all_errors = std::move(log.errors);
    v.all_error_depths = std::move(log.depths);
    ERR_clear_error();
    return v;
}

std::vector<CertificateProblem> windows_certificate_problems(const CertificateFacts& leaf, const ChainVerdict& chain,
                                                             const std::string& dialled_name, VpnUse use) {
    Problems out(use);
    const std::time_t now = leaf.inspected_at;

    if (now > leaf.not_after) {
        out.refuse("expired",
                   "expired " + date_only(leaf.not_after) + ", " + days_text(leaf.days_left) + " ago (checked at " +
                       format_time_utc(now) + ")",
                   &winerr::CERT_E_EXPIRED);
    } else if (now < leaf.not_before) {
        // Windows has no separate code for this: CERT_E_EXPIRED means "not within its validity period".
        out.refuse("not_yet_valid",
                   "not valid before " + format_time_utc(leaf.not_before) + ", " +
                       days_text(std::difftime(leaf.not_before, now) / 86400.0) +
                       " from now (client clock or server certificate wrong)",
                   &winerr::CERT_E_EXPIRED);
    }

    if (!dialled_name.empty()) {
        NameMatch m = match_host(leaf, dialled_name);
        if (m == NameMatch::none) {
            out.refuse("name_mismatch", "\"" + dialled_name + "\" is not on the certificate: " + names_on(leaf),
                       &winerr::CERT_E_CN_NO_MATCH);
        } else if (use == VpnUse::ikev2 && m == NameMatch::ip_san) {
            out.refuse("ip_not_in_dns_san",
                       dialled_name +
                           " is on the certificate only as an iPAddress SAN; the Windows IKEv2 client "
                           "needs an IP address it dials as a dNSName SAN (DNS:" +
                           dialled_name + ")",
                       nullptr);
        }
    }

    for (std::size_t i = 0; i < chain.all_errors.size(); ++i) {
        int depth = i < chain.all_error_depths.size() ? chain.all_error_depths[i] : -1;
        chain_problem(out, chain.all_errors[i].first, chain.all_errors[i].second, depth);
    }
    if (!chain.valid && chain.all_errors.empty())
        out.refuse(
            "chain_invalid",
            "the chain does not verify" + (chain.openssl_reason.empty() ? std::string() : ": " + chain.openssl_reason),
            nullptr);

    if (!eku_allows(leaf, kServerAuthOid))
        out.refuse("no_server_auth_eku",
                   "the extended key usage is " + join(leaf.ekus, ", ") +
                       ", without serverAuth (1.3.6.1.5.5.7.3.1) or anyExtendedKeyUsage",
                   &winerr::CERT_E_WRONG_USAGE);

    if (use == VpnUse::ikev2 && !eku_allows(leaf, kIkeIntermediateOid))
        // Microsoft's RRAS/Always On VPN certificate template adds it; strongSwan's Windows notes say it "does not
        // hurt" (https://docs.strongswan.org/docs/5.9/interop/windowsCertRequirements.html). Windows clients do
        // not demand it by default, so it is advice.
        out.advise("missing_ike_intermediate_eku",
                   "no IP security IKE intermediate EKU (1.3.6.1.5.5.8.2.2). Advisory: Windows clients accept the "
                   "certificate without it by default, but Microsoft's IKEv2 certificate template includes it and "
                   "some client configurations (and older macOS clients) expect it");

    weak_crypto(out, leaf);

    if (use == VpnUse::sstp && leaf.crl_urls.empty() && leaf.ocsp_urls.empty() && !leaf.self_signed)
        out.advise("no_revocation_info",
                   "no CRL distribution point and no OCSP URL. Advisory: the SSTP client checks revocation, and "
                   "without a place to check it this is commonly reported to fail as " +
                       winerr::describe(winerr::CRYPT_E_REVOCATION_OFFLINE) +
                       " unless revocation checking is turned off on the client (NoCertRevocationCheck)");

    return out.take();
}

}  // namespace vpnprobe::probes
