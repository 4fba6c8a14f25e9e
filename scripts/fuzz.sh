#!/usr/bin/env bash
# Runs each libFuzzer target (fuzz/) for SECONDS (default 60) with the project's captures and examples as
# seed corpus, in build-fuzz/ (clang, ASan). Crashes are written to build-fuzz/crashes/.
# usage: scripts/fuzz.sh [SECONDS] [TARGET...]   targets: ikev2_message sstp_packet ike_fragments scenario_text
#   ppp_auth ppp_ipcp ipv4_icmp esp_packet
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}; shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(ikev2_message sstp_packet ike_fragments scenario_text ppp_auth ppp_ipcp ipv4_icmp esp_packet)
command -v clang++ >/dev/null || { echo "fuzz: needs clang (apt-get install clang)" >&2; exit 1; }
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVPNPROBE_FUZZ=ON \
  -DVPNPROBE_TESTS=OFF >/dev/null
cmake --build build-fuzz -j2 >/dev/null
mkdir -p build-fuzz/crashes
for t in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$t; mkdir -p "$corpus"
  case $t in
    ikev2_message) cp tests/data/ikev2/*.bin "$corpus/" ;;
    sstp_packet) cp tests/data/softether-http200-connect-ack.bin "$corpus/" ;;
    scenario_text) cp scenarios/examples/*.yaml "$corpus/" ;;
    ppp_auth | ppp_ipcp) cp tests/data/ppp/*.bin "$corpus/" ;;
  esac
  echo "fuzz: $t for ${seconds} s"
  "build-fuzz/fuzz_$t" -max_total_time="$seconds" -artifact_prefix=build-fuzz/crashes/ -print_final_stats=1 "$corpus" \
    2>&1 | grep -E "^#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb|ERROR|SUMMARY" || true
done
