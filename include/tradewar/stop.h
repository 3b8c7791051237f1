/* tradewar: stopping a run on a target error (`stop:` in the config).
 *
 *   stop: {outcome: leverage_pp, sem: 0.002}               standard error of the mean
 *   stop: {outcome: welfare_pct, element: USA, rel_sem: 0.01}   sem / |mean|
 *   stop: {outcome: leverage_pp, index: ST, width: 0.05}   sensitivity runs: widest
 *                                                          interval of S1 or ST over the factors
 *
 * `samples:` (or the sensitivity design's size) is the ceiling. The rule is
 * checked only at fixed checkpoints in sample order: when the first 2, 4, 8,
 * ... blocks (a doubling of completed blocks; for a sensitivity run a power of
 * two of base samples) are all done, on exactly that prefix. The runner never
 * computes a block beyond the next checkpoint before the check, so where a
 * run stops depends only on (config, seed), never on ranks, threads or
 * interruptions; a resume replays the checks on the blocks already done.
 * The values of the one outcome element are kept on rank 0 (8 bytes per
 * sample) and the statistics are computed there in sample order with the
 * code of /summary (or of /sensitivity). */
#ifndef TRADEWAR_STOP_H
#define TRADEWAR_STOP_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "tradewar/config.h"
#include "tradewar/error.h"
#include "tradewar/model.h"
#include "tradewar/sensitivity.h"

typedef struct tw_stop tw_stop;

/* Read `stop:` (NULL when absent). sens: the run's sensitivity section or
 * NULL (then `width`/`index` are refused; with it, `sem`/`rel_sem` are).
 * Errors name file:line and the key. */
int tw_stop_create(const tw_config *cfg, const tw_model_schema *schema, const tw_sens *sens,
                   tw_stop **out, tw_error *err);
void tw_stop_free(tw_stop *s);
/* One line describing the rule, e.g. "sem(leverage_pp) <= 0.002". */
const char *tw_stop_describe(const tw_stop *s);
/* The error found by the last check (NaN before any). */
double tw_stop_achieved(const tw_stop *s);

/* Per run (every rank calls these with the same arguments): memory for the
 * column on rank 0. seed: the run's (bootstrap intervals). */
int tw_stop_begin(tw_stop *s, MPI_Comm comm, uint64_t n_samples, uint64_t block_size,
                  uint64_t seed, tw_error *err);
/* Rank 0, on --resume, before the file is opened for writing: read the
 * element's values and converged flags of the rows already in the file. */
int tw_stop_load(tw_stop *s, const char *path, tw_error *err);
/* COLLECTIVE, once per round after the evaluations: rank 0 receives the
 * element's values of every rank's block (block < 0: none). */
int tw_stop_collect(tw_stop *s, MPI_Comm comm, int64_t block, size_t nrows,
                    const double *outcomes, size_t row_size, const tw_eval_status *status,
                    tw_error *err);
/* The next checkpoint after `blocks` completed blocks: the smallest power of
 * two >= 2 above it, or 0 when it would reach the last block (the ceiling). */
uint64_t tw_stop_next_checkpoint(const tw_stop *s, uint64_t blocks);
/* COLLECTIVE: evaluate the rule on the first `blocks` blocks; *met is the
 * same on every rank. */
int tw_stop_check(tw_stop *s, MPI_Comm comm, uint64_t blocks, int *met, tw_error *err);
/* COLLECTIVE, at the end (target met after *blocks, or the ceiling): the
 * achieved error on the samples used, and rank 0 writes the root attributes
 * stop_rule, stop_reason ("target" | "ceiling"), samples_used, stop_target,
 * stop_achieved. Call with the file closed, before tw_output_finalize(). */
int tw_stop_record(tw_stop *s, MPI_Comm comm, const char *path, int met, uint64_t samples_used,
                   tw_error *err);

#endif
