#include "cli/credentials.hpp"

#include <openssl/crypto.h>

#include <cstdlib>
#include <fstream>

#include "cli/commands.hpp"

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
        std::ifstream in(password_file, std::ios::binary);
        if (!in) throw UsageError("--password-file " + password_file + ": cannot be read");
        std::getline(in, c.password);
        if (!c.password.empty() && c.password.back() == '\r') c.password.pop_back();
        if (c.password.empty()) throw UsageError("--password-file " + password_file + ": the first line is empty");
    } else if (const char* env = std::getenv(kPasswordEnv); env && *env) {
        c.password = env;
    } else {
        throw UsageError("--user needs a password: --password-file FILE or the environment variable " +
                         std::string(kPasswordEnv) + " (never on the command line)");
    }
    return c;
}

}  // namespace vpnprobe::cli
