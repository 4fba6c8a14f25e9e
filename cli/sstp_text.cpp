#include "cli/sstp_text.hpp"

#include <cstdio>
#include <sstream>

namespace vpnprobe::cli {

using namespace vpnprobe::probes;

namespace {

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

}  // namespace

std::string render_sstp_text(const SstpResult& r) {
    std::ostringstream out;
    out << "SSTP " << r.host << ":" << r.port;
    if (!r.address.empty() && r.address != r.host) out << " (" << r.address << ")";
    out << " from " << r.vantage << ": ";
    if (r.success) {
        out << "OK";
    } else {
        out << "FAILED";
        if (!r.failed_phase.empty()) out << " in phase " << r.failed_phase;
        for (const auto& f : r.findings) {
            if (f.severity != Severity::error) continue;
            out << ": " << f.check;
            break;
        }
        if (!r.windows_error.empty()) out << " (Windows: " << r.windows_error << ")";
    }
    out << ", " << fixed(r.total_seconds, 3) << " s\n";

    out << "  phases:";
    for (const auto& p : r.phases) {
        out << " " << p.name << " " << fixed(p.seconds * 1000, 1) << " ms";
        if (p.outcome != PhaseOutcome::ok) out << " [" << to_string(p.outcome) << "]";
        out << ";";
    }
    out << "\n";
    for (const auto& p : r.phases)
        if (!p.error.empty()) out << "  " << p.name << ": " << p.error << "\n";

    if (r.tls) {
        const TlsFacts& t = *r.tls;
        out << "  TLS " << t.version << ", " << t.cipher;
        if (!t.group.empty()) out << ", group " << t.group;
        out << ", SNI " << (t.sni.empty() ? "(none)" : t.sni) << "\n";
        if (!t.chain.empty()) certificate_lines(out, t.chain.front(), "certificate ");
        if (t.chain.size() > 1) out << "      + " << t.chain.size() - 1 << " more certificate(s) sent by the server\n";
        out << "  chain " << (t.chain_verdict.valid ? "valid" : "NOT valid: " + t.chain_verdict.openssl_reason) << "\n";
    }
    const SstpFacts& s = r.sstp;
    if (s.http_status) {
        out << "  HTTP " << s.http_status_line;
        if (!s.server_header.empty()) out << " (Server: " << s.server_header << ")";
        out << "\n";
    }
    if (s.connect_acked)
        out << "  CALL_CONNECT_ACK, crypto binding hash " << join(s.hash_protocols, "+") << " (bitmask 0x"
            << std::hex << s.hash_bitmask << std::dec << ")\n";
    if (s.connect_naked) out << "  CALL_CONNECT_NAK: " << s.nak_status << "\n";
    if (!s.server_lcp_options.empty() || s.lcp_opened) {
        out << "  PPP LCP " << (s.lcp_opened ? "opened" : "not opened");
        if (!s.auth_protocol.empty()) out << ", server asks for " << s.auth_protocol;
        if (!s.rejected_lcp_options.empty()) out << ", server rejected " << join(s.rejected_lcp_options, ", ");
        out << "\n";
    }
    if (!s.close.empty()) out << "  close: " << s.close << "\n";
    for (const auto& f : r.findings) {
        out << "  " << to_string(f.severity) << " " << f.check << ": " << f.detail;
        if (!f.windows_error.empty()) out << "\n      a Windows client would show: " << f.windows_error;
        out << "\n";
    }
    return out.str();
}

}  // namespace vpnprobe::cli
