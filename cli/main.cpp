// vpnprobe: one binary, one subcommand per job.
// Exit codes: 0 everything held, 1 a probe or check failed, 2 the command line (or a scenario) is unusable,
// 3 `run` could not probe some row for a reason on this machine (a harness error; 3 wins over 1).
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
    CLI::App app{"vpnprobe: synthetic SSTP and IKEv2 clients that tell what a Windows VPN client would run into"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "vpnprobe 0.1.0");
    vpnprobe::cli::SstpCommand sstp(app);
    vpnprobe::cli::Ikev2Command ikev2(app);
    vpnprobe::cli::CertCheckCommand cert_check(app);
    vpnprobe::cli::RunCommand run(app);
    vpnprobe::cli::ServeCommand serve(app);
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
        if (sstp.selected()) return sstp.run();
        if (ikev2.selected()) return ikev2.run();
        if (cert_check.selected()) return cert_check.run();
        if (run.selected()) return run.run();
        if (serve.selected()) return serve.run();
    } catch (const vpnprobe::cli::UsageError& e) {
        std::cerr << "vpnprobe: " << e.what() << "\n";
        return 2;
    }
    return 2;
}
