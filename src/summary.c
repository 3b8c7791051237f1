/* The summary pass: statistics of every outcome element over the converged
 * samples, computed from the file itself after the last block.
 *
 * Why from the file: the summary must be bitwise identical whatever the
 * decomposition and however often the run was resumed, and exact quantiles
 * need every value: the file is the store. Each rank opens the finished file
 * read-only, owns a contiguous range of the outcome elements ("columns"),
 * reads slabs of rows and feeds its columns to bounded-memory streams
 * (stats.h: several sweeps over the file for long columns), its threads
 * sharing the columns of a slab, and sends the results to rank 0, which
 * writes /summary and the final attributes. Memory does not grow with the
 * number of samples (see the buffers below); a stop signal is honoured
 * between slabs. */
#include <hdf5.h>
#include <hdf5_hl.h>
#include <omp.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "h5util.h"
#include "mpiutil.h"
#include "phases.h"
#include "summary_group.h"
#include "tradewar/output.h"
#include "tradewar/stats.h"


/* The buffers of the pass, whatever the number of samples (issue 11, "flat
 * memory"): one slab of rows of the outcome being read (and its masks), and
 * per column being summarised one stream (stats.h) of CAP values plus its
 * selection counts, as many columns at once as the budget allows. Tests
 * shrink both (TW_SUMMARY_CAP values, TW_SUMMARY_SLAB_ROWS rows) so that the
 * many-sweep paths run on small files. */
#define SUMMARY_SLAB_BYTES ((size_t)4 << 20)
#define SUMMARY_CAP ((size_t)1 << 16)

static size_t env_size(const char *name, size_t dflt)
{
    const char *v = getenv(name);
    char *end;
    unsigned long long x = v && *v ? strtoull(v, &end, 10) : 0;
    return v && *v && !*end && x > 0 ? (size_t)x : dflt;
}

void tw_summary_pass_init(tw_summary_pass *pc, size_t budget, const volatile sig_atomic_t *stop)
{
    pc->read_wall = pc->read_cpu = 0;
    pc->cap = env_size("TW_SUMMARY_CAP", SUMMARY_CAP);
    pc->slab_rows = env_size("TW_SUMMARY_SLAB_ROWS", 0);
    pc->budget = budget;
    pc->stop = stop;
    pc->bg = NULL;
    pc->bg_ctx = NULL;
}

tw_summary_range tw_summary_split(size_t total, int rank, int size, double w_over_c)
{
    if (size <= 1)
        return (tw_summary_range){0, total};
    double P = (double)size;
    double f0 = 1.0 / P - (P - 1.0) / P * (w_over_c > 0 ? w_over_c : 0.0);
    size_t n0 = f0 > 0 ? (size_t)floor(f0 * (double)total + 0.5) : 0;
    if (n0 > total)
        n0 = total;
    if (rank == 0)
        return (tw_summary_range){0, n0};
    uint64_t rest = (uint64_t)(total - n0), others = (uint64_t)(size - 1);
    return (tw_summary_range){n0 + (size_t)(rest * (uint64_t)(rank - 1) / others),
                              n0 + (size_t)(rest * (uint64_t)rank / others)};
}

/* The weighted split: boundary b (1 .. size - 1) of the ranges lies at the
 * cost t_b (rank 0's share f0 of the total, then the rest evenly); a column
 * goes to the left of it when its midpoint (the cost before it plus half its
 * own) lies before t_b. Every rank computes the same sums in the same order
 * from the same weights, so all agree on the ranges. */
static size_t weighted_boundary(const double *w, size_t total, double t)
{
    double cum = 0;
    size_t j = 0;
    for (; j < total && cum + 0.5 * w[j] < t; j++)
        cum += w[j];
    return j;
}

tw_summary_range tw_summary_split_w(const double *w, size_t total, int rank, int size,
                                    double w_over_c)
{
    double sum = 0;
    for (size_t j = 0; w && j < total; j++)
        sum += w[j];
    if (!w || size <= 1 || !(sum > 0) || !isfinite(sum))
        return tw_summary_split(total, rank, size, w_over_c);
    double P = (double)size;
    double f0 = 1.0 / P - (P - 1.0) / P * (w_over_c > 0 ? w_over_c : 0.0);
    double t1 = f0 > 0 ? f0 * sum : 0.0;
    tw_summary_range g = {0, total};
    if (rank > 0)
        g.lo = weighted_boundary(w, total, t1 + (sum - t1) * (double)(rank - 1) / (P - 1.0));
    if (rank < size - 1)
        g.hi = weighted_boundary(w, total, t1 + (sum - t1) * (double)rank / (P - 1.0));
    return g;
}

/* The weight of a column (relative: only the ratios matter) in the cost of a
 * pass: CPU milliseconds per column of the by-regime pass on 2 x 1, where
 * the split matters (default scenario, 20,000 samples; per outcome and rank
 * the median of three runs, least squares over the outcomes but the first,
 * which also builds the masks' cache; correlation 0.79; on 1 x 1: 0.75,
 * 0.21, 0.14; docs/BENCHMARK.md section 2, "Cost-aware split"): a fixed
 * part (reading, the masks, sum, sum of squares, histogram, the first level
 * of the selection), the selection's further levels (tw_stats_select_work,
 * in column lengths: 1-2 here; what varies most with the data) and the
 * feeding of a column of a wide outcome, whose rows the streams walk with a
 * stride of the row (a scalar's column is contiguous). */
#define WEIGHT_FIXED 0.73
#define WEIGHT_LEVEL 0.26
#define WEIGHT_WIDE 0.24
/* Rows read for the estimate: the first ones (a random order of the design
 * points for mc and lhs, a balanced prefix for sobol). 512 rows of the 512
 * columns of the default scenario: 2 MiB; 0.005-0.006 s on 2 x 1 (quiet
 * VM; 26e6 instructions a rank, 60-80 % of them the estimate's selection
 * replay; docs/BENCHMARK.md). More rows estimate better (a Python replay
 * on the whole columns: correlation with the measured cost 0.80 at 2,048
 * rows, 0.72 at 512) but cost more than the balance gains. */
