// The ranges of time values a person may give, on the command line and in scenario files alike, and how
// they are printed in a refusal. 600 s is far beyond any VPN handshake (Windows gives up within a minute)
// and far within the clock: deadlines are steady_clock time points in 64-bit nanoseconds (~292 years), so
// no accepted value can overflow one. NaN and the infinities are refused everywhere.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

namespace vpnprobe::probes {

inline constexpr double kMinTimeoutSeconds = 0.1;  // a probe's whole deadline
inline constexpr double kMaxTimeoutSeconds = 600;
inline constexpr double kMaxPhaseTimeoutSeconds = 600;  // per phase; 0 = the whole deadline
inline constexpr double kMinRetransmitSeconds = 0.05;  // IKEv2's first retransmission interval (then doubling)
inline constexpr double kMaxRetransmitSeconds = 60;
inline constexpr double kMaxExpectedSeconds = 3600;  // timing expectations of a scenario
inline constexpr int kMaxPingCount = 100;  // echo requests through a tunnel (--ping-count, options.ping_count)

// A number as a person writes it: 0.1, 600, -1000000; never 1e+06, inf or nan.
inline std::string readable_number(double v) {
    if (std::isnan(v)) return "not a number";
    if (std::isinf(v)) return v > 0 ? "infinity" : "minus infinity";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6f", v);
    std::string s = buf;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s == "-0" ? "0" : s;
}

// Whether `v` lies in [min, max] (false for NaN).
inline bool in_range(double v, double min, double max) { return v >= min && v <= max; }

}  // namespace vpnprobe::probes
