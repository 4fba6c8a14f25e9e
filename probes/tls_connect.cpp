#include "probes/tls_connect.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <ctime>

#include "probes/local_checks.hpp"
#include "probes/net_errors.hpp"
#include "probes/probe_session.hpp"
#include "probes/tls_client.hpp"

namespace vpnprobe::probes {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

FailureReason tls_failure_reason(const error_code& ec) {
    if (ec.category() != asio::error::get_ssl_category()) return FailureReason::tls_failed;
    const auto code = static_cast<unsigned long>(static_cast<unsigned int>(ec.value()));
    if (ERR_SYSTEM_ERROR(code) || ERR_GET_LIB(code) != ERR_LIB_SSL) return FailureReason::tls_failed;
    switch (ERR_GET_REASON(code)) {
    // No protocol version both sides speak: the server's alert, or ours on its ServerHello.
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_VERSION_TOO_LOW:
    case SSL_R_NO_PROTOCOLS_AVAILABLE:
    // No cipher suite, group or signature algorithm in common: the server's alert handshake_failure (what
    // OpenSSL, SChannel and SoftEther send when nothing of the offer fits), or insufficient_security.
    case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
    case SSL_R_TLSV1_ALERT_INSUFFICIENT_SECURITY:
    case SSL_R_NO_SHARED_CIPHER:
    case SSL_R_NO_CIPHERS_AVAILABLE:
    case SSL_R_NO_SHARED_GROUPS:
    case SSL_R_NO_SUITABLE_KEY_SHARE:
    case SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS:
    case SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
        return FailureReason::tls_no_common_algorithm;
    default:
        return FailureReason::tls_failed;
    }
}

FailureReason io_failure_reason(const error_code& ec) {
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) return FailureReason::peer_closed;
    if (ec.category() == asio::error::get_ssl_category()) return tls_failure_reason(ec);
    if (int e = errno_of(ec)) return socket_failure_reason(e);
    return FailureReason::socket_error;
}

std::string describe_io_error(const error_code& ec) {
    if (ec == asio::error::eof) return "server closed the connection";
    if (ec == asio::error::connection_reset) return "connection reset by the server (TCP RST)";
    if (ec == asio::error::connection_refused) return "connection refused (TCP RST: nothing listens on the port)";
    if (ec == asio::ssl::error::stream_truncated) return "server closed the TLS connection without close_notify";
    if (ec.category() == asio::error::get_ssl_category()) {
        std::string reason = ec.message();
        std::string queued = drain_openssl_errors();
        return "TLS error: " + reason + (queued.empty() ? "" : " (" + queued + ")");
    }
    return describe_error_code(ec);
}

void TlsConnection::close() {
    error_code ignored;
    if (stream_) stream_->lowest_layer().close(ignored);
}

void TlsConnection::cancel() {
    error_code ignored;
    if (stream_) stream_->lowest_layer().cancel(ignored);
}

