#include "scenarios/credentials.hpp"

#include <stdexcept>

#include "probes/password_source.hpp"

namespace vpnprobe::scenarios {

std::string Credentials::source() const {
    return password_file.empty() ? "password_env " + password_env : "password_file " + password_file;
}

std::string Credentials::read_password() const {
    try {
        return password_file.empty() ? probes::read_password_env(password_env)
                                     : probes::read_password_file(password_file);
    } catch (const std::runtime_error& e) {
        throw std::runtime_error("credentials of " + user + ": " + source() + ": " + e.what());
    }
}

}  // namespace vpnprobe::scenarios
