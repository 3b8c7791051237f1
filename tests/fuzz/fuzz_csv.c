/* libFuzzer harness: the trade model's CSV data loader (twm_csv + twm_data:
 * dialect, headers, codes, duplicates, values, derived arrays) and the
 * bilateral reader of counterfactual files.
 *
 * Input: one selector byte, then a file's contents. Selector % 6 picks the
 * file the contents replace in a copy of the small4 dataset: regions,
 * sectors, trade, tariffs, io (then twm_data_load on the folder), or a
 * counterfactual tariffs file (twm_data_read_bilateral on small4).
 * Bugs this looks for: crashes, sanitizer reports, leaks, and a dataset
 * accepted with non-finite derived values. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "twm_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const files[] = {"regions.csv", "sectors.csv", "trade.csv", "tariffs.csv",
                                    "io.csv"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[256];
    static twm_data *base;
    if (!dir[0]) {
        tw_fuzz_tmpdir(dir, sizeof dir);
        tw_error e;
        char src[512];
        snprintf(src, sizeof src, "%s/small4", TW_TEST_DATA_DIR);
        if (twm_data_load(src, &base, &e))
            tw_fuzz_fail("small4 does not load: %s", e.msg);
    }
    if (size < 1)
        return 0;
    int sel = data[0] % 6;
    char path[512];
    tw_error err = {0};
    if (sel == 5) {
        snprintf(path, sizeof path, "%s/cf.csv", dir);
        tw_fuzz_write(path, data + 1, size - 1);
        size_t n = base->N * base->N * base->J;
        double *out = malloc(n * sizeof *out);
        if (!out)
            abort();
        for (size_t i = 0; i < n; i++)
            out[i] = 0.0;
        int rc = twm_data_read_bilateral(base, path, "rate", 0.0, 0, out, &err);
        if (rc && !err.msg[0])
            tw_fuzz_fail("refused without a message");
        if (!rc)
            tw_fuzz_check_finite(out, n, "counterfactual tariff");
        free(out);
        return 0;
    }
    /* the other four files from small4, the chosen one from the input */
    for (int k = 0; k < 5; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[k]);
        if (k == sel) {
            tw_fuzz_write(path, data + 1, size - 1);
        } else {
            char src[512];
            snprintf(src, sizeof src, "%s/small4/%s", TW_TEST_DATA_DIR, files[k]);
            tw_fuzz_copy(src, path);
        }
    }
    twm_data *d = NULL;
    int rc = twm_data_load(dir, &d, &err);
    if (rc) {
        if (!err.msg[0] || d)
            tw_fuzz_fail("refused without a message, or left a dataset behind");
        return 0;
    }
    tw_fuzz_check_finite(d->pi, d->N * d->N * d->J, "pi");
    tw_fuzz_check_finite(d->X, d->N * d->J, "X");
    tw_fuzz_check_finite(d->theta, d->J, "theta");
    tw_fuzz_check_finite(d->alpha, d->N * d->J, "alpha");
    tw_fuzz_check_finite(d->I, d->N, "income");
    twm_data_free(d);
    return 0;
}
