// RFC 7383 reassembly of an encrypted message's SKF fragments, as pure bookkeeping: the caller decodes
// each fragment, asks admit() before it spends a decryption on it, decrypts it (an unauthentic fragment is
// dropped, RFC 7383 2.6), and add()s the plaintext. Fragments may come in any order and more than once.
// A server cannot make it hold more than `max_fragments` fragments or `max_bytes` of plaintext.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "protocol/bytes.hpp"
#include "protocol/ikev2/ikev2_message.hpp"

namespace vpnprobe::protocol::ikev2 {

class FragmentReassembler {
public:
    struct Limits {
        std::size_t max_fragments = 64;
        std::size_t max_bytes = 64 * 1024;
    };
    enum class Admission { take, duplicate, refuse };

    FragmentReassembler() = default;
    explicit FragmentReassembler(Limits limits) : limits_(limits) {}

    // Whether a fragment numbered `number` of `total` is worth decrypting. refuse: the numbers are
    // impossible or over the limit (error() says which); a different total than before restarts the
    // message, as a retransmission with another fragmentation does (RFC 7383 2.6.1).
    Admission admit(std::uint16_t number, std::uint16_t total);
    // Adds an admitted fragment's plaintext; false (error() set) when the parts exceed max_bytes.
    bool add(std::uint16_t number, PayloadType first_inner, Bytes plaintext);

    bool complete() const { return total_ != 0 && parts_.size() == total_; }
    // The whole plaintext in fragment order, and the first inner payload type (from fragment 1).
    Bytes assemble() const;
    PayloadType first_inner() const { return first_inner_; }

    std::size_t received() const { return parts_.size(); }
    std::uint16_t total() const { return total_; }
    int restarts() const { return restarts_; }
    const std::string& error() const { return error_; }

private:
    Limits limits_;
    std::map<std::uint16_t, Bytes> parts_;
    std::uint16_t total_ = 0;
    std::size_t bytes_ = 0;
    PayloadType first_inner_ = PayloadType::none;
    int restarts_ = 0;
    std::string error_;
};

}  // namespace vpnprobe::protocol::ikev2
