/* Numeric kernels of the solver: vector exp/log and register-blocked
 * column sums (see twm_kernels.h). */
#include "twm_kernels.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Vector exp and log for the price sweep (2 x NJ calls per sweep, about a
 * fifth of a solve with libm). fdlibm's algorithms (Sun, 1993: e_exp.c and
 * e_log.c, same reductions and minimax coefficients, error < 1 ulp), written
 * branch-free so that the loops vectorise with plain SSE2, with the
 * exponent handled by integer operations on the bits. Measured against
 * glibc on 2^23 and 6 x 2^20 arguments: at most 1 ulp apart, identical in
 * 96-97 % of cases. Pure IEEE double arithmetic with no library call, so the
 * results are the same on every machine (glibc picks an FMA or non-FMA
 * variant at run time). Arguments outside the fast path (|x| > 700 or NaN
 * for exp; not a positive normal finite number for log) are redone by libm,
 * which keeps inf/NaN/0 behaviour exactly. */
static inline uint64_t f64_bits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline double bits_f64(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static const double LN2_HI = 6.93147180369123816490e-01; /* 0x3fe62e42fee00000 */
static const double LN2_LO = 1.90821492927058770002e-10; /* 0x3dea39ef35793c76 */

#define TWM_INLINE static inline __attribute__((always_inline))

TWM_INLINE void exp_body(double *restrict y, const double *restrict x, size_t n)
{
    const double invln2 = 1.44269504088896338700e+00, shift = 0x1.8p52;
    const double P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03,
                 P3 = 6.61375632143793436117e-05, P4 = -1.65339022054652515390e-06,
                 P5 = 4.13813679705723846039e-08;
    uint64_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        double xi = x[i];
        /* top bit set when |x| > 700 (0x4085e...) or x is NaN */
        bad |= (UINT64_C(0x4085e00000000000) - (f64_bits(xi) & UINT64_C(0x7fffffffffffffff))) >> 63;
        double kd = xi * invln2 + shift; /* round(x / ln 2) in the low bits */
        uint64_t kb = f64_bits(kd);
        kd -= shift;
        double hi = xi - kd * LN2_HI, lo = kd * LN2_LO, r = hi - lo;
        double t = r * r;
        double c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
        double e = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
        y[i] = e * bits_f64((kb + 1023u) << 52); /* times 2^k */
    }
    if (bad)
        for (size_t i = 0; i < n; i++)
            if (!(fabs(x[i]) <= 700.0))
                y[i] = exp(x[i]);
}

TWM_INLINE void log_body(double *restrict y, const double *restrict x, size_t n)
{
    const double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
                 Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
                 Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                 Lg7 = 1.479819860511658591e-01;
    uint64_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t b = f64_bits(x[i]);
        /* top bit set unless DBL_MIN <= x <= DBL_MAX */
        bad |= ((b - UINT64_C(0x0010000000000000)) | (UINT64_C(0x7fefffffffffffff) - b)) >> 63;
        /* x = 2^k m, m in [sqrt(1/2), sqrt(2)) */
        uint64_t eb = (b + UINT64_C(0x00095f619980c433)) >> 52; /* k + 1023 */
        double m = bits_f64(b - (eb << 52) + UINT64_C(0x3ff0000000000000));
        double dk = bits_f64(UINT64_C(0x4330000000000000) | eb) - (0x1p52 + 1023.0);
        double f = m - 1.0, s = f / (2.0 + f), z = s * s, w = z * z;
        double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
        double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
        double R = t2 + t1, hfsq = 0.5 * f * f;
        y[i] = dk * LN2_HI - ((hfsq - (s * (hfsq + R) + dk * LN2_LO)) - f);
    }
    if (bad)
        for (size_t i = 0; i < n; i++)
            if (!(x[i] >= DBL_MIN && x[i] <= DBL_MAX))
                y[i] = log(x[i]);
}

/* Column sums over one row of sectors. Each output element sees the same
 * IEEE operations in the same order as the plain scalar loop (one multiply
 * and one add per term, no reassociation, no FMA: the project builds with
 * -ffp-contract=off), so the results are bitwise those of the loops whatever
 * the vector width.
 *
 * Why explicit vectors: GCC -O2 did not unroll the generic "s[q] for q < W"
 * blocks, so the partial sums went through the stack on every term (7
 * instructions per 2 terms; callgrind, issue 12). Here the partial sums are
 * named vector variables (GCC's vector extension: 4 doubles, lowered to two
 * SSE2 registers on baseline x86-64, one AVX register in the AVX clone, plain
 * scalar code elsewhere) for blocks of 16, 8, 4 and 2 sectors, the rest
 * scalar. The AVX clone (chosen once at run time when the CPU has AVX) uses
 * no FMA either, so both clones give the same bits. */
