// The trust anchors a run loads once and shares (probes/trust_source.hpp): what a source holds, that a verdict
// against a shared source is the verdict against a freshly loaded one, that a run loads each distinct source
// once however many rows and repeats use it (two CA files: two sources), that the next run reads a CA file anew,
// and that an unusable CA file is still the harness's error. The runner's rows go to 127.0.0.1 ports nothing
// listens on (a vantage point by source address; nothing leaves the machine).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "probes/certificate.hpp"
#include "probes/trust_source.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"
#include "tests/support/test_certificate.hpp"

namespace {

using namespace vpnprobe;
using probes::TrustCache;
using probes::TrustSource;
using testing::HasSubstr;
using testsupport::TestCertificate;

std::uint16_t closed_udp_port() {
    boost::asio::io_context io;
    boost::asio::ip::udp::socket s(io, boost::asio::ip::udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    return s.local_endpoint().port();
}

std::uint16_t closed_tcp_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    return a.local_endpoint().port();
}

std::string temp_file(const std::string& name, const std::string& text) {
    auto path = std::filesystem::temp_directory_path() / ("vpnprobe-trust-" + std::to_string(::getpid()) + "-" + name);
    std::ofstream(path) << text;
    return path.string();
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

protocol::Bytes test_der() {
    auto d = TestCertificate::get().der();
    return protocol::Bytes(d.begin(), d.end());
}

// What a verdict says, for comparing two.
std::string verdict_text(const probes::ChainVerdict& v) {
    std::string s = v.valid ? "valid" : "invalid";
    for (std::size_t i = 0; i < v.all_errors.size(); ++i)
        s += "; " + std::to_string(v.all_errors[i].first) + "@" + std::to_string(v.all_error_depths[i]) + " " +
             v.all_errors[i].second;
    for (const auto& b : v.built_chain_subjects) s += "; built " + b;
    return s;
}

}  // namespace

TEST(TrustSource, HoldsTheCaFilesAnchorsAndTheSha1OfEachKeyForCertreq) {
    const auto t = TrustSource::load(TestCertificate::get().pem_file());
    ASSERT_NE(t->store(), nullptr);
    EXPECT_EQ(t->ca_file(), TestCertificate::get().pem_file());
    ASSERT_TRUE(t->ca_key_hashes().has_value()) << t->ca_key_hashes_error();
    ASSERT_EQ(t->ca_key_hashes()->size(), 1u);
    // RFC 7296 3.7: SHA-1 of the whole subjectPublicKeyInfo, computed here with OpenSSL directly.
    unsigned char* spki = nullptr;
    const int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(TestCertificate::get().cert()), &spki);
    ASSERT_GT(len, 0);
    protocol::Bytes sha1(20);
    unsigned int n = 0;
    EVP_Digest(spki, static_cast<std::size_t>(len), sha1.data(), &n, EVP_sha1(), nullptr);
    OPENSSL_free(spki);
    EXPECT_EQ(t->ca_key_hashes()->front(), sha1);
    EXPECT_NE(t->tls_context(), nullptr);
    EXPECT_EQ(t->tls_context(), t->tls_context()) << "one TLS context per source";
}

TEST(TrustSource, TheSystemStoreHasNoCertreqHashes) {
    const auto t = TrustSource::load(std::nullopt);
    ASSERT_NE(t->store(), nullptr);
    EXPECT_FALSE(t->ca_file().has_value());
    EXPECT_FALSE(t->ca_key_hashes().has_value());
}

TEST(TrustSource, AnUnusableCaFileThrowsWithTheReason) {
    try {
        (void)TrustSource::load(std::string("/nonexistent/ca.pem"));
        ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("No such file or directory"));
    }
    const std::string not_pem = temp_file("not-pem.crt", "this is not a certificate\n");
    EXPECT_THROW((void)TrustSource::load(not_pem), std::runtime_error);
    std::filesystem::remove(not_pem);
}

TEST(TrustSource, AVerdictAgainstALoadedSourceIsTheVerdictOfLoadingPerCall) {
    const protocol::Bytes der = test_der();
    const std::string pem = TestCertificate::get().pem_file();
    const auto with_ca = TrustSource::load(pem);
    const auto system = TrustSource::load(std::nullopt);
    const std::time_t now = std::time(nullptr);
    const std::time_t in_ten_years = now + 10 * 365 * 86400;  // past its not_after: expired
    // Trusted, expired, untrusted (the system store does not know the test certificate), both faults at once.
    for (std::time_t at : {now, in_ten_years}) {
        const auto a = probes::verify_chain({der}, std::optional<std::string>(pem), at);
        const auto b = probes::verify_chain({der}, *with_ca, at);
        EXPECT_EQ(verdict_text(a), verdict_text(b));
        const auto c = probes::verify_chain({der}, std::optional<std::string>(), at);
        const auto d = probes::verify_chain({der}, *system, at);
        EXPECT_EQ(verdict_text(c), verdict_text(d));
        EXPECT_FALSE(d.valid);
    }
    EXPECT_TRUE(probes::verify_chain({der}, *with_ca, now).valid);
    EXPECT_FALSE(probes::verify_chain({der}, *with_ca, in_ten_years).valid);
    // A source is not changed by the verifications made against it.
    EXPECT_EQ(verdict_text(probes::verify_chain({der}, *with_ca, now)),
              verdict_text(probes::verify_chain({der}, std::optional<std::string>(pem), now)));
}

