// The IKEv2 exchange steps without sockets: COOKIE, INVALID_KE_PAYLOAD and NAT-D handling of IKE_SA_INIT,
// and IKE_AUTH's answers, driven with messages built by the codec or taken from real captures
// (tests/data/ikev2). Random values come from a fixed source, so each request is reproducible. The NAT-D
// hashes the "server" sends are computed here with OpenSSL directly, not with the probe's code.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <fstream>
#include <iterator>
#include <set>

#include "probes/ikev2/eap_exchange.hpp"
#include "probes/ikev2/ike_auth_complete_exchange.hpp"
#include "probes/ikev2/ike_auth_exchange.hpp"
#include "probes/ikev2/informational_exchange.hpp"
#include "probes/ikev2/sa_init_exchange.hpp"
#include "protocol/auth/eap_mschapv2.hpp"
#include "protocol/ikev2/ikev2_crypto_auth.hpp"
#include "protocol/ikev2/ikev2_crypto_cipher.hpp"
#include "protocol/ikev2/ikev2_eap.hpp"
#include "protocol/ikev2/ikev2_registry.hpp"
#include "protocol/ikev2/ikev2_sk.hpp"

namespace {

using namespace vpnprobe::probes;
namespace ike = vpnprobe::protocol::ikev2;
using vpnprobe::protocol::Bytes;
namespace asio = boost::asio;

Bytes read_capture(const std::string& name) {
    std::ifstream in(std::string(VPNPROBE_TEST_DATA) + "/ikev2/" + name, std::ios::binary);
    EXPECT_TRUE(in) << "cannot open " << name;
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A fixed private key for every group (at most the field size; 56 bytes for curve448).
Bytes fixed_private_key(std::uint16_t group) { return Bytes(group == ike::dh_group::curve448 ? 56 : 32, 0x11); }

// Deterministic randomness: the first 8 bytes asked for (SPIi) are `spi_i`, every other byte 0x5a.
Ikev2Randomness fixed_randomness(std::uint64_t spi_i = 0x0102030405060708ull) {
    Ikev2Randomness r;
    auto first = std::make_shared<bool>(true);
    r.bytes = [first, spi_i](std::size_t n) {
        Bytes b(n, 0x5a);
        if (*first && n == 8) {
            for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(spi_i >> (56 - 8 * i));
            *first = false;
        }
        return b;
    };
    r.key_exchange = [](std::uint16_t group) {
        return KeyShare{std::make_shared<const ike::KeyExchange>(
                            ike::KeyExchange::from_private_key(group, fixed_private_key(group))),
                        false};
    };
    return r;
}

const asio::ip::udp::endpoint kLocal(asio::ip::make_address("10.0.0.2"), 500);
const asio::ip::udp::endpoint kServer(asio::ip::make_address("192.0.2.1"), 500);
constexpr std::uint64_t kSpiR = 0x1112131415161718ull;

Bytes be64(std::uint64_t v) {
    Bytes b;
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(v >> (56 - 8 * i)));
    return b;
}

// SHA-1(SPIi | SPIr | IPv4 | port), RFC 7296 2.23, computed independently of the probe.
Bytes nat_d(std::uint64_t spi_i, std::uint64_t spi_r, const asio::ip::udp::endpoint& ep) {
    Bytes in = be64(spi_i);
    Bytes r = be64(spi_r);
    in.insert(in.end(), r.begin(), r.end());
    auto a = ep.address().to_v4().to_bytes();
    in.insert(in.end(), a.begin(), a.end());
    in.push_back(static_cast<std::uint8_t>(ep.port() >> 8));
    in.push_back(static_cast<std::uint8_t>(ep.port()));
    Bytes out(20);
    unsigned n = 0;
    EVP_Digest(in.data(), in.size(), out.data(), &n, EVP_sha1(), nullptr);
    return out;
}

struct Harness {
    IkeSaState sa;
    Ikev2Facts facts;
    std::unique_ptr<SaInitExchange> step;

    explicit Harness(const std::string& offer, Ikev2Randomness random = fixed_randomness(), bool derive_keys = true) {
        sa.offer = vpnprobe::probes::make_sa_offer(ike::parse_proposals(offer));
        SaInitConfig c;
        c.local = kLocal;
        c.remote = kServer;
        c.derive_keys = derive_keys;
        step = std::make_unique<SaInitExchange>(c, sa, facts, std::move(random), Ikev2Log{});
    }

    ike::Message build() {
        std::vector<Bytes> datagrams;
        EXPECT_EQ(step->build(datagrams), StepStatus::need_more);
        EXPECT_EQ(datagrams.size(), 1u);
        auto m = ike::decode_message(datagrams.front());
        EXPECT_TRUE(m.ok());
        return m.ok() ? m.value() : ike::Message{};
    }

