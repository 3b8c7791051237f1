/* The split of a final pass's columns over the ranks (summary_split.h:
 * tw_summary_split, tw_summary_split_w, tw_summary_write_share; and
 * summary_group.h: tw_summary_group_objects). */
#include <hdf5.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "summary_group.h"
#include "summary_split.h"

static const size_t totals[] = {0, 1, 2, 3, 7, 516, 1000, 100003};
static const double shares[] = {-1.0, 0.0, 0.01, 0.1, 0.25, 0.5, 1.0, 3.0};

/* Every column exactly once, in rank order: rank 0 from column 0, each rank
 * starting where the previous one ends, the last ending at total. */
static void test_ranges_cover_once_in_order(void **state)
{
    (void)state;
    for (size_t it = 0; it < sizeof totals / sizeof *totals; it++)
        for (int size = 1; size <= 9; size++)
            for (size_t is = 0; is < sizeof shares / sizeof *shares; is++) {
                size_t total = totals[it], next = 0;
                for (int r = 0; r < size; r++) {
                    tw_summary_range g = tw_summary_split(total, r, size, shares[is]);
                    assert_int_equal(g.lo, next);
                    assert_true(g.lo <= g.hi);
                    next = g.hi;
                }
                assert_int_equal(next, total);
            }
}

/* Rank 0 takes f0 = max(0, 1/P - (P-1) W / (P C)) of the columns, to the
 * nearest column; the others differ by at most one column. Then rank 0's
 * columns plus its write (share * total columns' worth) equal another
 * rank's columns, to within rounding: the balance the split is for. */
static void test_rank0_share(void **state)
{
    (void)state;
    for (size_t it = 0; it < sizeof totals / sizeof *totals; it++)
        for (int size = 2; size <= 9; size++)
            for (size_t is = 0; is < sizeof shares / sizeof *shares; is++) {
                size_t total = totals[it];
                double s = shares[is] > 0 ? shares[is] : 0, P = size;
                double f0 = 1 / P - (P - 1) / P * s;
                tw_summary_range g0 = tw_summary_split(total, 0, size, shares[is]);
                double want = f0 > 0 ? f0 * (double)total : 0;
                assert_true(fabs((double)g0.hi - want) <= 0.5 + 1e-9);
                size_t lo = (size_t)-1, hi = 0;
                for (int r = 1; r < size; r++) {
                    tw_summary_range g = tw_summary_split(total, r, size, shares[is]);
                    size_t c = g.hi - g.lo;
                    lo = c < lo ? c : lo;
                    hi = c > hi ? c : hi;
                }
                assert_true(hi - lo <= 1);
                if (f0 > 0) /* balanced: n0 + s total = (total - n0) / (P - 1) */
                    assert_true(fabs((double)g0.hi + s * (double)total -
                                     (double)(total - g0.hi) / (P - 1)) <= 1.0 + 1e-9);
            }
    /* by hand: 1000 columns, W / C = 0.1 */
    assert_int_equal(tw_summary_split(1000, 0, 2, 0.1).hi, 450);
    assert_int_equal(tw_summary_split(1000, 1, 2, 0.1).lo, 450);
    assert_int_equal(tw_summary_split(1000, 0, 4, 0.1).hi, 175);
    tw_summary_range g2 = tw_summary_split(1000, 2, 4, 0.1);
    assert_int_equal(g2.lo, 175 + 275);
    assert_int_equal(g2.hi, 175 + 550);
}

/* W >= C / (P - 1): rank 0 only writes, the others share every column. No
 * write (share <= 0): the even split. One rank: everything. */
