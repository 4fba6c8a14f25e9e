#!/usr/bin/env bash
# IKEv2 probe wall time against the lab's libreswan (which never answers our INFORMATIONAL Delete), from inside
# the lab's clean vantage namespace. Prints figures, asserts nothing.
#
#   bench/ikev2_delete_wall.sh [VPNPROBE_BINARY] [N]
#
# For each of N probes (`vpnprobe ikev2 LIBRESWAN_ADDR --preset modern --netns VANTAGE --name vpn.test --ca
# IKE_CA --format json`): total_seconds and the delete phase's seconds and outcome from the JSON; then medians.
set -euo pipefail
bin=${1:-build/vpnprobe}
n=${2:-10}
run=${VPNPROBE_LAB_RUN:-/work/lab-run}
# shellcheck disable=SC1091
source "$run/ike-lab.env"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in $(seq 1 "$n"); do
    "$bin" ikev2 "$LIBRESWAN_ADDR" --preset modern --netns "$VANTAGE_CLEAN" --name vpn.test --ca "$IKE_CA" \
        --format json >"$tmp/$i.json" || true
done
python3 - "$tmp" "$n" <<'PY'
import json, statistics, sys
tmp, n = sys.argv[1], int(sys.argv[2])
totals, deletes, outcomes, failed = [], [], {}, []
for i in range(1, n + 1):
    r = json.load(open(f"{tmp}/{i}.json"))
    r = r[0] if isinstance(r, list) else r
    r = r.get("result", r)
    totals.append(r["total_seconds"] * 1000)
    failed.append(r.get("failed_phase", ""))
    for p in r["phases"]:
        if p["name"] == "delete":
            deletes.append(p["seconds"] * 1000)
            outcomes[p["outcome"]] = outcomes.get(p["outcome"], 0) + 1
print(f"{n} probes; failed phases: {sorted(set(failed))}; delete outcomes: {outcomes}")
print(f"  probe total_seconds: median {statistics.median(totals):8.1f} ms  min {min(totals):8.1f}  max {max(totals):8.1f}")
if deletes:
    print(f"  phase delete:        median {statistics.median(deletes):8.1f} ms  min {min(deletes):8.1f}  max {max(deletes):8.1f}")
PY
