/* tradewar model, layer 2: scenario mechanisms (MODEL.md section 3).
 *
 * Maps one sample's parameter values to a counterfactual (tau', dhat, That,
 * theta, eps_crm) for the solver, plus the details the outcomes need
 * (route shares of the CN->US flow, relocated capacity).
 *
 * A twm_scenario is built once (create time) from the dataset, the region
 * roles (US, CN, partners), partner facts, mechanism switches and an optional
 * base counterfactual; it is read-only afterwards and shared by threads.
 * twm_scenario_apply() writes into a per-thread twm_scen_ws allocated once:
 * pure, allocation-free, thread-safe.
 *
 * Parameter vector layout: the TWM_P_* scalars below in this order, then one
 * compliance_<CODE> per partner (partner order). docs/MODEL_NOTES.md explains
 * each mechanism and parameter.
 */
#ifndef TRADEWAR_TWM_SCENARIO_H
#define TRADEWAR_TWM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "tradewar/error.h"
#include "twm_data.h"
#include "twm_solver.h"

/* Global scalar parameters (the order of the parameter vector). */
#define TWM_PARAM_MAP(X)        \
    X(TWM_P_T_US_CN, "t_us_cn")          \
    X(TWM_P_T_CN_US, "t_cn_us")          \
    X(TWM_P_DEAL, "deal")                \
    X(TWM_P_T_DEAL_US, "t_deal_us")      \
    X(TWM_P_T_DEAL_CN, "t_deal_cn")      \
    X(TWM_P_T_FLOOR, "t_floor")          \
    X(TWM_P_PAUSE_EXPIRES, "pause_expires") \
    X(TWM_P_ETA_GAP, "eta_gap")          \
    X(TWM_P_REROUTE_CAPACITY, "reroute_capacity") \
    X(TWM_P_PHI, "phi")                  \
    X(TWM_P_E_SHIP, "e_ship")            \
    X(TWM_P_RE_SUSPENDED, "re_suspended") \
    X(TWM_P_SIGMA_RE, "sigma_re")        \
    X(TWM_P_RE_TARGET_ALLIES, "re_target_allies") \
    X(TWM_P_F_MAX, "f_max")              \
    X(TWM_P_E_FDI, "e_fdi")              \
    X(TWM_P_NTB, "ntb")                  \
    X(TWM_P_R_ALLY, "r_ally")            \
    X(TWM_P_EPS_CRM, "eps_crm")          \
    X(TWM_P_THETA_SCALE, "theta_scale")  \
    X(TWM_P_THETA_CRM, "theta_crm")      \
    X(TWM_P_CRM_SUPPLY_ELAST, "crm_supply_elast")

enum {
#define TWM_P_ENUM_(k, s) k,
    TWM_PARAM_MAP(TWM_P_ENUM_)
#undef TWM_P_ENUM_
    TWM_P_COUNT /* index of the first compliance_<CODE> */
};

/* Name of global parameter k (TWM_P_*). */
const char *twm_param_name(int k);

/* Mechanism switches (config `mechanisms:`). */
#define TWM_MECH_MAP(X)                           \
    X(TWM_M_REROUTE, "reroute")                   \
    X(TWM_M_RELOCATE, "relocate")                 \
    X(TWM_M_INPUT_LIMITS, "input_limits")         \
    X(TWM_M_RARE_EARTHS, "rare_earths")           \
    X(TWM_M_ALLY_RETALIATION, "ally_retaliation") \
    X(TWM_M_PAUSE, "pause")                       \
    X(TWM_M_DEAL, "deal")                         \
    X(TWM_M_PARTNER_TARIFFS, "partner_tariffs")   \
    X(TWM_M_US_CN_TARIFFS, "us_cn_tariffs")       \
    X(TWM_M_ELASTICITIES, "elasticities")

enum {
#define TWM_M_ENUM_(k, s) k,
    TWM_MECH_MAP(TWM_M_ENUM_)
#undef TWM_M_ENUM_
    TWM_M_COUNT
};

