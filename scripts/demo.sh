#!/usr/bin/env bash
# The main job, end to end on one machine: install what is missing, build, bring up the lab's real servers
# (SoftEther VPN Servers for SSTP, strongSwan responders for IKEv2, in network namespaces), probe them from
# lab vantage points, print the results, and take the lab down again:
#   SSTP:  a healthy server, and one with an expired certificate (CERT_E_EXPIRED, -2146762495)
#   IKEv2: a server with IKE fragmentation, and one without it seen through a path that drops IP
#          fragments (error 809, named as the fragmentation problem)
#   run:   the shipped lab scenario (scenarios/examples/lab.yaml): three vantage points x the SSTP and IKEv2
#          servers, every path's expected result checked, as a table
# Needs root (network namespaces). Lab traffic stays inside the lab's namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then echo "demo: needs root (network namespaces); try: sudo $0" >&2; exit 1; fi
scripts/install-deps.sh
scripts/build.sh >/dev/null
export LAB_RUN=${LAB_RUN:-$PWD/build/lab-demo-run} LAB_PREFIX=${LAB_PREFIX:-vpd-}
down() { lab/ike-lab.sh down >/dev/null 2>&1 || true; lab/sstp-lab.sh down >/dev/null 2>&1 || true; }
down
trap down EXIT
lab/sstp-lab.sh up
lab/ike-lab.sh up
# shellcheck disable=SC1091
. "$LAB_RUN/sstp-lab.env"
# shellcheck disable=SC1091
. "$LAB_RUN/ike-lab.env"
run() {
  echo
  echo "\$ vpnprobe $*"
  ./build/vpnprobe "$@" && echo "(exit 0)" || echo "(exit $?)"
}
run sstp "$SSTP_RSA_ADDR" --sni vpn.test --ca "$LAB_CA" --netns "$VANTAGE_CLEAN"       # healthy: every phase ok
run sstp "$SSTP_EXPIRED_ADDR" --sni vpn.test --ca "$LAB_CA" --netns "$VANTAGE_CLEAN"   # CERT_E_EXPIRED
run ikev2 "$IKE_FRAG_ADDR" --preset modern --name vpn.test --ca "$IKE_CA" --netns "$VANTAGE_CLEAN"
run ikev2 "$IKE_NOFRAG_ADDR" --preset modern --name vpn.test --ca "$IKE_CA" --netns "$VANTAGE_FRAGDROP" --timeout 4
# The lab scenario names the default lab (vp-, lab/run); point it at this one.
sed -e "s|netns: vp-|netns: ${LAB_PREFIX}|g" -e "s|\.\./\.\./lab/run/|$LAB_RUN/|g" scenarios/examples/lab.yaml >"$LAB_RUN/lab.yaml"
run run "$LAB_RUN/lab.yaml"
