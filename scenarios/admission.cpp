#include "scenarios/admission.hpp"

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace vpnprobe::scenarios {

namespace asio = boost::asio;

probes::LagClock::duration admission_bound(double timeout_seconds) {
    return std::min<probes::LagClock::duration>(probes::kAdmissionLag, probes::overload_bound(timeout_seconds) / 2);
}

asio::awaitable<void> admit(probes::LoadMonitor& load, probes::LagClock::duration below, std::function<bool()> alone,
                            std::shared_ptr<probes::StopSignal> stop) {
    if (load.stopped() || load.current_lag() <= below) co_return;
    if (stop && stop->requested()) co_return;
    auto ex = co_await asio::this_coro::executor;
    load.note_hold_started();
    bool started_alone = false;
    for (;;) {
        asio::steady_timer wait(ex, std::chrono::steady_clock::now() + kAdmissionRecheck);
        bool woken = false;
        // Both run on this io_context's thread while this coroutine is suspended in the wait below.
        const int id = load.wake_when_calm(below, [&wait, &woken] {
            woken = true;
            wait.cancel();
        });
        probes::StopSubscription on_stop(stop, [&wait, &woken] {
            woken = true;
            wait.cancel();
        });
        boost::system::error_code ec;
        co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        load.cancel_waker(id);  // when the recheck came first: its waker refers to this frame
        if (woken || load.stopped() || (stop && stop->requested())) break;
        if (load.current_lag() <= below) break;
        // Still late with none of ours in flight: the lag is not the run's own (a loaded machine). Waiting on
        // would never end; one probe at a time goes on.
        if (alone && alone()) {
            started_alone = true;
            break;
        }
    }
    load.note_hold_ended(started_alone);
}

void add_load_record(LoadRecord& record, const probes::LoadMonitor& load) {
    record.worst_lag_seconds =
        std::max(record.worst_lag_seconds, std::chrono::duration<double>(load.worst_lag()).count());
    record.admission_held_seconds += std::chrono::duration<double>(load.held()).count();
    record.admission_waits += load.holds();
    record.admission_started_alone += load.holds_alone();
}

}  // namespace vpnprobe::scenarios
