#!/bin/bash
# local.sh: run tradewar on a workstation or a single interactive node, with
# MPI ranks x OpenMP threads chosen from the cores available, then print where
# the results are and `tradewar info` of the file.
#
# Usage:
#   jobs/local.sh CONFIG [OUT.h5] [extra tradewar run args...]
#   jobs/local.sh configs/default.yaml results/quick.h5 -n 2000 --seed 3
#   TW_RANKS=2 TW_THREADS=4 jobs/local.sh CONFIG
#   TW_DRY_RUN=1 jobs/local.sh CONFIG        # print the command, run nothing
#
# Resources: the cores this process may use (`nproc`: it honours taskset and
# cgroup/container CPU limits). Layout, unless TW_RANKS/TW_THREADS say
# otherwise:
#   ranks   = ceil(cores / 8)          1 rank up to 8 cores, 2 up to 16, ...
#   threads = cores / ranks (rounded down, at least 1)
#   e.g. 2 cores: 1 x 2;  8: 1 x 8;  12: 2 x 6;  16: 2 x 8;  64: 8 x 8.
# Why few ranks: the threads of a rank share the model's read-only data and
# scratch is per thread, so threads cost little memory; every rank holds its
# own copy of the model data and joins a collective HDF5 write per block, and
# only one thread per rank may call HDF5. About 8 threads per rank keeps one
# rank per socket/NUMA region on common machines. If TW_RANKS is given alone,
# threads = cores / ranks; if TW_THREADS alone, ranks = cores / threads.
#
# Inputs (arguments win over environment variables):
#   TW_CONFIG    the YAML config (first argument)                      required
#   TW_OUT       the output file (second argument); default: the config's
#                `output:`, else tradewar's default (results/<config name>.h5)
#   TW_SAMPLES   -n;  TW_SEED --seed;  TW_DESIGN --design
#   TW_RUN_ARGS  more `tradewar run` arguments ("--resume", "--force", "-q")
#   TW_RANKS, TW_THREADS   the layout (see above)
#   TRADEWAR     the binary; default: `tradewar` on PATH, else the build tree
#                next to this script (build/src, build/<preset>/src as made by
#                `cmake --preset X`, build*/src), else ../../../bin of an
#                installed share/tradewar/jobs
#   MPIEXEC      the launcher (default mpiexec); with Open MPI the script adds
#                --map-by slot:PE=<threads> --bind-to core (every rank on its
#                own cores, disjoint; OMP_PLACES=cores, OMP_PROC_BIND=close pin
#                its threads to them; --bind-to none --oversubscribe and
#                OMP_PROC_BIND=false when ranks x threads exceed the cores), as root,
#                --allow-run-as-root, and exports OMPI_MCA_pml=ob1 unless
#                set (one node: skips the probe for UCX/libfabric networks)
#
# Ctrl-C (or SIGTERM) asks tradewar to finish the current block and stop
# (exit 3); run the same command with TW_RUN_ARGS=--resume to continue.
# Exit status: tradewar's (0 done, 1 usage/config, 2 data/runtime,
# 3 interrupted but resumable).
set -uo pipefail

TW_NAME=local.sh
# The shared helpers (docs/CLUSTER.md): TW_JOBS_DIR, else beside this script.
for d in "${TW_JOBS_DIR:-}" "${BASH_SOURCE[0]%/*}"; do [[ -r $d/lib/tradewar-jobs.sh ]] && break; done
# shellcheck source-path=SCRIPTDIR source=lib/tradewar-jobs.sh
source "$d/lib/tradewar-jobs.sh" || { echo "$TW_NAME: error: no jobs/lib/tradewar-jobs.sh found: set TW_JOBS_DIR" >&2; exit 1; }

