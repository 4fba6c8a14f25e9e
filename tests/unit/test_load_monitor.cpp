// Our own overload, measured (probes/load_monitor.hpp) and acted on: the lag history with a manual clock; the
// monitor on a real io_context whose loop a handler blocks (the lag it records is at least the block: a lower
// bound, never a timed assertion); a phase that timed out during that block is the harness's (overload), and
// the admission gate holds a probe back until the loop keeps up again, or none of the run's probes is in
// flight, and none after a stop.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <thread>

#include "probes/load_monitor.hpp"
#include "probes/probe_session.hpp"
#include "scenarios/admission.hpp"
#include "scenarios/probe_kind.hpp"

namespace {

namespace asio = boost::asio;
using namespace vpnprobe::probes;
using namespace std::chrono_literals;
using clock = LagClock;

// ---- LagHistory, with a manual clock ------------------------------------------------------------------------

TEST(LagHistory, KeepsTheWorstLagOfTheTicksSinceATime) {
    LagHistory h;
    const clock::time_point t0{};  // the manual clock's origin
    h.record(t0 + 20ms, t0 + 21ms);  // 1 ms late
    h.record(t0 + 41ms, t0 + 341ms);  // 300 ms late
    h.record(t0 + 361ms, t0 + 401ms);  // 40 ms late
    h.record(t0 + 421ms, t0 + 422ms);  // 1 ms late
    EXPECT_EQ(h.worst(), 300ms);
    EXPECT_EQ(h.ticks(), 4u);
    // Since before the long block: it counts. Since after it ran: only the later ticks.
    EXPECT_EQ(h.worst_since(t0, t0 + 430ms), 300ms);
    EXPECT_EQ(h.worst_since(t0 + 341ms, t0 + 430ms), 300ms);
    EXPECT_EQ(h.worst_since(t0 + 342ms, t0 + 430ms), 40ms);
    EXPECT_EQ(h.worst_since(t0 + 402ms, t0 + 430ms), 0ms);  // 1 ms is below the notable lag: kept as none
    EXPECT_EQ(h.current(t0 + 430ms), 1ms);  // the last tick's
}

TEST(LagHistory, AnOverdueTickCountsWhileTheLoopIsStillBusy) {
    LagHistory h;
    const clock::time_point t0{};
    h.record(t0 + 20ms, t0 + 20ms);
    h.expect(t0 + 40ms);
    // The loop is busy right now (the tick due at 40 ms has not run by 540 ms): that is lag already.
    EXPECT_EQ(h.current(t0 + 540ms), 500ms);
    EXPECT_EQ(h.worst_since(t0 + 100ms, t0 + 540ms), 500ms);
    EXPECT_EQ(h.worst(), 0ms);  // not yet recorded
    h.record(t0 + 40ms, t0 + 545ms);
    EXPECT_EQ(h.worst(), 505ms);
    EXPECT_EQ(h.current(t0 + 546ms), 505ms);  // until the next tick says otherwise
    h.expect(t0 + 565ms);
    h.record(t0 + 565ms, t0 + 566ms);
    EXPECT_EQ(h.current(t0 + 570ms), 1ms);
}

TEST(LagHistory, ForgetsTicksOlderThanItsHorizon) {
    LagHistory h(10s);
    const clock::time_point t0{};
    h.record(t0, t0 + 400ms);
    EXPECT_EQ(h.worst_since(t0, t0 + 1s), 400ms);
    h.record(t0 + 20s, t0 + 20s + 6ms);  // 20 s later: the first is beyond the horizon now
    EXPECT_EQ(h.worst_since(t0, t0 + 21s), 6ms);
    EXPECT_EQ(h.worst(), 400ms);  // the run's worst stays
}

TEST(LagHistory, TheBoundIsAQuarterSecondOrATenthOfThePhaseTimeout) {
    EXPECT_EQ(overload_bound(10), kOverloadLag);
    EXPECT_EQ(overload_bound(0), kOverloadLag);
    EXPECT_EQ(overload_bound(1), 100ms);
    EXPECT_LT(kAdmissionLag, kOverloadLag);
}

// ---- the monitor on a real io_context -----------------------------------------------------------------------

// Blocks the io_context's thread, as a saturated loop (or a slow handler) does.
void block(clock::duration d) { std::this_thread::sleep_for(d); }

TEST(LoadMonitor, MeasuresABlockedLoopAndStopsWithTheRun) {
    asio::io_context io;
    auto m = LoadMonitor::start(io);
    asio::steady_timer after(io, clock::now() + 50ms);
    after.async_wait([&](auto) { block(400ms); });
    asio::steady_timer end(io, clock::now() + 600ms);
    end.async_wait([&](auto) { m->stop(); });
    io.run_for(30s);
    EXPECT_TRUE(io.stopped()) << "the stopped monitor keeps io.run() alive";
    // The tick due during the block ran at least (400 ms - one tick) late.
    EXPECT_GE(m->worst_lag(), 400ms - kLagTick);
    EXPECT_GE(m->history().ticks(), 1u);
    EXPECT_TRUE(m->stopped());
}

// A probe's phase whose deadline passed while the loop was blocked: the harness's, in words, never a timeout.
TEST(LoadMonitor, ATimeoutDuringABlockedLoopIsTheHarnesssOverload) {
    asio::io_context io;
    auto m = LoadMonitor::start(io);
    ProbeOutcome out;
    SessionSettings s;
    s.host = "vpn.test";
    s.timeout_seconds = 0.3;
    s.load = m;
    bool done = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto ex = co_await asio::this_coro::executor;
            ProbeSession session(ex, out, s, SessionIo{});
            PhaseTimer phase(out.phases, "tls_handshake");
            session.waiting_for("the server's answer");
            block(600ms);  // the loop is late past the whole deadline
            EXPECT_TRUE(session.expired());
            session.fail(phase, FailureReason::peer_closed, "closed by the watchdog");
            session.finish();
            done = true;
            m->stop();
        },
        asio::detached);
    io.run_for(30s);
    ASSERT_TRUE(done);
    ASSERT_EQ(out.phases.size(), 1u);
    const Phase& p = out.phases[0];
    EXPECT_EQ(p.reason, FailureReason::harness_overload) << p.error;
    EXPECT_TRUE(p.local);
    EXPECT_NE(p.outcome, PhaseOutcome::timeout);
    EXPECT_NE(p.error.find("vpnprobe's own event loop ran"), std::string::npos) << p.error;
    EXPECT_NE(p.error.find("the timeout says nothing about the server"), std::string::npos) << p.error;
    EXPECT_NE(harness_error(out.phases, {}), "");
    EXPECT_GE(out.event_loop_lag_seconds, 0.5);
}

