// Turns an SSTP probe's phases and facts into findings, each with what a Windows client would show.
// The probe records; this judges. Order matters: the first error finding is the headline.
#include <cstdio>

#include "probes/net_errors.hpp"
#include "probes/sstp/sstp_probe.hpp"
#include "probes/windows_errors.hpp"

namespace vpnprobe::probes {

namespace {

std::string win(const winerr::WindowsError& e) { return winerr::describe(e); }

void add(SstpResult& r, Severity s, std::string check, std::string detail, std::string windows_error) {
    r.findings.push_back(Finding{s, std::move(check), std::move(detail), std::move(windows_error)});
}

// Why a TCP connection failed: the probe's reason; for a phase that carries only the errno, the errno's.
FailureReason connect_reason(const Phase& p) {
    if (p.reason != FailureReason::none && p.reason != FailureReason::socket_error) return p.reason;
    return socket_failure_reason(p.sys_errno);
}

// A failed or timed-out phase, as the finding an operator reads first: by its phase and FailureReason (and
// errno), never by the words of its error, which the finding only quotes.
void phase_finding(SstpResult& r, const Phase& p, const SstpOptions& opt) {
    const std::string where = host_port_text(r.host, r.port);
    if (p.outcome == PhaseOutcome::interrupted) {
        add(r, Severity::error, "probe.interrupted",
            "the probe was stopped before its " + p.name + " phase ended (" + p.error +
                "): this says nothing about the server",
            "");
        return;
    }
    if (p.reason == FailureReason::harness_overload) {
        add(r, Severity::error, "probe.overload",
            "the probe could not judge its " + p.name + " phase from " + r.vantage + ": " + p.error, "");
        return;
    }
    if (p.local || p.reason == FailureReason::local) {
        add(r, Severity::error, "probe.local",
            "the probe could not run its " + p.name + " phase from " + r.vantage +
                " (a problem on the probe's side, not the server's): " + p.error,
            "");
        return;
    }
    const bool timeout = p.outcome == PhaseOutcome::timeout;
    if (p.name == "resolve") {
        add(r, Severity::error, "sstp.resolve", p.error + " (resolved from " + r.vantage + ")",
            win(winerr::ERROR_NO_DNS));
    } else if (p.name == "tcp_connect") {
        // Named for what happened: only a reset is a refusal. A Windows client shows 809 for each (the server
        // "is not responding"), so the finding's name and text carry the difference.
        std::string check, why;
        const FailureReason reason = timeout ? FailureReason::timeout : connect_reason(p);
        switch (reason) {
        case FailureReason::timeout:
        case FailureReason::connection_timed_out:
            check = "sstp.tcp_timeout";
            why = "no answer to the TCP connection attempt to " + where +
                  " (TCP filtered on the path, or the server is down): " + p.error;
            break;
        case FailureReason::refused:
            check = "sstp.tcp_refused";
            why = "nothing accepts SSTP on " + where + ": " + p.error;
            break;
        case FailureReason::network_unreachable:
            check = "sstp.network_unreachable";
            why = "the network of " + where + " cannot be reached from " + r.vantage + ": " + p.error;
            break;
        case FailureReason::host_unreachable:
            check = "sstp.no_route";
            why = where + " cannot be reached from " + r.vantage + ": " + p.error;
            break;
        default:
            check = "sstp.tcp_failed";
            why = "the TCP connection to " + where + " failed: " + p.error;
            break;
        }
        add(r, Severity::error, check, why, win(winerr::ERROR_VPN_TIMEOUT));
    } else if (p.name == "tls_handshake") {
        if (timeout)
            add(r, Severity::error, "sstp.tls_timeout",
                "the TCP connection opened but the TLS handshake got no answer: something accepts TCP on " + where +
                    " but does not speak TLS (a load balancer without a backend?): " + p.error,
                win(winerr::ERROR_VPN_TIMEOUT));
        else if (p.reason == FailureReason::tls_no_common_algorithm)
            add(r, Severity::error, "sstp.tls_no_common_algorithm", "TLS handshake failed: " + p.error,
                win(winerr::SEC_E_ALGORITHM_MISMATCH));
        else
            add(r, Severity::error, "sstp.tls_failed", "TLS handshake failed: " + p.error,
                win(winerr::ERROR_VPN_TIMEOUT));
    } else if (p.name == "http") {
        if (timeout)
            add(r, Severity::error, "sstp.http_timeout",
                "TLS works but the server never answered SSTP_DUPLEX_POST: SSTP is not enabled on this listener, or "
                "the server is broken (Debian's SoftEther build behaves so); " +
                    p.error,
                win(winerr::ERROR_VPN_TIMEOUT));
        else
            add(r, Severity::error, "sstp.http_rejected",
                "the HTTPS server at " + where + " is not an SSTP endpoint: " + p.error +
                    (r.sstp.server_header.empty() ? "" : " (Server: " + r.sstp.server_header + ")"),
                win(winerr::ERROR_VPN_TIMEOUT));
    } else if (p.name == "call_connect") {
        add(r, Severity::error, timeout ? "sstp.call_connect_timeout" : "sstp.call_connect_failed",
            "SSTP call connect failed: " + p.error, win(winerr::ERROR_VPN_TIMEOUT));
    } else if (p.name == "ppp_lcp") {
        add(r, Severity::error, timeout ? "sstp.lcp_timeout" : "sstp.lcp_failed",
            "PPP link negotiation (LCP) inside SSTP failed: " + p.error, win(winerr::ERROR_VPN_TIMEOUT));
    } else if (p.name == "ppp_auth") {
        if (timeout)
            add(r, Severity::error, "sstp.auth_timeout",
                "PPP authentication got no answer in time (an NPS/RADIUS server that does not answer the VPN "
                "server?): " +
                    p.error,
                win(winerr::ERROR_VPN_TIMEOUT));
        else if (p.reason == FailureReason::sstp_auth_rejected)
            add(r, Severity::error, "sstp.auth_rejected",
                "the server refused the credentials (wrong password, unknown user, or the authentication server "
                "refused them; some servers, SoftEther among them, also answer 691 when a policy refuses a "
                "correct password): " +
                    p.error,
                win(r.tunnel.mschap_error ? winerr::mschapv2_failure_error(*r.tunnel.mschap_error)
                                          : winerr::ERROR_AUTHENTICATION_FAILURE));
        else if (p.reason == FailureReason::sstp_auth_policy)
            // The client shows the server's E= code (649 no dial-in permission, 647 account disabled, ...).
            add(r, Severity::error, "sstp.auth_policy",
                "the credentials were checked but a policy refused the connection (network policy, dial-in "
                "permission, account restriction): " +
                    p.error,
                win(r.tunnel.mschap_error ? winerr::mschapv2_failure_error(*r.tunnel.mschap_error)
                                          : winerr::ERROR_SERVER_POLICY));
        else if (p.reason == FailureReason::sstp_auth_not_proven)
            add(r, Severity::error, "sstp.auth_server_not_proven",
                "the server did not prove it knows the password (its MS-CHAPv2 Success carries no valid "
                "authenticator response): a Windows client ends such a connection, as RFC 2759 asks; a server that "
                "answers for an authentication server it cannot reach, or something in between: " +
                    p.error,
                win(winerr::ERROR_UNABLE_TO_AUTHENTICATE_SERVER));
        else if (p.reason == FailureReason::sstp_auth_loop)
            add(r, Severity::error, "sstp.auth_loop",
                "the server kept the authentication going without an end (it repeats its requests or its "
                "renegotiation): " +
                    p.error,
                win(winerr::ERROR_AUTHENTICATION_FAILURE));
        else if (p.reason == FailureReason::sstp_auth_unsupported)
            add(r, Severity::error, "sstp.auth_unsupported",
                "the server asks for an authentication method the probe may not use: " + p.error,
                win(winerr::ERROR_SERVER_POLICY));
        else if (p.reason == FailureReason::malformed)
            // A Windows client discards a packet it cannot decode (RFC 1661 section 5, RFC 1994) and keeps waiting:
            // it sees a server that does not answer, as for a malformed LCP packet, never a wrong password.
            add(r, Severity::error, "sstp.auth_failed",
                "PPP authentication failed: the server's packet does not decode: " + p.error,
                win(winerr::ERROR_VPN_TIMEOUT));
        else
            add(r, Severity::error, "sstp.auth_failed", "PPP authentication failed: " + p.error,
                win(winerr::ERROR_AUTHENTICATION_FAILURE));
    } else if (p.name == "call_connected") {
        add(r, Severity::error, "sstp.call_connected_failed", "SSTP_MSG_CALL_CONNECTED failed: " + p.error,
            win(winerr::ERROR_VPN_TIMEOUT));
    } else if (p.name == "ipcp") {
        if (p.reason == FailureReason::sstp_binding_refused)
            add(r, Severity::error, "sstp.crypto_binding_refused",
                "the server ended the call after our CALL_CONNECTED: it refused the crypto binding (a TLS "
                "intermediary that changes the certificate, or a server that derives other keys): " +
                    p.error,
                win(winerr::ERROR_VPN_TIMEOUT));
        else if (p.reason == FailureReason::malformed)
            // Discarded by a Windows client, which then never gets an address: 720 as for an IPCP timeout.
            add(r, Severity::error, "sstp.ipcp_failed",
                "logged in, but IPCP failed: the server's IPCP packet does not decode: " + p.error,
                win(winerr::ERROR_PPP_NO_PROTOCOLS_CONFIGURED));
        else
            add(r, Severity::error, timeout ? "sstp.ipcp_timeout" : "sstp.ipcp_failed",
                "logged in, but no IPv4 address was assigned (address pool exhausted, IPCP refused): " + p.error,
                win(winerr::ERROR_PPP_NO_PROTOCOLS_CONFIGURED));
    } else if (p.name == "data_path") {
        add(r, Severity::error, "sstp.traffic_does_not_pass",
            "connected, but traffic does not pass: the tunnel is up with address " + r.tunnel.address +
                ", yet no echo reply came back from " + r.tunnel.ping_target +
                " (a route, firewall or NAT behind the VPN server; users can log in but reach nothing): " + p.error,
            "");
    } else if (p.name == "disconnect") {
        // The tunnel worked; only the goodbye did not. Worth knowing, not a failed probe.
        add(r, Severity::warning, "sstp.disconnect", "clean disconnect failed: " + p.error, "");
    }
    (void)opt;
}

}  // namespace

void diagnose_sstp(SstpResult& r, const SstpOptions& opt) {
    r.findings.clear();
    r.failed_phase.clear();
    const Phase* failed = nullptr;
    for (const auto& p : r.phases) {
        if (p.outcome != PhaseOutcome::ok) {
            failed = &p;
            break;
        }
    }
    // The handshake counts as done once LCP opened: the disconnect is our own courtesy.
    r.handshake_ok = r.sstp.lcp_opened;
    if (r.tunnel.credentials_given && r.tunnel.credentials_withheld.empty())
        r.handshake_ok = r.tunnel.connected && (opt.ping.empty() || r.tunnel.echo_replies > 0);
    if (failed) {
        r.failed_phase = failed->name;
        phase_finding(r, *failed, opt);
    }
    if (r.tls && !r.tls->chain.empty()) {
        const std::string dialled = opt.tls.sni.empty() ? opt.host : opt.tls.sni;
        for (const auto& problem :
             windows_certificate_problems(r.tls->chain.front(), r.tls->chain_verdict, dialled, VpnUse::sstp)) {
            add(r, problem.advisory ? Severity::warning : Severity::error, "certificate." + problem.check,
                problem.detail, problem.windows_error);
        }
        const auto& leaf = r.tls->chain.front();
        if (leaf.days_left >= 0 && leaf.days_left < 30) {
            char days[32];
            std::snprintf(days, sizeof days, "%.1f", leaf.days_left);
            add(r, Severity::warning, "certificate.expires_soon",
                "the server certificate expires in " + std::string(days) + " days (" + format_time_utc(leaf.not_after) +
                    "): renew it before clients start failing with CERT_E_EXPIRED",
                "");
        }
    }
    if (r.tls && (r.tls->version == "TLSv1" || r.tls->version == "TLSv1.1" || r.tls->version == "SSLv3"))
        add(r, Severity::warning, "tls.old_version",
            "the server negotiated " + r.tls->version +
                ": TLS 1.0 and 1.1 are deprecated (RFC 8996) and Microsoft is disabling them by default in Windows",
            "");
    if (r.sstp.connect_acked && r.sstp.hash_bitmask >= 0 && !(r.sstp.hash_bitmask & 0x02))
        add(r, Severity::warning, "sstp.crypto_binding_sha1_only",
            "the server offers only SHA-1 for the SSTP crypto binding (bitmask " + std::to_string(r.sstp.hash_bitmask) +
                ")",
            "");
    if (!r.tunnel.credentials_withheld.empty())
        add(r, Severity::error, "sstp.credentials_withheld",
            "no credentials were sent: a client must not give its password to a server it does not trust (" +
                r.tunnel.credentials_withheld + ")",
            "");
    if (!r.tunnel.auth_weakness.empty())
        add(r, Severity::warning, "sstp.weak_auth",
            "the server authenticates with " + r.tunnel.auth_method + ": " + r.tunnel.auth_weakness, "");
    if (!r.tunnel.ping_target.empty() && r.tunnel.echo_replies > 0 &&
        r.tunnel.echo_replies < static_cast<int>(r.tunnel.echoes.size()))
        add(r, Severity::warning, "sstp.echo_loss",
            std::to_string(r.tunnel.echoes.size() - static_cast<std::size_t>(r.tunnel.echo_replies)) + " of " +
                std::to_string(r.tunnel.echoes.size()) + " echo requests to " + r.tunnel.ping_target + " got no reply",
            "");
    bool error_found = false;
    for (const auto& f : r.findings) {
        if (f.severity != Severity::error) continue;
        if (!error_found) r.windows_error = f.windows_error;
        error_found = true;
    }
    r.success = r.handshake_ok && !error_found;
}

}  // namespace vpnprobe::probes
