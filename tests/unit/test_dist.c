/* Unit tests of src/dist.c: known quantiles (closed forms and SciPy 1.10
 * reference values), CDF round trips, moments of the quantile function on a
 * fine grid, clamping, and every invalid-parameter error path. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "num_test_util.h"
#include "tradewar/dist.h"

/* Expect TW_ECONFIG and a message containing `needle`. */
static void expect_bad(tw_dist_kind kind, double p0, double p1, double p2, double p3,
                       const char *needle)
{
    double p[4] = {p0, p1, p2, p3};
    tw_dist d;
    tw_error err = {0};
    int rc = tw_dist_init(&d, kind, p, NULL, NULL, 0, &err);
    if (rc != TW_ECONFIG)
        fail_msg("%s(%g, %g, %g, %g): rc %d, expected TW_ECONFIG", tw_dist_kind_name(kind), p0,
                 p1, p2, p3, rc);
    assert_int_equal(err.code, TW_ECONFIG);
    if (!strstr(err.msg, needle))
        fail_msg("message '%s' does not mention '%s'", err.msg, needle);
    tw_dist_free(&d);
}

static void test_names(void **state)
{
    (void)state;
    for (int k = 0; k < TW_DIST_KIND_COUNT; k++)
        assert_int_equal(tw_dist_kind_from_name(tw_dist_kind_name((tw_dist_kind)k)), k);
    assert_int_equal(tw_dist_kind_from_name("gaussian"), -1);
    assert_int_equal(tw_dist_kind_from_name(NULL), -1);
    assert_int_equal(tw_dist_kind_from_name("pert"), TW_DIST_PERT);

    const char *const *n = tw_dist_param_names(TW_DIST_TRIANGULAR);
    assert_string_equal(n[0], "min");
    assert_string_equal(n[1], "mode");
    assert_string_equal(n[2], "max");
    assert_null(n[3]);
    n = tw_dist_param_names(TW_DIST_TRUNCNORMAL);
    assert_string_equal(n[3], "max");
    assert_null(n[4]);
    n = tw_dist_param_optional(TW_DIST_PERT);
    assert_string_equal(n[0], "lambda");
    assert_null(n[1]);
    n = tw_dist_param_optional(TW_DIST_BETA);
    assert_string_equal(n[0], "min");
    assert_string_equal(n[1], "max");
    assert_null(tw_dist_param_optional(TW_DIST_NORMAL)[0]);
    assert_null(tw_dist_param_names(TW_DIST_DISCRETE)[0]);

    assert_true(tw_dist_default_param(TW_DIST_PERT, "lambda") == 4.0);
    assert_true(tw_dist_default_param(TW_DIST_BETA, "min") == 0.0);
    assert_true(tw_dist_default_param(TW_DIST_BETA, "max") == 1.0);
    assert_true(isnan(tw_dist_default_param(TW_DIST_NORMAL, "sd")));
}

