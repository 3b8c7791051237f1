/* tradewar: sharded runs and their merge (docs/CLUSTER.md "Sharded runs",
 * docs/FORMAT.md "Parts of a sharded run").
 *
 * `tradewar run CONFIG --shard I/N -o part-I.h5` computes shard I of N: a
 * contiguous range of blocks (tw_shard_blocks). Sample values depend only on
 * (config, seed, sample index), so a block computed in a shard is bitwise the
 * block of the unsharded run. A part is laid out like the whole result file
 * (every dataset sized for all samples, rows outside the shard keep their
 * fill values) and records root attributes `shard_index`, `shard_count` and
 * `shard_config` (the config's absolute path); it has no summary: when its
 * blocks are done it is marked finished and the passes are left to merge.
 *
 * `tradewar merge OUT.h5 PART...` checks that the parts are the N shards of
 * one run (same identity, each index once, each part finished), copies the
 * rows of every part into a temporary file next to OUT, runs the final passes
 * (sensitivity, summary by regime, summary) with the same code as `run`, and
 * renames the file to OUT at the end. The parts are only ever opened
 * read-only; a failed merge leaves no OUT (nor temporary file) behind.
 */
#ifndef TRADEWAR_SHARD_H
#define TRADEWAR_SHARD_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "tradewar/error.h"
#include "tradewar/output.h"

/* At most this many shards (a shard has at least one block, so also at most
 * n_blocks). */
#define TW_MAX_SHARDS 100000u

/* Parse "I/N" (decimal digits only, 1 <= I <= N <= TW_MAX_SHARDS). Returns 0,
 * or -1 with a reason in why (size n). */
int tw_shard_parse(const char *spec, unsigned *index, unsigned *count, char *why, size_t n);

/* The blocks of shard index (1-based) of count: [*b0, *b1), contiguous, the
 * shards in order and together all n_blocks blocks exactly once; their sizes
 * differ by at most one block. */
void tw_shard_blocks(uint64_t n_blocks, unsigned index, unsigned count, uint64_t *b0,
                     uint64_t *b1);

/* A malloc'ed absolute form of path (relative to the working directory;
 * symbolic links are kept), or NULL with errno set. A part records its
 * config this way, so that merge finds it from another directory. */
char *tw_shard_abs_path(const char *path);

/* Serial (rank 0), after the part's last block: mark the part finished
 * (finished = 1, n_converged over the part's own samples, elapsed_seconds,
 * mpi_ranks, omp_threads). No summary is written. */
int tw_shard_finish_part(const char *path, const tw_run_meta *meta, double elapsed,
                         tw_error *err);

typedef struct tw_merge_opts {
    const char *output;        /* OUT.h5 */
    const char *const *parts;  /* the part files */
    size_t n_parts;
    const char *config;        /* NULL: the path the parts recorded (shard_config) */
    int force, quiet;
    size_t mem_budget;         /* bytes per rank for the summary pass (0: 256 MiB) */
} tw_merge_opts;

/* COLLECTIVE. Merge the parts into OUT (see above). Refusals (exit 1): a file
 * that is not a part, parts of different runs (the message names the key and
 * both files), a missing or duplicated shard, an unfinished part (named), an
 * existing OUT without force, a config that does not hash to the parts'
 * config_sha256. A damaged part: TW_EDATA (exit 2). */
int tw_merge(MPI_Comm comm, const tw_merge_opts *opts, tw_error *err);

#endif
