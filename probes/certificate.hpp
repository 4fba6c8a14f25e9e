// Certificate inspection, shared by the TLS/SSTP probe and the IKEv2 probe: the facts an operator
// asks about a server certificate, and the checks a Windows VPN client makes of it.
// Header kept free of OpenSSL and Boost types: certificates travel as DER bytes.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "protocol/bytes.hpp"

namespace vpnprobe::probes {

using protocol::Bytes;
using protocol::ByteView;

struct CertificateFacts {
    std::string subject;  // RFC 2253 one-line form, e.g. "CN=vpn.test,O=Example"
    std::string subject_cn;  // last CN of the subject, "" if none
    std::string issuer;
    std::string serial_hex;  // lower-case hex, no separators
    std::vector<std::string> san_dns;
    std::vector<std::string> san_ip;  // textual addresses
    std::vector<std::string> san_other;  // e.g. "email:..", "URI:.."
    std::time_t not_before = 0;
    std::time_t not_after = 0;
    double days_left = 0;  // (not_after - now) / 86400; negative once expired
    std::string key_type;  // "RSA", "EC", "Ed25519", "Ed448", "DSA", "unknown"
    int key_bits = 0;
    std::string curve;  // "prime256v1" etc. for EC, else ""
    std::string signature_algorithm;  // e.g. "sha256WithRSAEncryption", "ecdsa-with-SHA256"
    std::vector<std::string> key_usage;  // "digitalSignature", "keyEncipherment", ...
    std::vector<std::string> ekus;  // names: "serverAuth", "clientAuth", "ikeIntermediate", else dotted OID
    std::vector<std::string> eku_oids;  // dotted OIDs, same order as ekus
    std::vector<std::string> crl_urls;
    std::vector<std::string> ocsp_urls;
    std::string sha256_fingerprint;  // upper-case hex with colons, as Windows and openssl show it
    bool is_ca = false;
    bool self_signed = false;  // subject == issuer and the signature verifies with its own key
    std::time_t inspected_at = 0;  // the `now` the facts were taken at (days_left, and the validity checks later)
    Bytes der;
};

// Parses one DER certificate. Throws std::runtime_error with OpenSSL's reason on bad input.
CertificateFacts inspect_certificate(ByteView der, std::time_t now);
// PEM file with one or more certificates, in file order. Throws std::runtime_error if unreadable.
std::vector<Bytes> load_pem_certificates(const std::string& path);

// Host-name match the way a Windows client does it (RFC 6125): a DNS name matches dNSName SANs
// (left-most label wildcard only); the subject CN is used only when there are no dNSName SANs.
// An IP address literal matches an iPAddress SAN (or a dNSName spelling it, as Windows accepts).
bool host_name_matches(const CertificateFacts& cert, const std::string& host);

// Chain validation: leaf first, then what the server sent. Trust anchors come from `ca_file`
// (PEM bundle) or, without it, from the system store. The handshake never depends on this: it is
// a separate verdict, with OpenSSL's code and reason. No purpose is checked (EKU is judged separately, so that
// expiry, trust and usage findings stay independent). An unparseable certificate is a verdict, not an exception;
// an unreadable ca_file throws std::runtime_error (that is a configuration error, not a server fault).
struct ChainVerdict {
    bool valid = false;
    int openssl_error = 0;  // X509_V_ERR_*, 0 when valid
    std::string openssl_reason;  // X509_verify_cert_error_string
    int error_depth = -1;  // depth in the chain where it failed
    std::vector<std::string> built_chain_subjects;  // what OpenSSL built, leaf first (when it got that far)
    // Every error, not only the first: an expired certificate from an untrusted CA is both, and a Windows client
    // reports whichever it checks first, so the diagnosis needs all of them. First entry = openssl_error.
    std::vector<std::pair<int, std::string>> all_errors;  // X509_V_ERR_*, reason
    std::vector<int> all_error_depths;  // same order as all_errors; 0 = leaf
};
ChainVerdict verify_chain(const std::vector<Bytes>& chain_der, const std::optional<std::string>& ca_file,
                          std::time_t now);
// The same against trust anchors already loaded (probes/trust_source.hpp), as the probes of a run share them.
class TrustSource;
ChainVerdict verify_chain(const std::vector<Bytes>& chain_der, const TrustSource& trust, std::time_t now);

// What a Windows client would refuse, each with the error it would show. Validity is judged at
// leaf.inspected_at; an empty dialled_name skips the name check. For ikev2 every refusal is 13801 (the IKEv2
// client reports all certificate failures so), and the detail names the cause and the CryptoAPI status behind it.
enum class VpnUse { sstp, ikev2 };
struct CertificateProblem {
    std::string check;  // "expired", "not_yet_valid", "name_mismatch", "no_server_auth_eku", "untrusted_root", ...
    std::string detail;  // human explanation with the facts ("expired 2021-01-01, 2151 days ago")
    std::string windows_error;  // e.g. "0x800B0101 CERT_E_EXPIRED (-2146762495)" or "13801"; "" when advisory
    // True when a Windows client would not refuse the certificate for this by default (SHA-1 from a private CA,
    // a missing IKE-intermediate EKU): worth fixing, but not the reason a connection fails.
    bool advisory = false;
};
std::vector<CertificateProblem> windows_certificate_problems(const CertificateFacts& leaf, const ChainVerdict& chain,
                                                             const std::string& dialled_name, VpnUse use);

std::string format_time_utc(std::time_t t);  // "2021-01-01T00:00:00Z"

}  // namespace vpnprobe::probes
