/* tradewar model: the glue between the engine's model interface
 * (include/tradewar/model.h) and the trade model's layers
 * data -> scenario -> solver -> outcomes (MODEL.md).
 *
 * Config keys read here (besides the engine's): regions, partners,
 * mechanisms, counterfactual, sectors. docs/MODEL_NOTES.md documents them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradewar/config.h"
#include "tradewar/model.h"
#include "twm_data.h"
#include "twm_outcomes.h"
#include "twm_scenario.h"
#include "twm_solver.h"

static const char *const twm_keys[] = {"regions", "partners", "mechanisms", "counterfactual",
                                       "sectors", "reroute_weights", "re_scope", "horizon",
                                       "deficits", NULL};

/* Default distribution of each global parameter (the config's `parameters:`
 * section overrides them; configs/default.yaml explains the choices). */
typedef struct {
    tw_dist_kind kind;
    double p[TW_DIST_MAX_PARAMS];
    const char *units;
    const char *description;
} param_default;

static const param_default defaults[TWM_P_COUNT] = {
    [TWM_P_T_US_CN] = {TW_DIST_TRIANGULAR, {1.0, 1.45, 1.45, 0}, "rate",
                       "additional US duty on Chinese goods without a deal (MODEL.md 3.1)"},
    [TWM_P_T_CN_US] = {TW_DIST_TRIANGULAR, {0.9, 1.25, 1.25, 0}, "rate",
                       "additional Chinese duty on US goods without a deal (3.1)"},
    [TWM_P_DEAL] = {TW_DIST_BERNOULLI, {0.5, 0, 0, 0}, "0/1",
                    "a US-China deal happens (3.2): duties become t_deal_*, rare earths resume"},
    [TWM_P_T_DEAL_US] = {TW_DIST_TRIANGULAR, {0.20, 0.30, 0.45, 0}, "rate",
                         "additional US duty on Chinese goods under a deal (3.2)"},
    [TWM_P_T_DEAL_CN] = {TW_DIST_TRIANGULAR, {0.05, 0.10, 0.15, 0}, "rate",
                         "additional Chinese duty on US goods under a deal (3.2)"},
    [TWM_P_T_FLOOR] = {TW_DIST_CONSTANT, {0.10, 0, 0, 0}, "rate",
                       "US baseline reciprocal duty on every other region during the pause (3.4)"},
    [TWM_P_PAUSE_EXPIRES] = {TW_DIST_BERNOULLI, {0.5, 0, 0, 0}, "0/1",
                             "the 90-day pause expires: non-aligned partners move towards r_a (3.4)"},
    [TWM_P_ETA_GAP] = {TW_DIST_TRIANGULAR, {1.0, 3.0, 8.0, 0}, "1",
                       "route elasticity of Chinese goods to the US minus the sector's trade "
                       "elasticity: eta_j = theta_j + eta_gap (3.5)"},
    [TWM_P_REROUTE_CAPACITY] = {TW_DIST_UNIFORM, {0.005, 0.05, 0, 0}, "1",
                                "scale of the transit route weights (partner's share of US "
                                "imports in the sector times this) (3.5)"},
    [TWM_P_PHI] = {TW_DIST_UNIFORM, {0.05, 0.30, 0, 0}, "rate",
                   "extra cost of rerouting (relabelling, rules-of-origin compliance) (3.5)"},
    [TWM_P_E_SHIP] = {TW_DIST_PERT, {0.2, 0.6, 0.9, 4.0}, "fraction",
                      "effectiveness of a fully aligned partner's transshipment blocking (3.5)"},
    [TWM_P_RE_SUSPENDED] = {TW_DIST_BERNOULLI, {0.8, 0, 0, 0}, "0/1",
                            "China suspends rare-earth exports (lifted by a deal) (3.6)"},
    [TWM_P_SIGMA_RE] = {TW_DIST_PERT, {0.3, 0.6, 0.9, 4.0}, "fraction",
                        "severity: fraction of China's CRM supply to the US withheld (3.6)"},
    [TWM_P_RE_TARGET_ALLIES] = {TW_DIST_UNIFORM, {0.0, 0.5, 0, 0}, "fraction",
                                "extension of the suspension to aligned partners (3.6)"},
    [TWM_P_F_MAX] = {TW_DIST_TRIANGULAR, {0.0, 0.02, 0.06, 0}, "fraction",
                     "maximum share of China's industrial capacity that relocates (3.7)"},
    [TWM_P_E_FDI] = {TW_DIST_UNIFORM, {0.3, 0.9, 0, 0}, "fraction",
                     "effectiveness of an aligned partner's screening of Chinese FDI (3.7)"},
    [TWM_P_NTB] = {TW_DIST_TRIANGULAR, {0.0, 0.10, 0.30, 0}, "rate",
                   "tariff-equivalent limit on Chinese industrial inputs at full alignment (3.8)"},
    [TWM_P_R_ALLY] = {TW_DIST_TRIANGULAR, {0.0, 0.0, 0.30, 0}, "rate",
                      "China's extra duty on a fully aligned partner's goods (3.9)"},
    [TWM_P_EPS_CRM] = {TW_DIST_UNIFORM, {0.05, 0.5, 0, 0}, "1",
                       "elasticity of substitution of critical inputs in production (MODEL.md 2)"},
    [TWM_P_THETA_SCALE] = {TW_DIST_LOGNORMAL, {0.0, 0.2, 0, 0}, "1",
                           "common multiplier of the sectoral trade elasticities (3.10)"},
    [TWM_P_THETA_CRM] = {TW_DIST_UNIFORM, {1.0, 3.0, 0, 0}, "1",
                         "trade elasticity of the critical-minerals sector (3.10)"},
    [TWM_P_CRM_SUPPLY_ELAST] = {TW_DIST_UNIFORM, {0.2, 1.0, 0, 0}, "1",
                                "short-run supply elasticity of critical minerals in every "
                                "region (cost rises as output^(1/elast)) (3.6, 3.10)"},
};

