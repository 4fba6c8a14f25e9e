// Human-readable IKEv2: the one-line summaries strongSwan logs and the per-payload detail for verbose output.
// OpenSSL is used here only to print DER (distinguished names, certificate subjects, RFC 7427 algorithm
// identifiers); nothing is verified.
#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>

#include "protocol/ikev2/ikev2_message.hpp"

namespace vpnprobe::protocol::ikev2 {

namespace {

std::string n(std::size_t v) { return std::to_string(v); }

std::string hex_or_empty(ByteView v) { return v.empty() ? "(empty)" : to_hex(v); }

// Long data is cut after 32 bytes so that one payload stays one readable line.
std::string abbreviated_hex(ByteView v) {
    constexpr std::size_t limit = 32;
    if (v.size() <= limit) return hex_or_empty(v);
    return to_hex(v.first(limit)) + ".. (" + n(v.size()) + " bytes)";
}

std::string printable(ByteView v) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (std::uint8_t c : v) {
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            s += static_cast<char>(c);
        } else {
            s += "\\x";
            s += digits[c >> 4];
            s += digits[c & 0xf];
        }
    }
    return s;
}

std::string ip_text(ByteView address) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (address.size() == 4 && inet_ntop(AF_INET, address.data(), buf, sizeof buf)) return buf;
    if (address.size() == 16 && inet_ntop(AF_INET6, address.data(), buf, sizeof buf)) return buf;
    return to_hex(address);
}

std::uint32_t be32(ByteView v) {
    std::uint32_t x = 0;
    for (std::uint8_t b : v.first(std::min<std::size_t>(4, v.size()))) x = x << 8 | b;
    return x;
}

struct BioDeleter {
    void operator()(BIO* b) const { BIO_free(b); }
};

std::string print_name(const X509_NAME* name) {
    std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
    if (!bio) return "";
    // Forward order ("C=.., O=.., CN=..") as strongSwan and libreswan print IDs; UTF-8 left unescaped.
    const unsigned long flags = XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN | XN_FLAG_DUMP_UNKNOWN_FIELDS |
                                (ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    if (X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) return "";
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : "";
}

std::optional<std::string> dn_text(ByteView der) {
    const unsigned char* p = der.data();
    X509_NAME* name = d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size()));
    if (!name) return std::nullopt;
    const bool whole = p == der.data() + der.size();
    std::string text = print_name(name);
    X509_NAME_free(name);
    if (!whole || text.empty()) return std::nullopt;
    return text;
}

std::optional<std::string> certificate_subject(ByteView der) {
    const unsigned char* p = der.data();
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (!cert) return std::nullopt;
    std::string text = "subject \"" + print_name(X509_get_subject_name(cert)) + "\" issuer \"" +
                       print_name(X509_get_issuer_name(cert)) + "\"";
    X509_free(cert);
    return text;
}

// RFC 7427 section 3: AUTH data = 1-byte length of the AlgorithmIdentifier, its DER, then the signature.
std::optional<std::string> signature_algorithm(ByteView auth_data) {
    if (auth_data.empty() || auth_data[0] == 0 || auth_data[0] >= auth_data.size()) return std::nullopt;
    const ByteView der = auth_data.subspan(1, auth_data[0]);
    const unsigned char* p = der.data();
    X509_ALGOR* alg = d2i_X509_ALGOR(nullptr, &p, static_cast<long>(der.size()));
    if (!alg) return std::nullopt;
    const ASN1_OBJECT* oid = nullptr;
    X509_ALGOR_get0(&oid, nullptr, nullptr, alg);
    char buf[128] = {};
    const int len = oid ? OBJ_obj2txt(buf, sizeof buf, oid, 0) : -1;
    X509_ALGOR_free(alg);
    if (len <= 0) return std::nullopt;
    return std::string(buf, std::min<std::size_t>(static_cast<std::size_t>(len), sizeof buf - 1));
}

std::string id_text(const IdPayload& id) {
    switch (id.type) {
    case id_type::ipv4_addr:
    case id_type::ipv6_addr:
        return ip_text(id.data);
    case id_type::fqdn:
    case id_type::rfc822_addr:
        return printable(id.data);
    case id_type::der_asn1_dn:
        if (auto dn = dn_text(id.data)) return *dn;
        return "unparsable DN " + abbreviated_hex(id.data);
    case id_type::null_id:
        return "(null)";
    default:
        return abbreviated_hex(id.data);
    }
}

