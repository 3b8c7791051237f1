/* Unit tests of src/design.c: Philox known answers (Random123's
 * tests/kat_vectors), MC uniformity, LHS exact stratification and the keyed
 * permutation, Sobol' direction-number table, net properties of the
 * scrambled points, reproducibility, error paths, and integration error of
 * the three designs on a smooth function. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Random123/philox.h>

#include "tradewar/design.h"

static tw_design *make(tw_design_kind kind, uint64_t seed, uint64_t n, size_t dim)
{
    tw_design *d = NULL;
    tw_error err = {0};
    int rc = tw_design_create(kind, seed, n, dim, &d, &err);
    if (rc != TW_OK)
        fail_msg("tw_design_create(%s, n=%llu, dim=%zu): %s", tw_design_kind_name(kind),
                 (unsigned long long)n, dim, err.msg);
    return d;
}

static double u52(uint32_t w0, uint32_t w1)
{
    return ((double)((((uint64_t)w0 << 32) | w1) >> 12) + 0.5) * 0x1p-52;
}

/* philox4x32 10 rows of Random123 1.14 tests/kat_vectors: CTR[4] KEY[2] OUT[4] */
static const uint32_t kat[3][10] = {
    {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
    {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d,
     0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
    {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09,
     0x94fdcceb, 0x5001e420, 0x24126ea1},
};

static void test_philox_kat(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++) {
        philox4x32_ctr_t c = {{kat[i][0], kat[i][1], kat[i][2], kat[i][3]}};
        philox4x32_key_t k = {{kat[i][4], kat[i][5]}};
        philox4x32_ctr_t r = philox4x32(c, k);
        for (int j = 0; j < 4; j++)
            if (r.v[j] != kat[i][6 + j])
                fail_msg("KAT %d word %d: %08x, expected %08x", i, j, r.v[j], kat[i][6 + j]);
        /* our stream: counter (s lo, s hi, k, stream), key (seed lo, seed hi) */
        uint64_t seed = ((uint64_t)kat[i][5] << 32) | kat[i][4];
        uint64_t s = ((uint64_t)kat[i][1] << 32) | kat[i][0];
        double u = tw_rng_u01(seed, s, kat[i][2], kat[i][3]);
        if (u != u52(kat[i][6], kat[i][7]))
            fail_msg("tw_rng_u01 KAT %d: %.17g, expected %.17g", i, u, u52(kat[i][6], kat[i][7]));
    }
    assert_true(tw_rng_u01(0, 0, 0, 0) == ((double)(0x6627e8d5e169c58dull >> 12) + 0.5) * 0x1p-52);
}

static void test_names_and_errors(void **state)
{
    (void)state;
    assert_int_equal(tw_design_kind_from_name("mc"), TW_DESIGN_MC);
    assert_int_equal(tw_design_kind_from_name("lhs"), TW_DESIGN_LHS);
    assert_int_equal(tw_design_kind_from_name("sobol"), TW_DESIGN_SOBOL);
    assert_int_equal(tw_design_kind_from_name("halton"), -1);
    assert_int_equal(tw_design_kind_from_name(NULL), -1);
    assert_string_equal(tw_design_kind_name(TW_DESIGN_LHS), "lhs");
    assert_int_equal(tw_design_sobol_max_dim(), 1024);

    tw_design *d = (tw_design *)&d; /* must be reset to NULL on failure */
    tw_error err = {0};
    assert_int_equal(tw_design_create(TW_DESIGN_MC, 1, 0, 3, &d, &err), TW_ECONFIG);
    assert_null(d);
    assert_non_null(strstr(err.msg, "samples"));
    size_t big = tw_design_sobol_max_dim() + 1;
    assert_int_equal(tw_design_create(TW_DESIGN_SOBOL, 1, 100, big, &d, &err), TW_ECONFIG);
    assert_non_null(strstr(err.msg, "1024"));
    assert_non_null(strstr(err.msg, "1025"));
    assert_int_equal(tw_design_create(TW_DESIGN_SOBOL, 1, (1ull << 32) + 1, 2, &d, &err),
                     TW_ECONFIG);
    assert_non_null(strstr(err.msg, "2^32"));
    assert_int_equal(tw_design_create((tw_design_kind)7, 1, 10, 2, &d, &err), TW_ECONFIG);
    assert_non_null(strstr(err.msg, "mc, lhs, sobol"));
    /* the limits themselves are fine; lhs and mc have no dimension limit */
    d = make(TW_DESIGN_SOBOL, 1, 1ull << 32, tw_design_sobol_max_dim());
    double *u = malloc(tw_design_sobol_max_dim() * sizeof *u);
    tw_design_point(d, (1ull << 32) - 1, u);
    for (size_t k = 0; k < tw_design_sobol_max_dim(); k++)
        assert_true(u[k] > 0.0 && u[k] < 1.0);
    free(u);
    tw_design_free(d);
    d = make(TW_DESIGN_LHS, 1, 10, 5000);
    tw_design_free(d);
    tw_design_free(NULL);
    /* dimension 0: a model without uncertain parameters */
    for (int k = 0; k < 3; k++) {
        d = make((tw_design_kind)k, 1, 10, 0);
        assert_int_equal(tw_design_dim(d), 0);
        double sentinel = 42.0;
        tw_design_point(d, 3, &sentinel);
        assert_true(sentinel == 42.0);
        tw_design_free(d);
    }
}

/* MC: coordinates are the raw stream; mean, 100-bin chi-square and pairwise
 * correlation of 100000 points in 4 dimensions. */
static void test_mc_uniform(void **state)
{
    (void)state;
    enum { N = 100000, D = 4, B = 100 };
    tw_design *d = make(TW_DESIGN_MC, 20250409, N, D);
    static unsigned cnt[D][B];
    double sum[D] = {0}, sxy = 0.0;
    double u[D];
    for (uint64_t s = 0; s < N; s++) {
        tw_design_point(d, s, u);
        for (int k = 0; k < D; k++) {
            assert_true(u[k] > 0.0 && u[k] < 1.0);
            sum[k] += u[k];
            cnt[k][(int)(u[k] * B)]++;
        }
        sxy += (u[0] - 0.5) * (u[1] - 0.5);
        if (s % 997 == 0)
            assert_true(u[2] == tw_rng_u01(20250409, s, 2, 0));
    }
    double se = sqrt(1.0 / 12.0 / N);
    for (int k = 0; k < D; k++) {
        double mean = sum[k] / N;
        if (!(fabs(mean - 0.5) < 4 * se))
            fail_msg("dim %d: mean %.6f, more than 4 SE from 0.5", k, mean);
        double chi2 = 0.0, e = (double)N / B;
        for (int b = 0; b < B; b++)
            chi2 += (cnt[k][b] - e) * (cnt[k][b] - e) / e;
        /* 99 degrees of freedom: P(chi2 > 166) ~ 3e-5 */
        if (!(chi2 < 166.0))
            fail_msg("dim %d: chi-square %.1f on 99 df", k, chi2);
    }
    double r = sxy / N * 12.0;
    assert_true(fabs(r) < 4.0 / sqrt(N));
    tw_design_free(d);
}

static void test_permute_bijection(void **state)
{
    (void)state;
    const uint64_t ns[] = {1, 2, 3, 4, 5, 7, 8, 16, 100, 255, 256, 257, 1000, 4097, 65537};
    const uint64_t keys[] = {0, 1, 0xdeadbeefull, ~0ull, 0x0123456789abcdefull};
    static unsigned char seen[65537];
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        uint64_t n = ns[i];
        for (size_t j = 0; j < sizeof keys / sizeof keys[0]; j++) {
            memset(seen, 0, n);
            uint64_t fixed = 0;
            for (uint64_t x = 0; x < n; x++) {
                uint64_t y = tw_design_permute(x, n, keys[j]);
                if (y >= n || seen[y])
                    fail_msg("n=%llu key=%llx: not a bijection at x=%llu -> %llu",
                             (unsigned long long)n, (unsigned long long)keys[j],
                             (unsigned long long)x, (unsigned long long)y);
                seen[y] = 1;
                fixed += y == x;
            }
            /* a random permutation has ~1 fixed point */
            if (n >= 100 && fixed > 10)
                fail_msg("n=%llu: %llu fixed points", (unsigned long long)n,
                         (unsigned long long)fixed);
        }
        /* different keys, different permutations */
        if (n >= 16) {
            uint64_t same = 0;
            for (uint64_t x = 0; x < n; x++)
                same += tw_design_permute(x, n, 1) == tw_design_permute(x, n, 2);
            assert_true(same < n / 4);
        }
    }
    /* huge domains: values stay in range and stay distinct on a sample */
    const uint64_t huge[] = {(1ull << 40) + 3, (1ull << 63) + 5, ~0ull};
    for (int i = 0; i < 3; i++) {
        uint64_t y[64];
        for (int x = 0; x < 64; x++) {
            y[x] = tw_design_permute((uint64_t)x * 1000003u, huge[i], 99);
            assert_true(y[x] < huge[i]);
            for (int z = 0; z < x; z++)
                assert_true(y[z] != y[x]);
        }
    }
    assert_int_equal(tw_design_permute(5, 1, 3), 0);
    assert_int_equal(tw_design_permute(12, 10, 3), 12); /* outside the domain */
}

