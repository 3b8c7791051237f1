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
 * tight baseline evaluations: twm_solver.c, "Outer preconditioner"). */
twm_solver_ws *twm_solver_ws_alloc(const twm_data *d);
void twm_solver_ws_free(twm_solver_ws *ws);

/* The outer preconditioner of d made once (what twm_solver_ws_alloc makes
 * per workspace), for workspaces that share it read-only: a model makes it
 * at create and gives it to every thread's workspace, so that the set-up
 * (0.8 ms at 14 x 10, 173 ms at 76 x 45) runs once per rank, not per
 * thread. The same bits as a workspace's own M. NULL on OOM. It must
 * outlive its workspaces; d must be the dataset they solve (a workspace
 * given another dataset makes its own). */
typedef struct twm_outer_precond twm_outer_precond;
twm_outer_precond *twm_outer_precond_make(const twm_data *d);
void twm_outer_precond_free(twm_outer_precond *op);
twm_solver_ws *twm_solver_ws_alloc_shared(const twm_data *d, const twm_outer_precond *op);

/* The outer preconditioner of ws, [N][N] row-major: step = M ED (NULL when
 * the baseline Jacobian was singular and the diagonal step is used). For
 * tests; made from the dataset ws was last set up for. */
const double *twm_solver_outer_precond(const twm_solver_ws *ws);

/* Excess labour demand ed[N] (relative to VA) of the baseline economy (no
 * shock, Cobb-Douglas inputs) at log wage changes lw[N], taken as given
 * (not normalised), inner solves to 1e-13: the function whose Jacobian M
 * inverts. For tests; overwrites the per-solve state of ws (twm_solve
 * starts afresh). TW_OK, or TW_ENUMERIC for a non-finite result. */
int twm_solver_baseline_ed(const twm_data *d, twm_solver_ws *ws, const double *lw, double *ed);

/* Solve. Returns TW_OK whether or not it converged (see res->converged);
 * TW_ENUMERIC only for a non-finite state. */
int twm_solve(const twm_data *d, const twm_shock *shock, const twm_solver_opts *opts,
              twm_solver_ws *ws, twm_result *res, tw_error *err);

#endif
