#include "probes/ikev2/ike_auth_complete_exchange.hpp"

#include <openssl/crypto.h>

#include <boost/asio/ip/address.hpp>

#include "probes/net_errors.hpp"
#include "protocol/ikev2/ikev2_crypto_auth.hpp"
#include "protocol/ikev2/ikev2_eap.hpp"
#include "protocol/ikev2/ikev2_registry.hpp"

namespace vpnprobe::probes {

namespace ike = vpnprobe::protocol::ikev2;
using protocol::Bytes;

namespace {

std::string hex(const Bytes& b) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (auto c : b) {
        s += digits[c >> 4];
        s += digits[c & 15];
    }
    return s;
}

std::string address_text(const Bytes& b) {
    if (b.size() == 4) return boost::asio::ip::address_v4({b[0], b[1], b[2], b[3]}).to_string();
    if (b.size() >= 16) {
        boost::asio::ip::address_v6::bytes_type a;
        std::copy(b.begin(), b.begin() + 16, a.begin());
        return boost::asio::ip::address_v6(a).to_string();
    }
    return "";
}

}  // namespace

std::string traffic_selector_text(const ike::TrafficSelector& ts) {
    // The protocol's own description ("TSi: 10.98.32.1/32"), without its payload name.
    std::string d = ike::describe(ike::Payload::tsi(ike::TsPayload{{ts}}));
    const auto colon = d.find(": ");
    return colon == std::string::npos ? d : d.substr(colon + 2);
}

IkeAuthCompleteExchange::IkeAuthCompleteExchange(IkeSaState& sa, Ikev2TunnelFacts& facts, const Bytes& msk,
                                                 std::size_t fragment_size, Ikev2Randomness random, Ikev2Log log)
    : sa_(sa),
      facts_(facts),
      msk_(msk),
      fragment_size_(fragment_size),
      random_(std::move(random)),
      log_(std::move(log)) {}

IkeAuthCompleteExchange::~IkeAuthCompleteExchange() {
    if (!msk_.empty()) OPENSSL_cleanse(msk_.data(), msk_.size());
}

StepStatus IkeAuthCompleteExchange::build(std::vector<Bytes>& datagrams) {
    if (!sa_.keys) return fail(FailureReason::internal, "the final IKE_AUTH without IKE SA keys", true);
    ike::AuthPayload auth;
    auth.method = ike::auth_method::shared_key;
    try {
        // RFC 7296 2.15/2.16: prf(prf(MSK, "Key Pad for IKEv2"), RealMessage1 | NonceRData | prf(SK_pi, IDi')).
        Bytes octets =
            ike::auth_signed_octets(sa_.keys->prf_id, sa_.sa_init_request, sa_.nr, sa_.keys->sk_pi, sa_.idi_body);
        auth.data = ike::eap_auth_data(sa_.keys->prf_id, msk_, octets);
        message_id_ = sa_.next_message_id++;
        datagrams = seal_request(sa_, ike::ExchangeType::ike_auth, message_id_, {auth}, fragment_size_, random_.bytes);
    } catch (const std::exception& e) {
        return fail(FailureReason::internal, "cannot build the final IKE_AUTH: " + describe_exception(e), true);
    }
    if (log_) log_("-> IKE_AUTH request " + std::to_string(message_id_) + " [ AUTH ] (shared key MIC from the MSK)");
    response_.emplace(sa_, ike::ExchangeType::ike_auth, message_id_, fragments_received_, log_);
    return StepStatus::need_more;
}

bool IkeAuthCompleteExchange::take(const Bytes& datagram) { return response_ && response_->take(datagram); }

std::string IkeAuthCompleteExchange::no_answer_detail() const {
    return !response_ || response_->dropped().empty() ? "" : "; dropped: " + response_->dropped();
}

