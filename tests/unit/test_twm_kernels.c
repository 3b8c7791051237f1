/* Unit tests of the solver's numeric kernels (twm_kernels.c): the column
 * sums and the fused sums of the X sweep give bitwise the results of the plain scalar loops
 * they replace (same operations in the same order), for every block width
 * and remainder, in the baseline, AVX/AVX2 and the CPU's (AVX-512) clones; the vector
 * exp/log give the same bits in both clones and stay within 1 ulp of libm. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "twm_kernels.h"

static uint64_t rng = 0x9e3779b97f4a7c15u;

static double urand(void) /* xorshift64*, in (0, 1) */
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return ((double)((rng * 2685821657736338717u) >> 11) + 0.5) * 0x1p-53;
}

static void fill(double *x, size_t n, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = lo + (hi - lo) * urand();
}

/* The plain loops, written as the solver had them. */
static void ref_gemv(double *out, const double *a, const double *v, size_t cnt, size_t skip,
                     size_t J)
{
    for (size_t k = 0; k < cnt; k++)
        if (k != skip)
            for (size_t j = 0; j < J; j++)
                out[j] += a[k * J + j] * v[k];
}

static void ref_dot(double *out, const double *a, size_t as, const double *b, size_t bs,
                    size_t cnt, size_t J)
{
    for (size_t j = 0; j < J; j++)
        out[j] = 0.0;
    for (size_t i = 0; i < cnt; i++)
        for (size_t j = 0; j < J; j++)
            out[j] += a[i * as + j] * b[i * bs + j];
}

/* the documented order: lane sums over k = 4q + l, (l0 + l1) + (l2 + l3),
 * then the tail k >= 4 (cnt / 4) in order; row by row (so the kernel's
 * blocks of four rows must not change a row's bits) */
static void ref_rowdot(double *out, const double *a, size_t as, const double *v, size_t cnt,
                       size_t J)
{
    size_t c4 = cnt / 4 * 4;
    for (size_t j = 0; j < J; j++) {
        double l[4] = {0.0, 0.0, 0.0, 0.0};
        for (size_t k = 0; k < c4; k++)
            l[k % 4] += a[j * as + k] * v[k];
        double r = (l[0] + l[1]) + (l[2] + l[3]);
        for (size_t k = c4; k < cnt; k++)
            r += a[j * as + k] * v[k];
        out[j] = r;
    }
}

/* the X sweep's fused pass: column sums plus acc[i][j] += a[i][j] c[j] */
static void ref_dotacc(double *out, double *acc, const double *a, size_t as, const double *b,
                       const double *c, size_t cnt, size_t J)
{
    ref_dot(out, a, as, b, J, cnt, J);
    for (size_t i = 0; i < cnt; i++)
        for (size_t j = 0; j < J; j++)
            acc[i * J + j] += a[i * as + j] * c[j];
}

