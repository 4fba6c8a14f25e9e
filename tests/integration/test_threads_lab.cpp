// The scenario runner on several threads against the real lab: the same scenario (many rows: SoftEther SSTP
// and strongSwan IKEv2 targets, healthy and broken, each several times over) run with threads=1 and with
// threads=2 gives the same verdict for every row, every row filled with exactly one run of its own, and the
// probes of the two-thread run really started on two threads. In process (run_scenario), so the threads are
// seen through the runner's run_started hook. Every probe runs from the lab's clean vantage namespace.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "lab_env.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"
#include "tests/support/thread_witness.hpp"

namespace {

using namespace vpnprobe;

class ThreadsLab : public testlab::LabTest {
protected:
    void SetUp() override { use_lab({"sstp-lab.env", "ike-lab.env"}); }

    // `copies` targets per server (names differ, addresses do not): rows = copies x (5 SSTP + 3 IKEv2).
    scenarios::Scenario scenario(int copies) {
        std::string text = "version: 1\nname: threads\nparallel: 8\nvantage_points:\n  - {name: clean, netns: " +
                           var("VANTAGE_CLEAN") + "}\ntargets:\n";
        std::vector<std::string> sstp, ike;
        auto add = [&](std::vector<std::string>& names, const std::string& name, const std::string& addr,
                       const std::string& ca) {
            for (int i = 0; i < copies; ++i) {
                const std::string n = name + "-" + std::to_string(i);
                text += "  - {name: " + n + ", host: " + addr + ", sni: vpn.test, ca: " + ca + "}\n";
                names.push_back(n);
            }
        };
        for (const char* s : {"RSA", "ECDSA", "EXPIRED", "WRONGNAME", "SELFSIGNED"}) {
            std::string lower = s;
            std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
            add(sstp, "sstp-" + lower, var(std::string("SSTP_") + s + "_ADDR"), var("LAB_CA"));
        }
        for (const char* s : {"FRAG", "NOEKU", "EXPIRED"}) {
            std::string lower = s;
            std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
            add(ike, "ike-" + lower, var(std::string("IKE_") + s + "_ADDR"), var("IKE_CA"));
        }
        auto list = [](const std::vector<std::string>& names) {
            std::string out;
            for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
            return "[" + out + "]";
        };
        text += "probes:\n  - {name: sstp, type: sstp, targets: " + list(sstp) +
                ", timeout: 10}\n  - {name: ikev2, type: ikev2, targets: " + list(ike) +
                ", timeout: 10, options: {preset: modern}}\n";
        auto s = scenarios::load_scenario_text(text, "threads.yaml");
        for (const auto& v : s.vantage_points) testlab::assert_inside_lab_namespace(v.vantage);
        return s;
    }

    // What a row's verdict is made of: passed, the failed phase, the Windows error, the error findings.
    static std::string verdict(const scenarios::RowResult& row) {
        std::string v = std::string(row.passed ? "passed" : "failed") + " phase=" + row.last().failed_phase() +
                        " windows=" + row.last().windows_error() + " errors=";
        std::vector<std::string> checks;
        for (const auto& f : row.last().findings())
            if (f.severity == probes::Severity::error) checks.push_back(f.check);
        std::sort(checks.begin(), checks.end());
        for (const auto& c : checks) v += c + ",";
        return v;
    }
};

TEST_F(ThreadsLab, TwoThreadsGiveTheVerdictsOfOne) {
    auto s = scenario(4);
    if (HasFatalFailure()) return;
    scenarios::RunOptions one;
    one.threads = 1;
    auto r1 = scenarios::run_scenario(s, one);

    scenarios::RunOptions two;
    two.threads = 2;
    testsupport::ThreadWitness seen(32);
    two.run_started = seen.hook();
    auto r2 = scenarios::run_scenario(s, two);

    ASSERT_EQ(r1.rows.size(), 32u);
    ASSERT_EQ(r2.rows.size(), r1.rows.size());
    std::map<std::string, int> verdicts;  // for the message: the mix of verdicts compared
    for (std::size_t i = 0; i < r1.rows.size(); ++i) {
        const auto &a = r1.rows[i], &b = r2.rows[i];
        ASSERT_EQ(a.id(), b.id());
        ASSERT_EQ(a.runs.size(), 1u) << a.id();
        ASSERT_EQ(b.runs.size(), 1u) << b.id() << ": each row is filled once";
        EXPECT_EQ(b.last().address(), b.address) << b.id() << ": the run is this row's";
        EXPECT_FALSE(b.interrupted) << b.id();
        EXPECT_TRUE(b.harness_error().empty()) << b.id() << ": " << b.harness_error();
        EXPECT_EQ(verdict(b), verdict(a)) << b.id();
        EXPECT_EQ(b.peak_in_flight, 1) << b.id();
        ++verdicts[verdict(a)];
    }
    // Healthy and broken targets alike: the comparison covers passing and failing verdicts.
    EXPECT_GE(verdicts.size(), 3u);
    int passed = 0;
    for (const auto& row : r1.rows) passed += row.passed ? 1 : 0;
    EXPECT_EQ(passed, 4 * 3) << "sstp-rsa, sstp-ecdsa and ike-frag pass; the broken ones fail";
    EXPECT_EQ(seen.threads.size(), 2u) << "the probes of the threads=2 run started on " << seen.threads.size()
                                       << " thread(s)";
    EXPECT_LE(r2.peak_in_flight, 8) << "parallel bounds the runs in flight over both threads";
}

}  // namespace
