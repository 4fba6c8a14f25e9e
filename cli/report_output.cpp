#include "cli/report_output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cli/commands.hpp"

namespace vpnprobe::cli {

namespace {

std::string reason() { return std::strerror(errno); }

// write(2) until everything is out; false with errno set on the first failure.
bool write_all(int fd, const std::string& text) {
    const char* p = text.data();
    std::size_t left = text.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = EIO;
            return false;
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    return true;
}

std::string folder_of(const std::string& path) {
    std::string dir = std::filesystem::path(path).parent_path().string();
    return dir.empty() ? "." : dir;
}

// A device or FIFO named as --output: written in place.
void write_in_place(const std::string& option, const std::string& path, const std::string& text) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) throw OutputError(option + " " + path + ": cannot open: " + reason());
    bool ok = write_all(fd, text);
    std::string why = ok ? "" : reason();
    if (::close(fd) != 0 && ok) {
        ok = false;
        why = reason();
    }
    if (!ok) throw OutputError(option + " " + path + ": cannot write the report: " + why);
}

}  // namespace

void check_output_path(const std::string& option, const std::string& path) {
    if (path.empty()) return;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) throw UsageError(option + " " + path + ": is a folder, not a file");
        if (!S_ISREG(st.st_mode)) {
            if (::access(path.c_str(), W_OK) != 0)
                throw UsageError(option + " " + path + ": not writable: " + reason());
            return;
        }
    }
    const std::string dir = folder_of(path);
    if (::stat(dir.c_str(), &st) != 0)
        throw UsageError(option + " " + path + ": the folder " + dir + " cannot be used: " + reason());
    if (!S_ISDIR(st.st_mode)) throw UsageError(option + " " + path + ": " + dir + " is not a folder");
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
        throw UsageError(option + " " + path + ": the folder " + dir + " is not writable: " + reason());
}

void write_stdout(const std::string& text) {
    if (!write_all(STDOUT_FILENO, text)) throw OutputError("cannot write the report to stdout: " + reason());
}

void write_report(const std::string& option, const std::string& path_given, const std::string& text) {
    if (path_given.empty()) return write_stdout(text);
    std::string path = path_given;
    struct stat st {};
    bool exists = ::stat(path.c_str(), &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) return write_in_place(option, path, text);
    // A symbolic link to a report: replace the file it points to, not the link.
    std::error_code ec;
    if (exists && std::filesystem::is_symlink(path, ec)) path = std::filesystem::canonical(path, ec).string();
    const std::string dir = folder_of(path);
    std::string temp = dir + "/." + std::filesystem::path(path).filename().string() + ".XXXXXX";
    int fd = ::mkstemp(temp.data());
    if (fd < 0)
        throw OutputError(option + " " + path_given + ": cannot create a temporary file in " + dir + ": " + reason());
    // The new report keeps the old one's permissions; a new one gets what the umask allows.
    mode_t mode = exists ? (st.st_mode & 07777) : 0;
    if (!exists) {
        mode_t mask = ::umask(0);
        ::umask(mask);
        mode = 0666 & ~mask;
    }
    std::string failed;
    if (!write_all(fd, text)) failed = "cannot write the report: " + reason();
    else if (::fchmod(fd, mode) != 0) failed = "cannot set its permissions: " + reason();
    else if (::fsync(fd) != 0) failed = "cannot write the report to disk (fsync): " + reason();
    if (::close(fd) != 0 && failed.empty()) failed = "cannot write the report (close): " + reason();
    if (failed.empty() && ::rename(temp.c_str(), path.c_str()) != 0)
        failed = "cannot put the report in place: " + reason();
    if (!failed.empty()) {
        ::unlink(temp.c_str());
        throw OutputError(option + " " + path_given + ": " + failed +
                          (exists ? " (the previous file is left as it was)" : ""));
    }
    // The rename itself reaches the disk with the folder's entry.
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

}  // namespace vpnprobe::cli
