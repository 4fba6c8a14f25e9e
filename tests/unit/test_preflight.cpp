// The preflight checks this machine for everything a scenario names, before anything runs: namespaces
// (that they exist and are network namespaces), source addresses and interfaces inside the vantage
// point's own namespace, CA files. Each problem points at its key. Loopback and a throwaway namespace of
// a child process only: nothing is sent anywhere.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "probes/local_checks.hpp"
#include "probes/password_source.hpp"
#include "scenarios/preflight.hpp"
#include "tests/support/test_certificate.hpp"

namespace {

using namespace vpnprobe::scenarios;
using testing::HasSubstr;

std::string temp_path(const std::string& name) {
    return (std::filesystem::temp_directory_path() / ("vpnprobe-preflight-" + std::to_string(::getpid()) + "-" + name))
        .string();
}

std::string write(const std::string& name, const std::string& text) {
    auto p = temp_path(name);
    std::ofstream(p) << text;
    return p;
}

std::vector<ScenarioProblem> problems_of(const std::string& yaml) {
    return preflight_problems(load_scenario_text(yaml, "p.yaml"));
}

std::string joined(const std::vector<ScenarioProblem>& v) {
    std::string s;
    for (const auto& p : v) s += p.to_string() + "\n";
    return s;
}

// A network namespace of its own, held by a child process that only waits: /proc/PID/ns/net. Its loopback
// is brought up (a namespace where no device was ever up has no local routing table, and the kernel then
// lets a socket bind any address), and it has none of this machine's other interfaces or addresses.
class ChildNamespace {
public:
    ChildNamespace() {
        int ready[2];
        if (::pipe(ready) != 0) return;
        pid_ = ::fork();
        if (pid_ == 0) {
            char ok = 'n';
            if (::unshare(CLONE_NEWNET) == 0) {
                int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
                ifreq ifr{};
                std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
                ifr.ifr_flags = IFF_UP;
                if (fd >= 0 && ::ioctl(fd, SIOCSIFFLAGS, &ifr) == 0) ok = 'y';
            }
            (void)!::write(ready[1], &ok, 1);
            ::pause();
            ::_exit(0);
        }
        char ok = 'n';
        (void)!::read(ready[0], &ok, 1);
        ::close(ready[0]);
        ::close(ready[1]);
        works_ = ok == 'y';
    }
    ~ChildNamespace() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    bool works() const { return works_; }
    std::string path() const { return "/proc/" + std::to_string(pid_) + "/ns/net"; }

private:
    pid_t pid_ = -1;
    bool works_ = false;
};

TEST(Preflight, AMissingNamespaceIsRefusedAtItsKey) {
    auto p = problems_of(
        "vantage_points:\n  - {name: dc1, netns: vpnprobe-test-no-such-namespace}\n"
        "targets: [{name: t, host: 127.0.0.1}]\nprobes: [{type: sstp}]\n");
    ASSERT_EQ(p.size(), 1u) << joined(p);
    EXPECT_EQ(p[0].mark.line, 2);
    EXPECT_EQ(p[0].mark.column, 24);
    EXPECT_THAT(p[0].to_string(), HasSubstr("p.yaml:2:24: vantage point 'dc1': network namespace"));
    EXPECT_THAT(p[0].message, HasSubstr("/var/run/netns/vpnprobe-test-no-such-namespace"));
    EXPECT_THAT(p[0].message, HasSubstr("No such file or directory"));
    EXPECT_THROW(
        preflight(load_scenario_text("vantage_points: [{name: a, netns: /nonexistent/ns}]\ntargets: [{name: t, "
                                     "host: 127.0.0.1}]\nprobes: [{type: sstp}]\n",
                                     "q.yaml")),
        ScenarioError);
}

TEST(Preflight, AFileThatIsNotANetworkNamespaceIsRefused) {
    auto file = write("regular", "x\n");
    auto p = problems_of("vantage_points: [{name: a, netns: " + file +
                         "}, {name: b, netns: /proc/self/ns/uts},"
                         " {name: c, netns: /tmp}, {name: d, netns: /proc/self/ns/net}]\n"
                         "targets: [{name: t, host: 127.0.0.1}]\nprobes: [{type: sstp}]\n");
    ASSERT_EQ(p.size(), 3u) << joined(p);
    EXPECT_THAT(p[0].message, HasSubstr("is not a namespace"));
    EXPECT_THAT(p[1].message, HasSubstr("not a network namespace"));
    EXPECT_THAT(p[2].message, HasSubstr("Is a directory"));
    std::filesystem::remove(file);
}

TEST(Preflight, SourceAndInterfaceMustExistHere) {
    auto p = problems_of(
        "vantage_points:\n  - {name: lo, source: 127.0.0.1, interface: lo}\n"
        "  - {name: far, source: 192.0.2.199}\n  - {name: nodev, interface: vpnprobe-nodev0}\n"
        "targets: [{name: t, host: 127.0.0.1}]\nprobes: [{type: sstp}]\n");
    ASSERT_EQ(p.size(), 2u) << joined(p);
    EXPECT_EQ(p[0].mark.line, 3);
    EXPECT_THAT(p[0].message,
                HasSubstr("source 192.0.2.199 is not an address of this machine's own network namespace"));
    EXPECT_THAT(p[0].message, HasSubstr("Cannot assign requested address"));
    EXPECT_EQ(p[1].mark.line, 4);
    EXPECT_THAT(p[1].message, HasSubstr("interface vpnprobe-nodev0"));
    EXPECT_THAT(p[1].message, HasSubstr("No such device"));
}

// An address or interface this machine has is not enough: it must be there inside the vantage point's
// namespace, where the probe's socket will be.
TEST(Preflight, SourceAndInterfaceAreCheckedInsideTheVantageNamespace) {
    ChildNamespace ns;
    if (!ns.works()) GTEST_SKIP() << "cannot make a network namespace here (needs CAP_SYS_ADMIN)";
    vpnprobe::probes::VantagePoint loopback;
    loopback.source = "127.0.0.1";
    loopback.netns = ns.path();
    EXPECT_FALSE(vpnprobe::probes::vantage_problem(loopback)) << "127.0.0.1 is the fresh namespace's too";
    // An IPv4 address of this machine that the fresh namespace does not have.
    std::string address;
    if (ifaddrs* all = nullptr; ::getifaddrs(&all) == 0) {
        for (auto* a = all; a; a = a->ifa_next)
            if (a->ifa_addr && a->ifa_addr->sa_family == AF_INET && std::string(a->ifa_name) != "lo" &&
                address.empty()) {
                char text[INET_ADDRSTRLEN];
                ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, text, sizeof text);
                address = text;
            }
        ::freeifaddrs(all);
    }
    if (!address.empty()) {
        vpnprobe::probes::VantagePoint here;
        here.source = address;
        EXPECT_FALSE(vpnprobe::probes::vantage_problem(here)) << address << " is ours in our own namespace";
        vpnprobe::probes::VantagePoint there = here;
        there.netns = ns.path();
        auto problem = vpnprobe::probes::vantage_problem(there);
        ASSERT_TRUE(problem) << address << " bound inside the fresh namespace";
        EXPECT_THAT(*problem, HasSubstr("source " + address + " is not an address of network namespace " + ns.path()));
    }
    // An interface of this machine that the fresh namespace does not have.
    std::string ours;
    if (auto* names = ::if_nameindex()) {
        for (auto* n = names; n->if_index; ++n)
            if (std::string(n->if_name) != "lo" && ours.empty()) ours = n->if_name;
        ::if_freenameindex(names);
    }
    if (!ours.empty()) {
        vpnprobe::probes::VantagePoint dev;
        dev.netns = ns.path();
        dev.interface = ours;
        auto p = vpnprobe::probes::vantage_problem(dev);
        ASSERT_TRUE(p) << ours << " exists in the fresh namespace?";
        EXPECT_THAT(*p, HasSubstr("interface " + ours));
        dev.netns.clear();
        EXPECT_FALSE(vpnprobe::probes::vantage_problem(dev)) << ours << " is ours here";
    }
}

