#include "cli/sstp_text.hpp"

#include <sstream>

#include "cli/text_common.hpp"
#include "probes/net_errors.hpp"

namespace vpnprobe::cli {

using namespace vpnprobe::probes;

std::string render_sstp_text(const SstpResult& r) {
    std::ostringstream out;
    out << "SSTP " << host_port_text(r.host, r.port);
    if (!r.address.empty() && r.address != r.host) out << " (" << r.address << ")";
    out << " from " << r.vantage << ": ";
    out << (r.success ? std::string("OK") : headline_failure(r.failed_phase, r.findings, r.windows_error));
    out << ", " << fixed(r.total_seconds, 3) << " s\n";
    phase_lines(out, r.phases);

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
        out << "  CALL_CONNECT_ACK, crypto binding hash " << join(s.hash_protocols, "+") << " (bitmask 0x" << std::hex
            << s.hash_bitmask << std::dec << ")\n";
    if (s.connect_naked) out << "  CALL_CONNECT_NAK: " << s.nak_status << "\n";
    if (!s.server_lcp_options.empty() || s.lcp_opened) {
        out << "  PPP LCP " << (s.lcp_opened ? "opened" : "not opened");
        if (!s.auth_protocol.empty()) out << ", server asks for " << s.auth_protocol;
        if (!s.rejected_lcp_options.empty()) out << ", server rejected " << join(s.rejected_lcp_options, ", ");
        out << "\n";
    }
    const SstpTunnelFacts& t = r.tunnel;
    if (!t.credentials_withheld.empty())
        out << "  login: no credentials sent, the server is not trusted (" << t.credentials_withheld << ")\n";
    else if (!t.auth_method.empty()) {
        out << "  login " << t.auth_method << (t.authenticated ? " accepted" : " not accepted");
        if (t.mschap_error) out << ", E=" << *t.mschap_error;
        if (!t.auth_weakness.empty()) out << " (weak: " << t.auth_weakness << ")";
        out << "\n";
    }
    if (t.call_connected_sent) out << "  CALL_CONNECTED sent, crypto binding " << t.binding_hash << "\n";
    if (t.connected)
        out << "  tunnel up: address " << t.address << (t.dns.empty() ? "" : ", DNS " + join(t.dns, ", ")) << "\n";
    if (!t.ping_target.empty()) {
        out << "  ping " << t.ping_target << ": " << t.echo_replies << "/" << t.echoes.size() << " replies";
        for (const auto& e : t.echoes)
            out << (e.replied ? ", " + fixed(e.rtt_ms, 1) + " ms"
                              : ", seq " + std::to_string(e.sequence) + ": " + e.answer);
        out << "\n";
    }
    if (!s.close.empty()) out << "  close: " << s.close << "\n";
    finding_lines(out, r.findings);
    return out.str();
}

}  // namespace vpnprobe::cli
