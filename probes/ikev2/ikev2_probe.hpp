// The synthetic IKEv2 initiator: IKE_SA_INIT, then an IKE_AUTH without AUTH payload (the EAP path,
// RFC 7296 2.16) far enough to receive, reassemble (RFC 7383) and verify the server's certificate and
// AUTH signature without any client credential, then an INFORMATIONAL Delete. With a test account it goes
// all the way in: EAP-MSCHAPv2, the final IKE_AUTH with AUTH from the MSK, the configuration payload and
// the CHILD_SA. It records; the diagnosis judges.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "probes/certificate.hpp"
#include "probes/load_monitor.hpp"
#include "probes/probe_result.hpp"
#include "probes/stop_signal.hpp"
#include "probes/trust_source.hpp"
#include "probes/tunnel_echo.hpp"
#include "probes/vantage.hpp"

namespace vpnprobe::probes {

class KeyShareCache;

// The test account of the user tunnel (EAP-MSCHAPv2). The password never reaches a log, a report or a metric.
struct Ikev2Credentials {
    std::string user;  // the EAP identity and the MS-CHAPv2 user name ("DOMAIN\\user" as Windows sends it)
    std::string password;
};

struct Ikev2Options {
    std::string host;
    std::uint16_t port = 500;  // IKE_AUTH moves to 4500 (NAT-T port) as Windows does
    std::uint16_t nat_t_port = 4500;
    std::string address;  // a specific address of host; "" = resolve, take the first
    std::vector<std::string> proposals;  // strongSwan syntax, e.g. "aes256-sha256-modp2048"; one per proposal
    std::string preset;  // "windows-default", "windows-aes256-dh2048", "modern"
    std::string id;  // IDi (FQDN, e-mail or address); default "vpnprobe"
    std::optional<std::string> ca_file;  // trust anchors for the server's chain
    // ca_file's trust anchors and CERTREQ hashes, loaded once for a whole run; nullptr = the probe loads them.
    std::shared_ptr<const TrustSource> trust;
    std::string expected_name;  // name the client checks against the server certificate; default host
    std::size_t fragment_size = 1280;  // our IKE fragments' size limit (IP payload, RFC 7383 2.5.1)
    bool sa_init_only = false;  // no shared secret, no keys, no Delete (nothing could protect one)
    // The run's Diffie-Hellman key pairs, one per group, reused across its exchanges (key_share_cache.hpp);
    // nullptr = a fresh key pair for every exchange, as a Windows client makes.
    std::shared_ptr<KeyShareCache> key_shares;
    // Whether IKE_AUTH sends a client credential: set with `credentials` (the EAP login; a machine-certificate
    // login must set it too). Such a probe never takes a reused key share, whatever key_shares says
    // (key_share_source(), tested in test_key_share_cache).
    bool sends_credentials = false;
    // The user tunnel: EAP-MSCHAPv2 after the server's AUTH, then the final IKE_AUTH, CP and CHILD_SA (phases eap,
    // ike_auth_complete, child_sa). nullopt: the probe stops at the server's AUTH, as before.
    std::optional<Ikev2Credentials> credentials;
    // With credentials: the data path (phase data_path after child_sa): ICMP echo requests from the virtual IP to
    // this IPv4 address, in ESP in UDP on the NAT-T port; "" = none.
    std::string ping;
    int ping_count = 3;
    double ping_wait_seconds = 2;  // for the replies after the last request
    bool offer_fragmentation = true;  // N(IKEV2_FRAGMENTATION_SUPPORTED) in SA_INIT
    bool sa_init_non_esp_marker = false;  // IKE_SA_INIT itself to a NAT-T port (four zero octets first)
    VantagePoint vantage;
    double timeout_seconds = 10;  // whole probe
    double retransmit_seconds = 0.5;  // first retransmission; doubles each time
    std::string keylog_file;  // Wireshark IKEv2 decryption table (ikev2_decryption_table)
    std::function<void(const std::string&)> log;
    std::shared_ptr<StopSignal> stop;  // SIGINT/SIGTERM: end now, politely (Delete of an IKE SA that exists)
    // The lag of the io_context the probe runs on: a timeout while it ran too late is the harness's (overload),
    // not the server's. null = not measured (probes/load_monitor.hpp).
    std::shared_ptr<LoadMonitor> load;
};

struct Ikev2Notify {
    std::string name;  // "IKEV2_FRAGMENTATION_SUPPORTED", or "16430" when unknown
    std::uint16_t type = 0;
    std::string data;  // decoded where the type is known (hash algorithms, cookie length, ...), else hex
};

struct Ikev2Facts {
    // IKE_SA_INIT
    bool sa_init_answered = false;
    std::string offered;  // our proposals, strongSwan syntax, ";"-separated
    std::string chosen_proposal;  // "aes256-sha256-prfsha256-modp2048"
    std::vector<std::string> chosen_transforms;  // "ENCR_AES_CBC_256", "AUTH_HMAC_SHA2_256_128", ...
    std::uint16_t dh_group = 0;
    bool key_share_reused = false;  // our KE payload's key pair was used by an earlier exchange of the run
    std::vector<Ikev2Notify> sa_init_notifies;  // in the order the server sent them
    std::vector<std::string> vendor_ids;  // named where known
    bool fragmentation_offered = false;  // server sent IKEV2_FRAGMENTATION_SUPPORTED
    std::vector<std::string> signature_hash_algorithms;
    int cookie_rounds = 0;  // COOKIE answered
    std::vector<std::uint16_t> invalid_ke_groups;  // INVALID_KE_PAYLOAD asked for these
    std::optional<bool> nat_detected;  // NAT between probe and server (from NAT-D hashes), if sent
    std::optional<bool> nat_source_mismatch;  // the server saw our source differently than we sent it
    std::optional<bool> nat_destination_mismatch;
    std::vector<std::string> certreq_ca_hashes;  // SHA-1 of subjectPublicKeyInfo, hex
    std::optional<bool> certreq_matches_ca;  // one of them is the given CA's
    std::string error_notify;  // NO_PROPOSAL_CHOSEN etc., if the answer was an error
    // IKE_AUTH
    bool ike_auth_answered = false;
    int fragments_sent = 0;
    int fragments_received = 0;
    std::string idr;  // "FQDN vpn.test", "DER_ASN1_DN CN=..."
    std::vector<CertificateFacts> chain;  // server's CERT payloads, leaf first
    std::optional<ChainVerdict> chain_verdict;
    std::string auth_method;  // "ECDSA_SHA256_P256", "DIGITAL_SIGNATURE ecdsa-with-SHA256", ...
    std::optional<bool> auth_verified;
    std::string auth_detail;
    std::string eap_request;  // "Identity", "MS-CHAPv2", ...
    std::vector<Ikev2Notify> ike_auth_notifies;
    bool deleted = false;  // our INFORMATIONAL Delete was answered (strongSwan answers, but keeps a
        // not yet authenticated IKE SA until its half-open timeout)
    // After a silent IKE_AUTH on the NAT-T port: does a fresh IKE_SA_INIT there get an answer? (yes: the port
    // is open but reaches a server without our IKE SA; no: the port is blocked or nothing listens)
    std::optional<bool> nat_t_port_answers_sa_init;
    // Exchanges
    int sa_init_round_trips = 0;
    int sa_init_retransmissions = 0;
    int ike_auth_retransmissions = 0;
};

// The CHILD_SA the final IKE_AUTH set up (RFC 7296 1.2, 2.17), as facts for the report.
struct Ikev2ChildSaFacts {
    bool created = false;  // the final IKE_AUTH response carried SA, TSi and TSr
    std::string offered;  // our ESP proposals, strongSwan syntax, ";"-separated
    std::string esp_proposal;  // the one the server chose: "aes256gcm16", "aes256-sha256"
    std::vector<std::string> esp_transforms;  // "ENCR_AES_GCM_16_256", ...
    std::string spi_in, spi_out;  // hex: ours (the server sends with it), the server's (we send with it)
    std::vector<std::string> tsi, tsr;  // "10.98.32.1/32", "10.97.32.0/24", "10.0.0.1-10.0.0.9 proto 17 ..."
    std::string error_notify;  // why there is none: NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE, INTERNAL_ADDRESS_FAILURE, ...
    bool deleted = false;  // our INFORMATIONAL Delete of it was answered
};

// The user tunnel (with credentials): the EAP login, the final IKE_AUTH, the configuration payload.
struct Ikev2TunnelFacts {
    bool credentials_given = false;
    std::string auth_method;  // "EAP-MSCHAPv2"
    std::string eap_identity_prompt;  // the text of the server's EAP Identity request
    std::string auth_server_name;  // the authenticator's name in its MS-CHAPv2 Challenge
    int eap_rounds = 0;  // IKE_AUTH exchanges that carried EAP after the first
    std::optional<std::uint32_t> mschap_error;  // E= of an MS-CHAPv2 Failure (691, 649, ...)
    std::string server_message;  // M= of the MS-CHAPv2 Success or Failure, an EAP Notification
    bool server_proven = false;  // the MS-CHAPv2 S= proved the server knows the password
    bool eap_success = false;  // EAP-Success arrived
    std::optional<bool> server_auth_verified;  // the server's final AUTH, computed from the MSK, matched ours
    bool authenticated = false;  // the final IKE_AUTH answered with a verified AUTH: the IKE SA is up
    std::vector<Ikev2Notify> notifies;  // of the EAP rounds and the final IKE_AUTH response
    std::string address, address6;  // CP reply: INTERNAL_IP4_ADDRESS, INTERNAL_IP6_ADDRESS
    std::vector<std::string> dns;  // INTERNAL_IP4_DNS and INTERNAL_IP6_DNS
    bool connected = false;  // authenticated, an address, and a CHILD_SA
    Ikev2ChildSaFacts child;
    // The data path (--ping): the echo requests and how each was answered; the ESP packets both ways.
    std::string ping_target;
    std::vector<TunnelEcho> echoes;
    int echo_replies = 0;
    int esp_sent = 0;  // ESP packets we sent
    int esp_received = 0;  // ESP packets from the server that opened (ICV verified, in the replay window)
    int esp_rejected = 0;  // ESP packets that did not open (another SPI, bad ICV, replay, ...)
    std::string esp_first_rejection;  // why the first of them did not ("icv_mismatch at 0: ...")
};

// What the data path needs to run ESP over the CHILD_SA: never printed, never in JSON or the -v log. The keys
// are KEYMAT = prf+(SK_d, Ni | Nr) (RFC 7296 2.17), initiator-to-responder first; the data path takes from it
// the lengths its transforms need (protocol/ owns ESP).
struct Ikev2ChildSaSecrets {
    std::uint16_t prf_id = 0;
    std::vector<std::uint8_t> sk_d, ni, nr;
    std::vector<std::uint8_t> spi_in, spi_out;  // 4 bytes each: ours (inbound), the server's (outbound)
    std::uint16_t encr_id = 0, encr_key_bits = 0, integ_id = 0;  // the chosen ESP transforms
    bool udp_encapsulated = true;  // ESP in UDP on the NAT-T port (RFC 3948) after IKE_AUTH moved there
    std::string virtual_ip;  // our inner source address (CP reply)
    ~Ikev2ChildSaSecrets();  // wipes the key material
};

struct WeakProposalResult {
    std::string proposal;  // strongSwan syntax
    std::string why_weak;  // "3DES", "SHA-1 integrity", "DH group 2 (1024-bit MODP)"
    bool accepted = false;
    bool answered = false;  // false: no answer by its share of the deadline, so the offer proves nothing
    std::string answer;  // "accepted", "NO_PROPOSAL_CHOSEN", "no answer", ...
};

struct Ikev2Result : ProbeOutcome {
    Ikev2Result() { port = 500; }
    Ikev2Facts ike;  // phases: resolve, ike_sa_init, ike_auth, nat_t_port_check, eap, ike_auth_complete, child_sa,
        // data_path, delete_child, delete
    Ikev2TunnelFacts tunnel;  // with credentials
    std::shared_ptr<const Ikev2ChildSaSecrets> child_sa_secrets;  // the data path's hook; null without a CHILD_SA
    std::vector<WeakProposalResult> weak_audit;
};

boost::asio::awaitable<Ikev2Result> ikev2_probe(Ikev2Options options);
boost::asio::awaitable<std::vector<WeakProposalResult>> ikev2_weak_audit(Ikev2Options options);
// The probe and, beside it (so both end by the one deadline), the weak-proposal audit: result.weak_audit.
boost::asio::awaitable<Ikev2Result> ikev2_probe_with_audit(Ikev2Options options);
void diagnose_ikev2(Ikev2Result& result, const Ikev2Options& options);

}  // namespace vpnprobe::probes
