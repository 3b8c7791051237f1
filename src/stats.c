/* tradewar: summary statistics of one outcome column (see stats.h).
 *
 * Reproducibility: the caller passes the column in sample order and every
 * sum below runs in that order, so the summary is bitwise identical whatever
 * MPI/OpenMP decomposition produced the column.
 *
 * Two ways to the same numbers: tw_stats_summarise on a whole column in
 * memory, and the stream (tw_stats_stream_*) fed the column slab by slab,
 * several sweeps over it, in memory bounded by its capacity whatever the
 * number of samples (issue 11, "flat memory"). Both share the helpers below
 * (moments, histogram, the type-7 interpolation), run the sums in sample
 * order and take the quantiles from the same order statistics, so they agree
 * bit for bit (tests/unit/test_stats.c checks it with tiny capacities).
 */
#include "tradewar/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const double tw_stats_quantile_levels[TW_STATS_NQUANT] = {0.01, 0.05, 0.1,  0.25, 0.5,
                                                          0.75, 0.9,  0.95, 0.99};

/* A total order on doubles as unsigned integers: flip every bit of a
 * negative, the sign bit of a positive. For finite values it is the numeric
 * order, with -0 before +0 (which compare equal as doubles: qsort could put
 * either first; the key order makes the choice fixed, for both paths). */
static uint64_t key_of(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return (u >> 63) ? ~u : u | (UINT64_C(1) << 63);
}

