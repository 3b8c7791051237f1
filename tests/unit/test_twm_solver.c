/* Unit tests of the equilibrium solver (twm_solver.c): the identities of
 * MODEL.md section 2 ("Identities the implementation must satisfy") and the
 * critical-input nest. Data: tests/data/acr5 (5 x 1, synthetic) and
 * tests/data/small4 (4 x 4 with a critical sector), plus random worlds. */
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
#include "twm_solver.h"
#include "twm_solver_test_util.h"

/* ------------------------------------------------------------------ */

static void check_no_shock(const char *name, double eps)
{
    twm_data *d = load(name);
    size_t N = d->N, J = d->J;
    twm_solver_ws *ws = twm_solver_ws_alloc(d);
    assert_non_null(ws);
    shock_buf b;
    shock_init(&b, d, eps);
    twm_result r;
    solve_ok(d, &b.sh, 1e-12, ws, &r);
    const double tol = 1e-12;
    for (size_t n = 0; n < N; n++) {
        assert_close(r.what[n], 1.0, tol);
        assert_close(r.P[n], 1.0, tol);
        assert_rel(r.I_new[n], d->I[n], tol);
        if (d->R[n] > 0.0)
            assert_rel(r.R_new[n], d->R[n], tol);
        for (size_t j = 0; j < J; j++) {
            assert_close(r.Phat[n * J + j], 1.0, tol);
            if (d->X[n * J + j] > 0.0)
                assert_rel(r.X_new[n * J + j], d->X[n * J + j], tol);
            if (d->Y[n * J + j] > 0.0)
                assert_rel(r.Y_new[n * J + j], d->Y[n * J + j], tol);
            for (size_t i = 0; i < N; i++)
                assert_close(r.pi_new[TWM_NIJ(N, J, n, i, j)], d->pi[TWM_NIJ(N, J, n, i, j)], tol);
        }
    }
    solve_test_done(&b, ws, d);
}

static void test_no_shock(void **state)
{
    (void)state;
    check_no_shock("acr5", 1.0);
    check_no_shock("small4", 1.0);
    check_no_shock("small4", 0.3); /* nest active */
    check_no_shock("small4", 0.0);
}

/* d with every flow Z[x] scaled by a + b * (x % 7), all else the same:
 * b = 0 scales all flows alike (no hat may change), b != 0 changes the trade
 * and input shares. */
static twm_data *with_flows(const twm_data *d, double a, double b)
{
    size_t NNJ = d->N * d->N * d->J;
    double *Z = malloc(NNJ * sizeof *Z);
    assert_non_null(Z);
    for (size_t x = 0; x < NNJ; x++)
        Z[x] = d->Z[x] * (a + b * (double)(x % 7));
    twm_data *d2 = NULL;
    tw_error err = {0};
    assert_int_equal(twm_data_from_arrays(d->N, d->J, Z, d->tau, d->gamma_io, d->theta,
                                          d->industrial, d->critical, &d2, &err),
                     TW_OK);
    free(Z); /* twm_data_from_arrays copies it */
    return d2;
}

