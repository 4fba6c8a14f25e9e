// MS-CHAPv2 (RFC 2759) and its keys (RFC 3079): the RFCs' own examples, vectors computed by an independent
// pure-Python implementation (tests/data/mschapv2/make_vectors.py, output in vectors.txt), the messages of
// the authenticator, and what happens without OpenSSL's legacy provider.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "protocol/auth/legacy_crypto.hpp"
#include "protocol/auth/mschapv2.hpp"
#include "tests/support/vector_file.hpp"

using namespace vpnprobe::protocol;
using namespace vpnprobe::protocol::mschapv2;

namespace {

template <std::size_t N>
std::array<std::uint8_t, N> array_from_hex(const std::string& hex) {
    const Bytes b = from_hex(hex);
    if (b.size() != N) throw std::invalid_argument("want " + std::to_string(N) + " bytes: " + hex);
    std::array<std::uint8_t, N> a{};
    std::copy(b.begin(), b.end(), a.begin());
    return a;
}

template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& a) {
    return to_hex(a);
}

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

// RFC 2759 section 9.2.
const Challenge rfc_authenticator = array_from_hex<16>("5B5D7C7D7B3F2F3E3C2C602132262628");
const Challenge rfc_peer = array_from_hex<16>("21402324255E262A28295F2B3A337C7E");

TEST(MsChapV2, Rfc2759Section9Example) {
    ASSERT_EQ(legacy_crypto_problem(), std::nullopt) << "this machine's OpenSSL has no legacy provider";
    EXPECT_EQ(to_hex(utf16le("clientPass")), "63006c00690065006e0074005000610073007300");
    const PasswordHash hash = nt_password_hash("clientPass");
    EXPECT_EQ(upper(hex(hash)), "44EBBA8D5312B8D611474411F56989AE");
    EXPECT_EQ(upper(hex(hash_nt_password_hash(hash))), "41C00C584BD2D91C4017A2A12FA59F3F");
    EXPECT_EQ(upper(hex(challenge_hash(rfc_peer, rfc_authenticator, "User"))), "D02E4386BCE91226");
    const NtResponse nt = generate_nt_response(rfc_authenticator, rfc_peer, "User", hash);
    EXPECT_EQ(upper(hex(nt)), "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF");
    EXPECT_EQ(
        authenticator_response_text(generate_authenticator_response(hash, nt, rfc_peer, rfc_authenticator, "User")),
        "S=407A5589115FD0D6209F510FE9C04566932CDA56");
}

TEST(MsChapV2, Rfc3079Section353Keys) {
    const PasswordHash hash = nt_password_hash("clientPass");
    const NtResponse nt = generate_nt_response(rfc_authenticator, rfc_peer, "User", hash);
    const Key16 master = master_key(hash_nt_password_hash(hash), nt);
    EXPECT_EQ(upper(hex(master)), "FDECE3717A8C838CB388E527AE3CDD31");
    // The RFC's example is the server's side: its SendStartKey128 is the server's send key, which is the
    // client's receive key.
    EXPECT_EQ(upper(hex(asymmetric_start_key(master, true, true))), "8B7CDC149B993A1BA118CB153F56DCCB");
    const ClientKeys keys = client_keys(hash, nt);
    EXPECT_EQ(upper(hex(keys.master_receive_key)), "8B7CDC149B993A1BA118CB153F56DCCB");
    EXPECT_EQ(keys.master_send_key, asymmetric_start_key(master, false, true)) << "client send = server receive";
    EXPECT_NE(keys.master_send_key, keys.master_receive_key);
}

// Our own inputs (a DOMAIN\user name, a password outside ASCII and the BMP), computed by make_vectors.py
// with its own MD4 and DES after it reproduced the RFC examples above.
TEST(MsChapV2, IndependentVectors) {
    const auto v = vpnprobe::testsupport::read_vector_file(std::string(VPNPROBE_TEST_DATA) + "/mschapv2/vectors.txt");
    const Bytes user_bytes = from_hex(v.at("user_utf8"));
    const std::string user(user_bytes.begin(), user_bytes.end());
    const Bytes password_bytes = from_hex(v.at("password_utf8"));
    const std::string password(password_bytes.begin(), password_bytes.end());
    const auto authenticator = array_from_hex<16>(v.at("authenticator_challenge"));
    const auto peer = array_from_hex<16>(v.at("peer_challenge"));

    EXPECT_EQ(to_hex(utf16le(password)), v.at("password_utf16le"));
    const PasswordHash hash = nt_password_hash(password);
    EXPECT_EQ(hex(hash), v.at("password_hash"));
    EXPECT_EQ(hex(hash_nt_password_hash(hash)), v.at("password_hash_hash"));
    EXPECT_EQ(hex(challenge_hash(peer, authenticator, user)), v.at("challenge"));
    const NtResponse nt = generate_nt_response(authenticator, peer, user, hash);
    EXPECT_EQ(hex(nt), v.at("nt_response"));
    EXPECT_EQ(authenticator_response_text(generate_authenticator_response(hash, nt, peer, authenticator, user)),
              v.at("authenticator_response"));
    EXPECT_EQ(hex(master_key(hash_nt_password_hash(hash), nt)), v.at("master_key"));
    const ClientKeys keys = client_keys(hash, nt);
    EXPECT_EQ(hex(keys.master_send_key), v.at("client_master_send_key"));
    EXPECT_EQ(hex(keys.master_receive_key), v.at("client_master_receive_key"));
}

