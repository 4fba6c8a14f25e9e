// The SSTP probe's I/O. Phases, in order: resolve, tcp_connect, tls_handshake, http, call_connect,
// ppp_lcp, disconnect. It runs on a ProbeSession (deadlines, stop, log, failing a phase, resolve) and a
// TlsConnection (tcp_connect, tls_handshake): each phase runs under the session's watchdog, whose deadline is
// the earlier of the phase's own and the whole probe's; when it fires the socket is closed and the phase
// ends as "timeout". Every failure carries its FailureReason; sstp_diagnosis judges by it.
#include "probes/sstp/sstp_probe.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <optional>
#include <stdexcept>

#include "probes/net_errors.hpp"
#include "probes/probe_session.hpp"
#include "probes/sstp/sstp_login_driver.hpp"
#include "probes/tls_connect.hpp"
#include "protocol/sstp/ppp_describe.hpp"
#include "protocol/sstp/ppp_lcp.hpp"
#include "protocol/sstp/sstp.hpp"

namespace vpnprobe::probes {

namespace asio = boost::asio;
namespace proto = vpnprobe::protocol;
using boost::system::error_code;

namespace {

// The fixed URI every SSTP client posts to (MS-SSTP 2.2.2).
constexpr const char* kSstpUri = "/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/";
// An HTTP response header longer than this is not an SSTP server's: stop reading rather than buffer it.
constexpr std::size_t kMaxHttpHeader = 16 * 1024;
// A hostile server could keep LCP negotiating forever; real ones converge in a few rounds.
constexpr int kMaxLcpPackets = 64;
// Packets read while waiting for one answer before we call the server confused.
constexpr int kMaxPacketsPerWait = 256;

std::string random_guid() {
    unsigned char b[16];
    RAND_bytes(b, sizeof b);
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
    char s[40];
    std::snprintf(s, sizeof s, "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}", b[0], b[1],
                  b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    return s;
}

SessionSettings session_settings(const SstpOptions& o) {
    return SessionSettings{o.host, o.port, o.vantage, o.timeout_seconds, o.phase_timeout_seconds,
                           o.log,  o.stop, o.load};
}

// A packet that may be a keep-alive: was it one, and did our answer go out (or was it rightly not answered)?
enum class Keepalive { not_one, answered, ignored, send_failed };

class SstpSession {
public:
    SstpSession(const asio::any_io_executor& ex, const SstpOptions& opt, SstpResult& result)
        : opt_(opt),
          r_(result),
          s_(ex, result, session_settings(opt), SessionIo{[this] { tls_.close(); }, [this] { tls_.cancel(); }}) {}

    asio::awaitable<void> run() {
        r_.sstp.correlation_id = random_guid();
        // Asked to log in: the result says so (its `tunnel`) even when the probe ends before the login starts.
        r_.tunnel.credentials_given = opt_.credentials.has_value();
        // One co_await per statement: GCC 12 miscompiles co_await inside && (see ikev2_probe.cpp).
        auto address = co_await s_.resolve(opt_.address);
        bool ok = address.has_value();
        if (ok) ok = co_await tls_.connect(s_, *address, opt_.port, opt_.tls);
        if (ok) ok = co_await tls_handshake();
        if (ok) ok = co_await http();
        if (ok) ok = co_await call_connect();
        if (ok) ok = co_await ppp_lcp();
        if (ok) ok = co_await login_.run();  // with credentials: ppp_auth, call_connected, ipcp, data_path
        if (ok) co_await disconnect();
        else co_await abort_if_possible();
        if (s_.interrupted()) co_await polite_end();
        s_.disarm_watchdog();
        tls_.close();
        s_.finish();
    }

private:
    // ---- plumbing ---------------------------------------------------------------------------------

    void log(const std::string& line) const { s_.log(line); }

    // The last send or read failed: the phase ends with what it said (or as timeout / interrupted).
    bool fail_io(PhaseTimer& phase) { return s_.fail(phase, io_reason_, io_error_); }

    void io_failed(FailureReason reason, std::string why) {
        io_reason_ = reason;
        io_error_ = std::move(why);
    }

    asio::awaitable<bool> send(const proto::Bytes& bytes, const std::string& description) {
        if (!description.empty()) log("-> " + description);
        if (s_.io_stopped()) co_return false;
        error_code ec = co_await tls_.stream().write(asio::buffer(bytes));
        if (ec) io_failed(io_failure_reason(ec), describe_io_error(ec));
        co_return !ec;
    }

    // Reads whatever the server sends next into rx_. False on error (io_error_ says why).
    asio::awaitable<bool> read_more() {
        std::array<std::uint8_t, 4096> buf;
        if (s_.io_stopped()) co_return false;
        error_code ec;
        std::size_t n = co_await tls_.stream().read_some(asio::buffer(buf), ec);
        if (ec) {
            io_failed(io_failure_reason(ec), describe_io_error(ec));
            co_return false;
        }
        rx_.insert(rx_.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
        co_return true;
    }

    // Next whole SSTP packet from the stream. On failure returns nullopt with io_error_ set.
    asio::awaitable<std::optional<proto::SstpPacket>> read_packet() {
        for (;;) {
            auto length = proto::sstp_packet_length(rx_);
            if (!length) {
                io_failed(FailureReason::malformed,
                          "malformed SSTP packet from the server: " + length.error().to_string());
                co_return std::nullopt;
            }
            if (*length && rx_.size() >= **length) {
                std::size_t n = **length;
                auto packet = proto::decode_sstp_packet(proto::ByteView(rx_.data(), n));
                if (!packet) {
                    io_failed(FailureReason::malformed,
                              "malformed SSTP packet from the server: " + packet.error().to_string() + " (packet: " +
                                  proto::to_hex(proto::ByteView(rx_.data(), std::min<std::size_t>(n, 64))) +
                                  (n > 64 ? "..." : "") + ")");
                    co_return std::nullopt;
                }
                rx_.erase(rx_.begin(), rx_.begin() + static_cast<std::ptrdiff_t>(n));
                log("<- " + proto::describe(*packet) + describe_ppp_inside(*packet));
                co_return std::move(packet).value();
            }
            bool more = co_await read_more();
            if (!more) {
                // Say what was cut off: a lying length field shows only as a packet that never completes.
                if (!rx_.empty()) {
                    std::string partial = "truncated SSTP packet: " + std::to_string(rx_.size()) + " byte(s) of " +
                                          (*length ? std::to_string(**length) : std::string("a 4-byte header")) +
                                          " received";
                    io_error_ += " (" + partial + ")";
                    s_.waiting_for_more(" (" + partial + ")");
                }
                co_return std::nullopt;
            }
        }
    }

    static std::string describe_ppp_inside(const proto::SstpPacket& p) {
        if (const auto* d = p.data()) return ": " + proto::describe_ppp_login_frame(d->ppp_frame);
        return "";
    }

    asio::awaitable<bool> send_sstp_data(const proto::Bytes& ppp_frame) {
        const std::string description = "SSTP data: " + proto::describe_ppp_login_frame(ppp_frame);
        bool sent = co_await send(proto::encode_sstp_data(ppp_frame), description);
        co_return sent;
    }

    // Keep-alives: SSTP ECHO_REQUEST is answered whatever phase we are in; LCP Echo-Request only once LCP is
    // Opened, as RFC 1661 5.8 asks (silently discarded in any other state). SoftEther sends one before it has
    // acknowledged our Configure-Request; answered with our Magic-Number (which it then rejected) it held its
    // Configure-Ack back ~330 ms in 12 of 14 such probes, answered with magic 0 in 14 of 29, unanswered in 6
    // of 30 (bench/README.md).
    asio::awaitable<Keepalive> answer_keepalive(const proto::SstpPacket& p) {
        if (const auto* c = p.control(); c && c->type == proto::SstpMessageType::echo_request) {
            bool sent = co_await send(proto::encode_echo_response(), "SSTP_MSG_ECHO_RESPONSE");
            ++r_.sstp.sstp_echo_requests_answered;
            co_return sent ? Keepalive::answered : Keepalive::send_failed;
        }
        if (const auto* d = p.data()) {
            auto lcp = proto::decode_lcp_frame(d->ppp_frame);
            if (lcp && lcp->code == proto::LcpCode::echo_request) {
                if (!r_.sstp.lcp_opened) {
                    log("   LCP Echo-Request before LCP is Opened: not answered (RFC 1661 5.8)");
                    co_return Keepalive::ignored;
                }
                bool sent = co_await send_sstp_data(proto::encode_lcp_echo_reply(lcp->identifier, magic_, lcp->data));
                ++r_.sstp.lcp_echo_requests_answered;
                co_return sent ? Keepalive::answered : Keepalive::send_failed;
            }
        }
        co_return Keepalive::not_one;
    }

    // ---- phases -----------------------------------------------------------------------------------

    asio::awaitable<bool> tls_handshake() {
        auto facts = co_await tls_.handshake(s_, opt_.tls);
        if (!facts) co_return false;
        r_.tls = std::move(*facts);
        co_return true;
    }

    // ---- phases -----------------------------------------------------------------------------------

    asio::awaitable<bool> http() {
        PhaseTimer phase(r_.phases, "http");
        std::string host_header = opt_.tls.sni.empty() ? opt_.host : opt_.tls.sni;
        if (host_header.find(':') != std::string::npos) host_header = "[" + host_header + "]";
        std::string request = std::string("SSTP_DUPLEX_POST ") + kSstpUri + " HTTP/1.1\r\n" + "Host: " + host_header +
                              "\r\n" + "SSTPCORRELATIONID: " + r_.sstp.correlation_id + "\r\n" +
                              "Content-Length: 18446744073709551615\r\n\r\n";
        s_.arm_watchdog();
        for (std::size_t start = 0, end; (end = request.find("\r\n", start)) != start; start = end + 2)
            log("-> HTTP " + request.substr(start, end - start));
        s_.waiting_for("sending the HTTP request");
        if (!co_await send(proto::Bytes(request.begin(), request.end()), "")) co_return fail_io(phase);
        s_.waiting_for("the HTTP response to SSTP_DUPLEX_POST");
        std::size_t header_end;
        static const std::string terminator = "\r\n\r\n";
        for (;;) {
            auto it = std::search(rx_.begin(), rx_.end(), terminator.begin(), terminator.end());
            if (it != rx_.end()) {
                header_end = static_cast<std::size_t>(it - rx_.begin()) + terminator.size();
                break;
            }
            if (rx_.size() > kMaxHttpHeader)
                co_return s_.fail(phase, FailureReason::sstp_header_too_long,
                                  "HTTP response header longer than " + std::to_string(kMaxHttpHeader) +
                                      " bytes: not an SSTP server");
            if (!co_await read_more()) {
                if (!rx_.empty() && !s_.expired()) {
                    co_return s_.fail(phase, io_reason_,
                                      io_error_ + " after a partial HTTP response: " +
                                          printable(std::string(rx_.begin(), rx_.end())));
                }
                co_return fail_io(phase);
            }
        }
        std::string header(rx_.begin(), rx_.begin() + static_cast<std::ptrdiff_t>(header_end));
        rx_.erase(rx_.begin(), rx_.begin() + static_cast<std::ptrdiff_t>(header_end));
        parse_http_header(header);
        if (r_.sstp.http_status != 200)
            co_return s_.fail(phase, FailureReason::sstp_not_sstp,
                              r_.sstp.http_status ? "server answered '" + r_.sstp.http_status_line + "' instead of 200"
                                                  : "not an HTTP response: " + printable(r_.sstp.http_status_line));
        co_return s_.succeed(phase);
    }

    static std::string printable(const std::string& s) {
        std::string out;
        for (char c : s.substr(0, 120)) out += (c >= 0x20 && c < 0x7f) ? c : '.';
        return out + (s.size() > 120 ? "..." : "");
    }

    // The status line is parsed by hand: Windows servers send "HTTP/1.1 200" with no reason phrase and a
    // Content-Length of 2^64-1, both of which general-purpose HTTP parsers refuse.
    void parse_http_header(const std::string& header) {
        std::size_t start = 0;
        bool first = true;
        while (start < header.size()) {
            std::size_t end = header.find("\r\n", start);
            if (end == std::string::npos || end == start) break;
            std::string line = header.substr(start, end - start);
            start = end + 2;
            log("<- HTTP " + printable(line));
            if (first) {
                first = false;
                r_.sstp.http_status_line = line;
                if (line.starts_with("HTTP/1.") && line.size() >= 12 && line[8] == ' ') {
                    int code = 0;
                    bool digits = true;
                    for (int i = 9; i < 12; ++i) {
                        if (line[i] < '0' || line[i] > '9') digits = false;
                        else code = code * 10 + (line[i] - '0');
                    }
                    if (digits && (line.size() == 12 || line[12] == ' ')) r_.sstp.http_status = code;
                }
                continue;
            }
            auto colon = line.find(':');
            if (colon == std::string::npos) continue;
            std::string name = line.substr(0, colon);
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            std::string value = line.substr(colon + 1);
            while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
            if (name == "server") r_.sstp.server_header = value;
        }
    }

    asio::awaitable<bool> call_connect() {
        PhaseTimer phase(r_.phases, "call_connect");
        s_.arm_watchdog();
        s_.waiting_for("sending SSTP_MSG_CALL_CONNECT_REQUEST");
        if (!co_await send(proto::encode_call_connect_request(), "SSTP_MSG_CALL_CONNECT_REQUEST protocol=PPP"))
            co_return fail_io(phase);
        s_.waiting_for("SSTP_MSG_CALL_CONNECT_ACK or NAK");
        for (int i = 0; i < kMaxPacketsPerWait; ++i) {
            auto p = co_await read_packet();
            if (!p) co_return fail_io(phase);
            Keepalive keepalive = co_await answer_keepalive(*p);
            if (keepalive == Keepalive::send_failed) co_return fail_io(phase);
            if (keepalive != Keepalive::not_one) continue;  // answered, or rightly not
            const auto* c = p->control();
            if (!c) continue;  // PPP before the ACK is out of order; keep waiting for the answer
            using T = proto::SstpMessageType;
            if (c->type == T::call_connect_ack) {
                r_.sstp.connect_acked = true;
                if (const auto* req = c->find<proto::SstpCryptoBindingRequest>()) {
                    r_.sstp.hash_bitmask = req->hash_protocol_bitmask;
                    r_.sstp.hash_protocols = proto::sstp_hash_protocol_names(req->hash_protocol_bitmask);
                    r_.sstp.nonce_hex = proto::to_hex(req->nonce);
                }
                co_return s_.succeed(phase);
            }
            if (c->type == T::call_connect_nak) {
                r_.sstp.connect_naked = true;
                const auto* st = c->find<proto::SstpStatusInfo>();
                r_.sstp.nak_status = st ? proto::describe(*st) : "no Status Info attribute";
                co_return s_.fail(phase, FailureReason::sstp_call_refused,
                                  "server refused the call: SSTP_MSG_CALL_CONNECT_NAK " + r_.sstp.nak_status);
            }
            if (c->type == T::call_abort || c->type == T::call_disconnect)
                co_return s_.fail(phase, FailureReason::sstp_call_ended,
                                  "server ended the call with " + proto::describe(*p));
        }
        co_return s_.fail(phase, FailureReason::sstp_no_answer_among_packets,
                          "no CALL_CONNECT_ACK among " + std::to_string(kMaxPacketsPerWait) + " packets");
    }

    // LCP until both directions are acknowledged (RFC 1661 Opened). We offer MRU and Magic-Number as
    // Windows does; options the server rejects are dropped and ones it naks take its value.
    asio::awaitable<bool> ppp_lcp() {
        PhaseTimer phase(r_.phases, "ppp_lcp");
        s_.arm_watchdog();
        RAND_bytes(reinterpret_cast<unsigned char*>(&magic_), sizeof magic_);
        if (magic_ == 0) magic_ = 1;
        std::vector<proto::LcpOption> ours{proto::LcpMru{1400}, proto::LcpMagicNumber{magic_}};
        std::uint8_t our_id = 1;
        bool our_acked = false, their_acked = false;
        s_.waiting_for("sending LCP Configure-Request");
        if (!co_await send_sstp_data(proto::encode_lcp_configure_request(our_id, ours))) co_return fail_io(phase);
        s_.waiting_for("LCP negotiation with the server");
        for (int i = 0; i < kMaxLcpPackets && !(our_acked && their_acked); ++i) {
            auto p = co_await read_packet();
            if (!p) co_return fail_io(phase);
            Keepalive keepalive = co_await answer_keepalive(*p);
            if (keepalive == Keepalive::send_failed) co_return fail_io(phase);
            if (keepalive != Keepalive::not_one) continue;  // answered, or rightly not
            if (const auto* c = p->control()) {
                if (c->type == proto::SstpMessageType::call_abort || c->type == proto::SstpMessageType::call_disconnect)
                    co_return s_.fail(phase, FailureReason::sstp_call_ended,
                                      "server ended the call during LCP with " + proto::describe(*p));
                continue;
            }
            auto frame = proto::decode_ppp_frame(p->data()->ppp_frame);
            if (!frame)
                co_return s_.fail(phase, FailureReason::malformed,
                                  "malformed PPP frame from the server: " + frame.error().to_string());
            if (frame->protocol != proto::ppp_protocol_lcp) continue;  // e.g. an early EAP request
            auto lcp = proto::decode_lcp_frame(p->data()->ppp_frame);
            if (!lcp)
                co_return s_.fail(phase, FailureReason::malformed,
                                  "malformed LCP packet from the server: " + lcp.error().to_string());
            using C = proto::LcpCode;
            switch (lcp->code) {
            case C::configure_request: {
                r_.sstp.server_lcp_options.clear();
                for (const auto& o : lcp->options) {
                    r_.sstp.server_lcp_options.push_back(proto::describe(o));
                    if (const auto* auth = std::get_if<proto::LcpAuthProtocol>(&o))
                        r_.sstp.auth_protocol = proto::lcp_auth_protocol_name(*auth);
                }
                if (auto nak = login_.answer_lcp_request(lcp->options)) {  // an auth protocol we may not use
                    if (!co_await send_sstp_data(proto::encode_lcp_configure_nak(lcp->identifier, *nak)))
                        co_return fail_io(phase);
                    break;
                }
                if (!co_await send_sstp_data(proto::encode_lcp_configure_ack(lcp->identifier, lcp->options)))
                    co_return fail_io(phase);
                their_acked = true;
                break;
            }
            case C::configure_ack:
                if (lcp->identifier == our_id) our_acked = true;
                break;
            case C::configure_nak:
            case C::configure_reject: {
                if (lcp->identifier != our_id) break;
                bool reject = lcp->code == C::configure_reject;
                for (const auto& o : lcp->options) {
                    auto type = proto::lcp_option_type(o);
                    auto it = std::find_if(ours.begin(), ours.end(), [&](const proto::LcpOption& x) {
                        return proto::lcp_option_type(x) == type;
                    });
                    if (reject) {
                        r_.sstp.rejected_lcp_options.push_back(proto::describe(o));
                        if (it != ours.end()) ours.erase(it);
                    } else if (it != ours.end()) {
                        *it = o;  // take the server's suggested value
                    }
                }
                // Echo-Replies carry the Magic-Number being negotiated: the server's value after a Nak, zero
                // once it is rejected (RFC 1661 5.8, 6.4).
                magic_ = 0;
                for (const auto& x : ours)
                    if (const auto* m = std::get_if<proto::LcpMagicNumber>(&x)) magic_ = m->magic;
                ++our_id;
                if (!co_await send_sstp_data(proto::encode_lcp_configure_request(our_id, ours)))
                    co_return fail_io(phase);
                break;
            }
            case C::terminate_request:
                (void)co_await send_sstp_data(proto::encode_lcp_terminate_ack(lcp->identifier));
                co_return s_.fail(phase, FailureReason::sstp_lcp_terminated,
                                  "server terminated LCP (Terminate-Request)");
            default:
                break;
            }
        }
        r_.sstp.lcp_opened = our_acked && their_acked;
        if (!r_.sstp.lcp_opened)
            co_return s_.fail(phase, FailureReason::sstp_lcp_not_opened,
                              "LCP did not open within " + std::to_string(kMaxLcpPackets) + " packets");
        co_return s_.succeed(phase);
    }

    // Without credentials the call cannot be completed (CALL_CONNECTED needs keys from PPP
    // authentication), so the probe ends here the way a client that gives up politely does.
    asio::awaitable<void> disconnect() {
        PhaseTimer phase(r_.phases, "disconnect");
        if (s_.io_stopped()) {
            s_.fail(phase, FailureReason::interrupted, "interrupted");
            co_return;
        }
        s_.enter_polite_end();  // already the polite end: a stop request lets it finish (by the deadline)
        call_disconnect_sent_ = true;
        s_.arm_watchdog();
        s_.waiting_for("sending SSTP_MSG_CALL_DISCONNECT");
        proto::SstpStatusInfo status{};
        if (!co_await send(proto::encode_call_disconnect(status), "SSTP_MSG_CALL_DISCONNECT")) {
            fail_io(phase);
            co_return;
        }
        s_.waiting_for("SSTP_MSG_CALL_DISCONNECT_ACK");
        for (int i = 0; i < kMaxPacketsPerWait; ++i) {
            auto p = co_await read_packet();
            if (!p) {
                fail_io(phase);
                co_return;
            }
            Keepalive keepalive = co_await answer_keepalive(*p);
            if (keepalive == Keepalive::send_failed) {
                fail_io(phase);
                co_return;
            }
            if (keepalive != Keepalive::not_one) continue;  // answered, or rightly not
            if (const auto* c = p->control(); c && c->type == proto::SstpMessageType::call_disconnect_ack) {
                r_.sstp.close = "CALL_DISCONNECT acknowledged (SSTP_MSG_CALL_DISCONNECT_ACK)";
                co_await tls_.close_notify(s_);
                phase.finish(PhaseOutcome::ok);
                co_return;
            }
        }
        s_.fail(phase, FailureReason::sstp_no_answer_among_packets,
                "no CALL_DISCONNECT_ACK among " + std::to_string(kMaxPacketsPerWait) + " packets");
    }

    // A phase failed with the TLS session still up: tell the server, as MS-SSTP asks, without waiting.
    asio::awaitable<void> abort_if_possible() {
        if (s_.interrupted()) co_return;  // polite_end() says goodbye
        if (!r_.tls || s_.expired() || !tls_.is_open()) co_return;
        // Before the HTTP 200 there is no SSTP session: a plain HTTPS server would get binary junk.
        if (r_.phases.empty() || r_.phases.back().name == "tls_handshake" || r_.phases.back().name == "http") co_return;
        s_.arm_watchdog();
        proto::SstpStatusInfo status{};
        status.status = static_cast<std::uint32_t>(proto::SstpStatus::negotiation_timeout);
        if (co_await send(proto::encode_call_abort(status), "SSTP_MSG_CALL_ABORT"))
            r_.sstp.close = "CALL_ABORT sent after the failure";
    }

    // Asked to stop: end the way a client that gives up does, within the shortened deadline. CALL_ABORT
    // where the SSTP session is up (after the HTTP 200), close_notify wherever the TLS session is up.
    asio::awaitable<void> polite_end() {
        const bool tls_up = r_.tls.has_value();
        s_.enter_polite_end();
        if (!tls_up || tls_.close_notify_sent() || !tls_.is_open() || s_.expired()) co_return;
        const Phase* http = r_.phase("http");
        if (http && http->outcome == PhaseOutcome::ok && !call_disconnect_sent_) {
            s_.arm_watchdog();
            proto::SstpStatusInfo status{};
            status.status = static_cast<std::uint32_t>(proto::SstpStatus::negotiation_timeout);
            if (co_await send(proto::encode_call_abort(status), "SSTP_MSG_CALL_ABORT (interrupted)"))
                r_.sstp.close = "CALL_ABORT sent (interrupted by " + s_.stop_reason() + ")";
        }
        if (s_.expired()) co_return;
        // Here (unlike after a CALL_DISCONNECT_ACK) the server may still be busy with the call: waiting briefly
        // for its answer lets it close first, so that it ends the connection as its own (SoftEther does).
        co_await tls_.close_notify(s_, TlsConnection::PeerClose::wait);
        if (r_.sstp.close.empty()) r_.sstp.close = "TLS close_notify sent (interrupted by " + s_.stop_reason() + ")";
    }

    const SstpOptions& opt_;
    SstpResult& r_;
    TlsConnection tls_;  // before the session, whose I/O hooks close and cancel it
    ProbeSession s_;
    proto::Bytes rx_;
    FailureReason io_reason_ = FailureReason::none;  // why the last send or read failed
    std::string io_error_;  // ... in words
    std::uint32_t magic_ = 0;
    bool call_disconnect_sent_ = false;
    SstpLoginDriver<SstpSession> login_{*this};  // the phases past LCP (sstp_login_driver.hpp)
    template <class>
    friend class vpnprobe::probes::SstpLoginDriver;
};

}  // namespace

asio::awaitable<SstpResult> sstp_probe(SstpOptions options) {
    if (options.host.empty()) throw std::invalid_argument("sstp probe: empty host");
    if (options.port == 0) throw std::invalid_argument("sstp probe: port 0");
    auto ex = co_await asio::this_coro::executor;
    SstpResult result;
    SstpSession session(ex, options, result);
    co_await session.run();
    co_return result;
}

std::vector<std::string> sstp_target_addresses(const SstpOptions& options, bool all_addresses) {
    if (!options.address.empty()) return {options.address};
    auto addresses = resolve_in_vantage(options.vantage, options.host);
    if (!all_addresses) addresses.resize(1);
    return addresses;
}

}  // namespace vpnprobe::probes