// "10.97.0.1/32" when the range is a prefix, "10.0.0.1-10.0.0.9" otherwise.
std::string range_text(ByteView start, ByteView end) {
    if (start.size() != end.size() || start.empty()) return to_hex(start) + "-" + to_hex(end);
    const std::size_t bits = start.size() * 8;
    for (std::size_t prefix = 0; prefix <= bits; ++prefix) {
        bool match = true;
        for (std::size_t bit = 0; bit < bits && match; ++bit) {
            const bool s = start[bit / 8] >> (7 - bit % 8) & 1;
            const bool e = end[bit / 8] >> (7 - bit % 8) & 1;
            match = bit < prefix ? s == e : (!s && e);
        }
        if (match) return ip_text(start) + "/" + n(prefix);
    }
    return ip_text(start) + "-" + ip_text(end);
}

std::string selector_text(const TrafficSelector& ts) {
    if (ts.type != ts_type::ipv4_addr_range && ts.type != ts_type::ipv6_addr_range)
        return ts_type_name(ts.type) + " " + abbreviated_hex(ts.other);
    std::string s = range_text(ts.start_address, ts.end_address);
    if (ts.ip_protocol != 0 || ts.start_port != 0 || ts.end_port != 65535) {
        s += "[" + (ts.ip_protocol ? n(ts.ip_protocol) : std::string("any"));
        if (ts.start_port == ts.end_port) s += "/" + n(ts.start_port);
        else if (ts.start_port != 0 || ts.end_port != 65535) s += "/" + n(ts.start_port) + "-" + n(ts.end_port);
        s += "]";
    }
    return s;
}

std::string cp_attribute_text(const CpAttribute& a) {
    std::string s = cfg_attribute_name(a.type);
    if (a.value.empty()) return s;
    switch (a.type) {
    case cfg_attribute::internal_ip4_address:
    case cfg_attribute::internal_ip4_netmask:
    case cfg_attribute::internal_ip4_dns:
    case cfg_attribute::internal_ip4_nbns:
    case cfg_attribute::internal_ip4_dhcp:
    case cfg_attribute::internal_ip6_dns:
    case cfg_attribute::internal_ip6_dhcp:
        return s + "=" + ip_text(a.value);
    case cfg_attribute::internal_ip6_address:
    case cfg_attribute::internal_ip6_subnet:
        if (a.value.size() == 17) return s + "=" + ip_text(ByteView(a.value).first(16)) + "/" + n(a.value[16]);
        break;
    case cfg_attribute::internal_ip4_subnet:
        if (a.value.size() == 8)
            return s + "=" + ip_text(ByteView(a.value).first(4)) + "/" + ip_text(ByteView(a.value).subspan(4));
        break;
    case cfg_attribute::application_version:
    case cfg_attribute::internal_dns_domain:
        return s + "=\"" + printable(a.value) + "\"";
    default:
        break;
    }
    return s + "=" + abbreviated_hex(a.value);
}

std::string notify_data_text(const NotifyPayload& notify) {
    switch (notify.type) {
    case notify::signature_hash_algorithms: {
        auto list = signature_hash_algorithms(notify);
        if (!list) return "malformed: " + list.error().message;
        std::string s;
        for (std::uint16_t a : *list) s += (s.empty() ? "" : ",") + hash_algorithm_short_name(a);
        return s.empty() ? "(none)" : s;
    }
    case notify::nat_detection_source_ip:
    case notify::nat_detection_destination_ip: {
        auto hash = nat_detection_hash(notify);
        if (!hash) return "malformed: " + hash.error().message;
        return to_hex(*hash);
    }
    case notify::cookie: {
        auto cookie = cookie_data(notify);
        if (!cookie) return "malformed: " + cookie.error().message;
        return n(cookie->size()) + " bytes " + abbreviated_hex(*cookie);
    }
    case notify::invalid_ke_payload: {
        auto group = invalid_ke_group(notify);
        if (!group) return "malformed: " + group.error().message;
        return "wants " + transform_id_name(static_cast<std::uint8_t>(TransformType::ke), *group);
    }
    case notify::set_window_size:
    case notify::auth_lifetime:
        if (notify.data.size() == 4) return n(be32(notify.data)) + (notify.type == notify::auth_lifetime ? " s" : "");
        break;
    case notify::ms_notify_status:
        if (notify.data.size() == 4) {
            static const char* digits = "0123456789abcdef";
            std::string s = "status 0x";
            for (int shift = 28; shift >= 0; shift -= 4) s += digits[be32(notify.data) >> shift & 0xf];
            return s;
        }
        break;
    case notify::additional_ip4_address:
    case notify::additional_ip6_address:
        return ip_text(notify.data);
    default:
        break;
    }
    return notify.data.empty() ? "" : "data " + abbreviated_hex(notify.data);
}