static void check_sums(int level)
{
    twm_kernels_select(level);
    enum { NMAX = 13, JMAX = 47 };
    static double a[NMAX * NMAX * JMAX], b[NMAX * JMAX], v[JMAX], o1[JMAX], o2[JMAX];
    static double c1[JMAX], t1[NMAX * JMAX], t2[NMAX * JMAX];
    for (size_t J = 1; J <= JMAX; J++) {
        size_t cnts[] = {0, 1, 2, 5, NMAX};
        for (size_t c = 0; c < sizeof cnts / sizeof *cnts; c++) {
            size_t cnt = cnts[c];
            /* gemv over a J x J block (cnt rows), skipping one row or none */
            fill(a, JMAX * JMAX, -1.0, 1.0);
            fill(v, JMAX, -3.0, 3.0);
            fill(o1, J, -1.0, 1.0);
            memcpy(o2, o1, J * sizeof *o1);
            size_t skip = cnt > 1 ? cnt / 2 : J;
            ref_gemv(o1, a, v, cnt < J ? cnt : J, skip, J);
            twm_cols_gemv(o2, a, v, cnt < J ? cnt : J, skip, J);
            assert_memory_equal(o1, o2, J * sizeof *o1);
            /* row dots: J rows of cnt (+ 0..2) terms, stride JMAX */
            size_t rc = cnt + J % 3;
            fill(a, JMAX * JMAX, -1.0, 1.0);
            ref_rowdot(o1, a + 1, JMAX, v, rc, J);
            twm_rows_dot(o2, a + 1, JMAX, v, rc, J);
            assert_memory_equal(o1, o2, J * sizeof *o1);
            ref_rowdot(o1, a, J, v, J, J); /* a J x J block, as the solver uses it */
            twm_rows_dot(o2, a, J, v, J, J);
            assert_memory_equal(o1, o2, J * sizeof *o1);
            /* dot with row strides larger than J */
            size_t as = J * NMAX, bs = J;
            fill(a, NMAX * NMAX * JMAX, 0.0, 1.0);
            fill(b, NMAX * JMAX, 0.0, 2.0);
            ref_dot(o1, a + 3, as, b, bs, cnt, J);
            twm_cols_dot(o2, a + 3, as, b, bs, cnt, J);
            assert_memory_equal(o1, o2, J * sizeof *o1);
        }
        /* the fused column sums and accumulation, N x J rows of a larger
         * array (stride J * NMAX), as the X sweep reads B */
        size_t N = 1 + J % NMAX, as = J * NMAX;
        fill(a, NMAX * NMAX * JMAX, 0.0, 1.0);
        fill(b, N * J, 0.0, 2.0);
        fill(c1, J, 0.1, 3.0);
        fill(t1, N * J, -1.0, 1.0);
        memcpy(t2, t1, N * J * sizeof *t1);
        ref_dotacc(o1, t1, a + 2 * J, as, b, c1, N, J);
        twm_cols_dot_acc(o2, t2, a + 2 * J, as, b, c1, N, J);
        assert_memory_equal(o1, o2, J * sizeof *o1);
        assert_memory_equal(t1, t2, N * J * sizeof *t1);
    }
    twm_kernels_select(0);
}

static void test_sums_base(void **state)
{
    (void)state;
    check_sums(1);
    assert_string_equal(twm_kernels_isa() ? "ok" : "", "ok");
}

static void test_sums_avx2(void **state)
{
    (void)state;
    check_sums(2);
}

static void test_sums_cpu(void **state)
{
    (void)state;
    check_sums(0);
}

static double ulps(double x, double y)
{
    if (x == y)
        return 0.0;
    return fabs(x - y) / (nextafter(fabs(y), INFINITY) - fabs(y));
}

/* vf on x[0..m) with the baseline (select 1) and the CPU's clone (select 0):
 * the same bits, within 1 ulp of libm's f (a NaN fails). */
static void check_vec_fn(void (*vf)(double *restrict, const double *restrict, size_t),
                         double (*f)(double), const char *name, const double *x, double *y1,
                         double *y2, size_t m)
{
    twm_kernels_select(1);
    vf(y1, x, m);
    twm_kernels_select(0);
    vf(y2, x, m);
    assert_memory_equal(y1, y2, m * sizeof *y1);
    for (size_t i = 0; i < m; i++)
        if (!(ulps(y2[i], f(x[i])) <= 1.0))
            fail_msg("%s(%.17g) = %.17g, libm %.17g", name, x[i], y2[i], f(x[i]));
}

static void test_exp_log_clones(void **state)
{
    (void)state;
    enum { M = 4099 };
    static double x[M], y1[M], y2[M];
    fill(x, M, -30.0, 30.0);
    x[0] = 800.0; /* libm fallback */
    x[1] = -800.0;
    check_vec_fn(twm_vec_exp, exp, "exp", x, y1, y2, M);
    for (size_t i = 0; i < M; i++)
        x[i] = exp(x[i]);
    x[2] = 0.0; /* fallbacks: -inf, subnormal */
    x[3] = 1e-310;
    check_vec_fn(twm_vec_log, log, "log", x, y1, y2, M);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sums_base),
        cmocka_unit_test(test_sums_avx2),
        cmocka_unit_test(test_sums_cpu),
        cmocka_unit_test(test_exp_log_clones),
    };
    return cmocka_run_group_tests_name("twm_kernels", tests, NULL, NULL);
}
