#include "cli/common_options.hpp"

#include <cstdio>
#include <filesystem>

#include "cli/commands.hpp"

namespace vpnprobe::cli {

probes::VantagePoint vantage_from_options(const std::string& netns, const std::string& source,
                                          const std::string& interface) {
    if (!source.empty() && !probes::is_ip_literal(source)) throw UsageError("--source must be an IP address");
    if (!netns.empty()) {
        std::string path = netns.starts_with("/") ? netns : "/var/run/netns/" + netns;
        if (!std::filesystem::exists(path)) throw UsageError("--netns " + netns + ": no such namespace (" + path + ")");
    }
    probes::VantagePoint vp;
    vp.netns = netns;
    vp.source = source;
    vp.interface = interface;
    return vp;
}

void check_ca_file(const std::string& option, const std::string& path) {
    if (!path.empty() && !std::filesystem::is_regular_file(path)) throw UsageError(option + " " + path + ": no such file");
}

void check_keylog_file(const std::string& path) {
    if (path.empty()) return;
    std::FILE* f = std::fopen(path.c_str(), "a");
    if (!f) throw UsageError("--keylog " + path + ": cannot open for appending");
    std::fclose(f);
}

}  // namespace vpnprobe::cli
