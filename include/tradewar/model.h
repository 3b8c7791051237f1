/* tradewar: the model interface.
 *
 * The engine knows nothing about trade: a model is a const table of
 * functions plus an opaque state (GSL's gsl_rng_type shape). The engine
 *   1. calls create() with the parsed config (the model validates its own
 *      sections and loads its data),
 *   2. reads the schema: the parameters (with default distributions, which
 *      the config's `parameters:` section may override), the labelled
 *      dimensions, the outcomes and optional baseline arrays,
 *   3. allocates one workspace per thread and calls evaluate() for each
 *      sample: pure, thread-safe, no allocation, no I/O, no MPI.
 */
#ifndef TRADEWAR_MODEL_H
#define TRADEWAR_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "tradewar/error.h"
#include "tradewar/keys.h"
#include "tradewar/params.h"
#include "tradewar/yaml.h"

#define TW_MAX_OUTCOME_DIMS 3

/* A labelled dimension ("region", "sector", "partner"). */
typedef struct tw_dimension {
    const char *name;
    const char *description;
    size_t size;
    const char *const *labels; /* size strings (codes) */
} tw_dimension;

/* An outcome: a scalar or an array over model dimensions per sample. */
typedef struct tw_outcome_info {
    const char *name;        /* dataset name, e.g. "welfare_pct" */
    const char *units;       /* e.g. "percent" */
    const char *description;
    int ndims;               /* 0..TW_MAX_OUTCOME_DIMS */
    int dims[TW_MAX_OUTCOME_DIMS]; /* indices into schema.dims */
} tw_outcome_info;

/* A fixed array stored under /baseline (data the model was built from). */
typedef struct tw_array_info {
    const char *name;
    const char *units;
    const char *description;
    int ndims;
    int dims[TW_MAX_OUTCOME_DIMS];
    const double *data; /* row-major, owned by the model state */
} tw_array_info;

typedef struct tw_model_schema {
    tw_params *params; /* owned by the model state; the engine may override dists */
    size_t n_dims;
    const tw_dimension *dims;
    size_t n_outcomes;
    const tw_outcome_info *outcomes;
    size_t n_baseline;
    const tw_array_info *baseline;
} tw_model_schema;

/* What create() gets: the config document and where relative paths start. */
typedef struct tw_model_ctx {
    const tw_yaml *doc;
    tw_ynode root;          /* the whole config mapping */
    const char *config_dir; /* directory of the config file */
    const char *data_dir;   /* `data:` resolved against config_dir, or NULL */
    double tol;             /* solver.tol (the engine's key table has the default) */
    long max_iter;          /* solver.max_iter */
} tw_model_ctx;

typedef struct tw_eval_status {
    int converged;  /* 1 if the solve met its tolerance */
    int iterations;
    double residual;
} tw_eval_status;

typedef struct tw_model_type {
    const char *name;
    const char *description;
    /* Top-level config keys this model reads, besides the engine's own, as
     * a key table (tradewar/keys.h): create() reads them with tw_keys_read;
     * the engine refuses any other top-level key and lists the table in
     * `tradewar check --keys`. */
    const tw_key *config_keys;
    size_t n_config_keys;

    int (*create)(const tw_model_ctx *ctx, void **state, tw_error *err);
    void (*destroy)(void *state); /* accepts NULL */
    const tw_model_schema *(*schema)(const void *state);

    void *(*workspace_alloc)(const void *state); /* NULL on out of memory */
    void (*workspace_free)(void *ws);            /* accepts NULL */

    /* params: values in schema->params order. outcomes: all outcome arrays
     * concatenated in schema order, row-major. Returns TW_OK, or an error for
     * a condition that is not a non-convergence (status->converged == 0 is
     * not an error: the sample is flagged, not dropped), with its reason in
     * err (which parameter, which value; the engine adds the sample index).
     * err belongs to the calling thread. */
    int (*evaluate)(const void *state, void *ws, const double *params, double *outcomes,
                    tw_eval_status *status, tw_error *err);
} tw_model_type;

/* Registry of built-in models. */
const tw_model_type *tw_model_find(const char *name);
/* NULL-terminated list, for messages listing valid choices. */
const tw_model_type *const *tw_model_list(void);

/* Number of doubles of one outcome (product of its dims) and of a full row. */
size_t tw_outcome_size(const tw_model_schema *s, size_t k);
size_t tw_outcome_row_size(const tw_model_schema *s);

#endif
