#include "scenarios/scenario_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "probes/ikev2/ikev2_presets.hpp"
#include "probes/limits.hpp"
#include "protocol/ikev2/ikev2_proposal.hpp"

namespace vpnprobe::scenarios {

std::string ScenarioProblem::to_string() const {
    // A problem with the file as a whole (it cannot be read) has no position.
    if (mark.line == 0) return file + ": " + message;
    return file + ":" + std::to_string(mark.line) + ":" + std::to_string(mark.column) + ": " + message;
}

namespace {

std::string join_problems(const std::vector<ScenarioProblem>& problems) {
    std::string s;
    for (const auto& p : problems) s += (s.empty() ? "" : "\n") + p.to_string();
    return s;
}

Mark mark_of(const YAML::Node& n) {
    auto m = n.Mark();
    if (m.line < 0) return {};
    return Mark{m.line + 1, m.column + 1};
}

// Thrown inside one entry; the reader records it and goes on with the next entry.
struct EntryFailed {};

class Reader {
public:
    explicit Reader(std::string file) : file_(std::move(file)) {}

    [[noreturn]] void fail(const YAML::Node& at, const std::string& message) { fail(mark_of(at), message); }
    [[noreturn]] void fail(Mark at, const std::string& message) {
        problems_.push_back(ScenarioProblem{file_, at, message});
        throw EntryFailed{};
    }
    void note(Mark at, const std::string& message) { problems_.push_back(ScenarioProblem{file_, at, message}); }
    const std::vector<ScenarioProblem>& problems() const { return problems_; }
    const std::string& file() const { return file_; }
    // The folder of the scenario file, which relative paths in it are relative to ("" when unknown).
    std::filesystem::path folder() const { return std::filesystem::path(file_).parent_path(); }

    // Runs one entry; a problem in it is recorded and the entry skipped.
    template <typename F>
    void entry(F&& f) {
        try {
            f();
        } catch (const EntryFailed&) {}
    }

    void expect_map(const YAML::Node& n, const std::string& what) {
        if (!n.IsMap()) fail(n, what + " must be a mapping (key: value lines)");
    }
    void expect_sequence(const YAML::Node& n, const std::string& what) {
        if (!n.IsSequence()) fail(n, what + " must be a list (lines starting with '- ')");
    }
    // Every key of `n` must be one of `allowed`; the message lists them.
    void only_keys(const YAML::Node& n, const std::set<std::string>& allowed, const std::string& where) {
        for (auto it = n.begin(); it != n.end(); ++it) {
            std::string key = it->first.as<std::string>();
            if (!allowed.count(key)) {
                std::string list;
                for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
                fail(it->first, "unknown key '" + key + "' in " + where + " (expected one of: " + list + ")");
            }
        }
    }
    YAML::Node required(const YAML::Node& n, const std::string& key, const std::string& where) {
        YAML::Node v = n[key];
        if (!v) fail(n, where + " needs '" + key + "'");
        return v;
    }

    std::string string(const YAML::Node& n, const std::string& what) {
        if (!n.IsScalar()) fail(n, what + " must be a string");
        return n.Scalar();
    }
    // A string that names something (a namespace, an address, a file, a host): empty is never "none".
    std::string nonempty(const YAML::Node& n, const std::string& what) {
        std::string v = string(n, what);
        if (v.empty()) fail(n, what + " must not be empty (leave the key out instead)");
        return v;
    }
    // NaN and the infinities (YAML's .nan, .inf) are numbers to yaml-cpp; never in any range here.
    double number(const YAML::Node& n, const std::string& what, double min, double max) {
        double v = 0;
        if (!n.IsScalar() || !YAML::convert<double>::decode(n, v))
            fail(n, what + " must be a number, not '" + describe(n) + "'");
        if (!probes::in_range(v, min, max))
            fail(n, what + " must be from " + probes::readable_number(min) + " to " + probes::readable_number(max) +
                        ", not '" + n.Scalar() + "'");
        return v;
    }
    long integer(const YAML::Node& n, const std::string& what, long min, long max) {
        long v = 0;
        if (!n.IsScalar() || !YAML::convert<long>::decode(n, v))
            fail(n, what + " must be a whole number, not '" + describe(n) + "'");
        if (v < min || v > max) fail(n, what + " must be from " + std::to_string(min) + " to " + std::to_string(max));
        return v;
    }
    bool boolean(const YAML::Node& n, const std::string& what) {
        bool v = false;
        if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v))
            fail(n, what + " must be true or false, not '" + describe(n) + "'");
        return v;
    }
    // A string or a list of strings.
    std::vector<std::string> strings(const YAML::Node& n, const std::string& what) {
        if (n.IsScalar()) return {n.Scalar()};
        if (!n.IsSequence()) fail(n, what + " must be a string or a list of strings");
        std::vector<std::string> out;
        for (const auto& x : n) out.push_back(string(x, "each entry of " + what));
        return out;
    }

private:
    static std::string describe(const YAML::Node& n) {
        if (n.IsScalar()) return n.Scalar();
        if (n.IsSequence()) return "a list";
        if (n.IsMap()) return "a mapping";
        return "nothing";
    }
    std::string file_;
    std::vector<ScenarioProblem> problems_;
};

