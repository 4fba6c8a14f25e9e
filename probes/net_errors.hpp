// Socket errors in the words an operator needs: what happened, named for what it is ("no route to host" is
// not "connection refused"), and never a library's source location. Boost 1.81's system_error::what() and
// error_code::what() append "[system:101 at /usr/include/boost/asio/...]"; nothing here passes that on.
#pragma once

#include <exception>
#include <string>

#include "probes/failure_reason.hpp"

namespace boost::system {
class error_code;
}

namespace vpnprobe::probes {

// "network unreachable (ENETUNREACH): ..." for the errnos a probe meets on its path or at its vantage
// point; strerror's text for any other errno.
std::string describe_errno(int e);

// The errno behind an error code when it is one (system or generic category), 0 otherwise.
int errno_of(const boost::system::error_code& ec);

// describe_errno for an errno-backed code, ec.message() for anything else (TLS, EOF, ...).
std::string describe_error_code(const boost::system::error_code& ec);

// An exception's text without a library source location; for boost::system::system_error and
// std::system_error with a known errno, the errno named as describe_errno does ("bind: source address not
// available (EADDRNOTAVAIL) ...").
std::string describe_exception(const std::exception& e);
// The errno a std::system_error or boost::system::system_error carries, 0 for any other exception.
int errno_of(const std::exception& e);

// "[2001:db8::1]:443" for an IPv6 literal, "vpn.example.com:443" otherwise: how a host and port are
// printed together everywhere (RFC 3986 3.2.2).
std::string host_port_text(const std::string& host, unsigned port);

// The failure reason a socket errno stands for: refused (ECONNREFUSED: a TCP reset, or ICMP port unreachable
// for UDP), network_unreachable, host_unreachable, connection_timed_out (ETIMEDOUT), peer_closed (ECONNRESET,
// EPIPE); socket_error for any other errno, and for 0.
FailureReason socket_failure_reason(int sys_errno);

// ENETUNREACH, EHOSTUNREACH: the path to the server fails (a route, a router's ICMP), not the probe itself.
bool is_path_errno(int e);

}  // namespace vpnprobe::probes
