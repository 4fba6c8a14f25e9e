// The IKEv2 probe's I/O. Phases: resolve, ike_sa_init (UDP 500), ike_auth (UDP 4500, EAP path, fragments
// both ways), delete (encrypted INFORMATIONAL). Every exchange retransmits with doubling intervals until
// the probe's deadline, as RFC 7296 2.1 asks of an initiator.
#include "probes/ikev2/ikev2_probe.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <stdexcept>

#include "probes/async_resolve.hpp"
#include "probes/ikev2/ike_udp.hpp"
#include "probes/ikev2/ikev2_presets.hpp"
#include "probes/local_checks.hpp"
#include "probes/net_errors.hpp"
#include "protocol/ikev2/ikev2_crypto_auth.hpp"
#include "protocol/ikev2/ikev2_crypto_dh.hpp"
#include "protocol/ikev2/ikev2_fragments.hpp"
#include "protocol/ikev2/ikev2_keys.hpp"
#include "protocol/ikev2/ikev2_message.hpp"
#include "protocol/ikev2/ikev2_proposal.hpp"

namespace vpnprobe::probes {

namespace asio = boost::asio;
namespace ike = vpnprobe::protocol::ikev2;
using protocol::Bytes;
using protocol::ByteView;
using clock = std::chrono::steady_clock;

namespace {

// Limits on what a server can make us hold: fragments of one message, and their bytes.
constexpr std::size_t kMaxFragments = 64;
constexpr std::size_t kMaxReassembledBytes = 64 * 1024;
constexpr int kMaxCookieRounds = 2;
constexpr int kMaxInvalidKeRounds = 2;

Bytes sha1(ByteView data) {
    Bytes out(20);
    unsigned int n = 0;
    EVP_Digest(data.data(), data.size(), out.data(), &n, EVP_sha1(), nullptr);
    return out;
}

Bytes be64(std::uint64_t v) {
    Bytes b;
    protocol::put_u64(b, v);
    return b;
}

// NAT_DETECTION_*_IP data: SHA-1(SPIi | SPIr | IP | port) (RFC 7296 2.23).
Bytes nat_hash(std::uint64_t spi_i, std::uint64_t spi_r, const asio::ip::udp::endpoint& ep) {
    Bytes in = be64(spi_i);
    protocol::put_bytes(in, be64(spi_r));
    if (ep.address().is_v4()) {
        auto a = ep.address().to_v4().to_bytes();
        in.insert(in.end(), a.begin(), a.end());
    } else {
        auto a = ep.address().to_v6().to_bytes();
        in.insert(in.end(), a.begin(), a.end());
    }
    protocol::put_u16(in, ep.port());
    return sha1(in);
}

Bytes random_bytes(std::size_t n) {
    Bytes b(n);
    RAND_bytes(b.data(), static_cast<int>(n));
    return b;
}

std::string seconds_text(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", s);
    return buf;
}

std::string notify_data_text(const ike::NotifyPayload& n) {
    using namespace ike::notify;
    switch (n.type) {
    case signature_hash_algorithms: {
        auto algs = ike::signature_hash_algorithms(n);
        if (!algs) break;
        std::string s;
        for (auto a : *algs) s += (s.empty() ? "" : ",") + ike::hash_algorithm_short_name(a);
        return s;
    }
    case cookie:
        return std::to_string(n.data.size()) + "-byte cookie";
    case invalid_ke_payload: {
        auto g = ike::invalid_ke_group(n);
        if (g) return "wants " + ike::transform_display_name(4, *g);
        break;
    }
    default:
        break;
    }
    return n.data.empty() ? "" : protocol::to_hex(ByteView(n.data.data(), std::min<std::size_t>(n.data.size(), 32)));
}

Ikev2Notify record(const ike::NotifyPayload& n) {
    return Ikev2Notify{ike::notify_name(n.type), n.type, notify_data_text(n)};
}

const ike::Transform* first(const ike::Proposal& p, ike::TransformType t) { return p.first(t); }

class Ikev2Session {
public:
    Ikev2Session(const asio::any_io_executor& ex, const Ikev2Options& opt, Ikev2Result& r)
        : ex_(ex), opt_(opt), r_(r), stop_(opt.stop, [this] { on_stop(); }) {
        start_ = clock::now();
        deadline_ = start_ + std::chrono::duration_cast<clock::duration>(
                                 std::chrono::duration<double>(opt_.timeout_seconds > 0 ? opt_.timeout_seconds : 10));
        if (opt_.stop && opt_.stop->requested()) on_stop();
    }

    asio::awaitable<void> run() {
        r_.host = opt_.host;
        r_.port = opt_.port;
        r_.vantage = opt_.vantage.label();
        // One co_await per statement: GCC 12 miscompiles co_await inside a short-circuit condition (the
        // coroutine's resume index is garbage on the first resume).
        bool ok = co_await resolve();
        if (ok) ok = co_await sa_init();
        if (ok && opt_.sa_init_only) {
            co_await delete_sa(*sock500_, 1);
        } else if (ok) {
            ok = co_await ike_auth();
            if (ok) {
                co_await delete_sa(*sock4500_, 2);
            } else if (interrupted_ && keys_) {
                // Interrupted with an IKE SA set up: delete it, as the next request (2) when our IKE_AUTH
                // went out, else as request 1 on the port the SA was made on.
                if (ike_auth_sent_) co_await delete_sa(*sock4500_, 2);
                else co_await delete_sa(*sock500_, 1);
            }
        }
        r_.total_seconds = std::chrono::duration<double>(clock::now() - start_).count();
    }

    // One IKE_SA_INIT with the given proposals, for the weak-proposal audit: the answer in words.
    asio::awaitable<WeakProposalResult> audit(const WeakOffer& offer) {
        WeakProposalResult w;
        w.proposal = offer.proposal;
        w.why_weak = offer.why_weak;
        r_.vantage = opt_.vantage.label();
        if (!co_await resolve()) {
            w.answer = "cannot resolve: " + r_.phases.back().error;
            co_return w;
        }
        offered_ = ike::parse_proposals(offer.proposal);
        bool ok = co_await sa_init();
        w.accepted = ok;
        w.answered = r_.ike.sa_init_answered;
        w.answer = ok ? "accepted: " + r_.ike.chosen_proposal
                      : (!r_.ike.error_notify.empty() ? r_.ike.error_notify : r_.phases.back().error);
        if (ok) co_await delete_sa(*sock500_, 1);  // leave no half-open IKE SA behind
        co_return w;
    }

private:
    void log(const std::string& line) const {
        if (!opt_.log) return;
        char stamp[32];
        std::snprintf(stamp, sizeof stamp, "[%9.3f ms] ",
                      std::chrono::duration<double, std::milli>(clock::now() - start_).count());
        opt_.log(stamp + line);
    }

