// The IKEv2 probe's I/O driver. Phases: resolve, ike_sa_init (UDP 500), ike_auth (UDP 4500, EAP path, fragments
// both ways), delete (encrypted INFORMATIONAL). The exchanges themselves are pure steps (sa_init_exchange,
// ike_auth_exchange, informational_exchange: build, take, process); this driver alone owns the sockets and
// retransmission: every exchange retransmits with doubling intervals until the probe's deadline, as RFC 7296
// 2.1 asks of an initiator. Deadlines, the stop request and its polite end, failing a phase, the -v log and
// resolve are the shared ProbeSession's. A new exchange (an EAP round, CREATE_CHILD_SA) is one more step and
// one more drive() in run().
#include "probes/ikev2/ikev2_probe.hpp"

#include <openssl/crypto.h>
#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <map>
#include <stdexcept>

#include "probes/async_resolve.hpp"
#include "probes/ikev2/eap_exchange.hpp"
#include "probes/ikev2/esp_echo.hpp"
#include "probes/ikev2/ike_auth_complete_exchange.hpp"
#include "probes/ikev2/ike_auth_exchange.hpp"
#include "probes/ikev2/ike_udp.hpp"
#include "probes/ikev2/ikev2_presets.hpp"
#include "probes/ikev2/informational_exchange.hpp"
#include "probes/ikev2/key_share_cache.hpp"
#include "probes/ikev2/sa_init_exchange.hpp"
#include "probes/local_checks.hpp"
#include "probes/net_errors.hpp"
#include "probes/probe_session.hpp"
#include "protocol/esp/esp_tunnel.hpp"
#include "protocol/ikev2/ikev2_keylog.hpp"
#include "protocol/ikev2/ikev2_proposal.hpp"
#include "protocol/ip/ipv4_address.hpp"

namespace vpnprobe::probes {

namespace asio = boost::asio;
namespace ike = vpnprobe::protocol::ikev2;
namespace ms = vpnprobe::protocol::mschapv2;
using protocol::Bytes;
using clock = std::chrono::steady_clock;

namespace {

// The Delete's wait for its answer: this many of the probe's own longest round trip, at least the floor (a
// jittery path, a busy server), at most the cap (the fixed wait it replaces). A server that answers a Delete
// does so about as fast as it answered IKE_SA_INIT and IKE_AUTH; libreswan never answers it at all.
constexpr int kDeleteWaitRoundTrips = 4;
constexpr auto kDeleteWaitFloor = std::chrono::milliseconds(200);
constexpr auto kDeleteWaitCap = std::chrono::seconds(2);

std::string seconds_text(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", s);
    return buf;
}

// How one exchange ended in the driver: its step's verdict, or silence (no complete answer by the deadline,
// a socket error, a stop request).
struct ExchangeEnd {
    enum class How { done, failed, silent } how = How::silent;
    int sends = 0;  // transmissions of the last request
    std::string error;  // the socket error that ended a silent exchange, "" when the wait ran out
    int sys_errno = 0;
};

// Proposals offered, parsed, encoded once and formatted for the result.
std::shared_ptr<const SaOffer> parse_offer(const std::vector<std::string>& texts) {
    std::vector<ike::Proposal> proposals;
    for (const auto& t : texts)
        proposals.push_back(
            ike::parse_proposal(t, ike::ProtocolId::ike, static_cast<std::uint8_t>(proposals.size() + 1)));
    return make_sa_offer(std::move(proposals));
}

// Every preset parsed, encoded and formatted once per process (a preset is fixed text; parsing and formatting it
// took a seventh of an SA_INIT-only probe's instructions, encoding its SA payload a tenth). Built on first use,
// read-only after: shared by the runner's threads and every probe, not copied.
const std::shared_ptr<const SaOffer>& preset_offer(const std::string& name) {
    static const std::map<std::string, std::shared_ptr<const SaOffer>> presets = [] {
        std::map<std::string, std::shared_ptr<const SaOffer>> m;
        for (const auto& n : ikev2_preset_names()) m.emplace(n, parse_offer(ikev2_preset(n)));
        return m;
    }();
    auto it = presets.find(name);
    if (it == presets.end()) (void)ikev2_preset(name);  // throws: an unknown name, said as ikev2_preset says it
    if (it == presets.end()) throw std::invalid_argument("unknown IKEv2 preset " + name);
    return it->second;
}

// OpenSSL's random bytes; the key pairs from the run's cache, unless the probe sends credentials or has none.
Ikev2Randomness randomness(const Ikev2Options& opt) {
    Ikev2Randomness r = system_randomness();
    // A login sends credentials whether or not the caller said so: its key pair is never a reused one.
    r.key_exchange = key_share_source(opt.key_shares, opt.sends_credentials || opt.credentials.has_value());
    return r;
}

class Ikev2Session {
public:
    Ikev2Session(const asio::any_io_executor& ex, const Ikev2Options& opt, Ikev2Result& r)
        : ex_(ex),
          opt_(opt),
          r_(r),
          random_(randomness(opt)),
          s_(ex, r,
             SessionSettings{opt.host, opt.port, opt.vantage, opt.timeout_seconds, 0, opt.log, opt.stop, opt.load},
             SessionIo{{}, [this] { cancel_io(); }}) {}

