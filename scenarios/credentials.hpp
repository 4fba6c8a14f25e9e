// A scenario's test account: `credentials: {user, password_file | password_env}` on a target or a probe. The
// user name and where the password is, never the password: the file's first line or the variable is read when
// the row's probe is about to run (probes/password_source.hpp), and nothing of it reaches a result.
#pragma once

#include <string>

namespace vpnprobe::scenarios {

struct Credentials {
    std::string user;  // SoftEther: user@HUB
    std::string password_file;  // a relative path in the file is made relative to the file's folder
    std::string password_env;  // exactly one of password_file and password_env is given

    // Where the password is, in words for messages: "password_file /etc/vpnprobe/pw", "password_env VPN_PW".
    std::string source() const;
    // The password, read now. Throws std::runtime_error saying where it looked and why it found none, never a
    // word of the file's content.
    std::string read_password() const;
};

}  // namespace vpnprobe::scenarios
