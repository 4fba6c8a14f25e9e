// One line of Wireshark's ESP SA table (the esp_sa UAT: Edit > Preferences > Protocols > ESP), so that a capture of
// the probe's ESP can be decrypted next to its IKE (ikev2_keylog.hpp). Eight fields, all quoted:
//
//     "IPv4","192.0.2.1","198.51.100.7","0x0000c001","AES-GCM with 16 octet ICV [RFC4106]","0x<key|salt>","NULL",""
//
// protocol, source and destination address of the (outer) packets ("*" matches any), SPI, encryption algorithm and
// key, authentication algorithm and key, with the algorithm names of Wireshark 4.0's table. One line per
// direction. The same text works as a line of the esp_sa file in a Wireshark configuration folder and after
// `-o uat:esp_sa:`; ESP decryption also needs `-o esp.enable_encryption_decode:TRUE`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/bytes.hpp"
#include "protocol/ikev2/ikev2_child_sa.hpp"

namespace vpnprobe::protocol::esp {

// Wireshark's names of an ESP transform's encryption and authentication algorithm; nullopt for one it has no
// name for (AES-XCBC-96, ChaCha20-Poly1305 in 4.0), or an AES-GCM with an integrity transform.
struct WiresharkEspAlgorithms {
    std::string encryption;
    std::string authentication;
};
std::optional<WiresharkEspAlgorithms> wireshark_esp_algorithms(const ikev2::EspTransform& transform);

// The line. `source`/`destination` are addresses as text (an IPv6 one makes the protocol "IPv6") or "*".
// Throws std::invalid_argument for a transform Wireshark cannot decrypt (wireshark_esp_algorithms is nullopt).
std::string wireshark_esp_sa_line(std::string_view source, std::string_view destination, std::uint32_t spi,
                                  const ikev2::EspTransform& transform, ByteView encr_key, ByteView integ_key);

}  // namespace vpnprobe::protocol::esp
