// The HTTP side of `vpnprobe serve`: every connection a coroutine on one io_context (no thread per
// connection), bounded by a cap on open connections, deadlines (idle, header, body, write) and size
// limits; scrapes run on a small pool of --max-concurrent threads. Stops on SIGTERM or SIGINT.
#pragma once

#include <cstddef>
#include <string>

#include "cli/serve_listen.hpp"

namespace vpnprobe::scenarios {
struct Scenario;
}

namespace vpnprobe::cli {

struct ServeLimits {
    std::size_t max_connections = 1000;  // open at once; more get 503 and are closed
    int max_concurrent = 4;  // scrapes of /probe running at once; more get 503
    int scrape_threads = 0;  // threads each scrape runs its probes on; 0 = scrape_threads_for(cores, max_concurrent)
    double idle_timeout = 90;  // between requests on a keep-alive connection
    double header_timeout = 10;  // a request's line and header fields, from its first byte (from accept for the first)
    double body_timeout = 10;  // a request's body, after its header
    double write_timeout = 10;  // sending an answer
    double shutdown_timeout = 5;  // after SIGTERM/SIGINT, for answers in flight
};

// Request limits, fixed: a Prometheus scrape is a few hundred bytes.
inline constexpr std::size_t max_target_bytes = 8 * 1024;  // the request target; longer -> 414
inline constexpr std::size_t max_header_bytes =
    16 * 1024;  // request line and fields; more -> 431 (414 when the line is)
inline constexpr std::size_t max_body_bytes = 16 * 1024;  // a body (GET has none); more -> 413

// The default threads per scrape: the machine's cores (`hardware`, 0 = unknown = 1) shared among the
// --max-concurrent scrapes that may run at once, at least 1. So with every scrape slot busy the probes use
// every core and no more, each scrape's event loops never compete with more threads than there are cores
// (which would delay their timers), and a lone scrape on a big machine still uses several.
int scrape_threads_for(unsigned hardware, int max_concurrent);

// Serves until SIGTERM or SIGINT. Returns the exit code: 0 after a signal, 1 when it cannot listen.
int run_http_server(const ListenAddress& listen, const scenarios::Scenario& scenario, const ServeLimits& limits);

}  // namespace vpnprobe::cli
