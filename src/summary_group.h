/* Internal: the writer of one outcome's summary group, shared by the summary
 * pass (summary.c, /summary) and the by-regime pass (summary_by.c,
 * /summary_by), so that both have the same datasets and descriptions. */
#ifndef TRADEWAR_SUMMARY_GROUP_H
#define TRADEWAR_SUMMARY_GROUP_H

#include <hdf5.h>
#include <mpi.h>
#include <signal.h>
#include <stdint.h>

#include "tradewar/model.h"
#include "tradewar/stats.h"

/* Create <gsum>/<outcome k's name> with mean, std, sem, min, max, count,
 * quantiles, hist_counts, hist_edges from sums[elements of outcome k];
 * attributes n_converged and n_samples. Serial. Returns 0 or -1. */
int tw_summary_write_group(hid_t gsum, const tw_model_schema *s, size_t k,
                           const tw_summary *sums, uint64_t n_conv, uint64_t n);

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
/* ---- the split of a pass's columns over the ranks (issue 12 item 3) ----
 * With more than one rank, rank 0 alone writes the pass's groups (HDF5 is
 * serial here), while the other ranks are still summarising: so that every
 * rank ends at the same time, rank 0 takes fewer columns. With C the pass's
 * total compute and W rank 0's serial write, rank 0 takes the fraction
 *     f0 = max(0, 1/P - (P-1) W / (P C))
 * of the columns (then f0 C + W = (1 - f0) C / (P - 1)), the others split the
 * rest evenly; each rank a contiguous range, in rank order, so that the ranks
 * read disjoint parts of the outcomes (tw_summary_columns). Which rank
 * summarises a column does not change its result: the split only moves the
 * balance. w_over_c is W / C from the cost model below (never from clocks:
 * every rank must compute the same split). */
typedef struct tw_summary_range {
    size_t lo, hi; /* columns [lo, hi) */
} tw_summary_range;

/* Rank's columns of total over size ranks, rank 0 taking the share f0 above
 * (rounded to the nearest column; w_over_c <= 0: the even share). One rank:
 * all of them. */
tw_summary_range tw_summary_split(size_t total, int rank, int size, double w_over_c);

/* The same with the columns weighed by their estimated cost w[0..total)
 * (tw_summary_col_weights): the boundaries fall where the cumulative weight
 * reaches rank 0's share f0 of the total, then the even shares of the rest
 * (a column goes to the rank its weight's midpoint falls in). Still
 * contiguous ranges in rank order. w NULL, or no positive weight: the count
 * split above. The per-column cost varies with the data (1x1, default
 * scenario: 0.8-2.0 ms by outcome), which a count cannot see. */
tw_summary_range tw_summary_split_w(const double *w, size_t total, int rank, int size,
                                    double w_over_c);

/* COLLECTIVE. The estimated cost of every column of the pass, w[0..total),
 * the same on every rank: each rank reads the first min(n, 1024) rows of its
 * even share of the columns, estimates the work of their order statistics
 * (tw_stats_select_work) and the sum over the ranks gives everyone every
 * weight. Returns 0, or -1 (a read failed anywhere, or n == 0: use the count
 * split; every rank returns the same). */
int tw_summary_col_weights(MPI_Comm comm, const char *path, const tw_model_schema *s,
                           uint64_t n, double *w);

/* The cost model of the split: W / C for a pass that writes `objects` HDF5
 * objects (tw_summary_group_objects summed over its groups) and sorts n
 * samples of cols columns `parts` times (the summary: 1; by regime: once per
 * parameter, whose levels partition the samples). */
double tw_summary_write_share(size_t objects, uint64_t n, size_t cols, size_t parts);

/* The HDF5 objects (groups, datasets, scales: each with its fixed set of
 * attributes) that tw_summary_write_group creates for outcome k. */
size_t tw_summary_group_objects(const tw_model_schema *s, size_t k);

/* ---- rank 0 writes while the other ranks summarise (both passes) ----
 * The other ranks send each outcome's summaries to rank 0 as soon as they
 * have them: one message per outcome with columns of theirs, in outcome
 * order, also after a failure (then empty and tagged FAILED, so that rank 0
 * never waits for a message that does not come; the error itself reaches
 * everyone by tw_mpi_agree). Records: column (times the levels, plus the
 * level, by regime) and its summary. */
typedef struct tw_summary_rec {
    uint64_t col;
    tw_summary s;
} tw_summary_rec;

enum { TW_SUMMARY_TAG_OK = 1, TW_SUMMARY_TAG_FAILED = 2 };

typedef struct tw_summary_sender {
    MPI_Comm comm;
    MPI_Request *req; /* room for one per outcome */
    int nreq;
} tw_summary_sender;

/* Sends one outcome's count records (kept until MPI_Waitall on req), or,
 * failed, an empty FAILED message; tests the earlier sends (progress). */
void tw_summary_send(tw_summary_sender *snd, const tw_summary_rec *recs, size_t count,
                     int failed);
/* Rank 0: the summaries of the columns off .. off + elems - 1 (one outcome)
 * that ranks 1 .. size - 1 own under tw_summary_split_w(weight, total, r,
 * size, share), L records a column, into all[rec.col]; buf: room for
 * elems * L records. Receives every expected message; *failed = 1 if one
 * was FAILED. */
void tw_summary_receive(MPI_Comm comm, int size, size_t total, const double *weight, size_t L,
                        double share, size_t off, size_t elems, tw_summary_rec *buf,
                        tw_summary *all, int *failed);
/* The W / C that every rank uses: TW_SUMMARY_WRITE_SHARE=X (X >= 0; tests:
 * 0 is the even split) or the model's, rank 0's value broadcast (the ranks
 * must agree on the split). Collective. */
double tw_summary_agreed_share(MPI_Comm comm, double model);

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
