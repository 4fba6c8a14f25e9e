// How late the event loop runs: our own overload, measured, so that it is never reported as the server's.
//
// A run with many probes on one io_context can saturate it (a CPU-bound loop at --parallel 1024): every
// handler then waits its turn, timers fire late, and a probe's deadline can pass while the server's answer
// sits unread in the socket buffer. The timeout then says nothing about the server. A LoadMonitor ticks a
// steady timer on the io_context every kLagTick and notes how late each tick ran (the loop's lag). A probe
// whose phase ended by a timeout asks it for the worst lag during that phase (ProbeSession::fail), and the
// runner holds new probes back while the lag is high (scenarios/admission.hpp).
//
// One monitor per io_context, used only on that io_context's thread. Light header (no Asio): probes take it
// through their options as a shared_ptr.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>

namespace boost::asio {
class io_context;
}

namespace vpnprobe::probes {

using LagClock = std::chrono::steady_clock;

// How often the monitor's timer ticks. Short, so that the admission gate reacts quickly; a tick costs one
// timer handler (50 a second: nothing next to a probe's TLS handshake).
inline constexpr LagClock::duration kLagTick = std::chrono::milliseconds(20);
// A phase that timed out while the loop ran this late is the harness's problem ("could not probe"), never the
// server's timeout. Why 250 ms: an idle loop runs its timers well under a millisecond late and one probe's
// handler costs a few ms of CPU (a TLS handshake with the system store about 30 ms), so 250 ms late means a
// queue of hundreds of handlers, i.e. a saturated loop; and every step of a phase (a TCP connect, each TLS
// flight, each IKE retransmission) waits in that queue again, so a phase loses several times the tick's lag.
// A short phase timeout loses proportionally more: the bound is also never above a tenth of the phase's
// timeout (overload_bound()).
inline constexpr LagClock::duration kOverloadLag = std::chrono::milliseconds(250);
// The runner starts no new probe while the lag is above this (below kOverloadLag, so that admission slows
// down before the probes in flight are in danger).
inline constexpr LagClock::duration kAdmissionLag = std::chrono::milliseconds(100);

// The lag above which a phase with this timeout (seconds) cannot be judged: kOverloadLag, or a tenth of the
// timeout when that is shorter.
LagClock::duration overload_bound(double phase_timeout_seconds);

// Milliseconds, for reports and words.
double lag_ms(LagClock::duration d);

// The record of the ticks, without a timer or a clock of its own (every time is given), so that tests drive
// it with a manual clock. Keeps the ticks that ran at least kNotableLag late, for `horizon`; the worst of
// all and the last tick's lag always.
class LagHistory {
public:
    using clock = LagClock;
    static constexpr clock::duration kNotableLag = std::chrono::milliseconds(5);

    explicit LagHistory(clock::duration horizon = std::chrono::seconds(660)) : horizon_(horizon) {}

    // The next tick is due at `due` (before it ran, current() counts how late it already is).
    void expect(clock::time_point due) { next_due_ = due; }
    // The tick due at `due` ran at `ran`.
    void record(clock::time_point due, clock::time_point ran);

    // The lag now: the last tick's, or, when the next tick is already overdue (the loop is busy right now), how
    // overdue it is, whichever is worse.
    clock::duration current(clock::time_point now) const;
    // The worst lag of the ticks that ran at or after `since`, and the overdue tick's; zero when none was late.
    // Cheap: it reads only the notable ticks of that time.
    clock::duration worst_since(clock::time_point since, clock::time_point now) const;
    clock::duration worst() const { return worst_; }  // since the start, overdue ticks not included
    std::size_t ticks() const { return ticks_; }

private:
    struct Sample {
        clock::time_point ran;
        clock::duration lag;
    };
    clock::duration horizon_;
    std::deque<Sample> notable_;  // oldest first
    clock::duration last_{};
    clock::duration worst_{};
    std::size_t ticks_ = 0;
    std::optional<clock::time_point> next_due_;
};

// The ticking monitor of one io_context, and its admission gate's record.
class LoadMonitor : public std::enable_shared_from_this<LoadMonitor> {
public:
    using clock = LagClock;

    // Starts ticking on `io` (until stop(): a ticking monitor keeps io.run() from returning).
    static std::shared_ptr<LoadMonitor> start(boost::asio::io_context& io, clock::duration tick = kLagTick);
    ~LoadMonitor();
    LoadMonitor(const LoadMonitor&) = delete;
    LoadMonitor& operator=(const LoadMonitor&) = delete;

    // The timer off, the waiters woken: io.run() may return once the probes are done.
    void stop();
    bool stopped() const { return stopped_; }

    clock::duration current_lag() const { return history_.current(clock::now()); }
    clock::duration worst_since(clock::time_point since) const { return history_.worst_since(since, clock::now()); }
    clock::duration worst_lag() const { return history_.worst(); }
    const LagHistory& history() const { return history_; }

    // ---- the admission gate's parts (the waiting itself is the runner's: scenarios/admission.hpp)
    // Called (once) at the first tick whose lag is at or below `below`, or at stop(); returns an id for
    // cancel_waker. At most kReleasePerTick wakers are called per tick, so that the probes held back do not
    // all start at once and overload the loop again.
    static constexpr std::size_t kReleasePerTick = 16;
    int wake_when_calm(clock::duration below, std::function<void()> wake);
    void cancel_waker(int id) { wakers_.erase(id); }
    // The record the run reports: how many probes waited, how many of them started while the loop was still
    // late (none of the run's probes in flight: the lag was not the run's), and the time during which at least
    // one probe was held back.
    void note_hold_started();
    void note_hold_ended(bool alone);
    int holds() const { return holds_; }
    int holds_alone() const { return alone_; }
    clock::duration held() const;

private:
    struct Timer;
    LoadMonitor(boost::asio::io_context& io, clock::duration tick);
    void arm();
    void on_tick(clock::time_point due);

    std::unique_ptr<Timer> timer_;
    clock::duration tick_;
    LagHistory history_;
    bool stopped_ = false;
    std::map<int, std::pair<clock::duration, std::function<void()>>> wakers_;
    int next_waker_ = 0;
    int holding_ = 0, holds_ = 0, alone_ = 0;
    clock::time_point held_since_{};
    clock::duration held_{};
};

}  // namespace vpnprobe::probes
