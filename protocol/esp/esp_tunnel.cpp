#include "protocol/esp/esp_tunnel.hpp"

#include <utility>

#include "protocol/esp/esp_keylog.hpp"
#include "protocol/ikev2/ikev2_keys.hpp"

namespace vpnprobe::protocol::esp {

std::string InitiatorTunnel::wireshark_lines(std::string_view local, std::string_view remote) const {
    return wireshark_esp_sa_line(local, remote, choice.spi, keys.transform, keys.encr_i, keys.integ_i) + "\n" +
           wireshark_esp_sa_line(remote, local, our_spi, keys.transform, keys.encr_r, keys.integ_r) + "\n";
}

Decoded<InitiatorTunnel> make_initiator_tunnel(const ikev2::IkeSaKeys& ike, ByteView ni, ByteView nr,
                                               const ikev2::Proposal& chosen, std::uint32_t our_spi,
                                               RandomSource random, std::size_t replay_window,
                                               ByteView new_shared_secret) {
    auto choice = ikev2::read_esp_choice(chosen);
    if (!choice) return choice.error();
    ikev2::ChildSaKeys keys =
        ikev2::derive_child_sa_keys(ike.prf_id, ike.sk_d, choice->transform, ni, nr, new_shared_secret);
    EspSender outbound(choice->spi, initiator_to_responder_cipher(keys), std::move(random));
    EspReceiver inbound(our_spi, responder_to_initiator_cipher(keys), replay_window);
    return InitiatorTunnel{*choice, our_spi, std::move(keys), std::move(outbound), std::move(inbound)};
}

}  // namespace vpnprobe::protocol::esp
