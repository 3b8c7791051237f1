/* Unit tests of the solver's outer step (twm_outer.c): the outer
 * preconditioner M against an independent Jacobian, the chord and coupled
 * wedge steps against the old diagonal ones (the same equilibrium), and M
 * shared by workspaces (the same bits as their own). Data: tests/data
 * (acr5, small4 and the worlds named below). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num_test_util.h"
#include "twm_data.h"
#include "twm_outer.h"
#include "twm_solver.h"
#include "twm_solver_test_util.h"

/* The outer preconditioner M (twm_outer.c, twm_outer_precond_setup) inverts the
 * baseline Jacobian of excess labour demand on the numeraire's tangent space
 * VA' dlw = 0: checked against an independent central-difference Jacobian
 * (step 1e-4, the set-up uses forward differences with 1e-5), with Walras'
 * law VA' ED = 0 (why M must be bordered) and M's range inside the tangent
 * space (its steps keep the normalisation to first order). */
static void check_outer_precond(const char *name)
{
    twm_data *d = load(name);
    const size_t N = d->N;
    twm_solver_ws *ws = twm_solver_ws_alloc(d);
    assert_non_null(ws);
    const double *M = twm_solver_outer_precond(ws);
    assert_non_null(M);
    double *Jac = calloc(N * N, sizeof(double)), *lw = calloc(N, sizeof(double));
    double *ep = calloc(N, sizeof(double)), *em = calloc(N, sizeof(double));
    assert_true(Jac && lw && ep && em);
    const double h = 1e-4;
    double vs = 0.0;
    for (size_t n = 0; n < N; n++)
        vs += d->VA[n];
    for (size_t m = 0; m < N; m++) {
        memset(lw, 0, N * sizeof(double));
        lw[m] = h;
        assert_int_equal(twm_solver_baseline_ed(d, ws, lw, ep), TW_OK);
        lw[m] = -h;
        assert_int_equal(twm_solver_baseline_ed(d, ws, lw, em), TW_OK);
        double walras = 0.0, scale = 0.0;
        for (size_t n = 0; n < N; n++) {
            Jac[n * N + m] = (ep[n] - em[n]) / (2.0 * h);
            walras += d->VA[n] * ep[n];
            scale += d->VA[n] * fabs(ep[n]);
        }
        assert_true(scale > 0.0); /* a wage change moves labour demand */
        assert_true(fabs(walras) <= 1e-9 * scale);
    }
    /* -M Jac x = x for x = e_k - (VA_k / sum VA) 1 (a basis of the tangent space) */
    for (size_t k = 0; k < N; k++) {
        double *x = ep, *y = em;
        for (size_t n = 0; n < N; n++)
            x[n] = (n == k) - d->VA[k] / vs;
        for (size_t n = 0; n < N; n++) {
            double s = 0.0;
            for (size_t m = 0; m < N; m++)
                s += Jac[n * N + m] * x[m];
            y[n] = s;
        }
        for (size_t n = 0; n < N; n++) {
            double s = 0.0;
            for (size_t m = 0; m < N; m++)
                s += M[n * N + m] * y[m];
            assert_close(-s, x[n], 1e-5);
        }
    }
    /* VA' M = 0 */
    for (size_t m = 0; m < N; m++) {
        double s = 0.0, a = 0.0;
        for (size_t n = 0; n < N; n++) {
            s += d->VA[n] * M[n * N + m];
            a += d->VA[n] * fabs(M[n * N + m]);
        }
        assert_true(fabs(s) <= 1e-12 * a);
    }
    free(Jac);
    free(lw);
    free(ep);
    free(em);
    twm_solver_ws_free(ws);
    twm_data_free(d);
}

static void test_outer_precond(void **state)
{
    (void)state;
    check_outer_precond("small4");
    check_outer_precond("acr5");
}

/* The solver converges to the same equilibrium (1e-9) with the outer
 * preconditioner M as with the old diagonal step (opts.diag_outer), on
 * shocks where M is far from the counterfactual's Jacobian: tariffs, the
 * critical-input nest, a binding quantity limit (extra unknowns with their
 * own steps), short-run supply, and both. */
