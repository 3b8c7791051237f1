/* The declarative key tables (tradewar/keys.h): the one reader on every key
 * type, and the engine's and the analytic models' tables held to what they
 * read: a config that writes every default reads to the same values as an
 * empty one, and every bound and allowed value the listing shows is
 * enforced with file:line, key and the bounds. (The trade model's table:
 * test_twm_model_config.c.) */
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

#include "cfg_test_util.h"
#include "keys_test_util.h"
#include "tradewar/config.h"
#include "tradewar/keys.h"
#include "tradewar/runner.h"
#include "tradewar/sensitivity.h"

/* ---- the reader on a toy table ---- */

typedef struct toy {
    double x;
    uint64_t n;
    long it;
    int flag, mode;
    const char *name;
    int custom_calls, then_calls;
    double y; /* custom */
} toy;

static int read_y(tw_ynode node, const char *path, const tw_key *key, void *dst, void *user,
                  tw_error *err)
{
    (void)key;
    toy *t = user;
    t->custom_calls++;
    if (!tw_ynode_ok(node)) {
        *(double *)dst = -7.0; /* what the custom reader documents for absent */
        return TW_OK;
    }
    return tw_ynode_double(node, path, dst, err);
}

static int then_mode(tw_ynode node, const char *path, const tw_key *key, void *dst, void *user,
                     tw_error *err)
{
    (void)node;
    (void)path;
    (void)key;
    (void)err;
    toy *t = user;
    t->then_calls++;
    assert_ptr_equal(dst, &t->mode); /* called with the stored value */
    return TW_OK;
}

static const char *const modes[] = {"slow", "fast", NULL};
static const tw_key inner[] = {
    {.name = "it", .type = TW_KEY_LONG, .def = "5000", .offset = offsetof(toy, it), .umin = 1,
     .umax = 10000},
};
static const tw_key toy_keys[] = {
    {.name = "x", .type = TW_KEY_DOUBLE, .def = "0.25", .offset = offsetof(toy, x), .lo = 0.0,
     .hi = 1.0, .lo_open = 1},
    {.name = "n", .type = TW_KEY_UINT, .def = "3", .offset = offsetof(toy, n), .umin = 1,
     .umax = 10},
    {.name = "flag", .type = TW_KEY_BOOL, .def = "yes", .offset = offsetof(toy, flag)},
    {.name = "mode", .type = TW_KEY_ENUM, .def = "fast", .offset = offsetof(toy, mode),
     .values = modes, .then = then_mode},
    {.name = "name", .type = TW_KEY_STRING, .required = 1, .offset = offsetof(toy, name)},
    {.name = "y", .type = TW_KEY_CUSTOM, .offset = offsetof(toy, y), .read = read_y},
    {.name = "sec", .type = TW_KEY_TABLE, .sub = inner, .n_sub = 1},
};

/* Strings point into the document: it lives until the next read. */
static tw_yaml *toy_doc;

static int toy_read(const char *text, toy *t, tw_error *err)
{
    tw_yaml_free(toy_doc);
    toy_doc = NULL;
    memset(t, 0, sizeof *t);
    int rc = tw_yaml_load_string("t.yaml", text, strlen(text), &toy_doc, err);
    if (!rc)
        rc = tw_keys_read(tw_yaml_root(toy_doc), "", toy_keys, TW_KEYS_COUNT(toy_keys), t, t, 1,
                          err);
    return rc;
}

static void toy_error(const char *text, const char *frag1, const char *frag2)
{
    toy t;
    tw_error err = {0};
    int rc = toy_read(text, &t, &err);
    if (rc != TW_ECONFIG || !strstr(err.msg, frag1) || (frag2 && !strstr(err.msg, frag2)))
        fail_msg("rc %d, message '%s', wanted '%s' and '%s'", rc, err.msg, frag1,
                 frag2 ? frag2 : "");
}

