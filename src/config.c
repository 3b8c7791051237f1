/* The run configuration: the engine's keys declared once in a table,
 * distributions, correlation groups. */
#include "tradewar/config.h"

#include <fnmatch.h>
#include <libgen.h>
#include <math.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradewar/keys.h"
#include "tradewar/params.h"

/* ---- the engine's keys: one table (tradewar/keys.h) ---- */

#define OFF(f) offsetof(tw_config, f)

static const char *const design_names[] = {"mc", "lhs", "sobol", NULL};

/* `data:` is a path relative to the config file: resolved when read. */
static int read_data_dir(tw_ynode node, const char *path, const tw_key *key, void *dst,
                         void *user, tw_error *err)
{
    (void)key;
    const char *s;
    if (!tw_ynode_ok(node))
        return TW_OK;
    int rc = tw_ynode_string(node, path, &s, err);
    if (rc)
        return rc;
    char **out = dst;
    *out = tw_config_resolve(user, s);
    return *out ? TW_OK : tw_error_set(err, TW_ENOMEM, "out of memory");
}

/* The solver settings: declared here once. A model that solves an
 * equilibrium gets them in tw_model_ctx (the trade model has no defaults of
 * its own). */
static const tw_key solver_keys[] = {
    {.name = "tol", .type = TW_KEY_DOUBLE, .def = "1e-10", .offset = OFF(tol),
     .lo = 0.0, .hi = 1.0, .lo_open = 1, .hi_open = 1,
     .doc = "convergence: the largest excess demand left (max |ED|)"},
    {.name = "max_iter", .type = TW_KEY_LONG, .def = "5000", .offset = OFF(max_iter),
     .umin = 1, .umax = 100000000,
     .doc = "outer iterations before a sample is flagged as not converged"},
};

static const tw_key engine_keys[] = {
    {.name = "model", .type = TW_KEY_STRING, .required = 1, .offset = OFF(model),
     .what = "model name", .doc = "the model (tradewar check --keys lists each one's keys)"},
    {.name = "data", .type = TW_KEY_CUSTOM, .offset = OFF(data_dir), .read = read_data_dir,
     .what = "path", .doc = "dataset folder, relative to the config"},
    {.name = "samples", .type = TW_KEY_UINT, .def = "1000", .offset = OFF(samples),
     .umin = 1, .umax = UINT64_C(1000000000000), .doc = "number of samples"},
    {.name = "seed", .type = TW_KEY_UINT, .def = "1", .offset = OFF(seed), .umin = 0,
     .umax = UINT64_MAX, .doc = "random seed (all 64 bits: write big seeds as digits)"},
    {.name = "design", .type = TW_KEY_ENUM, .def = "lhs", .offset = OFF(design),
     .values = design_names, .doc = "sampling design"},
    /* outputs are relative to the working directory, like -o: results belong
     * where the user runs, not next to a possibly read-only installed config */
    {.name = "output", .type = TW_KEY_STRING, .offset = OFF(output), .what = "path",
     .def_note = "results/<config>.h5", .doc = "HDF5 result file, relative to the working "
                                               "directory (-o overrides)"},
    {.name = "block_size", .type = TW_KEY_UINT, .def = "256", .offset = OFF(block_size),
     .umin = 1, .umax = 1u << 20, .doc = "samples per block (unit of work, I/O and resume)"},
    {.name = "solver", .type = TW_KEY_TABLE, .sub = solver_keys,
     .n_sub = TW_KEYS_COUNT(solver_keys), .doc = "equilibrium solver"},
    {.name = "parameters", .type = TW_KEY_SECTION, .what = "{NAME: distribution}",
     .def_note = "the model's", .doc = "parameter distributions (README: Distributions)"},
    {.name = "correlation", .type = TW_KEY_SECTION, .what = "[{params, rho | matrix}]",
     .def_note = "independent", .doc = "Gaussian copula groups"},
    {.name = "sensitivity", .type = TW_KEY_SECTION, .what = "mapping", .sub = tw_sens_keys,
     .n_sub = TW_SENS_N_KEYS, .def_note = "off",
     .doc = "Sobol' indices by pick-freeze (docs/SENSITIVITY.md)"},
    {.name = "stop", .type = TW_KEY_SECTION, .what = "mapping", .sub = tw_stop_keys,
     .n_sub = TW_STOP_N_KEYS, .def_note = "off",
     .doc = "stop on a target error (docs/SENSITIVITY.md)"},
    {.name = "summary", .type = TW_KEY_SECTION, .what = "mapping", .sub = tw_summary_keys,
     .n_sub = TW_SUMMARY_N_KEYS, .def_note = "off",
     .doc = "the summary once per level of some parameters (README)"},
};
#define N_ENGINE_KEYS TW_KEYS_COUNT(engine_keys)