/* Scaling every flow by a constant changes no hat. */
static void test_scale_invariance(void **state)
{
    (void)state;
    twm_data *d = load("small4");
    size_t N = d->N, J = d->J, NNJ = N * N * J;
    twm_data *d2 = with_flows(d, 1000.0, 0.0);
    twm_solver_ws *ws = twm_solver_ws_alloc(d), *ws2 = twm_solver_ws_alloc(d2);
    for (int e = 0; e < 2; e++) {
        double eps = e ? 0.3 : 1.0;
        shock_buf b;
        shock_init(&b, d, eps);
        tradewar_tariffs(d, &b);
        b.dhat[TWM_NIJ(N, J, 0, 1, 3)] = 2.0; /* CRM from CN to US */
        twm_result r, r2;
        solve_ok(d, &b.sh, 1e-12, ws, &r);
        solve_ok(d2, &b.sh, 1e-12, ws2, &r2);
        for (size_t n = 0; n < N; n++) {
            assert_rel(r2.what[n], r.what[n], 1e-10);
            assert_rel(r2.P[n], r.P[n], 1e-10);
            assert_rel(r2.I_new[n] / d2->I[n], r.I_new[n] / d->I[n], 1e-10);
            for (size_t j = 0; j < J; j++) {
                assert_rel(r2.Phat[n * J + j], r.Phat[n * J + j], 1e-10);
                assert_rel(r2.X_new[n * J + j] / d2->X[n * J + j],
                           r.X_new[n * J + j] / d->X[n * J + j], 1e-10);
            }
        }
        for (size_t x = 0; x < NNJ; x++)
            assert_close(r2.pi_new[x], r.pi_new[x], 1e-11);
        shock_free(&b);
    }
    twm_solver_ws_free(ws);
    twm_solver_ws_free(ws2);
    twm_data_free(d2);
    twm_data_free(d);
}

static void check_identities(const twm_data *d, const double *tau, const twm_result *rp,
                             int labour);

/* Adding up in the counterfactual: world exports = world imports, each
 * region's deficit stays D (which needs labour markets to clear with the
 * new shares), sum D' = 0, income identity, numeraire. */
static void check_adding_up(const char *name, double eps)
{
    twm_data *d = load(name);
    size_t N = d->N, J = d->J;
    twm_solver_ws *ws = twm_solver_ws_alloc(d);
    shock_buf b;
    shock_init(&b, d, eps);
    tradewar_tariffs(d, &b);
    if (d->crm >= 0)
        for (size_t n = 0; n < N; n++)
            if (n != 1)
                b.dhat[TWM_NIJ(N, J, n, 1, (size_t)d->crm)] = 3.0;
    b.That[1 * J + 0] = 0.95;
    twm_result r;
    solve_ok(d, &b.sh, 1e-11, ws, &r);
    check_identities(d, b.tau, &r, eps == 1.0 || d->crm < 0);
    solve_test_done(&b, ws, d);
}

/* The identities of a solved counterfactual with tariffs tau (see
 * check_adding_up); labour: check the labour markets with the Cobb-Douglas
 * shares (eps = 1 or no nest). */
static void check_identities(const twm_data *d, const double *tau, const twm_result *rp,
                             int labour)
{
    size_t N = d->N, J = d->J;
    const twm_result r = *rp;
    double wexp = 0.0, wimp = 0.0, sumD = 0.0, scale = 0.0, wva = 0.0, va = 0.0;
    for (size_t n = 0; n < N; n++)
        scale += d->VA[n];
    for (size_t n = 0; n < N; n++) {
        double imp_all = 0.0, y = 0.0, rev = 0.0;
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < J; j++) {
                size_t x = TWM_NIJ(N, J, n, i, j);
                double z = r.pi_new[x] * r.X_new[n * J + j] / (1.0 + tau[x]);
                imp_all += z;
                rev += tau[x] * z;
                if (i != n)
                    wimp += z;
                x = TWM_NIJ(N, J, i, n, j);
                if (i != n)
                    wexp += r.pi_new[x] * r.X_new[i * J + j] / (1.0 + tau[x]);
            }
        for (size_t j = 0; j < J; j++)
            y += r.Y_new[n * J + j];
        double Dn = imp_all - y;
        assert_close(Dn, d->D[n], 1e-9 * scale);
        assert_close(rev, r.R_new[n], 1e-12 * scale);
        assert_close(r.I_new[n], r.what[n] * d->VA[n] + r.R_new[n] + d->D[n], 1e-12 * scale);
        sumD += Dn;
        wva += r.what[n] * d->VA[n];
        va += d->VA[n];
        if (labour) { /* labour market with the Cobb-Douglas shares */
            double lab = 0.0;
            for (size_t j = 0; j < J; j++)
                lab += d->gamma_va[n * J + j] * r.Y_new[n * J + j];
            assert_close(lab / (r.what[n] * d->VA[n]), 1.0, 1e-9);
        }
    }
    assert_close(wexp, wimp, 1e-12 * scale);
    assert_close(sumD, 0.0, 1e-9 * scale);
    assert_close(wva, va, 1e-12 * va);
}

