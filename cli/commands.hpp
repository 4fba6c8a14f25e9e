// The subcommands. Each registers its options on construction and runs after parsing.
#pragma once

#include <functional>
#include <map>
#include <memory>
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

// A subcommand: registers its options on construction, runs when the command line selected it.
class Command {
public:
    virtual ~Command() = default;
    virtual bool selected() const = 0;
    virtual int run() = 0;
};

// The command of each probe kind, by kind name: one per kind of the registry (scenarios/kinds/kinds.hpp);
// tests/unit/test_probe_kinds.cpp proves none is missing.
using CommandFactory = std::function<std::unique_ptr<Command>(CLI::App&)>;
const std::map<std::string, CommandFactory>& probe_commands();

// Every subcommand, in the order `vpnprobe --help` lists them: the probe kinds' (in the registry's order),
// then cert-check, run and serve. Throws std::logic_error when a kind of the registry has no command.
std::vector<std::unique_ptr<Command>> make_commands(CLI::App& app);

class SstpCommand : public Command {
public:
    explicit SstpCommand(CLI::App& app);
    bool selected() const override;
    int run() override;

private:
    CLI::App* sub_;
    std::string target_, sni_, ca_, netns_, source_, interface_, format_ = "text", keylog_;
    double timeout_ = 10, phase_timeout_ = 0;
    bool all_addresses_ = false, verbose_ = false;
    std::string user_, password_file_, ping_;  // the credentialed probe (cli/credentials.cpp)
    int ping_count_ = 3;
    bool allow_weak_auth_ = false;
};

class Ikev2Command : public Command {
public:
    explicit Ikev2Command(CLI::App& app);
    bool selected() const override;
    int run() override;

private:
    CLI::App* sub_;
    std::string host_, preset_, id_, ca_, name_, netns_, source_, interface_, format_ = "text", keylog_;
    std::string eap_, user_, password_file_;  // the user tunnel (cli/credentials.cpp)
    std::string ping_;  // the data path through it
    int ping_count_ = 3;
    std::vector<std::string> proposals_;
    int port_ = 500, nat_t_port_ = 4500;
    std::size_t fragment_size_ = 1280;
    double timeout_ = 10, retransmit_ = 0.5;
    bool sa_init_only_ = false, fresh_key_share_ = false, audit_weak_ = false, no_fragmentation_ = false,
         all_addresses_ = false, verbose_ = false;
};

// Offline check of a candidate certificate (and its key) before it is bound to an SSTP or IKEv2 server.
class CertCheckCommand : public Command {
public:
    explicit CertCheckCommand(CLI::App& app);
    bool selected() const override;
    int run() override;

private:
    CLI::App* sub_;
    std::string cert_, chain_, key_, ca_, at_, format_ = "text";
    std::vector<std::string> names_, uses_;
    int min_days_ = 30, fail_under_days_ = 0;
};

class RunCommand : public Command {
public:
    explicit RunCommand(CLI::App& app);
    bool selected() const override;
    int run() override;

private:
    CLI::App* sub_;
    std::string scenario_, format_ = "table", output_, compare_with_;
    int count_ = 0, parallel_ = 0, threads_ = 0;
    bool dry_run_ = false;
};

class ServeCommand : public Command {
public:
    explicit ServeCommand(CLI::App& app);
    bool selected() const override;
    int run() override;

private:
    CLI::App* sub_;
    std::string scenario_, listen_ = "127.0.0.1:9469";
    ServeLimits limits_;
};

}  // namespace vpnprobe::cli
