// Certificate facts, host matching, chain verdicts and the Windows diagnosis. Every certificate is made here with
// OpenSSL (a small CA kit below), so a test states the property it is about in the certificate it builds, and
// every time is fixed: nothing depends on today's date or the system trust store.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json/serialize.hpp>

#include "probes/certificate.hpp"
#include "probes/certificate_json.hpp"
#include "probes/certificate_x509.hpp"
#include "probes/windows_errors.hpp"

using namespace vpnprobe::probes;
using vpnprobe::protocol::Bytes;

namespace {

// --- a small CA kit ---

struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};
using KeyPtr = std::shared_ptr<EVP_PKEY>;
using CertPtr = std::unique_ptr<X509, X509Free>;

std::time_t utc(int y, int mon, int d, int h = 0) {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    return timegm(&tm);
}

const std::time_t kNow = utc(2024, 6, 1);

KeyPtr rsa_key(unsigned bits) {
    EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
    if (!k) throw std::runtime_error("RSA keygen failed");
    return KeyPtr(k, PkeyFree{});
}

KeyPtr p256_key() {
    EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    if (!k) throw std::runtime_error("EC keygen failed");
    return KeyPtr(k, PkeyFree{});
}

// RSA key generation is the slow part; one set of keys serves every test.
struct Keys {
    KeyPtr ca = rsa_key(2048);
    KeyPtr other_ca = p256_key();
    KeyPtr leaf_rsa = rsa_key(2048);
    KeyPtr leaf_ec = p256_key();
    KeyPtr rsa1024 = rsa_key(1024);
    KeyPtr rsa512 = rsa_key(512);
};
const Keys& keys() {
    static const Keys k;
    return k;
}

struct CertSpec {
    std::string cn = "vpn.example.test";
    std::string org = "Example";
    std::string san;  // OpenSSL config syntax, "DNS:a,IP:192.0.2.1"; "" = no extension
    std::string eku;  // "serverAuth,1.3.6.1.5.5.8.2.2"; "" = no extension
    std::string key_usage = "critical,digitalSignature,keyEncipherment";
    bool ca = false;
    std::time_t not_before = utc(2024, 1, 1);
    std::time_t not_after = utc(2025, 1, 1);
    std::string crl = "URI:http://pki.example.test/ca.crl";
    std::string ocsp;  // "OCSP;URI:http://ocsp.example.test"
    const EVP_MD* md = EVP_sha256();
    long serial = 0x1001;
};

CertSpec ca_spec(std::string cn) {
    CertSpec s;
    s.cn = std::move(cn);
    s.ca = true;
    s.key_usage = "critical,keyCertSign,cRLSign";
    s.not_before = utc(2020, 1, 1);
    s.not_after = utc(2040, 1, 1);
    s.crl = "";
    s.serial = 1;
    return s;
}

void add_ext(X509* x, X509V3_CTX* ctx, int nid, const std::string& value) {
    if (value.empty()) return;
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
    if (!e) throw std::runtime_error("bad extension value " + value);
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
}

struct Issued {
    CertPtr cert;
    Bytes der;
};

// issuer == nullptr: self-signed with subject_key.
Issued make_cert(const CertSpec& s, EVP_PKEY* subject_key, X509* issuer, EVP_PKEY* issuer_key) {
    CertPtr x(X509_new());
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), s.serial);
    ASN1_TIME_set(X509_getm_notBefore(x.get()), s.not_before);
    ASN1_TIME_set(X509_getm_notAfter(x.get()), s.not_after);
    X509_NAME* name = X509_get_subject_name(x.get());
    if (!s.org.empty())
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(s.org.c_str()), -1,
                                   -1, 0);
    if (!s.cn.empty())
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(s.cn.c_str()), -1,
                                   -1, 0);
    X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer) : name);
    X509_set_pubkey(x.get(), subject_key);

    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : x.get(), x.get(), nullptr, nullptr, 0);
    add_ext(x.get(), &ctx, NID_basic_constraints, s.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(x.get(), &ctx, NID_key_usage, s.key_usage);
    add_ext(x.get(), &ctx, NID_ext_key_usage, s.eku);
    add_ext(x.get(), &ctx, NID_subject_alt_name, s.san);
    add_ext(x.get(), &ctx, NID_crl_distribution_points, s.crl);
    add_ext(x.get(), &ctx, NID_info_access, s.ocsp);

    if (!X509_sign(x.get(), issuer ? issuer_key : subject_key, s.md)) throw std::runtime_error("X509_sign failed");
    int len = i2d_X509(x.get(), nullptr);
    Bytes der(static_cast<std::size_t>(len));
    unsigned char* p = der.data();
    i2d_X509(x.get(), &p);
    return {std::move(x), std::move(der)};
}

// A root CA and a default leaf under it: most tests vary one property of this pair.
struct Pki {
    Issued ca = make_cert(ca_spec("Example Test Root CA"), keys().ca.get(), nullptr, nullptr);

    Issued leaf(CertSpec s, EVP_PKEY* key = nullptr) const {
        return make_cert(s, key ? key : keys().leaf_rsa.get(), ca.cert.get(), keys().ca.get());
    }
};

std::string temp_path(const std::string& stem) {
    static std::atomic<int> counter{0};
    return (std::filesystem::path(::testing::TempDir()) /
            (stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".pem"))
        .string();
}

std::string write_pem(const std::vector<X509*>& certs, const std::string& extra_block = {}) {
    std::string path = temp_path("vpnprobe-cert");
    FILE* f = std::fopen(path.c_str(), "w");
    if (!f) throw std::runtime_error("cannot write " + path);
    for (std::size_t i = 0; i < certs.size(); ++i) {
        PEM_write_X509(f, certs[i]);
        if (i == 0 && !extra_block.empty()) std::fputs(extra_block.c_str(), f);
    }
    std::fclose(f);
    return path;
}

const CertificateProblem* find_problem(const std::vector<CertificateProblem>& ps, const std::string& check) {
    auto it = std::find_if(ps.begin(), ps.end(), [&](const auto& p) { return p.check == check; });
    return it == ps.end() ? nullptr : &*it;
}

