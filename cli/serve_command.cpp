// vpnprobe serve: a scrape target for Prometheus, as blackbox_exporter is one. Each GET /probe runs the
// scenario's rows (all, or those its query names) at that moment and answers with the Prometheus text of
// `vpnprobe run --format prometheus`, within the scrape's own deadline (X-Prometheus-Scrape-Timeout-Seconds,
// as blackbox_exporter takes it). This file: the options and the start; serve_http.cpp serves,
// serve_routes.cpp answers, serve_query.cpp reads the query, serve_listen.cpp reads --listen.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/serve_http.hpp"
#include "cli/serve_listen.hpp"
#include "scenarios/preflight.hpp"
#include "scenarios/scenario_loader.hpp"

namespace vpnprobe::cli {

namespace {

// A deadline in seconds: finite, above 0, at most a day (so that it fits any clock).
CLI::Validator seconds_validator() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            double v = 0;
            try {
                std::size_t used = 0;
                v = std::stod(text, &used);
                if (used != text.size()) return "'" + text + "' is not a number of seconds";
            } catch (const std::exception&) {
                return "'" + text + "' is not a number of seconds";
            }
            if (!std::isfinite(v) || v <= 0 || v > 86400)
                return "'" + text + "' is out of range: more than 0, at most 86400 seconds";
            return "";
        },
        "SECONDS in (0, 86400]");
}

// Every connection is a descriptor: take what the hard limit allows, and say so when the cap on
// connections is above it (accept() then fails with EMFILE first, which the server survives).
void raise_descriptor_limit(std::size_t max_connections) {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
    if (lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &lim);
        ::getrlimit(RLIMIT_NOFILE, &lim);
    }
    // Besides the connections: stdio, the listener, epoll, the reserve descriptor, the probes' sockets.
    if (lim.rlim_cur != RLIM_INFINITY && max_connections + 64 > lim.rlim_cur)
        std::cerr << "vpnprobe serve: --max-connections " << max_connections << " is more than the descriptor limit ("
                  << lim.rlim_cur << ") allows; connections beyond it are closed at accept\n";
}

}  // namespace

ServeCommand::ServeCommand(CLI::App& app) {
    sub_ = app.add_subcommand(
        "serve",
        "Serve a scenario to Prometheus: GET /probe runs it (or the probes/targets/vantage points named) "
        "and answers with its metrics, within the scrape's deadline. SIGTERM/SIGINT stop it (exit 0)");
    sub_->add_option("scenario", scenario_, "Scenario file (YAML)")->required();
    sub_->add_option(
            "--listen", listen_,
            "ADDRESS:PORT to listen on: 127.0.0.1:9469, [::1]:9469, 0.0.0.0:9469, [::]:9469, or :9469 for every "
            "address; port 0 = any free port")
        ->capture_default_str();
    sub_->add_option("--max-connections", limits_.max_connections,
                     "Connections open at once; more get 503 and are closed")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    sub_->add_option("--max-concurrent", limits_.max_concurrent,
                     "Scrapes of /probe running at once (threads); more get 503")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    sub_->add_option("--scrape-threads", limits_.scrape_threads,
                     "Threads each scrape runs its probes on (default: the cores divided among --max-concurrent "
                     "scrapes, at least 1)")
        ->check(CLI::Range(1, 256));
    sub_->add_option("--idle-timeout", limits_.idle_timeout,
                     "Seconds a keep-alive connection may wait for its next request")
        ->check(seconds_validator())
        ->capture_default_str();
    sub_->add_option(
            "--header-timeout", limits_.header_timeout,
            "Seconds for a request's line and header fields, from its first byte (from connecting, for the first)")
        ->check(seconds_validator())
        ->capture_default_str();
    sub_->add_option("--body-timeout", limits_.body_timeout, "Seconds for a request's body, after its header")
        ->check(seconds_validator())
        ->capture_default_str();
    sub_->add_option("--write-timeout", limits_.write_timeout, "Seconds to send an answer")
        ->check(seconds_validator())
        ->capture_default_str();
    sub_->add_option("--shutdown-timeout", limits_.shutdown_timeout,
                     "Seconds answers in flight get after SIGTERM/SIGINT before they are cut")
        ->check(seconds_validator())
        ->capture_default_str();
}

bool ServeCommand::selected() const { return sub_->parsed(); }

int ServeCommand::run() {
    ListenAddress listen;
    try {
        listen = parse_listen(listen_);
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--listen: ") + e.what());
    }
    scenarios::Scenario scenario;
    try {
        scenario = scenarios::load_scenario_file(scenario_);
        scenarios::preflight(scenario);  // namespaces, addresses, interfaces, CA files: before serving anything
    } catch (const scenarios::ScenarioError& e) {
        std::cerr << e.what() << "\n";
        return 2;
    }
    raise_descriptor_limit(limits_.max_connections);
    return run_http_server(listen, scenario, limits_);
}

}  // namespace vpnprobe::cli
