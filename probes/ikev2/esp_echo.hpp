// The IKEv2 probe's data path: ICMP echo requests from the virtual IP through the CHILD_SA's ESP, in UDP on the
// IKE socket's NAT-T port (RFC 3948), and the replies read from the same socket (IKE behind its non-ESP marker,
// ESP without, keep-alives: esp::classify_udp_4500). The pure parts are protocol/'s (esp_tunnel, ipv4_icmp) and
// tunnel_echo's (how an answer counts); this is their I/O. Internal header (Asio): include from .cpp files only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "probes/ikev2/ikev2_exchange.hpp"
#include "probes/ikev2/ikev2_probe.hpp"
#include "protocol/ip/ipv4_address.hpp"

namespace vpnprobe::protocol::esp {
struct InitiatorTunnel;
}

namespace vpnprobe::probes {

class IkeUdpSocket;

struct EspEchoPlan {
    protocol::Ipv4Address source{}, target{};  // the virtual IP, the address pinged
    std::uint16_t ident = 0;  // the echo requests' identifier (random: tells our replies from others')
    int count = 1;
    std::chrono::steady_clock::duration wait{};  // for the replies after the last request
    std::chrono::steady_clock::time_point until{};  // never read past this (the probe's deadline, less the Deletes)
};

// Sends the echo requests (sequence 1..count) at once and reads until each is answered or the wait is over,
// recording into t.echoes / t.echo_replies and the ESP counters. Returns "" or the socket error that ended it
// (sys_errno set). IKE messages that arrive meanwhile (a liveness check) are logged and left unanswered.
boost::asio::awaitable<std::string> run_esp_echoes(IkeUdpSocket& sock, protocol::esp::InitiatorTunnel& tunnel,
                                                   const EspEchoPlan& plan, Ikev2TunnelFacts& t, const Ikev2Log& log,
                                                   int& sys_errno);

}  // namespace vpnprobe::probes
