// A real `vpnprobe serve` child process for the tests and the serve benchmark, and a small blocking HTTP
// client for it (POSIX sockets, loopback only). Every wait is bounded by a number of looks or a socket
// timeout, so a broken server fails a test instead of hanging it; nothing here asserts on durations.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace vpnprobe::testsupport {

class ServeProcess {
public:
    // argv after the binary, e.g. {"serve", "s.yaml", "--listen", "127.0.0.1:0"}; `wrapper` goes before
    // the binary (e.g. {"prlimit", "--nofile=32:32"}). The server's stderr goes to `log`.
    ServeProcess(const std::string& binary, const std::vector<std::string>& args, const std::string& log,
                 const std::vector<std::string>& wrapper = {})
        : log_(log) {
        std::vector<std::string> all = wrapper;
        all.push_back(binary);
        all.insert(all.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : all) argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (posix_spawnp(&pid_, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&fa);
    }
    ~ServeProcess() {
        if (pid_ > 0 && !exited_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    ServeProcess(const ServeProcess&) = delete;
    ServeProcess& operator=(const ServeProcess&) = delete;

    pid_t pid() const { return pid_; }
    std::string log() const {
        std::ifstream in(log_);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    // The port from "listening on ADDRESS:PORT", once the server prints it (at most `looks` looks, 50 ms
    // apart); nullopt when it never does (it failed to start: see log()).
    std::optional<std::uint16_t> port(int looks = 200) {
        for (int i = 0; i < looks; ++i) {
            std::string text = log();
            auto at = text.find("listening on ");
            auto eol = at == std::string::npos ? std::string::npos : text.find('\n', at);
            if (eol != std::string::npos) {
                auto colon = text.rfind(':', eol);
                return static_cast<std::uint16_t>(std::stoi(text.substr(colon + 1, eol - colon - 1)));
            }
            if (!running()) return std::nullopt;
            ::usleep(50000);
        }
        return std::nullopt;
    }
    bool running() {
        if (pid_ <= 0 || exited_) return false;
        int status = 0;
        pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            exited_ = true;
            status_ = status;
            return false;
        }
        return true;
    }
    // Sends `signal` and waits for the exit (at most `looks` looks, 50 ms apart). The exit code, or -1
    // when it did not exit (or died of a signal).
    int stop(int signal, int looks = 400) {
        if (pid_ <= 0) return -1;
        if (!exited_) ::kill(pid_, signal);
        for (int i = 0; i < looks && running(); ++i) ::usleep(50000);
        if (!exited_) return -1;
        return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
    }

private:
    std::string log_;
    pid_t pid_ = -1;
    bool exited_ = false;
    int status_ = 0;
};

// A TCP connection to the server, blocking, with a receive timeout as the bound of every read.
class HttpConnection {
public:
    explicit HttpConnection(std::uint16_t port, const std::string& address = "127.0.0.1",
                            int recv_timeout_seconds = 30) {
        bool v6 = address.find(':') != std::string::npos;
        fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) return;
        timeval tv{recv_timeout_seconds, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        int rc = -1;
        if (v6) {
            sockaddr_in6 sa{};
            sa.sin6_family = AF_INET6;
            sa.sin6_port = htons(port);
            ::inet_pton(AF_INET6, address.c_str(), &sa.sin6_addr);
            rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
        } else {
            sockaddr_in sa{};
            sa.sin_family = AF_INET;
            sa.sin_port = htons(port);
            ::inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
            rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
        }
        if (rc != 0) close();
    }
    ~HttpConnection() { close(); }
    HttpConnection(HttpConnection&& o) noexcept : fd_(o.fd_), pending_(std::move(o.pending_)) { o.fd_ = -1; }
    HttpConnection& operator=(HttpConnection&& o) noexcept {
        if (this != &o) {
            close();
            fd_ = o.fd_;
            pending_ = std::move(o.pending_);
            o.fd_ = -1;
        }
        return *this;
    }
    HttpConnection(const HttpConnection&) = delete;

    bool ok() const { return fd_ >= 0; }
    int fd() const { return fd_; }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    bool send_all(const std::string& data) {
        std::size_t off = 0;
        while (off < data.size()) {
            ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
            if (n <= 0) return false;
            off += static_cast<std::size_t>(n);
        }
        return true;
    }

    struct Response {
        int status = 0;  // 0: no (complete) response
        std::string head, body;
        bool close = false;  // the server said Connection: close
    };
    // One response: the head, then Content-Length bytes of body.
    Response read_response() {
        Response r;
        std::size_t end;
        while ((end = pending_.find("\r\n\r\n")) == std::string::npos)
            if (!fill()) return r;
        r.head = pending_.substr(0, end + 4);
        pending_.erase(0, end + 4);
        std::size_t length = 0;
        std::istringstream lines(r.head);
        std::string line;
        while (std::getline(lines, line)) {
            std::string lower;
            for (char c : line) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (lower.rfind("content-length:", 0) == 0) length = std::stoul(lower.substr(15));
            if (lower.rfind("connection:", 0) == 0 && lower.find("close") != std::string::npos) r.close = true;
        }
        while (pending_.size() < length)
            if (!fill()) return r;
        r.body = pending_.substr(0, length);
        pending_.erase(0, length);
        if (r.head.size() > 12) r.status = std::atoi(r.head.substr(9, 3).c_str());
        return r;
    }
    Response get(const std::string& target, const std::string& extra_headers = "", bool keep_alive = true) {
        if (!send_all("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers +
                      (keep_alive ? "" : "Connection: close\r\n") + "\r\n"))
            return {};
        return read_response();
    }
    // Whether the server closes (EOF or reset) before the receive timeout; what it sends first is dropped.
    bool closed_by_server() {
        char buf[4096];
        for (;;) {
            ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n == 0) return true;
            if (n < 0) return errno == ECONNRESET || errno == EPIPE;  // EAGAIN: the timeout passed, still open
        }
    }
    // Without waiting: has the server closed its side?
    bool closed_now() {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0) return false;
        if (p.revents & (POLLHUP | POLLERR)) return true;
        char c;
        ssize_t n = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
    }

private:
    bool fill() {
        char buf[8192];
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) return false;
        pending_.append(buf, static_cast<std::size_t>(n));
        return true;
    }
    int fd_ = -1;
    std::string pending_;
};

// The value of one series in Prometheus text ("name{labels}" exactly as printed), or nullopt.
inline std::optional<double> metric_value(const std::string& text, const std::string& series) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    return std::nullopt;
}

}  // namespace vpnprobe::testsupport
