// The test account of a credentialed probe: the user name from the command line, the password never from it
// (a command line is visible to every user of the machine in /proc and ps), but from a file or the environment.
#pragma once

#include <optional>
#include <string>

#include "probes/sstp/sstp_tunnel.hpp"

namespace vpnprobe::cli {

// The environment variable that may hold the password.
inline constexpr const char* kPasswordEnv = "VPNPROBE_PASSWORD";

// nullopt when `user` is empty (and neither a password file nor anything else asks for one). The password comes
// from the first line of `password_file` (without its line end) or, without a file, from VPNPROBE_PASSWORD.
// Throws UsageError (exit 2) for a password without a user, a user without a password, an unreadable or empty
// file; the message never quotes the password.
std::optional<probes::SstpCredentials> read_credentials(const std::string& user, const std::string& password_file,
                                                        bool allow_weak);

}  // namespace vpnprobe::cli
