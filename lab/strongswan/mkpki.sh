#!/usr/bin/env bash
# Test PKI for the IKEv2 lab: one root CA and one server certificate per defect (or none), so a test that
# fails on a profile points at that defect.
#
#   ca.crt/.key           "vpnprobe IKE Lab Root CA", ECDSA P-256, 10 years
#   server.crt/.key       valid: ECDSA P-256, CN vpn.test, EKU serverAuth + IKE intermediate
#                         (1.3.6.1.5.5.8.2.2, Microsoft's IPsec template), SAN DNS:vpn.test, every
#                         server IP twice: as dNSName (Windows matches an IP address it dials only
#                         against dNSName SANs, else error 13801) and as iPAddress (RFC 5280 / everyone else)
#   noeku.crt/.key        like server, but EKU clientAuth only (no serverAuth, no IKE intermediate)
#   expired.crt/.key      like server, valid 2020-01-01 .. 2021-01-01 (made with `openssl ca`: OpenSSL
#                         3.0's `x509` cannot set a start date in the past)
#   bigca.crt/.key        "vpnprobe IKE Lab Big Intermediate CA", RSA 4096, issued by ca
#   big.crt/.key          like server, but RSA 4096 and issued by bigca; big-chain.crt = big + bigca.
#                         A responder sending both certificates and an RSA-4096 AUTH makes an IKE_AUTH
#                         response of about 4 KB: more than a 1500-byte path carries in one datagram.
#   server.p12            server.crt + key + ca.crt for libreswan's NSS database (empty password)
#   device.crt/.key       a machine certificate for the device tunnel: ECDSA P-256, CN device1.vpn.test, EKU
#                         clientAuth + IKE intermediate (what Microsoft's Always On VPN device template has),
#                         SAN DNS:device1.vpn.test
# Leaf certificates: basicConstraints CA:FALSE, keyUsage digitalSignature (RSA: + keyEncipherment),
# subject/authority key identifiers, no CRL distribution point (an IKEv2 client does not need one).
# Keys are PKCS#8 PEM (charon's pkcs8 plugin and openssl read them).
#
# usage: mkpki.sh OUTDIR [IP ...]     (IPs for the SAN; default: the ike-lab.sh server addresses)
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [IP ...]" >&2; exit 2; }
OUT=$1; shift
if [ $# -gt 0 ]; then IPS=("$@"); else
  IPS=(); for n in $(seq 20 31); do IPS+=("10.99.$n.2" "fd99:$n::2"); done
fi
mkdir -p "$OUT"
cd "$OUT"
umask 077                                   # private keys: owner only
# OpenSSL must not pick up a user's config (OPENSSL_CONF pointing at legacy settings, say) here.
export OPENSSL_CONF=/dev/null

san="DNS:vpn.test"
for ip in "${IPS[@]}"; do san+=",DNS:$ip"; done
for ip in "${IPS[@]}"; do san+=",IP:$ip"; done

IKE_EKU="serverAuth,1.3.6.1.5.5.8.2.2"
ext() {  # ext FILE EKU KEYUSAGE
  cat >"$1" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,$3
extendedKeyUsage=$2
subjectAltName=$san
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
EOF
}
ext server.ext  "$IKE_EKU"   digitalSignature
ext noeku.ext   clientAuth   digitalSignature
ext expired.ext "$IKE_EKU"   digitalSignature
ext big.ext     "$IKE_EKU"   digitalSignature,keyEncipherment
cat >ca.ext <<'EOF'
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
EOF
cat >bigca.ext <<'EOF'
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
EOF

# Key generation (the two RSA-4096 keys) is the slow part: all keys at once.
pids=()
for k in ca server noeku expired device; do
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$k.key" 2>/dev/null & pids+=($!)
done
for k in bigca big; do
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out "$k.key" 2>/dev/null & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done

serial=$((0x$(openssl rand -hex 7)))         # fresh serials per PKI: no clash with an older lab's certs
csr() { openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"; }
sign() {  # sign NAME ISSUER: valid 365 days
  openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -set_serial $((serial++)) -days 365 -sha256 \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
}
csr ca "/CN=vpnprobe IKE Lab Root CA/O=vpnprobe lab"
openssl x509 -req -in ca.csr -signkey ca.key -days 3650 -sha256 -extfile ca.ext -set_serial 1 -out ca.crt 2>/dev/null
csr bigca "/CN=vpnprobe IKE Lab Big Intermediate CA/O=vpnprobe lab"
sign bigca ca
for k in server noeku expired big; do csr "$k" "/CN=vpn.test/O=vpnprobe lab"; done
sign server ca
sign noeku ca
sign big bigca
cat >device.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth,1.3.6.1.5.5.8.2.2
subjectAltName=DNS:device1.vpn.test
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
EOF
csr device "/CN=device1.vpn.test/O=vpnprobe lab"
sign device ca
cat big.crt bigca.crt >big-chain.crt

# Expired: `openssl ca` takes explicit start/end dates; a throw-away CA database just for this.
rm -rf cadb && mkdir -p cadb/new && touch cadb/index.txt && printf '%016X\n' $((serial++)) >cadb/serial
cat >ca.cnf <<'EOF'
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = ./cadb
database = $dir/index.txt
new_certs_dir = $dir/new
serial = $dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
commonName = supplied
organizationName = optional
EOF
openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -in expired.csr -out expired.crt \
  -startdate 20200101000000Z -enddate 20210101000000Z -extfile expired.ext -notext 2>/dev/null
rm -rf cadb ca.cnf ./*.csr ./*.ext

# libreswan imports its certificate into NSS from PKCS#12 (empty password: the lab's NSS db has none).
openssl pkcs12 -export -in server.crt -inkey server.key -certfile ca.crt -name vpnserver \
  -passout pass: -out server.p12

# Check what we made, so a broken OpenSSL change shows up here and not as a puzzling test failure.
ok()  { openssl verify -CAfile ca.crt "$@" >/dev/null 2>&1 || { echo "mkpki: check failed: verify $*" >&2; exit 1; }; }
bad() { ! openssl verify -CAfile ca.crt "$@" >/dev/null 2>&1 || { echo "mkpki: check passed unexpectedly: verify $*" >&2; exit 1; }; }
ok  -purpose sslserver -verify_hostname vpn.test -verify_ip "${IPS[0]}" server.crt
ok  -purpose sslserver -verify_hostname vpn.test -untrusted bigca.crt big.crt
bad big.crt                                                      # needs the intermediate
bad -purpose sslserver noeku.crt
ok  -purpose sslclient device.crt
ok  -purpose sslclient -verify_hostname vpn.test noeku.crt
bad expired.crt
ok  -no_check_time -purpose sslserver -verify_hostname vpn.test expired.crt   # only the dates are wrong
for c in server noeku expired big; do
  openssl x509 -in "$c.crt" -noout -ext extendedKeyUsage | grep -q "$([ $c = noeku ] && echo 'TLS Web Client' || echo 1.3.6.1.5.5.8.2.2)" ||
    { echo "mkpki: $c.crt lacks its EKU" >&2; exit 1; }
done
chmod 644 ./*.crt
echo "mkpki: certificates in $OUT" >&2
