#include "probes/ikev2/sa_init_exchange.hpp"

#include "probes/net_errors.hpp"
#include "protocol/ikev2/ikev2_registry.hpp"
#include "protocol/ikev2/ikev2_sk.hpp"

namespace vpnprobe::probes {

namespace ike = vpnprobe::protocol::ikev2;
namespace asio = boost::asio;
using protocol::Bytes;
using protocol::ByteView;

namespace {

Bytes be64(std::uint64_t v) {
    Bytes b;
    protocol::put_u64(b, v);
    return b;
}

// NAT_DETECTION_*_IP data for an endpoint (RFC 7296 2.23).
Bytes nat_hash(std::uint64_t spi_i, std::uint64_t spi_r, const asio::ip::udp::endpoint& ep) {
    if (ep.address().is_v4()) {
        auto a = ep.address().to_v4().to_bytes();
        return ike::nat_detection_hash(spi_i, spi_r, ByteView(a.data(), a.size()), ep.port());
    }
    auto a = ep.address().to_v6().to_bytes();
    return ike::nat_detection_hash(spi_i, spi_r, ByteView(a.data(), a.size()), ep.port());
}

std::uint64_t u64_of(const Bytes& b) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8 && i < b.size(); ++i) v = (v << 8) | b[i];
    return v;
}

}  // namespace

SaInitExchange::SaInitExchange(SaInitConfig config, IkeSaState& sa, Ikev2Facts& facts, Ikev2Randomness random,
                               Ikev2Log log)
    : config_(std::move(config)), sa_(sa), facts_(facts), random_(std::move(random)), log_(std::move(log)) {}

StepStatus SaInitExchange::build(std::vector<Bytes>& datagrams) {
    if (!sa_.offer || sa_.offer->proposals.empty()) return fail(FailureReason::internal, "nothing to offer", true);
    if (attempts_++ == 0) {
        const ike::Transform* ke = sa_.offer->proposals.front().first(ike::TransformType::ke);
        group_ = ke ? ke->id : static_cast<std::uint16_t>(ike::dh_group::modp2048);
        try {
            sa_.spi_i = u64_of(random_.bytes(8));
            sa_.ni = random_.bytes(32);
        } catch (const std::exception& e) {
            return fail(FailureReason::local, "no random bytes: " + describe_exception(e), true);
        }
    }
    // A key pair of the group last asked for: the same one again after a COOKIE, whose retry keeps every other
    // payload unchanged (RFC 7296 2.6), a new one (or the cache's for that group) after INVALID_KE_PAYLOAD.
    if (!share_.kex || share_.kex->group() != group_) {
        try {
            share_ = random_.key_exchange(group_);
        } catch (const std::exception& e) {
            return fail(FailureReason::local, "key exchange: " + describe_exception(e), true);
        }
        if (!share_.kex) return fail(FailureReason::internal, "key exchange: no key pair", true);
        facts_.key_share_reused = share_.reused;
        if (log_ && share_.reused)
            log_("   key share for " + ike::transform_display_name(4, group_) +
                 " reused from an earlier exchange of this run (RFC 7296 2.12)");
        payloads_.bytes.clear();  // a new KE payload
    }
    Bytes bytes;
    try {
        // Everything but the COOKIE, encoded once per key share: a COOKIE retry sends it again unchanged behind
        // the cookie (RFC 7296 2.6), so only the notify in front is new. The SA payload is the offer's, encoded
        // once for all the probes that make it.
        if (payloads_.bytes.empty()) {
            const ike::KeyExchange& kex = *share_.kex;
            // The NAT-D hashes depend on SPIi and the addresses alone: the same for every request of this
            // exchange (a COOKIE or INVALID_KE_PAYLOAD retry), so hashed once.
            if (nat_source_.empty()) {
                nat_source_ = nat_hash(sa_.spi_i, 0, config_.local);
                nat_destination_ = nat_hash(sa_.spi_i, 0, config_.remote);
            }
            ike::ChainWriter w;
            w.add_encoded(ike::PayloadType::sa, sa_.offer->sa_body);
            w.add(ike::KePayload{kex.group(), kex.public_value()});
            w.add(ike::NoncePayload{sa_.ni});
            w.add(ike::NotifyPayload{0, {}, ike::notify::nat_detection_source_ip, nat_source_});
            w.add(ike::NotifyPayload{0, {}, ike::notify::nat_detection_destination_ip, nat_destination_});
            if (config_.offer_fragmentation)
                w.add(ike::NotifyPayload{0, {}, ike::notify::ikev2_fragmentation_supported, {}});
            w.add(ike::make_signature_hash_algorithms(
                {ike::hash_algorithm::sha2_256, ike::hash_algorithm::sha2_384, ike::hash_algorithm::sha2_512}));
            payloads_ = w.take();
        }
        ike::Header h;
        h.spi_i = sa_.spi_i;
        h.exchange = ike::ExchangeType::ike_sa_init;
        h.flags = ike::flag_initiator;
        h.message_id = 0;
        if (cookie_.empty()) {
            bytes = ike::encode_message(h, payloads_);
        } else {
            // The cookie comes first (RFC 7296 2.6).
            ike::ChainWriter w;
            w.add(ike::NotifyPayload{0, {}, ike::notify::cookie, cookie_});
            w.add_chain(payloads_);
            bytes = ike::encode_message(h, w.take());
        }
    } catch (const std::exception& e) {
        return fail(FailureReason::internal, "cannot encode IKE_SA_INIT: " + describe_exception(e), true);
    }
    sa_.sa_init_request = bytes;  // our AUTH covers it as sent (RFC 7296 2.15)
    if (log_) {
        // What went out, as the server will read it.
        auto sent = ike::decode_message(bytes);
        if (sent) {
            log_("-> " + ike::describe(*sent) + " to " + config_.peer_text);
            log_(ike::describe_detailed(*sent));
        }
    }
    datagrams.clear();
    datagrams.push_back(std::move(bytes));
    answer_.reset();
    return StepStatus::need_more;
}

