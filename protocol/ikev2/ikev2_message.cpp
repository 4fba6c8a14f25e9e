#include "protocol/ikev2/ikev2_message.hpp"
#include "protocol/ikev2/ikev2_payload_append.hpp"

#include <algorithm>
#include <stdexcept>

namespace vpnprobe::protocol::ikev2 {

namespace {

constexpr std::size_t version_offset = 17;
constexpr std::size_t length_offset = 24;

std::string n(std::size_t v) { return std::to_string(v); }

DecodeError error(std::string code, std::string message, std::size_t offset) {
    return DecodeError{std::move(code), std::move(message), offset};
}

bool is_encrypted(PayloadType type) { return type == PayloadType::sk || type == PayloadType::skf; }

// Walks one chain of payloads. `base` is the offset of `data` in the buffer being decoded. The outer chain of
// a message ends at an SK/SKF payload, whose Next Payload field names the first payload inside it.
Decoded<std::vector<Payload>> decode_chain(PayloadType first, ByteView data, std::size_t base, bool inner) {
    std::vector<Payload> payloads;
    ByteReader r(data, base);
    std::uint8_t type = static_cast<std::uint8_t>(first);
    while (type != 0) {
        const std::size_t start = r.offset();
        const PayloadType ptype = static_cast<PayloadType>(type);
        if (payloads.size() == max_payloads)
            return error("too_many_payloads", "more than " + n(max_payloads) + " payloads in one chain", start);
        if (r.remaining() < generic_payload_header_size)
            return error("payload_overrun",
                         "the chain names a " + payload_name(ptype) + " payload but only " + n(r.remaining()) +
                             " byte(s) are left for its 4-byte header",
                         start);
        const std::uint8_t next = r.u8();
        const std::uint8_t flags = r.u8();
        const std::uint16_t length = r.u16();
        if (length < generic_payload_header_size)
            return error("bad_payload_length",
                         payload_name(ptype) + " payload length " + n(length) + " is below the 4-byte header",
                         start + 2);
        if (length - generic_payload_header_size > r.remaining())
            return error("payload_overrun",
                         payload_name(ptype) + " payload length " + n(length) + " exceeds the " +
                             n(r.remaining() + generic_payload_header_size) + " bytes left",
                         start + 2);
        const ByteView body = r.bytes(length - generic_payload_header_size);

        Payload payload;
        payload.type = ptype;
        payload.critical = flags & critical_bit;
        if (!is_supported_payload_type(type)) {
            if (payload.critical)
                return error("unsupported_critical_payload",
                             "payload type " + payload_name(ptype) + " is not supported and is marked critical", start);
            payload.body = UnknownPayload{Bytes(body.begin(), body.end())};
        } else {
            if (inner && is_encrypted(ptype))
                return error("nested_encrypted_payload", payload_name(ptype) + " payload inside an encrypted payload",
                             start);
            auto decoded = decode_payload_body(ptype, next, body, start + generic_payload_header_size);
            if (!decoded) return decoded.error();
            payload.body = std::move(decoded).value();
        }
        payloads.push_back(std::move(payload));

        if (is_encrypted(ptype)) {
            if (!r.at_end())
                return error("sk_not_last",
                             n(r.remaining()) + " byte(s) follow the " + payload_name(ptype) +
                                 " payload, which must be the last",
                             r.offset());
            return payloads;
        }
        type = next;
    }
    if (!r.at_end())
        return error("length_mismatch",
                     "the payload chain ends " + n(r.remaining()) + " byte(s) before the " +
                         (inner ? "plaintext" : "message") + " does",
                     r.offset());
    return payloads;
}

void check_width(std::size_t value, std::size_t max, const std::string& what) {
    if (value > max) throw std::invalid_argument(what + " is " + n(value) + ", more than the maximum of " + n(max));
}

// Appends the payloads with linked generic headers. With `encrypted_size`, the last payload must be SK/SKF
// and only its unencrypted part is written, its length counting `*encrypted_size` more bytes.
void put_chain(Bytes& out, const std::vector<Payload>& payloads, bool inner,
               std::optional<std::size_t> encrypted_size = std::nullopt) {
    // The checks' texts are built only when they fail (a string per payload was a tenth of an encode).
    if (payloads.size() > max_payloads) check_width(payloads.size(), max_payloads, "number of payloads");
    if (encrypted_size && (payloads.empty() || !is_encrypted(payloads.back().type)))
        throw std::invalid_argument("the message does not end with an SK or SKF payload");
    for (std::size_t i = 0; i < payloads.size(); ++i) {
        const Payload& p = payloads[i];
        const bool last = i + 1 == payloads.size();
        std::uint8_t next = last ? 0 : static_cast<std::uint8_t>(payloads[i + 1].type);
        if (is_encrypted(p.type)) {
            if (inner) throw std::invalid_argument(payload_name(p.type) + " payload inside an encrypted payload");
            if (!last) throw std::invalid_argument(payload_name(p.type) + " payload must be the last payload");
            if (const auto* sk = p.get<SkPayload>()) next = static_cast<std::uint8_t>(sk->first_inner);
            if (const auto* skf = p.get<SkfPayload>()) next = static_cast<std::uint8_t>(skf->first_inner);
        }
        const std::size_t start = out.size();
        put_u8(out, next);
        put_u8(out, p.critical ? critical_bit : 0);
        put_u16(out, 0);  // length, set below
        append_payload_body(out, p);  // also checks that the body belongs to the type
        std::size_t length = out.size() - start;
        if (is_encrypted(p.type) && encrypted_size) {
            out.resize(start + generic_payload_header_size + (p.type == PayloadType::skf ? skf_fixed_size : 0));
            length = out.size() - start + *encrypted_size;
        }
        if (length > 0xffff) check_width(length, 0xffff, payload_name(p.type) + " payload length");
        out[start + 2] = static_cast<std::uint8_t>(length >> 8);
        out[start + 3] = static_cast<std::uint8_t>(length);
    }
}

void put_header(Bytes& out, const Header& h, const std::vector<Payload>& payloads, std::size_t total) {
    check_width(total, 0xffffffff, "message length");
    put_u64(out, h.spi_i);
    put_u64(out, h.spi_r);
    put_u8(out, payloads.empty() ? 0 : static_cast<std::uint8_t>(payloads.front().type));
    put_u8(out, h.version);
    put_u8(out, static_cast<std::uint8_t>(h.exchange));
    put_u8(out, h.flags);
    put_u32(out, h.message_id);
    put_u32(out, static_cast<std::uint32_t>(total));
}

}  // namespace

const Payload* Message::find(PayloadType type) const {
    for (const auto& p : payloads)
        if (p.type == type) return &p;
    return nullptr;
}

const NotifyPayload* Message::find_notify(std::uint16_t type) const {
    for (const auto& p : payloads)
        if (const auto* notify = p.get<NotifyPayload>(); notify && notify->type == type) return notify;
    return nullptr;
}

std::vector<std::uint16_t> Message::notify_types() const {
    std::vector<std::uint16_t> types;
    for (const auto& p : payloads)
        if (const auto* notify = p.get<NotifyPayload>()) types.push_back(notify->type);
    return types;
}

Decoded<Header> decode_header(ByteView message) {
    if (message.size() < header_size)
        return error("truncated", "IKE header needs 28 bytes, have " + n(message.size()), 0);
    ByteReader r(message);
    Header h;
    h.spi_i = r.u64();
    h.spi_r = r.u64();
    h.next_payload = static_cast<PayloadType>(r.u8());
    h.version = r.u8();
    h.exchange = static_cast<ExchangeType>(r.u8());
    h.flags = r.u8();
    h.message_id = r.u32();
    h.length = r.u32();
    if ((h.version >> 4) != (ikev2_version >> 4))
        return error("bad_version",
                     "major version " + n(h.version >> 4u) + " (version byte 0x" + to_hex(message.subspan(17, 1)) +
                         (h.version >> 4 == 1 ? "): an IKEv1 message" : "); IKEv2 is 2"),
                     version_offset);
    return h;
}

Decoded<Message> decode_message(ByteView message) {
    auto header = decode_header(message);
    if (!header) return header.error();
    if (header->length != message.size())
        return error("length_mismatch",
                     "header Length is " + n(header->length) + ", the message is " + n(message.size()) + " bytes",
                     length_offset);
    auto payloads = decode_chain(header->next_payload, message.subspan(header_size), header_size, false);
    if (!payloads) return payloads.error();
    return Message{header.value(), std::move(payloads).value()};
}

Decoded<std::vector<Payload>> decode_inner_payloads(PayloadType first_type, ByteView plaintext) {
    return decode_chain(first_type, plaintext, 0, true);
}

Bytes encode_message(const Message& message) {
    // The chain goes straight after the header, whose Length is set once the chain's size is known: one
    // buffer, sized for a typical IKE_SA_INIT request at once.
    Bytes out;
    out.reserve(768);
    put_header(out, message.header, message.payloads, 0);
    put_chain(out, message.payloads, false);
    check_width(out.size(), 0xffffffff, "message length");
    const auto total = static_cast<std::uint32_t>(out.size());
    for (std::size_t i = 0; i < 4; ++i)
        out[length_offset + i] = static_cast<std::uint8_t>(total >> (24 - 8 * static_cast<unsigned>(i)));
    return out;
}

Bytes encode_unencrypted_prefix(const Message& message, std::size_t encrypted_size) {
    Bytes chain;
    put_chain(chain, message.payloads, false, encrypted_size);
    Bytes out;
    put_header(out, message.header, message.payloads, header_size + chain.size() + encrypted_size);
    put_bytes(out, chain);
    return out;
}

InnerChain encode_inner_payloads(const std::vector<Payload>& payloads) {
    InnerChain chain;
    chain.first_type = payloads.empty() ? PayloadType::none : payloads.front().type;
    put_chain(chain.bytes, payloads, true);
    return chain;
}

std::size_t ChainWriter::begin(PayloadType type, bool critical) {
    if (is_encrypted(type))
        throw std::invalid_argument(payload_name(type) + " payload in a ChainWriter: use encode_unencrypted_prefix");
    // The checks' texts are built only when they fail: this runs for every payload of every request.
    if (count_ + 1 > max_payloads) check_width(count_ + 1, max_payloads, "number of payloads");
    Bytes& out = chain_.bytes;
    if (count_ == 0) chain_.first_type = type;
    else out[last_] = static_cast<std::uint8_t>(type);
    const std::size_t start = out.size();
    const std::uint8_t header[generic_payload_header_size] = {0, static_cast<std::uint8_t>(critical ? critical_bit : 0),
                                                              0, 0};
    out.insert(out.end(), header, header + generic_payload_header_size);
    last_ = start;
    ++count_;
    return start;
}

void ChainWriter::end(std::size_t start, PayloadType type) {
    Bytes& out = chain_.bytes;
    const std::size_t length = out.size() - start;
    if (length > 0xffff) check_width(length, 0xffff, payload_name(type) + " payload length");
    out[start + 2] = static_cast<std::uint8_t>(length >> 8);
    out[start + 3] = static_cast<std::uint8_t>(length);
}

void ChainWriter::add(const Payload& payload) {
    const std::size_t start = begin(payload.type, payload.critical);
    append_payload_body(chain_.bytes, payload);
    end(start, payload.type);
}

void ChainWriter::add_encoded(PayloadType type, ByteView body, bool critical) {
    const std::size_t start = begin(type, critical);
    chain_.bytes.insert(chain_.bytes.end(), body.begin(), body.end());
    end(start, type);
}

void ChainWriter::add_chain(const InnerChain& chain) {
    if (chain.bytes.empty()) return;
    Bytes& out = chain_.bytes;
    // Walk the chain's generic headers (its own Lengths) to count its payloads and find its last one.
    std::size_t offset = 0, last = 0, count = 0;
    while (offset < chain.bytes.size()) {
        if (chain.bytes.size() - offset < generic_payload_header_size)
            throw std::invalid_argument("the encoded chain ends inside a payload header");
        const std::size_t length = static_cast<std::size_t>(chain.bytes[offset + 2]) << 8 | chain.bytes[offset + 3];
        if (length < generic_payload_header_size || length > chain.bytes.size() - offset)
            throw std::invalid_argument("the encoded chain has a payload of length " + n(length));
        last = offset;
        offset += length;
        ++count;
    }
    if (count_ + count > max_payloads) check_width(count_ + count, max_payloads, "number of payloads");
    if (count_ == 0) chain_.first_type = chain.first_type;
    else out[last_] = static_cast<std::uint8_t>(chain.first_type);
    const std::size_t base = out.size();
    out.insert(out.end(), chain.bytes.begin(), chain.bytes.end());
    last_ = base + last;
    count_ += count;
}

Bytes encode_message(const Header& header, const InnerChain& chain) {
    const std::size_t total = header_size + chain.bytes.size();
    check_width(total, 0xffffffff, "message length");
    Bytes out;
    out.reserve(total);
    put_u64(out, header.spi_i);
    put_u64(out, header.spi_r);
    put_u8(out, chain.bytes.empty() ? 0 : static_cast<std::uint8_t>(chain.first_type));
    put_u8(out, header.version);
    put_u8(out, static_cast<std::uint8_t>(header.exchange));
    put_u8(out, header.flags);
    put_u32(out, header.message_id);
    put_u32(out, static_cast<std::uint32_t>(total));
    out.insert(out.end(), chain.bytes.begin(), chain.bytes.end());
    return out;
}

std::optional<ByteView> strip_non_esp_marker(ByteView datagram) {
    if (datagram.size() < non_esp_marker_size) return std::nullopt;
    if (!std::all_of(datagram.begin(), datagram.begin() + non_esp_marker_size, [](std::uint8_t b) { return b == 0; }))
        return std::nullopt;
    return datagram.subspan(non_esp_marker_size);
}

Bytes add_non_esp_marker(ByteView message) {
    Bytes out(non_esp_marker_size, 0);
    put_bytes(out, message);
    return out;
}

}  // namespace vpnprobe::protocol::ikev2
