#include "cli/serve_http.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "cli/serve_routes.hpp"
#include "cli/serve_stats.hpp"
#include "probes/net_errors.hpp"
#include "probes/stop_signal.hpp"
#include "scenarios/reports.hpp"
#include "scenarios/runner.hpp"

namespace vpnprobe::cli {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Connections over --max-connections get a canned 503 from a small coroutine that lives at most a second;
// beyond this many of those at once they are closed unanswered, so refusing is bounded too.
constexpr int max_refusing = 64;

std::chrono::steady_clock::duration after(double seconds) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
}

bool is_http_error(const beast::error_code& ec) {
    return ec.category() == http::make_error_code(http::error::bad_target).category();
}

// The head went over max_header_bytes: 414 when it is the request target that is too long (as far as the
// line arrived), 431 when it is the fields.
int too_large_status(const beast::flat_buffer& buffer) {
    std::string_view head(static_cast<const char*>(buffer.data().data()), buffer.size());
    std::string_view line = head.substr(0, head.find('\n'));
    auto first = line.find(' ');
    if (first == std::string_view::npos) return line.size() > max_target_bytes ? 414 : 431;
    auto second = line.find(' ', first + 1);
    std::size_t target = (second == std::string_view::npos ? line.size() : second) - first - 1;
    return target > max_target_bytes ? 414 : 431;
}

Reply plain(int status, std::string body) { return {status, std::move(body), "text/plain; charset=utf-8"}; }

struct Connection {
    explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
    bool answering = false;  // a whole request was read and is being answered: a shutdown lets it finish
};

// Why scrapes run on a thread pool and not as coroutines of this io_context: run_scenario runs a
// scenario's probes as coroutines on io_contexts of its own (the calling thread and --scrape-threads - 1
// more) and returns when they are done (as `run` uses it), opening each probe's socket inside its vantage
// namespace with setns on the thread that runs the probe.
// Giving it an executor would change the runner, which other work is changing now. So a pool of exactly
// --max-concurrent threads, made at start, runs them: the thread count is bounded, a scrape never waits
// for a thread (the cap refuses the one over it), and the I/O thread is never blocked by a probe.
class Server {
public:
    Server(asio::io_context& io, tcp::acceptor& acceptor, const scenarios::Scenario& scenario,
           const ServeLimits& limits)
        : io_(io),
          acceptor_(acceptor),
          scenario_(scenario),
          limits_(limits),
          pool_(static_cast<std::size_t>(limits.max_concurrent)) {
        // One descriptor kept in reserve: when accept() fails with EMFILE it is given up for a moment to take
        // the waiting connection off the queue and close it, rather than leave the client hanging there.
        reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    ~Server() {
        if (reserve_fd_ >= 0) ::close(reserve_fd_);
    }

    asio::awaitable<void> accept_loop();
    asio::awaitable<void> stop_on(asio::signal_set& signals);
    // An exception that leaves a coroutine ends that coroutine only.
    auto survive() {
        return [this](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::bad_alloc&) {
                ++stats_.rejected["memory"];
            } catch (const std::exception& ex) {
                std::cerr << "vpnprobe serve: " << probes::describe_exception(ex) << "\n";
            } catch (...) {}
        };
    }
    bool scrapes_still_running() const { return pool_busy_.load() > 0; }
    void join_pool() {
        pool_.stop();
        pool_.join();
    }

private:
    asio::awaitable<bool> accept_one();
    asio::awaitable<void> session(tcp::socket socket);
    asio::awaitable<void> serve(Connection& c);
    asio::awaitable<bool> send(Connection& c, Reply reply, unsigned version, bool keep_alive);
    asio::awaitable<Reply> scrape(ScrapeJob job);
    asio::awaitable<void> refuse(tcp::socket socket);
    void shed_pending_connection();