/* Each dimension of an LHS design hits every one of its n strata once. */
static void test_lhs_stratified(void **state)
{
    (void)state;
    const uint64_t ns[] = {1, 2, 7, 256, 1000, 4097};
    const uint64_t seeds[] = {0, 42, 20250409};
    enum { D = 6 };
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        for (size_t j = 0; j < 3; j++) {
            uint64_t n = ns[i];
            tw_design *d = make(TW_DESIGN_LHS, seeds[j], n, D);
            unsigned char *hit = calloc(n * D, 1);
            double u[D];
            for (uint64_t s = 0; s < n; s++) {
                tw_design_point(d, s, u);
                for (int k = 0; k < D; k++) {
                    assert_true(u[k] > 0.0 && u[k] < 1.0);
                    uint64_t st = (uint64_t)(u[k] * (double)n);
                    assert_true(st < n);
                    if (hit[k * n + st])
                        fail_msg("n=%llu dim %d: stratum %llu hit twice", (unsigned long long)n, k,
                                 (unsigned long long)st);
                    hit[k * n + st] = 1;
                }
            }
            free(hit);
            tw_design_free(d);
        }
    }
}

/* Point s computed alone equals point s computed in sequence; two designs
 * created alike are identical; another seed gives other points. */
static void test_reproducible(void **state)
{
    (void)state;
    enum { N = 1000, D = 7 };
    for (int kind = 0; kind < 3; kind++) {
        tw_design *a = make((tw_design_kind)kind, 777, N, D);
        tw_design *b = make((tw_design_kind)kind, 777, N, D);
        tw_design *c = make((tw_design_kind)kind, 778, N, D);
        static double all[N][D];
        for (uint64_t s = 0; s < N; s++)
            tw_design_point(a, s, all[s]);
        const uint64_t probe[] = {999, 0, 500, 1, 123};
        for (int i = 0; i < 5; i++) {
            double u[D], w[D];
            tw_design_point(b, probe[i], u);
            assert_memory_equal(u, all[probe[i]], sizeof u);
            tw_design_point(c, probe[i], w);
            assert_memory_not_equal(u, w, sizeof u);
        }
        /* outside the contract, lhs wraps instead of leaving (0,1) */
        if (kind == TW_DESIGN_LHS) {
            double u[D];
            tw_design_point(a, N + 5, u);
            assert_memory_equal(u, all[5], sizeof u);
        }
        /* dimensions of one point are not copies of each other */
        assert_true(all[3][0] != all[3][1]);
        tw_design_free(a);
        tw_design_free(b);
        tw_design_free(c);
    }
}

