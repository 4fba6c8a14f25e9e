// The SSTP probe kind: everything the scenarios, the reports and `vpnprobe run` know of SSTP, in one place.
#include "scenarios/kinds/sstp.hpp"

#include <boost/asio/awaitable.hpp>

#include <arpa/inet.h>

#include "probes/limits.hpp"
#include "probes/sstp/sstp_json.hpp"
#include "scenarios/exposition.hpp"
#include "scenarios/judge.hpp"
#include "scenarios/probe_kind.hpp"
#include "scenarios/yaml_reader.hpp"

namespace vpnprobe::scenarios {

namespace {

using judging::contains;
using judging::join;
using prometheus::label;

const std::vector<std::string> kTlsVersions{"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"};

int tls_rank(const std::string& v) {
    auto it = std::find(kTlsVersions.begin(), kTlsVersions.end(), v);
    return it == kTlsVersions.end() ? -1 : static_cast<int>(it - kTlsVersions.begin());
}

// blackbox_exporter spells versions "TLS 1.3"; OpenSSL "TLSv1.3".
std::string blackbox_tls_version(const std::string& v) {
    if (v.rfind("TLSv", 0) == 0) return "TLS " + (v.size() == 5 ? v.substr(4) + ".0" : v.substr(4));
    return v;
}

const probes::SstpResult& sstp(const ProbeResult& r) { return std::get<probes::SstpResult>(r); }

// The probe's options, the credentials without their password: the diagnosis needs no more, and the password is
// read only by run(), as the probe starts.
probes::SstpOptions probe_options(const RowTarget& t, const KindOptions& options) {
    const auto& s = std::get<SstpProbeOptions>(options);
    probes::SstpOptions o;
    o.host = t.host;
    o.port = t.port;
    o.address = t.address;
    o.tls.sni = t.name_clients_dial;
    o.tls.ca_file = t.ca;
    if (t.trust) o.tls.trust = t.trust->get(t.ca);  // every SSTP probe verifies a chain
    o.vantage = t.vantage;
    o.timeout_seconds = t.timeout;
    o.phase_timeout_seconds = s.phase_timeout;
    o.stop = t.stop;
    o.load = t.load;
    if (t.credentials) {
        o.credentials = probes::SstpCredentials{t.credentials->user, "", s.allow_weak_auth};
        o.ping = s.ping;
        o.ping_count = s.ping_count;
    }
    return o;
}

bool is_ipv4(const std::string& a) {
    unsigned char buf[4];
    return ::inet_pton(AF_INET, a.c_str(), buf) == 1;
}

class Sstp final : public ProbeKind {
public:
    std::string name() const override { return "sstp"; }
    std::uint16_t default_port() const override { return 443; }
    std::vector<std::string> phases() const override {
        return {"resolve",  "tcp_connect",    "tls_handshake", "http",      "call_connect", "ppp_lcp",
                "ppp_auth", "call_connected", "ipcp",          "data_path", "disconnect"};
    }
    const std::vector<KindOption>& options() const override {
        static const std::vector<KindOption> all{
            {"phase_timeout",
             KindOption::Type::seconds,
             0,
             probes::kMaxPhaseTimeoutSeconds,
             {},
             "--phase-timeout",
             "Deadline for each phase, seconds; 0 = the whole deadline (default: --timeout)"},
            {"ping",
             KindOption::Type::string,
             0,
             0,
             {},
             "--ping",
             "With --user: IPv4 address to send ICMP echo requests to through the tunnel"},
            {"ping_count",
             KindOption::Type::integer,
             1,
             probes::kMaxPingCount,
             {},
             "--ping-count",
             "Echo requests to send with --ping"},
            {"allow_weak_auth",
             KindOption::Type::boolean,
             0,
             0,
             {},
             "--allow-weak-auth",
             "With --user: answer PAP or CHAP-MD5 when the server asks for them (reported as weak)"},
        };
        return all;
    }

    KindOptions default_options() const override { return SstpProbeOptions{}; }
    KindOptions read_options(YamlReader& r, const YAML::Node& o) const override {
        SstpProbeOptions s;
        const auto& phase_timeout = option("phase_timeout");
        if (o["phase_timeout"])
            s.phase_timeout = r.number(o["phase_timeout"], "phase_timeout", phase_timeout.min, phase_timeout.max);
        if (o["ping"]) {
            s.ping = r.nonempty(o["ping"], "ping");
            if (!is_ipv4(s.ping))
                r.fail(o["ping"],
                       "ping must be an IPv4 address (the tunnel's IPCP carries IPv4), not '" + s.ping + "'");
        }
        if (o["ping_count"]) {
            if (!o["ping"]) r.fail(o["ping_count"], "ping_count needs ping (the address to send echo requests to)");
            const auto& count = option("ping_count");
            s.ping_count = static_cast<int>(
                r.integer(o["ping_count"], "ping_count", static_cast<long>(count.min), static_cast<long>(count.max)));
        }
        if (o["allow_weak_auth"]) s.allow_weak_auth = r.boolean(o["allow_weak_auth"], "allow_weak_auth");
        return s;
    }
    std::set<std::string> expect_keys() const override { return {"tls", "sstp"}; }
    void read_expect(YamlReader& r, const YAML::Node& n, KindExpects& kinds) const override {
        auto& e = std::get<SstpExpect>(kinds);
        if (n["tls"]) {
            const auto t = n["tls"];
            r.expect_map(t, "expect.tls");
            r.only_keys(t, {"min_version", "ciphers"}, "expect.tls");
            if (t["min_version"]) {
                e.tls.min_version = r.string(t["min_version"], "tls.min_version");
                if (tls_rank(*e.tls.min_version) < 0)
                    r.fail(t["min_version"], "tls.min_version must be one of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3");
            }
            if (t["ciphers"]) e.tls.ciphers = r.strings(t["ciphers"], "tls.ciphers");
        }
        if (n["sstp"]) {
            const auto s = n["sstp"];
            r.expect_map(s, "expect.sstp");
            r.only_keys(s, {"crypto_binding_hash"}, "expect.sstp");
            if (s["crypto_binding_hash"]) {
                e.crypto_binding_hash = r.string(s["crypto_binding_hash"], "sstp.crypto_binding_hash");
                if (*e.crypto_binding_hash != "SHA1" && *e.crypto_binding_hash != "SHA256")
                    r.fail(s["crypto_binding_hash"], "sstp.crypto_binding_hash must be SHA1 or SHA256");
            }
        }
    }

