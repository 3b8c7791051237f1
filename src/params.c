/* tradewar: the parameter space: marginals plus Gaussian copula groups
 * (see params.h).
 *
 * Built once, single-threaded, while the config is read; afterwards only
 * const functions run (tw_params_map from every thread at once), so nothing
 * here caches or mutates during a map.
 */
#include "tradewar/params.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>

typedef struct tw_group {
    size_t k;
    size_t *idx; /* parameter indices, in the order of the matrix */
    double *L;   /* k x k lower Cholesky factor of the correlation, row-major */
} tw_group;

struct tw_params {
    size_t n, cap;
    tw_param *p;
    long *group_of; /* group index of each parameter, -1 if independent */
    size_t ngroups;
    tw_group *g;
    size_t max_k; /* largest group: the scratch tw_params_map needs */
};

/* strdup (POSIX 2008: the build defines _POSIX_C_SOURCE), but NULL stays
 * NULL (units and description are optional). */
static char *dup_str(const char *s) { return s ? strdup(s) : NULL; }

tw_params *tw_params_new(void)
{
    return calloc(1, sizeof(tw_params));
}

void tw_params_free(tw_params *ps)
{
    if (!ps)
        return;
    for (size_t i = 0; i < ps->n; i++) {
        free(ps->p[i].name);
        free(ps->p[i].units);
        free(ps->p[i].description);
        tw_dist_free(&ps->p[i].dist);
    }
    for (size_t j = 0; j < ps->ngroups; j++) {
        free(ps->g[j].idx);
        free(ps->g[j].L);
    }
    free(ps->p);
    free(ps->group_of);
    free(ps->g);
    free(ps);
}

size_t tw_params_count(const tw_params *ps)
{
    return ps ? ps->n : 0;
}

const tw_param *tw_params_get(const tw_params *ps, size_t i)
{
    return ps && i < ps->n ? &ps->p[i] : NULL;
}

long tw_params_find(const tw_params *ps, const char *name)
{
    if (!ps || !name)
        return -1;
    for (size_t i = 0; i < ps->n; i++)
        if (strcmp(ps->p[i].name, name) == 0)
            return (long)i;
    return -1;
}

int tw_params_add(tw_params *ps, const char *name, const char *units, const char *description,
                  const tw_dist *dist, tw_error *err)
{
    if (!ps || !dist)
        return tw_error_set(err, TW_EINTERNAL, "tw_params_add: NULL argument");
    if (!name || !*name)
        return tw_error_set(err, TW_ECONFIG, "parameter name must not be empty");
    if (tw_params_find(ps, name) >= 0)
        return tw_error_set(err, TW_ECONFIG, "parameter '%s' is defined twice", name);
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? 2 * ps->cap : 16;
        tw_param *np = realloc(ps->p, cap * sizeof *np);
        if (!np)
            return tw_error_set(err, TW_ENOMEM, "out of memory adding parameter '%s'", name);
        ps->p = np;
        long *ng = realloc(ps->group_of, cap * sizeof *ng);
        if (!ng)
            return tw_error_set(err, TW_ENOMEM, "out of memory adding parameter '%s'", name);
        ps->group_of = ng;
        ps->cap = cap;
    }
    tw_param *p = &ps->p[ps->n];
    memset(p, 0, sizeof *p);
    p->name = dup_str(name);
    p->units = dup_str(units);
    p->description = dup_str(description);
    if (!p->name || (units && !p->units) || (description && !p->description)) {
        free(p->name);
        free(p->units);
        free(p->description);
        return tw_error_set(err, TW_ENOMEM, "out of memory adding parameter '%s'", name);
    }
    int rc = tw_dist_copy(&p->dist, dist, err);
    if (rc != TW_OK) {
        free(p->name);
        free(p->units);
        free(p->description);
        return tw_error_prefix(err, "parameter '%s': ", name);
    }
    p->lo = -INFINITY;
    p->hi = INFINITY;
    ps->group_of[ps->n] = -1;
    ps->n++;
    return TW_OK;
}

/* The values a distribution can draw are [Q(0), Q(1)] (the quantile clamps
 * u into the open interval the designs use), not its mathematical support:
 * a lognormal is fine for a parameter bounded above if its tail cannot
 * reach the bound in double precision. */
