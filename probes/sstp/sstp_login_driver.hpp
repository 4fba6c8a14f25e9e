// The SSTP probe's phases past LCP, when it has credentials: ppp_auth, call_connected, ipcp and (with a ping
// target) data_path. The protocol steps are pure (ppp_login.hpp); this driver owns their I/O on the probe's
// session: it reads and sends through the SstpSession of sstp_probe.cpp (a friend), under the phase watchdogs.
// Internal header: included by sstp_probe.cpp only (a template over the session, so that the session's own
// plumbing stays where it is).
#pragma once

#include <openssl/rand.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "probes/certificate.hpp"
#include "probes/probe_session.hpp"
#include "probes/sstp/ppp_login.hpp"
#include "probes/sstp/sstp_probe.hpp"
#include "protocol/ip/ipv4_icmp.hpp"
#include "protocol/sstp/ppp_auth.hpp"
#include "protocol/sstp/ppp_describe.hpp"
#include "protocol/sstp/sstp_crypto_binding.hpp"

namespace vpnprobe::probes {

template <class Session>
class SstpLoginDriver {
public:
    explicit SstpLoginDriver(Session& session) : x_(session) {}

    // The server's LCP Configure-Request: with credentials, an Authentication-Protocol the policy does not allow
    // is Naked with what we would take instead (RFC 1661 5.3); nullopt = Ack it as it is.
    std::optional<std::vector<protocol::LcpOption>> answer_lcp_request(
        const std::vector<protocol::LcpOption>& options) {
        asked_.reset();
        for (const auto& o : options)
            if (const auto* auth = std::get_if<protocol::LcpAuthProtocol>(&o)) asked_ = *auth;
        if (!x_.opt_.credentials || !asked_) return std::nullopt;
        protocol::PppAuthPolicy policy;
        policy.allow_weak = x_.opt_.credentials->allow_weak;
        policy.allow_eap = !steer_to_mschapv2_ || eap_naked_;
        auto answer = protocol::answer_lcp_auth(*asked_, policy);
        if (answer.accept || !answer.instead) return std::nullopt;
        if (asked_->protocol == protocol::ppp_protocol_eap) eap_naked_ = true;
        return std::vector<protocol::LcpOption>{*answer.instead};
    }

    boost::asio::awaitable<bool> run() {
        if (!x_.opt_.credentials) co_return true;
        x_.r_.tunnel.credentials_given = true;
        if (!certificate_trusted()) co_return true;  // LCP was the last step: no credential for this server
        bool ok = co_await ppp_auth();
        if (ok) ok = co_await call_connected();
        if (ok) ok = co_await ipcp();
        const bool ping = ok && !x_.opt_.ping.empty();
        if (ping) ok = co_await data_path();
        co_return ok;
    }

private:
    using Clock = std::chrono::steady_clock;
    SstpTunnelFacts& t() { return x_.r_.tunnel; }

    // A client must not give its password to a server it does not trust: a chain that fails, or any certificate
    // problem a Windows client refuses (the name, the EKU), ends the login before it starts.
    bool certificate_trusted() {
        const auto& r = x_.r_;
        std::string why;
        if (!r.tls || r.tls->chain.empty()) why = "no server certificate";
        else if (!r.tls->chain_verdict.valid) why = "certificate chain: " + r.tls->chain_verdict.openssl_reason;
        else {
            const std::string dialled = x_.opt_.tls.sni.empty() ? x_.opt_.host : x_.opt_.tls.sni;
            for (const auto& p :
                 windows_certificate_problems(r.tls->chain.front(), r.tls->chain_verdict, dialled, VpnUse::sstp))
                if (!p.advisory && why.empty()) why = "certificate: " + p.check;
        }
        if (why.empty()) return true;
        t().credentials_withheld = why;
        x_.log("   no credentials sent: the server's certificate is not trusted (" + why + ")");
        return false;
    }

    void copy_auth_facts(const PppAuthFacts& f) {
        t().auth_method = f.method;
        t().auth_weakness = f.weakness.value_or("");
        t().auth_server_name = f.server_name;
        t().eap_identity_prompt = f.eap_identity_prompt;
        t().mschap_error = f.mschap_error;
        t().server_message = f.server_message;
        t().server_proven = f.server_proven;
    }

    boost::asio::awaitable<bool> send_frames(const std::vector<protocol::Bytes>& frames) {
        for (const auto& f : frames) {
            bool sent = co_await x_.send_sstp_data(f);
            if (!sent) co_return false;
        }
        co_return true;
    }

