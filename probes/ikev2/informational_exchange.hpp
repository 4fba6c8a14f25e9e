// INFORMATIONAL with a Delete of the IKE SA (RFC 7296 1.4.1) as a pure step, so that the server does not keep
// a half-open IKE SA for every probe (servers limit those per client address: strongSwan's block_threshold).
// Or, given a CHILD_SA's inbound SPI, the Delete of that ESP SA (RFC 7296 1.4.1: the responder answers with
// the Delete of its own half), sent before the IKE SA's as a client that disconnects does.
#pragma once

#include "probes/ikev2/ikev2_exchange.hpp"
#include "probes/ikev2/protected_message.hpp"

namespace vpnprobe::probes {

class InformationalExchange : public Ikev2Exchange {
public:
    // message_id: 1 after IKE_SA_INIT alone, 2 after our IKE_AUTH request went out.
    InformationalExchange(IkeSaState& sa, Ikev2Facts& facts, std::uint32_t message_id, std::size_t fragment_size,
                          Ikev2Randomness random, Ikev2Log log, protocol::Bytes child_spi = {});

    StepStatus build(std::vector<protocol::Bytes>& datagrams) override;
    bool take(const protocol::Bytes& datagram) override;
    StepStatus process() override;

private:
    IkeSaState& sa_;
    Ikev2Facts& facts_;
    std::uint32_t message_id_;
    std::size_t fragment_size_;
    Ikev2Randomness random_;
    Ikev2Log log_;
    std::optional<ProtectedResponse> response_;
    protocol::Bytes child_spi_;  // empty: the IKE SA
};

}  // namespace vpnprobe::probes
