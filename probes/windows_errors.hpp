// The errors a Windows VPN client shows, as numbers an operator can search for.
// Two kinds live here: HRESULTs from CryptoAPI (shown by the SSTP client in decimal, e.g. -2146762495, which
// nobody recognises until it is written as 0x800B0101 CERT_E_EXPIRED) and plain Win32/RAS error numbers
// (809, 13801), which the client shows as they are. describe() writes each the way it is looked up.
//
// Sources. Numbers and meanings are quoted from Microsoft's reference pages ([COM], [RAS], [SYS]); which symptom
// produces which code comes from the troubleshooting pages and field reports ([IKE], [AOV], [RH], [SWAN]):
//   [COM]  COM Error Codes (Security and Setup), Winerror.h
//          https://learn.microsoft.com/en-us/windows/win32/com/com-error-codes-4
//   [RAS]  Routing and Remote Access Error Codes, raserror.h
//          https://learn.microsoft.com/en-us/windows/win32/rras/routing-and-remote-access-error-codes
//   [SYS]  System Error Codes (12000-15999)
//          https://learn.microsoft.com/en-us/windows/win32/debug/system-error-codes--12000-15999-
//   [IKE]  Troubleshooting IKEv2 VPN Connections (Windows Server 2008 R2): 13801 "occurs on the client when the
//          certificate is expired, the trusted root is not present, the subject name does not match the remote
//          computer, or the certificate does not have the required EKU values"
//   https://learn.microsoft.com/previous-versions/windows/it-pro/windows-server-2008-R2-and-2008/dd941612(v=ws.10)
//   [AOV]  Troubleshoot Always On VPN (Microsoft's overview: certificate, NPS and RRAS causes)
//          https://learn.microsoft.com/en-us/troubleshoot/windows-server/networking/troubleshoot-always-on-vpn
//   [RH]   Richard Hicks' Always On VPN field notes (not Microsoft, but the reports that tie a symptom to a code):
//          -2146762495 in RasClient event 20227 for an expired SSTP TLS certificate
//            https://directaccess.richardhicks.com/tag/expired-certificate/
//          809 as a VPN timeout (TCP 443, UDP 500/4500 blocked)
//            https://directaccess.richardhicks.com/2019/02/14/troubleshooting-always-on-vpn-error-code-809/
//          809 when IP fragments of the IKEv2 authentication exchange are dropped
//            https://directaccess.richardhicks.com/2019/02/11/always-on-vpn-and-ikev2-fragmentation/
//          13868 as an IKEv2 policy (proposal) mismatch between client and server
//            https://directaccess.richardhicks.com/2019/09/02/always-on-vpn-ikev2-policy-mismatch-error/
//   [KB]   Microsoft KB 923944, the error codes a dial-up or VPN connection can return (Windows Vista): 646 "The
//          account is not permitted to log on at this time of day", 647 "The account is disabled", 648 "The
//          password has expired", 649 "The account does not have permission to dial in"
//          https://support.microsoft.com/kb/923944
//   [TN]   RAS Connection Establishment Issues (Windows Server 2008): which errors a client reports at which stage
//          of a connection; 646-649, 691, 718, 778 and 812 among those after the tunnel is up (PPP authentication)
//          https://technet.microsoft.com/library/3060ebb9-d91a-4f85-903f-dc865bd0692c
//   [2759] RFC 2759 (MS-CHAPv2): section 6 names the Failure packet's E= codes by their raserror.h symbols (646
//          ERROR_RESTRICTED_LOGON_HOURS ... 691 ERROR_AUTHENTICATION_FAILURE); section 5: the peer checks the
//          authenticator response and ends the connection when it does not match
//   [RH8]  Richard Hicks, "Troubleshooting Always On VPN Errors 691 and 812" (2018-02): an IKEv2 client shows 812
//          with its full text ("... Specifically, the authentication method used by the server to verify your
//          username and password may not match the authentication method configured in your connection
//          profile"), while SSTP clients of the same misconfigured server show 691
//          https://directaccess.richardhicks.com/2018/02/
//   [SWAN] strongSwan, Windows Certificate Requirements: an IP address must be a dNSName SAN, "the client will
//          throw a 13801 error if this is not met"
//          https://docs.strongswan.org/docs/5.9/interop/windowsCertRequirements.html
// Which condition produces which code is a mapping, not a definition; each row says where the mapping comes from.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace vpnprobe::probes::winerr {