typedef double v4d __attribute__((vector_size(32)));
typedef double v2d __attribute__((vector_size(16)));
typedef double v4u __attribute__((vector_size(32), aligned(8), may_alias));
typedef double v2u __attribute__((vector_size(16), aligned(8), may_alias));
/* A two-vector lane shuffle: GCC spells it __builtin_shuffle with an index
 * vector, clang (the fuzz and tsan presets) __builtin_shufflevector with
 * constant indices; both pick the same lanes, so the bits are the same. */
#if defined(__clang__)
#define SHUF4(x, y, i0, i1, i2, i3) __builtin_shufflevector(x, y, i0, i1, i2, i3)
#else
typedef long long v4i __attribute__((vector_size(32)));
#define SHUF4(x, y, i0, i1, i2, i3) __builtin_shuffle(x, y, (v4i){i0, i1, i2, i3})
#endif

#define LD4(p) (*(const v4u *)(p))
#define ST4(p, v) (*(v4u *)(p) = (v))
#define LD2(p) (*(const v2u *)(p))
#define ST2(p, v) (*(v2u *)(p) = (v))

/* out[j] += sum_{k < cnt, k != skip} a[k*J + j] v[k], k = 0, 1, ... */
TWM_INLINE void gemv_body(double *restrict out, const double *restrict a,
                          const double *restrict v, size_t cnt, size_t skip, size_t J,
                          int wide, size_t j)
{
    /* 32 sectors (8 AVX registers of partial sums) where registers allow:
     * each partial sum is a chain of dependent adds, and 4 chains leave the
     * adder waiting on its latency */
    if (wide)
        for (; j + 32 <= J; j += 32) {
            v4d s[8];
            for (int q = 0; q < 8; q++)
                s[q] = LD4(out + j + 4 * q);
            const double *pa = a + j;
            for (size_t k = 0; k < cnt; k++, pa += J) {
                if (k == skip)
                    continue;
                const v4d vk = {v[k], v[k], v[k], v[k]};
                s[0] += LD4(pa) * vk;
                s[1] += LD4(pa + 4) * vk;
                s[2] += LD4(pa + 8) * vk;
                s[3] += LD4(pa + 12) * vk;
                s[4] += LD4(pa + 16) * vk;
                s[5] += LD4(pa + 20) * vk;
                s[6] += LD4(pa + 24) * vk;
                s[7] += LD4(pa + 28) * vk;
            }
            for (int q = 0; q < 8; q++)
                ST4(out + j + 4 * q, s[q]);
        }
    for (; j + 16 <= J; j += 16) {
        v4d s0 = LD4(out + j), s1 = LD4(out + j + 4), s2 = LD4(out + j + 8),
            s3 = LD4(out + j + 12);
        const double *pa = a + j;
        for (size_t k = 0; k < cnt; k++, pa += J) {
            if (k == skip)
                continue;
            const v4d vk = {v[k], v[k], v[k], v[k]};
            s0 += LD4(pa) * vk;
            s1 += LD4(pa + 4) * vk;
            s2 += LD4(pa + 8) * vk;
            s3 += LD4(pa + 12) * vk;
        }
        ST4(out + j, s0);
        ST4(out + j + 4, s1);
        ST4(out + j + 8, s2);
        ST4(out + j + 12, s3);
    }
    for (; j + 8 <= J; j += 8) {
        v4d s0 = LD4(out + j), s1 = LD4(out + j + 4);
        const double *pa = a + j;
        for (size_t k = 0; k < cnt; k++, pa += J) {
            if (k == skip)
                continue;
            const v4d vk = {v[k], v[k], v[k], v[k]};
            s0 += LD4(pa) * vk;
            s1 += LD4(pa + 4) * vk;
        }
        ST4(out + j, s0);
        ST4(out + j + 4, s1);
    }
    for (; j + 4 <= J; j += 4) {
        v4d s0 = LD4(out + j);
        const double *pa = a + j;
        for (size_t k = 0; k < cnt; k++, pa += J) {
            if (k == skip)
                continue;
            const v4d vk = {v[k], v[k], v[k], v[k]};
            s0 += LD4(pa) * vk;
        }
        ST4(out + j, s0);
    }
    for (; j + 2 <= J; j += 2) {
        v2d s0 = LD2(out + j);
        const double *pa = a + j;
        for (size_t k = 0; k < cnt; k++, pa += J) {
            if (k == skip)
                continue;
            const v2d vk = {v[k], v[k]};
            s0 += LD2(pa) * vk;
        }
        ST2(out + j, s0);
    }
    for (; j < J; j++) {
        double s0 = out[j];
        const double *pa = a + j;
        for (size_t k = 0; k < cnt; k++, pa += J) {
            if (k == skip)
                continue;
            s0 += pa[0] * v[k];
        }
        out[j] = s0;
    }
}

