/* tradewar: the HDF5 result file (DESIGN.md, "HDF5 output"; docs/FORMAT.md).
 *
 * All raw HDF5 calls of the engine live here (OpenMC's hdf5_interface idea).
 * Functions marked COLLECTIVE must be called by every rank of the
 * communicator with the same arguments where noted; HDF5 here is not
 * thread-safe, so only one thread per rank may call into this module.
 *
 * Failed writes: once the parallel file is open, a collective write, flush
 * or layout step that fails on any rank ends the whole job (rank 0 prints
 * the error, every rank calls MPI_Abort with exit status 2): the ranks cannot
 * close a parallel HDF5 file after a failed write without diverging inside
 * H5Fclose and hanging. What was written before stays resumable. So
 * tw_output_create, _write_block, _sync and _close return only on success
 * or on errors before the file is open.
 *
 * Crash safety: every dataset is allocated (with NaN/0 fill values) when the
 * file is created and the metadata flushed, so later writes touch raw data
 * only. A run killed at any point leaves a readable file whose
 * /status/block_done says which blocks are complete; a block's flag is
 * written after its rows.
 */
#ifndef TRADEWAR_OUTPUT_H
#define TRADEWAR_OUTPUT_H

#include <mpi.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "tradewar/error.h"
#include "tradewar/history.h"
#include "tradewar/model.h"

#define TW_FORMAT_NAME "tradewar"
#define TW_FORMAT_VERSION "1.1"

/* What identifies a run: a resume must match all of it. */
typedef struct tw_run_meta {
    const char *model;
    const char *design;
    uint64_t seed;
    uint64_t n_samples;
    uint64_t block_size;
    const char *config_text;
    const char *config_sha256;
    const char *data_sha256; /* "sha256  path" lines of the data files read */
    int mpi_ranks;
    int omp_threads;
    /* This start's /history row (history.h), or NULL for none. Rank 0 appends
     * it in tw_output_create (after the layout) and tw_output_open_resume
     * (after the checks, not on a finished file); on success every rank
     * finds history->appended = 1. */
    tw_history_row *history;
    /* a part of a sharded run (shard.h): shard shard_index of shard_count
     * (1-based; shard_count 0: not sharded), and the config's absolute path
     * for merge */
    unsigned shard_index, shard_count;
    const char *shard_config;
} tw_run_meta;

typedef struct tw_output tw_output;

static inline uint64_t tw_n_blocks(uint64_t n_samples, uint64_t block_size)
{
    return (n_samples + block_size - 1) / block_size;
}

/* COLLECTIVE. Create a new result file laid out for the whole run. Refuses an
 * existing path unless force (then it is replaced). central_params /
 * central_outcomes / central_status (may be NULL) are stored under
 * /baseline/central. */
int tw_output_create(MPI_Comm comm, const char *path, const tw_run_meta *meta,
                     const tw_model_schema *schema, int force, const double *central_params,
                     const double *central_outcomes, const tw_eval_status *central_status,
                     tw_output **out, tw_error *err);

/* COLLECTIVE. Open an unfinished file for --resume. Verifies format, model,
 * design, seed, n_samples, block_size, config_sha256 and the shard (a mismatch is a
 * TW_ECONFIG error naming what differs) and the shapes against the schema.
 * A data file whose SHA-256 is not among the file's `data_sha256` is refused
 * (TW_ECONFIG naming it); another engine_version only fills `note` (a
 * warning for the caller to print; "" otherwise).
 * block_done receives n_blocks flags. A file of the same run that is already
 * finished is left untouched: TW_OK, *finished = 1 and *out = NULL (so that a
 * requeued job or a repeated command is a no-op). */
int tw_output_open_resume(MPI_Comm comm, const char *path, const tw_run_meta *meta,
                          const tw_model_schema *schema, uint8_t *block_done, tw_output **out,
                          int *finished, char *note, size_t note_size, tw_error *err);

