// A TLS client connection over a TCP socket in which OpenSSL reads and writes the socket itself, and the coroutine
// only waits with Asio until the socket is ready. Internal header (Asio, OpenSSL): include from .cpp files only.
//
// Why not asio::ssl::stream: it keeps two 17 KiB buffers of its own (zero-filled, so resident at once) and a BIO
// pair of 2 x 17 KiB per connection; with them an SSTP probe in flight held about 80 KiB (bench/scale.sh). Here
// the only buffers are OpenSSL's record buffers, released between records (SSL_MODE_RELEASE_BUFFERS).
//
// Errors are the ones asio::ssl::stream gives for the same events, so the code that describes and classifies
// them (tls_connect.hpp) is the same for both: OpenSSL's error in Asio's SSL category; ssl::error::stream_truncated
// when the peer ends the connection without close_notify; error::eof after its close_notify; the socket's errno
// (connection_reset, ...); operation_aborted when the socket was cancelled or closed meanwhile.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>

namespace vpnprobe::probes {

class TlsStream {
public:
    // Takes the connected (or yet to connect) socket; a client SSL of ctx. Throws when OpenSSL cannot make one.
    TlsStream(boost::asio::ip::tcp::socket socket, SSL_CTX* ctx);
    ~TlsStream();
    TlsStream(const TlsStream&) = delete;
    TlsStream& operator=(const TlsStream&) = delete;

    boost::asio::ip::tcp::socket& lowest_layer() { return socket_; }
    const boost::asio::ip::tcp::socket& lowest_layer() const { return socket_; }
    SSL* native_handle() { return ssl_; }

    // The client handshake.
    boost::asio::awaitable<boost::system::error_code> handshake();
    // Up to buffer.size() bytes of application data (at least one unless ec is set).
    boost::asio::awaitable<std::size_t> read_some(boost::asio::mutable_buffer buffer, boost::system::error_code& ec);
    // All of buffer.
    boost::asio::awaitable<boost::system::error_code> write(boost::asio::const_buffer buffer);
    // SSL_shutdown until it is done: sends close_notify, then waits for the peer's unless SSL_RECEIVED_SHUTDOWN is set.
    boost::asio::awaitable<boost::system::error_code> shutdown();

    // What the socket BIO saw last (errno of a failed send or recv), for SSL_ERROR_SYSCALL.
    struct SocketState {
        int fd = -1;
        int last_errno = 0;
    };

private:
    enum class Next { retry_after_read, retry_after_write, failed };
    // After an SSL call returned `ret` (not done): what OpenSSL waits for, or the error (in ec).
    Next after(int ret, boost::system::error_code& ec);
    // Waits until the socket is readable or writable (Next::retry_after_...); the error of the wait otherwise.
    boost::asio::awaitable<boost::system::error_code> wait(Next next);

    boost::asio::ip::tcp::socket socket_;
    SocketState io_;
    SSL* ssl_ = nullptr;
};

}  // namespace vpnprobe::probes
