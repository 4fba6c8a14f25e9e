#include "scenarios/runner.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cmath>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "probes/ikev2/key_share_cache.hpp"
#include "probes/load_monitor.hpp"
#include "probes/net_errors.hpp"
#include "probes/signal_stop.hpp"
#include "scenarios/admission.hpp"
#include "scenarios/expectations.hpp"
#include "scenarios/probe_kind.hpp"
#include "scenarios/run_ledger.hpp"

namespace vpnprobe::scenarios {

namespace asio = boost::asio;

std::vector<PlannedRow> plan_rows(const Scenario& s) {
    std::vector<PlannedRow> rows;
    std::map<std::pair<std::string, std::string>, std::vector<std::string>> resolved;  // (target, vantage) -> addresses
    for (const auto& p : s.probes) {
        for (const auto& t : s.targets) {
            if (!p.targets.empty() && std::find(p.targets.begin(), p.targets.end(), t.name) == p.targets.end())
                continue;
            for (const auto& v : s.vantage_points) {
                if (!p.vantage_points.empty() &&
                    std::find(p.vantage_points.begin(), p.vantage_points.end(), v.name) == p.vantage_points.end())
                    continue;
                auto key = std::make_pair(t.name, v.name);
                auto it = resolved.find(key);
                if (it == resolved.end()) {
                    std::vector<std::string> addresses;
                    if (probes::is_ip_literal(t.host)) {
                        addresses = {t.host};
                    } else {
                        try {
                            addresses = probes::resolve_in_vantage(v.vantage, t.host);
                            if (!t.all_addresses && addresses.size() > 1) addresses.resize(1);
                        } catch (const std::exception&) {
                            addresses = {""};  // the probe's resolve phase says why, timed, from the vantage point
                        }
                    }
                    if (addresses.empty()) addresses = {""};
                    it = resolved.emplace(key, addresses).first;
                }
                for (const auto& a : it->second) rows.push_back(PlannedRow{&p, &t, &v, a});
            }
        }
    }
    return rows;
}

namespace {

// The part of a result every kind shares, for a run that ended before its probe could say anything.
void fill_outcome(probes::ProbeOutcome& r, const PlannedRow& row) {
    r.host = row.target->host;
    r.address = row.address;
    r.vantage = row.vantage->name;
}

// A probe refuses options it cannot use (std::invalid_argument); the loader checks them first, so this is
// a safety net that turns such a refusal into a row that failed for a local reason instead of an abort.
ProbeRun local_failure(const PlannedRow& row, const std::string& why) {
    ProbeRun run{row.probe->kind().empty_result()};
    auto& r = run.outcome();
    fill_outcome(r, row);
    r.phases.push_back(probes::Phase{"setup", probes::PhaseOutcome::failed, 0, why, true});
    r.failed_phase = "setup";
    r.findings.push_back(
        probes::Finding{probes::Severity::error, "probe.local", "the probe could not start: " + why, ""});
    return run;
}

// What one run shares between its rows (each scrape of `serve` is a run): loaded or made on first use.
struct RunShared {
    std::shared_ptr<probes::TrustCache> trust;
    std::shared_ptr<probes::KeyShareCache> key_shares;
};

// What a probe gets from the thread it runs on: the stop request and the lag of that thread's event loop.
struct ThreadShared {
    std::shared_ptr<probes::StopSignal> stop;
    std::shared_ptr<probes::LoadMonitor> load;
};

RowTarget row_target(const PlannedRow& row, const ThreadShared& here, const RunShared& shared) {
    const ProbeSpec& p = *row.probe;
    const TargetSpec& t = *row.target;
    RowTarget target;
    target.host = t.host;
    target.port = t.port_for(p.kind());
    target.address = row.address;
    target.name_clients_dial = t.sni.empty() ? t.host : t.sni;
    target.ca = t.ca;
    target.trust = shared.trust;
    target.key_shares = shared.key_shares;
    target.vantage = row.vantage->vantage;
    target.timeout = p.timeout;
    target.stop = here.stop;
    target.load = here.load;
    target.credentials = p.credentials_for(t);
    return target;
}

// The kind runs its probe, then its diagnosis.
asio::awaitable<ProbeRun> run_probe(const PlannedRow& row, const ThreadShared& here, const RunShared& shared) {
    const ProbeKind& kind = row.probe->kind();
    const RowTarget target = row_target(row, here, shared);
    ProbeRun run{co_await kind.run(target, row.probe->options)};
    kind.diagnose(run.result, target, row.probe->options);
    co_return run;
}

asio::awaitable<ProbeRun> run_once(const PlannedRow& row, const ThreadShared& here, const RunShared& shared) {
    std::string error;
    try {
        co_return co_await run_probe(row, here, shared);
    } catch (const std::exception& e) {
        error = probes::describe_exception(e);  // without a Boost source location
    }
    co_return local_failure(row, error);
}

// A run that never started because the run was stopped first: one phase that says so.
ProbeRun not_started(const PlannedRow& row, const std::string& why) {
    ProbeRun run{row.probe->kind().empty_result()};
    auto& r = run.outcome();
    fill_outcome(r, row);
    r.phases.push_back(probes::Phase{"start", probes::PhaseOutcome::interrupted, 0,
                                     "not started: the run was interrupted (" + why + ")", false});
    r.failed_phase = "start";
    r.findings.push_back(probes::Finding{probes::Severity::error, "probe.interrupted",
                                         "the run was interrupted (" + why + ") before this probe started", ""});
    return run;
}

double quantile(std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    // Nearest rank: the smallest value with at least q of the samples at or below it.
    std::size_t rank = static_cast<std::size_t>(std::max(1.0, std::ceil(q * static_cast<double>(v.size()))));
    return v[std::min(rank, v.size()) - 1];
}

TimingStats stats(const std::string& name, const std::vector<double>& v) {
    TimingStats s;
    s.phase = name;
    s.samples = static_cast<int>(v.size());
    if (v.empty()) return s;
    s.min = *std::min_element(v.begin(), v.end());
    s.max = *std::max_element(v.begin(), v.end());
    s.median = quantile(v, 0.5);
    s.p95 = quantile(v, 0.95);
    return s;
}

}  // namespace

std::vector<TimingStats> timing_stats(const std::vector<ProbeRun>& runs) {
    std::vector<TimingStats> out;
    std::vector<double> totals;
    std::vector<std::string> order;
    std::map<std::string, std::vector<double>> phases;
    for (const auto& r : runs) {
        totals.push_back(r.total_seconds());
        for (const auto& p : r.phases()) {
            if (!phases.count(p.name)) order.push_back(p.name);
            phases[p.name].push_back(p.seconds);
        }
    }
    out.push_back(stats("total", totals));
    for (const auto& name : order) out.push_back(stats(name, phases[name]));
    return out;
}

CertificateComparison compare_certificates(const probes::CertificateFacts& served,
                                           const probes::CertificateFacts& candidate) {
    CertificateComparison c;
    c.same = normalise_fingerprint(served.sha256_fingerprint) == normalise_fingerprint(candidate.sha256_fingerprint);
    auto diff = [&](const std::string& what, const std::string& a, const std::string& b) {
        if (a != b)
            c.differences.push_back(what + ": served " + (a.empty() ? "(none)" : a) + ", candidate " +
                                    (b.empty() ? "(none)" : b));
    };
    auto list = [](std::vector<std::string> v) {
        std::sort(v.begin(), v.end());
        std::string s;
        for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
        return s;
    };
    diff("sha256_fingerprint", served.sha256_fingerprint, candidate.sha256_fingerprint);
    diff("subject", served.subject, candidate.subject);
    diff("issuer", served.issuer, candidate.issuer);
    std::vector<std::string> sa = served.san_dns, sb = candidate.san_dns;
    sa.insert(sa.end(), served.san_ip.begin(), served.san_ip.end());
    sb.insert(sb.end(), candidate.san_ip.begin(), candidate.san_ip.end());
    diff("san", list(sa), list(sb));
    diff("not_after", probes::format_time_utc(served.not_after), probes::format_time_utc(candidate.not_after));
    diff("key",
         served.key_type + " " + std::to_string(served.key_bits) + (served.curve.empty() ? "" : " " + served.curve),
         candidate.key_type + " " + std::to_string(candidate.key_bits) +
             (candidate.curve.empty() ? "" : " " + candidate.curve));
    diff("signature_algorithm", served.signature_algorithm, candidate.signature_algorithm);
    diff("ekus", list(served.ekus), list(candidate.ekus));
    return c;
}

namespace {

bool names_include(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::string quoted_names(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
    return out;
}

}  // namespace

Scenario select(const Scenario& s, const std::vector<std::string>& probes, const std::vector<std::string>& targets,
                const std::vector<std::string>& vantages) {
    for (const auto& name : probes)
        if (std::none_of(s.probes.begin(), s.probes.end(), [&](const ProbeSpec& p) { return p.name == name; }))
            throw std::invalid_argument("the scenario has no probe named '" + name + "'");
    for (const auto& name : targets)
        if (!s.target(name)) throw std::invalid_argument("the scenario has no target named '" + name + "'");
    for (const auto& name : vantages)
        if (!s.vantage(name)) throw std::invalid_argument("the scenario has no vantage point named '" + name + "'");
    Scenario out = s;
    if (!probes.empty()) {
        out.probes.clear();
        for (const auto& p : s.probes)
            if (names_include(probes, p.name)) out.probes.push_back(p);
    }
    if (!targets.empty()) {
        out.targets.clear();
        for (const auto& t : s.targets)
            if (names_include(targets, t.name)) out.targets.push_back(t);
    }
    if (!vantages.empty()) {
        out.vantage_points.clear();
        for (const auto& v : s.vantage_points)
            if (names_include(vantages, v.name)) out.vantage_points.push_back(v);
    }
    // The rows plan_rows would make, without resolving a name: a (probe, target, vantage point) triple
    // the probe allows. Resolution never removes a row (an unresolved name is a row that fails).
    for (const auto& p : out.probes)
        for (const auto& t : out.targets)
            for (const auto& v : out.vantage_points)
                if ((p.targets.empty() || names_include(p.targets, t.name)) &&
                    (p.vantage_points.empty() || names_include(p.vantage_points, v.name)))
                    return out;
    std::string why = "no row matches";
    std::vector<std::string> asked;
    if (!probes.empty()) asked.push_back("probe " + quoted_names(probes));
    if (!targets.empty()) asked.push_back("target " + quoted_names(targets));
    if (!vantages.empty()) asked.push_back("vantage " + quoted_names(vantages));
    for (std::size_t i = 0; i < asked.size(); ++i) why += (i == 0 ? " " : " and ") + asked[i];
    for (const auto& p : out.probes) {
        if (!p.targets.empty() && !targets.empty())
            why += "; probe '" + p.name + "' runs only on target " + quoted_names(p.targets);
        if (!p.vantage_points.empty() && !vantages.empty())
            why += "; probe '" + p.name + "' runs only from vantage " + quoted_names(p.vantage_points);
    }
    throw std::invalid_argument(why);
}

std::size_t runner_threads(std::optional<int> asked, unsigned hardware, std::size_t workers) {
    std::size_t n = asked ? static_cast<std::size_t>(std::max(1, *asked))
                          : std::clamp<std::size_t>(hardware, 1, static_cast<std::size_t>(kMaxDefaultThreads));
    return std::max<std::size_t>(1, std::min(n, workers));
}

namespace {

// What one thread of a run owns. Its probes run as coroutines on its io_context, so a probe's timers, sockets
// and StopSignal are only ever touched by this thread. The vantage sockets too: open_vantage_socket runs in
// the probe's coroutine on this thread, enters the vantage namespace with setns (which changes only the
// calling thread) and switches back before it returns, with no co_await in between, so this thread never
// runs another probe's code while inside a vantage namespace, and each thread opens its own probes' sockets.
struct RunThread {
    asio::io_context io{1};  // one thread runs it: no locking inside Asio
    // here.stop: this thread's probes subscribe there (null = nothing can stop the run); here.load: how late this
    // thread's loop runs, made on the thread by start_thread, given to its probes and the admission gate's measure.
    ThreadShared here;
    std::size_t workers = 0;  // coroutines taking rows
    std::size_t workers_running = 0;  // of them, not yet ended (only this thread touches it)
    std::size_t spawned = 0;  // of them, started by start_thread
    int in_flight = 0;  // this thread's probes in flight (only this thread touches it)
    // Keeps io.run() from returning before the workers are spawned.
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> hold;
    std::thread thread;  // not joinable for thread 0: the caller's thread runs it