    // The server ended the call (CALL_ABORT, CALL_DISCONNECT): its words, for the phase's error.
    static std::optional<std::string> call_ended(const protocol::SstpPacket& p) {
        if (const auto* c = p.control()) {
            if (c->type == protocol::SstpMessageType::call_abort ||
                c->type == protocol::SstpMessageType::call_disconnect)
                return protocol::describe(p);
        }
        return std::nullopt;
    }

    // An LCP Terminate-Request is acknowledged (RFC 1661 5.5); true when the frame was one.
    boost::asio::awaitable<bool> lcp_terminated(protocol::ByteView frame) {
        auto lcp = protocol::decode_lcp_frame(frame);
        if (!lcp || lcp->code != protocol::LcpCode::terminate_request) co_return false;
        (void)co_await x_.send_sstp_data(protocol::encode_lcp_terminate_ack(lcp->identifier));
        co_return true;
    }

    // ---- ppp_auth ------------------------------------------------------------------------------------

    boost::asio::awaitable<bool> ppp_auth() {
        PhaseTimer phase(x_.r_.phases, "ppp_auth");
        x_.s_.arm_watchdog();
        if (!asked_) {
            t().auth_method = "none";
            x_.log("   the server asked for no authentication in LCP");
            phase.finish(PhaseOutcome::ok);
            t().authenticated = true;
            co_return true;
        }
        protocol::mschapv2::Challenge peer{};
        RAND_bytes(peer.data(), static_cast<int>(peer.size()));
        std::unique_ptr<PppAuthStep> step;
        try {
            step = std::make_unique<PppAuthStep>(*asked_, *x_.opt_.credentials, peer);
        } catch (const std::invalid_argument& e) {
            t().auth_method = protocol::lcp_auth_protocol_name(*asked_);
            co_return x_.s_.fail(phase, FailureReason::sstp_auth_unsupported,
                                 std::string(e.what()) + " (PAP and CHAP-MD5 need --allow-weak-auth)");
        }
        copy_auth_facts(step->facts());
        x_.s_.waiting_for("the server's " + t().auth_method + " requests");
        if (!co_await send_frames(step->start())) co_return x_.fail_io(phase);
        for (int i = 0; i < kMaxPackets; ++i) {
            auto p = co_await x_.read_packet();
            if (!p) co_return x_.fail_io(phase);
            auto keepalive = co_await x_.answer_keepalive(*p);
            if (keepalive == decltype(keepalive)::send_failed) co_return x_.fail_io(phase);
            if (keepalive != decltype(keepalive)::not_one) continue;
            if (auto ended = call_ended(*p))
                co_return x_.s_.fail(phase, auth_end_reason(),
                                     "the server ended the call during authentication: " + *ended + last_auth_error());
            const auto* d = p->data();
            if (!d) continue;
            if (co_await lcp_terminated(d->ppp_frame))
                co_return x_.s_.fail(phase, auth_end_reason(),
                                     "the server terminated LCP during authentication" + last_auth_error());
            // The server may renegotiate LCP to another method (SoftEther, after our EAP Nak of its PEAP start,
            // Protocol-Rejects EAP and asks for MS-CHAPv2): answered as in LCP, and the login starts over.
            if (auto lcp = protocol::decode_lcp_frame(d->ppp_frame);
                lcp && lcp->code == protocol::LcpCode::configure_request) {
                if (++renegotiations_ > kMaxRenegotiations)
                    co_return x_.s_.fail(phase, FailureReason::sstp_auth_loop,
                                         "the server renegotiated LCP more than " + std::to_string(kMaxRenegotiations) +
                                             " times during authentication");
                auto nak = answer_lcp_request(lcp->options);
                protocol::Bytes answer = nak ? protocol::encode_lcp_configure_nak(lcp->identifier, *nak)
                                             : protocol::encode_lcp_configure_ack(lcp->identifier, lcp->options);
                if (!co_await x_.send_sstp_data(answer)) co_return x_.fail_io(phase);
                if (nak) continue;
                // RFC 1661 4.1: a Configure-Request in the Opened state takes the link down; ours goes out again
                // (MRU only: the server rejected our Magic-Number when it first opened).
                auto ours = lcp_request_again();
                if (!co_await x_.send_sstp_data(ours)) co_return x_.fail_io(phase);
                if (!asked_) continue;
                x_.log("   the server renegotiated LCP: authentication with " +
                       protocol::lcp_auth_protocol_name(*asked_) + " from here");
                step = std::make_unique<PppAuthStep>(*asked_, *x_.opt_.credentials, peer);
                copy_auth_facts(step->facts());
                if (!co_await send_frames(step->start())) co_return x_.fail_io(phase);
                continue;
            }
            auto out = step->take(d->ppp_frame);
            copy_auth_facts(step->facts());
            if (!co_await send_frames(out.send)) co_return x_.fail_io(phase);
            if (out.status == StepStatus::failed) {
                last_error_ = out.error;
                co_return x_.s_.fail(phase, out.reason, out.error);
            }
            if (out.status == StepStatus::done) {
                hlak_ = step->hlak();
                t().authenticated = true;
                co_return x_.s_.succeed(phase);
            }
        }
        co_return x_.s_.fail(phase, FailureReason::sstp_auth_loop,
                             "authentication did not finish among " + std::to_string(kMaxPackets) + " packets");
    }

