#include <gtest/gtest.h>

#include "cli/host_port.hpp"
#include "probes/net_errors.hpp"

using vpnprobe::cli::parse_host_port;
using vpnprobe::cli::parse_ikev2_host;

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

TEST(HostPort, PastedHttpsUrlsGiveHostAndPort) {
    auto a = parse_host_port("https://vpn.example.com/", 443);
    EXPECT_EQ(a.host, "vpn.example.com");
    EXPECT_EQ(a.port, 443);
    auto b = parse_host_port("https://vpn.example.com:8443/path?x=1", 443);
    EXPECT_EQ(b.host, "vpn.example.com");
    EXPECT_EQ(b.port, 8443);
    auto c = parse_host_port("HTTPS://vpn.example.com", 443);
    EXPECT_EQ(c.host, "vpn.example.com");
    auto v6 = parse_host_port("https://[2001:db8::1]:4443/", 443);
    EXPECT_EQ(v6.host, "2001:db8::1");
    EXPECT_EQ(v6.port, 4443);
}

TEST(HostPort, BadInputIsRefusedWithAReason) {
    for (const char* bad : {"", "host:", "host:0", "host:65536", "host:12ab", ":443", "[2001:db8::1", "[]:443",
                            "[::1]x443", "https://", "https:///", "https://:443/", "https://user@vpn.example.com/",
                            "ftp://vpn.example.com", "https://vpn.example.com:0/"}) {
        EXPECT_THROW(parse_host_port(bad, 443), std::invalid_argument) << bad;
    }
}

TEST(HostPort, PlainHttpIsRefusedSayingSstpIsHttps) {
    try {
        parse_host_port("http://vpn.example.com/", 443);
        FAIL() << "http:// accepted";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("HTTPS"), std::string::npos) << e.what();
    }
}

TEST(Ikev2Host, PortInTheHostSetsThePortOrMustAgreeWithPortOption) {
    auto plain = parse_ikev2_host("vpn.example.com", std::nullopt, 500);
    EXPECT_EQ(plain.host, "vpn.example.com");
    EXPECT_EQ(plain.port, 500);
    auto given = parse_ikev2_host("vpn.example.com", 4500, 500);
    EXPECT_EQ(given.port, 4500);
    auto with_port = parse_ikev2_host("vpn.example.com:4500", std::nullopt, 500);
    EXPECT_EQ(with_port.host, "vpn.example.com");
    EXPECT_EQ(with_port.port, 4500);
    auto v6 = parse_ikev2_host("[2001:db8::1]:500", 500, 500);
    EXPECT_EQ(v6.host, "2001:db8::1");
    EXPECT_EQ(v6.port, 500);
    EXPECT_EQ(parse_ikev2_host("[2001:db8::1]", std::nullopt, 500).host, "2001:db8::1");
    EXPECT_EQ(parse_ikev2_host("2001:db8::1", std::nullopt, 500).host, "2001:db8::1");
    try {
        parse_ikev2_host("[2001:db8::1]:500", 4500, 500);
        FAIL() << "a disagreeing port was accepted";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("use --port"), std::string::npos) << e.what();
    }
}

TEST(Ikev2Host, EmptyHostAndUrlsAreRefused) {
    for (const char* bad : {"", ":500", "[]", "https://vpn.example.com/", "host:", "host:99999"})
        EXPECT_THROW(parse_ikev2_host(bad, std::nullopt, 500), std::invalid_argument) << bad;
}

TEST(HostPortText, Ipv6IsBracketed) {
    using vpnprobe::probes::host_port_text;
    EXPECT_EQ(host_port_text("2001:db8::1", 443), "[2001:db8::1]:443");
    EXPECT_EQ(host_port_text("192.0.2.1", 500), "192.0.2.1:500");
    EXPECT_EQ(host_port_text("vpn.example.com", 443), "vpn.example.com:443");
}
