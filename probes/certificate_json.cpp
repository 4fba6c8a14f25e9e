#include "probes/certificate_json.hpp"

#include <cmath>

#include <boost/json/array.hpp>

namespace vpnprobe::probes {

namespace json = boost::json;

namespace {

json::array strings(const std::vector<std::string>& v) {
    json::array a;
    a.reserve(v.size());
    for (const auto& s : v) a.emplace_back(s);
    return a;
}

}  // namespace

json::object to_json(const CertificateFacts& c) {
    json::object o;
    o["subject"] = c.subject;
    o["subject_cn"] = c.subject_cn;
    o["issuer"] = c.issuer;
    o["serial"] = c.serial_hex;
    json::object san;
    san["dns"] = strings(c.san_dns);
    san["ip"] = strings(c.san_ip);
    san["other"] = strings(c.san_other);
    o["san"] = std::move(san);
    o["not_before"] = format_time_utc(c.not_before);
    o["not_after"] = format_time_utc(c.not_after);
    // Two decimals: enough for "expires in 0.25 days", without a float tail that changes on every run.
    o["days_left"] = std::round(c.days_left * 100) / 100;
    o["inspected_at"] = format_time_utc(c.inspected_at);
    json::object key;
    key["type"] = c.key_type;
    key["bits"] = c.key_bits;
    if (!c.curve.empty()) key["curve"] = c.curve;
    o["key"] = std::move(key);
    o["signature_algorithm"] = c.signature_algorithm;
    o["key_usage"] = strings(c.key_usage);
    o["ekus"] = strings(c.ekus);
    o["eku_oids"] = strings(c.eku_oids);
    o["crl_urls"] = strings(c.crl_urls);
    o["ocsp_urls"] = strings(c.ocsp_urls);
    o["fingerprint_sha256"] = c.sha256_fingerprint;
    o["is_ca"] = c.is_ca;
    o["self_signed"] = c.self_signed;
    return o;
}

json::object to_json(const ChainVerdict& v) {
    json::object o;
    o["valid"] = v.valid;
    o["openssl_error"] = v.openssl_error;
    o["openssl_reason"] = v.openssl_reason;
    o["error_depth"] = v.error_depth;
    json::array errors;
    for (std::size_t i = 0; i < v.all_errors.size(); ++i) {
        json::object e;
        e["code"] = v.all_errors[i].first;
        e["reason"] = v.all_errors[i].second;
        if (i < v.all_error_depths.size()) e["depth"] = v.all_error_depths[i];
        errors.push_back(std::move(e));
    }
    o["errors"] = std::move(errors);
    o["built_chain_subjects"] = strings(v.built_chain_subjects);
    return o;
}

json::object to_json(const CertificateProblem& p) {
    json::object o;
    o["check"] = p.check;
    o["detail"] = p.detail;
    o["windows_error"] = p.windows_error;
    o["advisory"] = p.advisory;
    return o;
}

}  // namespace vpnprobe::probes
