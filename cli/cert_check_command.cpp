// vpnprobe cert-check: the command line, the input files and the two reports. The checks themselves are
// probes::check_certificate; nothing here judges a certificate.
#include <openssl/crypto.h>
#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "cli/text_common.hpp"
#include "probes/certificate_check.hpp"
#include "probes/certificate_json.hpp"

namespace vpnprobe::cli {

namespace json = boost::json;
using namespace vpnprobe::probes;

namespace {

// The key file's text, wiped when it goes, so the key does not linger in freed memory.
class KeyText {
public:
    explicit KeyText(std::string text) : text_(std::move(text)) {}
    ~KeyText() {
        if (!text_.empty()) OPENSSL_cleanse(text_.data(), text_.size());
    }
    KeyText(const KeyText&) = delete;
    KeyText& operator=(const KeyText&) = delete;
    std::string_view view() const { return text_; }

private:
    std::string text_;
};

std::string read_file(const std::string& option, const std::string& path) {
    check_ca_file(option, path);
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw UsageError(option + " " + path + ": cannot read");
    // Sized once and read in one go: a string grown while reading would leave copies of a key in freed memory.
    auto size = static_cast<std::streamoff>(in.tellg());
    if (size < 0 || size > (1 << 24)) throw UsageError(option + " " + path + ": cannot read (or larger than 16 MiB)");
    std::string data(static_cast<std::size_t>(size), '\0');
    in.seekg(0);
    if (!in.read(data.data(), size)) throw UsageError(option + " " + path + ": cannot read");
    return data;
}

// PEM (one or more certificates) or a single DER certificate, the form Windows exports as .cer.
std::vector<Bytes> load_certificates(const std::string& option, const std::string& path) {
    std::string data = read_file(option, path);
    try {
        if (data.find("-----BEGIN") != std::string::npos) return load_pem_certificates(path);
        Bytes der(data.begin(), data.end());
        inspect_certificate(der, 0);  // only to say which file is broken, before the check starts
        return {der};
    } catch (const std::runtime_error& e) {
        throw UsageError(option + " " + path + ": " + e.what());
    }
}

std::string use_title(VpnUse u) { return u == VpnUse::sstp ? "SSTP" : "IKEv2"; }

// The headline agrees with the findings: "would refuse" only for a finding a Windows client refuses; an error by
// the pre-change rules alone (RSA 1024, --fail-under-days) is said to be one.
std::string verdict_line(const CertCheckResult& r, VpnUse use) {
    const CertCheckFinding* e = r.first_error(use);
    if (!e) return use_title(use) + ": OK";
    const CertCheckFinding* refused = nullptr;
    for (const auto& f : r.findings)
        if (!refused && f.use == use && f.client_refuses()) refused = &f;
    if (!refused)
        return use_title(use) + ": NOT ready: " + e->check +
               " (a Windows client accepts it today; it fails this check's rule for a certificate about to be deployed)";
    std::string s = use_title(use) + ": a Windows client would refuse it: " + refused->check;
    if (!refused->windows_error.empty()) s += " (Windows: " + refused->windows_error + ")";
    return s;
}

std::string key_line(const CertCheckResult& r) {
    if (!r.key) return "private key: not given (--key), not checked";
    std::string what =
        r.key->key_type + " " + std::to_string(r.key->key_bits) + (r.key->curve.empty() ? "" : " " + r.key->curve);
    return r.key->matches ? "private key: matches the certificate (" + what + ")"
                          : "private key: does NOT match the certificate (" + what + ")";
}

std::string chain_line(const ChainVerdict& v) {
    if (v.valid) return "chain: verifies: " + join(v.built_chain_subjects, " > ");
    return "chain: does not verify: " + v.openssl_reason + " (OpenSSL " + std::to_string(v.openssl_error) + ", depth " +
           std::to_string(v.error_depth) + ")";
}

std::string render_text(const CertCheckResult& r, const std::string& cert_path) {
    std::ostringstream out;
    out << "vpnprobe cert-check " << cert_path << " at " << format_time_utc(r.options.at) << ", names "
        << join(r.options.names, ", ") << "\n";
    certificate_lines(out, r.leaf, "certificate ");
    for (const auto& c : r.intermediates) certificate_lines(out, c, "chain ");
    out << "  " << chain_line(r.chain) << "\n";
    out << "  " << key_line(r) << "\n";
    for (VpnUse use : r.options.uses) {
        out << verdict_line(r, use) << "\n";
        std::vector<Finding> findings;
        for (const auto& f : r.findings) {
            if (f.use != use) continue;
            Finding plain = f;
            // Name the dialled name unless the detail already does.
            if (!f.name.empty() && f.detail.find(f.name) == std::string::npos)
                plain.detail = "for " + f.name + ": " + plain.detail;
            findings.push_back(std::move(plain));
        }
        finding_lines(out, findings);
    }
    return out.str();
}

json::object render_json(const CertCheckResult& r) {
    json::object o;
    o["command"] = "cert-check";
    o["checked_at"] = format_time_utc(r.options.at);
    json::array names, uses;
    for (const auto& n : r.options.names) names.emplace_back(n);
    for (VpnUse u : r.options.uses) uses.emplace_back(to_string(u));
    o["names"] = std::move(names);
    o["uses"] = std::move(uses);
    o["min_days"] = r.options.min_days;
    o["fail_under_days"] = r.options.fail_under_days;
    o["certificate"] = to_json(r.leaf);
    json::array chain;
    for (const auto& c : r.intermediates) chain.push_back(to_json(c));
    o["chain"] = std::move(chain);
    o["chain_verdict"] = to_json(r.chain);
    if (r.key) {
        json::object k;
        k["matches"] = r.key->matches;
        k["type"] = r.key->key_type;
        k["bits"] = r.key->key_bits;
        if (!r.key->curve.empty()) k["curve"] = r.key->curve;
        o["key"] = std::move(k);
    } else {
        o["key"] = nullptr;
    }
    json::array findings;
    for (const auto& f : r.findings) {
        json::object j;
        j["severity"] = to_string(f.severity);
        j["check"] = f.check;
        j["detail"] = f.detail;
        j["windows_error"] = f.windows_error;
        j["use"] = to_string(f.use);
        j["name"] = f.name;
        j["client_refuses"] = f.client_refuses();
        findings.push_back(std::move(j));
    }
    o["findings"] = std::move(findings);
    // null for a use not asked for (--for): not checked is not the same as refused.
    json::object ok_for;
    for (VpnUse u : {VpnUse::sstp, VpnUse::ikev2}) {
        if (r.checked(u)) ok_for[to_string(u)] = r.ok_for(u);
        else ok_for[to_string(u)] = nullptr;
    }
    o["ok_for"] = std::move(ok_for);
    o["ok"] = r.ok();
    return o;
}

}  // namespace

CertCheckCommand::CertCheckCommand(CLI::App& app) {
    sub_ = app.add_subcommand("cert-check",
                              "Check a candidate server certificate offline, before it is bound to an SSTP listener or "
                              "an IKEv2 server: what a Windows client would refuse, and whether the key belongs to it");
    sub_->add_option("cert", cert_,
                     "PEM file of the certificate (further certificates in it are the chain), or one DER certificate")
        ->required();
    sub_->add_option("--chain", chain_, "PEM file of the intermediates the server will send");
    sub_->add_option("--key", key_, "PEM private key, to check it belongs to the certificate (never printed)");
    sub_->add_option("--name", names_, "A name clients dial; repeat for every name")->required();
    sub_->add_option("--for", uses_, "Comma list of uses to check: sstp, ikev2 (default sstp,ikev2)")->delimiter(',');
    sub_->add_option("--ca", ca_, "PEM bundle of trust anchors; default: the system store");
    sub_->add_option("--min-days", min_days_, "Warn when fewer days of validity remain at --at")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    sub_->add_option("--fail-under-days", fail_under_days_,
                     "An error (exit 1) when fewer days of validity remain at --at, for a change gate; 0 = off")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    sub_->add_option("--at", at_, "Judge validity at this UTC time (2027-01-15T00:00:00Z or 2027-01-15); default now");
    sub_->add_option("--format", format_, "Output format")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
}

bool CertCheckCommand::selected() const { return sub_->parsed(); }

int CertCheckCommand::run() {
    CertCheckOptions opt;
    for (const auto& n : names_)
        if (n.empty()) throw UsageError("--name must not be empty");
    opt.names = names_;
    if (!uses_.empty()) {
        opt.uses.clear();
        for (const auto& u : uses_) {
            auto use = parse_vpn_use(u);
            if (!use) throw UsageError("--for " + u + ": unknown use (sstp, ikev2)");
            opt.uses.push_back(*use);
        }
    }
    if (at_.empty()) {
        opt.at = std::time(nullptr);
    } else if (auto t = parse_utc_time(at_)) {
        opt.at = *t;
    } else {
        throw UsageError("--at " + at_ + ": not a UTC time like 2027-01-15T00:00:00Z or 2027-01-15");
    }
    opt.min_days = min_days_;
    opt.fail_under_days = fail_under_days_;
    check_ca_file("--ca", ca_);
    if (!ca_.empty()) opt.ca_file = ca_;

    std::vector<Bytes> certs = load_certificates("CERT", cert_);
    opt.leaf_der = certs.front();
    opt.intermediates_der.assign(certs.begin() + 1, certs.end());
    if (!chain_.empty()) {
        auto more = load_certificates("--chain", chain_);
        opt.intermediates_der.insert(opt.intermediates_der.end(), more.begin(), more.end());
    }
    std::optional<KeyText> key;
    if (!key_.empty()) {
        key.emplace(read_file("--key", key_));
        opt.key_pem = key->view();
    }

    CertCheckResult result;
    try {
        result = check_certificate(opt);
    } catch (const KeyUnreadable& e) {
        throw UsageError("--key " + key_ + ": " + e.what());
    } catch (const std::runtime_error& e) {
        // The certificate parsed above, so what is left is the trust anchors (a --ca that is not PEM).
        throw UsageError(e.what());
    }

    if (format_ == "json") std::cout << json::serialize(render_json(result)) << "\n";
    else std::cout << render_text(result, cert_);
    return result.ok() ? 0 : 1;
}

}  // namespace vpnprobe::cli
