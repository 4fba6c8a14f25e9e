// Fault injection for the SSTP probe: a scripted TLS server on 127.0.0.1 that commits the faults a real
// server cannot be made to commit (malformed, truncated, lying, hostile or stalled answers). Real servers
// are for the integration tests; this injector exists only because no real server sends these bytes.
//
// What is checked is behaviour, never speed: which phase failed, whether it failed or timed out, that the
// error text names the problem, that what was learned before the failure is kept, and that the probe ends
// (and tells the server) however the server misbehaves. The only clocks in here are safety nets that never
// decide a passing case: a hang guard far above any probe deadline, so that a hanging probe fails the test
// instead of hanging ctest, and a linger that ends an injector still waiting after the probe has gone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "probes/sstp/sstp_probe.hpp"
#include "probes/windows_errors.hpp"
#include "protocol/sstp/ppp_lcp.hpp"
#include "protocol/sstp/sstp.hpp"
#include "tests/support/test_certificate.hpp"

namespace {

using vpnprobe::testsupport::TestCertificate;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace proto = vpnprobe::protocol;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using proto::Bytes;
using proto::LcpCode;
using proto::SstpMessageType;
using testing::HasSubstr;
using vpnprobe::probes::FailureReason;
using vpnprobe::probes::PhaseOutcome;
using vpnprobe::probes::Severity;
using vpnprobe::probes::SstpOptions;
using vpnprobe::probes::SstpResult;

// Probe deadlines. A case that expects a failure gets the longer one, so that a probe that wrongly waits
// shows up as "timeout" instead of "failed"; a case that expects a timeout gets the shorter one to stay fast.
constexpr double kFailureDeadline = 3;
constexpr double kTimeoutDeadline = 1.5;
// Not a timing assertion: only a probe that hangs (a bug the requirement forbids) gets anywhere near this.
constexpr auto kHangGuard = std::chrono::seconds(30);

// ---- the injector's script --------------------------------------------------------------------------

class Injector;

// One thing the injector does. The script runs after the TLS handshake (or, for a server that never
// speaks TLS, on the raw TCP connection) and stops early when the probe goes away.
struct Step {
    enum class Kind {
        read_http,  // read the HTTP request up to \r\n\r\n
        send,  // send `bytes`, or what `make` builds from what was received so far
        flood,  // send `bytes` `count` times, one write each, or until the probe goes away
        read_packet,  // read one SSTP packet
        stall,  // answer nothing, ever; keep reading (and recording) until the probe closes
        close_tcp,  // close the TCP connection without close_notify
        reset_tcp,  // close with SO_LINGER 0: a TCP RST
        shutdown_tls,  // close_notify, wait for the probe's, then close
    };
    Kind kind;
    Bytes bytes;
    int count = 0;
    std::function<Bytes(const Injector&)> make;
};

Bytes to_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

Step read_http() { return {Step::Kind::read_http, {}, 0, {}}; }
Step send(Bytes bytes) { return {Step::Kind::send, std::move(bytes), 0, {}}; }
Step send(const std::string& text) { return send(to_bytes(text)); }
Step send_made(std::function<Bytes(const Injector&)> make) { return {Step::Kind::send, {}, 0, std::move(make)}; }
Step flood(Bytes unit, int count) { return {Step::Kind::flood, std::move(unit), count, {}}; }
Step read_packet() { return {Step::Kind::read_packet, {}, 0, {}}; }
Step stall() { return {Step::Kind::stall, {}, 0, {}}; }
Step close_tcp() { return {Step::Kind::close_tcp, {}, 0, {}}; }
Step reset_tcp() { return {Step::Kind::reset_tcp, {}, 0, {}}; }
Step shutdown_tls() { return {Step::Kind::shutdown_tls, {}, 0, {}}; }

// ---- the injector -------------------------------------------------------------------------------------

// Accepts one connection on 127.0.0.1, port 0, and plays its script; records what the probe sent.
class Injector {
public:
    Injector(asio::io_context& io, std::vector<Step> script, bool speak_tls,
             const std::function<void(SSL_CTX*)>& configure_tls = {})
        : tls_ctx_(ssl::context::tls_server),
          acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
          linger_(io),
          script_(std::move(script)),
          speak_tls_(speak_tls) {
        const auto& certificate = TestCertificate::get();
        if (SSL_CTX_use_certificate(tls_ctx_.native_handle(), certificate.cert()) != 1 ||
            SSL_CTX_use_PrivateKey(tls_ctx_.native_handle(), certificate.key()) != 1)
            throw std::runtime_error("cannot load the test certificate into the server context");
        if (configure_tls) configure_tls(tls_ctx_.native_handle());
    }

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

    asio::awaitable<void> serve() {
        co_await play();
        finished_ = true;
        linger_.cancel();
        error_code ignored;
        acceptor_.close(ignored);
        if (stream_) stream_->lowest_layer().close(ignored);
    }

    // The probe has ended. Everything the injector waits for ends when the probe's socket closes; should the
    // injector still be busy a while later (a script waiting for something that never comes), end it.
    void probe_done() {
        error_code ignored;
        acceptor_.close(ignored);  // in case the probe never connected
        if (finished_) return;
        linger_.expires_after(std::chrono::seconds(3));
        linger_.async_wait([this](const error_code& ec) {
            if (ec || finished_) return;
            notes.push_back("still running 3 s after the probe ended: connection closed by the test");
            error_code ignored2;
            if (stream_) stream_->lowest_layer().close(ignored2);
        });
    }

    // What the probe sent, and what happened on the injector's side.
    std::string http_request;
    std::vector<proto::SstpPacket> packets;  // every SSTP packet read, in order
    std::vector<std::string> notes;  // injector-side events, printed when a test fails
    bool connected = false;

private:
    asio::awaitable<void> play() {
        error_code ec;
        tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            notes.push_back("accept: " + ec.message());
            co_return;
        }
        connected = true;
        stream_.emplace(std::move(socket), tls_ctx_);
        if (speak_tls_) {
            co_await stream_->async_handshake(ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                notes.push_back("TLS handshake: " + ec.message());
                co_return;
            }
        }
        for (const Step& step : script_) {
            if (!co_await perform(step)) co_return;
        }
    }

