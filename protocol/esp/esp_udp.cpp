#include "protocol/esp/esp_udp.hpp"

#include <algorithm>

#include "protocol/esp/esp_sa.hpp"

namespace vpnprobe::protocol::esp {

Udp4500Payload classify_udp_4500(ByteView udp_payload) {
    if (udp_payload.size() == 1 && udp_payload[0] == 0xff) return {Udp4500Kind::keepalive, udp_payload};
    if (udp_payload.size() >= 4 && esp_spi(udp_payload) == 0) {
        return {Udp4500Kind::ike, udp_payload.subspan(4)};
    }
    if (udp_payload.size() >= esp_header_size) return {Udp4500Kind::esp, udp_payload};
    return {Udp4500Kind::malformed, udp_payload};
}

Bytes with_non_esp_marker(ByteView ike_message) {
    Bytes out(4 + ike_message.size(), 0);
    std::copy(ike_message.begin(), ike_message.end(), out.begin() + 4);
    return out;
}

}  // namespace vpnprobe::protocol::esp
