// libFuzzer entry for vpnprobe::fuzz::ppp_auth (fuzz/fuzz_targets.hpp). Build: cmake -DVPNPROBE_FUZZ=ON with clang.
#include "fuzz/fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    (void)vpnprobe::fuzz::ppp_auth(data, size);
    return 0;
}
