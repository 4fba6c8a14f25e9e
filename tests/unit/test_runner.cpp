// The runner on 127.0.0.1 (a vantage point by source address; nothing leaves the machine): rows, repeats,
// the --parallel bound, and that every row is judged. The target is a UDP port nothing listens on, so
// each IKEv2 probe ends fast with "port unreachable", a real answer from the kernel.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "scenarios/reports.hpp"
#include "scenarios/run_ledger.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/thread_witness.hpp"

namespace {

using namespace vpnprobe::scenarios;
using testing::HasSubstr;
using testing::Not;

// A UDP port of 127.0.0.1 that was free a moment ago (bound, then closed), below the kernel's ephemeral range:
// the probes' own sockets take ephemeral ports, and one that got this port would swallow the datagrams sent to
// it (a connected UDP socket drops them silently: no port unreachable, the probe waits for its deadline).
std::uint16_t closed_udp_port() {
    unsigned low = 32768, high = 60999;
    std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> low >> high;
    static unsigned next = 0;
    if (next == 0 || next >= low) next = low > 20000 ? low - 10000 : 1024;
    boost::asio::io_context io;
    for (; next < low; ++next) {
        boost::asio::ip::udp::socket s(io);
        boost::system::error_code ec;
        s.open(boost::asio::ip::udp::v4(), ec);
        if (!ec) s.bind(boost::asio::ip::udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), next), ec);
        if (!ec) return static_cast<std::uint16_t>(next++);
    }
    ADD_FAILURE() << "no free UDP port below " << low;
    return 9;
}

Scenario loopback(int targets, int count, int parallel) {
    std::string text = "count: " + std::to_string(count) + "\nparallel: " + std::to_string(parallel) +
                       "\nvantage_points: [{name: lo, source: 127.0.0.1}]\ntargets:\n";
    for (int i = 0; i < targets; ++i)
        text += "  - {name: t" + std::to_string(i) +
                ", host: 127.0.0.1, ports: {ikev2: " + std::to_string(closed_udp_port()) + "}}\n";
    text +=
        "probes:\n  - {type: ikev2, timeout: 5, options: {sa_init_only: true},"
        " expect: {failed_phase: ike_sa_init, findings: [ikev2.sa_init_refused]}}\n";
    return load_scenario_text(text, "loopback.yaml");
}

