/* tradewar: the runner: a config and a model, run over MPI ranks x OpenMP
 * threads into one HDF5 file (DESIGN.md "Parallel execution", "Resume and
 * signals").
 *
 * Samples are cut into fixed blocks. The pending blocks (all, or those not
 * marked done on --resume) are dealt out round-robin: in round r, rank k
 * computes pending block r*size + k, its threads evaluate the rows (dynamic
 * schedule), and all ranks write their blocks collectively. Who computed a
 * block never shows in the file. Memory per rank: one block of rows plus one
 * workspace per thread.
 */
#ifndef TRADEWAR_RUNNER_H
#define TRADEWAR_RUNNER_H

#include <mpi.h>
#include <stdint.h>

#include "tradewar/config.h"
#include "tradewar/error.h"
#include "tradewar/model.h"
#include "tradewar/sensitivity.h"
#include "tradewar/stop.h"
#include "tradewar/summary_by.h"

/* A loaded config with its model, ready to evaluate. */
typedef struct tw_session {
    tw_config *cfg;
    const tw_model_type *type;
    void *state;
    const tw_model_schema *schema;
    char *data_files; /* "sha256  path" per data file read (tw_provenance_text) */
    tw_sens *sens;       /* the `sensitivity:` section, or NULL */
    char sens_note[512]; /* remark for the user ("" if none) */
    tw_summary_by *by;   /* `summary: {by: ...}`, or NULL */
    tw_stop *stop;       /* `stop:`, or NULL */
} tw_session;

/* Load the config, find and create the model, apply `parameters:` and
 * `correlation:`, read `sensitivity:`, `summary:`
 * and `stop:`. Serial; every rank may call it (same result everywhere). */
int tw_session_open(const char *config_path, tw_session **out, tw_error *err);
void tw_session_close(tw_session *s);

/* Evaluate one parameter vector (serial, allocates a workspace). A model
 * error comes back with the model's reason; a result with a non-finite input
 * or outcome has st->converged = 0, as in a run. */
int tw_session_evaluate(const tw_session *s, const double *params, double *outcomes,
                        tw_eval_status *st, tw_error *err);

/* 1 if a value among a sample's inputs x (schema order) or outcomes y is not
 * finite, with the first one named in buf ("outcome 'y' = inf"); else 0.
 * x or y may be NULL. The runner flags such a sample as not converged. */
int tw_sample_nonfinite(const tw_model_schema *s, const double *x, const double *y, char *buf,
                        size_t size);

typedef struct tw_run_opts {
    const char *config_path;
    const char *output;   /* NULL: the config's `output:`, else <config name>.h5 */
    int64_t samples;      /* < 0: the config's */
    int has_seed;
    uint64_t seed;
    int design;           /* < 0: the config's */
    int resume, force, quiet;
    size_t mem_budget;    /* bytes per rank for the summary pass's column streams (0: 64 MiB) */
    double max_time;      /* seconds (0: none): stop cleanly (exit 3) before a round or a
                             pass that would end after this, counted from the start */
    unsigned shard_index, shard_count; /* --shard I/N (shard.h); shard_count 0: the whole run */
} tw_run_opts;

/* COLLECTIVE over comm. Returns TW_OK when the file is finished,
 * TW_EINTERRUPTED after a signal (the file is resumable), or an error. */
int tw_run(MPI_Comm comm, const tw_run_opts *opts, tw_error *err);

/* Request a clean stop (what the signal handlers do); async-signal-safe. */
void tw_run_request_stop(int signo);

/* Install the stop handlers for SIGTERM, SIGINT and SIGUSR1 now (main does it
 * before MPI_Init for `run`, so that a signal during start-up is not fatal:
 * the run stops after its first round with exit 3). */
void tw_run_catch_signals(void);

#endif
