/* tradewar: the run configuration (DESIGN.md, "Config").
 *
 * The engine's keys are declared once in a key table (config.c, with the
 * reader of tradewar/keys.h); a model declares the top-level keys it reads in
 * its own table (tw_model_type.config_keys) and reads them in create() with
 * the same reader. Unknown keys, wrong types, missing required fields and
 * impossible values are TW_ECONFIG errors naming file:line and the key.
 */
#ifndef TRADEWAR_CONFIG_H
#define TRADEWAR_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tradewar/design.h"
#include "tradewar/dist.h"
#include "tradewar/error.h"
#include "tradewar/model.h"
#include "tradewar/yaml.h"

typedef struct tw_config {
    char *path;       /* the config file as given */
    char *dir;        /* its directory (relative paths start here) */
    tw_yaml *doc;     /* owned */
    const char *model; /* model name (points into doc) */
    char *data_dir;   /* `data:` resolved, or NULL */
    uint64_t samples;
    uint64_t seed;
    tw_design_kind design;
    const char *output; /* `output:` as written (relative to the working directory; points
                           into doc), or NULL */
    uint64_t block_size; /* samples per block (`block_size:`, default 256) */
    double tol;       /* solver.tol (defaults: the key table in config.c) */
    long max_iter;    /* solver.max_iter */
    char sha256[65];  /* of the config text, hex */
} tw_config;

/* Parse and validate the engine's part of a config file. The model's part is
 * validated by tw_config_apply_model(). */
int tw_config_load(const char *path, tw_config **out, tw_error *err);
void tw_config_free(tw_config *cfg);

/* Check the top-level keys against the engine's and the model's, then apply
 * the `parameters:` (distributions overriding the model's defaults; an unknown
 * parameter name is an error listing the valid ones) and `correlation:`
 * sections to the model's parameter space. With params == NULL only the
 * top-level keys are checked (done before the model is created, so that a
 * typo is reported as such rather than as a model error). */
int tw_config_apply_model(const tw_config *cfg, const tw_model_type *type, tw_params *params,
                          tw_error *err);

/* The keys of the sections read once the model exists (their readers need
 * its parameters or outcomes): defined by the module that reads each one
 * (sensitivity.c, stop.c, summary_by.c), declared here with the engine's
 * keys so that config.c checks and lists them without those modules. */
#define TW_SENS_N_KEYS 5
extern const tw_key tw_sens_keys[TW_SENS_N_KEYS];
#define TW_STOP_N_KEYS 6
extern const tw_key tw_stop_keys[TW_STOP_N_KEYS];
#define TW_SUMMARY_N_KEYS 1
extern const tw_key tw_summary_keys[TW_SUMMARY_N_KEYS];

/* The engine's key table (top level; `solver` nests its keys). */
const tw_key *tw_config_engine_keys(size_t *n);

/* Print the keys the engine reads, then those of each model of the
 * NULL-terminated list `types` (may be NULL): dotted name, type with bounds or
 * allowed values, default, meaning, in aligned columns (`tradewar check
 * --keys`). */
void tw_config_print_keys(FILE *f, const tw_model_type *const *types);

/* Resolve a path relative to the config's directory (malloc'ed). */
char *tw_config_resolve(const tw_config *cfg, const char *relpath);

/* SHA-256 of a buffer as 64 hex chars + NUL. */
void tw_sha256_hex(const void *data, size_t len, char out[65]);

#endif
