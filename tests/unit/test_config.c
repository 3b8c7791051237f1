/* Config parsing and validation: every error path names file, line and key. */
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
#include "tradewar/config.h"
#include "tradewar/params.h"
#include "tradewar/runner.h"

/* Open a session from `text`; expect failure with `code` and a message that
 * contains every fragment in the NULL-terminated list. */
static void expect_error(const char *text, int code, ...)
{
    const char *path = write_cfg("c.yaml", text);
    tw_session *s = NULL;
    tw_error err = {0};
    int rc = tw_session_open(path, &s, &err);
    if (rc != code)
        fail_msg("expected code %d, got %d (%s) for:\n%s", code, rc, err.msg, text);
    assert_null(s);
    va_list ap;
    va_start(ap, code);
    const char *frag;
    while ((frag = va_arg(ap, const char *)) != NULL)
        if (!strstr(err.msg, frag))
            fail_msg("message '%s' lacks '%s'", err.msg, frag);
    va_end(ap);
}

static void test_valid_config_and_overrides(void **state)
{
    (void)state;
    const char *path = write_cfg("ok.yaml",
                                 "model: ishigami\n"
                                 "samples: 500\n"
                                 "seed: 18446744073709551615\n"
                                 "design: sobol\n"
                                 "block_size: 64\n"
                                 "solver: {tol: 1.0e-8, max_iter: 100}\n"
                                 "parameters:\n"
                                 "  x1: {dist: triangular, min: -1, mode: 0, max: 2}\n"
                                 "  x3: 0.25\n"
                                 "correlation:\n"
                                 "  - params: [x1, x2]\n"
                                 "    rho: 0.5\n");
    tw_session *s = NULL;
    tw_error err = {0};
    int rc = tw_session_open(path, &s, &err);
    if (rc)
        fail_msg("%s", err.msg);
    assert_int_equal(s->cfg->samples, 500);
    assert_true(s->cfg->seed == UINT64_MAX); /* beyond 2^53: parsed exactly */
    assert_int_equal(s->cfg->design, TW_DESIGN_SOBOL);
    assert_int_equal(s->cfg->block_size, 64);
    assert_true(s->cfg->tol == 1e-8);
    assert_int_equal(s->cfg->max_iter, 100);
    const tw_params *ps = s->schema->params;
    assert_int_equal(tw_params_count(ps), 3);
    assert_int_equal(tw_params_get(ps, 0)->dist.kind, TW_DIST_TRIANGULAR);
    assert_int_equal(tw_params_get(ps, 1)->dist.kind, TW_DIST_UNIFORM); /* model default kept */
    assert_int_equal(tw_params_get(ps, 2)->dist.kind, TW_DIST_CONSTANT);
    assert_int_equal(tw_params_group_count(ps), 1);
    double x[3];
    tw_params_medians(ps, x);
    assert_true(x[2] == 0.25);
    /* sha256 of the text is stable and hex */
    assert_int_equal(strlen(s->cfg->sha256), 64);
    tw_session_close(s);
}