#define WEIGHT_ROWS 512

int tw_summary_col_weights(MPI_Comm comm, const char *path, const tw_model_schema *s,
                           uint64_t n, double *w)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    size_t total = tw_outcome_row_size(s);
    size_t rows = (size_t)(n < WEIGHT_ROWS ? n : WEIGHT_ROWS), maxel = 1;
    for (size_t k = 0; k < s->n_outcomes; k++)
        if (tw_outcome_size(s, k) > maxel)
            maxel = tw_outcome_size(s, k);
    /* this rank estimates an even share of the columns; all sum them */
    size_t lo = (size_t)((uint64_t)total * (uint64_t)rank / (uint64_t)size);
    size_t hi = (size_t)((uint64_t)total * (uint64_t)(rank + 1) / (uint64_t)size);
    double *buf = rows ? malloc(rows * maxel * sizeof *buf) : NULL, *x = malloc((rows + 1) * sizeof *x);
    uint8_t *conv = malloc(rows + 1);
    int bad = !x || !conv || (rows && !buf);
    for (size_t j = lo; j < hi; j++)
        w[j] = -1.0; /* not estimated: a failure (no rows: the count split) */
    hid_t f = !bad && rows && lo < hi ? tw_h5_open(path, H5F_ACC_RDONLY) : -1;
    hid_t dc = f < 0 ? -1 : H5Dopen2(f, "status/converged", H5P_DEFAULT);
    if (rows && lo < hi && (dc < 0 || tw_summary_read_rows(dc, H5T_NATIVE_UINT8, 0, rows, conv) < 0))
        bad = 1;
    for (size_t k = 0, off = 0; !bad && k < s->n_outcomes; k++) {
        size_t elems = tw_outcome_size(s, k);
        if (elems && off < hi && off + elems > lo) {
            char name[512];
            snprintf(name, sizeof name, "outputs/%s", s->outcomes[k].name);
            hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
            bad = ds < 0 || tw_summary_read_rows(ds, H5T_NATIVE_DOUBLE, 0, rows, buf) < 0;
            if (ds >= 0)
                H5Dclose(ds);
            for (size_t e = 0; !bad && e < elems; e++) {
                if (off + e < lo || off + e >= hi)
                    continue;
                size_t m = 0;
                for (size_t r = 0; r < rows; r++)
                    if (conv[r] && isfinite(buf[r * elems + e]))
                        x[m++] = buf[r * elems + e];
                /* the column's length, were it as the sample: n m / rows */
                uint64_t len = (uint64_t)((double)n * (double)m / (double)rows);
                double lvl = tw_stats_select_work(x, m, len);
                w[off + e] = WEIGHT_FIXED + WEIGHT_LEVEL * lvl + (elems > 1 ? WEIGHT_WIDE : 0.0);
            }
        }
        off += elems;
    }
    if (dc >= 0)
        H5Dclose(dc);
    if (f >= 0)
        H5Fclose(f);
    if (bad) /* -1 marks the failure: every rank sees it after the sum */
        for (size_t j = lo; j < hi; j++)
            w[j] = -1.0;
    /* each column is nonzero on one rank only: the sum is that value,
     * exactly, on every rank (x + 0 = x), without a list of counts */
    for (size_t j = 0; j < total; j++)
        if (j < lo || j >= hi)
            w[j] = 0.0;
    if (size > 1)
        MPI_Allreduce(MPI_IN_PLACE, w, (int)total, MPI_DOUBLE, MPI_SUM, comm);
    int any = 0;
    for (size_t j = 0; j < total; j++)
        any |= !(w[j] >= 0) || !isfinite(w[j]);
    free(buf);
    free(x);
    free(conv);
    return any ? -1 : 0;
}

/* The cost model's two constants, in instructions (callgrind, valgrind
 * 3.19, of `tradewar run configs/default.yaml -n 20000 --resume` on 1 rank x
 * 1 thread of a finished file whose `finished` was reset, so that only the
 * two passes ran; docs/BENCHMARK.md section 2):
 * - SUMMARY_IR_OBJECT: rank 0's write per object of tw_summary_group_objects:
 *   by_writer_step, 532.6e6 instructions for the 2,772 objects of the 204
 *   outcome groups of /summary_by (192e3; tw_summary_write_group from the
 *   summary pass: 190e3 an object);
 * - SUMMARY_IR_VALUE: the pass's compute per sample, column and partition of
 *   the samples (tw_summary_columns: feeding the streams and sorting them):
 *   the summary pass 1,750e6 / (20000 x 516 x 1) = 170, by regime (3
 *   Bernoulli parameters, 6 levels) 5,395e6 / (20000 x 516 x 3) = 174.
 * A wrong constant only moves the balance between the ranks, never a
 * result. */
#define SUMMARY_IR_OBJECT 192e3
#define SUMMARY_IR_VALUE 172.0

double tw_summary_write_share(size_t objects, uint64_t n, size_t cols, size_t parts)
{
    double c = SUMMARY_IR_VALUE * (double)n * (double)cols * (double)(parts ? parts : 1);
    return c > 0 ? SUMMARY_IR_OBJECT * (double)objects / c : 0.0;
}

void tw_summary_send(tw_summary_sender *snd, const tw_summary_rec *recs, size_t count,
                     int failed)
{
    int flag;
    MPI_Isend(recs, failed ? 0 : (int)(count * sizeof *recs), MPI_BYTE, 0,
              failed ? TW_SUMMARY_TAG_FAILED : TW_SUMMARY_TAG_OK, snd->comm,
              &snd->req[snd->nreq++]);
    MPI_Testall(snd->nreq, snd->req, &flag, MPI_STATUSES_IGNORE);
}

