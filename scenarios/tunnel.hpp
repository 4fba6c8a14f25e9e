// What a credentialed probe learned of its tunnel, in words every kind shares (SSTP's PPP/IPCP today, IKEv2's
// configuration payload and ESP later): made by each kind's adapter (ProbeKind::tunnel) from its own result,
// judged by `expect.tunnel` (expectations.cpp) and reported the same way by every report.
#pragma once

#include <string>
#include <vector>

namespace vpnprobe::scenarios {

struct TunnelFacts {
    // Why no credential was sent although the row has some (the server's certificate is not trusted); "" = sent
    // (or the probe ended before the login).
    std::string credentials_withheld;
    bool connected = false;  // the tunnel came up: an address was assigned
    std::string address;  // the address assigned to us
    std::vector<std::string> dns;  // the DNS servers assigned
    std::string ping_target;  // "" = no echo request was sent (none asked, or the tunnel did not come up)
    int echoes_sent = 0;
    int echo_replies = 0;
    std::vector<double> rtt_ms;  // the round trip of each reply, in the order sent

    // Lost echoes as a fraction of those sent (0 to 1); 0 when none was sent.
    double loss() const {
        return echoes_sent == 0 ? 0.0 : 1.0 - static_cast<double>(echo_replies) / static_cast<double>(echoes_sent);
    }
};

}  // namespace vpnprobe::scenarios
