#include "cli/serve_routes.hpp"

#include <stdexcept>

#include "cli/serve_query.hpp"
#include "cli/serve_stats.hpp"

namespace vpnprobe::cli {

namespace {

std::string index_page(const scenarios::Scenario& s) {
    std::string out = "vpnprobe serve: " + (s.name.empty() ? s.file : s.name) +
                      "\nGET /probe[?probe=NAME][&target=NAME][&vantage=NAME]  run now, Prometheus text;"
                      " repeat a parameter for several\nGET /metrics  the server's own counters\n\nprobes:";
    for (const auto& p : s.probes) out += " " + p.name;
    out += "\ntargets:";
    for (const auto& t : s.targets) out += " " + t.name;
    out += "\nvantage points:";
    for (const auto& v : s.vantage_points) out += " " + v.name;
    return out + "\n";
}

Reply bad_request(const std::string& why) { return {400, why + "\n", "text/plain; charset=utf-8"}; }

}  // namespace

Routed route_request(std::string_view method, std::string_view target, std::optional<std::string_view> scrape_timeout,
                     const scenarios::Scenario& scenario, const ServeStats& stats) {
    auto question = target.find('?');
    std::string_view path = target.substr(0, question);
    std::string_view query = question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
    if (method != "GET") return {{405, "only GET\n", "text/plain; charset=utf-8"}, {}};
    if (path == "/") return {{200, index_page(scenario), "text/plain; charset=utf-8"}, {}};
    if (path == "/metrics") return {{200, stats.render()}, {}};
    if (path != "/probe") return {{404, "no such page: try /probe, /metrics or /\n", "text/plain; charset=utf-8"}, {}};
    ScrapeJob job;
    try {
        auto q = parse_probe_query(query);
        job.scenario = scenarios::select(scenario, q.probes, q.targets, q.vantages);
        // blackbox_exporter's rule: answer within the scrape's deadline, leaving it half a second.
        if (scrape_timeout) job.options.max_timeout = parse_scrape_timeout(*scrape_timeout) - 0.5;
    } catch (const std::invalid_argument& e) {
        return {bad_request(e.what()), {}};
    }
    return {{}, std::move(job)};
}

}  // namespace vpnprobe::cli
