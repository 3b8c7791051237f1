/* tradewar model, layer 1: load, check and derive the baseline dataset
 * (MODEL.md section 2, DESIGN.md "Data").
 *
 * The CSV dialect is twm_csv.h's.
 *
 * Decisions documented here (MODEL.md leaves them open):
 *  - Rows missing from trade.csv, tariffs.csv and io.csv are 0.
 *  - A tariff on domestic sales (importer == exporter) must be 0.
 *  - An importer with zero expenditure X[n,j] = 0 in a sector is accepted:
 *    its shares pi[n,.,j] are then all 0 except pi[n,n,j] = 1 by convention,
 *    so that the price index Phat[n,j] is defined (it follows the home unit
 *    cost). Nothing flows through that cell: alpha[n,j] must be 0 and the
 *    intermediate demand for j in n is 0 (else alpha[n,j] < 0 is reported),
 *    so X'[n,j] = 0 in every counterfactual and the convention changes no
 *    outcome.
 *  - A region with zero gross output, zero value added or non-positive
 *    income is rejected (excess labour demand is relative to VA[n]).
 *  - Final-demand shares alpha in [-1e-9, 0) are clipped to 0 (not
 *    renormalised); below -1e-9 the dataset is rejected.
 */
#include "twm_data.h"
#include "twm_csv.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TWM_ALPHA_TOL 1e-9
#define TWM_IO_SUM_TOL 1e-9

/* ------------------------------------------------------------------ */
/* Code lookup: a sorted index, binary search. */

/* A code and its position; sorted by code for binary search. */
typedef struct code_ref {
    const char *code;
    size_t pos;
} code_ref;

static int cmp_ref(const void *a, const void *b)
{
    const code_ref *x = a, *y = b;
    return strcmp(x->code, y->code);
}

static int find_code(const code_ref *refs, size_t n, const char *code)
{
    code_ref key = {code, 0};
    const code_ref *r = bsearch(&key, refs, n, sizeof *refs, cmp_ref);
    return r ? (int)r->pos : -1;
}

/* ------------------------------------------------------------------ */

void twm_data_free(twm_data *d)
{
    if (!d)
        return;
    for (size_t n = 0; n < d->N; n++) {
        if (d->region_code)
            free(d->region_code[n]);
        if (d->region_name)
            free(d->region_name[n]);
    }
    for (size_t j = 0; j < d->J; j++) {
        if (d->sector_code)
            free(d->sector_code[j]);
        if (d->sector_name)
            free(d->sector_name[j]);
    }
    free(d->region_code);
    free(d->region_name);
    free(d->sector_code);
    free(d->sector_name);
    free(d->theta);
    free(d->industrial);
    free(d->critical);
    free(d->Z);
    free(d->tau);
    free(d->gamma_io);
    free(d->gamma_va);
    free(d->Y);
    free(d->VA);
    free(d->X);
    free(d->pi);
    free(d->R);
    free(d->D);
    free(d->I);
    free(d->alpha);
    free(d);
}

int twm_region_index(const twm_data *d, const char *code)
{
    for (size_t n = 0; n < d->N; n++)
        if (strcmp(d->region_code[n], code) == 0)
            return (int)n;
    return -1;
}

int twm_sector_index(const twm_data *d, const char *code)
{
    for (size_t j = 0; j < d->J; j++)
        if (strcmp(d->sector_code[j], code) == 0)
            return (int)j;
    return -1;
}

/* Allocate the dimension-dependent arrays (not the code/name lists). */
static int alloc_arrays(twm_data *d)
{
    size_t N = d->N, J = d->J;
    d->theta = calloc(J, sizeof *d->theta);
    d->industrial = calloc(J, 1);
    d->critical = calloc(J, 1);
    d->Z = calloc(N * N * J, sizeof(double));
    d->tau = calloc(N * N * J, sizeof(double));
    d->gamma_io = calloc(N * J * J, sizeof(double));
    d->gamma_va = calloc(N * J, sizeof(double));
    if (!d->theta || !d->industrial || !d->critical || !d->Z || !d->tau || !d->gamma_io ||
        !d->gamma_va)
        return TW_ENOMEM;
    return TW_OK;
}

