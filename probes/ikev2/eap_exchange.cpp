#include "probes/ikev2/eap_exchange.hpp"

#include <openssl/crypto.h>

#include "probes/net_errors.hpp"
#include "protocol/auth/eap_mschapv2.hpp"
#include "protocol/ikev2/ikev2_eap.hpp"

namespace vpnprobe::probes {

namespace ike = vpnprobe::protocol::ikev2;
namespace proto = vpnprobe::protocol;
namespace ms = vpnprobe::protocol::mschapv2;
using protocol::Bytes;

namespace {

// Server text may be anything: shown with the unprintable as '?', and cut.
std::string printable(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 200)) {
        if (c == '\0') break;
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    return out;
}

}  // namespace

EapExchange::EapExchange(IkeSaState& sa, Ikev2TunnelFacts& facts, Ikev2Credentials credentials,
                         const ms::Challenge& peer_challenge, std::size_t fragment_size, Ikev2Randomness random,
                         Ikev2Log log)
    : sa_(sa),
      facts_(facts),
      cred_(std::move(credentials)),
      peer_challenge_(peer_challenge),
      fragment_size_(fragment_size),
      random_(std::move(random)),
      log_(std::move(log)) {}

EapExchange::~EapExchange() {
    if (!cred_.password.empty()) OPENSSL_cleanse(cred_.password.data(), cred_.password.size());
    if (response_) OPENSSL_cleanse(&response_->keys, sizeof response_->keys);
    if (!msk_.empty()) OPENSSL_cleanse(msk_.data(), msk_.size());
}

StepStatus EapExchange::build(std::vector<Bytes>& datagrams) {
    if (!answer_) {
        // The first round answers the request that came with the server's AUTH.
        if (!sa_.eap_request)
            return fail(FailureReason::ikev2_incomplete_answer,
                        "the IKE_AUTH response has no EAP request: the server does not offer EAP to this identity");
        StepStatus s = answer(*sa_.eap_request);
        if (s != StepStatus::need_more) return s;
    }
    if (facts_.eap_rounds >= kMaxRounds)
        return fail(FailureReason::ikev2_eap_loop,
                    "EAP did not finish within " + std::to_string(kMaxRounds) + " rounds (the server keeps asking)");
    ++facts_.eap_rounds;
    message_id_ = sa_.next_message_id++;
    try {
        datagrams =
            seal_request(sa_, ike::ExchangeType::ike_auth, message_id_, {*answer_}, fragment_size_, random_.bytes);
    } catch (const std::exception& e) {
        return fail(FailureReason::internal, "cannot build the EAP round: " + describe_exception(e), true);
    }
    if (log_) log_("-> IKE_AUTH request " + std::to_string(message_id_) + " [ " + ike::summarize(*answer_) + " ]");
    response_msg_.emplace(sa_, ike::ExchangeType::ike_auth, message_id_, fragments_received_, log_);
    return StepStatus::need_more;
}

bool EapExchange::take(const Bytes& datagram) { return response_msg_ && response_msg_->take(datagram); }

std::string EapExchange::no_answer_detail() const {
    return !response_msg_ || response_msg_->dropped().empty() ? "" : "; dropped: " + response_msg_->dropped();
}

StepStatus EapExchange::process() {
    if (!response_msg_) return fail(FailureReason::internal, "EAP round processed before it was built");
    if (response_msg_->invalid_ike_spi())
        return fail(FailureReason::ikev2_invalid_ike_spi, "the server no longer knows the IKE SA (INVALID_IKE_SPI)");
    if (!response_msg_->error().empty()) return fail(FailureReason::malformed, response_msg_->error());
    if (!response_msg_->payloads()) return fail(FailureReason::ikev2_unprotected_answer, "unprotected answer to EAP");
    const ike::EapPayload* eap = nullptr;
    std::uint16_t error_notify = 0;
    for (const auto& p : *response_msg_->payloads()) {
        if (log_) log_("   " + ike::describe(p));
        if (const auto* e = p.get<ike::EapPayload>()) eap = e;
        if (const auto* n = p.get<ike::NotifyPayload>()) {
            facts_.notifies.push_back(notify_fact(*n));
            if (n->type < ike::first_status_notify && error_notify == 0) error_notify = n->type;
        }
    }
    // An EAP Failure comes with AUTHENTICATION_FAILED from strongSwan: the EAP verdict says more.
    if (eap) {
        StepStatus s = answer(*eap);
        if (s == StepStatus::failed || error_notify == 0) return s;
    }
    if (error_notify != 0)
        return fail(error_notify == ike::notify::authentication_failed ? FailureReason::ikev2_authentication_failed
                                                                       : FailureReason::ikev2_error_notify,
                    "server answered the EAP round with " + ike::notify_name(error_notify));
    return fail(FailureReason::ikev2_incomplete_answer, "the answer to the EAP round has no EAP payload");
}

