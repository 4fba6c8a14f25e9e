#include "protocol/ikev2/ikev2_fragments.hpp"

namespace vpnprobe::protocol::ikev2 {

FragmentReassembler::Admission FragmentReassembler::admit(std::uint16_t number, std::uint16_t total) {
    if (total == 0 || number == 0 || number > total) {
        error_ = "fragment " + std::to_string(number) + "/" + std::to_string(total) + " is impossible";
        return Admission::refuse;
    }
    if (total > limits_.max_fragments) {
        error_ = "fragment " + std::to_string(number) + "/" + std::to_string(total) + " is over the limit of " +
                 std::to_string(limits_.max_fragments) + " fragments";
        return Admission::refuse;
    }
    if (total_ != 0 && total != total_) {
        parts_.clear();
        bytes_ = 0;
        first_inner_ = PayloadType::none;
        ++restarts_;
    }
    total_ = total;
    return parts_.count(number) ? Admission::duplicate : Admission::take;
}

bool FragmentReassembler::add(std::uint16_t number, PayloadType first_inner, Bytes plaintext) {
    if (number == 0 || number > total_ || parts_.count(number)) return true;  // not admitted: ignored
    bytes_ += plaintext.size();
    if (bytes_ > limits_.max_bytes) {
        error_ = "fragments add up to more than " + std::to_string(limits_.max_bytes) + " bytes";
        return false;
    }
    if (number == 1) first_inner_ = first_inner;
    parts_.emplace(number, std::move(plaintext));
    return true;
}

Bytes FragmentReassembler::assemble() const {
    Bytes all;
    all.reserve(bytes_);
    for (const auto& [n, part] : parts_) all.insert(all.end(), part.begin(), part.end());
    return all;
}

}  // namespace vpnprobe::protocol::ikev2
