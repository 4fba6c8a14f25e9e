// The shape every IKEv2 exchange step has, after strongSwan's tasks (libcharon/sa/ikev2/tasks/ike_init.c)
// and task manager (task_manager_v2.c): a step builds its request, takes the datagrams that come back until
// its response is complete, then processes that response and says done, need more (build again: a COOKIE, a
// different KE group, the next EAP round) or failed (with a typed reason). A step has no socket and no clock,
// and draws every random value from an injectable source, so a test can drive it with bytes alone. It
// records facts into Ikev2Facts; the diagnosis judges. The driver (ikev2_probe.cpp) alone owns sockets,
// deadlines, retransmission and the sending of fragments.
//
// Exchanges today: SaInitExchange (IKE_SA_INIT), IkeAuthExchange (IKE_AUTH without client AUTH, the EAP
// path), InformationalExchange (Delete). An EAP round or a CREATE_CHILD_SA is one more subclass and one more
// call in the driver's run().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "probes/failure_reason.hpp"
#include "probes/ikev2/ikev2_probe.hpp"
#include "probes/ikev2/key_share_cache.hpp"
#include "protocol/bytes.hpp"
#include "protocol/ikev2/ikev2_crypto_dh.hpp"
#include "protocol/ikev2/ikev2_keys.hpp"
#include "protocol/ikev2/ikev2_payloads.hpp"
#include "protocol/ikev2/ikev2_proposal.hpp"

namespace vpnprobe::probes {

enum class StepStatus {
    done,  // the exchange is complete and what it set up is usable
    need_more,  // build again: another request of the same exchange is due
    failed,  // failure() says why
};

// Why a step failed: the phase's reason, its words, and whether the harness rather than the server is to blame.
struct StepFailure {
    FailureReason reason = FailureReason::none;
    std::string error;
    bool local = false;
};

// Where random values come from. system_randomness() uses OpenSSL and a fresh key pair for every exchange; the
// probe swaps in key_share_source() (key_share_cache.hpp) to reuse one per group. A test passes fixed bytes and
// fixed private keys (protocol::ikev2::KeyExchange::from_private_key) so that every message is reproducible.
struct Ikev2Randomness {
    std::function<protocol::Bytes(std::size_t)> bytes;  // SPIs and nonces
    std::function<KeyShare(std::uint16_t group)> key_exchange;  // a key pair for a group, and whether it is reused
};
Ikev2Randomness system_randomness();

// A line for the -v log (the driver adds the time stamp); empty: no log.
using Ikev2Log = std::function<void(const std::string&)>;

// What IKE_SA_INIT offers: the proposals, with their SA payload body and their text made once (a preset's once
// per process: read-only after, shared by every probe and every thread of the run).
struct SaOffer {
    std::vector<protocol::ikev2::Proposal> proposals;
    protocol::Bytes sa_body;  // encode_payload_body of SaPayload{proposals}: the request's SA payload
    std::string text;  // format_proposal of each, ';'-joined: the result's `offered`
};
// Throws std::invalid_argument for proposals that cannot be encoded or formatted.
std::shared_ptr<const SaOffer> make_sa_offer(std::vector<protocol::ikev2::Proposal> proposals);

// What the exchanges of one IKE SA share: set by IKE_SA_INIT, used by every later exchange.
struct IkeSaState {
    std::uint64_t spi_i = 0, spi_r = 0;
    protocol::Bytes ni, nr;
    std::shared_ptr<const SaOffer> offer;  // shared, not copied into every probe
    protocol::ikev2::Proposal chosen;
    std::optional<protocol::ikev2::IkeSaKeys> keys;
    protocol::Bytes sa_init_response;  // as received: the server's AUTH signs it (RFC 7296 2.15)
    protocol::Bytes sa_init_request;  // our last IKE_SA_INIT as sent: our AUTH covers it (RFC 7296 2.15)
    // Set by the first IKE_AUTH, for the EAP rounds and the final AUTH (RFC 7296 2.16):
    protocol::Bytes idi_body, idr_body;  // IDi' and IDr' (the ID payloads without their generic header)
    std::vector<protocol::ikev2::Proposal> esp_offered;  // with our SPIs
    std::optional<protocol::ikev2::EapPayload> eap_request;  // the server's first EAP request
    std::uint32_t next_message_id = 1;  // of our next request
    std::vector<protocol::Bytes> server_ca_hashes;  // from the server's CERTREQ
    bool peer_fragmentation = false;  // the server offered IKEV2_FRAGMENTATION_SUPPORTED
    bool is_v6 = false;  // the server's address family (the IP/UDP overhead of a fragment)
};

class Ikev2Exchange {
public:
    virtual ~Ikev2Exchange() = default;

    // The request: one message, or the fragments of one. need_more when it is built (its answer is awaited),
    // failed when it cannot be built.
    virtual StepStatus build(std::vector<protocol::Bytes>& datagrams) = 0;
    // One datagram from the server: true when it completed the response (or made it fatally wrong), false
    // when it is not (yet) the answer: not ours, a fragment of several, forged.
    virtual bool take(const protocol::Bytes& datagram) = 0;
    // The complete response.
    virtual StepStatus process() = 0;
    // Why no answer completed the response, when the driver gives up waiting ("2 of 3 response fragments
    // arrived; dropped: ..."), "" when there is nothing to add.
    virtual std::string no_answer_detail() const { return {}; }

    const StepFailure& failure() const { return failure_; }

protected:
    StepStatus fail(FailureReason reason, std::string error, bool local = false) {
        failure_ = StepFailure{reason, std::move(error), local};
        return StepStatus::failed;
    }

private:
    StepFailure failure_;
};

// The notify as a fact: its name, and its data decoded where the type is known.
Ikev2Notify notify_fact(const protocol::ikev2::NotifyPayload& n);

}  // namespace vpnprobe::probes