    protocol::Bytes lcp_request_again() {
        std::vector<protocol::LcpOption> options;
        options.emplace_back(protocol::LcpMru{1400});
        return protocol::encode_lcp_configure_request(static_cast<std::uint8_t>(0x10 + renegotiations_), options);
    }

    // A server that ends the call after an MS-CHAPv2 failure has already said why.
    FailureReason auth_end_reason() const {
        return x_.r_.tunnel.mschap_error ? FailureReason::sstp_auth_rejected : FailureReason::sstp_call_ended;
    }
    std::string last_auth_error() const {
        return x_.r_.tunnel.mschap_error ? " (after MS-CHAPv2 E=" + std::to_string(*x_.r_.tunnel.mschap_error) + ")"
                                         : "";
    }

    // ---- call_connected --------------------------------------------------------------------------------

    boost::asio::awaitable<bool> call_connected() {
        PhaseTimer phase(x_.r_.phases, "call_connected");
        x_.s_.arm_watchdog();
        auto hash =
            protocol::sstp_choose_hash_protocol(static_cast<std::uint8_t>(std::max(0, x_.r_.sstp.hash_bitmask)));
        if (!hash)
            co_return x_.s_.fail(phase, FailureReason::sstp_binding_refused,
                                 "the server's CALL_CONNECT_ACK offers no hash protocol we may use (bitmask " +
                                     std::to_string(x_.r_.sstp.hash_bitmask) + ")");
        t().binding_hash = *hash == protocol::sstp_cert_hash_sha256 ? "SHA256" : "SHA1";
        std::array<std::uint8_t, 32> nonce{};
        auto nonce_bytes = protocol::from_hex(x_.r_.sstp.nonce_hex);
        std::copy_n(nonce_bytes.begin(), std::min(nonce_bytes.size(), nonce.size()), nonce.begin());
        auto cert_hash = protocol::sstp_cert_hash(*hash, x_.r_.tls->chain.front().der);
        auto binding = protocol::sstp_crypto_binding(*hash, nonce, cert_hash, hlak_);
        x_.s_.waiting_for("sending SSTP_MSG_CALL_CONNECTED");
        bool sent = co_await x_.send(protocol::encode_call_connected(binding),
                                     "SSTP_MSG_CALL_CONNECTED crypto binding " + t().binding_hash);
        if (!sent) co_return x_.fail_io(phase);
        t().call_connected_sent = true;
        co_return x_.s_.succeed(phase);
    }

    // ---- ipcp ------------------------------------------------------------------------------------------