    bool fail(PhaseTimer& phase, PhaseOutcome outcome, const std::string& why, bool local = false, int sys_errno = 0) {
        Phase& p = phase.finish(outcome, why);
        p.local = local;
        p.sys_errno = sys_errno;
        return false;
    }

    // Opening the socket failed. No route to the server (connect(2) on a UDP socket looks the route up) is the
    // path's fault, not the probe's; anything else (no namespace, source address not here) is the probe's own.
    bool fail_socket(PhaseTimer& phase, const std::string& what, const std::exception& e) {
        int sys_errno = errno_of(e);
        return fail(phase, PhaseOutcome::failed, what + describe_exception(e), !is_path_errno(sys_errno), sys_errno);
    }

    // Asked to stop (SIGINT, SIGTERM): the wait in flight ends, no new exchange starts, and the probe has
    // kPoliteEndSeconds more at most, for the Delete of an IKE SA it set up. A stop during our own
    // Delete lets it finish.
    void on_stop() {
        interrupted_ = true;
        auto polite = clock::now() +
                      std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(kPoliteEndSeconds));
        deadline_ = std::min(deadline_, polite);
        if (in_delete_) return;
        stop_io_ = true;
        if (sock500_) sock500_->cancel();
        if (sock4500_) sock4500_->cancel();
    }

    bool fail_interrupted(PhaseTimer& phase, const std::string& waiting_for) {
        return fail(phase, PhaseOutcome::interrupted,
                    "interrupted (" + opt_.stop->reason() + ") while waiting for " + waiting_for);
    }

    // ---- resolve --------------------------------------------------------------------------------------------

    asio::awaitable<bool> resolve() {
        PhaseTimer phase(r_.phases, "resolve");
        std::string address = opt_.address;
        if (address.empty()) {
            auto out = co_await resolve_with_deadline(opt_.vantage, opt_.host, deadline_, opt_.stop);
            if (interrupted_) co_return fail_interrupted(phase, "the resolver");
            if (!out.error.empty())
                co_return fail(phase, out.timed_out ? PhaseOutcome::timeout : PhaseOutcome::failed, out.error,
                               out.local);
            address = out.addresses.front();
        }
        boost::system::error_code ec;
        server_ = asio::ip::make_address(address, ec);
        if (ec) co_return fail(phase, PhaseOutcome::failed, "not an IP address: " + address, true);
        r_.address = address;
        phase.finish(PhaseOutcome::ok);
        co_return true;
    }

    // ---- sending and receiving with retransmission -------------------------------------------------------------

    // Sends `datagrams` (one message, or the fragments of one) and collects answers until `done` says the
    // exchange is complete, retransmitting everything at doubling intervals until `until`. `accept` sees every
    // IKE message received and returns true when it completed the exchange.
    asio::awaitable<bool> exchange(IkeUdpSocket& sock, const std::vector<Bytes>& datagrams, clock::time_point until,
                                   const std::function<bool(const Bytes&)>& accept, std::string& error, int& sends,
                                   int& retransmissions) {
        double rto = opt_.retransmit_seconds > 0 ? opt_.retransmit_seconds : 0.5;
        sends = 0;
        for (;;) {
            if (clock::now() >= until || stop_io_) co_return false;
            for (const auto& d : datagrams) {
                if (!co_await sock.send(d, error)) co_return false;
            }
            if (sends++ > 0) {
                ++retransmissions;
                log("-> retransmission " + std::to_string(sends - 1));
            }
            auto wait_until = std::min(
                until, clock::now() + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(rto)));
            for (;;) {
                bool timed_out = false;
                auto msg = co_await sock.receive(wait_until, timed_out, error);
                if (!msg) {
                    if (timed_out) break;
                    co_return false;
                }
                if (accept(*msg)) co_return true;
            }
            rto *= 2;
        }
    }

    // ---- IKE_SA_INIT -------------------------------------------------------------------------------------------

    ike::Message sa_init_request(const Bytes& cookie) {
        ike::Message m;
        m.header.spi_i = spi_i_;
        m.header.exchange = ike::ExchangeType::ike_sa_init;
        m.header.flags = ike::flag_initiator;
        m.header.message_id = 0;
        if (!cookie.empty()) m.payloads.push_back(ike::NotifyPayload{0, {}, ike::notify::cookie, cookie});
        m.payloads.push_back(ike::SaPayload{offered_});
        m.payloads.push_back(ike::KePayload{kex_->group(), kex_->public_value()});
        m.payloads.push_back(ike::NoncePayload{ni_});
        m.payloads.push_back(
            ike::NotifyPayload{0, {}, ike::notify::nat_detection_source_ip, nat_hash(spi_i_, 0, sock500_->local())});
        m.payloads.push_back(ike::NotifyPayload{
            0, {}, ike::notify::nat_detection_destination_ip, nat_hash(spi_i_, 0, sock500_->remote())});
        if (opt_.offer_fragmentation)
            m.payloads.push_back(ike::NotifyPayload{0, {}, ike::notify::ikev2_fragmentation_supported, {}});
        m.payloads.push_back(ike::make_signature_hash_algorithms(
            {ike::hash_algorithm::sha2_256, ike::hash_algorithm::sha2_384, ike::hash_algorithm::sha2_512}));
        return m;
    }