static int alloc_derived(twm_data *d)
{
    size_t N = d->N, J = d->J;
    if (!d->Y)
        d->Y = calloc(N * J, sizeof(double));
    if (!d->VA)
        d->VA = calloc(N, sizeof(double));
    if (!d->X)
        d->X = calloc(N * J, sizeof(double));
    if (!d->pi)
        d->pi = calloc(N * N * J, sizeof(double));
    if (!d->R)
        d->R = calloc(N, sizeof(double));
    if (!d->D)
        d->D = calloc(N, sizeof(double));
    if (!d->I)
        d->I = calloc(N, sizeof(double));
    if (!d->alpha)
        d->alpha = calloc(N * J, sizeof(double));
    if (!d->Y || !d->VA || !d->X || !d->pi || !d->R || !d->D || !d->I || !d->alpha)
        return TW_ENOMEM;
    return TW_OK;
}

int twm_data_derive(twm_data *d, tw_error *err)
{
    if (!d || d->N == 0 || d->J == 0)
        return tw_error_set(err, TW_EDATA, "dataset has no regions or no sectors");
    if (alloc_derived(d) != TW_OK)
        return tw_error_set(err, TW_ENOMEM, "out of memory deriving the baseline");
    size_t N = d->N, J = d->J;
    const double *Z = d->Z, *tau = d->tau, *g = d->gamma_io;

    /* value-added shares from the input shares */
    for (size_t n = 0; n < N; n++)
        for (size_t j = 0; j < J; j++) {
            double s = 0.0;
            for (size_t k = 0; k < J; k++)
                s += g[(n * J + k) * J + j];
            if (s > 1.0 + TWM_IO_SUM_TOL)
                return tw_error_set(err, TW_EDATA,
                                    "region %s, sector %s: input shares sum to %.12g > 1 "
                                    "(negative value-added share)",
                                    d->region_code[n], d->sector_code[j], s);
            d->gamma_va[n * J + j] = s >= 1.0 ? 0.0 : 1.0 - s;
        }

    /* gross output, expenditure, revenue */
    memset(d->Y, 0, N * J * sizeof(double));
    memset(d->X, 0, N * J * sizeof(double));
    for (size_t n = 0; n < N; n++) {
        double R = 0.0, imp = 0.0;
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < J; j++) {
                size_t x = TWM_NIJ(N, J, n, i, j);
                d->Y[i * J + j] += Z[x];
                d->X[n * J + j] += Z[x] * (1.0 + tau[x]);
                R += tau[x] * Z[x];
                imp += Z[x];
            }
        d->R[n] = R;
        d->D[n] = imp; /* minus gross output below */
    }
    for (size_t n = 0; n < N; n++) {
        double y = 0.0, va = 0.0;
        for (size_t j = 0; j < J; j++) {
            y += d->Y[n * J + j];
            va += d->gamma_va[n * J + j] * d->Y[n * J + j];
        }
        if (!(y > 0.0))
            return tw_error_set(err, TW_EDATA, "region %s: zero gross output in total",
                                d->region_code[n]);
        if (!(va > 0.0))
            return tw_error_set(err, TW_EDATA, "region %s: zero value added in total",
                                d->region_code[n]);
        d->VA[n] = va;
        d->D[n] -= y;
        d->I[n] = va + d->R[n] + d->D[n];
        if (!(d->I[n] > 0.0))
            return tw_error_set(err, TW_EDATA,
                                "region %s: income VA + R + D = %.6g is not positive",
                                d->region_code[n], d->I[n]);
    }
    /* shares */
    for (size_t n = 0; n < N; n++)
        for (size_t j = 0; j < J; j++) {
            double X = d->X[n * J + j];
            for (size_t i = 0; i < N; i++) {
                size_t x = TWM_NIJ(N, J, n, i, j);
                d->pi[x] = X > 0.0 ? Z[x] * (1.0 + tau[x]) / X : (i == n ? 1.0 : 0.0);
            }
        }
    /* final-demand shares */
    for (size_t n = 0; n < N; n++)
        for (size_t j = 0; j < J; j++) {
            double inter = 0.0;
            for (size_t k = 0; k < J; k++)
                inter += g[(n * J + j) * J + k] * d->Y[n * J + k];
            double a = (d->X[n * J + j] - inter) / d->I[n];
            if (!isfinite(a))
                return tw_error_set(err, TW_ENUMERIC, "region %s, sector %s: final-demand share is not finite",
                                    d->region_code[n], d->sector_code[j]);
            if (a < -TWM_ALPHA_TOL)
                return tw_error_set(err, TW_EDATA,
                                    "region %s, sector %s: negative final-demand share alpha = %.6g "
                                    "(intermediate demand %.6g exceeds expenditure %.6g): "
                                    "inconsistent data",
                                    d->region_code[n], d->sector_code[j], a, inter,
                                    d->X[n * J + j]);
            d->alpha[n * J + j] = a < 0.0 ? 0.0 : a;
        }
    return TW_OK;
}

