// IKEv2 wire format: real messages captured from strongSwan 5.9.8 and libreswan 4.10 (tests/data/ikev2/, cut
// from /work/shared/lab-reference/captures/*.pcap: the UDP payloads, without the non-ESP marker on port 4500),
// round trips of every payload, malformed input with the error code and offset each must produce, and a
// random-mutation loop.
//
//   libreswan-sa-init-request.bin        libreswan-sa-init.pcap #9: ike-scan's fixed proposal, KE group 14
//   libreswan-sa-init-response.bin       libreswan-sa-init.pcap #10
//   libreswan-no-proposal-chosen.bin     libreswan-sa-init.pcap #2
//   libreswan-invalid-ke.bin             libreswan-sa-init.pcap #8
//   strongswan-sa-init-request.bin       strongswan-eap-fragmented-e2e.pcap #5 (strongSwan initiator)
//   strongswan-sa-init-response.bin      strongswan-eap-fragmented-e2e.pcap #6
//   strongswan-ike-auth-request.bin      strongswan-eap-fragmented-e2e.pcap #7
//   strongswan-ike-auth-response-skf1/2  strongswan-eap-fragmented-e2e.pcap #8, #9
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "protocol/ikev2/ikev2_message.hpp"
#include "protocol/ikev2/ikev2_proposal.hpp"

using namespace vpnprobe::protocol;
using namespace vpnprobe::protocol::ikev2;

