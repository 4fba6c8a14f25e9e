// The SSTP probe's I/O. Phases, in order: resolve, tcp_connect, tls_handshake, http, call_connect,
// ppp_lcp, disconnect. Each phase runs under a watchdog whose deadline is the earlier of the phase's own
// and the whole probe's; when it fires the socket is closed and the phase ends as "timeout".
#include "probes/sstp/sstp_probe.hpp"

#include <openssl/rand.h>

#include <unistd.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <optional>
#include <stdexcept>

#include "probes/async_resolve.hpp"
#include "probes/local_checks.hpp"
#include "probes/net_errors.hpp"
#include "probes/tls_client.hpp"
#include "probes/watchdog.hpp"
#include "protocol/sstp/ppp_lcp.hpp"
#include "protocol/sstp/sstp.hpp"

namespace vpnprobe::probes {

namespace asio = boost::asio;
namespace proto = vpnprobe::protocol;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;
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

std::string seconds_text(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g s", s);
    return buf;
}

// What went wrong with an I/O call, in words an operator understands.
std::string describe_io_error(const error_code& ec) {
    if (ec == asio::error::eof) return "server closed the connection";
    if (ec == asio::error::connection_reset) return "connection reset by the server (TCP RST)";
    if (ec == asio::error::connection_refused) return "connection refused (TCP RST: nothing listens on the port)";
    if (ec == asio::ssl::error::stream_truncated) return "server closed the TLS connection without close_notify";
    if (ec.category() == asio::error::get_ssl_category()) {
        std::string reason = ec.message();
        std::string queued = drain_openssl_errors();
        return "TLS error: " + reason + (queued.empty() ? "" : " (" + queued + ")");
    }
    return describe_error_code(ec);
}

class SstpSession {
public:
    SstpSession(const asio::any_io_executor& ex, const SstpOptions& opt, SstpResult& result)
        : ex_(ex), opt_(opt), r_(result), watchdog_(ex), stop_(opt.stop, [this] { on_stop(); }) {
        start_ = clock::now();
        double whole = opt_.timeout_seconds > 0 ? opt_.timeout_seconds : 10;
        deadline_ = start_ + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(whole));
        phase_seconds_ = opt_.phase_timeout_seconds > 0 ? opt_.phase_timeout_seconds : whole;
        if (opt_.stop && opt_.stop->requested()) on_stop();
    }

    asio::awaitable<void> run() {
        r_.host = opt_.host;
        r_.port = opt_.port;
        r_.vantage = opt_.vantage.label();
        r_.sstp.correlation_id = random_guid();
        // One co_await per statement: GCC 12 miscompiles co_await inside && (see ikev2_probe.cpp).
        bool ok = co_await resolve();
        if (ok) ok = co_await connect();
        if (ok) ok = co_await tls_handshake();
        if (ok) ok = co_await http();
        if (ok) ok = co_await call_connect();
        if (ok) ok = co_await ppp_lcp();
        if (ok) co_await disconnect();
        else co_await abort_if_possible();
        if (interrupted_) co_await polite_end();
        watchdog_.disarm();
        close_socket();
        r_.total_seconds = std::chrono::duration<double>(clock::now() - start_).count();
    }

private:
    // ---- plumbing ---------------------------------------------------------------------------------

    // Verbose lines carry the time since the probe started, so a stall shows as a gap.
    void log(const std::string& line) const {
        if (!opt_.log) return;
        char stamp[32];
        std::snprintf(stamp, sizeof stamp, "[%9.3f ms] ",
                      std::chrono::duration<double, std::milli>(clock::now() - start_).count());
        opt_.log(stamp + line);
    }

