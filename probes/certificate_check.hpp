// Pre-change validation of a candidate server certificate, offline: before it is bound to an SSTP listener or
// an IKEv2 server, what a Windows client would refuse once it is live (the same checks the probes make of a live
// server), and what a live server never shows: whether the private key belongs to the certificate, and whether
// the certificate is still valid, with margin, on the day of the swap.
// Header kept free of OpenSSL types, like probes/certificate.hpp.
#pragma once

#include <ctime>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "probes/certificate.hpp"
#include "probes/probe_result.hpp"

namespace vpnprobe::probes {

const char* to_string(VpnUse use);  // "sstp", "ikev2"
std::optional<VpnUse> parse_vpn_use(std::string_view s);  // the inverse; nullopt for anything else
// "2027-01-15T00:00:00Z" or "2027-01-15" (midnight UTC); nullopt for anything else, including impossible dates.
std::optional<std::time_t> parse_utc_time(std::string_view s);

struct CertCheckOptions {
    Bytes leaf_der;
    std::vector<Bytes> intermediates_der;  // what the server will send after the leaf, in order
    // The private key's PEM text (a view, so the caller keeps the only copy and can wipe it); nullopt = not given.
    std::optional<std::string_view> key_pem;
    std::vector<std::string> names;  // every name clients dial; each is checked against the certificate
    std::vector<VpnUse> uses{VpnUse::sstp, VpnUse::ikev2};
    std::optional<std::string> ca_file;  // trust anchors; nullopt = the system store
    int min_days = 30;  // warn when fewer days of validity remain at `at`
    int fail_under_days = 0;  // an error when fewer days remain at `at` (a change gate); 0 = off
    std::time_t at = 0;  // the moment judged: now, or the day of the swap
};

// A finding of one use (the same fault shows a different Windows error to the SSTP and the IKEv2 client),
// for one dialled name when it depends on the name.
struct CertCheckFinding : Finding {
    VpnUse use = VpnUse::sstp;
    std::string name;  // "" = holds whatever name is dialled
    // An error by the rules a certificate about to be deployed is held to (RSA under 2048 bits, --fail-under-days)
    // that a Windows client does not refuse today: the verdict must not claim the client would.
    bool policy_only = false;
    bool client_refuses() const { return severity == Severity::error && !policy_only; }
};

struct KeyFacts {
    std::string key_type;  // as CertificateFacts::key_type
    int key_bits = 0;
    std::string curve;
    bool matches = false;  // the key is the certificate's (same public key)
};

struct CertCheckResult {
    CertificateFacts leaf;
    std::vector<CertificateFacts> intermediates;
    ChainVerdict chain;
    std::optional<KeyFacts> key;  // nullopt = no key given, nothing known about it
    CertCheckOptions options;  // what was checked (key_pem cleared: the result never holds key material)
    std::vector<CertCheckFinding> findings;

    bool checked(VpnUse use) const;
    bool ok_for(VpnUse use) const;  // checked, and no error finding for that use
    bool ok() const;  // ok_for every use checked
    const CertCheckFinding* first_error(VpnUse use) const;
};

// The key text is not a usable private key: encrypted (it needs a passphrase, which this check never asks for),
// or not a key at all. The message never contains key material.
struct KeyUnreadable : std::runtime_error {
    using std::runtime_error::runtime_error;
    bool encrypted = false;
};

// Throws KeyUnreadable as above, and std::runtime_error for an unparseable certificate or an unreadable ca_file:
// both mean the input is unusable, not that the certificate is bad.
CertCheckResult check_certificate(const CertCheckOptions& options);

}  // namespace vpnprobe::probes
