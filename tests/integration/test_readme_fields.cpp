// The README's JSON field tables are the truth: every field `vpnprobe sstp|ikev2|cert-check|run --format json`
// produces is documented there, and every field documented there is produced. The outputs are the fullest the
// lab gives (a healthy server, an ECDSA one, an expired one, a probe that fails on its own side, the weak-proposal
// audit, a scenario with a failing expectation and --compare-with), all probed from inside a lab vantage
// namespace; their field paths are united per command and compared with the README's tables.
//
// README convention (parsed here): a table preceded by `<!-- json-fields: COMMAND -->` lists, in its first
// column, the field paths of COMMAND's JSON in backticks (`tls.chain[].subject`: `[]` is an array's element).
// A table for an object several commands share is preceded by `<!-- json-fields: sstp at tls.chain[]; ikev2 at
// ike.chain[] -->`: its paths are relative to each mount point. A path's prefixes count as documented with it.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "lab_env.hpp"

namespace {

namespace json = boost::json;
using namespace vpnprobe;
using Paths = std::set<std::string>;

// Every path in `v`: objects and arrays by their own path too, array elements as `path[]` (only for arrays of
// objects, so `ekus` is one field, not `ekus[]`). Paths in `opaque` are not descended into.
void walk(const json::value& v, const std::string& path, Paths& out, const Paths& opaque) {
    if (!path.empty()) out.insert(path);
    if (opaque.count(path)) return;
    if (v.is_object()) {
        for (const auto& [k, x] : v.as_object())
            walk(x, path.empty() ? std::string(k) : path + "." + std::string(k), out, opaque);
    } else if (v.is_array()) {
        for (const auto& x : v.as_array())
            if (x.is_object()) walk(x, path + "[]", out, opaque);
    }
}

// The README's documented paths per command.
std::map<std::string, Paths> readme_fields(const std::string& readme_path) {
    std::ifstream in(readme_path);
    std::string line;
    std::map<std::string, Paths> docs;
    static const std::regex marker(R"(<!--\s*json-fields:\s*(.*?)\s*-->)");
    static const std::regex tick("`([^`]+)`");
    std::vector<std::pair<std::string, std::string>> mounts;  // (command, prefix) of the table being read
    bool in_table = false;
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_search(line, m, marker)) {
            mounts.clear();
            std::stringstream parts(m[1].str());
            std::string part;
            while (std::getline(parts, part, ';')) {
                auto at = part.find(" at ");
                std::string command = part.substr(0, at);
                command.erase(0, command.find_first_not_of(' '));
                command.erase(command.find_last_not_of(' ') + 1);
                if (at == std::string::npos) {
                    mounts.emplace_back(command, "");
                    continue;
                }
                std::stringstream prefixes(part.substr(at + 4));
                std::string prefix;
                while (std::getline(prefixes, prefix, ',')) {
                    prefix.erase(0, prefix.find_first_not_of(' '));
                    prefix.erase(prefix.find_last_not_of(' ') + 1);
                    mounts.emplace_back(command, prefix);
                }
            }
            in_table = false;
            continue;
        }
        if (mounts.empty()) continue;
        if (!line.starts_with("|")) {
            if (in_table) mounts.clear();  // the table ended
            continue;
        }
        bool first_row = !in_table;
        in_table = true;
        if (first_row || line.starts_with("|---") || line.starts_with("| ---")) continue;  // header, separator
        std::string cell = line.substr(1, line.find('|', 1) - 1);
        for (std::sregex_iterator it(cell.begin(), cell.end(), tick), end; it != end; ++it)
            for (const auto& [command, prefix] : mounts)
                docs[command].insert(prefix.empty() ? (*it)[1].str() : prefix + "." + (*it)[1].str());
    }
    return docs;
}

Paths with_prefixes(const Paths& documented) {
    Paths all;
    for (const auto& p : documented) {
        all.insert(p);
        for (std::size_t i = 0; i < p.size(); ++i) {
            if (p[i] == '.') all.insert(p.substr(0, i));
            if (p[i] == '[') all.insert(p.substr(0, i));
        }
    }
    return all;
}