static int check_domain(const tw_param *p, const tw_dist *d, tw_error *err)
{
    if (p->lo == -INFINITY && p->hi == INFINITY)
        return TW_OK;
    double qlo = tw_dist_quantile(d, 0.0), qhi = tw_dist_quantile(d, 1.0);
    int below = p->lo_open ? !(qlo > p->lo) : !(qlo >= p->lo);
    if (below || !(qhi <= p->hi)) {
        char desc[256];
        tw_dist_describe(d, desc, sizeof desc);
        return tw_error_set(err, TW_ECONFIG, "%s draws values in [%g, %g], outside the range "
                            "%c%g, %g] of '%s' (%s)", desc, qlo, qhi, p->lo_open ? '(' : '[',
                            p->lo, p->hi, p->name,
                            p->domain_why ? p->domain_why : "the model's domain");
    }
    return TW_OK;
}

int tw_params_set_domain(tw_params *ps, size_t i, double lo, int lo_open, double hi,
                         const char *why, tw_error *err)
{
    if (!ps || i >= ps->n)
        return tw_error_set(err, TW_EINTERNAL, "tw_params_set_domain: bad index %zu", i);
    tw_param *p = &ps->p[i];
    p->lo = lo;
    p->lo_open = lo_open != 0;
    p->hi = hi;
    p->domain_why = why;
    return check_domain(p, &p->dist, err);
}

int tw_params_set_dist(tw_params *ps, size_t i, const tw_dist *dist, tw_error *err)
{
    if (!ps || !dist || i >= ps->n)
        return tw_error_set(err, TW_EINTERNAL, "tw_params_set_dist: bad index %zu", i);
    tw_dist copy;
    int rc = check_domain(&ps->p[i], dist, err);
    if (rc != TW_OK)
        return rc;
    rc = tw_dist_copy(&copy, dist, err);
    if (rc != TW_OK)
        return tw_error_prefix(err, "parameter '%s': ", ps->p[i].name);
    tw_dist_free(&ps->p[i].dist);
    ps->p[i].dist = copy;
    return TW_OK;
}

size_t tw_params_group_count(const tw_params *ps)
{
    return ps ? ps->ngroups : 0;
}

long tw_params_group_of(const tw_params *ps, size_t i)
{
    return ps && i < ps->n && ps->group_of ? ps->group_of[i] : -1;
}

/* Cholesky of the leading m x m block of corr with GSL. GSL reports a
 * non-positive-definite matrix through its error handler, whose default
 * aborts the process: switch it off around the call. Groups are declared
 * while the config is read, before any thread starts, so the brief change of
 * that global is safe. Returns 0 if positive definite (L filled), else 1. */
static int cholesky(const double *corr, size_t k, size_t m, gsl_matrix *a)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++)
            gsl_matrix_set(a, i, j, corr[i * k + j]);
    gsl_matrix_view sub = gsl_matrix_submatrix(a, 0, 0, m, m);
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int st = gsl_linalg_cholesky_decomp1(&sub.matrix);
    gsl_set_error_handler(old);
    if (st != GSL_SUCCESS)
        return 1;
    /* decomp1 can succeed on a matrix whose last pivot is tiny but positive
     * through rounding; a factor with a zero or NaN diagonal is no use */
    for (size_t i = 0; i < m; i++) {
        double dii = gsl_matrix_get(a, i, i);
        if (!(dii > 0.0) || !isfinite(dii))
            return 1;
    }
    return 0;
}