    asio::awaitable<void> run() {
        // One co_await per statement: GCC 12 miscompiles co_await inside a short-circuit condition (the
        // coroutine's resume index is garbage on the first resume).
        bool ok = co_await resolve();
        if (ok) ok = co_await sa_init();
        // SA_INIT-only: no keys were derived, so there is no IKE SA we could send a protected Delete in (strongSwan
        // kept a half-open IKE SA until its timeout even after our Delete, bench/README.md).
        if (ok && !opt_.sa_init_only) {
            ok = co_await ike_auth();
            // With a test account: all the way in. Every request after the first IKE_AUTH took the next
            // message ID, so the Delete takes the one after the last.
            const bool login = ok && opt_.credentials.has_value();
            if (login) {
                // A server that refused the login (EAP-Failure, AUTHENTICATION_FAILED) has dropped the IKE SA
                // itself (strongSwan answers no Delete then): nothing is left to delete.
                const bool sa_left = co_await tunnel();
                const bool ping = r_.tunnel.connected && !opt_.ping.empty();
                if (ping) co_await data_path();
                const bool child_left = sa_left && r_.child_sa_secrets;
                if (child_left) co_await delete_child_sa(*sock4500_);
                if (sa_left) co_await delete_sa(*sock4500_, sa_.next_message_id);
            } else if (ok) {
                co_await delete_sa(*sock4500_, 2);
            } else if (s_.interrupted() && sa_.keys) {
                // Interrupted with an IKE SA set up: delete it, as the next request (2) when our IKE_AUTH
                // went out, else as request 1 on the port the SA was made on.
                if (ike_auth_sent_) co_await delete_sa(*sock4500_, 2);
                else co_await delete_sa(*sock500_, 1);
            }
        }
        s_.finish();
    }

    // One IKE_SA_INIT with the given proposals, for the weak-proposal audit: the answer in words.
    asio::awaitable<WeakProposalResult> audit(const WeakOffer& offer) {
        WeakProposalResult w;
        w.proposal = offer.proposal;
        w.why_weak = offer.why_weak;
        bool resolved = co_await resolve();
        if (!resolved) {
            w.answer = "cannot resolve: " + r_.phases.back().error;
            co_return w;
        }
        sa_.offer = make_sa_offer(ike::parse_proposals(offer.proposal));
        bool ok = co_await sa_init();
        w.accepted = ok;
        w.answered = r_.ike.sa_init_answered;
        w.answer = ok ? "accepted: " + r_.ike.chosen_proposal
                      : (!r_.ike.error_notify.empty() ? r_.ike.error_notify : r_.phases.back().error);
        // Leave no half-open IKE SA behind (an SA_INIT-only offer has no keys, so no protected Delete to send).
        const bool can_delete = ok && sa_.keys.has_value();
        if (can_delete) co_await delete_sa(*sock500_, 1);
        co_return w;
    }

private:
    void log(const std::string& line) const { s_.log(line); }

    // The steps' log: the same time-stamped lines, or none at all (the steps then build no text).
    Ikev2Log step_log() {
        if (!s_.verbose()) return {};
        return [this](const std::string& line) { s_.log(line); };
    }

    bool fail_step(PhaseTimer& phase, const StepFailure& f) {
        s_.record(phase, PhaseOutcome::failed, f.reason, f.error, f.local);
        return false;
    }

    // A stop request (SIGINT, SIGTERM): the wait in flight ends; the sockets stay, for the Delete of an IKE SA
    // set up (the session's polite end).
    void cancel_io() {
        if (sock500_) sock500_->cancel();
        if (sock4500_) sock4500_->cancel();
    }

