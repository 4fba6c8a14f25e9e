#include "probes/ikev2/informational_exchange.hpp"

#include "probes/net_errors.hpp"

namespace vpnprobe::probes {

namespace ike = vpnprobe::protocol::ikev2;
using protocol::Bytes;

InformationalExchange::InformationalExchange(IkeSaState& sa, Ikev2Facts& facts, std::uint32_t message_id,
                                             std::size_t fragment_size, Ikev2Randomness random, Ikev2Log log,
                                             Bytes child_spi)
    : sa_(sa),
      facts_(facts),
      message_id_(message_id),
      fragment_size_(fragment_size),
      random_(std::move(random)),
      log_(std::move(log)),
      child_spi_(std::move(child_spi)) {}

StepStatus InformationalExchange::build(std::vector<Bytes>& datagrams) {
    try {
        ike::DeletePayload d{1, 0, {}};  // the IKE SA
        if (!child_spi_.empty())
            d = ike::DeletePayload{static_cast<std::uint8_t>(ike::ProtocolId::esp), 4, {child_spi_}};
        datagrams =
            seal_request(sa_, ike::ExchangeType::informational, message_id_, {d}, fragment_size_, random_.bytes);
    } catch (const std::exception& e) {
        return fail(FailureReason::internal, "cannot build the Delete: " + describe_exception(e), true);
    }
    if (log_) log_("-> INFORMATIONAL request " + std::to_string(message_id_) + " [ D ]");
    response_.emplace(sa_, ike::ExchangeType::informational, message_id_, facts_.fragments_received, log_);
    return StepStatus::need_more;
}

bool InformationalExchange::take(const Bytes& datagram) { return response_ && response_->take(datagram); }

StepStatus InformationalExchange::process() {
    const bool answered = response_ && response_->payloads().has_value();
    if (child_spi_.empty()) facts_.deleted = answered;
    if (answered) return StepStatus::done;
    if (response_ && response_->invalid_ike_spi()) return fail(FailureReason::ikev2_invalid_ike_spi, "");
    if (response_ && !response_->unprotected_notifies().empty())
        return fail(FailureReason::ikev2_unprotected_answer, "");
    return fail(FailureReason::malformed, response_ ? response_->error() : "");
}

}  // namespace vpnprobe::probes
