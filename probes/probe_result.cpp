#include "probes/probe_result.hpp"

namespace vpnprobe::probes {

const char* to_string(PhaseOutcome o) {
    switch (o) {
    case PhaseOutcome::ok:
        return "ok";
    case PhaseOutcome::failed:
        return "failed";
    case PhaseOutcome::timeout:
        return "timeout";
    case PhaseOutcome::skipped:
        return "skipped";
    case PhaseOutcome::interrupted:
        return "interrupted";
    }
    return "?";
}

const char* to_string(FailureReason r) {
    switch (r) {
    case FailureReason::none:
        return "none";
    case FailureReason::timeout:
        return "timeout";
    case FailureReason::interrupted:
        return "interrupted";
    case FailureReason::local:
        return "local";
    case FailureReason::harness_overload:
        return "harness_overload";
    case FailureReason::internal:
        return "internal";
    case FailureReason::resolve_failed:
        return "resolve_failed";
    case FailureReason::network_unreachable:
        return "network_unreachable";
    case FailureReason::host_unreachable:
        return "host_unreachable";
    case FailureReason::refused:
        return "refused";
    case FailureReason::connection_timed_out:
        return "connection_timed_out";
    case FailureReason::socket_error:
        return "socket_error";
    case FailureReason::peer_closed:
        return "peer_closed";
    case FailureReason::malformed:
        return "malformed";
    case FailureReason::tls_no_common_algorithm:
        return "tls_no_common_algorithm";
    case FailureReason::tls_failed:
        return "tls_failed";
    case FailureReason::sstp_not_sstp:
        return "sstp_not_sstp";
    case FailureReason::sstp_header_too_long:
        return "sstp_header_too_long";
    case FailureReason::sstp_call_refused:
        return "sstp_call_refused";
    case FailureReason::sstp_call_ended:
        return "sstp_call_ended";
    case FailureReason::sstp_no_answer_among_packets:
        return "sstp_no_answer_among_packets";
    case FailureReason::sstp_lcp_terminated:
        return "sstp_lcp_terminated";
    case FailureReason::sstp_lcp_not_opened:
        return "sstp_lcp_not_opened";
    case FailureReason::sstp_auth_unsupported:
        return "sstp_auth_unsupported";
    case FailureReason::sstp_auth_rejected:
        return "sstp_auth_rejected";
    case FailureReason::sstp_auth_policy:
        return "sstp_auth_policy";
    case FailureReason::sstp_auth_not_proven:
        return "sstp_auth_not_proven";
    case FailureReason::sstp_auth_loop:
        return "sstp_auth_loop";
    case FailureReason::sstp_binding_refused:
        return "sstp_binding_refused";
    case FailureReason::sstp_ipcp_refused:
        return "sstp_ipcp_refused";
    case FailureReason::sstp_ipcp_loop:
        return "sstp_ipcp_loop";
    case FailureReason::sstp_no_echo_reply:
        return "sstp_no_echo_reply";
    case FailureReason::ikev2_no_proposal_chosen:
        return "ikev2_no_proposal_chosen";
    case FailureReason::ikev2_invalid_ke:
        return "ikev2_invalid_ke";
    case FailureReason::ikev2_invalid_choice:
        return "ikev2_invalid_choice";
    case FailureReason::ikev2_cookie_loop:
        return "ikev2_cookie_loop";
    case FailureReason::ikev2_error_notify:
        return "ikev2_error_notify";
    case FailureReason::ikev2_invalid_ike_spi:
        return "ikev2_invalid_ike_spi";
    case FailureReason::ikev2_authentication_failed:
        return "ikev2_authentication_failed";
    case FailureReason::ikev2_incomplete_answer:
        return "ikev2_incomplete_answer";
    case FailureReason::ikev2_unprotected_answer:
        return "ikev2_unprotected_answer";
    case FailureReason::ikev2_bad_certificate:
        return "ikev2_bad_certificate";
    case FailureReason::ikev2_bad_key_exchange:
        return "ikev2_bad_key_exchange";
    case FailureReason::ikev2_eap_failure:
        return "ikev2_eap_failure";
    case FailureReason::ikev2_eap_not_proven:
        return "ikev2_eap_not_proven";
    case FailureReason::ikev2_eap_unsupported:
        return "ikev2_eap_unsupported";
    case FailureReason::ikev2_eap_loop:
        return "ikev2_eap_loop";
    case FailureReason::ikev2_server_auth_mismatch:
        return "ikev2_server_auth_mismatch";
    case FailureReason::ikev2_child_sa_refused:
        return "ikev2_child_sa_refused";
    case FailureReason::ikev2_no_address:
        return "ikev2_no_address";
    case FailureReason::ikev2_invalid_child_choice:
        return "ikev2_invalid_child_choice";
    case FailureReason::ikev2_no_echo_reply:
        return "ikev2_no_echo_reply";
    }
    return "?";
}

const char* to_string(Severity s) {
    switch (s) {
    case Severity::error:
        return "error";
    case Severity::warning:
        return "warning";
    case Severity::info:
        return "info";
    }
    return "?";
}

Phase& PhaseTimer::finish(PhaseOutcome outcome, std::string error) {
    Phase p;
    p.name = name_;
    p.outcome = outcome;
    p.seconds = std::chrono::duration<double>(clock::now() - start_).count();
    p.error = std::move(error);
    phases_.push_back(std::move(p));
    return phases_.back();
}

const Phase* find_phase(const std::vector<Phase>& phases, const std::string& name) {
    for (const auto& p : phases)
        if (p.name == name) return &p;
    return nullptr;
}

std::string harness_error(const std::vector<Phase>& phases, const std::vector<Finding>& findings) {
    for (const auto& f : findings)
        if (f.check == "probe.local" || f.check == "probe.overload") return f.detail;
    for (const auto& p : phases)
        if (p.local) return "the probe could not run its " + p.name + " phase: " + p.error;
    return {};
}

}  // namespace vpnprobe::probes
