// Named proposal sets for the IKEv2 probe, and the weak offers of the audit.
#pragma once

#include <string>
#include <vector>

namespace vpnprobe::probes {

// strongSwan-syntax proposals for a preset name; throws std::invalid_argument for an unknown name.
//   windows-default        what a Windows 10/11 IKEv2 client offers by default: 3DES/AES-CBC 128/192/256 with
//                          SHA-1/SHA-256/SHA-384, DH group 2 (1024-bit MODP)
//   windows-aes256-dh2048  a client configured with Set-VpnConnectionIPsecConfiguration AES256/SHA256/Group14
//   modern                 AES-GCM with ECP/Curve25519, what a current strongSwan offers
std::vector<std::string> ikev2_preset(const std::string& name);
std::vector<std::string> ikev2_preset_names();

struct WeakOffer {
    std::string proposal;
    std::string why_weak;
};
// One offer per weakness, each otherwise strong, so an acceptance names exactly one weak algorithm.
std::vector<WeakOffer> ikev2_weak_offers();

}  // namespace vpnprobe::probes