// On one thread (the exact peaks below come from its order: every worker starts before any run ends).
TEST(Runner, EveryRowRunsCountTimesWithinTheParallelBound) {
    auto s = loopback(6, 3, 4);
    RunOptions o;
    o.threads = 1;
    auto r = run_scenario(s, o);
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

// --count repeats of one row run one after another, never beside each other, even when --parallel would
// allow all of them at once; different rows still run side by side.
TEST(Runner, RepeatsOfARowRunOneAfterAnother) {
    auto s = loopback(3, 4, 64);
    RunOptions o;
    o.threads = 1;  // for the exact peak at the end (on several threads, each row's peak is still 1: see below)
    auto r = run_scenario(s, o);
    ASSERT_EQ(r.rows.size(), 3u);
    for (const auto& row : r.rows) {
        EXPECT_EQ(row.runs.size(), 4u);
        EXPECT_EQ(row.peak_in_flight, 1) << row.id() << ": two runs of one row were in flight at once";
        EXPECT_THAT(row.last().phases().back().error, HasSubstr("port unreachable"));
    }
    EXPECT_EQ(r.peak_in_flight, 3) << "the three rows ran side by side, one run each at a time";
}

// A stop request (what SIGINT/SIGTERM make in `vpnprobe run`) while probes are in flight: the row that
// finished is reported whole, the one in flight ends as interrupted (not as a timeout: its 30 s deadline is
// far away), the one that never started says so, and the run is neither passed nor failed.
TEST(Runner, AStopRequestEndsTheRowsInFlightAsInterrupted) {
    boost::asio::io_context io;
    // A UDP socket that never answers: a probe to it waits for its deadline.
    boost::asio::ip::udp::socket silent(io,
                                        boost::asio::ip::udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    auto s = load_scenario_text(
        "parallel: 2\nvantage_points: [{name: lo, source: 127.0.0.1}]\ntargets:\n"
        "  - {name: fast, host: 127.0.0.1, ports: {ikev2: " +
            std::to_string(closed_udp_port()) +
            "}}\n"
            "  - {name: silent, host: 127.0.0.1, ports: {ikev2: " +
            std::to_string(silent.local_endpoint().port()) +
            "}}\n"
            "  - {name: later, host: 127.0.0.1, ports: {ikev2: " +
            std::to_string(silent.local_endpoint().port()) +
            "}}\n"
            "probes: [{type: ikev2, timeout: 30, options: {sa_init_only: true}, expect: {failed_phase: ike_sa_init}}]\n",
        "stop.yaml");
    RunOptions o;
    o.threads = 1;  // the silent row is in flight when the fast one ends only because both start on one thread
    o.remote_stop = std::make_shared<vpnprobe::probes::RemoteStop>();
    o.progress = [&](std::size_t, std::size_t) { o.remote_stop->request("test"); };  // when the fast row is done
    auto r = run_scenario(s, o);
    ASSERT_EQ(r.rows.size(), 3u);
    EXPECT_EQ(r.interrupted_by, "test");
    EXPECT_FALSE(r.passed());
    EXPECT_EQ(r.interrupted_rows(), 2);
    EXPECT_EQ(r.failed_rows(), 0);
    const auto& fast = r.rows[0];
    EXPECT_EQ(fast.target, "fast");
    EXPECT_FALSE(fast.interrupted);
    EXPECT_TRUE(fast.passed) << "a row that finished before the stop is judged as usual";
    const auto& silent_row = r.rows[1];
    EXPECT_TRUE(silent_row.interrupted);
    EXPECT_FALSE(silent_row.passed);
    ASSERT_EQ(silent_row.runs.size(), 1u);
    const auto& phase = silent_row.last().phases().back();
    EXPECT_EQ(phase.name, "ike_sa_init");
    EXPECT_EQ(phase.outcome, vpnprobe::probes::PhaseOutcome::interrupted) << phase.error;
    EXPECT_THAT(phase.error, HasSubstr("interrupted (test)"));
    ASSERT_NE(silent_row.last().first_error(), nullptr);
    EXPECT_EQ(silent_row.last().first_error()->check, "probe.interrupted");
    const auto& later = r.rows[2];
    EXPECT_TRUE(later.interrupted);
    EXPECT_EQ(later.last().phases().front().name, "start") << "never started, and says so";
    EXPECT_EQ(later.last().phases().front().outcome, vpnprobe::probes::PhaseOutcome::interrupted);
    // Every report says it: JSON, the table, JUnit (skipped), Prometheus (no success claimed).
    EXPECT_THAT(report_json(r), HasSubstr("\"interrupted\":\"test\""));
    EXPECT_THAT(report_json(r), HasSubstr("\"outcome\":\"interrupted\""));
    EXPECT_THAT(report_table(r), HasSubstr("INTERRUPTED"));
    EXPECT_THAT(report_junit(r), HasSubstr("<skipped message=\"interrupted by test"));
    const std::string silent_id =
        "{target=\"silent\",address=\"127.0.0.1\",vantage=\"lo\",probe=\"ikev2\",type=\"ikev2\"}";
    const std::string fast_id = "{target=\"fast\",address=\"127.0.0.1\",vantage=\"lo\",probe=\"ikev2\",type=\"ikev2\"}";
    EXPECT_THAT(report_prometheus(r), HasSubstr("vpnprobe_interrupted" + silent_id + " 1\n"));
    EXPECT_THAT(report_prometheus(r), HasSubstr("probe_success" + silent_id + " 0\n"));
    EXPECT_THAT(report_prometheus(r), HasSubstr("vpnprobe_interrupted" + fast_id + " 0\n"));
    EXPECT_THAT(report_prometheus(r), HasSubstr("probe_success" + fast_id + " 1\n"));
    // Independent judges: the JUnit schema and Prometheus' own parser accept the interrupted reports.
    const std::string junit = ::testing::TempDir() + "/interrupted.xml",
                      prom = ::testing::TempDir() + "/interrupted.prom";
    std::ofstream(junit) << report_junit(r);
    std::ofstream(prom) << report_prometheus(r);
    auto valid = vpnprobe::testsupport::run_command("xmllint --noout --schema " + std::string(VPNPROBE_TEST_DATA) +
                                                    "/junit.xsd " + junit + " 2>&1");
    EXPECT_EQ(valid.exit_code, 0) << valid.out;
    auto parsed = vpnprobe::testsupport::run_command(std::string(VPNPROBE_SOURCE_DIR) +
                                                     "/tests/support/parse_prometheus.py " + prom + " 2>&1");
    EXPECT_EQ(parsed.exit_code, 0) << parsed.out;
    EXPECT_THAT(parsed.out, HasSubstr("vpnprobe_interrupted"));
}

TEST(Runner, RowsRunOnSeveralThreadsEachRowOnce) {
    auto s = loopback(12, 2, 4);
    RunOptions o;
    o.threads = 2;
    vpnprobe::testsupport::ThreadWitness seen(12);
    o.run_started = seen.hook();
    std::vector<std::size_t> progress;
    o.progress = [&](std::size_t done, std::size_t total) {
        EXPECT_EQ(total, 24u);
        progress.push_back(done);  // calls are serialized by the runner, so no lock here
    };
    auto r = run_scenario(s, o);
    ASSERT_EQ(r.rows.size(), 12u);
    for (const auto& row : r.rows) {
        EXPECT_EQ(row.runs.size(), 2u);
        EXPECT_EQ(row.peak_in_flight, 1) << row.id() << ": two runs of one row were in flight at once";
        EXPECT_TRUE(row.passed) << row.id() << ": " << row.last().phases().back().error;
        EXPECT_THAT(row.last().phases().back().error, HasSubstr("port unreachable"));
    }
    EXPECT_EQ(seen.threads.size(), 2u) << "the probes ran on " << seen.threads.size() << " thread(s)";
    EXPECT_EQ(seen.threads.count(std::this_thread::get_id()), 1u) << "the caller's thread runs one of them";
    std::vector<std::size_t> expected(24);
    for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = i + 1;
    EXPECT_EQ(progress, expected) << "done counts 1..24 exactly, whichever thread ended the run";
    EXPECT_LE(r.peak_in_flight, 4) << "--parallel bounds the runs in flight over all threads";
    EXPECT_GE(r.peak_in_flight, 2) << "the first run was held until one started on the other thread";
    EXPECT_TRUE(r.passed());
}

TEST(Runner, ThreadsDefaultToTheCoresButNeverExceedTheWorkers) {
    EXPECT_EQ(runner_threads(std::nullopt, 2, 64), 2u);
    EXPECT_EQ(runner_threads(std::nullopt, 0, 64), 1u) << "cores unknown";
    EXPECT_EQ(runner_threads(std::nullopt, 128, 1000), static_cast<std::size_t>(kMaxDefaultThreads));
    EXPECT_EQ(runner_threads(std::nullopt, 8, 3), 3u) << "never more threads than rows or --parallel";
    EXPECT_EQ(runner_threads(6, 2, 64), 6u) << "--threads is taken as asked";
    EXPECT_EQ(runner_threads(6, 2, 4), 4u);
    EXPECT_EQ(runner_threads(0, 2, 64), 1u);
    EXPECT_EQ(runner_threads(4, 2, 0), 1u) << "no row: still one thread (it reports nothing ran)";
}

// The ledger from several threads at once: every row handed out exactly once, done counted without a gap,
// and the in-flight peak what the runs made it.
TEST(RunLedger, RowsAreHandedOutOnceAndProgressCountsWithoutAGap) {
    constexpr std::size_t rows = 5000, threads = 4;
    std::vector<std::size_t> progress;
    RunLedger ledger(rows, 1, [&](std::size_t done, std::size_t total) {
        EXPECT_EQ(total, rows);
        progress.push_back(done);
    });
    std::vector<std::vector<std::size_t>> taken(threads);
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            while (auto row = ledger.take_row()) {
                ledger.run_started();
                taken[t].push_back(*row);
                ledger.run_ended();
            }
        });
    for (auto& t : pool) t.join();
    std::vector<int> times(rows, 0);
    for (const auto& list : taken)
        for (std::size_t row : list) ++times[row];
    for (std::size_t row = 0; row < rows; ++row) ASSERT_EQ(times[row], 1) << "row " << row;
    EXPECT_FALSE(ledger.take_row());
    EXPECT_EQ(ledger.done(), rows);
    EXPECT_EQ(ledger.in_flight(), 0);
    ASSERT_EQ(progress.size(), rows);
    for (std::size_t i = 0; i < rows; ++i) ASSERT_EQ(progress[i], i + 1);
    EXPECT_GE(ledger.peak_in_flight(), 1);
    EXPECT_LE(ledger.peak_in_flight(), static_cast<int>(threads));
}

