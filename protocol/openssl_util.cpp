#include "protocol/openssl_util.hpp"

#include <openssl/err.h>

#include <array>

namespace vpnprobe::protocol {

std::string drain_openssl_errors() {
    std::string text;
    while (unsigned long e = ERR_get_error()) {
        std::array<char, 256> buf{};
        ERR_error_string_n(e, buf.data(), buf.size());
        text += text.empty() ? "" : "; ";
        text += buf.data();
    }
    return text;
}

}  // namespace vpnprobe::protocol
