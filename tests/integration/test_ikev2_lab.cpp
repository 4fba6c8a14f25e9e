// The IKEv2 probe against real responders (strongSwan 5.9.8 profiles, a port-splitting load balancer,
// libreswan 4.10) in the namespace lab, probed from inside lab vantage namespaces: clean (MTU 1280),
// IP fragments dropped, UDP 500/4500 blocked.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "lab_env.hpp"
#include "probes/ikev2/ikev2_json.hpp"
#include "probes/ikev2/ikev2_probe.hpp"

namespace {

using namespace vpnprobe;
using probes::Ikev2Options;
using probes::Ikev2Result;
using probes::PhaseOutcome;

class Ikev2Lab : public testlab::LabTest {
protected:
    void SetUp() override { use_lab({"ike-lab.env"}); }

    Ikev2Options options(const std::string& addr_var, const std::string& vantage_var = "VANTAGE_CLEAN") {
        Ikev2Options o;
        o.host = var(addr_var);
        o.expected_name = var("IKE_SERVER_ID");
        o.ca_file = var("IKE_CA");
        o.preset = "modern";
        o.vantage.netns = var(vantage_var);
        o.vantage.name = o.vantage.netns;
        o.timeout_seconds = 6;
        return o;
    }

    Ikev2Result probe(const Ikev2Options& o, bool audit_weak = false) {
        testlab::assert_inside_lab_namespace(o.vantage);
        boost::asio::io_context io;
        auto fut = boost::asio::co_spawn(io, audit_weak ? probes::ikev2_probe_with_audit(o) : probes::ikev2_probe(o),
                                         boost::asio::use_future);
        io.run();
        Ikev2Result r = fut.get();
        probes::diagnose_ikev2(r, o);
        return r;
    }

    static bool has_finding(const Ikev2Result& r, const std::string& check, const std::string& windows = "") {
        for (const auto& f : r.findings)
            if (f.check == check && (windows.empty() || f.windows_error.find(windows) != std::string::npos))
                return true;
        return false;
    }
    static bool has_notify(const std::vector<probes::Ikev2Notify>& v, const std::string& name) {
        for (const auto& n : v)
            if (n.name == name) return true;
        return false;
    }
    static void expect_phase(const Ikev2Result& r, const std::string& name, PhaseOutcome outcome) {
        const auto* p = r.phase(name);
        ASSERT_NE(p, nullptr) << "no phase " << name << " in " << dump(r);
        EXPECT_EQ(p->outcome, outcome) << name << ": " << p->error;
    }