std::vector<std::string> checks(const std::vector<CertificateProblem>& ps) {
    std::vector<std::string> c;
    for (const auto& p : ps) c.push_back(p.check);
    return c;
}

bool has_error(const ChainVerdict& v, int code) {
    return std::any_of(v.all_errors.begin(), v.all_errors.end(), [&](const auto& e) { return e.first == code; });
}

}  // namespace

// --- facts ---

TEST(CertificateFacts, RsaLeafWithEverything) {
    Pki pki;
    CertSpec s;
    s.san = "DNS:vpn.example.test,DNS:*.vpn.example.test,IP:192.0.2.10,IP:2001:db8::1,email:ops@example.test";
    s.eku = "serverAuth,clientAuth,1.3.6.1.5.5.8.2.2,1.3.6.1.5.5.7.3.17,1.2.3.4.5";
    s.ocsp = "OCSP;URI:http://ocsp.example.test";
    Issued leaf = pki.leaf(s);

    CertificateFacts f = inspect_certificate(leaf.der, kNow);
    EXPECT_EQ(f.subject, "CN=vpn.example.test,O=Example");
    EXPECT_EQ(f.subject_cn, "vpn.example.test");
    EXPECT_EQ(f.issuer, "CN=Example Test Root CA,O=Example");
    EXPECT_EQ(f.serial_hex, "1001");
    EXPECT_EQ(f.san_dns, (std::vector<std::string>{"vpn.example.test", "*.vpn.example.test"}));
    EXPECT_EQ(f.san_ip, (std::vector<std::string>{"192.0.2.10", "2001:db8::1"}));
    EXPECT_EQ(f.san_other, (std::vector<std::string>{"email:ops@example.test"}));
    EXPECT_EQ(f.not_before, utc(2024, 1, 1));
    EXPECT_EQ(f.not_after, utc(2025, 1, 1));
    EXPECT_EQ(f.inspected_at, kNow);
    EXPECT_DOUBLE_EQ(f.days_left, 214.0);  // 2024-06-01 .. 2025-01-01
    EXPECT_EQ(f.key_type, "RSA");
    EXPECT_EQ(f.key_bits, 2048);
    EXPECT_EQ(f.curve, "");
    EXPECT_EQ(f.signature_algorithm, "sha256WithRSAEncryption");
    EXPECT_EQ(f.key_usage, (std::vector<std::string>{"digitalSignature", "keyEncipherment"}));
    EXPECT_EQ(f.ekus,
              (std::vector<std::string>{"serverAuth", "clientAuth", "ikeIntermediate", "ipsecIKE", "1.2.3.4.5"}));
    EXPECT_EQ(f.eku_oids, (std::vector<std::string>{"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.8.2.2",
                                                    "1.3.6.1.5.5.7.3.17", "1.2.3.4.5"}));
    EXPECT_EQ(f.crl_urls, (std::vector<std::string>{"http://pki.example.test/ca.crl"}));
    EXPECT_EQ(f.ocsp_urls, (std::vector<std::string>{"http://ocsp.example.test"}));
    EXPECT_FALSE(f.is_ca);
    EXPECT_FALSE(f.self_signed);
    EXPECT_EQ(f.der, leaf.der);
}

TEST(CertificateFacts, EcdsaP256Leaf) {
    Pki pki;
    CertSpec s;
    s.key_usage = "critical,digitalSignature";
    s.san = "DNS:ec.example.test";
    s.crl = "";
    Issued leaf = pki.leaf(s, keys().leaf_ec.get());

    CertificateFacts f = inspect_certificate(leaf.der, kNow);
    EXPECT_EQ(f.key_type, "EC");
    EXPECT_EQ(f.key_bits, 256);
    EXPECT_EQ(f.curve, "prime256v1");
    // Signed by the RSA CA: the signature algorithm is the issuer's, not the subject key's.
    EXPECT_EQ(f.signature_algorithm, "sha256WithRSAEncryption");
    EXPECT_EQ(f.key_usage, (std::vector<std::string>{"digitalSignature"}));
    EXPECT_TRUE(f.ekus.empty());
    EXPECT_TRUE(f.crl_urls.empty());
    EXPECT_TRUE(f.ocsp_urls.empty());

    // And an EC issuer signs with ECDSA.
    Issued ec_ca = make_cert(ca_spec("EC Root"), keys().other_ca.get(), nullptr, nullptr);
    CertificateFacts ca = inspect_certificate(ec_ca.der, kNow);
    EXPECT_EQ(ca.signature_algorithm, "ecdsa-with-SHA256");
    EXPECT_TRUE(ca.is_ca);
    EXPECT_TRUE(ca.self_signed);
    EXPECT_EQ(ca.key_usage, (std::vector<std::string>{"keyCertSign", "cRLSign"}));
}

TEST(CertificateFacts, ExpiredLeafHasNegativeDaysLeft) {
    Pki pki;
    CertSpec s;
    s.not_before = utc(2020, 1, 1);
    s.not_after = utc(2024, 5, 22);
    CertificateFacts f = inspect_certificate(pki.leaf(s).der, kNow);
    EXPECT_DOUBLE_EQ(f.days_left, -10.0);
}

TEST(CertificateFacts, SelfSignedServerCertificateWithoutKeyCertSign) {
    // The usual appliance certificate: self-issued, KU digitalSignature only. Still self-signed.
    CertSpec s;
    s.key_usage = "critical,digitalSignature,keyEncipherment";
    Issued self = make_cert(s, keys().leaf_rsa.get(), nullptr, nullptr);
    CertificateFacts f = inspect_certificate(self.der, kNow);
    EXPECT_TRUE(f.self_signed);
    EXPECT_FALSE(f.is_ca);
    EXPECT_EQ(f.subject, f.issuer);

    // Same names but signed by another key: not self-signed.
    Issued forged = make_cert(s, keys().leaf_rsa.get(), self.cert.get(), keys().leaf_ec.get());
    EXPECT_FALSE(inspect_certificate(forged.der, kNow).self_signed);
}