    // The server's answer, taken and processed.
    StepStatus answer(const Bytes& bytes) {
        EXPECT_TRUE(step->take(bytes)) << "not taken as the answer";
        return step->process();
    }
    StepStatus answer(ike::Message m) { return answer(ike::encode_message(m)); }
};

ike::Message response_header(std::uint64_t spi_i, std::uint64_t spi_r = 0) {
    ike::Message m;
    m.header.spi_i = spi_i;
    m.header.spi_r = spi_r;
    m.header.exchange = ike::ExchangeType::ike_sa_init;
    m.header.flags = ike::flag_response;
    m.header.message_id = 0;
    return m;
}

ike::Message notify_answer(std::uint64_t spi_i, std::uint16_t type, Bytes data) {
    auto m = response_header(spi_i);
    m.payloads.push_back(ike::NotifyPayload{0, {}, type, std::move(data)});
    return m;
}

// A complete answer to `request` accepting its first proposal, with the given NAT-D hashes.
struct ServerAnswer {
    ike::Message message;
    std::optional<ike::KeyExchange> kex;
};
ServerAnswer accepting_answer(const ike::Message& request, const asio::ip::udp::endpoint& server_as_sent,
                              const asio::ip::udp::endpoint& client_as_seen) {
    ServerAnswer a;
    a.message = response_header(request.header.spi_i, kSpiR);
    const auto* sa = request.find<ike::SaPayload>();
    const auto* ke = request.find<ike::KePayload>();
    // The proposal whose group the key share is for, as a server does after INVALID_KE_PAYLOAD.
    ike::Proposal chosen = sa->proposals.front();
    for (const auto& p : sa->proposals)
        if (const auto* t = p.first(ike::TransformType::ke); t && t->id == ke->group) {
            chosen = p;
            break;
        }
    a.kex.emplace(ike::KeyExchange::from_private_key(ke->group, Bytes(ke->group == 32 ? 56 : 32, 0x22)));
    a.message.payloads.push_back(ike::SaPayload{{chosen}});
    a.message.payloads.push_back(ike::KePayload{ke->group, a.kex->public_value()});
    a.message.payloads.push_back(ike::NoncePayload{Bytes(32, 0x33)});
    a.message.payloads.push_back(ike::NotifyPayload{
        0, {}, ike::notify::nat_detection_source_ip, nat_d(request.header.spi_i, kSpiR, server_as_sent)});
    a.message.payloads.push_back(ike::NotifyPayload{
        0, {}, ike::notify::nat_detection_destination_ip, nat_d(request.header.spi_i, kSpiR, client_as_seen)});
    a.message.payloads.push_back(ike::NotifyPayload{0, {}, ike::notify::ikev2_fragmentation_supported, {}});
    return a;
}

// ---- COOKIE (RFC 7296 2.6) ----------------------------------------------------------------------------------

// system_randomness() hands out bytes from a per-thread block refilled by one RAND_bytes: across several
// refills every request gets bytes of its own (no block handed out twice, no zeroed bytes), and a request
// larger than half a block comes from OpenSSL directly.
TEST(Ikev2Randomness, SystemBytesAreNeverHandedOutTwice) {
    Ikev2Randomness r = system_randomness();
    std::set<Bytes> seen;
    for (int i = 0; i < 200; ++i) {  // 200 x (8 + 32) bytes: about 16 blocks of 512
        Bytes spi = r.bytes(8), nonce = r.bytes(32);
        ASSERT_EQ(spi.size(), 8u);
        ASSERT_EQ(nonce.size(), 32u);
        EXPECT_TRUE(seen.insert(nonce).second) << "nonce " << i << " repeated";
        EXPECT_NE(nonce, Bytes(32, 0)) << "nonce " << i << " is zero";
    }
    Bytes big = r.bytes(1000);
    ASSERT_EQ(big.size(), 1000u);
    EXPECT_NE(big, Bytes(1000, 0));
    EXPECT_TRUE(r.bytes(0).empty());
}

TEST(Ikev2SaInitStep, CookieIsSentFirstInTheRebuiltRequest) {
    Harness h("aes256-sha256-modp2048");
    auto first = h.build();
    ASSERT_EQ(h.answer(notify_answer(first.header.spi_i, ike::notify::cookie, Bytes(16, 0xc0))), StepStatus::need_more);
    EXPECT_EQ(h.facts.cookie_rounds, 1);
    auto second = h.build();
    ASSERT_FALSE(second.payloads.empty());
    const auto* n = second.payloads.front().get<ike::NotifyPayload>();
    ASSERT_NE(n, nullptr) << "the first payload is the COOKIE notify";
    EXPECT_EQ(n->type, ike::notify::cookie);
    EXPECT_EQ(n->data, Bytes(16, 0xc0));
    EXPECT_EQ(second.header.spi_i, first.header.spi_i) << "same IKE SA";
    EXPECT_EQ(second.find<ike::NoncePayload>()->nonce, first.find<ike::NoncePayload>()->nonce)
        << "RFC 7296 2.6: the same Ni";
    EXPECT_EQ(second.payloads.size(), first.payloads.size() + 1) << "everything else is resent";
    EXPECT_EQ(first.find_notify(ike::notify::cookie), nullptr);
}

// Fresh key pairs on every call, counted: whether a rebuilt request made a new one is then visible.
Ikev2Randomness counting_randomness(std::shared_ptr<int> made, bool reused = false) {
    Ikev2Randomness r = fixed_randomness();
    r.key_exchange = [made, reused](std::uint16_t group) {
        ++*made;
        return KeyShare{std::make_shared<const ike::KeyExchange>(group), reused};
    };
    return r;
}

TEST(Ikev2SaInitStep, CookieRetryResendsTheSameKeyShare) {
    auto made = std::make_shared<int>(0);
    Harness h("aes256-sha256-modp2048", counting_randomness(made));
    auto first = h.build();
    ASSERT_EQ(h.answer(notify_answer(first.header.spi_i, ike::notify::cookie, Bytes(16, 0xc0))), StepStatus::need_more);
    auto second = h.build();
    // RFC 7296 2.6: "all other payloads unchanged", the KE payload too.
    EXPECT_EQ(second.find<ike::KePayload>()->data, first.find<ike::KePayload>()->data);
    EXPECT_EQ(*made, 1);
    auto a = accepting_answer(second, kServer, kLocal);
    ASSERT_EQ(h.answer(a.message), StepStatus::done) << h.step->failure().error;
    EXPECT_TRUE(h.sa.keys.has_value());
}

TEST(Ikev2SaInitStep, CookieLoopFailsWithItsReason) {
    Harness h("aes256-sha256-modp2048");
    StepStatus s = StepStatus::need_more;
    int rounds = 0;
    while (s == StepStatus::need_more && rounds < 10) {
        auto req = h.build();
        s = h.answer(
            notify_answer(req.header.spi_i, ike::notify::cookie, Bytes(16, static_cast<std::uint8_t>(rounds))));
        ++rounds;
    }
    ASSERT_EQ(s, StepStatus::failed);
    EXPECT_EQ(rounds, SaInitExchange::kMaxCookieRounds + 1);
    EXPECT_EQ(h.step->failure().reason, FailureReason::ikev2_cookie_loop);
    EXPECT_FALSE(h.step->failure().local);
}

// ---- INVALID_KE_PAYLOAD (RFC 7296 1.2) ----------------------------------------------------------------------

Bytes group_data(std::uint16_t g) { return Bytes{static_cast<std::uint8_t>(g >> 8), static_cast<std::uint8_t>(g)}; }

TEST(Ikev2SaInitStep, InvalidKeForAnOfferedGroupRetriesWithThatGroup) {
    Harness h("aes256-sha256-modp2048,aes256-sha256-ecp256");
    auto first = h.build();
    EXPECT_EQ(first.find<ike::KePayload>()->group, ike::dh_group::modp2048);
    ASSERT_EQ(
        h.answer(notify_answer(first.header.spi_i, ike::notify::invalid_ke_payload, group_data(ike::dh_group::ecp256))),
        StepStatus::need_more);
    auto second = h.build();
    EXPECT_EQ(second.find<ike::KePayload>()->group, ike::dh_group::ecp256);
    EXPECT_EQ(h.facts.invalid_ke_groups, std::vector<std::uint16_t>{ike::dh_group::ecp256});
    // The retry is answered: the IKE SA is set up with the asked group.
    auto a = accepting_answer(second, kServer, kLocal);
    ASSERT_EQ(h.answer(a.message), StepStatus::done) << h.step->failure().error;
    EXPECT_EQ(h.facts.dh_group, ike::dh_group::ecp256);
}

TEST(Ikev2SaInitStep, InvalidKeTakesAKeyShareOfTheAskedGroup) {
    auto made = std::make_shared<int>(0);
    Harness h("aes256-sha256-modp2048,aes256-sha256-ecp256", counting_randomness(made));
    auto first = h.build();
    ASSERT_EQ(
        h.answer(notify_answer(first.header.spi_i, ike::notify::invalid_ke_payload, group_data(ike::dh_group::ecp256))),
        StepStatus::need_more);
    auto second = h.build();
    EXPECT_EQ(*made, 2);
    EXPECT_EQ(second.find<ike::KePayload>()->data.size(), 64u) << "an ECP-256 public value";
}

TEST(Ikev2SaInitStep, InvalidKeForAGroupNotOfferedFailsWithItsReason) {
    Harness h("aes256-sha256-modp2048");
    auto first = h.build();
    ASSERT_EQ(
        h.answer(notify_answer(first.header.spi_i, ike::notify::invalid_ke_payload, group_data(ike::dh_group::ecp384))),
        StepStatus::failed);
    EXPECT_EQ(h.step->failure().reason, FailureReason::ikev2_invalid_ke);
    EXPECT_NE(h.step->failure().error.find("which we did not offer"), std::string::npos) << h.step->failure().error;
    EXPECT_EQ(h.facts.error_notify, "INVALID_KE_PAYLOAD");
}

// Followed at most kMaxInvalidKeRounds times (README: "at most twice"); the next one is a failure.
TEST(Ikev2SaInitStep, InvalidKeBeyondTheAllowedRoundsFailsWithItsReason) {
    Harness h("aes256-sha256-modp2048,aes256-sha256-ecp256,aes256-sha256-ecp384");
    const std::uint16_t asked[] = {ike::dh_group::ecp256, ike::dh_group::ecp384, ike::dh_group::modp2048};
    for (std::size_t i = 0; i < 3; ++i) {
        auto req = h.build();
        if (i > 0) {
            EXPECT_EQ(req.find<ike::KePayload>()->group, asked[i - 1]) << "retried with the asked group";
        }
        auto s = h.answer(notify_answer(req.header.spi_i, ike::notify::invalid_ke_payload, group_data(asked[i])));
        if (i < SaInitExchange::kMaxInvalidKeRounds) {
            ASSERT_EQ(s, StepStatus::need_more) << i;
        } else {
            ASSERT_EQ(s, StepStatus::failed) << i;
            EXPECT_EQ(h.step->failure().reason, FailureReason::ikev2_invalid_ke);
            EXPECT_NE(h.step->failure().error.find("again"), std::string::npos) << h.step->failure().error;
        }
    }
    EXPECT_EQ(h.facts.invalid_ke_groups.size(), 3u);
}

TEST(Ikev2SaInitStep, MalformedInvalidKeIsMalformed) {
    Harness h("aes256-sha256-modp2048");
    auto first = h.build();
    ASSERT_EQ(h.answer(notify_answer(first.header.spi_i, ike::notify::invalid_ke_payload, Bytes{0x01})),
              StepStatus::failed);
    EXPECT_EQ(h.step->failure().reason, FailureReason::malformed);
}

// libreswan's real INVALID_KE_PAYLOAD answer, with our SPIi made the capture's by the random source.
TEST(Ikev2SaInitStep, LibreswanInvalidKeCapture) {
    Bytes capture = read_capture("libreswan-invalid-ke.bin");
    auto decoded = ike::decode_message(capture);
    ASSERT_TRUE(decoded.ok());
    const auto* n = decoded->find_notify(ike::notify::invalid_ke_payload);
    ASSERT_NE(n, nullptr);
    ASSERT_EQ(*ike::invalid_ke_group(*n), ike::dh_group::modp2048) << "the capture asks for MODP 2048";
    {
        // Offered (as the second group): retried with it.
        Harness h("aes256-sha256-ecp256,aes256-sha256-modp2048", fixed_randomness(decoded->header.spi_i));
        EXPECT_EQ(h.build().find<ike::KePayload>()->group, ike::dh_group::ecp256);
        ASSERT_EQ(h.answer(capture), StepStatus::need_more) << h.step->failure().error;
        EXPECT_EQ(h.build().find<ike::KePayload>()->group, ike::dh_group::modp2048);
    }
    {
        // Not offered: failed.
        Harness h("aes256-sha256-ecp256", fixed_randomness(decoded->header.spi_i));
        h.build();
        ASSERT_EQ(h.answer(capture), StepStatus::failed);
        EXPECT_EQ(h.step->failure().reason, FailureReason::ikev2_invalid_ke);
    }
}

TEST(Ikev2SaInitStep, LibreswanNoProposalChosenCapture) {
    Bytes capture = read_capture("libreswan-no-proposal-chosen.bin");
    auto decoded = ike::decode_message(capture);
    ASSERT_TRUE(decoded.ok());
    Harness h("aes256-sha256-modp2048", fixed_randomness(decoded->header.spi_i));
    h.build();
    ASSERT_EQ(h.answer(capture), StepStatus::failed);
    EXPECT_EQ(h.step->failure().reason, FailureReason::ikev2_no_proposal_chosen);
    EXPECT_EQ(h.facts.error_notify, "NO_PROPOSAL_CHOSEN");
}

TEST(Ikev2SaInitStep, AnswersForAnotherSpiAreNotTaken) {
    Harness h("aes256-sha256-modp2048");
    auto first = h.build();
    EXPECT_FALSE(h.step->take(ike::encode_message(notify_answer(first.header.spi_i + 1, ike::notify::cookie, {1}))));
    EXPECT_FALSE(h.step->take(Bytes{1, 2, 3}));
    EXPECT_NE(h.step->no_answer_detail().find("undecodable"), std::string::npos);
}

// ---- NAT-D (RFC 7296 2.23) ----------------------------------------------------------------------------------

TEST(Ikev2SaInitStep, NatDetectionHashesThatMatchMeanNoNat) {
    Harness h("aes256-sha256-modp2048");
    auto req = h.build();
    auto a = accepting_answer(req, kServer, kLocal);
    ASSERT_EQ(h.answer(a.message), StepStatus::done) << h.step->failure().error;
    ASSERT_TRUE(h.facts.nat_detected.has_value());
    EXPECT_FALSE(*h.facts.nat_detected);
    EXPECT_FALSE(*h.facts.nat_source_mismatch);
    EXPECT_FALSE(*h.facts.nat_destination_mismatch);
    EXPECT_TRUE(h.sa.keys.has_value());
    EXPECT_EQ(h.sa.spi_r, kSpiR);
    EXPECT_TRUE(h.facts.fragmentation_offered);
    // Our own NAT-D hashes in the request are over SPIr 0 and our socket's addresses.
    EXPECT_EQ(req.find_notify(ike::notify::nat_detection_source_ip)->data, nat_d(req.header.spi_i, 0, kLocal));
    EXPECT_EQ(req.find_notify(ike::notify::nat_detection_destination_ip)->data, nat_d(req.header.spi_i, 0, kServer));
}

TEST(Ikev2SaInitStep, NatDetectionSourceMismatch) {
    Harness h("aes256-sha256-modp2048");
    auto req = h.build();
    // The server sent from an address we did not send to (it is behind a NAT).
    auto a = accepting_answer(req, asio::ip::udp::endpoint(asio::ip::make_address("10.9.9.9"), 500), kLocal);
    ASSERT_EQ(h.answer(a.message), StepStatus::done) << h.step->failure().error;
    EXPECT_TRUE(*h.facts.nat_detected);
    EXPECT_TRUE(*h.facts.nat_source_mismatch);
    EXPECT_FALSE(*h.facts.nat_destination_mismatch);
}

TEST(Ikev2SaInitStep, NatDetectionDestinationMismatch) {
    Harness h("aes256-sha256-modp2048");
    auto req = h.build();
    // The server saw us from another address and port (we are behind a NAT).
    auto a = accepting_answer(req, kServer, asio::ip::udp::endpoint(asio::ip::make_address("203.0.113.7"), 40500));
    ASSERT_EQ(h.answer(a.message), StepStatus::done) << h.step->failure().error;
    EXPECT_TRUE(*h.facts.nat_detected);
    EXPECT_FALSE(*h.facts.nat_source_mismatch);
    EXPECT_TRUE(*h.facts.nat_destination_mismatch);
}

TEST(Ikev2SaInitStep, WithoutNatDetectionNotifiesNothingIsConcluded) {
    Harness h("aes256-sha256-modp2048");
    auto req = h.build();
    auto a = accepting_answer(req, kServer, kLocal);
    std::erase_if(a.message.payloads, [](const ike::Payload& p) {
        const auto* n = p.get<ike::NotifyPayload>();
        return n && n->type == ike::notify::nat_detection_destination_ip;
    });
    ASSERT_EQ(h.answer(a.message), StepStatus::done);
    EXPECT_FALSE(h.facts.nat_detected.has_value());
}

// ---- the answer against the offer ---------------------------------------------------------------------------

TEST(Ikev2SaInitStep, AChoiceNotOfferedIsAnInvalidChoice) {
    Harness h("aes256-sha256-modp2048");
    auto req = h.build();
    auto a = accepting_answer(req, kServer, kLocal);
    auto& sa = std::get<ike::SaPayload>(a.message.payloads.front().body);
    sa.proposals.front() = ike::parse_proposal("aes128-sha256-modp2048");
    ASSERT_EQ(h.answer(a.message), StepStatus::failed);
    EXPECT_EQ(h.step->failure().reason, FailureReason::ikev2_invalid_choice);
}

TEST(Ikev2SaInitStep, AKeyShareForAnotherGroupIsAnInvalidChoice) {
    Harness h("aes256-sha256-modp2048");
    auto req = h.build();
    auto a = accepting_answer(req, kServer, kLocal);
    auto server_ke = ike::KeyExchange::from_private_key(ike::dh_group::ecp256, Bytes(32, 0x22));
    for (auto& p : a.message.payloads)
        if (auto* ke = std::get_if<ike::KePayload>(&p.body)) *ke = ike::KePayload{19, server_ke.public_value()};
    ASSERT_EQ(h.answer(a.message), StepStatus::failed);
    EXPECT_EQ(h.step->failure().reason, FailureReason::ikev2_invalid_choice);
}

// ---- a reused key share; SA_INIT-only without a shared secret ------------------------------------------------

TEST(Ikev2SaInitStep, AReusedKeyShareIsAFactAndStillSetsUpTheKeys) {
    auto made = std::make_shared<int>(0);
    Harness h("aes256-sha256-ecp256", counting_randomness(made, true));
    auto req = h.build();
    EXPECT_TRUE(h.facts.key_share_reused);
    auto a = accepting_answer(req, kServer, kLocal);
    ASSERT_EQ(h.answer(a.message), StepStatus::done) << h.step->failure().error;
    ASSERT_TRUE(h.sa.keys.has_value());
    Harness fresh("aes256-sha256-ecp256", counting_randomness(made, false));
    fresh.build();
    EXPECT_FALSE(fresh.facts.key_share_reused);
}

TEST(Ikev2SaInitStep, WithoutKeyDerivationTheAnswerIsTakenWithoutKeys) {
    Harness h("aes256-sha256-modp2048", fixed_randomness(), false);
    auto req = h.build();
    auto a = accepting_answer(req, kServer, kLocal);
    ASSERT_EQ(h.answer(a.message), StepStatus::done) << h.step->failure().error;
    EXPECT_FALSE(h.sa.keys.has_value()) << "no shared secret, no keys";
    EXPECT_EQ(h.facts.dh_group, ike::dh_group::modp2048);
    EXPECT_EQ(h.facts.chosen_proposal, "aes256-sha256-modp2048");
    EXPECT_EQ(h.sa.nr, Bytes(32, 0x33));
}

// A key share that cannot be right is the server's fault even when no secret is computed from it.
TEST(Ikev2SaInitStep, WithoutKeyDerivationAMalformedKeyShareIsStillRefused) {
    struct Case {
        std::string offer;
        std::function<void(Bytes&)> spoil;
        std::string says;
    };
    const std::vector<Case> cases = {
        {"aes256-sha256-modp2048", [](Bytes& d) { std::fill(d.begin(), d.end(), 0); }, "is 0"},
        {"aes256-sha256-modp2048", [](Bytes& d) { d.pop_back(); }, "must be 256 bytes"},
        {"aes256-sha256-modp2048", [](Bytes& d) { std::fill(d.begin(), d.end(), 0xff); }, "not below the prime"},
        {"aes256-sha256-ecp256", [](Bytes& d) { d.back() ^= 1; }, "not a point on the curve"},
        {"aes256-sha256-x25519", [](Bytes& d) { d.push_back(0); }, "must be 32 bytes"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.offer + ": " + c.says);
        Harness h(c.offer, fixed_randomness(), false);
        auto req = h.build();
        auto a = accepting_answer(req, kServer, kLocal);
        for (auto& p : a.message.payloads)
            if (auto* ke = std::get_if<ike::KePayload>(&p.body)) c.spoil(ke->data);
        ASSERT_EQ(h.answer(a.message), StepStatus::failed);
        EXPECT_EQ(h.step->failure().reason, FailureReason::ikev2_bad_key_exchange);
        EXPECT_THAT(h.step->failure().error, testing::HasSubstr("malformed"));
        EXPECT_THAT(h.step->failure().error, testing::HasSubstr(c.says));
        EXPECT_FALSE(h.step->failure().local);
    }
}

TEST(Ikev2SaInitStep, AnErrorNotifyIsAnErrorNotify) {
    Harness h("aes256-sha256-modp2048");
    auto req = h.build();
    ASSERT_EQ(h.answer(notify_answer(req.header.spi_i, ike::notify::authentication_failed, {})), StepStatus::failed);
    EXPECT_EQ(h.step->failure().reason, FailureReason::ikev2_error_notify);
}

TEST(Ikev2SaInitStep, TheSameRandomnessGivesTheSameRequest) {
    Harness a("aes256-sha256-modp2048");
    Harness b("aes256-sha256-modp2048");
    std::vector<Bytes> da, db;
    a.step->build(da);
    b.step->build(db);
    EXPECT_EQ(da, db);
    Harness c("aes256-sha256-modp2048", fixed_randomness(0x99));
    std::vector<Bytes> dc;
    c.step->build(dc);
    EXPECT_NE(da, dc);
}

// ---- IKE_AUTH -----------------------------------------------------------------------------------------------

struct AuthHarness {
    Harness init{"aes256-sha256-modp2048"};
    std::optional<ServerAnswer> server;
    std::unique_ptr<IkeAuthExchange> step;