static void test_glob_correlation(void **state)
{
    (void)state;
    const char *path = write_cfg("g.yaml", "model: sobol_g\n"
                                           "coefficients: [0, 1, 4.5, 9]\n"
                                           "correlation:\n"
                                           "  - params: [\"x[23]\"]\n"
                                           "    matrix: [[1, 0.3], [0.3, 1]]\n");
    tw_session *s = NULL;
    tw_error err = {0};
    if (tw_session_open(path, &s, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(tw_params_group_count(s->schema->params), 1);
    tw_session_close(s);
}

static void test_syntax_and_structure_errors(void **state)
{
    (void)state;
    expect_error("", TW_ECONFIG, "c.yaml", "empty", NULL);
    expect_error("model: ishigami\nsamples: [1, 2\n", TW_ECONFIG, "c.yaml:", "syntax", NULL);
    expect_error("- a\n- b\n", TW_ECONFIG, "c.yaml:1", "mapping", NULL);
    expect_error("samples: 10\n", TW_ECONFIG, "c.yaml", "'model'", "missing", NULL);
    expect_error("model: nosuch\n", TW_ECONFIG, "c.yaml:1", "unknown model 'nosuch'", "ishigami",
                 NULL);
    expect_error("model: ishigami\nsamplez: 10\n", TW_ECONFIG, "c.yaml:2", "samplez",
                 "unknown key", "samples", NULL);
    expect_error("model: ishigami\nseed: 1\nseed: 2\n", TW_ECONFIG, "c.yaml:3", "duplicate", NULL);
}

static void test_engine_value_errors(void **state)
{
    (void)state;
    expect_error("model: ishigami\nsamples: abc\n", TW_ECONFIG, "c.yaml:2", "samples",
                 "integer", NULL);
    expect_error("model: ishigami\nsamples: -5\n", TW_ECONFIG, "c.yaml:2", "samples", NULL);
    expect_error("model: ishigami\nsamples: 2.5\n", TW_ECONFIG, "c.yaml:2", "integer", NULL);
    expect_error("model: ishigami\nsamples: 0\n", TW_ECONFIG, "c.yaml:2", "samples", NULL);
    expect_error("model: ishigami\ndesign: random\n", TW_ECONFIG, "c.yaml:2", "design",
                 "mc, lhs, sobol", NULL);
    expect_error("model: ishigami\nblock_size: 0\n", TW_ECONFIG, "c.yaml:2", "block_size", NULL);
    expect_error("model: ishigami\nsolver: {tol: 2}\n", TW_ECONFIG, "c.yaml:2", "solver.tol",
                 NULL);
    expect_error("model: ishigami\nsolver: {tol: 1e-9, maxiter: 3}\n", TW_ECONFIG, "c.yaml:2",
                 "maxiter", "unknown key", NULL);
    expect_error("model: ishigami\nsolver: {max_iter: 0}\n", TW_ECONFIG, "c.yaml:2",
                 "solver.max_iter", NULL);
    expect_error("model: ishigami\nseed: .nan\n", TW_ECONFIG, "c.yaml:2", "seed", NULL);
    expect_error("model: ishigami\ncost_us: -1\n", TW_ECONFIG, "c.yaml:2", "cost_us", NULL);
    expect_error("model: sobol_g\n", TW_ECONFIG, "c.yaml", "coefficients", NULL);
    expect_error("model: sobol_g\ncoefficients: [1, -2]\n", TW_ECONFIG, "c.yaml:2", ">= 0", NULL);
}

/* Issue 14: every integer key is read exactly or refused with its range. */
static void test_integer_keys(void **state)
{
    (void)state;
    expect_error("model: ishigami\nseed: 18446744073709551616\n", TW_ECONFIG, "c.yaml:2",
                 "key 'seed'", "out of range", "[0, 18446744073709551615]", NULL);
    expect_error("model: ishigami\nseed: 99999999999999999999999\n", TW_ECONFIG, "c.yaml:2",
                 "out of range", NULL);
    expect_error("model: ishigami\nseed: 1.8446744073709552e19\n", TW_ECONFIG, "c.yaml:2",
                 "key 'seed'", "2^53", "write all its digits", NULL);
    expect_error("model: ishigami\nsamples: 1000000000001\n", TW_ECONFIG, "c.yaml:2",
                 "[1, 1000000000000]", NULL);
    expect_error("model: ishigami\nsamples: 1e300\n", TW_ECONFIG, "c.yaml:2", "out of range",
                 NULL);
    expect_error("model: ishigami\nblock_size: 1048577\n", TW_ECONFIG, "c.yaml:2",
                 "[1, 1048576]", NULL);
    expect_error("model: ishigami\nsolver: {max_iter: 99999999999999999999}\n", TW_ECONFIG,
                 "c.yaml:2", "solver.max_iter", "[1, 100000000]", NULL);
    expect_error("model: ishigami\nsolver: {max_iter: -3}\n", TW_ECONFIG, "c.yaml:2",
                 "solver.max_iter", NULL);
    /* what is accepted is exact: the largest seed, 2^53 spelled as a float */
    static const struct {
        const char *text;
        uint64_t seed, samples;
    } ok[] = {
        {"model: ishigami\nseed: 18446744073709551615\nsamples: 1e12\n", UINT64_MAX,
         UINT64_C(1000000000000)},
        {"model: ishigami\nseed: 9.007199254740992e15\nsamples: 1000000000000\n",
         UINT64_C(9007199254740992), UINT64_C(1000000000000)},
        {"model: ishigami\nseed: 0\nsamples: 1\n", 0, 1},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        tw_session *s = NULL;
        tw_error err = {0};
        if (tw_session_open(write_cfg("i.yaml", ok[i].text), &s, &err) != TW_OK)
            fail_msg("refused: %s (%s)", ok[i].text, err.msg);
        assert_true(s->cfg->seed == ok[i].seed);
        assert_true(s->cfg->samples == ok[i].samples);
        tw_session_close(s);
    }
}

/* Issue 14: a config that is not one ends at once with a message. */
static void test_config_limits(void **state)
{
    (void)state;
    tw_session *s = NULL;
    tw_error err = {0};
    assert_int_equal(tw_session_open("/dev/zero", &s, &err), TW_ECONFIG);
    assert_non_null(strstr(err.msg, "/dev/zero: not a text file (contains NUL bytes)"));
    /* nesting: 20,000 levels took 36 s in libyaml; refused at level 65 */
    size_t depth = 20000;
    char *deep = malloc(2 * depth + 16);
    assert_non_null(deep);
    strcpy(deep, "model: ");
    memset(deep + 7, '[', depth);
    memset(deep + 7 + depth, ']', depth);
    deep[7 + 2 * depth] = '\0';
    expect_error(deep, TW_ECONFIG, "c.yaml:1: nesting deeper than 64 levels", NULL);
    /* 64 levels are fine for the parser (the model then refuses the value) */
    memset(deep + 7, '[', 63);
    memset(deep + 7 + 63, ']', 63);
    deep[7 + 126] = '\0';
    expect_error(deep, TW_ECONFIG, "key 'model'", NULL);
    free(deep);
    /* size: a comment of 1 MiB + 1 byte */
    size_t big = (1u << 20) + 1;
    char *text = malloc(big + 32);
    assert_non_null(text);
    strcpy(text, "model: ishigami\n#");
    memset(text + 17, 'x', big);
    text[17 + big] = '\0';
    expect_error(text, TW_ECONFIG, "c.yaml: the config is larger than 1 MiB", NULL);
    free(text);
}

static void test_distribution_errors(void **state)
{
    (void)state;
    expect_error("model: ishigami\nparameters:\n  x1: {dist: weibull, k: 1}\n", TW_ECONFIG,
                 "c.yaml:3", "parameters.x1.dist", "unknown distribution 'weibull'", NULL);
    expect_error("model: ishigami\nparameters:\n  x1: {min: 0, max: 1}\n", TW_ECONFIG, "c.yaml:3",
                 "parameters.x1", "'dist'", NULL);
    expect_error("model: ishigami\nparameters:\n  x1: {dist: uniform, min: 2, max: 1}\n",
                 TW_ECONFIG, "c.yaml:3", "parameters.x1", "min", NULL);
    expect_error("model: ishigami\nparameters:\n  x1: {dist: uniform, min: 0}\n", TW_ECONFIG,
                 "c.yaml:3", "parameters.x1", "needs 'max'", NULL);
    expect_error("model: ishigami\nparameters:\n  x1: {dist: uniform, min: 0, max: 1, mode: 0}\n",
                 TW_ECONFIG, "c.yaml:3", "mode", "unknown key", NULL);
    expect_error("model: ishigami\nparameters:\n  x1: {dist: triangular, min: 0, mode: 3, max: 1}\n",
                 TW_ECONFIG, "c.yaml:3", "parameters.x1", "mode", NULL);
    expect_error("model: ishigami\nparameters:\n  x1: {dist: normal, mean: 0, sd: -1}\n",
                 TW_ECONFIG, "c.yaml:3", "parameters.x1", "sd", NULL);
    expect_error("model: ishigami\nparameters:\n  x1: {dist: beta, a: 0, b: 2}\n", TW_ECONFIG,
                 "c.yaml:3", "parameters.x1", NULL);
    expect_error("model: ishigami\nparameters:\n  x1: {dist: bernoulli, p: 1.5}\n", TW_ECONFIG,
                 "c.yaml:3", "parameters.x1", "p", NULL);
    expect_error("model: ishigami\nparameters:\n  x1: {dist: lognormal, mu: 0, sigma: 0}\n",
                 TW_ECONFIG, "c.yaml:3", "sigma", NULL);
    expect_error("model: ishigami\nparameters:\n  x1: {dist: truncnormal, mean: 0, sd: 1, min: 1, max: 0}\n",
                 TW_ECONFIG, "c.yaml:3", "parameters.x1", NULL);
    expect_error("model: ishigami\nparameters:\n  x1: {dist: discrete, values: [1, 2], weights: [1]}\n",
                 TW_ECONFIG, "c.yaml:3", "same length", NULL);
    expect_error("model: ishigami\nparameters:\n  x1: {dist: discrete, values: [1, 2], weights: [1, -1]}\n",
                 TW_ECONFIG, "c.yaml:3", "parameters.x1", NULL);
    expect_error("model: ishigami\nparameters:\n  x1: {dist: uniform, min: zero, max: 1}\n",
                 TW_ECONFIG, "c.yaml:3", "parameters.x1.min", "number", NULL);
    expect_error("model: ishigami\nparameters:\n  x1: hello\n", TW_ECONFIG, "c.yaml:3",
                 "parameters.x1", NULL);
    expect_error("model: ishigami\nparameters:\n  x9: 1\n", TW_ECONFIG, "c.yaml:3",
                 "unknown parameter 'x9'", "x1, x2, x3", NULL);
    expect_error("model: ishigami\nparameters:\n  x1: 1\n  x1: 2\n", TW_ECONFIG, "c.yaml:4",
                 "duplicate", NULL);
    /* issue 14: distributions whose draws overflow a double (inf inputs) */
    expect_error("model: ishigami\nparameters:\n  x3: {dist: normal, mean: 1.0e+308, "
                 "sd: 1.0e+308}\n", TW_ECONFIG, "c.yaml:3", "parameters.x3",
                 "normal: its lowest value overflows a double", NULL);
    expect_error("model: ishigami\nparameters:\n  x3: {dist: uniform, min: -1.0e+308, "
                 "max: 1.0e+308}\n", TW_ECONFIG, "c.yaml:3", "max - min", "overflows", NULL);
    expect_error("model: ishigami\nparameters:\n  x3: {dist: lognormal, mu: 709, sigma: 1}\n",
                 TW_ECONFIG, "c.yaml:3", "its highest value overflows", NULL);
}

/* Issue 14: the trade model's parameter domains, checked when the config is
 * read (these all failed mid-run with "numerical error" before). */
static void test_model_domains(void **state)
{
    (void)state;
    static const struct {
        const char *param, *frag;
    } cases[] = {
        {"eta_gap: -1", "outside the range [0, 100] of 'eta_gap'"},
        {"theta_crm: -1", "outside the range (0, 100] of 'theta_crm'"},
        {"eps_crm: 0", "outside the range (0, 100] of 'eps_crm'"},
        {"reroute_capacity: -1", "outside the range [0, 100] of 'reroute_capacity'"},
        {"t_us_cn: 1.0e+308", "outside the range [-1, 10] of 't_us_cn'"},
        {"t_deal_us: {dist: uniform, min: 0, max: 1.0e+308}", "of 't_deal_us'"},
        {"eps_crm: {dist: uniform, min: 0.1, max: 1.0e+308}", "of 'eps_crm'"},
        {"theta_scale: {dist: normal, mean: 1, sd: 0.1}", "(0, 10] of 'theta_scale'"},
        {"compliance_EUR: 1.5", "[0, 1] of 'compliance_EUR' (a compliance share)"},
    };
    char text[1024];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(text, sizeof text, "model: tradewar\ndata: %s/small4\nparameters:\n  %s\n",
                 TW_TEST_DATA_DIR, cases[i].param);
        expect_error(text, TW_ECONFIG, "c.yaml:4", "key 'parameters.", cases[i].frag, NULL);
    }
    /* inside the domains: accepted (a lognormal whose drawable tail stays below 10) */
    snprintf(text, sizeof text, "model: tradewar\ndata: %s/small4\nparameters:\n  theta_scale: "
             "{dist: lognormal, mu: 0, sigma: 0.2}\n  eta_gap: 100\n  t_us_cn: -1\n",
             TW_TEST_DATA_DIR);
    tw_session *s = NULL;
    tw_error err = {0};
    if (tw_session_open(write_cfg("d.yaml", text), &s, &err) != TW_OK)
        fail_msg("refused: %s", err.msg);
    /* every parameter of the model has a domain (a new one must get one) */
    for (size_t i = 0; i < tw_params_count(s->schema->params); i++) {
        const tw_param *p = tw_params_get(s->schema->params, i);
        if (!p->domain_why || !(p->hi < INFINITY))
            fail_msg("parameter '%s' has no domain", p->name);
    }
    tw_session_close(s);
}

static void test_correlation_errors(void **state)
{
    (void)state;
    expect_error("model: ishigami\ncorrelation: {rho: 0.5}\n", TW_ECONFIG, "c.yaml:2",
                 "correlation", "list", NULL);
    expect_error("model: ishigami\ncorrelation:\n  - params: [x1, y7]\n    rho: 0.5\n", TW_ECONFIG,
                 "c.yaml:3", "unknown parameter 'y7'", NULL);
    expect_error("model: ishigami\ncorrelation:\n  - params: [x1, x2]\n", TW_ECONFIG, "c.yaml:3",
                 "exactly one of 'rho'", NULL);
    expect_error("model: ishigami\ncorrelation:\n  - params: [x1, x2]\n    matrix: [[1, 0.5]]\n",
                 TW_ECONFIG, "c.yaml:4", "2 x 2", NULL);
    expect_error("model: ishigami\ncorrelation:\n  - params: [x1, x2, x3]\n"
                 "    matrix: [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]\n",
                 TW_ECONFIG, "c.yaml:4", "positive definite", NULL);
    expect_error("model: ishigami\ncorrelation:\n  - params: [x1, x2]\n"
                 "    matrix: [[1, 0.5], [0.4, 1]]\n",
                 TW_ECONFIG, "c.yaml:4", "symmetric", NULL);
    expect_error("model: ishigami\ncorrelation:\n  - params: [x1, x2]\n    rho: 1.5\n", TW_ECONFIG,
                 "c.yaml:4", NULL);
    expect_error("model: ishigami\ncorrelation:\n  - params: [x1, x2]\n    rho: 0.2\n"
                 "  - params: [x2, x3]\n    rho: 0.2\n",
                 TW_ECONFIG, "c.yaml:6", "x2", NULL);
}

static void test_missing_file(void **state)
{
    (void)state;
    tw_session *s = NULL;
    tw_error err = {0};
    assert_int_equal(tw_session_open("/nonexistent/dir/x.yaml", &s, &err), TW_ECONFIG);
    assert_non_null(strstr(err.msg, "/nonexistent/dir/x.yaml"));
    assert_int_equal(tw_error_exit_code(TW_ECONFIG), 1);
    assert_int_equal(tw_error_exit_code(TW_EDATA), 2);
    assert_int_equal(tw_error_exit_code(TW_EINTERRUPTED), 3);
}

static void test_sha256_known_answer(void **state)
{
    (void)state;
    char hex[65];
    tw_sha256_hex("abc", 3, hex); /* FIPS 180-2 example */
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_config_and_overrides),
        cmocka_unit_test(test_glob_correlation),
        cmocka_unit_test(test_syntax_and_structure_errors),
        cmocka_unit_test(test_engine_value_errors),
        cmocka_unit_test(test_integer_keys),
        cmocka_unit_test(test_config_limits),
        cmocka_unit_test(test_model_domains),
        cmocka_unit_test(test_distribution_errors),
        cmocka_unit_test(test_correlation_errors),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_sha256_known_answer),
    };
    return cmocka_run_group_tests_name("config", tests, cfg_setup, cfg_teardown);
}