/* --- Sobol' ------------------------------------------------------------- */

/* x^e mod p over GF(2), polynomials as bit masks, degree(p) = s <= 31 */
static uint32_t gf2_mulmod(uint32_t a, uint32_t b, uint32_t p, unsigned s)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 32; i++)
        if ((b >> i) & 1u)
            r ^= (uint64_t)a << i;
    for (int i = 63; i >= (int)s; i--)
        if ((r >> i) & 1u)
            r ^= (uint64_t)p << (i - (int)s);
    return (uint32_t)r;
}

static uint32_t gf2_powx(uint64_t e, uint32_t p, unsigned s)
{
    uint32_t r = 1, b = s == 1 ? 1u : 2u; /* x mod p (x = 1 mod x + 1) */
    while (e) {
        if (e & 1)
            r = gf2_mulmod(r, b, p, s);
        b = gf2_mulmod(b, b, p, s);
        e >>= 1;
    }
    return r;
}

/* p (degree s, with its constant term) is primitive iff x has order exactly
 * 2^s - 1 modulo p: x^(2^s-1) = 1 and x^((2^s-1)/q) != 1 for each prime q. */
static int is_primitive(uint32_t p, unsigned s)
{
    if (!(p & 1u))
        return 0;
    uint64_t order = (1ull << s) - 1, m = order;
    if (gf2_powx(order, p, s) != 1)
        return 0;
    for (uint64_t q = 2; q <= m; q++) {
        if (m % q)
            continue;
        if (gf2_powx(order / q, p, s) == 1)
            return 0;
        while (m % q == 0)
            m /= q;
    }
    return 1;
}