    // False when the script cannot go on (the connection is gone or was closed on purpose).
    asio::awaitable<bool> perform(const Step& step) {
        switch (step.kind) {
        case Step::Kind::read_http:
            co_return co_await read_http_request();
        case Step::Kind::send: {
            // Built in a local first: with `co_await write(make ? make(*this) : bytes)` g++ 12 called the empty
            // std::function (bad_function_call), i.e. it evaluated the wrong branch inside the co_await.
            Bytes bytes = step.bytes;
            if (step.make) bytes = step.make(*this);
            co_return co_await write(bytes);
        }
        case Step::Kind::flood:
            for (int i = 0; i < step.count; ++i)
                if (!co_await write(step.bytes)) co_return false;
            co_return true;
        case Step::Kind::read_packet:
            co_return co_await read_sstp_packet();
        case Step::Kind::stall:
            // Never answer; record whatever the probe sends until it gives up and closes.
            while (co_await read_sstp_packet()) {}
            co_return false;
        case Step::Kind::close_tcp: {
            error_code ignored;
            stream_->lowest_layer().close(ignored);
            co_return false;
        }
        case Step::Kind::reset_tcp: {
            error_code ignored;
            stream_->lowest_layer().set_option(tcp::socket::linger(true, 0), ignored);
            stream_->lowest_layer().close(ignored);
            co_return false;
        }
        case Step::Kind::shutdown_tls: {
            error_code ec;
            co_await stream_->async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
            if (ec) notes.push_back("TLS shutdown: " + ec.message());
            co_return false;
        }
        }
        co_return false;
    }

    asio::awaitable<bool> write(const Bytes& bytes) {
        error_code ec;
        if (speak_tls_)
            co_await asio::async_write(*stream_, asio::buffer(bytes), asio::redirect_error(asio::use_awaitable, ec));
        else
            co_await asio::async_write(stream_->next_layer(), asio::buffer(bytes),
                                       asio::redirect_error(asio::use_awaitable, ec));
        if (ec) notes.push_back("write: " + ec.message() + " (the probe went away)");
        co_return !ec;
    }

    asio::awaitable<bool> read_more() {
        std::array<std::uint8_t, 4096> buf;
        error_code ec;
        // One co_await per statement (g++ 12 miscompiles co_await inside ?: and &&).
        std::size_t n = 0;
        if (speak_tls_)
            n = co_await stream_->async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
        else
            n = co_await stream_->next_layer().async_read_some(asio::buffer(buf),
                                                               asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            notes.push_back("read: " + ec.message() + " (the probe closed)");
            co_return false;
        }
        rx_.insert(rx_.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
        co_return true;
    }

    asio::awaitable<bool> read_http_request() {
        static const std::string terminator = "\r\n\r\n";
        for (;;) {
            auto it = std::search(rx_.begin(), rx_.end(), terminator.begin(), terminator.end());
            if (it != rx_.end()) {
                auto end = it + static_cast<std::ptrdiff_t>(terminator.size());
                http_request.assign(rx_.begin(), end);
                rx_.erase(rx_.begin(), end);
                co_return true;
            }
            if (rx_.size() > 64 * 1024) {
                notes.push_back("the probe's HTTP request has no end");
                co_return false;
            }
            if (!co_await read_more()) co_return false;
        }
    }

    asio::awaitable<bool> read_sstp_packet() {
        for (;;) {
            auto length = proto::sstp_packet_length(rx_);
            if (!length) {
                notes.push_back("the probe sent a malformed SSTP packet: " + length.error().to_string());
                rx_.clear();
            } else if (*length && rx_.size() >= **length) {
                std::size_t n = **length;
                auto packet = proto::decode_sstp_packet(proto::ByteView(rx_.data(), n));
                if (packet) packets.push_back(std::move(packet).value());
                else notes.push_back("the probe sent a malformed SSTP packet: " + packet.error().to_string());
                rx_.erase(rx_.begin(), rx_.begin() + static_cast<std::ptrdiff_t>(n));
                co_return true;
            }
            if (!co_await read_more()) co_return false;
        }
    }

    ssl::context tls_ctx_;
    tcp::acceptor acceptor_;
    asio::steady_timer linger_;
    std::vector<Step> script_;
    bool speak_tls_;
    bool finished_ = false;
    std::optional<ssl::stream<tcp::socket>> stream_;
    Bytes rx_;
};

// ---- what the probe sent, decoded ---------------------------------------------------------------------

const proto::SstpControl* find_control(const std::vector<proto::SstpPacket>& packets, SstpMessageType type) {
    for (const auto& p : packets)
        if (const auto* c = p.control(); c && c->type == type) return c;
    return nullptr;
}

std::vector<proto::LcpPacket> lcp_packets(const std::vector<proto::SstpPacket>& packets, LcpCode code) {
    std::vector<proto::LcpPacket> out;
    for (const auto& p : packets) {
        if (!p.data()) continue;
        auto lcp = proto::decode_lcp_frame(p.data()->ppp_frame);
        if (lcp && lcp->code == code) out.push_back(std::move(lcp).value());
    }
    return out;
}

template <typename T>
const T* find_option(const proto::LcpPacket& p) {
    for (const auto& o : p.options)
        if (const T* t = std::get_if<T>(&o)) return t;
    return nullptr;
}

// The probe's latest Configure-Request as the injector has read it.
std::optional<proto::LcpPacket> last_configure_request(const Injector& in) {
    auto requests = lcp_packets(in.packets, LcpCode::configure_request);
    if (requests.empty()) return std::nullopt;
    return requests.back();
}

// ---- running one case -------------------------------------------------------------------------------

struct ProbeRun {
    SstpOptions options;
    SstpResult result;
    bool probe_ended = false;
    std::string probe_exception;
    std::string injector_exception;
    bool injector_connected = false;
    std::string http_request;
    std::vector<proto::SstpPacket> received;  // SSTP packets the injector read from the probe
    std::vector<std::string> injector_notes;
    std::vector<std::string> probe_log;
};

std::string what(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return x.what();
    } catch (...) {
        return "unknown exception";
    }
}