static void test_outer_vs_diag(void **state)
{
    (void)state;
    twm_data *d = load("small4");
    const size_t N = d->N, J = d->J;
    assert_true(d->crm >= 0 && N >= 4);
    twm_solver_ws *ws = twm_solver_ws_alloc(d);
    assert_non_null(ws);
    double qcap[8];
    for (size_t n = 0; n < N; n++)
        qcap[n] = -1.0;
    qcap[2] = 0.6; /* China's critical exports to region 2 */
    qcap[3] = 0.8;
    int bound = 0;
    for (int k = 0; k < 5; k++) {
        shock_buf b;
        shock_init(&b, d, k == 0 ? 1.0 : 0.3);
        tradewar_tariffs(d, &b);
        if (k == 2 || k == 4) {
            b.sh.qcap = qcap;
            b.sh.qcap_exporter = 1;
            b.sh.qcap_sector = d->crm;
        }
        if (k >= 3) {
            b.sh.supply_elast = 1.5;
            b.sh.supply_sector = d->crm;
        }
        twm_result r1, r2;
        twm_solver_opts o = {.tol = 1e-12, .max_iter = 5000};
        tw_error err = {0};
        assert_int_equal(twm_solve(d, &b.sh, &o, ws, &r1, &err), TW_OK);
        assert_true(r1.converged);
        double w[8], Ph[64], qw[8];
        assert_true(N <= 8 && N * J <= 64);
        memcpy(w, r1.what, N * sizeof(double));
        memcpy(Ph, r1.Phat, N * J * sizeof(double));
        memcpy(qw, r1.qwedge, N * sizeof(double));
        o.diag_outer = 1;
        assert_int_equal(twm_solve(d, &b.sh, &o, ws, &r2, &err), TW_OK);
        assert_true(r2.converged);
        for (size_t n = 0; n < N; n++) {
            assert_rel(w[n], r2.what[n], 1e-9);
            assert_close(qw[n], r2.qwedge[n], 1e-9);
            if (qw[n] > 1e-3)
                bound++;
        }
        for (size_t x = 0; x < N * J; x++)
            assert_rel(Ph[x], r2.Phat[x], 1e-9);
        shock_free(&b);
    }
    assert_true(bound >= 2); /* the limits bind (k = 2 and 4) */
    twm_solver_ws_free(ws);
    twm_data_free(d);
}

/* The coupled step of the cap wedges and supply factors (twm_wedge_step) is a
 * step rule only: the equilibrium must be the one the old diagonal steps
 * reach (opts.diag_outer), to 1e-9, on the cases its linearisation treats
 * apart: tight and loose limits with and without the nest, supply in the
 * capped sector (one market: coupled rows) and in another sector (separate
 * blocks), a strong and a weak supply elasticity, and a limit that is
 * slack (its row held at 0). With supply in another sector the old rule
 * compounded the wedge at every evaluation (excess_demand): this test
 * found that. */
static void test_wedge_step_vs_diag(void **state)
{
    (void)state;
    twm_data *d = load("small4");
    const size_t N = d->N, J = d->J;
    assert_true(d->crm >= 0 && N >= 4 && N <= 8 && N * J <= 64 && J >= 2);
    const int other = d->crm == 0 ? 1 : 0; /* a sector other than the critical one */
    twm_solver_ws *ws = twm_solver_ws_alloc(d);
    assert_non_null(ws);
    const struct {
        double eps, q2, q3, elast;
        int ssec;
    } cs[] = {
        {1.0, 0.5, 0.7, 0.0, 0},    {0.2, 0.3, 0.5, 0.0, 0},   {0.2, 0.4, 0.9, 0.3, -1},
        {0.5, 0.6, 0.8, 5.0, -1},   {0.2, 0.5, 0.99, 0.5, 1},  {1.0, -1.0, -1.0, 0.2, -1},
        {0.3, 0.5, 1.0, 1.0, -1},
    };
    int bound = 0, slack = 0;
    for (size_t k = 0; k < sizeof cs / sizeof cs[0]; k++) {
        shock_buf b;
        shock_init(&b, d, cs[k].eps);
        tradewar_tariffs(d, &b);
        if (k == 6) /* a prohibitive tariff on the flow capped at 1.0: the cap is slack */
            b.tau[TWM_NIJ(N, J, 3, 1, d->crm)] += 2.0;
        double qcap[8];
        for (size_t n = 0; n < N; n++)
            qcap[n] = -1.0;
        qcap[2] = cs[k].q2;
        qcap[3] = cs[k].q3;
        if (cs[k].q2 > 0.0) {
            b.sh.qcap = qcap;
            b.sh.qcap_exporter = 1;
            b.sh.qcap_sector = d->crm;
        }
        if (cs[k].elast > 0.0) {
            b.sh.supply_elast = cs[k].elast;
            b.sh.supply_sector = cs[k].ssec == 1 ? other : d->crm;
        }
        twm_result r1, r2;
        twm_solver_opts o = {.tol = 1e-12, .max_iter = 5000};
        tw_error err = {0};
        int rc = twm_solve(d, &b.sh, &o, ws, &r1, &err);
        if (rc != TW_OK)
            fprintf(stderr, "case %zu: %s\n", k, err.msg);
        assert_int_equal(rc, TW_OK);
        assert_true(r1.converged);
        double w[8], Ph[64], qw[8], X[64];
        memcpy(w, r1.what, N * sizeof(double));
        memcpy(Ph, r1.Phat, N * J * sizeof(double));
        memcpy(X, r1.X_new, N * J * sizeof(double));
        memcpy(qw, r1.qwedge, N * sizeof(double));
        o.diag_outer = 1;
        assert_int_equal(twm_solve(d, &b.sh, &o, ws, &r2, &err), TW_OK);
        assert_true(r2.converged);
        for (size_t n = 0; n < N; n++) {
            assert_rel(w[n], r2.what[n], 1e-9);
            assert_close(qw[n], r2.qwedge[n], 1e-9);
            if (qw[n] > 1e-3)
                bound++;
            if (b.sh.qcap && qcap[n] > 0.0 && qw[n] == 0.0)
                slack++;
        }
        for (size_t x = 0; x < N * J; x++) {
            assert_rel(Ph[x], r2.Phat[x], 1e-9);
            assert_close(X[x] / d->X[x], r2.X_new[x] / d->X[x], 1e-9);
        }
        shock_free(&b);
    }
    assert_true(bound >= 6); /* the limits bind */
    assert_true(slack >= 1); /* and one is slack (k = 6) */
    twm_solver_ws_free(ws);
    twm_data_free(d);
}

