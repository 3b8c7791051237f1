/* Unit tests of the trade-model dataset loader (twm_data.c): every error
 * path on small bad CSV files written to a temporary folder, the CSV dialect
 * (BOM, CRLF, quotes, blank lines), and the derived baseline on a 2 x 2
 * example checked by hand. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "num_test_util.h"
#include "twm_data.h"

/* ------------------------------------------------------------------ */
/* A valid 2 x 2 dataset (regions A, B; sectors G, S), hand-checked:
 *   Z[A,A,G]=60 Z[A,A,S]=40 Z[A,B,G]=20   Z[B,A,G]=10 Z[B,B,G]=50 Z[B,B,S]=30
 *   tau[A,B,G]=0.1 tau[B,A,G]=0.2
 *   gamma_io (both regions): G->G 0.2, S->G 0.1, G->S 0.1
 * Derived: Y[A]=(70,40) Y[B]=(70,30); gamma_va G 0.7, S 0.9; VA A 85, B 76;
 *   X[A]=(82,40) X[B]=(62,30); R A 2, B 2; D A 10, B -10; I A 97, B 68;
 *   alpha[A]=(64/97, 33/97), alpha[B]=(45/68, 23/68). */

static const char *base_regions = "code,name\nA,Region A\nB,Region B\n";
static const char *base_sectors = "code,name,theta,industrial,critical\n"
                                  "G,Goods,4,1,0\nS,Services,8,0,0\n";
static const char *base_trade = "importer,exporter,sector,value\n"
                                "A,A,G,60\nA,A,S,40\nA,B,G,20\n"
                                "B,A,G,10\nB,B,G,50\nB,B,S,30\n";
static const char *base_tariffs = "importer,exporter,sector,rate\nA,B,G,0.1\nB,A,G,0.2\n";
static const char *base_io = "region,input_sector,sector,share\n"
                             "A,G,G,0.2\nA,S,G,0.1\nA,G,S,0.1\n"
                             "B,G,G,0.2\nB,S,G,0.1\nB,G,S,0.1\n";

typedef struct tmpdir {
    char path[256];
} tmpdir;

static void write_file(const char *dir, const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void remove_dir(const char *dir)
{
    static const char *names[] = {"regions.csv", "sectors.csv", "trade.csv", "tariffs.csv",
                                  "io.csv", "cf.csv"};
    char p[512];
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[k]);
        unlink(p);
    }
    rmdir(dir);
}

/* Write the base dataset with one file replaced (name == NULL: none; text
 * == NULL: the file is left out). */
static void make_dataset(tmpdir *t, const char *name, const char *text)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(t->path, sizeof t->path, "%s/twm_data_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(t->path));
    const char *names[] = {"regions.csv", "sectors.csv", "trade.csv", "tariffs.csv", "io.csv"};
    const char *texts[] = {base_regions, base_sectors, base_trade, base_tariffs, base_io};
    for (int k = 0; k < 5; k++) {
        const char *x = texts[k];
        if (name && strcmp(name, names[k]) == 0)
            x = text;
        if (x)
            write_file(t->path, names[k], x);
    }
}

/* Expect loading to fail with TW_EDATA and a message containing every
 * given fragment. */
static void expect_error(const char *file, const char *text, const char *frag1, const char *frag2)
{
    tmpdir t;
    make_dataset(&t, file, text);
    twm_data *d = (twm_data *)1;
    tw_error err = {0};
    int rc = twm_data_load(t.path, &d, &err);
    if (rc != TW_EDATA || !strstr(err.msg, frag1) || (frag2 && !strstr(err.msg, frag2)))
        print_error("file %s: rc %d, message '%s', expected '%s' and '%s'\n", file, rc, err.msg,
                    frag1, frag2 ? frag2 : "");
    assert_int_equal(rc, TW_EDATA);
    assert_null(d);
    assert_non_null(strstr(err.msg, frag1));
    if (frag2)
        assert_non_null(strstr(err.msg, frag2));
    remove_dir(t.path);
}

/* ------------------------------------------------------------------ */

