#!/usr/bin/env bash
# libreswan 4.10 (Debian 12's) as a second, independent IKEv2 responder in a lab network namespace,
# next to an installed strongSwan.
#
# usage: instance.sh fetch ROOT                                 extract libreswan into ROOT (once)
#        instance.sh start NAME NETNS DIR --root ROOT --pki PKIDIR
#        instance.sh stop  NAME NETNS DIR
#
# fetch: Debian's libreswan package conflicts with strongSwan's (installing one removes the other), so it
#   is not installed: `apt-get download libreswan` + `dpkg -x` into ROOT (a cache under LAB_RUN; kept
#   between runs). Its libraries come from ordinary packages ($LIB_PACKAGES below); fetch says which
#   libraries are missing.
# start: an NSS database in DIR/nss (lab CA trusted, server.p12 = the ECDSA server certificate, nickname
#   vpnserver), DIR/ipsec.conf for the namespace's two addresses (conns rw4 and rw6), then
#   /usr/libexec/ipsec/pluto --nofork in NETNS, with ROOT/usr/libexec bind-mounted over /usr/libexec in
#   the private mount namespace `ip netns exec` gives it (pluto runs its helpers from there).
#   Ready = pluto answers `whack --status` on DIR/run/pluto.ctl with rw4 and rw6 loaded and listens on
#   eth0. DIR/pluto.pid holds the pid, DIR/pluto.log the log.
# stop: kills the pid in DIR/pluto.pid only after checking it is pluto running in NETNS, and waits.
#
# What the responder does (libreswan 4.10 supports EAP-only responders with EAP-TLS only, no MSCHAPv2):
#   leftauth=ecdsa + leftautheap=tls, rightauth=eaponly + rightautheap=tls. An IKE_AUTH without AUTH
#   payload (the EAP path) is answered with IDr CERT AUTH EAP(Request, EAP-TLS Start), in IKE fragments
#   if the initiator offered them (libreswan always answers N(FRAG_SUP), N(HASH_ALG), NAT-D and
#   N(CHILDLESS) in IKE_SA_INIT, whatever was offered). A client that then NAKs EAP-TLS (asking for
#   MSCHAPv2) is not answered: pluto logs "type of EAP TLS header has an unknown value: 3" and drops the
#   IKE SA silently. An IKE_AUTH *with* an AUTH payload (certificate or PSK client) gets
#   N(AUTHENTICATION_FAILED) ("Peer attempted ... IKE_AUTH is required" is the EAP-path twin).
set -euo pipefail

PLUTO_IN_NS=/usr/libexec/ipsec/pluto   # the path pluto has in its mount namespace
usage() {
  echo "usage: $0 fetch ROOT | start NAME NETNS DIR --root ROOT --pki PKIDIR | stop NAME NETNS DIR" >&2
  exit 2
}
log() { echo "libreswan ${NAME:-}: $*" >&2; }
die() { log "$*"; exit 1; }
trap 'exit 130' INT
trap 'exit 143' TERM
[ "$(id -u)" -eq 0 ] || die "needs root"

# libreswan's library dependencies (its Depends minus what every Debian 12 has) + certutil/pk12util
LIB_PACKAGES="libnss3-tools libnss3 libnspr4 libcurl3-nss libevent-core-2.1-7 libevent-pthreads-2.1-7 libldap-2.5-0 libldns3 libunbound8"

fetch() {
  local root=$1
  if [ ! -x "$root/usr/libexec/ipsec/pluto" ]; then
    command -v apt-get >/dev/null || die "apt-get missing: cannot fetch libreswan"
    local tmp; tmp=$(mktemp -d "${root%/}.dl.XXXXXX")
    # (apt notes on stderr that it downloads as root, unsandboxed, into a directory _apt cannot write)
    # A machine whose package lists were never fetched (or were cleaned) knows no libreswan: fetch them once.
    if ! (cd "$tmp" && apt-get download -q libreswan >/dev/null 2>"$tmp/apt.err"); then
      log "apt-get download libreswan failed; running apt-get update once and trying again"
      apt-get update -qq >/dev/null 2>>"$tmp/apt.err" || true
      (cd "$tmp" && apt-get download -q libreswan >/dev/null 2>>"$tmp/apt.err") ||
        { cat "$tmp/apt.err" >&2; rm -rf "$tmp"; die "apt-get download libreswan failed"; }
    fi
    mkdir -p "$tmp/root"
    dpkg -x "$tmp"/libreswan_*.deb "$tmp/root"
    rm -rf "$root"
    mv "$tmp/root" "$root"
    basename "$tmp"/libreswan_*.deb >"$root/.deb"
    rm -rf "$tmp"
  fi
  local missing
  missing=$(ldd "$root/usr/libexec/ipsec/pluto" "$root/usr/libexec/ipsec/whack" 2>/dev/null | awk '/not found/{print $1}' | sort -u | tr '\n' ' ')
  [ -z "$missing" ] || die "libraries missing for pluto: $missing(apt-get install $LIB_PACKAGES)"
  command -v certutil >/dev/null && command -v pk12util >/dev/null || die "certutil/pk12util missing (apt-get install libnss3-tools)"
  local v; v=$("$root/usr/libexec/ipsec/pluto" --version 2>&1 | awk '/^Libreswan/{print $2; exit}')
  [[ $v == 4.10* ]] || log "warning: extracted libreswan is $v, the lab was written for 4.10"
}

