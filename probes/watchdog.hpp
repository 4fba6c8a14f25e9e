// Deadlines for probe phases. Internal header (Asio): include from .cpp files only.
//
// A phase's I/O is aborted by closing the socket when its deadline passes, rather than by per-operation
// cancellation: closing works the same for TCP, TLS and UDP operations at every layer, so a server that
// stalls anywhere ends the phase with "timeout" and never hangs the probe.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>

namespace vpnprobe::probes {

class Watchdog {
public:
    using clock = std::chrono::steady_clock;

    explicit Watchdog(const boost::asio::any_io_executor& ex) : timer_(ex), state_(std::make_shared<State>()) {}
    ~Watchdog() { state_->on_expiry = nullptr; }
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    // Calls `on_expiry` (which closes the socket) at `deadline`, unless re-armed or disarmed first.
    void arm(clock::time_point deadline, std::function<void()> on_expiry) {
        ++state_->generation;
        state_->fired = false;
        state_->deadline = deadline;
        state_->on_expiry = std::move(on_expiry);
        timer_.expires_at(deadline);
        timer_.async_wait([st = state_, gen = state_->generation](const boost::system::error_code& ec) {
            // A handler already queued when the timer was re-armed carries an old generation: ignore it.
            if (ec || gen != st->generation || !st->on_expiry) return;
            st->fired = true;
            st->on_expiry();
        });
    }
    void disarm() {
        ++state_->generation;
        state_->on_expiry = nullptr;
        timer_.cancel();
    }
    bool fired() const { return state_->fired; }
    // Armed and its deadline has passed, whether or not the handler has run yet: an I/O completion and the
    // expiry can be ready in the same turn of the event loop, and Asio may run the completion first.
    bool due() const { return state_->fired || (state_->on_expiry && clock::now() >= state_->deadline); }

private:
    struct State {
        unsigned long generation = 0;
        bool fired = false;
        clock::time_point deadline{};
        std::function<void()> on_expiry;
    };
    boost::asio::steady_timer timer_;
    std::shared_ptr<State> state_;
};

}  // namespace vpnprobe::probes