int tw_params_add_group(tw_params *ps, const size_t *idx, size_t k, const double *corr,
                        tw_error *err)
{
    if (!ps)
        return tw_error_set(err, TW_EINTERNAL, "tw_params_add_group: NULL parameters");
    if (k == 0 || !idx || !corr)
        return tw_error_set(err, TW_ECONFIG, "correlation group is empty");
    for (size_t i = 0; i < k; i++) {
        if (idx[i] >= ps->n)
            return tw_error_set(err, TW_ECONFIG,
                                "correlation group: parameter index %zu out of range (%zu "
                                "parameters)",
                                idx[i], ps->n);
        const char *ni = ps->p[idx[i]].name;
        for (size_t j = 0; j < i; j++)
            if (idx[j] == idx[i])
                return tw_error_set(err, TW_ECONFIG,
                                    "correlation group: parameter '%s' appears twice", ni);
        if (ps->group_of[idx[i]] >= 0)
            return tw_error_set(err, TW_ECONFIG,
                                "correlation group: parameter '%s' is already in another "
                                "correlation group",
                                ni);
    }
    for (size_t i = 0; i < k; i++) {
        const char *ni = ps->p[idx[i]].name;
        double dii = corr[i * k + i];
        if (dii != 1.0)
            return tw_error_set(err, TW_ECONFIG,
                                "correlation matrix: diagonal entry of '%s' is %g, must be 1", ni,
                                dii);
        for (size_t j = 0; j < k; j++) {
            if (j == i)
                continue;
            const char *nj = ps->p[idx[j]].name;
            double r = corr[i * k + j], rt = corr[j * k + i];
            if (!isfinite(r) || fabs(r) > 1.0)
                return tw_error_set(err, TW_ECONFIG,
                                    "correlation between '%s' and '%s' (%g) must be in [-1, 1]", ni,
                                    nj, r);
            if (fabs(r - rt) > 1e-12)
                return tw_error_set(err, TW_ECONFIG,
                                    "correlation matrix is not symmetric: ('%s', '%s') = %g but "
                                    "('%s', '%s') = %g",
                                    ni, nj, r, nj, ni, rt);
        }
    }

    gsl_matrix *a = gsl_matrix_alloc(k, k);
    if (!a)
        return tw_error_set(err, TW_ENOMEM, "out of memory for a %zu x %zu correlation matrix", k, k);
    if (cholesky(corr, k, k, a)) {
        /* find the smallest leading block that already fails, so that the
         * message points at the parameters involved */
        size_t m = 2;
        while (m < k && !cholesky(corr, k, m, a))
            m++;
        gsl_matrix_free(a);
        char names[512];
        size_t len = 0;
        names[0] = '\0';
        for (size_t i = 0; i < m && len < sizeof names; i++) {
            int w = snprintf(names + len, sizeof names - len, "%s'%s'", i ? ", " : "",
                             ps->p[idx[i]].name);
            if (w < 0)
                break;
            len += (size_t)w;
        }
        return tw_error_set(err, TW_ECONFIG,
                            "correlation matrix is not positive definite: the correlations among "
                            "%s are inconsistent (|r| = 1 or an impossible combination)",
                            names);
    }

    tw_group *ng = realloc(ps->g, (ps->ngroups + 1) * sizeof *ng);
    if (!ng) {
        gsl_matrix_free(a);
        return tw_error_set(err, TW_ENOMEM, "out of memory for a correlation group");
    }
    ps->g = ng;
    tw_group *g = &ps->g[ps->ngroups];
    g->k = k;
    g->idx = malloc(k * sizeof *g->idx);
    g->L = calloc(k * k, sizeof *g->L);
    if (!g->idx || !g->L) {
        free(g->idx);
        free(g->L);
        gsl_matrix_free(a);
        return tw_error_set(err, TW_ENOMEM, "out of memory for a correlation group");
    }
    memcpy(g->idx, idx, k * sizeof *idx);
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j <= i; j++)
            g->L[i * k + j] = gsl_matrix_get(a, i, j);
    gsl_matrix_free(a);
    for (size_t i = 0; i < k; i++)
        ps->group_of[idx[i]] = (long)ps->ngroups;
    ps->ngroups++;
    if (k > ps->max_k)
        ps->max_k = k;
    return TW_OK;
}

size_t tw_params_work_size(const tw_params *ps)
{
    return ps ? ps->max_k : 0;
}

void tw_params_map(const tw_params *ps, const double *u, double *x, double *work)
{
    for (size_t i = 0; i < ps->n; i++)
        if (ps->group_of[i] < 0)
            x[i] = tw_dist_quantile(&ps->p[i].dist, u[i]);
    for (size_t j = 0; j < ps->ngroups; j++) {
        const tw_group *g = &ps->g[j];
        double *z = work;
        for (size_t i = 0; i < g->k; i++)
            z[i] = gsl_cdf_ugaussian_Pinv(u[g->idx[i]]);
        /* y = L z from the bottom row up, so that z can be overwritten in
         * place: row i only reads z[0..i] */
        for (size_t i = g->k; i-- > 0;) {
            double y = 0.0;
            for (size_t c = 0; c <= i; c++)
                y += g->L[i * g->k + c] * z[c];
            z[i] = y;
        }
        /* Phi(y) rounds to 1 above y ~ 8.3 (probability 1e-16 per value);
         * tw_dist_quantile then clamps it to the largest u below 1 */
        for (size_t i = 0; i < g->k; i++) {
            size_t p = g->idx[i];
            x[p] = tw_dist_quantile(&ps->p[p].dist, gsl_cdf_ugaussian_P(z[i]));
        }
    }
}

void tw_params_medians(const tw_params *ps, double *x)
{
    for (size_t i = 0; i < ps->n; i++)
        x[i] = tw_dist_median(&ps->p[i].dist);
}