TEST(Preflight, CaFilesMustBeReadablePemCertificates) {
    const auto& good = vpnprobe::testsupport::TestCertificate::get().pem_file();
    auto not_pem = write("not.pem", "hello\n");
    auto dir = temp_path("cadir");
    std::filesystem::create_directories(dir);
    auto p = problems_of(
        "vantage_points: [{name: lo, source: 127.0.0.1}]\ntargets:\n"
        "  - {name: good, host: 127.0.0.1, ca: " +
        good +
        "}\n"
        "  - {name: missing, host: 127.0.0.1, ca: /nonexistent/ca.pem}\n"
        "  - {name: dir, host: 127.0.0.1, ca: " +
        dir +
        "}\n"
        "  - {name: text, host: 127.0.0.1, ca: " +
        not_pem +
        "}\n"
        "probes: [{type: sstp}]\n");
    ASSERT_EQ(p.size(), 3u) << joined(p);
    EXPECT_EQ(p[0].mark.line, 4);
    EXPECT_THAT(p[0].message, HasSubstr("No such file or directory"));
    EXPECT_THAT(p[1].message, HasSubstr("Is a directory"));
    EXPECT_THAT(p[2].message, HasSubstr("PEM"));
    std::filesystem::remove(not_pem);
    std::filesystem::remove(dir);
}

}  // namespace

