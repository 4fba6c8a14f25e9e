#!/usr/bin/env bash
# "UDP 500 and UDP 4500 reach different servers": two strongSwan backends behind a load-balancer
# namespace that spreads IKE by port, as a badly configured L4 load balancer (or a pair of port
# forwards to two boxes) does.
#
#   client --> LB_NS:500  --DNAT+masquerade--> A_NS:500    backend A (instance.sh profile lb)
#   client --> LB_NS:4500 --DNAT+masquerade--> B_NS:4500   backend B (same profile, knows nothing of A)
#
# IKE_SA_INIT (port 500) is answered by A. A sees the LB's address as the peer and its own address as
# the destination, so the NAT_DETECTION hashes it returns do not match what the client sent to: the
# client sees a NAT and moves to port 4500 for IKE_AUTH (RFC 7296 2.23), which lands on B. B has no
# IKE_SA with those SPIs and stays silent (strongSwan ignores unknown SPIs; see B's log). IPv4 and IPv6.
# The masquerade makes replies come back through the LB, as a real LB's would (the backends'
# namespaces route to the lab through the router, not through the LB).
#
# usage: lb.sh start DIR LB_NS A_NS B_NS [--pki PKIDIR] [--secrets FILE]
#        lb.sh stop  DIR
#   DIR/a, DIR/b: the backends' instance directories; DIR/lb.env: the namespaces (for stop).
#   The three namespaces must exist (netns.sh add-server); addresses are read from their eth0.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage() { echo "usage: $0 start DIR LB_NS A_NS B_NS [--pki PKIDIR] [--secrets FILE] | stop DIR" >&2; exit 2; }
log() { echo "lb: $*" >&2; }
die() { log "$*"; exit 1; }
[ $# -ge 2 ] || usage
ACTION=$1
mkdir -p "$2"
DIR=$(cd "$2" && pwd)
[ "$(id -u)" -eq 0 ] || die "needs root"

addr_of() {  # addr_of NS 4|6: the global address on eth0
  ip -n "$1" "-$2" -o addr show dev eth0 scope global | awk '{print $4}' | cut -d/ -f1 | head -1
}

start() {
  [ $# -ge 3 ] || usage
  local lb=$1 a=$2 b=$3; shift 3
  local ns
  for ns in "$lb" "$a" "$b"; do [ -e "/var/run/netns/$ns" ] || die "no network namespace $ns"; done
  local a4 a6 b4 b6
  a4=$(addr_of "$a" 4) a6=$(addr_of "$a" 6) b4=$(addr_of "$b" 4) b6=$(addr_of "$b" 6)
  [ -n "$a4" ] && [ -n "$a6" ] && [ -n "$b4" ] && [ -n "$b6" ] || die "backends lack addresses ($a4 $a6 $b4 $b6)"
  printf 'LB_NS=%s\nA_NS=%s\nB_NS=%s\n' "$lb" "$a" "$b" >"$DIR/lb.env"
  # Stop whatever got started if anything below fails.
  # shellcheck disable=SC2154  # rc is set inside the trap
  trap 'rc=$?; if [ $rc -ne 0 ]; then stop >/dev/null 2>&1 || true; fi' EXIT
  # The backends start while the LB is configured.
  "$HERE/instance.sh" start lb-a "$a" "$DIR/a" --profile lb "$@" & local pa=$!
  "$HERE/instance.sh" start lb-b "$b" "$DIR/b" --profile lb "$@" & local pb=$!
  ip netns exec "$lb" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  ip netns exec "$lb" nft -f - <<EOF
table inet ikelb {
  chain pre {
    type nat hook prerouting priority dstnat; policy accept;
    udp dport 500  counter dnat ip to $a4 comment "IKE_SA_INIT to backend A"
    udp dport 500  counter dnat ip6 to $a6 comment "IKE_SA_INIT to backend A"
    udp dport 4500 counter dnat ip to $b4 comment "NAT-T port to backend B"
    udp dport 4500 counter dnat ip6 to $b6 comment "NAT-T port to backend B"
  }
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    ip daddr { $a4, $b4 } counter masquerade
    ip6 daddr { $a6, $b6 } counter masquerade
  }
}
EOF
  local rc=0
  wait "$pa" || rc=1
  wait "$pb" || rc=1
  [ $rc -eq 0 ] || die "a backend did not start"
  trap - EXIT
  log "$lb: UDP 500 -> $a ($a4, $a6), UDP 4500 -> $b ($b4, $b6)"
}

stop() {
  local LB_NS="" A_NS="" B_NS=""
  [ -f "$DIR/lb.env" ] || { log "nothing to stop in $DIR"; return 0; }
  LB_NS=$(sed -n 's/^LB_NS=//p' "$DIR/lb.env")
  A_NS=$(sed -n 's/^A_NS=//p' "$DIR/lb.env")
  B_NS=$(sed -n 's/^B_NS=//p' "$DIR/lb.env")
  "$HERE/instance.sh" stop lb-a "$A_NS" "$DIR/a" & local pa=$!
  "$HERE/instance.sh" stop lb-b "$B_NS" "$DIR/b" & local pb=$!
  if [ -e "/var/run/netns/$LB_NS" ]; then ip netns exec "$LB_NS" nft delete table inet ikelb 2>/dev/null || true; fi
  wait "$pa" || true
  wait "$pb" || true
  rm -f "$DIR/lb.env"
}

case $ACTION in
  start) shift 2; start "$@" ;;
  stop) stop ;;
  *) usage ;;
esac
