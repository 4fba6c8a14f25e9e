#include "probes/probe_session.hpp"

#include <cstdio>

#include "probes/async_resolve.hpp"
#include "probes/net_errors.hpp"

namespace vpnprobe::probes {

namespace asio = boost::asio;
using clock = ProbeSession::clock;

namespace {

clock::duration seconds(double s) {
    return std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(s));
}

std::string seconds_text(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g s", s);
    return buf;
}

}  // namespace

ProbeSession::ProbeSession(const asio::any_io_executor& ex, ProbeOutcome& outcome, SessionSettings settings,
                           SessionIo io)
    : ex_(ex),
      outcome_(outcome),
      settings_(std::move(settings)),
      io_(std::move(io)),
      watchdog_(ex),
      stop_(settings_.stop, [this] { on_stop(); }) {
    start_ = clock::now();
    whole_seconds_ = settings_.timeout_seconds > 0 ? settings_.timeout_seconds : 10;
    deadline_ = start_ + seconds(whole_seconds_);
    phase_seconds_ = settings_.phase_timeout_seconds > 0 ? settings_.phase_timeout_seconds : whole_seconds_;
    outcome_.host = settings_.host;
    outcome_.port = settings_.port;
    outcome_.vantage = settings_.vantage.label();
    if (settings_.stop && settings_.stop->requested()) mark_stopped();
}

void ProbeSession::log(const std::string& line) const {
    if (!settings_.log) return;
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "[%9.3f ms] ",
                  std::chrono::duration<double, std::milli>(clock::now() - start_).count());
    settings_.log(stamp + line);
}

clock::time_point ProbeSession::phase_deadline() const {
    return std::min(clock::now() + seconds(phase_seconds_), deadline_);
}

void ProbeSession::arm_watchdog() { arm_watchdog(phase_deadline()); }

void ProbeSession::arm_watchdog(clock::time_point when) {
    watchdog_.arm(when, [this] {
        if (io_.close) io_.close();
    });
}

bool ProbeSession::expired() const { return watchdog_.due() || clock::now() >= deadline_; }

void ProbeSession::finish() {
    watchdog_.disarm();
    outcome_.total_seconds = std::chrono::duration<double>(clock::now() - start_).count();
    if (settings_.load)
        outcome_.event_loop_lag_seconds = std::chrono::duration<double>(settings_.load->worst_since(start_)).count();
}

std::string ProbeSession::overload_words(clock::time_point since, double timeout_seconds) const {
    if (!settings_.load) return {};
    const clock::duration lag = settings_.load->worst_since(since);
    if (lag <= overload_bound(timeout_seconds)) return {};
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.0f ms", lag_ms(lag));
    return std::string("vpnprobe's own event loop ran ") + ms + " late during this " +
           (since <= start_ ? "probe" : "phase") +
           " (overloaded: lower --parallel or add cores); the timeout says nothing about the server";
}

bool ProbeSession::fail_timed_out(PhaseTimer& phase, const std::string& why, clock::time_point since,
                                  double timeout_seconds) {
    const std::string overload = overload_words(since, timeout_seconds);
    if (overload.empty()) {
        record(phase, PhaseOutcome::timeout, FailureReason::timeout, why);
    } else if (in_polite_end_) {
        // The goodbye (SSTP's disconnect, IKEv2's Delete) is a courtesy, reported as a warning: keep it one.
        record(phase, PhaseOutcome::timeout, FailureReason::timeout, why + " (" + overload + ")");
    } else {
        record(phase, PhaseOutcome::failed, FailureReason::harness_overload, overload + " (" + why + ")", true);
    }
    return false;
}

const std::string& ProbeSession::stop_reason() const {
    static const std::string none;
    return settings_.stop ? settings_.stop->reason() : none;
}

// Asked to stop (SIGINT, SIGTERM): the I/O in flight is cancelled (not closed, so a TLS session or an IKE SA
// stays usable for the goodbye), no new I/O starts, and the whole probe gets kPoliteEndSeconds more at most.
// A stop during the probe's own goodbye lets it finish.
void ProbeSession::on_stop() {
    if (!mark_stopped()) return;
    if (io_.cancel) io_.cancel();
}