/* The table is new-joe-kuo-6.21201: dimension k >= 1 uses the k-th primitive
 * polynomial in increasing order, with odd m_i < 2^i. A dropped, duplicated or
 * mistyped row breaks this sequence. */
static void test_sobol_table(void **state)
{
    (void)state;
    size_t maxd = tw_design_sobol_max_dim();
    uint32_t cand = 2; /* next candidate polynomial */
    uint32_t m[32];
    for (size_t k = 1; k < maxd; k++) {
        uint32_t poly;
        unsigned s = tw__design_sobol_poly(k, &poly, m);
        assert_true(s >= 1 && s <= 16);
        /* the next primitive polynomial after the previous one */
        for (cand = cand + 1;; cand++) {
            unsigned cs = 0;
            for (uint32_t t = cand; t >>= 1;)
                cs++;
            if (is_primitive(cand, cs))
                break;
        }
        if (poly != cand)
            fail_msg("dimension %zu: polynomial %u, expected the next primitive one %u", k, poly,
                     cand);
        for (unsigned i = 0; i < s; i++)
            if (!(m[i] & 1u) || m[i] >= (1u << (i + 1)))
                fail_msg("dimension %zu: m_%u = %u is not odd and < 2^%u", k, i + 1, m[i], i + 1);
    }
    assert_int_equal(tw__design_sobol_poly(0, m, m), 0);
    assert_int_equal(tw__design_sobol_poly(maxd, m, m), 0);
    assert_true(cand == 15269); /* the 1023rd primitive polynomial (degree 13) */

    /* unscrambled points against SciPy 1.10 (qmc.Sobol(scramble=False),
     * which uses the same direction numbers), as 32-bit fractions */
    const size_t dims[7] = {0, 1, 2, 3, 9, 99, 1023};
    const uint32_t idx[6] = {1, 2, 3, 5, 1000, 123456789};
    const uint32_t want[7][6] = {
        {0x80000000, 0x40000000, 0xc0000000, 0xa0000000, 0x17c00000, 0xa8b3dae0},
        {0x80000000, 0xc0000000, 0x40000000, 0x20000000, 0x29400000, 0x5f6572e0},
        {0x80000000, 0xc0000000, 0x40000000, 0xe0000000, 0x73400000, 0xfc9d8c20},
        {0x80000000, 0xc0000000, 0x40000000, 0xa0000000, 0xe8c00000, 0xc5e4e660},
        {0x80000000, 0x40000000, 0xc0000000, 0x60000000, 0x1f400000, 0xcd829e60},
        {0x80000000, 0x40000000, 0xc0000000, 0x20000000, 0x80400000, 0x60693360},
        {0x80000000, 0x40000000, 0xc0000000, 0x20000000, 0x1e400000, 0xecceef60},
    };
    for (int i = 0; i < 7; i++)
        for (int j = 0; j < 6; j++) {
            uint32_t got = tw__design_sobol_uint(dims[i], idx[j]);
            if (got != want[i][j])
                fail_msg("sobol dim %zu index %u: %08x, expected %08x", dims[i], idx[j], got,
                         want[i][j]);
        }
    assert_int_equal(tw__design_sobol_uint(5, 0), 0);

    /* every direction number of every dimension, end to end: FNV-1a over the
     * bytes (little end first) of the points at indices 2^32-1, 0x55555555
     * and 0x12345 of dimensions 0..1023, reference computed from SciPy's
     * _sobol_direction_numbers.npz with the same recurrence */
    uint64_t h = 0xcbf29ce484222325ull;
    const uint32_t probe[3] = {0xffffffffu, 0x55555555u, 0x12345u};
    for (size_t k = 0; k < maxd; k++)
        for (int i = 0; i < 3; i++) {
            uint32_t x = tw__design_sobol_uint(k, probe[i]);
            for (int byte = 0; byte < 4; byte++) {
                h ^= (x >> (8 * byte)) & 0xffu;
                h *= 0x100000001b3ull;
            }
        }
    if (h != 0xd1ade083a142ec98ull)
        fail_msg("direction-number checksum %016llx differs from SciPy's", (unsigned long long)h);
}

