#include "probes/sstp/sstp_json.hpp"

#include <boost/json/array.hpp>

#include "probes/certificate_json.hpp"
#include "probes/tunnel_echo_json.hpp"

namespace vpnprobe::probes {

namespace json = boost::json;

json::object to_json(const TlsFacts& t) {
    json::object o;
    o["version"] = t.version;
    o["cipher"] = t.cipher;
    o["cipher_openssl"] = t.cipher_openssl;
    o["group"] = t.group;
    o["sni"] = t.sni;
    json::array chain;
    for (const auto& c : t.chain) chain.push_back(to_json(c));
    o["chain"] = std::move(chain);
    o["chain_verdict"] = to_json(t.chain_verdict);
    return o;
}

// The login and the tunnel (never the password: SstpTunnelFacts has none).
json::object to_json(const SstpTunnelFacts& t) {
    json::object o;
    if (!t.credentials_withheld.empty()) o["credentials_withheld"] = t.credentials_withheld;
    o["auth_method"] = t.auth_method;
    if (!t.auth_weakness.empty()) o["auth_weakness"] = t.auth_weakness;
    o["auth_server_name"] = t.auth_server_name;
    o["eap_identity_prompt"] = t.eap_identity_prompt;
    if (t.mschap_error) o["mschap_error"] = *t.mschap_error;
    o["server_message"] = t.server_message;
    o["server_proven"] = t.server_proven;
    o["authenticated"] = t.authenticated;
    o["binding_hash"] = t.binding_hash;
    o["call_connected_sent"] = t.call_connected_sent;
    o["connected"] = t.connected;
    o["address"] = t.address;
    o["dns"] = to_json_array(t.dns);
    o["server_address"] = t.server_address;
    if (!t.ping_target.empty()) o["ping"] = tunnel_ping_json(t.ping_target, t.echoes, t.echo_replies);
    return o;
}

json::object to_json(const SstpResult& r) {
    json::object o;
    outcome_head(o, "sstp", r);
    o["handshake_ok"] = r.handshake_ok;
    outcome_phases(o, r);
    if (r.tls) o["tls"] = to_json(*r.tls);
    const SstpFacts& s = r.sstp;
    json::object sstp;
    sstp["correlation_id"] = s.correlation_id;
    sstp["http_status"] = s.http_status;
    sstp["http_status_line"] = s.http_status_line;
    sstp["server_header"] = s.server_header;
    sstp["connect_acked"] = s.connect_acked;
    if (s.hash_bitmask >= 0) sstp["hash_bitmask"] = s.hash_bitmask;
    sstp["hash_protocols"] = to_json_array(s.hash_protocols);
    sstp["nonce"] = s.nonce_hex;
    sstp["connect_naked"] = s.connect_naked;
    if (s.connect_naked) sstp["nak_status"] = s.nak_status;
    sstp["server_lcp_options"] = to_json_array(s.server_lcp_options);
    sstp["rejected_lcp_options"] = to_json_array(s.rejected_lcp_options);
    sstp["auth_protocol"] = s.auth_protocol;
    sstp["lcp_opened"] = s.lcp_opened;
    sstp["lcp_echo_requests_answered"] = s.lcp_echo_requests_answered;
    sstp["sstp_echo_requests_answered"] = s.sstp_echo_requests_answered;
    sstp["close"] = s.close;
    o["sstp"] = std::move(sstp);
    if (r.tunnel.credentials_given) o["tunnel"] = to_json(r.tunnel);
    outcome_findings(o, r);
    return o;
}

}  // namespace vpnprobe::probes
