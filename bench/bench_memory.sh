#!/bin/bash
# Peak resident memory (max RSS) per rank of `tradewar run` against the
# number of samples (issue 11, "flat memory"): Ishigami without busy work,
# 2 ranks x 1 thread, block_size 256; GNU time's %M on every rank.
#   bench/bench_memory.sh [TRADEWAR] [N...]      (default N: 1e5 1e6 1e7)
# Prints one line per N: samples, max RSS of each rank in MB, seconds.
# Needs /usr/bin/time (Debian package `time`) and ~0.5 GB of disk at 1e7.
set -euo pipefail
tw=${1:-build/ci/src/tradewar}
shift $(( $# > 0 ? 1 : 0 ))
(( $# )) || set -- 100000 1000000 10000000
[[ -x /usr/bin/time ]] || { echo "bench_memory: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
printf '%-10s %-22s %s\n' samples "max RSS per rank (MB)" seconds
for n in "$@"; do
    printf 'model: ishigami\nsamples: %s\nseed: 1\ndesign: mc\nblock_size: 256\n' "$n" >"$work/c.yaml"
    s=$(date +%s.%N)
    # shellcheck disable=SC2016  # expanded by each rank's shell
    mpiexec -n 2 --bind-to none bash -c '/usr/bin/time -f "rss_kb %M" -o "$0/rss.$OMPI_COMM_WORLD_RANK" "$@"' \
        "$work" "$tw" run "$work/c.yaml" -o "$work/o.h5" -q --force >/dev/null
    t=$(echo "$(date +%s.%N) - $s" | bc)
    rss=$(cat "$work"/rss.* | awk '{printf "%s%.1f", sep, $2 / 1024; sep=" "}')
    printf '%-10s %-22s %.1f\n' "$n" "$rss" "$t"
    rm -f "$work"/o.h5 "$work"/rss.*
done