namespace {

Bytes read_file(const std::string& name) {
    std::ifstream in(std::string(VPNPROBE_TEST_DATA) + "/ikev2/" + name, std::ios::binary);
    EXPECT_TRUE(in) << "cannot open " << name;
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

const std::vector<std::string> capture_names = {
    "libreswan-sa-init-request.bin",   "libreswan-sa-init-response.bin",        "libreswan-no-proposal-chosen.bin",
    "libreswan-invalid-ke.bin",        "strongswan-sa-init-request.bin",        "strongswan-sa-init-response.bin",
    "strongswan-ike-auth-request.bin", "strongswan-ike-auth-response-skf1.bin", "strongswan-ike-auth-response-skf2.bin",
};

Message decode_ok(const Bytes& bytes) {
    auto decoded = decode_message(bytes);
    EXPECT_TRUE(decoded.ok()) << decoded.error().to_string();
    return decoded.ok() ? decoded.value() : Message{};
}

void expect_error(const Bytes& bytes, const std::string& code, std::size_t offset) {
    auto decoded = decode_message(bytes);
    ASSERT_FALSE(decoded.ok()) << "decoded as " << describe(decoded.value());
    EXPECT_EQ(decoded.error().code, code) << decoded.error().to_string();
    EXPECT_EQ(decoded.error().offset, offset) << decoded.error().to_string();
    EXPECT_FALSE(decoded.error().message.empty());
}

void set_u16(Bytes& b, std::size_t at, std::uint16_t v) {
    b.at(at) = static_cast<std::uint8_t>(v >> 8);
    b.at(at + 1) = static_cast<std::uint8_t>(v);
}

void set_u32(Bytes& b, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b.at(at + i) = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

void fix_header_length(Bytes& b) { set_u32(b, 24, static_cast<std::uint32_t>(b.size())); }

Bytes filled(std::size_t size, std::uint8_t first) {
    Bytes b(size);
    for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>(first + i);
    return b;
}

Message message_with(std::vector<Payload> payloads, ExchangeType exchange = ExchangeType::ike_sa_init,
                     std::uint8_t flags = flag_initiator, std::uint32_t message_id = 0) {
    Message m;
    m.header.spi_i = 0x0102030405060708;
    m.header.spi_r = exchange == ExchangeType::ike_sa_init ? 0 : 0x1112131415161718;
    m.header.exchange = exchange;
    m.header.flags = flags;
    m.header.message_id = message_id;
    m.payloads = std::move(payloads);
    return m;
}

std::vector<PayloadType> types_of(const Message& m) {
    std::vector<PayloadType> types;
    for (const auto& p : m.payloads) types.push_back(p.type);
    return types;
}

std::string spi_hex(std::uint64_t spi) {
    Bytes b;
    put_u64(b, spi);
    return to_hex(b);
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// The proposal the SA tests patch: 32 = proposal header, transforms at 40 (12 bytes, with Key Length),
// 52, 60 and 68 (8 bytes each); the message ends at 76.
Bytes sa_message() {
    Proposal p;
    p.transforms = {Transform(TransformType::encr, encr_alg::aes_cbc, 256),
                    Transform(TransformType::integ, integ_alg::hmac_sha2_256_128),
                    Transform(TransformType::prf, prf_alg::hmac_sha2_256),
                    Transform(TransformType::ke, dh_group::modp2048)};
    Bytes b = encode_message(message_with({SaPayload{{p}}}));
    EXPECT_EQ(b.size(), 76u);
    return b;
}

}  // namespace

// ---- real messages ---------------------------------------------------------------------------------------

TEST(Ikev2Capture, LibreswanSaInitRequestIsIkeScansFixedProposal) {
    Message m = decode_ok(read_file("libreswan-sa-init-request.bin"));
    EXPECT_EQ(m.header.exchange, ExchangeType::ike_sa_init);
    EXPECT_FALSE(m.header.response());
    EXPECT_TRUE(m.header.initiator());
    EXPECT_EQ(m.header.message_id, 0u);
    EXPECT_EQ(spi_hex(m.header.spi_i), "d15df1b8d7246245");
    EXPECT_EQ(m.header.spi_r, 0u);
    EXPECT_EQ(m.header.version, 0x20);
    EXPECT_EQ(describe(m), "IKE_SA_INIT request 0 [ SA KE No ]");

    const SaPayload* sa = m.find<SaPayload>();
    ASSERT_NE(sa, nullptr);
    ASSERT_EQ(sa->proposals.size(), 1u);
    EXPECT_EQ(sa->proposals[0].transforms.size(), 11u);
    EXPECT_EQ(describe(sa->proposals[0]),
              "IKE:AES_CBC_256/AES_CBC_128/3DES_CBC/DES_CBC/HMAC_SHA1_96/HMAC_MD5_96/PRF_HMAC_SHA1/PRF_HMAC_MD5/"
              "MODP_1024/MODP_1536/MODP_2048");
    EXPECT_EQ(format_proposal(sa->proposals[0]), "aes256-aes128-3des-des-sha1-md5-modp1024-modp1536-modp2048");

    const KePayload* ke = m.find<KePayload>();
    ASSERT_NE(ke, nullptr);
    EXPECT_EQ(ke->group, dh_group::modp2048);
    EXPECT_EQ(ke->data.size(), 256u);
    EXPECT_EQ(m.find<NoncePayload>()->nonce.size(), 20u);
}

TEST(Ikev2Capture, LibreswanSaInitResponse) {
    Message m = decode_ok(read_file("libreswan-sa-init-response.bin"));
    EXPECT_TRUE(m.header.response());
    EXPECT_FALSE(m.header.initiator());
    EXPECT_EQ(spi_hex(m.header.spi_i), "d15df1b8d7246245");
    EXPECT_EQ(spi_hex(m.header.spi_r), "f4d3c811b7004551");
    EXPECT_EQ(describe(m),
              "IKE_SA_INIT response 0 [ SA KE No N(FRAG_SUP) N(HASH_ALG) N(NATD_S_IP) N(NATD_D_IP) "
              "N(CHDLESS_SUP) CERTREQ ]");

    // The chosen proposal: one proposal, one transform of each type.
    const SaPayload* sa = m.find<SaPayload>();
    ASSERT_NE(sa, nullptr);
    ASSERT_EQ(sa->proposals.size(), 1u);
    const Proposal& chosen = sa->proposals[0];
    EXPECT_EQ(chosen.number, 1);
    EXPECT_EQ(chosen.protocol, static_cast<std::uint8_t>(ProtocolId::ike));
    EXPECT_TRUE(chosen.spi.empty());
    ASSERT_EQ(chosen.transforms.size(), 4u);
    EXPECT_EQ(chosen.transforms[0], Transform(TransformType::encr, encr_alg::aes_cbc, 256));
    EXPECT_EQ(chosen.transforms[1], Transform(TransformType::prf, prf_alg::hmac_sha1));
    EXPECT_EQ(chosen.transforms[2], Transform(TransformType::integ, integ_alg::hmac_sha1_96));
    EXPECT_EQ(chosen.transforms[3], Transform(TransformType::ke, dh_group::modp2048));
    EXPECT_EQ(describe(chosen), "IKE:AES_CBC_256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048");
    EXPECT_EQ(format_proposal(chosen), "aes256-sha1-modp2048");

    EXPECT_EQ(m.notify_types(),
              (std::vector<std::uint16_t>{notify::ikev2_fragmentation_supported, notify::signature_hash_algorithms,
                                          notify::nat_detection_source_ip, notify::nat_detection_destination_ip,
                                          notify::childless_ikev2_supported}));
    auto hashes = signature_hash_algorithms(*m.find_notify(notify::signature_hash_algorithms));
    ASSERT_TRUE(hashes.ok());
    EXPECT_EQ(*hashes, (std::vector<std::uint16_t>{hash_algorithm::sha2_256, hash_algorithm::sha2_384,
                                                   hash_algorithm::sha2_512}));
    auto natd = nat_detection_hash(*m.find_notify(notify::nat_detection_source_ip));
    ASSERT_TRUE(natd.ok());
    EXPECT_EQ(to_hex(*natd), "e4ea80c9b8ea3638119857ebfe05933aa19d37bb");
    EXPECT_EQ(m.find<VendorIdPayload>(), nullptr);  // libreswan sends none by default

    const CertReqPayload* certreq = m.find<CertReqPayload>();
    ASSERT_NE(certreq, nullptr);
    EXPECT_EQ(certreq->encoding, cert_encoding::x509_signature);
    auto cas = ca_key_hashes(*certreq);
    ASSERT_TRUE(cas.ok());
    ASSERT_EQ(cas->size(), 1u);
    EXPECT_EQ(to_hex((*cas)[0]), "24b574c1d1a302a46b4e540acaccd7a332cc5149");

    const std::string detail = describe_detailed(m);
    EXPECT_TRUE(contains(detail, "\n  SA: #1 IKE:AES_CBC_256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048\n")) << detail;
    EXPECT_TRUE(contains(detail, "\n  KE: MODP_2048 (2048-bit MODP), 256 bytes\n")) << detail;
    EXPECT_TRUE(contains(detail, "\n  N: SIGNATURE_HASH_ALGORITHMS sha256,sha384,sha512\n")) << detail;
    EXPECT_TRUE(contains(detail, "\n  N: NAT_DETECTION_SOURCE_IP e4ea80c9b8ea3638119857ebfe05933aa19d37bb\n"))
        << detail;
    EXPECT_TRUE(contains(detail,
                         "\n  CERTREQ: X.509 Certificate - Signature, 1 CA key hash: "
                         "24b574c1d1a302a46b4e540acaccd7a332cc5149"))
        << detail;
    EXPECT_TRUE(
        detail.starts_with("IKE_SA_INIT response 0: SPIi d15df1b8d7246245 SPIr f4d3c811b7004551 flags R "
                           "version 2.0, 487 bytes"))
        << detail;
}

TEST(Ikev2Capture, LibreswanErrorResponses) {
    Message no_prop = decode_ok(read_file("libreswan-no-proposal-chosen.bin"));
    EXPECT_EQ(describe(no_prop), "IKE_SA_INIT response 0 [ N(NO_PROP) ]");
    ASSERT_NE(no_prop.find_notify(notify::no_proposal_chosen), nullptr);
    EXPECT_TRUE(is_error_notify(notify::no_proposal_chosen));

    Message invalid_ke = decode_ok(read_file("libreswan-invalid-ke.bin"));
    EXPECT_EQ(describe(invalid_ke), "IKE_SA_INIT response 0 [ N(INVAL_KE) ]");
    auto group = invalid_ke_group(*invalid_ke.find_notify(notify::invalid_ke_payload));
    ASSERT_TRUE(group.ok());
    EXPECT_EQ(*group, dh_group::modp2048);
    EXPECT_TRUE(contains(describe_detailed(invalid_ke), "N: INVALID_KE_PAYLOAD wants MODP_2048"));
}

TEST(Ikev2Capture, StrongswanSaInitRequest) {
    Message m = decode_ok(read_file("strongswan-sa-init-request.bin"));
    EXPECT_EQ(describe(m),
              "IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) N(FRAG_SUP) N(HASH_ALG) N(REDIR_SUP) ]");
    const SaPayload* sa = m.find<SaPayload>();
    ASSERT_NE(sa, nullptr);
    EXPECT_EQ(format_proposal(sa->proposals.at(0)), "aes128gcm16-prfsha256-ecp256");  // its swanctl.conf proposal
    EXPECT_EQ(sa->proposals.at(0), parse_proposal("aes128gcm16-prfsha256-ecp256"));
}

TEST(Ikev2Capture, StrongswanSaInitResponse) {
    Message m = decode_ok(read_file("strongswan-sa-init-response.bin"));
    // The line strongSwan itself logged for this response, plus its vendor ID (send_vendor_id = yes).
    EXPECT_EQ(describe(m),
              "IKE_SA_INIT response 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) CERTREQ N(FRAG_SUP) "
              "N(HASH_ALG) N(CHDLESS_SUP) N(MULT_AUTH) V ]");
    EXPECT_EQ(types_of(m), (std::vector<PayloadType>{PayloadType::sa, PayloadType::ke, PayloadType::nonce,
                                                     PayloadType::notify, PayloadType::notify, PayloadType::certreq,
                                                     PayloadType::notify, PayloadType::notify, PayloadType::notify,
                                                     PayloadType::notify, PayloadType::vendor_id}));
    EXPECT_EQ(m.notify_types(),
              (std::vector<std::uint16_t>{notify::nat_detection_source_ip, notify::nat_detection_destination_ip,
                                          notify::ikev2_fragmentation_supported, notify::signature_hash_algorithms,
                                          notify::childless_ikev2_supported, notify::multiple_auth_supported}));

    const Proposal& chosen = m.find<SaPayload>()->proposals.at(0);
    EXPECT_EQ(chosen.transforms, (std::vector<Transform>{Transform(TransformType::encr, encr_alg::aes_gcm_16, 128),
                                                         Transform(TransformType::prf, prf_alg::hmac_sha2_256),
                                                         Transform(TransformType::ke, dh_group::ecp256)}));
    EXPECT_EQ(describe(chosen), "IKE:AES_GCM_16_128/PRF_HMAC_SHA2_256/ECP_256");
    EXPECT_EQ(m.find<KePayload>()->data.size(), *ke_data_size(dh_group::ecp256));
    EXPECT_EQ(m.find<NoncePayload>()->nonce.size(), 32u);

    const VendorIdPayload* vid = m.find<VendorIdPayload>();
    ASSERT_NE(vid, nullptr);
    EXPECT_EQ(to_hex(vid->data), "882fe56d6fd20dbc2251613b2ebe5beb");
    EXPECT_EQ(vendor_id_name(vid->data), "strongSwan");

    const std::string detail = describe_detailed(m);
    EXPECT_TRUE(contains(detail, "\n  N: SIGNATURE_HASH_ALGORITHMS sha256,sha384,sha512,identity\n")) << detail;
    EXPECT_TRUE(contains(detail, "\n  V: strongSwan")) << detail;
    EXPECT_TRUE(contains(detail, "\n  SA: #1 IKE:AES_GCM_16_128/PRF_HMAC_SHA2_256/ECP_256\n")) << detail;
    EXPECT_TRUE(contains(detail, "\n  N: IKEV2_FRAGMENTATION_SUPPORTED\n")) << detail;
}

TEST(Ikev2Capture, StrongswanIkeAuthFragments) {
    Message response = decode_ok(read_file("strongswan-sa-init-response.bin"));
    Bytes first_bytes = read_file("strongswan-ike-auth-response-skf1.bin");
    Message first = decode_ok(first_bytes);
    Message second = decode_ok(read_file("strongswan-ike-auth-response-skf2.bin"));

    for (const Message* m : {&first, &second}) {
        EXPECT_EQ(m->header.exchange, ExchangeType::ike_auth);
        EXPECT_TRUE(m->header.response());
        EXPECT_EQ(m->header.message_id, 1u);
        EXPECT_EQ(m->header.spi_i, response.header.spi_i);
        EXPECT_EQ(m->header.spi_r, response.header.spi_r);
        ASSERT_EQ(m->payloads.size(), 1u);
        EXPECT_EQ(m->payloads[0].type, PayloadType::skf);
    }
    EXPECT_EQ(describe(first), "IKE_AUTH response 1 [ EF(1/2) ]");
    EXPECT_EQ(describe(second), "IKE_AUTH response 1 [ EF(2/2) ]");
    const SkfPayload* f1 = first.payloads[0].get<SkfPayload>();
    const SkfPayload* f2 = second.payloads[0].get<SkfPayload>();
    ASSERT_TRUE(f1 && f2);
    EXPECT_EQ(f1->fragment_number, 1);
    EXPECT_EQ(f1->total_fragments, 2);
    EXPECT_EQ(f1->first_inner, PayloadType::idr);  // RFC 7383: only fragment 1 names the first inner payload
    EXPECT_EQ(f1->encrypted.size(), 468u - 28 - 8);
    EXPECT_EQ(f2->fragment_number, 2);
    EXPECT_EQ(f2->total_fragments, 2);
    EXPECT_EQ(f2->first_inner, PayloadType::none);
    EXPECT_EQ(f2->encrypted.size(), 236u - 28 - 8);
    EXPECT_TRUE(contains(describe_detailed(first), "\n  SKF fragment 1/2: first inner IDr, 432 bytes encrypted"));

    // The associated data an AEAD cipher authenticates: header, SKF header, fragment fields.
    Bytes prefix = encode_unencrypted_prefix(first, f1->encrypted.size());
    EXPECT_EQ(prefix, Bytes(first_bytes.begin(), first_bytes.begin() + 36));
}

TEST(Ikev2Capture, StrongswanIkeAuthRequest) {
    Message m = decode_ok(read_file("strongswan-ike-auth-request.bin"));
    EXPECT_EQ(describe(m), "IKE_AUTH request 1 [ E ]");
    const SkPayload* sk = m.find<SkPayload>();
    ASSERT_NE(sk, nullptr);
    EXPECT_EQ(sk->first_inner, PayloadType::idi);
    EXPECT_EQ(sk->encrypted.size(), 265u - 28 - 4);
}

TEST(Ikev2Capture, EveryCaptureEncodesBackToItsBytes) {
    for (const auto& name : capture_names) {
        SCOPED_TRACE(name);
        Bytes bytes = read_file(name);
        Message m = decode_ok(bytes);
        EXPECT_EQ(m.header.length, bytes.size());
        EXPECT_EQ(encode_message(m), bytes);
        EXPECT_FALSE(describe_detailed(m).empty());
    }
}

// The ChainWriter (a request's parts encoded once: the SA offer, the payloads behind a COOKIE) must give the bytes
// encode_message gives: every capture without SK/SKF, written payload by payload, as bodies already encoded, and
// as its first k payloads followed by the rest encoded before, for every k.
TEST(Ikev2Capture, ChainWriterWritesEachCaptureAsEncodeMessageDoes) {
    int written = 0;
    for (const auto& name : capture_names) {
        SCOPED_TRACE(name);
        Bytes bytes = read_file(name);
        Message m = decode_ok(bytes);
        bool encrypted = false;
        for (const auto& p : m.payloads)
            encrypted = encrypted || p.type == PayloadType::sk || p.type == PayloadType::skf;
        if (encrypted) continue;
        ++written;
        ChainWriter each, bodies;
        for (const auto& p : m.payloads) {
            each.add(p);
            bodies.add_encoded(p.type, encode_payload_body(p), p.critical);
        }
        EXPECT_EQ(encode_message(m.header, each.take()), bytes);
        EXPECT_EQ(encode_message(m.header, bodies.take()), bytes);
        for (std::size_t k = 0; k <= m.payloads.size(); ++k) {
            SCOPED_TRACE(k);
            ChainWriter w;
            for (std::size_t i = 0; i < k; ++i) w.add(m.payloads[i]);
            w.add_chain(encode_inner_payloads(
                std::vector<Payload>(m.payloads.begin() + static_cast<std::ptrdiff_t>(k), m.payloads.end())));
            EXPECT_EQ(encode_message(m.header, w.take()), bytes);
        }
    }
    EXPECT_EQ(written, 6);
}

// A COOKIE retry (RFC 7296 2.6): the notify in front of the request's payloads encoded before is the message with
// the cookie first, and a payload may still follow an added chain.
TEST(Ikev2Capture, ChainWriterPutsACookieInFrontOfAnEncodedRequest) {
    Message m = decode_ok(read_file("strongswan-sa-init-request.bin"));
    InnerChain request = encode_inner_payloads(m.payloads);
    NotifyPayload cookie{0, {}, notify::cookie, Bytes(20, 0xc5)};
    ChainWriter w;
    w.add(cookie);
    w.add_chain(request);
    w.add(VendorIdPayload{Bytes{1, 2, 3}});
    Message with_cookie = m;
    with_cookie.payloads.insert(with_cookie.payloads.begin(), cookie);
    with_cookie.payloads.push_back(VendorIdPayload{Bytes{1, 2, 3}});
    Bytes expected = encode_message(with_cookie);
    EXPECT_EQ(encode_message(m.header, w.take()), expected);
    Message back = decode_ok(expected);
    ASSERT_FALSE(back.payloads.empty());
    EXPECT_EQ(back.payloads.front().type, PayloadType::notify);
    EXPECT_NE(back.find_notify(notify::cookie), nullptr);
}

TEST(Ikev2Capture, ChainWriterRefusesEncryptedPayloadsAndTooManyPayloads) {
    ChainWriter w;
    EXPECT_THROW(w.add(SkPayload{PayloadType::idr, Bytes(16, 0)}), std::invalid_argument);
    ChainWriter many;
    for (std::size_t i = 0; i < max_payloads; ++i) many.add(NoncePayload{Bytes(16, 1)});
    EXPECT_THROW(many.add(NoncePayload{Bytes(16, 1)}), std::invalid_argument);
    ChainWriter big;
    EXPECT_THROW(big.add_encoded(PayloadType::vendor_id, Bytes(0x10000, 0)), std::invalid_argument);
}

TEST(Ikev2Capture, DecodeHeaderAloneAndTheNonEspMarker) {
    Bytes bytes = read_file("strongswan-ike-auth-response-skf2.bin");
    auto header = decode_header(ByteView(bytes).first(28));
    ASSERT_TRUE(header.ok());
    EXPECT_EQ(header->exchange, ExchangeType::ike_auth);
    EXPECT_EQ(header->length, bytes.size());

    Bytes datagram = add_non_esp_marker(bytes);
    ASSERT_EQ(datagram.size(), bytes.size() + 4);
    auto inner = strip_non_esp_marker(datagram);
    ASSERT_TRUE(inner.has_value());
    EXPECT_TRUE(std::equal(inner->begin(), inner->end(), bytes.begin(), bytes.end()));
    Bytes esp = {0x34, 0xe6, 0x36, 0x6c, 0, 0, 0, 1};  // an ESP packet: SPI, sequence number
    EXPECT_FALSE(strip_non_esp_marker(esp).has_value());
    EXPECT_FALSE(strip_non_esp_marker(Bytes{0, 0, 0}).has_value());
}

// ---- building and round trips ---------------------------------------------------------------------------------

namespace {

Bytes dn_vpn_ikelab() {
    // SEQUENCE { SET { SEQUENCE { 2.5.4.10, UTF8String "ikelab" } }, SET { SEQUENCE { 2.5.4.3, "vpn.ikelab.test" } } }
    return from_hex(
        "302b310f300d060355040a0c06696b656c6162"
        "3118301606035504030c0f76706e2e696b656c61622e74657374");
}

TrafficSelector v4_selector(std::string_view start, std::string_view end) {
    TrafficSelector ts;
    ts.start_address = from_hex(start);
    ts.end_address = from_hex(end);
    return ts;
}

// One of every payload this codec decodes, unencrypted, as a decrypted IKE_AUTH would hold them.
std::vector<Payload> every_payload() {
    Proposal ike = parse_proposal("aes256-sha256-modp2048");
    Proposal esp = parse_proposal("aes128gcm16-ecp256", ProtocolId::esp, 2);
    esp.spi = {0xc1, 0x23, 0x45, 0x67};
    Transform odd(TransformType::encr, encr_alg::aes_cbc, 128);
    odd.other_attributes = {TransformAttribute{17, true, 5, {}}, TransformAttribute{18, false, 0, {1, 2, 3}}};
    Proposal strange;
    strange.number = 3;
    strange.transforms = {odd, Transform(TransformType::integ, 99), Transform(TransformType::ke, dh_group::curve25519)};

    TrafficSelector v6;
    v6.type = ts_type::ipv6_addr_range;
    v6.ip_protocol = 17;
    v6.start_port = 500;
    v6.end_port = 500;
    v6.start_address = from_hex("20010db8000000000000000000000001");
    v6.end_address = from_hex("20010db8000000000000000000000001");
    TrafficSelector seclabel;
    seclabel.type = ts_type::seclabel;
    seclabel.other = {'s', 'y', 's', 't', 'e', 'm', '_', 'u'};

    // RFC 7427: length of the AlgorithmIdentifier, ecdsa-with-SHA256 (Appendix A.3.1), then the signature.
    AuthPayload auth{auth_method::digital_signature, from_hex("0c300a06082a8648ce3d040302")};
    Bytes signature = filled(64, 0x50);
    auth.data.insert(auth.data.end(), signature.begin(), signature.end());

    return {
        SaPayload{{ike, esp, strange}},
        KePayload{dh_group::ecp256, filled(64, 1)},
        NoncePayload{filled(32, 2)},
        NotifyPayload{0, {}, notify::ikev2_fragmentation_supported, {}},
        make_signature_hash_algorithms({2, 3, 4, 5}),
        NotifyPayload{static_cast<std::uint8_t>(ProtocolId::esp), {0, 0, 0, 1}, notify::rekey_sa, {}},
        NotifyPayload{0, {}, notify::cookie, filled(16, 3)},
        VendorIdPayload{from_hex("882fe56d6fd20dbc2251613b2ebe5beb")},
        CertReqPayload{cert_encoding::x509_signature, filled(40, 4)},
        CertPayload{cert_encoding::x509_signature, filled(100, 5)},
        Payload::idi(IdPayload{id_type::ipv4_addr, {10, 99, 0, 2}}),
        Payload::idr(IdPayload{id_type::der_asn1_dn, dn_vpn_ikelab()}),
        auth,
        EapPayload{eap_code::request, 1, eap_type::identity, {}},
        EapPayload{eap_code::response, 1, eap_type::identity, {'a', 'l', 'i', 'c', 'e'}},
        EapPayload{eap_code::success, 7, std::nullopt, {}},
        CpPayload{
            cfg_type::request,
            {CpAttribute{cfg_attribute::internal_ip4_address, {}}, CpAttribute{cfg_attribute::internal_ip4_dns, {}}}},
        CpPayload{cfg_type::reply,
                  {CpAttribute{cfg_attribute::internal_ip4_address, {10, 98, 0, 1}},
                   CpAttribute{cfg_attribute::internal_ip6_address, filled(17, 6)}}},
        Payload::tsi(TsPayload{{v4_selector("0a000001", "0a000001"), v6, seclabel}}),
        Payload::tsr(TsPayload{{v4_selector("00000000", "ffffffff")}}),
        DeletePayload{static_cast<std::uint8_t>(ProtocolId::esp), 4, {{1, 2, 3, 4}, {5, 6, 7, 8}}},
        DeletePayload{static_cast<std::uint8_t>(ProtocolId::ike), 0, {}},
        Payload(PayloadType::gspm, UnknownPayload{{9, 9, 9}}),
        Payload(static_cast<PayloadType>(200), UnknownPayload{{}}),
    };
}

}  // namespace

TEST(Ikev2Codec, EveryPayloadRoundTripsInAMessage) {
    Message m = message_with(every_payload(), ExchangeType::ike_auth, flag_response, 1);
    Bytes bytes = encode_message(m);
    Message back = decode_ok(bytes);
    EXPECT_EQ(back.header.length, bytes.size());
    EXPECT_EQ(back.header.next_payload, PayloadType::sa);
    back.header.length = 0;  // computed by the encoder, recorded by the decoder
    back.header.next_payload = PayloadType::none;
    EXPECT_EQ(back, m);
    EXPECT_EQ(encode_message(back), bytes);
    // Each payload on its own, too: a chain of one.
    for (const auto& p : m.payloads) {
        SCOPED_TRACE(describe(p));
        Message single = message_with({p});
        Message decoded = decode_ok(encode_message(single));
        ASSERT_EQ(decoded.payloads.size(), 1u);
        EXPECT_EQ(decoded.payloads[0], p);
    }
}

TEST(Ikev2Codec, InnerChainRoundTripsAndFeedsAnSkPayload) {
    std::vector<Payload> inner = every_payload();
    InnerChain chain = encode_inner_payloads(inner);
    EXPECT_EQ(chain.first_type, PayloadType::sa);
    auto decoded = decode_inner_payloads(chain.first_type, chain.bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
    EXPECT_EQ(decoded.value(), inner);

    // Pretend-encrypted: the codec does not care what the bytes are.
    Message m = message_with({SkPayload{chain.first_type, chain.bytes}}, ExchangeType::ike_auth, flag_initiator, 1);
    Bytes bytes = encode_message(m);
    Message back = decode_ok(bytes);
    EXPECT_EQ(back.find<SkPayload>()->first_inner, PayloadType::sa);
    EXPECT_EQ(back.find<SkPayload>()->encrypted, chain.bytes);
    EXPECT_EQ(bytes[16], static_cast<std::uint8_t>(PayloadType::sk));  // header: first payload is SK
    EXPECT_EQ(bytes[28], static_cast<std::uint8_t>(PayloadType::sa));  // SK header: first inner payload

    EXPECT_TRUE(decode_inner_payloads(PayloadType::none, {}).ok());
    EXPECT_TRUE(decode_inner_payloads(PayloadType::none, {}).value().empty());
}

TEST(Ikev2Codec, UnencryptedPrefixIsTheMessageUpToTheEncryptedBody) {
    const Bytes encrypted = filled(80, 0x70);
    for (const Payload& last :
         {Payload(SkPayload{PayloadType::idi, encrypted}), Payload(SkfPayload{1, 3, PayloadType::idi, encrypted})}) {
        Message m = message_with({NotifyPayload{0, {}, notify::initial_contact, {}}, last}, ExchangeType::ike_auth,
                                 flag_initiator, 1);
        Bytes whole = encode_message(m);
        Bytes prefix = encode_unencrypted_prefix(m, encrypted.size());
        ASSERT_EQ(prefix.size() + encrypted.size(), whole.size());
        EXPECT_EQ(prefix, Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(prefix.size())));
        // What the payload holds now does not matter, only the size given.
        Message empty = m;
        if (auto* sk = std::get_if<SkPayload>(&empty.payloads.back().body)) sk->encrypted.clear();
        if (auto* skf = std::get_if<SkfPayload>(&empty.payloads.back().body)) skf->encrypted.clear();
        EXPECT_EQ(encode_unencrypted_prefix(empty, encrypted.size()), prefix);
    }
    EXPECT_THROW(encode_unencrypted_prefix(message_with({NoncePayload{filled(16, 0)}}), 16), std::invalid_argument);
}

TEST(Ikev2Codec, EncoderRefusesWhatCannotBeEncoded) {
    SkPayload sk{PayloadType::idi, filled(16, 0)};
    EXPECT_THROW(encode_message(message_with({sk, NoncePayload{}})), std::invalid_argument);  // SK not last
    EXPECT_THROW(encode_inner_payloads({Payload(sk)}), std::invalid_argument);  // SK inside SK
    EXPECT_THROW(encode_message(message_with({Payload(PayloadType::idi, NoncePayload{})})), std::invalid_argument);
    EXPECT_THROW(encode_message(message_with({Payload(PayloadType::nonce, UnknownPayload{})})), std::invalid_argument);
    EXPECT_THROW(encode_message(message_with({NoncePayload{Bytes(70000)}})), std::invalid_argument);
    EXPECT_THROW(encode_message(message_with({DeletePayload{3, 4, {{1, 2, 3}}}})), std::invalid_argument);
    EXPECT_THROW(encode_message(message_with({EapPayload{eap_code::request, 1, std::nullopt, {}}})),
                 std::invalid_argument);
    EXPECT_THROW(encode_message(message_with({SkfPayload{3, 2, PayloadType::none, {}}})), std::invalid_argument);
    std::vector<Payload> too_many(max_payloads + 1, VendorIdPayload{});
    EXPECT_THROW(encode_message(message_with(too_many)), std::invalid_argument);
}

TEST(Ikev2Codec, AnSaInitRequestAsAProbeWouldSendIt) {
    NotifyPayload natd_s{0, {}, notify::nat_detection_source_ip, filled(20, 1)};
    NotifyPayload natd_d{0, {}, notify::nat_detection_destination_ip, filled(20, 2)};
    Message m = message_with({SaPayload{parse_proposals("aes256-sha256-ecp256, aes256-sha256-modp2048")},
                              KePayload{dh_group::ecp256, filled(64, 0)}, NoncePayload{filled(32, 0)}, natd_s, natd_d,
                              NotifyPayload{0, {}, notify::ikev2_fragmentation_supported, {}},
                              make_signature_hash_algorithms({2, 3, 4, 5})});
    Message back = decode_ok(encode_message(m));
    EXPECT_EQ(describe(back), "IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) N(FRAG_SUP) N(HASH_ALG) ]");
    EXPECT_TRUE(contains(describe_detailed(back),
                         "SA: #1 IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256, "
                         "#2 IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048"));
}

TEST(Ikev2Codec, DescribesDecryptedIkeAuthPayloads) {
    Message m = message_with(every_payload(), ExchangeType::ike_auth, flag_response, 1);
    EXPECT_EQ(describe(m),
              "IKE_AUTH response 1 [ SA KE No N(FRAG_SUP) N(HASH_ALG) N(REKEY_SA) N(COOKIE) V CERTREQ "
              "CERT IDi IDr AUTH EAP/REQ/ID EAP/RES/ID EAP/SUCC CPRQ(ADDR DNS) CPRP(ADDR ADDR6) TSi TSr "
              "D D GSPM PAYLOAD_200 ]");
    const std::string d = describe_detailed(m);
    for (const char* line : {
             "  SA: #1 IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048, "
             "#2 ESP:AES_GCM_16_128/ECP_256/NO_EXT_SEQ spi c1234567, "
             "#3 IKE:AES_CBC_128(attr17=5)(attr18=010203)/INTEG_99/CURVE_25519",
             "  KE: ECP_256 (256-bit random ECP (NIST P-256)), 64 bytes",
             "  N: REKEY_SA (ESP spi 00000001)",
             "  N: COOKIE 16 bytes 030405060708090a0b0c0d0e0f101112",
             "  V: strongSwan",
             "  CERTREQ: X.509 Certificate - Signature, 2 CA key hashes: 04050607",
             "  CERT: X.509 Certificate - Signature, 100 bytes",
             "  IDi: ID_IPV4_ADDR 10.99.0.2",
             "  IDr: ID_DER_ASN1_DN O=ikelab, CN=vpn.ikelab.test",
             "  AUTH: Digital Signature (ecdsa-with-SHA256), 77 bytes",
             "  EAP: Request id 1 Identity",
             "  EAP: Response id 1 Identity \"alice\"",
             "  EAP: Success id 7",
             "  CP: CFG_REQUEST INTERNAL_IP4_ADDRESS INTERNAL_IP4_DNS",
             "  CP: CFG_REPLY INTERNAL_IP4_ADDRESS=10.98.0.1 INTERNAL_IP6_ADDRESS=",
             "  TSi: 10.0.0.1/32, 2001:db8::1/128[17/500], TS_SECLABEL 73797374656d5f75",
             "  TSr: 0.0.0.0/0",
             "  D: ESP 2 SPI(s): 01020304, 05060708",
             "  D: IKE SA",
             "  GSPM: 3 bytes, not decoded",
         })
        EXPECT_TRUE(contains(d, line)) << "missing: " << line << "\nin:\n" << d;

    IdPayload v6{id_type::ipv6_addr, from_hex("20010db8000000000000000000000001")};
    EXPECT_EQ(describe(Payload::idr(v6)), "IDr: ID_IPV6_ADDR 2001:db8::1");
    EXPECT_EQ(describe(Payload::idr(IdPayload{id_type::fqdn, {'v', 'p', 'n', 0x07}})), "IDr: ID_FQDN vpn\\x07");
    EXPECT_EQ(describe(Payload::idr(IdPayload{id_type::der_asn1_dn, {0x30, 0x03, 1}})),
              "IDr: ID_DER_ASN1_DN unparsable DN 300301");
    EXPECT_EQ(describe(Payload(SkfPayload{2, 2, PayloadType::none, filled(10, 0)})),
              "SKF fragment 2/2: 10 bytes encrypted");
    Payload critical_nonce(PayloadType::nonce, NoncePayload{filled(16, 0)}, true);
    EXPECT_EQ(describe(critical_nonce), "No: 16 bytes [critical]");
    EXPECT_EQ(describe(Payload(KePayload{dh_group::modp2048, filled(10, 0)})),
              "KE: MODP_2048 (2048-bit MODP), 10 bytes (the group's key exchange data is 256)");
    EXPECT_EQ(describe(Payload(NotifyPayload{0, {}, 12345, {0xc0, 0x00, 0x00, 0x22}})),
              "N: MS_NOTIFY_STATUS status 0xc0000022");
    EXPECT_EQ(describe(Payload(NotifyPayload{0, {}, 16999, {1, 2}})), "N: STATUS_16999 data 0102");
    EXPECT_EQ(summarize(Payload(NotifyPayload{0, {}, 16999, {}})), "N(16999)");
}

// ---- registries -----------------------------------------------------------------------------------------------

TEST(Ikev2Registry, Names) {
    EXPECT_EQ(exchange_name(ExchangeType::ike_sa_init), "IKE_SA_INIT");
    EXPECT_EQ(exchange_name(ExchangeType::ike_intermediate), "IKE_INTERMEDIATE");
    EXPECT_EQ(exchange_name(static_cast<ExchangeType>(99)), "EXCHANGE_99");
    EXPECT_EQ(payload_name(PayloadType::skf), "SKF");
    EXPECT_EQ(payload_name(PayloadType::none), "NONE");
    EXPECT_EQ(payload_short_name(PayloadType::nonce), "No");
    EXPECT_EQ(payload_name(static_cast<PayloadType>(99)), "PAYLOAD_99");

    EXPECT_EQ(transform_id_name(1, encr_alg::aes_gcm_16), "ENCR_AES_GCM_16");
    EXPECT_EQ(transform_id_name(1, encr_alg::triple_des), "ENCR_3DES");
    EXPECT_EQ(transform_id_name(1, encr_alg::chacha20_poly1305), "ENCR_CHACHA20_POLY1305");
    EXPECT_EQ(transform_id_name(2, prf_alg::aes128_xcbc), "PRF_AES128_XCBC");
    EXPECT_EQ(transform_id_name(3, integ_alg::hmac_sha2_512_256), "AUTH_HMAC_SHA2_512_256");
    EXPECT_EQ(transform_id_name(3, integ_alg::aes_xcbc_96), "AUTH_AES_XCBC_96");
    EXPECT_EQ(transform_id_name(4, dh_group::curve25519), "CURVE_25519");
    EXPECT_EQ(transform_id_name(5, esn_mode::esn), "ESN");
    EXPECT_EQ(transform_id_name(1, 99), "ENCR_99");
    EXPECT_EQ(transform_display_name(1, encr_alg::triple_des), "3DES_CBC");
    EXPECT_EQ(transform_display_name(5, esn_mode::no_esn), "NO_EXT_SEQ");
    EXPECT_EQ(dh_group_description(dh_group::modp768), "768-bit MODP");
    EXPECT_EQ(dh_group_description(dh_group::ecp256), "256-bit random ECP (NIST P-256)");
    EXPECT_EQ(ke_data_size(dh_group::modp1024), 128u);
    EXPECT_EQ(ke_data_size(dh_group::curve25519), 32u);
    EXPECT_FALSE(ke_data_size(dh_group::mlkem768).has_value());
    EXPECT_TRUE(is_aead(encr_alg::aes_gcm_8));
    EXPECT_FALSE(is_aead(encr_alg::aes_cbc));
    EXPECT_FALSE(needs_key_length(encr_alg::chacha20_poly1305));
    EXPECT_TRUE(needs_key_length(encr_alg::aes_gcm_16));

    EXPECT_EQ(notify_name(notify::intermediate_exchange_supported), "INTERMEDIATE_EXCHANGE_SUPPORTED");
    EXPECT_EQ(notify_name(notify::set_window_size), "SET_WINDOW_SIZE");
    EXPECT_EQ(notify_name(notify::non_first_fragments_also), "NON_FIRST_FRAGMENTS_ALSO");
    EXPECT_EQ(notify_name(notify::esp_tfc_padding_not_supported), "ESP_TFC_PADDING_NOT_SUPPORTED");
    EXPECT_EQ(notify_name(8200), "ERROR_8200");
    EXPECT_EQ(notify_name(50000), "STATUS_50000");
    EXPECT_EQ(notify_short_name(notify::nat_detection_destination_ip), "NATD_D_IP");
    EXPECT_EQ(notify_short_name(notify::redirect_supported), "REDIR_SUP");
    EXPECT_EQ(notify_short_name(notify::authentication_failed), "AUTH_FAILED");

    EXPECT_EQ(id_type_name(id_type::der_asn1_dn), "ID_DER_ASN1_DN");
    EXPECT_EQ(auth_method_name(auth_method::shared_key), "Shared Key Message Integrity Code");
    EXPECT_EQ(auth_method_name(auth_method::ecdsa_sha384_p384), "ECDSA with SHA-384 on the P-384 curve");
    EXPECT_EQ(cert_encoding_name(cert_encoding::hash_url_x509_cert), "Hash and URL of X.509 certificate");
    EXPECT_EQ(hash_algorithm_name(hash_algorithm::sha2_384), "SHA2-384");
    EXPECT_EQ(hash_algorithm_short_name(hash_algorithm::identity), "identity");
    EXPECT_EQ(eap_type_name(eap_type::mschapv2), "EAP-MSCHAPv2");
    EXPECT_EQ(eap_type_short_name(eap_type::peap), "PEAP");
    EXPECT_EQ(eap_type_name(eap_type::md5_challenge), "MD5-Challenge");
    EXPECT_EQ(eap_type_name(eap_type::tls), "EAP-TLS");
    EXPECT_EQ(eap_code_short_name(eap_code::failure), "FAIL");
    EXPECT_EQ(protocol_name(3), "ESP");
    EXPECT_EQ(transform_type_name(4), "KE");

    auto keyword = find_algorithm_keyword("aes128gcm16");
    ASSERT_TRUE(keyword.has_value());
    EXPECT_EQ(keyword->type, TransformType::encr);
    EXPECT_EQ(keyword->id, encr_alg::aes_gcm_16);
    EXPECT_EQ(keyword->key_length, 128);
    EXPECT_EQ(algorithm_keyword(TransformType::ke, dh_group::modp2048, 0), "modp2048");
    EXPECT_EQ(algorithm_keyword(TransformType::encr, encr_alg::aes_gcm_16, 256), "aes256gcm16");
    EXPECT_FALSE(algorithm_keyword(TransformType::encr, encr_alg::aes_cbc, 100).has_value());
}

TEST(Ikev2Registry, VendorIds) {
    EXPECT_EQ(vendor_id_name(from_hex("882fe56d6fd20dbc2251613b2ebe5beb")), "strongSwan");
    EXPECT_EQ(vendor_id_name(from_hex("1e2b516905991c7d7c96fcbfb587e46100000009")),
              "Microsoft Windows (MS NT5 ISAKMPOAKLEY v9: Windows 8, 8.1, 10, Server 2012 R2, Server 2016 or later)");
    EXPECT_EQ(vendor_id_name(from_hex("1e2b516905991c7d7c96fcbfb587e46100000007")),
              "Microsoft Windows (MS NT5 ISAKMPOAKLEY v7: Windows 7)");
    EXPECT_EQ(vendor_id_name(from_hex("1e2b516905991c7d7c96fcbfb587e46100000010")),
              "Microsoft Windows (MS NT5 ISAKMPOAKLEY v16)");
    EXPECT_EQ(vendor_id_name(from_hex("fb1de3cdf341b7ea16b7e5be0855f120")), "MS-Negotiation Discovery Capable");
    EXPECT_EQ(vendor_id_name(from_hex("26244d38eddb61b3172a36e3d0cfb819")), "Microsoft Vid-Initial-Contact");
    EXPECT_EQ(vendor_id_name(from_hex("e3a5966a76379fe707228231e5ce8652")), "IKE CGA version 1");
    EXPECT_EQ(vendor_id_name(from_hex("4048b7d56ebce88525e7de7f00d6c2d380000000")), "IKEv1 FRAGMENTATION");
    const std::string libreswan = "OE-Libreswan-4.10";
    EXPECT_EQ(vendor_id_name(ByteView(reinterpret_cast<const std::uint8_t*>(libreswan.data()), libreswan.size())),
              "Libreswan 4.10");
    const std::string openswan = "OSWmxzRRTmqM";  // FreeS/WAN-family: "OSW" + hash forced into 0x40..0x7f
    auto family = known_vendor_id(ByteView(reinterpret_cast<const std::uint8_t*>(openswan.data()), openswan.size()));
    ASSERT_TRUE(family.has_value());
    EXPECT_TRUE(contains(*family, "cannot be recovered")) << *family;
    EXPECT_EQ(vendor_id_name(from_hex("0102")), "unknown vendor id 0102");
    EXPECT_FALSE(known_vendor_id(from_hex("882fe56d6fd20dbc2251613b2ebe5bec")).has_value());
}

TEST(Ikev2Registry, NotifyDataHelpers) {
    NotifyPayload odd = make_signature_hash_algorithms({2});
    odd.data.push_back(3);
    auto bad = signature_hash_algorithms(odd);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, "bad_notify_data");
    EXPECT_EQ(bad.error().offset, 2u);

    EXPECT_EQ(nat_detection_hash(NotifyPayload{0, {}, notify::nat_detection_source_ip, filled(19, 0)}).error().code,
              "bad_notify_data");
    EXPECT_FALSE(cookie_data(NotifyPayload{0, {}, notify::cookie, {}}).ok());
    EXPECT_FALSE(cookie_data(NotifyPayload{0, {}, notify::cookie, filled(65, 0)}).ok());
    EXPECT_EQ(cookie_data(NotifyPayload{0, {}, notify::cookie, filled(64, 0)}).value().size(), 64u);
    EXPECT_FALSE(invalid_ke_group(NotifyPayload{0, {}, notify::invalid_ke_payload, {0, 0, 14}}).ok());

    CertReqPayload not_hashes{cert_encoding::x509_signature, filled(21, 0)};
    EXPECT_EQ(ca_key_hashes(not_hashes).error().code, "bad_certreq_length");
    EXPECT_EQ(describe(Payload(not_hashes)), "CERTREQ: X.509 Certificate - Signature, 21 bytes, not a SHA-1 hash list");
    EXPECT_TRUE(ca_key_hashes(CertReqPayload{4, {}}).value().empty());
}

// ---- malformed messages: code and offset --------------------------------------------------------------------

TEST(Ikev2Malformed, HeaderLengthThatLies) {
    Bytes bytes = read_file("libreswan-sa-init-response.bin");
    Bytes longer = bytes;
    set_u32(longer, 24, static_cast<std::uint32_t>(bytes.size() + 1));
    expect_error(longer, "length_mismatch", 24);
    Bytes shorter = bytes;
    set_u32(shorter, 24, static_cast<std::uint32_t>(bytes.size() - 1));
    expect_error(shorter, "length_mismatch", 24);
    Bytes tiny = bytes;
    set_u32(tiny, 24, 4);
    expect_error(tiny, "length_mismatch", 24);
}

TEST(Ikev2Malformed, TruncationAtEveryPrefix) {
    for (const auto& name : capture_names) {
        SCOPED_TRACE(name);
        const Bytes bytes = read_file(name);
        for (std::size_t size = 0; size < bytes.size(); ++size) {
            SCOPED_TRACE(size);
            const Bytes prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size));
            if (size < header_size) expect_error(prefix, "truncated", 0);
            else expect_error(prefix, "length_mismatch", 24);
        }
    }
}

