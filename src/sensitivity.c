/* tradewar: pick-freeze design and Sobol' index estimators (see
 * sensitivity.h). Pure: no MPI, no HDF5; the file pass is sensitivity_pass.c. */
#include "tradewar/sensitivity.h"

#include <float.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradewar/design.h"
#include "tradewar/params.h"

/* Philox stream of the bootstrap draws (design.h reserves >= 0xfffffff0 for
 * engine-internal streams; design.c uses ...f0 and ...f1). */
#define STREAM_BOOTSTRAP 0xfffffff2u
/* Largest bootstrap table accepted (R x N indices), bytes. */
#define MAX_BOOT_TABLE_BYTES ((size_t)1 << 30)

typedef struct factor {
    char *label;
    char *members; /* "a, b, c" */
} factor;

struct tw_sens {
    uint64_t n_base;
    size_t d;          /* parameters */
    size_t k;          /* factors */
    factor *f;
    long *factor_of;   /* [d]: factor of each parameter, -1 for constants */
    uint64_t R;        /* bootstrap resamples (<= 100000) */
    double confidence;
    size_t n_outcomes;
    uint8_t *want;     /* [n_outcomes] */
};


void tw_sens_free(tw_sens *s)
{
    if (!s)
        return;
    for (size_t i = 0; s->f && i < s->k; i++) {
        free(s->f[i].label);
        free(s->f[i].members);
    }
    free(s->f);
    free(s->factor_of);
    free(s->want);
    free(s);
}

/* ---- config ---- */

static int where_err(tw_ynode n, const char *path, tw_error *err, const char *fmt, const char *a,
                     const char *b, const char *c)
{
    char where[600];
    tw_ynode_where(n, path, where, sizeof where);
    return tw_error_set(err, TW_ECONFIG, "%s: %s%s%s%s", where, fmt, a ? a : "", b ? b : "",
                        c ? c : "");
}

static int parse_uint(tw_ynode n, const char *path, double lo, double hi, uint64_t *out,
                      tw_error *err)
{
    double v;
    int rc = tw_ynode_double(n, path, &v, err);
    if (rc)
        return rc;
    if (v != floor(v) || v < lo || v > hi) {
        char where[600];
        tw_ynode_where(n, path, where, sizeof where);
        return tw_error_set(err, TW_ECONFIG, "%s: must be an integer in [%.0f, %.0f], got '%s'",
                            where, lo, hi, tw_ynode_scalar(n));
    }
    *out = (uint64_t)v;
    return TW_OK;
}

/* Label of an automatic group: the members' common prefix + "*" (or the
 * first member's name + "+" when they share none). */
static char *auto_label(const tw_params *ps, const size_t *idx, size_t n)
{
    const char *first = tw_params_get(ps, idx[0])->name;
    size_t len = strlen(first);
    for (size_t i = 1; i < n; i++) {
        const char *o = tw_params_get(ps, idx[i])->name;
        size_t l = 0;
        while (l < len && o[l] == first[l])
            l++;
        len = l;
    }
    char *lab = malloc(strlen(first) + 3);
    if (!lab)
        return NULL;
    if (len) {
        memcpy(lab, first, len);
        strcpy(lab + len, "*");
    } else {
        sprintf(lab, "%s+", first);
    }
    return lab;
}

static char *member_list(const tw_params *ps, const long *factor_of, size_t d, long f)
{
    size_t n = 1;
    for (size_t p = 0; p < d; p++)
        if (factor_of[p] == f)
            n += strlen(tw_params_get(ps, p)->name) + 2;
    char *s = malloc(n);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (size_t p = 0; p < d; p++)
        if (factor_of[p] == f) {
            if (s[0])
                strcat(s, ", ");
            strcat(s, tw_params_get(ps, p)->name);
        }
    return s;
}

