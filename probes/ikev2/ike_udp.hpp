// UDP for the IKEv2 probe: one connected socket per server port (500, then 4500 as a Windows client
// moves there), opened at the vantage point. Internal header (Asio): include from .cpp files only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "probes/vantage.hpp"
#include "protocol/bytes.hpp"

namespace vpnprobe::probes {

class IkeUdpSocket {
public:
    using clock = std::chrono::steady_clock;

    // Opens the socket inside the vantage point's namespace, binds the source address if one is set,
    // and connects it to server:port (so only that peer's datagrams are received, and ICMP port
    // unreachable shows up as an error). Throws std::system_error / boost::system::system_error.
    IkeUdpSocket(const boost::asio::any_io_executor& ex, const VantagePoint& vp, const boost::asio::ip::address& server,
                 std::uint16_t port, bool non_esp_marker);

    boost::asio::ip::udp::endpoint local() const { return local_; }
    boost::asio::ip::udp::endpoint remote() const { return remote_; }

    // On port 4500 every IKE message is preceded by four zero octets (RFC 3948 non-ESP marker); added
    // and removed here, so callers always see bare IKE messages.
    boost::asio::awaitable<bool> send(const protocol::Bytes& ike_message, std::string& error);

    // Next IKE message from the server, or nullopt at `until` (timed_out set) or on an error (error set:
    // "port unreachable (ICMP)" and the like). Datagrams that are not IKE (ESP, keep-alives) are skipped.
    boost::asio::awaitable<std::optional<protocol::Bytes>> receive(clock::time_point until, bool& timed_out,
                                                                   std::string& error);

    // The data path shares the socket (RFC 3948: ESP in UDP on the NAT-T port): a UDP payload as it is (an ESP
    // packet, no marker), and the next datagram whatever it holds (IKE behind its marker, ESP, a keep-alive;
    // esp::classify_udp_4500 tells them apart), with receive()'s timeout and errors.
    boost::asio::awaitable<bool> send_datagram(const protocol::Bytes& payload, std::string& error);
    boost::asio::awaitable<std::optional<protocol::Bytes>> receive_datagram(clock::time_point until, bool& timed_out,
                                                                            std::string& error);

    // The errno of the last send or receive error (ECONNREFUSED for an ICMP port unreachable, EHOSTUNREACH, ...).
    int last_errno() const { return last_errno_; }

    // Ends a send or receive in flight (a stop request): receive() then returns as if timed out.
    void cancel() {
        boost::system::error_code ignored;
        socket_.cancel(ignored);
    }

private:
    std::string describe(const boost::system::error_code& ec);

    boost::asio::ip::udp::socket socket_;
    boost::asio::ip::udp::endpoint local_, remote_;
    bool marker_;
    int last_errno_ = 0;
};

}  // namespace vpnprobe::probes