    // A silent exchange: interrupted, a socket error, or no (complete) answer by the deadline.
    bool fail_silent(PhaseTimer& phase, const ExchangeEnd& end, const std::string& exchange, const IkeUdpSocket& sock,
                     const std::string& counts, const std::string& detail) {
        s_.waiting_for("an answer to " + exchange);
        if (s_.interrupted()) return s_.fail(phase, FailureReason::interrupted, "interrupted");
        if (!end.error.empty()) {
            s_.record(phase, PhaseOutcome::failed, socket_failure_reason(end.sys_errno), end.error, false,
                      end.sys_errno);
            return false;
        }
        return s_.fail_timeout(phase, "no answer to " + exchange + " on UDP " + std::to_string(sock.remote().port()) +
                                          " within " + seconds_text(phase.elapsed()) + " (" +
                                          std::to_string(end.sends) + " transmissions" + counts + ")" + detail);
    }

    // ---- resolve --------------------------------------------------------------------------------------------

    asio::awaitable<bool> resolve() {
        auto address = co_await s_.resolve(opt_.address);
        if (!address) co_return false;
        server_ = *address;
        sa_.is_v6 = server_.is_v6();
        co_return true;
    }

    // ---- sending and receiving with retransmission: the one place ----------------------------------------------

    // Sends `datagrams` (one message, or the fragments of one) and collects answers until `accept` says the
    // exchange is complete, retransmitting everything at doubling intervals (the first after `first_rto`
    // seconds, default the probe's) until `until`. An answered exchange's round trip is noted.
    asio::awaitable<bool> exchange(IkeUdpSocket& sock, const std::vector<Bytes>& datagrams, clock::time_point until,
                                   Ikev2Exchange& step, std::string& error, int& sends, int& retransmissions,
                                   double first_rto = 0) {
        double rto = first_rto > 0 ? first_rto : opt_.retransmit_seconds > 0 ? opt_.retransmit_seconds : 0.5;
        sends = 0;
        const auto first_sent = clock::now();
        for (;;) {
            if (clock::now() >= until || s_.io_stopped()) co_return false;
            for (const auto& d : datagrams) {
                bool sent = co_await sock.send(d, error);
                if (!sent) co_return false;
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
                if (step.take(*msg)) {
                    // From the first transmission: after a retransmission an overestimate, which only
                    // lengthens the Delete's wait.
                    longest_round_trip_ = std::max(longest_round_trip_, clock::now() - first_sent);
                    co_return true;
                }
            }
            rto *= 2;
        }
    }

    // Runs one exchange step to its end: build, send and retransmit until the response is complete, process;
    // again while the step needs more (a COOKIE, another KE group, the next EAP round).
    asio::awaitable<ExchangeEnd> drive(Ikev2Exchange& step, IkeUdpSocket& sock, clock::time_point until,
                                       int& retransmissions, int* round_trips = nullptr, double first_rto = 0) {
        ExchangeEnd end;
        for (;;) {
            std::vector<Bytes> datagrams;
            if (step.build(datagrams) == StepStatus::failed) {
                end.how = ExchangeEnd::How::failed;
                co_return end;
            }
            end.error.clear();
            bool got =
                co_await exchange(sock, datagrams, until, step, end.error, end.sends, retransmissions, first_rto);
            if (round_trips) ++*round_trips;
            if (!got) {
                end.how = ExchangeEnd::How::silent;
                if (!end.error.empty()) end.sys_errno = sock.last_errno();
                co_return end;
            }
            StepStatus status = step.process();
            if (status == StepStatus::need_more) continue;
            end.how = status == StepStatus::done ? ExchangeEnd::How::done : ExchangeEnd::How::failed;
            co_return end;
        }
    }

    // ---- IKE_SA_INIT -------------------------------------------------------------------------------------------

    // Our offer and the CA file, before anything is sent: a problem with either is the harness's own.
    bool prepare_sa_init(PhaseTimer& phase) {
        try {
            // The audit's offer is set by the caller.
            if (!sa_.offer && !opt_.proposals.empty()) sa_.offer = parse_offer(opt_.proposals);
            else if (!sa_.offer) sa_.offer = preset_offer(opt_.preset.empty() ? "windows-default" : opt_.preset);
            r_.ike.offered = sa_.offer->text;
        } catch (const std::exception& e) {
            return s_.fail_local(phase, "cannot prepare IKE_SA_INIT: " + describe_exception(e));
        }
        // The run's trust source, or the CA file loaded here: an unusable one is the harness's problem, found
        // before anything is sent (it would otherwise be ignored for the CERTREQ and surface only at IKE_AUTH,
        // or never with sa_init_only). Without a CA file the system store waits until a chain needs it.
        if (!trust_) trust_ = opt_.trust;
        if (!trust_ && opt_.ca_file) {
            try {
                trust_ = TrustSource::load(opt_.ca_file);
            } catch (const std::exception& e) {
                return s_.fail_local(
                    phase, "cannot prepare IKE_SA_INIT: the CA file cannot be used: " + describe_exception(e));
            }
        }
        if (trust_ && trust_->ca_file()) {
            if (trust_->ca_key_hashes()) ca_key_hashes_ = trust_->ca_key_hashes();
            else log("   cannot compare CERTREQ with the CA file: " + trust_->ca_key_hashes_error());
        }
        return true;
    }

