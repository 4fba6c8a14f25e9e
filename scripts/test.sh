#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test (unit and, as root, the
# integration tests against real servers in a network-namespace lab the tests bring up themselves).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd build
ctest --output-on-failure --timeout 300 "$@"
