#include "scenarios/scenario_loader.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "probes/password_source.hpp"
#include "scenarios/address_range.hpp"
#include "scenarios/probe_kind.hpp"
#include "scenarios/yaml_reader.hpp"

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

// "sstp" (or "sstp or ikev2"): the kinds that log in, for messages.
std::string login_kind_names() {
    std::vector<std::string> names;
    for (const auto* k : probe_kinds())
        if (k->takes_credentials()) names.push_back(k->name());
    std::string s;
    for (std::size_t i = 0; i < names.size(); ++i)
        s += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
    return s;
}

// ---- credentials ---------------------------------------------------------------------------------------

// `credentials: {user, password_file | password_env}`. The password itself is refused wherever it is written,
// and no message quotes a value that could be one. `source_mark` gets the position of the key that says where
// the password is (for the preflight's messages).
Credentials read_credentials(YamlReader& r, const YAML::Node& n, Mark& source_mark) {
    r.expect_map(n, "credentials");
    if (n["password"])
        r.fail(n["password"],
               "credentials: a password is never written in the scenario file (it is shared, versioned, pasted "
               "into tickets): give password_file (a file whose first line is the password, mode 600) or "
               "password_env (an environment variable that holds it)");
    r.only_keys(n, {"user", "password_file", "password_env"}, "credentials");
    Credentials c;
    c.user = r.nonempty(r.required(n, "user", "credentials"), "credentials.user");
    const bool file = static_cast<bool>(n["password_file"]);
    const bool env = static_cast<bool>(n["password_env"]);
    if (file && env)
        r.fail(n["password_env"], "credentials of " + c.user + ": give password_file or password_env, not both");
    if (!file && !env)
        r.fail(n, "credentials of " + c.user +
                      " need password_file (a file whose first line is the password) or password_env (an "
                      "environment variable that holds it); the password itself is never written here");
    if (file) {
        // Relative to the scenario file's folder, as `ca` is.
        std::filesystem::path path = r.nonempty(n["password_file"], "credentials.password_file");
        if (path.is_relative() && !r.folder().empty()) path = r.folder() / path;
        c.password_file = path.string();
        source_mark = mark_of(n["password_file"]);
    } else {
        c.password_env = r.nonempty(n["password_env"], "credentials.password_env");
        // Not quoted: a password written here by mistake must not be printed.
        if (!probes::is_environment_name(c.password_env))
            r.fail(n["password_env"],
                   "credentials.password_env must name an environment variable (letters, digits and '_', not "
                   "starting with a digit)");
        source_mark = mark_of(n["password_env"]);
    }
    return c;
}

// ---- expectations --------------------------------------------------------------------------------------

void read_tunnel(YamlReader& r, const YAML::Node& n, TunnelExpect& t) {
    r.expect_map(n, "expect.tunnel");
    r.only_keys(n, {"connected", "address_in", "dns_includes", "ping_max_rtt_ms", "ping_max_loss"}, "expect.tunnel");
    if (n["connected"]) t.connected = r.boolean(n["connected"], "tunnel.connected");
    if (n["address_in"]) {
        t.address_in = r.nonempty(n["address_in"], "tunnel.address_in");
        if (!AddressRange::parse(*t.address_in))
            r.fail(n["address_in"],
                   "tunnel.address_in must be an address range such as 192.168.30.0/24 or "
                   "fd00::/64 (no host bits past the prefix), not '" +
                       *t.address_in + "'");
    }
    if (n["dns_includes"]) {
        t.dns_includes = r.strings(n["dns_includes"], "tunnel.dns_includes");
        for (const auto& d : t.dns_includes)
            if (!probes::is_ip_literal(d))
                r.fail(n["dns_includes"], "tunnel.dns_includes: '" + d + "' is not an IP address");
    }
    if (n["ping_max_rtt_ms"])
        t.ping_max_rtt_ms =
            r.number(n["ping_max_rtt_ms"], "tunnel.ping_max_rtt_ms", 0, probes::kMaxTimeoutSeconds * 1000);
    if (n["ping_max_loss"]) t.ping_max_loss = r.number(n["ping_max_loss"], "tunnel.ping_max_loss", 0, 1);
}

