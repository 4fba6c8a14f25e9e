// Writes a classic pcap file (microsecond timestamps, little-endian header) so that tshark can judge bytes we
// built: linktype 9 (PPP: frames starting FF 03 are PPP in HDLC-like framing without flags or FCS, exactly
// what SSTP carries) or 101 (raw IP).
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace vpnprobe::testsupport {

inline constexpr std::uint32_t pcap_linktype_ppp = 9;
inline constexpr std::uint32_t pcap_linktype_raw_ip = 101;

inline void write_pcap(const std::string& path, std::uint32_t linktype,
                       const std::vector<std::vector<std::uint8_t>>& frames) {
    std::vector<std::uint8_t> out;
    auto put32 = [&](std::uint32_t v) {
        for (int k = 0; k < 4; ++k) out.push_back(static_cast<std::uint8_t>(v >> (8 * k)));
    };
    auto put16 = [&](std::uint16_t v) {
        out.push_back(static_cast<std::uint8_t>(v));
        out.push_back(static_cast<std::uint8_t>(v >> 8));
    };
    put32(0xa1b2c3d4);
    put16(2);
    put16(4);
    put32(0);  // thiszone
    put32(0);  // sigfigs
    put32(65535);  // snaplen
    put32(linktype);
    for (std::size_t i = 0; i < frames.size(); ++i) {
        put32(static_cast<std::uint32_t>(i + 1));  // one second apart
        put32(0);
        put32(static_cast<std::uint32_t>(frames[i].size()));
        put32(static_cast<std::uint32_t>(frames[i].size()));
        out.insert(out.end(), frames[i].begin(), frames[i].end());
    }
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
}

}  // namespace vpnprobe::testsupport