    asio::io_context& io_;
    tcp::acceptor& acceptor_;
    const scenarios::Scenario& scenario_;
    ServeLimits limits_;
    ServeStats stats_;
    asio::thread_pool pool_;
    std::atomic<int> pool_busy_{0};
    // The scrapes running now, each asked to end politely when a shutdown leaves too little time for them
    // to end on their own (stop_on). Touched on the I/O thread only.
    std::set<std::shared_ptr<probes::RemoteStop>> scrape_stops_;
    std::set<Connection*> connections_;
    int refusing_ = 0;
    bool stopping_ = false;
    bool stop_requested_ = false;  // the scrapes were asked to end politely (stop_on)
    std::string stop_reason_;
    int reserve_fd_ = -1;
};

asio::awaitable<void> Server::accept_loop() {
    asio::steady_timer backoff(io_);
    while (!stopping_) {
        // Nothing that fails here ends the loop: a server that stopped accepting would look alive.
        bool back_off = false;
        try {
            back_off = co_await accept_one();
        } catch (const std::bad_alloc&) {
            ++stats_.rejected["memory"];
            back_off = true;
        } catch (const std::exception& e) {
            std::cerr << "vpnprobe serve: accept: " << probes::describe_exception(e) << "\n";
            back_off = true;
        }
        if (back_off && !stopping_) {
            backoff.expires_after(100ms);
            co_await backoff.async_wait(use_tuple);
        }
    }
}

// Accepts one connection and starts serving it (or refuses it). True: back off before the next.
asio::awaitable<bool> Server::accept_one() {
    auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
    if (stopping_ || ec == asio::error::operation_aborted) co_return false;
    if (ec) {
        // Out of descriptors or memory: never fatal. Shed what waits, back off briefly, go on.
        ++stats_.accept_errors;
        if (ec == asio::error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system)
            shed_pending_connection();
        else if (ec == asio::error::no_memory || ec == asio::error::no_buffer_space) ++stats_.rejected["memory"];
        if ((stats_.accept_errors & (stats_.accept_errors - 1)) == 0)  // the 1st, 2nd, 4th, 8th ...: no log flood
            std::cerr << "vpnprobe serve: accept: " << ec.message() << " (" << stats_.accept_errors << " so far)\n";
        co_return true;
    }
    ++stats_.connections_accepted;
    if (connections_.size() >= limits_.max_connections) {
        ++stats_.rejected["connections"];
        // Over the cap of those refused politely too: the socket closes here, unanswered.
        if (refusing_ < max_refusing) asio::co_spawn(io_, refuse(std::move(socket)), survive());
        co_return false;
    }
    asio::co_spawn(io_, session(std::move(socket)), survive());
    co_return false;
}