    clock::time_point phase_deadline() const {
        auto own =
            clock::now() + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(phase_seconds_));
        return std::min(own, deadline_);
    }

    void arm_watchdog() {
        watchdog_.arm(phase_deadline(), [this] { close_socket(); });
    }

    void close_socket() {
        error_code ignored;
        if (stream_) stream_->lowest_layer().close(ignored);
    }

    bool expired() const { return watchdog_.fired() || clock::now() >= deadline_; }

    // Asked to stop (SIGINT, SIGTERM): the I/O in flight is cancelled (not the socket closed, so the TLS
    // session stays usable for CALL_ABORT and close_notify), no new I/O starts, and the whole probe gets
    // kPoliteEndSeconds more at most. A stop during our own disconnect lets it finish.
    void on_stop() {
        interrupted_ = true;
        auto polite = clock::now() +
                      std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(kPoliteEndSeconds));
        deadline_ = std::min(deadline_, polite);
        if (in_polite_end_) return;
        stop_io_ = true;
        error_code ignored;
        if (stream_) stream_->lowest_layer().cancel(ignored);
    }

    // Ends the current phase as failed, or as timeout when the watchdog ended it, or as interrupted.
    bool fail(PhaseTimer& phase, const std::string& why) {
        if (interrupted_ && !in_polite_end_) {
            phase.finish(PhaseOutcome::interrupted,
                         "interrupted (" + opt_.stop->reason() + ") while waiting: " + waiting_for_);
        } else if (expired()) {
            bool whole = clock::now() >= deadline_;
            phase.finish(PhaseOutcome::timeout,
                         "no answer within " + seconds_text(whole ? opt_.timeout_seconds : phase_seconds_) +
                             (whole ? " (probe deadline)" : " (phase deadline)") + " while waiting: " + waiting_for_);
        } else {
            phase.finish(PhaseOutcome::failed, why);
        }
        return false;
    }

    bool fail_local(PhaseTimer& phase, const std::string& why, int sys_errno = 0) {
        Phase& p = phase.finish(PhaseOutcome::failed, why);
        p.local = true;
        p.sys_errno = sys_errno;
        return false;
    }

    asio::awaitable<bool> send(const proto::Bytes& bytes, const std::string& description) {
        if (!description.empty()) log("-> " + description);
        if (stop_io_) co_return false;
        error_code ec;
        co_await asio::async_write(*stream_, asio::buffer(bytes), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) io_error_ = describe_io_error(ec);
        co_return !ec;
    }

    // Reads whatever the server sends next into rx_. False on error (io_error_ says why).
    asio::awaitable<bool> read_more() {
        std::array<std::uint8_t, 4096> buf;
        if (stop_io_) co_return false;
        error_code ec;
        std::size_t n =
            co_await stream_->async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            io_error_ = describe_io_error(ec);
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
                io_error_ = "malformed SSTP packet from the server: " + length.error().to_string();
                co_return std::nullopt;
            }
            if (*length && rx_.size() >= **length) {
                std::size_t n = **length;
                auto packet = proto::decode_sstp_packet(proto::ByteView(rx_.data(), n));
                if (!packet) {
                    io_error_ = "malformed SSTP packet from the server: " + packet.error().to_string() + " (packet: " +
                                proto::to_hex(proto::ByteView(rx_.data(), std::min<std::size_t>(n, 64))) +
                                (n > 64 ? "..." : "") + ")";
                    co_return std::nullopt;
                }
                rx_.erase(rx_.begin(), rx_.begin() + static_cast<std::ptrdiff_t>(n));
                log("<- " + proto::describe(*packet) + describe_ppp_inside(*packet));
                co_return std::move(packet).value();
            }
            if (!co_await read_more()) {
                // Say what was cut off: a lying length field shows only as a packet that never completes.
                if (!rx_.empty()) {
                    std::string partial = "truncated SSTP packet: " + std::to_string(rx_.size()) + " byte(s) of " +
                                          (*length ? std::to_string(**length) : std::string("a 4-byte header")) +
                                          " received";
                    io_error_ += " (" + partial + ")";
                    waiting_for_ += " (" + partial + ")";
                }
                co_return std::nullopt;
            }
        }
    }

    static std::string describe_ppp_inside(const proto::SstpPacket& p) {
        if (const auto* d = p.data()) return ": " + proto::describe_ppp_frame(d->ppp_frame);
        return "";
    }

    asio::awaitable<bool> send_sstp_data(const proto::Bytes& ppp_frame) {
        co_return co_await send(proto::encode_sstp_data(ppp_frame),
                                "SSTP data: " + proto::describe_ppp_frame(ppp_frame));
    }

    // Keep-alives are answered whatever phase we are in: SSTP ECHO_REQUEST and LCP Echo-Request.
    // Returns true when the packet was one of those (and was answered).
    asio::awaitable<bool> answer_keepalive(const proto::SstpPacket& p, bool& send_failed) {
        send_failed = false;
        if (const auto* c = p.control(); c && c->type == proto::SstpMessageType::echo_request) {
            send_failed = !co_await send(proto::encode_echo_response(), "SSTP_MSG_ECHO_RESPONSE");
            ++r_.sstp.sstp_echo_requests_answered;
            co_return true;
        }
        if (const auto* d = p.data()) {
            auto lcp = proto::decode_lcp_frame(d->ppp_frame);
            if (lcp && lcp->code == proto::LcpCode::echo_request) {
                send_failed =
                    !co_await send_sstp_data(proto::encode_lcp_echo_reply(lcp->identifier, magic_, lcp->data));
                ++r_.sstp.lcp_echo_requests_answered;
                co_return true;
            }
        }
        co_return false;
    }

    // ---- phases -----------------------------------------------------------------------------------

    asio::awaitable<bool> resolve() {
        PhaseTimer phase(r_.phases, "resolve");
        if (!opt_.address.empty()) {
            address_ = opt_.address;
        } else {
            waiting_for_ = "the resolver";
            auto out = co_await resolve_with_deadline(opt_.vantage, opt_.host, phase_deadline(), opt_.stop);
            if (interrupted_) co_return fail(phase, "interrupted");
            if (!out.error.empty()) {
                phase.finish(out.timed_out ? PhaseOutcome::timeout : PhaseOutcome::failed, out.error).local = out.local;
                co_return false;
            }
            address_ = out.addresses.front();
        }
        r_.address = address_;
        phase.finish(PhaseOutcome::ok);
        co_return true;
    }

    asio::awaitable<bool> connect() {
        PhaseTimer phase(r_.phases, "tcp_connect");
        error_code ec;
        auto addr = asio::ip::make_address(address_, ec);
        if (ec) co_return fail(phase, "not an IP address: " + address_);
        tcp::endpoint ep(addr, opt_.port);
        // A CA bundle that cannot be read is the harness's problem: found before anything is sent, and
        // reported as such (it would otherwise surface only after the handshake, as a failed phase).
        if (opt_.tls.ca_file)
            if (auto problem = certificate_file_problem(*opt_.tls.ca_file))
                co_return fail_local(phase, "the CA file cannot be used: " + *problem);
        try {
            ctx_ = make_probe_tls_context(opt_.tls);
        } catch (const std::exception& e) {
            co_return fail_local(phase, "cannot set up TLS: " + describe_exception(e));
        }
        // Even the socket object can fail here (its reactor needs an epoll descriptor): all of it is local.
        std::optional<tcp::socket> sock;
        try {
            sock.emplace(ex_);
            int fd = open_vantage_socket(opt_.vantage, addr.is_v6() ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
            error_code assigned;
            sock->assign(ep.protocol(), fd, assigned);
            if (assigned) {
                ::close(fd);
                throw boost::system::system_error(assigned);
            }
            if (!opt_.vantage.source.empty()) sock->bind(tcp::endpoint(asio::ip::make_address(opt_.vantage.source), 0));
        } catch (const std::exception& e) {
            co_return fail_local(phase, "cannot open the socket at the vantage point: " + describe_exception(e),
                                 errno_of(e));
        }
        stream_.emplace(std::move(*sock), *ctx_);
        log("-> TCP SYN to " + host_port_text(address_, opt_.port) + " from " + r_.vantage);
        waiting_for_ = "TCP connection to " + host_port_text(address_, opt_.port);
        if (stop_io_) co_return fail(phase, "interrupted");
        arm_watchdog();
        co_await stream_->lowest_layer().async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            fail(phase, describe_io_error(ec));
            if (!expired()) r_.phases.back().sys_errno = errno_of(ec);
            co_return false;
        }
        phase.finish(PhaseOutcome::ok);
        co_return true;
    }

    asio::awaitable<bool> tls_handshake() {
        PhaseTimer phase(r_.phases, "tls_handshake");
        try {
            set_sni(*stream_, opt_.tls.sni);
        } catch (const std::exception& e) {
            co_return fail(phase, describe_exception(e));
        }
        waiting_for_ = "the server's TLS handshake messages";
        if (stop_io_) co_return fail(phase, "interrupted");
        arm_watchdog();
        log("-> TLS ClientHello" +
            (opt_.tls.sni.empty() || is_ip_literal(opt_.tls.sni) ? std::string(" (no SNI)") : " SNI " + opt_.tls.sni));
        error_code ec;
        co_await stream_->async_handshake(asio::ssl::stream_base::client,
                                          asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return fail(phase, describe_io_error(ec));
        try {
            r_.tls = collect_tls_facts(stream_->native_handle(), opt_.tls, std::time(nullptr));
        } catch (const std::exception& e) {
            // A CA bundle that cannot be read is the operator's mistake, not the server's: say so.
            co_return fail_local(phase,
                                 "TLS established, but the certificate could not be checked: " + describe_exception(e));
        }
        log("<- TLS established: " + r_.tls->version + " " + r_.tls->cipher +
            (r_.tls->chain.empty() ? "" : ", certificate " + r_.tls->chain.front().subject));
        phase.finish(PhaseOutcome::ok);
        co_return true;
    }

    asio::awaitable<bool> http() {
        PhaseTimer phase(r_.phases, "http");
        std::string host_header = opt_.tls.sni.empty() ? opt_.host : opt_.tls.sni;
        if (host_header.find(':') != std::string::npos) host_header = "[" + host_header + "]";
        std::string request = std::string("SSTP_DUPLEX_POST ") + kSstpUri + " HTTP/1.1\r\n" + "Host: " + host_header +
                              "\r\n" + "SSTPCORRELATIONID: " + r_.sstp.correlation_id + "\r\n" +
                              "Content-Length: 18446744073709551615\r\n\r\n";
        arm_watchdog();
        for (std::size_t start = 0, end; (end = request.find("\r\n", start)) != start; start = end + 2)
            log("-> HTTP " + request.substr(start, end - start));
        waiting_for_ = "sending the HTTP request";
        if (!co_await send(proto::Bytes(request.begin(), request.end()), "")) co_return fail(phase, io_error_);
        waiting_for_ = "the HTTP response to SSTP_DUPLEX_POST";
        std::size_t header_end;
        static const std::string terminator = "\r\n\r\n";
        for (;;) {
            auto it = std::search(rx_.begin(), rx_.end(), terminator.begin(), terminator.end());
            if (it != rx_.end()) {
                header_end = static_cast<std::size_t>(it - rx_.begin()) + terminator.size();
                break;
            }
            if (rx_.size() > kMaxHttpHeader)
                co_return fail(phase, "HTTP response header longer than " + std::to_string(kMaxHttpHeader) +
                                          " bytes: not an SSTP server");
            if (!co_await read_more()) {
                if (!rx_.empty() && !expired()) {
                    co_return fail(phase, io_error_ + " after a partial HTTP response: " +
                                              printable(std::string(rx_.begin(), rx_.end())));
                }
                co_return fail(phase, io_error_);
            }
        }
        std::string header(rx_.begin(), rx_.begin() + static_cast<std::ptrdiff_t>(header_end));
        rx_.erase(rx_.begin(), rx_.begin() + static_cast<std::ptrdiff_t>(header_end));
        parse_http_header(header);
        if (r_.sstp.http_status != 200)
            co_return fail(phase, r_.sstp.http_status
                                      ? "server answered '" + r_.sstp.http_status_line + "' instead of 200"
                                      : "not an HTTP response: " + printable(r_.sstp.http_status_line));
        phase.finish(PhaseOutcome::ok);
        co_return true;
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
        arm_watchdog();
        waiting_for_ = "sending SSTP_MSG_CALL_CONNECT_REQUEST";
        if (!co_await send(proto::encode_call_connect_request(), "SSTP_MSG_CALL_CONNECT_REQUEST protocol=PPP"))
            co_return fail(phase, io_error_);
        waiting_for_ = "SSTP_MSG_CALL_CONNECT_ACK or NAK";
        for (int i = 0; i < kMaxPacketsPerWait; ++i) {
            auto p = co_await read_packet();
            if (!p) co_return fail(phase, io_error_);
            bool send_failed = false;
            if (co_await answer_keepalive(*p, send_failed)) {
                if (send_failed) co_return fail(phase, io_error_);
                continue;
            }
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
                phase.finish(PhaseOutcome::ok);
                co_return true;
            }
            if (c->type == T::call_connect_nak) {
                r_.sstp.connect_naked = true;
                const auto* st = c->find<proto::SstpStatusInfo>();
                r_.sstp.nak_status = st ? proto::describe(*st) : "no Status Info attribute";
                co_return fail(phase, "server refused the call: SSTP_MSG_CALL_CONNECT_NAK " + r_.sstp.nak_status);
            }
            if (c->type == T::call_abort || c->type == T::call_disconnect)
                co_return fail(phase, "server ended the call with " + proto::describe(*p));
        }
        co_return fail(phase, "no CALL_CONNECT_ACK among " + std::to_string(kMaxPacketsPerWait) + " packets");
    }

    // LCP until both directions are acknowledged (RFC 1661 Opened). We offer MRU and Magic-Number as
    // Windows does; options the server rejects are dropped and ones it naks take its value.
    asio::awaitable<bool> ppp_lcp() {
        PhaseTimer phase(r_.phases, "ppp_lcp");
        arm_watchdog();
        RAND_bytes(reinterpret_cast<unsigned char*>(&magic_), sizeof magic_);
        if (magic_ == 0) magic_ = 1;
        std::vector<proto::LcpOption> ours{proto::LcpMru{1400}, proto::LcpMagicNumber{magic_}};
        std::uint8_t our_id = 1;
        bool our_acked = false, their_acked = false;
        waiting_for_ = "sending LCP Configure-Request";
        if (!co_await send_sstp_data(proto::encode_lcp_configure_request(our_id, ours)))
            co_return fail(phase, io_error_);
        waiting_for_ = "LCP negotiation with the server";
        for (int i = 0; i < kMaxLcpPackets && !(our_acked && their_acked); ++i) {
            auto p = co_await read_packet();
            if (!p) co_return fail(phase, io_error_);
            bool send_failed = false;
            if (co_await answer_keepalive(*p, send_failed)) {
                if (send_failed) co_return fail(phase, io_error_);
                continue;
            }
            if (const auto* c = p->control()) {
                if (c->type == proto::SstpMessageType::call_abort || c->type == proto::SstpMessageType::call_disconnect)
                    co_return fail(phase, "server ended the call during LCP with " + proto::describe(*p));
                continue;
            }
            auto frame = proto::decode_ppp_frame(p->data()->ppp_frame);
            if (!frame) co_return fail(phase, "malformed PPP frame from the server: " + frame.error().to_string());
            if (frame->protocol != proto::ppp_protocol_lcp) continue;  // e.g. an early EAP request
            auto lcp = proto::decode_lcp_frame(p->data()->ppp_frame);
            if (!lcp) co_return fail(phase, "malformed LCP packet from the server: " + lcp.error().to_string());
            using C = proto::LcpCode;
            switch (lcp->code) {
            case C::configure_request: {
                r_.sstp.server_lcp_options.clear();
                for (const auto& o : lcp->options) {
                    r_.sstp.server_lcp_options.push_back(proto::describe(o));
                    if (const auto* auth = std::get_if<proto::LcpAuthProtocol>(&o))
                        r_.sstp.auth_protocol = proto::lcp_auth_protocol_name(*auth);
                }
                if (!co_await send_sstp_data(proto::encode_lcp_configure_ack(lcp->identifier, lcp->options)))
                    co_return fail(phase, io_error_);
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
                    co_return fail(phase, io_error_);
                break;
            }
            case C::terminate_request:
                (void)co_await send_sstp_data(proto::encode_lcp_terminate_ack(lcp->identifier));
                co_return fail(phase, "server terminated LCP (Terminate-Request)");
            default:
                break;
            }
        }
        r_.sstp.lcp_opened = our_acked && their_acked;
        if (!r_.sstp.lcp_opened)
            co_return fail(phase, "LCP did not open within " + std::to_string(kMaxLcpPackets) + " packets");
        phase.finish(PhaseOutcome::ok);
        co_return true;
    }

    // Without credentials the call cannot be completed (CALL_CONNECTED needs keys from PPP
    // authentication), so the probe ends here the way a client that gives up politely does.
    asio::awaitable<void> disconnect() {
        PhaseTimer phase(r_.phases, "disconnect");
        if (stop_io_) {
            fail(phase, "interrupted");
            co_return;
        }
        in_polite_end_ = true;  // already the polite end: a stop request lets it finish (by the deadline)
        call_disconnect_sent_ = true;
        arm_watchdog();
        waiting_for_ = "sending SSTP_MSG_CALL_DISCONNECT";
        proto::SstpStatusInfo status{};
        if (!co_await send(proto::encode_call_disconnect(status), "SSTP_MSG_CALL_DISCONNECT")) {
            fail(phase, io_error_);
            co_return;
        }
        waiting_for_ = "SSTP_MSG_CALL_DISCONNECT_ACK";
        for (int i = 0; i < kMaxPacketsPerWait; ++i) {
            auto p = co_await read_packet();
            if (!p) {
                fail(phase, io_error_);
                co_return;
            }
            bool send_failed = false;
            if (co_await answer_keepalive(*p, send_failed)) {
                if (send_failed) {
                    fail(phase, io_error_);
                    co_return;
                }
                continue;
            }
            if (const auto* c = p->control(); c && c->type == proto::SstpMessageType::call_disconnect_ack) {
                r_.sstp.close = "CALL_DISCONNECT acknowledged (SSTP_MSG_CALL_DISCONNECT_ACK)";
                co_await tls_close();
                phase.finish(PhaseOutcome::ok);
                co_return;
            }
        }
        fail(phase, "no CALL_DISCONNECT_ACK among " + std::to_string(kMaxPacketsPerWait) + " packets");
    }

    // A phase failed with the TLS session still up: tell the server, as MS-SSTP asks, without waiting.
    asio::awaitable<void> abort_if_possible() {
        if (interrupted_) co_return;  // polite_end() says goodbye
        if (!stream_ || !r_.tls || expired() || !stream_->lowest_layer().is_open()) co_return;
        // Before the HTTP 200 there is no SSTP session: a plain HTTPS server would get binary junk.
        if (r_.phases.empty() || r_.phases.back().name == "tls_handshake" || r_.phases.back().name == "http") co_return;
        arm_watchdog();
        proto::SstpStatusInfo status{};
        status.status = static_cast<std::uint32_t>(proto::SstpStatus::negotiation_timeout);
        if (co_await send(proto::encode_call_abort(status), "SSTP_MSG_CALL_ABORT"))
            r_.sstp.close = "CALL_ABORT sent after the failure";
    }

    // Asked to stop: end the way a client that gives up does, within the shortened deadline. CALL_ABORT
    // where the SSTP session is up (after the HTTP 200), close_notify wherever the TLS session is up.
    asio::awaitable<void> polite_end() {
        const bool tls_up = r_.tls.has_value();
        stop_io_ = false;
        in_polite_end_ = true;
        if (!stream_ || !tls_up || tls_closed_ || !stream_->lowest_layer().is_open() || expired()) co_return;
        const Phase* http = r_.phase("http");
        if (http && http->outcome == PhaseOutcome::ok && !call_disconnect_sent_) {
            arm_watchdog();
            proto::SstpStatusInfo status{};
            status.status = static_cast<std::uint32_t>(proto::SstpStatus::negotiation_timeout);
            if (co_await send(proto::encode_call_abort(status), "SSTP_MSG_CALL_ABORT (interrupted)"))
                r_.sstp.close = "CALL_ABORT sent (interrupted by " + opt_.stop->reason() + ")";
        }
        if (expired()) co_return;
        co_await tls_close();
        if (r_.sstp.close.empty()) r_.sstp.close = "TLS close_notify sent (interrupted by " + opt_.stop->reason() + ")";
    }

    // close_notify, waiting briefly for the server's: a courtesy, never a failure of the probe.
    asio::awaitable<void> tls_close() {
        tls_closed_ = true;
        auto soon = std::min(deadline_, clock::now() + std::chrono::milliseconds(500));
        watchdog_.arm(soon, [this] { close_socket(); });
        error_code ec;
        co_await stream_->async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
        log("-> TLS close_notify" + std::string(ec ? " (server did not answer with its own)" : ", answered"));
    }

    asio::any_io_executor ex_;
    const SstpOptions& opt_;
    SstpResult& r_;
    Watchdog watchdog_;
    clock::time_point start_, deadline_;
    double phase_seconds_ = 10;
    std::shared_ptr<asio::ssl::context> ctx_;
    std::optional<asio::ssl::stream<tcp::socket>> stream_;
    std::string address_;
    proto::Bytes rx_;
    std::string io_error_;
    std::string waiting_for_;
    std::uint32_t magic_ = 0;
    bool interrupted_ = false;  // a stop was requested
    bool stop_io_ = false;  // ... so no new I/O starts until polite_end()
    bool in_polite_end_ = false;  // our own disconnect or polite_end() runs: a stop lets it finish
    bool call_disconnect_sent_ = false;
    bool tls_closed_ = false;
    StopSubscription stop_;  // last: unsubscribes before the members it touches go
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
