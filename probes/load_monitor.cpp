#include "probes/load_monitor.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <vector>

namespace vpnprobe::probes {

namespace asio = boost::asio;
using clock = LagClock;

LagClock::duration overload_bound(double phase_timeout_seconds) {
    if (!(phase_timeout_seconds > 0)) return kOverloadLag;
    auto tenth = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(phase_timeout_seconds / 10));
    return std::min(kOverloadLag, tenth);
}

double lag_ms(LagClock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// ---- LagHistory ------------------------------------------------------------------------------------------------

void LagHistory::record(clock::time_point due, clock::time_point ran) {
    const clock::duration lag = std::max(clock::duration::zero(), ran - due);
    ++ticks_;
    last_ = lag;
    worst_ = std::max(worst_, lag);
    next_due_.reset();
    if (lag >= kNotableLag) notable_.push_back(Sample{ran, lag});
    while (!notable_.empty() && ran - notable_.front().ran > horizon_) notable_.pop_front();
}

clock::duration LagHistory::current(clock::time_point now) const {
    clock::duration lag = last_;
    if (next_due_ && now > *next_due_) lag = std::max(lag, now - *next_due_);
    return lag;
}

clock::duration LagHistory::worst_since(clock::time_point since, clock::time_point now) const {
    clock::duration worst{};
    // A tick that ran after `since` but waited since before it still counts: the loop was that late while
    // the phase ran (a long queue delays every handler in it, the phase's own too).
    for (auto it = notable_.rbegin(); it != notable_.rend() && it->ran >= since; ++it) worst = std::max(worst, it->lag);
    if (next_due_ && now > *next_due_) worst = std::max(worst, now - *next_due_);
    return worst;
}

// ---- LoadMonitor -----------------------------------------------------------------------------------------------

struct LoadMonitor::Timer {
    explicit Timer(asio::io_context& io) : timer(io) {}
    asio::steady_timer timer;
};

LoadMonitor::LoadMonitor(asio::io_context& io, clock::duration tick)
    : timer_(std::make_unique<Timer>(io)), tick_(tick) {}

LoadMonitor::~LoadMonitor() = default;

std::shared_ptr<LoadMonitor> LoadMonitor::start(asio::io_context& io, clock::duration tick) {
    std::shared_ptr<LoadMonitor> m(new LoadMonitor(io, tick));
    m->arm();
    return m;
}

void LoadMonitor::arm() {
    // Due one tick after the last one ran (not after it was due): a late loop is not asked to catch up.
    const clock::time_point due = clock::now() + tick_;
    history_.expect(due);
    timer_->timer.expires_at(due);
    timer_->timer.async_wait([weak = weak_from_this(), due](const boost::system::error_code& ec) {
        auto self = weak.lock();
        if (ec || !self || self->stopped_) return;
        self->on_tick(due);
    });
}

void LoadMonitor::on_tick(clock::time_point due) {
    history_.record(due, clock::now());
    const clock::duration lag = history_.current(clock::now());
    std::vector<std::function<void()>> wake;
    for (auto it = wakers_.begin(); it != wakers_.end() && wake.size() < kReleasePerTick;) {
        if (lag <= it->second.first) {
            wake.push_back(std::move(it->second.second));
            it = wakers_.erase(it);
        } else {
            ++it;
        }
    }
    arm();
    for (auto& w : wake) w();
}

void LoadMonitor::stop() {
    if (stopped_) return;
    stopped_ = true;
    history_.expect(clock::time_point::max());  // no tick is overdue any more
    timer_->timer.cancel();
    auto wake = std::move(wakers_);
    wakers_.clear();
    for (auto& [id, w] : wake) w.second();
}

int LoadMonitor::wake_when_calm(clock::duration below, std::function<void()> wake) {
    const int id = ++next_waker_;
    wakers_.emplace(id, std::make_pair(below, std::move(wake)));
    return id;
}

void LoadMonitor::note_hold_started() {
    ++holds_;
    if (holding_++ == 0) held_since_ = clock::now();
}

void LoadMonitor::note_hold_ended(bool alone) {
    if (alone) ++alone_;
    if (holding_ > 0 && --holding_ == 0) held_ += clock::now() - held_since_;
}

clock::duration LoadMonitor::held() const { return holding_ > 0 ? held_ + (clock::now() - held_since_) : held_; }

}  // namespace vpnprobe::probes