_Static_assert(sizeof(tw_design_kind) == sizeof(int), "design is read as an enum index");
_Static_assert(TW_DESIGN_MC == 0 && TW_DESIGN_LHS == 1 && TW_DESIGN_SOBOL == 2,
               "design_names follows tw_design_kind");

const tw_key *tw_config_engine_keys(size_t *n)
{
    *n = N_ENGINE_KEYS;
    return engine_keys;
}

/* Rows of "a\tb\tc\td\n" (and "# ..." lines) printed with the first three
 * columns aligned to their widest entry. */
static void print_aligned(FILE *f, const char *text)
{
    size_t w[3] = {0, 0, 0};
    for (int pass = 0; pass < 2; pass++) {
        for (const char *line = text; *line;) {
            const char *end = strchr(line, '\n');
            size_t len = end ? (size_t)(end - line) : strlen(line);
            if (line[0] == '#') {
                if (pass)
                    fprintf(f, "%.*s\n", (int)len, line);
            } else {
                const char *c = line;
                for (int col = 0; col < 4; col++) {
                    const char *tab = col < 3 ? memchr(c, '\t', len - (size_t)(c - line)) : NULL;
                    size_t cl = tab ? (size_t)(tab - c) : len - (size_t)(c - line);
                    if (!pass && col < 3 && cl > w[col])
                        w[col] = cl;
                    if (pass && col < 3)
                        fprintf(f, "%-*.*s  ", (int)w[col], (int)cl, c);
                    else if (pass)
                        fprintf(f, "%.*s\n", (int)cl, c);
                    if (!tab)
                        break;
                    c = tab + 1;
                }
            }
            line += len + (end != NULL);
        }
    }
}

void tw_config_print_keys(FILE *f, const tw_model_type *const *types)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return;
    fprintf(m, "key\ttype\tdefault\tmeaning\n# engine\n");
    tw_keys_print(m, "", engine_keys, N_ENGINE_KEYS);
    for (const tw_model_type *const *t = types; t && *t; t++) {
        fprintf(m, "# model %s\n", (*t)->name);
        tw_keys_print(m, "", (*t)->config_keys, (*t)->n_config_keys);
    }
    fclose(m);
    print_aligned(f, buf);
    free(buf);
}

void tw_sha256_hex(const void *data, size_t len, char out[65])
{
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, len, data);
    sha256_digest(&ctx, sizeof digest, digest);
    for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
    out[64] = '\0';
}

char *tw_config_resolve(const tw_config *cfg, const char *relpath)
{
    return tw_path_join(cfg->dir, relpath);
}

void tw_config_free(tw_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->path);
    free(cfg->dir);
    tw_yaml_free(cfg->doc);
    free(cfg->data_dir);
    free(cfg);
}

int tw_config_load(const char *path, tw_config **out, tw_error *err)
{
    *out = NULL;
    tw_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    cfg->path = strdup(path);
    char *tmp = strdup(path);
    cfg->dir = tmp ? strdup(dirname(tmp)) : NULL;
    free(tmp);
    if (!cfg->path || !cfg->dir) {
        tw_config_free(cfg);
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    }
    int rc = tw_yaml_load_file(path, &cfg->doc, err);
    if (rc)
        goto fail;
    size_t len;
    const char *text = tw_yaml_text(cfg->doc, &len);
    tw_sha256_hex(text, len, cfg->sha256);

    tw_ynode root = tw_yaml_root(cfg->doc);
    if ((rc = tw_ynode_require_map(root, "(top level)", err)))
        goto fail;
    /* the top level's other keys are the model's: checked once it is known */
    if ((rc = tw_keys_read(root, "", engine_keys, N_ENGINE_KEYS, cfg, cfg, 0, err)))
        goto fail;
    *out = cfg;
    return TW_OK;
fail:
    tw_config_free(cfg);
    return rc;
}