    static std::string dump(const Ikev2Result& r) { return boost::json::serialize(probes::to_json(r)); }
};

// strongSwan with fragment_size = 500: the IKE_AUTH response comes in several SKF fragments, which are
// reassembled and decrypted; the certificate chain and the AUTH signature verify.
TEST_F(Ikev2Lab, FragmentedIkeAuthResponseIsReassembledAndVerified) {
    auto r = probe(options("IKE_FRAG_ADDR"));
    ASSERT_TRUE(r.success) << dump(r);
    for (const char* name : {"resolve", "ike_sa_init", "ike_auth", "delete"}) expect_phase(r, name, PhaseOutcome::ok);
    const auto& f = r.ike;
    EXPECT_TRUE(f.fragmentation_offered);
    EXPECT_GE(f.fragments_received, 2) << dump(r);
    EXPECT_EQ(f.chosen_proposal, "aes256gcm16-prfsha384-ecp384");
    EXPECT_EQ(f.dh_group, 20);
    EXPECT_TRUE(has_notify(f.sa_init_notifies, "IKEV2_FRAGMENTATION_SUPPORTED"));
    EXPECT_TRUE(has_notify(f.sa_init_notifies, "SIGNATURE_HASH_ALGORITHMS"));
    EXPECT_EQ(f.nat_detected, false) << "no NAT between probe-a and the server";
    EXPECT_EQ(f.certreq_matches_ca, true);
    EXPECT_NE(f.idr.find("vpn.test"), std::string::npos) << f.idr;
    ASSERT_FALSE(f.chain.empty());
    EXPECT_EQ(f.chain.front().subject_cn, "vpn.test");
    EXPECT_EQ(f.chain.front().key_type, "EC");
    ASSERT_TRUE(f.chain_verdict.has_value());
    EXPECT_TRUE(f.chain_verdict->valid) << f.chain_verdict->openssl_reason;
    EXPECT_EQ(f.auth_verified, true) << f.auth_detail;
    EXPECT_NE(f.auth_method.find("ecdsa"), std::string::npos) << f.auth_method;
    EXPECT_EQ(f.eap_request, "Identity");
    EXPECT_TRUE(f.deleted);
    for (const auto& x : r.findings) EXPECT_NE(x.severity, probes::Severity::error) << x.check << ": " << x.detail;
}

TEST_F(Ikev2Lab, Ipv6Target) {
    auto r = probe(options("IKE_FRAG_ADDR6"));
    ASSERT_TRUE(r.success) << dump(r);
    EXPECT_NE(r.address.find(':'), std::string::npos);
    EXPECT_GE(r.ike.fragments_received, 2);
    EXPECT_EQ(r.ike.auth_verified, true);
    EXPECT_EQ(r.ike.nat_detected, false);
}

// Fragmentation off, clean path: the big (RSA-4096 chain) response travels as IP fragments and arrives.
TEST_F(Ikev2Lab, NoIkeFragmentationWorksOnACleanPathWithAWarning) {
    auto r = probe(options("IKE_NOFRAG_ADDR"));
    ASSERT_TRUE(r.success) << dump(r);
    EXPECT_FALSE(r.ike.fragmentation_offered);
    EXPECT_EQ(r.ike.fragments_received, 0);
    EXPECT_EQ(r.ike.auth_verified, true) << r.ike.auth_detail;
    EXPECT_EQ(r.ike.chain.size(), 2u) << "leaf and intermediate";
    EXPECT_TRUE(has_finding(r, "ikev2.no_fragmentation")) << dump(r);
}

// Fragmentation off, path that drops IP fragments: the IKE_AUTH response never arrives: Windows' 809, named
// as the fragmentation problem.
TEST_F(Ikev2Lab, NoIkeFragmentationOverAFragmentDroppingPathIs809) {
    auto r = probe(options("IKE_NOFRAG_ADDR", "VANTAGE_FRAGDROP"));
    EXPECT_FALSE(r.success);
    EXPECT_EQ(r.failed_phase, "ike_auth") << dump(r);
    expect_phase(r, "ike_sa_init", PhaseOutcome::ok);
    expect_phase(r, "ike_auth", PhaseOutcome::timeout);
    EXPECT_GE(r.ike.ike_auth_retransmissions, 1);
    EXPECT_EQ(r.ike.nat_t_port_answers_sa_init, true) << "UDP 4500 itself is open";
    EXPECT_TRUE(has_finding(r, "ikev2.ike_auth_lost_fragments", "809")) << dump(r);
    EXPECT_EQ(r.windows_error, "809");
}

// The same big response, IKE-fragmented: passes the same path.
TEST_F(Ikev2Lab, IkeFragmentationOverAFragmentDroppingPathWorks) {
    auto r = probe(options("IKE_FRAGBIG_ADDR", "VANTAGE_FRAGDROP"));
    ASSERT_TRUE(r.success) << dump(r);
    EXPECT_GE(r.ike.fragments_received, 3) << "3.6 KB in fragments of at most 1280 bytes";
    EXPECT_EQ(r.ike.auth_verified, true) << r.ike.auth_detail;
    EXPECT_NE(r.ike.auth_method.find("RSA"), std::string::npos) << r.ike.auth_method;
}

TEST_F(Ikev2Lab, BlockedUdpIs809AtSaInit) {
    auto o = options("IKE_FRAG_ADDR", "VANTAGE_IKEBLOCK");
    o.timeout_seconds = 3;
    auto r = probe(o);
    EXPECT_FALSE(r.success);
    EXPECT_EQ(r.failed_phase, "ike_sa_init") << dump(r);
    expect_phase(r, "ike_sa_init", PhaseOutcome::timeout);
    EXPECT_FALSE(r.ike.sa_init_answered);
    EXPECT_GE(r.ike.sa_init_retransmissions, 1);
    EXPECT_EQ(r.phase("ike_auth"), nullptr);
    EXPECT_TRUE(has_finding(r, "ikev2.sa_init_no_answer", "809")) << dump(r);
}

TEST_F(Ikev2Lab, ProposalMismatchIsNoProposalChosen13868) {
    auto o = options("IKE_STRICT_ADDR");
    o.preset = "windows-default";
    auto r = probe(o);
    EXPECT_FALSE(r.success);
    EXPECT_EQ(r.failed_phase, "ike_sa_init");
    EXPECT_EQ(r.ike.error_notify, "NO_PROPOSAL_CHOSEN");
    EXPECT_TRUE(has_finding(r, "ikev2.no_proposal_chosen", "13868")) << dump(r);
    EXPECT_FALSE(has_finding(r, "ikev2.no_fragmentation")) << "a refusal says nothing about fragmentation";
}

TEST_F(Ikev2Lab, InvalidKePayloadIsRetriedWithTheAskedGroup) {
    auto o = options("IKE_STRICT_ADDR");
    o.preset.clear();
    o.proposals = {"aes256gcm16-prfsha384-ecp256-ecp384"};  // KE payload for ECP-256 first; the server wants 384
    auto r = probe(o);
    ASSERT_TRUE(r.success) << dump(r);
    ASSERT_EQ(r.ike.invalid_ke_groups.size(), 1u);
    EXPECT_EQ(r.ike.invalid_ke_groups.front(), 20);
    EXPECT_EQ(r.ike.dh_group, 20);
    EXPECT_EQ(r.ike.sa_init_round_trips, 2);
}

TEST_F(Ikev2Lab, CookieIsAnsweredAndTheExchangeCompletes) {
    auto r = probe(options("IKE_COOKIE_ADDR"));
    ASSERT_TRUE(r.success) << dump(r);
    EXPECT_EQ(r.ike.cookie_rounds, 1);
    EXPECT_EQ(r.ike.sa_init_round_trips, 2);
    EXPECT_EQ(r.ike.auth_verified, true);
}

TEST_F(Ikev2Lab, CertificateWithoutServerAuthIs13801) {
    auto r = probe(options("IKE_NOEKU_ADDR"));
    EXPECT_FALSE(r.success);
    EXPECT_EQ(r.failed_phase, "") << "the protocol worked; the certificate is what a client refuses";
    EXPECT_TRUE(has_finding(r, "certificate.no_server_auth_eku", "13801")) << dump(r);
    EXPECT_EQ(r.windows_error.substr(0, 5), "13801") << r.windows_error;
}

TEST_F(Ikev2Lab, ExpiredCertificateIs13801) {
    auto r = probe(options("IKE_EXPIRED_ADDR"));
    EXPECT_FALSE(r.success);
    ASSERT_TRUE(r.ike.chain_verdict.has_value());
    EXPECT_FALSE(r.ike.chain_verdict->valid);
    EXPECT_TRUE(has_finding(r, "certificate.expired", "13801")) << dump(r);
    EXPECT_EQ(r.ike.auth_verified, true) << "the signature itself is fine";
}

// An RRAS-like responder: Windows' default offer is accepted with DH group 2, and the audit lists each
// weak algorithm it accepts.
TEST_F(Ikev2Lab, WeakDefaultsAreNegotiatedAndAudited) {
    auto o = options("IKE_WEAK_ADDR");
    o.preset = "windows-default";
    auto r = probe(o, true);
    EXPECT_EQ(r.ike.dh_group, 2) << dump(r);
    EXPECT_TRUE(has_finding(r, "ikev2.weak_chosen_group")) << dump(r);
    std::map<std::string, bool> accepted;
    for (const auto& w : r.weak_audit) accepted[w.proposal] = w.accepted;
    EXPECT_TRUE(accepted.at("3des-sha256-modp2048"));
    EXPECT_TRUE(accepted.at("aes256-sha1-modp2048"));
    EXPECT_TRUE(accepted.at("aes256-sha256-modp1024"));
    EXPECT_FALSE(accepted.at("aes256-md5-modp2048")) << "the lab's weak profile has no MD5";
    EXPECT_TRUE(has_finding(r, "ikev2.weak_proposal_accepted"));
    EXPECT_FALSE(r.success);
}

TEST_F(Ikev2Lab, ModernServerRefusesEveryWeakOffer) {
    auto r = probe(options("IKE_FRAG_ADDR"), true);
    ASSERT_EQ(r.weak_audit.size(), 5u);
    for (const auto& w : r.weak_audit) {
        EXPECT_FALSE(w.accepted) << w.proposal << ": " << w.answer;
        EXPECT_EQ(w.answer, "NO_PROPOSAL_CHOSEN") << w.proposal;
    }
    EXPECT_TRUE(r.success) << dump(r);
}

// UDP 500 reaches backend A, UDP 4500 backend B: B ignores the IKE_AUTH for an IKE SA it does not know,
// while a fresh IKE_SA_INIT on 4500 is answered.
TEST_F(Ikev2Lab, PortSplittingLoadBalancerIsNamed) {
    auto r = probe(options("IKE_LB_ADDR"));
    EXPECT_FALSE(r.success);
    EXPECT_EQ(r.failed_phase, "ike_auth") << dump(r);
    EXPECT_EQ(r.ike.nat_t_port_answers_sa_init, true);
    EXPECT_TRUE(has_finding(r, "ikev2.ports_split", "809")) << dump(r);
    EXPECT_EQ(r.ike.nat_detected, true) << "the load balancer translates addresses";
}

// Our own IKE_AUTH request, made big by a CERTREQ naming many CAs, goes out in fragments; strongSwan
// reassembles it and answers.
TEST_F(Ikev2Lab, LargeIkeAuthRequestIsSentInFragments) {
    std::string bundle = testlab::lab_run_dir() + "/ike-many-cas.pem";
    {
        std::ofstream out(bundle);
        for (const auto& f : {var("IKE_CA"), std::string("/etc/ssl/certs/ca-certificates.crt")}) {
            std::ifstream in(f);
            ASSERT_TRUE(in) << f;
            out << in.rdbuf() << "\n";
        }
    }
    auto o = options("IKE_FRAG_ADDR");
    o.ca_file = bundle;
    o.fragment_size = 576;
    auto r = probe(o);
    ASSERT_TRUE(r.success) << dump(r);
    EXPECT_GE(r.ike.fragments_sent, 3) << dump(r);
    EXPECT_EQ(r.ike.auth_verified, true);
}

// libreswan, a second implementation: its SA_INIT facts, and an AUTH-less IKE_AUTH answered with its
// certificate, AUTH and an EAP-TLS request.
TEST_F(Ikev2Lab, LibreswanAnswersWithCertificateAndEapTls) {
    auto r = probe(options("LIBRESWAN_ADDR"));
    expect_phase(r, "ike_sa_init", PhaseOutcome::ok);
    expect_phase(r, "ike_auth", PhaseOutcome::ok);
    EXPECT_TRUE(r.ike.fragmentation_offered);
    EXPECT_TRUE(has_notify(r.ike.sa_init_notifies, "CHILDLESS_IKEV2_SUPPORTED"));
    EXPECT_EQ(r.ike.nat_detected, false);
    EXPECT_EQ(r.ike.eap_request, "EAP-TLS") << dump(r);
    EXPECT_EQ(r.ike.auth_verified, true) << r.ike.auth_detail;
    ASSERT_TRUE(r.ike.chain_verdict.has_value());
    EXPECT_TRUE(r.ike.chain_verdict->valid);
    EXPECT_EQ(r.failed_phase, "");
}

TEST_F(Ikev2Lab, LibreswanIpv6) {
    auto r = probe(options("LIBRESWAN_ADDR6"));
    expect_phase(r, "ike_auth", PhaseOutcome::ok);
    EXPECT_EQ(r.ike.auth_verified, true) << r.ike.auth_detail;
}

// ---- the binary, as an operator runs it ----------------------------------------------------------------

class Ikev2Cli : public Ikev2Lab {
protected:
    testlab::CommandResult vpnprobe(const std::string& args) {
        return testlab::run_command(std::string(VPNPROBE_BINARY) + " ikev2 " + args);
    }
    std::string common(const std::string& vantage = "VANTAGE_CLEAN") {
        return "--name vpn.test --ca " + var("IKE_CA") + " --netns " + var(vantage);
    }
};

TEST_F(Ikev2Cli, HealthyServerExitsZeroWithJson) {
    auto r = vpnprobe(var("IKE_FRAG_ADDR") + " --preset modern " + common() + " --format json");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    auto v = boost::json::parse(r.out).as_object();
    EXPECT_EQ(v.at("success").as_bool(), true);
    EXPECT_EQ(v.at("ike").at("auth_verified").as_bool(), true);
    EXPECT_GE(v.at("ike").at("fragments_received").as_int64(), 2);
}

TEST_F(Ikev2Cli, FragmentDroppingPathExitsOneAndSays809) {
    auto r = vpnprobe(var("IKE_NOFRAG_ADDR") + " --preset modern --timeout 4 " + common("VANTAGE_FRAGDROP"));
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("ikev2.ike_auth_lost_fragments (Windows: 809)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Enable IKE fragmentation on the server"), std::string::npos) << r.out;
}

