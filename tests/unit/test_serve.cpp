// vpnprobe serve, against a real `vpnprobe serve` child process on 127.0.0.1 with a scenario whose targets
// are UDP ports of 127.0.0.1 (nothing leaves the machine): query semantics, the caps, the deadlines, the
// size limits, --listen forms, signals, and running out of descriptors. No assertion is on a duration:
// deadlines are set small so the tests are quick, and the tests assert what the server does.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <thread>

#include "cli/serve_http.hpp"
#include "cli/serve_listen.hpp"
#include "cli/serve_query.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/serve_process.hpp"

namespace {

using namespace vpnprobe::cli;
using vpnprobe::testsupport::HttpConnection;
using vpnprobe::testsupport::metric_value;
using vpnprobe::testsupport::ServeProcess;
namespace asio = boost::asio;

// ---- in-process: the query and --listen as they are read ----

TEST(ServeQuery, RepeatedParametersAreListsInTheOrderAsked) {
    auto q = parse_probe_query("probe=b&probe=a&target=t1&probe=b&vantage=v%20x&target=t+2");
    EXPECT_EQ(q.probes, (std::vector<std::string>{"b", "a"})) << "a repeat of the same name counts once";
    EXPECT_EQ(q.targets, (std::vector<std::string>{"t1", "t 2"}));
    EXPECT_EQ(q.vantages, (std::vector<std::string>{"v x"}));
    auto none = parse_probe_query("");
    EXPECT_TRUE(none.probes.empty() && none.targets.empty() && none.vantages.empty());
}

TEST(ServeQuery, EmptyUnknownAndBrokenAreRefusedWithTheReason) {
    auto refused = [](const std::string& query) {
        try {
            parse_probe_query(query);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("(accepted)");
    };
    EXPECT_EQ(refused("probe="), "empty value for 'probe': name a probe or leave the parameter out");
    EXPECT_EQ(refused("probe=a&target"), "empty value for 'target': name a target or leave the parameter out");
    EXPECT_EQ(refused("module=http_2xx"), "unknown parameter 'module' (probe, target, vantage)");
    EXPECT_EQ(refused("probe=%zz"), "bad %-escape in the query: '%zz'");
    EXPECT_EQ(refused("probe=a%4"), "bad %-escape in the query: '%4'");
}

TEST(ServeQuery, ScrapeTimeoutMustBeAFiniteNumberAboveZero) {
    EXPECT_DOUBLE_EQ(parse_scrape_timeout("14.5"), 14.5);
    for (const char* bad : {"", "nan", "inf", "-1", "0", "10s", "1e999"})
        EXPECT_THROW(parse_scrape_timeout(bad), std::invalid_argument) << bad;
}

// The cores shared among the scrapes that may run at once: all busy, they use every core and no more.
TEST(ServeScrapeThreads, TheCoresDividedAmongTheConcurrentScrapes) {
    EXPECT_EQ(vpnprobe::cli::scrape_threads_for(2, 4), 1) << "this VM: one thread per scrape";
    EXPECT_EQ(vpnprobe::cli::scrape_threads_for(16, 4), 4);
    EXPECT_EQ(vpnprobe::cli::scrape_threads_for(16, 1), 16);
    EXPECT_EQ(vpnprobe::cli::scrape_threads_for(6, 4), 1);
    EXPECT_EQ(vpnprobe::cli::scrape_threads_for(0, 4), 1) << "cores unknown";
    EXPECT_EQ(vpnprobe::cli::scrape_threads_for(8, 0), 8);
}

TEST(ServeListen, TheFormsUsersWrite) {
    auto every = parse_listen(":9469");
    EXPECT_EQ(every.address, "");
    EXPECT_EQ(every.port, 9469);
    EXPECT_EQ(parse_listen("0.0.0.0:9470").address, "0.0.0.0");
    EXPECT_EQ(parse_listen("[::]:9469").address, "::");
    auto v6 = parse_listen("[::1]:8080");
    EXPECT_EQ(v6.address, "::1");
    EXPECT_EQ(v6.port, 8080);
    EXPECT_EQ(parse_listen("127.0.0.1").port, 9469);
    EXPECT_EQ(parse_listen("::1").address, "::1");
    EXPECT_EQ(parse_listen("127.0.0.1:0").port, 0) << "0 = any free port";
    for (const char* bad : {"", "localhost:9469", "[::1", "[::1]9469", "127.0.0.1:99999", "127.0.0.1:", ":x", "[]:1"})
        EXPECT_THROW(parse_listen(bad), std::invalid_argument) << bad;
}

// ---- against the real server ----

std::uint16_t closed_udp_port() {
    asio::io_context io;
    asio::ip::udp::socket s(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return s.local_endpoint().port();
}

std::uint16_t free_tcp_port() {
    asio::io_context io;
    asio::ip::tcp::acceptor a(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return a.local_endpoint().port();
}

class Serve : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("vpnprobe-serve-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
        // A UDP port that never answers (this socket reads nothing): an IKEv2 probe of it runs to its timeout.
        quiet_ = std::make_unique<asio::ip::udp::socket>(
            io_, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        std::ofstream(scenario())
            << "name: loopback\n"
               "vantage_points: [{name: lo, source: 127.0.0.1}, {name: lo2, source: 127.0.0.1}]\n"
               "targets:\n"
               "  - {name: a, host: 127.0.0.1, ports: {ikev2: "
            << closed_udp_port()
            << "}}\n"
               "  - {name: b, host: 127.0.0.1, ports: {ikev2: "
            << closed_udp_port()
            << "}}\n"
               "  - {name: quiet, host: 127.0.0.1, ports: {ikev2: "
            << quiet_->local_endpoint().port()
            << "}}\n"
               "probes:\n"
               "  - {name: p1, type: ikev2, targets: [a, b], timeout: 2, options: {sa_init_only: true},"
               " expect: {failed_phase: ike_sa_init}}\n"
               "  - {name: p2, type: ikev2, targets: [b], vantage_points: [lo], timeout: 2,"
               " options: {sa_init_only: true}, expect: {failed_phase: ike_sa_init}}\n"
               "  - {name: slow, type: ikev2, targets: [quiet], vantage_points: [lo], timeout: 6,"
               " options: {sa_init_only: true}, expect: {failed_phase: ike_sa_init}}\n";
    }
    void TearDown() override {
        server_.reset();
        std::filesystem::remove_all(dir_);
    }
    std::string scenario() const { return (dir_ / "loopback.yaml").string(); }

    // Starts the server with these options (listening on 127.0.0.1, a free port, unless --listen is among them).
    std::uint16_t start(std::vector<std::string> options = {}, const std::vector<std::string>& wrapper = {}) {
        std::vector<std::string> args = {"serve", scenario()};
        if (std::find(options.begin(), options.end(), "--listen") == options.end())
            options.insert(options.end(), {"--listen", "127.0.0.1:0"});
        args.insert(args.end(), options.begin(), options.end());
        server_ = std::make_unique<ServeProcess>(VPNPROBE_BINARY, args, (dir_ / "serve.log").string(), wrapper);
        auto port = server_->port();
        if (!port) ADD_FAILURE() << "the server did not start: " << server_->log();
        return port.value_or(0);
    }
    std::string metrics(std::uint16_t port) { return HttpConnection(port).get("/metrics", "", false).body; }
    // Sends a scrape of the 6 s probe on `slow` and waits (at most a second) until the server reports it in
    // flight; false when it never does. /metrics answers meanwhile: the I/O thread is never blocked by a probe.
    bool start_slow_scrape(HttpConnection& slow, std::uint16_t port) {
        if (!slow.send_all("GET /probe?probe=slow HTTP/1.1\r\nHost: x\r\n\r\n")) return false;
        for (int i = 0; i < 100; ++i) {
            if (metric_value(metrics(port), "vpnprobe_serve_in_flight") == 1.0) return true;
            ::usleep(10000);
        }
        return false;
    }

    std::filesystem::path dir_;
    asio::io_context io_;
    std::unique_ptr<asio::ip::udp::socket> quiet_;
    std::unique_ptr<ServeProcess> server_;
};

TEST_F(Serve, TwoProbesAskedForAreBothAnswered) {
    auto port = start();
    auto r = HttpConnection(port).get("/probe?probe=p1&probe=p2&vantage=lo");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(
        r.body.find("probe_success{target=\"a\",address=\"127.0.0.1\",vantage=\"lo\",probe=\"p1\",type=\"ikev2\"} 1"),
        std::string::npos)
        << r.body;
    EXPECT_NE(
        r.body.find("probe_success{target=\"b\",address=\"127.0.0.1\",vantage=\"lo\",probe=\"p1\",type=\"ikev2\"} 1"),
        std::string::npos)
        << r.body;
    EXPECT_NE(
        r.body.find("probe_success{target=\"b\",address=\"127.0.0.1\",vantage=\"lo\",probe=\"p2\",type=\"ikev2\"} 1"),
        std::string::npos)
        << r.body;
    EXPECT_EQ(r.body.find("probe=\"slow\""), std::string::npos) << "only the probes asked for";
    EXPECT_EQ(r.body.find("vantage=\"lo2\""), std::string::npos) << "only the vantage point asked for";
    auto two_targets = HttpConnection(port).get("/probe?probe=p1&target=a&target=b&vantage=lo2");
    ASSERT_EQ(two_targets.status, 200) << two_targets.body;
    EXPECT_NE(two_targets.body.find("target=\"a\",address=\"127.0.0.1\",vantage=\"lo2\",probe=\"p1\""),
              std::string::npos);
    EXPECT_NE(two_targets.body.find("target=\"b\",address=\"127.0.0.1\",vantage=\"lo2\",probe=\"p1\""),
              std::string::npos);
}

// A scrape on two threads (--scrape-threads 2): its four rows are all answered, each once.
TEST_F(Serve, AScrapeOnTwoThreadsAnswersEveryRowOnce) {
    auto port = start({"--scrape-threads", "2"});
    auto r = HttpConnection(port).get("/probe?probe=p1");
    ASSERT_EQ(r.status, 200) << r.body;
    for (const std::string target : {"a", "b"})
        for (const std::string vantage : {"lo", "lo2"}) {
            const std::string sample = "probe_success{target=\"" + target + "\",address=\"127.0.0.1\",vantage=\"" +
                                       vantage + "\",probe=\"p1\",type=\"ikev2\"} 1\n";
            auto at = r.body.find(sample);
            EXPECT_NE(at, std::string::npos) << sample << r.body;
            if (at != std::string::npos) {
                EXPECT_EQ(r.body.find(sample, at + 1), std::string::npos) << "twice: " << sample;
            }
        }
}

// Prometheus' own parser (python3-prometheus-client) reads both pages.
TEST_F(Serve, BothPagesParseAsPrometheusText) {
    auto port = start();
    auto check = [&](const std::string& target, const std::string& sample) {
        auto r = HttpConnection(port).get(target, "", false);
        ASSERT_EQ(r.status, 200) << target;
        std::string file = (dir_ / "page.prom").string();
        std::ofstream(file) << r.body;
        auto parsed = vpnprobe::testsupport::run_command(std::string(VPNPROBE_SOURCE_DIR) +
                                                         "/tests/support/parse_prometheus.py " + file + " 2>&1");
        EXPECT_EQ(parsed.exit_code, 0) << target << ": " << parsed.out;
        EXPECT_NE(parsed.out.find(sample), std::string::npos) << target << ": " << parsed.out;
    };
    check("/probe?probe=p2",
          "probe_success{address=\"127.0.0.1\",probe=\"p2\",target=\"b\",type=\"ikev2\",vantage=\"lo\"} 1.0");
    check("/metrics", "vpnprobe_serve_rejected_total{reason=\"connections\"} 0.0");
    check("/metrics", "vpnprobe_serve_scrapes_total{} 1.0");
}

TEST_F(Serve, BadRequestsGetTheirStatusAndTheReason) {
    auto port = start();
    HttpConnection c(port);  // one keep-alive connection: a 400 does not cost the connection
    auto empty = c.get("/probe?probe=");
    EXPECT_EQ(empty.status, 400);
    EXPECT_EQ(empty.body, "empty value for 'probe': name a probe or leave the parameter out\n");
    auto unknown = c.get("/probe?colour=red");
    EXPECT_EQ(unknown.status, 400);
    EXPECT_EQ(unknown.body, "unknown parameter 'colour' (probe, target, vantage)\n");
    auto nothing = c.get("/probe?probe=p2&target=a");
    EXPECT_EQ(nothing.status, 400) << "p2 runs on b only: the query matches no row";
    EXPECT_EQ(nothing.body, "no row matches probe 'p2' and target 'a'; probe 'p2' runs only on target 'b'\n");
    auto nowhere = c.get("/probe?probe=p2&vantage=lo2");
    EXPECT_EQ(nowhere.status, 400);
    EXPECT_NE(nowhere.body.find("probe 'p2' runs only from vantage 'lo'"), std::string::npos) << nowhere.body;
    auto missing = c.get("/probe?probe=p1&probe=nope");
    EXPECT_EQ(missing.status, 400);
    EXPECT_EQ(missing.body, "the scenario has no probe named 'nope'\n");
    auto timeout = c.get("/probe?probe=p1", "X-Prometheus-Scrape-Timeout-Seconds: nan\r\n");
    EXPECT_EQ(timeout.status, 400) << timeout.body;
    EXPECT_EQ(c.get("/nope").status, 404);
    ASSERT_TRUE(c.send_all("POST /probe HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"));
    auto post = c.read_response();
    EXPECT_EQ(post.status, 405);
    EXPECT_NE(post.head.find("Allow: GET"), std::string::npos) << post.head;
    auto m = metrics(port);
    EXPECT_EQ(metric_value(m, "vpnprobe_serve_responses_total{code=\"400\"}"), 6.0) << m;
    EXPECT_EQ(metric_value(m, "vpnprobe_serve_scrapes_total"), 0.0) << "no scenario ran for a refused query";
}

TEST_F(Serve, PipelinedRequestsAreAnsweredInOrder) {
    auto port = start();
    HttpConnection c(port);
    ASSERT_TRUE(
        c.send_all("GET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                   "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    EXPECT_EQ(c.read_response().status, 404);
    EXPECT_EQ(c.read_response().status, 200);
    auto last = c.read_response();
    EXPECT_EQ(last.status, 200);
    EXPECT_NE(last.body.find("probes: p1 p2 slow"), std::string::npos) << last.body;
    EXPECT_TRUE(last.close);
    EXPECT_TRUE(c.closed_by_server());
}

TEST_F(Serve, OverTheConnectionCapTheExtraGets503AndIsCountedThenServingResumes) {
    auto port = start({"--max-connections", "3"});
    std::vector<HttpConnection> held;
    for (int i = 0; i < 3; ++i) {
        held.emplace_back(port);
        ASSERT_EQ(held.back().get("/").status, 200) << "connection " << i << " is within the cap";
    }
    HttpConnection extra(port);
    auto refused = extra.get("/metrics");
    EXPECT_EQ(refused.status, 503);
    EXPECT_EQ(refused.body, "too many open connections (--max-connections)\n");
    EXPECT_TRUE(refused.close);
    EXPECT_TRUE(extra.closed_by_server());
    held.clear();  // the server notices the closes on its own time: look a bounded number of times
    std::string m;
    int refusals = 1;
    for (int i = 0; i < 100; ++i) {
        auto r = HttpConnection(port).get("/metrics", "", false);
        if (r.status == 200) {
            m = r.body;
            break;
        }
        EXPECT_EQ(r.status, 503);
        ++refusals;
        ::usleep(20000);
    }
    ASSERT_FALSE(m.empty()) << "the server serves again once the held connections are closed";
    EXPECT_EQ(metric_value(m, "vpnprobe_serve_rejected_total{reason=\"connections\"}"), refusals) << m;
    EXPECT_EQ(metric_value(m, "vpnprobe_serve_connections"), 1.0) << "this one only";
}

TEST_F(Serve, AnIdleKeepAliveConnectionIsClosedAfterTheIdleDeadline) {
    auto port = start({"--idle-timeout", "0.3"});
    HttpConnection c(port);
    auto r = c.get("/");
    ASSERT_EQ(r.status, 200);
    EXPECT_FALSE(r.close) << "keep-alive: the server means to keep it";
    EXPECT_TRUE(c.closed_by_server())
        << "nothing was sent after the answer: the server must close (the read waits up to 30 s)";
    auto m = metrics(port);
    EXPECT_EQ(metric_value(m, "vpnprobe_serve_timeouts_total{deadline=\"idle\"}"), 1.0) << m;
    EXPECT_EQ(metric_value(m, "vpnprobe_serve_timeouts_total{deadline=\"header\"}"), 0.0) << m;
}

TEST_F(Serve, ASlowHeaderIsCutOff) {
    // The idle deadline is long; the header deadline short. A client that starts a request and then sends
    // one byte at a time (never the blank line that ends the head) must be cut off by the header deadline.
    auto port = start({"--idle-timeout", "600", "--header-timeout", "0.5"});
    HttpConnection c(port);
    ASSERT_EQ(c.get("/").status, 200);
    ASSERT_TRUE(c.send_all("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
    int sent = 0;
    bool cut = false;
    for (; sent < 300 && !cut; ++sent) {  // at most 300 bytes, 100 ms apart: 30 s
        ::usleep(100000);
        cut = c.closed_now() || !c.send_all("x");
    }
    EXPECT_TRUE(cut) << "still open after " << sent << " slow bytes";
    auto m = metrics(port);
    EXPECT_EQ(metric_value(m, "vpnprobe_serve_timeouts_total{deadline=\"header\"}"), 1.0) << m;
    EXPECT_EQ(metric_value(m, "vpnprobe_serve_timeouts_total{deadline=\"idle\"}"), 0.0) << m;
}

TEST_F(Serve, AClientThatConnectsAndSaysNothingIsCutByTheHeaderDeadline) {
    auto port = start({"--idle-timeout", "600", "--header-timeout", "0.3"});
    HttpConnection c(port);
    EXPECT_TRUE(c.closed_by_server());
    EXPECT_EQ(metric_value(metrics(port), "vpnprobe_serve_timeouts_total{deadline=\"header\"}"), 1.0);
}

TEST_F(Serve, ABodyThatStallsIsCutOffAndATooLargeOneIs413) {
    auto port = start({"--body-timeout", "0.3"});
    HttpConnection stalled(port);
    ASSERT_TRUE(stalled.send_all("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly this"));
    EXPECT_TRUE(stalled.closed_by_server()) << "91 bytes of body never come: the body deadline must close it";
    auto large = HttpConnection(port);
    ASSERT_TRUE(large.send_all("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 20000\r\n\r\n"));
    auto r = large.read_response();
    EXPECT_EQ(r.status, 413) << r.body;
    EXPECT_TRUE(r.close);
    auto m = metrics(port);
    EXPECT_EQ(metric_value(m, "vpnprobe_serve_timeouts_total{deadline=\"body\"}"), 1.0) << m;
    EXPECT_EQ(metric_value(m, "vpnprobe_serve_responses_total{code=\"413\"}"), 1.0) << m;
}

TEST_F(Serve, AClientThatDoesNotReadItsAnswersIsCutByTheWriteDeadline) {
    // Requests pipelined without reading a single answer: once the socket buffers are full the server's
    // write cannot finish, and the write deadline must close the connection.
    auto port = start({"--write-timeout", "0.3"});
    HttpConnection c(port);
    const std::string request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    bool cut = false;
    std::size_t sent = 0;
    int looks = 0;  // at most 3000 looks, 10 ms apart, once the buffers are full; at most 50 MB sent before
    while (!cut && looks < 3000 && sent < 50'000'000) {
        ssize_t n = ::send(c.fd(), request.data(), request.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            cut = true;  // EPIPE/ECONNRESET: closed by the server
            break;
        }
        ++looks;
        ::usleep(10000);
        cut = metric_value(metrics(port), "vpnprobe_serve_timeouts_total{deadline=\"write\"}") == 1.0;
    }
    EXPECT_TRUE(cut) << "the server still writes to a client that reads nothing";
    EXPECT_EQ(metric_value(metrics(port), "vpnprobe_serve_timeouts_total{deadline=\"write\"}"), 1.0);
}

TEST_F(Serve, ATooLongTargetIs414AndTooLargeHeaderFieldsAre431) {
    auto port = start();
    auto long_target = HttpConnection(port).get("/probe?probe=" + std::string(9000, 'p'));
    EXPECT_EQ(long_target.status, 414) << long_target.body;
    auto longer = HttpConnection(port).get("/probe?probe=" + std::string(40000, 'p'));
    EXPECT_EQ(longer.status, 414) << "over the whole head's limit too, it is the target that is too long";
    std::string fields;
    for (int i = 0; i < 20; ++i) fields += "X-Filler-" + std::to_string(i) + ": " + std::string(1000, 'f') + "\r\n";
    auto large = HttpConnection(port).get("/metrics", fields);
    EXPECT_EQ(large.status, 431) << large.body;
    EXPECT_TRUE(large.close);
    // Just within the limits: served.
    EXPECT_EQ(HttpConnection(port).get("/?" + std::string(8000, 'x')).status, 200);
    auto m = metrics(port);
    EXPECT_EQ(metric_value(m, "vpnprobe_serve_responses_total{code=\"414\"}"), 2.0) << m;
    EXPECT_EQ(metric_value(m, "vpnprobe_serve_responses_total{code=\"431\"}"), 1.0) << m;
}

TEST_F(Serve, AScrapeOverMaxConcurrentGets503WhileMetricsStillAnswer) {
    auto port = start({"--max-concurrent", "1"});
    HttpConnection slow(port);
    ASSERT_TRUE(start_slow_scrape(slow, port)) << "the slow scrape should be in flight";
    auto second = HttpConnection(port).get("/probe?probe=p1");
    EXPECT_EQ(second.status, 503);
    EXPECT_EQ(second.body, "too many scrapes at once (--max-concurrent 1)\n");
    auto first = slow.read_response();
    EXPECT_EQ(first.status, 200);
    EXPECT_NE(first.body.find("probe=\"slow\""), std::string::npos) << first.body;
    auto m = metrics(port);
    EXPECT_EQ(metric_value(m, "vpnprobe_serve_rejected_total{reason=\"scrapes\"}"), 1.0) << m;
    EXPECT_EQ(metric_value(m, "vpnprobe_serve_scrapes_total"), 1.0) << m;
}

TEST_F(Serve, ListenColonPortIsEveryAddress) {
    auto port = free_tcp_port();
    EXPECT_EQ(start({"--listen", ":" + std::to_string(port)}), port);
    EXPECT_EQ(HttpConnection(port, "127.0.0.1").get("/").status, 200) << "IPv4 loopback";
    // IPv6 loopback, where the host has it (the test skips only that half, saying so).
    asio::io_context io;
    boost::system::error_code ec;
    asio::ip::tcp::socket probe6(io);
    probe6.open(asio::ip::tcp::v6(), ec);
    if (!ec) probe6.bind(asio::ip::tcp::endpoint(asio::ip::make_address("::1"), 0), ec);
    if (ec) GTEST_SKIP() << "no ::1 here: " << ec.message();
    EXPECT_EQ(HttpConnection(port, "::1").get("/").status, 200) << "IPv6 loopback";
}

TEST_F(Serve, ListenOnIPv6LoopbackAndOnIPv4Any) {
    auto any4 = start({"--listen", "0.0.0.0:0"});
    EXPECT_EQ(HttpConnection(any4).get("/").status, 200);
    EXPECT_NE(server_->log().find("listening on 0.0.0.0:"), std::string::npos) << server_->log();
    asio::io_context io;
    boost::system::error_code ec;
    asio::ip::tcp::socket probe6(io);
    probe6.open(asio::ip::tcp::v6(), ec);
    if (!ec) probe6.bind(asio::ip::tcp::endpoint(asio::ip::make_address("::1"), 0), ec);
    if (ec) GTEST_SKIP() << "no ::1 here: " << ec.message();
    auto v6 = start({"--listen", "[::1]:0"});
    EXPECT_NE(server_->log().find("listening on [::1]:"), std::string::npos) << server_->log();
    EXPECT_EQ(HttpConnection(v6, "::1").get("/").status, 200);
}

TEST_F(Serve, BadOptionsAreUsageErrors) {
    for (std::vector<std::string> bad : {std::vector<std::string>{"--listen", "localhost:9469"},
                                         {"--listen", "127.0.0.1:70000"},
                                         {"--idle-timeout", "nan"},
                                         {"--header-timeout", "-1"},
                                         {"--max-connections", "0"},
                                         {"--scrape-threads", "0"}}) {
        std::vector<std::string> args = {"serve", scenario()};
        args.insert(args.end(), bad.begin(), bad.end());
        ServeProcess p(VPNPROBE_BINARY, args, (dir_ / "bad.log").string());
        EXPECT_EQ(p.stop(0), 2) << bad[0] << " " << bad[1] << ": " << p.log();  // signal 0: just wait for the exit
    }
}

TEST_F(Serve, SigtermClosesIdleConnectionsAndExitsZero) {
    auto port = start();
    HttpConnection idle(port);
    ASSERT_EQ(idle.get("/").status, 200);
    EXPECT_EQ(server_->stop(SIGTERM), 0) << server_->log();
    EXPECT_TRUE(idle.closed_by_server());
    EXPECT_FALSE(HttpConnection(port).ok()) << "no longer listening";
    EXPECT_NE(server_->log().find("SIGTERM"), std::string::npos) << server_->log();
}

// The value of the one `name{...}` sample of a Prometheus text (the slow probe's only row), -1 when absent.
double only_sample(const std::string& text, const std::string& name) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(name + "{", 0) == 0) return std::stod(line.substr(line.rfind(' ') + 1));
    return -1;
}

TEST_F(Serve, SigintDuringAScrapeLetsItFinishThenExitsZero) {
    auto port = start({"--shutdown-timeout", "30"});
    HttpConnection slow(port);
    ASSERT_TRUE(start_slow_scrape(slow, port)) << "the slow scrape should be in flight";
    ::kill(server_->pid(), SIGINT);
    auto answer = slow.read_response();
    EXPECT_EQ(answer.status, 200) << "the answer in flight is finished";
    EXPECT_TRUE(answer.close) << "and the connection closed after it";
    EXPECT_EQ(only_sample(answer.body, "vpnprobe_interrupted"), 0.0)
        << "with 30 s to shut down the 6 s probe ends on its own, not interrupted\n"
        << answer.body;
    EXPECT_EQ(server_->stop(0), 0) << server_->log();
}

TEST_F(Serve, AScrapeThatWouldOutlastTheShutdownEndsPolitelyAndIsAnswered) {
    // 3 s to shut down; the scrape's 6 s probe would outlast it. Near the deadline it is asked to end
    // politely (as `vpnprobe run` on SIGTERM), and its answer goes out with the row marked interrupted
    // instead of the connection being cut.
    auto port = start({"--shutdown-timeout", "3"});
    HttpConnection slow(port);
    ASSERT_TRUE(start_slow_scrape(slow, port)) << "the slow scrape should be in flight";
    ::kill(server_->pid(), SIGTERM);
    auto answer = slow.read_response();
    ASSERT_EQ(answer.status, 200) << "answered, not cut\n" << server_->log();
    EXPECT_EQ(only_sample(answer.body, "vpnprobe_interrupted"), 1.0) << answer.body;
    EXPECT_EQ(only_sample(answer.body, "probe_success"), 0.0) << answer.body;
    EXPECT_EQ(server_->stop(0), 0) << server_->log();
}

TEST_F(Serve, AnAnswerStillRunningAfterTheShutdownDeadlineIsCut) {
    auto port = start({"--shutdown-timeout", "0.2"});
    HttpConnection slow(port);
    ASSERT_TRUE(start_slow_scrape(slow, port)) << "the slow scrape should be in flight";
    ::kill(server_->pid(), SIGTERM);
    auto answer = slow.read_response();
    EXPECT_EQ(answer.status, 0) << "the 6 s probe outlasts the shutdown deadline: its connection is cut, unanswered";
    EXPECT_EQ(server_->stop(0), 0) << server_->log();
    EXPECT_NE(server_->log().find("1 answer(s) still in flight after 0.2 s: cut"), std::string::npos) << server_->log();
}

TEST_F(Serve, RunningOutOfDescriptorsIsSurvived) {
    // A hard limit of 40 descriptors: far fewer than the connections opened, so accept() meets EMFILE.
    auto port = start({}, {"prlimit", "--nofile=40:40"});
    ASSERT_NE(port, 0);
    std::vector<HttpConnection> flood;
    for (int i = 0; i < 80; ++i) flood.emplace_back(port, "127.0.0.1", 5);
    for (auto& c : flood) c.send_all("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    int answered = 0;
    for (auto& c : flood) answered += c.read_response().status == 200;
    EXPECT_GT(answered, 0);
    EXPECT_LT(answered, 80) << "some connections cannot have been served with 40 descriptors";
    flood.clear();
    std::string m;
    for (int i = 0; i < 100 && m.empty(); ++i) {
        auto r = HttpConnection(port, "127.0.0.1", 5).get("/metrics", "", false);
        if (r.status == 200) m = r.body;
        else ::usleep(50000);
    }
    ASSERT_FALSE(m.empty()) << "the server serves again: " << server_->log();
    EXPECT_TRUE(server_->running());
    EXPECT_GT(metric_value(m, "vpnprobe_serve_accept_errors_total").value_or(0), 0) << m;
    EXPECT_GT(metric_value(m, "vpnprobe_serve_rejected_total{reason=\"descriptors\"}").value_or(0), 0) << m;
}

}  // namespace
