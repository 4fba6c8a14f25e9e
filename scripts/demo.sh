#!/usr/bin/env bash
# The main job, end to end on one machine: install what is missing, build, bring up the lab's SSTP
# servers (real SoftEther VPN Servers in network namespaces), probe a healthy one and one with an expired
# certificate from a lab vantage point, print the results, and take the lab down again.
# Needs root (network namespaces). Lab traffic stays inside the lab's namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then echo "demo: needs root (network namespaces); try: sudo $0" >&2; exit 1; fi
scripts/install-deps.sh
scripts/build.sh >/dev/null
export LAB_RUN=${LAB_RUN:-$PWD/build/lab-demo-run} LAB_PREFIX=${LAB_PREFIX:-vpd-}
lab/sstp-lab.sh down >/dev/null 2>&1 || true
trap 'lab/sstp-lab.sh down >/dev/null 2>&1 || true' EXIT
lab/sstp-lab.sh up
# shellcheck disable=SC1091
. "$LAB_RUN/sstp-lab.env"
probe() {
  echo
  echo "\$ vpnprobe sstp $1 --sni vpn.test --ca \$LAB_CA --netns $VANTAGE_CLEAN"
  ./build/vpnprobe sstp "$1" --sni vpn.test --ca "$LAB_CA" --netns "$VANTAGE_CLEAN" && echo "(exit 0)" || echo "(exit $?)"
}
probe "$SSTP_RSA_ADDR"        # healthy: every phase ok
probe "$SSTP_EXPIRED_ADDR"    # expired certificate: CERT_E_EXPIRED, -2146762495