// Probe and injector on one io_context, both as coroutines; then the diagnosis.
ProbeRun run_probe(std::vector<Step> script, double timeout_seconds, bool speak_tls = true,
                   std::shared_ptr<vpnprobe::probes::StopSignal> stop = nullptr,
                   const std::function<void(SSL_CTX*)>& configure_tls = {}) {
    ProbeRun run;
    asio::io_context io;
    Injector injector(io, std::move(script), speak_tls, configure_tls);

    auto log = std::make_shared<std::vector<std::string>>();
    SstpOptions options;
    options.host = "127.0.0.1";
    options.port = injector.port();
    options.tls.sni = "localhost";
    options.tls.ca_file = TestCertificate::get().pem_file();
    options.timeout_seconds = timeout_seconds;
    options.log = [log](const std::string& line) { log->push_back(line); };
    options.stop = stop;

    asio::co_spawn(io, injector.serve(), [&](std::exception_ptr e) {
        if (e) run.injector_exception = what(e);
    });
    asio::co_spawn(io, vpnprobe::probes::sstp_probe(options), [&](std::exception_ptr e, SstpResult r) {
        run.probe_ended = true;
        if (e) run.probe_exception = what(e);
        else run.result = std::move(r);
        injector.probe_done();
    });
    io.run_for(kHangGuard);
    io.stop();

    options.log = nullptr;
    run.options = options;
    vpnprobe::probes::diagnose_sstp(run.result, run.options);
    run.injector_connected = injector.connected;
    run.http_request = injector.http_request;
    run.received = injector.packets;
    run.injector_notes = injector.notes;
    run.probe_log = *log;
    return run;
}

// ---- the server's answers -------------------------------------------------------------------------------

// What Windows (HTTP.sys) answers: no reason phrase, and a Content-Length of 2^64-1.
const std::string kHttp200 =
    "HTTP/1.1 200\r\nContent-Length: 18446744073709551615\r\nServer: Microsoft-HTTPAPI/2.0\r\n\r\n";

Bytes call_connect_ack() {
    proto::SstpCryptoBindingRequest request;
    request.hash_protocol_bitmask = proto::sstp_cert_hash_sha256;
    request.nonce.fill(0x5a);
    return proto::encode_sstp_control(SstpMessageType::call_connect_ack, {request});
}

Bytes lcp(const Bytes& ppp_frame) { return proto::encode_sstp_data(ppp_frame); }

// The server's own Configure-Request: it wants EAP, as Windows RRAS does.
constexpr std::uint8_t kServerRequestId = 0x21;
constexpr std::uint32_t kServerMagic = 0x0badcafe;
Bytes server_configure_request() {
    return lcp(proto::encode_lcp_configure_request(
        kServerRequestId, {proto::LcpMru{1500}, proto::LcpAuthProtocol{proto::ppp_protocol_eap, {}},
                           proto::LcpMagicNumber{kServerMagic}}));
}

constexpr std::uint8_t kEchoId = 0x42;
const Bytes kEchoData = to_bytes("ping");

// Up to the HTTP 200 and the probe's CALL_CONNECT_REQUEST: the start of every case past the http phase.
std::vector<Step> up_to_call_connect_request() { return {read_http(), send(kHttp200), read_packet()}; }

// How the server answers the probe's first Configure-Request, which carries MRU and Magic-Number.
enum class MagicAnswer {
    ack,  // acknowledged as it is
    reject,  // Configure-Reject of Magic-Number: the probe must drop it, and echo with magic zero
    nak,  // Configure-Nak suggesting kNakMagic: the probe's next request carries it, and so do its echoes
};
constexpr std::uint32_t kNakMagic = 0x13572468;

// A whole, correct SSTP + LCP exchange. The server optionally sends an SSTP ECHO_REQUEST before its ACK,
// answers the probe's Magic-Number as `magic` says, asks for EAP, sends an LCP Echo-Request once LCP is
// open, and acknowledges CALL_DISCONNECT.
std::vector<Step> complete_exchange(MagicAnswer magic, bool sstp_echo_before_ack) {
    std::vector<Step> s = up_to_call_connect_request();
    if (sstp_echo_before_ack) {
        s.push_back(send(proto::encode_echo_request()));
        s.push_back(read_packet());  // the probe's ECHO_RESPONSE
    }
    s.push_back(send(call_connect_ack()));
    s.push_back(read_packet());  // the probe's Configure-Request
    if (magic != MagicAnswer::ack) {
        s.push_back(send_made([magic](const Injector& in) {
            auto request = last_configure_request(in);
            if (!request) return Bytes{};
            const auto* ours = find_option<proto::LcpMagicNumber>(*request);
            if (!ours) return Bytes{};
            // Configure-Reject echoes the option exactly as the probe sent it (RFC 1661 5.4); Configure-Nak
            // carries the value the server wants instead (5.3).
            if (magic == MagicAnswer::reject)
                return lcp(proto::encode_lcp_configure_reject(request->identifier, {*ours}));
            return lcp(proto::encode_lcp_configure_nak(request->identifier, {proto::LcpMagicNumber{kNakMagic}}));
        }));
        s.push_back(read_packet());  // the probe's second Configure-Request
    }
    s.push_back(send(server_configure_request()));
    s.push_back(read_packet());  // the probe's Configure-Ack of it
    s.push_back(send_made([](const Injector& in) {
        auto request = last_configure_request(in);
        if (!request) return Bytes{};
        return lcp(proto::encode_lcp_configure_ack(request->identifier, request->options));
    }));
    // LCP is open on both sides now: Echo-Request is allowed (RFC 1661 5.8: only in the Opened state).
    s.push_back(send(lcp(proto::encode_lcp_echo_request(kEchoId, kServerMagic, kEchoData))));
    s.push_back(read_packet());  // CALL_DISCONNECT and the Echo-Reply, in either order
    s.push_back(read_packet());
    s.push_back(send(proto::encode_call_disconnect_ack()));
    s.push_back(shutdown_tls());
    return s;
}

// ---- checks -------------------------------------------------------------------------------------------

const std::vector<std::string> kPhaseOrder{"resolve",      "tcp_connect", "tls_handshake", "http",
                                           "call_connect", "ppp_lcp",     "disconnect"};

