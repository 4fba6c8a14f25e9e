#!/usr/bin/env bash
# The whole SSTP lab in one command: the namespace topology (netns.sh) plus one SoftEther SSTP server
# namespace per certificate profile, and an env file that tells tests where everything is.
#
#   profile     namespace            IPv4 / IPv6                 certificate        binary
#   rsa         ${P}sstp-rsa         10.99.10.2  fd99:10::2      rsa (valid)        fixed
#   ecdsa       ${P}sstp-ecdsa       10.99.11.2  fd99:11::2      ecdsa (valid)      fixed
#   expired     ${P}sstp-expired     10.99.12.2  fd99:12::2      expired            fixed
#   wrongname   ${P}sstp-wrongname   10.99.13.2  fd99:13::2      other.test         fixed
#   clientauth  ${P}sstp-clientauth  10.99.14.2  fd99:14::2      clientAuth EKU     fixed
#   selfsigned  ${P}sstp-selfsigned  10.99.15.2  fd99:15::2      self-signed        fixed
#   unfixed     ${P}sstp-unfixed     10.99.16.2  fd99:16::2      rsa (valid)        Debian's, as packaged
#
# usage: sstp-lab.sh up | down | env | status | check
#   up      builds everything (fails if namespaces with the prefix exist), writes $LAB_RUN/sstp-lab.env
#   down    stops every server it started and removes every namespace with the prefix (also half-built)
#   env     prints the env file
#   check   checks the running lab from its vantage namespaces (certificates, SSTP answers, conditions)
# env: LAB_PREFIX (default vp-), LAB_RUN (default lab/run: PKI, patched binary, instance state, env file)
#
# SAFETY: lab addresses route to the real uplink from the root namespace. Send lab traffic only from a
# lab namespace: ip netns exec ${P}probe-a ...
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export LAB_PREFIX=${LAB_PREFIX-vp-}
P=$LAB_PREFIX
mkdir -p "${LAB_RUN:-$HERE/run}"
LAB_RUN=$(cd "${LAB_RUN:-$HERE/run}" && pwd)   # absolute: it ends up in the env file
export LAB_RUN
ENV_FILE=$LAB_RUN/sstp-lab.env
PKI=$LAB_RUN/pki
DEBIAN_BIN=/usr/libexec/softether/vpnserver/vpnserver

# profile -> "index certificate binary"
PROFILES=(rsa ecdsa expired wrongname clientauth selfsigned unfixed)
declare -A PROF=(
  [rsa]="10 rsa fixed"         [ecdsa]="11 ecdsa fixed"           [expired]="12 expired fixed"
  [wrongname]="13 wrongname fixed" [clientauth]="14 clientauth fixed" [selfsigned]="15 selfsigned fixed"
  [unfixed]="16 rsa unfixed"
)
CLOSED_PORT=4444   # nothing listens there on the rsa server: a refused connection
# The server with the extra hubs (NOROUTE, NOPOOL), users (vpnprobe2, denied) and Local Bridges
# (softether/instance.sh extra_hubs), and what lies behind its bridges (add_far_sides).
HUBS_SERVER=rsa
FAR_ADDR=192.168.30.2           # a kernel behind SSTPHUB (Local Bridge), on SecureNAT's subnet
NOROUTE_FAR_ADDR=192.168.31.2   # a kernel behind NOROUTE, /32 only: no route back to the hub's pool
PY=$(command -v /usr/bin/python3 || command -v python3 || true)

log() { echo "sstp-lab: $*" >&2; }
die() { log "$*"; exit 1; }
now_ms() { date +%s%3N; }
secs() { local ms=$(( $(now_ms) - $1 )); printf '%d.%03d' $((ms / 1000)) $((ms % 1000)); }

need() {
  local missing=() c
  for c in ip nft openssl python3 nsenter setsid flock ss; do command -v "$c" >/dev/null || missing+=("$c"); done
  [ -x "$DEBIAN_BIN" ] || missing+=("softether-vpnserver")
  [ -x /usr/libexec/softether/vpncmd/vpncmd ] || missing+=("softether-vpncmd")
  [ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]} (scripts/install-deps.sh installs them)"
}

