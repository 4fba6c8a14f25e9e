// What a run says of its own load (probes/load_monitor.hpp): the worst lag of its event loop(s), and how the
// admission gate (scenarios/admission.hpp) held new probes back while the lag was high.
#pragma once

namespace vpnprobe::scenarios {

struct LoadRecord {
    double worst_lag_seconds = 0;
    double admission_held_seconds = 0;  // time during which at least one probe waited (summed over loops)
    int admission_waits = 0;  // probes that waited before they started
    // ... of which started while the loop was still late, because none of the run's probes was in flight on it
    // (the lag was not the run's own: a loaded machine)
    int admission_started_alone = 0;
};

}  // namespace vpnprobe::scenarios