namespace {

// A password file or variable that cannot give a password is refused at its key, with the reason, before
// anything runs; the password itself is read and dropped (a run reads it again), and never quoted.
TEST(Preflight, PasswordFilesMustBeReadableAndPasswordVariablesSet) {
    const std::string secret = "Preflight-Sekrit-1";
    auto good = write("pw-good", secret + "\n");
    auto empty = write("pw-empty", "\nsecond line\n");
    auto dir = temp_path("pwdir");
    std::filesystem::create_directories(dir);
    ::setenv("VPNPROBE_TEST_PW_SET", secret.c_str(), 1);
    ::unsetenv("VPNPROBE_TEST_PW_UNSET");
    ::setenv("VPNPROBE_TEST_PW_EMPTY", "", 1);
    auto p = problems_of(
        "vantage_points: [{name: lo, source: 127.0.0.1}]\ntargets:\n"
        "  - {name: good, host: 127.0.0.1, credentials: {user: u, password_file: " +
        good +
        "}}\n"
        "  - {name: missing, host: 127.0.0.1, credentials: {user: u, password_file: /nonexistent/pw}}\n"
        "  - {name: dir, host: 127.0.0.1, credentials: {user: u, password_file: " +
        dir +
        "}}\n"
        "  - {name: empty, host: 127.0.0.1, credentials: {user: u, password_file: " +
        empty +
        "}}\n"
        "  - {name: env, host: 127.0.0.1, credentials: {user: u, password_env: VPNPROBE_TEST_PW_SET}}\n"
        "probes:\n"
        "  - type: sstp\n"
        "  - name: unset\n    type: sstp\n    targets: [good]\n"
        "    credentials: {user: v, password_env: VPNPROBE_TEST_PW_UNSET}\n"
        "  - name: blank\n    type: sstp\n    targets: [good]\n"
        "    credentials: {user: w, password_env: VPNPROBE_TEST_PW_EMPTY}\n");
    ASSERT_EQ(p.size(), 5u) << joined(p);
    EXPECT_EQ(p[0].mark.line, 4);
    EXPECT_THAT(p[0].message, HasSubstr("target 'missing': credentials of u: password_file /nonexistent/pw cannot be "
                                        "read: No such file or directory"));
    EXPECT_EQ(p[1].mark.line, 5);
    EXPECT_THAT(p[1].message, HasSubstr("Is a directory"));
    EXPECT_THAT(p[2].message, HasSubstr("the first line is empty"));
    EXPECT_EQ(p[3].mark.line, 13);  // its password_env key
    EXPECT_THAT(p[3].message,
                HasSubstr("probe 'unset': credentials of v: password_env VPNPROBE_TEST_PW_UNSET is not set"));
    EXPECT_THAT(p[4].message, HasSubstr("password_env VPNPROBE_TEST_PW_EMPTY is empty"));
    EXPECT_THAT(joined(p), testing::Not(HasSubstr(secret)));
    ::unsetenv("VPNPROBE_TEST_PW_SET");
    ::unsetenv("VPNPROBE_TEST_PW_EMPTY");
    std::filesystem::remove(good);
    std::filesystem::remove(empty);
    std::filesystem::remove(dir);
}

// An IKEv2 probe's credentials are checked the same way (the same preflight, whatever kind logs in).
TEST(Preflight, AnIkev2ProbesPasswordSourceIsCheckedToo) {
    ::unsetenv("VPNPROBE_TEST_IKE_PW_UNSET");
    auto p = problems_of(
        "vantage_points: [{name: lo, source: 127.0.0.1}]\ntargets:\n"
        "  - {name: t, host: 127.0.0.1}\n"
        "probes:\n"
        "  - name: ike\n    type: ikev2\n"
        "    credentials: {user: u, password_file: /nonexistent/ike-pw}\n"
        "  - name: ike-env\n    type: ikev2\n"
        "    credentials: {user: v, password_env: VPNPROBE_TEST_IKE_PW_UNSET}\n");
    ASSERT_EQ(p.size(), 2u) << joined(p);
    EXPECT_THAT(p[0].message, HasSubstr("probe 'ike': credentials of u: password_file /nonexistent/ike-pw cannot be "
                                        "read: No such file or directory"));
    EXPECT_THAT(p[1].message,
                HasSubstr("probe 'ike-env': credentials of v: password_env VPNPROBE_TEST_IKE_PW_UNSET is not set"));
}

}  // namespace