TEST_F(Ikev2Cli, VerboseDecodesEveryMessageAndKeylogIsWritten) {
    std::string keylog = testlab::lab_run_dir() + "/test-ike-keylog.txt";
    std::filesystem::remove(keylog);
    auto r = vpnprobe(var("IKE_FRAG_ADDR") + " --preset modern " + common() + " -v --keylog " + keylog + " 2>&1");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    for (const char* s : {"IKE_SA_INIT", "IKEV2_FRAGMENTATION_SUPPORTED", "SKF", "IKE_AUTH", "INFORMATIONAL"})
        EXPECT_NE(r.out.find(s), std::string::npos) << "missing '" << s << "' in:\n" << r.out;
    std::ifstream in(keylog);
    std::string line;
    ASSERT_TRUE(std::getline(in, line)) << "empty keylog";
    // SPIi,SPIr,SK_ei,SK_er,"encryption",SK_ai,SK_ar,"integrity": 8 fields, the SPIs and keys bare hex and the
    // algorithm names quoted (Wireshark refuses a quoted SPI: "Length of Initiator's SPI must be 8 octets")
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), 7) << line;
    EXPECT_EQ(std::count(line.begin(), line.end(), '"'), 4) << line;
    EXPECT_NE(line.find("AES-GCM-256 with 16 octet ICV"), std::string::npos) << line;
    // The independent judge: tshark takes the line as its IKEv2 decryption table (it names a line it refuses).
    if (std::system("command -v tshark >/dev/null 2>&1") != 0) GTEST_SKIP() << "tshark is not installed";
    const std::string pcap = testlab::lab_run_dir() + "/test-ike-keylog.pcap";
    {
        std::ofstream empty(pcap, std::ios::binary);  // a pcap header and no packet: only the table is loaded
        const unsigned char header[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2,    0,    4, 0, 0, 0, 0, 0,
                                          0,    0,    0,    0,    0xff, 0xff, 0, 0, 1, 0, 0, 0};
        empty.write(reinterpret_cast<const char*>(header), sizeof header);
    }
    auto judged = testlab::run_command("tshark -n -r " + pcap + " -o 'uat:ikev2_decryption_table:" + line + "' 2>&1");
    EXPECT_EQ(judged.exit_code, 0) << judged.out;
    EXPECT_EQ(judged.out.find("Invalid -o flag"), std::string::npos) << judged.out;
    EXPECT_EQ(judged.out.find("must be"), std::string::npos) << judged.out;
    std::filesystem::remove(pcap);
}

