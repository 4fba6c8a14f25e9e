// Where a test account's password comes from: never the command line (every user of the machine sees it in
// /proc and ps) nor a scenario file (it is shared, versioned, pasted into tickets), but the first line of a file
// or an environment variable. Read when a probe is about to run, so a rotated password is taken by the next run;
// no result keeps it. Shared by `vpnprobe sstp --password-file` and a scenario's `credentials:`.
#pragma once

#include <optional>
#include <string>

namespace vpnprobe::probes {

// A password longer than this is not one (MS-CHAPv2 takes 256 characters, 512 bytes in UTF-16): the file is
// read no further, so a wrong file (a log, a device) costs no memory.
inline constexpr std::size_t kMaxPasswordBytes = 1024;

// The first line of `path`, without its line end (LF or CRLF). Throws std::runtime_error with the reason
// ("cannot be read: No such file or directory", "the first line is empty", ...), never with the file's content.
std::string read_password_file(const std::string& path);
// The value of the environment variable `name`. Throws std::runtime_error ("is not set", "is empty").
std::string read_password_env(const std::string& name);
// A name an environment variable can have: letters, digits and '_', not starting with a digit.
bool is_environment_name(const std::string& name);

// The reason read_password_file / read_password_env would throw, or nullopt (the password is read and dropped).
std::optional<std::string> password_file_problem(const std::string& path);
std::optional<std::string> password_env_problem(const std::string& name);

}  // namespace vpnprobe::probes
