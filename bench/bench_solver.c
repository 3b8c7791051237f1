/* bench_solver: solves per second (one thread) and iterations per solve.
 *
 *   bench_solver [--world DIR] [--nafta DIR] [--solves K] [--eps E|random]
 *
 * (a) a 14 x 10 world: DIR (default configs/data/world when it exists, from
 *     the source tree), else a synthetic 14 x 10 world built here with one
 *     critical sector; region 0 plays the US, region 1 China. Each solve
 *     draws new US->CN and CN->US additional tariffs uniformly in
 *     [0.30, 1.45], a 10% floor on other US imports, and (unless --eps is
 *     given) eps_crm uniformly in [0.05, 0.5].
 * (b) the 31 x 40 cp_nafta fixture (--nafta DIR; skipped if absent) with
 *     its tariffs_2005.csv counterfactual scaled by a random factor per solve.
 * Prints numbers; not a test.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "twm_data.h"
#include "twm_solver.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time of this (single-threaded) process */
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static double urand(void) /* splitmix64 -> [0,1) */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

/* A synthetic N x J world with sector J-1 critical (small, low theta). */
static twm_data *synthetic_world(size_t N, size_t J)
{
    size_t NNJ = N * N * J;
    double *Z = calloc(NNJ, sizeof *Z), *tau = calloc(NNJ, sizeof *tau);
    double *g = calloc(N * J * J, sizeof *g), *theta = calloc(J, sizeof *theta);
    uint8_t *ind = calloc(J, 1), *crit = calloc(J, 1);
    double *size = malloc(N * sizeof *size), *sz = malloc(J * sizeof *sz);
    for (size_t n = 0; n < N; n++)
        size[n] = n < 2 ? 20.0 + 5.0 * (double)n : 0.5 + 4.0 * urand();
    for (size_t j = 0; j < J; j++) {
        sz[j] = j == J - 1 ? 0.4 : 0.8 + 0.4 * urand();
        theta[j] = j == J - 1 ? 2.0 : 3.0 + 6.0 * urand();
        ind[j] = j > 0 && j < J - 3;
        crit[j] = j == J - 1;
    }
    for (size_t n = 0; n < N; n++)
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < J; j++) {
                double v = size[n] * size[i] * sz[j] * (0.3 + urand());
                if (n == i)
                    v *= 25.0 + 10.0 * urand();
                if (j == J - 1 && i == 1)
                    v *= 4.0; /* China dominates the critical sector */
                Z[TWM_NIJ(N, J, n, i, j)] = v;
                tau[TWM_NIJ(N, J, n, i, j)] = n == i ? 0.0 : 0.01 + 0.06 * urand();
            }
    for (size_t n = 0; n < N; n++)
        for (size_t j = 0; j < J; j++) {
            double tot = 0.3 + 0.2 * urand();
            double w[64], s = 0.0;
            for (size_t k = 0; k < J; k++) {
                w[k] = k == J - 1 ? 0.0 : 0.2 + urand();
                s += w[k];
            }
            double scrm = 0.005 + 0.02 * urand();
            for (size_t k = 0; k < J; k++)
                g[(n * J + k) * J + j] = k == J - 1 ? scrm : (tot - scrm) * w[k] / s;
        }
    twm_data *d = NULL;
    tw_error err = {0};
    if (twm_data_from_arrays(N, J, Z, tau, g, theta, ind, crit, &d, &err))
        fprintf(stderr, "synthetic world: %s\n", err.msg);
    free(Z);
    free(tau);
    free(g);
    free(theta);
    free(ind);
    free(crit);
    free(size);
    free(sz);
    return d;
}

typedef struct stats {
    long solves, fails, it, ps, xs;
    double secs, maxres;
} stats;

static void report(const char *name, const twm_data *d, const stats *s)
{
    printf("%-28s %3zux%-3zu solves %6ld  %9.1f solves/s  %7.3f ms/solve  outer it %6.2f  "
           "price sweeps %7.1f  X sweeps %7.1f  not converged %ld  max residual %.2e\n",
           name, d->N, d->J, s->solves, s->solves / s->secs, 1e3 * s->secs / s->solves,
           (double)s->it / s->solves, (double)s->ps / s->solves, (double)s->xs / s->solves,
           s->fails, s->maxres);
}

static void run_world(const char *name, const twm_data *d, long K, double eps_fixed, double tol)
{
    size_t N = d->N, J = d->J, NNJ = N * N * J;
    double *tau = malloc(NNJ * sizeof *tau), *dhat = malloc(NNJ * sizeof *dhat);
    double *That = malloc(N * J * sizeof *That);
    for (size_t x = 0; x < NNJ; x++)
        dhat[x] = 1.0;
    for (size_t x = 0; x < N * J; x++)
        That[x] = 1.0;
    twm_solver_ws *ws = twm_solver_ws_alloc(d);
    twm_solver_opts o = {.tol = tol, .max_iter = 5000};
    stats s = {0};
    double t0 = now();
    for (long k = 0; k < K; k++) {
        memcpy(tau, d->tau, NNJ * sizeof *tau);
        double tus = 0.30 + 1.15 * urand(), tcn = 0.30 + 1.15 * urand();
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < J; j++) {
                if (i == 0)
                    continue;
                tau[TWM_NIJ(N, J, 0, i, j)] += i == 1 ? tus : 0.10;
            }
        for (size_t j = 0; j < J; j++)
            tau[TWM_NIJ(N, J, 1, 0, j)] += tcn;
        twm_shock sh = {.tau_new = tau, .dhat = dhat, .That = That, .theta = NULL,
                        .eps_crm = eps_fixed >= 0 ? eps_fixed : 0.05 + 0.45 * urand()};
        twm_result r;
        tw_error err = {0};
        if (twm_solve(d, &sh, &o, ws, &r, &err)) {
            fprintf(stderr, "%s: solve %ld: %s\n", name, k, err.msg);
            s.fails++;
            continue;
        }
        s.solves++;
        s.fails += !r.converged;
        s.it += r.iterations;
        s.ps += r.price_sweeps;
        s.xs += r.x_sweeps;
        if (r.residual > s.maxres)
            s.maxres = r.residual;
    }
    s.secs = now() - t0;
    report(name, d, &s);
    twm_solver_ws_free(ws);
    free(tau);
    free(dhat);
    free(That);
}