    asio::awaitable<bool> sa_init() {
        PhaseTimer phase(r_.phases, "ike_sa_init");
        if (!prepare_sa_init(phase)) co_return false;
        try {
            sock500_.emplace(ex_, opt_.vantage, server_, opt_.port, opt_.sa_init_non_esp_marker);
        } catch (const std::exception& e) {
            co_return s_.fail_open(phase,
                                   "cannot open the UDP socket to " + host_port_text(r_.address, opt_.port) + ": ", e);
        }
        SaInitConfig config;
        config.offer_fragmentation = opt_.offer_fragmentation;
        config.local = sock500_->local();
        config.remote = sock500_->remote();
        config.ca_key_hashes = ca_key_hashes_;
        config.peer_text = host_port_text(r_.address, opt_.port);
        config.derive_keys = !opt_.sa_init_only;
        SaInitExchange step(std::move(config), sa_, r_.ike, random_, step_log());
        ExchangeEnd end =
            co_await drive(step, *sock500_, s_.deadline(), r_.ike.sa_init_retransmissions, &r_.ike.sa_init_round_trips);
        if (end.how == ExchangeEnd::How::silent)
            co_return fail_silent(phase, end, "IKE_SA_INIT", *sock500_, "", step.no_answer_detail());
        if (end.how == ExchangeEnd::How::failed) co_return fail_step(phase, step.failure());
        write_keylog();
        co_return s_.succeed(phase);
    }

    void write_keylog() {
        if (opt_.keylog_file.empty() || !sa_.keys) return;
        std::FILE* f = std::fopen(opt_.keylog_file.c_str(), "a");
        if (!f) return;
        std::fputs((ike::wireshark_keylog_line(sa_.spi_i, sa_.spi_r, *sa_.keys) + "\n").c_str(), f);
        std::fclose(f);
    }

    // ---- IKE_AUTH ----------------------------------------------------------------------------------------------

    asio::awaitable<bool> ike_auth() {
        PhaseTimer phase(r_.phases, "ike_auth");
        std::uint16_t auth_port = opt_.nat_t_port ? opt_.nat_t_port : opt_.port;
        try {
            sock4500_.emplace(ex_, opt_.vantage, server_, auth_port, opt_.nat_t_port != 0);
        } catch (const std::exception& e) {
            co_return s_.fail_open(phase,
                                   "cannot open the UDP socket to " + host_port_text(r_.address, auth_port) + ": ", e);
        }
        IkeAuthConfig config;
        config.id = opt_.id;
        config.ca_file = opt_.ca_file;
        config.trust = trust_;
        config.ca_key_hashes = ca_key_hashes_;
        config.fragment_size = opt_.fragment_size;
        config.now = std::time(nullptr);
        config.sa_init_port = opt_.port;
        config.port = sock4500_->remote().port();
        config.peer_text = host_port_text(r_.address, sock4500_->remote().port());
        IkeAuthExchange step(std::move(config), sa_, r_.ike, random_, step_log());
        ExchangeEnd end = co_await drive(step, *sock4500_, ike_auth_until(), r_.ike.ike_auth_retransmissions);
        ike_auth_sent_ = end.sends > 0;
        if (end.how == ExchangeEnd::How::silent) {
            fail_silent(phase, end, "IKE_AUTH", *sock4500_, step.no_answer_counts(), step.no_answer_detail());
            // Silence on the moved port (not a stop, not a socket error, not our own overload): is that port open?
            const bool ask_nat_t_port = !s_.interrupted() && end.error.empty() && moves_port() &&
                                        r_.phases.back().reason != FailureReason::harness_overload;
            if (ask_nat_t_port) co_await check_nat_t_port();
            co_return false;
        }
        if (end.how == ExchangeEnd::How::failed) co_return fail_step(phase, step.failure());
        co_return s_.succeed(phase);
    }

