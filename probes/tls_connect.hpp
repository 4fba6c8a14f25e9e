// TCP from the vantage point and TLS over it, as two phases of a ProbeSession: "tcp_connect" (the socket
// opened in the vantage point's namespace, bound to its source and interface) and "tls_handshake" (SNI,
// the handshake, then the negotiated parameters and the chain verdict). For every probe that speaks TLS over
// TCP: SSTP today, DirectAccess IP-HTTPS next. Internal header (Asio, OpenSSL): include from .cpp files only.
//
//     TlsConnection tls;
//     ProbeSession s(ex, result, settings, SessionIo{[&] { tls.close(); }, [&] { tls.cancel(); }});
//     auto address = co_await s.resolve(options.address);
//     bool ok = address.has_value();
//     if (ok) ok = co_await tls.connect(s, *address, port, options.tls);
//     std::optional<TlsFacts> facts;
//     if (ok) facts = co_await tls.handshake(s, options.tls);
//     ... tls.stream() for the protocol's own I/O: write(), read_some() (describe_io_error / io_failure_reason
//         for their errors) ...
//     co_await tls.close_notify(s);  // sends ours, does not wait for the server's
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "probes/failure_reason.hpp"
#include "probes/tls_facts.hpp"
#include "probes/tls_stream.hpp"

namespace vpnprobe::probes {

class ProbeSession;

class TlsConnection {
public:
    using Stream = TlsStream;

    // Phase "tcp_connect": without tls.trust, loads the CA file (an unusable one is the harness's failure, found
    // before anything is sent); takes the TLS context (tls.trust's, unless a key-log file needs its own), opens
    // the socket at the session's vantage point and connects, under the phase's watchdog. The socket has
    // TCP_NODELAY: the probe's small writes wait for an answer each, so Nagle's algorithm would hold each one
    // back until the previous write's delayed ACK (about 40 ms). False when the phase failed (reason local,
    // refused, network_unreachable, host_unreachable, connection_timed_out, socket_error; or timeout, interrupted).
    boost::asio::awaitable<bool> connect(ProbeSession& session, const boost::asio::ip::address& address,
                                         std::uint16_t port, const TlsOptions& tls);

    // Phase "tls_handshake" on the connected socket: SNI (tls.sni; none for an IP literal), the handshake,
    // then what it negotiated and the chain verdict against tls.trust (else tls.ca_file, or the system store,
    // loaded now). nullopt when the phase failed
    // (reason tls_no_common_algorithm, tls_failed, peer_closed, ...; local when the chain cannot be checked).
    boost::asio::awaitable<std::optional<TlsFacts>> handshake(ProbeSession& session, const TlsOptions& tls);

    // Whether close_notify waits for the server's own close_notify (or its closing of the connection).
    enum class PeerClose {
        dont_wait,  // send ours and be done: RFC 8446 6.1 lets a closing side not wait (SoftEther never sends one)
        wait,  // wait briefly (500 ms, within the probe's deadline), e.g. so that the server closes first
    };
    // Sends close_notify: a courtesy, never a failure of the probe. Logged.
    boost::asio::awaitable<void> close_notify(ProbeSession& session, PeerClose peer = PeerClose::dont_wait);
    bool close_notify_sent() const { return close_notify_sent_; }

    // The stream, once connect() has made it.
    bool has_stream() const { return stream_.has_value(); }
    Stream& stream() { return *stream_; }
    bool is_open() const { return stream_ && stream_->lowest_layer().is_open(); }
    // For SessionIo: close ends every operation at every layer (the watchdog); cancel ends the ones in flight
    // and keeps the TLS session usable (a stop request, before the polite end).
    void close();
    void cancel();

private:
    std::shared_ptr<const TrustSource> trust_;  // tls.trust, or loaded by this connection
    std::shared_ptr<boost::asio::ssl::context> ctx_;  // before the stream, which refers to it
    std::optional<Stream> stream_;
    bool close_notify_sent_ = false;
};

// Why a TLS operation failed, from OpenSSL's reason code carried in the error code (never from its text):
// tls_no_common_algorithm for no shared protocol version, cipher suite, group or signature algorithm (our
// check, or the server's alert handshake_failure / protocol_version / insufficient_security), tls_failed
// for any other TLS error (a non-TLS answer is "wrong version number": not a negotiation that failed).
FailureReason tls_failure_reason(const boost::system::error_code& ec);

// Why reading or writing the connection failed: peer_closed (end of file, reset, TLS truncated), a TLS
// reason (as above), a socket reason from the errno (socket_failure_reason), socket_error otherwise.
FailureReason io_failure_reason(const boost::system::error_code& ec);

// The same failure in words an operator understands (TLS errors with OpenSSL's queue, which it clears).
std::string describe_io_error(const boost::system::error_code& ec);

}  // namespace vpnprobe::probes
