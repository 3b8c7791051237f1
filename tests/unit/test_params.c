/* Unit tests of src/params.c: the parameter list, validation of correlation
 * groups (every error path names the parameters), the independent and the
 * Gaussian-copula mapping (rank correlation, marginals), medians. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>

#include "num_test_util.h"
#include "tradewar/design.h"
#include "tradewar/params.h"

static void add(tw_params *ps, const char *name, tw_dist d)
{
    tw_error err = {0};
    if (tw_params_add(ps, name, "1", "test parameter", &d, &err) != TW_OK)
        fail_msg("add %s: %s", name, err.msg);
    tw_dist_free(&d);
}

/* a: normal, b: uniform, c: beta, d: triangular, e: lognormal */
static tw_params *five(void)
{
    tw_params *ps = tw_params_new();
    assert_non_null(ps);
    add(ps, "a", dist_make(TW_DIST_NORMAL, 1, 2, 0, 0));
    add(ps, "b", dist_make(TW_DIST_UNIFORM, 0, 10, 0, 0));
    add(ps, "c", dist_make(TW_DIST_BETA, 2, 5, 0, 1));
    add(ps, "d", dist_make(TW_DIST_TRIANGULAR, 0.3, 1.45, 1.45, 0));
    add(ps, "e", dist_make(TW_DIST_LOGNORMAL, 0, 0.5, 0, 0));
    return ps;
}

static void test_list(void **state)
{
    (void)state;
    tw_params *ps = five();
    tw_error err = {0};
    assert_int_equal(tw_params_count(ps), 5);
    assert_int_equal(tw_params_find(ps, "c"), 2);
    assert_int_equal(tw_params_find(ps, "z"), -1);
    assert_int_equal(tw_params_find(ps, NULL), -1);
    const tw_param *p = tw_params_get(ps, 1);
    assert_string_equal(p->name, "b");
    assert_string_equal(p->units, "1");
    assert_string_equal(p->description, "test parameter");
    assert_int_equal(p->dist.kind, TW_DIST_UNIFORM);
    assert_null(tw_params_get(ps, 5));

    tw_dist d = dist_make(TW_DIST_CONSTANT, 3, 0, 0, 0);
    assert_int_equal(tw_params_add(ps, "b", NULL, NULL, &d, &err), TW_ECONFIG);
    assert_non_null(strstr(err.msg, "'b'"));
    assert_non_null(strstr(err.msg, "twice"));
    assert_int_equal(tw_params_add(ps, "", NULL, NULL, &d, &err), TW_ECONFIG);
    assert_int_equal(tw_params_count(ps), 5);
    /* units and description are optional */
    assert_int_equal(tw_params_add(ps, "f", NULL, NULL, &d, &err), TW_OK);
    assert_null(tw_params_get(ps, 5)->units);

    /* set_dist deep-copies a discrete distribution */
    double v[2] = {1, 2}, w[2] = {1, 1};
    tw_dist disc;
    assert_int_equal(tw_dist_init(&disc, TW_DIST_DISCRETE, NULL, v, w, 2, &err), TW_OK);
    assert_int_equal(tw_params_set_dist(ps, 5, &disc, &err), TW_OK);
    tw_dist_free(&disc);
    assert_true(tw_dist_quantile(&tw_params_get(ps, 5)->dist, 0.9) == 2.0);
    assert_int_not_equal(tw_params_set_dist(ps, 9, &d, &err), TW_OK);

    /* many parameters: the list grows */
    for (int i = 0; i < 100; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", i);
        assert_int_equal(tw_params_add(ps, name, NULL, NULL, &d, &err), TW_OK);
    }
    assert_int_equal(tw_params_find(ps, "p99"), 105);
    tw_params_free(ps);
    tw_params_free(NULL);
}

