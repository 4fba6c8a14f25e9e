// vpnprobe: one binary, one subcommand per job.
// Exit codes: 0 everything held, 1 a probe or check failed, 2 the command line (or a scenario) is unusable,
// 3 some probe could not run for a reason on this machine (a harness error; 3 wins over 1), 4 the report
// could not be written (cli/report_output.hpp), 130/143 stopped by SIGINT/SIGTERM. An exception no command
// expected (out of memory, ...) is reported as could-not-probe (3), never an abort.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/report_output.hpp"
#include "probes/net_errors.hpp"

namespace {

// Whatever a command printed through std::cout reaches stdout, or the exit status says it did not.
int checked_stdout(int status) {
    errno = 0;
    std::cout.flush();
    if (!std::cout) {
        std::cerr << "vpnprobe: cannot write to stdout" << (errno ? std::string(": ") + std::strerror(errno) : "")
                  << "\n";
        return vpnprobe::cli::kExitOutputFailed;
    }
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    // A closed pipe is reported as the write error it is (EPIPE), not a silent death by SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    CLI::App app{"vpnprobe: synthetic SSTP and IKEv2 clients that tell what a Windows VPN client would run into"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "vpnprobe 0.1.0");
    const auto commands = vpnprobe::cli::make_commands(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return 2;
    }
    try {
        for (const auto& command : commands)
            if (command->selected()) return checked_stdout(command->run());
        return checked_stdout(2);
    } catch (const vpnprobe::cli::UsageError& e) {
        std::cerr << "vpnprobe: " << e.what() << "\n";
        return 2;
    } catch (const vpnprobe::cli::OutputError& e) {
        std::cerr << "vpnprobe: " << e.what() << "\n";
        return vpnprobe::cli::kExitOutputFailed;
    } catch (const std::exception& e) {
        // Nothing a command should let through, but never an abort with a library's raw text: it is this
        // machine's trouble (out of descriptors or memory, ...), so nothing is known of the target (3).
        std::cerr << "vpnprobe: could not probe: " << vpnprobe::probes::describe_exception(e) << "\n";
        return 3;
    }
}