static void test_adding_up(void **state)
{
    (void)state;
    check_adding_up("acr5", 1.0);
    check_adding_up("small4", 1.0);
    check_adding_up("small4", 0.3);
    check_adding_up("small4", 1.7);
}

/* One sector: the real wage change is (pi'_nn/pi_nn)^(-1/(theta gamma_va)). */
static double acr_max_error(const twm_data *d, const twm_result *r)
{
    size_t N = d->N;
    double mx = 0.0;
    for (size_t n = 0; n < N; n++) {
        size_t x = TWM_NIJ(N, 1, n, n, 0);
        double f = pow(r->pi_new[x] / d->pi[x], -1.0 / (d->theta[0] * d->gamma_va[n]));
        double e = fabs(r->what[n] / r->P[n] / f - 1.0);
        if (e > mx)
            mx = e;
    }
    return mx;
}

static void test_acr_acr5(void **state)
{
    (void)state;
    twm_data *d = load("acr5");
    twm_solver_ws *ws = twm_solver_ws_alloc(d);
    shock_buf b;
    shock_init(&b, d, 1.0);
    tw_error err = {0};
    int rc = twm_data_read_bilateral(d, TW_TEST_DATA_DIR "/acr5/tariffs_tradewar.csv", "rate", 0.0,
                                     0, b.tau, &err);
    if (rc)
        fail_msg("%s", err.msg);
    assert_close(b.tau[TWM_NIJ(5, 1, 0, 1, 0)], 1.64, 0.0);
    twm_result r;
    solve_ok(d, &b.sh, 1e-10, ws, &r);
    double e = acr_max_error(d, &r);
    print_message("acr5 + tariffs_tradewar: max ACR relative error %.3e, %d iterations\n", e,
                  r.iterations);
    assert_true(e < 1e-8);
    /* the shock matters: the US and China lose real wage */
    assert_true(r.what[0] / r.P[0] < 1.0 - 1e-3);
    assert_true(r.what[1] / r.P[1] < 1.0 - 1e-3);
    solve_test_done(&b, ws, d);
}

static uint64_t rs = 12345;
static double urand(void)
{
    rs = rs * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rs >> 11) * 0x1.0p-53;
}

static void test_acr_random(void **state)
{
    (void)state;
    for (int rep = 0; rep < 5; rep++) {
        size_t N = 3 + (size_t)rep * 2, J = 1;
        double *Z = malloc(N * N * sizeof *Z), *tau = malloc(N * N * sizeof *tau);
        double *g = malloc(N * sizeof *g), theta = 2.0 + 6.0 * urand(), size[16];
        for (size_t n = 0; n < N; n++)
            size[n] = 1.0 + 4.0 * urand();
        for (size_t n = 0; n < N; n++) {
            g[n] = 0.2 + 0.4 * urand();
            for (size_t i = 0; i < N; i++) {
                Z[n * N + i] = (n == i ? 10.0 : 1.0) * (0.5 + urand()) * size[n] * size[i];
                tau[n * N + i] = n == i ? 0.0 : 0.2 * urand();
            }
        }
        twm_data *d = NULL;
        tw_error err = {0};
        if (twm_data_from_arrays(N, J, Z, tau, g, &theta, NULL, NULL, &d, &err))
            fail_msg("%s", err.msg);
        twm_solver_ws *ws = twm_solver_ws_alloc(d);
        shock_buf b;
        shock_init(&b, d, 1.0);
        for (size_t n = 0; n < N; n++)
            for (size_t i = 0; i < N; i++)
                if (n != i) {
                    b.tau[n * N + i] = 1.5 * urand();
                    b.dhat[n * N + i] = 0.7 + 0.8 * urand();
                }
        twm_result r;
        solve_ok(d, &b.sh, 1e-10, ws, &r);
        double e = acr_max_error(d, &r);
        if (!(e < 1e-8))
            fail_msg("random world %d (N = %zu): ACR relative error %g", rep, N, e);
        solve_test_done(&b, ws, d);
        free(Z);
        free(tau);
        free(g);
    }
}

