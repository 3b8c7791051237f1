# shellcheck shell=bash
# shellcheck disable=SC2034  # the globals set here (TW_ARGS, TW_LAUNCH, config, ...) are the callers'
# tradewar-jobs.sh: the helpers every job script shares (jobs/local.sh,
# jobs/slurm/*.sbatch, jobs/pbs/*.pbs). Sourced, never run. A script sets
# TW_NAME (its name, for messages) and sources this file; how it finds it,
# also when Slurm or PBS run a copy of the script from a spool directory, is
# in docs/CLUSTER.md ("The shared helper file"): TW_JOBS_DIR, else beside the
# script, else beside the script Slurm was given (scontrol), else the submit
# directory's jobs/.

# The jobs/ folder this file belongs to (the repository's, or an installed
# share/tradewar/jobs).
TW_JOBS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

tw_die() { echo "${TW_NAME:-tradewar-jobs}: error: $*" >&2; exit 1; }

# The binary: $TRADEWAR, `tradewar` on PATH, a build tree (build/src,
# build/<preset>/src as `cmake --preset X` makes it, build*/src) near the
# submit directory of a batch job then of the repository of this jobs/
# folder, or of that repository then near the working directory outside a
# batch job; else an installed prefix (share/tradewar/jobs -> bin).
tw_find_binary() {
    if [[ -n ${TRADEWAR:-} ]]; then
        [[ -x $TRADEWAR ]] || tw_die "TRADEWAR=$TRADEWAR is not an executable"
        printf '%s\n' "$TRADEWAR"; return
    fi
    if command -v tradewar >/dev/null 2>&1; then command -v tradewar; return; fi
    local root b roots sub=${SLURM_SUBMIT_DIR:-${PBS_O_WORKDIR:-}}
    if [[ -n $sub ]]; then roots=("$sub" "$sub/.." "$sub/../.." "$TW_JOBS_DIR/..")
    else roots=("$TW_JOBS_DIR/.." "$PWD" "$PWD/.." "$PWD/../.."); fi
    for root in "${roots[@]}"; do
        for b in "$root"/build/src/tradewar "$root"/build/release/src/tradewar \
                 "$root"/build/*/src/tradewar "$root"/build*/src/tradewar; do
            if [[ -x $b ]]; then readlink -f "$b"; return; fi
        done
    done
    b=$TW_JOBS_DIR/../../../bin/tradewar
    if [[ -x $b ]]; then readlink -f "$b"; return; fi
    tw_die "tradewar not found: build it, put it on PATH or set TRADEWAR=/path/to/tradewar"
}

