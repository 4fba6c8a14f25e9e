// An address range in CIDR notation (192.168.30.0/24, fd00::/64): `expect.tunnel.address_in`.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace vpnprobe::scenarios {

struct AddressRange {
    bool v6 = false;
    std::array<std::uint8_t, 16> network{};  // the first 4 bytes for IPv4
    int prefix = 0;

    // "192.168.30.0/24", "fd00::/64"; an address without a prefix is the one address (/32, /128). nullopt for
    // anything else, or host bits set past the prefix (192.168.30.1/24 says the range less clearly than .0/24
    // and is more often a typo).
    static std::optional<AddressRange> parse(const std::string& cidr);
    // `address` (an IP literal) is inside the range; false for an address of the other family or not one.
    bool contains(const std::string& address) const;
};

}  // namespace vpnprobe::scenarios
