#!/usr/bin/env bash
# SSTP probe wall time against the lab's SoftEther, beside `openssl s_time -new` on the same path. Prints
# figures, asserts nothing. Every connection leaves from inside the lab's clean vantage namespace.
#
#   bench/sstp_wall.sh [VPNPROBE_BINARY] [N]
#
# For each of N healthy probes (`vpnprobe sstp ADDR --netns VANTAGE --sni vpn.test --ca LAB_CA --format
# json`): the probe's own total_seconds (from the JSON) and the process's wall time; then the median, min and
# max of each, and the median per phase. Then `openssl s_time -new` for 5 s from the same namespace, and its
# wall per connection (the command's wall time over its connections).
set -euo pipefail
bin=${1:-build/vpnprobe}
n=${2:-30}
run=${VPNPROBE_LAB_RUN:-/work/lab-run}
# shellcheck disable=SC1091
source "$run/sstp-lab.env"
addr=$SSTP_RSA_ADDR
ns=$VANTAGE_CLEAN
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for i in $(seq 1 "$n"); do
    start=$(date +%s%N)
    "$bin" sstp "$addr" --netns "$ns" --sni vpn.test --ca "$LAB_CA" --format json >"$tmp/$i.json" || true
    end=$(date +%s%N)
    echo $(((end - start) / 1000)) >>"$tmp/process_us"
done

python3 - "$tmp" "$n" <<'EOF'
import json, statistics, sys
tmp, n = sys.argv[1], int(sys.argv[2])
totals, phases, ok = [], {}, 0
for i in range(1, n + 1):
    r = json.load(open(f"{tmp}/{i}.json"))
    r = r[0] if isinstance(r, list) else r
    r = r.get("result", r)
    ok += bool(r.get("success"))
    totals.append(r["total_seconds"] * 1000)
    for p in r["phases"]:
        phases.setdefault(p["name"], []).append(p["seconds"] * 1000)
proc = [int(x) / 1000 for x in open(f"{tmp}/process_us")]
def line(name, xs):
    print(f"{name:>22}: median {statistics.median(xs):8.1f} ms  min {min(xs):8.1f}  max {max(xs):8.1f}")
print(f"{n} probes, {ok} successful")
line("probe total_seconds", totals)
line("process wall", proc)
for name, xs in phases.items():
    line("phase " + name, xs)
EOF

# s_time prints its real time in whole seconds: the wall per connection is measured around it instead.
echo "openssl s_time -new -connect $addr:443 -CAfile LAB_CA -time 5 (from $ns):"
start=$(date +%s%N)
out=$(ip netns exec "$ns" openssl s_time -new -connect "$addr:443" -CAfile "$LAB_CA" -time 5 2>/dev/null)
end=$(date +%s%N)
echo "$out" | grep -E 'connections in' || true
conns=$(echo "$out" | sed -n 's/^\([0-9]*\) connections in [0-9.]*s;.*/\1/p')
if [ -n "$conns" ] && [ "$conns" -gt 0 ]; then
    awk -v us=$(((end - start) / 1000)) -v n="$conns" \
        'BEGIN { printf "%22s: %.2f ms wall per connection (%d connections in %.2f s)\n", "s_time", us / 1000 / n, n, us / 1e6 }'
fi