static void check_base_derived(const twm_data *d)
{
    const double tol = 1e-13;
    assert_int_equal(d->N, 2);
    assert_int_equal(d->J, 2);
    assert_int_equal(d->crm, -1);
    assert_string_equal(d->region_code[1], "B");
    assert_string_equal(d->sector_name[0], "Goods");
    assert_close(d->theta[1], 8.0, 0.0);
    assert_int_equal(d->industrial[0], 1);
    assert_close(d->Z[TWM_NIJ(2, 2, 0, 1, 0)], 20.0, 0.0);
    assert_close(d->tau[TWM_NIJ(2, 2, 1, 0, 0)], 0.2, 0.0);
    assert_close(d->gamma_io[(0 * 2 + 1) * 2 + 0], 0.1, 0.0); /* A: S into G */
    assert_close(d->gamma_va[0], 0.7, tol);
    assert_close(d->gamma_va[1], 0.9, tol);
    double Y[4] = {70, 40, 70, 30}, X[4] = {82, 40, 62, 30};
    for (int x = 0; x < 4; x++) {
        assert_close(d->Y[x], Y[x], tol);
        assert_close(d->X[x], X[x], tol);
    }
    assert_close(d->VA[0], 85.0, tol);
    assert_close(d->VA[1], 76.0, tol);
    assert_close(d->R[0], 2.0, tol);
    assert_close(d->R[1], 2.0, tol);
    assert_close(d->D[0], 10.0, tol);
    assert_close(d->D[1], -10.0, tol);
    assert_close(d->I[0], 97.0, tol);
    assert_close(d->I[1], 68.0, tol);
    assert_close(d->pi[TWM_NIJ(2, 2, 0, 0, 0)], 60.0 / 82.0, tol);
    assert_close(d->pi[TWM_NIJ(2, 2, 0, 1, 0)], 22.0 / 82.0, tol);
    assert_close(d->pi[TWM_NIJ(2, 2, 0, 0, 1)], 1.0, tol);
    assert_close(d->pi[TWM_NIJ(2, 2, 1, 0, 0)], 12.0 / 62.0, tol);
    assert_close(d->pi[TWM_NIJ(2, 2, 1, 0, 1)], 0.0, tol);
    assert_close(d->alpha[0], 64.0 / 97.0, tol);
    assert_close(d->alpha[1], 33.0 / 97.0, tol);
    assert_close(d->alpha[2], 45.0 / 68.0, tol);
    assert_close(d->alpha[3], 23.0 / 68.0, tol);
    assert_close(d->D[0] + d->D[1], 0.0, tol);
}

static void test_load_valid_2x2(void **state)
{
    (void)state;
    tmpdir t;
    make_dataset(&t, NULL, NULL);
    twm_data *d = NULL;
    tw_error err = {0};
    int rc = twm_data_load(t.path, &d, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, TW_OK);
    check_base_derived(d);
    assert_int_equal(twm_region_index(d, "B"), 1);
    assert_int_equal(twm_region_index(d, "C"), -1);
    assert_int_equal(twm_sector_index(d, "S"), 1);
    assert_int_equal(twm_sector_index(d, "X"), -1);
    /* derive again: same numbers */
    assert_int_equal(twm_data_derive(d, &err), TW_OK);
    check_base_derived(d);
    twm_data_free(d);
    twm_data_free(NULL);
    remove_dir(t.path);
}

/* BOM, CRLF, quoted fields with commas and doubled quotes, spaces around
 * unquoted fields, blank lines, no final newline: same dataset. */
static void test_csv_dialect(void **state)
{
    (void)state;
    tmpdir t;
    make_dataset(&t, "regions.csv",
                 "\xEF\xBB\xBF" "code,name\r\nA,\"Region A, the first\"\r\n\r\n"
                 "\"B\",\"Region \"\"B\"\"\"\r\n");
    write_file(t.path, "trade.csv",
               "importer,exporter,sector,value\n A , A ,G, 60 \nA,A,S,40\n\nA,B,G,2e1\n"
               "B,A,G,10\nB,B,G,50.0\nB,B,S,30");
    twm_data *d = NULL;
    tw_error err = {0};
    int rc = twm_data_load(t.path, &d, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, TW_OK);
    assert_string_equal(d->region_name[0], "Region A, the first");
    assert_string_equal(d->region_name[1], "Region \"B\"");
    check_base_derived(d);
    twm_data_free(d);
    remove_dir(t.path);
}

static void test_error_missing_file(void **state)
{
    (void)state;
    expect_error("io.csv", NULL, "io.csv", "cannot open");
    expect_error("regions.csv", NULL, "regions.csv", "cannot open");
}

