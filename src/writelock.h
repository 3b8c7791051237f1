/* Internal: one writer per result file (the runner's rank 0 holds it).
 *
 * The lock is a POSIX record lock (fcntl F_SETLK) on a sidecar file
 * `OUT.h5.lock` that names its holder: host, pid, job id (Slurm, PBS) and
 * start time. The kernel drops the record lock when the holder dies, however
 * it dies, so a lock file left behind by a killed run is recognised as stale
 * (the file is there, the lock is not) and taken over with a message. The
 * HDF5 file itself is never flock'ed by tradewar (tw_h5_open): readers
 * (info, tradewar-analyze, h5py, the resume probe) work in every phase of a
 * run, and writers are kept apart by this lock alone. */
#ifndef TRADEWAR_WRITELOCK_H
#define TRADEWAR_WRITELOCK_H

#include <stddef.h>

#include "tradewar/error.h"

typedef struct tw_writelock tw_writelock;

/* Take the write lock of the result file `path`. A live holder: TW_EUSAGE
 * naming it (host, pid, job, since). A stale lock file: taken over, and
 * `stale` (size n, may be NULL) receives a line describing the dead holder
 * (empty otherwise). A file system without record locks (ENOLCK, some NFS
 * mounts): the run proceeds unlocked and `stale` says so. */
int tw_writelock_take(const char *path, tw_writelock **out, char *stale, size_t n, tw_error *err);

/* Release and remove the lock file (NULL: nothing). */
void tw_writelock_release(tw_writelock *l);

/* Who holds the lock of `path` now: fills `who` (size n) and returns 1 if a
 * live process holds it, 0 if nobody does. For `tradewar info`. */
int tw_writelock_holder(const char *path, char *who, size_t n);

/* The batch job this process runs in, as the lock and the run history
 * (history.c) name it: "ARRAYJOB_TASK" for a Slurm array task, else
 * SLURM_JOB_ID, else PBS_JOBID, else "none". One definition so the lock
 * holder line and the /history row always agree. */
void tw_job_id(char *buf, size_t n);

#endif
