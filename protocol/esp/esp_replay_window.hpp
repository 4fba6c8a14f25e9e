// The receiver's anti-replay window of an ESP SA (RFC 4303 section 3.4.3 and Appendix A), for 32-bit sequence
// numbers (Extended Sequence Numbers off). A bitmap of the last `size` numbers below and including the highest
// authenticated one; a packet is checked against it before its ICV (a duplicate costs no decryption) and the
// window moves only after the ICV verified (so a forged packet cannot move it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vpnprobe::protocol::esp {

class ReplayWindow {
public:
    // `size` in packets: at least 32 (RFC 4303 says a receiver MUST support 32 and SHOULD default to 64); rounded
    // up to a multiple of 64. Throws std::invalid_argument below 32 or above 65536.
    explicit ReplayWindow(std::size_t size = 128);

    enum class Verdict {
        fresh,  // not seen, and inside the window or above it
        replay,  // seen (and authenticated) before
        outside_window,  // older than the window's left edge: cannot tell, must drop
        zero,  // sequence number 0, which a sender never uses (its counter starts at 1, RFC 4303 3.3.3)
    };
    Verdict check(std::uint32_t sequence) const;
    // Records an authenticated packet; the window's right edge moves up to it when it is the highest so far.
    // The caller checks first: accepting a number check() did not call fresh is a logic error (ignored).
    void accept(std::uint32_t sequence);

    std::uint32_t highest() const { return highest_; }  // 0 before the first packet
    std::size_t size() const { return bits_.size() * 64; }

private:
    bool test(std::uint32_t sequence) const;
    void set(std::uint32_t sequence, bool value);

    std::uint32_t highest_ = 0;
    std::vector<std::uint64_t> bits_;  // bit (n mod size) stands for sequence number n
};

}  // namespace vpnprobe::protocol::esp
