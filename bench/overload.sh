#!/usr/bin/env bash
# Our own overload, counted: `vpnprobe run` at a huge --parallel against the lab's healthy SSTP (SoftEther) and
# IKEv2 (strongSwan) servers, from inside the lab's clean vantage namespace, and how each row ended: passed,
# "could not probe" because our own event loop ran late (probe.overload), a timeout reported as the server's
# (a *_timeout finding or Windows error 809), or another failure; with the run's event-loop record (worst lag,
# admission held). The lag guard's promise: no row in the "server timeout" column that the servers did not
# cause. Measures, asserts nothing (the counts depend on the machine's speed); exits non-zero only when it
# cannot run. bench/README.md has the figures and the commands.
#
# usage: bench/overload.sh [LAB_RUN_DIR]   (default /work/lab-run)
#   env: VPNPROBE (binary), ROWS (default 2400: half SSTP, half IKEv2 SA_INIT-only), PARALLEL (default 1024),
#        TIMEOUT (each probe's, default 5 s)
set -euo pipefail

die() { echo "overload.sh: $*" >&2; exit 1; }
case ${1:-} in -h | --help) sed -n '2,12p' "$0"; exit 0 ;; esac
[ $# -le 1 ] || die "one argument at most: the lab's run directory"
LAB_RUN=${1:-/work/lab-run}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
ROWS=${ROWS:-2400}
PARALLEL=${PARALLEL:-1024}
TIMEOUT=${TIMEOUT:-5}
for v in ROWS PARALLEL TIMEOUT; do [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, not '${!v}'"; done

[ "$(id -u)" -eq 0 ] || die "needs root (the vantage namespace)"
for f in sstp-lab.env ike-lab.env; do [ -r "$LAB_RUN/$f" ] || die "the lab is not up in $LAB_RUN (no $f)"; done
env_of() { # KEY from the lab's env files (never sourced: they are data)
  local v
  v=$(sed -n "s/^$1=//p" "$LAB_RUN/sstp-lab.env" "$LAB_RUN/ike-lab.env" | head -n 1)
  [ -n "$v" ] || die "the lab's env files have no $1"
  printf '%s' "$v"
}
NS=$(env_of VANTAGE_CLEAN)
[ -e "/run/netns/$NS" ] || die "no network namespace $NS"
# Lab traffic must never leave from this shell's own namespace.
HOME_NET=$(stat -L -c %i /proc/self/ns/net)
VANTAGE_NET=$(ip netns exec "$NS" stat -L -c %i /proc/self/ns/net)
[ -n "$HOME_NET" ] && [ "$HOME_NET" != "$VANTAGE_NET" ] || die "$NS is this shell's own network namespace"

VPNPROBE=${VPNPROBE:-$REPO/build/vpnprobe}
[ -x "$VPNPROBE" ] || die "no vpnprobe binary at $VPNPROBE (build it, or set VPNPROBE=PATH)"
command -v python3 >/dev/null || die "python3 missing"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# One target per row (the same two servers under many names): rows run in parallel, a row's --count would not.
python3 - "$WORK/overload.yaml" "$ROWS" "$TIMEOUT" "$NS" "$(env_of SSTP_RSA_ADDR)" "$(env_of SSTP_SNI)" \
  "$(env_of LAB_CA)" "$(env_of IKE_FRAG_ADDR)" "$(env_of IKE_SERVER_ID)" "$(env_of IKE_CA)" <<'EOF'
import sys
path, rows, timeout, ns, sstp, sni, ca, ike, ike_id, ike_ca = sys.argv[1:]
rows = int(rows)
n_sstp, n_ike = (rows + 1) // 2, rows // 2
with open(path, "w") as f:
    f.write(f"version: 1\nname: overload\nvantage_points: [{{name: clean, netns: {ns}}}]\ntargets:\n")
    for i in range(n_sstp):
        f.write(f"  - {{name: sstp{i}, host: {sstp}, sni: {sni}, ca: {ca}}}\n")
    for i in range(n_ike):
        f.write(f"  - {{name: ike{i}, host: {ike}, sni: {ike_id}, ca: {ike_ca}}}\n")
    f.write("probes:\n")
    if n_sstp:
        f.write(f"  - {{name: sstp, type: sstp, timeout: {timeout}, targets: [{', '.join(f'sstp{i}' for i in range(n_sstp))}]}}\n")
    if n_ike:
        f.write(f"  - {{name: ikev2, type: ikev2, timeout: {timeout}, options: {{sa_init_only: true, preset: modern}}, "
                f"targets: [{', '.join(f'ike{i}' for i in range(n_ike))}]}}\n")
EOF

echo "vpnprobe run overload.yaml --parallel $PARALLEL ($ROWS rows, timeout $TIMEOUT s) with $VPNPROBE; load $(cut -d' ' -f1-3 /proc/loadavg)"
set +e
/usr/bin/time -f '%e s wall, %U s user, %S s sys, %M KiB max RSS' -o "$WORK/time" \
  "$VPNPROBE" run "$WORK/overload.yaml" --parallel "$PARALLEL" --format json >"$WORK/report.json" 2>"$WORK/stderr"
rc=$?
set -e
[ -s "$WORK/report.json" ] || { cat "$WORK/stderr" >&2; die "no report (exit $rc)"; }
echo "exit $rc; $(cat "$WORK/time")"
python3 - "$WORK/report.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
counts = {}
def bucket(row):
    if row["passed"]:
        return "passed"
    checks = [f["check"] for f in row["result"].get("findings", [])]
    wins = [f.get("windows_error", "") for f in row["result"].get("findings", [])]
    if "probe.overload" in checks:
        return "could not probe: overload"
    if row["harness_error"]:
        return "could not probe: other"
    if any(c.endswith("_timeout") for c in checks) or any("809" in w for w in wins):
        return "server timeout (809) in " + row["failed_phase"]
    return "other failure"
for row in r["rows"]:
    key = (row["type"], bucket(row))
    counts[key] = counts.get(key, 0) + 1
print(f"{'type':6}  {'outcome':40}  rows")
for (t, b), n in sorted(counts.items()):
    print(f"{t:6}  {b:40}  {n}")
loop = r.get("event_loop")
if loop:
    print("event loop: worst lag %.0f ms (overload bound %.0f ms, admission %.0f ms); admission held %.1f s, "
          "%d probes waited, %d started alone; %d rows overloaded, %d timed under lag"
          % (loop["worst_lag_ms"], loop["overload_lag_ms"], loop["admission_lag_ms"], loop["admission_held_seconds"],
             loop["admission_waits"], loop["admission_started_alone"], loop["rows_overloaded"], loop["rows_timed_under_lag"]))
else:
    print("event loop: not reported by this binary (no lag guard)")
print("peak in flight %d, total %.1f s" % (r["peak_in_flight"], r["total_seconds"]))
EOF
