// vpnprobe serve: a scrape target for Prometheus, as blackbox_exporter is one. Each GET /probe runs the
// scenario's rows (all, or those its query names) at that moment and answers with the Prometheus text of
// `vpnprobe run --format prometheus`, within the scrape's own deadline (X-Prometheus-Scrape-Timeout-Seconds,
// as blackbox_exporter takes it). Bad requests get 400 with the reason; the scenario is checked at start.
#include <CLI/CLI.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <atomic>
#include <csignal>
#include <iostream>
#include <map>
#include <thread>

#include "cli/commands.hpp"
#include "cli/host_port.hpp"
#include "scenarios/preflight.hpp"
#include "scenarios/reports.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"

namespace vpnprobe::cli {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;
using namespace vpnprobe::scenarios;

namespace {

// ?a=1&b=two -> {a: 1, b: two}, with %XX and + decoded.
std::map<std::string, std::string> query_of(const std::string& target) {
    std::map<std::string, std::string> q;
    auto at = target.find('?');
    if (at == std::string::npos) return q;
    auto decode = [](const std::string& s) {
        std::string out;
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (s[i] == '+') out += ' ';
            else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
                     std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
                out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
                i += 2;
            } else out += s[i];
        }
        return out;
    };
    std::string rest = target.substr(at + 1);
    std::size_t pos = 0;
    while (pos <= rest.size()) {
        auto amp = rest.find('&', pos);
        std::string pair = rest.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
        auto eq = pair.find('=');
        if (!pair.empty()) q[decode(pair.substr(0, eq))] = eq == std::string::npos ? "" : decode(pair.substr(eq + 1));
        if (amp == std::string::npos) break;
        pos = amp + 1;
    }
    return q;
}

struct Reply {
    http::status status = http::status::ok;
    std::string body;
    std::string type = "text/plain; version=0.0.4; charset=utf-8";
};

class Server {
public:
    Server(Scenario scenario, int max_concurrent) : scenario_(std::move(scenario)), max_concurrent_(max_concurrent) {}

    Reply handle(const http::request<http::string_body>& req) {
        std::string path = std::string(req.target().substr(0, req.target().find('?')));
        if (req.method() != http::verb::get) return {http::status::method_not_allowed, "only GET\n"};
        if (path == "/") return {http::status::ok, index(), "text/plain; charset=utf-8"};
        if (path == "/metrics") return {http::status::ok, own_metrics()};
        if (path != "/probe") return {http::status::not_found, "no such page: try /probe, /metrics or /\n"};
        auto q = query_of(std::string(req.target()));
        for (const auto& [k, v] : q)
            if (k != "probe" && k != "target" && k != "vantage")
                return {http::status::bad_request, "unknown parameter '" + k + "' (probe, target, vantage)\n"};
        Scenario selected;
        try {
            selected = select(scenario_, q["probe"], q["target"], q["vantage"]);
        } catch (const std::invalid_argument& e) {
            return {http::status::bad_request, std::string(e.what()) + "\n"};
        }
        RunOptions opt;
        // blackbox_exporter's rule: answer within the scrape's deadline, leaving it a little room.
        auto header = req.find("X-Prometheus-Scrape-Timeout-Seconds");
        if (header != req.end()) {
            try {
                opt.max_timeout = std::stod(std::string(header->value())) - 0.5;
            } catch (const std::exception&) {
                return {http::status::bad_request, "X-Prometheus-Scrape-Timeout-Seconds is not a number\n"};
            }
        }
        if (in_flight_.fetch_add(1) >= max_concurrent_) {
            in_flight_.fetch_sub(1);
            return {http::status::service_unavailable, "too many scrapes at once (--max-concurrent)\n"};
        }
        ScenarioResult result;
        try {
            result = run_scenario(selected, opt);
        } catch (const std::exception& e) {
            in_flight_.fetch_sub(1);
            return {http::status::internal_server_error, std::string(e.what()) + "\n"};
        }
        in_flight_.fetch_sub(1);
        ++scrapes_;
        failed_rows_ += result.failed_rows();
        return {http::status::ok, report_prometheus(result)};
    }

private:
    std::string index() const {
        std::string s = "vpnprobe serve: " + (scenario_.name.empty() ? scenario_.file : scenario_.name) +
                        "\nGET /probe[?probe=NAME][&target=NAME][&vantage=NAME]  run now, Prometheus text\n"
                        "GET /metrics  the server's own counters\n\nprobes:";
        for (const auto& p : scenario_.probes) s += " " + p.name;
        s += "\ntargets:";
        for (const auto& t : scenario_.targets) s += " " + t.name;
        s += "\nvantage points:";
        for (const auto& v : scenario_.vantage_points) s += " " + v.name;
        return s + "\n";
    }
    std::string own_metrics() const {
        return "# HELP vpnprobe_serve_scrapes_total Scrapes of /probe answered\n# TYPE vpnprobe_serve_scrapes_total counter\n"
               "vpnprobe_serve_scrapes_total " +
               std::to_string(scrapes_.load()) +
               "\n# HELP vpnprobe_serve_failed_rows_total Rows whose expectations did not hold, over all scrapes\n"
               "# TYPE vpnprobe_serve_failed_rows_total counter\nvpnprobe_serve_failed_rows_total " +
               std::to_string(failed_rows_.load()) + "\n# HELP vpnprobe_serve_in_flight Scrapes running now\n"
               "# TYPE vpnprobe_serve_in_flight gauge\nvpnprobe_serve_in_flight " + std::to_string(in_flight_.load()) + "\n";
    }