/* The domain of each global parameter: what the mechanisms can use, and for
 * rates and elasticities a generous bound around every published value, so
 * that a typo (1e308, a sign) is refused with the range when the config is
 * read instead of failing mid-run (tw_params_set_domain). */
typedef struct {
    double lo;
    int lo_open;
    double hi;
    const char *why;
} param_domain;

#define TWM_DUTY {-1.0, 0, 10.0, "an additional duty from -100% to 1000%"}
#define TWM_SWITCH {0.0, 0, 1.0, "a 0/1 switch"}
#define TWM_FRACTION {0.0, 0, 1.0, "a fraction"}
static const param_domain domains[TWM_P_COUNT] = {
    [TWM_P_T_US_CN] = TWM_DUTY,
    [TWM_P_T_CN_US] = TWM_DUTY,
    [TWM_P_DEAL] = TWM_SWITCH,
    [TWM_P_T_DEAL_US] = TWM_DUTY,
    [TWM_P_T_DEAL_CN] = TWM_DUTY,
    [TWM_P_T_FLOOR] = TWM_DUTY,
    [TWM_P_PAUSE_EXPIRES] = TWM_SWITCH,
    [TWM_P_ETA_GAP] = {0.0, 0, 100.0, "an elasticity gap; published trade elasticities are "
                                      "below 100"},
    [TWM_P_REROUTE_CAPACITY] = {0.0, 0, 100.0, "a non-negative scale of route weights"},
    [TWM_P_PHI] = {-1.0, 1, 10.0, "a cost markup: 1 + phi must be > 0"},
    [TWM_P_E_SHIP] = TWM_FRACTION,
    [TWM_P_RE_SUSPENDED] = TWM_SWITCH,
    [TWM_P_SIGMA_RE] = TWM_FRACTION,
    [TWM_P_RE_TARGET_ALLIES] = TWM_FRACTION,
    [TWM_P_F_MAX] = TWM_FRACTION,
    [TWM_P_E_FDI] = TWM_FRACTION,
    [TWM_P_NTB] = {-1.0, 1, 10.0, "a tariff equivalent: 1 + ntb must be > 0"},
    [TWM_P_R_ALLY] = TWM_DUTY,
    [TWM_P_EPS_CRM] = {0.0, 1, 100.0, "an elasticity of substitution: > 0, published "
                                      "estimates are below 100"},
    [TWM_P_THETA_SCALE] = {0.0, 1, 10.0, "a positive multiplier of the trade elasticities"},
    [TWM_P_THETA_CRM] = {0.0, 1, TWM_THETA_MAX, "a trade elasticity: > 0; published "
                                                "estimates are 0.37 to 64.85 (Caliendo-Parro "
                                                "2015)"},
    [TWM_P_CRM_SUPPLY_ELAST] = {0.0, 1, 100.0, "a supply elasticity: > 0"},
};

typedef struct twm_model {
    twm_data *data;
    twm_scenario *scen;
    tw_params *params;
    twm_solver_opts opts;
    size_t N, J, P;
    tw_dimension dims[TWM_DIM_COUNT];
    char **partner_labels; /* [P], pointers into data->region_code */
    tw_array_info *baseline;
    size_t n_baseline;
    double *bl; /* storage of the baseline arrays */
    tw_model_schema schema;
} twm_model;

typedef struct twm_ws {
    twm_scen_ws *scen;
    twm_solver_ws *solver;
} twm_ws;

static void twm_destroy(void *state)
{
    twm_model *m = state;
    if (!m)
        return;
    twm_scenario_free(m->scen);
    twm_data_free(m->data);
    tw_params_free(m->params);
    free(m->partner_labels);
    free(m->baseline);
    free(m->bl);
    free(m);
}

/* "file:line: key 'path': " for a node (the node may be absent). */
static const char *where(tw_ynode n, const char *path, char *buf, size_t size)
{
    tw_ynode_where(n, path, buf, size);
    return buf;
}

static int region_code(const twm_data *d, tw_ynode n, const char *path, int *out, tw_error *err)
{
    const char *code;
    char w[700];
    int rc = tw_ynode_string(n, path, &code, err);
    if (rc)
        return rc;
    *out = twm_region_index(d, code);
    if (*out < 0)
        return tw_error_set(err, TW_ECONFIG, "%s: unknown region code '%s' (not in the data's "
                            "regions.csv)", where(n, path, w, sizeof w), code);
    return TW_OK;
}

static int sector_code(const twm_data *d, tw_ynode n, const char *path, int *out, tw_error *err)
{
    const char *code;
    char w[700];
    int rc = tw_ynode_string(n, path, &code, err);
    if (rc)
        return rc;
    *out = twm_sector_index(d, code);
    if (*out < 0)
        return tw_error_set(err, TW_ECONFIG, "%s: unknown sector code '%s' (not in the data's "
                            "sectors.csv)", where(n, path, w, sizeof w), code);
    return TW_OK;
}

/* A list of sector codes -> 0/1 mask. */
static int sector_list(const twm_data *d, tw_ynode n, const char *path, uint8_t *mask,
                       tw_error *err)
{
    char w[700], sub[256];
    if (tw_ynode_type(n) != TW_Y_SEQUENCE)
        return tw_error_set(err, TW_ECONFIG, "%s: expected a list of sector codes",
                            where(n, path, w, sizeof w));
    memset(mask, 0, d->J);
    for (size_t i = 0; i < tw_ynode_size(n); i++) {
        int j;
        snprintf(sub, sizeof sub, "%s[%zu]", path, i);
        int rc = sector_code(d, tw_ynode_item(n, i), sub, &j, err);
        if (rc)
            return rc;
        mask[j] = 1;
    }
    return TW_OK;
}

