// IKEv2 payload bodies (RFC 7296 section 3, RFC 7383 for SKF): typed structures, their encoders and
// decoders. A payload "body" is what follows the 4-byte generic payload header; the header itself (next
// payload, critical bit, length) belongs to the chain and is handled in ikev2_message.hpp.
//
// Decoding is strict about structure (every length, count and Last Substruc field is checked, and a
// violation is a DecodeError whose offset is that of the offending field, counted from the start of the
// buffer the message decoder was given) and lenient about meaning: which payloads a message carries, SPI
// sizes per protocol, a responder's proposal number, are recorded, not judged. Reserved fields are
// ignored on receipt and sent as zero, as the RFC says.
//
// Body error codes (besides ByteReader's "truncated" for a body shorter than its fixed fields):
//   SA:     "proposal_overrun" (proposal header or length past the SA payload), "bad_proposal_length" (< 8),
//           "bad_spi_size" (SPI longer than its proposal), "transform_overrun", "bad_transform_length" (< 8),
//           "attribute_overrun", "bad_attribute_format" (Key Length in TLV form), "duplicate_attribute"
//           (two Key Length attributes), "bad_last_substructure" (not 0/2 for proposals, 0/3 for transforms,
//           or 0 with more following, or non-0 on the last one), "transform_count_mismatch".
//   Notify: "bad_spi_size".   Delete: "delete_count_mismatch" (SPI count x size != rest of payload).
//   TSi/TSr: "selector_overrun", "bad_selector_length" (IPv4 range != 16, IPv6 range != 40, other < 4),
//           "selector_count_mismatch".
//   CP:     "attribute_overrun".   EAP: "eap_length_mismatch", "bad_eap_length" (Request/Response without
//           a Type).   SKF: "bad_fragment_number" (0, or greater than Total Fragments, or a total of 0).
//   decode_payload_body called with a type it does not decode: "unsupported_payload".
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "protocol/bytes.hpp"
#include "protocol/ikev2/ikev2_registry.hpp"

namespace vpnprobe::protocol::ikev2 {

// ---- SA -------------------------------------------------------------------------------------------------

// A transform attribute other than Key Length (none is defined today; kept so nothing a peer sends is lost).
struct TransformAttribute {
    std::uint16_t type = 0;  // without the AF bit
    bool tv = true;  // TV (AF=1): `value`; TLV (AF=0): `data`
    std::uint16_t value = 0;
    Bytes data;
    bool operator==(const TransformAttribute&) const = default;
};

struct Transform {
    std::uint8_t type = 0;  // TransformType; raw, a peer may send one this code does not know
    std::uint16_t id = 0;
    std::optional<std::uint16_t> key_length;  // attribute 14, in bits
    std::vector<TransformAttribute> other_attributes;

    Transform() = default;
    Transform(TransformType t, std::uint16_t transform_id, std::optional<std::uint16_t> key_bits = std::nullopt)
        : type(static_cast<std::uint8_t>(t)), id(transform_id), key_length(key_bits) {}
    bool operator==(const Transform&) const = default;
};

struct Proposal {
    std::uint8_t number = 1;  // a response echoes the number of the proposal it accepted
    std::uint8_t protocol = static_cast<std::uint8_t>(ProtocolId::ike);  // ProtocolId
    Bytes spi;  // empty for the IKE SA in IKE_SA_INIT, 8 bytes when rekeying it, 4 for ESP/AH
    std::vector<Transform> transforms;