// The deterministic form of the lab's blocked-handshake test: the server's answer is already there when the
// blocked loop runs again, and its completion runs before the watchdog's handler. The phase does not end ok past
// its deadline: it is the harness's overload, as if the watchdog had run first.
TEST(LoadMonitor, AnAnswerSeenOnlyAfterABlockedLoopIsTheHarnesssOverloadNotOk) {
    asio::io_context io;
    auto m = LoadMonitor::start(io);
    ProbeOutcome out;
    SessionSettings s;
    s.host = "vpn.test";
    s.timeout_seconds = 0.3;
    s.load = m;
    bool done = false, ok = true;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto ex = co_await asio::this_coro::executor;
            ProbeSession session(ex, out, s, SessionIo{});
            PhaseTimer phase(out.phases, "sstp_http");
            session.arm_watchdog();
            session.waiting_for("the HTTP response");
            block(600ms);  // the loop is late past the whole deadline; the answer "arrives" meanwhile
            ok = session.succeed(phase);
            session.finish();
            done = true;
            m->stop();
        },
        asio::detached);
    io.run_for(30s);
    ASSERT_TRUE(done);
    EXPECT_FALSE(ok);
    ASSERT_EQ(out.phases.size(), 1u);
    EXPECT_EQ(out.phases[0].reason, FailureReason::harness_overload) << out.phases[0].error;
    EXPECT_TRUE(out.phases[0].local);
    EXPECT_NE(out.phases[0].error.find("the timeout says nothing about the server"), std::string::npos)
        << out.phases[0].error;
}

