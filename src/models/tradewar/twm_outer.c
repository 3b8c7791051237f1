/* tradewar model: the solver's outer preconditioner M and the Newton step of
 * the quantity-limit wedges and supply factors (twm_solver.c's file comment,
 * "Outer loop" and "Steps of ll and u"). Both are the outer step's
 * linearisations, kept apart from the equilibrium iteration itself
 * (twm_solver.c): M is made once per dataset (or model, shared read-only by
 * the workspaces), the wedge step runs once per outer iteration. They work
 * on the solver's workspace and context through twm_solver_int.h.
 */
#include "twm_outer.h"

#include "twm_solver_int.h"

#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* M made once for a dataset and read by many workspaces (one per thread):
 * it depends on the dataset alone, and at 76 x 45 it costs 173 ms CPU per
 * workspace (docs/BENCHMARK.md section 1). */
struct twm_outer_precond {
    const twm_data *d;
    int ok;    /* 0: singular baseline Jacobian, the workspaces use diagonal steps */
    double *M; /* [N*N] */
};

twm_outer_precond *twm_outer_precond_make(const twm_data *d)
{
    if (!d)
        return NULL;
    twm_outer_precond *op = calloc(1, sizeof *op);
    twm_solver_ws *ws = op ? twm_solver_ws_alloc(d) : NULL;
    if (op)
        op->M = calloc(d->N * d->N > 0 ? d->N * d->N : 1, sizeof(double));
    if (!op || !ws || !op->M) {
        twm_solver_ws_free(ws);
        twm_outer_precond_free(op);
        return NULL;
    }
    op->d = d;
    op->ok = ws->op_ok;
    memcpy(op->M, ws->opc, d->N * d->N * sizeof(double));
    twm_solver_ws_free(ws);
    return op;
}

void twm_outer_precond_free(twm_outer_precond *op)
{
    if (!op)
        return;
    free(op->M);
    free(op);
}

const double *twm_solver_outer_precond(const twm_solver_ws *ws)
{
    return ws && ws->opd && ws->op_ok ? ws->M : NULL;
}

/* Outer preconditioner: M ~ (-dED/dlw)^-1 at the baseline, so that the
 * outer map lw + M ED is a chord (simplified Newton) step instead of the
 * diagonal tatonnement of twm_solver_start_state. The diagonal step ignores
 * that a wage rise in n moves labour demand everywhere n trades with (in NAFTA and
 * the 76 x 45 world the off-diagonal terms are as large as the diagonal),
 * which Anderson(6) had to learn anew in every solve: 10-14 outer
 * iterations. A chord step with the baseline Jacobian leaves only the
 * change of the Jacobian between the baseline and the counterfactual to
 * Anderson.
 *
 * Jacobian: forward differences of excess_demand at lw = h e_n against
 * lw = 0, inner solves to OP_TOL, on the dataset's own baseline (no shock,
 * Cobb-Douglas inputs: eps_crm is per sample, and at the baseline the nest
 * enters only through ds'/dlw, proportional to 1 - eps). Every evaluation
 * starts from the fixed baseline state, so M is a deterministic function
 * of the dataset alone, never of earlier solves (file comment,
 * Determinism). Cost N + 1 tight evaluations, N^2 + (N+1)^2 doubles, once
 * per model: twm_outer_precond_make runs it in a workspace of its own and
 * keeps M, which the workspaces of twm_solver_ws_alloc_shared read (the
 * same bits as their own M would be; only the pointer is shared, no lock:
 * nothing writes M after it is made).
 *
 * Numeraire: Walras' law gives VA' ED = 0 for every lw, so the Jacobian
 * is singular (left null vector VA); wages move only on the normalised
 * tangent space VA' dlw = 0. M solves the bordered system
 *   [-Jac  v] [x ]   [ED]
 *   [ v'   0] [mu] = [ 0],   v = VA / max VA,
 * i.e. x = -Jac^-1 ED on the tangent space (mu = v'ED / v'v = 0 by Walras);
 * M = the top-left N x N block of the bordered inverse (GSL LU). A singular
 * bordered matrix (pivot below 1e-12 of the largest) keeps the diagonal
 * steps (op_ok = 0). */
