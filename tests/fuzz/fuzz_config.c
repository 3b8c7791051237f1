/* libFuzzer harness: the YAML config loader and everything a config reaches
 * before the first sample (tw_session_open: YAML document, engine keys,
 * model create with its sections and data, parameter distributions and
 * correlation groups), then the parameter map at a few design points (the
 * quantile functions of every distribution the config may build).
 *
 * The input is the config text. It is written to a file in a private
 * directory that also holds the small4 test dataset (as `small4/`), so seeds
 * with `model: tradewar` and `data: small4` load real data.
 * Bugs this looks for: crashes, sanitizer reports (ASan, UBSan including
 * float-cast-overflow), leaks, and an accepted config whose medians or
 * mapped values are not finite (the loader must refuse such a config). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "tradewar/params.h"
#include "tradewar/runner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[256], path[300];
    if (!dir[0]) {
        tw_fuzz_tmpdir(dir, sizeof dir);
        tw_fuzz_link_dataset(dir, "small4");
        snprintf(path, sizeof path, "%s/config.yaml", dir);
    }
    tw_fuzz_write(path, data, size);
    tw_session *s = NULL;
    tw_error err = {0};
    int rc = tw_session_open(path, &s, &err);
    if (rc) {
        /* a refusal must say something, and be an error code of the table */
        if (!err.msg[0] || rc <= 0 || rc >= TW_ERROR_COUNT_)
            tw_fuzz_fail("refused without a message or with code %d", rc);
        return 0;
    }
    const tw_params *ps = s->schema->params;
    size_t np = tw_params_count(ps);
    double *u = malloc((np + 1) * sizeof *u), *x = malloc((np + 1) * sizeof *x);
    double *w = malloc((tw_params_work_size(ps) + 1) * sizeof *w);
    if (!u || !x || !w)
        abort();
    tw_params_medians(ps, x);
    tw_fuzz_check_finite(x, np, "median");
    static const double levels[] = {1e-12, 0.01, 0.5, 0.99, 1.0 - 1e-12};
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        for (size_t i = 0; i < np; i++)
            u[i] = levels[(l + i) % (sizeof levels / sizeof levels[0])];
        tw_params_map(ps, u, x, w);
        tw_fuzz_check_finite(x, np, "mapped value");
    }
    free(u);
    free(x);
    free(w);
    tw_session_close(s);
    return 0;
}
