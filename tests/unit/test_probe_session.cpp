// The shared session base and the TLS failure reasons, without sockets: how a phase ends (failed, timeout,
// interrupted, local) and with which reason, the stop request and the polite end, the watchdog's hook, the
// resolve phase for address literals, the -v log's stamp, and OpenSSL's reason codes mapped to reasons.
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cerrno>
#include <regex>
#include <system_error>

#include "probes/async_resolve.hpp"
#include "probes/net_errors.hpp"
#include "probes/probe_session.hpp"
#include "probes/tls_connect.hpp"

namespace {

namespace asio = boost::asio;
using namespace vpnprobe::probes;

struct Hooks {
    int closed = 0;
    int cancelled = 0;
    SessionIo io() {
        return SessionIo{[this] { ++closed; }, [this] { ++cancelled; }};
    }
};

SessionSettings settings(double timeout_seconds = 30) {
    SessionSettings s;
    s.host = "vpn.test";
    s.port = 443;
    s.vantage.name = "probe-a";
    s.timeout_seconds = timeout_seconds;
    return s;
}

TEST(ProbeSession, FillsWhereTheProbeGoesFrom) {
    asio::io_context io;
    ProbeOutcome out;
    Hooks hooks;
    ProbeSession s(io.get_executor(), out, settings(), hooks.io());
    EXPECT_EQ(out.host, "vpn.test");
    EXPECT_EQ(out.port, 443);
    EXPECT_EQ(out.vantage, "probe-a");
    EXPECT_FALSE(s.interrupted());
    EXPECT_FALSE(s.expired());
}

TEST(ProbeSession, AFailureKeepsItsReasonWordsAndErrno) {
    asio::io_context io;
    ProbeOutcome out;
    Hooks hooks;
    ProbeSession s(io.get_executor(), out, settings(), hooks.io());
    PhaseTimer phase(out.phases, "tcp_connect");
    EXPECT_FALSE(s.fail(phase, FailureReason::refused, "connection refused", ECONNREFUSED));
    ASSERT_EQ(out.phases.size(), 1u);
    const Phase& p = out.phases.front();
    EXPECT_EQ(p.name, "tcp_connect");
    EXPECT_EQ(p.outcome, PhaseOutcome::failed);
    EXPECT_EQ(p.reason, FailureReason::refused);
    EXPECT_EQ(p.error, "connection refused");
    EXPECT_EQ(p.sys_errno, ECONNREFUSED);
    EXPECT_FALSE(p.local);
}

TEST(ProbeSession, ALocalFailureIsMarkedAsTheHarnesss) {
    asio::io_context io;
    ProbeOutcome out;
    Hooks hooks;
    ProbeSession s(io.get_executor(), out, settings(), hooks.io());
    PhaseTimer phase(out.phases, "tcp_connect");
    s.fail_local(phase, "cannot open the socket", EMFILE);
    const Phase& p = out.phases.front();
    EXPECT_EQ(p.outcome, PhaseOutcome::failed);
    EXPECT_EQ(p.reason, FailureReason::local);
    EXPECT_TRUE(p.local);
    EXPECT_EQ(p.sys_errno, EMFILE);
    EXPECT_NE(harness_error(out.phases, {}), "");
}

// A socket that cannot be opened: the harness's failure, unless the route to the server is missing.
TEST(ProbeSession, ASocketThatCannotBeOpenedIsLocalUnlessThePathFails) {
    asio::io_context io;
    ProbeOutcome out;
    Hooks hooks;
    ProbeSession s(io.get_executor(), out, settings(), hooks.io());
    PhaseTimer own(out.phases, "tcp_connect");
    s.fail_open(own, "cannot open the socket: ", std::system_error(EADDRNOTAVAIL, std::generic_category(), "bind"));
    EXPECT_TRUE(out.phases[0].local);
    EXPECT_EQ(out.phases[0].reason, FailureReason::local);
    EXPECT_EQ(out.phases[0].sys_errno, EADDRNOTAVAIL);
    EXPECT_NE(out.phases[0].error.find("cannot open the socket: bind"), std::string::npos) << out.phases[0].error;
    PhaseTimer path(out.phases, "ike_sa_init");
    s.fail_open(path,
                "cannot open the UDP socket: ", std::system_error(ENETUNREACH, std::generic_category(), "connect"));
    EXPECT_FALSE(out.phases[1].local);
    EXPECT_EQ(out.phases[1].outcome, PhaseOutcome::failed);
    EXPECT_EQ(out.phases[1].reason, FailureReason::network_unreachable);
    EXPECT_EQ(out.phases[1].sys_errno, ENETUNREACH);
}

// Once the deadline has passed, what the I/O reported is the consequence: the phase is a timeout, named by
// what it waited for. (A deadline of a nanosecond has passed by the time the phase fails: no clock race.)
TEST(ProbeSession, AFailureAfterTheDeadlineIsATimeout) {
    asio::io_context io;
    ProbeOutcome out;
    Hooks hooks;
    ProbeSession s(io.get_executor(), out, settings(1e-9), hooks.io());
    PhaseTimer phase(out.phases, "http");
    s.waiting_for("the HTTP response");
    s.fail(phase, FailureReason::peer_closed, "server closed the connection", 0);
    const Phase& p = out.phases.front();
    EXPECT_EQ(p.outcome, PhaseOutcome::timeout);
    EXPECT_EQ(p.reason, FailureReason::timeout);
    EXPECT_EQ(p.error, "no answer within 1e-09 s (probe deadline) while waiting: the HTTP response");
}

TEST(ProbeSession, AProbeDecidedTimeoutKeepsItsWords) {
    asio::io_context io;
    ProbeOutcome out;
    Hooks hooks;
    ProbeSession s(io.get_executor(), out, settings(), hooks.io());
    PhaseTimer phase(out.phases, "ike_sa_init");
    s.fail_timeout(phase, "no answer to IKE_SA_INIT (3 transmissions)");
    EXPECT_EQ(out.phases.front().outcome, PhaseOutcome::timeout);
    EXPECT_EQ(out.phases.front().reason, FailureReason::timeout);
    EXPECT_EQ(out.phases.front().error, "no answer to IKE_SA_INIT (3 transmissions)");
}

TEST(ProbeSession, AStopCancelsTheIoOnceAndEndsThePhaseAsInterrupted) {
    asio::io_context io;
    ProbeOutcome out;
    Hooks hooks;
    auto stop = std::make_shared<StopSignal>();
    auto st = settings();
    st.stop = stop;
    ProbeSession s(io.get_executor(), out, st, hooks.io());
    const auto before = s.deadline();
    stop->request("SIGTERM");
    EXPECT_TRUE(s.interrupted());
    EXPECT_TRUE(s.io_stopped());
    EXPECT_EQ(hooks.cancelled, 1);
    EXPECT_EQ(hooks.closed, 0);  // the sockets stay usable for the goodbye
    EXPECT_LT(s.deadline(), before);  // the polite end is short
    PhaseTimer phase(out.phases, "call_connect");
    s.waiting_for("SSTP_MSG_CALL_CONNECT_ACK");
    s.fail(phase, FailureReason::peer_closed, "operation cancelled");
    EXPECT_EQ(out.phases.front().outcome, PhaseOutcome::interrupted);
    EXPECT_EQ(out.phases.front().reason, FailureReason::interrupted);
    EXPECT_EQ(out.phases.front().error, "interrupted (SIGTERM) while waiting: SSTP_MSG_CALL_CONNECT_ACK");
}

// A stop that came before the probe started: interrupted from the start, and no hook is called (the probe's
// sockets may not exist yet).
TEST(ProbeSession, AStopBeforeTheStartCallsNoHook) {
    asio::io_context io;
    ProbeOutcome out;
    Hooks hooks;
    auto stop = std::make_shared<StopSignal>();
    stop->request("SIGINT");
    auto st = settings();
    st.stop = stop;
    ProbeSession s(io.get_executor(), out, st, hooks.io());
    EXPECT_TRUE(s.interrupted());
    EXPECT_TRUE(s.io_stopped());
    EXPECT_EQ(s.stop_reason(), "SIGINT");
    EXPECT_EQ(hooks.cancelled, 0);
}

// In the polite end (the probe's own goodbye) a stop lets the I/O go on, and a failure is a failure.
TEST(ProbeSession, APoliteEndIsNotCutShortByTheStop) {
    asio::io_context io;
    ProbeOutcome out;
    Hooks hooks;
    auto stop = std::make_shared<StopSignal>();
    auto st = settings();
    st.stop = stop;
    ProbeSession s(io.get_executor(), out, st, hooks.io());
    s.enter_polite_end();
    stop->request("SIGINT");
    EXPECT_TRUE(s.interrupted());
    EXPECT_FALSE(s.io_stopped());
    EXPECT_EQ(hooks.cancelled, 0);
    PhaseTimer phase(out.phases, "disconnect");
    s.fail(phase, FailureReason::sstp_no_answer_among_packets, "no CALL_DISCONNECT_ACK");
    EXPECT_EQ(out.phases.front().outcome, PhaseOutcome::failed);
    EXPECT_EQ(out.phases.front().reason, FailureReason::sstp_no_answer_among_packets);
}

TEST(ProbeSession, TheWatchdogClosesTheIoAtItsDeadline) {
    asio::io_context io;
    ProbeOutcome out;
    Hooks hooks;
    ProbeSession s(io.get_executor(), out, settings(), hooks.io());
    s.arm_watchdog(ProbeSession::clock::now());
    io.run();
    EXPECT_EQ(hooks.closed, 1);
    EXPECT_TRUE(s.expired());
    PhaseTimer phase(out.phases, "tls_handshake");
    s.waiting_for("the server's TLS handshake messages");
    s.fail(phase, FailureReason::peer_closed, "operation aborted");
    EXPECT_EQ(out.phases.front().outcome, PhaseOutcome::timeout);
    EXPECT_NE(out.phases.front().error.find("(phase deadline)"), std::string::npos) << out.phases.front().error;
}

// The answer and the watchdog's expiry were ready in the same turn of the loop and the answer's completion ran
// first (Asio runs descriptor completions before expired timers): the phase must not end ok past its deadline.
// The io_context never runs here, so the watchdog's handler has not run when the phase ends: exactly that order.
TEST(ProbeSession, AnAnswerSeenAfterThePhaseDeadlineIsATimeoutNotOk) {
    asio::io_context io;
    ProbeOutcome out;
    Hooks hooks;
    ProbeSession s(io.get_executor(), out, settings(), hooks.io());
    PhaseTimer phase(out.phases, "sstp_http");
    s.arm_watchdog(ProbeSession::clock::now());
    s.waiting_for("the HTTP response");
    EXPECT_FALSE(s.succeed(phase));
    EXPECT_EQ(hooks.closed, 0);  // the handler did not run: only its deadline passed
    EXPECT_EQ(out.phases.front().outcome, PhaseOutcome::timeout);
    EXPECT_EQ(out.phases.front().reason, FailureReason::timeout);
    EXPECT_NE(out.phases.front().error.find("(phase deadline) while waiting: the HTTP response"), std::string::npos)
        << out.phases.front().error;
}

TEST(ProbeSession, AnAnswerInTimeEndsThePhaseOk) {
    asio::io_context io;
    ProbeOutcome out;
    Hooks hooks;
    ProbeSession s(io.get_executor(), out, settings(), hooks.io());
    PhaseTimer phase(out.phases, "sstp_http");
    s.arm_watchdog();
    EXPECT_TRUE(s.succeed(phase));
    EXPECT_EQ(out.phases.front().outcome, PhaseOutcome::ok);
    EXPECT_EQ(out.phases.front().error, "");
}

// The goodbye is a courtesy: a late but completed CALL_DISCONNECT_ACK stays ok.
TEST(ProbeSession, ALateGoodbyeInThePoliteEndStaysOk) {
    asio::io_context io;
    ProbeOutcome out;
    Hooks hooks;
    ProbeSession s(io.get_executor(), out, settings(1e-9), hooks.io());
    s.enter_polite_end();
    PhaseTimer phase(out.phases, "disconnect");
    s.arm_watchdog(ProbeSession::clock::now());
    EXPECT_TRUE(s.succeed(phase));
    EXPECT_EQ(out.phases.front().outcome, PhaseOutcome::ok);
}

TEST(ProbeSession, ADisarmedWatchdogCallsNothing) {
    asio::io_context io;
    ProbeOutcome out;
    Hooks hooks;
    ProbeSession s(io.get_executor(), out, settings(), hooks.io());
    s.arm_watchdog(ProbeSession::clock::now());
    s.disarm_watchdog();
    io.run();
    EXPECT_EQ(hooks.closed, 0);
    EXPECT_FALSE(s.expired());
}

TEST(ProbeSession, PhaseDeadlineIsCappedByTheWholeProbes) {
    asio::io_context io;
    ProbeOutcome out;
    Hooks hooks;
    auto st = settings(5);
    st.phase_timeout_seconds = 60;
    ProbeSession s(io.get_executor(), out, st, hooks.io());
    EXPECT_EQ(s.phase_deadline(), s.deadline());
    auto st2 = settings(60);
    st2.phase_timeout_seconds = 2;
    ProbeSession s2(io.get_executor(), out, st2, hooks.io());
    EXPECT_LT(s2.phase_deadline(), s2.deadline());
    EXPECT_EQ(s2.phase_timeout_seconds(), 2);
}

TEST(ProbeSession, VerboseLinesCarryTheTimeSinceTheStart) {
    asio::io_context io;
    ProbeOutcome out;
    Hooks hooks;
    std::vector<std::string> lines;
    auto st = settings();
    st.log = [&](const std::string& line) { lines.push_back(line); };
    ProbeSession s(io.get_executor(), out, st, hooks.io());
    EXPECT_TRUE(s.verbose());
    s.log("-> TCP SYN");
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_TRUE(std::regex_match(lines[0], std::regex(R"(\[ *[0-9]+\.[0-9]{3} ms\] -> TCP SYN)"))) << lines[0];
    ProbeSession quiet(io.get_executor(), out, settings(), hooks.io());
    EXPECT_FALSE(quiet.verbose());
    quiet.log("nothing");
    EXPECT_EQ(lines.size(), 1u);
}

// The resolve phase, for what needs no resolver: a given address, and an address literal as the host.
std::optional<asio::ip::address> resolve(ProbeOutcome& out, SessionSettings st, const std::string& fixed) {
    asio::io_context io;
    Hooks hooks;
    ProbeSession s(io.get_executor(), out, std::move(st), hooks.io());
    std::optional<asio::ip::address> got;
    bool done = false;
    asio::co_spawn(io, s.resolve(fixed), [&](std::exception_ptr e, std::optional<asio::ip::address> a) {
        done = !e;
        got = a;
    });
    io.run();
    EXPECT_TRUE(done);
    return got;
}

TEST(ProbeSessionResolve, AGivenAddressIsTaken) {
    ProbeOutcome out;
    auto got = resolve(out, settings(), "192.0.2.10");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->to_string(), "192.0.2.10");
    EXPECT_EQ(out.address, "192.0.2.10");
    ASSERT_EQ(out.phases.size(), 1u);
    EXPECT_EQ(out.phases[0].name, "resolve");
    EXPECT_EQ(out.phases[0].outcome, PhaseOutcome::ok);
    EXPECT_EQ(out.phases[0].reason, FailureReason::none);
}

