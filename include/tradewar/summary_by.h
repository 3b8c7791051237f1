/* tradewar: results by regime: the summary of every outcome per level of the
 * Bernoulli and discrete parameters a config names,
 *
 *   summary:
 *     by: [deal, pause_expires, re_suspended]
 *
 * written to /summary_by/<parameter>/<level>/<outcome>/{mean, std, sem, min,
 * max, count, quantiles, hist_counts, hist_edges} with the statistics code
 * and the group writer of /summary (stats.c, summary_group.c): the samples of a
 * level are the converged samples whose input equals the level's value. */
#ifndef TRADEWAR_SUMMARY_BY_H
#define TRADEWAR_SUMMARY_BY_H

#include <mpi.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "tradewar/config.h"
#include "tradewar/error.h"
#include "tradewar/model.h"

typedef struct tw_summary_by tw_summary_by;

/* Read `summary:` of cfg against the (overridden) parameters. *out = NULL
 * when there is no such section. A parameter that is unknown, constant or
 * continuous is a TW_ECONFIG error with file:line and the key. */
int tw_summary_by_create(const tw_config *cfg, const tw_params *ps, tw_summary_by **out,
                         tw_error *err);
void tw_summary_by_free(tw_summary_by *b);

size_t tw_summary_by_count(const tw_summary_by *b);        /* parameters */
const char *tw_summary_by_param(const tw_summary_by *b, size_t i);
size_t tw_summary_by_levels(const tw_summary_by *b, size_t i);
double tw_summary_by_level(const tw_summary_by *b, size_t i, size_t l);

/* COLLECTIVE, after the last block, before tw_output_finalize(): compute
 * the per-level summaries of the first n_used samples from the file (columns
 * spread over the ranks, each in sample order) and, on rank 0, write
 * /summary_by (a stale one from an interrupted finish is replaced). A stop
 * signal (*stop nonzero; stop may be NULL) is honoured between slabs: every
 * rank returns TW_EINTERRUPTED and /summary_by is not written (resume redoes
 * the pass). */
int tw_summary_by_write(MPI_Comm comm, const char *path, const tw_model_schema *schema,
                        const tw_summary_by *b, uint64_t n_used,
                        const volatile sig_atomic_t *stop, tw_error *err);

#endif
