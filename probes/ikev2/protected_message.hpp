// Encrypted IKEv2 messages (SK, RFC 7296 3.14) and their fragments (SKF, RFC 7383) for the exchanges after
// IKE_SA_INIT: sealing our request, collecting and opening the server's response. Pure: no socket, no clock.
// The message layout itself is protocol/ikev2/ikev2_sk's (shared with the fault injector); this adds what the
// probe decides: our fragment size limit, and which datagrams are dropped, which are fatal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "probes/ikev2/ikev2_exchange.hpp"
#include "protocol/ikev2/ikev2_fragments.hpp"
#include "protocol/ikev2/ikev2_message.hpp"
#include "protocol/ikev2/ikev2_sk.hpp"

namespace vpnprobe::probes {

// An encrypted request, or its fragments (SKF) when it would exceed fragment_size (our limit on the IP
// payload) and the server offered fragmentation (RFC 7383 2.5). Throws when the keys are unusable.
std::vector<protocol::Bytes> seal_request(const IkeSaState& sa, protocol::ikev2::ExchangeType exchange,
                                          std::uint32_t message_id,
                                          const std::vector<protocol::ikev2::Payload>& payloads,
                                          std::size_t fragment_size, const protocol::ikev2::IvSource& iv = {});

// Collects the protected response to one request: SK, or SKF fragments in any order (duplicates ignored),
// decrypted and decoded. What cannot be authenticated is dropped, never fatal: anyone on the path can send
// it (RFC 7383 2.6).
class ProtectedResponse {
public:
    ProtectedResponse(const IkeSaState& sa, protocol::ikev2::ExchangeType exchange, std::uint32_t message_id,
                      int& fragments_received, Ikev2Log log);

    // True when the datagram completed the response or made it fatally wrong (see payloads(), error(),
    // invalid_ike_spi(), unprotected_notifies()).
    bool take(const protocol::Bytes& datagram);

    const std::optional<std::vector<protocol::ikev2::Payload>>& payloads() const { return payloads_; }
    const std::string& error() const { return error_; }  // fatal: the authentic response is malformed or too big
    const std::string& dropped() const { return dropped_; }  // why datagrams were dropped (forged, impossible)
    bool invalid_ike_spi() const { return invalid_spi_; }  // an unprotected INVALID_IKE_SPI (RFC 7296 2.21.4)
    const std::vector<protocol::ikev2::NotifyPayload>& unprotected_notifies() const { return unprotected_; }
    const protocol::ikev2::FragmentReassembler& fragments() const { return fragments_; }

private:
    void drop(const std::string& why);

    const IkeSaState& sa_;
    protocol::ikev2::ExchangeType exchange_;
    std::uint32_t message_id_;
    int& fragments_received_;
    Ikev2Log log_;
    protocol::ikev2::FragmentReassembler fragments_;
    std::optional<std::vector<protocol::ikev2::Payload>> payloads_;
    std::string error_, dropped_;
    bool invalid_spi_ = false;
    std::vector<protocol::ikev2::NotifyPayload> unprotected_;
};

}  // namespace vpnprobe::probes
