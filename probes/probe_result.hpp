// The parts of a probe result every probe shares: phases and findings.
// A probe records what happened phase by phase; diagnosis turns that into findings, each naming what a
// Windows client would show. Reports are pure functions of these.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "probes/failure_reason.hpp"

namespace vpnprobe::probes {

// interrupted: the probe was asked to stop (SIGINT, SIGTERM) before the phase ended; says nothing of the server.
enum class PhaseOutcome { ok, failed, timeout, skipped, interrupted };
const char* to_string(PhaseOutcome o);

struct Phase {
    std::string name;  // "resolve", "tcp_connect", "tls_handshake", "http", "call_connect", "ppp_lcp", "disconnect"
    PhaseOutcome outcome = PhaseOutcome::skipped;
    double seconds = 0;
    std::string error;  // why it failed, in words ("connection refused", "no answer within 5 s", ...)
    // The failure is the probe's own (no such namespace, source address not on the vantage point, an
    // unreadable CA bundle): it says nothing about the server, and no Windows client would see it.
    bool local = false;
    // The errno of the socket error that ended the phase (ENETUNREACH, ECONNREFUSED, ...), 0 when none did:
    // diagnosis names the finding by it rather than by parsing the text.
    int sys_errno = 0;
    // Why it failed, as a code: diagnosis maps (phase, reason) to a finding and a Windows error, never the
    // words in `error`, so rewording a message cannot change a verdict. none while the phase did not fail.
    FailureReason reason = FailureReason::none;
};

// The phase of that name in a probe's phase list, or nullptr when the probe did not get that far.
const Phase* find_phase(const std::vector<Phase>& phases, const std::string& name);

enum class Severity { error, warning, info };
const char* to_string(Severity s);

struct Finding {
    Severity severity = Severity::error;
    std::string check;  // stable identifier: "certificate.expired", "sstp.http_timeout", ...
    std::string detail;  // the explanation an operator reads
    std::string windows_error;  // what a Windows client would show, "" when it would show nothing
};

// What every probe kind's result has, whatever the kind: where it went, from where, how each phase ended,
// and the diagnosis. A kind's result derives from it and adds its own facts (SstpResult, Ikev2Result).
struct ProbeOutcome {
    std::string host;  // what the client dials (name or address literal)
    std::uint16_t port = 0;
    std::string address;  // the address actually probed ("" when the name did not resolve)
    std::string vantage;  // label of the vantage point
    std::vector<Phase> phases;
    double total_seconds = 0;
    // The worst lag of vpnprobe's own event loop while this probe ran (probes/load_monitor.hpp), 0 when it
    // was not measured. Above kOverloadLag the probe's timings include our own queueing, not only the server's.
    double event_loop_lag_seconds = 0;
    // Set by the kind's diagnosis:
    std::vector<Finding> findings;
    bool success = false;  // every protocol phase succeeded and no error-severity finding
    std::string failed_phase;  // first phase that did not succeed, "" when none
    std::string windows_error;  // the first error finding's Windows error

    const Phase* phase(const std::string& name) const { return find_phase(phases, name); }
};

// Why the probe could not run, when the failure was the harness's own (finding probe.local, or a phase
// marked local: no such namespace, an unreadable CA file, no file descriptors left, ...; or finding
// probe.overload: a phase timed out while our own event loop ran too late); "" when it ran.
// Such a result says nothing about the target. The one definition for the probe commands' exit 3 and the
// scenario reports.
std::string harness_error(const std::vector<Phase>& phases, const std::vector<Finding>& findings);

// Times one phase and appends it to a phase list when finished.
class PhaseTimer {
public:
    using clock = std::chrono::steady_clock;
    PhaseTimer(std::vector<Phase>& phases, std::string name)
        : phases_(phases), name_(std::move(name)), start_(clock::now()) {}
    Phase& finish(PhaseOutcome outcome, std::string error = {});
    double elapsed() const { return std::chrono::duration<double>(clock::now() - start_).count(); }
    clock::time_point started() const { return start_; }

private:
    std::vector<Phase>& phases_;
    std::string name_;
    clock::time_point start_;
};

}  // namespace vpnprobe::probes