static void test_error_header(void **state)
{
    (void)state;
    expect_error("regions.csv", "code,label\nA,x\nB,y\n", "regions.csv:1: wrong header", "code,name");
    expect_error("trade.csv", "importer,exporter,value\nA,A,1\n", "trade.csv:1: wrong header",
                 NULL);
    expect_error("sectors.csv", "", "sectors.csv: empty file", NULL);
    expect_error("tariffs.csv", "importer,exporter,sector,value\n", "tariffs.csv:1: wrong header",
                 "rate");
}

static void test_error_fields(void **state)
{
    (void)state;
    expect_error("trade.csv", "importer,exporter,sector,value\nA,A,G,60\nA,A,S,40,7\n",
                 "trade.csv:3: expected 4 fields, got 5", NULL);
    expect_error("regions.csv", "code,name\nA\nB,b\n", "regions.csv:2: expected 2 fields, got 1",
                 NULL);
}

static void test_error_codes(void **state)
{
    (void)state;
    expect_error("trade.csv", "importer,exporter,sector,value\nA,C,G,1\n",
                 "trade.csv:2: column 'exporter': unknown region code 'C'", NULL);
    expect_error("io.csv", "region,input_sector,sector,share\nA,X,G,0.1\n",
                 "io.csv:2: column 'input_sector': unknown sector code 'X'", NULL);
    expect_error("regions.csv", "code,name\nA,a\nB,b\nA,again\n",
                 "regions.csv:4: duplicate region code 'A'", NULL);
    expect_error("sectors.csv", "code,name,theta,industrial,critical\nG,g,4,1,0\nG,h,4,0,0\n",
                 "sectors.csv:3: duplicate sector code 'G'", NULL);
    expect_error("regions.csv", "code,name\nA,a\n,b\n", "regions.csv:3", "empty code");
    expect_error("sectors.csv", "code,name,theta,industrial,critical\nG,g,4,1,0\n,h,4,0,0\n",
                 "sectors.csv:3: column 'code': empty code", NULL);
    /* the code lists share one opening: a header and at least one row */
    expect_error("regions.csv", "code,name\n", "regions.csv: no regions", NULL);
    expect_error("sectors.csv", "code,name,theta,industrial,critical\n", "sectors.csv: no sectors",
                 NULL);
    expect_error("sectors.csv", "code,name,theta\nG,g,4\n", "sectors.csv:1: wrong header", NULL);
}

static void test_error_duplicate_rows(void **state)
{
    (void)state;
    expect_error("trade.csv", "importer,exporter,sector,value\nA,A,G,60\nB,B,S,1\nA,A,G,61\n",
                 "trade.csv:4: duplicate row for (A, A, G)", NULL);
    expect_error("tariffs.csv", "importer,exporter,sector,rate\nA,B,G,0.1\nA,B,G,0.1\n",
                 "tariffs.csv:3: duplicate row", NULL);
    expect_error("tariffs.csv", "importer,exporter,sector,rate\nA,B,G,0.1\nA,B,S,1e300\n",
                 "tariffs.csv:3: column 'rate': 1.0000000000000001e+300 is outside [0, 10]",
                 "1000%");
    expect_error("io.csv", "region,input_sector,sector,share\nA,G,G,0.2\nA,G,G,0.2\n",
                 "io.csv:3: duplicate row for (A, G, G)", NULL);
}

static void test_error_numbers(void **state)
{
    (void)state;
    expect_error("trade.csv", "importer,exporter,sector,value\nA,A,G,sixty\n",
                 "trade.csv:2: column 'value': not a number: 'sixty'", NULL);
    expect_error("trade.csv", "importer,exporter,sector,value\nA,A,G,60x\n",
                 "trade.csv:2: column 'value': not a number", NULL);
    expect_error("trade.csv", "importer,exporter,sector,value\nA,A,G,nan\n",
                 "trade.csv:2: column 'value': value is not finite", NULL);
    expect_error("tariffs.csv", "importer,exporter,sector,rate\nA,B,G,inf\n",
                 "tariffs.csv:2: column 'rate': value is not finite", NULL);
    expect_error("trade.csv", "importer,exporter,sector,value\nA,A,G,1e999\n", "trade.csv:2",
                 NULL);
    expect_error("trade.csv", "importer,exporter,sector,value\nA,A,G,\n",
                 "trade.csv:2: column 'value': empty value", NULL);
    expect_error("trade.csv", "importer,exporter,sector,value\nA,A,G,-1\n",
                 "trade.csv:2: column 'value': value -1 must be >= 0", NULL);
    expect_error("tariffs.csv", "importer,exporter,sector,rate\nA,B,G,-0.1\n",
                 "tariffs.csv:2: column 'rate'", "must be >= 0");
    expect_error("tariffs.csv", "importer,exporter,sector,rate\nA,A,G,0.1\n",
                 "tariffs.csv:2", "domestic sales");
}

