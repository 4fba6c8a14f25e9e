#include "cli/ikev2_text.hpp"

#include <sstream>

#include "cli/text_common.hpp"
#include "probes/net_errors.hpp"

namespace vpnprobe::cli {

using namespace vpnprobe::probes;

namespace {

std::string notify_list(const std::vector<Ikev2Notify>& v) {
    std::vector<std::string> names;
    for (const auto& n : v) names.push_back(n.data.empty() ? n.name : n.name + "(" + n.data + ")");
    return join(names, " ");
}

}  // namespace

std::string render_ikev2_text(const Ikev2Result& r) {
    std::ostringstream out;
    const Ikev2Facts& f = r.ike;
    out << "IKEv2 " << host_port_text(r.host, r.port) << " (UDP)";
    if (!r.address.empty() && r.address != r.host) out << " (" << r.address << ")";
    out << " from " << r.vantage << ": ";
    out << (r.success ? std::string("OK") : headline_failure(r.failed_phase, r.findings, r.windows_error));
    out << ", " << fixed(r.total_seconds, 3) << " s\n";
    phase_lines(out, r.phases);
    if (f.sa_init_answered) {
        out << "  IKE_SA_INIT: ";
        if (!f.chosen_proposal.empty()) out << "chosen " << f.chosen_proposal;
        else if (!f.error_notify.empty()) out << "refused with " << f.error_notify;
        out << " (" << f.sa_init_round_trips << " round trip" << (f.sa_init_round_trips == 1 ? "" : "s");
        if (f.cookie_rounds) out << ", COOKIE answered";
        if (!f.invalid_ke_groups.empty()) out << ", INVALID_KE_PAYLOAD answered";
        if (f.sa_init_retransmissions) out << ", " << f.sa_init_retransmissions << " retransmissions";
        out << ")\n";
        out << "      notifies " << (f.sa_init_notifies.empty() ? "(none)" : notify_list(f.sa_init_notifies)) << "\n";
        if (!f.vendor_ids.empty()) out << "      vendor IDs " << join(f.vendor_ids, ", ") << "\n";
        out << "      IKE fragmentation " << (f.fragmentation_offered ? "offered" : "NOT offered");
        if (f.nat_detected) out << "; NAT " << (*f.nat_detected ? "detected" : "none");
        if (f.certreq_matches_ca)
            out << "; CERTREQ " << (*f.certreq_matches_ca ? "names the given CA" : "names other CAs");
        out << "\n";
    }
    if (!f.offered.empty()) out << "  offered " << f.offered << "\n";
    if (f.ike_auth_answered) {
        out << "  IKE_AUTH: " << (f.idr.empty() ? "no IDr" : f.idr);
        if (f.ike_auth_retransmissions) out << "; " << f.ike_auth_retransmissions << " retransmissions";
        if (f.fragments_sent) out << "; sent in " << f.fragments_sent << " fragments";
        if (f.fragments_received) out << "; response in " << f.fragments_received << " fragments";
        out << "\n";
        if (!f.auth_method.empty())
            out << "      AUTH " << f.auth_method << ": "
                << (!f.auth_verified   ? "not checked"
                    : *f.auth_verified ? "signature verified"
                                       : "signature does NOT verify")
                << (f.auth_detail.empty() || f.auth_verified.value_or(false) ? "" : " (" + f.auth_detail + ")") << "\n";
        if (!f.eap_request.empty()) out << "      EAP request " << f.eap_request << "\n";
        if (!f.ike_auth_notifies.empty()) out << "      notifies " << notify_list(f.ike_auth_notifies) << "\n";
    }
    if (f.nat_t_port_answers_sa_init)
        out << "  a fresh IKE_SA_INIT on the NAT-T port "
            << (*f.nat_t_port_answers_sa_init ? "IS answered" : "is not answered either") << "\n";
    if (!f.chain.empty()) {
        certificate_lines(out, f.chain.front(), "certificate ");
        if (f.chain.size() > 1) out << "      + " << f.chain.size() - 1 << " more certificate(s) sent by the server\n";
    }
    if (f.chain_verdict)
        out << "  chain " << (f.chain_verdict->valid ? "valid" : "NOT valid: " + f.chain_verdict->openssl_reason)
            << "\n";
    if (r.tunnel.credentials_given) {
        const auto& t = r.tunnel;
        out << "  login: " << (t.auth_method.empty() ? "EAP" : t.auth_method) << ", " << t.eap_rounds << " EAP round"
            << (t.eap_rounds == 1 ? "" : "s");
        if (!t.auth_server_name.empty()) out << ", authenticator \"" << t.auth_server_name << "\"";
        if (t.mschap_error) out << ", MS-CHAPv2 E=" << *t.mschap_error;
        if (!t.server_message.empty()) out << ", message \"" << t.server_message << "\"";
        out << "\n      server " << (t.server_proven ? "proved it knows the password" : "did NOT prove the password")
            << "; EAP-Success " << (t.eap_success ? "yes" : "no") << "; final AUTH "
            << (!t.server_auth_verified   ? "not checked"
                : *t.server_auth_verified ? "verified from the MSK"
                                          : "does NOT match the MSK")
            << "\n";
        if (!t.notifies.empty()) out << "      notifies " << notify_list(t.notifies) << "\n";
        if (t.authenticated) {
            out << "  tunnel: " << (t.connected ? "up" : "NOT up");
            if (!t.address.empty()) out << ", address " << t.address;
            if (!t.address6.empty()) out << ", address6 " << t.address6;
            if (!t.dns.empty()) out << ", DNS " << join(t.dns, " ");
            out << "\n";
            if (t.child.created)
                out << "      CHILD_SA ESP " << t.child.esp_proposal << ", SPIs in " << t.child.spi_in << " out "
                    << t.child.spi_out << ", TSi " << join(t.child.tsi, " ") << " TSr " << join(t.child.tsr, " ")
                    << "\n";
            else
                out << "      no CHILD_SA" << (t.child.error_notify.empty() ? "" : ": " + t.child.error_notify)
                    << " (offered " << t.child.offered << ")\n";
            if (!t.ping_target.empty()) {
                out << "  ping " << t.ping_target << ": " << t.echo_replies << "/" << t.echoes.size() << " replies";
                for (const auto& e : t.echoes)
                    out << (e.replied ? ", " + fixed(e.rtt_ms, 1) + " ms"
                                      : ", seq " + std::to_string(e.sequence) + ": " + e.answer);
                out << "\n      ESP " << t.esp_sent << " sent, " << t.esp_received << " received, " << t.esp_rejected
                    << " rejected" << (t.esp_first_rejection.empty() ? "" : " (first: " + t.esp_first_rejection + ")")
                    << "\n";
            }
        }
    }
    if (!r.weak_audit.empty()) {
        out << "  weak-proposal audit:\n";
        for (const auto& w : r.weak_audit)
            out << "      "
                << (w.accepted   ? "ACCEPTED "
                    : w.answered ? "refused  "
                                 : "no answer ")
                << w.proposal << " (" << w.why_weak << "): " << w.answer << "\n";
    }
    finding_lines(out, r.findings);
    return out.str();
}

}  // namespace vpnprobe::cli