bool SaInitExchange::take(const Bytes& b) {
    auto m = ike::decode_message(b);
    if (!m) {
        if (log_) log_("<- undecodable datagram: " + m.error().to_string());
        decode_error_ = m.error().to_string();
        return false;
    }
    if (m->header.spi_i != sa_.spi_i || !m->header.response() || m->header.exchange != ike::ExchangeType::ike_sa_init)
        return false;
    if (log_) {
        log_("<- " + ike::describe(*m));
        log_(ike::describe_detailed(*m));
    }
    answer_ = std::move(m).value();
    answer_bytes_ = b;
    return true;
}

std::string SaInitExchange::no_answer_detail() const {
    return decode_error_.empty() ? "" : "; undecodable answers were received: " + decode_error_;
}

StepStatus SaInitExchange::process() {
    if (!answer_) return fail(FailureReason::internal, "IKE_SA_INIT processed without an answer");
    const ike::Message& answer = *answer_;
    facts_.sa_init_answered = true;
    // The notifies of the answer that ends the exchange (a COOKIE or INVALID_KE_PAYLOAD answer that is followed
    // leaves none: the next answer's are the facts), made only then.
    auto record_notifies = [&] {
        for (const auto& p : answer.payloads)
            if (const auto* n = p.get<ike::NotifyPayload>()) facts_.sa_init_notifies.push_back(notify_fact(*n));
    };
    if (const auto* c = answer.find_notify(ike::notify::cookie)) {
        // attempts_ - 1: the rounds already answered with a COOKIE or INVALID_KE_PAYLOAD before this one.
        if (attempts_ - 1 >= kMaxCookieRounds + static_cast<int>(kMaxInvalidKeRounds) ||
            ++facts_.cookie_rounds > kMaxCookieRounds) {
            record_notifies();
            return fail(FailureReason::ikev2_cookie_loop, "server keeps asking for a COOKIE");
        }
        cookie_ = c->data;
        if (log_) log_("   server asks for a COOKIE (" + std::to_string(cookie_.size()) + " bytes): retrying with it");
        return StepStatus::need_more;
    }
    record_notifies();
    if (const auto* n = answer.find_notify(ike::notify::invalid_ke_payload)) {
        auto wanted = ike::invalid_ke_group(*n);
        if (!wanted)
            return fail(FailureReason::malformed, "malformed INVALID_KE_PAYLOAD: " + wanted.error().to_string());
        facts_.invalid_ke_groups.push_back(*wanted);
        bool offered = false;
        for (const auto& p : sa_.offer->proposals)
            for (const auto& t : p.of_type(ike::TransformType::ke)) offered = offered || t.id == *wanted;
        if (!offered || facts_.invalid_ke_groups.size() > kMaxInvalidKeRounds) {
            facts_.error_notify = "INVALID_KE_PAYLOAD";
            return fail(FailureReason::ikev2_invalid_ke, "server wants key exchange group " +
                                                             ike::transform_display_name(4, *wanted) +
                                                             (offered ? " again" : ", which we did not offer"));
        }
        group_ = *wanted;
        if (log_) log_("   server wants " + ike::transform_display_name(4, group_) + " (INVALID_KE_PAYLOAD): retrying");
        facts_.sa_init_notifies.clear();
        return StepStatus::need_more;
    }
    for (const auto& p : answer.payloads) {
        const auto* n = p.get<ike::NotifyPayload>();
        if (n && n->type < ike::first_status_notify) {
            facts_.error_notify = ike::notify_name(n->type);
            return fail(n->type == ike::notify::no_proposal_chosen ? FailureReason::ikev2_no_proposal_chosen
                                                                   : FailureReason::ikev2_error_notify,
                        "server refused IKE_SA_INIT: " + facts_.error_notify);
        }
    }
    sa_.sa_init_response = answer_bytes_;
    return process_final(answer);
}

