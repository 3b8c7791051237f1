/* Shared helpers of test_twm_scenario.c and test_twm_mechanisms.c: the small
 * synthetic world tests/data/twm_scen (USA, CHN, VNM, MEX, EUR, ROW x AGR,
 * ELE, VEH (industrial), CRM (critical)) and one scenario + solve + outcomes. */
#ifndef TW_TEST_TWM_TESTWORLD_H
#define TW_TEST_TWM_TESTWORLD_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "twm_data.h"
#include "twm_outcomes.h"
#include "twm_scenario.h"
#include "twm_solver.h"

/* cmocka 1.1.5 has no assert_double_equal (1.1.6 does). */
#ifndef assert_double_equal
#define assert_double_equal(a, b, eps)                                                   \
    do {                                                                                 \
        const double a_ = (a), b_ = (b), e_ = (eps);                                     \
        if (!(fabs(a_ - b_) <= e_)) {                                                    \
            print_error("%.17g != %.17g (tolerance %g)\n", a_, b_, e_);                  \
            _fail(__FILE__, __LINE__);                                                   \
        }                                                                                \
    } while (0)
#endif

#define TW_WORLD_DIR TW_TEST_DATA_DIR "/twm_scen"

typedef struct tw_world {
    twm_data *d;
    twm_scenario *sc;
    twm_scen_ws *sw;
    twm_solver_ws *solver;
    twm_result res;
    double *out;
    double p[TWM_P_COUNT + 8];
    int us, cn, vnm, mex, eur, row;
    int agr, ele, veh, crm;
    size_t P;
} tw_world;

/* Parameters under which every mechanism is on but does nothing: no
 * additional duties, no pause expiry, no blocking (compliance 0), no rare-earth
 * suspension, data elasticities. */
static inline void tw_world_neutral(tw_world *w)
{
    double *p = w->p;
    memset(p, 0, sizeof w->p);
    p[TWM_P_ETA_GAP] = 2.0; /* route elasticity theta_j + 2 */
    p[TWM_P_REROUTE_CAPACITY] = 0.03;
    p[TWM_P_PHI] = 0.15;
    p[TWM_P_E_SHIP] = 0.6;
    p[TWM_P_SIGMA_RE] = 0.6;
    p[TWM_P_RE_TARGET_ALLIES] = 0.0;
    p[TWM_P_F_MAX] = 0.03;
    p[TWM_P_E_FDI] = 0.5;
    p[TWM_P_EPS_CRM] = 0.2;
    p[TWM_P_THETA_SCALE] = 1.0;
    p[TWM_P_THETA_CRM] = 2.0; /* = the data's theta of CRM */
    p[TWM_P_CRM_SUPPLY_ELAST] = 0.5;
}

/* The 2025 war without a deal: 145% / 125% additional duties, the 10% floor. */
static inline void tw_world_war(tw_world *w)
{
    tw_world_neutral(w);
    w->p[TWM_P_T_US_CN] = 1.45;
    w->p[TWM_P_T_CN_US] = 1.25;
    w->p[TWM_P_T_DEAL_US] = 0.30;
    w->p[TWM_P_T_DEAL_CN] = 0.10;
    w->p[TWM_P_T_FLOOR] = 0.10;
    for (size_t a = 0; a < w->P; a++)
        w->p[TWM_P_COUNT + a] = 0.5;
}

/* The world's partners: VNM, MEX, EUR, ROW (in that order) with reciprocal
 * rates and MEX's extra duty; fdi weights derived, none floor-exempt. */
static inline void tw_world_partners(const tw_world *w, twm_partner_info pi[4])
{
    const twm_partner_info p[4] = {{w->vnm, 0.46, 0.0, -1.0, 0},
                                   {w->mex, 0.25, 0.15, -1.0, 0},
                                   {w->eur, 0.20, 0.0, -1.0, 0},
                                   {w->row, 0.20, 0.0, -1.0, 0}};
    memcpy(pi, p, sizeof p);
}

