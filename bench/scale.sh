#!/usr/bin/env bash
# 1,000 targets x 1 vantage point, mixed SSTP and IKEv2, against many lab addresses: wall, CPU, peak RSS and
# memory per in-flight probe of one `vpnprobe run`, and its verdicts (every row must pass; a failure is
# printed with its reason). Prints figures, asserts nothing.
#
# usage: bench/scale.sh [LAB_RUN_DIR]            (root; lab up; default /work/lab-run)
#        bench/scale.sh cleanup [LAB_RUN_DIR]    (removes what an interrupted run left, e.g. after SIGKILL)
#
# It changes the shared lab only additively and undoes it on exit (trap): it neither restarts nor
# reconfigures a lab server.
#   - SSTP: SSTP_N addresses 10.99.200.1 ... (250 per /24: .200, .201, ...) on the SoftEther `rsa` namespace's
#     eth0, routed by the lab router to SSTP_RSA_ADDR. SoftEther listens on every address of its namespace.
#   - IKEv2: a strongSwan of its own, profile `bench` of lab/strongswan/instance.sh (frag's settings, no
#     cookies, no blocking: see bench/README.md), in a server namespace of its own (${P}bench-ike, 10.99.240.2,
#     made with lab/netns.sh add-server), with SA_N + FULL_N addresses 10.99.210.1 ... on its eth0.
#   - The vantage: the clean one (VANTAGE_CLEAN), from a source address of the bench's own (BENCH_SOURCE,
#     default 10.99.1.250, added to its eth0), so that the servers' per-address state (SoftEther's DoS list,
#     charon's half-open count) never counts against the address the tests use.
# Every probe runs from inside the vantage namespace: the scenario's vantage point names it, and the process
# itself runs under `ip netns exec` of it as well (never a probe from the root namespace).
#
# The scenario: SSTP_N SSTP probes (default 500: `ca:` the lab CA, SNI vpn.test), SA_N IKEv2 SA_INIT-only
# and FULL_N full IKEv2 probes (default 250 each: preset modern, `ca:` the IKE CA; full = IKE_SA_INIT,
# IKE_AUTH with the server's certificate in IKE fragments, Delete), one target (address) each, in groups of
# GROUP rows per probe, the kinds taking turns (so the run is mixed from start to end, not one kind after the
# other), `--parallel PARALLEL` (default 64, the runner's default).
#
# Figures: wall, user+sys CPU and CPU utilisation (CPU / wall: 2.0 = both cores busy) of the process; peak RSS
# (the kernel's high-water mark); peak in flight (the runner's `peak_in_flight`) and the most sockets the
# process held at once (sampled from /proc); and with BASELINE=1 (default) a second run of the same scenario
# with --parallel 1, so that memory per in-flight probe = (peak RSS - peak RSS at parallel 1) / (peak in
# flight - 1): the run's fixed cost (binary, trust stores, the scenario, the 1,000 results kept for the
# report) is in both runs and drops out.
# env: VPNPROBE (default build/vpnprobe), SSTP_N, SA_N, FULL_N, GROUP (25), PARALLEL, THREADS (adds
#      --threads N when set), BASELINE (1), BENCH_SOURCE, KEEP (1: keep the scenario and reports, print where),
#      WRAP (a command the vpnprobe process runs under, inside the namespace: e.g. WRAP="strace -f -c -o FILE";
#      its figures are then the wrapper's and the binary's together)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
ACTION=run
if [ "${1:-}" = cleanup ]; then ACTION=cleanup; shift; fi
RUN=${1:-/work/lab-run}
log() { echo "scale: $*" >&2; }
die() { log "$*"; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (addresses in the lab's namespaces)"
[ -r "$RUN/sstp-lab.env" ] && [ -r "$RUN/ike-lab.env" ] || die "no lab env files in $RUN (is the lab up?)"
# shellcheck disable=SC1091
. "$RUN/sstp-lab.env"
SSTP_CA=$LAB_CA
# shellcheck disable=SC1091
. "$RUN/ike-lab.env"
P=$LAB_PREFIX
[ -n "$P" ] || die "LAB_PREFIX is empty in the env files"
BIN=${VPNPROBE:-$REPO/build/vpnprobe}
SSTP_N=${SSTP_N:-500} SA_N=${SA_N:-250} FULL_N=${FULL_N:-250} GROUP=${GROUP:-25} PARALLEL=${PARALLEL:-64}
BASELINE=${BASELINE:-1} SOURCE=${BENCH_SOURCE:-10.99.1.250}
IKE_NS=${P}bench-ike IKE_INDEX=240 IKE_ADDR=10.99.240.2
SSTP_NET=200 IKE_NET=210   # first /24 of each block: 10.99.SSTP_NET.0/24, ... (250 addresses per /24)
ROUTER=$LAB_ROUTER

have_ns() { [ -e "/var/run/netns/$1" ]; }
nets() { local first=$1 n=$2 i; for ((i = 0; i < (n + 249) / 250; i++)); do echo "10.99.$((first + i)).0/24"; done; }
addr_of() { echo "10.99.$(($1 + $2 / 250)).$(($2 % 250 + 1))"; }   # first net, index
for ns in "$VANTAGE_CLEAN" "$SSTP_RSA_NETNS" "$ROUTER"; do have_ns "$ns" || die "no namespace $ns: is the lab up?"; done
# The process runs inside the vantage namespace: never in the root one, whose routes lead to the uplink.
[ "$(stat -L -c %i "/var/run/netns/$VANTAGE_CLEAN")" != "$(stat -L -c %i /proc/self/ns/net)" ] ||
  die "this shell is in $VANTAGE_CLEAN itself; run from the root namespace (probes still run in $VANTAGE_CLEAN)"

BENCH_DIR=/tmp/vpnprobe-scale   # short: charon's VICI socket path must stay under 108 bytes
STATE=$BENCH_DIR/added          # what the setup added, one `ns address|route` per line, undone by cleanup

# Undoes everything the setup recorded (and the charon and namespace of our own), whatever state it is in.
cleanup() {
  set +e
  if [ -f "$BENCH_DIR/ike/charon.pid" ]; then
    "$REPO/lab/strongswan/instance.sh" stop bench-ike "$IKE_NS" "$BENCH_DIR/ike" >/dev/null 2>&1
  fi
  if [ -f "$STATE" ]; then
    local kind ns what
    # (last added first: addresses before the routes to them, the namespace last)
    tac "$STATE" | while read -r kind ns what; do
      case $kind in
        addr) ip -n "$ns" addr del "$what" dev eth0 2>/dev/null ;;
        route) ip -n "$ns" route del "$what" 2>/dev/null ;;
        netns) LAB_PREFIX=$P LAB_RUN=$RUN "$REPO/lab/netns.sh" del-server "${ns#"$P"}" >/dev/null 2>&1 ;;
      esac
    done
    rm -f "$STATE"
  fi
  [ -n "${KEEP:-}" ] || rm -rf "$BENCH_DIR"
}
if [ $ACTION = cleanup ]; then cleanup; log "cleaned up"; exit 0; fi