const char *twm_mech_name(int k);

/* Facts about one partner (config `partners:`; defaults in twm_scenario_new). */
typedef struct twm_partner_info {
    int region;       /* index into the dataset's regions */
    double reciprocal; /* r_a: announced reciprocal rate (e.g. 0.46) */
    double extra_duty; /* t_us_a: additional US duty outside the reciprocal scheme */
    double fdi_weight; /* w_a^fdi in [0,1], or < 0 = derive from baseline output */
    int floor_exempt;  /* 1: the t_floor duty does not apply (Mexico, Canada in 2025) */
} twm_partner_info;

enum { TWM_RE_US = 0, TWM_RE_ALIGNED = 1, TWM_RE_WORLD = 2 };

/* Who earns the operating profits of relocated Chinese plants (mechanism 7,
 * config `fdi_profits`): the host (default; MODEL.md: relocation is a
 * productivity shift, all value added stays in the host) or China (the
 * profits return to the Chinese owners as a transfer, a change of the
 * deficits). */
enum { TWM_FDI_PROFITS_HOST = 0, TWM_FDI_PROFITS_CHINA = 1 };

/* Capital share of value added in the relocated plants: the share of their
 * value added that is operating profit (gross operating surplus). About 1/3:
 * Gollin (2002, JPE, "Getting income shares right") puts labour shares at
 * 0.65-0.80 once self-employment is counted; Karabarbounis and Neiman (2014,
 * QJE) a global corporate labour share near 0.6 (approximate figures);
 * docs/MODEL_NOTES.md mechanism 7. */
#define TWM_FDI_CAPITAL_SHARE (1.0 / 3.0)

/* Short-run (about one year) over long-run trade elasticities: Boehm,
 * Levchenko and Pandalai-Nayar (2023, AER, "The long and short (run) of trade
 * elasticities") estimate roughly 0.8 at one year against roughly 2 after
 * 7-10 years (approximate); docs/MODEL_NOTES.md. */
#define TWM_SHORT_RUN_THETA_FACTOR 0.4

typedef struct twm_scenario_spec {
    int us, cn;                 /* region indices */
    size_t n_partners;
    const twm_partner_info *partners;
    int mech[TWM_M_COUNT];      /* 1 = on */
    const uint8_t *tariffed;    /* [J] sectors the additional duties and rerouting
                                   apply to; NULL = all */
    const double *us_duty_share; /* [J] in [0,1]: share of the additional US duties
                                    (mechanisms 1, 2, 4) levied in the sector, for
                                    exemptions (Annex II, electronics); NULL = 1 */
    int reroute_transit;        /* route weights: 0 = partner's share of US imports
                                   (MODEL.md); 1 = the same total, redistributed in
                                   proportion to China's share of the partner's imports */
    int re_scope;               /* rare-earth licensing reaches: TWM_RE_US (the US, and
                                   aligned partners by re_target_allies c_a), TWM_RE_ALIGNED
                                   (the US and each partner by c_a), TWM_RE_WORLD (every
                                   destination) */
    double theta_factor;        /* horizon: multiplies every trade elasticity (1 = long run,
                                   MODEL.md; TWM_SHORT_RUN_THETA_FACTOR = one year); 0 = 1 */
    int fdi_profits;            /* TWM_FDI_PROFITS_HOST (0, default) or _CHINA */
    const uint8_t *input_limit_sectors; /* [J] sectors covered by the partners' input
                                   limits (mechanism 8); NULL = industrial and tariffed */
    const double *route_given;  /* [n_partners] or NULL: explicit shares of the transit
                                   capacity (reroute_weights: {CODE: share}); < 0 = not
                                   given (shares the rest by US-import share); given
                                   values must be >= 0 and sum to <= 1 */
    const double *tau_base;     /* [N*N*J] base counterfactual tariffs, NULL = data tau */
    const double *dhat_base;    /* [N*N*J] base counterfactual trade costs, NULL = 1 */
    const double *deficit_change; /* [N] exogenous change of each deficit D_n (eq. 6),
                                   USD bn (numeraire), finite and summing to zero
                                   (config deficit_change:); NULL = none. Enters like
                                   the fdi_profits transfer: D' = D + dD (+ transfer) */
} twm_scenario_spec;