/* A shared outer preconditioner (twm_outer_precond, made once per model)
 * is read by its workspaces, not copied, has the bits of a workspace's own
 * M, and so gives bit-identical solves; a workspace given another dataset
 * makes its own. */
static void test_shared_precond(void **state)
{
    (void)state;
    twm_data *d = load("small4"), *d2 = load("acr5");
    const size_t N = d->N, J = d->J;
    assert_true(N <= 8 && N * J <= 64);
    twm_outer_precond *op = twm_outer_precond_make(d);
    assert_non_null(op);
    twm_solver_ws *w1 = twm_solver_ws_alloc_shared(d, op), *w2 = twm_solver_ws_alloc_shared(d, op);
    twm_solver_ws *own = twm_solver_ws_alloc(d), *w3 = twm_solver_ws_alloc_shared(d2, op);
    assert_true(w1 && w2 && own && w3);
    const double *M1 = twm_solver_outer_precond(w1), *Mo = twm_solver_outer_precond(own);
    assert_non_null(M1);
    assert_non_null(Mo);
    assert_ptr_equal(M1, twm_solver_outer_precond(w2)); /* one copy */
    assert_true(M1 != Mo);
    assert_memory_equal(M1, Mo, N * N * sizeof(double));
    const double *M3 = twm_solver_outer_precond(w3);
    assert_non_null(M3);
    assert_true(M3 != M1);
    shock_buf b;
    shock_init(&b, d, 0.3);
    tradewar_tariffs(d, &b);
    double qcap[8];
    for (size_t n = 0; n < N; n++)
        qcap[n] = -1.0;
    qcap[2] = 0.6;
    b.sh.qcap = qcap;
    b.sh.qcap_exporter = 1;
    b.sh.qcap_sector = d->crm;
    b.sh.supply_elast = 0.8;
    b.sh.supply_sector = d->crm;
    twm_result r1, r2;
    solve_ok(d, &b.sh, 1e-11, w1, &r1);
    double w[8], Ph[64];
    memcpy(w, r1.what, N * sizeof(double));
    memcpy(Ph, r1.Phat, N * J * sizeof(double));
    solve_ok(d, &b.sh, 1e-11, own, &r2);
    assert_memory_equal(w, r2.what, N * sizeof(double));
    assert_memory_equal(Ph, r2.Phat, N * J * sizeof(double));
    shock_free(&b);
    twm_solver_ws_free(w1);
    twm_solver_ws_free(w2);
    twm_solver_ws_free(w3);
    twm_solver_ws_free(own);
    twm_outer_precond_free(op);
    twm_data_free(d2);
    twm_data_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outer_precond),
        cmocka_unit_test(test_outer_vs_diag),
        cmocka_unit_test(test_wedge_step_vs_diag),
        cmocka_unit_test(test_shared_precond),
    };
    return cmocka_run_group_tests_name("twm_outer", tests, NULL, NULL);
}
