// The SSTP login after LCP, as pure steps without sockets or clocks (like probes/ikev2/*_exchange.*):
// PppAuthStep answers the authenticator (EAP with Identity and EAP-MSCHAPv2, MS-CHAPv2 over CHAP, and PAP or
// CHAP-MD5 only when allowed) and yields the HLAK for the crypto binding; IpcpStep asks for an address and DNS
// servers and follows Naks. Each `take`s one PPP frame from the server and says what to send back and whether
// it is done, needs more, or failed (with a FailureReason and, for MS-CHAPv2 failures, the server's E= code).
// sstp_probe.cpp drives them and owns the socket, the deadlines and the log.
//
// Secrets: the password lives only in PppAuthStep (wiped when it is destroyed); nothing here formats it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "probes/failure_reason.hpp"
#include "probes/sstp/sstp_tunnel.hpp"
#include "protocol/auth/mschapv2.hpp"
#include "protocol/bytes.hpp"
#include "protocol/sstp/ppp_ipcp.hpp"
#include "protocol/sstp/ppp_lcp.hpp"
#include "protocol/sstp/sstp_crypto_binding.hpp"

namespace vpnprobe::probes {

enum class StepStatus { need_more, done, failed };

struct StepOutput {
    StepStatus status = StepStatus::need_more;
    std::vector<protocol::Bytes> send;  // PPP frames to send, in order
    FailureReason reason = FailureReason::none;  // when failed
    std::string error;  // when failed, in words (never a secret)
};

// Facts of the authentication, for the report.
struct PppAuthFacts {
    std::string method;  // "EAP-MSCHAPv2", "MS-CHAPv2", "PAP", "CHAP-MD5"
    std::optional<std::string> weakness;  // why the method is weak, when it is
    std::string server_name;  // the authenticator's name in its Challenge
    std::string eap_identity_prompt;  // the text of the EAP Identity Request (SoftEther's welcome text)
    std::optional<std::uint32_t> mschap_error;  // E= of an MS-CHAPv2 Failure (691, 649, ...)
    std::string server_message;  // M= of the Success or Failure, a PAP message, an EAP Notification
    bool server_proven = false;  // MS-CHAPv2: the server's S= proved it knows the password
};

class PppAuthStep {
public:
    // `asked` is what the server's LCP Configure-Request asked for (and we Acked); `peer_challenge` 16 random
    // bytes from the caller. Throws std::invalid_argument for a protocol the policy does not allow.
    PppAuthStep(const protocol::LcpAuthProtocol& asked, SstpCredentials credentials,
                const protocol::mschapv2::Challenge& peer_challenge);
    ~PppAuthStep();
    PppAuthStep(const PppAuthStep&) = delete;
    PppAuthStep& operator=(const PppAuthStep&) = delete;

    // Frames to send before the server speaks (PAP's Authenticate-Request); empty for EAP and CHAP.
    std::vector<protocol::Bytes> start();
    // One PPP frame from the server (LCP frames are the caller's business; other protocols are ignored).
    StepOutput take(protocol::ByteView ppp_frame);
    // The HLAK for the crypto binding, once done (zeros for PAP/CHAP-MD5, MS-SSTP 3.2.5.2.4).
    const protocol::SstpHlak& hlak() const { return hlak_; }
    const PppAuthFacts& facts() const { return facts_; }

    // A server that keeps asking (an EAP loop) is cut off after this many frames of the auth protocol.
    static constexpr int max_frames = 16;

private:
    StepOutput take_eap(protocol::ByteView frame);
    StepOutput take_chap(protocol::ByteView frame);
    StepOutput take_pap(protocol::ByteView frame);
    StepOutput mschap_failure(const std::string& text, const std::string& via);
    StepOutput fail(FailureReason reason, std::string error);

    protocol::LcpAuthProtocol asked_;
    SstpCredentials cred_;
    protocol::mschapv2::Challenge peer_challenge_;
    std::optional<protocol::mschapv2::ClientResponse> response_;
    protocol::SstpHlak hlak_{};
    PppAuthFacts facts_;
    int frames_ = 0;
    bool eap_mschap_success_seen_ = false;
};

struct IpcpFacts {
    std::optional<protocol::Ipv4Address> address;
    std::vector<protocol::Ipv4Address> dns;
    std::optional<protocol::Ipv4Address> server_address;  // the server's own IP-Address in its Request
    int naks = 0;
    int rejects = 0;
    std::vector<std::string> rejected_options;  // ours the server rejected, by name
};

class IpcpStep {
public:
    std::vector<protocol::Bytes> start();
    StepOutput take(protocol::ByteView ppp_frame);
    const IpcpFacts& facts() const { return facts_; }
    static constexpr int max_rounds = 10;

private:
    protocol::IpcpRequest request_ = protocol::windows_ipcp_request();
    protocol::CpPacket sent_;
    std::uint8_t id_ = 1;
    bool our_acked_ = false, their_acked_ = false;
    int rounds_ = 0;
    IpcpFacts facts_;
    StepOutput send_request();
};

}  // namespace vpnprobe::probes
