#include "scenarios/scenario.hpp"

namespace vpnprobe::scenarios {

const char* to_string(ProbeType t) { return t == ProbeType::sstp ? "sstp" : "ikev2"; }

bool CertificateExpect::any() const {
    return !fingerprints.empty() || subject || issuer || !san_includes.empty() || min_days_left || !ekus.empty() ||
           key_type || min_key_bits || signature_algorithm || chain_valid;
}

bool Ikev2Expect::any() const {
    return !proposal_in.empty() || !notifies_present.empty() || !notifies_absent.empty() || fragmentation ||
           nat_detected || no_weak_accepted || certreq_matches_ca || auth_verified;
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
