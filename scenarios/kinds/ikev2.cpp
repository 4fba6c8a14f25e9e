// The IKEv2 probe kind: everything the scenarios, the reports and `vpnprobe run` know of IKEv2, in one place.
#include "scenarios/kinds/ikev2.hpp"

#include <boost/asio/awaitable.hpp>

#include "probes/ikev2/ikev2_json.hpp"
#include "probes/ikev2/ikev2_presets.hpp"
#include "protocol/ikev2/ikev2_proposal.hpp"
#include "scenarios/exposition.hpp"
#include "scenarios/judge.hpp"
#include "scenarios/probe_kind.hpp"
#include "scenarios/yaml_reader.hpp"

namespace vpnprobe::scenarios {

bool Ikev2Expect::any() const {
    return !proposal_in.empty() || !notifies_present.empty() || !notifies_absent.empty() || fragmentation ||
           nat_detected || no_weak_accepted || certreq_matches_ca || auth_verified;
}

namespace {

using judging::contains;
using judging::join;
using judging::yes_no;
using prometheus::label;
using Type = KindOption::Type;

const probes::Ikev2Result& ikev2(const ProbeResult& r) { return std::get<probes::Ikev2Result>(r); }

// Every proposal (strongSwan syntax) must parse; the first that does not is refused at the key's position,
// "<what> '<proposal>': <why>".
void check_proposals(YamlReader& r, const YAML::Node& at, const std::vector<std::string>& proposals,
                     const std::string& what) {
    for (const auto& p : proposals) {
        try {
            (void)protocol::ikev2::parse_proposal(p);
        } catch (const std::exception& e) {
            r.fail(at, what + " '" + p + "': " + e.what());
        }
    }
}

// Options that stop before the login (or offer no credential: the audit) cannot take credentials.
bool logs_in(const Ikev2ProbeOptions& i) { return !i.sa_init_only && !i.audit_weak; }

probes::Ikev2Options probe_options(const RowTarget& t, const KindOptions& options) {
    const auto& i = std::get<Ikev2ProbeOptions>(options);
    probes::Ikev2Options o;
    o.host = t.host;
    o.port = t.port;
    o.nat_t_port = i.nat_t_port;
    o.address = t.address;
    o.preset = i.preset;
    o.proposals = i.proposals;
    o.id = i.id;
    o.ca_file = t.ca;
    // A CA file gives CERTREQ its hashes from the first exchange on; the system store serves only IKE_AUTH's chain.
    if (t.trust && (t.ca || !i.sa_init_only)) o.trust = t.trust->get(t.ca);
    o.expected_name = t.name_clients_dial;
    o.fragment_size = i.fragment_size;
    o.offer_fragmentation = i.fragmentation;
    o.sa_init_only = i.sa_init_only;
    if (!i.fresh_key_share) o.key_shares = t.key_shares;
    o.vantage = t.vantage;
    o.timeout_seconds = t.timeout;
    o.stop = t.stop;
    o.load = t.load;
    // The user tunnel, without its password (read only by run(), as the probe starts). The loader refuses
    // credentials with sa_init_only and audit_weak, as the ikev2 command does, and credentials_for() gives such a
    // probe none of its target's (logs_in_with).
    if (t.credentials && logs_in(i)) {
        o.credentials = probes::Ikev2Credentials{t.credentials->user, ""};
        o.sends_credentials = true;  // never a reused key share for a credentialed exchange (key_share_cache.hpp)
    }
    return o;
}

class Ikev2 final : public ProbeKind {
public:
    std::string name() const override { return "ikev2"; }
    std::uint16_t default_port() const override { return 500; }
    std::vector<std::string> phases() const override {
        return {"resolve", "ike_sa_init", "ike_auth", "eap", "ike_auth_complete", "child_sa", "delete_child", "delete"};
    }
    const std::vector<KindOption>& options() const override {
        static const std::vector<KindOption> all{
            {"preset", Type::choice, 0, 0, probes::ikev2_preset_names(), "--preset",
             "Named proposal set (default windows-default)"},
            {"proposals",
             Type::strings,
             0,
             0,
             {},
             "--proposal",
             "A proposal in strongSwan syntax, e.g. aes256-sha256-modp2048; repeat for several, in order"},
            {"id",
             Type::string,
             0,
             0,
             {},
             "--id",
             "IDi the client sends: FQDN, user@domain or address (default vpnprobe)"},
            {"fragment_size",
             Type::integer,
             576,
             65535,
             {},
             "--fragment-size",
             "Largest IP packet for our IKE fragments (RFC 7383); IKE_AUTH requests above it are fragmented"},
            {"fragmentation",
             Type::boolean,
             0,
             0,
             {},
             "--no-fragmentation",
             "Do not offer IKE fragmentation (old clients)"},
            {"sa_init_only", Type::boolean, 0, 0, {}, "--sa-init-only", "Stop after IKE_SA_INIT"},
            {"fresh_key_share",
             Type::boolean,
             0,
             0,
             {},
             "--fresh-key-share",
             "A new Diffie-Hellman key pair for every IKE_SA_INIT, as a Windows client makes; by default the "
             "exchanges of one run (one command, one scenario run or scrape) reuse one per group for up to 60 s "
             "(RFC 7296 2.12)"},
            {"audit_weak",
             Type::boolean,
             0,
             0,
             {},
             "--audit-weak",
             "Also offer 3DES, SHA-1, MD5, DH 2 and DH 5 one at a time and report which the server accepts"},
            {"nat_t_port",
             Type::integer,
             0,
             65535,
             {},
             "--nat-t-port",
             "UDP port IKE_AUTH moves to, with the non-ESP marker, as a Windows client does; 0 = stay on --port"},
        };
        return all;
    }