/* expect TW_ECONFIG with every needle in the message */
static void expect_group_error(tw_params *ps, const size_t *idx, size_t k, const double *corr,
                               const char *n1, const char *n2)
{
    tw_error err = {0};
    int rc = tw_params_add_group(ps, idx, k, corr, &err);
    if (rc != TW_ECONFIG)
        fail_msg("rc %d, expected TW_ECONFIG (%s)", rc, err.msg);
    if (n1 && !strstr(err.msg, n1))
        fail_msg("message '%s' lacks '%s'", err.msg, n1);
    if (n2 && !strstr(err.msg, n2))
        fail_msg("message '%s' lacks '%s'", err.msg, n2);
}

static void test_group_errors(void **state)
{
    (void)state;
    tw_params *ps = five();
    const size_t ab[2] = {0, 1}, aa[2] = {0, 0}, ax[2] = {0, 7}, abc[3] = {0, 1, 2};
    const double ok2[4] = {1, 0.5, 0.5, 1};
    const double diag[4] = {1, 0.5, 0.5, 0.9};
    const double big[4] = {1, 1.2, 1.2, 1};
    const double asym[4] = {1, 0.5, 0.4, 1};
    const double one[4] = {1, 1, 1, 1};
    const double nan2[4] = {1, NAN, NAN, 1};
    /* pairwise fine, jointly impossible */
    const double npd[9] = {1, 0.9, 0.9, 0.9, 1, -0.9, 0.9, -0.9, 1};

    expect_group_error(ps, ab, 0, ok2, "empty", NULL);
    expect_group_error(ps, ax, 2, ok2, "7", "out of range");
    expect_group_error(ps, aa, 2, ok2, "'a'", "twice");
    expect_group_error(ps, ab, 2, diag, "'b'", "diagonal");
    expect_group_error(ps, ab, 2, big, "'a' and 'b'", "[-1, 1]");
    expect_group_error(ps, ab, 2, nan2, "'a' and 'b'", "[-1, 1]");
    expect_group_error(ps, ab, 2, asym, "not symmetric", "'b'");
    expect_group_error(ps, ab, 2, one, "not positive definite", "'a', 'b'");
    expect_group_error(ps, abc, 3, npd, "not positive definite", "'a', 'b', 'c'");
    assert_int_equal(tw_params_group_count(ps), 0);
    assert_int_equal(tw_params_work_size(ps), 0);

    tw_error err = {0};
    assert_int_equal(tw_params_add_group(ps, ab, 2, ok2, &err), TW_OK);
    assert_int_equal(tw_params_group_count(ps), 1);
    const size_t bc[2] = {1, 2};
    expect_group_error(ps, bc, 2, ok2, "'b'", "already");
    tw_params_free(ps);
}

/* Without groups x_i = Q_i(u_i) exactly; medians are quantile(0.5). */
static void test_map_independent(void **state)
{
    (void)state;
    tw_params *ps = five();
    double u[5] = {0.1, 0.2, 0.3, 0.4, 0.975}, x[5], med[5];
    tw_params_map(ps, u, x, NULL);
    for (int i = 0; i < 5; i++)
        assert_true(x[i] == tw_dist_quantile(&tw_params_get(ps, (size_t)i)->dist, u[i]));
    assert_close(x[1], 2.0, 1e-15);
    assert_close(x[4], exp(0.5 * 1.959963984540054), 1e-12);
    tw_params_medians(ps, med);
    assert_close(med[0], 1.0, 1e-14);
    assert_close(med[1], 5.0, 1e-14);
    assert_close(med[4], 1.0, 1e-14);
    assert_close(med[3], 0.3 + 1.15 * sqrt(0.5), 1e-14);
    /* an identity group changes nothing (up to Phi(Phi^-1(u)) rounding) */
    const size_t ac[2] = {0, 2};
    const double id[4] = {1, 0, 0, 1};
    tw_error err = {0};
    assert_int_equal(tw_params_add_group(ps, ac, 2, id, &err), TW_OK);
    assert_int_equal(tw_params_work_size(ps), 2);
    double y[5], work[2];
    tw_params_map(ps, u, y, work);
    for (int i = 0; i < 5; i++)
        assert_close(y[i], x[i], 1e-12 * (1 + fabs(x[i])));
    tw_params_free(ps);
}