/* out[j] = sum_{i < cnt} a[i*as + j] b[i*bs + j], from 0.0, i = 0, 1, ... */
TWM_INLINE void dot_body(double *restrict out, const double *restrict a, size_t as,
                         const double *restrict b, size_t bs, size_t cnt, size_t J)
{
    size_t j = 0;
    for (; j + 16 <= J; j += 16) {
        v4d s0 = {0.0, 0.0, 0.0, 0.0}, s1 = s0, s2 = s0, s3 = s0;
        const double *pa = a + j, *pb = b + j;
        for (size_t i = 0; i < cnt; i++, pa += as, pb += bs) {
            s0 += LD4(pa) * LD4(pb);
            s1 += LD4(pa + 4) * LD4(pb + 4);
            s2 += LD4(pa + 8) * LD4(pb + 8);
            s3 += LD4(pa + 12) * LD4(pb + 12);
        }
        ST4(out + j, s0);
        ST4(out + j + 4, s1);
        ST4(out + j + 8, s2);
        ST4(out + j + 12, s3);
    }
    for (; j + 8 <= J; j += 8) {
        v4d s0 = {0.0, 0.0, 0.0, 0.0}, s1 = s0;
        const double *pa = a + j, *pb = b + j;
        for (size_t i = 0; i < cnt; i++, pa += as, pb += bs) {
            s0 += LD4(pa) * LD4(pb);
            s1 += LD4(pa + 4) * LD4(pb + 4);
        }
        ST4(out + j, s0);
        ST4(out + j + 4, s1);
    }
    for (; j + 4 <= J; j += 4) {
        v4d s0 = {0.0, 0.0, 0.0, 0.0};
        const double *pa = a + j, *pb = b + j;
        for (size_t i = 0; i < cnt; i++, pa += as, pb += bs)
            s0 += LD4(pa) * LD4(pb);
        ST4(out + j, s0);
    }
    for (; j + 2 <= J; j += 2) {
        v2d s0 = {0.0, 0.0};
        const double *pa = a + j, *pb = b + j;
        for (size_t i = 0; i < cnt; i++, pa += as, pb += bs)
            s0 += LD2(pa) * LD2(pb);
        ST2(out + j, s0);
    }
    for (; j < J; j++) {
        double s0 = 0.0;
        const double *pa = a + j, *pb = b + j;
        for (size_t i = 0; i < cnt; i++, pa += as, pb += bs)
            s0 += pa[0] * pb[0];
        out[j] = s0;
    }
}

/* The X sweep's pass over B (twm_solver.c): out[j] = sum_{i < cnt}
 * a[i*as + j] b[i*J + j] from 0.0 in i order (dot_body's sums), and on the
 * same loads acc[i*J + j] += a[i*as + j] c[j] (one multiply and one add per
 * element, so the order of the blocks does not matter): the importers'
 * T[n] = sum_i B[n,i] e[i] gathered while the column sums for Y' stream B,
 * instead of a second pass over the N^2 J array (issue 12). */
