// The SSTP probe against real SoftEther VPN Servers (Debian's package, fixed copy and original) in the
// namespace lab, probed from inside lab vantage namespaces.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <set>

#include "lab_env.hpp"
#include "probes/sstp/sstp_json.hpp"
#include "probes/sstp/sstp_probe.hpp"

namespace {

using namespace vpnprobe;
using probes::PhaseOutcome;
using probes::SstpOptions;
using probes::SstpResult;

class SstpLab : public testlab::LabTest {
protected:
    void SetUp() override { use_lab({"sstp-lab.env"}); }

    SstpOptions options(const std::string& addr_var, const std::string& vantage_var = "VANTAGE_CLEAN") {
        SstpOptions o;
        o.host = var(addr_var);
        o.port = 443;
        o.tls.sni = "vpn.test";
        o.tls.ca_file = var("LAB_CA");
        o.vantage.netns = var(vantage_var);
        o.vantage.name = o.vantage.netns;
        o.timeout_seconds = 10;
        return o;
    }

    SstpResult probe(const SstpOptions& o) {
        testlab::assert_inside_lab_namespace(o.vantage);
        boost::asio::io_context io;
        auto fut = boost::asio::co_spawn(io, probes::sstp_probe(o), boost::asio::use_future);
        io.run();
        SstpResult r = fut.get();
        probes::diagnose_sstp(r, o);
        return r;
    }

    static bool has_finding(const SstpResult& r, const std::string& check, const std::string& windows_substring) {
        for (const auto& f : r.findings)
            if (f.check == check && f.windows_error.find(windows_substring) != std::string::npos) return true;
        return false;
    }

