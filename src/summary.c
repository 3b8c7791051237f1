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
 * between slabs.
 *
 * Here: the streaming pass (summary_pass.h, also the by-regime pass's) and
 * the summary pass itself with rank 0's writer of /summary. Which columns a
 * rank owns and how its results reach rank 0: summary_split.c; the datasets
 * of one outcome's group: summary_group.c. */
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
#include "summary_pass.h"
#include "summary_split.h"
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

/* One summary pass on this rank: what its steps below share. */
typedef struct fin_pass {
    MPI_Comm comm;
    int rank, size;
    const char *path;
    const tw_model_schema *s;
    uint64_t n;
    size_t total;          /* columns: the outcome row's elements */
    double share;          /* rank 0's W / C, agreed (tw_summary_agreed_share) */
    tw_summary_range my;   /* this rank's columns */
    tw_summary_pass pc;
    tw_summary_rec *mine;  /* this rank's records, outcome by outcome */
    size_t nmine;
    size_t *cols;          /* one outcome's columns of mine (element indices) */
    tw_summary *sums;      /* their summaries */
    hid_t *pre;            /* ranks > 0: the outcome datasets they read, opened early */
    tw_summary_sender snd; /* ranks > 0 */
    tw_summary *all;       /* rank 0: every column's summary */
    tw_summary_rec *buf;   /* rank 0, more than one rank: one message */
    conv_ctx cc;
    hid_t f;
    uint64_t n_conv;
    int agreed;   /* failed before rank 0's open: all know it, nobody sends */
    double mc[2]; /* this rank's summaries: wall, CPU (the balance) */
} fin_pass;

/* The split (rank 0's share: its write of /summary, tw_summary_group_objects
 * of every outcome plus quantile_levels, against the pass's sort) and the
 * pass's buffers. Returns 0 or TW_ENOMEM. */
static int fin_setup(fin_pass *p, size_t mem_budget, const volatile sig_atomic_t *stop,
                     tw_error *err)
{
    const tw_model_schema *s = p->s;
    int rank = p->rank, size = p->size;
    size_t total = p->total = tw_outcome_row_size(s);
    size_t objects = 1, maxel = 0; /* 1: quantile_levels */
    for (size_t k = 0; k < s->n_outcomes; k++) {
        objects += tw_summary_group_objects(s, k);
        if (tw_outcome_size(s, k) > maxel)
            maxel = tw_outcome_size(s, k);
    }
    p->share = tw_summary_agreed_share(p->comm, tw_summary_write_share(objects, p->n, total, 1));
    p->my = tw_summary_split(total, rank, size, p->share);
    tw_summary_pass_init(&p->pc, mem_budget, stop);
    p->mine = malloc((p->my.hi - p->my.lo + 1) * sizeof *p->mine);
    p->cols = malloc((total + 1) * sizeof *p->cols);
    p->sums = malloc((p->my.hi - p->my.lo + 1) * sizeof *p->sums);
    p->pre = rank > 0 ? malloc((s->n_outcomes + 1) * sizeof *p->pre) : NULL;
    p->snd = (tw_summary_sender){.comm = p->comm, .nreq = 0};
    if (rank > 0)
        p->snd.req = malloc((s->n_outcomes + 1) * sizeof *p->snd.req);
    p->all = rank == 0 ? malloc((total + 1) * sizeof *p->all) : NULL;
    p->buf = rank == 0 && size > 1 ? malloc((maxel + 1) * sizeof *p->buf) : NULL;
    int rc = (!p->mine || !p->cols || !p->sums || (rank > 0 && (!p->pre || !p->snd.req)) ||
              (rank == 0 && (!p->all || (size > 1 && !p->buf))))
                 ? tw_error_set(err, TW_ENOMEM, "out of memory")
                 : TW_OK;
    for (size_t k = 0; p->pre && k < s->n_outcomes; k++)
        p->pre[k] = -1;
    p->f = -1;
    p->cc = (conv_ctx){.conv = -1,
                       .all = p->n > 0 && p->n <= CONV_CACHE_BYTES ? malloc(p->n) : NULL};
    return rc;
}

/* The readers open the file (and their datasets) first, then all agree,
 * then rank 0 opens it for writing (open_pass). Returns the status. */
static int fin_open(fin_pass *p, int rc, tw_error *err)
{
    if (p->rank > 0)
        rc = open_pass(&p->f, p->path, H5F_ACC_RDONLY, p->s, p->my, p->pre, &p->cc, &p->pc, p->n,
                       &p->n_conv, rc, err);
    if (p->size > 1 && (rc = tw_mpi_agree(p->comm, rc, err)))
        p->agreed = 1;
    if (p->rank == 0)
        rc = open_pass(&p->f, p->path, H5F_ACC_RDWR, p->s, p->my, NULL, &p->cc, &p->pc, p->n,
                       &p->n_conv, rc, err);
    return rc;
}

/* This rank's columns, outcome by outcome, into mine; the other ranks send
 * each outcome's as soon as it is done (also after a failure: then FAILED).
 * A stop signal: at the start of an outcome, or between slabs. Returns the
 * status. */
static int fin_summarise(fin_pass *p, int rc, tw_error *err)
{
    const tw_model_schema *s = p->s;
    const volatile sig_atomic_t *stop = p->pc.stop;
    size_t off = 0;
    int stopped = 0;
    const char *where = NULL; /* the outcome a stop came in */
    tw_part_clock pt;
    tw_part_start(&pt);
    for (size_t k = 0; !p->agreed && (!rc || p->rank > 0) && k < s->n_outcomes; k++) {
        size_t elems = tw_outcome_size(s, k);
        size_t nc = tw_summary_my_cols(off, elems, p->my, p->cols);
        if (!rc && nc && stop && *stop) { /* at the start of outcome k */
            stopped = (int)*stop;
            where = s->outcomes[k].name;
            rc = TW_EINTERRUPTED;
        }
        if (!rc && nc) {
            char name[512];
            snprintf(name, sizeof name, "outputs/%s", s->outcomes[k].name);
            hid_t ds = p->pre ? p->pre[k] : H5Dopen2(p->f, name, H5P_DEFAULT);
            int r = ds < 0 ? -1
                           : tw_summary_columns(ds, p->n, elems, p->cols, nc, 1, converged_mask,
                                                &p->cc, &p->pc, p->sums, &stopped);
            for (size_t j = 0; r == 0 && j < nc; j++)
                p->mine[p->nmine + j] = (tw_summary_rec){.col = off + p->cols[j], .s = p->sums[j]};
            if (r < 0)
                rc = tw_error_set(err, TW_EIO, "%s: cannot read /%s for the summary (or out "
                                  "of memory)", p->path, name);
            if (ds >= 0 && !p->pre)
                H5Dclose(ds);
            if (r > 0) {
                where = s->outcomes[k].name;
                rc = TW_EINTERRUPTED;
            }
        }
        if (nc && p->rank > 0) /* sent as soon as done: rank 0 writes while we go on */
            tw_summary_send(&p->snd, p->mine + p->nmine, nc, rc != 0);
        p->nmine += nc;
        off += elems;
    }
    tw_part_add(&pt, &p->mc[0], &p->mc[1]);
    if (stopped)
        rc = tw_error_set(err, TW_EINTERRUPTED, "stopped by signal %d during the summary "
                          "pass%s%s%s; every block is done and %s is consistent: run again "
                          "with --resume to finish it (the pass is redone)", stopped,
                          where ? " (in outcome '" : "", where ? where : "", where ? "')" : "",
                          p->path);
    return rc;
}

static int sum_write_some(void *w) { return sum_write_ready(w, 0); }

/* Rank 0: its own outcomes' groups, then the others' as their messages come
 * (tw_summary_collect, shared with the by-regime pass), then /summary's
 * final attributes and the file closed (sum_close). A failure anywhere:
 * nothing more is written, but every message is received, and the file is
 * left unfinished. Returns the status. */
static int fin_write(fin_pass *p, sum_writer *w, double elapsed, int rc, tw_error *err)
{
    int failed = rc != 0;
    tw_summary_collector c = {.comm = p->comm, .size = p->size, .weight = NULL,
                              .share = p->share, .L = 1, .my_hi = p->my.hi, .buf = p->buf,
                              .all = p->all, .write_ready = sum_write_some, .ctx = w,
                              .k_ready = &w->k_ready};
    tw_summary_collect(&c, p->s, p->mine, p->nmine, &failed);
    if (!failed)
        failed |= sum_write_ready(w, 1);
    if (p->f >= 0) {
        /* rc set: our own error stands; a peer's failure: its error
         * (tw_mpi_agree), the file left unfinished */
        int rw = rc || failed ? TW_OK : sum_close(w, p->path, elapsed, p->pc.stop, err);
        if (rc || failed)
            H5Fclose(p->f);
        else
            rc = rw;
        p->f = -1;
        if (!rc && w->bad)
            rc = tw_error_set(err, TW_EIO, "%s: writing the summary failed (disk full?)",
                              p->path);
    }
    return rc;
}

static void fin_teardown(fin_pass *p)
{
    for (size_t k = 0; p->pre && k < p->s->n_outcomes; k++)
        if (p->pre[k] >= 0)
            H5Dclose(p->pre[k]);
    if (p->cc.conv >= 0)
        H5Dclose(p->cc.conv);
    if (p->f >= 0)
        H5Fclose(p->f);
    free(p->cc.all);
    free(p->cols);
    free(p->sums);
    free(p->pre);
    free(p->snd.req);
    free(p->mine);
    free(p->buf);
    free(p->all);
}

/* TW_PHASE_TIMES: rank 0 prints the masks, its write and every rank's
 * compute (collective: the ranks' seconds are gathered). */
static void fin_report(const fin_pass *p, const sum_writer *w)
{
    int rank = p->rank, size = p->size;
    double *every = rank == 0 ? malloc(2 * (size_t)size * sizeof *every) : NULL;
    if (size > 1)
        MPI_Gather(p->mc, 2, MPI_DOUBLE, every, 2, MPI_DOUBLE, 0, p->comm);
    if (rank == 0) {
        tw_part_report(rank, "summary masks", p->pc.read_wall, p->pc.read_cpu);
        tw_part_report(rank, "summary write", w->wall, w->cpu);
        for (int r = 0; every && size > 1 && r < size; r++) {
            char name[64];
            snprintf(name, sizeof name, "summary compute r%d", r);
            tw_part_report(rank, name, every[2 * r], every[2 * r + 1]);
        }
    }
    free(every);
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
    fin_pass p = {.comm = comm, .path = path, .s = s, .n = meta->n_samples};
    MPI_Comm_rank(comm, &p.rank);
    MPI_Comm_size(comm, &p.size);
    tw_h5_quiet();
    int rc = fin_setup(&p, mem_budget, stop, err);
    rc = fin_open(&p, rc, err);
    sum_writer w = {.s = s, .meta = meta, .n_conv = p.n_conv, .f = p.f, .gsum = -1, .all = p.all};
    rc = fin_summarise(&p, rc, err);
    if (p.rank > 0 && !p.agreed)
        MPI_Waitall(p.snd.nreq, p.snd.req, MPI_STATUSES_IGNORE);
    if (p.rank == 0 && !p.agreed)
        rc = fin_write(&p, &w, elapsed, rc, err);
    fin_teardown(&p);
    /* everyone must know if anyone failed (or was stopped), and all report
     * the same; rank 0 has closed the file */
    if (!p.agreed && p.size > 1)
        rc = tw_mpi_agree(comm, rc, err);
    fin_report(&p, &w);
    return rc;
}
