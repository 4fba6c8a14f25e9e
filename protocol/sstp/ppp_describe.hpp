// One line for a verbose log about any PPP frame of the SSTP login and tunnel: LCP, EAP (with EAP-MSCHAPv2),
// CHAP, PAP, IPCP and IPv4 are decoded and described by their own codecs; another protocol by name and size.
// Safe for logs by construction: the codecs' describe() functions never print a password, a response value or
// key material (user names and server messages are shown, with anything unprintable as '?').
#pragma once

#include <string>

#include "protocol/auth/eap.hpp"
#include "protocol/bytes.hpp"
#include "protocol/sstp/ppp_auth.hpp"

namespace vpnprobe::protocol {

// "EAP Request id=2 EAP-MSCHAPv2 Challenge ms_id=5 name=\"vpx\"", "IPCP Configure-Ack id=3 [...]",
// "IPv4 192.0.2.7 > 198.51.100.1 ttl=64 ICMP Echo Request ...", "CCP 10 bytes"; an undecodable frame as
// "<protocol> undecodable: <error>".
std::string describe_ppp_login_frame(ByteView frame);

// The EAP, CHAP or PAP packet of a PPP frame ("not_eap", "not_chap", "not_pap" for another protocol), offsets
// counted from the frame's start.
Decoded<EapPacket> decode_eap_frame(ByteView ppp_frame);
Decoded<ChapPacket> decode_chap_frame(ByteView ppp_frame);
Decoded<PapPacket> decode_pap_frame(ByteView ppp_frame);
// FF 03 C2 27 + the EAP packet our encoders built.
Bytes encode_eap_frame(ByteView eap_packet);

}  // namespace vpnprobe::protocol