// A prefix whose header length was fixed up to match: the chain then runs past the end, and the error names
// the payload that does (its start when its header is cut, its length field otherwise).
TEST(Ikev2Malformed, TruncationAtEveryPrefixWithConsistentHeaderLength) {
    for (const auto& name : capture_names) {
        SCOPED_TRACE(name);
        const Bytes bytes = read_file(name);
        std::vector<std::pair<std::size_t, std::size_t>> payloads;  // start, length
        for (std::size_t at = header_size; at < bytes.size();) {
            const std::size_t length = static_cast<std::size_t>(bytes[at + 2] << 8 | bytes[at + 3]);
            payloads.emplace_back(at, length);
            at += length;
        }
        for (std::size_t size = header_size; size < bytes.size(); ++size) {
            SCOPED_TRACE(size);
            Bytes prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size));
            fix_header_length(prefix);
            std::size_t offset = 0;
            for (const auto& [start, length] : payloads)
                if (size >= start && size < start + length) offset = size - start < 4 ? start : start + 2;
            expect_error(prefix, "payload_overrun", offset);
        }
    }
}

TEST(Ikev2Malformed, ZeroPayloadLengthWouldLoopAndIsRefused) {
    Bytes b = encode_message(message_with({NoncePayload{filled(16, 0)}, NoncePayload{filled(16, 0)}}));
    set_u16(b, 30, 0);
    expect_error(b, "bad_payload_length", 30);
    set_u16(b, 30, 3);
    expect_error(b, "bad_payload_length", 30);
    // The same in the second payload.
    b = encode_message(message_with({NoncePayload{filled(16, 0)}, NoncePayload{filled(16, 0)}}));
    set_u16(b, 48 + 2, 0);
    expect_error(b, "bad_payload_length", 50);
    // An empty payload (length exactly 4) is fine.
    EXPECT_TRUE(decode_message(encode_message(message_with({VendorIdPayload{}, NoncePayload{}}))).ok());
}

