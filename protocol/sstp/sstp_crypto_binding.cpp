#include "protocol/sstp/sstp_crypto_binding.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "protocol/ikev2/ikev2_crypto_prf.hpp"  // hmac(): the same OpenSSL HMAC the IKEv2 PRFs use

namespace vpnprobe::protocol {

namespace {

constexpr std::string_view cmk_seed = "SSTP inner method derived CMK";

const char* digest_name(std::uint8_t hash_protocol) {
    if (hash_protocol == sstp_cert_hash_sha1) return "SHA1";
    if (hash_protocol == sstp_cert_hash_sha256) return "SHA256";
    throw std::invalid_argument("SSTP hash protocol 0x" + to_hex(ByteView(&hash_protocol, 1)) +
                                " is neither SHA1 (0x01) nor SHA256 (0x02)");
}

std::size_t digest_size(std::uint8_t hash_protocol) { return hash_protocol == sstp_cert_hash_sha1 ? 20 : 32; }

Bytes compound_mac(const SstpCryptoBinding& binding, const SstpHlak& hlak) {
    SstpCryptoBinding zeroed = binding;
    zeroed.compound_mac.fill(0);
    const Bytes message = encode_call_connected(zeroed);
    Bytes cmk = sstp_cmk(binding.hash_protocol_bitmask, hlak);
    Bytes mac = ikev2::hmac(digest_name(binding.hash_protocol_bitmask), cmk, message);
    OPENSSL_cleanse(cmk.data(), cmk.size());
    return mac;
}

}  // namespace

std::optional<std::uint8_t> sstp_choose_hash_protocol(std::uint8_t server_bitmask) {
    if (server_bitmask & sstp_cert_hash_sha256) return sstp_cert_hash_sha256;
    if (server_bitmask & sstp_cert_hash_sha1) return sstp_cert_hash_sha1;
    return std::nullopt;
}

SstpHlak sstp_hlak_mschapv2(const mschapv2::ClientKeys& keys) {
    SstpHlak hlak{};
    std::copy(keys.master_send_key.begin(), keys.master_send_key.end(), hlak.begin());
    std::copy(keys.master_receive_key.begin(), keys.master_receive_key.end(), hlak.begin() + 16);
    return hlak;
}

SstpHlak sstp_hlak_from_key_material(ByteView key_material) {
    SstpHlak hlak{};
    std::copy_n(key_material.begin(), std::min(key_material.size(), hlak.size()), hlak.begin());
    return hlak;
}

Bytes sstp_cert_hash(std::uint8_t hash_protocol, ByteView server_certificate_der) {
    const char* name = digest_name(hash_protocol);
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned int length = 0;
    if (EVP_Digest(server_certificate_der.data(), server_certificate_der.size(), out.data(), &length,
                   hash_protocol == sstp_cert_hash_sha1 ? EVP_sha1() : EVP_sha256(), nullptr) != 1)
        throw std::runtime_error(std::string(name) + " of the server certificate failed");
    out.resize(length);
    return out;
}

Bytes sstp_cmk(std::uint8_t hash_protocol, const SstpHlak& hlak) {
    const char* name = digest_name(hash_protocol);
    Bytes seed(cmk_seed.begin(), cmk_seed.end());
    const std::size_t length = digest_size(hash_protocol);
    put_u8(seed, static_cast<std::uint8_t>(length & 0xff));  // LEN, 16 bits little-endian
    put_u8(seed, static_cast<std::uint8_t>(length >> 8));
    put_u8(seed, 0x01);
    return ikev2::hmac(name, hlak, seed);
}

SstpCryptoBinding sstp_crypto_binding(std::uint8_t hash_protocol, const std::array<std::uint8_t, 32>& nonce,
                                      ByteView cert_hash, const SstpHlak& hlak) {
    (void)digest_name(hash_protocol);  // throws for anything but SHA1 or SHA256
    if (cert_hash.size() != digest_size(hash_protocol))
        throw std::invalid_argument("certificate hash of " + std::to_string(cert_hash.size()) +
                                    " bytes for a hash protocol whose hash has " +
                                    std::to_string(digest_size(hash_protocol)));
    SstpCryptoBinding binding;
    binding.hash_protocol_bitmask = hash_protocol;
    binding.nonce = nonce;
    std::copy(cert_hash.begin(), cert_hash.end(), binding.cert_hash.begin());
    const Bytes mac = compound_mac(binding, hlak);
    std::copy(mac.begin(), mac.end(), binding.compound_mac.begin());
    return binding;
}

Bytes encode_call_connected(const SstpCryptoBinding& binding) {
    return encode_sstp_control(SstpMessageType::call_connected, {binding});
}

bool sstp_compound_mac_valid(const SstpCryptoBinding& binding, const SstpHlak& hlak) {
    if (binding.hash_protocol_bitmask != sstp_cert_hash_sha1 && binding.hash_protocol_bitmask != sstp_cert_hash_sha256)
        return false;
    const Bytes mac = compound_mac(binding, hlak);
    // The MAC and its padding: a binding whose padding is not zero does not match either.
    std::array<std::uint8_t, 32> expected{};
    std::copy(mac.begin(), mac.end(), expected.begin());
    return CRYPTO_memcmp(expected.data(), binding.compound_mac.data(), expected.size()) == 0;
}

}  // namespace vpnprobe::protocol
