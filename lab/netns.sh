#!/usr/bin/env bash
# vpnprobe network-namespace lab: a router namespace, three vantage namespaces with different path
# conditions, and server namespaces added on demand (add-server).
#
#   ${P}probe-a  eth0 10.99.1.2/24  fd99:1::2/64  -- r-a   10.99.1.1  -+
#   ${P}probe-b  eth0 10.99.2.2/24  fd99:2::2/64  -- r-b   10.99.2.1   |  ${P}router
#   ${P}probe-c  eth0 10.99.3.2/24  fd99:3::2/64  -- r-c   10.99.3.1   |  (forwarding on, nft table
#   ${P}NAME     eth0 10.99.N.2/24  fd99:N::2/64  -- sv-N  10.99.N.1  -+   "inet lab" = conditions)
#
# Default conditions applied by `up` (change them with `cond`):
#   probe-a  MTU 1280 on both ends of its link (the "clean" vantage: TCP works, PMTU is small)
#            (+ LAB_DELAY_MS of delay towards it, only when LAB_DELAY_MS is set: see README)
#   probe-b  every IPv4/IPv6 fragment dropped, both directions
#   probe-c  UDP 500 and 4500 dropped, both directions (IKE blocked, TCP 443 untouched)
#
# No namespace has a default route: every one only knows 10.99.0.0/16 and fd99::/16 (via the router).
# Server namespaces host SoftEther, whose DDNS/NAT-T/Azure clients would otherwise try the internet.
#
# SAFETY: in the root namespace 10.99.0.0/16 routes to the real uplink. This script does nothing in the
# root namespace except create and delete namespaces: every link is created directly inside them
# (veth peers are born in their namespaces) and every test must run through `ip netns exec`.
#
# usage: netns.sh up | down | status
#        netns.sh cond <probe-a|a|NS> <mtu1280|fragdrop|ikeblock|delay|loss|clear>
#        netns.sh add-server NAME INDEX     (INDEX 4..254; namespace ${P}NAME, 10.99.INDEX.2, fd99:INDEX::2)
#        netns.sh del-server NAME
#        netns.sh add-far NAME SERVER HOSTDEV FARDEV   (${P}NAME joined only to ${P}SERVER by a veth pair)
# env:   LAB_PREFIX (namespace-name prefix, default "vp-"), LAB_RUN (state dir, default lab/run),
#        LAB_DELAY_MS (delay on probe-a at `up`, default none), LOSS_PCT (for `cond ... loss`, default 1)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
P=${LAB_PREFIX-vp-}
RUN=${LAB_RUN:-$HERE/run}
LOSS_PCT=${LOSS_PCT:-1}
NS_R=${P}router
PROBES=(a b c)
declare -A NET=([a]=1 [b]=2 [c]=3)    # vantage subnet index: 10.99.N.0/24, fd99:N::/64
declare -A QNUM=([a]=11 [b]=12 [c]=13) # NFQUEUE numbers of the delay helper (one per vantage)

die()  { echo "netns: $*" >&2; exit 1; }
log()  { echo "netns: $*" >&2; }
rx()   { ip netns exec "$NS_R" "$@"; }          # run a command in the router namespace
pns()  { echo "${P}probe-$1"; }
have_ns() { [ -e "/var/run/netns/$1" ]; }

# An empty prefix would make `down` delete every namespace on the machine.
[ -n "$P" ] || die "LAB_PREFIX must not be empty"
[[ $P =~ ^[A-Za-z0-9_.-]+$ ]] || die "LAB_PREFIX may only contain letters, digits, '.', '_' and '-'"

# Namespaces whose name starts with the prefix (ours, whatever state they are in).
our_namespaces() {
  local n
  for n in $(ip netns list 2>/dev/null | awk '{print $1}' | sort); do
    [[ $n == "$P"* ]] && echo "$n"
  done
  return 0
}

# New namespace with lo up and no IPv6 duplicate-address detection: addresses are usable at once and
# the link-local addresses created later (veth peers are born here) are not tentative for a second.
new_ns() {
  ip netns add "$1"
  ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
    net.ipv6.conf.default.accept_ra=0
  ip -n "$1" link set lo up
}