    // The transforms of one type, in wire order.
    std::vector<Transform> of_type(TransformType type) const;
    // The first transform of a type, or nullptr.
    const Transform* first(TransformType type) const;
    bool operator==(const Proposal&) const = default;
};

struct SaPayload {
    std::vector<Proposal> proposals;
    bool operator==(const SaPayload&) const = default;
};

// ---- the simple payloads ------------------------------------------------------------------------------

struct KePayload {
    std::uint16_t group = 0;  // dh_group::
    Bytes data;
    bool operator==(const KePayload&) const = default;
};

struct NoncePayload {
    Bytes nonce;
    bool operator==(const NoncePayload&) const = default;
};

struct NotifyPayload {
    std::uint8_t protocol = 0;  // ProtocolId; 0 when the notify is about the IKE SA
    Bytes spi;
    std::uint16_t type = 0;  // notify::
    Bytes data;
    bool operator==(const NotifyPayload&) const = default;
};

struct VendorIdPayload {
    Bytes data;
    bool operator==(const VendorIdPayload&) const = default;
};

// Certificate request. For the X.509 encodings the Certification Authority field is a concatenation of
// 20-byte SHA-1 hashes of trusted CAs' public keys (RFC 7296 section 3.7); it is kept raw, so a peer that
// sends something else is still recorded, and ca_key_hashes() splits it.
struct CertReqPayload {
    std::uint8_t encoding = cert_encoding::x509_signature;
    Bytes authority;
    bool operator==(const CertReqPayload&) const = default;
};
using Sha1Hash = std::array<std::uint8_t, 20>;
// Error "bad_certreq_length" (offset 0 of the authority field) when its length is not a multiple of 20.
Decoded<std::vector<Sha1Hash>> ca_key_hashes(const CertReqPayload& certreq);

struct CertPayload {
    std::uint8_t encoding = cert_encoding::x509_signature;
    Bytes data;  // DER for X.509 Certificate - Signature
    bool operator==(const CertPayload&) const = default;
};

// IDi and IDr (which one is the Payload's type).
struct IdPayload {
    std::uint8_t type = id_type::fqdn;  // id_type::
    Bytes data;
    bool operator==(const IdPayload&) const = default;
};

struct AuthPayload {
    std::uint8_t method = auth_method::digital_signature;  // auth_method::
    Bytes data;  // for Digital Signature: 1-byte length + AlgorithmIdentifier DER + signature (RFC 7427)
    bool operator==(const AuthPayload&) const = default;
};

// The EAP message carried in an EAP payload (RFC 3748 section 4). The EAP Length field is computed by
// the encoder and checked by the decoder against the payload length.
struct EapPayload {
    std::uint8_t code = eap_code::request;  // eap_code::
    std::uint8_t identifier = 0;
    std::optional<std::uint8_t> type;  // present for Request, Response, Initiate and Finish
    Bytes data;  // Type-Data, or whatever follows the header of other codes
    bool operator==(const EapPayload&) const = default;
};

struct DeletePayload {
    std::uint8_t protocol = static_cast<std::uint8_t>(ProtocolId::ike);
    std::uint8_t spi_size = 0;  // 0 for the IKE SA, 4 for ESP/AH
    std::vector<Bytes> spis;  // each spi_size bytes
    bool operator==(const DeletePayload&) const = default;
};

struct TrafficSelector {
    std::uint8_t type = ts_type::ipv4_addr_range;  // ts_type::
    std::uint8_t ip_protocol = 0;  // 0 = any
    std::uint16_t start_port = 0;
    std::uint16_t end_port = 65535;
    Bytes start_address;  // 4 bytes for IPv4 ranges, 16 for IPv6
    Bytes end_address;
    Bytes other;  // types other than the two address ranges: everything after the Selector Length field
    bool operator==(const TrafficSelector&) const = default;
};

// TSi and TSr (which one is the Payload's type).
struct TsPayload {
    std::vector<TrafficSelector> selectors;
    bool operator==(const TsPayload&) const = default;
};

struct CpAttribute {
    std::uint16_t type = 0;  // cfg_attribute::, without the reserved bit
    Bytes value;
    bool operator==(const CpAttribute&) const = default;
};

struct CpPayload {
    std::uint8_t cfg_type = cfg_type::request;  // cfg_type::
    std::vector<CpAttribute> attributes;
    bool operator==(const CpPayload&) const = default;
};

// Encrypted and Authenticated payload: IV, ciphertext and ICV kept raw. The generic header's Next Payload
// field of an SK payload names the first payload inside; it is kept here, not in the chain.
struct SkPayload {
    PayloadType first_inner = PayloadType::none;
    Bytes encrypted;  // IV || ciphertext (incl. padding and pad length) || ICV
    bool operator==(const SkPayload&) const = default;
};

// Encrypted and Authenticated Fragment (RFC 7383 section 2.5). Only fragment 1 names the first inner
// payload; the others carry 0 there.
struct SkfPayload {
    std::uint16_t fragment_number = 1;
    std::uint16_t total_fragments = 1;
    PayloadType first_inner = PayloadType::none;
    Bytes encrypted;
    bool operator==(const SkfPayload&) const = default;
};

// A payload type this codec does not decode, kept as it came (only possible without the critical bit).
struct UnknownPayload {
    Bytes data;
    bool operator==(const UnknownPayload&) const = default;
};

using PayloadBody = std::variant<SaPayload, KePayload, IdPayload, CertPayload, CertReqPayload, AuthPayload,
                                 NoncePayload, NotifyPayload, DeletePayload, VendorIdPayload, TsPayload, SkPayload,
                                 CpPayload, EapPayload, SkfPayload, UnknownPayload>;

// One payload of a chain: its type, its critical bit and its body. Bodies that belong to exactly one payload
// type convert implicitly (`Payload p = NoncePayload{...}`); IdPayload and TsPayload need the type
// (Payload::idi(...), Payload::tsr(...)), UnknownPayload needs it too.
struct Payload {
    PayloadType type = PayloadType::none;
    bool critical = false;  // as received; RFC 7296 has senders set it only for payloads a peer must understand
    PayloadBody body;