// ---- expectations --------------------------------------------------------------------------------------

void read_certificate(Reader& r, const YAML::Node& n, CertificateExpect& c) {
    r.expect_map(n, "expect.certificate");
    r.only_keys(n,
                {"fingerprint", "subject", "issuer", "san_includes", "min_days_left", "ekus", "key_type",
                 "min_key_bits", "signature_algorithm", "chain_valid"},
                "expect.certificate");
    if (n["fingerprint"]) c.fingerprints = r.strings(n["fingerprint"], "certificate.fingerprint");
    if (n["subject"]) c.subject = r.string(n["subject"], "certificate.subject");
    if (n["issuer"]) c.issuer = r.string(n["issuer"], "certificate.issuer");
    if (n["san_includes"]) c.san_includes = r.strings(n["san_includes"], "certificate.san_includes");
    if (n["min_days_left"]) c.min_days_left = r.number(n["min_days_left"], "certificate.min_days_left", -1e6, 1e6);
    if (n["ekus"]) c.ekus = r.strings(n["ekus"], "certificate.ekus");
    if (n["key_type"]) c.key_type = r.string(n["key_type"], "certificate.key_type");
    if (n["min_key_bits"])
        c.min_key_bits = static_cast<int>(r.integer(n["min_key_bits"], "certificate.min_key_bits", 1, 65536));
    if (n["signature_algorithm"])
        c.signature_algorithm = r.string(n["signature_algorithm"], "certificate.signature_algorithm");
    if (n["chain_valid"]) c.chain_valid = r.boolean(n["chain_valid"], "certificate.chain_valid");
    for (auto& f : c.fingerprints) {
        std::string hex;
        for (char ch : f)
            if (ch != ':') hex += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        if (hex.size() != 64 || hex.find_first_not_of("0123456789ABCDEF") != std::string::npos)
            r.fail(n["fingerprint"], "certificate.fingerprint: '" + f +
                                         "' is not a SHA-256 fingerprint (64 hex digits, colons optional)");
    }
}

const std::set<std::string> kTlsVersions{"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"};

