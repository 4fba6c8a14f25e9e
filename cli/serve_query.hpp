// What a GET /probe asks for, read the way Prometheus users write it: `?probe=a&probe=b&target=t`.
// A repeated parameter means several (never just the last), an empty value, an unknown parameter or a
// broken %-escape is refused with the reason, and the scrape's own deadline header is checked.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vpnprobe::cli {

struct ProbeQuery {
    std::vector<std::string> probes, targets, vantages;  // empty = all of that kind; in the order asked, no repeats
};

// `query` is what follows the '?' of the request target. Throws std::invalid_argument with the reason,
// fit to be the body of a 400.
ProbeQuery parse_probe_query(std::string_view query);

// X-Prometheus-Scrape-Timeout-Seconds: a finite number of seconds above 0. Throws std::invalid_argument.
double parse_scrape_timeout(std::string_view header);

}  // namespace vpnprobe::cli