/* `sectors: {industrial: [..], critical: CODE | none, untariffed: [..],
 * us_duty_share: {CODE: share}}`: overrides of the data's sector flags and
 * the sectors the additional duties reach. */
static int read_sectors(const tw_model_ctx *ctx, twm_data *d, uint8_t *tariffed, double *share,
                        uint8_t *ilimit, int *has_ilimit, tw_error *err)
{
    static const char *const keys[] = {"industrial", "critical", "untariffed", "us_duty_share",
                                       "input_limits", NULL};
    tw_ynode s = tw_ynode_get(ctx->root, "sectors");
    for (size_t j = 0; j < d->J; j++) {
        tariffed[j] = 1;
        share[j] = 1.0;
    }
    if (!tw_ynode_ok(s))
        return TW_OK;
    int rc = tw_ynode_check_keys(s, "sectors", keys, err);
    if (rc)
        return rc;
    tw_ynode sh = tw_ynode_get(s, "us_duty_share");
    if (tw_ynode_ok(sh)) {
        char path[160], w[700];
        if ((rc = tw_ynode_require_map(sh, "sectors.us_duty_share", err)))
            return rc;
        for (size_t k = 0; k < tw_ynode_size(sh); k++) {
            tw_ynode kn = tw_ynode_key_at(sh, k), vn = tw_ynode_value_at(sh, k);
            int j;
            if ((rc = sector_code(d, kn, "sectors.us_duty_share", &j, err)))
                return rc;
            snprintf(path, sizeof path, "sectors.us_duty_share.%s", tw_ynode_scalar(kn));
            if ((rc = tw_ynode_double(vn, path, &share[j], err)))
                return rc;
            if (!(share[j] >= 0.0 && share[j] <= 1.0))
                return tw_error_set(err, TW_ECONFIG, "%s: must be in [0, 1], got %g",
                                    where(vn, path, w, sizeof w), share[j]);
        }
    }
    tw_ynode n = tw_ynode_get(s, "industrial");
    if (tw_ynode_ok(n) && (rc = sector_list(d, n, "sectors.industrial", d->industrial, err)))
        return rc;
    n = tw_ynode_get(s, "untariffed");
    if (tw_ynode_ok(n)) {
        if ((rc = sector_list(d, n, "sectors.untariffed", tariffed, err)))
            return rc;
        for (size_t j = 0; j < d->J; j++)
            tariffed[j] = !tariffed[j];
    }
    n = tw_ynode_get(s, "input_limits");
    if (tw_ynode_ok(n)) {
        if ((rc = sector_list(d, n, "sectors.input_limits", ilimit, err)))
            return rc;
        *has_ilimit = 1;
    }
    n = tw_ynode_get(s, "critical");
    if (tw_ynode_ok(n)) {
        const char *v = tw_ynode_scalar(n);
        if (v && (strcmp(v, "none") == 0 || strcmp(v, "null") == 0 || strcmp(v, "~") == 0 ||
                  v[0] == '\0')) {
            d->crm = -1;
        } else {
            int c;
            if ((rc = sector_code(d, n, "sectors.critical", &c, err)))
                return rc;
            d->crm = c;
        }
        for (size_t j = 0; j < d->J; j++)
            d->critical[j] = (int)j == d->crm;
    }
    return TW_OK;
}

static int read_mechanisms(const tw_model_ctx *ctx, int *mech, tw_error *err)
{
    const char *keys[TWM_M_COUNT + 1];
    for (int k = 0; k < TWM_M_COUNT; k++) {
        keys[k] = twm_mech_name(k);
        mech[k] = 1;
    }
    keys[TWM_M_COUNT] = NULL;
    tw_ynode s = tw_ynode_get(ctx->root, "mechanisms");
    if (!tw_ynode_ok(s))
        return TW_OK;
    int rc = tw_ynode_check_keys(s, "mechanisms", keys, err);
    if (rc)
        return rc;
    char path[128];
    for (int k = 0; k < TWM_M_COUNT; k++) {
        tw_ynode v = tw_ynode_get(s, keys[k]);
        if (!tw_ynode_ok(v))
            continue;
        snprintf(path, sizeof path, "mechanisms.%s", keys[k]);
        if ((rc = tw_ynode_bool(v, path, &mech[k], err)))
            return rc;
    }
    return TW_OK;
}

static int dist_make(tw_dist *d, tw_dist_kind kind, const double *p, tw_error *err)
{
    return tw_dist_init(d, kind, p, NULL, NULL, 0, err);
}

