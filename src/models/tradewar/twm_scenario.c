/* tradewar model, layer 2: scenario mechanisms (MODEL.md section 3).
 * The reduced forms and every choice MODEL.md leaves open are explained in
 * docs/MODEL_NOTES.md; the comments here say where each one lives. */
#include "twm_scenario.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const param_names[] = {
#define TWM_P_NAME_(k, s) s,
    TWM_PARAM_MAP(TWM_P_NAME_)
#undef TWM_P_NAME_
};

static const char *const mech_names[] = {
#define TWM_M_NAME_(k, s) s,
    TWM_MECH_MAP(TWM_M_NAME_)
#undef TWM_M_NAME_
};

const char *twm_param_name(int k)
{
    return (k >= 0 && k < TWM_P_COUNT) ? param_names[k] : NULL;
}

const char *twm_mech_name(int k)
{
    return (k >= 0 && k < TWM_M_COUNT) ? mech_names[k] : NULL;
}

struct twm_scenario {
    const twm_data *d;
    size_t N, J, P;
    int us, cn;
    int mech[TWM_M_COUNT];
    int *partner_region; /* [P] */
    int *partner_of;     /* [N] partner index or -1 */
    double *recip;       /* [P] r_a */
    double *extra;       /* [P] t_us_a */
    double *wfdi;        /* [P] */
    int *floor_exempt;   /* [P] */
    double *route_w;     /* [P*J] partner a's share of US imports of j (baseline) */
    uint8_t *tariffed;   /* [J] */
    double *us_share;    /* [J] share of additional US duties levied */
    double *tau_b;       /* [N*N*J] base counterfactual tariffs */
    double *dhat_b;      /* [N*N*J] base counterfactual trade costs */
    int re_scope;        /* TWM_RE_* */
    double theta_factor; /* horizon */
    uint8_t *ilimit;     /* [J] sectors covered by partners' input limits */
    int fdi_profits;     /* TWM_FDI_PROFITS_* */
    double *dD;          /* [N] exogenous change of the deficits (deficit_change:), or NULL */
};

static double clamp01(double x)
{
    if (!(x > 0.0)) /* also catches NaN */
        return 0.0;
    return x > 1.0 ? 1.0 : x;
}

void twm_scenario_free(twm_scenario *sc)
{
    if (!sc)
        return;
    free(sc->partner_region);
    free(sc->partner_of);
    free(sc->recip);
    free(sc->extra);
    free(sc->wfdi);
    free(sc->floor_exempt);
    free(sc->route_w);
    free(sc->tariffed);
    free(sc->ilimit);
    free(sc->us_share);
    free(sc->tau_b);
    free(sc->dhat_b);
    free(sc->dD);
    free(sc);
}

/* Checks that the US and China are two distinct regions of the data (a
 * scenario without them has no meaning). */
static int check_us_cn(const twm_data *d, const twm_scenario_spec *spec, tw_error *err)
{
    const size_t N = d->N;
    if (spec->us < 0 || spec->cn < 0 || (size_t)spec->us >= N || (size_t)spec->cn >= N)
        return tw_error_set(err, TW_ECONFIG, "regions: US and CN must be regions of the data");
    if (spec->us == spec->cn)
        return tw_error_set(err, TW_ECONFIG, "regions: US and CN must differ (both '%s')",
                            d->region_code[spec->us]);
    return TW_OK;
}

/* Allocates every per-partner and per-sector array at once so that one
 * failure path frees them all (arrays sized P get one slot when P = 0). */
static int scenario_alloc_arrays(twm_scenario *sc)
{
    const size_t N = sc->N, J = sc->J, P = sc->P, NNJ = N * N * J;
    sc->partner_region = calloc(P ? P : 1, sizeof(int));
    sc->partner_of = malloc(N * sizeof(int));
    sc->recip = calloc(P ? P : 1, sizeof(double));
    sc->extra = calloc(P ? P : 1, sizeof(double));
    sc->wfdi = calloc(P ? P : 1, sizeof(double));
    sc->floor_exempt = calloc(P ? P : 1, sizeof(int));
    sc->route_w = calloc((P ? P : 1) * J, sizeof(double));
    sc->tariffed = malloc(J);
    sc->ilimit = malloc(J);
    sc->us_share = malloc(J * sizeof(double));
    sc->tau_b = malloc(NNJ * sizeof(double));
    sc->dhat_b = malloc(NNJ * sizeof(double));
    if (!sc->partner_region || !sc->partner_of || !sc->recip || !sc->extra || !sc->wfdi ||
        !sc->floor_exempt || !sc->route_w || !sc->tariffed || !sc->ilimit || !sc->us_share || !sc->tau_b || !sc->dhat_b)
        return TW_ENOMEM;
    return TW_OK;
}

/* Copies the partner list, rejecting partners that are not distinct third
 * regions (each region may be the partner of one entry only). */
