// A scenario: which targets to probe, from which vantage points, with which probes, and what must come
// back. Plain data, made by the loader (scenario_loader.hpp) from a YAML file, judged by expectations.hpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "probes/vantage.hpp"
#include "scenarios/credentials.hpp"
#include "scenarios/kinds/kinds.hpp"

namespace vpnprobe::scenarios {

class ProbeKind;  // scenarios/probe_kind.hpp

// Where a thing was written in the scenario file, for messages that point at it.
struct Mark {
    int line = 0;  // 1-based; 0 = unknown
    int column = 0;  // 1-based
};

struct VantageSpec {
    std::string name;
    probes::VantagePoint vantage;  // netns, source or interface (one of them, or several together)
    Mark mark;
    Mark netns_mark, source_mark, interface_mark;  // where each was written, for the preflight's messages
};

struct TargetSpec {
    std::string name;
    std::string host;  // name or address; a name is expanded into one row per address
    std::string sni;  // the name clients dial: TLS SNI and certificate name check; default host
    std::optional<std::string> ca;  // trust anchors for the chain verdict and CERTREQ; default system store.
        // A relative path in the file is made relative to the file's folder.
    std::map<std::string, std::uint16_t> ports;  // by kind name (`ports:`); a kind not named uses its default
    bool all_addresses = true;  // probe every address the name resolves to, each its own row
    // The test account for this server's rows, for the kinds that log in (a probe's own credentials win).
    std::optional<Credentials> credentials;
    Mark mark;
    Mark ca_mark;
    Mark credentials_mark;  // its password_file or password_env, for the preflight's messages

    std::uint16_t port_for(const ProbeKind& kind) const;
};

struct CertificateExpect {
    std::vector<std::string> fingerprints;  // SHA-256, any one of them (before/after a swap); colons optional
    std::optional<std::string> subject;  // substring of the RFC 2253 subject
    std::optional<std::string> issuer;  // substring of the issuer
    std::vector<std::string> san_includes;  // every one must be a SAN (DNS or IP)
    std::optional<double> min_days_left;
    std::vector<std::string> ekus;  // every one present (names as reported: serverAuth, ikeIntermediate, OID)
    std::optional<std::string> key_type;  // RSA, EC, ...
    std::optional<int> min_key_bits;
    std::optional<std::string> signature_algorithm;
    std::optional<bool> chain_valid;
    bool any() const;
};

struct TimingExpect {
    std::optional<double> total_max_seconds;
    std::map<std::string, double> phase_max_seconds;
    bool any() const { return total_max_seconds || !phase_max_seconds.empty(); }
};

// `expect.tunnel`: what a credentialed probe's tunnel must be (every kind that logs in: ProbeKind::tunnel).
struct TunnelExpect {
    std::optional<bool> connected;
    std::optional<std::string> address_in;  // CIDR (checked by the loader: AddressRange::parse)
    std::vector<std::string> dns_includes;  // every one among the DNS servers assigned
    std::optional<double> ping_max_rtt_ms;  // every echo reply's round trip at most this (needs a ping target)
    std::optional<double> ping_max_loss;  // lost echoes at most this fraction, 0 to 1 (needs a ping target)
    bool any() const { return connected || address_in || !dns_includes.empty() || ping_max_rtt_ms || ping_max_loss; }
    bool pings() const { return ping_max_rtt_ms || ping_max_loss; }
};

struct Expectations {
    std::optional<bool> success;
    std::optional<std::string> failed_phase;  // "" means: no phase failed
    std::optional<std::string> windows_error;  // substring of what a Windows client would show
    std::vector<std::string> findings;  // finding checks that must be present (e.g. ikev2.no_fragmentation)
    std::vector<std::string> no_findings;  // finding checks that must be absent
    CertificateExpect certificate;
    KindExpects kinds;  // each kind's own (`expect.sstp`, `expect.tls`, `expect.ikev2`): only the probe's is read
    TunnelExpect tunnel;  // for the kinds that log in
    TimingExpect timing;
    Mark mark;
};

struct ProbeSpec {
    std::string name;
    std::vector<std::string> targets;  // names; empty = every target
    std::vector<std::string> vantage_points;  // names; empty = every vantage point
    double timeout = 10;
    KindOptions options;  // the kind's own options; which alternative it holds is the probe's kind (`type:`)
    Expectations expect;  // for every vantage point ...
    std::map<std::string, Expectations> expect_by_vantage;  // ... except these, which replace it whole
    // The test account for every row of this probe (its kind must log in), before its targets' own.
    std::optional<Credentials> credentials;
    Mark mark;
    Mark credentials_mark;  // its password_file or password_env

    const ProbeKind& kind() const;
    // The account a row of this probe on `target` logs in with: the probe's, else the target's when the kind logs
    // in; nullopt = the row does not log in.
    std::optional<Credentials> credentials_for(const TargetSpec& target) const;
};

struct Scenario {
    std::string name;
    std::string file;
    std::vector<VantageSpec> vantage_points;
    std::vector<TargetSpec> targets;
    std::vector<ProbeSpec> probes;
    int count = 1;  // each probe repeated; timings aggregated
    int parallel = 64;  // probes in flight at once

    const VantageSpec* vantage(const std::string& name) const;
    const TargetSpec* target(const std::string& name) const;
};

}  // namespace vpnprobe::scenarios
