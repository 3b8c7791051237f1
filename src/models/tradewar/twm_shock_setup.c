/* tradewar model: the solver's per-solve set-up (twm_solver.c's file comment
 * describes the method).
 *
 * Why a file of its own: turning a twm_shock into the solve context (trade
 * costs A and B, the quantity caps' wedges, the short-run supply factors, the
 * layouts the sweeps read, the start state) is checking and bookkeeping done
 * once per solve, a different subject from the iteration in twm_solver.c that
 * reads what it leaves in the workspace. The solve and the outer
 * preconditioner's baseline (twm_outer.c, through twm_solver_baseline_ctx)
 * share it, so a baseline evaluation is set up the way a solve is.
 * Declarations: twm_solver_int.h.
 */
#include "twm_anderson.h"
#include "twm_solver.h"
#include "twm_solver_int.h"

#include <math.h>
#include <string.h>

#define STEP0 1.0

/* Set-up, part 1: validate theta, That, tau' and dhat and fill the per-solve
 * invariants (theta, 1/theta, A, B = A/(1+tau')); its own helper
 * because every later step reads these arrays. */
static int setup_trade_costs(solve_ctx *c, const twm_shock *shock, tw_error *err)
{
    const twm_data *d = c->d;
    twm_solver_ws *ws = c->ws;
    size_t N = d->N, J = d->J;
    const double *th = shock->theta ? shock->theta : d->theta;
    for (size_t j = 0; j < J; j++) {
        if (!(isfinite(th[j]) && th[j] > 0.0))
            return tw_error_set(err, TW_ENUMERIC, "theta[%s] = %g must be > 0", d->sector_code[j],
                                th[j]);
        ws->theta[j] = th[j];
        ws->ith[j] = 1.0 / th[j];
    }
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < J; j++) {
            double T = shock->That ? shock->That[i * J + j] : 1.0;
            if (!(isfinite(T) && T > 0.0))
                return tw_error_set(err, TW_ENUMERIC, "That[%s,%s] = %g must be > 0",
                                    d->region_code[i], d->sector_code[j], T);
        }
    for (size_t n = 0; n < N; n++)
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < J; j++) {
                size_t x = TWM_NIJ(N, J, n, i, j);
                double tn = shock->tau_new ? shock->tau_new[x] : d->tau[x];
                double dh = shock->dhat ? shock->dhat[x] : 1.0;
                if (!(isfinite(tn) && tn > -1.0 && isfinite(dh) && dh > 0.0))
                    return tw_error_set(err, TW_ENUMERIC,
                                        "shock (%s, %s, %s): tau' = %g, dhat = %g out of range",
                                        d->region_code[n], d->region_code[i], d->sector_code[j],
                                        tn, dh);
                double it = 1.0 / (1.0 + tn);
                double p = d->pi[x];
                if (p > 0.0) {
                    double T = shock->That ? shock->That[i * J + j] : 1.0;
                    /* kappahat^-theta; most cells are unchanged: no exp/log there */
                    double kap = (1.0 + tn) / (1.0 + d->tau[x]) * dh;
                    ws->A[x] = kap == 1.0 ? p * T : p * T * exp(-ws->theta[j] * log(kap));
                } else {
                    ws->A[x] = 0.0;
                }
                ws->B[BX(N, J, n, i, j)] = ws->A[x] * it;
            }
    return TW_OK;
}

/* Set-up, part 2: the K capped flows (ws->K = 0 without qcap); separate
 * because it adds its own unknowns and must see A without wedges. */