void Server::shed_pending_connection() {
    if (reserve_fd_ >= 0) ::close(reserve_fd_);
    int fd = ::accept4(acceptor_.native_handle(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd >= 0) {
        ::close(fd);
        ++stats_.rejected["descriptors"];
    }
    reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

asio::awaitable<void> Server::refuse(tcp::socket socket) {
    ++refusing_;
    static const std::string body = "too many open connections (--max-connections)\n";
    static const std::string text =
        "HTTP/1.1 503 Service Unavailable\r\nServer: vpnprobe\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    try {
        beast::tcp_stream stream(std::move(socket));
        stream.expires_after(1s);
        auto [ec, n] = co_await asio::async_write(stream, asio::buffer(text), use_tuple);
        if (!ec) {
            ++stats_.responses[503];
            stream.socket().shutdown(tcp::socket::shutdown_send, ec);
            // Take what the client sends until it closes (within the second), so that its request arriving
            // after our close does not turn into a reset that loses the 503 on its side.
            char sink[512];
            for (;;) {
                auto [rec, got] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
                if (rec) break;
            }
        }
    } catch (const std::exception&) {}
    --refusing_;
}

asio::awaitable<void> Server::session(tcp::socket socket) {
    Connection c(std::move(socket));
    connections_.insert(&c);
    ++stats_.connections_open;
    try {
        co_await serve(c);
    } catch (const std::bad_alloc&) {
        ++stats_.rejected["memory"];
    } catch (const std::exception& e) {
        std::cerr << "vpnprobe serve: connection: " << probes::describe_exception(e) << "\n";
    }
    --stats_.connections_open;
    connections_.erase(&c);
    beast::error_code ignored;
    c.stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    c.stream.close();
}

asio::awaitable<void> Server::serve(Connection& c) {
    // Bounded: a head and a body at their limits and what one read may bring beyond them.
    beast::flat_buffer buffer(max_header_bytes + max_body_bytes + 4096);
    for (bool first = true;; first = false) {
        c.answering = false;
        if (stopping_) co_return;
        http::request_parser<http::string_body> parser;
        parser.header_limit(max_header_bytes);
        parser.body_limit(max_body_bytes);
        if (first || buffer.size() > 0) {
            // The first request: its header within the header deadline from accept (a client that connects
            // and says nothing is cut then). A pipelined one: from now.
            c.stream.expires_after(after(limits_.header_timeout));
        } else {
            // Between requests: the idle deadline until the next one's first byte, then the header deadline.
            buffer.shrink_to_fit();  // an idle connection holds no buffer
            c.stream.expires_after(after(limits_.idle_timeout));
            auto [ec, n] = co_await c.stream.async_read_some(buffer.prepare(512), use_tuple);
            if (ec == beast::error::timeout) ++stats_.timeouts["idle"];
            if (ec) co_return;
            buffer.commit(n);
            c.stream.expires_after(after(limits_.header_timeout));
        }
        auto [ec, n] = co_await http::async_read_header(c.stream, buffer, parser, use_tuple);
        // A request that cannot be served ends the connection after its answer. The answer is built before
        // the co_await, in a statement of its own (GCC 12 and temporaries of a conditional in a co_await).
        std::optional<Reply> refusal;
        if (ec == beast::error::timeout) {
            ++stats_.timeouts["header"];
            co_return;
        }
        if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
            if (too_large_status(buffer) == 414)
                refusal = plain(414, "request target longer than " + std::to_string(max_target_bytes) + " bytes\n");
            else refusal = plain(431, "request header larger than " + std::to_string(max_header_bytes) + " bytes\n");
        } else if (ec == http::error::body_limit) {  // a Content-Length over the limit is refused with the head
            refusal = plain(413, "request body larger than " + std::to_string(max_body_bytes) + " bytes\n");
        } else if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
                   (ec && !is_http_error(ec))) {
            co_return;
        } else if (ec) {
            refusal = plain(400, "bad request: " + ec.message() + "\n");
        } else if (parser.get().target().size() > max_target_bytes) {
            refusal = plain(414, "request target longer than " + std::to_string(max_target_bytes) + " bytes\n");
        }
        if (!refusal && !parser.is_done()) {
            c.stream.expires_after(after(limits_.body_timeout));
            auto [bec, bn] = co_await http::async_read(c.stream, buffer, parser, use_tuple);
            if (bec == beast::error::timeout) {
                ++stats_.timeouts["body"];
                co_return;
            }
            if (bec == http::error::body_limit)
                refusal = plain(413, "request body larger than " + std::to_string(max_body_bytes) + " bytes\n");
            else if (bec == http::error::end_of_stream || bec == http::error::partial_message ||
                     (bec && !is_http_error(bec)))
                co_return;
            else if (bec) refusal = plain(400, "bad request: " + bec.message() + "\n");
        }
        if (refusal) {
            const unsigned version = ec ? 11 : parser.get().version();
            co_await send(c, std::move(*refusal), version, false);
            co_return;
        }
        c.answering = true;
        c.stream.expires_never();
        const auto& req = parser.get();
        std::optional<std::string_view> scrape_timeout;
        if (auto h = req.find("X-Prometheus-Scrape-Timeout-Seconds"); h != req.end()) scrape_timeout = h->value();
        Routed routed = route_request(req.method_string(), req.target(), scrape_timeout, scenario_, stats_);
        Reply reply;
        if (routed.scrape) reply = co_await scrape(std::move(*routed.scrape));
        else reply = std::move(routed.reply);
        const bool keep_alive = req.keep_alive() && !stopping_;
        bool sent = co_await send(c, std::move(reply), req.version(), keep_alive);
        if (!sent || !keep_alive) co_return;
    }
}