    KindOptions default_options() const override { return Ikev2ProbeOptions{}; }
    KindOptions read_options(YamlReader& r, const YAML::Node& o) const override {
        Ikev2ProbeOptions i;
        if (o["preset"] && o["proposals"]) r.fail(o["proposals"], "give preset or proposals, not both");
        if (o["preset"]) {
            i.preset = r.string(o["preset"], "preset");
            try {
                (void)probes::ikev2_preset(i.preset);
            } catch (const std::exception& e) {
                r.fail(o["preset"], e.what());
            }
        }
        if (o["proposals"]) {
            i.proposals = r.strings(o["proposals"], "proposals");
            check_proposals(r, o["proposals"], i.proposals, "proposal");
        }
        if (o["id"]) i.id = r.string(o["id"], "id");
        const auto& fragment_size = option("fragment_size");
        if (o["fragment_size"])
            i.fragment_size = static_cast<std::size_t>(r.integer(o["fragment_size"], "fragment_size",
                                                                 static_cast<long>(fragment_size.min),
                                                                 static_cast<long>(fragment_size.max)));
        if (o["fragmentation"]) i.fragmentation = r.boolean(o["fragmentation"], "fragmentation");
        if (o["sa_init_only"]) i.sa_init_only = r.boolean(o["sa_init_only"], "sa_init_only");
        if (o["fresh_key_share"]) i.fresh_key_share = r.boolean(o["fresh_key_share"], "fresh_key_share");
        if (o["audit_weak"]) i.audit_weak = r.boolean(o["audit_weak"], "audit_weak");
        const auto& nat_t_port = option("nat_t_port");
        if (o["nat_t_port"])
            i.nat_t_port = static_cast<std::uint16_t>(r.integer(
                o["nat_t_port"], "nat_t_port", static_cast<long>(nat_t_port.min), static_cast<long>(nat_t_port.max)));
        return i;
    }
    std::set<std::string> expect_keys() const override { return {"ikev2"}; }
    void read_expect(YamlReader& r, const YAML::Node& n, KindExpects& kinds) const override {
        if (!n["ikev2"]) return;
        auto& e = std::get<Ikev2Expect>(kinds);
        const auto i = n["ikev2"];
        r.expect_map(i, "expect.ikev2");
        r.only_keys(i,
                    {"proposal_in", "notifies_present", "notifies_absent", "fragmentation", "nat_detected",
                     "no_weak_accepted", "certreq_matches_ca", "auth_verified"},
                    "expect.ikev2");
        if (i["proposal_in"]) {
            e.proposal_in = r.strings(i["proposal_in"], "ikev2.proposal_in");
            check_proposals(r, i["proposal_in"], e.proposal_in, "ikev2.proposal_in:");
        }
        if (i["notifies_present"]) e.notifies_present = r.strings(i["notifies_present"], "ikev2.notifies_present");
        if (i["notifies_absent"]) e.notifies_absent = r.strings(i["notifies_absent"], "ikev2.notifies_absent");
        if (i["fragmentation"]) e.fragmentation = r.boolean(i["fragmentation"], "ikev2.fragmentation");
        if (i["nat_detected"]) e.nat_detected = r.boolean(i["nat_detected"], "ikev2.nat_detected");
        if (i["no_weak_accepted"]) e.no_weak_accepted = r.boolean(i["no_weak_accepted"], "ikev2.no_weak_accepted");
        if (i["certreq_matches_ca"])
            e.certreq_matches_ca = r.boolean(i["certreq_matches_ca"], "ikev2.certreq_matches_ca");
        if (i["auth_verified"]) e.auth_verified = r.boolean(i["auth_verified"], "ikev2.auth_verified");
    }
    void check_probe(YamlReader& r, const YAML::Node& n, const ProbeSpec& p) const override {
        if (std::get<Ikev2Expect>(p.expect.kinds).no_weak_accepted &&
            !std::get<Ikev2ProbeOptions>(p.options).audit_weak)
            r.fail(n["expect"]["ikev2"]["no_weak_accepted"], "ikev2.no_weak_accepted needs options.audit_weak: true");
        const auto& i = std::get<Ikev2ProbeOptions>(p.options);
        if (!logs_in(i)) {
            const std::string why = i.sa_init_only ? "options.sa_init_only stops before IKE_AUTH"
                                                   : "options.audit_weak offers no credential";
            if (p.credentials) r.fail(n["credentials"], "credentials: " + why + ", so the probe cannot log in");
            const std::string no_tunnel = ".tunnel: " + why + ", so the probe has no tunnel to judge";
            if (p.expect.tunnel.any()) r.fail(n["expect"]["tunnel"], "expect" + no_tunnel);
            for (const auto& [vantage, e] : p.expect_by_vantage)
                if (e.tunnel.any())
                    r.fail(n["expect_by_vantage"][vantage]["tunnel"], "expect_by_vantage." + vantage + no_tunnel);
        }
    }

