#!/usr/bin/env bash
# vpnprobe beside the anchors (openssl s_time, blackbox_exporter's TLS module, nmap's sstp-discover, ike-scan)
# against the same lab targets in one run, alternating, from inside the lab's clean vantage namespace; prints
# the median wall and CPU per operation and the ratios (bench/README.md, "Compared with the anchors").
# Measures, asserts nothing; exits non-zero only when it cannot run (no lab, no tool, bad argument).
set -euo pipefail

usage() {
  echo "usage: bench/compare.sh [LAB_RUN_DIR]   (default /work/lab-run; env: VPNPROBE ROUNDS PER_SAMPLE RUN_COUNT STIME_SECONDS)"
}
die() { echo "compare.sh: $*" >&2; exit 1; }

case ${1:-} in -h | --help) usage; exit 0 ;; esac
[ $# -le 1 ] || { usage >&2; exit 2; }
LAB_RUN=${1:-/work/lab-run}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")

ROUNDS=${ROUNDS:-5}               # samples per row; tools take turns within each round
PER_SAMPLE=${PER_SAMPLE:-10}      # processes per sample for the one-process-per-probe rows
RUN_COUNT=${RUN_COUNT:-20}        # probes per `vpnprobe run --count` sample and per blackbox sample
STIME_SECONDS=${STIME_SECONDS:-2} # length of one openssl s_time sample
for v in ROUNDS PER_SAMPLE RUN_COUNT STIME_SECONDS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, not '${!v}'"
done

# ---- the lab ---------------------------------------------------------------------------------------------
not_up() {
  die "the lab is not up in $LAB_RUN ($*). Bring it up (root, from the repository):
  LAB_PREFIX=vp- LAB_RUN=$LAB_RUN lab/sstp-lab.sh up && LAB_PREFIX=vp- LAB_RUN=$LAB_RUN lab/ike-lab.sh up"
}
[ "$(id -u)" -eq 0 ] || die "needs root (ip netns exec)"
for f in sstp-lab.env ike-lab.env; do [ -r "$LAB_RUN/$f" ] || not_up "no $f"; done
env_of() { # KEY from the lab's env files (never sourced: they are data)
  local v
  v=$(sed -n "s/^$1=//p" "$LAB_RUN/sstp-lab.env" "$LAB_RUN/ike-lab.env" | head -n 1)
  [ -n "$v" ] || not_up "its env files have no $1"
  printf '%s' "$v"
}
NS=$(env_of VANTAGE_CLEAN)
SSTP_ADDR=$(env_of SSTP_RSA_ADDR) # the healthy SoftEther server (valid RSA certificate, fixed binary)
SSTP_PORT=$(env_of SSTP_PORT)
SSTP_SNI=$(env_of SSTP_SNI)
SSTP_CA=$(env_of LAB_CA)
IKE_ADDR=$(env_of IKE_WEAK_ADDR) # strongSwan, RRAS-like: accepts what ike-scan and Windows offer (DH 2)
IKE_CA=$(env_of IKE_CA)
IKE_ID=$(env_of IKE_SERVER_ID)
[ -e "/run/netns/$NS" ] || not_up "no network namespace $NS"
in_ns() { ip netns exec "$NS" "$@"; }
# This shell's network namespace (the root one, as a rule) must differ from the vantage's: lab traffic
# must never leave from it. Both ids are read, or the script stops.
HOME_NET=$(stat -L -c %i /proc/self/ns/net) || die "cannot read this shell's network namespace"
VANTAGE_NET=$(in_ns stat -L -c %i /proc/self/ns/net) || die "cannot read the network namespace of $NS"
if [ -z "$HOME_NET" ] || [ "$HOME_NET" = "$VANTAGE_NET" ]; then die "$NS is this shell's own network namespace"; fi
in_ns timeout 3 bash -c "exec 3<>/dev/tcp/$SSTP_ADDR/$SSTP_PORT" 2>/dev/null ||
  not_up "nothing answers on $SSTP_ADDR:$SSTP_PORT from $NS"

# ---- the tools -------------------------------------------------------------------------------------------
VPNPROBE=${VPNPROBE:-}
if [ -z "$VPNPROBE" ]; then
  for b in "$REPO/build-release/vpnprobe" "$REPO/build/vpnprobe"; do
    [ -x "$b" ] && { VPNPROBE=$b; break; }
  done
fi
if [ -z "$VPNPROBE" ] || [ ! -x "$VPNPROBE" ]; then
  die "no vpnprobe binary (build it: cmake --build build --target vpnprobe, or set VPNPROBE=PATH)"
fi
command -v openssl >/dev/null || die "openssl missing (apt-get install openssl)"
command -v python3 >/dev/null || die "python3 missing (apt-get install python3)"
missing=()
have() { command -v "$1" >/dev/null || { missing+=("$2"); return 1; }; }
have_ike_scan=false; have ike-scan ike-scan && have_ike_scan=true
have_nmap=false; have nmap nmap && [ -r /usr/share/nmap/scripts/sstp-discover.nse ] && have_nmap=true
have_blackbox=false; have prometheus-blackbox-exporter prometheus-blackbox-exporter && have_blackbox=true
[ ${#missing[@]} -eq 0 ] || echo "compare.sh: skipping the rows of: ${missing[*]} (apt-get install ${missing[*]})" >&2

WORK=$(mktemp -d)
export VPNPROBE ROUNDS PER_SAMPLE RUN_COUNT STIME_SECONDS SSTP_ADDR SSTP_PORT SSTP_SNI SSTP_CA IKE_ADDR IKE_CA IKE_ID \
  WORK BLACKBOX_PORT HOME_NET
BLACKBOX_PID=""
cleanup() {
  [ -z "$BLACKBOX_PID" ] || kill "$BLACKBOX_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Scenarios for `vpnprobe run --count` (the same targets, the same vantage namespace).
cat >"$WORK/sstp.yaml" <<EOF
vantage_points: [{name: clean, netns: $NS}]
targets: [{name: sstp, host: $SSTP_ADDR, sni: $SSTP_SNI, ca: $SSTP_CA, ports: {sstp: $SSTP_PORT}}]
probes: [{type: sstp, timeout: 5}]
EOF
cat >"$WORK/ike.yaml" <<EOF
vantage_points: [{name: clean, netns: $NS}]
targets: [{name: ike, host: $IKE_ADDR, sni: $IKE_ID, ca: $IKE_CA}]
probes: [{type: ikev2, timeout: 5, options: {sa_init_only: true}}]
EOF

# blackbox_exporter: a daemon of our own inside the vantage namespace, on its loopback; module tcp + tls.
BLACKBOX_PORT=19115
if $have_blackbox; then
  cat >"$WORK/blackbox.yml" <<EOF
modules:
  tls_vpn:
    prober: tcp
    timeout: 5s
    tcp:
      tls: true
      tls_config: {ca_file: $SSTP_CA, server_name: $SSTP_SNI}
EOF
  # (ip netns exec directly, not the in_ns function: $! must be the exporter itself, for the kill at exit)
  ip netns exec "$NS" prometheus-blackbox-exporter --config.file="$WORK/blackbox.yml" \
    --web.listen-address="127.0.0.1:$BLACKBOX_PORT" >"$WORK/blackbox.log" 2>&1 &
  BLACKBOX_PID=$!
  for _ in $(seq 50); do
    in_ns timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$BLACKBOX_PORT" 2>/dev/null && break
    sleep 0.1
  done
  kill -0 "$BLACKBOX_PID" 2>/dev/null || die "blackbox_exporter did not start: $(cat "$WORK/blackbox.log")"
fi

# The settings for compare_measure.py, as JSON (through the environment: no quoting of paths into code).
C_BLACKBOX_PID=$BLACKBOX_PID C_NMAP=$have_nmap C_IKE_SCAN=$have_ike_scan python3 - "$WORK/config.json" <<'EOF'
import json, os, sys
e = os.environ
json.dump({
    "vpnprobe": e["VPNPROBE"], "rounds": int(e["ROUNDS"]), "per_sample": int(e["PER_SAMPLE"]),
    "run_count": int(e["RUN_COUNT"]), "stime_seconds": int(e["STIME_SECONDS"]),
    "sstp_addr": e["SSTP_ADDR"], "sstp_port": int(e["SSTP_PORT"]), "sstp_sni": e["SSTP_SNI"],
    "sstp_ca": e["SSTP_CA"], "ike_addr": e["IKE_ADDR"], "ike_ca": e["IKE_CA"], "ike_id": e["IKE_ID"],
    "sstp_scenario": e["WORK"] + "/sstp.yaml", "ike_scenario": e["WORK"] + "/ike.yaml",
    "blackbox_pid": int(e["C_BLACKBOX_PID"]) if e["C_BLACKBOX_PID"] else None,
    "blackbox_port": int(e["BLACKBOX_PORT"]), "nmap": e["C_NMAP"] == "true",
    "ike_scan": e["C_IKE_SCAN"] == "true", "home_net": int(e["HOME_NET"])}, open(sys.argv[1], "w"))
EOF

echo "vpnprobe: $VPNPROBE; vantage $NS; SSTP $SSTP_ADDR:$SSTP_PORT (SoftEther, rsa); IKEv2 $IKE_ADDR (strongSwan, weak)"
echo "rounds $ROUNDS, $PER_SAMPLE processes per sample, --count $RUN_COUNT, s_time -time $STIME_SECONDS; load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
in_ns python3 "$HERE/compare_measure.py" "$WORK/config.json"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
