#!/usr/bin/env bash
# ctest fixture: brings the test lab up before the integration tests and down after them.
# usage: lab-fixture.sh up|down RUNDIR
# Both labs: SSTP (SoftEther) and IKEv2 (strongSwan, libreswan), in one topology.
# Where the lab cannot exist (not root, no network namespaces, no SoftEther or strongSwan), `up` writes the reason to
# RUNDIR/SKIPPED and succeeds, and every integration test skips with that reason. Where it can, a failure
# to bring it up is a failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lab="$here/../../lab"
what=$1 run=$2
mkdir -p "$run"
export LAB_RUN="$run" LAB_PREFIX=${LAB_PREFIX:-vpt-}

skip() { echo "$*" >"$run/SKIPPED"; echo "lab-fixture: integration tests will skip: $*"; exit 0; }

case $what in
  up)
    rm -f "$run/SKIPPED"
    [ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, mounts)"
    command -v ip >/dev/null || skip "iproute2 (ip) not installed"
    ip netns add "${LAB_PREFIX}check" 2>/dev/null || skip "cannot create network namespaces here"
    ip netns del "${LAB_PREFIX}check"
    [ -x /usr/libexec/softether/vpnserver/vpnserver ] || skip "softether-vpnserver not installed"
    [ -x /usr/lib/ipsec/charon ] || skip "strongswan-charon not installed"
    # leftovers of an interrupted run
    "$lab/ike-lab.sh" down >/dev/null 2>&1 || true
    "$lab/sstp-lab.sh" down >/dev/null 2>&1 || true
    # The SSTP lab builds the topology; the IKEv2 lab adds its responders to it.
    "$lab/sstp-lab.sh" up
    "$lab/ike-lab.sh" up || { "$lab/sstp-lab.sh" down >/dev/null 2>&1 || true; exit 1; } ;;
  down)
    [ -f "$run/SKIPPED" ] && exit 0
    rc=0
    "$lab/ike-lab.sh" down || rc=$?
    "$lab/sstp-lab.sh" down || rc=$?
    exit $rc ;;
  *) echo "usage: $0 up|down RUNDIR" >&2; exit 2 ;;
esac
