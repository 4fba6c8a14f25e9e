// Vantage points: where a probe's packets leave from. A network namespace (the socket is created inside
// it with setns(2) on the calling thread, which then switches back: the socket keeps its namespace and
// can be used from any thread), a source address, an interface (SO_BINDTODEVICE), or several of these.
#pragma once

#include <string>
#include <vector>

namespace vpnprobe::probes {

struct VantagePoint {
    std::string name;  // for reports; "local" when nothing is set
    std::string netns;  // a name under /var/run/netns, or an absolute path to a netns file; "" = ours
    std::string source;  // source address to bind, "" = kernel's choice
    std::string interface;  // SO_BINDTODEVICE, "" = none

    std::string label() const;  // name, or a description built from the fields
};

// Creates a socket inside the vantage point's namespace and applies SO_BINDTODEVICE.
// Throws std::system_error naming the step that failed (no such namespace, setns not permitted, ...).
int open_vantage_socket(const VantagePoint& vp, int family, int type, int protocol);

// Identity of the network namespace the calling thread is in ("net:[4026531840]"), for safety checks
// and reports.
std::string current_netns_id();
std::string netns_id_of(const VantagePoint& vp);

// Runs getaddrinfo for `host` from inside the vantage point's namespace (its resolv.conf is the one of
// the calling process: like `ip netns exec` without /etc/netns). Returns textual addresses, IPv6 and
// IPv4, duplicates removed, in the resolver's order. Throws std::runtime_error with gai_strerror.
std::vector<std::string> resolve_in_vantage(const VantagePoint& vp, const std::string& host);

// True when `host` is an IPv4 or IPv6 literal (brackets not allowed).
bool is_ip_literal(const std::string& host);

}  // namespace vpnprobe::probes
