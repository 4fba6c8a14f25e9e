#include "probes/vantage.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netdb.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace vpnprobe::probes {

namespace {

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

std::string netns_path(const std::string& netns) { return netns.starts_with("/") ? netns : "/var/run/netns/" + netns; }

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

private:
    int fd_;
};

// This thread's own network namespace, opened on its first guard and kept for the thread's life (closed when the
// thread ends). The guards below are the only setns of the process and each returns the thread to where it was,
// so outside a guard a thread is always in its own namespace: opening /proc/thread-self/ns/net again for every
// socket (a path walk through /proc, then a close) was a tenth of an SA_INIT-only probe's CPU.
int home_netns() {
    struct Home {
        int fd = -1;
        ~Home() {
            if (fd >= 0) ::close(fd);
        }
    };
    thread_local Home home;
    if (home.fd < 0) {
        home.fd = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (home.fd < 0) throw_errno("open /proc/thread-self/ns/net");
    }
    return home.fd;
}

// Enters a network namespace on this thread for the lifetime of the object, then returns the thread to its own
// (home_netns). setns(CLONE_NEWNET) only affects the calling thread, so other coroutines on other threads are not
// disturbed; on the io_context thread nothing else runs meanwhile. Guards do not nest. The target namespace is
// opened by its name every time: a namespace deleted and made again under the same name is the new one.
class NetnsGuard {
public:
    explicit NetnsGuard(const std::string& netns) {
        if (netns.empty()) return;
        const int home = home_netns();
        Fd target(::open(netns_path(netns).c_str(), O_RDONLY | O_CLOEXEC));
        if (target.get() < 0) {
            int e = errno;
            throw std::system_error(e, std::generic_category(), "network namespace " + netns_path(netns));
        }
        if (::setns(target.get(), CLONE_NEWNET) != 0) {
            int e = errno;
            throw std::system_error(e, std::generic_category(), "setns into " + netns_path(netns));
        }
        home_ = home;
    }
    ~NetnsGuard() {
        if (home_ < 0) return;
        // Failing to return would leave this thread in the wrong namespace for every later socket:
        // that is not recoverable, so stop rather than send traffic from the wrong place.
        if (::setns(home_, CLONE_NEWNET) != 0) std::terminate();
    }
    NetnsGuard(const NetnsGuard&) = delete;
    NetnsGuard& operator=(const NetnsGuard&) = delete;

private:
    int home_ = -1;  // not ours to close
};

std::string ns_id_of_path(const std::string& path) {
    char buf[128];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
    if (n > 0) return std::string(buf, static_cast<std::size_t>(n));
    // Files under /var/run/netns are bind mounts, not links: identify them by inode like the kernel does.
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw_errno("stat " + path);
    return "net:[" + std::to_string(st.st_ino) + "]";
}

}  // namespace

std::string VantagePoint::label() const {
    if (!name.empty()) return name;
    std::string s;
    if (!netns.empty()) s += "netns=" + netns;
    if (!source.empty()) s += (s.empty() ? "" : ",") + std::string("source=") + source;
    if (!interface.empty()) s += (s.empty() ? "" : ",") + std::string("dev=") + interface;
    return s.empty() ? "local" : s;
}

int open_vantage_socket(const VantagePoint& vp, int family, int type, int protocol) {
    int raw;
    {
        NetnsGuard in(vp.netns);
        raw = ::socket(family, type | SOCK_CLOEXEC, protocol);
        if (raw < 0) throw_errno("socket");
    }
    Fd fd(raw);
    if (!vp.interface.empty()) {
        if (::setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, vp.interface.c_str(),
                         static_cast<socklen_t>(vp.interface.size())) != 0)
            throw_errno("SO_BINDTODEVICE " + vp.interface);
    }
    return fd.release();
}

std::string current_netns_id() { return ns_id_of_path("/proc/thread-self/ns/net"); }

std::string netns_id_of(const VantagePoint& vp) {
    return vp.netns.empty() ? current_netns_id() : ns_id_of_path(netns_path(vp.netns));
}

bool is_ip_literal(const std::string& host) {
    unsigned char buf[16];
    return ::inet_pton(AF_INET, host.c_str(), buf) == 1 || ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::vector<std::string> resolve_in_vantage(const VantagePoint& vp, const std::string& host) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    int rc;
    {
        NetnsGuard in(vp.netns);
        rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
    }
    // EAI_SYSTEM (no descriptors left, ...) and EAI_MEMORY are this machine's trouble, not the name's:
    // a system_error, which the probes report as the harness's own failure.
    if (rc == EAI_SYSTEM) throw std::system_error(errno, std::generic_category(), "cannot resolve " + host);
    if (rc == EAI_MEMORY) throw std::system_error(ENOMEM, std::generic_category(), "cannot resolve " + host);
    if (rc != 0) throw std::runtime_error("cannot resolve " + host + ": " + ::gai_strerror(rc));
    std::vector<std::string> out;
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
        char text[INET6_ADDRSTRLEN] = {};
        const void* src = ai->ai_family == AF_INET6
                              ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr)
                              : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr);
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
        ::inet_ntop(ai->ai_family, src, text, sizeof text);
        if (std::find(out.begin(), out.end(), text) == out.end()) out.emplace_back(text);
    }
    ::freeaddrinfo(res);
    if (out.empty()) throw std::runtime_error("cannot resolve " + host + ": no IPv4 or IPv6 address");
    return out;
}

}  // namespace vpnprobe::probes