static void run_nafta(const char *dir, long K, double eps_fixed, double tol)
{
    twm_data *d;
    tw_error err = {0};
    if (twm_data_load(dir, &d, &err)) {
        printf("cp_nafta: skipped (%s)\n", err.msg);
        return;
    }
    size_t N = d->N, J = d->J, NNJ = N * N * J;
    double *t05 = malloc(NNJ * sizeof *t05), *tau = malloc(NNJ * sizeof *tau);
    double *dhat = malloc(NNJ * sizeof *dhat), *That = malloc(N * J * sizeof *That);
    char path[4096];
    snprintf(path, sizeof path, "%s/tariffs_2005.csv", dir);
    memcpy(t05, d->tau, NNJ * sizeof *t05);
    if (twm_data_read_bilateral(d, path, "rate", 0.0, 0, t05, &err)) {
        printf("cp_nafta: skipped (%s)\n", err.msg);
        twm_data_free(d);
        return;
    }
    for (size_t x = 0; x < NNJ; x++)
        dhat[x] = 1.0;
    for (size_t x = 0; x < N * J; x++)
        That[x] = 1.0;
    twm_solver_ws *ws = twm_solver_ws_alloc(d);
    twm_solver_opts o = {.tol = tol, .max_iter = 5000};
    stats s = {0};
    double t0 = now();
    for (long k = 0; k < K; k++) {
        /* move the NAFTA tariffs a random fraction of the way to 2005 levels, and beyond */
        double f = 0.5 + urand();
        for (size_t x = 0; x < NNJ; x++) {
            double v = d->tau[x] + f * (t05[x] - d->tau[x]);
            tau[x] = v < 0.0 ? 0.0 : v;
        }
        twm_shock sh = {.tau_new = tau, .dhat = dhat, .That = That, .theta = NULL,
                        .eps_crm = eps_fixed >= 0 ? eps_fixed : 0.05 + 0.45 * urand()};
        twm_result r;
        if (twm_solve(d, &sh, &o, ws, &r, &err)) {
            fprintf(stderr, "cp_nafta: solve %ld: %s\n", k, err.msg);
            s.fails++;
            continue;
        }
        s.solves++;
        s.fails += !r.converged;
        s.it += r.iterations;
        s.ps += r.price_sweeps;
        s.xs += r.x_sweeps;
        if (r.residual > s.maxres)
            s.maxres = r.residual;
    }
    s.secs = now() - t0;
    report("cp_nafta (2005 tariffs x f)", d, &s);
    twm_solver_ws_free(ws);
    free(t05);
    free(tau);
    free(dhat);
    free(That);
    twm_data_free(d);
}

int main(int argc, char **argv)
{
    const char *world = NULL, *nafta = NULL;
    long K = 2000;
    double eps = -1.0, tol = 1e-10;
    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--world") && a + 1 < argc)
            world = argv[++a];
        else if (!strcmp(argv[a], "--nafta") && a + 1 < argc)
            nafta = argv[++a];
        else if (!strcmp(argv[a], "--solves") && a + 1 < argc)
            K = atol(argv[++a]);
        else if (!strcmp(argv[a], "--tol") && a + 1 < argc)
            tol = atof(argv[++a]);
        else if (!strcmp(argv[a], "--eps") && a + 1 < argc) {
            a++;
            eps = strcmp(argv[a], "random") ? atof(argv[a]) : -1.0;
        } else {
            fprintf(stderr, "usage: %s [--world DIR] [--nafta DIR] [--solves K] [--eps E|random] [--tol T]\n",
                    argv[0]);
            return 1;
        }
    }
#ifdef TW_SOURCE_DIR
    struct stat st;
    if (!world && stat(TW_SOURCE_DIR "/configs/data/world/trade.csv", &st) == 0)
        world = TW_SOURCE_DIR "/configs/data/world";
#endif
    if (eps >= 0)
        printf("# bench_solver: one thread, tol %g, eps_crm %g\n", tol, eps);
    else
        printf("# bench_solver: one thread, tol %g, eps_crm U(0.05, 0.5)\n", tol);
    twm_data *d = NULL;
    if (world) {
        tw_error err = {0};
        if (twm_data_load(world, &d, &err)) {
            fprintf(stderr, "%s: %s; using the synthetic world\n", world, err.msg);
            d = NULL;
        }
    }
    const char *wname = "world (configs/data/world)";
    if (!d) {
        d = synthetic_world(14, 10);
        wname = "synthetic world";
    }
    if (!d)
        return 2;
    run_world(wname, d, K / 10 > 0 ? K / 10 : 1, eps, tol); /* warm-up */
    run_world(wname, d, K, eps, tol);
    if (d->crm >= 0)
        run_world("  same, eps_crm = 1", d, K, 1.0, tol);
    twm_data_free(d);
    if (nafta)
        run_nafta(nafta, K / 20 > 0 ? K / 20 : 1, eps, tol);
    return 0;
}
