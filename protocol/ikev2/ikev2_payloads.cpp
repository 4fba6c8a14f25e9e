#include "protocol/ikev2/ikev2_payloads.hpp"
#include "protocol/ikev2/ikev2_payload_append.hpp"

#include <algorithm>
#include <stdexcept>
#include <type_traits>

namespace vpnprobe::protocol::ikev2 {

namespace {

constexpr std::uint8_t proposal_more = 2;  // Last Substruc of a proposal that is followed by another
constexpr std::uint8_t transform_more = 3;  // ... of a transform
constexpr std::uint16_t attribute_tv_bit = 0x8000;
constexpr std::size_t proposal_header_size = 8;
constexpr std::size_t transform_header_size = 8;
constexpr std::size_t ipv4_selector_size = 16;
constexpr std::size_t ipv6_selector_size = 40;

std::string n(std::size_t v) { return std::to_string(v); }

DecodeError error(std::string code, std::string message, std::size_t offset) {
    return DecodeError{std::move(code), std::move(message), offset};
}

// A body shorter than the fixed fields of its payload type.
std::optional<DecodeError> need_fixed(const ByteReader& r, std::size_t size, const char* what) {
    if (r.remaining() >= size) return std::nullopt;
    return error("truncated",
                 std::string(what) + " payload body needs at least " + n(size) + " bytes, has " + n(r.remaining()),
                 r.offset());
}

Bytes to_bytes(ByteView v) { return Bytes(v.begin(), v.end()); }

// RFC 7296 section 3.3: Last Substruc is 0 on the last proposal/transform and 2/3 on the others.
std::optional<DecodeError> check_last_substruc(std::uint8_t value, std::uint8_t more_value, bool more_follow,
                                               std::size_t offset, const char* what) {
    if (value != 0 && value != more_value)
        return error("bad_last_substructure",
                     std::string(what) + " Last Substruc is " + n(value) + "; must be 0 (last) or " + n(more_value) +
                         " (more follow)",
                     offset);
    if (value == 0 && more_follow)
        return error("bad_last_substructure",
                     std::string(what) + " Last Substruc says it is the last, but more follow in the payload", offset);
    if (value == more_value && !more_follow)
        return error("bad_last_substructure",
                     std::string(what) + " Last Substruc says more follow, but it ends the payload", offset);
    return std::nullopt;
}

// ---- decoders: each reads the whole of `r`, a reader bounded to the payload body ----

Decoded<Transform> decode_transform(ByteReader& t) {
    Transform tr;
    tr.type = t.u8();
    t.u8();  // reserved
    tr.id = t.u16();
    while (!t.at_end()) {
        const std::size_t start = t.offset();
        if (t.remaining() < 4)
            return error("attribute_overrun",
                         "transform attribute header needs 4 bytes, " + n(t.remaining()) + " left in the transform",
                         start);
        const std::uint16_t raw_type = t.u16();
        const std::uint16_t type = raw_type & ~attribute_tv_bit;
        if (raw_type & attribute_tv_bit) {
            const std::uint16_t value = t.u16();
            if (type == attribute_key_length) {
                if (tr.key_length)
                    return error("duplicate_attribute", "second Key Length attribute in one transform", start);
                tr.key_length = value;
            } else {
                tr.other_attributes.push_back(TransformAttribute{type, true, value, {}});
            }
        } else {
            const std::uint16_t length = t.u16();
            if (type == attribute_key_length)
                return error("bad_attribute_format", "Key Length attribute in TLV form; RFC 7296 fixes it as TV",
                             start);
            if (length > t.remaining())
                return error("attribute_overrun",
                             "attribute length " + n(length) + " exceeds the " + n(t.remaining()) +
                                 " bytes left in the transform",
                             start + 2);
            tr.other_attributes.push_back(TransformAttribute{type, false, 0, to_bytes(t.bytes(length))});
        }
    }
    if (t.failed()) return t.error();
    return tr;
}

Decoded<Proposal> decode_proposal(ByteReader& p, std::size_t start) {
    Proposal prop;
    prop.number = p.u8();
    prop.protocol = p.u8();
    const std::uint8_t spi_size = p.u8();
    const std::uint8_t transform_count = p.u8();
    if (spi_size > p.remaining())
        return error("bad_spi_size",
                     "SPI size " + n(spi_size) + " exceeds the " + n(p.remaining()) + " bytes left in the proposal",
                     start + 6);
    prop.spi = to_bytes(p.bytes(spi_size));
    while (!p.at_end()) {
        const std::size_t tstart = p.offset();
        if (p.remaining() < transform_header_size)
            return error("transform_overrun",
                         "transform header needs 8 bytes, " + n(p.remaining()) + " left in the proposal", tstart);
        const std::uint8_t last = p.u8();
        p.u8();  // reserved
        const std::uint16_t length = p.u16();
        if (length < transform_header_size)
            return error("bad_transform_length", "transform length " + n(length) + " is below the 8-byte minimum",
                         tstart + 2);
        if (length - 4u > p.remaining())
            return error("transform_overrun",
                         "transform length " + n(length) + " exceeds the " + n(p.remaining() + 4) +
                             " bytes left in the proposal",
                         tstart + 2);
        if (auto e = check_last_substruc(last, transform_more, p.remaining() > length - 4u, tstart, "transform"))
            return *e;
        ByteReader t = p.sub(length - 4u);
        auto tr = decode_transform(t);
        if (!tr) return tr.error();
        prop.transforms.push_back(std::move(tr).value());
    }
    if (p.failed()) return p.error();
    if (prop.transforms.size() != transform_count)
        return error("transform_count_mismatch",
                     "proposal says " + n(transform_count) + " transforms, holds " + n(prop.transforms.size()),
                     start + 7);
    return prop;
}

Decoded<PayloadBody> decode_sa(ByteReader& r) {
    SaPayload sa;
    while (!r.at_end()) {
        const std::size_t start = r.offset();
        if (r.remaining() < proposal_header_size)
            return error("proposal_overrun",
                         "proposal header needs 8 bytes, " + n(r.remaining()) + " left in the SA payload", start);
        const std::uint8_t last = r.u8();
        r.u8();  // reserved
        const std::uint16_t length = r.u16();
        if (length < proposal_header_size)
            return error("bad_proposal_length", "proposal length " + n(length) + " is below the 8-byte minimum",
                         start + 2);
        if (length - 4u > r.remaining())
            return error("proposal_overrun",
                         "proposal length " + n(length) + " exceeds the " + n(r.remaining() + 4) +
                             " bytes left in the SA payload",
                         start + 2);
        if (auto e = check_last_substruc(last, proposal_more, r.remaining() > length - 4u, start, "proposal"))
            return *e;
        ByteReader p = r.sub(length - 4u);
        auto prop = decode_proposal(p, start);
        if (!prop) return prop.error();
        sa.proposals.push_back(std::move(prop).value());
    }
    return PayloadBody{std::move(sa)};
}

Decoded<PayloadBody> decode_ke(ByteReader& r) {
    if (auto e = need_fixed(r, 4, "KE")) return *e;
    KePayload ke;
    ke.group = r.u16();
    r.u16();  // reserved
    ke.data = to_bytes(r.bytes(r.remaining()));
    return PayloadBody{std::move(ke)};
}

// ID, AUTH: a one-byte type, three reserved bytes, data.
template <typename T>
Decoded<PayloadBody> decode_typed_data(ByteReader& r, std::uint8_t T::*field, const char* what) {
    if (auto e = need_fixed(r, 4, what)) return *e;
    T body;
    body.*field = r.u8();
    r.skip(3);
    body.data = to_bytes(r.bytes(r.remaining()));
    return PayloadBody{std::move(body)};
}

Decoded<PayloadBody> decode_notify(ByteReader& r) {
    if (auto e = need_fixed(r, 4, "Notify")) return *e;
    const std::size_t start = r.offset();
    NotifyPayload notify;
    notify.protocol = r.u8();
    const std::uint8_t spi_size = r.u8();
    notify.type = r.u16();
    if (spi_size > r.remaining())
        return error(
            "bad_spi_size",
            "SPI size " + n(spi_size) + " exceeds the " + n(r.remaining()) + " bytes left in the Notify payload",
            start + 1);
    notify.spi = to_bytes(r.bytes(spi_size));
    notify.data = to_bytes(r.bytes(r.remaining()));
    return PayloadBody{std::move(notify)};
}

Decoded<PayloadBody> decode_delete(ByteReader& r) {
    if (auto e = need_fixed(r, 4, "Delete")) return *e;
    const std::size_t start = r.offset();
    DeletePayload del;
    del.protocol = r.u8();
    del.spi_size = r.u8();
    const std::uint16_t count = r.u16();
    if (std::size_t{count} * del.spi_size != r.remaining() || (del.spi_size == 0 && count != 0))
        return error("delete_count_mismatch",
                     n(count) + " SPI(s) of " + n(del.spi_size) + " bytes do not fill the " + n(r.remaining()) +
                         " bytes left in the Delete payload",
                     start + 2);
    for (std::uint16_t i = 0; i < count; ++i) del.spis.push_back(to_bytes(r.bytes(del.spi_size)));
    return PayloadBody{std::move(del)};
}

Decoded<PayloadBody> decode_ts(ByteReader& r) {
    if (auto e = need_fixed(r, 4, "Traffic Selector")) return *e;
    const std::size_t start = r.offset();
    const std::uint8_t count = r.u8();
    r.skip(3);
    TsPayload ts;
    while (!r.at_end()) {
        const std::size_t sstart = r.offset();
        if (r.remaining() < 4)
            return error("selector_overrun",
                         "traffic selector header needs 4 bytes, " + n(r.remaining()) + " left in the payload", sstart);
        TrafficSelector sel;
        sel.type = r.u8();
        sel.ip_protocol = r.u8();
        const std::uint16_t length = r.u16();
        if (length < 4)
            return error("bad_selector_length", "selector length " + n(length) + " is below the 4-byte minimum",
                         sstart + 2);
        if (length - 4u > r.remaining())
            return error(
                "selector_overrun",
                "selector length " + n(length) + " exceeds the " + n(r.remaining() + 4) + " bytes left in the payload",
                sstart + 2);
        const bool v4 = sel.type == ts_type::ipv4_addr_range;
        const bool v6 = sel.type == ts_type::ipv6_addr_range;
        if ((v4 && length != ipv4_selector_size) || (v6 && length != ipv6_selector_size))
            return error("bad_selector_length",
                         ts_type_name(sel.type) + " selector length is " + n(length) + ", must be " +
                             n(v4 ? ipv4_selector_size : ipv6_selector_size),
                         sstart + 2);
        ByteReader s = r.sub(length - 4u);
        if (v4 || v6) {
            const std::size_t address_size = v4 ? 4 : 16;
            sel.start_port = s.u16();
            sel.end_port = s.u16();
            sel.start_address = to_bytes(s.bytes(address_size));
            sel.end_address = to_bytes(s.bytes(address_size));
        } else {
            sel.other = to_bytes(s.bytes(s.remaining()));
        }
        if (s.failed()) return s.error();
        ts.selectors.push_back(std::move(sel));
    }
    if (ts.selectors.size() != count)
        return error("selector_count_mismatch",
                     "payload says " + n(count) + " traffic selectors, holds " + n(ts.selectors.size()), start);
    return PayloadBody{std::move(ts)};
}

Decoded<PayloadBody> decode_cp(ByteReader& r) {
    if (auto e = need_fixed(r, 4, "Configuration")) return *e;
    CpPayload cp;
    cp.cfg_type = r.u8();
    r.skip(3);
    while (!r.at_end()) {
        const std::size_t start = r.offset();
        if (r.remaining() < 4)
            return error("attribute_overrun",
                         "configuration attribute header needs 4 bytes, " + n(r.remaining()) + " left", start);
        CpAttribute attribute;
        attribute.type = r.u16() & 0x7fff;  // the top bit is reserved
        const std::uint16_t length = r.u16();
        if (length > r.remaining())
            return error(
                "attribute_overrun",
                "attribute length " + n(length) + " exceeds the " + n(r.remaining()) + " bytes left in the payload",
                start + 2);
        attribute.value = to_bytes(r.bytes(length));
        cp.attributes.push_back(std::move(attribute));
    }
    return PayloadBody{std::move(cp)};
}

bool eap_code_has_type(std::uint8_t code) {
    return code == eap_code::request || code == eap_code::response || code == eap_code::initiate ||
           code == eap_code::finish;
}

Decoded<PayloadBody> decode_eap(ByteReader& r) {
    if (auto e = need_fixed(r, 4, "EAP")) return *e;
    const std::size_t start = r.offset();
    const std::size_t size = r.remaining();
    EapPayload eap;
    eap.code = r.u8();
    eap.identifier = r.u8();
    const std::uint16_t length = r.u16();
    if (length != size)
        return error("eap_length_mismatch",
                     "EAP Length is " + n(length) + ", the EAP payload holds " + n(size) + " bytes", start + 2);
    if (eap_code_has_type(eap.code)) {
        if (size < 5)
            return error("bad_eap_length", "EAP " + eap_code_name(eap.code) + " without a Type (length 4)", start + 2);
        eap.type = r.u8();
    }
    eap.data = to_bytes(r.bytes(r.remaining()));
    return PayloadBody{std::move(eap)};
}

Decoded<PayloadBody> decode_skf(ByteReader& r, std::uint8_t next_payload) {
    if (auto e = need_fixed(r, 4, "SKF")) return *e;
    const std::size_t start = r.offset();
    SkfPayload skf;
    skf.fragment_number = r.u16();
    skf.total_fragments = r.u16();
    skf.first_inner = static_cast<PayloadType>(next_payload);
    if (skf.total_fragments == 0) return error("bad_fragment_number", "Total Fragments is 0", start + 2);
    if (skf.fragment_number == 0 || skf.fragment_number > skf.total_fragments)
        return error("bad_fragment_number",
                     "Fragment Number " + n(skf.fragment_number) + " is outside 1.." + n(skf.total_fragments), start);
    skf.encrypted = to_bytes(r.bytes(r.remaining()));
    return PayloadBody{std::move(skf)};
}

// ---- encoders ----

// `what` is a literal: a std::string parameter would allocate its text on every call (for every transform
// of an offer), though it is read only when the check fails.
void check_width(std::size_t value, std::size_t max, const char* what) {
    if (value > max)
        throw std::invalid_argument(std::string(what) + " is " + n(value) + ", more than the field's maximum of " +
                                    n(max));
}

// Writes a big-endian 16-bit length into bytes already appended (the substructure's header, written first
// with a zero length so that the body goes straight into `out` with no buffer of its own).
void patch_u16(Bytes& out, std::size_t at, std::size_t value) {
    out[at] = static_cast<std::uint8_t>(value >> 8);
    out[at + 1] = static_cast<std::uint8_t>(value);
}

void put_transform(Bytes& out, const Transform& tr, bool last) {
    const std::size_t start = out.size();
    // The fixed part and the Key Length attribute in one insert (a preset offers dozens of transforms).
    const std::uint16_t key_attribute = attribute_tv_bit | attribute_key_length;
    const std::uint16_t key_length = tr.key_length.value_or(0);
    const std::uint8_t head[12] = {static_cast<std::uint8_t>(last ? 0 : transform_more),
                                   0,
                                   0,
                                   0,  // length, set below
                                   tr.type,
                                   0,
                                   static_cast<std::uint8_t>(tr.id >> 8),
                                   static_cast<std::uint8_t>(tr.id),
                                   static_cast<std::uint8_t>(key_attribute >> 8),
                                   static_cast<std::uint8_t>(key_attribute),
                                   static_cast<std::uint8_t>(key_length >> 8),
                                   static_cast<std::uint8_t>(key_length)};
    out.insert(out.end(), head, head + (tr.key_length ? 12 : 8));
    for (const auto& a : tr.other_attributes) {
        check_width(a.type, 0x7fff, "transform attribute type");
        if (a.tv) {
            put_u16(out, static_cast<std::uint16_t>(attribute_tv_bit | a.type));
            put_u16(out, a.value);
        } else {
            check_width(a.data.size(), 0xffff, "transform attribute length");
            put_u16(out, a.type);
            put_u16(out, static_cast<std::uint16_t>(a.data.size()));
            put_bytes(out, a.data);
        }
    }
    check_width(out.size() - start, 0xffff, "transform length");
    patch_u16(out, start + 2, out.size() - start);
}

void put_sa(Bytes& out, const SaPayload& sa) {
    for (std::size_t i = 0; i < sa.proposals.size(); ++i) {
        const Proposal& prop = sa.proposals[i];
        check_width(prop.spi.size(), 0xff, "proposal SPI size");
        check_width(prop.transforms.size(), 0xff, "number of transforms");
        const std::size_t start = out.size();
        put_u8(out, i + 1 == sa.proposals.size() ? 0 : proposal_more);
        put_u8(out, 0);
        put_u16(out, 0);  // length, set below
        put_u8(out, prop.number);
        put_u8(out, prop.protocol);
        put_u8(out, static_cast<std::uint8_t>(prop.spi.size()));
        put_u8(out, static_cast<std::uint8_t>(prop.transforms.size()));
        put_bytes(out, prop.spi);
        for (std::size_t t = 0; t < prop.transforms.size(); ++t)
            put_transform(out, prop.transforms[t], t + 1 == prop.transforms.size());
        check_width(out.size() - start, 0xffff, "proposal length");
        patch_u16(out, start + 2, out.size() - start);
    }
}

void put_ts(Bytes& out, const TsPayload& ts) {
    check_width(ts.selectors.size(), 0xff, "number of traffic selectors");
    put_u8(out, static_cast<std::uint8_t>(ts.selectors.size()));
    put_u8(out, 0);
    put_u16(out, 0);
    for (const auto& sel : ts.selectors) {
        Bytes body;
        const bool v4 = sel.type == ts_type::ipv4_addr_range;
        const bool v6 = sel.type == ts_type::ipv6_addr_range;
        if (v4 || v6) {
            const std::size_t address_size = v4 ? 4 : 16;
            if (sel.start_address.size() != address_size || sel.end_address.size() != address_size)
                throw std::invalid_argument(ts_type_name(sel.type) + " needs " + n(address_size) + "-byte addresses");
            put_u16(body, sel.start_port);
            put_u16(body, sel.end_port);
            put_bytes(body, sel.start_address);
            put_bytes(body, sel.end_address);
        } else {
            put_bytes(body, sel.other);
        }
        check_width(body.size() + 4, 0xffff, "selector length");
        put_u8(out, sel.type);
        put_u8(out, sel.ip_protocol);
        put_u16(out, static_cast<std::uint16_t>(body.size() + 4));
        put_bytes(out, body);
    }
}

bool body_matches(PayloadType type, const PayloadBody& body) {
    switch (type) {
    case PayloadType::sa:
        return std::holds_alternative<SaPayload>(body);
    case PayloadType::ke:
        return std::holds_alternative<KePayload>(body);
    case PayloadType::idi:
    case PayloadType::idr:
        return std::holds_alternative<IdPayload>(body);
    case PayloadType::cert:
        return std::holds_alternative<CertPayload>(body);
    case PayloadType::certreq:
        return std::holds_alternative<CertReqPayload>(body);
    case PayloadType::auth:
        return std::holds_alternative<AuthPayload>(body);
    case PayloadType::nonce:
        return std::holds_alternative<NoncePayload>(body);
    case PayloadType::notify:
        return std::holds_alternative<NotifyPayload>(body);
    case PayloadType::delete_:
        return std::holds_alternative<DeletePayload>(body);
    case PayloadType::vendor_id:
        return std::holds_alternative<VendorIdPayload>(body);
    case PayloadType::tsi:
    case PayloadType::tsr:
        return std::holds_alternative<TsPayload>(body);
    case PayloadType::sk:
        return std::holds_alternative<SkPayload>(body);
    case PayloadType::cp:
        return std::holds_alternative<CpPayload>(body);
    case PayloadType::eap:
        return std::holds_alternative<EapPayload>(body);
    case PayloadType::skf:
        return std::holds_alternative<SkfPayload>(body);
    default:
        return std::holds_alternative<UnknownPayload>(body) &&
               !is_supported_payload_type(static_cast<std::uint8_t>(type)) && type != PayloadType::none;
    }
}

}  // namespace

std::vector<Transform> Proposal::of_type(TransformType type) const {
    std::vector<Transform> out;
    for (const auto& t : transforms)
        if (t.type == static_cast<std::uint8_t>(type)) out.push_back(t);
    return out;
}

const Transform* Proposal::first(TransformType type) const {
    for (const auto& t : transforms)
        if (t.type == static_cast<std::uint8_t>(type)) return &t;
    return nullptr;
}

Decoded<std::vector<Sha1Hash>> ca_key_hashes(const CertReqPayload& certreq) {
    if (certreq.authority.size() % 20 != 0)
        return error("bad_certreq_length",
                     "Certification Authority field of " + n(certreq.authority.size()) +
                         " bytes is not a list of 20-byte SHA-1 hashes",
                     0);
    std::vector<Sha1Hash> hashes(certreq.authority.size() / 20);
    for (std::size_t i = 0; i < hashes.size(); ++i)
        std::copy_n(certreq.authority.begin() + static_cast<std::ptrdiff_t>(i * 20), 20, hashes[i].begin());
    return hashes;
}

Bytes encode_payload_body(const Payload& payload) {
    Bytes out;
    append_payload_body(out, payload);
    return out;
}

void append_payload_body(Bytes& out, const Payload& payload) {
    if (!body_matches(payload.type, payload.body))
        throw std::invalid_argument("payload body does not belong to payload type " + payload_name(payload.type));
    std::visit(
        [&](const auto& b) {
            using T = std::decay_t<decltype(b)>;
            if constexpr (std::is_same_v<T, SaPayload>) {
                put_sa(out, b);
            } else if constexpr (std::is_same_v<T, KePayload>) {
                put_u16(out, b.group);
                put_u16(out, 0);
                put_bytes(out, b.data);
            } else if constexpr (std::is_same_v<T, IdPayload>) {
                put_u8(out, b.type);
                put_u8(out, 0);
                put_u16(out, 0);
                put_bytes(out, b.data);
            } else if constexpr (std::is_same_v<T, AuthPayload>) {
                put_u8(out, b.method);
                put_u8(out, 0);
                put_u16(out, 0);
                put_bytes(out, b.data);
            } else if constexpr (std::is_same_v<T, CertPayload>) {
                put_u8(out, b.encoding);
                put_bytes(out, b.data);
            } else if constexpr (std::is_same_v<T, CertReqPayload>) {
                put_u8(out, b.encoding);
                put_bytes(out, b.authority);
            } else if constexpr (std::is_same_v<T, NoncePayload>) {
                put_bytes(out, b.nonce);
            } else if constexpr (std::is_same_v<T, NotifyPayload>) {
                check_width(b.spi.size(), 0xff, "notify SPI size");
                put_u8(out, b.protocol);
                put_u8(out, static_cast<std::uint8_t>(b.spi.size()));
                put_u16(out, b.type);
                put_bytes(out, b.spi);
                put_bytes(out, b.data);
            } else if constexpr (std::is_same_v<T, DeletePayload>) {
                check_width(b.spis.size(), 0xffff, "number of SPIs");
                put_u8(out, b.protocol);
                put_u8(out, b.spi_size);
                put_u16(out, static_cast<std::uint16_t>(b.spis.size()));
                for (const auto& spi : b.spis) {
                    if (spi.size() != b.spi_size || b.spi_size == 0)
                        throw std::invalid_argument("Delete SPI of " + n(spi.size()) + " bytes, SPI size is " +
                                                    n(b.spi_size));
                    put_bytes(out, spi);
                }
            } else if constexpr (std::is_same_v<T, VendorIdPayload>) {
                put_bytes(out, b.data);
            } else if constexpr (std::is_same_v<T, TsPayload>) {
                put_ts(out, b);
            } else if constexpr (std::is_same_v<T, SkPayload>) {
                put_bytes(out, b.encrypted);
            } else if constexpr (std::is_same_v<T, CpPayload>) {
                put_u8(out, b.cfg_type);
                put_u8(out, 0);
                put_u16(out, 0);
                for (const auto& a : b.attributes) {
                    check_width(a.type, 0x7fff, "configuration attribute type");
                    check_width(a.value.size(), 0xffff, "configuration attribute length");
                    put_u16(out, a.type);
                    put_u16(out, static_cast<std::uint16_t>(a.value.size()));
                    put_bytes(out, a.value);
                }
            } else if constexpr (std::is_same_v<T, EapPayload>) {
                if (b.type.has_value() != eap_code_has_type(b.code))
                    throw std::invalid_argument("EAP " + eap_code_name(b.code) +
                                                (b.type ? " takes no Type" : " needs a Type"));
                const std::size_t length = 4 + (b.type ? 1 : 0) + b.data.size();
                check_width(length, 0xffff, "EAP message length");
                put_u8(out, b.code);
                put_u8(out, b.identifier);
                put_u16(out, static_cast<std::uint16_t>(length));
                if (b.type) put_u8(out, *b.type);
                put_bytes(out, b.data);
            } else if constexpr (std::is_same_v<T, SkfPayload>) {
                if (b.fragment_number == 0 || b.total_fragments == 0 || b.fragment_number > b.total_fragments)
                    throw std::invalid_argument("SKF fragment " + n(b.fragment_number) + " of " + n(b.total_fragments));
                put_u16(out, b.fragment_number);
                put_u16(out, b.total_fragments);
                put_bytes(out, b.encrypted);
            } else {
                static_assert(std::is_same_v<T, UnknownPayload>);
                put_bytes(out, b.data);
            }
        },
        payload.body);
}

Decoded<PayloadBody> decode_payload_body(PayloadType type, std::uint8_t next_payload, ByteView body,
                                         std::size_t body_offset) {
    ByteReader r(body, body_offset);
    Decoded<PayloadBody> result = [&]() -> Decoded<PayloadBody> {
        switch (type) {
        case PayloadType::sa:
            return decode_sa(r);
        case PayloadType::ke:
            return decode_ke(r);
        case PayloadType::idi:
        case PayloadType::idr:
            return decode_typed_data<IdPayload>(r, &IdPayload::type, "ID");
        case PayloadType::auth:
            return decode_typed_data<AuthPayload>(r, &AuthPayload::method, "AUTH");
        case PayloadType::cert: {
            if (auto e = need_fixed(r, 1, "CERT")) return *e;
            CertPayload cert;
            cert.encoding = r.u8();
            cert.data = to_bytes(r.bytes(r.remaining()));
            return PayloadBody{std::move(cert)};
        }
        case PayloadType::certreq: {
            if (auto e = need_fixed(r, 1, "CERTREQ")) return *e;
            CertReqPayload certreq;
            certreq.encoding = r.u8();
            certreq.authority = to_bytes(r.bytes(r.remaining()));
            return PayloadBody{std::move(certreq)};
        }
        case PayloadType::nonce:
            return PayloadBody{NoncePayload{to_bytes(r.bytes(r.remaining()))}};
        case PayloadType::notify:
            return decode_notify(r);
        case PayloadType::delete_:
            return decode_delete(r);
        case PayloadType::vendor_id:
            return PayloadBody{VendorIdPayload{to_bytes(r.bytes(r.remaining()))}};
        case PayloadType::tsi:
        case PayloadType::tsr:
            return decode_ts(r);
        case PayloadType::sk:
            return PayloadBody{SkPayload{static_cast<PayloadType>(next_payload), to_bytes(r.bytes(r.remaining()))}};
        case PayloadType::cp:
            return decode_cp(r);
        case PayloadType::eap:
            return decode_eap(r);
        case PayloadType::skf:
            return decode_skf(r, next_payload);
        default:
            return error("unsupported_payload", "payload type " + payload_name(type) + " is not decoded here",
                         body_offset);
        }
    }();
    if (!result) return result;
    // A decoder that read past its body through ByteReader (rather than one of the explicit checks) ends here.
    if (r.failed()) return r.error();
    return result;
}

Decoded<std::vector<std::uint16_t>> signature_hash_algorithms(const NotifyPayload& notify) {
    if (notify.data.size() % 2 != 0)
        return error(
            "bad_notify_data",
            "SIGNATURE_HASH_ALGORITHMS data of " + n(notify.data.size()) + " bytes is not a list of 16-bit values",
            notify.data.size() - 1);
    std::vector<std::uint16_t> algorithms;
    ByteReader r(notify.data);
    while (!r.at_end()) algorithms.push_back(r.u16());
    return algorithms;
}

Decoded<Sha1Hash> nat_detection_hash(const NotifyPayload& notify) {
    if (notify.data.size() != 20)
        return error("bad_notify_data",
                     notify_name(notify.type) + " data is " + n(notify.data.size()) + " bytes; a SHA-1 hash is 20", 0);
    Sha1Hash hash;
    std::copy(notify.data.begin(), notify.data.end(), hash.begin());
    return hash;
}

Decoded<Bytes> cookie_data(const NotifyPayload& notify) {
    if (notify.data.empty() || notify.data.size() > 64)
        return error("bad_notify_data", "COOKIE of " + n(notify.data.size()) + " bytes; RFC 7296 allows 1 to 64", 0);
    return notify.data;
}

Decoded<std::uint16_t> invalid_ke_group(const NotifyPayload& notify) {
    if (notify.data.size() != 2)
        return error("bad_notify_data",
                     "INVALID_KE_PAYLOAD data is " + n(notify.data.size()) + " bytes; the group number takes 2", 0);
    return static_cast<std::uint16_t>(notify.data[0] << 8 | notify.data[1]);
}

NotifyPayload make_signature_hash_algorithms(const std::vector<std::uint16_t>& algorithms) {
    NotifyPayload notify;
    notify.type = notify::signature_hash_algorithms;
    for (std::uint16_t a : algorithms) put_u16(notify.data, a);
    return notify;
}

}  // namespace vpnprobe::protocol::ikev2
