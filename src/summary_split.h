/* Internal: how the two final passes (summary.c, summary_by.c) divide
 * their columns over the ranks, and how rank 0 gets the other ranks'
 * summaries while it writes: the split, its cost model, the messages. */
#ifndef TRADEWAR_SUMMARY_SPLIT_H
#define TRADEWAR_SUMMARY_SPLIT_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "tradewar/model.h"
#include "tradewar/stats.h"

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

/* The columns of one outcome (its first column off, elems of them) in the
 * range my, as element indices ascending, into cols (cols NULL: only
 * counted). Returns their count. Both passes, every rank. */
size_t tw_summary_my_cols(size_t off, size_t elems, tw_summary_range my, size_t *cols);

/* Rank 0's side of "rank 0 writes while the other ranks summarise", the
 * same in both passes: once its own columns (0 .. my_hi - 1) are done, their
 * records go into all, then outcome by outcome it writes the groups of the
 * outcomes complete so far (write_ready) and waits for the other ranks'
 * messages of the next one (tw_summary_receive), so that its write overlaps
 * their compute. */
typedef struct tw_summary_collector {
    MPI_Comm comm;
    int size;
    const double *weight; /* the split: tw_summary_split_w(weight, ..., share) */
    double share;
    size_t L;             /* records a column (levels; the summary: 1) */
    size_t my_hi;         /* rank 0's columns: 0 .. my_hi - 1 */
    tw_summary_rec *buf;  /* room for the widest outcome's records */
    tw_summary *all;      /* every record, by rec.col */
    /* writes the groups of the outcomes 0 .. *k_ready - 1 not yet written;
     * nonzero: a write failed (nothing more is written) */
    int (*write_ready)(void *ctx);
    void *ctx;
    size_t *k_ready;      /* the outcomes whose records are all in all */
} tw_summary_collector;

/* mine: rank 0's nmine records. *failed: set on entry if rank 0 failed;
 * set if a write or a peer failed. Either way every expected message is
 * received (no peer waits in vain) but nothing more is written, and
 * *k_ready no longer moves; without a failure it ends at every outcome. */
void tw_summary_collect(const tw_summary_collector *c, const tw_model_schema *s,
                        const tw_summary_rec *mine, size_t nmine, int *failed);

#endif
