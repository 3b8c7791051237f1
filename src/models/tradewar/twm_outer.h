/* tradewar model: the solver's outer preconditioner M ~ (-dED/dlw)^-1 at
 * the baseline, and the Newton step of the quantity-limit wedges and supply
 * factors (twm_outer.c). Internal to the model: twm_model.c makes one M per
 * model, the tests read it; the twm_solver_int.h part is twm_solver.c's.
 */
#ifndef TRADEWAR_TWM_OUTER_H
#define TRADEWAR_TWM_OUTER_H

#include "twm_solver.h"

/* The outer preconditioner of d made once (what twm_solver_ws_alloc makes
 * per workspace), for workspaces that share it read-only: a model makes it
 * at create and gives it to every thread's workspace, so that the set-up
 * (0.8 ms at 14 x 10, 173 ms at 76 x 45) runs once per rank, not per
 * thread. The same bits as a workspace's own M. NULL on OOM. It must
 * outlive its workspaces; d must be the dataset they solve (a workspace
 * given another dataset makes its own). */
twm_outer_precond *twm_outer_precond_make(const twm_data *d);
void twm_outer_precond_free(twm_outer_precond *op);

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

/* For twm_solver.c (twm_solver_int.h): M made in ws for d (N + 1 tight
 * baseline evaluations), or the shared op attached when it was made for d;
 * and the wedges' and supply factors' step into ws->wr after the wage step
 * dlw. */
struct solve_ctx;
void twm_outer_precond_setup(twm_solver_ws *ws, const twm_data *d);
void twm_outer_precond_attach(twm_solver_ws *ws, const twm_data *d, const twm_outer_precond *op);
void twm_wedge_step(struct solve_ctx *c, const double *dlw);

#endif
