#!/usr/bin/env bash
# One SoftEther VPN Server (Debian's package) as an SSTP server on TCP 443 inside a lab network namespace.
#
# usage: instance.sh start NAME NETNS INSTDIR CERT KEY [fixed|unfixed]
#        instance.sh stop  NAME NETNS INSTDIR
#
# start: runs `vpnserver execsvc` (foreground mode) in NETNS. `ip netns exec` gives it a private mount
#   namespace, in which INSTDIR/{db,log,run} are bind-mounted over /var/lib, /var/log and /run/softether
#   (where Debian's build keeps its config, logs and control files), so instances never share state and
#   nothing of theirs is visible outside. Then, through vpncmd on port 443 (SoftEther speaks its admin
#   protocol on every listener, so no 5555/992 listener is needed):
#     admin password, SSTP on, OpenVPN and IPsec/L2TP/EtherIP off, hub SSTPHUB with one user and
#     SecureNAT's DHCP (virtual NAT off: PPP/IPCP needs an address, nothing needs routing),
#     the certificate: RSA 1024/2048 with ServerCertSet; other keys (ECDSA) by config edit, since
#     ServerCertSet refuses them;
#   then ConfigGet, edit-config.py (listeners: 443 only; no UDP ports, NAT traversal, DDNS, JSON-RPC API;
#   certificate for non-RSA keys), and a fresh vpnserver process on the edited config (faster than
#   ConfigSet, see below).
#   Ready = only 443 listens (IPv4 and IPv6), it serves CERT (fingerprint), and with the fixed
#   binary an SSTP_DUPLEX_POST gets HTTP 200; checked from inside NETNS, on its loopback only.
#   INSTDIR/vpnserver.pid holds the pid; vpncmd output (passwords masked) is in INSTDIR/vpncmd.log.
#   fixed (default): a patched copy of Debian's binary (see patch-vpnserver.py), made once in
#   $LAB_RUN/bin; unfixed: Debian's binary as installed (accepts the SSTP POST and never answers).
# stop: kills the pid in INSTDIR/vpnserver.pid and its child (execsvc forks a worker), only after
#   checking they are the vpnserver we started (command line, network namespace), and waits for them.
#
# Passwords (admin, hub, user) are random, made once per $LAB_RUN in $LAB_RUN/secrets.env (mode 600);
# they are never put on a command line nor in a log.
# env: LAB_RUN (state dir, default lab/run), LAB_READY_TIMEOUT (seconds, default 30), LAB_TRACE (see below),
#      SSTP_LAB_HUBS=yes (the extra hubs and users of extra_hubs below: for the main server only)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUN=${LAB_RUN:-$(dirname "$HERE")/run}
DEBIAN_BIN=/usr/libexec/softether/vpnserver/vpnserver
VPNCMD=/usr/libexec/softether/vpncmd/vpncmd
HUB=SSTPHUB
# Debian's python3 directly: a python3 earlier in PATH may be a shim (pyenv) that costs 0.1 s per call.
PY=$(command -v /usr/bin/python3 || command -v python3) || { echo "instance: python3 is not installed" >&2; exit 1; }

