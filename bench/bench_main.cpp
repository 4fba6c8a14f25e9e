// vpnprobe's benchmark: prints figures, asserts nothing (tests check behaviour, this measures).
//   codecs      IKEv2 and SSTP decoding of real captures, per message
//   crypto      key exchange per DH group; SK seal/open per cipher
//   esp         ESP per packet (an ICMP echo of 84 bytes and a 1400-byte packet): seal, and seal + open through a
//               receiver with its replay window, per transform, in CPU time of the thread
//   esp-gcm N / esp-cbc N   N seal + open pairs only (AES-GCM-16-256 / AES-CBC-128 + HMAC-SHA2-256-128), for
//               callgrind's instruction count per packet (bench/esp_ir.sh)
//   concurrency N IKE_SA_INIT probes in flight at once on one io_context against a loopback responder
//               (127.0.0.1 only), wall time and peak memory: what the scenario runner's --parallel costs
//   sa-init     N SA_INIT-only probes one after another (preset modern, the run's shared key shares) against
//               the loopback responder: run under callgrind with N and N + 100 for the client's instructions
//               per exchange (bench/README.md, "IKEv2 client CPU per exchange"); sa-init-cookie: each probe is
//               first answered with a COOKIE (two round trips, as strongSwan under its cookie threshold)
// usage: vpnprobe_bench [codecs|crypto|esp|esp-gcm|esp-cbc|concurrency|sa-init|sa-init-cookie|all] [N ...]   (default: all, N = 100 1000 4000)
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "probes/ikev2/ikev2_probe.hpp"
#include "probes/ikev2/key_share_cache.hpp"
#include "protocol/esp/esp_sa.hpp"
#include "protocol/ikev2/ikev2_child_sa.hpp"
#include "protocol/ikev2/ikev2_crypto_dh.hpp"
#include "protocol/ikev2/ikev2_keys.hpp"
#include "protocol/ikev2/ikev2_message.hpp"
#include "protocol/ip/ipv4_icmp.hpp"
#include "protocol/sstp/sstp.hpp"

// sstp-login, sstp-handshake, sstp-full: the SSTP probe against the lab's SoftEther
#include "probes/sstp/sstp_probe.hpp"
#include "probes/trust_source.hpp"

