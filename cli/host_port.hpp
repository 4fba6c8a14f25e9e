// HOST[:PORT] as users type or paste it: "vpn.example.com", "vpn.example.com:8443", "192.0.2.1:443",
// "[2001:db8::1]:443", a bare IPv6 literal "2001:db8::1" (no port possible then), and for SSTP the URL an
// operator copies from a browser or a VPN profile: "https://vpn.example.com/" or "https://vpn.example.com:8443/x".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace vpnprobe::cli {

struct HostPort {
    std::string host;
    std::uint16_t port = 0;
};

// SSTP's target. An https:// URL gives host and port (443 unless it says otherwise); its path is ignored, since
// every SSTP client posts to the one fixed SSTP URI. Throws std::invalid_argument with a message fit for the user
// (empty host, bad port, http:// or another scheme, user@ in the URL).
HostPort parse_host_port(const std::string& text, std::uint16_t default_port);

// IKEv2's HOST. "HOST:PORT" and "[v6]:PORT" are accepted: the port sets the UDP port when --port was not given
// (port_option empty), and must agree with --port when it was; otherwise, and for a URL, std::invalid_argument
// saying to use --port.
HostPort parse_ikev2_host(const std::string& text, std::optional<std::uint16_t> port_option,
                          std::uint16_t default_port);

}  // namespace vpnprobe::cli
