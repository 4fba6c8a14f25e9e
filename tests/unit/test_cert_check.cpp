// cert-check: the pre-change certificate check, and its command line. Every certificate is made here with OpenSSL
// (a small builder below), the moment judged is fixed, and the trust anchor is a generated root in a temporary
// file: nothing depends on today's date or the system store.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "probes/certificate_check.hpp"
#include "probes/windows_errors.hpp"

using namespace vpnprobe::probes;
using vpnprobe::protocol::Bytes;

namespace {

// --- certificate builder ---

using KeyPtr = std::shared_ptr<EVP_PKEY>;
struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};

std::time_t utc(int y, int mon, int d) {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = d;
    return timegm(&tm);
}

const std::time_t kNow = utc(2030, 6, 1);
constexpr std::time_t kDay = 86400;

KeyPtr new_key(const char* type, const char* curve_or_bits) {
    EVP_PKEY* k = std::string(type) == "RSA"
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(std::stoul(curve_or_bits)))
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve_or_bits);
    if (!k) throw std::runtime_error("key generation failed");
    return KeyPtr(k, EVP_PKEY_free);
}
// Generated once per process: RSA key generation is the slow part of these tests.
const KeyPtr& rsa2048() {
    static KeyPtr k = new_key("RSA", "2048");
    return k;
}
const KeyPtr& rsa1024() {
    static KeyPtr k = new_key("RSA", "1024");
    return k;
}
const KeyPtr& p256() {
    static KeyPtr k = new_key("EC", "P-256");
    return k;
}
const KeyPtr& other_p256() {
    static KeyPtr k = new_key("EC", "P-256");
    return k;
}

struct Cert {
    std::shared_ptr<X509> x509;
    KeyPtr key;
    Bytes der() const {
        unsigned char* out = nullptr;
        int n = i2d_X509(x509.get(), &out);
        Bytes v(out, out + std::max(n, 0));
        OPENSSL_free(out);
        return v;
    }
    std::string pem() const {
        std::unique_ptr<BIO, decltype(&BIO_free)> b(BIO_new(BIO_s_mem()), BIO_free);
        PEM_write_bio_X509(b.get(), x509.get());
        char* data = nullptr;
        long n = BIO_get_mem_data(b.get(), &data);
        return std::string(data, static_cast<std::size_t>(n));
    }
};

// What a test changes; the defaults are a certificate a Windows client accepts for SSTP and IKEv2 without a
// single advisory (serverAuth and IKE-intermediate EKUs, a DNS SAN, a CRL URL, a year of validity around kNow).
struct Spec {
    KeyPtr key = rsa2048();
    std::string cn = "vpn.example.com";
    std::string san = "DNS:vpn.example.com";
    std::string eku = "serverAuth,1.3.6.1.5.5.8.2.2";  // "" = no EKU extension
    std::time_t not_before = kNow - 30 * kDay;
    std::time_t not_after = kNow + 365 * kDay;
    const Cert* issuer = nullptr;  // nullptr = self-signed
    bool ca = false;
};

void add_ext(X509* x, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!ext) throw std::runtime_error("bad extension " + value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
}