/* Checks shared by the loader and twm_data_from_arrays on sector facts. */
static int check_sectors(const twm_data *d, tw_error *err)
{
    int ncrit = 0;
    for (size_t j = 0; j < d->J; j++) {
        if (!(isfinite(d->theta[j]) && d->theta[j] > 0.0))
            return tw_error_set(err, TW_EDATA, "sector %s: theta = %g must be > 0",
                                d->sector_code[j], d->theta[j]);
        if (d->industrial[j] > 1 || d->critical[j] > 1)
            return tw_error_set(err, TW_EDATA, "sector %s: industrial/critical must be 0 or 1",
                                d->sector_code[j]);
        ncrit += d->critical[j];
    }
    if (ncrit > 1)
        return tw_error_set(err, TW_EDATA,
                            "%d sectors are marked critical; the critical-input nest supports "
                            "one critical (CRM) sector",
                            ncrit);
    return TW_OK;
}

static void set_crm(twm_data *d)
{
    d->crm = -1;
    for (size_t j = 0; j < d->J; j++)
        if (d->critical[j])
            d->crm = (int)j;
}

/* ------------------------------------------------------------------ */
/* Loader */

static int join_path(char *buf, size_t cap, const char *dir, const char *file, tw_error *err)
{
    int w = snprintf(buf, cap, "%s/%s", dir, file);
    if (w < 0 || (size_t)w >= cap)
        return tw_error_set(err, TW_EDATA, "%s: path too long", dir);
    return TW_OK;
}

/* Read a code,name list (regions.csv) or sectors.csv; count rows first. */
static int count_records(const char *path, long *count, tw_error *err)
{
    twm_csv_file c;
    int rc = twm_csv_open(&c, path, err);
    if (rc)
        return rc;
    long n = 0;
    int r;
    while ((r = twm_csv_next(&c, err)) > 0)
        n++;
    twm_csv_close(&c);
    if (r < 0)
        return -r;
    *count = n > 0 ? n - 1 : 0; /* minus the header */
    return TW_OK;
}

/* Opens a code list (regions.csv, sectors.csv: `what` is "region" or
 * "sector"), checks its header and that it has a row; *cnt: its rows. */
static int open_code_list(twm_csv_file *c, const char *path, const char *const *cols,
                          int ncols, const char *what, long *cnt, tw_error *err)
{
    int rc = count_records(path, cnt, err);
    if (rc || (rc = twm_csv_open(c, path, err)))
        return rc;
    if (!(rc = twm_csv_header(c, cols, ncols, err)) && *cnt == 0)
        rc = tw_error_set(err, TW_EDATA, "%s: no %ss", path, what);
    if (rc)
        twm_csv_close(c);
    return rc;
}