TEST(Ikev2Malformed, PayloadLengthPastTheEnd) {
    Bytes b = encode_message(message_with({NoncePayload{filled(16, 0)}}));
    set_u16(b, 30, 21);
    expect_error(b, "payload_overrun", 30);
    // The chain names another payload, but the message ends with 2 bytes of it.
    b = encode_message(message_with({NoncePayload{filled(16, 0)}}));
    b[28] = static_cast<std::uint8_t>(PayloadType::vendor_id);
    b.push_back(0);
    b.push_back(0);
    fix_header_length(b);
    expect_error(b, "payload_overrun", 48);
}

TEST(Ikev2Malformed, ChainEndingBeforeTheMessage) {
    Bytes b = encode_message(message_with({NoncePayload{filled(16, 0)}, NoncePayload{filled(16, 0)}}));
    b[28] = 0;  // the first nonce now claims to be the last payload
    expect_error(b, "length_mismatch", 48);
    // No payload at all but bytes after the header.
    b[16] = 0;
    expect_error(b, "length_mismatch", 28);
}

TEST(Ikev2Malformed, TooManyPayloads) {
    std::vector<Payload> vids(max_payloads, VendorIdPayload{});
    Bytes b = encode_message(message_with(vids));
    EXPECT_TRUE(decode_message(b).ok());
    b[28 + (max_payloads - 1) * 4] = static_cast<std::uint8_t>(PayloadType::vendor_id);  // the last links to one more
    b.insert(b.end(), {0, 0, 0, 4});
    fix_header_length(b);
    expect_error(b, "too_many_payloads", 28 + max_payloads * 4);
}

