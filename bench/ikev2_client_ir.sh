#!/bin/sh
# usage: cpu_ir.sh BENCH  -> Ir per probe = (Ir(101) - Ir(1)) / 100
B=${1:-build/vpnprobe_bench}
ir() { valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$1.out $B sa-init $1 2>&1 | sed -n 's/.*Collected : *//p'; }
a=$(ir 1); b=$(ir 101)
echo "Ir(1)=$a Ir(101)=$b per probe=$(( (b - a) / 100 ))"
