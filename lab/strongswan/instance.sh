#!/usr/bin/env bash
# One strongSwan charon (5.9.8, Debian's) as an IKEv2 responder inside a lab network namespace, with one
# of the lab's configuration profiles.
#
# usage: instance.sh start NAME NETNS DIR [--profile P] [--pki PKIDIR] [--secrets FILE]
#        instance.sh stop  NAME NETNS DIR
#        instance.sh profiles                  (lists the profiles)
#   (--profile/--pki/--secrets default to $IKE_PROFILE, $IKE_PKI, $IKE_SECRETS)
#
# Profiles (all: IKEv2 only, EAP-MSCHAPv2 for the client with eap_id %any, so an IKE_AUTH without AUTH
# payload gets IDr CERT AUTH EAP(Identity request); server ID vpn.test; certificate always sent):
#   frag     ECDSA cert, fragmentation=yes, fragment_size=500: the IKE_AUTH response comes in >= 2 SKF
#   nofrag   RSA-4096 cert + intermediate, fragmentation=no: the IKE_AUTH response (about 4 KB) is one
#            UDP datagram, IP-fragmented on any 1500-byte path (lost where fragments are dropped)
#   fragbig  the RSA-4096 chain with fragmentation=yes at the default fragment_size (1280)
#   noeku    certificate without serverAuth (clientAuth only)
#   expired  certificate expired on 2021-01-01
#   weak     RRAS-like defaults: 3DES/AES-CBC with SHA1/SHA256/SHA384 and DH 2 (modp1024) / 14 / 19 / 20,
#            picked in the initiator's order (prefer_configured_proposals = no)
#   strict   aes256gcm16-prfsha384-ecp384 only
#   cookie   cookie_threshold 1: every IKE_SA_INIT without a valid cookie gets N(COOKIE), see below
#   lb       a plain responder (like frag, default fragment size): the backends of lb.sh
#   tunnel   the user tunnel all the way in: ESP in user space (kernel-libipsec, a TUN device ipsec0 in
#            NETNS, loaded before kernel-netlink), routes installed inside NETNS only, pool tunnel4
#            ($TUNNEL_POOL4, DNS $TUNNEL_DNS in the CP reply) and the protected subnet $TUNNEL_NET (the far
#            namespace ike-lab.sh puts behind NETNS answers ICMP there). Two connections: `tunnel` (any IDi,
#            EAP-MSCHAPv2) and `nopool` (IDi `nopool`, the same EAP account, no address to give: strongSwan
#            answers the CP request with INTERNAL_ADDRESS_FAILURE, the notify an exhausted pool gets; its
#            libcharon/sa/ikev2/tasks/ike_config.c sends it whenever no pool yields an address)
#            `noesp` (IDi `noesp`: ESP 3des-sha1 only, so the CHILD_SA gets NO_PROPOSAL_CHOSEN while the
#            IKE SA comes up), and `device` (the device tunnel: IDi "CN=device1.vpn.test, O=vpnprobe lab", authenticated with
#            the machine certificate mkpki.sh issues, device.crt)
#   bench    frag's settings for rate runs (bench/scale.sh starts and stops its own): no cookies and no
#            blocking however many half-open IKE SAs one address holds, and log level 1 (a rate run's
#            per-packet lines would cost the shared CPU what the client is being measured with)
# The "good" proposals of every other profile: AES-GCM-256/128 or AES-CBC-256/128 with SHA-384/256,
# ECP-384/256 or MODP-2048; so Windows' default offer (DH group 2) is refused there, as by a modern server.
#
# start: writes DIR/strongswan.conf and DIR/swanctl/ (config, certificates, key, the EAP secret), then
#   runs /usr/lib/ipsec/charon in the foreground in NETNS. charon's pid file is hard-wired to
#   /var/run/charon.pid, so DIR/run is bind-mounted over /run in the private mount namespace that
#   `ip netns exec` gives it (nothing of it is visible outside). No kernel-libipsec but in `tunnel`: the
#   kernel here has XFRM but no ESP, so CHILD_SAs cannot be installed in it, and libipsec fakes NAT
#   detection (its NAT-D hash is deliberately wrong, to force UDP encapsulation); the other profiles'
#   probes stop before the CHILD_SA (EAP path) or ask for none (childless).
#   Ready = charon answers `swanctl --stats` on its VICI socket (DIR/charon.vici) and swanctl
#   --load-all loaded the profile's connection. DIR/charon.pid holds the pid, DIR/charon.log the log
#   (ike/net/cfg at level 2: packet sizes, proposals, fragmentation, cookies).
# stop: kills the pid in DIR/charon.pid only after checking it is /usr/lib/ipsec/charon running in
#   NETNS (or in no named namespace any more), and waits for it to exit.
#
# Cookie profile: strongSwan answers an IKE_SA_INIT with N(COOKIE) when the number of half-open
# responder IKE_SAs reaches cookie_threshold, and for 10 s after that (COOKIE_CALMDOWN_DELAY). The count
# never includes the IKE_SA_INIT being looked at, so with threshold 1 a fresh charon would answer the
# very first one normally. `start` therefore primes it: one IKE_SA_INIT, sent from inside NETNS to
# charon itself (prime-cookie.py), leaves a half-open IKE_SA that lives for half_open_timeout (set to
# 10 years here), and from then on every IKE_SA_INIT from anyone is answered with a COOKIE first.
#
# env: LAB_READY_TIMEOUT (seconds, default 30)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CHARON=/usr/lib/ipsec/charon
PROFILES=(frag nofrag fragbig noeku expired weak strict cookie lb bench tunnel)