/* One partner's facts from `partners.<CODE>`. */
static int read_partner(tw_ynode node, const char *code, twm_partner_info *pi, tw_dist *comp,
                        int *has_comp, tw_error *err)
{
    static const char *const keys[] = {"compliance", "reciprocal", "extra_duty", "fdi_weight",
                                       "floor_exempt", NULL};
    char path[160], w[700];
    snprintf(path, sizeof path, "partners.%s", code);
    int rc = tw_ynode_check_keys(node, path, keys, err);
    if (rc)
        return rc;
    struct {
        const char *key;
        double *dst;
        double lo, hi;
    } nums[] = {{"reciprocal", &pi->reciprocal, 0.0, 10.0},
                {"extra_duty", &pi->extra_duty, -1.0, 10.0},
                {"fdi_weight", &pi->fdi_weight, 0.0, 1.0}};
    for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
        tw_ynode v = tw_ynode_get(node, nums[k].key);
        if (!tw_ynode_ok(v))
            continue;
        snprintf(path, sizeof path, "partners.%s.%s", code, nums[k].key);
        if ((rc = tw_ynode_double(v, path, nums[k].dst, err)))
            return rc;
        if (!(*nums[k].dst >= nums[k].lo && *nums[k].dst <= nums[k].hi))
            return tw_error_set(err, TW_ECONFIG, "%s: must be in [%g, %g], got %g",
                                where(v, path, w, sizeof w), nums[k].lo, nums[k].hi,
                                *nums[k].dst);
    }
    tw_ynode fe = tw_ynode_get(node, "floor_exempt");
    if (tw_ynode_ok(fe)) {
        snprintf(path, sizeof path, "partners.%s.floor_exempt", code);
        if ((rc = tw_ynode_bool(fe, path, &pi->floor_exempt, err)))
            return rc;
    }
    tw_ynode c = tw_ynode_get(node, "compliance");
    if (tw_ynode_ok(c)) {
        snprintf(path, sizeof path, "partners.%s.compliance", code);
        if ((rc = tw_config_parse_dist(c, path, comp, err)))
            return rc;
        *has_comp = 1;
        if (tw_dist_lower(comp) < 0.0 || tw_dist_upper(comp) > 1.0) {
            tw_dist_free(comp);
            *has_comp = 0;
            return tw_error_set(err, TW_ECONFIG, "%s: a compliance must lie in [0,1] (e.g. "
                                "{dist: beta, a: 2, b: 2}); this distribution reaches [%g, %g]",
                                where(c, path, w, sizeof w), tw_dist_lower(comp),
                                tw_dist_upper(comp));
        }
    }
    return TW_OK;
}

static int add_baseline(twm_model *m, const char *name, const char *units, const char *desc,
                        int ndims, int d0, int d1, size_t off)
{
    tw_array_info *a = &m->baseline[m->n_baseline++];
    a->name = name;
    a->units = units;
    a->description = desc;
    a->ndims = ndims;
    a->dims[0] = d0;
    a->dims[1] = d1;
    a->dims[2] = 0;
    a->data = (const double *)(uintptr_t)off; /* fixed up once bl is complete */
    return TW_OK;
}

static int build_baseline(twm_model *m, tw_error *err)
{
    const twm_data *d = m->data;
    const size_t N = m->N, J = m->J, P = m->P;
    const size_t us = (size_t)twm_scenario_us(m->scen), cn = (size_t)twm_scenario_cn(m->scen);
    const size_t total = N * J + N + N + N + N + J + J + J + P + N;
    m->bl = calloc(total, sizeof(double));
    m->baseline = calloc(10, sizeof(tw_array_info));
    if (!m->bl || !m->baseline)
        return tw_error_set(err, TW_ENOMEM, "out of memory (baseline arrays)");
    size_t off = 0;
    double *b = m->bl;
    add_baseline(m, "gross_output", "USD bn", "baseline gross output Y[n,j]", 2, TWM_DIM_REGION,
                 TWM_DIM_SECTOR, off);
    memcpy(b + off, d->Y, N * J * sizeof(double));
    off += N * J;
    add_baseline(m, "value_added", "USD bn", "baseline value added VA[n]", 1, TWM_DIM_REGION, 0,
                 off);
    memcpy(b + off, d->VA, N * sizeof(double));
    off += N;
    add_baseline(m, "exports", "USD bn", "baseline exports excluding domestic sales, exporter "
                 "prices", 1, TWM_DIM_REGION, 0, off);
    for (size_t n = 0; n < N; n++)
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < J; j++)
                if (i != n)
                    b[off + n] += d->Z[TWM_NIJ(N, J, i, n, j)];
    off += N;
    add_baseline(m, "imports", "USD bn", "baseline imports excluding domestic purchases, "
                 "exporter prices", 1, TWM_DIM_REGION, 0, off);
    for (size_t n = 0; n < N; n++)
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < J; j++)
                if (i != n)
                    b[off + n] += d->Z[TWM_NIJ(N, J, n, i, j)];
    off += N;
    add_baseline(m, "tariff_revenue", "USD bn", "baseline tariff revenue R[n]", 1,
                 TWM_DIM_REGION, 0, off);
    memcpy(b + off, d->R, N * sizeof(double));
    off += N;
    add_baseline(m, "tariff_us_cn", "rate", "baseline US tariff on Chinese goods by sector", 1,
                 TWM_DIM_SECTOR, 0, off);
    for (size_t j = 0; j < J; j++)
        b[off + j] = d->tau[TWM_NIJ(N, J, us, cn, j)];
    off += J;
    add_baseline(m, "tariff_cn_us", "rate", "baseline Chinese tariff on US goods by sector", 1,
                 TWM_DIM_SECTOR, 0, off);
    for (size_t j = 0; j < J; j++)
        b[off + j] = d->tau[TWM_NIJ(N, J, cn, us, j)];
    off += J;
    add_baseline(m, "theta", "1", "trade elasticities of the data", 1, TWM_DIM_SECTOR, 0, off);
    memcpy(b + off, d->theta, J * sizeof(double));
    off += J;
    add_baseline(m, "fdi_weight", "fraction", "partner weight w_a^fdi in relocation (given or "
                 "derived from industrial output)", 1, TWM_DIM_PARTNER, 0, off);
    for (size_t a = 0; a < P; a++)
        b[off + a] = twm_scenario_fdi_weight(m->scen, a);
    off += P;
    add_baseline(m, "deficit", "USD bn", "baseline deficit D[n] (imports - exports), held "
                 "fixed", 1, TWM_DIM_REGION, 0, off);
    memcpy(b + off, d->D, N * sizeof(double));
    off += N;
    for (size_t k = 0; k < m->n_baseline; k++)
        m->baseline[k].data = b + (size_t)(uintptr_t)m->baseline[k].data;
    return TW_OK;
}

