// parse_certificate_shared (certificate_x509.hpp): decoded certificates shared by the probes of a process.
#include <algorithm>
#include <cstddef>
#include <map>
#include <mutex>

#include "probes/certificate_x509.hpp"

namespace vpnprobe::probes {

namespace {

// At most this many certificates are kept; when full, the cache starts over (the X509s handed out live on through
// their own references). About 1 MiB at a few KiB each.
constexpr std::size_t kMaxEntries = 256;

// Bytes ordered as ByteView, so that a lookup needs no copy of the DER.
struct ByteOrder {
    using is_transparent = void;
    bool operator()(ByteView a, ByteView b) const {
        return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
    }
};

X509Ptr another_reference(X509* x) {
    X509_up_ref(x);
    return X509Ptr(x);
}

}  // namespace

X509Ptr parse_certificate_shared(ByteView der) {
    static std::mutex m;
    static std::map<Bytes, X509Ptr, ByteOrder> cache;
    {
        std::lock_guard lock(m);
        auto it = cache.find(der);
        if (it != cache.end()) return another_reference(it->second.get());
    }
    X509Ptr x = parse_certificate(der);  // decoded outside the lock; what does not decode is not kept
    std::lock_guard lock(m);
    auto it = cache.find(der);
    if (it != cache.end()) return another_reference(it->second.get());  // another thread was first: its copy
    if (cache.size() >= kMaxEntries) cache.clear();
    cache.emplace(Bytes(der.begin(), der.end()), another_reference(x.get()));
    return x;
}

}  // namespace vpnprobe::probes
