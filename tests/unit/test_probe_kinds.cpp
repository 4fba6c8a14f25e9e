// The registry of probe kinds (scenarios/probe_kind.hpp), enumerated: every kind has every piece. Its name,
// options with help, phases; a run and a diagnosis that give a result of its own kind; its JSON writer,
// text facts, Prometheus series, certificate chain and expired-certificate Windows error; its own
// expectations; the JSON Schema's entries agree with its options, phases and expectations; it has a CLI
// subcommand that shows every option; README.md has its section. A kind added to kinds.hpp without one of
// these fails here, by name.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sched.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "cli/commands.hpp"
#include "scenarios/expectations.hpp"
#include "scenarios/exposition.hpp"
#include "scenarios/probe_kind.hpp"
#include "scenarios/reports.hpp"
#include "scenarios/scenario_loader.hpp"
#include "tests/support/sample_results.hpp"

namespace {

namespace json = boost::json;
using namespace vpnprobe::scenarios;
using testing::HasSubstr;
using Type = KindOption::Type;

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// A healthy result of each kind, made by hand (tests/support/sample_results.hpp): a new kind adds its own.
const std::map<std::string, std::function<ProbeRun()>>& healthy_samples() {
    static const std::map<std::string, std::function<ProbeRun()>> all{
        {"sstp", [] { return vpnprobe::testsupport::healthy_sstp(); }},
        {"ikev2", [] { return vpnprobe::testsupport::healthy_ikev2(); }},
    };
    return all;
}

std::size_t index_of(const ProbeKind& kind) {
    const auto& all = probe_kinds();
    return static_cast<std::size_t>(std::find(all.begin(), all.end(), &kind) - all.begin());
}

TEST(ProbeKinds, TheRegistryHasKindsWithUniqueNamesPortsAndPhases) {
    ASSERT_EQ(probe_kinds().size(), Kinds::size);
    std::set<std::string> names;
    for (const auto* k : probe_kinds()) {
        SCOPED_TRACE(k->name());
        EXPECT_FALSE(k->name().empty());
        EXPECT_TRUE(names.insert(k->name()).second) << "two kinds named " << k->name();
        EXPECT_EQ(find_probe_kind(k->name()), k);
        EXPECT_NE(k->default_port(), 0);
        auto phases = k->phases();
        ASSERT_FALSE(phases.empty());
        EXPECT_EQ(std::set<std::string>(phases.begin(), phases.end()).size(), phases.size()) << "a phase twice";
    }
    EXPECT_EQ(find_probe_kind("no-such-kind"), nullptr);
}

TEST(ProbeKinds, EveryOptionIsDescribedWithItsFlagHelpAndRange) {
    for (const auto* k : probe_kinds()) {
        std::set<std::string> keys;
        for (const auto& o : k->options()) {
            SCOPED_TRACE(k->name() + " " + o.key);
            EXPECT_FALSE(o.key.empty());
            EXPECT_TRUE(keys.insert(o.key).second);
            EXPECT_EQ(o.cli_flag.rfind("--", 0), 0u) << o.cli_flag;
            EXPECT_FALSE(o.help.empty());
            if (o.type == Type::seconds || o.type == Type::integer) {
                EXPECT_LT(o.min, o.max);
            }
            if (o.type == Type::choice) {
                EXPECT_FALSE(o.choices.empty());
            }
            EXPECT_EQ(&k->option(o.key), &o);
        }
        EXPECT_THROW(k->option("no_such_option"), std::out_of_range);
    }
}

TEST(ProbeKinds, EachKindsResultsAreItsOwn) {
    for (const auto* k : probe_kinds()) {
        SCOPED_TRACE(k->name());
        EXPECT_EQ(k->empty_result().index(), index_of(*k));
        EXPECT_EQ(k->default_options().index(), index_of(*k));
        ProbeRun run{k->empty_result()};
        EXPECT_EQ(&run.kind(), k);
        EXPECT_TRUE(run.chain().empty());
        EXPECT_EQ(run.chain_verdict(), nullptr);
    }
}

TEST(ProbeKinds, EveryKindWritesItsJsonTextFactsPrometheusSeriesAndChain) {
    for (const auto* k : probe_kinds()) {
        SCOPED_TRACE(k->name());
        ASSERT_EQ(healthy_samples().count(k->name()), 1u) << "no healthy sample in this test for " << k->name();
        ProbeRun run = healthy_samples().at(k->name())();
        ASSERT_EQ(&run.kind(), k);

        auto j = k->to_json(run.result);
        ASSERT_TRUE(j.contains("probe"));
        EXPECT_EQ(j.at("probe").as_string(), k->name());
        for (const char* shared : {"host", "port", "address", "vantage", "success", "failed_phase", "windows_error",
                                   "total_seconds", "phases", "findings"})
            EXPECT_TRUE(j.contains(shared)) << shared;

        std::vector<std::string> facts;
        k->text_facts(run.result, facts);
        EXPECT_FALSE(facts.empty());

        Exposition e;
        k->prometheus_families(e);
        const std::string declared = e.text();
        EXPECT_THAT(declared, HasSubstr("# HELP "));
        k->prometheus_samples(e, "probe=\"p\"", run.result);
        const std::string text = e.text();
        EXPECT_GT(text.size(), declared.size()) << "no sample for a healthy result";
        // Every family it samples is one it declared (a sample without HELP/TYPE would be dropped).
        std::istringstream lines(text);
        std::string line;
        while (std::getline(lines, line)) {
            if (line.empty() || line[0] == '#') continue;
            std::string family = line.substr(0, line.find('{'));
            EXPECT_THAT(declared, HasSubstr("# TYPE " + family + " ")) << line;
            EXPECT_TRUE(family.rfind("probe_", 0) == 0 || family.rfind("vpnprobe_", 0) == 0) << family;
        }

        EXPECT_FALSE(k->chain(run.result).empty());
        EXPECT_NE(k->chain_verdict(run.result), nullptr);
        auto expired = k->expired_certificate_error();
        EXPECT_TRUE(vpnprobe::probes::winerr::find(expired.hresult_or_code).has_value())
            << "not in probes/windows_errors.hpp";
    }
}

// The kind's part of `vpnprobe run`'s reports and verdicts, through the same functions the runner uses.
TEST(ProbeKinds, EveryKindsRowIsReportedAndJudged) {
    for (const auto* k : probe_kinds()) {
        SCOPED_TRACE(k->name());
        ProbeRun run = healthy_samples().at(k->name())();
        auto row = vpnprobe::testsupport::sample_row("t", "v", "p", {run}, true);
        EXPECT_EQ(row.type, k->name());
        ScenarioResult result;
        result.rows = {row};
        EXPECT_THAT(report_json(result), HasSubstr("\"type\":\"" + k->name() + "\""));
        EXPECT_THAT(report_prometheus(result), HasSubstr("type=\"" + k->name() + "\""));
        EXPECT_FALSE(key_facts(row).empty());
        // An expired certificate is judged with the kind's own Windows error.
        Expectations e;
        e.certificate.min_days_left = 1e5;
        auto outcomes = evaluate(e, run);
        bool said = false;
        for (const auto& o : outcomes)
            if (o.check == "certificate.min_days_left")
                said = o.detail.find(vpnprobe::probes::winerr::describe(k->expired_certificate_error())) !=
                       std::string::npos;
        EXPECT_TRUE(said);
    }
}

std::string scenario_with_probe(const std::string& probe) {
    return "vantage_points: [{name: a, netns: x}]\ntargets: [{name: t, host: 192.0.2.1}]\nprobes:\n" + probe;
}

std::string load_problem(const std::string& text) {
    try {
        (void)load_scenario_text(text, "s.yaml");
    } catch (const ScenarioError& e) {
        return e.what();
    }
    return "(accepted)";
}

TEST(ProbeKinds, TheLoaderTakesEachKindsOptionsAndOwnExpectationsFromTheRegistry) {
    for (const auto* k : probe_kinds()) {
        SCOPED_TRACE(k->name());
        auto s = load_scenario_text(scenario_with_probe("  - type: " + k->name() + "\n"), "s.yaml");
        ASSERT_EQ(s.probes.size(), 1u);
        EXPECT_EQ(&s.probes[0].kind(), k);
        EXPECT_EQ(s.targets[0].port_for(*k), k->default_port());
        std::string keys;
        std::set<std::string> sorted;
        for (const auto& o : k->options()) sorted.insert(o.key);
        for (const auto& key : sorted) keys += (keys.empty() ? "" : ", ") + key;
        EXPECT_THAT(
            load_problem(scenario_with_probe("  - type: " + k->name() + "\n    options: {bogus: 1}\n")),
            HasSubstr("unknown key 'bogus' in options of an " + k->name() + " probe (expected one of: " + keys + ")"));
        ASSERT_FALSE(k->expect_keys().empty());
        for (const auto& key : k->expect_keys()) {
            // Its own expectation key is taken for its probes, refused for every other kind's.
            EXPECT_EQ(load_problem(scenario_with_probe("  - type: " + k->name() + "\n    expect: {" + key + ": {}}\n")),
                      "(accepted)")
                << key;
            for (const auto* other : probe_kinds()) {
                if (other == k || other->expect_keys().count(key)) continue;
                EXPECT_THAT(load_problem(scenario_with_probe("  - type: " + other->name() + "\n    expect: {" + key +
                                                             ": {}}\n")),
                            HasSubstr("unknown key '" + key + "' in expect of a " + other->name() + " probe"));
            }
        }
        auto ports =
            load_scenario_text("vantage_points: [{name: a, netns: x}]\ntargets: [{name: t, host: 192.0.2.1, ports: {" +
                                   k->name() + ": 4711}}]\nprobes: [{type: " + k->name() + "}]\n",
                               "s.yaml");
        EXPECT_EQ(ports.targets[0].port_for(*k), 4711);
    }
    EXPECT_THAT(load_problem(scenario_with_probe("  - type: nope\n")),
                HasSubstr("type must be " + probe_kind_names() + ", not 'nope'"));
}

const json::object& probe_schema(const json::value& schema, const std::string& kind) {
    for (const auto& alternative : schema.at("properties").at("probes").at("items").at("oneOf").as_array())
        if (alternative.at("properties").at("type").at("const").as_string() == kind) return alternative.as_object();
    throw std::runtime_error("the schema has no probe of type " + kind);
}

std::set<std::string> keys_of(const json::value& properties) {
    std::set<std::string> out;
    for (const auto& kv : properties.as_object()) out.insert(std::string(kv.key()));
    return out;
}

TEST(ProbeKinds, TheJsonSchemaAgreesWithEachKindsOptionsPhasesAndExpectations) {
    const auto schema = json::parse(read_file(std::string(VPNPROBE_SOURCE_DIR) + "/scenarios/scenario.schema.json"));
    const auto& ports = schema.at("properties").at("targets").at("items").at("properties").at("ports").at("properties");
    std::set<std::string> names;
    for (const auto* k : probe_kinds()) names.insert(k->name());
    EXPECT_EQ(keys_of(ports), names) << "targets[].ports names every kind, and only kinds";
    EXPECT_EQ(schema.at("properties").at("probes").at("items").at("oneOf").as_array().size(), names.size());
    for (const auto* k : probe_kinds()) {
        SCOPED_TRACE(k->name());
        const auto& p = probe_schema(schema, k->name());
        const auto& options = p.at("properties").at("options").at("properties");
        std::set<std::string> keys;
        for (const auto& o : k->options()) keys.insert(o.key);
        EXPECT_EQ(keys_of(options), keys);
        for (const auto& o : k->options()) {
            SCOPED_TRACE(o.key);
            if (!options.as_object().contains(o.key)) continue;
            const auto& s = options.at(o.key).as_object();
            switch (o.type) {
            case Type::seconds:
            case Type::integer:
                EXPECT_EQ(s.at("type").as_string(), o.type == Type::seconds ? "number" : "integer");
                EXPECT_EQ(s.at("minimum").to_number<double>(), o.min);
                EXPECT_EQ(s.at("maximum").to_number<double>(), o.max);
                break;
            case Type::boolean:
                EXPECT_EQ(s.at("type").as_string(), "boolean");
                break;
            case Type::string:
                EXPECT_EQ(s.at("type").as_string(), "string");
                break;
            case Type::strings:
                EXPECT_EQ(json::serialize(s.at("oneOf")),
                          R"([{"type":"string"},{"type":"array","items":{"type":"string"}}])");
                break;
            case Type::choice: {
                std::vector<std::string> choices;
                for (const auto& c : s.at("enum").as_array()) choices.emplace_back(c.as_string());
                EXPECT_EQ(choices, o.choices);
                break;
            }
            }
        }
        for (const char* where : {"expect", "expect_by_vantage"}) {
            SCOPED_TRACE(where);
            const auto& expect = std::string(where) == "expect"
                                     ? p.at("properties").at("expect")
                                     : p.at("properties").at("expect_by_vantage").at("additionalProperties");
            std::set<std::string> want{"success",     "failed_phase", "windows_error", "findings",
                                       "no_findings", "certificate",  "timing"};
            for (const auto& key : k->expect_keys()) want.insert(key);
            if (k->takes_credentials()) want.insert("tunnel");  // shared by the kinds that log in
            EXPECT_EQ(keys_of(expect.at("properties")), want);
            std::vector<std::string> phases{""};
            for (const auto& ph : k->phases()) phases.push_back(ph);
            std::vector<std::string> in_schema;
            for (const auto& ph : expect.at("properties").at("failed_phase").at("enum").as_array())
                in_schema.emplace_back(ph.as_string());
            EXPECT_EQ(in_schema, phases);
        }
    }
}

TEST(ProbeKinds, EveryKindHasACliSubcommandShowingEveryOption) {
    CLI::App app{"vpnprobe"};
    auto commands = vpnprobe::cli::make_commands(app);
    EXPECT_EQ(commands.size(), probe_kinds().size() + 3);  // + cert-check, run, serve
    for (const auto* k : probe_kinds()) {
        SCOPED_TRACE(k->name());
        EXPECT_EQ(vpnprobe::cli::probe_commands().count(k->name()), 1u);
        CLI::App* sub = nullptr;
        ASSERT_NO_THROW(sub = app.get_subcommand(k->name()));
        const std::string help = sub->help();
        for (const auto& o : k->options()) {
            EXPECT_THAT(help, HasSubstr(o.cli_flag));
            EXPECT_THAT(help, HasSubstr(o.help));
        }
    }
}

TEST(ProbeKinds, EveryKindHasItsReadmeSection) {
    const std::string readme = read_file(std::string(VPNPROBE_SOURCE_DIR) + "/README.md");
    for (const auto* k : probe_kinds()) EXPECT_THAT(readme, HasSubstr("\n## `vpnprobe " + k->name() + "`\n"));
}

// Run and diagnosis, for real: every kind, run as the scenario runner runs it, from a thread in a fresh
// network namespace whose loopback is down, so nothing is sent anywhere. 127.0.0.1 has no route there: each
// kind's diagnosis says so, in its own words, with what a Windows client shows (809).
TEST(ProbeKinds, EveryKindRunsAndIsDiagnosed) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root for unshare(CLONE_NEWNET)";
    for (const auto* k : probe_kinds()) {
        SCOPED_TRACE(k->name());
        ProbeRun run;
        std::string why;
        std::thread t([&] {
            if (::unshare(CLONE_NEWNET) != 0) {
                why = "unshare failed";
                return;
            }
            RowTarget target;
            target.host = "127.0.0.1";
            target.port = k->default_port();
            target.name_clients_dial = target.host;
            target.timeout = 5;
            const KindOptions options = k->default_options();
            boost::asio::io_context io;
            boost::asio::co_spawn(
                io,
                [&]() -> boost::asio::awaitable<void> {
                    run.result = co_await k->run(target, options);
                    k->diagnose(run.result, target, options);
                },
                boost::asio::detached);
            io.run();
        });
        t.join();
        ASSERT_EQ(why, "");
        ASSERT_EQ(&run.kind(), k);
        EXPECT_FALSE(run.success());
        auto phases = k->phases();
        EXPECT_NE(std::find(phases.begin(), phases.end(), run.failed_phase()), phases.end()) << run.failed_phase();
        ASSERT_NE(run.first_error(), nullptr) << "the diagnosis found nothing";
        EXPECT_EQ(run.first_error()->check, k->name() + ".network_unreachable");
        EXPECT_EQ(run.windows_error(), "809");
    }
}

}  // namespace