static void test_reader(void **state)
{
    (void)state;
    toy t;
    tw_error err = {0};
    /* defaults: parsed from their text, a custom reader sees the absent node */
    assert_int_equal(toy_read("name: a\n", &t, &err), TW_OK);
    assert_true(t.x == 0.25 && t.n == 3 && t.it == 5000 && t.flag == 1 && t.mode == 1);
    assert_true(t.y == -7.0);
    assert_int_equal(t.custom_calls, 1);
    assert_int_equal(t.then_calls, 1);
    /* given values */
    assert_int_equal(toy_read("name: b\nx: 1\nn: 1e1\nflag: off\nmode: slow\ny: 2.5\n"
                              "sec: {it: 7}\n", &t, &err), TW_OK);
    assert_true(t.x == 1.0 && t.n == 10 && t.it == 7 && t.flag == 0 && t.mode == 0);
    assert_true(t.y == 2.5);
    assert_string_equal(t.name, "b");
    /* every error names file:line, the dotted key and the bounds or values */
    toy_error("name: a\nx: 0\n", "t.yaml:2: key 'x': must be in (0, 1], got 0", NULL);
    toy_error("name: a\nx: 1.5\n", "t.yaml:2: key 'x'", "(0, 1]");
    toy_error("name: a\nx: abc\n", "t.yaml:2: key 'x'", "a finite number");
    toy_error("name: a\nn: 11\n", "t.yaml:2: key 'n'", "[1, 10]");
    toy_error("name: a\nmode: medium\n", "t.yaml:2: key 'mode': unknown value 'medium'",
              "(valid: slow, fast)");
    toy_error("name: a\nflag: 2\n", "t.yaml:2: key 'flag'", "true or false");
    toy_error("name: a\nsec:\n  it: 0\n", "t.yaml:3: key 'sec.it'", "[1, 10000]");
    toy_error("name: a\nsec: {iter: 3}\n", "t.yaml:2: key 'sec.iter': unknown key",
              "valid keys: it");
    toy_error("name: a\nmodee: fast\n", "t.yaml:2: key 'modee': unknown key (did you mean "
              "'mode'? valid keys: x, n, flag, mode, name, y, sec)", NULL);
    toy_error("name: a\nspeed: fast\n", "t.yaml:2: key 'speed': unknown key (valid keys: x,",
              NULL); /* nothing near: no guess */
    toy_error("x: 0.5\n", "t.yaml: required key 'name' is missing", NULL);
    toy_error("name: a\nname: b\n", "t.yaml:2", "duplicate");
    tw_yaml_free(toy_doc);
    toy_doc = NULL;
    /* a default is checked like a written value: a table with a bad one fails loudly */
    static const tw_key bad_def[] = {
        {.name = "it", .type = TW_KEY_LONG, .def = "0", .offset = offsetof(toy, it), .umin = 1,
         .umax = 9},
    };
    tw_yaml *doc = NULL;
    assert_int_equal(tw_yaml_load_string("d.yaml", "{}", 2, &doc, &err), TW_OK);
    assert_int_equal(tw_keys_read(tw_yaml_root(doc), "", bad_def, 1, &t, NULL, 1, &err),
                     TW_ECONFIG);
    assert_non_null(strstr(err.msg, "key 'it' not given, its default '0' does not apply"));
    assert_non_null(strstr(err.msg, "[1, 9]"));
    tw_yaml_free(doc);
}

/* ---- the engine's and the models' tables ---- */

/* Same engine values, same parameters, same outcomes bit for bit. */
static void assert_same_session(const tw_session *a, const tw_session *b)
{
    assert_true(a->cfg->samples == b->cfg->samples && a->cfg->seed == b->cfg->seed);
    assert_true(a->cfg->design == b->cfg->design && a->cfg->block_size == b->cfg->block_size);
    assert_true(a->cfg->tol == b->cfg->tol && a->cfg->max_iter == b->cfg->max_iter);
    const tw_params *pa = a->schema->params, *pb = b->schema->params;
    size_t np = tw_params_count(pa);
    assert_int_equal(np, tw_params_count(pb));
    double *x = calloc(np, sizeof *x), *xb = calloc(np, sizeof *xb);
    for (size_t i = 0; i < np; i++) {
        const tw_param *u = tw_params_get(pa, i), *v = tw_params_get(pb, i);
        assert_string_equal(u->name, v->name);
        assert_int_equal(u->dist.kind, v->dist.kind);
        assert_memory_equal(u->dist.p, v->dist.p, sizeof u->dist.p);
    }
    size_t ny = tw_outcome_row_size(a->schema);
    assert_int_equal(ny, tw_outcome_row_size(b->schema));
    double *ya = calloc(ny, sizeof *ya), *yb = calloc(ny, sizeof *yb);
    for (int k = 0; k < 4; k++) {
        for (size_t i = 0; i < np; i++)
            x[i] = xb[i] = 0.1 + 0.2 * k + 0.01 * (double)i;
        tw_eval_status sa, sb;
        tw_error e1 = {0}, e2 = {0};
        int ra = tw_session_evaluate(a, x, ya, &sa, &e1);
        int rb = tw_session_evaluate(b, xb, yb, &sb, &e2);
        assert_int_equal(ra, rb);
        if (!ra)
            assert_memory_equal(ya, yb, ny * sizeof *ya);
    }
    free(x);
    free(xb);
    free(ya);
    free(yb);
}

/* Every default a table declares, written out, reads to what an empty config
 * reads to: defaults are declared once and the listing shows the truth. */
static void defaults_equal(const char *head, const tw_model_type *type)
{
    size_t ne;
    const tw_key *ek = tw_config_engine_keys(&ne);
    char *eng = keys_defaults_yaml(head, ek, ne, NULL);
    char *all = keys_defaults_yaml(eng, type->config_keys, type->n_config_keys, NULL);
    tw_session *plain = open_ok(head), *full = open_ok(all);
    assert_non_null(strstr(all, "tol: 1e-10"));
    assert_same_session(plain, full);
    tw_session_close(plain);
    tw_session_close(full);
    free(eng);
    free(all);
}

