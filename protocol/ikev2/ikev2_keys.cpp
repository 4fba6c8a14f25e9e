#include "protocol/ikev2/ikev2_keys.hpp"

#include <initializer_list>
#include <stdexcept>
#include <string>

#include "protocol/ikev2/ikev2_crypto_prf.hpp"

namespace vpnprobe::protocol::ikev2 {

namespace {

Bytes concat(std::initializer_list<ByteView> parts) {
    Bytes out;
    for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

// Takes the next `n` bytes of the prf+ stream.
Bytes take(const Bytes& stream, std::size_t& pos, std::size_t n) {
    Bytes out(stream.begin() + static_cast<std::ptrdiff_t>(pos), stream.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
    return out;
}

}  // namespace

Bytes compute_skeyseed(std::uint16_t prf_id, ByteView ni, ByteView nr, ByteView shared_secret) {
    if (prf_has_fixed_key_size(prf_id)) {
        // RFC 7296 section 2.14: "only the first 64 bits of Ni and the first 64 bits of Nr are used".
        if (ni.size() < 8 || nr.size() < 8) throw std::invalid_argument("nonces must be at least 8 bytes");
        return prf(prf_id, concat({ni.first(8), nr.first(8)}), shared_secret);
    }
    return prf(prf_id, concat({ni, nr}), shared_secret);
}

IkeSaKeys derive_ike_sa_keys(std::uint16_t prf_id, std::uint16_t encr_id, std::uint16_t encr_key_bits,
                             std::uint16_t integ_id, ByteView ni, ByteView nr, ByteView shared_secret, ByteView spi_i,
                             ByteView spi_r) {
    if (spi_i.size() != 8 || spi_r.size() != 8) {
        throw std::invalid_argument("IKE SPIs must be 8 bytes, got " + std::to_string(spi_i.size()) + " and " +
                                    std::to_string(spi_r.size()));
    }
    check_sk_transforms(encr_id, encr_key_bits, integ_id);
    const std::size_t prf_key = prf_key_size(prf_id);
    const std::size_t integ_key = integ_key_size(integ_id);
    const std::size_t encr_key = encr_key_material_size(encr_id, encr_key_bits);

    IkeSaKeys keys;
    keys.prf_id = prf_id;
    keys.encr_id = encr_id;
    keys.encr_key_bits = encr_key_bits;
    keys.integ_id = integ_id;
    keys.skeyseed = compute_skeyseed(prf_id, ni, nr, shared_secret);

    const Bytes stream =
        prf_plus(prf_id, keys.skeyseed, concat({ni, nr, spi_i, spi_r}), 3 * prf_key + 2 * integ_key + 2 * encr_key);
    std::size_t pos = 0;
    keys.sk_d = take(stream, pos, prf_key);
    keys.sk_ai = take(stream, pos, integ_key);
    keys.sk_ar = take(stream, pos, integ_key);
    keys.sk_ei = take(stream, pos, encr_key);
    keys.sk_er = take(stream, pos, encr_key);
    keys.sk_pi = take(stream, pos, prf_key);
    keys.sk_pr = take(stream, pos, prf_key);
    return keys;
}

SkCipher initiator_sk_cipher(const IkeSaKeys& keys) {
    return SkCipher(keys.encr_id, keys.encr_key_bits, keys.integ_id, keys.sk_ei, keys.sk_ai);
}

SkCipher responder_sk_cipher(const IkeSaKeys& keys) {
    return SkCipher(keys.encr_id, keys.encr_key_bits, keys.integ_id, keys.sk_er, keys.sk_ar);
}

}  // namespace vpnprobe::protocol::ikev2
