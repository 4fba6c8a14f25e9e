#include "cli/serve_listen.hpp"

#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <stdexcept>

namespace vpnprobe::cli {

namespace {

std::uint16_t listen_port(const std::string& s, const std::string& whole) {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size() || value > 65535)
        throw std::invalid_argument("bad port in '" + whole + "': expected 0-65535 (0 = any free port)");
    return static_cast<std::uint16_t>(value);
}

}  // namespace

ListenAddress parse_listen(const std::string& text) {
    const std::string form = " (forms: :9469, 0.0.0.0:9469, [::]:9469, [::1]:9469, 127.0.0.1:9469)";
    if (text.empty()) throw std::invalid_argument("empty address" + form);
    ListenAddress out;
    std::string host;
    if (text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string::npos) throw std::invalid_argument("missing ']' in '" + text + "'" + form);
        host = text.substr(1, close - 1);
        if (host.empty()) throw std::invalid_argument("empty address between [] in '" + text + "'" + form);
        if (close + 1 < text.size()) {
            if (text[close + 1] != ':') throw std::invalid_argument("expected ':' after ']' in '" + text + "'" + form);
            out.port = listen_port(text.substr(close + 2), text);
        }
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string::npos) {
            host = text;
        } else if (text.find(':') != colon) {
            host = text;  // a bare IPv6 address: no port can follow it unbracketed
        } else {
            host = text.substr(0, colon);
            out.port = listen_port(text.substr(colon + 1), text);
            if (host.empty()) return out;  // ":9469": every address, as blackbox_exporter takes it
        }
    }
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(host, ec);
    if (ec) throw std::invalid_argument("'" + host + "' is not an IP address" + form);
    out.address = address.to_string();
    return out;
}

}  // namespace vpnprobe::cli