    AuthHarness() {
        auto req = init.build();
        server = accepting_answer(req, kServer, kLocal);
        EXPECT_EQ(init.answer(server->message), StepStatus::done);
        IkeAuthConfig c;
        c.sa_init_port = 500;
        c.port = 4500;
        step = std::make_unique<IkeAuthExchange>(c, init.sa, init.facts, fixed_randomness(), Ikev2Log{});
    }

    // The responder's answer: the payloads sealed under the responder's keys (SK_er, SK_ar).
    Bytes sealed_answer(const std::vector<ike::Payload>& payloads) {
        auto cipher = ike::responder_sk_cipher(*init.sa.keys);
        auto inner = ike::encode_inner_payloads(payloads);
        ike::Message m;
        m.header.spi_i = init.sa.spi_i;
        m.header.spi_r = init.sa.spi_r;
        m.header.exchange = ike::ExchangeType::ike_auth;
        m.header.flags = ike::flag_response;
        m.header.message_id = 1;
        m.payloads.push_back(ike::SkPayload{inner.first_type, {}});
        Bytes out = ike::encode_unencrypted_prefix(m, cipher.sealed_size(inner.bytes.size()));
        Bytes sealed = cipher.seal(out, inner.bytes);
        out.insert(out.end(), sealed.begin(), sealed.end());
        return out;
    }
};

TEST(Ikev2IkeAuthStep, AuthenticationFailedIsItsReason) {
    AuthHarness h;
    std::vector<Bytes> request;
    ASSERT_EQ(h.step->build(request), StepStatus::need_more) << h.step->failure().error;
    ASSERT_EQ(request.size(), 1u);
    ASSERT_TRUE(h.step->take(h.sealed_answer({ike::NotifyPayload{0, {}, ike::notify::authentication_failed, {}}})));
    ASSERT_EQ(h.step->process(), StepStatus::failed);
    EXPECT_EQ(h.step->failure().reason, FailureReason::ikev2_authentication_failed);
    ASSERT_EQ(h.init.facts.ike_auth_notifies.size(), 1u);
    EXPECT_EQ(h.init.facts.ike_auth_notifies.front().name, "AUTHENTICATION_FAILED");
}

TEST(Ikev2IkeAuthStep, ForgedAnswersAreDroppedNotTaken) {
    AuthHarness h;
    std::vector<Bytes> request;
    ASSERT_EQ(h.step->build(request), StepStatus::need_more);
    Bytes answer = h.sealed_answer({ike::NotifyPayload{0, {}, ike::notify::authentication_failed, {}}});
    answer.back() ^= 1;  // the ICV no longer matches
    EXPECT_FALSE(h.step->take(answer));
    EXPECT_NE(h.step->no_answer_detail().find("integrity"), std::string::npos) << h.step->no_answer_detail();
}

TEST(Ikev2IkeAuthStep, InvalidIkeSpiIsItsReason) {
    AuthHarness h;
    std::vector<Bytes> request;
    ASSERT_EQ(h.step->build(request), StepStatus::need_more);
    ike::Message m;
    m.header.spi_i = h.init.sa.spi_i;
    m.header.exchange = ike::ExchangeType::informational;
    m.header.flags = 0;
    m.payloads.push_back(ike::NotifyPayload{0, {}, ike::notify::invalid_ike_spi, {}});
    ASSERT_TRUE(h.step->take(ike::encode_message(m)));
    ASSERT_EQ(h.step->process(), StepStatus::failed);
    EXPECT_EQ(h.step->failure().reason, FailureReason::ikev2_invalid_ike_spi);
    EXPECT_NE(h.step->failure().error.find("UDP 4500"), std::string::npos);
}

// The response in SKF fragments (RFC 7383), sent last-first: reassembled only when all are there.
TEST(Ikev2IkeAuthStep, FragmentedResponseIsReassembled) {
    AuthHarness h;
    std::vector<Bytes> request;
    ASSERT_EQ(h.step->build(request), StepStatus::need_more);
    ike::Header header;
    header.spi_i = h.init.sa.spi_i;
    header.spi_r = h.init.sa.spi_r;
    header.exchange = ike::ExchangeType::ike_auth;
    header.flags = ike::flag_response;
    header.message_id = 1;
    auto inner = ike::encode_inner_payloads({ike::Payload::idr(ike::IdPayload{ike::id_type::fqdn, Bytes(300, 'a')}),
                                             ike::NotifyPayload{0, {}, ike::notify::authentication_failed, {}}});
    auto fragments =
        ike::seal_fragments(header, inner.first_type, inner.bytes, ike::responder_sk_cipher(*h.init.sa.keys), 200);
    ASSERT_GE(fragments.size(), 3u);
    for (std::size_t i = fragments.size(); i-- > 1;) EXPECT_FALSE(h.step->take(fragments[i])) << "fragment " << i + 1;
    EXPECT_NE(h.step->no_answer_counts().find(std::to_string(fragments.size() - 1) + " of " +
                                              std::to_string(fragments.size())),
              std::string::npos)
        << h.step->no_answer_counts();
    ASSERT_TRUE(h.step->take(fragments.front()));
    ASSERT_EQ(h.step->process(), StepStatus::failed);
    EXPECT_EQ(h.step->failure().reason, FailureReason::ikev2_authentication_failed);
    EXPECT_EQ(h.init.facts.fragments_received, static_cast<int>(fragments.size()));
    EXPECT_EQ(h.init.facts.idr, "IDr: ID_FQDN " + std::string(300, 'a'));
}

// Our request in fragments when the server offered fragmentation and it exceeds our fragment size.
TEST(Ikev2IkeAuthStep, LargeRequestIsSentInFragments) {
    AuthHarness h;
    ASSERT_TRUE(h.init.sa.peer_fragmentation);
    IkeAuthConfig c;
    c.fragment_size = 200;
    c.id = std::string(400, 'x') + ".example";
    IkeAuthExchange step(c, h.init.sa, h.init.facts, fixed_randomness(), Ikev2Log{});
    std::vector<Bytes> request;
    ASSERT_EQ(step.build(request), StepStatus::need_more) << step.failure().error;
    ASSERT_GT(request.size(), 1u);
    EXPECT_EQ(h.init.facts.fragments_sent, static_cast<int>(request.size()));
    for (const auto& d : request) {
        EXPECT_LE(d.size() + 4 + 28, 200u) << "IP + UDP + non-ESP marker + the fragment fit the limit";
        auto m = ike::decode_message(d);
        ASSERT_TRUE(m.ok());
        EXPECT_NE(m->find<ike::SkfPayload>(), nullptr);
    }
}

// ---- INFORMATIONAL Delete -------------------------------------------------------------------------------------

TEST(Ikev2InformationalStep, AnsweredDeleteIsDone) {
    AuthHarness h;
    InformationalExchange step(h.init.sa, h.init.facts, 1, 1280, fixed_randomness(), Ikev2Log{});
    std::vector<Bytes> request;
    ASSERT_EQ(step.build(request), StepStatus::need_more);
    ASSERT_EQ(request.size(), 1u);
    // The request opens with the initiator's keys and carries the Delete of the IKE SA.
    auto opened = ike::open_message(request.front(), ike::initiator_sk_cipher(*h.init.sa.keys));
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    EXPECT_EQ(opened->header.message_id, 1u);
    EXPECT_NE(opened->find<ike::DeletePayload>(), nullptr);
    ike::Header header = opened->header;
    header.flags = ike::flag_response;
    Bytes empty_answer =
        ike::seal_message(header, std::vector<ike::Payload>{}, ike::responder_sk_cipher(*h.init.sa.keys));
    ASSERT_TRUE(step.take(empty_answer));
    EXPECT_EQ(step.process(), StepStatus::done);
    EXPECT_TRUE(h.init.facts.deleted);
}

// ---- the user tunnel: EAP rounds and the final IKE_AUTH (RFC 7296 2.16) -----------------------------------------

namespace ms = vpnprobe::protocol::mschapv2;
namespace proto = vpnprobe::protocol;

// A minimal EAP-MSCHAPv2 authenticator, written from RFC 2759 with protocol/auth's primitives, answering the
// probe's EAP rounds under the responder's keys.
struct TunnelHarness {
    AuthHarness auth;
    Ikev2TunnelFacts facts;
    std::string user = "alice", password = "pa55-w0rd";
    ms::Challenge server_challenge{};
    ms::Challenge peer_challenge{};
    std::unique_ptr<EapExchange> eap;