    bool takes_credentials() const override { return true; }
    bool logs_in_with(const KindOptions& options) const override {
        return logs_in(std::get<Ikev2ProbeOptions>(options));
    }
    // The data path (options.ping) is not here yet: no IKEv2 option sends echo requests.
    bool pings(const KindOptions&) const override { return false; }
    std::optional<TunnelFacts> tunnel(const ProbeResult& result) const override {
        const auto& t = ikev2(result).tunnel;
        if (!t.credentials_given) return std::nullopt;
        TunnelFacts f;
        f.connected = t.connected;
        f.address = t.address.empty() ? t.address6 : t.address;
        f.dns = t.dns;
        return f;
    }

    boost::asio::awaitable<ProbeResult> run(const RowTarget& t, const KindOptions& options) const override {
        probes::Ikev2Options o = probe_options(t, options);
        // Read as the probe starts (a file that cannot be read now is this row's harness error); it lives in the
        // probe's options until the probe ends, and no result has a place for it.
        if (o.credentials) o.credentials->password = t.credentials->read_password();
        const bool asked_to_log_in = o.credentials.has_value();
        probes::Ikev2Result r;
        // One co_await per statement (GCC 12 and co_await inside a conditional expression).
        if (std::get<Ikev2ProbeOptions>(options).audit_weak) r = co_await probes::ikev2_probe_with_audit(o);
        else r = co_await probes::ikev2_probe(o);
        // Asked to log in, although the probe may have ended before the login: its tunnel is judged (and reported)
        // as not connected, not as a probe without credentials.
        if (asked_to_log_in) r.tunnel.credentials_given = true;
        co_return r;
    }
    void diagnose(ProbeResult& result, const RowTarget& t, const KindOptions& options) const override {
        probes::diagnose_ikev2(std::get<probes::Ikev2Result>(result), probe_options(t, options));
    }
    ProbeResult empty_result() const override { return probes::Ikev2Result{}; }

    const std::vector<probes::CertificateFacts>& chain(const ProbeResult& r) const override {
        return ikev2(r).ike.chain;
    }
    const probes::ChainVerdict* chain_verdict(const ProbeResult& r) const override {
        return ikev2(r).ike.chain_verdict ? &*ikev2(r).ike.chain_verdict : nullptr;
    }
    probes::winerr::WindowsError expired_certificate_error() const override {
        return probes::winerr::ERROR_IPSEC_IKE_AUTH_FAIL;
    }
    boost::json::object to_json(const ProbeResult& r) const override { return probes::to_json(ikev2(r)); }
    void text_facts(const ProbeResult& r, std::vector<std::string>& parts) const override {
        const auto& f = ikev2(r).ike;
        if (!f.chosen_proposal.empty()) parts.push_back(f.chosen_proposal);
        if (f.sa_init_answered && f.error_notify.empty())
            parts.push_back(std::string("frag ") + (f.fragmentation_offered ? "yes" : "NO"));
        if (f.fragments_received) parts.push_back(std::to_string(f.fragments_received) + " SKF");
    }

