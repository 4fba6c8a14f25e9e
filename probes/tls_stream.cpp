#include "probes/tls_stream.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <sys/socket.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <stdexcept>

namespace vpnprobe::probes {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// A source/sink BIO on the socket's descriptor. OpenSSL's own socket BIO writes with write(2), which raises SIGPIPE
// on a connection the peer has reset; send(2) with MSG_NOSIGNAL reports EPIPE instead, as Asio's sockets do. It
// never closes the descriptor (the Asio socket owns it).
int bio_write(BIO* b, const char* data, int len) {
    auto* st = static_cast<TlsStream::SocketState*>(BIO_get_data(b));
    BIO_clear_retry_flags(b);
    ssize_t n = ::send(st->fd, data, static_cast<std::size_t>(len), MSG_NOSIGNAL);
    if (n >= 0) return static_cast<int>(n);
    st->last_errno = errno;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_write(b);
    return -1;
}

int bio_read(BIO* b, char* data, int len) {
    auto* st = static_cast<TlsStream::SocketState*>(BIO_get_data(b));
    BIO_clear_retry_flags(b);
    ssize_t n = ::recv(st->fd, data, static_cast<std::size_t>(len), 0);
    if (n >= 0) return static_cast<int>(n);  // 0: the peer closed its side
    st->last_errno = errno;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_read(b);
    return -1;
}

long bio_ctrl(BIO*, int cmd, long, void*) {
    // Flushing a socket is a no-op; OpenSSL asks nothing else of a plain socket it could not do without.
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

int bio_create(BIO* b) {
    BIO_set_init(b, 1);
    return 1;
}

const BIO_METHOD* socket_method() {
    static const BIO_METHOD* method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "vpnprobe socket");
        if (!m || !BIO_meth_set_write(m, bio_write) || !BIO_meth_set_read(m, bio_read) ||
            !BIO_meth_set_ctrl(m, bio_ctrl) || !BIO_meth_set_create(m, bio_create))
            throw std::runtime_error("cannot create the TLS socket BIO");
        return m;
    }();
    return method;
}

// The first error on OpenSSL's queue as Asio's SSL category carries it (the rest stays for describe_io_error).
error_code openssl_error(unsigned long code) {
    return error_code(static_cast<int>(code), asio::error::get_ssl_category());
}

}  // namespace

TlsStream::TlsStream(asio::ip::tcp::socket socket, SSL_CTX* ctx) : socket_(std::move(socket)) {
    io_.fd = socket_.native_handle();
    socket_.non_blocking(true);
    ssl_ = SSL_new(ctx);
    BIO* bio = ssl_ ? BIO_new(socket_method()) : nullptr;
    if (!bio) {
        SSL_free(ssl_);
        throw std::runtime_error("cannot create a TLS connection (out of memory?)");
    }
    BIO_set_data(bio, &io_);
    SSL_set_bio(ssl_, bio, bio);  // the SSL owns the BIO (one reference for both directions)
    SSL_set_connect_state(ssl_);
    // The probes write each message whole, from a buffer that stays put until the write is done.
    SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS);
}

TlsStream::~TlsStream() { SSL_free(ssl_); }

TlsStream::Next TlsStream::after(int ret, error_code& ec) {
    switch (SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_WANT_READ:
        return Next::retry_after_read;
    case SSL_ERROR_WANT_WRITE:
        return Next::retry_after_write;
    case SSL_ERROR_ZERO_RETURN:  // the peer's close_notify
        ec = asio::error::eof;
        return Next::failed;
    case SSL_ERROR_SYSCALL:
        if (unsigned long code = ERR_get_error()) ec = openssl_error(code);
        else if (io_.last_errno != 0) ec = error_code(io_.last_errno, asio::error::get_system_category());
        else ec = asio::ssl::error::stream_truncated;  // end of the connection without close_notify
        return Next::failed;
    default: {
        unsigned long code = ERR_get_error();
        // OpenSSL 3 reports an end without close_notify as this error; Asio's stream sees the socket's end first
        // and calls it stream_truncated.
        if (ERR_GET_LIB(code) == ERR_LIB_SSL && ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
            ERR_clear_error();
            ec = asio::ssl::error::stream_truncated;
        } else {
            ec = code ? openssl_error(code) : error_code(asio::error::fault);
        }
        return Next::failed;
    }
    }
}

asio::awaitable<error_code> TlsStream::wait(Next next) {
    const auto what = next == Next::retry_after_read ? asio::socket_base::wait_read : asio::socket_base::wait_write;
    error_code ec;
    co_await socket_.async_wait(what, asio::redirect_error(asio::use_awaitable, ec));
    co_return ec;
}

asio::awaitable<error_code> TlsStream::handshake() {
    for (;;) {
        // (closed by the watchdog meanwhile: the descriptor number may already be someone else's)
        if (!socket_.is_open()) co_return asio::error::operation_aborted;
        ERR_clear_error();
        io_.last_errno = 0;
        int ret = SSL_do_handshake(ssl_);
        if (ret == 1) co_return error_code{};
        error_code ec;
        Next next = after(ret, ec);
        if (next == Next::failed) co_return ec;
        ec = co_await wait(next);
        if (ec) co_return ec;
    }
}

asio::awaitable<std::size_t> TlsStream::read_some(asio::mutable_buffer buffer, error_code& ec) {
    ec = {};
    for (;;) {
        if (!socket_.is_open()) {
            ec = asio::error::operation_aborted;
            co_return 0;
        }
        ERR_clear_error();
        io_.last_errno = 0;
        std::size_t n = 0;
        int ret = SSL_read_ex(ssl_, buffer.data(), buffer.size(), &n);
        if (ret == 1) co_return n;
        Next next = after(ret, ec);
        if (next == Next::failed) co_return 0;
        ec = co_await wait(next);
        if (ec) co_return 0;
    }
}

asio::awaitable<error_code> TlsStream::write(asio::const_buffer buffer) {
    const auto* data = static_cast<const unsigned char*>(buffer.data());
    std::size_t left = buffer.size();
    while (left > 0) {
        if (!socket_.is_open()) co_return asio::error::operation_aborted;
        ERR_clear_error();
        io_.last_errno = 0;
        std::size_t n = 0;
        int ret = SSL_write_ex(ssl_, data, left, &n);
        if (ret == 1) {
            data += n;
            left -= n;
            continue;
        }
        error_code ec;
        Next next = after(ret, ec);
        if (next == Next::failed) co_return ec;
        ec = co_await wait(next);
        if (ec) co_return ec;
    }
    co_return error_code{};
}

asio::awaitable<error_code> TlsStream::shutdown() {
    bool sent = false;
    for (;;) {
        if (!socket_.is_open()) co_return asio::error::operation_aborted;
        ERR_clear_error();
        io_.last_errno = 0;
        int ret = SSL_shutdown(ssl_);
        if (ret == 1) co_return error_code{};
        error_code ec;
        // 0: ours is sent, the peer's not here yet. The next call reads it; a 0 again means it is still to come.
        Next next = Next::retry_after_read;
        if (ret == 0 && !sent) {
            sent = true;
            continue;
        }
        if (ret < 0) next = after(ret, ec);
        if (next == Next::failed) co_return ec;
        ec = co_await wait(next);
        if (ec) co_return ec;
    }
}

}  // namespace vpnprobe::probes
