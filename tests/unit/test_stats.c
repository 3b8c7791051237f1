/* Unit tests of src/stats.c against hand-computed values and numpy 1.24
 * (np.quantile default 'linear' = type 7, np.std(ddof=1), np.histogram with
 * 40 bins): masks, strides, NaN/inf exclusion, degenerate columns. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "num_test_util.h"
#include "tradewar/stats.h"

static void test_levels(void **state)
{
    (void)state;
    const double want[TW_STATS_NQUANT] = {0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99};
    for (int i = 0; i < TW_STATS_NQUANT; i++)
        assert_true(tw_stats_quantile_levels[i] == want[i]);
}

/* x = [3.5, -1, 2, 10, 7.25, 0.5, 2]:
 *   mean 24.25/7, std(ddof=1) 3.874135848344579, quantiles from numpy */
static void test_small_against_numpy(void **state)
{
    (void)state;
    const double x[7] = {3.5, -1.0, 2.0, 10.0, 7.25, 0.5, 2.0};
    double scratch[7];
    tw_summary s;
    tw_stats_summarise(x, 7, 1, NULL, scratch, &s);
    assert_int_equal(s.count, 7);
    assert_int_equal(s.nonfinite, 0);
    assert_close(s.mean, 3.4642857142857144, 1e-15);
    assert_close(s.std, 3.874135848344579, 1e-14);
    assert_close(s.sem, 1.4642857142857142, 1e-14);
    assert_true(s.min == -1.0 && s.max == 10.0);
    /* np.quantile(x, levels): the same operations in the same order, so
     * bit-for-bit equal */
    const double q[TW_STATS_NQUANT] = {-0.91, -0.5499999999999999, -0.09999999999999987,
                                       1.25,  2.0,   5.375, 8.350000000000001,
                                       9.174999999999997, 9.834999999999999};
    for (int i = 0; i < TW_STATS_NQUANT; i++)
        if (s.quantiles[i] != q[i])
            fail_msg("quantile %g = %.17g, numpy %.17g", tw_stats_quantile_levels[i],
                     s.quantiles[i], q[i]);
    /* np.histogram(x, 40): width 11/40 */
    const uint64_t h[TW_STATS_NBINS] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0, 0,
                                        0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                        0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    for (int b = 0; b < TW_STATS_NBINS; b++)
        if (s.hist_counts[b] != h[b])
            fail_msg("bin %d: %llu, numpy %llu", b, (unsigned long long)s.hist_counts[b],
                     (unsigned long long)h[b]);
    assert_true(s.hist_edges[0] == -1.0);
    assert_close(s.hist_edges[1], -0.725, 1e-15);
    assert_true(s.hist_edges[TW_STATS_NBINS] == 10.0);
}

static void test_tenths(void **state)
{
    (void)state;
    double x[10];
    for (int i = 0; i < 10; i++)
        x[i] = (i + 1) * 0.1; /* as numpy's np.arange(1, 11) * 0.1 */
    double scratch[10];
    tw_summary s;
    tw_stats_summarise(x, 10, 1, NULL, scratch, &s);
    const double q[TW_STATS_NQUANT] = {0.109, 0.14500000000000002, 0.19, 0.32500000000000007,
                                       0.55,  0.775, 0.91, 0.9549999999999998, 0.991};
    for (int i = 0; i < TW_STATS_NQUANT; i++)
        if (s.quantiles[i] != q[i])
            fail_msg("quantile %g = %.17g, numpy %.17g", tw_stats_quantile_levels[i],
                     s.quantiles[i], q[i]);
    const int bins[10] = {0, 4, 8, 13, 17, 22, 26, 31, 35, 39};
    uint64_t total = 0;
    for (int i = 0; i < 10; i++)
        assert_int_equal(s.hist_counts[bins[i]], 1);
    for (int b = 0; b < TW_STATS_NBINS; b++)
        total += s.hist_counts[b];
    assert_int_equal(total, 10);
    /* hand value: var of 0.1..1.0 with n-1 = 0.0916666... */
    assert_close(s.std, sqrt(0.55 / 6.0), 1e-15);
}

