// An IPv4 address as the wire carries it (four bytes, network order), shared by IPCP (the assigned address and
// DNS servers) and the IPv4/ICMP data-path packets. Text conversion without the resolver or the socket API.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vpnprobe::protocol {

using Ipv4Address = std::array<std::uint8_t, 4>;

// "192.0.2.1".
std::string to_string(const Ipv4Address& address);
// Dotted quad, four decimal parts 0-255 without leading zeros beyond "0"; std::nullopt otherwise.
std::optional<Ipv4Address> parse_ipv4(std::string_view text);

}  // namespace vpnprobe::protocol