/* Parse `groups:`: group g's parameters get gid[p] = g. */
static int parse_groups(tw_ynode gs, const tw_params *ps, long *gid, size_t *ngroups,
                        tw_error *err)
{
    size_t d = tw_params_count(ps);
    if (tw_ynode_type(gs) != TW_Y_MAPPING)
        return where_err(gs, "sensitivity.groups", err,
                         "expected a mapping of group names to lists of parameter names or "
                         "patterns, e.g. {compliance: [\"compliance_*\"]}", NULL, NULL, NULL);
    *ngroups = tw_ynode_size(gs);
    for (size_t g = 0; g < *ngroups; g++) {
        tw_ynode kn = tw_ynode_key_at(gs, g), vn = tw_ynode_value_at(gs, g);
        const char *name = tw_ynode_scalar(kn);
        char path[300];
        snprintf(path, sizeof path, "sensitivity.groups.%s", name ? name : "?");
        for (size_t h = 0; h < g; h++) {
            const char *o = tw_ynode_scalar(tw_ynode_key_at(gs, h));
            if (name && o && strcmp(name, o) == 0)
                return where_err(kn, path, err, "duplicate group", NULL, NULL, NULL);
        }
        size_t nitems = tw_ynode_type(vn) == TW_Y_SEQUENCE ? tw_ynode_size(vn) : 1;
        if (tw_ynode_type(vn) == TW_Y_MAPPING || nitems == 0)
            return where_err(vn, path, err, "expected a non-empty list of parameter names or "
                             "patterns", NULL, NULL, NULL);
        size_t uncertain = 0;
        for (size_t i = 0; i < nitems; i++) {
            tw_ynode it = tw_ynode_type(vn) == TW_Y_SEQUENCE ? tw_ynode_item(vn, i) : vn;
            const char *pat = tw_ynode_scalar(it);
            if (!pat)
                return where_err(it, path, err, "expected a parameter name or pattern", NULL,
                                 NULL, NULL);
            size_t hits = 0;
            for (size_t p = 0; p < d; p++) {
                if (fnmatch(pat, tw_params_get(ps, p)->name, 0) != 0)
                    continue;
                hits++;
                if (gid[p] >= 0 && gid[p] != (long)g) {
                    char where[600];
                    tw_ynode_where(it, path, where, sizeof where);
                    return tw_error_set(err, TW_ECONFIG, "%s: parameter '%s' is already in group "
                                        "'%s' (groups may not overlap)", where,
                                        tw_params_get(ps, p)->name,
                                        tw_ynode_scalar(tw_ynode_key_at(gs, (size_t)gid[p])));
                }
                gid[p] = (long)g;
                uncertain += !tw_dist_is_constant(&tw_params_get(ps, p)->dist);
            }
            if (!hits)
                return where_err(it, path, err, "'", pat, "' names no parameter of this model",
                                 NULL);
        }
        if (!uncertain)
            return where_err(vn, path, err, "names only constant parameters (a factor needs an "
                             "uncertain one)", NULL, NULL, NULL);
    }
    return TW_OK;
}

/* Top-level keys that the section decides: samples and design may not
 * contradict it (the run's length and design come from the section). */
static int check_top_level_keys(const tw_config *cfg, tw_ynode root, tw_error *err)
{
    tw_ynode sn = tw_ynode_get(root, "samples");
    if (tw_ynode_ok(sn))
        return where_err(sn, "samples", err, "cannot be combined with a sensitivity: section "
                         "(the run evaluates sensitivity.base_samples x (factors + 2) samples)",
                         NULL, NULL, NULL);
    tw_ynode dn = tw_ynode_get(root, "design");
    if (tw_ynode_ok(dn) && cfg->design != TW_DESIGN_SOBOL)
        return where_err(dn, "design", err, "a sensitivity: run uses the sobol pick-freeze "
                         "design; remove 'design' or set it to sobol", NULL, NULL, NULL);
    return TW_OK;
}

/* base_samples: required, a power of two (Sobol' nets). user: the section
 * node (a missing key is reported at the section's line). */
static int read_base_samples(tw_ynode bn, const char *path, const tw_key *key, void *dst,
                             void *user, tw_error *err)
{
    (void)key;
    tw_sens *s = dst;
    int rc;
    if (!tw_ynode_ok(bn))
        return where_err(*(const tw_ynode *)user, "sensitivity", err, "'base_samples' is required (N, a power of two; "
                         "the run evaluates N x (factors + 2) samples)", NULL, NULL, NULL);
    if ((rc = parse_uint(bn, path, 2, 4294967296.0, &s->n_base, err)))
        return rc;
    if (s->n_base & (s->n_base - 1)) {
        char where[600];
        tw_ynode_where(bn, path, where, sizeof where);
        uint64_t lo = 1;
        while (lo * 2 <= s->n_base)
            lo *= 2;
        return tw_error_set(err, TW_ECONFIG, "%s: must be a power of two (Sobol' nets), got %llu; "
                            "try %llu or %llu", where, (unsigned long long)s->n_base,
                            (unsigned long long)lo, (unsigned long long)(2 * lo));
    }
    return TW_OK;
}