/* This rank only (independent transfers; no collective, no agreement).
 * Write this rank's block (block < 0: nothing) of nrows rows: inputs
 * [nrows][n_params], outcomes [nrows][row_size], status [nrows]; then set
 * block_done for it. No fsync (see tw_output_sync). Returns this rank's
 * outcome (TW_EIO naming the file and block): the caller must agree on it
 * with the other ranks and, on a failure anywhere, end the job with
 * tw_mpi_abort (the parallel file cannot be closed after a failed write). */
int tw_output_write_block(tw_output *o, int64_t block, size_t nrows, const double *inputs,
                          const double *outcomes, const tw_eval_status *status, tw_error *err);

/* COLLECTIVE. Flush everything to disk (fsync). The runner calls it every
 * few seconds and before it stops. */
int tw_output_sync(tw_output *o, tw_error *err);

/* COLLECTIVE. Close the parallel handle (after the last block). */
int tw_output_close(tw_output *o, tw_error *err);

/* The fsync of a closed result file, running on a thread of its own. */
typedef struct tw_output_bgsync tw_output_bgsync;

/* COLLECTIVE. Close the parallel handle after the last block, as
 * tw_output_close but without waiting for its fsync: each rank starts a
 * thread that fsyncs the file (*bg; NULL if it was done here, or o is NULL),
 * so that the final passes run while the disk writes; tw_output_sync_wait
 * waits for it. */
int tw_output_close_deferred(tw_output *o, tw_output_bgsync **bg, tw_error *err);

/* COLLECTIVE unless comm is MPI_COMM_NULL (then this rank only, no
 * agreement: for cleanup). Waits for the fsync started by
 * tw_output_close_deferred (bg may be NULL) and frees bg; TW_EIO on every
 * rank if it failed on one. */
int tw_output_sync_wait(MPI_Comm comm, tw_output_bgsync *bg, tw_error *err);

/* COLLECTIVE, after tw_output_close(): compute /summary from the file
 * (columns spread over the ranks, gathered on rank 0) and, on rank 0, write
 * it together with the final attributes (finished = 1, n_converged,
 * elapsed_seconds, mpi_ranks, omp_threads). mem_budget bounds the column
 * buffers per rank in bytes. A nonzero *stop (a stop signal; stop may be
 * NULL) ends the pass between outcomes, or before `finished` is set:
 * TW_EINTERRUPTED on every rank, the file resumable (resume redoes the pass). */
int tw_output_finalize(MPI_Comm comm, const char *path, const tw_model_schema *schema,
                       const tw_run_meta *meta, double elapsed_seconds, size_t mem_budget,
                       const volatile sig_atomic_t *stop, tw_error *err);

/* Serial, after tw_output_finalize: the number of converged (and finite)
 * samples recorded in the file. */
int tw_output_read_n_converged(const char *path, uint64_t *n_converged, tw_error *err);

/* Let tw_output_create look at *flag (a stop signal, 0 = none) between the
 * slabs of fill values it writes; on a stop it returns TW_EINTERRUPTED with
 * the file closed and resumable (no block done). */
void tw_output_watch_stop(const volatile sig_atomic_t *flag);

/* With on = 1, the next tw_output_create lays the file out without writing
 * the fill values; tw_output_fill (collective) writes them later: the runner
 * does it on the master thread of every rank during the first round's
 * evaluations, so that it does not stay serial for the threads (issue 12
 * item 3). Before any block is written. */
void tw_output_defer_fill(int on);
/* Collective: the deferred fill, in slabs, honouring the stop flag between
 * them (TW_EINTERRUPTED: the file stays resumable, no block done, rows not
 * filled yet read as 0); a write error ends the job (agreed here, tw_mpi_abort).
 * TW_OK at once when nothing is pending. */
int tw_output_fill(tw_output *o, tw_error *err);
int tw_output_fill_pending(const tw_output *o);

/* Serial: is `path` an existing file? */
int tw_output_exists(const char *path);

#endif
