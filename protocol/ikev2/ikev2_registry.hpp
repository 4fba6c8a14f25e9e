// IKEv2 numbers and their names: the IANA "IKEv2 Parameters" registries (RFC 7296 and the RFCs that add to
// them), the strongSwan spellings of algorithms ("aes256-sha256-modp2048") and the short notify names
// strongSwan prints in its message log ("N(NATD_S_IP)"), so that our logs read like the logs of the
// server being probed. Also the vendor IDs worth recognising.
//
// Values on the wire stay raw integers in the payload structures (a peer may send a number this table
// does not know, and the probe must still report it); the constants below are for writing and comparing
// them, the functions for printing them. Every name function returns something printable for an unknown
// value ("STATUS_40999", "ENCR_99", "EXCHANGE_99"), never an empty string.
//
// The ID registries are unscoped enums inside namespaces (encr_alg::aes_cbc, notify::cookie) rather than enum
// classes, because the structures hold the raw integers and compare against them all the time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "protocol/bytes.hpp"

namespace vpnprobe::protocol::ikev2 {

// ---- header and payload types -----------------------------------------------------------------------

enum class ExchangeType : std::uint8_t {
    ike_sa_init = 34,
    ike_auth = 35,
    create_child_sa = 36,
    informational = 37,
    ike_session_resume = 38,  // RFC 5723
    ike_intermediate = 43,  // RFC 9242
    ike_followup_ke = 44,  // RFC 9370
};

enum class PayloadType : std::uint8_t {
    none = 0,  // "no next payload"
    sa = 33,
    ke = 34,
    idi = 35,
    idr = 36,
    cert = 37,
    certreq = 38,
    auth = 39,
    nonce = 40,
    notify = 41,
    delete_ = 42,
    vendor_id = 43,
    tsi = 44,
    tsr = 45,
    sk = 46,  // Encrypted and Authenticated
    cp = 47,
    eap = 48,
    gspm = 49,  // RFC 6467; named, not decoded
    idg = 50,  // G-IKEv2; named, not decoded
    gsa = 51,
    kd = 52,
    skf = 53,  // Encrypted and Authenticated Fragment, RFC 7383
    ps = 54,  // Puzzle Solution, RFC 8019; named, not decoded
};

// "IKE_SA_INIT"; "EXCHANGE_99" when unknown.
std::string exchange_name(ExchangeType type);
// RFC 7296 notation: "SA", "KE", "IDi", "Ni/Nr", "N", "V", "SK", "SKF"; "NONE" for 0; "PAYLOAD_99" when unknown.
std::string payload_name(PayloadType type);
// strongSwan's log notation: "No" for the nonce, "E" for SK, "EF" for SKF; otherwise as payload_name.
std::string payload_short_name(PayloadType type);
// The payload types this codec decodes into typed structures (SA .. EAP, SKF). Others are kept raw when
// not critical and rejected when critical (RFC 7296 section 2.5).
bool is_supported_payload_type(std::uint8_t type);

// ---- security protocols and transforms ----------------------------------------------------------------

enum class ProtocolId : std::uint8_t { none = 0, ike = 1, ah = 2, esp = 3 };
// "IKE", "AH", "ESP"; "PROTO_7" when unknown, "NONE" for 0.
std::string protocol_name(std::uint8_t protocol);

enum class TransformType : std::uint8_t {
    encr = 1,
    prf = 2,
    integ = 3,
    ke = 4,  // "Diffie-Hellman Group" in RFC 7296, "Key Exchange Method" since RFC 9370
    esn = 5,
    // 6..12: ADDKE1..ADDKE7 (RFC 9370), take KE method IDs.
};
// "ENCR", "PRF", "INTEG", "KE", "ESN", "ADDKE1".."ADDKE7"; "TRANSFORM_TYPE_99" when unknown.
std::string transform_type_name(std::uint8_t type);

namespace encr_alg {
enum : std::uint16_t {
    des_iv64 = 1,
    des = 2,
    triple_des = 3,
    rc5 = 4,
    idea = 5,
    cast = 6,
    blowfish = 7,
    triple_idea = 8,
    des_iv32 = 9,
    null = 11,
    aes_cbc = 12,
    aes_ctr = 13,
    aes_ccm_8 = 14,
    aes_ccm_12 = 15,
    aes_ccm_16 = 16,
    aes_gcm_8 = 18,
    aes_gcm_12 = 19,
    aes_gcm_16 = 20,
    null_auth_aes_gmac = 21,
    camellia_cbc = 23,
    camellia_ctr = 24,
    camellia_ccm_8 = 25,
    camellia_ccm_12 = 26,
    camellia_ccm_16 = 27,
    chacha20_poly1305 = 28,
};
}  // namespace encr_alg

namespace prf_alg {
enum : std::uint16_t {
    hmac_md5 = 1,
    hmac_sha1 = 2,
    hmac_tiger = 3,
    aes128_xcbc = 4,
    hmac_sha2_256 = 5,
    hmac_sha2_384 = 6,
    hmac_sha2_512 = 7,
    aes128_cmac = 8,
};
}  // namespace prf_alg

namespace integ_alg {
enum : std::uint16_t {
    none = 0,
    hmac_md5_96 = 1,
    hmac_sha1_96 = 2,
    des_mac = 3,
    kpdk_md5 = 4,
    aes_xcbc_96 = 5,
    hmac_md5_128 = 6,
    hmac_sha1_160 = 7,
    aes_cmac_96 = 8,
    aes_128_gmac = 9,
    aes_192_gmac = 10,
    aes_256_gmac = 11,
    hmac_sha2_256_128 = 12,
    hmac_sha2_384_192 = 13,
    hmac_sha2_512_256 = 14,
};
}  // namespace integ_alg

// Key exchange methods (Transform Type 4). The MODP numbers are the group sizes in bits.
namespace dh_group {
enum : std::uint16_t {
    none = 0,
    modp768 = 1,
    modp1024 = 2,
    modp1536 = 5,
    modp2048 = 14,
    modp3072 = 15,
    modp4096 = 16,
    modp6144 = 17,
    modp8192 = 18,
    ecp256 = 19,
    ecp384 = 20,
    ecp521 = 21,
    modp1024s160 = 22,
    modp2048s224 = 23,
    modp2048s256 = 24,
    ecp192 = 25,
    ecp224 = 26,
    ecp224bp = 27,
    ecp256bp = 28,
    ecp384bp = 29,
    ecp512bp = 30,
    curve25519 = 31,
    curve448 = 32,
    mlkem512 = 35,
    mlkem768 = 36,
    mlkem1024 = 37,
};
}  // namespace dh_group

namespace esn_mode {
enum : std::uint16_t { no_esn = 0, esn = 1 };
}

// Transform attribute types (RFC 7296 section 3.3.5). Key Length is the only one defined, always TV.
inline constexpr std::uint16_t attribute_key_length = 14;

// ---- one row per algorithm ------------------------------------------------------------------------------
// Every ENCR, PRF, INTEG and KE transform this code knows, in one table: its names, whether it is AEAD, its
// key length rules, the sizes the SK payload code needs, the KE data size, Wireshark's name for it. The name
// functions below, is_aead(), needs_key_length(), ke_data_size(), the SK protection in ikev2_crypto_cipher
// (which transforms it supports, and their sizes) and the proposal parser (strongSwan's PRF for an integrity
// algorithm) all read this table. strongSwan's keywords are a table of their own further down, because one
// algorithm has several (one per key length, and aliases); each names a (type, id) row of this table.
struct Algorithm {
    TransformType type = TransformType::encr;
    std::uint16_t id = 0;
    std::string_view name;  // IANA: "ENCR_AES_CBC", "AUTH_HMAC_SHA2_256_128", "PRF_HMAC_SHA2_256", "MODP_2048"
    std::string_view display_name;  // strongSwan's log spelling: "AES_CBC", "HMAC_SHA2_256_128", "MODP_2048"
    std::string_view description;  // KE only: "2048-bit MODP", "256-bit random ECP (NIST P-256)"
    bool aead = false;  // ENCR: combined mode, takes no INTEG transform
    // ENCR key length: either the transform carries a Key Length attribute (required; one of key_lengths, or
    // any value when key_lengths is all zero), or it has a fixed key of fixed_key_bits and carries none.
    bool key_length_attribute = false;
    std::array<std::uint16_t, 3> key_lengths{};
    std::uint16_t fixed_key_bits = 0;  // 0 when unknown or not fixed
    // Sizes in bytes for SK payload protection (RFC 7296 3.14); 0 where ikev2_crypto_cipher does not implement
    // the transform. ENCR: IV, padding block, AEAD tag (icv_size), AEAD salt in the key material. INTEG:
    // truncated MAC (icv_size) and key.
    std::uint8_t iv_size = 0;
    std::uint8_t block_size = 0;
    std::uint8_t icv_size = 0;
    std::uint8_t key_size = 0;
    std::uint8_t salt_size = 0;
    std::uint16_t ke_size = 0;  // KE: key exchange data length, 0 when unknown or not fixed (ML-KEM)
    std::string_view digest;  // INTEG by HMAC: OpenSSL's digest name ("SHA256")
    // Wireshark's ikev2_decryption_table name, "{bits}" standing for the key length; empty: Wireshark has none.
    std::string_view wireshark_name;
    std::uint16_t derived_prf = 0;  // INTEG: the PRF strongSwan derives from it when none is configured

