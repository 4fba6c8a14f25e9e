#include "protocol/ikev2/ikev2_child_sa.hpp"

#include <stdexcept>

#include "protocol/ikev2/ikev2_crypto_cipher.hpp"
#include "protocol/ikev2/ikev2_crypto_prf.hpp"
#include "protocol/ikev2/ikev2_registry.hpp"

namespace vpnprobe::protocol::ikev2 {

namespace {

std::string encr_text(std::uint16_t id, std::uint16_t bits) {
    const std::string name = transform_display_name(static_cast<std::uint8_t>(TransformType::encr), id);
    return bits != 0 ? name + "_" + std::to_string(bits) : name;
}

std::string integ_text(std::uint16_t id) {
    return transform_display_name(static_cast<std::uint8_t>(TransformType::integ), id);
}

DecodeError choice_error(std::string code, std::string message) {
    return DecodeError{std::move(code), std::move(message), 0};
}

}  // namespace

std::string describe(const EspTransform& t) {
    std::string out = encr_text(t.encr_id, t.encr_key_bits);
    if (t.integ_id != integ_alg::none) out += "/" + integ_text(t.integ_id);
    return out;
}

ChildSaKeys derive_child_sa_keys(std::uint16_t prf_id, ByteView sk_d, const EspTransform& transform, ByteView ni,
                                 ByteView nr, ByteView new_shared_secret) {
    check_sk_transforms(transform.encr_id, transform.encr_key_bits, transform.integ_id);
    const std::size_t encr = encr_key_material_size(transform.encr_id, transform.encr_key_bits);
    const std::size_t integ = integ_key_size(transform.integ_id);
    Bytes seed(new_shared_secret.begin(), new_shared_secret.end());
    seed.insert(seed.end(), ni.begin(), ni.end());
    seed.insert(seed.end(), nr.begin(), nr.end());
    const Bytes keymat = prf_plus(prf_id, sk_d, seed, 2 * (encr + integ));
    auto take = [&, pos = std::size_t{0}](std::size_t n) mutable {
        Bytes out(keymat.begin() + static_cast<std::ptrdiff_t>(pos),
                  keymat.begin() + static_cast<std::ptrdiff_t>(pos + n));
        pos += n;
        return out;
    };
    ChildSaKeys keys;
    keys.transform = transform;
    keys.encr_i = take(encr);
    keys.integ_i = take(integ);
    keys.encr_r = take(encr);
    keys.integ_r = take(integ);
    return keys;
}

Decoded<EspChoice> read_esp_choice(const Proposal& chosen) {
    if (chosen.protocol != static_cast<std::uint8_t>(ProtocolId::esp)) {
        return choice_error("not_esp", "the chosen proposal is for " + protocol_name(chosen.protocol) + ", not ESP");
    }
    if (chosen.spi.size() != 4) {
        return choice_error("bad_spi_size",
                            "an ESP SPI is 4 bytes; the chosen proposal has " + std::to_string(chosen.spi.size()));
    }
    EspChoice choice;
    choice.proposal_number = chosen.number;
    choice.spi = static_cast<std::uint32_t>(chosen.spi[0]) << 24 | static_cast<std::uint32_t>(chosen.spi[1]) << 16 |
                 static_cast<std::uint32_t>(chosen.spi[2]) << 8 | chosen.spi[3];
    if (choice.spi == 0) return choice_error("bad_spi_size", "ESP SPI 0 is reserved (RFC 4303 section 2.1)");

    // Exactly one transform of each type present (RFC 7296 3.3.6); types other than ENCR/INTEG/KE/ESN are refused.
    const Transform* encr = nullptr;
    const Transform* integ = nullptr;
    const Transform* ke = nullptr;
    const Transform* esn = nullptr;
    for (const Transform& t : chosen.transforms) {
        const Transform** slot = nullptr;
        switch (static_cast<TransformType>(t.type)) {
        case TransformType::encr:
            slot = &encr;
            break;
        case TransformType::integ:
            slot = &integ;
            break;
        case TransformType::ke:
            slot = &ke;
            break;
        case TransformType::esn:
            slot = &esn;
            break;
        default:
            return choice_error("unsupported", "transform type " + transform_type_name(t.type) +
                                                   " in an ESP proposal is not supported here");
        }
        if (*slot != nullptr) {
            return choice_error("more_than_one",
                                "the chosen proposal has more than one " + transform_type_name(t.type) + " transform");
        }
        *slot = &t;
    }
    if (encr == nullptr) return choice_error("missing_transform", "the chosen ESP proposal has no ENCR transform");
    const std::uint16_t bits = encr->key_length.value_or(0);
    const std::uint16_t integ_id = integ ? integ->id : static_cast<std::uint16_t>(integ_alg::none);
    if (!is_supported_encr(encr->id, bits)) {
        return choice_error("unsupported", "ESP encryption " + encr_text(encr->id, bits) + " is not supported here");
    }
    if (is_aead(encr->id) && integ_id != integ_alg::none) {
        return choice_error("unsupported", encr_text(encr->id, bits) + " is a combined-mode cipher but the proposal " +
                                               "adds integrity " + integ_text(integ_id));
    }
    if (!is_aead(encr->id) && integ_id == integ_alg::none) {
        return choice_error("missing_transform", "ESP encryption " + encr_text(encr->id, bits) +
                                                     " needs an integrity transform; the chosen proposal has none");
    }
    if (!is_supported_integ(integ_id)) {
        return choice_error("unsupported", "ESP integrity " + integ_text(integ_id) + " is not supported here");
    }
    if (esn != nullptr && esn->id != esn_mode::no_esn) {
        return choice_error("unsupported",
                            "Extended Sequence Numbers (" +
                                transform_display_name(static_cast<std::uint8_t>(TransformType::esn), esn->id) +
                                ") are not supported here; only NO_EXT_SEQ is offered");
    }
    choice.transform = EspTransform{encr->id, bits, integ_id};
    if (ke != nullptr && ke->id != dh_group::none) choice.ke_group = ke->id;
    return choice;
}

}  // namespace vpnprobe::protocol::ikev2
