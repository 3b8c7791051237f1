#!/usr/bin/env bash
# Quick start: install missing Debian packages, build and install tradewar
# under build/release/install, then run configs/default.yaml (the trade-war
# scenario) on all local cores and print where the results are and a summary.
# Usage: tools/quickstart.sh [CONFIG]   (default configs/default.yaml)
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
cmake --install build/release >/dev/null
export TRADEWAR="$PWD/build/release/install/bin/tradewar"
# --resume: a second quick start continues an interrupted run or, when the
# result is finished already, just shows it (a changed config is refused).
export TW_RUN_ARGS="--resume"
exec jobs/local.sh "${1:-configs/default.yaml}"