TEST(Ikev2Malformed, UnknownPayloadTypes) {
    auto build = [](PayloadType type, bool critical) {
        return encode_message(message_with(
            {NoncePayload{filled(16, 0)}, Payload(type, UnknownPayload{{1, 2, 3}}, critical), VendorIdPayload{{7}}}));
    };
    expect_error(build(static_cast<PayloadType>(60), true), "unsupported_critical_payload", 48);
    expect_error(build(PayloadType::gspm, true), "unsupported_critical_payload", 48);  // named, not decoded

    Message m = decode_ok(build(static_cast<PayloadType>(60), false));
    ASSERT_EQ(m.payloads.size(), 3u);
    EXPECT_EQ(m.payloads[1].type, static_cast<PayloadType>(60));
    ASSERT_NE(m.payloads[1].get<UnknownPayload>(), nullptr);
    EXPECT_EQ(m.payloads[1].get<UnknownPayload>()->data, (Bytes{1, 2, 3}));
    EXPECT_EQ(m.payloads[2].get<VendorIdPayload>()->data, (Bytes{7}));  // skipped over, not stopped at
    EXPECT_EQ(encode_message(m), build(static_cast<PayloadType>(60), false));

    // The critical bit on a payload this codec knows changes nothing but is recorded.
    Bytes known = encode_message(message_with({Payload(PayloadType::nonce, NoncePayload{filled(16, 0)}, true)}));
    EXPECT_EQ(known[29], 0x80);
    EXPECT_TRUE(decode_ok(known).payloads.at(0).critical);
}