namespace {

namespace asio = boost::asio;
namespace ike = vpnprobe::protocol::ikev2;
using vpnprobe::protocol::Bytes;
using clock_type = std::chrono::steady_clock;

Bytes read_file(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

double seconds_since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

// Runs f repeatedly for about `budget` seconds; returns seconds per call.
double per_call(const std::function<void()>& f, double budget = 0.5) {
    f();  // warm-up
    long n = 0;
    auto start = clock_type::now();
    double elapsed = 0;
    do {
        for (int i = 0; i < 16; ++i) f();
        n += 16;
        elapsed = seconds_since(start);
    } while (elapsed < budget);
    return elapsed / static_cast<double>(n);
}

// As per_call, in CPU seconds of this thread (CLOCK_THREAD_CPUTIME_ID): on a machine shared with other work the
// wall clock counts their time too.
double cpu_per_call(const std::function<void()>& f, double budget = 0.3) {
    auto cpu_now = [] {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
    };
    f();  // warm-up
    long n = 0;
    const double start = cpu_now();
    double elapsed = 0;
    do {
        for (int i = 0; i < 64; ++i) f();
        n += 64;
        elapsed = cpu_now() - start;
    } while (elapsed < budget);
    return elapsed / static_cast<double>(n);
}

long peak_rss_kib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

void codecs() {
    std::printf("codecs (per message, real captures)\n");
    for (const char* name : {"strongswan-sa-init-response.bin", "strongswan-ike-auth-response-skf1.bin",
                             "libreswan-sa-init-response.bin"}) {
        Bytes b = read_file(std::string(VPNPROBE_TEST_DATA) + "/ikev2/" + name);
        double t = per_call([&] { (void)ike::decode_message(b); });
        std::printf("  IKEv2 decode %-40s %5zu bytes  %8.0f ns  %6.0f MB/s\n", name, b.size(), t * 1e9,
                    static_cast<double>(b.size()) / t / 1e6);
    }
    Bytes cap = read_file(std::string(VPNPROBE_TEST_DATA) + "/softether-http200-connect-ack.bin");
    const std::string end = "\r\n\r\n";
    auto at = std::search(cap.begin(), cap.end(), end.begin(), end.end());
    Bytes sstp(at + 4, cap.end());
    double t = per_call([&] { (void)vpnprobe::protocol::decode_sstp_packet(sstp); });
    std::printf("  SSTP decode CALL_CONNECT_ACK                          %5zu bytes  %8.0f ns\n", sstp.size(), t * 1e9);
}

void crypto() {
    std::printf("crypto (OpenSSL 3 EVP)\n");
    struct Group {
        std::uint16_t id;
        const char* name;
    };
    for (Group g : {Group{2, "modp1024"}, Group{14, "modp2048"}, Group{16, "modp4096"}, Group{19, "ecp256"},
                    Group{20, "ecp384"}, Group{21, "ecp521"}, Group{31, "curve25519"}}) {
        ike::KeyExchange peer(g.id);
        double t = per_call(
            [&] {
                ike::KeyExchange k(g.id);
                (void)k.compute_shared(peer.public_value());
            },
            0.4);
        std::printf("  DH group %2u %-10s  key pair + shared secret  %8.3f ms\n", g.id, g.name, t * 1e3);
    }
    Bytes ni(32, 1), nr(32, 2), shared(48, 3), spi(8, 4);
    struct Cipher {
        const char* name;
        std::uint16_t encr, bits, integ;
    };
    for (Cipher c :
         {Cipher{"AES-GCM-16-256", ike::encr_alg::aes_gcm_16, 256, ike::integ_alg::none},
          Cipher{"AES-CBC-256 + HMAC-SHA2-256-128", ike::encr_alg::aes_cbc, 256, ike::integ_alg::hmac_sha2_256_128},
          Cipher{"3DES + HMAC-SHA1-96", ike::encr_alg::triple_des, 0, ike::integ_alg::hmac_sha1_96}}) {
        auto keys =
            ike::derive_ike_sa_keys(ike::prf_alg::hmac_sha2_256, c.encr, c.bits, c.integ, ni, nr, shared, spi, spi);
        auto cipher = ike::initiator_sk_cipher(keys);
        Bytes prefix(32, 0), plain(1200, 0x42);
        Bytes sealed = cipher.seal(prefix, plain);
        double ts = per_call([&] { (void)cipher.seal(prefix, plain); });
        double to = per_call([&] { (void)cipher.open(prefix, sealed); });
        std::printf("  %-32s 1200 B: seal %6.2f us (%5.0f MB/s), open %6.2f us\n", c.name, ts * 1e6, 1200 / ts / 1e6,
                    to * 1e6);
    }
}

void esp_packets() {
    namespace esp = vpnprobe::protocol::esp;
    std::printf("esp (CPU per packet, tunnel mode, OpenSSL 3 EVP)\n");
    struct Transform {
        const char* name;
        ike::EspTransform t;
    };
    const Bytes echo =
        vpnprobe::protocol::encode_ipv4_echo_request({10, 0, 0, 2}, {10, 0, 0, 1}, 1, 1, Bytes(56, 0x61));
    Bytes grown = echo;
    grown.resize(1400, 0x62);
    const Bytes big = grown;  // the header says 84 bytes: ESP carries it all the same
    for (Transform c :
         {Transform{"AES-GCM-16-128", {ike::encr_alg::aes_gcm_16, 128, ike::integ_alg::none}},
          Transform{"AES-GCM-16-256", {ike::encr_alg::aes_gcm_16, 256, ike::integ_alg::none}},
          Transform{"AES-CBC-128 + HMAC-SHA2-256-128",
                    {ike::encr_alg::aes_cbc, 128, ike::integ_alg::hmac_sha2_256_128}},
          Transform{"AES-CBC-256 + HMAC-SHA1-96", {ike::encr_alg::aes_cbc, 256, ike::integ_alg::hmac_sha1_96}}}) {
        const auto keys =
            ike::derive_child_sa_keys(ike::prf_alg::hmac_sha2_256, Bytes(32, 1), c.t, Bytes(32, 2), Bytes(32, 3));
        const auto cipher = esp::initiator_to_responder_cipher(keys);
        // A counter, not OpenSSL's DRBG: the figure is ESP's cost, not the random source's.
        std::uint64_t counter = 0;
        const esp::RandomSource random = [&](std::span<std::uint8_t> out) {
            for (auto& b : out) b = static_cast<std::uint8_t>(++counter);
        };
        for (const Bytes* inner : {&echo, &big}) {
            esp::EspSender sender(0x1001, cipher, random);
            esp::EspReceiver receiver(0x1001, cipher, 1024);
            const double seal = cpu_per_call([&] { (void)sender.seal_ip(*inner); });
            const double both = cpu_per_call([&] {
                if (!receiver.open(sender.seal_ip(*inner))) std::abort();
            });
            std::printf("  %-32s %4zu B inner: seal %6.2f us, seal + open %6.2f us\n", c.name, inner->size(),
                        seal * 1e6, both * 1e6);
        }
    }
}

// N seal + open pairs of the 84-byte echo, nothing else: run under callgrind with N and 2N for the instructions per
// packet, which the machine's load does not change (bench/esp_ir.sh).
void esp_fixed(const std::string& transform, int n) {
    namespace esp = vpnprobe::protocol::esp;
    const ike::EspTransform t = transform == "gcm"
                                    ? ike::EspTransform{ike::encr_alg::aes_gcm_16, 256, ike::integ_alg::none}
                                    : ike::EspTransform{ike::encr_alg::aes_cbc, 128, ike::integ_alg::hmac_sha2_256_128};
    const auto keys =
        ike::derive_child_sa_keys(ike::prf_alg::hmac_sha2_256, Bytes(32, 1), t, Bytes(32, 2), Bytes(32, 3));
    const auto cipher = esp::initiator_to_responder_cipher(keys);
    std::uint64_t counter = 0;
    esp::EspSender sender(0x1001, cipher, [&](std::span<std::uint8_t> out) {
        for (auto& b : out) b = static_cast<std::uint8_t>(++counter);
    });
    esp::EspReceiver receiver(0x1001, cipher, 1024);
    const Bytes echo =
        vpnprobe::protocol::encode_ipv4_echo_request({10, 0, 0, 2}, {10, 0, 0, 1}, 1, 1, Bytes(56, 0x61));
    for (int i = 0; i < n; ++i)
        if (!receiver.open(sender.seal_ip(echo))) std::abort();
    std::printf("esp-fixed %s: %d packets sealed and opened\n", transform.c_str(), n);
}

// A loopback responder that answers every IKE_SA_INIT with NO_PROPOSAL_CHOSEN: the cheapest real exchange,
// so the figure is the probe's own cost (socket, key pair, encode, decode, timers), not a server's.
// With `cookie`, a request without a COOKIE is first answered with one (RFC 7296 2.6), as strongSwan answers
// most SA_INITs of a rate run past its cookie_threshold_ip: two requests and two answers per probe.
asio::awaitable<void> refuse_everything(asio::ip::udp::socket& s, bool cookie = false) {
    std::vector<std::uint8_t> buf(65536);
    for (;;) {
        asio::ip::udp::endpoint from;
        boost::system::error_code ec;
        std::size_t n =
            co_await s.async_receive_from(asio::buffer(buf), from, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        auto h = ike::decode_header(vpnprobe::protocol::ByteView(buf.data(), n));
        if (!h) continue;
        ike::Message m;
        m.header.spi_i = h->spi_i;
        m.header.exchange = ike::ExchangeType::ike_sa_init;
        m.header.flags = ike::flag_response;
        // A COOKIE comes first in a request that returns it (RFC 7296 2.6): the first payload a Notify whose type
        // (at 28 + 6) is COOKIE. Looked at in place, so the responder's own cost stays out of the client's figure.
        const bool ask_cookie = cookie && !(n >= 36 && buf[16] == static_cast<std::uint8_t>(ike::PayloadType::notify) &&
                                            (buf[34] << 8 | buf[35]) == ike::notify::cookie);
        if (ask_cookie) m.payloads.push_back(ike::NotifyPayload{0, {}, ike::notify::cookie, Bytes(16, 0xc0)});
        else m.payloads.push_back(ike::NotifyPayload{0, {}, ike::notify::no_proposal_chosen, {}});
        Bytes out = ike::encode_message(m);
        co_await s.async_send_to(asio::buffer(out), from, asio::redirect_error(asio::use_awaitable, ec));
    }
}

void concurrency(const std::vector<int>& sizes) {
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    std::printf("concurrency (IKE_SA_INIT probes in flight on one io_context, one thread; loopback responder)\n");
    for (int n : sizes) {
        asio::io_context io;
        asio::ip::udp::socket server(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        // Thousands of requests arrive at once: a default receive buffer (about 500 of them) would drop the
        // rest and the figure would measure retransmission backoff. SO_RCVBUFFORCE passes rmem_max as root.
        int bytes = 32 << 20;
        if (setsockopt(server.native_handle(), SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
            setsockopt(server.native_handle(), SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
        asio::co_spawn(io, refuse_everything(server), asio::detached);
        vpnprobe::probes::Ikev2Options o;
        o.host = "127.0.0.1";
        o.address = "127.0.0.1";
        o.port = server.local_endpoint().port();
        o.preset = "modern";
        o.sa_init_only = true;
        o.timeout_seconds = 30;
        int answered = 0, done = 0;
        auto start = clock_type::now();
        for (int i = 0; i < n; ++i)
            asio::co_spawn(
                io,
                [&, o]() -> asio::awaitable<void> {
                    auto r = co_await vpnprobe::probes::ikev2_probe(o);
                    answered += r.ike.error_notify == "NO_PROPOSAL_CHOSEN";
                    if (++done == n) server.close();
                },
                asio::detached);
        io.run();
        double wall = seconds_since(start);
        std::printf("  %5d probes: %6.2f s wall, %7.0f probes/s, %5d answered, peak RSS %6.1f MiB\n", n, wall, n / wall,
                    answered, static_cast<double>(peak_rss_kib()) / 1024.0);
    }
}

// N SA_INIT-only probes in sequence, as `vpnprobe run --count N` makes them (one key share per group for the
// run), each refused at once by the loopback responder: the client's own work per exchange.
void sa_init_sequence(const std::vector<int>& sizes, bool cookie) {
    for (int n : sizes) {
        asio::io_context io;
        asio::ip::udp::socket server(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        asio::co_spawn(io, refuse_everything(server, cookie), asio::detached);
        vpnprobe::probes::Ikev2Options o;
        o.host = "127.0.0.1";
        o.address = "127.0.0.1";
        o.port = server.local_endpoint().port();
        o.preset = "modern";
        o.sa_init_only = true;
        o.timeout_seconds = 30;
        o.key_shares = std::make_shared<vpnprobe::probes::KeyShareCache>();
        int answered = 0;
        auto start = clock_type::now();
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                for (int i = 0; i < n; ++i) {
                    auto r = co_await vpnprobe::probes::ikev2_probe(o);
                    answered += r.ike.error_notify == "NO_PROPOSAL_CHOSEN";
                }
                server.close();
            },
            asio::detached);
        io.run();
        double wall = seconds_since(start);
        std::printf("sa-init%s: %d SA_INIT-only probes in sequence, %d answered, %.3f ms wall per probe\n",
                    cookie ? "-cookie" : "", n, answered, wall * 1e3 / n);
    }
}

// ---- sstp-login: the credentialed SSTP probe against the lab's SoftEther ------------------------------------
// Not part of `all`; they need the lab (VPNPROBE_LAB_RUN=<lab run dir>, lab/sstp-lab.sh up):
//   sstp-login [N [ROUNDS [S_TIME_SECONDS]]]  (default 10 5 2) the credentialed SSTP probe, CPU and wall per probe,
//               beside the handshake-only probe and openssl s_time -new on the same path, in alternating rounds
//               (bench/README.md, "Credentialed SSTP probe: CPU per probe")
//   sstp-handshake N | sstp-full N  N probes of one kind in sequence, nothing else: for callgrind

// KEY=VALUE lines of a lab env file (read, never sourced).
std::map<std::string, std::string> env_file(const std::string& path) {
    std::map<std::string, std::string> env;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        auto eq = line.find('=');
        if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
        env[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return env;
}

double cpu_seconds(int who) {
    rusage u{};
    getrusage(who, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Sample {
    double cpu_ms = 0;  // per probe (or per s_time connection)
    double wall_ms = 0;
    int ok = 0, n = 0;
};

// n probes one after another on one io_context, in this process: CPU (user + sys of the process) and wall per probe.
Sample sstp_sequence(const vpnprobe::probes::SstpOptions& o, int n) {
    asio::io_context io;
    Sample s;
    s.n = n;
    const double cpu0 = cpu_seconds(RUSAGE_SELF);
    auto start = clock_type::now();
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            for (int i = 0; i < n; ++i) {
                auto r = co_await vpnprobe::probes::sstp_probe(o);
                vpnprobe::probes::diagnose_sstp(r, o);
                s.ok += r.success ? 1 : 0;
            }
        },
        asio::detached);
    io.run();
    s.wall_ms = seconds_since(start) * 1e3 / n;
    s.cpu_ms = (cpu_seconds(RUSAGE_SELF) - cpu0) * 1e3 / n;
    return s;
}

// One `openssl s_time -new` sample from inside the vantage namespace: its CPU (children's user + sys) and wall per
// connection. s_time prints "N connections in T.TTs; ..." for its -new pass.
Sample s_time(const std::string& netns, const std::string& addr, const std::string& ca, int seconds) {
    Sample s;
    std::string cmd = "ip netns exec " + netns + " openssl s_time -connect " + addr + ":443 -new -time " +
                      std::to_string(seconds) + " -CAfile " + ca + " -verify 4 2>/dev/null";
    const double cpu0 = cpu_seconds(RUSAGE_CHILDREN);
    auto start = clock_type::now();
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return s;
    char line[512];
    while (std::fgets(line, sizeof line, p)) {
        int conns = 0;
        double secs = 0;
        if (std::sscanf(line, "%d connections in %lfs", &conns, &secs) == 2 && s.n == 0) s.n = conns;
    }
    ::pclose(p);
    const double wall = seconds_since(start);
    if (s.n > 0) {
        s.ok = s.n;
        s.cpu_ms = (cpu_seconds(RUSAGE_CHILDREN) - cpu0) * 1e3 / s.n;
        s.wall_ms = wall * 1e3 / s.n;
    }
    return s;
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// The lab's healthy SoftEther (rsa) as the probe options of both kinds: handshake-only (no credentials) and full
// (credentials, one ICMP echo to SecureNAT's virtual host). False when the lab's env or secrets are missing.
bool lab_sstp_options(vpnprobe::probes::SstpOptions& hs, vpnprobe::probes::SstpOptions& full,
                      std::map<std::string, std::string>& env) {
    const char* run = std::getenv("VPNPROBE_LAB_RUN");
    if (!run) {
        std::fprintf(stderr, "needs the lab: VPNPROBE_LAB_RUN=<lab run dir> (lab/sstp-lab.sh up)\n");
        return false;
    }
    env = env_file(std::string(run) + "/sstp-lab.env");
    auto secrets = env_file(env["SSTP_SECRETS"]);
    if (env["VANTAGE_CLEAN"].empty() || secrets["SSTP_PASSWORD"].empty()) {
        std::fprintf(stderr, "no lab env or secrets in %s\n", run);
        return false;
    }
    hs.host = env["SSTP_RSA_ADDR"];
    hs.tls.sni = env["SSTP_SNI"];
    hs.tls.ca_file = env["LAB_CA"];
    hs.tls.trust = vpnprobe::probes::TrustSource::load(hs.tls.ca_file);  // once, as `vpnprobe run` does
    hs.vantage.netns = env["VANTAGE_CLEAN"];
    hs.vantage.name = "clean";
    full = hs;
    full.credentials = vpnprobe::probes::SstpCredentials{secrets["SSTP_USER"] + "@" + secrets["SSTP_HUB"],
                                                         secrets["SSTP_PASSWORD"], false};
    full.ping = "192.168.30.1";  // SecureNAT's virtual host
    full.ping_count = 1;
    return true;
}

// N probes of one kind in sequence and nothing else: run under callgrind with N and N + 10 for the instructions of
// one probe (bench/README.md).
int sstp_login_sequence(bool full_login, const std::vector<int>& args) {
    vpnprobe::probes::SstpOptions hs, full;
    std::map<std::string, std::string> env;
    if (!lab_sstp_options(hs, full, env)) return 2;
    const int n = args.empty() ? 10 : args[0];
    auto s = sstp_sequence(full_login ? full : hs, n);
    std::printf("%s: %d probes in sequence, %d ok, %.2f ms CPU and %.1f ms wall per probe\n",
                full_login ? "sstp-full" : "sstp-handshake", n, s.ok, s.cpu_ms, s.wall_ms);
    return s.ok == n ? 0 : 1;
}

// Rounds of: N handshake-only probes (no credentials: TLS, SSTP, LCP, disconnect), N full probes (MS-CHAPv2,
// crypto binding, IPCP, one ICMP echo to SecureNAT's virtual host), one s_time sample; the three take turns so
// that a busy machine weighs on each alike. Medians and ratios at the end.
int sstp_login(const std::vector<int>& args) {
    vpnprobe::probes::SstpOptions hs, full;
    std::map<std::string, std::string> env;
    if (!lab_sstp_options(hs, full, env)) return 2;
    const int n = args.size() > 0 ? args[0] : 10;
    const int rounds = args.size() > 1 ? args[1] : 5;
    const int stime_seconds = args.size() > 2 ? args[2] : 2;
    std::printf("sstp-login: %s from %s, %d probes per sample, %d rounds, s_time -time %d\n", hs.host.c_str(),
                hs.vantage.netns.c_str(), n, rounds, stime_seconds);
    std::vector<double> hs_cpu, full_cpu, st_cpu, hs_wall, full_wall, st_wall;
    for (int round = 1; round <= rounds; ++round) {
        auto a = sstp_sequence(hs, n);
        auto b = sstp_sequence(full, n);
        auto c = s_time(hs.vantage.netns, hs.host, env["LAB_CA"], stime_seconds);
        std::printf(
            "  round %d: handshake-only %6.2f ms CPU %7.1f ms wall (%d/%d ok) | full %6.2f ms CPU %7.1f ms "
            "wall (%d/%d ok) | s_time %5.2f ms CPU %5.2f ms wall per connection (%d)\n",
            round, a.cpu_ms, a.wall_ms, a.ok, a.n, b.cpu_ms, b.wall_ms, b.ok, b.n, c.cpu_ms, c.wall_ms, c.n);
        // A sample with a failed probe measures something else: dropped, and said so.
        if (a.ok == a.n) {
            hs_cpu.push_back(a.cpu_ms);
            hs_wall.push_back(a.wall_ms);
        }
        if (b.ok == b.n) {
            full_cpu.push_back(b.cpu_ms);
            full_wall.push_back(b.wall_ms);
        }
        if (c.n > 0) {
            st_cpu.push_back(c.cpu_ms);
            st_wall.push_back(c.wall_ms);
        }
        if (a.ok != a.n || b.ok != b.n || c.n == 0) std::printf("    (a sample with a failure was dropped)\n");
    }
    const double h = median(hs_cpu), f = median(full_cpu), s = median(st_cpu);
    std::printf(
        "medians (CPU per probe / per s_time connection): handshake-only %.2f ms, full %.2f ms, s_time %.2f "
        "ms; wall %.1f / %.1f / %.2f ms\n",
        h, f, s, median(hs_wall), median(full_wall), median(st_wall));
    if (h > 0 && s > 0)
        std::printf("ratios: full / handshake-only %.2f; full / s_time %.2f; handshake-only / s_time %.2f\n", f / h,
                    f / s, h / s);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string what = argc > 1 ? argv[1] : "all";
    std::vector<int> sizes;
    for (int i = 2; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
    const bool esp_fixed_mode = what == "esp-gcm" || what == "esp-cbc";
    if (sizes.empty() && !esp_fixed_mode) sizes = {100, 1000, 4000};
    if (what == "codecs" || what == "all") codecs();
    if (what == "crypto" || what == "all") crypto();
    if (what == "esp" || what == "all") esp_packets();
    if (what == "esp-gcm" || what == "esp-cbc") esp_fixed(what.substr(4), sizes.empty() ? 1000 : sizes[0]);
    if (what == "concurrency" || what == "all") concurrency(sizes);
    if (what == "sa-init" || what == "sa-init-cookie") sa_init_sequence(sizes, what == "sa-init-cookie");
    if (what == "sstp-login" || what == "sstp-handshake" || what == "sstp-full") {
        std::vector<int> args;  // as given: the default sizes above are not theirs
        for (int i = 2; i < argc; ++i) args.push_back(std::atoi(argv[i]));
        return what == "sstp-login" ? sstp_login(args) : sstp_login_sequence(what == "sstp-full", args);
    }
    return 0;
}