class SstpFaultInjection : public testing::Test {
protected:
    // A failing case prints what both sides did; VPNPROBE_FAULT_VERBOSE=1 prints it for every case.
    void TearDown() override {
        if (!HasFailure() && !std::getenv("VPNPROBE_FAULT_VERBOSE")) return;
        std::cout << "---- probe log\n";
        for (const auto& line : run.probe_log) std::cout << line << "\n";
        std::cout << "---- phases\n";
        for (const auto& p : run.result.phases)
            std::cout << p.name << " " << vpnprobe::probes::to_string(p.outcome) << " " << p.error << "\n";
        std::cout << "---- injector\n";
        for (const auto& note : run.injector_notes) std::cout << note << "\n";
        for (const auto& p : run.received) std::cout << "received " << proto::describe(p) << "\n";
        std::cout << "---- findings\n";
        for (const auto& f : run.result.findings)
            std::cout << vpnprobe::probes::to_string(f.severity) << " " << f.check << " [" << f.windows_error << "] "
                      << f.detail << "\n";
    }

    void play(std::vector<Step> script, double timeout_seconds, bool speak_tls = true,
              std::shared_ptr<vpnprobe::probes::StopSignal> stop = nullptr,
              const std::function<void(SSL_CTX*)>& configure_tls = {}) {
        run = run_probe(std::move(script), timeout_seconds, speak_tls, stop, configure_tls);
        // Whatever the server does, the probe ends by itself and does not throw.
        ASSERT_TRUE(run.probe_ended) << "the probe did not end: it hangs";
        ASSERT_EQ(run.probe_exception, "");
        ASSERT_EQ(run.injector_exception, "");
        ASSERT_TRUE(run.injector_connected);
    }

    // The probe stopped at `phase` with `outcome`; every earlier phase ran, succeeded and kept what it
    // learned; none ran after; the diagnosis blames the same phase, with the phase's error and a Windows
    // error; and the error text contains each of `words`.
    void expect_stopped_at(const std::string& phase, PhaseOutcome outcome, std::initializer_list<const char*> words) {
        const SstpResult& r = run.result;
        auto index =
            static_cast<std::size_t>(std::find(kPhaseOrder.begin(), kPhaseOrder.end(), phase) - kPhaseOrder.begin());
        ASSERT_LT(index, kPhaseOrder.size());
        ASSERT_EQ(r.phases.size(), index + 1) << "phases run: the failed one must be the last";
        for (std::size_t i = 0; i < index; ++i) {
            EXPECT_EQ(r.phases[i].name, kPhaseOrder[i]);
            EXPECT_EQ(r.phases[i].outcome, PhaseOutcome::ok) << r.phases[i].name << ": " << r.phases[i].error;
        }
        const auto& failed = r.phases.back();
        EXPECT_EQ(failed.name, phase);
        EXPECT_EQ(failed.outcome, outcome) << failed.error;
        // The failure is typed: a timeout as such, anything else with a reason of its own.
        if (outcome == PhaseOutcome::timeout) {
            EXPECT_EQ(failed.reason, FailureReason::timeout);
        } else {
            EXPECT_NE(failed.reason, FailureReason::none);
            EXPECT_NE(failed.reason, FailureReason::timeout);
        }
        for (const char* w : words) {
            EXPECT_THAT(failed.error, HasSubstr(w));
        }

        // Nothing learned before the failure is lost.
        if (index > 2) {
            EXPECT_TRUE(r.tls.has_value());
        }
        if (index > 3) {
            EXPECT_EQ(r.sstp.http_status, 200);
            EXPECT_EQ(r.sstp.server_header, "Microsoft-HTTPAPI/2.0");
        }

        EXPECT_FALSE(r.handshake_ok);
        EXPECT_FALSE(r.success);
        EXPECT_EQ(r.failed_phase, phase);
        EXPECT_NE(r.windows_error, "");
        bool found = std::any_of(r.findings.begin(), r.findings.end(), [&](const auto& f) {
            return f.severity == Severity::error && !f.windows_error.empty() &&
                   f.detail.find(failed.error) != std::string::npos;
        });
        EXPECT_TRUE(found) << "no error finding with a Windows error that carries the phase's error";
    }

    ProbeRun run;
};

// ---- 1. HTTP -------------------------------------------------------------------------------------------

TEST_F(SstpFaultInjection, Http404IsAnHttpFailureNamingTheStatus) {
    play({read_http(), send("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"), stall()}, kFailureDeadline);
    expect_stopped_at("http", PhaseOutcome::failed, {"404", "Not Found"});
    EXPECT_EQ(run.result.sstp.http_status, 404);
    // The request the probe sent is the SSTP one.
    EXPECT_THAT(run.http_request, HasSubstr("SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1"));
    EXPECT_THAT(run.http_request, HasSubstr("SSTPCORRELATIONID: " + run.result.sstp.correlation_id));
}

TEST_F(SstpFaultInjection, NonHttpAnswerIsNotAnHttpResponse) {
    play({read_http(), send("SSH-2.0-OpenSSH\r\n\r\n"), stall()}, kFailureDeadline);
    expect_stopped_at("http", PhaseOutcome::failed, {"not an HTTP response", "SSH-2.0-OpenSSH"});
}

TEST_F(SstpFaultInjection, EndlessHttpHeaderIsRefusedAtTheBound) {
    // 'A's with no line end, far more than the probe's 16 KiB bound; the probe must stop reading, not buffer.
    play({read_http(), flood(Bytes(1024, 'A'), 1024), stall()}, kFailureDeadline);
    expect_stopped_at("http", PhaseOutcome::failed, {"longer than", "16384"});
}

TEST_F(SstpFaultInjection, HttpHeaderThatStopsHalfwayIsAnHttpTimeout) {
    play({read_http(), send("HTTP/1.1 200 OK\r\nServer: half\r\n"), stall()}, kTimeoutDeadline);
    expect_stopped_at("http", PhaseOutcome::timeout, {"HTTP response"});
}

TEST_F(SstpFaultInjection, WindowsStyle200WithoutReasonAndHugeContentLengthIsAccepted) {
    // An ACK follows, so call_connect shows the probe went past this 200; the abrupt close after it is not
    // what this case is about.
    auto script = up_to_call_connect_request();
    script.push_back(send(call_connect_ack()));
    script.push_back(close_tcp());
    play(script, kFailureDeadline);
    ASSERT_NE(run.result.phase("http"), nullptr);
    EXPECT_EQ(run.result.phase("http")->outcome, PhaseOutcome::ok) << run.result.phase("http")->error;
    EXPECT_EQ(run.result.sstp.http_status, 200);
    EXPECT_EQ(run.result.sstp.http_status_line, "HTTP/1.1 200");
    ASSERT_NE(run.result.phase("call_connect"), nullptr);
    EXPECT_EQ(run.result.phase("call_connect")->outcome, PhaseOutcome::ok);
}