TEST(Ikev2Malformed, Version) {
    Bytes b = read_file("libreswan-no-proposal-chosen.bin");
    b[17] = 0x10;
    expect_error(b, "bad_version", 17);
    EXPECT_TRUE(contains(decode_message(b).error().message, "IKEv1"));
    b[17] = 0x30;
    expect_error(b, "bad_version", 17);
    b[17] = 0x21;  // minor version: ignored on receipt (RFC 7296 section 3.1)
    EXPECT_TRUE(decode_message(b).ok());
    EXPECT_EQ(decode_header(Bytes(27, 0)).error().code, "truncated");
}

TEST(Ikev2Malformed, LastSubstructureFlags) {
    Bytes b = sa_message();
    b[32] = 1;
    expect_error(b, "bad_last_substructure", 32);
    b[32] = 2;  // "more proposals follow", but this is the only one
    expect_error(b, "bad_last_substructure", 32);
    b = sa_message();
    b[40] = 0;  // first transform claims to be the last
    expect_error(b, "bad_last_substructure", 40);
    b = sa_message();
    b[40] = 2;  // a proposal's "more" value on a transform
    expect_error(b, "bad_last_substructure", 40);
    b = sa_message();
    b[68] = 3;  // the last transform claims more follow
    expect_error(b, "bad_last_substructure", 68);

    // Two proposals: the first must say 2.
    Bytes two = encode_message(message_with({SaPayload{parse_proposals("aes256-sha256-modp2048,3des-sha1-modp1024")}}));
    EXPECT_EQ(two[32], 2);
    EXPECT_TRUE(decode_message(two).ok());
    two[32] = 0;
    expect_error(two, "bad_last_substructure", 32);
}

