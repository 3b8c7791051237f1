/* A read-only YAML document view on top of libyaml's document loader. */
#include "tradewar/yaml.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

struct tw_yaml {
    yaml_document_t doc;
    char *filename;
    char *text;
    size_t len;
};

static yaml_node_t *node_of(tw_ynode n)
{
    if (!n.doc || n.id <= 0)
        return NULL;
    return yaml_document_get_node((yaml_document_t *)&n.doc->doc, n.id);
}

/* Nesting deeper than TW_YAML_MAX_DEPTH is refused before the document is
 * built: libyaml's scanner is quadratic in the flow depth (20,000 levels of
 * `[[[...` took 36 s) and no config of ours nests more than a few levels.
 * The event pass stops at the first level too deep, so the cost stays small;
 * syntax errors are left to the document loader, which reports them. */
static int check_depth(const char *name, const char *text, size_t len, tw_error *err)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return tw_error_set(err, TW_ENOMEM, "%s: out of memory", name);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    int depth = 0, rc = TW_OK;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev))
            break;
        yaml_event_type_t t = ev.type;
        unsigned long line = (unsigned long)ev.start_mark.line + 1;
        yaml_event_delete(&ev);
        if (t == YAML_STREAM_END_EVENT)
            break;
        if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) {
            if (++depth > TW_YAML_MAX_DEPTH) {
                rc = tw_error_set(err, TW_ECONFIG, "%s:%lu: nesting deeper than %d levels "
                                  "(the limit for a config)", name, line, TW_YAML_MAX_DEPTH);
                break;
            }
        } else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT) {
            depth--;
        }
    }
    yaml_parser_delete(&p);
    return rc;
}