[ ! -e "$STATE" ] || die "$STATE exists: a run is going on or was interrupted ($0 cleanup $RUN removes what it added)"
[ -x "$BIN" ] || die "no vpnprobe binary at $BIN (VPNPROBE=...)"
! have_ns "$IKE_NS" || die "namespace $IKE_NS exists already (another run? $0 cleanup $RUN)"
for net in $(nets $SSTP_NET "$SSTP_N") $(nets $IKE_NET $((SA_N + FULL_N))); do
  [ -z "$(ip -n "$ROUTER" route show "$net")" ] || die "the lab router already routes $net: not ours to use"
done
! ip -n "$VANTAGE_CLEAN" -4 addr show | grep -q "inet $SOURCE/" || die "$SOURCE is already on $VANTAGE_CLEAN"

rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR"
: >"$STATE"
trap 'cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
record() { echo "$*" >>"$STATE"; }

# add_block NS FIRST_NET N GATEWAY: N /32 addresses on NS's eth0 and the router's routes to their /24s
add_block() {
  local ns=$1 first=$2 n=$3 gw=$4 i net
  [ "$n" -gt 0 ] || return 0
  for net in $(nets "$first" "$n"); do
    record route "$ROUTER" "$net"
    ip -n "$ROUTER" route add "$net" via "$gw"
  done
  for ((i = 0; i < n; i++)); do record addr "$ns" "$(addr_of "$first" "$i")/32"; done
  for ((i = 0; i < n; i++)); do echo "addr add $(addr_of "$first" "$i")/32 dev eth0"; done | ip -n "$ns" -batch -
}