TEST(RunLedger, PeakInFlightIsTheMostAtOnce) {
    RunLedger ledger(3, 2, nullptr);
    EXPECT_EQ(ledger.total(), 6u);
    ledger.run_started();
    ledger.run_started();
    ledger.run_ended();
    ledger.run_started();
    ledger.run_started();
    EXPECT_EQ(ledger.peak_in_flight(), 3);
    EXPECT_EQ(ledger.in_flight(), 3);
    EXPECT_EQ(ledger.done(), 1u);
}

// A stop request while runs are in flight on two threads: it reaches the probes of both (each on its own
// io_context), both rows end as interrupted (not as timeouts: their deadline is 30 s away), and the row
// that no worker had taken yet never starts.
TEST(Runner, AStopRequestReachesTheProbesOfEveryThread) {
    boost::asio::io_context io;
    boost::asio::ip::udp::socket silent(io,
                                        boost::asio::ip::udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    const std::string port = std::to_string(silent.local_endpoint().port());
    auto s = load_scenario_text(
        "parallel: 2\nvantage_points: [{name: lo, source: 127.0.0.1}]\ntargets:\n"
        "  - {name: a, host: 127.0.0.1, ports: {ikev2: " +
            port +
            "}}\n"
            "  - {name: b, host: 127.0.0.1, ports: {ikev2: " +
            port +
            "}}\n"
            "  - {name: later, host: 127.0.0.1, ports: {ikev2: " +
            port +
            "}}\n"
            "probes: [{type: ikev2, timeout: 30, options: {sa_init_only: true}}]\n",
        "stop-threads.yaml");
    RunOptions o;
    o.threads = 2;
    o.remote_stop = std::make_shared<vpnprobe::probes::RemoteStop>();
    std::mutex m;
    std::vector<std::thread::id> ran_on;
    // The second run to start asks for the stop, from its own thread; the first is on the other thread.
    o.run_started = [&](std::size_t) {
        std::lock_guard<std::mutex> lock(m);
        ran_on.push_back(std::this_thread::get_id());
        if (ran_on.size() == 2) o.remote_stop->request("test");
    };
    auto r = run_scenario(s, o);
    ASSERT_EQ(ran_on.size(), 2u);
    EXPECT_NE(ran_on[0], ran_on[1]) << "parallel 2 on 2 threads: one worker each";
    EXPECT_EQ(r.interrupted_by, "test");
    EXPECT_EQ(r.interrupted_rows(), 3);
    ASSERT_EQ(r.rows.size(), 3u);
    for (std::size_t i = 0; i < 2; ++i) {
        const auto& row = r.rows[i];
        ASSERT_EQ(row.runs.size(), 1u) << row.id();
        const auto& phase = row.last().phases().back();
        EXPECT_EQ(phase.name, "ike_sa_init") << row.id();
        EXPECT_EQ(phase.outcome, vpnprobe::probes::PhaseOutcome::interrupted) << row.id() << ": " << phase.error;
        EXPECT_THAT(phase.error, HasSubstr("interrupted (test)"));
    }
    EXPECT_EQ(r.rows[2].last().phases().front().name, "start") << "never started, and says so";
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
    auto s = load_scenario_text(
        "vantage_points: [{name: lo, source: 127.0.0.1}]\ntargets: [{name: t, host: 127.0.0.1, "
        "ports: {ikev2: " +
            std::to_string(closed_udp_port()) + "}}]\nprobes: [{type: ikev2, timeout: 5}]\n",
        "x.yaml");
    auto r = run_scenario(s, {});
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_FALSE(r.rows[0].passed) << "success is expected by default, and nothing listens";
    EXPECT_EQ(r.rows[0].outcomes[0].check, "success");
    EXPECT_EQ(r.rows[0].outcomes[0].windows_error, "809");
    EXPECT_FALSE(r.passed());
}

// A TCP port of 127.0.0.1 that was free a moment ago.
std::uint16_t closed_tcp_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    return a.local_endpoint().port();
}

