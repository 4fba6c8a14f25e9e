#include "scenarios/address_range.hpp"

#include <arpa/inet.h>

namespace vpnprobe::scenarios {

namespace {

// The address's bytes and family; false when `text` is no IP literal.
bool parse_address(const std::string& text, bool& v6, std::array<std::uint8_t, 16>& bytes) {
    bytes.fill(0);
    if (::inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) {
        v6 = false;
        return true;
    }
    if (::inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) {
        v6 = true;
        return true;
    }
    return false;
}

// The first `prefix` bits of a and b are the same.
bool same_prefix(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b, int prefix) {
    for (int i = 0; i < prefix / 8; ++i)
        if (a[static_cast<std::size_t>(i)] != b[static_cast<std::size_t>(i)]) return false;
    if (prefix % 8 == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - prefix % 8));
    const auto at = static_cast<std::size_t>(prefix / 8);
    return (a[at] & mask) == (b[at] & mask);
}

}  // namespace

std::optional<AddressRange> AddressRange::parse(const std::string& cidr) {
    AddressRange r;
    const auto slash = cidr.find('/');
    if (!parse_address(cidr.substr(0, slash), r.v6, r.network)) return std::nullopt;
    const int bits = r.v6 ? 128 : 32;
    r.prefix = bits;
    if (slash != std::string::npos) {
        const std::string p = cidr.substr(slash + 1);
        if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
        r.prefix = std::stoi(p);
        if (r.prefix > bits) return std::nullopt;
    }
    // No host bits past the prefix.
    std::array<std::uint8_t, 16> masked{};
    for (int i = 0; i < r.prefix; ++i) {
        const auto at = static_cast<std::size_t>(i / 8);
        masked[at] = static_cast<std::uint8_t>(masked[at] | (r.network[at] & (0x80 >> (i % 8))));
    }
    if (masked != r.network) return std::nullopt;
    return r;
}

bool AddressRange::contains(const std::string& address) const {
    bool is_v6 = false;
    std::array<std::uint8_t, 16> bytes{};
    if (!parse_address(address, is_v6, bytes) || is_v6 != v6) return false;
    return same_prefix(bytes, network, prefix);
}

}  // namespace vpnprobe::scenarios
