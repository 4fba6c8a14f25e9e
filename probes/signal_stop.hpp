// SIGINT and SIGTERM as a StopSignal request on an io_context: the first asks the probes to end politely,
// a second one ends the process at once (by that signal). Internal header (Asio).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "probes/stop_signal.hpp"

namespace vpnprobe::probes {

class SignalStop {
public:
    SignalStop(boost::asio::io_context& io, std::shared_ptr<StopSignal> stop);
    // The request goes to `request` (called on `io`'s thread) instead: the scenario runner passes it on to the
    // probes of every thread.
    SignalStop(boost::asio::io_context& io, std::function<void(const std::string&)> request);
    ~SignalStop() { done(); }
    // The signal that came (SIGINT, SIGTERM), 0 when none did.
    int signal() const { return *signal_; }
    // All probes ended: stop listening (so io_context::run can return) and give the signals their default.
    void done();

private:
    void wait();
    // Empty when the signal pipe could not be had (no descriptor left): the signals keep their default
    // action, and the probes, short of descriptors too, report that they could not run.
    std::optional<boost::asio::signal_set> signals_;
    std::function<void(const std::string&)> request_;
    std::shared_ptr<int> signal_ = std::make_shared<int>(0);
    bool done_ = false;
};

}  // namespace vpnprobe::probes
