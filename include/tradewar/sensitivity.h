/* tradewar: variance-based sensitivity (Sobol' indices) by pick-freeze.
 *
 * The `sensitivity:` config section turns a run into the pick-freeze design
 * of Saltelli (2010): N base samples j (N a power of two), each a point of an
 * Owen-scrambled Sobol' sequence of dimension 2d (d = parameter count, the
 * design of design.c computed by index), whose first d coordinates are the
 * row of matrix A and the last d the row of B. For k factors the run
 * evaluates N (k + 2) samples, sample s = j (k + 2) + m:
 *   m = 0      A_j
 *   m = 1      B_j
 *   m = 2 + i  AB_i,j: A_j with the coordinates of factor i taken from B_j.
 * So every base sample's k + 2 rows are consecutive, a prefix of 2^p base
 * samples is a prefix of the run, and the samples depend only on (config,
 * seed, s), like any other design.
 *
 * Factors: the named groups of the config (fnmatch patterns over parameter
 * names), then every other non-constant parameter on its own, ordered by
 * their first parameter. Parameters coupled through `correlation:` must be in
 * one factor (the indices assume independent factors): a correlation group
 * none of whose members is named becomes one factor automatically (labelled
 * by the members' common prefix + "*", e.g. "compliance_*"); a group split
 * across factors is refused.
 *
 * Estimators, on the centred values y - f0 (f0 = mean over A and B, which
 * leaves the estimators' expectations unchanged and removes their dependence
 * on the mean), V = mean of (y - f0)^2 over A and B (SALib's choice):
 *   first order  S1_i = mean(y_B (y_ABi - y_A)) / V         Saltelli 2010
 *   total order  ST_i = mean((y_A - y_ABi)^2) / (2 V)        Jansen 1999
 * Confidence intervals: percentile bootstrap over base samples (R resamples
 * of N indices drawn from Philox under a fixed key derived from the run's
 * seed), the same resampled indices for every factor and outcome element.
 * A base sample takes part only if all its k + 2 rows converged and are
 * finite for the element. A constant element (V = 0) or one with fewer than
 * 2 usable base samples gets NaN indices and a status flag, never a crash.
 */
#ifndef TRADEWAR_SENSITIVITY_H
#define TRADEWAR_SENSITIVITY_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "tradewar/config.h"
#include "tradewar/error.h"
#include "tradewar/model.h"

/* Status of one outcome element. */
enum { TW_SENS_OK = 0, TW_SENS_CONSTANT = 1, TW_SENS_TOO_FEW = 2 };

typedef struct tw_sens tw_sens; /* immutable after create: share across threads */

/* Read `sensitivity:` of cfg against the model's schema (parameters already
 * overridden by `parameters:` and coupled by `correlation:`). *out = NULL
 * (and TW_OK) when the config has no such section. Errors name file:line and
 * the key. If note is not NULL it receives a one-line remark for the user
 * (parameters grouped automatically), or "" if none. */
int tw_sens_create(const tw_config *cfg, const tw_model_schema *schema, tw_sens **out,
                   char *note, size_t note_size, tw_error *err);
void tw_sens_free(tw_sens *s);

uint64_t tw_sens_base_samples(const tw_sens *s); /* N */
size_t tw_sens_factor_count(const tw_sens *s);   /* k */
const char *tw_sens_factor_label(const tw_sens *s, size_t f);
/* Comma-separated parameter names of factor f. */
const char *tw_sens_factor_members(const tw_sens *s, size_t f);
unsigned tw_sens_bootstrap(const tw_sens *s);   /* R (0: no intervals) */
double tw_sens_confidence(const tw_sens *s);
/* Is outcome k of the schema analysed (`outcomes:`, default all)? */
int tw_sens_wants_outcome(const tw_sens *s, size_t k);

/* Samples of the run: N (k + 2). */
uint64_t tw_sens_samples(const tw_sens *s);
/* Rows per block: (k + 2) times the largest power of two b <= N with
 * (k + 2) b <= requested (at least one base sample), so that blocks hold
 * whole base samples and block boundaries fall on base-sample counts. */
uint64_t tw_sens_block_size(const tw_sens *s, uint64_t requested);
/* Dimension of the Sobol' design: 2 d. */
size_t tw_sens_design_dim(const tw_sens *s);
/* The design coordinates of row m (0 <= m < k + 2) of a base sample from its
 * Sobol' point ab[0..2d): u[0..d). */
void tw_sens_row_point(const tw_sens *s, const double *ab, size_t m, double *u);

/* ---- estimators (pure; used by the file pass and by the tests) ---- */

typedef struct tw_sens_index {
    double s1, st;            /* point estimates */
    double s1_ci[2], st_ci[2]; /* percentile bootstrap interval (NaN without bootstrap) */
} tw_sens_index;

/* Bootstrap indices: R resamples of N base-sample indices, [R][N], drawn by
 * Philox from (seed, resample, draw). malloc'ed; NULL on out of memory or
 * R == 0. */
uint32_t *tw_sens_bootstrap_table(uint64_t seed, size_t n_base, unsigned R);
/* Key of the bootstrap draws for a run seed (fixed, documented). */
uint64_t tw_sens_bootstrap_seed(uint64_t run_seed);

/* Doubles of scratch tw_sens_estimate needs. */
size_t tw_sens_scratch_size(size_t k, unsigned R);

/* Indices of one outcome element. y[j (k + 2) + m] as laid out above;
 * ok[j] (NULL: all) says whether base sample j may be used (its non-finite
 * values are skipped anyway). boot: the table above or NULL (R = 0).
 * out[k]. Returns TW_SENS_OK, TW_SENS_CONSTANT or TW_SENS_TOO_FEW (indices
 * NaN); *used = base samples used. Deterministic: sums in index order. */
int tw_sens_estimate(const double *y, size_t n_base, size_t k, const uint8_t *ok,
                     const uint32_t *boot, unsigned R, double confidence, double *scratch,
                     tw_sens_index *out, uint64_t *used);

/* ---- the file pass ---- */

/* COLLECTIVE, after the last block and before tw_output_finalize(): compute
 * the indices of every analysed outcome element from the file's first
 * n_base_used base samples (columns spread over the ranks, over the threads
 * within a rank; each column's sums in base-sample order, so the result does
 * not depend on the decomposition) and, on rank 0, write /sensitivity
 * (docs/FORMAT.md). A stale /sensitivity from an interrupted finish is
 * replaced. */
int tw_sens_write(MPI_Comm comm, const char *path, const tw_model_schema *schema,
                  const tw_sens *s, uint64_t run_seed, uint64_t n_base_used, tw_error *err);

#endif