    bool moves_port() const { return opt_.nat_t_port != 0 && opt_.nat_t_port != opt_.port; }

    // ---- the user tunnel: EAP, the final IKE_AUTH, the CHILD_SA -------------------------------------------------

    // Whether the server still holds the IKE SA afterwards (a Delete is due).
    asio::awaitable<bool> tunnel() {
        r_.tunnel.credentials_given = true;
        Bytes msk;
        bool ok = co_await eap(msk);
        if (ok) ok = co_await ike_auth_complete(msk);
        if (!msk.empty()) OPENSSL_cleanse(msk.data(), msk.size());
        if (ok) child_sa();
        const FailureReason last = r_.phases.back().reason;
        const bool refused =
            !ok && (last == FailureReason::ikev2_eap_failure || last == FailureReason::ikev2_authentication_failed);
        co_return !refused;
    }

    asio::awaitable<bool> eap(Bytes& msk) {
        PhaseTimer phase(r_.phases, "eap");
        ms::Challenge peer{};
        try {
            Bytes b = random_.bytes(peer.size());
            std::copy(b.begin(), b.end(), peer.begin());
        } catch (const std::exception& e) {
            co_return s_.fail_local(phase, "no random bytes: " + describe_exception(e));
        }
        EapExchange step(sa_, r_.tunnel, *opt_.credentials, peer, opt_.fragment_size, random_, step_log());
        int retransmissions = 0;
        ExchangeEnd end = co_await drive(step, *sock4500_, s_.deadline(), retransmissions);
        r_.ike.ike_auth_retransmissions += retransmissions;
        if (end.how == ExchangeEnd::How::silent)
            co_return fail_silent(phase, end, "an EAP round", *sock4500_, "", step.no_answer_detail());
        if (end.how == ExchangeEnd::How::failed) co_return fail_step(phase, step.failure());
        msk = step.msk();
        co_return s_.succeed(phase);
    }

    asio::awaitable<bool> ike_auth_complete(const Bytes& msk) {
        PhaseTimer phase(r_.phases, "ike_auth_complete");
        IkeAuthCompleteExchange step(sa_, r_.tunnel, msk, opt_.fragment_size, random_, step_log());
        int retransmissions = 0;
        ExchangeEnd end = co_await drive(step, *sock4500_, s_.deadline(), retransmissions);
        r_.ike.ike_auth_retransmissions += retransmissions;
        if (end.how == ExchangeEnd::How::silent)
            co_return fail_silent(phase, end, "the final IKE_AUTH", *sock4500_, "", step.no_answer_detail());
        if (end.how == ExchangeEnd::How::failed) co_return fail_step(phase, step.failure());
        if (!s_.succeed(phase)) co_return false;
        if (step.chosen_child() && step.offered_child()) {
            keep_child_secrets(*step.chosen_child(), *step.offered_child());
            child_chosen_ = step.chosen_child();
            child_offered_ = step.offered_child();
        }
        co_return true;
    }

    // The CP reply and the CHILD_SA the final IKE_AUTH carried (no exchange of its own): the IKE SA is up, the
    // tunnel is not unless both are there.
    void child_sa() {
        PhaseTimer phase(r_.phases, "child_sa");
        auto& t = r_.tunnel;
        const std::string& why = t.child.error_notify;
        if (why == "INTERNAL_ADDRESS_FAILURE" || why == "FAILED_CP_REQUIRED") {
            s_.record(phase, PhaseOutcome::failed, FailureReason::ikev2_no_address,
                      "the server gave no virtual address: " + why + " (no CHILD_SA either)");
            return;
        }
        if (why == "(not offered)") {
            s_.record(phase, PhaseOutcome::failed, FailureReason::ikev2_invalid_child_choice,
                      "the server chose an ESP proposal we did not offer: " + t.child.esp_proposal);
            return;
        }
        if (!t.child.created) {
            s_.record(phase, PhaseOutcome::failed, FailureReason::ikev2_child_sa_refused,
                      why.empty() ? "the final IKE_AUTH response carries no CHILD_SA (SA, TSi, TSr)"
                                  : "the server refused the CHILD_SA: " + why);
            return;
        }
        if (t.address.empty() && t.address6.empty()) {
            s_.record(phase, PhaseOutcome::failed, FailureReason::ikev2_no_address,
                      "the CHILD_SA is up but the CP reply gave no virtual address");
            return;
        }
        t.connected = true;
        phase.finish(PhaseOutcome::ok);
    }