asio::awaitable<bool> Server::send(Connection& c, Reply reply, unsigned version, bool keep_alive) {
    http::response<http::string_body> res{static_cast<http::status>(reply.status), version};
    res.set(http::field::server, "vpnprobe");
    res.set(http::field::content_type, reply.content_type);
    if (reply.status == 405) res.set(http::field::allow, "GET");
    res.keep_alive(keep_alive);
    res.body() = std::move(reply.body);
    res.prepare_payload();
    ++stats_.responses[reply.status];
    c.stream.expires_after(after(limits_.write_timeout));
    auto [ec, n] = co_await http::async_write(c.stream, res, use_tuple);
    if (ec == beast::error::timeout) ++stats_.timeouts["write"];
    co_return !ec;
}

asio::awaitable<Reply> Server::scrape(ScrapeJob job) {
    if (stats_.scrapes_running >= limits_.max_concurrent) {
        ++stats_.rejected["scrapes"];
        co_return plain(503,
                        "too many scrapes at once (--max-concurrent " + std::to_string(limits_.max_concurrent) + ")\n");
    }
    ++stats_.scrapes_running;
    // The job is shared with the pool thread: the connection may be cut (shutdown) while it runs.
    auto shared = std::make_shared<ScrapeJob>(std::move(job));
    auto remote_stop = std::make_shared<probes::RemoteStop>();
    shared->options.remote_stop = remote_stop;
    shared->options.threads = limits_.scrape_threads > 0
                                  ? limits_.scrape_threads
                                  : scrape_threads_for(std::thread::hardware_concurrency(), limits_.max_concurrent);
    scrape_stops_.insert(remote_stop);
    if (stop_requested_) remote_stop->request(stop_reason_);
    std::atomic<int>* busy = &pool_busy_;
    auto run = [shared, busy]() -> asio::awaitable<scenarios::ScenarioResult> {
        ++*busy;
        struct Done {
            std::atomic<int>* busy;
            ~Done() { --*busy; }
        } done{busy};
        co_return scenarios::run_scenario(shared->scenario, shared->options);
    };
    auto [error, result] = co_await asio::co_spawn(pool_, std::move(run), use_tuple);
    scrape_stops_.erase(remote_stop);
    --stats_.scrapes_running;
    Reply reply;
    if (error) {
        try {
            std::rethrow_exception(error);
        } catch (const std::bad_alloc&) {
            ++stats_.rejected["memory"];
            reply = plain(503, "out of memory\n");
        } catch (const std::exception& e) {
            reply = plain(500, probes::describe_exception(e) + "\n");
        }
        co_return reply;
    }
    ++stats_.scrapes;
    stats_.failed_rows += static_cast<long>(result.failed_rows());
    reply.body = scenarios::report_prometheus(result);
    co_return reply;
}

asio::awaitable<void> Server::stop_on(asio::signal_set& signals) {
    auto [ec, signal] = co_await signals.async_wait(use_tuple);
    if (ec) co_return;
    std::cerr << "vpnprobe serve: " << (signal == SIGTERM ? "SIGTERM" : "SIGINT")
              << ": no new connections; answers in flight get " << limits_.shutdown_timeout << " s\n";
    stopping_ = true;
    beast::error_code ignored;
    acceptor_.close(ignored);
    // Connections waiting for a request, or half way through reading one, are cut now; answers go on.
    for (auto* c : connections_)
        if (!c->answering) c->stream.close();
    asio::steady_timer tick(io_);
    const auto deadline = std::chrono::steady_clock::now() + after(limits_.shutdown_timeout);
    // Scrapes still running this close to the deadline are asked to end politely (an IKEv2 Delete, SSTP
    // CALL_ABORT and close_notify, within probes::kPoliteEndSeconds), so their answers, the unfinished rows
    // marked interrupted, go out before it and no server is left with a half-open session. With a
    // --shutdown-timeout shorter than that margin there is no time for it: they run until cut.
    const auto polite_margin = after(probes::kPoliteEndSeconds + 0.5);
    const auto ask_at = deadline - polite_margin;
    const bool time_to_ask = after(limits_.shutdown_timeout) > polite_margin;
    const std::string reason = signal == SIGTERM ? "SIGTERM" : "SIGINT";
    while (!connections_.empty() && std::chrono::steady_clock::now() < deadline) {
        if (time_to_ask && !stop_requested_ && std::chrono::steady_clock::now() >= ask_at) {
            stop_requested_ = true;
            stop_reason_ = reason;
            for (const auto& s : scrape_stops_) s->request(reason);
        }
        tick.expires_after(20ms);
        co_await tick.async_wait(use_tuple);
    }
    if (!connections_.empty())
        std::cerr << "vpnprobe serve: " << connections_.size() << " answer(s) still in flight after "
                  << limits_.shutdown_timeout << " s: cut\n";
    io_.stop();
}

}  // namespace

