// The data path's echo requests through a tunnel, shared by the SSTP and the IKEv2 probe: one record per echo
// request and how an answer to one is judged (their JSON: tunnel_echo_json.hpp). Plain values: included
// wherever a result is.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/ip/ipv4_address.hpp"

namespace vpnprobe::protocol {
struct Ipv4Packet;  // ipv4_icmp.hpp
}

namespace vpnprobe::probes {

// One ICMP echo request sent through the tunnel.
struct TunnelEcho {
    int sequence = 0;
    bool replied = false;
    double rtt_ms = 0;  // when replied
    std::string answer;  // "reply", "reply from 192.0.2.9 (not the target)", "Destination Unreachable ...", "none"
};

// Matches one received inner packet against the echo requests still unanswered (sequence i + 1, sent at
// sent_at[i], all with `ident`): a reply from the target with our identifier and sequence counts (its round trip
// from `now`); a reply from another address, an ICMP error or a malformed ICMP message is noted as that echo's
// answer and does not count. Returns whether the packet was an answer to one of them.
bool record_echo_answer(std::vector<TunnelEcho>& echoes, int& replies, const protocol::Ipv4Packet& packet,
                        const protocol::Ipv4Address& our_address, const protocol::Ipv4Address& target,
                        std::uint16_t ident, const std::vector<std::chrono::steady_clock::time_point>& sent_at,
                        std::chrono::steady_clock::time_point now);

}  // namespace vpnprobe::probes