StepStatus SaInitExchange::process_final(const ike::Message& m) {
    sa_.spi_r = m.header.spi_r;
    const auto* sa = m.find<ike::SaPayload>();
    const auto* ke = m.find<ike::KePayload>();
    const auto* nr = m.find<ike::NoncePayload>();
    if (!sa || sa->proposals.size() != 1 || !ke || !nr)
        return fail(FailureReason::ikev2_incomplete_answer,
                    "IKE_SA_INIT response lacks SA (one proposal), KE or Nonce");
    sa_.chosen = sa->proposals.front();
    const ike::Proposal& chosen = sa_.chosen;
    // A choice we did not offer, or a key share for another group, is not an answer we can use (RFC 7296
    // 3.3.6, 1.2): said by name rather than mistaken for a negotiated SA.
    if (auto bad = ike::check_chosen_proposal(sa_.offer->proposals, chosen); !bad.empty())
        return fail(FailureReason::ikev2_invalid_choice, "the server's answer chose what we did not offer: " + bad +
                                                             " (it chose " + ike::describe(chosen) + ")");
    if (const auto* chosen_ke = chosen.first(ike::TransformType::ke); chosen_ke && chosen_ke->id != ke->group)
        return fail(FailureReason::ikev2_invalid_choice, "the server's KE payload is for group " +
                                                             std::to_string(ke->group) + ", not the chosen group " +
                                                             std::to_string(chosen_ke->id));
    if (ke->group != share_.kex->group())
        return fail(FailureReason::ikev2_invalid_choice,
                    "the server's KE payload is for group " + std::to_string(ke->group) +
                        ", not the group we sent a key share for (" + std::to_string(share_.kex->group()) + ")");
    for (const auto& t : chosen.transforms) facts_.chosen_transforms.push_back(ike::describe(t));
    try {
        facts_.chosen_proposal = ike::format_proposal(chosen);
    } catch (const std::exception&) {
        facts_.chosen_proposal = ike::describe(chosen);
    }
    facts_.dh_group = ke->group;
    for (const auto& p : m.payloads) {
        if (const auto* v = p.get<ike::VendorIdPayload>()) facts_.vendor_ids.push_back(ike::vendor_id_name(v->data));
        if (const auto* c = p.get<ike::CertReqPayload>()) {
            auto hashes = ike::ca_key_hashes(*c);
            if (hashes)
                for (const auto& h : *hashes) {
                    facts_.certreq_ca_hashes.push_back(protocol::to_hex(h));
                    sa_.server_ca_hashes.emplace_back(h.begin(), h.end());
                }
        }
    }
    sa_.peer_fragmentation = facts_.fragmentation_offered =
        m.find_notify(ike::notify::ikev2_fragmentation_supported) != nullptr;
    if (const auto* n = m.find_notify(ike::notify::signature_hash_algorithms)) {
        auto algs = ike::signature_hash_algorithms(*n);
        if (algs)
            for (auto a : *algs) facts_.signature_hash_algorithms.push_back(ike::hash_algorithm_short_name(a));
    }
    // NAT-D: the server's SOURCE hash is over its own address as it sent it, its DESTINATION hash over our
    // address as it saw it. A difference means an address was translated on the way (RFC 7296 2.23).
    const auto* nat_s = m.find_notify(ike::notify::nat_detection_source_ip);
    const auto* nat_d = m.find_notify(ike::notify::nat_detection_destination_ip);
    if (nat_s && nat_d) {
        facts_.nat_source_mismatch = nat_s->data != nat_hash(sa_.spi_i, sa_.spi_r, config_.remote);
        facts_.nat_destination_mismatch = nat_d->data != nat_hash(sa_.spi_i, sa_.spi_r, config_.local);
        facts_.nat_detected = *facts_.nat_source_mismatch || *facts_.nat_destination_mismatch;
    }
    if (config_.ca_key_hashes && !sa_.server_ca_hashes.empty()) {
        bool match = false;
        for (const auto& ours : *config_.ca_key_hashes)
            for (const auto& theirs : sa_.server_ca_hashes) match = match || ours == theirs;
        facts_.certreq_matches_ca = match;
    }
    // Keys
    const auto* encr = chosen.first(ike::TransformType::encr);
    const auto* prf = chosen.first(ike::TransformType::prf);
    const auto* integ = chosen.first(ike::TransformType::integ);
    if (!encr || !prf) return fail(FailureReason::ikev2_incomplete_answer, "chosen proposal lacks ENCR or PRF");
    sa_.nr = nr->nonce;
    if (!config_.derive_keys) {
        // Nothing will be protected with this IKE SA: no secret, no keys. A malformed key share is still the
        // server's fault, found without our private key.
        try {
            ike::check_peer_public_value_form(ke->group, ke->data);
        } catch (const std::exception& e) {
            return fail(FailureReason::ikev2_bad_key_exchange,
                        "the server's key share is malformed: " + describe_exception(e));
        }
        return StepStatus::done;
    }
    try {
        Bytes shared = share_.kex->compute_shared(ke->data);
        sa_.keys = ike::derive_ike_sa_keys(prf->id, encr->id, encr->key_length.value_or(0),
                                           integ ? integ->id : static_cast<std::uint16_t>(ike::integ_alg::none), sa_.ni,
                                           nr->nonce, shared, be64(sa_.spi_i), be64(sa_.spi_r));
    } catch (const std::exception& e) {
        return fail(FailureReason::ikev2_bad_key_exchange,
                    "cannot derive keys from the server's answer: " + describe_exception(e));
    }
    return StepStatus::done;
}

}  // namespace vpnprobe::probes