static void test_degenerate(void **state)
{
    (void)state;
    for (int size = 2; size <= 9; size++) {
        double s = 1.0 / (size - 1);
        for (double f = 1.0; f <= 4.0; f *= 2) {
            tw_summary_range g0 = tw_summary_split(516, 0, size, s * f);
            assert_int_equal(g0.lo, 0);
            assert_int_equal(g0.hi, 0);
            assert_int_equal(tw_summary_split(516, 1, size, s * f).lo, 0);
        }
        assert_int_equal(tw_summary_split(1000, 0, size, 0.0).hi,
                         (size_t)floor(1000.0 / size + 0.5));
        assert_int_equal(tw_summary_split(1000, 0, size, -5.0).hi,
                         (size_t)floor(1000.0 / size + 0.5));
    }
    for (size_t is = 0; is < sizeof shares / sizeof *shares; is++) {
        tw_summary_range g = tw_summary_split(516, 0, 1, shares[is]);
        assert_int_equal(g.lo, 0);
        assert_int_equal(g.hi, 516);
    }
    /* more ranks than columns: each column once, nobody more than one */
    for (int r = 0; r < 8; r++) {
        tw_summary_range g = tw_summary_split(3, r, 8, 0.0);
        assert_true(g.hi - g.lo <= 1);
    }
}

/* ---- the weighted split (tw_summary_split_w) ---- */

/* Deterministic weights in [0.5, 2.5): a column's cost varies by ~2x */
static void fill_weights(double *w, size_t total, unsigned seed)
{
    uint32_t x = seed * 2654435761u + 1u;
    for (size_t j = 0; j < total; j++) {
        x = x * 1664525u + 1013904223u;
        w[j] = 0.5 + 2.0 * (double)(x >> 8) / 16777216.0;
    }
}

static double wsum(const double *w, size_t lo, size_t hi)
{
    double s = 0;
    for (size_t j = lo; j < hi; j++)
        s += w[j];
    return s;
}

/* Every column once, in rank order, for any weights, shares and sizes. */
static void test_weighted_cover_once_in_order(void **state)
{
    (void)state;
    static double w[100003];
    for (size_t it = 0; it < sizeof totals / sizeof *totals; it++)
        for (int size = 1; size <= 9; size++)
            for (size_t is = 0; is < sizeof shares / sizeof *shares; is++) {
                size_t total = totals[it], next = 0;
                fill_weights(w, total, (unsigned)(it * 100 + (size_t)size * 10 + is));
                for (int r = 0; r < size; r++) {
                    tw_summary_range g = tw_summary_split_w(w, total, r, size, shares[is]);
                    assert_int_equal(g.lo, next);
                    assert_true(g.lo <= g.hi);
                    next = g.hi;
                }
                assert_int_equal(next, total);
            }
}

/* Balance by weight: rank 0 holds f0 of the total weight, each other rank
 * an even share of the rest, each to within one column's weight (a
 * boundary moves by at most half a column: its midpoint decides). Then
 * rank 0's weight plus its write (share x the total) equals another
 * rank's, to within two columns: the balance the split is for. */
static void test_weighted_balance(void **state)
{
    (void)state;
    static double w[100003];
    for (size_t it = 3; it < sizeof totals / sizeof *totals; it++)
        for (int size = 2; size <= 9; size++)
            for (size_t is = 0; is < sizeof shares / sizeof *shares; is++) {
                size_t total = totals[it];
                fill_weights(w, total, (unsigned)(it + (size_t)size * 31 + is * 7));
                double s = shares[is] > 0 ? shares[is] : 0, P = size, W = wsum(w, 0, total);
                double f0 = 1 / P - (P - 1) / P * s, wmax = 2.5;
                double t0 = f0 > 0 ? f0 * W : 0;
                tw_summary_range g0 = tw_summary_split_w(w, total, 0, size, shares[is]);
                double w0 = wsum(w, g0.lo, g0.hi);
                assert_true(fabs(w0 - t0) <= 0.5 * wmax + 1e-9 * W);
                for (int r = 1; r < size; r++) {
                    tw_summary_range g = tw_summary_split_w(w, total, r, size, shares[is]);
                    assert_true(fabs(wsum(w, g.lo, g.hi) - (W - t0) / (P - 1)) <=
                                wmax + 1e-9 * W);
                    if (f0 > 0)
                        assert_true(fabs(w0 + s * W - wsum(w, g.lo, g.hi)) <= 2 * wmax + 1e-9 * W);
                }
            }
    /* by hand: 1000 columns, the first 500 three times as heavy, no write:
     * half the weight (1000) is 333 heavy columns (999; the 334th's
     * midpoint, 1000.5, lies beyond), not the count split's 500 */
    double h[1000];
    for (int j = 0; j < 1000; j++)
        h[j] = j < 500 ? 3.0 : 1.0;
    assert_int_equal(tw_summary_split_w(h, 1000, 0, 2, 0.0).hi, 333);
    assert_int_equal(tw_summary_split_w(h, 1000, 1, 2, 0.0).lo, 333);
    assert_int_equal(tw_summary_split(1000, 0, 2, 0.0).hi, 500);
    /* with rank 0's write, 0.1 of the total: f0 = 0.45, 900 of 2000 = 300 heavy */
    assert_int_equal(tw_summary_split_w(h, 1000, 0, 2, 0.1).hi, 300);
}

