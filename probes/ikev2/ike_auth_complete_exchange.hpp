// The last IKE_AUTH of the EAP path (RFC 7296 2.16) as a pure step: our AUTH, computed from the EAP method's
// MSK over our signed octets; the server's answer: its AUTH (checked against what the MSK gives over its
// signed octets), the configuration payload (virtual address, DNS servers) and the CHILD_SA (the chosen ESP
// proposal, its SPI, TSi/TSr) or the error notify that refused it. A refused CHILD_SA or address does not fail
// this step (the IKE SA is up): the driver judges it in the child_sa phase.
#pragma once

#include "probes/ikev2/ikev2_exchange.hpp"
#include "probes/ikev2/protected_message.hpp"

namespace vpnprobe::probes {

class IkeAuthCompleteExchange : public Ikev2Exchange {
public:
    // `msk`: the EAP method's (64 bytes for EAP-MSCHAPv2); copied and wiped with the step.
    IkeAuthCompleteExchange(IkeSaState& sa, Ikev2TunnelFacts& facts, const protocol::Bytes& msk,
                            std::size_t fragment_size, Ikev2Randomness random, Ikev2Log log);
    ~IkeAuthCompleteExchange() override;
    IkeAuthCompleteExchange(const IkeAuthCompleteExchange&) = delete;
    IkeAuthCompleteExchange& operator=(const IkeAuthCompleteExchange&) = delete;

    StepStatus build(std::vector<protocol::Bytes>& datagrams) override;
    bool take(const protocol::Bytes& datagram) override;
    StepStatus process() override;
    std::string no_answer_detail() const override;

    // The CHILD_SA's chosen proposal (with the server's SPI) and ours, once done with a CHILD_SA.
    const std::optional<protocol::ikev2::Proposal>& chosen_child() const { return chosen_; }
    const std::optional<protocol::ikev2::Proposal>& offered_child() const { return offered_; }

private:
    void record_child(const std::vector<protocol::ikev2::Payload>& payloads);

    IkeSaState& sa_;
    Ikev2TunnelFacts& facts_;
    protocol::Bytes msk_;
    std::size_t fragment_size_;
    Ikev2Randomness random_;
    Ikev2Log log_;
    std::uint32_t message_id_ = 0;
    int fragments_received_ = 0;
    std::optional<ProtectedResponse> response_;
    std::optional<protocol::ikev2::Proposal> chosen_, offered_;
};

// "10.98.32.1/32", "10.0.0.1-10.0.0.9", with "[proto/ports]" when not any.
std::string traffic_selector_text(const protocol::ikev2::TrafficSelector& ts);

}  // namespace vpnprobe::probes