/* deficits: balanced. The baseline is replaced by the equilibrium of the
 * same economy with every deficit zero (no other shock, Cobb-Douglas inputs:
 * the nest's eps is a per-sample parameter, so the rebalanced baseline keeps
 * the data's cost shares), as Caliendo-Parro and Dekle-Eaton-Kortum do
 * before a counterfactual; every sample is then solved against it. */
static int rebalance_deficits(twm_data *d, tw_error *err)
{
    const size_t N = d->N, J = d->J;
    twm_solver_ws *ws = twm_solver_ws_alloc(d);
    double *D0 = calloc(N, sizeof(double));
    int rc = TW_OK;
    if (!ws || !D0) {
        rc = tw_error_set(err, TW_ENOMEM, "out of memory (deficits: balanced)");
        goto out;
    }
    twm_shock sh;
    memset(&sh, 0, sizeof sh);
    sh.eps_crm = 1.0;
    sh.D_new = D0;
    twm_solver_opts o = {1e-12, 20000};
    twm_result r;
    if ((rc = twm_solve(d, &sh, &o, ws, &r, err)))
        goto out;
    if (!r.converged) {
        rc = tw_error_set(err, TW_EDATA, "deficits: balanced: the zero-deficit equilibrium was "
                          "not found (residual %g after %d iterations)", r.residual,
                          r.iterations);
        goto out;
    }
    for (size_t n = 0; n < N; n++)
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < J; j++) {
                const size_t x = TWM_NIJ(N, J, n, i, j);
                d->Z[x] = r.pi_new[x] * r.X_new[n * J + j] / (1.0 + d->tau[x]);
            }
    rc = twm_data_derive(d, err);
out:
    twm_solver_ws_free(ws);
    free(D0);
    return rc;
}

