#include "protocol/esp/esp_sa.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "protocol/ikev2/ikev2_child_sa.hpp"
#include "protocol/ikev2/ikev2_registry.hpp"

namespace vpnprobe::protocol::esp {

namespace {

std::uint32_t get_u32(ByteView in) {
    return static_cast<std::uint32_t>(in[0]) << 24 | static_cast<std::uint32_t>(in[1]) << 16 |
           static_cast<std::uint32_t>(in[2]) << 8 | in[3];
}

// ESP pads to the cipher's block and, whatever the cipher, to 4 bytes (RFC 4303 2.4: the Pad Length and Next
// Header fields end a 4-byte word). Every block size here divides or is a multiple of 4.
std::size_t esp_block(const ikev2::SkCipher& cipher) { return std::max<std::size_t>(cipher.block_size(), 4); }

std::string hex32(std::uint32_t v) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out = "0x";
    for (int shift = 28; shift >= 0; shift -= 4) out += digits[(v >> shift) & 0xf];
    return out;
}

}  // namespace

ikev2::SkCipher initiator_to_responder_cipher(const ikev2::ChildSaKeys& keys) {
    const auto& t = keys.transform;
    return ikev2::SkCipher(t.encr_id, t.encr_key_bits, t.integ_id, keys.encr_i, keys.integ_i);
}

ikev2::SkCipher responder_to_initiator_cipher(const ikev2::ChildSaKeys& keys) {
    const auto& t = keys.transform;
    return ikev2::SkCipher(t.encr_id, t.encr_key_bits, t.integ_id, keys.encr_r, keys.integ_r);
}

std::uint8_t next_header_for_ip_packet(ByteView ip_packet) {
    if (ip_packet.empty()) throw std::invalid_argument("an empty inner packet has no IP version");
    switch (ip_packet[0] >> 4) {
    case 4:
        return next_header_ipv4;
    case 6:
        return next_header_ipv6;
    default:
        throw std::invalid_argument("inner packet of IP version " + std::to_string(ip_packet[0] >> 4) +
                                    " cannot be tunnelled (4 or 6)");
    }
}

std::uint32_t esp_spi(ByteView packet) { return packet.size() < 4 ? 0 : get_u32(packet); }

EspSender::EspSender(std::uint32_t spi, ikev2::SkCipher cipher, RandomSource random)
    : spi_(spi), cipher_(std::move(cipher)), random_(std::move(random)) {
    if (spi == 0) throw std::invalid_argument("ESP SPI 0 is reserved (RFC 4303 section 2.1)");
    if (!ikev2::is_aead(cipher_.encr_id()) && !random_) {
        throw std::invalid_argument("a CBC ESP SA needs a random source for its IVs");
    }
}

std::size_t EspSender::padding_size(std::size_t payload_size) const {
    const std::size_t b = esp_block(cipher_);
    return (b - (payload_size + 2) % b) % b;
}

std::size_t EspSender::sealed_size(std::size_t payload_size) const {
    return esp_header_size + cipher_.iv_size() + payload_size + padding_size(payload_size) + 2 + cipher_.icv_size();
}

Bytes EspSender::seal(ByteView payload, std::uint8_t next_header) {
    Bytes iv(cipher_.iv_size());
    if (ikev2::is_aead(cipher_.encr_id())) {
        // The counter IV: the sequence number this packet will carry, as 64 bits.
        const std::uint64_t counter = static_cast<std::uint64_t>(sequence_) + 1;
        for (std::size_t i = 0; i < iv.size(); ++i)
            iv[i] = static_cast<std::uint8_t>(counter >> (8 * (iv.size() - 1 - i)));
    } else {
        random_(iv);
    }
    return seal_with_iv(payload, next_header, iv);
}

Bytes EspSender::seal_ip(ByteView inner_ip_packet) {
    return seal(inner_ip_packet, next_header_for_ip_packet(inner_ip_packet));
}

Bytes EspSender::seal_with_iv(ByteView payload, std::uint8_t next_header, ByteView iv) {
    if (sequence_ == std::numeric_limits<std::uint32_t>::max()) {
        throw std::length_error("ESP SA " + hex32(spi_) + " has sent 2^32 - 1 packets: it must be rekeyed");
    }
    if (iv.size() != cipher_.iv_size()) {
        throw std::invalid_argument("ESP IV must be " + std::to_string(cipher_.iv_size()) + " bytes, got " +
                                    std::to_string(iv.size()));
    }
    const std::size_t padding = padding_size(payload.size());
    Bytes body;
    body.reserve(payload.size() + padding + 2);
    body.assign(payload.begin(), payload.end());
    for (std::size_t i = 1; i <= padding; ++i) body.push_back(static_cast<std::uint8_t>(i));
    body.push_back(static_cast<std::uint8_t>(padding));
    body.push_back(next_header);

    const std::uint32_t sequence = sequence_ + 1;
    Bytes packet;
    packet.reserve(sealed_size(payload.size()));
    put_u32(packet, spi_);
    put_u32(packet, sequence);
    const Bytes sealed = cipher_.seal_body(packet, body, iv);
    packet.insert(packet.end(), sealed.begin(), sealed.end());
    sequence_ = sequence;
    return packet;
}

