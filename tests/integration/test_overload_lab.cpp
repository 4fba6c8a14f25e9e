// Never a false verdict from our own overload, against real servers: a probe against a healthy lab server
// (SoftEther SSTP, strongSwan IKEv2; clean vantage namespace) whose event loop is blocked mid-handshake for
// longer than the probe's whole timeout (a handler that sleeps, injected through the -v log hook at a fixed
// point of the handshake, so the place is deterministic) ends "could not probe" (probe.overload, a harness
// error: exit 3, every expectation unjudged), never a server timeout with Windows error 809. The same probe
// without the block passes. Without the lag guard the blocked probe would end a timeout with 809: the tests
// can fail.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>
#include <thread>

#include "lab_env.hpp"
#include "probes/ikev2/ikev2_json.hpp"
#include "probes/ikev2/ikev2_probe.hpp"
#include "probes/load_monitor.hpp"
#include "probes/sstp/sstp_json.hpp"
#include "probes/sstp/sstp_probe.hpp"
#include "scenarios/expectations.hpp"
#include "scenarios/results.hpp"

namespace {

using namespace vpnprobe;
using namespace std::chrono_literals;

// Blocks the probe's io_context (its only thread) once, when the probe logs a line containing `trigger`.
struct InjectedLag {
    std::string trigger;
    std::chrono::milliseconds block;
    bool done = false;
    std::function<void(const std::string&)> hook() {
        return [this](const std::string& line) {
            if (done || trigger.empty() || line.find(trigger) == std::string::npos) return;
            done = true;
            std::this_thread::sleep_for(block);
        };
    }
};

// The probe's run, as `vpnprobe run` judges it: a row expecting success.
int exit_code_of(scenarios::ProbeRun run) {
    scenarios::Expectations expect;
    expect.success = true;
    scenarios::RowResult row;
    row.outcomes = scenarios::evaluate(expect, run);
    row.runs.push_back(std::move(run));
    row.passed = std::all_of(row.outcomes.begin(), row.outcomes.end(), [](const auto& o) { return o.held; });
    scenarios::ScenarioResult result;
    result.rows.push_back(std::move(row));
    return result.exit_code();
}

void expect_harness_overload(const probes::ProbeOutcome& r, const std::string& dump) {
    EXPECT_FALSE(r.success) << dump;
    ASSERT_FALSE(r.findings.empty()) << dump;
    EXPECT_EQ(r.findings.front().check, "probe.overload") << dump;
    EXPECT_NE(r.findings.front().detail.find("vpnprobe's own event loop ran"), std::string::npos) << dump;
    EXPECT_NE(r.findings.front().detail.find("the timeout says nothing about the server"), std::string::npos) << dump;
    for (const auto& f : r.findings) {
        EXPECT_EQ(f.windows_error.find("809"), std::string::npos) << f.check << ": " << dump;
        EXPECT_EQ(f.check.find("timeout"), std::string::npos) << f.check << ": " << dump;
    }
    EXPECT_EQ(r.windows_error, "") << dump;
    const probes::Phase* failed = r.phase(r.failed_phase);
    ASSERT_NE(failed, nullptr) << dump;
    EXPECT_EQ(failed->reason, probes::FailureReason::harness_overload) << dump;
    EXPECT_TRUE(failed->local) << dump;
    EXPECT_NE(probes::harness_error(r.phases, r.findings), "") << dump;
    EXPECT_GE(r.event_loop_lag_seconds, 2.0) << dump;
}

class SstpOverloadLab : public testlab::LabTest {
protected:
    void SetUp() override { use_lab({"sstp-lab.env"}); }