int transform_order(std::uint8_t type) {
    switch (type) {
    case 1:
        return 0;  // ENCR
    case 3:
        return 1;  // INTEG
    case 2:
        return 2;  // PRF
    case 4:
        return 3;  // KE
    case 5:
        return 5;  // ESN
    default:
        return 4;  // ADDKEn after KE, unknown types before ESN
    }
}

}  // namespace

std::string describe(const Transform& t) {
    std::string s = transform_display_name(t.type, t.id);
    if (t.type >= 6 && t.type <= 12) s = "KE" + n(t.type - 5u) + "_" + s;  // strongSwan's ADDKE notation
    if (t.key_length) s += "_" + n(*t.key_length);
    for (const auto& a : t.other_attributes)
        s += "(attr" + n(a.type) + "=" + (a.tv ? n(a.value) : to_hex(a.data)) + ")";
    return s;
}

std::string describe(const Proposal& p) {
    std::vector<const Transform*> sorted;
    for (const auto& t : p.transforms) sorted.push_back(&t);
    std::stable_sort(sorted.begin(), sorted.end(), [](const Transform* a, const Transform* b) {
        return transform_order(a->type) < transform_order(b->type);
    });
    std::string s = protocol_name(p.protocol) + ":";
    for (std::size_t i = 0; i < sorted.size(); ++i) s += (i ? "/" : "") + describe(*sorted[i]);
    return s;
}

std::string summarize(const Payload& payload) {
    if (const auto* notify = payload.get<NotifyPayload>()) return "N(" + notify_short_name(notify->type) + ")";
    if (const auto* eap = payload.get<EapPayload>()) {
        std::string s = "EAP/" + eap_code_short_name(eap->code);
        if (eap->type) s += "/" + eap_type_short_name(*eap->type);
        return s;
    }
    if (const auto* cp = payload.get<CpPayload>()) {
        std::string s = cp->cfg_type >= cfg_type::request && cp->cfg_type <= cfg_type::ack
                            ? std::string(cp->cfg_type == cfg_type::request ? "CPRQ"
                                          : cp->cfg_type == cfg_type::reply ? "CPRP"
                                          : cp->cfg_type == cfg_type::set   ? "CPS"
                                                                            : "CPA")
                            : "CP(" + n(cp->cfg_type) + ")";
        if (cp->attributes.empty()) return s;
        s += "(";
        for (std::size_t i = 0; i < cp->attributes.size(); ++i)
            s += (i ? " " : "") + cfg_attribute_short_name(cp->attributes[i].type);
        return s + ")";
    }
    if (const auto* skf = payload.get<SkfPayload>())
        return "EF(" + n(skf->fragment_number) + "/" + n(skf->total_fragments) + ")";
    return payload_short_name(payload.type);
}

