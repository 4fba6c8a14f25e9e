// Reports of a scenario run, each a pure function of the results: the terminal table, JSON (every fact
// and finding), JUnit XML (one testcase per target/vantage point/probe), Prometheus text exposition.
#pragma once

#include <string>

#include "scenarios/results.hpp"

namespace vpnprobe::scenarios {

std::string report_table(const ScenarioResult& result);
std::string report_json(const ScenarioResult& result);
std::string report_junit(const ScenarioResult& result);
std::string report_prometheus(const ScenarioResult& result);

// One row's one-line facts for the table and JUnit: "TLSv1.3 TLS_AES_256_GCM_SHA384, cert 364 d",
// "aes256gcm16-prfsha384-ecp384, frag yes, cert 364 d".
std::string key_facts(const RowResult& row);
// The failed expectations of a row, one line each, with the Windows error where there is one.
std::vector<std::string> failure_lines(const RowResult& row);

}  // namespace vpnprobe::scenarios
