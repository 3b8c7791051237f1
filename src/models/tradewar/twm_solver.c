/* tradewar model, layer 3: the equilibrium in changes (MODEL.md section 2).
 *
 * Method. Unknown: log wage changes lw[n] = log what[n] on the numeraire
 * sum_n what[n] VA[n] = sum_n VA[n]. For given wages:
 *   1. prices: the fixed point of equations 1-2 in logs, lP = F(lP; lw),
 *      a contraction (factor <= max input share), warm-started from the
 *      previous outer iteration and accelerated by Anderson mixing on the
 *      block-Jacobi preconditioned map (twm_precond.c);
 *   2. shares pi' from the same sweep (eq. 3: pi' = A e / S with
 *      A = pi That kappahat^-theta, e = chat^-theta, S = sum_i A e), so the
 *      shares cost no extra exp(). pi' itself is never stored during the
 *      iteration (fill_result writes it once): with B = A / (1 + tau'),
 *      fixed for a solve, the purchases at producer prices are
 *      Y'[i] = e[i] sum_n B[n,i] X'[n] / S[n] and the tariff revenue per
 *      unit of spending is 1 - T[n] / S[n], T[n] = sum_i B[n,i] e[i]
 *      (gathered by the first X sweep on the loads it makes anyway). So the
 *      iteration streams two N^2 J arrays, A (price sweeps) and B (X
 *      sweeps), instead of five (A, W = pi' / (1 + tau'), pi',
 *      1 / (1 + tau'), tau' / (1 + tau')), and the share rows (four N^2 J
 *      streams per outer iteration) are gone (issue 12: at 76 x 45 these
 *      arrays are 2 MiB each, the size of the L2; docs/BENCHMARK.md);
 *   3. expenditure: the linear system 4-6 for X' by Anderson-accelerated
 *      fixed-point sweeps X <- gamma' Y'(X) + alpha I'(X), warm-started from
 *      the previous X', preconditioned like the prices. (A direct LU is O((NJ)^3): 0.9 Mflop at 14x10 and
 *      0.6 Gflop at 31x40 per outer iteration, while a sweep is O(N^2 J +
 *      N J^2) and ~10 accelerated sweeps suffice.) The solve stops with X'
 *      at the last sweep's input, whose Y', R', I' that sweep computed:
 *      X' is within the tolerance of the fixed point either way, and no
 *      extra pass over B is needed to make Y' consistent with X' (issue 12:
 *      one N^2 J stream less per outer iteration);
 *   4. excess labour demand ED[n] (eq. 7, with the nest's new VA shares).
 * Outer loop: Anderson mixing on the preconditioned map
 *   G(lw) = normalise(lw + M ED(lw)),
 * M ~ (-dED/dlw)^-1 on the numeraire's tangent space at the baseline, a
 * dense N x N matrix made from the dataset alone, once per model and
 * read by every thread's workspace (twm_outer_precond; a workspace from
 * twm_solver_ws_alloc makes its own) (twm_outer.c, twm_outer_precond_setup: forward
 * differences, N + 1 tight evaluations):
 * a chord step, so that Anderson only has to learn how the Jacobian moved
 * between the baseline and the counterfactual. It replaced a diagonal
 * estimate (twm_solver_start_state's step, still used when the bordered baseline
 * Jacobian is singular, and with opts->diag_outer): 10 / 11.9 / 14 -> 7.8 /
 * 7.1 / 7 outer iterations on the default, NAFTA and 76 x 45 worlds
 * (docs/BENCHMARK.md section 1). With a safeguard: when the residual grows tenfold over the best so far,
 * the history is dropped, the step halved and the best point restored
 * (plain damped tatonnement is the limit). Inner tolerances follow the outer
 * residual (inexact early, 1e-3 of the residual, floor 1e-14 in logs).
 *
 * Critical-input nest (crm >= 0 and eps != 1): see MODEL.md; computed in
 * log-sum-exp form. The new shares s' and (1-s')/(1-s) enter eq. 5 and 7.
 *
 * Kernels (twm_kernels.c): the O(N^2 J) and O(N J^2) sums keep partial
 * sums in vector registers for blocks of sectors (twm_cols_dot,
 * twm_cols_gemv), in the same order as plain loops; row dots (the X
 * sweep's gamma products, the transposed preconditioner) in twm_rows_dot; the X
 * sweep's column sums with T on the same loads in twm_cols_dot_acc; the price
 * sweep's exp/log (twm_vec_exp/twm_vec_log, branch-free fdlibm algorithms)
 * are elementwise. Each has a baseline and an
 * AVX/AVX2 clone (no FMA) with the same bits. Anderson mixing: twm_anderson.c.
 *
 * Quantity limits (shock->qcap): K capped flows (exporter e, sector s, into
 * importer n) each get a log wedge ll[k] >= 0 that multiplies A by
 * exp(-theta ll) (and B with it). The outer unknown becomes [lw (N), ll (K)], mixed together
 * by Anderson; the residual adds |log(q/cap)| (or its positive part where
 * ll = 0). With no capped flow every operation is the one of the plain solve.
 *
 * Short-run supply (shock->supply_elast > 0): each region producing sector s
 * gets a log cost factor u[k] (A[., n, s] and B[., n, s] times exp(-theta u)) that solves
 * u = log(qhat) / elast, qhat = Y'/Y over the producer price
 * chat exp(u) That^(-1/theta). The unknowns follow the cap wedges in the
 * outer vector, [lw (N), ll (K), u (KS)].
 *
 * Steps of ll and u (twm_outer.c, twm_wedge_step): one Newton step on the linearised market
 * of their sector, all K + KS unknowns together (a (K + KS)^2 LU), after
 * the wage step, whose move of every unit cost it takes into account
 * (block Gauss-Seidel); projected on ll >= 0. It replaced diagonal steps
 * (each unknown alone: ll + log(q/cap) / (theta (1 - pi') + eps pi'),
 * u + (log qhat - elast u) / (theta + elast); still used with
 * opts->diag_outer or a singular system), which ignored that the supply
 * factors and wedges of one sector move one market: the default scenario's
 * 13 + 14 of them took 17.7 -> 11.4 outer iterations (docs/BENCHMARK.md).
 *
 * Determinism: each solve starts from what = 1, Phat = 1, X' = X, never from
 * the previous solve in the workspace, so a solve's result does not depend on
 * what the thread solved before (DESIGN.md, reproducibility).
 */