    asio::awaitable<bool> sa_init() {
        PhaseTimer phase(r_.phases, "ike_sa_init");
        try {
            if (offered_.empty()) {
                std::vector<std::string> texts = opt_.proposals;
                if (texts.empty()) texts = ikev2_preset(opt_.preset.empty() ? "windows-default" : opt_.preset);
                for (const auto& t : texts) {
                    auto p =
                        ike::parse_proposal(t, ike::ProtocolId::ike, static_cast<std::uint8_t>(offered_.size() + 1));
                    offered_.push_back(p);
                }
            }
            std::string text;
            for (const auto& p : offered_) text += (text.empty() ? "" : ";") + ike::format_proposal(p);
            r_.ike.offered = text;
            // An unusable CA file is the harness's problem, found before anything is sent (it would otherwise
            // be ignored for the CERTREQ and surface only at IKE_AUTH, or never with sa_init_only).
            if (opt_.ca_file)
                if (auto problem = certificate_file_problem(*opt_.ca_file))
                    throw std::runtime_error("the CA file cannot be used: " + *problem);
        } catch (const std::exception& e) {
            co_return fail(phase, PhaseOutcome::failed, "cannot prepare IKE_SA_INIT: " + describe_exception(e), true);
        }
        try {
            sock500_.emplace(ex_, opt_.vantage, server_, opt_.port, opt_.sa_init_non_esp_marker);
        } catch (const std::exception& e) {
            co_return fail_socket(phase,
                                  "cannot open the UDP socket to " + host_port_text(r_.address, opt_.port) + ": ", e);
        }
        const ike::Transform* ke = first(offered_.front(), ike::TransformType::ke);
        std::uint16_t group = ke ? ke->id : static_cast<std::uint16_t>(ike::dh_group::modp2048);
        RAND_bytes(reinterpret_cast<unsigned char*>(&spi_i_), sizeof spi_i_);
        ni_ = random_bytes(32);
        Bytes cookie;
        for (int round = 0;; ++round) {
            try {
                kex_.emplace(group);
            } catch (const std::exception& e) {
                co_return fail(phase, PhaseOutcome::failed, "key exchange: " + describe_exception(e), true);
            }
            auto request = sa_init_request(cookie);
            request_bytes_ = ike::encode_message(request);
            request.header.length = static_cast<std::uint32_t>(request_bytes_.size());
            log("-> " + ike::describe(request) + " to " + host_port_text(r_.address, opt_.port));
            if (opt_.log) log(ike::describe_detailed(request));
            std::optional<ike::Message> answer;
            Bytes answer_bytes;
            std::string error;
            int sends = 0;
            // A named vector: GCC 12 miscompiles a braced temporary inside a co_await expression.
            const std::vector<Bytes> datagrams{request_bytes_};
            bool got = co_await exchange(
                *sock500_, datagrams, deadline_,
                [&](const Bytes& b) {
                    auto m = ike::decode_message(b);
                    if (!m) {
                        log("<- undecodable datagram: " + m.error().to_string());
                        decode_error_ = m.error().to_string();
                        return false;
                    }
                    if (m->header.spi_i != spi_i_ || !m->header.response() ||
                        m->header.exchange != ike::ExchangeType::ike_sa_init)
                        return false;
                    log("<- " + ike::describe(*m));
                    if (opt_.log) log(ike::describe_detailed(*m));
                    answer = std::move(m).value();
                    answer_bytes = b;
                    return true;
                },
                error, sends, r_.ike.sa_init_retransmissions);
            r_.ike.sa_init_round_trips += 1;
            if (!got && interrupted_) co_return fail_interrupted(phase, "an answer to IKE_SA_INIT");
            if (!got) {
                if (!error.empty()) co_return fail(phase, PhaseOutcome::failed, error, false, sock500_->last_errno());
                std::string why = "no answer to IKE_SA_INIT on UDP " + std::to_string(opt_.port) + " within " +
                                  seconds_text(phase.elapsed()) + " (" + std::to_string(sends) + " transmissions)";
                if (!decode_error_.empty()) why += "; undecodable answers were received: " + decode_error_;
                co_return fail(phase, PhaseOutcome::timeout, why);
            }
            r_.ike.sa_init_answered = true;
            for (const auto& p : answer->payloads)
                if (const auto* n = p.get<ike::NotifyPayload>()) r_.ike.sa_init_notifies.push_back(record(*n));
            if (const auto* c = answer->find_notify(ike::notify::cookie)) {
                if (round >= kMaxCookieRounds + kMaxInvalidKeRounds || ++r_.ike.cookie_rounds > kMaxCookieRounds)
                    co_return fail(phase, PhaseOutcome::failed, "server keeps asking for a COOKIE");
                cookie = c->data;
                log("   server asks for a COOKIE (" + std::to_string(cookie.size()) + " bytes): retrying with it");
                r_.ike.sa_init_notifies.clear();
                continue;
            }
            if (const auto* n = answer->find_notify(ike::notify::invalid_ke_payload)) {
                auto wanted = ike::invalid_ke_group(*n);
                if (!wanted)
                    co_return fail(phase, PhaseOutcome::failed,
                                   "malformed INVALID_KE_PAYLOAD: " + wanted.error().to_string());
                r_.ike.invalid_ke_groups.push_back(*wanted);
                bool offered = false;
                for (const auto& p : offered_)
                    for (const auto& t : p.of_type(ike::TransformType::ke)) offered = offered || t.id == *wanted;
                if (!offered || r_.ike.invalid_ke_groups.size() > kMaxInvalidKeRounds) {
                    r_.ike.error_notify = "INVALID_KE_PAYLOAD";
                    co_return fail(phase, PhaseOutcome::failed,
                                   "server wants key exchange group " + ike::transform_display_name(4, *wanted) +
                                       (offered ? " again" : ", which we did not offer"));
                }
                group = *wanted;
                log("   server wants " + ike::transform_display_name(4, group) + " (INVALID_KE_PAYLOAD): retrying");
                r_.ike.sa_init_notifies.clear();
                continue;
            }
            for (const auto& p : answer->payloads) {
                const auto* n = p.get<ike::NotifyPayload>();
                if (n && n->type < ike::first_status_notify) {
                    r_.ike.error_notify = ike::notify_name(n->type);
                    co_return fail(phase, PhaseOutcome::failed, "server refused IKE_SA_INIT: " + r_.ike.error_notify);
                }
            }
            sa_init_response_ = answer_bytes;
            co_return take_sa_init_response(phase, *answer);
        }
    }

