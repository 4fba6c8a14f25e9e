#include "cli/text_common.hpp"

#include <cstdio>

namespace vpnprobe::cli {

using namespace vpnprobe::probes;

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

void certificate_lines(std::ostringstream& out, const CertificateFacts& c, const char* label) {
    out << "  " << label << c.subject << "\n";
    out << "      issuer " << c.issuer << "\n";
    out << "      valid " << format_time_utc(c.not_before) << " .. " << format_time_utc(c.not_after) << " ("
        << fixed(c.days_left, 1) << " days left)\n";
    out << "      key " << c.key_type << " " << c.key_bits << (c.curve.empty() ? "" : " " + c.curve) << ", signed "
        << c.signature_algorithm << "\n";
    std::vector<std::string> sans;
    for (const auto& d : c.san_dns) sans.push_back("DNS:" + d);
    for (const auto& i : c.san_ip) sans.push_back("IP:" + i);
    out << "      SAN " << (sans.empty() ? "(none)" : join(sans, ", ")) << "; EKU "
        << (c.ekus.empty() ? "(none: any purpose)" : join(c.ekus, ", ")) << "\n";
    out << "      SHA-256 " << c.sha256_fingerprint << "\n";
}

std::string headline_failure(const std::string& failed_phase, const std::vector<Finding>& findings,
                             const std::string& windows_error) {
    std::string s = "FAILED";
    if (!failed_phase.empty()) s += " in phase " + failed_phase;
    for (const auto& f : findings) {
        if (f.severity != Severity::error) continue;
        s += ": " + f.check;
        break;
    }
    if (!windows_error.empty()) s += " (Windows: " + windows_error + ")";
    return s;
}

void phase_lines(std::ostringstream& out, const std::vector<Phase>& phases) {
    out << "  phases:";
    for (const auto& p : phases) {
        out << " " << p.name << " " << fixed(p.seconds * 1000, 1) << " ms";
        if (p.outcome != PhaseOutcome::ok) out << " [" << to_string(p.outcome) << "]";
        out << ";";
    }
    out << "\n";
    for (const auto& p : phases)
        if (!p.error.empty()) out << "  " << p.name << ": " << p.error << "\n";
}

void finding_lines(std::ostringstream& out, const std::vector<Finding>& findings) {
    for (const auto& f : findings) {
        out << "  " << to_string(f.severity) << " " << f.check << ": " << f.detail;
        if (!f.windows_error.empty()) out << "\n      a Windows client would show: " << f.windows_error;
        out << "\n";
    }
}

}  // namespace vpnprobe::cli
