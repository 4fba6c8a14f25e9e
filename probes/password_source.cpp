#include "probes/password_source.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace vpnprobe::probes {

namespace {

// The buffer a password passed through is wiped before it is freed (OPENSSL_cleanse: not optimised away).
struct Wiped {
    std::string s;
    ~Wiped() {
        if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
    }
};

std::runtime_error cannot_read(int err) {
    return std::runtime_error(std::string("cannot be read: ") + std::strerror(err));
}

}  // namespace

std::string read_password_file(const std::string& path) {
    if (path.empty()) throw std::runtime_error("the file name is empty");
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) throw cannot_read(errno);
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd);
        throw cannot_read(EISDIR);
    }
    // Up to the first line end, at most kMaxPasswordBytes + 2 (the password and CRLF): a FIFO (`<(pass show x)`)
    // works too, and nothing past the first line is read.
    Wiped line;
    char c = 0;
    bool ended = false;
    while (line.s.size() <= kMaxPasswordBytes + 1) {
        const ssize_t n = ::read(fd, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            throw cannot_read(err);
        }
        if (n == 0 || c == '\n') {
            ended = true;
            break;
        }
        line.s.push_back(c);
    }
    ::close(fd);
    if (!ended)
        throw std::runtime_error("the first line is longer than " + std::to_string(kMaxPasswordBytes) +
                                 " bytes: not a password file");
    if (!line.s.empty() && line.s.back() == '\r') line.s.pop_back();
    if (line.s.empty()) throw std::runtime_error("the first line is empty");
    if (line.s.size() > kMaxPasswordBytes)
        throw std::runtime_error("the first line is longer than " + std::to_string(kMaxPasswordBytes) +
                                 " bytes: not a password file");
    return line.s;
}

std::string read_password_env(const std::string& name) {
    const char* value = std::getenv(name.c_str());
    if (!value) throw std::runtime_error("is not set");
    if (!*value) throw std::runtime_error("is empty");
    return value;
}

bool is_environment_name(const std::string& name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
    for (char c : name)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

std::optional<std::string> password_file_problem(const std::string& path) {
    try {
        Wiped p{read_password_file(path)};
    } catch (const std::runtime_error& e) {
        return std::string(e.what());
    }
    return std::nullopt;
}

std::optional<std::string> password_env_problem(const std::string& name) {
    if (!is_environment_name(name)) return "is not a name an environment variable can have";
    try {
        (void)read_password_env(name);  // the environment's own copy: nothing of ours to wipe
    } catch (const std::runtime_error& e) {
        return std::string(e.what());
    }
    return std::nullopt;
}

}  // namespace vpnprobe::probes