/* A random J-sector world with tariffs on every region's purchases from
 * itself (tau[n,n,j] in [0.05, 0.35]: a tariff-like tax on all of n's
 * purchases of j, e.g. a VAT recorded as a tariff) and abroad. */
static twm_data *own_tariff_world(size_t N, size_t J, int own)
{
    double *Z = malloc(N * N * J * sizeof *Z), *tau = malloc(N * N * J * sizeof *tau);
    double *g = malloc(N * J * J * sizeof *g), *theta = malloc(J * sizeof *theta), size[16];
    assert_true(Z && tau && g && theta && N <= 16);
    for (size_t n = 0; n < N; n++)
        size[n] = 1.0 + 3.0 * urand();
    for (size_t j = 0; j < J; j++)
        theta[j] = 3.0 + 5.0 * urand();
    for (size_t n = 0; n < N; n++)
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < J; j++) {
                size_t x = TWM_NIJ(N, J, n, i, j);
                Z[x] = (n == i ? 8.0 : 1.0) * (0.5 + urand()) * size[n] * size[i];
                double u = urand(); /* drawn either way: own = 0 is the same world */
                tau[x] = n == i ? (own ? 0.05 + 0.3 * u : 0.0) : 0.2 * u;
            }
    for (size_t x = 0; x < N * J * J; x++) /* input shares: column sums 0.1-0.3 */
        g[x] = (0.1 + 0.2 * urand()) / (double)J;
    twm_data *d = NULL;
    tw_error err = {0};
    if (twm_data_from_arrays(N, J, Z, tau, g, theta, NULL, NULL, &d, &err))
        fail_msg("%s", err.msg);
    free(Z);
    free(tau);
    free(g);
    free(theta);
    return d;
}

/* Tariffs on a region's purchases from itself: the expenditure
 * preconditioner is then only approximate (twm_precond.c: it uses pi_nnk,
 * not pi_nnk / (1 + tau_nnk)); the fixed point and stopping test are
 * unchanged, so the solver must still converge to the equilibrium. Checked
 * against what the equilibrium must satisfy: (1) one sector, own tariffs
 * unchanged by the shock: the ACR formula holds exactly (kappahat_nn = 1);
 * (2) several sectors, own tariffs also moved by the shock: eq. 5
 * X' = gamma Y' + alpha I' with I' including the revenue from own
 * purchases, and the adding-up identities; (3) the tight solve and a loose
 * one agree to the loose tolerance (a solve that stopped on a wrong
 * point would not). */