static void test_known_quantiles(void **state)
{
    (void)state;
    tw_dist d = dist_make(TW_DIST_NORMAL, 0, 1, 0, 0);
    assert_close(tw_dist_quantile(&d, 0.975), 1.959963984540054, 1e-13);
    assert_close(tw_dist_quantile(&d, 0.025), -1.959963984540054, 1e-13);
    assert_close(tw_dist_median(&d), 0.0, 1e-15);
    d = dist_make(TW_DIST_NORMAL, 2, 3, 0, 0);
    assert_close(tw_dist_quantile(&d, 0.975), 2 + 3 * 1.959963984540054, 1e-12);

    d = dist_make(TW_DIST_UNIFORM, 2, 6, 0, 0);
    assert_close(tw_dist_quantile(&d, 0.25), 3.0, 1e-15);
    assert_close(tw_dist_median(&d), 4.0, 1e-15);

    /* triangular(0, 1, 3): F(mode) = 1/3; closed forms on both sides */
    d = dist_make(TW_DIST_TRIANGULAR, 0, 1, 3, 0);
    assert_close(tw_dist_quantile(&d, 1.0 / 6), sqrt(0.5), 1e-15);
    assert_close(tw_dist_quantile(&d, 1.0 / 3), 1.0, 1e-14);
    assert_close(tw_dist_quantile(&d, 0.5), 3 - sqrt(3.0), 1e-14);
    assert_close(tw_dist_cdf(&d, 2.0), 1 - 1.0 / 6, 1e-15);
    /* degenerate: mode at max (the DESIGN.md example) and at min */
    d = dist_make(TW_DIST_TRIANGULAR, 0.3, 1.45, 1.45, 0);
    assert_close(tw_dist_quantile(&d, 0.25), 0.3 + 1.15 * 0.5, 1e-14);
    assert_close(tw_dist_quantile(&d, 0.999999), 1.45, 1e-5);
    d = dist_make(TW_DIST_TRIANGULAR, 1, 1, 3, 0);
    assert_close(tw_dist_quantile(&d, 0.75), 3 - 2 * 0.5, 1e-14);

    d = dist_make(TW_DIST_BETA, 2, 2, 0, 1);
    assert_close(tw_dist_median(&d), 0.5, 1e-12);
    d = dist_make(TW_DIST_BETA, 2, 2, 10, 20);
    assert_close(tw_dist_median(&d), 15.0, 1e-11);
    d = dist_make(TW_DIST_BETA, 2, 5, 0, 1);
    assert_close(tw_dist_quantile(&d, 0.3), 0.18180347131894917, 1e-10);
    d = dist_make(TW_DIST_BETA, 0.5, 0.5, 0, 1);
    assert_close(tw_dist_quantile(&d, 1e-10) / 2.4674011002723397e-20, 1.0, 1e-6);

    /* pert(0, 2, 10, lambda 4) = 10 beta(1.8, 4.2); mean (0 + 4*2 + 10)/6 */
    d = dist_make(TW_DIST_PERT, 0, 2, 10, 4);
    assert_close(tw_dist_quantile(&d, 0.3), 1.8591624897423271, 1e-9);
    assert_close(tw_dist_cdf(&d, 3.0), 0.54823030426190467, 1e-12);
    assert_close(tw_dist_mean(&d), 3.0, 1e-14);

    d = dist_make(TW_DIST_LOGNORMAL, 1, 0.5, 0, 0);
    assert_close(tw_dist_median(&d), exp(1.0), 1e-13);
    assert_close(tw_dist_quantile(&d, 0.975), 7.2426125609753971, 1e-12);

    d = dist_make(TW_DIST_TRUNCNORMAL, 0, 1, -1, 2);
    assert_close(tw_dist_quantile(&d, 0.3), -0.24240381788922707, 1e-12);
    assert_close(tw_dist_mean(&d), 0.22963717909132902, 1e-13);
    assert_close(tw_dist_variance(&d), 0.51976253921153392, 1e-13);
    /* far in the upper tail: a naive P(b) - P(a) is exactly 0 here */
    d = dist_make(TW_DIST_TRUNCNORMAL, 0, 1, 10, 12);
    assert_close(tw_dist_quantile(&d, 0.5), 10.068411836058495, 1e-10);
    assert_close(tw_dist_quantile(&d, 0.999), 10.662528379133462, 1e-9);
    assert_close(tw_dist_mean(&d), 10.098093233499963, 1e-10);
    assert_close(tw_dist_variance(&d), 0.0094453769082308847, 1e-9);
    d = dist_make(TW_DIST_TRUNCNORMAL, 0, 1, -12, -10);
    assert_close(tw_dist_quantile(&d, 0.5), -10.068411836058495, 1e-10);
    /* straddling interval, target in the upper tail (reference from a
     * 40-digit mpmath root of P(x) = P(a) + u (P(b) - P(a)); SciPy 1.10's
     * truncnorm.ppf is off in the 5th digit here) */
    d = dist_make(TW_DIST_TRUNCNORMAL, 0, 1, -0.5, 30);
    assert_close(tw_dist_quantile(&d, 1 - 1e-12), 7.0857538409635178, 1e-11);
    /* scaled: mean 5, sd 2 on [5 + 2*10, 5 + 2*12] */
    d = dist_make(TW_DIST_TRUNCNORMAL, 5, 2, 25, 29);
    assert_close(tw_dist_quantile(&d, 0.5), 5 + 2 * 10.068411836058495, 1e-9);

    d = dist_make(TW_DIST_CONSTANT, 7.5, 0, 0, 0);
    assert_true(tw_dist_quantile(&d, 0.01) == 7.5);
    assert_true(tw_dist_quantile(&d, 0.99) == 7.5);
    assert_true(tw_dist_variance(&d) == 0.0);
    assert_true(tw_dist_is_constant(&d));
}

