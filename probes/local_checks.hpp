// Checks of what a probe needs on this machine, made before anything is sent: the network namespace
// exists and is one, the source address and the interface exist inside it, a certificate file reads and
// parses. Each returns a sentence saying what is wrong (with the system's reason), or nothing. The CLI
// and the scenario preflight use them so that a local mistake is refused up front (exit 2) instead of
// showing up as a probe that "failed"; the probes use them too, so what slips through (a namespace deleted
// meanwhile) is still reported as the harness's failure, never the target's.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "probes/vantage.hpp"

namespace vpnprobe::probes {

// `netns` (a name under /var/run/netns, or an absolute path) exists, can be opened, is a network
// namespace (a regular file or another kind of namespace is not) and can be entered (setns is permitted).
std::optional<std::string> netns_problem(const std::string& netns);
// The vantage point's source address is an address of this machine inside the vantage point's namespace.
std::optional<std::string> source_problem(const VantagePoint& vp);
// The vantage point's interface exists inside its namespace (SO_BINDTODEVICE works).
std::optional<std::string> interface_problem(const VantagePoint& vp);
// Every problem of a vantage point, each with the field it is about, in the order they are checked: the
// namespace first (when it has one, its source and interface cannot be checked), then the interface and the
// source. The CLI refuses the first; the scenario preflight reports each at its own key.
struct VantageProblem {
    enum class Field { netns, interface, source };
    Field field;
    std::string message;
};
std::vector<VantageProblem> vantage_problems(const VantagePoint& vp);
// The first of vantage_problems' messages.
std::optional<std::string> vantage_problem(const VantagePoint& vp);
// `path` is a regular file this process can read; the system's reason when not ("No such file or
// directory", "Is a directory", "Permission denied").
std::optional<std::string> readable_file_problem(const std::string& path);
// `path` is a readable file holding at least one PEM certificate, and nothing damaged.
std::optional<std::string> certificate_file_problem(const std::string& path);

}  // namespace vpnprobe::probes
