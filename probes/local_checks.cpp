#include "probes/local_checks.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "probes/certificate.hpp"

namespace vpnprobe::probes {

namespace {

std::string path_of(const std::string& netns) { return netns.starts_with("/") ? netns : "/var/run/netns/" + netns; }

std::string where(const VantagePoint& vp) {
    return vp.netns.empty() ? std::string("this machine's own network namespace") : "network namespace " + vp.netns;
}

// Opens a socket as the probe would (inside the namespace, bound to the interface); nullopt or why not.
std::optional<std::string> try_socket(const VantagePoint& vp, int family, int& fd) {
    try {
        fd = open_vantage_socket(vp, family, SOCK_DGRAM, 0);
        return std::nullopt;
    } catch (const std::system_error& e) {
        return std::string(e.what());
    }
}

}  // namespace

std::optional<std::string> netns_problem(const std::string& netns) {
    if (netns.empty()) return "the network namespace name is empty";
    const std::string path = path_of(netns);
    const std::string what = "network namespace " + netns + (path == netns ? "" : " (" + path + ")");
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return what + ": " + std::strerror(errno);
    if (S_ISDIR(st.st_mode)) return what + ": " + std::strerror(EISDIR);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return what + ": " + std::strerror(errno);
    // nsfs answers NS_GET_NSTYPE; any other file (a regular file, /dev/null) does not (ENOTTY).
    int type = ::ioctl(fd, NS_GET_NSTYPE);
    int err = errno;
    ::close(fd);
    if (type < 0)
        return what + " is not a namespace" + (err == ENOTTY ? std::string() : std::string(": ") + std::strerror(err)) +
               " (expected a bind mount made by `ip netns add`, or /proc/PID/ns/net)";
    if (type != CLONE_NEWNET) return what + " is a namespace, but not a network namespace";
    // Entering it (as every probe's socket will) needs CAP_SYS_ADMIN: find out now, not mid-run.
    VantagePoint ns_only;
    ns_only.netns = netns;
    int sock = -1;
    if (auto why = try_socket(ns_only, AF_INET, sock)) return "cannot open a socket in " + what + ": " + *why;
    ::close(sock);
    return std::nullopt;
}

std::optional<std::string> source_problem(const VantagePoint& vp) {
    if (vp.source.empty()) return std::nullopt;
    sockaddr_storage ss{};
    socklen_t len = 0;
    int family = AF_INET;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (::inet_pton(AF_INET, vp.source.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        len = sizeof *v4;
    } else if (::inet_pton(AF_INET6, vp.source.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        family = AF_INET6;
        len = sizeof *v6;
    } else {
        return "source " + vp.source + " is not an IP address";
    }
    VantagePoint ns_only;
    ns_only.netns = vp.netns;
    int fd = -1;
    if (auto why = try_socket(ns_only, family, fd)) return "cannot check source " + vp.source + ": " + *why;
    // Binding port 0 takes no port from anyone and fails exactly when the address is not ours there.
    int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len);
    int err = errno;
    ::close(fd);
    if (rc != 0)
        return "source " + vp.source + " is not an address of " + where(vp) + " (bind: " + std::strerror(err) + ")";
    return std::nullopt;
}

std::optional<std::string> interface_problem(const VantagePoint& vp) {
    if (vp.interface.empty()) return std::nullopt;
    VantagePoint ns_and_dev;
    ns_and_dev.netns = vp.netns;
    ns_and_dev.interface = vp.interface;
    int fd = -1;
    auto why = try_socket(ns_and_dev, AF_INET, fd);
    if (fd >= 0) ::close(fd);
    if (why) return "interface " + vp.interface + " cannot be used in " + where(vp) + ": " + *why;
    return std::nullopt;
}

std::vector<VantageProblem> vantage_problems(const VantagePoint& vp) {
    using Field = VantageProblem::Field;
    if (!vp.netns.empty())
        if (auto p = netns_problem(vp.netns)) return {{Field::netns, *p}};
    std::vector<VantageProblem> out;
    if (auto p = interface_problem(vp)) out.push_back({Field::interface, *p});
    if (auto p = source_problem(vp)) out.push_back({Field::source, *p});
    return out;
}

std::optional<std::string> vantage_problem(const VantagePoint& vp) {
    auto problems = vantage_problems(vp);
    if (problems.empty()) return std::nullopt;
    return problems.front().message;
}

std::optional<std::string> readable_file_problem(const std::string& path) {
    if (path.empty()) return "the file name is empty";
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return path + ": " + std::strerror(errno);
    if (S_ISDIR(st.st_mode)) return path + ": " + std::strerror(EISDIR);
    // A FIFO or a device would block or never end: a certificate bundle is a file.
    if (!S_ISREG(st.st_mode)) return path + ": not a regular file";
    if (::access(path.c_str(), R_OK) != 0) return path + ": " + std::strerror(errno);
    return std::nullopt;
}

std::optional<std::string> certificate_file_problem(const std::string& path) {
    if (auto p = readable_file_problem(path)) return p;
    try {
        (void)load_pem_certificates(path);
    } catch (const std::exception& e) {
        return std::string(e.what()) + " (expected PEM certificates: -----BEGIN CERTIFICATE-----)";
    }
    return std::nullopt;
}

}  // namespace vpnprobe::probes
