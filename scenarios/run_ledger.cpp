#include "scenarios/run_ledger.hpp"

#include <algorithm>

namespace vpnprobe::scenarios {

RunLedger::RunLedger(std::size_t rows, std::size_t runs_per_row, std::function<void(std::size_t, std::size_t)> progress)
    : rows_(rows), total_(rows * runs_per_row), progress_(std::move(progress)) {}

std::optional<std::size_t> RunLedger::take_row() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (next_row_ >= rows_) return std::nullopt;
    return next_row_++;
}

void RunLedger::run_started() {
    std::lock_guard<std::mutex> lock(mutex_);
    peak_ = std::max(peak_, ++in_flight_);
}

void RunLedger::run_ended() {
    std::lock_guard<std::mutex> lock(mutex_);
    --in_flight_;
    ++done_;
    // Under the lock: the calls come one at a time and in order, whichever thread ends a run.
    if (progress_) progress_(done_, total_);
}

int RunLedger::in_flight() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return in_flight_;
}

int RunLedger::peak_in_flight() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return peak_;
}

std::size_t RunLedger::done() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return done_;
}

}  // namespace vpnprobe::scenarios