# leaf <ns> <router-if> <index>: a namespace on its own /24 + /64 behind the router, with routes to the
# lab ranges only (no default route, so nothing in it can reach the internet by accident).
leaf() {
  local ns=$1 rif=$2 n=$3
  new_ns "$ns"
  # The pair is created with its peer directly in the leaf namespace: nothing appears in the root one.
  ip -n "$NS_R" link add "$rif" type veth peer name eth0 netns "$ns"
  ip -n "$NS_R" -batch - <<EOF
addr add 10.99.$n.1/24 dev $rif
addr add fd99:$n::1/64 dev $rif nodad
link set $rif up
EOF
  ip -n "$ns" -batch - <<EOF
addr add 10.99.$n.2/24 dev eth0
addr add fd99:$n::2/64 dev eth0 nodad
link set eth0 up
route add 10.99.0.0/16 via 10.99.$n.1
route add fd99::/16 via fd99:$n::1
EOF
}

# probe-a, a, vp-probe-a -> a
short() {
  local x=${1#"$P"}; x=${x#probe-}
  [ -n "${NET[$x]:-}" ] || die "unknown vantage '$1' (probe-a, probe-b or probe-c)"
  echo "$x"
}

up() {
  local existing; existing=$(our_namespaces | tr '\n' ' ')
  [ -z "$existing" ] || die "namespaces with prefix '$P' already exist: $existing(take that lab down first, or set LAB_PREFIX)"
  mkdir -p "$RUN"
  # Half-built labs are torn down, so a failed `up` can simply be retried.
  # shellcheck disable=SC2154  # rc is set inside the trap
  trap 'rc=$?; if [ $rc -ne 0 ]; then log "up failed, tearing down"; down >/dev/null 2>&1 || true; fi' EXIT
  new_ns "$NS_R"
  rx sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  local p
  for p in "${PROBES[@]}"; do leaf "$(pns "$p")" "r-$p" "${NET[$p]}"; done
  rx nft -f - <<'EOF'
table inet lab {
  # priority -500 runs before conntrack's defragmentation (-400): fragments are still fragments here
  chain lab_pre  { type filter hook prerouting priority -500; policy accept; }
  chain lab_fwd  { type filter hook forward priority 0; policy accept; }
  chain lab_post { type filter hook postrouting priority 0; policy accept; }
}
EOF
  cond "$(pns a)" mtu1280
  if [ -n "${LAB_DELAY_MS:-}" ]; then DELAY_MS=$LAB_DELAY_MS cond "$(pns a)" delay; fi
  cond "$(pns b)" fragdrop
  cond "$(pns c)" ikeblock
  trap - EXIT
  log "up: router $NS_R, vantages $(pns a) (mtu1280${LAB_DELAY_MS:+ delay ${LAB_DELAY_MS}ms}), $(pns b) (fragdrop), $(pns c) (ikeblock)"
}

cond() {  # cond <vantage> <what>
  [ $# -eq 2 ] || die "usage: $0 cond <probe-a|probe-b|probe-c> <mtu1280|fragdrop|ikeblock|delay|loss|clear>"
  local p; p=$(short "$1")
  local ns; ns=$(pns "$p")
  local what=$2 n=${NET[$p]} rif="r-$p"
  local tag="lab-$p-$what"
  have_ns "$ns" && have_ns "$NS_R" || die "lab is not up (no $ns or $NS_R)"
  case $what in
    fragdrop)  # any fragment from or to this vantage: IPv4 MF/offset set, IPv6 fragment header
      rx nft -f - <<EOF
add rule inet lab lab_pre iifname "$rif" ip frag-off & 0x3fff != 0 counter drop comment "$tag"
add rule inet lab lab_pre ip daddr 10.99.$n.0/24 ip frag-off & 0x3fff != 0 counter drop comment "$tag"
add rule inet lab lab_pre iifname "$rif" exthdr frag exists counter drop comment "$tag"
add rule inet lab lab_pre ip6 daddr fd99:$n::/64 exthdr frag exists counter drop comment "$tag"
EOF
      ;;
    ikeblock)
      rx nft -f - <<EOF
add rule inet lab lab_fwd iifname "$rif" udp dport { 500, 4500 } counter drop comment "$tag"
add rule inet lab lab_fwd oifname "$rif" udp sport { 500, 4500 } counter drop comment "$tag"
EOF
      ;;
    mtu1280)   # both ends, so the vantage's own MSS and the router's PMTU messages are both exercised
      ip -n "$NS_R" link set "$rif" mtu 1280
      ip -n "$ns" link set eth0 mtu 1280 ;;
    loss)      # this kernel has no netem: random drop towards the vantage with nft numgen
      rx nft add rule inet lab lab_post oifname "$rif" numgen random mod 10000 \< \
        "$(awk "BEGIN{print int($LOSS_PCT*100)}")" counter drop comment "\"$tag\"" ;;
    delay)     # no netem either: NFQUEUE (iptables-nft; this kernel has no nft "queue") + lab/nfq-delay.c
      delay_on "$p" "${DELAY_MS:-50}" ;;
    clear)
      local h c t rule
      for h in $(rx nft -a list table inet lab | awk -v t="\"lab-$p-" 'index($0,t){print $NF}'); do
        for c in lab_pre lab_fwd lab_post; do rx nft delete rule inet lab "$c" handle "$h" 2>/dev/null && break; done
      done
      if command -v iptables >/dev/null; then
        for t in iptables ip6tables; do
          while rule=$(rx "$t" -t mangle -S POSTROUTING 2>/dev/null | grep -m1 -- "--comment lab-$p-"); do
            eval "rx $t -t mangle ${rule/-A /-D }"
          done
        done
      fi
      stop_pid "$RUN/nfq-$P$p.pid" nfq-delay
      ip -n "$NS_R" link set "$rif" mtu 1500
      ip -n "$ns" link set eth0 mtu 1500 ;;
    *) die "unknown condition '$what'" ;;
  esac
}