static void test_error_shares(void **state)
{
    (void)state;
    expect_error("io.csv", "region,input_sector,sector,share\nA,G,G,1.5\n",
                 "io.csv:2: column 'share'", "outside [0, 1]");
    expect_error("io.csv", "region,input_sector,sector,share\nA,G,G,-0.01\n", "io.csv:2",
                 "outside [0, 1]");
    expect_error("io.csv", "region,input_sector,sector,share\nA,G,S,0.6\nB,G,G,0.2\nA,S,S,0.5\n",
                 "io.csv:4: region A, sector S: input shares sum to 1.1", "negative");
}

static void test_error_sectors(void **state)
{
    (void)state;
    expect_error("sectors.csv", "code,name,theta,industrial,critical\nG,g,0,1,0\nS,s,8,0,0\n",
                 "sectors.csv:2: column 'theta': 0 is outside [0.1, 100]", NULL);
    /* issue 14: values far outside any published estimate failed mid-run */
    expect_error("sectors.csv", "code,name,theta,industrial,critical\nG,g,4,1,0\nS,s,1e-300,0,0\n",
                 "sectors.csv:3: column 'theta': 1e-300 is outside [0.1, 100]", "0.37 to 64.85");
    expect_error("sectors.csv", "code,name,theta,industrial,critical\nG,g,1e15,1,0\nS,s,8,0,0\n",
                 "sectors.csv:2: column 'theta': 1e+15 is outside [0.1, 100]", NULL);
    expect_error("sectors.csv", "code,name,theta,industrial,critical\nG,g,-2,1,0\nS,s,8,0,0\n",
                 "sectors.csv:2: column 'theta'", NULL);
    expect_error("sectors.csv", "code,name,theta,industrial,critical\nG,g,4,2,0\nS,s,8,0,0\n",
                 "sectors.csv:2: column 'industrial': must be 0 or 1", NULL);
    expect_error("sectors.csv", "code,name,theta,industrial,critical\nG,g,4,1,yes\nS,s,8,0,0\n",
                 "sectors.csv:2: column 'critical': must be 0 or 1", NULL);
    expect_error("sectors.csv", "code,name,theta,industrial,critical\nG,g,4,1,1\nS,s,8,0,1\n",
                 "sectors.csv:3: column 'critical': a second critical sector 'S'",
                 "supports one critical");
}

static void test_error_quotes(void **state)
{
    (void)state;
    expect_error("regions.csv", "code,name\nA,\"Region A\nB,b\n", "regions.csv:2",
                 "unterminated quoted field");
    expect_error("regions.csv", "code,name\nA,\"Region\" A\nB,b\n", "regions.csv:2",
                 "after closing quote");
    expect_error("regions.csv", "code,name\nA,Reg\"ion\nB,b\n", "regions.csv:2",
                 "quote inside an unquoted field");
}

static void test_error_economics(void **state)
{
    (void)state;
    /* B exports nothing: zero gross output */
    expect_error("trade.csv", "importer,exporter,sector,value\nA,A,G,60\nA,A,S,40\nB,A,G,10\n",
                 "region B: zero gross output", NULL);
    /* intermediate demand for S in A (0.6 * 70 = 42) exceeds expenditure 40 */
    expect_error("io.csv",
                 "region,input_sector,sector,share\nA,G,G,0.2\nA,S,G,0.6\nA,G,S,0.1\n"
                 "B,G,G,0.2\nB,S,G,0.1\nB,G,S,0.1\n",
                 "region A, sector S: negative final-demand share", NULL);
    /* every input share column of B sums to 1: no value added in B */
    expect_error("io.csv",
                 "region,input_sector,sector,share\nA,G,G,0.2\nA,S,G,0.1\nA,G,S,0.1\n"
                 "B,G,G,0.5\nB,S,G,0.5\nB,G,S,1\n",
                 "region B: zero value added", NULL);
    /* A exports 100 and imports 2: income VA + R + D < 0 */
    expect_error("trade.csv",
                 "importer,exporter,sector,value\nA,A,G,1\nA,A,S,1\nB,A,G,100\nB,B,G,10\n"
                 "B,B,S,10\n",
                 "region A: income VA + R + D", "is not positive");
}