/* Two values: type 7 is plain linear interpolation between them. */
static void test_two_values(void **state)
{
    (void)state;
    const double x[2] = {2.0, 1.0};
    double scratch[2];
    tw_summary s;
    tw_stats_summarise(x, 2, 1, NULL, scratch, &s);
    for (int i = 0; i < TW_STATS_NQUANT; i++)
        assert_close(s.quantiles[i], 1.0 + tw_stats_quantile_levels[i], 1e-15);
    assert_close(s.std, sqrt(0.5), 1e-15);
    assert_int_equal(s.hist_counts[0], 1);
    assert_int_equal(s.hist_counts[TW_STATS_NBINS - 1], 1); /* max in the last bin */
}

/* Masked-out entries and non-finite values are excluded; non-finite ones
 * among the masked-in are counted; the stride walks a row-major table. */
static void test_mask_nan_stride(void **state)
{
    (void)state;
    /* column 1 of a 6 x 3 table */
    const double t[6][3] = {{0, 1.0, 0},      {0, 100.0, 0}, {0, NAN, 0},
                            {0, 3.0, 0},      {0, INFINITY, 0}, {0, 2.0, 0}};
    const uint8_t mask[6] = {1, 0, 1, 1, 1, 1};
    double scratch[6];
    tw_summary s;
    tw_stats_summarise(&t[0][1], 6, 3, mask, scratch, &s);
    assert_int_equal(s.count, 3);     /* 1, 3, 2 */
    assert_int_equal(s.nonfinite, 2); /* NaN, inf (100 is masked out) */
    assert_close(s.mean, 2.0, 0);
    assert_close(s.std, 1.0, 1e-15);
    assert_true(s.min == 1.0 && s.max == 3.0);
    assert_close(s.quantiles[4], 2.0, 0);
    uint64_t total = 0;
    for (int b = 0; b < TW_STATS_NBINS; b++)
        total += s.hist_counts[b];
    assert_int_equal(total, 3);

    /* without the mask, 100 counts too */
    tw_stats_summarise(&t[0][1], 6, 3, NULL, scratch, &s);
    assert_int_equal(s.count, 4);
    assert_int_equal(s.nonfinite, 2);
    assert_true(s.max == 100.0);
    assert_close(s.mean, 26.5, 1e-15);
}

static void test_degenerate(void **state)
{
    (void)state;
    double scratch[4];
    tw_summary s;
    /* nothing usable: NaN statistics, zero counts */
    const double bad[3] = {NAN, NAN, 1.0};
    const uint8_t m0[3] = {1, 1, 0};
    tw_stats_summarise(bad, 3, 1, m0, scratch, &s);
    assert_int_equal(s.count, 0);
    assert_int_equal(s.nonfinite, 2);
    assert_true(isnan(s.mean) && isnan(s.std) && isnan(s.min) && isnan(s.max));
    assert_true(isnan(s.quantiles[0]) && isnan(s.hist_edges[0]));
    for (int b = 0; b < TW_STATS_NBINS; b++)
        assert_int_equal(s.hist_counts[b], 0);
    tw_stats_summarise(bad, 0, 1, NULL, scratch, &s);
    assert_int_equal(s.count, 0);

    /* one value: std undefined with n - 1 */
    const double one[1] = {4.0};
    tw_stats_summarise(one, 1, 1, NULL, scratch, &s);
    assert_int_equal(s.count, 1);
    assert_true(s.mean == 4.0 && isnan(s.std) && isnan(s.sem));
    for (int i = 0; i < TW_STATS_NQUANT; i++)
        assert_true(s.quantiles[i] == 4.0);

    /* constant column: numpy's histogram uses [v - 0.5, v + 0.5] */
    const double c[3] = {5.0, 5.0, 5.0};
    tw_stats_summarise(c, 3, 1, NULL, scratch, &s);
    assert_true(s.std == 0.0);
    assert_true(s.hist_edges[0] == 4.5 && s.hist_edges[TW_STATS_NBINS] == 5.5);
    assert_int_equal(s.hist_counts[20], 3);
}

/* Every value lands in the bin whose edges enclose it, even where
 * (v - min) / width rounds across an edge. */
static void test_hist_edges_consistent(void **state)
{
    (void)state;
    enum { N = 4001 };
    static double x[N], scratch[N];
    for (int i = 0; i < N; i++)
        x[i] = -3.3 + i * 0.0017; /* many values close to edges */
    tw_summary s;
    tw_stats_summarise(x, N, 1, NULL, scratch, &s);
    uint64_t want[TW_STATS_NBINS] = {0};
    for (int i = 0; i < N; i++) {
        int b = TW_STATS_NBINS - 1;
        while (b > 0 && x[i] < s.hist_edges[b])
            b--;
        want[b]++;
    }
    for (int b = 0; b < TW_STATS_NBINS; b++)
        assert_int_equal(s.hist_counts[b], want[b]);
}

