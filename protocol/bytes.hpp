// Byte buffers and the bounds-checked reader every decoder in protocol/ uses.
// A decoder never indexes a buffer directly: it asks a ByteReader, which refuses to read past the end
// and reports where it was when it refused, so a lying length field becomes a DecodeError with an
// offset instead of an over-read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace vpnprobe::protocol {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// A decode failure: what was wrong and the byte offset (from the start of the buffer the decoder was
// given) where it was found. `code` is a short stable identifier for tests and reports
// ("truncated", "bad_version", "length_mismatch", ...); `message` is for humans.
struct DecodeError {
    std::string code;
    std::string message;
    std::size_t offset = 0;

    std::string to_string() const;
};

// Either a decoded value or the reason it could not be decoded.
template <typename T>
class Decoded {
public:
    Decoded(T value) : v_(std::move(value)) {}
    Decoded(DecodeError error) : v_(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(v_); }
    explicit operator bool() const { return ok(); }
    const T& value() const& { return std::get<T>(v_); }
    T& value() & { return std::get<T>(v_); }
    T&& value() && { return std::get<T>(std::move(v_)); }
    const T& operator*() const& { return value(); }
    const T* operator->() const { return &value(); }
    const DecodeError& error() const { return std::get<DecodeError>(v_); }

private:
    std::variant<T, DecodeError> v_;
};

// Cursor over a byte view. Every read checks the remaining length first; a failed read sets the
// error once (the first failure is the one worth reporting) and returns zeros from then on, so a
// decoder can read a fixed header and check `failed()` once at the end.
class ByteReader {
public:
    explicit ByteReader(ByteView data, std::size_t base_offset = 0) : data_(data), base_(base_offset) {}

    std::size_t offset() const { return base_ + pos_; }  // absolute offset of the next byte
    std::size_t remaining() const { return data_.size() - pos_; }
    bool at_end() const { return pos_ == data_.size(); }
    bool failed() const { return failed_; }
    const DecodeError& error() const { return error_; }

    std::uint8_t u8();
    std::uint16_t u16();  // network byte order
    std::uint32_t u32();
    std::uint64_t u64();
    ByteView bytes(std::size_t n);  // empty view on failure
    void skip(std::size_t n) { (void)bytes(n); }
    // A sub-reader over the next n bytes, whose offsets continue this reader's numbering.
    ByteReader sub(std::size_t n);

    // Records a decoder-level error at the current offset (or at `at`), unless one is already set.
    void fail(std::string code, std::string message);
    void fail_at(std::size_t absolute_offset, std::string code, std::string message);

private:
    bool need(std::size_t n, std::string_view what);

    ByteView data_;
    std::size_t base_ = 0;
    std::size_t pos_ = 0;
    bool failed_ = false;
    DecodeError error_;
};

// Appends in network byte order.
void put_u8(Bytes& out, std::uint8_t v);
void put_u16(Bytes& out, std::uint16_t v);
void put_u32(Bytes& out, std::uint32_t v);
void put_u64(Bytes& out, std::uint64_t v);
void put_bytes(Bytes& out, ByteView v);

std::string to_hex(ByteView data, std::string_view separator = "");
Bytes from_hex(std::string_view hex);  // ignores spaces and colons; throws std::invalid_argument on bad input

}  // namespace vpnprobe::protocol
