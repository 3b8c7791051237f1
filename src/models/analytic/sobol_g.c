/* Sobol' G function (Saltelli & Sobol' 1995):
 *   y = prod_i (|4 x_i - 2| + a_i) / (1 + a_i),  x_i ~ U(0, 1)
 *   E[y] = 1,  Var[y] = prod_i (1 + V_i) - 1,  V_i = 1 / (3 (1 + a_i)^2).
 * The coefficients come from the config (`coefficients: [0, 1, 4.5, 9, 99, 99]`). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analytic.h"

typedef struct sobol_g {
    size_t d;
    double *a;
    double cost_us;
    tw_params *params;
    tw_model_schema schema;
} sobol_g;

static const tw_outcome_info sobol_g_outcomes[] = {
    {"y", "1", "Sobol' G function value", 0, {0}},
};

/* coefficients: [a1, ..., ad], 1 to 1000 of them, each >= 0 */
static int read_coefficients(tw_ynode c, const char *path, const tw_key *key, void *dst,
                             void *user, tw_error *err)
{
    (void)key;
    (void)user;
    sobol_g *m = dst;
    char where[600];
    int rc = tw_ynode_double_seq(c, path, &m->a, &m->d, err);
    if (rc)
        return rc;
    if (m->d == 0 || m->d > 1000) {
        tw_ynode_where(c, path, where, sizeof where);
        return tw_error_set(err, TW_ECONFIG, "%s: expected 1 to 1000 coefficients, got %zu",
                            where, m->d);
    }
    for (size_t i = 0; i < m->d; i++)
        if (!(m->a[i] >= 0)) {
            tw_ynode_where(tw_ynode_item(c, i), path, where, sizeof where);
            return tw_error_set(err, TW_ECONFIG, "%s: coefficient %zu must be >= 0, got %g",
                                where, i, m->a[i]);
        }
    return TW_OK;
}

static const tw_key sobol_g_keys[] = {
    {.name = "coefficients", .type = TW_KEY_CUSTOM, .required = 1, .offset = TW_KEY_NOWHERE,
     .read = read_coefficients, .what = "[a1, a2, ...] >= 0",
     .doc = "one input per coefficient; a small a_i makes x_i important"},
    TW_ANALYTIC_COST_KEY(sobol_g),
};

static void sobol_g_destroy(void *state)
{
    sobol_g *m = state;
    if (!m)
        return;
    tw_params_free(m->params);
    free(m->a);
    free(m);
}

static int sobol_g_create(const tw_model_ctx *ctx, void **state, tw_error *err)
{
    *state = NULL;
    sobol_g *m = calloc(1, sizeof *m);
    if (!m)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    int rc = tw_keys_read(ctx->root, "", sobol_g_keys, TW_KEYS_COUNT(sobol_g_keys), m, NULL, 0,
                          err);
    if (rc)
        goto fail;
    if ((rc = tw_analytic_schema(&m->schema, &m->params, m->d, 0.0, 1.0,
                                 "Sobol' G input, uniform on [0, 1]", sobol_g_outcomes, err)))
        goto fail;
    *state = m;
    return TW_OK;
fail:
    sobol_g_destroy(m);
    return rc;
}

static const tw_model_schema *sobol_g_schema(const void *state)
{
    return &((const sobol_g *)state)->schema;
}

static int sobol_g_evaluate(const void *state, void *ws, const double *x, double *y,
                            tw_eval_status *st, tw_error *err)
{
    (void)ws;
    (void)err;
    const sobol_g *m = state;
    tw_analytic_spin(m->cost_us);
    double g = 1.0;
    for (size_t i = 0; i < m->d; i++)
        g *= (fabs(4.0 * x[i] - 2.0) + m->a[i]) / (1.0 + m->a[i]);
    y[0] = g;
    tw_analytic_exact(st);
    return TW_OK;
}

const tw_model_type tw_model_sobol_g = {
    .name = "sobol_g",
    .description = "Sobol' G test function (analytic mean 1 and variance)",
    .config_keys = sobol_g_keys,
    .n_config_keys = TW_KEYS_COUNT(sobol_g_keys),
    .create = sobol_g_create,
    .destroy = sobol_g_destroy,
    .schema = sobol_g_schema,
    .workspace_alloc = tw_analytic_ws_alloc,
    .workspace_free = free,
    .evaluate = sobol_g_evaluate,
};