static void test_own_tariffs(void **state)
{
    (void)state;
    for (int rep = 0; rep < 3; rep++) { /* (1) */
        size_t N = 4 + 2 * (size_t)rep;
        twm_data *d = own_tariff_world(N, 1, 1);
        assert_true(d->tau[TWM_NIJ(N, 1, 1, 1, 0)] >= 0.05);
        twm_solver_ws *ws = twm_solver_ws_alloc(d);
        shock_buf b;
        shock_init(&b, d, 1.0);
        for (size_t n = 0; n < N; n++)
            for (size_t i = 0; i < N; i++)
                if (n != i) {
                    b.tau[n * N + i] += 1.2 * urand();
                    b.dhat[n * N + i] = 0.7 + 0.8 * urand();
                }
        twm_result r;
        solve_ok(d, &b.sh, 1e-11, ws, &r);
        double e = acr_max_error(d, &r);
        if (!(e < 1e-8))
            fail_msg("own tariffs, one sector, N = %zu: ACR relative error %g", N, e);
        check_identities(d, b.tau, &r, 1);
        solve_test_done(&b, ws, d);
    }
    uint64_t rs0 = rs;
    for (int own = 1; own >= 0; own--) { /* (2), (3); own = 0: the same world without */
        rs = rs0;
        const size_t N = 5, J = 6;
        twm_data *d = own_tariff_world(N, J, own);
        twm_solver_ws *ws = twm_solver_ws_alloc(d);
        shock_buf b;
        shock_init(&b, d, 1.0);
        tradewar_tariffs(d, &b);
        for (size_t j = 0; j < J; j++) /* and region 2 raises its own */
            b.tau[TWM_NIJ(N, J, 2, 2, j)] += own ? 0.25 : 0.0;
        twm_result r;
        solve_ok(d, &b.sh, 1e-12, ws, &r);
        check_identities(d, b.tau, &r, 1);
        double rev_own = 0.0;
        for (size_t n = 0; n < N; n++) {
            const double *g = d->gamma_io + n * J * J;
            for (size_t j = 0; j < J; j++) {
                double x = d->alpha[n * J + j] * r.I_new[n];
                for (size_t k = 0; k < J; k++)
                    x += g[j * J + k] * r.Y_new[n * J + k];
                assert_close(x / r.X_new[n * J + j], 1.0, 1e-10);
                size_t c = TWM_NIJ(N, J, n, n, j);
                rev_own += b.tau[c] * r.pi_new[c] * r.X_new[n * J + j] / (1.0 + b.tau[c]);
            }
        }
        if (own)
            assert_true(rev_own > 0.05 * d->VA[0]); /* the case is exercised */
        double w[16];
        memcpy(w, r.what, N * sizeof *w);
        print_message("own tariffs %d (5 x 6): %d outer iterations, %ld price and %ld X sweeps\n",
                      own, r.iterations, r.price_sweeps, r.x_sweeps);
        solve_ok(d, &b.sh, 1e-7, ws, &r);
        for (size_t n = 0; n < N; n++)
            assert_close(r.what[n], w[n], 1e-6);
        solve_test_done(&b, ws, d);
    }
}

/* Quantity limits and short-run supply scale cells and columns of the
 * trade-cost array during the solve (and the solver's copy divided by
 * 1 + tau' with them): the counterfactual must still add up, with the limit
 * binding. */
static void test_limits_add_up(void **state)
{
    (void)state;
    twm_data *d = load("small4");
    const size_t N = d->N;
    const int s = d->crm >= 0 ? d->crm : 0;
    twm_solver_ws *ws = twm_solver_ws_alloc(d);
    double qcap[16];
    assert_true(N <= 16);
    for (int supply = 0; supply <= 1; supply++) {
        shock_buf b;
        shock_init(&b, d, 1.0);
        tradewar_tariffs(d, &b);
        for (size_t n = 0; n < N; n++)
            qcap[n] = n == 1 ? -1.0 : 0.5;
        b.sh.qcap = qcap;
        b.sh.qcap_exporter = 1;
        b.sh.qcap_sector = s;
        b.sh.supply_elast = supply ? 1.5 : 0.0;
        b.sh.supply_sector = s;
        twm_result r;
        solve_ok(d, &b.sh, 1e-11, ws, &r);
        int binding = 0;
        for (size_t n = 0; n < N; n++)
            binding += r.qwedge[n] > 1e-3;
        assert_true(binding >= 2); /* the wedges are exercised */
        check_identities(d, b.tau, &r, 1);
        print_message("limits (supply %d): %d binding, %d outer iterations\n", supply,
                      binding, r.iterations);
        shock_free(&b);
    }
    twm_solver_ws_free(ws);
    twm_data_free(d);
}

/* The nest: eps -> 1 from both sides approaches the Cobb-Douglas solution
 * linearly; with eps < 1 a critical-input price shock hurts more. */