int scrape_threads_for(unsigned hardware, int max_concurrent) {
    return std::max(1, static_cast<int>(hardware) / std::max(1, max_concurrent));
}

int run_http_server(const ListenAddress& listen, const scenarios::Scenario& scenario, const ServeLimits& limits) {
    asio::io_context io(1);
    // First of all: from here on SIGTERM and SIGINT stop the server politely instead of killing it.
    asio::signal_set signals(io, SIGTERM, SIGINT);
    std::signal(SIGPIPE, SIG_IGN);
    tcp::acceptor acceptor(io);
    beast::error_code ec;
    auto open = [&](const tcp::endpoint& ep, bool dual_stack) {
        ec = {};
        acceptor.open(ep.protocol(), ec);
        if (!ec && dual_stack) acceptor.set_option(asio::ip::v6_only(false), ec);
        if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
        if (!ec) acceptor.bind(ep, ec);
        if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
        if (!ec) acceptor.native_non_blocking(true, ec);
        if (ec) {
            beast::error_code ignored;
            acceptor.close(ignored);
        }
    };
    if (listen.address.empty()) {
        // Every address: IPv6 and IPv4 on one socket; IPv4 alone on a host without IPv6.
        open(tcp::endpoint(tcp::v6(), listen.port), true);
        if (ec) open(tcp::endpoint(tcp::v4(), listen.port), false);
    } else {
        open(tcp::endpoint(asio::ip::make_address(listen.address), listen.port), false);
    }
    const std::string where = (listen.address.empty()                          ? ""
                               : listen.address.find(':') != std::string::npos ? "[" + listen.address + "]"
                                                                               : listen.address) +
                              ":" + std::to_string(listen.port);
    if (ec) {
        std::cerr << "vpnprobe serve: cannot listen on " << where << ": " << ec.message() << "\n";
        return 1;
    }
    std::unique_ptr<Server> server;
    try {
        server = std::make_unique<Server>(io, acceptor, scenario, limits);
    } catch (const std::exception& e) {
        std::cerr << "vpnprobe serve: cannot start " << limits.max_concurrent
                  << " scrape threads: " << probes::describe_exception(e) << "\n";
        return 1;
    }
    asio::co_spawn(io, server->accept_loop(), server->survive());
    asio::co_spawn(io, server->stop_on(signals), server->survive());
    auto local = acceptor.local_endpoint();
    std::cerr << "vpnprobe serve: listening on "
              << (local.address().is_v6() ? "[" + local.address().to_string() + "]" : local.address().to_string())
              << ":" << local.port() << std::endl;
    for (;;) {
        try {
            io.run();
            break;
        } catch (const std::exception& e) {  // a handler that threw: that work is lost, the server goes on
            std::cerr << "vpnprobe serve: " << probes::describe_exception(e) << "\n";
        }
    }
    std::cerr << "vpnprobe serve: stopped" << std::endl;
    if (server->scrapes_still_running()) {
        // A probe on a pool thread cannot be cut short from here (the runner has no interrupt yet); its
        // answer has nowhere to go. Leave without waiting for it, within the shutdown bound.
        std::cout.flush();
        std::_Exit(0);
    }
    server->join_pool();
    return 0;
}

}  // namespace vpnprobe::cli
