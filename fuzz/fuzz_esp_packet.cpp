// libFuzzer entry for vpnprobe::fuzz::esp_packet (fuzz/fuzz_targets.hpp). Build: cmake -DVPNPROBE_FUZZ=ON with clang.
#include "fuzz/fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    (void)vpnprobe::fuzz::esp_packet(data, size);
    return 0;
}