    bool take_sa_init_response(PhaseTimer& phase, const ike::Message& m) {
        spi_r_ = m.header.spi_r;
        const auto* sa = m.find<ike::SaPayload>();
        const auto* ke = m.find<ike::KePayload>();
        const auto* nr = m.find<ike::NoncePayload>();
        if (!sa || sa->proposals.size() != 1 || !ke || !nr)
            return fail(phase, PhaseOutcome::failed, "IKE_SA_INIT response lacks SA (one proposal), KE or Nonce");
        chosen_ = sa->proposals.front();
        // A choice we did not offer, or a key share for another group, is not an answer we can use (RFC 7296
        // 3.3.6, 1.2): said by name rather than mistaken for a negotiated SA.
        if (auto bad = ike::check_chosen_proposal(offered_, chosen_); !bad.empty())
            return fail(phase, PhaseOutcome::failed,
                        "the server's answer chose what we did not offer: " + bad + " (it chose " +
                            ike::describe(chosen_) + ")");
        if (const auto* chosen_ke = first(chosen_, ike::TransformType::ke); chosen_ke && chosen_ke->id != ke->group)
            return fail(phase, PhaseOutcome::failed,
                        "the server's KE payload is for group " + std::to_string(ke->group) +
                            ", not the chosen group " + std::to_string(chosen_ke->id));
        if (ke->group != kex_->group())
            return fail(phase, PhaseOutcome::failed,
                        "the server's KE payload is for group " + std::to_string(ke->group) +
                            ", not the group we sent a key share for (" + std::to_string(kex_->group()) + ")");
        for (const auto& t : chosen_.transforms) r_.ike.chosen_transforms.push_back(ike::describe(t));
        try {
            r_.ike.chosen_proposal = ike::format_proposal(chosen_);
        } catch (const std::exception&) {
            r_.ike.chosen_proposal = ike::describe(chosen_);
        }
        r_.ike.dh_group = ke->group;
        for (const auto& p : m.payloads) {
            if (const auto* v = p.get<ike::VendorIdPayload>())
                r_.ike.vendor_ids.push_back(ike::vendor_id_name(v->data));
            if (const auto* c = p.get<ike::CertReqPayload>()) {
                auto hashes = ike::ca_key_hashes(*c);
                if (hashes)
                    for (const auto& h : *hashes) {
                        r_.ike.certreq_ca_hashes.push_back(protocol::to_hex(h));
                        server_ca_hashes_.emplace_back(h.begin(), h.end());
                    }
            }
        }
        r_.ike.fragmentation_offered = m.find_notify(ike::notify::ikev2_fragmentation_supported) != nullptr;
        if (const auto* n = m.find_notify(ike::notify::signature_hash_algorithms)) {
            auto algs = ike::signature_hash_algorithms(*n);
            if (algs)
                for (auto a : *algs) r_.ike.signature_hash_algorithms.push_back(ike::hash_algorithm_short_name(a));
        }
        // NAT-D: the server's SOURCE hash is over its own address as it sent it, its DESTINATION hash over our
        // address as it saw it. A difference means an address was translated on the way (RFC 7296 2.23).
        const auto* nat_s = m.find_notify(ike::notify::nat_detection_source_ip);
        const auto* nat_d = m.find_notify(ike::notify::nat_detection_destination_ip);
        if (nat_s && nat_d) {
            r_.ike.nat_source_mismatch = nat_s->data != nat_hash(spi_i_, spi_r_, sock500_->remote());
            r_.ike.nat_destination_mismatch = nat_d->data != nat_hash(spi_i_, spi_r_, sock500_->local());
            r_.ike.nat_detected = *r_.ike.nat_source_mismatch || *r_.ike.nat_destination_mismatch;
        }
        if (opt_.ca_file && !server_ca_hashes_.empty()) check_certreq_against_ca();
        // Keys
        const auto* encr = first(chosen_, ike::TransformType::encr);
        const auto* prf = first(chosen_, ike::TransformType::prf);
        const auto* integ = first(chosen_, ike::TransformType::integ);
        if (!encr || !prf) return fail(phase, PhaseOutcome::failed, "chosen proposal lacks ENCR or PRF");
        try {
            Bytes shared = kex_->compute_shared(ke->data);
            keys_ = ike::derive_ike_sa_keys(prf->id, encr->id, encr->key_length.value_or(0),
                                            integ ? integ->id : static_cast<std::uint16_t>(ike::integ_alg::none), ni_,
                                            nr->nonce, shared, be64(spi_i_), be64(spi_r_));
            nr_ = nr->nonce;
        } catch (const std::exception& e) {
            return fail(phase, PhaseOutcome::failed,
                        "cannot derive keys from the server's answer: " + describe_exception(e));
        }
        write_keylog();
        phase.finish(PhaseOutcome::ok);
        return true;
    }

    void check_certreq_against_ca() {
        try {
            auto certs = load_pem_certificates(*opt_.ca_file);
            bool match = false;
            for (const auto& der : certs) {
                auto facts = inspect_certificate(der, std::time(nullptr));
                (void)facts;
                Bytes spki = subject_public_key_info(der);
                Bytes h = sha1(spki);
                for (const auto& theirs : server_ca_hashes_) match = match || h == theirs;
            }
            r_.ike.certreq_matches_ca = match;
        } catch (const std::exception& e) {
            log("   cannot compare CERTREQ with the CA file: " + describe_exception(e));
        }
    }

    static Bytes subject_public_key_info(const Bytes& der);

    void write_keylog() {
        if (opt_.keylog_file.empty() || !keys_) return;
        std::FILE* f = std::fopen(opt_.keylog_file.c_str(), "a");
        if (!f) return;
        // Wireshark's IKEv2 decryption table (ikev2_decryption_table UAT): SPIs, keys and algorithm names.
        const auto* encr = first(chosen_, ike::TransformType::encr);
        const auto* integ = first(chosen_, ike::TransformType::integ);
        std::fprintf(f, "\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",\"%s\"\n",
                     protocol::to_hex(be64(spi_i_)).c_str(), protocol::to_hex(be64(spi_r_)).c_str(),
                     protocol::to_hex(keys_->sk_ei).c_str(), protocol::to_hex(keys_->sk_er).c_str(),
                     wireshark_encr_name(encr).c_str(), protocol::to_hex(keys_->sk_ai).c_str(),
                     protocol::to_hex(keys_->sk_ar).c_str(), wireshark_integ_name(integ).c_str());
        std::fclose(f);
    }

    static std::string wireshark_encr_name(const ike::Transform* t);
    static std::string wireshark_integ_name(const ike::Transform* t);

    // ---- IKE_AUTH ----------------------------------------------------------------------------------------------

