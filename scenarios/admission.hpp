// The runner's admission gate under our own overload: before a probe starts, its worker waits while the event
// loop's lag (probes/load_monitor.hpp) is above kAdmissionLag, so that the probes already in flight get the
// loop back and the run stays honest. The wait ends when the loop keeps up again, at a stop request, or when the
// loop is still late with none of the run's probes in flight on it (then the lag is not the run's own, say a
// loaded machine, and waiting would never end: one probe at a time goes on). The monitor keeps the record the
// run reports (LoadRecord).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "probes/load_monitor.hpp"
#include "probes/stop_signal.hpp"
#include "scenarios/load_record.hpp"

namespace vpnprobe::scenarios {

// How often a held probe looks again whether none is in flight (the calm tick wakes it at once).
inline constexpr std::chrono::milliseconds kAdmissionRecheck{250};

// The lag above which a probe with this timeout (seconds) is held back: kAdmissionLag, or half the lag that
// would make its timeout the harness's (probes::overload_bound) when that is less (a short timeout).
probes::LagClock::duration admission_bound(double timeout_seconds);

// Returns at once when the loop's lag is at or below `below`; otherwise when it is back there, at a stop
// request, when the monitor stops, or at a recheck that finds `alone()` (no probe of the run in flight here).
boost::asio::awaitable<void> admit(probes::LoadMonitor& load, probes::LagClock::duration below,
                                   std::function<bool()> alone, std::shared_ptr<probes::StopSignal> stop);

// Adds one loop's record (a run with one io_context per thread has several).
void add_load_record(LoadRecord& record, const probes::LoadMonitor& load);

}  // namespace vpnprobe::scenarios
