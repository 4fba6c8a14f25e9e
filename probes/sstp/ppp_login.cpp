#include "probes/sstp/ppp_login.hpp"

#include <openssl/crypto.h>

#include <stdexcept>

#include "protocol/auth/eap.hpp"
#include "protocol/auth/eap_mschapv2.hpp"
#include "protocol/sstp/ppp_auth.hpp"
#include "protocol/sstp/ppp_describe.hpp"

namespace vpnprobe::probes {

namespace proto = vpnprobe::protocol;
namespace ms = vpnprobe::protocol::mschapv2;

namespace {

// Server text may be anything: shown with the unprintable as '?', and cut.
std::string printable(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 200)) {
        if (c == '\0') break;  // SoftEther NUL-terminates its EAP Identity text
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    return out;
}

}  // namespace

PppAuthStep::PppAuthStep(const proto::LcpAuthProtocol& asked, SstpCredentials credentials,
                         const ms::Challenge& peer_challenge)
    : asked_(asked), cred_(std::move(credentials)), peer_challenge_(peer_challenge) {
    facts_.method = proto::lcp_auth_protocol_name(asked);
    if (asked.protocol == proto::ppp_protocol_eap) facts_.method = "EAP";
    facts_.weakness = proto::ppp_auth_weakness(asked);
    proto::PppAuthPolicy policy;
    policy.allow_weak = cred_.allow_weak;
    if (!proto::answer_lcp_auth(asked, policy).accept)
        throw std::invalid_argument("authentication protocol " + proto::lcp_auth_protocol_name(asked) +
                                    " is not allowed");
}

PppAuthStep::~PppAuthStep() {
    if (!cred_.password.empty()) OPENSSL_cleanse(cred_.password.data(), cred_.password.size());
    if (response_) OPENSSL_cleanse(&response_->keys, sizeof response_->keys);
    OPENSSL_cleanse(hlak_.data(), hlak_.size());
}

StepOutput PppAuthStep::fail(FailureReason reason, std::string error) {
    StepOutput out;
    out.status = StepStatus::failed;
    out.reason = reason;
    out.error = std::move(error);
    return out;
}

std::vector<proto::Bytes> PppAuthStep::start() {
    if (asked_.protocol != proto::ppp_protocol_pap) return {};
    proto::PapPacket req;
    req.code = proto::PapCode::authenticate_request;
    req.identifier = 1;
    req.peer_id = cred_.user;
    req.password = cred_.password;
    auto frame = proto::encode_pap_frame(req);
    OPENSSL_cleanse(req.password.data(), req.password.size());
    return {frame};
}

StepOutput PppAuthStep::take(proto::ByteView frame) {
    auto ppp = proto::decode_ppp_frame(frame);
    if (!ppp) return fail(FailureReason::malformed, "malformed PPP frame: " + ppp.error().to_string());
    if (ppp->protocol != proto::ppp_protocol_eap && ppp->protocol != proto::ppp_protocol_chap &&
        ppp->protocol != proto::ppp_protocol_pap)
        return {};  // not ours (IPCP, CCP early): the driver decides
    if (++frames_ > max_frames)
        return fail(FailureReason::sstp_auth_loop,
                    "the authentication did not finish within " + std::to_string(max_frames) + " frames");
    if (ppp->protocol != asked_.protocol)
        return fail(FailureReason::sstp_auth_unsupported, "the server authenticates with " +
                                                              proto::ppp_protocol_name(ppp->protocol) +
                                                              " after asking for " + facts_.method + " in LCP");
    if (ppp->protocol == proto::ppp_protocol_eap) return take_eap(frame);
    if (ppp->protocol == proto::ppp_protocol_chap) return take_chap(frame);
    return take_pap(frame);
}

StepOutput PppAuthStep::mschap_failure(const std::string& text, const std::string& via) {
    auto failure = ms::parse_failure_message(text);
    if (!failure)
        return fail(FailureReason::sstp_auth_rejected,
                    via + " Failure with a message that does not parse (" + failure.error().to_string() + ")");
    facts_.mschap_error = failure->error;
    facts_.server_message = printable(failure->message);
    std::string name(ms::error_name(failure->error));
    // RFC 2759's account and dial-in refusals, and 812 (ERROR_SERVER_POLICY) when a server sends it as such.
    const bool policy = (failure->error >= 646 && failure->error <= 649) || failure->error == 812;
    return fail(policy ? FailureReason::sstp_auth_policy : FailureReason::sstp_auth_rejected,
                via + " Failure E=" + std::to_string(failure->error) + (name.empty() ? "" : " " + name) +
                    (facts_.server_message.empty() ? "" : " (\"" + facts_.server_message + "\")"));
}

