#include "scenarios/expectations.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace vpnprobe::scenarios {

namespace {

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

std::string num(double v, int decimals = 1) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

const char* yes_no(bool b) { return b ? "true" : "false"; }

bool contains(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

int tls_rank(const std::string& v) {
    static const std::vector<std::string> order{"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"};
    auto it = std::find(order.begin(), order.end(), v);
    return it == order.end() ? -1 : static_cast<int>(it - order.begin());
}

class Judge {
public:
    explicit Judge(const ProbeRun& run) : run_(run) {}

    void check(std::string name, std::string expected, std::string actual, bool held, std::string detail = {},
               std::string windows_error = {}) {
        out_.push_back(ExpectationOutcome{std::move(name), std::move(expected), std::move(actual), held,
                                          held ? std::string() : std::move(detail),
                                          held ? std::string() : std::move(windows_error)});
    }
    // Why the connection did not work, in the probe's words, for outcomes that depend on it.
    std::string why() const {
        if (const auto* f = run_.first_error()) return f->check + ": " + f->detail;
        for (const auto& p : run_.phases())
            if (p.outcome != probes::PhaseOutcome::ok) return p.name + ": " + p.error;
        return {};
    }
    // The cause is told in full under the first failed expectation only; the others point at it.
    std::vector<ExpectationOutcome> take() {
        const std::string cause = why();
        bool told = false;
        for (auto& o : out_) {
            if (o.held || cause.empty()) continue;
            auto at = o.detail.find(cause);
            if (at == std::string::npos) continue;
            if (told) o.detail.replace(at, cause.size(), "(the cause above)");
            told = true;
        }
        return std::move(out_);
    }

private:
    const ProbeRun& run_;
    std::vector<ExpectationOutcome> out_;
};

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
                    (run.type == ProbeType::sstp ? "0x800B0101 CERT_E_EXPIRED (-2146762495)" : "13801"));
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

void judge_tls(Judge& j, const TlsExpect& t, const ProbeRun& run) {
    if (!t.any()) return;
    const auto& tls = run.sstp->tls;
    if (!tls) {
        j.check("tls", "a TLS session", "no TLS session", false, j.why(), run.windows_error());
        return;
    }
    if (t.min_version)
        j.check("tls.min_version", ">= " + *t.min_version, tls->version,
                tls_rank(tls->version) >= tls_rank(*t.min_version));
    if (!t.ciphers.empty())
        j.check("tls.ciphers", "one of " + join(t.ciphers), tls->cipher, contains(t.ciphers, tls->cipher));
}

void judge_ikev2(Judge& j, const Ikev2Expect& e, const ProbeRun& run) {
    if (!e.any()) return;
    const auto& f = run.ikev2->ike;
    if (!e.proposal_in.empty())
        j.check("ikev2.proposal_in", "one of " + join(e.proposal_in),
                f.chosen_proposal.empty() ? "(none chosen)" : f.chosen_proposal,
                contains(e.proposal_in, f.chosen_proposal), f.chosen_proposal.empty() ? j.why() : "");
    std::vector<std::string> names;
    for (const auto& n : f.sa_init_notifies) names.push_back(n.name);
    for (const auto& n : e.notifies_present)
        j.check("ikev2.notifies_present", n, names.empty() ? "(none)" : join(names, " "), contains(names, n));
    for (const auto& n : e.notifies_absent)
        j.check("ikev2.notifies_absent", "no " + n, names.empty() ? "(none)" : join(names, " "), !contains(names, n));
    if (e.fragmentation)
        j.check("ikev2.fragmentation", yes_no(*e.fragmentation), yes_no(f.fragmentation_offered),
                f.fragmentation_offered == *e.fragmentation,
                f.fragmentation_offered ? ""
                                        : "the server does not offer IKE fragmentation (RFC 7383): clients behind "
                                          "fragment-dropping paths fail with 809");
    if (e.nat_detected)
        j.check("ikev2.nat_detected", yes_no(*e.nat_detected),
                f.nat_detected ? yes_no(*f.nat_detected) : "unknown (no NAT-D)",
                f.nat_detected && *f.nat_detected == *e.nat_detected);
    if (e.no_weak_accepted) {
        std::vector<std::string> accepted;
        bool complete = !run.ikev2->weak_audit.empty();
        for (const auto& w : run.ikev2->weak_audit) {
            if (w.accepted) accepted.push_back(w.proposal + " (" + w.why_weak + ")");
            if (!w.answered) complete = false;
        }
        bool none = accepted.empty();
        j.check("ikev2.no_weak_accepted",
                *e.no_weak_accepted ? "no weak proposal accepted" : "a weak proposal accepted",
                none ? (complete ? "none accepted" : "audit incomplete") : "accepts " + join(accepted),
                complete && none == *e.no_weak_accepted,
                complete ? "" : "some audit offers got no answer, so the audit proves nothing");
    }
    if (e.certreq_matches_ca)
        j.check("ikev2.certreq_matches_ca", yes_no(*e.certreq_matches_ca),
                f.certreq_matches_ca ? yes_no(*f.certreq_matches_ca) : "no CERTREQ",
                f.certreq_matches_ca && *f.certreq_matches_ca == *e.certreq_matches_ca);
    if (e.auth_verified)
        j.check("ikev2.auth_verified", yes_no(*e.auth_verified),
                f.auth_verified ? yes_no(*f.auth_verified) : "not checked",
                f.auth_verified && *f.auth_verified == *e.auth_verified, f.auth_detail);
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
    if (run.type == ProbeType::sstp) {
        judge_tls(j, e.tls, run);
        if (e.sstp.crypto_binding_hash) {
            const auto& h = run.sstp->sstp.hash_protocols;
            j.check("sstp.crypto_binding_hash", "offers " + *e.sstp.crypto_binding_hash,
                    h.empty() ? "(no CALL_CONNECT_ACK)" : join(h), contains(h, *e.sstp.crypto_binding_hash),
                    h.empty() ? j.why() : "");
        }
    } else {
        judge_ikev2(j, e.ikev2, run);
    }
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
