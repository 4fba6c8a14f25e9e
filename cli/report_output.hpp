// Writing a report so that nothing is lost silently: every write is checked (a full disk, a closed pipe,
// an unwritable file end the command with a message and exit 4, never 0), and --output is replaced
// atomically (a temporary file in the same folder, fsync, rename), so a failed write leaves the previous
// report whole and no temporary file behind.
#pragma once

#include <stdexcept>
#include <string>

namespace vpnprobe::cli {

// The report could not be written: exit 4 (main.cpp).
struct OutputError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
constexpr int kExitOutputFailed = 4;

// Before anything runs: the folder of `path` exists and is writable, and `path` is not a folder.
// Throws UsageError (exit 2) saying what is wrong. "" (stdout) is always fine.
void check_output_path(const std::string& option, const std::string& path);

// Writes all of `text` to stdout, or throws OutputError with the system's reason.
void write_stdout(const std::string& text);

// Writes `text` to `path` ("" = stdout): a regular file (or a new one) atomically; a device or a pipe
// (/dev/stdout, a FIFO) directly, since renaming over it would replace it. Throws OutputError.
void write_report(const std::string& option, const std::string& path, const std::string& text);

}  // namespace vpnprobe::cli
