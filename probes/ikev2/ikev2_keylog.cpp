#include "probes/ikev2/ikev2_keylog.hpp"

#include "protocol/ikev2/ikev2_registry.hpp"

namespace vpnprobe::probes {

namespace ike = vpnprobe::protocol::ikev2;
using protocol::Bytes;

namespace {

// The algorithm names of Wireshark's IKEv2 decryption table (epan/dissectors/packet-isakmp.c).
std::string wireshark_encr_name(const ike::Transform* t) {
    if (!t) return "NULL [RFC2410]";
    unsigned bits = t->key_length.value_or(0);
    switch (t->id) {
    case ike::encr_alg::triple_des:
        return "3DES [RFC2451]";
    case ike::encr_alg::aes_cbc:
        return "AES-CBC-" + std::to_string(bits) + " [RFC3602]";
    case ike::encr_alg::aes_ctr:
        return "AES-CTR-" + std::to_string(bits) + " [RFC5930]";
    case ike::encr_alg::aes_gcm_8:
        return "AES-GCM-" + std::to_string(bits) + " with 8 octet ICV [RFC5282]";
    case ike::encr_alg::aes_gcm_12:
        return "AES-GCM-" + std::to_string(bits) + " with 12 octet ICV [RFC5282]";
    case ike::encr_alg::aes_gcm_16:
        return "AES-GCM-" + std::to_string(bits) + " with 16 octet ICV [RFC5282]";
    default:
        return ike::transform_display_name(1, t->id);
    }
}

std::string wireshark_integ_name(const ike::Transform* t) {
    if (!t) return "NONE [RFC4306]";
    switch (t->id) {
    case ike::integ_alg::hmac_md5_96:
        return "HMAC_MD5_96 [RFC2403]";
    case ike::integ_alg::hmac_sha1_96:
        return "HMAC_SHA1_96 [RFC2404]";
    case ike::integ_alg::aes_xcbc_96:
        return "AES_XCBC_96 [RFC3566]";
    case ike::integ_alg::hmac_sha2_256_128:
        return "HMAC_SHA2_256_128 [RFC4868]";
    case ike::integ_alg::hmac_sha2_384_192:
        return "HMAC_SHA2_384_192 [RFC4868]";
    case ike::integ_alg::hmac_sha2_512_256:
        return "HMAC_SHA2_512_256 [RFC4868]";
    default:
        return ike::transform_display_name(3, t->id);
    }
}

std::string spi_hex(std::uint64_t v) {
    Bytes b;
    protocol::put_u64(b, v);
    return protocol::to_hex(b);
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

std::string wireshark_keylog_line(const IkeSaState& sa) {
    if (!sa.keys) return {};
    const auto& k = *sa.keys;
    return quoted(spi_hex(sa.spi_i)) + "," + quoted(spi_hex(sa.spi_r)) + "," + quoted(protocol::to_hex(k.sk_ei)) + "," +
           quoted(protocol::to_hex(k.sk_er)) + "," +
           quoted(wireshark_encr_name(sa.chosen.first(ike::TransformType::encr))) + "," +
           quoted(protocol::to_hex(k.sk_ai)) + "," + quoted(protocol::to_hex(k.sk_ar)) + "," +
           quoted(wireshark_integ_name(sa.chosen.first(ike::TransformType::integ))) + "\n";
}

}  // namespace vpnprobe::probes
