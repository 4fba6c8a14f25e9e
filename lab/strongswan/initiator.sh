#!/usr/bin/env bash
# Reference IKEv2 initiator for checking the lab: a throw-away strongSwan charon in a VANTAGE namespace
# that initiates one IKE_SA (EAP-MSCHAPv2 client, server certificate checked against the lab CA),
# childless unless --child asks for a tunnel, prints what swanctl --initiate reports, and stops. Not part of the product: it is how
# `ike-lab.sh check` (and a human) confirm that each responder behaves as its profile says.
#
# usage: initiator.sh VANTAGE_NS DIR TARGET [options]
#   --proposals P     IKE proposals (default aes256-sha256-ecp256)
#   --remote-id ID    expected server identity (default vpn.test)
#   --frag yes|no     offer IKE fragmentation (default yes)
#   --encap yes|no    force UDP encapsulation (port 4500 after IKE_SA_INIT) (default no)
#   --tries N         retransmissions before giving up (default 3: after 1, 1.4, 2, 2.7 s = 7 s)
#   --ca FILE         CA certificate (default $IKE_CA)
#   --secrets FILE    IKE_EAP_ID / IKE_EAP_PASSWORD (default $IKE_SECRETS)
#   --id ID           our IDi (default: the EAP identity, as strongSwan sends it)
#   --child TS        a user tunnel: ask for a virtual IP (CP) and a CHILD_SA to remote_ts TS, ESP in user
#                     space (kernel-libipsec: a TUN device ipsec0 in VANTAGE_NS while the charon runs, the
#                     virtual IP on it); swanctl --initiate --child then also needs the CHILD_SA
#   --ping ADDR       with --child: `ping -c 2` ADDR from VANTAGE_NS through the tunnel; DIR/ping.out
#   --cert FILE --key FILE   the device tunnel: authenticate with this machine certificate (pubkey) instead of
#                     EAP-MSCHAPv2; --id then defaults to the certificate's subject
# Exit status: that of `swanctl --initiate` (0 = IKE_SA established, and with --child the CHILD_SA too);
# with --ping, 3 when the tunnel came up but no echo reply came back. DIR/charon.log has the
# initiator's log (ike/net/cfg/enc at level 2), DIR/initiate.out swanctl's output.
#
# SAFETY: charon runs only inside VANTAGE_NS (ip netns exec); the script refuses a namespace that is
# not one of the lab's.
set -euo pipefail

CHARON=/usr/lib/ipsec/charon
usage() { echo "usage: $0 VANTAGE_NS DIR TARGET [--proposals P] [--remote-id ID] [--frag yes|no] [--encap yes|no] [--tries N] [--ca FILE] [--secrets FILE] [--id ID] [--child TS [--ping ADDR]]" >&2; exit 2; }
[ $# -ge 3 ] || usage
NS=$1 TARGET=$3
mkdir -p "$2"
DIR=$(cd "$2" && pwd)
shift 3
PROPOSALS=aes256-sha256-ecp256 REMOTE_ID=vpn.test FRAG=yes ENCAP=no TRIES=3
CA=${IKE_CA:-} SECRETS=${IKE_SECRETS:-} IDI="" CHILD_TS="" PING="" CERT="" KEY=""
while [ $# -gt 0 ]; do
  case $1 in
    --proposals) PROPOSALS=$2 ;;
    --remote-id) REMOTE_ID=$2 ;;
    --frag) FRAG=$2 ;;
    --encap) ENCAP=$2 ;;
    --tries) TRIES=$2 ;;
    --ca) CA=$2 ;;
    --secrets) SECRETS=$2 ;;
    --id) IDI=$2 ;;
    --child) CHILD_TS=$2 ;;
    --ping) PING=$2 ;;
    --cert) CERT=$2 ;;
    --key) KEY=$2 ;;
    *) usage ;;
  esac
  shift 2