    boost::asio::awaitable<bool> ipcp() {
        PhaseTimer phase(x_.r_.phases, "ipcp");
        x_.s_.arm_watchdog();
        IpcpStep step;
        x_.s_.waiting_for("IPCP negotiation with the server");
        if (!co_await send_frames(step.start())) co_return x_.fail_io(phase);
        bool heard = false;  // any PPP frame but a keep-alive since CALL_CONNECTED
        for (int i = 0; i < kMaxPackets; ++i) {
            auto p = co_await x_.read_packet();
            if (!p) {
                if (!heard && x_.io_reason_ == FailureReason::peer_closed && !x_.s_.expired())
                    co_return x_.s_.fail(phase, FailureReason::sstp_binding_refused,
                                         "the server closed the connection right after our CALL_CONNECTED: the crypto "
                                         "binding was refused (" +
                                             x_.io_error_ + ")");
                co_return x_.fail_io(phase);
            }
            auto keepalive = co_await x_.answer_keepalive(*p);
            if (keepalive == decltype(keepalive)::send_failed) co_return x_.fail_io(phase);
            if (keepalive != decltype(keepalive)::not_one) continue;
            if (auto ended = call_ended(*p))
                co_return x_.s_.fail(phase,
                                     heard ? FailureReason::sstp_call_ended : FailureReason::sstp_binding_refused,
                                     heard ? "the server ended the call during IPCP: " + *ended
                                           : "the server ended the call right after our CALL_CONNECTED (the crypto "
                                             "binding was refused): " +
                                                 *ended);
            const auto* d = p->data();
            if (!d) continue;
            heard = true;
            if (co_await lcp_terminated(d->ppp_frame))
                co_return x_.s_.fail(phase, FailureReason::sstp_ipcp_refused, "the server terminated LCP during IPCP");
            auto frame = protocol::decode_ppp_frame(d->ppp_frame);
            if (!frame) continue;
            if (frame->protocol != protocol::ppp_protocol_ipcp) {
                if (frame->protocol != protocol::ppp_protocol_lcp && frame->protocol != protocol::ppp_protocol_ipv4) {
                    // An NCP we do not speak (IPV6CP, CCP): RFC 1661 5.7 Protocol-Reject, as Windows does for CCP.
                    if (!co_await x_.send_sstp_data(
                            protocol::encode_lcp_protocol_reject(++reject_id_, frame->protocol, frame->information)))
                        co_return x_.fail_io(phase);
                }
                continue;
            }
            auto out = step.take(d->ppp_frame);
            if (!co_await send_frames(out.send)) co_return x_.fail_io(phase);
            record_ipcp(step.facts());
            if (out.status == StepStatus::failed) co_return x_.s_.fail(phase, out.reason, out.error);
            if (out.status == StepStatus::done) {
                if (!step.facts().address)
                    co_return x_.s_.fail(phase, FailureReason::sstp_ipcp_refused, "IPCP opened without an address");
                t().connected = true;
                co_return x_.s_.succeed(phase);
            }
        }
        co_return x_.s_.fail(phase, FailureReason::sstp_ipcp_loop,
                             "IPCP did not open among " + std::to_string(kMaxPackets) + " packets");
    }

    void record_ipcp(const IpcpFacts& f) {
        if (f.address) {
            our_address_ = *f.address;
            t().address = protocol::to_string(*f.address);
        }
        t().dns.clear();
        for (const auto& d : f.dns) t().dns.push_back(protocol::to_string(d));
        if (f.server_address) t().server_address = protocol::to_string(*f.server_address);
    }

    // ---- data_path ------------------------------------------------------------------------------------

