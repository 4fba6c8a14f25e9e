#include "cli/serve_query.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace vpnprobe::cli {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// application/x-www-form-urlencoded, as Go's url.ParseQuery (Prometheus' side) writes it: '+' is a space.
std::string decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%') {
            if (i + 2 >= s.size() || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0)
                throw std::invalid_argument("bad %-escape in the query: '" + std::string(s.substr(i, 3)) + "'");
            out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace

ProbeQuery parse_probe_query(std::string_view query) {
    ProbeQuery q;
    std::size_t pos = 0;
    while (pos <= query.size()) {
        auto amp = query.find('&', pos);
        std::string_view pair = query.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
        pos = amp == std::string_view::npos ? query.size() + 1 : amp + 1;
        if (pair.empty()) continue;  // "a=1&&b=2": nothing was said there
        auto eq = pair.find('=');
        std::string key = decode(pair.substr(0, eq));
        std::string value = eq == std::string_view::npos ? "" : decode(pair.substr(eq + 1));
        std::vector<std::string>* list = nullptr;
        if (key == "probe") list = &q.probes;
        else if (key == "target") list = &q.targets;
        else if (key == "vantage") list = &q.vantages;
        else throw std::invalid_argument("unknown parameter '" + key + "' (probe, target, vantage)");
        // An empty value would select everything of its kind: a typo must not widen the scrape.
        if (value.empty())
            throw std::invalid_argument("empty value for '" + key + "': name a " + key + " or leave the parameter out");
        if (std::find(list->begin(), list->end(), value) == list->end()) list->push_back(value);
    }
    return q;
}

double parse_scrape_timeout(std::string_view header) {
    double value = 0;
    auto [p, ec] = std::from_chars(header.data(), header.data() + header.size(), value);
    if (header.empty() || ec != std::errc() || p != header.data() + header.size() || !std::isfinite(value) ||
        value <= 0)
        throw std::invalid_argument("X-Prometheus-Scrape-Timeout-Seconds must be a number of seconds above 0, not '" +
                                    std::string(header) + "'");
    return value;
}

}  // namespace vpnprobe::cli