// ---- below HTTP: TLS --------------------------------------------------------------------------------

TEST_F(SstpFaultInjection, ServerThatAcceptsTcpButNeverSpeaksTlsIsATlsTimeout) {
    play({stall()}, kTimeoutDeadline, /*speak_tls=*/false);
    expect_stopped_at("tls_handshake", PhaseOutcome::timeout, {"TLS handshake"});
}

TEST_F(SstpFaultInjection, NonTlsAnswerToClientHelloIsATlsFailure) {
    play({send("SSH-2.0-OpenSSH_9.2\r\n"), stall()}, kFailureDeadline, /*speak_tls=*/false);
    expect_stopped_at("tls_handshake", PhaseOutcome::failed, {"TLS error"});
}

// An OpenSSL server with no cipher suite in common with the probe's offer (TLS 1.3 with CCM_8 only, which no
// default client offers) answers with alert handshake_failure, as SoftEther does: a Schannel client shows
// SEC_E_ALGORITHM_MISMATCH. Decided from OpenSSL's reason code in the probe, not from the words.
TEST_F(SstpFaultInjection, ServerWithNoCipherSuiteInCommonIsAnAlgorithmMismatch) {
    play({stall()}, kFailureDeadline, true, nullptr, [](SSL_CTX* ctx) {
        SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
        if (SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_CCM_8_SHA256") != 1)
            throw std::runtime_error("cannot restrict the server's TLS 1.3 cipher suites");
    });
    expect_stopped_at("tls_handshake", PhaseOutcome::failed, {"TLS error", "handshake failure"});
    EXPECT_EQ(run.result.phases.back().reason, FailureReason::tls_no_common_algorithm);
    ASSERT_FALSE(run.result.findings.empty());
    EXPECT_EQ(run.result.findings.front().check, "sstp.tls_no_common_algorithm");
    EXPECT_EQ(run.result.windows_error,
              vpnprobe::probes::winerr::describe(vpnprobe::probes::winerr::SEC_E_ALGORITHM_MISMATCH));
}

// Bytes that are not TLS in answer to the ClientHello are OpenSSL's "wrong version number": a failed
// handshake, but no negotiation took place, so no algorithm mismatch (the words contain "version").
TEST_F(SstpFaultInjection, NonTlsAnswerIsNoAlgorithmMismatch) {
    play({send("HTTP/1.1 400 Bad Request\r\n\r\n"), stall()}, kFailureDeadline, /*speak_tls=*/false);
    expect_stopped_at("tls_handshake", PhaseOutcome::failed, {"TLS error"});
    EXPECT_EQ(run.result.phases.back().reason, FailureReason::tls_failed);
    ASSERT_FALSE(run.result.findings.empty());
    EXPECT_EQ(run.result.findings.front().check, "sstp.tls_failed");
    EXPECT_EQ(run.result.windows_error,
              vpnprobe::probes::winerr::describe(vpnprobe::probes::winerr::ERROR_VPN_TIMEOUT));
}

// ---- 2. stall after the 200 ------------------------------------------------------------------------

TEST_F(SstpFaultInjection, NoAnswerToCallConnectRequestIsACallConnectTimeout) {
    auto script = up_to_call_connect_request();
    script.push_back(stall());
    play(script, kTimeoutDeadline);
    expect_stopped_at("call_connect", PhaseOutcome::timeout, {"CALL_CONNECT_ACK"});
    // The request the server got was a well-formed CALL_CONNECT_REQUEST for PPP.
    const auto* request = find_control(run.received, SstpMessageType::call_connect_request);
    ASSERT_NE(request, nullptr);
    const auto* protocol = request->find<proto::SstpEncapsulatedProtocolId>();
    ASSERT_NE(protocol, nullptr);
    EXPECT_EQ(protocol->protocol_id, proto::sstp_encapsulated_protocol_ppp);
}

// A stop request (SIGINT/SIGTERM in the CLI) while the probe waits for CALL_CONNECT_ACK: the phase ends as
// interrupted (its 20 s deadline is far away), and the server gets CALL_ABORT and then close_notify (its TLS
// read ends with a clean end of file, not a truncated stream).
TEST_F(SstpFaultInjection, AStopRequestEndsTheCallWithCallAbortAndCloseNotify) {
    auto stop = std::make_shared<vpnprobe::probes::StopSignal>();
    auto script = up_to_call_connect_request();
    script.push_back(send_made([stop](const Injector&) {
        stop->request("test");  // the probe is now waiting for the ACK
        return Bytes{};
    }));
    script.push_back(stall());
    play(script, 20, true, stop);
    ASSERT_FALSE(run.result.phases.empty());
    const auto& last = run.result.phases.back();
    EXPECT_EQ(last.name, "call_connect");
    EXPECT_EQ(last.outcome, PhaseOutcome::interrupted) << last.error;
    EXPECT_THAT(last.error, HasSubstr("interrupted (test)"));
    EXPECT_EQ(run.result.failed_phase, "call_connect");
    EXPECT_FALSE(run.result.success);
    ASSERT_FALSE(run.result.findings.empty());
    EXPECT_EQ(run.result.findings.front().check, "probe.interrupted");
    EXPECT_NE(find_control(run.received, SstpMessageType::call_abort), nullptr) << "no CALL_ABORT reached the server";
    EXPECT_THAT(run.result.sstp.close, HasSubstr("CALL_ABORT sent (interrupted by test)"));
    bool clean_eof = std::any_of(run.injector_notes.begin(), run.injector_notes.end(),
                                 [](const std::string& n) { return n.find("read: End of file") != std::string::npos; });
    EXPECT_TRUE(clean_eof) << "the server's TLS read did not end with close_notify";
}

// ---- 3. malformed SSTP after the 200 ------------------------------------------------------------------

TEST_F(SstpFaultInjection, WrongVersionByteIsBadVersion) {
    Bytes packet = call_connect_ack();
    packet[0] = 0x20;
    auto script = up_to_call_connect_request();
    script.push_back(send(packet));
    script.push_back(stall());
    play(script, kFailureDeadline);
    expect_stopped_at("call_connect", PhaseOutcome::failed, {"malformed", "bad_version", "0x20"});
}

TEST_F(SstpFaultInjection, LengthFieldShorterThanTheHeaderIsBadLength) {
    auto script = up_to_call_connect_request();
    script.push_back(send(Bytes{0x10, 0x01, 0x00, 0x02}));
    script.push_back(stall());
    play(script, kFailureDeadline);
    expect_stopped_at("call_connect", PhaseOutcome::failed, {"malformed", "bad_length", "length 2"});
}

TEST_F(SstpFaultInjection, LengthFieldThatPromisesMoreThanEverComesIsACallConnectTimeout) {
    // A control header claiming 4000 bytes, 8 of them sent, then silence: the lie is only visible as a stall.
    auto script = up_to_call_connect_request();
    script.push_back(send(Bytes{0x10, 0x01, 0x0f, 0xa0, 0x00, 0x02, 0x00, 0x01}));
    script.push_back(stall());
    play(script, kTimeoutDeadline);
    expect_stopped_at("call_connect", PhaseOutcome::timeout, {"CALL_CONNECT_ACK", "truncated", "8 byte(s) of 4000"});
}

TEST_F(SstpFaultInjection, UnknownMessageTypeIsNamed) {
    auto script = up_to_call_connect_request();
    script.push_back(send(Bytes{0x10, 0x01, 0x00, 0x08, 0x00, 0x42, 0x00, 0x00}));  // message type 0x42
    script.push_back(stall());
    play(script, kFailureDeadline);
    expect_stopped_at("call_connect", PhaseOutcome::failed, {"malformed", "unknown_message_type", "66"});
}

TEST_F(SstpFaultInjection, AttributeOverrunningThePacketIsNamed) {
    // A CALL_CONNECT_ACK of 12 bytes whose one attribute (Crypto Binding Request) claims its proper 40.
    auto script = up_to_call_connect_request();
    script.push_back(send(Bytes{0x10, 0x01, 0x00, 0x0c, 0x00, 0x02, 0x00, 0x01, 0x00, 0x04, 0x00, 0x28}));
    script.push_back(stall());
    play(script, kFailureDeadline);
    expect_stopped_at("call_connect", PhaseOutcome::failed, {"malformed", "attribute_overrun"});
}

TEST_F(SstpFaultInjection, EndlessPacketsWithoutAnAckEndTheCallConnectPhase) {
    // Data packets where the ACK should be, far more than the probe is willing to read while waiting.
    auto script = up_to_call_connect_request();
    script.push_back(flood(server_configure_request(), 2000));
    script.push_back(stall());
    play(script, kFailureDeadline);
    expect_stopped_at("call_connect", PhaseOutcome::failed, {"no CALL_CONNECT_ACK among"});
}

// ---- 4. NAK -------------------------------------------------------------------------------------------

TEST_F(SstpFaultInjection, CallConnectNakIsRecordedWithItsStatus) {
    proto::SstpStatusInfo status;
    status.attrib_id = static_cast<std::uint8_t>(proto::SstpAttributeId::encapsulated_protocol_id);
    status.status = static_cast<std::uint32_t>(proto::SstpStatus::value_not_supported);
    status.attrib_value = {0x00, 0x01};
    auto script = up_to_call_connect_request();
    script.push_back(send(proto::encode_sstp_control(SstpMessageType::call_connect_nak, {status})));
    script.push_back(stall());
    play(script, kFailureDeadline);
    expect_stopped_at("call_connect", PhaseOutcome::failed, {"CALL_CONNECT_NAK", "VALUE_NOT_SUPPORTED"});
    EXPECT_TRUE(run.result.sstp.connect_naked);
    EXPECT_FALSE(run.result.sstp.connect_acked);
    EXPECT_NE(run.result.sstp.nak_status, "");
    EXPECT_THAT(run.result.sstp.nak_status, HasSubstr("VALUE_NOT_SUPPORTED"));
}

// ---- 5. LCP that never opens --------------------------------------------------------------------------

TEST_F(SstpFaultInjection, HundredConfigureNaksEndLcpWithinItsBound) {
    // Each Nak carries the identifier of the probe's current request, so every one of them is "valid" and
    // makes the probe send another request: only the probe's own bound ends this.
    Bytes naks;
    for (int id = 1; id <= 100; ++id) {
        Bytes nak = lcp(proto::encode_lcp_configure_nak(static_cast<std::uint8_t>(id), {proto::LcpMru{1500}}));
        naks.insert(naks.end(), nak.begin(), nak.end());
    }
    auto script = up_to_call_connect_request();
    script.push_back(send(call_connect_ack()));
    script.push_back(send(naks));
    script.push_back(stall());
    play(script, kFailureDeadline);
    expect_stopped_at("ppp_lcp", PhaseOutcome::failed, {"did not open"});
    EXPECT_TRUE(run.result.sstp.connect_acked);
    EXPECT_FALSE(run.result.sstp.lcp_opened);
}

TEST_F(SstpFaultInjection, EndlessConfigureRequestsWithoutAnAckEndLcpWithinItsBound) {
    auto script = up_to_call_connect_request();
    script.push_back(send(call_connect_ack()));
    script.push_back(flood(server_configure_request(), 2000));
    script.push_back(stall());
    play(script, kFailureDeadline);
    expect_stopped_at("ppp_lcp", PhaseOutcome::failed, {"did not open"});
    EXPECT_FALSE(run.result.sstp.lcp_opened);
    EXPECT_EQ(run.result.sstp.auth_protocol, "EAP");  // what was learned is kept
}

// ---- 6. Terminate-Request -----------------------------------------------------------------------------

TEST_F(SstpFaultInjection, TerminateRequestEndsLcpAndIsAcknowledged) {
    auto script = up_to_call_connect_request();
    script.push_back(send(call_connect_ack()));
    script.push_back(read_packet());  // the probe's Configure-Request
    script.push_back(send(lcp(proto::encode_lcp_terminate_request(0x33, to_bytes("go away")))));
    script.push_back(stall());
    play(script, kFailureDeadline);
    expect_stopped_at("ppp_lcp", PhaseOutcome::failed, {"Terminate"});
    // RFC 1661 5.5: a Terminate-Request is answered with a Terminate-Ack of the same identifier.
    auto acks = lcp_packets(run.received, LcpCode::terminate_ack);
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks[0].identifier, 0x33);
    // MS-SSTP: a client that gives up with the TLS session still up says so with CALL_ABORT.
    EXPECT_NE(find_control(run.received, SstpMessageType::call_abort), nullptr);
}

