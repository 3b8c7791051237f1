#!/usr/bin/env bash
# Engine benchmark (not a test): samples/s of the Ishigami model with a tunable
# cost per evaluation, on 1 and 2 MPI ranks (1 thread each) and on 1 rank x 2
# threads, and the parallel efficiency = rate(P) / (P * rate(1)).
#
# Usage: bench/bench_engine.sh [TRADEWAR_BINARY] [COST_US] [SAMPLES]
#   defaults: build/release/src/tradewar (or $TRADEWAR), 500 us, 4000 samples
# The cost is a busy-wait of COST_US microseconds per sample, so the ideal
# rate on one core is 1e6 / COST_US samples/s; the gap to it is the engine's
# overhead (design, parameter mapping, HDF5 writes, summary).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-${TRADEWAR:-$here/build/release/src/tradewar}}
cost=${2:-500}
n=${3:-4000}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/bench.yaml" <<CFG
model: ishigami
samples: $n
seed: 1
design: lhs
block_size: 64
cost_us: $cost
CFG

rate() { # ranks threads -> samples/s (wall time of the whole run, summary included)
  local r=$1 t=$2 t0 t1
  t0=$(date +%s.%N)
  if [ "$r" -eq 1 ]; then
    OMP_NUM_THREADS=$t "$bin" run "$tmp/bench.yaml" -o "$tmp/o.h5" --force -q
  else
    OMP_NUM_THREADS=$t mpiexec -n "$r" --bind-to none "$bin" run "$tmp/bench.yaml" -o "$tmp/o.h5" --force -q
  fi
  t1=$(date +%s.%N)
  echo "$n $t0 $t1" | awk '{printf "%.1f", $1 / ($3 - $2)}'
}

echo "tradewar engine benchmark: ishigami, cost ${cost} us/sample, ${n} samples, $(nproc) cores"
echo "ideal single-core rate: $(awk -v c="$cost" 'BEGIN{printf "%.1f", 1e6 / c}') samples/s"
r1=$(rate 1 1)
r2=$(rate 2 1)
t2=$(rate 1 2)
printf "%-22s %12s %12s\n" "decomposition" "samples/s" "efficiency"
printf "%-22s %12s %12s\n" "1 rank x 1 thread" "$r1" "1.00"
printf "%-22s %12s %12s\n" "2 ranks x 1 thread" "$r2" "$(awk -v a="$r2" -v b="$r1" 'BEGIN{printf "%.2f", a / (2 * b)}')"
printf "%-22s %12s %12s\n" "1 rank x 2 threads" "$t2" "$(awk -v a="$t2" -v b="$r1" 'BEGIN{printf "%.2f", a / (2 * b)}')"