static void solve_crm_shock(const twm_data *d, twm_solver_ws *ws, double eps, double *what,
                            double *P, double *welfare)
{
    size_t N = d->N, J = d->J;
    shock_buf b;
    shock_init(&b, d, eps);
    tradewar_tariffs(d, &b);
    for (size_t n = 0; n < N; n++)
        if (n != 1)
            b.dhat[TWM_NIJ(N, J, n, 1, (size_t)d->crm)] = n == 0 ? 4.0 : 1.5;
    twm_result r;
    solve_ok(d, &b.sh, 1e-12, ws, &r);
    for (size_t n = 0; n < N; n++) {
        what[n] = r.what[n];
        P[n] = r.P[n];
        welfare[n] = r.I_new[n] / d->I[n] / r.P[n];
    }
    shock_free(&b);
}

static double maxdiff(const double *a, const double *b, size_t n)
{
    double m = 0.0;
    for (size_t k = 0; k < n; k++)
        if (fabs(a[k] - b[k]) > m)
            m = fabs(a[k] - b[k]);
    return m;
}

static void test_nest_limit(void **state)
{
    (void)state;
    twm_data *d = load("small4");
    assert_int_equal(d->crm, 3);
    size_t N = d->N;
    twm_solver_ws *ws = twm_solver_ws_alloc(d);
    double w1[8], P1[8], W1[8], w[8], P[8], W[8];
    solve_crm_shock(d, ws, 1.0, w1, P1, W1);
    const double eps_near[2] = {0.999, 1.001}, eps_far[2] = {0.99, 1.01};
    for (int s = 0; s < 2; s++) {
        solve_crm_shock(d, ws, eps_near[s], w, P, W);
        double dn = maxdiff(w, w1, N) + maxdiff(P, P1, N) + maxdiff(W, W1, N);
        solve_crm_shock(d, ws, eps_far[s], w, P, W);
        double df = maxdiff(w, w1, N) + maxdiff(P, P1, N) + maxdiff(W, W1, N);
        print_message("eps %.3f: distance to eps = 1 %.3e; eps %.2f: %.3e (ratio %.3f)\n",
                      eps_near[s], dn, eps_far[s], df, dn / df);
        assert_true(df > 1e-7);      /* the nest does something */
        assert_true(dn < 1e-3);      /* close to the limit */
        assert_true(dn / df > 0.08); /* O(|eps - 1|): ratio ~ 0.1 */
        assert_true(dn / df < 0.12);
    }
    twm_solver_ws_free(ws);
    twm_data_free(d);
}

static void test_nest_hurts(void **state)
{
    (void)state;
    twm_data *d = load("small4");
    twm_solver_ws *ws = twm_solver_ws_alloc(d);
    double w1[8], P1[8], W1[8], w[8], P[8], W[8];
    solve_crm_shock(d, ws, 1.0, w1, P1, W1);
    solve_crm_shock(d, ws, 0.2, w, P, W);
    print_message("US welfare change: eps = 1 %.4f%%, eps = 0.2 %.4f%%; real wage %.4f%% vs %.4f%%\n",
                  100 * (W1[0] - 1), 100 * (W[0] - 1), 100 * (w1[0] / P1[0] - 1),
                  100 * (w[0] / P[0] - 1));
    assert_true(W[0] < W1[0]);
    assert_true(w[0] / P[0] < w1[0] / P1[0]);
    twm_solver_ws_free(ws);
    twm_data_free(d);
}

/* Not converged within max_iter: TW_OK, converged = 0, the residual. */
static void test_not_converged(void **state)
{
    (void)state;
    twm_data *d = load("small4");
    twm_solver_ws *ws = twm_solver_ws_alloc(d);
    shock_buf b;
    shock_init(&b, d, 0.3);
    tradewar_tariffs(d, &b);
    twm_solver_opts o = {.tol = 1e-10, .max_iter = 2};
    twm_result r;
    tw_error err = {0};
    assert_int_equal(twm_solve(d, &b.sh, &o, ws, &r, &err), TW_OK);
    assert_int_equal(r.converged, 0);
    assert_int_equal(r.iterations, 2);
    assert_true(r.residual > 1e-10);
    assert_true(isfinite(r.residual));
    /* invalid shock values: a numerical error with a message */
    b.dhat[5] = NAN;
    assert_int_equal(twm_solve(d, &b.sh, &o, ws, &r, &err), TW_ENUMERIC);
    assert_non_null(strstr(err.msg, "dhat"));
    b.dhat[5] = 1.0;
    b.That[2] = 0.0;
    assert_int_equal(twm_solve(d, &b.sh, &o, ws, &r, &err), TW_ENUMERIC);
    assert_non_null(strstr(err.msg, "That"));
    solve_test_done(&b, ws, d);
}