TWM_INLINE void dotacc_body(double *restrict out, double *restrict acc,
                            const double *restrict a, size_t as, const double *restrict b,
                            const double *restrict c, size_t cnt, size_t J, size_t j)
{
    for (; j + 16 <= J; j += 16) {
        v4d s0 = {0.0, 0.0, 0.0, 0.0}, s1 = s0, s2 = s0, s3 = s0;
        const v4d c0 = LD4(c + j), c1 = LD4(c + j + 4), c2 = LD4(c + j + 8),
                  c3 = LD4(c + j + 12);
        const double *pa = a + j, *pb = b + j;
        double *pt = acc + j;
        for (size_t i = 0; i < cnt; i++, pa += as, pb += J, pt += J) {
            const v4d a0 = LD4(pa), a1 = LD4(pa + 4), a2 = LD4(pa + 8), a3 = LD4(pa + 12);
            s0 += a0 * LD4(pb);
            s1 += a1 * LD4(pb + 4);
            s2 += a2 * LD4(pb + 8);
            s3 += a3 * LD4(pb + 12);
            ST4(pt, LD4(pt) + a0 * c0);
            ST4(pt + 4, LD4(pt + 4) + a1 * c1);
            ST4(pt + 8, LD4(pt + 8) + a2 * c2);
            ST4(pt + 12, LD4(pt + 12) + a3 * c3);
        }
        ST4(out + j, s0);
        ST4(out + j + 4, s1);
        ST4(out + j + 8, s2);
        ST4(out + j + 12, s3);
    }
    for (; j + 4 <= J; j += 4) {
        v4d s0 = {0.0, 0.0, 0.0, 0.0};
        const v4d c0 = LD4(c + j);
        const double *pa = a + j, *pb = b + j;
        double *pt = acc + j;
        for (size_t i = 0; i < cnt; i++, pa += as, pb += J, pt += J) {
            const v4d a0 = LD4(pa);
            s0 += a0 * LD4(pb);
            ST4(pt, LD4(pt) + a0 * c0);
        }
        ST4(out + j, s0);
    }
    for (; j < J; j++) {
        double s0 = 0.0;
        const double *pa = a + j, *pb = b + j;
        double *pt = acc + j;
        for (size_t i = 0; i < cnt; i++, pa += as, pb += J, pt += J) {
            s0 += pa[0] * pb[0];
            pt[0] += pa[0] * c[j];
        }
        out[j] = s0;
    }
}

static void dotacc_base(double *restrict out, double *restrict acc, const double *restrict a,
                        size_t as, const double *restrict b, const double *restrict c,
                        size_t cnt, size_t J)
{
    dotacc_body(out, acc, a, as, b, c, cnt, J, 0);
}

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
/* AVX-512 clones: 8 doubles a register, blocks of 32 and 8 sectors, the rest
 * by the 4-wide code (each partial sum still in the plain loop's order). */
typedef double v8d __attribute__((vector_size(64)));
typedef double v8u __attribute__((vector_size(64), aligned(8), may_alias));
#define LD8(p) (*(const v8u *)(p))
#define ST8(p, v) (*(v8u *)(p) = (v))

TWM_INLINE void gemv_body8(double *restrict out, const double *restrict a,
                           const double *restrict v, size_t cnt, size_t skip, size_t J)
{
    size_t j = 0;
    for (; j + 32 <= J; j += 32) {
        v8d s0 = LD8(out + j), s1 = LD8(out + j + 8), s2 = LD8(out + j + 16),
            s3 = LD8(out + j + 24);
        const double *pa = a + j;
        for (size_t k = 0; k < cnt; k++, pa += J) {
            if (k == skip)
                continue;
            const v8d vk = {v[k], v[k], v[k], v[k], v[k], v[k], v[k], v[k]};
            s0 += LD8(pa) * vk;
            s1 += LD8(pa + 8) * vk;
            s2 += LD8(pa + 16) * vk;
            s3 += LD8(pa + 24) * vk;
        }
        ST8(out + j, s0);
        ST8(out + j + 8, s1);
        ST8(out + j + 16, s2);
        ST8(out + j + 24, s3);
    }
    for (; j + 8 <= J; j += 8) {
        v8d s0 = LD8(out + j);
        const double *pa = a + j;
        for (size_t k = 0; k < cnt; k++, pa += J) {
            if (k == skip)
                continue;
            const v8d vk = {v[k], v[k], v[k], v[k], v[k], v[k], v[k], v[k]};
            s0 += LD8(pa) * vk;
        }
        ST8(out + j, s0);
    }
    gemv_body(out, a, v, cnt, skip, J, 0, j);
}

