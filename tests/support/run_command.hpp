// Runs a shell command for a test and captures what it prints on stdout, with its exit status.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace vpnprobe::testsupport {

struct CommandResult {
    int exit_code = -1;  // -1 when it could not run or did not exit normally
    std::string out;
};

inline CommandResult run_command(const std::string& cmd) {
    CommandResult r;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    int status = ::pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

}  // namespace vpnprobe::testsupport
