#include <openssl/crypto.h>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "cli/credentials.hpp"
#include "cli/host_port.hpp"
#include "cli/ikev2_text.hpp"
#include "cli/result_output.hpp"
#include "probes/ikev2/ikev2_json.hpp"
#include "probes/ikev2/ikev2_presets.hpp"
#include "probes/ikev2/ikev2_probe.hpp"
#include "probes/ikev2/key_share_cache.hpp"
#include "probes/limits.hpp"
#include "probes/net_errors.hpp"
#include "probes/signal_stop.hpp"
#include "probes/trust_source.hpp"
#include "protocol/ikev2/ikev2_proposal.hpp"
#include "protocol/ip/ipv4_address.hpp"
#include "scenarios/probe_kind.hpp"

namespace vpnprobe::cli {

namespace asio = boost::asio;
using probes::Ikev2Options;
using probes::Ikev2Result;

namespace {

const scenarios::ProbeKind& kind() { return scenarios::Ikev2Kind::kind(); }

}  // namespace

Ikev2Command::Ikev2Command(CLI::App& app) {
    sub_ = app.add_subcommand(kind().name(),
                              "Run a synthetic IKEv2 client against HOST: IKE_SA_INIT, then an EAP-path IKE_AUTH that "
                              "fetches and verifies the server's certificate and AUTH signature");
    sub_->add_option("host", host_,
                     "Name or address of the IKEv2 server; HOST:PORT and [IPv6]:PORT set the port (it must agree "
                     "with --port)")
        ->required();
    sub_->add_option("--port", port_, "UDP port of IKE_SA_INIT")->check(CLI::Range(1, 65535))->capture_default_str();
    add_kind_option(sub_, kind().option("nat_t_port"), nat_t_port_);
    auto* preset = add_kind_option(sub_, kind().option("preset"), preset_);
    add_kind_option(sub_, kind().option("proposals"), proposals_)->excludes(preset);
    non_empty(add_kind_option(sub_, kind().option("id"), id_));
    non_empty(
        sub_->add_option("--ca", ca_, "PEM bundle of trusted roots for the server's chain; default: the system store"));
    non_empty(
        sub_->add_option("--name", name_, "Name the client checks the server certificate against; default: HOST"));
    add_kind_option(sub_, kind().option("fragment_size"), fragment_size_);
    add_kind_option(sub_, kind().option("fragmentation"), no_fragmentation_);  // --no-fragmentation
    add_kind_option(sub_, kind().option("sa_init_only"), sa_init_only_);
    add_kind_option(sub_, kind().option("fresh_key_share"), fresh_key_share_);
    add_kind_option(sub_, kind().option("audit_weak"), audit_weak_);
    add_vantage_options(sub_, netns_, source_, interface_);
    add_timeout_option(sub_, timeout_);
    seconds_between(
        sub_->add_option("--retransmit", retransmit_, "First retransmission interval, seconds; doubles each time"),
        probes::kMinRetransmitSeconds, probes::kMaxRetransmitSeconds)
        ->capture_default_str();
    sub_->add_option("--format", format_, "Output format")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    sub_->add_flag("--all-addresses", all_addresses_, "Probe every address HOST resolves to, one result each");
    sub_->add_flag("-v,--verbose", verbose_, "Print every message sent and received, decoded (to stderr)");
    sub_->add_option("--eap", eap_, "With --user: the EAP method of the user tunnel")
        ->check(CLI::IsMember({"mschapv2"}))
        ->default_str("mschapv2");
    non_empty(
        sub_->add_option("--user", user_,
                         "Log in as NAME with EAP-MSCHAPv2 after the server's AUTH and go all the way in (phases "
                         "eap, ike_auth_complete, child_sa: the virtual IP, DNS, the CHILD_SA); the password from "
                         "--password-file or the environment variable VPNPROBE_PASSWORD, never the command line"));
    non_empty(sub_->add_option("--password-file", password_file_,
                               "File whose first line is the password for --user (keep it mode 600)"));
    non_empty(sub_->add_option("--ping", ping_,
                               "With --user: IPv4 address to send ICMP echo requests to through the tunnel (phase "
                               "data_path: ESP in UDP on the NAT-T port, from the virtual IP)"));
    sub_->add_option("--ping-count", ping_count_, "Echo requests to send with --ping")
        ->check(CLI::Range(1, probes::kMaxPingCount))
        ->capture_default_str();
    non_empty(
        sub_->add_option("--keylog", keylog_,
                         "Append the IKE SA's SPIs and keys to FILE as lines of Wireshark's IKEv2 decryption table"));
}

bool Ikev2Command::selected() const { return sub_->parsed(); }

int Ikev2Command::run() {
    Ikev2Options opt;
    try {
        std::optional<std::uint16_t> port_given;
        if (sub_->count("--port")) port_given = static_cast<std::uint16_t>(port_);
        auto hp = parse_ikev2_host(host_, port_given, static_cast<std::uint16_t>(port_));
        opt.host = hp.host;
        opt.port = hp.port;
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    for (const auto& p : proposals_) {
        try {
            (void)protocol::ikev2::parse_proposal(p, protocol::ikev2::ProtocolId::ike, 1);
        } catch (const std::exception& e) {
            throw UsageError("--proposal " + p + ": " + e.what());
        }
    }
    check_certificate_file("--ca", ca_);
    check_keylog_file(keylog_);
    opt.nat_t_port = static_cast<std::uint16_t>(nat_t_port_);
    opt.proposals = proposals_;
    opt.preset = preset_;
    opt.id = id_;
    if (!ca_.empty()) opt.ca_file = ca_;
    opt.expected_name = name_;
    opt.fragment_size = fragment_size_;
    opt.offer_fragmentation = !no_fragmentation_;
    opt.sa_init_only = sa_init_only_;
    if (!eap_.empty() && user_.empty()) throw UsageError("--eap needs --user");
    if (auto c = read_credentials(user_, password_file_, false)) {
        if (sa_init_only_) throw UsageError("--user needs IKE_AUTH: it cannot go with --sa-init-only");
        if (audit_weak_) throw UsageError("--user cannot go with --audit-weak (the audit offers no credentials)");
        opt.credentials = probes::Ikev2Credentials{c->user, c->password};
        OPENSSL_cleanse(c->password.data(), c->password.size());
        // A credentialed probe never takes a reused key share (key_share_cache.hpp).
        opt.sends_credentials = true;
    }
    if (!ping_.empty() && !opt.credentials)
        throw UsageError("--ping needs --user: the tunnel must be up to ping through it");
    if (!ping_.empty() && !protocol::parse_ipv4(ping_))
        throw UsageError("--ping must be an IPv4 address (the echo requests go from the IPv4 virtual IP), not '" +
                         ping_ + "'");
    if (!ping_.empty() && nat_t_port_ == 0)
        throw UsageError("--ping needs the NAT-T port: ESP goes in UDP there (RFC 3948), not with --nat-t-port 0");
    opt.ping = ping_;
    opt.ping_count = ping_count_;
    // One key pair per group for this command's exchanges (--all-addresses, --audit-weak); a lone probe makes one
    // exchange, so its key pair is fresh either way.
    if (!fresh_key_share_) opt.key_shares = std::make_shared<probes::KeyShareCache>();
    opt.vantage = vantage_from_options(netns_, source_, interface_);
    opt.timeout_seconds = timeout_;
    opt.retransmit_seconds = retransmit_;
    opt.keylog_file = keylog_;
    if (verbose_) opt.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };

    std::vector<std::string> addresses{""};  // "" = let the probe resolve (and time) it
    if (all_addresses_) {
        try {
            if (probes::is_ip_literal(opt.host)) addresses = {opt.host};
            else addresses = probes::resolve_in_vantage(opt.vantage, opt.host);
        } catch (const std::exception&) {
            addresses = {""};  // the probe's resolve phase reports the failure
        }
    }
    // Several probes that verify a chain or match CERTREQ hashes: the trust anchors and CERTREQ hashes are read once
    // and shared, as a scenario run does. A source that does not load is left to each probe, which reports it as it
    // always has.
    if (addresses.size() > 1 && (opt.ca_file || !opt.sa_init_only)) {
        opt.trust = probes::TrustCache{}.get(opt.ca_file);  // nullptr when it does not load
    }
    asio::io_context io;
    // SIGINT/SIGTERM: the probes end politely (Delete of an IKE SA that exists), their partial results
    // are printed, and the exit status is 128 + the signal.
    opt.stop = std::make_shared<probes::StopSignal>();
    probes::SignalStop signals(io, opt.stop);
    std::vector<Ikev2Result> results(addresses.size());
    std::size_t left = addresses.size();
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        Ikev2Options o = opt;
        o.address = addresses[i];
        asio::co_spawn(
            io,
            [o, &results, i, &left, &signals, audit = audit_weak_]() -> asio::awaitable<void> {
                // One co_await per statement (GCC 12 and co_await inside a conditional expression).
                std::string error;
                try {
                    if (audit) results[i] = co_await probes::ikev2_probe_with_audit(o);
                    else results[i] = co_await probes::ikev2_probe(o);
                } catch (const std::exception& e) {
                    error = probes::describe_exception(
                        e);  // co_spawn's `detached` would drop it, and the empty result would say FAILED
                }
                if (!error.empty()) mark_could_not_run(results[i], o, error);
                probes::diagnose_ikev2(results[i], o);
                if (--left == 0) signals.done();
            },
            asio::detached);
    }
    io.run();

    int status = print_results(
        results, format_, all_addresses_, [](const Ikev2Result& r) { return probes::to_json(r); },
        [](const Ikev2Result& r) { return render_ikev2_text(r); });
    return signals.signal() ? 128 + signals.signal() : status;
}

}  // namespace vpnprobe::cli
