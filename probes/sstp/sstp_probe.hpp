// The synthetic SSTP client: TLS, SSTP_DUPLEX_POST, call connect, PPP LCP, clean disconnect, every phase
// timed and named, all within one deadline. It records; sstp_diagnosis judges.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "probes/load_monitor.hpp"
#include "probes/probe_result.hpp"
#include "probes/sstp/sstp_tunnel.hpp"
#include "probes/stop_signal.hpp"
#include "probes/tls_facts.hpp"
#include "probes/vantage.hpp"

namespace vpnprobe::probes {

using Logger = std::function<void(const std::string&)>;

struct SstpOptions {
    std::string host;  // what the client dials (name or address literal)
    std::uint16_t port = 443;
    std::string address;  // a specific address of `host` to connect to; "" = resolve, take the first
    TlsOptions tls;  // tls.sni defaults to host when empty (see normalise)
    VantagePoint vantage;
    double timeout_seconds = 10;  // whole probe
    double phase_timeout_seconds = 0;  // each phase; 0 = same as the whole
    Logger log;  // -v: every message sent and received, decoded; empty = quiet
    std::shared_ptr<StopSignal> stop;  // SIGINT/SIGTERM: end now, politely (CALL_ABORT, close_notify)
    // With credentials the probe goes all the way in (ppp_auth, call_connected, ipcp; data_path with `ping`).
    std::optional<SstpCredentials> credentials;
    std::string ping;  // IPv4 address to send ICMP echo requests to through the tunnel; "" = none
    int ping_count = 3;
    double ping_wait_seconds = 2;  // for the replies after the last request
    // The lag of the io_context the probe runs on: a timeout while it ran too late is the harness's (overload),
    // not the server's. null = not measured (probes/load_monitor.hpp).
    std::shared_ptr<LoadMonitor> load;
};

struct SstpFacts {
    std::string correlation_id;  // the {GUID} we sent in SSTPCORRELATIONID
    int http_status = 0;
    std::string http_status_line;
    std::string server_header;
    bool connect_acked = false;
    int hash_bitmask = -1;  // from the ACK's Crypto Binding Request: 1 = SHA1, 2 = SHA256
    std::vector<std::string> hash_protocols;  // names of the bits set
    std::string nonce_hex;
    bool connect_naked = false;
    std::string nak_status;  // decoded Status Info of a NAK
    std::vector<std::string> server_lcp_options;  // the server's Configure-Request, decoded
    std::vector<std::string> rejected_lcp_options;  // ours that the server rejected
    std::string auth_protocol;  // what the server asked for: "EAP", "MS-CHAPv2", "PAP", ...
    bool lcp_opened = false;
    int lcp_echo_requests_answered = 0;
    int sstp_echo_requests_answered = 0;
    std::string close;  // "CALL_DISCONNECT_ACK received", "CALL_ABORT sent", "server sent CALL_ABORT", ...
};

struct SstpResult : ProbeOutcome {
    SstpResult() { port = 443; }
    std::optional<TlsFacts> tls;
    SstpFacts sstp;
    SstpTunnelFacts tunnel;  // past LCP, with credentials
    // Set by diagnose_sstp(), beside ProbeOutcome's verdict:
    bool handshake_ok = false;  // every protocol phase succeeded
};

// Runs the probe on the calling coroutine's executor. Never throws for network or server faults: they
// are recorded in the phases. Throws std::invalid_argument for unusable options.
boost::asio::awaitable<SstpResult> sstp_probe(SstpOptions options);

// Diagnosis: findings from the facts and phases, with the Windows error each would show.
void diagnose_sstp(SstpResult& result, const SstpOptions& options);

// Addresses the probe should be run against: `address` if set, else every address of `host` as seen
// from the vantage point (all of them or only the first).
std::vector<std::string> sstp_target_addresses(const SstpOptions& options, bool all_addresses);

}  // namespace vpnprobe::probes
