/* Coverage study of the Sobol' index intervals (by hand, not a test):
 *
 *   build/release/bench/sens_coverage [N=256] [SEEDS=1000] [R=500] [mc|sobol] [CONF=0.95]
 *
 * For each seed: the Ishigami pick-freeze rows through the engine's design,
 * parameter mapping and model (as tw_run computes them), the estimators and
 * percentile bootstrap of src/sensitivity.c, and whether each interval
 * contains the exact index. Prints the coverage per index and overall, with
 * its binomial standard error, and the mean interval width. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tradewar/design.h"
#include "tradewar/params.h"
#include "tradewar/runner.h"
#include "tradewar/sensitivity.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

int main(int argc, char **argv)
{
    size_t N = argc > 1 ? strtoul(argv[1], NULL, 10) : 256;
    int seeds = argc > 2 ? atoi(argv[2]) : 1000;
    unsigned R = argc > 3 ? (unsigned)atoi(argv[3]) : 500;
    tw_design_kind kind = argc > 4 && strcmp(argv[4], "mc") == 0 ? TW_DESIGN_MC : TW_DESIGN_SOBOL;
    double conf = argc > 5 ? atof(argv[5]) : 0.95;
    char path[] = "/tmp/tw_sens_cov_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 2;
    char text[128];
    int len = snprintf(text, sizeof text, "model: ishigami\nsensitivity: {base_samples: %zu}\n", N);
    if (write(fd, text, (size_t)len) != len)
        return 2;
    close(fd);
    tw_session *ses = NULL;
    tw_error err = {0};
    int rc = tw_session_open(path, &ses, &err);
    unlink(path);
    if (rc) {
        fprintf(stderr, "sens_coverage: %s\n", err.msg);
        return 1;
    }
    const double a = 7, b = 0.1, pi4 = pow(M_PI, 4), pi8 = pow(M_PI, 8);
    double V = a * a / 8 + b * pi4 / 5 + b * b * pi8 / 18 + 0.5;
    double V1 = 0.5 * pow(1 + b * pi4 / 5, 2), V2 = a * a / 8, V13 = 8 * b * b * pi8 / 225;
    double exact[6] = {V1 / V, V2 / V, 0, (V1 + V13) / V, V2 / V, V13 / V};
    const tw_sens *sv = ses->sens;
    size_t K = 5, np = 3;
    double *y = malloc(N * K * sizeof *y), ab[6], u[3], x[3];
    double *scratch = malloc(tw_sens_scratch_size(3, R) * sizeof *scratch);
    void *ws = ses->type->workspace_alloc(ses->state);
    long hit[6] = {0};
    double width[6] = {0};
    for (int seed = 1; seed <= seeds; seed++) {
        tw_design *d = NULL;
        if (tw_design_create(kind, (uint64_t)seed, N, 2 * np, &d, &err))
            return 1;
        for (size_t j = 0; j < N; j++) {
            tw_design_point(d, j, ab);
            for (size_t m = 0; m < K; m++) {
                tw_eval_status st;
                tw_sens_row_point(sv, ab, m, u);
                tw_params_map(ses->schema->params, u, x, NULL);
                ses->type->evaluate(ses->state, ws, x, &y[j * K + m], &st, NULL);
            }
        }
        tw_design_free(d);
        uint32_t *boot = tw_sens_bootstrap_table(tw_sens_bootstrap_seed((uint64_t)seed), N, R);
        tw_sens_index ix[3];
        uint64_t used;
        tw_sens_estimate(y, N, 3, NULL, boot, R, conf, scratch, ix, &used);
        free(boot);
        for (int i = 0; i < 3; i++) {
            hit[i] += ix[i].s1_ci[0] <= exact[i] && exact[i] <= ix[i].s1_ci[1];
            hit[3 + i] += ix[i].st_ci[0] <= exact[3 + i] && exact[3 + i] <= ix[i].st_ci[1];
            width[i] += ix[i].s1_ci[1] - ix[i].s1_ci[0];
            width[3 + i] += ix[i].st_ci[1] - ix[i].st_ci[0];
        }
    }
    printf("Ishigami, %s pick-freeze, N = %zu, %d seeds, R = %u, nominal %.3f\n",
           kind == TW_DESIGN_MC ? "mc" : "sobol", N, seeds, R, conf);
    static const char *const names[6] = {"S1 x1", "S1 x2", "S1 x3", "ST x1", "ST x2", "ST x3"};
    long all = 0;
    for (int i = 0; i < 6; i++) {
        double c = (double)hit[i] / seeds;
        all += hit[i];
        printf("  %s: coverage %.3f +- %.3f, mean width %.4f\n", names[i], c,
               sqrt(c * (1 - c) / seeds), width[i] / seeds);
    }
    double c = (double)all / (6.0 * seeds);
    printf("  all: %.3f +- %.3f\n", c, sqrt(c * (1 - c) / (6.0 * seeds)));
    ses->type->workspace_free(ws);
    tw_session_close(ses);
    free(y);
    free(scratch);
    return 0;
}
