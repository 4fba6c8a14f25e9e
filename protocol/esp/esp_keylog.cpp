#include "protocol/esp/esp_keylog.hpp"

#include <stdexcept>

#include "protocol/ikev2/ikev2_registry.hpp"

namespace vpnprobe::protocol::esp {

namespace ike = protocol::ikev2;

std::optional<WiresharkEspAlgorithms> wireshark_esp_algorithms(const ike::EspTransform& t) {
    // Wireshark 4.0 epan/dissectors/packet-ipsec.c, esp_encryption_type_vals and esp_authentication_type_vals.
    std::string encryption;
    switch (t.encr_id) {
    case ike::encr_alg::triple_des:
        encryption = "TripleDES-CBC [RFC2451]";
        break;
    case ike::encr_alg::aes_cbc:
        encryption = "AES-CBC [RFC3602]";  // the key length comes from the key
        break;
    case ike::encr_alg::aes_gcm_8:
        encryption = "AES-GCM with 8 octet ICV [RFC4106]";
        break;
    case ike::encr_alg::aes_gcm_12:
        encryption = "AES-GCM with 12 octet ICV [RFC4106]";
        break;
    case ike::encr_alg::aes_gcm_16:
        encryption = "AES-GCM with 16 octet ICV [RFC4106]";
        break;
    default:
        return std::nullopt;
    }
    std::string authentication;
    switch (t.integ_id) {
    case ike::integ_alg::none:
        if (!ike::is_aead(t.encr_id)) return std::nullopt;
        authentication = "NULL";
        break;
    case ike::integ_alg::hmac_md5_96:
        authentication = "HMAC-MD5-96 [RFC2403]";
        break;
    case ike::integ_alg::hmac_sha1_96:
        authentication = "HMAC-SHA-1-96 [RFC2404]";
        break;
    case ike::integ_alg::hmac_sha2_256_128:
        authentication = "HMAC-SHA-256-128 [RFC4868]";
        break;
    case ike::integ_alg::hmac_sha2_384_192:
        authentication = "HMAC-SHA-384-192 [RFC4868]";
        break;
    case ike::integ_alg::hmac_sha2_512_256:
        authentication = "HMAC-SHA-512-256 [RFC4868]";
        break;
    default:
        return std::nullopt;
    }
    if (ike::is_aead(t.encr_id) && t.integ_id != ike::integ_alg::none) return std::nullopt;
    return WiresharkEspAlgorithms{encryption, authentication};
}

std::string wireshark_esp_sa_line(std::string_view source, std::string_view destination, std::uint32_t spi,
                                  const ike::EspTransform& transform, ByteView encr_key, ByteView integ_key) {
    const auto names = wireshark_esp_algorithms(transform);
    if (!names) throw std::invalid_argument("Wireshark cannot decrypt ESP with " + ike::describe(transform));
    static constexpr char digits[] = "0123456789abcdef";
    std::string spi_text = "0x";
    for (int shift = 28; shift >= 0; shift -= 4) spi_text += digits[(spi >> shift) & 0xf];
    const bool ipv6 = source.find(':') != std::string_view::npos || destination.find(':') != std::string_view::npos;
    auto quoted = [](std::string_view s) { return "\"" + std::string(s) + "\""; };
    auto key = [](ByteView k) { return k.empty() ? std::string() : "0x" + to_hex(k); };
    return quoted(ipv6 ? "IPv6" : "IPv4") + "," + quoted(source) + "," + quoted(destination) + "," + quoted(spi_text) +
           "," + quoted(names->encryption) + "," + quoted(key(encr_key)) + "," + quoted(names->authentication) + "," +
           quoted(key(integ_key));
}

}  // namespace vpnprobe::protocol::esp
