#!/usr/bin/env bash
# ctest fixture: brings the test lab up before the integration tests and down after them.
# usage: lab-fixture.sh up|down RUNDIR
# Where the lab cannot exist (not root, no network namespaces, no SoftEther), `up` writes the reason to
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
    "$lab/sstp-lab.sh" down >/dev/null 2>&1 || true   # leftovers of an interrupted run
    exec "$lab/sstp-lab.sh" up ;;
  down)
    [ -f "$run/SKIPPED" ] && exit 0
    exec "$lab/sstp-lab.sh" down ;;
  *) echo "usage: $0 up|down RUNDIR" >&2; exit 2 ;;
esac