usage() {
  echo "usage: $0 start NAME NETNS DIR [--profile P] [--pki PKIDIR] [--secrets FILE] | stop NAME NETNS DIR | profiles" >&2
  exit 2
}
[ "${1:-}" = profiles ] && { printf '%s\n' "${PROFILES[@]}"; exit 0; }
[ $# -ge 4 ] || usage
ACTION=$1 NAME=$2 NETNS=$3
mkdir -p "$4"
DIR=$(cd "$4" && pwd)
shift 4
PROFILE=${IKE_PROFILE:-} PKI=${IKE_PKI:-} SECRETS=${IKE_SECRETS:-}
while [ $# -gt 0 ]; do
  case $1 in
    --profile) PROFILE=$2; shift 2 ;;
    --pki) PKI=$2; shift 2 ;;
    --secrets) SECRETS=$2; shift 2 ;;
    *) usage ;;
  esac
done

log() { echo "strongswan $NAME: $*" >&2; }
die() { log "$*"; exit 1; }
# Interrupted: exit non-zero, so the EXIT trap of `start` stops the charon it launched.
trap 'exit 130' INT
trap 'exit 143' TERM
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, mounts)"
now_ms() { date +%s%3N; }

VICI=$DIR/charon.vici
# sun_path holds 108 bytes: a long LAB_RUN would make charon fail to create its socket, obscurely.
[ ${#VICI} -lt 100 ] || die "VICI socket path too long (${#VICI} bytes): $VICI; use a shorter LAB_RUN"
export STRONGSWAN_CONF=$DIR/strongswan.conf SWANCTL_DIR=$DIR/swanctl
swanctl() { command swanctl "$@" --uri "unix://$VICI"; }

# ---- processes ---------------------------------------------------------------------------------------

netns_inode() { stat -L -c %i "/var/run/netns/$1" 2>/dev/null; }
# Ours = Debian's charon binary, in NETNS (or, if NETNS is gone, in a namespace other than this script's).
is_ours() {
  local pid=$1 exe ns
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  [ "$exe" = "$CHARON" ] || return 1
  ns=$(stat -L -c %i "/proc/$pid/ns/net" 2>/dev/null) || return 1
  if [ -e "/var/run/netns/$NETNS" ]; then [ "$ns" = "$(netns_inode "$NETNS")" ];
  else [ "$ns" != "$(stat -L -c %i /proc/self/ns/net)" ]; fi   # (this script runs in the root namespace)
}
alive() {  # running and not a zombie (the container's PID 1 may reap late)
  local st
  { read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
  st=${st##*) }
  [ "${st%% *}" != Z ]
}
stop_pid() {
  local pid=$1
  alive "$pid" || return 0
  is_ours "$pid" || { log "pid $pid is not our charon ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)): not killed"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do alive "$pid" || return 0; sleep 0.03; done
  log "charon pid $pid ignored SIGTERM for 3 s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 100); do alive "$pid" || return 0; sleep 0.02; done
}

# ---- configuration -----------------------------------------------------------------------------------

GOOD_IKE="aes256gcm16-aes128gcm16-prfsha384-prfsha256-ecp384-ecp256-modp2048, aes256-aes128-sha384-sha256-ecp384-ecp256-modp2048"
GOOD_ESP="aes256gcm16-aes128gcm16, aes256-aes128-sha256-sha1"
# The tunnel profile's addresses (ike-lab.sh builds the far namespace on TUNNEL_NET and writes them to its env).
TUNNEL_POOL4=10.98.32.0/24
TUNNEL_NET=10.97.32.0/24
TUNNEL_DNS="10.97.32.53, 10.97.32.54"
# What a Windows Server RRAS accepts out of the box (Windows clients offer DH group 2 only by default):
# single-transform proposals too, so `strongswan.conf` shows them one per line in the log.
WEAK_IKE="3des-sha1-modp1024, aes256-sha1-modp1024, aes128-sha1-modp1024, 3des-sha256-modp1024, aes256-sha256-modp1024, aes128-sha256-modp2048, aes256-aes192-aes128-3des-sha384-sha256-sha1-modp2048-modp1024-ecp256-ecp384"
WEAK_ESP="aes256-aes128-3des-sha256-sha1, aes256gcm16-aes128gcm16"
STRICT_IKE="aes256gcm16-prfsha384-ecp384"

# profile -> certificate (PKI file stem), fragmentation, fragment_size, IKE proposals, ESP proposals
profile_settings() {
  CERT=server FRAG=yes FRAGSIZE=1280 IKE=$GOOD_IKE ESP=$GOOD_ESP EXTRA="" LOGEXTRA="" LOGLEVEL=2 LIBIPSEC="" ROUTES=no
  case $PROFILE in
    frag)    FRAGSIZE=500 ;;
    nofrag)  CERT=big FRAG=no ;;
    fragbig) CERT=big ;;
    noeku)   CERT=noeku ;;
    expired) CERT=expired ;;
    weak)    IKE=$WEAK_IKE ESP=$WEAK_ESP
             EXTRA="    prefer_configured_proposals = no   # the initiator's order wins, as with RRAS" ;;
    strict)  IKE=$STRICT_IKE ESP="aes256gcm16" ;;
    cookie)  EXTRA="    dos_protection = yes
    cookie_threshold = 1        # cookies once one half-open IKE_SA exists (start primes one)
    cookie_threshold_ip = 0     # (per-IP threshold off: the global one decides)
    half_open_timeout = 315360000  # the priming IKE_SA stays half-open for 10 years" ;;
    bench)   FRAGSIZE=500 LOGLEVEL=1
             # Every SA_INIT-only probe leaves a half-open IKE SA for half_open_timeout (30 s): with the
             # defaults (cookie_threshold_ip 3, cookie_threshold 30) all but the first few of a rate run
             # would get N(COOKIE) first, and an address holding block_threshold of them is ignored.
             EXTRA="    dos_protection = yes
    cookie_threshold = 1000000     # (the lab's block_threshold below is 1000000 too)
    cookie_threshold_ip = 1000000" ;;
    tunnel)  LIBIPSEC=kernel-libipsec ROUTES=yes LOGEXTRA="            chd = 2         # CHILD_SA proposals and traffic selectors
            esp = 1" ;;
    lb)      LOGEXTRA="            mgr = 2         # \"IKE_SA checkout not successful\": a message for an unknown IKE_SA" ;;
    *) die "unknown profile '$PROFILE' (one of: ${PROFILES[*]})" ;;
  esac
}