std::string list(const Paths& p) {
    std::string s;
    for (const auto& x : p) s += "  " + x + "\n";
    return s;
}

class ReadmeFields : public testlab::LabTest {
protected:
    void SetUp() override {
        use_lab({"sstp-lab.env", "ike-lab.env"});
        if (IsSkipped()) return;
        probes::VantagePoint vp;
        vp.netns = var("VANTAGE_CLEAN");
        testlab::assert_inside_lab_namespace(vp);
        docs_ = readme_fields(std::string(VPNPROBE_SOURCE_DIR) + "/README.md");
    }

    // So few descriptors that the command's checks pass but the probe cannot open what it needs (EMFILE: the CA
    // file or its socket). 7, not 8: the command's own vantage check keeps its thread's network namespace open
    // (probes/vantage.cpp), one descriptor for the process's life, and with 8 an IKEv2 probe then still ran.
    static constexpr const char* kStarved = "ulimit -n 7 && exec ";

    // Runs vpnprobe with `args` (an output on stdout that is JSON: one object, or an array of them) and adds its
    // paths to `into`.
    // `shell_prefix` runs before it in the same shell (a descriptor limit); a run that could not probe here
    // exits 3, which `harness_ok` allows.
    void collect(const std::string& args, Paths& into, const Paths& opaque = {}, const std::string& shell_prefix = "",
                 bool harness_ok = false) {
        // stderr is closed off first: a redirection after a descriptor limit could itself fail (dash moves
        // descriptors to 10 and up); 3-9, which a test runner may pass down (ctest does), are closed so the
        // limit means the same wherever the test runs.
        auto r = testlab::run_command("exec 2>/dev/null 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-; " + shell_prefix +
                                      std::string(VPNPROBE_BINARY) + " " + args);
        ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1 || (harness_ok && r.exit_code == 3))
            << args << " exited " << r.exit_code << ":\n"
            << r.out;
        json::value v;
        try {
            v = json::parse(r.out);
        } catch (const std::exception& e) {
            FAIL() << args << ": not JSON (" << e.what() << "):\n" << r.out;
        }
        walk(v, "", into, opaque);
    }

    // Fails for a produced field the README does not document, and for a documented field no run produced
    // unless `conditional` names it (with the reason, in the caller).
    void compare(const std::string& command, const Paths& produced, const Paths& conditional) {
        ASSERT_TRUE(docs_.count(command)) << "README has no `<!-- json-fields: " << command << " -->` table";
        const Paths& documented = docs_[command];
        Paths covered = with_prefixes(documented);
        Paths undocumented, unproduced;
        for (const auto& p : produced)
            if (!covered.count(p)) undocumented.insert(p);
        for (const auto& p : documented)
            if (!produced.count(p) && !conditional.count(p)) unproduced.insert(p);
        EXPECT_TRUE(undocumented.empty()) << command << ": produced but not in the README:\n" << list(undocumented);
        EXPECT_TRUE(unproduced.empty()) << command << ": in the README but not produced:\n" << list(unproduced);
        for (const auto& c : conditional)
            EXPECT_TRUE(documented.count(c)) << command << ": conditional field " << c << " is not documented";
    }

    std::string netns() { return " --netns " + var("VANTAGE_CLEAN"); }

    std::map<std::string, Paths> docs_;
};