    RunThread() = default;
    RunThread(const RunThread&) = delete;
    RunThread& operator=(const RunThread&) = delete;
    // Only on a way out by exception (a run joins its threads itself): the thread ends before its io_context.
    ~RunThread() {
        if (!thread.joinable()) return;
        hold.reset();
        io.stop();
        thread.join();
    }
};

// What all threads of a run share. The ledger and `remote` are thread-safe; each row of `result`, `started`
// and `row_in_flight` is written only by the worker that took the row (each row is taken once), and read after
// every thread is joined.
struct Run {
    Run(const std::vector<PlannedRow>& rows, const RunOptions& options, std::size_t runs_per_row, ScenarioResult& out)
        : plan(rows),
          opt(options),
          count(runs_per_row),
          result(out),
          ledger(rows.size(), runs_per_row, options.progress),
          started(rows.size(), 0),
          row_in_flight(rows.size(), 0) {}

    const std::vector<PlannedRow>& plan;
    const RunOptions& opt;
    std::size_t count;
    ScenarioResult& result;
    RunLedger ledger;
    std::shared_ptr<probes::RemoteStop> remote;  // every stop request goes here; null = nothing can stop the run
    // The trust anchors (and TLS context) of each distinct CA file, and of the system store, loaded once for the
    // whole run when a row first needs them. Per run: each scrape of `serve` is a run, so a CA file replaced
    // between scrapes is read anew by the next one. Thread-safe: a mutex round the map; a TrustSource is not changed
    // after load (its TLS context is made once, under std::call_once) and OpenSSL verifies against it from any thread.
    // Whatever is added here is shared by the probes of every thread: it must be thread-safe too.
    // The IKEv2 Diffie-Hellman key pairs, one per group, reused by the run's exchanges within the cache's limits (RFC
    // 7296 2.12; a probe with `fresh_key_share: true` takes none): thread-safe, a mutex round the map.
    const RunShared shared{std::make_shared<probes::TrustCache>(), std::make_shared<probes::KeyShareCache>()};
    std::vector<std::size_t> started;  // runs of each row that started
    std::vector<int> row_in_flight;
    std::atomic<std::size_t> workers_left{0};
    std::mutex error_mutex;
    std::exception_ptr error;  // the first exception out of a worker, rethrown after the threads are joined