static int scenario_set_partners(twm_scenario *sc, const twm_scenario_spec *spec, tw_error *err)
{
    const twm_data *d = sc->d;
    for (size_t n = 0; n < sc->N; n++)
        sc->partner_of[n] = -1;
    for (size_t a = 0; a < sc->P; a++) {
        const twm_partner_info *pi = &spec->partners[a];
        int r = pi->region;
        if (r < 0 || (size_t)r >= sc->N)
            return tw_error_set(err, TW_ECONFIG, "partner %zu: not a region of the data", a);
        if (r == spec->us || r == spec->cn)
            return tw_error_set(err, TW_ECONFIG, "partner '%s' is the US or China region",
                                d->region_code[r]);
        if (sc->partner_of[r] >= 0)
            return tw_error_set(err, TW_ECONFIG, "partner '%s' listed twice", d->region_code[r]);
        sc->partner_of[r] = (int)a;
        sc->partner_region[a] = r;
        sc->recip[a] = pi->reciprocal;
        sc->extra[a] = pi->extra_duty;
        sc->floor_exempt[a] = pi->floor_exempt != 0;
    }
    return TW_OK;
}

/* fdi weights: given ones are used as they are; the others share the rest
 * of the unit mass in proportion to baseline industrial gross output
 * (all output if the data mark no sector industrial). */
static int scenario_fdi_weights(twm_scenario *sc, const twm_scenario_spec *spec, tw_error *err)
{
    const twm_data *d = sc->d;
    const size_t J = sc->J, P = sc->P;
    double given = 0.0, ysum = 0.0;
    int any_ind = 0;
    for (size_t j = 0; j < J; j++)
        any_ind |= d->industrial[j] != 0;
    for (size_t a = 0; a < P; a++) {
        double w = spec->partners[a].fdi_weight;
        if (w >= 0.0) {
            if (w > 1.0)
                return tw_error_set(err, TW_ECONFIG, "partner '%s': fdi_weight %g outside [0,1]",
                                    d->region_code[spec->partners[a].region], w);
            given += w;
            continue;
        }
        double y = 0.0;
        for (size_t j = 0; j < J; j++)
            if (!any_ind || d->industrial[j])
                y += d->Y[(size_t)sc->partner_region[a] * J + j];
        sc->wfdi[a] = y;
        ysum += y;
    }
    if (given > 1.0 + 1e-12)
        return tw_error_set(err, TW_ECONFIG, "partners: fdi_weight values sum to %g > 1", given);
    for (size_t a = 0; a < P; a++) {
        double w = spec->partners[a].fdi_weight;
        if (w >= 0.0)
            sc->wfdi[a] = w;
        else
            sc->wfdi[a] = ysum > 0.0 ? (1.0 - given) * sc->wfdi[a] / ysum : 0.0;
    }
    return TW_OK;
}

/* Route weights of sector j: partner a's share of US imports (all origins)
 * in j, then reshaped by explicit shares or by transit hubs. */
static int scenario_route_weights(twm_scenario *sc, const twm_scenario_spec *spec, size_t j,
                                  tw_error *err)
{
    const twm_data *d = sc->d;
    const size_t N = sc->N, J = sc->J, P = sc->P;
    double tot = 0.0;
    for (size_t i = 0; i < N; i++)
        if ((int)i != sc->us)
            tot += d->Z[TWM_NIJ(N, J, sc->us, i, j)];
    double msum = 0.0, hsum = 0.0;
    for (size_t a = 0; a < P; a++) {
        sc->route_w[a * J + j] =
            tot > 0.0 ? d->Z[TWM_NIJ(N, J, sc->us, sc->partner_region[a], j)] / tot : 0.0;
        msum += sc->route_w[a * J + j];
    }
    if (spec->route_given && msum > 0.0) {
        /* explicit shares of the sector's transit capacity msum (where
         * transshipment went, configs/default.yaml); partners without one
         * share the rest in proportion to their US-import share */
        double gsum = 0.0, rest = 0.0;
        for (size_t a = 0; a < P; a++) {
            if (spec->route_given[a] >= 0.0)
                gsum += spec->route_given[a];
            else
                rest += sc->route_w[a * J + j];
        }
        if (gsum > 1.0 + 1e-12)
            return tw_error_set(err, TW_ECONFIG, "reroute_weights: shares sum to %g > 1", gsum);
        const double left = fmax(0.0, 1.0 - gsum);
        for (size_t a = 0; a < P; a++) {
            const double g = spec->route_given[a];
            sc->route_w[a * J + j] =
                g >= 0.0 ? msum * g
                         : (rest > 0.0 ? msum * left * sc->route_w[a * J + j] / rest : 0.0);
        }
    } else if (spec->reroute_transit && msum > 0.0) {
        /* transit hubs: weight m_a h_a, h_a = China's share of a's imports
         * of j, rescaled so that the total capacity sum_a w_a is unchanged */
        for (size_t a = 0; a < P; a++) {
            const size_t ra = (size_t)sc->partner_region[a];
            double ma = 0.0;
            for (size_t i = 0; i < N; i++)
                if (i != ra)
                    ma += d->Z[TWM_NIJ(N, J, ra, i, j)];
            const double h = ma > 0.0 ? d->Z[TWM_NIJ(N, J, ra, sc->cn, j)] / ma : 0.0;
            sc->route_w[a * J + j] *= h;
            hsum += sc->route_w[a * J + j];
        }
        for (size_t a = 0; a < P; a++)
            sc->route_w[a * J + j] = hsum > 0.0 ? sc->route_w[a * J + j] * msum / hsum : 0.0;
    }
    return TW_OK;
}

