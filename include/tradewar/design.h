/* tradewar: sampling designs, computed point by point from the sample index.
 *
 * The reproducibility contract (DESIGN.md): point s depends only on
 * (design kind, seed, n_samples, dimension count, s), never on who computes it
 * or in which order. Hence
 *   mc     Random123 Philox4x32-10, key = seed, counter = (s, dimension);
 *   lhs    each dimension exactly stratified into n strata: stratum of s in
 *          dimension k = a keyed bijection of [0, n) (cycle-walking Feistel
 *          network), jittered inside the stratum by Philox;
 *   sobol  Sobol' points by index (Joe–Kuo direction numbers), randomised by
 *          the seed (see design.c for the scrambling used).
 * No tables proportional to n are ever built.
 */
#ifndef TRADEWAR_DESIGN_H
#define TRADEWAR_DESIGN_H

#include <stddef.h>
#include <stdint.h>

#include "tradewar/error.h"

typedef enum { TW_DESIGN_MC = 0, TW_DESIGN_LHS, TW_DESIGN_SOBOL } tw_design_kind;

/* "mc" | "lhs" | "sobol" -> kind, or -1. */
int tw_design_kind_from_name(const char *name);
const char *tw_design_kind_name(tw_design_kind kind);

/* Maximum dimension supported by the sobol design. */
size_t tw_design_sobol_max_dim(void);

typedef struct tw_design tw_design; /* immutable after create: share across threads */

int tw_design_create(tw_design_kind kind, uint64_t seed, uint64_t n_samples, size_t dim,
                     tw_design **out, tw_error *err);
void tw_design_free(tw_design *d);
size_t tw_design_dim(const tw_design *d);

/* Fill u[0..dim) with point s (0 <= s < n_samples), each strictly in (0,1).
 * Thread-safe, no allocation. (Outside the contract, s >= n_samples: mc and
 * sobol continue their sequences, lhs wraps to s mod n_samples.) */
void tw_design_point(const tw_design *d, uint64_t s, double *u);

/* Raw counter-based uniform stream, for tests and other users:
 * Philox4x32-10 of counter (s low, s high, k, stream) under key (seed low,
 * seed high), as a double in (0,1): the first two output words w0, w1 give
 * j = ((w0 << 32 | w1) >> 12) and u = (j + 0.5) 2^-52. The design uses
 * streams 0 (mc) and 1 (lhs jitter); streams >= 0xfffffff0 are reserved. */
double tw_rng_u01(uint64_t seed, uint64_t s, uint32_t k, uint32_t stream);

/* Keyed bijection of [0, n): the permutation used by lhs, exposed for tests.
 * n <= 1 gives 0; x >= n is returned unchanged (outside the domain). */
uint64_t tw_design_permute(uint64_t x, uint64_t n, uint64_t key);

/* Internal, for tests only (tw__ prefix; not part of the stable interface).
 * Unscrambled Sobol' point s of dimension k as a 32-bit fraction (0 for
 * k >= tw_design_sobol_max_dim()); the table entry of dimension k >= 1:
 * returns the degree s and fills *poly (with leading and constant terms) and
 * m[0..s) (m must hold 32); returns 0 for k = 0 or out of range; the nested
 * uniform scramble applied to one 32-bit fraction. */
uint32_t tw__design_sobol_uint(size_t k, uint32_t s);
unsigned tw__design_sobol_poly(size_t k, uint32_t *poly, uint32_t *m);
uint32_t tw__design_sobol_scramble(uint32_t x, uint32_t seed);

#endif