/* The section's keys (tradewar/keys.h): the scalars are read by the table
 * (read_sampling_keys), groups and outcomes by their readers below, which
 * need the model's parameters and outcomes. */
const tw_key tw_sens_keys[TW_SENS_N_KEYS] = {
    {.name = "base_samples", .type = TW_KEY_CUSTOM, .offset = TW_KEY_NOWHERE,
     .read = read_base_samples, .what = "power of two in [2, 2^32]", .def_note = "(required)",
     .doc = "N: the run evaluates N x (factors + 2) samples"},
    {.name = "groups", .type = TW_KEY_SECTION, .what = "{LABEL: [PARAM or pattern]}",
     .def_note = "one per param", .doc = "factors: named groups (correlated parameters "
                                         "are grouped automatically)"},
    {.name = "bootstrap", .type = TW_KEY_UINT, .def = "500", .offset = offsetof(tw_sens, R),
     .umin = 0, .umax = 100000, .doc = "bootstrap resamples for the intervals (0: none)"},
    {.name = "confidence", .type = TW_KEY_DOUBLE, .def = "0.95",
     .offset = offsetof(tw_sens, confidence), .lo = 0.0, .hi = 1.0, .lo_open = 1, .hi_open = 1,
     .doc = "level of the bootstrap intervals"},
    {.name = "outcomes", .type = TW_KEY_SECTION, .what = "[OUTCOME, ...]", .def_note = "all",
     .doc = "the outcomes that get indices"},
};

/* base_samples, bootstrap and confidence into s (the unknown keys were
 * checked first). */
static int read_sampling_keys(tw_ynode sec, tw_sens *s, tw_error *err)
{
    return tw_keys_read(sec, "sensitivity", tw_sens_keys, TW_SENS_N_KEYS, s, &sec, 0, err);
}

/* outcomes: which outcomes get indices (all when the key is absent). */
static int read_outcomes(tw_ynode sec, const tw_model_schema *schema, tw_sens *s,
                         tw_error *err)
{
    tw_ynode on = tw_ynode_get(sec, "outcomes");
    memset(s->want, !tw_ynode_ok(on), s->n_outcomes + 1);
    if (!tw_ynode_ok(on))
        return TW_OK;
    if (tw_ynode_type(on) != TW_Y_SEQUENCE || tw_ynode_size(on) == 0)
        return where_err(on, "sensitivity.outcomes", err, "expected a non-empty list of "
                         "outcome names", NULL, NULL, NULL);
    for (size_t i = 0; i < tw_ynode_size(on); i++) {
        tw_ynode it = tw_ynode_item(on, i);
        const char *name = tw_ynode_scalar(it);
        size_t k;
        for (k = 0; name && k < s->n_outcomes; k++)
            if (strcmp(schema->outcomes[k].name, name) == 0)
                break;
        if (!name || k == s->n_outcomes) {
            char list[1200] = "";
            size_t used = 0;
            for (size_t q = 0; q < s->n_outcomes && used < sizeof list - 80; q++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                         q ? ", " : "", schema->outcomes[q].name);
            char where[600];
            tw_ynode_where(it, "sensitivity.outcomes", where, sizeof where);
            return tw_error_set(err, TW_ECONFIG, "%s: unknown outcome '%s' (valid: %s)", where,
                                name ? name : "?", list);
        }
        s->want[k] = 1;
    }
    return TW_OK;
}

/* correlated parameters: one factor (the indices need independent factors).
 * A correlation group split over user groups is an error; one left free
 * becomes an automatic factor (corr_auto[p], nauto of them). */