/* Sector flags of sector j: tariffed, covered by input limits (default the
 * industrial, tariffed ones) and the US share of additional duties. */
static int scenario_sector_flags(twm_scenario *sc, const twm_scenario_spec *spec, size_t j,
                                 tw_error *err)
{
    const twm_data *d = sc->d;
    sc->tariffed[j] = spec->tariffed ? (spec->tariffed[j] != 0) : 1;
    sc->ilimit[j] = spec->input_limit_sectors ? (spec->input_limit_sectors[j] != 0)
                                              : (d->industrial[j] && sc->tariffed[j]);
    sc->us_share[j] = spec->us_duty_share ? spec->us_duty_share[j] : 1.0;
    if (!(sc->us_share[j] >= 0.0 && sc->us_share[j] <= 1.0))
        return tw_error_set(err, TW_ECONFIG, "sector '%s': US duty share %g outside [0,1]",
                            d->sector_code[j], sc->us_share[j]);
    return TW_OK;
}

/* Base counterfactual tariffs and trade costs (data tariffs and no cost
 * change unless the spec gives them). */
static void scenario_set_base(twm_scenario *sc, const twm_scenario_spec *spec)
{
    const size_t NNJ = sc->N * sc->N * sc->J;
    memcpy(sc->tau_b, spec->tau_base ? spec->tau_base : sc->d->tau, NNJ * sizeof(double));
    if (spec->dhat_base)
        memcpy(sc->dhat_b, spec->dhat_base, NNJ * sizeof(double));
    else
        for (size_t x = 0; x < NNJ; x++)
            sc->dhat_b[x] = 1.0;
}

/* deficit_change: an exogenous change of the deficits D_n of eq. 6
 * (Dekle-Eaton-Kortum 2008, Caliendo-Parro 2015: deficits are exogenous, a
 * counterfactual may set new levels). The config has already made the world
 * sum zero (someone absorbs); a vector that does not sum to zero would break
 * the adding-up of eq. 6, so it is refused here too. */
static int scenario_deficit_change(twm_scenario *sc, const twm_scenario_spec *spec,
                                   tw_error *err)
{
    const size_t N = sc->N;
    double sum = 0.0, scale = 0.0;
    for (size_t n = 0; n < N; n++) {
        const double v = spec->deficit_change[n];
        if (!isfinite(v))
            return tw_error_set(err, TW_ECONFIG, "deficit change of region %zu is not finite", n);
        sum += v;
        scale += fabs(v);
    }
    if (!(fabs(sum) <= 1e-9 * (scale > 1.0 ? scale : 1.0)))
        return tw_error_set(err, TW_ECONFIG, "the deficit changes sum to %g, not zero", sum);
    if (!(sc->dD = malloc(N * sizeof(double))))
        return tw_error_set(err, TW_ENOMEM, "out of memory (scenario)");
    memcpy(sc->dD, spec->deficit_change, N * sizeof(double));
    return TW_OK;
}

int twm_scenario_new(const twm_data *d, const twm_scenario_spec *spec, twm_scenario **out,
                     tw_error *err)
{
    *out = NULL;
    int rc = check_us_cn(d, spec, err);
    if (rc != TW_OK)
        return rc;

    twm_scenario *sc = calloc(1, sizeof *sc);
    if (!sc)
        return tw_error_set(err, TW_ENOMEM, "out of memory (scenario)");
    sc->d = d;
    sc->N = d->N;
    sc->J = d->J;
    sc->P = spec->n_partners;
    sc->us = spec->us;
    sc->cn = spec->cn;
    memcpy(sc->mech, spec->mech, sizeof sc->mech);
    sc->re_scope = spec->re_scope;
    sc->fdi_profits = spec->fdi_profits == TWM_FDI_PROFITS_CHINA ? TWM_FDI_PROFITS_CHINA
                                                                  : TWM_FDI_PROFITS_HOST;
    sc->theta_factor = spec->theta_factor > 0.0 ? spec->theta_factor : 1.0;
    if (sc->re_scope < TWM_RE_US || sc->re_scope > TWM_RE_WORLD)
        sc->re_scope = TWM_RE_US;
    if (scenario_alloc_arrays(sc) != TW_OK) {
        twm_scenario_free(sc);
        return tw_error_set(err, TW_ENOMEM, "out of memory (scenario)");
    }
    rc = scenario_set_partners(sc, spec, err);
    if (rc == TW_OK)
        rc = scenario_fdi_weights(sc, spec, err);
    /* per sector, route weights before flags: the first error reported is
     * the same as when both were one loop */
    for (size_t j = 0; j < sc->J && rc == TW_OK; j++) {
        rc = scenario_route_weights(sc, spec, j, err);
        if (rc == TW_OK)
            rc = scenario_sector_flags(sc, spec, j, err);
    }
    if (rc == TW_OK && spec->deficit_change)
        rc = scenario_deficit_change(sc, spec, err);
    if (rc != TW_OK) {
        twm_scenario_free(sc);
        return rc;
    }
    scenario_set_base(sc, spec);
    *out = sc;
    return TW_OK;
}

