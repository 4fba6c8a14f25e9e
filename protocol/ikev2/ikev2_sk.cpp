#include "protocol/ikev2/ikev2_sk.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace vpnprobe::protocol::ikev2 {

namespace {

Bytes next_iv(const IvSource& iv, std::size_t size) { return iv ? iv(size) : random_iv(size); }

// `m` (whose last payload is an SK or SKF stand-in with an empty body) with `plaintext` sealed into it.
Bytes seal_into(const Message& m, ByteView plaintext, const SkCipher& cipher, const IvSource& iv) {
    Bytes out = encode_unencrypted_prefix(m, cipher.sealed_size(plaintext.size()));
    const Bytes sealed = cipher.seal(out, plaintext, next_iv(iv, cipher.iv_size()));
    out.insert(out.end(), sealed.begin(), sealed.end());
    return out;
}

Message bare(const Header& header) {
    Message m;
    m.header = header;
    return m;
}

// The bytes before `encrypted`, which must be the end of `message`: what the ICV or the AEAD tag covers.
ByteView prefix_of(ByteView message, const Bytes& encrypted) {
    if (encrypted.size() > message.size() ||
        !std::equal(encrypted.begin(), encrypted.end(), message.end() - static_cast<std::ptrdiff_t>(encrypted.size())))
        throw std::invalid_argument("the encrypted payload is not the end of the message given");
    return message.first(message.size() - encrypted.size());
}

DecodeError inner_error(const DecodeError& e) {
    return DecodeError{"inner_payloads: " + e.code, "in the decrypted payloads: " + e.message, e.offset};
}

}  // namespace

Bytes random_iv(std::size_t size) {
    Bytes iv(size);
    if (size != 0 && RAND_bytes(iv.data(), static_cast<int>(size)) != 1)
        throw std::runtime_error("RAND_bytes failed to produce an IV");
    return iv;
}

Bytes seal_message(const Header& header, PayloadType first_inner, ByteView plaintext, const SkCipher& cipher,
                   const IvSource& iv) {
    Message m = bare(header);
    m.payloads.push_back(SkPayload{first_inner, {}});
    return seal_into(m, plaintext, cipher, iv);
}

Bytes seal_message(const Header& header, const std::vector<Payload>& payloads, const SkCipher& cipher,
                   const IvSource& iv) {
    const InnerChain inner = encode_inner_payloads(payloads);
    return seal_message(header, inner.first_type, inner.bytes, cipher, iv);
}

Bytes seal_fragment(const Header& header, std::uint16_t number, std::uint16_t total, PayloadType first_inner,
                    ByteView part, const SkCipher& cipher, const IvSource& iv) {
    Message m = bare(header);
    m.payloads.push_back(SkfPayload{number, total, first_inner, {}});
    return seal_into(m, part, cipher, iv);
}

std::vector<Bytes> seal_fragments(const Header& header, PayloadType first_inner, ByteView plaintext,
                                  const SkCipher& cipher, std::size_t max_message_size, const IvSource& iv) {
    // Largest piece whose sealed fragment fits. sealed_size() grows with the piece (padding makes steps), so
    // count up from one byte; pieces are at most a few KB.
    const std::size_t room = max_message_size > skf_message_overhead ? max_message_size - skf_message_overhead : 0;
    if (cipher.sealed_size(1) > room) {
        throw std::invalid_argument("fragment size limit of " + std::to_string(max_message_size) +
                                    " bytes cannot hold one encrypted byte (needs " +
                                    std::to_string(skf_message_overhead + cipher.sealed_size(1)) + ")");
    }
    std::size_t chunk = 1;
    while (chunk < plaintext.size() && cipher.sealed_size(chunk + 1) <= room) ++chunk;
    const std::size_t total = plaintext.empty() ? 1 : (plaintext.size() + chunk - 1) / chunk;
    if (total > 0xffff) throw std::invalid_argument("more than 65535 fragments");
    std::vector<Bytes> out;
    out.reserve(total);
    for (std::size_t i = 0; i < total; ++i) {
        const std::size_t from = i * chunk;
        const ByteView part = plaintext.subspan(from, std::min(chunk, plaintext.size() - from));
        out.push_back(seal_fragment(header, static_cast<std::uint16_t>(i + 1), static_cast<std::uint16_t>(total),
                                    i == 0 ? first_inner : PayloadType::none, part, cipher, iv));
    }
    return out;
}