    probes::SstpResult probe(const std::string& trigger) {
        probes::SstpOptions o;
        o.host = var("SSTP_RSA_ADDR");
        o.port = 443;
        o.tls.sni = "vpn.test";
        o.tls.ca_file = var("LAB_CA");
        o.vantage.netns = var("VANTAGE_CLEAN");
        o.vantage.name = o.vantage.netns;
        o.timeout_seconds = 2;
        testlab::assert_inside_lab_namespace(o.vantage);
        boost::asio::io_context io;
        o.load = probes::LoadMonitor::start(io);
        InjectedLag lag{trigger, 2500ms};
        o.log = lag.hook();
        probes::SstpResult r;
        boost::asio::co_spawn(
            io,
            [&]() -> boost::asio::awaitable<void> {
                r = co_await probes::sstp_probe(o);
                o.load->stop();  // the monitor keeps io.run() alive until stopped, as the runner's workers do
            },
            boost::asio::detached);
        io.run();
        EXPECT_EQ(lag.done, !trigger.empty()) << "the injected block did not happen";
        probes::diagnose_sstp(r, o);
        return r;
    }
};

TEST_F(SstpOverloadLab, ALoopBlockedMidHandshakeIsCouldNotProbeNot809) {
    auto r = probe("SSTP_DUPLEX_POST");  // the HTTP phase, after TCP and TLS
    const std::string dump = boost::json::serialize(probes::to_json(r));
    expect_harness_overload(r, dump);
    EXPECT_EQ(exit_code_of(scenarios::ProbeRun{r}), 3) << dump;
}

TEST_F(SstpOverloadLab, TheSameProbeWithoutTheBlockPasses) {
    auto r = probe("");
    const std::string dump = boost::json::serialize(probes::to_json(r));
    EXPECT_TRUE(r.success) << dump;
    EXPECT_EQ(probes::harness_error(r.phases, r.findings), "") << dump;
    EXPECT_EQ(exit_code_of(scenarios::ProbeRun{r}), 0) << dump;
}

class Ikev2OverloadLab : public testlab::LabTest {
protected:
    void SetUp() override { use_lab({"ike-lab.env"}); }

    probes::Ikev2Result probe(const std::string& trigger) {
        probes::Ikev2Options o;
        o.host = var("IKE_FRAG_ADDR");
        o.expected_name = var("IKE_SERVER_ID");
        o.ca_file = var("IKE_CA");
        o.preset = "modern";
        o.vantage.netns = var("VANTAGE_CLEAN");
        o.vantage.name = o.vantage.netns;
        o.timeout_seconds = 2;
        testlab::assert_inside_lab_namespace(o.vantage);
        boost::asio::io_context io;
        o.load = probes::LoadMonitor::start(io);
        InjectedLag lag{trigger, 2500ms};
        o.log = lag.hook();
        probes::Ikev2Result r;
        boost::asio::co_spawn(
            io,
            [&]() -> boost::asio::awaitable<void> {
                r = co_await probes::ikev2_probe(o);
                o.load->stop();  // the monitor keeps io.run() alive until stopped, as the runner's workers do
            },
            boost::asio::detached);
        io.run();
        EXPECT_EQ(lag.done, !trigger.empty()) << "the injected block did not happen";
        probes::diagnose_ikev2(r, o);
        return r;
    }
};

TEST_F(Ikev2OverloadLab, ALoopBlockedMidHandshakeIsCouldNotProbeNot809) {
    auto r = probe("-> IKE_AUTH request");  // after IKE_SA_INIT, as IKE_AUTH goes out
    const std::string dump = boost::json::serialize(probes::to_json(r));
    expect_harness_overload(r, dump);
    EXPECT_EQ(r.failed_phase, "ike_auth") << dump;
    EXPECT_EQ(r.phase("nat_t_port_check"), nullptr) << "no port check after our own overload: " << dump;
    EXPECT_EQ(exit_code_of(scenarios::ProbeRun{r}), 3) << dump;
}

TEST_F(Ikev2OverloadLab, TheSameProbeWithoutTheBlockPasses) {
    auto r = probe("");
    const std::string dump = boost::json::serialize(probes::to_json(r));
    EXPECT_TRUE(r.success) << dump;
    EXPECT_EQ(probes::harness_error(r.phases, r.findings), "") << dump;
    EXPECT_EQ(exit_code_of(scenarios::ProbeRun{r}), 0) << dump;
}

}  // namespace
