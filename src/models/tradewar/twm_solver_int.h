/* tradewar model: the solver's internals shared by its modules,
 * twm_solver.c (the equilibrium iteration), twm_solver_ws.c (the workspace's
 * allocation), twm_shock_setup.c (a shock into the solve context: trade
 * costs, cap wedges, supply factors, layouts, start state) and twm_outer.c
 * (the outer preconditioner M and the wedges' and supply factors' Newton
 * step).
 *
 * Why a header at all: these modules work on the same workspace and
 * per-solve context (M's set-up evaluates the baseline's excess demand with
 * the solve's own code and set-up, the wedge step reads the shares and
 * residuals the last excess-demand evaluation left in the workspace).
 * Splitting the solver into files must not change a bit, so the layout is
 * shared, not copied. Internal to src/models/tradewar: nothing outside these
 * four files includes it.
 */
#ifndef TRADEWAR_TWM_SOLVER_INT_H
#define TRADEWAR_TWM_SOLVER_INT_H

#include "twm_anderson.h"
#include "twm_precond.h"
#include "twm_solver.h"

/* Anderson memories: the outer mixing on [lw, ll, u] and the inner price
 * and X sweeps (the workspace sizes their histories, twm_solve re-inits the
 * outer one for the solve's unknowns) */
#define AA_MEM_OUTER 6
#define AA_MEM_INNER 5

/* B is stored exporter-major, B[i][n][j], so that the X sweep's sums over
 * importers read it in order */
#define BX(N, J, n, i, j) (((i) * (N) + (n)) * (J) + (j))

struct twm_solver_ws {
    size_t N, J;
    /* per solve */
    double *A, *B;            /* [NNJ]: A, and B = A / (1 + tau') */
    double *theta, *ith;      /* [J] */
    /* result */
    double *pinew;            /* [NNJ], written by fill_result alone */
    double *lw, *what, *lwg, *lwg_new, *lw_best, *step; /* [N]; lw, lwg, lwg_new, lw_best [3N]:
                                                          wages, the K <= N cap wedges, the
                                                          KS <= N supply cost factors */
    /* quantity limits (per solve): K cells, their A without wedge, log cap,
     * log kappahat and That terms, step, and the wedge by importer */
    size_t *qx, *qn, K;       /* [N] */
    double *qA0, *qB0, *qit, *qlcap, *qlk, *qg, *qel, *qw; /* [N] */
    /* short-run supply (per solve): KS producing regions, their index, the
     * slot of each region (-1 none), log That / theta, step; A's column */
    size_t *sn, KS;           /* [N] */
    long *sk;                 /* [N] */
    double *slT, *sg, *sA0, *sB0; /* [N], [N], [N*N], [N*N] */
    double *aa_out_buf;
    double *lP, *lPg, *Phat, *lc, *e, *S; /* [NJ] */
    double *sp, *sc;          /* [NJ] nest shares s' and scale (1-s')/(1-s) */
    double *X, *Xg, *Y, *Yeff, *Rw, *Xw, *T, *Xs; /* [NJ] */
    double *I, *R, *P, *ED;   /* [N] */
    double *tmp;              /* [NJ] scratch */
    /* nest cells with 0 < s < 1 (per solve): index, s, and scratch */
    size_t *nidx, nv;         /* [2 NJ]: cell n*J+j, then n*J+crm */
    double *ns, *na, *nb, *nu, *nE;  /* [NJ] */
    twm_aa aa_out, aa_P, aa_X;
    twm_precond pc;           /* inner preconditioners (twm_precond.h) */
    /* outer preconditioner (twm_outer.c): M [N*N], made from dataset
     * opd (NULL: none yet); op_ok = 0 when the baseline Jacobian was
     * singular (diagonal steps then); set-up scratch: the bordered matrix
     * [(N+1)^2], a vector [N+1], ED at the baseline [N], LU permutation */
    double *opc, *opk, *opv, *ed0;
    size_t *opp;
    const twm_data *opd;
    int op_ok;
    const double *M;          /* the M in use: opc, or a shared one (twm_outer_precond) */
    /* twm_wedge_step's scratch: the (K + KS)^2 system [4 N^2], right-hand side,
     * dlogP and theta + c_m [4N], the supply sector's shares [N^2], LU
     * permutation [2N] */
    double *wj, *wr, *wp_m;
    size_t *wp;
    unsigned char *wh;        /* [N] cap k held at 0 in the factorisation */
    double *block;
};

typedef struct solve_ctx {
    const twm_data *d;
    twm_solver_ws *ws;
    int nest;     /* CES nest active */
    int nest_full; /* some cell has critical-input share >= 1 */
    int crm;
    double eps;
    double omE;   /* 1 - eps */
    long price_sweeps, x_sweeps;
    int need_T;   /* the next pass over B also gathers T = sum_i B e (shares()) */
    int qe, qs;   /* capped exporter and sector (when ws->K > 0) */
    int ss;       /* supply sector (when ws->KS > 0) */
    const double *D; /* deficits in eq. 6 */
    double selast;
    int diag;     /* diagonal outer steps (opts->diag_outer, or no M) */
    int old_wedges; /* the wedges' and supply factors' diagonal steps (opts->diag_outer) */
    int wj_state;   /* twm_wedge_step's LU: 0 none yet, 1 factorised, 2 singular */
    int wj_builds;  /* its factorisations in this solve */
} solve_ctx;

/* Evaluate ED at the current lw (inner solves to tol). Returns max |ED|
 * (twm_solver.c). */
double twm_solver_excess_demand(solve_ctx *c, double tol);

/* The shock into c (c->d, c->ws, the nest and D already set): validates
 * theta, That, tau', dhat, the cap and the supply elasticity, fills A, B,
 * the K cap cells, the KS supply regions and the nest's and X's layouts.
 * TW_OK or the error (twm_shock_setup.c). */
int twm_shock_setup(solve_ctx *c, const twm_shock *shock, tw_error *err);

/* Every solve's initial guess (what = 1, Phat = 1, X' = X, no wedges) over
 * the NK outer unknowns, and the diagonal outer steps (twm_shock_setup.c). */
void twm_solver_start_state(solve_ctx *c, size_t NK);

/* The safeguard's restart from the best wages so far (twm_shock_setup.c). */
void twm_solver_restart_from_best(solve_ctx *c, size_t NK);

/* The baseline economy (no shock, Cobb-Douglas inputs) in c; nonzero when
 * the data are invalid (twm_shock_setup.c; for twm_outer.c's M). */
int twm_solver_baseline_ctx(twm_solver_ws *ws, const twm_data *d, solve_ctx *c);

#endif
