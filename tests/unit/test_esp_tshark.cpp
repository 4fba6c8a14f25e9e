// Wireshark (tshark, with libgcrypt: no code shared with ours) as the independent judge of the ESP we seal: our
// ESP-in-UDP packets (RFC 3948, port 4500) in a pcap, the SA keys in Wireshark's esp_sa table as our key-log line
// writes them (esp_keylog.hpp), and tshark must decrypt every packet, find the ICV good and dissect the inner
// ICMP echo (or ICMPv6 echo in IPv6) we put in. So that the judge is no rubber stamp, with a wrong key it must not.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "protocol/esp/esp_keylog.hpp"
#include "protocol/esp/esp_sa.hpp"
#include "protocol/ikev2/ikev2_child_sa.hpp"
#include "protocol/ikev2/ikev2_registry.hpp"
#include "protocol/ip/ipv4_icmp.hpp"
#include "protocol/ip/ipv6_icmpv6.hpp"
#include "tests/support/pcap_file.hpp"
#include "tests/support/run_command.hpp"

namespace {

using namespace vpnprobe::protocol;
namespace ike = vpnprobe::protocol::ikev2;

const Ipv4Address client{192, 0, 2, 10};
const Ipv4Address server{198, 51, 100, 1};
const Ipv4Address virtual_ip{10, 10, 10, 2};
const Ipv4Address target{10, 200, 0, 1};

// Outer IPv4 | UDP 4500 -> 4500 (checksum 0: none, allowed over IPv4) | ESP.
Bytes udp_4500_frame(const Ipv4Address& from, const Ipv4Address& to, const Bytes& esp) {
    Bytes udp = {0x11,
                 0x94,
                 0x11,
                 0x94,
                 static_cast<std::uint8_t>((8 + esp.size()) >> 8),
                 static_cast<std::uint8_t>((8 + esp.size()) & 0xff),
                 0,
                 0};
    udp.insert(udp.end(), esp.begin(), esp.end());
    Ipv4Packet ip;
    ip.protocol = 17;
    ip.source = from;
    ip.destination = to;
    ip.payload = udp;
    return encode_ipv4_packet(ip);
}

std::string text_of(const Ipv4Address& a) {
    return std::to_string(a[0]) + "." + std::to_string(a[1]) + "." + std::to_string(a[2]) + "." + std::to_string(a[3]);
}

Bytes counting(std::uint8_t start, std::size_t n) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(start + i);
    return b;
}

class EspTshark : public ::testing::Test {
protected:
    void SetUp() override {
        if (std::system("command -v tshark >/dev/null 2>&1") != 0)
            GTEST_SKIP() << "tshark is not installed (Debian package tshark, scripts/install-deps.sh): no independent "
                            "decryption check";
        char dir_template[] = "/tmp/vpnprobe-esp-XXXXXX";
        ASSERT_NE(::mkdtemp(dir_template), nullptr);
        dir_ = dir_template;
    }
    void TearDown() override {
        if (dir_.empty()) return;
        for (const char* f : {"/esp.pcap", "/esp.err"}) std::remove((dir_ + f).c_str());
        ::rmdir(dir_.c_str());
    }
    // tshark's fields, one line per frame that passes `filter`, fields separated by '|'.
    std::string fields(const std::vector<Bytes>& frames, const std::vector<std::string>& sa_lines,
                       const std::string& filter, const std::vector<std::string>& names) {
        const std::string pcap = dir_ + "/esp.pcap";
        vpnprobe::testsupport::write_pcap(pcap, vpnprobe::testsupport::pcap_linktype_raw_ip, frames);
        // The SA lines contain no single quote, so single quotes protect them from the shell.
        std::string cmd =
            "tshark -n -r " + pcap + " -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE";
        for (const auto& line : sa_lines) cmd += " -o 'uat:esp_sa:" + line + "'";
        cmd += " -E separator='|' -Y '" + filter + "' -T fields";
        for (const auto& n : names) cmd += " -e " + n;
        const auto r = vpnprobe::testsupport::run_command(cmd + " 2>" + dir_ + "/esp.err");
        std::ifstream err(dir_ + "/esp.err");
        std::string errors, line;
        while (std::getline(err, line))
            if (line.find("Running as user") == std::string::npos) errors += line + "\n";
        EXPECT_EQ(r.exit_code, 0) << cmd << "\n" << errors;
        EXPECT_EQ(errors, "") << "tshark refused something (the SA lines?): " << cmd;
        return r.out;
    }
    std::string dir_;
};