// ---- malformed PPP / LCP inside well-formed SSTP -------------------------------------------------------

TEST_F(SstpFaultInjection, MalformedPppFrameIsNamed) {
    auto script = up_to_call_connect_request();
    script.push_back(send(call_connect_ack()));
    script.push_back(send(lcp(Bytes{0xff, 0x05, 0xc0, 0x21, 0x01, 0x01, 0x00, 0x04})));  // FF not followed by 03
    script.push_back(stall());
    play(script, kFailureDeadline);
    expect_stopped_at("ppp_lcp", PhaseOutcome::failed, {"malformed PPP frame", "bad_control"});
}

TEST_F(SstpFaultInjection, LcpLengthFieldLargerThanThePacketIsNamed) {
    // A Configure-Request whose Length says 255 in an 8-byte LCP packet.
    auto script = up_to_call_connect_request();
    script.push_back(send(call_connect_ack()));
    script.push_back(send(lcp(Bytes{0xff, 0x03, 0xc0, 0x21, 0x01, 0x01, 0x00, 0xff, 0x01, 0x04, 0x05, 0xdc})));
    script.push_back(stall());
    play(script, kFailureDeadline);
    expect_stopped_at("ppp_lcp", PhaseOutcome::failed, {"malformed LCP", "length_mismatch"});
}