// The loop ran late in an earlier phase, which still ended well, and used up the whole probe's deadline: the
// phase that then times out (at once, with no lag of its own) is the harness's too.
TEST(LoadMonitor, ALagInAnEarlierPhaseThatUsedUpTheDeadlineCounts) {
    asio::io_context io;
    auto m = LoadMonitor::start(io);
    ProbeOutcome out;
    SessionSettings s;
    s.host = "vpn.test";
    s.timeout_seconds = 0.3;
    s.load = m;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto ex = co_await asio::this_coro::executor;
            ProbeSession session(ex, out, s, SessionIo{});
            {
                PhaseTimer phase(out.phases, "http");
                block(600ms);
                phase.finish(PhaseOutcome::ok);  // its answer was there when the loop came back
            }
            asio::steady_timer settle(ex, clock::now() + 3 * kLagTick);
            co_await settle.async_wait(asio::use_awaitable);  // the late tick is recorded before the next phase
            PhaseTimer phase(out.phases, "call_connect");
            session.fail(phase, FailureReason::peer_closed, "closed by the watchdog");
            m->stop();
        },
        asio::detached);
    io.run_for(30s);
    ASSERT_EQ(out.phases.size(), 2u);
    EXPECT_EQ(out.phases[1].reason, FailureReason::harness_overload) << out.phases[1].error;
    EXPECT_NE(out.phases[1].error.find("late during this probe"), std::string::npos) << out.phases[1].error;
}

// The same deadline in a loop that keeps up is the server's timeout; the polite end's timeout stays one too,
// with the words added.
TEST(LoadMonitor, ATimeoutInALoopThatKeepsUpIsTheServers) {
    asio::io_context io;
    auto m = LoadMonitor::start(io);
    ProbeOutcome out;
    SessionSettings s;
    s.host = "vpn.test";
    s.timeout_seconds = 3;  // bound: 250 ms of lag, which a loop doing nothing but this wait does not reach
    s.load = m;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto ex = co_await asio::this_coro::executor;
            ProbeSession session(ex, out, s, SessionIo{});
            {
                PhaseTimer phase(out.phases, "tls_handshake");
                asio::steady_timer wait(ex, session.deadline());
                co_await wait.async_wait(asio::use_awaitable);
                session.fail(phase, FailureReason::peer_closed, "closed by the watchdog");
            }
            {
                session.enter_polite_end();
                PhaseTimer phase(out.phases, "disconnect");
                block(600ms);
                session.fail_timeout(phase, "no answer to the goodbye");
            }
            m->stop();
        },
        asio::detached);
    io.run_for(30s);
    ASSERT_EQ(out.phases.size(), 2u);
    EXPECT_EQ(out.phases[0].outcome, PhaseOutcome::timeout) << out.phases[0].error;
    EXPECT_EQ(out.phases[0].reason, FailureReason::timeout);
    EXPECT_FALSE(out.phases[0].local);
    EXPECT_EQ(out.phases[1].outcome, PhaseOutcome::timeout);
    EXPECT_FALSE(out.phases[1].local) << "a goodbye's timeout is a warning, never a harness error";
    EXPECT_NE(out.phases[1].error.find("vpnprobe's own event loop ran"), std::string::npos) << out.phases[1].error;
}

// Every kind hands the row's monitor to its probe (scenarios/kinds/<kind>.cpp): a probe on a loop blocked while
// it runs reports the lag. Against a closed port of 127.0.0.1 (refused at once: nothing leaves loopback).
TEST(LoadMonitor, EveryKindHandsTheRowsMonitorToItsProbe) {
    for (const auto* k : vpnprobe::scenarios::probe_kinds()) {
        SCOPED_TRACE(k->name());
        asio::io_context io;
        auto m = LoadMonitor::start(io);
        vpnprobe::scenarios::RowTarget target;
        target.host = "127.0.0.1";
        target.address = "127.0.0.1";
        target.port = 1;  // tcpmux: nothing listens here
        target.name_clients_dial = target.host;
        target.timeout = 5;
        target.load = m;
        const auto options = k->default_options();
        vpnprobe::scenarios::ProbeResult result;
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                result = co_await k->run(target, options);
                m->stop();
            },
            asio::detached);
        asio::post(io, [] { block(300ms); });  // runs once the probe waits for its first answer
        io.run_for(30s);
        const double lag = std::visit([](const auto& r) { return r.event_loop_lag_seconds; }, result);
        EXPECT_GE(lag, 0.25) << "the probe was not given the row's monitor";
    }
}

