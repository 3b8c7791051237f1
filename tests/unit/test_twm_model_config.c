/* The tradewar model's config sections through the engine interface
 * (create()): accepted configs, the exact config errors, the deficits
 * closure, missing counterfactual files and non-convergence flags. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "keys_test_util.h"
#include "tradewar/config.h"
#include "tradewar/model.h"
#include "tradewar/yaml.h"
#include "twm_config.h"
#include "twm_testworld.h"


extern const tw_model_type tw_model_tradewar;

static long g_max_iter = 5000;

static int create_from(const char *yaml, tw_error *err, void **state)
{
    tw_yaml *doc = NULL;
    int rc = tw_yaml_load_string("test.yaml", yaml, strlen(yaml), &doc, err);
    if (rc)
        return rc;
    tw_model_ctx ctx = {doc, tw_yaml_root(doc), TW_WORLD_DIR, TW_WORLD_DIR, 1e-10, g_max_iter};
    rc = tw_model_tradewar.create(&ctx, state, err);
    tw_yaml_free(doc);
    return rc;
}

static void expect_config_error(const char *yaml, const char *needle)
{
    tw_error err;
    void *state = NULL;
    memset(&err, 0, sizeof err);
    int rc = create_from(yaml, &err, &state);
    if (rc != TW_ECONFIG || !strstr(err.msg, needle))
        fprintf(stderr, "rc=%d msg=%s (wanted '%s')\n", rc, err.msg, needle);
    assert_int_equal(rc, TW_ECONFIG);
    assert_non_null(strstr(err.msg, needle));
    assert_non_null(strstr(err.msg, "test.yaml:"));
    assert_null(state);
}

static void test_config_ok(void **st)
{
    (void)st;
    tw_error err;
    void *state = NULL;
    const char *y = "model: tradewar\n"
                    "regions: {us: USA, cn: CHN, partners: [VNM, MEX, EUR]}\n"
                    "partners:\n"
                    "  VNM: {compliance: {dist: beta, a: 2, b: 3}, reciprocal: 0.46}\n"
                    "  MEX: {extra_duty: 0.25, fdi_weight: 0.3}\n"
                    "mechanisms: {reroute: true, deal: false}\n"
                    "sectors: {untariffed: [AGR], us_duty_share: {CRM: 0.5}}\n"
                    "counterfactual: {tariffs: cf_tariffs.csv}\n";
    int rc = create_from(y, &err, &state);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, TW_OK);
    const tw_model_schema *s = tw_model_tradewar.schema(state);
    assert_int_equal(tw_params_count(s->params), TWM_P_COUNT + 3);
    assert_int_equal(tw_params_find(s->params, "compliance_VNM"), TWM_P_COUNT);
    assert_int_equal(tw_params_find(s->params, "compliance_EUR"), TWM_P_COUNT + 2);
    assert_int_equal(tw_params_find(s->params, "compliance_ROW"), -1);
    assert_int_equal(tw_params_get(s->params, TWM_P_COUNT)->dist.kind, TW_DIST_BETA);
    assert_int_equal(s->n_dims, 3);
    assert_int_equal(s->dims[2].size, 3);
    assert_string_equal(s->dims[2].labels[1], "MEX");
    assert_int_equal(s->n_outcomes, TWM_O_COUNT);
    /* evaluate at the medians */
    double x[TWM_P_COUNT + 3];
    tw_params_medians(s->params, x);
    void *ws = tw_model_tradewar.workspace_alloc(state);
    assert_non_null(ws);
    double *row = calloc(tw_outcome_row_size(s), sizeof(double));
    tw_eval_status es;
    assert_int_equal(tw_model_tradewar.evaluate(state, ws, x, row, &es, NULL), TW_OK);
    assert_int_equal(es.converged, 1);
    /* China's exports to the US fall a lot under the central war scenario */
    size_t off = 0;
    for (size_t k = 0; k < TWM_O_CN_US; k++)
        off += tw_outcome_size(s, k);
    assert_true(row[off] < -20.0);
    free(row);
    tw_model_tradewar.workspace_free(ws);
    tw_model_tradewar.destroy(state);
}

/* deficits: balanced rebases the data on the zero-deficit equilibrium:
 * every baseline deficit is 0, world value added is unchanged (the
 * numeraire), and samples solve against it; fixed and world_share are the
 * same closure. */
static const double *baseline_array(const tw_model_schema *s, const char *name)
{
    for (size_t k = 0; k < s->n_baseline; k++)
        if (strcmp(s->baseline[k].name, name) == 0)
            return s->baseline[k].data;
    return NULL;
}

