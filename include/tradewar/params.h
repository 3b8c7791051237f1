/* tradewar: the parameter space: one marginal distribution per named
 * parameter, optionally coupled through Gaussian copulas.
 *
 * Mapping a design point u in (0,1)^d to parameter values x:
 *   independent parameter i:  x_i = Q_i(u_i)
 *   correlated group G with correlation matrix R = L L^T (Cholesky, GSL):
 *       z = Phi^-1(u_G);  y = L z;  x_i = Q_i(Phi(y_i))
 * Parameter i always uses design dimension i, so adding a correlation does not
 * reshuffle the stream of other parameters.
 */
#ifndef TRADEWAR_PARAMS_H
#define TRADEWAR_PARAMS_H

#include <stddef.h>

#include "tradewar/dist.h"
#include "tradewar/error.h"

typedef struct tw_param {
    char *name;
    char *units;
    char *description;
    tw_dist dist;
    /* The model's domain: every value drawn lies in [lo, hi], or (lo, hi]
     * with lo_open (default: the whole real line); domain_why says where the
     * range comes from (static text, for messages). */
    double lo, hi;
    int lo_open;
    const char *domain_why;
} tw_param;

typedef struct tw_params tw_params; /* immutable once finalised: share across threads */

tw_params *tw_params_new(void);
void tw_params_free(tw_params *ps);

/* Append a parameter (the dist is deep-copied). Names must be unique. */
int tw_params_add(tw_params *ps, const char *name, const char *units, const char *description,
                  const tw_dist *dist, tw_error *err);
size_t tw_params_count(const tw_params *ps);
const tw_param *tw_params_get(const tw_params *ps, size_t i);
/* Index of a name, or -1. */
long tw_params_find(const tw_params *ps, const char *name);
/* Replace the distribution of parameter i (deep copy). A distribution that
 * can draw values outside the parameter's domain is a TW_ECONFIG error that
 * names the distribution, the values it draws, the domain and its reason. */
int tw_params_set_dist(tw_params *ps, size_t i, const tw_dist *dist, tw_error *err);
/* Declare the domain of parameter i ([lo, hi], or (lo, hi] with lo_open;
 * why: static text). Checks the current distribution too. */
int tw_params_set_domain(tw_params *ps, size_t i, double lo, int lo_open, double hi,
                         const char *why, tw_error *err);

/* Declare a correlated group: k parameter indices and a k x k correlation
 * matrix (row-major). The matrix must be symmetric with unit diagonal and
 * positive definite; a parameter may belong to one group only. Errors are
 * TW_ECONFIG ("correlation matrix is not positive definite"), each message
 * naming the parameters concerned. Call before any thread maps points (the
 * Cholesky briefly switches GSL's global error handler off). */
int tw_params_add_group(tw_params *ps, const size_t *idx, size_t k, const double *corr,
                        tw_error *err);
size_t tw_params_group_count(const tw_params *ps);
/* Correlation group of parameter i, or -1 if it is independent. */
long tw_params_group_of(const tw_params *ps, size_t i);

/* Map one design point to values. work must hold tw_params_work_size()
 * doubles (per-thread scratch; the size is the largest group, 0 and work may
 * be NULL without groups). Thread-safe, no allocation. */
size_t tw_params_work_size(const tw_params *ps);
void tw_params_map(const tw_params *ps, const double *u, double *x, double *work);

/* Medians of every marginal (the deterministic central scenario). */
void tw_params_medians(const tw_params *ps, double *x);

#endif
