// The accounting a scenario run shares between its threads: which row is next (a shared queue, so a thread
// whose rows are done takes the next one and a slow row idles no thread), how many runs are in flight (and
// the most at once), how many are done, and the progress calls. Thread-safe; no Asio, no clocks.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>

namespace vpnprobe::scenarios {

class RunLedger {
public:
    // `progress` (may be empty) is called after every finished run with (done, total), one call at a time
    // (under the ledger's lock: keep it short), done counting 1, 2, ... total without a gap.
    RunLedger(std::size_t rows, std::size_t runs_per_row, std::function<void(std::size_t, std::size_t)> progress);

    // The next row nobody has taken (each row is handed out once), or nothing when all are taken.
    std::optional<std::size_t> take_row();
    void run_started();
    void run_ended();  // then calls progress

    int in_flight() const;
    int peak_in_flight() const;
    std::size_t done() const;
    std::size_t total() const { return total_; }

private:
    mutable std::mutex mutex_;
    const std::size_t rows_, total_;
    std::function<void(std::size_t, std::size_t)> progress_;
    std::size_t next_row_ = 0, done_ = 0;
    int in_flight_ = 0, peak_ = 0;
};

}  // namespace vpnprobe::scenarios
