#include "cli/serve_stats.hpp"

namespace vpnprobe::cli {

// Every label value the server can produce is there from the start, at 0, so that a rate() or an alert
// on it has a series before the first event.
ServeStats::ServeStats() {
    for (int code : {200, 400, 404, 405, 413, 414, 431, 500, 503}) responses[code] = 0;
    for (const char* reason : {"connections", "scrapes", "descriptors", "memory"}) rejected[reason] = 0;
    for (const char* deadline : {"idle", "header", "body", "write"}) timeouts[deadline] = 0;
}

std::string ServeStats::render() const {
    std::string s;
    auto metric = [&](const std::string& name, const std::string& type, const std::string& help) {
        s += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    };
    metric("vpnprobe_serve_scrapes_total", "counter", "Scrapes of /probe answered with the scenario's metrics");
    s += "vpnprobe_serve_scrapes_total " + std::to_string(scrapes) + "\n";
    metric("vpnprobe_serve_failed_rows_total", "counter", "Rows whose expectations did not hold, over all scrapes");
    s += "vpnprobe_serve_failed_rows_total " + std::to_string(failed_rows) + "\n";
    metric("vpnprobe_serve_in_flight", "gauge", "Scrapes of /probe running now");
    s += "vpnprobe_serve_in_flight " + std::to_string(scrapes_running) + "\n";
    metric("vpnprobe_serve_connections", "gauge", "Connections being served now");
    s += "vpnprobe_serve_connections " + std::to_string(connections_open) + "\n";
    metric("vpnprobe_serve_connections_total", "counter", "Connections accepted, served or refused");
    s += "vpnprobe_serve_connections_total " + std::to_string(connections_accepted) + "\n";
    metric("vpnprobe_serve_responses_total", "counter", "HTTP responses sent, by status code");
    for (const auto& [code, n] : responses)
        s += "vpnprobe_serve_responses_total{code=\"" + std::to_string(code) + "\"} " + std::to_string(n) + "\n";
    metric("vpnprobe_serve_rejected_total", "counter",
           "Connections or requests refused (503 or closed): over --max-connections, over --max-concurrent, "
           "no descriptor left, no memory left");
    for (const auto& [reason, n] : rejected)
        s += "vpnprobe_serve_rejected_total{reason=\"" + reason + "\"} " + std::to_string(n) + "\n";
    metric("vpnprobe_serve_timeouts_total", "counter", "Connections closed because a deadline passed, by deadline");
    for (const auto& [deadline, n] : timeouts)
        s += "vpnprobe_serve_timeouts_total{deadline=\"" + deadline + "\"} " + std::to_string(n) + "\n";
    metric("vpnprobe_serve_accept_errors_total", "counter",
           "accept() failures survived (EMFILE, ENFILE, ENOBUFS, ...)");
    s += "vpnprobe_serve_accept_errors_total " + std::to_string(accept_errors) + "\n";
    return s;
}

}  // namespace vpnprobe::cli