TEST(ProbeSessionResolve, AnAddressLiteralHostNeedsNoResolver) {
    ProbeOutcome out;
    auto st = settings();
    st.host = "2001:db8::1";
    auto got = resolve(out, st, "");
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->is_v6());
    EXPECT_EQ(out.address, "2001:db8::1");
}

TEST(ProbeSessionResolve, AGivenAddressThatIsNoAddressIsTheCallersFault) {
    ProbeOutcome out;
    auto got = resolve(out, settings(), "vpn.test");
    EXPECT_FALSE(got);
    ASSERT_EQ(out.phases.size(), 1u);
    EXPECT_EQ(out.phases[0].outcome, PhaseOutcome::failed);
    EXPECT_EQ(out.phases[0].reason, FailureReason::local);
    EXPECT_TRUE(out.phases[0].local);
    EXPECT_EQ(out.address, "");
}

// ---- reasons from error codes ---------------------------------------------------------------------

boost::system::error_code ssl_error(int reason) {
    return {static_cast<int>(ERR_PACK(ERR_LIB_SSL, 0, reason)), asio::error::get_ssl_category()};
}

TEST(TlsFailureReason, NoCommonVersionCipherGroupOrSignatureAlgorithmIsAMismatch) {
    for (int reason :
         {SSL_R_NO_SHARED_CIPHER, SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE, SSL_R_TLSV1_ALERT_PROTOCOL_VERSION,
          SSL_R_UNSUPPORTED_PROTOCOL, SSL_R_NO_PROTOCOLS_AVAILABLE, SSL_R_NO_CIPHERS_AVAILABLE,
          SSL_R_TLSV1_ALERT_INSUFFICIENT_SECURITY, SSL_R_VERSION_TOO_LOW, SSL_R_NO_SHARED_GROUPS,
          SSL_R_NO_SUITABLE_KEY_SHARE, SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS, SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM}) {
        EXPECT_EQ(tls_failure_reason(ssl_error(reason)), FailureReason::tls_no_common_algorithm) << reason;
        EXPECT_EQ(io_failure_reason(ssl_error(reason)), FailureReason::tls_no_common_algorithm) << reason;
    }
}