void read_expectations(Reader& r, const YAML::Node& n, Expectations& e, ProbeType type, const std::string& where) {
    r.expect_map(n, where);
    std::set<std::string> keys{"success",     "failed_phase", "windows_error", "findings",
                               "no_findings", "certificate",  "timing"};
    if (type == ProbeType::sstp) keys.insert({"tls", "sstp"});
    if (type == ProbeType::ikev2) keys.insert("ikev2");
    r.only_keys(n, keys, where + " of a " + to_string(type) + " probe");
    e.mark = mark_of(n);
    if (n["success"]) e.success = r.boolean(n["success"], "expect.success");
    if (n["failed_phase"]) {
        e.failed_phase = r.string(n["failed_phase"], "expect.failed_phase");
        static const std::set<std::string> sstp{"",     "resolve",      "tcp_connect", "tls_handshake",
                                                "http", "call_connect", "ppp_lcp",     "disconnect"};
        static const std::set<std::string> ikev2{"", "resolve", "ike_sa_init", "ike_auth", "delete"};
        const auto& known = type == ProbeType::sstp ? sstp : ikev2;
        if (!known.count(*e.failed_phase)) {
            std::string list;
            for (const auto& k : known)
                if (!k.empty()) list += (list.empty() ? "" : ", ") + k;
            r.fail(n["failed_phase"], "expect.failed_phase: a " + std::string(to_string(type)) +
                                          " probe has no phase '" + *e.failed_phase + "' (phases: " + list + ")");
        }
    }
    if (n["windows_error"]) e.windows_error = r.string(n["windows_error"], "expect.windows_error");
    if (n["findings"]) e.findings = r.strings(n["findings"], "expect.findings");
    if (n["no_findings"]) e.no_findings = r.strings(n["no_findings"], "expect.no_findings");
    if (n["certificate"]) read_certificate(r, n["certificate"], e.certificate);
    if (n["tls"]) {
        const auto t = n["tls"];
        r.expect_map(t, "expect.tls");
        r.only_keys(t, {"min_version", "ciphers"}, "expect.tls");
        if (t["min_version"]) {
            e.tls.min_version = r.string(t["min_version"], "tls.min_version");
            if (!kTlsVersions.count(*e.tls.min_version))
                r.fail(t["min_version"], "tls.min_version must be one of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3");
        }
        if (t["ciphers"]) e.tls.ciphers = r.strings(t["ciphers"], "tls.ciphers");
    }
    if (n["sstp"]) {
        const auto s = n["sstp"];
        r.expect_map(s, "expect.sstp");
        r.only_keys(s, {"crypto_binding_hash"}, "expect.sstp");
        if (s["crypto_binding_hash"]) {
            e.sstp.crypto_binding_hash = r.string(s["crypto_binding_hash"], "sstp.crypto_binding_hash");
            if (*e.sstp.crypto_binding_hash != "SHA1" && *e.sstp.crypto_binding_hash != "SHA256")
                r.fail(s["crypto_binding_hash"], "sstp.crypto_binding_hash must be SHA1 or SHA256");
        }
    }
    if (n["ikev2"]) {
        const auto i = n["ikev2"];
        r.expect_map(i, "expect.ikev2");
        r.only_keys(i,
                    {"proposal_in", "notifies_present", "notifies_absent", "fragmentation", "nat_detected",
                     "no_weak_accepted", "certreq_matches_ca", "auth_verified"},
                    "expect.ikev2");
        if (i["proposal_in"]) {
            e.ikev2.proposal_in = r.strings(i["proposal_in"], "ikev2.proposal_in");
            for (const auto& p : e.ikev2.proposal_in) {
                try {
                    (void)protocol::ikev2::parse_proposal(p);
                } catch (const std::exception& ex) {
                    r.fail(i["proposal_in"], "ikev2.proposal_in: '" + p + "': " + ex.what());
                }
            }
        }
        if (i["notifies_present"])
            e.ikev2.notifies_present = r.strings(i["notifies_present"], "ikev2.notifies_present");
        if (i["notifies_absent"]) e.ikev2.notifies_absent = r.strings(i["notifies_absent"], "ikev2.notifies_absent");
        if (i["fragmentation"]) e.ikev2.fragmentation = r.boolean(i["fragmentation"], "ikev2.fragmentation");
        if (i["nat_detected"]) e.ikev2.nat_detected = r.boolean(i["nat_detected"], "ikev2.nat_detected");
        if (i["no_weak_accepted"])
            e.ikev2.no_weak_accepted = r.boolean(i["no_weak_accepted"], "ikev2.no_weak_accepted");
        if (i["certreq_matches_ca"])
            e.ikev2.certreq_matches_ca = r.boolean(i["certreq_matches_ca"], "ikev2.certreq_matches_ca");
        if (i["auth_verified"]) e.ikev2.auth_verified = r.boolean(i["auth_verified"], "ikev2.auth_verified");
    }
    if (n["timing"]) {
        const auto t = n["timing"];
        r.expect_map(t, "expect.timing");
        r.only_keys(t, {"total_max_seconds", "phase_max_seconds"}, "expect.timing");
        if (t["total_max_seconds"])
            e.timing.total_max_seconds =
                r.number(t["total_max_seconds"], "timing.total_max_seconds", 0, probes::kMaxExpectedSeconds);
        if (t["phase_max_seconds"]) {
            const auto p = t["phase_max_seconds"];
            r.expect_map(p, "timing.phase_max_seconds");
            for (auto it = p.begin(); it != p.end(); ++it)
                e.timing.phase_max_seconds[it->first.as<std::string>()] =
                    r.number(it->second, "timing.phase_max_seconds." + it->first.as<std::string>(), 0,
                             probes::kMaxExpectedSeconds);
        }
    }
}

