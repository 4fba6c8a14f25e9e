// THE REGISTRY OF PROBE KINDS: one line per kind. A kind is its folder under probes/ (the probe, its
// diagnosis, its JSON), its adapter scenarios/kinds/<kind>.{hpp,cpp} (a ProbeKind: scenarios/probe_kind.hpp),
// and its entry in KindList below. Everything else (the scenario loader, the runner, expectations, every
// report, `vpnprobe run`) reaches it through probe_kinds(); ARCHITECTURE.md lists the rest a kind brings.
#pragma once

#include <tuple>
#include <variant>

#include "scenarios/kinds/ikev2.hpp"
#include "scenarios/kinds/sstp.hpp"

namespace vpnprobe::scenarios {

// Each kind K names its result (K::Result, derived from probes::ProbeOutcome), its scenario options
// (K::Options) and its own expectations (K::Expect), and K::kind() is its ProbeKind.
template <typename... K>
struct KindList {
    using Results = std::variant<typename K::Result...>;
    using Options = std::variant<typename K::Options...>;
    using Expects = std::tuple<typename K::Expect...>;
    static constexpr std::size_t size = sizeof...(K);
};

using Kinds = KindList<SstpKind, Ikev2Kind>;  // <- a new kind is one more entry here (and its #include)

// One run's result: whichever kind ran (the index is the kind's index in probe_kinds()).
using ProbeResult = Kinds::Results;
// A scenario probe's options: whichever kind it is.
using KindOptions = Kinds::Options;
// The kinds' own expectations of a probe (each kind reads and judges only its own).
using KindExpects = Kinds::Expects;

}  // namespace vpnprobe::scenarios