size_t twm_scenario_n_partners(const twm_scenario *sc) { return sc->P; }
int twm_scenario_partner_region(const twm_scenario *sc, size_t a) { return sc->partner_region[a]; }
int twm_scenario_us(const twm_scenario *sc) { return sc->us; }
int twm_scenario_cn(const twm_scenario *sc) { return sc->cn; }
double twm_scenario_fdi_weight(const twm_scenario *sc, size_t a) { return sc->wfdi[a]; }
int twm_scenario_is_partner(const twm_scenario *sc, int n)
{
    return n >= 0 && (size_t)n < sc->N && sc->partner_of[n] >= 0;
}
size_t twm_scenario_n_params(const twm_scenario *sc) { return TWM_P_COUNT + sc->P; }
int twm_scenario_is_tariffed(const twm_scenario *sc, size_t j)
{
    return j < sc->J && sc->tariffed[j];
}
const twm_data *twm_scenario_data(const twm_scenario *sc) { return sc->d; }

void twm_scen_ws_free(twm_scen_ws *w)
{
    if (!w)
        return;
    free(w->tau_new);
    free(w->dhat);
    free(w->That);
    free(w->theta);
    free(w->route_share);
    free(w->route_share0);
    free(w->direct_share);
    free(w->relocated);
    free(w->comp);
    free(w->qcap);
    free(w->D_new);
    free(w->fdi_profit);
    free(w->scratch);
    free(w);
}

twm_scen_ws *twm_scen_ws_alloc(const twm_scenario *sc)
{
    twm_scen_ws *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    const size_t N = sc->N, J = sc->J, P = sc->P ? sc->P : 1;
    w->N = sc->N;
    w->J = J;
    w->P = sc->P;
    w->tau_new = malloc(N * N * J * sizeof(double));
    w->dhat = malloc(N * N * J * sizeof(double));
    w->That = malloc(N * J * sizeof(double));
    w->theta = malloc(J * sizeof(double));
    w->route_share = calloc(P * J, sizeof(double));
    w->route_share0 = calloc(P * J, sizeof(double));
    w->direct_share = calloc(J, sizeof(double));
    w->relocated = calloc(P * J, sizeof(double));
    w->comp = calloc(P, sizeof(double));
    w->qcap = calloc(N, sizeof(double));
    w->D_new = calloc(N, sizeof(double));
    w->fdi_profit = calloc(N, sizeof(double));
    w->scratch = calloc(2 * P, sizeof(double));
    if (!w->tau_new || !w->dhat || !w->That || !w->theta || !w->route_share || !w->route_share0 ||
        !w->direct_share || !w->relocated || !w->comp || !w->scratch || !w->qcap || !w->D_new ||
        !w->fdi_profit) {
        twm_scen_ws_free(w);
        return NULL;
    }
    w->shock.tau_new = w->tau_new;
    w->shock.dhat = w->dhat;
    w->shock.That = w->That;
    w->shock.theta = w->theta;
    w->shock.eps_crm = 1.0;
    return w;
}

/* Mechanism 5: route choice of US purchases of Chinese-origin goods in
 * sector j, a CES nest of routes inside the Chinese origin with elasticity
 * eta > theta_j (so the routed flow rises with the direct tariff: it scales
 * as C'^(eta - theta), MODEL_NOTES). Writes the route shares now and at
 * baseline (share0_a) and returns kappahat = C'/C and the effective tariff
 * through *tau_eff. */