static int group_correlated(const tw_params *ps, const long *gid, tw_ynode gs, long *corr_auto,
                            size_t *nauto_out, tw_error *err)
{
    size_t d = tw_params_count(ps), nauto = 0;
    for (size_t p = 0; p < d; p++)
        corr_auto[p] = -1;
    for (size_t c = 0; c < tw_params_group_count(ps); c++) {
        long named = -2; /* -2: none seen yet; >= 0 the user group; -1 a free member */
        int split = 0, any_free = 0;
        const char *pa = NULL, *pb = NULL;
        for (size_t p = 0; p < d; p++) {
            if (tw_params_group_of(ps, p) != (long)c ||
                tw_dist_is_constant(&tw_params_get(ps, p)->dist))
                continue;
            any_free |= gid[p] < 0;
            if (named == -2) {
                named = gid[p];
                pa = tw_params_get(ps, p)->name;
            } else if (gid[p] != named && !split) {
                split = 1;
                pb = tw_params_get(ps, p)->name;
            }
        }
        if (split) {
            char where[600];
            tw_ynode_where(gs, "sensitivity.groups", where, sizeof where);
            return tw_error_set(err, TW_ECONFIG, "%s: '%s' and '%s' are correlated (correlation[%zu]) "
                                "but sit in different factors; put every parameter of that "
                                "correlation group into one sensitivity group", where, pa, pb, c);
        }
        if (named == -1 && any_free) {
            for (size_t p = 0; p < d; p++)
                if (tw_params_group_of(ps, p) == (long)c)
                    corr_auto[p] = (long)nauto;
            nauto++;
        }
    }
    *nauto_out = nauto;
    return TW_OK;
}

/* Tells the user which correlated parameters were merged into one factor. */
static void note_auto_factors(const tw_sens *s, const long *gid, const long *corr_auto,
                              char *note, size_t note_size)
{
    size_t used = 0;
    for (size_t f = 0; f < s->k; f++) {
        size_t p0;
        for (p0 = 0; p0 < s->d && s->factor_of[p0] != (long)f; p0++)
            ;
        if (p0 < s->d && gid[p0] < 0 && corr_auto[p0] >= 0 && used < note_size)
            used += (size_t)snprintf(note + used, note_size - used,
                                     "%scorrelated parameters %s form one factor '%s'",
                                     used ? "; " : "sensitivity: ", s->f[f].members,
                                     s->f[f].label);
    }
}

/* factors in order of their first parameter: a user group, an automatic
 * correlation factor or one uncertain parameter each, with label and
 * member list; labels must be unique. */
static int build_factors(tw_sens *s, const tw_params *ps, tw_ynode gs, const long *gid,
                         size_t ngroups, const long *corr_auto, size_t nauto, char *note,
                         size_t note_size, tw_error *err)
{
    size_t d = s->d;
    int rc = TW_OK;
    long *gmap = malloc((ngroups + nauto + 1) * sizeof *gmap);
    if (!gmap)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    for (size_t i = 0; i < ngroups + nauto; i++)
        gmap[i] = -1;
    s->k = 0;
    for (size_t p = 0; p < d && !rc; p++) {
        s->factor_of[p] = -1;
        if (tw_dist_is_constant(&tw_params_get(ps, p)->dist) && gid[p] < 0)
            continue;
        long slot = gid[p] >= 0 ? gid[p] : corr_auto[p] >= 0 ? (long)ngroups + corr_auto[p] : -1;
        if (slot >= 0 && gmap[slot] >= 0) {
            s->factor_of[p] = gmap[slot];
            continue;
        }
        if (tw_dist_is_constant(&tw_params_get(ps, p)->dist))
            continue; /* a group's constant member: no design dimension matters */
        size_t f = s->k++;
        s->factor_of[p] = (long)f;
        if (slot >= 0)
            gmap[slot] = (long)f;
        if (gid[p] >= 0) {
            s->f[f].label = strdup(tw_ynode_scalar(tw_ynode_key_at(gs, (size_t)gid[p])));
        } else if (corr_auto[p] >= 0) {
            size_t *idx = malloc(d * sizeof *idx), n = 0;
            if (idx) {
                for (size_t q = 0; q < d; q++)
                    if (corr_auto[q] == corr_auto[p])
                        idx[n++] = q;
                s->f[f].label = auto_label(ps, idx, n);
            }
            free(idx);
        } else {
            s->f[f].label = strdup(tw_params_get(ps, p)->name);
        }
        if (!s->f[f].label)
            rc = tw_error_set(err, TW_ENOMEM, "out of memory");
    }
    /* constant members of a group whose uncertain member comes later */
    for (size_t p = 0; p < d; p++)
        if (s->factor_of[p] < 0 && gid[p] >= 0 && gmap[gid[p]] >= 0)
            s->factor_of[p] = gmap[gid[p]];
    for (size_t f = 0; f < s->k && !rc; f++)
        if (!(s->f[f].members = member_list(ps, s->factor_of, d, (long)f)))
            rc = tw_error_set(err, TW_ENOMEM, "out of memory");
    if (!rc && note && note_size && nauto)
        note_auto_factors(s, gid, corr_auto, note, note_size);
    /* labels must be unique: they index the factor dimension */
    for (size_t a = 0; a < s->k && !rc; a++)
        for (size_t b = 0; b < a && !rc; b++)
            if (strcmp(s->f[a].label, s->f[b].label) == 0)
                rc = where_err(gs, "sensitivity.groups", err, "factor label '", s->f[a].label,
                               "' is used twice (a group named like a parameter outside it?)",
                               NULL);
    free(gmap);
    return rc;
}

