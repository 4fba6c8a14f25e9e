// What the SSTP probe learns past LCP when it is given credentials: the login, the crypto binding, IPCP and the
// data path. Plain values only (this header is included wherever an SSTP result is).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "probes/tunnel_echo.hpp"

namespace vpnprobe::probes {

// A test account. The password never reaches a log, a report or a metric.
struct SstpCredentials {
    std::string user;  // SoftEther: "user@HUB"
    std::string password;
    bool allow_weak = false;  // PAP and CHAP-MD5 when the server asks for them (reported as weak)
};

// One ICMP echo request sent through the tunnel (the IKEv2 probe records the same).
using SstpEcho = TunnelEcho;

struct SstpTunnelFacts {
    bool credentials_given = false;
    std::string credentials_withheld;  // why no credential was sent (an untrusted certificate), "" otherwise
    std::string auth_method;  // "EAP-MSCHAPv2", "MS-CHAPv2", "PAP", "CHAP-MD5", "none"
    std::string auth_weakness;  // why the method is weak, "" when it is not
    std::string auth_server_name;  // the authenticator's name in its Challenge
    std::string eap_identity_prompt;  // the text of the EAP Identity Request
    std::optional<std::uint32_t> mschap_error;  // E= of an MS-CHAPv2 Failure
    std::string server_message;  // M= of the Success or Failure, a PAP or EAP Notification text
    bool server_proven = false;  // MS-CHAPv2: the server proved it knows the password (S=)
    bool authenticated = false;
    std::string binding_hash;  // "SHA256" or "SHA1": the hash protocol of our Crypto Binding
    bool call_connected_sent = false;
    bool connected = false;  // IPCP opened: the tunnel is up
    std::string address;  // assigned to us
    std::vector<std::string> dns;
    std::string server_address;  // the server's own, from its IPCP request
    std::string ping_target;
    std::vector<SstpEcho> echoes;
    int echo_replies = 0;
};

}  // namespace vpnprobe::probes