static double reroute_sector(const twm_scenario *sc, size_t j, const twm_scen_ws *w,
                             double eta, double cap, double phi, double e_ship, double *tau_eff,
                             double *share_a /* [P] */, double *share0_a /* [P] */,
                             double *share_d)
{
    const twm_data *d = sc->d;
    const size_t N = sc->N, J = sc->J, P = sc->P;
    const size_t us = (size_t)sc->us, cn = (size_t)sc->cn;
    const double t0d = d->tau[TWM_NIJ(N, J, us, cn, j)];
    const double t1d = w->tau_new[TWM_NIJ(N, J, us, cn, j)];
    const double lphi = log1p(phi);
    /* Terms are computed relative to the direct route's cost so that a large
     * eta cannot overflow: term_r = w_r open_r (cost_r / cost_direct)^(-eta). */
    const double l0d = log1p(t0d), l1d = log1p(t1d);
    double S0 = 1.0, S1 = 1.0, wt0 = t0d, wt1 = 0.0;
    for (size_t a = 0; a < P; a++) {
        const double wa = cap * sc->route_w[a * J + j];
        const size_t ra = (size_t)sc->partner_region[a];
        if (!(wa > 0.0)) {
            share_a[a] = 0.0;
            share0_a[a] = 0.0;
            continue;
        }
        const double t0a = d->tau[TWM_NIJ(N, J, us, ra, j)];
        const double t1a = w->tau_new[TWM_NIJ(N, J, us, ra, j)];
        const double open = fmax(0.0, 1.0 - e_ship * w->comp[a]);
        const double b0 = wa * exp(-eta * (log1p(t0a) + lphi - l0d));
        const double b1 = wa * open * exp(-eta * (log1p(t1a) + lphi - l1d));
        S0 += b0;
        S1 += b1;
        wt0 += b0 * t0a; /* scaled by S0 below */
        share_a[a] = b1;
        share0_a[a] = b0;
        wt1 += b1 * t1a;
    }
    /* baseline route-weighted tariff: (t0d + sum b0 t0a) / S0 */
    wt0 /= S0;
    *share_d = 1.0 / S1;
    wt1 = (t1d + wt1) / S1;
    for (size_t a = 0; a < P; a++) {
        share_a[a] /= S1;
        share0_a[a] /= S0;
    }
    /* Statistics record the baseline route mix at rate tau; the effective
     * rate moves by the change in the route-weighted tariff (MODEL_NOTES). */
    *tau_eff = fmax(0.0, t0d + wt1 - wt0);
    /* C'/C = exp(l1d - l0d) (S1/S0)^(-1/eta) */
    return exp(l1d - l0d) * pow(S1 / S0, -1.0 / eta);
}

/* 10. Elasticities: the sampled theta scale and CRM theta, the horizon
 * factor, the CRM supply elasticity and eps_crm, each checked > 0. */
static int apply_elasticities(const twm_scenario *sc, const double *p, twm_scen_ws *w,
                              tw_error *err)
{
    const twm_data *d = sc->d;
    const int *m = sc->mech;
    const double ts = m[TWM_M_ELASTICITIES] ? p[TWM_P_THETA_SCALE] : 1.0;
    for (size_t j = 0; j < sc->J; j++) {
        double th = d->theta[j] * ts;
        if (m[TWM_M_ELASTICITIES] && (int)j == d->crm)
            th = p[TWM_P_THETA_CRM];
        if (sc->theta_factor != 1.0) /* horizon: short */
            th *= sc->theta_factor;
        if (!(th > 0.0) || !isfinite(th))
            return tw_error_set(err, TW_ENUMERIC, "theta of sector '%s' is %g (must be > 0)",
                                d->sector_code[j], th);
        w->theta[j] = th;
    }
    /* Short-run supply of critical minerals (a sampled elasticity; with the
     * elasticities switched off, perfectly elastic as in MODEL.md). */
    w->shock.supply_elast = 0.0;
    w->shock.supply_sector = d->crm;
    if (m[TWM_M_ELASTICITIES] && d->crm >= 0) {
        const double se = p[TWM_P_CRM_SUPPLY_ELAST];
        if (!(se > 0.0) || !isfinite(se))
            return tw_error_set(err, TW_ENUMERIC, "crm_supply_elast is %g (must be > 0)", se);
        w->shock.supply_elast = se;
    }
    w->eps_crm = p[TWM_P_EPS_CRM];
    if (!(w->eps_crm > 0.0) || !isfinite(w->eps_crm))
        return tw_error_set(err, TW_ENUMERIC, "eps_crm is %g (must be > 0)", w->eps_crm);
    w->shock.eps_crm = w->eps_crm;
    return TW_OK;
}

/* Resets the workspace to the base counterfactual so that every draw starts
 * from the same state (no mechanism, no route, no relocation). */