static int setup_qcap(solve_ctx *c, const twm_shock *shock, tw_error *err)
{
    const twm_data *d = c->d;
    twm_solver_ws *ws = c->ws;
    size_t N = d->N, J = d->J;
    ws->K = 0;
    if (!shock->qcap)
        return TW_OK;
    const int e = shock->qcap_exporter, sc_ = shock->qcap_sector;
    if (e < 0 || (size_t)e >= N || sc_ < 0 || (size_t)sc_ >= J)
        return tw_error_set(err, TW_EINTERNAL, "twm_solve: quantity limit on exporter %d, "
                            "sector %d outside the data", e, sc_);
    c->qe = e;
    c->qs = sc_;
    for (size_t n = 0; n < N; n++) {
        const double q = shock->qcap[n];
        const size_t x = TWM_NIJ(N, J, n, (size_t)e, (size_t)sc_);
        if (!(q >= 0.0) || (int)n == e || !(d->Z[x] > 0.0) || !(ws->A[x] > 0.0))
            continue;
        if (!(q > 0.0 && q <= 1.0))
            return tw_error_set(err, TW_ENUMERIC, "quantity limit %g into %s outside (0, 1]",
                                q, d->region_code[n]);
        const double dh = shock->dhat ? shock->dhat[x] : 1.0;
        const double T = shock->That ? shock->That[(size_t)e * J + (size_t)sc_] : 1.0;
        ws->qx[ws->K] = x;
        ws->qn[ws->K] = n;
        ws->qA0[ws->K] = ws->A[x];
        ws->qB0[ws->K] = ws->B[BX(N, J, n, (size_t)e, (size_t)sc_)];
        ws->qit[ws->K] = 1.0 / (1.0 + (shock->tau_new ? shock->tau_new[x] : d->tau[x]));
        ws->qlcap[ws->K] = log(q);
        /* quantity = spending pi'X' = Z'(1 + tau') over the delivered price
         * chat T^(-1/theta) kappahat lam, kappahat = (1+tau')/(1+tau) dhat:
         * the tariff factors cancel, leaving Z'/Z / (chat T^(-1/theta) dhat lam) */
        ws->qlk[ws->K] = log(dh) - ws->ith[sc_] * log(T);
        ws->K++;
    }
    return TW_OK;
}

/* Set-up, part 3: the KS producing regions of the short-run supply sector
 * (ws->KS = 0 when supply is perfectly elastic); separate for the same
 * reason as setup_qcap. */
static int setup_supply(solve_ctx *c, const twm_shock *shock, tw_error *err)
{
    const twm_data *d = c->d;
    twm_solver_ws *ws = c->ws;
    size_t N = d->N, J = d->J;
    ws->KS = 0;
    if (!(shock->supply_elast > 0.0))
        return TW_OK;
    const int s_ = shock->supply_sector;
    if (!isfinite(shock->supply_elast) || s_ < 0 || (size_t)s_ >= J)
        return tw_error_set(err, TW_ENUMERIC, "short-run supply: elasticity %g, sector %d "
                            "invalid", shock->supply_elast, s_);
    c->ss = s_;
    c->selast = shock->supply_elast;
    for (size_t n = 0; n < N; n++) {
        ws->sk[n] = -1;
        for (size_t m = 0; m < N; m++)
        {
            ws->sA0[m * N + n] = ws->A[TWM_NIJ(N, J, m, n, (size_t)s_)];
            ws->sB0[m * N + n] = ws->B[BX(N, J, m, n, (size_t)s_)];
        }
        if (!(d->Y[n * J + (size_t)s_] > 0.0))
            continue;
        const double T = shock->That ? shock->That[n * J + (size_t)s_] : 1.0;
        ws->sk[n] = (long)ws->KS;
        ws->sn[ws->KS] = n;
        ws->slT[ws->KS] = ws->ith[s_] * log(T);
        ws->KS++;
    }
    return TW_OK;
}

/* Set-up, part 4: data-only layouts the sweeps read (the
 * nest's cells, X's convergence weights); shock-independent, kept apart
 * from the shock checks. */
static void setup_layouts(solve_ctx *c)
{
    const twm_data *d = c->d;
    twm_solver_ws *ws = c->ws;
    size_t N = d->N, J = d->J, NJ = N * J;
    ws->nv = 0;
    if (c->nest)
        for (size_t n = 0; n < N; n++)
            for (size_t j = 0; j < J; j++) {
                double s = d->gamma_io[(n * J + (size_t)d->crm) * J + j];
                if (s >= 1.0)
                    c->nest_full = 1;
                if (s > 0.0 && s < 1.0) {
                    ws->nidx[ws->nv] = n * J + j;
                    ws->nidx[NJ + ws->nv] = n * J + (size_t)d->crm;
                    ws->ns[ws->nv] = s;
                    ws->nv++;
                }
            }
    /* convergence weights for X: relative to the cell, floored by the region's income */
    for (size_t n = 0; n < N; n++)
        for (size_t j = 0; j < J; j++) {
            double den = fabs(d->X[n * J + j]) + 1e-9 * fabs(d->I[n]);
            ws->Xw[n * J + j] = 1.0 / den;
        }
}