    // Echo requests go out together; the replies are read until all came or the wait is over. The wait must not
    // cancel a TLS read (that would break the stream), so a timer wakes the reader instead: at the end of the
    // wait it sends one LCP Echo-Request, whose Echo-Reply from the server ends the read loop. Keep-alives that
    // arrive meanwhile are answered after the wait, so that no two writes overlap.
    boost::asio::awaitable<bool> data_path() {
        PhaseTimer phase(x_.r_.phases, "data_path");
        x_.s_.arm_watchdog();
        auto target = protocol::parse_ipv4(x_.opt_.ping);
        t().ping_target = x_.opt_.ping;
        if (!target) co_return x_.s_.fail(phase, FailureReason::local, "--ping needs an IPv4 address");
        std::uint16_t ident = 0;
        RAND_bytes(reinterpret_cast<unsigned char*>(&ident), sizeof ident);
        const int count = std::max(1, x_.opt_.ping_count);
        std::vector<Clock::time_point> sent_at(static_cast<std::size_t>(count));
        t().echoes.assign(static_cast<std::size_t>(count), SstpEcho{});
        protocol::Bytes payload(32);
        for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>('a' + i % 26);
        x_.s_.waiting_for("sending ICMP echo requests");
        for (int i = 0; i < count; ++i) {
            auto& e = t().echoes[static_cast<std::size_t>(i)];
            e.sequence = i + 1;
            e.answer = "none";
            auto packet =
                protocol::encode_ipv4_echo_request(our_address_, *target, ident, static_cast<std::uint16_t>(i + 1),
                                                   payload, static_cast<std::uint16_t>(i + 1));
            sent_at[static_cast<std::size_t>(i)] = Clock::now();
            if (!co_await x_.send_sstp_data(protocol::encode_ppp_frame(protocol::ppp_protocol_ipv4, packet)))
                co_return x_.fail_io(phase);
        }
        // The wake-up: before the phase's deadline, so that the watchdog never has to close the connection.
        auto wake_at = std::min(Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                   std::chrono::duration<double>(x_.opt_.ping_wait_seconds)),
                                x_.s_.phase_deadline() - std::chrono::milliseconds(500));
        auto state = std::make_shared<WakeState>(x_.s_.executor());
        state->timer.expires_at(wake_at);
        const std::uint8_t wake_id = 0xa5;
        state->timer.async_wait([this, state, wake_id](const boost::system::error_code& ec) {
            if (ec || !state->waiting) return;
            state->writing = true;
            boost::asio::co_spawn(
                x_.s_.executor(),
                [this, state, wake_id]() -> boost::asio::awaitable<void> {
                    (void)co_await x_.send_sstp_data(protocol::encode_lcp_echo_request(wake_id, x_.magic_));
                    state->writing = false;
                },
                boost::asio::detached);
        });
        x_.s_.waiting_for("ICMP echo replies through the tunnel");
        std::vector<protocol::SstpPacket> deferred;
        bool read_failed = false;
        for (int i = 0; i < kMaxPackets * 4 && t().echo_replies < count; ++i) {
            auto p = co_await x_.read_packet();
            if (!p) {
                read_failed = true;
                break;
            }
            if (const auto* c = p->control()) {
                if (c->type == protocol::SstpMessageType::echo_request) deferred.push_back(*p);
                if (call_ended(*p)) {
                    read_failed = true;
                    x_.io_failed(FailureReason::sstp_call_ended, "the server ended the call: " + *call_ended(*p));
                    break;
                }
                continue;
            }
            const auto& frame_bytes = p->data()->ppp_frame;
            auto lcp = protocol::decode_lcp_frame(frame_bytes);
            if (lcp) {
                if (lcp->code == protocol::LcpCode::echo_reply && lcp->identifier == wake_id) break;  // time is up
                if (lcp->code == protocol::LcpCode::echo_request) deferred.push_back(*p);
                continue;
            }
            auto frame = protocol::decode_ppp_frame(frame_bytes);
            if (!frame || frame->protocol != protocol::ppp_protocol_ipv4) continue;
            auto ip = protocol::decode_ipv4_packet(frame->information);
            if (!ip) continue;
            record_echo_answer(t().echoes, t().echo_replies, *ip, our_address_, *target, ident, sent_at, Clock::now());
        }
        state->waiting = false;
        state->timer.cancel();
        while (state->writing) co_await boost::asio::post(x_.s_.executor(), boost::asio::use_awaitable);
        if (read_failed) co_return x_.fail_io(phase);
        for (const auto& p : deferred) {
            auto keepalive = co_await x_.answer_keepalive(p);
            if (keepalive == decltype(keepalive)::send_failed) co_return x_.fail_io(phase);
        }
        if (t().echo_replies == 0)
            co_return x_.s_.fail(phase, FailureReason::sstp_no_echo_reply,
                                 "no echo reply from " + x_.opt_.ping + " to " + std::to_string(count) +
                                     " request(s) through the tunnel (first answer: " + t().echoes.front().answer +
                                     ")");
        co_return x_.s_.succeed(phase);
    }

    struct WakeState {
        explicit WakeState(const boost::asio::any_io_executor& ex) : timer(ex) {}
        boost::asio::steady_timer timer;
        bool waiting = true;
        bool writing = false;
    };

    static constexpr int kMaxPackets = 256;
    static constexpr int kMaxRenegotiations = 4;
    int renegotiations_ = 0;
    // EAP in LCP is Naked with MS-CHAPv2, as a Windows client whose profile says MS-CHAPv2 (the password
    // default) does. Measured against the lab's SoftEther (4.38): asked for EAP, it sends Identity, then an
    // EAP-TLS Start; our Nak for EAP-MSCHAPv2 makes it Protocol-Reject EAP and renegotiate LCP to MS-CHAPv2,
    // after which it never sent a CHAP Challenge (10 s). Naked with MS-CHAPv2 in LCP it logs in at once.
    // A server that asks for EAP again after this Nak gets it (EAP Identity and EAP-MSCHAPv2, PppAuthStep::take_eap):
    // Naking it once more would only loop LCP until it fails to open.
    bool steer_to_mschapv2_ = true;
    bool eap_naked_ = false;  // EAP was Naked once: asked again, it is accepted
    Session& x_;
    std::optional<protocol::LcpAuthProtocol> asked_;
    protocol::SstpHlak hlak_{};
    protocol::Ipv4Address our_address_{};
    std::uint8_t reject_id_ = 0x40;
    std::string last_error_;
};

}  // namespace vpnprobe::probes