#define OP_H 1e-5
#define OP_TOL 1e-13

static void op_baseline_state(solve_ctx *c)
{
    const twm_data *d = c->d;
    twm_solver_ws *ws = c->ws;
    size_t NJ = d->N * d->J;
    memset(ws->lw, 0, d->N * sizeof(double));
    memset(ws->lP, 0, NJ * sizeof(double));
    memcpy(ws->X, d->X, NJ * sizeof(double));
}

int twm_solver_baseline_ed(const twm_data *d, twm_solver_ws *ws, const double *lw, double *ed)
{
    solve_ctx c;
    if (!d || !ws || ws->N != d->N || ws->J != d->J || twm_solver_baseline_ctx(ws, d, &c))
        return TW_EINTERNAL;
    op_baseline_state(&c);
    memcpy(ws->lw, lw, d->N * sizeof(double));
    if (!isfinite(twm_solver_excess_demand(&c, OP_TOL)))
        return TW_ENUMERIC;
    memcpy(ed, ws->ED, d->N * sizeof(double));
    return TW_OK;
}

void twm_outer_precond_setup(twm_solver_ws *ws, const twm_data *d)
{
    const size_t N = d->N, N1 = N + 1;
    ws->opd = d;
    ws->op_ok = 0;
    ws->M = ws->opc; /* its own (a workspace that meets another dataset drops a shared M) */
    solve_ctx c;
    if (N < 2 || twm_solver_baseline_ctx(ws, d, &c))
        return;
    op_baseline_state(&c);
    if (!isfinite(twm_solver_excess_demand(&c, OP_TOL)))
        return;
    memcpy(ws->ed0, ws->ED, N * sizeof(double));
    double vmax = 0.0;
    for (size_t n = 0; n < N; n++)
        vmax = fmax(vmax, d->VA[n]);
    if (!(vmax > 0.0))
        return;
    double *K = ws->opk;
    for (size_t m = 0; m < N; m++) { /* column m of -Jac */
        op_baseline_state(&c);
        ws->lw[m] = OP_H;
        if (!isfinite(twm_solver_excess_demand(&c, OP_TOL)))
            return;
        for (size_t n = 0; n < N; n++)
            K[n * N1 + m] = -(ws->ED[n] - ws->ed0[n]) / OP_H;
    }
    for (size_t n = 0; n < N; n++) {
        K[n * N1 + N] = d->VA[n] / vmax;
        K[N * N1 + n] = d->VA[n] / vmax;
    }
    K[N * N1 + N] = 0.0;
    gsl_matrix_view Km = gsl_matrix_view_array(K, N1, N1);
    gsl_permutation perm = {N1, ws->opp};
    int sgn;
    if (gsl_linalg_LU_decomp(&Km.matrix, &perm, &sgn) != 0)
        return;
    double umax = 0.0, umin = INFINITY;
    for (size_t n = 0; n < N1; n++) {
        double u = fabs(K[n * N1 + n]);
        if (!isfinite(u))
            return;
        umax = fmax(umax, u);
        umin = fmin(umin, u);
    }
    if (!(umin > 1e-12 * umax)) /* also keeps gsl_linalg_LU_svx from its error handler */
        return;
    gsl_vector_view b = gsl_vector_view_array(ws->opv, N1);
    for (size_t m = 0; m < N; m++) {
        memset(ws->opv, 0, N1 * sizeof(double));
        ws->opv[m] = 1.0;
        if (gsl_linalg_LU_svx(&Km.matrix, &perm, &b.vector) != 0)
            return;
        for (size_t n = 0; n < N; n++)
            ws->opc[n * N + m] = ws->opv[n];
    }
    ws->op_ok = 1;
}