/* Set-up, parts 1-4 in order; on an error the later parts are not run (the
 * solve does not start). */
int twm_shock_setup(solve_ctx *c, const twm_shock *shock, tw_error *err)
{
    int rc = setup_trade_costs(c, shock, err);
    if (rc == TW_OK)
        rc = setup_qcap(c, shock, err);
    if (rc == TW_OK)
        rc = setup_supply(c, shock, err);
    if (rc != TW_OK)
        return rc;
    setup_layouts(c);
    return TW_OK;
}

/* Initial guess (what = 1, Phat = 1, X' = X, no wedges) and the outer
 * step sizes: every solve starts from here, never from the previous solve
 * (determinism, see twm_solver.c's file comment). */
void twm_solver_start_state(solve_ctx *c, size_t NK)
{
    const twm_data *d = c->d;
    twm_solver_ws *ws = c->ws;
    size_t N = d->N, J = d->J, NJ = N * J;
    memset(ws->lw, 0, NK * sizeof(double));
    memset(ws->lP, 0, NJ * sizeof(double));
    memcpy(ws->X, d->X, NJ * sizeof(double));
    for (size_t x = 0; x < NJ; x++) {
        ws->sp[x] = 0.0;
        ws->sc[x] = 1.0;
    }
    twm_aa_reset(&ws->aa_out);

    /* Diagonal preconditioner of the tatonnement (the fallback of the
     * outer preconditioner M, see twm_outer_precond_setup): an estimate of
     * -dED[n]/dlog what[n] from the baseline (a wage rise of 1% cuts labour
     * demand by about theta_j times the share of n's sales that compete with
     * foreign suppliers), so that open economies with high elasticities take
     * proportionally smaller steps. Anderson mixing corrects the rest. */
    for (size_t n = 0; n < N; n++) {
        double s = 0.0;
        for (size_t j = 0; j < J; j++) {
            double Y = d->Y[n * J + j];
            if (!(Y > 0.0))
                continue;
            double ex = 1.0 - d->Z[TWM_NIJ(N, J, n, n, j)] / Y;
            double m = ex + (1.0 - ex) * (1.0 - d->pi[TWM_NIJ(N, J, n, n, j)]);
            s += d->gamma_va[n * J + j] * Y / d->VA[n] * ws->theta[j] * m;
        }
        ws->step[n] = STEP0 / (1.0 + s);
    }
}

/* The safeguard's restart: back to the best wages with fresh inner states
 * and no Anderson history (the caller halves the step). */
void twm_solver_restart_from_best(solve_ctx *c, size_t NK)
{
    const twm_data *d = c->d;
    twm_solver_ws *ws = c->ws;
    size_t NJ = d->N * d->J;
    memcpy(ws->lw, ws->lw_best, NK * sizeof(double));
    memset(ws->lP, 0, NJ * sizeof(double));
    memcpy(ws->X, d->X, NJ * sizeof(double));
    twm_aa_reset(&ws->aa_out);
}

/* The baseline economy (no shock, Cobb-Douglas inputs) in c, for the outer
 * preconditioner (twm_outer.c); nonzero when the data are invalid
 * (twm_solve reports it). */
int twm_solver_baseline_ctx(twm_solver_ws *ws, const twm_data *d, solve_ctx *c)
{
    twm_shock sh;
    memset(&sh, 0, sizeof sh);
    sh.eps_crm = 1.0;
    *c = (solve_ctx){.d = d, .ws = ws, .crm = d->crm, .eps = 1.0, .D = d->D};
    if (ws->pc.pd != d)
        twm_precond_setup(&ws->pc, d);
    return twm_shock_setup(c, &sh, NULL) != TW_OK;
}