static int twm_create(const tw_model_ctx *ctx, void **state, tw_error *err)
{
    *state = NULL;
    char w[700], path[160];
    int rc = TW_OK;
    twm_partner_info *pinfo = NULL;
    tw_dist *pcomp = NULL;
    int *has_comp = NULL;
    uint8_t *tariffed = NULL, *ilimit = NULL;
    int has_ilimit = 0;
    double *share = NULL;
    double *tau_cf = NULL, *dhat_cf = NULL, *route_given = NULL;
    char *fpath = NULL;
    size_t P = 0;

    twm_model *m = calloc(1, sizeof *m);
    if (!m)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    if (!ctx->data_dir) {
        rc = tw_error_set(err, TW_ECONFIG, "%s: model 'tradewar' needs 'data:' (a dataset "
                          "folder)", tw_yaml_filename(ctx->doc));
        goto done;
    }
    if ((rc = twm_data_load(ctx->data_dir, &m->data, err)))
        goto done;
    twm_data *d = m->data;
    const size_t N = d->N, J = d->J;
    m->N = N;
    m->J = J;
    m->opts.tol = ctx->tol > 0 ? ctx->tol : 1e-10;
    m->opts.max_iter = ctx->max_iter > 0 ? ctx->max_iter : 5000;

    /* deficits: fixed (MODEL.md) | world_share (the same: fixed in units of
     * world value added, the numeraire) | balanced */
    tw_ynode dfn = tw_ynode_get(ctx->root, "deficits");
    if (tw_ynode_ok(dfn)) {
        const char *v;
        if ((rc = tw_ynode_string(dfn, "deficits", &v, err)))
            goto done;
        if (strcmp(v, "balanced") == 0) {
            if ((rc = rebalance_deficits(d, err))) {
                tw_error_prefix(err, "%s: ", where(dfn, "deficits", w, sizeof w));
                goto done;
            }
        } else if (strcmp(v, "fixed") != 0 && strcmp(v, "world_share") != 0) {
            rc = tw_error_set(err, TW_ECONFIG, "%s: unknown value '%s' (valid: fixed, "
                              "world_share, balanced)", where(dfn, "deficits", w, sizeof w), v);
            goto done;
        }
    }

    tariffed = malloc(J);
    share = malloc(J * sizeof(double));
    ilimit = calloc(J, 1);
    if (!tariffed || !share || !ilimit) {
        rc = tw_error_set(err, TW_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = read_sectors(ctx, d, tariffed, share, ilimit, &has_ilimit, err)))
        goto done;

    twm_scenario_spec spec;
    memset(&spec, 0, sizeof spec);
    if ((rc = read_mechanisms(ctx, spec.mech, err)))
        goto done;

    /* regions: {us, cn, partners} */
    spec.us = twm_region_index(d, "USA");
    spec.cn = twm_region_index(d, "CHN");
    tw_ynode rg = tw_ynode_get(ctx->root, "regions");
    tw_ynode plist = {0};
    if (tw_ynode_ok(rg)) {
        static const char *const rkeys[] = {"us", "cn", "partners", NULL};
        if ((rc = tw_ynode_check_keys(rg, "regions", rkeys, err)))
            goto done;
        tw_ynode v = tw_ynode_get(rg, "us");
        if (tw_ynode_ok(v) && (rc = region_code(d, v, "regions.us", &spec.us, err)))
            goto done;
        v = tw_ynode_get(rg, "cn");
        if (tw_ynode_ok(v) && (rc = region_code(d, v, "regions.cn", &spec.cn, err)))
            goto done;
        plist = tw_ynode_get(rg, "partners");
    }
    if (spec.us < 0 || spec.cn < 0) {
        rc = tw_error_set(err, TW_ECONFIG, "%s: the data have no region %s; name the US and "
                          "China regions with regions: {us: CODE, cn: CODE}",
                          tw_yaml_filename(ctx->doc), spec.us < 0 ? "USA" : "CHN");
        goto done;
    }
    if (spec.us == spec.cn) {
        rc = tw_error_set(err, TW_ECONFIG, "%s: regions.us and regions.cn are the same region",
                          where(rg, "regions", w, sizeof w));
        goto done;
    }
    pinfo = calloc(N, sizeof *pinfo);
    pcomp = calloc(N, sizeof *pcomp);
    has_comp = calloc(N, sizeof *has_comp);
    if (!pinfo || !pcomp || !has_comp) {
        rc = tw_error_set(err, TW_ENOMEM, "out of memory");
        goto done;
    }
    if (tw_ynode_ok(plist)) {
        if (tw_ynode_type(plist) != TW_Y_SEQUENCE) {
            rc = tw_error_set(err, TW_ECONFIG, "%s: expected a list of region codes",
                              where(plist, "regions.partners", w, sizeof w));
            goto done;
        }
        for (size_t i = 0; i < tw_ynode_size(plist); i++) {
            int r;
            tw_ynode it = tw_ynode_item(plist, i);
            snprintf(path, sizeof path, "regions.partners[%zu]", i);
            if ((rc = region_code(d, it, path, &r, err)))
                goto done;
            if (r == spec.us || r == spec.cn) {
                rc = tw_error_set(err, TW_ECONFIG, "%s: '%s' is the US or China region, not a "
                                  "partner", where(it, path, w, sizeof w), d->region_code[r]);
                goto done;
            }
            for (size_t a = 0; a < P; a++)
                if (pinfo[a].region == r) {
                    rc = tw_error_set(err, TW_ECONFIG, "%s: partner '%s' listed twice",
                                      where(it, path, w, sizeof w), d->region_code[r]);
                    goto done;
                }
            pinfo[P++].region = r;
        }
    } else {
        for (size_t n = 0; n < N; n++)
            if ((int)n != spec.us && (int)n != spec.cn)
                pinfo[P++].region = (int)n;
    }
    if (P == 0) {
        rc = tw_error_set(err, TW_ECONFIG, "%s: the partner set is empty",
                          where(plist, "regions.partners", w, sizeof w));
        goto done;
    }
    for (size_t a = 0; a < P; a++) {
        pinfo[a].reciprocal = 0.10; /* no announced rate: the floor */
        pinfo[a].extra_duty = 0.0;
        pinfo[a].fdi_weight = -1.0; /* derive */
    }

    /* partners: {CODE: {compliance, reciprocal, extra_duty, fdi_weight}} */
    tw_ynode ps = tw_ynode_get(ctx->root, "partners");
    if (tw_ynode_ok(ps)) {
        if ((rc = tw_ynode_require_map(ps, "partners", err)))
            goto done;
        for (size_t k = 0; k < tw_ynode_size(ps); k++) {
            tw_ynode kn = tw_ynode_key_at(ps, k), vn = tw_ynode_value_at(ps, k);
            const char *code = tw_ynode_scalar(kn);
            int r = code ? twm_region_index(d, code) : -1;
            size_t a = P;
            for (size_t q = 0; q < P && r >= 0; q++)
                if (pinfo[q].region == r)
                    a = q;
            if (a == P) {
                char valid[512] = "";
                size_t len = 0;
                for (size_t q = 0; q < P && len + 8 < sizeof valid; q++)
                    len += (size_t)snprintf(valid + len, sizeof valid - len, "%s%s",
                                            q ? ", " : "", d->region_code[pinfo[q].region]);
                snprintf(path, sizeof path, "partners.%s", code ? code : "?");
                rc = tw_error_set(err, TW_ECONFIG, "%s: %s '%s' (partners: %s)",
                                  where(kn, path, w, sizeof w),
                                  r < 0 ? "unknown region code" : "not a partner region",
                                  code ? code : "?", valid);
                goto done;
            }
            if (tw_ynode_type(vn) != TW_Y_MAPPING) {
                snprintf(path, sizeof path, "partners.%s", code);
                rc = tw_error_set(err, TW_ECONFIG, "%s: expected a mapping {compliance: ..., "
                                  "reciprocal: ..., extra_duty: ..., fdi_weight: ..., "
                                  "floor_exempt: ...}",
                                  where(vn, path, w, sizeof w));
                goto done;
            }
            if (has_comp[a] & 2) {
                snprintf(path, sizeof path, "partners.%s", code);
                rc = tw_error_set(err, TW_ECONFIG, "%s: partner '%s' given twice",
                                  where(kn, path, w, sizeof w), code);
                goto done;
            }
            int got = 0;
            rc = read_partner(vn, code, &pinfo[a], &pcomp[a], &got, err);
            has_comp[a] = got | 2; /* bit 0: a compliance dist, bit 1: seen */
            if (rc)
                goto done;
        }
    }
    spec.n_partners = P;
    spec.partners = pinfo;

    /* reroute_weights: us_imports (MODEL.md) | transit | {CODE: share, ...} */
    tw_ynode rw = tw_ynode_get(ctx->root, "reroute_weights");
    if (tw_ynode_ok(rw) && tw_ynode_type(rw) == TW_Y_MAPPING) {
        route_given = malloc(P * sizeof(double));
        if (!route_given) {
            rc = tw_error_set(err, TW_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t a = 0; a < P; a++)
            route_given[a] = -1.0;
        double gsum = 0.0;
        for (size_t k = 0; k < tw_ynode_size(rw); k++) {
            tw_ynode kn = tw_ynode_key_at(rw, k), vn = tw_ynode_value_at(rw, k);
            const char *code = tw_ynode_scalar(kn);
            int r = code ? twm_region_index(d, code) : -1;
            size_t a = P;
            for (size_t q = 0; q < P && r >= 0; q++)
                if (pinfo[q].region == r)
                    a = q;
            snprintf(path, sizeof path, "reroute_weights.%s", code ? code : "?");
            if (a == P) {
                rc = tw_error_set(err, TW_ECONFIG, "%s: '%s' is not a partner region (the "
                                  "transit shares are by partner)", where(kn, path, w, sizeof w),
                                  code ? code : "?");
                goto done;
            }
            if (route_given[a] >= 0.0) {
                rc = tw_error_set(err, TW_ECONFIG, "%s: partner '%s' given twice",
                                  where(kn, path, w, sizeof w), code);
                goto done;
            }
            if ((rc = tw_ynode_double(vn, path, &route_given[a], err)))
                goto done;
            if (!(route_given[a] >= 0.0 && route_given[a] <= 1.0)) {
                rc = tw_error_set(err, TW_ECONFIG, "%s: a share of the transit capacity must "
                                  "be in [0, 1], got %g", where(vn, path, w, sizeof w),
                                  route_given[a]);
                goto done;
            }
            gsum += route_given[a];
        }
        if (gsum > 1.0 + 1e-9) {
            rc = tw_error_set(err, TW_ECONFIG, "%s: the shares sum to %g; they must sum to at "
                              "most 1 (partners not listed share the rest)",
                              where(rw, "reroute_weights", w, sizeof w), gsum);
            goto done;
        }
        spec.route_given = route_given;
    } else if (tw_ynode_ok(rw)) {
        const char *v;
        if ((rc = tw_ynode_string(rw, "reroute_weights", &v, err)))
            goto done;
        if (strcmp(v, "transit") == 0) {
            spec.reroute_transit = 1;
        } else if (strcmp(v, "us_imports") != 0) {
            rc = tw_error_set(err, TW_ECONFIG, "%s: unknown value '%s' (valid: us_imports, "
                              "transit, or a mapping {PARTNER: share, ...})",
                              where(rw, "reroute_weights", w, sizeof w), v);
            goto done;
        }
    }
    /* re_scope: us (MODEL.md) | aligned | world */
    tw_ynode rs = tw_ynode_get(ctx->root, "re_scope");
    spec.re_scope = TWM_RE_US;
    if (tw_ynode_ok(rs)) {
        static const char *const scopes[] = {"us", "aligned", "world"};
        const char *v;
        if ((rc = tw_ynode_string(rs, "re_scope", &v, err)))
            goto done;
        spec.re_scope = -1;
        for (int k = 0; k < 3; k++)
            if (strcmp(v, scopes[k]) == 0)
                spec.re_scope = k;
        if (spec.re_scope < 0) {
            rc = tw_error_set(err, TW_ECONFIG, "%s: unknown value '%s' (valid: us, aligned, "
                              "world)", where(rs, "re_scope", w, sizeof w), v);
            goto done;
        }
    }
    /* horizon: long (MODEL.md) | short */
    tw_ynode hz = tw_ynode_get(ctx->root, "horizon");
    spec.theta_factor = 1.0;
    if (tw_ynode_ok(hz)) {
        const char *v;
        if ((rc = tw_ynode_string(hz, "horizon", &v, err)))
            goto done;
        if (strcmp(v, "short") == 0) {
            spec.theta_factor = TWM_SHORT_RUN_THETA_FACTOR;
        } else if (strcmp(v, "long") != 0) {
            rc = tw_error_set(err, TW_ECONFIG, "%s: unknown value '%s' (valid: short, long)",
                              where(hz, "horizon", w, sizeof w), v);
            goto done;
        }
    }
    spec.tariffed = tariffed;
    spec.us_duty_share = share;
    spec.input_limit_sectors = has_ilimit ? ilimit : NULL;

    /* counterfactual: {tariffs: file.csv, trade_costs: file.csv} */
    tw_ynode cf = tw_ynode_get(ctx->root, "counterfactual");
    if (tw_ynode_ok(cf)) {
        static const char *const ckeys[] = {"tariffs", "trade_costs", NULL};
        if ((rc = tw_ynode_check_keys(cf, "counterfactual", ckeys, err)))
            goto done;
        for (int k = 0; k < 2; k++) {
            tw_ynode v = tw_ynode_get(cf, ckeys[k]);
            if (!tw_ynode_ok(v))
                continue;
            const char *rel;
            snprintf(path, sizeof path, "counterfactual.%s", ckeys[k]);
            if ((rc = tw_ynode_string(v, path, &rel, err)))
                goto done;
            double **dst = k == 0 ? &tau_cf : &dhat_cf;
            *dst = malloc(N * N * J * sizeof(double));
            if (!*dst) {
                rc = tw_error_set(err, TW_ENOMEM, "out of memory");
                goto done;
            }
            if (k == 0) {
                memcpy(tau_cf, d->tau, N * N * J * sizeof(double));
            } else {
                for (size_t x = 0; x < N * N * J; x++)
                    dhat_cf[x] = 1.0;
            }
            free(fpath);
            fpath = tw_path_join(ctx->config_dir ? ctx->config_dir : ".", rel);
            if (!fpath) {
                rc = tw_error_set(err, TW_ENOMEM, "out of memory");
                goto done;
            }
            rc = twm_data_read_bilateral(d, fpath, k == 0 ? "rate" : "dhat", 0.0, k == 1, *dst,
                                         err);
            if (rc) {
                tw_error_prefix(err, "%s: ", where(v, path, w, sizeof w));
                goto done;
            }
        }
    }
    spec.tau_base = tau_cf;
    spec.dhat_base = dhat_cf;
    if ((rc = twm_scenario_new(d, &spec, &m->scen, err))) {
        tw_error_prefix(err, "%s: ", tw_yaml_filename(ctx->doc));
        goto done;
    }
    m->P = P;

    /* parameters: globals with their default distributions, then compliance */
    m->params = tw_params_new();
    if (!m->params) {
        rc = tw_error_set(err, TW_ENOMEM, "out of memory");
        goto done;
    }
    for (int k = 0; k < TWM_P_COUNT; k++) {
        tw_dist dd;
        if ((rc = dist_make(&dd, defaults[k].kind, defaults[k].p, err)))
            goto done;
        rc = tw_params_add(m->params, twm_param_name(k), defaults[k].units,
                           defaults[k].description, &dd, err);
        tw_dist_free(&dd);
        /* a parameter added without a domain stays unrestricted (the unit
         * test test_model_domains fails until it has one) */
        if (!rc && domains[k].why)
            rc = tw_params_set_domain(m->params, (size_t)k, domains[k].lo, domains[k].lo_open,
                                      domains[k].hi, domains[k].why, err);
        if (rc)
            goto done;
    }
    for (size_t a = 0; a < P; a++) {
        tw_dist dd;
        char name[96], desc[256];
        const char *code = d->region_code[pinfo[a].region];
        snprintf(name, sizeof name, "compliance_%s", code);
        snprintf(desc, sizeof desc, "alignment of %s with US demands in [0,1] (MODEL.md 3.3)",
                 code);
        if (has_comp[a] & 1) {
            rc = tw_params_add(m->params, name, "fraction", desc, &pcomp[a], err);
        } else {
            const double bp[4] = {2.0, 2.0, 0.0, 1.0};
            if ((rc = dist_make(&dd, TW_DIST_BETA, bp, err)))
                goto done;
            rc = tw_params_add(m->params, name, "fraction", desc, &dd, err);
            tw_dist_free(&dd);
        }
        if (!rc)
            rc = tw_params_set_domain(m->params, TWM_P_COUNT + a, 0.0, 0, 1.0,
                                      "a compliance share", err);
        if (rc)
            goto done;
    }

    /* schema */
    m->partner_labels = calloc(P, sizeof(char *));
    if (!m->partner_labels) {
        rc = tw_error_set(err, TW_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t a = 0; a < P; a++)
        m->partner_labels[a] = d->region_code[pinfo[a].region];
    m->dims[TWM_DIM_REGION] = (tw_dimension){"region", "regions of the dataset", N,
                                             (const char *const *)d->region_code};
    m->dims[TWM_DIM_SECTOR] = (tw_dimension){"sector", "sectors of the dataset", J,
                                             (const char *const *)d->sector_code};
    m->dims[TWM_DIM_PARTNER] = (tw_dimension){"partner", "US negotiating partners (MODEL.md 3)",
                                              P, (const char *const *)m->partner_labels};
    if ((rc = build_baseline(m, err)))
        goto done;
    m->schema.params = m->params;
    m->schema.n_dims = TWM_DIM_COUNT;
    m->schema.dims = m->dims;
    m->schema.n_outcomes = TWM_O_COUNT;
    m->schema.outcomes = twm_outcome_table;
    m->schema.n_baseline = m->n_baseline;
    m->schema.baseline = m->baseline;

done:
    if (pcomp && has_comp)
        for (size_t a = 0; a < m->N; a++)
            if (has_comp[a] & 1)
                tw_dist_free(&pcomp[a]);
    free(pcomp);
    free(has_comp);
    free(pinfo);
    free(tariffed);
    free(ilimit);
    free(share);
    free(tau_cf);
    free(dhat_cf);
    free(route_given);
    free(fpath);
    if (rc) {
        twm_destroy(m);
        return rc;
    }
    *state = m;
    return TW_OK;
}

static const tw_model_schema *twm_schema(const void *state)
{
    return &((const twm_model *)state)->schema;
}

static void twm_ws_free(void *p)
{
    twm_ws *w = p;
    if (!w)
        return;
    twm_scen_ws_free(w->scen);
    twm_solver_ws_free(w->solver);
    free(w);
}

static void *twm_ws_alloc(const void *state)
{
    const twm_model *m = state;
    twm_ws *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->scen = twm_scen_ws_alloc(m->scen);
    w->solver = twm_solver_ws_alloc(m->data);
    if (!w->scen || !w->solver) {
        twm_ws_free(w);
        return NULL;
    }
    return w;
}

static int twm_evaluate(const void *state, void *wsp, const double *params, double *outcomes,
                        tw_eval_status *st, tw_error *err)
{
    const twm_model *m = state;
    twm_ws *w = wsp;
    st->converged = 0;
    st->iterations = 0;
    st->residual = NAN;
    int rc = twm_scenario_apply(m->scen, params, w->scen, err);
    if (rc)
        return rc;
    twm_result res;
    rc = twm_solve(m->data, &w->scen->shock, &m->opts, w->solver, &res, err);
    if (rc)
        return rc;
    st->converged = res.converged;
    st->iterations = res.iterations;
    st->residual = res.residual;
    twm_outcomes_compute(m->scen, w->scen, &res, outcomes);
    return TW_OK;
}

const tw_model_type tw_model_tradewar = {
    .name = "tradewar",
    .description = "2025 US-China trade war: Caliendo-Parro model with scenario mechanisms "
                   "(MODEL.md)",
    .config_keys = twm_keys,
    .create = twm_create,
    .destroy = twm_destroy,
    .schema = twm_schema,
    .workspace_alloc = twm_ws_alloc,
    .workspace_free = twm_ws_free,
    .evaluate = twm_evaluate,
};
