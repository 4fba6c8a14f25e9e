// Command-line checks every probe subcommand shares: the vantage point, the CA bundle, the key log.
// Each throws UsageError (exit 2) with a message saying what is wrong.
#pragma once

#include <string>

#include "probes/vantage.hpp"

namespace vpnprobe::cli {

// --netns NAME must exist (under /var/run/netns, or as a path), --source must be an IP address.
probes::VantagePoint vantage_from_options(const std::string& netns, const std::string& source,
                                          const std::string& interface);
// --ca FILE must be a readable file ("" = none given).
void check_ca_file(const std::string& option, const std::string& path);
// --keylog FILE must be appendable ("" = none given), checked before the probe runs rather than after.
void check_keylog_file(const std::string& path);

}  // namespace vpnprobe::cli