    static std::string dump(const SstpResult& r) { return boost::json::serialize(probes::to_json(r)); }
};

TEST_F(SstpLab, HealthyRsaServerCompletesEveryPhase) {
    auto r = probe(options("SSTP_RSA_ADDR"));
    ASSERT_TRUE(r.success) << dump(r);
    for (const auto& f : r.findings) EXPECT_NE(f.severity, probes::Severity::error) << f.check << ": " << f.detail;
    for (const char* name :
         {"resolve", "tcp_connect", "tls_handshake", "http", "call_connect", "ppp_lcp", "disconnect"}) {
        const auto* p = r.phase(name);
        ASSERT_NE(p, nullptr) << name;
        EXPECT_EQ(p->outcome, PhaseOutcome::ok) << name << ": " << p->error;
    }
    ASSERT_TRUE(r.tls.has_value());
    EXPECT_TRUE(r.tls->version == "TLSv1.2" || r.tls->version == "TLSv1.3") << r.tls->version;
    EXPECT_FALSE(r.tls->cipher.empty());
    EXPECT_TRUE(r.tls->chain_verdict.valid) << r.tls->chain_verdict.openssl_reason;
    ASSERT_FALSE(r.tls->chain.empty());
    EXPECT_EQ(r.tls->chain.front().key_type, "RSA");
    EXPECT_EQ(r.tls->chain.front().key_bits, 2048);
    EXPECT_EQ(r.sstp.http_status, 200);
    EXPECT_TRUE(r.sstp.connect_acked);
    EXPECT_EQ(r.sstp.hash_bitmask, 0x02);  // SoftEther offers SHA-256 only
    EXPECT_EQ(r.sstp.nonce_hex.size(), 64u);
    EXPECT_TRUE(r.sstp.lcp_opened);
    EXPECT_FALSE(r.sstp.auth_protocol.empty());
    EXPECT_NE(r.sstp.close.find("CALL_DISCONNECT"), std::string::npos) << r.sstp.close;
}

TEST_F(SstpLab, EcdsaCertificateIsInspected) {
    auto r = probe(options("SSTP_ECDSA_ADDR"));
    ASSERT_TRUE(r.success) << dump(r);
    ASSERT_TRUE(r.tls && !r.tls->chain.empty());
    EXPECT_EQ(r.tls->chain.front().key_type, "EC");
    EXPECT_EQ(r.tls->chain.front().curve, "prime256v1");
}

TEST_F(SstpLab, ExpiredCertificateIsCertEExpired) {
    auto r = probe(options("SSTP_EXPIRED_ADDR"));
    EXPECT_TRUE(r.handshake_ok) << "the handshake completes: the point is to report the certificate";
    EXPECT_FALSE(r.success);
    EXPECT_TRUE(has_finding(r, "certificate.expired", "-2146762495")) << dump(r);
    EXPECT_NE(r.windows_error.find("0x800B0101 CERT_E_EXPIRED"), std::string::npos) << r.windows_error;
    ASSERT_TRUE(r.tls.has_value());
    EXPECT_FALSE(r.tls->chain_verdict.valid);
    EXPECT_LT(r.tls->chain.front().days_left, 0);
}

TEST_F(SstpLab, WrongNameIsCnNoMatch) {
    auto r = probe(options("SSTP_WRONGNAME_ADDR"));
    EXPECT_TRUE(r.handshake_ok);
    EXPECT_FALSE(r.success);
    EXPECT_TRUE(has_finding(r, "certificate.name_mismatch", "CERT_E_CN_NO_MATCH")) << dump(r);
}

TEST_F(SstpLab, ClientAuthOnlyEkuIsWrongUsage) {
    auto r = probe(options("SSTP_CLIENTAUTH_ADDR"));
    EXPECT_TRUE(r.handshake_ok);
    EXPECT_FALSE(r.success);
    EXPECT_TRUE(has_finding(r, "certificate.no_server_auth_eku", "CERT_E_WRONG_USAGE")) << dump(r);
}

TEST_F(SstpLab, SelfSignedIsUntrustedRoot) {
    auto r = probe(options("SSTP_SELFSIGNED_ADDR"));
    EXPECT_TRUE(r.handshake_ok);
    EXPECT_FALSE(r.success);
    EXPECT_TRUE(has_finding(r, "certificate.self_signed", "CERT_E_UNTRUSTEDROOT")) << dump(r);
    ASSERT_TRUE(r.tls && !r.tls->chain.empty());
    EXPECT_TRUE(r.tls->chain.front().self_signed);
}

TEST_F(SstpLab, ClosedPortIsRefusedWith809) {
    auto o = options("SSTP_CLOSED_ADDR");
    o.port = static_cast<std::uint16_t>(std::stoi(var("SSTP_CLOSED_PORT")));
    auto r = probe(o);
    EXPECT_FALSE(r.success);
    EXPECT_EQ(r.failed_phase, "tcp_connect");
    ASSERT_NE(r.phase("tcp_connect"), nullptr);
    EXPECT_EQ(r.phase("tcp_connect")->outcome, PhaseOutcome::failed);
    EXPECT_NE(r.phase("tcp_connect")->error.find("refused"), std::string::npos);
    EXPECT_EQ(r.windows_error, "809");
}

TEST_F(SstpLab, UnfixedDebianServerTimesOutInHttpPhase) {
    auto o = options("SSTP_UNFIXED_ADDR");
    o.timeout_seconds = 4;
    auto r = probe(o);
    EXPECT_FALSE(r.success);
    EXPECT_EQ(r.failed_phase, "http") << dump(r);
    ASSERT_NE(r.phase("http"), nullptr);
    EXPECT_EQ(r.phase("http")->outcome, PhaseOutcome::timeout);
    EXPECT_EQ(r.phase("tls_handshake")->outcome, PhaseOutcome::ok);
    EXPECT_TRUE(has_finding(r, "sstp.http_timeout", "809")) << dump(r);
}

TEST_F(SstpLab, PhaseDeadlineEndsAStalledPhaseBeforeTheProbeDeadline) {
    auto o = options("SSTP_UNFIXED_ADDR");
    o.timeout_seconds = 30;
    o.phase_timeout_seconds = 1;
    auto r = probe(o);
    ASSERT_NE(r.phase("http"), nullptr);
    EXPECT_EQ(r.phase("http")->outcome, PhaseOutcome::timeout);
    EXPECT_NE(r.phase("http")->error.find("phase deadline"), std::string::npos) << r.phase("http")->error;
}

TEST_F(SstpLab, Ipv6Target) {
    auto r = probe(options("SSTP_RSA_ADDR6"));
    ASSERT_TRUE(r.success) << dump(r);
    EXPECT_NE(r.address.find(':'), std::string::npos);
}

TEST_F(SstpLab, EveryVantagePointReachesTheServer) {
    for (const char* v : {"VANTAGE_CLEAN", "VANTAGE_FRAGDROP", "VANTAGE_IKEBLOCK"}) {
        auto r = probe(options("SSTP_RSA_ADDR", v));
        EXPECT_TRUE(r.success) << v << ": " << dump(r);
        EXPECT_EQ(r.vantage, var(v));
    }
}

TEST_F(SstpLab, SourceAddressIsBound) {
    auto o = options("SSTP_RSA_ADDR");
    o.vantage.source = var("VANTAGE_CLEAN_ADDR");
    auto r = probe(o);
    EXPECT_TRUE(r.success) << dump(r);
    o.vantage.source = "192.0.2.99";  // TEST-NET-1: not an address of the vantage namespace
    r = probe(o);
    EXPECT_FALSE(r.success);
    EXPECT_EQ(r.failed_phase, "tcp_connect");
    EXPECT_NE(r.phase("tcp_connect")->error.find("vantage point"), std::string::npos) << r.phase("tcp_connect")->error;
}

TEST_F(SstpLab, InterfaceIsBound) {
    auto o = options("SSTP_RSA_ADDR");
    o.vantage.interface = "eth0";  // the vantage namespace's link to the router
    auto r = probe(o);
    EXPECT_TRUE(r.success) << dump(r);
    o.vantage.interface = "lo";  // bound to loopback, the server is unreachable
    o.timeout_seconds = 2;
    r = probe(o);
    EXPECT_FALSE(r.success);
    EXPECT_EQ(r.failed_phase, "tcp_connect") << dump(r);
    o.vantage.interface = "nosuchdev0";
    r = probe(o);
    EXPECT_EQ(r.failed_phase, "tcp_connect");
    ASSERT_NE(r.phase("tcp_connect"), nullptr);
    EXPECT_TRUE(r.phase("tcp_connect")->local) << dump(r);
}

// ---- the binary, as an operator runs it ----------------------------------------------------------------

class SstpCli : public SstpLab {
protected:
    testlab::CommandResult vpnprobe(const std::string& args) {
        return testlab::run_command(std::string(VPNPROBE_BINARY) + " " + args);
    }
    std::string common() { return "--sni vpn.test --ca " + var("LAB_CA") + " --netns " + var("VANTAGE_CLEAN"); }
};

TEST_F(SstpCli, HealthyServerExitsZeroWithJson) {
    auto r = vpnprobe("sstp " + var("SSTP_RSA_ADDR") + " " + common() + " --format json");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    auto v = boost::json::parse(r.out).as_object();
    EXPECT_EQ(v.at("success").as_bool(), true);
    EXPECT_EQ(v.at("sstp").at("http_status").as_int64(), 200);
    EXPECT_EQ(v.at("tls").at("chain").as_array().size() >= 1, true);
}

TEST_F(SstpCli, ExpiredCertificateExitsOneAndNamesTheWindowsError) {
    auto r = vpnprobe("sstp " + var("SSTP_EXPIRED_ADDR") + " " + common());
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("-2146762495"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("CERT_E_EXPIRED"), std::string::npos) << r.out;
}

// Needs no lab: nothing is sent.
TEST(SstpCliUsage, UsageErrorsExitTwo) {
    auto run = [](const std::string& args) {
        return testlab::run_command(std::string(VPNPROBE_BINARY) + " " + args + " 2>/dev/null").exit_code;
    };
    EXPECT_EQ(run("sstp"), 2);
    EXPECT_EQ(run("sstp host:99999"), 2);
    EXPECT_EQ(run("sstp host --format xml"), 2);
    EXPECT_EQ(run("sstp host --netns no-such-namespace-here"), 2);
    EXPECT_EQ(run("sstp host --ca /no/such/file.pem"), 2);
    EXPECT_EQ(run("sstp host --source not-an-address"), 2);
    EXPECT_EQ(run("frobnicate"), 2);
}

TEST_F(SstpCli, VerbosePrintsDecodedMessagesAndKeylogIsWritten) {
    std::string keylog = testlab::lab_run_dir() + "/test-keylog.txt";
    std::filesystem::remove(keylog);
    auto r = vpnprobe("sstp " + var("SSTP_RSA_ADDR") + " " + common() + " -v --keylog " + keylog + " 2>&1");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    for (const char* s : {"SSTP_DUPLEX_POST", "<- HTTP HTTP/1.1 200", "SSTP_MSG_CALL_CONNECT_ACK",
                          "LCP Configure-Request", "SSTP_MSG_CALL_DISCONNECT_ACK"})
        EXPECT_NE(r.out.find(s), std::string::npos) << "missing '" << s << "' in:\n" << r.out;
    auto lines = testlab::run_command("cat " + keylog).out;
    EXPECT_TRUE(lines.find("CLIENT_TRAFFIC_SECRET_0") != std::string::npos ||
                lines.find("CLIENT_RANDOM") != std::string::npos)
        << lines;
}

// A pool behind one name: the name resolves (through a private /etc/hosts, in a mount namespace of the
// test's own) to the IPv4 and the IPv6 address of the server, and each gets its own result.
TEST_F(SstpCli, AllAddressesProbesEveryAddressOfTheName) {
    auto r =
        testlab::run_with_pool("vpn.test", {var("SSTP_RSA_ADDR"), var("SSTP_RSA_ADDR6")},
                               std::string(VPNPROBE_BINARY) + " sstp vpn.test --all-addresses --format json --ca " +
                                   var("LAB_CA") + " --netns " + var("VANTAGE_CLEAN"));
    EXPECT_EQ(r.exit_code, 0) << r.out;
    auto arr = boost::json::parse(r.out).as_array();
    ASSERT_EQ(arr.size(), 2u) << r.out;
    std::set<std::string> addresses;
    for (const auto& v : arr) {
        EXPECT_TRUE(v.at("success").as_bool());
        addresses.insert(std::string(v.at("address").as_string()));
    }
    EXPECT_TRUE(addresses.count(var("SSTP_RSA_ADDR")) && addresses.count(var("SSTP_RSA_ADDR6"))) << r.out;
}

// --all-addresses reads the trust anchors once for all its probes, not once per address (the system store is
// ~144 certificates): strace counts the opens of the CA file, which must be as many for two addresses as for
// one (the option check's read and one load).
TEST_F(SstpCli, AllAddressesReadsTheCaFileOnceForAllProbes) {
    if (!testlab::have_strace()) GTEST_SKIP() << "strace is not installed (scripts/install-deps.sh installs it)";
    auto opens = [&](const std::vector<std::string>& pool) {
        const std::string trace = testlab::lab_run_dir() + "/sstp-ca-opens.trace";
        auto r = testlab::run_with_pool("vpn.test", pool,
                                        "strace -f -qq -e trace=openat -o " + trace + " " +
                                            std::string(VPNPROBE_BINARY) + " sstp vpn.test --all-addresses --ca " +
                                            var("LAB_CA") + " --netns " + var("VANTAGE_CLEAN") + " >/dev/null");
        EXPECT_EQ(r.exit_code, 0) << r.out;
        return testlab::successful_opens(trace, var("LAB_CA"));
    };
    const int one = opens({var("SSTP_RSA_ADDR")});
    const int two = opens({var("SSTP_RSA_ADDR"), var("SSTP_RSA_ADDR6")});
    EXPECT_GE(one, 1) << "strace saw no open of the CA file: the count proves nothing";
    EXPECT_EQ(two, one) << "the CA file was read once more per extra address";
}

}  // namespace