EspReceiver::EspReceiver(std::uint32_t spi, ikev2::SkCipher cipher, std::size_t replay_window)
    : spi_(spi), cipher_(std::move(cipher)), window_(replay_window) {
    if (spi == 0) throw std::invalid_argument("ESP SPI 0 is reserved (RFC 4303 section 2.1)");
}

Decoded<EspPacket> EspReceiver::open(ByteView packet) {
    const std::size_t minimum = esp_header_size + cipher_.iv_size() + 2 + cipher_.icv_size();
    if (packet.size() < minimum) {
        return DecodeError{"truncated",
                           "an ESP packet of this SA has at least " + std::to_string(minimum) +
                               " bytes (SPI, Sequence Number, IV, Pad Length, Next Header, ICV); got " +
                               std::to_string(packet.size()),
                           packet.size()};
    }
    EspPacket out;
    out.spi = get_u32(packet);
    out.sequence = get_u32(packet.subspan(4));
    if (out.spi != spi_) {
        return DecodeError{"wrong_spi", "SPI " + hex32(out.spi) + " is not this SA's " + hex32(spi_), 0};
    }
    switch (window_.check(out.sequence)) {
    case ReplayWindow::Verdict::fresh:
        break;
    case ReplayWindow::Verdict::zero:
        return DecodeError{"bad_sequence", "sequence number 0 is never sent (the first packet is 1)", 4};
    case ReplayWindow::Verdict::replay:
        return DecodeError{"replay", "sequence number " + std::to_string(out.sequence) + " was received already", 4};
    case ReplayWindow::Verdict::outside_window:
        return DecodeError{"outside_window",
                           "sequence number " + std::to_string(out.sequence) + " is older than the " +
                               std::to_string(window_.size()) + "-packet replay window ending at " +
                               std::to_string(window_.highest()),
                           4};
    }
    Decoded<Bytes> opened = cipher_.open_body(packet.first(esp_header_size), packet.subspan(esp_header_size));
    if (!opened) {
        DecodeError e = opened.error();
        if (e.code == "too_short") e.code = "truncated";
        return e;
    }
    window_.accept(out.sequence);  // authentic: a copy of it is a replay from now on

    Bytes& body = opened.value();
    const std::size_t body_offset = esp_header_size + cipher_.iv_size();
    if (body.size() < 2) {
        return DecodeError{"truncated", "the decrypted data has no room for Pad Length and Next Header", body_offset};
    }
    out.next_header = body.back();
    const std::size_t pad_length = body[body.size() - 2];
    const std::size_t pad_length_offset = body_offset + body.size() - 2;
    if (pad_length > body.size() - 2) {
        return DecodeError{"bad_padding",
                           "Pad Length " + std::to_string(pad_length) + " exceeds the " +
                               std::to_string(body.size() - 2) + " decrypted bytes before it",
                           pad_length_offset};
    }
    const std::size_t payload_size = body.size() - 2 - pad_length;
    for (std::size_t i = 0; i < pad_length; ++i) {
        if (body[payload_size + i] != static_cast<std::uint8_t>(i + 1)) {
            return DecodeError{"bad_padding",
                               "padding byte " + std::to_string(i + 1) + " is " +
                                   std::to_string(body[payload_size + i]) + ", not " + std::to_string(i + 1) +
                                   " (RFC 4303 2.4: 1, 2, 3, ...)",
                               body_offset + payload_size + i};
        }
    }
    body.resize(payload_size);
    const std::size_t next_header_offset = pad_length_offset + 1;
    if (out.next_header != next_header_none) {
        if (out.next_header != next_header_ipv4 && out.next_header != next_header_ipv6) {
            return DecodeError{"bad_next_header",
                               "Next Header " + std::to_string(out.next_header) +
                                   " is not a tunnelled IP packet (4 IPv4, 41 IPv6, 59 dummy)",
                               next_header_offset};
        }
        const unsigned expected_version = out.next_header == next_header_ipv4 ? 4 : 6;
        if (body.empty() || body[0] >> 4 != expected_version) {
            return DecodeError{
                "bad_next_header",
                "Next Header " + std::to_string(out.next_header) + " announces IPv" + std::to_string(expected_version) +
                    " but the inner packet " +
                    (body.empty() ? std::string("is empty") : "has IP version " + std::to_string(body[0] >> 4)),
                next_header_offset};
        }
    }
    out.payload = std::move(body);
    return out;
}

}  // namespace vpnprobe::protocol::esp