std::vector<Bytes> seal_protected(const Header& header, const std::vector<Payload>& payloads, const SkCipher& cipher,
                                  std::optional<std::size_t> fragment_limit, const IvSource& iv) {
    const InnerChain inner = encode_inner_payloads(payloads);
    if (!fragment_limit || sk_message_overhead + cipher.sealed_size(inner.bytes.size()) <= *fragment_limit)
        return {seal_message(header, inner.first_type, inner.bytes, cipher, iv)};
    return seal_fragments(header, inner.first_type, inner.bytes, cipher, *fragment_limit, iv);
}

Decoded<std::vector<Payload>> open_sk(ByteView message, const SkPayload& sk, const SkCipher& cipher) {
    auto plain = cipher.open(prefix_of(message, sk.encrypted), sk.encrypted);
    if (!plain) return plain.error();
    auto inner = decode_inner_payloads(sk.first_inner, *plain);
    if (!inner) return inner_error(inner.error());
    return std::move(inner).value();
}

Decoded<Bytes> open_skf(ByteView message, const SkfPayload& skf, const SkCipher& cipher) {
    return cipher.open(prefix_of(message, skf.encrypted), skf.encrypted);
}

Decoded<Message> open_message(ByteView message, const SkCipher& cipher) {
    auto m = decode_message(message);
    if (!m) return m.error();
    if (m->payloads.empty() || m->payloads.back().get<SkPayload>() == nullptr) {
        if (!m->payloads.empty() && m->payloads.back().get<SkfPayload>() != nullptr)
            return DecodeError{"fragment", "the message is an encrypted fragment (SKF), not a whole SK message",
                               message.size() - m->payloads.back().get<SkfPayload>()->encrypted.size()};
        return DecodeError{"not_encrypted", "the message has no Encrypted payload (SK)", header_size};
    }
    Message out = std::move(m).value();
    const SkPayload sk = std::get<SkPayload>(std::move(out.payloads.back().body));
    out.payloads.pop_back();
    auto inner = open_sk(message, sk, cipher);
    if (!inner) return inner.error();
    for (auto& p : std::move(inner).value()) out.payloads.push_back(std::move(p));
    return out;
}

Decoded<OpenedFragment> open_fragment(ByteView message, const SkCipher& cipher) {
    auto m = decode_message(message);
    if (!m) return m.error();
    const SkfPayload* skf = m->payloads.empty() ? nullptr : m->payloads.back().get<SkfPayload>();
    if (!skf) return DecodeError{"not_encrypted", "the message has no Encrypted Fragment payload (SKF)", header_size};
    auto plain = open_skf(message, *skf, cipher);
    if (!plain) return plain.error();
    return OpenedFragment{m->header, skf->fragment_number, skf->total_fragments, skf->first_inner,
                          std::move(plain).value()};
}

bool could_be_forged(const DecodeError& error) {
    return error.code != "bad_padding" && !error.code.starts_with("inner_payloads: ");
}

Bytes nat_detection_hash(std::uint64_t spi_i, std::uint64_t spi_r, ByteView address, std::uint16_t port) {
    if (address.size() != 4 && address.size() != 16) {
        throw std::invalid_argument("NAT detection needs a 4-byte IPv4 or 16-byte IPv6 address, got " +
                                    std::to_string(address.size()) + " bytes");
    }
    std::uint8_t in[8 + 8 + 16 + 2];
    std::size_t len = 0;
    for (int i = 7; i >= 0; --i) in[len++] = static_cast<std::uint8_t>(spi_i >> (8 * i));
    for (int i = 7; i >= 0; --i) in[len++] = static_cast<std::uint8_t>(spi_r >> (8 * i));
    std::copy(address.begin(), address.end(), in + len);
    len += address.size();
    in[len++] = static_cast<std::uint8_t>(port >> 8);
    in[len++] = static_cast<std::uint8_t>(port);
    // SHA-1 fetched once per process (EVP_sha1() makes EVP_Digest fetch the implementation on every call, 40% of the
    // hash's cost; two hashes per IKE_SA_INIT request, two per answer). Never freed: it lives as long as the
    // process. A digest context per thread, reset by each EVP_DigestInit_ex2, instead of one made and freed per hash.
    static EVP_MD* const sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
    struct Context {
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        ~Context() { EVP_MD_CTX_free(ctx); }
    };
    thread_local Context c;
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned int n = 0;
    if (!c.ctx || EVP_DigestInit_ex2(c.ctx, sha1 ? sha1 : EVP_sha1(), nullptr) != 1 ||
        EVP_DigestUpdate(c.ctx, in, len) != 1 || EVP_DigestFinal_ex(c.ctx, out.data(), &n) != 1)
        throw std::runtime_error("SHA-1 failed");
    out.resize(n);
    return out;
}

}  // namespace vpnprobe::protocol::ikev2