#include "twm_solver.h"

#include "twm_anderson.h"
#include "twm_kernels.h"
#include "twm_outer.h"
#include "twm_precond.h"
#include "twm_solver_int.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PRICE_MAX_SWEEPS 2000
#define X_MAX_SWEEPS 2000
#define INNER_TOL_FLOOR 1e-14
#define INNER_TOL_CAP 1e-3
#define INNER_TOL_FAC 1e-2 /* inner tolerance = this x outer residual */

/* The workspace (its allocation: twm_solver_ws.c) and the per-solve
 * context: twm_solver_int.h (shared with twm_outer.c and
 * twm_shock_setup.c). */

/* ------------------------------------------------------------------ */

/* max_x |a - b| (times w[x] if given), NaN terms ignored, as the loop
 * "if (d > m) m = d" from m = 0 gives: the maximum does not depend on the
 * order, so four running maxima (independent chains instead of one chain
 * of dependent compares) give the same value. */
static double max_abs_diff(const double *restrict a, const double *restrict b,
                           const double *restrict w, size_t n)
{
    double m0 = 0.0, m1 = 0.0, m2 = 0.0, m3 = 0.0;
    size_t x = 0;
#define TWM_MAXD(m, i)                                               \
    do {                                                             \
        double d_ = w ? fabs(a[i] - b[i]) * w[i] : fabs(a[i] - b[i]); \
        m = d_ > m ? d_ : m;                                         \
    } while (0)
    for (; x + 4 <= n; x += 4) {
        TWM_MAXD(m0, x);
        TWM_MAXD(m1, x + 1);
        TWM_MAXD(m2, x + 2);
        TWM_MAXD(m3, x + 3);
    }
    for (; x < n; x++)
        TWM_MAXD(m0, x);
#undef TWM_MAXD
    m0 = m1 > m0 ? m1 : m0;
    m2 = m3 > m2 ? m3 : m2;
    return m2 > m0 ? m2 : m0;
}