/* The design's limits: at least one factor, enough Sobol' dimensions, a
 * sample count below 2^32 and a bootstrap table below 1 GiB. */
static int check_design_limits(const tw_sens *s, tw_ynode sec, tw_error *err)
{
    size_t d = s->d;
    tw_ynode bn = tw_ynode_get(sec, "base_samples");
    tw_ynode rn = tw_ynode_get(sec, "bootstrap");
    if (s->k == 0)
        return where_err(sec, "sensitivity", err, "every parameter is constant: nothing to analyse",
                         NULL, NULL, NULL);
    if (2 * d > tw_design_sobol_max_dim()) {
        char where[600];
        tw_ynode_where(sec, "sensitivity", where, sizeof where);
        return tw_error_set(err, TW_ECONFIG, "%s: the pick-freeze design needs 2 x %zu Sobol' "
                            "dimensions, at most %zu are available", where, d,
                            tw_design_sobol_max_dim());
    }
    if ((double)s->n_base * (double)(s->k + 2) > 4294967296.0)
        return where_err(bn, "sensitivity.base_samples", err, "too large: base_samples x "
                         "(factors + 2) must stay below 2^32", NULL, NULL, NULL);
    if (s->R && (size_t)s->R * s->n_base * sizeof(uint32_t) > MAX_BOOT_TABLE_BYTES)
        return where_err(rn, "sensitivity.bootstrap", err, "bootstrap x base_samples is too large "
                         "(the resampling table would exceed 1 GiB)", NULL, NULL, NULL);
    return TW_OK;
}