struct Suite {
    ike::EspTransform transform;
};

TEST_F(EspTshark, DecryptsTheEchoWeSealInBothDirections) {
    const Suite suites[] = {
        {{ike::encr_alg::aes_gcm_16, 128, ike::integ_alg::none}},
        {{ike::encr_alg::aes_gcm_16, 256, ike::integ_alg::none}},
        {{ike::encr_alg::aes_cbc, 128, ike::integ_alg::hmac_sha1_96}},
        {{ike::encr_alg::aes_cbc, 256, ike::integ_alg::hmac_sha1_96}},
        {{ike::encr_alg::aes_cbc, 128, ike::integ_alg::hmac_sha2_256_128}},
        {{ike::encr_alg::aes_cbc, 256, ike::integ_alg::hmac_sha2_256_128}},
        {{ike::encr_alg::aes_cbc, 256, ike::integ_alg::hmac_sha2_384_192}},
        {{ike::encr_alg::aes_cbc, 256, ike::integ_alg::hmac_sha2_512_256}},
    };
    int checked = 0;
    for (const Suite& s : suites) {
        SCOPED_TRACE(ike::describe(s.transform));
        const ike::ChildSaKeys keys = ike::derive_child_sa_keys(ike::prf_alg::hmac_sha2_256, counting(0x10, 32),
                                                                s.transform, counting(0x40, 32), counting(0x80, 32));
        std::uint8_t next = 0;
        const esp::RandomSource random = [&](std::span<std::uint8_t> out) {
            for (auto& b : out) b = next++;
        };
        const std::uint32_t server_spi = 0xc2000001, our_spi = 0x0000c001;
        esp::EspSender to_server(server_spi, esp::initiator_to_responder_cipher(keys), random);
        esp::EspSender from_server(our_spi, esp::responder_to_initiator_cipher(keys), random);
        std::vector<Bytes> frames;
        for (std::uint16_t seq = 1; seq <= 3; ++seq) {
            const Bytes request = encode_ipv4_echo_request(virtual_ip, target, 0x4242, seq, Bytes(20 + seq, 0x61), seq);
            frames.push_back(udp_4500_frame(client, server, to_server.seal_ip(request)));
            IcmpMessage reply;
            reply.type = static_cast<std::uint8_t>(IcmpType::echo_reply);
            reply.identifier = 0x4242;
            reply.sequence = seq;
            reply.data = Bytes(20 + seq, 0x61);
            Ipv4Packet back;
            back.source = target;
            back.destination = virtual_ip;
            back.payload = encode_icmp(reply);
            frames.push_back(udp_4500_frame(server, client, from_server.seal_ip(encode_ipv4_packet(back))));
        }
        const std::vector<std::string> sa = {
            esp::wireshark_esp_sa_line(text_of(client), text_of(server), server_spi, s.transform, keys.encr_i,
                                       keys.integ_i),
            esp::wireshark_esp_sa_line(text_of(server), text_of(client), our_spi, s.transform, keys.encr_r,
                                       keys.integ_r),
        };
        const std::string out =
            fields(frames, sa, "icmp", {"esp.spi", "esp.sequence", "esp.icv_good", "icmp.type", "icmp.seq", "ip.src"});
        // SPI, sequence, ICV good, ICMP echo request (8) / reply (0), ICMP sequence, outer and inner source.
        EXPECT_EQ(out,
                  "0xc2000001|1|1|8|1|192.0.2.10,10.10.10.2\n"
                  "0x0000c001|1|1|0|1|198.51.100.1,10.200.0.1\n"
                  "0xc2000001|2|1|8|2|192.0.2.10,10.10.10.2\n"
                  "0x0000c001|2|1|0|2|198.51.100.1,10.200.0.1\n"
                  "0xc2000001|3|1|8|3|192.0.2.10,10.10.10.2\n"
                  "0x0000c001|3|1|0|3|198.51.100.1,10.200.0.1\n");
        ++checked;
    }
    EXPECT_EQ(checked, 8);
}