/* ---- model sections: top-level keys, parameters, correlation ---- */

static int check_top_keys(const tw_config *cfg, const tw_model_type *type, tw_error *err)
{
    const char *allowed[128];
    size_t n = 0;
    for (size_t i = 0; i < N_ENGINE_KEYS; i++)
        allowed[n++] = engine_keys[i].name;
    for (size_t i = 0; i < type->n_config_keys && n < 127; i++)
        allowed[n++] = type->config_keys[i].name;
    allowed[n] = NULL;
    return tw_ynode_check_keys(tw_yaml_root(cfg->doc), "", allowed, err);
}

static int unknown_param(tw_ynode kn, const char *name, const tw_params *ps, tw_error *err)
{
    char where[600], list[600] = "";
    size_t used = 0, np = tw_params_count(ps);
    tw_ynode_where(kn, name, where, sizeof where);
    for (size_t i = 0; i < np && used < sizeof list - 64; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                 tw_params_get(ps, i)->name);
    return tw_error_set(err, TW_ECONFIG, "%s: unknown parameter '%s' (this model's parameters: %s)",
                        where, name, list);
}

static int apply_parameters(tw_ynode sec, tw_params *ps, tw_error *err)
{
    int rc = tw_ynode_require_map(sec, "parameters", err);
    if (rc)
        return rc;
    for (size_t i = 0; i < tw_ynode_size(sec); i++) {
        tw_ynode kn = tw_ynode_key_at(sec, i);
        const char *name = tw_ynode_scalar(kn);
        char path[512];
        snprintf(path, sizeof path, "parameters.%s", name ? name : "?");
        for (size_t j = 0; j < i; j++) {
            const char *o = tw_ynode_scalar(tw_ynode_key_at(sec, j));
            if (name && o && strcmp(o, name) == 0) {
                char where[600];
                tw_ynode_where(kn, path, where, sizeof where);
                return tw_error_set(err, TW_ECONFIG, "%s: duplicate parameter", where);
            }
        }
        long idx = name ? tw_params_find(ps, name) : -1;
        if (idx < 0)
            return unknown_param(kn, name ? name : "?", ps, err);
        tw_dist d;
        if ((rc = tw_keys_parse_dist(tw_ynode_value_at(sec, i), path, &d, err)))
            return rc;
        rc = tw_params_set_dist(ps, (size_t)idx, &d, err);
        tw_dist_free(&d);
        if (rc) {
            char where[600];
            tw_ynode_where(tw_ynode_value_at(sec, i), path, where, sizeof where);
            return tw_error_prefix(err, "%s: ", where);
        }
    }
    return TW_OK;
}

static const char *const group_keys[] = {"params", "rho", "matrix", NULL};