std::string temp_file(const std::string& name, const std::string& text) {
    auto path = std::filesystem::temp_directory_path() / ("vpnprobe-runner-" + std::to_string(::getpid()) + "-" + name);
    std::ofstream(path) << text;
    return path.string();
}

// The runner itself does not preflight (run and serve do, before it): what slips through, such as a
// namespace deleted after the check, must fail its row as the harness's error even where the scenario
// expects exactly the failure the probe reports.
TEST(Runner, AProbeThatCouldNotRunFailsItsRowWhateverIsExpected) {
    const std::string not_a_netns = temp_file("regular-file-netns", "not a namespace\n");
    auto s = load_scenario_text(
        "vantage_points: [{name: gone, netns: /var/run/netns/vpnprobe-test-no-such-namespace},"
        " {name: file, netns: " +
            not_a_netns +
            "}]\n"
            "targets: [{name: t, host: 127.0.0.1, ports: {ikev2: " +
            std::to_string(closed_udp_port()) +
            "}}]\n"
            "probes: [{type: ikev2, timeout: 5, options: {sa_init_only: true},"
            " expect: {success: false, failed_phase: ike_sa_init}}]\n",
        "x.yaml");
    auto r = run_scenario(s, {});
    ASSERT_EQ(r.rows.size(), 2u);
    for (const auto& row : r.rows) {
        EXPECT_EQ(row.last().failed_phase(), "ike_sa_init") << "the expectation names the phase the probe stopped in";
        EXPECT_FALSE(row.passed) << row.id();
        EXPECT_FALSE(row.harness_error().empty()) << row.id();
        ASSERT_FALSE(row.outcomes.empty());
        EXPECT_EQ(row.outcomes[0].check, "harness");
    }
    EXPECT_THAT(r.rows[0].harness_error(), HasSubstr("No such file or directory"));
    EXPECT_THAT(r.rows[1].harness_error(), HasSubstr("setns"));
    EXPECT_EQ(r.harness_error_rows(), 2);
    EXPECT_EQ(r.exit_code(), 3);
    std::filesystem::remove(not_a_netns);
}

