#include "protocol/ip/ipv4_address.hpp"

#include <charconv>

namespace vpnprobe::protocol {

std::string to_string(const Ipv4Address& address) {
    return std::to_string(address[0]) + "." + std::to_string(address[1]) + "." + std::to_string(address[2]) + "." +
           std::to_string(address[3]);
}

std::optional<Ipv4Address> parse_ipv4(std::string_view text) {
    Ipv4Address out{};
    std::size_t pos = 0;
    for (int i = 0; i < 4; ++i) {
        const std::size_t end = i < 3 ? text.find('.', pos) : text.size();
        if (end == std::string_view::npos) return std::nullopt;
        const std::string_view part = text.substr(pos, end - pos);
        // "01" is not accepted: inet_aton would read it as octal, so it is ambiguous.
        if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0')) return std::nullopt;
        unsigned value = 0;
        auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
        if (ec != std::errc() || p != part.data() + part.size() || value > 255) return std::nullopt;
        out[i] = static_cast<std::uint8_t>(value);
        pos = end + 1;
    }
    return out;
}

}  // namespace vpnprobe::protocol
