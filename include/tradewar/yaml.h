/* tradewar: a read-only view of a YAML document (libyaml's document API),
 * with line numbers kept for error messages.
 *
 * Why not libcyaml: our config has mappings keyed by user-chosen names
 * (`parameters: {t_us_cn: ...}`, `partners: {VNM: ...}`), which a static
 * libcyaml schema cannot express. So the document is loaded with libyaml
 * and validated against our own declarative schema (config.c) and by the
 * models, with every message naming file:line and the dotted key path.
 *
 * Nodes are small values ({doc, id}); they stay valid as long as the document.
 */
#ifndef TRADEWAR_YAML_H
#define TRADEWAR_YAML_H

#include <stddef.h>
#include <stdint.h>

#include "tradewar/error.h"

typedef struct tw_yaml tw_yaml;

typedef struct tw_ynode {
    const tw_yaml *doc;
    int id; /* libyaml node id; 0 = absent */
} tw_ynode;

typedef enum { TW_Y_NONE = 0, TW_Y_SCALAR, TW_Y_SEQUENCE, TW_Y_MAPPING } tw_ytype;

/* Limits on what a config may be: larger files and deeper nesting are
 * TW_ECONFIG errors (a config is a few KB and nests a few levels). */
#define TW_YAML_MAX_BYTES (1 << 20)
#define TW_YAML_MAX_DEPTH 64

/* Load a file (or a string, named `name` in messages). Empty documents and
 * syntax errors are TW_ECONFIG with file:line; so are files with NUL bytes,
 * over TW_YAML_MAX_BYTES or nested deeper than TW_YAML_MAX_DEPTH. */
int tw_yaml_load_file(const char *path, tw_yaml **out, tw_error *err);
int tw_yaml_load_string(const char *name, const char *text, size_t len, tw_yaml **out,
                        tw_error *err);
void tw_yaml_free(tw_yaml *doc);

const char *tw_yaml_filename(const tw_yaml *doc);
/* The raw text the document was parsed from (stored in the HDF5 file). */
const char *tw_yaml_text(const tw_yaml *doc, size_t *len);

tw_ynode tw_yaml_root(const tw_yaml *doc);
int tw_ynode_ok(tw_ynode n);
tw_ytype tw_ynode_type(tw_ynode n);
int tw_ynode_line(tw_ynode n); /* 1-based; 0 if absent */
const char *tw_ynode_scalar(tw_ynode n); /* NULL unless scalar */

/* Mapping access. get returns an absent node if the key is missing. */
tw_ynode tw_ynode_get(tw_ynode map, const char *key);
size_t tw_ynode_size(tw_ynode n); /* pairs of a mapping, items of a sequence */
tw_ynode tw_ynode_key_at(tw_ynode map, size_t i);
tw_ynode tw_ynode_value_at(tw_ynode map, size_t i);
tw_ynode tw_ynode_item(tw_ynode seq, size_t i);

/* Typed readers. `path` is the dotted key path used in the message
 * ("parameters.t_us_cn.min"). All return TW_ECONFIG with file:line on a
 * wrong type or an unparsable value. */
int tw_ynode_double(tw_ynode n, const char *path, double *out, tw_error *err);
int tw_ynode_int64(tw_ynode n, const char *path, int64_t *out, tw_error *err);
/* An integer in [min, max], exactly: digits of any length (checked for
 * overflow) or an exact floating-point spelling up to 2^53 ("1e6"); anything
 * else, out of range or not exact, is an error naming file:line, key and range. */
int tw_ynode_uint64(tw_ynode n, const char *path, uint64_t min, uint64_t max, uint64_t *out,
                    tw_error *err);
int tw_ynode_bool(tw_ynode n, const char *path, int *out, tw_error *err);
int tw_ynode_string(tw_ynode n, const char *path, const char **out, tw_error *err);
/* A sequence of numbers; *out is malloc'ed, caller frees. */
int tw_ynode_double_seq(tw_ynode n, const char *path, double **out, size_t *count,
                        tw_error *err);

/* Check that `map` is a mapping whose keys are all in `allowed` (NULL-terminated).
 * An unknown key is an error that lists the valid ones, after the nearest
 * one when it looks like a typo ("did you mean 'samples'?": at most 2 edits).
 * Duplicate keys are errors too. */
int tw_ynode_check_keys(tw_ynode map, const char *path, const char *const *allowed,
                        tw_error *err);
/* Require `map` to be a mapping (error otherwise). */
int tw_ynode_require_map(tw_ynode map, const char *path, tw_error *err);

/* Format the standard location prefix "file:line: key 'path': " into buf. */
int tw_ynode_where(tw_ynode n, const char *path, char *buf, size_t size);

#endif