struct WindowsError {
    std::string_view symbol;
    std::uint32_t hresult_or_code;
    std::string_view meaning;
};

// HRESULTs have the severity bit set; RAS and Win32 error numbers are small positive integers.
constexpr bool is_hresult(const WindowsError& e) { return (e.hresult_or_code & 0x80000000u) != 0; }

// "0x800B0101 CERT_E_EXPIRED (-2146762495)" for an HRESULT: the hex form is what err.exe and Microsoft's pages
// use, the negative decimal is what the SSTP client's event 20227 prints. "809" for a RAS/Win32 error, as the
// client prints it.
inline std::string describe(const WindowsError& e) {
    if (!is_hresult(e)) return std::to_string(e.hresult_or_code);
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(e.hresult_or_code));
    auto as_signed = static_cast<std::int32_t>(e.hresult_or_code);
    return std::string(hex) + " " + std::string(e.symbol) + " (" + std::to_string(as_signed) + ")";
}

// --- CryptoAPI certificate errors, shown by the SSTP client (TLS server certificate checks) [COM] ---

// SSTP certificate expired (DESIGN.md table). Windows uses the same code for "not yet valid": the meaning is
// "not within its validity period". [COM]; the SSTP client showing it as -2146762495: [RH].
inline constexpr WindowsError CERT_E_EXPIRED{
    "CERT_E_EXPIRED", 0x800B0101u,
    "A required certificate is not within its validity period when verifying against the current system clock "
    "or the timestamp in the signed file."};
// Name not in CN/SAN. [COM]
inline constexpr WindowsError CERT_E_CN_NO_MATCH{"CERT_E_CN_NO_MATCH", 0x800B010Fu,
                                                 "The certificate's CN name does not match the passed value."};
// Chain to an untrusted root (also a self-signed server certificate the client does not trust). [COM]
inline constexpr WindowsError CERT_E_UNTRUSTEDROOT{
    "CERT_E_UNTRUSTEDROOT", 0x800B0109u,
    "A certificate chain processed, but terminated in a root certificate which is not trusted by the trust "
    "provider."};
// No chain to a trusted root can be built at all: an issuer (typically an intermediate the server does not send,
// and that the client cannot fetch through AIA) is nowhere to be found. cert-check reports it for a certificate
// whose issuer is in neither the file, --chain nor the trust anchors (certificate.chain_incomplete). The meaning,
// quoted from [COM] (Winerror.h: "CERT_E_CHAINING 0x800B010A A certificate chain could not be built to a trusted
// root authority."), is that case, where CERT_E_UNTRUSTEDROOT is a chain that was built and ends in an untrusted
// root. [COM]
inline constexpr WindowsError CERT_E_CHAINING{"CERT_E_CHAINING", 0x800B010Au,
                                              "A certificate chain could not be built to a trusted root authority."};
// No serverAuth EKU. [COM]
inline constexpr WindowsError CERT_E_WRONG_USAGE{"CERT_E_WRONG_USAGE", 0x800B0110u,
                                                 "The certificate is not valid for the requested usage."};
// A signature in the chain does not verify with its issuer's key: CryptoAPI's status for that case. [COM]
inline constexpr WindowsError TRUST_E_CERT_SIGNATURE{"TRUST_E_CERT_SIGNATURE", 0x80096004u,
                                                     "The signature of the certificate cannot be verified."};
// Revocation server (CRL/OCSP) unreachable: the SSTP client checks revocation. [COM]
inline constexpr WindowsError CRYPT_E_REVOCATION_OFFLINE{
    "CRYPT_E_REVOCATION_OFFLINE", 0x80092013u,
    "The revocation function was unable to check revocation because the revocation server was offline."};

