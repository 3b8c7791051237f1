#!/usr/bin/env bash
# Engine efficiency on the default scenario (not a test; docs/BENCHMARK.md):
#   1. wall time of configs/default.yaml at SAMPLES samples (default 20000) on
#      1 rank x 1 thread, 2 ranks x 1 thread, 1 rank x 2 threads (and 2 x 2),
#      the efficiencies T(1) / (p T(p)), and the summary pass's seconds (the
#      run's "summary pass" line) and share; the machine load is printed with them
#      (on a shared machine wall times are only indicative);
#   2. callgrind (stable): instructions of 256- and CG_SAMPLES-sample runs
#      (default 1024) on 1 rank, extrapolated linearly to SAMPLES, split into the model evaluations (twm_evaluate),
#      the block writes (tw_output_write_block), the summary pass
#      (tw_output_finalize) and the rest (start-up: data, file creation,
#      central scenario); and the same run on 2 ranks (instructions summed
#      over the ranks: the work added by the decomposition).
#
# Usage: bench/engine_efficiency.sh [TRADEWAR_BINARY] [SAMPLES] [CG_SAMPLES]
# (SKIP_WALL=1: callgrind part only; SKIP_CG=1: wall times only)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build/ci/src/tradewar}
n=${2:-20000}
ncg=${3:-1024}
cfg=$here/configs/default.yaml
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

wall() { # ranks threads samples -> "seconds summary_seconds" (the run's own report)
  local r=$1 t=$2 s=$3 t0 t1 sp
  t0=$(date +%s.%N)
  if [ "$r" -eq 1 ]; then
    OMP_NUM_THREADS=$t "$bin" run "$cfg" -n "$s" -o "$tmp/o.h5" --force 2> "$tmp/wall.log"
  else
    OMP_NUM_THREADS=$t mpiexec -n "$r" --bind-to none "$bin" run "$cfg" -n "$s" -o "$tmp/o.h5" --force 2> "$tmp/wall.log"
  fi
  t1=$(date +%s.%N)
  sp=$(tr '\r' '\n' < "$tmp/wall.log" | awk '/summary pass [0-9.]+ s/ {print $(NF - 1)}')
  awk -v a="$t0" -v b="$t1" -v p="${sp:-nan}" 'BEGIN{printf "%.2f %s", b - a, p}'
}

if [ -z "${SKIP_WALL:-}" ]; then
  echo "# engine efficiency, default scenario, $n samples, $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
  read -r w1 s1 <<< "$(wall 1 1 "$n")"; read -r w2 s2 <<< "$(wall 2 1 "$n")"
  read -r wt st <<< "$(wall 1 2 "$n")"; read -r w4 s4 <<< "$(wall 2 2 "$n")"
  row() { awk -v d="$1" -v w="$2" -v s="$3" -v w1="$w1" -v c="$4" \
      'BEGIN{printf "| %s | %.2f | %.2f | %.2f | %.1f%% |\n", d, w, w1 / (c * w), s, 100 * s / w}'; }
  echo "| decomposition | wall s | efficiency | summary pass s | summary share |"
  echo "|---|---|---|---|---|"
  row "1 rank x 1 thread" "$w1" "$s1" 1
  row "2 ranks x 1 thread" "$w2" "$s2" 2
  row "1 rank x 2 threads" "$wt" "$st" 2
  row "2 ranks x 2 threads" "$w4" "$s4" 4
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
[ -n "${SKIP_CG:-}" ] && exit 0

echo
echo "# callgrind (instructions), 1 rank: runs of 256 and $ncg samples, extrapolated linearly to $n"
incl() { # file function -> inclusive instructions (awk reads all: no SIGPIPE under pipefail)
  callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
    awk -v f="$2" 'index($0, ":" f " [") && !done {gsub(",", "", $1); print $1; done = 1}'
}
cg() { # samples -> "total evaluate writes summary"
  OMP_NUM_THREADS=1 valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$1" \
    "$bin" run "$cfg" -n "$1" -o "$tmp/c.h5" --force -q 2> "$tmp/cg.$1.log"
  echo "$(grep -o 'Collected : [0-9]*' "$tmp/cg.$1.log" | awk '{print $3}')" \
       "$(incl "$tmp/cg.$1" twm_evaluate)" "$(incl "$tmp/cg.$1" tw_output_write_block)" \
       "$(incl "$tmp/cg.$1" tw_output_finalize)"
}
read -r ta ea wa fa <<< "$(cg 256)"
read -r tb eb wb fb <<< "$(cg "$ncg")"
awk -v n1=256 -v n2="$ncg" -v N="$n" -v ta="$ta" -v ea="$ea" -v wa="$wa" -v fa="$fa" \
    -v tb="$tb" -v eb="$eb" -v wb="$wb" -v fb="$fb" 'BEGIN{
  b1 = int((n1 + 255) / 256); b2 = int((n2 + 255) / 256); B = int((N + 255) / 256);
  # linear in samples (evaluations, summary, rest) or blocks (writes)
  e = ea + (eb - ea) / (n2 - n1) * (N - n1);  f = fa + (fb - fa) / (n2 - n1) * (N - n1);
  w = wa + (wb - wa) / (b2 - b1) * (B - b1);
  r1 = ta - ea - wa - fa; r2 = tb - eb - wb - fb; r = r1 + (r2 - r1) / (n2 - n1) * (N - n1);
  t = e + w + f + r;
  printf "| part | instructions at %d samples | share |\n|---|---|---|\n", N;
  printf "| model evaluations (%.2f M per sample) | %.1f G | %.2f%% |\n", (eb - ea) / (n2 - n1) / 1e6, e / 1e9, 100 * e / t;
  printf "| block writes (%.2f M per block, %d blocks) | %.3f G | %.2f%% |\n", (wb - wa) / (b2 - b1) / 1e6, B, w / 1e9, 100 * w / t;
  printf "| summary pass | %.3f G | %.2f%% |\n", f / 1e9, 100 * f / t;
  printf "| rest (start-up: data, file, central scenario; loop) | %.3f G | %.2f%% |\n", r / 1e9, 100 * r / t;
  printf "| whole run | %.1f G | 100%% |\n", t / 1e9 }'
echo
echo "# callgrind, 2 ranks x 1 thread, $ncg samples (instructions summed over the ranks;"
echo "# a rank waiting in a collective polls, so waiting shows up as instructions too)"
OMP_NUM_THREADS=1 mpiexec -n 2 --bind-to none valgrind --tool=callgrind \
  --callgrind-out-file="$tmp/cg2.%p" "$bin" run "$cfg" -n "$ncg" -o "$tmp/c2.h5" --force -q \
  2> "$tmp/cg2.log"
tot2=$(grep -o 'Collected : [0-9]*' "$tmp/cg2.log" | awk '{s += $3} END {print s}')
awk -v a="$tb" -v b="$tot2" 'BEGIN{printf "1 rank %.2f G, 2 ranks %.2f G: instruction efficiency %.3f\n", a/1e9, b/1e9, a/b}'
