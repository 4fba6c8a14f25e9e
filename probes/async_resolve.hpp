// Name resolution from a vantage point, bounded by a deadline. Internal header (Asio).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "probes/stop_signal.hpp"
#include "probes/vantage.hpp"

namespace vpnprobe::probes {

struct ResolveOutcome {
    std::vector<std::string> addresses;
    std::string error;  // "" on success
    bool timed_out = false;
    bool local = false;  // the vantage point itself failed (no such namespace, setns refused)
};

// getaddrinfo blocks and cannot be cancelled, so it runs on a thread of its own (inside the vantage
// point's namespace); the coroutine waits for it or for the deadline, whichever comes first (or for a
// stop request: then it answers like a timeout, and the caller says it was interrupted). A lookup that
// outlives its wait finishes on its own thread and is discarded.
boost::asio::awaitable<ResolveOutcome> resolve_with_deadline(VantagePoint vp, std::string host,
                                                             std::chrono::steady_clock::time_point deadline,
                                                             std::shared_ptr<StopSignal> stop = nullptr);

}  // namespace vpnprobe::probes
