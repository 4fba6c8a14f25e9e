// The EAP rounds of IKE_AUTH (RFC 7296 2.16) as a pure step: the server's first EAP request came with its AUTH
// (IkeAuthExchange); each round answers one request inside a new IKE_AUTH request (EAP payload only) and takes
// the next: Identity, EAP-MSCHAPv2 Challenge / Success / Failure (the same protocol/auth code the SSTP login
// uses), Notification, a Nak of any other method (asking for EAP-MSCHAPv2, as a Windows profile configured for
// it), until EAP-Success (done: the MSK is ready for the final AUTH) or EAP-Failure (failed).
//
// Secrets: the password lives only here (wiped when the step is destroyed), the MSK too; nothing here formats
// either, and the -v log shows EAP payloads without their method data.
#pragma once

#include <optional>

#include "probes/ikev2/ikev2_exchange.hpp"
#include "probes/ikev2/protected_message.hpp"
#include "protocol/auth/eap.hpp"
#include "protocol/auth/mschapv2.hpp"

namespace vpnprobe::probes {

class EapExchange : public Ikev2Exchange {
public:
    // A server that keeps asking (an EAP loop) is cut off after this many rounds; an EAP-MSCHAPv2 login takes 3.
    static constexpr int kMaxRounds = 10;

    // `peer_challenge`: 16 random bytes for MS-CHAPv2 (the caller's, so a test can fix them).
    EapExchange(IkeSaState& sa, Ikev2TunnelFacts& facts, Ikev2Credentials credentials,
                const protocol::mschapv2::Challenge& peer_challenge, std::size_t fragment_size, Ikev2Randomness random,
                Ikev2Log log);
    ~EapExchange() override;
    EapExchange(const EapExchange&) = delete;
    EapExchange& operator=(const EapExchange&) = delete;

    StepStatus build(std::vector<protocol::Bytes>& datagrams) override;
    bool take(const protocol::Bytes& datagram) override;
    StepStatus process() override;
    std::string no_answer_detail() const override;

    // The EAP method's Master Session Key once done (64 bytes for EAP-MSCHAPv2), for the final AUTH.
    const protocol::Bytes& msk() const { return msk_; }

private:
    // Our answer to one EAP request or result: need_more with answer_ set, done (EAP-Success), failed.
    StepStatus answer(const protocol::ikev2::EapPayload& eap);
    StepStatus answer_mschapv2(const protocol::EapPacket& eap);

    IkeSaState& sa_;
    Ikev2TunnelFacts& facts_;
    Ikev2Credentials cred_;
    protocol::mschapv2::Challenge peer_challenge_;
    std::size_t fragment_size_;
    Ikev2Randomness random_;
    Ikev2Log log_;
    std::optional<protocol::ikev2::EapPayload> answer_;  // what the next request carries
    std::optional<protocol::mschapv2::ClientResponse> response_;
    protocol::Bytes msk_;
    std::uint32_t message_id_ = 0;
    int fragments_received_ = 0;
    std::optional<ProtectedResponse> response_msg_;
};

}  // namespace vpnprobe::probes