/* Degenerate weights: NULL or none positive: the count split, rank by
 * rank; equal weights: the count split's rank 0 to within a column; one
 * column heavier than the rest together: alone on the rank its midpoint
 * falls in; more ranks than columns: each column once. */
static void test_weighted_degenerate(void **state)
{
    (void)state;
    double z[1000] = {0}, e[1000], h[1000];
    for (int j = 0; j < 1000; j++) {
        e[j] = 0.7;
        h[j] = j == 0 ? 1e6 : 1.0;
    }
    for (int size = 1; size <= 9; size++)
        for (size_t is = 0; is < sizeof shares / sizeof *shares; is++)
            for (int r = 0; r < size; r++) {
                tw_summary_range a = tw_summary_split(1000, r, size, shares[is]);
                tw_summary_range b = tw_summary_split_w(z, 1000, r, size, shares[is]);
                tw_summary_range c = tw_summary_split_w(NULL, 1000, r, size, shares[is]);
                assert_int_equal(a.lo, b.lo);
                assert_int_equal(a.hi, b.hi);
                assert_int_equal(a.lo, c.lo);
                assert_int_equal(a.hi, c.hi);
                if (r == 0) {
                    tw_summary_range d = tw_summary_split_w(e, 1000, 0, size, shares[is]);
                    assert_true(d.hi + 1 >= a.hi && d.hi <= a.hi + 1);
                }
            }
    /* 3 ranks, no write: targets 1/3 and 2/3 of 1,000,999; the heavy
     * column's midpoint (500,000) lies between: rank 1 has it alone */
    tw_summary_range g0 = tw_summary_split_w(h, 1000, 0, 3, 0.0);
    tw_summary_range g1 = tw_summary_split_w(h, 1000, 1, 3, 0.0);
    tw_summary_range g2 = tw_summary_split_w(h, 1000, 2, 3, 0.0);
    assert_int_equal(g0.hi, 0);
    assert_int_equal(g1.lo, 0);
    assert_int_equal(g1.hi, 1);
    assert_int_equal(g2.lo, 1);
    assert_int_equal(g2.hi, 1000);
    /* more ranks than columns */
    double t[3] = {1.0, 5.0, 0.2};
    size_t next = 0;
    for (int r = 0; r < 8; r++) {
        tw_summary_range g = tw_summary_split_w(t, 3, r, 8, 0.0);
        assert_int_equal(g.lo, next);
        assert_true(g.hi >= g.lo && g.hi - g.lo <= 2);
        next = g.hi;
    }
    assert_int_equal(next, 3);
}

/* The cost model: W / C grows with the objects, falls with the samples,
 * columns and partitions; no samples or columns: no share (no division by
 * zero), parts 0 counts as 1. */
static void test_write_share(void **state)
{
    (void)state;
    double a = tw_summary_write_share(2772, 20000, 516, 3);
    assert_true(a > 0 && a < 1);
    assert_true(fabs(tw_summary_write_share(2 * 2772, 20000, 516, 3) - 2 * a) <= 1e-12 * a);
    assert_true(fabs(tw_summary_write_share(2772, 40000, 516, 3) - a / 2) <= 1e-12 * a);
    assert_true(fabs(tw_summary_write_share(2772, 20000, 516, 6) - a / 2) <= 1e-12 * a);
    assert_true(tw_summary_write_share(2772, 20000, 516, 0) ==
                tw_summary_write_share(2772, 20000, 516, 1));
    assert_true(tw_summary_write_share(10, 0, 516, 1) == 0.0);
    assert_true(tw_summary_write_share(10, 100, 0, 1) == 0.0);
}

