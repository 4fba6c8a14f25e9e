#include "protocol/ikev2/ikev2_proposal.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace vpnprobe::protocol::ikev2 {

namespace {

constexpr std::array<TransformType, 5> wire_order = {TransformType::encr, TransformType::integ, TransformType::prf,
                                                     TransformType::ke, TransformType::esn};

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// strongSwan derives an IKE PRF from each integrity algorithm when none is configured (the registry's
// derived_prf column).
std::optional<std::uint16_t> prf_for_integrity(std::uint16_t integ_id) {
    const Algorithm* a = find_algorithm(TransformType::integ, integ_id);
    if (!a || a->derived_prf == 0) return std::nullopt;
    return a->derived_prf;
}

std::vector<Transform> derived_prfs(const std::vector<Transform>& integrity) {
    std::vector<Transform> prfs;
    for (const auto& t : integrity) {
        auto prf_id = prf_for_integrity(t.id);
        if (!prf_id) continue;
        Transform prf(TransformType::prf, *prf_id);
        if (std::find(prfs.begin(), prfs.end(), prf) == prfs.end()) prfs.push_back(prf);
    }
    return prfs;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

Proposal parse_proposal(std::string_view text, ProtocolId protocol, std::uint8_t number) {
    const std::string whole = quoted(text);
    if (text.empty()) throw std::invalid_argument("empty proposal");

    // Collected per transform type, in the order written.
    std::vector<Transform> by_type[6];
    std::size_t pos = 0;
    while (true) {
        const std::size_t dash = text.find('-', pos);
        const std::string_view keyword = text.substr(pos, dash == std::string_view::npos ? dash : dash - pos);
        if (keyword.empty()) throw std::invalid_argument("empty algorithm name in " + whole);
        auto found = find_algorithm_keyword(keyword);
        if (!found) throw std::invalid_argument("unknown algorithm " + quoted(keyword) + " in " + whole);
        Transform t(found->type, found->id,
                    found->key_length ? std::optional<std::uint16_t>(found->key_length) : std::nullopt);
        auto& list = by_type[static_cast<std::size_t>(found->type)];
        if (std::find(list.begin(), list.end(), t) == list.end()) list.push_back(t);
        if (dash == std::string_view::npos) break;
        pos = dash + 1;
    }

    auto& encryption = by_type[static_cast<std::size_t>(TransformType::encr)];
    auto& integrity = by_type[static_cast<std::size_t>(TransformType::integ)];
    auto& prfs = by_type[static_cast<std::size_t>(TransformType::prf)];
    auto& kes = by_type[static_cast<std::size_t>(TransformType::ke)];
    auto& esns = by_type[static_cast<std::size_t>(TransformType::esn)];

    const auto aead_count =
        std::count_if(encryption.begin(), encryption.end(), [](const Transform& t) { return is_aead(t.id); });
    const bool aead = aead_count > 0;
    if (aead && static_cast<std::size_t>(aead_count) != encryption.size())
        throw std::invalid_argument("AEAD and non-AEAD encryption algorithms cannot share a proposal: " + whole);

    if (protocol == ProtocolId::ike) {
        if (encryption.empty()) throw std::invalid_argument("no encryption algorithm in IKE proposal " + whole);
        if (!aead && integrity.empty()) throw std::invalid_argument("no integrity algorithm in IKE proposal " + whole);
        if (prfs.empty()) prfs = derived_prfs(integrity);
        if (prfs.empty())
            throw std::invalid_argument("no PRF in IKE proposal " + whole +
                                        (aead ? " (an AEAD cipher needs one named, e.g. prfsha256)" : ""));
        if (kes.empty()) throw std::invalid_argument("no key exchange method (DH group) in IKE proposal " + whole);
        if (!esns.empty()) throw std::invalid_argument("ESN keyword in IKE proposal " + whole);
    } else {
        if (protocol == ProtocolId::ah && !encryption.empty())
            throw std::invalid_argument("encryption algorithm in AH proposal " + whole);
        if (protocol == ProtocolId::esp && encryption.empty())
            throw std::invalid_argument("no encryption algorithm in ESP proposal " + whole);
        if (!aead && integrity.empty()) throw std::invalid_argument("no integrity algorithm in proposal " + whole);
        prfs.clear();
        if (esns.empty()) esns.push_back(Transform(TransformType::esn, esn_mode::no_esn));
    }
    if (aead) integrity.clear();

    Proposal proposal;
    proposal.number = number;
    proposal.protocol = static_cast<std::uint8_t>(protocol);
    for (TransformType type : wire_order)
        for (const auto& t : by_type[static_cast<std::size_t>(type)]) proposal.transforms.push_back(t);
    return proposal;
}

std::vector<Proposal> parse_proposals(std::string_view text, ProtocolId protocol) {
    std::vector<Proposal> proposals;
    std::size_t pos = 0;
    while (true) {
        const std::size_t comma = text.find(',', pos);
        const std::string_view one = trim(text.substr(pos, comma == std::string_view::npos ? comma : comma - pos));
        if (one.empty()) throw std::invalid_argument("empty proposal in '" + std::string(text) + "'");
        if (proposals.size() == 255) throw std::invalid_argument("more than 255 proposals");
        proposals.push_back(parse_proposal(one, protocol, static_cast<std::uint8_t>(proposals.size() + 1)));
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    return proposals;
}

std::string format_proposal(const Proposal& proposal) {
    std::vector<Transform> by_type[6];
    for (const auto& t : proposal.transforms) {
        if (t.type < 1 || t.type > 5)
            throw std::invalid_argument("no strongSwan keyword for transform type " + transform_type_name(t.type));
        by_type[t.type].push_back(t);
    }
    const auto& integrity = by_type[static_cast<std::size_t>(TransformType::integ)];
    const bool ike = proposal.protocol == static_cast<std::uint8_t>(ProtocolId::ike);
    const bool implied_prf =
        ike && !integrity.empty() && by_type[static_cast<std::size_t>(TransformType::prf)] == derived_prfs(integrity);
    const auto& esns = by_type[static_cast<std::size_t>(TransformType::esn)];
    const bool implied_esn = !ike && esns.size() == 1 && esns.front().id == esn_mode::no_esn;

    std::string out;
    for (TransformType type : wire_order) {
        if ((type == TransformType::prf && implied_prf) || (type == TransformType::esn && implied_esn)) continue;
        for (const auto& t : by_type[static_cast<std::size_t>(type)]) {
            auto keyword = algorithm_keyword(type, t.id, t.key_length.value_or(0));
            if (!keyword || !t.other_attributes.empty())
                throw std::invalid_argument("no strongSwan keyword for " + describe(t));
            out += (out.empty() ? "" : "-") + std::string(*keyword);
        }
    }
    return out;
}

std::string check_chosen_proposal(const std::vector<Proposal>& offered, const Proposal& chosen) {
    const Proposal* from = nullptr;
    for (const auto& p : offered)
        if (p.number == chosen.number) from = &p;
    if (!from) return "proposal number " + std::to_string(chosen.number) + " was not offered";
    if (from->protocol != chosen.protocol) return "the chosen proposal is for another protocol than the one offered";
    std::vector<std::uint8_t> seen;
    for (const auto& t : chosen.transforms) {
        if (std::find(seen.begin(), seen.end(), t.type) != seen.end())
            return "more than one transform of type " + std::to_string(t.type) + " chosen";
        seen.push_back(t.type);
        bool offered_it = false;
        for (const auto& o : from->transforms)
            offered_it = offered_it || (o.type == t.type && o.id == t.id && o.key_length == t.key_length);
        if (!offered_it) return describe(t) + " was not offered in proposal " + std::to_string(chosen.number);
    }
    for (const auto& o : from->transforms)
        if (std::find(seen.begin(), seen.end(), o.type) == seen.end())
            return "no transform of type " + std::to_string(o.type) + " chosen, though proposal " +
                   std::to_string(chosen.number) + " offered some";
    return {};
}

}  // namespace vpnprobe::protocol::ikev2
