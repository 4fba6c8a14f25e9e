#!/bin/sh
# The IKEv2 client's instructions per SA_INIT-only exchange, no lab needed: `vpnprobe_bench sa-init N` (N probes
# in sequence, preset modern, the run's shared key shares, each refused at once by a responder on 127.0.0.1 in
# the same process) under callgrind with N = 1 and N = 101; prints (Ir(101) - Ir(1)) / 100, which leaves out
# start-up and the one key generation. Counts repeat on a loaded machine. Traffic: loopback only.
# usage: [MODE=sa-init-cookie] bench/ikev2_client_ir.sh [VPNPROBE_BENCH]   (default build/vpnprobe_bench; valgrind)
# MODE=sa-init-cookie: each probe is answered with a COOKIE first (two requests, two answers per probe).
set -eu
B=${1:-build/vpnprobe_bench}
OUT=${TMPDIR:-/tmp}
ir() { valgrind --tool=callgrind --callgrind-out-file="$OUT/ikev2_client_ir.$1.out" "$B" ${MODE:-sa-init} "$1" 2>&1 |
    sed -n 's/.*Collected : *//p'; }
a=$(ir 1)
b=$(ir 101)
echo "Ir(1)=$a Ir(101)=$b per probe=$(((b - a) / 100))"
echo "profiles: $OUT/ikev2_client_ir.1.out $OUT/ikev2_client_ir.101.out (callgrind_annotate --inclusive=yes)"
