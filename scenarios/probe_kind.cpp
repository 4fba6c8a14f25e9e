#include "scenarios/probe_kind.hpp"

#include <stdexcept>

namespace vpnprobe::scenarios {

namespace {

template <typename... K>
std::vector<const ProbeKind*> kinds_of(KindList<K...>) {
    return {&K::kind()...};
}

}  // namespace

const std::vector<const ProbeKind*>& probe_kinds() {
    static const std::vector<const ProbeKind*> all = kinds_of(Kinds{});
    return all;
}

const ProbeKind* find_probe_kind(const std::string& name) {
    for (const auto* k : probe_kinds())
        if (k->name() == name) return k;
    return nullptr;
}

std::string probe_kind_names(const std::string& last_separator) {
    const auto& all = probe_kinds();
    std::string s;
    for (std::size_t i = 0; i < all.size(); ++i)
        s += (i == 0 ? "" : i + 1 == all.size() ? last_separator : ", ") + all[i]->name();
    return s;
}

const KindOption& ProbeKind::option(const std::string& key) const {
    for (const auto& o : options())
        if (o.key == key) return o;
    throw std::out_of_range("the " + name() + " probe has no option '" + key + "'");
}

}  // namespace vpnprobe::scenarios
