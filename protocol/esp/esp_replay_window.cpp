#include "protocol/esp/esp_replay_window.hpp"

#include <stdexcept>
#include <string>

namespace vpnprobe::protocol::esp {

ReplayWindow::ReplayWindow(std::size_t size) {
    if (size < 32 || size > 65536) {
        throw std::invalid_argument("an ESP replay window holds 32 to 65536 packets, not " + std::to_string(size));
    }
    bits_.assign((size + 63) / 64, 0);
}

bool ReplayWindow::test(std::uint32_t sequence) const {
    const std::size_t bit = sequence % size();
    return (bits_[bit / 64] >> (bit % 64) & 1u) != 0;
}

void ReplayWindow::set(std::uint32_t sequence, bool value) {
    const std::size_t bit = sequence % size();
    const std::uint64_t mask = std::uint64_t{1} << (bit % 64);
    if (value) bits_[bit / 64] |= mask;
    else bits_[bit / 64] &= ~mask;
}

ReplayWindow::Verdict ReplayWindow::check(std::uint32_t sequence) const {
    if (sequence == 0) return Verdict::zero;
    if (sequence > highest_) return Verdict::fresh;
    if (highest_ - sequence >= size()) return Verdict::outside_window;
    return test(sequence) ? Verdict::replay : Verdict::fresh;
}

void ReplayWindow::accept(std::uint32_t sequence) {
    if (check(sequence) != Verdict::fresh) return;
    if (sequence > highest_) {
        // Slide: the numbers between the old right edge and the new one were not received (yet).
        const std::uint64_t advance = sequence - highest_;
        if (advance >= size()) {
            bits_.assign(bits_.size(), 0);
        } else {
            for (std::uint64_t n = highest_ + 1; n < sequence; ++n) set(static_cast<std::uint32_t>(n), false);
        }
        highest_ = sequence;
    }
    set(sequence, true);
}

}  // namespace vpnprobe::protocol::esp