TEST(Ikev2Malformed, ProposalAndTransformLengths) {
    Bytes b = sa_message();
    set_u16(b, 70, 9);  // the last transform runs one byte past its proposal
    expect_error(b, "transform_overrun", 70);
    b = sa_message();
    set_u16(b, 42, 200);
    expect_error(b, "transform_overrun", 42);
    b = sa_message();
    set_u16(b, 54, 7);
    expect_error(b, "bad_transform_length", 54);
    b = sa_message();
    set_u16(b, 34, 7);
    expect_error(b, "bad_proposal_length", 34);
    b = sa_message();
    set_u16(b, 34, 45);
    expect_error(b, "proposal_overrun", 34);
    b = sa_message();
    b[39] = 5;
    expect_error(b, "transform_count_mismatch", 39);
    b = sa_message();
    b[38] = 200;
    expect_error(b, "bad_spi_size", 38);
    // A proposal cut inside its transform headers: the proposal says 40 bytes, its last transform needs 8.
    b = sa_message();
    set_u16(b, 34, 40);  // proposal now ends at 72, inside the fourth transform (68..75)
    b.resize(72);
    b[68] = 0;
    set_u16(b, 30, 44);
    fix_header_length(b);
    expect_error(b, "transform_overrun", 68);
}

TEST(Ikev2Malformed, TransformAttributes) {
    Bytes b = sa_message();
    set_u16(b, 48, 0x000e);  // Key Length in TLV form
    expect_error(b, "bad_attribute_format", 48);
    b = sa_message();
    set_u16(b, 48, 0x0011);  // TLV attribute 17 whose length (0x0100) runs past the transform
    expect_error(b, "attribute_overrun", 50);

    Transform twice(TransformType::encr, encr_alg::aes_cbc, 128);
    twice.other_attributes = {TransformAttribute{attribute_key_length, true, 256, {}}};
    Proposal p;
    p.transforms = {twice, Transform(TransformType::prf, prf_alg::hmac_sha1)};
    expect_error(encode_message(message_with({SaPayload{{p}}})), "duplicate_attribute", 52);
}