TEST_F(ReadmeFields, SstpJsonMatchesTheReadme) {
    Paths p;
    const std::string common = " --sni vpn.test --ca " + var("LAB_CA") + netns() + " --timeout 5 --format json";
    collect("sstp " + var("SSTP_RSA_ADDR") + common, p);
    collect("sstp " + var("SSTP_ECDSA_ADDR") + common, p);  // an EC key: key.curve
    collect("sstp " + var("SSTP_EXPIRED_ADDR") + common, p);  // findings with Windows errors, chain errors
    // A failure on the probe's own side (no descriptor left for its socket: the command line's checks pass,
    // the probe cannot open a socket): phases[].local, phases[].error. No packet leaves.
    collect("sstp " + var("SSTP_RSA_ADDR") + common, p, {}, kStarved, true);
    // Credentialed (--user): a login with a ping, a wrong password (mschap_error), an untrusted server
    // (credentials_withheld). The password comes from a file, as an operator gives it.
    auto secrets = testlab::read_env_file(var("SSTP_SECRETS"));
    const std::string user = " --user " + secrets["SSTP_USER"] + "@" + secrets["SSTP_HUB"] + " --password-file ";
    const std::string good = testlab::lab_run_dir() + "/test-readme-password", bad = good + "-wrong";
    std::ofstream(good) << secrets["SSTP_PASSWORD"] << "\n";
    std::ofstream(bad) << "not-the-password\n";
    collect("sstp " + var("SSTP_RSA_ADDR") + common + user + good + " --ping 192.168.30.1", p);
    collect("sstp " + var("SSTP_RSA_ADDR") + common + user + bad, p);
    collect("sstp " + var("SSTP_EXPIRED_ADDR") + common + user + good, p);
    std::remove(good.c_str());
    std::remove(bad.c_str());
    compare("sstp", p,
            {// Only when the server refuses the call with CALL_CONNECT_NAK; SoftEther, the lab's server, never does.
             "sstp.nak_status",
             // Only for PAP or CHAP-MD5 (--allow-weak-auth); the lab's SoftEther authenticates with MS-CHAPv2.
             "tunnel.auth_weakness"});
}

TEST_F(ReadmeFields, Ikev2JsonMatchesTheReadme) {
    Paths p;
    const std::string common = " --name vpn.test --ca " + var("IKE_CA") + netns() + " --timeout 5 --format json";
    collect("ikev2 " + var("IKE_FRAG_ADDR") + " --preset modern" + common, p);
    collect("ikev2 " + var("IKE_EXPIRED_ADDR") + " --preset modern" + common, p);
    // The lab's RRAS-like responder, made for the audit: weak_audit[].
    collect("ikev2 " + var("IKE_WEAK_ADDR") + " --preset windows-default --audit-weak" + common, p);
    collect("ikev2 " + var("IKE_FRAG_ADDR") + common, p, {}, kStarved, true);  // phases[].local, no packet
    // The user tunnel (--user): a login, a wrong password (mschap_error), an identity without an address
    // (tunnel.notifies[]: INTERNAL_ADDRESS_FAILURE). The password from a file, as an operator gives it.
    auto secrets = testlab::read_env_file(var("IKE_SECRETS"));
    const std::string good = testlab::lab_run_dir() + "/test-readme-ike-password", bad = good + "-wrong";
    std::ofstream(good) << secrets["IKE_EAP_PASSWORD"] << "\n";
    std::ofstream(bad) << "not-the-password\n";
    const std::string tunnel = "ikev2 " + var("IKE_TUNNEL_ADDR") + " --preset modern" + common + " --user " +
                               secrets["IKE_EAP_ID"] + " --password-file ";
    collect(tunnel + good + " --ping " + var("IKE_TUNNEL_PING") + " --ping-count 2", p);  // tunnel.ping, tunnel.esp
    collect(tunnel + bad, p);
    collect(tunnel + good + " --id " + var("IKE_TUNNEL_NOPOOL_ID"), p);
    std::remove(good.c_str());
    std::remove(bad.c_str());
    compare("ikev2", p,
            {// Every IKE server certificate in the lab is RSA; the curve is there for EC keys only (the SSTP
             // test sees it from the lab's ECDSA SSTP server).
             "ike.chain[].key.curve",
             // Only when the IKE_AUTH response carries notifies; the lab's servers answer these probes without.
             "ike.ike_auth_notifies[]", "ike.ike_auth_notifies[].name", "ike.ike_auth_notifies[].type",
             "ike.ike_auth_notifies[].data",
             // INTERNAL_ADDRESS_FAILURE, the notify the lab's tunnel server sends, carries no data.
             "tunnel.notifies[].data",
             // Only when a server's ESP packet did not open (another SPI, a bad ICV, a replay): the lab's does.
             "tunnel.esp.first_rejection"});
}

