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

/* Add inputs x1..xd, each uniform on [lo, hi]. */
int tw_analytic_uniform_inputs(tw_params *ps, size_t d, double lo, double hi,
                               const char *description, tw_error *err);
/* Workspace of a model that needs none. */
void *tw_analytic_ws_alloc(const void *state);

#endif
