// The terminal table and the one-line summaries the other reports share.
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "scenarios/probe_kind.hpp"
#include "scenarios/reports.hpp"

namespace vpnprobe::scenarios {

namespace {

std::string num(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string ms(double seconds) { return num(seconds * 1000, 1) + " ms"; }

// "tunnel 192.168.30.10, ping 3/3 max 1.4 ms"; "tunnel down"; "tunnel: no credentials sent".
std::string tunnel_facts(const TunnelFacts& t) {
    if (!t.credentials_withheld.empty()) return "tunnel: no credentials sent";
    if (!t.connected) return "tunnel down";
    std::string s = "tunnel " + t.address;
    if (t.echoes_sent > 0) {
        s += ", ping " + std::to_string(t.echo_replies) + "/" + std::to_string(t.echoes_sent);
        if (!t.rtt_ms.empty()) s += " max " + num(*std::max_element(t.rtt_ms.begin(), t.rtt_ms.end()), 1) + " ms";
    }
    return s;
}

}  // namespace

std::string key_facts(const RowResult& row) {
    const ProbeRun& run = row.last();
    std::vector<std::string> parts;
    run.kind().text_facts(run.result, parts);
    if (const auto tunnel = run.kind().tunnel(run.result)) parts.push_back(tunnel_facts(*tunnel));
    if (!run.chain().empty()) parts.push_back("cert " + num(run.chain().front().days_left, 0) + " d");
    std::string s;
    for (const auto& p : parts) s += (s.empty() ? "" : ", ") + p;
    return s;
}

std::vector<std::string> failure_lines(const RowResult& row) {
    std::vector<std::string> out;
    for (const auto& o : row.outcomes) {
        if (o.held) continue;
        std::string line = o.check + ": expected " + o.expected + ", got " + o.actual;
        if (!o.detail.empty()) line += " — " + o.detail;
        if (!o.windows_error.empty()) line += " (a Windows client would show: " + o.windows_error + ")";
        out.push_back(line);
    }
    if (row.comparison) {
        if (row.comparison->same) out.push_back("compare-with: the server presents the candidate certificate");
        for (const auto& d : row.comparison->differences) out.push_back("compare-with: " + d);
    }
    return out;
}

std::string report_table(const ScenarioResult& r) {
    struct Line {
        std::vector<std::string> cells;
    };
    std::vector<std::string> head{"TARGET", "ADDRESS", "VANTAGE", "PROBE", "RESULT", "PHASE", "TIME", "FACTS"};
    std::vector<Line> lines;
    for (const auto& row : r.rows) {
        const ProbeRun& run = row.last();
        std::string time = ms(row.timings.empty() ? run.total_seconds() : row.timings.front().median);
        if (row.runs.size() > 1) time = "med " + ms(row.timings.front().median) + " p95 " + ms(row.timings.front().p95);
        if (row.timed_under_lag()) time = "~" + time;  // measured while our own loop ran late (see the header)
        // A harness error is not the target's failure: the row says so rather than FAIL.
        const char* verdict = !row.harness_error().empty() ? "ERROR (harness)" : row.passed ? "PASS" : "FAIL";
        lines.push_back(Line{{row.target, row.address.empty() ? "(unresolved)" : row.address, row.vantage, row.probe,
                              row.interrupted ? "INTERRUPTED" : verdict,
                              run.failed_phase().empty() ? "-" : run.failed_phase(), time, key_facts(row)}});
    }
    std::vector<std::size_t> width(head.size());
    for (std::size_t i = 0; i < head.size(); ++i) width[i] = head[i].size();
    for (const auto& l : lines)
        for (std::size_t i = 0; i < l.cells.size(); ++i) width[i] = std::max(width[i], l.cells[i].size());
    std::ostringstream out;
    auto emit = [&](const std::vector<std::string>& cells) {
        std::string s;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            s += cells[i];
            if (i + 1 < cells.size()) s += std::string(width[i] - cells[i].size() + 2, ' ');
        }
        while (!s.empty() && s.back() == ' ') s.pop_back();
        out << s << "\n";
    };
    out << "scenario " << (r.name.empty() ? r.file : r.name) << ": "
        << r.rows.size() - static_cast<std::size_t>(r.failed_rows() + r.interrupted_rows()) << " of " << r.rows.size()
        << " passed, " << num(r.total_seconds, 1) << " s";
    if (int harness = r.harness_error_rows())
        out << ", " << harness << " could not probe (harness error: a problem on this machine, not the target's)";
    out << "\n";
    if (r.load.worst_lag_seconds > std::chrono::duration<double>(probes::kAdmissionLag).count() ||
        r.load.admission_waits > 0) {
        out << "vpnprobe's own event loop ran up to " << num(r.load.worst_lag_seconds * 1000, 0)
            << " ms late (overloaded: lower --parallel or add cores); new probes were held back for "
            << num(r.load.admission_held_seconds, 1) << " s (" << r.load.admission_waits << " waited";
        if (r.load.admission_started_alone > 0)
            out << ", " << r.load.admission_started_alone
                << " of them started while it was still late with none of ours in flight: not our own load";
        out << ")";
        if (int n = r.overloaded_rows())
            out << "; " << n
                << " row(s) could not be judged (a timeout during the overload says nothing about the target)";
        if (int n = r.lagged_rows()) out << "; " << n << " row(s) marked ~ were timed under that lag";
        out << "\n";
    }
    if (!r.interrupted_by.empty())
        out << "interrupted by " << r.interrupted_by << ": " << r.interrupted_rows()
            << " row(s) did not finish and are marked INTERRUPTED (neither passed nor failed)\n";
    emit(head);
    for (const auto& l : lines) emit(l.cells);
    for (const auto& row : r.rows) {
        auto failures = failure_lines(row);
        if (failures.empty()) continue;
        out << "\n"
            << (row.interrupted                ? "INTERRUPTED "
                : !row.harness_error().empty() ? "ERROR (harness) "
                : row.passed                   ? ""
                                               : "FAIL ")
            << row.id() << "\n";
        for (const auto& f : failures) out << "  " << f << "\n";
    }
    return out.str();
}

}  // namespace vpnprobe::scenarios
