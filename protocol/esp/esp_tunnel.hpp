// Both directions of the CHILD_SA a probe (the IKE initiator) creates, from what the exchange gave it, in one call,
// so that no caller mixes up whose SPI or whose keys go which way:
//
//     outbound: our packets to the server   SPI = the server's (its chosen proposal), keys encr_i / integ_i
//     inbound:  the server's packets to us  SPI = ours (our offered proposal),       keys encr_r / integ_r
//
// (RFC 7296 2.17: the initiator-to-responder keys come first; RFC 4303 2.1: the receiver chooses the SPI.)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/bytes.hpp"
#include "protocol/esp/esp_sa.hpp"
#include "protocol/ikev2/ikev2_child_sa.hpp"

namespace vpnprobe::protocol::ikev2 {
struct IkeSaKeys;  // ikev2_keys.hpp
}

namespace vpnprobe::protocol::esp {

struct InitiatorTunnel {
    ikev2::EspChoice choice;  // the server's proposal as read (its SPI, the transform)
    std::uint32_t our_spi = 0;
    ikev2::ChildSaKeys keys;
    EspSender outbound;
    EspReceiver inbound;

    // The two esp_sa lines (esp_keylog.hpp), outbound first, for the key log: `local` and `remote` are the outer
    // addresses as text (or "*"). They hold the keys: write them only where the key log goes.
    std::string wireshark_lines(std::string_view local, std::string_view remote) const;
};

// `ike` is the IKE SA's keys (its PRF and SK_d); `ni`/`nr` the nonces of the exchange that created the CHILD_SA
// (for IKE_AUTH: those of IKE_SA_INIT); `chosen` the one proposal of the server's SA payload; `our_spi` the SPI of
// our offer; `random` the CBC IV source; `new_shared_secret` a CREATE_CHILD_SA key exchange's g^ir (else empty).
// Errors: read_esp_choice()'s codes for a choice we cannot run (check_chosen_proposal() in ikev2_proposal.hpp
// tells whether it was one of our offers: call it first). Throws std::invalid_argument for our_spi 0.
Decoded<InitiatorTunnel> make_initiator_tunnel(const ikev2::IkeSaKeys& ike, ByteView ni, ByteView nr,
                                               const ikev2::Proposal& chosen, std::uint32_t our_spi,
                                               RandomSource random, std::size_t replay_window = 128,
                                               ByteView new_shared_secret = {});

}  // namespace vpnprobe::protocol::esp