Cert make_cert(const Spec& s) {
    static long serial = 1;
    std::shared_ptr<X509> x(X509_new(), X509_free);
    X509_set_version(x.get(), X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial++);
    ASN1_TIME_set(X509_getm_notBefore(x.get()), s.not_before);
    ASN1_TIME_set(X509_getm_notAfter(x.get()), s.not_after);
    X509_set_pubkey(x.get(), s.key.get());
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x.get()), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(s.cn.c_str()), -1, -1, 0);
    X509* issuer = s.issuer ? s.issuer->x509.get() : x.get();
    X509_set_issuer_name(x.get(), X509_get_subject_name(issuer));
    if (s.ca) {
        add_ext(x.get(), issuer, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x.get(), issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(x.get(), issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
        if (!s.san.empty()) add_ext(x.get(), issuer, NID_subject_alt_name, s.san);
        if (!s.eku.empty()) add_ext(x.get(), issuer, NID_ext_key_usage, s.eku);
        add_ext(x.get(), issuer, NID_crl_distribution_points, "URI:http://crl.example.com/ca.crl");
    }
    EVP_PKEY* signer = s.issuer ? s.issuer->key.get() : s.key.get();
    if (X509_sign(x.get(), signer, EVP_sha256()) <= 0) throw std::runtime_error("cannot sign");
    return Cert{x, s.key};
}

std::string key_pem(const KeyPtr& k, const char* passphrase = nullptr) {
    std::unique_ptr<BIO, decltype(&BIO_free)> b(BIO_new(BIO_s_mem()), BIO_free);
    if (passphrase)
        PEM_write_bio_PKCS8PrivateKey(b.get(), k.get(), EVP_aes_256_cbc(), passphrase,
                                      static_cast<int>(std::strlen(passphrase)), nullptr, nullptr);
    else PEM_write_bio_PrivateKey(b.get(), k.get(), nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long n = BIO_get_mem_data(b.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

// --- a PKI: root -> intermediate, written where the check can read the root as its only trust anchor ---

struct Pki {
    Cert root = make_cert({.key = p256(),
                           .cn = "Test Root",
                           .not_before = kNow - 900 * kDay,
                           .not_after = kNow + 3650 * kDay,
                           .ca = true});
    Cert intermediate = make_cert({.key = p256(),
                                   .cn = "Test Intermediate",
                                   .not_before = kNow - 800 * kDay,
                                   .not_after = kNow + 3000 * kDay,
                                   .issuer = &root,
                                   .ca = true});
    std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("vpnprobe-cert-check-" + std::to_string(::getpid()));
    std::string root_file;

    Pki() {
        std::filesystem::create_directories(dir);
        root_file = write("root.pem", root.pem());
    }
    ~Pki() {
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }
    std::string write(const std::string& name, const std::string& text) const {
        std::string path = (dir / name).string();
        std::ofstream(path, std::ios::binary) << text;
        return path;
    }
};

const Pki& pki() {
    static Pki p;
    return p;
}

CertCheckOptions options_for(const Cert& leaf, std::vector<VpnUse> uses = {VpnUse::sstp, VpnUse::ikev2}) {
    CertCheckOptions o;
    o.leaf_der = leaf.der();
    o.names = {"vpn.example.com"};
    o.uses = std::move(uses);
    o.ca_file = pki().root_file;
    o.at = kNow;
    return o;
}

std::vector<const CertCheckFinding*> find(const CertCheckResult& r, const std::string& check) {
    std::vector<const CertCheckFinding*> out;
    for (const auto& f : r.findings)
        if (f.check == check) out.push_back(&f);
    return out;
}

const CertCheckFinding* find(const CertCheckResult& r, const std::string& check, VpnUse use) {
    for (const auto& f : r.findings)
        if (f.check == check && f.use == use) return &f;
    return nullptr;
}

std::string all_checks(const CertCheckResult& r) {
    std::string s;
    for (const auto& f : r.findings) s += std::string(to_string(f.use)) + ":" + f.check + " ";
    return s;
}

const std::string kExpired = winerr::describe(winerr::CERT_E_EXPIRED);
const std::string k13801 = winerr::describe(winerr::ERROR_IPSEC_IKE_AUTH_FAIL);

// --- the check ---

TEST(CertCheck, GoodRsa2048FromCaWithItsKeyPassesBothUses) {
    Cert leaf = make_cert({.key = rsa2048(), .issuer = &pki().root});
    std::string pem = key_pem(leaf.key);
    auto opt = options_for(leaf);
    opt.key_pem = pem;
    auto r = check_certificate(opt);
    EXPECT_TRUE(r.findings.empty()) << all_checks(r);
    EXPECT_TRUE(r.ok_for(VpnUse::sstp));
    EXPECT_TRUE(r.ok_for(VpnUse::ikev2));
    EXPECT_TRUE(r.chain.valid);
    ASSERT_TRUE(r.key);
    EXPECT_TRUE(r.key->matches);
    EXPECT_EQ(r.key->key_type, "RSA");
    EXPECT_EQ(r.key->key_bits, 2048);
}

TEST(CertCheck, GoodP256FromIntermediateWithChainPassesBothUses) {
    Cert leaf = make_cert({.key = p256(), .issuer = &pki().intermediate});
    std::string pem = key_pem(leaf.key);
    auto opt = options_for(leaf);
    opt.intermediates_der = {pki().intermediate.der()};
    opt.key_pem = pem;
    auto r = check_certificate(opt);
    EXPECT_TRUE(r.findings.empty()) << all_checks(r);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.chain.built_chain_subjects.size(), 3u);
    ASSERT_TRUE(r.key);
    EXPECT_TRUE(r.key->matches);
    EXPECT_EQ(r.key->curve, "prime256v1");
}

TEST(CertCheck, ExpiredIsCertEExpiredForSstpAnd13801ForIkev2) {
    Cert leaf = make_cert({.not_before = kNow - 400 * kDay, .not_after = kNow - kDay, .issuer = &pki().root});
    auto r = check_certificate(options_for(leaf));
    const auto* sstp = find(r, "certificate.expired", VpnUse::sstp);
    const auto* ikev2 = find(r, "certificate.expired", VpnUse::ikev2);
    ASSERT_TRUE(sstp && ikev2) << all_checks(r);
    EXPECT_EQ(sstp->severity, Severity::error);
    EXPECT_EQ(sstp->windows_error, kExpired);
    EXPECT_EQ(ikev2->windows_error, k13801);
    EXPECT_FALSE(r.ok_for(VpnUse::sstp));
    EXPECT_FALSE(r.ok_for(VpnUse::ikev2));
    // Expired is not also "expires soon".
    EXPECT_TRUE(find(r, "certificate.expires_soon").empty());
}

TEST(CertCheck, NotYetValidAtTheGivenTimeIsAnErrorAndValidLater) {
    Cert leaf = make_cert({.not_before = kNow + 10 * kDay, .not_after = kNow + 400 * kDay, .issuer = &pki().root});
    auto opt = options_for(leaf);
    auto before = check_certificate(opt);
    const auto* f = find(before, "certificate.not_yet_valid", VpnUse::sstp);
    ASSERT_TRUE(f) << all_checks(before);
    EXPECT_EQ(f->severity, Severity::error);
    EXPECT_EQ(f->windows_error, kExpired);
    EXPECT_FALSE(before.ok());

    opt.at = kNow + 20 * kDay;  // the day of the swap
    auto after = check_certificate(opt);
    EXPECT_TRUE(after.findings.empty()) << all_checks(after);
    EXPECT_TRUE(after.ok());
}

TEST(CertCheck, ExpiringWithinMinDaysIsOnlyAWarning) {
    Cert leaf = make_cert({.not_after = kNow + 10 * kDay, .issuer = &pki().root});
    auto opt = options_for(leaf);
    auto r = check_certificate(opt);
    auto soon = find(r, "certificate.expires_soon");
    ASSERT_EQ(soon.size(), 2u) << all_checks(r);  // one per use
    for (const auto* f : soon) EXPECT_EQ(f->severity, Severity::warning);
    EXPECT_EQ(r.findings.size(), 2u) << all_checks(r);
    EXPECT_TRUE(r.ok());

    opt.min_days = 5;
    EXPECT_TRUE(check_certificate(opt).findings.empty());
}

TEST(CertCheck, FailUnderDaysMakesTooFewDaysAnErrorInsteadOfTheWarning) {
    Cert leaf = make_cert({.not_after = kNow + 10 * kDay, .issuer = &pki().root});
    auto opt = options_for(leaf);
    opt.fail_under_days = 14;
    auto r = check_certificate(opt);
    auto gate = find(r, "certificate.too_few_days_left");
    ASSERT_EQ(gate.size(), 2u) << all_checks(r);  // one per use
    for (const auto* f : gate) {
        EXPECT_EQ(f->severity, Severity::error);
        EXPECT_FALSE(f->client_refuses()) << "a client still accepts it at --at";
        EXPECT_NE(f->detail.find("--fail-under-days"), std::string::npos) << f->detail;
    }
    EXPECT_TRUE(find(r, "certificate.expires_soon").empty()) << "the error replaces the warning: " << all_checks(r);
    EXPECT_FALSE(r.ok());

    opt.fail_under_days = 10;  // exactly 10 days left: not fewer than 10
    auto enough = check_certificate(opt);
    EXPECT_TRUE(find(enough, "certificate.too_few_days_left").empty()) << all_checks(enough);
    EXPECT_TRUE(enough.ok()) << all_checks(enough);
    EXPECT_EQ(find(enough, "certificate.expires_soon").size(), 2u) << "--min-days still warns: " << all_checks(enough);
}

TEST(CertCheck, FailUnderDaysAppliesToTheChainToo) {
    Cert inter = make_cert({.key = p256(),
                            .cn = "Short Intermediate",
                            .not_before = kNow - 100 * kDay,
                            .not_after = kNow + 5 * kDay,
                            .issuer = &pki().root,
                            .ca = true});
    Cert leaf = make_cert({.not_after = kNow + 4 * kDay, .issuer = &inter});
    auto opt = options_for(leaf, {VpnUse::sstp});
    opt.intermediates_der = {inter.der()};
    opt.fail_under_days = 7;
    auto r = check_certificate(opt);
    EXPECT_TRUE(find(r, "certificate.too_few_days_left", VpnUse::sstp)) << all_checks(r);
    EXPECT_TRUE(find(r, "certificate.chain_too_few_days_left", VpnUse::sstp)) << all_checks(r);
}

TEST(CertCheck, NameMismatchIsReportedForTheNameThatDoesNotMatch) {
    Cert leaf = make_cert({.issuer = &pki().root});
    auto opt = options_for(leaf);
    opt.names = {"vpn.example.com", "vpn2.example.com"};
    auto r = check_certificate(opt);
    auto mismatches = find(r, "certificate.name_mismatch");
    ASSERT_EQ(mismatches.size(), 2u) << all_checks(r);
    for (const auto* f : mismatches) EXPECT_EQ(f->name, "vpn2.example.com");
    EXPECT_EQ(find(r, "certificate.name_mismatch", VpnUse::sstp)->windows_error,
              winerr::describe(winerr::CERT_E_CN_NO_MATCH));
    EXPECT_EQ(find(r, "certificate.name_mismatch", VpnUse::ikev2)->windows_error, k13801);
    EXPECT_FALSE(r.ok_for(VpnUse::sstp));
}

TEST(CertCheck, ClientAuthOnlyEkuIsWrongUsage) {
    Cert leaf = make_cert({.eku = "clientAuth", .issuer = &pki().root});
    auto r = check_certificate(options_for(leaf));
    const auto* sstp = find(r, "certificate.no_server_auth_eku", VpnUse::sstp);
    const auto* ikev2 = find(r, "certificate.no_server_auth_eku", VpnUse::ikev2);
    ASSERT_TRUE(sstp && ikev2) << all_checks(r);
    EXPECT_EQ(sstp->windows_error, winerr::describe(winerr::CERT_E_WRONG_USAGE));
    EXPECT_EQ(ikev2->windows_error, k13801);
    EXPECT_FALSE(r.ok_for(VpnUse::ikev2));
}

TEST(CertCheck, Rsa1024IsAnErrorOncePerUse) {
    Cert leaf = make_cert({.key = rsa1024(), .issuer = &pki().root});
    auto r = check_certificate(options_for(leaf));
    auto weak = find(r, "certificate.weak_key");
    // The probe's advisory for 1024..2047 bits is replaced by the stricter error, not reported beside it.
    ASSERT_EQ(weak.size(), 2u) << all_checks(r);
    for (const auto* f : weak) {
        EXPECT_EQ(f->severity, Severity::error);
        // The detail's rule: a Windows client accepts 1024 bits today; the error is this check's rule.
        EXPECT_FALSE(f->client_refuses()) << f->detail;
        EXPECT_NE(f->detail.find("accepts it today"), std::string::npos) << f->detail;
    }
    EXPECT_FALSE(r.ok_for(VpnUse::sstp));
    EXPECT_FALSE(r.ok_for(VpnUse::ikev2));
}

TEST(CertCheck, RsaUnder1024IsRefusedByTheClient) {
    static KeyPtr rsa768 = new_key("RSA", "768");
    Cert leaf = make_cert({.key = rsa768, .issuer = &pki().root});
    auto r = check_certificate(options_for(leaf));
    auto weak = find(r, "certificate.weak_key");
    ASSERT_EQ(weak.size(), 2u) << all_checks(r);
    for (const auto* f : weak) EXPECT_TRUE(f->client_refuses()) << f->detail;
}

TEST(CertCheck, EcCurveOtherThanP256OrP384IsAWarning) {
    static KeyPtr p521 = new_key("EC", "P-521");
    Cert leaf = make_cert({.key = p521, .issuer = &pki().root});
    auto r = check_certificate(options_for(leaf));
    auto curve = find(r, "certificate.ec_curve");
    ASSERT_EQ(curve.size(), 2u) << all_checks(r);
    EXPECT_EQ(curve.front()->severity, Severity::warning);
    EXPECT_TRUE(r.ok());
}

TEST(CertCheck, KeyThatDoesNotMatchIsKeyMismatch) {
    Cert leaf = make_cert({.key = p256(), .issuer = &pki().root});
    std::string pem = key_pem(other_p256());
    auto opt = options_for(leaf);
    opt.key_pem = pem;
    auto r = check_certificate(opt);
    ASSERT_TRUE(r.key);
    EXPECT_FALSE(r.key->matches);
    const auto* sstp = r.first_error(VpnUse::sstp);
    const auto* ikev2 = r.first_error(VpnUse::ikev2);
    ASSERT_TRUE(sstp && ikev2) << all_checks(r);
    EXPECT_EQ(sstp->check, "certificate.key_mismatch");
    EXPECT_EQ(sstp->windows_error, "809");
    EXPECT_EQ(ikev2->check, "certificate.key_mismatch");
    EXPECT_EQ(ikev2->windows_error, "13801");
}

TEST(CertCheck, KeyOfAnotherTypeIsKeyMismatch) {
    Cert leaf = make_cert({.key = p256(), .issuer = &pki().root});
    std::string pem = key_pem(rsa2048());
    auto opt = options_for(leaf);
    opt.key_pem = pem;
    auto r = check_certificate(opt);
    ASSERT_TRUE(find(r, "certificate.key_mismatch", VpnUse::sstp)) << all_checks(r);
    EXPECT_NE(find(r, "certificate.key_mismatch", VpnUse::sstp)->detail.find("RSA 2048"), std::string::npos);
}

TEST(CertCheck, MissingIntermediateIsAChainFindingNamingTheIssuer) {
    Cert leaf = make_cert({.issuer = &pki().intermediate});
    auto opt = options_for(leaf);
    auto r = check_certificate(opt);
    EXPECT_FALSE(r.chain.valid);
    const auto* sstp = find(r, "certificate.chain_incomplete", VpnUse::sstp);
    const auto* ikev2 = find(r, "certificate.chain_incomplete", VpnUse::ikev2);
    ASSERT_TRUE(sstp && ikev2) << all_checks(r);
    EXPECT_EQ(sstp->severity, Severity::error);
    EXPECT_NE(sstp->detail.find("CN=Test Intermediate"), std::string::npos) << sstp->detail;
    // No chain can be built: CERT_E_CHAINING, and it is the headline, not an untrusted root beside it.
    EXPECT_EQ(sstp->windows_error, "0x800B010A CERT_E_CHAINING (-2146762486)");
    EXPECT_EQ(r.first_error(VpnUse::sstp), sstp) << all_checks(r);
    EXPECT_TRUE(find(r, "certificate.untrusted_root").empty()) << all_checks(r);
    EXPECT_EQ(ikev2->windows_error, k13801);

    opt.intermediates_der = {pki().intermediate.der()};
    auto fixed = check_certificate(opt);
    EXPECT_TRUE(fixed.chain.valid);
    EXPECT_TRUE(fixed.findings.empty()) << all_checks(fixed);
}

TEST(CertCheck, SelfSignedIsUntrustedButNotIncomplete) {
    Cert leaf = make_cert({});
    auto r = check_certificate(options_for(leaf));
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(find(r, "certificate.chain_incomplete").empty()) << all_checks(r);
}

TEST(CertCheck, ForSstpOnlyIgnoresIkev2Advisories) {
    Cert leaf = make_cert({.eku = "serverAuth", .issuer = &pki().root});  // no IKE-intermediate EKU
    auto both = check_certificate(options_for(leaf));
    ASSERT_TRUE(find(both, "certificate.missing_ike_intermediate_eku", VpnUse::ikev2)) << all_checks(both);

    auto sstp = check_certificate(options_for(leaf, {VpnUse::sstp}));
    EXPECT_TRUE(sstp.findings.empty()) << all_checks(sstp);
    EXPECT_TRUE(sstp.ok_for(VpnUse::sstp));
    EXPECT_FALSE(sstp.checked(VpnUse::ikev2));
    EXPECT_TRUE(sstp.ok());
}

TEST(CertCheck, EncryptedKeyCannotBeReadAndItsTextIsNotRepeated) {
    Cert leaf = make_cert({.issuer = &pki().root});
    std::string pem = key_pem(leaf.key, "correct horse");
    ASSERT_NE(pem.find("ENCRYPTED PRIVATE KEY"), std::string::npos);
    auto opt = options_for(leaf);
    opt.key_pem = pem;
    try {
        check_certificate(opt);
        FAIL() << "an encrypted key was read";
    } catch (const KeyUnreadable& e) {
        EXPECT_TRUE(e.encrypted);
        EXPECT_NE(std::string(e.what()).find("cannot be read without its passphrase"), std::string::npos);
        EXPECT_EQ(std::string(e.what()).find(pem.substr(40, 24)), std::string::npos);
    }
    std::string garbage = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n";
    opt.key_pem = garbage;
    try {
        check_certificate(opt);
        FAIL() << "garbage was read as a key";
    } catch (const KeyUnreadable& e) {
        EXPECT_FALSE(e.encrypted);
    }
}

TEST(CertCheck, ParsesUtcTimes) {
    EXPECT_EQ(parse_utc_time("2030-06-01T00:00:00Z"), kNow);
    EXPECT_EQ(parse_utc_time("2030-06-01"), kNow);
    EXPECT_EQ(parse_utc_time("2030-06-01T12:30:15Z"), kNow + 12 * 3600 + 30 * 60 + 15);
    EXPECT_FALSE(parse_utc_time("2030-02-30"));
    EXPECT_FALSE(parse_utc_time("2030-06-01T00:00:00"));
    EXPECT_FALSE(parse_utc_time("2030-06-01T00:00:00+02"));
    EXPECT_FALSE(parse_utc_time("2030-6-01T00:00:00Z"));
    EXPECT_FALSE(parse_utc_time("tomorrow"));
}

// --- the command line, through the command class ---

struct CliRun {
    int code = -1;
    std::string out;
};

CliRun run_cli(std::vector<std::string> args) {
    CLI::App app;
    vpnprobe::cli::CertCheckCommand cmd(app);
    args.insert(args.begin(), {"vpnprobe", "cert-check"});
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    app.parse(static_cast<int>(argv.size()), argv.data());
    testing::internal::CaptureStdout();
    CliRun r;
    try {
        r.code = cmd.run();
    } catch (...) {
        testing::internal::GetCapturedStdout();
        throw;
    }
    r.out = testing::internal::GetCapturedStdout();
    return r;
}

const std::string kAt = format_time_utc(kNow);

TEST(CertCheckCli, GoodCertificateAndKeyExitZeroWithoutPrintingTheKey) {
    Cert leaf = make_cert({.issuer = &pki().root});
    std::string pem = key_pem(leaf.key);
    auto cert = pki().write("good.pem", leaf.pem());
    auto key = pki().write("good.key", pem);
    auto r = run_cli({cert, "--key", key, "--name", "vpn.example.com", "--ca", pki().root_file, "--at", kAt});
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("SSTP: OK"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("IKEv2: OK"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("private key: matches"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find(pem.substr(40, 24)), std::string::npos);
}

TEST(CertCheckCli, ExpiredAsJsonExitsOneWithOkForPerUse) {
    Cert leaf = make_cert({.not_before = kNow - 400 * kDay, .not_after = kNow - kDay, .issuer = &pki().root});
    auto cert = pki().write("expired.pem", leaf.pem());
    auto r = run_cli(
        {cert, "--name", "vpn.example.com", "--ca", pki().root_file, "--at", kAt, "--for", "sstp", "--format", "json"});
    EXPECT_EQ(r.code, 1);
    auto j = boost::json::parse(r.out).as_object();
    EXPECT_EQ(j.at("ok_for").at("sstp"), false);
    EXPECT_TRUE(j.at("ok_for").at("ikev2").is_null());  // not asked for, so not judged
    const auto& first = j.at("findings").as_array().at(0).as_object();
    EXPECT_EQ(first.at("check"), "certificate.expired");
    EXPECT_EQ(first.at("use"), "sstp");
    EXPECT_EQ(first.at("windows_error").as_string(), kExpired);
}

// The headline says "a Windows client would refuse it" only when the findings say a client would.
TEST(CertCheckCli, Rsa1024HeadlineAgreesWithTheFinding) {
    Cert leaf = make_cert({.key = rsa1024(), .issuer = &pki().root});
    auto cert = pki().write("rsa1024.pem", leaf.pem());
    auto r = run_cli({cert, "--name", "vpn.example.com", "--ca", pki().root_file, "--at", kAt});
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_EQ(r.out.find("would refuse"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("SSTP: NOT ready: certificate.weak_key (a Windows client accepts it today"), std::string::npos)
        << r.out;
    auto j = run_cli({cert, "--name", "vpn.example.com", "--ca", pki().root_file, "--at", kAt, "--format", "json"});
    auto first = boost::json::parse(j.out).at("findings").as_array().at(0);
    EXPECT_EQ(first.at("check"), "certificate.weak_key");
    EXPECT_EQ(first.at("client_refuses"), false);

    // A finding the client does refuse still heads the verdict as a refusal, even after a policy error.
    Cert expired =
        make_cert({.key = rsa1024(), .not_before = kNow - 400 * kDay, .not_after = kNow - kDay, .issuer = &pki().root});
    auto both = run_cli({pki().write("rsa1024-expired.pem", expired.pem()), "--name", "vpn.example.com", "--ca",
                         pki().root_file, "--at", kAt, "--for", "sstp"});
    EXPECT_NE(both.out.find("SSTP: a Windows client would refuse it: certificate.expired"), std::string::npos)
        << both.out;
}

TEST(CertCheckCli, MissingIntermediateHeadlineIsCertEChaining) {
    Cert leaf = make_cert({.issuer = &pki().intermediate});
    auto cert = pki().write("no-intermediate.pem", leaf.pem());
    auto r = run_cli({cert, "--name", "vpn.example.com", "--ca", pki().root_file, "--at", kAt, "--for", "sstp"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("SSTP: a Windows client would refuse it: certificate.chain_incomplete (Windows: 0x800B010A "
                         "CERT_E_CHAINING"),
              std::string::npos)
        << r.out;
}

TEST(CertCheckCli, FailUnderDaysExitsOneWhereMinDaysOnlyWarns) {
    Cert leaf = make_cert({.not_after = kNow + 20 * kDay, .issuer = &pki().root});
    auto cert = pki().write("twenty-days.pem", leaf.pem());
    std::vector<std::string> base{cert, "--name", "vpn.example.com", "--ca", pki().root_file, "--at", kAt};
    auto warn = run_cli(base);  // --min-days 30 by default: a warning, exit 0
    EXPECT_EQ(warn.code, 0) << warn.out;
    EXPECT_NE(warn.out.find("certificate.expires_soon"), std::string::npos) << warn.out;
    auto args = base;
    args.insert(args.end(), {"--fail-under-days", "30", "--format", "json"});
    auto gate = run_cli(args);
    EXPECT_EQ(gate.code, 1) << gate.out;
    auto j = boost::json::parse(gate.out).as_object();
    EXPECT_EQ(j.at("fail_under_days"), 30);
    EXPECT_EQ(j.at("findings").as_array().at(0).at("check"), "certificate.too_few_days_left");
    args = base;
    args.insert(args.end(), {"--fail-under-days", "15"});
    EXPECT_EQ(run_cli(args).code, 0);
}

TEST(CertCheckCli, UnusableCommandLinesAreUsageErrors) {
    Cert leaf = make_cert({.issuer = &pki().root});
    auto cert = pki().write("usage.pem", leaf.pem());
    auto enc = pki().write("usage-enc.key", key_pem(leaf.key, "secret"));
    using vpnprobe::cli::UsageError;
    EXPECT_THROW(run_cli({cert, "--name", "vpn.example.com", "--for", "sstp,l2tp"}), UsageError);
    EXPECT_THROW(run_cli({cert, "--name", "vpn.example.com", "--at", "2030-13-01"}), UsageError);
    EXPECT_THROW(run_cli({(pki().dir / "missing.pem").string(), "--name", "vpn.example.com"}), UsageError);
    try {
        run_cli({cert, "--key", enc, "--name", "vpn.example.com", "--ca", pki().root_file});
        FAIL() << "an encrypted key was accepted";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("cannot be read without its passphrase"), std::string::npos) << e.what();
    }
}

}  // namespace
