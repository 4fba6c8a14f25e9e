#include "scenarios/scenario.hpp"

#include "scenarios/probe_kind.hpp"

namespace vpnprobe::scenarios {

bool CertificateExpect::any() const {
    return !fingerprints.empty() || subject || issuer || !san_includes.empty() || min_days_left || !ekus.empty() ||
           key_type || min_key_bits || signature_algorithm || chain_valid;
}

std::uint16_t TargetSpec::port_for(const ProbeKind& kind) const {
    auto it = ports.find(kind.name());
    return it == ports.end() ? kind.default_port() : it->second;
}

const ProbeKind& ProbeSpec::kind() const { return *probe_kinds().at(options.index()); }

std::optional<Credentials> ProbeSpec::credentials_for(const TargetSpec& target) const {
    if (!kind().takes_credentials() || !kind().logs_in_with(options)) return std::nullopt;
    return credentials ? credentials : target.credentials;
}

const VantageSpec* Scenario::vantage(const std::string& name) const {
    for (const auto& v : vantage_points)
        if (v.name == name) return &v;
    return nullptr;
}

const TargetSpec* Scenario::target(const std::string& name) const {
    for (const auto& t : targets)
        if (t.name == name) return &t;
    return nullptr;
}

}  // namespace vpnprobe::scenarios