usage() { echo "usage: $0 start NAME NETNS INSTDIR CERT KEY [fixed|unfixed] | stop NAME NETNS INSTDIR" >&2; exit 2; }
[ $# -ge 4 ] || usage
ACTION=$1 NAME=$2 NETNS=$3
mkdir -p "$4"
INST=$(cd "$4" && pwd)
# LAB_TRACE=1: a timestamped trace of this script in INSTDIR/trace (to see where start-up time goes).
if [ -n "${LAB_TRACE:-}" ]; then exec 7>"$INST/trace"; BASH_XTRACEFD=7; PS4='+ ${EPOCHREALTIME} '; set -x; fi
log() { echo "instance $NAME: $*" >&2; }
# Interrupted: exit non-zero, so the EXIT trap of `start` stops the server it launched.
trap 'exit 130' INT
trap 'exit 143' TERM
die() { log "$*"; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, mounts)"

now_ms() { date +%s%3N; }

# ---- processes ---------------------------------------------------------------------------------------

cmdline_of() {  # NULs become spaces (also after the last argument)
  local a out=""
  { while IFS= read -r -d '' a; do out+="$a "; done <"/proc/$1/cmdline"; } 2>/dev/null || true
  printf '%s' "$out"
}
# (read, not cat: these run in polling loops and over all of /proc, where a fork each adds up)
alive() {  # running, and not a zombie waiting to be reaped (PID 1 may reap late)
  local st
  { read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
  st=${st##*) }
  [ "${st%% *}" != Z ]
}
children_of() {
  local d st rest
  for d in /proc/[0-9]*; do
    { read -r st <"$d/stat"; } 2>/dev/null || continue
    rest=${st##*) }; rest=${rest#* }
    [ "${rest%% *}" = "$1" ] && echo "${d#/proc/}"
  done
  return 0
}
# Ours = the binary we started, in execsvc mode, and (while NETNS exists) inside NETNS.
is_ours() {
  local pid=$1 bin=$2
  [ "$(cmdline_of "$pid")" = "$bin execsvc " ] || return 1
  if [ -e "/var/run/netns/$NETNS" ]; then
    [ "$(stat -L -c %d:%i "/proc/$pid/ns/net" 2>/dev/null)" = "$(stat -L -c %d:%i "/var/run/netns/$NETNS")" ] || return 1
  fi
}

# kill_server PID BIN SIGNAL GRACE_STEPS: signals our vpnserver PID and its worker children (execsvc
# forks one), parent first so the watchdog cannot restart a worker; escalates to SIGKILL after
# GRACE_STEPS x 20 ms, and returns once all of them are gone.
kill_server() {
  local pid=$1 bin=$2 sig=$3 grace=$4 pids=() p i
  pids=("$pid")
  for p in $(children_of "$pid"); do is_ours "$p" "$bin" && pids+=("$p"); done
  kill "-$sig" "${pids[@]}" 2>/dev/null || true
  for i in $(seq 250); do
    local left=()
    for p in "${pids[@]}"; do alive "$p" && left+=("$p"); done
    [ ${#left[@]} -eq 0 ] && return 0
    if [ "$i" -eq "$grace" ]; then
      for p in "${left[@]}"; do is_ours "$p" "$bin" && kill -KILL "$p" 2>/dev/null || true; done
    fi
    sleep 0.02
  done
  die "pid(s) ${pids[*]} did not exit"
}

stop() {
  local pidf="$INST/vpnserver.pid" pid bin
  [ -f "$pidf" ] || return 0
  pid=$(cat "$pidf"); bin=$(cat "$INST/vpnserver.bin" 2>/dev/null || true)
  if ! [[ $pid =~ ^[0-9]+$ ]] || [ -z "$bin" ] || ! alive "$pid"; then rm -f "$pidf"; return 0; fi
  if ! is_ours "$pid" "$bin"; then
    log "pid $pid is not our vpnserver any more ($(cmdline_of "$pid")): not killing it"
    rm -f "$pidf"; return 0
  fi
  # SIGTERM would make it shut down cleanly, which takes more than 0.5 s (0.4 s per listener alone);
  # a lab server has nothing worth saving (its config is rewritten at every start): SIGKILL.
  kill_server "$pid" "$bin" KILL 1
  rm -f "$pidf"
  log "stopped (pid $pid)"
}

# ---- preparation (shared by parallel starts: under a lock) ---------------------------------------------

fixed_binary() {  # the patched copy, made on first use and again whenever Debian's binary changes
  local dir="$RUN/bin" sum
  mkdir -p "$dir"
  exec 8>"$dir/.lock"; flock 8
  sum=$(sha256sum "$DEBIAN_BIN" | cut -d' ' -f1)
  if [ ! -x "$dir/vpnserver" ] || [ "$(cat "$dir/vpnserver.source-sha256" 2>/dev/null)" != "$sum" ]; then
    "$PY" "$HERE/patch-vpnserver.py" "$DEBIAN_BIN" "$dir/vpnserver" || die "cannot make the fixed vpnserver"
    echo "$sum" >"$dir/vpnserver.source-sha256"
  fi
  # SoftEther reads its string table from hamcore.se2 beside its own executable.
  ln -sfn "$(readlink -f "$(dirname "$DEBIAN_BIN")/hamcore.se2")" "$dir/hamcore.se2"
  exec 8>&-
  echo "$dir/vpnserver"
}

load_secrets() {
  { local x=${-//[^x]/}; set +x; } 2>/dev/null   # no passwords in a LAB_TRACE trace
  local f="$RUN/secrets.env"
  mkdir -p "$RUN"
  exec 8>"$RUN/.secrets.lock"; flock 8
  if [ ! -s "$f" ]; then
    (umask 077; {
      echo "# vpnprobe lab only: SoftEther passwords of the lab servers (made by lab/softether/instance.sh)"
      echo "LAB_ADMIN_PASSWORD=$(openssl rand -hex 12)"
      echo "SSTP_HUB=$HUB"
      echo "SSTP_HUB_PASSWORD=$(openssl rand -hex 12)"
      echo "SSTP_USER=vpnprobe"
      echo "SSTP_PASSWORD=$(openssl rand -hex 12)"
    } >"$f.tmp" && mv "$f.tmp" "$f")
  fi
  # The users of the extra hubs (SSTP_LAB_HUBS), added to a secrets file made before they existed.
  local k
  for k in SSTP_USER2_PASSWORD SSTP_DENIED_PASSWORD SSTP_NOPOOL_PASSWORD SSTP_NOROUTE_PASSWORD; do
    grep -q "^$k=" "$f" || (umask 077; echo "$k=$(openssl rand -hex 12)" >>"$f")
  done
  exec 8>&-
  # shellcheck disable=SC1090
  . "$f"
  [ -z "$x" ] || set -x
}

# The extra hubs and users of the lab's main server (SSTP_LAB_HUBS=yes), as vpncmd commands; the Local
# Bridge devices (br-hub, br-noroute, br-pool) must exist in NETNS (sstp-lab.sh makes them: netns.sh add-far).
#   SSTPHUB  + vpnprobe2 (a second user: the tests give it the wrong password), denied (policy Access=no),
#              Local Bridge br-hub (a namespace with a kernel at 192.168.30.2 behind the hub)
#   NOROUTE  user noroute; SecureNAT DHCP 192.168.31.10-20; Local Bridge br-noroute to a kernel at
#              192.168.31.2/32 without a route back to the pool: echo requests arrive, replies have no route
#   NOPOOL   user nopool; SecureNAT DHCP pool of one address (192.168.32.10), which sstp-lab.sh takes through
#              Local Bridge br-pool (dhcp-hold.py) so that the pool is exhausted for every PPP client
# SecureNAT's virtual NAT stays off everywhere (nothing routes out of a hub); lease time: SoftEther's longest.
extra_hubs() {
  cat <<END
Hub $HUB
UserCreate vpnprobe2 /GROUP:none /REALNAME:none /NOTE:none
UserPasswordSet vpnprobe2 /PASSWORD:$SSTP_USER2_PASSWORD
UserCreate denied /GROUP:none /REALNAME:none /NOTE:none
UserPasswordSet denied /PASSWORD:$SSTP_DENIED_PASSWORD
UserPolicySet denied /NAME:Access /VALUE:no
Hub
HubCreate NOROUTE /PASSWORD:$SSTP_HUB_PASSWORD
Hub NOROUTE
UserCreate noroute /GROUP:none /REALNAME:none /NOTE:none
UserPasswordSet noroute /PASSWORD:$SSTP_NOROUTE_PASSWORD
SecureNatEnable
NatDisable
SecureNatHostSet /MAC:none /IP:192.168.31.1 /MASK:255.255.255.0
DhcpSet /START:192.168.31.10 /END:192.168.31.20 /MASK:255.255.255.0 /EXPIRE:7200 /GW:none /DNS:192.168.31.1 /DNS2:none /DOMAIN:none /LOG:yes
Hub
HubCreate NOPOOL /PASSWORD:$SSTP_HUB_PASSWORD
Hub NOPOOL
UserCreate nopool /GROUP:none /REALNAME:none /NOTE:none
UserPasswordSet nopool /PASSWORD:$SSTP_NOPOOL_PASSWORD
SecureNatEnable
NatDisable
SecureNatHostSet /MAC:none /IP:192.168.32.1 /MASK:255.255.255.0
DhcpSet /START:192.168.32.10 /END:192.168.32.10 /MASK:255.255.255.0 /EXPIRE:2000000 /GW:none /DNS:192.168.32.1 /DNS2:none /DOMAIN:none /LOG:yes
Hub
BridgeCreate $HUB /DEVICE:br-hub /TAP:no
BridgeCreate NOROUTE /DEVICE:br-noroute /TAP:no
BridgeCreate NOPOOL /DEVICE:br-pool /TAP:no
END
}

# vpncmd NAME-OF-LOG STDIN-TEXT ARGS...: runs vpncmd in the server's own mount + network namespace (it
# connects to localhost:443 there), working directory INST/work (ConfigGet/ConfigSet paths are relative:
# vpncmd reads a leading '/' as a parameter name). Output goes to vpncmd.log with every secret masked.
vpncmd() {
  { local x=${-//[^x]/}; set +x; } 2>/dev/null   # a LAB_TRACE trace must not show the passwords either
  local stdin=$1; shift
  local out rc=0
  out=$(printf '%s' "$stdin" | nsenter -t "$PID" -m -n --wd="$INST/work" "$VPNCMD" localhost:443 /SERVER "$@" 2>&1) || rc=$?
  local secret
  for secret in "$LAB_ADMIN_PASSWORD" "$SSTP_HUB_PASSWORD" "$SSTP_PASSWORD" "$SSTP_USER2_PASSWORD" \
    "$SSTP_DENIED_PASSWORD" "$SSTP_NOPOOL_PASSWORD" "$SSTP_NOROUTE_PASSWORD"; do
    out=${out//"$secret"/***}
  done
  printf '%s\n' "$out" >>"$INST/vpncmd.log"
  if [ $rc -ne 0 ] || grep -q '^Error occurred' <<<"$out"; then
    die "vpncmd failed (exit $rc): $(grep -A2 '^Error occurred' <<<"$out" | tr '\n' ' ' | cut -c1-300); see $INST/vpncmd.log"
  fi
  [ -z "$x" ] || set -x
}

start() {
  [ $# -ge 2 ] || usage
  local cert key mode=${3:-fixed} bin t0 fp certset=no
  cert=$(readlink -f "$1"); key=$(readlink -f "$2")
  t0=$(now_ms)
  [ -e "/var/run/netns/$NETNS" ] || die "network namespace $NETNS does not exist"
  [ -r "$cert" ] && [ -r "$key" ] || die "cannot read $cert / $key"
  [ "$(openssl x509 -in "$cert" -noout -pubkey)" = "$(openssl pkey -in "$key" -pubout)" ] ||
    die "$key is not the key of $cert"
  case $mode in
    fixed) bin=$(fixed_binary) ;;
    unfixed) bin=$DEBIAN_BIN ;;
    *) usage ;;
  esac
  [ -x "$DEBIAN_BIN" ] || die "softether-vpnserver is not installed"
  [ -x "$VPNCMD" ] || die "softether-vpncmd is not installed"
  if [ -f "$INST/vpnserver.pid" ] && alive "$(cat "$INST/vpnserver.pid")"; then
    die "already running (pid $(cat "$INST/vpnserver.pid")); stop it first"
  fi
  # RSA 1024/2048 goes through ServerCertSet; everything else (ECDSA, bigger RSA) through the config.
  local info; info=$(openssl x509 -in "$cert" -noout -fingerprint -sha256 -text)
  [[ $info == *"Public Key Algorithm: rsaEncryption"* ]] &&
    [[ $info =~ Public-Key:\ \((1024|2048)\ bit\) ]] && certset=yes
  fp=${info%%$'\n'*}; fp=${fp#*=}
  load_secrets

  # A fresh state every time: the configuration below is the whole configuration.
  rm -rf "$INST/db" "$INST/log" "$INST/run" "$INST/work" "$INST/vpncmd.log" "$INST/vpnserver.out"
  mkdir -p "$INST/db" "$INST/log" "$INST/run" "$INST/work"
  chmod 700 "$INST" "$INST/work"
  echo "$bin" >"$INST/vpnserver.bin"

  # From here on, a failure stops what we started.
  trap 'rc=$?; if [ $rc -ne 0 ]; then log "start failed, stopping"; stop || true; fi' EXIT

  # Pass 1: a fresh server, configured with vpncmd; its configuration is then read back (ConfigGet).
  launch "$bin"
  local certcmd=""
  [ $certset = yes ] && certcmd="ServerCertSet /LOADCERT:$cert /LOADKEY:$key"
  # The command file holds passwords: owner-only, deleted right after use.
  (umask 077; cat >"$INST/work/setup.vpncmd" <<EOF
ServerPasswordSet $LAB_ADMIN_PASSWORD
KeepDisable
VpnAzureSetEnable no
ProtoOptionsSet SSTP /NAME:Enabled /VALUE:true
ProtoOptionsSet OpenVPN /NAME:Enabled /VALUE:false
$certcmd
HubCreate $HUB /PASSWORD:$SSTP_HUB_PASSWORD
IPsecEnable /L2TP:no /L2TPRAW:no /ETHERIP:no /PSK:notused /DEFAULTHUB:$HUB
Hub $HUB
UserCreate $SSTP_USER /GROUP:none /REALNAME:none /NOTE:none
UserPasswordSet $SSTP_USER /PASSWORD:$SSTP_PASSWORD
SecureNatEnable
NatDisable
Hub
$(if [ "${SSTP_LAB_HUBS:-}" = yes ]; then extra_hubs; fi)
ConfigGet server.config
EOF
  )
  vpncmd "" "/IN:$INST/work/setup.vpncmd"
  rm -f "$INST/work/setup.vpncmd"
  [ -s "$INST/work/server.config" ] || die "ConfigGet wrote no configuration"
  local editargs=()
  [ $certset = no ] && editargs=(--cert "$cert" --key "$key")
  "$PY" "$HERE/edit-config.py" "$INST/work/server.config" "$INST/work/lab.config" "${editargs[@]}"
  rm -f "$INST/work/server.config"

  # Pass 2: the edited configuration, loaded by a fresh process. vpncmd's ConfigSet would do the same
  # in-process, but its restart (like ListenerDelete) stops each of the 4 default listeners in 0.4 s;
  # killing pass 1 (it holds nothing worth saving) and starting again takes 0.2 s.
  kill_server "$PID" "$bin" KILL 1
  cp "$INST/work/lab.config" "$INST/db/vpn_server.config"
  chmod 600 "$INST/db/vpn_server.config"
  rm -rf "$INST/run" && mkdir -p "$INST/run"
  launch "$bin"

  local sstp=()
  [ "$mode" = fixed ] && sstp=(--sstp)
  ip netns exec "$NETNS" "$PY" "$HERE/ready.py" wait --fingerprint "$fp" \
    --timeout "${LAB_READY_TIMEOUT:-30}" "${sstp[@]}" || die "not ready; see $INST/log/server_log"
  trap - EXIT
  log "ready in $(( $(now_ms) - t0 )) ms: pid $PID in $NETNS, $mode binary, certificate $(basename "$cert") via $([ $certset = yes ] && echo ServerCertSet || echo config)"
}

# launch BIN: starts vpnserver in NETNS with INST's directories, sets PID, writes the pid file, and
# returns once it listens on 443.
launch() {
  local bin=$1 i
  # setsid: the server outlives this script and is out of its caller's process group (a Ctrl-C or a
  # test runner's kill of the group does not reach it); all its fds point at files, so nobody waiting
  # for this script's output waits for the server. `ip netns exec` and `sh` exec() into vpnserver, so
  # $! ends up being the vpnserver itself. The mount points are created on the host first, as systemd
  # would for the packaged service (StateDirectory= etc.); the binds themselves stay private.
  setsid ip netns exec "$NETNS" sh -c '
      mkdir -p /var/lib/softether /var/log/softether /run/softether &&
      mount --bind "$1/db" /var/lib/softether &&
      mount --bind "$1/log" /var/log/softether &&
      mount --bind "$1/run" /run/softether &&
      exec "$2" execsvc' sh "$INST" "$bin" </dev/null >>"$INST/vpnserver.out" 2>&1 &
  PID=$!
  disown "$PID"   # no "Killed" job notice when pass 1 is killed
  echo "$PID" >"$INST/vpnserver.pid"
  for i in $(seq 250); do [ "$(cmdline_of "$PID")" = "$bin execsvc " ] && break; alive "$PID" || break; sleep 0.02; done
  is_ours "$PID" "$bin" || die "vpnserver did not start: $(tail -c 500 "$INST/vpnserver.out")"
  ip netns exec "$NETNS" "$PY" "$HERE/ready.py" listen --timeout 20 || die "vpnserver does not listen on 443"
}

case $ACTION in
  start) shift 4; start "$@" ;;
  stop) stop ;;
  *) usage ;;
esac
