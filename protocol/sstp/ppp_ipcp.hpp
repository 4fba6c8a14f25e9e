// IPCP (RFC 1332) with the DNS and NBNS options of RFC 1877: what a client asks for after authentication and
// what it learns from the answers. Packets use the shared control-protocol codec (ppp_control.hpp); this file
// adds IPCP's options and the client's side of the negotiation, as pure functions a probe drives:
//
//   1. send ipcp_configure_request(id, request) - a Windows client asks for IP-Address, Primary DNS, Primary
//      NBNS, Secondary DNS and Secondary NBNS, all 0.0.0.0 (windows_ipcp_request);
//   2. on a Configure-Nak or Configure-Reject: ipcp_follow(request, answer) takes the server's values or drops
//      what it refused, and says whether another round makes sense;
//   3. on the Configure-Ack: ipcp_ack_matches(ack, sent), then ipcp_assignment(ack) is what was assigned;
//   4. the server's own Configure-Request is answered by ipcp_answer_peer_request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/bytes.hpp"
#include "protocol/ip/ipv4_address.hpp"
#include "protocol/sstp/ppp_control.hpp"

namespace vpnprobe::protocol {

namespace ipcp_option {
inline constexpr std::uint8_t ip_addresses = 1;  // deprecated (RFC 1332 3.1)
inline constexpr std::uint8_t compression = 2;  // Van Jacobson TCP/IP header compression
inline constexpr std::uint8_t ip_address = 3;
inline constexpr std::uint8_t primary_dns = 129;  // RFC 1877
inline constexpr std::uint8_t primary_nbns = 130;
inline constexpr std::uint8_t secondary_dns = 131;
inline constexpr std::uint8_t secondary_nbns = 132;
}  // namespace ipcp_option

// "IP-Address", "Primary-DNS", ...; "Opt42" otherwise.
std::string ipcp_option_name(std::uint8_t type);
// IP-Address and the four RFC 1877 options: a 4-byte address each.
bool ipcp_is_address_option(std::uint8_t type);

// decode_cp_packet plus IPCP's fixed sizes: an address option must be 6 bytes long, IP-Addresses 10
// ("bad_option_length", at the option's length byte). Offsets from `base_offset`.
Decoded<CpPacket> decode_ipcp_packet(ByteView packet, std::size_t base_offset = 0);
// A PPP frame that must carry IPCP ("not_ipcp" otherwise); offsets from the frame's start.
Decoded<CpPacket> decode_ipcp_frame(ByteView ppp_frame);

CpOption ipcp_address_option(std::uint8_t type, const Ipv4Address& address);
// The address of an address option, std::nullopt for another option or a value that is not 4 bytes.
std::optional<Ipv4Address> ipcp_address(const CpOption& option);

// What we ask for, in order; updated by ipcp_follow.
struct IpcpRequest {
    std::vector<CpOption> options;
    bool operator==(const IpcpRequest&) const = default;
};
IpcpRequest windows_ipcp_request();
CpPacket ipcp_configure_request(std::uint8_t identifier, const IpcpRequest& request);

enum class IpcpFollow {
    updated,  // the request changed: send it again
    unchanged,  // the answer asks for nothing new (a Nak repeating our values): another round would loop
    address_refused,  // IP-Address rejected, or a Nak offering 0.0.0.0: the server assigns no address
};
// Applies a Configure-Nak (take the suggested values; add address options the server suggests that we did not
// ask for) or a Configure-Reject (stop asking for those options). Anything else is `unchanged`.
IpcpFollow ipcp_follow(IpcpRequest& request, const CpPacket& answer);

// RFC 1661 5.2: a Configure-Ack carries the Request's identifier and exactly its options.
bool ipcp_ack_matches(const CpPacket& ack, const CpPacket& sent_request);

struct IpcpAssignment {
    std::optional<Ipv4Address> address;
    std::vector<Ipv4Address> dns;  // primary, then secondary; 0.0.0.0 left out
    std::vector<Ipv4Address> nbns;
    bool operator==(const IpcpAssignment&) const = default;
};
IpcpAssignment ipcp_assignment(const CpPacket& ack);

// Our answer to the server's Configure-Request: a Configure-Ack when it only tells us its own non-zero
// IP-Address; else a Configure-Reject of every other option (compression we do not do, DNS we do not serve,
// unknown types, and IP-Address 0.0.0.0, which would ask us for an address we have none to give).
CpPacket ipcp_answer_peer_request(const CpPacket& request);

// "IPCP Configure-Nak id=2 [IP-Address=192.0.2.7, Primary-DNS=192.0.2.53]".
std::string describe_ipcp(const CpPacket& packet);

}  // namespace vpnprobe::protocol