TEST_F(Ikev2Cli, AuditWeakListsAcceptedProposals) {
    auto r = vpnprobe(var("IKE_WEAK_ADDR") + " --audit-weak " + common());
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("ACCEPTED 3des-sha256-modp2048"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("ikev2.weak_proposal_accepted"), std::string::npos) << r.out;
}

// A pool behind one name (a private /etc/hosts in a mount namespace of the test's own): the IPv4 and the
// IPv6 address of the server each get their own result.
TEST_F(Ikev2Cli, AllAddressesProbesEveryAddressOfTheName) {
    auto r = testlab::run_with_pool("vpn.test", {var("IKE_FRAG_ADDR"), var("IKE_FRAG_ADDR6")},
                                    std::string(VPNPROBE_BINARY) +
                                        " ikev2 vpn.test --preset modern --all-addresses --format json --ca " +
                                        var("IKE_CA") + " --netns " + var("VANTAGE_CLEAN"));
    EXPECT_EQ(r.exit_code, 0) << r.out;
    auto arr = boost::json::parse(r.out).as_array();
    ASSERT_EQ(arr.size(), 2u) << r.out;
    std::set<std::string> addresses;
    for (const auto& v : arr) {
        EXPECT_TRUE(v.at("success").as_bool());
        addresses.insert(std::string(v.at("address").as_string()));
    }
    EXPECT_TRUE(addresses.count(var("IKE_FRAG_ADDR")) && addresses.count(var("IKE_FRAG_ADDR6"))) << r.out;
}

