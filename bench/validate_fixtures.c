/* validate_fixtures: solve one counterfactual on a dataset folder and print
 * the real wage and welfare changes per region (docs/VALIDATION.md).
 *
 *   validate_fixtures DATA_DIR CF.csv [CF2.csv ...] [--eps E] [--tol T] [--region CODE]...
 *
 * Each CF file is importer,exporter,sector,rate (new tariff levels, replacing
 * the baseline rows) or importer,exporter,sector,dhat (trade-cost changes);
 * the header decides. Printed: what - 1, real wage what/P - 1, exact welfare
 * (I'/I)/P - 1, all in percent, and for one-sector data the deviation from
 * the ACR formula (pi'_nn/pi_nn)^(-1/(theta gamma_va)).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "twm_data.h"
#include "twm_solver.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int header_has(const char *path, const char *col)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[512] = {0};
    if (!fgets(line, sizeof line, f))
        line[0] = 0;
    fclose(f);
    return strstr(line, col) != NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s DATA_DIR CF.csv [CF2.csv ...] [--eps E] [--tol T] [--region CODE]...\n", argv[0]);
        return 1;
    }
    double eps = 1.0, tol = 1e-12;
    const char *cfs[8];
    int ncf = 0;
    const char *regs[64];
    int nreg = 0;
    for (int a = 2; a < argc; a++) {
        if (!strcmp(argv[a], "--eps") && a + 1 < argc)
            eps = atof(argv[++a]);
        else if (!strcmp(argv[a], "--tol") && a + 1 < argc)
            tol = atof(argv[++a]);
        else if (!strcmp(argv[a], "--region") && a + 1 < argc && nreg < 64)
            regs[nreg++] = argv[++a];
        else if (ncf < 8)
            cfs[ncf++] = argv[a];
    }
    tw_error err = {0};
    twm_data *d;
    double t0 = now();
    if (twm_data_load(argv[1], &d, &err)) {
        fprintf(stderr, "error: %s\n", err.msg);
        return 2;
    }
    double t1 = now();
    size_t N = d->N, J = d->J, NNJ = N * N * J;
    double *tau = malloc(NNJ * sizeof *tau), *dhat = malloc(NNJ * sizeof *dhat);
    double *That = malloc(N * J * sizeof *That);
    memcpy(tau, d->tau, NNJ * sizeof *tau);
    for (size_t x = 0; x < NNJ; x++)
        dhat[x] = 1.0;
    for (size_t x = 0; x < N * J; x++)
        That[x] = 1.0;
    for (int k = 0; k < ncf; k++) {
        int rc;
        if (header_has(cfs[k], "dhat"))
            rc = twm_data_read_bilateral(d, cfs[k], "dhat", 0.0, 1, dhat, &err);
        else
            rc = twm_data_read_bilateral(d, cfs[k], "rate", 0.0, 0, tau, &err);
        if (rc) {
            fprintf(stderr, "error: %s\n", err.msg);
            return 2;
        }
    }
    twm_solver_ws *ws = twm_solver_ws_alloc(d);
    twm_shock sh = {.tau_new = tau, .dhat = dhat, .That = That, .theta = NULL, .eps_crm = eps};
    twm_solver_opts o = {.tol = tol, .max_iter = 5000};
    twm_result r;
    double t2 = now();
    if (twm_solve(d, &sh, &o, ws, &r, &err)) {
        fprintf(stderr, "error: %s\n", err.msg);
        return 2;
    }
    double t3 = now();
    printf("# data %s (%zu regions x %zu sectors), eps = %g, tol = %g\n", argv[1], N, J, eps, tol);
    printf("# load %.3f s, solve %.4f s; converged %d, outer iterations %d, residual %.3e, "
           "price sweeps %ld, X sweeps %ld\n",
           t1 - t0, t3 - t2, r.converged, r.iterations, r.residual, r.price_sweeps, r.x_sweeps);
    printf("%-6s %14s %14s %14s%s\n", "region", "wage_pct", "real_wage_pct", "welfare_pct",
           J == 1 ? "   acr_rel_err" : "");
    double acr_max = 0.0;
    for (size_t n = 0; n < N; n++) {
        int show = nreg == 0;
        for (int q = 0; q < nreg; q++)
            show |= !strcmp(regs[q], d->region_code[n]);
        double rw = r.what[n] / r.P[n];
        double wel = r.I_new[n] / d->I[n] / r.P[n];
        double acr = NAN;
        if (J == 1) {
            size_t x = TWM_NIJ(N, J, n, n, 0);
            double f = pow(r.pi_new[x] / d->pi[x], -1.0 / (d->theta[0] * d->gamma_va[n]));
            acr = rw / f - 1.0;
            if (fabs(acr) > acr_max)
                acr_max = fabs(acr);
        }
        if (!show)
            continue;
        printf("%-6s %14.8f %14.8f %14.8f", d->region_code[n], 100 * (r.what[n] - 1), 100 * (rw - 1),
               100 * (wel - 1));
        if (J == 1)
            printf("   %12.3e", acr);
        printf("\n");
    }
    if (J == 1)
        printf("# max |ACR relative error| = %.3e\n", acr_max);
    twm_solver_ws_free(ws);
    free(tau);
    free(dhat);
    free(That);
    twm_data_free(d);
    return r.converged ? 0 : 3;
}