int tw_sens_create(const tw_config *cfg, const tw_model_schema *schema, tw_sens **out,
                   char *note, size_t note_size, tw_error *err)
{
    *out = NULL;
    if (note && note_size)
        note[0] = '\0';
    tw_ynode root = tw_yaml_root(cfg->doc);
    tw_ynode sec = tw_ynode_get(root, "sensitivity");
    if (!tw_ynode_ok(sec))
        return TW_OK;
    int rc = tw_keys_check(sec, "sensitivity", tw_sens_keys, TW_SENS_N_KEYS, err);
    if (rc)
        return rc;
    if ((rc = check_top_level_keys(cfg, root, err)))
        return rc;

    const tw_params *ps = schema->params;
    size_t d = tw_params_count(ps);
    tw_sens *s = calloc(1, sizeof *s);
    long *gid = malloc((d + 1) * sizeof *gid);
    long *corr_auto = NULL;
    if (!s || !gid) {
        free(gid);
        free(s);
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    }
    s->d = d;
    s->n_outcomes = schema->n_outcomes;
    s->factor_of = malloc((d + 1) * sizeof *s->factor_of);
    s->want = malloc(s->n_outcomes + 1);
    s->f = calloc(d + 1, sizeof *s->f);
    if (!s->factor_of || !s->want || !s->f) {
        rc = tw_error_set(err, TW_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t p = 0; p < d; p++)
        gid[p] = -1;

    if ((rc = read_sampling_keys(sec, s, err)) || (rc = read_outcomes(sec, schema, s, err)))
        goto fail;
    size_t ngroups = 0;
    tw_ynode gs = tw_ynode_get(sec, "groups");
    if (tw_ynode_ok(gs) && (rc = parse_groups(gs, ps, gid, &ngroups, err)))
        goto fail;
    size_t nauto = 0;
    corr_auto = malloc((d + 1) * sizeof *corr_auto);
    if (!corr_auto) {
        rc = tw_error_set(err, TW_ENOMEM, "out of memory");
        goto fail;
    }
    if ((rc = group_correlated(ps, gid, gs, corr_auto, &nauto, err)) ||
        (rc = build_factors(s, ps, gs, gid, ngroups, corr_auto, nauto, note, note_size, err)) ||
        (rc = check_design_limits(s, sec, err)))
        goto fail;
    free(corr_auto);
    free(gid);
    *out = s;
    return TW_OK;
fail:
    free(corr_auto);
    free(gid);
    tw_sens_free(s);
    return rc;
}

/* ---- accessors and the design ---- */

uint64_t tw_sens_base_samples(const tw_sens *s) { return s->n_base; }
size_t tw_sens_factor_count(const tw_sens *s) { return s->k; }
const char *tw_sens_factor_label(const tw_sens *s, size_t f) { return s->f[f].label; }
const char *tw_sens_factor_members(const tw_sens *s, size_t f) { return s->f[f].members; }
unsigned tw_sens_bootstrap(const tw_sens *s) { return (unsigned)s->R; }
double tw_sens_confidence(const tw_sens *s) { return s->confidence; }
int tw_sens_wants_outcome(const tw_sens *s, size_t k) { return k < s->n_outcomes && s->want[k]; }
uint64_t tw_sens_samples(const tw_sens *s) { return s->n_base * (uint64_t)(s->k + 2); }
size_t tw_sens_design_dim(const tw_sens *s) { return 2 * s->d; }

uint64_t tw_sens_block_size(const tw_sens *s, uint64_t requested)
{
    uint64_t K = s->k + 2, b = 1;
    while (2 * b <= s->n_base && 2 * b * K <= requested)
        b *= 2;
    return b * K;
}

void tw_sens_row_point(const tw_sens *s, const double *ab, size_t m, double *u)
{
    size_t d = s->d;
    if (m == 0) {
        memcpy(u, ab, d * sizeof *u);
    } else if (m == 1) {
        memcpy(u, ab + d, d * sizeof *u);
    } else {
        long f = (long)(m - 2);
        for (size_t p = 0; p < d; p++)
            u[p] = s->factor_of[p] == f ? ab[d + p] : ab[p];
    }
}

/* ---- estimators ---- */

uint64_t tw_sens_bootstrap_seed(uint64_t run_seed)
{
    /* a fixed, documented offset: the intervals are reproducible from the
     * file's seed alone, and differ from any design stream */
    return run_seed ^ 0x9e3779b97f4a7c15ull;
}

uint32_t *tw_sens_bootstrap_table(uint64_t seed, size_t n_base, unsigned R)
{
    if (!R || !n_base)
        return NULL;
    uint32_t *t = malloc((size_t)R * n_base * sizeof *t);
    if (!t)
        return NULL;
    for (unsigned r = 0; r < R; r++)
        for (size_t i = 0; i < n_base; i++) {
            double u = tw_rng_u01(seed, i, r, STREAM_BOOTSTRAP);
            size_t j = (size_t)(u * (double)n_base);
            t[(size_t)r * n_base + i] = (uint32_t)(j < n_base ? j : n_base - 1);
        }
    return t;
}

size_t tw_sens_scratch_size(size_t k, unsigned R)
{
    return 2 * k + 2 * k * (size_t)R + 2;
}

/* One estimate over the base samples idx[0..n) (idx NULL: 0..n-1) that are
 * usable. s1/st: k values each. Returns a TW_SENS_* status. */
static int estimate_once(const double *y, size_t n, size_t k, const uint8_t *usable,
                         const uint32_t *idx, double *acc, double *s1, double *st,
                         uint64_t *used)
{
    size_t K = k + 2, M = 0;
    double sum = 0.0, scale = 0.0;
    for (size_t t = 0; t < n; t++) {
        size_t j = idx ? idx[t] : t;
        if (!usable[j])
            continue;
        const double *row = y + j * K;
        sum += row[0] + row[1];
        double a = fabs(row[0]) > fabs(row[1]) ? fabs(row[0]) : fabs(row[1]);
        scale = a > scale ? a : scale;
        M++;
    }
    if (used)
        *used = M;
    int status = TW_SENS_OK;
    if (M < 2)
        status = TW_SENS_TOO_FEW;
    double f0 = sum / (2.0 * (double)M), V = 0.0;
    double *a1 = acc, *aT = acc + k;
    for (size_t i = 0; i < 2 * k; i++)
        acc[i] = 0.0;
    for (size_t t = 0; !status && t < n; t++) {
        size_t j = idx ? idx[t] : t;
        if (!usable[j])
            continue;
        const double *row = y + j * K;
        double ya = row[0] - f0, yb = row[1] - f0;
        V += ya * ya + yb * yb;
        for (size_t i = 0; i < k; i++) {
            double yab = row[2 + i] - f0, dd = ya - yab;
            a1[i] += yb * (yab - ya);
            aT[i] += dd * dd;
        }
    }
    V /= 2.0 * (double)M;
    /* constant up to rounding: the indices would be ratios of noise */
    double tiny = 64.0 * DBL_EPSILON * scale;
    if (!status && !(V > tiny * tiny))
        status = TW_SENS_CONSTANT;
    for (size_t i = 0; i < k; i++) {
        s1[i] = status ? NAN : a1[i] / (double)M / V;
        st[i] = status ? NAN : aT[i] / (2.0 * (double)M) / V;
    }
    return status;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Type-7 quantile of sorted v[0..m). */
static double quantile_sorted(const double *v, size_t m, double q)
{
    double h = (double)(m - 1) * q;
    size_t lo = (size_t)floor(h);
    if (lo >= m - 1)
        return v[m - 1];
    return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

/* Percentile interval of the finite values among v[0..n) (v is reordered). */
static void percentile_interval(double *v, size_t n, double alpha, double ci[2])
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]))
            v[m++] = v[i];
    if (m < 2) {
        ci[0] = ci[1] = NAN;
        return;
    }
    qsort(v, m, sizeof *v, cmp_double);
    ci[0] = quantile_sorted(v, m, alpha / 2);
    ci[1] = quantile_sorted(v, m, 1 - alpha / 2);
}

