// Wireshark (tshark) as the independent judge of the PPP frames the SSTP login sends and reads: EAP and
// EAP-MSCHAPv2, CHAP with MS-CHAPv2, PAP, IPCP, and an ICMP echo inside PPP, written to a pcap of linktype PPP.
// tshark must dissect every field as we meant it, find nothing malformed and no checksum wrong; and, so that
// the judge is no rubber stamp, it must flag the broken frames at the end.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "protocol/auth/eap.hpp"
#include "protocol/auth/eap_mschapv2.hpp"
#include "protocol/auth/mschapv2.hpp"
#include "protocol/ip/ipv4_address.hpp"
#include "protocol/ip/ipv4_icmp.hpp"
#include "protocol/sstp/ppp_auth.hpp"
#include "protocol/sstp/ppp_control.hpp"
#include "protocol/sstp/ppp_ipcp.hpp"
#include "protocol/sstp/ppp_lcp.hpp"
#include "tests/support/pcap_file.hpp"
#include "tests/support/run_command.hpp"

using namespace vpnprobe::protocol;
using vpnprobe::testsupport::run_command;

namespace {

Bytes eap_frame(const Bytes& eap) { return encode_ppp_frame(ppp_protocol_eap, eap); }

Ipv4Address ip(const char* text) { return parse_ipv4(text).value(); }

class PppTshark : public ::testing::Test {
protected:
    void SetUp() override {
        if (std::system("command -v tshark >/dev/null 2>&1") != 0)
            GTEST_SKIP() << "tshark is not installed (Debian package tshark, scripts/install-deps.sh): no independent "
                            "dissection check";
        char dir_template[] = "/tmp/vpnprobe-ppp-XXXXXX";
        ASSERT_NE(::mkdtemp(dir_template), nullptr);
        dir_ = dir_template;
    }
    void TearDown() override {
        if (dir_.empty()) return;
        std::remove((dir_ + "/ppp.pcap").c_str());
        ::rmdir(dir_.c_str());
    }
    // tshark's fields for each frame, one line per frame, fields separated by '|'.
    std::string fields(const std::vector<Bytes>& frames, const std::string& filter,
                       const std::vector<std::string>& names) {
        const std::string pcap = dir_ + "/ppp.pcap";
        vpnprobe::testsupport::write_pcap(pcap, vpnprobe::testsupport::pcap_linktype_ppp, frames);
        std::string cmd = "tshark -n -r " + pcap + " -o ip.check_checksum:TRUE -E separator='|'";
        if (!filter.empty()) cmd += " -Y '" + filter + "'";
        cmd += " -T fields";
        for (const auto& n : names) cmd += " -e " + n;
        const auto r = run_command(cmd + " 2>/dev/null");
        EXPECT_EQ(r.exit_code, 0) << cmd;
        return r.out;
    }
    std::string dir_;
};

TEST_F(PppTshark, EapAndEapMsChapV2) {
    const mschapv2::Challenge auth = {0x5B, 0x5D, 0x7C, 0x7D, 0x7B, 0x3F, 0x2F, 0x3E,
                                      0x3C, 0x2C, 0x60, 0x21, 0x32, 0x26, 0x26, 0x28};
    EapMschapv2Packet challenge;
    challenge.opcode = EapMschapv2OpCode::challenge;
    challenge.ms_id = 9;
    challenge.challenge = auth;
    challenge.name = "vpx";
    mschapv2::ResponseValue value;
    value.peer_challenge = {0x21, 0x40, 0x23, 0x24, 0x25, 0x5E, 0x26, 0x2A,
                            0x28, 0x29, 0x5F, 0x2B, 0x3A, 0x33, 0x7C, 0x7E};
    value.nt_response =
        mschapv2::generate_nt_response(auth, value.peer_challenge, "User", mschapv2::nt_password_hash("clientPass"));
    EapMschapv2Packet success;
    success.opcode = EapMschapv2OpCode::success;
    success.ms_id = 9;
    success.message = "S=407A5589115FD0D6209F510FE9C04566932CDA56 M=OK";

    const std::vector<Bytes> frames = {
        eap_frame(encode_eap_identity_response(1, "alice")),
        eap_frame(encode_eap_nak(2, {eap_type::mschapv2})),
        eap_frame(encode_eap_mschapv2(EapCode::request, 3, challenge)),
        eap_frame(encode_eap_mschapv2_response(3, 9, value, "User")),
        eap_frame(encode_eap_mschapv2(EapCode::request, 4, success)),
        eap_frame(encode_eap_mschapv2_success_ack(4)),
    };
    EXPECT_EQ(fields(frames, "", {"eap.code", "eap.id", "eap.len", "eap.type", "eap.identity", "eap.desired_type"}),
              "2|1|10|1|alice|\n"
              "2|2|6|3||26\n"
              "1|3|29|26||\n"
              "2|3|63|26||\n"
              "1|4|56|26||\n"
              "2|4|6|26||\n");
    EXPECT_EQ(
        fields(frames, "eap.type == 26",
               {"eap.ms_chap_v2.opcode", "eap.ms_chap_v2.id", "eap.ms_chap_v2.length", "eap.ms_chap_v2.value_size",
                "eap.ms_chap_v2.challenge", "eap.ms_chap_v2.name", "eap.ms_chap_v2.peer_challenge",
                "eap.ms_chap_v2.nt_response", "eap.ms_chap_v2.flags", "eap.ms_chap_v2.message"}),
        "1|9|24|16|5b5d7c7d7b3f2f3e3c2c602132262628|vpx||||\n"
        "2|9|58|49||User|21402324255e262a28295f2b3a337c7e|82309ecd8d708b5ea08faa3981cd83544233114a3d85d6df|0x00|\n"
        "3|9|51|||||||S=407A5589115FD0D6209F510FE9C04566932CDA56 M=OK\n"
        "3|||||||||\n");
    EXPECT_EQ(fields(frames, "_ws.malformed || _ws.expert.severity >= 0x00600000", {"frame.number"}), "")
        << "tshark found frames malformed or worth a warning";
}

TEST_F(PppTshark, ChapPapAndIpcp) {
    mschapv2::ResponseValue value;
    value.nt_response.fill(0x42);
    IpcpRequest request = windows_ipcp_request();
    const std::vector<Bytes> frames = {
        encode_chap_frame(ChapPacket{ChapCode::challenge, 7, Bytes(16, 0xaa), "RAS", {}}),
        encode_chap_mschapv2_response(7, value, "LAB\\alice"),
        encode_chap_frame(ChapPacket{ChapCode::failure, 7, {}, {}, "E=691 R=0 V=3"}),
        encode_pap_frame(PapPacket{PapCode::authenticate_request, 1, "alice", "pw", {}}),
        encode_cp_frame(ppp_protocol_ipcp, ipcp_configure_request(1, request)),
        encode_cp_frame(ppp_protocol_ipcp,
                        CpPacket{LcpCode::configure_nak,
                                 1,
                                 {ipcp_address_option(ipcp_option::ip_address, ip("192.0.2.7")),
                                  ipcp_address_option(ipcp_option::secondary_dns, ip("198.51.100.53"))},
                                 {}}),
    };
    EXPECT_EQ(fields(frames, "chap",
                     {"chap.code", "chap.identifier", "chap.length", "chap.value_size", "chap.name", "chap.message"}),
              "1|7|24|16|RAS|\n"
              "2|7|63|49|LAB\\alice|\n"
              "4|7|17|||E=691 R=0 V=3\n");
    EXPECT_EQ(fields(frames, "pap", {"pap.code", "pap.peer_id", "pap.password"}), "1|alice|pw\n");
    EXPECT_EQ(fields(frames, "ipcp",
                     {"ppp.code", "ppp.identifier", "ppp.length", "ipcp.opt.ip_address", "ipcp.opt.pri_dns_address",
                      "ipcp.opt.pri_nbns_address", "ipcp.opt.sec_dns_address", "ipcp.opt.sec_nbns_address"}),
              "1|1|34|0.0.0.0|0.0.0.0|0.0.0.0|0.0.0.0|0.0.0.0\n"
              "3|1|16|192.0.2.7|||198.51.100.53|\n");
    EXPECT_EQ(fields(frames, "_ws.malformed || _ws.expert.severity >= 0x00600000", {"frame.number"}), "");
}

TEST_F(PppTshark, IcmpEchoInsidePpp) {
    const Bytes data = from_hex("766e7070726f6265");  // "vnpprobe"
    const Bytes request = encode_ipv4_echo_request(ip("192.0.2.7"), ip("198.51.100.1"), 0x4242, 3, data, 77);
    IcmpMessage reply;
    reply.type = static_cast<std::uint8_t>(IcmpType::echo_reply);
    reply.identifier = 0x4242;
    reply.sequence = 3;
    reply.data = data;
    Ipv4Packet back;
    back.source = ip("198.51.100.1");
    back.destination = ip("192.0.2.7");
    back.identification = 9;
    back.payload = encode_icmp(reply);
    const std::vector<Bytes> frames = {encode_ppp_frame(ppp_protocol_ipv4, request),
                                       encode_ppp_frame(ppp_protocol_ipv4, encode_ipv4_packet(back))};
    EXPECT_EQ(fields(frames, "",
                     {"ip.src", "ip.dst", "ip.len", "ip.ttl", "ip.checksum.status", "icmp.type", "icmp.ident",
                      "icmp.seq", "icmp.checksum.status", "data.data"}),
              "192.0.2.7|198.51.100.1|36|64|1|8|16962|3|1|766e7070726f6265\n"
              "198.51.100.1|192.0.2.7|36|64|1|0|16962|3|1|766e7070726f6265\n");
    EXPECT_EQ(fields(frames, "_ws.malformed || _ws.expert.severity >= 0x00600000", {"frame.number"}), "");
}

// The judge is not a rubber stamp: a wrong ICMP checksum, a wrong IPv4 header checksum and an EAP-MSCHAPv2
// MS-Length that disagrees with the EAP Length are all flagged.
TEST_F(PppTshark, TsharkFlagsBrokenFrames) {
    Bytes bad_icmp = encode_ipv4_echo_request(ip("192.0.2.7"), ip("198.51.100.1"), 1, 1, from_hex("00"));
    bad_icmp.back() ^= 0xff;
    Bytes bad_ip = encode_ipv4_echo_request(ip("192.0.2.7"), ip("198.51.100.1"), 1, 1, from_hex("00"));
    bad_ip[8] = 1;  // TTL
    Bytes bad_ms_length = encode_eap_mschapv2_success_ack(1);
    bad_ms_length = from_hex("010100091a 03010005");  // MS-Length 5, the EAP Length leaves 4
    const std::vector<Bytes> frames = {encode_ppp_frame(ppp_protocol_ipv4, bad_icmp),
                                       encode_ppp_frame(ppp_protocol_ipv4, bad_ip), eap_frame(bad_ms_length)};
    EXPECT_EQ(fields(frames, "", {"ip.checksum.status", "icmp.checksum.status"}), "1|0\n0|1\n|\n");
    EXPECT_EQ(fields(frames, "eap.ms_chap_v2.length.invalid", {"frame.number"}), "3\n");
}

}  // namespace