// Schannel's "no common algorithm": the protocol versions or cipher suites of client and server are disjoint.
// [COM]
inline constexpr WindowsError SEC_E_ALGORITHM_MISMATCH{
    "SEC_E_ALGORITHM_MISMATCH", 0x80090331u,
    "The client and server cannot communicate, because they do not possess a common algorithm."};

// --- RAS errors [RAS] ---

// The name of the VPN server did not resolve. [RAS]
inline constexpr WindowsError ERROR_NO_DNS{"ERROR_NO_DNS", 868u,
                                           "The remote connection was not made because the name of the remote "
                                           "access server did not resolve."};

// No answer (TCP 443 or UDP 500/4500 blocked, server down), and an IKE_AUTH response lost because IP fragments
// are dropped: the client sees silence either way. Meaning quoted from [RAS]; both causes: [RH].
inline constexpr WindowsError ERROR_VPN_TIMEOUT{
    "ERROR_VPN_TIMEOUT", 809u,
    "The network connection between your computer and the VPN server could not be established because the "
    "remote server is not responding."};
// Wrong user name or password (credentialed probe). [RAS]
// The IKEv2 user tunnel (EAP-MSCHAPv2 inside IKE_AUTH) maps a refused password here too: the E= value of an
// MS-CHAPv2 Failure *is* the Windows error number (RFC 2759 section 6: "691 ERROR_AUTHENTICATION_FAILURE"; the
// codes are raserror.h's [RAS]), and an EAP-Failure without an MS-CHAPv2 verdict is the same refusal. That a
// Windows IKEv2 client shows 691 for it is inferred from those two sources, not observed against one here.
inline constexpr WindowsError ERROR_AUTHENTICATION_FAILURE{
    "ERROR_AUTHENTICATION_FAILURE", 691u,
    "Access denied because the user name, password, or both is not valid on the domain."};

// --- IPsec/IKE errors [SYS] ---

// IKEv2 server certificate unacceptable (EKU, name, chain, validity): [IKE] lists exactly these causes; [SWAN]
// adds an IP address present only as an iPAddress SAN.
inline constexpr WindowsError ERROR_IPSEC_IKE_AUTH_FAIL{"ERROR_IPSEC_IKE_AUTH_FAIL", 13801u,
                                                        "IKE authentication credentials are unacceptable."};
// IKEv2 proposals do not match. Meaning from [SYS]; the proposal-mismatch cause: [RH].
inline constexpr WindowsError ERROR_IPSEC_IKE_POLICY_MATCH{"ERROR_IPSEC_IKE_POLICY_MATCH", 13868u,
                                                           "Policy match error."};

// The server's MS-CHAPv2 Success does not prove it knows the password (a wrong, malformed or missing S=): RFC
// 2759 section 5 has the client end the connection [2759]. Number, symbol and meaning: [RAS]; [TN] lists 778
// among the errors of the authentication stage. No Microsoft page found says in so many words that a wrong S=
// gives 778: the mapping is this error's meaning ("not possible to verify the identity of the server"), which
// no other RAS error has for a server that fails MS-CHAPv2's mutual authentication.
inline constexpr WindowsError ERROR_UNABLE_TO_AUTHENTICATE_SERVER{
    "ERROR_UNABLE_TO_AUTHENTICATE_SERVER", 778u, "It was not possible to verify the identity of the server."};

// The server's policy refused the connection: its full text goes on to name an authentication method the server
// uses that the client's profile does not allow, which is the probe's sstp.auth_unsupported; a server that sends
// E=812 in its MS-CHAPv2 Failure says so itself. Number, symbol and text: [RAS] (raserror.h, RASBASE+212); the
// client showing it: [RH8]. [RH8] also shows that an SSTP client can show 691 where an IKEv2 client shows 812,
// and in the lab SoftEther answers E=691 to a user its policy refuses (tests/integration/test_sstp_login_lab.cpp):
// 812 only when the wire says so, never guessed from a refusal.
inline constexpr WindowsError ERROR_SERVER_POLICY{
    "ERROR_SERVER_POLICY", 812u, "The connection was prevented because of a policy configured on your RAS/VPN server."};
