/* tradewar model: numeric kernels of the solver (internal).
 *
 * twm_vec_exp / twm_vec_log: branch-free fdlibm algorithms (< 1 ulp) that
 * vectorise with baseline SSE2 and give the same bits on every machine;
 * arguments outside the fast path fall back to libm.
 * twm_cols_gemv / twm_cols_dot: sums over regions for a row of sectors with
 * the partial sums in registers, bitwise equal to the plain loops (same
 * operations in the same order). See twm_kernels.c for the exact contracts.
 */
#ifndef TRADEWAR_TWM_KERNELS_H
#define TRADEWAR_TWM_KERNELS_H

#include <stddef.h>

/* y[i] = exp(x[i]) and y[i] = log(x[i]), i < n. */
void twm_vec_exp(double *restrict y, const double *restrict x, size_t n);
void twm_vec_log(double *restrict y, const double *restrict x, size_t n);
/* out[j] += sum_{k < cnt, k != skip} a[k*J + j] v[k], j < J. */
void twm_cols_gemv(double *restrict out, const double *restrict a, const double *restrict v,
                   size_t cnt, size_t skip, size_t J);
/* out[j] = sum_{i < cnt} a[i*as + j] b[i*bs + j], j < J. */
void twm_cols_dot(double *restrict out, const double *restrict a, size_t as,
                  const double *restrict b, size_t bs, size_t cnt, size_t J);
/* out[j] = sum_{k < cnt} a[j*as + k] v[k], j < J (row dot products: a
 * matrix stored for twm_cols_gemv applied transposed); four lane sums per
 * row in a fixed order, the same bits in every clone. */
void twm_rows_dot(double *restrict out, const double *restrict a, size_t as,
                  const double *restrict v, size_t cnt, size_t J);
/* out[j] = sum_{i < cnt} a[i*as + j] b[i*J + j] (as twm_cols_dot with bs = J)
 * and, on the same loads, acc[i*J + j] += a[i*as + j] c[j], j < J. */
void twm_cols_dot_acc(double *restrict out, double *restrict acc, const double *restrict a,
                      size_t as, const double *restrict b, const double *restrict c, size_t cnt,
                      size_t J);
/* Which clones run ("avx+avx2+avx512f", "avx+avx2", "avx" or "base"; the
 * same bits). Chosen from the CPU on first use (TWM_KERNELS=base in the
 * environment: the baseline; =avx2: no AVX-512);
 * twm_kernels_select(1) forces the baseline, (2) at most AVX2, (0) the CPU's
 * choice (tests). */
const char *twm_kernels_isa(void);
void twm_kernels_select(int level);

#endif