# The PKI is kept between runs (same addresses every time) unless it is incomplete, about to expire, or
# was made by another version of mkpki.sh.
pki_current() {
  local f
  [ "$(cat "$PKI/.mkpki-sha256" 2>/dev/null)" = "$(sha256sum "$HERE/softether/mkpki.sh" | cut -d' ' -f1)" ] || return 1
  for f in ca rsa ecdsa wrongname clientauth selfsigned; do
    [ -s "$PKI/$f.key" ] && openssl x509 -in "$PKI/$f.crt" -noout -checkend 172800 >/dev/null 2>&1 || return 1
  done
  [ -s "$PKI/expired.crt" ] && [ -s "$PKI/expired.key" ] && [ -s "$PKI/ca.crl" ]
}
make_pki() {
  pki_current && return 0
  rm -rf "$PKI"
  local ips=() p n
  for p in "${PROFILES[@]}"; do n=${PROF[$p]%% *}; ips+=("10.99.$n.2" "fd99:$n::2"); done
  "$HERE/softether/mkpki.sh" "$PKI" "${ips[@]}" 2>/dev/null
  sha256sum "$HERE/softether/mkpki.sh" | cut -d' ' -f1 >"$PKI/.mkpki-sha256"
}

# Namespaces behind the Local Bridges of the hubs server, each joined to it by one veth pair and to
# nothing else (no route to the lab, none to the internet):
#   ${P}far          far0 192.168.30.2/24 behind SSTPHUB: a kernel that answers echo through the tunnel
#   ${P}far-noroute  far0 192.168.31.2/32 behind NOROUTE: it gets the echo requests but has no route back
#                    to the hub's pool (the route to the far side removed), so no reply ever leaves it
#   ${P}far-pool     far0 without an address behind NOPOOL: the DHCP client that takes the pool's address
add_far_sides() {
  local sv="sstp-$HUBS_SERVER"
  "$HERE/netns.sh" add-far far "$sv" br-hub far0
  ip -n "${P}far" addr add "$FAR_ADDR/24" dev far0
  "$HERE/netns.sh" add-far far-noroute "$sv" br-noroute far0
  ip -n "${P}far-noroute" addr add "$NOROUTE_FAR_ADDR/32" dev far0
  "$HERE/netns.sh" add-far far-pool "$sv" br-pool far0
}

