/* tradewar: summary statistics of one outcome element over the samples.
 *
 * Deterministic: the input is the column in sample order and every reduction
 * runs in that order, so the result depends only on the data, never on the
 * decomposition that produced it. Only entries with mask[s] != 0 (converged
 * samples) count; non-finite values among them are counted separately and
 * excluded too.
 */
#ifndef TRADEWAR_STATS_H
#define TRADEWAR_STATS_H

#include <stddef.h>
#include <stdint.h>

#define TW_STATS_NQUANT 9
#define TW_STATS_NBINS 40

/* 0.01 0.05 0.1 0.25 0.5 0.75 0.9 0.95 0.99 */
extern const double tw_stats_quantile_levels[TW_STATS_NQUANT];

typedef struct tw_summary {
    uint64_t count;    /* values used (masked in and finite) */
    uint64_t nonfinite; /* masked in but NaN/inf: excluded */
    double mean, std, sem, min, max; /* NaN when count == 0; std uses n-1
                                       * (std, sem NaN when count == 1) */
    double quantiles[TW_STATS_NQUANT]; /* Hyndman–Fan type 7 (numpy default) */
    uint64_t hist_counts[TW_STATS_NBINS];
    double hist_edges[TW_STATS_NBINS + 1]; /* equal width from min to max
                                            * (min - 0.5 .. max + 0.5 if min == max,
                                            * as numpy.histogram); NaN if count == 0 */
} tw_summary;

/* x: n values with stride `stride` (x[s*stride]); mask may be NULL (all in).
 * scratch: at least n doubles (sorted copy; may be x itself when stride is 1
 * and there is no mask). Quantiles and histogram are bitwise those of numpy
 * 1.24 (np.quantile linear, np.histogram 40 bins); of equal values -0 sorts
 * before +0. */
void tw_stats_summarise(const double *x, size_t n, size_t stride, const uint8_t *mask,
                        double *scratch, tw_summary *out);

/* An estimate of the work of the order statistics of a column of n finite
 * values distributed like the sample x[0..m) (finite; overwritten): the
 * values the radix selection of tw_stats_summarise would pass over, in
 * column lengths (0 .. about 3; 1: one pass). Deterministic: the split of
 * the final passes' columns over the ranks weighs columns by it
 * (summary_split.h). */
double tw_stats_select_work(double *x, size_t m, uint64_t n);

/* The same summary in bounded memory, fed the column in slabs over several
 * sweeps (the summary pass over the file: issue 11, "flat memory"). Use:
 *     st = tw_stats_stream_new(cap);
 *     while (tw_stats_stream_wants(st)) {
 *         for each slab of rows, in sample order:
 *             tw_stats_stream_feed(st, x, cnt, stride, mask);
 *         tw_stats_stream_end(st);
 *     }
 *     tw_stats_stream_result(st, &summary);
 * Every sweep must feed the same rows in the same order. Memory: at most
 * tw_stats_stream_bytes(cap, n) <= cap doubles + 288 KiB, whatever n. A column of at
 * most cap used values takes one sweep; a longer one 2 + an exact selection
 * of the order statistics (usually 2 more sweeps, at most 7). The result is
 * bitwise tw_stats_summarise's. */
typedef struct tw_stats_stream tw_stats_stream;

tw_stats_stream *tw_stats_stream_new(size_t cap); /* NULL: out of memory */
/* the memory of one stream for a column of n values (a bound: n values of
 * which some may be masked out) */
size_t tw_stats_stream_bytes(size_t cap, uint64_t n);
int tw_stats_stream_wants(const tw_stats_stream *st); /* another sweep? */
void tw_stats_stream_feed(tw_stats_stream *st, const double *x, size_t cnt, size_t stride,
                          const uint8_t *mask);
void tw_stats_stream_end(tw_stats_stream *st);
/* 0, or -1 if unfinished or out of memory */
int tw_stats_stream_result(const tw_stats_stream *st, tw_summary *out);
void tw_stats_stream_free(tw_stats_stream *st);

#endif