    std::vector<ike::Payload> ike_auth_payloads() {
        std::vector<ike::Payload> p;
        ike::IdPayload idi;
        std::string id = opt_.id.empty() ? "vpnprobe" : opt_.id;
        boost::system::error_code ec;
        auto addr = asio::ip::make_address(id, ec);
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
        p.push_back(ike::Payload::idi(idi));
        // CERTREQ naming the CAs we trust (or, without a CA file, echoing the server's): strongSwan sends its
        // certificate only when asked.
        ike::CertReqPayload certreq;
        std::vector<Bytes> hashes;
        if (opt_.ca_file) {
            try {
                for (const auto& der : load_pem_certificates(*opt_.ca_file))
                    hashes.push_back(sha1(subject_public_key_info(der)));
            } catch (const std::exception&) {}
        }
        if (hashes.empty()) hashes = server_ca_hashes_;
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
        for (auto& prop : esp.proposals) prop.spi = random_bytes(4);
        p.push_back(esp);
        ike::TrafficSelector v4{ike::ts_type::ipv4_addr_range, 0, 0, 65535, {0, 0, 0, 0}, {255, 255, 255, 255}, {}};
        ike::TrafficSelector v6{ike::ts_type::ipv6_addr_range, 0, 0, 65535, Bytes(16, 0), Bytes(16, 0xff), {}};
        p.push_back(ike::Payload::tsi(ike::TsPayload{{v4, v6}}));
        p.push_back(ike::Payload::tsr(ike::TsPayload{{v4, v6}}));
        return p;
    }

    // An encrypted message (SK), or its fragments (SKF) when it would exceed the fragment size and the server
    // offered fragmentation (RFC 7383 2.5).
    std::vector<Bytes> seal(ike::ExchangeType exchange, std::uint32_t message_id,
                            const std::vector<ike::Payload>& payloads) {
        auto cipher = ike::initiator_sk_cipher(*keys_);
        auto inner = ike::encode_inner_payloads(payloads);
        ike::Message m;
        m.header.spi_i = spi_i_;
        m.header.spi_r = spi_r_;
        m.header.exchange = exchange;
        m.header.flags = ike::flag_initiator;
        m.header.message_id = message_id;
        std::size_t overhead = ike::header_size + ike::generic_payload_header_size + 4;  // + non-ESP marker
        std::size_t ip_udp = server_.is_v6() ? 48 : 28;
        std::size_t limit = opt_.fragment_size > ip_udp + overhead + 64 ? opt_.fragment_size - ip_udp : 1280 - ip_udp;
        std::size_t whole = overhead + cipher.sealed_size(inner.bytes.size());
        if (whole <= limit || !r_.ike.fragmentation_offered) {
            m.payloads.push_back(ike::SkPayload{inner.first_type, {}});
            std::size_t n = cipher.sealed_size(inner.bytes.size());
            Bytes out = ike::encode_unencrypted_prefix(m, n);
            Bytes sealed = cipher.seal(out, inner.bytes);
            out.insert(out.end(), sealed.begin(), sealed.end());
            return {out};
        }
        // Largest plaintext chunk whose sealed fragment fits the limit.
        std::size_t room = limit - overhead - ike::skf_fixed_size;
        std::size_t chunk = 1;
        while (cipher.sealed_size(chunk + 1) <= room) ++chunk;
        std::size_t total = (inner.bytes.size() + chunk - 1) / chunk;
        std::vector<Bytes> out;
        for (std::size_t i = 0; i < total; ++i) {
            ByteView part(inner.bytes.data() + i * chunk, std::min(chunk, inner.bytes.size() - i * chunk));
            ike::Message f = m;
            f.payloads.push_back(ike::SkfPayload{static_cast<std::uint16_t>(i + 1),
                                                 static_cast<std::uint16_t>(total),
                                                 i == 0 ? inner.first_type : ike::PayloadType::none,
                                                 {}});
            std::size_t n = cipher.sealed_size(part.size());
            Bytes bytes = ike::encode_unencrypted_prefix(f, n);
            Bytes sealed = cipher.seal(bytes, part);
            bytes.insert(bytes.end(), sealed.begin(), sealed.end());
            out.push_back(std::move(bytes));
        }
        return out;
    }

    // Collects a protected response (SK, or SKF fragments in any order, duplicates ignored) and decrypts it.
    struct Reassembly {
        ike::FragmentReassembler fragments{ike::FragmentReassembler::Limits{kMaxFragments, kMaxReassembledBytes}};
        std::optional<std::vector<ike::Payload>> payloads;
        std::string error;  // fatal: the authentic response is malformed, or too big
        std::string dropped;  // why datagrams were dropped (forged or impossible): said if the exchange times out
        bool unencrypted_invalid_spi = false;
        std::vector<ike::NotifyPayload> unprotected_notifies;

        void drop(const std::string& why) {
            if (dropped.find(why) == std::string::npos) dropped += (dropped.empty() ? "" : "; ") + why;
        }
    };

    // Returns true when the message completed the response (or made it fatally wrong). What cannot be
    // authenticated is dropped, never fatal: anyone on the path can send it (RFC 7383 2.6).
    bool take_protected(const Bytes& b, ike::ExchangeType exchange, std::uint32_t message_id, Reassembly& ra) {
        auto m = ike::decode_message(b);
        if (!m) {
            log("<- undecodable datagram: " + m.error().to_string());
            ra.drop("undecodable: " + m.error().to_string());
            return false;
        }
        if (m->header.spi_i != spi_i_ || !m->header.response()) {
            // An INFORMATIONAL with INVALID_IKE_SPI from a server that does not know our SA (RFC 7296 2.21.4).
            if (m->find_notify(ike::notify::invalid_ike_spi)) {
                log("<- " + ike::describe(*m) + " (INVALID_IKE_SPI: the server does not know this IKE SA)");
                ra.unencrypted_invalid_spi = true;
                return true;
            }
            return false;
        }
        if (m->header.exchange != exchange || m->header.message_id != message_id) return false;
        log("<- " + ike::describe(*m));
        if (opt_.log) log(ike::describe_detailed(*m));
        auto cipher = ike::responder_sk_cipher(*keys_);
        if (const auto* sk = m->find<ike::SkPayload>()) {
            ByteView prefix(b.data(), b.size() - sk->encrypted.size());
            auto plain = cipher.open(prefix, sk->encrypted);
            if (!plain) {
                log("   fails its integrity check: dropped");
                ra.drop("a response failed its integrity check (" + plain.error().to_string() + ")");
                return false;
            }
            auto inner = ike::decode_inner_payloads(sk->first_inner, *plain);
            if (!inner) {
                ra.error = "malformed payloads inside the encrypted response: " + inner.error().to_string();
                return true;
            }
            ra.payloads = std::move(inner).value();
            return true;
        }
        if (const auto* f = m->find<ike::SkfPayload>()) {
            ++r_.ike.fragments_received;
            switch (ra.fragments.admit(f->fragment_number, f->total_fragments)) {
            case ike::FragmentReassembler::Admission::refuse:
                log("   " + ra.fragments.error() + ": dropped");
                ra.drop(ra.fragments.error());
                return false;
            case ike::FragmentReassembler::Admission::duplicate:
                return false;
            case ike::FragmentReassembler::Admission::take:
                break;
            }
            ByteView prefix(b.data(), b.size() - f->encrypted.size());
            auto plain = cipher.open(prefix, f->encrypted);
            if (!plain) {
                log("   fragment " + std::to_string(f->fragment_number) + " fails its integrity check: dropped");
                ra.drop("fragments failed their integrity check");
                return false;
            }
            if (!ra.fragments.add(f->fragment_number, f->first_inner, std::move(plain).value())) {
                ra.error = ra.fragments.error();
                return true;
            }
            if (!ra.fragments.complete()) return false;
            auto inner = ike::decode_inner_payloads(ra.fragments.first_inner(), ra.fragments.assemble());
            if (!inner) {
                ra.error = "malformed payloads in the reassembled response: " + inner.error().to_string();
                return true;
            }
            ra.payloads = std::move(inner).value();
            return true;
        }
        // Unprotected answer to a protected request: only error notifies are allowed so.
        for (const auto& p : m->payloads)
            if (const auto* n = p.get<ike::NotifyPayload>()) ra.unprotected_notifies.push_back(*n);
        return !ra.unprotected_notifies.empty();
    }