static void test_bernoulli_discrete_steps(void **state)
{
    (void)state;
    tw_dist d = dist_make(TW_DIST_BERNOULLI, 0.3, 0, 0, 0);
    /* smallest value whose cumulative weight (0.7 for 0, 1 for 1) is >= u */
    assert_true(tw_dist_quantile(&d, 0.1) == 0.0);
    assert_true(tw_dist_quantile(&d, 0.7) == 0.0);
    assert_true(tw_dist_quantile(&d, nextafter(0.7, 1.0)) == 1.0);
    assert_true(tw_dist_quantile(&d, 0.99) == 1.0);
    assert_close(tw_dist_mean(&d), 0.3, 1e-15);
    assert_close(tw_dist_variance(&d), 0.21, 1e-15);
    assert_true(tw_dist_cdf(&d, -0.1) == 0.0);
    assert_close(tw_dist_cdf(&d, 0.5), 0.7, 1e-15);
    assert_true(tw_dist_cdf(&d, 1.0) == 1.0);
    assert_false(tw_dist_is_constant(&d));
    d = dist_make(TW_DIST_BERNOULLI, 0, 0, 0, 0);
    assert_true(tw_dist_quantile(&d, 1 - 1e-16) == 0.0);
    assert_true(tw_dist_is_constant(&d));
    d = dist_make(TW_DIST_BERNOULLI, 1, 0, 0, 0);
    assert_true(tw_dist_quantile(&d, 1e-300) == 1.0);
    assert_true(tw_dist_is_constant(&d));

    /* unsorted input is sorted; weights need not sum to 1 */
    double v[3] = {3, 1, 2}, w[3] = {2, 1, 1};
    tw_error err = {0};
    assert_int_equal(tw_dist_init(&d, TW_DIST_DISCRETE, NULL, v, w, 3, &err), TW_OK);
    assert_true(tw_dist_quantile(&d, 0.1) == 1.0);
    assert_true(tw_dist_quantile(&d, 0.25) == 1.0);
    assert_true(tw_dist_quantile(&d, nextafter(0.25, 1.0)) == 2.0);
    assert_true(tw_dist_quantile(&d, 0.5) == 2.0);
    assert_true(tw_dist_quantile(&d, 0.51) == 3.0);
    assert_true(tw_dist_quantile(&d, 1.0) == 3.0);
    assert_close(tw_dist_mean(&d), 0.25 * 1 + 0.25 * 2 + 0.5 * 3, 1e-15);
    assert_close(tw_dist_variance(&d), 0.25 * 1 + 0.25 * 4 + 0.5 * 9 - 2.25 * 2.25, 1e-14);
    assert_close(tw_dist_cdf(&d, 2.5), 0.5, 1e-15);
    assert_true(tw_dist_cdf(&d, 0.5) == 0.0);
    assert_true(tw_dist_lower(&d) == 1.0 && tw_dist_upper(&d) == 3.0);
    assert_true(tw_dist_median(&d) == 2.0);

    /* deep copy survives freeing the original */
    tw_dist c;
    assert_int_equal(tw_dist_copy(&c, &d, &err), TW_OK);
    assert_ptr_not_equal(c.values, d.values);
    tw_dist_free(&d);
    tw_dist_free(&d); /* idempotent */
    assert_true(tw_dist_quantile(&c, 0.6) == 3.0);
    tw_dist_free(&c);

    /* zero weights are never drawn and do not count as support */
    double v2[3] = {1, 2, 3}, w2[3] = {0, 5, 0};
    assert_int_equal(tw_dist_init(&d, TW_DIST_DISCRETE, NULL, v2, w2, 3, &err), TW_OK);
    for (int i = 1; i < 100; i++)
        assert_true(tw_dist_quantile(&d, i / 100.0) == 2.0);
    assert_true(tw_dist_quantile(&d, 1e-300) == 2.0);
    assert_true(tw_dist_lower(&d) == 2.0 && tw_dist_upper(&d) == 2.0);
    assert_true(tw_dist_is_constant(&d));
    tw_dist_free(&d);
}

