/* tradewar model, layer 3: the Caliendo–Parro equilibrium in changes
 * (MODEL.md section 2, including the critical-input CES nest).
 *
 * twm_solve() is pure and allocation-free: all work arrays live in a
 * per-thread twm_solver_ws allocated once by twm_solver_ws_alloc(). The
 * result points into the workspace and stays valid until the next solve
 * with that workspace.
 */
#ifndef TRADEWAR_TWM_SOLVER_H
#define TRADEWAR_TWM_SOLVER_H

#include <stddef.h>

#include "twm_data.h"

/* A counterfactual: new tariffs, iceberg-cost and technology changes. */
typedef struct twm_shock {
    const double *tau_new; /* [N*N*J] tau' (used for kappahat, revenue and eq. 4) */
    const double *dhat;    /* [N*N*J] > 0 */
    const double *That;    /* [N*J]   > 0 */
    const double *theta;   /* [J] elasticities for this solve (NULL: data->theta) */
    double eps_crm;        /* CES elasticity of the critical-input nest; 1 = Cobb–Douglas
                              (exactly eq. 1); ignored when data->crm < 0. Must be >= 0.
                              NULL tau_new/dhat/That mean: baseline tau, 1, 1. */
    /* Quantity limits (China's rare-earth licensing, MODEL_NOTES mechanism 6):
     * for each importer n with qcap[n] >= 0, the delivered quantity of sector
     * qcap_sector from region qcap_exporter is at most qcap[n] times its
     * baseline. An endogenous iceberg wedge lam[n] >= 1 on that flow enforces
     * it (complementarity: lam = 1 where the limit does not bind); the log
     * wedges are unknowns of the outer loop next to the wages. NULL = none
     * (the solve is then exactly the one without this feature). */
    const double *qcap;    /* [N] ratio in (0, 1], or < 0 = no limit */
    int qcap_exporter, qcap_sector;
    /* Short-run supply (critical minerals that cannot expand at once): with
     * supply_elast > 0, the cost of sector supply_sector in every region
     * carries the factor qhat^(1/supply_elast), qhat its real output
     * change (decreasing returns; the rents are dissipated). One more unknown
     * per producing region. <= 0: perfectly elastic supply (MODEL.md). */
    double supply_elast;
    int supply_sector;
    /* Deficits in the counterfactual (eq. 6), [N] summing to 0; NULL = the
     * baseline D (MODEL.md: held fixed). Used to rebalance a dataset. */
    const double *D_new;
} twm_shock;

/* Required (no defaults in the model: the config's solver.tol and
 * solver.max_iter, whose defaults are the engine's key table, src/config.c). */
typedef struct twm_solver_opts {
    double tol;    /* max |ED| at convergence, > 0 */
    long max_iter; /* outer iterations, > 0 */
    /* 1: the old diagonal outer steps instead of the baseline-Jacobian one
     * for the wages and the coupled one for the quantity-limit wedges and
     * supply factors (tests and benchmarks compare the two; 0 everywhere
     * else) */
    int diag_outer;
} twm_solver_opts;

typedef struct twm_result {
    int converged;
    int iterations;
    double residual;     /* final max |ED| */
    const double *what;  /* [N] wage changes */
    const double *Phat;  /* [N*J] sector price changes */
    const double *P;     /* [N] consumer price index change prod_j Phat^alpha */
    const double *pi_new;/* [N*N*J] */
    const double *X_new; /* [N*J] */
    const double *Y_new; /* [N*J] */
    const double *I_new; /* [N] */
    const double *R_new; /* [N] */
    const double *qwedge;/* [N] log of the quantity-limit wedge lam[n] on the capped flow
                            into n (0 where there is no limit or it does not bind) */
    /* Added (additive change): work counters of this solve, for benchmarks. */
    long price_sweeps;   /* sweeps of the price fixed point (eqs. 1-2), all outer iterations */
    long x_sweeps;       /* sweeps of the expenditure system (eqs. 4-6) */
} twm_result;

typedef struct twm_solver_ws twm_solver_ws;

/* NULL on OOM. Also makes the outer preconditioner from d (a few dozen
 * tight baseline evaluations: twm_outer.c, "Outer preconditioner"). */
twm_solver_ws *twm_solver_ws_alloc(const twm_data *d);
void twm_solver_ws_free(twm_solver_ws *ws);

/* A workspace that reads a shared outer preconditioner (twm_outer.h,
 * twm_outer_precond_make) instead of making its own. */
typedef struct twm_outer_precond twm_outer_precond;
twm_solver_ws *twm_solver_ws_alloc_shared(const twm_data *d, const twm_outer_precond *op);

/* Solve. Returns TW_OK whether or not it converged (see res->converged);
 * TW_ENUMERIC only for a non-finite state. */
int twm_solve(const twm_data *d, const twm_shock *shock, const twm_solver_opts *opts,
              twm_solver_ws *ws, twm_result *res, tw_error *err);

#endif
