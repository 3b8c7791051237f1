/* The split of a final pass's columns over the ranks (summary_group.h:
 * tw_summary_split, tw_summary_write_share, tw_summary_group_objects). */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranges_cover_once_in_order),
        cmocka_unit_test(test_rank0_share),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_write_share),
        cmocka_unit_test(test_group_objects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