    bool takes_credentials() const override { return true; }
    bool pings(const KindOptions& options) const override { return !std::get<SstpProbeOptions>(options).ping.empty(); }
    std::optional<TunnelFacts> tunnel(const ProbeResult& result) const override {
        const auto& t = sstp(result).tunnel;
        if (!t.credentials_given) return std::nullopt;
        TunnelFacts f;
        f.credentials_withheld = t.credentials_withheld;
        f.connected = t.connected;
        f.address = t.address;
        f.dns = t.dns;
        f.ping_target = t.ping_target;
        f.echoes_sent = static_cast<int>(t.echoes.size());
        f.echo_replies = t.echo_replies;
        for (const auto& e : t.echoes)
            if (e.replied) f.rtt_ms.push_back(e.rtt_ms);
        return f;
    }

    boost::asio::awaitable<ProbeResult> run(const RowTarget& t, const KindOptions& options) const override {
        probes::SstpOptions o = probe_options(t, options);
        // Read as the probe starts (a file that cannot be read now is this row's harness error); it lives in
        // the probe's options until the probe ends, and no result has a place for it.
        if (t.credentials) o.credentials->password = t.credentials->read_password();
        probes::SstpResult r = co_await probes::sstp_probe(std::move(o));
        co_return r;
    }
    void diagnose(ProbeResult& result, const RowTarget& t, const KindOptions& options) const override {
        probes::diagnose_sstp(std::get<probes::SstpResult>(result), probe_options(t, options));
    }
    ProbeResult empty_result() const override { return probes::SstpResult{}; }

    const std::vector<probes::CertificateFacts>& chain(const ProbeResult& r) const override {
        static const std::vector<probes::CertificateFacts> none;
        return sstp(r).tls ? sstp(r).tls->chain : none;
    }
    const probes::ChainVerdict* chain_verdict(const ProbeResult& r) const override {
        return sstp(r).tls ? &sstp(r).tls->chain_verdict : nullptr;
    }
    probes::winerr::WindowsError expired_certificate_error() const override { return probes::winerr::CERT_E_EXPIRED; }
    boost::json::object to_json(const ProbeResult& r) const override { return probes::to_json(sstp(r)); }
    void text_facts(const ProbeResult& r, std::vector<std::string>& parts) const override {
        if (sstp(r).tls) parts.push_back(sstp(r).tls->version + " " + sstp(r).tls->cipher);
    }

    void prometheus_families(Exposition& e) const override {
        e.family("probe_tls_version_info", "gauge", "TLS version of the SSTP session");
        e.family("probe_tls_cipher_info", "gauge", "TLS cipher suite of the SSTP session");
        e.family("vpnprobe_sstp_crypto_binding_hash_info", "gauge", "Crypto binding hash the SSTP server offers");
    }
    void prometheus_samples(Exposition& e, const std::string& id, const ProbeResult& result) const override {
        const auto& r = sstp(result);
        if (r.tls) {
            e.sample("probe_tls_version_info", id + "," + label("version", blackbox_tls_version(r.tls->version)), 1);
            e.sample("probe_tls_cipher_info", id + "," + label("cipher", r.tls->cipher), 1);
        }
        for (const auto& h : r.sstp.hash_protocols)
            e.sample("vpnprobe_sstp_crypto_binding_hash_info", id + "," + label("hash", h), 1);
    }

    void judge(Judge& j, const KindExpects& kinds, const ProbeRun& run) const override {
        const auto& e = std::get<SstpExpect>(kinds);
        const auto& r = run.as<probes::SstpResult>();
        if (e.tls.any()) {
            const auto& tls = r.tls;
            if (!tls) {
                j.check("tls", "a TLS session", "no TLS session", false, j.why(), run.windows_error());
            } else {
                if (e.tls.min_version)
                    j.check("tls.min_version", ">= " + *e.tls.min_version, tls->version,
                            tls_rank(tls->version) >= tls_rank(*e.tls.min_version));
                if (!e.tls.ciphers.empty())
                    j.check("tls.ciphers", "one of " + join(e.tls.ciphers), tls->cipher,
                            contains(e.tls.ciphers, tls->cipher));
            }
        }
        if (e.crypto_binding_hash) {
            const auto& h = r.sstp.hash_protocols;
            j.check("sstp.crypto_binding_hash", "offers " + *e.crypto_binding_hash,
                    h.empty() ? "(no CALL_CONNECT_ACK)" : join(h), contains(h, *e.crypto_binding_hash),
                    h.empty() ? j.why() : "");
        }
    }
};

}  // namespace

const ProbeKind& SstpKind::kind() {
    static const Sstp kind;
    return kind;
}

}  // namespace vpnprobe::scenarios