void tw_summary_receive(MPI_Comm comm, int size, size_t total, const double *weight, size_t L,
                        double share, size_t off, size_t elems, tw_summary_rec *buf,
                        tw_summary *all, int *failed)
{
    for (int r = 1; r < size && elems; r++) {
        tw_summary_range rr = tw_summary_split_w(weight, total, r, size, share);
        if (rr.lo >= rr.hi || rr.hi <= off || rr.lo >= off + elems)
            continue;
        MPI_Status st;
        int bytes = 0;
        MPI_Recv(buf, (int)(elems * L * sizeof *buf), MPI_BYTE, r, MPI_ANY_TAG, comm, &st);
        MPI_Get_count(&st, MPI_BYTE, &bytes);
        if (st.MPI_TAG != TW_SUMMARY_TAG_OK) {
            *failed = 1;
            continue;
        }
        for (size_t i = 0; i < (size_t)bytes / sizeof *buf; i++)
            if (buf[i].col < total * L)
                all[buf[i].col] = buf[i].s;
    }
}

double tw_summary_agreed_share(MPI_Comm comm, double model)
{
    int size;
    MPI_Comm_size(comm, &size);
    const char *env = getenv("TW_SUMMARY_WRITE_SHARE");
    char *end = NULL;
    double given = env && *env ? strtod(env, &end) : -1, share = model;
    if (end && !*end && given >= 0)
        share = given;
    if (size > 1)
        MPI_Bcast(&share, 1, MPI_DOUBLE, 0, comm);
    return share;
}

size_t tw_summary_slab_rows(const tw_summary_pass *pc, uint64_t n, size_t width)
{
    size_t slab = pc->slab_rows ? pc->slab_rows
                                : SUMMARY_SLAB_BYTES / ((width ? width : 1) * sizeof(double));
    if (slab < 1)
        slab = 1;
    if (slab > n)
        slab = (size_t)(n ? n : 1);
    return slab;
}

int tw_summary_read_rows(hid_t ds, hid_t memtype, uint64_t s0, size_t cnt, void *buf)
{
    hid_t fs = H5Dget_space(ds);
    hsize_t start[1 + TW_MAX_OUTCOME_DIMS] = {0}, count[1 + TW_MAX_OUTCOME_DIMS];
    int nd = fs < 0 ? -1 : H5Sget_simple_extent_dims(fs, count, NULL);
    int bad = nd < 1;
    if (!bad) {
        start[0] = s0;
        count[0] = cnt;
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
        /* a memory space of the selection's own shape: HDF5's fast path,
         * no per-element map */
        hid_t ms = H5Screate_simple(nd, count, NULL);
        bad = H5Dread(ds, memtype, ms, fs, H5P_DEFAULT, buf) < 0;
        H5Sclose(ms);
    }
    if (fs >= 0)
        H5Sclose(fs);
    return bad ? -1 : 0;
}

/* The converged samples among n, in slabs; all (if not NULL) gets a copy of
 * the n flags. */
static int count_converged(hid_t conv, uint64_t n, size_t slab, uint8_t *mask, uint64_t *n_conv,
                           uint8_t *all)
{
    *n_conv = 0;
    for (uint64_t s0 = 0; s0 < n; s0 += slab) {
        size_t cnt = (size_t)(n - s0 < slab ? n - s0 : slab);
        if (tw_summary_read_rows(conv, H5T_NATIVE_UINT8, s0, cnt, mask) < 0)
            return -1;
        for (size_t i = 0; i < cnt; i++)
            *n_conv += mask[i] != 0;
        if (all)
            memcpy(all + s0, mask, cnt);
    }
    return 0;
}

/* Rows [s0, s0 + cnt) of the outcome dataset ds, only the slices i0 ..
 * i0 + ni - 1 of its first element dimension (a 1-D dataset: ni = 1), into
 * buf (cnt rows of ni * inner values), through a memory space of the file
 * selection's own shape (HDF5's fast path). Returns 0 or -1. */
static int read_slices(hid_t ds, int nd, const hsize_t *dims, uint64_t s0, size_t cnt,
                       size_t i0, size_t ni, double *buf)
{
    hid_t fs = H5Dget_space(ds);
    hsize_t start[1 + TW_MAX_OUTCOME_DIMS] = {0}, count[1 + TW_MAX_OUTCOME_DIMS];
    start[0] = s0;
    count[0] = cnt;
    for (int d = 1; d < nd; d++)
        count[d] = dims[d];
    if (nd > 1) {
        start[1] = i0;
        count[1] = ni;
    }
    int bad = fs < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0;
    hid_t ms = bad ? -1 : H5Screate_simple(nd, count, NULL);
    bad = bad || ms < 0 || H5Dread(ds, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, buf) < 0;
    if (ms >= 0)
        H5Sclose(ms);
    if (fs >= 0)
        H5Sclose(fs);
    return bad ? -1 : 0;
}

/* The master thread's background work (pc->bg) while the streams of this
 * parallel region are not all done (*done < n): with one thread that is
 * all of the pending work, here; with more, the others work through the
 * streams meanwhile and the master joins them for what is left (at worst
 * they wait for the end of one piece of its work). */
static void master_bg(tw_summary_pass *pc, const size_t *done, size_t n)
{
    while (pc->bg) {
        size_t k;
#pragma omp atomic read
        k = *done;
        if (k >= n || pc->bg(pc->bg_ctx) <= 0)
            break;
    }
}

/* Groups of (column, mask) streams, fed slab by slab, sweep after sweep,
 * until every stream has its result. The threads share a slab's streams; a
 * stream is fed by one thread at a time, its rows in sample order, so the
 * result does not depend on the thread count.
 *
 * Reads (issue 12 item 3: they were a part that split over neither the
 * ranks nor the threads): a group reads only the slices of the outcome's
 * first element dimension that hold its columns (cols ascending; with each
 * rank owning a contiguous range of columns, the ranks read disjoint parts
 * of a wide outcome, and a group not the whole width), and the master
 * thread reads the next slab and builds its masks while the other threads
 * feed the current one (two slabs in flight, 4 MiB together). */
