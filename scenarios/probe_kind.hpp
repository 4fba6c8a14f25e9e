// The registry of probe kinds: everything the scenarios and the CLI know of a kind (SSTP, IKEv2, ...) is
// reached through its ProbeKind, registered once in scenarios/kinds/kinds.hpp. Code outside a kind's own
// adapter (scenarios/kinds/<kind>.cpp) never branches on a kind: it asks the registry. A kind says
//   - its name, default port and phases (what `type:`, `ports:` and `expect.failed_phase` accept);
//   - its options, described once (KindOption) for the scenario loader, its CLI command and the JSON Schema;
//   - how a scenario row runs it, and its diagnosis;
//   - its result's JSON, one-line text facts, Prometheus series and certificate chain;
//   - its own expectations (`expect.<kind>:`; the shared ones are judged in expectations.cpp).
// tests/unit/test_probe_kinds.cpp enumerates the registry and proves every kind has every piece.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "probes/load_monitor.hpp"
#include "probes/stop_signal.hpp"
#include "probes/trust_source.hpp"
#include "probes/vantage.hpp"
#include "probes/windows_errors.hpp"
#include "scenarios/credentials.hpp"
#include "scenarios/kinds/kinds.hpp"
#include "scenarios/tunnel.hpp"

namespace YAML {
class Node;
}

namespace vpnprobe::probes {
struct CertificateFacts;
struct ChainVerdict;
}  // namespace vpnprobe::probes

namespace vpnprobe::scenarios {

class YamlReader;  // scenarios/yaml_reader.hpp
class Judge;  // scenarios/judge.hpp
class Exposition;  // scenarios/exposition.hpp
struct ProbeRun;
struct ProbeSpec;
struct TargetSpec;
struct VantageSpec;

// One option of a probe kind, described once: the scenario file's `options:` key, its type and range (the
// loader refuses what is outside it, the CLI command checks the same range, the JSON Schema says the same),
// and the CLI command's flag and help line.
struct KindOption {
    enum class Type { seconds, integer, boolean, string, strings, choice };
    std::string key;  // in a scenario's `options:`: "phase_timeout"
    Type type = Type::string;
    double min = 0, max = 0;  // seconds and integer
    std::vector<std::string> choices;  // choice
    std::string cli_flag;  // the kind's command's option: "--phase-timeout"; a boolean's flag may say the opposite
        // ("--no-fragmentation" for `fragmentation: false`)
    std::string help;  // the command's help line
};

// Where one row of a scenario goes, and from where: what every kind's run needs besides its own options.
struct RowTarget {
    std::string host;
    std::uint16_t port = 0;  // the target's port for this kind (ports.<kind>, else the kind's default)
    std::string address;  // "" = let the probe resolve
    std::string name_clients_dial;  // TLS SNI / the certificate name check
    std::optional<std::string> ca;
    // The run's trust sources: a kind takes the one for `ca` (trust->get(ca)) when its probe needs it, so that
    // the run loads each once; nullptr = the probe loads its own.
    std::shared_ptr<probes::TrustCache> trust;
    // The run's IKEv2 Diffie-Hellman key pairs, one per group (probes/ikev2/key_share_cache.hpp), for the kinds
    // whose exchanges may reuse one; nullptr = a fresh key pair for every exchange.
    std::shared_ptr<probes::KeyShareCache> key_shares;
    probes::VantagePoint vantage;
    double timeout = 10;
    std::shared_ptr<probes::StopSignal> stop;
    // The lag monitor of the io_context the row runs on: a kind hands it to its probe (a timeout while the loop
    // ran too late is then the harness's, not the server's); nullptr = not measured.
    std::shared_ptr<probes::LoadMonitor> load;
    // The row's test account (for a kind that logs in): the password is read by the kind's run, as the probe
    // starts, and goes no further than the probe's options. nullopt = no login.
    std::optional<Credentials> credentials;
};

class ProbeKind {
public:
    virtual ~ProbeKind() = default;