config=${1:-${TW_CONFIG:-}}
[[ -n $config ]] || tw_die "usage: jobs/local.sh CONFIG [OUT.h5] [tradewar run args...]"
[[ -r $config ]] || tw_die "cannot read config '$config'"
shift $(( $# > 0 ? 1 : 0 ))
out=${TW_OUT:-}
if [[ $# -gt 0 && $1 != -* ]]; then out=$1; shift; fi

tw=$(tw_find_binary) || exit 1
cores=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
ranks=${TW_RANKS:-}
threads=${TW_THREADS:-}
for v in "$ranks" "$threads"; do
    [[ -z $v || $v =~ ^[1-9][0-9]*$ ]] || tw_die "TW_RANKS/TW_THREADS must be positive integers, not '$v'"
done
if [[ -z $ranks && -z $threads ]]; then
    ranks=$(( (cores + 7) / 8 ))
    threads=$(( cores / ranks ))
elif [[ -z $threads ]]; then
    threads=$(( cores / ranks )); (( threads >= 1 )) || threads=1
elif [[ -z $ranks ]]; then
    ranks=$(( cores / threads )); (( ranks >= 1 )) || ranks=1
fi
(( ranks * threads <= cores )) ||
    echo "local.sh: note: $ranks ranks x $threads threads on $cores cores: oversubscribed, expect it to be slow" >&2

tw_run_args "$config" "$out"
TW_ARGS+=("$@")

mpiexec=${MPIEXEC:-mpiexec}
launch=()
if command -v "$mpiexec" >/dev/null 2>&1; then
    launch=("$mpiexec" -n "$ranks")
    if "$mpiexec" --version 2>&1 | grep -q 'Open MPI\|OpenRTE'; then
        if (( ranks * threads <= cores )); then
            # each rank gets its own `threads` cores (disjoint), its threads
            # one core each (OMP_PLACES=cores, OMP_PROC_BIND=close below);
            # Open MPI's default binds a rank to one core and its threads
            # would share it, --bind-to none lets ranks share cores
            launch+=(--map-by "slot:PE=$threads" --bind-to core)
        else
            launch+=(--bind-to none --oversubscribe)
            unbound=1
        fi
        [[ $(id -u) == 0 ]] && launch+=(--allow-run-as-root)
        # One node: the ob1 point-to-point layer (shared memory between the
        # ranks). Open MPI's default selection first probes UCX and
        # libfabric for a network, which costs ~0.2 s per start (Open MPI
        # 4.1) and buys nothing inside one node. A pml you set wins; the
        # cluster scripts leave it to the site (docs/CLUSTER.md).
        export OMPI_MCA_pml=${OMPI_MCA_pml:-ob1}
    fi
elif (( ranks == 1 )); then
    echo "local.sh: note: no $mpiexec; running one process without it" >&2
else
    tw_die "no MPI launcher '$mpiexec' (install openmpi-bin or set MPIEXEC)"
fi
export OMP_NUM_THREADS=$threads
if [[ -n ${unbound:-} ]]; then
    # ranks not bound: pinned threads would put every rank's master thread on
    # the first core (2 x 2 on 2 cores: 5.3 s against 3.1 s unpinned)
    export OMP_PLACES=${OMP_PLACES:-cores} OMP_PROC_BIND=${OMP_PROC_BIND:-false}
else
    export OMP_PLACES=${OMP_PLACES:-cores} OMP_PROC_BIND=${OMP_PROC_BIND:-close}
fi

echo "local.sh: $cores cores -> $ranks ranks x $threads threads; $tw"
echo "local.sh: OMP_NUM_THREADS=$OMP_NUM_THREADS OMP_PLACES=$OMP_PLACES OMP_PROC_BIND=$OMP_PROC_BIND${OMPI_MCA_pml:+ OMPI_MCA_pml=$OMPI_MCA_pml}"
echo "local.sh: ${launch[*]} $tw ${TW_ARGS[*]}"
[[ -n ${TW_DRY_RUN:-} ]] && exit 0

# The traps forward Ctrl-C or SIGTERM as SIGUSR1: mpiexec passes it on to
# every rank (a SIGTERM to Open MPI's mpiexec ends with exit 1, not 3).
tw_forward_stops INT TERM
# Own session for the run: a Ctrl-C on the terminal reaches this script only,
# which stops the run cleanly; Open MPI's mpiexec, hit by SIGINT itself,
# would stop it too but exit 1.
detach=()
command -v setsid >/dev/null 2>&1 && detach=(setsid)
tw_run_wait "${detach[@]}" "${launch[@]}" "$tw" "${TW_ARGS[@]}"
rc=$TW_RC
echo "local.sh: tradewar exited $rc after $(( $(date +%s) - TW_T0 )) s"

# Where the results are: -o if given, else the config's `output:` (relative
# to the working directory, as tradewar reads it), else tradewar's default.
if [[ -z $out ]]; then
    out=$(sed -n 's/^output:[[:space:]]*\([^#]*[^#[:space:]]\).*/\1/p' "$config" | head -n 1)
    [[ -n $out ]] || out=results/$(basename "${config%.*}").h5
fi
if [[ -f $out ]]; then
    echo "local.sh: results: $(readlink -f "$out")"
    "$tw" info --brief "$out"   # the short table; `tradewar info FILE` shows all
fi
case $rc in
0) ;;
3) echo "local.sh: interrupted; continue with: TW_RUN_ARGS=--resume $0 $config${out:+ $out}" >&2 ;;
*) echo "local.sh: tradewar failed (exit $rc)" >&2 ;;
esac
exit "$rc"