// ---- entries ------------------------------------------------------------------------------------------

VantageSpec read_vantage(Reader& r, const YAML::Node& n) {
    r.expect_map(n, "a vantage point");
    r.only_keys(n, {"name", "netns", "source", "interface"}, "a vantage point");
    VantageSpec v;
    v.mark = mark_of(n);
    v.name = r.nonempty(r.required(n, "name", "a vantage point"), "vantage_points[].name");
    // An empty netns, source or interface must never mean "from this machine's own namespace".
    if (n["netns"]) {
        v.vantage.netns = r.nonempty(n["netns"], "netns");
        v.netns_mark = mark_of(n["netns"]);
    }
    if (n["source"]) {
        v.vantage.source = r.nonempty(n["source"], "source");
        v.source_mark = mark_of(n["source"]);
        if (!probes::is_ip_literal(v.vantage.source))
            r.fail(n["source"], "source must be an IP address, not '" + v.vantage.source + "'");
    }
    if (n["interface"]) {
        v.vantage.interface = r.nonempty(n["interface"], "interface");
        v.interface_mark = mark_of(n["interface"]);
    }
    if (v.vantage.netns.empty() && v.vantage.source.empty() && v.vantage.interface.empty())
        r.fail(n, "vantage point '" + v.name + "' needs netns, source or interface");
    v.vantage.name = v.name;
    return v;
}

TargetSpec read_target(Reader& r, const YAML::Node& n) {
    r.expect_map(n, "a target");
    r.only_keys(n, {"name", "host", "sni", "name_clients_dial", "ca", "ports", "all_addresses"}, "a target");
    TargetSpec t;
    t.mark = mark_of(n);
    t.name = r.nonempty(r.required(n, "name", "a target"), "targets[].name");
    t.host = r.nonempty(r.required(n, "host", "target '" + t.name + "'"), "targets[].host");
    if (n["sni"] && n["name_clients_dial"])
        r.fail(n["sni"], "give sni or name_clients_dial, not both (they are the same)");
    if (n["sni"]) t.sni = r.nonempty(n["sni"], "sni");
    if (n["name_clients_dial"]) t.sni = r.nonempty(n["name_clients_dial"], "name_clients_dial");
    if (n["ca"]) {
        // Relative to the scenario file's folder, not to wherever vpnprobe was started.
        std::filesystem::path ca = r.nonempty(n["ca"], "ca");
        if (ca.is_relative() && !r.folder().empty()) ca = r.folder() / ca;
        t.ca = ca.string();
        t.ca_mark = mark_of(n["ca"]);
    }
    if (n["all_addresses"]) t.all_addresses = r.boolean(n["all_addresses"], "all_addresses");
    if (n["ports"]) {
        const auto p = n["ports"];
        r.expect_map(p, "ports");
        r.only_keys(p, {"sstp", "ikev2"}, "ports");
        if (p["sstp"]) t.sstp_port = static_cast<std::uint16_t>(r.integer(p["sstp"], "ports.sstp", 1, 65535));
        if (p["ikev2"]) t.ikev2_port = static_cast<std::uint16_t>(r.integer(p["ikev2"], "ports.ikev2", 1, 65535));
    }
    return t;
}