int tw_summary_columns(hid_t ds, uint64_t n, size_t elems, const size_t *cols, size_t ncols,
                       size_t nm, tw_summary_mask_fn masks_of, void *ctx,
                       tw_summary_pass *pc, tw_summary *out, int *stopped)
{
    size_t slab = tw_summary_slab_rows(pc, n, 2 * (elems ? elems : 1));
    size_t cap = pc->cap < n ? pc->cap : (size_t)(n ? n : 1);
    size_t total = ncols * nm;
    size_t group = pc->budget / tw_stats_stream_bytes(cap, n);
    if (group < 1)
        group = 1;
    if (group > total)
        group = total;
    hsize_t dims[1 + TW_MAX_OUTCOME_DIMS];
    hid_t fsp = H5Dget_space(ds);
    int nd = fsp < 0 ? -1 : H5Sget_simple_extent_dims(fsp, dims, NULL);
    if (fsp >= 0)
        H5Sclose(fsp);
    /* values per slice of the first element dimension */
    size_t inner = nd > 1 && dims[1] ? elems / (size_t)dims[1] : elems;
    if (inner < 1)
        inner = 1;
    double *rows[2] = {malloc(slab * (elems ? elems : 1) * sizeof(double)),
                       malloc(slab * (elems ? elems : 1) * sizeof(double))};
    uint8_t *masks[2] = {malloc(slab * (nm ? nm : 1)), malloc(slab * (nm ? nm : 1))};
    tw_stats_stream **st = calloc(group ? group : 1, sizeof *st);
    uint8_t *active = malloc(group ? group : 1);
    int rc = (nd < 1 || !rows[0] || !rows[1] || !masks[0] || !masks[1] || !st || !active) ? -1
                                                                                          : 0;
    /* stream i of all: column i / nm, mask i % nm */
    for (size_t g0 = 0; !rc && g0 < total; g0 += group) {
        size_t gn = total - g0 < group ? total - g0 : group;
        /* the slices holding the group's columns, and each row's width */
        size_t i0 = nd > 1 ? cols[g0 / nm] / inner : 0;
        size_t ni = nd > 1 ? cols[(g0 + gn - 1) / nm] / inner - i0 + 1 : 1;
        size_t w = nd > 1 ? ni * inner : elems, base = nd > 1 ? i0 * inner : 0;
        for (size_t j = 0; !rc && j < gn; j++)
            if (!(st[j] = tw_stats_stream_new(cap)))
                rc = -1;
        for (int more = !rc; more && !rc;) {
            more = 0;
            for (size_t j = 0; j < gn; j++)
                more |= active[j] = (uint8_t)tw_stats_stream_wants(st[j]);
            if (!more)
                break;
            size_t cnt0 = (size_t)(n < slab ? n : slab);
            if (masks_of(ctx, 0, cnt0, masks[0]) < 0 ||
                read_slices(ds, nd, dims, 0, cnt0, i0, ni, rows[0]) < 0)
                rc = -1;
            int cur = 0;
            for (uint64_t s0 = 0; !rc && s0 < n; s0 += slab, cur ^= 1) {
                if (pc->stop && *pc->stop) {
                    *stopped = (int)*pc->stop;
                    rc = 1;
                    break;
                }
                size_t cnt = (size_t)(n - s0 < slab ? n - s0 : slab);
                uint64_t s1 = s0 + slab;
                size_t cnt1 = s1 < n ? (size_t)(n - s1 < slab ? n - s1 : slab) : 0;
                int bad = 0;
                const double *r = rows[cur];
                const uint8_t *m = masks[cur];
                size_t next = 0, done = 0; /* the streams, dealt one at a time */
#pragma omp parallel
                {
                    /* HDF5 on the master thread only (not thread-safe; MPI
                     * funneled); the other threads start feeding at once */
#pragma omp master
                    {
                        if (cnt1)
                            bad = masks_of(ctx, s1, cnt1, masks[cur ^ 1]) < 0 ||
                                  read_slices(ds, nd, dims, s1, cnt1, i0, ni, rows[cur ^ 1]) < 0;
                        if (omp_get_num_threads() > 1)
                            master_bg(pc, &done, gn);
                    }
                    for (;;) {
                        size_t j;
#pragma omp atomic capture
                        j = next++;
                        if (j >= gn)
                            break;
                        if (active[j])
                            tw_stats_stream_feed(st[j], r + (cols[(g0 + j) / nm] - base), cnt,
                                                 w, m + ((g0 + j) % nm) * cnt);
#pragma omp atomic update
                        done++;
                    }
                }
                if (bad)
                    rc = -1;
            }
            if (rc)
                break;
            size_t next = 0, done = 0;
#pragma omp parallel
            {
#pragma omp master
                if (omp_get_num_threads() > 1)
                    master_bg(pc, &done, gn);
                for (;;) {
                    size_t j;
#pragma omp atomic capture
                    j = next++;
                    if (j >= gn)
                        break;
                    if (active[j])
                        tw_stats_stream_end(st[j]);
#pragma omp atomic update
                    done++;
                }
            }
        }
        for (size_t j = 0; j < gn; j++) {
            if (!rc && tw_stats_stream_result(st[j], &out[g0 + j]) < 0)
                rc = -1;
            tw_stats_stream_free(st[j]);
            st[j] = NULL;
        }
    }
    free(rows[0]);
    free(rows[1]);
    free(masks[0]);
    free(masks[1]);
    free(st);
    free(active);
    return rc;
}

/* The summary's one mask: the converged flags, kept whole (all) when they
 * fit in CONV_CACHE_BYTES, so that every rank reads them once per pass, not
 * once per outcome, slab and sweep (issue 12 item 3: a part of the pass that
 * does not split over the ranks). */
#define CONV_CACHE_BYTES ((size_t)8 << 20)

typedef struct conv_ctx {
    hid_t conv;
    uint8_t *all; /* NULL, or the n flags */
} conv_ctx;

static int converged_mask(void *ctx_, uint64_t s0, size_t cnt, uint8_t *mask)
{
    conv_ctx *c = ctx_;
    if (c->all) {
        memcpy(mask, c->all + s0, cnt);
        return 0;
    }
    return tw_summary_read_rows(c->conv, H5T_NATIVE_UINT8, s0, cnt, mask);
}