    Scenario scenario_;
    int max_concurrent_;
    std::atomic<int> in_flight_{0};
    std::atomic<long> scrapes_{0}, failed_rows_{0};
};

// One connection: requests until the client closes, each answered in full.
void serve_connection(tcp::socket socket, Server& server) {
    // A client that connects and says nothing does not hold a thread forever.
    timeval tv{30, 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    boost::beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(16 * 1024);
        parser.body_limit(64 * 1024);
        boost::system::error_code ec;
        http::read(socket, buffer, parser, ec);
        if (ec) return;
        const auto& req = parser.get();
        Reply reply = server.handle(req);
        http::response<http::string_body> res{reply.status, req.version()};
        res.set(http::field::server, "vpnprobe");
        res.set(http::field::content_type, reply.type);
        res.keep_alive(req.keep_alive());
        res.body() = std::move(reply.body);
        res.prepare_payload();
        http::write(socket, res, ec);
        if (ec || !res.keep_alive()) return;
    }
}

}  // namespace

ServeCommand::ServeCommand(CLI::App& app) {
    sub_ = app.add_subcommand("serve",
                              "Serve a scenario to Prometheus: GET /probe runs it (or the probe/target/vantage named) and "
                              "answers with its metrics, within the scrape's deadline");
    sub_->add_option("scenario", scenario_, "Scenario file (YAML)")->required();
    sub_->add_option("--listen", listen_, "ADDRESS:PORT to listen on (default 127.0.0.1:9469)");
    sub_->add_option("--max-concurrent", max_concurrent_, "Scrapes running at once; more get 503 (default 4)")
        ->check(CLI::Range(1, 1000));
}

bool ServeCommand::selected() const { return sub_->parsed(); }

int ServeCommand::run() {
    Scenario scenario;
    try {
        scenario = load_scenario_file(scenario_);
        preflight(scenario);
    } catch (const ScenarioError& e) {
        std::cerr << e.what() << "\n";
        return 2;
    }
    HostPort hp;
    try {
        hp = parse_host_port(listen_, 9469);
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--listen: ") + e.what());
    }
    boost::system::error_code ec;
    auto address = asio::ip::make_address(hp.host, ec);
    if (ec) throw UsageError("--listen needs an IP address, not " + hp.host);
    asio::io_context io;
    tcp::acceptor acceptor(io);
    tcp::endpoint ep(address, hp.port);
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        std::cerr << "vpnprobe serve: cannot listen on " << listen_ << ": " << ec.message() << "\n";
        return 1;
    }
    Server server(std::move(scenario), max_concurrent_);
    std::signal(SIGPIPE, SIG_IGN);
    std::cerr << "vpnprobe serve: listening on " << acceptor.local_endpoint() << "\n";
    for (;;) {
        tcp::socket socket(io);
        acceptor.accept(socket, ec);
        if (ec) continue;
        // A thread per connection: each scrape runs its probes on an io_context of its own, and a slow
        // scrape does not hold up /metrics or the next target's scrape.
        std::thread(serve_connection, std::move(socket), std::ref(server)).detach();
    }
}

}  // namespace vpnprobe::cli
