#!/usr/bin/env bash
# The IKEv2 lab: real IKEv2 responders (strongSwan 5.9.8 profiles, a port-split load balancer, libreswan
# 4.10) in server namespaces of the netns.sh topology, and an env file that tells tests where they are.
#
#   profile   namespace          IPv4 / IPv6               what it is for
#   frag      ${P}ike-frag       10.99.20.2 fd99:20::2     IKE fragmentation (fragment_size 500: >= 2 SKF)
#   nofrag    ${P}ike-nofrag     10.99.21.2 fd99:21::2     no IKE fragmentation, ~3.6 KB IKE_AUTH response
#   fragbig   ${P}ike-fragbig    10.99.22.2 fd99:22::2     the same big response, IKE-fragmented (1280)
#   noeku     ${P}ike-noeku      10.99.23.2 fd99:23::2     certificate without serverAuth EKU
#   expired   ${P}ike-expired    10.99.24.2 fd99:24::2     expired certificate
#   weak      ${P}ike-weak       10.99.25.2 fd99:25::2     RRAS-like weak proposals (3DES, SHA1, DH 2)
#   strict    ${P}ike-strict     10.99.26.2 fd99:26::2     aes256gcm16-prfsha384-ecp384 only
#   cookie    ${P}ike-cookie     10.99.27.2 fd99:27::2     N(COOKIE) on every first IKE_SA_INIT
#   lb        ${P}ike-lb         10.99.28.2 fd99:28::2     UDP 500 -> ${P}ike-lb-a (10.99.29.2),
#                                                          UDP 4500 -> ${P}ike-lb-b (10.99.30.2)
#   libreswan ${P}ike-lsw        10.99.31.2 fd99:31::2     libreswan 4.10, EAP-TLS-only responder
#   tunnel    ${P}ike-tunnel     10.99.32.2 fd99:32::2     the user tunnel all the way in: ESP in user space
#                                                          (kernel-libipsec), pool 10.98.32.0/24 + DNS, the
#                                                          protected subnet 10.97.32.0/24 where ${P}ike-far
#                                                          (10.97.32.2, behind the responder only) answers
#                                                          ICMP; IDi `nopool` gets no address
# (details: lab/strongswan/README.md; indices 20-39 are the IKE lab's, 10-19 the SSTP lab's)
#
# usage: ike-lab.sh up | down | env | status | check
#   up      brings the topology up with netns.sh only if ${P}router does not exist yet, adds the server
#           namespaces, starts every responder in parallel, writes $LAB_RUN/ike-lab.env
#   down    stops what `up` started, removes only the IKE server namespaces, and the topology only if
#           `up` brought it up and no other lab's server namespace is left in it
#   check   drives the reference initiator (lab/strongswan/initiator.sh) from the vantage namespaces
#           against every responder and checks the logs for the behaviour each profile exists for
# env: LAB_PREFIX (default vp-), LAB_RUN (default lab/run), LAB_READY_TIMEOUT (default 30)
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
ENV_FILE=$LAB_RUN/ike-lab.env
SECRETS=$LAB_RUN/ike-secrets.env
ST=$LAB_RUN/ike                    # state: pki/, one directory per instance, check/
PKI=$ST/pki
LSW_ROOT=$LAB_RUN/libreswan-4.10   # extracted libreswan (kept between runs)
OWNER_MARK=$ST/topology-brought-up # present when our `up` brought the topology up
SS=$HERE/strongswan

# profile -> index (10.99.INDEX.2, fd99:INDEX::2); namespace ${P}ike-PROFILE
STRONGSWAN_PROFILES=(frag nofrag fragbig noeku expired weak strict cookie tunnel)
declare -A IDX=([frag]=20 [nofrag]=21 [fragbig]=22 [noeku]=23 [expired]=24 [weak]=25 [strict]=26 [cookie]=27
                [lb]=28 [lb-a]=29 [lb-b]=30 [lsw]=31 [tunnel]=32)
# certificate each responder serves (file stem in the PKI)
declare -A CERT=([frag]=server [nofrag]=big [fragbig]=big [noeku]=noeku [expired]=expired [weak]=server
                 [strict]=server [cookie]=server [lb]=server [lsw]=server [tunnel]=server)
SERVERS=("${STRONGSWAN_PROFILES[@]}" lb lb-a lb-b lsw)   # every server namespace this lab adds
EAP_ID=vpnprobe
# The far side of the tunnel profile: a namespace reachable only through the responder's namespace, on the
# protected subnet (instance.sh's TUNNEL_NET); what a client reaches through the CHILD_SA.
FAR_NS=${P}ike-far
TUNNEL_GW=10.97.32.1 TUNNEL_FAR=10.97.32.2 TUNNEL_POOL4=10.98.32.0/24

