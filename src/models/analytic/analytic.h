/* Shared pieces of the analytic test models (ishigami, sobol_g): models with
 * known means and variances that validate the sampling and statistics
 * machinery, plus an optional busy-wait cost per evaluation (config key
 * `cost_us`) so that benchmarks and kill/resume tests get a tunable run time. */
#ifndef TRADEWAR_ANALYTIC_H
#define TRADEWAR_ANALYTIC_H

#include "tradewar/model.h"

/* Read the optional `cost_us` key (microseconds, >= 0). */
int tw_analytic_cost(const tw_model_ctx *ctx, double *cost_us, tw_error *err);
/* Spin for cost_us microseconds of wall time (no sleep: it should load a core). */
void tw_analytic_spin(double cost_us);

#endif