    asio::awaitable<bool> ike_auth() {
        PhaseTimer phase(r_.phases, "ike_auth");
        std::vector<Bytes> request;
        std::vector<ike::Payload> inner;
        std::uint16_t auth_port = opt_.nat_t_port ? opt_.nat_t_port : opt_.port;
        try {
            sock4500_.emplace(ex_, opt_.vantage, server_, auth_port, opt_.nat_t_port != 0);
        } catch (const std::exception& e) {
            co_return fail_socket(phase,
                                  "cannot open the UDP socket to " + host_port_text(r_.address, auth_port) + ": ", e);
        }
        try {
            inner = ike_auth_payloads();
            request = seal(ike::ExchangeType::ike_auth, 1, inner);
        } catch (const std::exception& e) {
            co_return fail(phase, PhaseOutcome::failed, "cannot build IKE_AUTH: " + describe_exception(e), true);
        }
        r_.ike.fragments_sent = request.size() > 1 ? static_cast<int>(request.size()) : 0;
        log("-> IKE_AUTH request 1 to " + host_port_text(r_.address, sock4500_->remote().port()) + ": " +
            (request.size() > 1 ? std::to_string(request.size()) + " fragments" : "one message") +
            " [ IDi CERTREQ CPRQ SA TSi TSr ] (no AUTH: EAP)");
        if (opt_.log) {
            for (const auto& p : inner) log("   " + ike::describe(p));
            for (const auto& d : request)
                if (auto m = ike::decode_message(d)) log(ike::describe_detailed(*m));
        }
        Reassembly ra;
        std::string error;
        int sends = 0;
        bool got = co_await exchange(
            *sock4500_, request, ike_auth_until(),
            [&](const Bytes& b) { return take_protected(b, ike::ExchangeType::ike_auth, 1, ra); }, error, sends,
            r_.ike.ike_auth_retransmissions);
        ike_auth_sent_ = sends > 0;
        if (!got && interrupted_) co_return fail_interrupted(phase, "an answer to IKE_AUTH");
        if (!got) {
            if (!error.empty()) co_return fail(phase, PhaseOutcome::failed, error, false, sock4500_->last_errno());
            std::string why =
                "no answer to IKE_AUTH on UDP " + std::to_string(sock4500_->remote().port()) + " within " +
                seconds_text(phase.elapsed()) + " (" + std::to_string(sends) + " transmissions" +
                (r_.ike.fragments_received ? ", " + std::to_string(ra.fragments.received()) + " of " +
                                                 std::to_string(ra.fragments.total()) + " response fragments arrived"
                                           : "") +
                ")" + (ra.dropped.empty() ? "" : "; dropped: " + ra.dropped);
            fail(phase, PhaseOutcome::timeout, why);
            if (moves_port()) co_await check_nat_t_port();
            co_return false;
        }
        r_.ike.ike_auth_answered = true;
        if (ra.unencrypted_invalid_spi) {
            r_.ike.ike_auth_notifies.push_back(Ikev2Notify{"INVALID_IKE_SPI", ike::notify::invalid_ike_spi, ""});
            co_return fail(phase, PhaseOutcome::failed,
                           "IKE_AUTH answered with INVALID_IKE_SPI: the server on UDP " +
                               std::to_string(sock4500_->remote().port()) + " does not know the IKE SA set up on UDP " +
                               std::to_string(opt_.port));
        }
        if (!ra.error.empty()) co_return fail(phase, PhaseOutcome::failed, ra.error);
        if (!ra.payloads) {
            std::string names;
            for (const auto& n : ra.unprotected_notifies) {
                r_.ike.ike_auth_notifies.push_back(record(n));
                names += (names.empty() ? "" : ", ") + ike::notify_name(n.type);
            }
            co_return fail(phase, PhaseOutcome::failed, "unprotected answer to IKE_AUTH: " + names);
        }
        co_return take_ike_auth_response(phase, *ra.payloads);
    }

    bool moves_port() const { return opt_.nat_t_port != 0 && opt_.nat_t_port != opt_.port; }

    // When IKE_AUTH moves to another port, a silent IKE_AUTH may mean that port is blocked or that it reaches
    // a server that does not know the IKE SA (a load balancer that splits the ports). The IKE_AUTH wait
    // leaves room for one question that tells them apart: does a fresh IKE_SA_INIT on that port get answered?
    clock::time_point ike_auth_until() const {
        if (!moves_port()) return deadline_;
        auto reserve = std::chrono::duration_cast<clock::duration>(
            std::chrono::duration<double>(std::min(1.5, opt_.timeout_seconds * 0.25)));
        return std::max(clock::now(), deadline_ - reserve);
    }