    TunnelHarness() {
        server_challenge.fill(0x44);
        peer_challenge.fill(0x66);
        std::vector<Bytes> first;
        EXPECT_EQ(auth.step->build(first), StepStatus::need_more);  // IDi and our ESP offer, as sent
        auth.init.sa.idr_body =
            ike::encode_payload_body(ike::Payload::idr(ike::IdPayload{ike::id_type::fqdn, {'v', 'p', 'n'}}));
        auth.init.sa.next_message_id = 2;
        auth.init.sa.eap_request = ike::eap_payload(
            proto::encode_eap_packet(proto::EapPacket{proto::EapCode::request, 1, proto::eap_type::identity, {}, 0}));
        eap = std::make_unique<EapExchange>(auth.init.sa, facts, Ikev2Credentials{user, password}, peer_challenge, 1280,
                                            fixed_randomness(), Ikev2Log{});
    }

    // Our next request, opened with the initiator's keys.
    ike::Message request(Ikev2Exchange& step) {
        std::vector<Bytes> datagrams;
        EXPECT_EQ(step.build(datagrams), StepStatus::need_more) << step.failure().error;
        EXPECT_EQ(datagrams.size(), 1u);
        auto opened = ike::open_message(datagrams.front(), ike::initiator_sk_cipher(*auth.init.sa.keys));
        EXPECT_TRUE(opened.ok());
        return opened.ok() ? opened.value() : ike::Message{};
    }
    // The server's answer to `req`, sealed with the responder's keys, taken and processed.
    StepStatus answer(Ikev2Exchange& step, const ike::Message& req, const std::vector<ike::Payload>& payloads) {
        ike::Header h = req.header;
        h.flags = ike::flag_response;
        EXPECT_TRUE(step.take(ike::seal_message(h, payloads, ike::responder_sk_cipher(*auth.init.sa.keys))));
        return step.process();
    }
    static ike::Payload eap_msg(const Bytes& packet) { return ike::eap_payload(packet); }
    static proto::EapPacket eap_of(const ike::Message& m) {
        const auto* p = m.find<ike::EapPayload>();
        EXPECT_NE(p, nullptr);
        auto e = p ? ike::eap_packet(*p) : proto::Decoded<proto::EapPacket>(proto::DecodeError{"none", "", 0});
        EXPECT_TRUE(e.ok());
        return e.ok() ? e.value() : proto::EapPacket{};
    }
    Bytes challenge(std::uint8_t id) {
        proto::EapMschapv2Packet c;
        c.opcode = proto::EapMschapv2OpCode::challenge;
        c.ms_id = 9;
        c.challenge = server_challenge;
        c.name = "srv";
        return proto::encode_eap_mschapv2(proto::EapCode::request, id, c);
    }
    Bytes mschap_text(std::uint8_t id, proto::EapMschapv2OpCode op, const std::string& text) {
        proto::EapMschapv2Packet p;
        p.opcode = op;
        p.ms_id = 9;
        p.message = text;
        return proto::encode_eap_mschapv2(proto::EapCode::request, id, p);
    }
    static Bytes result(proto::EapCode code, std::uint8_t id) {
        return proto::encode_eap_packet(proto::EapPacket{code, id, 0, {}, 0});
    }