static double value_of(uint64_t k)
{
    uint64_t u = (k >> 63) ? k & ~(UINT64_C(1) << 63) : ~k;
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

static int cmp_key(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Sort n keys ascending: LSD radix sort, 8 bits a pass, a pass skipped when
 * every key has the same digit there (the sign and exponent bytes of most
 * columns): about 10x fewer instructions than qsort at 10^4 keys. Keys are
 * exact integers, so any correct sort gives the same array; qsort is the
 * fallback when no scratch can be had. */
static void sort_keys(uint64_t *a, size_t n)
{
    uint64_t *tmp = n > 64 ? malloc(n * sizeof *tmp) : NULL;
    if (!tmp) {
        qsort(a, n, sizeof *a, cmp_key);
        return;
    }
    uint64_t *src = a, *dst = tmp;
    for (int shift = 0; shift < 64; shift += 8) {
        size_t cnt[256] = {0};
        for (size_t i = 0; i < n; i++)
            cnt[(src[i] >> shift) & 0xff]++;
        if (cnt[(src[0] >> shift) & 0xff] == n)
            continue; /* one digit: the order stands */
        size_t pos = 0;
        for (int d = 0; d < 256; d++) {
            size_t c = cnt[d];
            cnt[d] = pos;
            pos += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[cnt[(src[i] >> shift) & 0xff]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
    free(tmp);
}

/* Put the keys of ranks r[0..nr) (ascending, distinct, < n) at their sorted
 * places: a[r] = the r-th smallest key. An MSD radix selection: the keys
 * share the bits above the highest bit where min and max differ; the next
 * SEL_BITS bits split them into buckets (count, scatter through tmp, copy
 * back: branch-free passes), and only the buckets that hold a wanted rank
 * are refined, down to a sort of small ones. The order statistics are
 * values, so the result is the full sort's at those places; a fraction of
 * its cost (the quantiles need 18 ranks at most). tmp: n keys. */
#define SEL_BITS 11
static void select_keys(uint64_t *a, uint64_t *tmp, size_t n, const uint64_t *r, int nr)
{
    if (nr == 0)
        return;
    if (n <= 256) {
        sort_keys(a, n);
        return;
    }
    uint64_t kmin = a[0], kmax = a[0];
    for (size_t i = 1; i < n; i++) {
        kmin = a[i] < kmin ? a[i] : kmin;
        kmax = a[i] > kmax ? a[i] : kmax;
    }
    if (kmin == kmax)
        return; /* all equal: every place holds the answer */
    int top = 64 - __builtin_clzll(kmin ^ kmax); /* bits [0, top) differ */
    int low = top > SEL_BITS ? top - SEL_BITS : 0;
    uint64_t mask = ((uint64_t)1 << (top - low)) - 1;
    size_t cnt[1 << SEL_BITS] = {0}, off[(1 << SEL_BITS) + 1];
    for (size_t i = 0; i < n; i++)
        cnt[(a[i] >> low) & mask]++;
    off[0] = 0;
    for (size_t d = 0; d <= mask; d++)
        off[d + 1] = off[d] + cnt[d];
    for (size_t i = 0; i < n; i++)
        tmp[off[(a[i] >> low) & mask] + --cnt[(a[i] >> low) & mask]] = a[i];
    memcpy(a, tmp, n * sizeof *a);
    /* the buckets holding wanted ranks, each refined with its ranks */
    int i = 0;
    while (i < nr) {
        size_t d = 0, lo = 0, hi = mask + 1;
        while (lo + 1 < hi) { /* the bucket d with off[d] <= r[i] < off[d + 1] */
            size_t mid = (lo + hi) / 2;
            if (off[mid] <= r[i])
                lo = mid;
            else
                hi = mid;
        }
        d = lo;
        int j = i;
        uint64_t rel[2 * TW_STATS_NQUANT];
        while (j < nr && r[j] < off[d + 1]) {
            rel[j - i] = r[j] - off[d];
            j++;
        }
        select_keys(a + off[d], tmp, off[d + 1] - off[d], rel, j - i);
        i = j;
    }
}

/* The work select_keys would do on a column of n values distributed like
 * the sample a[0..m) of keys (reordered): the keys it passes over, counting
 * each level's minimum/maximum, count and scatter pass as one, a sample
 * bucket of b keys standing for b * scale = b * n / m. What makes a column
 * expensive is its distribution: select_keys splits [min, max] of the keys
 * into 2^SEL_BITS buckets by their top differing bits, and when most values
 * share those bits (a range widened by a few outliers; values of both
 * signs, which differ in the sign bit and so are split by exponent only)
 * the bucket of a wanted rank holds most of the column and is passed over
 * again: 1 to 2 column lengths on the default scenario. A bucket of fewer
 * than SELECT_WORK_KEYS sample keys counts one pass of its size, without
 * the recursion (whose 2^SEL_BITS counts would cost more than the rest:
 * its own buckets are small as a rule). */
#define SELECT_WORK_KEYS 32
static double select_work(uint64_t *a, uint64_t *tmp, size_t m, double scale,
                          const uint64_t *r, int nr)
{
    if (nr == 0 || (double)m * scale <= 256.0) /* the small sort: negligible */
        return 0.0;
    double work = (double)m * scale;
    uint64_t kmin = a[0], kmax = a[0];
    for (size_t i = 1; i < m; i++) {
        kmin = a[i] < kmin ? a[i] : kmin;
        kmax = a[i] > kmax ? a[i] : kmax;
    }
    if (kmin == kmax)
        return work;
    int top = 64 - __builtin_clzll(kmin ^ kmax);
    int low = top > SEL_BITS ? top - SEL_BITS : 0;
    uint64_t mask = ((uint64_t)1 << (top - low)) - 1;
    uint32_t cnt[1 << SEL_BITS], off[(1 << SEL_BITS) + 1];
    memset(cnt, 0, (mask + 1) * sizeof *cnt);
    for (size_t i = 0; i < m; i++)
        cnt[(a[i] >> low) & mask]++;
    off[0] = 0;
    for (size_t d = 0; d <= mask; d++)
        off[d + 1] = off[d] + cnt[d];
    int scattered = 0;
    for (int i = 0; i < nr;) {
        size_t lo = 0, hi = mask + 1;
        while (lo + 1 < hi) { /* the bucket lo with off[lo] <= r[i] < off[lo + 1] */
            size_t mid = (lo + hi) / 2;
            if (off[mid] <= r[i])
                lo = mid;
            else
                hi = mid;
        }
        int j = i;
        uint64_t rel[2 * TW_STATS_NQUANT];
        while (j < nr && r[j] < off[lo + 1]) {
            rel[j - i] = r[j] - off[lo];
            j++;
        }
        size_t b = off[lo + 1] - off[lo];
        if (b < SELECT_WORK_KEYS) {
            work += (double)b * scale > 256.0 ? (double)b * scale : 0.0;
        } else {
            if (!scattered) { /* the buckets in order, as select_keys has them */
                for (size_t k = 0; k < m; k++)
                    tmp[off[(a[k] >> low) & mask] + --cnt[(a[k] >> low) & mask]] = a[k];
                memcpy(a, tmp, m * sizeof *a);
                scattered = 1;
            }
            work += select_work(a + off[lo], tmp, b, scale, rel, j - i);
        }
        i = j;
    }
    return work;
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

/* Hyndman–Fan type 7, h = (n-1) q: the ranks (0-based) of the order
 * statistics quantile q needs, lo[q] and lo[q] + 1 (the second only when
 * lo[q] < n - 1), for n >= 1. */
static void quantile_ranks(uint64_t n, uint64_t lo[TW_STATS_NQUANT])
{
    for (int q = 0; q < TW_STATS_NQUANT; q++) {
        double h = (double)(n - 1) * tw_stats_quantile_levels[q];
        uint64_t i = (uint64_t)floor(h);
        lo[q] = i >= n - 1 ? n - 1 : i;
    }
}

/* The quantiles from the order statistics at(r) (r a rank from
 * quantile_ranks); the formula of numpy's quantile. */
static void quantiles_from(uint64_t n, double (*at)(const void *, uint64_t), const void *ctx,
                           double *out)
{
    for (int q = 0; q < TW_STATS_NQUANT; q++) {
        double h = (double)(n - 1) * tw_stats_quantile_levels[q];
        double lo = floor(h);
        uint64_t i = (uint64_t)lo;
        out[q] = i >= n - 1 ? at(ctx, n - 1) : lerp(at(ctx, i), at(ctx, i + 1), h - lo);
    }
}

static void summary_empty(tw_summary *out)
{
    out->mean = out->std = out->sem = out->min = out->max = NAN;
    for (int q = 0; q < TW_STATS_NQUANT; q++)
        out->quantiles[q] = NAN;
    for (int b = 0; b <= TW_STATS_NBINS; b++)
        out->hist_edges[b] = NAN;
}

/* mean = sum / m was used for ss (the two-pass variance: no cancellation
 * for data with a large mean). */
static void summary_moments(tw_summary *out, uint64_t m, double mean, double ss, double mn,
                            double mx)
{
    out->count = m;
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
}

/* Like numpy.histogram (same edge formula as its linspace, same index
 * formula and edge correction): equal-width bins, the last one closed so
 * that max is counted; a degenerate range (min == max) becomes
 * [min - 0.5, max + 0.5] as numpy does. Sets the edges; *lo, *norm for
 * hist_add. */
static void hist_setup(tw_summary *out, double mn, double mx, double *lo_, double *norm)
{
    double lo = mn, hi = mx;
    if (lo == hi) {
        lo -= 0.5;
        hi += 0.5;
    }
    double width = (hi - lo) / TW_STATS_NBINS;
    for (int b = 0; b < TW_STATS_NBINS; b++)
        out->hist_edges[b] = lo + b * width;
    out->hist_edges[TW_STATS_NBINS] = hi;
    *norm = TW_STATS_NBINS / (hi - lo);
    *lo_ = lo;
}

static void hist_add(tw_summary *out, double v, double lo, double norm)
{
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

static double sorted_at(const void *ctx, uint64_t r) { return value_of(((const uint64_t *)ctx)[r]); }

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
    if (m == 0) {
        summary_empty(out);
        return;
    }
    double mean = sum / (double)m;
    double ss = 0.0;
    for (size_t i = 0; i < m; i++) {
        double dv = scratch[i] - mean;
        ss += dv * dv;
    }
    summary_moments(out, m, mean, ss, mn, mx);
    double lo, norm;
    hist_setup(out, mn, mx, &lo, &norm);
    for (size_t i = 0; i < m; i++)
        hist_add(out, scratch[i], lo, norm);

    /* the keys in place (same size as the doubles), the wanted order
     * statistics selected */
    uint64_t *keys = (uint64_t *)(void *)scratch;
    for (size_t i = 0; i < m; i++) {
        double v = scratch[i];
        keys[i] = key_of(v);
    }
    uint64_t low[TW_STATS_NQUANT], want[2 * TW_STATS_NQUANT];
    quantile_ranks(m, low);
    int nw = 0;
    for (int q = 0; q < TW_STATS_NQUANT; q++) /* levels ascend: so do the ranks */
        for (uint64_t r = low[q]; r <= low[q] + 1 && r < m; r++)
            if (nw == 0 || want[nw - 1] < r)
                want[nw++] = r;
    uint64_t *tmp = m > 256 ? malloc(m * sizeof *tmp) : NULL;
    if (tmp)
        select_keys(keys, tmp, m, want, nw);
    else
        sort_keys(keys, m);
    free(tmp);
    quantiles_from(m, sorted_at, keys, out->quantiles);
}

double tw_stats_select_work(double *x, size_t m, uint64_t n)
{
    if (m == 0 || n == 0)
        return 0.0;
    uint64_t *keys = (uint64_t *)(void *)x;
    for (size_t i = 0; i < m; i++)
        keys[i] = key_of(x[i]);
    uint64_t low[TW_STATS_NQUANT], want[2 * TW_STATS_NQUANT];
    quantile_ranks(m, low);
    int nw = 0;
    for (int q = 0; q < TW_STATS_NQUANT; q++)
        for (uint64_t r = low[q]; r <= low[q] + 1 && r < m; r++)
            if (nw == 0 || want[nw - 1] < r)
                want[nw++] = r;
    uint64_t *tmp = malloc(m * sizeof *tmp);
    if (!tmp)
        return 1.0; /* one pass: the least it costs */
    double w = select_work(keys, tmp, m, (double)n / (double)m, want, nw) / (double)n;
    free(tmp);
    return w;
}

/* ---- the stream ----------------------------------------------------------
 *
 * Sweep 1: count, sum (sample order), min, max, non-finite; the values are
 * also kept while they fit in the capacity. If they all fit, the column is
 * summarised from them as tw_stats_summarise does: one sweep.
 * Sweep 2: sum of squares about the mean (sample order), the histogram, and
 * the first radix level of the selection of the order statistics.
 * Sweeps 3...: exact selection. Each wanted rank r sits in a "group": the
 * values whose key starts with a prefix of `bits` bits, r counted within it.
 * A sweep either counts a group's values by their next RADIX_BITS key bits
 * (the rank then moves to the bucket holding it: a longer prefix, a smaller
 * group), or, once the group fits in the capacity, collects its keys, sorts
 * them and reads the rank off. A 64-bit prefix is one value (ties end
 * there). At most 2 + ceil(64 / RADIX_BITS) + 1 sweeps, usually 4. */
#define RADIX_BITS 11
#define RADIX_N ((size_t)1 << RADIX_BITS)
#define NRANKS (2 * TW_STATS_NQUANT)

enum { SWEEP_FIRST, SWEEP_SECOND, SWEEP_SELECT, SWEEP_DONE };

typedef struct sel_group {
    uint64_t prefix, count; /* the group's key prefix, its number of values */
    int bits;
    int collect;           /* collect its keys (else: count by the next bits) */
    uint64_t *hist;        /* RADIX_N counts (count mode) */
    size_t off, fill;      /* its part of the collect buffer */
} sel_group;

struct tw_stats_stream {
    size_t cap;       /* values the buffer holds */
    int sweep;
    uint64_t m, nonfinite;
    double sum, mean, ss, mn, mx, lo, norm;
    void *buf;        /* sweep 1: the values (doubles); selection: keys */
    int kept;         /* sweep 1: every value so far is in buf */
    uint64_t *hists;  /* NRANKS * RADIX_N, from sweep 2 */
    tw_summary out;
    /* the wanted ranks: their group index (-1: resolved), rank in the
     * group, and the value once resolved */
    int nr;
    uint64_t rank[NRANKS], rin[NRANKS], pre[NRANKS], cnt[NRANKS];
    int pbits[NRANKS], resolved[NRANKS];
    double val[NRANKS];
    int ng;
    sel_group g[NRANKS];
};

size_t tw_stats_stream_bytes(size_t cap, uint64_t n)
{
    /* the selection's counts only for a column longer than the buffer */
    return sizeof(tw_stats_stream) + (cap ? cap : 1) * sizeof(double) +
           (n > cap ? NRANKS * RADIX_N * sizeof(uint64_t) : 0);
}

tw_stats_stream *tw_stats_stream_new(size_t cap)
{
    tw_stats_stream *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->cap = cap ? cap : 1;
    st->buf = malloc(st->cap * sizeof(double));
    if (!st->buf) {
        free(st);
        return NULL;
    }
    st->kept = 1;
    st->sum = 0.0;
    st->mn = INFINITY;
    st->mx = -INFINITY;
    return st;
}

void tw_stats_stream_free(tw_stats_stream *st)
{
    if (!st)
        return;
    free(st->buf);
    free(st->hists);
    free(st);
}

int tw_stats_stream_wants(const tw_stats_stream *st) { return st->sweep != SWEEP_DONE; }

/* Groups from the unresolved ranks: distinct prefixes (all of the same
 * length: they advance together), then collect the smallest while the
 * buffer holds them, count the rest by their next bits. */
static void make_groups(tw_stats_stream *st)
{
    st->ng = 0;
    for (int i = 0; i < st->nr; i++) {
        if (st->resolved[i])
            continue;
        int j = 0;
        while (j < st->ng && st->g[j].prefix != st->pre[i])
            j++;
        if (j == st->ng) {
            st->g[j] = (sel_group){.prefix = st->pre[i], .bits = st->pbits[i],
                                   .count = st->cnt[i]};
            st->ng++;
        }
    }
    /* collect in order of size, smallest first (a fixed rule: the same
     * sweeps whatever the decomposition) */
    int order[NRANKS];
    for (int j = 0; j < st->ng; j++)
        order[j] = j;
    for (int a = 1; a < st->ng; a++)
        for (int b = a; b > 0 && st->g[order[b]].count < st->g[order[b - 1]].count; b--) {
            int t = order[b];
            order[b] = order[b - 1];
            order[b - 1] = t;
        }
    size_t used = 0;
    for (int a = 0; a < st->ng; a++) {
        sel_group *g = &st->g[order[a]];
        if (g->count <= st->cap - used) {
            g->collect = 1;
            g->off = used;
            used += (size_t)g->count;
        } else {
            g->hist = st->hists + (size_t)order[a] * RADIX_N;
            memset(g->hist, 0, RADIX_N * sizeof *g->hist);
        }
    }
}

static void select_value(tw_stats_stream *st, uint64_t k)
{
    for (int j = 0; j < st->ng; j++) {
        sel_group *g = &st->g[j];
        if (g->bits && (k >> (64 - g->bits)) != g->prefix)
            continue;
        if (g->collect) {
            ((uint64_t *)st->buf)[g->off + g->fill++] = k;
        } else {
            int sub = 64 - g->bits < RADIX_BITS ? 64 - g->bits : RADIX_BITS;
            g->hist[(k >> (64 - g->bits - sub)) & (((uint64_t)1 << sub) - 1)]++;
        }
        return; /* the groups are disjoint */
    }
}

void tw_stats_stream_feed(tw_stats_stream *st, const double *x, size_t cnt, size_t stride,
                          const uint8_t *mask)
{
    switch (st->sweep) {
    case SWEEP_FIRST:
        for (size_t s = 0; s < cnt; s++) {
            if (mask && !mask[s])
                continue;
            double v = x[s * stride];
            if (!isfinite(v)) {
                st->nonfinite++;
                continue;
            }
            if (st->kept && st->m < st->cap)
                ((double *)st->buf)[st->m] = v;
            else
                st->kept = 0;
            st->m++;
            st->sum += v;
            if (v < st->mn)
                st->mn = v;
            if (v > st->mx)
                st->mx = v;
        }
        break;
    case SWEEP_SECOND:
    case SWEEP_SELECT:
        for (size_t s = 0; s < cnt; s++) {
            if (mask && !mask[s])
                continue;
            double v = x[s * stride];
            if (!isfinite(v))
                continue;
            if (st->sweep == SWEEP_SECOND) {
                double dv = v - st->mean;
                st->ss += dv * dv;
                hist_add(&st->out, v, st->lo, st->norm);
            }
            select_value(st, key_of(v));
        }
        break;
    default:
        break;
    }
}

static double resolved_at(const void *ctx, uint64_t r)
{
    const tw_stats_stream *st = ctx;
    for (int i = 0; i < st->nr; i++)
        if (st->rank[i] == r)
            return st->val[i];
    return NAN; /* not reached: every rank quantiles_from asks for is wanted */
}

/* After a selection sweep: resolve the collected groups, move the counted
 * ones' ranks down one level. */
static void select_step(tw_stats_stream *st)
{
    for (int j = 0; j < st->ng; j++) {
        sel_group *g = &st->g[j];
        if (g->collect)
            sort_keys((uint64_t *)st->buf + g->off, g->fill);
    }
    for (int i = 0; i < st->nr; i++) {
        if (st->resolved[i])
            continue;
        int j = 0;
        while (st->g[j].prefix != st->pre[i])
            j++;
        sel_group *g = &st->g[j];
        if (g->collect) {
            st->val[i] = value_of(((uint64_t *)st->buf)[g->off + st->rin[i]]);
            st->resolved[i] = 1;
            continue;
        }
        int sub = 64 - g->bits < RADIX_BITS ? 64 - g->bits : RADIX_BITS;
        uint64_t below = 0, b = 0;
        while (below + g->hist[b] <= st->rin[i])
            below += g->hist[b++];
        st->rin[i] -= below;
        st->cnt[i] = g->hist[b];
        st->pre[i] = (g->bits ? st->pre[i] << sub : 0) | b;
        st->pbits[i] = g->bits + sub;
        if (st->pbits[i] == 64) { /* one key: ties end here */
            st->val[i] = value_of(st->pre[i]);
            st->resolved[i] = 1;
        }
    }
    int open = 0;
    for (int i = 0; i < st->nr; i++)
        open |= !st->resolved[i];
    if (open)
        make_groups(st);
    else
        st->sweep = SWEEP_DONE;
}

void tw_stats_stream_end(tw_stats_stream *st)
{
    tw_summary *out = &st->out;
    switch (st->sweep) {
    case SWEEP_FIRST:
        if (st->kept) {
            /* every value is in the buffer, in sample order: as in memory */
            uint64_t nf = st->nonfinite;
            tw_stats_summarise(st->buf, (size_t)st->m, 1, NULL, st->buf, out);
            out->nonfinite = nf;
            st->sweep = SWEEP_DONE;
            return;
        }
        memset(out, 0, sizeof *out);
        out->nonfinite = st->nonfinite;
        st->mean = st->sum / (double)st->m;
        hist_setup(out, st->mn, st->mx, &st->lo, &st->norm);
        st->hists = malloc(NRANKS * RADIX_N * sizeof *st->hists);
        if (!st->hists) { /* tw_stats_stream_result reports it */
            st->sweep = SWEEP_DONE;
            return;
        }
        {
            uint64_t lo[TW_STATS_NQUANT];
            quantile_ranks(st->m, lo);
            st->nr = 0;
            for (int q = 0; q < TW_STATS_NQUANT; q++)
                for (uint64_t r = lo[q]; r <= lo[q] + 1 && r < st->m; r++) {
                    int have = 0;
                    for (int i = 0; i < st->nr; i++)
                        have |= st->rank[i] == r;
                    if (!have) {
                        st->rank[st->nr] = st->rin[st->nr] = r;
                        st->pre[st->nr] = 0;
                        st->pbits[st->nr] = 0;
                        st->cnt[st->nr] = st->m;
                        st->nr++;
                    }
                }
        }
        make_groups(st);
        st->sweep = SWEEP_SECOND;
        return;
    case SWEEP_SECOND:
        summary_moments(out, st->m, st->mean, st->ss, st->mn, st->mx);
        st->sweep = SWEEP_SELECT;
        select_step(st);
        break;
    case SWEEP_SELECT:
        select_step(st);
        break;
    default:
        return;
    }
    if (st->sweep == SWEEP_DONE)
        quantiles_from(st->m, resolved_at, st, out->quantiles);
}

int tw_stats_stream_result(const tw_stats_stream *st, tw_summary *out)
{
    if (st->sweep != SWEEP_DONE)
        return -1;
    *out = st->out;
    return st->hists || st->kept ? 0 : -1;
}
