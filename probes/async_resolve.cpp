#include "probes/async_resolve.hpp"
#include "probes/net_errors.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

namespace vpnprobe::probes {

namespace asio = boost::asio;

asio::awaitable<ResolveOutcome> resolve_with_deadline(VantagePoint vp, std::string host,
                                                      std::chrono::steady_clock::time_point deadline,
                                                      std::shared_ptr<StopSignal> stop) {
    if (is_ip_literal(host)) co_return ResolveOutcome{{host}, {}, false, false};
    auto ex = co_await asio::this_coro::executor;
    // The timer and the outcome belong to this coroutine's executor: only touched there, and never owned by the
    // lookup thread (which may outlive the io_context: a lookup that outlasts its deadline answers after the
    // probe, perhaps after the whole run). The thread holds a weak reference and the mailbox; it posts its answer
    // only while this coroutine is still there (`waiting`, under the mailbox's mutex), so nothing is posted to an
    // io_context that may be gone.
    struct Shared {
        explicit Shared(const asio::any_io_executor& e) : timer(e) {}
        asio::steady_timer timer;
        std::optional<ResolveOutcome> outcome;
    };
    struct Mailbox {
        std::mutex mutex;
        bool waiting = true;
    };
    auto shared = std::make_shared<Shared>(ex);
    auto mailbox = std::make_shared<Mailbox>();
    struct StopWaiting {  // however this coroutine ends (its frame goes before its io_context does)
        std::shared_ptr<Mailbox> mailbox;
        ~StopWaiting() {
            std::lock_guard<std::mutex> lock(mailbox->mutex);
            mailbox->waiting = false;
        }
    } stop_waiting{mailbox};
    shared->timer.expires_at(deadline);
    // No thread to be had (EAGAIN: a thread or memory limit) is this machine's trouble: a local failure,
    // never an exception out of the probe.
    std::string no_thread;
    try {
        std::thread([weak = std::weak_ptr<Shared>(shared), mailbox, ex, vp, host] {
            ResolveOutcome r;
            try {
                r.addresses = resolve_in_vantage(vp, host);
            } catch (const std::system_error& e) {
                r.error = describe_exception(e);
                r.local = true;
            } catch (const std::exception& e) {
                r.error = e.what();
            }
            std::lock_guard<std::mutex> lock(mailbox->mutex);
            auto shared = weak.lock();  // alive while the coroutine waits
            if (!mailbox->waiting || !shared) return;
            asio::post(ex, [shared, r = std::move(r)]() mutable {
                shared->outcome = std::move(r);
                shared->timer.cancel();
            });
        }).detach();
    } catch (const std::system_error& e) {
        no_thread = describe_exception(e);
    }
    if (!no_thread.empty()) co_return ResolveOutcome{{}, "cannot start the resolver thread: " + no_thread, false, true};
    if (stop && stop->requested()) shared->timer.expires_at(std::chrono::steady_clock::now());
    StopSubscription on_stop(stop, [shared] { shared->timer.cancel(); });
    boost::system::error_code ec;
    co_await shared->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (shared->outcome) co_return *shared->outcome;
    co_return ResolveOutcome{{}, "no answer from the resolver for " + host, true, false};
}

}  // namespace vpnprobe::probes
