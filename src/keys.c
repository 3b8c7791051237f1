/* Declarative config keys: one reader and one listing for every table
 * (include/tradewar/keys.h). */
#include "tradewar/keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bounded(const tw_key *k) { return !(k->lo == 0.0 && k->hi == 0.0); }

int tw_keys_type_text(const tw_key *k, char *buf, size_t size)
{
    switch (k->type) {
    case TW_KEY_DOUBLE:
        if (!bounded(k))
            return snprintf(buf, size, "number");
        return snprintf(buf, size, "number in %c%g, %g%c", k->lo_open ? '(' : '[', k->lo, k->hi,
                        k->hi_open ? ')' : ']');
    case TW_KEY_UINT:
    case TW_KEY_LONG:
        return snprintf(buf, size, "integer in [%llu, %llu]", (unsigned long long)k->umin,
                        (unsigned long long)k->umax);
    case TW_KEY_BOOL:
        return snprintf(buf, size, "true | false");
    case TW_KEY_ENUM: {
        size_t used = 0;
        buf[0] = '\0';
        for (const char *const *v = k->values; v && *v && used < size; v++)
            used += (size_t)snprintf(buf + used, size - used, "%s%s",
                                     v == k->values ? "" : " | ", *v);
        return (int)used;
    }
    case TW_KEY_STRING:
        return snprintf(buf, size, "%s", k->what ? k->what : "string");
    case TW_KEY_TABLE:
        return snprintf(buf, size, "mapping");
    case TW_KEY_CUSTOM:
    case TW_KEY_SECTION:
        return snprintf(buf, size, "%s", k->what ? k->what : "section");
    }
    return snprintf(buf, size, "?");
}

static void *at(void *dst, const tw_key *k)
{
    return k->offset == TW_KEY_NOWHERE ? dst : (char *)dst + k->offset;
}