static int apply_group(tw_ynode g, const char *path, tw_params *ps, tw_error *err)
{
    char where[600], sub[512];
    int rc = tw_ynode_check_keys(g, path, group_keys, err);
    if (rc)
        return rc;
    tw_ynode_where(g, path, where, sizeof where);
    tw_ynode pl = tw_ynode_get(g, "params");
    snprintf(sub, sizeof sub, "%s.params", path);
    if (tw_ynode_type(pl) != TW_Y_SEQUENCE || tw_ynode_size(pl) == 0) {
        tw_ynode_where(tw_ynode_ok(pl) ? pl : g, sub, where, sizeof where);
        return tw_error_set(err, TW_ECONFIG, "%s: expected a non-empty list of parameter names "
                            "or patterns", where);
    }
    size_t np = tw_params_count(ps);
    size_t *idx = malloc((np ? np : 1) * sizeof *idx);
    if (!idx)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    size_t k = 0;
    /* Expand names and fnmatch patterns in the model's parameter order, so the
     * group (and its design dimensions) does not depend on how it was written. */
    for (size_t i = 0; i < tw_ynode_size(pl); i++) {
        tw_ynode it = tw_ynode_item(pl, i);
        const char *pat = tw_ynode_scalar(it);
        size_t hits = 0;
        for (size_t p = 0; pat && p < np; p++) {
            if (fnmatch(pat, tw_params_get(ps, p)->name, 0) != 0)
                continue;
            hits++;
            size_t q;
            for (q = 0; q < k && idx[q] != p; q++)
                ;
            if (q == k)
                idx[k++] = p;
        }
        if (!hits) {
            free(idx);
            snprintf(sub, sizeof sub, "%s.params[%zu]", path, i);
            return unknown_param(it, pat ? pat : "?", ps, err);
        }
    }
    /* sort indices ascending */
    for (size_t a = 1; a < k; a++)
        for (size_t b = a; b > 0 && idx[b - 1] > idx[b]; b--) {
            size_t t = idx[b];
            idx[b] = idx[b - 1];
            idx[b - 1] = t;
        }
    double *corr = calloc(k * k, sizeof *corr);
    if (!corr) {
        free(idx);
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    }
    tw_ynode rho = tw_ynode_get(g, "rho"), mat = tw_ynode_get(g, "matrix");
    if (tw_ynode_ok(rho) == tw_ynode_ok(mat)) {
        rc = tw_error_set(err, TW_ECONFIG, "%s: give exactly one of 'rho' (equicorrelation) or "
                          "'matrix'", where);
        goto done;
    }
    if (tw_ynode_ok(rho)) {
        double r;
        snprintf(sub, sizeof sub, "%s.rho", path);
        if ((rc = tw_ynode_double(rho, sub, &r, err)))
            goto done;
        for (size_t a = 0; a < k; a++)
            for (size_t b = 0; b < k; b++)
                corr[a * k + b] = a == b ? 1.0 : r;
        tw_ynode_where(rho, sub, where, sizeof where);
    } else {
        snprintf(sub, sizeof sub, "%s.matrix", path);
        tw_ynode_where(mat, sub, where, sizeof where);
        if (tw_ynode_type(mat) != TW_Y_SEQUENCE || tw_ynode_size(mat) != k) {
            rc = tw_error_set(err, TW_ECONFIG, "%s: expected a %zu x %zu matrix (list of %zu rows; "
                              "the group has %zu parameters)", where, k, k, k, k);
            goto done;
        }
        for (size_t a = 0; a < k; a++) {
            double *row = NULL;
            size_t nr = 0;
            char rsub[560];
            snprintf(rsub, sizeof rsub, "%s[%zu]", sub, a);
            if ((rc = tw_ynode_double_seq(tw_ynode_item(mat, a), rsub, &row, &nr, err)))
                goto done;
            if (nr != k) {
                free(row);
                rc = tw_error_set(err, TW_ECONFIG, "%s: row %zu has %zu entries, expected %zu",
                                  where, a, nr, k);
                goto done;
            }
            memcpy(corr + a * k, row, k * sizeof *row);
            free(row);
        }
    }
    rc = tw_params_add_group(ps, idx, k, corr, err);
    if (rc)
        tw_error_prefix(err, "%s: ", where);
done:
    free(idx);
    free(corr);
    return rc;
}

static int apply_correlation(tw_ynode sec, tw_params *ps, tw_error *err)
{
    char where[600];
    tw_ynode_where(sec, "correlation", where, sizeof where);
    if (tw_ynode_type(sec) != TW_Y_SEQUENCE)
        return tw_error_set(err, TW_ECONFIG, "%s: expected a list of groups, e.g. "
                            "[{params: [a, b], rho: 0.5}]", where);
    for (size_t i = 0; i < tw_ynode_size(sec); i++) {
        char path[64];
        snprintf(path, sizeof path, "correlation[%zu]", i);
        int rc = apply_group(tw_ynode_item(sec, i), path, ps, err);
        if (rc)
            return rc;
    }
    return TW_OK;
}

int tw_config_apply_model(const tw_config *cfg, const tw_model_type *type, tw_params *params,
                          tw_error *err)
{
    int rc = check_top_keys(cfg, type, err);
    if (rc || !params)
        return rc;
    tw_ynode root = tw_yaml_root(cfg->doc);
    tw_ynode p = tw_ynode_get(root, "parameters");
    if (tw_ynode_ok(p) && (rc = apply_parameters(p, params, err)))
        return rc;
    tw_ynode c = tw_ynode_get(root, "correlation");
    if (tw_ynode_ok(c) && (rc = apply_correlation(c, params, err)))
        return rc;
    return TW_OK;
}
