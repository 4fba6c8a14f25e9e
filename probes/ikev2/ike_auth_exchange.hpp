// IKE_AUTH without client AUTH (the EAP path, RFC 7296 2.16) as a pure step: IDi, CERTREQ, CP, SA, TSi/TSr,
// sealed (and fragmented, RFC 7383) under the IKE SA's keys; the protected response collected from its
// fragments, then the server's ID, certificates, chain verdict and AUTH signature recorded. A server that
// offers EAP answers without its own AUTH failing: the EAP request it sends is where the EAP rounds will
// continue.
#pragma once

#include <ctime>
#include <memory>

#include "probes/ikev2/ikev2_exchange.hpp"
#include "probes/ikev2/protected_message.hpp"
#include "probes/trust_source.hpp"

namespace vpnprobe::probes {

struct IkeAuthConfig {
    std::string id;  // IDi; "" = "vpnprobe"
    std::optional<std::string> ca_file;  // trust anchors for the chain verdict
    std::shared_ptr<const TrustSource> trust;  // ca_file's, already loaded; nullptr = load ca_file when needed
    // SHA-1 of each given CA's subjectPublicKeyInfo for our CERTREQ; nullopt: echo the server's CERTREQ.
    std::optional<std::vector<protocol::Bytes>> ca_key_hashes;
    std::size_t fragment_size = 1280;
    std::time_t now = 0;  // for certificate validity
    std::uint16_t sa_init_port = 500, port = 4500;  // for the words of an INVALID_IKE_SPI failure
    std::string peer_text;  // "192.0.2.1:4500", for the log
};

class IkeAuthExchange : public Ikev2Exchange {
public:
    static constexpr std::uint32_t kMessageId = 1;

    IkeAuthExchange(IkeAuthConfig config, IkeSaState& sa, Ikev2Facts& facts, Ikev2Randomness random, Ikev2Log log);

    StepStatus build(std::vector<protocol::Bytes>& datagrams) override;
    bool take(const protocol::Bytes& datagram) override;
    StepStatus process() override;
    std::string no_answer_detail() const override;
    std::string no_answer_counts() const;  // ", 2 of 3 response fragments arrived" when fragments came

private:
    std::vector<protocol::ikev2::Payload> request_payloads();
    StepStatus process_payloads(const std::vector<protocol::ikev2::Payload>& payloads);

    IkeAuthConfig config_;
    IkeSaState& sa_;
    Ikev2Facts& facts_;
    Ikev2Randomness random_;
    Ikev2Log log_;
    std::optional<ProtectedResponse> response_;
};

}  // namespace vpnprobe::probes