/* A sector with zero expenditure in one region is accepted (pi[n,n,j] = 1
 * by convention, alpha = 0). */
static void test_zero_expenditure(void **state)
{
    (void)state;
    tmpdir t;
    make_dataset(&t, "trade.csv",
                 "importer,exporter,sector,value\nA,A,G,60\nA,A,S,40\nA,B,G,20\n"
                 "B,A,G,10\nB,B,G,50\n");
    write_file(t.path, "io.csv",
               "region,input_sector,sector,share\nA,G,G,0.2\nA,S,G,0.1\nA,G,S,0.1\nB,G,G,0.2\n");
    twm_data *d = NULL;
    tw_error err = {0};
    int rc = twm_data_load(t.path, &d, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, TW_OK);
    assert_close(d->X[1 * 2 + 1], 0.0, 0.0);
    assert_close(d->pi[TWM_NIJ(2, 2, 1, 1, 1)], 1.0, 0.0);
    assert_close(d->pi[TWM_NIJ(2, 2, 1, 0, 1)], 0.0, 0.0);
    assert_close(d->alpha[1 * 2 + 1], 0.0, 0.0);
    assert_close(d->D[0] + d->D[1], 0.0, 1e-12);
    twm_data_free(d);
    remove_dir(t.path);
}

static void test_read_bilateral(void **state)
{
    (void)state;
    tmpdir t;
    make_dataset(&t, NULL, NULL);
    twm_data *d = NULL;
    tw_error err = {0};
    assert_int_equal(twm_data_load(t.path, &d, &err), TW_OK);
    double v[8];
    char p[512];
    snprintf(p, sizeof p, "%s/cf.csv", t.path);
    for (int x = 0; x < 8; x++)
        v[x] = 7.0;
    write_file(t.path, "cf.csv", "importer,exporter,sector,dhat\nA,B,G,1.5\nB,B,S,0.5\n");
    assert_int_equal(twm_data_read_bilateral(d, p, "dhat", 0.0, 1, v, &err), TW_OK);
    assert_close(v[TWM_NIJ(2, 2, 0, 1, 0)], 1.5, 0.0);
    assert_close(v[TWM_NIJ(2, 2, 1, 1, 1)], 0.5, 0.0);
    assert_close(v[TWM_NIJ(2, 2, 0, 0, 0)], 7.0, 0.0); /* unlisted rows keep their value */

    write_file(t.path, "cf.csv", "importer,exporter,sector,dhat\nA,B,G,0\n");
    assert_int_equal(twm_data_read_bilateral(d, p, "dhat", 0.0, 1, v, &err), TW_EDATA);
    assert_non_null(strstr(err.msg, "cf.csv:2: column 'dhat': value 0 must be > 0"));
    write_file(t.path, "cf.csv", "importer,exporter,sector,rate\nA,B,Q,0.3\n");
    assert_int_equal(twm_data_read_bilateral(d, p, "rate", 0.0, 0, v, &err), TW_EDATA);
    assert_non_null(strstr(err.msg, "cf.csv:2: column 'sector': unknown sector code 'Q'"));
    write_file(t.path, "cf.csv", "importer,exporter,sector,rate\nA,B,G,0.3\nA,B,G,0.4\n");
    assert_int_equal(twm_data_read_bilateral(d, p, "rate", 0.0, 0, v, &err), TW_EDATA);
    assert_non_null(strstr(err.msg, "cf.csv:3: duplicate row"));
    assert_close(v[TWM_NIJ(2, 2, 0, 1, 0)], 1.5, 0.0); /* unchanged on error */
    write_file(t.path, "cf.csv", "importer,exporter,sector,dhat\nA,B,G,1\n");
    assert_int_equal(twm_data_read_bilateral(d, p, "rate", 0.0, 0, v, &err), TW_EDATA);
    assert_non_null(strstr(err.msg, "wrong header"));
    twm_data_free(d);
    remove_dir(t.path);
}

