#!/bin/sh
# Instructions per ESP packet (seal by the sender, then open by the receiver with its replay window), no lab and no
# network: `vpnprobe_bench esp-gcm N` / `esp-cbc N` under callgrind with N = 100 and N = 1100; prints
# (Ir(1100) - Ir(100)) / 1000, which leaves out start-up and key derivation. Counts repeat on a loaded machine.
# usage: bench/esp_ir.sh [VPNPROBE_BENCH]   (default build/vpnprobe_bench; needs valgrind)
set -eu
B=${1:-build/vpnprobe_bench}
OUT=${TMPDIR:-/tmp}
ir() { valgrind --tool=callgrind --callgrind-out-file="$OUT/esp_ir.$1.$2.out" "$B" "$1" "$2" 2>&1 |
    sed -n 's/.*Collected : *//p'; }
for mode in esp-gcm esp-cbc; do
  a=$(ir "$mode" 100)
  b=$(ir "$mode" 1100)
  echo "$mode: Ir(100)=$a Ir(1100)=$b per packet (seal + open)=$(((b - a) / 1000))"
done
echo "profiles: $OUT/esp_ir.*.out (callgrind_annotate --inclusive=yes)"
