#!/usr/bin/env bash
# Sensitivity benchmark (not a test): wall time of a default-scenario
# sensitivity run and the share of the estimators and bootstrap in it.
#
# Usage: bench/bench_sensitivity.sh [TRADEWAR_BINARY] [CONFIG] [RANKS] [THREADS]
#   defaults: build/release/src/tradewar (or $TRADEWAR),
#             configs/default_sensitivity.yaml, 1 rank x 2 threads
# Prints the solves, the total wall time (start-up, solves, passes, summary),
# the time of the sensitivity pass and its share of the run.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-${TRADEWAR:-$here/build/release/src/tradewar}}
cfg=${2:-$here/configs/default_sensitivity.yaml}
ranks=${3:-1}
threads=${4:-2}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmd=("$bin" run "$cfg" -o "$tmp/sens.h5")
if [ "$ranks" -gt 1 ]; then
  cmd=(mpiexec -n "$ranks" --bind-to none "${cmd[@]}")
fi
t0=$(date +%s.%N)
OMP_NUM_THREADS=$threads "${cmd[@]}" 2> "$tmp/log"
t1=$(date +%s.%N)
tr '\r' '\n' < "$tmp/log" | grep -E "^tradewar: (sensitivity:|.*samples \()" || true
n=$(grep -o '[0-9]* samples (pick-freeze' "$tmp/log" | head -1 | cut -d' ' -f1)
pass=$(grep -o 'bootstrap) [0-9.]* s' "$tmp/log" | grep -o '[0-9.]*' | head -1)
awk -v t0="$t0" -v t1="$t1" -v n="$n" -v p="$pass" -v r="$ranks" -v th="$threads" 'BEGIN {
  w = t1 - t0
  printf "%s solves on %d rank(s) x %d thread(s): %.1f s wall (%.0f solves/s)\n", n, r, th, w, n / w
  printf "sensitivity pass (estimators + bootstrap): %.2f s = %.1f%% of the run\n", p, 100 * p / w
}'
