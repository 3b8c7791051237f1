/* Ishigami function (Ishigami & Homma 1990), the standard test of
 * uncertainty and sensitivity analysis:
 *   y = sin x1 + a sin^2 x2 + b x3^4 sin x1,  x_i ~ U(-pi, pi)
 *   E[y] = a/2,  Var[y] = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2
 * (a = 7, b = 0.1: mean 3.5, variance 13.8446). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analytic.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

typedef struct ishigami {
    double a, b, cost_us;
    double fail_above; /* test switch: samples with x1 above it fail (NAN: off) */
    tw_params *params;
    tw_model_schema schema;
} ishigami;

static const tw_outcome_info ishigami_outcomes[] = {
    {"y", "1", "Ishigami function value", 0, {0}},
};

static const tw_key ishigami_keys[] = {
    {.name = "a", .type = TW_KEY_DOUBLE, .def = "7", .offset = offsetof(ishigami, a),
     .doc = "coefficient a (mean a/2)"},
    {.name = "b", .type = TW_KEY_DOUBLE, .def = "0.1", .offset = offsetof(ishigami, b),
     .doc = "coefficient b"},
    TW_ANALYTIC_COST_KEY(ishigami),
    /* `fail_above: X`: a model error on every sample with x1 > X, so that
     * the engine's handling of failing samples can be tested exactly */
    {.name = "fail_above", .type = TW_KEY_DOUBLE, .offset = offsetof(ishigami, fail_above),
     .def_note = "off", .doc = "test switch: every sample with x1 above it fails"},
};

static void ishigami_destroy(void *state)
{
    ishigami *m = state;
    if (!m)
        return;
    tw_params_free(m->params);
    free(m);
}

static int ishigami_create(const tw_model_ctx *ctx, void **state, tw_error *err)
{
    *state = NULL;
    ishigami *m = calloc(1, sizeof *m);
    if (!m)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    m->fail_above = NAN; /* off unless given */
    int rc = tw_keys_read(ctx->root, "", ishigami_keys, TW_KEYS_COUNT(ishigami_keys), m, NULL, 0,
                          err);
    if (rc)
        goto fail;
    if ((rc = tw_analytic_schema(&m->schema, &m->params, 3, -M_PI, M_PI,
                                 "Ishigami input, uniform on [-pi, pi]", ishigami_outcomes, err)))
        goto fail;
    *state = m;
    return TW_OK;
fail:
    ishigami_destroy(m);
    return rc;
}

static const tw_model_schema *ishigami_schema(const void *state)
{
    return &((const ishigami *)state)->schema;
}

static int ishigami_evaluate(const void *state, void *ws, const double *x, double *y,
                             tw_eval_status *st, tw_error *err)
{
    (void)ws;
    const ishigami *m = state;
    if (x[0] > m->fail_above) /* false when off (NAN) */
        return tw_error_set(err, TW_ENUMERIC, "x1 = %.17g is above fail_above = %g (the test "
                            "switch)", x[0], m->fail_above);
    tw_analytic_spin(m->cost_us);
    double s1 = sin(x[0]), s2 = sin(x[1]), x3 = x[2];
    y[0] = s1 + m->a * s2 * s2 + m->b * x3 * x3 * x3 * x3 * s1;
    tw_analytic_exact(st);
    return TW_OK;
}

const tw_model_type tw_model_ishigami = {
    .name = "ishigami",
    .description = "Ishigami test function (analytic mean a/2 and variance)",
    .config_keys = ishigami_keys,
    .n_config_keys = TW_KEYS_COUNT(ishigami_keys),
    .create = ishigami_create,
    .destroy = ishigami_destroy,
    .schema = ishigami_schema,
    .workspace_alloc = tw_analytic_ws_alloc,
    .workspace_free = free,
    .evaluate = ishigami_evaluate,
};
