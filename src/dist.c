/* tradewar: univariate distributions sampled by inverse CDF (see dist.h).
 *
 * Every quantile function is a pure function of (d, u): no state, no
 * allocation, so one const tw_dist is shared by all threads. GSL supplies the
 * special functions. GSL reports failures through its global error handler
 * (default: abort), so the quantiles avoid GSL calls that can fail for valid
 * input: the normal inverses only fail outside [0,1], which
 * tw_dist_quantile() never passes, and the beta inverse is our own
 * (beta_quantile). The program should still call
 * gsl_set_error_handler_off() once at start-up.
 */
#include "tradewar/dist.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_sf_gamma.h>

static const char *const kind_names[] = {
#define TW_DIST_NAME_(k, s) s,
    TW_DIST_KIND_MAP(TW_DIST_NAME_)
#undef TW_DIST_NAME_
};

/* Required then optional parameter names per kind, in p[] order. discrete has
 * none: its values and weights are arrays passed separately. */
static const char *const names_constant[] = {"value", NULL};
static const char *const names_minmax[] = {"min", "max", NULL};
static const char *const names_tri[] = {"min", "mode", "max", NULL};
static const char *const names_normal[] = {"mean", "sd", NULL};
static const char *const names_truncnormal[] = {"mean", "sd", "min", "max", NULL};
static const char *const names_lognormal[] = {"mu", "sigma", NULL};
static const char *const names_beta[] = {"a", "b", NULL};
static const char *const names_bernoulli[] = {"p", NULL};
static const char *const names_none[] = {NULL};
static const char *const opt_pert[] = {"lambda", NULL};
static const char *const opt_beta[] = {"min", "max", NULL};

/* All parameters of a kind in p[] order (required then optional). */
static const char *const all_pert[] = {"min", "mode", "max", "lambda", NULL};
static const char *const all_beta[] = {"a", "b", "min", "max", NULL};

int tw_dist_kind_from_name(const char *name)
{
    if (!name)
        return -1;
    for (int k = 0; k < TW_DIST_KIND_COUNT; k++)
        if (strcmp(name, kind_names[k]) == 0)
            return k;
    return -1;
}

const char *tw_dist_kind_name(tw_dist_kind kind)
{
    if ((int)kind < 0 || kind >= TW_DIST_KIND_COUNT)
        return "unknown";
    return kind_names[kind];
}

const char *const *tw_dist_param_names(tw_dist_kind kind)
{
    switch (kind) {
    case TW_DIST_CONSTANT:
        return names_constant;
    case TW_DIST_UNIFORM:
        return names_minmax;
    case TW_DIST_TRIANGULAR:
    case TW_DIST_PERT:
        return names_tri;
    case TW_DIST_NORMAL:
        return names_normal;
    case TW_DIST_TRUNCNORMAL:
        return names_truncnormal;
    case TW_DIST_LOGNORMAL:
        return names_lognormal;
    case TW_DIST_BETA:
        return names_beta;
    case TW_DIST_BERNOULLI:
        return names_bernoulli;
    default:
        return names_none;
    }
}

const char *const *tw_dist_param_optional(tw_dist_kind kind)
{
    switch (kind) {
    case TW_DIST_PERT:
        return opt_pert;
    case TW_DIST_BETA:
        return opt_beta;
    default:
        return names_none;
    }
}

static const char *const *all_names(tw_dist_kind kind)
{
    if (kind == TW_DIST_PERT)
        return all_pert;
    if (kind == TW_DIST_BETA)
        return all_beta;
    return tw_dist_param_names(kind);
}

static size_t count_names(const char *const *names)
{
    size_t n = 0;
    while (names[n])
        n++;
    return n;
}

double tw_dist_default_param(tw_dist_kind kind, const char *name)
{
    if (!name)
        return NAN;
    if (kind == TW_DIST_PERT && strcmp(name, "lambda") == 0)
        return 4.0;
    if (kind == TW_DIST_BETA && strcmp(name, "min") == 0)
        return 0.0;
    if (kind == TW_DIST_BETA && strcmp(name, "max") == 0)
        return 1.0;
    return NAN;
}

