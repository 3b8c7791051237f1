/* tradewar: the run history of a result file (docs/FORMAT.md, "/history").
 *
 * One row per start of `tradewar run` on a file (the first and every
 * resume): when, where, how it was launched, how far the file was at the
 * start and at the end, why it ended, and what it cost. Rows are parallel
 * 1-D datasets along the `start` dimension (a dimension scale), extendible,
 * variable-length UTF-8 for the text columns: h5py, pandas and xarray with
 * either netCDF engine read them, which an HDF5 compound type would not
 * allow (netCDF-C maps it to a user type xarray cannot decode).
 *
 * Variable-length strings cannot be written through parallel HDF5, so rank 0
 * writes the history on a serially opened file, at the two moments no rank
 * has the file open in parallel: right after the layout is created or the
 * resume checks passed (the start), and after the parallel handle is closed
 * (the end). A start whose end is never written (kill -9, node failure, an
 * aborted job) keeps exit_reason "unfinished"; `tradewar info` shows it as
 * killed, or as running while its writer holds the write lock.
 */
#ifndef TRADEWAR_HISTORY_H
#define TRADEWAR_HISTORY_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "tradewar/error.h"

/* exit_reason of a start whose end was not recorded (yet). */
#define TW_HISTORY_UNFINISHED "unfinished"

typedef struct tw_history_row {
    /* recorded at the start */
    char started[32];        /* ISO 8601 UTC */
    char hosts[2048];        /* distinct host names in rank order, comma-separated */
    int64_t mpi_ranks, omp_threads;
    char job_id[128];        /* SLURM_ARRAY_JOB_ID_TASK, SLURM_JOB_ID, PBS_JOBID or "none" */
    char engine_version[64];
    int64_t blocks_at_start; /* block_done flags set when the start began */
    /* recorded at the end (fill values until then) */
    char ended[32];          /* "" */
    int64_t blocks_at_end;   /* -1 */
    char exit_reason[16];    /* TW_HISTORY_UNFINISHED, complete, stopped, error */
    char exit_detail[512];   /* the stop or error message; "" */
    int64_t exit_status;     /* the process's exit status; -1 */
    double wall_seconds;     /* NaN */
    double cpu_seconds;      /* user + system, summed over the ranks; NaN */
    int64_t max_rss_bytes;   /* the largest peak resident set of any rank; -1 */
    /* not stored: set on every rank once rank 0 has appended the row */
    int appended;
} tw_history_row;

/* COLLECTIVE. The start fields of this start: the time now and the job id
 * (rank 0's), the host names of all ranks, the communicator's size and
 * omp_threads (rank 0's thread count). The end fields get their fill values. */
void tw_history_describe_start(MPI_Comm comm, int omp_threads, tw_history_row *row);

/* Serial (rank 0, no parallel handle open on path): append `row` as a new
 * start, creating /history if the file has none; blocks_at_start is counted
 * from /status/block_done (0 while the file has none). Sets row->appended. */
int tw_history_append(const char *path, tw_history_row *row, tw_error *err);

/* Serial: append a row read from another file (tw_history_read) as it is,
 * every field kept: `tradewar merge` gathers the starts of all the parts of a
 * sharded run (shard.h) in the merged file. */
int tw_history_append_copy(const char *path, const tw_history_row *row, tw_error *err);

/* COLLECTIVE, after the parallel handle is closed: record the end of the
 * last start (the one this process appended; the write lock makes it the
 * last row). rc and why say how the run ended (TW_OK: complete;
 * TW_EINTERRUPTED: stopped; anything else: error, why's message); CPU time
 * is summed and peak RSS maxed over the ranks (getrusage). Rank 0 writes.
 * Returns the agreed status of the write. */
int tw_history_finish(MPI_Comm comm, const char *path, double wall_seconds, int rc,
                      const tw_error *why, tw_error *err);

/* Serial: every row of path's /history (*n = 0 and *rows = NULL for a file
 * without one, e.g. made before the history existed). Free with free(). */
int tw_history_read(const char *path, tw_history_row **rows, size_t *n, tw_error *err);

#endif