/* A representative of every continuous kind, including awkward shapes. */
static int continuous_cases(tw_dist *out)
{
    int n = 0;
    out[n++] = dist_make(TW_DIST_UNIFORM, -1, 3, 0, 0);
    out[n++] = dist_make(TW_DIST_TRIANGULAR, 0, 1, 3, 0);
    out[n++] = dist_make(TW_DIST_TRIANGULAR, 0.3, 1.45, 1.45, 0);
    out[n++] = dist_make(TW_DIST_PERT, 0, 2, 10, 4);
    out[n++] = dist_make(TW_DIST_PERT, 1, 1, 2, 6);
    out[n++] = dist_make(TW_DIST_NORMAL, 1, 2, 0, 0);
    out[n++] = dist_make(TW_DIST_TRUNCNORMAL, 0, 1, -1, 2);
    out[n++] = dist_make(TW_DIST_TRUNCNORMAL, 0, 1, 3, 8);
    out[n++] = dist_make(TW_DIST_TRUNCNORMAL, 0, 1, -8, -3);
    out[n++] = dist_make(TW_DIST_TRUNCNORMAL, 10, 3, 0, 100);
    out[n++] = dist_make(TW_DIST_LOGNORMAL, 0.5, 0.4, 0, 0);
    out[n++] = dist_make(TW_DIST_BETA, 2, 5, 0, 1);
    out[n++] = dist_make(TW_DIST_BETA, 0.7, 1.3, -2, 2);
    return n;
}

static void test_round_trip(void **state)
{
    (void)state;
    tw_dist d[16];
    int n = continuous_cases(d);
    for (int c = 0; c < n; c++) {
        double lo = tw_dist_lower(&d[c]), hi = tw_dist_upper(&d[c]);
        double prev = -INFINITY;
        for (int i = 1; i < 1000; i++) {
            double u = i / 1000.0;
            double x = tw_dist_quantile(&d[c], u);
            if (!(x >= lo && x <= hi))
                fail_msg("case %d: quantile(%g) = %g outside [%g, %g]", c, u, x, lo, hi);
            if (!(x >= prev))
                fail_msg("case %d: quantile not monotone at u = %g", c, u);
            prev = x;
            double back = tw_dist_cdf(&d[c], x);
            if (!(fabs(back - u) <= 1e-9))
                fail_msg("case %d (%s): cdf(quantile(%g)) = %.17g", c,
                         tw_dist_kind_name(d[c].kind), u, back);
        }
        /* the extreme u a design can produce stays finite and in support */
        double tiny = tw_dist_quantile(&d[c], 0x1p-53), big = tw_dist_quantile(&d[c], 1 - 0x1p-53);
        assert_true(isfinite(tiny) && isfinite(big));
        assert_true(tiny >= lo && big <= hi && tiny <= big);
        tw_dist_free(&d[c]);
    }
}

/* Mean and variance of x = Q(u) over a midpoint grid of u against the closed
 * forms: catches a wrong closed form as well as a wrong quantile. */
static void test_moments(void **state)
{
    (void)state;
    tw_dist d[16];
    int n = continuous_cases(d);
    const int N = 100000;
    for (int c = 0; c < n; c++) {
        double s = 0.0, s2 = 0.0;
        for (int i = 0; i < N; i++) {
            double x = tw_dist_quantile(&d[c], (i + 0.5) / N);
            s += x;
            s2 += x * x;
        }
        double m = s / N, v = s2 / N - m * m;
        double em = tw_dist_mean(&d[c]), ev = tw_dist_variance(&d[c]);
        double sd = sqrt(ev);
        /* the midpoint rule misses the unbounded tails: 1e-3 sd is ample
         * for the mean, 1e-3 relative for the variance */
        if (!(fabs(m - em) <= 1e-3 * sd))
            fail_msg("case %d (%s): grid mean %.10g vs %.10g", c, tw_dist_kind_name(d[c].kind), m,
                     em);
        if (!(fabs(v - ev) <= 1e-3 * ev))
            fail_msg("case %d (%s): grid variance %.10g vs %.10g", c, tw_dist_kind_name(d[c].kind),
                     v, ev);
        tw_dist_free(&d[c]);
    }
}

/* Extreme beta shapes: GSL's own inverse aborts the process on some of these
 * (beta(0.05, 0.05) near u = 1e-16); ours must converge, relative to u in the
 * lower tail and absolutely in the upper half. */
