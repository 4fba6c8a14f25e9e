#include "probes/ikev2/esp_echo.hpp"

#include <algorithm>
#include <vector>

#include "probes/ikev2/ike_udp.hpp"
#include "probes/tunnel_echo.hpp"
#include "protocol/esp/esp_tunnel.hpp"
#include "protocol/esp/esp_udp.hpp"
#include "protocol/ip/ipv4_icmp.hpp"

namespace vpnprobe::probes {

namespace asio = boost::asio;
namespace esp = vpnprobe::protocol::esp;
using clock = std::chrono::steady_clock;

namespace {

// One ESP packet from the server: opened, or counted as rejected (the first reason kept).
void take_esp(protocol::ByteView body, esp::InitiatorTunnel& tunnel, const EspEchoPlan& plan, Ikev2TunnelFacts& t,
              const std::vector<clock::time_point>& sent_at, const Ikev2Log& log) {
    auto packet = tunnel.inbound.open(body);
    if (!packet) {
        ++t.esp_rejected;
        if (t.esp_first_rejection.empty()) t.esp_first_rejection = packet.error().to_string();
        if (log) log("<- ESP rejected: " + packet.error().to_string());
        return;
    }
    ++t.esp_received;
    if (packet->is_dummy() || packet->next_header != esp::next_header_ipv4) return;
    auto ip = protocol::decode_ipv4_packet(packet->payload);
    if (!ip) {
        if (log) log("<- ESP seq " + std::to_string(packet->sequence) + ": inner packet " + ip.error().to_string());
        return;
    }
    if (log) log("<- ESP seq " + std::to_string(packet->sequence) + ": " + protocol::describe(*ip));
    record_echo_answer(t.echoes, t.echo_replies, *ip, plan.source, plan.target, plan.ident, sent_at, clock::now());
}

}  // namespace

asio::awaitable<std::string> run_esp_echoes(IkeUdpSocket& sock, esp::InitiatorTunnel& tunnel, const EspEchoPlan& plan,
                                            Ikev2TunnelFacts& t, const Ikev2Log& log, int& sys_errno) {
    const int count = std::max(1, plan.count);
    t.echoes.assign(static_cast<std::size_t>(count), TunnelEcho{});
    std::vector<clock::time_point> sent_at(static_cast<std::size_t>(count));
    protocol::Bytes payload(32);
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>('a' + i % 26);
    std::string error;
    for (int i = 0; i < count; ++i) {
        auto& e = t.echoes[static_cast<std::size_t>(i)];
        e.sequence = i + 1;
        e.answer = "none";
        const auto seq = static_cast<std::uint16_t>(i + 1);
        auto inner = protocol::encode_ipv4_echo_request(plan.source, plan.target, plan.ident, seq, payload, seq);
        auto datagram = tunnel.outbound.seal_ip(inner);
        sent_at[static_cast<std::size_t>(i)] = clock::now();
        bool sent = co_await sock.send_datagram(datagram, error);
        if (!sent) {
            sys_errno = sock.last_errno();
            co_return error;
        }
        ++t.esp_sent;
        if (log)
            log("-> ESP seq " + std::to_string(tunnel.outbound.last_sequence()) + ": echo request " +
                std::to_string(seq) + " " + protocol::to_string(plan.source) + " > " +
                protocol::to_string(plan.target));
    }
    const auto until = std::min(plan.until, clock::now() + plan.wait);
    while (t.echo_replies < count) {
        bool timed_out = false;
        auto d = co_await sock.receive_datagram(until, timed_out, error);
        if (!d) {
            if (timed_out) break;
            sys_errno = sock.last_errno();
            co_return error;
        }
        auto u = esp::classify_udp_4500(*d);
        if (u.kind == esp::Udp4500Kind::esp) take_esp(u.body, tunnel, plan, t, sent_at, log);
        else if (u.kind == esp::Udp4500Kind::ike && log) log("<- an IKE message during the data path (not answered)");
    }
    co_return "";
}

}  // namespace vpnprobe::probes