TEST(Ikev2Malformed, PayloadBodies) {
    // KE body shorter than group + reserved.
    Bytes b = encode_message(message_with({NoncePayload{{1, 2}}}));
    b[16] = static_cast<std::uint8_t>(PayloadType::ke);
    expect_error(b, "truncated", 32);

    b = encode_message(message_with({NotifyPayload{3, {1, 2, 3, 4}, notify::rekey_sa, {}}}));
    b[33] = 10;
    expect_error(b, "bad_spi_size", 33);

    b = encode_message(message_with({DeletePayload{3, 4, {{1, 2, 3, 4}, {5, 6, 7, 8}}}}));
    set_u16(b, 34, 3);
    expect_error(b, "delete_count_mismatch", 34);
    b = encode_message(message_with({DeletePayload{1, 0, {}}}));
    set_u16(b, 34, 1);
    expect_error(b, "delete_count_mismatch", 34);

    b = encode_message(message_with({Payload::tsi(TsPayload{{v4_selector("0a000001", "0a000001")}})}));
    b[32] = 2;
    expect_error(b, "selector_count_mismatch", 32);
    b[32] = 1;
    set_u16(b, 38, 20);
    expect_error(b, "selector_overrun", 38);
    set_u16(b, 38, 16);
    b[36] = ts_type::ipv6_addr_range;
    expect_error(b, "bad_selector_length", 38);

    b = encode_message(message_with({EapPayload{eap_code::request, 1, eap_type::identity, {}}}));
    set_u16(b, 34, 6);
    expect_error(b, "eap_length_mismatch", 34);
    b = encode_message(message_with({EapPayload{eap_code::success, 1, std::nullopt, {}}}));
    b[32] = eap_code::request;
    expect_error(b, "bad_eap_length", 34);

    b = encode_message(message_with({SkfPayload{1, 2, PayloadType::idr, filled(16, 0)}}));
    set_u16(b, 32, 3);
    expect_error(b, "bad_fragment_number", 32);
    set_u16(b, 32, 0);
    expect_error(b, "bad_fragment_number", 32);
    set_u16(b, 32, 1);
    set_u16(b, 34, 0);
    expect_error(b, "bad_fragment_number", 34);

    b = encode_message(message_with({CpPayload{cfg_type::reply, {CpAttribute{1, {10, 0, 0, 1}}}}}));
    set_u16(b, 38, 5);
    expect_error(b, "attribute_overrun", 38);
}

TEST(Ikev2Malformed, EncryptedPayloadMustBeLast) {
    Bytes b = encode_message(message_with({SkPayload{PayloadType::idi, filled(8, 0)}}));
    b.insert(b.end(), {0, 0, 0, 4});
    fix_header_length(b);
    expect_error(b, "sk_not_last", 40);

    // Inside a decrypted body there is no second layer of encryption.
    Bytes inner = {0, 0, 0, 8, 1, 2, 3, 4};
    auto decoded = decode_inner_payloads(PayloadType::sk, inner);
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.error().code, "nested_encrypted_payload");
    EXPECT_EQ(decoded.error().offset, 0u);
    // Padding the crypto layer forgot to strip shows up as bytes after the chain.
    InnerChain chain = encode_inner_payloads({NoncePayload{filled(8, 0)}});
    chain.bytes.push_back(0);
    decoded = decode_inner_payloads(chain.first_type, chain.bytes);
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.error().code, "length_mismatch");
    EXPECT_EQ(decoded.error().offset, 12u);
}

// ---- random mutation -----------------------------------------------------------------------------------------

// Decoding must never crash or read out of bounds (run under -fsanitize=address,undefined), and whatever
// decodes must describe, encode, and decode again to the same message.
TEST(Ikev2Fuzz, RandomMutationsOfRealMessages) {
    std::vector<Bytes> seeds;
    for (const auto& name : capture_names) seeds.push_back(read_file(name));
    seeds.push_back(encode_message(message_with(every_payload(), ExchangeType::ike_auth, flag_response, 1)));
    seeds.push_back(encode_inner_payloads(every_payload()).bytes);

    std::mt19937 rng(20240607);
    auto pick = [&](std::size_t bound) { return std::uniform_int_distribution<std::size_t>(0, bound - 1)(rng); };
    std::size_t decoded_ok = 0;
    for (int iteration = 0; iteration < 5000; ++iteration) {
        Bytes b = seeds[pick(seeds.size())];
        const std::size_t mutations = 1 + pick(4);
        for (std::size_t m = 0; m < mutations && !b.empty(); ++m) {
            switch (pick(5)) {
            case 0:
                b[pick(b.size())] = static_cast<std::uint8_t>(pick(256));
                break;
            case 1:
                b[pick(b.size())] ^= static_cast<std::uint8_t>(1u << pick(8));
                break;
            case 2:
                b.resize(pick(b.size() + 1));
                break;
            case 3:
                b.insert(b.begin() + static_cast<std::ptrdiff_t>(pick(b.size() + 1)),
                         static_cast<std::uint8_t>(pick(256)));
                break;
            default:
                if (b.size() >= 2) set_u16(b, pick(b.size() - 1), static_cast<std::uint16_t>(pick(65536)));
            }
        }
        if (b.size() >= header_size && pick(2) == 0) fix_header_length(b);  // get past the length check

        auto decoded = decode_message(b);
        if (decoded.ok()) {
            ++decoded_ok;
            const Message& m = decoded.value();
            EXPECT_FALSE(describe(m).empty());
            EXPECT_FALSE(describe_detailed(m).empty());
            Message again = decode_ok(encode_message(m));
            EXPECT_EQ(again.payloads, m.payloads) << describe(m);
        } else {
            EXPECT_LE(decoded.error().offset, b.size()) << decoded.error().to_string();
            EXPECT_FALSE(decoded.error().code.empty());
        }
        auto inner = decode_inner_payloads(static_cast<PayloadType>(33 + pick(22)), b);
        if (inner.ok()) {
            for (const auto& p : inner.value()) EXPECT_FALSE(describe(p).empty());
            EXPECT_EQ(decode_inner_payloads(inner.value().empty() ? PayloadType::none : inner.value()[0].type,
                                            encode_inner_payloads(inner.value()).bytes)
                          .value(),
                      inner.value());
        }
    }
    // The mutations must leave enough messages intact for the round-trip half of the test to mean something.
    EXPECT_GT(decoded_ok, 200u);
}