static void apply_reset(const twm_scenario *sc, twm_scen_ws *w)
{
    const size_t N = sc->N, J = sc->J, P = sc->P, NNJ = N * N * J;
    memcpy(w->tau_new, sc->tau_b, NNJ * sizeof(double));
    memcpy(w->dhat, sc->dhat_b, NNJ * sizeof(double));
    for (size_t x = 0; x < N * J; x++)
        w->That[x] = 1.0;
    for (size_t j = 0; j < J; j++)
        w->direct_share[j] = 1.0;
    memset(w->route_share, 0, (P ? P : 1) * J * sizeof(double));
    memset(w->route_share0, 0, (P ? P : 1) * J * sizeof(double));
    memset(w->relocated, 0, (P ? P : 1) * J * sizeof(double));
    memset(w->fdi_profit, 0, N * sizeof(double));
    /* baseline deficits, unless deficit_change: moves them (or profits
     * return to China, relocation_profits) */
    w->shock.D_new = NULL;
    if (sc->dD) {
        for (size_t n = 0; n < N; n++)
            w->D_new[n] = sc->d->D[n] + sc->dD[n];
        w->shock.D_new = w->D_new;
    }
}

/* 1. US–China tariffs (additional duties; the deal levels replace them). */
static void apply_us_cn_tariffs(const twm_scenario *sc, const double *p, twm_scen_ws *w)
{
    const size_t N = sc->N, J = sc->J;
    const size_t us = (size_t)sc->us, cn = (size_t)sc->cn;
    const double tu = w->deal ? p[TWM_P_T_DEAL_US] : p[TWM_P_T_US_CN];
    const double tc = w->deal ? p[TWM_P_T_DEAL_CN] : p[TWM_P_T_CN_US];
    for (size_t j = 0; j < J; j++) {
        if (!sc->tariffed[j])
            continue;
        const size_t xu = TWM_NIJ(N, J, us, cn, j), xc = TWM_NIJ(N, J, cn, us, j);
        w->tau_new[xu] = fmax(0.0, w->tau_new[xu] + tu * sc->us_share[j]);
        w->tau_new[xc] = fmax(0.0, w->tau_new[xc] + tc);
    }
}

/* 4. Reciprocal tariffs and the pause. Regions outside the partner set
 * (other than US and CN) get the floor only. */
static void apply_partner_tariffs(const twm_scenario *sc, const double *p, twm_scen_ws *w)
{
    const size_t N = sc->N, J = sc->J;
    const size_t us = (size_t)sc->us, cn = (size_t)sc->cn;
    const double floor_ = p[TWM_P_T_FLOOR];
    const int expired = sc->mech[TWM_M_PAUSE] && p[TWM_P_PAUSE_EXPIRES] > 0.5;
    for (size_t n = 0; n < N; n++) {
        if (n == us || n == cn)
            continue;
        const int a = sc->partner_of[n];
        double add = floor_;
        if (a >= 0) {
            if (sc->floor_exempt[a])
                add = 0.0;
            add += sc->extra[a];
            if (expired)
                add += (1.0 - w->comp[a]) * fmax(0.0, sc->recip[a] - floor_);
        }
        for (size_t j = 0; j < J; j++)
            if (sc->tariffed[j])
                w->tau_new[TWM_NIJ(N, J, us, n, j)] =
                    fmax(0.0, w->tau_new[TWM_NIJ(N, J, us, n, j)] + add * sc->us_share[j]);
    }
}

/* 9. Retaliation against aligned partners. */
static void apply_ally_retaliation(const twm_scenario *sc, const double *p, twm_scen_ws *w)
{
    const size_t N = sc->N, J = sc->J, cn = (size_t)sc->cn;
    const double r = p[TWM_P_R_ALLY];
    for (size_t a = 0; a < sc->P; a++) {
        const size_t ra = (size_t)sc->partner_region[a];
        for (size_t j = 0; j < J; j++)
            if (sc->tariffed[j])
                w->tau_new[TWM_NIJ(N, J, cn, ra, j)] =
                    fmax(0.0, w->tau_new[TWM_NIJ(N, J, cn, ra, j)] + r * w->comp[a]);
    }
}

/* 8. Limits on Chinese inputs: a duty levied by the partner (revenue
 * stays there) on the covered sectors (sectors.input_limits; default
 * the industrial, tariffed ones), scaled by the partner's own compliance. */
static int apply_input_limits(const twm_scenario *sc, const double *p, twm_scen_ws *w,
                              tw_error *err)
{
    const size_t N = sc->N, J = sc->J, cn = (size_t)sc->cn;
    const double ntb = p[TWM_P_NTB];
    for (size_t a = 0; a < sc->P; a++) {
        const size_t ra = (size_t)sc->partner_region[a];
        const double t = ntb * w->comp[a];
        if (!(1.0 + t > 0.0))
            return tw_error_set(err, TW_ENUMERIC, "ntb = %g makes a duty <= -100%%", ntb);
        for (size_t j = 0; j < J; j++)
            if (sc->ilimit[j]) {
                const size_t x = TWM_NIJ(N, J, ra, cn, j);
                w->tau_new[x] = fmax(0.0, w->tau_new[x] + t);
            }
    }
    return TW_OK;
}