/* One price sweep: lc (and nest shares) from lP and lw, e = exp(-theta lc),
 * S = sum_i A e, out = -log(S)/theta. */
static void price_sweep(solve_ctx *c, const double *lP, double *out)
{
    const twm_data *d = c->d;
    twm_solver_ws *ws = c->ws;
    size_t N = d->N, J = d->J;
    const double *g = d->gamma_io, *gva = d->gamma_va;
    double *lc = ws->lc, *e = ws->e, *S = ws->S;
    for (size_t n = 0; n < N; n++) {
        double lwn = ws->lw[n];
        double *lcn = lc + n * J;
        const double *gv = gva + n * J;
        const double *lPn = lP + n * J;
        for (size_t j = 0; j < J; j++)
            lcn[j] = gv[j] * lwn;
        twm_cols_gemv(lcn, g + n * J * J, lPn, J, c->nest ? (size_t)c->crm : J, J);
        if (c->nest && c->nest_full) { /* cells made of the critical input alone */
            const double *gc = g + (n * J + (size_t)c->crm) * J;
            for (size_t j = 0; j < J; j++)
                if (gc[j] >= 1.0)
                    lcn[j] = lPn[c->crm];
        }
    }
    if (c->nest && ws->nv > 0) {
        /* cells with 0 < s < 1 (listed once per solve), in three passes so
         * that exp and log go through the vector kernels:
         * lc = log((1-s) e^a + s e^b) / (1-eps), a = (1-eps) lc / (1-s),
         * b = (1-eps) lP[crm], as max(a,b) + log(... e^-|a-b|) */
        size_t nv = ws->nv;
        const size_t *idx = ws->nidx, *ic = ws->nidx + N * J;
        const double *ns = ws->ns;
        double *na = ws->na, *nb = ws->nb, *nu = ws->nu, *nE = ws->nE, omE = c->omE;
        for (size_t t = 0; t < nv; t++) {
            size_t x = idx[t];
            double s = ns[t], b = omE * lP[ic[t]];
            double a = omE * lc[x] / (1.0 - s); /* (1-eps) log core */
            na[t] = a;
            nb[t] = b;
            nu[t] = a >= b ? b - a : a - b;
        }
        twm_vec_exp(nE, nu, nv);
        for (size_t t = 0; t < nv; t++) {
            double s = ns[t], b = nb[t];
            nu[t] = na[t] >= b ? (1.0 - s) + s * nE[t] : s + (1.0 - s) * nE[t];
        }
        twm_vec_log(nE, nu, nv);
        for (size_t t = 0; t < nv; t++) {
            size_t x = idx[t];
            double b = nb[t];
            lc[x] = ((na[t] >= b ? na[t] : b) + nE[t]) / omE;
        }
    }
    double *tmp = ws->tmp;
    for (size_t n = 0; n < N; n++)
        for (size_t j = 0; j < J; j++)
            tmp[n * J + j] = -ws->theta[j] * lc[n * J + j];
    twm_vec_exp(e, tmp, N * J);
    for (size_t n = 0; n < N; n++)
        twm_cols_dot(S + n * J, ws->A + n * N * J, J, e, J, N, J); /* S = sum_i A e */
    twm_vec_log(tmp, S, N * J);
    for (size_t n = 0; n < N; n++)
        for (size_t j = 0; j < J; j++)
            out[n * J + j] = -tmp[n * J + j] * ws->ith[j];
    c->price_sweeps++;
}

/* Solve the price fixed point for the current lw to tolerance tol (max
 * change in log prices). The last sweep leaves lc, e, S consistent with the
 * returned lP up to tol. */