/* Nested scrambling: values sharing their top j bits still share them after
 * scrambling, and the top bits are permuted bijectively. */
static void test_sobol_scramble_nested(void **state)
{
    (void)state;
    static unsigned char seen[256];
    for (uint32_t seed = 1; seed < 200; seed += 7) {
        memset(seen, 0, sizeof seen);
        for (uint32_t top = 0; top < 256; top++) {
            uint32_t x = top << 24;
            uint32_t y = tw__design_sobol_scramble(x, seed);
            assert_false(seen[y >> 24]);
            seen[y >> 24] = 1;
            /* any lower bits keep the same top byte after scrambling */
            uint32_t x2 = x | ((top * 2654435761u + seed) & 0x00ffffffu);
            assert_int_equal(tw__design_sobol_scramble(x2, seed) >> 24, y >> 24);
        }
    }
}

/* Smallest t such that every elementary interval of volume 2^(t-m) holds
 * exactly 2^t of the 2^m points (x, y given as 32-bit fractions). */
static unsigned t_value(const uint32_t *x, const uint32_t *y, unsigned m)
{
    static unsigned cnt[1u << 14];
    for (unsigned t = 0; t <= m; t++) {
        int ok = 1;
        for (unsigned d1 = 0; d1 <= m - t && ok; d1++) {
            unsigned d2 = m - t - d1;
            size_t boxes = (size_t)1 << (m - t);
            memset(cnt, 0, boxes * sizeof cnt[0]);
            for (size_t i = 0; i < ((size_t)1 << m); i++) {
                uint32_t a = d1 ? x[i] >> (32 - d1) : 0, b = d2 ? y[i] >> (32 - d2) : 0;
                cnt[((size_t)a << d2) | b]++;
            }
            for (size_t bx = 0; bx < boxes; bx++)
                if (cnt[bx] != (1u << t)) {
                    ok = 0;
                    break;
                }
        }
        if (ok)
            return t;
    }
    return m + 1;
}