void read_certificate(YamlReader& r, const YAML::Node& n, CertificateExpect& c) {
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

void read_expectations(YamlReader& r, const YAML::Node& n, Expectations& e, const ProbeKind& kind,
                       const std::string& where) {
    r.expect_map(n, where);
    std::set<std::string> keys{"success",     "failed_phase", "windows_error", "findings",
                               "no_findings", "certificate",  "timing",        "tunnel"};
    const auto own = kind.expect_keys();
    keys.insert(own.begin(), own.end());
    r.only_keys(n, keys, where + " of a " + kind.name() + " probe");
    e.mark = mark_of(n);
    if (n["success"]) e.success = r.boolean(n["success"], "expect.success");
    if (n["failed_phase"]) {
        e.failed_phase = r.string(n["failed_phase"], "expect.failed_phase");
        const auto phases = kind.phases();
        std::set<std::string> known(phases.begin(), phases.end());
        known.insert("");
        if (!known.count(*e.failed_phase)) {
            std::string list;
            for (const auto& k : known)
                if (!k.empty()) list += (list.empty() ? "" : ", ") + k;
            r.fail(n["failed_phase"], "expect.failed_phase: a " + kind.name() + " probe has no phase '" +
                                          *e.failed_phase + "' (phases: " + list + ")");
        }
    }
    if (n["windows_error"]) e.windows_error = r.string(n["windows_error"], "expect.windows_error");
    if (n["findings"]) e.findings = r.strings(n["findings"], "expect.findings");
    if (n["no_findings"]) e.no_findings = r.strings(n["no_findings"], "expect.no_findings");
    if (n["certificate"]) read_certificate(r, n["certificate"], e.certificate);
    kind.read_expect(r, n, e.kinds);  // expect.tls and expect.sstp, expect.ikev2, ...: the kind's own
    if (n["tunnel"]) {
        if (!kind.takes_credentials())
            r.fail(n["tunnel"], where + ".tunnel: a " + kind.name() +
                                    " probe does not log in, so it has no tunnel to judge (" + login_kind_names() +
                                    " probes do, with credentials)");
        read_tunnel(r, n["tunnel"], e.tunnel);
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

VantageSpec read_vantage(YamlReader& r, const YAML::Node& n) {
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

TargetSpec read_target(YamlReader& r, const YAML::Node& n) {
    r.expect_map(n, "a target");
    r.only_keys(n, {"name", "host", "sni", "name_clients_dial", "ca", "ports", "all_addresses", "credentials"},
                "a target");
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
    if (n["credentials"]) t.credentials = read_credentials(r, n["credentials"], t.credentials_mark);
    if (n["ports"]) {
        const auto p = n["ports"];
        r.expect_map(p, "ports");
        std::set<std::string> kinds;
        for (const auto* k : probe_kinds()) kinds.insert(k->name());
        r.only_keys(p, kinds, "ports");
        for (const auto* k : probe_kinds())
            if (p[k->name()])
                t.ports[k->name()] =
                    static_cast<std::uint16_t>(r.integer(p[k->name()], "ports." + k->name(), 1, 65535));
    }
    return t;
}

ProbeSpec read_probe(YamlReader& r, const YAML::Node& n, const Scenario& s) {
    r.expect_map(n, "a probe");
    r.only_keys(n,
                {"name", "type", "targets", "vantage_points", "timeout", "options", "expect", "expect_by_vantage",
                 "credentials"},
                "a probe");
    ProbeSpec p;
    p.mark = mark_of(n);
    std::string type = r.string(r.required(n, "type", "a probe"), "type");
    const ProbeKind* kind = find_probe_kind(type);
    if (!kind) r.fail(n["type"], "type must be " + probe_kind_names() + ", not '" + type + "'");
    p.options = kind->default_options();
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
        std::set<std::string> keys;
        for (const auto& option : kind->options()) keys.insert(option.key);
        r.only_keys(o, keys, "options of an " + kind->name() + " probe");
        p.options = kind->read_options(r, o);
    }
    if (n["credentials"]) {
        if (!kind->takes_credentials())
            r.fail(n["credentials"],
                   "credentials: a " + kind->name() + " probe does not log in (" + login_kind_names() + " probes do)");
        p.credentials = read_credentials(r, n["credentials"], p.credentials_mark);
    }
    // Echo expectations judge echo requests: the probe must send some.
    auto check_pings = [&](const Expectations& e, const YAML::Node& expect, const std::string& where) {
        if (e.tunnel.pings() && !kind->pings(p.options))
            r.fail(expect["tunnel"], where +
                                         ".tunnel: ping_max_rtt_ms and ping_max_loss judge echo requests "
                                         "through the tunnel: give the probe options.ping (the address to send "
                                         "them to)");
    };
    if (n["expect"]) {
        read_expectations(r, n["expect"], p.expect, *kind, "expect");
        check_pings(p.expect, n["expect"], "expect");
    }
    if (n["expect_by_vantage"]) {
        const auto m = n["expect_by_vantage"];
        r.expect_map(m, "expect_by_vantage");
        for (auto it = m.begin(); it != m.end(); ++it) {
            std::string v = it->first.as<std::string>();
            if (!s.vantage(v)) r.fail(it->first, "expect_by_vantage names unknown vantage point '" + v + "'");
            Expectations e;
            read_expectations(r, it->second, e, *kind, "expect_by_vantage." + v);
            check_pings(e, it->second, "expect_by_vantage." + v);
            p.expect_by_vantage[v] = e;
        }
    }
    kind->check_probe(r, n, p);  // after every expectation is read
    return p;
}

// Across probes and targets: a row that must log in (a tunnel expected, echo requests asked for) has credentials,
// and a target's credentials are used by some probe (credentials on a server no probe logs in to are a mistake
// the file should not hide).
void check_credentials(YamlReader& r, const Scenario& s) {
    const std::string how = "give the probe or the target credentials: {user, password_file | password_env}";
    std::set<std::string> used;  // targets whose credentials some probe takes
    for (const auto& p : s.probes) {
        const ProbeKind& kind = p.kind();
        if (!kind.takes_credentials() || !kind.logs_in_with(p.options)) continue;
        bool tunnel = p.expect.tunnel.any();
        for (const auto& [vantage, e] : p.expect_by_vantage) tunnel = tunnel || e.tunnel.any();
        for (const auto& t : s.targets) {
            if (!p.targets.empty() && std::find(p.targets.begin(), p.targets.end(), t.name) == p.targets.end())
                continue;
            if (!p.credentials && t.credentials) used.insert(t.name);
            if (p.credentials_for(t)) continue;
            if (tunnel)
                r.note(p.mark, "probe '" + p.name + "' expects a tunnel (expect.tunnel) on target '" + t.name +
                                   "', which has no credentials: " + how);
            if (kind.pings(p.options))
                r.note(p.mark, "probe '" + p.name +
                                   "' sends echo requests through the tunnel (options.ping) on "
                                   "target '" +
                                   t.name + "', which has no credentials: " + how);
        }
    }
    for (const auto& t : s.targets)
        if (t.credentials && !used.count(t.name))
            r.note(t.credentials_mark, "target '" + t.name + "' has credentials that no probe uses: only a " +
                                           login_kind_names() +
                                           " probe without credentials of its own logs in with its target's");
}

// yaml-cpp keeps every pair of a mapping, and `node[key]` finds the first: a key written twice would be
// half ignored. Every mapping, at any depth, is checked; both places are named.
void duplicate_keys(YamlReader& r, const YAML::Node& n) {
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

Scenario read(YamlReader& r, const YAML::Node& root) {
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
    if (r.problems().empty()) check_credentials(r, s);
    return s;
}

}  // namespace

ScenarioError::ScenarioError(std::vector<ScenarioProblem> problems)
    : std::runtime_error(join_problems(problems)), problems_(std::move(problems)) {}

Scenario load_scenario_text(const std::string& text, const std::string& file) {
    YamlReader r(file);
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