TWM_INLINE void dot_body8(double *restrict out, const double *restrict a, size_t as,
                          const double *restrict b, size_t bs, size_t cnt, size_t J)
{
    size_t j = 0;
    for (; j + 32 <= J; j += 32) {
        v8d s0 = {0.0}, s1 = s0, s2 = s0, s3 = s0;
        const double *pa = a + j, *pb = b + j;
        for (size_t i = 0; i < cnt; i++, pa += as, pb += bs) {
            s0 += LD8(pa) * LD8(pb);
            s1 += LD8(pa + 8) * LD8(pb + 8);
            s2 += LD8(pa + 16) * LD8(pb + 16);
            s3 += LD8(pa + 24) * LD8(pb + 24);
        }
        ST8(out + j, s0);
        ST8(out + j + 8, s1);
        ST8(out + j + 16, s2);
        ST8(out + j + 24, s3);
    }
    for (; j + 8 <= J; j += 8) {
        v8d s0 = {0.0};
        const double *pa = a + j, *pb = b + j;
        for (size_t i = 0; i < cnt; i++, pa += as, pb += bs)
            s0 += LD8(pa) * LD8(pb);
        ST8(out + j, s0);
    }
    if (j < J)
        dot_body(out + j, a + j, as, b + j, bs, cnt, J - j);
}

__attribute__((target("avx512f"))) static void gemv_512(double *restrict out,
                                                        const double *restrict a,
                                                        const double *restrict v, size_t cnt,
                                                        size_t skip, size_t J)
{
    gemv_body8(out, a, v, cnt, skip, J);
}

__attribute__((target("avx512f"))) static void dot_512(double *restrict out,
                                                       const double *restrict a, size_t as,
                                                       const double *restrict b, size_t bs,
                                                       size_t cnt, size_t J)
{
    dot_body8(out, a, as, b, bs, cnt, J);
}

TWM_INLINE void dotacc_body8(double *restrict out, double *restrict acc,
                             const double *restrict a, size_t as, const double *restrict b,
                             const double *restrict c, size_t cnt, size_t J)
{
    size_t j = 0;
    for (; j + 16 <= J; j += 16) {
        v8d s0 = {0.0}, s1 = s0;
        const v8d c0 = LD8(c + j), c1 = LD8(c + j + 8);
        const double *pa = a + j, *pb = b + j;
        double *pt = acc + j;
        for (size_t i = 0; i < cnt; i++, pa += as, pb += J, pt += J) {
            const v8d a0 = LD8(pa), a1 = LD8(pa + 8);
            s0 += a0 * LD8(pb);
            s1 += a1 * LD8(pb + 8);
            ST8(pt, LD8(pt) + a0 * c0);
            ST8(pt + 8, LD8(pt + 8) + a1 * c1);
        }
        ST8(out + j, s0);
        ST8(out + j + 8, s1);
    }
    for (; j + 8 <= J; j += 8) {
        v8d s0 = {0.0};
        const v8d c0 = LD8(c + j);
        const double *pa = a + j, *pb = b + j;
        double *pt = acc + j;
        for (size_t i = 0; i < cnt; i++, pa += as, pb += J, pt += J) {
            const v8d a0 = LD8(pa);
            s0 += a0 * LD8(pb);
            ST8(pt, LD8(pt) + a0 * c0);
        }
        ST8(out + j, s0);
    }
    dotacc_body(out, acc, a, as, b, c, cnt, J, j);
}

__attribute__((target("avx512f"))) static void dotacc_512(double *restrict out,
                                                          double *restrict acc,
                                                          const double *restrict a, size_t as,
                                                          const double *restrict b,
                                                          const double *restrict c, size_t cnt,
                                                          size_t J)
{
    dotacc_body8(out, acc, a, as, b, c, cnt, J);
}
#endif

static void gemv_base(double *restrict out, const double *restrict a, const double *restrict v,
                      size_t cnt, size_t skip, size_t J)
{
    gemv_body(out, a, v, cnt, skip, J, 0, 0);
}

static void dot_base(double *restrict out, const double *restrict a, size_t as,
                     const double *restrict b, size_t bs, size_t cnt, size_t J)
{
    dot_body(out, a, as, b, bs, cnt, J);
}


/* out[j] = sum_{k < cnt} a[j*as + k] v[k], j < J: row dot products (the
 * transpose of gemv_body's access). Each row's sum is four lane sums over
 * k = 4q + l (lane l in q order), folded as (l0 + l1) + (l2 + l3), then
 * the k >= 4 (cnt / 4) tail in order: the same operations for every row,
 * whichever block of four rows it falls in, and in every clone. */
