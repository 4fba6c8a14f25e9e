// The SSTP probe kind's types for the registry (kinds.hpp): its result, its scenario options and its own
// expectations (`expect.tls`, `expect.sstp`). Its ProbeKind is in sstp.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "probes/sstp/sstp_probe.hpp"

namespace vpnprobe::scenarios {

class ProbeKind;

struct SstpProbeOptions {
    double phase_timeout = 0;
    // With credentials (the probe's or its target's `credentials:`): the data path's echo requests, and whether
    // PAP or CHAP-MD5 may be answered.
    std::string ping;  // IPv4 address inside the tunnel; "" = no data_path phase
    int ping_count = 3;
    bool allow_weak_auth = false;
};

struct TlsExpect {
    std::optional<std::string> min_version;  // TLSv1.2, TLSv1.3
    std::vector<std::string> ciphers;  // allowed IANA names
    bool any() const { return min_version || !ciphers.empty(); }
};

struct SstpExpect {
    TlsExpect tls;
    std::optional<std::string> crypto_binding_hash;  // "SHA256" must be among the offered hashes
};

struct SstpKind {
    using Result = probes::SstpResult;
    using Options = SstpProbeOptions;
    using Expect = SstpExpect;
    static const ProbeKind& kind();
};

}  // namespace vpnprobe::scenarios
