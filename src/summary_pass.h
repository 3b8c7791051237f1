/* Internal: the streaming pass over the finished file (summary.c), shared
 * by the summary pass (/summary) and the by-regime pass (summary_by.c,
 * /summary_by): slabs of rows fed to bounded-memory column streams. */
#ifndef TRADEWAR_SUMMARY_PASS_H
#define TRADEWAR_SUMMARY_PASS_H

#include <hdf5.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "tradewar/stats.h"

/* ---- the streaming pass over the file, shared by both ----
 * Memory per rank: one slab of rows (4 MiB, or TW_SUMMARY_SLAB_ROWS rows)
 * and its masks, plus budget bytes of column streams (stats.h), whatever the
 * number of samples. */
typedef struct tw_summary_pass {
    size_t cap;       /* values per stream (TW_SUMMARY_CAP, default 65536) */
    size_t slab_rows; /* 0: 4 MiB of rows */
    size_t budget;    /* bytes of streams at once */
    const volatile sig_atomic_t *stop; /* honoured between slabs; may be NULL */
    double read_wall, read_cpu; /* seconds building the pass's masks (every rank, serial) */
    /* NULL, or work for the master thread between its reads while the other
     * threads feed and end the streams (HDF5 on the master only): each call
     * does one small piece and returns 1, or 0 when nothing is pending now */
    int (*bg)(void *bg_ctx);
    void *bg_ctx;
} tw_summary_pass;

void tw_summary_pass_init(tw_summary_pass *pc, size_t budget, const volatile sig_atomic_t *stop);

/* Rows per slab of a dataset whose rows hold `width` doubles (<= n, >= 1). */
size_t tw_summary_slab_rows(const tw_summary_pass *pc, uint64_t n, size_t width);
/* Rows [s0, s0 + cnt) of a [n, ...] dataset. Returns 0 or -1. */
int tw_summary_read_rows(hid_t ds, hid_t memtype, uint64_t s0, size_t cnt, void *buf);

/* Fills nm masks of cnt bytes (mask l at masks + l * cnt) for rows
 * [s0, s0 + cnt). Returns 0 or -1. */
typedef int (*tw_summary_mask_fn)(void *ctx, uint64_t s0, size_t cnt, uint8_t *masks);

/* out[c * nm + l]: the summary of element cols[c] of the [n, elems] dataset
 * ds over the samples of mask l. Returns 0, -1 (read error, out of memory)
 * or 1 (stopped: *stopped = the signal). */
int tw_summary_columns(hid_t ds, uint64_t n, size_t elems, const size_t *cols, size_t ncols,
                       size_t nm, tw_summary_mask_fn masks_of, void *ctx,
                       tw_summary_pass *pc, tw_summary *out, int *stopped);

#endif
