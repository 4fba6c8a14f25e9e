#!/bin/sh
# Client CPU (user+sys, from the kernel: wait4's rusage, microseconds) per IKE_SA_INIT exchange: `ike-scan --ikev2`
# (one process, the target repeated N times) beside `vpnprobe run` SA_INIT-only with --count, with the run's shared
# key share (default) and with `fresh_key_share: true`. Each figure is (CPU(N+1) - CPU(1)) / N, so the process's
# start drops out. ROUNDS rounds (default 1), the tools taking turns within each (so a change in the machine's load
# touches all alike); with more than one round it prints each round and the medians. All of it runs in the lab's
# clean vantage namespace against one strongSwan (default the weak profile, which accepts both ike-scan's
# 3DES-SHA1-MODP1024 and Windows' offer). Read-only for the lab; asserts nothing.
# The ratio is given per probe and per request/response pair: a strongSwan past its cookie_threshold_ip answers
# vpnprobe's first request with a COOKIE and vpnprobe sends it again (two pairs per probe, `cookie_rounds: 1`),
# while ike-scan stops at the COOKIE (one pair per target); the pairs per probe are 1 + the last probe's
# cookie_rounds (all probes of a run get the same answer from one server).
#   usage: bench/ikev2_cpu_vs_ikescan.sh VPNPROBE [N] [PRESET]   (VPNPROBE_LAB_RUN=/work/lab-run by default;
#          TARGET=ADDR to probe another lab address; ROUNDS=R; FRESH=0 leaves out the fresh_key_share row)
set -eu
bin=${1:?usage: ikev2_cpu_vs_ikescan.sh VPNPROBE [N] [PRESET]}
n=${2:-200}
preset=${3:-windows-default}
rounds=${ROUNDS:-1}
run=${VPNPROBE_LAB_RUN:-/work/lab-run}
. "$run/ike-lab.env"
target=${TARGET:-$IKE_WEAK_ADDR}
ns=$VANTAGE_CLEAN
[ "$(ip netns identify $$)" != "$ns" ] || { echo "run from the root namespace: it enters $ns itself" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

scenario() {  # name, extra options
    cat > "$dir/$1.yaml" <<YAML
version: 1
name: cpu-$1
parallel: 1
vantage_points: [{name: clean, netns: $ns}]
targets: [{name: t, host: $target}]
probes: [{type: ikev2, timeout: 30, options: {preset: $preset, sa_init_only: true$2}}]
YAML
}
scenario shared ""
scenario fresh ", fresh_key_share: true"

cpu() {  # command... -> user+sys seconds of the process (wait4), to the microsecond
    python3 -c '
import os, subprocess, sys
p = subprocess.Popen(sys.argv[2:], stdout=open(sys.argv[1], "w"), stderr=subprocess.STDOUT)
_, _, u = os.wait4(p.pid, 0)
print("%.6f" % (u.ru_utime + u.ru_stime))' "$dir/out" "$@"
}
ikescan() {  # count -> seconds
    targets=""
    i=0
    while [ "$i" -lt "$1" ]; do targets="$targets $target"; i=$((i + 1)); done
    # shellcheck disable=SC2086
    cpu ip netns exec "$ns" ike-scan --ikev2 -r 1 --interval=1 $targets
}
vp() {  # scenario, count -> seconds
    cpu "$bin" run "$dir/$1.yaml" --count "$2" --format json
}
per() { awk -v a="$1" -v b="$2" -v n="$n" 'BEGIN { printf "%.4f", (b - a) * 1000 / n }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: > "$dir/ike"; : > "$dir/shared"; : > "$dir/fresh"; : > "$dir/pairs"
r=1
while [ "$r" -le "$rounds" ]; do
    a=$(ikescan 1); b=$(ikescan $((n + 1))); is=$(per "$a" "$b")
    cookies=$(grep -c COOKIE "$dir/out" || true)
    a=$(vp shared 1); b=$(vp shared $((n + 1))); sh=$(per "$a" "$b")
    rounds_cookie=$(grep -o '"cookie_rounds": *[0-9]*' "$dir/out" | tail -n 1 | grep -o '[0-9]*$' || echo 0)
    pairs=$((1 + ${rounds_cookie:-0}))
    fr=""
    if [ "${FRESH:-1}" != 0 ]; then a=$(vp fresh 1); b=$(vp fresh $((n + 1))); fr=$(per "$a" "$b"); echo "$fr" >> "$dir/fresh"; fi
    echo "$is" >> "$dir/ike"; echo "$sh" >> "$dir/shared"; echo "$pairs" >> "$dir/pairs"
    if [ "$rounds" -gt 1 ]; then
        printf 'round %d: ike-scan %s ms (%s of %s answers COOKIE); vpnprobe shared %s ms (%d request/response pairs per probe)%s\n' \
            "$r" "$is" "$cookies" "$((n + 1))" "$sh" "$pairs" "${fr:+; fresh $fr ms}"
    fi
    r=$((r + 1))
done
is=$(median < "$dir/ike"); sh=$(median < "$dir/shared"); pairs=$(median < "$dir/pairs")
[ "$rounds" -gt 1 ] && echo "medians of $rounds rounds:"
printf '%-44s %s ms\n' "ike-scan --ikev2 (one process, N targets)" "$is"
printf '%-44s %s ms (%s request/response pairs per probe)\n' "vpnprobe run sa_init_only (shared key share)" "$sh" "$pairs"
[ "${FRESH:-1}" != 0 ] && printf '%-44s %s ms\n' "vpnprobe run sa_init_only fresh_key_share" "$(median < "$dir/fresh")"
awk -v a="$sh" -v b="$is" -v p="$pairs" 'BEGIN { if (b > 0) printf "ratio vpnprobe / ike-scan: %.2f per probe, %.2f per request/response pair\n", a / b, a / p / b }'
