// What each page of `vpnprobe serve` answers (/, /metrics, /probe), no I/O: a well-formed /probe becomes
// a ScrapeJob that the connection layer runs off its I/O thread; everything else is a finished Reply.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "scenarios/runner.hpp"
#include "scenarios/scenario.hpp"

namespace vpnprobe::cli {

struct ServeStats;

inline constexpr const char* prometheus_text_type = "text/plain; version=0.0.4; charset=utf-8";

struct Reply {
    int status = 200;
    std::string body;
    std::string content_type = prometheus_text_type;
};

struct ScrapeJob {
    scenarios::Scenario scenario;  // cut down to what the query names
    scenarios::RunOptions options;
};

struct Routed {
    Reply reply;  // the answer, unless scrape is set
    std::optional<ScrapeJob> scrape;
};

// `scrape_timeout` is the X-Prometheus-Scrape-Timeout-Seconds header when the request has one.
Routed route_request(std::string_view method, std::string_view target, std::optional<std::string_view> scrape_timeout,
                     const scenarios::Scenario& scenario, const ServeStats& stats);

}  // namespace vpnprobe::cli