void tw_dist_free(tw_dist *d)
{
    if (!d)
        return;
    free(d->values);
    free(d->cumw);
    d->values = NULL;
    d->cumw = NULL;
    d->n = 0;
}

/* ------------------------------------------------------------------------ */
/* Validation                                                               */

/* Checks shared by the kinds with a [min, max] support; the message names
 * both bounds so the user sees which way round they are. */
static int check_min_max(const char *kname, double lo, double hi, tw_error *err)
{
    if (!(lo < hi))
        return tw_error_set(err, TW_ECONFIG, "%s: min (%g) must be < max (%g)", kname, lo, hi);
    /* the quantiles interpolate over max - min: it must be a finite double */
    if (!isfinite(hi - lo))
        return tw_error_set(err, TW_ECONFIG, "%s: max - min (%g - %g) overflows a double; use "
                            "smaller bounds", kname, hi, lo);
    return TW_OK;
}

double tw_dist_quantile(const tw_dist *d, double u);

/* Every value the designs can draw must be a finite double: the quantile
 * function is monotone and the designs' u lie in [DBL_TRUE_MIN, 1 - 2^-53]
 * (clamp_u), so both ends and the middle are checked. A normal with mean
 * 1e308 would otherwise draw inf, which no model can use. */
static int check_finite_quantiles(const char *kname, const tw_dist *d, tw_error *err)
{
    static const double us[] = {0.0, 0.5, 1.0};
    static const char *const what[] = {"lowest", "median", "highest"};
    for (int i = 0; i < 3; i++) {
        double q = tw_dist_quantile(d, us[i]);
        if (!isfinite(q))
            return tw_error_set(err, TW_ECONFIG, "%s: its %s value overflows a double (%g); use "
                                "smaller parameters", kname, what[i], q);
    }
    return TW_OK;
}

static int check_mode(const char *kname, double lo, double mode, double hi, tw_error *err)
{
    if (mode < lo)
        return tw_error_set(err, TW_ECONFIG, "%s: mode (%g) must be >= min (%g)", kname, mode, lo);
    if (mode > hi)
        return tw_error_set(err, TW_ECONFIG, "%s: mode (%g) must be <= max (%g)", kname, mode, hi);
    return TW_OK;
}

static int cmp_pair(const void *a, const void *b)
{
    const double *x = a, *y = b;
    if (x[0] < y[0])
        return -1;
    if (x[0] > y[0])
        return 1;
    /* equal values: keep input order so that the result is deterministic */
    return (x[2] > y[2]) - (x[2] < y[2]);
}

static int init_discrete(tw_dist *d, const double *values, const double *weights, size_t n,
                         tw_error *err)
{
    if (n == 0 || !values || !weights)
        return tw_error_set(err, TW_ECONFIG, "discrete: values and weights must not be empty");
    double total = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(values[i]))
            return tw_error_set(err, TW_ECONFIG, "discrete: values[%zu] (%g) must be finite", i,
                                values[i]);
        if (!isfinite(weights[i]) || weights[i] < 0.0)
            return tw_error_set(err, TW_ECONFIG,
                                "discrete: weights[%zu] (%g) must be finite and >= 0", i, weights[i]);
        total += weights[i];
    }
    if (!(total > 0.0) || !isfinite(total))
        return tw_error_set(err, TW_ECONFIG, "discrete: the sum of weights (%g) must be > 0", total);

    /* sort (value, weight, input position) triples by value */
    double *tmp = malloc(3 * n * sizeof *tmp);
    d->values = malloc(n * sizeof *d->values);
    d->cumw = malloc(n * sizeof *d->cumw);
    if (!tmp || !d->values || !d->cumw) {
        free(tmp);
        tw_dist_free(d);
        return tw_error_set(err, TW_ENOMEM, "discrete: out of memory for %zu values", n);
    }
    for (size_t i = 0; i < n; i++) {
        tmp[3 * i] = values[i];
        tmp[3 * i + 1] = weights[i];
        tmp[3 * i + 2] = (double)i;
    }
    qsort(tmp, n, 3 * sizeof *tmp, cmp_pair);
    double acc = 0.0;
    for (size_t i = 0; i < n; i++) {
        d->values[i] = tmp[3 * i];
        acc += tmp[3 * i + 1];
        d->cumw[i] = acc / total;
    }
    /* the last cumulative weight must be exactly 1 so that every u < 1 finds
     * a value (rounding could otherwise leave it at 0.9999999999999999) */
    d->cumw[n - 1] = 1.0;
    free(tmp);
    d->n = n;
    return TW_OK;
}