    // ---- data_path: echo requests through the CHILD_SA's ESP ----------------------------------------------------

    // ESP goes in UDP on the IKE socket's NAT-T port (RFC 3948), never as IP protocol 50: a user-space probe has
    // no raw socket for it. The server must therefore encapsulate too: it does when it detects a NAT, or when it
    // forces encapsulation itself (strongSwan with kernel-libipsec, as the lab's `tunnel` responder runs, fakes
    // its NAT-D hash for that). The probe does not fake NAT detection itself (yet): against a server that
    // detected no NAT, a data path without replies says so (no_nat_note).
    asio::awaitable<bool> data_path() {
        PhaseTimer phase(r_.phases, "data_path");
        auto& t = r_.tunnel;
        t.ping_target = opt_.ping;
        EspEchoPlan plan;
        auto target = protocol::parse_ipv4(opt_.ping);
        if (!target) co_return s_.fail_local(phase, "--ping needs an IPv4 address, not '" + opt_.ping + "'");
        auto source = protocol::parse_ipv4(t.address);
        if (!source)
            co_return s_.fail_local(phase,
                                    "the CP reply gave no IPv4 address to send echo requests from (the probe "
                                    "pings from IPv4 only)");
        if (!moves_port() || !child_chosen_ || !child_offered_ || !sa_.keys)
            co_return s_.fail_local(phase,
                                    "ESP needs UDP encapsulation on the NAT-T port (--nat-t-port 0 keeps IKE "
                                    "on UDP " +
                                        std::to_string(opt_.port) + ", where ESP cannot go)");
        std::uint32_t our_spi = 0;
        for (auto b : child_offered_->spi) our_spi = (our_spi << 8) | b;
        auto made = protocol::esp::make_initiator_tunnel(*sa_.keys, sa_.ni, sa_.nr, *child_chosen_, our_spi,
                                                         [this](std::span<std::uint8_t> out) {
                                                             Bytes b = random_.bytes(out.size());
                                                             std::copy(b.begin(), b.end(), out.begin());
                                                         });
        if (!made)
            co_return s_.fail_local(phase, "the probe cannot run the chosen ESP transform " + t.child.esp_proposal +
                                               ": " + made.error().to_string());
        auto& esp_tunnel = made.value();
        write_esp_keylog(esp_tunnel);
        plan.source = *source;
        plan.target = *target;
        try {
            Bytes id = random_.bytes(2);
            plan.ident = static_cast<std::uint16_t>((id[0] << 8) | id[1]);
        } catch (const std::exception& e) {
            co_return s_.fail_local(phase, "no random bytes: " + describe_exception(e));
        }
        plan.count = std::max(1, opt_.ping_count);
        plan.wait = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(opt_.ping_wait_seconds));
        // The Deletes keep their time: the replies are read until their wait ends, at most.
        const auto now = clock::now();
        const auto left = s_.deadline() > now ? s_.deadline() - now : clock::duration::zero();
        plan.until = now + left - std::min<clock::duration>(2 * delete_wait(), left / 4);
        s_.waiting_for("ICMP echo replies through the tunnel (ESP in UDP " + std::to_string(opt_.nat_t_port) + ")");
        int sys_errno = 0;
        std::string error = co_await run_esp_echoes(*sock4500_, esp_tunnel, plan, t, step_log(), sys_errno);
        if (!error.empty()) {
            s_.record(phase, PhaseOutcome::failed, socket_failure_reason(sys_errno), error, false, sys_errno);
            co_return false;
        }
        if (s_.interrupted()) co_return s_.fail(phase, FailureReason::interrupted, "interrupted");
        if (t.echo_replies == 0)
            co_return s_.fail(
                phase, FailureReason::ikev2_no_echo_reply,
                "no echo reply from " + opt_.ping + " to " + std::to_string(plan.count) +
                    " request(s) through the tunnel (first answer: " + t.echoes.front().answer + "; ESP " +
                    std::to_string(t.esp_received) + " received, " + std::to_string(t.esp_rejected) + " rejected" +
                    (t.esp_first_rejection.empty() ? "" : ", first: " + t.esp_first_rejection) + ")" + no_nat_note());
        co_return s_.succeed(phase);
    }

    // Without a NAT on the path (and none faked by the server) the server sends its ESP as IP protocol 50, which
    // this probe cannot receive: said with the failure, since then the path was not tested at all.
    std::string no_nat_note() const {
        if (r_.tunnel.esp_received > 0 || r_.ike.nat_detected.value_or(true)) return "";
        return "; no NAT was detected in IKE_SA_INIT, so the server may send ESP as IP protocol 50, which this "
               "probe (ESP in UDP only) cannot receive";
    }