asio::awaitable<bool> TlsConnection::connect(ProbeSession& s, const asio::ip::address& address, std::uint16_t port,
                                             const TlsOptions& tls) {
    PhaseTimer phase(s.outcome().phases, "tcp_connect");
    const VantagePoint& vantage = s.settings().vantage;
    tcp::endpoint ep(address, port);
    // A CA bundle that cannot be read is the harness's problem: found before anything is sent, and reported as
    // such (it would otherwise surface only after the handshake, as a failed phase).
    // A run's probes share the trust anchors and the TLS context it loaded once (tls.trust); a probe on its own
    // loads a CA file here and the system store only after the handshake, when it needs it.
    trust_ = tls.trust;
    if (!trust_ && tls.ca_file) {
        try {
            trust_ = TrustSource::load(tls.ca_file);
        } catch (const std::exception& e) {
            co_return s.fail_local(phase, "the CA file cannot be used: " + describe_exception(e));
        }
    }
    try {
        // A key-log file belongs to its own context (the callback finds the file through the context).
        ctx_ = tls.trust && tls.keylog_file.empty() ? tls.trust->tls_context() : make_probe_tls_context(tls);
    } catch (const std::exception& e) {
        co_return s.fail_local(phase, "cannot set up TLS: " + describe_exception(e));
    }
    // Even the socket object can fail here (its reactor needs an epoll descriptor): all of it is local.
    std::optional<tcp::socket> sock;
    try {
        sock.emplace(s.executor());
        int fd = open_vantage_socket(vantage, address.is_v6() ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
        error_code assigned;
        sock->assign(ep.protocol(), fd, assigned);
        if (assigned) {
            ::close(fd);
            throw boost::system::system_error(assigned);
        }
        if (!vantage.source.empty()) sock->bind(tcp::endpoint(asio::ip::make_address(vantage.source), 0));
        sock->set_option(tcp::no_delay(true));
    } catch (const std::exception& e) {
        co_return s.fail_open(phase, "cannot open the socket at the vantage point: ", e);
    }
    try {
        stream_.emplace(std::move(*sock), ctx_->native_handle());
    } catch (const std::exception& e) {
        co_return s.fail_local(phase, "cannot set up TLS: " + describe_exception(e));
    }
    const std::string where = host_port_text(address.to_string(), port);
    s.log("-> TCP SYN to " + where + " from " + s.outcome().vantage);
    s.waiting_for("TCP connection to " + where);
    if (s.io_stopped()) co_return s.fail(phase, FailureReason::interrupted, "interrupted");
    s.arm_watchdog();
    error_code ec;
    co_await stream_->lowest_layer().async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return s.fail(phase, socket_failure_reason(errno_of(ec)), describe_io_error(ec), errno_of(ec));
    co_return s.succeed(phase);
}

asio::awaitable<std::optional<TlsFacts>> TlsConnection::handshake(ProbeSession& s, const TlsOptions& tls) {
    PhaseTimer phase(s.outcome().phases, "tls_handshake");
    try {
        set_sni(stream_->native_handle(), tls.sni);
    } catch (const std::exception& e) {
        s.fail(phase, FailureReason::internal, describe_exception(e));
        co_return std::nullopt;
    }
    s.waiting_for("the server's TLS handshake messages");
    if (s.io_stopped()) {
        s.fail(phase, FailureReason::interrupted, "interrupted");
        co_return std::nullopt;
    }
    s.arm_watchdog();
    s.log("-> TLS ClientHello" +
          (tls.sni.empty() || is_ip_literal(tls.sni) ? std::string(" (no SNI)") : " SNI " + tls.sni));
    error_code ec = co_await stream_->handshake();
    if (ec) {
        // The reason from the error code, before describe_io_error empties OpenSSL's queue.
        const FailureReason reason = io_failure_reason(ec);
        s.fail(phase, reason, describe_io_error(ec));
        co_return std::nullopt;
    }
    std::optional<TlsFacts> facts;
    try {
        if (!trust_) trust_ = TrustSource::load(tls.ca_file);
        facts = collect_tls_facts(stream_->native_handle(), tls.sni, *trust_, std::time(nullptr));
    } catch (const std::exception& e) {
        // A CA bundle that cannot be read is the operator's mistake, not the server's: say so.
        s.fail_local(phase, "TLS established, but the certificate could not be checked: " + describe_exception(e));
        co_return std::nullopt;
    }
    s.log("<- TLS established: " + facts->version + " " + facts->cipher +
          (facts->chain.empty() ? "" : ", certificate " + facts->chain.front().subject));
    if (!s.succeed(phase)) co_return std::nullopt;
    co_return facts;
}

asio::awaitable<void> TlsConnection::close_notify(ProbeSession& s, PeerClose peer) {
    close_notify_sent_ = true;
    // Without a wait the watchdog still bounds the write of ours (a full send buffer), by the phase's deadline.
    if (peer == PeerClose::wait)
        s.arm_watchdog(std::min(s.deadline(), ProbeSession::clock::now() + std::chrono::milliseconds(500)));
    else s.arm_watchdog();
    // SSL_shutdown sends close_notify, and then (as TlsStream::shutdown calls it) reads until the peer's arrives.
    // Marking the peer's as received makes it stop after sending ours: nothing of the server's is read or claimed.
    if (peer == PeerClose::dont_wait) SSL_set_shutdown(stream_->native_handle(), SSL_RECEIVED_SHUTDOWN);
    error_code ec = co_await stream_->shutdown();
    if (peer == PeerClose::dont_wait)
        s.log("-> TLS close_notify" + std::string(ec ? " could not be sent: " + describe_io_error(ec)
                                                     : " (not waiting for the server's: RFC 8446 6.1)"));
    else s.log("-> TLS close_notify" + std::string(ec ? " (server did not answer with its own)" : ", answered"));
}

}  // namespace vpnprobe::probes
