// Findings from an IKEv2 probe's phases and facts, each with what a Windows client would show.
#include <cerrno>

#include "probes/ikev2/ikev2_probe.hpp"
#include "probes/net_errors.hpp"
#include "probes/windows_errors.hpp"

namespace vpnprobe::probes {

namespace {

std::string win(const winerr::WindowsError& e) { return winerr::describe(e); }

void add(Ikev2Result& r, Severity s, std::string check, std::string detail, std::string windows_error) {
    r.findings.push_back(Finding{s, std::move(check), std::move(detail), std::move(windows_error)});
}

bool has_notify(const std::vector<Ikev2Notify>& v, const std::string& name) {
    for (const auto& n : v)
        if (n.name == name) return true;
    return false;
}

// No route to the server, in either exchange: a Windows client shows 809 (no answer); the finding says why.
void path_finding(Ikev2Result& r, const Phase& p) {
    const std::string where = host_port_text(r.address.empty() ? r.host : r.address, r.port);
    if (p.sys_errno == ENETUNREACH || p.reason == FailureReason::network_unreachable)
        add(r, Severity::error, "ikev2.network_unreachable",
            "the network of " + where + " cannot be reached from " + r.vantage + ": " + p.error,
            win(winerr::ERROR_VPN_TIMEOUT));
    else
        add(r, Severity::error, "ikev2.no_route", where + " cannot be reached from " + r.vantage + ": " + p.error,
            win(winerr::ERROR_VPN_TIMEOUT));
}

// The path failed at its own errno, or at the reason the probe gave for it.
bool path_failed(const Phase& p) {
    return p.sys_errno == ENETUNREACH || p.sys_errno == EHOSTUNREACH ||
           p.reason == FailureReason::network_unreachable || p.reason == FailureReason::host_unreachable;
}

bool refused(const Phase& p) { return p.sys_errno == ECONNREFUSED || p.reason == FailureReason::refused; }

void sa_init_finding(Ikev2Result& r, const Phase& p) {
    if (p.outcome == PhaseOutcome::timeout) {
        add(r, Severity::error, "ikev2.sa_init_no_answer",
            "no answer to IKE_SA_INIT from " + r.vantage +
                ": UDP 500/4500 blocked on the path, or the server is "
                "down or not listening; " +
                p.error,
            win(winerr::ERROR_VPN_TIMEOUT));
    } else if (p.reason == FailureReason::ikev2_no_proposal_chosen || r.ike.error_notify == "NO_PROPOSAL_CHOSEN") {
        add(r, Severity::error, "ikev2.no_proposal_chosen",
            "the server accepts none of the proposals offered (" + r.ike.offered +
                "): the client's and the server's IKE policies do not match",
            win(winerr::ERROR_IPSEC_IKE_POLICY_MATCH));
    } else if (p.reason == FailureReason::ikev2_invalid_ke || r.ike.error_notify == "INVALID_KE_PAYLOAD") {
        add(r, Severity::error, "ikev2.invalid_ke",
            "the server insists on a key-exchange group the client does not offer: " + p.error,
            win(winerr::ERROR_IPSEC_IKE_POLICY_MATCH));
    } else if (p.reason == FailureReason::ikev2_invalid_choice) {
        add(r, Severity::error, "ikev2.invalid_choice",
            "the server's IKE_SA_INIT answer is not a valid choice from the offer (" + p.error +
                "): a client discards it, retransmits until it gives up, and shows 809",
            win(winerr::ERROR_VPN_TIMEOUT));
    } else if (path_failed(p)) {
        path_finding(r, p);
    } else if (refused(p)) {
        add(r, Severity::error, "ikev2.sa_init_refused", "nothing listens for IKE: " + p.error,
            win(winerr::ERROR_VPN_TIMEOUT));
    } else {
        add(r, Severity::error, "ikev2.sa_init_failed", "IKE_SA_INIT failed: " + p.error,
            win(winerr::ERROR_VPN_TIMEOUT));
    }
}

void ike_auth_finding(Ikev2Result& r, const Phase& p) {
    const bool timeout = p.outcome == PhaseOutcome::timeout;
    const std::optional<bool>& port_open = r.ike.nat_t_port_answers_sa_init;
    const std::string split_advice =
        ": UDP 500 and 4500 reach different servers. A load balancer must keep both ports of a client on one "
        "backend (port following / source persistence across 500 and 4500); ";
    if (path_failed(p)) {
        path_finding(r, p);
    } else if (refused(p)) {
        add(r, Severity::error, "ikev2.ike_auth_port_unreachable",
            "IKE_SA_INIT was answered, but an ICMP port unreachable came back for IKE_AUTH: nothing listens on the "
            "NAT-T port; " +
                p.error,
            win(winerr::ERROR_VPN_TIMEOUT));
    } else if (p.reason == FailureReason::ikev2_invalid_ike_spi ||
               has_notify(r.ike.ike_auth_notifies, "INVALID_IKE_SPI")) {
        add(r, Severity::error, "ikev2.ports_split",
            "IKE_SA_INIT on UDP 500 was answered but IKE_AUTH on UDP 4500 was answered with INVALID_IKE_SPI" +
                split_advice + p.error,
            win(winerr::ERROR_VPN_TIMEOUT));
    } else if (timeout && port_open.value_or(false) && r.ike.fragmentation_offered) {
        // Every message was small (IKE fragmentation on both sides), and 4500 is open: the server behind
        // 4500 does not know the IKE SA made on 500.
        add(r, Severity::error, "ikev2.ports_split",
            "IKE_SA_INIT on UDP 500 was answered, IKE_AUTH on UDP 4500 was not although every message was small "
            "(IKE fragmentation on both sides), and a fresh IKE_SA_INIT on UDP 4500 is answered" +
                split_advice + p.error,
            win(winerr::ERROR_VPN_TIMEOUT));
    } else if (timeout && port_open && !*port_open) {
        add(r, Severity::error, "ikev2.nat_t_port_blocked",
            "IKE_SA_INIT on UDP 500 was answered but nothing on UDP 4500 is: neither the IKE_AUTH nor a fresh "
            "IKE_SA_INIT there. UDP 4500 is blocked on the path, or the server does not listen on it; " +
                p.error,
            win(winerr::ERROR_VPN_TIMEOUT));
    } else if (timeout && !r.ike.fragmentation_offered) {
        add(r, Severity::error, "ikev2.ike_auth_lost_fragments",
            "IKE_SA_INIT was answered but the IKE_AUTH response never arrived, and the server did not offer IKE "
            "fragmentation (RFC 7383): its certificate-bearing IKE_AUTH response is larger than the path MTU, so it "
            "travels as IP fragments, which something on the path drops" +
                std::string(port_open.value_or(false)
                                ? " (UDP 4500 itself is open: a fresh IKE_SA_INIT there is answered)"
                                : "") +
                ". Enable IKE fragmentation on the server (RRAS: EnableServerFragmentation; strongSwan: "
                "fragmentation = yes); " +
                p.error,
            win(winerr::ERROR_VPN_TIMEOUT));
    } else if (timeout) {
        add(r, Severity::error, "ikev2.ike_auth_no_answer",
            "IKE_SA_INIT was answered but IKE_AUTH was not: the port is blocked, or the server dropped the request; " +
                p.error,
            win(winerr::ERROR_VPN_TIMEOUT));
    } else if ((p.reason == FailureReason::ikev2_authentication_failed ||
                has_notify(r.ike.ike_auth_notifies, "AUTHENTICATION_FAILED")) &&
               r.ike.chain.empty()) {
        add(r, Severity::warning, "ikev2.no_eap",
            "the server answered an IKE_AUTH without client AUTH with AUTHENTICATION_FAILED: it does not offer EAP "
            "to this identity, so its certificate cannot be fetched without client credentials",
            "");
    } else {
        add(r, Severity::error, "ikev2.ike_auth_failed", "IKE_AUTH failed: " + p.error, "");
    }
}

// The user tunnel's login (EAP rounds) refused or broken off.
void eap_finding(Ikev2Result& r, const Phase& p) {
    const auto& t = r.tunnel;
    if (p.outcome == PhaseOutcome::timeout) {
        add(r, Severity::error, "ikev2.eap_no_answer",
            "the server stopped answering during EAP (an NPS/RADIUS server that does not answer it?): " + p.error,
            win(winerr::ERROR_VPN_TIMEOUT));
    } else if (p.reason == FailureReason::ikev2_eap_failure || p.reason == FailureReason::ikev2_authentication_failed) {
        // MS-CHAPv2 E=646..649 are policy refusals after the password was checked; anything else (691, or an
        // EAP-Failure without an MS-CHAPv2 verdict) is a refused user name or password.
        const std::uint32_t e = t.mschap_error.value_or(691);
        const bool policy = e >= 646 && e <= 649;
        add(r, Severity::error, policy ? "ikev2.auth_policy" : "ikev2.auth_rejected",
            std::string(policy ? "the server checked the credentials but its policy refuses the login: "
                               : "the server refused the user name or password: ") +
                p.error,
            win(policy ? winerr::ERROR_SERVER_POLICY : winerr::ERROR_AUTHENTICATION_FAILURE));
    } else if (p.reason == FailureReason::ikev2_eap_not_proven) {
        add(r, Severity::error, "ikev2.auth_server_not_proven",
            "the server did not prove it knows the password (MS-CHAPv2 mutual authentication): " + p.error,
            win(winerr::ERROR_IPSEC_IKE_AUTH_FAIL));
    } else if (p.reason == FailureReason::ikev2_eap_unsupported || p.reason == FailureReason::ikev2_eap_loop ||
               (p.reason == FailureReason::ikev2_incomplete_answer && r.ike.eap_request.empty())) {
        add(r, Severity::error, "ikev2.eap_unsupported", "the login cannot be made with EAP-MSCHAPv2: " + p.error,
            win(winerr::ERROR_IPSEC_IKE_AUTH_FAIL));
    } else {
        add(r, Severity::error, "ikev2.eap_failed", "EAP failed: " + p.error, win(winerr::ERROR_IPSEC_IKE_AUTH_FAIL));
    }
}

// Our AUTH from the MSK, or the server's, refused.
void auth_complete_finding(Ikev2Result& r, const Phase& p) {
    if (p.outcome == PhaseOutcome::timeout)
        add(r, Severity::error, "ikev2.ike_auth_complete_no_answer",
            "EAP succeeded but the final IKE_AUTH was not answered: " + p.error, win(winerr::ERROR_VPN_TIMEOUT));
    else if (p.reason == FailureReason::ikev2_authentication_failed)
        // EAP said yes, the IKE layer said no: our MSK-based AUTH was refused (the MSK the server derived differs,
        // or its policy refused the identity after EAP). Not the password: that was proven in EAP.
        add(r, Severity::error, "ikev2.auth_rejected_after_eap",
            "EAP succeeded but the server refused our AUTH computed from the MSK (AUTHENTICATION_FAILED): " + p.error,
            win(winerr::ERROR_IPSEC_IKE_AUTH_FAIL));
    else if (p.reason == FailureReason::ikev2_server_auth_mismatch)
        add(r, Severity::error, "ikev2.server_auth_mismatch", p.error, win(winerr::ERROR_IPSEC_IKE_AUTH_FAIL));
    else
        add(r, Severity::error, "ikev2.ike_auth_complete_failed", "the final IKE_AUTH failed: " + p.error,
            win(winerr::ERROR_IPSEC_IKE_AUTH_FAIL));
}

// The IKE SA is up, but no tunnel: no address, no CHILD_SA.
void child_sa_finding(Ikev2Result& r, const Phase& p) {
    const std::string& why = r.tunnel.child.error_notify;
    if (p.reason == FailureReason::ikev2_no_address)
        add(r, Severity::error, "ikev2.no_address",
            "the login succeeded but the server has no address for this client (" + (why.empty() ? p.error : why) +
                "): the address pool is exhausted, or none is configured for this user. The Windows error number "
                "for this case is not established here (no Windows client was observed against it)",
            "");
    else if (why == "NO_PROPOSAL_CHOSEN")
        add(r, Severity::error, "ikev2.child_no_proposal_chosen",
            "the server accepts none of the ESP proposals offered (" + r.tunnel.child.offered +
                "): the client's and the server's IPsec (quick mode) policies do not match",
            win(winerr::ERROR_IPSEC_IKE_POLICY_MATCH));
    else if (why == "TS_UNACCEPTABLE")
        add(r, Severity::error, "ikev2.ts_unacceptable",
            "the server accepts none of the traffic selectors offered (TS_UNACCEPTABLE): its policy for this user "
            "covers other addresses",
            win(winerr::ERROR_IPSEC_IKE_POLICY_MATCH));
    else if (p.reason == FailureReason::ikev2_invalid_child_choice)
        add(r, Severity::error, "ikev2.child_invalid_choice", p.error, win(winerr::ERROR_IPSEC_IKE_POLICY_MATCH));
    else
        add(r, Severity::error, "ikev2.child_sa_failed", "no CHILD_SA: " + p.error,
            win(winerr::ERROR_IPSEC_IKE_POLICY_MATCH));
}

}  // namespace

void diagnose_ikev2(Ikev2Result& r, const Ikev2Options& opt) {
    r.findings.clear();
    r.failed_phase.clear();
    r.windows_error.clear();
    const Phase* failed = nullptr;
    for (const auto& p : r.phases)
        if (p.outcome != PhaseOutcome::ok && p.name != "delete" && p.name != "delete_child") {
            failed = &p;
            break;
        }
    if (failed) {
        r.failed_phase = failed->name;
        if (failed->outcome == PhaseOutcome::interrupted)
            add(r, Severity::error, "probe.interrupted",
                "the probe was stopped before its " + failed->name + " phase ended (" + failed->error +
                    "): this says nothing about the server",
                "");
        else if (failed->reason == FailureReason::harness_overload)
            add(r, Severity::error, "probe.overload",
                "the probe could not judge its " + failed->name + " phase from " + r.vantage + ": " + failed->error,
                "");
        else if (failed->local)
            add(r, Severity::error, "probe.local",
                "the probe could not run its " + failed->name + " phase from " + r.vantage + ": " + failed->error, "");
        else if (failed->name == "resolve")
            add(r, Severity::error, "ikev2.resolve", failed->error + " (resolved from " + r.vantage + ")",
                win(winerr::ERROR_NO_DNS));
        else if (failed->name == "ike_sa_init") sa_init_finding(r, *failed);
        else if (failed->name == "ike_auth") ike_auth_finding(r, *failed);
        else if (failed->name == "eap") eap_finding(r, *failed);
        else if (failed->name == "ike_auth_complete") auth_complete_finding(r, *failed);
        else if (failed->name == "child_sa") child_sa_finding(r, *failed);
        else if (failed->name == "data_path")
            // As sstp.traffic_does_not_pass: the Windows client shows "Connected" and no error at all.
            add(r, Severity::error, "ikev2.traffic_does_not_pass",
                "connected, but traffic does not pass: the tunnel is up with address " + r.tunnel.address +
                    ", yet no echo reply came back from " + r.tunnel.ping_target +
                    " through the CHILD_SA (a route, firewall or NAT behind the VPN server, or ESP in UDP dropped on "
                    "the path; users can log in but reach nothing): " +
                    failed->error,
                "");
        else add(r, Severity::error, "ikev2." + failed->name + "_failed", failed->error, "");
    }
    // A later step the harness could not make (the port 4500 check without a descriptor, ...): the
    // verdict is incomplete for a local reason, and says so.
    for (const auto& p : r.phases)
        if (p.local && &p != failed)
            add(r, Severity::error, "probe.local",
                "the probe could not run its " + p.name + " phase from " + r.vantage + ": " + p.error, "");
    if (const Phase* d = r.phase("delete_child"); d && d->outcome != PhaseOutcome::ok)
        add(r, Severity::warning, "ikev2.delete_child", "the CHILD_SA was not deleted cleanly: " + d->error, "");
    if (const Phase* d = r.phase("delete"); d && d->outcome != PhaseOutcome::ok)
        add(r, Severity::warning, "ikev2.delete", "the IKE SA was not deleted cleanly: " + d->error, "");
    // Certificate, as a Windows IKEv2 client judges it: every refusal is 13801.
    if (!r.ike.chain.empty() && r.ike.chain_verdict) {
        std::string name = opt.expected_name.empty() ? opt.host : opt.expected_name;
        for (const auto& problem :
             windows_certificate_problems(r.ike.chain.front(), *r.ike.chain_verdict, name, VpnUse::ikev2))
            add(r, problem.advisory ? Severity::warning : Severity::error, "certificate." + problem.check,
                problem.detail, problem.windows_error);
    }
    if (r.ike.auth_verified && !*r.ike.auth_verified)
        add(r, Severity::error, "ikev2.auth_signature",
            "the server's AUTH signature does not verify with its certificate: " + r.ike.auth_detail,
            win(winerr::ERROR_IPSEC_IKE_AUTH_FAIL));
    if (!r.ike.chosen_proposal.empty() && !r.ike.fragmentation_offered && (!failed || failed->name != "ike_auth"))
        add(r, Severity::warning, "ikev2.no_fragmentation",
            "the server does not offer IKE fragmentation (RFC 7383): clients behind paths that drop IP fragments will "
            "fail with error 809",
            "");
    if (r.ike.nat_detected && *r.ike.nat_detected) {
        std::vector<std::string> what;
        if (r.ike.nat_destination_mismatch.value_or(false)) what.push_back("the server saw our address translated");
        if (r.ike.nat_source_mismatch.value_or(false))
            what.push_back("the server's own address is not the one we sent to");
        std::string text;
        for (const auto& w : what) text += (text.empty() ? "" : "; ") + w;
        add(r, Severity::info, "ikev2.nat_detected",
            "NAT between probe and server (RFC 7296 2.23 NAT-D hashes): " + text +
                ". A Windows client then moves to UDP 4500 and encapsulates ESP in UDP",
            "");
    }
    if (r.ike.dh_group == 2 || r.ike.dh_group == 1 || r.ike.dh_group == 5)
        add(r, Severity::warning, "ikev2.weak_chosen_group",
            "the server chose DH group " + std::to_string(r.ike.dh_group) + " (" + r.ike.chosen_proposal +
                "): MODP groups under 2048 bits are deprecated (RFC 8247)",
            "");
    std::string unanswered;
    for (const auto& w : r.weak_audit)
        if (!w.answered) unanswered += (unanswered.empty() ? "" : ", ") + w.proposal;
    if (!unanswered.empty())
        add(r, Severity::warning, "ikev2.weak_audit_incomplete",
            "the weak-proposal audit got no answer to " + unanswered +
                ", so it cannot say whether the server accepts them (a server limits half-open IKE SAs per client "
                "address: strongSwan's block_threshold, 5 by default, ignores an address for a while)",
            "");
    for (const auto& w : r.weak_audit)
        if (w.accepted)
            add(r, Severity::error, "ikev2.weak_proposal_accepted",
                "the server accepts " + w.proposal + ": " + w.why_weak + " (" + w.answer + ")", "");
    if (r.ike.certreq_matches_ca && !*r.ike.certreq_matches_ca)
        add(r, Severity::info, "ikev2.certreq_other_ca",
            "the server's CERTREQ does not name the given CA: it expects client certificates from another CA", "");
    bool error_found = false;
    for (const auto& f : r.findings) {
        if (f.severity != Severity::error) continue;
        if (!error_found) r.windows_error = f.windows_error;
        error_found = true;
    }
    bool protocol_ok = !failed;
    r.success = protocol_ok && !error_found;
}

}  // namespace vpnprobe::probes