ProbeSpec read_probe(Reader& r, const YAML::Node& n, const Scenario& s) {
    r.expect_map(n, "a probe");
    r.only_keys(n, {"name", "type", "targets", "vantage_points", "timeout", "options", "expect", "expect_by_vantage"},
                "a probe");
    ProbeSpec p;
    p.mark = mark_of(n);
    std::string type = r.string(r.required(n, "type", "a probe"), "type");
    if (type == "sstp") p.type = ProbeType::sstp;
    else if (type == "ikev2") p.type = ProbeType::ikev2;
    else r.fail(n["type"], "type must be sstp or ikev2, not '" + type + "'");
    p.name = n["name"] ? r.nonempty(n["name"], "name") : type;
    if (n["targets"]) {
        p.targets = r.strings(n["targets"], "targets");
        for (const auto& t : p.targets)
            if (!s.target(t)) r.fail(n["targets"], "probe '" + p.name + "' names unknown target '" + t + "'");
    }
    if (n["vantage_points"]) {
        p.vantage_points = r.strings(n["vantage_points"], "vantage_points");
        for (const auto& v : p.vantage_points)
            if (!s.vantage(v))
                r.fail(n["vantage_points"], "probe '" + p.name + "' names unknown vantage point '" + v + "'");
    }
    if (n["timeout"])
        p.timeout = r.number(n["timeout"], "timeout", probes::kMinTimeoutSeconds, probes::kMaxTimeoutSeconds);
    if (n["options"]) {
        const auto o = n["options"];
        r.expect_map(o, "options");
        if (p.type == ProbeType::sstp) {
            r.only_keys(o, {"phase_timeout"}, "options of an sstp probe");
            if (o["phase_timeout"])
                p.sstp.phase_timeout =
                    r.number(o["phase_timeout"], "phase_timeout", 0, probes::kMaxPhaseTimeoutSeconds);
        } else {
            r.only_keys(o,
                        {"preset", "proposals", "id", "fragment_size", "fragmentation", "sa_init_only", "audit_weak",
                         "nat_t_port"},
                        "options of an ikev2 probe");
            auto& i = p.ikev2;
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
                for (const auto& prop : i.proposals) {
                    try {
                        (void)protocol::ikev2::parse_proposal(prop);
                    } catch (const std::exception& e) {
                        r.fail(o["proposals"], "proposal '" + prop + "': " + e.what());
                    }
                }
            }
            if (o["id"]) i.id = r.string(o["id"], "id");
            if (o["fragment_size"])
                i.fragment_size = static_cast<std::size_t>(r.integer(o["fragment_size"], "fragment_size", 576, 65535));
            if (o["fragmentation"]) i.fragmentation = r.boolean(o["fragmentation"], "fragmentation");
            if (o["sa_init_only"]) i.sa_init_only = r.boolean(o["sa_init_only"], "sa_init_only");
            if (o["audit_weak"]) i.audit_weak = r.boolean(o["audit_weak"], "audit_weak");
            if (o["nat_t_port"])
                i.nat_t_port = static_cast<std::uint16_t>(r.integer(o["nat_t_port"], "nat_t_port", 0, 65535));
        }
    }
    if (n["expect"]) read_expectations(r, n["expect"], p.expect, p.type, "expect");
    if (p.expect.ikev2.no_weak_accepted && !p.ikev2.audit_weak)
        r.fail(n["expect"]["ikev2"]["no_weak_accepted"], "ikev2.no_weak_accepted needs options.audit_weak: true");
    if (n["expect_by_vantage"]) {
        const auto m = n["expect_by_vantage"];
        r.expect_map(m, "expect_by_vantage");
        for (auto it = m.begin(); it != m.end(); ++it) {
            std::string v = it->first.as<std::string>();
            if (!s.vantage(v)) r.fail(it->first, "expect_by_vantage names unknown vantage point '" + v + "'");
            Expectations e;
            read_expectations(r, it->second, e, p.type, "expect_by_vantage." + v);
            p.expect_by_vantage[v] = e;
        }
    }
    return p;
}

// yaml-cpp keeps every pair of a mapping, and `node[key]` finds the first: a key written twice would be
// half ignored. Every mapping, at any depth, is checked; both places are named.
void duplicate_keys(Reader& r, const YAML::Node& n) {
    if (n.IsSequence()) {
        for (const auto& x : n) duplicate_keys(r, x);
        return;
    }
    if (!n.IsMap()) return;
    std::map<std::string, Mark> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
        if (it->first.IsScalar()) {
            const Mark here = mark_of(it->first);
            auto [at, fresh] = seen.emplace(it->first.Scalar(), here);
            if (!fresh)
                r.note(here, "key '" + it->first.Scalar() + "' is given twice in one mapping (first at line " +
                                 std::to_string(at->second.line) + ", column " + std::to_string(at->second.column) +
                                 "); give it once");
        }
        duplicate_keys(r, it->second);
    }
}