int tw_dist_init(tw_dist *d, tw_dist_kind kind, const double *p, const double *values,
                 const double *weights, size_t n, tw_error *err)
{
    if (!d)
        return tw_error_set(err, TW_EINTERNAL, "tw_dist_init: NULL distribution");
    memset(d, 0, sizeof *d);
    d->kind = kind;
    if ((int)kind < 0 || kind >= TW_DIST_KIND_COUNT)
        return tw_error_set(err, TW_ECONFIG, "unknown distribution kind %d", (int)kind);
    const char *kname = kind_names[kind];
    if (kind == TW_DIST_DISCRETE)
        return init_discrete(d, values, weights, n, err);

    const char *const *names = all_names(kind);
    size_t np = count_names(names);
    if (!p)
        return tw_error_set(err, TW_ECONFIG, "%s: missing parameters", kname);
    for (size_t i = 0; i < np; i++) {
        /* a NaN here is almost always an optional parameter that the caller
         * forgot to fill from tw_dist_default_param() */
        if (!isfinite(p[i]))
            return tw_error_set(err, TW_ECONFIG, "%s: %s (%g) must be a finite number", kname,
                                names[i], p[i]);
        d->p[i] = p[i];
    }

    int rc = TW_OK;
    switch (kind) {
    case TW_DIST_CONSTANT:
        break;
    case TW_DIST_UNIFORM:
        rc = check_min_max(kname, p[0], p[1], err);
        break;
    case TW_DIST_TRIANGULAR:
        if ((rc = check_min_max(kname, p[0], p[2], err)) != TW_OK)
            break;
        rc = check_mode(kname, p[0], p[1], p[2], err);
        break;
    case TW_DIST_PERT:
        if ((rc = check_min_max(kname, p[0], p[2], err)) != TW_OK)
            break;
        if ((rc = check_mode(kname, p[0], p[1], p[2], err)) != TW_OK)
            break;
        if (!(p[3] > 0.0)) {
            rc = tw_error_set(err, TW_ECONFIG, "pert: lambda (%g) must be > 0", p[3]);
            break;
        }
        /* beta shape parameters of the scaled beta */
        d->c[0] = 1.0 + p[3] * (p[1] - p[0]) / (p[2] - p[0]);
        d->c[1] = 1.0 + p[3] * (p[2] - p[1]) / (p[2] - p[0]);
        break;
    case TW_DIST_NORMAL:
        if (!(p[1] > 0.0))
            rc = tw_error_set(err, TW_ECONFIG, "normal: sd (%g) must be > 0", p[1]);
        break;
    case TW_DIST_TRUNCNORMAL: {
        if (!(p[1] > 0.0)) {
            rc = tw_error_set(err, TW_ECONFIG, "truncnormal: sd (%g) must be > 0", p[1]);
            break;
        }
        if ((rc = check_min_max(kname, p[2], p[3], err)) != TW_OK)
            break;
        double a = (p[2] - p[0]) / p[1], b = (p[3] - p[0]) / p[1];
        /* The CDF at the bounds is measured on the side of the smaller tail:
         * upper-tail masses Q if the whole interval lies above the mean,
         * lower-tail masses P otherwise. Differences of tail masses keep full
         * relative precision far out in a tail, where P(b) - P(a) computed
         * as 1 - ... would cancel to 0.
         *   c[0] = mass Z of [a, b];
         *   a > 0:  c[1] = Q(a), c[2] = Q(b);
         *   else:   c[1] = P(a), c[2] = P(b), c[3] = Q(b). */
        double mass;
        if (a > 0.0) {
            d->c[1] = gsl_cdf_ugaussian_Q(a);
            d->c[2] = gsl_cdf_ugaussian_Q(b);
            mass = d->c[1] - d->c[2];
        } else {
            d->c[1] = gsl_cdf_ugaussian_P(a);
            d->c[2] = gsl_cdf_ugaussian_P(b);
            d->c[3] = gsl_cdf_ugaussian_Q(b);
            mass = d->c[2] - d->c[1];
        }
        d->c[0] = mass;
        if (!(mass > 0.0))
            rc = tw_error_set(err, TW_ECONFIG,
                              "truncnormal: [min, max] = [%g, %g] holds no probability mass of "
                              "normal(mean=%g, sd=%g) (bounds %g and %g sd from the mean)",
                              p[2], p[3], p[0], p[1], a, b);
        break;
    }
    case TW_DIST_LOGNORMAL:
        if (!(p[1] > 0.0))
            rc = tw_error_set(err, TW_ECONFIG, "lognormal: sigma (%g) must be > 0", p[1]);
        break;
    case TW_DIST_BETA:
        if (!(p[0] > 0.0)) {
            rc = tw_error_set(err, TW_ECONFIG, "beta: a (%g) must be > 0", p[0]);
            break;
        }
        if (!(p[1] > 0.0)) {
            rc = tw_error_set(err, TW_ECONFIG, "beta: b (%g) must be > 0", p[1]);
            break;
        }
        rc = check_min_max(kname, p[2], p[3], err);
        d->c[0] = p[0];
        d->c[1] = p[1];
        break;
    case TW_DIST_BERNOULLI:
        if (!(p[0] >= 0.0 && p[0] <= 1.0))
            rc = tw_error_set(err, TW_ECONFIG, "bernoulli: p (%g) must be in [0, 1]", p[0]);
        break;
    default:
        rc = tw_error_set(err, TW_EINTERNAL, "unhandled distribution kind %d", (int)kind);
    }
    if (!rc)
        rc = check_finite_quantiles(kname, d, err);
    return rc;
}

