#!/bin/bash
# The jobs/slurm scripts against a real Slurm: this script starts munged (when
# none is answering), slurmctld and slurmd on this machine with a generated
# slurm.conf (everything under --work), submits the job scripts, checks their
# outputs, and stops exactly the daemons it started (trap EXIT, by PID).
#
#   slurm_test.sh --tradewar BIN --jobs JOBS_DIR --work DIR [--python PY]
#                 [--mpiexec MPIEXEC] [--h5tool twh5.py] [--only NAME...]
#
# Cases (--only picks some; the default runs all):
#   hybrid   hybrid.sbatch, 2 ranks x 1 thread (srun --mpi=pmix) and 1 rank x
#            2 threads (TW_LAUNCHER=mpirun); both equal a local mpiexec run
#   array    array.sbatch --submit over a list file of 2 configs: 2 tasks, 2
#            outputs, task 0 equal to the local run of the same config; a
#            config put first in the list right after the submission changes
#            nothing (the list was frozen); a task whose frozen list was
#            changed refuses to run
#   sharded  sharded.sbatch: 3 shards as an array, the merge as a job with
#            --dependency=afterok on it (pending until the array is done);
#            the merged file equals an unsharded local run
#   long     long.sbatch; after a few blocks `scancel --signal=USR1 --batch`:
#            the job must exit the step with 3, requeue itself (Restarts=1),
#            resume and finish; the output equals an uninterrupted local run;
#            submitted again on the finished file it does nothing, exit 0
#   timelimit  long.sbatch with --time=1 --signal=B:USR1@45 and ~40 s of work:
#            Slurm's own warning signal stops it, it requeues (>= 1 restart),
#            finishes, equals an uninterrupted run (about 90 s)
#   deadrank  hybrid.sbatch with 2 ranks, under srun and under mpirun: SIGKILL to
#            one rank after a few blocks ends the whole job within 60 s (srun
#            --kill-on-bad-exit=1; mpirun by itself), nothing of it keeps
#            running, the job is not COMPLETED, and the file resumes to the
#            uninterrupted result (about 80 s)
# Needs root (slurmd), slurm-wlm and munge; a missing piece is a failure with
# a message, never a silent pass. Runs in about a minute on 2 cores.
# shellcheck disable=SC2015  # `a && b || fail` is meant: fail when either fails
set -uo pipefail

PY=/usr/bin/python3
TW="" JOBS="" WORK="" MPIEXEC=mpiexec H5TOOL=""
ONLY=()
while (( $# )); do
    case $1 in
    --tradewar) TW=$2; shift ;;
    --jobs) JOBS=$2; shift ;;
    --work) WORK=$2; shift ;;
    --python) PY=$2; shift ;;
    --mpiexec) MPIEXEC=$2; shift ;;
    --h5tool) H5TOOL=$2; shift ;;
    --only) ONLY+=("$2"); shift ;;
    *) echo "slurm_test: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ -n $H5TOOL ]] || H5TOOL=$here/../resume/twh5.py