    bool stop_requested() const { return remote && remote->requested(); }
};

// Takes rows from the shared queue until none is left or a stop is requested, and runs each row's repeats one
// after another: at most one run of a row is in flight, so a row's timings measure the target, not the load of
// its own repeats (rows still run in parallel, up to `parallel` at once over all threads).
asio::awaitable<void> worker(Run& run, RunThread& self) {
    while (!run.stop_requested()) {
        const std::optional<std::size_t> taken = run.ledger.take_row();
        if (!taken) break;
        const std::size_t row = *taken;
        auto& rr = run.result.rows[row];
        for (std::size_t repeat = 0; repeat < run.count; ++repeat) {
            if (run.stop_requested()) break;  // no new run after a stop request
            // Not while this thread's loop is overloaded (unless none of its probes is in flight: then the lag is
            // not ours, and waiting would never end).
            co_await admit(
                *self.here.load, admission_bound(run.plan[row].probe->timeout), [&self] { return self.in_flight == 0; },
                self.here.stop);
            if (run.stop_requested()) break;
            ++self.in_flight;
            ++run.started[row];
            run.ledger.run_started();
            rr.peak_in_flight = std::max(rr.peak_in_flight, ++run.row_in_flight[row]);
            if (run.opt.run_started) run.opt.run_started(row);
            rr.runs[repeat] = co_await run_once(run.plan[row], self.here, run.shared);
            --self.in_flight;
            --run.row_in_flight[row];
            run.ledger.run_ended();
        }
    }
}

// Starts a thread's lag monitor and its workers, on the thread itself (its io_context is run by one thread, so the
// monitor's timer is only touched there), a few workers per tick of the monitor rather than all at once: a thousand
// probes started in one go would saturate the loop before the admission gate has seen any lag (after a stop they
// go at once, to end). The monitor stops with the thread's last worker, so that its io.run() may return.
asio::awaitable<void> start_thread(Run& run, RunThread& self, std::function<void(std::exception_ptr)> ended) {
    self.here.load = probes::LoadMonitor::start(self.io);
    self.workers_running = self.workers;
    if (self.workers == 0) self.here.load->stop();
    asio::steady_timer pace(self.io);
    for (std::size_t w = 0; w < self.workers; ++w) {
        if (w > 0 && w % probes::LoadMonitor::kReleasePerTick == 0 && !run.stop_requested()) {
            pace.expires_after(probes::kLagTick);
            co_await pace.async_wait(asio::use_awaitable);
        }
        asio::co_spawn(self.io, worker(run, self), [&self, ended](std::exception_ptr error) {
            if (--self.workers_running == 0) self.here.load->stop();
            ended(error);
        });
        ++self.spawned;
    }
}

// io_context::run until it has nothing left to do; an exception out of a handler is kept and the loop goes on
// (Asio allows run() again after one), so the other workers of the thread still end.
void run_until_done(Run& run, asio::io_context& io) {
    for (;;) {
        try {
            io.run();
            return;
        } catch (...) {
            std::lock_guard<std::mutex> lock(run.error_mutex);
            if (!run.error) run.error = std::current_exception();
        }
    }
}

}  // namespace

ScenarioResult run_scenario(const Scenario& s, const RunOptions& opt) {
    auto start = std::chrono::steady_clock::now();
    std::optional<probes::CertificateFacts> candidate;
    if (opt.compare_with) {
        auto certs = probes::load_pem_certificates(*opt.compare_with);
        if (certs.empty()) throw std::runtime_error(*opt.compare_with + ": no certificate in the file");
        candidate = probes::inspect_certificate(certs.front(), std::time(nullptr));
    }
    ScenarioResult result;
    result.name = s.name;
    result.file = s.file;
    Scenario capped;
    const Scenario* scenario = &s;
    if (opt.max_timeout && std::isfinite(*opt.max_timeout)) {  // a NaN cap would cap nothing predictably
        capped = s;
        for (auto& p : capped.probes) p.timeout = std::min(p.timeout, std::max(0.1, *opt.max_timeout));
        scenario = &capped;
    }
    auto plan = plan_rows(*scenario);
    const int count = std::max(1, opt.count.value_or(s.count));
    const std::size_t parallel = static_cast<std::size_t>(std::max(1, opt.parallel.value_or(s.parallel)));
    result.rows.resize(plan.size());
    for (std::size_t i = 0; i < plan.size(); ++i) {
        auto& r = result.rows[i];
        r.probe = plan[i].probe->name;
        r.type = plan[i].probe->kind().name();
        r.target = plan[i].target->name;
        r.host = plan[i].target->host;
        r.address = plan[i].address;
        r.vantage = plan[i].vantage->name;
        r.runs.resize(static_cast<std::size_t>(count));
    }
    Run run(plan, opt, static_cast<std::size_t>(count), result);
    run.remote = opt.remote_stop;
    if (!run.remote && opt.stop_on_signals) run.remote = std::make_shared<probes::RemoteStop>();

    // Threads 1..n-1 run their io_contexts; the caller's thread runs thread 0's. They start first, held by a work
    // guard until their workers are spawned: a thread that cannot be made (EAGAIN: a thread limit) only means a
    // run on fewer threads.
    const std::size_t workers = std::min(parallel, plan.size());
    const std::size_t thread_count = runner_threads(opt.threads, std::thread::hardware_concurrency(), workers);
    std::vector<std::unique_ptr<RunThread>> threads;
    threads.push_back(std::make_unique<RunThread>());
    // An io_context makes its reactor (epoll, an eventfd, a timerfd) on first use of a timer or socket: made here for
    // thread 0 first, then for each further thread before it starts, so that a process short of descriptors runs on
    // fewer threads rather than failing on one (and its probes report the shortage as the harness's, row by row).
    { asio::steady_timer reactor_now(threads.front()->io); }
    for (std::size_t t = 1; t < thread_count; ++t) {
        std::unique_ptr<RunThread> self;
        try {
            self = std::make_unique<RunThread>();
            { asio::steady_timer reactor_now(self->io); }
            self->hold.emplace(self->io.get_executor());
            self->thread = std::thread([&run, io = &self->io] { run_until_done(run, *io); });
        } catch (const std::exception&) {  // std::system_error from std::thread, boost's from the io_context
            break;
        }
        threads.push_back(std::move(self));
    }
    // The workers (the in-flight bound) spread over the threads as evenly as they go.
    for (std::size_t t = 0; t < threads.size(); ++t) {
        threads[t]->workers = workers / threads.size() + (t < workers % threads.size() ? 1 : 0);
        if (run.remote) threads[t]->here.stop = std::make_shared<probes::StopSignal>();
    }
    // A stop request (a signal on thread 0, serve's shutdown, a test), from whichever thread, is posted to every
    // thread's io_context: each thread's probes are told on their own thread. Detached before the io_contexts go,
    // however this function ends: nothing may be posted to them after (declared after `threads`, so it goes
    // first).
    if (run.remote)
        run.remote->attach([&threads](const std::string& reason) {
            for (auto& t : threads) asio::post(t->io, [stop = t->here.stop, reason] { stop->request(reason); });
        });
    struct Detach {
        probes::RemoteStop* remote;
        ~Detach() {
            if (remote) remote->detach();
        }
    } detach_on_exit{run.remote.get()};
    // SIGINT/SIGTERM, heard on thread 0, stop the run on every thread. Declared after `threads`: it goes before
    // thread 0's io_context.
    std::optional<probes::SignalStop> signals;
    if (opt.stop_on_signals)
        signals.emplace(threads.front()->io,
                        [remote = run.remote](const std::string& reason) { remote->request(reason); });
    run.workers_left = workers;
    // The last worker to end, on any thread, lets thread 0's io.run() return (its signal_set keeps it waiting
    // until then), by posting to thread 0: the signal_set is only touched there.
    auto worker_ended = [&run, &threads, &signals](std::exception_ptr error) {
        if (error) {
            std::lock_guard<std::mutex> lock(run.error_mutex);
            if (!run.error) run.error = error;
        }
        if (--run.workers_left == 0 && signals) asio::post(threads.front()->io, [&signals] { signals->done(); });
    };
    for (auto& t : threads) {
        RunThread* self = t.get();
        // Should starting fail (no memory), the workers it did not start count as ended, with its error, and the
        // thread's monitor stops, so that every io.run() still returns.
        asio::co_spawn(self->io, start_thread(run, *self, worker_ended),
                       [self, &worker_ended](std::exception_ptr error) {
                           if (!error) return;
                           for (std::size_t w = self->spawned; w < self->workers; ++w)
                               worker_ended(w == self->spawned ? error : nullptr);
                           if (self->here.load) self->here.load->stop();
                       });
    }
    if (workers == 0 && signals) signals->done();
    for (auto& t : threads) t->hold.reset();  // each io.run() now returns when its workers are done
    run_until_done(run, threads.front()->io);
    for (auto& t : threads)
        if (t->thread.joinable()) t->thread.join();
    if (run.error) std::rethrow_exception(run.error);
    for (const auto& t : threads)
        if (t->here.load) add_load_record(result.load, *t->here.load);
    if (run.stop_requested()) {
        result.interrupted_by = run.remote->reason();
        result.interrupt_signal = signals ? signals->signal() : 0;
    }
    result.peak_in_flight = run.ledger.peak_in_flight();
    for (std::size_t i = 0; i < plan.size(); ++i) {
        auto& r = result.rows[i];
        const std::size_t started = run.started[i];
        // Interrupted: keep the runs that started; a row that never started gets one run that says so.
        if (started < r.runs.size()) {
            r.runs.resize(started);
            if (r.runs.empty()) r.runs.push_back(not_started(plan[i], result.interrupted_by));
            r.interrupted = true;
        }
        if (r.last().interrupted()) r.interrupted = true;
        for (const auto& one : r.runs)
            r.event_loop_lag_seconds = std::max(r.event_loop_lag_seconds, one.outcome().event_loop_lag_seconds);
        if (r.address.empty()) r.address = r.last().address();
        r.outcomes = evaluate_runs(expectations_for(*plan[i].probe, r.vantage), r.runs);
        r.passed =
            !r.interrupted && std::all_of(r.outcomes.begin(), r.outcomes.end(), [](const auto& o) { return o.held; });
        r.timings = timing_stats(r.runs);
        if (candidate && !r.last().chain().empty())
            r.comparison = compare_certificates(r.last().chain().front(), *candidate);
    }
    result.total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

}  // namespace vpnprobe::scenarios