TEST_F(EspTshark, DecryptsAnInnerIpv6Echo) {
    const ike::EspTransform t{ike::encr_alg::aes_gcm_16, 256, ike::integ_alg::none};
    const auto keys = ike::derive_child_sa_keys(ike::prf_alg::hmac_sha2_256, counting(0x10, 32), t, counting(0x40, 32),
                                                counting(0x80, 32));
    esp::EspSender sender(0x01020304, esp::initiator_to_responder_cipher(keys));
    // An ICMPv6 echo request fd00::2 -> fd00::1 (protocol/ip/ipv6_icmpv6.hpp).
    Ipv6Address from{}, to{};
    from[0] = to[0] = 0xfd, from[15] = 2, to[15] = 1;
    const Bytes ipv6 = encode_ipv6_echo_request(from, to, 0x4242, 7, Bytes(16, 0x61));
    const std::string out = fields({udp_4500_frame(client, server, sender.seal_ip(ipv6))},
                                   {esp::wireshark_esp_sa_line("*", "*", 0x01020304, t, keys.encr_i, keys.integ_i)},
                                   "esp", {"esp.protocol", "esp.icv_good", "ipv6.src", "ipv6.dst"});
    EXPECT_EQ(out, "0x29|1|fd00::2|fd00::1\n") << "Next Header 41 (IPv6), ICV good, the inner addresses";
}

// The judge is not a rubber stamp: with one wrong key bit it decrypts nothing and finds the ICV bad.
TEST_F(EspTshark, RefusesAWrongKey) {
    for (const ike::EspTransform& t :
         {ike::EspTransform{ike::encr_alg::aes_gcm_16, 128, ike::integ_alg::none},
          ike::EspTransform{ike::encr_alg::aes_cbc, 128, ike::integ_alg::hmac_sha2_256_128}}) {
        SCOPED_TRACE(ike::describe(t));
        const auto keys = ike::derive_child_sa_keys(ike::prf_alg::hmac_sha2_256, counting(0x10, 32), t,
                                                    counting(0x40, 32), counting(0x80, 32));
        esp::EspSender sender(0x01020304, esp::initiator_to_responder_cipher(keys),
                              [](std::span<std::uint8_t> out) { std::fill(out.begin(), out.end(), 7); });
        const Bytes frame = udp_4500_frame(
            client, server, sender.seal_ip(encode_ipv4_echo_request(virtual_ip, target, 0x4242, 1, Bytes(8, 1))));
        Bytes wrong_integ = keys.integ_i;
        Bytes wrong_encr = keys.encr_i;
        (wrong_integ.empty() ? wrong_encr : wrong_integ)[0] ^= 1;
        const std::string line = esp::wireshark_esp_sa_line("*", "*", 0x01020304, t, wrong_encr, wrong_integ);
        // GCM: the tag fails and nothing decrypts; CBC (the integrity key is the wrong one): it decrypts, the ICV fails.
        EXPECT_EQ(fields({frame}, {line}, "esp", {"esp.icv_good", "esp.icv_bad", "icmp.type"}),
                  wrong_integ.empty() ? "0|1|\n" : "0|1|8\n");
        const std::string right = esp::wireshark_esp_sa_line("*", "*", 0x01020304, t, keys.encr_i, keys.integ_i);
        EXPECT_EQ(fields({frame}, {right}, "esp", {"esp.icv_good", "esp.icv_bad", "icmp.type"}), "1|0|8\n");
    }
}

}  // namespace
