/* Numeric kernels of the solver: vector exp/log and register-blocked
 * column sums (see twm_kernels.h). */
#include "twm_kernels.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
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

void twm_vec_exp(double *restrict y, const double *restrict x, size_t n)
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

void twm_vec_log(double *restrict y, const double *restrict x, size_t n)
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

/* Elementwise kernels over one sector row (J contiguous doubles). restrict
 * lets the compiler vectorise them without run-time alias checks; each
 * element sees the same operations in the same order as a scalar loop, so
 * the results are bitwise those of the plain loops (no reassociation). */
/* One block of W sectors starting at j. W is a compile-time constant at
 * every call, so the q-loops unroll completely and s[] lives in registers. */
static inline void gemv_block(double *restrict out, const double *restrict a,
                              const double *restrict v, size_t cnt, size_t skip, size_t J,
                              size_t j, size_t W)
{
    double s[10];
    for (size_t q = 0; q < W; q++)
        s[q] = out[j + q];
    for (size_t k = 0; k < cnt; k++) {
        if (k == skip)
            continue;
        const double *pa = a + k * J + j;
        const double vk = v[k];
        for (size_t q = 0; q < W; q++)
            s[q] += pa[q] * vk;
    }
    for (size_t q = 0; q < W; q++)
        out[j + q] = s[q];
}

static inline void dot_block(double *restrict out, const double *restrict a, size_t as,
                             const double *restrict b, size_t bs, size_t cnt, size_t j, size_t W)
{
    double s[10] = {0.0};
    const double *pa = a + j, *pb = b + j;
    for (size_t i = 0; i < cnt; i++, pa += as, pb += bs)
        for (size_t q = 0; q < W; q++)
            s[q] += pa[q] * pb[q];
    for (size_t q = 0; q < W; q++)
        out[j + q] = s[q];
}

/* out[j] += sum_{k < cnt, k != skip} a[k*J + j] v[k] for j < J, terms
 * added in the order k = 0, 1, ... (bitwise what "for k: out[j] += a[j] v[k]"
 * gives), partial sums in registers ten, eight, four, two or one sectors at a
 * time. */
void twm_cols_gemv(double *restrict out, const double *restrict a, const double *restrict v,
                   size_t cnt, size_t skip, size_t J)
{
    size_t j = 0;
    for (; j + 10 <= J; j += 10)
        gemv_block(out, a, v, cnt, skip, J, j, 10);
    for (; j + 8 <= J; j += 8)
        gemv_block(out, a, v, cnt, skip, J, j, 8);
    for (; j + 4 <= J; j += 4)
        gemv_block(out, a, v, cnt, skip, J, j, 4);
    for (; j + 2 <= J; j += 2)
        gemv_block(out, a, v, cnt, skip, J, j, 2);
    for (; j < J; j++)
        gemv_block(out, a, v, cnt, skip, J, j, 1);
}

/* out[j] = sum_{i < cnt} a[i*as + j] b[i*bs + j] for j < J, each sum
 * accumulated from 0.0 in the order i = 0, 1, ... (bitwise what a loop
 * "out = 0; for i: out[j] += a[j] b[j]" gives), with the partial sums kept
 * in registers ten, eight, four, two or one sectors at a time instead of
 * stored after every term. */
void twm_cols_dot(double *restrict out, const double *restrict a, size_t as,
                  const double *restrict b, size_t bs, size_t cnt, size_t J)
{
    size_t j = 0;
    for (; j + 10 <= J; j += 10)
        dot_block(out, a, as, b, bs, cnt, j, 10);
    for (; j + 8 <= J; j += 8)
        dot_block(out, a, as, b, bs, cnt, j, 8);
    for (; j + 4 <= J; j += 4)
        dot_block(out, a, as, b, bs, cnt, j, 4);
    for (; j + 2 <= J; j += 2)
        dot_block(out, a, as, b, bs, cnt, j, 2);
    for (; j < J; j++)
        dot_block(out, a, as, b, bs, cnt, j, 1);
}
