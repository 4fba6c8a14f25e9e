#include "probes/ikev2/ikev2_json.hpp"

#include "probes/certificate_json.hpp"
#include "probes/probe_result_json.hpp"
#include "probes/tunnel_echo_json.hpp"

namespace vpnprobe::probes {

namespace json = boost::json;

namespace {

json::array notifies(const std::vector<Ikev2Notify>& v) {
    json::array a;
    for (const auto& n : v) {
        json::object o;
        o["name"] = n.name;
        o["type"] = n.type;
        if (!n.data.empty()) o["data"] = n.data;
        a.push_back(std::move(o));
    }
    return a;
}

template <typename T>
void optional_field(json::object& o, const char* key, const std::optional<T>& v) {
    if (v) o[key] = *v;
    else o[key] = nullptr;
}

// The user tunnel: the login, the CP reply, the CHILD_SA. Never the password or a key (Ikev2TunnelFacts has
// neither; the CHILD_SA's secrets are in Ikev2Result::child_sa_secrets, which nothing prints).
json::object tunnel_json(const Ikev2TunnelFacts& t) {
    json::object o;
    o["auth_method"] = t.auth_method;
    o["eap_identity_prompt"] = t.eap_identity_prompt;
    o["auth_server_name"] = t.auth_server_name;
    o["eap_rounds"] = t.eap_rounds;
    optional_field(o, "mschap_error", t.mschap_error);
    o["server_message"] = t.server_message;
    o["server_proven"] = t.server_proven;
    o["eap_success"] = t.eap_success;
    optional_field(o, "server_auth_verified", t.server_auth_verified);
    o["authenticated"] = t.authenticated;
    o["notifies"] = notifies(t.notifies);
    o["address"] = t.address;
    o["address6"] = t.address6;
    o["dns"] = to_json_array(t.dns);
    o["connected"] = t.connected;
    json::object c;
    c["created"] = t.child.created;
    c["offered"] = t.child.offered;
    c["esp_proposal"] = t.child.esp_proposal;
    c["esp_transforms"] = to_json_array(t.child.esp_transforms);
    c["spi_in"] = t.child.spi_in;
    c["spi_out"] = t.child.spi_out;
    c["tsi"] = to_json_array(t.child.tsi);
    c["tsr"] = to_json_array(t.child.tsr);
    c["error_notify"] = t.child.error_notify;
    c["deleted"] = t.child.deleted;
    o["child_sa"] = std::move(c);
    if (!t.ping_target.empty()) {
        o["ping"] = tunnel_ping_json(t.ping_target, t.echoes, t.echo_replies);
        json::object esp;
        esp["sent"] = t.esp_sent;
        esp["received"] = t.esp_received;
        esp["rejected"] = t.esp_rejected;
        if (!t.esp_first_rejection.empty()) esp["first_rejection"] = t.esp_first_rejection;
        o["esp"] = std::move(esp);
    }
    return o;
}

}  // namespace

json::object to_json(const Ikev2Result& r) {
    json::object o;
    outcome_head(o, "ikev2", r);
    outcome_phases(o, r);
    const Ikev2Facts& f = r.ike;
    json::object ike;
    ike["offered"] = f.offered;
    ike["sa_init_answered"] = f.sa_init_answered;
    ike["chosen_proposal"] = f.chosen_proposal;
    ike["chosen_transforms"] = to_json_array(f.chosen_transforms);
    ike["dh_group"] = f.dh_group;
    ike["key_share_reused"] = f.key_share_reused;
    ike["sa_init_notifies"] = notifies(f.sa_init_notifies);
    ike["vendor_ids"] = to_json_array(f.vendor_ids);
    ike["fragmentation_offered"] = f.fragmentation_offered;
    ike["signature_hash_algorithms"] = to_json_array(f.signature_hash_algorithms);
    ike["cookie_rounds"] = f.cookie_rounds;
    json::array groups;
    for (auto g : f.invalid_ke_groups) groups.emplace_back(g);
    ike["invalid_ke_groups"] = std::move(groups);
    optional_field(ike, "nat_detected", f.nat_detected);
    optional_field(ike, "nat_source_mismatch", f.nat_source_mismatch);
    optional_field(ike, "nat_destination_mismatch", f.nat_destination_mismatch);
    ike["certreq_ca_hashes"] = to_json_array(f.certreq_ca_hashes);
    optional_field(ike, "certreq_matches_ca", f.certreq_matches_ca);
    ike["error_notify"] = f.error_notify;
    ike["ike_auth_answered"] = f.ike_auth_answered;
    ike["fragments_sent"] = f.fragments_sent;
    ike["fragments_received"] = f.fragments_received;
    ike["idr"] = f.idr;
    json::array chain;
    for (const auto& c : f.chain) chain.push_back(to_json(c));
    ike["chain"] = std::move(chain);
    if (f.chain_verdict) ike["chain_verdict"] = to_json(*f.chain_verdict);
    ike["auth_method"] = f.auth_method;
    optional_field(ike, "auth_verified", f.auth_verified);
    ike["auth_detail"] = f.auth_detail;
    ike["eap_request"] = f.eap_request;
    ike["ike_auth_notifies"] = notifies(f.ike_auth_notifies);
    ike["deleted"] = f.deleted;
    ike["sa_init_round_trips"] = f.sa_init_round_trips;
    ike["sa_init_retransmissions"] = f.sa_init_retransmissions;
    ike["ike_auth_retransmissions"] = f.ike_auth_retransmissions;
    optional_field(ike, "nat_t_port_answers_sa_init", f.nat_t_port_answers_sa_init);
    o["ike"] = std::move(ike);
    json::array weak;
    for (const auto& w : r.weak_audit) {
        json::object x;
        x["proposal"] = w.proposal;
        x["why_weak"] = w.why_weak;
        x["accepted"] = w.accepted;
        x["answered"] = w.answered;
        x["answer"] = w.answer;
        weak.push_back(std::move(x));
    }
    o["weak_audit"] = std::move(weak);
    if (r.tunnel.credentials_given) o["tunnel"] = tunnel_json(r.tunnel);
    outcome_findings(o, r);
    return o;
}

}  // namespace vpnprobe::probes
