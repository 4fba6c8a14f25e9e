// The subcommands. Each registers its options on construction and runs after parsing.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "cli/serve_http.hpp"

namespace CLI {
class App;
}

namespace vpnprobe::cli {

// A command line that parsed but cannot be used (a bad HOST:PORT, an unreadable CA file ...): exit 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class SstpCommand {
public:
    explicit SstpCommand(CLI::App& app);
    bool selected() const;
    int run();

private:
    CLI::App* sub_;
    std::string target_, sni_, ca_, netns_, source_, interface_, format_ = "text", keylog_;
    double timeout_ = 10, phase_timeout_ = 0;
    bool all_addresses_ = false, verbose_ = false;
};

class Ikev2Command {
public:
    explicit Ikev2Command(CLI::App& app);
    bool selected() const;
    int run();

private:
    CLI::App* sub_;
    std::string host_, preset_, id_, ca_, name_, netns_, source_, interface_, format_ = "text", keylog_;
    std::vector<std::string> proposals_;
    int port_ = 500, nat_t_port_ = 4500;
    std::size_t fragment_size_ = 1280;
    double timeout_ = 10, retransmit_ = 0.5;
    bool sa_init_only_ = false, audit_weak_ = false, no_fragmentation_ = false, all_addresses_ = false,
         verbose_ = false;
};

// Offline check of a candidate certificate (and its key) before it is bound to an SSTP or IKEv2 server.
class CertCheckCommand {
public:
    explicit CertCheckCommand(CLI::App& app);
    bool selected() const;
    int run();

private:
    CLI::App* sub_;
    std::string cert_, chain_, key_, ca_, at_, format_ = "text";
    std::vector<std::string> names_, uses_;
    int min_days_ = 30, fail_under_days_ = 0;
};

class RunCommand {
public:
    explicit RunCommand(CLI::App& app);
    bool selected() const;
    int run();

private:
    CLI::App* sub_;
    std::string scenario_, format_ = "table", output_, compare_with_;
    int count_ = 0, parallel_ = 0;
    bool dry_run_ = false;
};

class ServeCommand {
public:
    explicit ServeCommand(CLI::App& app);
    bool selected() const;
    int run();

private:
    CLI::App* sub_;
    std::string scenario_, listen_ = "127.0.0.1:9469";
    ServeLimits limits_;
};

}  // namespace vpnprobe::cli