// setns not permitted (no CAP_SYS_ADMIN) while the run goes on: the row is the harness's failure. The
// run happens in a child process that drops CAP_SYS_ADMIN from its own effective set; the namespace is
// the child's own, which it may open but not enter without the capability.
TEST(Runner, SetnsNotPermittedIsAHarnessError) {
    const std::string port = std::to_string(closed_udp_port());
    int report[2];
    ASSERT_EQ(::pipe(report), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
        __user_cap_data_struct data[2]{};
        char verdict = '?';
        if (::syscall(SYS_capget, &header, data) == 0) {
            data[0].effective &= ~(1u << CAP_SYS_ADMIN);
            if (::syscall(SYS_capset, &header, data) == 0) {
                auto s = load_scenario_text(
                    "vantage_points: [{name: self, netns: /proc/self/ns/net}]\n"
                    "targets: [{name: t, host: 127.0.0.1, ports: {ikev2: " +
                        port +
                        "}}]\n"
                        "probes: [{type: ikev2, timeout: 5, options: {sa_init_only: true},"
                        " expect: {success: false, failed_phase: ike_sa_init}}]\n",
                    "x.yaml");
                auto r = run_scenario(s, {});
                bool harness = r.rows.size() == 1 && !r.rows[0].passed &&
                               r.rows[0].harness_error().find("Operation not permitted") != std::string::npos &&
                               r.exit_code() == 3;
                verdict = harness ? 'h' : (r.rows.size() == 1 && r.rows[0].passed ? 'p' : 'f');
            }
        }
        (void)!::write(report[1], &verdict, 1);
        ::_exit(0);
    }
    ::close(report[1]);
    char verdict = '?';
    (void)!::read(report[0], &verdict, 1);
    ::close(report[0]);
    ::waitpid(pid, nullptr, 0);
    if (verdict == '?') GTEST_SKIP() << "cannot drop CAP_SYS_ADMIN here";
    EXPECT_EQ(verdict, 'h') << "p: the row passed; f: it failed, but not as a harness error naming EPERM";
}

