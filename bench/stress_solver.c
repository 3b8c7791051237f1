/* stress_solver: solve K hard random counterfactuals on a dataset and count
 * errors and non-converged solves (docs/VALIDATION.md). Not a test.
 *
 *   stress_solver DATA_DIR K
 *
 * Every 4th shock is extreme: US-China tariffs up to +500%, extra tariffs on
 * 30% of pairs, dhat in [0.22, 4.5] on 20%, rare-earth severity 0.999;
 * technology shifts, theta scaled by exp(U(-0.4, 0.4)), eps_crm cycling
 * through {0, 0.05, 0.2, 0.5, 1, 1.5, 3}. Regions 0 and 1 play US and China.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twm_data.h"
#include "twm_solver.h"

static unsigned long long rng = 42;
static double u(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng >> 11) * 0x1.0p-53;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s DATA_DIR K\n", argv[0]);
        return 1;
    }
    twm_data *d;
    tw_error e = {0};
    if (twm_data_load(argv[1], &d, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 2;
    }
    int K = atoi(argv[2]);
    size_t N = d->N, J = d->J, NNJ = N * N * J;
    double *tau = malloc(NNJ * sizeof *tau), *dh = malloc(NNJ * sizeof *dh);
    double *T = malloc(N * J * sizeof *T), *th = malloc(J * sizeof *th);
    twm_solver_ws *ws = twm_solver_ws_alloc(d);
    int fails = 0, nc = 0;
    long itmax = 0;
    double itsum = 0;
    static const double eps_list[7] = {0.0, 0.05, 0.2, 0.5, 1.0, 1.5, 3.0};
    for (int k = 0; k < K; k++) {
        int sev = k % 4;
        memcpy(tau, d->tau, NNJ * sizeof *tau);
        for (size_t x = 0; x < NNJ; x++)
            dh[x] = 1;
        for (size_t x = 0; x < N * J; x++)
            T[x] = 1;
        for (size_t j = 0; j < J; j++)
            th[j] = d->theta[j] * exp(0.4 * (u() - 0.5) * 2);
        double big = sev == 3 ? 5.0 : 1.5;
        for (size_t j = 0; j < J; j++) {
            tau[TWM_NIJ(N, J, 0, 1, j)] += big * u();
            tau[TWM_NIJ(N, J, 1, 0, j)] += big * u();
        }
        for (size_t n = 0; n < N; n++)
            for (size_t i = 0; i < N; i++)
                if (n != i)
                    for (size_t j = 0; j < J; j++) {
                        if (u() < 0.3)
                            tau[TWM_NIJ(N, J, n, i, j)] += (sev >= 2 ? 1.0 : 0.3) * u();
                        if (u() < 0.2)
                            dh[TWM_NIJ(N, J, n, i, j)] = exp((sev >= 2 ? 1.5 : 0.5) * (u() - 0.5) * 2);
                    }
        if (d->crm >= 0) {
            double sig = sev >= 2 ? 0.999 : 0.9 * u();
            for (size_t n = 0; n < N; n++)
                if (n != 1)
                    dh[TWM_NIJ(N, J, n, 1, (size_t)d->crm)] *=
                        pow(1 - sig * (n == 0 ? 1 : u()), -1.0 / th[d->crm]);
        }
        for (size_t j = 0; j < J; j++) {
            double f = 0.3 * u();
            T[1 * J + j] = 1 - f;
            T[(2 + (size_t)k % (N - 2)) * J + j] = 1 + f * 5 * u();
        }
        double eps = eps_list[k % 7];
        twm_shock sh = {.tau_new = tau, .dhat = dh, .That = T, .theta = th, .eps_crm = eps};
        twm_solver_opts o = {.tol = 1e-10, .max_iter = 5000};
        twm_result r;
        if (twm_solve(d, &sh, &o, ws, &r, &e)) {
            fails++;
            printf("solve %d: %s\n", k, e.msg);
            continue;
        }
        if (!r.converged) {
            nc++;
            printf("solve %d sev %d eps %g: not converged, residual %g after %d iterations\n", k,
                   sev, eps, r.residual, r.iterations);
        }
        itsum += r.iterations;
        if (r.iterations > itmax)
            itmax = r.iterations;
    }
    printf("%s: %d solves, errors %d, not converged %d, mean it %.2f, max it %ld\n", argv[1], K,
           fails, nc, itsum / K, itmax);
    twm_solver_ws_free(ws);
    free(tau);
    free(dh);
    free(T);
    free(th);
    twm_data_free(d);
    return fails || nc;
}
