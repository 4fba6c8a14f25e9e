// A request from outside (SIGINT, SIGTERM) that the probes in flight stop waiting and end politely: an
// IKEv2 probe deletes the IKE SA it has set up, an SSTP probe sends CALL_ABORT and close_notify where its
// TLS session is up. Each probe then ends within kPoliteEndSeconds, its unfinished phase marked
// `interrupted`. Single-threaded: request() is called on the probes' io_context thread, and calls every
// subscribed probe there. A run on several threads (the scenario runner) has one per io_context, and a
// RemoteStop that posts the request to each.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace vpnprobe::probes {

// How long a probe has, after a stop request, for its polite end (Delete, CALL_ABORT, close_notify).
constexpr double kPoliteEndSeconds = 1.5;

class StopSignal {
public:
    bool requested() const { return requested_; }
    const std::string& reason() const { return reason_; }  // "SIGINT", "SIGTERM"
    // The first request wins; each subscriber is called once.
    void request(const std::string& reason);
    int subscribe(std::function<void()> on_stop);
    void unsubscribe(int id) { subscribers_.erase(id); }

private:
    bool requested_ = false;
    std::string reason_;
    int next_id_ = 0;
    std::map<int, std::function<void()>> subscribers_;
};

// A probe's subscription for its lifetime (nothing when there is no StopSignal).
class StopSubscription {
public:
    StopSubscription(std::shared_ptr<StopSignal> stop, std::function<void()> on_stop) : stop_(std::move(stop)) {
        if (stop_) id_ = stop_->subscribe(std::move(on_stop));
    }
    ~StopSubscription() {
        if (stop_) stop_->unsubscribe(id_);
    }
    StopSubscription(const StopSubscription&) = delete;
    StopSubscription& operator=(const StopSubscription&) = delete;

private:
    std::shared_ptr<StopSignal> stop_;
    int id_ = 0;
};

// A stop request from another thread: `vpnprobe serve` shutting down (on its I/O thread) asks the scrapes
// running on its pool threads, each with io_contexts of its own, to end politely; a run's signals (on one of
// its threads) ask all its threads. request() may be called from any thread at any time; while a run is
// attached its deliver function passes the request on (by posting it to each of the run's io_contexts), and a
// request made before the attach is delivered at the attach. The first request wins.
class RemoteStop {
public:
    void request(const std::string& reason);
    void attach(std::function<void(const std::string&)> deliver);
    // After detach() returns, deliver is never called again (so the run's io_contexts may go).
    void detach();
    bool requested() const;
    std::string reason() const;  // "" = not requested

private:
    mutable std::mutex mutex_;
    std::string reason_;  // "" = not requested
    std::function<void(const std::string&)> deliver_;
};

}  // namespace vpnprobe::probes
