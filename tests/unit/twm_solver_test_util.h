/* Set-up shared by the solver's tests, test_twm_solver.c and
 * test_twm_outer.c (header only, so the one-program-per-test_*.c rule of
 * CMakeLists.txt needs no extra source; include after cmocka.h: the helpers
 * fail the running test themselves). */
#ifndef TWM_SOLVER_TEST_UTIL_H
#define TWM_SOLVER_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num_test_util.h"
#include "twm_data.h"
#include "twm_solver.h"

#define assert_rel(a, b, tol) assert_close((a) / (b), 1.0, tol)

static inline twm_data *load(const char *name)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", TW_TEST_DATA_DIR, name);
    twm_data *d = NULL;
    tw_error err = {0};
    int rc = twm_data_load(dir, &d, &err);
    if (rc)
        fail_msg("%s", err.msg);
    return d;
}

/* A shock with its own arrays: tau' = tau, dhat = That = 1. */
typedef struct shock_buf {
    double *tau, *dhat, *That;
    twm_shock sh;
} shock_buf;

static inline void shock_init(shock_buf *b, const twm_data *d, double eps)
{
    size_t NNJ = d->N * d->N * d->J;
    b->tau = malloc(NNJ * sizeof(double));
    b->dhat = malloc(NNJ * sizeof(double));
    b->That = malloc(d->N * d->J * sizeof(double));
    assert_non_null(b->tau);
    assert_non_null(b->dhat);
    assert_non_null(b->That);
    memcpy(b->tau, d->tau, NNJ * sizeof(double));
    for (size_t x = 0; x < NNJ; x++)
        b->dhat[x] = 1.0;
    for (size_t x = 0; x < d->N * d->J; x++)
        b->That[x] = 1.0;
    b->sh = (twm_shock){.tau_new = b->tau, .dhat = b->dhat, .That = b->That, .theta = NULL,
                        .eps_crm = eps};
}

static inline void shock_free(shock_buf *b)
{
    free(b->tau);
    free(b->dhat);
    free(b->That);
}

static inline void solve_ok(const twm_data *d, const twm_shock *sh, double tol,
                            twm_solver_ws *ws, twm_result *r)
{
    twm_solver_opts o = {.tol = tol, .max_iter = 5000};
    tw_error err = {0};
    int rc = twm_solve(d, sh, &o, ws, r, &err);
    if (rc)
        fail_msg("twm_solve: %s", err.msg);
    if (!r->converged)
        fail_msg("not converged: residual %g after %d iterations", r->residual, r->iterations);
    assert_true(r->residual < tol);
}

/* The trade-war shock of MODEL.md section 3 item 1 on regions 0 (US) and 1 (CN). */
static inline void tradewar_tariffs(const twm_data *d, shock_buf *b)
{
    size_t N = d->N, J = d->J;
    for (size_t j = 0; j < J; j++) {
        b->tau[TWM_NIJ(N, J, 0, 1, j)] += 1.45;
        b->tau[TWM_NIJ(N, J, 1, 0, j)] += 1.25;
    }
}

/* The end of most solver tests: the shock's arrays, the workspace, the data. */
static inline void solve_test_done(shock_buf *b, twm_solver_ws *ws, twm_data *d)
{
    shock_free(b);
    twm_solver_ws_free(ws);
    twm_data_free(d);
}

#endif
