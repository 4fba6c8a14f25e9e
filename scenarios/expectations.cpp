#include "scenarios/expectations.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "scenarios/address_range.hpp"
#include "scenarios/judge.hpp"
#include "scenarios/probe_kind.hpp"

namespace vpnprobe::scenarios {

namespace {

using namespace judging;

void judge_certificate(Judge& j, const CertificateExpect& c, const ProbeRun& run) {
    if (!c.any()) return;
    const auto& chain = run.chain();
    if (chain.empty()) {
        j.check("certificate", "a server certificate", "none received", false,
                "none of the certificate expectations can hold; " + j.why(), run.windows_error());
        return;
    }
    const auto& leaf = chain.front();
    if (!c.fingerprints.empty()) {
        std::vector<std::string> want;
        for (const auto& f : c.fingerprints) want.push_back(normalise_fingerprint(f));
        std::string got = normalise_fingerprint(leaf.sha256_fingerprint);
        j.check("certificate.fingerprint", (want.size() > 1 ? "one of " : "") + join(c.fingerprints),
                leaf.sha256_fingerprint, contains(want, got),
                "the server presents another certificate (" + leaf.subject + ", not after " +
                    probes::format_time_utc(leaf.not_after) + ")");
    }
    if (c.subject)
        j.check("certificate.subject", "contains " + *c.subject, leaf.subject,
                leaf.subject.find(*c.subject) != std::string::npos);
    if (c.issuer)
        j.check("certificate.issuer", "contains " + *c.issuer, leaf.issuer,
                leaf.issuer.find(*c.issuer) != std::string::npos);
    for (const auto& san : c.san_includes) {
        bool has = contains(leaf.san_dns, san) || contains(leaf.san_ip, san);
        std::vector<std::string> all = leaf.san_dns;
        all.insert(all.end(), leaf.san_ip.begin(), leaf.san_ip.end());
        j.check("certificate.san_includes", san, all.empty() ? "(no SAN)" : join(all), has);
    }
    if (c.min_days_left)
        j.check("certificate.min_days_left", ">= " + num(*c.min_days_left) + " days", num(leaf.days_left) + " days",
                leaf.days_left >= *c.min_days_left,
                "not after " + probes::format_time_utc(leaf.not_after) + ": renew before clients see " +
                    probes::winerr::describe(run.kind().expired_certificate_error()));
    for (const auto& eku : c.ekus)
        j.check("certificate.ekus", "includes " + eku, leaf.ekus.empty() ? "(none)" : join(leaf.ekus),
                contains(leaf.ekus, eku) || contains(leaf.eku_oids, eku));
    if (c.key_type) j.check("certificate.key_type", *c.key_type, leaf.key_type, leaf.key_type == *c.key_type);
    if (c.min_key_bits)
        j.check("certificate.min_key_bits", ">= " + std::to_string(*c.min_key_bits), std::to_string(leaf.key_bits),
                leaf.key_bits >= *c.min_key_bits);
    if (c.signature_algorithm)
        j.check("certificate.signature_algorithm", *c.signature_algorithm, leaf.signature_algorithm,
                leaf.signature_algorithm == *c.signature_algorithm);
    if (c.chain_valid) {
        const auto* v = run.chain_verdict();
        bool valid = v && v->valid;
        j.check("certificate.chain_valid", yes_no(*c.chain_valid),
                valid ? "valid" : (v ? "not valid: " + v->openssl_reason : "not checked"), valid == *c.chain_valid);
    }
}

// `expect.tunnel`, on the kind-neutral tunnel facts (ProbeKind::tunnel). A run that was not asked to log in has
// no tunnel to judge: each expectation says so and fails, never passes for want of facts.
void judge_tunnel(Judge& j, const TunnelExpect& e, const ProbeRun& run) {
    if (!e.any()) return;
    const auto tunnel = run.kind().tunnel(run.result);
    std::vector<std::string> checks;
    if (e.connected) checks.push_back("tunnel.connected");
    if (e.address_in) checks.push_back("tunnel.address_in");
    if (!e.dns_includes.empty()) checks.push_back("tunnel.dns_includes");
    if (e.ping_max_rtt_ms) checks.push_back("tunnel.ping_max_rtt_ms");
    if (e.ping_max_loss) checks.push_back("tunnel.ping_max_loss");
    if (!tunnel) {
        for (const auto& c : checks)
            j.check(c, "a tunnel to judge", "not judged: the probe did not log in (no credentials)", false,
                    "a " + run.kind().name() +
                        " probe logs in only with credentials: {user, password_file | password_env} on the probe or "
                        "its target");
        return;
    }
    const TunnelFacts& t = *tunnel;
    // Why the tunnel is not there, in the probe's words (and a login that was never tried, said so).
    const std::string down = t.credentials_withheld.empty()
                                 ? j.why()
                                 : "no credentials were sent (" + t.credentials_withheld + "); " + j.why();
    const std::string state = t.connected                      ? "connected, address " + t.address
                              : t.credentials_withheld.empty() ? "not connected"
                                                               : "not connected: no credentials sent";
    if (e.connected)
        j.check("tunnel.connected", *e.connected ? "connected" : "not connected", state, t.connected == *e.connected,
                t.connected ? "the tunnel came up where it was expected not to" : down,
                t.connected ? "" : run.windows_error());
    if (e.address_in) {
        const auto range = AddressRange::parse(*e.address_in);
        j.check("tunnel.address_in", "in " + *e.address_in, t.address.empty() ? "no address assigned" : t.address,
                !t.address.empty() && range && range->contains(t.address),
                t.address.empty() ? down : "the server assigned an address outside the range (another pool?)");
    }
    for (const auto& d : e.dns_includes)
        j.check("tunnel.dns_includes", d, t.dns.empty() ? "(no DNS server assigned)" : join(t.dns), contains(t.dns, d),
                t.connected ? "" : down);
    // Echoes: none sent means the tunnel never came up (the loader makes sure the probe sends some when asked).
    const std::string sent = std::to_string(t.echo_replies) + " of " + std::to_string(t.echoes_sent) +
                             " echo requests to " + t.ping_target + " answered";
    if (e.ping_max_rtt_ms) {
        if (t.rtt_ms.empty()) {
            j.check("tunnel.ping_max_rtt_ms", "<= " + num(*e.ping_max_rtt_ms, 1) + " ms",
                    t.echoes_sent == 0 ? "no echo request sent" : "no echo reply (" + sent + ")", false, down);
        } else {
            const double worst = *std::max_element(t.rtt_ms.begin(), t.rtt_ms.end());
            j.check("tunnel.ping_max_rtt_ms", "<= " + num(*e.ping_max_rtt_ms, 1) + " ms",
                    "max " + num(worst, 1) + " ms (" + sent + ")", worst <= *e.ping_max_rtt_ms);
        }
    }
    if (e.ping_max_loss) {
        if (t.echoes_sent == 0)
            j.check("tunnel.ping_max_loss", "<= " + num(*e.ping_max_loss, 2), "no echo request sent", false, down);
        else
            j.check("tunnel.ping_max_loss", "<= " + num(*e.ping_max_loss, 2), num(t.loss(), 2) + " (" + sent + ")",
                    t.loss() <= *e.ping_max_loss, t.echo_replies == 0 ? down : "");
    }
}

void judge_timing(Judge& j, const TimingExpect& t, const ProbeRun& run) {
    if (t.total_max_seconds)
        j.check("timing.total_max_seconds", "<= " + num(*t.total_max_seconds, 3) + " s",
                num(run.total_seconds(), 3) + " s", run.total_seconds() <= *t.total_max_seconds);
    for (const auto& [name, max] : t.phase_max_seconds) {
        const probes::Phase* p = nullptr;
        for (const auto& x : run.phases())
            if (x.name == name) p = &x;
        j.check("timing.phase_max_seconds." + name, "<= " + num(max, 3) + " s",
                p ? num(p->seconds, 3) + " s" : "phase not reached",
                p && p->outcome == probes::PhaseOutcome::ok && p->seconds <= max, p ? p->error : j.why());
    }
}

}  // namespace

std::string normalise_fingerprint(const std::string& fingerprint) {
    std::string hex;
    for (char c : fingerprint)
        if (c != ':' && c != ' ') hex += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return hex;
}

const Expectations& expectations_for(const ProbeSpec& probe, const std::string& vantage) {
    auto it = probe.expect_by_vantage.find(vantage);
    return it == probe.expect_by_vantage.end() ? probe.expect : it->second;
}

std::vector<ExpectationOutcome> evaluate(const Expectations& e, const ProbeRun& run) {
    Judge j(run);
    bool expect_success = e.success.value_or(!e.failed_phase && !e.windows_error);
    std::string outcome =
        run.success() ? "success" : "failure" + (run.failed_phase().empty() ? "" : " in " + run.failed_phase());
    if (e.success || (!e.failed_phase && !e.windows_error))
        j.check("success", expect_success ? "success" : "failure", outcome, run.success() == expect_success,
                run.success() ? "the connection worked where it was expected to fail" : j.why(), run.windows_error());
    if (e.failed_phase)
        j.check("failed_phase", e.failed_phase->empty() ? "no failed phase" : *e.failed_phase,
                run.failed_phase().empty() ? "no failed phase" : run.failed_phase(),
                run.failed_phase() == *e.failed_phase, j.why(), run.windows_error());
    if (e.windows_error)
        j.check("windows_error", "contains " + *e.windows_error,
                run.windows_error().empty() ? "(none)" : run.windows_error(),
                !run.windows_error().empty() && run.windows_error().find(*e.windows_error) != std::string::npos,
                j.why());
    std::vector<std::string> checks;
    for (const auto& f : run.findings()) checks.push_back(f.check);
    for (const auto& f : e.findings)
        j.check("findings", f, checks.empty() ? "(none)" : join(checks), contains(checks, f));
    for (const auto& f : e.no_findings) {
        std::string detail;
        for (const auto& x : run.findings())
            if (x.check == f) detail = x.detail;
        j.check("no_findings", "no " + f, checks.empty() ? "(none)" : join(checks), !contains(checks, f), detail);
    }
    judge_certificate(j, e.certificate, run);
    run.kind().judge(j, e.kinds, run);  // the kind's own: expect.tls and expect.sstp, expect.ikev2, ...
    judge_tunnel(j, e.tunnel, run);
    judge_timing(j, e.timing, run);
    auto out = j.take();
    // A probe that could not run (the harness's own failure) proves nothing about the target: no
    // expectation holds on it, not even `success: false` or `failed_phase`, and the first outcome says why.
    const std::string harness = run.harness_error();
    if (!harness.empty()) {
        for (auto& o : out) {
            if (!o.held) continue;
            o.held = false;
            o.detail = "not judged: the probe did not run (a harness error)";
            o.windows_error.clear();
        }
        out.insert(out.begin(), ExpectationOutcome{"harness", "the probe runs", "it could not run (harness error)",
                                                   false, harness, ""});
        return out;
    }
    // A run timed while our own event loop ran too late: its times include our queueing, so a timing expectation
    // it missed is not judged against the target (a harness error, as an overloaded timeout is); one it met holds.
    const double lag = run.outcome().event_loop_lag_seconds;
    if (lag > std::chrono::duration<double>(probes::kOverloadLag).count()) {
        const std::string words = "timed while vpnprobe's own event loop ran " + num(lag * 1000, 0) +
                                  " ms late (overloaded: lower --parallel or add cores); the time says nothing "
                                  "about the target";
        bool missed = false;
        for (auto& o : out)
            if (!o.held && o.check.rfind("timing.", 0) == 0) {
                missed = true;
                o.detail = "not judged: " + words;
            }
        if (missed)
            out.insert(out.begin(),
                       ExpectationOutcome{"harness", "timings measured by a loop that keeps up",
                                          "the loop ran " + num(lag * 1000, 0) + " ms late", false, words, ""});
    }
    return out;
}

std::vector<ExpectationOutcome> evaluate_runs(const Expectations& e, const std::vector<ProbeRun>& runs) {
    std::vector<ExpectationOutcome> merged;
    std::vector<int> failures;
    for (const auto& run : runs) {
        auto one = evaluate(e, run);
        if (merged.empty()) {
            merged = one;
            failures.assign(one.size(), 0);
            for (std::size_t i = 0; i < one.size(); ++i) failures[i] = one[i].held ? 0 : 1;
            continue;
        }
        // The same expectations in the same order each run (they depend on the spec, except a certificate
        // that one run got and another did not: then the counts differ and the run is judged on its own).
        if (one.size() != merged.size()) {
            for (auto& o : one)
                if (!o.held) merged.push_back(o), failures.push_back(1);
            continue;
        }
        for (std::size_t i = 0; i < one.size(); ++i) {
            if (one[i].held) continue;
            if (failures[i]++ == 0) merged[i] = one[i];
        }
    }
    if (runs.size() > 1)
        for (std::size_t i = 0; i < merged.size(); ++i)
            if (failures[i])
                merged[i].detail = "failed in " + std::to_string(failures[i]) + " of " + std::to_string(runs.size()) +
                                   " runs" + (merged[i].detail.empty() ? "" : "; first: " + merged[i].detail);
    return merged;
}

}  // namespace vpnprobe::scenarios