static void solve_prices(solve_ctx *c, double tol)
{
    twm_solver_ws *ws = c->ws;
    size_t NJ = c->d->N * c->d->J;
    twm_aa_reset(&ws->aa_P);
    for (int it = 0; it < PRICE_MAX_SWEEPS; it++) {
        price_sweep(c, ws->lP, ws->lPg);
        double dmax = max_abs_diff(ws->lPg, ws->lP, NULL, NJ);
        if (!(dmax > tol)) { /* also stops on NaN; caught by the caller */
            memcpy(ws->lP, ws->lPg, NJ * sizeof(double));
            return;
        }
        twm_precond_apply(&ws->pc, ws->lP, ws->lPg, c->d->N, c->d->J);
        twm_aa_step(&ws->aa_P, ws->lP, ws->lPg, NULL);
    }
}

/* Shares pi', the nest's new cost shares, and the per-outer-iteration
 * weights of the expenditure system. */
static void shares(solve_ctx *c)
{
    const twm_data *d = c->d;
    twm_solver_ws *ws = c->ws;
    size_t N = d->N, J = d->J;
    for (size_t x = 0; x < N * J; x++)
        ws->S[x] = 1.0 / ws->S[x]; /* now 1/S */
    /* pi' = A e / S is not stored during the iteration (fill_result writes
     * it once): the X sweeps use B = A / (1 + tau') and 1/S directly, and
     * the revenue weights Rw = 1 - T / S come from T = sum_i B e, gathered
     * by the first X sweep's pass over B (output_from_X) */
    c->need_T = 1;
    if (c->nest) {
        const double *gc;
        for (size_t n = 0; n < N; n++) {
            gc = d->gamma_io + (n * J + (size_t)c->crm) * J;
            double lpc = ws->lP[n * J + (size_t)c->crm];
            for (size_t j = 0; j < J; j++) {
                double s = gc[j];
                size_t x = n * J + j;
                if (s <= 0.0) {
                    ws->sp[x] = 0.0;
                    ws->sc[x] = 1.0;
                } else if (s >= 1.0) {
                    ws->sp[x] = 1.0;
                    ws->sc[x] = 1.0;
                } else {
                    double sp = s * exp(c->omE * (lpc - ws->lc[x]));
                    ws->sp[x] = sp;
                    ws->sc[x] = (1.0 - sp) / (1.0 - s);
                }
            }
        }
    }
}

/* Y' and R' from X' (eq. 4, 6). */
static void output_from_X(solve_ctx *c, const double *X)
{
    const twm_data *d = c->d;
    twm_solver_ws *ws = c->ws;
    size_t N = d->N, J = d->J;
    size_t NJ = N * J;
    double *Y = ws->Y, *Xs = ws->Xs, *iS = ws->S;
    /* Y'[i] = sum_m pi'[m,i] X'[m] / (1 + tau'[m,i]) = e[i] sum_m B[m,i] X'[m] / S[m]:
     * one pass over B per sweep, B fixed while the wages move */
    for (size_t x = 0; x < NJ; x++)
        Xs[x] = X[x] * iS[x];
    if (c->need_T) {
        /* first sweep after shares(): T[m] = sum_i B[m,i] e[i] on the same loads */
        memset(ws->T, 0, NJ * sizeof(double));
        for (size_t i = 0; i < N; i++)
            twm_cols_dot_acc(Y + i * J, ws->T, ws->B + i * NJ, J, Xs, ws->e + i * J, N, J);
        /* tariff revenue per unit of spending: sum_i pi' tau' / (1 + tau')
         * = 1 - sum_i pi' / (1 + tau') = 1 - T / S */
        for (size_t x = 0; x < NJ; x++)
            ws->Rw[x] = 1.0 - ws->T[x] * iS[x];
        c->need_T = 0;
    } else {
        for (size_t i = 0; i < N; i++)
            twm_cols_dot(Y + i * J, ws->B + i * NJ, J, Xs, J, N, J);
    }
    const double *e = ws->e;
    for (size_t x = 0; x < NJ; x++)
        Y[x] *= e[x];
    for (size_t m = 0; m < N; m++) {
        const double *Xm = X + m * J;
        double r = 0.0;
        for (size_t k = 0; k < J; k++)
            r += ws->Rw[m * J + k] * Xm[k];
        ws->R[m] = r;
    }
}

