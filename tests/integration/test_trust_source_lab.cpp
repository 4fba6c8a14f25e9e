// A run's shared trust source (probes/trust_source.hpp) against the lab's SSTP certificate profiles: a probe given
// the source a run loaded once reaches the same verdict and findings as a probe that loads its own, for a healthy
// certificate and for each broken one (expired, wrong name, self-signed, clientAuth only), with the lab CA and
// with the system store; and one source serves probes on several threads at once.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/serialize.hpp>
#include <thread>

#include "lab_env.hpp"
#include "probes/sstp/sstp_json.hpp"
#include "probes/sstp/sstp_probe.hpp"
#include "probes/trust_source.hpp"

namespace {

using namespace vpnprobe;
using probes::SstpOptions;
using probes::SstpResult;

class TrustSourceLab : public testlab::LabTest {
protected:
    void SetUp() override { use_lab({"sstp-lab.env"}); }

    SstpOptions options(const std::string& addr_var, std::optional<std::string> ca) {
        SstpOptions o;
        o.host = var(addr_var);
        o.port = 443;
        o.tls.sni = "vpn.test";
        o.tls.ca_file = std::move(ca);
        o.vantage.netns = var("VANTAGE_CLEAN");
        o.vantage.name = o.vantage.netns;
        o.timeout_seconds = 10;
        return o;
    }

    static SstpResult probe(const SstpOptions& o) {
        testlab::assert_inside_lab_namespace(o.vantage);
        boost::asio::io_context io;
        auto fut = boost::asio::co_spawn(io, probes::sstp_probe(o), boost::asio::use_future);
        io.run();
        SstpResult r = fut.get();
        probes::diagnose_sstp(r, o);
        return r;
    }

    // What the verdict is made of: the chain verdict's errors and the findings (check and Windows error).
    static std::vector<std::string> verdict(const SstpResult& r) {
        std::vector<std::string> v;
        v.push_back(std::string("success=") + (r.success ? "yes" : "no") + " windows_error=" + r.windows_error);
        if (r.tls) {
            v.push_back(std::string("chain_valid=") + (r.tls->chain_verdict.valid ? "yes" : "no"));
            for (const auto& [code, reason] : r.tls->chain_verdict.all_errors)
                v.push_back("chain_error " + std::to_string(code) + " " + reason);
            for (const auto& c : r.tls->chain) v.push_back("cert " + c.sha256_fingerprint);
        }
        for (const auto& f : r.findings) v.push_back("finding " + f.check + " " + f.windows_error);
        return v;
    }
};

}  // namespace

TEST_F(TrustSourceLab, SharedSourceGivesTheSameVerdictAsAProbeThatLoadsItsOwn) {
    const std::vector<std::pair<std::string, std::string>> profiles = {
        {"SSTP_RSA_ADDR", ""},
        {"SSTP_EXPIRED_ADDR", "certificate.expired"},
        {"SSTP_WRONGNAME_ADDR", "certificate.name_mismatch"},
        {"SSTP_SELFSIGNED_ADDR", "certificate.self_signed"},
        {"SSTP_CLIENTAUTH_ADDR", "certificate.no_server_auth_eku"},
    };
    for (const std::optional<std::string>& ca :
         {std::optional<std::string>(var("LAB_CA")), std::optional<std::string>()}) {
        const auto shared = probes::TrustSource::load(ca);
        for (const auto& [addr, finding] : profiles) {
            SCOPED_TRACE(addr + (ca ? " with the lab CA" : " with the system store"));
            SstpOptions own = options(addr, ca);
            SstpOptions given = own;
            given.tls.trust = shared;
            const SstpResult a = probe(own);
            const SstpResult b = probe(given);
            ASSERT_TRUE(a.tls.has_value()) << boost::json::serialize(probes::to_json(a));
            EXPECT_EQ(verdict(a), verdict(b));
            if (!finding.empty()) {
                bool found = false;
                for (const auto& f : b.findings) found = found || f.check == finding;
                EXPECT_TRUE(found) << finding << " in " << boost::json::serialize(probes::to_json(b));
            }
            // The lab CA trusts the healthy server; the system store trusts none of the lab's certificates.
            if (addr == "SSTP_RSA_ADDR") {
                EXPECT_EQ(b.tls->chain_verdict.valid, ca.has_value());
            }
        }
    }
}

TEST_F(TrustSourceLab, OneSourceServesProbesOnSeveralThreadsAtOnce) {
    const auto shared = probes::TrustSource::load(var("LAB_CA"));
    const auto loads = probes::TrustSource::loads();
    std::vector<SstpResult> results(6);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < results.size(); ++i)
        threads.emplace_back([&, i] {
            SstpOptions o = options(i % 2 ? "SSTP_EXPIRED_ADDR" : "SSTP_RSA_ADDR", var("LAB_CA"));
            o.tls.trust = shared;
            results[i] = probe(o);
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(probes::TrustSource::loads(), loads) << "the probes used the source given, and loaded none";
    for (std::size_t i = 0; i < results.size(); ++i) {
        ASSERT_TRUE(results[i].tls.has_value()) << i;
        EXPECT_EQ(results[i].tls->chain_verdict.valid, i % 2 == 0) << i;
    }
}
