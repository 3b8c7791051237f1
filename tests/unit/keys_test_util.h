/* Configs generated from a key table (tradewar/keys.h), for the tests that
 * hold the tables to what the readers do: test_keys.c (engine, analytic
 * models) and test_twm_model_config.c (the trade model).
 *   keys_defaults_yaml: every key that has a default, written with it;
 *   keys_each_bad:      one config per bounded/enumerated/boolean key with a
 *                       value the table forbids, and what its error must say;
 *   keys_expect_refused: the check of that error.
 * `entry` names the entry of a map read with a sub-table (a partner code). */
#ifndef TW_TEST_KEYS_UTIL_H
#define TW_TEST_KEYS_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradewar/keys.h"

/* Writes the keys of t that have a default (a nested table only if some of
 * its keys have one); returns how many. */
static size_t keys_emit_defaults(FILE *f, const tw_key *t, size_t n, int indent,
                                 const char *entry)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        const tw_key *k = &t[i];
        const int nested = k->type == TW_KEY_TABLE || (k->type == TW_KEY_CUSTOM && k->sub && entry);
        if (nested) {
            char *buf = NULL;
            size_t len = 0, got;
            FILE *g = open_memstream(&buf, &len);
            if (k->type == TW_KEY_TABLE)
                got = keys_emit_defaults(g, k->sub, k->n_sub, indent + 2, entry);
            else
                got = keys_emit_defaults(g, k->sub, k->n_sub, indent + 4, entry);
            fclose(g);
            if (got && k->type == TW_KEY_TABLE)
                fprintf(f, "%*s%s:\n%s", indent, "", k->name, buf);
            else if (got)
                fprintf(f, "%*s%s:\n%*s%s:\n%s", indent, "", k->name, indent + 2, "", entry ? entry : "?", buf);
            count += got;
            free(buf);
        } else if (k->def) {
            fprintf(f, "%*s%s: %s\n", indent, "", k->name, k->def);
            count++;
        }
    }
    return count;
}

/* malloc'ed YAML: `head` then every default of the table. */
static char *keys_defaults_yaml(const char *head, const tw_key *t, size_t n, const char *entry)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fputs(head, f);
    keys_emit_defaults(f, t, n, 0, entry);
    fclose(f);
    return buf;
}

/* One forbidden value of key k and the fragment its error must contain
 * (the bounds or the allowed values); 0 if the table declares none. */
static int keys_bad_value(const tw_key *k, int which, char *val, size_t vs, char *frag,
                          size_t fs)
{
    char type[400];
    tw_keys_type_text(k, type, sizeof type);
    switch (k->type) {
    case TW_KEY_DOUBLE:
        if (k->lo == 0.0 && k->hi == 0.0)
            return 0;
        snprintf(val, vs, "%.17g", which ? k->lo - 1.0 : k->hi + 1.0);
        snprintf(frag, fs, "must be %s", type + strlen("number "));
        return 1;
    case TW_KEY_UINT:
    case TW_KEY_LONG:
        snprintf(val, vs, "%s", which ? "-1" : "2.5");
        snprintf(frag, fs, "an integer in [%llu, %llu]", (unsigned long long)k->umin,
                 (unsigned long long)k->umax);
        return 1;
    case TW_KEY_ENUM: {
        snprintf(val, vs, "%s", which ? "no_such_value" : "[1, 2]");
        size_t used = (size_t)snprintf(frag, fs, which ? "(valid: " : "expected");
        for (const char *const *v = k->values; which && *v && used < fs; v++)
            used += (size_t)snprintf(frag + used, fs - used, "%s%s", v == k->values ? "" : ", ",
                                     *v);
        return 1;
    }
    case TW_KEY_BOOL:
        snprintf(val, vs, "%s", which ? "maybe" : "2");
        snprintf(frag, fs, "expected true or false");
        return 1;
    default:
        return 0;
    }
}

typedef void (*keys_bad_fn)(const char *yaml, int line, const char *path, const char *frag,
                            void *user);

/* For every scalar key with bounds or allowed values: a config `head` +
 * `prefix_yaml` (the lines that open the table's section, at nesting `depth`)
 * + the key at its place with a forbidden value; fn gets the config, the
 * key's line, dotted path and the fragment its error must contain. Returns
 * the number of configs. */
static size_t keys_each_bad(const char *head, const tw_key *t, size_t n, const char *entry,
                            const char *prefix_yaml, int depth, const char *prefix_path,
                            keys_bad_fn fn, void *user)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        const tw_key *k = &t[i];
        char path[512], yaml[2048], sub[1024];
        snprintf(path, sizeof path, "%s%s%s", prefix_path, *prefix_path ? "." : "", k->name);
        if (k->type == TW_KEY_TABLE) {
            snprintf(sub, sizeof sub, "%s%*s%s:\n", prefix_yaml, 2 * depth, "", k->name);
            count += keys_each_bad(head, k->sub, k->n_sub, entry, sub, depth + 1, path, fn, user);
            continue;
        }
        if (k->type == TW_KEY_CUSTOM && k->sub && entry) {
            char epath[600];
            snprintf(sub, sizeof sub, "%s%*s%s:\n%*s%s:\n", prefix_yaml, 2 * depth, "", k->name,
                     2 * depth + 2, "", entry);
            snprintf(epath, sizeof epath, "%s.%s", path, entry);
            count += keys_each_bad(head, k->sub, k->n_sub, entry, sub, depth + 2, epath, fn,
                                   user);
            continue;
        }
        for (int which = 0; which < 2; which++) {
            char val[128], frag[512];
            if (!keys_bad_value(k, which, val, sizeof val, frag, sizeof frag))
                break;
            int line = 1;
            for (const char *c = head; *c; c++)
                line += *c == '\n';
            for (const char *c = prefix_yaml; *c; c++)
                line += *c == '\n';
            snprintf(yaml, sizeof yaml, "%s%s%*s%s: %s\n", head, prefix_yaml, 2 * depth, "",
                     k->name, val);
            fn(yaml, line, path, frag, user);
            count++;
        }
    }
    return count;
}

/* What a config of keys_each_bad must get: refused (TW_ECONFIG) with a
 * message naming "file:line: key 'path'" and the fragment; fails the test
 * otherwise, showing the config (needs cmocka.h before this header). */
static void keys_expect_refused(const char *file, const char *yaml, int line, const char *path,
                                const char *frag, int rc, const char *msg)
{
    char where[600];
    snprintf(where, sizeof where, "%s:%d: key '%s'", file, line, path);
    if (rc != TW_ECONFIG || !strstr(msg, where) || !strstr(msg, frag))
        fail_msg("config:\n%s\nrc %d, message '%s'\nwanted '%s' and '%s'", yaml, rc, msg, where,
                 frag);
}

#endif
