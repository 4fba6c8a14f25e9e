// What every probe repeats, in one place: the whole-probe and per-phase deadlines (a watchdog), the stop
// request (SIGINT/SIGTERM) and the polite end it allows, failing a phase (ok / failed / timeout / interrupted,
// with a FailureReason, the errno and the `local` flag), the timestamped -v log, and the resolve phase.
// Internal header (Asio): include from .cpp files only.
//
// The shape of a probe on it (the model is Boost.Beast's awaitable SSL client: one straight-line coroutine,
// a deadline before each step, results returned):
//
//     ProbeSession s(ex, result, settings, SessionIo{close_my_sockets, cancel_my_io});
//     auto address = co_await s.resolve(options.address);    // phase "resolve"
//     bool ok = address.has_value();
//     if (ok) ok = co_await my_first_phase(*address);         // one co_await per statement (GCC 12)
//     ...
//     s.finish();                                             // watchdog off, total_seconds set
//
// and each phase:
//
//     PhaseTimer phase(result.phases, "my_phase");
//     s.arm_watchdog();                                        // the phase's deadline (TCP: closes the socket)
//     s.waiting_for("the server's answer");                    // what a timeout or a stop interrupted
//     if (s.io_stopped()) co_return s.fail(phase, FailureReason::interrupted, "interrupted");
//     ... co_await I/O ...
//     if (error) co_return s.fail(phase, FailureReason::peer_closed, text);   // -> failed, timeout or interrupted
//     co_return s.succeed(phase);                              // ok, unless the deadline passed first
//
// The session knows no socket type. What "end the I/O" means is the probe's, given as SessionIo:
//   - close: the watchdog fired. A TCP/TLS probe closes its socket, which ends every operation at every
//     layer. A UDP probe (IKEv2) that bounds each receive by phase_deadline() itself may leave it empty and
//     never arm the watchdog: expired() still says when the deadline has passed.
//   - cancel: a stop request. The I/O in flight ends but the sockets stay usable, for the goodbye the probe
//     says in its polite end (SSTP: CALL_ABORT and close_notify; IKEv2: the Delete of its IKE SA).
// TCP + TLS connect with the chain verdict is a component of its own on top of this (probes/tls_connect.hpp),
// for SSTP and the probes that also speak TLS over TCP (IP-HTTPS).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "probes/failure_reason.hpp"
#include "probes/load_monitor.hpp"
#include "probes/probe_result.hpp"
#include "probes/stop_signal.hpp"
#include "probes/vantage.hpp"
#include "probes/watchdog.hpp"

namespace vpnprobe::probes {

// What a session needs from a probe's options (each kind's options carry these fields).
struct SessionSettings {
    std::string host;  // what the client dials (name or address literal)
    std::uint16_t port = 0;
    VantagePoint vantage;
    double timeout_seconds = 10;  // the whole probe; <= 0 means 10
    double phase_timeout_seconds = 0;  // each phase; <= 0 means the same as the whole
    std::function<void(const std::string&)> log;  // -v; empty = quiet
    std::shared_ptr<StopSignal> stop;  // SIGINT/SIGTERM; may be null
    // The lag of the io_context this probe runs on (probes/load_monitor.hpp); null = not measured. With it, a
    // phase that times out while the loop ran too late is the harness's failure, not the server's timeout.
    std::shared_ptr<LoadMonitor> load;
};

// How the probe's own I/O is ended (see the header comment). Either may be empty.
struct SessionIo {
    std::function<void()> close;  // the watchdog fired: end every operation (close the sockets)
    std::function<void()> cancel;  // a stop request: end the operations in flight, keep the sockets usable
};

class ProbeSession {
public:
    using clock = std::chrono::steady_clock;

    // Starts the clock; fills outcome.host, port and vantage. `outcome` and the hooks' targets must outlive
    // the session. A stop already requested marks the session interrupted (no I/O is in flight yet).
    ProbeSession(const boost::asio::any_io_executor& ex, ProbeOutcome& outcome, SessionSettings settings, SessionIo io);
    ProbeSession(const ProbeSession&) = delete;
    ProbeSession& operator=(const ProbeSession&) = delete;

    const boost::asio::any_io_executor& executor() const { return ex_; }
    const SessionSettings& settings() const { return settings_; }
    ProbeOutcome& outcome() { return outcome_; }

    // ---- the -v log: "[   12.345 ms] line", the time since the probe started, so a stall shows as a gap.
    bool verbose() const { return static_cast<bool>(settings_.log); }
    void log(const std::string& line) const;

    // ---- deadlines
    clock::time_point start() const { return start_; }
    // The whole probe's; a stop request brings it forward to kPoliteEndSeconds from the request.
    clock::time_point deadline() const { return deadline_; }
    // Now plus the phase timeout, capped by the whole probe's deadline.
    clock::time_point phase_deadline() const;
    double phase_timeout_seconds() const { return phase_seconds_; }
    // The watchdog: at `when` (default: phase_deadline()) it calls SessionIo::close. Re-arming replaces it.
    void arm_watchdog();
    void arm_watchdog(clock::time_point when);
    void disarm_watchdog() { watchdog_.disarm(); }
    // The watchdog's deadline has passed (fired, or due with its handler not yet run), or the whole probe's has.
    bool expired() const;
    // The end of the probe: the watchdog off, outcome.total_seconds and event_loop_lag_seconds set.
    void finish();