log() { echo "ike-lab: $*" >&2; }
die() { log "$*"; exit 1; }
now_ms() { date +%s%3N; }
secs() { local ms=$(( $(now_ms) - $1 )); printf '%d.%03d' $((ms / 1000)) $((ms % 1000)); }
ns_of() { echo "${P}ike-$1"; }
have_ns() { [ -e "/var/run/netns/$1" ]; }

[ -n "$P" ] || die "LAB_PREFIX must not be empty"

need() {
  local missing=() c
  for c in ip nft openssl python3 setsid certutil pk12util dpkg apt-get swanctl; do command -v "$c" >/dev/null || missing+=("$c"); done
  [ -x /usr/lib/ipsec/charon ] || missing+=("strongswan-charon")
  [ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]} (scripts/install-deps.sh installs them)"
}

# The PKI is kept between runs unless incomplete, about to expire, or made by another mkpki.sh.
pki_current() {
  local f
  [ "$(cat "$PKI/.mkpki-sha256" 2>/dev/null)" = "$(sha256sum "$SS/mkpki.sh" | cut -d' ' -f1)" ] || return 1
  for f in ca server noeku big bigca device; do
    [ -s "$PKI/$f.key" ] && openssl x509 -in "$PKI/$f.crt" -noout -checkend 172800 >/dev/null 2>&1 || return 1
  done
  [ -s "$PKI/expired.crt" ] && [ -s "$PKI/server.p12" ]
}
make_pki() {
  pki_current && return 0
  rm -rf "$PKI"
  "$SS/mkpki.sh" "$PKI"          # (its default IP list is this lab's: indices 20-31)
  sha256sum "$SS/mkpki.sh" | cut -d' ' -f1 >"$PKI/.mkpki-sha256"
}
# The lab user's EAP password: random, once per LAB_RUN, owner-only, never on a command line.
make_secrets() {
  [ -s "$SECRETS" ] && grep -q '^IKE_EAP_PASSWORD=' "$SECRETS" && return 0
  (umask 077; printf 'IKE_EAP_ID=%s\nIKE_EAP_PASSWORD=%s\n' "$EAP_ID" "$(openssl rand -base64 18 | tr -d '/+=')" >"$SECRETS.tmp")
  mv "$SECRETS.tmp" "$SECRETS"
}

write_env() {
  local p n up tmp="$ENV_FILE.tmp"
  {
    echo "# vpnprobe IKEv2 lab, written by lab/ike-lab.sh up on $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "# Lab traffic only from a lab namespace: ip netns exec \$VANTAGE_CLEAN ..."
    echo "LAB_PREFIX=$P"
    echo "LAB_RUN=$LAB_RUN"
    echo "LAB_ROUTER=${P}router"
    echo "IKE_CA=$PKI/ca.crt"
    echo "IKE_SERVER_ID=vpn.test"
    echo "IKE_EAP_ID=$EAP_ID"
    # the password is in this owner-only file (IKE_EAP_PASSWORD), not here
    echo "IKE_SECRETS=$SECRETS"
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
    for p in "${STRONGSWAN_PROFILES[@]}" lb; do
      n=${IDX[$p]} up=${p^^}
      echo "IKE_${up}_ADDR=10.99.$n.2"
      echo "IKE_${up}_ADDR6=fd99:$n::2"
      echo "IKE_${up}_NETNS=$(ns_of "$p")"
      echo "IKE_${up}_CERT=$PKI/${CERT[$p]}.crt"
      [ "$p" = lb ] || echo "IKE_${up}_LOG=$ST/$p/charon.log"
    done
    echo "IKE_BIGCA_CERT=$PKI/bigca.crt"
    echo "IKE_LB_A_ADDR=10.99.${IDX[lb-a]}.2"
    echo "IKE_LB_A_ADDR6=fd99:${IDX[lb-a]}::2"
    echo "IKE_LB_A_LOG=$ST/lb/a/charon.log"
    echo "IKE_LB_B_ADDR=10.99.${IDX[lb-b]}.2"
    echo "IKE_LB_B_ADDR6=fd99:${IDX[lb-b]}::2"
    echo "IKE_LB_B_LOG=$ST/lb/b/charon.log"
    echo "LIBRESWAN_ADDR=10.99.${IDX[lsw]}.2"
    echo "LIBRESWAN_ADDR6=fd99:${IDX[lsw]}::2"
    echo "LIBRESWAN_NETNS=$(ns_of lsw)"
    echo "LIBRESWAN_CERT=$PKI/server.crt"
    echo "LIBRESWAN_LOG=$ST/lsw/pluto.log"
    echo "IKE_TUNNEL_FAR_NETNS=$FAR_NS"
    echo "IKE_TUNNEL_PING=$TUNNEL_FAR"
    echo "IKE_TUNNEL_POOL4=$TUNNEL_POOL4"
    echo "IKE_TUNNEL_NET=10.97.32.0/24"
    echo "IKE_TUNNEL_DNS=10.97.32.53,10.97.32.54"
    echo "IKE_TUNNEL_NOPOOL_ID=nopool"
    echo "IKE_TUNNEL_NOESP_ID=noesp"
    echo "IKE_DEVICE_CERT=$PKI/device.crt"
    echo "IKE_DEVICE_KEY=$PKI/device.key"
    echo "IKE_DEVICE_ID=\"CN=device1.vpn.test, O=vpnprobe lab\""
  } >"$tmp"
  mv "$tmp" "$ENV_FILE"
}