/* One expenditure sweep: out = gamma' Y'(X) + alpha I'(X) (eq. 5). */
static void x_sweep(solve_ctx *c, const double *X, double *out)
{
    const twm_data *d = c->d;
    twm_solver_ws *ws = c->ws;
    size_t N = d->N, J = d->J;
    output_from_X(c, X);
    for (size_t n = 0; n < N; n++) {
        double In = ws->what[n] * d->VA[n] + ws->R[n] + c->D[n];
        ws->I[n] = In;
        const double *Yn = ws->Y + n * J;
        double *Ye = ws->Yeff + n * J;
        if (c->nest) {
            const double *sc = ws->sc + n * J;
            for (size_t k = 0; k < J; k++)
                Ye[k] = Yn[k] * sc[k];
        } else {
            memcpy(Ye, Yn, J * sizeof(double));
        }
        /* out[j] = sum_k g[n][j][k] Ye[k]: row dots on the dataset's own
         * gamma (no transposed copy in the workspace: issue 12, L2) */
        double *on = out + n * J;
        twm_rows_dot(on, d->gamma_io + n * J * J, J, Ye, J, J);
        if (c->nest) {
            const double *sp = ws->sp + n * J;
            double s = 0.0;
            for (size_t k = 0; k < J; k++)
                s += sp[k] * Yn[k];
            on[c->crm] = s;
        }
        const double *al = d->alpha + n * J;
        for (size_t j = 0; j < J; j++)
            on[j] += al[j] * In;
    }
    c->x_sweeps++;
}

static void solve_X(solve_ctx *c, double tol)
{
    const twm_data *d = c->d;
    twm_solver_ws *ws = c->ws;
    size_t N = d->N, J = d->J, NJ = N * J;
    twm_aa_reset(&ws->aa_X);
    for (int it = 0; it < X_MAX_SWEEPS; it++) {
        x_sweep(c, ws->X, ws->Xg);
        double dmax = max_abs_diff(ws->Xg, ws->X, ws->Xw, NJ);
        if (!(dmax > tol))
            return; /* X' stays the sweep's input: Y', R', I' are its own */
        twm_precond_apply_x(&ws->pc, ws->X, ws->Xg, N, J);
        twm_aa_step(&ws->aa_X, ws->X, ws->Xg, ws->Xw);
    }
    output_from_X(c, ws->X); /* not converged: Y', R' of the last X' */
}

