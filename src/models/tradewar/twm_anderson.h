/* tradewar model: Anderson mixing (type II) for the solver's fixed points
 * (internal). Storage comes from the caller's workspace (twm_aa_doubles()
 * doubles for n unknowns and memory m); no allocation. */
#ifndef TRADEWAR_TWM_ANDERSON_H
#define TRADEWAR_TWM_ANDERSON_H

#include <stddef.h>

#define TWM_AA_MAXM 16 /* largest memory */

typedef struct twm_aa {
    size_t n;
    int m;        /* memory */
    int k;        /* stored columns */
    int head;     /* next column to overwrite */
    int have_old; /* f_old/g_old valid */
    double *dF, *dG; /* [m][n] */
    double *f_old, *g_old; /* [n] */
    double *G, *M, *rhs, *gam; /* Gram of stored dF [m*m], scratch [m*m], [m], [m] */
} twm_aa;

/* Doubles of storage for n unknowns and memory m. */
size_t twm_aa_doubles(size_t n, int m);
/* Lay the state out in buf; returns the first double after it. */
double *twm_aa_init(twm_aa *a, size_t n, int m, double *buf);
/* Forget the history (the next step is a plain fixed-point step). */
void twm_aa_reset(twm_aa *a);
/* One step: x holds the iterate, g = G(x); on return x is the next iterate.
 * w (may be NULL) weights the residual components. */
void twm_aa_step(twm_aa *a, double *x, const double *g, const double *w);

#endif