    // Identity, Challenge, Success with the right S=, EAP-Success: returns the MSK the authenticator derived.
    Bytes login() {
        auto r1 = request(*eap);
        auto id = eap_of(r1);
        EXPECT_EQ(id.type, proto::eap_type::identity);
        EXPECT_EQ(std::string(id.type_data.begin(), id.type_data.end()), user);
        EXPECT_EQ(answer(*eap, r1, {eap_msg(challenge(2))}), StepStatus::need_more);
        auto r2 = request(*eap);
        auto resp = proto::decode_eap_mschapv2(eap_of(r2));
        EXPECT_TRUE(resp.ok());
        // The authenticator's own check (RFC 2759 8.1) and its proof (8.7).
        auto hash = ms::nt_password_hash(password);
        auto nt = ms::generate_nt_response(server_challenge, resp->response.peer_challenge, user, hash);
        EXPECT_EQ(resp->response.nt_response, nt);
        EXPECT_EQ(resp->name, user);
        auto s = ms::generate_authenticator_response(hash, nt, resp->response.peer_challenge, server_challenge, user);
        EXPECT_EQ(answer(*eap, r2,
                         {eap_msg(mschap_text(3, proto::EapMschapv2OpCode::success,
                                              ms::authenticator_response_text(s) + " M=welcome"))}),
                  StepStatus::need_more);
        auto r3 = request(*eap);
        auto ack = proto::decode_eap_mschapv2(eap_of(r3));
        EXPECT_TRUE(ack.ok() && ack->opcode == proto::EapMschapv2OpCode::success && ack->opcode_only);
        EXPECT_EQ(answer(*eap, r3, {eap_msg(result(proto::EapCode::success, 3))}), StepStatus::done)
            << eap->failure().error;
        return ms::eap_msk(ms::client_keys(hash, nt));
    }

