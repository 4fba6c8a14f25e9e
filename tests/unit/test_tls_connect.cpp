// TlsConnection's TCP phase on loopback: the socket it opens and connects, as the operating system sees it.
// (The handshake, close_notify and the TLS failures are exercised through the SSTP probe in
// test_sstp_fault_injection.) Behaviour only: no clock decides a case.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>

#include "probes/probe_session.hpp"
#include "probes/tls_connect.hpp"

namespace {

namespace asio = boost::asio;
using namespace vpnprobe::probes;
using tcp = asio::ip::tcp;

// Not a timing assertion: only a connect that hangs (a bug) gets anywhere near this.
constexpr auto kHangGuard = std::chrono::seconds(30);

// The probe's writes are small and each waits for an answer (HTTP request, CALL_CONNECT_REQUEST, LCP, ...):
// with Nagle's algorithm on, each would wait for the previous segment's delayed ACK, about 40 ms a time.
TEST(TlsConnection, TheConnectedSocketHasNagleOff) {
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    acceptor.async_accept([](const boost::system::error_code&, tcp::socket) {});

    ProbeOutcome outcome;
    SessionSettings settings;
    settings.host = "127.0.0.1";
    settings.port = acceptor.local_endpoint().port();
    settings.timeout_seconds = 10;
    TlsConnection tls;
    ProbeSession session(io.get_executor(), outcome, settings, SessionIo{[&] { tls.close(); }, [&] { tls.cancel(); }});
    // Connect, then read the option while the socket is open, then end the session's watchdog so that the
    // io_context runs out of work.
    int nodelay = -1;
    auto connected = asio::co_spawn(
        io,
        [&]() -> asio::awaitable<bool> {
            // Named, not temporaries: GCC 12 frees temporaries of a co_await's full expression twice.
            const TlsOptions options;
            const auto address = asio::ip::make_address("127.0.0.1");
            bool ok = co_await tls.connect(session, address, settings.port, options);
            if (ok) {
                socklen_t length = sizeof nodelay;
                if (::getsockopt(tls.stream().lowest_layer().native_handle(), IPPROTO_TCP, TCP_NODELAY, &nodelay,
                                 &length) != 0)
                    nodelay = -2;
            }
            session.disarm_watchdog();
            co_return ok;
        },
        asio::use_future);
    io.run_for(kHangGuard);
    ASSERT_EQ(connected.wait_for(std::chrono::seconds(0)), std::future_status::ready) << "connect hung";
    ASSERT_TRUE(connected.get()) << (outcome.phases.empty() ? "" : outcome.phases.back().error);
    ASSERT_NE(nodelay, -2) << "getsockopt(TCP_NODELAY) failed";
    EXPECT_GT(nodelay, 0) << "TCP_NODELAY is off: Nagle's algorithm delays each small write";
}

}  // namespace
