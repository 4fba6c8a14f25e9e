// JSON for the certificate facts and verdicts, for the JSON report. Times are ISO-8601 UTC strings; the DER is
// left out (the SHA-256 fingerprint identifies the certificate and keeps reports small).
#pragma once

#include <boost/json/object.hpp>

#include "probes/certificate.hpp"

namespace vpnprobe::probes {

boost::json::object to_json(const CertificateFacts& c);
boost::json::object to_json(const ChainVerdict& v);
boost::json::object to_json(const CertificateProblem& p);

}  // namespace vpnprobe::probes
