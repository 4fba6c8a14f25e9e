#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "cli/report_output.hpp"
#include "scenarios/preflight.hpp"
#include "scenarios/probe_kind.hpp"
#include "scenarios/reports.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"

namespace vpnprobe::cli {

using namespace vpnprobe::scenarios;

RunCommand::RunCommand(CLI::App& app) {
    sub_ =
        app.add_subcommand("run",
                           "Run a scenario file: every probe against every target from every vantage point, judged by "
                           "the scenario's expectations");
    sub_->add_option("scenario", scenario_, "Scenario file (YAML; schema: scenarios/scenario.schema.json)")->required();
    sub_->add_option("--format", format_, "Report format")
        ->check(CLI::IsMember({"table", "json", "junit", "prometheus"}))
        ->capture_default_str();
    sub_->add_option("--output", output_, "Write the report to FILE (default: stdout)");
    sub_->add_option("--count", count_,
                     "Run each probe N times and aggregate timings (min, median, p95) (default: the scenario's count, "
                     "else 1)")
        ->check(CLI::Range(1, 100000));
    sub_->add_option("--parallel", parallel_,
                     "At most N probes in flight at once, over all threads (no thread per probe) (default: the "
                     "scenario's parallel, else 64)")
        ->check(CLI::Range(1, 100000));
    sub_->add_option("--threads", threads_,
                     "Run the probes on N threads, each with its own event loop (default: the cores, at most 16; "
                     "never more than the rows or --parallel)")
        ->check(CLI::Range(1, 256));
    non_empty(sub_->add_option("--compare-with", compare_with_,
                               "PEM of a candidate certificate: show how each served certificate differs from it"));
    sub_->add_flag("--dry-run", dry_run_, "Check the scenario and print the rows it would run, without probing");
}

bool RunCommand::selected() const { return sub_->parsed(); }

int RunCommand::run() {
    check_certificate_file("--compare-with", compare_with_);
    check_output_path("--output", output_);  // before anything runs: a report with nowhere to go is lost
    Scenario scenario;
    try {
        scenario = load_scenario_file(scenario_);
        preflight(scenario);  // namespaces, addresses, interfaces, CA files: before anything runs, --dry-run too
    } catch (const ScenarioError& e) {
        std::cerr << e.what() << "\n";
        return 2;
    }
    if (dry_run_) {
        for (const auto& row : plan_rows(scenario)) {
            std::cout << row.target->name << " " << (row.address.empty() ? "(unresolved)" : row.address) << " "
                      << row.vantage->name << " " << row.probe->name << " (" << row.probe->kind().name() << ")";
            // The account a row logs in with (its user name only: the password is the run's to read).
            if (const auto c = row.probe->credentials_for(*row.target)) std::cout << " logs in as " << c->user;
            std::cout << "\n";
        }
        return 0;
    }
    RunOptions opt;
    if (count_) opt.count = count_;
    if (parallel_) opt.parallel = parallel_;
    if (threads_) opt.threads = threads_;
    if (!compare_with_.empty()) opt.compare_with = compare_with_;
    opt.stop_on_signals = true;  // SIGINT/SIGTERM: polite end, the finished rows reported, exit 130/143
    // A live progress line, only where a person watches (stderr is a terminal).
    const bool tty = ::isatty(STDERR_FILENO) == 1;
    if (tty)
        opt.progress = [](std::size_t done, std::size_t total) {
            std::fprintf(stderr, "\r\033[Kvpnprobe: %zu of %zu probes done", done, total);
            std::fflush(stderr);
        };
    ScenarioResult result;
    try {
        result = run_scenario(scenario, opt);
    } catch (const std::exception& e) {
        if (tty) std::fprintf(stderr, "\r\033[K");
        throw UsageError(e.what());
    }
    if (tty) std::fprintf(stderr, "\r\033[K");
    std::string report = format_ == "json"         ? report_json(result)
                         : format_ == "junit"      ? report_junit(result)
                         : format_ == "prometheus" ? report_prometheus(result)
                                                   : report_table(result);
    write_report("--output", output_, report);
    if (result.interrupt_signal) return 128 + result.interrupt_signal;
    return result.exit_code();
}

}  // namespace vpnprobe::cli