static int load_buffer(const char *name, char *text, size_t len, tw_yaml **out, tw_error *err)
{
    *out = NULL;
    tw_yaml *y = calloc(1, sizeof *y);
    if (!y) {
        free(text);
        return tw_error_set(err, TW_ENOMEM, "%s: out of memory", name);
    }
    y->filename = strdup(name);
    y->text = text;
    y->len = len;
    yaml_parser_t parser;
    if (!y->filename || !yaml_parser_initialize(&parser)) {
        tw_yaml_free(y);
        return tw_error_set(err, TW_ENOMEM, "%s: out of memory", name);
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int rc = check_depth(name, text, len, err);
    if (rc) {
        yaml_parser_delete(&parser);
        tw_yaml_free(y);
        return rc;
    }
    if (!yaml_parser_load(&parser, &y->doc)) {
        rc = tw_error_set(err, TW_ECONFIG, "%s:%lu: YAML syntax error: %s%s%s", name,
                              (unsigned long)parser.problem_mark.line + 1,
                              parser.problem ? parser.problem : "unknown",
                              parser.context ? " " : "", parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        free(y->filename);
        free(y->text);
        free(y);
        return rc;
    }
    yaml_parser_delete(&parser);
    if (!yaml_document_get_root_node(&y->doc)) {
        tw_yaml_free(y);
        return tw_error_set(err, TW_ECONFIG, "%s:1: the config is empty", name);
    }
    *out = y;
    return TW_OK;
}

int tw_yaml_load_string(const char *name, const char *text, size_t len, tw_yaml **out,
                        tw_error *err)
{
    if (len > TW_YAML_MAX_BYTES)
        return tw_error_set(err, TW_ECONFIG, "%s: the config is larger than %d MiB (the limit)",
                            name, TW_YAML_MAX_BYTES >> 20);
    char *copy = malloc(len + 1);
    if (!copy)
        return tw_error_set(err, TW_ENOMEM, "%s: out of memory", name);
    memcpy(copy, text, len);
    copy[len] = '\0';
    return load_buffer(name, copy, len, out, err);
}

int tw_yaml_load_file(const char *path, tw_yaml **out, tw_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return tw_error_set(err, TW_ECONFIG, "%s: cannot open config: %s", path, strerror(errno));
    /* Read in pieces and stop at the first NUL byte or past the size cap:
     * /dev/zero, a FIFO or a binary file given as the config must end with
     * a message at once, not after memory has grown without bound. */
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    int bad = 0, nul = 0, big = 0;
    while (buf) {
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        nul = memchr(buf + len, '\0', got) != NULL;
        len += got;
        if (nul || len + 1 < cap)
            break;
        if (len > TW_YAML_MAX_BYTES) {
            big = 1;
            break;
        }
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    bad = ferror(f);
    fclose(f);
    if (!buf)
        return tw_error_set(err, TW_ENOMEM, "%s: out of memory", path);
    if (!bad && !nul && !big && len > TW_YAML_MAX_BYTES)
        big = 1;
    buf[len] = '\0';
    int rc = TW_OK;
    if (nul)
        rc = tw_error_set(err, TW_ECONFIG, "%s: not a text file (contains NUL bytes)", path);
    else if (big)
        rc = tw_error_set(err, TW_ECONFIG, "%s: the config is larger than %d MiB (the limit); "
                          "is it really a YAML config?", path, TW_YAML_MAX_BYTES >> 20);
    else if (bad)
        rc = tw_error_set(err, TW_ECONFIG, "%s: read error", path);
    if (rc) {
        free(buf);
        return rc;
    }
    return load_buffer(path, buf, len, out, err);
}

void tw_yaml_free(tw_yaml *doc)
{
    if (!doc)
        return;
    yaml_document_delete(&doc->doc);
    free(doc->filename);
    free(doc->text);
    free(doc);
}

const char *tw_yaml_filename(const tw_yaml *doc) { return doc ? doc->filename : "?"; }

const char *tw_yaml_text(const tw_yaml *doc, size_t *len)
{
    if (len)
        *len = doc ? doc->len : 0;
    return doc ? doc->text : NULL;
}

tw_ynode tw_yaml_root(const tw_yaml *doc)
{
    tw_ynode n = {doc, 0};
    if (doc && yaml_document_get_root_node((yaml_document_t *)&doc->doc))
        n.id = 1; /* libyaml numbers nodes from 1; the root is the first */
    return n;
}

int tw_ynode_ok(tw_ynode n) { return node_of(n) != NULL; }

tw_ytype tw_ynode_type(tw_ynode n)
{
    yaml_node_t *y = node_of(n);
    if (!y)
        return TW_Y_NONE;
    switch (y->type) {
    case YAML_SCALAR_NODE:
        return TW_Y_SCALAR;
    case YAML_SEQUENCE_NODE:
        return TW_Y_SEQUENCE;
    case YAML_MAPPING_NODE:
        return TW_Y_MAPPING;
    default:
        return TW_Y_NONE;
    }
}

int tw_ynode_line(tw_ynode n)
{
    yaml_node_t *y = node_of(n);
    return y ? (int)y->start_mark.line + 1 : 0;
}

const char *tw_ynode_scalar(tw_ynode n)
{
    yaml_node_t *y = node_of(n);
    return (y && y->type == YAML_SCALAR_NODE) ? (const char *)y->data.scalar.value : NULL;
}

size_t tw_ynode_size(tw_ynode n)
{
    yaml_node_t *y = node_of(n);
    if (!y)
        return 0;
    if (y->type == YAML_MAPPING_NODE)
        return (size_t)(y->data.mapping.pairs.top - y->data.mapping.pairs.start);
    if (y->type == YAML_SEQUENCE_NODE)
        return (size_t)(y->data.sequence.items.top - y->data.sequence.items.start);
    return 0;
}

/* The key (value = 0) or the value of a mapping's i-th pair; absent if map
 * is not a mapping or has no pair i. */
static tw_ynode pair_at(tw_ynode map, size_t i, int value)
{
    tw_ynode r = {map.doc, 0};
    yaml_node_t *y = node_of(map);
    if (y && y->type == YAML_MAPPING_NODE && i < tw_ynode_size(map)) {
        const yaml_node_pair_t *p = &y->data.mapping.pairs.start[i];
        r.id = value ? p->value : p->key;
    }
    return r;
}

tw_ynode tw_ynode_key_at(tw_ynode map, size_t i) { return pair_at(map, i, 0); }

tw_ynode tw_ynode_value_at(tw_ynode map, size_t i) { return pair_at(map, i, 1); }

tw_ynode tw_ynode_item(tw_ynode seq, size_t i)
{
    tw_ynode r = {seq.doc, 0};
    yaml_node_t *y = node_of(seq);
    if (y && y->type == YAML_SEQUENCE_NODE && i < tw_ynode_size(seq))
        r.id = y->data.sequence.items.start[i];
    return r;
}

tw_ynode tw_ynode_get(tw_ynode map, const char *key)
{
    size_t n = tw_ynode_type(map) == TW_Y_MAPPING ? tw_ynode_size(map) : 0;
    for (size_t i = 0; i < n; i++) {
        const char *k = tw_ynode_scalar(tw_ynode_key_at(map, i));
        if (k && strcmp(k, key) == 0)
            return tw_ynode_value_at(map, i);
    }
    tw_ynode none = {map.doc, 0};
    return none;
}

int tw_ynode_where(tw_ynode n, const char *path, char *buf, size_t size)
{
    int line = tw_ynode_line(n);
    const char *file = tw_yaml_filename(n.doc);
    if (line > 0)
        return snprintf(buf, size, "%s:%d: key '%s'", file, line, path);
    return snprintf(buf, size, "%s: key '%s'", file, path);
}

static int type_error(tw_ynode n, const char *path, const char *want, tw_error *err)
{
    char where[512];
    tw_ynode_where(n, path, where, sizeof where);
    if (!tw_ynode_ok(n))
        return tw_error_set(err, TW_ECONFIG, "%s: missing (expected %s)", where, want);
    const char *s = tw_ynode_scalar(n);
    if (s)
        return tw_error_set(err, TW_ECONFIG, "%s: expected %s, got '%s'", where, want, s);
    return tw_error_set(err, TW_ECONFIG, "%s: expected %s, got a %s", where, want,
                        tw_ynode_type(n) == TW_Y_MAPPING ? "mapping" : "list");
}

int tw_ynode_double(tw_ynode n, const char *path, double *out, tw_error *err)
{
    const char *s = tw_ynode_scalar(n);
    if (!s || !*s)
        return type_error(n, path, "a number", err);
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    while (end && (*end == ' ' || *end == '\t'))
        end++;
    /* YAML's .inf/.nan spellings and C's "inf"/"nan" are rejected on purpose:
     * no parameter of ours is meaningfully infinite. */
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        return type_error(n, path, "a finite number", err);
    *out = v;
    return TW_OK;
}

int tw_ynode_int64(tw_ynode n, const char *path, int64_t *out, tw_error *err)
{
    const char *s = tw_ynode_scalar(n);
    if (!s || !*s)
        return type_error(n, path, "an integer", err);
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE) {
        /* accept 1e6-style integers that are exact */
        double d;
        tw_error tmp;
        if (tw_ynode_double(n, path, &d, &tmp) == TW_OK && d == floor(d) && fabs(d) < 9e15) {
            *out = (int64_t)d;
            return TW_OK;
        }
        return type_error(n, path, "an integer", err);
    }
    *out = (int64_t)v;
    return TW_OK;
}

int tw_ynode_uint64(tw_ynode n, const char *path, uint64_t min, uint64_t max, uint64_t *out,
                    tw_error *err)
{
    const char *s = tw_ynode_scalar(n);
    char where[512];
    if (!s || !*s)
        return type_error(n, path, "an integer", err);
    tw_ynode_where(n, path, where, sizeof where);
    uint64_t v;
    int range = 0;
    size_t digits = strspn(s, "0123456789");
    if (digits && s[digits] == '\0') {
        /* plain digits: exact, whatever the size (seeds use all 64 bits) */
        errno = 0;
        unsigned long long u = strtoull(s, NULL, 10);
        range = errno == ERANGE;
        v = (uint64_t)u;
    } else {
        /* 1e6-style spellings are read as doubles, which are exact integers
         * only up to 2^53: beyond that, the digits must be written out
         * (1.8446744073709552e19 is not 2^64 - 1, and a cast would be
         * undefined behaviour) */
        double d;
        tw_error tmp;
        if (tw_ynode_double(n, path, &d, &tmp) != TW_OK || d != floor(d))
            return tw_error_set(err, TW_ECONFIG, "%s: expected an integer in [%llu, %llu], got "
                                "'%s'", where, (unsigned long long)min, (unsigned long long)max, s);
        if (d < 0.0) {
            range = 1;
            v = 0;
        } else if (d > 9007199254740992.0 && (double)max <= 9007199254740992.0) {
            range = 1;
            v = 0;
        } else if (d > 9007199254740992.0) {
            return tw_error_set(err, TW_ECONFIG, "%s: '%s' is beyond 2^53, where a number in "
                                "floating-point notation is not an exact integer: write all its "
                                "digits (an integer in [%llu, %llu])", where, s,
                                (unsigned long long)min, (unsigned long long)max);
        } else {
            v = (uint64_t)d;
        }
    }
    if (range || v < min || v > max)
        return tw_error_set(err, TW_ECONFIG, "%s: out of range: must be an integer in [%llu, %llu], "
                            "got '%s'", where, (unsigned long long)min, (unsigned long long)max, s);
    *out = v;
    return TW_OK;
}

int tw_ynode_bool(tw_ynode n, const char *path, int *out, tw_error *err)
{
    const char *s = tw_ynode_scalar(n);
    if (s) {
        if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on")) {
            *out = 1;
            return TW_OK;
        }
        if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcasecmp(s, "off")) {
            *out = 0;
            return TW_OK;
        }
    }
    return type_error(n, path, "true or false", err);
}

