// The IKEv2 probe kind's types for the registry (kinds.hpp): its result, its scenario options and its own
// expectations (`expect.ikev2`). Its ProbeKind is in ikev2.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "probes/ikev2/ikev2_probe.hpp"

namespace vpnprobe::scenarios {

class ProbeKind;

struct Ikev2ProbeOptions {
    std::string preset;  // "" = windows-default
    std::vector<std::string> proposals;  // strongSwan syntax; excludes preset
    std::string id;
    std::size_t fragment_size = 1280;
    bool fragmentation = true;  // offer IKE fragmentation
    bool sa_init_only = false;
    // A fresh key pair for every IKE_SA_INIT, as a Windows client makes; by default the run's rows share one per
    // group (RowTarget::key_shares, RFC 7296 2.12).
    bool fresh_key_share = false;
    bool audit_weak = false;
    std::uint16_t nat_t_port = 4500;
};

struct Ikev2Expect {
    std::vector<std::string> proposal_in;  // chosen proposal (strongSwan syntax) is one of these
    std::vector<std::string> notifies_present;  // in the IKE_SA_INIT response
    std::vector<std::string> notifies_absent;
    std::optional<bool> fragmentation;  // server offered IKEV2_FRAGMENTATION_SUPPORTED
    std::optional<bool> nat_detected;
    std::optional<bool> no_weak_accepted;  // needs audit_weak
    std::optional<bool> certreq_matches_ca;
    std::optional<bool> auth_verified;
    bool any() const;
};

struct Ikev2Kind {
    using Result = probes::Ikev2Result;
    using Options = Ikev2ProbeOptions;
    using Expect = Ikev2Expect;
    static const ProbeKind& kind();
};

}  // namespace vpnprobe::scenarios