/* The cap wedges' and supply factors' step (outer_step adds damp times
 * ws->wr to [ll, u]): a Newton step on their own partial equilibrium,
 * after the wage step dlw (block Gauss-Seidel). The old diagonal steps
 * (opts->diag_outer) took each unknown alone, g / elast: they miss that
 * the supply factors and the wedges of one sector move one world market
 * (a common rise of every producer's cost factor changes no share, only
 * the sector's price level, which the nest's eps < 1 barely resists, while
 * the diagonal steps assume theta), and that the wage step moves every unit
 * cost of the sector. Anderson cannot learn 27 separate scalings with
 * memory 6: the default scenario took 17.7 outer iterations, the wedges'
 * and supply factors' residual 10-1000x the wages' throughout
 * (docs/BENCHMARK.md section 1).
 *
 * Linearisation, with wages, input prices and other sectors held: the
 * shares p[m,i] = pi'[m,i,s] of sector s respond to the log delivered
 * price lp[m,i] (unit cost lc[i] + u[i], + ll for a capped flow) as
 * dlog p = -theta (dlp - dlogP[m]), dlogP[m] = sum_i p[m,i] dlp[m,i];
 * spending X'[m,s] as dlog X' = c_m dlogP[m], c_m = (1 - eps) times the
 * nest's part of X'[m,s] (0 without the nest: Cobb-Douglas). Then
 *   cap k (importer n, exporter e):  d lq_k = -(theta + 1) dlp[n,e]
 *                                            + (theta + c_n) dlogP[n],
 *   supply a (region i):  d g_a = sum_m w[m,i] (-theta dlp[m,i]
 *                                 + (theta + c_m) dlogP[m]) - dlc[i]
 *                                 - (1 + elast) du[i],
 * w[m,i] the share of i's sales going to m; the wage step enters as
 * dlc[i] = dlw[i] (a region's prices move with its wage, as in the
 * warm-start predictor). A cap at zero whose quantity is slack is held at
 * zero (its row is the identity). The (K + KS)^2 matrix is factorised (GSL
 * LU) at the first WJ_FRESH outer steps of a solve and when the set of
 * held caps changes, and kept otherwise (a chord step like M's: rebuilding
 * it every step gave the same outer iterations, 11.36 against 11.34 on the
 * default run, for ~100k more instructions per outer step at 14 x 10); the
 * right-hand side is always the current one. Everything is a function of
 * the iterates alone (determinism). Cost per outer step O(N^2 + KS N),
 * per factorisation O(KS^2 N + (K + KS)^3). Tried and not kept: the full
 * Newton step with the wages' response to the wedges through M (Schur
 * complement: the same iterations); the spending of the importers moving
 * with their wage in the coupling (+0.4 outer iterations). */
