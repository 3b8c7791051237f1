/* bench_yardstick: the engine's solver on the shocks of bench/yardstick.py
 * (the NumPy yardstick), for the speed ratio and the 1e-8 answer check.
 *
 *   bench_yardstick DIR K [--cf TARIFFS.csv] [--reps R] [--dump OUT.csv] [--diag]
 *
 * Solve s = 0..K-1 (the same formulas as yardstick.py, frac(x) = x - floor(x)):
 *   u_s = frac((s+1) 0.6180339887498949), v_s = frac((s+1) 0.4142135623730950),
 *   eps_s = 0.05 + 0.45 frac((s+1) 0.7320508075688772) (the CRM nest, if any);
 *   default shock: tau'[0,1,j] = tau + 0.30 + 1.15 u_s, tau'[1,0,j] = tau + 0.30 + 1.15 v_s,
 *     tau'[0,i,j] = tau + 0.10 for i >= 2 (region 0 plays the US, 1 China);
 *   --cf FILE: tau' = max(0, tau + (0.5 + u_s)(tau_cf - tau)) (a tariff counterfactual
 *     moved a varying fraction of the way, e.g. Caliendo-Parro's 2005 NAFTA tariffs).
 * Prints CPU ms per solve (the K solves repeated R times, best repetition) and
 * outer iterations; --dump writes what[n] and Phat[n,j] of every solve (%.17g);
 * --diag solves with the old diagonal outer step (twm_solver_opts.diag_outer).
 * Also prints the CPU time of the workspace set-up (the outer preconditioner).
 * One thread. Not a test: docs/BENCHMARK.md.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "twm_data.h"
#include "twm_solver.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static double frac(double x) { return x - floor(x); }

static void make_shock(const twm_data *d, const double *tcf, long s, double *tau, double *eps)
{
    size_t N = d->N, J = d->J, NNJ = N * N * J;
    double u = frac((double)(s + 1) * 0.6180339887498949);
    double v = frac((double)(s + 1) * 0.4142135623730950);
    *eps = 0.05 + 0.45 * frac((double)(s + 1) * 0.7320508075688772);
    if (tcf) {
        double f = 0.5 + u;
        for (size_t x = 0; x < NNJ; x++) {
            double t = d->tau[x] + f * (tcf[x] - d->tau[x]);
            tau[x] = t < 0.0 ? 0.0 : t;
        }
        return;
    }
    memcpy(tau, d->tau, NNJ * sizeof *tau);
    for (size_t i = 1; i < N; i++)
        for (size_t j = 0; j < J; j++)
            tau[TWM_NIJ(N, J, 0, i, j)] += i == 1 ? 0.30 + 1.15 * u : 0.10;
    for (size_t j = 0; j < J; j++)
        tau[TWM_NIJ(N, J, 1, 0, j)] += 0.30 + 1.15 * v;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s DIR K [--cf TARIFFS.csv] [--reps R] [--dump OUT.csv] "
                "[--diag]\n", argv[0]);
        return 1;
    }
    const char *dir = argv[1], *cf = NULL, *dump = NULL;
    long K = atol(argv[2]), reps = 3;
    int diag = 0;
    for (int a = 3; a < argc; a++) {
        if (!strcmp(argv[a], "--cf") && a + 1 < argc)
            cf = argv[++a];
        else if (!strcmp(argv[a], "--reps") && a + 1 < argc)
            reps = atol(argv[++a]);
        else if (!strcmp(argv[a], "--dump") && a + 1 < argc)
            dump = argv[++a];
        else if (!strcmp(argv[a], "--diag"))
            diag = 1;
        else {
            fprintf(stderr, "%s: unknown argument '%s'\n", argv[0], argv[a]);
            return 1;
        }
    }
    if (K < 1 || reps < 1) {
        fprintf(stderr, "%s: K and R must be >= 1\n", argv[0]);
        return 1;
    }
    twm_data *d;
    tw_error err = {0};
    if (twm_data_load(dir, &d, &err)) {
        fprintf(stderr, "%s: %s\n", argv[0], err.msg);
        return 2;
    }
    size_t N = d->N, J = d->J, NNJ = N * N * J;
    double *tcf = NULL;
    if (cf) {
        tcf = malloc(NNJ * sizeof *tcf);
        memcpy(tcf, d->tau, NNJ * sizeof *tcf);
        if (twm_data_read_bilateral(d, cf, "rate", 0.0, 0, tcf, &err)) {
            fprintf(stderr, "%s: %s\n", argv[0], err.msg);
            return 2;
        }
    }
    double *tau = malloc(NNJ * sizeof *tau);
    /* memory per thread: what the workspace allocation takes from the heap (glibc) */
    struct mallinfo2 m0 = mallinfo2();
    double ts0 = cpu_now();
    twm_solver_ws *ws = twm_solver_ws_alloc(d);
    double tsetup = cpu_now() - ts0;
    struct mallinfo2 m1 = mallinfo2();
    double ws_mib = (double)((m1.uordblks + m1.hblkhd) - (m0.uordblks + m0.hblkhd)) / 1048576.0;
    twm_solver_opts o = {.tol = 1e-10, .max_iter = 5000, .diag_outer = diag};
    FILE *f = dump ? fopen(dump, "w") : NULL;
    if (dump && !f) {
        fprintf(stderr, "%s: cannot write %s\n", argv[0], dump);
        return 2;
    }
    double best = 1e300;
    long its = 0, fails = 0, psw = 0, xsw = 0;
    for (long r = 0; r < reps; r++) {
        double t = 0.0;
        its = fails = psw = xsw = 0;
        for (long s = 0; s < K; s++) {
            double eps;
            make_shock(d, tcf, s, tau, &eps);
            twm_shock sh = {.tau_new = tau, .dhat = NULL, .That = NULL, .theta = NULL,
                            .eps_crm = eps};
            twm_result res;
            double t0 = cpu_now();
            int rc = twm_solve(d, &sh, &o, ws, &res, &err);
            t += cpu_now() - t0;
            if (rc || !res.converged) {
                fails++;
                continue;
            }
            its += res.iterations;
            psw += res.price_sweeps;
            xsw += res.x_sweeps;
            if (f && r == 0) {
                fprintf(f, "%ld", s);
                for (size_t n = 0; n < N; n++)
                    fprintf(f, ",%.17g", res.what[n]);
                for (size_t x = 0; x < N * J; x++)
                    fprintf(f, ",%.17g", res.Phat[x]);
                fputc('\n', f);
            }
        }
        if (t < best)
            best = t;
    }
    if (f)
        fclose(f);
    printf("engine %zux%zu: %.4f ms/solve (best of %ld x %ld solves), outer iterations %.2f, "
           "price sweeps %.1f, X sweeps %.1f, failed %ld, workspace per thread %.2f MiB, "
           "workspace set-up %.2f ms\n",
           N, J, 1e3 * best / (double)K, reps, K, (double)its / (double)K, (double)psw / (double)K,
           (double)xsw / (double)K, fails, ws_mib, 1e3 * tsetup);
    twm_solver_ws_free(ws);
    free(tau);
    free(tcf);
    twm_data_free(d);
    return fails ? 3 : 0;
}