# Holds every packet towards the vantage for DELAY_MS in a userspace helper (built on first use).
delay_on() {
  local p=$1 ms=$2
  local q=${QNUM[$p]} rif="r-$p"
  command -v iptables >/dev/null || die "delay needs iptables (apt-get install iptables)"
  local bin="$RUN/nfq-delay"
  if [ ! -x "$bin" ] || [ "$HERE/nfq-delay.c" -nt "$bin" ]; then
    [ -e /usr/include/libnetfilter_queue/libnetfilter_queue.h ] ||
      die "delay needs libnetfilter-queue-dev and gcc (apt-get install libnetfilter-queue-dev gcc)"
    mkdir -p "$RUN"
    gcc -O2 -Wall -o "$bin" "$HERE/nfq-delay.c" -lnetfilter_queue -lnfnetlink
  fi
  # setsid + `ip netns exec` exec() into the helper, so $! is the helper's own pid (what stop_pid checks
  # and kills); in its own session it outlives this script and a Ctrl-C or kill of the caller's group.
  setsid ip netns exec "$NS_R" "$bin" "$q" "$ms" </dev/null >"$RUN/nfq-$P$p.log" 2>&1 &
  echo $! >"$RUN/nfq-$P$p.pid"
  # The queue must be bound before packets are sent to it; the helper says so on stderr.
  for _ in $(seq 50); do grep -q 'nfq-delay: queue' "$RUN/nfq-$P$p.log" 2>/dev/null && break; sleep 0.02; done
  kill -0 "$(cat "$RUN/nfq-$P$p.pid")" 2>/dev/null || die "nfq-delay did not start: $(cat "$RUN/nfq-$P$p.log")"
  # --queue-bypass: if the helper dies, packets pass undelayed instead of being dropped.
  rx iptables  -t mangle -A POSTROUTING -o "$rif" -m comment --comment "lab-$p-delay" -j NFQUEUE --queue-num "$q" --queue-bypass
  rx ip6tables -t mangle -A POSTROUTING -o "$rif" -m comment --comment "lab-$p-delay" -j NFQUEUE --queue-num "$q" --queue-bypass
}