TEST(TrustCache, LoadsEachSourceOnceAndRemembersOneThatFailed) {
    TrustCache cache;
    const std::string pem = TestCertificate::get().pem_file();
    const auto before = TrustSource::loads();
    const auto a = cache.get(pem);
    const auto b = cache.get(pem);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a, b);
    EXPECT_EQ(TrustSource::loads() - before, 1u);
    const auto system = cache.get(std::nullopt);
    ASSERT_NE(system, nullptr);
    EXPECT_NE(system, a);
    EXPECT_EQ(cache.get(std::nullopt), system);
    EXPECT_EQ(TrustSource::loads() - before, 2u);
    EXPECT_EQ(cache.get(std::string("/nonexistent/ca.pem")), nullptr);
    EXPECT_EQ(cache.get(std::string("/nonexistent/ca.pem")), nullptr);
    EXPECT_EQ(TrustSource::loads() - before, 3u);
}

TEST(TrustCache, ThreadsAskingAtOnceGetOneSource) {
    TrustCache cache;
    const std::string pem = TestCertificate::get().pem_file();
    const auto before = TrustSource::loads();
    std::vector<std::shared_ptr<const TrustSource>> got(8);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < got.size(); ++i) threads.emplace_back([&, i] { got[i] = cache.get(pem); });
    for (auto& t : threads) t.join();
    EXPECT_EQ(TrustSource::loads() - before, 1u);
    for (const auto& g : got) EXPECT_EQ(g, got.front());
}

namespace {

// Targets t0..t2 with CA file a, t3 with CA file b, t4 with none (the system store); an IKEv2 SA_INIT-only
// probe (it needs a CA file's hashes for CERTREQ, never the system store) and an SSTP probe (it needs a source
// for every row), each `count` times.
scenarios::Scenario five_targets(const std::string& a, const std::string& b, int count) {
    std::string text = "count: " + std::to_string(count) +
                       "\nparallel: 3\nvantage_points: [{name: lo, source: 127.0.0.1}]\ntargets:\n";
    for (int i = 0; i < 5; ++i) {
        text += "  - {name: t" + std::to_string(i) +
                ", host: 127.0.0.1, ports: {ikev2: " + std::to_string(closed_udp_port()) +
                ", sstp: " + std::to_string(closed_tcp_port()) + "}";
        if (i < 3) text += ", ca: " + a;
        if (i == 3) text += ", ca: " + b;
        text += "}\n";
    }
    text +=
        "probes:\n"
        "  - {type: ikev2, timeout: 5, options: {sa_init_only: true}, expect: {failed_phase: ike_sa_init}}\n"
        "  - {type: sstp, timeout: 5, expect: {failed_phase: tcp_connect}}\n";
    return scenarios::load_scenario_text(text, "trust.yaml");
}

}  // namespace

TEST(RunnerTrust, ARunLoadsEachDistinctTrustSourceOnceHoweverManyRowsUseIt) {
    const std::string pem = read_file(TestCertificate::get().pem_file());
    const std::string a = temp_file("a.crt", pem), b = temp_file("b.crt", pem);
    const auto s = five_targets(a, b, 3);
    const auto before = TrustSource::loads();
    const auto r = scenarios::run_scenario(s, {});
    // 10 rows x 3 runs; sources: a, b and the system store (the SSTP row of t4).
    EXPECT_EQ(TrustSource::loads() - before, 3u);
    ASSERT_EQ(r.rows.size(), 10u);
    for (const auto& row : r.rows) {
        EXPECT_EQ(row.runs.size(), 3u);
        EXPECT_EQ(row.harness_error(), "") << row.id();
        EXPECT_TRUE(row.passed) << row.id() << ": " << row.last().phases().back().error;
    }
    // A run is one scenario run or one scrape of `serve`: the next loads its sources again.
    (void)scenarios::run_scenario(s, {});
    EXPECT_EQ(TrustSource::loads() - before, 6u);
    std::filesystem::remove(a);
    std::filesystem::remove(b);
}

TEST(RunnerTrust, ACaFileBrokenBetweenRunsIsTheNextRunsHarnessError) {
    const std::string a = temp_file("changing.crt", read_file(TestCertificate::get().pem_file()));
    const auto s = five_targets(a, a, 1);
    const auto good = scenarios::run_scenario(s, {});
    for (const auto& row : good.rows) EXPECT_EQ(row.harness_error(), "") << row.id();
    std::ofstream(a, std::ios::trunc) << "this is not a certificate\n";
    const auto broken = scenarios::run_scenario(s, {});
    ASSERT_EQ(broken.rows.size(), 10u);
    for (const auto& row : broken.rows) {
        if (row.target == "t4") {
            EXPECT_EQ(row.harness_error(), "") << row.id() << ": the system store is not that file";
            continue;
        }
        EXPECT_FALSE(row.passed) << row.id();
        EXPECT_THAT(row.harness_error(), HasSubstr("CA file")) << row.id();
        EXPECT_THAT(row.harness_error(), HasSubstr("PEM")) << row.id();
    }
    EXPECT_EQ(broken.exit_code(), 3);
    std::filesystem::remove(a);
}