StepStatus EapExchange::answer(const ike::EapPayload& payload) {
    auto eap = ike::eap_packet(payload);
    if (!eap) return fail(FailureReason::malformed, "malformed EAP message: " + eap.error().to_string());
    switch (eap->code) {
    case proto::EapCode::success:
        // RFC 3748 4.2 lets a server send Success early; without the MS-CHAPv2 proof the MSK is unknown.
        if (!facts_.server_proven)
            return fail(FailureReason::ikev2_eap_not_proven,
                        "EAP-Success before the server proved it knows the password (no EAP-MSCHAPv2 Success)");
        facts_.eap_success = true;
        return StepStatus::done;
    case proto::EapCode::failure:
        if (facts_.mschap_error)
            return fail(FailureReason::ikev2_eap_failure,
                        "EAP-Failure after EAP-MSCHAPv2 E=" + std::to_string(*facts_.mschap_error) + " " +
                            std::string(ms::error_name(*facts_.mschap_error)) +
                            (facts_.server_message.empty() ? "" : " (\"" + facts_.server_message + "\")"));
        return fail(FailureReason::ikev2_eap_failure, "EAP-Failure: the server refused the login");
    case proto::EapCode::response:
        return fail(FailureReason::malformed, "the server sent an EAP Response");
    case proto::EapCode::request:
        break;
    }
    if (eap->type == proto::eap_type::identity) {
        facts_.eap_identity_prompt = printable(proto::eap_text(*eap));
        answer_ = ike::eap_payload(proto::encode_eap_identity_response(eap->identifier, cred_.user));
        return StepStatus::need_more;
    }
    if (eap->type == proto::eap_type::notification) {
        facts_.server_message = printable(proto::eap_text(*eap));
        answer_ = ike::eap_payload(proto::encode_eap_notification_response(eap->identifier));
        return StepStatus::need_more;
    }
    if (eap->type != proto::eap_type::mschapv2) {
        // Another method: ask for EAP-MSCHAPv2 instead (RFC 3748 5.3.1), as a Windows profile configured for it.
        if (!facts_.auth_method.empty() && facts_.auth_method != "EAP-MSCHAPv2")
            return fail(FailureReason::ikev2_eap_unsupported,
                        "the server insists on " + facts_.auth_method + " after our Nak asked for EAP-MSCHAPv2");
        facts_.auth_method = proto::eap_type_name(eap->type);
        answer_ = ike::eap_payload(proto::encode_eap_nak(eap->identifier, {proto::eap_type::mschapv2}));
        return StepStatus::need_more;
    }
    return answer_mschapv2(*eap);
}

StepStatus EapExchange::answer_mschapv2(const proto::EapPacket& eap) {
    facts_.auth_method = "EAP-MSCHAPv2";
    auto m = proto::decode_eap_mschapv2(eap);
    if (!m) return fail(FailureReason::malformed, "malformed EAP-MSCHAPv2 packet: " + m.error().to_string());
    using Op = proto::EapMschapv2OpCode;
    if (m->opcode == Op::challenge) {
        facts_.auth_server_name = printable(m->name);
        try {
            response_ = ms::respond(m->challenge, peer_challenge_, cred_.user, cred_.password);
        } catch (const std::exception& e) {
            return fail(FailureReason::local, "cannot answer the MS-CHAPv2 Challenge: " + describe_exception(e), true);
        }
        answer_ = ike::eap_payload(
            proto::encode_eap_mschapv2_response(eap.identifier, m->ms_id, response_->value, cred_.user));
        return StepStatus::need_more;
    }
    if (m->opcode == Op::success) {
        if (!response_) return fail(FailureReason::ikev2_eap_not_proven, "EAP-MSCHAPv2 Success before any Challenge");
        auto check = ms::check_success(m->message, response_->expected_authenticator_response);
        if (check != ms::SuccessCheck::proven)
            return fail(FailureReason::ikev2_eap_not_proven, ms::describe_unproven(check, "EAP-MSCHAPv2 Success"));
        if (auto parsed = ms::parse_success_message(m->message)) facts_.server_message = printable(parsed->message);
        facts_.server_proven = true;
        msk_ = ms::eap_msk(response_->keys);
        answer_ = ike::eap_payload(proto::encode_eap_mschapv2_success_ack(eap.identifier));
        return StepStatus::need_more;
    }
    if (m->opcode == Op::failure) {
        // Acknowledged (draft-kamath 2.3), so that the server ends with its EAP-Failure, as a Windows client does
        // (it does not retry by itself: it asks the user).
        if (auto failure = ms::parse_failure_message(m->message)) {
            facts_.mschap_error = failure->error;
            facts_.server_message = printable(failure->message);
        }
        answer_ = ike::eap_payload(proto::encode_eap_mschapv2_failure_ack(eap.identifier));
        return StepStatus::need_more;
    }
    return fail(FailureReason::ikev2_eap_unsupported,
                "EAP-MSCHAPv2 " + proto::eap_mschapv2_opcode_name(m->opcode) + " is not supported");
}

}  // namespace vpnprobe::probes