static void test_sobol_nets(void **state)
{
    (void)state;
    enum { D = 8, MMAX = 12 };
    static uint32_t sc[D][1u << MMAX], un[D][1u << MMAX];
    for (unsigned m = 0; m <= MMAX; m++) {
        uint64_t n = 1ull << m;
        tw_design *d = make(TW_DESIGN_SOBOL, 9 + m, n, D);
        double u[D];
        for (uint64_t s = 0; s < n; s++) {
            tw_design_point(d, s, u);
            for (int k = 0; k < D; k++) {
                assert_true(u[k] > 0.0 && u[k] < 1.0);
                /* u = (j + 1/2) 2^-32 exactly */
                double j = u[k] * 0x1p32 - 0.5;
                sc[k][s] = (uint32_t)j;
                assert_true((double)sc[k][s] == j);
                un[k][s] = tw__design_sobol_uint((size_t)k, (uint32_t)s);
            }
        }
        /* (0, m, 1)-net in every dimension: one point per 2^-m interval */
        for (int k = 0; k < D; k++) {
            static unsigned char hit[1u << MMAX];
            memset(hit, 0, n);
            for (uint64_t s = 0; s < n; s++) {
                uint32_t st = m ? sc[k][s] >> (32 - m) : 0;
                assert_false(hit[st]);
                hit[st] = 1;
            }
        }
        /* 2-D projections: the scrambled net has the t-value of the
         * unscrambled one; the first two dimensions form a (0, m, 2)-net */
        if (m <= 10) {
            for (int a = 0; a < D; a++)
                for (int b = a + 1; b < D; b++) {
                    unsigned ts = t_value(sc[a], sc[b], m), tu = t_value(un[a], un[b], m);
                    if (ts != tu)
                        fail_msg("m=%u dims (%d,%d): t = %u scrambled, %u unscrambled", m, a, b,
                                 ts, tu);
                    if (a == 0 && b == 1)
                        assert_int_equal(ts, 0);
                    /* a gross table error would show as a large t */
                    assert_true(ts <= (m < 4 ? m : 4));
                }
        }
        tw_design_free(d);
    }
}

/* The scramble is uniform: point 0 over many seeds is uniform on (0,1). */
static void test_sobol_randomised(void **state)
{
    (void)state;
    enum { S = 4000, D = 3 };
    double sum[D] = {0};
    for (uint64_t seed = 0; seed < S; seed++) {
        tw_design *d = make(TW_DESIGN_SOBOL, seed, 16, D);
        double u[D];
        tw_design_point(d, 0, u);
        for (int k = 0; k < D; k++) {
            assert_true(u[k] > 0.0 && u[k] < 1.0);
            sum[k] += u[k];
        }
        tw_design_free(d);
    }
    for (int k = 0; k < D; k++)
        assert_true(fabs(sum[k] / S - 0.5) < 4.0 * sqrt(1.0 / 12.0 / S));
}

/* f(x) = prod_k (1 + (3 x_k^2 - 1) / k), exact integral 1: smooth and not
 * additive, so LHS helps but less than Sobol'. RMSE over 20 seeds. */
static double integrand(const double *x, int d)
{
    double f = 1.0;
    for (int k = 0; k < d; k++)
        f *= 1.0 + (3.0 * x[k] * x[k] - 1.0) / (k + 1);
    return f;
}

static void test_integration_error(void **state)
{
    (void)state;
    enum { N = 1024, D = 5, R = 20 };
    double rmse[3];
    for (int kind = 0; kind < 3; kind++) {
        double se = 0.0;
        for (uint64_t r = 0; r < R; r++) {
            tw_design *d = make((tw_design_kind)kind, 1000 + r, N, D);
            double u[D], sum = 0.0;
            for (uint64_t s = 0; s < N; s++) {
                tw_design_point(d, s, u);
                sum += integrand(u, D);
            }
            se += (sum / N - 1.0) * (sum / N - 1.0);
            tw_design_free(d);
        }
        rmse[kind] = sqrt(se / R);
    }
    print_message("integration RMSE (n=%d, d=%d, %d seeds): mc %.3g, lhs %.3g (x%.1f), sobol %.3g "
                  "(x%.0f)\n",
                  N, D, R, rmse[0], rmse[1], rmse[0] / rmse[1], rmse[2], rmse[0] / rmse[2]);
    assert_true(rmse[1] < 0.5 * rmse[0]);
    assert_true(rmse[2] < 0.1 * rmse[0]);
    assert_true(rmse[2] < rmse[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_philox_kat),
        cmocka_unit_test(test_names_and_errors),
        cmocka_unit_test(test_mc_uniform),
        cmocka_unit_test(test_permute_bijection),
        cmocka_unit_test(test_lhs_stratified),
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_sobol_table),
        cmocka_unit_test(test_sobol_scramble_nested),
        cmocka_unit_test(test_sobol_nets),
        cmocka_unit_test(test_sobol_randomised),
        cmocka_unit_test(test_integration_error),
    };
    return cmocka_run_group_tests_name("design", tests, NULL, NULL);
}