    // ikev2_crypto_cipher can protect SK payloads with it (INTEG NONE counts, for AEAD).
    bool sk_supported() const {
        if (type == TransformType::encr) return iv_size != 0;
        return type == TransformType::integ && (id == 0 || icv_size != 0);
    }
    // Whether `key_bits` (the Key Length attribute, 0 for none) is allowed: one of key_lengths when the
    // attribute is required, else 0 or the fixed key size.
    bool allows_key_bits(std::uint16_t key_bits) const;
};

// The whole table, in IANA order per transform type (ENCR, PRF, INTEG, KE).
std::span<const Algorithm> algorithms();
// The row for a transform, or nullptr. KE ids also answer for ADDKE1..7 (types 6..12, RFC 9370).
const Algorithm* find_algorithm(TransformType type, std::uint16_t id);
// Wireshark's IKEv2 decryption table name of an ENCR (with its key length) or INTEG transform:
// "AES-CBC-256 [RFC3602]", "AES-GCM-128 with 16 octet ICV [RFC5282]", "HMAC_SHA2_256_128 [RFC4868]",
// "NONE [RFC4306]" for integrity NONE; nullopt when Wireshark has no name for it.
std::optional<std::string> wireshark_algorithm_name(TransformType type, std::uint16_t id, std::uint16_t key_bits);

// IANA-style name: "ENCR_AES_CBC", "PRF_HMAC_SHA2_256", "AUTH_HMAC_SHA2_256_128", "MODP_2048", "ECP_256",
// "CURVE_25519", "ESN"; "ENCR_99" when unknown.
std::string transform_id_name(std::uint8_t type, std::uint16_t id);
// strongSwan's spelling, as in its proposal logs: "AES_CBC", "3DES_CBC", "HMAC_SHA2_256_128",
// "PRF_HMAC_SHA2_256", "MODP_2048", "CURVE_25519", "NO_EXT_SEQ"; "ENCR_99" when unknown.
std::string transform_display_name(std::uint8_t type, std::uint16_t id);
// "2048-bit MODP", "256-bit random ECP (NIST P-256)", "Curve25519"; "key exchange method 99" when unknown.
std::string dh_group_description(std::uint16_t group);
// Length of a KE payload's key exchange data for the group (MODP: the prime's length; ECP: x and y;
// Curve25519: 32), or nullopt when unknown or not fixed (ML-KEM: differs per direction).
std::optional<std::size_t> ke_data_size(std::uint16_t group);
// Combined-mode (AEAD) ciphers, which take no INTEG transform.
bool is_aead(std::uint16_t encr_id);
// Ciphers whose transform carries a Key Length attribute (AES, Camellia, Blowfish, ...); 3DES and
// ChaCha20-Poly1305 have a fixed key and MUST NOT carry one.
bool needs_key_length(std::uint16_t encr_id);

// ---- strongSwan algorithm keywords -----------------------------------------------------------------------
// The keywords of strongSwan's proposal syntax (swanctl.conf "proposals"), for both parsing and printing.

struct AlgorithmKeyword {
    std::string_view keyword;  // "aes256", "sha256", "prfsha256", "modp2048", "aes128gcm16", "esn"
    TransformType type;
    std::uint16_t id = 0;
    std::uint16_t key_length = 0;  // 0: no Key Length attribute
};

// Case-sensitive, like strongSwan. Aliases are accepted ("sha" = "sha1", "aes" = "aes128",
// "aes128gcm128" = "aes128gcm16", "x25519" = "curve25519", "sha2_256" = "sha256").
std::optional<AlgorithmKeyword> find_algorithm_keyword(std::string_view keyword);
// The canonical keyword for a transform, or nullopt when strongSwan has none for it.
std::optional<std::string_view> algorithm_keyword(TransformType type, std::uint16_t id, std::uint16_t key_length);

// ---- notify message types --------------------------------------------------------------------------------

namespace notify {
enum : std::uint16_t {
    // Errors (0..16383)
    unsupported_critical_payload = 1,
    invalid_ike_spi = 4,
    invalid_major_version = 5,
    invalid_syntax = 7,
    invalid_message_id = 9,
    invalid_spi = 11,
    no_proposal_chosen = 14,
    invalid_ke_payload = 17,
    authentication_failed = 24,
    single_pair_required = 34,
    no_additional_sas = 35,
    internal_address_failure = 36,
    failed_cp_required = 37,
    ts_unacceptable = 38,
    invalid_selectors = 39,
    unacceptable_addresses = 40,
    unexpected_nat_detected = 41,
    use_assigned_hoa = 42,
    temporary_failure = 43,
    child_sa_not_found = 44,
    invalid_group_id = 45,
    authorization_failed = 46,
    state_not_found = 47,
    ts_max_queue = 48,
    ms_notify_status = 12345,  // Microsoft private error (MS-IKEE 2.2.7): data is a Windows status code
    // Status (16384..)
    initial_contact = 16384,
    set_window_size = 16385,
    additional_ts_possible = 16386,
    ipcomp_supported = 16387,
    nat_detection_source_ip = 16388,
    nat_detection_destination_ip = 16389,
    cookie = 16390,
    use_transport_mode = 16391,
    http_cert_lookup_supported = 16392,
    rekey_sa = 16393,
    esp_tfc_padding_not_supported = 16394,
    non_first_fragments_also = 16395,
    mobike_supported = 16396,
    additional_ip4_address = 16397,
    additional_ip6_address = 16398,
    no_additional_addresses = 16399,
    update_sa_addresses = 16400,
    cookie2 = 16401,
    no_nats_allowed = 16402,
    auth_lifetime = 16403,
    multiple_auth_supported = 16404,
    another_auth_follows = 16405,
    redirect_supported = 16406,
    redirect = 16407,
    redirected_from = 16408,
    ticket_lt_opaque = 16409,
    ticket_request = 16410,
    ticket_ack = 16411,
    ticket_nack = 16412,
    ticket_opaque = 16413,
    link_id = 16414,
    use_wesp_mode = 16415,
    rohc_supported = 16416,
    eap_only_authentication = 16417,
    childless_ikev2_supported = 16418,
    quick_crash_detection = 16419,
    ikev2_message_id_sync_supported = 16420,
    ipsec_replay_counter_sync_supported = 16421,
    ikev2_message_id_sync = 16422,
    ipsec_replay_counter_sync = 16423,
    secure_password_methods = 16424,
    psk_persist = 16425,
    psk_confirm = 16426,
    erx_supported = 16427,
    ifom_capability = 16428,
    sender_request_id = 16429,
    ikev2_fragmentation_supported = 16430,
    signature_hash_algorithms = 16431,
    clone_ike_sa_supported = 16432,
    clone_ike_sa = 16433,
    puzzle = 16434,
    use_ppk = 16435,
    ppk_identity = 16436,
    no_ppk_auth = 16437,
    intermediate_exchange_supported = 16438,
    ip4_allowed = 16439,
    ip6_allowed = 16440,
    additional_key_exchange = 16441,
    use_aggfrag = 16442,
    supported_auth_methods = 16443,
    sa_resource_info = 16444,
    use_beet_mode = 40960,  // strongSwan private
};
}  // namespace notify

inline constexpr std::uint16_t first_status_notify = 16384;
inline bool is_error_notify(std::uint16_t type) { return type < first_status_notify; }

// "NAT_DETECTION_SOURCE_IP"; "ERROR_8200" / "STATUS_40999" when unknown.
std::string notify_name(std::uint16_t type);
// strongSwan's log abbreviation: "NATD_S_IP", "FRAG_SUP", "HASH_ALG", "CHDLESS_SUP", "MULT_AUTH",
// "NO_PROP", "INVAL_KE"; the decimal number when unknown.
std::string notify_short_name(std::uint16_t type);

// ---- identities, authentication, certificates ---------------------------------------------------------

namespace id_type {
enum : std::uint8_t {
    ipv4_addr = 1,
    fqdn = 2,
    rfc822_addr = 3,
    ipv6_addr = 5,
    der_asn1_dn = 9,
    der_asn1_gn = 10,
    key_id = 11,
    fc_name = 12,
    null_id = 13,
};
}
// "ID_FQDN"; "ID_TYPE_99" when unknown.
std::string id_type_name(std::uint8_t type);

namespace auth_method {
enum : std::uint8_t {
    rsa_signature = 1,
    shared_key = 2,
    dss_signature = 3,
    ecdsa_sha256_p256 = 9,
    ecdsa_sha384_p384 = 10,
    ecdsa_sha512_p521 = 11,
    generic_secure_password = 12,
    null_auth = 13,
    digital_signature = 14,  // RFC 7427: the data names its own signature algorithm
};
}
// "RSA Digital Signature", "Shared Key Message Integrity Code", "ECDSA with SHA-256 on the P-256 curve",
// "Digital Signature"; "auth method 99" when unknown.
std::string auth_method_name(std::uint8_t method);

namespace cert_encoding {
enum : std::uint8_t {
    pkcs7_x509 = 1,
    pgp = 2,
    dns_signed_key = 3,
    x509_signature = 4,
    kerberos_token = 6,
    crl = 7,
    arl = 8,
    spki = 9,
    x509_attribute = 10,
    raw_rsa_key = 11,
    hash_url_x509_cert = 12,
    hash_url_x509_bundle = 13,
    ocsp_content = 14,
    raw_public_key = 15,
};
}
// "X.509 Certificate - Signature", "Hash and URL of X.509 certificate"; "cert encoding 99" when unknown.
std::string cert_encoding_name(std::uint8_t encoding);

// Hash algorithms of SIGNATURE_HASH_ALGORITHMS (RFC 7427 section 4, RFC 8420, RFC 9385).
namespace hash_algorithm {
enum : std::uint16_t {
    sha1 = 1,
    sha2_256 = 2,
    sha2_384 = 3,
    sha2_512 = 4,
    identity = 5,
    streebog_256 = 6,
    streebog_512 = 7,
};
}
// IANA name: "SHA1", "SHA2-256", "Identity"; "HASH_99" when unknown.
std::string hash_algorithm_name(std::uint16_t algorithm);
// Lower case, as strongSwan logs them: "sha1", "sha256", "sha384", "sha512", "identity"; "hash99" when unknown.
std::string hash_algorithm_short_name(std::uint16_t algorithm);

// ---- EAP (RFC 3748 and the IANA EAP registries) ---------------------------------------------------------

namespace eap_code {
enum : std::uint8_t { request = 1, response = 2, success = 3, failure = 4, initiate = 5, finish = 6 };
}
namespace eap_type {
enum : std::uint8_t {
    identity = 1,
    notification = 2,
    nak = 3,
    md5_challenge = 4,
    otp = 5,
    gtc = 6,
    tls = 13,
    leap = 17,
    sim = 18,
    ttls = 21,
    aka = 23,
    peap = 25,
    mschapv2 = 26,
    ms_tlv = 33,
    tnc = 38,
    fast = 43,
    psk = 47,
    sake = 48,
    ikev2 = 49,
    aka_prime = 50,
    gpsk = 51,
    pwd = 52,
    eke = 53,
    teap = 55,
    expanded = 254,
    experimental = 255,
};
}
// "Request", "Response", "Success", "Failure"; "EAP code 9" when unknown.
std::string eap_code_name(std::uint8_t code);
// strongSwan's "REQ", "RES", "SUCC", "FAIL"; the number when unknown.
std::string eap_code_short_name(std::uint8_t code);
// "Identity", "MD5-Challenge", "EAP-TLS", "PEAP", "EAP-MSCHAPv2"; "EAP type 99" when unknown.
std::string eap_type_name(std::uint8_t type);
// strongSwan's "ID", "MD5", "TLS", "PEAP", "MSCHAPV2"; the number when unknown.
std::string eap_type_short_name(std::uint8_t type);

// ---- traffic selectors and configuration payloads ---------------------------------------------------------

namespace ts_type {
enum : std::uint8_t { ipv4_addr_range = 7, ipv6_addr_range = 8, fc_addr_range = 9, seclabel = 10 };
}
// "TS_IPV4_ADDR_RANGE"; "TS_TYPE_99" when unknown.
std::string ts_type_name(std::uint8_t type);

namespace cfg_type {
enum : std::uint8_t { request = 1, reply = 2, set = 3, ack = 4 };
}
// "CFG_REQUEST"; "CFG_TYPE_9" when unknown.
std::string cfg_type_name(std::uint8_t type);

namespace cfg_attribute {
enum : std::uint16_t {
    internal_ip4_address = 1,
    internal_ip4_netmask = 2,
    internal_ip4_dns = 3,
    internal_ip4_nbns = 4,
    internal_ip4_dhcp = 6,
    application_version = 7,
    internal_ip6_address = 8,
    internal_ip6_dns = 10,
    internal_ip6_dhcp = 12,
    internal_ip4_subnet = 13,
    supported_attributes = 14,
    internal_ip6_subnet = 15,
    internal_dns_domain = 25,
};
}
// "INTERNAL_IP4_ADDRESS"; "CFG_ATTRIBUTE_99" when unknown.
std::string cfg_attribute_name(std::uint16_t type);
// strongSwan's "ADDR", "DNS", "ADDR6", "DNS6", "SUBNET", "VER"; the number when unknown.
std::string cfg_attribute_short_name(std::uint16_t type);

// ---- vendor IDs -------------------------------------------------------------------------------------------
// Recognised: strongSwan (MD5("strongSwan"), as in strongSwan's ike_vendor.c; strongSwan does not put its
// version in the IKEv2 vendor ID), Microsoft's "MS NT5 ISAKMPOAKLEY" + 4-byte version (the version to
// Windows release mapping is libreswan's vendorid.c table), MS-Negotiation Discovery Capable, Microsoft
// Vid-Initial-Contact, IKE CGA version 1, RFC 3947 NAT-T and IKEv1 FRAGMENTATION (some IKEv2 peers copy
// their IKEv1 set), Cisco's plain-text IDs. libreswan sends no vendor ID by default; with send-vendorid=yes
// it sends the plain text "OE-Libreswan-<version>", which is recognised with its version. Older
// FreeS/WAN-family plutos sent "OE" or "OSW" plus a hash of their version string: the family is
// recognisable, the version is not (the hash is one-way and depends on compile-time options).

// The vendor's name ("strongSwan", "Libreswan 4.10", "Microsoft Windows (MS NT5 ISAKMPOAKLEY v9: Windows 8,
// 8.1, 10, Server 2012 R2, Server 2016 or later)"), or nullopt when not recognised.
std::optional<std::string> known_vendor_id(ByteView vendor_id);
// known_vendor_id, or "unknown vendor id <hex>".
std::string vendor_id_name(ByteView vendor_id);

}  // namespace vpnprobe::protocol::ikev2