static void test_beta_extreme_shapes(void **state)
{
    (void)state;
    const double ab[][2] = {{0.05, 0.05}, {0.2, 50}, {50, 0.2}, {100, 100},
                            {1000, 2},    {2, 1000}, {0.5, 0.5}, {3000, 3000}};
    const double us[] = {0x1p-53, 1e-10, 1e-3, 0.3, 0.5, 0.9, 1 - 1e-6, 1 - 0x1p-53};
    for (size_t c = 0; c < sizeof ab / sizeof ab[0]; c++) {
        tw_dist d = dist_make(TW_DIST_BETA, ab[c][0], ab[c][1], 0, 1);
        tw_dist m = dist_make(TW_DIST_BETA, ab[c][1], ab[c][0], 0, 1); /* mirror image */
        for (size_t i = 0; i < sizeof us / sizeof us[0]; i++) {
            double u = us[i];
            double x = tw_dist_quantile(&d, u);
            assert_true(x >= 0.0 && x <= 1.0);
            if (u > 0.5) {
                /* the upper half is the mirror's lower tail: 1 - x' may not
                 * be representable (1 - 1e-20), so compare with the mirror */
                double xm = tw_dist_quantile(&m, 1.0 - u);
                if (!(x == 1.0 - xm))
                    fail_msg("beta(%g, %g): quantile(%g) = %.17g, mirror gives 1 - %.17g",
                             ab[c][0], ab[c][1], u, x, xm);
                continue;
            }
            if (x == 0.0)
                continue; /* the true quantile underflows (e.g. 1e-400) */
            double f = tw_dist_cdf(&d, x);
            if (!(fabs(f - u) <= 1e-9 * u))
                fail_msg("beta(%g, %g): cdf(quantile(%g)) = %.17g", ab[c][0], ab[c][1], u, f);
        }
    }
    /* pert with a large lambda is a very peaked beta */
    tw_dist d = dist_make(TW_DIST_PERT, 0, 1, 2, 1000);
    assert_close(tw_dist_median(&d), 1.0, 1e-12);
    assert_close(tw_dist_cdf(&d, tw_dist_quantile(&d, 1e-12)), 1e-12, 1e-20);
}

static void test_clamp_and_bounds(void **state)
{
    (void)state;
    tw_dist d = dist_make(TW_DIST_NORMAL, 0, 1, 0, 0);
    double lo = tw_dist_quantile(&d, 0.0), hi = tw_dist_quantile(&d, 1.0);
    assert_true(isfinite(lo) && lo < -30);
    assert_true(isfinite(hi) && hi > 8);
    assert_true(tw_dist_quantile(&d, -3.0) == lo);
    assert_true(tw_dist_quantile(&d, 7.0) == hi);
    assert_true(isnan(tw_dist_quantile(&d, NAN)));
    assert_true(tw_dist_lower(&d) == -INFINITY && tw_dist_upper(&d) == INFINITY);
    d = dist_make(TW_DIST_LOGNORMAL, 0, 1, 0, 0);
    assert_true(tw_dist_lower(&d) == 0.0 && tw_dist_upper(&d) == INFINITY);
    assert_true(tw_dist_cdf(&d, -1.0) == 0.0);
    d = dist_make(TW_DIST_BETA, 2, 3, -1, 4);
    assert_true(tw_dist_lower(&d) == -1.0 && tw_dist_upper(&d) == 4.0);
    assert_true(tw_dist_quantile(&d, 1.0) <= 4.0);
    d = dist_make(TW_DIST_UNIFORM, 0, 1, 0, 0);
    assert_true(tw_dist_quantile(&d, 1.0) < 1.0);
    assert_true(tw_dist_quantile(&d, 0.0) > 0.0);
}

static void test_describe(void **state)
{
    (void)state;
    char buf[128];
    tw_dist d = dist_make(TW_DIST_TRIANGULAR, 0.3, 1.45, 1.45, 0);
    assert_int_equal(tw_dist_describe(&d, buf, sizeof buf), TW_OK);
    assert_string_equal(buf, "triangular(min=0.3, mode=1.45, max=1.45)");
    d = dist_make(TW_DIST_PERT, 0, 2, 10, 4);
    assert_int_equal(tw_dist_describe(&d, buf, sizeof buf), TW_OK);
    assert_string_equal(buf, "pert(min=0, mode=2, max=10, lambda=4)");
    char small[8];
    assert_int_not_equal(tw_dist_describe(&d, small, sizeof small), TW_OK);
    assert_int_equal(strlen(small), sizeof small - 1);
    double v[2] = {1, 2}, w[2] = {1, 3};
    tw_error err;
    assert_int_equal(tw_dist_init(&d, TW_DIST_DISCRETE, NULL, v, w, 2, &err), TW_OK);
    assert_int_equal(tw_dist_describe(&d, buf, sizeof buf), TW_OK);
    assert_non_null(strstr(buf, "discrete("));
    assert_non_null(strstr(buf, "2:0.75"));
    tw_dist_free(&d);
}

