/* Internal: the Joe–Kuo Sobol' direction numbers used by design.c (a data
 * table, kept apart so that design.c reads as code). */
#ifndef TRADEWAR_SOBOL_TABLE_H
#define TRADEWAR_SOBOL_TABLE_H

#include <stdint.h>

/* Dimensions 2..1024 of new-joe-kuo-6.21201 (S. Joe and F. Y. Kuo,
 * "Constructing Sobol sequences with better two-dimensional projections",
 * SIAM J. Sci. Comput. 30, 2635-2654, 2008; https://web.maths.unsw.edu.au/
 * ~fkuo/sobol/), one entry per dimension: the primitive polynomial with its
 * leading and constant terms (degree s = bit length - 1, the inner
 * coefficients a = bits 1..s-1) and the initial direction numbers m_1..m_s.
 * Generated from SciPy 1.10's copy of the same file
 * (scipy/stats/_sobol_direction_numbers.npz: poly[j], vinit[j, :s] for
 * j = 1..1023); the resulting points were checked equal to
 * scipy.stats.qmc.Sobol(d=1024, scramble=False) for the first 256 points.
 * tests/unit/test_design.c checks the polynomials are exactly the primitive
 * polynomials in increasing order and every m_i is odd and < 2^i. */
#define SOBOL_TABLE_DIMS 1024
#define SOBOL_MAX_DEG 13
#define SOBOL_BITS 32

struct tw__sobol_entry {
    uint16_t poly;
    uint16_t m[SOBOL_MAX_DEG];
};

extern const struct tw__sobol_entry tw__sobol_table[SOBOL_TABLE_DIMS - 1];

#endif