TWM_INLINE void rowdot_body(double *restrict out, const double *restrict a, size_t as,
                            const double *restrict v, size_t cnt, size_t J)
{
    size_t c4 = cnt & ~(size_t)3, j = 0;
    for (; j + 4 <= J; j += 4) {
        const double *a0 = a + j * as, *a1 = a0 + as, *a2 = a1 + as, *a3 = a2 + as;
        v4d s0 = {0, 0, 0, 0}, s1 = s0, s2 = s0, s3 = s0;
        for (size_t k = 0; k < c4; k += 4) {
            const v4d vk = LD4(v + k);
            s0 += LD4(a0 + k) * vk;
            s1 += LD4(a1 + k) * vk;
            s2 += LD4(a2 + k) * vk;
            s3 += LD4(a3 + k) * vk;
        }
        /* the four rows' (l0 + l1) + (l2 + l3) at once (pairwise sums by
         * shuffles: the same additions, not a horizontal-add chain per row) */
        const v4d p01 = SHUF4(s0, s1, 0, 4, 2, 6) + SHUF4(s0, s1, 1, 5, 3, 7);
        const v4d p23 = SHUF4(s2, s3, 0, 4, 2, 6) + SHUF4(s2, s3, 1, 5, 3, 7);
        v4d r = SHUF4(p01, p23, 0, 1, 4, 5) + SHUF4(p01, p23, 2, 3, 6, 7);
        for (size_t k = c4; k < cnt; k++) {
            const v4d ak = {a0[k], a1[k], a2[k], a3[k]};
            const v4d vk = {v[k], v[k], v[k], v[k]};
            r += ak * vk;
        }
        ST4(out + j, r);
    }
    for (; j < J; j++) {
        const double *a0 = a + j * as;
        v4d s0 = {0, 0, 0, 0};
        for (size_t k = 0; k < c4; k += 4)
            s0 += LD4(a0 + k) * LD4(v + k);
        double r0 = (s0[0] + s0[1]) + (s0[2] + s0[3]);
        for (size_t k = c4; k < cnt; k++)
            r0 += a0[k] * v[k];
        out[j] = r0;
    }
}

static void rowdot_base(double *restrict out, const double *restrict a, size_t as,
                        const double *restrict v, size_t cnt, size_t J)
{
    rowdot_body(out, a, as, v, cnt, J);
}

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define TWM_HAVE_AVX_CLONE 1
__attribute__((target("avx"))) static void rowdot_avx(double *restrict out,
                                                      const double *restrict a, size_t as,
                                                      const double *restrict v, size_t cnt,
                                                      size_t J)
{
    rowdot_body(out, a, as, v, cnt, J);
}

__attribute__((target("avx"))) static void gemv_avx(double *restrict out,
                                                    const double *restrict a,
                                                    const double *restrict v, size_t cnt,
                                                    size_t skip, size_t J)
{
    gemv_body(out, a, v, cnt, skip, J, 1, 0);
}

__attribute__((target("avx"))) static void dot_avx(double *restrict out,
                                                   const double *restrict a, size_t as,
                                                   const double *restrict b, size_t bs,
                                                   size_t cnt, size_t J)
{
    dot_body(out, a, as, b, bs, cnt, J);
}

__attribute__((target("avx"))) static void dotacc_avx(double *restrict out,
                                                      double *restrict acc,
                                                      const double *restrict a, size_t as,
                                                      const double *restrict b,
                                                      const double *restrict c, size_t cnt,
                                                      size_t J)
{
    dotacc_body(out, acc, a, as, b, c, cnt, J, 0);
}

/* exp/log: 64-bit integer lanes, hence AVX2 (no FMA: same bits). */
__attribute__((target("avx2"))) static void exp_avx2(double *restrict y,
                                                     const double *restrict x, size_t n)
{
    exp_body(y, x, n);
}

__attribute__((target("avx2"))) static void log_avx2(double *restrict y,
                                                     const double *restrict x, size_t n)
{
    log_body(y, x, n);
}
#endif

static void exp_base(double *restrict y, const double *restrict x, size_t n)
{
    exp_body(y, x, n);
}

static void log_base(double *restrict y, const double *restrict x, size_t n)
{
    log_body(y, x, n);
}

