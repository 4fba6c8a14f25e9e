// The runner on 127.0.0.1 (a vantage point by source address; nothing leaves the machine): rows, repeats,
// the --parallel bound, and that every row is judged. The target is a UDP port nothing listens on, so
// each IKEv2 probe ends fast with "port unreachable", a real answer from the kernel.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"

namespace {

using namespace vpnprobe::scenarios;
using testing::HasSubstr;

// A UDP port of 127.0.0.1 that was free a moment ago (bound, then closed).
std::uint16_t closed_udp_port() {
    boost::asio::io_context io;
    boost::asio::ip::udp::socket s(io, boost::asio::ip::udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    return s.local_endpoint().port();
}

Scenario loopback(int targets, int count, int parallel) {
    std::string text = "count: " + std::to_string(count) + "\nparallel: " + std::to_string(parallel) +
                       "\nvantage_points: [{name: lo, source: 127.0.0.1}]\ntargets:\n";
    for (int i = 0; i < targets; ++i)
        text += "  - {name: t" + std::to_string(i) + ", host: 127.0.0.1, ports: {ikev2: " + std::to_string(closed_udp_port()) + "}}\n";
    text += "probes:\n  - {type: ikev2, timeout: 5, options: {sa_init_only: true},"
            " expect: {failed_phase: ike_sa_init, findings: [ikev2.sa_init_refused]}}\n";
    return load_scenario_text(text, "loopback.yaml");
}

TEST(Runner, EveryRowRunsCountTimesWithinTheParallelBound) {
    auto s = loopback(6, 3, 4);
    auto r = run_scenario(s, {});
    ASSERT_EQ(r.rows.size(), 6u);
    for (const auto& row : r.rows) {
        EXPECT_EQ(row.runs.size(), 3u);
        EXPECT_TRUE(row.passed) << row.id() << ": " << (row.outcomes.empty() ? "" : row.outcomes[0].actual);
        EXPECT_THAT(row.last().phases().back().error, HasSubstr("port unreachable"));
        ASSERT_FALSE(row.timings.empty());
        EXPECT_EQ(row.timings.front().samples, 3);
    }
    EXPECT_EQ(r.peak_in_flight, 4) << "18 probes, at most 4 at once, and 4 reached";
    EXPECT_TRUE(r.passed());
}

TEST(Runner, CommandLineOverridesTheScenariosCountAndParallel) {
    auto s = loopback(3, 5, 64);
    RunOptions o;
    o.count = 2;
    o.parallel = 1;
    auto r = run_scenario(s, o);
    ASSERT_EQ(r.rows.size(), 3u);
    EXPECT_EQ(r.rows[0].runs.size(), 2u);
    EXPECT_EQ(r.peak_in_flight, 1);
}

TEST(Runner, ProgressIsReportedForEveryRun) {
    auto s = loopback(2, 2, 8);
    std::vector<std::size_t> seen;
    RunOptions o;
    o.progress = [&](std::size_t done, std::size_t total) {
        EXPECT_EQ(total, 4u);
        seen.push_back(done);
    };
    run_scenario(s, o);
    EXPECT_EQ(seen, (std::vector<std::size_t>{1, 2, 3, 4}));
}

TEST(Runner, ExpectationsAreJudgedPerRow) {
    auto s = load_scenario_text("vantage_points: [{name: lo, source: 127.0.0.1}]\ntargets: [{name: t, host: 127.0.0.1, "
                                "ports: {ikev2: " + std::to_string(closed_udp_port()) +
                                "}}]\nprobes: [{type: ikev2, timeout: 5}]\n",
                                "x.yaml");
    auto r = run_scenario(s, {});
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_FALSE(r.rows[0].passed) << "success is expected by default, and nothing listens";
    EXPECT_EQ(r.rows[0].outcomes[0].check, "success");
    EXPECT_EQ(r.rows[0].outcomes[0].windows_error, "809");
    EXPECT_FALSE(r.passed());
}

TEST(Runner, SelectCutsTheScenarioDownAndNamesWhatIsMissing) {
    auto s = loopback(3, 1, 1);
    auto one = select(s, {"ikev2"}, {"t1"}, {"lo"});
    EXPECT_EQ(one.targets.size(), 1u);
    EXPECT_EQ(one.targets[0].name, "t1");
    EXPECT_EQ(plan_rows(one).size(), 1u);
    EXPECT_THROW(select(s, {"nope"}, {}, {}), std::invalid_argument);
    EXPECT_THROW(select(s, {}, {"t9"}, {}), std::invalid_argument);
    EXPECT_THROW(select(s, {}, {"t1", "t9"}, {}), std::invalid_argument) << "every name must exist, not just one";
    EXPECT_THROW(select(s, {}, {}, {"far"}), std::invalid_argument);
}

TEST(Runner, SelectTakesSeveralOfAKindInTheScenariosOrder) {
    auto s = loopback(3, 1, 1);
    auto two = select(s, {}, {"t2", "t0", "t2"}, {});
    ASSERT_EQ(two.targets.size(), 2u);
    EXPECT_EQ(two.targets[0].name, "t0");
    EXPECT_EQ(two.targets[1].name, "t2");
    EXPECT_EQ(plan_rows(two).size(), 2u);
    EXPECT_EQ(plan_rows(select(s, {}, {}, {})).size(), 3u) << "nothing named: everything";
}

TEST(Runner, SelectRefusesACutThatLeavesNoRow) {
    auto s = load_scenario_text("vantage_points: [{name: lo, source: 127.0.0.1}, {name: lo2, source: 127.0.0.1}]\n"
                                "targets: [{name: a, host: 127.0.0.1}, {name: b, host: 127.0.0.1}]\n"
                                "probes: [{name: only-b, type: ikev2, targets: [b], vantage_points: [lo]},"
                                " {name: any, type: ikev2}]\n",
                                "cut.yaml");
    try {
        select(s, {"only-b"}, {"a"}, {});
        ADD_FAILURE() << "a probe restricted to b, asked for on a, has no row";
    } catch (const std::invalid_argument& e) {
        EXPECT_EQ(std::string(e.what()), "no row matches probe 'only-b' and target 'a'; probe 'only-b' runs only on target 'b'");
    }
    EXPECT_THROW(select(s, {"only-b"}, {}, {"lo2"}), std::invalid_argument);
    EXPECT_EQ(plan_rows(select(s, {"only-b", "any"}, {"a"}, {})).size(), 2u) << "any on a from lo and lo2";
}

}  // namespace
