/* Shared pieces of the analytic test models. */
#include "analytic.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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

int tw_analytic_schema(tw_model_schema *schema, tw_params **params, size_t d, double lo,
                       double hi, const char *description, const tw_outcome_info *outcome,
                       tw_error *err)
{
    if (!(*params = tw_params_new()))
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    const double range[2] = {lo, hi};
    tw_dist u;
    int rc = tw_dist_init(&u, TW_DIST_UNIFORM, range, NULL, NULL, 0, err);
    for (size_t i = 0; i < d && !rc; i++) {
        char name[32];
        snprintf(name, sizeof name, "x%zu", i + 1);
        rc = tw_params_add(*params, name, "1", description, &u, err);
    }
    tw_dist_free(&u);
    if (rc)
        return rc;
    schema->params = *params;
    schema->n_outcomes = 1;
    schema->outcomes = outcome;
    return TW_OK;
}

void tw_analytic_exact(tw_eval_status *st)
{
    st->converged = 1;
    st->iterations = 0;
    st->residual = 0.0;
}

/* No scratch is needed; a non-NULL token keeps the engine's OOM check simple. */
void *tw_analytic_ws_alloc(const void *state)
{
    (void)state;
    return malloc(1);
}