    // The CHILD_SA's two esp_sa lines, after the IKE SA's line, in the same key log (never the password: the
    // lines hold the ESP keys, which is what the key log is for).
    void write_esp_keylog(const protocol::esp::InitiatorTunnel& tunnel) {
        if (opt_.keylog_file.empty()) return;
        std::string lines;
        try {
            lines = tunnel.wireshark_lines(sock4500_->local().address().to_string(),
                                           sock4500_->remote().address().to_string());
        } catch (const std::invalid_argument& e) {
            log("   no esp_sa key log line: " + std::string(e.what()));
            return;
        }
        std::FILE* f = std::fopen(opt_.keylog_file.c_str(), "a");
        if (!f) return;
        std::fputs(lines.c_str(), f);
        std::fclose(f);
        OPENSSL_cleanse(lines.data(), lines.size());
    }

    // The data path's hook: what it needs to derive the CHILD_SA's keys and run ESP (never printed).
    void keep_child_secrets(const ike::Proposal& chosen, const ike::Proposal& offered) {
        if (!sa_.keys) return;
        auto s = std::make_shared<Ikev2ChildSaSecrets>();
        s->prf_id = sa_.keys->prf_id;
        s->sk_d = sa_.keys->sk_d;
        s->ni = sa_.ni;
        s->nr = sa_.nr;
        s->spi_in = offered.spi;
        s->spi_out = chosen.spi;
        if (const auto* e = chosen.first(ike::TransformType::encr)) {
            s->encr_id = e->id;
            s->encr_key_bits = e->key_length.value_or(0);
        }
        if (const auto* i = chosen.first(ike::TransformType::integ)) s->integ_id = i->id;
        s->udp_encapsulated = opt_.nat_t_port != 0;
        s->virtual_ip = r_.tunnel.address;
        r_.child_sa_secrets = std::move(s);
    }

    // When IKE_AUTH moves to another port, a silent IKE_AUTH may mean that port is blocked or that it reaches
    // a server that does not know the IKE SA (a load balancer that splits the ports). The IKE_AUTH wait
    // leaves room for one question that tells them apart: does a fresh IKE_SA_INIT on that port get answered?
    clock::time_point ike_auth_until() const {
        if (!moves_port()) return s_.deadline();
        auto reserve = std::chrono::duration_cast<clock::duration>(
            std::chrono::duration<double>(std::min(1.5, opt_.timeout_seconds * 0.25)));
        return std::max(clock::now(), s_.deadline() - reserve);
    }

    asio::awaitable<void> check_nat_t_port() {
        Ikev2Options o = opt_;
        o.address = r_.address;
        o.port = opt_.nat_t_port;
        o.nat_t_port = 0;
        o.sa_init_non_esp_marker = true;
        o.sa_init_only = true;
        o.trust = trust_;
        o.keylog_file.clear();
        o.timeout_seconds = std::max(0.1, std::chrono::duration<double>(s_.deadline() - clock::now()).count());
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
            s_.fail_local(phase, "the check of UDP " + std::to_string(opt_.nat_t_port) + " could not run: " + p->error);
            co_return;
        }
        r_.ike.nat_t_port_answers_sa_init = scratch.ike.sa_init_answered;
        if (scratch.ike.sa_init_answered) phase.finish(PhaseOutcome::ok);
        else
            s_.record(phase, p ? p->outcome : PhaseOutcome::failed, p ? p->reason : FailureReason::internal,
                      "a fresh IKE_SA_INIT on UDP " + std::to_string(opt_.nat_t_port) + " was not answered either" +
                          (p && !p->error.empty() ? ": " + p->error : ""));
    }

    // ---- INFORMATIONAL Delete ----------------------------------------------------------------------------------

