#include "probes/net_errors.hpp"

#include <boost/system/system_error.hpp>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace vpnprobe::probes {

namespace {

// Boost appends " [category:value at file:line in function '...']" (or " [category:value]") to what();
// the bracket is the library's bookkeeping, not a reason: cut it off.
std::string strip_source_location(std::string text) {
    auto open = text.rfind(" [");
    if (open != std::string::npos && text.ends_with("]")) {
        std::string inside = text.substr(open + 2);
        bool boost_tag = inside.find(':') != std::string::npos &&
                         (inside.find(" at ") != std::string::npos || inside.find(' ') == std::string::npos);
        if (boost_tag) text.erase(open);
    }
    return text;
}

// `what` ends with the system's message for `e`: replace that tail with the named description.
std::string with_named_errno(std::string what, int e) {
    what = strip_source_location(std::move(what));
    if (e == 0) return what;
    std::string plain = std::strerror(e);
    if (what.ends_with(plain)) what.erase(what.size() - plain.size());
    else if (!what.empty()) what += ": ";
    return what + describe_errno(e);
}

}  // namespace

std::string describe_errno(int e) {
    switch (e) {
    case ECONNREFUSED:
        return "connection refused (ECONNREFUSED: the server's host answered with a reset, nothing listens on the port)";
    case ECONNRESET:
        return "connection reset by the peer (ECONNRESET)";
    case ENETUNREACH:
        return "network unreachable (ENETUNREACH: no route to the server's network from this vantage point)";
    case EHOSTUNREACH:
        return "no route to host (EHOSTUNREACH: the server's address did not answer on its link, or a router reported it unreachable)";
    case ENODEV:
        return "no such device (ENODEV: the interface does not exist at this vantage point)";
    case EADDRNOTAVAIL:
        return "source address not available (EADDRNOTAVAIL: the address is not on this vantage point)";
    case ETIMEDOUT:
        return "timed out (ETIMEDOUT)";
    case EACCES:
    case EPERM:
        return std::string("not permitted (") + (e == EACCES ? "EACCES" : "EPERM") + "): " + std::strerror(e);
    case EMFILE:
    case ENFILE:
        return std::string("no file descriptors left (") + (e == EMFILE ? "EMFILE" : "ENFILE") + ")";
    default:
        return std::strerror(e);
    }
}

int errno_of(const boost::system::error_code& ec) {
    if (!ec) return 0;
    if (ec.category() == boost::system::system_category() || ec.category() == boost::system::generic_category())
        return ec.value();
    return 0;
}

std::string describe_error_code(const boost::system::error_code& ec) {
    if (int e = errno_of(ec)) return describe_errno(e);
    return ec.message();  // message() never carries the source location; what() and to_string() do
}

int errno_of(const std::exception& e) {
    if (const auto* b = dynamic_cast<const boost::system::system_error*>(&e)) return errno_of(b->code());
    if (const auto* s = dynamic_cast<const std::system_error*>(&e)) {
        const auto& c = s->code().category();
        if (c == std::system_category() || c == std::generic_category()) return s->code().value();
    }
    return 0;
}

std::string describe_exception(const std::exception& e) { return with_named_errno(e.what(), errno_of(e)); }

std::string host_port_text(const std::string& host, unsigned port) {
    bool v6 = host.find(':') != std::string::npos && !host.starts_with("[");
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

FailureReason socket_failure_reason(int sys_errno) {
    switch (sys_errno) {
    case ECONNREFUSED:
        return FailureReason::refused;
    case ENETUNREACH:
        return FailureReason::network_unreachable;
    case EHOSTUNREACH:
        return FailureReason::host_unreachable;
    case ETIMEDOUT:
        return FailureReason::connection_timed_out;
    case ECONNRESET:
    case EPIPE:
        return FailureReason::peer_closed;
    default:
        return FailureReason::socket_error;
    }
}

bool is_path_errno(int e) { return e == ENETUNREACH || e == EHOSTUNREACH; }

}  // namespace vpnprobe::probes