static void test_from_arrays(void **state)
{
    (void)state;
    /* the 2 x 2 example as arrays */
    double Z[8] = {0}, tau[8] = {0}, g[8] = {0};
    Z[TWM_NIJ(2, 2, 0, 0, 0)] = 60;
    Z[TWM_NIJ(2, 2, 0, 0, 1)] = 40;
    Z[TWM_NIJ(2, 2, 0, 1, 0)] = 20;
    Z[TWM_NIJ(2, 2, 1, 0, 0)] = 10;
    Z[TWM_NIJ(2, 2, 1, 1, 0)] = 50;
    Z[TWM_NIJ(2, 2, 1, 1, 1)] = 30;
    tau[TWM_NIJ(2, 2, 0, 1, 0)] = 0.1;
    tau[TWM_NIJ(2, 2, 1, 0, 0)] = 0.2;
    for (int n = 0; n < 2; n++) {
        g[(n * 2 + 0) * 2 + 0] = 0.2;
        g[(n * 2 + 1) * 2 + 0] = 0.1;
        g[(n * 2 + 0) * 2 + 1] = 0.1;
    }
    double theta[2] = {4, 8};
    uint8_t ind[2] = {1, 0}, crit[2] = {0, 0};
    twm_data *d = NULL;
    tw_error err = {0};
    assert_int_equal(twm_data_from_arrays(2, 2, Z, tau, g, theta, ind, crit, &d, &err), TW_OK);
    assert_string_equal(d->region_code[0], "R0");
    assert_string_equal(d->sector_code[1], "S1");
    assert_close(d->I[0], 97.0, 1e-13);
    assert_close(d->alpha[3], 23.0 / 68.0, 1e-13);
    assert_close(d->D[0] + d->D[1], 0.0, 1e-13);
    twm_data_free(d);

    crit[0] = crit[1] = 1;
    assert_int_equal(twm_data_from_arrays(2, 2, Z, tau, g, theta, ind, crit, &d, &err), TW_EDATA);
    assert_non_null(strstr(err.msg, "one critical"));
    crit[1] = 0;
    theta[1] = 0.0;
    assert_int_equal(twm_data_from_arrays(2, 2, Z, tau, g, theta, ind, crit, &d, &err), TW_EDATA);
    theta[1] = 8.0;
    Z[0] = -1.0;
    assert_int_equal(twm_data_from_arrays(2, 2, Z, tau, g, theta, ind, crit, &d, &err), TW_EDATA);
    assert_null(d);
}

/* The shipped test datasets load, deficits add up to zero. */
static void test_shipped_datasets(void **state)
{
    (void)state;
    const char *sets[] = {TW_TEST_DATA_DIR "/acr5", TW_TEST_DATA_DIR "/small4"};
    for (int s = 0; s < 2; s++) {
        twm_data *d = NULL;
        tw_error err = {0};
        int rc = twm_data_load(sets[s], &d, &err);
        if (rc)
            print_error("%s\n", err.msg);
        assert_int_equal(rc, TW_OK);
        double sum = 0.0, scale = 0.0, asum;
        for (size_t n = 0; n < d->N; n++) {
            sum += d->D[n];
            scale += d->VA[n];
            asum = 0.0;
            for (size_t j = 0; j < d->J; j++) {
                assert_true(d->alpha[n * d->J + j] >= 0.0);
                asum += d->alpha[n * d->J + j];
            }
            assert_close(asum, 1.0, 1e-12);
        }
        assert_true(fabs(sum) < 1e-13 * scale);
        if (s == 0) {
            assert_int_equal(d->N, 5);
            assert_close(d->D[0], 760.0, 1e-9);
            assert_close(d->gamma_va[0], 0.6, 1e-15);
        } else {
            assert_int_equal(d->crm, 3);
            assert_string_equal(d->sector_name[1], "Manufacturing, incl. electronics");
        }
        twm_data_free(d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_valid_2x2),
        cmocka_unit_test(test_csv_dialect),
        cmocka_unit_test(test_error_missing_file),
        cmocka_unit_test(test_error_header),
        cmocka_unit_test(test_error_fields),
        cmocka_unit_test(test_error_codes),
        cmocka_unit_test(test_error_duplicate_rows),
        cmocka_unit_test(test_error_numbers),
        cmocka_unit_test(test_error_shares),
        cmocka_unit_test(test_error_sectors),
        cmocka_unit_test(test_error_quotes),
        cmocka_unit_test(test_error_economics),
        cmocka_unit_test(test_zero_expenditure),
        cmocka_unit_test(test_read_bilateral),
        cmocka_unit_test(test_from_arrays),
        cmocka_unit_test(test_shipped_datasets),
    };
    return cmocka_run_group_tests_name("twm_data", tests, NULL, NULL);
}