/* fdi_profits: china. The operating profits of the relocated plants, the
 * capital share of their value added at baseline values (host a's
 * value-added share of sector j times the capacity moved), are paid from
 * the host to China: a transfer that changes the deficits of eq. 6
 * (China's rises, the host's falls by the same amount; the world sum stays
 * zero), held fixed in numeraire units like the deficits themselves. */
static void relocation_profits(const twm_scenario *sc, twm_scen_ws *w)
{
    const twm_data *d = sc->d;
    const size_t N = sc->N, J = sc->J, P = sc->P;
    const size_t cn = (size_t)sc->cn;
    double to_cn = 0.0;
    for (size_t a = 0; a < P; a++) {
        const size_t ra = (size_t)sc->partner_region[a];
        double t = 0.0;
        for (size_t j = 0; j < J; j++)
            t += TWM_FDI_CAPITAL_SHARE * d->gamma_va[ra * J + j] * w->relocated[a * J + j];
        w->fdi_profit[ra] = 0.0 - t; /* +0, not -0, when nothing moved */
        to_cn += t;
    }
    w->fdi_profit[cn] = to_cn;
    /* on top of deficit_change: (D + dD) + transfer; D + transfer when
     * there is none (the same bits as before the option existed) */
    for (size_t n = 0; n < N; n++)
        w->D_new[n] = (sc->dD ? d->D[n] + sc->dD[n] : d->D[n]) + w->fdi_profit[n];
    w->shock.D_new = w->D_new;
}

/* 7. Tariff-jumping relocation (industrial sectors), driven by the
 * statutory US tariff gap between China and the partner. What can move is
 * the capacity that served the US, u_j Y[CN,j] with u_j = Z[US,CN,j] /
 * Y[CN,j]: the tariff hits nothing else, so a sector China does not export
 * to the US does not move (issue 8; MODEL_NOTES mechanism 7). */
static void apply_relocation(const twm_scenario *sc, const double *p, twm_scen_ws *w)
{
    const twm_data *d = sc->d;
    const size_t N = sc->N, J = sc->J, P = sc->P;
    const size_t us = (size_t)sc->us, cn = (size_t)sc->cn;
    const double fmax_ = clamp01(p[TWM_P_F_MAX]);
    const double e_fdi = p[TWM_P_E_FDI];
    for (size_t j = 0; j < J; j++) {
        if (!d->industrial[j])
            continue;
        const double ycn = d->Y[cn * J + j];
        const size_t xc = TWM_NIJ(N, J, us, cn, j);
        /* China's US-bound share of the sector's output (exporter prices) */
        const double ushare = ycn > 0.0 ? clamp01(d->Z[xc] / ycn) : 0.0;
        /* The gap is the rise of China's tariff disadvantage against
         * partner a over the baseline: baseline capacity already reflects
         * baseline tariffs, so no shock means no relocation (MODEL_NOTES). */
        const double dcn = w->tau_new[xc] - d->tau[xc];
        double sum = 0.0;
        for (size_t a = 0; a < P; a++) {
            const size_t ra = (size_t)sc->partner_region[a];
            const size_t xa = TWM_NIJ(N, J, us, ra, j);
            double gap = dcn - (w->tau_new[xa] - d->tau[xa]);
            if (!(gap > 1e-12)) /* rounding of equal rises is no gap */
                gap = 0.0;
            double f = fmax_ * sc->wfdi[a] * clamp01(1.0 - e_fdi * w->comp[a]) * gap / (1.0 + gap) *
                       ushare;
            if (!(d->Y[ra * J + j] > 0.0) || !(ycn > 0.0))
                f = 0.0;
            w->scratch[a] = f;
            sum += f;
        }
        /* keep some Chinese capacity: That[CN,j] >= 0.01 (cannot bind while
         * f_max <= 1 and the fdi weights sum to at most 1; kept as a guard) */
        const double scale = sum > 0.99 ? 0.99 / sum : 1.0;
        for (size_t a = 0; a < P; a++) {
            const size_t ra = (size_t)sc->partner_region[a];
            const double f = w->scratch[a] * scale;
            if (f > 0.0)
                w->That[ra * J + j] *= 1.0 + f * ycn / d->Y[ra * J + j];
            w->relocated[a * J + j] = f * ycn;
        }
        w->That[cn * J + j] *= 1.0 - sum * scale;
    }
    if (sc->fdi_profits == TWM_FDI_PROFITS_CHINA)
        relocation_profits(sc, w);
}

/* 5. Transshipment: replaces the CN->US tariff by the route-weighted
 * tau'_eff and puts the rest of C'/C into dhat. */
