/* tradewar: declarative config keys (the engine's and every model's).
 *
 * A config section is a table of tw_key entries: name, type, bounds or
 * allowed values, default, destination (offsetof into a struct the caller
 * owns) and a doc line. One reader, tw_keys_read(), walks a YAML mapping with
 * the table: unknown and duplicate keys, wrong types, values out of bounds
 * and values not among the allowed ones are TW_ECONFIG errors naming
 * file:line, the dotted key and the bounds or the allowed values. The same
 * table drives `tradewar check --keys` (tw_keys_print), so the listing is
 * every key the reader accepts, with its default.
 *
 * Defaults are YAML text ("1e-10", "us", "{dist: beta, a: 2, b: 2}"): an
 * absent key with a default is read exactly as if the default had been
 * written, through the same conversion and checks, so a default is declared
 * once (here) and a config listing every key with its default reads to the
 * same values as an empty one (tests/unit/test_keys.c).
 *
 * Scalars (numbers, integers, booleans, enumerations, strings) are read by
 * the table itself; structured values (lists of codes, maps keyed by
 * user-chosen names, distributions) by a TW_KEY_CUSTOM entry's callback,
 * which may read each entry of a map with a sub-table (`partners.<CODE>`).
 */
#ifndef TRADEWAR_KEYS_H
#define TRADEWAR_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tradewar/dist.h"
#include "tradewar/error.h"
#include "tradewar/yaml.h"

typedef enum {
    TW_KEY_DOUBLE, /* double; in [lo, hi] ((lo, ...) with lo_open, (..., hi) with hi_open) */
    TW_KEY_UINT,   /* uint64_t; an exact integer in [umin, umax] */
    TW_KEY_LONG,   /* long; an exact integer in [umin, umax] (non-negative) */
    TW_KEY_BOOL,   /* int 0/1: true/false, yes/no, on/off */
    TW_KEY_ENUM,   /* int: index of the value in `values` */
    TW_KEY_STRING, /* const char *: points into the document (valid while it lives);
                      a default is stored as the `def` text itself (a plain scalar) */
    TW_KEY_TABLE,  /* a nested mapping read with `sub` into the same destination */
    TW_KEY_CUSTOM, /* read by `read` (structured values); `sub`, if given, lists the
                      keys of each entry for the listing */
    TW_KEY_SECTION /* accepted here, read elsewhere (e.g. the engine's `parameters:`);
                      `sub`, if given, is the table the section's reader checks its
                      keys against (tw_keys_check) and the listing shows */
} tw_key_type;

#define TW_KEY_NOWHERE ((size_t)-1)

typedef struct tw_key tw_key;

/* Reads a TW_KEY_CUSTOM value. node: the value (absent when the key is not
 * given and has no default); path: its dotted key; dst: the destination base
 * plus the key's offset (the base itself with TW_KEY_NOWHERE); user: what
 * the caller passed to tw_keys_read. Errors name file:line and path. */
typedef int (*tw_key_read_fn)(tw_ynode node, const char *path, const tw_key *key, void *dst,
                              void *user, tw_error *err);

struct tw_key {
    const char *name;
    tw_key_type type;
    const char *def;    /* default as YAML text, or NULL: none (the destination keeps
                           what the caller set, or a CUSTOM reader gets an absent node) */
    size_t offset;      /* destination: offsetof into the caller's struct */
    const char *doc;    /* one line for the listing */
    double lo, hi;      /* TW_KEY_DOUBLE bounds (both 0: unbounded) */
    int lo_open, hi_open;
    uint64_t umin, umax; /* TW_KEY_UINT / TW_KEY_LONG bounds */
    const char *const *values; /* TW_KEY_ENUM: allowed values, NULL-terminated */
    const tw_key *sub;  /* TW_KEY_TABLE: the nested keys; TW_KEY_CUSTOM: keys of each entry */
    size_t n_sub;
    tw_key_read_fn read; /* TW_KEY_CUSTOM */
    tw_key_read_fn then; /* optional, any type: called after the value (given or default)
                            is stored, with the same node, for cross-checks and actions
                            (e.g. rebalancing the data once `deficits:` is known) */
    const char *what;   /* TW_KEY_CUSTOM / TW_KEY_SECTION: what the value is, for the listing */
    const char *entry;  /* TW_KEY_CUSTOM with sub: how an entry is named ("<CODE>") */
    const char *def_note; /* listing only, when there is no `def`: what happens ("derived") */
    int required;       /* absent is an error */
};

#define TW_KEYS_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Read the mapping `map` (absent: every default applies) with table[0..n)
 * into dst. prefix is the dotted path of the mapping ("" at the top level,
 * "solver", "partners.VNM"). Keys are read in table order (a later key may
 * depend on an earlier one), then any key of the mapping that the table does
 * not declare is an error listing the valid ones (check_unknown = 0 skips that,
 * for a top level whose keys are split between tables). */
int tw_keys_read(tw_ynode map, const char *prefix, const tw_key *table, size_t n, void *dst,
                 void *user, int check_unknown, tw_error *err);

/* Only the unknown-key check of tw_keys_read: every key of `map` (a mapping,
 * else an error) must be declared in table[0..n). For a section whose reader
 * needs more than the config (the model's schema) and reads later. */
int tw_keys_check(tw_ynode map, const char *prefix, const tw_key *table, size_t n,
                  tw_error *err);

/* Read one key's value node (absent: its default) into dst: what tw_keys_read
 * does for each entry. */
int tw_keys_read_one(tw_ynode node, const char *path, const tw_key *key, void *dst, void *user,
                     tw_error *err);

/* Parse a distribution node ({dist: triangular, min: .., mode: .., max: ..}
 * or a bare number meaning constant); `path` is the dotted key for messages.
 * Used by the engine for `parameters:` and by models for their own keys
 * (a partner's compliance). */
int tw_keys_parse_dist(tw_ynode node, const char *path, tw_dist *out, tw_error *err);

/* dir/rel, or rel when it is absolute or dir is empty or "."; malloc'ed
 * (paths in a config are relative to the config's directory). */
char *tw_path_join(const char *dir, const char *rel);

/* Print the table as `key TAB type TAB default TAB doc` lines, nested keys
 * dotted (prefix: the path of the table); tw_config_print_keys aligns them. */
void tw_keys_print(FILE *f, const char *prefix, const tw_key *table, size_t n);

/* The type column of the listing ("number in (0, 1)", "us | aligned | world"). */
int tw_keys_type_text(const tw_key *key, char *buf, size_t size);

#endif