    void prometheus_families(Exposition& e) const override {
        e.family("vpnprobe_ike_chosen_proposal_info", "gauge", "IKE proposal the server chose (strongSwan syntax)");
        e.family("vpnprobe_ike_dh_group", "gauge", "Key exchange group the server chose");
        e.family("vpnprobe_ike_fragmentation_offered", "gauge",
                 "Whether the server offered RFC 7383 IKE fragmentation");
        e.family("vpnprobe_ike_fragments_received", "gauge", "SKF fragments of the IKE_AUTH response");
        e.family("vpnprobe_ike_nat_detected", "gauge", "Whether NAT-D showed a NAT between probe and server");
        e.family("vpnprobe_ike_auth_verified", "gauge", "Whether the server's AUTH signature verified");
        e.family("vpnprobe_ike_weak_proposals_accepted", "gauge", "Weak proposals the server accepted (audit_weak)");
    }
    void prometheus_samples(Exposition& e, const std::string& id, const ProbeResult& result) const override {
        const auto& r = ikev2(result);
        const auto& f = r.ike;
        if (!f.chosen_proposal.empty()) {
            e.sample("vpnprobe_ike_chosen_proposal_info", id + "," + label("proposal", f.chosen_proposal), 1);
            e.sample("vpnprobe_ike_dh_group", id, f.dh_group);
            e.sample("vpnprobe_ike_fragmentation_offered", id, f.fragmentation_offered ? 1 : 0);
        }
        if (f.ike_auth_answered) e.sample("vpnprobe_ike_fragments_received", id, f.fragments_received);
        if (f.nat_detected) e.sample("vpnprobe_ike_nat_detected", id, *f.nat_detected ? 1 : 0);
        if (f.auth_verified) e.sample("vpnprobe_ike_auth_verified", id, *f.auth_verified ? 1 : 0);
        if (!r.weak_audit.empty()) {
            int accepted = 0;
            for (const auto& w : r.weak_audit) accepted += w.accepted ? 1 : 0;
            e.sample("vpnprobe_ike_weak_proposals_accepted", id, accepted);
        }
    }

    void judge(Judge& j, const KindExpects& kinds, const ProbeRun& run) const override {
        const auto& e = std::get<Ikev2Expect>(kinds);
        if (!e.any()) return;
        const auto& r = run.as<probes::Ikev2Result>();
        const auto& f = r.ike;
        if (!e.proposal_in.empty())
            j.check("ikev2.proposal_in", "one of " + join(e.proposal_in),
                    f.chosen_proposal.empty() ? "(none chosen)" : f.chosen_proposal,
                    contains(e.proposal_in, f.chosen_proposal), f.chosen_proposal.empty() ? j.why() : "");
        std::vector<std::string> names;
        for (const auto& n : f.sa_init_notifies) names.push_back(n.name);
        for (const auto& n : e.notifies_present)
            j.check("ikev2.notifies_present", n, names.empty() ? "(none)" : join(names, " "), contains(names, n));
        for (const auto& n : e.notifies_absent)
            j.check("ikev2.notifies_absent", "no " + n, names.empty() ? "(none)" : join(names, " "),
                    !contains(names, n));
        if (e.fragmentation)
            j.check("ikev2.fragmentation", yes_no(*e.fragmentation), yes_no(f.fragmentation_offered),
                    f.fragmentation_offered == *e.fragmentation,
                    f.fragmentation_offered ? ""
                                            : "the server does not offer IKE fragmentation (RFC 7383): clients behind "
                                              "fragment-dropping paths fail with " +
                                                  probes::winerr::describe(probes::winerr::ERROR_VPN_TIMEOUT));
        if (e.nat_detected)
            j.check("ikev2.nat_detected", yes_no(*e.nat_detected),
                    f.nat_detected ? yes_no(*f.nat_detected) : "unknown (no NAT-D)",
                    f.nat_detected && *f.nat_detected == *e.nat_detected);
        if (e.no_weak_accepted) {
            std::vector<std::string> accepted;
            bool complete = !r.weak_audit.empty();
            for (const auto& w : r.weak_audit) {
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
};

}  // namespace

const ProbeKind& Ikev2Kind::kind() {
    static const Ikev2 kind;
    return kind;
}

}  // namespace vpnprobe::scenarios
