// --listen as blackbox_exporter and users write it: ":9469" (every address), "0.0.0.0:9469",
// "[::]:9469", "[::1]:9469", "127.0.0.1:9469", or an address alone (port 9469). Port 0 = any free port
// (the one chosen is printed at start). Only IP addresses: a listener never depends on DNS.
#pragma once

#include <cstdint>
#include <string>

namespace vpnprobe::cli {

struct ListenAddress {
    std::string address;  // an IP literal; "" = every address (IPv6 and IPv4 where the host has both)
    std::uint16_t port = 9469;
};

// Throws std::invalid_argument with a message fit for the user.
ListenAddress parse_listen(const std::string& text);

}  // namespace vpnprobe::cli