write_env() {
  local p n tmp="$ENV_FILE.tmp" up
  {
    echo "# vpnprobe SSTP lab, written by lab/sstp-lab.sh up on $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "# Lab traffic only from a lab namespace: ip netns exec \$VANTAGE_CLEAN ..."
    echo "LAB_PREFIX=$P"
    echo "LAB_RUN=$LAB_RUN"
    echo "LAB_ROUTER=${P}router"
    echo "LAB_CA=$PKI/ca.crt"
    echo "LAB_CRL=$PKI/ca.crl"
    echo "SSTP_SNI=vpn.test"
    echo "SSTP_PORT=443"
    # probe-a: MTU 1280 only (no delay/loss by default), the vantage for ordinary tests
    echo "VANTAGE_CLEAN=${P}probe-a"
    echo "VANTAGE_CLEAN_ADDR=10.99.1.2"
    echo "VANTAGE_CLEAN_ADDR6=fd99:1::2"
    echo "VANTAGE_MTU1280=${P}probe-a"
    echo "VANTAGE_FRAGDROP=${P}probe-b"
    echo "VANTAGE_FRAGDROP_ADDR=10.99.2.2"
    echo "VANTAGE_FRAGDROP_ADDR6=fd99:2::2"
    echo "VANTAGE_IKEBLOCK=${P}probe-c"
    echo "VANTAGE_IKEBLOCK_ADDR=10.99.3.2"
    echo "VANTAGE_IKEBLOCK_ADDR6=fd99:3::2"
    for p in "${PROFILES[@]}"; do
      read -r n c _ <<<"${PROF[$p]}"
      up=${p^^}
      echo "SSTP_${up}_NETNS=${P}sstp-$p"
      echo "SSTP_${up}_ADDR=10.99.$n.2"
      echo "SSTP_${up}_ADDR6=fd99:$n::2"
      echo "SSTP_${up}_CERT=$PKI/$c.crt"
    done
    # The extra hubs of the hubs server (user names here, passwords in the secrets file)
    echo "SSTP_HUBS_ADDR=10.99.${PROF[$HUBS_SERVER]%% *}.2"
    echo "SSTP_HUBS_SERVER_LOG=$LAB_RUN/sstp/$HUBS_SERVER/log/server_log"
    echo "SSTP_USER2=vpnprobe2"
    echo "SSTP_DENIED_USER=denied"
    echo "SSTP_FAR_NETNS=${P}far"
    echo "SSTP_FAR_ADDR=$FAR_ADDR"
    echo "SSTP_NOROUTE_HUB=NOROUTE"
    echo "SSTP_NOROUTE_USER=noroute"
    echo "SSTP_NOROUTE_FAR_NETNS=${P}far-noroute"
    echo "SSTP_NOROUTE_FAR_ADDR=$NOROUTE_FAR_ADDR"
    echo "SSTP_NOPOOL_HUB=NOPOOL"
    echo "SSTP_NOPOOL_USER=nopool"
    echo "SSTP_NOPOOL_HELD=$NOPOOL_HELD"
    echo "SSTP_CLOSED_ADDR=10.99.${PROF[rsa]%% *}.2"
    echo "SSTP_CLOSED_PORT=$CLOSED_PORT"
    # Credentials are in a separate owner-only file, not here (this file gets printed and copied around).
    echo "SSTP_SECRETS=$LAB_RUN/secrets.env"
  } >"$tmp"
  mv "$tmp" "$ENV_FILE"
}