TEST(MsChapV2, TheDomainIsNotHashed) {
    EXPECT_EQ(challenge_user_name("LAB\\alice"), "alice");
    EXPECT_EQ(challenge_user_name("alice"), "alice");
    EXPECT_EQ(challenge_user_name("alice@lab.example"), "alice@lab.example") << "only a DOMAIN\\ prefix is dropped";
    EXPECT_EQ(challenge_hash(rfc_peer, rfc_authenticator, "LAB\\User"),
              challenge_hash(rfc_peer, rfc_authenticator, "User"));
    EXPECT_NE(challenge_hash(rfc_peer, rfc_authenticator, "user"), challenge_hash(rfc_peer, rfc_authenticator, "User"));
}

TEST(MsChapV2, Utf16RefusesWhatIsNotUtf8WithoutQuotingIt) {
    EXPECT_EQ(to_hex(utf16le("\xf0\x9d\x84\x9e")), "34d81edd") << "U+1D11E as a surrogate pair";
    for (const std::string bad : {"\xff", "abc\xc3", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x28\xa1"}) {
        try {
            (void)utf16le(bad);
            ADD_FAILURE() << "accepted "
                          << to_hex(ByteView(reinterpret_cast<const std::uint8_t*>(bad.data()), bad.size()));
        } catch (const std::invalid_argument& e) {
            EXPECT_EQ(std::string(e.what()), "the password is not valid UTF-8");
        }
    }
}

TEST(MsChapV2, SuccessMessage) {
    const auto ok = parse_success_message("S=407A5589115FD0D6209F510FE9C04566932CDA56 M=Access granted");
    ASSERT_TRUE(ok.ok()) << ok.error().to_string();
    EXPECT_EQ(ok->message, "Access granted");
    EXPECT_EQ(authenticator_response_text(ok->authenticator_response), "S=407A5589115FD0D6209F510FE9C04566932CDA56");

    const PasswordHash hash = nt_password_hash("clientPass");
    const NtResponse nt = generate_nt_response(rfc_authenticator, rfc_peer, "User", hash);
    const auto expected = generate_authenticator_response(hash, nt, rfc_peer, rfc_authenticator, "User");
    EXPECT_TRUE(authenticator_response_matches(*ok, expected));
    const auto wrong =
        generate_authenticator_response(nt_password_hash("clientPasS"), nt, rfc_peer, rfc_authenticator, "User");
    EXPECT_FALSE(authenticator_response_matches(*ok, wrong)) << "a server that does not know the password";

    const auto lower_no_m = parse_success_message("S=407a5589115fd0d6209f510fe9c04566932cda56");
    ASSERT_TRUE(lower_no_m.ok());
    EXPECT_TRUE(authenticator_response_matches(*lower_no_m, expected));
    EXPECT_EQ(lower_no_m->message, "");

    auto refused = [](std::string_view text, const std::string& code, std::size_t offset) {
        const auto r = parse_success_message(text);
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_EQ(r.error().code, code) << r.error().to_string();
        EXPECT_EQ(r.error().offset, offset) << r.error().to_string();
    };
    refused("", "missing_s", 0);
    refused("M=hello", "missing_s", 0);
    refused("S=407A5589115FD0D6209F510FE9C04566932CDA5", "bad_s", 2);  // 39 digits
    refused("S=407A5589115FD0D6209F510FE9C04566932CDAZZ M=x", "bad_s", 2);
    refused("S=407A5589115FD0D6209F510FE9C04566932CDA56X M=x", "trailing_text", 42);
}

TEST(MsChapV2, FailureMessage) {
    // RFC 2759 section 6's form, with a Windows/NPS-style message.
    const auto f = parse_failure_message("E=691 R=1 C=8A2B3C4D5E6F708192A3B4C5D6E7F809 V=3 M=Authentication failure");
    ASSERT_TRUE(f.ok()) << f.error().to_string();
    EXPECT_EQ(f->error, 691u);
    EXPECT_EQ(error_name(f->error), "ERROR_AUTHENTICATION_FAILURE");
    EXPECT_EQ(f->retry, true);
    ASSERT_TRUE(f->challenge.has_value());
    EXPECT_EQ(to_hex(*f->challenge), "8a2b3c4d5e6f708192a3b4c5d6e7f809");
    EXPECT_EQ(f->version, 3u);
    EXPECT_EQ(f->message, "Authentication failure");

    const auto short_form = parse_failure_message("E=649 R=0");
    ASSERT_TRUE(short_form.ok());
    EXPECT_EQ(short_form->error, 649u);
    EXPECT_EQ(error_name(649), "ERROR_NO_DIALIN_PERMISSION");
    EXPECT_EQ(short_form->retry, false);
    EXPECT_FALSE(short_form->challenge.has_value());
    EXPECT_FALSE(short_form->version.has_value());
    EXPECT_EQ(error_name(12345), "");

    auto refused = [](std::string_view text, const std::string& code, std::size_t offset) {
        const auto r = parse_failure_message(text);
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_EQ(r.error().code, code) << r.error().to_string();
        EXPECT_EQ(r.error().offset, offset) << r.error().to_string();
    };
    refused("", "missing_e", 0);
    refused("R=0 E=691", "missing_e", 0);
    refused("E=abc R=0", "bad_e", 2);
    refused("E= R=0", "bad_e", 2);
    refused("E=691 R=2", "bad_r", 8);
    refused("E=691 R=0 C=0011", "bad_c", 12);
    refused("E=691 R=0 C=8A2B3C4D5E6F708192A3B4C5D6E7F80G", "bad_c", 12);
    refused("E=691 V=three", "bad_v", 8);
    refused("E=691 X=1", "unknown_field", 6);
    refused("E=691 garbage", "unknown_field", 6);
}

TEST(MsChapV2, RespondInOneCallAndJudgeTheSuccess) {
    const ClientResponse r = respond(rfc_authenticator, rfc_peer, "User", "clientPass");
    EXPECT_EQ(r.value.peer_challenge, rfc_peer);
    EXPECT_EQ(upper(hex(r.value.nt_response)), "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF");
    EXPECT_EQ(r.value.flags, 0);
    EXPECT_EQ(authenticator_response_text(r.expected_authenticator_response),
              "S=407A5589115FD0D6209F510FE9C04566932CDA56");
    EXPECT_EQ(upper(hex(r.keys.master_receive_key)), "8B7CDC149B993A1BA118CB153F56DCCB");

    EXPECT_EQ(check_success("S=407A5589115FD0D6209F510FE9C04566932CDA56 M=welcome", r.expected_authenticator_response),
              SuccessCheck::proven);
    EXPECT_EQ(check_success("S=407A5589115FD0D6209F510FE9C04566932CDA57 M=welcome", r.expected_authenticator_response),
              SuccessCheck::wrong_authenticator);
    EXPECT_EQ(check_success("welcome", r.expected_authenticator_response), SuccessCheck::malformed);
    EXPECT_EQ(check_success("", r.expected_authenticator_response), SuccessCheck::malformed);
    EXPECT_EQ(describe_unproven(SuccessCheck::malformed, "EAP-MSCHAPv2 Success"),
              "EAP-MSCHAPv2 Success message is not \"S=<40 hex digits> [M=...]\"");
    EXPECT_EQ(describe_unproven(SuccessCheck::wrong_authenticator, "EAP-MSCHAPv2 Success")
                  .rfind("EAP-MSCHAPv2 Success carries the wrong authenticator response (S=)", 0),
              0u);
}

// Without the legacy provider the error says what to install. A fresh process (the threadsafe death-test
// style re-executes the test binary) with OPENSSL_MODULES pointing nowhere cannot load it.
TEST(MsChapV2DeathTest, WithoutTheLegacyProviderTheErrorSaysWhatToInstall) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(
        {
            ::setenv("OPENSSL_MODULES", "/nonexistent-vpnprobe-modules", 1);
            const auto problem = legacy_crypto_problem();
            if (!problem) std::exit(3);
            try {
                (void)nt_password_hash("x");
                std::exit(4);
            } catch (const LegacyCryptoUnavailable& e) {
                if (std::string(e.what()) != *problem) std::exit(5);
            }
            std::fprintf(stderr, "%s\n", problem->c_str());
            std::exit(0);
        },
        ::testing::ExitedWithCode(0), "legacy provider.*libssl3");
}

}  // namespace
