// Pieces the terminal reports of every probe share: numbers, lists, a certificate, phases, findings.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "probes/certificate.hpp"
#include "probes/probe_result.hpp"

namespace vpnprobe::cli {

std::string fixed(double v, int decimals);
std::string join(const std::vector<std::string>& v, const std::string& sep);
// "  LABEL subject" and the facts an operator checks first, indented under it.
void certificate_lines(std::ostringstream& out, const probes::CertificateFacts& c, const char* label);
// ": check (Windows: ...)" for the first error finding, the headline's tail.
std::string headline_failure(const std::string& failed_phase, const std::vector<probes::Finding>& findings,
                             const std::string& windows_error);
// "  phases: name 1.2 ms; ..." and one line per phase error.
void phase_lines(std::ostringstream& out, const std::vector<probes::Phase>& phases);
// Every finding, with what a Windows client would show.
void finding_lines(std::ostringstream& out, const std::vector<probes::Finding>& findings);

}  // namespace vpnprobe::cli