static void test_deficits_closure(void **st)
{
    (void)st;
    tw_error err;
    void *sf = NULL, *sw = NULL, *sb = NULL;
    assert_int_equal(create_from("model: tradewar\ndeficits: fixed\n", &err, &sf), TW_OK);
    assert_int_equal(create_from("model: tradewar\ndeficits: world_share\n", &err, &sw), TW_OK);
    int rc = create_from("model: tradewar\ndeficits: balanced\n", &err, &sb);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, TW_OK);
    const tw_model_schema *f = tw_model_tradewar.schema(sf), *w = tw_model_tradewar.schema(sw),
                          *b = tw_model_tradewar.schema(sb);
    const double *df = baseline_array(f, "deficit"), *dw = baseline_array(w, "deficit"),
                 *db = baseline_array(b, "deficit");
    const double *vf = baseline_array(f, "value_added"), *vb = baseline_array(b, "value_added");
    assert_non_null(df);
    assert_non_null(db);
    double maxd = 0.0, vaf = 0.0, vab = 0.0;
    for (size_t n = 0; n < f->dims[0].size; n++) {
        assert_double_equal(dw[n], df[n], 0.0);
        maxd = fmax(maxd, fabs(df[n]));
        assert_double_equal(db[n], 0.0, 1e-8 * vf[n]);
        vaf += vf[n];
        vab += vb[n];
    }
    assert_true(maxd > 1e-3); /* the test world has deficits to remove */
    assert_double_equal(vab, vaf, 1e-9 * vaf);
    /* a sample at the medians converges against the balanced baseline */
    double x[TWM_P_COUNT + 4];
    tw_params_medians(b->params, x);
    void *ws = tw_model_tradewar.workspace_alloc(sb);
    double *row = calloc(tw_outcome_row_size(b), sizeof(double));
    tw_eval_status es;
    assert_int_equal(tw_model_tradewar.evaluate(sb, ws, x, row, &es, &err), TW_OK);
    assert_int_equal(es.converged, 1);
    free(row);
    tw_model_tradewar.workspace_free(ws);
    tw_model_tradewar.destroy(sf);
    tw_model_tradewar.destroy(sw);
    tw_model_tradewar.destroy(sb);
    expect_config_error("model: tradewar\ndeficits: floating\n",
                        "key 'deficits': unknown value 'floating' (valid: fixed, world_share, "
                        "balanced)");
}

/* deficit_change and deficit_absorber (docs/MODEL_NOTES.md "Closure"): the
 * listed changes are kept, minus their sum goes to the absorber (a named
 * region, or the unlisted regions by value added), the world sum is zero;
 * bad input names file:line and key. */
static void read_cfg(const char *yaml, twm_data **d, twm_config *cfg)
{
    tw_error err = {0};
    tw_yaml *doc = NULL;
    assert_int_equal(tw_yaml_load_string("test.yaml", yaml, strlen(yaml), &doc, &err), 0);
    assert_int_equal(twm_data_load(TW_WORLD_DIR, d, &err), 0);
    tw_model_ctx ctx = {doc, tw_yaml_root(doc), TW_WORLD_DIR, TW_WORLD_DIR, 1e-10, g_max_iter};
    int rc = twm_config_read(&ctx, *d, cfg, &err);
    if (rc)
        fail_msg("%s", err.msg);
    tw_yaml_free(doc);
}