static int apply_rerouting(const twm_scenario *sc, const double *p, twm_scen_ws *w,
                           tw_error *err)
{
    const twm_data *d = sc->d;
    const size_t N = sc->N, J = sc->J, P = sc->P;
    const size_t us = (size_t)sc->us, cn = (size_t)sc->cn;
    const double gap = p[TWM_P_ETA_GAP], cap = p[TWM_P_REROUTE_CAPACITY];
    const double phi = p[TWM_P_PHI], e_ship = p[TWM_P_E_SHIP];
    if (!(gap >= 0.0) || !isfinite(gap))
        return tw_error_set(err, TW_ENUMERIC, "eta_gap is %g (must be >= 0)", gap);
    if (!(cap >= 0.0) || !(phi > -1.0))
        return tw_error_set(err, TW_ENUMERIC,
                            "reroute_capacity (%g) must be >= 0 and phi (%g) > -1", cap, phi);
    double *s0 = w->route_share0;
    for (size_t j = 0; j < J; j++) {
        if (!sc->tariffed[j])
            continue;
        double teff, sd;
        /* the route elasticity exceeds the sector's trade elasticity */
        const double eta = w->theta[j] + gap;
        const double kap = reroute_sector(sc, j, w, eta, cap, phi, e_ship, &teff, w->scratch,
                                          w->scratch + P, &sd);
        const size_t x = TWM_NIJ(N, J, us, cn, j);
        const double t0 = d->tau[x];
        w->dhat[x] *= kap * (1.0 + t0) / (1.0 + teff);
        w->tau_new[x] = teff;
        w->direct_share[j] = sd;
        for (size_t a = 0; a < P; a++) {
            w->route_share[a * J + j] = w->scratch[a];
            s0[a * J + j] = w->scratch[P + a];
        }
    }
    return TW_OK;
}

/* 6. Rare earths: China's licensing as a quantity limit on its CRM
 * deliveries (the solver finds the wedge that enforces it), lifted by a
 * deal. The limit is enforced at the source, so rerouting does not get
 * around it (the rerouted CRM is part of the capped CN->US flow). */
static void apply_rare_earths(const twm_scenario *sc, const double *p, twm_scen_ws *w)
{
    const twm_data *d = sc->d;
    const size_t N = sc->N, us = (size_t)sc->us, cn = (size_t)sc->cn;
    w->re_active = sc->mech[TWM_M_RARE_EARTHS] && d->crm >= 0 && p[TWM_P_RE_SUSPENDED] > 0.5 &&
                   !w->deal;
    w->shock.qcap = NULL;
    w->shock.qcap_exporter = (int)cn;
    w->shock.qcap_sector = d->crm;
    if (!w->re_active)
        return;
    const double sig = fmin(clamp01(p[TWM_P_SIGMA_RE]), 0.999);
    const double tgt = clamp01(p[TWM_P_RE_TARGET_ALLIES]);
    int any = 0;
    for (size_t n = 0; n < N; n++) {
        double s = 0.0;
        const int a = sc->partner_of[n];
        if (n == cn)
            s = 0.0;
        else if (n == us || sc->re_scope == TWM_RE_WORLD)
            s = sig;
        else if (a >= 0)
            s = sig * w->comp[a] * (sc->re_scope == TWM_RE_ALIGNED ? 1.0 : tgt);
        /* no severity, no limit: sigma -> 0 is the no-ban solve */
        w->qcap[n] = s > 0.0 ? 1.0 - fmin(s, 0.999) : -1.0;
        any |= s > 0.0;
    }
    if (any)
        w->shock.qcap = w->qcap;
}

int twm_scenario_apply(const twm_scenario *sc, const double *p, twm_scen_ws *w, tw_error *err)
{
    const int *m = sc->mech;
    const double *comp_in = p + TWM_P_COUNT;

    for (size_t a = 0; a < sc->P; a++)
        w->comp[a] = clamp01(comp_in[a]);
    int rc = apply_elasticities(sc, p, w, err);
    if (rc != TW_OK)
        return rc;
    apply_reset(sc, w);

    /* 2. Deal. */
    w->deal = m[TWM_M_DEAL] && p[TWM_P_DEAL] > 0.5;
    /* The order matters: relocation reads the tariffs set before it, and
     * rerouting replaces the CN->US tariff they leave. */
    if (m[TWM_M_US_CN_TARIFFS])
        apply_us_cn_tariffs(sc, p, w);
    if (m[TWM_M_PARTNER_TARIFFS])
        apply_partner_tariffs(sc, p, w);
    if (m[TWM_M_ALLY_RETALIATION])
        apply_ally_retaliation(sc, p, w);
    if (m[TWM_M_INPUT_LIMITS] && (rc = apply_input_limits(sc, p, w, err)) != TW_OK)
        return rc;
    if (m[TWM_M_RELOCATE] && sc->P > 0)
        apply_relocation(sc, p, w);
    if (m[TWM_M_REROUTE] && (rc = apply_rerouting(sc, p, w, err)) != TW_OK)
        return rc;
    apply_rare_earths(sc, p, w);
    return TW_OK;
}