up() {
  local t0; t0=$(now_ms)
  [ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, mounts)"
  need
  # Certificates are made while the namespaces are built (key generation is the slow part).
  make_pki & local pki_pid=$!
  # (fails, touching nothing, when namespaces with the prefix exist: a running lab stays as it is)
  "$HERE/netns.sh" up || { wait "$pki_pid" || true; die "could not build the topology"; }
  rm -f "$ENV_FILE"   # from an earlier lab that was not taken down: it describes nothing now
  # From here on, any failure (or Ctrl-C) tears down what this run built.
  # shellcheck disable=SC2154  # rc is set inside the trap
  trap 'rc=$?; trap - EXIT INT TERM; if [ $rc -ne 0 ]; then log "up failed after $(secs "$t0") s, tearing down"; abort_starts; down >/dev/null 2>&1 || true; fi; exit $rc' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  local p n c bin hubs
  for p in "${PROFILES[@]}"; do "$HERE/netns.sh" add-server "sstp-$p" "${PROF[$p]%% *}"; done
  add_far_sides
  wait "$pki_pid" || die "could not make the PKI (run lab/softether/mkpki.sh $PKI to see why)"

  # All servers at once. Each start runs in its own process group (setsid), so an interrupted `up` can
  # stop the starts and everything they run in the foreground, though not the servers (those are in
  # sessions of their own; `down` stops them by pid).
  for p in "${PROFILES[@]}"; do
    read -r n c bin <<<"${PROF[$p]}"
    mkdir -p "$LAB_RUN/sstp/$p"
    echo "${P}sstp-$p" >"$LAB_RUN/sstp/$p/netns"
    hubs=no; [ "$p" = "$HUBS_SERVER" ] && hubs=yes
    SSTP_LAB_HUBS=$hubs setsid "$HERE/softether/instance.sh" start "$p" "${P}sstp-$p" "$LAB_RUN/sstp/$p" "$PKI/$c.crt" "$PKI/$c.key" "$bin" \
      </dev/null >"$LAB_RUN/sstp/$p/start.log" 2>&1 &
    START_JOBS[$p]=$!
  done
  local failed=()
  for p in "${PROFILES[@]}"; do wait "${START_JOBS[$p]}" || failed+=("$p"); unset "START_JOBS[$p]"; done
  for p in "${PROFILES[@]}"; do sed 's/^/  /' "$LAB_RUN/sstp/$p/start.log" >&2; done
  [ ${#failed[@]} -eq 0 ] || die "server(s) did not start: ${failed[*]}"
  # The one address of NOPOOL's pool, taken through its Local Bridge: the pool is exhausted from here on.
  NOPOOL_HELD=$(ip netns exec "${P}far-pool" "$PY" "$HERE/softether/dhcp-hold.py" far0) ||
    die "could not take the address of the NOPOOL hub's pool"
  write_env
  trap - EXIT INT TERM
  log "up in $(secs "$t0") s; env file: $ENV_FILE"
}

declare -A START_JOBS=()   # profile -> pid (= process group) of its instance.sh start, while it runs

# Stops the instance starts still running (interrupted or failed `up`) and waits for them: their own
# EXIT traps stop the servers they launched, and no start can launch one after `down` has looked.
abort_starts() {
  local p pid
  for p in "${!START_JOBS[@]}"; do
    pid=${START_JOBS[$p]}
    kill -0 "$pid" 2>/dev/null && kill -TERM -- "-$pid" 2>/dev/null || true
  done
  for p in "${!START_JOBS[@]}"; do wait "${START_JOBS[$p]}" 2>/dev/null || true; done
  START_JOBS=()
}

down() {
  local t0 d p pid ns name
  t0=$(now_ms)
  [ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, mounts)"
  rm -f "$ENV_FILE"
  # The servers this lab started (pid files under $LAB_RUN/sstp), all at once.
  local stops=()
  for d in "$LAB_RUN"/sstp/*/; do
    [ -f "$d/vpnserver.pid" ] || continue
    name=$(basename "$d"); ns=$(cat "$d/netns" 2>/dev/null || echo "${P}sstp-$name")
    "$HERE/softether/instance.sh" stop "$name" "$ns" "$d" & stops+=("$!")
  done
  for pid in "${stops[@]}"; do wait "$pid" || true; done
  # A server whose pid file was lost (an interrupted start): one of our vpnserver binaries running in
  # one of our namespaces. Found by namespace, killed by pid after checking its command line.
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    [[ $ns == "${P}"* ]] || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      case "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" in
        "$LAB_RUN/bin/vpnserver execsvc "|"$DEBIAN_BIN execsvc ")
          log "stopping stray vpnserver pid $pid in $ns"; kill -KILL "$pid" 2>/dev/null || true ;;
      esac
    done
  done
  "$HERE/netns.sh" down
  log "down in $(secs "$t0") s"
}

# Checks the running lab end to end, from inside the vantage namespaces only (check.py also refuses
# to run in the root namespace): every profile serves its certificate on IPv4 and IPv6, the fixed
# binary answers SSTP and the unfixed one does not, the lab user logs in (PPP/PAP), the closed port
# refuses, and each vantage has its path condition.
check() {
  [ -f "$ENV_FILE" ] || die "no env file at $ENV_FILE (is the lab up?)"
  local PY; PY=$(command -v /usr/bin/python3 || command -v python3)
  # shellcheck disable=SC1090
  . "$ENV_FILE"
  local fails=0 p up a a6 fp sstp
  c() { local ns=$1; shift; printf '%-14s ' "${ns#"$P"}"; ip netns exec "$ns" "$PY" "$HERE/check.py" "$@" || fails=$((fails + 1)); }
  for p in "${PROFILES[@]}"; do
    up=${p^^}; a=SSTP_${up}_ADDR; a6=SSTP_${up}_ADDR6; fp=SSTP_${up}_CERT
    fp=$(openssl x509 -in "${!fp}" -noout -fingerprint -sha256 | cut -d= -f2)
    sstp=200; [ "$p" = unfixed ] && sstp=silent
    c "$VANTAGE_CLEAN" tls "${!a}" "$fp" --sstp "$sstp"
    c "$VANTAGE_CLEAN" tls "${!a6}" "$fp"
  done
  # The lab user logs in (PPP PAP; the password goes through the environment, not the command line).
  local SSTP_USER SSTP_PASSWORD
  # shellcheck disable=SC1090
  . "$SSTP_SECRETS"
  SSTP_PASSWORD=$SSTP_PASSWORD c "$VANTAGE_CLEAN" login "$SSTP_RSA_ADDR" "$SSTP_USER" ok
  SSTP_PASSWORD=$SSTP_PASSWORD c "$VANTAGE_CLEAN" login "$SSTP_ECDSA_ADDR6" "$SSTP_USER@SSTPHUB" ok
  SSTP_PASSWORD=not-the-password c "$VANTAGE_CLEAN" login "$SSTP_RSA_ADDR" "$SSTP_USER" refused
  c "$VANTAGE_CLEAN" tcp "$SSTP_CLOSED_ADDR" "$SSTP_CLOSED_PORT" refused
  c "$VANTAGE_CLEAN" tcp "$SSTP_RSA_ADDR6" "$SSTP_CLOSED_PORT" refused
  fp=$(openssl x509 -in "$SSTP_RSA_CERT" -noout -fingerprint -sha256 | cut -d= -f2)
  for a in "$VANTAGE_FRAGDROP" "$VANTAGE_IKEBLOCK"; do c "$a" tls "$SSTP_RSA_ADDR" "$fp" --sstp 200; done
  # probe-a: MTU 1280, fragments pass (3000-byte echo is fragmented on the way out and back)
  c "$VANTAGE_CLEAN" ping "$SSTP_RSA_ADDR" 3000 reply
  c "$VANTAGE_CLEAN" ping "$SSTP_RSA_ADDR6" 3000 reply
  c "$VANTAGE_CLEAN" udp "$SSTP_RSA_ADDR" 500 refused
  # probe-b: fragments dropped, unfragmented packets pass
  c "$VANTAGE_FRAGDROP" ping "$SSTP_RSA_ADDR" 1000 reply
  c "$VANTAGE_FRAGDROP" ping "$SSTP_RSA_ADDR" 3000 silent
  c "$VANTAGE_FRAGDROP" ping "$SSTP_RSA_ADDR6" 3000 silent
  # probe-c: IKE ports dropped (silence instead of port unreachable), other UDP not
  c "$VANTAGE_IKEBLOCK" udp "$SSTP_RSA_ADDR" 500 silent
  c "$VANTAGE_IKEBLOCK" udp "$SSTP_RSA_ADDR6" 4500 silent
  c "$VANTAGE_IKEBLOCK" udp "$SSTP_RSA_ADDR" 501 refused
  [ "$(ip -n "$VANTAGE_CLEAN" -o link show eth0 | grep -o 'mtu [0-9]*')" = "mtu 1280" ] ||
    { echo "FAIL: $VANTAGE_CLEAN eth0 MTU is not 1280"; fails=$((fails + 1)); }
  [ $fails -eq 0 ] || die "$fails check(s) failed"
  log "all checks passed"
}

status() {
  "$HERE/netns.sh" status
  local d
  for d in "$LAB_RUN"/sstp/*/; do
    [ -f "$d/vpnserver.pid" ] || continue
    if kill -0 "$(cat "$d/vpnserver.pid")" 2>/dev/null; then echo "  server $(basename "$d"): pid $(cat "$d/vpnserver.pid")";
    else echo "  server $(basename "$d"): NOT RUNNING"; fi
  done
  [ -f "$ENV_FILE" ] && echo "env file: $ENV_FILE" || echo "no env file"
}

[ -n "$P" ] || die "LAB_PREFIX must not be empty"
case ${1:-} in
  up) up ;;
  down) down ;;
  env) [ -f "$ENV_FILE" ] || die "no env file at $ENV_FILE (is the lab up?)"; cat "$ENV_FILE" ;;
  status) status ;;
  check) check ;;
  *) echo "usage: $0 up|down|env|status|check" >&2; exit 2 ;;
esac
