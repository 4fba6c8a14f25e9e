#include "cli/host_port.hpp"

#include <charconv>
#include <stdexcept>

namespace vpnprobe::cli {

namespace {

std::uint16_t parse_port(const std::string& s, const std::string& whole) {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size() || value == 0 || value > 65535)
        throw std::invalid_argument("bad port in '" + whole + "': expected 1-65535");
    return static_cast<std::uint16_t>(value);
}

}  // namespace

HostPort parse_host_port(const std::string& text, std::uint16_t default_port) {
    if (text.empty()) throw std::invalid_argument("empty target: expected HOST[:PORT]");
    if (text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string::npos) throw std::invalid_argument("missing ']' in '" + text + "'");
        HostPort hp{text.substr(1, close - 1), default_port};
        if (hp.host.empty()) throw std::invalid_argument("empty address in '" + text + "'");
        if (close + 1 < text.size()) {
            if (text[close + 1] != ':') throw std::invalid_argument("expected ':' after ']' in '" + text + "'");
            hp.port = parse_port(text.substr(close + 2), text);
        }
        return hp;
    }
    auto first = text.find(':');
    if (first == std::string::npos) return {text, default_port};
    if (text.find(':', first + 1) != std::string::npos) return {text, default_port};  // bare IPv6 literal
    if (first == 0) throw std::invalid_argument("empty host in '" + text + "'");
    return {text.substr(0, first), parse_port(text.substr(first + 1), text)};
}

}  // namespace vpnprobe::cli