    // ---- what it is
    virtual std::string name() const = 0;  // `type:` in a scenario, the CLI subcommand, `probe` in its JSON
    virtual std::uint16_t default_port() const = 0;
    virtual std::vector<std::string> phases() const = 0;  // in order, as its results name them
    virtual const std::vector<KindOption>& options() const = 0;
    const KindOption& option(const std::string& key) const;  // throws std::out_of_range for an unknown key

    // ---- the scenario file
    // Reads `options:` (every key already known to be one of options()); records problems in `r`.
    virtual KindOptions read_options(YamlReader& r, const YAML::Node& options) const = 0;
    virtual KindOptions default_options() const = 0;
    // The keys of `expect:` that are this kind's own ("sstp", "tls"; "ikev2").
    virtual std::set<std::string> expect_keys() const = 0;
    virtual void read_expect(YamlReader& r, const YAML::Node& expect, KindExpects& e) const = 0;
    // Checks across options and expectations, after `expect:` and `expect_by_vantage:` are read (audit_weak for
    // no_weak_accepted; credentials and expect.tunnel with options that do not log in).
    virtual void check_probe(YamlReader&, const YAML::Node& /*probe*/, const ProbeSpec&) const {}

    // ---- logging in (`credentials:`; `expect.tunnel`, judged in expectations.cpp on tunnel())
    // It can go past the handshake with a test account. A kind that cannot gets no `credentials:` on its probes
    // and no `expect.tunnel`.
    virtual bool takes_credentials() const { return false; }
    // Whether a probe with these options logs in when it has credentials (IKEv2's sa_init_only stops before the
    // login): a probe that cannot gets no credentials of its own, no `expect.tunnel`, and not its target's.
    virtual bool logs_in_with(const KindOptions& /*options*/) const { return takes_credentials(); }
    // Its options send echo requests through the tunnel: they need credentials, and they make
    // `expect.tunnel.ping_*` judgeable.
    virtual bool pings(const KindOptions& /*options*/) const { return false; }
    // One run's tunnel in the words every kind shares; nullopt when the run was not asked to log in.
    virtual std::optional<TunnelFacts> tunnel(const ProbeResult& /*result*/) const { return std::nullopt; }

    // ---- running (the probe records; the diagnosis judges what a Windows client would see)
    virtual boost::asio::awaitable<ProbeResult> run(const RowTarget& target, const KindOptions& options) const = 0;
    virtual void diagnose(ProbeResult& result, const RowTarget& target, const KindOptions& options) const = 0;
    // A result of this kind with nothing in it, for a run that failed before the probe could say anything.
    virtual ProbeResult empty_result() const = 0;

    // ---- results
    // The server's certificate chain, leaf first (empty when none came), and its verdict (nullptr: none).
    virtual const std::vector<probes::CertificateFacts>& chain(const ProbeResult& result) const = 0;
    virtual const probes::ChainVerdict* chain_verdict(const ProbeResult& result) const = 0;
    // What a Windows client of this kind shows for an expired server certificate.
    virtual probes::winerr::WindowsError expired_certificate_error() const = 0;
    virtual boost::json::object to_json(const ProbeResult& result) const = 0;
    // The kind's part of a row's one-line facts ("TLSv1.3 TLS_AES_256_GCM_SHA384"); the shared part follows.
    virtual void text_facts(const ProbeResult& result, std::vector<std::string>& parts) const = 0;
    // Its Prometheus families (declared once per report) and the samples of one row's last run.
    virtual void prometheus_families(Exposition& e) const = 0;
    virtual void prometheus_samples(Exposition& e, const std::string& id, const ProbeResult& result) const = 0;

    // ---- its own expectations, judged on one run
    virtual void judge(Judge& j, const KindExpects& expect, const ProbeRun& run) const = 0;
};

// Every kind, in the order of kinds.hpp; a result's or an options' variant index is its kind's index here.
const std::vector<const ProbeKind*>& probe_kinds();
// nullptr when no kind has that name.
const ProbeKind* find_probe_kind(const std::string& name);
// "sstp or ikev2", for messages.
std::string probe_kind_names(const std::string& last_separator = " or ");

}  // namespace vpnprobe::scenarios