    Payload() = default;
    Payload(PayloadType t, PayloadBody b, bool is_critical = false)
        : type(t), critical(is_critical), body(std::move(b)) {}
    Payload(SaPayload b) : type(PayloadType::sa), body(std::move(b)) {}
    Payload(KePayload b) : type(PayloadType::ke), body(std::move(b)) {}
    Payload(CertPayload b) : type(PayloadType::cert), body(std::move(b)) {}
    Payload(CertReqPayload b) : type(PayloadType::certreq), body(std::move(b)) {}
    Payload(AuthPayload b) : type(PayloadType::auth), body(std::move(b)) {}
    Payload(NoncePayload b) : type(PayloadType::nonce), body(std::move(b)) {}
    Payload(NotifyPayload b) : type(PayloadType::notify), body(std::move(b)) {}
    Payload(DeletePayload b) : type(PayloadType::delete_), body(std::move(b)) {}
    Payload(VendorIdPayload b) : type(PayloadType::vendor_id), body(std::move(b)) {}
    Payload(SkPayload b) : type(PayloadType::sk), body(std::move(b)) {}
    Payload(CpPayload b) : type(PayloadType::cp), body(std::move(b)) {}
    Payload(EapPayload b) : type(PayloadType::eap), body(std::move(b)) {}
    Payload(SkfPayload b) : type(PayloadType::skf), body(std::move(b)) {}

    static Payload idi(IdPayload b) { return {PayloadType::idi, std::move(b)}; }
    static Payload idr(IdPayload b) { return {PayloadType::idr, std::move(b)}; }
    static Payload tsi(TsPayload b) { return {PayloadType::tsi, std::move(b)}; }
    static Payload tsr(TsPayload b) { return {PayloadType::tsr, std::move(b)}; }

    template <typename T>
    const T* get() const {
        return std::get_if<T>(&body);
    }
    bool operator==(const Payload&) const = default;
};

// ---- encoding and decoding of bodies ------------------------------------------------------------------------

// The body of a payload (without the generic header). Throws std::invalid_argument for what cannot be encoded:
// a body that does not belong to the payload type, a field over its width (more than 255 transforms or
// selectors, an SPI over 255 bytes, an EAP message over 65535 bytes), Delete SPIs of the wrong size, a
// selector address of the wrong length.
Bytes encode_payload_body(const Payload& payload);

// Decodes the body of a supported payload type (is_supported_payload_type). `body_offset` is the offset of
// the body in the buffer being decoded, so that error offsets count from the start of the message. For SK
// and SKF, `next_payload` is the generic header's Next Payload field (the first inner payload); it is
// ignored for other types.
Decoded<PayloadBody> decode_payload_body(PayloadType type, std::uint8_t next_payload, ByteView body,
                                         std::size_t body_offset);

// ---- notify data helpers ------------------------------------------------------------------------------------
// Offsets in their errors count from the start of the notification data. Error code "bad_notify_data".

// SIGNATURE_HASH_ALGORITHMS (RFC 7427 section 4): a list of 16-bit hash algorithm numbers.
Decoded<std::vector<std::uint16_t>> signature_hash_algorithms(const NotifyPayload& notify);
// NAT_DETECTION_SOURCE_IP / _DESTINATION_IP: SHA-1(SPIi | SPIr | IP | port), 20 bytes.
Decoded<Sha1Hash> nat_detection_hash(const NotifyPayload& notify);
// COOKIE: 1 to 64 bytes (RFC 7296 section 2.6); returns the cookie to echo.
Decoded<Bytes> cookie_data(const NotifyPayload& notify);
// INVALID_KE_PAYLOAD: the 16-bit group the responder wants.
Decoded<std::uint16_t> invalid_ke_group(const NotifyPayload& notify);

// A notify with SIGNATURE_HASH_ALGORITHMS data, for building requests.
NotifyPayload make_signature_hash_algorithms(const std::vector<std::uint16_t>& algorithms);

// ---- descriptions -------------------------------------------------------------------------------------------

// "AES_CBC_256", "HMAC_SHA2_256_128", "PRF_HMAC_SHA2_256", "MODP_2048", "NO_EXT_SEQ".
std::string describe(const Transform& transform);
// strongSwan's notation, transforms ordered ENCR/INTEG/PRF/KE/ESN whatever the wire order:
// "IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048".
std::string describe(const Proposal& proposal);
// The short form for the one-line message summary: "SA", "N(NATD_S_IP)", "EAP/REQ/ID", "CPRQ(ADDR DNS)",
// "EF(1/2)".
std::string summarize(const Payload& payload);
// One line with the decoded content: "SA: #1 IKE:AES_CBC_256/...", "N: SIGNATURE_HASH_ALGORITHMS sha256,...",
// "V: strongSwan", "IDr: ID_FQDN vpn.example.com", "CERTREQ: X.509 Certificate - Signature, 1 CA key hash:
// 24b574c1...".
std::string describe(const Payload& payload);

}  // namespace vpnprobe::protocol::ikev2