// ---- 7. the whole exchange, done right -----------------------------------------------------------------

TEST_F(SstpFaultInjection, CorrectExchangeSucceedsInEveryPhase) {
    play(complete_exchange(MagicAnswer::reject, /*sstp_echo_before_ack=*/false), kFailureDeadline);
    const SstpResult& r = run.result;
    ASSERT_EQ(r.phases.size(), kPhaseOrder.size());
    for (std::size_t i = 0; i < kPhaseOrder.size(); ++i) {
        EXPECT_EQ(r.phases[i].name, kPhaseOrder[i]);
        EXPECT_EQ(r.phases[i].outcome, PhaseOutcome::ok) << r.phases[i].name << ": " << r.phases[i].error;
    }
    EXPECT_TRUE(r.sstp.connect_acked);
    EXPECT_EQ(r.sstp.hash_protocols, std::vector<std::string>{"SHA256"});
    EXPECT_TRUE(r.sstp.lcp_opened);
    EXPECT_FALSE(r.sstp.rejected_lcp_options.empty());
    EXPECT_THAT(r.sstp.rejected_lcp_options.front(), HasSubstr("Magic"));
    EXPECT_EQ(r.sstp.auth_protocol, "EAP");
    EXPECT_EQ(r.sstp.lcp_echo_requests_answered, 1);
    EXPECT_THAT(r.sstp.close, HasSubstr("CALL_DISCONNECT_ACK"));
    EXPECT_TRUE(r.handshake_ok);
    EXPECT_TRUE(r.success);
    EXPECT_EQ(r.failed_phase, "");
    EXPECT_EQ(r.windows_error, "");

    // The probe dropped the rejected option from its next request (RFC 1661 5.4).
    auto requests = lcp_packets(run.received, LcpCode::configure_request);
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_NE(find_option<proto::LcpMagicNumber>(requests[0]), nullptr);
    EXPECT_EQ(find_option<proto::LcpMagicNumber>(requests[1]), nullptr);
    EXPECT_EQ(requests[1].identifier, requests[0].identifier + 1);
    // It acknowledged the server's request with the server's identifier and options.
    auto acks = lcp_packets(run.received, LcpCode::configure_ack);
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks[0].identifier, kServerRequestId);
    EXPECT_NE(find_option<proto::LcpAuthProtocol>(acks[0]), nullptr);
    // It answered the Echo-Request with the same identifier and data (RFC 1661 5.8).
    auto replies = lcp_packets(run.received, LcpCode::echo_reply);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].identifier, kEchoId);
    EXPECT_EQ(replies[0].data, kEchoData);
    EXPECT_NE(replies[0].magic_number, kServerMagic) << "a reply carrying the peer's magic looks like a loop";
    EXPECT_NE(find_control(run.received, SstpMessageType::call_disconnect), nullptr);
    EXPECT_EQ(find_control(run.received, SstpMessageType::call_abort), nullptr);
}

TEST_F(SstpFaultInjection, EchoReplyCarriesTheNegotiatedMagicNumber) {
    play(complete_exchange(MagicAnswer::ack, /*sstp_echo_before_ack=*/false), kFailureDeadline);
    ASSERT_TRUE(run.result.sstp.lcp_opened);
    auto requests = lcp_packets(run.received, LcpCode::configure_request);
    ASSERT_EQ(requests.size(), 1u);
    const auto* magic = find_option<proto::LcpMagicNumber>(requests[0]);
    ASSERT_NE(magic, nullptr);
    auto replies = lcp_packets(run.received, LcpCode::echo_reply);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].magic_number, magic->magic);
}

TEST_F(SstpFaultInjection, EchoReplyMagicIsZeroWhenTheServerRejectedMagicNumber) {
    // RFC 1661 5.8: "Until the Magic-Number Configuration Option has been successfully negotiated, the
    // Magic-Number MUST be transmitted as zero." The server rejected it, so it never is negotiated.
    play(complete_exchange(MagicAnswer::reject, /*sstp_echo_before_ack=*/false), kFailureDeadline);
    ASSERT_TRUE(run.result.sstp.lcp_opened);
    auto replies = lcp_packets(run.received, LcpCode::echo_reply);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].magic_number, 0u);
}

TEST_F(SstpFaultInjection, EchoReplyCarriesTheMagicNumberTheServerNaked) {
    // RFC 1661 6.4: once Magic-Number is negotiated, Echo-Replies MUST carry the negotiated value; after a Nak
    // that is the value of the request the server acknowledged, not the one the probe first drew.
    play(complete_exchange(MagicAnswer::nak, /*sstp_echo_before_ack=*/false), kFailureDeadline);
    ASSERT_TRUE(run.result.sstp.lcp_opened);
    auto requests = lcp_packets(run.received, LcpCode::configure_request);
    ASSERT_EQ(requests.size(), 2u);
    const auto* second = find_option<proto::LcpMagicNumber>(requests[1]);
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(second->magic, kNakMagic);
    auto replies = lcp_packets(run.received, LcpCode::echo_reply);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].magic_number, kNakMagic);
}