#define WJ_FRESH 2
void twm_wedge_step(solve_ctx *c, const double *dlw)
{
    const twm_data *d = c->d;
    twm_solver_ws *ws = c->ws;
    const size_t N = d->N, J = d->J, K = ws->K, KS = ws->KS, NQ = K + KS;
    double *r = ws->wr;
    if (NQ == 0)
        return;
    if (!c->old_wedges) {
        const size_t qe = (size_t)c->qe, qs = (size_t)c->qs, ss = (size_t)c->ss;
        const int same = K > 0 && KS > 0 && qs == ss;
        double *Jm = ws->wj, *Pm = ws->wp_m, *pb = ws->wr + NQ, *tc = pb + N;
        int build = c->wj_state == 0 || c->wj_builds < WJ_FRESH;
        for (size_t k = 0; k < K; k++) { /* a cap at 0 with slack quantity stays at 0 */
            const unsigned char h = !(ws->lw[N + k] > 0.0) && !(ws->qg[k] > 0.0);
            if (h != ws->wh[k])
                build = 1;
            ws->wh[k] = h;
        }
        if (build)
            memset(Jm, 0, NQ * NQ * sizeof(double));
#define PI(m, i, s_) (ws->A[TWM_NIJ(N, J, m, i, s_)] * ws->e[(i) * J + (s_)] * ws->S[(m) * J + (s_)])
#define CN(m, s_)                                                                               \
    (c->nest && (int)(s_) == c->crm                                                              \
         ? c->omE * fmax(0.0, 1.0 - d->alpha[(m) * J + (s_)] * ws->I[m] / ws->X[(m) * J + (s_)]) \
         : 0.0)
        const double thq = K ? ws->theta[qs] : 0.0, ths = KS ? ws->theta[ss] : 0.0;
        for (size_t k = 0; k < K; k++) { /* cap rows */
            const size_t n = ws->qn[k];
            const double tc = thq + CN(n, qs);
            double *row = Jm + k * NQ, sp = 0.0;
            for (size_t i = 0; i < N; i++)
                sp += PI(n, i, qs) * dlw[i];
            r[k] = ws->wh[k] ? 0.0 : -(ws->qg[k] + tc * sp - (thq + 1.0) * dlw[qe]);
            if (!build)
                continue;
            if (ws->wh[k]) {
                row[k] = 1.0;
                continue;
            }
            row[k] = -(thq + 1.0) + tc * PI(n, qe, qs);
            if (same)
                for (size_t b = 0; b < KS; b++)
                    row[K + b] = tc * PI(n, ws->sn[b], qs) - (ws->sn[b] == qe ? thq + 1.0 : 0.0);
        }
        if (KS > 0)
            for (size_t m = 0; m < N; m++) { /* shares of the supply sector, and dlogP */
                tc[m] = ths + CN(m, ss);
                double sp = 0.0;
                for (size_t i = 0; i < N; i++) {
                    Pm[m * N + i] = PI(m, i, ss);
                    sp += Pm[m * N + i] * dlw[i];
                }
                pb[m] = sp;
            }
        for (size_t a = 0; a < KS; a++) { /* supply rows */
            const size_t i = ws->sn[a];
            const double iY = 1.0 / ws->Y[i * J + ss];
            double *row = Jm + (K + a) * NQ, dg = -dlw[i];
            for (size_t m = 0; m < N; m++) {
                const double *Pr = Pm + m * N;
                if (!(Pr[i] > 0.0))
                    continue;
                const double w = ws->B[BX(N, J, m, i, ss)] * ws->e[i * J + ss] *
                                 ws->X[m * J + ss] * ws->S[m * J + ss] * iY;
                const double f = w * tc[m];
                dg += f * pb[m] - w * ths * dlw[i];
                if (!build)
                    continue;
                for (size_t b = 0; b < KS; b++)
                    row[K + b] += f * Pr[ws->sn[b]];
                row[K + a] -= w * ths;
                if (same)
                    for (size_t k = 0; k < K; k++)
                        if (ws->qn[k] == m && !ws->wh[k])
                            row[k] += f * Pr[qe] - (i == qe ? w * ths : 0.0);
            }
            if (build)
                row[K + a] -= 1.0 + c->selast;
            r[K + a] = -(ws->sg[a] + dg);
        }
#undef PI
#undef CN
        gsl_matrix_view Mv = gsl_matrix_view_array(Jm, NQ, NQ);
        gsl_permutation perm = {NQ, ws->wp};
        if (build) {
            int sgn, ok = gsl_linalg_LU_decomp(&Mv.matrix, &perm, &sgn) == 0;
            double umax = 0.0, umin = INFINITY;
            for (size_t a = 0; ok && a < NQ; a++) {
                const double u = fabs(Jm[a * NQ + a]);
                umax = fmax(umax, u);
                umin = fmin(umin, u);
            }
            /* the test also keeps gsl_linalg_LU_svx from its error handler */
            c->wj_state = ok && isfinite(umax) && umin > 1e-12 * umax ? 1 : 2;
            c->wj_builds++;
        }
        gsl_vector_view b = gsl_vector_view_array(r, NQ);
        if (c->wj_state == 1 && gsl_linalg_LU_svx(&Mv.matrix, &perm, &b.vector) == 0)
            return;
    }
    /* the diagonal steps (opts->diag_outer, or a singular system) */
    for (size_t k = 0; k < K; k++)
        r[k] = ws->qg[k] / ws->qel[k];
    for (size_t k = 0; k < KS; k++)
        r[K + k] = ws->sg[k] / (ws->theta[c->ss] + c->selast);
}

void twm_outer_precond_attach(twm_solver_ws *ws, const twm_data *d, const twm_outer_precond *op)
{
    if (op && op->d == d) { /* the shared M (read only) */
        ws->opd = d;
        ws->op_ok = op->ok;
        ws->M = op->M;
    } else {
        twm_outer_precond_setup(ws, d);
    }
}