/* Dimension scales of one /summary/<outcome> group: its own copies of the
 * labels, the quantile levels and the bin indices, so that a netCDF reader
 * opening the group (xarray's group=) gets labelled coordinates. They stay
 * open (sc[d] for the outcome's dimensions, then sc[SC_Q], sc[SC_BIN],
 * sc[SC_EDGE]) while the group's datasets attach them: one open per scale
 * and group instead of one per attachment (rank 0's serial write of 238
 * groups, issue 12). */
enum { SC_Q = TW_MAX_OUTCOME_DIMS, SC_BIN, SC_EDGE, SC_N };

static int write_summary_scales(hid_t g, const tw_model_schema *s, const tw_outcome_info *oi,
                                hid_t *sc)
{
    int bad = 0;
    for (int d = 0; d < oi->ndims; d++) {
        const tw_dimension *dim = &s->dims[oi->dims[d]];
        hid_t ds = sc[d] = tw_h5_write_labels(g, dim->name, dim->labels, dim->size);
        bad |= ds < 0 || tw_h5_make_scale(ds, dim->name, "1",
                                          dim->description ? dim->description : dim->name) < 0;
    }
    hsize_t nq = TW_STATS_NQUANT;
    hid_t ds = sc[SC_Q] = tw_h5_write_full_typed(g, "quantile_levels", H5T_IEEE_F64LE,
                                                 H5T_NATIVE_DOUBLE, 1, &nq,
                                                 tw_stats_quantile_levels, H5P_DEFAULT, 1);
    bad |= ds < 0 || tw_h5_make_scale(ds, "quantile_levels", "1",
                                      "probability levels of the quantiles dataset") < 0;
    sc[SC_BIN] = tw_h5_write_index_scale(g, "bin", TW_STATS_NBINS, H5P_DEFAULT, 1,
                                         "histogram bin index");
    sc[SC_EDGE] = tw_h5_write_index_scale(g, "bin_edge", TW_STATS_NBINS + 1, H5P_DEFAULT, 1,
                                          "histogram bin edge index");
    bad |= sc[SC_BIN] < 0 || sc[SC_EDGE] < 0;
    return bad ? -1 : 0;
}

/* The attachments of one group's datasets to its scales, gathered so that
 * each scale's REFERENCE_LIST is written once, when the group is complete
 * (tw_h5_reference_list): H5DSattach_scale reads back, deletes and rewrites
 * both lists at every attachment, a third of rank 0's serial write of the
 * summary groups (issue 12 item 3). Per scale at most one entry per dataset
 * of the group. */
#define MAX_ATTACH 16

typedef struct attach_log {
    size_t n[SC_N];
    hobj_ref_t ref[SC_N][MAX_ATTACH];
    int dim[SC_N][MAX_ATTACH];
} attach_log;

/* Attach the scales sc[which[d]] to dimensions d = 0..nd-1 of ds: its
 * DIMENSION_LIST now, the scales' entries into the log. */
static int attach_all(hid_t ds, const hid_t *sc, const int *which, int nd, attach_log *log)
{
    hid_t scl[TW_MAX_OUTCOME_DIMS + 1];
    for (int d = 0; d < nd; d++)
        scl[d] = sc[which[d]];
    hobj_ref_t self;
    if (tw_h5_dimension_list(ds, nd, scl, &self) < 0)
        return -1;
    for (int d = 0; d < nd; d++) {
        size_t *k = &log->n[which[d]];
        if (*k == MAX_ATTACH)
            return -1;
        log->ref[which[d]][*k] = self;
        log->dim[which[d]][(*k)++] = d;
    }
    return 0;
}

/* A whole serial dataset over the outcome's elements (and, if last >= 0, one
 * more dimension with that scale, labelled lastname), the group's scales
 * attached, closed at once. */
static int put_elem(hid_t g, const tw_model_schema *s, const tw_outcome_info *oi,
                    const hid_t *sc, attach_log *log, int last, const char *lastname,
                    const char *name, hid_t filetype, hid_t memtype, const hsize_t *dims,
                    const void *data, const char *units, const char *description)
{
    int nd = oi->ndims + (last >= 0);
    hid_t ds = tw_h5_write_dataset(g, name, filetype, memtype, nd, dims, data, H5P_DEFAULT, 1,
                                   units, description);
    if (ds < 0)
        return 1;
    int bad = 0;
    const char *labels[TW_MAX_OUTCOME_DIMS + 1];
    int which[TW_MAX_OUTCOME_DIMS + 1];
    for (int d = 0; d < oi->ndims; d++) {
        which[d] = d;
        labels[d] = s->dims[oi->dims[d]].name;
    }
    if (last >= 0) {
        which[oi->ndims] = last;
        labels[oi->ndims] = lastname;
    }
    if (nd > 0) {
        bad |= attach_all(ds, sc, which, nd, log) < 0;
        bad |= tw_h5_set_labels(ds, labels, nd) < 0;
    }
    H5Dclose(ds);
    return bad;
}

size_t tw_summary_group_objects(const tw_model_schema *s, size_t k)
{
    /* keep in step with tw_summary_write_group: the group, its scales (one
     * per outcome dimension, quantile_levels, bin, bin_edge) and the nine
     * datasets mean .. hist_edges */
    return 1 + (size_t)s->outcomes[k].ndims + 3 + 9;
}

