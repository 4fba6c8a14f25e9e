#!/bin/sh
# CPU per probe of `vpnprobe run` against the lab (read-only: it never starts or stops the lab). For each case it
# runs the scenario with count 1 and with count N+1 under valgrind's callgrind and prints the instructions of
# one probe: (Ir(N+1) - Ir(1)) / N, which leaves out the process's start and the run's once-per-run work (such as
# loading the trust store, when the binary does that once). Instruction counts repeat within a fraction of a
# percent on a loaded machine; times do not. With TIME=1 it also prints user+sys seconds per probe from
# /usr/bin/time over count N+1, minus count 1.
# The IKEv2 cases come twice: with the run's shared key share (the default) and with `fresh_key_share: true` (a
# new DH key pair per exchange). CASES="ikev2-sa-init ikev2-sa-init-fresh" measures only those.
#   usage: bench/cpu_per_probe.sh VPNPROBE [N]      (VPNPROBE_LAB_RUN=/work/lab-run by default)
set -eu
bin=${1:?usage: cpu_per_probe.sh VPNPROBE [N]}
n=${2:-10}
run=${VPNPROBE_LAB_RUN:-/work/lab-run}
. "$run/sstp-lab.env"
sstp_ca=$LAB_CA
. "$run/ike-lab.env"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

scenario() {  # name, target line, probe line
    cat > "$dir/$1.yaml" <<YAML
version: 1
name: cpu-$1
parallel: 1
vantage_points: [{name: clean, netns: $VANTAGE_CLEAN}]
targets: [$2]
probes: [$3]
YAML
}
scenario sstp-system "{name: t, host: $SSTP_RSA_ADDR, sni: vpn.test}" "{type: sstp, timeout: 60}"
scenario sstp-ca "{name: t, host: $SSTP_RSA_ADDR, sni: vpn.test, ca: $sstp_ca}" "{type: sstp, timeout: 60}"
scenario ikev2-sa-init "{name: t, host: $IKE_FRAG_ADDR, sni: vpn.test, ca: $IKE_CA}" \
    "{type: ikev2, timeout: 60, options: {preset: modern, sa_init_only: true}}"
scenario ikev2-full "{name: t, host: $IKE_FRAG_ADDR, sni: vpn.test, ca: $IKE_CA}" \
    "{type: ikev2, timeout: 60, options: {preset: modern}}"
scenario ikev2-sa-init-fresh "{name: t, host: $IKE_FRAG_ADDR, sni: vpn.test, ca: $IKE_CA}" \
    "{type: ikev2, timeout: 60, options: {preset: modern, sa_init_only: true, fresh_key_share: true}}"
scenario ikev2-full-fresh "{name: t, host: $IKE_FRAG_ADDR, sni: vpn.test, ca: $IKE_CA}" \
    "{type: ikev2, timeout: 60, options: {preset: modern, fresh_key_share: true}}"

ir() {  # scenario, count -> total instructions
    valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" "$bin" run "$dir/$1.yaml" --count "$2" \
        --format json > /dev/null 2> "$dir/cg.err" || true
    sed -n 's/^summary: //p' "$dir/cg.out"
}
cpu() {  # scenario, count -> user+sys seconds
    /usr/bin/time -f '%U %S' -o "$dir/time" "$bin" run "$dir/$1.yaml" --count "$2" --format json > /dev/null || true
    tail -n 1 "$dir/time" | awk '{print $1 + $2}'
}
printf '%-20s %14s %14s\n' case "Ir/probe" "${TIME:+cpu ms/probe}"
for c in ${CASES:-sstp-system sstp-ca ikev2-sa-init ikev2-sa-init-fresh ikev2-full ikev2-full-fresh}; do
    one=$(ir "$c" 1)
    many=$(ir "$c" $((n + 1)))
    per=$(( (many - one) / n ))
    ms=""
    if [ -n "${TIME:-}" ]; then
        t1=$(cpu "$c" 1)
        tn=$(cpu "$c" $((n + 1)))
        ms=$(awk -v a="$t1" -v b="$tn" -v n="$n" 'BEGIN { printf "%.2f", (b - a) * 1000 / n }')
    fi
    printf '%-20s %14s %14s\n' "$c" "$per" "$ms"
done
