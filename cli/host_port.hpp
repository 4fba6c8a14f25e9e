// HOST[:PORT] as users type it: "vpn.example.com", "vpn.example.com:8443", "192.0.2.1:443",
// "[2001:db8::1]:443", or a bare IPv6 literal "2001:db8::1" (no port possible then).
#pragma once

#include <cstdint>
#include <string>

namespace vpnprobe::cli {

struct HostPort {
    std::string host;
    std::uint16_t port = 0;
};

// Throws std::invalid_argument with a message fit for the user.
HostPort parse_host_port(const std::string& text, std::uint16_t default_port);

}  // namespace vpnprobe::cli
