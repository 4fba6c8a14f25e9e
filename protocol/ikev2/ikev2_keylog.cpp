#include "protocol/ikev2/ikev2_keylog.hpp"

#include "protocol/ikev2/ikev2_registry.hpp"

namespace vpnprobe::protocol::ikev2 {

namespace {

std::string hex64(std::uint64_t v) {
    Bytes b;
    put_u64(b, v);
    return to_hex(b);
}

std::string quoted_name(TransformType type, std::uint16_t id, std::uint16_t key_bits) {
    auto name = wireshark_algorithm_name(type, id, key_bits);
    return "\"" + (name ? *name : transform_display_name(static_cast<std::uint8_t>(type), id)) + "\"";
}

}  // namespace

std::string wireshark_keylog_line(std::uint64_t spi_i, std::uint64_t spi_r, const IkeSaKeys& keys) {
    return hex64(spi_i) + "," + hex64(spi_r) + "," + to_hex(keys.sk_ei) + "," + to_hex(keys.sk_er) + "," +
           quoted_name(TransformType::encr, keys.encr_id, keys.encr_key_bits) + "," + to_hex(keys.sk_ai) + "," +
           to_hex(keys.sk_ar) + "," + quoted_name(TransformType::integ, keys.integ_id, 0);
}

}  // namespace vpnprobe::protocol::ikev2
