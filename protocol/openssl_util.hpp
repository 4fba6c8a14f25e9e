// What every file that calls OpenSSL needs: owning pointers that free with the right function, and the
// thread-local error queue drained into a message (so one failure's reason does not leak into the next
// call's). Internal header (OpenSSL types): include from .cpp files only.
#pragma once

#include <memory>
#include <string>

namespace vpnprobe::protocol {

template <auto Free>
struct OpensslDeleter {
    template <typename T>
    void operator()(T* p) const {
        Free(p);
    }
};
// OpensslPtr<X509, X509_free>
template <typename T, auto Free>
using OpensslPtr = std::unique_ptr<T, OpensslDeleter<Free>>;

// Every queued error's text, "; "-separated; "" when the queue was empty. The queue is empty afterwards.
std::string drain_openssl_errors();

}  // namespace vpnprobe::protocol