StepOutput PppAuthStep::take_eap(proto::ByteView frame) {
    auto eap = proto::decode_eap_frame(frame);
    if (!eap) return fail(FailureReason::malformed, "malformed EAP packet: " + eap.error().to_string());
    StepOutput out;
    switch (eap->code) {
    case proto::EapCode::success:
        if (!eap_mschap_success_seen_)
            return fail(FailureReason::sstp_auth_not_proven,
                        "EAP Success before the server proved it knows the password (no EAP-MSCHAPv2 Success)");
        out.status = StepStatus::done;
        return out;
    case proto::EapCode::failure:
        if (facts_.mschap_error)
            return fail(FailureReason::sstp_auth_rejected,
                        "EAP Failure after EAP-MSCHAPv2 E=" + std::to_string(*facts_.mschap_error));
        return fail(FailureReason::sstp_auth_rejected, "EAP Failure: the server refused the login");
    case proto::EapCode::response:
        return out;  // not for a peer: ignored
    case proto::EapCode::request:
        break;
    }
    if (eap->type == proto::eap_type::identity) {
        facts_.eap_identity_prompt = printable(proto::eap_text(*eap));
        out.send.push_back(proto::encode_eap_frame(proto::encode_eap_identity_response(eap->identifier, cred_.user)));
        return out;
    }
    if (eap->type == proto::eap_type::notification) {
        facts_.server_message = printable(proto::eap_text(*eap));
        out.send.push_back(proto::encode_eap_frame(proto::encode_eap_notification_response(eap->identifier)));
        return out;
    }
    if (eap->type != proto::eap_type::mschapv2) {
        // Another method: ask for EAP-MSCHAPv2 instead (RFC 3748 5.3.1), as a Windows client configured for it.
        out.send.push_back(
            proto::encode_eap_frame(proto::encode_eap_nak(eap->identifier, {proto::eap_type::mschapv2})));
        return out;
    }
    facts_.method = "EAP-MSCHAPv2";
    auto m = proto::decode_eap_mschapv2(*eap);
    if (!m) return fail(FailureReason::malformed, "malformed EAP-MSCHAPv2 packet: " + m.error().to_string());
    using Op = proto::EapMschapv2OpCode;
    if (m->opcode == Op::challenge) {
        facts_.server_name = printable(m->name);
        response_ = ms::respond(m->challenge, peer_challenge_, cred_.user, cred_.password);
        out.send.push_back(proto::encode_eap_frame(
            proto::encode_eap_mschapv2_response(eap->identifier, m->ms_id, response_->value, cred_.user)));
        return out;
    }
    if (m->opcode == Op::success) {
        if (!response_) return fail(FailureReason::sstp_auth_not_proven, "EAP-MSCHAPv2 Success before any Challenge");
        auto check = ms::check_success(m->message, response_->expected_authenticator_response);
        if (check != ms::SuccessCheck::proven)
            return fail(FailureReason::sstp_auth_not_proven, ms::describe_unproven(check, "EAP-MSCHAPv2 Success"));
        if (auto parsed = ms::parse_success_message(m->message)) facts_.server_message = printable(parsed->message);
        facts_.server_proven = true;
        eap_mschap_success_seen_ = true;
        hlak_ = proto::sstp_hlak_mschapv2(response_->keys);
        out.send.push_back(proto::encode_eap_frame(proto::encode_eap_mschapv2_success_ack(eap->identifier)));
        return out;
    }
    if (m->opcode == Op::failure) {
        auto result = mschap_failure(m->message, "EAP-MSCHAPv2");
        result.send.push_back(proto::encode_eap_frame(proto::encode_eap_mschapv2_failure_ack(eap->identifier)));
        return result;
    }
    return fail(FailureReason::sstp_auth_unsupported,
                "EAP-MSCHAPv2 " + proto::eap_mschapv2_opcode_name(m->opcode) + " is not supported");
}

StepOutput PppAuthStep::take_chap(proto::ByteView frame) {
    auto chap = proto::decode_chap_frame(frame);
    if (!chap) return fail(FailureReason::malformed, "malformed CHAP packet: " + chap.error().to_string());
    const bool v2 = asked_.chap_algorithm() == proto::chap_algorithm_ms_chap_v2;
    StepOutput out;
    switch (chap->code) {
    case proto::ChapCode::challenge: {
        facts_.server_name = printable(chap->name);
        if (v2) {
            auto challenge = proto::chap_mschapv2_challenge(*chap);
            if (!challenge)
                return fail(FailureReason::malformed,
                            "malformed MS-CHAPv2 Challenge: " + challenge.error().to_string());
            response_ = ms::respond(*challenge, peer_challenge_, cred_.user, cred_.password);
            out.send.push_back(proto::encode_chap_mschapv2_response(chap->identifier, response_->value, cred_.user));
        } else {
            auto md5 = proto::chap_md5_response(chap->identifier, cred_.password, chap->value);
            proto::ChapPacket resp;
            resp.code = proto::ChapCode::response;
            resp.identifier = chap->identifier;
            resp.value.assign(md5.begin(), md5.end());
            resp.name = cred_.user;
            out.send.push_back(proto::encode_chap_frame(resp));
        }
        return out;
    }
    case proto::ChapCode::success:
        if (v2) {
            if (!response_) return fail(FailureReason::sstp_auth_not_proven, "MS-CHAPv2 Success before any Challenge");
            auto check = ms::check_success(chap->message, response_->expected_authenticator_response);
            if (check != ms::SuccessCheck::proven)
                return fail(FailureReason::sstp_auth_not_proven,
                            "MS-CHAPv2 Success does not prove the server knows the password (S= " +
                                std::string(check == ms::SuccessCheck::malformed ? "malformed" : "wrong") + ")");
            facts_.server_proven = true;
            hlak_ = proto::sstp_hlak_mschapv2(response_->keys);
        }
        out.status = StepStatus::done;
        return out;
    case proto::ChapCode::failure:
        if (v2) return mschap_failure(chap->message, "MS-CHAPv2");
        facts_.server_message = printable(chap->message);
        return fail(FailureReason::sstp_auth_rejected, "CHAP Failure: the server refused the login");
    case proto::ChapCode::response:
        return out;
    }
    return out;
}

