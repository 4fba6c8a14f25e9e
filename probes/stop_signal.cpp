#include <unistd.h>

#include <csignal>
#include <cstring>
#include <vector>

#include "probes/signal_stop.hpp"
#include "probes/stop_signal.hpp"

namespace vpnprobe::probes {

void StopSignal::request(const std::string& reason) {
    if (requested_) return;
    requested_ = true;
    reason_ = reason;
    // A subscriber may unsubscribe (its probe ends) while others are called: call copies.
    std::vector<std::function<void()>> calls;
    for (const auto& [id, f] : subscribers_) calls.push_back(f);
    for (const auto& f : calls) f();
}

int StopSignal::subscribe(std::function<void()> on_stop) {
    int id = ++next_id_;
    subscribers_.emplace(id, std::move(on_stop));
    return id;
}

void RemoteStop::request(const std::string& reason) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!reason_.empty()) return;
    reason_ = reason.empty() ? "stop" : reason;  // "" means not requested: a request is never lost for it
    if (deliver_) deliver_(reason_);
}

void RemoteStop::attach(std::function<void(const std::string&)> deliver) {
    std::lock_guard<std::mutex> lock(mutex_);
    deliver_ = std::move(deliver);
    if (!reason_.empty()) deliver_(reason_);
}

void RemoteStop::detach() {
    std::lock_guard<std::mutex> lock(mutex_);
    deliver_ = nullptr;
}

bool RemoteStop::requested() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return !reason_.empty();
}

std::string RemoteStop::reason() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return reason_;
}

SignalStop::SignalStop(boost::asio::io_context& io, std::shared_ptr<StopSignal> stop)
    : SignalStop(io, [stop](const std::string& reason) { stop->request(reason); }) {}

SignalStop::SignalStop(boost::asio::io_context& io, std::function<void(const std::string&)> request)
    : request_(std::move(request)) {
    try {
        signals_.emplace(io, SIGINT, SIGTERM);
    } catch (const std::exception&) {  // EMFILE for the signal pipe or the reactor: see signals_
        signals_.reset();
        return;
    }
    wait();
}

void SignalStop::wait() {
    signals_->async_wait([this, seen = signal_](const boost::system::error_code& ec, int sig) {
        if (ec) return;  // done(): cancelled
        if (*seen) {
            // The second signal: the operator does not want to wait for the polite end.
            const char msg[] = "vpnprobe: second signal, stopping now without a report\n";
            (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
            std::signal(sig, SIG_DFL);
            std::raise(sig);
            return;
        }
        *seen = sig;
        const char* name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal";
        std::string msg = std::string("vpnprobe: ") + name +
                          ": ending the probes in flight politely; a second signal stops at once\n";
        (void)!::write(STDERR_FILENO, msg.data(), msg.size());
        request_(name);
        wait();
    });
}

void SignalStop::done() {
    if (done_) return;
    done_ = true;
    if (!signals_) return;
    boost::system::error_code ignored;
    signals_->cancel(ignored);
    signals_->clear(ignored);
}

}  // namespace vpnprobe::probes