/* The code of the current row (column 0): not empty, not one of codes[0..n). */
static int check_new_code(const twm_csv_file *c, char *const *codes, size_t n, const char *what,
                          tw_error *err)
{
    if (c->field[0][0] == '\0')
        return tw_error_set(err, TW_EDATA, "%s:%ld: column 'code': empty code", c->path,
                            c->line);
    for (size_t k = 0; k < n; k++)
        if (strcmp(codes[k], c->field[0]) == 0)
            return tw_error_set(err, TW_EDATA, "%s:%ld: duplicate %s code '%s'", c->path,
                                c->line, what, c->field[0]);
    return TW_OK;
}

static int read_regions(twm_data *d, const char *path, tw_error *err)
{
    long cnt;
    twm_csv_file c;
    static const char *const cols[] = {"code", "name"};
    int rc = open_code_list(&c, path, cols, 2, "region", &cnt, err);
    if (rc)
        return rc;
    d->region_code = calloc((size_t)cnt, sizeof(char *));
    d->region_name = calloc((size_t)cnt, sizeof(char *));
    if (!d->region_code || !d->region_name) {
        rc = tw_error_set(err, TW_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    int r;
    while ((r = twm_csv_next(&c, err)) > 0) {
        if ((rc = twm_csv_nfields(&c, 2, err)) ||
            (rc = check_new_code(&c, d->region_code, d->N, "region", err)))
            goto done;
        d->region_code[d->N] = strdup(c.field[0]);
        d->region_name[d->N] = strdup(c.field[1]);
        d->N++;
        if (!d->region_code[d->N - 1] || !d->region_name[d->N - 1]) {
            rc = tw_error_set(err, TW_ENOMEM, "%s: out of memory", path);
            goto done;
        }
    }
    if (r < 0)
        rc = -r;
done:
    twm_csv_close(&c);
    return rc;
}

static int parse_flag(const twm_csv_file *c, int k, const char *col, uint8_t *out, tw_error *err)
{
    const char *s = c->field[k];
    if (strcmp(s, "0") == 0)
        *out = 0;
    else if (strcmp(s, "1") == 0)
        *out = 1;
    else
        return tw_error_set(err, TW_EDATA, "%s:%ld: column '%s': must be 0 or 1, got '%.32s'",
                            c->path, c->line, col, s);
    return TW_OK;
}

static int read_sectors(twm_data *d, const char *path, tw_error *err)
{
    long cnt;
    twm_csv_file c;
    static const char *const cols[] = {"code", "name", "theta", "industrial", "critical"};
    int rc = open_code_list(&c, path, cols, 5, "sector", &cnt, err);
    if (rc)
        return rc;
    size_t cap = (size_t)cnt;
    d->sector_code = calloc(cap, sizeof(char *));
    d->sector_name = calloc(cap, sizeof(char *));
    double *theta = calloc(cap, sizeof(double));
    uint8_t *ind = calloc(cap, 1), *crit = calloc(cap, 1);
    if (!d->sector_code || !d->sector_name || !theta || !ind || !crit) {
        free(theta);
        free(ind);
        free(crit);
        rc = tw_error_set(err, TW_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    int r;
    long first_crit_line = 0;
    while ((r = twm_csv_next(&c, err)) > 0) {
        size_t j = d->J;
        if ((rc = twm_csv_nfields(&c, 5, err)) ||
            (rc = check_new_code(&c, d->sector_code, j, "sector", err)))
            break;
        if ((rc = twm_csv_number(&c, 2, "theta", &theta[j], err)))
            break;
        if (!(theta[j] >= TWM_THETA_MIN && theta[j] <= TWM_THETA_MAX)) {
            rc = tw_error_set(err, TW_EDATA, "%s:%ld: column 'theta': %g is outside [%g, %g] "
                              "(published trade elasticities are 0.37 to 64.85, Caliendo-Parro "
                              "2015)", path, c.line, theta[j], TWM_THETA_MIN, TWM_THETA_MAX);
            break;
        }
        if ((rc = parse_flag(&c, 3, "industrial", &ind[j], err)) ||
            (rc = parse_flag(&c, 4, "critical", &crit[j], err)))
            break;
        if (crit[j]) {
            if (first_crit_line) {
                rc = tw_error_set(err, TW_EDATA,
                                  "%s:%ld: column 'critical': a second critical sector '%s' (the "
                                  "first is on line %ld); the critical-input nest supports one "
                                  "critical (CRM) sector",
                                  path, c.line, c.field[0], first_crit_line);
                break;
            }
            first_crit_line = c.line;
        }
        d->sector_code[j] = strdup(c.field[0]);
        d->sector_name[j] = strdup(c.field[1]);
        d->J++;
        if (!d->sector_code[j] || !d->sector_name[j]) {
            rc = tw_error_set(err, TW_ENOMEM, "%s: out of memory", path);
            break;
        }
    }
    if (!rc && r < 0)
        rc = -r;
    if (!rc && d->N > 0) {
        if (alloc_arrays(d) != TW_OK)
            rc = tw_error_set(err, TW_ENOMEM, "%s: out of memory", path);
        else {
            memcpy(d->theta, theta, d->J * sizeof(double));
            memcpy(d->industrial, ind, d->J);
            memcpy(d->critical, crit, d->J);
            set_crm(d);
        }
    }
    free(theta);
    free(ind);
    free(crit);
done:
    twm_csv_close(&c);
    return rc;
}

typedef struct lookup {
    code_ref *reg, *sec;
    size_t N, J;
} lookup;

static int lookup_init(lookup *lk, const twm_data *d)
{
    lk->N = d->N;
    lk->J = d->J;
    lk->reg = malloc(d->N * sizeof *lk->reg);
    lk->sec = malloc(d->J * sizeof *lk->sec);
    if (!lk->reg || !lk->sec) {
        free(lk->reg);
        free(lk->sec);
        return TW_ENOMEM;
    }
    for (size_t n = 0; n < d->N; n++)
        lk->reg[n] = (code_ref){d->region_code[n], n};
    for (size_t j = 0; j < d->J; j++)
        lk->sec[j] = (code_ref){d->sector_code[j], j};
    qsort(lk->reg, d->N, sizeof *lk->reg, cmp_ref);
    qsort(lk->sec, d->J, sizeof *lk->sec, cmp_ref);
    return TW_OK;
}

static void lookup_free(lookup *lk)
{
    free(lk->reg);
    free(lk->sec);
}

static int lookup_code(const twm_csv_file *c, const code_ref *refs, size_t n, int k, const char *col,
                       const char *what, int *out, tw_error *err)
{
    int x = find_code(refs, n, c->field[k]);
    if (x < 0)
        return tw_error_set(err, TW_EDATA, "%s:%ld: column '%s': unknown %s code '%.64s'", c->path,
                            c->line, col, what, c->field[k]);
    *out = x;
    return TW_OK;
}

/* A cell file: three code columns (region or sector codes, by `sector`) and
 * a value, each cell at most once. `check` rejects a value the file may not
 * hold (it gets the row, the three indices and the value); out[index] takes
 * the others, index = (a * size(b) + b) * size(c) + c. */
typedef int (*cell_check)(const twm_data *d, const twm_csv_file *c, const int idx[3], double v,
                          void *arg, tw_error *err);

static int read_cells(const twm_data *d, const lookup *lk, const char *path,
                      const char *const cols[4], const int sector[3], cell_check check,
                      void *arg, double *out, tw_error *err)
{
    size_t size[3];
    for (int k = 0; k < 3; k++)
        size[k] = sector[k] ? d->J : d->N;
    uint8_t *seen = calloc(size[0] * size[1] * size[2], 1);
    if (!seen)
        return tw_error_set(err, TW_ENOMEM, "%s: out of memory", path);
    twm_csv_file c;
    int rc = twm_csv_open(&c, path, err);
    if (rc) {
        free(seen);
        return rc;
    }
    if ((rc = twm_csv_header(&c, cols, 4, err)))
        goto done;
    int r;
    while ((r = twm_csv_next(&c, err)) > 0) {
        int idx[3] = {0, 0, 0};
        double v = 0.0;
        if ((rc = twm_csv_nfields(&c, 4, err)))
            goto done;
        for (int k = 0; k < 3; k++)
            if ((rc = lookup_code(&c, sector[k] ? lk->sec : lk->reg, size[k], k, cols[k],
                                  sector[k] ? "sector" : "region", &idx[k], err)))
                goto done;
        if ((rc = twm_csv_number(&c, 3, cols[3], &v, err)))
            goto done;
        size_t x = ((size_t)idx[0] * size[1] + (size_t)idx[1]) * size[2] + (size_t)idx[2];
        if (seen[x]) {
            const char *code[3];
            for (int k = 0; k < 3; k++)
                code[k] = sector[k] ? d->sector_code[idx[k]] : d->region_code[idx[k]];
            rc = tw_error_set(err, TW_EDATA, "%s:%ld: duplicate row for (%s, %s, %s)", path, c.line,
                              code[0], code[1], code[2]);
            goto done;
        }
        seen[x] = 1;
        if ((rc = check(d, &c, idx, v, arg, err)))
            goto done;
        out[x] = v;
    }
    if (r < 0)
        rc = -r;
done:
    twm_csv_close(&c);
    free(seen);
    return rc;
}

/* The value rules of importer,exporter,sector,<value_col> files. */
typedef struct bilateral_rule {
    const char *value_col;
    double min_value;
    int strict_positive, zero_domestic;
} bilateral_rule;

static int check_bilateral(const twm_data *d, const twm_csv_file *c, const int idx[3], double v,
                           void *arg, tw_error *err)
{
    const bilateral_rule *b = arg;
    if (b->strict_positive ? !(v > b->min_value) : !(v >= b->min_value))
        return tw_error_set(err, TW_EDATA, "%s:%ld: column '%s': value %.17g must be %s %g",
                            c->path, c->line, b->value_col, v, b->strict_positive ? ">" : ">=",
                            b->min_value);
    if (strcmp(b->value_col, "rate") == 0 && v > TWM_TARIFF_MAX)
        return tw_error_set(err, TW_EDATA, "%s:%ld: column 'rate': %.17g is outside [0, %g] "
                            "(a tariff of at most %g%%; no applied rate on record is higher)",
                            c->path, c->line, v, TWM_TARIFF_MAX, 100.0 * TWM_TARIFF_MAX);
    if (b->zero_domestic && idx[0] == idx[1] && v != 0.0)
        return tw_error_set(err, TW_EDATA,
                            "%s:%ld: column '%s': a tariff on domestic sales (importer = exporter "
                            "= %s) must be 0, got %.17g",
                            c->path, c->line, b->value_col, d->region_code[idx[0]], v);
    return TW_OK;
}

/* Generic reader for importer,exporter,sector,<value> files. */
static int read_bilateral_impl(const twm_data *d, const lookup *lk, const char *path,
                               const char *value_col, double min_value, int strict_positive,
                               int zero_domestic, double *out, tw_error *err)
{
    const char *cols[] = {"importer", "exporter", "sector", value_col};
    static const int sector[3] = {0, 0, 1};
    bilateral_rule b = {value_col, min_value, strict_positive, zero_domestic};
    return read_cells(d, lk, path, cols, sector, check_bilateral, &b, out, err);
}

/* io.csv: a share in [0, 1]; line_of records the last line of each
 * (region, sector) column for the column-sum message. */
static int check_share(const twm_data *d, const twm_csv_file *c, const int idx[3], double v,
                       void *arg, tw_error *err)
{
    long *line_of = arg;
    if (v < 0.0 || v > 1.0)
        return tw_error_set(err, TW_EDATA, "%s:%ld: column 'share': %.17g outside [0, 1]", c->path,
                            c->line, v);
    line_of[(size_t)idx[0] * d->J + (size_t)idx[2]] = c->line;
    return TW_OK;
}

static int read_io(twm_data *d, const lookup *lk, const char *path, tw_error *err)
{
    size_t N = d->N, J = d->J;
    static const char *const cols[] = {"region", "input_sector", "sector", "share"};
    static const int sector[3] = {0, 1, 1};
    long *line_of = calloc(N * J, sizeof(long)); /* last line seen per (region, sector) column */
    if (!line_of)
        return tw_error_set(err, TW_ENOMEM, "%s: out of memory", path);
    int rc = read_cells(d, lk, path, cols, sector, check_share, line_of, d->gamma_io, err);
    for (size_t n = 0; n < N && !rc; n++)
        for (size_t j = 0; j < J && !rc; j++) {
            double s = 0.0;
            for (size_t k = 0; k < J; k++)
                s += d->gamma_io[(n * J + k) * J + j];
            if (s > 1.0 + TWM_IO_SUM_TOL)
                rc = tw_error_set(err, TW_EDATA,
                                  "%s:%ld: region %s, sector %s: input shares sum to %.12g > 1 "
                                  "(the value-added share would be negative)",
                                  path, line_of[n * J + j], d->region_code[n], d->sector_code[j], s);
        }
    free(line_of);
    return rc;
}

int twm_data_load(const char *dir, twm_data **out, tw_error *err)
{
    *out = NULL;
    char path[4096];
    twm_data *d = calloc(1, sizeof *d);
    if (!d)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    d->crm = -1;
    lookup lk = {0};
    int have_lk = 0;
    int rc;
    if ((rc = join_path(path, sizeof path, dir, "regions.csv", err)) ||
        (rc = read_regions(d, path, err)))
        goto fail;
    if ((rc = join_path(path, sizeof path, dir, "sectors.csv", err)) ||
        (rc = read_sectors(d, path, err)))
        goto fail;
    if ((rc = lookup_init(&lk, d))) {
        rc = tw_error_set(err, TW_ENOMEM, "out of memory");
        goto fail;
    }
    have_lk = 1;
    if ((rc = join_path(path, sizeof path, dir, "trade.csv", err)) ||
        (rc = read_bilateral_impl(d, &lk, path, "value", 0.0, 0, 0, d->Z, err)))
        goto fail;
    if ((rc = join_path(path, sizeof path, dir, "tariffs.csv", err)) ||
        (rc = read_bilateral_impl(d, &lk, path, "rate", 0.0, 0, 1, d->tau, err)))
        goto fail;
    if ((rc = join_path(path, sizeof path, dir, "io.csv", err)) || (rc = read_io(d, &lk, path, err)))
        goto fail;
    if ((rc = check_sectors(d, err)))
        goto fail;
    if ((rc = twm_data_derive(d, err))) {
        tw_error_prefix(err, "%s: ", dir);
        goto fail;
    }
    lookup_free(&lk);
    *out = d;
    return TW_OK;
fail:
    if (have_lk)
        lookup_free(&lk);
    twm_data_free(d);
    return rc;
}

int twm_data_read_bilateral(const twm_data *d, const char *path, const char *value_col,
                            double min_value, int strict_positive, double *out, tw_error *err)
{
    lookup lk;
    if (lookup_init(&lk, d))
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    /* read into a copy so that out is unchanged on error */
    size_t NNJ = d->N * d->N * d->J;
    double *tmp = malloc(NNJ * sizeof *tmp);
    if (!tmp) {
        lookup_free(&lk);
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    }
    memcpy(tmp, out, NNJ * sizeof *tmp);
    int zero_dom = strcmp(value_col, "rate") == 0;
    int rc = read_bilateral_impl(d, &lk, path, value_col, min_value, strict_positive, zero_dom, tmp,
                                 err);
    if (rc == TW_OK)
        memcpy(out, tmp, NNJ * sizeof *tmp);
    free(tmp);
    lookup_free(&lk);
    return rc;
}

int twm_data_from_arrays(size_t N, size_t J, const double *Z, const double *tau,
                         const double *gamma_io, const double *theta, const uint8_t *industrial,
                         const uint8_t *critical, twm_data **out, tw_error *err)
{
    *out = NULL;
    if (N == 0 || J == 0 || !Z || !theta)
        return tw_error_set(err, TW_EDATA, "twm_data_from_arrays: need N, J > 0, Z and theta");
    twm_data *d = calloc(1, sizeof *d);
    if (!d)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    d->N = N;
    d->J = J;
    d->crm = -1;
    int rc = TW_OK;
    d->region_code = calloc(N, sizeof(char *));
    d->region_name = calloc(N, sizeof(char *));
    d->sector_code = calloc(J, sizeof(char *));
    d->sector_name = calloc(J, sizeof(char *));
    if (!d->region_code || !d->region_name || !d->sector_code || !d->sector_name ||
        alloc_arrays(d) != TW_OK)
        goto oom;
    for (size_t n = 0; n < N; n++) {
        char b[32];
        snprintf(b, sizeof b, "R%zu", n);
        d->region_code[n] = strdup(b);
        d->region_name[n] = strdup(b);
        if (!d->region_code[n] || !d->region_name[n])
            goto oom;
    }
    for (size_t j = 0; j < J; j++) {
        char b[32];
        snprintf(b, sizeof b, "S%zu", j);
        d->sector_code[j] = strdup(b);
        d->sector_name[j] = strdup(b);
        if (!d->sector_code[j] || !d->sector_name[j])
            goto oom;
    }
    size_t NNJ = N * N * J;
    for (size_t x = 0; x < NNJ; x++) {
        if (!(isfinite(Z[x]) && Z[x] >= 0.0)) {
            rc = tw_error_set(err, TW_EDATA, "Z[%zu] = %g must be finite and >= 0", x, Z[x]);
            goto fail;
        }
        if (tau && !(isfinite(tau[x]) && tau[x] >= 0.0)) {
            rc = tw_error_set(err, TW_EDATA, "tau[%zu] = %g must be finite and >= 0", x, tau[x]);
            goto fail;
        }
    }
    memcpy(d->Z, Z, NNJ * sizeof(double));
    if (tau)
        memcpy(d->tau, tau, NNJ * sizeof(double));
    if (gamma_io) {
        for (size_t x = 0; x < N * J * J; x++)
            if (!(gamma_io[x] >= 0.0 && gamma_io[x] <= 1.0)) {
                rc = tw_error_set(err, TW_EDATA, "gamma_io[%zu] = %g outside [0, 1]", x,
                                  gamma_io[x]);
                goto fail;
            }
        memcpy(d->gamma_io, gamma_io, N * J * J * sizeof(double));
    }
    memcpy(d->theta, theta, J * sizeof(double));
    if (industrial)
        memcpy(d->industrial, industrial, J);
    if (critical)
        memcpy(d->critical, critical, J);
    set_crm(d);
    if ((rc = check_sectors(d, err)) || (rc = twm_data_derive(d, err)))
        goto fail;
    *out = d;
    return TW_OK;
oom:
    rc = tw_error_set(err, TW_ENOMEM, "out of memory");
fail:
    twm_data_free(d);
    return rc;
}
