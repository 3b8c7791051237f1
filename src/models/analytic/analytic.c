/* Shared pieces of the analytic test models. */
#include "analytic.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int tw_analytic_cost(const tw_model_ctx *ctx, double *cost_us, tw_error *err)
{
    *cost_us = 0;
    tw_ynode c = tw_ynode_get(ctx->root, "cost_us");
    if (!tw_ynode_ok(c))
        return TW_OK;
    int rc = tw_ynode_double(c, "cost_us", cost_us, err);
    if (rc)
        return rc;
    if (*cost_us < 0 || *cost_us > 1e7) {
        char where[600];
        tw_ynode_where(c, "cost_us", where, sizeof where);
        return tw_error_set(err, TW_ECONFIG, "%s: must be in [0, 1e7] microseconds, got %g",
                            where, *cost_us);
    }
    return TW_OK;
}

void tw_analytic_spin(double cost_us)
{
    if (cost_us <= 0)
        return;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while ((double)(t.tv_sec - t0.tv_sec) * 1e6 + (double)(t.tv_nsec - t0.tv_nsec) * 1e-3 <
             cost_us);
}

int tw_analytic_uniform_inputs(tw_params *ps, size_t d, double lo, double hi,
                               const char *description, tw_error *err)
{
    const double range[2] = {lo, hi};
    tw_dist u;
    int rc = tw_dist_init(&u, TW_DIST_UNIFORM, range, NULL, NULL, 0, err);
    for (size_t i = 0; i < d && !rc; i++) {
        char name[32];
        snprintf(name, sizeof name, "x%zu", i + 1);
        rc = tw_params_add(ps, name, "1", description, &u, err);
    }
    tw_dist_free(&u);
    return rc;
}

/* No scratch is needed; a non-NULL token keeps the engine's OOM check simple. */
void *tw_analytic_ws_alloc(const void *state)
{
    (void)state;
    return malloc(1);
}