TEST(CertificateFacts, FingerprintIsUpperCaseColonHexOfTheDer) {
    Pki pki;
    Issued leaf = pki.leaf(CertSpec{});
    CertificateFacts f = inspect_certificate(leaf.der, kNow);
    EXPECT_TRUE(std::regex_match(f.sha256_fingerprint, std::regex("([0-9A-F]{2}:){31}[0-9A-F]{2}")))
        << f.sha256_fingerprint;

    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    ASSERT_EQ(EVP_Digest(leaf.der.data(), leaf.der.size(), md, &len, EVP_sha256(), nullptr), 1);
    std::string expected;
    char hex[4];
    for (unsigned i = 0; i < len; ++i) {
        std::snprintf(hex, sizeof hex, i ? ":%02X" : "%02X", md[i]);
        expected += hex;
    }
    EXPECT_EQ(f.sha256_fingerprint, expected);
}

TEST(CertificateFacts, FingerprintMatchesOpensslCommandLine) {
    if (std::system("openssl version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl command";
    Pki pki;
    Issued leaf = pki.leaf(CertSpec{});
    std::string pem = write_pem({leaf.cert.get()});
    std::string cmd = "openssl x509 -in '" + pem + "' -noout -fingerprint -sha256";
    FILE* p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    char buf[256] = {};
    ASSERT_NE(std::fgets(buf, sizeof buf, p), nullptr);
    pclose(p);
    std::filesystem::remove(pem);
    std::string line(buf);  // "sha256 Fingerprint=AB:CD:..."
    auto eq = line.find('=');
    ASSERT_NE(eq, std::string::npos) << line;
    std::string cli = line.substr(eq + 1);
    while (!cli.empty() && (cli.back() == '\n' || cli.back() == '\r')) cli.pop_back();
    EXPECT_EQ(inspect_certificate(leaf.der, kNow).sha256_fingerprint, cli);
}

TEST(CertificateFacts, GarbageThrows) {
    Bytes garbage{0x30, 0x82, 0x01, 0x00, 0xde, 0xad, 0xbe, 0xef};
    EXPECT_THROW(inspect_certificate(garbage, kNow), std::runtime_error);
    EXPECT_THROW(inspect_certificate(Bytes{}, kNow), std::runtime_error);
    Bytes text{'h', 'e', 'l', 'l', 'o'};
    EXPECT_THROW(inspect_certificate(text, kNow), std::runtime_error);

    Pki pki;
    Bytes trailing = pki.leaf(CertSpec{}).der;
    trailing.push_back(0);
    EXPECT_THROW(inspect_certificate(trailing, kNow), std::runtime_error);
}

TEST(LoadPem, ReadsCertificatesInFileOrderAndSkipsOtherBlocks) {
    Pki pki;
    Issued leaf = pki.leaf(CertSpec{});
    const char* key_block =
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIGfVl7H8tEbSUyDPCF1EqCnqLDs3Yz1Yvk5Cq5fSxYyf\n"
        "-----END PRIVATE KEY-----\n";
    std::string path = write_pem({leaf.cert.get(), pki.ca.cert.get()}, key_block);
    std::vector<Bytes> ders = load_pem_certificates(path);
    std::filesystem::remove(path);
    ASSERT_EQ(ders.size(), 2u);
    EXPECT_EQ(ders[0], leaf.der);
    EXPECT_EQ(ders[1], pki.ca.der);
}

TEST(LoadPem, MissingOrEmptyFileThrows) {
    EXPECT_THROW(load_pem_certificates("/nonexistent/vpnprobe/ca.pem"), std::runtime_error);
    std::string path = temp_path("vpnprobe-empty");
    std::ofstream(path) << "not a certificate\n";
    EXPECT_THROW(load_pem_certificates(path), std::runtime_error);
    std::filesystem::remove(path);
}

// --- host names ---

struct HostCase {
    std::vector<std::string> dns;
    std::vector<std::string> ips;
    std::string cn;
    std::string host;
    bool matches;
};

class HostNameMatch : public ::testing::TestWithParam<HostCase> {};

TEST_P(HostNameMatch, FollowsRfc6125) {
    const HostCase& c = GetParam();
    CertificateFacts f;
    f.san_dns = c.dns;
    f.san_ip = c.ips;
    f.subject_cn = c.cn;
    EXPECT_EQ(host_name_matches(f, c.host), c.matches) << "host " << c.host << ", CN " << c.cn;
}

const std::vector<std::string> kSans{"vpn.example.com", "*.example.net"};

INSTANTIATE_TEST_SUITE_P(
    Table, HostNameMatch,
    ::testing::Values(
        HostCase{kSans, {}, "other.example.org", "vpn.example.com", true},
        HostCase{kSans, {}, "other.example.org", "VPN.Example.COM", true},  // case-insensitive
        HostCase{kSans, {}, "other.example.org", "vpn.example.com.", true},  // absolute form
        HostCase{kSans, {}, "other.example.org", "a.example.net", true},  // wildcard, one label
        HostCase{kSans, {}, "other.example.org", "A.EXAMPLE.NET", true},
        HostCase{kSans, {}, "other.example.org", "example.net", false},  // wildcard needs a label
        HostCase{kSans, {}, "other.example.org", "a.b.example.net", false},  // and only one
        HostCase{kSans, {}, "other.example.org", "other.example.org", false},  // CN ignored with DNS SANs
        HostCase{kSans, {}, "other.example.org", "", false},
        HostCase{kSans, {}, "other.example.org", "vpn.example.com.evil.test", false},
        HostCase{{}, {}, "vpn.example.com", "vpn.example.com", true},  // CN used without DNS SANs
        HostCase{{}, {}, "vpn.example.com", "VPN.EXAMPLE.COM", true},
        HostCase{{}, {}, "vpn.example.com", "www.example.com", false},
        HostCase{{}, {"192.0.2.1"}, "vpn.example.com", "vpn.example.com", true},  // IP SAN does not hide CN
        HostCase{{}, {}, "*.example.com", "a.example.com", true},
        HostCase{{"a*.example.com"}, {}, "", "ab.example.com", false},  // partial-label wildcards are not honoured
        HostCase{{"*a.example.com"}, {}, "", "ba.example.com", false},
        HostCase{{"*.com"}, {}, "", "example.com", false}, HostCase{{"*.example.com"}, {}, "", "192.0.2.1", false},
        HostCase{{}, {"192.0.2.10", "2001:db8::1"}, "", "192.0.2.10", true},
        HostCase{{}, {"192.0.2.10", "2001:db8::1"}, "", "192.0.2.11", false},
        HostCase{{}, {"192.0.2.10", "2001:db8::1"}, "", "2001:DB8:0:0::1", true},  // v6 normalised
        HostCase{{}, {"192.0.2.10", "2001:db8::1"}, "", "[2001:db8::1]", true},
        HostCase{{}, {"192.0.2.10"}, "", "::ffff:192.0.2.10", false},  // a mapped v6 address is another address
        HostCase{{"198.51.100.7"}, {}, "", "198.51.100.7", true},  // IP spelled as a dNSName
        HostCase{{"vpn.example.com"}, {}, "192.0.2.10", "192.0.2.10", false},
        HostCase{{}, {}, "192.0.2.10", "192.0.2.10", true}));  // no SANs at all: CN

// --- chain verdicts ---

TEST(VerifyChain, ValidLeafUnderTrustedRoot) {
    Pki pki;
    Issued leaf = pki.leaf(CertSpec{});
    std::string ca = write_pem({pki.ca.cert.get()});
    ChainVerdict v = verify_chain({leaf.der}, ca, kNow);
    std::filesystem::remove(ca);
    EXPECT_TRUE(v.valid) << v.openssl_reason;
    EXPECT_EQ(v.openssl_error, 0);
    EXPECT_EQ(v.error_depth, -1);
    EXPECT_TRUE(v.all_errors.empty());
    EXPECT_EQ(v.built_chain_subjects,
              (std::vector<std::string>{"CN=vpn.example.test,O=Example", "CN=Example Test Root CA,O=Example"}));
}

TEST(VerifyChain, ValidThroughIntermediateTheServerSends) {
    Pki pki;
    CertSpec is = ca_spec("Example Issuing CA");
    is.serial = 2;
    Issued inter = make_cert(is, keys().other_ca.get(), pki.ca.cert.get(), keys().ca.get());
    Issued leaf = make_cert(CertSpec{}, keys().leaf_ec.get(), inter.cert.get(), keys().other_ca.get());
    std::string ca = write_pem({pki.ca.cert.get()});

    ChainVerdict v = verify_chain({leaf.der, inter.der}, ca, kNow);
    EXPECT_TRUE(v.valid) << v.openssl_reason;
    EXPECT_EQ(v.built_chain_subjects.size(), 3u);

    // Without the intermediate the issuer cannot be found.
    ChainVerdict missing = verify_chain({leaf.der}, ca, kNow);
    std::filesystem::remove(ca);
    EXPECT_FALSE(missing.valid);
    EXPECT_EQ(missing.error_depth, 0);
    EXPECT_TRUE(has_error(missing, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY) ||
                has_error(missing, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE));
}

TEST(VerifyChain, ExpiredLeafIsJudgedAtTheGivenTime) {
    Pki pki;
    CertSpec s;
    s.not_after = utc(2024, 5, 1);
    Issued leaf = pki.leaf(s);
    std::string ca = write_pem({pki.ca.cert.get()});
    ChainVerdict expired = verify_chain({leaf.der}, ca, kNow);
    ChainVerdict earlier = verify_chain({leaf.der}, ca, utc(2024, 4, 1));
    std::filesystem::remove(ca);
    EXPECT_FALSE(expired.valid);
    EXPECT_EQ(expired.openssl_error, X509_V_ERR_CERT_HAS_EXPIRED);
    EXPECT_EQ(expired.openssl_reason, "certificate has expired");
    EXPECT_EQ(expired.error_depth, 0);
    EXPECT_EQ(expired.all_errors.size(), 1u);
    EXPECT_TRUE(earlier.valid) << earlier.openssl_reason;
}

TEST(VerifyChain, UntrustedRootTheServerSends) {
    Pki pki;
    Issued leaf = pki.leaf(CertSpec{});
    Issued other = make_cert(ca_spec("Someone Else's Root"), keys().other_ca.get(), nullptr, nullptr);
    std::string ca = write_pem({other.cert.get()});
    ChainVerdict v = verify_chain({leaf.der, pki.ca.der}, ca, kNow);
    std::filesystem::remove(ca);
    EXPECT_FALSE(v.valid);
    EXPECT_EQ(v.openssl_error, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN);
    EXPECT_EQ(v.error_depth, 1);
}

TEST(VerifyChain, UnknownIssuerAgainstTheSystemStore) {
    Pki pki;
    ChainVerdict v = verify_chain({pki.leaf(CertSpec{}).der}, std::nullopt, kNow);
    EXPECT_FALSE(v.valid);
    EXPECT_TRUE(has_error(v, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY) ||
                has_error(v, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE))
        << v.openssl_reason;
}

TEST(VerifyChain, ExpiredAndUntrustedReportsBoth) {
    Pki pki;
    CertSpec s;
    s.not_after = utc(2024, 5, 1);
    Issued leaf = pki.leaf(s);
    Issued other = make_cert(ca_spec("Someone Else's Root"), keys().other_ca.get(), nullptr, nullptr);
    std::string ca = write_pem({other.cert.get()});
    ChainVerdict v = verify_chain({leaf.der}, ca, kNow);
    std::filesystem::remove(ca);
    EXPECT_FALSE(v.valid);
    EXPECT_TRUE(has_error(v, X509_V_ERR_CERT_HAS_EXPIRED));
    EXPECT_TRUE(has_error(v, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY) ||
                has_error(v, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE));
    ASSERT_EQ(v.all_errors.size(), v.all_error_depths.size());
    EXPECT_EQ(v.openssl_error, v.all_errors.front().first);
}

TEST(VerifyChain, SelfSignedLeaf) {
    CertSpec s;
    s.san = "DNS:vpn.example.test";
    Issued self = make_cert(s, keys().leaf_rsa.get(), nullptr, nullptr);
    Pki pki;
    std::string ca = write_pem({pki.ca.cert.get()});
    ChainVerdict v = verify_chain({self.der}, ca, kNow);
    std::filesystem::remove(ca);
    EXPECT_FALSE(v.valid);
    EXPECT_EQ(v.openssl_error, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    EXPECT_EQ(v.error_depth, 0);

    // Trusted explicitly, as a Windows client with it in its root store would.
    std::string self_ca = write_pem({self.cert.get()});
    ChainVerdict trusted = verify_chain({self.der}, self_ca, kNow);
    std::filesystem::remove(self_ca);
    EXPECT_TRUE(trusted.valid) << trusted.openssl_reason;
}

TEST(VerifyChain, WrongIssuerKey) {
    // Names a trusted CA as issuer but is signed by a different key of the same type (a re-keyed CA, say): the
    // issuer is found by name and the signature check fails. (With a key of another type OpenSSL does not even
    // consider the CA a candidate, and the verdict is "unable to get local issuer certificate".)
    Pki pki;
    Issued impostor = make_cert(ca_spec("Example Test Root CA"), keys().leaf_rsa.get(), nullptr, nullptr);
    Issued leaf = make_cert(CertSpec{}, keys().leaf_ec.get(), impostor.cert.get(), keys().leaf_rsa.get());
    std::string ca = write_pem({pki.ca.cert.get()});
    ChainVerdict v = verify_chain({leaf.der}, ca, kNow);
    std::filesystem::remove(ca);
    EXPECT_FALSE(v.valid);
    EXPECT_EQ(v.openssl_error, X509_V_ERR_CERT_SIGNATURE_FAILURE) << v.openssl_reason;
    EXPECT_EQ(v.error_depth, 0);
}

TEST(VerifyChain, EmptyOrUnparseableChainIsAVerdict) {
    ChainVerdict empty = verify_chain({}, std::nullopt, kNow);
    EXPECT_FALSE(empty.valid);
    EXPECT_NE(empty.openssl_error, 0);
    Pki pki;
    ChainVerdict bad = verify_chain({pki.leaf(CertSpec{}).der, Bytes{1, 2, 3}}, std::nullopt, kNow);
    EXPECT_FALSE(bad.valid);
    EXPECT_NE(bad.openssl_reason.find("certificate 1 cannot be parsed"), std::string::npos) << bad.openssl_reason;
}

TEST(VerifyChain, UnreadableCaFileThrows) {
    Pki pki;
    EXPECT_THROW(verify_chain({pki.leaf(CertSpec{}).der}, std::string("/nonexistent/ca.pem"), kNow),
                 std::runtime_error);
}

// --- Windows diagnosis ---

namespace {

struct Diagnosed {
    CertificateFacts leaf;
    ChainVerdict chain;
};

Diagnosed diagnose_under(const Pki& pki, const Issued& leaf, std::time_t now = kNow) {
    std::string ca = write_pem({pki.ca.cert.get()});
    Diagnosed d{inspect_certificate(leaf.der, now), verify_chain({leaf.der}, ca, now)};
    std::filesystem::remove(ca);
    return d;
}

CertSpec good_spec() {
    CertSpec s;
    s.san = "DNS:vpn.example.test";
    s.eku = "serverAuth,1.3.6.1.5.5.8.2.2";
    return s;
}

}  // namespace

TEST(WindowsProblems, GoodCertificateHasNone) {
    Pki pki;
    Diagnosed d = diagnose_under(pki, pki.leaf(good_spec()));
    EXPECT_TRUE(windows_certificate_problems(d.leaf, d.chain, "vpn.example.test", VpnUse::sstp).empty());
    EXPECT_TRUE(windows_certificate_problems(d.leaf, d.chain, "VPN.example.test", VpnUse::ikev2).empty());
}

TEST(WindowsProblems, ExpiredIsCertEExpiredForSstp) {
    Pki pki;
    CertSpec s = good_spec();
    s.not_after = utc(2024, 5, 1);
    Diagnosed d = diagnose_under(pki, pki.leaf(s));
    auto ps = windows_certificate_problems(d.leaf, d.chain, "vpn.example.test", VpnUse::sstp);
    ASSERT_EQ(checks(ps), (std::vector<std::string>{"expired"}));  // the chain's own expiry error is the same fault
    EXPECT_EQ(ps[0].windows_error, "0x800B0101 CERT_E_EXPIRED (-2146762495)");
    EXPECT_NE(ps[0].windows_error.find("-2146762495"), std::string::npos);
    EXPECT_NE(ps[0].detail.find("2024-05-01"), std::string::npos) << ps[0].detail;
    EXPECT_NE(ps[0].detail.find("31 days ago"), std::string::npos) << ps[0].detail;
    EXPECT_FALSE(ps[0].advisory);
}

TEST(WindowsProblems, NotYetValidIsAlsoCertEExpired) {
    Pki pki;
    CertSpec s = good_spec();
    s.not_before = utc(2024, 7, 1);
    Diagnosed d = diagnose_under(pki, pki.leaf(s));
    auto ps = windows_certificate_problems(d.leaf, d.chain, "vpn.example.test", VpnUse::sstp);
    const CertificateProblem* p = find_problem(ps, "not_yet_valid");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->windows_error, "0x800B0101 CERT_E_EXPIRED (-2146762495)");
    EXPECT_EQ(find_problem(ps, "expired"), nullptr);
}

TEST(WindowsProblems, WrongNameIsCnNoMatch) {
    Pki pki;
    Diagnosed d = diagnose_under(pki, pki.leaf(good_spec()));
    auto ps = windows_certificate_problems(d.leaf, d.chain, "other.example.test", VpnUse::sstp);
    ASSERT_EQ(checks(ps), (std::vector<std::string>{"name_mismatch"}));
    EXPECT_EQ(ps[0].windows_error, "0x800B010F CERT_E_CN_NO_MATCH (-2146762481)");
    EXPECT_NE(ps[0].detail.find("DNS:vpn.example.test"), std::string::npos) << ps[0].detail;
    // No dialled name, no name check.
    EXPECT_TRUE(windows_certificate_problems(d.leaf, d.chain, "", VpnUse::sstp).empty());
}

TEST(WindowsProblems, ClientAuthOnlyIsWrongUsage) {
    Pki pki;
    CertSpec s = good_spec();
    s.eku = "clientAuth";
    Diagnosed d = diagnose_under(pki, pki.leaf(s));
    auto ps = windows_certificate_problems(d.leaf, d.chain, "vpn.example.test", VpnUse::sstp);
    ASSERT_EQ(checks(ps), (std::vector<std::string>{"no_server_auth_eku"}));
    EXPECT_EQ(ps[0].windows_error, "0x800B0110 CERT_E_WRONG_USAGE (-2146762480)");
    EXPECT_NE(ps[0].detail.find("clientAuth"), std::string::npos);
}

TEST(WindowsProblems, NoEkuExtensionOrAnyEkuServesEveryPurpose) {
    Pki pki;
    for (const char* eku : {"", "anyExtendedKeyUsage", "clientAuth,anyExtendedKeyUsage"}) {
        CertSpec s = good_spec();
        s.eku = eku;
        Diagnosed d = diagnose_under(pki, pki.leaf(s));
        auto sstp = windows_certificate_problems(d.leaf, d.chain, "vpn.example.test", VpnUse::sstp);
        EXPECT_TRUE(sstp.empty()) << "EKU '" << eku << "'";
        auto ike = windows_certificate_problems(d.leaf, d.chain, "vpn.example.test", VpnUse::ikev2);
        EXPECT_EQ(find_problem(ike, "no_server_auth_eku"), nullptr) << "EKU '" << eku << "'";
        EXPECT_EQ(find_problem(ike, "missing_ike_intermediate_eku"), nullptr) << "EKU '" << eku << "'";
    }
}

TEST(WindowsProblems, SelfSignedIsUntrustedRoot) {
    Pki pki;
    CertSpec s = good_spec();
    Issued self = make_cert(s, keys().leaf_rsa.get(), nullptr, nullptr);
    Diagnosed d = diagnose_under(pki, self);
    auto ps = windows_certificate_problems(d.leaf, d.chain, "vpn.example.test", VpnUse::sstp);
    ASSERT_EQ(checks(ps), (std::vector<std::string>{"self_signed"}));
    EXPECT_EQ(ps[0].windows_error, "0x800B0109 CERT_E_UNTRUSTEDROOT (-2146762487)");
}

TEST(WindowsProblems, UnknownIssuerIsUntrustedRoot) {
    Pki pki;
    Issued stranger_root = make_cert(ca_spec("Stranger Root"), keys().other_ca.get(), nullptr, nullptr);
    Issued leaf = make_cert(good_spec(), keys().leaf_rsa.get(), stranger_root.cert.get(), keys().other_ca.get());
    Diagnosed d = diagnose_under(pki, leaf);
    auto ps = windows_certificate_problems(d.leaf, d.chain, "vpn.example.test", VpnUse::sstp);
    ASSERT_EQ(checks(ps), (std::vector<std::string>{"untrusted_root"}));
    EXPECT_EQ(ps[0].windows_error, "0x800B0109 CERT_E_UNTRUSTEDROOT (-2146762487)");
    EXPECT_NE(ps[0].detail.find("CERT_E_CHAINING"), std::string::npos);
}

TEST(WindowsProblems, ExpiredAndUntrustedAreBothReported) {
    Pki pki;
    Issued stranger_root = make_cert(ca_spec("Stranger Root"), keys().other_ca.get(), nullptr, nullptr);
    CertSpec s = good_spec();
    s.not_after = utc(2024, 5, 1);
    Issued leaf = make_cert(s, keys().leaf_rsa.get(), stranger_root.cert.get(), keys().other_ca.get());
    Diagnosed d = diagnose_under(pki, leaf);
    auto ps = windows_certificate_problems(d.leaf, d.chain, "vpn.example.test", VpnUse::sstp);
    EXPECT_EQ(checks(ps), (std::vector<std::string>{"expired", "untrusted_root"}));
}

TEST(WindowsProblems, WrongIssuerKeyIsASignatureFailure) {
    Pki pki;
    Issued impostor = make_cert(ca_spec("Example Test Root CA"), keys().leaf_rsa.get(), nullptr, nullptr);
    Issued leaf = make_cert(good_spec(), keys().leaf_ec.get(), impostor.cert.get(), keys().leaf_rsa.get());
    Diagnosed d = diagnose_under(pki, leaf);
    auto ps = windows_certificate_problems(d.leaf, d.chain, "vpn.example.test", VpnUse::sstp);
    ASSERT_EQ(checks(ps), (std::vector<std::string>{"bad_signature"}));
    EXPECT_EQ(ps[0].windows_error, "0x80096004 TRUST_E_CERT_SIGNATURE (-2146869244)");
}

TEST(WindowsProblems, Ikev2ReportsEveryRefusalAs13801) {
    Pki pki;
    CertSpec s = good_spec();
    s.not_after = utc(2024, 5, 1);
    s.eku = "clientAuth";
    Diagnosed d = diagnose_under(pki, pki.leaf(s));
    auto ps = windows_certificate_problems(d.leaf, d.chain, "wrong.example.test", VpnUse::ikev2);
    EXPECT_EQ(checks(ps), (std::vector<std::string>{"expired", "name_mismatch", "no_server_auth_eku",
                                                    "missing_ike_intermediate_eku"}));
    for (const auto& p : ps) {
        if (p.advisory) continue;
        EXPECT_EQ(p.windows_error, "13801") << p.check;
        EXPECT_NE(p.detail.find("13801"), std::string::npos) << p.detail;
    }
    EXPECT_NE(find_problem(ps, "expired")->detail.find("CERT_E_EXPIRED"), std::string::npos);
    EXPECT_NE(find_problem(ps, "name_mismatch")->detail.find("CERT_E_CN_NO_MATCH"), std::string::npos);
    EXPECT_NE(find_problem(ps, "no_server_auth_eku")->detail.find("CERT_E_WRONG_USAGE"), std::string::npos);
}

TEST(WindowsProblems, Ikev2SelfSignedAndUntrustedAre13801) {
    Pki pki;
    Issued self = make_cert(good_spec(), keys().leaf_rsa.get(), nullptr, nullptr);
    Diagnosed d = diagnose_under(pki, self);
    auto ps = windows_certificate_problems(d.leaf, d.chain, "vpn.example.test", VpnUse::ikev2);
    ASSERT_EQ(checks(ps), (std::vector<std::string>{"self_signed"}));
    EXPECT_EQ(ps[0].windows_error, "13801");
    EXPECT_NE(ps[0].detail.find("CERT_E_UNTRUSTEDROOT"), std::string::npos);
}

TEST(WindowsProblems, Ikev2MissingIkeIntermediateIsAdvisory) {
    Pki pki;
    CertSpec s = good_spec();
    s.eku = "serverAuth";
    Diagnosed d = diagnose_under(pki, pki.leaf(s));
    auto ike = windows_certificate_problems(d.leaf, d.chain, "vpn.example.test", VpnUse::ikev2);
    ASSERT_EQ(checks(ike), (std::vector<std::string>{"missing_ike_intermediate_eku"}));
    EXPECT_TRUE(ike[0].advisory);
    EXPECT_EQ(ike[0].windows_error, "");
    EXPECT_NE(ike[0].detail.find("Advisory"), std::string::npos);
    // SSTP does not care.
    EXPECT_TRUE(windows_certificate_problems(d.leaf, d.chain, "vpn.example.test", VpnUse::sstp).empty());
}

TEST(WindowsProblems, Ikev2NeedsAnIpAddressAsDnsName) {
    Pki pki;
    CertSpec ip_san = good_spec();
    ip_san.san = "DNS:vpn.example.test,IP:192.0.2.10";
    Diagnosed d = diagnose_under(pki, pki.leaf(ip_san));
    auto ike = windows_certificate_problems(d.leaf, d.chain, "192.0.2.10", VpnUse::ikev2);
    ASSERT_EQ(checks(ike), (std::vector<std::string>{"ip_not_in_dns_san"}));
    EXPECT_EQ(ike[0].windows_error, "13801");
    EXPECT_NE(ike[0].detail.find("DNS:192.0.2.10"), std::string::npos);
    EXPECT_TRUE(windows_certificate_problems(d.leaf, d.chain, "192.0.2.10", VpnUse::sstp).empty());

    CertSpec dns_ip = good_spec();
    dns_ip.san = "DNS:vpn.example.test,DNS:192.0.2.10,IP:192.0.2.10";
    Diagnosed ok = diagnose_under(pki, pki.leaf(dns_ip));
    EXPECT_TRUE(windows_certificate_problems(ok.leaf, ok.chain, "192.0.2.10", VpnUse::ikev2).empty());
}

TEST(WindowsProblems, WeakKeysAndHashes) {
    Pki pki;
    CertSpec s = good_spec();

    Diagnosed rsa1024 = diagnose_under(pki, pki.leaf(s, keys().rsa1024.get()));
    auto p1024 = windows_certificate_problems(rsa1024.leaf, rsa1024.chain, "vpn.example.test", VpnUse::sstp);
    ASSERT_EQ(checks(p1024), (std::vector<std::string>{"weak_key"}));
    EXPECT_TRUE(p1024[0].advisory);

    Diagnosed rsa512 = diagnose_under(pki, pki.leaf(s, keys().rsa512.get()));
    auto p512 = windows_certificate_problems(rsa512.leaf, rsa512.chain, "vpn.example.test", VpnUse::ikev2);
    const CertificateProblem* weak = find_problem(p512, "weak_key");
    ASSERT_NE(weak, nullptr);
    EXPECT_FALSE(weak->advisory);
    EXPECT_EQ(weak->windows_error, "13801");

    CertSpec sha1 = good_spec();
    sha1.md = EVP_sha1();
    Diagnosed d = diagnose_under(pki, pki.leaf(sha1));
    EXPECT_EQ(d.leaf.signature_algorithm, "sha1WithRSAEncryption");
    auto ps = windows_certificate_problems(d.leaf, d.chain, "vpn.example.test", VpnUse::sstp);
    // OpenSSL's default security level may also refuse SHA-1 in the chain; only the advice is asserted here.
    const CertificateProblem* p = find_problem(ps, "weak_signature_sha1");
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(p->advisory);
    EXPECT_EQ(p->windows_error, "");
}

TEST(WindowsProblems, SstpAdvisesWhenThereIsNowhereToCheckRevocation) {
    Pki pki;
    CertSpec s = good_spec();
    s.crl = "";
    Diagnosed d = diagnose_under(pki, pki.leaf(s));
    auto ps = windows_certificate_problems(d.leaf, d.chain, "vpn.example.test", VpnUse::sstp);
    ASSERT_EQ(checks(ps), (std::vector<std::string>{"no_revocation_info"}));
    EXPECT_TRUE(ps[0].advisory);
    EXPECT_NE(ps[0].detail.find("0x80092013 CRYPT_E_REVOCATION_OFFLINE"), std::string::npos);

    s.ocsp = "OCSP;URI:http://ocsp.example.test";
    Diagnosed with_ocsp = diagnose_under(pki, pki.leaf(s));
    EXPECT_TRUE(
        windows_certificate_problems(with_ocsp.leaf, with_ocsp.chain, "vpn.example.test", VpnUse::sstp).empty());
}

// --- Windows error table ---

TEST(WindowsErrors, DescribeHresultsAndRasNumbers) {
    EXPECT_EQ(winerr::describe(winerr::CERT_E_EXPIRED), "0x800B0101 CERT_E_EXPIRED (-2146762495)");
    EXPECT_EQ(winerr::describe(winerr::CERT_E_CN_NO_MATCH), "0x800B010F CERT_E_CN_NO_MATCH (-2146762481)");
    EXPECT_EQ(winerr::describe(winerr::CERT_E_UNTRUSTEDROOT), "0x800B0109 CERT_E_UNTRUSTEDROOT (-2146762487)");
    EXPECT_EQ(winerr::describe(winerr::CERT_E_WRONG_USAGE), "0x800B0110 CERT_E_WRONG_USAGE (-2146762480)");
    EXPECT_EQ(winerr::describe(winerr::CRYPT_E_REVOCATION_OFFLINE),
              "0x80092013 CRYPT_E_REVOCATION_OFFLINE (-2146885613)");
    EXPECT_EQ(winerr::describe(winerr::ERROR_VPN_TIMEOUT), "809");
    EXPECT_EQ(winerr::describe(winerr::ERROR_IPSEC_IKE_AUTH_FAIL), "13801");
    EXPECT_EQ(winerr::describe(winerr::ERROR_IPSEC_IKE_POLICY_MATCH), "13868");
    EXPECT_EQ(winerr::describe(winerr::ERROR_AUTHENTICATION_FAILURE), "691");
}

TEST(WindowsErrors, TableIsCompleteAndUnique) {
    for (std::uint32_t code :
         {0x800B0101u, 0x800B010Fu, 0x800B0109u, 0x800B0110u, 0x80092013u, 809u, 13868u, 13801u, 691u}) {
        auto e = winerr::find(code);
        ASSERT_TRUE(e.has_value()) << code;
        EXPECT_FALSE(e->symbol.empty());
        EXPECT_FALSE(e->meaning.empty());
    }
    EXPECT_FALSE(winerr::find(12345).has_value());
    for (std::size_t i = 0; i < winerr::all.size(); ++i)
        for (std::size_t j = i + 1; j < winerr::all.size(); ++j)
            EXPECT_NE(winerr::all[i].hresult_or_code, winerr::all[j].hresult_or_code);
}

// --- JSON ---

TEST(CertificateJson, FactsVerdictAndProblem) {
    Pki pki;
    CertSpec s = good_spec();
    s.not_after = utc(2024, 5, 1);
    Diagnosed d = diagnose_under(pki, pki.leaf(s));

    boost::json::object f = to_json(d.leaf);
    EXPECT_EQ(f.at("subject").as_string(), "CN=vpn.example.test,O=Example");
    EXPECT_EQ(f.at("not_after").as_string(), "2024-05-01T00:00:00Z");
    EXPECT_EQ(f.at("inspected_at").as_string(), "2024-06-01T00:00:00Z");
    EXPECT_DOUBLE_EQ(f.at("days_left").as_double(), -31.0);
    EXPECT_EQ(f.at("fingerprint_sha256").as_string(), d.leaf.sha256_fingerprint);
    EXPECT_EQ(f.at("key").as_object().at("type").as_string(), "RSA");
    EXPECT_EQ(f.at("san").as_object().at("dns").as_array().size(), 1u);
    EXPECT_EQ(f.at("ekus").as_array().size(), 2u);
    EXPECT_FALSE(f.contains("der"));
    EXPECT_FALSE(f.contains("pem"));
    EXPECT_LT(boost::json::serialize(f).size(), 2000u);

    boost::json::object v = to_json(d.chain);
    EXPECT_FALSE(v.at("valid").as_bool());
    EXPECT_EQ(v.at("openssl_error").as_int64(), X509_V_ERR_CERT_HAS_EXPIRED);
    ASSERT_EQ(v.at("errors").as_array().size(), 1u);
    EXPECT_EQ(v.at("errors").as_array()[0].as_object().at("depth").as_int64(), 0);

    auto ps = windows_certificate_problems(d.leaf, d.chain, "vpn.example.test", VpnUse::sstp);
    ASSERT_FALSE(ps.empty());
    boost::json::object p = to_json(ps[0]);
    EXPECT_EQ(p.at("check").as_string(), "expired");
    EXPECT_EQ(p.at("windows_error").as_string(), "0x800B0101 CERT_E_EXPIRED (-2146762495)");
    EXPECT_FALSE(p.at("advisory").as_bool());
}

TEST(FormatTime, Iso8601Utc) {
    EXPECT_EQ(format_time_utc(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_time_utc(utc(2021, 1, 1, 13)), "2021-01-01T13:00:00Z");
}

// The process's shared decodes: the same DER gives the same decoded certificate (one more reference), another DER
// its own, and what does not decode throws every time (nothing kept for it).
TEST(CertificateShared, TheSameBytesAreDecodedOnceAndOtherBytesApart) {
    Pki pki;
    Issued a = pki.leaf(CertSpec{});
    CertSpec other;
    other.serial = 4242;
    Issued b = pki.leaf(other);
    X509Ptr first = parse_certificate_shared(a.der);
    X509Ptr again = parse_certificate_shared(Bytes(a.der));
    X509Ptr different = parse_certificate_shared(b.der);
    ASSERT_TRUE(first && again && different);
    EXPECT_EQ(first.get(), again.get());
    EXPECT_NE(first.get(), different.get());
    EXPECT_EQ(X509_cmp(first.get(), a.cert.get()), 0);
    EXPECT_EQ(X509_cmp(different.get(), b.cert.get()), 0);
    first.reset();  // the cache's own reference keeps it for the next probe
    EXPECT_EQ(X509_cmp(again.get(), a.cert.get()), 0);
    Bytes broken = a.der;
    broken.resize(broken.size() / 2);
    EXPECT_THROW(parse_certificate_shared(broken), std::runtime_error);
    EXPECT_THROW(parse_certificate_shared(broken), std::runtime_error);
    Bytes trailing = a.der;
    trailing.push_back(0);
    EXPECT_THROW(parse_certificate_shared(trailing), std::runtime_error);
}