// "wrong version number" is a non-TLS answer, "internal error" an alert that says nothing of the offer
// (SoftEther sends it to a TLS 1.0-only client), a bad certificate no negotiation at all: failures, but no
// mismatch, whatever their words contain.
TEST(TlsFailureReason, OtherTlsErrorsAreTlsFailures) {
    for (int reason : {SSL_R_WRONG_VERSION_NUMBER, SSL_R_TLSV1_ALERT_INTERNAL_ERROR, SSL_R_CERTIFICATE_VERIFY_FAILED,
                       SSL_R_SSLV3_ALERT_BAD_CERTIFICATE, SSL_R_UNEXPECTED_MESSAGE, SSL_R_PACKET_LENGTH_TOO_LONG}) {
        EXPECT_EQ(tls_failure_reason(ssl_error(reason)), FailureReason::tls_failed) << reason;
    }
    // The same reason number from another library is not OpenSSL's SSL reason.
    boost::system::error_code other{static_cast<int>(ERR_PACK(ERR_LIB_X509, 0, SSL_R_NO_SHARED_CIPHER)),
                                    asio::error::get_ssl_category()};
    EXPECT_EQ(tls_failure_reason(other), FailureReason::tls_failed);
    // Not an OpenSSL code at all.
    EXPECT_EQ(tls_failure_reason(asio::error::eof), FailureReason::tls_failed);
}