    asio::awaitable<void> check_nat_t_port() {
        Ikev2Options o = opt_;
        o.address = r_.address;
        o.port = opt_.nat_t_port;
        o.nat_t_port = 0;
        o.sa_init_non_esp_marker = true;
        o.sa_init_only = true;
        o.keylog_file.clear();
        o.timeout_seconds = std::max(0.1, std::chrono::duration<double>(deadline_ - clock::now()).count());
        if (opt_.log)
            o.log = [this](const std::string& line) {
                log("   [port " + std::to_string(opt_.nat_t_port) + " check] " + line);
            };
        Ikev2Result scratch;
        Ikev2Session check(ex_, o, scratch);
        PhaseTimer phase(r_.phases, "nat_t_port_check");
        co_await check.run();
        const Phase* p = scratch.phase("ike_sa_init");
        if (p && p->local) {
            // The check could not be made here (no descriptors left, ...): that says nothing about port 4500.
            phase
                .finish(PhaseOutcome::failed,
                        "the check of UDP " + std::to_string(opt_.nat_t_port) + " could not run: " + p->error)
                .local = true;
            co_return;
        }
        r_.ike.nat_t_port_answers_sa_init = scratch.ike.sa_init_answered;
        if (scratch.ike.sa_init_answered) phase.finish(PhaseOutcome::ok);
        else
            phase.finish(p ? p->outcome : PhaseOutcome::failed,
                         "a fresh IKE_SA_INIT on UDP " + std::to_string(opt_.nat_t_port) + " was not answered either" +
                             (p && !p->error.empty() ? ": " + p->error : ""));
    }

    bool take_ike_auth_response(PhaseTimer& phase, const std::vector<ike::Payload>& payloads) {
        const ike::IdPayload* idr = nullptr;
        const ike::AuthPayload* auth = nullptr;
        std::vector<Bytes> certs;
        std::string error_notify;
        for (const auto& p : payloads) {
            if (p.type == ike::PayloadType::idr) idr = p.get<ike::IdPayload>();
            if (const auto* a = p.get<ike::AuthPayload>()) auth = a;
            if (const auto* c = p.get<ike::CertPayload>(); c && c->encoding == ike::cert_encoding::x509_signature)
                certs.push_back(c->data);
            if (const auto* e = p.get<ike::EapPayload>(); e && e->type)
                r_.ike.eap_request = ike::eap_type_name(*e->type);
            if (const auto* n = p.get<ike::NotifyPayload>()) {
                r_.ike.ike_auth_notifies.push_back(record(*n));
                if (n->type < ike::first_status_notify && error_notify.empty())
                    error_notify = ike::notify_name(n->type);
            }
        }
        if (opt_.log)
            for (const auto& p : payloads) log("   " + ike::describe(p));
        if (idr) r_.ike.idr = ike::describe(ike::Payload::idr(*idr));
        std::time_t now = std::time(nullptr);
        for (const auto& der : certs) {
            try {
                r_.ike.chain.push_back(inspect_certificate(der, now));
            } catch (const std::exception& e) {
                return fail(phase, PhaseOutcome::failed, "server certificate does not parse: " + describe_exception(e));
            }
        }
        if (!certs.empty()) {
            try {
                r_.ike.chain_verdict = verify_chain(certs, opt_.ca_file, now);
            } catch (const std::exception& e) {
                return fail(phase, PhaseOutcome::failed, "cannot check the chain: " + describe_exception(e), true);
            }
        }
        if (auth && idr && !certs.empty()) {
            r_.ike.auth_method = ike::auth_method_name(auth->method);
            Bytes idr_body = ike::encode_payload_body(ike::Payload::idr(*idr));
            Bytes octets = ike::auth_signed_octets(keys_->prf_id, sa_init_response_, ni_, keys_->sk_pr, idr_body);
            auto check = ike::verify_auth_signature(auth->method, auth->data, octets, certs.front());
            r_.ike.auth_verified = check.verified;
            r_.ike.auth_detail = check.verified ? check.algorithm : check.failure + ": " + check.detail;
            if (!check.algorithm.empty()) r_.ike.auth_method += " (" + check.algorithm + ")";
        } else if (auth) {
            r_.ike.auth_method = ike::auth_method_name(auth->method);
        }
        if (!error_notify.empty())
            return fail(phase, PhaseOutcome::failed, "server answered IKE_AUTH with " + error_notify);
        if (!auth) return fail(phase, PhaseOutcome::failed, "IKE_AUTH response has no AUTH payload");
        phase.finish(PhaseOutcome::ok);
        return true;
    }

    // ---- INFORMATIONAL Delete ----------------------------------------------------------------------------------

    // Deletes the IKE SA (after IKE_SA_INIT alone, or during EAP), so that the server does not keep a
    // half-open IKE SA for every probe: servers limit those per client address (strongSwan's block_threshold).
    asio::awaitable<void> delete_sa(IkeUdpSocket& sock, std::uint32_t message_id) {
        PhaseTimer phase(r_.phases, "delete");
        in_delete_ = true;  // the polite end itself: a stop request lets it finish, by the deadline
        stop_io_ = false;
        std::vector<Bytes> request;
        try {
            request = seal(ike::ExchangeType::informational, message_id, {ike::DeletePayload{1, 0, {}}});
        } catch (const std::exception& e) {
            fail(phase, PhaseOutcome::failed, "cannot build the Delete: " + describe_exception(e), true);
            co_return;
        }
        log("-> INFORMATIONAL request " + std::to_string(message_id) + " [ D ]");
        Reassembly ra;
        std::string error;
        int sends = 0, unused_retransmissions = 0;
        // A short wait: the delete is a courtesy to the server, not worth the rest of the deadline.
        auto until = std::min(deadline_, clock::now() + std::chrono::seconds(2));
        bool got = co_await exchange(
            sock, request, until,
            [&](const Bytes& b) { return take_protected(b, ike::ExchangeType::informational, message_id, ra); }, error,
            sends, unused_retransmissions);
        r_.ike.deleted = got && ra.payloads.has_value();
        if (r_.ike.deleted) phase.finish(PhaseOutcome::ok);
        else
            phase.finish(got ? PhaseOutcome::failed : PhaseOutcome::timeout,
                         got ? ra.error : "no answer to the INFORMATIONAL Delete");
    }

