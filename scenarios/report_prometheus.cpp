// Prometheus text exposition (format 0.0.4). Names follow blackbox_exporter where the meaning is the same,
// so existing dashboards and alerts work: probe_success, probe_duration_seconds (without `phase` the whole
// probe, with `phase` one phase, as probe_http_duration_seconds{phase} does for HTTP),
// probe_ssl_earliest_cert_expiry, probe_ssl_last_chain_info, probe_tls_version_info, probe_tls_cipher_info.
// IKE facts and the harness's own verdicts are vpnprobe_*. Every series carries the row's identity:
// target, address, vantage, probe, type.
#include <cstdio>
#include <map>
#include <sstream>

#include "scenarios/reports.hpp"

namespace vpnprobe::scenarios {

namespace {

std::string escape(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string number(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

// blackbox_exporter spells versions "TLS 1.3"; OpenSSL "TLSv1.3".
std::string blackbox_tls_version(const std::string& v) {
    if (v.rfind("TLSv", 0) == 0) return "TLS " + (v.size() == 5 ? v.substr(4) + ".0" : v.substr(4));
    return v;
}

class Exposition {
public:
    // Families in the order first declared; samples grouped under their family, as the format requires.
    void family(const std::string& name, const std::string& type, const std::string& help) {
        if (families_.count(name)) return;
        order_.push_back(name);
        families_[name] = "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    }
    void sample(const std::string& name, const std::string& labels, double value) {
        families_[name] += name + "{" + labels + "} " + number(value) + "\n";
    }
    std::string text() const {
        std::string s;
        for (const auto& n : order_) s += families_.at(n);
        return s;
    }

private:
    std::vector<std::string> order_;
    std::map<std::string, std::string> families_;
};

std::string label(const std::string& k, const std::string& v) { return k + "=\"" + escape(v) + "\""; }

}  // namespace

std::string report_prometheus(const ScenarioResult& r) {
    Exposition e;
    e.family("probe_success", "gauge", "Whether every expectation of the probe held (1) or not (0)");
    e.family("probe_duration_seconds", "gauge",
             "How long the probe took: without phase the whole probe, with phase one phase (median with --count)");
    e.family("probe_ssl_earliest_cert_expiry", "gauge", "Earliest notAfter of the server's chain, Unix time");
    e.family("probe_ssl_last_chain_info", "gauge", "The server's leaf certificate");
    e.family("probe_tls_version_info", "gauge", "TLS version of the SSTP session");
    e.family("probe_tls_cipher_info", "gauge", "TLS cipher suite of the SSTP session");
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
    e.family("vpnprobe_ike_chosen_proposal_info", "gauge", "IKE proposal the server chose (strongSwan syntax)");
    e.family("vpnprobe_ike_dh_group", "gauge", "Key exchange group the server chose");
    e.family("vpnprobe_ike_fragmentation_offered", "gauge", "Whether the server offered RFC 7383 IKE fragmentation");
    e.family("vpnprobe_ike_fragments_received", "gauge", "SKF fragments of the IKE_AUTH response");
    e.family("vpnprobe_ike_nat_detected", "gauge", "Whether NAT-D showed a NAT between probe and server");
    e.family("vpnprobe_ike_auth_verified", "gauge", "Whether the server's AUTH signature verified");
    e.family("vpnprobe_ike_weak_proposals_accepted", "gauge", "Weak proposals the server accepted (audit_weak)");
    e.family("vpnprobe_sstp_crypto_binding_hash_info", "gauge", "Crypto binding hash the SSTP server offers");
    for (const auto& row : r.rows) {
        const ProbeRun& run = row.last();
        std::string id = label("target", row.target) + "," + label("address", row.address) + "," +
                         label("vantage", row.vantage) + "," + label("probe", row.probe) + "," +
                         label("type", to_string(row.type));
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
        if (run.type == ProbeType::sstp) {
            if (run.sstp->tls) {
                e.sample("probe_tls_version_info",
                         id + "," + label("version", blackbox_tls_version(run.sstp->tls->version)), 1);
                e.sample("probe_tls_cipher_info", id + "," + label("cipher", run.sstp->tls->cipher), 1);
            }
            for (const auto& h : run.sstp->sstp.hash_protocols)
                e.sample("vpnprobe_sstp_crypto_binding_hash_info", id + "," + label("hash", h), 1);
        } else {
            const auto& f = run.ikev2->ike;
            if (!f.chosen_proposal.empty()) {
                e.sample("vpnprobe_ike_chosen_proposal_info", id + "," + label("proposal", f.chosen_proposal), 1);
                e.sample("vpnprobe_ike_dh_group", id, f.dh_group);
                e.sample("vpnprobe_ike_fragmentation_offered", id, f.fragmentation_offered ? 1 : 0);
            }
            if (f.ike_auth_answered) e.sample("vpnprobe_ike_fragments_received", id, f.fragments_received);
            if (f.nat_detected) e.sample("vpnprobe_ike_nat_detected", id, *f.nat_detected ? 1 : 0);
            if (f.auth_verified) e.sample("vpnprobe_ike_auth_verified", id, *f.auth_verified ? 1 : 0);
            if (!run.ikev2->weak_audit.empty()) {
                int accepted = 0;
                for (const auto& w : run.ikev2->weak_audit) accepted += w.accepted ? 1 : 0;
                e.sample("vpnprobe_ike_weak_proposals_accepted", id, accepted);
            }
        }
    }
    return e.text();
}

}  // namespace vpnprobe::scenarios