write_config() {
  [ -n "$PKI" ] && [ -s "$PKI/ca.crt" ] || die "no PKI (--pki DIR made by mkpki.sh)"
  [ -n "$SECRETS" ] && [ -s "$SECRETS" ] || die "no secrets file (--secrets FILE with IKE_EAP_ID and IKE_EAP_PASSWORD)"
  local eap_id eap_pw
  eap_id=$(sed -n 's/^IKE_EAP_ID=//p' "$SECRETS")
  eap_pw=$(sed -n 's/^IKE_EAP_PASSWORD=//p' "$SECRETS")
  [ -n "$eap_id" ] && [ -n "$eap_pw" ] || die "$SECRETS lacks IKE_EAP_ID or IKE_EAP_PASSWORD"
  profile_settings
  rm -rf "$DIR/swanctl" "$DIR/run"
  # (every directory swanctl --load-all looks into, so it has nothing to complain about)
  mkdir -p "$DIR/run" "$DIR"/swanctl/{x509,x509ca,x509ocsp,x509aa,x509ac,x509crl,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
  cp "$PKI/$CERT.crt" "$DIR/swanctl/x509/server.crt"
  # The root, and for the big chain its intermediate: charon builds the chain when it signs and sends
  # every certificate of it except the self-signed root.
  cp "$PKI/ca.crt" "$DIR/swanctl/x509ca/ca.crt"
  [ "$CERT" = big ] && cp "$PKI/bigca.crt" "$DIR/swanctl/x509ca/bigca.crt"
  (umask 077; cp "$PKI/$CERT.key" "$DIR/swanctl/private/server.key")

  cat >"$DIR/strongswan.conf" <<EOF
# strongSwan responder "$NAME", profile $PROFILE (written by lab/strongswan/instance.sh; STRONGSWAN_CONF)
charon {
    # explicit plugin list instead of load_modular + /etc/strongswan.d: kernel-libipsec only in tunnel
    # (see instance.sh), and there before kernel-netlink, or netlink takes the IPsec role and every
    # CHILD_SA fails ("unable to add SAD entry ... Function not implemented")
    load = random nonce openssl aes sha1 sha2 hmac kdf gmp pem pkcs1 pkcs8 x509 pubkey revocation constraints $LIBIPSEC kernel-netlink socket-default vici eap-identity eap-mschapv2
    port = 500
    port_nat_t = 4500
    # tunnel: routes to the clients' virtual IPs through ipsec0, in this namespace's table 220 only
    install_routes = $ROUTES
    install_virtual_ip = no
    fragment_size = $FRAGSIZE
    send_vendor_id = yes
    # The tests probe many times from one address per vantage, and a probe's IKE SA stays half-open until
    # half_open_timeout (strongSwan answers a Delete before IKE_AUTH completes but keeps the IKE SA);
    # by default (block_threshold 5) charon would then ignore that address for a while.
    block_threshold = 1000000
$EXTRA
    plugins {
        vici {
            socket = unix://$VICI
        }
    }
    filelog {
        lab {
            path = $DIR/charon.log
            time_format = %H:%M:%S
            append = no
            flush_line = yes
            default = 1
            ike = $LOGLEVEL
            net = $LOGLEVEL
            cfg = $LOGLEVEL
$LOGEXTRA
        }
        stderr {
            default = 0
        }
    }
}
swanctl {
    load = pem pkcs1 pkcs8 x509 revocation constraints pubkey openssl random
}
EOF

  if [ "$PROFILE" = tunnel ]; then write_tunnel_connections "$eap_id" "$eap_pw"; return; fi
  (umask 077; cat >"$DIR/swanctl/swanctl.conf" <<EOF
# strongSwan responder "$NAME", profile $PROFILE (written by lab/strongswan/instance.sh; SWANCTL_DIR)
connections {
    $PROFILE {
        version = 2
        proposals = $IKE
        fragmentation = $FRAG
        send_cert = always
        send_certreq = yes
        pools = vip4, vip6
        local {
            auth = pubkey
            certs = server.crt
            id = vpn.test
        }
        remote {
            auth = eap-mschapv2
            eap_id = %any
        }
        children {
            net {
                local_ts = 0.0.0.0/0, ::/0
                esp_proposals = $ESP
            }
        }
    }
}
pools {
    # handed out in configuration payloads only: nothing routes them
    vip4 {
        addrs = 10.98.0.0/24
    }
    vip6 {
        addrs = fd98::/120
    }
}
secrets {
    eap-lab {
        id = $eap_id
        secret = "$eap_pw"
    }
}
EOF
  )
}

# The tunnel profile: the user tunnel with its pool, DNS and protected subnet, and a connection without
# an address to give (selected by IDi `nopool`: strongSwan picks the peer config whose remote id matches
# best, so every other IDi gets `tunnel`).
write_tunnel_connections() {
  local eap_id=$1 eap_pw=$2 name
  (umask 077
   {
     echo "# strongSwan responder \"$NAME\", profile tunnel (written by lab/strongswan/instance.sh; SWANCTL_DIR)"
     echo "connections {"
     for name in tunnel nopool noesp; do
       cat <<EOF
    $name {
        version = 2
        proposals = $IKE
        fragmentation = yes
        send_cert = always
        send_certreq = yes
        $([ "$name" != nopool ] && echo "pools = tunnel4")
        local {
            auth = pubkey
            certs = server.crt
            id = vpn.test
        }
        remote {
            $([ "$name" != tunnel ] && echo "id = $name")
            auth = eap-mschapv2
            eap_id = %any
        }
        children {
            net {
                local_ts = $TUNNEL_NET
                esp_proposals = $([ "$name" = noesp ] && echo "3des-sha1" || echo "$ESP")
            }
        }
    }
EOF
     done
     # The device tunnel: machine-certificate authentication (any certificate the lab CA issued), as the
     # Always On VPN device tunnel logs in; selected by the certificate's subject as IDi.
     cat <<EOF
    device {
        version = 2
        proposals = $IKE
        fragmentation = yes
        send_cert = always
        send_certreq = yes
        pools = tunnel4
        local {
            auth = pubkey
            certs = server.crt
            id = vpn.test
        }
        remote {
            auth = pubkey
            id = "CN=device1.vpn.test, O=vpnprobe lab"
            cacerts = ca.crt
        }
        children {
            net {
                local_ts = $TUNNEL_NET
                esp_proposals = $ESP
            }
        }
    }
EOF
     cat <<EOF
}
pools {
    # handed out in configuration payloads, with the DNS servers; routed back through ipsec0
    tunnel4 {
        addrs = $TUNNEL_POOL4
        dns = $TUNNEL_DNS
    }
}
secrets {
    eap-lab {
        id = $eap_id
        secret = "$eap_pw"
    }
}
EOF
   } >"$DIR/swanctl/swanctl.conf")
}


