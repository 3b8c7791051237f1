/* tradewar: summary statistics of one outcome column (see stats.h).
 *
 * Reproducibility: the caller passes the column in sample order and every
 * sum below runs in that order, so the summary is bitwise identical whatever
 * MPI/OpenMP decomposition produced the column.
 */
#include "tradewar/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const double tw_stats_quantile_levels[TW_STATS_NQUANT] = {0.01, 0.05, 0.1,  0.25, 0.5,
                                                          0.75, 0.9,  0.95, 0.99};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* numpy's linear interpolation (_lerp in numpy/lib/function_base.py, 1.22+):
 * from the upper neighbour when t >= 0.5, which is what makes
 * quantile(x, 1.0) == max exactly; copied so results match numpy bitwise. */
static double lerp(double a, double b, double t)
{
    double diff = b - a;
    double r = t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
    return a == b ? a : r;
}

/* Hyndman–Fan type 7 on sorted data: h = (n-1) q. */
static double quantile_sorted(const double *x, size_t n, double q)
{
    double h = (double)(n - 1) * q;
    double lo = floor(h);
    size_t i = (size_t)lo;
    if (i >= n - 1)
        return x[n - 1];
    return lerp(x[i], x[i + 1], h - lo);
}

void tw_stats_summarise(const double *x, size_t n, size_t stride, const uint8_t *mask,
                        double *scratch, tw_summary *out)
{
    memset(out, 0, sizeof *out);
    size_t m = 0;
    double sum = 0.0, mn = INFINITY, mx = -INFINITY;
    for (size_t s = 0; s < n; s++) {
        if (mask && !mask[s])
            continue;
        double v = x[s * stride];
        if (!isfinite(v)) {
            out->nonfinite++;
            continue;
        }
        scratch[m++] = v;
        sum += v;
        if (v < mn)
            mn = v;
        if (v > mx)
            mx = v;
    }
    out->count = m;
    if (m == 0) {
        out->mean = out->std = out->sem = out->min = out->max = NAN;
        for (int q = 0; q < TW_STATS_NQUANT; q++)
            out->quantiles[q] = NAN;
        for (int b = 0; b <= TW_STATS_NBINS; b++)
            out->hist_edges[b] = NAN;
        return;
    }
    double mean = sum / (double)m;
    /* two-pass variance: no cancellation for data with a large mean */
    double ss = 0.0;
    for (size_t i = 0; i < m; i++) {
        double dv = scratch[i] - mean;
        ss += dv * dv;
    }
    out->mean = mean;
    out->min = mn;
    out->max = mx;
    if (m >= 2) {
        out->std = sqrt(ss / (double)(m - 1));
        out->sem = out->std / sqrt((double)m);
    } else {
        /* one value has no sample spread (numpy's ddof=1 gives NaN too) */
        out->std = out->sem = NAN;
    }

    /* Like numpy.histogram (same edge formula as its linspace, same index
     * formula and edge correction): equal-width bins, the last one closed so
     * that max is counted; a degenerate range (min == max) becomes
     * [min - 0.5, max + 0.5] as numpy does. */
    double lo = mn, hi = mx;
    if (lo == hi) {
        lo -= 0.5;
        hi += 0.5;
    }
    double width = (hi - lo) / TW_STATS_NBINS;
    for (int b = 0; b < TW_STATS_NBINS; b++)
        out->hist_edges[b] = lo + b * width;
    out->hist_edges[TW_STATS_NBINS] = hi;
    double norm = TW_STATS_NBINS / (hi - lo);
    for (size_t i = 0; i < m; i++) {
        double v = scratch[i];
        long b = (long)((v - lo) * norm);
        if (b < 0)
            b = 0;
        if (b > TW_STATS_NBINS - 1)
            b = TW_STATS_NBINS - 1;
        /* the division may round across an edge: make the bin agree with the
         * stored edges (numpy applies the same correction) */
        if (v < out->hist_edges[b] && b > 0)
            b--;
        else if (b < TW_STATS_NBINS - 1 && v >= out->hist_edges[b + 1])
            b++;
        out->hist_counts[b]++;
    }

    qsort(scratch, m, sizeof *scratch, cmp_double);
    for (int q = 0; q < TW_STATS_NQUANT; q++)
        out->quantiles[q] = quantile_sorted(scratch, m, tw_stats_quantile_levels[q]);
}