static void test_deficit_change_config(void **st)
{
    (void)st;
    twm_data *d = NULL;
    twm_config cfg;
    read_cfg("model: tradewar\n", &d, &cfg);
    assert_null(cfg.spec.deficit_change);
    twm_config_free(&cfg);
    twm_data_free(d);

    read_cfg("model: tradewar\ndeficit_change: {CHN: -30, USA: 5}\n", &d, &cfg);
    const double *dD = cfg.spec.deficit_change;
    const int cn = twm_region_index(d, "CHN"), us = twm_region_index(d, "USA");
    assert_non_null(dD);
    double va_rest = 0.0, sum = 0.0;
    for (size_t n = 0; n < d->N; n++)
        if ((int)n != cn && (int)n != us)
            va_rest += d->VA[n];
    assert_double_equal(dD[cn], -30.0, 0.0);
    assert_double_equal(dD[us], 5.0, 0.0);
    for (size_t n = 0; n < d->N; n++) {
        sum += dD[n];
        if ((int)n != cn && (int)n != us) /* world_share: 25 by value added */
            assert_double_equal(dD[n], 25.0 * d->VA[n] / va_rest, 1e-12);
    }
    assert_double_equal(sum, 0.0, 1e-12);
    twm_config_free(&cfg);
    twm_data_free(d);

    read_cfg("model: tradewar\ndeficit_absorber: ROW\ndeficit_change: {CHN: -30, USA: 5}\n",
             &d, &cfg);
    dD = cfg.spec.deficit_change;
    for (size_t n = 0; n < d->N; n++)
        assert_double_equal(dD[n], (int)n == cn ? -30.0 : (int)n == us ? 5.0 : n == (size_t)
                            twm_region_index(d, "ROW") ? 25.0 : 0.0, 0.0);
    twm_config_free(&cfg);
    twm_data_free(d);

    /* every region listed: nothing absorbs, the changes must sum to zero */
    read_cfg("model: tradewar\ndeficit_change: {USA: 1, CHN: -4, VNM: 1, MEX: 1, EUR: 0.5, "
             "ROW: 0.5}\n", &d, &cfg);
    twm_config_free(&cfg);
    twm_data_free(d);
    expect_config_error("model: tradewar\ndeficit_change: {USA: 1, CHN: -4, VNM: 1, MEX: 1, "
                        "EUR: 0.5, ROW: 1.5}\n",
                        "test.yaml:2: key 'deficit_change': every region is listed, so none "
                        "absorbs: the changes must sum to zero");
    expect_config_error("model: tradewar\ndeficit_change: {CHN: -30, XYZ: 30}\n",
                        "test.yaml:2: key 'deficit_change.XYZ': unknown region code 'XYZ'");
    expect_config_error("model: tradewar\ndeficit_change:\n  CHN: .nan\n",
                        "test.yaml:3: key 'deficit_change.CHN': expected a finite number");
    expect_config_error("model: tradewar\ndeficit_change: {CHN: -.inf}\n",
                        "key 'deficit_change.CHN': expected a finite number");
    expect_config_error("model: tradewar\ndeficit_change: {CHN: lots}\n",
                        "deficit_change.CHN");
    expect_config_error("model: tradewar\ndeficit_change: [CHN, -30]\n", "deficit_change");
    expect_config_error("model: tradewar\ndeficit_absorber: ROW\ndeficit_change: {ROW: 3}\n",
                        "test.yaml:3: key 'deficit_change.ROW': 'ROW' is the deficit_absorber");
    expect_config_error("model: tradewar\ndeficit_absorber: Mars\n",
                        "test.yaml:2: key 'deficit_absorber': unknown region code 'Mars'");
}

static void test_config_errors(void **st)
{
    (void)st;
    expect_config_error("model: tradewar\npartners:\n  XXX: {reciprocal: 0.3}\n",
                        "unknown region code 'XXX'");
    expect_config_error("model: tradewar\nregions: {partners: [VNM]}\npartners:\n"
                        "  MEX: {reciprocal: 0.3}\n",
                        "not a partner region 'MEX'");
    expect_config_error("model: tradewar\nmechanisms: {reroute: true, teleport: false}\n",
                        "teleport");
    expect_config_error("model: tradewar\nmechanisms: {reroute: maybe}\n", "mechanisms.reroute");
    expect_config_error("model: tradewar\npartners:\n  VNM: {compliance: {dist: beta, a: -1, b: 2}}\n",
                        "partners.VNM.compliance");
    expect_config_error("model: tradewar\npartners:\n  VNM: {compliance: {dist: normal, mean: 0.5, sd: 0.2}}\n",
                        "must lie in [0,1]");
    expect_config_error("model: tradewar\npartners:\n  VNM: {complience: 0.5}\n", "complience");
    expect_config_error("model: tradewar\npartners:\n  VNM: {reciprocal: high}\n",
                        "partners.VNM.reciprocal");
    expect_config_error("model: tradewar\nregions: {us: USA, cn: USA}\n", "same region");
    expect_config_error("model: tradewar\nregions: {partners: [VNM, CHN]}\n", "not a partner");
    expect_config_error("model: tradewar\nregions: {us: XYZ}\n", "unknown region code 'XYZ'");
    expect_config_error("model: tradewar\nsectors: {untariffed: [SRV]}\n",
                        "unknown sector code 'SRV'");
    expect_config_error("model: tradewar\ncounterfactual: {tarifs: x.csv}\n", "tarifs");
    expect_config_error("model: tradewar\nreroute_weights: hubs\n", "reroute_weights");
    expect_config_error("model: tradewar\nreroute_weights: {VNM: 0.6, MEX: 0.5}\n",
                        "shares sum to 1.1");
    expect_config_error("model: tradewar\nreroute_weights: {CHN: 0.5}\n",
                        "key 'reroute_weights.CHN': 'CHN' is not a partner region");
    expect_config_error("model: tradewar\nreroute_weights: {VNM: 1.5}\n",
                        "key 'reroute_weights.VNM': a share of the transit capacity must be in [0, 1]");
    expect_config_error("model: tradewar\nreroute_weights: {VNM: lots}\n",
                        "reroute_weights.VNM");
    expect_config_error("model: tradewar\nhorizon: medium\n",
                        "key 'horizon': unknown value 'medium' (valid: short, long)");
    expect_config_error("model: tradewar\nre_scope: allies\n",
                        "key 're_scope': unknown value 'allies' (valid: us, aligned, world)");
    expect_config_error("model: tradewar\nfdi_profits: beijing\n",
                        "test.yaml:2: key 'fdi_profits': unknown value 'beijing' (valid: host, china)");
    expect_config_error("model: tradewar\nfdi_profits: [china]\n", "fdi_profits");
    expect_config_error("model: tradewar\npartners:\n  VNM: {reciprocal: 0.4}\n"
                        "  VNM: {reciprocal: 0.46}\n", "VNM");
    expect_config_error("model: tradewar\nsectors: {us_duty_share: {CRM: 1.5}}\n",
                        "sectors.us_duty_share.CRM");
    expect_config_error("model: tradewar\nsectors: {us_duty_share: {XXX: 0.5}}\n",
                        "unknown sector code 'XXX'");
    expect_config_error("model: tradewar\nsectors: {input_limits: [ELE, XYZ]}\n",
                        "unknown sector code 'XYZ'");
}