/* Evaluate ED at the current lw (inner solves to tol). Returns max |ED|. */
double twm_solver_excess_demand(solve_ctx *c, double tol)
{
    const twm_data *d = c->d;
    twm_solver_ws *ws = c->ws;
    size_t N = d->N, J = d->J;
    for (size_t n = 0; n < N; n++)
        ws->what[n] = exp(ws->lw[n]);
    const double *ll = ws->lw + N, *u = ws->lw + N + ws->K;
    if (ws->KS > 0) {
        const size_t s_ = (size_t)c->ss;
        for (size_t k = 0; k < ws->KS; k++) {
            const size_t n = ws->sn[k];
            const double f = u[k] != 0.0 ? exp(-ws->theta[s_] * u[k]) : 1.0;
            for (size_t m = 0; m < N; m++) {
                ws->A[TWM_NIJ(N, J, m, n, s_)] = ws->sA0[m * N + n] * f;
                ws->B[BX(N, J, m, n, s_)] = ws->sB0[m * N + n] * f;
            }
        }
    }
    if (ws->KS > 0 && c->ss == c->qs) {
        /* the capped cells are in the columns just rewritten */
        for (size_t k = 0; k < ws->K; k++)
            if (ll[k] > 0.0) {
                const double f = exp(-ws->theta[c->qs] * ll[k]);
                ws->A[ws->qx[k]] *= f;
                ws->B[BX(N, J, ws->qn[k], (size_t)c->qe, (size_t)c->qs)] *= f;
            }
    } else { /* (with supply in another sector the cells are not rewritten) */
        for (size_t k = 0; k < ws->K; k++) {
            const double f = ll[k] > 0.0 ? exp(-ws->theta[c->qs] * ll[k]) : 1.0;
            ws->A[ws->qx[k]] = ll[k] > 0.0 ? ws->qA0[k] * f : ws->qA0[k];
            ws->B[BX(N, J, ws->qn[k], (size_t)c->qe, (size_t)c->qs)] =
                ll[k] > 0.0 ? ws->qB0[k] * f : ws->qB0[k];
        }
    }
    solve_prices(c, tol);
    shares(c);
    solve_X(c, tol);
    double res = 0.0;
    for (size_t n = 0; n < N; n++) {
        double lab = 0.0;
        const double *gv = d->gamma_va + n * J, *Yn = ws->Y + n * J;
        if (c->nest) {
            const double *sc = ws->sc + n * J;
            for (size_t j = 0; j < J; j++)
                lab += gv[j] * sc[j] * Yn[j];
        } else {
            for (size_t j = 0; j < J; j++)
                lab += gv[j] * Yn[j];
        }
        double ed = (lab - ws->what[n] * d->VA[n]) / d->VA[n];
        ws->ED[n] = ed;
        double a = fabs(ed);
        if (!(a <= res)) /* propagates NaN */
            res = a;
    }
    /* quantity limits: log delivered quantity (spending over the delivered
     * price; see qlk in twm_solve) against the cap */
    const size_t e = (size_t)c->qe, sct = (size_t)c->qs;
    for (size_t k = 0; k < ws->K; k++) {
        const size_t x = ws->qx[k], n = ws->qn[k];
        const double pn = ws->A[x] * ws->e[e * J + sct] * ws->S[n * J + sct]; /* pi' */
        const double zn = pn * ws->X[n * J + sct] * ws->qit[k];
        double lq = log(zn / d->Z[x]) - ws->lc[e * J + sct] - ws->qlk[k] - ll[k];
        if (ws->KS > 0 && c->ss == c->qs && ws->sk[e] >= 0)
            lq -= u[ws->sk[e]]; /* the exporter's supply cost factor */
        const double g = lq - ws->qlcap[k];
        double el = ws->theta[sct] * (1.0 - pn) + (c->nest ? fmin(1.0, c->eps) : 1.0) * pn;
        if (!(el > 0.05))
            el = 0.05;
        ws->qg[k] = g;
        ws->qel[k] = el;
        double a = ll[k] > 0.0 ? fabs(g) : fmax(0.0, g);
        if (!(a <= res))
            res = a;
    }
    /* short-run supply: log real output against elast u */
    for (size_t k = 0; k < ws->KS; k++) {
        const size_t n = ws->sn[k], x = n * J + (size_t)c->ss;
        const double lq = log(ws->Y[x] / d->Y[x]) - ws->lc[x] - u[k] + ws->slT[k];
        const double g = lq - c->selast * u[k];
        ws->sg[k] = g;
        double a = fabs(g);
        if (!(a <= res))
            res = a;
    }
    return res;
}

/* Shift lw so that sum_n exp(lw) VA = sum_n VA. */
static void normalise(const twm_data *d, double *lw)
{
    double s = 0.0, t = 0.0;
    for (size_t n = 0; n < d->N; n++) {
        s += exp(lw[n]) * d->VA[n];
        t += d->VA[n];
    }
    double sh = log(s / t);
    for (size_t n = 0; n < d->N; n++)
        lw[n] -= sh;
}

static double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* The per-solve set-up (the shock into A, B, the wedges, the supply
 * factors, the layouts and the start state) and the outer preconditioner's
 * baseline context: twm_shock_setup.c. */

/* One outer step: the damped tatonnement map G for [lw, ll, u], Anderson
 * mixing, the projections (normalised wages, ll >= 0, bounded u), then the
 * predictor for the inner warm starts. */
