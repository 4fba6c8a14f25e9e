#include "scenarios/runner.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cmath>
#include <ctime>
#include <map>
#include <stdexcept>

#include "probes/ikev2/key_share_cache.hpp"
#include "probes/load_monitor.hpp"
#include "probes/net_errors.hpp"
#include "probes/signal_stop.hpp"
#include "scenarios/admission.hpp"
#include "scenarios/expectations.hpp"
#include "scenarios/probe_kind.hpp"

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
    std::shared_ptr<probes::LoadMonitor> load;  // the event loop's lag (each io_context has its own)
};

RowTarget row_target(const PlannedRow& row, std::shared_ptr<probes::StopSignal> stop, const RunShared& shared) {
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
    target.stop = std::move(stop);
    target.load = shared.load;
    return target;
}

// The kind runs its probe, then its diagnosis.
asio::awaitable<ProbeRun> run_probe(const PlannedRow& row, std::shared_ptr<probes::StopSignal> stop,
                                    const RunShared& shared) {
    const ProbeKind& kind = row.probe->kind();
    const RowTarget target = row_target(row, std::move(stop), shared);
    ProbeRun run{co_await kind.run(target, row.probe->options)};
    kind.diagnose(run.result, target, row.probe->options);
    co_return run;
}

asio::awaitable<ProbeRun> run_once(const PlannedRow& row, std::shared_ptr<probes::StopSignal> stop,
                                   const RunShared& shared) {
    std::string error;
    try {
        co_return co_await run_probe(row, stop, shared);
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
    const Scenario* run = &s;
    if (opt.max_timeout && std::isfinite(*opt.max_timeout)) {  // a NaN cap would cap nothing predictably
        capped = s;
        for (auto& p : capped.probes) p.timeout = std::min(p.timeout, std::max(0.1, *opt.max_timeout));
        run = &capped;
    }
    auto plan = plan_rows(*run);
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
    // Each worker takes a whole row and runs its repeats one after another: at most one run of a row is in
    // flight, so a row's timings measure the target, not the load of its own repeats (rows still run in
    // parallel, up to `parallel` at once).
    const std::size_t total = plan.size() * static_cast<std::size_t>(count);
    std::size_t next_row = 0, done = 0;
    int in_flight = 0;
    std::vector<int> row_in_flight(plan.size(), 0);
    std::vector<std::size_t> started(plan.size(), 0);  // runs of each row that started
    // The trust anchors (and TLS context) of each distinct CA file, and of the system store, loaded once for the
    // whole run when a row first needs them. Per run: each scrape of `serve` is a run, so a CA file replaced
    // between scrapes is read anew by the next one.
    // The IKEv2 Diffie-Hellman key pairs, one per group, reused by the run's exchanges within the cache's limits
    // (RFC 7296 2.12; a probe with `fresh_key_share: true` takes none).
    RunShared shared{std::make_shared<probes::TrustCache>(), std::make_shared<probes::KeyShareCache>(), nullptr};
    asio::io_context io;
    auto stop = opt.stop;
    if (!stop && (opt.stop_on_signals || opt.remote_stop)) stop = std::make_shared<probes::StopSignal>();
    if (opt.remote_stop)
        opt.remote_stop->attach(
            [&io, stop](const std::string& reason) { asio::post(io, [stop, reason] { stop->request(reason); }); });
    // Detached before `io` goes, however this function ends: nothing may be posted to it after.
    struct Detach {
        probes::RemoteStop* remote;
        ~Detach() {
            if (remote) remote->detach();
        }
    } detach_on_exit{opt.remote_stop.get()};
    std::optional<probes::SignalStop> signals;
    if (opt.stop_on_signals) signals.emplace(io, stop);
    // How late this io_context's loop runs: given to every probe on it, and the admission gate's measure.
    auto load = probes::LoadMonitor::start(io);
    shared.load = load;
    const std::size_t workers = std::min(parallel, plan.size());
    std::size_t workers_left = workers;
    auto worker = [&]() -> asio::awaitable<void> {
        while (next_row < plan.size() && !(stop && stop->requested())) {
            std::size_t row = next_row++;
            auto& rr = result.rows[row];
            for (std::size_t repeat = 0; repeat < static_cast<std::size_t>(count); ++repeat) {
                if (stop && stop->requested()) break;  // no new run after a stop request
                // Not while our own loop is overloaded (unless none of ours is in flight: then it is not our load).
                co_await admit(
                    *load, admission_bound(plan[row].probe->timeout), [&in_flight] { return in_flight == 0; }, stop);
                if (stop && stop->requested()) break;
                ++started[row];
                result.peak_in_flight = std::max(result.peak_in_flight, ++in_flight);
                rr.peak_in_flight = std::max(rr.peak_in_flight, ++row_in_flight[row]);
                rr.runs[repeat] = co_await run_once(plan[row], stop, shared);
                --row_in_flight[row];
                --in_flight;
                ++done;
                if (opt.progress) opt.progress(done, total);
            }
        }
        if (--workers_left == 0) {  // nothing left to interrupt or measure: let io.run() return
            if (signals) signals->done();
            load->stop();
        }
    };
    // The workers start a few per tick of the lag monitor, not all at once: a thousand probes started in one
    // go would saturate the loop before the admission gate has seen any lag (after a stop they go at once, to end).
    auto start_workers = [&]() -> asio::awaitable<void> {
        asio::steady_timer pace(io);
        for (std::size_t w = 0; w < workers; ++w) {
            if (w > 0 && w % probes::LoadMonitor::kReleasePerTick == 0 && !(stop && stop->requested())) {
                pace.expires_after(probes::kLagTick);
                co_await pace.async_wait(asio::use_awaitable);
            }
            asio::co_spawn(io, worker, asio::detached);
        }
    };
    asio::co_spawn(io, start_workers, asio::detached);
    if (workers == 0) {
        if (signals) signals->done();
        load->stop();
    }
    io.run();
    add_load_record(result.load, *load);
    if (stop && stop->requested()) {
        result.interrupted_by = stop->reason();
        result.interrupt_signal = signals ? signals->signal() : 0;
    }
    for (std::size_t i = 0; i < plan.size(); ++i) {
        auto& r = result.rows[i];
        // Interrupted: keep the runs that started; a row that never started gets one run that says so.
        if (started[i] < r.runs.size()) {
            r.runs.resize(started[i]);
            if (r.runs.empty()) r.runs.push_back(not_started(plan[i], result.interrupted_by));
            r.interrupted = true;
        }
        if (r.last().interrupted()) r.interrupted = true;
        if (r.address.empty()) r.address = r.last().address();
        r.outcomes = evaluate_runs(expectations_for(*plan[i].probe, r.vantage), r.runs);
        r.passed =
            !r.interrupted && std::all_of(r.outcomes.begin(), r.outcomes.end(), [](const auto& o) { return o.held; });
        r.timings = timing_stats(r.runs);
        for (const auto& run : r.runs)
            r.event_loop_lag_seconds = std::max(r.event_loop_lag_seconds, run.outcome().event_loop_lag_seconds);
        if (candidate && !r.last().chain().empty())
            r.comparison = compare_certificates(r.last().chain().front(), *candidate);
    }
    result.total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

}  // namespace vpnprobe::scenarios