# far_up: ${P}ike-far on a veth pair with the tunnel responder's namespace (born in the namespaces, nothing
# in the root one); the responder's namespace forwards between its TUN device and the far side, the far
# side routes the pool back through it. No other route: the far side reaches nothing else.
far_up() {
  local tns; tns=$(ns_of tunnel)
  ip netns add "$FAR_NS"
  ip -n "$FAR_NS" link set lo up
  ip -n "$tns" link add far0 type veth peer name eth0 netns "$FAR_NS"
  ip -n "$tns" addr add "$TUNNEL_GW/24" dev far0
  ip -n "$tns" link set far0 up
  ip netns exec "$tns" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  ip -n "$FAR_NS" addr add "$TUNNEL_FAR/24" dev eth0
  ip -n "$FAR_NS" link set eth0 up
  ip -n "$FAR_NS" route add "$TUNNEL_POOL4" via "$TUNNEL_GW"
}
far_down() { ! have_ns "$FAR_NS" || ip netns del "$FAR_NS"; }

declare -A START_JOBS=()   # name -> pid (= process group) of a start job, while it runs

abort_starts() {
  local k pid
  for k in "${!START_JOBS[@]}"; do
    pid=${START_JOBS[$k]}
    kill -0 "$pid" 2>/dev/null && kill -TERM -- "-$pid" 2>/dev/null || true
  done
  for k in "${!START_JOBS[@]}"; do wait "${START_JOBS[$k]}" 2>/dev/null || true; done
  START_JOBS=()
}

