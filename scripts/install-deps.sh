#!/usr/bin/env bash
# Installs everything vpnprobe needs to build, test and run its lab, from Debian 12 packages only.
# Idempotent: packages already present are skipped, so it costs about a second when nothing is missing.
set -euo pipefail

packages=(
  # build
  g++ cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libssl-dev libyaml-cpp-dev libcli11-dev libgtest-dev libgmock-dev
  # lab: namespaces, path conditions, real peers
  iproute2 nftables iptables openssl ca-certificates python3 procps util-linux libnetfilter-queue-dev
  # report tests: JUnit validated against its schema, Prometheus text parsed back by the reference parser
  libxml2-utils python3-prometheus-client curl
  # IKEv2 SK tests: Wireshark decrypts what protocol/ikev2 seals (an independent judge; skipped without it)
  tshark
  # a namespace that cannot be entered (capsh drops CAP_SYS_ADMIN for one command)
  libcap2-bin
  # tests that count what a command reads (a trust store loaded once, not once per address)
  strace
  # the scenario JSON Schema is checked against the shipped examples
  python3-jsonschema python3-yaml
  softether-vpnserver softether-vpncmd
  # IKEv2 lab: strongSwan (charon + swanctl); libreswan conflicts with it as a package, so lab/libreswan
  # extracts Debian's .deb (apt-get download) and needs only its libraries and NSS tools installed
  # (libcharon-extra-plugins carries kernel-libipsec: the tunnel profile's ESP in user space, over a TUN device)
  strongswan-charon strongswan-swanctl strongswan-pki libcharon-extra-plugins libstrongswan-standard-plugins
  libstrongswan-extra-plugins libcharon-extauth-plugins
  # the reference initiator's ping through its tunnel (lab/strongswan/initiator.sh --ping)
  iputils-ping
  libnss3-tools libnss3 libnspr4 libcurl3-nss libevent-core-2.1-7 libevent-pthreads-2.1-7 libldap-2.5-0 libldns3
  libunbound8
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root (or: sudo $0)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -q --no-install-recommends "${missing[@]}"