typedef struct twm_scenario twm_scenario;

/* Build (copies everything it needs from spec; d must outlive the scenario).
 * Errors: TW_ECONFIG for inconsistent roles (US == CN, a partner that is US
 * or CN or listed twice, fdi weights summing above 1), TW_ENOMEM. */
int twm_scenario_new(const twm_data *d, const twm_scenario_spec *spec, twm_scenario **out,
                     tw_error *err);
void twm_scenario_free(twm_scenario *sc);

size_t twm_scenario_n_partners(const twm_scenario *sc);
int twm_scenario_partner_region(const twm_scenario *sc, size_t a);
int twm_scenario_us(const twm_scenario *sc);
int twm_scenario_cn(const twm_scenario *sc);
/* Effective fdi weight of partner a (given or derived). */
double twm_scenario_fdi_weight(const twm_scenario *sc, size_t a);
/* 1 if region n is in the partner set. */
int twm_scenario_is_partner(const twm_scenario *sc, int n);
/* 1 if sector j is tariffed (not in sectors.untariffed): "goods". */
int twm_scenario_is_tariffed(const twm_scenario *sc, size_t j);
/* Number of parameters (TWM_P_COUNT + partners). */
size_t twm_scenario_n_params(const twm_scenario *sc);
const twm_data *twm_scenario_data(const twm_scenario *sc);

/* Per-thread output of one scenario evaluation. */
typedef struct twm_scen_ws {
    size_t N, J, P;
    double *tau_new;   /* [N*N*J] tau' (CN->US: the route-weighted tau'_eff) */
    double *dhat;      /* [N*N*J] */
    double *That;      /* [N*J] */
    double *theta;     /* [J] */
    double eps_crm;
    double *route_share; /* [P*J] share of the CN->US flow of sector j through partner a */
    double *route_share0;/* [P*J] the same at baseline tariffs and no blocking, with this
                            sample's route parameters (for rerouted_change) */
    double *direct_share;/* [J] */
    double *relocated;   /* [P*J] f_a[j] Y[CN,j]: baseline output moved from CN to a */
    double *comp;        /* [P] compliance used (clamped to [0,1]) */
    double *fdi_profit;  /* [N] operating profits of relocated plants received (China, > 0)
                            or paid (hosts, < 0), USD bn (numeraire); 0 unless
                            fdi_profits: china. Sums to 0 over regions */
    double *D_new;       /* [N] deficits with deficit_change: and those transfers;
                            shock.D_new points here while either is in force (NULL
                            otherwise) */
    double *qcap;        /* [N] rare-earth quantity limit by importer (ratio of China's
                            baseline CRM deliveries, < 0 = none); shock.qcap points here
                            while the suspension is in force */
    double *scratch;     /* [2P] */
    int deal;            /* the deal happened (and the mechanism is on) */
    int re_active;       /* rare-earth suspension in force */
    twm_shock shock;     /* points into the arrays above */
} twm_scen_ws;

twm_scen_ws *twm_scen_ws_alloc(const twm_scenario *sc); /* NULL on OOM */
void twm_scen_ws_free(twm_scen_ws *w);

/* Apply the mechanisms for one sample. params: TWM_P_COUNT + P values.
 * Returns TW_OK, or TW_ENUMERIC for a parameter value that makes the
 * counterfactual undefined (e.g. theta <= 0, eta <= 0), with a message. */
int twm_scenario_apply(const twm_scenario *sc, const double *params, twm_scen_ws *w,
                       tw_error *err);

#endif