/* A solve that runs out of iterations is flagged, not an error, and its
 * outcomes are still written. */
static void test_not_converged_is_flagged(void **st)
{
    (void)st;
    tw_error err;
    void *state = NULL;
    g_max_iter = 1;
    int rc = create_from("model: tradewar\n", &err, &state);
    g_max_iter = 5000;
    assert_int_equal(rc, TW_OK);
    const tw_model_schema *s = tw_model_tradewar.schema(state);
    double x[TWM_P_COUNT + 4];
    tw_params_medians(s->params, x);
    void *ws = tw_model_tradewar.workspace_alloc(state);
    const size_t len = tw_outcome_row_size(s);
    double *row = malloc(len * sizeof(double));
    for (size_t q = 0; q < len; q++)
        row[q] = NAN;
    tw_eval_status es;
    assert_int_equal(tw_model_tradewar.evaluate(state, ws, x, row, &es, NULL), TW_OK);
    assert_int_equal(es.converged, 0);
    assert_true(es.residual > 1e-10);
    for (size_t q = 0; q < len; q++)
        assert_false(isnan(row[q]));
    free(row);
    tw_model_tradewar.workspace_free(ws);
    tw_model_tradewar.destroy(state);
}

static void test_counterfactual_missing_file(void **st)
{
    (void)st;
    tw_error err;
    void *state = NULL;
    int rc = create_from("model: tradewar\ncounterfactual: {tariffs: nope.csv}\n", &err, &state);
    assert_int_not_equal(rc, TW_OK);
    assert_non_null(strstr(err.msg, "counterfactual.tariffs"));
    assert_null(state);
}

/* The key table held to the reader: a config writing every default (and
 * one partner entry with the partner defaults) builds the same model as an
 * empty one: same parameters, baseline and outcomes, bit for bit. */