# ---- start / stop ------------------------------------------------------------------------------------

start() {
  local t0 pid="" ready=""
  t0=$(now_ms)
  [ -x "$CHARON" ] || die "$CHARON missing (apt-get install strongswan-charon strongswan-swanctl ...)"
  [ -e "/var/run/netns/$NETNS" ] || die "no network namespace $NETNS"
  if [ -f "$DIR/charon.pid" ] && alive "$(cat "$DIR/charon.pid")" && is_ours "$(cat "$DIR/charon.pid")"; then
    die "already running (pid $(cat "$DIR/charon.pid"))"
  fi
  write_config
  rm -f "$VICI" "$DIR/charon.pid" "$DIR/charon.log"
  echo "$NETNS" >"$DIR/netns"
  echo "$PROFILE" >"$DIR/profile"
  # A failed start leaves nothing running.
  # shellcheck disable=SC2154  # rc is set inside the trap
  trap 'rc=$?; if [ $rc -ne 0 ] && [ -n "$pid" ]; then stop_pid "$pid"; rm -f "$DIR/charon.pid"; fi' EXIT
  # setsid: its own session, so a Ctrl-C of the caller's terminal does not reach it (stop does).
  # `ip netns exec`, sh and charon exec() into each other: $! is charon's pid.
  # shellcheck disable=SC2016  # $1/$2 are the inner shell's arguments
  setsid ip netns exec "$NETNS" /bin/sh -c 'mount --bind "$1" /run && exec "$2"' \
    sh "$DIR/run" "$CHARON" </dev/null >"$DIR/charon.stdout" 2>&1 &
  pid=$!
  echo "$pid" >"$DIR/charon.pid"
  local timeout=${LAB_READY_TIMEOUT:-30}
  for _ in $(seq $((timeout * 50))); do
    alive "$pid" || die "charon exited during start-up: $(tail -5 "$DIR/charon.stdout" "$DIR/charon.log" 2>/dev/null)"
    if [ -S "$VICI" ] && swanctl --stats >/dev/null 2>&1; then ready=1; break; fi
    sleep 0.02
  done
  [ -n "$ready" ] || die "charon did not answer on $VICI within ${timeout} s"
  # The pid file charon wrote (in the private /run) must be the process we started.
  [ "$(cat "$DIR/run/charon.pid" 2>/dev/null)" = "$pid" ] || die "charon.pid mismatch: $(cat "$DIR/run/charon.pid" 2>/dev/null) vs $pid"
  swanctl --load-all --noprompt >"$DIR/swanctl-load.log" 2>&1 || die "swanctl --load-all failed: $(cat "$DIR/swanctl-load.log")"
  swanctl --list-conns 2>/dev/null | grep -q "^$PROFILE: IKEv2" || die "connection $PROFILE not loaded: $(cat "$DIR/swanctl-load.log")"
  if [ "$PROFILE" = cookie ]; then
    ip netns exec "$NETNS" "$(command -v /usr/bin/python3 || command -v python3)" "$HERE/prime-cookie.py" ||
      die "could not prime the cookie threshold"
  fi
  trap - EXIT
  log "profile $PROFILE, pid $pid, ready in $(( $(now_ms) - t0 )) ms"
}

stop() {
  local pid
  [ -f "$DIR/charon.pid" ] || { log "not running (no $DIR/charon.pid)"; return 0; }
  pid=$(cat "$DIR/charon.pid")
  [[ $pid =~ ^[0-9]+$ ]] || die "bad pid file $DIR/charon.pid"
  stop_pid "$pid"
  rm -f "$DIR/charon.pid" "$VICI"
  log "stopped"
}

case $ACTION in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