// --all-addresses reads the CA file once for all its probes (trust anchors and CERTREQ hashes), not once per
// address: strace counts its opens, as many for two addresses as for one (the option check's and one load).
TEST_F(Ikev2Cli, AllAddressesReadsTheCaFileOnceForAllProbes) {
    if (!testlab::have_strace()) GTEST_SKIP() << "strace is not installed (scripts/install-deps.sh installs it)";
    auto opens = [&](const std::vector<std::string>& pool) {
        const std::string trace = testlab::lab_run_dir() + "/ikev2-ca-opens.trace";
        auto r =
            testlab::run_with_pool("vpn.test", pool,
                                   "strace -f -qq -e trace=openat -o " + trace + " " + std::string(VPNPROBE_BINARY) +
                                       " ikev2 vpn.test --preset modern --all-addresses --ca " + var("IKE_CA") +
                                       " --netns " + var("VANTAGE_CLEAN") + " >/dev/null");
        EXPECT_EQ(r.exit_code, 0) << r.out;
        return testlab::successful_opens(trace, var("IKE_CA"));
    };
    const int one = opens({var("IKE_FRAG_ADDR")});
    const int two = opens({var("IKE_FRAG_ADDR"), var("IKE_FRAG_ADDR6")});
    EXPECT_GE(one, 1) << "strace saw no open of the CA file: the count proves nothing";
    EXPECT_EQ(two, one) << "the CA file was read once more per extra address";
}

// Needs no lab: nothing is sent.
TEST(Ikev2CliUsage, UsageErrorsExitTwo) {
    auto run = [](const std::string& args) {
        return testlab::run_command(std::string(VPNPROBE_BINARY) + " ikev2 " + args + " 2>/dev/null").exit_code;
    };
    EXPECT_EQ(run(""), 2);
    EXPECT_EQ(run("host --port 70000"), 2);
    EXPECT_EQ(run("host --preset no-such-preset"), 2);
    EXPECT_EQ(run("host --proposal aes256-nonsense-modp2048"), 2);
    EXPECT_EQ(run("host --preset modern --proposal aes256-sha256-modp2048"), 2);
    EXPECT_EQ(run("host --fragment-size 100"), 2);
    EXPECT_EQ(run("host --netns no-such-namespace-here"), 2);
    EXPECT_EQ(run("host --ca /no/such/file.pem"), 2);
    EXPECT_EQ(run("host --format xml"), 2);
}

}  // namespace