TEST(IoFailureReason, ClosedResetAndSocketErrorsAreNamed) {
    EXPECT_EQ(io_failure_reason(asio::error::eof), FailureReason::peer_closed);
    EXPECT_EQ(io_failure_reason(asio::ssl::error::stream_truncated), FailureReason::peer_closed);
    EXPECT_EQ(io_failure_reason(asio::error::connection_reset), FailureReason::peer_closed);
    EXPECT_EQ(io_failure_reason(asio::error::connection_refused), FailureReason::refused);
    EXPECT_EQ(io_failure_reason(asio::error::network_unreachable), FailureReason::network_unreachable);
    EXPECT_EQ(io_failure_reason(asio::error::host_unreachable), FailureReason::host_unreachable);
    EXPECT_EQ(io_failure_reason(asio::error::timed_out), FailureReason::connection_timed_out);
    EXPECT_EQ(io_failure_reason(asio::error::no_buffer_space), FailureReason::socket_error);
}

TEST(SocketFailureReason, ErrnoToReason) {
    EXPECT_EQ(socket_failure_reason(ECONNREFUSED), FailureReason::refused);
    EXPECT_EQ(socket_failure_reason(ENETUNREACH), FailureReason::network_unreachable);
    EXPECT_EQ(socket_failure_reason(EHOSTUNREACH), FailureReason::host_unreachable);
    EXPECT_EQ(socket_failure_reason(ETIMEDOUT), FailureReason::connection_timed_out);
    EXPECT_EQ(socket_failure_reason(ECONNRESET), FailureReason::peer_closed);
    EXPECT_EQ(socket_failure_reason(EPIPE), FailureReason::peer_closed);
    EXPECT_EQ(socket_failure_reason(EPROTO), FailureReason::socket_error);
    EXPECT_EQ(socket_failure_reason(0), FailureReason::socket_error);
}

}  // namespace

