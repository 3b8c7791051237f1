/* tradewar: univariate distributions sampled by inverse CDF.
 *
 * A distribution maps a uniform u in (0,1) to a value by its quantile
 * function, so that any design (MC, LHS, Sobol) and the Gaussian copula can
 * drive it. Pure math: no YAML, no I/O; the config layer turns YAML into the
 * parameters below and prefixes file:line to the messages of tw_dist_init().
 *
 * Parameters by kind (p[] order):
 *   constant    value
 *   uniform     min max                  (min < max)
 *   triangular  min mode max             (min <= mode <= max, min < max)
 *   pert        min mode max [lambda=4]  (beta-PERT; min <= mode <= max, min < max)
 *   normal      mean sd                  (sd > 0)
 *   truncnormal mean sd min max          (sd > 0, min < max)
 *   lognormal   mu sigma                 (log-scale; sigma > 0)
 *   beta        a b [min=0 max=1]        (a > 0, b > 0; scaled to [min, max])
 *   bernoulli   p                        (0 <= p <= 1; value 1 with prob. p)
 *   discrete    values[] weights[]       (weights >= 0, sum > 0)
 */
#ifndef TRADEWAR_DIST_H
#define TRADEWAR_DIST_H

#include <stddef.h>

#include "tradewar/error.h"

#define TW_DIST_KIND_MAP(X)          \
    X(TW_DIST_CONSTANT, "constant")  \
    X(TW_DIST_UNIFORM, "uniform")    \
    X(TW_DIST_TRIANGULAR, "triangular") \
    X(TW_DIST_PERT, "pert")          \
    X(TW_DIST_NORMAL, "normal")      \
    X(TW_DIST_TRUNCNORMAL, "truncnormal") \
    X(TW_DIST_LOGNORMAL, "lognormal") \
    X(TW_DIST_BETA, "beta")          \
    X(TW_DIST_BERNOULLI, "bernoulli") \
    X(TW_DIST_DISCRETE, "discrete")

typedef enum {
#define TW_DIST_ENUM_(k, s) k,
    TW_DIST_KIND_MAP(TW_DIST_ENUM_)
#undef TW_DIST_ENUM_
    TW_DIST_KIND_COUNT
} tw_dist_kind;

#define TW_DIST_MAX_PARAMS 4

typedef struct tw_dist {
    tw_dist_kind kind;
    double p[TW_DIST_MAX_PARAMS];
    /* discrete only: n values (sorted ascending by tw_dist_init) and the
     * cumulative normalised weights; owned, freed by tw_dist_free(). */
    size_t n;
    double *values;
    double *cumw;
    /* cached by tw_dist_init (e.g. CDF bounds of a truncated normal) */
    double c[4];
} tw_dist;

/* Kind from its name ("uniform"); returns -1 if unknown. */
int tw_dist_kind_from_name(const char *name);
const char *tw_dist_kind_name(tw_dist_kind kind);
/* Names of the parameters of a kind, NULL-terminated (for the config schema):
 * e.g. {"min","mode","max",NULL}; optional ones are listed by
 * tw_dist_param_optional() (e.g. "lambda" for pert, "min","max" for beta).
 * discrete has none (empty list): its values/weights are arrays passed to
 * tw_dist_init() separately. */
const char *const *tw_dist_param_names(tw_dist_kind kind);
const char *const *tw_dist_param_optional(tw_dist_kind kind);

/* Validate and set up. p holds the required then the optional parameters in
 * the order of the name lists, with optional ones filled by the caller from
 * tw_dist_default_param() when not given. For discrete, values/weights are
 * copied. Impossible values (a > b, p outside [0,1], sd <= 0 ...) return
 * TW_ECONFIG with a message naming the parameter ("min (2) must be < max (1)").
 * Non-finite parameters are errors too (a NaN usually is an optional
 * parameter left unfilled). *d is overwritten without being freed; after a
 * failure it owns nothing (tw_dist_free() on it is still safe). The
 * messages carry the kind ("uniform: min (2) ...") but no file:line. */
int tw_dist_init(tw_dist *d, tw_dist_kind kind, const double *p, const double *values,
                 const double *weights, size_t n, tw_error *err);
double tw_dist_default_param(tw_dist_kind kind, const char *name);
void tw_dist_free(tw_dist *d);
/* Deep copy (discrete arrays duplicated). */
int tw_dist_copy(tw_dist *dst, const tw_dist *src, tw_error *err);

/* Quantile (inverse CDF) at u in (0,1). u outside (0,1) is clamped to the
 * nearest representable interior value (u <= 0 -> DBL_TRUE_MIN, u >= 1 ->
 * 1 - 2^-53); NaN gives NaN. Discrete and bernoulli: the smallest
 * value whose cumulative weight is >= u. Thread-safe, no allocation, never
 * calls a GSL routine that can fail for valid input (GSL's error handler
 * aborts by default; the program should still switch it off at start-up). */
double tw_dist_quantile(const tw_dist *d, double u);
double tw_dist_cdf(const tw_dist *d, double x);
double tw_dist_mean(const tw_dist *d);
double tw_dist_variance(const tw_dist *d);
double tw_dist_median(const tw_dist *d); /* = quantile(0.5) */
double tw_dist_lower(const tw_dist *d);  /* support bounds (+-inf if unbounded) */
double tw_dist_upper(const tw_dist *d);
int tw_dist_is_constant(const tw_dist *d);

/* One-line description, e.g. "triangular(min=0.3, mode=1.45, max=1.45)";
 * discrete as "discrete(values:weights=1:0.25, 2:0.75)" (normalised weights).
 * Returns TW_OK, or TW_EINTERNAL if it did not fit (buf then holds a
 * NUL-terminated prefix). */
int tw_dist_describe(const tw_dist *d, char *buf, size_t size);

#endif
