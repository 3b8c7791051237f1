#!/usr/bin/env bash
# Engine efficiency on the default scenario (not a test; docs/BENCHMARK.md):
#   1. wall time of configs/default.yaml at SAMPLES samples (default 20000) on
#      1 rank x 1 thread, 2 ranks x 1 thread, 1 rank x 2 threads (and 2 x 2),
#      each launched the way users launch it on one machine: the environment
#      and command line of jobs/local.sh (its dry run, TW_DRY_RUN=1, with
#      TW_RANKS/TW_THREADS): mpiexec with its binding, OMP_PLACES/OMP_PROC_BIND
#      and, for Open MPI, OMPI_MCA_pml=ob1 (docs/CLUSTER.md),
#      the efficiencies T(1) / (p T(p)), and the summary pass's seconds (the
#      run's "summary pass" line) and share; the machine load is printed with them
#      (on a shared machine wall times are only indicative). Each decomposition
#      runs REPS times (default 3), interleaved (1x1, 2x1, 1x2, 2x2, then again),
#      each into a fresh file (the previous run's output is removed before the
#      clock starts: --force truncating a 100 MB file costs rank 0 0.02-0.03 s of
#      start-up, which otherwise fell on every run but the first); the table
#      gives the best and the median wall time of the REPS runs and the
#      efficiency of each (best: best T(1) / (p best T(p)), the usual figure on
#      a shared machine; median: the same with the medians);
#   2. the engine's own phase timers (TW_PHASE_TIMES=1, rank 0) of the same
#      four runs: wall seconds per phase for each, and the CPU-time shares
#      of the 1 x 1 run (start-up, evaluations, block writes, the summary
#      passes; a share of CPU time stays meaningful on a loaded machine), the
#      parts of the final passes that split over neither ranks nor threads
#      ("tradewar: part" lines: the masks every rank builds, rank 0's
#      /summary_by and /summary writes, the fill) and, from them, the
#      start-up and the block writes, the 1 x 1 run's serial share s and the
#      Amdahl ceiling 1 / (1 + s) of the 2-rank and 2-thread efficiency;
#   3. callgrind (stable): instructions of 256- and CG_SAMPLES-sample runs
#      (default 1024) on 1 rank, extrapolated linearly to SAMPLES, split into the model evaluations (twm_evaluate),
#      the block writes (tw_output_write_block), the summary pass
#      (tw_output_finalize), the summary by regime (tw_summary_by_write), the
#      file's creation (tw_output_create) and the rest (MPI start-up, config,
#      data, central scenario, loop); and the same run on 2 ranks
#      (instructions summed over the ranks: the work added by the decomposition).
#
# Usage: bench/engine_efficiency.sh [TRADEWAR_BINARY] [SAMPLES] [CG_SAMPLES]
# (SKIP_WALL=1: callgrind part only; SKIP_CG=1: wall and phases only;
#  REPS=N: runs per decomposition, default 3; the phase tables are those of
#  each decomposition's best run)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build/ci/src/tradewar}
n=${2:-20000}
ncg=${3:-1024}
reps=${REPS:-3}
case "$reps" in ''|*[!0-9]*|0) echo "engine_efficiency.sh: REPS must be a positive integer" >&2; exit 1;; esac
cfg=$here/configs/default.yaml
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# as jobs/local.sh (one node): also for the callgrind runs below
export OMPI_MCA_pml=${OMPI_MCA_pml:-ob1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

case "$here$tmp$bin" in *[[:space:]]*) echo "engine_efficiency.sh: no spaces in paths, please" >&2; exit 1;; esac
launch() { # ranks threads samples -> two lines: the environment and the command
  # line jobs/local.sh would run (its dry run), for `env` to run as they are
  TW_DRY_RUN=1 TW_RANKS=$1 TW_THREADS=$2 TRADEWAR=$bin "$here/jobs/local.sh" "$cfg" \
    "$tmp/o.h5" -n "$3" --force 2>/dev/null | sed -n 's/^local\.sh: //p' | sed -n '2,3p'
}
wall() { # ranks threads samples tag -> "seconds summary_seconds outside_seconds"
  # (outside: the wall time less rank 0's phases, i.e. mpiexec, MPI_Init before
  # the engine's clock starts, MPI_Finalize and the exit; the run's own
  # reports; its phase lines, TW_PHASE_TIMES=1, stay in $tmp/ph.tag)
  local r=$1 t=$2 s=$3 tag=$4 t0 t1 sp envs cmd
  { read -r envs; read -r cmd; } <<< "$(launch "$r" "$t" "$s")"
  echo "$envs $cmd" > "$tmp/cmd.$tag"
  rm -f "$tmp/o.h5" # a fresh file for every run: no truncation in the timed part
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086  # local.sh's words, split on purpose
  env TW_PHASE_TIMES=1 $envs $cmd 2> "$tmp/ph.$tag" > /dev/null
  t1=$(date +%s.%N)
  sp=$(tr '\r' '\n' < "$tmp/ph.$tag" | awk '/summary pass [0-9.]+ s/ {print $(NF - 1)}')
  pw=$(awk '/tradewar: phases / {for (i = 1; i < NF; i++) if ($i == "wall") print $(i + 1)}' "$tmp/ph.$tag")
  awk -v a="$t0" -v b="$t1" -v p="${sp:-nan}" -v q="${pw:-nan}" 'BEGIN{printf "%.2f %s %.3f", b - a, p, b - a - q}'
}
phase() { # tag phase-name -> "wall cpu wall% cpu%"
  awk -v p="$2" 'index($0, "tradewar: phase " p " ") {
    sub(/.*tradewar: phase /, ""); sub(p, ""); gsub(/[%s]/, "");
    print $2, $5, $3, $6 }' "$tmp/ph.$1"
}
phases="start-up|evaluations|round collectives|block writes|sensitivity pass|summary by regime|summary pass|end"

