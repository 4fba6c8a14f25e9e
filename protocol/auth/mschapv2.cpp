#include "protocol/auth/mschapv2.hpp"
#include "protocol/openssl_util.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "protocol/auth/legacy_crypto.hpp"

namespace vpnprobe::protocol::mschapv2 {

namespace {

using Sha1 = std::array<std::uint8_t, 20>;

// Wipes a buffer that held a password or a value derived from it when it goes out of scope.
template <typename T>
struct Wiped {
    T value{};
    ~Wiped() { OPENSSL_cleanse(value.data(), value.size()); }
};

Sha1 sha1(std::initializer_list<ByteView> parts) {
    OpensslPtr<EVP_MD_CTX, EVP_MD_CTX_free> ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestInit_ex2(ctx.get(), EVP_sha1(), nullptr) != 1)
        throw std::runtime_error("SHA-1 unavailable: " + drain_openssl_errors());
    for (ByteView p : parts)
        if (EVP_DigestUpdate(ctx.get(), p.data(), p.size()) != 1)
            throw std::runtime_error("SHA-1 failed: " + drain_openssl_errors());
    Sha1 out{};
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx.get(), out.data(), &length) != 1 || length != out.size())
        throw std::runtime_error("SHA-1 failed: " + drain_openssl_errors());
    return out;
}

