#include "probes/ikev2/ike_auth_exchange.hpp"

#include <boost/asio/ip/address.hpp>

#include "probes/certificate_x509.hpp"
#include "probes/net_errors.hpp"
#include "protocol/ikev2/ikev2_crypto_auth.hpp"
#include "protocol/ikev2/ikev2_registry.hpp"

namespace vpnprobe::probes {

namespace ike = vpnprobe::protocol::ikev2;
using protocol::Bytes;

IkeAuthExchange::IkeAuthExchange(IkeAuthConfig config, IkeSaState& sa, Ikev2Facts& facts, Ikev2Randomness random,
                                 Ikev2Log log)
    : config_(std::move(config)), sa_(sa), facts_(facts), random_(std::move(random)), log_(std::move(log)) {}

std::vector<ike::Payload> IkeAuthExchange::request_payloads() {
    std::vector<ike::Payload> p;
    ike::IdPayload idi;
    std::string id = config_.id.empty() ? "vpnprobe" : config_.id;
    boost::system::error_code ec;
    auto addr = boost::asio::ip::make_address(id, ec);
    if (!ec && addr.is_v4()) {
        idi.type = ike::id_type::ipv4_addr;
        auto b = addr.to_v4().to_bytes();
        idi.data.assign(b.begin(), b.end());
    } else if (!ec) {
        idi.type = ike::id_type::ipv6_addr;
        auto b = addr.to_v6().to_bytes();
        idi.data.assign(b.begin(), b.end());
    } else {
        idi.type = id.find('@') != std::string::npos ? ike::id_type::rfc822_addr : ike::id_type::fqdn;
        idi.data.assign(id.begin(), id.end());
    }
    sa_.idi_body = ike::encode_payload_body(ike::Payload::idi(idi));
    p.push_back(ike::Payload::idi(idi));
    // CERTREQ naming the CAs we trust (or, without a CA file, echoing the server's): strongSwan sends its
    // certificate only when asked.
    ike::CertReqPayload certreq;
    const std::vector<Bytes>& hashes =
        config_.ca_key_hashes && !config_.ca_key_hashes->empty() ? *config_.ca_key_hashes : sa_.server_ca_hashes;
    for (const auto& h : hashes) protocol::put_bytes(certreq.authority, h);
    p.push_back(certreq);
    ike::CpPayload cp;
    cp.cfg_type = ike::cfg_type::request;
    cp.attributes = {{ike::cfg_attribute::internal_ip4_address, {}},
                     {ike::cfg_attribute::internal_ip4_dns, {}},
                     {ike::cfg_attribute::internal_ip6_address, {}}};
    p.push_back(cp);
    ike::SaPayload esp;
    esp.proposals.push_back(ike::parse_proposal("aes256-sha256", ike::ProtocolId::esp, 1));
    esp.proposals.push_back(ike::parse_proposal("aes128gcm16", ike::ProtocolId::esp, 2));
    for (auto& prop : esp.proposals) prop.spi = random_.bytes(4);
    sa_.esp_offered = esp.proposals;
    p.push_back(esp);
    ike::TrafficSelector v4{ike::ts_type::ipv4_addr_range, 0, 0, 65535, {0, 0, 0, 0}, {255, 255, 255, 255}, {}};
    ike::TrafficSelector v6{ike::ts_type::ipv6_addr_range, 0, 0, 65535, Bytes(16, 0), Bytes(16, 0xff), {}};
    p.push_back(ike::Payload::tsi(ike::TsPayload{{v4, v6}}));
    p.push_back(ike::Payload::tsr(ike::TsPayload{{v4, v6}}));
    return p;
}

StepStatus IkeAuthExchange::build(std::vector<Bytes>& datagrams) {
    std::vector<ike::Payload> inner;
    try {
        inner = request_payloads();
        datagrams =
            seal_request(sa_, ike::ExchangeType::ike_auth, kMessageId, inner, config_.fragment_size, random_.bytes);
    } catch (const std::exception& e) {
        return fail(FailureReason::internal, "cannot build IKE_AUTH: " + describe_exception(e), true);
    }
    facts_.fragments_sent = datagrams.size() > 1 ? static_cast<int>(datagrams.size()) : 0;
    if (log_) {
        log_("-> IKE_AUTH request 1 to " + config_.peer_text + ": " +
             (datagrams.size() > 1 ? std::to_string(datagrams.size()) + " fragments" : "one message") +
             " [ IDi CERTREQ CPRQ SA TSi TSr ] (no AUTH: EAP)");
        for (const auto& p : inner) log_("   " + ike::describe(p));
        for (const auto& d : datagrams)
            if (auto m = ike::decode_message(d)) log_(ike::describe_detailed(*m));
    }
    response_.emplace(sa_, ike::ExchangeType::ike_auth, kMessageId, facts_.fragments_received, log_);
    return StepStatus::need_more;
}

bool IkeAuthExchange::take(const Bytes& datagram) { return response_ && response_->take(datagram); }

std::string IkeAuthExchange::no_answer_counts() const {
    if (!facts_.fragments_received || !response_) return {};
    return ", " + std::to_string(response_->fragments().received()) + " of " +
           std::to_string(response_->fragments().total()) + " response fragments arrived";
}

std::string IkeAuthExchange::no_answer_detail() const {
    return !response_ || response_->dropped().empty() ? "" : "; dropped: " + response_->dropped();
}

StepStatus IkeAuthExchange::process() {
    if (!response_) return fail(FailureReason::internal, "IKE_AUTH processed before it was built");
    facts_.ike_auth_answered = true;
    if (response_->invalid_ike_spi()) {
        facts_.ike_auth_notifies.push_back(Ikev2Notify{"INVALID_IKE_SPI", ike::notify::invalid_ike_spi, ""});
        return fail(FailureReason::ikev2_invalid_ike_spi,
                    "IKE_AUTH answered with INVALID_IKE_SPI: the server on UDP " + std::to_string(config_.port) +
                        " does not know the IKE SA set up on UDP " + std::to_string(config_.sa_init_port));
    }
    if (!response_->error().empty()) return fail(FailureReason::malformed, response_->error());
    if (!response_->payloads()) {
        std::string names;
        for (const auto& n : response_->unprotected_notifies()) {
            facts_.ike_auth_notifies.push_back(notify_fact(n));
            names += (names.empty() ? "" : ", ") + ike::notify_name(n.type);
        }
        return fail(FailureReason::ikev2_unprotected_answer, "unprotected answer to IKE_AUTH: " + names);
    }
    return process_payloads(*response_->payloads());
}

StepStatus IkeAuthExchange::process_payloads(const std::vector<ike::Payload>& payloads) {
    const ike::IdPayload* idr = nullptr;
    const ike::AuthPayload* auth = nullptr;
    std::vector<Bytes> certs;
    std::uint16_t error_notify = 0;
    for (const auto& p : payloads) {
        if (p.type == ike::PayloadType::idr) idr = p.get<ike::IdPayload>();
        if (const auto* a = p.get<ike::AuthPayload>()) auth = a;
        if (const auto* c = p.get<ike::CertPayload>(); c && c->encoding == ike::cert_encoding::x509_signature)
            certs.push_back(c->data);
        if (const auto* e = p.get<ike::EapPayload>(); e && e->type) facts_.eap_request = ike::eap_type_name(*e->type);
        if (const auto* e = p.get<ike::EapPayload>()) sa_.eap_request = *e;
        if (const auto* n = p.get<ike::NotifyPayload>()) {
            facts_.ike_auth_notifies.push_back(notify_fact(*n));
            if (n->type < ike::first_status_notify && error_notify == 0) error_notify = n->type;
        }
    }
    if (log_)
        for (const auto& p : payloads) log_("   " + ike::describe(p));
    if (idr) facts_.idr = ike::describe(ike::Payload::idr(*idr));
    if (idr) sa_.idr_body = ike::encode_payload_body(ike::Payload::idr(*idr));
    sa_.next_message_id = kMessageId + 1;
    // Each certificate decoded once, for its facts, the chain verdict and the AUTH signature's key; the same DER
    // (the server's certificates, sent to every probe) once per process.
    std::vector<X509Ptr> parsed;
    for (const auto& der : certs) {
        try {
            parsed.push_back(parse_certificate_shared(der));
            facts_.chain.push_back(inspect_certificate(parsed.back().get(), config_.now));
        } catch (const std::exception& e) {
            return fail(FailureReason::ikev2_bad_certificate,
                        "server certificate does not parse: " + describe_exception(e));
        }
    }
    if (!parsed.empty()) {
        try {
            std::shared_ptr<const TrustSource> trust = config_.trust;
            if (!trust) trust = TrustSource::load(config_.ca_file);
            std::vector<X509*> chain;
            for (const auto& x : parsed) chain.push_back(x.get());
            facts_.chain_verdict = verify_chain(chain, *trust, config_.now);
        } catch (const std::exception& e) {
            return fail(FailureReason::local, "cannot check the chain: " + describe_exception(e), true);
        }
    }
    if (auth && idr && !parsed.empty()) {
        facts_.auth_method = ike::auth_method_name(auth->method);
        Bytes idr_body = ike::encode_payload_body(ike::Payload::idr(*idr));
        Bytes octets =
            ike::auth_signed_octets(sa_.keys->prf_id, sa_.sa_init_response, sa_.ni, sa_.keys->sk_pr, idr_body);
        auto check = ike::verify_auth_signature_with_key(auth->method, auth->data, octets,
                                                         X509_get0_pubkey(parsed.front().get()));
        facts_.auth_verified = check.verified;
        facts_.auth_detail = check.verified ? check.algorithm : check.failure + ": " + check.detail;
        if (!check.algorithm.empty()) facts_.auth_method += " (" + check.algorithm + ")";
    } else if (auth) {
        facts_.auth_method = ike::auth_method_name(auth->method);
    }
    if (error_notify != 0)
        return fail(error_notify == ike::notify::authentication_failed ? FailureReason::ikev2_authentication_failed
                                                                       : FailureReason::ikev2_error_notify,
                    "server answered IKE_AUTH with " + ike::notify_name(error_notify));
    if (!auth) return fail(FailureReason::ikev2_incomplete_answer, "IKE_AUTH response has no AUTH payload");
    return StepStatus::done;
}

}  // namespace vpnprobe::probes
