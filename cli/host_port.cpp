#include "cli/host_port.hpp"

#include <algorithm>
#include <cctype>
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

// HOST[:PORT] without a scheme; port 0 when the text names none. `whole` is what the user typed, for messages.
HostPort parse_authority(const std::string& text, const std::string& whole) {
    if (text.empty()) throw std::invalid_argument("empty host in '" + whole + "': expected HOST[:PORT]");
    if (text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string::npos) throw std::invalid_argument("missing ']' in '" + whole + "'");
        HostPort hp{text.substr(1, close - 1), 0};
        if (hp.host.empty()) throw std::invalid_argument("empty address in '" + whole + "'");
        if (close + 1 < text.size()) {
            if (text[close + 1] != ':') throw std::invalid_argument("expected ':' after ']' in '" + whole + "'");
            hp.port = parse_port(text.substr(close + 2), whole);
        }
        return hp;
    }
    auto first = text.find(':');
    if (first == std::string::npos) return {text, 0};
    if (text.find(':', first + 1) != std::string::npos) return {text, 0};  // bare IPv6 literal
    if (first == 0) throw std::invalid_argument("empty host in '" + whole + "'");
    return {text.substr(0, first), parse_port(text.substr(first + 1), whole)};
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

}  // namespace

HostPort parse_host_port(const std::string& text, std::uint16_t default_port) {
    if (text.empty()) throw std::invalid_argument("empty target: expected HOST[:PORT]");
    std::string authority = text;
    if (auto scheme_end = text.find("://"); scheme_end != std::string::npos) {
        std::string scheme = lower(text.substr(0, scheme_end));
        if (scheme == "http")
            throw std::invalid_argument("'" + text + "': SSTP runs over HTTPS; give https://HOST or HOST[:PORT]");
        if (scheme != "https")
            throw std::invalid_argument("'" + text + "': unknown scheme '" + scheme +
                                        "'; give https://HOST or HOST[:PORT]");
        std::string rest = text.substr(scheme_end + 3);
        authority = rest.substr(0, rest.find_first_of("/?#"));
        if (authority.find('@') != std::string::npos)
            throw std::invalid_argument("'" + text +
                                        "': a user name in the URL is not used by SSTP; give https://HOST");
        if (authority.empty()) throw std::invalid_argument("empty host in '" + text + "'");
    }
    HostPort hp = parse_authority(authority, text);
    if (hp.port == 0) hp.port = default_port;
    return hp;
}

HostPort parse_ikev2_host(const std::string& text, std::optional<std::uint16_t> port_option,
                          std::uint16_t default_port) {
    if (text.empty()) throw std::invalid_argument("empty host: expected a name or an address");
    if (text.find("://") != std::string::npos)
        throw std::invalid_argument("'" + text +
                                    "': IKEv2 takes a host name or address, not a URL (and the port with --port)");
    HostPort hp = parse_authority(text, text);
    if (hp.port == 0) {
        hp.port = port_option.value_or(default_port);
    } else if (port_option && *port_option != hp.port) {
        throw std::invalid_argument("'" + text + "' names UDP port " + std::to_string(hp.port) + " but --port says " +
                                    std::to_string(*port_option) + ": give the port once: use --port");
    }
    return hp;
}

}  // namespace vpnprobe::cli