// Account restrictions a server names in its MS-CHAPv2 Failure (E=646..649, [2759]); the client shows the code it
// got. Numbers and symbols: [RAS]; meanings: [KB].
inline constexpr WindowsError ERROR_RESTRICTED_LOGON_HOURS{"ERROR_RESTRICTED_LOGON_HOURS", 646u,
                                                           "The account is not permitted to log on at this time of "
                                                           "day."};
inline constexpr WindowsError ERROR_ACCT_DISABLED{"ERROR_ACCT_DISABLED", 647u, "The account is disabled."};
inline constexpr WindowsError ERROR_PASSWD_EXPIRED{"ERROR_PASSWD_EXPIRED", 648u, "The password has expired."};
inline constexpr WindowsError ERROR_NO_DIALIN_PERMISSION{"ERROR_NO_DIALIN_PERMISSION", 649u,
                                                         "The account does not have permission to dial in."};
// The login worked but no network protocol came up (IPCP refused, no address from the pool). [RAS]
inline constexpr WindowsError ERROR_PPP_NO_PROTOCOLS_CONFIGURED{"ERROR_PPP_NO_PROTOCOLS_CONFIGURED", 720u,
                                                                "No PPP control protocols configured."};

// Every row above, for lookups by number.
inline constexpr std::array<WindowsError, 20> all{ERROR_SERVER_POLICY,
                                                  ERROR_RESTRICTED_LOGON_HOURS,
                                                  ERROR_ACCT_DISABLED,
                                                  ERROR_PASSWD_EXPIRED,
                                                  ERROR_NO_DIALIN_PERMISSION,
                                                  ERROR_UNABLE_TO_AUTHENTICATE_SERVER,
                                                  ERROR_PPP_NO_PROTOCOLS_CONFIGURED,
                                                  CERT_E_EXPIRED,
                                                  CERT_E_CN_NO_MATCH,
                                                  CERT_E_UNTRUSTEDROOT,
                                                  CERT_E_CHAINING,
                                                  CERT_E_WRONG_USAGE,
                                                  TRUST_E_CERT_SIGNATURE,
                                                  CRYPT_E_REVOCATION_OFFLINE,
                                                  ERROR_VPN_TIMEOUT,
                                                  ERROR_AUTHENTICATION_FAILURE,
                                                  ERROR_IPSEC_IKE_AUTH_FAIL,
                                                  ERROR_IPSEC_IKE_POLICY_MATCH,
                                                  SEC_E_ALGORITHM_MISMATCH,
                                                  ERROR_NO_DNS};

constexpr std::optional<WindowsError> find(std::uint32_t hresult_or_code) {
    for (const auto& e : all)
        if (e.hresult_or_code == hresult_or_code) return e;
    return std::nullopt;
}

// What a Windows client shows for an MS-CHAPv2 Failure with this E= code: the code itself when it is one of RFC
// 2759's policy codes (646-649), 691 or 812; 691 for any other (the login failed, and [2759] asks a peer to
// treat unknown codes gracefully).
constexpr WindowsError mschapv2_failure_error(std::uint32_t e) {
    constexpr std::array<WindowsError, 6> shown_as_sent{ERROR_RESTRICTED_LOGON_HOURS, ERROR_ACCT_DISABLED,
                                                        ERROR_PASSWD_EXPIRED,         ERROR_NO_DIALIN_PERMISSION,
                                                        ERROR_AUTHENTICATION_FAILURE, ERROR_SERVER_POLICY};
    for (const auto& known : shown_as_sent)
        if (known.hresult_or_code == e) return known;
    return ERROR_AUTHENTICATION_FAILURE;
}

}  // namespace vpnprobe::probes::winerr
