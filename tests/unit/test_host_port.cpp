#include <gtest/gtest.h>

#include "cli/host_port.hpp"

using vpnprobe::cli::parse_host_port;

TEST(HostPort, NameWithAndWithoutPort) {
    auto a = parse_host_port("vpn.example.com", 443);
    EXPECT_EQ(a.host, "vpn.example.com");
    EXPECT_EQ(a.port, 443);
    auto b = parse_host_port("vpn.example.com:8443", 443);
    EXPECT_EQ(b.host, "vpn.example.com");
    EXPECT_EQ(b.port, 8443);
}

TEST(HostPort, Ipv4AndIpv6Forms) {
    EXPECT_EQ(parse_host_port("192.0.2.1:444", 443).port, 444);
    auto v6 = parse_host_port("[2001:db8::1]:8443", 443);
    EXPECT_EQ(v6.host, "2001:db8::1");
    EXPECT_EQ(v6.port, 8443);
    auto bare = parse_host_port("2001:db8::1", 443);
    EXPECT_EQ(bare.host, "2001:db8::1");
    EXPECT_EQ(bare.port, 443);
    auto bracketed = parse_host_port("[fd99::2]", 443);
    EXPECT_EQ(bracketed.host, "fd99::2");
    EXPECT_EQ(bracketed.port, 443);
}

TEST(HostPort, BadInputIsRefusedWithAReason) {
    for (const char* bad : {"", "host:", "host:0", "host:65536", "host:12ab", ":443", "[2001:db8::1", "[]:443",
                            "[::1]x443"}) {
        EXPECT_THROW(parse_host_port(bad, 443), std::invalid_argument) << bad;
    }
}