TEST_F(ReadmeFields, CertCheckJsonMatchesTheReadme) {
    Paths p;
    const std::string pki = var("LAB_RUN") + "/pki/";
    // EC certificate and its key, the CA as --chain too: key.curve, chain[].
    collect("cert-check " + pki + "ecdsa.crt --key " + pki + "ecdsa.key --chain " + pki + "ca.crt --ca " + pki +
                "ca.crt --name vpn.test --format json",
            p);
    // A name it does not hold and no trust anchor for it: findings, chain errors.
    // ... and an EC certificate as --chain: chain[].key.curve.
    collect("cert-check " + pki + "rsa.crt --chain " + pki + "ecdsa.crt --ca " + var("IKE_CA") +
                " --name other.test --format json",
            p);
    compare("cert-check", p, {});
}

TEST_F(ReadmeFields, RunJsonMatchesTheReadme) {
    auto dir = std::filesystem::temp_directory_path() / ("vpnprobe-readme-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::string file = (dir / "fields.yaml").string();
    std::ofstream(file)
        << "version: 1\nname: fields\n"
           "vantage_points:\n  - {name: clean, netns: " +
               var("VANTAGE_CLEAN") +
               "}\n"
               "targets:\n"
               "  - {name: sstp, host: " +
               var("SSTP_RSA_ADDR") + ", name_clients_dial: vpn.test, ca: " + var("LAB_CA") +
               "}\n"
               "  - {name: ike, host: " +
               var("IKE_FRAG_ADDR") + ", name_clients_dial: vpn.test, ca: " + var("IKE_CA") +
               "}\n"
               "  - {name: expired, host: " +
               var("SSTP_EXPIRED_ADDR") + ", name_clients_dial: vpn.test, ca: " + var("LAB_CA") +
               "}\n"
               "probes:\n"
               // Expectations that fail, one with the probe's Windows error: expectations[].detail and
               // expectations[].windows_error.
               "  - {name: sstp, type: sstp, targets: [sstp, expired], timeout: 5,\n"
               "     expect: {success: true, certificate: {min_days_left: 3650}}}\n"
               "  - {name: ikev2, type: ikev2, targets: [ike], timeout: 5, options: {preset: modern}}\n";
    Paths p;
    // The probe's own result is `rows[].result`, checked against the sstp and ikev2 tables above.
    collect("run " + file + " --format json --count 2 --compare-with " + var("LAB_RUN") + "/pki/rsa.crt", p,
            {"rows[].result"});
    // The same rows where no probe can open a socket: rows[].harness_reason.
    collect("run " + file + " --format json", p, {"rows[].result"}, kStarved, true);
    std::filesystem::remove_all(dir);
    compare("run", p, {});
}

// The parser itself: a table it cannot read would make every comparison above vacuous.
TEST(ReadmeFieldsParser, ReadsMarkedTablesWithMountPoints) {
    auto path = std::filesystem::temp_directory_path() / ("vpnprobe-readme-parser-" + std::to_string(::getpid()));
    std::ofstream(path) << "text\n<!-- json-fields: sstp -->\n\n| field | meaning |\n|---|---|\n"
                           "| `probe`, `tls.version` | x `not_a_field` in the meaning |\n\nafter `ignored`\n"
                           "<!-- json-fields: sstp at tls.chain[]; cert-check at certificate, chain[] -->\n"
                           "| field | meaning |\n|---|---|\n| `subject` | s |\n";
    auto d = readme_fields(path.string());
    std::filesystem::remove(path);
    EXPECT_EQ(d["sstp"], (Paths{"probe", "tls.version", "tls.chain[].subject"}));
    EXPECT_EQ(d["cert-check"], (Paths{"certificate.subject", "chain[].subject"}));
    EXPECT_TRUE(with_prefixes({"tls.chain[].subject"}).count("tls.chain[]"));
    EXPECT_TRUE(with_prefixes({"tls.chain[].subject"}).count("tls"));
    Paths walked;
    walk(json::parse(R"({"a":{"b":[{"c":1}],"d":["x"]},"r":{"z":1}})"), "", walked, {"r"});
    EXPECT_EQ(walked, (Paths{"a", "a.b", "a.b[]", "a.b[].c", "a.d", "r"}));
}

}  // namespace