// ---- the admission gate -------------------------------------------------------------------------------------

TEST(Admission, HoldsAProbeBackUntilTheLoopKeepsUpAgain) {
    asio::io_context io;
    auto m = LoadMonitor::start(io);
    bool admitted = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            block(400ms);
            EXPECT_GT(m->current_lag(), kAdmissionLag);
            co_await vpnprobe::scenarios::admit(*m, kAdmissionLag, nullptr, nullptr);
            admitted = true;
            EXPECT_LE(m->current_lag(), kAdmissionLag);
            m->stop();
        },
        asio::detached);
    io.run_for(60s);
    ASSERT_TRUE(admitted);
    EXPECT_EQ(m->holds(), 1);
    EXPECT_EQ(m->holds_alone(), 0);
    EXPECT_GT(m->held(), 0ms);
    vpnprobe::scenarios::LoadRecord record;
    vpnprobe::scenarios::add_load_record(record, *m);
    EXPECT_EQ(record.admission_waits, 1);
    EXPECT_GE(record.worst_lag_seconds, 0.35);
    EXPECT_GT(record.admission_held_seconds, 0);
}

TEST(Admission, AShortTimeoutIsHeldBackBelowItsOwnOverloadBound) {
    EXPECT_EQ(vpnprobe::scenarios::admission_bound(10), kAdmissionLag);
    EXPECT_EQ(vpnprobe::scenarios::admission_bound(1), overload_bound(1) / 2);
    EXPECT_LT(vpnprobe::scenarios::admission_bound(1), overload_bound(1));
}

TEST(Admission, ALoopThatKeepsUpAdmitsAtOnce) {
    asio::io_context io;
    auto m = LoadMonitor::start(io);
    bool admitted = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            co_await vpnprobe::scenarios::admit(*m, kAdmissionLag, nullptr, nullptr);
            admitted = true;
            m->stop();
        },
        asio::detached);
    io.run_for(60s);
    ASSERT_TRUE(admitted);
    EXPECT_EQ(m->holds(), 0);
}

// A loop kept late by something else than the run's probes (here: handlers that block it 150 ms each, back to
// back, so that every tick runs over 100 ms late): a held probe waits while others of the run are in flight,
// goes alone when none is, and none is held after a stop.
TEST(Admission, ALoopLateWithNoneOfOursInFlightStillMakesProgress) {
    asio::io_context io;
    auto m = LoadMonitor::start(io);
    auto stop = std::make_shared<StopSignal>();
    bool busy = true;
    std::function<void()> hog = [&] {
        block(150ms);
        if (busy) asio::post(io, hog);
    };
    asio::post(io, hog);
    int in_flight = 1;  // another probe of the run, ended below
    bool admitted = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            co_await vpnprobe::scenarios::admit(
                *m, kAdmissionLag, [&] { return in_flight == 0; }, nullptr);
            admitted = true;
            EXPECT_EQ(in_flight, 0) << "admitted while the loop was late and a probe of ours was in flight";
            EXPECT_GT(m->current_lag(), kAdmissionLag);
            stop->request("SIGTERM");
            co_await vpnprobe::scenarios::admit(
                *m, kAdmissionLag, [] { return false; }, stop);  // after a stop: at once
            busy = false;
            m->stop();
        },
        asio::detached);
    asio::steady_timer end_other(io, clock::now() + 1500ms);
    end_other.async_wait([&](auto) { in_flight = 0; });
    io.run_for(60s);
    EXPECT_TRUE(admitted);
    EXPECT_EQ(m->holds(), 1);
    EXPECT_EQ(m->holds_alone(), 1);
}

}  // namespace