[ $# -ge 1 ] || usage
if [ "$1" = fetch ]; then
  [ $# -eq 2 ] || usage
  mkdir -p "$(dirname "$2")"
  fetch "$2"
  exit 0
fi
[ $# -ge 4 ] || usage
ACTION=$1 NAME=$2 NETNS=$3
mkdir -p "$4"
DIR=$(cd "$4" && pwd)
shift 4
ROOT="" PKI=""
while [ $# -gt 0 ]; do
  case $1 in
    --root) ROOT=$2; shift 2 ;;
    --pki) PKI=$2; shift 2 ;;
    *) usage ;;
  esac
done
CTL=$DIR/run/pluto.ctl
[ ${#CTL} -lt 100 ] || die "control socket path too long (${#CTL} bytes): $CTL; use a shorter LAB_RUN"

netns_inode() { stat -L -c %i "/var/run/netns/$1" 2>/dev/null; }
is_ours() {  # pluto (as seen in its mount namespace), in NETNS or (NETNS gone) not in ours
  local pid=$1 ns
  [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$PLUTO_IN_NS" ] || return 1
  ns=$(stat -L -c %i "/proc/$pid/ns/net" 2>/dev/null) || return 1
  if [ -e "/var/run/netns/$NETNS" ]; then [ "$ns" = "$(netns_inode "$NETNS")" ];
  else [ "$ns" != "$(stat -L -c %i /proc/self/ns/net)" ]; fi
}
alive() {
  local st
  { read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
  st=${st##*) }
  [ "${st%% *}" != Z ]
}
stop_pid() {
  local pid=$1
  alive "$pid" || return 0
  is_ours "$pid" || { log "pid $pid is not our pluto: not killed"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do alive "$pid" || return 0; sleep 0.03; done
  log "pluto pid $pid ignored SIGTERM for 3 s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 100); do alive "$pid" || return 0; sleep 0.02; done
}
whack() { "$ROOT/usr/libexec/ipsec/whack" --ctlsocket "$CTL" "$@"; }

write_config() {
  local a4 a6
  a4=$(ip -n "$NETNS" -4 -o addr show dev eth0 scope global | awk '{print $4}' | cut -d/ -f1 | head -1)
  a6=$(ip -n "$NETNS" -6 -o addr show dev eth0 scope global | awk '{print $4}' | cut -d/ -f1 | head -1)
  [ -n "$a4" ] && [ -n "$a6" ] || die "$NETNS has no global IPv4/IPv6 address on eth0"
  rm -rf "$DIR/nss" "$DIR/run" "$DIR/ipsec.d"
  mkdir -p "$DIR/nss" "$DIR/run" "$DIR/ipsec.d"
  certutil -N -d "sql:$DIR/nss" --empty-password
  certutil -A -d "sql:$DIR/nss" -n "vpnprobe IKE lab CA" -t "CT,," -i "$PKI/ca.crt"
  pk12util -i "$PKI/server.p12" -d "sql:$DIR/nss" -W '' >/dev/null
  : >"$DIR/ipsec.secrets"        # the key is found through the certificate in NSS
  cat >"$DIR/ipsec.conf" <<EOF
# libreswan responder "$NAME" (written by lab/libreswan/instance.sh)
config setup
    logfile=$DIR/pluto.log
    logappend=no
    plutodebug=none
    ikev1-policy=drop
    dnssec-enable=no

conn common
    ikev2=yes
    leftid=@vpn.test
    leftcert=vpnserver
    leftsendcert=always
    # the server signs (AUTH payload) and then runs EAP-TLS; the client authenticates by EAP only
    leftauth=ecdsa
    leftautheap=tls
    right=%any
    rightid=%any
    rightauth=eaponly
    rightautheap=tls
    ike=aes_gcm256-sha2_384;dh20,aes_gcm128-sha2_256;dh19,aes256-sha2_256;dh19,aes256-sha2_256;modp2048,aes128-sha2_256;dh19
    esp=aes_gcm256,aes_gcm128,aes256-sha2_256
    fragmentation=yes
    auto=ignore

conn rw4
    also=common
    left=$a4
    leftsubnet=0.0.0.0/0
    auto=add

conn rw6
    also=common
    left=$a6
    leftsubnet=::/0
    auto=add
EOF
}

start() {
  local t0 pid="" ready=""
  t0=$(date +%s%3N)
  [ -n "$ROOT" ] && [ -x "$ROOT/usr/libexec/ipsec/pluto" ] || die "no extracted libreswan (--root ROOT; instance.sh fetch ROOT)"
  [ -n "$PKI" ] && [ -s "$PKI/server.p12" ] || die "no PKI (--pki DIR made by lab/strongswan/mkpki.sh)"
  [ -e "/var/run/netns/$NETNS" ] || die "no network namespace $NETNS"
  if [ -f "$DIR/pluto.pid" ] && alive "$(cat "$DIR/pluto.pid")" && is_ours "$(cat "$DIR/pluto.pid")"; then
    die "already running (pid $(cat "$DIR/pluto.pid"))"
  fi
  write_config
  rm -f "$DIR/pluto.log" "$DIR/pluto.pid"
  echo "$NETNS" >"$DIR/netns"
  # shellcheck disable=SC2154  # rc is set inside the trap
  trap 'rc=$?; if [ $rc -ne 0 ] && [ -n "$pid" ]; then stop_pid "$pid"; rm -f "$DIR/pluto.pid"; fi' EXIT
  # `ip netns exec`, sh and pluto exec() into each other: $! is pluto's pid.
  # shellcheck disable=SC2016  # $1/$2 are the inner shell's arguments
  setsid ip netns exec "$NETNS" /bin/sh -c 'mount --bind "$1/usr/libexec" /usr/libexec && exec /usr/libexec/ipsec/pluto --nofork \
      --config "$2/ipsec.conf" --rundir "$2/run" --dumpdir "$2/run" --nssdir "$2/nss" --ipsecdir "$2/ipsec.d" \
      --secretsfile "$2/ipsec.secrets" --logfile "$2/pluto.log"' sh "$ROOT" "$DIR" </dev/null >"$DIR/pluto.stdout" 2>&1 &
  pid=$!
  echo "$pid" >"$DIR/pluto.pid"
  local timeout=${LAB_READY_TIMEOUT:-30} st
  for _ in $(seq $((timeout * 50))); do
    alive "$pid" || die "pluto exited during start-up: $(tail -5 "$DIR/pluto.stdout" "$DIR/pluto.log" 2>/dev/null)"
    if [ -S "$CTL" ] && st=$(whack --status 2>/dev/null) && grep -q '"rw4":' <<<"$st" && grep -q '"rw6":' <<<"$st" &&
       grep -q 'adding UDP interface eth0' "$DIR/pluto.log" 2>/dev/null; then ready=1; break; fi
    sleep 0.02
  done
  [ -n "$ready" ] || die "pluto not ready within ${timeout} s: $(tail -5 "$DIR/pluto.log" 2>/dev/null)"
  [ "$(cat "$DIR/run/pluto.pid" 2>/dev/null)" = "$pid" ] || die "pluto.pid mismatch: $(cat "$DIR/run/pluto.pid" 2>/dev/null) vs $pid"
  trap - EXIT
  log "pid $pid, ready in $(( $(date +%s%3N) - t0 )) ms"
}

stop() {
  local pid
  [ -f "$DIR/pluto.pid" ] || { log "not running (no $DIR/pluto.pid)"; return 0; }
  pid=$(cat "$DIR/pluto.pid")
  [[ $pid =~ ^[0-9]+$ ]] || die "bad pid file $DIR/pluto.pid"
  stop_pid "$pid"
  rm -f "$DIR/pluto.pid"
  log "stopped"
}

case $ACTION in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
