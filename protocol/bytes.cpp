#include "protocol/bytes.hpp"

#include <stdexcept>

namespace vpnprobe::protocol {

std::string DecodeError::to_string() const { return code + " at offset " + std::to_string(offset) + ": " + message; }

bool ByteReader::need(std::size_t n, std::string_view what) {
    if (failed_) return false;
    if (remaining() < n) {
        fail("truncated", "need " + std::to_string(n) + " byte(s) for " + std::string(what) + ", " +
                              std::to_string(remaining()) + " left");
        return false;
    }
    return true;
}

std::uint8_t ByteReader::u8() {
    if (!need(1, "u8")) return 0;
    return data_[pos_++];
}

std::uint16_t ByteReader::u16() {
    if (!need(2, "u16")) return 0;
    std::uint16_t v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return v;
}

std::uint32_t ByteReader::u32() {
    if (!need(4, "u32")) return 0;
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | data_[pos_ + i];
    pos_ += 4;
    return v;
}

std::uint64_t ByteReader::u64() {
    if (!need(8, "u64")) return 0;
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | data_[pos_ + i];
    pos_ += 8;
    return v;
}

ByteView ByteReader::bytes(std::size_t n) {
    if (!need(n, std::to_string(n) + "-byte field")) return {};
    ByteView v = data_.subspan(pos_, n);
    pos_ += n;
    return v;
}

ByteReader ByteReader::sub(std::size_t n) {
    std::size_t start = offset();
    ByteView v = bytes(n);
    ByteReader r(v, start);
    if (failed_) {
        r.failed_ = true;
        r.error_ = error_;
    }
    return r;
}

void ByteReader::fail(std::string code, std::string message) { fail_at(offset(), std::move(code), std::move(message)); }

void ByteReader::fail_at(std::size_t absolute_offset, std::string code, std::string message) {
    if (failed_) return;
    failed_ = true;
    error_ = DecodeError{std::move(code), std::move(message), absolute_offset};
}

void put_u8(Bytes& out, std::uint8_t v) { out.push_back(v); }
// One insert per field rather than a push_back per byte: the IKEv2 encoder calls these for every header.
void put_u16(Bytes& out, std::uint16_t v) {
    const std::uint8_t b[2] = {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
    out.insert(out.end(), b, b + 2);
}
void put_u32(Bytes& out, std::uint32_t v) {
    const std::uint8_t b[4] = {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                               static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
    out.insert(out.end(), b, b + 4);
}
void put_u64(Bytes& out, std::uint64_t v) {
    std::uint8_t b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
    out.insert(out.end(), b, b + 8);
}
void put_bytes(Bytes& out, ByteView v) { out.insert(out.end(), v.begin(), v.end()); }

std::string to_hex(ByteView data, std::string_view separator) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    s.reserve(data.size() * (2 + separator.size()));
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (i && !separator.empty()) s += separator;
        s += digits[data[i] >> 4];
        s += digits[data[i] & 0xf];
    }
    return s;
}

Bytes from_hex(std::string_view hex) {
    Bytes out;
    int hi = -1;
    for (char c : hex) {
        if (c == ' ' || c == ':' || c == '\n' || c == '\t') continue;
        int v;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        else throw std::invalid_argument("not a hex digit: " + std::string(1, c));
        if (hi < 0) hi = v;
        else {
            out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
            hi = -1;
        }
    }
    if (hi >= 0) throw std::invalid_argument("odd number of hex digits");
    return out;
}

}  // namespace vpnprobe::protocol
