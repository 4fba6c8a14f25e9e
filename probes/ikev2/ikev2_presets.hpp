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

// strongSwan-syntax ESP proposals (parse with protocol::ikev2::parse_proposal(text, ProtocolId::esp, number)) for
// the CHILD_SA; throws std::invalid_argument for an unknown name.
//   windows-default  what the Windows 10/11 IKEv2 client offers for ESP: AES-CBC-256, AES-CBC-128, 3DES, DES and
//                    NULL encryption, each with HMAC-SHA1-96, no ESN (strongSwan's Windows interoperability page,
//                    docs.strongswan.org/docs/latest/interop/windowsClients.html: "esp = aes256-aes128-3des-des-
//                    null-sha1"). DES and NULL are offered because Windows offers them; protocol/esp cannot run
//                    them, so a server that picks one is reported, and its data path cannot be tested.
//   modern           AES-GCM-16 256/128, then AES-CBC 256/128 with HMAC-SHA2-256-128: what protocol/esp runs best
std::vector<std::string> esp_preset(const std::string& name);
std::vector<std::string> esp_preset_names();

struct WeakOffer {
    std::string proposal;
    std::string why_weak;
};
// One offer per weakness, each otherwise strong, so an acceptance names exactly one weak algorithm.
std::vector<WeakOffer> ikev2_weak_offers();

}  // namespace vpnprobe::probes