TEST(Runner, ACaFileThatIsNotPemFailsTheRowBeforeAnythingIsSent) {
    const std::string not_pem = temp_file("not-pem.crt", "this is not a certificate\n");
    auto s = load_scenario_text(
        "vantage_points: [{name: lo, source: 127.0.0.1}]\n"
        "targets: [{name: t, host: 127.0.0.1, ca: " +
            not_pem + ", ports: {sstp: " + std::to_string(closed_tcp_port()) +
            ", ikev2: " + std::to_string(closed_udp_port()) +
            "}}]\n"
            "probes:\n"
            "  - {type: sstp, timeout: 5, expect: {success: false, failed_phase: tcp_connect}}\n"
            "  - {type: ikev2, timeout: 5, options: {sa_init_only: true}, expect: {success: false, failed_phase: ike_sa_init}}\n",
        "x.yaml");
    auto r = run_scenario(s, {});
    ASSERT_EQ(r.rows.size(), 2u);
    for (const auto& row : r.rows) {
        EXPECT_FALSE(row.passed) << row.id();
        EXPECT_THAT(row.harness_error(), HasSubstr("CA file")) << row.id();
        EXPECT_THAT(row.harness_error(), HasSubstr("PEM")) << row.id();
    }
    // Nothing was sent: the SSTP probe stopped before its TCP connection, the IKEv2 one before its socket.
    EXPECT_THAT(r.rows[0].last().phases().back().error, Not(HasSubstr("refused")));
    EXPECT_EQ(r.exit_code(), 3);
    std::filesystem::remove(not_pem);
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
    auto s = load_scenario_text(
        "vantage_points: [{name: lo, source: 127.0.0.1}, {name: lo2, source: 127.0.0.1}]\n"
        "targets: [{name: a, host: 127.0.0.1}, {name: b, host: 127.0.0.1}]\n"
        "probes: [{name: only-b, type: ikev2, targets: [b], vantage_points: [lo]},"
        " {name: any, type: ikev2}]\n",
        "cut.yaml");
    try {
        select(s, {"only-b"}, {"a"}, {});
        ADD_FAILURE() << "a probe restricted to b, asked for on a, has no row";
    } catch (const std::invalid_argument& e) {
        EXPECT_EQ(std::string(e.what()),
                  "no row matches probe 'only-b' and target 'a'; probe 'only-b' runs only on target 'b'");
    }
    EXPECT_THROW(select(s, {"only-b"}, {}, {"lo2"}), std::invalid_argument);
    EXPECT_EQ(plan_rows(select(s, {"only-b", "any"}, {"a"}, {})).size(), 2u) << "any on a from lo and lo2";
}

}  // namespace

namespace {

// The password is read as each run starts, not when the file is loaded: a password file gone after the load
// fails the row as the harness's (nothing sent, nothing about the target), a password file there lets the probe
// run; the tunnel it was asked for is reported (down: nothing listens) and judged, and no report holds the password.
TEST(Runner, ThePasswordIsReadAsEachRunStarts) {
    const std::string secret = "Runner-Sekrit-9";
    const std::string pw = temp_file("runner-password", secret + "\n");
    auto s = load_scenario_text(
        "vantage_points: [{name: lo, source: 127.0.0.1}]\n"
        "targets: [{name: t, host: 127.0.0.1, ports: {sstp: " +
            std::to_string(closed_tcp_port()) + "}, credentials: {user: alice, password_file: " + pw +
            "}}]\n"
            "probes:\n"
            "  - {type: sstp, timeout: 5, options: {ping: 192.0.2.1},\n"
            "     expect: {failed_phase: tcp_connect, tunnel: {connected: false}}}\n",
        "x.yaml");
    std::filesystem::remove(pw);
    auto gone = run_scenario(s, {});
    ASSERT_EQ(gone.rows.size(), 1u);
    EXPECT_FALSE(gone.rows[0].passed);
    EXPECT_THAT(gone.rows[0].harness_error(),
                HasSubstr("credentials of alice: password_file " + pw + ": cannot be read: No such file"));
    EXPECT_EQ(gone.rows[0].last().phases().back().name, "setup") << "nothing was sent";

    std::ofstream(pw) << secret << "\n";
    auto ran = run_scenario(s, {});
    ASSERT_EQ(ran.rows.size(), 1u);
    const auto& row = ran.rows[0];
    EXPECT_TRUE(row.passed) << testing::PrintToString(failure_lines(row));
    EXPECT_TRUE(row.harness_error().empty());
    const auto& tunnel = row.last().as<vpnprobe::probes::SstpResult>().tunnel;
    EXPECT_TRUE(tunnel.credentials_given) << "asked to log in, though the probe ended before the login";
    EXPECT_FALSE(tunnel.connected);
    for (const auto& report : {report_table(ran), report_json(ran), report_junit(ran), report_prometheus(ran)}) {
        EXPECT_THAT(report, Not(HasSubstr(secret)));
    }
    EXPECT_THAT(report_prometheus(ran), HasSubstr("vpnprobe_tunnel_up{"));
    EXPECT_THAT(report_table(ran), HasSubstr("tunnel down"));
    std::filesystem::remove(pw);
}

}  // namespace