static void test_defaults_written_out(void **state)
{
    (void)state;
    defaults_equal("model: ishigami\n", tw_model_find("ishigami"));
    defaults_equal("model: sobol_g\ncoefficients: [0, 1, 9]\n", tw_model_find("sobol_g"));
}

static void expect_bad(const char *yaml, int line, const char *path, const char *frag,
                       void *user)
{
    (void)user;
    tw_session *s = NULL;
    tw_error err = {0};
    int rc = tw_session_open(write_cfg("c.yaml", yaml), &s, &err);
    keys_expect_refused("c.yaml", yaml, line, path, frag, rc, err.msg);
    assert_null(s);
}

static void test_bounds_enforced(void **state)
{
    (void)state;
    size_t ne;
    const tw_key *ek = tw_config_engine_keys(&ne);
    /* samples, seed, design, block_size, solver.tol, solver.max_iter: 2 each */
    assert_int_equal(keys_each_bad("model: ishigami\n", ek, ne, NULL, "", 0, "", expect_bad,
                                   NULL), 12);
    const tw_model_type *ish = tw_model_find("ishigami");
    assert_int_equal(keys_each_bad("model: ishigami\n", ish->config_keys, ish->n_config_keys,
                                   NULL, "", 0, "", expect_bad, NULL), 2); /* cost_us */
}

/* The sections read after the model is created: sensitivity's scalars are
 * table keys too (defaults written out change nothing; bounds enforced). */
static void test_sensitivity_keys(void **state)
{
    (void)state;
    const char *head = "model: ishigami\nsensitivity:\n  base_samples: 8\n";
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fputs(head, f);
    assert_int_equal(keys_emit_defaults(f, tw_sens_keys, TW_SENS_N_KEYS, 2, NULL), 2);
    fclose(f);
    tw_session *plain = open_ok(head), *full = open_ok(buf);
    assert_non_null(plain->sens);
    assert_int_equal(tw_sens_bootstrap(plain->sens), 500);
    assert_true(tw_sens_confidence(plain->sens) == 0.95);
    assert_int_equal(tw_sens_bootstrap(full->sens), tw_sens_bootstrap(plain->sens));
    assert_true(tw_sens_confidence(full->sens) == tw_sens_confidence(plain->sens));
    assert_same_session(plain, full);
    tw_session_close(plain);
    tw_session_close(full);
    free(buf);
    /* bootstrap and confidence, 2 forbidden values each */
    assert_int_equal(keys_each_bad("model: ishigami\n", tw_sens_keys, TW_SENS_N_KEYS, NULL,
                                   "sensitivity:\n  base_samples: 8\n", 1, "sensitivity",
                                   expect_bad, NULL), 4);
    /* every key of the sections is accepted by their readers, none other */
    static const char *const bad[] = {"sensitivity: {base_samples: 8, bootstap: 9}\n",
                                      "stop: {outcome: y, sem: 0.1, sems: 1}\n",
                                      "summary: {by: [x1], bye: 1}\n"};
    for (size_t i = 0; i < 3; i++) {
        char y[200];
        snprintf(y, sizeof y, "model: ishigami\n%s", bad[i]);
        tw_session *s = NULL;
        tw_error err = {0};
        assert_int_equal(tw_session_open(write_cfg("c.yaml", y), &s, &err), TW_ECONFIG);
        assert_non_null(strstr(err.msg, "unknown key ("));
        /* bootstap, sems: typos; bye is 1 edit from a 2-letter key: no guess */
        assert_true(!strstr(err.msg, "did you mean") == (i == 2));
    }
}

/* The listing has one line per key with its type and default. */
static void test_listing(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    const tw_model_type *ish[] = {tw_model_find("ishigami"), NULL};
    tw_config_print_keys(f, ish);
    fclose(f);
    static const char *const lines[] = {
        "\nsolver.tol ", "number in (0, 1)", " 1e-10 ", "\nsolver.max_iter ",
        "integer in [1, 100000000]", " 5000 ", "\ndesign ", "mc | lhs | sobol", " lhs ",
        "\nmodel ", "(required)", "\n# model ishigami\n", "\na ", "\nb ", "\ncost_us ",
        "number in [0, 1e+07]", "\nfail_above ", "\nsensitivity.bootstrap ",
        "integer in [0, 100000]", " 500 ", "\nsensitivity.confidence ", " 0.95 ",
        "\nstop.rel_sem ", "\nsummary.by ", NULL};
    for (const char *const *l = lines; *l; l++)
        if (!strstr(buf, *l))
            fail_msg("'%s' not in the listing:\n%s", *l, buf);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader),
        cmocka_unit_test(test_defaults_written_out),
        cmocka_unit_test(test_bounds_enforced),
        cmocka_unit_test(test_sensitivity_keys),
        cmocka_unit_test(test_listing),
    };
    return cmocka_run_group_tests(tests, cfg_setup, cfg_teardown);
}