int tw_dist_copy(tw_dist *dst, const tw_dist *src, tw_error *err)
{
    if (!dst || !src)
        return tw_error_set(err, TW_EINTERNAL, "tw_dist_copy: NULL argument");
    *dst = *src;
    dst->values = NULL;
    dst->cumw = NULL;
    if (src->kind == TW_DIST_DISCRETE && src->n > 0) {
        dst->values = malloc(src->n * sizeof *dst->values);
        dst->cumw = malloc(src->n * sizeof *dst->cumw);
        if (!dst->values || !dst->cumw) {
            tw_dist_free(dst);
            return tw_error_set(err, TW_ENOMEM, "out of memory copying a discrete distribution");
        }
        memcpy(dst->values, src->values, src->n * sizeof *dst->values);
        memcpy(dst->cumw, src->cumw, src->n * sizeof *dst->cumw);
    }
    return TW_OK;
}

/* ------------------------------------------------------------------------ */
/* Quantiles                                                                */

static double clamp_u(double u)
{
    /* designs never produce 0 or 1, but callers might (e.g. a median of 0.5
     * is fine, a hand-written 1.0 is not): clamp to the open interval so the
     * unbounded kinds return finite values */
    if (u <= 0.0)
        return DBL_TRUE_MIN;
    if (u >= 1.0)
        return nextafter(1.0, 0.0);
    return u;
}

