/* tradewar model, layer 4: outcomes of one sample (MODEL.md section 4). */
#include "twm_outcomes.h"

#include <math.h>

const tw_outcome_info twm_outcome_table[TWM_O_COUNT] = {
#define TWM_O_INFO_(k, nm, un, nd, d0, d1, desc) \
    {.name = nm, .units = un, .description = desc, .ndims = nd, .dims = {d0, d1, 0}},
    TWM_OUTCOME_MAP(TWM_O_INFO_)
#undef TWM_O_INFO_
};

size_t twm_outcome_len(int k, size_t N, size_t J, size_t P)
{
    const size_t sz[TWM_DIM_COUNT] = {N, J, P};
    size_t n = 1;
    for (int d = 0; d < twm_outcome_table[k].ndims; d++)
        n *= sz[twm_outcome_table[k].dims[d]];
    return n;
}

size_t twm_outcome_offset(int k, size_t N, size_t J, size_t P)
{
    size_t off = 0;
    for (int q = 0; q < k; q++)
        off += twm_outcome_len(q, N, J, P);
    return off;
}

size_t twm_outcome_row_len(size_t N, size_t J, size_t P)
{
    return twm_outcome_offset(TWM_O_COUNT, N, J, P);
}

static double pct(double now, double before)
{
    return before > 0.0 ? 100.0 * (now / before - 1.0) : 0.0;
}

/* Counterfactual flow at exporter prices: pi' X' / (1 + tau'). */
static double znew(const twm_data *d, const twm_scen_ws *w, const twm_result *r, size_t n,
                   size_t i, size_t j)
{
    const size_t x = TWM_NIJ(d->N, d->J, n, i, j);
    return r->pi_new[x] * r->X_new[n * d->J + j] / (1.0 + w->tau_new[x]);
}

void twm_outcomes_compute(const twm_scenario *sc, const twm_scen_ws *w, const twm_result *r,
                          double *out)
{
    const twm_data *d = twm_scenario_data(sc);
    const size_t N = d->N, J = d->J, P = twm_scenario_n_partners(sc);
    const size_t us = (size_t)twm_scenario_us(sc), cn = (size_t)twm_scenario_cn(sc);
    double *o[TWM_O_COUNT];
    for (int k = 0; k < TWM_O_COUNT; k++)
        o[k] = out + twm_outcome_offset(k, N, J, P);

    for (size_t n = 0; n < N; n++) {
        double e0 = 0.0, e1 = 0.0, m0 = 0.0, m1 = 0.0;
        for (size_t i = 0; i < N; i++) {
            if (i == n)
                continue;
            for (size_t j = 0; j < J; j++) {
                e0 += d->Z[TWM_NIJ(N, J, i, n, j)];
                e1 += znew(d, w, r, i, n, j);
                m0 += d->Z[TWM_NIJ(N, J, n, i, j)];
                m1 += znew(d, w, r, n, i, j);
            }
        }
        const double P_ = r->P[n];
        o[TWM_O_WELFARE][n] = 100.0 * ((r->I_new[n] / d->I[n]) / P_ - 1.0);
        o[TWM_O_REAL_WAGE][n] = 100.0 * (r->what[n] / P_ - 1.0);
        o[TWM_O_EXPORTS][n] = pct(e1, e0);
        o[TWM_O_IMPORTS][n] = pct(m1, m0);
        o[TWM_O_CPI][n] = 100.0 * (P_ - 1.0);
        o[TWM_O_TRADE_BALANCE][n] = (e1 - m1) - (e0 - m0);
        o[TWM_O_TARIFF_REVENUE][n] = r->R_new[n];
        for (size_t j = 0; j < J; j++) {
            o[TWM_O_OUTPUT][n * J + j] = pct(r->Y_new[n * J + j], d->Y[n * J + j]);
            o[TWM_O_DOMSHARE][n * J + j] = r->pi_new[TWM_NIJ(N, J, n, n, j)];
        }
    }

    /* China's exports by destination group (Chinese origin, rerouting included). */
    double us0 = 0, us1 = 0, tot0 = 0, tot1 = 0, pa0 = 0, pa1 = 0, re0 = 0, re1 = 0;
    double uc0 = 0, uc1 = 0;
    for (size_t n = 0; n < N; n++) {
        if (n == cn)
            continue;
        double z0 = 0.0, z1 = 0.0;
        for (size_t j = 0; j < J; j++) {
            z0 += d->Z[TWM_NIJ(N, J, n, cn, j)];
            z1 += znew(d, w, r, n, cn, j);
        }
        tot0 += z0;
        tot1 += z1;
        if (n == us) {
            us0 += z0;
            us1 += z1;
        } else if (twm_scenario_is_partner(sc, (int)n)) {
            pa0 += z0;
            pa1 += z1;
        } else {
            re0 += z0;
            re1 += z1;
        }
    }
    for (size_t j = 0; j < J; j++) {
        uc0 += d->Z[TWM_NIJ(N, J, cn, us, j)];
        uc1 += znew(d, w, r, cn, us, j);
    }
    *o[TWM_O_CN_US] = pct(us1, us0);
    *o[TWM_O_CN_TOTAL] = pct(tot1, tot0);
    *o[TWM_O_CN_PARTNERS] = pct(pa1, pa0);
    *o[TWM_O_CN_REST] = pct(re1, re0);
    *o[TWM_O_US_CN_TRADE] = pct(us1 + uc1, us0 + uc0);

    double rr = 0.0, rc = 0.0;
    for (size_t a = 0; a < P; a++) {
        double v = 0.0, v0 = 0.0;
        for (size_t j = 0; j < J; j++) {
            v += w->route_share[a * J + j] * znew(d, w, r, us, cn, j);
            v0 += w->route_share0[a * J + j] * d->Z[TWM_NIJ(N, J, us, cn, j)];
        }
        o[TWM_O_REROUTED_BY_PARTNER][a] = v;
        o[TWM_O_REROUTED_CHANGE_BY_PARTNER][a] = v - v0;
        rr += v;
        rc += v - v0;
    }
    *o[TWM_O_REROUTED] = rr;
    *o[TWM_O_REROUTED_CHANGE] = rc;

    double rel = 0.0;
    for (size_t x = 0; x < P * J; x++)
        rel += w->relocated[x];
    *o[TWM_O_RELOCATED] = rel;

    *o[TWM_O_US_CRM_PRICE] = d->crm >= 0 ? 100.0 * (r->Phat[us * J + (size_t)d->crm] - 1.0) : 0.0;
    *o[TWM_O_LEVERAGE] = o[TWM_O_WELFARE][us] - o[TWM_O_WELFARE][cn];
}
