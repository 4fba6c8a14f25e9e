// Network errors named for what they are, from real sockets: every probe here runs on a thread that has left
// for a fresh, empty network namespace (unshare(CLONE_NEWNET) affects only the calling thread), so nothing is
// sent anywhere, let alone from the root namespace. In that namespace 127.0.0.1 has no route until lo is up
// (ENETUNREACH); with lo up a closed loopback port refuses (ECONNREFUSED, ICMP port unreachable for UDP); an
// "unreachable" route gives EHOSTUNREACH; an address not on the machine cannot be the source (EADDRNOTAVAIL);
// an interface that does not exist is ENODEV. And no error text carries a Boost source location.
// Each probe runs through the registry of probe kinds (its run, then its diagnosis), as a scenario row does.
#include <gtest/gtest.h>

#include <sched.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/system/system_error.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

#include "probes/net_errors.hpp"
#include "scenarios/probe_kind.hpp"

namespace asio = boost::asio;
using namespace vpnprobe::probes;
using vpnprobe::scenarios::find_probe_kind;
using vpnprobe::scenarios::KindOptions;
using vpnprobe::scenarios::ProbeKind;
using vpnprobe::scenarios::ProbeResult;
using vpnprobe::scenarios::RowTarget;

namespace {

// Runs `setup` (shell commands, run inside the new namespace: a child inherits the calling thread's namespace)
// and then `body` on a thread in a fresh network namespace. Returns "" or why it could not.
std::string in_fresh_netns(const std::string& setup, const std::function<void()>& body) {
    std::string why;
    std::thread t([&] {
        if (::unshare(CLONE_NEWNET) != 0) {
            why = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
            return;
        }
        if (!setup.empty() && std::system(setup.c_str()) != 0) {
            why = "setup failed: " + setup;
            return;
        }
        body();
    });
    t.join();
    return why;
}

// Runs a kind of the registry as the scenario runner does (its run, then its diagnosis).
ProbeResult run_kind(const std::string& kind_name, const std::string& target_address, std::uint16_t port,
                     VantagePoint vp, double timeout_seconds) {
    const ProbeKind* kind = find_probe_kind(kind_name);
    if (!kind) throw std::logic_error("no probe kind " + kind_name);
    RowTarget t;
    t.host = target_address;
    t.port = port;
    t.name_clients_dial = target_address;
    t.vantage = vp;
    t.timeout = timeout_seconds;
    const KindOptions options = kind->default_options();
    ProbeResult r = kind->empty_result();
    asio::io_context io;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            r = co_await kind->run(t, options);
            kind->diagnose(r, t, options);
        },
        asio::detached);
    io.run();
    return r;
}

SstpResult sstp(const std::string& target_address, std::uint16_t port, VantagePoint vp = {}) {
    return std::get<SstpResult>(run_kind("sstp", target_address, port, vp, 5));
}

Ikev2Result ikev2(const std::string& target_address, std::uint16_t port, VantagePoint vp = {}) {
    return std::get<Ikev2Result>(run_kind("ikev2", target_address, port, vp, 3));
}

template <typename R>
std::string first_check(const R& r) {
    return r.findings.empty() ? "(none)" : r.findings.front().check;
}

template <typename R>
std::string all_text(const R& r) {
    std::string s;
    for (const auto& p : r.phases) s += p.error + "\n";
    for (const auto& f : r.findings) s += f.check + ": " + f.detail + "\n";
    return s;
}

template <typename R>
void expect_no_source_location(const R& r) {
    std::string t = all_text(r);
    EXPECT_EQ(t.find("/usr/include"), std::string::npos) << t;
    EXPECT_EQ(t.find(".hpp"), std::string::npos) << t;
    EXPECT_EQ(t.find("[system:"), std::string::npos) << t;
}

constexpr const char* kLoUp = "ip link set lo up";

#define SKIP_UNLESS_ROOT() \
    if (::geteuid() != 0) GTEST_SKIP() << "needs root for unshare(CLONE_NEWNET)"

TEST(NetErrors, NoRouteToTheNetworkIsNetworkUnreachableNotRefused) {
    SKIP_UNLESS_ROOT();
    SstpResult s;
    Ikev2Result i;
    auto why = in_fresh_netns("", [&] {  // lo down: not even 127.0.0.1 has a route
        s = sstp("127.0.0.1", 443);
        i = ikev2("127.0.0.1", 500);
    });
    ASSERT_EQ(why, "");
    EXPECT_EQ(s.failed_phase, "tcp_connect");
    EXPECT_EQ(first_check(s), "sstp.network_unreachable") << all_text(s);
    EXPECT_NE(s.phases.back().error.find("network unreachable"), std::string::npos) << all_text(s);
    EXPECT_EQ(s.windows_error, "809");
    EXPECT_EQ(i.failed_phase, "ike_sa_init");
    EXPECT_EQ(first_check(i), "ikev2.network_unreachable") << all_text(i);
    EXPECT_EQ(i.windows_error, "809");
    EXPECT_FALSE(i.phases.back().local) << "no route is the path's fault, not the probe's";
    for (const std::string& t : {all_text(s), all_text(i)}) EXPECT_EQ(t.find("refused"), std::string::npos) << t;
    expect_no_source_location(s);
    expect_no_source_location(i);
}