/* The stream (tw_stats_stream_*) fed in slabs of `slab` rows with a buffer
 * of `cap` values; returns the number of sweeps. */
static int stream_summary(const double *x, size_t n, size_t stride, const uint8_t *mask,
                          size_t cap, size_t slab, tw_summary *out)
{
    tw_stats_stream *st = tw_stats_stream_new(cap);
    assert_non_null(st);
    int sweeps = 0;
    while (tw_stats_stream_wants(st)) {
        for (size_t s0 = 0; s0 < n; s0 += slab) {
            size_t cnt = n - s0 < slab ? n - s0 : slab;
            tw_stats_stream_feed(st, x + s0 * stride, cnt, stride, mask ? mask + s0 : NULL);
        }
        tw_stats_stream_end(st);
        assert_true(++sweeps <= 9); /* 2 + 6 radix levels + 1 collect */
    }
    assert_int_equal(tw_stats_stream_result(st, out), 0);
    tw_stats_stream_free(st);
    return sweeps;
}

/* Bitwise the in-memory summary (itself numpy's: the tests above), for
 * buffers from 1 value (every wanted order statistic found by many radix
 * sweeps) to the whole column (one sweep), slabs from 1 row. */
static void check_stream(const double *x, size_t n, size_t stride, const uint8_t *mask,
                         const char *what)
{
    static double scratch[4096];
    assert_true(n <= 4096);
    tw_summary want, got;
    tw_stats_summarise(x, n, stride, mask, scratch, &want);
    const size_t caps[] = {1, 2, 3, 7, 64, 4096};
    const size_t slabs[] = {1, 5, 4096};
    for (size_t a = 0; a < sizeof caps / sizeof *caps; a++)
        for (size_t b = 0; b < sizeof slabs / sizeof *slabs; b++) {
            int sweeps = stream_summary(x, n, stride, mask, caps[a], slabs[b], &got);
            if (memcmp(&want, &got, sizeof want) != 0)
                fail_msg("%s: stream (cap %zu, slab %zu, %d sweeps) differs from the "
                         "in-memory summary", what, caps[a], slabs[b], sweeps);
            if (want.count <= caps[a] && sweeps != 1)
                fail_msg("%s: %d sweeps for a column that fits the buffer", what, sweeps);
            if (want.count > caps[a] && sweeps < 3)
                fail_msg("%s: %d sweeps, expected the selection path", what, sweeps);
        }
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* numpy's quantile (type 7, its _lerp) on a qsort-ed copy: a reference
 * independent of stats.c's key sort and selection */
static void ref_quantiles(const double *x, size_t n, double *q)
{
    static double c[4096];
    memcpy(c, x, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_dbl);
    for (int i = 0; i < TW_STATS_NQUANT; i++) {
        double h = (double)(n - 1) * tw_stats_quantile_levels[i], lo = floor(h), t = h - lo;
        size_t k = (size_t)lo;
        if (k >= n - 1) {
            q[i] = c[n - 1];
            continue;
        }
        double a = c[k], b = c[k + 1], d = b - a;
        q[i] = a == b ? a : t >= 0.5 ? b - d * (1.0 - t) : a + d * t;
    }
}

static void check_ref(const double *x, size_t n, const char *what)
{
    static double scratch[4096];
    double q[TW_STATS_NQUANT];
    tw_summary s;
    tw_stats_summarise(x, n, 1, NULL, scratch, &s);
    ref_quantiles(x, n, q);
    for (int i = 0; i < TW_STATS_NQUANT; i++)
        if (s.quantiles[i] != q[i])
            fail_msg("%s: quantile %g = %.17g, reference %.17g", what,
                     tw_stats_quantile_levels[i], s.quantiles[i], q[i]);
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005u + 1442695040888963407u;
    return *s >> 11;
}

static void test_stream_matches(void **state)
{
    (void)state;
    enum { N = 2000 };
    static double x[N], t[N][3];
    static uint8_t mask[N];
    /* numpy's fixture above: the stream gives its quantiles too */
    const double small[7] = {3.5, -1.0, 2.0, 10.0, 7.25, 0.5, 2.0};
    check_stream(small, 7, 1, NULL, "numpy fixture");
    /* wide spread of signs and exponents */
    uint64_t seed = 42;
    for (int i = 0; i < N; i++)
        x[i] = ((double)lcg(&seed) / 9007199254740992.0 - 0.3) * pow(10.0, (int)(lcg(&seed) % 9) - 4);
    check_stream(x, N, 1, NULL, "spread");
    check_ref(x, N, "spread");
    /* neighbours one ulp apart: the selection runs down to the last bits */
    for (int i = 0; i < N; i++)
        x[i] = nextafter(1.0, 2.0) + (double)(lcg(&seed) % 40) * 2.220446049250313e-16;
    check_stream(x, N, 1, NULL, "ulps");
    check_ref(x, N, "ulps");
    /* most values in a narrow cluster, a few far outliers: the selection
     * refines one large bucket over several levels */
    static double y[4000];
    for (int i = 0; i < 4000; i++)
        y[i] = i % 97 == 0 ? (i % 2 ? 1e6 : -1e6) * (1 + i)
                           : 3.0 + (double)(lcg(&seed) % 100000) * 1e-12;
    check_stream(y, 4000, 1, NULL, "cluster");
    check_ref(y, 4000, "cluster");
    /* ties: four values repeated */
    const double four[4] = {-2.0, 0.5, 0.5, 3.0};
    for (int i = 0; i < N; i++)
        x[i] = four[lcg(&seed) % 4];
    check_stream(x, N, 1, NULL, "ties");
    check_ref(x, N, "ties");
    /* all equal; one value; two values; nothing */
    for (int i = 0; i < N; i++)
        x[i] = -7.125;
    check_stream(x, N, 1, NULL, "all equal");
    check_stream(x, 1, 1, NULL, "n = 1");
    const double two[2] = {2.0, 1.0};
    check_stream(two, 2, 1, NULL, "n = 2");
    check_stream(x, 0, 1, NULL, "n = 0");
    /* failed samples (mask) and non-finite values, a strided column */
    for (int i = 0; i < N; i++) {
        uint64_t r = lcg(&seed);
        t[i][1] = r % 17 == 0 ? NAN : r % 19 == 0 ? -INFINITY : (double)(r % 1000) / 7.0;
        mask[i] = r % 5 != 0;
    }
    check_stream(&t[0][1], N, 3, mask, "mask, NaN, inf, stride");
    for (int i = 0; i < N; i++)
        mask[i] = i == 1234;
    check_stream(&t[0][1], N, 3, mask, "one sample converged");
    memset(mask, 0, sizeof mask);
    check_stream(&t[0][1], N, 3, mask, "none converged");
}

/* The estimate of the selection's work (tw_stats_select_work), in column
 * lengths, on distributions whose passes are known: one value everywhere
 * (one pass: min == max ends it); values spread evenly in one binade (the
 * first level's 2^11 buckets hold 20000 / 2048 < 256 values each: one
 * pass); one far outlier (the rest share the top differing bits, so one
 * bucket holds all but it and is passed over again: two passes); a column
 * of at most 256 values (sorted: no selection passes). */
static void test_select_work(void **state)
{
    (void)state;
    enum { M = 512 };
    double x[M];
    for (int i = 0; i < M; i++)
        x[i] = 3.25;
    assert_true(tw_stats_select_work(x, M, 20000) == 1.0);
    for (int i = 0; i < M; i++)
        x[i] = 1.0 + (double)((i * 7919) % M) / M; /* [1, 2), shuffled */
    assert_true(tw_stats_select_work(x, M, 20000) == 1.0);
    for (int i = 0; i < M; i++)
        x[i] = 1.0 + (double)((i * 7919) % M) / M * 1e-3;
    x[100] = 1e6;
    double w = tw_stats_select_work(x, M, 20000);
    assert_true(w > 1.99 && w <= 2.0);
    for (int i = 0; i < M; i++)
        x[i] = 1.0 + (double)i / M;
    assert_true(tw_stats_select_work(x, M, 256) == 0.0);
    assert_true(tw_stats_select_work(x, 0, 20000) == 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_select_work),
        cmocka_unit_test(test_stream_matches),
        cmocka_unit_test(test_small_against_numpy),
        cmocka_unit_test(test_tenths),
        cmocka_unit_test(test_two_values),
        cmocka_unit_test(test_mask_nan_stride),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_hist_edges_consistent),
    };
    return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
