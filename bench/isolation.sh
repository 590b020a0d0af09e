#!/usr/bin/env bash
# Issue 13's isolation benchmark: tenant B's latency alone and beside each hostile case
# of tenant A (deadline-burning plugin at 20 and 300, memory bomb at 60, hanging next hop,
# slowloris of 600, 25 MB sessions for peak RSS, 64 KB beside a busy core), against the
# release `mxr serve` as its own process. Builds the release binary; compiling the bench
# builds the plugin components (tests/build.rs). Arguments go to the bench:
#
#   bench/isolation.sh             # full: 3 runs a case, 200 B messages, up to 500 × 25 MB
#   bench/isolation.sh --quick     # 1 run a case, 40 B messages, 20 × 25 MB
#   bench/isolation.sh --only 4    # one case (1a 1b 2 3 4 5 6)
#   bench/isolation.sh --only 5 --sessions 500   # case 5 at 500 × 25 MB whatever the memory
#
# The bench stops only what it started, by PID: its relay and its busy-loop child.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(cargo build --release --locked -p mxr --message-format=json-render-diagnostics |
    sed -n 's/.*"executable":"\([^"]*\/mxr\)".*/\1/p' | tail -1)
[ -x "$bin" ] || { echo "no mxr binary from the release build" >&2; exit 1; }
# A private copy: in a shared target dir another checkout may rebuild `mxr` meanwhile.
work=$(mktemp -d /tmp/mxr-isolation.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$bin" "$work/mxr"
MXR_BIN="$work/mxr" cargo bench --locked -q -p mxr-tests --bench isolation -- "$@"