/* Opens the world with the partners of tw_world_partners; fdi_profits: TWM_FDI_PROFITS_* (who earns relocated plants' profits);
 * dD: [N] exogenous change of the deficits (deficit_change:) or NULL. */
static inline int tw_world_open_dd(tw_world *w, const int *mech, int fdi_profits,
                                   const double *dD)
{
    tw_error err;
    memset(w, 0, sizeof *w);
    if (twm_data_load(TW_WORLD_DIR, &w->d, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    w->us = twm_region_index(w->d, "USA");
    w->cn = twm_region_index(w->d, "CHN");
    w->vnm = twm_region_index(w->d, "VNM");
    w->mex = twm_region_index(w->d, "MEX");
    w->eur = twm_region_index(w->d, "EUR");
    w->row = twm_region_index(w->d, "ROW");
    w->agr = twm_sector_index(w->d, "AGR");
    w->ele = twm_sector_index(w->d, "ELE");
    w->veh = twm_sector_index(w->d, "VEH");
    w->crm = twm_sector_index(w->d, "CRM");
    twm_partner_info pi[4];
    tw_world_partners(w, pi);
    twm_scenario_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.us = w->us;
    spec.cn = w->cn;
    spec.n_partners = 4;
    spec.partners = pi;
    spec.fdi_profits = fdi_profits;
    spec.deficit_change = dD;
    for (int k = 0; k < TWM_M_COUNT; k++)
        spec.mech[k] = mech ? mech[k] : 1;
    if (twm_scenario_new(w->d, &spec, &w->sc, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    w->P = 4;
    w->sw = twm_scen_ws_alloc(w->sc);
    w->solver = twm_solver_ws_alloc(w->d);
    w->out = calloc(twm_outcome_row_len(w->d->N, w->d->J, w->P), sizeof(double));
    if (!w->sw || !w->solver || !w->out)
        return -1;
    tw_world_neutral(w);
    return 0;
}

static inline int tw_world_open_ex(tw_world *w, const int *mech, int fdi_profits)
{
    return tw_world_open_dd(w, mech, fdi_profits, NULL);
}

static inline int tw_world_open(tw_world *w, const int *mech)
{
    return tw_world_open_ex(w, mech, TWM_FDI_PROFITS_HOST);
}

static inline void tw_world_close(tw_world *w)
{
    free(w->out);
    twm_solver_ws_free(w->solver);
    twm_scen_ws_free(w->sw);
    twm_scenario_free(w->sc);
    twm_data_free(w->d);
    memset(w, 0, sizeof *w);
}

/* Apply the scenario only. */
static inline int tw_world_apply(tw_world *w)
{
    tw_error err;
    int rc = twm_scenario_apply(w->sc, w->p, w->sw, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    return rc;
}

/* Apply, solve (tol 1e-12) and compute outcomes; returns 0 if converged. */
static inline int tw_world_solve(tw_world *w)
{
    tw_error err;
    if (tw_world_apply(w))
        return -1;
    twm_solver_opts o = {.tol = 1e-12, .max_iter = 20000};
    if (twm_solve(w->d, &w->sw->shock, &o, w->solver, &w->res, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    twm_outcomes_compute(w->sc, w->sw, &w->res, w->out);
    return w->res.converged ? 0 : -2;
}

/* Pointer to outcome k in the last row. */
static inline const double *tw_world_o(const tw_world *w, int k)
{
    return w->out + twm_outcome_offset(k, w->d->N, w->d->J, w->P);
}

/* Counterfactual flow at exporter prices (importer n, exporter i, sector j). */
static inline double tw_world_z(const tw_world *w, int n, int i, int j)
{
    const size_t N = w->d->N, J = w->d->J;
    const size_t x = TWM_NIJ(N, J, n, i, j);
    return w->res.pi_new[x] * w->res.X_new[(size_t)n * J + (size_t)j] / (1.0 + w->sw->tau_new[x]);
}

#endif