up() {
  local t0 s ns; t0=$(now_ms)
  [ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, mounts)"
  need
  ! have_ns "$FAR_NS" || die "$FAR_NS already exists: the IKE lab is up (or half-up): run '$0 down' first"
  for s in "${SERVERS[@]}"; do
    ! have_ns "$(ns_of "$s")" || die "$(ns_of "$s") already exists: the IKE lab is up (or half-up): run '$0 down' first"
  done
  mkdir -p "$ST"
  # PKI, secret and libreswan extraction are made while the namespaces are built.
  (make_pki >"$ST/pki.log" 2>&1) & local pki_pid=$!
  ("$HERE/libreswan/instance.sh" fetch "$LSW_ROOT" >"$ST/libreswan-fetch.log" 2>&1) & local fetch_pid=$!
  make_secrets
  rm -f "$ENV_FILE"
  # From here on, any failure (or Ctrl-C) tears down what this run built.
  # shellcheck disable=SC2154  # rc is set inside the trap
  trap 'rc=$?; trap - EXIT INT TERM; if [ $rc -ne 0 ]; then log "up failed after $(secs "$t0") s, tearing down"; abort_starts; down >/dev/null 2>&1 || true; fi; exit $rc' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  # The topology is shared with the SSTP lab: bring it up only if nobody has.
  if ! have_ns "${P}router"; then
    "$HERE/netns.sh" up
    touch "$OWNER_MARK"
  else
    log "topology ${P}router is already up: using it"
  fi
  for s in "${SERVERS[@]}"; do "$HERE/netns.sh" add-server "ike-$s" "${IDX[$s]}"; done
  far_up
  wait "$pki_pid" || die "could not make the PKI: $(cat "$ST/pki.log")"
  wait "$fetch_pid" || die "could not extract libreswan: $(cat "$ST/libreswan-fetch.log")"

  # Everything at once; each start in its own process group (setsid) so an interrupted `up` can stop it.
  local p
  for p in "${STRONGSWAN_PROFILES[@]}"; do
    mkdir -p "$ST/$p"
    setsid "$SS/instance.sh" start "ike-$p" "$(ns_of "$p")" "$ST/$p" --profile "$p" --pki "$PKI" --secrets "$SECRETS" \
      </dev/null >"$ST/$p.start.log" 2>&1 &
    START_JOBS[$p]=$!
  done
  setsid "$SS/lb.sh" start "$ST/lb" "$(ns_of lb)" "$(ns_of lb-a)" "$(ns_of lb-b)" --pki "$PKI" --secrets "$SECRETS" \
    </dev/null >"$ST/lb.start.log" 2>&1 &
  START_JOBS[lb]=$!
  setsid "$HERE/libreswan/instance.sh" start ike-lsw "$(ns_of lsw)" "$ST/lsw" --root "$LSW_ROOT" --pki "$PKI" \
    </dev/null >"$ST/lsw.start.log" 2>&1 &
  START_JOBS[lsw]=$!
  local failed=()
  for p in "${STRONGSWAN_PROFILES[@]}" lb lsw; do
    wait "${START_JOBS[$p]}" || failed+=("$p"); unset "START_JOBS[$p]"
  done
  for p in "${STRONGSWAN_PROFILES[@]}" lb lsw; do sed 's/^/  /' "$ST/$p.start.log" >&2; done
  [ ${#failed[@]} -eq 0 ] || die "responder(s) did not start: ${failed[*]}"
  write_env
  trap - EXIT INT TERM
  log "up in $(secs "$t0") s; env file: $ENV_FILE"
}

# A responder whose pid file was lost (interrupted start): Debian's charon or the extracted pluto running
# in one of our server namespaces. Found by namespace, killed by pid after checking its executable.
kill_strays() {
  local s ns pid exe
  for s in "${SERVERS[@]}"; do
    ns=$(ns_of "$s")
    have_ns "$ns" || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
      case $exe in
        /usr/lib/ipsec/charon|/usr/libexec/ipsec/pluto)
          log "stopping stray $exe pid $pid in $ns"; kill -KILL "$pid" 2>/dev/null || true ;;
      esac
    done
  done
}

down() {
  local t0 p s ns stops=() pid; t0=$(now_ms)
  [ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, mounts)"
  rm -f "$ENV_FILE"
  for p in "${STRONGSWAN_PROFILES[@]}"; do
    [ -f "$ST/$p/charon.pid" ] || continue
    "$SS/instance.sh" stop "ike-$p" "$(ns_of "$p")" "$ST/$p" & stops+=("$!")
  done
  [ -f "$ST/lb/lb.env" ] && { "$SS/lb.sh" stop "$ST/lb" & stops+=("$!"); }
  if [ -f "$ST/lsw/pluto.pid" ]; then
    "$HERE/libreswan/instance.sh" stop ike-lsw "$(ns_of lsw)" "$ST/lsw" & stops+=("$!")
  fi
  for pid in "${stops[@]}"; do wait "$pid" || true; done
  kill_strays
  far_down
  for s in "${SERVERS[@]}"; do
    ns=$(ns_of "$s")
    have_ns "$ns" && "$HERE/netns.sh" del-server "ike-$s"
  done
  if [ -f "$OWNER_MARK" ]; then
    # Ours to remove, unless another lab has put its servers into it meanwhile.
    local others
    others=$(ip netns list 2>/dev/null | awk '{print $1}' | grep "^${P}" | grep -vxE "${P}(router|probe-a|probe-b|probe-c)" | tr '\n' ' ' || true)
    if [ -z "$others" ]; then
      "$HERE/netns.sh" down
      rm -f "$OWNER_MARK"
    else
      log "leaving the topology up: other server namespaces use it ($others)"
    fi
  fi
  log "down in $(secs "$t0") s"
}

status() {
  local p f
  for p in "${STRONGSWAN_PROFILES[@]}" lb/a lb/b; do
    f=$ST/$p/charon.pid
    if [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; then echo "  $p: charon pid $(cat "$f")"; else echo "  $p: NOT RUNNING"; fi
  done
  f=$ST/lsw/pluto.pid
  if [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; then echo "  libreswan: pluto pid $(cat "$f")"; else echo "  libreswan: NOT RUNNING"; fi
  [ -f "$ENV_FILE" ] && echo "env file: $ENV_FILE" || echo "no env file"
}

# ---- check -------------------------------------------------------------------------------------------
# Each case: the reference initiator (a throw-away charon in the vantage namespace) against one
# responder; PASS needs the initiator's result and the lines in the logs that prove the behaviour.
# Evidence lines are printed under each case and kept in $ST/check/evidence.log.

FAILS=0
EVID=""
mark() { wc -l <"$1" 2>/dev/null || echo 0; }           # line count of a log before a case
since() { tail -n "+$(( $2 + 1 ))" "$1" 2>/dev/null; }  # lines logged after the mark
# expect NAME TEXTFILE-OR-STRING REGEX...: every regex must match; prints the matching lines
ev() {  # ev LABEL TEXT REGEX: the first line of TEXT matching REGEX, or fail
  local line
  line=$(grep -m1 -E -- "$3" <<<"$2" || true)
  if [ -n "$line" ]; then EVID+="    $1: $line"$'\n'; return 0; fi
  EVID+="    $1: MISSING /$3/"$'\n'; return 1
}
report() {  # report NAME OK
  if [ "$2" -eq 0 ]; then printf 'PASS  %s\n' "$1"; else printf 'FAIL  %s\n' "$1"; FAILS=$((FAILS + 1)); fi
  printf '%s' "$EVID"
  EVID=""
}
CASE=0
init() {  # init VANTAGE TARGET [initiator options]: runs the initiator; sets RC and OUT (its log)
  local v=$1 t=$2 d; shift 2
  d=$ST/check/${v#"$P"}
  RC=0
  "$SS/initiator.sh" "$v" "$d" "$t" --ca "$PKI/ca.crt" --secrets "$SECRETS" "$@" >/dev/null 2>&1 || RC=$?
  OUT=$(cat "$d/charon.log")
  CASE=$((CASE + 1))
  cp "$d/charon.log" "$d-$CASE-$t.log"      # each case's initiator log stays for a look afterwards
}

# One vantage's cases run one after the other (the initiator binds UDP 500/4500 there); vantages in parallel.
check_a() {
  local A=${P}probe-a log m ok
  # frag: IKE_AUTH response split into SKF fragments of <= 500 bytes; full EAP-MSCHAPv2 login works
  log=$ST/frag/charon.log; m=$(mark "$log"); init "$A" "$IKE_FRAG_ADDR"; ok=$RC
  ev initiator "$OUT" 'IKE_SA cli\[1\] established' || ok=1
  ev responder "$(since "$log" "$m")" 'splitting IKE message \([0-9]+ bytes\) into ([2-9]|[1-9][0-9]) fragments' || ok=1
  ev responder "$(since "$log" "$m")" 'generating IKE_AUTH response 1 \[ EF\(1/' || ok=1
  report "frag: IKE_AUTH response in IKE fragments (probe-a, IPv4)" $ok
  log=$ST/frag/charon.log; m=$(mark "$log"); init "$A" "$IKE_FRAG_ADDR6"; ok=$RC
  ev initiator "$OUT" 'IKE_SA cli\[1\] established between fd99:1::2' || ok=1
  ev responder "$(since "$log" "$m")" 'splitting IKE message .* fragments' || ok=1
  report "frag: IPv6 (probe-a)" $ok
  # nofrag from the clean vantage: the big response goes out as one datagram > 1500 bytes and arrives
  # IP-fragmented (re-fragmented by the router for probe-a's MTU 1280)
  log=$ST/nofrag/charon.log; m=$(mark "$log"); init "$A" "$IKE_NOFRAG_ADDR"; ok=$RC
  ev initiator "$OUT" 'received packet: .* \((1[5-9][0-9][0-9]|[2-9][0-9][0-9][0-9]) bytes\)' || ok=1
  ev initiator "$OUT" 'IKE_SA cli\[1\] established' || ok=1
  ev responder "$(since "$log" "$m")" 'generating IKE_AUTH response 1 \[ IDr CERT CERT AUTH EAP/REQ/ID \]' || ok=1
  ev responder "$(since "$log" "$m")" 'sending packet: .*\[4500\] .* \((1[5-9][0-9][0-9]|[2-9][0-9][0-9][0-9]) bytes\)' || ok=1
  ! grep -q 'splitting IKE message' <<<"$(since "$log" "$m")" || { EVID+="    responder: unexpected IKE fragmentation"$'\n'; ok=1; }
  report "nofrag: unfragmented IKE_AUTH response > 1500 bytes, reassembled from IP fragments (probe-a)" $ok
  log=$ST/nofrag/charon.log; m=$(mark "$log"); init "$A" "$IKE_NOFRAG_ADDR6"; ok=$RC
  ev initiator "$OUT" 'IKE_SA cli\[1\] established between fd99:1::2' || ok=1
  report "nofrag: IPv6, after Packet Too Big from the MTU-1280 hop (probe-a)" $ok
  # noeku: served although it lacks serverAuth (strongSwan as a client does not check EKUs)
  log=$ST/noeku/charon.log; m=$(mark "$log"); init "$A" "$IKE_NOEKU_ADDR"; ok=$RC
  ev initiator "$OUT" 'received end entity cert "CN=vpn.test' || ok=1
  ev certificate "$(openssl x509 -in "$IKE_NOEKU_CERT" -noout -ext extendedKeyUsage 2>&1 | tr '\n' ' ')" 'TLS Web Client Authentication *$' || ok=1
  report "noeku: certificate without serverAuth served (probe-a)" $ok
  # expired: the initiator refuses the certificate
  log=$ST/expired/charon.log; m=$(mark "$log"); init "$A" "$IKE_EXPIRED_ADDR" --tries 1
  ok=0; [ "$RC" -ne 0 ] || ok=1
  ev initiator "$OUT" 'subject certificate invalid \(valid from .* 2020 to .* 2021\)' || ok=1
  ev initiator "$OUT" "no trusted ECDSA public key found for 'vpn.test'" || ok=1
  ev responder "$(since "$log" "$m")" 'generating IKE_AUTH response 1 \[ .*CERT AUTH' || ok=1
  report "expired: expired certificate served and rejected by the initiator (probe-a)" $ok
  # weak: RRAS-like proposals accepted one by one; the good profile refuses the same offer
  local prop want
  for prop in 3des-sha1-modp1024:3DES_CBC/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024 \
              aes256-sha1-modp1024:AES_CBC_256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024 \
              aes128-sha256-modp2048:AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048; do
    want=${prop#*:} prop=${prop%%:*}
    log=$ST/weak/charon.log; m=$(mark "$log"); init "$A" "$IKE_WEAK_ADDR" --proposals "$prop"; ok=$RC
    ev initiator "$OUT" "selected proposal: IKE:$want" || ok=1
    ev responder "$(since "$log" "$m")" "selected proposal: IKE:$want" || ok=1
    report "weak: $prop accepted (probe-a)" $ok
  done
  log=$ST/frag/charon.log; m=$(mark "$log"); init "$A" "$IKE_FRAG_ADDR" --proposals 3des-sha1-modp1024 --tries 1
  ok=0; [ "$RC" -ne 0 ] || ok=1
  ev initiator "$OUT" 'received NO_PROPOSAL_CHOSEN notify' || ok=1
  report "frag (modern proposals): 3des-sha1-modp1024 refused (probe-a)" $ok
  # strict: Windows' default offer gets NO_PROPOSAL_CHOSEN; the right transforms with another first
  # KE group get INVALID_KE_PAYLOAD (asking for ECP-384) and then succeed
  log=$ST/strict/charon.log; m=$(mark "$log")
  init "$A" "$IKE_STRICT_ADDR" --proposals "3des-sha1-modp1024,aes256-sha1-modp1024,3des-sha256-modp1024,aes256-sha256-modp1024,aes128-sha1-modp1024,aes192-sha384-modp1024" --tries 1
  ok=0; [ "$RC" -ne 0 ] || ok=1
  ev initiator "$OUT" 'parsed IKE_SA_INIT response 0 \[ N\(NO_PROP\) \]' || ok=1
  ev responder "$(since "$log" "$m")" 'received proposals unacceptable' || ok=1
  ev responder "$(since "$log" "$m")" 'generating IKE_SA_INIT response 0 \[ N\(NO_PROP\) \]' || ok=1
  report "strict: Windows-default proposals -> NO_PROPOSAL_CHOSEN (probe-a)" $ok
  log=$ST/strict/charon.log; m=$(mark "$log"); init "$A" "$IKE_STRICT_ADDR" --proposals aes256gcm16-prfsha384-ecp256-ecp384; ok=$RC
  ev initiator "$OUT" 'parsed IKE_SA_INIT response 0 \[ N\(INVAL_KE\)' || ok=1
  ev initiator "$OUT" "peer didn't accept DH group ECP_256, it requested ECP_384" || ok=1
  ev responder "$(since "$log" "$m")" 'DH group ECP_256 unacceptable, requesting ECP_384' || ok=1
  report "strict: first KE group ECP-256 -> INVALID_KE_PAYLOAD(ECP-384) (probe-a)" $ok
  # cookie: the first IKE_SA_INIT is answered with N(COOKIE) only
  log=$ST/cookie/charon.log; m=$(mark "$log"); init "$A" "$IKE_COOKIE_ADDR"; ok=$RC
  ev initiator "$OUT" 'parsed IKE_SA_INIT response 0 \[ N\(COOKIE\) \]' || ok=1
  ev initiator "$OUT" 'generating IKE_SA_INIT request 0 \[ N\(COOKIE\) SA KE' || ok=1
  ev responder "$(since "$log" "$m")" 'sending COOKIE notify to 10\.99\.1\.2' || ok=1
  report "cookie: COOKIE on the first IKE_SA_INIT (probe-a)" $ok
  # lb: IKE_SA_INIT answered by backend A, IKE_AUTH (port 4500) lands on backend B, which ignores it
  local la=$ST/lb/a/charon.log lb=$ST/lb/b/charon.log ma mb
  ma=$(mark "$la"); mb=$(mark "$lb"); init "$A" "$IKE_LB_ADDR" --tries 2
  ok=0; [ "$RC" -ne 0 ] || ok=1
  ev initiator "$OUT" 'remote host is behind NAT' || ok=1
  ev initiator "$OUT" 'sending packet: from 10\.99\.1\.2\[4500\] to 10\.99\.28\.2\[4500\]' || ok=1
  ev initiator "$OUT" 'giving up after 2 retransmits' || ok=1
  ev backend-A "$(since "$la" "$ma")" 'generating IKE_SA_INIT response 0' || ok=1
  ev backend-B "$(since "$lb" "$mb")" 'received packet: from 10\.99\.28\.2\[4500\] to 10\.99\.30\.2\[4500\]' || ok=1
  ev backend-B "$(since "$lb" "$mb")" 'IKE_SA checkout not successful' || ok=1
  ! grep -q 'sending packet' <<<"$(since "$lb" "$mb")" || { EVID+="    backend-B: answered (unexpected)"$'\n'; ok=1; }
  report "lb: IKE_AUTH on 4500 reaches the other backend and is ignored (probe-a)" $ok
  # tunnel: a user tunnel (virtual IP from the pool, CHILD_SA) and a ping through ESP to the far side
  log=$ST/tunnel/charon.log; m=$(mark "$log")
  init "$A" "$IKE_TUNNEL_ADDR" --child "$IKE_TUNNEL_NET" --ping "$IKE_TUNNEL_PING"; ok=$RC
  ev initiator "$OUT" 'installing new virtual IP 10\.98\.32\.' || ok=1
  ev initiator "$OUT" 'CHILD_SA tun\{1\} established with SPIs .* === 10\.97\.32\.0/24' || ok=1
  ev ping "$(cat "$ST/check/${A#"$P"}/ping.out" 2>/dev/null)" ' 0% packet loss' || ok=1
  ev responder "$(since "$log" "$m")" 'assigning virtual IP 10\.98\.32\.' || ok=1
  report "tunnel: user tunnel up, ping through user-space ESP to the far side (probe-a)" $ok
  log=$ST/tunnel/charon.log; m=$(mark "$log")
  init "$A" "$IKE_TUNNEL_ADDR" --child "$IKE_TUNNEL_NET" --id "$IKE_TUNNEL_NOPOOL_ID" --tries 1
  ok=0; [ "$RC" -ne 0 ] || ok=1
  ev initiator "$OUT" 'received INTERNAL_ADDRESS_FAILURE notify, no CHILD_SA built' || ok=1
  report "tunnel: IDi nopool gets no address, INTERNAL_ADDRESS_FAILURE (probe-a)" $ok
  # tunnel: the device tunnel, machine certificate instead of EAP, and a ping through it
  log=$ST/tunnel/charon.log; m=$(mark "$log")
  init "$A" "$IKE_TUNNEL_ADDR" --child "$IKE_TUNNEL_NET" --ping "$IKE_TUNNEL_PING" --cert "$IKE_DEVICE_CERT" --key "$IKE_DEVICE_KEY"; ok=$RC
  ev initiator "$OUT" "authentication of 'CN=device1\\.vpn\\.test, O=vpnprobe lab' \\(myself\\) with ECDSA" || ok=1
  ev initiator "$OUT" 'CHILD_SA tun\{1\} established with SPIs .* === 10\.97\.32\.0/24' || ok=1
  ev ping "$(cat "$ST/check/${A#"$P"}/ping.out" 2>/dev/null)" ' 0% packet loss' || ok=1
  ev responder "$(since "$log" "$m")" "selected peer config 'device'" || ok=1
  report "tunnel: device tunnel with the machine certificate, ping through it (probe-a)" $ok
  # libreswan: EAP-only responder, IPv4 and IPv6
  local addr
  for addr in "$LIBRESWAN_ADDR" "$LIBRESWAN_ADDR6"; do
    init "$A" "$addr" --tries 1
    ok=0
    ev initiator "$OUT" 'parsed IKE_SA_INIT response 0 \[ SA KE No N\(FRAG_SUP\) N\(HASH_ALG\) N\(NATD_S_IP\) N\(NATD_D_IP\) N\(CHDLESS_SUP\)' || ok=1
    ev initiator "$OUT" 'parsed IKE_AUTH response 1 \[ IDr CERT AUTH EAP/REQ/TLS \]' || ok=1
    ev initiator "$OUT" "authentication of 'vpn.test' with ECDSA.* successful" || ok=1
    report "libreswan: IDr CERT AUTH EAP-TLS request to an AUTH-less IKE_AUTH ($addr, probe-a)" $ok
  done
}

check_b() {
  local B=${P}probe-b log m ok c0 c1
  # nofrag where IP fragments are dropped: the IKE_AUTH response never arrives (Windows: error 809)
  c0=$(ip netns exec "${P}router" nft list chain inet lab lab_pre | awk '/lab-b-fragdrop/ && /ip daddr/ {for(i=1;i<=NF;i++) if($i=="packets") print $(i+1)}')
  log=$ST/nofrag/charon.log; m=$(mark "$log"); init "$B" "$IKE_NOFRAG_ADDR" --tries 2
  c1=$(ip netns exec "${P}router" nft list chain inet lab lab_pre | awk '/lab-b-fragdrop/ && /ip daddr/ {for(i=1;i<=NF;i++) if($i=="packets") print $(i+1)}')
  ok=0; [ "$RC" -ne 0 ] || ok=1
  ev initiator "$OUT" 'sending packet: .* to 10\.99\.21\.2\[4500\]' || ok=1
  ! grep -q 'parsed IKE_AUTH response' <<<"$OUT" || { EVID+="    initiator: got an IKE_AUTH response (unexpected)"$'\n'; ok=1; }
  ev initiator "$OUT" 'retransmit 2 of request with message ID 1' || ok=1
  ev initiator "$OUT" 'establishing IKE_SA failed, peer not responding' || ok=1
  ev responder "$(since "$log" "$m")" 'sending packet: from 10\.99\.21\.2\[4500\] to 10\.99\.2\.2\[4500\] \([0-9]{4} bytes\)' || ok=1
  ev router "fragments dropped towards probe-b during the case: $((c1 - c0))" 'dropped .*: [1-9]' || ok=1
  report "nofrag: IKE_AUTH response lost where IP fragments are dropped (probe-b)" $ok
  # fragbig: the same big response, IKE-fragmented, gets through
  log=$ST/fragbig/charon.log; m=$(mark "$log"); init "$B" "$IKE_FRAGBIG_ADDR"; ok=$RC
  ev initiator "$OUT" 'IKE_SA cli\[1\] established' || ok=1
  ev responder "$(since "$log" "$m")" 'splitting IKE message \([0-9]+ bytes\) into [0-9]+ fragments' || ok=1
  report "fragbig: big response in IKE fragments passes a fragment-dropping path (probe-b)" $ok
  # frag from probe-b too (small fragments)
  init "$B" "$IKE_FRAG_ADDR6"; ok=$RC
  ev initiator "$OUT" 'IKE_SA cli\[1\] established between fd99:2::2' || ok=1
  report "frag: IPv6 through the fragment-dropping path (probe-b)" $ok
}

check_c() {
  local C=${P}probe-c ok
  init "$C" "$IKE_FRAG_ADDR" --tries 1
  ok=0; [ "$RC" -ne 0 ] || ok=1
  ! grep -q 'received packet' <<<"$OUT" || { EVID+="    initiator: got an answer (unexpected)"$'\n'; ok=1; }
  ev initiator "$OUT" 'giving up after 1 retransmits' || ok=1
  report "ikeblock: no answer to IKE_SA_INIT (probe-c)" $ok
}

check() {
  local t0; t0=$(now_ms)
  [ -f "$ENV_FILE" ] || die "no env file at $ENV_FILE (is the lab up?)"
  # shellcheck disable=SC1090
  . "$ENV_FILE"
  rm -rf "$ST/check"; mkdir -p "$ST/check"
  (check_a >"$ST/check/a.out"; echo "$FAILS" >"$ST/check/a.fails") &
  local pa=$!
  (check_b >"$ST/check/b.out"; echo "$FAILS" >"$ST/check/b.fails") &
  local pb=$!
  (check_c >"$ST/check/c.out"; echo "$FAILS" >"$ST/check/c.fails") &
  local pc=$!
  wait "$pa" "$pb" "$pc" || true
  cat "$ST/check"/{a,b,c}.out | tee "$ST/check/evidence.log"
  local total=0 f
  for f in a b c; do total=$((total + $(cat "$ST/check/$f.fails" 2>/dev/null || echo 1))); done
  [ "$total" -eq 0 ] || die "$total check(s) failed ($(secs "$t0") s)"
  log "all checks passed in $(secs "$t0") s"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  env) [ -f "$ENV_FILE" ] || die "no env file at $ENV_FILE (is the lab up?)"; cat "$ENV_FILE" ;;
  status) status ;;
  check) check ;;
  *) echo "usage: $0 up|down|env|status|check" >&2; exit 2 ;;
esac
