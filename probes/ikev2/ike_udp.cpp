#include "probes/ikev2/ike_udp.hpp"

#include <unistd.h>
#include <array>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include "probes/net_errors.hpp"
#include "probes/watchdog.hpp"

namespace vpnprobe::probes {

namespace asio = boost::asio;
using asio::ip::udp;
using boost::system::error_code;

IkeUdpSocket::IkeUdpSocket(const asio::any_io_executor& ex, const VantagePoint& vp, const asio::ip::address& server,
                           std::uint16_t port, bool non_esp_marker)
    : socket_(ex), marker_(non_esp_marker) {
    remote_ = udp::endpoint(server, port);
    int fd = open_vantage_socket(vp, server.is_v6() ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
    error_code assigned;
    socket_.assign(remote_.protocol(), fd, assigned);
    if (assigned) {
        ::close(fd);  // not yet the socket object's to close
        throw boost::system::system_error(assigned);
    }
    if (!vp.source.empty()) socket_.bind(udp::endpoint(asio::ip::make_address(vp.source), 0));
    socket_.connect(remote_);
    local_ = socket_.local_endpoint();
}

std::string IkeUdpSocket::describe(const error_code& ec) {
    last_errno_ = errno_of(ec);
    // On a connected UDP socket ECONNREFUSED is the kernel passing on an ICMP port unreachable: say that, since
    // there is no connection to refuse.
    if (ec == asio::error::connection_refused)
        return "port unreachable (ICMP): nothing listens on UDP " +
               host_port_text(remote_.address().to_string(), remote_.port());
    return describe_error_code(ec);
}

asio::awaitable<bool> IkeUdpSocket::send(const protocol::Bytes& ike_message, std::string& error) {
    protocol::Bytes datagram;
    if (marker_) datagram.assign(4, 0);
    datagram.insert(datagram.end(), ike_message.begin(), ike_message.end());
    co_return co_await send_datagram(datagram, error);
}

asio::awaitable<bool> IkeUdpSocket::send_datagram(const protocol::Bytes& datagram, std::string& error) {
    error_code ec;
    co_await socket_.async_send(asio::buffer(datagram), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
        error = describe(ec);
        co_return false;
    }
    co_return true;
}

asio::awaitable<std::optional<protocol::Bytes>> IkeUdpSocket::receive(clock::time_point until, bool& timed_out,
                                                                      std::string& error) {
    for (;;) {
        auto d = co_await receive_datagram(until, timed_out, error);
        if (!d) co_return d;
        std::size_t offset = 0;
        if (marker_) {
            // Without the zero marker it is ESP (SPI first) or a one-byte NAT-T keep-alive: not for us.
            if (d->size() < 4 || (*d)[0] || (*d)[1] || (*d)[2] || (*d)[3]) continue;
            offset = 4;
        }
        if (d->size() - offset < 28) continue;  // shorter than an IKE header: not IKE
        if (offset) d->erase(d->begin(), d->begin() + static_cast<std::ptrdiff_t>(offset));
        co_return d;
    }
}

asio::awaitable<std::optional<protocol::Bytes>> IkeUdpSocket::receive_datagram(clock::time_point until, bool& timed_out,
                                                                               std::string& error) {
    timed_out = false;
    // IKE messages over UDP are at most 64 KiB; a datagram is read whole or not at all.
    std::array<std::uint8_t, 65536> buf;
    Watchdog watchdog(socket_.get_executor());
    if (clock::now() >= until) {
        timed_out = true;
        co_return std::nullopt;
    }
    watchdog.arm(until, [this] {
        error_code ignored;
        socket_.cancel(ignored);
    });
    error_code ec;
    std::size_t n = co_await socket_.async_receive(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    watchdog.disarm();
    if (ec) {
        if (watchdog.fired() || ec == asio::error::operation_aborted) {
            timed_out = true;
            co_return std::nullopt;
        }
        error = describe(ec);
        co_return std::nullopt;
    }
    co_return protocol::Bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
}

}  // namespace vpnprobe::probes
