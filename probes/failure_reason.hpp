// Why a phase failed, as a code. Probes set it where the failure happens (they know what went wrong);
// diagnosis maps (phase, reason) to a finding and a Windows error. Error text is for people only: no
// verdict depends on its wording. One enum for every kind, so a report or a test can name any reason;
// each kind keeps its own values in its own section.
#pragma once

#include <cstdint>

namespace vpnprobe::probes {

enum class FailureReason : std::uint8_t {
    none,  // the phase did not fail
    // ---- any phase, any kind ----
    timeout,  // the phase's or the probe's deadline passed with nothing (more) from the server
    interrupted,  // SIGINT/SIGTERM: says nothing about the server
    local,  // the harness's own failure (no namespace, unreadable CA file, no descriptors, ...)
    // A deadline passed while vpnprobe's own event loop ran late (overloaded: probes/load_monitor.hpp): the
    // harness's failure (the phase is `local`), never the server's timeout.
    harness_overload,
    internal,  // a step of ours that should not fail did (key derivation, building a message)
    // ---- names and sockets ----
    resolve_failed,  // the name did not resolve (NXDOMAIN, no address of the family, resolver error)
    network_unreachable,  // ENETUNREACH: no route to the network from the vantage point
    host_unreachable,  // EHOSTUNREACH: no route to the host (ICMP host unreachable, no ARP/ND answer)
    refused,  // ECONNREFUSED: TCP RST, or ICMP port unreachable for UDP
    connection_timed_out,  // ETIMEDOUT from the kernel (SYN retries exhausted)
    socket_error,  // any other socket error
    peer_closed,  // the server closed or reset the connection mid-exchange
    malformed,  // the server sent bytes we cannot decode (a lying length, a truncated packet)
    // ---- TLS ----
    tls_no_common_algorithm,  // no shared protocol version or cipher suite (alert handshake_failure, ...)
    tls_failed,  // any other TLS failure
    // ---- SSTP ----
    sstp_not_sstp,  // the HTTPS server answered SSTP_DUPLEX_POST with something other than 200
    sstp_header_too_long,  // an HTTP response header larger than any SSTP server's
    sstp_call_refused,  // SSTP_MSG_CALL_CONNECT_NAK
    sstp_call_ended,  // CALL_ABORT or CALL_DISCONNECT from the server before we were done
    sstp_no_answer_among_packets,  // the awaited message never came among the allowed number of packets
    sstp_lcp_terminated,  // LCP Terminate-Request from the server
    sstp_lcp_not_opened,  // LCP did not converge
    sstp_auth_unsupported,  // the server asks for an authentication protocol we may not or cannot use
    sstp_auth_rejected,  // the server refused the credentials (EAP Failure, MS-CHAPv2 E=691, CHAP/PAP failure)
    sstp_auth_policy,  // the credentials were accepted but a policy refused the call (MS-CHAPv2 E=646-649, 812)
    sstp_auth_not_proven,  // the server's MS-CHAPv2 Success does not prove it knows the password
    sstp_auth_loop,  // the authentication did not finish within the allowed number of packets
    sstp_binding_refused,  // the server ended the call after our CALL_CONNECTED (crypto binding)
    sstp_ipcp_refused,  // no address assigned (IP-Address rejected or naked to 0.0.0.0, IPCP Terminate)
    sstp_ipcp_loop,  // IPCP did not converge (a Nak that asks for nothing new, too many rounds)
    sstp_no_echo_reply,  // connected, but no echo reply came back through the tunnel
    // ---- IKEv2 ----
    ikev2_no_proposal_chosen,  // N(NO_PROPOSAL_CHOSEN)
    ikev2_invalid_ke,  // N(INVALID_KE_PAYLOAD) for a group we do not offer, or again after a retry
    ikev2_invalid_choice,  // the answer is not a valid choice from our offer (a transform or KE group we did not offer)
    ikev2_cookie_loop,  // the server keeps asking for a COOKIE
    ikev2_error_notify,  // another error notify in answer to our request
    ikev2_invalid_ike_spi,  // N(INVALID_IKE_SPI): the server does not know the IKE SA (ports split across servers)
    ikev2_authentication_failed,  // N(AUTHENTICATION_FAILED)
    ikev2_incomplete_answer,  // an answer that lacks a payload it must carry (SA, KE, Nonce, AUTH, ...)
    ikev2_unprotected_answer,  // an IKE_AUTH answer outside SK
    ikev2_bad_certificate,  // the server's CERT payload does not parse
    ikev2_bad_key_exchange,  // no shared secret from the server's KE payload (a public value not on the group)
    ikev2_eap_failure,  // EAP-Failure (after an MS-CHAPv2 Failure, or without one): the login was refused
    ikev2_eap_not_proven,  // EAP-Success or MS-CHAPv2 Success without a valid S=: the server did not prove it knows the password
    ikev2_eap_unsupported,  // the server insists on an EAP method the probe does not speak
    ikev2_eap_loop,  // EAP did not finish within the allowed number of rounds
    ikev2_server_auth_mismatch,  // the server's final AUTH does not match what the MSK gives (RFC 7296 2.16)
    ikev2_child_sa_refused,  // no CHILD_SA in the final IKE_AUTH response: an error notify (NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE, ...)
    ikev2_no_address,  // no virtual address: INTERNAL_ADDRESS_FAILURE, FAILED_CP_REQUIRED, or a CP reply without one
    ikev2_invalid_child_choice,  // the CHILD_SA the server chose is not one we offered
    ikev2_no_echo_reply,  // the tunnel is up, but no echo reply came back through the ESP of the CHILD_SA
};

const char* to_string(FailureReason r);

}  // namespace vpnprobe::probes