if [ -z "${SKIP_WALL:-}" ]; then
  echo "# engine efficiency, default scenario, $n samples, $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
  # REPS rounds, the decompositions interleaved so that a change of the
  # machine's load falls on all of them; "tag rep wall summary" lines
  for ((i = 1; i <= reps; i++)); do
    for tag in 11 21 12 22; do
      read -r w s o <<< "$(wall "${tag:0:1}" "${tag:1:1}" "$n" "$tag")"
      cp "$tmp/ph.$tag" "$tmp/ph.$tag.$i"
      echo "$tag $i $w $s $o" >> "$tmp/walls"
    done
  done
  stats() { # tag -> "best median summary_of_best rep_of_best all_walls median_outside"
    awk -v t="$1" '$1 == t {n++; w[n] = $3; s[n] = $4; r[n] = $2; o[n] = $5}
      END {b = 1; for (i = 2; i <= n; i++) if (w[i] < w[b]) b = i;
           for (i = 1; i <= n; i++) v[i] = w[i];
           for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) {x = v[j]; v[j] = v[j - 1]; v[j - 1] = x}
           m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2;
           all = w[1]; for (i = 2; i <= n; i++) all = all "," w[i];
           for (i = 2; i <= n; i++) for (j = i; j > 1 && o[j - 1] > o[j]; j--) {x = o[j]; o[j] = o[j - 1]; o[j - 1] = x}
           mo = n % 2 ? o[(n + 1) / 2] : (o[n / 2] + o[n / 2 + 1]) / 2;
           printf "%s %s %s %s %s %.3f", w[b], m, s[b], r[b], all, mo}' "$tmp/walls"
  }
  read -r b1 m1 _ _ _ <<< "$(stats 11)"
  row() { read -r b m s r all mo <<< "$(stats "$2")"; cp "$tmp/ph.$2.$r" "$tmp/ph.$2"
    awk -v d="$1" -v b="$b" -v m="$m" -v s="$s" -v b1="$b1" -v m1="$m1" -v c="$3" -v a="$all" \
      -v mo="$mo" 'BEGIN{printf "| %s | %.2f | %.3f | %.2f | %.3f | %s | %.3f | %.2f | %.1f%% |\n", d, b,
             b1 / (c * b), m, m1 / (c * m), a, mo, s, 100 * s / b}'; }
  echo "| decomposition | best wall s | efficiency (best) | median wall s | efficiency (median) | the $reps walls, in order | outside the phases s (median) | summary pass s (best run) | summary share |"
  echo "|---|---|---|---|---|---|---|---|---|"
  row "1 rank x 1 thread" 11 1
  row "2 ranks x 1 thread" 21 2
  row "1 rank x 2 threads" 12 2
  row "2 ranks x 2 threads" 22 4
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); launched as jobs/local.sh does (dry run):"
  for tag in 11 21 12 22; do echo "  $(cat "$tmp/cmd.$tag")"; done
  echo
  echo "# phases (the engine's timers on rank 0, TW_PHASE_TIMES=1): wall s of each decomposition's best run;"
  echo "# CPU share of the 1 x 1 run (the phase's share of the work, load-independent)"
  echo "| phase | 1x1 wall s | 2x1 wall s | 1x2 wall s | 2x2 wall s | 1x1 CPU s | 1x1 CPU share |"
  echo "|---|---|---|---|---|---|---|"
  IFS='|' read -r -a names <<< "$phases"
  for p in "${names[@]}"; do
    read -r a1 c1 _ s1 <<< "$(phase 11 "$p")"
    read -r a2 _ _ _ <<< "$(phase 21 "$p")"
    read -r a3 _ _ _ <<< "$(phase 12 "$p")"
    read -r a4 _ _ _ <<< "$(phase 22 "$p")"
    echo "| $p | ${a1:-?} | ${a2:-?} | ${a3:-?} | ${a4:-?} | ${c1:-?} | ${s1:-?}% |"
  done
  echo
  echo "# what does not split (1 x 1 run, CPU s): the start-up (every rank; its fill of the"
  echo "# datasets splits over the ranks, not the threads) and the final passes' parts; an"
  echo "# \"overlapped\" part (1 rank: the master thread's writes while the other threads"
  echo "# summarise) counts as serial for 2 ranks, not for 2 threads; the fill values are"
  echo "# written in the first round (\"fill, overlapped\": split over the ranks, on the master"
  echo "# thread while the others evaluate: counted for neither); the block writes split"
  echo "# over the ranks (each writes its own block) and, written one round later by the"
  echo "# master thread while the others evaluate (\"block writes, overlapped\"), over the threads"
  tr '\r' '\n' < "$tmp/ph.11" | awk '
    /tradewar: phases / { tot = $(NF - 1) }
    index($0, "tradewar: phase start-up ") { st = $(NF - 2) }
    index($0, "tradewar: phase block writes ") { bw = $(NF - 2) }
    /tradewar: part / { sub(/.*tradewar: part /, ""); name = $0; sub(/ +wall.*/, "", name);
                        c = $(NF - 1); printf "| %s | %.3f |\n", name, c;
                        if (name == "start-up fill") fill = c;   # older engines: in the start-up
                        else if (name == "fill, overlapped") ofill = c;
                        else if (name == "block writes, overlapped") bwo = c;
                        else if (index(name, "overlapped")) ovl += c; else ser += c }
    END { printf "| start-up%s | %.3f |\n", (fill > 0 ? " (with the fill)" : ""), st;
          # write-behind (bwo > 0): only the last round waits for its blocks
          if (bwo > 0) printf "| block writes: the per-block overhead, %.2f%% of the run (overlapped but for the last round) | %.3f |\n", 100 * bwo / tot, bwo;
          if (bwo > 0) bw = 0;
          if (bwo <= 0) printf "| block writes (the master thread, the others wait: serial for threads) | %.3f |\n", bw;
          r = tot > 0 ? (ser + ovl + st - fill) / tot : 0; t = tot > 0 ? (ser + st) / tot : 0;
          tb = tot > 0 ? (ser + st + bw) / tot : 0;
          printf "serial share of %.3f s CPU: 2 ranks s = %.2f%% (ceiling 1/(1+s) = %.3f), 2 threads s = %.2f%% (ceiling %.3f; with the block writes %.2f%%, ceiling %.3f)\n",
                 tot, 100 * r, 1 / (1 + r), 100 * t, 1 / (1 + t), 100 * tb, 1 / (1 + tb) }'