Scenario read(Reader& r, const YAML::Node& root) {
    Scenario s;
    s.file = r.file();
    r.entry([&] {
        if (!root || root.IsNull()) r.fail(Mark{1, 1}, "the scenario file is empty");
        r.expect_map(root, "the scenario");
        r.only_keys(root, {"version", "name", "count", "parallel", "vantage_points", "targets", "probes"},
                    "the scenario");
        if (root["version"] && r.integer(root["version"], "version", 1, 1) != 1)
            r.fail(root["version"], "only version 1 exists");
        s.name = root["name"] ? r.string(root["name"], "name") : std::string();
        if (root["count"]) s.count = static_cast<int>(r.integer(root["count"], "count", 1, 100000));
        if (root["parallel"]) s.parallel = static_cast<int>(r.integer(root["parallel"], "parallel", 1, 100000));
        r.expect_sequence(r.required(root, "vantage_points", "the scenario"), "vantage_points");
        r.expect_sequence(r.required(root, "targets", "the scenario"), "targets");
        r.expect_sequence(r.required(root, "probes", "the scenario"), "probes");
    });
    if (!r.problems().empty()) return s;
    std::set<std::string> names;
    for (const auto& n : root["vantage_points"])
        r.entry([&] {
            auto v = read_vantage(r, n);
            if (!names.insert("v:" + v.name).second) r.fail(n, "vantage point '" + v.name + "' is defined twice");
            s.vantage_points.push_back(v);
        });
    for (const auto& n : root["targets"])
        r.entry([&] {
            auto t = read_target(r, n);
            if (!names.insert("t:" + t.name).second) r.fail(n, "target '" + t.name + "' is defined twice");
            s.targets.push_back(t);
        });
    for (const auto& n : root["probes"])
        r.entry([&] {
            auto p = read_probe(r, n, s);
            if (!names.insert("p:" + p.name).second)
                r.fail(n, "probe name '" + p.name + "' is used twice (give each probe a name)");
            s.probes.push_back(p);
        });
    if (r.problems().empty() && s.probes.empty()) r.note(mark_of(root["probes"]), "the scenario has no probes");
    return s;
}

}  // namespace

ScenarioError::ScenarioError(std::vector<ScenarioProblem> problems)
    : std::runtime_error(join_problems(problems)), problems_(std::move(problems)) {}

Scenario load_scenario_text(const std::string& text, const std::string& file) {
    Reader r(file);
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw ScenarioError(
            {ScenarioProblem{file, Mark{e.mark.line + 1, e.mark.column + 1}, "not valid YAML: " + e.msg}});
    }
    Scenario s;
    try {
        duplicate_keys(r, root);
        if (!r.problems().empty()) throw ScenarioError(r.problems());
        s = read(r, root);
    } catch (const YAML::Exception& e) {
        r.note(Mark{e.mark.line + 1, e.mark.column + 1}, e.msg);
    }
    if (!r.problems().empty()) throw ScenarioError(r.problems());
    return s;
}

Scenario load_scenario_file(const std::string& path) {
    // The system's reason ("No such file or directory", "Is a directory", "Permission denied").
    auto refuse = [&](int err) {
        return ScenarioError(
            {ScenarioProblem{path, Mark{}, std::string("cannot read the file: ") + std::strerror(err)}});
    };
    if (path.empty()) throw ScenarioError({ScenarioProblem{path, Mark{}, "the scenario file name is empty"}});
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw refuse(errno);
    if (S_ISDIR(st.st_mode)) throw refuse(EISDIR);
    std::ifstream in(path);
    if (!in) throw refuse(errno ? errno : EIO);
    std::stringstream text;
    text << in.rdbuf();
    return load_scenario_text(text.str(), path);
}

}  // namespace vpnprobe::scenarios
