#!/usr/bin/env bash
# Configures and builds vpnprobe and its tests in ./build (one CMake tree for everything).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-$(nproc)}
[ "$jobs" -gt 2 ] && jobs=2   # C++ with Asio is memory-hungry; two jobs is what the reference machine has
# VPNPROBE_WERROR=ON (what .ci/run sets): warnings are errors.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} -DVPNPROBE_WERROR=${VPNPROBE_WERROR:-OFF} >/dev/null
cmake --build build -j"$jobs"
