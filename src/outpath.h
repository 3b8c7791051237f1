/* The result file's path before a run (outpath.c): the default name from the
 * config's, and rank 0's checks before anything is written. Internal to
 * runner.c, which calls both; moved out of it unchanged. */
#ifndef TW_OUTPATH_H
#define TW_OUTPATH_H

#include <stdint.h>

#include "writelock.h"
#include "tradewar/error.h"

/* "results/NAME.h5" for config path ".../NAME.yaml" (malloc'd; NULL when out
 * of memory). */
char *tw_outpath_default(const char *config_path);

/* Rank 0, before anything is written: the path's length (Open MPI's MPI-IO
 * limit), the directory (created with its parents, and writable), the
 * write lock (one writer per file: a live holder is refused before the
 * checks below, so that the message names it), the existing file (needs
 * resume or force), the free space for bytes_needed. *exists says whether
 * the file exists; *lock holds the write lock on success. */
int tw_outpath_preflight(const char *path, int resume, int force, int quiet,
                         uint64_t bytes_needed, int *exists, tw_writelock **lock,
                         tw_error *err);

#endif