t0=$(date +%s%3N)
record addr "$VANTAGE_CLEAN" "$SOURCE/24"
ip -n "$VANTAGE_CLEAN" addr add "$SOURCE/24" dev eth0
add_block "$SSTP_RSA_NETNS" $SSTP_NET "$SSTP_N" "$SSTP_RSA_ADDR"
if [ $((SA_N + FULL_N)) -gt 0 ]; then
  record netns "$IKE_NS" -
  LAB_PREFIX=$P LAB_RUN=$RUN "$REPO/lab/netns.sh" add-server "${IKE_NS#"$P"}" $IKE_INDEX
  "$REPO/lab/strongswan/instance.sh" start bench-ike "$IKE_NS" "$BENCH_DIR/ike" --profile bench \
    --pki "$(dirname "$IKE_CA")" --secrets "$IKE_SECRETS"
  add_block "$IKE_NS" $IKE_NET $((SA_N + FULL_N)) "$IKE_ADDR"
fi
log "set up in $(( $(date +%s%3N) - t0 )) ms: $SSTP_N SSTP addresses in $SSTP_RSA_NETNS, $((SA_N + FULL_N)) IKEv2 addresses in $IKE_NS, source $SOURCE in $VANTAGE_CLEAN"

# ---- the scenario ---------------------------------------------------------------------------------------
SCEN=$BENCH_DIR/scale.yaml
python3 - "$SCEN" <<EOF
import sys
sstp_n, sa_n, full_n, group = $SSTP_N, $SA_N, $FULL_N, $GROUP
def addr(first, i): return f"10.99.{first + i // 250}.{i % 250 + 1}"
targets, groups = [], {"sstp": [], "sa": [], "full": []}
for kind, n, first, off, ca in (("sstp", sstp_n, $SSTP_NET, 0, "$SSTP_CA"), ("sa", sa_n, $IKE_NET, 0, "$IKE_CA"),
                                ("full", full_n, $IKE_NET, sa_n, "$IKE_CA")):
    names = []
    for i in range(n):
        names.append(f"{kind}{i}")
        targets.append(f"  - {{name: {kind}{i}, host: {addr(first, off + i)}, sni: vpn.test, ca: {ca}}}")
    groups[kind] = [names[j:j + group] for j in range(0, n, group)]
options = {"sstp": "", "sa": ", options: {preset: modern, sa_init_only: true}", "full": ", options: {preset: modern}"}
kind_type = {"sstp": "sstp", "sa": "ikev2", "full": "ikev2"}
probes = []
# The kinds take turns group by group (sstp, sa, sstp, full, ...: SSTP is half of the rows).
order = []
while any(groups.values()):
    for kind in ("sstp", "sa", "sstp", "full"):
        if groups[kind]:
            order.append((kind, groups[kind].pop(0)))
for i, (kind, names) in enumerate(order):
    probes.append(f"  - {{name: {kind}-{i}, type: {kind_type[kind]}, targets: [{', '.join(names)}]{options[kind]}}}")
with open(sys.argv[1], "w") as f:
    f.write("version: 1\nname: scale\nparallel: $PARALLEL\n")
    f.write("vantage_points: [{name: clean, netns: $VANTAGE_CLEAN, source: $SOURCE}]\n")
    f.write("targets:\n" + "\n".join(targets) + "\nprobes:\n" + "\n".join(probes) + "\n")
EOF

