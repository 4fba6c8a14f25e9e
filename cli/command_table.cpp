#include <CLI/CLI.hpp>
#include <stdexcept>

#include "cli/commands.hpp"
#include "scenarios/probe_kind.hpp"

namespace vpnprobe::cli {

namespace {

template <typename C>
CommandFactory factory() {
    return [](CLI::App& app) -> std::unique_ptr<Command> { return std::make_unique<C>(app); };
}

}  // namespace

const std::map<std::string, CommandFactory>& probe_commands() {
    static const std::map<std::string, CommandFactory> all{
        {"sstp", factory<SstpCommand>()},
        {"ikev2", factory<Ikev2Command>()},
    };
    return all;
}

std::vector<std::unique_ptr<Command>> make_commands(CLI::App& app) {
    std::vector<std::unique_ptr<Command>> out;
    for (const auto* kind : scenarios::probe_kinds()) {
        auto it = probe_commands().find(kind->name());
        if (it == probe_commands().end())
            throw std::logic_error("the probe kind " + kind->name() + " has no command (cli/command_table.cpp)");
        out.push_back(it->second(app));
    }
    out.push_back(std::make_unique<CertCheckCommand>(app));
    out.push_back(std::make_unique<RunCommand>(app));
    out.push_back(std::make_unique<ServeCommand>(app));
    return out;
}

}  // namespace vpnprobe::cli