/* tw_summary_group_objects counts what tw_summary_write_group creates: the
 * groups of a scalar, a 1-D and a 2-D outcome written to a file, every
 * object under each counted (the group itself included). */
static herr_t count_obj(hid_t o, const char *name, const H5O_info_t *info, void *n)
{
    (void)o;
    (void)name;
    (void)info;
    ++*(size_t *)n;
    return 0;
}

static void test_group_objects(void **state)
{
    (void)state;
    static const char *const rl[] = {"US", "CN"}, *const sl[] = {"A", "B", "C"};
    const tw_dimension dims[] = {{"region", "regions", 2, rl}, {"sector", "sectors", 3, sl}};
    const tw_outcome_info out[] = {{"a", "1", "scalar", 0, {0}},
                                   {"b", "1", "by region", 1, {0}},
                                   {"c", "1", "by region, sector", 2, {0, 1}},
                                   {"d", "1", "by sector", 1, {1}}};
    tw_model_schema s = {.n_dims = 2, .dims = dims, .n_outcomes = 4, .outcomes = out};
    char path[] = "/tmp/tw_split_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    tw_summary sums[6];
    memset(sums, 0, sizeof sums);
    for (size_t k = 0; k < s.n_outcomes; k++) {
        assert_int_equal(tw_summary_write_group(f, &s, k, sums, 0, 0), 0);
        hid_t g = H5Gopen2(f, out[k].name, H5P_DEFAULT);
        size_t n = 0;
        assert_true(H5Ovisit(g, H5_INDEX_NAME, H5_ITER_NATIVE, count_obj, &n) >= 0);
        H5Gclose(g);
        assert_int_equal(n, tw_summary_group_objects(&s, k));
    }
    H5Fclose(f);
    unlink(path);
}

/* tw_summary_my_cols: over the ranks of a split, every element of every
 * outcome exactly once, each rank's ascending and inside its range (both
 * passes pick an outcome's columns with it). */
static void test_my_cols(void **state)
{
    (void)state;
    static const size_t widths[] = {1, 0, 7, 1, 200, 3, 0, 1};
    size_t nw = sizeof widths / sizeof *widths, total = 0;
    for (size_t k = 0; k < nw; k++)
        total += widths[k];
    size_t cols[200];
    for (int size = 1; size <= 9; size++)
        for (size_t is = 0; is < sizeof shares / sizeof *shares; is++)
            for (size_t k = 0, off = 0; k < nw; off += widths[k], k++) {
                unsigned char seen[200] = {0};
                for (int r = 0; r < size; r++) {
                    tw_summary_range g = tw_summary_split(total, r, size, shares[is]);
                    size_t nc = tw_summary_my_cols(off, widths[k], g, cols);
                    assert_int_equal(tw_summary_my_cols(off, widths[k], g, NULL), nc);
                    for (size_t j = 0; j < nc; j++) {
                        assert_true(cols[j] < widths[k]);
                        assert_true(off + cols[j] >= g.lo && off + cols[j] < g.hi);
                        assert_true(j == 0 || cols[j] > cols[j - 1]);
                        seen[cols[j]]++;
                    }
                }
                for (size_t e = 0; e < widths[k]; e++)
                    assert_int_equal(seen[e], 1);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranges_cover_once_in_order),
        cmocka_unit_test(test_rank0_share),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_weighted_cover_once_in_order),
        cmocka_unit_test(test_weighted_balance),
        cmocka_unit_test(test_weighted_degenerate),
        cmocka_unit_test(test_write_share),
        cmocka_unit_test(test_group_objects),
        cmocka_unit_test(test_my_cols),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
