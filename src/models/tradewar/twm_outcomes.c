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
        o[TWM_O_CPI_WAGE][n] = 100.0 * (P_ / r->what[n] - 1.0);
        o[TWM_O_RE_WEDGE][n] = r->qwedge ? 100.0 * expm1(r->qwedge[n]) : 0.0;
        o[TWM_O_TRADE_BALANCE][n] = (e1 - m1) - (e0 - m0);
        o[TWM_O_TARIFF_REVENUE][n] = r->R_new[n];
        o[TWM_O_TARIFF_REVENUE_CHANGE][n] = r->R_new[n] - d->R[n];
        o[TWM_O_WELFARE_USD][n] = d->I[n] * ((r->I_new[n] / d->I[n]) / P_ - 1.0);
        for (size_t j = 0; j < J; j++) {
            o[TWM_O_OUTPUT][n * J + j] = pct(r->Y_new[n * J + j], d->Y[n * J + j]);
            o[TWM_O_DOMSHARE][n * J + j] = r->pi_new[TWM_NIJ(N, J, n, n, j)];
        }
    }

    /* China's exports by destination group (Chinese origin, rerouting
     * included), all sectors [0] and goods = tariffed sectors [1]. */
    double us0[2] = {0}, us1[2] = {0}, tot0[2] = {0}, tot1[2] = {0}, pa0[2] = {0}, pa1[2] = {0};
    double re0 = 0, re1 = 0, uc0[2] = {0}, uc1[2] = {0};
    for (size_t n = 0; n < N; n++) {
        if (n == cn)
            continue;
        double z0[2] = {0}, z1[2] = {0};
        for (size_t j = 0; j < J; j++) {
            const double a0 = d->Z[TWM_NIJ(N, J, n, cn, j)], a1 = znew(d, w, r, n, cn, j);
            const int g = twm_scenario_is_tariffed(sc, j);
            z0[0] += a0;
            z1[0] += a1;
            z0[1] += g ? a0 : 0.0;
            z1[1] += g ? a1 : 0.0;
        }
        for (int g = 0; g < 2; g++) {
            tot0[g] += z0[g];
            tot1[g] += z1[g];
            if (n == us) {
                us0[g] += z0[g];
                us1[g] += z1[g];
            } else if (twm_scenario_is_partner(sc, (int)n)) {
                pa0[g] += z0[g];
                pa1[g] += z1[g];
            }
        }
        if (n != us && !twm_scenario_is_partner(sc, (int)n)) {
            re0 += z0[0];
            re1 += z1[0];
        }
    }
    for (size_t j = 0; j < J; j++) {
        const double a0 = d->Z[TWM_NIJ(N, J, cn, us, j)], a1 = znew(d, w, r, cn, us, j);
        uc0[0] += a0;
        uc1[0] += a1;
        if (twm_scenario_is_tariffed(sc, j)) {
            uc0[1] += a0;
            uc1[1] += a1;
        }
    }
    *o[TWM_O_CN_US] = pct(us1[0], us0[0]);
    *o[TWM_O_CN_TOTAL] = pct(tot1[0], tot0[0]);
    *o[TWM_O_CN_PARTNERS] = pct(pa1[0], pa0[0]);
    *o[TWM_O_CN_REST] = pct(re1, re0);
    *o[TWM_O_US_CN_TRADE] = pct(us1[0] + uc1[0], us0[0] + uc0[0]);
    *o[TWM_O_US_CN_GOODS] = pct(us1[1] + uc1[1], us0[1] + uc0[1]);
    *o[TWM_O_CN_GOODS_TOTAL] = pct(tot1[1], tot0[1]);
    *o[TWM_O_CN_GOODS_US] = pct(us1[1], us0[1]);
    *o[TWM_O_CN_GOODS_PARTNERS] = pct(pa1[1], pa0[1]);

    /* by partner: China's goods exports to a; US goods imports recorded
     * from a (own goods + goods rerouted through a) and from China (the
     * rest of the Chinese-origin flow) */
    double rv1 = 0.0, rv0 = 0.0;
    for (size_t a = 0; a < P; a++) {
        const size_t ra = (size_t)twm_scenario_partner_region(sc, a);
        double c0 = 0.0, c1 = 0.0, u0 = 0.0, u1 = 0.0;
        for (size_t j = 0; j < J; j++) {
            if (!twm_scenario_is_tariffed(sc, j))
                continue;
            c0 += d->Z[TWM_NIJ(N, J, ra, cn, j)];
            c1 += znew(d, w, r, ra, cn, j);
            const double zc0 = d->Z[TWM_NIJ(N, J, us, cn, j)], zc1 = znew(d, w, r, us, cn, j);
            const double v0 = w->route_share0[a * J + j] * zc0, v1 = w->route_share[a * J + j] * zc1;
            u0 += d->Z[TWM_NIJ(N, J, us, ra, j)] + v0;
            u1 += znew(d, w, r, us, ra, j) + v1;
            rv0 += v0;
            rv1 += v1;
        }
        o[TWM_O_CN_GOODS_BY_PARTNER][a] = pct(c1, c0);
        o[TWM_O_US_REC_BY_PARTNER][a] = pct(u1, u0);
    }
    *o[TWM_O_US_REC_CN] = pct(us1[1] - rv1, us0[1] - rv0);

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
    for (size_t n = 0; n < N; n++)
        o[TWM_O_FDI_PROFITS][n] = w->fdi_profit[n];

    *o[TWM_O_US_CRM_PRICE] = d->crm >= 0 ? 100.0 * (r->Phat[us * J + (size_t)d->crm] - 1.0) : 0.0;
    *o[TWM_O_LEVERAGE] = o[TWM_O_WELFARE][us] - o[TWM_O_WELFARE][cn];
    *o[TWM_O_LEVERAGE_USD] = o[TWM_O_WELFARE_USD][us] - o[TWM_O_WELFARE_USD][cn];
}