done
die() { echo "initiator: $*" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || die "needs root"
[ -e "/var/run/netns/$NS" ] || die "no network namespace $NS"
# Only ever from a lab vantage: the lab's addresses route to the real uplink from elsewhere.
[[ $NS == *probe-* ]] || die "$NS is not a lab vantage namespace (…probe-a/b/c)"
[ -s "$CA" ] || die "no CA certificate (--ca or IKE_CA)"
[ -s "$SECRETS" ] || die "no secrets file (--secrets or IKE_SECRETS)"
EAP_ID=$(sed -n 's/^IKE_EAP_ID=//p' "$SECRETS")
EAP_PW=$(sed -n 's/^IKE_EAP_PASSWORD=//p' "$SECRETS")
[ -z "$PING" ] || [ -n "$CHILD_TS" ] || die "--ping needs --child"
# A tunnel: ESP in user space (kernel-libipsec before kernel-netlink, or netlink takes the IPsec role), the
# virtual IP installed on ipsec0; childless otherwise.
LIBIPSEC="" VIP=no CHILDLESS=force CHILDREN="" LOCAL_ID=""
if [ -n "$CHILD_TS" ]; then
  LIBIPSEC=kernel-libipsec VIP=yes CHILDLESS=never
  CHILDREN="vips = 0.0.0.0
        children {
            tun {
                remote_ts = $CHILD_TS
                esp_proposals = aes256gcm16-aes128gcm16, aes256-sha256
            }
        }"
fi
[ -z "$IDI" ] || LOCAL_ID="id = \"$IDI\""
# The device tunnel: the machine certificate instead of the EAP account.
LOCAL_AUTH="auth = eap-mschapv2
            eap_id = $EAP_ID"
if [ -n "$CERT" ]; then
  [ -s "$CERT" ] && [ -s "$KEY" ] || die "--cert needs --key (and both files)"
  LOCAL_AUTH="auth = pubkey
            certs = device.crt"
fi
VICI=$DIR/charon.vici
[ ${#VICI} -lt 100 ] || die "VICI socket path too long: $VICI"
export STRONGSWAN_CONF=$DIR/strongswan.conf SWANCTL_DIR=$DIR/swanctl

rm -rf "$DIR/swanctl" "$DIR/run" "$VICI"
mkdir -p "$DIR/run" "$DIR"/swanctl/{x509,x509ca,x509ocsp,x509aa,x509ac,x509crl,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
cp "$CA" "$DIR/swanctl/x509ca/ca.crt"
if [ -n "$CERT" ]; then cp "$CERT" "$DIR/swanctl/x509/device.crt"; (umask 077; cp "$KEY" "$DIR/swanctl/private/device.key"); fi
cat >"$DIR/strongswan.conf" <<EOF
charon {
    load = random nonce openssl aes sha1 sha2 hmac kdf gmp pem pkcs1 pkcs8 x509 pubkey revocation constraints $LIBIPSEC kernel-netlink socket-default vici eap-identity eap-mschapv2
    install_routes = $VIP
    install_virtual_ip = $VIP
    retransmit_timeout = 1.0
    retransmit_base = 1.4
    retransmit_tries = $TRIES
    plugins {
        vici {
            socket = unix://$VICI
        }
        revocation {
            enable_crl = no
            enable_ocsp = no
        }
    }
    filelog {
        lab {
            path = $DIR/charon.log
            time_format = %H:%M:%S
            append = no
            flush_line = yes
            default = 1
            ike = 2
            net = 2
            cfg = 2
            enc = 1
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
(umask 077; cat >"$DIR/swanctl/swanctl.conf" <<EOF
connections {
    cli {
        version = 2
        remote_addrs = $TARGET
        proposals = $PROPOSALS
        fragmentation = $FRAG
        encap = $ENCAP
        childless = $CHILDLESS
        $CHILDREN
        local {
            $LOCAL_AUTH
            $LOCAL_ID
        }
        remote {
            auth = pubkey
            id = $REMOTE_ID
        }
    }
}
secrets {
    eap-lab {
        id = $EAP_ID
        secret = "$EAP_PW"
    }
}
EOF
)

pid=""
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  # Stop only the charon started here, after checking it is one.
  if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$CHARON" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do [ -e "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || break; sleep 0.03; done
  fi
}
trap cleanup EXIT
# shellcheck disable=SC2016  # $1/$2 are the inner shell's arguments
setsid ip netns exec "$NS" /bin/sh -c 'mount --bind "$1" /run && exec "$2"' sh "$DIR/run" "$CHARON" \
  </dev/null >"$DIR/charon.stdout" 2>&1 &
pid=$!
for _ in $(seq 500); do
  [ -S "$VICI" ] && swanctl --stats --uri "unix://$VICI" >/dev/null 2>&1 && break
  [ -e "/proc/$pid" ] || die "charon exited: $(cat "$DIR/charon.stdout")"
  sleep 0.02
done
swanctl --load-all --noprompt --uri "unix://$VICI" >"$DIR/swanctl-load.log" 2>&1 || die "load failed: $(cat "$DIR/swanctl-load.log")"
rc=0
if [ -n "$CHILD_TS" ]; then
  timeout 60 swanctl --initiate --child tun --uri "unix://$VICI" >"$DIR/initiate.out" 2>&1 || rc=$?
else
  timeout 60 swanctl --initiate --ike cli --uri "unix://$VICI" >"$DIR/initiate.out" 2>&1 || rc=$?
fi
cat "$DIR/initiate.out"
if [ "$rc" -eq 0 ] && [ -n "$PING" ]; then
  ip netns exec "$NS" ping -n -c 2 -W 2 "$PING" >"$DIR/ping.out" 2>&1 || rc=3
  cat "$DIR/ping.out"
fi
exit $rc
