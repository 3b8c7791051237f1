/* tradewar model: the solver's inner block-Jacobi preconditioners
 * (internal). Per region, the price map's (I - D)^-1 from the baseline
 * Jacobian (stored transposed) and the expenditure map's Sherman-Morrison
 * rank-one correction; the reasoning is at twm_precond_setup in
 * twm_precond.c. Storage comes from the caller's workspace
 * (twm_precond_doubles() doubles); no allocation. */
#ifndef TRADEWAR_TWM_PRECOND_H
#define TRADEWAR_TWM_PRECOND_H

#include <stddef.h>

#include "twm_data.h"

typedef struct twm_precond {
    const twm_data *pd; /* the dataset the blocks were made from (NULL: none yet) */
    double *ipP;        /* [N][J][J]: the price map's (I - D)^-1, transposed */
    double *smu, *smw;  /* [NJ] each: the expenditure map's rank-one correction */
    double *pscr;       /* [4J + J^2] scratch */
} twm_precond;

/* Doubles of storage for N regions and J sectors. */
size_t twm_precond_doubles(size_t N, size_t J);
/* Lay the blocks out in buf; returns the first double after them. */
double *twm_precond_init(twm_precond *pc, size_t N, size_t J, double *buf);
/* Make the blocks from dataset d (N, J as in init); sets pc->pd = d. */
void twm_precond_setup(twm_precond *pc, const twm_data *d);
/* Price map: g <- x + (I - D)^-1 (g - x), region by region. */
void twm_precond_apply(const twm_precond *pc, const double *x, double *g, size_t N, size_t J);
/* Expenditure map: g <- x + (I - D_X)^-1 (g - x) (transposed blocks plus
 * the rank-one correction). */
void twm_precond_apply_x(const twm_precond *pc, const double *x, double *g, size_t N, size_t J);

#endif
