// JUnit XML as CI systems read it (Jenkins, GitLab, GitHub actions): one testsuite for the scenario, one
// testcase per row (classname target.vantage, name probe@address), a <failure> per row whose expectations
// did not all hold, with the failures and the Windows error in its text, or an <error> per row whose
// probe could not run here (a harness error, not the target's failure).
#include <cstdio>
#include <ctime>
#include <sstream>

#include "scenarios/reports.hpp"

namespace vpnprobe::scenarios {

namespace {

std::string xml(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&apos;";
            break;
        default:
            // XML 1.0 allows no control characters but tab, newline and carriage return.
            if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') out += '?';
            else out += c;
        }
    }
    return out;
}

std::string seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", s);
    return buf;
}

}  // namespace

std::string report_junit(const ScenarioResult& r) {
    std::ostringstream out;
    std::string suite = r.name.empty() ? r.file : r.name;
    char stamp[32];
    std::time_t now = std::time(nullptr);
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", std::gmtime(&now));
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    // JUnit's own distinction: a <failure> is the target's (an expectation did not hold), an <error> is a
    // test that could not run (the harness's own failure).
    // An interrupted row is <skipped>: neither passed nor failed.
    int errors = 0, failures = 0;
    for (const auto& row : r.rows) {
        if (row.interrupted) continue;
        if (!row.harness_error().empty()) ++errors;
        else if (!row.passed) ++failures;
    }
    out << "<testsuites name=\"vpnprobe\" tests=\"" << r.rows.size() << "\" failures=\"" << failures << "\" errors=\""
        << errors << "\" time=\"" << seconds(r.total_seconds) << "\">\n";
    out << "  <testsuite name=\"" << xml(suite) << "\" tests=\"" << r.rows.size() << "\" failures=\"" << failures
        << "\" errors=\"" << errors << "\" skipped=\"" << r.interrupted_rows() << "\" time=\""
        << seconds(r.total_seconds) << "\" timestamp=\"" << stamp << "\" hostname=\"vpnprobe\">\n";
    for (const auto& row : r.rows) {
        out << "    <testcase classname=\"" << xml(row.target + "." + row.vantage) << "\" name=\""
            << xml(row.probe + "@" + (row.address.empty() ? row.host : row.address)) << "\" time=\""
            << seconds(row.last().total_seconds()) << "\">\n";
        auto lines = failure_lines(row);
        if (row.interrupted) {
            // Neither passed nor failed: the run was stopped before this row finished.
            out << "      <skipped message=\""
                << xml("interrupted by " + r.interrupted_by + ": " + row.last().failed_phase() + " did not finish")
                << "\"/>\n";
        } else if (!row.harness_error().empty()) {
            const std::string harness = row.harness_error();
            out << "      <error message=\"" << xml("the probe could not run (harness error): " + harness)
                << "\" type=\"harness\">";
            for (const auto& l : lines) out << xml(l) << "\n";
            out << "</error>\n";
        } else if (!row.passed) {
            std::string message;
            for (const auto& o : row.outcomes)
                if (!o.held) {
                    message = o.check + ": expected " + o.expected + ", got " + o.actual;
                    if (!o.windows_error.empty()) message += " (Windows: " + o.windows_error + ")";
                    break;
                }
            out << "      <failure message=\"" << xml(message) << "\" type=\"expectation\">";
            for (const auto& l : lines) out << xml(l) << "\n";
            out << "</failure>\n";
        }
        out << "      <system-out>" << xml(key_facts(row)) << "</system-out>\n";
        out << "    </testcase>\n";
    }
    out << "  </testsuite>\n</testsuites>\n";
    return out.str();
}

}  // namespace vpnprobe::scenarios