StepStatus IkeAuthCompleteExchange::process() {
    if (!response_) return fail(FailureReason::internal, "the final IKE_AUTH processed before it was built");
    if (response_->invalid_ike_spi())
        return fail(FailureReason::ikev2_invalid_ike_spi, "the server no longer knows the IKE SA (INVALID_IKE_SPI)");
    if (!response_->error().empty()) return fail(FailureReason::malformed, response_->error());
    if (!response_->payloads())
        return fail(FailureReason::ikev2_unprotected_answer, "unprotected answer to the final IKE_AUTH");
    const auto& payloads = *response_->payloads();
    const ike::AuthPayload* auth = nullptr;
    std::uint16_t auth_error = 0;
    for (const auto& p : payloads) {
        if (log_) log_("   " + ike::describe(p));
        if (const auto* a = p.get<ike::AuthPayload>()) auth = a;
        if (const auto* n = p.get<ike::NotifyPayload>()) {
            facts_.notifies.push_back(notify_fact(*n));
            // The IKE SA's own failure; CHILD_SA and address errors are recorded by record_child.
            if (n->type == ike::notify::authentication_failed || n->type == ike::notify::invalid_syntax ||
                n->type == ike::notify::unsupported_critical_payload)
                auth_error = n->type;
        }
    }
    if (auth_error != 0)
        return fail(auth_error == ike::notify::authentication_failed ? FailureReason::ikev2_authentication_failed
                                                                     : FailureReason::ikev2_error_notify,
                    "server answered our AUTH with " + ike::notify_name(auth_error));
    if (!auth) return fail(FailureReason::ikev2_incomplete_answer, "the final IKE_AUTH response has no AUTH payload");
    bool verified = false;
    try {
        Bytes octets =
            ike::auth_signed_octets(sa_.keys->prf_id, sa_.sa_init_response, sa_.ni, sa_.keys->sk_pr, sa_.idr_body);
        Bytes expected = ike::eap_auth_data(sa_.keys->prf_id, msk_, octets);
        verified = auth->method == ike::auth_method::shared_key && auth->data.size() == expected.size() &&
                   CRYPTO_memcmp(auth->data.data(), expected.data(), expected.size()) == 0;
    } catch (const std::exception& e) {
        return fail(FailureReason::internal, "cannot check the server's AUTH: " + describe_exception(e), true);
    }
    facts_.server_auth_verified = verified;
    if (!verified)
        return fail(FailureReason::ikev2_server_auth_mismatch,
                    "the server's final AUTH (method " + ike::auth_method_name(auth->method) +
                        ") is not what the EAP MSK gives: it did not take part in this EAP exchange (RFC 7296 2.16)");
    facts_.authenticated = true;
    record_child(payloads);
    return StepStatus::done;
}

void IkeAuthCompleteExchange::record_child(const std::vector<ike::Payload>& payloads) {
    auto& child = facts_.child;
    for (const auto& p : sa_.esp_offered) child.offered += (child.offered.empty() ? "" : ";") + ike::format_proposal(p);
    const ike::SaPayload* sa = nullptr;
    for (const auto& p : payloads) {
        if (const auto* s = p.get<ike::SaPayload>()) sa = s;
        if (const auto* cp = p.get<ike::CpPayload>(); cp && cp->cfg_type == ike::cfg_type::reply) {
            for (const auto& a : cp->attributes) {
                if (a.type == ike::cfg_attribute::internal_ip4_address && a.value.size() == 4)
                    facts_.address = address_text(a.value);
                if (a.type == ike::cfg_attribute::internal_ip6_address && a.value.size() == 17)
                    facts_.address6 = address_text(a.value) + "/" + std::to_string(a.value[16]);
                if ((a.type == ike::cfg_attribute::internal_ip4_dns && a.value.size() == 4) ||
                    (a.type == ike::cfg_attribute::internal_ip6_dns && a.value.size() == 16))
                    facts_.dns.push_back(address_text(a.value));
            }
        }
        if (p.type == ike::PayloadType::tsi)
            if (const auto* ts = p.get<ike::TsPayload>())
                for (const auto& s : ts->selectors) child.tsi.push_back(traffic_selector_text(s));
        if (p.type == ike::PayloadType::tsr)
            if (const auto* ts = p.get<ike::TsPayload>())
                for (const auto& s : ts->selectors) child.tsr.push_back(traffic_selector_text(s));
        if (const auto* n = p.get<ike::NotifyPayload>();
            n && ike::is_error_notify(n->type) && child.error_notify.empty())
            child.error_notify = ike::notify_name(n->type);
    }
    if (!sa || sa->proposals.size() != 1 || child.tsi.empty() || child.tsr.empty()) return;
    const ike::Proposal& chosen = sa->proposals.front();
    // The server's choice must be one of our proposals, by number, with the transforms we offered (RFC 7296 3.3.6).
    for (const auto& o : sa_.esp_offered) {
        if (o.number != chosen.number) continue;
        bool subset = chosen.spi.size() == 4;
        for (const auto& t : chosen.transforms) {
            bool found = false;
            for (const auto& ot : o.transforms)
                found = found || (ot.type == t.type && ot.id == t.id && ot.key_length == t.key_length);
            subset = subset && found;
        }
        if (subset) offered_ = o;
    }
    if (!offered_) {
        child.error_notify = "(not offered)";  // judged by the driver: ikev2_invalid_child_choice
        child.esp_proposal = ike::format_proposal(chosen);
        return;
    }
    chosen_ = chosen;
    child.created = true;
    child.esp_proposal = ike::format_proposal(chosen);
    for (const auto& t : chosen.transforms) child.esp_transforms.push_back(ike::describe(t));
    child.spi_in = hex(offered_->spi);
    child.spi_out = hex(chosen.spi);
}

}  // namespace vpnprobe::probes