# ---- runs -----------------------------------------------------------------------------------------------
threads=()
[ -z "${THREADS:-}" ] || threads=(--threads "$THREADS")
# CPU seconds (user+sys, all threads) of every process in a namespace: the servers' share of the cores
ns_cpu() {
  local pid sum=0 hz
  hz=$(getconf CLK_TCK)
  for pid in $(ip netns pids "$1" 2>/dev/null); do
    sum=$((sum + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  awk -v t="$sum" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }'
}
measure() {  # name parallel -> $BENCH_DIR/NAME.json (report), NAME.measure (figures), NAME.servers
  local s0 i0 s1 i1
  s0=$(ns_cpu "$SSTP_RSA_NETNS") i0=$(ns_cpu "$IKE_NS")
  # shellcheck disable=SC2086  # WRAP is a command with its arguments: split on purpose
  python3 "$HERE/scale_measure.py" "$BENCH_DIR/$1.json" ip netns exec "$VANTAGE_CLEAN" \
    ${WRAP:-} "$BIN" run "$SCEN" --format json --parallel "$2" "${threads[@]}" >"$BENCH_DIR/$1.measure"
  s1=$(ns_cpu "$SSTP_RSA_NETNS") i1=$(ns_cpu "$IKE_NS")
  awk -v a="$s0" -v b="$s1" -v c="$i0" -v d="$i1" 'BEGIN { printf "{\"softether_cpu_s\": %.2f, \"charon_cpu_s\": %.2f}\n", b - a, d - c }' \
    >"$BENCH_DIR/$1.servers"
}
log "run: $((SSTP_N + SA_N + FULL_N)) rows, --parallel $PARALLEL${THREADS:+ --threads $THREADS}, $BIN"
measure main "$PARALLEL"
if [ "$BASELINE" = 1 ]; then
  log "baseline: the same scenario with --parallel 1"
  measure baseline 1
fi

python3 - "$BENCH_DIR" "$BASELINE" "$SSTP_N" "$SA_N" "$FULL_N" <<'EOF'
import collections, json, os, sys
d, baseline = sys.argv[1], sys.argv[2] == "1"
m = json.load(open(f"{d}/main.measure"))
rep = json.load(open(f"{d}/main.json"))
cpu = m["user_s"] + m["sys_s"]
print(f"rows: {rep['rows_total']} (SSTP {sys.argv[3]}, IKEv2 SA_INIT-only {sys.argv[4]}, IKEv2 full {sys.argv[5]}); "
      f"exit {m['exit']}")
print(f"wall: {m['wall_s']:.2f} s (process); the run's own total_seconds: {rep['total_seconds']:.2f} s")
print(f"CPU: user {m['user_s']:.2f} s + sys {m['sys_s']:.2f} s = {cpu:.2f} s; utilisation {cpu / m['wall_s']:.2f} "
      f"cores (of {os.cpu_count()}); {cpu * 1000 / rep['rows_total']:.2f} ms CPU per probe; "
      f"peak threads {m['peak_threads']}; waited for a CPU (runnable): {m['runqueue_wait_s']:.2f} s")
srv = json.load(open(f"{d}/main.servers"))
print(f"servers' CPU meanwhile (same 2 cores): SoftEther {srv['softether_cpu_s']:.2f} s, the bench's charon "
      f"{srv['charon_cpu_s']:.2f} s; client + servers {cpu + srv['softether_cpu_s'] + srv['charon_cpu_s']:.2f} s "
      f"= {(cpu + srv['softether_cpu_s'] + srv['charon_cpu_s']) / m['wall_s']:.2f} cores")
print(f"peak RSS: {m['maxrss_kib'] / 1024:.1f} MiB; peak in flight {rep['peak_in_flight']} "
      f"(most sockets held at once, sampled: {m['peak_sockets']})")
if baseline:
    b = json.load(open(f"{d}/baseline.measure"))
    inflight = rep["peak_in_flight"]
    per = (m["maxrss_kib"] - b["maxrss_kib"]) / max(inflight - 1, 1)
    print(f"baseline (--parallel 1): peak RSS {b['maxrss_kib'] / 1024:.1f} MiB, wall {b['wall_s']:.2f} s, "
          f"CPU {b['user_s'] + b['sys_s']:.2f} s, exit {b['exit']}")
    print(f"RSS per in-flight probe: ({m['maxrss_kib']} - {b['maxrss_kib']}) KiB / ({inflight} - 1) = {per:.1f} KiB")
    if inflight * 2 < rep["rows_total"]:
        print("  (read with care: with fewer in flight than half the rows, the finished rows' results, kept for the "
              "report, make both peaks; run one kind with PARALLEL = its rows for the figure per in-flight probe)")
counts = collections.Counter()
failed = []
for r in rep["rows"]:
    kind = r["probe"].split("-")[0]
    counts[(kind, "pass" if r["passed"] else "harness" if r.get("harness_error") else "fail")] += 1
    if not r["passed"]:
        failed.append(r)
for kind in ("sstp", "sa", "full"):
    print(f"verdicts {kind:4}: " + ", ".join(f"{v} {counts[(kind, v)]}" for v in ("pass", "fail", "harness")))
reasons = collections.Counter()
for r in failed:
    res = r.get("result", {})
    detail = r.get("harness_reason") or next((e.get("detail") for e in r.get("expectations", []) if not e.get("held")), "")
    phase = r.get("failed_phase") or ""
    ph = next((p for p in res.get("phases", []) if p.get("name") == phase), {})
    reasons[(r["probe"].split("-")[0], phase, ph.get("outcome", ""), ph.get("detail", detail) or "")] += 1
for (kind, phase, outcome, why), n in reasons.most_common():
    print(f"FAILED {n} x {kind}: phase {phase} {outcome}: {why}")
if not failed:
    print("every row passed")
EOF
if [ -n "${KEEP:-}" ]; then log "kept: $BENCH_DIR (scenario, reports)"; fi