static int cmp_idx_val(const void *a, const void *b)
{
    const double *x = *(const double *const *)a, *y = *(const double *const *)b;
    return (*x > *y) - (*x < *y);
}

/* ranks 0..n-1 of column j of an n x D row-major table */
static void ranks(const double *t, size_t n, size_t D, size_t j, double *r)
{
    const double **p = malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = &t[i * D + j];
    qsort(p, n, sizeof *p, cmp_idx_val);
    for (size_t i = 0; i < n; i++)
        r[(size_t)(p[i] - t - j) / D] = (double)i;
    free(p);
}

static double pearson(const double *x, const double *y, size_t n)
{
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= n;
    my /= n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxy / sqrt(sxx * syy);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Kolmogorov–Smirnov distance of column j from its marginal CDF. */
static double ks(const double *t, size_t n, size_t D, size_t j, const tw_dist *d)
{
    double *c = malloc(n * sizeof *c);
    for (size_t i = 0; i < n; i++)
        c[i] = t[i * D + j];
    qsort(c, n, sizeof *c, cmp_double);
    double dmax = 0;
    for (size_t i = 0; i < n; i++) {
        double f = tw_dist_cdf(d, c[i]);
        double d1 = fabs(f - (double)i / n), d2 = fabs(f - (double)(i + 1) / n);
        dmax = fmax(dmax, fmax(d1, d2));
    }
    free(c);
    return dmax;
}

/* Group (a, b, c) with correlations 0.6, -0.3, 0.2; e in a second group
 * with d (0.8); 20000 MC points. Spearman's rho of a Gaussian copula is
 * (6/pi) asin(r/2); the normal scores Phi^-1(F(x)) have Pearson r. */
static void test_copula(void **state)
{
    (void)state;
    enum { N = 20000, D = 5 };
    tw_params *ps = five();
    tw_error err = {0};
    const size_t abc[3] = {0, 1, 2};
    const double r3[9] = {1, 0.6, -0.3, 0.6, 1, 0.2, -0.3, 0.2, 1};
    assert_int_equal(tw_params_add_group(ps, abc, 3, r3, &err), TW_OK);
    const size_t ed[2] = {4, 3}; /* order in the group need not follow the list */
    const double r2[4] = {1, 0.8, 0.8, 1};
    assert_int_equal(tw_params_add_group(ps, ed, 2, r2, &err), TW_OK);
    assert_int_equal(tw_params_work_size(ps), 3);

    tw_design *des = NULL;
    assert_int_equal(tw_design_create(TW_DESIGN_MC, 31337, N, D, &des, &err), TW_OK);
    double *t = malloc((size_t)N * D * sizeof *t);
    double *z = malloc((size_t)N * D * sizeof *z);
    double u[D], work[3];
    for (size_t s = 0; s < N; s++) {
        tw_design_point(des, s, u);
        tw_params_map(ps, u, &t[s * D], work);
        for (size_t j = 0; j < D; j++) {
            const tw_dist *dj = &tw_params_get(ps, j)->dist;
            double x = t[s * D + j];
            assert_true(x >= tw_dist_lower(dj) && x <= tw_dist_upper(dj));
        }
    }
    /* marginals preserved: KS distance below the 0.1% critical value */
    for (size_t j = 0; j < D; j++) {
        double dks = ks(t, N, D, j, &tw_params_get(ps, j)->dist);
        if (!(dks < 1.95 / sqrt(N)))
            fail_msg("marginal of '%s' changed: KS %.4f", tw_params_get(ps, j)->name, dks);
    }
    double *ri = malloc(N * sizeof *ri), *rj = malloc(N * sizeof *rj);
    double *zi = malloc(N * sizeof *zi), *zj = malloc(N * sizeof *zj);
    /* target correlation of each pair (0 across groups) */
    double R[D][D] = {{1, 0.6, -0.3, 0, 0},
                      {0.6, 1, 0.2, 0, 0},
                      {-0.3, 0.2, 1, 0, 0},
                      {0, 0, 0, 1, 0.8},
                      {0, 0, 0, 0.8, 1}};
    for (size_t i = 0; i < D; i++)
        for (size_t j = i + 1; j < D; j++) {
            ranks(t, N, D, i, ri);
            ranks(t, N, D, j, rj);
            double rho = pearson(ri, rj, N);
            double want = 6.0 / M_PI * asin(R[i][j] / 2.0);
            /* SE of Spearman's rho ~ 1/sqrt(n) = 0.007 */
            if (!(fabs(rho - want) < 0.03))
                fail_msg("Spearman(%zu, %zu) = %.4f, expected %.4f", i, j, rho, want);
            const tw_dist *di = &tw_params_get(ps, i)->dist, *dj = &tw_params_get(ps, j)->dist;
            for (size_t s = 0; s < N; s++) {
                zi[s] = gsl_cdf_ugaussian_Pinv(tw_dist_cdf(di, t[s * D + i]));
                zj[s] = gsl_cdf_ugaussian_Pinv(tw_dist_cdf(dj, t[s * D + j]));
            }
            double r = pearson(zi, zj, N);
            if (!(fabs(r - R[i][j]) < 0.03))
                fail_msg("normal-score correlation (%zu, %zu) = %.4f, expected %.2f", i, j, r,
                         R[i][j]);
        }
    free(ri);
    free(rj);
    free(zi);
    free(zj);
    free(t);
    free(z);
    tw_design_free(des);
    tw_params_free(ps);
}

/* Designs and the copula are const after creation: points mapped by many
 * threads at once, in any order, equal the serial result bit for bit. */
static void test_threads_deterministic(void **state)
{
    (void)state;
#ifdef _OPENMP
    enum { N = 4096, D = 5 };
    tw_params *ps = five();
    tw_error err = {0};
    const size_t abc[3] = {0, 1, 2};
    const double r3[9] = {1, 0.6, -0.3, 0.6, 1, 0.2, -0.3, 0.2, 1};
    assert_int_equal(tw_params_add_group(ps, abc, 3, r3, &err), TW_OK);
    for (int kind = 0; kind < 3; kind++) {
        tw_design *des = NULL;
        assert_int_equal(tw_design_create((tw_design_kind)kind, 5, N, D, &des, &err), TW_OK);
        double *ser = malloc((size_t)N * D * sizeof *ser);
        double *par = malloc((size_t)N * D * sizeof *par);
        double u[D], work[3];
        for (size_t s = 0; s < N; s++) {
            tw_design_point(des, s, u);
            tw_params_map(ps, u, &ser[s * D], work);
        }
#pragma omp parallel num_threads(4)
        {
            double ut[D], wt[3]; /* per-thread scratch */
#pragma omp for schedule(dynamic, 7)
            for (long s = N - 1; s >= 0; s--) {
                tw_design_point(des, (uint64_t)s, ut);
                tw_params_map(ps, ut, &par[(size_t)s * D], wt);
            }
        }
        assert_memory_equal(ser, par, (size_t)N * D * sizeof *ser);
        free(ser);
        free(par);
        tw_design_free(des);
    }
    tw_params_free(ps);
#else
    /* Threads are what this test is about; a build without OpenMP cannot
     * check them. Say so, and under the full suite (TW_NO_SKIP=1, as
     * tools/run-tests.sh and CI set it) fail rather than skip quietly. */
    const char *noskip = getenv("TW_NO_SKIP");
    if (noskip && strcmp(noskip, "1") == 0)
        fail_msg("built without OpenMP: thread determinism cannot be checked, "
                 "and TW_NO_SKIP=1 allows no skip");
    print_message("skipped: built without OpenMP (thread determinism not checked)\n");
    skip();
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_group_errors),
        cmocka_unit_test(test_map_independent),
        cmocka_unit_test(test_copula),
        cmocka_unit_test(test_threads_deterministic),
    };
    return cmocka_run_group_tests_name("params", tests, NULL, NULL);
}