(( ${#ONLY[@]} )) || ONLY=(hybrid array sharded long)

FAILS=0
log() { printf '[slurm_test %s] %s\n' "$(date +%T)" "$*"; }
fail() { log "FAIL: $*"; FAILS=$(( FAILS + 1 )); }
die() { log "ERROR: $*"; exit 1; }
want() { local c; for c in "${ONLY[@]}"; do [[ $c == "$1" ]] && return 0; done; return 1; }

# --- preconditions: fail loudly, never skip ---------------------------------
[[ -n $TW && -x $TW ]] || die "--tradewar: '$TW' is not an executable"
[[ -n $JOBS && -d $JOBS ]] || die "--jobs: '$JOBS' is not a directory"
[[ -n $WORK ]] || die "--work is required"
[[ $(id -u) == 0 ]] || die "this test starts slurmd and munged and must run as root"
missing=()
for c in munged mungekey munge unmunge slurmctld slurmd sbatch squeue sinfo scontrol scancel srun setpriv; do
    command -v "$c" >/dev/null 2>&1 || missing+=("$c")
done
(( ${#missing[@]} == 0 )) || die "missing commands: ${missing[*]} (Debian: apt-get install slurm-wlm munge)"
id munge >/dev/null 2>&1 || die "no 'munge' user (install the munge package)"
"$PY" -c 'import h5py' 2>/dev/null || die "$PY cannot import h5py (apt-get install python3-h5py)"
TW=$(readlink -f "$TW")
H5TOOL=$(readlink -f "$H5TOOL")
JOBS=$(readlink -f "$JOBS")

# --work is emptied first: only a folder this script made (marker) or an empty one.
if [[ -d $WORK && -n $(ls -A "$WORK") && ! -f $WORK/.tw_slurm_test ]]; then
    die "--work $WORK is not empty and was not made by this test: refusing to clear it"
fi
rm -rf "$WORK"
mkdir -p "$WORK" && touch "$WORK/.tw_slurm_test" || die "cannot create $WORK"
WORK=$(readlink -f "$WORK")
STATE=$WORK/slurm-state
mkdir -p "$STATE"/{ctld,spool} "$WORK"/run

# --- stop what we started, in reverse order, by PID --------------------------
PIDS=() NAMES=()
CTLD_UP=0
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
    local rc=$? i pid n
    if (( CTLD_UP )); then
        # Cancel our jobs first: their slurmstepd processes outlive slurmd.
        scancel --quiet --full --signal=KILL --user=root 2>/dev/null
        scancel --quiet --user=root 2>/dev/null
        for _ in $(seq 50); do
            [[ -z $(squeue -h -o %i 2>/dev/null) ]] && break
            sleep 0.2
        done
    fi
    for (( i = ${#PIDS[@]} - 1; i >= 0; i-- )); do
        pid=${PIDS[$i]} n=${NAMES[$i]}
        kill -0 "$pid" 2>/dev/null || continue
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            log "$n (pid $pid) did not stop on SIGTERM: SIGKILL"
            kill -KILL "$pid" 2>/dev/null
        fi
        wait "$pid" 2>/dev/null
        log "stopped $n (pid $pid)"
    done
    if (( rc != 0 )); then
        for f in "$STATE"/slurmctld.log "$STATE"/slurmd.log; do
            [[ -f $f ]] && { log "--- tail of $f"; tail -n 20 "$f"; }
        done
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- munge --------------------------------------------------------------------
if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
    log "munged already answers on the default socket: using it (not started, not stopped here)"
else
    mkdir -p /run/munge && chown munge:munge /run/munge && chmod 0755 /run/munge \
        || die "cannot prepare /run/munge"
    if [[ ! -s /etc/munge/munge.key ]]; then
        log "creating /etc/munge/munge.key"
        setpriv --reuid=munge --regid=munge --init-groups mungekey --create \
            || die "mungekey --create failed"
    fi
    mlog=$WORK/munge
    mkdir -p "$mlog" && chown munge:munge "$mlog" && chmod 0700 "$mlog"
    setpriv --reuid=munge --regid=munge --init-groups \
        /usr/sbin/munged --foreground --log-file="$mlog/munged.log" >"$mlog/munged.out" 2>&1 &
    PIDS+=($!) NAMES+=(munged)
    for _ in $(seq 50); do
        munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && break
        kill -0 "${PIDS[-1]}" 2>/dev/null || die "munged exited: $(tail -n 5 "$mlog/munged.log" 2>/dev/null)"
        sleep 0.1
    done
    munge -n </dev/null | unmunge >/dev/null 2>&1 || die "munged started but does not answer"
    log "munged started (pid ${PIDS[-1]})"
fi

# --- slurm.conf ---------------------------------------------------------------
node=$(hostname -s)
# The node line with the machine's real CPUs, cores and memory.
nodeline=$(slurmd -C | head -n 1)
[[ $nodeline == NodeName=* ]] || die "slurmd -C printed no node line: $nodeline"
ncpus=$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$nodeline")
read -r port1 port2 < <("$PY" - <<'EOF'
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])
EOF
)
export SLURM_CONF=$STATE/slurm.conf
cat >"$SLURM_CONF" <<EOF
# Generated by tests/slurm/slurm_test.sh: a one-node cluster for the job script tests.
ClusterName=twtest
SlurmctldHost=$node
SlurmctldPort=$port1
SlurmdPort=$port2
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=pmix
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_interval=2
# A requeued job waits cred_expire seconds (default 120) before it may start
# again: the credential of its previous start must have expired first.
AuthInfo=cred_expire=10
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ReturnToService=2
MinJobAge=600
KillWait=10
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
$nodeline State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

# No cgroups: proctrack/linuxproc and task/none above use none, but slurmd
# 22.05 still loads a cgroup plugin at start, whose autodetection fails where
# /sys/fs/cgroup is not mounted (many containers and chroots). cgroup/v1 named
# explicitly only mounts controllers when a cgroup-based plugin asks for one,
# and none does here; CgroupAutomount=no makes sure it never tries.
cat >"$STATE/cgroup.conf" <<EOF
CgroupPlugin=cgroup/v1
CgroupAutomount=no
EOF

slurmctld -D -i -f "$SLURM_CONF" >"$STATE/slurmctld.out" 2>&1 &
PIDS+=($!) NAMES+=(slurmctld)
CTLD_UP=1
slurmd -D -f "$SLURM_CONF" >"$STATE/slurmd.out" 2>&1 &
PIDS+=($!) NAMES+=(slurmd)
first_error() {  # first_error DAEMON: its first error line, else its last line
    local f=$STATE/$1.log e
    e=$(grep -h -m 1 'error:' "$f" "$STATE/$1.out" 2>/dev/null | head -n 1)
    [[ -n $e ]] || e=$(tail -q -n 1 "$f" "$STATE/$1.out" 2>/dev/null | tail -n 1)
    printf '%s' "${e:-no log}"
}
t0=$SECONDS
until [[ $(sinfo -h -o %T 2>/dev/null) == idle ]]; do
    for i in 1 2; do
        kill -0 "${PIDS[-$i]}" 2>/dev/null \
            || die "${NAMES[-$i]} exited at start: $(first_error "${NAMES[-$i]}")"
    done
    (( SECONDS - t0 < 30 )) || die "node not idle after 30 s: $(sinfo -h 2>&1 | head -n 1); slurmd: $(first_error slurmd)"
    sleep 0.2
done
log "slurm up in $(( SECONDS - t0 )) s: node $node, $ncpus CPUs, ports $port1/$port2"

# --- helpers ------------------------------------------------------------------
RUN=$WORK/run
cd "$RUN" || die "cd $RUN"

mkconfig() {  # mkconfig FILE SAMPLES SEED BLOCK COST_US
    cat >"$1" <<EOF
model: ishigami
samples: $2
seed: $3
design: lhs
block_size: $4
cost_us: $5
EOF
}

jobfield() {  # jobfield JOBID FIELD: from `scontrol show job -o` (first line)
    scontrol show job -o "$1" 2>/dev/null | head -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}

wait_job() {  # wait_job JOBID TIMEOUT: until nothing of the job is pending/running
    local id=$1 limit=$2 t0=$SECONDS
    while [[ -n $(squeue -h -j "$id" -o %i 2>/dev/null) ]]; do
        if (( SECONDS - t0 > limit )); then
            fail "job $id still queued after $limit s: $(squeue -j "$id" 2>&1 | tail -n +2)"
            scancel "$id"
            return 1
        fi
        sleep 0.5
    done
    log "job $id left the queue after $(( SECONDS - t0 )) s"
}

check_job_ok() {  # check_job_ok JOBID: every line (array task) COMPLETED 0:0
    local line ok=0
    while read -r line; do
        [[ -n $line ]] || continue
        local st ec
        st=$(tr ' ' '\n' <<<"$line" | sed -n 's/^JobState=//p')
        ec=$(tr ' ' '\n' <<<"$line" | sed -n 's/^ExitCode=//p')
        if [[ $st != COMPLETED || $ec != 0:0 ]]; then
            fail "job $(tr ' ' '\n' <<<"$line" | sed -n 's/^JobId=//p'): state $st exit $ec"
            ok=1
        fi
    done < <(scontrol show job -o "$1")
    return $ok
}

layout() {  # layout FILE "RANKS THREADS" WHAT: the file's mpi_ranks and omp_threads
    local got
    got=$("$PY" -c 'import sys, h5py; a = h5py.File(sys.argv[1], "r").attrs; print(int(a["mpi_ranks"]), int(a["omp_threads"]))' "$1" 2>&1)
    if [[ $got == "$2" ]]; then log "ok: $3: ran as $2 (ranks threads)"
    else fail "$3: ran as '$got' (ranks threads), expected '$2'"; fi
}

show_log() { log "--- $1"; sed 's/^/    /' "$1"; }

local_run() {  # local_run OUT CONFIG: the uninterrupted reference, outside Slurm
    (
        # The reference must not think it is inside a Slurm job.
        unset "${!SLURM_@}"
        OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 \
            "$MPIEXEC" -n "$ncpus" --bind-to none "$TW" run "$2" -o "$1" -q
    ) >"$1.log" 2>&1 || { fail "reference run of $2 failed: $(tail -n 5 "$1.log")"; return 1; }
}

same() {  # same A B WHAT
    local o
    if o=$("$PY" "$H5TOOL" compare "$1" "$2" 2>&1); then
        log "ok: $3: $(tail -n 1 <<<"$o")"
    else
        fail "$3: $o"
    fi
}

finished() {  # finished FILE WHAT
    local p
    p=$("$PY" "$H5TOOL" progress "$1" 2>&1) || { fail "$2: $p"; return 1; }
    read -r d t f <<<"$p"
    if [[ $f == 1 && $d == "$t" ]]; then log "ok: $2: finished, $d/$t blocks"
    else fail "$2: not finished: $d/$t blocks, finished=$f"; fi
}

# shellcheck disable=SC2054  # the commas belong to --export
SUB=(sbatch --parsable --export=ALL,TRADEWAR="$TW")

# --- hybrid -------------------------------------------------------------------
mkconfig "$RUN/a.yaml" 3000 11 64 300
mkconfig "$RUN/b.yaml" 3000 12 64 300
if want hybrid || want array; then local_run "$RUN/ref_a.h5" "$RUN/a.yaml"; fi

if want hybrid; then
    log "== hybrid.sbatch"
    j1=$("${SUB[@]}" --ntasks="$ncpus" --cpus-per-task=1 -o hyb1.log \
         "$JOBS/slurm/hybrid.sbatch" "$RUN/a.yaml" "$RUN/hyb1.h5") || die "sbatch failed"
    j2=$(TW_LAUNCHER=mpirun "${SUB[@]}" --ntasks=1 --cpus-per-task="$ncpus" -o hyb2.log \
         "$JOBS/slurm/hybrid.sbatch" "$RUN/a.yaml" "$RUN/hyb2.h5") || die "sbatch failed"
    log "submitted $j1 ($ncpus ranks x 1 thread, srun) and $j2 (1 rank x $ncpus threads, mpirun)"
    wait_job "$j1" 120; wait_job "$j2" 120
    check_job_ok "$j1" || show_log hyb1.log
    check_job_ok "$j2" || show_log hyb2.log
    grep -q "$ncpus ranks x 1 threads" hyb1.log || fail "hyb1.log does not report $ncpus ranks x 1 threads"
    grep -q "1 ranks x $ncpus threads" hyb2.log || fail "hyb2.log does not report 1 ranks x $ncpus threads"
    finished hyb1.h5 "hybrid srun"; finished hyb2.h5 "hybrid mpirun"
    layout hyb1.h5 "$ncpus 1" "hybrid srun"; layout hyb2.h5 "1 $ncpus" "hybrid mpirun"
    same ref_a.h5 hyb1.h5 "hybrid srun = local run"
    same ref_a.h5 hyb2.h5 "hybrid mpirun = local run"

    log "== multinode.sbatch (on the one node)"
    j3=$("${SUB[@]}" --nodes=1 --ntasks-per-node="$ncpus" --cpus-per-task=1 -o multi.log \
         "$JOBS/slurm/multinode.sbatch" "$RUN/a.yaml" "$RUN/multi.h5") || die "sbatch failed"
    wait_job "$j3" 120
    check_job_ok "$j3" || show_log multi.log
    finished multi.h5 "multinode"
    same ref_a.h5 multi.h5 "multinode = local run"
fi

# --- array --------------------------------------------------------------------
if want array; then
    log "== array.sbatch"
    printf '# sweep for the test\n%s\n\n%s\n' "$RUN/a.yaml" "$RUN/b.yaml" >sweep.txt
    o=$(TW_OUTDIR=$RUN/sweep TRADEWAR=$TW bash "$JOBS/slurm/array.sbatch" --submit sweep.txt \
        --ntasks=1 --cpus-per-task="$ncpus" -o 'arr_%A_%a.log' 2>&1) || die "array.sbatch --submit failed: $o"
    j=$(sed -n 's/^array job \([0-9]*\):.*/\1/p' <<<"$o")
    frozen=$(sed -n 's/.*frozen in //p' <<<"$o")
    [[ -n $j && -f $frozen ]] || die "array.sbatch --submit: no job id or frozen list in: $o"
    # A config put first in the list now would shift every index of a list
    # read when the tasks start: the frozen one keeps task 0 = a.yaml.
    mkconfig "$RUN/c.yaml" 3000 13 64 300
    printf '%s\n%s\n%s\n' "$RUN/c.yaml" "$RUN/a.yaml" "$RUN/b.yaml" >sweep.txt
    bash "$JOBS/slurm/array.sbatch" --list "$RUN/*.yaml" >list.out 2>&1 \
        && grep -q "^1"$'\t'"$RUN/b.yaml"$'\t'"results/b.h5" list.out \
        && log "ok: array.sbatch --list with a glob: $(wc -l <list.out) lines" \
        || fail "array.sbatch --list with a glob: $(cat list.out)"
    log "submitted array $j"
    wait_job "$j" 180
    check_job_ok "$j" || for f in arr_"$j"_*.log; do show_log "$f"; done
    finished sweep/a.h5 "array task 0"; finished sweep/b.h5 "array task 1"
    same ref_a.h5 sweep/a.h5 "array task 0 = local run"
    [[ ! -e sweep/c.h5 ]] && log "ok: the config added to the list after the submission did not run" \
        || fail "sweep/c.h5 exists: the sweep read its list after the submission"
    cp "$frozen" tampered.list && printf '%s\n' "$RUN/c.yaml" >>tampered.list
    if o=$(SLURM_ARRAY_TASK_ID=0 TW_SWEEP_SHA256=$(sha256sum <"$frozen" | cut -d' ' -f1) \
           TW_OUTDIR=$RUN/sweep2 bash "$JOBS/slurm/array.sbatch" tampered.list 2>&1); then
        fail "a task with a changed frozen list ran: $o"
    else
        grep -q 'not the one submitted' <<<"$o" && [[ ! -e sweep2 ]] \
            && log "ok: a task whose frozen list changed refuses to run: $(head -n 1 <<<"$o")" \
            || fail "a task with a changed frozen list: unexpected: $o"
    fi
    if "$PY" "$H5TOOL" compare sweep/a.h5 sweep/b.h5 /inputs >/dev/null 2>&1; then
        fail "array tasks 0 and 1 (seeds 11, 12) gave the same inputs"
    else
        log "ok: array tasks 0 and 1 differ (different seeds)"
    fi
fi

# --- sharded: an array of shards, then the merge (afterok) ------------------------
if want sharded; then
    log "== sharded.sbatch"
    mkconfig "$RUN/sh.yaml" 2000 5 32 200   # 63 blocks
    local_run "$RUN/ref_sh.h5" "$RUN/sh.yaml"
    o=$(TRADEWAR=$TW TW_SBATCH_ARGS="--ntasks=1 --cpus-per-task=1" \
        bash "$JOBS/slurm/sharded.sbatch" 3 "$RUN/sh.yaml" "$RUN/sharded.h5" 2>&1) \
        || die "sharded.sbatch failed: $o"
    ja=$(sed -n 's/^array job \([0-9]*\):.*/\1/p' <<<"$o")
    jm=$(sed -n 's/^merge job \([0-9]*\) .*/\1/p' <<<"$o")
    [[ -n $ja && -n $jm ]] || die "sharded.sbatch: no job ids in: $o"
    log "submitted array $ja and merge $jm: $(jobfield "$jm" Dependency) $(jobfield "$jm" JobState)"
    [[ $(jobfield "$jm" Dependency) == afterok:${ja}_* ]] \
        && log "ok: the merge job depends on the array (afterok)" \
        || fail "merge job $jm: Dependency=$(jobfield "$jm" Dependency), expected afterok:${ja}_*"
    wait_job "$jm" 240
    check_job_ok "$ja" || for f in sharded.parts/shard-*.log; do show_log "$f"; done
    check_job_ok "$jm" || for f in sharded.parts/merge-*.log; do show_log "$f"; done
    for i in 1 2 3; do
        grep -q "shard $i/3" "sharded.parts/shard-$i.log" || fail "shard-$i.log does not run shard $i/3"
    done
    finished sharded.h5 "sharded + merge"
    same ref_sh.h5 sharded.h5 "3 shards + merge = unsharded local run"
    o=$("$PY" "$H5TOOL" compare ref_sh.h5 sharded.h5 /baseline 2>&1) \
        && log "ok: /baseline identical too" || fail "sharded /baseline: $o"
fi

# --- long: signal, requeue, resume ---------------------------------------------
if want long; then
    log "== long.sbatch"
    # 2000 x 8 ms = 16 s of work (8 s on 2 ranks) in 125 blocks of 16 samples.
    mkconfig "$RUN/long.yaml" 2000 7 16 8000
    local_run "$RUN/ref_long.h5" "$RUN/long.yaml"
    j=$("${SUB[@]}" --ntasks="$ncpus" --cpus-per-task=1 --time=10 -o long.log \
        "$JOBS/slurm/long.sbatch" "$RUN/long.yaml" "$RUN/long.h5") || die "sbatch failed"
    log "submitted $j"
    if p=$("$PY" "$H5TOOL" wait "$RUN/long.h5" 5 60); then
        log "after $p (done total finished): scancel --signal=USR1 --batch $j"
        scancel --signal=USR1 --batch "$j" || fail "scancel --signal=USR1 --batch $j failed"
        # The job must come back: Restarts=1 while it is pending or running again.
        t0=$SECONDS
        until (( $(jobfield "$j" Restarts) + 0 >= 1 )); do
            (( SECONDS - t0 < 60 )) || { fail "job $j not requeued within 60 s: $(scontrol show job "$j")"; break; }
            sleep 0.2
        done
        log "requeued: Restarts=$(jobfield "$j" Restarts) state $(jobfield "$j" JobState) reason $(jobfield "$j" Reason) after $(( SECONDS - t0 )) s"
        p2=$("$PY" "$H5TOOL" progress "$RUN/long.h5") && log "file after the stop: $p2 (done total finished)"
        wait_job "$j" 240
        check_job_ok "$j"
        [[ $(jobfield "$j" Restarts) == 1 ]] || fail "job $j: Restarts=$(jobfield "$j" Restarts), expected 1"
        show_log long.log
        grep -q 'tradewar exited 3' long.log || fail "long.log: no 'tradewar exited 3' (the stop)"
        grep -q 'requeueing job' long.log || fail "long.log: no requeue"
        grep -q -- '--resume' long.log || fail "long.log: the restart did not use --resume"
        grep -q 'start 1 ' long.log || fail "long.log: no second start"
        finished long.h5 "long"
        same ref_long.h5 long.h5 "long (stopped, requeued, resumed) = uninterrupted local run"
        # Submitted again on the finished file: nothing to do, exit 0, file untouched.
        sum=$(sha256sum <long.h5)
        j=$("${SUB[@]}" --ntasks=1 --cpus-per-task=1 -o long2.log \
            "$JOBS/slurm/long.sbatch" "$RUN/long.yaml" "$RUN/long.h5") || die "sbatch failed"
        wait_job "$j" 60
        check_job_ok "$j" || show_log long2.log
        grep -q 'finished already' long2.log || fail "long.sbatch on a finished file: no 'finished already'"
        [[ $(sha256sum <long.h5) == "$sum" ]] && log "ok: long.sbatch on a finished file leaves it untouched" \
            || fail "long.sbatch on a finished file changed it"
    else
        fail "long job $j: no 5 blocks done within 60 s"
        show_log long.log
    fi
fi

# --- timelimit: the real --signal=B:USR1@T path, no scancel ---------------------
if want timelimit; then
    log "== long.sbatch against a real time limit"
    # 1 rank x all cores, ~40 s of work in blocks of 64 x 4 ms; --time=1 with the
    # signal 45 s before the end: Slurm checks time limits about every 30 s,
    # so the signal comes 15 to 45 s after each start (here: ~16 s); 2 to 4 starts.
    mkconfig "$RUN/tl.yaml" 20000 5 64 4000
    mkconfig "$RUN/tl_ref.yaml" 20000 5 64 0     # same samples, no busy work
    local_run "$RUN/ref_tl.h5" "$RUN/tl_ref.yaml"
    j=$("${SUB[@]}" --ntasks=1 --cpus-per-task="$ncpus" --time=1 --signal=B:USR1@45 -o tl.log \
        "$JOBS/slurm/long.sbatch" "$RUN/tl.yaml" "$RUN/tl.h5") || die "sbatch failed"
    log "submitted $j (--time=1 --signal=B:USR1@45)"
    wait_job "$j" 280
    check_job_ok "$j"
    r=$(jobfield "$j" Restarts)
    (( r >= 1 )) && log "ok: timelimit: the job requeued itself $r time(s)" \
        || fail "timelimit: Restarts=$r: the time-limit signal did not lead to a requeue"
    grep -E '^=== long|SIGUSR1|exited|requeueing' tl.log | sed 's/^/    /'
    grep -q 'DUE TO TIME LIMIT' tl.log && fail "timelimit: the job hit its limit: $(grep -m1 'DUE TO TIME LIMIT' tl.log)"
    finished tl.h5 "timelimit"
    if o=$("$PY" "$H5TOOL" compare --ignore-config ref_tl.h5 tl.h5 2>&1); then
        log "ok: timelimit result = uninterrupted run (cost_us aside): $(tail -n 1 <<<"$o")"
    else
        fail "timelimit result differs: $o"
    fi
fi

# --- deadrank: one rank killed, the job must end, not hang ---------------------
if want deadrank; then
    log "== a dead rank under srun and mpirun"
    # 2000 x 8 ms in 125 blocks of 16: ~8 s on 2 ranks, time to kill mid-way.
    mkconfig "$RUN/dead.yaml" 2000 9 16 8000
    local_run "$RUN/ref_dead.h5" "$RUN/dead.yaml"
    for launcher in srun mpirun; do
        out=$RUN/dead_$launcher.h5
        j=$(TW_LAUNCHER=$launcher "${SUB[@]}" --ntasks="$ncpus" --cpus-per-task=1 \
            -o "dead_$launcher.log" "$JOBS/slurm/hybrid.sbatch" "$RUN/dead.yaml" "$out") \
            || die "sbatch failed"
        log "submitted $j ($launcher, $ncpus ranks)"
        if ! p=$("$PY" "$H5TOOL" wait "$out" 5 60); then
            fail "deadrank $launcher: no 5 blocks within 60 s"; show_log "dead_$launcher.log"; continue
        fi
        # the ranks: tradewar processes of exactly this run (listed, killed by pid)
        mapfile -t pids < <(pgrep -f -x -- "$TW run $RUN/dead.yaml -o $out")
        if (( ${#pids[@]} != ncpus )); then
            fail "deadrank $launcher: found ${#pids[@]} rank processes (${pids[*]}), expected $ncpus"
            scancel "$j"; wait_job "$j" 60; continue
        fi
        t0=$SECONDS
        kill -KILL "${pids[-1]}"
        log "after $p (done total finished): SIGKILL to rank pid ${pids[-1]}"
        wait_job "$j" 120
        dt=$(( SECONDS - t0 ))
        (( dt <= 60 )) && log "ok: deadrank $launcher: the job ended $dt s after one rank was killed" \
            || fail "deadrank $launcher: the job took $dt s to end after one rank was killed"
        st=$(jobfield "$j" JobState)
        [[ $st != COMPLETED ]] && log "ok: deadrank $launcher: job state $st, exit $(jobfield "$j" ExitCode)" \
            || fail "deadrank $launcher: job state COMPLETED after a rank was killed"
        left=$(pgrep -f -x -- "$TW run $RUN/dead.yaml -o $out" | tr '\n' ' ')
        [[ -z $left ]] && log "ok: deadrank $launcher: no rank left running" \
            || fail "deadrank $launcher: ranks still running: $left"
        read -r d t f < <("$PY" "$H5TOOL" progress "$out")
        (( f == 0 && d < t )) && log "ok: deadrank $launcher: unfinished file, $d/$t blocks" \
            || fail "deadrank $launcher: file $d/$t blocks, finished=$f"
        if ( unset "${!SLURM_@}"
             OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 \
                 "$MPIEXEC" -n "$ncpus" --bind-to none "$TW" run "$RUN/dead.yaml" -o "$out" \
                 --resume -q ) >"$out.resume.log" 2>&1; then
            same ref_dead.h5 "$out" "deadrank $launcher: resumed = uninterrupted run"
        else
            fail "deadrank $launcher: --resume failed: $(tail -n 5 "$out.resume.log")"
        fi
    done
fi

if (( FAILS )); then
    log "$FAILS check(s) failed"
    exit 1
fi
log "all checks passed"
exit 0