int tw_sens_estimate(const double *y, size_t n_base, size_t k, const uint8_t *ok,
                     const uint32_t *boot, unsigned R, double confidence, double *scratch,
                     tw_sens_index *out, uint64_t *used)
{
    size_t K = k + 2;
    uint8_t *usable = calloc(n_base ? n_base : 1, 1);
    double *s1 = malloc((k ? k : 1) * sizeof *s1), *st = malloc((k ? k : 1) * sizeof *st);
    if (!usable || !s1 || !st) {
        free(usable);
        free(s1);
        free(st);
        for (size_t i = 0; i < k; i++)
            out[i] = (tw_sens_index){NAN, NAN, {NAN, NAN}, {NAN, NAN}};
        *used = 0;
        return TW_SENS_TOO_FEW;
    }
    for (size_t j = 0; j < n_base; j++) {
        int u = !ok || ok[j];
        for (size_t m = 0; u && m < K; m++)
            u = isfinite(y[j * K + m]);
        usable[j] = (uint8_t)u;
    }
    double *acc = scratch, *bs1 = scratch + 2 * k, *bst = bs1 + k * (size_t)R;
    int status = estimate_once(y, n_base, k, usable, NULL, acc, s1, st, used);
    for (size_t i = 0; i < k; i++)
        out[i] = (tw_sens_index){s1[i], st[i], {NAN, NAN}, {NAN, NAN}};
    if (!status && boot && R) {
        for (unsigned r = 0; r < R; r++) {
            estimate_once(y, n_base, k, usable, boot + (size_t)r * n_base, acc, s1, st, NULL);
            for (size_t i = 0; i < k; i++) {
                bs1[i * R + r] = s1[i];
                bst[i * R + r] = st[i];
            }
        }
        double alpha = 1.0 - confidence;
        for (size_t i = 0; i < k; i++) {
            percentile_interval(bs1 + i * R, R, alpha, out[i].s1_ci);
            percentile_interval(bst + i * R, R, alpha, out[i].st_ci);
        }
    }
    free(usable);
    free(s1);
    free(st);
    return status;
}