TEST(NetErrors, UnreachableRouteIsNoRouteToHost) {
    SKIP_UNLESS_ROOT();
    SstpResult s;
    Ikev2Result i;
    auto why = in_fresh_netns(std::string(kLoUp) + " && ip route add unreachable 192.0.2.0/24", [&] {
        s = sstp("192.0.2.1", 443);
        i = ikev2("192.0.2.1", 500);
    });
    ASSERT_EQ(why, "");
    EXPECT_EQ(first_check(s), "sstp.no_route") << all_text(s);
    EXPECT_NE(s.phases.back().error.find("no route to host"), std::string::npos) << all_text(s);
    EXPECT_EQ(first_check(i), "ikev2.no_route") << all_text(i);
    for (const std::string& t : {all_text(s), all_text(i)}) EXPECT_EQ(t.find("refused"), std::string::npos) << t;
    expect_no_source_location(s);
    expect_no_source_location(i);
}

TEST(NetErrors, ClosedLoopbackPortIsRefusedOrPortUnreachable) {
    SKIP_UNLESS_ROOT();
    SstpResult s;
    Ikev2Result i;
    auto why = in_fresh_netns(kLoUp, [&] {
        s = sstp("127.0.0.1", 443);
        i = ikev2("::1", 500);
    });
    ASSERT_EQ(why, "");
    EXPECT_EQ(first_check(s), "sstp.tcp_refused") << all_text(s);
    EXPECT_EQ(first_check(i), "ikev2.sa_init_refused") << all_text(i);
    EXPECT_NE(i.phases.back().error.find("port unreachable (ICMP)"), std::string::npos) << all_text(i);
    EXPECT_NE(i.phases.back().error.find("[::1]:500"), std::string::npos)
        << "IPv6 with a port is bracketed: " << all_text(i);
    expect_no_source_location(s);
    expect_no_source_location(i);
}

TEST(NetErrors, SourceAddressNotHereAndNoSuchDeviceAreTheProbesOwnAndNamed) {
    SKIP_UNLESS_ROOT();
    SstpResult src, dev;
    Ikev2Result isrc;
    auto why = in_fresh_netns(kLoUp, [&] {
        VantagePoint not_here, no_device;
        not_here.source = "192.0.2.99";
        no_device.interface = "nodev0";
        src = sstp("127.0.0.1", 443, not_here);
        isrc = ikev2("127.0.0.1", 500, not_here);
        dev = sstp("127.0.0.1", 443, no_device);
    });
    ASSERT_EQ(why, "");
    for (const auto* r : {&src, &dev}) {
        EXPECT_EQ(first_check(*r), "probe.local") << all_text(*r);
        EXPECT_TRUE(r->phases.back().local);
        expect_no_source_location(*r);
    }
    EXPECT_EQ(first_check(isrc), "probe.local") << all_text(isrc);
    EXPECT_NE(all_text(src).find("source address not available"), std::string::npos) << all_text(src);
    EXPECT_NE(all_text(isrc).find("source address not available"), std::string::npos) << all_text(isrc);
    EXPECT_NE(all_text(dev).find("no such device"), std::string::npos) << all_text(dev);
    expect_no_source_location(isrc);
}

TEST(NetErrors, BoostSystemErrorTextLosesItsSourceLocation) {
    static constexpr boost::source_location loc = BOOST_CURRENT_LOCATION;
    boost::system::system_error e(boost::system::error_code(ENETUNREACH, boost::system::system_category(), &loc),
                                  "connect");
    // The premise: Boost's own text carries the location (otherwise this test would prove nothing).
    ASSERT_NE(std::string(e.what()).find("test_net_errors.cpp"), std::string::npos) << e.what();
    std::string t = describe_exception(e);
    EXPECT_EQ(t.find("test_net_errors.cpp"), std::string::npos) << t;
    EXPECT_EQ(t.find('['), std::string::npos) << t;
    EXPECT_EQ(t.rfind("connect: network unreachable", 0), 0u) << t;
    EXPECT_EQ(errno_of(e), ENETUNREACH);
    std::system_error s(EADDRNOTAVAIL, std::generic_category(), "bind");
    EXPECT_EQ(describe_exception(s).rfind("bind: source address not available", 0), 0u) << describe_exception(s);
    EXPECT_EQ(describe_exception(std::runtime_error("plain")), "plain");
}

TEST(NetErrors, EveryNamedErrnoSaysWhatItIs) {
    EXPECT_NE(describe_errno(ENETUNREACH).find("network unreachable"), std::string::npos);
    EXPECT_NE(describe_errno(EHOSTUNREACH).find("no route to host"), std::string::npos);
    EXPECT_NE(describe_errno(ENODEV).find("no such device"), std::string::npos);
    EXPECT_NE(describe_errno(EADDRNOTAVAIL).find("source address not available"), std::string::npos);
    EXPECT_NE(describe_errno(ECONNREFUSED).find("connection refused"), std::string::npos);
    for (int e : {ENETUNREACH, EHOSTUNREACH, ENODEV, EADDRNOTAVAIL})
        EXPECT_EQ(describe_errno(e).find("refused"), std::string::npos) << e;
}

}  // namespace