namespace {

using vpnprobe::probes::ResolveOutcome;

ResolveOutcome resolve_on_own_context(const std::string& host, std::chrono::steady_clock::time_point deadline) {
    asio::io_context io;
    ResolveOutcome got;
    asio::co_spawn(io, vpnprobe::probes::resolve_with_deadline(VantagePoint{}, host, deadline),
                   [&](std::exception_ptr e, ResolveOutcome r) {
                       EXPECT_FALSE(e);
                       got = std::move(r);
                   });
    io.run();
    return got;  // the io_context goes here, whether the lookup thread has answered or not
}

// The lookup thread's answer reaches the waiting probe (localhost: /etc/hosts, no DNS).
TEST(AsyncResolve, TheLookupThreadsAnswerReachesTheProbe) {
    auto r = resolve_on_own_context("localhost", std::chrono::steady_clock::now() + std::chrono::seconds(30));
    EXPECT_EQ(r.error, "");
    EXPECT_FALSE(r.timed_out);
    EXPECT_FALSE(r.addresses.empty());
}

// A lookup whose deadline has already passed: the probe gives up at once and its io_context goes, while the
// lookup thread may still answer; it must then post nothing (to an io_context that no longer exists). Either
// outcome is right for the probe; the proof is that nothing breaks (run under ThreadSanitizer or
// AddressSanitizer, a post to the destroyed io_context is reported).
TEST(AsyncResolve, AnAnswerAfterTheProbeGaveUpIsDropped) {
    for (int i = 0; i < 50; ++i) {
        auto r = resolve_on_own_context("localhost", std::chrono::steady_clock::now());
        EXPECT_TRUE(r.timed_out || !r.addresses.empty()) << r.error;
    }
}

}  // namespace