fi
[ -n "${SKIP_CG:-}" ] && exit 0

echo
echo "# callgrind (instructions), 1 rank: runs of 256 and $ncg samples, extrapolated linearly to $n"
incl() { # file function -> inclusive instructions, 0 if absent (awk reads all: no
  # SIGPIPE under pipefail; --threshold=100 lists every function, or a small
  # part such as the block writes would be missing and the fields shift)
  callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
    awk -v f="$2" 'index($0, ":" f " [") && !done {gsub(",", "", $1); print $1; done = 1}
                   END {if (!done) print 0}'
}
cg() { # samples -> "total evaluate writes summary by create"
  OMP_NUM_THREADS=1 valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$1" \
    "$bin" run "$cfg" -n "$1" -o "$tmp/c.h5" --force -q 2> "$tmp/cg.$1.log"
  echo "$(grep -o 'Collected : [0-9]*' "$tmp/cg.$1.log" | awk '{print $3}')" \
       "$(incl "$tmp/cg.$1" twm_evaluate)" "$(incl "$tmp/cg.$1" tw_output_write_block)" \
       "$(incl "$tmp/cg.$1" tw_output_finalize)" "$(incl "$tmp/cg.$1" tw_summary_by_write)" \
       "$(incl "$tmp/cg.$1" tw_output_create)"
}
read -r ta ea wa fa ya ca <<< "$(cg 256)"
read -r tb eb wb fb yb cb <<< "$(cg "$ncg")"
awk -v n1=256 -v n2="$ncg" -v N="$n" -v ta="$ta" -v ea="$ea" -v wa="$wa" -v fa="$fa" \
    -v tb="$tb" -v eb="$eb" -v wb="$wb" -v fb="$fb" -v ya="$ya" -v yb="$yb" \
    -v ca="$ca" -v cb="$cb" 'BEGIN{
  b1 = int((n1 + 255) / 256); b2 = int((n2 + 255) / 256); B = int((N + 255) / 256);
  # linear in samples (evaluations, summaries, file creation, rest) or blocks (writes)
  e = ea + (eb - ea) / (n2 - n1) * (N - n1);  f = fa + (fb - fa) / (n2 - n1) * (N - n1);
  y = ya + (yb - ya) / (n2 - n1) * (N - n1);  c = ca + (cb - ca) / (n2 - n1) * (N - n1);
  w = wa + (wb - wa) / (b2 - b1) * (B - b1);
  r1 = ta - ea - wa - fa - ya - ca; r2 = tb - eb - wb - fb - yb - cb;
  r = r1 + (r2 - r1) / (n2 - n1) * (N - n1);
  t = e + w + f + y + c + r;
  printf "| part | instructions at %d samples | share |\n|---|---|---|\n", N;
  printf "| model evaluations (%.2f M per sample) | %.1f G | %.2f%% |\n", (eb - ea) / (n2 - n1) / 1e6, e / 1e9, 100 * e / t;
  printf "| block writes (%.2f M per block, %d blocks) | %.3f G | %.2f%% |\n", (wb - wa) / (b2 - b1) / 1e6, B, w / 1e9, 100 * w / t;
  printf "| summary pass | %.3f G | %.2f%% |\n", f / 1e9, 100 * f / t;
  printf "| summary by regime | %.3f G | %.2f%% |\n", y / 1e9, 100 * y / t;
  printf "| file creation (layout, fill values, baseline, /history) | %.3f G | %.2f%% |\n", c / 1e9, 100 * c / t;
  printf "| rest (MPI start-up, config, data, central scenario; loop) | %.3f G | %.2f%% |\n", r / 1e9, 100 * r / t;
  printf "| whole run | %.1f G | 100%% |\n", t / 1e9 }'
echo
echo "# callgrind, 2 ranks x 1 thread, $ncg samples (instructions summed over the ranks;"
echo "# a rank waiting in a collective polls, so waiting shows up as instructions too)"
OMP_NUM_THREADS=1 mpiexec -n 2 --bind-to none valgrind --tool=callgrind \
  --callgrind-out-file="$tmp/cg2.%p" "$bin" run "$cfg" -n "$ncg" -o "$tmp/c2.h5" --force -q \
  2> "$tmp/cg2.log"
tot2=$(grep -o 'Collected : [0-9]*' "$tmp/cg2.log" | awk '{s += $3} END {print s}')
awk -v a="$tb" -v b="$tot2" 'BEGIN{printf "1 rank %.2f G, 2 ranks %.2f G: instruction efficiency %.3f\n", a/1e9, b/1e9, a/b}'