    asio::any_io_executor ex_;
    const Ikev2Options& opt_;
    Ikev2Result& r_;
    clock::time_point start_, deadline_;
    asio::ip::address server_;
    std::optional<IkeUdpSocket> sock500_, sock4500_;
    std::vector<ike::Proposal> offered_;
    ike::Proposal chosen_;
    std::optional<ike::KeyExchange> kex_;
    std::optional<ike::IkeSaKeys> keys_;
    std::uint64_t spi_i_ = 0, spi_r_ = 0;
    Bytes ni_, nr_, request_bytes_, sa_init_response_;
    std::vector<Bytes> server_ca_hashes_;
    std::string decode_error_;
    bool interrupted_ = false;  // a stop was requested
    bool stop_io_ = false;  // ... so no new exchange starts (the Delete clears it)
    bool in_delete_ = false;
    bool ike_auth_sent_ = false;  // our IKE_AUTH request (message 1) went out
    StopSubscription stop_;  // last: unsubscribes before the members it touches go
};

}  // namespace

}  // namespace vpnprobe::probes

// Helpers that need OpenSSL's X509 API, kept apart from the session logic.
#include <openssl/x509.h>

namespace vpnprobe::probes {
namespace {

Bytes Ikev2Session::subject_public_key_info(const Bytes& der) {
    const unsigned char* p = der.data();
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (!x) throw std::runtime_error("not a DER certificate");
    unsigned char* out = nullptr;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &out);
    Bytes spki;
    if (len > 0) spki.assign(out, out + len);
    OPENSSL_free(out);
    X509_free(x);
    if (spki.empty()) throw std::runtime_error("certificate without a public key");
    return spki;
}

// The algorithm names of Wireshark's IKEv2 decryption table (epan/dissectors/packet-isakmp.c).
std::string Ikev2Session::wireshark_encr_name(const ike::Transform* t) {
    if (!t) return "NULL [RFC2410]";
    unsigned bits = t->key_length.value_or(0);
    switch (t->id) {
    case ike::encr_alg::triple_des:
        return "3DES [RFC2451]";
    case ike::encr_alg::aes_cbc:
        return "AES-CBC-" + std::to_string(bits) + " [RFC3602]";
    case ike::encr_alg::aes_ctr:
        return "AES-CTR-" + std::to_string(bits) + " [RFC5930]";
    case ike::encr_alg::aes_gcm_8:
        return "AES-GCM-" + std::to_string(bits) + " with 8 octet ICV [RFC5282]";
    case ike::encr_alg::aes_gcm_12:
        return "AES-GCM-" + std::to_string(bits) + " with 12 octet ICV [RFC5282]";
    case ike::encr_alg::aes_gcm_16:
        return "AES-GCM-" + std::to_string(bits) + " with 16 octet ICV [RFC5282]";
    default:
        return ike::transform_display_name(1, t->id);
    }
}

std::string Ikev2Session::wireshark_integ_name(const ike::Transform* t) {
    if (!t) return "NONE [RFC4306]";
    switch (t->id) {
    case ike::integ_alg::hmac_md5_96:
        return "HMAC_MD5_96 [RFC2403]";
    case ike::integ_alg::hmac_sha1_96:
        return "HMAC_SHA1_96 [RFC2404]";
    case ike::integ_alg::aes_xcbc_96:
        return "AES_XCBC_96 [RFC3566]";
    case ike::integ_alg::hmac_sha2_256_128:
        return "HMAC_SHA2_256_128 [RFC4868]";
    case ike::integ_alg::hmac_sha2_384_192:
        return "HMAC_SHA2_384_192 [RFC4868]";
    case ike::integ_alg::hmac_sha2_512_256:
        return "HMAC_SHA2_512_256 [RFC4868]";
    default:
        return ike::transform_display_name(3, t->id);
    }
}

}  // namespace


asio::awaitable<Ikev2Result> ikev2_probe(Ikev2Options options) {
    if (options.host.empty()) throw std::invalid_argument("ikev2 probe: empty host");
    auto ex = co_await asio::this_coro::executor;
    Ikev2Result result;
    Ikev2Session session(ex, options, result);
    co_await session.run();
    co_return result;
}

// How an audit offer that could not be made here (no descriptor, setns refused) is told apart from one the
// server did not answer: it says nothing about the server.
constexpr std::string_view kAuditCouldNotRun = "could not run here: ";

asio::awaitable<std::vector<WeakProposalResult>> ikev2_weak_audit(Ikev2Options options) {
    auto ex = co_await asio::this_coro::executor;
    std::vector<WeakProposalResult> out;
    for (const auto& offer : ikev2_weak_offers()) {
        if (options.stop && options.stop->requested()) break;  // interrupted: the offers not made stay unanswered
        Ikev2Result scratch;
        Ikev2Options o = options;
        o.sa_init_only = true;
        // Each offer gets a share of the deadline, so a silent server cannot make the audit outlast it.
        o.timeout_seconds = options.timeout_seconds / static_cast<double>(ikev2_weak_offers().size());
        Ikev2Session session(ex, o, scratch);
        auto w = co_await session.audit(offer);
        for (const auto& p : scratch.phases)
            if (p.local) {
                w.answer = std::string(kAuditCouldNotRun) + p.error;
                break;
            }
        out.push_back(std::move(w));
    }
    co_return out;
}

asio::awaitable<Ikev2Result> ikev2_probe_with_audit(Ikev2Options options) {
    auto ex = co_await asio::this_coro::executor;
    Ikev2Options audit = options;
    audit.keylog_file.clear();  // the audit's throw-away IKE SAs are not worth a key log line each
    auto [order, probe_error, result, audit_error, weak] =
        co_await asio::experimental::make_parallel_group(asio::co_spawn(ex, ikev2_probe(options), asio::deferred),
                                                         asio::co_spawn(ex, ikev2_weak_audit(audit), asio::deferred))
            .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    (void)order;
    if (probe_error) std::rethrow_exception(probe_error);
    if (audit_error) std::rethrow_exception(audit_error);
    // An offer the harness could not make leaves the audit incomplete for a local reason: a local phase,
    // so the result is the harness's failure (probe.local), never "the server did not answer".
    for (const auto& w : weak)
        if (w.answer.starts_with(kAuditCouldNotRun)) {
            result.phases.push_back(
                Phase{"weak_audit", PhaseOutcome::failed, 0, "the audit offer " + w.proposal + " " + w.answer, true});
            break;
        }
    result.weak_audit = std::move(weak);
    co_return result;
}

}  // namespace vpnprobe::probes
