// The server's own counters, as GET /metrics shows them. Touched only on the server's one I/O thread.
#pragma once

#include <map>
#include <string>

namespace vpnprobe::cli {

struct ServeStats {
    long scrapes = 0;  // /probe answered with the scenario's metrics
    long failed_rows = 0;  // rows whose expectations did not hold, over all scrapes
    int scrapes_running = 0;  // /probe running now
    long connections_accepted = 0;  // every connection accept() gave us, served or refused
    int connections_open = 0;  // connections being served now (those refused over the cap excluded)
    std::map<int, long> responses;  // HTTP status -> answers sent
    std::map<std::string, long> rejected;  // why a connection or request was refused (503 or closed)
    std::map<std::string, long> timeouts;  // which deadline cut a connection
    long accept_errors = 0;  // accept() failed (EMFILE, ENOBUFS, ...): backed off, went on

    ServeStats();
    std::string render() const;  // Prometheus text exposition 0.0.4
};

}  // namespace vpnprobe::cli