    // The server's AUTH over its own signed octets with `msk` (RFC 7296 2.16).
    Bytes server_auth(const Bytes& msk) {
        const auto& sa = auth.init.sa;
        return ike::eap_auth_data(
            sa.keys->prf_id, msk,
            ike::auth_signed_octets(sa.keys->prf_id, sa.sa_init_response, sa.ni, sa.keys->sk_pr, sa.idr_body));
    }
};

ike::TrafficSelector v4_range(Bytes from, Bytes to) {
    return ike::TrafficSelector{ike::ts_type::ipv4_addr_range, 0, 0, 65535, std::move(from), std::move(to), {}};
}

TEST(Ikev2EapStep, MschapV2LoginGivesTheAuthenticatorsMsk) {
    TunnelHarness h;
    Bytes msk = h.login();
    EXPECT_EQ(h.eap->msk(), msk);
    EXPECT_EQ(h.facts.auth_method, "EAP-MSCHAPv2");
    EXPECT_EQ(h.facts.auth_server_name, "srv");
    EXPECT_EQ(h.facts.server_message, "welcome");
    EXPECT_TRUE(h.facts.server_proven);
    EXPECT_TRUE(h.facts.eap_success);
    EXPECT_EQ(h.facts.eap_rounds, 3);
    EXPECT_EQ(h.auth.init.sa.next_message_id, 5u);  // IKE_AUTH 1, EAP 2-4: the final AUTH is 5
}

TEST(Ikev2EapStep, WrongPasswordFailsWithTheServersError) {
    TunnelHarness h;
    auto r1 = h.request(*h.eap);
    ASSERT_EQ(h.answer(*h.eap, r1, {h.eap_msg(h.challenge(2))}), StepStatus::need_more);
    auto r2 = h.request(*h.eap);
    ASSERT_EQ(h.answer(*h.eap, r2,
                       {h.eap_msg(h.mschap_text(3, proto::EapMschapv2OpCode::failure,
                                                "E=691 R=0 C=00000000000000000000000000000000 V=3 M=FAILED"))}),
              StepStatus::need_more);
    auto r3 = h.request(*h.eap);  // the Failure acknowledged, as a Windows client does
    auto ack = proto::decode_eap_mschapv2(h.eap_of(r3));
    ASSERT_TRUE(ack.ok());
    EXPECT_EQ(ack->opcode, proto::EapMschapv2OpCode::failure);
    EXPECT_EQ(h.answer(*h.eap, r3,
                       {h.eap_msg(TunnelHarness::result(proto::EapCode::failure, 3)),
                        ike::NotifyPayload{0, {}, ike::notify::authentication_failed, {}}}),
              StepStatus::failed);
    EXPECT_EQ(h.eap->failure().reason, FailureReason::ikev2_eap_failure);
    EXPECT_EQ(h.facts.mschap_error, 691u);
    EXPECT_TRUE(h.eap->msk().empty());
    EXPECT_EQ(h.eap->failure().error.find(h.password), std::string::npos);
}

TEST(Ikev2EapStep, EapSuccessWithoutTheServersProofIsRefused) {
    TunnelHarness h;
    auto r1 = h.request(*h.eap);
    ASSERT_EQ(h.answer(*h.eap, r1, {h.eap_msg(h.challenge(2))}), StepStatus::need_more);
    auto r2 = h.request(*h.eap);
    EXPECT_EQ(h.answer(*h.eap, r2, {h.eap_msg(TunnelHarness::result(proto::EapCode::success, 2))}), StepStatus::failed);
    EXPECT_EQ(h.eap->failure().reason, FailureReason::ikev2_eap_not_proven);
}

TEST(Ikev2EapStep, AWrongAuthenticatorResponseIsRefused) {
    TunnelHarness h;
    auto r1 = h.request(*h.eap);
    ASSERT_EQ(h.answer(*h.eap, r1, {h.eap_msg(h.challenge(2))}), StepStatus::need_more);
    auto r2 = h.request(*h.eap);
    EXPECT_EQ(h.answer(*h.eap, r2,
                       {h.eap_msg(h.mschap_text(3, proto::EapMschapv2OpCode::success,
                                                "S=0000000000000000000000000000000000000000 M=hi"))}),
              StepStatus::failed);
    EXPECT_EQ(h.eap->failure().reason, FailureReason::ikev2_eap_not_proven);
}

TEST(Ikev2EapStep, AnotherMethodIsNakedForMschapV2) {
    TunnelHarness h;
    auto r1 = h.request(*h.eap);
    ASSERT_EQ(h.answer(*h.eap, r1,
                       {h.eap_msg(proto::encode_eap_packet(
                           proto::EapPacket{proto::EapCode::request, 2, proto::eap_type::tls, {0x20}, 0}))}),
              StepStatus::need_more);
    auto nak = h.eap_of(h.request(*h.eap));
    EXPECT_EQ(nak.type, proto::eap_type::nak);
    EXPECT_EQ(proto::eap_nak_types(nak), std::vector<std::uint8_t>{proto::eap_type::mschapv2});
}

TEST(Ikev2EapStep, AServerThatKeepsAskingIsCutOff) {
    TunnelHarness h;
    StepStatus s = StepStatus::need_more;
    int rounds = 0;
    while (s == StepStatus::need_more && rounds < 50) {
        std::vector<Bytes> datagrams;
        s = h.eap->build(datagrams);
        if (s != StepStatus::need_more) break;
        auto opened = ike::open_message(datagrams.front(), ike::initiator_sk_cipher(*h.auth.init.sa.keys));
        ASSERT_TRUE(opened.ok());
        s = h.answer(
            *h.eap, *opened,
            {h.eap_msg(proto::encode_eap_packet(proto::EapPacket{
                proto::EapCode::request, static_cast<std::uint8_t>(rounds), proto::eap_type::identity, {}, 0}))});
        ++rounds;
    }
    EXPECT_EQ(s, StepStatus::failed);
    EXPECT_EQ(h.eap->failure().reason, FailureReason::ikev2_eap_loop);
    EXPECT_EQ(rounds, EapExchange::kMaxRounds);
}

TEST(Ikev2AuthCompleteStep, OurAuthIsTheMskMicAndTheTunnelIsRecorded) {
    TunnelHarness h;
    Bytes msk = h.login();
    IkeAuthCompleteExchange step(h.auth.init.sa, h.facts, msk, 1280, fixed_randomness(), Ikev2Log{});
    auto req = h.request(step);
    EXPECT_EQ(req.header.message_id, 5u);
    const auto* our_auth = req.find<ike::AuthPayload>();
    ASSERT_NE(our_auth, nullptr);
    EXPECT_EQ(our_auth->method, ike::auth_method::shared_key);
    const auto& sa = h.auth.init.sa;
    EXPECT_EQ(our_auth->data, ike::eap_auth_data(sa.keys->prf_id, msk,
                                                 ike::auth_signed_octets(sa.keys->prf_id, sa.sa_init_request, sa.nr,
                                                                         sa.keys->sk_pi, sa.idi_body)));
    ASSERT_EQ(sa.esp_offered.size(), 2u);
    ike::Proposal chosen = sa.esp_offered[1];  // aes128gcm16, with the server's SPI
    chosen.spi = {0xc0, 0xff, 0xee, 0x01};
    ike::CpPayload cp;
    cp.cfg_type = ike::cfg_type::reply;
    cp.attributes = {{ike::cfg_attribute::internal_ip4_address, {10, 98, 32, 7}},
                     {ike::cfg_attribute::internal_ip4_dns, {10, 97, 32, 53}}};
    ASSERT_EQ(
        h.answer(step, req,
                 {ike::AuthPayload{ike::auth_method::shared_key, h.server_auth(msk)}, cp, ike::SaPayload{{chosen}},
                  ike::Payload::tsi(ike::TsPayload{{v4_range({10, 98, 32, 7}, {10, 98, 32, 7})}}),
                  ike::Payload::tsr(ike::TsPayload{{v4_range({10, 97, 32, 0}, {10, 97, 32, 255})}})}),
        StepStatus::done)
        << step.failure().error;
    EXPECT_TRUE(h.facts.authenticated);
    EXPECT_EQ(h.facts.server_auth_verified, true);
    EXPECT_EQ(h.facts.address, "10.98.32.7");
    EXPECT_EQ(h.facts.dns, std::vector<std::string>{"10.97.32.53"});
    EXPECT_TRUE(h.facts.child.created);
    EXPECT_EQ(h.facts.child.esp_proposal, "aes128gcm16");
    EXPECT_EQ(h.facts.child.spi_out, "c0ffee01");
    EXPECT_EQ(h.facts.child.spi_in.size(), 8u);
    EXPECT_EQ(h.facts.child.tsi, std::vector<std::string>{"10.98.32.7/32"});
    EXPECT_EQ(h.facts.child.tsr, std::vector<std::string>{"10.97.32.0/24"});
    ASSERT_TRUE(step.chosen_child().has_value());
    EXPECT_EQ(step.offered_child()->spi, sa.esp_offered[1].spi);
}

TEST(Ikev2AuthCompleteStep, AServerAuthNotFromTheMskFails) {
    TunnelHarness h;
    Bytes msk = h.login();
    IkeAuthCompleteExchange step(h.auth.init.sa, h.facts, msk, 1280, fixed_randomness(), Ikev2Log{});
    auto req = h.request(step);
    Bytes other_msk(64, 0x01);
    EXPECT_EQ(h.answer(step, req, {ike::AuthPayload{ike::auth_method::shared_key, h.server_auth(other_msk)}}),
              StepStatus::failed);
    EXPECT_EQ(step.failure().reason, FailureReason::ikev2_server_auth_mismatch);
    EXPECT_EQ(h.facts.server_auth_verified, false);
    EXPECT_FALSE(h.facts.authenticated);
}

TEST(Ikev2AuthCompleteStep, InternalAddressFailureLeavesTheIkeSaUpWithoutATunnel) {
    TunnelHarness h;
    Bytes msk = h.login();
    IkeAuthCompleteExchange step(h.auth.init.sa, h.facts, msk, 1280, fixed_randomness(), Ikev2Log{});
    auto req = h.request(step);
    EXPECT_EQ(h.answer(step, req,
                       {ike::AuthPayload{ike::auth_method::shared_key, h.server_auth(msk)},
                        ike::NotifyPayload{0, {}, ike::notify::internal_address_failure, {}}}),
              StepStatus::done);
    EXPECT_TRUE(h.facts.authenticated);
    EXPECT_FALSE(h.facts.child.created);
    EXPECT_EQ(h.facts.child.error_notify, "INTERNAL_ADDRESS_FAILURE");
    EXPECT_FALSE(step.chosen_child().has_value());
}

TEST(Ikev2AuthCompleteStep, AnEspProposalWeDidNotOfferIsNoChildSa) {
    TunnelHarness h;
    Bytes msk = h.login();
    IkeAuthCompleteExchange step(h.auth.init.sa, h.facts, msk, 1280, fixed_randomness(), Ikev2Log{});
    auto req = h.request(step);
    ike::Proposal chosen = ike::parse_proposal("3des-sha1", ike::ProtocolId::esp, 1);
    chosen.spi = {1, 2, 3, 4};
    EXPECT_EQ(h.answer(step, req,
                       {ike::AuthPayload{ike::auth_method::shared_key, h.server_auth(msk)}, ike::SaPayload{{chosen}},
                        ike::Payload::tsi(ike::TsPayload{{v4_range({10, 98, 32, 7}, {10, 98, 32, 7})}}),
                        ike::Payload::tsr(ike::TsPayload{{v4_range({10, 97, 32, 0}, {10, 97, 32, 255})}})}),
              StepStatus::done);
    EXPECT_FALSE(h.facts.child.created);
    EXPECT_EQ(h.facts.child.error_notify, "(not offered)");
    EXPECT_FALSE(step.chosen_child().has_value());
}

}  // namespace