static void outer_step(solve_ctx *c, double damp)
{
    const twm_data *d = c->d;
    twm_solver_ws *ws = c->ws;
    size_t N = d->N, J = d->J;
    double *dlw = ws->tmp; /* the wage step before damping */
    if (c->diag) {
        for (size_t n = 0; n < N; n++) {
            dlw[n] = ws->step[n] * ws->ED[n];
            ws->lwg_new[n] = ws->lw[n] + damp * ws->step[n] * ws->ED[n];
        }
    } else { /* chord step M ED (twm_outer.c) */
        for (size_t n = 0; n < N; n++) {
            const double *Mn = ws->M + n * N;
            double s = 0.0;
            for (size_t m = 0; m < N; m++)
                s += Mn[m] * ws->ED[m];
            dlw[n] = s;
            ws->lwg_new[n] = ws->lw[n] + damp * s;
        }
    }
    normalise(d, ws->lwg_new);
    twm_wedge_step(c, dlw);
    for (size_t k = 0; k < ws->K; k++)
        ws->lwg_new[N + k] = fmax(0.0, ws->lw[N + k] + damp * ws->wr[k]);
    for (size_t k = 0; k < ws->KS; k++)
        ws->lwg_new[N + ws->K + k] = ws->lw[N + ws->K + k] + damp * ws->wr[ws->K + k];
    memcpy(ws->lwg, ws->lw, N * sizeof(double)); /* old wages */
    twm_aa_step(&ws->aa_out, ws->lw, ws->lwg_new, NULL);
    normalise(d, ws->lw);
    for (size_t k = 0; k < ws->K; k++) /* a wedge is a tax, never a subsidy */
        if (!(ws->lw[N + k] > 0.0))
            ws->lw[N + k] = 0.0;
    for (size_t k = 0; k < ws->KS; k++) /* keep exp(-theta u) finite */
        ws->lw[N + ws->K + k] = clampd(ws->lw[N + ws->K + k], -20.0, 20.0);
    /* predictor for the warm start of the inner solves: a region's
     * prices and spending move roughly with its wage */
    for (size_t n = 0; n < N; n++) {
        double dl = ws->lw[n] - ws->lwg[n], f = exp(dl);
        for (size_t j = 0; j < J; j++) {
            ws->lP[n * J + j] += dl;
            ws->X[n * J + j] *= f;
        }
    }
}

/* Outcomes from the final state (Phat, P, I', the wedges by importer) and
 * the result's pointers into the workspace. */
static void fill_result(solve_ctx *c, int converged, long it, double r, twm_result *res)
{
    const twm_data *d = c->d;
    twm_solver_ws *ws = c->ws;
    size_t N = d->N, J = d->J, NJ = N * J;
    for (size_t n = 0; n < N; n++) { /* pi' = A e / S, once per solve */
        const double *An = ws->A + n * N * J, *iS = ws->S + n * J;
        double *pn = ws->pinew + n * N * J;
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < J; j++)
                pn[i * J + j] = An[i * J + j] * ws->e[i * J + j] * iS[j];
    }
    for (size_t x = 0; x < NJ; x++)
        ws->Phat[x] = exp(ws->lP[x]);
    for (size_t n = 0; n < N; n++) {
        double s = 0.0;
        for (size_t j = 0; j < J; j++)
            s += d->alpha[n * J + j] * ws->lP[n * J + j];
        ws->P[n] = exp(s);
        ws->I[n] = ws->what[n] * d->VA[n] + ws->R[n] + c->D[n];
    }
    memset(ws->qw, 0, N * sizeof(double));
    for (size_t k = 0; k < ws->K; k++)
        ws->qw[ws->qn[k]] = ws->lw[N + k];
    res->qwedge = ws->qw;
    res->converged = converged;
    res->iterations = (int)it;
    res->residual = r;
    res->what = ws->what;
    res->Phat = ws->Phat;
    res->P = ws->P;
    res->pi_new = ws->pinew;
    res->X_new = ws->X;
    res->Y_new = ws->Y;
    res->I_new = ws->I;
    res->R_new = ws->R;
    res->price_sweeps = c->price_sweeps;
    res->x_sweeps = c->x_sweeps;
}