# stop_pid <pidfile> <cmdline-substring>: kill only the process we started, and only if it is still it.
stop_pid() {
  local f=$1 want=$2 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if [[ $pid =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$want"; then
    kill "$pid" 2>/dev/null || true
    # gone, or a zombie: PID 1 may reap orphans late, the process itself has exited
    for _ in $(seq 50); do grep -qsE '^State:[[:space:]]+[^Z[:space:]]' "/proc/$pid/status" || break; sleep 0.02; done
  fi
  rm -f "$f"
}

add_server() {
  [ $# -eq 2 ] || die "usage: $0 add-server NAME INDEX"
  local name=$1 n=$2 ns="${P}$1"
  [[ $name =~ ^[A-Za-z0-9_.-]+$ ]] || die "bad server name '$name'"
  [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 4 ] && [ "$n" -le 254 ] ||
    die "server index must be 4..254 (1..3 are the vantage subnets), got '$n'"
  have_ns "$NS_R" || die "lab is not up (no $NS_R): run '$0 up' first"
  have_ns "$ns" && die "namespace $ns already exists"
  ip -n "$NS_R" link show "sv-$n" >/dev/null 2>&1 && die "index $n is already used (router has sv-$n)"
  leaf "$ns" "sv-$n" "$n"
}

# add-far NAME SERVER HOSTDEV FARDEV: a namespace with no route anywhere, joined only by a veth pair to the
# namespace of SERVER (HOSTDEV there, born there; FARDEV in NAME): what a SoftEther Local Bridge in SERVER
# puts behind a hub. No IPv6 on either end, so nothing but what the tests send crosses the hub.
add_far() {
  [ $# -eq 4 ] || die "usage: $0 add-far NAME SERVER HOSTDEV FARDEV"
  local ns="${P}$1" sv="${P}$2"
  have_ns "$sv" || die "no server namespace $sv"
  have_ns "$ns" && die "namespace $ns already exists"
  new_ns "$ns"
  ip -n "$sv" link add "$3" type veth peer name "$4" netns "$ns"
  ip netns exec "$sv" sysctl -qw "net.ipv6.conf.$3.disable_ipv6=1"
  ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$4.disable_ipv6=1"
  ip -n "$sv" link set "$3" up
  ip -n "$ns" link set "$4" up
}

del_server() {
  [ $# -eq 1 ] || die "usage: $0 del-server NAME"
  warn_pids "${P}$1"
  have_ns "${P}$1" && ip netns del "${P}$1"   # its veth pair (and the router end) goes with it
  return 0
}

# A namespace stays alive (unnamed) while processes run in it: say so rather than kill what we may
# not have started; the scripts that started them stop them by pid first.
warn_pids() {
  local pid
  for pid in $(ip netns pids "$1" 2>/dev/null); do
    log "warning: pid $pid still runs in $1: $(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | cut -c1-120)"
  done
}

down() {
  local f ns
  for f in "$RUN"/nfq-"$P"*.pid; do [ -e "$f" ] && stop_pid "$f" nfq-delay; done
  # Everything with the prefix, router last, whatever state it is in (half-built labs included).
  for ns in $(our_namespaces | grep -vx "$NS_R"; our_namespaces | grep -x "$NS_R"); do
    warn_pids "$ns"
    ip netns del "$ns"
  done
  log "down: no namespace with prefix '$P' left"
}

status() {
  local ns
  echo "namespaces:"; our_namespaces | sed 's/^/  /'
  have_ns "$NS_R" || { echo "(lab is not up)"; return 0; }
  for ns in $(our_namespaces | grep -vx "$NS_R"); do
    printf '  %-22s %s %s routes: %s\n' "$ns" \
      "$(ip -n "$ns" -br addr show dev eth0 2>/dev/null | awk '{$1=$2=""; print}')" \
      "$(ip -n "$ns" -o link show eth0 2>/dev/null | grep -o 'mtu [0-9]*')" \
      "$(ip -n "$ns" route show | awk '{print $1}' | grep -v '^10\.99\.[0-9]*\.0/24$' | tr '\n' ' ')$(ip -n "$ns" -6 route show | awk '$1 !~ /^fe80|^fd99:[0-9a-f]*::\/64/ {print $1}' | tr '\n' ' ')"
  done
  echo "conditions (router $NS_R):"
  rx nft list table inet lab | grep -E 'comment' | sed 's/^\s*/  /'
  if command -v iptables >/dev/null; then rx iptables -t mangle -S POSTROUTING | grep NFQUEUE | sed 's/^/  /' || true; fi
  local f
  for f in "$RUN"/nfq-"$P"*.pid; do
    [ -e "$f" ] || continue
    if kill -0 "$(cat "$f")" 2>/dev/null; then echo "  delay helper $(basename "$f" .pid): running";
    else echo "  delay helper $(basename "$f" .pid): DEAD (packets pass undelayed)"; fi
  done
}

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
cmd=${1:-}; shift || true
case $cmd in
  up) up ;;
  down) down ;;
  status) status ;;
  cond) cond "$@" ;;
  add-server) add_server "$@" ;;
  del-server) del_server "$@" ;;
  add-far) add_far "$@" ;;
  *) echo "usage: $0 up|down|status|cond <probe-x> <mtu1280|fragdrop|ikeblock|delay|loss|clear>|add-server NAME INDEX|del-server NAME|add-far NAME SERVER HOSTDEV FARDEV" >&2; exit 2 ;;
esac
