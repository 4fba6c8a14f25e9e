// Prometheus text exposition (format 0.0.4). Names follow blackbox_exporter where the meaning is the same,
// so existing dashboards and alerts work: probe_success, probe_duration_seconds (without `phase` the whole
// probe, with `phase` one phase, as probe_http_duration_seconds{phase} does for HTTP),
// probe_ssl_earliest_cert_expiry, probe_ssl_last_chain_info, probe_tls_version_info, probe_tls_cipher_info.
// IKE facts and the harness's own verdicts are vpnprobe_*. Every series carries the row's identity:
// target, address, vantage, probe, type.
#include <algorithm>
#include <map>

#include "scenarios/exposition.hpp"
#include "scenarios/probe_kind.hpp"
#include "scenarios/reports.hpp"

namespace vpnprobe::scenarios {

using prometheus::label;

namespace {

// The kinds in the order of their names: the order of their families does not depend on registration.
std::vector<const ProbeKind*> kinds_by_name() {
    auto kinds = probe_kinds();
    std::sort(kinds.begin(), kinds.end(), [](const auto* a, const auto* b) { return a->name() < b->name(); });
    return kinds;
}

// The tunnel of a row that logs in, whichever kind: up or not, the address assigned, the echoes' round trips and
// loss. A row without credentials has none of these series (it did not try).
void tunnel_samples(Exposition& e, const std::string& id, const TunnelFacts& t) {
    e.sample("vpnprobe_tunnel_up", id, t.connected ? 1 : 0);
    if (t.connected && !t.address.empty())
        e.sample("vpnprobe_tunnel_address_info", id + "," + label("assigned_address", t.address), 1);
    if (!t.rtt_ms.empty()) {
        auto rtt = t.rtt_ms;
        std::sort(rtt.begin(), rtt.end());
        const std::size_t median = (rtt.size() + 1) / 2 - 1;  // nearest rank, as the timings' median
        e.sample("vpnprobe_tunnel_echo_rtt_seconds", id + "," + label("stat", "min"), rtt.front() / 1000);
        e.sample("vpnprobe_tunnel_echo_rtt_seconds", id + "," + label("stat", "median"), rtt[median] / 1000);
        e.sample("vpnprobe_tunnel_echo_rtt_seconds", id + "," + label("stat", "max"), rtt.back() / 1000);
    }
    if (t.echoes_sent > 0) e.sample("vpnprobe_tunnel_echo_loss", id, t.loss());
}

}  // namespace

std::string report_prometheus(const ScenarioResult& r) {
    Exposition e;
    e.family("probe_success", "gauge", "Whether every expectation of the probe held (1) or not (0)");
    e.family("probe_duration_seconds", "gauge",
             "How long the probe took: without phase the whole probe, with phase one phase (median with --count)");
    e.family("probe_ssl_earliest_cert_expiry", "gauge", "Earliest notAfter of the server's chain, Unix time");
    e.family("probe_ssl_last_chain_info", "gauge", "The server's leaf certificate");
    // The kinds' families with blackbox_exporter's names (probe_*) join the shared ones; their own
    // (vpnprobe_*) follow the shared vpnprobe_* ones.
    const auto kinds = kinds_by_name();
    e.only_families_starting_with("probe_");
    for (const auto* k : kinds) k->prometheus_families(e);
    e.only_families_starting_with("");
    e.family("vpnprobe_connection_success", "gauge",
             "Whether the VPN handshake worked and nothing a Windows client refuses was found");
    e.family("vpnprobe_harness_error", "gauge",
             "Whether the probe could not run for a reason on this machine (1: no namespace, unreadable CA, no file "
             "descriptors, ...), which says nothing about the target");
    e.family("vpnprobe_expectations_failed", "gauge", "Expectations of the scenario that did not hold");
    e.family("vpnprobe_failed_phase_info", "gauge", "The phase that failed, when one did");
    e.family("vpnprobe_windows_error_info", "gauge", "What a Windows client would show, when it would fail");
    e.family("vpnprobe_runs", "gauge", "Runs of the probe in this scrape (--count)");
    e.family("vpnprobe_interrupted", "gauge",
             "Whether the run was stopped (SIGINT, SIGTERM) before the probe finished (1): probe_success is then 0");
    e.family("vpnprobe_event_loop_lag_seconds", "gauge",
             "The worst lag of vpnprobe's own event loop while the probe ran: above 0.25 its timings include our "
             "own queueing, and a timeout during it is a harness error (vpnprobe_harness_error 1)");
    e.family("vpnprobe_tunnel_up", "gauge",
             "Whether the probe logged in and its tunnel came up with an address (only rows with credentials)");
    e.family("vpnprobe_tunnel_address_info", "gauge", "The address the tunnel was assigned");
    e.family("vpnprobe_tunnel_echo_rtt_seconds", "gauge",
             "Round trip of the echo requests through the tunnel that were answered: min, median and max (stat)");
    e.family("vpnprobe_tunnel_echo_loss", "gauge",
             "Echo requests through the tunnel that got no reply, as a fraction from 0 to 1");
    for (const auto* k : kinds) k->prometheus_families(e);
    for (const auto& row : r.rows) {
        const ProbeRun& run = row.last();
        std::string id = label("target", row.target) + "," + label("address", row.address) + "," +
                         label("vantage", row.vantage) + "," + label("probe", row.probe) + "," +
                         label("type", row.type);
        // A harness error never passes (expectations.cpp), so probe_success is 0 for it too.
        e.sample("probe_success", id, row.passed ? 1 : 0);
        e.sample("vpnprobe_connection_success", id, run.success() ? 1 : 0);
        e.sample("vpnprobe_harness_error", id, row.harness_error().empty() ? 0 : 1);
        const auto& timings = row.timings;
        e.sample("probe_duration_seconds", id, timings.empty() ? run.total_seconds() : timings.front().median);
        for (std::size_t i = 1; i < timings.size(); ++i)
            e.sample("probe_duration_seconds", id + "," + label("phase", timings[i].phase), timings[i].median);
        int failed = 0;
        for (const auto& o : row.outcomes) failed += o.held ? 0 : 1;
        e.sample("vpnprobe_expectations_failed", id, failed);
        e.sample("vpnprobe_runs", id, static_cast<double>(row.runs.size()));
        e.sample("vpnprobe_interrupted", id, row.interrupted ? 1 : 0);
        e.sample("vpnprobe_event_loop_lag_seconds", id, row.event_loop_lag_seconds);
        if (!run.failed_phase().empty())
            e.sample("vpnprobe_failed_phase_info", id + "," + label("phase", run.failed_phase()), 1);
        if (!run.windows_error().empty())
            e.sample("vpnprobe_windows_error_info", id + "," + label("error", run.windows_error()), 1);
        const auto& chain = run.chain();
        if (!chain.empty()) {
            std::time_t earliest = chain.front().not_after;
            for (const auto& c : chain) earliest = std::min(earliest, c.not_after);
            e.sample("probe_ssl_earliest_cert_expiry", id, static_cast<double>(earliest));
            const auto& leaf = chain.front();
            std::string sans;
            for (const auto& d : leaf.san_dns) sans += (sans.empty() ? "" : ",") + d;
            for (const auto& d : leaf.san_ip) sans += (sans.empty() ? "" : ",") + d;
            std::string fp;
            for (char c : leaf.sha256_fingerprint)
                if (c != ':') fp += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            e.sample("probe_ssl_last_chain_info",
                     id + "," + label("fingerprint_sha256", fp) + "," + label("subject", leaf.subject) + "," +
                         label("issuer", leaf.issuer) + "," + label("subjectalternative", sans),
                     1);
        }
        if (const auto tunnel = run.kind().tunnel(run.result)) tunnel_samples(e, id, *tunnel);
        run.kind().prometheus_samples(e, id, run.result);
    }
    return e.text();
}

}  // namespace vpnprobe::scenarios
