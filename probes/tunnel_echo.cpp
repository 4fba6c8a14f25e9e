#include "probes/tunnel_echo.hpp"

#include "protocol/ip/ipv4_icmp.hpp"

namespace vpnprobe::probes {

bool record_echo_answer(std::vector<TunnelEcho>& echoes, int& replies, const protocol::Ipv4Packet& packet,
                        const protocol::Ipv4Address& our_address, const protocol::Ipv4Address& target,
                        std::uint16_t ident, const std::vector<std::chrono::steady_clock::time_point>& sent_at,
                        std::chrono::steady_clock::time_point now) {
    for (std::size_t s = 0; s < echoes.size() && s < sent_at.size(); ++s) {
        auto& e = echoes[s];
        if (e.replied) continue;
        auto c = protocol::classify_echo_answer(packet, our_address, target, ident, static_cast<std::uint16_t>(s + 1));
        if (c.answer == protocol::EchoAnswer::unrelated) continue;
        if (c.answer == protocol::EchoAnswer::reply) {
            e.replied = true;
            e.rtt_ms = std::chrono::duration<double, std::milli>(now - sent_at[s]).count();
            e.answer = "reply";
            ++replies;
        } else if (c.answer == protocol::EchoAnswer::reply_from_wrong_address) {
            e.answer = "reply from " + protocol::to_string(c.from) + " (not the target)";
        } else if (c.answer == protocol::EchoAnswer::icmp_error && c.icmp) {
            e.answer = protocol::describe(*c.icmp) + " from " + protocol::to_string(c.from);
        } else {
            e.answer = "malformed ICMP";
        }
        return true;
    }
    return false;
}

}  // namespace vpnprobe::probes