// A stop that came before the session: nothing to cancel (the probe's I/O objects may not exist yet).
bool ProbeSession::mark_stopped() {
    interrupted_ = true;
    deadline_ = std::min(deadline_, clock::now() + seconds(kPoliteEndSeconds));
    if (in_polite_end_) return false;
    stop_io_ = true;
    return true;
}

void ProbeSession::enter_polite_end() {
    in_polite_end_ = true;
    stop_io_ = false;
}

Phase& ProbeSession::record(PhaseTimer& phase, PhaseOutcome outcome, FailureReason reason, const std::string& why,
                            bool local, int sys_errno) {
    Phase& p = phase.finish(outcome, why);
    p.reason = reason;
    p.local = local;
    p.sys_errno = sys_errno;
    return p;
}

bool ProbeSession::fail(PhaseTimer& phase, FailureReason reason, const std::string& why, int sys_errno) {
    if (interrupted_ && !in_polite_end_) {
        record(phase, PhaseOutcome::interrupted, FailureReason::interrupted,
               "interrupted (" + stop_reason() + ") while waiting: " + waiting_for_);
    } else if (expired()) {
        // The lag that counts is the lag since the deadline that passed was set: the whole probe's at its start
        // (a loop late in an earlier phase consumed it too), a phase's when the phase began.
        const bool whole = clock::now() >= deadline_;
        fail_timed_out(phase,
                       "no answer within " + seconds_text(whole ? settings_.timeout_seconds : phase_seconds_) +
                           (whole ? " (probe deadline)" : " (phase deadline)") + " while waiting: " + waiting_for_,
                       whole ? start_ : phase.started(), whole ? whole_seconds_ : phase_seconds_);
    } else {
        record(phase, PhaseOutcome::failed, reason, why, false, sys_errno);
    }
    return false;
}

bool ProbeSession::succeed(PhaseTimer& phase) {
    if (!in_polite_end_ && expired()) return fail(phase, FailureReason::timeout, "answered after the deadline");
    phase.finish(PhaseOutcome::ok);
    return true;
}

bool ProbeSession::fail_local(PhaseTimer& phase, const std::string& why, int sys_errno) {
    record(phase, PhaseOutcome::failed, FailureReason::local, why, true, sys_errno);
    return false;
}

bool ProbeSession::fail_open(PhaseTimer& phase, const std::string& what, const std::exception& e) {
    const int sys_errno = errno_of(e);
    const std::string why = what + describe_exception(e);
    if (is_path_errno(sys_errno)) return fail(phase, socket_failure_reason(sys_errno), why, sys_errno);
    return fail_local(phase, why, sys_errno);
}

// The probe's own waits (IKEv2's retransmissions) run to the whole probe's deadline: the lag since its start.
bool ProbeSession::fail_timeout(PhaseTimer& phase, const std::string& why) {
    return fail_timed_out(phase, why, start_, whole_seconds_);
}

asio::awaitable<std::optional<asio::ip::address>> ProbeSession::resolve(const std::string& fixed_address) {
    PhaseTimer phase(outcome_.phases, "resolve");
    std::string address = fixed_address;
    if (address.empty()) {
        waiting_for("the resolver");
        auto out = co_await resolve_with_deadline(settings_.vantage, settings_.host, phase_deadline(), settings_.stop);
        if (interrupted_) {
            fail(phase, FailureReason::interrupted, "interrupted");
            co_return std::nullopt;
        }
        if (out.timed_out && !out.local) {
            fail_timed_out(phase, out.error, phase.started(), phase_seconds_);
            co_return std::nullopt;
        }
        if (!out.error.empty()) {
            const FailureReason reason = out.local       ? FailureReason::local
                                         : out.timed_out ? FailureReason::timeout
                                                         : FailureReason::resolve_failed;
            record(phase, out.timed_out ? PhaseOutcome::timeout : PhaseOutcome::failed, reason, out.error, out.local);
            co_return std::nullopt;
        }
        address = out.addresses.front();
    }
    boost::system::error_code ec;
    auto ip = asio::ip::make_address(address, ec);
    // Only an option can bring a non-address here (the resolver returns numeric ones): the caller's mistake.
    if (ec) {
        fail_local(phase, "not an IP address: " + address);
        co_return std::nullopt;
    }
    outcome_.address = address;
    phase.finish(PhaseOutcome::ok);
    co_return ip;
}

}  // namespace vpnprobe::probes
