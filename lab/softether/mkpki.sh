#!/usr/bin/env bash
# Test PKI for the SSTP lab: one CA and one server certificate per profile, each with exactly one defect
# (or none), so a test that fails on a profile points at that defect.
#
#   ca.crt/.key             "vpnprobe Lab Root CA", RSA 2048, 10 years; ca.crl its (empty) CRL
#   rsa.crt/.key            valid: RSA 2048, CN vpn.test, SAN DNS:vpn.test + the lab server IPs
#   ecdsa.crt/.key          valid: ECDSA P-256, same names (keyUsage digitalSignature only: RFC 5480
#                           does not allow keyEncipherment for EC keys)
#   expired.crt/.key        like rsa, valid 2020-01-01 .. 2021-01-01 (made with `openssl ca`, because
#                           OpenSSL 3.0's `x509` cannot set a start date in the past)
#   wrongname.crt/.key      like rsa, but CN and SAN other.test only (no IP SAN either)
#   clientauth.crt/.key     like rsa, but extendedKeyUsage clientAuth only
#   selfsigned.crt/.key     like rsa, but signed by its own key (not by the CA)
# Leaf certificates: basicConstraints CA:FALSE, keyUsage digitalSignature+keyEncipherment (RSA),
# extendedKeyUsage serverAuth (except clientauth); the CA-issued ones also a CRL distribution point
# (http://crl.vpn.test/..., served by nothing) and an authority key identifier. Keys are written in the traditional PEM form
# (BEGIN RSA/EC PRIVATE KEY), which SoftEther's ServerCertSet reads.
#
# usage: mkpki.sh OUTDIR [IP ...]     (IPs for the SAN; default: the sstp-lab.sh server addresses)
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [IP ...]" >&2; exit 2; }
OUT=$1; shift
if [ $# -gt 0 ]; then IPS=("$@"); else
  IPS=(); for n in 10 11 12 13 14 15 16; do IPS+=("10.99.$n.2" "fd99:$n::2"); done
fi
mkdir -p "$OUT"
cd "$OUT"
umask 077                                   # private keys: owner only
# OpenSSL must not pick up a user's config (e.g. OPENSSL_CONF pointing at legacy settings) here.
export OPENSSL_CONF=/dev/null

san="DNS:vpn.test"
for ip in "${IPS[@]}"; do san+=",IP:$ip"; done

# CA-issued certificates name a CRL (as real ones do, so "no revocation information" is not a second
# defect of every profile); the lab serves nothing there: ca.crl is written for tests that want it.
CRL_URL=http://crl.vpn.test/vpnprobe-lab-ca.crl
ext() {  # ext FILE EKU KEYUSAGE SAN [ca-issued]
  cat >"$1" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,$3
extendedKeyUsage=$2
subjectAltName=$4
subjectKeyIdentifier=hash
EOF
  if [ -n "${5:-}" ]; then
    printf '%s\n' "authorityKeyIdentifier=keyid:always" "crlDistributionPoints=URI:$CRL_URL" >>"$1"
  fi
}
ext rsa.ext        serverAuth digitalSignature,keyEncipherment "$san" ca-issued
ext ecdsa.ext      serverAuth digitalSignature                 "$san" ca-issued
ext wrongname.ext  serverAuth digitalSignature,keyEncipherment "DNS:other.test" ca-issued
ext clientauth.ext clientAuth digitalSignature,keyEncipherment "$san" ca-issued
ext selfsigned.ext serverAuth digitalSignature,keyEncipherment "$san"
cp rsa.ext expired.ext

# Key generation is the slow part: all keys at once, in parallel.
pids=()
for k in ca rsa expired wrongname clientauth selfsigned; do
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$k.p8" 2>/dev/null & pids+=($!)
done
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ecdsa.p8 2>/dev/null & pids+=($!)
for p in "${pids[@]}"; do wait "$p"; done
for k in ca rsa ecdsa expired wrongname clientauth selfsigned; do
  openssl pkey -in "$k.p8" -traditional -out "$k.key"
  rm -f "$k.p8"
done

cat >ca.ext <<'EOF'
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
EOF
openssl req -new -key ca.key -subj "/CN=vpnprobe Lab Root CA/O=vpnprobe lab" -out ca.csr
openssl x509 -req -in ca.csr -signkey ca.key -days 3650 -sha256 -extfile ca.ext -set_serial 1 -out ca.crt 2>/dev/null

serial=$((0x$(openssl rand -hex 7)))         # fresh serials per PKI: no clash with an older lab's certs
csr() { openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"; }
sign() {  # sign NAME: CA-signed, valid 365 days
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -set_serial $((serial++)) -days 365 -sha256 \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
}
for k in rsa ecdsa clientauth selfsigned expired; do csr "$k" "/CN=vpn.test"; done
csr wrongname "/CN=other.test"
for k in rsa ecdsa wrongname clientauth; do sign "$k"; done
openssl x509 -req -in selfsigned.csr -signkey selfsigned.key -days 365 -sha256 -extfile selfsigned.ext \
  -set_serial $((serial++)) -out selfsigned.crt 2>/dev/null

# Expired: `openssl ca` takes explicit start/end dates; a throw-away CA database just for this.
rm -rf cadb && mkdir -p cadb/new && touch cadb/index.txt && printf '%016X\n' $((serial++)) >cadb/serial   # openssl ca wants an even number of hex digits
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
EOF
openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -in expired.csr -out expired.crt \
  -startdate 20200101000000Z -enddate 20210101000000Z -extfile expired.ext -notext 2>/dev/null
# The (empty) CRL the certificates point at, valid for a year.
openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -gencrl -crldays 365 -out ca.crl 2>/dev/null
rm -rf cadb ca.cnf ./*.csr ./*.ext

# Check what we made, so a broken OpenSSL change shows up here and not as a puzzling test failure.
ok()  { openssl verify -CAfile ca.crt "$@" >/dev/null 2>&1 || { echo "mkpki: check failed: verify $*" >&2; exit 1; }; }
bad() { ! openssl verify -CAfile ca.crt "$@" >/dev/null 2>&1 || { echo "mkpki: check passed unexpectedly: verify $*" >&2; exit 1; }; }
ok  -purpose sslserver -verify_hostname vpn.test rsa.crt
ok  -purpose sslserver -verify_hostname vpn.test -verify_ip 10.99.10.2 ecdsa.crt
bad expired.crt
ok  -no_check_time -purpose sslserver -verify_hostname vpn.test expired.crt   # only the dates are wrong
bad -verify_hostname vpn.test wrongname.crt
ok  -purpose sslserver -verify_hostname other.test wrongname.crt
bad -purpose sslserver clientauth.crt
ok  -purpose sslclient -verify_hostname vpn.test clientauth.crt
bad selfsigned.crt
ok  -CAfile selfsigned.crt -purpose sslserver -verify_hostname vpn.test selfsigned.crt
ok  -crl_check -CRLfile ca.crl -purpose sslserver -verify_hostname vpn.test rsa.crt
chmod 644 ./*.crt ca.crl
echo "mkpki: certificates in $OUT" >&2