static void test_invalid(void **state)
{
    (void)state;
    expect_bad(TW_DIST_CONSTANT, INFINITY, 0, 0, 0, "value");
    expect_bad(TW_DIST_UNIFORM, 2, 1, 0, 0, "min (2) must be < max (1)");
    expect_bad(TW_DIST_UNIFORM, 1, 1, 0, 0, "min (1) must be < max (1)");
    expect_bad(TW_DIST_UNIFORM, NAN, 1, 0, 0, "min");
    expect_bad(TW_DIST_TRIANGULAR, 0, -1, 1, 0, "mode (-1) must be >= min (0)");
    expect_bad(TW_DIST_TRIANGULAR, 0, 2, 1, 0, "mode (2) must be <= max (1)");
    expect_bad(TW_DIST_TRIANGULAR, 1, 1, 1, 0, "min (1) must be < max (1)");
    expect_bad(TW_DIST_PERT, 0, 1, 2, 0, "lambda (0)");
    expect_bad(TW_DIST_PERT, 0, 1, 2, NAN, "lambda");
    expect_bad(TW_DIST_PERT, 0, 3, 2, 4, "mode (3)");
    expect_bad(TW_DIST_PERT, 2, 2, 0, 4, "min (2) must be < max (0)");
    expect_bad(TW_DIST_NORMAL, 0, 0, 0, 0, "sd (0) must be > 0");
    expect_bad(TW_DIST_NORMAL, 0, -1, 0, 0, "sd (-1)");
    expect_bad(TW_DIST_NORMAL, NAN, 1, 0, 0, "mean");
    expect_bad(TW_DIST_TRUNCNORMAL, 0, 0, -1, 1, "sd (0)");
    expect_bad(TW_DIST_TRUNCNORMAL, 0, 1, 1, -1, "min (1) must be < max (-1)");
    expect_bad(TW_DIST_TRUNCNORMAL, 0, 1, 40, 41, "no probability mass");
    expect_bad(TW_DIST_TRUNCNORMAL, 0, 1, -1, INFINITY, "max");
    expect_bad(TW_DIST_LOGNORMAL, 0, 0, 0, 0, "sigma (0)");
    expect_bad(TW_DIST_BETA, 0, 1, 0, 1, "a (0) must be > 0");
    expect_bad(TW_DIST_BETA, 1, -1, 0, 1, "b (-1) must be > 0");
    expect_bad(TW_DIST_BETA, 1, 1, 1, 0, "min (1) must be < max (0)");
    expect_bad(TW_DIST_BETA, 1, 1, NAN, 1, "min");
    expect_bad(TW_DIST_BERNOULLI, 1.5, 0, 0, 0, "p (1.5) must be in [0, 1]");
    expect_bad(TW_DIST_BERNOULLI, -0.1, 0, 0, 0, "p (-0.1)");

    tw_dist d;
    tw_error err = {0};
    double v[2] = {1, 2}, w[2] = {1, -1}, wz[2] = {0, 0}, vn[2] = {NAN, 1};
    assert_int_equal(tw_dist_init(&d, TW_DIST_DISCRETE, NULL, v, w, 0, &err), TW_ECONFIG);
    assert_non_null(strstr(err.msg, "values"));
    assert_int_equal(tw_dist_init(&d, TW_DIST_DISCRETE, NULL, v, w, 2, &err), TW_ECONFIG);
    assert_non_null(strstr(err.msg, "weights[1] (-1)"));
    assert_int_equal(tw_dist_init(&d, TW_DIST_DISCRETE, NULL, v, wz, 2, &err), TW_ECONFIG);
    assert_non_null(strstr(err.msg, "sum of weights"));
    assert_int_equal(tw_dist_init(&d, TW_DIST_DISCRETE, NULL, vn, wz, 2, &err), TW_ECONFIG);
    assert_non_null(strstr(err.msg, "values[0]"));
    assert_int_equal(tw_dist_init(&d, TW_DIST_DISCRETE, NULL, NULL, NULL, 2, &err), TW_ECONFIG);
    assert_int_equal(tw_dist_init(&d, (tw_dist_kind)99, v, NULL, NULL, 0, &err), TW_ECONFIG);
    assert_non_null(strstr(err.msg, "unknown"));
    /* a failed init leaves nothing to free, and freeing is still safe */
    tw_dist_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_known_quantiles),
        cmocka_unit_test(test_bernoulli_discrete_steps),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_moments),
        cmocka_unit_test(test_beta_extreme_shapes),
        cmocka_unit_test(test_clamp_and_bounds),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests_name("dist", tests, NULL, NULL);
}
