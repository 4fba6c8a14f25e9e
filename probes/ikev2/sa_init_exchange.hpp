// IKE_SA_INIT (RFC 7296 1.2) as a pure step: the request with SA, KE, Nonce, NAT-D, fragmentation and
// signature hash notifies; a COOKIE (2.6) or INVALID_KE_PAYLOAD (1.2) answer asks for the request again (the
// cookie first, with every other payload unchanged, or a key share of the group asked for, if we offered it); the
// final answer is checked against the offer and sets up the IKE SA's keys (unless told not to: an SA_INIT-only
// probe needs no shared secret, so it only checks the form of the server's key share). Records the facts (chosen proposal, notifies, NAT-D, CERTREQ);
// the diagnosis judges them.
#pragma once

#include <boost/asio/ip/udp.hpp>

#include "probes/ikev2/ikev2_exchange.hpp"
#include "protocol/ikev2/ikev2_message.hpp"

namespace vpnprobe::probes {

struct SaInitConfig {
    bool offer_fragmentation = true;  // N(IKEV2_FRAGMENTATION_SUPPORTED)
    // Our socket's addresses as we see them, for the NAT-D hashes (RFC 7296 2.23).
    boost::asio::ip::udp::endpoint local, remote;
    // SHA-1 of the subjectPublicKeyInfo of each CA of the given CA file: whether the server's CERTREQ names
    // one. nullopt when no CA file was given (or it could not be read).
    std::optional<std::vector<protocol::Bytes>> ca_key_hashes;
    std::string peer_text;  // "192.0.2.1:500", for the log
    // Compute g^ir and the IKE SA's keys. false (SA_INIT-only): the server's key share is only checked for its
    // form (check_peer_public_value_form), no key is derived, and sa.keys stays empty (so no Delete can be sent).
    bool derive_keys = true;
};

class SaInitExchange : public Ikev2Exchange {
public:
    // At most this many COOKIE answers, and this many INVALID_KE_PAYLOAD answers, are followed.
    static constexpr int kMaxCookieRounds = 2;
    static constexpr std::size_t kMaxInvalidKeRounds = 2;

    // sa.offer must hold the proposals to offer.
    SaInitExchange(SaInitConfig config, IkeSaState& sa, Ikev2Facts& facts, Ikev2Randomness random, Ikev2Log log);

    StepStatus build(std::vector<protocol::Bytes>& datagrams) override;
    bool take(const protocol::Bytes& datagram) override;
    StepStatus process() override;
    std::string no_answer_detail() const override;

    // The key exchange group of the KE payload of the request last built.
    std::uint16_t group() const { return group_; }

private:
    StepStatus process_final(const protocol::ikev2::Message& m);

    SaInitConfig config_;
    IkeSaState& sa_;
    Ikev2Facts& facts_;
    Ikev2Randomness random_;
    Ikev2Log log_;
    int attempts_ = 0;  // requests built
    std::uint16_t group_ = 0;
    protocol::Bytes cookie_;
    protocol::Bytes nat_source_, nat_destination_;  // our NAT-D notifies' data (SPIi is set once)
    KeyShare share_;  // of the request last built
    protocol::ikev2::InnerChain payloads_;  // the request's payloads after the COOKIE, for share_; empty: to encode
    std::optional<protocol::ikev2::Message> answer_;
    protocol::Bytes answer_bytes_;
    std::string decode_error_;
};

}  // namespace vpnprobe::probes