std::string describe(const Payload& payload) {
    std::string s = std::visit(
        [&](const auto& b) -> std::string {
            using T = std::decay_t<decltype(b)>;
            const std::string name = payload_short_name(payload.type);
            if constexpr (std::is_same_v<T, SaPayload>) {
                std::string t = name + ":";
                if (b.proposals.empty()) return t + " no proposal";
                for (std::size_t i = 0; i < b.proposals.size(); ++i) {
                    const Proposal& p = b.proposals[i];
                    t += (i ? ", #" : " #") + n(p.number) + " " + describe(p);
                    if (!p.spi.empty()) t += " spi " + to_hex(p.spi);
                }
                return t;
            } else if constexpr (std::is_same_v<T, KePayload>) {
                std::string t = name + ": " + transform_id_name(static_cast<std::uint8_t>(TransformType::ke), b.group) +
                                " (" + dh_group_description(b.group) + "), " + n(b.data.size()) + " bytes";
                if (auto expected = ke_data_size(b.group); expected && *expected != b.data.size())
                    t += " (the group's key exchange data is " + n(*expected) + ")";
                return t;
            } else if constexpr (std::is_same_v<T, IdPayload>) {
                return name + ": " + id_type_name(b.type) + " " + id_text(b);
            } else if constexpr (std::is_same_v<T, CertPayload>) {
                std::string t = name + ": " + cert_encoding_name(b.encoding) + ", " + n(b.data.size()) + " bytes";
                if (b.encoding == cert_encoding::x509_signature)
                    if (auto subject = certificate_subject(b.data)) t += ", " + *subject;
                return t;
            } else if constexpr (std::is_same_v<T, CertReqPayload>) {
                std::string t = name + ": " + cert_encoding_name(b.encoding);
                auto hashes = ca_key_hashes(b);
                if (!hashes) return t + ", " + n(b.authority.size()) + " bytes, not a SHA-1 hash list";
                t += ", " + n(hashes->size()) + " CA key hash" + (hashes->size() == 1 ? "" : "es");
                for (std::size_t i = 0; i < hashes->size(); ++i) t += (i ? ", " : ": ") + to_hex((*hashes)[i]);
                return t;
            } else if constexpr (std::is_same_v<T, AuthPayload>) {
                std::string t = name + ": " + auth_method_name(b.method);
                if (b.method == auth_method::digital_signature) {
                    auto alg = signature_algorithm(b.data);
                    t += alg ? " (" + *alg + ")" : std::string(" (unparsable AlgorithmIdentifier)");
                }
                return t + ", " + n(b.data.size()) + " bytes";
            } else if constexpr (std::is_same_v<T, NoncePayload>) {
                return name + ": " + n(b.nonce.size()) + " bytes";
            } else if constexpr (std::is_same_v<T, NotifyPayload>) {
                std::string t = name + ": " + notify_name(b.type);
                if (b.protocol != 0 || !b.spi.empty()) t += " (" + protocol_name(b.protocol);
                if (!b.spi.empty()) t += " spi " + to_hex(b.spi);
                if (b.protocol != 0 || !b.spi.empty()) t += ")";
                const std::string data = notify_data_text(b);
                return data.empty() ? t : t + " " + data;
            } else if constexpr (std::is_same_v<T, DeletePayload>) {
                if (b.spis.empty()) return name + ": " + protocol_name(b.protocol) + " SA";
                std::string t = name + ": " + protocol_name(b.protocol) + " " + n(b.spis.size()) + " SPI(s)";
                for (std::size_t i = 0; i < b.spis.size(); ++i) t += (i ? ", " : ": ") + to_hex(b.spis[i]);
                return t;
            } else if constexpr (std::is_same_v<T, VendorIdPayload>) {
                return name + ": " + vendor_id_name(b.data);
            } else if constexpr (std::is_same_v<T, TsPayload>) {
                std::string t = name + ":";
                if (b.selectors.empty()) return t + " none";
                for (std::size_t i = 0; i < b.selectors.size(); ++i)
                    t += (i ? ", " : " ") + selector_text(b.selectors[i]);
                return t;
            } else if constexpr (std::is_same_v<T, SkPayload>) {
                return name + ": first inner " + payload_name(b.first_inner) + ", " + n(b.encrypted.size()) +
                       " bytes encrypted";
            } else if constexpr (std::is_same_v<T, CpPayload>) {
                std::string t = name + ": " + cfg_type_name(b.cfg_type);
                for (const auto& a : b.attributes) t += " " + cp_attribute_text(a);
                return t;
            } else if constexpr (std::is_same_v<T, EapPayload>) {
                std::string t = name + ": " + eap_code_name(b.code) + " id " + n(b.identifier);
                if (b.type) t += " " + eap_type_name(*b.type);
                if (b.type == eap_type::identity && !b.data.empty()) return t + " \"" + printable(b.data) + "\"";
                return b.data.empty() ? t : t + ", " + n(b.data.size()) + " bytes";
            } else if constexpr (std::is_same_v<T, SkfPayload>) {
                // "EF" is strongSwan's short name; the long form says what it is (RFC 7383 SKF, type 53).
                std::string t = "SKF fragment " + n(b.fragment_number) + "/" + n(b.total_fragments) + ":";
                if (b.first_inner != PayloadType::none) t += " first inner " + payload_name(b.first_inner) + ",";
                return t + " " + n(b.encrypted.size()) + " bytes encrypted";
            } else {
                return name + ": " + n(b.data.size()) + " bytes, not decoded";
            }
        },
        payload.body);
    return payload.critical ? s + " [critical]" : s;
}

std::string describe(const Message& message) {
    const Header& h = message.header;
    std::string s = exchange_name(h.exchange) + (h.response() ? " response " : " request ") + n(h.message_id) + " [";
    for (const auto& p : message.payloads) s += " " + summarize(p);
    return s + " ]";
}

std::string describe_detailed(const Message& message) {
    const Header& h = message.header;
    std::string flags;
    if (h.flags & flag_initiator) flags += "I";
    if (h.flags & flag_version) flags += "V";
    if (h.flags & flag_response) flags += "R";
    if (flags.empty()) flags = "none";
    Bytes spi_i, spi_r;
    put_u64(spi_i, h.spi_i);
    put_u64(spi_r, h.spi_r);
    std::string s = exchange_name(h.exchange) + (h.response() ? " response " : " request ") + n(h.message_id) +
                    ": SPIi " + to_hex(spi_i) + " SPIr " + to_hex(spi_r) + " flags " + flags + " version " +
                    n(h.version >> 4u) + "." + n(h.version & 0xfu) + ", " + n(h.length) + " bytes";
    for (const auto& p : message.payloads) s += "\n  " + describe(p);
    return s;
}

}  // namespace vpnprobe::protocol::ikev2