static void test_defaults_written_out(void **st)
{
    (void)st;
    tw_error err = {0};
    void *plain = NULL, *full = NULL;
    char *yaml = keys_defaults_yaml("model: tradewar\n", twm_config_keys, TWM_N_CONFIG_KEYS,
                                    "VNM");
    assert_non_null(strstr(yaml, "re_scope: us\n"));
    assert_non_null(strstr(yaml, "  VNM:\n    compliance: {dist: beta, a: 2, b: 2}\n"));
    assert_int_equal(create_from("model: tradewar\n", &err, &plain), TW_OK);
    if (create_from(yaml, &err, &full))
        fail_msg("%s\n%s", err.msg, yaml);
    const tw_model_schema *a = tw_model_tradewar.schema(plain), *b = tw_model_tradewar.schema(full);
    size_t np = tw_params_count(a->params);
    assert_int_equal(np, tw_params_count(b->params));
    for (size_t i = 0; i < np; i++) {
        const tw_param *u = tw_params_get(a->params, i), *v = tw_params_get(b->params, i);
        assert_string_equal(u->name, v->name);
        assert_int_equal(u->dist.kind, v->dist.kind);
        assert_memory_equal(u->dist.p, v->dist.p, sizeof u->dist.p);
    }
    assert_int_equal(a->n_baseline, b->n_baseline);
    for (size_t k = 0; k < a->n_baseline; k++) {
        size_t n = 1;
        for (int q = 0; q < a->baseline[k].ndims; q++)
            n *= a->dims[a->baseline[k].dims[q]].size;
        assert_memory_equal(a->baseline[k].data, b->baseline[k].data, n * sizeof(double));
    }
    const size_t ny = tw_outcome_row_size(a);
    double *x = calloc(np, sizeof *x), *ya = calloc(ny, sizeof *ya), *yb = calloc(ny, sizeof *yb);
    void *wa = tw_model_tradewar.workspace_alloc(plain), *wb = tw_model_tradewar.workspace_alloc(full);
    tw_params_medians(a->params, x);
    tw_eval_status sa, sb;
    assert_int_equal(tw_model_tradewar.evaluate(plain, wa, x, ya, &sa, &err), TW_OK);
    assert_int_equal(tw_model_tradewar.evaluate(full, wb, x, yb, &sb, &err), TW_OK);
    assert_int_equal(sa.converged, 1);
    assert_memory_equal(ya, yb, ny * sizeof *ya);
    tw_model_tradewar.workspace_free(wa);
    tw_model_tradewar.workspace_free(wb);
    tw_model_tradewar.destroy(plain);
    tw_model_tradewar.destroy(full);
    free(x);
    free(ya);
    free(yb);
    free(yaml);
}

static void expect_bad(const char *yaml, int line, const char *path, const char *frag,
                       void *user)
{
    (void)user;
    tw_error err = {0};
    void *state = NULL;
    int rc = create_from(yaml, &err, &state);
    keys_expect_refused("test.yaml", yaml, line, path, frag, rc, err.msg);
    assert_null(state);
}

/* Every bound and allowed value of the table is enforced with file:line,
 * key and the bounds or the allowed values (issue 8: re_scope, deficits,
 * horizon, the partners' numbers, the mechanism switches). */
static void test_bounds_enforced(void **st)
{
    (void)st;
    /* deficits, re_scope, horizon, fdi_profits (2 each), 10 mechanisms (2 each), partners.VNM's
     * reciprocal, extra_duty, fdi_weight, floor_exempt (2 each) */
    assert_int_equal(keys_each_bad("model: tradewar\n", twm_config_keys, TWM_N_CONFIG_KEYS,
                                   "VNM", "", 0, "", expect_bad, NULL), 2 * (4 + TWM_M_COUNT + 4));
    /* the mechanism table is the scenario's list of switches */
    for (int k = 0; k < TWM_M_COUNT; k++) {
        char y[128];
        snprintf(y, sizeof y, "model: tradewar\nmechanisms: {%s: false}\n", twm_mech_name(k));
        tw_error err = {0};
        void *state = NULL;
        assert_int_equal(create_from(y, &err, &state), TW_OK);
        tw_model_tradewar.destroy(state);
    }
}

/* docs/MODEL_NOTES.md's table of the model's config sections has a row for
 * every top-level key of the table (a new key cannot go undocumented). */
static void test_keys_documented(void **st)
{
    (void)st;
    FILE *f = fopen(TW_SOURCE_DIR "/docs/MODEL_NOTES.md", "r");
    assert_non_null(f);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    for (size_t i = 0; i < TWM_N_CONFIG_KEYS; i++) {
        char row[96];
        snprintf(row, sizeof row, "\n| `%s` |", twm_config_keys[i].name);
        if (!strstr(text, row))
            fail_msg("docs/MODEL_NOTES.md has no row '%s' in its config table", row + 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_ok),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_defaults_written_out),
        cmocka_unit_test(test_bounds_enforced),
        cmocka_unit_test(test_keys_documented),
        cmocka_unit_test(test_deficits_closure),
        cmocka_unit_test(test_deficit_change_config),
        cmocka_unit_test(test_counterfactual_missing_file),
        cmocka_unit_test(test_not_converged_is_flagged),
    };
    return cmocka_run_group_tests_name("twm_model_config", tests, NULL, NULL);
}
