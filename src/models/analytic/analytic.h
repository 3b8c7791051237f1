/* Shared pieces of the analytic test models (ishigami, sobol_g): models with
 * known means and variances that validate the sampling and statistics
 * machinery, plus an optional busy-wait cost per evaluation (config key
 * `cost_us`) so that benchmarks and kill/resume tests get a tunable run time. */
#ifndef TRADEWAR_ANALYTIC_H
#define TRADEWAR_ANALYTIC_H

#include <stddef.h>

#include "tradewar/model.h"

/* The `cost_us` key of a model struct with a `double cost_us` field. */
#define TW_ANALYTIC_COST_KEY(model_t)                                                          \
    {.name = "cost_us", .type = TW_KEY_DOUBLE, .def = "0", .offset = offsetof(model_t, cost_us),  \
     .lo = 0.0, .hi = 1e7, .doc = "busy-wait per evaluation, microseconds (benchmarks)"}
/* Spin for cost_us microseconds of wall time (no sleep: it should load a core). */
void tw_analytic_spin(double cost_us);

/* The schema of an analytic model: new parameters *params, inputs x1..xd
 * each uniform on [lo, hi] (described by `description`), and the one
 * outcome. On failure *params may be set: the model's destroy frees it. */
int tw_analytic_schema(tw_model_schema *schema, tw_params **params, size_t d, double lo,
                       double hi, const char *description, const tw_outcome_info *outcome,
                       tw_error *err);
/* The status of an exact (closed-form) evaluation. */
void tw_analytic_exact(tw_eval_status *st);
/* Workspace of a model that needs none. */
void *tw_analytic_ws_alloc(const void *state);

#endif