/* The allowed values of an enumeration, ", "-separated, for messages. */
static void value_list(const tw_key *k, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (const char *const *v = k->values; v && *v && used < size; v++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", v == k->values ? "" : ", ", *v);
}

static int read_value(tw_ynode node, const char *path, const tw_key *k, void *dst, void *user,
                      int is_default, tw_error *err)
{
    char where[700];
    void *p = at(dst, k);
    int rc;
    switch (k->type) {
    case TW_KEY_DOUBLE: {
        double v;
        if ((rc = tw_ynode_double(node, path, &v, err)))
            return rc;
        if (bounded(k) && !((k->lo_open ? v > k->lo : v >= k->lo) &&
                            (k->hi_open ? v < k->hi : v <= k->hi))) {
            tw_ynode_where(node, path, where, sizeof where);
            return tw_error_set(err, TW_ECONFIG, "%s: must be in %c%g, %g%c, got %g", where,
                                k->lo_open ? '(' : '[', k->lo, k->hi, k->hi_open ? ')' : ']', v);
        }
        *(double *)p = v;
        return TW_OK;
    }
    case TW_KEY_UINT:
        return tw_ynode_uint64(node, path, k->umin, k->umax, (uint64_t *)p, err);
    case TW_KEY_LONG: {
        uint64_t v;
        if ((rc = tw_ynode_uint64(node, path, k->umin, k->umax, &v, err)))
            return rc;
        *(long *)p = (long)v;
        return TW_OK;
    }
    case TW_KEY_BOOL:
        return tw_ynode_bool(node, path, (int *)p, err);
    case TW_KEY_ENUM: {
        const char *s;
        if ((rc = tw_ynode_string(node, path, &s, err)))
            return rc;
        for (int i = 0; k->values && k->values[i]; i++)
            if (strcmp(s, k->values[i]) == 0) {
                *(int *)p = i;
                return TW_OK;
            }
        char list[400];
        value_list(k, list, sizeof list);
        tw_ynode_where(node, path, where, sizeof where);
        return tw_error_set(err, TW_ECONFIG, "%s: unknown value '%s' (valid: %s)", where, s,
                            list);
    }
    case TW_KEY_STRING: {
        const char *s;
        if ((rc = tw_ynode_string(node, path, &s, err)))
            return rc;
        /* a default's document is temporary: keep the table's own text */
        *(const char **)p = is_default ? k->def : s;
        return TW_OK;
    }
    case TW_KEY_TABLE:
        return tw_keys_read(node, path, k->sub, k->n_sub, dst, user, 1, err);
    case TW_KEY_CUSTOM:
        return k->read ? k->read(node, path, k, p, user, err) : TW_OK;
    case TW_KEY_SECTION:
        return TW_OK;
    }
    return tw_error_set(err, TW_EINTERNAL, "key '%s': unknown key type %d", path, (int)k->type);
}

static int read_default(tw_ynode node, const char *path, const tw_key *k, void *dst,
                        void *user, tw_error *err);

int tw_keys_read_one(tw_ynode node, const char *path, const tw_key *k, void *dst, void *user,
                     tw_error *err)
{
    int rc = read_default(node, path, k, dst, user, err);
    if (!rc && k->then)
        rc = k->then(node, path, k, at(dst, k), user, err);
    return rc;
}

static int read_default(tw_ynode node, const char *path, const tw_key *k, void *dst,
                        void *user, tw_error *err)
{
    if (tw_ynode_ok(node) || k->type == TW_KEY_SECTION)
        return read_value(node, path, k, dst, user, 0, err);
    const char *file = tw_yaml_filename(node.doc);
    if (k->required)
        return tw_error_set(err, TW_ECONFIG, "%s: required key '%s' is missing (%s)", file, path,
                            k->doc ? k->doc : "");
    if (!k->def) {
        /* no default: a table's keys may still have theirs; a custom reader
         * sees the absent node and applies what it documents */
        if (k->type == TW_KEY_TABLE || k->type == TW_KEY_CUSTOM)
            return read_value(node, path, k, dst, user, 0, err);
        return TW_OK;
    }
    /* the default text, read as if it had been written */
    tw_yaml *doc = NULL;
    int rc = tw_yaml_load_string("(default)", k->def, strlen(k->def), &doc, err);
    if (!rc) {
        rc = read_value(tw_yaml_root(doc), path, k, dst, user, 1, err);
        tw_yaml_free(doc);
    }
    if (rc)
        tw_error_prefix(err, "%s: key '%s' not given, its default '%s' does not apply: ", file,
                        path, k->def);
    return rc;
}

int tw_keys_check(tw_ynode map, const char *prefix, const tw_key *table, size_t n,
                  tw_error *err)
{
    const char *allowed[128];
    size_t na = 0;
    for (size_t i = 0; i < n && na < 127; i++)
        allowed[na++] = table[i].name;
    allowed[na] = NULL;
    return tw_ynode_check_keys(map, prefix, allowed, err);
}

int tw_keys_read(tw_ynode map, const char *prefix, const tw_key *table, size_t n, void *dst,
                 void *user, int check_unknown, tw_error *err)
{
    int rc;
    const int given = tw_ynode_ok(map);
    if (given && check_unknown) {
        if ((rc = tw_keys_check(map, prefix, table, n, err)))
            return rc;
    } else if (given && (rc = tw_ynode_require_map(map, *prefix ? prefix : "(top level)", err))) {
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", table[i].name);
        tw_ynode v = tw_ynode_get(map, table[i].name);
        v.doc = map.doc;
        if ((rc = tw_keys_read_one(v, path, &table[i], dst, user, err)))
            return rc;
    }
    return TW_OK;
}

/* ---- values the engine and the models read alike ---- */

int tw_keys_parse_dist(tw_ynode node, const char *path, tw_dist *out, tw_error *err)
{
    char where[600];
    tw_ynode_where(node, path, where, sizeof where);
    memset(out, 0, sizeof *out);
    if (tw_ynode_type(node) == TW_Y_SCALAR) {
        double v;
        int rc = tw_ynode_double(node, path, &v, err);
        if (rc)
            return tw_error_set(err, TW_ECONFIG,
                                "%s: expected a number (a constant) or a mapping {dist: ..., ...}, "
                                "got '%s'",
                                where, tw_ynode_scalar(node));
        return tw_dist_init(out, TW_DIST_CONSTANT, &v, NULL, NULL, 0, err);
    }
    if (tw_ynode_type(node) != TW_Y_MAPPING)
        return tw_error_set(err, TW_ECONFIG, "%s: expected a distribution {dist: ..., ...}%s",
                            where, tw_ynode_ok(node) ? "" : " (missing)");
    tw_ynode dn = tw_ynode_get(node, "dist");
    const char *dname;
    char sub[512];
    snprintf(sub, sizeof sub, "%s.dist", path);
    if (!tw_ynode_ok(dn))
        return tw_error_set(err, TW_ECONFIG, "%s: missing 'dist' (one of constant, uniform, "
                            "triangular, pert, normal, truncnormal, lognormal, beta, bernoulli, "
                            "discrete)", where);
    int rc = tw_ynode_string(dn, sub, &dname, err);
    if (rc)
        return rc;
    int kind = tw_dist_kind_from_name(dname);
    if (kind < 0) {
        tw_ynode_where(dn, sub, where, sizeof where);
        return tw_error_set(err, TW_ECONFIG, "%s: unknown distribution '%s' (valid: constant, "
                            "uniform, triangular, pert, normal, truncnormal, lognormal, beta, "
                            "bernoulli, discrete)", where, dname);
    }
    /* allowed keys: dist + required + optional parameter names */
    const char *allowed[16];
    size_t na = 0;
    allowed[na++] = "dist";
    const char *const *req = tw_dist_param_names((tw_dist_kind)kind);
    const char *const *opt = tw_dist_param_optional((tw_dist_kind)kind);
    for (const char *const *p = req; p && *p && na < 14; p++)
        allowed[na++] = *p;
    for (const char *const *p = opt; p && *p && na < 14; p++)
        allowed[na++] = *p;
    if (kind == TW_DIST_DISCRETE && na < 14) {
        allowed[na++] = "values";
        allowed[na++] = "weights";
    }
    allowed[na] = NULL;
    if ((rc = tw_ynode_check_keys(node, path, allowed, err)))
        return rc;

    if (kind == TW_DIST_DISCRETE) {
        double *vals = NULL, *wts = NULL;
        size_t nv = 0, nw = 0;
        snprintf(sub, sizeof sub, "%s.values", path);
        rc = tw_ynode_double_seq(tw_ynode_get(node, "values"), sub, &vals, &nv, err);
        if (!rc) {
            snprintf(sub, sizeof sub, "%s.weights", path);
            rc = tw_ynode_double_seq(tw_ynode_get(node, "weights"), sub, &wts, &nw, err);
        }
        if (!rc && (nv == 0 || nv != nw))
            rc = tw_error_set(err, TW_ECONFIG, "%s: 'values' and 'weights' must be non-empty "
                              "lists of the same length (got %zu and %zu)", where, nv, nw);
        if (!rc) {
            rc = tw_dist_init(out, TW_DIST_DISCRETE, NULL, vals, wts, nv, err);
            if (rc)
                tw_error_prefix(err, "%s: ", where);
        }
        free(vals);
        free(wts);
        return rc;
    }

    double p[TW_DIST_MAX_PARAMS] = {0};
    size_t np = 0;
    for (const char *const *q = req; q && *q; q++, np++) {
        snprintf(sub, sizeof sub, "%s.%s", path, *q);
        tw_ynode v = tw_ynode_get(node, *q);
        if (!tw_ynode_ok(v))
            return tw_error_set(err, TW_ECONFIG, "%s: distribution '%s' needs '%s'", where, dname,
                                *q);
        if ((rc = tw_ynode_double(v, sub, &p[np], err)))
            return rc;
    }
    for (const char *const *q = opt; q && *q; q++, np++) {
        snprintf(sub, sizeof sub, "%s.%s", path, *q);
        tw_ynode v = tw_ynode_get(node, *q);
        if (tw_ynode_ok(v)) {
            if ((rc = tw_ynode_double(v, sub, &p[np], err)))
                return rc;
        } else {
            p[np] = tw_dist_default_param((tw_dist_kind)kind, *q);
        }
    }
    rc = tw_dist_init(out, (tw_dist_kind)kind, p, NULL, NULL, 0, err);
    if (rc)
        tw_error_prefix(err, "%s: ", where);
    return rc;
}

char *tw_path_join(const char *dir, const char *rel)
{
    if (!rel)
        return NULL;
    if (rel[0] == '/' || !dir || !*dir || strcmp(dir, ".") == 0)
        return strdup(rel);
    size_t n = strlen(dir) + strlen(rel) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, rel);
    return p;
}

static void print_one(FILE *f, const char *path, const tw_key *k)
{
    char type[400];
    tw_keys_type_text(k, type, sizeof type);
    const char *def = k->def ? k->def : k->required ? "(required)" : k->def_note ? k->def_note
                                                                                 : "-";
    fprintf(f, "%s\t%s\t%s\t%s\n", path, type, def, k->doc ? k->doc : "");
}

void tw_keys_print(FILE *f, const char *prefix, const tw_key *table, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const tw_key *k = &table[i];
        char path[512];
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", k->name);
        if (k->type == TW_KEY_TABLE) {
            tw_keys_print(f, path, k->sub, k->n_sub);
            continue;
        }
        print_one(f, path, k);
        if (k->type == TW_KEY_SECTION && k->sub) {
            tw_keys_print(f, path, k->sub, k->n_sub);
        } else if (k->type == TW_KEY_CUSTOM && k->sub) {
            char sub[600];
            snprintf(sub, sizeof sub, "%s.%s", path, k->entry ? k->entry : "<NAME>");
            tw_keys_print(f, sub, k->sub, k->n_sub);
        }
    }
}