// ---- 8. connection ends mid-packet --------------------------------------------------------------------

TEST_F(SstpFaultInjection, ConnectionClosedMidPacketIsACallConnectFailure) {
    auto script = up_to_call_connect_request();
    script.push_back(send(Bytes{0x10, 0x01, 0x00}));  // 3 bytes of a 4-byte header
    script.push_back(close_tcp());
    play(script, kFailureDeadline);
    expect_stopped_at("call_connect", PhaseOutcome::failed, {"closed", "truncated", "3 byte(s)"});
}

TEST_F(SstpFaultInjection, ConnectionResetMidPacketIsACallConnectFailure) {
    auto script = up_to_call_connect_request();
    script.push_back(send(Bytes{0x10, 0x01, 0x00}));
    script.push_back(reset_tcp());
    play(script, kFailureDeadline);
    expect_stopped_at("call_connect", PhaseOutcome::failed, {});
    EXPECT_NE(run.result.phases.back().error, "");
}

// ---- 9. SSTP keep-alive before the ACK ------------------------------------------------------------------

TEST_F(SstpFaultInjection, EchoRequestBeforeTheAckIsAnsweredAndTheProbeGoesOn) {
    play(complete_exchange(MagicAnswer::ack, /*sstp_echo_before_ack=*/true), kFailureDeadline);
    ASSERT_GE(run.received.size(), 2u);
    EXPECT_NE(run.received[0].control(), nullptr);
    ASSERT_NE(run.received[1].control(), nullptr);
    EXPECT_EQ(run.received[1].control()->type, SstpMessageType::echo_response);
    EXPECT_EQ(run.result.sstp.sstp_echo_requests_answered, 1);
    ASSERT_NE(run.result.phase("call_connect"), nullptr);
    EXPECT_EQ(run.result.phase("call_connect")->outcome, PhaseOutcome::ok);
    EXPECT_TRUE(run.result.sstp.connect_acked);
    EXPECT_TRUE(run.result.success);
}

// ---- 10. the end of the call, and LCP keep-alives before LCP is Opened -----------------------------------

// SoftEther acknowledges CALL_DISCONNECT and never sends close_notify. The probe sends its own and does not
// wait for the server's (RFC 8446 6.1): the disconnect phase is clean, `close` says how the call ended, and
// the server's TLS read ends with our close_notify (a clean end of file, not a truncated stream).
TEST_F(SstpFaultInjection, ServerThatNeverSendsCloseNotifyStillGetsACleanDisconnect) {
    auto script = complete_exchange(MagicAnswer::ack, /*sstp_echo_before_ack=*/false);
    ASSERT_EQ(script.back().kind, Step::Kind::shutdown_tls);
    script.back() = stall();  // no close_notify, no close: read until the probe has gone
    play(script, kFailureDeadline);
    const SstpResult& r = run.result;
    ASSERT_NE(r.phase("disconnect"), nullptr);
    EXPECT_EQ(r.phase("disconnect")->outcome, PhaseOutcome::ok) << r.phase("disconnect")->error;
    EXPECT_EQ(r.sstp.close, "CALL_DISCONNECT acknowledged (SSTP_MSG_CALL_DISCONNECT_ACK)");
    EXPECT_TRUE(r.success);
    EXPECT_EQ(r.failed_phase, "");
    bool clean_eof = std::any_of(run.injector_notes.begin(), run.injector_notes.end(),
                                 [](const std::string& n) { return n.find("read: End of file") != std::string::npos; });
    EXPECT_TRUE(clean_eof) << "the server's TLS read did not end with close_notify";
    // The probe's close_notify completed without an answer: it did not wait for one (a wait would have ended
    // by the watchdog, and said that the server did not answer).
    bool sent_without_waiting = std::any_of(run.probe_log.begin(), run.probe_log.end(), [](const std::string& l) {
        return l.find("-> TLS close_notify (not waiting for the server's") != std::string::npos;
    });
    EXPECT_TRUE(sent_without_waiting);
}

// An LCP Echo-Request before LCP is Opened is silently discarded (RFC 1661 5.8): answering it would carry a
// Magic-Number the server may yet reject (SoftEther then stalls). Once LCP is Opened, Echo-Requests are answered.
TEST_F(SstpFaultInjection, LcpEchoRequestBeforeLcpIsOpenedIsNotAnswered) {
    constexpr std::uint8_t kEarlyEchoId = 0x41;
    std::vector<Step> s = up_to_call_connect_request();
    s.push_back(send(call_connect_ack()));
    s.push_back(send(lcp(proto::encode_lcp_echo_request(kEarlyEchoId, kServerMagic, kEchoData))));
    s.push_back(read_packet());  // the probe's Configure-Request
    s.push_back(send(server_configure_request()));
    s.push_back(read_packet());  // the probe's Configure-Ack of it
    s.push_back(send_made([](const Injector& in) {
        auto request = last_configure_request(in);
        if (!request) return Bytes{};
        return lcp(proto::encode_lcp_configure_ack(request->identifier, request->options));
    }));
    s.push_back(send(lcp(proto::encode_lcp_echo_request(kEchoId, kServerMagic, kEchoData))));
    s.push_back(read_packet());  // CALL_DISCONNECT and the Echo-Reply, in either order
    s.push_back(read_packet());
    s.push_back(send(proto::encode_call_disconnect_ack()));
    s.push_back(shutdown_tls());
    play(s, kFailureDeadline);
    EXPECT_TRUE(run.result.success);
    EXPECT_TRUE(run.result.sstp.lcp_opened);
    auto replies = lcp_packets(run.received, LcpCode::echo_reply);
    ASSERT_EQ(replies.size(), 1u) << "only the Echo-Request after LCP was Opened is answered";
    EXPECT_EQ(replies[0].identifier, kEchoId);
    EXPECT_EQ(run.result.sstp.lcp_echo_requests_answered, 1);
}

}  // namespace
