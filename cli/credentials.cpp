#include "cli/credentials.hpp"

#include <openssl/crypto.h>

#include <cstdlib>

#include "cli/commands.hpp"
#include "probes/password_source.hpp"

namespace vpnprobe::cli {

std::optional<probes::SstpCredentials> read_credentials(const std::string& user, const std::string& password_file,
                                                        bool allow_weak) {
    if (user.empty()) {
        if (!password_file.empty()) throw UsageError("--password-file needs --user");
        return std::nullopt;
    }
    probes::SstpCredentials c;
    c.user = user;
    c.allow_weak = allow_weak;
    if (!password_file.empty()) {
        try {
            c.password = probes::read_password_file(password_file);
        } catch (const std::runtime_error& e) {
            throw UsageError("--password-file " + password_file + ": " + e.what());
        }
    } else if (const char* env = std::getenv(kPasswordEnv); env && *env) {
        c.password = env;
    } else {
        throw UsageError("--user needs a password: --password-file FILE or the environment variable " +
                         std::string(kPasswordEnv) + " (never on the command line)");
    }
    return c;
}

}  // namespace vpnprobe::cli