int tw_summary_write_group(hid_t gsum, const tw_model_schema *s, size_t k,
                           const tw_summary *sums, uint64_t n_conv, uint64_t n)
{
    const tw_outcome_info *oi = &s->outcomes[k];
    size_t elems = tw_outcome_size(s, k);
    hid_t g = H5Gcreate2(gsum, oi->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return -1;
    tw_h5_attr_u64(g, "n_converged", n_conv);
    tw_h5_attr_u64(g, "n_samples", n);
    tw_h5_describe(g, oi->units, oi->description, oi->name);
    hsize_t dims[TW_MAX_OUTCOME_DIMS + 1];
    for (int d = 0; d < oi->ndims; d++)
        dims[d] = s->dims[oi->dims[d]].size;
    int nd = oi->ndims;
    size_t width = TW_STATS_NBINS + 1;
    double *v = malloc(elems * width * sizeof *v);
    uint64_t *u = malloc(elems * width * sizeof *u);
    hid_t sc[SC_N];
    attach_log log;
    for (int i = 0; i < SC_N; i++) {
        sc[i] = -1;
        log.n[i] = 0;
    }
    int bad = !v || !u || write_summary_scales(g, s, oi, sc) < 0;
    static const char *const names[] = {"mean", "std", "sem", "min", "max"};
    static const char *const descr[] = {
        "mean over converged samples", "standard deviation (n-1) over converged samples",
        "standard error of the mean", "minimum over converged samples",
        "maximum over converged samples"};
    for (int m = 0; !bad && m < 5; m++) {
        for (size_t e = 0; e < elems; e++) {
            const tw_summary *x = &sums[e];
            v[e] = m == 0 ? x->mean : m == 1 ? x->std : m == 2 ? x->sem : m == 3 ? x->min : x->max;
        }
        bad |= put_elem(g, s, oi, sc, &log, -1, NULL, names[m], H5T_IEEE_F64LE,
                        H5T_NATIVE_DOUBLE, dims, v, oi->units, descr[m]);
    }
    if (!bad) {
        for (size_t e = 0; e < elems; e++)
            u[e] = sums[e].count;
        bad |= put_elem(g, s, oi, sc, &log, -1, NULL, "count", H5T_STD_U64LE, H5T_NATIVE_UINT64,
                        dims, u, "1", "number of values used (converged and finite)");
    }
    if (!bad) {
        dims[nd] = TW_STATS_NQUANT;
        for (size_t e = 0; e < elems; e++)
            memcpy(v + e * TW_STATS_NQUANT, sums[e].quantiles, sizeof sums[e].quantiles);
        bad |= put_elem(g, s, oi, sc, &log, SC_Q, "quantile_levels", "quantiles", H5T_IEEE_F64LE,
                        H5T_NATIVE_DOUBLE, dims, v, oi->units,
                        "quantiles at /summary/quantile_levels (linear interpolation, numpy's "
                        "default)");
    }
    if (!bad) {
        dims[nd] = TW_STATS_NBINS;
        for (size_t e = 0; e < elems; e++)
            memcpy(u + e * TW_STATS_NBINS, sums[e].hist_counts, sizeof sums[e].hist_counts);
        bad |= put_elem(g, s, oi, sc, &log, SC_BIN, "bin", "hist_counts", H5T_STD_U64LE,
                        H5T_NATIVE_UINT64, dims, u, "1",
                        "histogram counts over equal-width bins");
        dims[nd] = TW_STATS_NBINS + 1;
        for (size_t e = 0; e < elems; e++)
            memcpy(v + e * width, sums[e].hist_edges, sizeof sums[e].hist_edges);
        bad |= put_elem(g, s, oi, sc, &log, SC_EDGE, "bin_edge", "hist_edges", H5T_IEEE_F64LE,
                        H5T_NATIVE_DOUBLE, dims, v, oi->units,
                        "histogram bin edges, from min to max");
    }
    for (int i = 0; i < SC_N; i++) {
        if (!bad && sc[i] >= 0)
            bad |= tw_h5_reference_list(sc[i], log.n[i], log.ref[i], log.dim[i]) < 0;
        if (sc[i] >= 0)
            H5Dclose(sc[i]);
    }
    free(v);
    free(u);
    H5Gclose(g);
    return bad ? -1 : 0;
}

/* Rank 0's writer of /summary: the group (replacing a stale one) when the
 * first outcome group is written, the outcome groups in order as their
 * summaries become available (k_ready outcomes of all), then the final
 * attributes (sum_close). Its seconds go to wall/cpu ("summary write"). */
typedef struct sum_writer {
    const tw_model_schema *s;
    const tw_run_meta *meta;
    uint64_t n_conv;
    hid_t f, gsum;
    const tw_summary *all; /* by column */
    size_t k_ready, k, off;
    int bad;
    double wall, cpu;
} sum_writer;

/* Writes the groups of the outcomes ready (last: /summary itself even if
 * there are none); returns nonzero on failure. */
static int sum_write_ready(sum_writer *w, int last)
{
    tw_part_clock pt;
    tw_part_start(&pt);
    if (!w->bad && w->gsum < 0 && (w->k < w->k_ready || last)) {
        if (H5Lexists(w->f, "summary", H5P_DEFAULT) > 0) /* stale from an interrupted finish */
            w->bad |= H5Ldelete(w->f, "summary", H5P_DEFAULT) < 0;
        w->gsum = w->bad ? -1 : H5Gcreate2(w->f, "summary", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        w->bad |= w->gsum < 0;
        if (w->gsum >= 0) {
            hsize_t nq = TW_STATS_NQUANT;
            hid_t ql = tw_h5_write_dataset(w->gsum, "quantile_levels", H5T_IEEE_F64LE,
                                           H5T_NATIVE_DOUBLE, 1, &nq, tw_stats_quantile_levels,
                                           H5P_DEFAULT, 1, "1",
                                           "probability levels of the quantiles datasets");
            w->bad |= ql < 0 || H5DSset_scale(ql, "quantile_levels") < 0;
            if (ql >= 0)
                H5Dclose(ql);
            tw_h5_attr_u64(w->gsum, "n_converged", w->n_conv);
            tw_h5_attr_u64(w->gsum, "n_samples", w->meta->n_samples);
        }
    }
    for (; !w->bad && w->k < w->k_ready; w->k++) {
        w->bad |= tw_summary_write_group(w->gsum, w->s, w->k, w->all + w->off, w->n_conv,
                                         w->meta->n_samples) < 0;
        w->off += tw_outcome_size(w->s, w->k);
    }
    tw_part_add(&pt, &w->wall, &w->cpu);
    return w->bad;
}

/* The end of the write: the final attributes, 'finished' last (a crash
 * before it leaves a resumable file whose blocks are all done: resume redoes
 * the summary), and the file closed. */
static int sum_close(sum_writer *w, const char *path, double elapsed,
                     const volatile sig_atomic_t *stop, tw_error *err)
{
    tw_part_clock pt;
    tw_part_start(&pt);
    hid_t f = w->f;
    int bad = w->bad;
    if (w->gsum >= 0)
        H5Gclose(w->gsum);
    bad |= tw_h5_attr_u64(f, "n_converged", w->n_conv) < 0;
    bad |= tw_h5_attr_f64(f, "elapsed_seconds", elapsed) < 0;
    bad |= tw_h5_attr_i64(f, "mpi_ranks", w->meta->mpi_ranks) < 0;
    bad |= tw_h5_attr_i64(f, "omp_threads", w->meta->omp_threads) < 0;
    bad |= H5Fflush(f, H5F_SCOPE_GLOBAL) < 0;
    int rc = TW_OK;
    if (!bad && stop && *stop) {
        /* a stop during the write: leave finished = 0, resume redoes it */
        rc = tw_error_set(err, TW_EINTERRUPTED, "stopped by signal %d while writing the "
                          "summary; every block is done and %s is consistent: run again with "
                          "--resume to finish it (the summary is redone)", (int)*stop, path);
    } else {
        bad |= tw_h5_attr_i64(f, "finished", 1) < 0;
    }
    w->f = -1;
    bad |= H5Fclose(f) < 0;
    tw_part_add(&pt, &w->wall, &w->cpu);
    if (rc)
        return rc;
    return bad ? tw_error_set(err, TW_EIO, "%s: writing the summary failed (disk full?)", path)
               : TW_OK;
}

/* Rank 0 opens the file for writing, the other ranks for reading with (pre
 * not NULL) every outcome dataset with columns in my, before rank 0 does
 * (see tw_summary_by_write: they read while rank 0 writes), and each counts
 * the converged samples. rc: the status so far. Returns the new status. */
static int open_pass(hid_t *f, const char *path, unsigned mode, const tw_model_schema *s,
                     tw_summary_range my, hid_t *pre, conv_ctx *cc, tw_summary_pass *pc,
                     uint64_t n, uint64_t *n_conv, int rc, tw_error *err)
{
    if (rc)
        return rc;
    size_t mslab = tw_summary_slab_rows(pc, n, 1);
    uint8_t *mask = malloc(mslab);
    if (!mask)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    *f = tw_h5_open(path, mode);
    cc->conv = *f < 0 ? -1 : H5Dopen2(*f, "status/converged", H5P_DEFAULT);
    tw_part_clock pt;
    tw_part_start(&pt);
    if (cc->conv < 0 || count_converged(cc->conv, n, mslab, mask, n_conv, cc->all) < 0)
        rc = tw_error_set(err, TW_EIO, "%s: cannot read /status/converged", path);
    tw_part_add(&pt, &pc->read_wall, &pc->read_cpu);
    free(mask);
    char name[512];
    for (size_t k = 0, off = 0; !rc && pre && k < s->n_outcomes; k++) {
        size_t elems = tw_outcome_size(s, k);
        snprintf(name, sizeof name, "outputs/%s", s->outcomes[k].name);
        if (my.lo < my.hi && elems && off < my.hi && off + elems > my.lo &&
            (pre[k] = H5Dopen2(*f, name, H5P_DEFAULT)) < 0)
            rc = tw_error_set(err, TW_EIO, "%s: cannot read /%s for the summary", path, name);
        off += elems;
    }
    return rc;
}

/* As the by-regime pass (summary_by.c): with more than one rank, rank 0
 * writes /summary while the other ranks still summarise, and takes a smaller
 * share of the columns for that (tw_summary_split; the write is 0.02 s of
 * the 0.2 s pass on the default scenario). One rank: the pass, then the
 * write. */
int tw_output_finalize(MPI_Comm comm, const char *path, const tw_model_schema *s,
                       const tw_run_meta *meta, double elapsed, size_t mem_budget,
                       const volatile sig_atomic_t *stop, tw_error *err)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    tw_h5_quiet();
    uint64_t n = meta->n_samples;
    size_t total = tw_outcome_row_size(s), objects = 1, maxel = 0; /* 1: quantile_levels */
    for (size_t k = 0; k < s->n_outcomes; k++) {
        objects += tw_summary_group_objects(s, k);
        if (tw_outcome_size(s, k) > maxel)
            maxel = tw_outcome_size(s, k);
    }
    double share = tw_summary_agreed_share(comm, tw_summary_write_share(objects, n, total, 1));
    tw_summary_range my = tw_summary_split(total, rank, size, share);
    tw_summary_pass pc;
    tw_summary_pass_init(&pc, mem_budget, stop);
    tw_summary_rec *mine = malloc((my.hi - my.lo + 1) * sizeof *mine);
    size_t *cols = malloc((total + 1) * sizeof *cols);
    tw_summary *sums = malloc((my.hi - my.lo + 1) * sizeof *sums);
    hid_t *pre = rank > 0 ? malloc((s->n_outcomes + 1) * sizeof *pre) : NULL;
    tw_summary_sender snd = {.comm = comm, .nreq = 0};
    if (rank > 0)
        snd.req = malloc((s->n_outcomes + 1) * sizeof *snd.req);
    tw_summary *all = rank == 0 ? malloc((total + 1) * sizeof *all) : NULL;
    tw_summary_rec *buf = rank == 0 && size > 1 ? malloc((maxel + 1) * sizeof *buf) : NULL;
    int rc = (!mine || !cols || !sums || (rank > 0 && (!pre || !snd.req)) ||
              (rank == 0 && (!all || (size > 1 && !buf))))
                 ? tw_error_set(err, TW_ENOMEM, "out of memory")
                 : TW_OK;
    for (size_t k = 0; pre && k < s->n_outcomes; k++)
        pre[k] = -1;
    uint64_t n_conv = 0;
    hid_t f = -1;
    conv_ctx cc = {.conv = -1, .all = n > 0 && n <= CONV_CACHE_BYTES ? malloc(n) : NULL};
    if (rank > 0)
        rc = open_pass(&f, path, H5F_ACC_RDONLY, s, my, pre, &cc, &pc, n, &n_conv, rc, err);
    int agreed = 0; /* failed before rank 0's open: all know it, nobody sends */
    if (size > 1 && (rc = tw_mpi_agree(comm, rc, err)))
        agreed = 1;
    if (rank == 0)
        rc = open_pass(&f, path, H5F_ACC_RDWR, s, my, NULL, &cc, &pc, n, &n_conv, rc, err);
    sum_writer w = {.s = s, .meta = meta, .n_conv = n_conv, .f = f, .gsum = -1, .all = all};
    size_t off = 0, nmine = 0;
    int stopped = 0;
    const char *where = NULL; /* the outcome a stop came in */
    double mc[2] = {0, 0};    /* this rank's summaries: wall, CPU (the balance) */
    tw_part_clock pt;
    tw_part_start(&pt);
    for (size_t k = 0; !agreed && (!rc || rank > 0) && k < s->n_outcomes; k++) {
        size_t elems = tw_outcome_size(s, k), nc = 0;
        for (size_t e = 0; e < elems; e++)
            if (off + e >= my.lo && off + e < my.hi) {
                if (cols)
                    cols[nc] = e;
                nc++;
            }
        if (!rc && nc && stop && *stop) { /* at the start of outcome k */
            stopped = (int)*stop;
            where = s->outcomes[k].name;
            rc = TW_EINTERRUPTED;
        }
        if (!rc && nc) {
            char name[512];
            snprintf(name, sizeof name, "outputs/%s", s->outcomes[k].name);
            hid_t ds = pre ? pre[k] : H5Dopen2(f, name, H5P_DEFAULT);
            int r = ds < 0 ? -1
                           : tw_summary_columns(ds, n, elems, cols, nc, 1, converged_mask,
                                                &cc, &pc, sums, &stopped);
            for (size_t j = 0; r == 0 && j < nc; j++)
                mine[nmine + j] = (tw_summary_rec){.col = off + cols[j], .s = sums[j]};
            if (r < 0)
                rc = tw_error_set(err, TW_EIO, "%s: cannot read /%s for the summary (or out "
                                  "of memory)", path, name);
            if (ds >= 0 && !pre)
                H5Dclose(ds);
            if (r > 0) {
                where = s->outcomes[k].name;
                rc = TW_EINTERRUPTED;
            }
        }
        if (nc && rank > 0) /* sent as soon as done: rank 0 writes while we go on */
            tw_summary_send(&snd, mine + nmine, nc, rc != 0);
        nmine += nc;
        off += elems;
    }
    tw_part_add(&pt, &mc[0], &mc[1]);
    if (stopped)
        rc = tw_error_set(err, TW_EINTERRUPTED, "stopped by signal %d during the summary "
                          "pass%s%s%s; every block is done and %s is consistent: run again "
                          "with --resume to finish it (the pass is redone)", stopped,
                          where ? " (in outcome '" : "", where ? where : "", where ? "')" : "",
                          path);
    if (rank > 0 && !agreed)
        MPI_Waitall(snd.nreq, snd.req, MPI_STATUSES_IGNORE);
    if (rank == 0 && !agreed) {
        /* the own columns (0 .. my.hi - 1) first, then the others' outcomes
         * in order, each written as soon as it is complete; a failure
         * anywhere: nothing more is written, but every message is received */
        int failed = rc != 0;
        for (size_t i = 0; !failed && i < nmine; i++)
            all[mine[i].col] = mine[i].s;
        off = 0;
        for (size_t k = 0; k < s->n_outcomes; k++) {
            size_t elems = tw_outcome_size(s, k);
            if (off + elems > my.hi) {
                if (!failed)
                    failed |= sum_write_ready(&w, 0);
                tw_summary_receive(comm, size, total, NULL, 1, share, off, elems, buf, all, &failed);
            }
            if (!failed)
                w.k_ready = k + 1;
            off += elems;
        }
        if (!failed)
            failed |= sum_write_ready(&w, 1);
        if (f >= 0) {
            /* rc set: our own error stands; a peer's failure: its error
             * (tw_mpi_agree), the file left unfinished */
            int rw = rc || failed ? TW_OK : sum_close(&w, path, elapsed, stop, err);
            if (rc || failed)
                H5Fclose(f);
            else
                rc = rw;
            f = -1;
            if (!rc && w.bad)
                rc = tw_error_set(err, TW_EIO, "%s: writing the summary failed (disk full?)",
                                  path);
        }
    }
    for (size_t k = 0; pre && k < s->n_outcomes; k++)
        if (pre[k] >= 0)
            H5Dclose(pre[k]);
    if (cc.conv >= 0)
        H5Dclose(cc.conv);
    if (f >= 0)
        H5Fclose(f);
    free(cc.all);
    free(cols);
    free(sums);
    free(pre);
    free(snd.req);
    free(mine);
    free(buf);
    free(all);
    /* everyone must know if anyone failed (or was stopped), and all report
     * the same; rank 0 has closed the file */
    if (!agreed && size > 1)
        rc = tw_mpi_agree(comm, rc, err);
    double *every = rank == 0 ? malloc(2 * (size_t)size * sizeof *every) : NULL;
    if (size > 1)
        MPI_Gather(mc, 2, MPI_DOUBLE, every, 2, MPI_DOUBLE, 0, comm);
    if (rank == 0) {
        tw_part_report(rank, "summary masks", pc.read_wall, pc.read_cpu);
        tw_part_report(rank, "summary write", w.wall, w.cpu);
        for (int r = 0; every && size > 1 && r < size; r++) {
            char name[64];
            snprintf(name, sizeof name, "summary compute r%d", r);
            tw_part_report(rank, name, every[2 * r], every[2 * r + 1]);
        }
    }
    free(every);
    return rc;
}
