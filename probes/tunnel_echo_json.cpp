#include "probes/tunnel_echo_json.hpp"

#include <boost/json/array.hpp>

namespace vpnprobe::probes {

boost::json::object tunnel_ping_json(const std::string& target, const std::vector<TunnelEcho>& echoes, int replies) {
    boost::json::object ping;
    ping["target"] = target;
    ping["sent"] = echoes.size();
    ping["replies"] = replies;
    ping["loss"] = echoes.empty() ? 0.0 : 1.0 - double(replies) / double(echoes.size());
    boost::json::array a;
    for (const auto& e : echoes) {
        boost::json::object j;
        j["sequence"] = e.sequence;
        j["replied"] = e.replied;
        if (e.replied) j["rtt_ms"] = e.rtt_ms;
        j["answer"] = e.answer;
        a.push_back(std::move(j));
    }
    ping["echoes"] = std::move(a);
    return ping;
}

}  // namespace vpnprobe::probes
