// vpnprobe_serve_bench: a load test of `vpnprobe serve`, loopback only. It starts the real server (as a
// child process) on 127.0.0.1 with a scenario probing closed UDP ports of 127.0.0.1, holds 1,000 idle
// keep-alive connections, runs 10,000 requests beside them (/metrics, / and one in ten /probe), closes the
// idle ones, and does it all twice (or N times: vpnprobe_serve_bench N). It records the server's resident
// memory and open descriptors at each step and prints them with the bound stated in bench/README.md.
// It prints figures and asserts nothing.
#include <sys/resource.h>

#include <dirent.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "tests/support/serve_process.hpp"

namespace {

using vpnprobe::testsupport::HttpConnection;
using vpnprobe::testsupport::metric_value;
using vpnprobe::testsupport::ServeProcess;

constexpr int idle_connections = 1000;
constexpr int requests = 10000;
constexpr int client_threads = 4;  // = the server's --max-concurrent, so every /probe is run, none refused

struct Snapshot {
    long rss_kib = -1;
    int fds = -1;
};

Snapshot snapshot(pid_t pid) {
    Snapshot s;
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) s.rss_kib = std::stol(line.substr(6));
    s.fds = 0;
    if (DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
        while (auto* e = ::readdir(d))
            if (e->d_name[0] != '.') ++s.fds;
        ::closedir(d);
    }
    return s;
}

std::uint16_t closed_udp_port() {
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    socklen_t len = sizeof sa;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    ::close(fd);
    return ntohs(sa.sin_port);
}

void print(const std::string& step, const Snapshot& s) {
    std::printf("  %-52s RSS %7.1f MiB   descriptors %5d\n", step.c_str(), static_cast<double>(s.rss_kib) / 1024.0,
                s.fds);
}

// Waits (bounded) until the server reports `want` open connections (the one asking included).
void settle(std::uint16_t port, int want) {
    for (int i = 0; i < 200; ++i) {
        auto m = HttpConnection(port).get("/metrics", "", false).body;
        if (metric_value(m, "vpnprobe_serve_connections") == want) {
            ::usleep(100000);  // and the server has closed the asking connection too
            return;
        }
        ::usleep(20000);
    }
    std::printf("  (the server still had other connections open after 4 s)\n");
}

struct Round {
    Snapshot held, loaded, closed;
    double seconds = 0;
    std::map<int, int> statuses;
};

Round round(pid_t pid, std::uint16_t port) {
    Round r;
    std::vector<HttpConnection> idle;
    idle.reserve(idle_connections);
    for (int i = 0; i < idle_connections; ++i) {
        idle.emplace_back(port);
        r.statuses[idle.back().get("/metrics").status]++;  // one request each, then idle (keep-alive)
    }
    r.held = snapshot(pid);
    std::mutex mutex;
    std::atomic<int> next{0};
    auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < client_threads; ++t)
        threads.emplace_back([&] {
            HttpConnection c(port);
            std::map<int, int> mine;
            for (int i = next++; i < requests; i = next++) {
                const char* target = i % 10 == 0 ? "/probe?probe=closed" : i % 2 ? "/metrics" : "/";
                auto res = c.get(target);
                mine[res.status]++;
                if (res.status == 0 || res.close) c = HttpConnection(port);
            }
            std::lock_guard lock(mutex);
            for (auto [code, n] : mine) r.statuses[code] += n;
        });
    for (auto& t : threads) t.join();
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.loaded = snapshot(pid);
    idle.clear();
    settle(port, 1);
    r.closed = snapshot(pid);
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    const int round_count = argc > 1 ? std::max(2, std::atoi(argv[1])) : 2;
    // The bench itself holds 1,000 connections and more: take the hard descriptor limit.
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);

    auto dir = std::filesystem::temp_directory_path() / ("vpnprobe-serve-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::string scenario = (dir / "loopback.yaml").string();
    std::ofstream(scenario) << "name: serve-bench\nvantage_points: [{name: lo, source: 127.0.0.1}]\n"
                               "targets: [{name: closed, host: 127.0.0.1, ports: {ikev2: "
                            << closed_udp_port()
                            << "}}]\n"
                               "probes: [{name: closed, type: ikev2, timeout: 2, options: {sa_init_only: true},"
                               " expect: {failed_phase: ike_sa_init}}]\n";
    ServeProcess server(VPNPROBE_BINARY,
                        {"serve", scenario, "--listen", "127.0.0.1:0", "--max-connections", "2000", "--max-concurrent",
                         std::to_string(client_threads), "--idle-timeout", "3600"},
                        (dir / "serve.log").string());
    auto port = server.port();
    if (!port) {
        std::cerr << "the server did not start: " << server.log();
        return 1;
    }
    HttpConnection(*port).get("/", "", false);
    settle(*port, 1);
    Snapshot start = snapshot(server.pid());
    std::printf(
        "vpnprobe serve under load (loopback): %d idle keep-alive connections held, %d requests beside them "
        "from %d clients (/metrics, /, and /probe of a closed 127.0.0.1 port every 10th), %d times\n",
        idle_connections, requests, client_threads, round_count);
    print("started", start);
    std::vector<Round> rounds(static_cast<std::size_t>(round_count));
    for (int n = 0; n < round_count; ++n) {
        rounds[n] = round(server.pid(), *port);
        const auto& r = rounds[static_cast<std::size_t>(n)];
        std::printf(" round %d: %d requests in %.2f s (%.0f per second); answers:", n + 1, requests, r.seconds,
                    requests / r.seconds);
        for (auto [code, count] : r.statuses) std::printf(" %d x %d", count, code);
        std::printf(" (the 1,000 idle connections' first requests included)\n");
        print("1,000 idle connections held", r.held);
        print("after 10,000 requests, idle connections still held", r.loaded);
        print("after the idle connections closed", r.closed);
    }
    const auto& first = rounds.front().closed;
    const auto& last = rounds.back().closed;
    std::printf(" growth from the end of round 1 to the end of round %d: RSS %+.1f MiB, descriptors %+d\n", round_count,
                static_cast<double>(last.rss_kib - first.rss_kib) / 1024.0, last.fds - first.fds);
    std::printf(" growth from start to the end of round %d:             RSS %+.1f MiB, descriptors %+d\n", round_count,
                static_cast<double>(last.rss_kib - start.rss_kib) / 1024.0, last.fds - start.fds);
    std::printf(
        " bound (bench/README.md): descriptors back to the start's count; RSS at the end of the last round at most "
        "2 MiB above the end of round 1: %s\n",
        last.fds <= start.fds && last.rss_kib - first.rss_kib <= 2048 ? "within" : "NOT within");
    int code = server.stop(SIGTERM);
    std::printf(" SIGTERM: the server exited with %d\n", code);
    std::filesystem::remove_all(dir);
    return 0;
}