/* The clones for this CPU, chosen on first use (a benign race: every thread
 * stores the same value): bit 0 AVX (column sums, row dots), bit 1 AVX2
 * (exp/log), bit 2 AVX-512F (column sums). TWM_KERNELS=base forces the
 * baseline clones and TWM_KERNELS=avx2 stops at AVX2, for checking that all
 * give the same bits (valgrind does not emulate AVX-512, so callgrind runs
 * the AVX2 clones). */
static int use_isa = -1;

static int pick_isa(void)
{
    int u = 0;
#ifdef TWM_HAVE_AVX_CLONE
    const char *f = getenv("TWM_KERNELS");
    __builtin_cpu_init();
    if (!(f && !strcmp(f, "base")))
        u = (__builtin_cpu_supports("avx") ? 1 : 0) |
            (__builtin_cpu_supports("avx512f") && !(f && !strcmp(f, "avx2")) ? 4 : 0) |
            (__builtin_cpu_supports("avx") && __builtin_cpu_supports("avx2") ? 2 : 0);
#endif
    __atomic_store_n(&use_isa, u, __ATOMIC_RELAXED);
    return u;
}

static inline int isa(void)
{
    int u = __atomic_load_n(&use_isa, __ATOMIC_RELAXED);
    return u >= 0 ? u : pick_isa();
}

static inline int avx_on(void)
{
    return isa() & 1;
}

void twm_vec_exp(double *restrict y, const double *restrict x, size_t n)
{
#ifdef TWM_HAVE_AVX_CLONE
    if (isa() & 2) {
        exp_avx2(y, x, n);
        return;
    }
#endif
    exp_base(y, x, n);
}

void twm_vec_log(double *restrict y, const double *restrict x, size_t n)
{
#ifdef TWM_HAVE_AVX_CLONE
    if (isa() & 2) {
        log_avx2(y, x, n);
        return;
    }
#endif
    log_base(y, x, n);
}

void twm_cols_gemv(double *restrict out, const double *restrict a, const double *restrict v,
                   size_t cnt, size_t skip, size_t J)
{
#ifdef TWM_HAVE_AVX_CLONE
    if (isa() & 4) {
        gemv_512(out, a, v, cnt, skip, J);
        return;
    }
    if (avx_on()) {
        gemv_avx(out, a, v, cnt, skip, J);
        return;
    }
#endif
    gemv_base(out, a, v, cnt, skip, J);
}

void twm_cols_dot(double *restrict out, const double *restrict a, size_t as,
                  const double *restrict b, size_t bs, size_t cnt, size_t J)
{
#ifdef TWM_HAVE_AVX_CLONE
    if (isa() & 4) {
        dot_512(out, a, as, b, bs, cnt, J);
        return;
    }
    if (avx_on()) {
        dot_avx(out, a, as, b, bs, cnt, J);
        return;
    }
#endif
    dot_base(out, a, as, b, bs, cnt, J);
}

void twm_rows_dot(double *restrict out, const double *restrict a, size_t as,
                  const double *restrict v, size_t cnt, size_t J)
{
#ifdef TWM_HAVE_AVX_CLONE
    if (avx_on()) {
        rowdot_avx(out, a, as, v, cnt, J);
        return;
    }
#endif
    rowdot_base(out, a, as, v, cnt, J);
}

void twm_cols_dot_acc(double *restrict out, double *restrict acc, const double *restrict a,
                      size_t as, const double *restrict b, const double *restrict c, size_t cnt,
                      size_t J)
{
#ifdef TWM_HAVE_AVX_CLONE
    if (isa() & 4) {
        dotacc_512(out, acc, a, as, b, c, cnt, J);
        return;
    }
    if (avx_on()) {
        dotacc_avx(out, acc, a, as, b, c, cnt, J);
        return;
    }
#endif
    dotacc_base(out, acc, a, as, b, c, cnt, J);
}

void twm_kernels_select(int level)
{
    int u = pick_isa();
    if (level == 1)
        u = 0;
    else if (level == 2)
        u &= 3;
    __atomic_store_n(&use_isa, u, __ATOMIC_RELAXED);
}

const char *twm_kernels_isa(void)
{
    int u = isa();
    return (u & 4) ? "avx+avx2+avx512f" : (u & 2) ? "avx+avx2" : (u & 1) ? "avx" : "base";
}
