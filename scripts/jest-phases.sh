#!/usr/bin/env bash
# The whole jest run, in two phases (jest.config.js): most suites two at a time, then the suites
# whose waits are the timing under test, one at a time on an otherwise idle machine. Both phases
# run even when the first fails, so one red run names every failing suite; the exit is non-zero if
# either failed. Extra arguments go to both (e.g. --ci).
set -u
cd "$(dirname "$0")/.."
jest() { node --experimental-vm-modules node_modules/jest/bin/jest.js "$@"; }
failed=0
KUBELIVE_JEST_PHASE=together jest "$@" || failed=1
KUBELIVE_JEST_PHASE=alone jest "$@" || failed=1
exit "$failed"
