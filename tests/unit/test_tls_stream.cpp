// TlsStream (OpenSSL on the socket's descriptor, Asio waiting for readiness) against a TLS server on loopback:
// the error codes it gives are the ones asio::ssl::stream gave, which the probes' reasons and texts depend on,
// and a write to a connection the peer has reset is an error, not SIGPIPE (this test binary keeps SIGPIPE's
// default action: a write(2) there would kill it). Behaviour only: no clock decides a case.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <csignal>
#include <string>

#include "probes/tls_client.hpp"
#include "probes/tls_stream.hpp"
#include "tests/support/test_certificate.hpp"

namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using vpnprobe::probes::TlsStream;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// Not a timing assertion: only a case that hangs (a bug) gets anywhere near this.
constexpr auto kHangGuard = std::chrono::seconds(30);

// What the server does once the client has connected.
enum class Server {
    close_at_once,  // closes the TCP connection before any TLS
    handshake_then_reset,  // completes the handshake, then closes with SO_LINGER 0 (RST)
    handshake_echo_then_close_notify,  // completes the handshake, echoes one read, sends close_notify, closes
};

struct Result {
    error_code handshake;
    error_code after;  // the first error after the handshake (write or read), if the case gets there
    std::string echoed;
};

Result run_case(Server behaviour) {
    asio::io_context io;
    ssl::context server_ctx(ssl::context::tls_server);
    const auto& certificate = vpnprobe::testsupport::TestCertificate::get();
    if (SSL_CTX_use_certificate(server_ctx.native_handle(), certificate.cert()) != 1 ||
        SSL_CTX_use_PrivateKey(server_ctx.native_handle(), certificate.key()) != 1)
        throw std::runtime_error("cannot load the test certificate into the server context");
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    auto client_ctx = vpnprobe::probes::make_probe_tls_context(vpnprobe::probes::TlsOptions{});

    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            error_code ec;
            tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return;
            if (behaviour == Server::close_at_once) {
                // Read first: a socket closed with unread data would send a RST instead of a FIN.
                char hello[4096];
                co_await socket.async_read_some(asio::buffer(hello), asio::redirect_error(asio::use_awaitable, ec));
                socket.shutdown(tcp::socket::shutdown_send, ec);
                co_return;
            }
            ssl::stream<tcp::socket> stream(std::move(socket), server_ctx);
            co_await stream.async_handshake(ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return;
            if (behaviour == Server::handshake_then_reset) {
                stream.lowest_layer().set_option(tcp::socket::linger(true, 0), ec);
                stream.lowest_layer().close(ec);
                co_return;
            }
            char buf[64];
            std::size_t n =
                co_await stream.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return;
            co_await asio::async_write(stream, asio::buffer(buf, n), asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return;
            co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
        },
        asio::detached);

    auto done = asio::co_spawn(
        io,
        [&]() -> asio::awaitable<Result> {
            Result r;
            tcp::socket socket(io);
            const tcp::endpoint server = acceptor.local_endpoint();
            co_await socket.async_connect(server, asio::use_awaitable);
            TlsStream tls(std::move(socket), client_ctx->native_handle());
            r.handshake = co_await tls.handshake();
            if (r.handshake) co_return r;
            if (behaviour == Server::handshake_then_reset) {
                // The read sees the RST; every write after it finds the connection gone (EPIPE).
                char buf[16];
                error_code read_error;
                co_await tls.read_some(asio::buffer(buf), read_error);
                const std::string hello = "hello";
                for (int i = 0; i < 8 && !r.after; ++i) r.after = co_await tls.write(asio::buffer(hello));
                co_return r;
            }
            const std::string hello = "hello";
            r.after = co_await tls.write(asio::buffer(hello));
            if (r.after) co_return r;
            char buf[64];
            std::size_t n = co_await tls.read_some(asio::buffer(buf), r.after);
            r.echoed.assign(buf, n);
            if (r.after) co_return r;
            co_await tls.read_some(asio::buffer(buf), r.after);  // the server's close_notify
            co_return r;
        },
        asio::use_future);
    io.run_for(kHangGuard);
    if (done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) throw std::runtime_error("the case hung");
    return done.get();
}

TEST(TlsStream, HandshakeWithAServerThatClosesIsStreamTruncatedAsWithAsio) {
    Result r = run_case(Server::close_at_once);
    EXPECT_EQ(r.handshake, ssl::error::stream_truncated) << r.handshake.message();
}

TEST(TlsStream, DataRoundTripsAndTheServersCloseNotifyIsEof) {
    Result r = run_case(Server::handshake_echo_then_close_notify);
    ASSERT_FALSE(r.handshake) << r.handshake.message();
    EXPECT_EQ(r.echoed, "hello");
    EXPECT_EQ(r.after, asio::error::eof) << r.after.message();
}

TEST(TlsStream, AWriteAfterThePeersResetIsAnErrorNotSigpipe) {
    ASSERT_EQ(std::signal(SIGPIPE, SIG_DFL), SIG_DFL) << "SIGPIPE must keep its default action for this test";
    Result r = run_case(Server::handshake_then_reset);
    ASSERT_FALSE(r.handshake) << r.handshake.message();
    // Still here, so the write did not raise SIGPIPE; it failed as the socket said: the read took the RST
    // (ECONNRESET), so the write met a closed connection (EPIPE, where write(2) raises SIGPIPE).
    EXPECT_EQ(r.after, asio::error::broken_pipe) << r.after.category().name() << ": " << r.after.message();
}

}  // namespace
