#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "cli/credentials.hpp"
#include "cli/host_port.hpp"
#include "cli/result_output.hpp"
#include "cli/sstp_text.hpp"
#include "probes/limits.hpp"
#include "probes/net_errors.hpp"
#include "probes/signal_stop.hpp"
#include "probes/sstp/sstp_json.hpp"
#include "probes/sstp/sstp_probe.hpp"
#include "probes/trust_source.hpp"
#include "scenarios/probe_kind.hpp"

namespace vpnprobe::cli {

namespace asio = boost::asio;
using probes::SstpOptions;
using probes::SstpResult;

namespace {

const scenarios::ProbeKind& kind() { return scenarios::SstpKind::kind(); }

}  // namespace

SstpCommand::SstpCommand(CLI::App& app) {
    sub_ = app.add_subcommand(kind().name(), "Run a synthetic SSTP client against HOST[:PORT] (default port 443)");
    sub_->add_option("target", target_,
                     "HOST[:PORT], [IPv6]:PORT, a bare IPv6 address, or https://HOST[:PORT]/ (the path is ignored)")
        ->required();
    non_empty(sub_->add_option("--sni", sni_, "Name the client dials (TLS SNI and name check); default: HOST"));
    non_empty(
        sub_->add_option("--ca", ca_, "PEM bundle of trusted roots for the chain verdict; default: system store"));
    add_vantage_options(sub_, netns_, source_, interface_);
    add_timeout_option(sub_, timeout_);
    add_kind_option(sub_, kind().option("phase_timeout"), phase_timeout_);
    sub_->add_option("--format", format_, "Output format")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    sub_->add_flag("--all-addresses", all_addresses_, "Probe every address HOST resolves to, one result each");
    sub_->add_flag("-v,--verbose", verbose_, "Print every message sent and received, decoded (to stderr)");
    non_empty(
        sub_->add_option("--keylog", keylog_, "Append TLS secrets to FILE in NSS key-log format (for Wireshark)"));
    non_empty(sub_->add_option("--user", user_,
                               "Log in as NAME past LCP (PPP authentication, CALL_CONNECTED, IPCP); the password "
                               "from --password-file or the environment variable VPNPROBE_PASSWORD, never the command "
                               "line. SoftEther: NAME@HUB"));
    non_empty(sub_->add_option("--password-file", password_file_,
                               "File whose first line is the password for --user (keep it mode 600)"));
    non_empty(add_kind_option(sub_, kind().option("ping"), ping_));
    add_kind_option(sub_, kind().option("ping_count"), ping_count_);
    add_kind_option(sub_, kind().option("allow_weak_auth"), allow_weak_auth_);
}

bool SstpCommand::selected() const { return sub_->parsed(); }

int SstpCommand::run() {
    SstpOptions opt;
    if (target_.empty()) throw UsageError("HOST is empty: give the server's name or address");
    try {
        auto hp = parse_host_port(target_, 443);
        opt.host = hp.host;
        opt.port = hp.port;
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    check_certificate_file("--ca", ca_);
    check_keylog_file(keylog_);
    opt.tls.sni = sni_.empty() ? opt.host : sni_;
    if (!ca_.empty()) opt.tls.ca_file = ca_;
    opt.tls.keylog_file = keylog_;
    opt.vantage = vantage_from_options(netns_, source_, interface_);
    opt.timeout_seconds = timeout_;
    opt.phase_timeout_seconds = phase_timeout_;
    opt.credentials = read_credentials(user_, password_file_, allow_weak_auth_);
    if (!ping_.empty() && !opt.credentials)
        throw UsageError("--ping needs --user: the tunnel must be up to ping through it");
    opt.ping = ping_;
    opt.ping_count = ping_count_;
    if (verbose_) opt.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };

    std::vector<std::string> addresses{""};  // "" = let the probe resolve (and time) it
    if (all_addresses_) {
        try {
            addresses = probes::sstp_target_addresses(opt, true);
        } catch (const std::exception&) {
            addresses = {""};  // the probe's resolve phase reports the failure
        }
    }
    // Several probes: the trust anchors (the system store is ~144 certificates) are read once and shared, as a
    // scenario run does. A source that does not load is left to each probe, which reports it as it always has.
    if (addresses.size() > 1) {
        opt.tls.trust = probes::TrustCache{}.get(opt.tls.ca_file);  // nullptr when it does not load
    }
    asio::io_context io;
    // SIGINT/SIGTERM: the probes end politely (CALL_ABORT, close_notify), their partial results are
    // printed, and the exit status is 128 + the signal.
    opt.stop = std::make_shared<probes::StopSignal>();
    probes::SignalStop signals(io, opt.stop);
    std::vector<SstpResult> results(addresses.size());
    std::size_t left = addresses.size();
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        SstpOptions o = opt;
        o.address = addresses[i];
        asio::co_spawn(
            io,
            [o, &results, i, &left, &signals]() -> asio::awaitable<void> {
                std::string error;
                try {
                    results[i] = co_await probes::sstp_probe(o);
                } catch (const std::exception& e) {
                    error = probes::describe_exception(
                        e);  // co_spawn's `detached` would drop it, and the empty result would say FAILED
                }
                if (!error.empty()) mark_could_not_run(results[i], o, error);
                probes::diagnose_sstp(results[i], o);
                if (--left == 0) signals.done();
            },
            asio::detached);
    }
    io.run();

    int status = print_results(
        results, format_, all_addresses_, [](const SstpResult& r) { return probes::to_json(r); },
        [](const SstpResult& r) { return render_sstp_text(r); });
    return signals.signal() ? 128 + signals.signal() : status;
}

}  // namespace vpnprobe::cli
