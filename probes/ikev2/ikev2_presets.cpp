#include "probes/ikev2/ikev2_presets.hpp"

#include <stdexcept>

#include "protocol/ikev2/ikev2_registry.hpp"

namespace vpnprobe::probes {

std::vector<std::string> ikev2_preset(const std::string& name) {
    if (name == "windows-default") {
        // Windows sends one proposal per cipher/hash pair, all with DH group 2 (DESIGN.md; Microsoft documents
        // the defaults under "Default IKEv2 IPsec settings" of the VPN client and they are widely captured).
        std::vector<std::string> out;
        for (const char* hash : {"sha1", "sha256", "sha384"})
            for (const char* cipher : {"aes256", "aes192", "aes128", "3des"})
                out.push_back(std::string(cipher) + "-" + hash + "-modp1024");
        return out;
    }
    if (name == "windows-aes256-dh2048") return {"aes256-sha256-modp2048"};
    if (name == "modern")
        return {"aes256gcm16-prfsha384-ecp384", "aes128gcm16-prfsha256-ecp256", "aes256gcm16-prfsha256-curve25519",
                "aes256-sha256-modp2048"};
    throw std::invalid_argument("unknown preset '" + name +
                                "' (known: windows-default, windows-aes256-dh2048, modern)");
}

std::vector<std::string> ikev2_preset_names() { return {"windows-default", "windows-aes256-dh2048", "modern"}; }

std::vector<std::string> esp_preset(const std::string& name) {
    // One proposal per cipher, in Windows' order of preference, as for IKE above.
    if (name == "windows-default") return {"aes256-sha1", "aes128-sha1", "3des-sha1", "des-sha1", "null-sha1"};
    if (name == "modern") return {"aes256gcm16", "aes128gcm16", "aes256-sha256", "aes128-sha256"};
    throw std::invalid_argument("unknown ESP preset '" + name + "' (known: windows-default, modern)");
}

std::vector<std::string> esp_preset_names() { return {"windows-default", "modern"}; }

namespace {

// "DH group 2 (1024-bit MODP)": the group's description from the IKEv2 registry's row.
std::string weak_group(std::uint16_t group) {
    return "DH group " + std::to_string(group) + " (" + protocol::ikev2::dh_group_description(group) + ")";
}

}  // namespace

std::vector<WeakOffer> ikev2_weak_offers() {
    namespace ike = protocol::ikev2;
    return {
        {"3des-sha256-modp2048", "3DES encryption (64-bit block, Sweet32)"},
        {"aes256-sha1-modp2048", "SHA-1 integrity and PRF"},
        {"aes256-md5-modp2048", "MD5 integrity and PRF"},
        {"aes256-sha256-modp1024", weak_group(ike::dh_group::modp1024)},
        {"aes256-sha256-modp1536", weak_group(ike::dh_group::modp1536)},
    };
}

}  // namespace vpnprobe::probes
