// One line of Wireshark's IKEv2 decryption table (the ikev2_decryption_table UAT), so that a capture of an IKE
// SA can be decrypted: SPIi, SPIr, SK_ei, SK_er, encryption algorithm, SK_ai, SK_ar, integrity algorithm.
//
// Wireshark reads a quoted field as text: the SPIs and keys must be bare hex, only the algorithm names are
// quoted. (A quoted SPI is read as 16 characters, and Wireshark 4.0 refuses the line: "Length of Initiator's SPI
// must be 8 octets".) The same text works as a line of the UAT file and after `-o uat:ikev2_decryption_table:`.
#pragma once

#include <cstdint>
#include <string>

#include "protocol/ikev2/ikev2_keys.hpp"

namespace vpnprobe::protocol::ikev2 {

// Algorithm names from the registry's Wireshark column (wireshark_algorithm_name); a transform Wireshark has no
// name for gets its strongSwan display name, which Wireshark will refuse, so the line still says what it was.
std::string wireshark_keylog_line(std::uint64_t spi_i, std::uint64_t spi_r, const IkeSaKeys& keys);

}  // namespace vpnprobe::protocol::ikev2