/* A solve does not depend on what the workspace solved before. */
static void test_deterministic(void **state)
{
    (void)state;
    twm_data *d = load("small4");
    size_t N = d->N, J = d->J;
    twm_solver_ws *ws = twm_solver_ws_alloc(d), *ws2 = twm_solver_ws_alloc(d);
    shock_buf a, b;
    shock_init(&a, d, 0.3);
    tradewar_tariffs(d, &a);
    shock_init(&b, d, 0.1);
    b.dhat[TWM_NIJ(N, J, 0, 1, 3)] = 5.0;
    twm_result r1, r2;
    solve_ok(d, &a.sh, 1e-10, ws, &r1);
    double w[8], Ph[64];
    memcpy(w, r1.what, N * sizeof(double));
    memcpy(Ph, r1.Phat, N * J * sizeof(double));
    solve_ok(d, &b.sh, 1e-10, ws2, &r2);
    solve_ok(d, &a.sh, 1e-10, ws2, &r2);
    assert_memory_equal(w, r2.what, N * sizeof(double));
    assert_memory_equal(Ph, r2.Phat, N * J * sizeof(double));
    shock_free(&a);
    shock_free(&b);
    twm_solver_ws_free(ws);
    twm_solver_ws_free(ws2);
    twm_solver_ws_free(NULL);
    twm_data_free(d);
}

/* A workspace used with another dataset of the same size gives bitwise the
 * result of a workspace made for that dataset (the inner preconditioners are
 * made from the dataset, so they must be remade). */
static void test_workspace_other_data(void **state)
{
    (void)state;
    twm_data *d = load("small4");
    size_t N = d->N, J = d->J;
    twm_data *d2 = with_flows(d, 1.0, 0.5); /* other trade and input shares */
    twm_solver_ws *ws = twm_solver_ws_alloc(d), *ws2 = twm_solver_ws_alloc(d2);
    shock_buf a;
    shock_init(&a, d, 0.3);
    tradewar_tariffs(d, &a);
    twm_result r1, r2;
    solve_ok(d, &a.sh, 1e-10, ws, &r1);
    solve_ok(d2, &a.sh, 1e-10, ws2, &r2);
    double w[8], Ph[64];
    memcpy(w, r2.what, N * sizeof(double));
    memcpy(Ph, r2.Phat, N * J * sizeof(double));
    long ps = r2.price_sweeps;
    solve_ok(d2, &a.sh, 1e-10, ws, &r1); /* ws was made for d */
    assert_memory_equal(w, r1.what, N * sizeof(double));
    assert_memory_equal(Ph, r1.Phat, N * J * sizeof(double));
    assert_int_equal(ps, r1.price_sweeps);
    shock_free(&a);
    twm_solver_ws_free(ws);
    twm_solver_ws_free(ws2);
    twm_data_free(d2);
    twm_data_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_shock),      cmocka_unit_test(test_scale_invariance),
        cmocka_unit_test(test_adding_up),     cmocka_unit_test(test_acr_acr5),
        cmocka_unit_test(test_acr_random),    cmocka_unit_test(test_nest_limit),
        cmocka_unit_test(test_nest_hurts),    cmocka_unit_test(test_not_converged),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_workspace_other_data),
        cmocka_unit_test(test_own_tariffs),   cmocka_unit_test(test_limits_add_up),
    };
    return cmocka_run_group_tests_name("twm_solver", tests, NULL, NULL);
}