int twm_solve(const twm_data *d, const twm_shock *shock, const twm_solver_opts *opts,
              twm_solver_ws *ws, twm_result *res, tw_error *err)
{
    if (!d || !shock || !ws || !res)
        return tw_error_set(err, TW_EINTERNAL, "twm_solve: NULL argument");
    if (ws->N != d->N || ws->J != d->J)
        return tw_error_set(err, TW_EINTERNAL, "twm_solve: workspace made for another dataset");
    /* no defaults here: the settings and their defaults are the engine's
     * `solver:` keys (src/config.c), passed through tw_model_ctx */
    if (!opts || !(opts->tol > 0.0) || opts->max_iter <= 0)
        return tw_error_set(err, TW_EINTERNAL, "twm_solve: no solver settings (tol > 0, "
                            "max_iter > 0)");
    const double tol = opts->tol;
    const long max_iter = opts->max_iter;
    /* dataset-only set-up first: it uses the per-solve arrays itself */
    if (ws->pc.pd != d)
        twm_precond_setup(&ws->pc, d);
    if (ws->opd != d)
        twm_outer_precond_setup(ws, d);

    solve_ctx c = {.d = d, .ws = ws, .crm = d->crm, .eps = shock->eps_crm,
                   .D = shock->D_new ? shock->D_new : d->D};
    c.nest = d->crm >= 0 && shock->eps_crm != 1.0;
    if (c.nest && !(isfinite(shock->eps_crm) && shock->eps_crm >= 0.0))
        return tw_error_set(err, TW_ENUMERIC, "eps_crm = %g must be finite and >= 0",
                            shock->eps_crm);
    c.omE = 1.0 - shock->eps_crm;

    int rc = twm_shock_setup(&c, shock, err);
    if (rc != TW_OK)
        return rc;
    const size_t NK = d->N + ws->K + ws->KS;
    twm_aa_init(&ws->aa_out, NK, AA_MEM_OUTER, ws->aa_out_buf);
    c.diag = opts->diag_outer || !ws->op_ok;
    c.old_wedges = opts->diag_outer;
    twm_solver_start_state(&c, NK);

    double r = INFINITY, best = INFINITY, damp = 1.0;
    double tin = INNER_TOL_CAP;
    long it = 0;
    int converged = 0, tightened = 0;
    for (;;) {
        r = twm_solver_excess_demand(&c, tin);
        int bad = !isfinite(r);
        if (!bad && r < tol) {
            /* converged only when the inner solves were tight enough for r;
             * else tighten them once and re-evaluate at the same wages */
            if (tin <= fmax(INNER_TOL_FLOOR, 0.1 * INNER_TOL_FAC * r) || tightened) {
                converged = 1;
                break;
            }
            /* half of what the test above asks for (it was 1/10: ~2 %
             * more sweeps for no gain in the certified residual) */
            tin = clampd(0.05 * INNER_TOL_FAC * r, INNER_TOL_FLOOR, INNER_TOL_CAP);
            tightened = 1;
            continue;
        }
        tightened = 0;
        if (it >= max_iter) {
            if (bad)
                return tw_error_set(err, TW_ENUMERIC,
                                    "non-finite excess labour demand at outer iteration %ld", it);
            break;
        }
        if (bad || (r > 10.0 * best && damp > 1e-8)) {
            /* A bad extrapolation (non-finite state) or divergence: back to
             * the best wages with fresh inner states, halved steps and no
             * history. Non-finite at the start, or again and again, is an
             * error. */
            if (!isfinite(best) || damp <= 1e-8)
                return tw_error_set(err, TW_ENUMERIC,
                                    "non-finite excess labour demand at outer iteration %ld", it);
            twm_solver_restart_from_best(&c, NK);
            damp *= 0.5;
            tin = clampd(INNER_TOL_FAC * best, INNER_TOL_FLOOR, INNER_TOL_CAP);
            it++;
            continue;
        }
        if (r < best) {
            best = r;
            memcpy(ws->lw_best, ws->lw, NK * sizeof(double));
        }
        tin = clampd(INNER_TOL_FAC * r, INNER_TOL_FLOOR, INNER_TOL_CAP);
        outer_step(&c, damp);
        it++;
    }

    fill_result(&c, converged, it, r, res);
    return TW_OK;
}