    // Deletes the IKE SA (after IKE_SA_INIT alone, or during EAP), so that the server does not keep a
    // half-open IKE SA for every probe: servers limit those per client address (strongSwan's block_threshold).
    asio::awaitable<void> delete_sa(IkeUdpSocket& sock, std::uint32_t message_id) {
        PhaseTimer phase(r_.phases, "delete");
        s_.enter_polite_end();  // a stop request lets the Delete finish, by the (shortened) deadline
        InformationalExchange step(sa_, r_.ike, message_id, opt_.fragment_size, random_, step_log());
        int unused_retransmissions = 0;
        // A short wait: the delete is a courtesy to the server, not worth the rest of the deadline.
        const clock::duration wait = delete_wait();
        const auto until = std::min(s_.deadline(), clock::now() + wait);
        const double wait_seconds = std::chrono::duration<double>(wait).count();
        log("   waiting up to " + seconds_text(wait_seconds) + " for the answer to the Delete");
        // Retransmitted once within the wait, so that one lost datagram does not leave the IKE SA behind.
        ExchangeEnd end =
            co_await drive(step, sock, until, unused_retransmissions, nullptr, std::max(0.05, wait_seconds / 2));
        if (end.how == ExchangeEnd::How::done) phase.finish(PhaseOutcome::ok);
        else if (end.how == ExchangeEnd::How::failed) fail_step(phase, step.failure());
        else s_.fail_timeout(phase, "no answer to the INFORMATIONAL Delete");
    }

    // The CHILD_SA's Delete (our inbound SPI), before the IKE SA's: what a client that disconnects sends.
    asio::awaitable<void> delete_child_sa(IkeUdpSocket& sock) {
        PhaseTimer phase(r_.phases, "delete_child");
        s_.enter_polite_end();
        InformationalExchange step(sa_, r_.ike, sa_.next_message_id++, opt_.fragment_size, random_, step_log(),
                                   r_.child_sa_secrets->spi_in);
        int unused_retransmissions = 0;
        const clock::duration wait = delete_wait();
        const auto until = std::min(s_.deadline(), clock::now() + wait);
        const double wait_seconds = std::chrono::duration<double>(wait).count();
        ExchangeEnd end =
            co_await drive(step, sock, until, unused_retransmissions, nullptr, std::max(0.05, wait_seconds / 2));
        r_.tunnel.child.deleted = end.how == ExchangeEnd::How::done;
        if (end.how == ExchangeEnd::How::done) phase.finish(PhaseOutcome::ok);
        else if (end.how == ExchangeEnd::How::failed) fail_step(phase, step.failure());
        else s_.fail_timeout(phase, "no answer to the INFORMATIONAL Delete of the CHILD_SA");
    }

    // A few of this probe's own round trips (the longest of its answered exchanges), between the floor and the
    // cap. After a stop request the cap: that Delete is the polite end's, bounded by its own shortened deadline,
    // and the probe's last chance to remove an IKE SA whose IKE_AUTH may never have been answered.
    clock::duration delete_wait() const {
        if (s_.interrupted() || longest_round_trip_ == clock::duration::zero()) return kDeleteWaitCap;
        return std::clamp<clock::duration>(kDeleteWaitRoundTrips * longest_round_trip_, kDeleteWaitFloor,
                                           kDeleteWaitCap);
    }

    asio::any_io_executor ex_;
    const Ikev2Options& opt_;
    Ikev2Result& r_;
    Ikev2Randomness random_;
    asio::ip::address server_;
    std::optional<IkeUdpSocket> sock500_, sock4500_;
    IkeSaState sa_;
    std::shared_ptr<const TrustSource> trust_;  // opt_.trust, or loaded by this probe
    std::optional<std::vector<Bytes>> ca_key_hashes_;  // of the CA file's certificates, for CERTREQ
    std::optional<ike::Proposal> child_chosen_, child_offered_;  // the CHILD_SA of the final IKE_AUTH
    bool ike_auth_sent_ = false;  // our IKE_AUTH request (message 1) went out
    clock::duration longest_round_trip_{};  // of this probe's answered exchanges, for the Delete's wait
    ProbeSession s_;  // last: its stop subscription ends before the sockets its hook cancels go
};

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
    // One load of the CA file for all the offers; one that fails is left to each offer, which says why.
    if (!options.trust && options.ca_file) {
        try {
            options.trust = TrustSource::load(options.ca_file);
        } catch (const std::exception&) {
            // Left unset: each offer's probe then loads the file itself and reports why it cannot (a harness error).
        }
    }
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
            result.phases.push_back(Phase{"weak_audit", PhaseOutcome::failed, 0,
                                          "the audit offer " + w.proposal + " " + w.answer, true, 0,
                                          FailureReason::local});
            break;
        }
    result.weak_audit = std::move(weak);
    co_return result;
}

}  // namespace vpnprobe::probes

namespace vpnprobe::probes {

Ikev2ChildSaSecrets::~Ikev2ChildSaSecrets() {
    if (!sk_d.empty()) OPENSSL_cleanse(sk_d.data(), sk_d.size());
}

}  // namespace vpnprobe::probes