namespace {

// The password file's first line, without its line end, and no more of the file; what is wrong said without a
// word of the content.
TEST(PasswordSource, TheFirstLineOnlyAndReasonsWithoutTheContent) {
    using vpnprobe::probes::read_password_file;
    auto crlf = write("pw-crlf", "Sekrit-CRLF\r\nsecond line\n");
    EXPECT_EQ(read_password_file(crlf), "Sekrit-CRLF");
    auto bare = write("pw-bare", "Sekrit-no-newline");
    EXPECT_EQ(read_password_file(bare), "Sekrit-no-newline");
    auto spaces = write("pw-spaces", " two words \n");
    EXPECT_EQ(read_password_file(spaces), " two words ") << "a password may start or end with a space";
    auto huge = write("pw-huge", std::string(5000, 'S') + "\n");
    try {
        (void)read_password_file(huge);
        ADD_FAILURE() << "a 5000-byte first line was taken";
    } catch (const std::runtime_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("longer than 1024 bytes"));
        EXPECT_THAT(e.what(), testing::Not(HasSubstr("SSSS")));
    }
    auto exactly = write("pw-1024", std::string(1024, 'x') + "\r\n");
    EXPECT_EQ(read_password_file(exactly).size(), 1024u);
    EXPECT_THROW((void)read_password_file("/nonexistent/pw"), std::runtime_error);
    EXPECT_THAT(vpnprobe::probes::password_file_problem(temp_path("none")).value_or(""),
                HasSubstr("cannot be read: No such file or directory"));
    EXPECT_FALSE(vpnprobe::probes::password_file_problem(crlf));
    EXPECT_TRUE(vpnprobe::probes::is_environment_name("VPN_PW_2"));
    EXPECT_FALSE(vpnprobe::probes::is_environment_name("2PW"));
    EXPECT_FALSE(vpnprobe::probes::is_environment_name("pw!"));
    EXPECT_FALSE(vpnprobe::probes::is_environment_name(""));
    for (const auto& f : {crlf, bare, spaces, huge, exactly}) std::filesystem::remove(f);
}

}  // namespace
