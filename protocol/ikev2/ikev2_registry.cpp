#include "protocol/ikev2/ikev2_registry.hpp"

#include <algorithm>
#include <array>
#include <span>

namespace vpnprobe::protocol::ikev2 {

namespace {

struct Entry {
    std::uint16_t value;
    std::string_view name;
    std::string_view short_name;  // empty: same as name
};

const Entry* find(std::span<const Entry> table, std::uint16_t value) {
    for (const auto& e : table)
        if (e.value == value) return &e;
    return nullptr;
}

std::string name_or(std::span<const Entry> table, std::uint16_t value, std::string_view fallback_prefix) {
    if (const Entry* e = find(table, value)) return std::string(e->name);
    return std::string(fallback_prefix) + std::to_string(value);
}

std::string short_or_number(std::span<const Entry> table, std::uint16_t value) {
    if (const Entry* e = find(table, value)) return std::string(e->short_name.empty() ? e->name : e->short_name);
    return std::to_string(value);
}

constexpr Entry exchange_table[] = {
    {34, "IKE_SA_INIT", ""},     {35, "IKE_AUTH", ""},           {36, "CREATE_CHILD_SA", ""},
    {37, "INFORMATIONAL", ""},   {38, "IKE_SESSION_RESUME", ""}, {43, "IKE_INTERMEDIATE", ""},
    {44, "IKE_FOLLOWUP_KE", ""},
};

// name = RFC 7296 section 3.2 notation; short_name = strongSwan's payload_type_short_names.
constexpr Entry payload_table[] = {
    {0, "NONE", ""},     {33, "SA", ""},   {34, "KE", ""},      {35, "IDi", ""},   {36, "IDr", ""}, {37, "CERT", ""},
    {38, "CERTREQ", ""}, {39, "AUTH", ""}, {40, "Ni/Nr", "No"}, {41, "N", ""},     {42, "D", ""},   {43, "V", ""},
    {44, "TSi", ""},     {45, "TSr", ""},  {46, "SK", "E"},     {47, "CP", ""},    {48, "EAP", ""}, {49, "GSPM", ""},
    {50, "IDg", ""},     {51, "GSA", ""},  {52, "KD", ""},      {53, "SKF", "EF"}, {54, "PS", ""},
};

constexpr Entry protocol_table[] = {{0, "NONE", ""}, {1, "IKE", ""},           {2, "AH", ""},
                                    {3, "ESP", ""},  {4, "FC_ESP_HEADER", ""}, {5, "FC_CT_AUTHENTICATION", ""}};

constexpr Entry transform_type_table[] = {
    {1, "ENCR", ""},   {2, "PRF", ""},    {3, "INTEG", ""},  {4, "KE", ""},      {5, "ESN", ""},     {6, "ADDKE1", ""},
    {7, "ADDKE2", ""}, {8, "ADDKE3", ""}, {9, "ADDKE4", ""}, {10, "ADDKE5", ""}, {11, "ADDKE6", ""}, {12, "ADDKE7", ""},
};

// name = IANA / RFC 7296 constant; short_name = strongSwan's display name (encryption_algorithm_names etc.).
constexpr Entry esn_table[] = {{0, "NO_ESN", "NO_EXT_SEQ"}, {1, "ESN", "EXT_SEQ"}};

// The one row per algorithm (ikev2_registry.hpp). Sizes and Wireshark names: RFC 7296 3.14, RFC 4868, RFC 5282,
// RFC 7634; Wireshark's epan/dissectors/packet-isakmp.c. KE sizes: the MODP prime's length, ECP x and y, the
// curves' u-coordinate.
// Builders for the rows below, so that each algorithm is one line naming only the columns it uses.
struct Row {
    Algorithm a;

private:
    // Defined before the builders that call it: clang 14 refuses a member template used in a constant
    // expression before its definition ("undefined function ... cannot be used in a constant expression").
    template <typename F>
    constexpr Row with(F f) const {
        Row r = *this;
        f(r.a);
        return r;
    }

public:
    constexpr operator Algorithm() const { return a; }
    constexpr Row aead() const {
        return with([](Algorithm& x) { x.aead = true; });
    }
    constexpr Row key_lengths(std::uint16_t b1, std::uint16_t b2, std::uint16_t b3) const {
        return with([&](Algorithm& x) { x.key_length_attribute = true, x.key_lengths = {b1, b2, b3}; });
    }
    constexpr Row any_key_length() const {
        return with([](Algorithm& x) { x.key_length_attribute = true; });
    }
    constexpr Row fixed_key(std::uint16_t bits) const {
        return with([&](Algorithm& x) { x.fixed_key_bits = bits; });
    }
    // ENCR implemented for SK: IV and padding block; AEAD also tag and salt.
    constexpr Row sk(std::uint8_t iv, std::uint8_t block, std::uint8_t tag = 0, std::uint8_t salt = 0) const {
        return with([&](Algorithm& x) { x.iv_size = iv, x.block_size = block, x.icv_size = tag, x.salt_size = salt; });
    }
    // INTEG implemented for SK: truncated MAC, key, HMAC digest (empty for AES-XCBC).
    constexpr Row mac(std::uint8_t icv, std::uint8_t key, std::string_view digest) const {
        return with([&](Algorithm& x) { x.icv_size = icv, x.key_size = key, x.digest = digest; });
    }
    constexpr Row ke_size(std::uint16_t bytes) const {
        return with([&](Algorithm& x) { x.ke_size = bytes; });
    }
    constexpr Row wireshark(std::string_view name) const {
        return with([&](Algorithm& x) { x.wireshark_name = name; });
    }
    constexpr Row prf_from(std::uint16_t prf) const {
        return with([&](Algorithm& x) { x.derived_prf = prf; });
    }
};

constexpr Row row(TransformType type, std::uint16_t id, std::string_view name, std::string_view display,
                  std::string_view description = {}) {
    Algorithm a;
    a.type = type, a.id = id, a.name = name, a.display_name = display, a.description = description;
    return Row{a};
}
constexpr Row encr(std::uint16_t id, std::string_view name, std::string_view display) {
    return row(TransformType::encr, id, name, display);
}
constexpr Row prf(std::uint16_t id, std::string_view name) { return row(TransformType::prf, id, name, name); }
constexpr Row integ(std::uint16_t id, std::string_view name, std::string_view display) {
    return row(TransformType::integ, id, name, display);
}
constexpr Row ke(std::uint16_t id, std::string_view name, std::string_view description) {
    return row(TransformType::ke, id, name, name, description);
}

// One line per algorithm, wider than the usual 120 columns so that it stays one line.
// clang-format off
constexpr Algorithm algorithm_table[] = {
    encr(1, "ENCR_DES_IV64", "DES_IV64"),
    encr(2, "ENCR_DES", "DES_CBC").fixed_key(64),
    encr(3, "ENCR_3DES", "3DES_CBC").fixed_key(192).sk(8, 8).wireshark("3DES [RFC2451]"),
    encr(4, "ENCR_RC5", "RC5_CBC").any_key_length(),
    encr(5, "ENCR_IDEA", "IDEA_CBC"),
    encr(6, "ENCR_CAST", "CAST_CBC").any_key_length(),
    encr(7, "ENCR_BLOWFISH", "BLOWFISH_CBC").any_key_length(),
    encr(8, "ENCR_3IDEA", "3IDEA"),
    encr(9, "ENCR_DES_IV32", "DES_IV32"),
    encr(11, "ENCR_NULL", "NULL").wireshark("NULL [RFC2410]"),
    encr(12, "ENCR_AES_CBC", "AES_CBC").key_lengths(128, 192, 256).sk(16, 16).wireshark("AES-CBC-{bits} [RFC3602]"),
    encr(13, "ENCR_AES_CTR", "AES_CTR").key_lengths(128, 192, 256).wireshark("AES-CTR-{bits} [RFC5930]"),
    encr(14, "ENCR_AES_CCM_8", "AES_CCM_8").aead().key_lengths(128, 192, 256),
    encr(15, "ENCR_AES_CCM_12", "AES_CCM_12").aead().key_lengths(128, 192, 256),
    encr(16, "ENCR_AES_CCM_16", "AES_CCM_16").aead().key_lengths(128, 192, 256),
    encr(18, "ENCR_AES_GCM_8", "AES_GCM_8").aead().key_lengths(128, 192, 256).sk(8, 1, 8, 4).wireshark("AES-GCM-{bits} with 8 octet ICV [RFC5282]"),
    encr(19, "ENCR_AES_GCM_12", "AES_GCM_12").aead().key_lengths(128, 192, 256).sk(8, 1, 12, 4).wireshark("AES-GCM-{bits} with 12 octet ICV [RFC5282]"),
    encr(20, "ENCR_AES_GCM_16", "AES_GCM_16").aead().key_lengths(128, 192, 256).sk(8, 1, 16, 4).wireshark("AES-GCM-{bits} with 16 octet ICV [RFC5282]"),
    encr(21, "ENCR_NULL_AUTH_AES_GMAC", "NULL_AES_GMAC").aead().key_lengths(128, 192, 256),
    encr(23, "ENCR_CAMELLIA_CBC", "CAMELLIA_CBC").key_lengths(128, 192, 256),
    encr(24, "ENCR_CAMELLIA_CTR", "CAMELLIA_CTR").key_lengths(128, 192, 256),
    encr(25, "ENCR_CAMELLIA_CCM_8", "CAMELLIA_CCM_8").aead().key_lengths(128, 192, 256),
    encr(26, "ENCR_CAMELLIA_CCM_12", "CAMELLIA_CCM_12").aead().key_lengths(128, 192, 256),
    encr(27, "ENCR_CAMELLIA_CCM_16", "CAMELLIA_CCM_16").aead().key_lengths(128, 192, 256),
    encr(28, "ENCR_CHACHA20_POLY1305", "CHACHA20_POLY1305").aead().fixed_key(256).sk(8, 1, 16, 4),
    encr(29, "ENCR_AES_CCM_8_IIV", "AES_CCM_8_IIV").aead().key_lengths(128, 192, 256),
    encr(30, "ENCR_AES_GCM_16_IIV", "AES_GCM_16_IIV").aead().key_lengths(128, 192, 256),
    encr(31, "ENCR_CHACHA20_POLY1305_IIV", "CHACHA20_POLY1305_IIV").aead(),
    encr(32, "ENCR_KUZNYECHIK_MGM_KTREE", "KUZNYECHIK_MGM_KTREE").aead(),
    encr(33, "ENCR_MAGMA_MGM_KTREE", "MAGMA_MGM_KTREE").aead(),
    encr(34, "ENCR_KUZNYECHIK_MGM_MAC_KTREE", "KUZNYECHIK_MGM_MAC_KTREE").aead(),
    encr(35, "ENCR_MAGMA_MGM_MAC_KTREE", "MAGMA_MGM_MAC_KTREE").aead(),
    prf(1, "PRF_HMAC_MD5"),
    prf(2, "PRF_HMAC_SHA1"),
    prf(3, "PRF_HMAC_TIGER"),
    prf(4, "PRF_AES128_XCBC"),
    prf(5, "PRF_HMAC_SHA2_256"),
    prf(6, "PRF_HMAC_SHA2_384"),
    prf(7, "PRF_HMAC_SHA2_512"),
    prf(8, "PRF_AES128_CMAC"),
    prf(9, "PRF_HMAC_STREEBOG_512"),
    integ(0, "NONE", "NONE").wireshark("NONE [RFC4306]"),
    integ(1, "AUTH_HMAC_MD5_96", "HMAC_MD5_96").mac(12, 16, "MD5").wireshark("HMAC_MD5_96 [RFC2403]").prf_from(1),
    integ(2, "AUTH_HMAC_SHA1_96", "HMAC_SHA1_96").mac(12, 20, "SHA1").wireshark("HMAC_SHA1_96 [RFC2404]").prf_from(2),
    integ(3, "AUTH_DES_MAC", "DES_MAC"),
    integ(4, "AUTH_KPDK_MD5", "KPDK_MD5"),
    integ(5, "AUTH_AES_XCBC_96", "AES_XCBC_96").mac(12, 16, "").prf_from(4),
    integ(6, "AUTH_HMAC_MD5_128", "HMAC_MD5_128"),
    integ(7, "AUTH_HMAC_SHA1_160", "HMAC_SHA1_160"),
    integ(8, "AUTH_AES_CMAC_96", "AES_CMAC_96").prf_from(8),
    integ(9, "AUTH_AES_128_GMAC", "AES_128_GMAC"),
    integ(10, "AUTH_AES_192_GMAC", "AES_192_GMAC"),
    integ(11, "AUTH_AES_256_GMAC", "AES_256_GMAC"),
    integ(12, "AUTH_HMAC_SHA2_256_128", "HMAC_SHA2_256_128").mac(16, 32, "SHA256").wireshark("HMAC_SHA2_256_128 [RFC4868]").prf_from(5),
    integ(13, "AUTH_HMAC_SHA2_384_192", "HMAC_SHA2_384_192").mac(24, 48, "SHA384").wireshark("HMAC_SHA2_384_192 [RFC4868]").prf_from(6),
    integ(14, "AUTH_HMAC_SHA2_512_256", "HMAC_SHA2_512_256").mac(32, 64, "SHA512").wireshark("HMAC_SHA2_512_256 [RFC4868]").prf_from(7),
    ke(0, "NONE", "no key exchange"),
    ke(1, "MODP_768", "768-bit MODP").ke_size(96),
    ke(2, "MODP_1024", "1024-bit MODP").ke_size(128),
    ke(5, "MODP_1536", "1536-bit MODP").ke_size(192),
    ke(14, "MODP_2048", "2048-bit MODP").ke_size(256),
    ke(15, "MODP_3072", "3072-bit MODP").ke_size(384),
    ke(16, "MODP_4096", "4096-bit MODP").ke_size(512),
    ke(17, "MODP_6144", "6144-bit MODP").ke_size(768),
    ke(18, "MODP_8192", "8192-bit MODP").ke_size(1024),
    ke(19, "ECP_256", "256-bit random ECP (NIST P-256)").ke_size(64),
    ke(20, "ECP_384", "384-bit random ECP (NIST P-384)").ke_size(96),
    ke(21, "ECP_521", "521-bit random ECP (NIST P-521)").ke_size(132),
    ke(22, "MODP_1024_160", "1024-bit MODP with 160-bit prime order subgroup").ke_size(128),
    ke(23, "MODP_2048_224", "2048-bit MODP with 224-bit prime order subgroup").ke_size(256),
    ke(24, "MODP_2048_256", "2048-bit MODP with 256-bit prime order subgroup").ke_size(256),
    ke(25, "ECP_192", "192-bit random ECP (NIST P-192)").ke_size(48),
    ke(26, "ECP_224", "224-bit random ECP (NIST P-224)").ke_size(56),
    ke(27, "ECP_224_BP", "brainpoolP224r1").ke_size(56),
    ke(28, "ECP_256_BP", "brainpoolP256r1").ke_size(64),
    ke(29, "ECP_384_BP", "brainpoolP384r1").ke_size(96),
    ke(30, "ECP_512_BP", "brainpoolP512r1").ke_size(128),
    ke(31, "CURVE_25519", "Curve25519").ke_size(32),
    ke(32, "CURVE_448", "Curve448").ke_size(56),
    ke(33, "GOST3410_2012_256", "GOST3410_2012_256"),
    ke(34, "GOST3410_2012_512", "GOST3410_2012_512"),
    ke(35, "ML_KEM_512", "ML-KEM-512"),
    ke(36, "ML_KEM_768", "ML-KEM-768"),
    ke(37, "ML_KEM_1024", "ML-KEM-1024"),
};
// clang-format on

// Row number + 1 (0: none) by transform type and ID, built at compile time: the SK code looks rows up on every
// message, so find_algorithm() must not scan the table. Every ID in the table is below 64 (the build fails
// otherwise).
constexpr std::size_t max_indexed_id = 64;
constexpr auto algorithm_index = [] {
    std::array<std::array<std::uint8_t, max_indexed_id>, 5> index{};
    static_assert(std::size(algorithm_table) < 255);
    for (std::size_t i = 0; i < std::size(algorithm_table); ++i) {
        const Algorithm& a = algorithm_table[i];
        index.at(static_cast<std::size_t>(a.type)).at(a.id) = static_cast<std::uint8_t>(i + 1);
    }
    return index;
}();

// KE method IDs answer for the ADDKEn types too (RFC 9370).
bool is_ke_type(std::uint8_t type) { return type == 4 || (type >= 6 && type <= 12); }

// name = IANA; short_name = strongSwan's notify_type_short_names where it has one.
constexpr Entry notify_table[] = {
    {1, "UNSUPPORTED_CRITICAL_PAYLOAD", "CRIT"},
    {4, "INVALID_IKE_SPI", "INVAL_IKE_SPI"},
    {5, "INVALID_MAJOR_VERSION", "INVAL_MAJOR"},
    {7, "INVALID_SYNTAX", "INVAL_SYN"},
    {9, "INVALID_MESSAGE_ID", "INVAL_MID"},
    {11, "INVALID_SPI", "INVAL_SPI"},
    {14, "NO_PROPOSAL_CHOSEN", "NO_PROP"},
    {17, "INVALID_KE_PAYLOAD", "INVAL_KE"},
    {24, "AUTHENTICATION_FAILED", "AUTH_FAILED"},
    {34, "SINGLE_PAIR_REQUIRED", "SINGLE_PAIR"},
    {35, "NO_ADDITIONAL_SAS", "NO_ADD_SAS"},
    {36, "INTERNAL_ADDRESS_FAILURE", "INT_ADDR_FAIL"},
    {37, "FAILED_CP_REQUIRED", "FAIL_CP_REQ"},
    {38, "TS_UNACCEPTABLE", "TS_UNACCEPT"},
    {39, "INVALID_SELECTORS", "INVAL_SEL"},
    {40, "UNACCEPTABLE_ADDRESSES", "UNACCEPT_ADDR"},
    {41, "UNEXPECTED_NAT_DETECTED", "UNEXPECT_NAT"},
    {42, "USE_ASSIGNED_HoA", "ASSIGNED_HoA"},
    {43, "TEMPORARY_FAILURE", "TEMP_FAIL"},
    {44, "CHILD_SA_NOT_FOUND", "NO_CHILD_SA"},
    {45, "INVALID_GROUP_ID", "INVAL_GROUP_ID"},
    {46, "AUTHORIZATION_FAILED", "AUTHZ_FAILED"},
    {47, "STATE_NOT_FOUND", "STATE_NOT_FOUND"},
    {48, "TS_MAX_QUEUE", "TS_MAX_QUEUE"},
    {12345, "MS_NOTIFY_STATUS", "MS_STATUS"},
    {16384, "INITIAL_CONTACT", "INIT_CONTACT"},
    {16385, "SET_WINDOW_SIZE", "SET_WINSIZE"},
    {16386, "ADDITIONAL_TS_POSSIBLE", "ADD_TS_POSS"},
    {16387, "IPCOMP_SUPPORTED", "IPCOMP_SUP"},
    {16388, "NAT_DETECTION_SOURCE_IP", "NATD_S_IP"},
    {16389, "NAT_DETECTION_DESTINATION_IP", "NATD_D_IP"},
    {16390, "COOKIE", "COOKIE"},
    {16391, "USE_TRANSPORT_MODE", "USE_TRANSP"},
    {16392, "HTTP_CERT_LOOKUP_SUPPORTED", "HTTP_CERT_LOOK"},
    {16393, "REKEY_SA", "REKEY_SA"},
    {16394, "ESP_TFC_PADDING_NOT_SUPPORTED", "ESP_TFC_PAD_N"},
    {16395, "NON_FIRST_FRAGMENTS_ALSO", "NON_FIRST_FRAG"},
    {16396, "MOBIKE_SUPPORTED", "MOBIKE_SUP"},
    {16397, "ADDITIONAL_IP4_ADDRESS", "ADD_4_ADDR"},
    {16398, "ADDITIONAL_IP6_ADDRESS", "ADD_6_ADDR"},
    {16399, "NO_ADDITIONAL_ADDRESSES", "NO_ADD_ADDR"},
    {16400, "UPDATE_SA_ADDRESSES", "UPD_SA_ADDR"},
    {16401, "COOKIE2", "COOKIE2"},
    {16402, "NO_NATS_ALLOWED", "NO_NATS"},
    {16403, "AUTH_LIFETIME", "AUTH_LFT"},
    {16404, "MULTIPLE_AUTH_SUPPORTED", "MULT_AUTH"},
    {16405, "ANOTHER_AUTH_FOLLOWS", "AUTH_FOLLOWS"},
    {16406, "REDIRECT_SUPPORTED", "REDIR_SUP"},
    {16407, "REDIRECT", "REDIR"},
    {16408, "REDIRECTED_FROM", "REDIR_FROM"},
    {16409, "TICKET_LT_OPAQUE", "TKT_LT_OPAK"},
    {16410, "TICKET_REQUEST", "TKT_REQ"},
    {16411, "TICKET_ACK", "TKT_ACK"},
    {16412, "TICKET_NACK", "TKT_NACK"},
    {16413, "TICKET_OPAQUE", "TKT_OPAK"},
    {16414, "LINK_ID", "LINK_ID"},
    {16415, "USE_WESP_MODE", "WESP_MODE"},
    {16416, "ROHC_SUPPORTED", "ROHC_SUP"},
    {16417, "EAP_ONLY_AUTHENTICATION", "EAP_ONLY"},
    {16418, "CHILDLESS_IKEV2_SUPPORTED", "CHDLESS_SUP"},
    {16419, "QUICK_CRASH_DETECTION", "CRASH_DET"},
    {16420, "IKEV2_MESSAGE_ID_SYNC_SUPPORTED", "MSG_ID_SYN_SUP"},
    {16421, "IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED", "RPL_CTR_SYN_SUP"},
    {16422, "IKEV2_MESSAGE_ID_SYNC", "MSG_ID_SYN"},
    {16423, "IPSEC_REPLAY_COUNTER_SYNC", "RPL_CTR_SYN"},
    {16424, "SECURE_PASSWORD_METHODS", "SEC_PASSWD"},
    {16425, "PSK_PERSIST", "PSK_PST"},
    {16426, "PSK_CONFIRM", "PSK_CFM"},
    {16427, "ERX_SUPPORTED", "ERX_SUP"},
    {16428, "IFOM_CAPABILITY", "IFOM_CAP"},
    {16429, "SENDER_REQUEST_ID", "SENDER_REQ_ID"},
    {16430, "IKEV2_FRAGMENTATION_SUPPORTED", "FRAG_SUP"},
    {16431, "SIGNATURE_HASH_ALGORITHMS", "HASH_ALG"},
    {16432, "CLONE_IKE_SA_SUPPORTED", "CLONE_SUP"},
    {16433, "CLONE_IKE_SA", "CLONE"},
    {16434, "PUZZLE", "PUZZLE"},
    {16435, "USE_PPK", "USE_PPK"},
    {16436, "PPK_IDENTITY", "PPK_ID"},
    {16437, "NO_PPK_AUTH", "NO_PPK"},
    {16438, "INTERMEDIATE_EXCHANGE_SUPPORTED", "IKE_INT_SUP"},
    {16439, "IP4_ALLOWED", "IP4_ALLOWED"},
    {16440, "IP6_ALLOWED", "IP6_ALLOWED"},
    {16441, "ADDITIONAL_KEY_EXCHANGE", "ADD_KE"},
    {16442, "USE_AGGFRAG", "USE_AGGFRAG"},
    {16443, "SUPPORTED_AUTH_METHODS", "AUTH_METHODS"},
    {16444, "SA_RESOURCE_INFO", "SA_RES_INFO"},
    {40960, "USE_BEET_MODE", "BEET_MODE"},
};

constexpr Entry id_type_table[] = {
    {1, "ID_IPV4_ADDR", ""}, {2, "ID_FQDN", ""},        {3, "ID_RFC822_ADDR", ""},
    {5, "ID_IPV6_ADDR", ""}, {9, "ID_DER_ASN1_DN", ""}, {10, "ID_DER_ASN1_GN", ""},
    {11, "ID_KEY_ID", ""},   {12, "ID_FC_NAME", ""},    {13, "ID_NULL", ""},
};

constexpr Entry auth_method_table[] = {
    {1, "RSA Digital Signature", ""},
    {2, "Shared Key Message Integrity Code", ""},
    {3, "DSS Digital Signature", ""},
    {9, "ECDSA with SHA-256 on the P-256 curve", ""},
    {10, "ECDSA with SHA-384 on the P-384 curve", ""},
    {11, "ECDSA with SHA-512 on the P-521 curve", ""},
    {12, "Generic Secure Password Authentication Method", ""},
    {13, "NULL Authentication", ""},
    {14, "Digital Signature", ""},
};

constexpr Entry cert_encoding_table[] = {
    {1, "PKCS #7 wrapped X.509 certificate", ""},
    {2, "PGP Certificate", ""},
    {3, "DNS Signed Key", ""},
    {4, "X.509 Certificate - Signature", ""},
    {6, "Kerberos Token", ""},
    {7, "Certificate Revocation List (CRL)", ""},
    {8, "Authority Revocation List (ARL)", ""},
    {9, "SPKI Certificate", ""},
    {10, "X.509 Certificate - Attribute", ""},
    {11, "Raw RSA Key", ""},
    {12, "Hash and URL of X.509 certificate", ""},
    {13, "Hash and URL of X.509 bundle", ""},
    {14, "OCSP Content", ""},
    {15, "Raw Public Key", ""},
};

constexpr Entry hash_table[] = {
    {1, "SHA1", "sha1"},
    {2, "SHA2-256", "sha256"},
    {3, "SHA2-384", "sha384"},
    {4, "SHA2-512", "sha512"},
    {5, "Identity", "identity"},
    {6, "STREEBOG_256", "streebog256"},
    {7, "STREEBOG_512", "streebog512"},
};

constexpr Entry eap_code_table[] = {
    {1, "Request", "REQ"},  {2, "Response", "RES"},  {3, "Success", "SUCC"},
    {4, "Failure", "FAIL"}, {5, "Initiate", "INIT"}, {6, "Finish", "FIN"},
};

constexpr Entry eap_type_table[] = {
    {1, "Identity", "ID"},
    {2, "Notification", "NTF"},
    {3, "Legacy Nak", "NAK"},
    {4, "MD5-Challenge", "MD5"},
    {5, "One-Time Password", "OTP"},
    {6, "Generic Token Card", "GTC"},
    {13, "EAP-TLS", "TLS"},
    {17, "Cisco LEAP", "LEAP"},
    {18, "EAP-SIM", "SIM"},
    {21, "EAP-TTLS", "TTLS"},
    {23, "EAP-AKA", "AKA"},
    {25, "PEAP", "PEAP"},
    {26, "EAP-MSCHAPv2", "MSCHAPV2"},
    {33, "MS-EAP-TLV", "MSTLV"},
    {38, "EAP-TNC", "TNC"},
    {43, "EAP-FAST", "FAST"},
    {47, "EAP-PSK", "PSK"},
    {48, "EAP-SAKE", "SAKE"},
    {49, "EAP-IKEv2", "IKEV2"},
    {50, "EAP-AKA'", "AKA'"},
    {51, "EAP-GPSK", "GPSK"},
    {52, "EAP-pwd", "PWD"},
    {53, "EAP-EKE", "EKE"},
    {55, "TEAP", "TEAP"},
    {254, "Expanded Type", "EXP"},
    {255, "Experimental", "XP"},
};

constexpr Entry ts_type_table[] = {
    {7, "TS_IPV4_ADDR_RANGE", ""},
    {8, "TS_IPV6_ADDR_RANGE", ""},
    {9, "TS_FC_ADDR_RANGE", ""},
    {10, "TS_SECLABEL", ""},
};

constexpr Entry cfg_type_table[] = {
    {1, "CFG_REQUEST", "CPRQ"},
    {2, "CFG_REPLY", "CPRP"},
    {3, "CFG_SET", "CPS"},
    {4, "CFG_ACK", "CPA"},
};

constexpr Entry cfg_attribute_table[] = {
    {1, "INTERNAL_IP4_ADDRESS", "ADDR"},     {2, "INTERNAL_IP4_NETMASK", "MASK"},
    {3, "INTERNAL_IP4_DNS", "DNS"},          {4, "INTERNAL_IP4_NBNS", "NBNS"},
    {6, "INTERNAL_IP4_DHCP", "DHCP"},        {7, "APPLICATION_VERSION", "VER"},
    {8, "INTERNAL_IP6_ADDRESS", "ADDR6"},    {10, "INTERNAL_IP6_DNS", "DNS6"},
    {12, "INTERNAL_IP6_DHCP", "DHCP6"},      {13, "INTERNAL_IP4_SUBNET", "SUBNET"},
    {14, "SUPPORTED_ATTRIBUTES", "SUP"},     {15, "INTERNAL_IP6_SUBNET", "SUBNET6"},
    {16, "MIP6_HOME_PREFIX", "HOME_PREFIX"}, {17, "INTERNAL_IP6_LINK", "LINK6"},
    {18, "INTERNAL_IP6_PREFIX", "PREFIX6"},  {19, "HOME_AGENT_ADDRESS", "HA_ADDR"},
    {20, "P_CSCF_IP4_ADDRESS", "PCSCF"},     {21, "P_CSCF_IP6_ADDRESS", "PCSCF6"},
    {25, "INTERNAL_DNS_DOMAIN", "DOMAIN"},   {26, "INTERNAL_DNSSEC_TA", "DNSSEC_TA"},
};

// strongSwan proposal keywords. The first entry for a (type, id, key length) is the canonical one that
// algorithm_keyword prints; later ones are aliases accepted by find_algorithm_keyword.
constexpr AlgorithmKeyword keywords[] = {
    {"3des", TransformType::encr, encr_alg::triple_des, 0},
    {"des", TransformType::encr, encr_alg::des, 0},
    {"null", TransformType::encr, encr_alg::null, 0},
    {"aes128", TransformType::encr, encr_alg::aes_cbc, 128},
    {"aes192", TransformType::encr, encr_alg::aes_cbc, 192},
    {"aes256", TransformType::encr, encr_alg::aes_cbc, 256},
    {"aes", TransformType::encr, encr_alg::aes_cbc, 128},
    {"aes128ctr", TransformType::encr, encr_alg::aes_ctr, 128},
    {"aes192ctr", TransformType::encr, encr_alg::aes_ctr, 192},
    {"aes256ctr", TransformType::encr, encr_alg::aes_ctr, 256},
    {"aes128ccm8", TransformType::encr, encr_alg::aes_ccm_8, 128},
    {"aes192ccm8", TransformType::encr, encr_alg::aes_ccm_8, 192},
    {"aes256ccm8", TransformType::encr, encr_alg::aes_ccm_8, 256},
    {"aes128ccm12", TransformType::encr, encr_alg::aes_ccm_12, 128},
    {"aes192ccm12", TransformType::encr, encr_alg::aes_ccm_12, 192},
    {"aes256ccm12", TransformType::encr, encr_alg::aes_ccm_12, 256},
    {"aes128ccm16", TransformType::encr, encr_alg::aes_ccm_16, 128},
    {"aes192ccm16", TransformType::encr, encr_alg::aes_ccm_16, 192},
    {"aes256ccm16", TransformType::encr, encr_alg::aes_ccm_16, 256},
    {"aes128ccm64", TransformType::encr, encr_alg::aes_ccm_8, 128},
    {"aes192ccm64", TransformType::encr, encr_alg::aes_ccm_8, 192},
    {"aes256ccm64", TransformType::encr, encr_alg::aes_ccm_8, 256},
    {"aes128ccm96", TransformType::encr, encr_alg::aes_ccm_12, 128},
    {"aes192ccm96", TransformType::encr, encr_alg::aes_ccm_12, 192},
    {"aes256ccm96", TransformType::encr, encr_alg::aes_ccm_12, 256},
    {"aes128ccm128", TransformType::encr, encr_alg::aes_ccm_16, 128},
    {"aes192ccm128", TransformType::encr, encr_alg::aes_ccm_16, 192},
    {"aes256ccm128", TransformType::encr, encr_alg::aes_ccm_16, 256},
    {"aes128gcm8", TransformType::encr, encr_alg::aes_gcm_8, 128},
    {"aes192gcm8", TransformType::encr, encr_alg::aes_gcm_8, 192},
    {"aes256gcm8", TransformType::encr, encr_alg::aes_gcm_8, 256},
    {"aes128gcm12", TransformType::encr, encr_alg::aes_gcm_12, 128},
    {"aes192gcm12", TransformType::encr, encr_alg::aes_gcm_12, 192},
    {"aes256gcm12", TransformType::encr, encr_alg::aes_gcm_12, 256},
    {"aes128gcm16", TransformType::encr, encr_alg::aes_gcm_16, 128},
    {"aes192gcm16", TransformType::encr, encr_alg::aes_gcm_16, 192},
    {"aes256gcm16", TransformType::encr, encr_alg::aes_gcm_16, 256},
    {"aes128gcm64", TransformType::encr, encr_alg::aes_gcm_8, 128},
    {"aes192gcm64", TransformType::encr, encr_alg::aes_gcm_8, 192},
    {"aes256gcm64", TransformType::encr, encr_alg::aes_gcm_8, 256},
    {"aes128gcm96", TransformType::encr, encr_alg::aes_gcm_12, 128},
    {"aes192gcm96", TransformType::encr, encr_alg::aes_gcm_12, 192},
    {"aes256gcm96", TransformType::encr, encr_alg::aes_gcm_12, 256},
    {"aes128gcm128", TransformType::encr, encr_alg::aes_gcm_16, 128},
    {"aes192gcm128", TransformType::encr, encr_alg::aes_gcm_16, 192},
    {"aes256gcm128", TransformType::encr, encr_alg::aes_gcm_16, 256},
    {"aes128gmac", TransformType::encr, encr_alg::null_auth_aes_gmac, 128},
    {"aes192gmac", TransformType::encr, encr_alg::null_auth_aes_gmac, 192},
    {"aes256gmac", TransformType::encr, encr_alg::null_auth_aes_gmac, 256},
    {"camellia128", TransformType::encr, encr_alg::camellia_cbc, 128},
    {"camellia192", TransformType::encr, encr_alg::camellia_cbc, 192},
    {"camellia256", TransformType::encr, encr_alg::camellia_cbc, 256},
    {"camellia", TransformType::encr, encr_alg::camellia_cbc, 128},
    {"camellia128ctr", TransformType::encr, encr_alg::camellia_ctr, 128},
    {"camellia192ctr", TransformType::encr, encr_alg::camellia_ctr, 192},
    {"camellia256ctr", TransformType::encr, encr_alg::camellia_ctr, 256},
    {"blowfish128", TransformType::encr, encr_alg::blowfish, 128},
    {"blowfish192", TransformType::encr, encr_alg::blowfish, 192},
    {"blowfish256", TransformType::encr, encr_alg::blowfish, 256},
    {"blowfish", TransformType::encr, encr_alg::blowfish, 128},
    {"cast128", TransformType::encr, encr_alg::cast, 128},
    {"chacha20poly1305", TransformType::encr, encr_alg::chacha20_poly1305, 0},
    {"md5", TransformType::integ, integ_alg::hmac_md5_96, 0},
    {"md5_128", TransformType::integ, integ_alg::hmac_md5_128, 0},
    {"sha1", TransformType::integ, integ_alg::hmac_sha1_96, 0},
    {"sha", TransformType::integ, integ_alg::hmac_sha1_96, 0},
    {"sha1_160", TransformType::integ, integ_alg::hmac_sha1_160, 0},
    {"aesxcbc", TransformType::integ, integ_alg::aes_xcbc_96, 0},
    {"aescmac", TransformType::integ, integ_alg::aes_cmac_96, 0},
    {"sha256", TransformType::integ, integ_alg::hmac_sha2_256_128, 0},
    {"sha2_256", TransformType::integ, integ_alg::hmac_sha2_256_128, 0},
    {"sha384", TransformType::integ, integ_alg::hmac_sha2_384_192, 0},
    {"sha2_384", TransformType::integ, integ_alg::hmac_sha2_384_192, 0},
    {"sha512", TransformType::integ, integ_alg::hmac_sha2_512_256, 0},
    {"sha2_512", TransformType::integ, integ_alg::hmac_sha2_512_256, 0},
    {"prfmd5", TransformType::prf, prf_alg::hmac_md5, 0},
    {"prfsha1", TransformType::prf, prf_alg::hmac_sha1, 0},
    {"prfaesxcbc", TransformType::prf, prf_alg::aes128_xcbc, 0},
    {"prfaescmac", TransformType::prf, prf_alg::aes128_cmac, 0},
    {"prfsha256", TransformType::prf, prf_alg::hmac_sha2_256, 0},
    {"prfsha384", TransformType::prf, prf_alg::hmac_sha2_384, 0},
    {"prfsha512", TransformType::prf, prf_alg::hmac_sha2_512, 0},
    {"modp768", TransformType::ke, dh_group::modp768, 0},
    {"modp1024", TransformType::ke, dh_group::modp1024, 0},
    {"modp1536", TransformType::ke, dh_group::modp1536, 0},
    {"modp2048", TransformType::ke, dh_group::modp2048, 0},
    {"modp3072", TransformType::ke, dh_group::modp3072, 0},
    {"modp4096", TransformType::ke, dh_group::modp4096, 0},
    {"modp6144", TransformType::ke, dh_group::modp6144, 0},
    {"modp8192", TransformType::ke, dh_group::modp8192, 0},
    {"modp1024s160", TransformType::ke, dh_group::modp1024s160, 0},
    {"modp2048s224", TransformType::ke, dh_group::modp2048s224, 0},
    {"modp2048s256", TransformType::ke, dh_group::modp2048s256, 0},
    {"ecp192", TransformType::ke, dh_group::ecp192, 0},
    {"ecp224", TransformType::ke, dh_group::ecp224, 0},
    {"ecp256", TransformType::ke, dh_group::ecp256, 0},
    {"ecp384", TransformType::ke, dh_group::ecp384, 0},
    {"ecp521", TransformType::ke, dh_group::ecp521, 0},
    {"ecp224bp", TransformType::ke, dh_group::ecp224bp, 0},
    {"ecp256bp", TransformType::ke, dh_group::ecp256bp, 0},
    {"ecp384bp", TransformType::ke, dh_group::ecp384bp, 0},
    {"ecp512bp", TransformType::ke, dh_group::ecp512bp, 0},
    {"curve25519", TransformType::ke, dh_group::curve25519, 0},
    {"x25519", TransformType::ke, dh_group::curve25519, 0},
    {"curve448", TransformType::ke, dh_group::curve448, 0},
    {"x448", TransformType::ke, dh_group::curve448, 0},
    {"mlkem512", TransformType::ke, dh_group::mlkem512, 0},
    {"mlkem768", TransformType::ke, dh_group::mlkem768, 0},
    {"mlkem1024", TransformType::ke, dh_group::mlkem1024, 0},
    {"noesn", TransformType::esn, esn_mode::no_esn, 0},
    {"esn", TransformType::esn, esn_mode::esn, 0},
};

// ---- vendor IDs ----

struct KnownVendor {
    std::string_view name;
    std::string_view hex;
};

// Exact matches. The MD5 ones are MD5 of the quoted string; the hex is what goes on the wire.
constexpr KnownVendor exact_vendor_ids[] = {
    {"strongSwan", "882fe56d6fd20dbc2251613b2ebe5beb"},  // MD5("strongSwan")
    {"MS-Negotiation Discovery Capable", "fb1de3cdf341b7ea16b7e5be0855f120"},  // MD5 of the name
    {"Microsoft Vid-Initial-Contact", "26244d38eddb61b3172a36e3d0cfb819"},  // MD5("Vid-Initial-Contact")
    {"IKE CGA version 1", "e3a5966a76379fe707228231e5ce8652"},  // MD5 of the name
    {"MS-MamieExists (AuthIP supported)", "214ca4faffa7f32d6748e5303395ae83"},
    {"RFC 3947 NAT-T", "4a131c81070358455c5728f20e95452f"},  // MD5("RFC 3947")
    {"Cisco Delete Reason", "434953434f2d44454c4554452d524541534f4e"},  // "CISCO-DELETE-REASON"
    {"Cisco FlexVPN Supported", "464c455856504e2d535550504f52544544"},  // "FLEXVPN-SUPPORTED"
    {"Cisco Dynamic Route", "434953434f2d44594e414d49432d524f555445"},  // "CISCO-DYNAMIC-ROUTE"
};

constexpr std::string_view ms_nt5_prefix_hex = "1e2b516905991c7d7c96fcbfb587e461";  // MD5("MS NT5 ISAKMPOAKLEY")
// MD5("FRAGMENTATION"), IKEv1 fragmentation; Cisco and strongSwan append 4 bytes of flags.
constexpr std::string_view ikev1_fragmentation_hex = "4048b7d56ebce88525e7de7f00d6c2d3";

// Windows release per "MS NT5 ISAKMPOAKLEY" version, after libreswan's lib/libswan/vendorid.c.
std::string_view windows_release(std::uint32_t version) {
    switch (version) {
    case 2:
        return "Windows 2000";
    case 3:
        return "Windows XP";
    case 4:
        return "Windows Server 2003";
    case 5:
        return "Windows Vista";
    case 6:
        return "Windows Server 2008";
    case 7:
        return "Windows 7";
    case 8:
        return "Windows Server 2008 R2";
    case 9:
        return "Windows 8, 8.1, 10, Server 2012 R2, Server 2016 or later";
    default:
        return "";
    }
}

bool printable_ascii(ByteView v) {
    return std::all_of(v.begin(), v.end(), [](std::uint8_t c) { return c >= 0x20 && c < 0x7f; });
}

}  // namespace

std::string exchange_name(ExchangeType type) {
    return name_or(exchange_table, static_cast<std::uint8_t>(type), "EXCHANGE_");
}

std::string payload_name(PayloadType type) {
    return name_or(payload_table, static_cast<std::uint8_t>(type), "PAYLOAD_");
}

std::string payload_short_name(PayloadType type) {
    if (const Entry* e = find(payload_table, static_cast<std::uint8_t>(type)))
        return std::string(e->short_name.empty() ? e->name : e->short_name);
    return "PAYLOAD_" + std::to_string(static_cast<unsigned>(type));
}

bool is_supported_payload_type(std::uint8_t type) { return (type >= 33 && type <= 48) || type == 53; }

std::string protocol_name(std::uint8_t protocol) { return name_or(protocol_table, protocol, "PROTO_"); }

std::string transform_type_name(std::uint8_t type) { return name_or(transform_type_table, type, "TRANSFORM_TYPE_"); }

bool Algorithm::allows_key_bits(std::uint16_t key_bits) const {
    if (!key_length_attribute) return key_bits == 0 || (fixed_key_bits != 0 && key_bits == fixed_key_bits);
    if (key_bits == 0) return false;
    if (key_lengths == std::array<std::uint16_t, 3>{}) return true;
    return std::find(key_lengths.begin(), key_lengths.end(), key_bits) != key_lengths.end();
}

std::span<const Algorithm> algorithms() { return algorithm_table; }

const Algorithm* find_algorithm(TransformType type, std::uint16_t id) {
    if (is_ke_type(static_cast<std::uint8_t>(type))) type = TransformType::ke;
    const auto t = static_cast<std::size_t>(type);
    if (t == 0 || t >= algorithm_index.size() || id >= max_indexed_id) return nullptr;
    const std::uint8_t row = algorithm_index[t][id];
    return row == 0 ? nullptr : &algorithm_table[row - 1];
}

std::optional<std::string> wireshark_algorithm_name(TransformType type, std::uint16_t id, std::uint16_t key_bits) {
    const Algorithm* a = find_algorithm(type, id);
    if (!a || a->wireshark_name.empty()) return std::nullopt;
    std::string name(a->wireshark_name);
    if (auto at = name.find("{bits}"); at != std::string::npos) name.replace(at, 6, std::to_string(key_bits));
    return name;
}

std::string transform_id_name(std::uint8_t type, std::uint16_t id) {
    if (type == static_cast<std::uint8_t>(TransformType::esn)) {
        if (const Entry* e = find(esn_table, id)) return std::string(e->name);
    } else if (const Algorithm* a = find_algorithm(static_cast<TransformType>(type), id)) {
        return std::string(a->name);
    }
    return transform_type_name(type) + "_" + std::to_string(id);
}

std::string transform_display_name(std::uint8_t type, std::uint16_t id) {
    if (type == static_cast<std::uint8_t>(TransformType::esn)) {
        if (const Entry* e = find(esn_table, id)) return std::string(e->short_name);
    } else if (const Algorithm* a = find_algorithm(static_cast<TransformType>(type), id)) {
        return std::string(a->display_name);
    }
    return transform_type_name(type) + "_" + std::to_string(id);
}

std::string dh_group_description(std::uint16_t group) {
    if (const Algorithm* a = find_algorithm(TransformType::ke, group)) return std::string(a->description);
    return "key exchange method " + std::to_string(group);
}

std::optional<std::size_t> ke_data_size(std::uint16_t group) {
    const Algorithm* a = find_algorithm(TransformType::ke, group);
    if (!a || a->ke_size == 0) return std::nullopt;
    return a->ke_size;
}

bool is_aead(std::uint16_t id) {
    const Algorithm* a = find_algorithm(TransformType::encr, id);
    return a && a->aead;
}

bool needs_key_length(std::uint16_t id) {
    const Algorithm* a = find_algorithm(TransformType::encr, id);
    return a && a->key_length_attribute;
}

std::optional<AlgorithmKeyword> find_algorithm_keyword(std::string_view keyword) {
    for (const auto& k : keywords)
        if (k.keyword == keyword) return k;
    return std::nullopt;
}

std::optional<std::string_view> algorithm_keyword(TransformType type, std::uint16_t id, std::uint16_t key_length) {
    for (const auto& k : keywords)
        if (k.type == type && k.id == id && k.key_length == key_length) return k.keyword;
    return std::nullopt;
}

std::string notify_name(std::uint16_t type) {
    if (const Entry* e = find(notify_table, type)) return std::string(e->name);
    return (is_error_notify(type) ? "ERROR_" : "STATUS_") + std::to_string(type);
}

std::string notify_short_name(std::uint16_t type) { return short_or_number(notify_table, type); }

std::string id_type_name(std::uint8_t type) { return name_or(id_type_table, type, "ID_TYPE_"); }
std::string auth_method_name(std::uint8_t method) { return name_or(auth_method_table, method, "auth method "); }
std::string cert_encoding_name(std::uint8_t encoding) {
    return name_or(cert_encoding_table, encoding, "cert encoding ");
}
std::string hash_algorithm_name(std::uint16_t algorithm) { return name_or(hash_table, algorithm, "HASH_"); }
std::string hash_algorithm_short_name(std::uint16_t algorithm) {
    if (const Entry* e = find(hash_table, algorithm)) return std::string(e->short_name);
    return "hash" + std::to_string(algorithm);
}
std::string eap_code_name(std::uint8_t code) { return name_or(eap_code_table, code, "EAP code "); }
std::string eap_code_short_name(std::uint8_t code) { return short_or_number(eap_code_table, code); }
std::string eap_type_name(std::uint8_t type) { return name_or(eap_type_table, type, "EAP type "); }
std::string eap_type_short_name(std::uint8_t type) { return short_or_number(eap_type_table, type); }
std::string ts_type_name(std::uint8_t type) { return name_or(ts_type_table, type, "TS_TYPE_"); }
std::string cfg_type_name(std::uint8_t type) { return name_or(cfg_type_table, type, "CFG_TYPE_"); }
std::string cfg_attribute_name(std::uint16_t type) { return name_or(cfg_attribute_table, type, "CFG_ATTRIBUTE_"); }
std::string cfg_attribute_short_name(std::uint16_t type) { return short_or_number(cfg_attribute_table, type); }

std::optional<std::string> known_vendor_id(ByteView vid) {
    const std::string hex = to_hex(vid);
    for (const auto& v : exact_vendor_ids)
        if (hex == v.hex) return std::string(v.name);

    if (vid.size() == 20 && hex.starts_with(ms_nt5_prefix_hex)) {
        std::uint32_t version = 0;
        for (std::size_t i = 16; i < 20; ++i) version = version << 8 | vid[i];
        std::string s = "Microsoft Windows (MS NT5 ISAKMPOAKLEY v" + std::to_string(version);
        std::string_view release = windows_release(version);
        if (!release.empty()) s += std::string(": ") + std::string(release);
        return s + ")";
    }

    if (hex.starts_with(ikev1_fragmentation_hex)) return "IKEv1 FRAGMENTATION";

    const std::string_view text(reinterpret_cast<const char*>(vid.data()), vid.size());
    constexpr std::string_view libreswan_prefix = "OE-Libreswan-";
    if (printable_ascii(vid) && text.starts_with(libreswan_prefix) && text.size() > libreswan_prefix.size())
        return "Libreswan " + std::string(text.substr(libreswan_prefix.size()));
    // FreeS/WAN-family pluto: "OE"/"OSW" + MD5(version string + options), forced into 0x40..0x7f, 12 bytes.
    if (vid.size() == 12 && (text.starts_with("OE") || text.starts_with("OSW")) &&
        std::all_of(vid.begin() + 2, vid.end(), [](std::uint8_t c) { return c >= 0x40 && c < 0x80; }))
        return std::string("FreeS/WAN-family pluto (\"") + std::string(text) +
               "\": version hash, the version itself cannot be recovered)";
    return std::nullopt;
}

std::string vendor_id_name(ByteView vid) {
    if (auto known = known_vendor_id(vid)) return *known;
    return "unknown vendor id " + to_hex(vid);
}

}  // namespace vpnprobe::protocol::ikev2