/* Smallest index whose cumulative weight is >= u (binary search). */
static size_t discrete_index(const tw_dist *d, double u)
{
    size_t lo = 0, hi = d->n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->cumw[mid] >= u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static double clamp_to(double x, double lo, double hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* Inverse of the regularised incomplete beta function I_x(a, b) = u.
 *
 * GSL's gsl_cdf_beta_Pinv is not used: for legitimate shapes such as
 * beta(0.05, 0.05) near u = 1e-16 it fails to converge and calls the GSL
 * error handler, whose default aborts the process (and the handler is global
 * state, not ours to switch off from a hot, threaded path). Instead:
 * a safeguarded Newton iteration on the CDF in the tail with u <= 1/2
 * (flipping a, b and 1 - u otherwise, which is exact), started from the
 * lower-tail power law I_x ~ x^a / (a B(a, b)), inside a bracket that
 * shrinks every step and falls back to geometric bisection. */
static double beta_quantile(double u, double a, double b)
{
    int flip = u > 0.5;
    if (flip) {
        double t = a;
        a = b;
        b = t;
        u = 1.0 - u; /* exact for u in (0.5, 1) */
    }
    double lbeta = gsl_sf_lnbeta(a, b);
    double x = exp((log(u) + log(a) + lbeta) / a);
    if (!(x > 0.0) || !(x < 1.0))
        x = 0.5;
    double lo = 0.0, hi = 1.0;
    for (int it = 0; it < 200; it++) {
        double f = gsl_cdf_beta_P(x, a, b) - u;
        if (f == 0.0)
            break;
        if (f < 0.0)
            lo = x;
        else
            hi = x;
        double logpdf = (a - 1.0) * log(x) + (b - 1.0) * log1p(-x) - lbeta;
        double xn = x - f / exp(logpdf);
        if (!(xn > lo && xn < hi)) {
            /* Newton left the bracket: bisect, geometrically while the
             * bracket spans orders of magnitude (tiny quantiles) */
            if (lo == 0.0)
                xn = hi * 1e-3;
            else if (hi > 4.0 * lo)
                xn = sqrt(lo * hi);
            else
                xn = 0.5 * (lo + hi);
        }
        if (fabs(xn - x) <= 4.0 * DBL_EPSILON * xn) {
            x = xn;
            break;
        }
        x = xn;
        if (hi - lo <= 2.0 * DBL_EPSILON * hi)
            break;
    }
    return flip ? 1.0 - x : x;
}

static double truncnormal_quantile(const tw_dist *d, double u)
{
    double mean = d->p[0], sd = d->p[1];
    double a = (d->p[2] - mean) / sd, b = (d->p[3] - mean) / sd;
    double z;
    if (a > 0.0) {
        /* whole interval above the mean: interpolate upper-tail masses */
        z = gsl_cdf_ugaussian_Qinv(d->c[1] - u * d->c[0]);
    } else {
        double t = d->c[1] + u * d->c[0];
        if (t > 0.5 && b > 0.0) {
            /* the target lies in the upper half: 1 - t without cancellation
             * is Q(b) + (1 - u) Z */
            z = gsl_cdf_ugaussian_Qinv(d->c[3] + (1.0 - u) * d->c[0]);
        } else {
            z = gsl_cdf_ugaussian_Pinv(t);
        }
    }
    return clamp_to(mean + sd * z, d->p[2], d->p[3]);
}

double tw_dist_quantile(const tw_dist *d, double u)
{
    if (isnan(u))
        return NAN;
    u = clamp_u(u);
    const double *p = d->p;
    switch (d->kind) {
    case TW_DIST_CONSTANT:
        return p[0];
    case TW_DIST_UNIFORM:
        return clamp_to(p[0] + u * (p[1] - p[0]), p[0], p[1]);
    case TW_DIST_TRIANGULAR: {
        double lo = p[0], mode = p[1], hi = p[2];
        double fc = (mode - lo) / (hi - lo);
        double x;
        if (u < fc)
            x = lo + sqrt(u * (hi - lo) * (mode - lo));
        else
            x = hi - sqrt((1.0 - u) * (hi - lo) * (hi - mode));
        return clamp_to(x, lo, hi);
    }
    case TW_DIST_PERT:
        return clamp_to(p[0] + (p[2] - p[0]) * beta_quantile(u, d->c[0], d->c[1]), p[0],
                        p[2]);
    case TW_DIST_NORMAL:
        return p[0] + p[1] * gsl_cdf_ugaussian_Pinv(u);
    case TW_DIST_TRUNCNORMAL:
        return truncnormal_quantile(d, u);
    case TW_DIST_LOGNORMAL:
        return gsl_cdf_lognormal_Pinv(u, p[0], p[1]);
    case TW_DIST_BETA:
        return clamp_to(p[2] + (p[3] - p[2]) * beta_quantile(u, p[0], p[1]), p[2], p[3]);
    case TW_DIST_BERNOULLI:
        /* values {0, 1} with cumulative weights {1-p, 1} */
        return u <= 1.0 - p[0] ? 0.0 : 1.0;
    case TW_DIST_DISCRETE:
        return d->values[discrete_index(d, u)];
    default:
        return NAN;
    }
}

double tw_dist_median(const tw_dist *d)
{
    return tw_dist_quantile(d, 0.5);
}

/* ------------------------------------------------------------------------ */
/* CDF and moments                                                          */

static double truncnormal_cdf(const tw_dist *d, double x)
{
    if (x <= d->p[2])
        return 0.0;
    if (x >= d->p[3])
        return 1.0;
    double z = (x - d->p[0]) / d->p[1];
    double a = (d->p[2] - d->p[0]) / d->p[1];
    double r;
    if (a > 0.0)
        r = (d->c[1] - gsl_cdf_ugaussian_Q(z)) / d->c[0];
    else if (z > 0.0)
        r = 1.0 - (gsl_cdf_ugaussian_Q(z) - d->c[3]) / d->c[0];
    else
        r = (gsl_cdf_ugaussian_P(z) - d->c[1]) / d->c[0];
    return clamp_to(r, 0.0, 1.0);
}

double tw_dist_cdf(const tw_dist *d, double x)
{
    const double *p = d->p;
    if (isnan(x))
        return NAN;
    switch (d->kind) {
    case TW_DIST_CONSTANT:
        return x < p[0] ? 0.0 : 1.0;
    case TW_DIST_UNIFORM:
        return clamp_to((x - p[0]) / (p[1] - p[0]), 0.0, 1.0);
    case TW_DIST_TRIANGULAR: {
        double lo = p[0], mode = p[1], hi = p[2];
        if (x <= lo)
            return 0.0;
        if (x >= hi)
            return 1.0;
        if (x <= mode)
            return (x - lo) * (x - lo) / ((hi - lo) * (mode - lo));
        return 1.0 - (hi - x) * (hi - x) / ((hi - lo) * (hi - mode));
    }
    case TW_DIST_PERT:
        if (x <= p[0])
            return 0.0;
        if (x >= p[2])
            return 1.0;
        return gsl_cdf_beta_P((x - p[0]) / (p[2] - p[0]), d->c[0], d->c[1]);
    case TW_DIST_NORMAL:
        return gsl_cdf_ugaussian_P((x - p[0]) / p[1]);
    case TW_DIST_TRUNCNORMAL:
        return truncnormal_cdf(d, x);
    case TW_DIST_LOGNORMAL:
        return x <= 0.0 ? 0.0 : gsl_cdf_lognormal_P(x, p[0], p[1]);
    case TW_DIST_BETA:
        if (x <= p[2])
            return 0.0;
        if (x >= p[3])
            return 1.0;
        return gsl_cdf_beta_P((x - p[2]) / (p[3] - p[2]), p[0], p[1]);
    case TW_DIST_BERNOULLI:
        return x < 0.0 ? 0.0 : (x < 1.0 ? 1.0 - p[0] : 1.0);
    case TW_DIST_DISCRETE: {
        double c = 0.0;
        for (size_t i = 0; i < d->n && d->values[i] <= x; i++)
            c = d->cumw[i];
        return c;
    }
    default:
        return NAN;
    }
}

/* Standard normal density, written out so the module does not depend on
 * which GSL randist header a version puts it in. */
static double phi(double z)
{
    return exp(-0.5 * z * z) / sqrt(2.0 * M_PI);
}

/* Mean and variance of the standard normal truncated to [a, b]; the mass Z
 * comes from the same tail-side differences as the quantile. */
static void truncnormal_moments(const tw_dist *d, double *mean, double *var)
{
    double a = (d->p[2] - d->p[0]) / d->p[1], b = (d->p[3] - d->p[0]) / d->p[1];
    double z = d->c[0];
    double pa = phi(a), pb = phi(b);
    double m = (pa - pb) / z;
    double v = 1.0 + (a * pa - b * pb) / z - m * m;
    if (v < 0.0)
        v = 0.0;
    *mean = d->p[0] + d->p[1] * m;
    *var = d->p[1] * d->p[1] * v;
}

double tw_dist_mean(const tw_dist *d)
{
    const double *p = d->p;
    switch (d->kind) {
    case TW_DIST_CONSTANT:
        return p[0];
    case TW_DIST_UNIFORM:
        return 0.5 * (p[0] + p[1]);
    case TW_DIST_TRIANGULAR:
        return (p[0] + p[1] + p[2]) / 3.0;
    case TW_DIST_PERT:
        return (p[0] + p[3] * p[1] + p[2]) / (p[3] + 2.0);
    case TW_DIST_NORMAL:
        return p[0];
    case TW_DIST_TRUNCNORMAL: {
        double m, v;
        truncnormal_moments(d, &m, &v);
        return m;
    }
    case TW_DIST_LOGNORMAL:
        return exp(p[0] + 0.5 * p[1] * p[1]);
    case TW_DIST_BETA:
        return p[2] + (p[3] - p[2]) * p[0] / (p[0] + p[1]);
    case TW_DIST_BERNOULLI:
        return p[0];
    case TW_DIST_DISCRETE: {
        double m = 0.0, prev = 0.0;
        for (size_t i = 0; i < d->n; i++) {
            m += (d->cumw[i] - prev) * d->values[i];
            prev = d->cumw[i];
        }
        return m;
    }
    default:
        return NAN;
    }
}

double tw_dist_variance(const tw_dist *d)
{
    const double *p = d->p;
    switch (d->kind) {
    case TW_DIST_CONSTANT:
        return 0.0;
    case TW_DIST_UNIFORM:
        return (p[1] - p[0]) * (p[1] - p[0]) / 12.0;
    case TW_DIST_TRIANGULAR: {
        double a = p[0], c = p[1], b = p[2];
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0;
    }
    case TW_DIST_PERT: {
        double al = d->c[0], be = d->c[1], w = p[2] - p[0];
        return w * w * al * be / ((al + be) * (al + be) * (al + be + 1.0));
    }
    case TW_DIST_NORMAL:
        return p[1] * p[1];
    case TW_DIST_TRUNCNORMAL: {
        double m, v;
        truncnormal_moments(d, &m, &v);
        return v;
    }
    case TW_DIST_LOGNORMAL: {
        double s2 = p[1] * p[1];
        return expm1(s2) * exp(2.0 * p[0] + s2);
    }
    case TW_DIST_BETA: {
        double a = p[0], b = p[1], w = p[3] - p[2];
        return w * w * a * b / ((a + b) * (a + b) * (a + b + 1.0));
    }
    case TW_DIST_BERNOULLI:
        return p[0] * (1.0 - p[0]);
    case TW_DIST_DISCRETE: {
        double m = tw_dist_mean(d), v = 0.0, prev = 0.0;
        for (size_t i = 0; i < d->n; i++) {
            double dv = d->values[i] - m;
            v += (d->cumw[i] - prev) * dv * dv;
            prev = d->cumw[i];
        }
        return v;
    }
    default:
        return NAN;
    }
}

double tw_dist_lower(const tw_dist *d)
{
    const double *p = d->p;
    switch (d->kind) {
    case TW_DIST_CONSTANT:
    case TW_DIST_UNIFORM:
    case TW_DIST_TRIANGULAR:
    case TW_DIST_PERT:
        return p[0];
    case TW_DIST_NORMAL:
        return -INFINITY;
    case TW_DIST_TRUNCNORMAL:
    case TW_DIST_BETA:
        return p[2];
    case TW_DIST_LOGNORMAL:
        return 0.0;
    case TW_DIST_BERNOULLI:
        return p[0] < 1.0 ? 0.0 : 1.0;
    case TW_DIST_DISCRETE:
        /* the smallest value that carries weight */
        for (size_t i = 0; i < d->n; i++)
            if (d->cumw[i] > 0.0)
                return d->values[i];
        return d->values[d->n - 1];
    default:
        return NAN;
    }
}

double tw_dist_upper(const tw_dist *d)
{
    const double *p = d->p;
    switch (d->kind) {
    case TW_DIST_CONSTANT:
        return p[0];
    case TW_DIST_UNIFORM:
        return p[1];
    case TW_DIST_TRIANGULAR:
    case TW_DIST_PERT:
        return p[2];
    case TW_DIST_NORMAL:
    case TW_DIST_LOGNORMAL:
        return INFINITY;
    case TW_DIST_TRUNCNORMAL:
    case TW_DIST_BETA:
        return p[3];
    case TW_DIST_BERNOULLI:
        return p[0] > 0.0 ? 1.0 : 0.0;
    case TW_DIST_DISCRETE:
        /* the largest value that carries weight */
        for (size_t i = d->n; i-- > 1;)
            if (d->cumw[i] > d->cumw[i - 1])
                return d->values[i];
        return d->values[0];
    default:
        return NAN;
    }
}

int tw_dist_is_constant(const tw_dist *d)
{
    return tw_dist_lower(d) == tw_dist_upper(d);
}

int tw_dist_describe(const tw_dist *d, char *buf, size_t size)
{
    if (!buf || size == 0)
        return TW_EINTERNAL;
    const char *kname = tw_dist_kind_name(d->kind);
    size_t len = 0;
    int w = snprintf(buf, size, "%s(", kname);
    if (w < 0)
        return TW_EINTERNAL;
    len = (size_t)w;
    if (d->kind == TW_DIST_DISCRETE) {
        double prev = 0.0;
        for (size_t i = 0; i < d->n && len < size; i++) {
            w = snprintf(buf + len, size - len, "%s%g:%g", i ? ", " : "values:weights=", d->values[i],
                         d->cumw[i] - prev);
            prev = d->cumw[i];
            if (w < 0)
                return TW_EINTERNAL;
            len += (size_t)w;
        }
    } else {
        const char *const *names = all_names(d->kind);
        for (size_t i = 0; names[i] && len < size; i++) {
            w = snprintf(buf + len, size - len, "%s%s=%g", i ? ", " : "", names[i], d->p[i]);
            if (w < 0)
                return TW_EINTERNAL;
            len += (size_t)w;
        }
    }
    if (len < size) {
        w = snprintf(buf + len, size - len, ")");
        if (w < 0)
            return TW_EINTERNAL;
        len += (size_t)w;
    }
    /* truncated output is still a NUL-terminated prefix */
    return len < size ? TW_OK : TW_EINTERNAL;
}