StepOutput PppAuthStep::take_pap(proto::ByteView frame) {
    auto pap = proto::decode_pap_frame(frame);
    if (!pap) return fail(FailureReason::malformed, "malformed PAP packet: " + pap.error().to_string());
    StepOutput out;
    if (pap->code == proto::PapCode::authenticate_ack) {
        facts_.server_message = printable(pap->message);
        out.status = StepStatus::done;
    } else if (pap->code == proto::PapCode::authenticate_nak) {
        facts_.server_message = printable(pap->message);
        return fail(FailureReason::sstp_auth_rejected, "PAP Authenticate-Nak: the server refused the login");
    }
    return out;
}

// ---- IPCP ------------------------------------------------------------------------------------------

StepOutput IpcpStep::send_request() {
    StepOutput out;
    sent_ = proto::ipcp_configure_request(id_, request_);
    out.send.push_back(proto::encode_cp_frame(proto::ppp_protocol_ipcp, sent_));
    return out;
}

std::vector<proto::Bytes> IpcpStep::start() { return send_request().send; }

StepOutput IpcpStep::take(proto::ByteView frame) {
    StepOutput out;
    auto ppp = proto::decode_ppp_frame(frame);
    if (!ppp || ppp->protocol != proto::ppp_protocol_ipcp) return out;
    auto p = proto::decode_ipcp_frame(frame);
    auto failed = [&](FailureReason r, std::string e) {
        out.status = StepStatus::failed;
        out.reason = r;
        out.error = std::move(e);
        return out;
    };
    if (!p) return failed(FailureReason::malformed, "malformed IPCP packet: " + p.error().to_string());
    using C = proto::LcpCode;
    switch (p->code) {
    case C::configure_request: {
        for (const auto& o : p->options)
            if (o.type == proto::ipcp_option::ip_address) facts_.server_address = proto::ipcp_address(o);
        auto answer = proto::ipcp_answer_peer_request(*p);
        out.send.push_back(proto::encode_cp_frame(proto::ppp_protocol_ipcp, answer));
        if (answer.code == C::configure_ack) their_acked_ = true;
        break;
    }
    case C::configure_ack:
        if (p->identifier != id_) break;
        if (!proto::ipcp_ack_matches(*p, sent_))
            return failed(FailureReason::malformed, "IPCP Configure-Ack does not carry the options we requested");
        {
            auto a = proto::ipcp_assignment(*p);
            facts_.address = a.address;
            facts_.dns = a.dns;
        }
        our_acked_ = true;
        break;
    case C::configure_nak:
    case C::configure_reject: {
        if (p->identifier != id_) break;
        if (p->code == C::configure_nak) ++facts_.naks;
        else {
            ++facts_.rejects;
            for (const auto& o : p->options) facts_.rejected_options.push_back(proto::ipcp_option_name(o.type));
        }
        auto follow = proto::ipcp_follow(request_, *p);
        if (follow == proto::IpcpFollow::address_refused)
            return failed(FailureReason::sstp_ipcp_refused,
                          "the server assigns no IPv4 address (IPCP " + proto::lcp_code_name(p->code) + ")");
        if (follow == proto::IpcpFollow::unchanged)
            return failed(FailureReason::sstp_ipcp_loop,
                          "IPCP " + proto::lcp_code_name(p->code) + " asks for nothing new: another round would loop");
        if (++rounds_ > max_rounds)
            return failed(FailureReason::sstp_ipcp_loop,
                          "IPCP did not converge within " + std::to_string(max_rounds) + " rounds");
        ++id_;
        return send_request();
    }
    case C::terminate_request: {
        proto::CpPacket ack;
        ack.code = C::terminate_ack;
        ack.identifier = p->identifier;
        out.send.push_back(proto::encode_cp_frame(proto::ppp_protocol_ipcp, ack));
        out.status = StepStatus::failed;
        out.reason = FailureReason::sstp_ipcp_refused;
        out.error = "the server terminated IPCP (Terminate-Request): no address";
        return out;
    }
    default:
        break;
    }
    if (our_acked_ && their_acked_) out.status = StepStatus::done;
    return out;
}

}  // namespace vpnprobe::probes
