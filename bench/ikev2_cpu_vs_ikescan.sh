#!/bin/sh
# Client CPU (user+sys, from /usr/bin/time) per IKE_SA_INIT exchange: `ike-scan --ikev2` (one process, the target
# repeated N times) beside `vpnprobe run` SA_INIT-only with --count, with the run's shared key share (default) and
# with `fresh_key_share: true`. Each figure is (CPU(N+1) - CPU(1)) / N, so the process's start drops out. All of it
# runs in the lab's clean vantage namespace against one strongSwan (default the weak profile, which accepts both
# ike-scan's 3DES-SHA1-MODP1024 and Windows' offer). Read-only for the lab; asserts nothing.
#   usage: bench/ikev2_cpu_vs_ikescan.sh VPNPROBE [N] [PRESET]   (VPNPROBE_LAB_RUN=/work/lab-run by default;
#          TARGET=ADDR to probe another lab address)
set -eu
bin=${1:?usage: ikev2_cpu_vs_ikescan.sh VPNPROBE [N] [PRESET]}
n=${2:-200}
preset=${3:-windows-default}
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

cpu() {  # command... -> user+sys seconds
    /usr/bin/time -f '%U %S' -o "$dir/time" "$@" > "$dir/out" 2>&1 || true
    tail -n 1 "$dir/time" | awk '{print $1 + $2}'
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
per() { awk -v a="$1" -v b="$2" -v n="$n" 'BEGIN { printf "%.3f", (b - a) * 1000 / n }'; }

a=$(ikescan 1); b=$(ikescan $((n + 1)))
printf '%-44s %s ms\n' "ike-scan --ikev2 (one process, N targets)" "$(per "$a" "$b")"
a=$(vp shared 1); b=$(vp shared $((n + 1)))
printf '%-44s %s ms\n' "vpnprobe run sa_init_only (shared key share)" "$(per "$a" "$b")"
grep -o '"cookie_rounds":[0-9]*' "$dir/out" | sort | uniq -c | sed 's/^/    last run: /'
a=$(vp fresh 1); b=$(vp fresh $((n + 1)))
printf '%-44s %s ms\n' "vpnprobe run sa_init_only fresh_key_share" "$(per "$a" "$b")"