int tw_ynode_string(tw_ynode n, const char *path, const char **out, tw_error *err)
{
    const char *s = tw_ynode_scalar(n);
    if (!s || !*s)
        return type_error(n, path, "a non-empty string", err);
    *out = s;
    return TW_OK;
}

int tw_ynode_double_seq(tw_ynode n, const char *path, double **out, size_t *count,
                        tw_error *err)
{
    *out = NULL;
    *count = 0;
    if (tw_ynode_type(n) != TW_Y_SEQUENCE)
        return type_error(n, path, "a list of numbers", err);
    size_t k = tw_ynode_size(n);
    double *v = malloc((k ? k : 1) * sizeof *v);
    if (!v)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    for (size_t i = 0; i < k; i++) {
        char sub[512];
        snprintf(sub, sizeof sub, "%s[%zu]", path, i);
        int rc = tw_ynode_double(tw_ynode_item(n, i), sub, &v[i], err);
        if (rc) {
            free(v);
            return rc;
        }
    }
    *out = v;
    *count = k;
    return TW_OK;
}

int tw_ynode_require_map(tw_ynode map, const char *path, tw_error *err)
{
    if (tw_ynode_type(map) != TW_Y_MAPPING)
        return type_error(map, path, "a mapping (key: value)", err);
    return TW_OK;
}