# CONFIG [OUT] [more...] of a batch script into config, out (default
# results/<config name>.h5) and TW_REST (the rest: more `run` arguments);
# TW_CONFIG and TW_OUT stand in for missing arguments. Makes OUT's folder.
tw_inputs() {
    config=${1:-${TW_CONFIG:-}}
    [[ -n $config ]] || tw_die "no config: give CONFIG as the first argument or TW_CONFIG=..."
    [[ -r $config ]] || tw_die "cannot read config '$config' (relative to $PWD)"
    shift $(( $# > 0 ? 1 : 0 ))
    out=${1:-${TW_OUT:-results/$(basename "${config%.*}").h5}}
    shift $(( $# > 0 ? 1 : 0 ))
    TW_REST=("$@")
    mkdir -p "$(dirname "$out")" || exit 2
}

# TW_ARGS: `run CONFIG [-o OUT]` with TW_SAMPLES, TW_SEED, TW_DESIGN and the
# words of TW_RUN_ARGS (OUT "" leaves -o out).
tw_run_args() {
    TW_ARGS=(run "$1")
    [[ -n $2 ]] && TW_ARGS+=(-o "$2")
    [[ -n ${TW_SAMPLES:-} ]] && TW_ARGS+=(-n "$TW_SAMPLES")
    [[ -n ${TW_SEED:-} ]] && TW_ARGS+=(--seed "$TW_SEED")
    [[ -n ${TW_DESIGN:-} ]] && TW_ARGS+=(--design "$TW_DESIGN")
    # shellcheck disable=SC2206  # TW_RUN_ARGS is a list of words on purpose
    [[ -n ${TW_RUN_ARGS:-} ]] && TW_ARGS+=($TW_RUN_ARGS)
    return 0
}

# The state of a result file, from `tradewar info --json` ("status":
# finished, running or unfinished), or "" if it cannot be read.
tw_status() {
    local j
    j=$("$1" info --json "$2" 2>/dev/null) || return 0
    [[ $j =~ \"status\":\ \"([a-z]+)\" ]] && printf '%s\n' "${BASH_REMATCH[1]}"
    return 0
}

# The Slurm launcher for RANKS x THREADS, as the array TW_LAUNCH: srun where
# Slurm has PMIx (srun --mpi=list), else mpirun inside the allocation;
# TW_LAUNCHER=srun|mpirun forces one.
tw_slurm_launcher() {
    local ranks=$1 threads=$2 kind=${TW_LAUNCHER:-}
    if [[ -z $kind ]]; then
        if command -v srun >/dev/null 2>&1 && srun --mpi=list 2>&1 | grep -q pmix; then
            kind=srun
        else
            kind=mpirun
        fi
    fi
    case $kind in
    srun)
        # srun does not inherit --cpus-per-task from sbatch (Slurm >= 22.05): pass it.
        # --kill-on-bad-exit=1: a rank that dies (node failure, OOM kill, crash)
        # ends the whole step at once; Slurm's default (KillOnBadExit=0) leaves
        # the other ranks waiting in a collective until the time limit. mpirun
        # does this by itself. The file stays resumable (--resume).
        TW_LAUNCH=(srun --mpi=pmix --cpu-bind=cores --kill-on-bad-exit=1 --ntasks="$ranks"
                   --cpus-per-task="$threads") ;;
    mpirun)
        TW_LAUNCH=(mpirun -n "$ranks" --map-by "slot:PE=$threads" --bind-to core
                   -x OMP_NUM_THREADS -x OMP_PLACES -x OMP_PROC_BIND)
        if [[ $(id -u) == 0 ]]; then TW_LAUNCH+=(--allow-run-as-root); fi ;;
    *) tw_die "TW_LAUNCHER must be srun or mpirun, not '$kind'" ;;
    esac
}

# Inside a Slurm job: ranks x threads from the allocation, the OpenMP
# placement, and TW_LAUNCH.
tw_slurm_setup() {
    ranks=${SLURM_NTASKS:-1}
    threads=${SLURM_CPUS_PER_TASK:-1}
    export OMP_NUM_THREADS=$threads OMP_PLACES=cores OMP_PROC_BIND=close
    tw_slurm_launcher "$ranks" "$threads"
}

# Inside a PBS job: ranks x threads (PBS Pro lists each node once per
# mpiproc in the node file and sets OMP_NUM_THREADS; Torque lists each core,
# PBS_NP of them; TW_RANKS/TW_THREADS win), the OpenMP placement, and
# TW_LAUNCH: Open MPI's mpirun with the node file (TW_MPIRUN, TW_MPI_FLAGS
# for another MPI).
tw_pbs_setup() {
    threads=${TW_THREADS:-${OMP_NUM_THREADS:-1}}
    if [[ -n ${TW_RANKS:-} ]]; then
        ranks=$TW_RANKS
    elif [[ -n ${PBS_NUM_PPN:-} && -n ${PBS_NP:-} ]]; then      # Torque
        ranks=$(( PBS_NP / threads ))
    elif [[ -n ${PBS_NODEFILE:-} && -r ${PBS_NODEFILE:-} ]]; then
        ranks=$(wc -l <"$PBS_NODEFILE")
    else
        ranks=1
    fi
    (( ranks >= 1 )) || ranks=1
    export OMP_NUM_THREADS=$threads OMP_PLACES=cores OMP_PROC_BIND=close
    # shellcheck disable=SC2206  # TW_MPI_FLAGS is a list of words on purpose
    TW_LAUNCH=("${TW_MPIRUN:-mpirun}" -n "$ranks"
               ${TW_MPI_FLAGS:---map-by slot:PE=$threads --bind-to core -x OMP_NUM_THREADS -x OMP_PLACES -x OMP_PROC_BIND})
    if [[ -z ${TW_MPI_FLAGS:-} ]]; then
        [[ -n ${PBS_NODEFILE:-} && -r ${PBS_NODEFILE:-} ]] && TW_LAUNCH+=(--hostfile "$PBS_NODEFILE")
        [[ $(id -u) == 0 ]] && TW_LAUNCH+=(--allow-run-as-root)
    fi
    return 0
}

# The configs of a sweep, one per line, in array-index order: the lines of a
# list file (blank lines and #-comments skipped) or the files of a glob,
# sorted.
tw_configs() {
    local spec=$1 f
    if [[ -f $spec ]]; then
        sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' "$spec" | grep -v '^$'
    else
        local matches=()
        shopt -s nullglob
        # shellcheck disable=SC2206  # the glob is expanded here on purpose
        matches=($spec)
        shopt -u nullglob
        (( ${#matches[@]} > 0 )) || tw_die "'$spec' is neither a list file nor a glob matching any file"
        for f in "${matches[@]}"; do printf '%s\n' "$f"; done | LC_ALL=C sort
    fi
}

# configs[] of a sweep (tw_configs), refusing an empty one and two configs
# that would write the same output (outputs are named after the configs).
tw_sweep() {
    mapfile -t configs < <(tw_configs "$1") || exit 1
    (( ${#configs[@]} > 0 )) || tw_die "no configs in '$1'"
    local dups
    dups=$(for c in "${configs[@]}"; do basename "${c%.*}"; done | sort | uniq -d)
    [[ -z $dups ]] || tw_die "configs with the same name would write the same output: $dups (rename them)"
}

# The output of sweep config $1 in folder $2.
tw_sweep_out() { printf '%s/%s.h5\n' "$2" "$(basename "${1%.*}")"; }

# A sweep task's `run` arguments: TW_ARGS as tw_run_args, with --resume (from
# TW_RUN_ARGS or the script's arguments) only where OUT exists: a fresh run
# elsewhere.
tw_sweep_args() {
    local config=$1 out=$2 a resume=0
    shift 2
    TW_ARGS=(run "$config" -o "$out")
    [[ -n ${TW_SAMPLES:-} ]] && TW_ARGS+=(-n "$TW_SAMPLES")
    [[ -n ${TW_SEED:-} ]] && TW_ARGS+=(--seed "$TW_SEED")
    [[ -n ${TW_DESIGN:-} ]] && TW_ARGS+=(--design "$TW_DESIGN")
    for a in ${TW_RUN_ARGS:-} "$@"; do
        if [[ $a == --resume ]]; then resume=1; else TW_ARGS+=("$a"); fi
    done
    (( resume )) && [[ -f $out ]] && TW_ARGS+=(--resume)
    return 0
}

# Stop requests: remember which signal came (TW_GOT_SIGNAL) and pass SIGUSR1
# on to the launcher (TW_CHILD). SIGUSR1 rather than the signal received:
# Open MPI's mpirun forwards SIGUSR1 to the ranks (exit 3) but turns SIGTERM
# into a hard kill (exit 1); srun forwards both.
TW_GOT_SIGNAL="" TW_CHILD=""
# shellcheck disable=SC2317  # called from the traps
tw_on_signal() {
    [[ $1 == USR1 && $TW_GOT_SIGNAL == TERM ]] || TW_GOT_SIGNAL=$1
    echo "$TW_NAME: SIG$1 at $(date -u +%FT%TZ); asking tradewar to stop after the current block" >&2
    if [[ -n $TW_CHILD ]]; then kill -USR1 "$TW_CHILD" 2>/dev/null || true; fi
}
tw_forward_stops() {  # tw_forward_stops SIGNAL...: trap them with tw_on_signal
    local s
    for s in "$@"; do
        # shellcheck disable=SC2064  # the signal's name is meant to be expanded now
        trap "tw_on_signal $s" "$s"
    done
}

# Run "$@" in the background and wait for it: bash runs a trap only between
# commands, and `wait` returns as soon as a signal arrives, so a stop is
# forwarded at once. Sets TW_RC (its exit status) and TW_T0 (its start).
tw_run_wait() {
    local rc2
    TW_T0=$(date +%s)
    "$@" &
    TW_CHILD=$!
    while :; do
        wait "$TW_CHILD"; TW_RC=$?
        (( TW_RC > 128 )) || break
        if kill -0 "$TW_CHILD" 2>/dev/null; then continue; fi     # wait cut short by a trap
        wait "$TW_CHILD"; rc2=$?; (( rc2 == 127 )) || TW_RC=$rc2; break
    done
    TW_CHILD=""
}

# After tw_run_wait: how it ended, and `tradewar info` of OUT (BIN OUT).
tw_report() {
    echo "$TW_NAME: tradewar exited $TW_RC after $(( $(date +%s) - TW_T0 )) s; output: $(readlink -f "$2" 2>/dev/null || echo "$2")"
    if [[ -f $2 ]]; then "$1" info "$2" || true; fi
}

# What is about to run: the binary, the job and layout, the command.
tw_announce() {
    echo "tradewar: $tw"
    echo "$1: $ranks ranks x $threads threads"
    echo "launch: ${TW_LAUNCH[*]} $tw ${TW_ARGS[*]}"
}

# A whole one-run batch job (hybrid.sbatch, multinode.sbatch, hybrid.pbs):
# tw_batch_run SETUP CONFIG [OUT] [more run args...], SETUP tw_slurm_setup or
# tw_pbs_setup. Exits with tradewar's status.
tw_batch_run() {
    local setup=$1
    shift
    tw_inputs "$@"
    tw=$(tw_find_binary) || exit 1
    "$setup"
    tw_run_args "$config" "$out"
    TW_ARGS+=("${TW_REST[@]}")
    tw_announce "job ${SLURM_JOB_ID:-${PBS_JOBID:-none}} on ${SLURM_JOB_NODELIST:-$(hostname -s)}"
    tw_run_wait "${TW_LAUNCH[@]}" "$tw" "${TW_ARGS[@]}"
    tw_report "$tw" "$out"
    exit "$TW_RC"
}

# A whole sweep task: config IDX of configs[] (tw_sweep) into OUTDIR, the
# script's extra arguments after those two. Exits with tradewar's status.
tw_sweep_task() {
    local idx=$1 outdir=$2 what=$3
    shift 3
    (( idx < ${#configs[@]} )) || tw_die "array index $idx but only ${#configs[@]} configs (use indices 0-$(( ${#configs[@]} - 1 )))"
    config=${configs[$idx]}
    [[ -r $config ]] || tw_die "cannot read config '$config' (task $idx)"
    out=$(tw_sweep_out "$config" "$outdir")
    mkdir -p "$outdir" || exit 2
    tw=$(tw_find_binary) || exit 1
    tw_sweep_args "$config" "$out" "$@"
    tw_announce "$what $idx of ${#configs[@]}: $config -> $out"
    tw_run_wait "${TW_LAUNCH[@]}" "$tw" "${TW_ARGS[@]}"
    tw_report "$tw" "$out"
    exit "$TW_RC"
}

# An existing OUT is the one an earlier start of this job wrote: add --resume
# to TW_ARGS. A finished one needs no launch at all: say so and exit 0 (a
# requeue after the end, a resubmission). BIN OUT.
tw_resume_existing() {
    [[ -f $2 ]] || return 0
    if [[ $(tw_status "$1" "$2") == finished ]]; then
        echo "$TW_NAME: $2 is finished already; nothing to do"
        "$1" info "$2"
        exit 0
    fi
    TW_ARGS+=(--resume)
}

# The end of a long job that did not continue itself: a stop by SIGTERM
# leaves a resumable file; exit with tradewar's status. BIN OUT.
tw_long_end() {
    if (( TW_RC == 3 )); then
        echo "$TW_NAME: stopped by SIG${TW_GOT_SIGNAL:-?}; $2 is resumable: resubmit this job" >&2
    fi
    [[ -f $2 ]] && "$1" info "$2"
    exit "$TW_RC"
}
