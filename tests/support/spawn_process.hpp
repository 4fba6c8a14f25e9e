// Starts a program for a test directly, without a shell (a shell's background job would ignore SIGINT),
// with chosen signals at their default action, so a test can send it SIGINT or SIGTERM and see what the
// program itself does with them.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <initializer_list>
#include <string>
#include <vector>

extern char** environ;

namespace vpnprobe::testsupport {

struct SpawnIo {
    int stdout_fd = -1;  // dup2'd to stdout when >= 0 ...
    std::string stdout_path = "/dev/null";  // ... else this file, truncated
    std::string stderr_path = "/dev/null";
};

// The child's pid, -1 when it could not be started.
inline pid_t spawn_process(const std::string& program, const std::vector<std::string>& args, const SpawnIo& io,
                           std::initializer_list<int> default_signals) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (io.stdout_fd >= 0) posix_spawn_file_actions_adddup2(&fa, io.stdout_fd, STDOUT_FILENO);
    else
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, io.stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0600);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, io.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t def;
    sigemptyset(&def);
    for (int s : default_signals) sigaddset(&def, s);
    posix_spawnattr_setsigdefault(&attr, &def);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
    std::vector<std::string> all{program};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, program.c_str(), &fa, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    return rc == 0 ? pid : -1;
}

}  // namespace vpnprobe::testsupport