    // ---- the stop request
    bool interrupted() const { return interrupted_; }
    // Asked to stop and not yet in the polite end: start no new I/O.
    bool io_stopped() const { return stop_io_; }
    const std::string& stop_reason() const;  // "SIGINT", "SIGTERM"; "" when none came
    // From here on the probe says goodbye (its own disconnect, or the polite end after a stop): a stop
    // request no longer cancels I/O, and new I/O may start again, until the (shortened) deadline.
    void enter_polite_end();
    bool in_polite_end() const { return in_polite_end_; }

    // ---- our own overload. The words for a deadline that may have passed because vpnprobe's own event loop ran
    // too late while it ran (the worst lag since `since`, when the deadline was set, above overload_bound() of
    // its `timeout_seconds`); "" when the loop kept up (or no monitor measures it).
    std::string overload_words(clock::time_point since, double timeout_seconds) const;

    // ---- failing a phase. Each returns false, for `co_return s.fail(...)` in a phase returning bool.
    // What the phase was waiting for when it ended: named by a timeout's or a stop's text.
    void waiting_for(std::string what) { waiting_for_ = std::move(what); }
    void waiting_for_more(const std::string& detail) { waiting_for_ += detail; }
    const std::string& waiting_for() const { return waiting_for_; }
    // The phase ends with `reason` and `why` -- unless a stop request ended it (interrupted: "interrupted
    // (SIGINT) while waiting: <waiting_for>") or the deadline did (timeout: "no answer within 5 s (phase
    // deadline) while waiting: <waiting_for>"); then `why` and `sys_errno` are the consequence and dropped.
    // A deadline that passed while our own event loop ran late (overload_words) is no timeout of the server's:
    // the phase fails with harness_overload and `local` set (the "could not probe" class), except in the
    // polite end (a goodbye's timeout is only a warning: it stays a timeout, with the words added).
    bool fail(PhaseTimer& phase, FailureReason reason, const std::string& why, int sys_errno = 0);
    // The phase ends ok -- unless its deadline passed before the probe saw the answer: the completion and the
    // watchdog were ready in the same turn of the loop and the completion ran first. Then it ends as fail()
    // ends a phase past its deadline (a timeout, or harness_overload when our own loop ran late), so no phase
    // succeeds after its deadline and a probe never outlives it. Returns whether the phase ended ok. In the
    // polite end a late goodbye stays ok (it is a courtesy, not a verdict).
    bool succeed(PhaseTimer& phase);
    // The harness's own failure (no namespace, an unreadable CA file, no descriptors): reason local, `local`
    // set; says nothing about the server.
    bool fail_local(PhaseTimer& phase, const std::string& why, int sys_errno = 0);
    // Opening a socket at the vantage point threw. No route to the server (ENETUNREACH, EHOSTUNREACH: connect(2)
    // on a UDP socket looks the route up) is the path's, failed with its reason; anything else (no namespace,
    // the source address not here, no descriptors) is the harness's own: local. `what` prefixes the words.
    bool fail_open(PhaseTimer& phase, const std::string& what, const std::exception& e);
    // A timeout the probe decided itself (a UDP probe whose retransmissions ran out): reason timeout, or
    // harness_overload as in fail().
    bool fail_timeout(PhaseTimer& phase, const std::string& why);
    // Exactly this outcome and reason, nothing classified: for the cases above that do not fit.
    Phase& record(PhaseTimer& phase, PhaseOutcome outcome, FailureReason reason, const std::string& why,
                  bool local = false, int sys_errno = 0);

    // ---- phase "resolve": `fixed_address` when given, else the first address of the host as seen from the
    // vantage point (bounded by the phase deadline, ended by a stop). Sets outcome.address. nullopt when
    // the phase failed (resolve_failed, timeout, interrupted, or local: the vantage point itself failed, or
    // `fixed_address` is no IP address).
    boost::asio::awaitable<std::optional<boost::asio::ip::address>> resolve(const std::string& fixed_address);

private:
    void on_stop();
    bool mark_stopped();  // false when the polite end runs (the stop lets it finish)
    // A timeout: the harness's (overloaded since `since`, when the deadline that passed was set) or the
    // server's, with `why` as the timeout's words.
    bool fail_timed_out(PhaseTimer& phase, const std::string& why, clock::time_point since, double timeout_seconds);

    boost::asio::any_io_executor ex_;
    ProbeOutcome& outcome_;
    SessionSettings settings_;
    SessionIo io_;
    Watchdog watchdog_;
    clock::time_point start_, deadline_;
    double whole_seconds_ = 10;
    double phase_seconds_ = 10;
    std::string waiting_for_;
    bool interrupted_ = false;  // a stop was requested
    bool stop_io_ = false;  // ... so no new I/O starts until the polite end
    bool in_polite_end_ = false;  // the goodbye runs: a stop lets it finish
    StopSubscription stop_;  // last: unsubscribes before the members it touches go
};

}  // namespace vpnprobe::probes