ByteView text_bytes(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

// RFC 2759 8.6 DesEncrypt: seven key bytes spread over eight, one parity bit per byte left 0 (DES ignores
// parity bits, so they need not be odd).
std::array<std::uint8_t, 8> des_key(const std::uint8_t* seven) {
    std::array<std::uint8_t, 8> key{};
    std::uint64_t bits = 0;
    for (int i = 0; i < 7; ++i) bits = bits << 8 | seven[i];
    for (int i = 0; i < 8; ++i) key[i] = static_cast<std::uint8_t>(((bits >> (49 - 7 * i)) & 0x7f) << 1);
    return key;
}

constexpr std::string_view auth_magic1 = "Magic server to client signing constant";
constexpr std::string_view auth_magic2 = "Pad to make it do more than one iteration";
constexpr std::string_view key_magic1 = "This is the MPPE Master Key";
constexpr std::string_view key_magic2 =
    "On the client side, this is the send key; on the server side, it is the receive key.";
constexpr std::string_view key_magic3 =
    "On the client side, this is the receive key; on the server side, it is the send key.";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Exactly N bytes of hex (2N digits, either case) at the start of `text`.
template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> parse_hex(std::string_view text) {
    if (text.size() < 2 * N) return std::nullopt;
    std::array<std::uint8_t, N> out{};
    for (std::size_t i = 0; i < N; ++i) {
        const int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return out;
}

std::optional<std::uint32_t> parse_decimal(std::string_view text) {
    std::uint32_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return v;
}

}  // namespace

Bytes utf16le(std::string_view utf8) {
    Bytes out;
    out.reserve(2 * utf8.size());
    auto bad = [] { return std::invalid_argument("the password is not valid UTF-8"); };
    for (std::size_t i = 0; i < utf8.size();) {
        const auto b0 = static_cast<std::uint8_t>(utf8[i]);
        std::uint32_t cp = 0;
        std::size_t n = 0;
        if (b0 < 0x80) cp = b0, n = 1;
        else if ((b0 & 0xe0) == 0xc0) cp = b0 & 0x1f, n = 2;
        else if ((b0 & 0xf0) == 0xe0) cp = b0 & 0x0f, n = 3;
        else if ((b0 & 0xf8) == 0xf0) cp = b0 & 0x07, n = 4;
        else throw bad();
        if (i + n > utf8.size()) throw bad();
        for (std::size_t k = 1; k < n; ++k) {
            const auto b = static_cast<std::uint8_t>(utf8[i + k]);
            if ((b & 0xc0) != 0x80) throw bad();
            cp = cp << 6 | (b & 0x3f);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8 (RFC 3629 section 3).
        static constexpr std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < smallest[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw bad();
        auto put16 = [&](std::uint32_t unit) {
            out.push_back(static_cast<std::uint8_t>(unit & 0xff));
            out.push_back(static_cast<std::uint8_t>(unit >> 8));
        };
        if (cp >= 0x10000) {
            put16(0xd800 + ((cp - 0x10000) >> 10));
            put16(0xdc00 + ((cp - 0x10000) & 0x3ff));
        } else {
            put16(cp);
        }
        i += n;
    }
    return out;
}

std::string_view challenge_user_name(std::string_view user_name) {
    const auto slash = user_name.rfind('\\');
    return slash == std::string_view::npos ? user_name : user_name.substr(slash + 1);
}

PasswordHash nt_password_hash(std::string_view password_utf8) {
    Bytes unicode = utf16le(password_utf8);
    PasswordHash hash = md4(unicode);
    OPENSSL_cleanse(unicode.data(), unicode.size());
    return hash;
}

PasswordHash hash_nt_password_hash(const PasswordHash& hash) { return md4(hash); }

std::array<std::uint8_t, 8> challenge_hash(const Challenge& peer, const Challenge& authenticator,
                                           std::string_view user_name) {
    const Sha1 digest = sha1({peer, authenticator, text_bytes(challenge_user_name(user_name))});
    std::array<std::uint8_t, 8> out{};
    std::copy_n(digest.begin(), out.size(), out.begin());
    return out;
}

NtResponse challenge_response(const std::array<std::uint8_t, 8>& challenge, const PasswordHash& hash) {
    Wiped<std::array<std::uint8_t, 21>> z;
    std::copy(hash.begin(), hash.end(), z.value.begin());
    NtResponse out{};
    for (int part = 0; part < 3; ++part) {
        Wiped<std::array<std::uint8_t, 8>> key;
        key.value = des_key(z.value.data() + 7 * part);
        const auto block = des_encrypt_block(key.value, challenge);
        std::copy(block.begin(), block.end(), out.begin() + 8 * part);
    }
    return out;
}

NtResponse generate_nt_response(const Challenge& authenticator, const Challenge& peer, std::string_view user_name,
                                const PasswordHash& hash) {
    return challenge_response(challenge_hash(peer, authenticator, user_name), hash);
}

AuthenticatorResponse generate_authenticator_response(const PasswordHash& hash, const NtResponse& nt_response,
                                                      const Challenge& peer, const Challenge& authenticator,
                                                      std::string_view user_name) {
    Wiped<PasswordHash> hash_hash;
    hash_hash.value = hash_nt_password_hash(hash);
    const Sha1 digest = sha1({hash_hash.value, nt_response, text_bytes(auth_magic1)});
    const auto challenge = challenge_hash(peer, authenticator, user_name);
    return sha1({digest, challenge, text_bytes(auth_magic2)});
}

std::string authenticator_response_text(const AuthenticatorResponse& response) {
    std::string hex = to_hex(response);
    std::transform(hex.begin(), hex.end(), hex.begin(), [](char c) { return c >= 'a' && c <= 'f' ? c - 32 : c; });
    return "S=" + hex;
}

Decoded<SuccessMessage> parse_success_message(std::string_view text) {
    if (!text.starts_with("S=")) return DecodeError{"missing_s", "the success message does not start with \"S=\"", 0};
    auto s = parse_hex<20>(text.substr(2));
    if (!s) return DecodeError{"bad_s", "S= is not followed by 40 hex digits (the authenticator response)", 2};
    SuccessMessage out{*s, {}};
    std::string_view rest = text.substr(42);
    if (rest.empty()) return out;
    // RFC 2759 section 5: " M=<message>". Some servers put only a space or nothing after S=.
    if (rest.starts_with(" M=")) out.message = std::string(rest.substr(3));
    else if (rest.find_first_not_of(' ') != std::string_view::npos)
        return DecodeError{"trailing_text", "after the 40 digits of S= comes something other than \" M=\"", 42};
    return out;
}

bool authenticator_response_matches(const SuccessMessage& message, const AuthenticatorResponse& expected) {
    return CRYPTO_memcmp(message.authenticator_response.data(), expected.data(), expected.size()) == 0;
}

Decoded<FailureMessage> parse_failure_message(std::string_view text) {
    if (!text.starts_with("E=")) return DecodeError{"missing_e", "the failure message does not start with \"E=\"", 0};
    FailureMessage out;
    std::size_t pos = 0;
    bool seen_e = false;
    while (pos < text.size()) {
        if (text[pos] == ' ') {
            ++pos;
            continue;
        }
        // M= takes the rest of the text, spaces included.
        if (text.substr(pos).starts_with("M=")) {
            out.message = std::string(text.substr(pos + 2));
            break;
        }
        const std::size_t end = std::min(text.find(' ', pos), text.size());
        const std::string_view token = text.substr(pos, end - pos);
        if (token.size() < 2 || token[1] != '=')
            return DecodeError{"unknown_field", "\"" + std::string(token) + "\" is not one of E=, R=, C=, V=, M=", pos};
        const std::string_view value = token.substr(2);
        switch (token[0]) {
        case 'E': {
            auto e = parse_decimal(value);
            if (!e) return DecodeError{"bad_e", "E= is not a decimal error code", pos + 2};
            out.error = *e;
            seen_e = true;
            break;
        }
        case 'R':
            if (value != "0" && value != "1") return DecodeError{"bad_r", "R= is neither 0 nor 1", pos + 2};
            out.retry = value == "1";
            break;
        case 'C': {
            auto c = value.size() == 32 ? parse_hex<16>(value) : std::nullopt;
            if (!c) return DecodeError{"bad_c", "C= is not 32 hex digits (the new challenge)", pos + 2};
            out.challenge = *c;
            break;
        }
        case 'V': {
            auto v = parse_decimal(value);
            if (!v) return DecodeError{"bad_v", "V= is not a decimal version", pos + 2};
            out.version = *v;
            break;
        }
        default:
            return DecodeError{"unknown_field", "\"" + std::string(token) + "\" is not one of E=, R=, C=, V=, M=", pos};
        }
        pos = end;
    }
    if (!seen_e) return DecodeError{"bad_e", "E= is not a decimal error code", 2};
    return out;
}

std::string_view error_name(std::uint32_t error) {
    switch (error) {
    case 646:
        return "ERROR_RESTRICTED_LOGON_HOURS";
    case 647:
        return "ERROR_ACCT_DISABLED";
    case 648:
        return "ERROR_PASSWD_EXPIRED";
    case 649:
        return "ERROR_NO_DIALIN_PERMISSION";
    case 691:
        return "ERROR_AUTHENTICATION_FAILURE";
    case 709:
        return "ERROR_CHANGING_PASSWORD";
    }
    return "";
}

Key16 master_key(const PasswordHash& password_hash_hash, const NtResponse& nt_response) {
    const Sha1 digest = sha1({password_hash_hash, nt_response, text_bytes(key_magic1)});
    Key16 out{};
    std::copy_n(digest.begin(), out.size(), out.begin());
    return out;
}

Key16 asymmetric_start_key(const Key16& master, bool send, bool server) {
    static const std::array<std::uint8_t, 40> pad1{};
    static const auto pad2 = [] {
        std::array<std::uint8_t, 40> p{};
        p.fill(0xf2);
        return p;
    }();
    // The client's send key is the server's receive key (Magic2); the client's receive key is the server's
    // send key (Magic3).
    const std::string_view magic = send == server ? key_magic3 : key_magic2;
    const Sha1 digest = sha1({master, pad1, text_bytes(magic), pad2});
    Key16 out{};
    std::copy_n(digest.begin(), out.size(), out.begin());
    return out;
}

ClientKeys client_keys(const PasswordHash& password_hash, const NtResponse& nt_response) {
    Wiped<PasswordHash> hash_hash;
    hash_hash.value = hash_nt_password_hash(password_hash);
    Wiped<Key16> master;
    master.value = master_key(hash_hash.value, nt_response);
    return ClientKeys{asymmetric_start_key(master.value, true, false),
                      asymmetric_start_key(master.value, false, false)};
}

Bytes eap_msk(const ClientKeys& keys) {
    Bytes msk(64, 0);
    std::copy(keys.master_send_key.begin(), keys.master_send_key.end(), msk.begin());
    std::copy(keys.master_receive_key.begin(), keys.master_receive_key.end(), msk.begin() + 16);
    return msk;
}

Bytes encode_response_value(const ResponseValue& value) {
    Bytes out;
    put_bytes(out, value.peer_challenge);
    out.insert(out.end(), 8, 0);
    put_bytes(out, value.nt_response);
    put_u8(out, value.flags);
    return out;
}

ResponseValue decode_response_value(ByteView value49) {
    if (value49.size() != response_value_size)
        throw std::invalid_argument("an MS-CHAPv2 Response value has 49 bytes, not " + std::to_string(value49.size()));
    ResponseValue out;
    std::copy_n(value49.begin(), 16, out.peer_challenge.begin());
    std::copy_n(value49.begin() + 24, 24, out.nt_response.begin());
    out.flags = value49[48];
    return out;
}

ClientResponse respond(const Challenge& authenticator, const Challenge& peer_challenge, std::string_view user_name,
                       std::string_view password_utf8) {
    Wiped<PasswordHash> hash;
    hash.value = nt_password_hash(password_utf8);
    ClientResponse out;
    out.value.peer_challenge = peer_challenge;
    out.value.nt_response = generate_nt_response(authenticator, peer_challenge, user_name, hash.value);
    out.expected_authenticator_response =
        generate_authenticator_response(hash.value, out.value.nt_response, peer_challenge, authenticator, user_name);
    out.keys = client_keys(hash.value, out.value.nt_response);
    return out;
}

SuccessCheck check_success(std::string_view success_message, const AuthenticatorResponse& expected) {
    const auto parsed = parse_success_message(success_message);
    if (!parsed) return SuccessCheck::malformed;
    return authenticator_response_matches(*parsed, expected) ? SuccessCheck::proven : SuccessCheck::wrong_authenticator;
}

std::string describe_unproven(SuccessCheck check, std::string_view what) {
    if (check == SuccessCheck::malformed) return std::string(what) + " message is not \"S=<40 hex digits> [M=...]\"";
    return std::string(what) +
           " carries the wrong authenticator response (S=): the server does not know the password, or something in "
           "between answers for it";
}

}  // namespace vpnprobe::protocol::mschapv2
