/* tradewar model: the glue between the engine's model interface
 * (include/tradewar/model.h) and the trade model's layers
 * data -> scenario -> solver -> outcomes (MODEL.md).
 *
 * Config keys the model claims (besides the engine's): the table
 * twm_config_keys (twm_config.c reads them; `tradewar check --keys` lists
 * them; docs/MODEL_NOTES.md explains them). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradewar/model.h"
#include "twm_config.h"
#include "twm_data.h"
#include "twm_outcomes.h"
#include "twm_scenario.h"
#include "twm_outer.h"
#include "twm_solver.h"

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
    [TWM_P_F_MAX] = {TW_DIST_TRIANGULAR, {0.0, 0.3, 0.7, 0}, "fraction",
                     "maximum share of China's US-bound industrial capacity that relocates "
                     "(3.7)"},
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
    twm_outer_precond *op; /* shared by the workspaces (twm_solver.h) */
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
    twm_outer_precond_free(m->op);
    twm_data_free(m->data);
    tw_params_free(m->params);
    free(m->partner_labels);
    free(m->baseline);
    free(m->bl);
    free(m);
}

static int dist_make(tw_dist *d, tw_dist_kind kind, const double *p, tw_error *err)
{
    return tw_dist_init(d, kind, p, NULL, NULL, 0, err);
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

/* The parameters: globals with their default distributions and domains,
 * then one compliance per partner (partners.<CODE>.compliance, whose default
 * is in the partner key table). */
static int add_params(twm_model *m, const twm_config *cfg, tw_error *err)
{
    const twm_data *d = m->data;
    int rc;
    m->params = tw_params_new();
    if (!m->params)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    for (int k = 0; k < TWM_P_COUNT; k++) {
        tw_dist dd;
        if ((rc = dist_make(&dd, defaults[k].kind, defaults[k].p, err)))
            return rc;
        rc = tw_params_add(m->params, twm_param_name(k), defaults[k].units,
                           defaults[k].description, &dd, err);
        tw_dist_free(&dd);
        /* a parameter added without a domain stays unrestricted (the unit
         * test test_model_domains fails until it has one) */
        if (!rc && domains[k].why)
            rc = tw_params_set_domain(m->params, (size_t)k, domains[k].lo, domains[k].lo_open,
                                      domains[k].hi, domains[k].why, err);
        if (rc)
            return rc;
    }
    for (size_t a = 0; a < m->P; a++) {
        char name[96], desc[256];
        const char *code = d->region_code[cfg->partner[a].info.region];
        snprintf(name, sizeof name, "compliance_%s", code);
        snprintf(desc, sizeof desc, "alignment of %s with US demands in [0,1] (MODEL.md 3.3)",
                 code);
        if ((rc = tw_params_add(m->params, name, "fraction", desc, &cfg->partner[a].comp, err)) ||
            (rc = tw_params_set_domain(m->params, TWM_P_COUNT + a, 0.0, 0, 1.0,
                                       "a compliance share", err)))
            return rc;
    }
    return TW_OK;
}

/* What the engine writes: the dimensions (partners labelled by region
 * code), the baseline arrays and the outcome table. */
static int build_schema(twm_model *m, const twm_config *cfg, tw_error *err)
{
    const twm_data *d = m->data;
    const size_t N = m->N, J = m->J, P = m->P;
    int rc;
    m->partner_labels = calloc(P, sizeof(char *));
    if (!m->partner_labels)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    for (size_t a = 0; a < P; a++)
        m->partner_labels[a] = d->region_code[cfg->partner[a].info.region];
    m->dims[TWM_DIM_REGION] = (tw_dimension){"region", "regions of the dataset", N,
                                             (const char *const *)d->region_code};
    m->dims[TWM_DIM_SECTOR] = (tw_dimension){"sector", "sectors of the dataset", J,
                                             (const char *const *)d->sector_code};
    m->dims[TWM_DIM_PARTNER] = (tw_dimension){"partner", "US negotiating partners (MODEL.md 3)",
                                              P, (const char *const *)m->partner_labels};
    if ((rc = build_baseline(m, err)))
        return rc;
    m->schema.params = m->params;
    m->schema.n_dims = TWM_DIM_COUNT;
    m->schema.dims = m->dims;
    m->schema.n_outcomes = TWM_O_COUNT;
    m->schema.outcomes = twm_outcome_table;
    m->schema.n_baseline = m->n_baseline;
    m->schema.baseline = m->baseline;
    return TW_OK;
}

/* Data, then the config's sections (twm_config.c) -> scenario, parameters
 * and schema. The solver settings come from the engine's `solver:` keys. */
static int twm_create(const tw_model_ctx *ctx, void **state, tw_error *err)
{
    *state = NULL;
    twm_config cfg = {0};
    twm_model *m = calloc(1, sizeof *m);
    if (!m)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    m->opts = (twm_solver_opts){.tol = ctx->tol, .max_iter = ctx->max_iter};
    int rc = ctx->data_dir ? twm_data_load(ctx->data_dir, &m->data, err)
                           : tw_error_set(err, TW_ECONFIG, "%s: model 'tradewar' needs 'data:' "
                                          "(a dataset folder)", tw_yaml_filename(ctx->doc));
    if (!rc && !(rc = twm_config_read(ctx, m->data, &cfg, err)) &&
        (rc = twm_scenario_new(m->data, &cfg.spec, &m->scen, err)))
        tw_error_prefix(err, "%s: ", tw_yaml_filename(ctx->doc));
    if (!rc) {
        m->N = m->data->N;
        m->J = m->data->J;
        m->P = cfg.spec.n_partners;
        if (!(rc = add_params(m, &cfg, err)))
            rc = build_schema(m, &cfg, err);
        if (!rc && !(m->op = twm_outer_precond_make(m->data)))
            rc = tw_error_set(err, TW_ENOMEM, "out of memory");
    }
    twm_config_free(&cfg);
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
    w->solver = twm_solver_ws_alloc_shared(m->data, m->op);
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
    .config_keys = twm_config_keys,
    .n_config_keys = TWM_N_CONFIG_KEYS,
    .create = twm_create,
    .destroy = twm_destroy,
    .schema = twm_schema,
    .workspace_alloc = twm_ws_alloc,
    .workspace_free = twm_ws_free,
    .evaluate = twm_evaluate,
};