/* Levenshtein distance of two short keys (longer ones count as far apart). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return (size_t)-1;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

int tw_ynode_check_keys(tw_ynode map, const char *path, const char *const *allowed,
                        tw_error *err)
{
    int rc = tw_ynode_require_map(map, path, err);
    if (rc)
        return rc;
    size_t n = tw_ynode_size(map);
    for (size_t i = 0; i < n; i++) {
        tw_ynode kn = tw_ynode_key_at(map, i);
        const char *k = tw_ynode_scalar(kn);
        char full[512];
        snprintf(full, sizeof full, "%s%s%s", path, *path ? "." : "", k ? k : "?");
        char where[600];
        tw_ynode_where(kn, full, where, sizeof where);
        if (!k)
            return tw_error_set(err, TW_ECONFIG, "%s: keys must be plain strings", where);
        for (size_t j = 0; j < i; j++) {
            const char *kj = tw_ynode_scalar(tw_ynode_key_at(map, j));
            if (kj && strcmp(kj, k) == 0)
                return tw_error_set(err, TW_ECONFIG, "%s: duplicate key (first at line %d)",
                                    where, tw_ynode_line(tw_ynode_key_at(map, j)));
        }
        int known = 0;
        for (const char *const *a = allowed; a && *a; a++)
            if (strcmp(*a, k) == 0)
                known = 1;
        if (!known) {
            char list[600] = "", guess[160] = "";
            size_t used = 0;
            const char *best = NULL;
            size_t bestd = (size_t)-1;
            for (const char *const *a = allowed; a && *a; a++) {
                if (used < sizeof list - 40)
                    used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                             a == allowed ? "" : ", ", *a);
                size_t dist = edit_distance(k, *a);
                if (dist < bestd) {
                    bestd = dist;
                    best = *a;
                }
            }
            /* a typo: at most 2 edits, and fewer than half the letters */
            if (best && bestd <= 2 && 2 * bestd < strlen(best))
                snprintf(guess, sizeof guess, "did you mean '%s'? ", best);
            return tw_error_set(err, TW_ECONFIG, "%s: unknown key (%svalid keys: %s)", where,
                                guess, list);
        }
    }
    return TW_OK;
}
