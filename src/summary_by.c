/* Results by regime (summary_by.h): the summary pass once per level of the
 * named Bernoulli and discrete parameters.
 *
 * Like the summary pass it reads the file after the last block, with the same
 * streaming code (summary.c, summary_pass.h: slabs of rows, bounded memory,
 * threads) and the same split over the ranks (summary_split.c): rank r
 * owns a contiguous range of the outcome elements (tw_summary_split_w) and
 * summarises each once per (parameter, level) with the level's mask
 * (converged and input == level value), in sample order, so the result is
 * the same for any decomposition. Rank 0 gathers and writes /summary_by with
 * the writer of /summary (summary_group.c). */
#include "tradewar/summary_by.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "h5util.h"
#include "mpiutil.h"
#include "phases.h"
#include "progress.h" /* tw_now */
#include "summary_group.h"
#include "summary_pass.h"
#include "summary_split.h"
#include "tradewar/params.h"
#include "tradewar/stats.h"

typedef struct by_param {
    char *name;
    size_t n;       /* levels */
    double *values; /* ascending */
} by_param;

struct tw_summary_by {
    size_t n;
    by_param *p;
};

/* The section's keys (checked and listed; `by` is read below). */
const tw_key tw_summary_keys[TW_SUMMARY_N_KEYS] = {
    {.name = "by", .type = TW_KEY_SECTION, .what = "[PARAM, ...]", .def_note = "(required)",
     .doc = "Bernoulli or discrete parameters: the summary per level"},
};

void tw_summary_by_free(tw_summary_by *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++) {
        free(b->p[i].name);
        free(b->p[i].values);
    }
    free(b->p);
    free(b);
}

size_t tw_summary_by_count(const tw_summary_by *b) { return b ? b->n : 0; }
const char *tw_summary_by_param(const tw_summary_by *b, size_t i) { return b->p[i].name; }
size_t tw_summary_by_levels(const tw_summary_by *b, size_t i) { return b->p[i].n; }
double tw_summary_by_level(const tw_summary_by *b, size_t i, size_t l) { return b->p[i].values[l]; }

int tw_summary_by_create(const tw_config *cfg, const tw_params *ps, tw_summary_by **out,
                         tw_error *err)
{
    *out = NULL;
    tw_ynode sec = tw_ynode_get(tw_yaml_root(cfg->doc), "summary");
    if (!tw_ynode_ok(sec))
        return TW_OK;
    int rc = tw_keys_check(sec, "summary", tw_summary_keys, TW_SUMMARY_N_KEYS, err);
    if (rc)
        return rc;
    char where[600];
    tw_ynode by = tw_ynode_get(sec, "by");
    if (tw_ynode_type(by) != TW_Y_SEQUENCE || tw_ynode_size(by) == 0) {
        tw_ynode_where(tw_ynode_ok(by) ? by : sec, "summary.by", where, sizeof where);
        return tw_error_set(err, TW_ECONFIG, "%s: expected a non-empty list of Bernoulli or "
                            "discrete parameters, e.g. [deal, pause_expires]", where);
    }
    tw_summary_by *b = calloc(1, sizeof *b);
    size_t n = tw_ynode_size(by);
    if (!b || !(b->p = calloc(n, sizeof *b->p))) {
        free(b);
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n && !rc; i++) {
        tw_ynode it = tw_ynode_item(by, i);
        const char *name = tw_ynode_scalar(it);
        tw_ynode_where(it, "summary.by", where, sizeof where);
        long idx = name ? tw_params_find(ps, name) : -1;
        if (idx < 0) {
            rc = tw_error_set(err, TW_ECONFIG, "%s: unknown parameter '%s'", where,
                              name ? name : "?");
            break;
        }
        for (size_t j = 0; j < b->n && !rc; j++)
            if (strcmp(b->p[j].name, name) == 0)
                rc = tw_error_set(err, TW_ECONFIG, "%s: '%s' is named twice", where, name);
        if (rc)
            break;
        const tw_dist *d = &tw_params_get(ps, (size_t)idx)->dist;
        if (d->kind != TW_DIST_BERNOULLI && d->kind != TW_DIST_DISCRETE) {
            char what[64];
            snprintf(what, sizeof what, d->kind == TW_DIST_CONSTANT ? "constant"
                                                                    : "continuous (%s)",
                     tw_dist_kind_name(d->kind));
            rc = tw_error_set(err, TW_ECONFIG, "%s: '%s' is %s: only bernoulli and discrete "
                              "parameters split the samples into regimes", where, name, what);
            break;
        }
        by_param *bp = &b->p[b->n++];
        bp->name = malloc(strlen(name) + 1);
        bp->n = d->kind == TW_DIST_BERNOULLI ? 2 : d->n;
        bp->values = malloc(bp->n * sizeof *bp->values);
        if (!bp->name || !bp->values) {
            rc = tw_error_set(err, TW_ENOMEM, "out of memory");
            break;
        }
        strcpy(bp->name, name);
        if (d->kind == TW_DIST_BERNOULLI) {
            bp->values[0] = 0.0;
            bp->values[1] = 1.0;
        } else {
            memcpy(bp->values, d->values, bp->n * sizeof *bp->values); /* sorted by dist.c */
        }
    }
    if (rc) {
        tw_summary_by_free(b);
        return rc;
    }
    *out = b;
    return TW_OK;
}

/* ---- the pass ---- */

static void level_name(double v, char *buf, size_t n) { snprintf(buf, n, "%.15g", v); }

typedef tw_summary_rec col_res;

/* The level masks of one slab: converged and input == level, for every
 * (parameter, level) in order; the datasets stay open for the pass. Every
 * outcome and every sweep of the selection asks for the same masks, so when
 * all of them fit in MASK_CACHE_BYTES (L bytes a sample: up to ~1.4 million
 * samples at 6 levels) they are built once, by count_levels, and copied from
 * the cache after that: the masks and their inputs are read and built once
 * per pass instead of once per outcome, slab and sweep on every rank (a part
 * of the pass that does not split over the ranks, issue 12 item 3). The same
 * masks, so the same results. */
#define MASK_CACHE_BYTES ((size_t)8 << 20)

typedef struct level_ctx {
    const tw_summary_by *b;
    hid_t conv, *in; /* /status/converged, /inputs/<by parameter> */
    uint8_t *c;      /* a slab of converged flags */
    double *x;       /* a slab of one input */
    size_t L;        /* levels over all parameters */
    uint64_t n;      /* samples */
    uint8_t *cache;  /* NULL, or the masks of all n samples: cache[l * n + row] */
    int cached;      /* the cache is filled */
} level_ctx;

static int level_masks(void *ctx_, uint64_t s0, size_t cnt, uint8_t *masks)
{
    level_ctx *ctx = ctx_;
    if (ctx->cached) {
        for (size_t l = 0; l < ctx->L; l++)
            memcpy(masks + l * cnt, ctx->cache + l * ctx->n + s0, cnt);
        return 0;
    }
    if (tw_summary_read_rows(ctx->conv, H5T_NATIVE_UINT8, s0, cnt, ctx->c) < 0)
        return -1;
    for (size_t i = 0, l0 = 0; i < ctx->b->n; l0 += ctx->b->p[i].n, i++) {
        if (tw_summary_read_rows(ctx->in[i], H5T_NATIVE_DOUBLE, s0, cnt, ctx->x) < 0)
            return -1;
        for (size_t l = 0; l < ctx->b->p[i].n; l++) {
            uint8_t *m = masks + (l0 + l) * cnt;
            for (size_t r = 0; r < cnt; r++)
                m[r] = (uint8_t)(ctx->x[r] == ctx->b->p[i].values[l] && ctx->c[r]);
        }
    }
    return 0;
}

/* Each level's sample and converged counts, in slabs. */
static int count_levels(level_ctx *ctx, uint64_t n, size_t slab, uint8_t *masks,
                        uint64_t *lcount, uint64_t *lconv)
{
    for (uint64_t s0 = 0; s0 < n; s0 += slab) {
        size_t cnt = (size_t)(n - s0 < slab ? n - s0 : slab);
        if (level_masks(ctx, s0, cnt, masks) < 0)
            return -1;
        for (size_t l = 0; ctx->cache && l < ctx->L; l++)
            memcpy(ctx->cache + l * n + s0, masks + l * cnt, cnt);
        for (size_t i = 0, l0 = 0; i < ctx->b->n; l0 += ctx->b->p[i].n, i++) {
            if (tw_summary_read_rows(ctx->in[i], H5T_NATIVE_DOUBLE, s0, cnt, ctx->x) < 0)
                return -1;
            for (size_t l = 0; l < ctx->b->p[i].n; l++)
                for (size_t r = 0; r < cnt; r++) {
                    lcount[l0 + l] += ctx->x[r] == ctx->b->p[i].values[l];
                    lconv[l0 + l] += masks[(l0 + l) * cnt + r];
                }
        }
    }
    ctx->cached = ctx->cache != NULL;
    return 0;
}

/* This rank's share of the work: its columns my.lo .. my.hi - 1
 * (tw_summary_split), each summarised once per level into mine (nmine
 * records, outcome by outcome, column by column, level by level), by the
 * streaming pass of summary.c (bounded memory, threads). pre: NULL, or the
 * outcome datasets already open (pre[k], -1 where this rank has no column).
 * snd: NULL, or the sends to rank 0 (summary_split.h). *k_ready: the outcomes whose
 * every column is in mine (rank 0 owns from column 0). A stop signal
 * (pc->stop) is honoured between slabs: TW_EINTERRUPTED, naming the
 * outcome. */
static int summarise_my_columns(hid_t f, const char *path, const tw_model_schema *sch,
                                uint64_t n, size_t L, level_ctx *ctx, tw_summary_pass *pc,
                                tw_summary_range my, const hid_t *pre, tw_summary_sender *snd,
                                col_res *mine, size_t *nmine_out, size_t *k_ready,
                                tw_error *err)
{
    size_t total = tw_outcome_row_size(sch);
    size_t nmine = 0, off = 0;
    int rc = TW_OK;
    size_t *cols = malloc((total + 1) * sizeof *cols);
    tw_summary *sums = malloc((my.hi - my.lo + 1) * L * sizeof *sums);
    if (!cols || !sums)
        rc = tw_error_set(err, TW_ENOMEM, "out of memory (summary by regime)");
    for (size_t k = 0; (!rc || snd) && k < sch->n_outcomes; k++) {
        size_t elems = tw_outcome_size(sch, k);
        size_t nc = tw_summary_my_cols(off, elems, my, cols);
        if (nc && !rc) {
            char name[512];
            snprintf(name, sizeof name, "outputs/%s", sch->outcomes[k].name);
            hid_t ds = pre ? pre[k] : H5Dopen2(f, name, H5P_DEFAULT);
            int stopped = 0;
            int r = ds < 0 ? -1
                           : tw_summary_columns(ds, n, elems, cols, nc, L, level_masks, ctx, pc,
                                                sums, &stopped);
            if (r < 0)
                rc = tw_error_set(err, TW_EIO, "%s: cannot read /%s (or out of memory)", path,
                                  name);
            else if (r > 0)
                rc = tw_error_set(err, TW_EINTERRUPTED, "stopped by signal %d during the summary "
                                  "by regime (in outcome '%s'); every block is done and %s is "
                                  "consistent: run again with --resume to finish it (the pass "
                                  "is redone)", stopped, sch->outcomes[k].name, path);
            if (ds >= 0 && !pre)
                H5Dclose(ds);
            for (size_t c = 0; !rc && c < nc; c++)
                for (size_t l = 0; l < L; l++)
                    mine[nmine + c * L + l] =
                        (col_res){.col = (off + cols[c]) * L + l, .s = sums[c * L + l]};
        }
        if (nc && snd) /* sent as soon as done: rank 0 writes while we go on */
            tw_summary_send(snd, mine + nmine, nc * L, rc != 0);
        nmine += nc * L;
        off += elems;
        if (!rc && k_ready && off <= my.hi)
            *k_ready = k + 1; /* mine[] holds outcome k: the writer may take it */
    }
    free(cols);
    free(sums);
    *nmine_out = nmine;
    return rc;
}

/* The writer of /summary_by/<parameter>/<level>/<outcome>: the parameter
 * and level groups at once, then the outcome groups one at a time, outcome
 * by outcome, as their summaries become available (k_ready outcomes).
 * In a 1-rank run the pass owns every column, so the master thread writes
 * the groups of the outcomes done while the other threads summarise the
 * next ones (tw_summary_pass.bg): rank 0's serial write, the largest part of
 * the run that split over neither ranks nor threads (issue 12 item 3), is
 * overlapped with the pass. With more ranks rank 0 writes every group, its
 * own outcomes' first and then the others' as their messages come (see
 * tw_summary_by_write), while the other ranks still summarise: rank 0 takes
 * fewer columns for that (tw_summary_split). Summary of column c, level l:
 * all[c * L + l], or res[c * L + l].s while rank 0 summarises its own
 * columns (they start at column 0). */
typedef struct by_writer {
    const tw_model_schema *sch;
    const tw_summary_by *b;
    size_t L;
    const uint64_t *lcount, *lconv;
    const tw_summary *all;
    const col_res *res;
    hid_t gb, *gl;       /* /summary_by and its L level groups */
    tw_summary *lev;     /* one outcome's elements at one level */
    size_t k_ready;      /* outcomes whose summaries are in all/res */
    size_t k, l, off;    /* next group: outcome k (its first column off), level l */
    int bad;             /* an HDF5 call failed */
    double wall, cpu;    /* the writing thread's seconds */
} by_writer;

/* /summary_by (replacing a stale one), its parameter and level groups. */
static int by_writer_open(by_writer *w, hid_t fw)
{
    double t0 = tw_now(), c0 = tw_thread_cpu();
    const tw_summary_by *b = w->b;
    int wbad = 0;
    w->gb = -1;
    for (size_t i = 0; i < w->L; i++)
        w->gl[i] = -1;
    if (H5Lexists(fw, "summary_by", H5P_DEFAULT) > 0)
        wbad |= H5Ldelete(fw, "summary_by", H5P_DEFAULT) < 0; /* interrupted finish */
    hid_t gb = wbad ? -1 : H5Gcreate2(fw, "summary_by", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    w->gb = gb;
    wbad |= gb < 0;
    if (gb >= 0)
        tw_h5_describe(gb, "1", "the summary of every outcome per level of the Bernoulli "
                       "and discrete parameters of `summary: {by: [...]}`", "summary_by");
    for (size_t i = 0, l0 = 0; !wbad && i < b->n; l0 += b->p[i].n, i++) {
        hid_t gp = H5Gcreate2(gb, b->p[i].name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        wbad |= gp < 0;
        for (size_t l = 0; !wbad && l < b->p[i].n; l++) {
            char ln[64];
            level_name(b->p[i].values[l], ln, sizeof ln);
            hid_t gl = w->gl[l0 + l] = H5Gcreate2(gp, ln, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            wbad |= gl < 0;
            if (gl < 0)
                break;
            wbad |= tw_h5_attr_f64(gl, "value", b->p[i].values[l]) < 0;
            wbad |= tw_h5_attr_u64(gl, "n_samples", w->lcount[l0 + l]) < 0;
            wbad |= tw_h5_attr_u64(gl, "n_converged", w->lconv[l0 + l]) < 0;
        }
        if (gp >= 0)
            H5Gclose(gp);
    }
    w->bad |= wbad;
    w->wall += tw_now() - t0;
    w->cpu += tw_thread_cpu() - c0;
    return wbad ? -1 : 0;
}

/* Writes the next outcome group if its summaries are ready: 1, else 0. */
static int by_writer_step(void *w_)
{
    by_writer *w = w_;
    if (w->bad || w->k >= w->k_ready || w->k >= w->sch->n_outcomes)
        return 0;
    double t0 = tw_now(), c0 = tw_thread_cpu();
    size_t elems = tw_outcome_size(w->sch, w->k), L = w->L, l = w->l;
    for (size_t e = 0; e < elems; e++) {
        size_t i = (w->off + e) * L + l;
        w->lev[e] = w->all ? w->all[i] : w->res[i].s;
    }
    w->bad |= tw_summary_write_group(w->gl[l], w->sch, w->k, w->lev, w->lconv[l],
                                     w->lcount[l]) < 0;
    if (++w->l == L) {
        w->l = 0;
        w->off += elems;
        w->k++;
    }
    w->wall += tw_now() - t0;
    w->cpu += tw_thread_cpu() - c0;
    return 1;
}

static int by_writer_close(by_writer *w)
{
    for (size_t i = 0; i < w->L; i++)
        if (w->gl[i] >= 0)
            H5Gclose(w->gl[i]);
    if (w->gb >= 0)
        H5Gclose(w->gb);
    return w->bad;
}

/* Opens the file for the pass (rank 0: for writing), the converged flags
 * and the by-parameters' inputs, with pre (not NULL) the outcome datasets
 * with columns in my, and counts the levels. rc: the status so far (nothing
 * is done if set). Returns the new status. */
static int open_pass(hid_t *f, const char *path, unsigned mode, const tw_model_schema *sch,
                     const tw_summary_by *b, tw_summary_range my, level_ctx *ctx, hid_t *pre,
                     size_t slab, uint8_t *masks, uint64_t *lcount, uint64_t *lconv,
                     tw_summary_pass *pc, int rc, tw_error *err)
{
    if (rc)
        return rc;
    *f = tw_h5_open(path, mode); /* no flock: rank 0 writes while the others read */
    ctx->conv = *f < 0 ? -1 : H5Dopen2(*f, "status/converged", H5P_DEFAULT);
    if (ctx->conv < 0)
        return tw_error_set(err, TW_EIO, "%s: cannot read /status/converged", path);
    char name[512];
    for (size_t i = 0; i < b->n; i++) {
        snprintf(name, sizeof name, "inputs/%s", b->p[i].name);
        if ((ctx->in[i] = H5Dopen2(*f, name, H5P_DEFAULT)) < 0)
            return tw_error_set(err, TW_EIO, "%s: cannot read /%s", path, name);
    }
    for (size_t k = 0, off = 0; pre && k < sch->n_outcomes; k++) {
        size_t elems = tw_outcome_size(sch, k);
        snprintf(name, sizeof name, "outputs/%s", sch->outcomes[k].name);
        if (my.lo < my.hi && elems && off < my.hi && off + elems > my.lo &&
            (pre[k] = H5Dopen2(*f, name, H5P_DEFAULT)) < 0)
            return tw_error_set(err, TW_EIO, "%s: cannot read /%s", path, name);
        off += elems;
    }
    tw_part_clock pt;
    tw_part_start(&pt);
    if (count_levels(ctx, ctx->n, slab, masks, lcount, lconv) < 0)
        rc = tw_error_set(err, TW_EIO, "%s: cannot read the inputs of summary.by", path);
    tw_part_add(&pt, &pc->read_wall, &pc->read_cpu);
    return rc;
}

/* One by-regime pass on this rank: what its steps below share. */
typedef struct by_pass {
    MPI_Comm comm;
    int rank, size;
    const char *path;
    const tw_model_schema *sch;
    const tw_summary_by *b;
    uint64_t n;
    size_t total, L, maxel; /* columns, levels over all parameters, widest outcome */
    double share;           /* rank 0's W / C, agreed */
    double *weight;         /* the columns' estimated cost, or NULL: the count split */
    double west[2];         /* the estimate's wall, CPU */
    tw_summary_range my;    /* this rank's columns */
    int overlap;            /* one rank: it writes while its threads summarise */
    tw_summary_pass pc;
    size_t slab;
    level_ctx ctx;
    uint8_t *masks;         /* one slab's level masks, for counting the levels */
    col_res *mine;
    size_t nmine;
    uint64_t *lcount, *lconv; /* each level's samples and converged samples */
    hid_t *pre;             /* ranks > 0: the outcome datasets they read, opened early */
    tw_summary_sender snd;  /* ranks > 0 */
    by_writer w;            /* rank 0 */
    tw_summary *all;        /* rank 0, more than one rank: every record */
    col_res *buf;           /* rank 0, more than one rank: one message */
    hid_t f;
    int agreed;             /* failed before rank 0's open: all know it, nobody sends */
    double mc[2];           /* this rank's summaries: wall, CPU (the balance of the split) */
} by_pass;

/* The split: rank 0's share (its write of the groups against the pass's
 * sorts, one per parameter: its levels partition the samples) and, on more
 * than one rank, where the split matters, the columns weighed by their
 * estimated cost (the selection's work depends on the data; NULL, the count
 * split, if the estimate failed). Collective. */
static void by_split(by_pass *p)
{
    const tw_model_schema *sch = p->sch;
    size_t objects = 0;
    for (size_t i = 0; i < p->b->n; i++)
        p->L += p->b->p[i].n;
    for (size_t k = 0; k < sch->n_outcomes; k++) {
        objects += tw_summary_group_objects(sch, k) * p->L;
        if (tw_outcome_size(sch, k) > p->maxel)
            p->maxel = tw_outcome_size(sch, k);
    }
    p->total = tw_outcome_row_size(sch);
    double share = tw_summary_write_share(objects, p->n, p->total, p->b->n);
    p->share = tw_summary_agreed_share(p->comm, share);
    p->weight = p->size > 1 ? malloc((p->total + 1) * sizeof *p->weight) : NULL;
    int wbad = p->size > 1 && !p->weight;
    if (p->size > 1)
        MPI_Allreduce(MPI_IN_PLACE, &wbad, 1, MPI_INT, MPI_LOR, p->comm);
    tw_part_clock wpt;
    tw_part_start(&wpt);
    if (p->weight && (wbad || tw_summary_col_weights(p->comm, p->path, sch, p->n, p->weight) < 0)) {
        free(p->weight);
        p->weight = NULL;
    }
    tw_part_add(&wpt, &p->west[0], &p->west[1]);
    p->my = tw_summary_split_w(p->weight, p->total, p->rank, p->size, p->share);
}

/* The pass's buffers (the masks' cache if it fits) and, on rank 0, the
 * writer's. Returns 0 or TW_ENOMEM. */
static int by_setup(by_pass *p, const volatile sig_atomic_t *stop, tw_error *err)
{
    const tw_summary_by *b = p->b;
    size_t L = p->L, n_out = p->sch->n_outcomes;
    int rank = p->rank;
    p->overlap = p->size == 1;
    tw_summary_pass_init(&p->pc, (size_t)64 << 20, stop);
    size_t slab = p->slab = tw_summary_slab_rows(&p->pc, p->n, 1);
    level_ctx *ctx = &p->ctx;
    *ctx = (level_ctx){.b = b, .conv = -1, .L = L, .n = p->n};
    ctx->in = malloc((b->n + 1) * sizeof *ctx->in);
    if (p->n > 0 && L * p->n <= MASK_CACHE_BYTES)
        ctx->cache = malloc(L * p->n); /* NULL: no cache, the same masks built per slab */
    ctx->c = malloc(slab);
    ctx->x = malloc(slab * sizeof *ctx->x);
    p->masks = malloc(L * slab);
    p->mine = malloc((p->my.hi - p->my.lo + 1) * L * sizeof *p->mine);
    p->lcount = calloc(L + 1, sizeof *p->lcount);
    p->lconv = calloc(L + 1, sizeof *p->lconv);
    p->pre = rank > 0 ? malloc((n_out + 1) * sizeof *p->pre) : NULL;
    p->snd = (tw_summary_sender){.comm = p->comm, .nreq = 0};
    if (rank > 0)
        p->snd.req = malloc((n_out + 1) * sizeof *p->snd.req);
    p->w = (by_writer){.sch = p->sch, .b = b, .L = L, .lcount = p->lcount, .lconv = p->lconv,
                       .gb = -1};
    if (rank == 0) {
        p->w.gl = malloc((L + 1) * sizeof *p->w.gl);
        p->w.lev = malloc((p->total + 1) * sizeof *p->w.lev);
        if (!p->overlap) {
            p->all = malloc((p->total * L + 1) * sizeof *p->all);
            p->buf = malloc((p->maxel * L + 1) * sizeof *p->buf);
        }
    }
    int rc = (!ctx->in || !ctx->c || !ctx->x || !p->masks || !p->mine || !p->lcount ||
              !p->lconv ||
              (rank == 0 && (!p->w.gl || !p->w.lev || (!p->overlap && (!p->all || !p->buf)))) ||
              (rank > 0 && (!p->pre || !p->snd.req)))
                 ? tw_error_set(err, TW_ENOMEM, "out of memory (summary by regime)")
                 : TW_OK;
    for (size_t i = 0; ctx->in && i < b->n; i++)
        ctx->in[i] = -1;
    for (size_t i = 0; p->w.gl && i < L; i++)
        p->w.gl[i] = -1;
    for (size_t k = 0; p->pre && k < n_out; k++)
        p->pre[k] = -1;
    p->f = -1;
    return rc;
}

/* The other ranks read the file while rank 0 writes it: they open it
 * read-only, with every dataset they will read (the converged flags, the
 * by-parameters' inputs, their outcomes), before rank 0 opens it for
 * writing (the agreement below is the barrier), and then only read the
 * data of those open datasets, which rank 0 never changes: it only adds
 * /summary_by (new objects at the end of the file) and a link in the
 * root group, which the readers no longer look up. (HDF5 promises
 * concurrent reading only under SWMR, which cannot create groups; this
 * holds because nothing a reader uses is rewritten. Rank 0 closes the
 * file before the final agreement, so the summary pass after this one
 * opens the finished /summary_by.) Rank 0 then starts /summary_by, whose
 * groups its master thread writes between reads (pc.bg). Returns the
 * status. */
static int by_open(by_pass *p, int rc, tw_error *err)
{
    if (p->rank > 0)
        rc = open_pass(&p->f, p->path, H5F_ACC_RDONLY, p->sch, p->b, p->my, &p->ctx, p->pre,
                       p->slab, p->masks, p->lcount, p->lconv, &p->pc, rc, err);
    if (p->size > 1 && (rc = tw_mpi_agree(p->comm, rc, err)))
        p->agreed = 1;
    if (p->rank == 0)
        rc = open_pass(&p->f, p->path, H5F_ACC_RDWR, p->sch, p->b, p->my, &p->ctx, NULL,
                       p->slab, p->masks, p->lcount, p->lconv, &p->pc, rc, err);
    free(p->masks);
    p->masks = NULL;
    if (!rc && p->rank == 0) {
        p->w.res = p->mine;
        if (by_writer_open(&p->w, p->f) < 0)
            rc = tw_error_set(err, TW_EIO, "%s: writing /summary_by failed (disk full?)",
                              p->path);
        p->pc.bg = by_writer_step;
        p->pc.bg_ctx = &p->w;
    }
    return rc;
}

/* The writer's part of tw_summary_collect: every group ready. */
static int by_write_ready(void *w_)
{
    by_writer *w = w_;
    while (by_writer_step(w))
        ;
    return w->bad;
}

/* Rank 0, its own columns done: with more ranks, the others' outcomes as
 * their messages come (tw_summary_collect, shared with the summary pass);
 * then whatever the threads' background writing did not cover, and
 * /summary_by closed. Returns the status. */
static int by_write(by_pass *p, int rc, tw_error *err)
{
    int failed = rc != 0;
    if (!p->overlap) {
        p->w.all = p->all;
        tw_summary_collector c = {.comm = p->comm, .size = p->size, .weight = p->weight,
                                  .share = p->share, .L = p->L, .my_hi = p->my.hi,
                                  .buf = p->buf, .all = p->all, .write_ready = by_write_ready,
                                  .ctx = &p->w, .k_ready = &p->w.k_ready};
        tw_summary_collect(&c, p->sch, p->mine, p->nmine, &failed);
    }
    while (!failed && by_writer_step(&p->w)) /* what the threads' work did not cover */
        ;
    if (by_writer_close(&p->w) && !rc)
        rc = tw_error_set(err, TW_EIO, "%s: writing /summary_by failed (disk full?)", p->path);
    return rc;
}

/* Closes the datasets and the file (rank 0: a failed close is a failed
 * write) and frees what the report does not need. Returns the status. */
static int by_teardown(by_pass *p, int rc, tw_error *err)
{
    for (size_t k = 0; p->pre && k < p->sch->n_outcomes; k++)
        if (p->pre[k] >= 0)
            H5Dclose(p->pre[k]);
    for (size_t i = 0; p->ctx.in && i < p->b->n; i++)
        if (p->ctx.in[i] >= 0)
            H5Dclose(p->ctx.in[i]);
    if (p->ctx.conv >= 0)
        H5Dclose(p->ctx.conv);
    if (p->f >= 0 && H5Fclose(p->f) < 0 && p->rank == 0 && !rc)
        rc = tw_error_set(err, TW_EIO, "%s: writing /summary_by failed (disk full?)", p->path);
    p->f = -1;
    free(p->ctx.in);
    free(p->ctx.cache);
    free(p->ctx.c);
    free(p->ctx.x);
    free(p->pre);
    free(p->snd.req);
    free(p->mine);
    free(p->buf);
    free(p->all);
    free(p->lcount);
    free(p->lconv);
    free(p->w.gl);
    free(p->w.lev);
    return rc;
}

/* TW_PHASE_TIMES: rank 0 prints the masks, the weights, its write and every
 * rank's compute with its column count (collective: the ranks' seconds are
 * gathered); nothing after a failure. */
static void by_report(const by_pass *p, int rc)
{
    int rank = p->rank, size = p->size;
    double *every = rank == 0 ? malloc(2 * (size_t)size * sizeof *every) : NULL;
    if (size > 1)
        MPI_Gather(p->mc, 2, MPI_DOUBLE, every, 2, MPI_DOUBLE, 0, p->comm);
    if (!rc && rank == 0) {
        tw_part_report(rank, "by-regime masks", p->pc.read_wall, p->pc.read_cpu);
        if (size > 1)
            tw_part_report(rank, "by-regime weights", p->west[0], p->west[1]);
        tw_part_report(rank, p->overlap ? "by-regime write, overlapped" : "by-regime write",
                       p->w.wall, p->w.cpu);
        for (int r = 0; every && size > 1 && r < size; r++) {
            char name[64];
            tw_summary_range rr = tw_summary_split_w(p->weight, p->total, r, size, p->share);
            snprintf(name, sizeof name, "by-regime compute r%d (%zu columns)", r, rr.hi - rr.lo);
            tw_part_report(rank, name, every[2 * r], every[2 * r + 1]);
        }
    }
    free(every);
}

int tw_summary_by_write(MPI_Comm comm, const char *path, const tw_model_schema *sch,
                        const tw_summary_by *b, uint64_t n, const volatile sig_atomic_t *stop,
                        tw_error *err)
{
    by_pass p = {.comm = comm, .path = path, .sch = sch, .b = b, .n = n};
    MPI_Comm_rank(comm, &p.rank);
    MPI_Comm_size(comm, &p.size);
    tw_h5_quiet();
    by_split(&p);
    int rc = by_setup(&p, stop, err);
    rc = by_open(&p, rc, err);
    tw_part_clock pt;
    tw_part_start(&pt);
    if (!p.agreed && !rc) /* (rank 0 failed to open: it still receives, below) */
        rc = summarise_my_columns(p.f, path, sch, n, p.L, &p.ctx, &p.pc, p.my, p.pre,
                                  p.rank > 0 ? &p.snd : NULL, p.mine, &p.nmine,
                                  p.rank == 0 ? &p.w.k_ready : NULL, err);
    tw_part_add(&pt, &p.mc[0], &p.mc[1]);
    if (p.rank > 0 && !p.agreed)
        MPI_Waitall(p.snd.nreq, p.snd.req, MPI_STATUSES_IGNORE);
    if (p.rank == 0 && !p.agreed)
        rc = by_write(&p, rc, err);
    rc = by_teardown(&p, rc, err);
    /* everyone must know if anyone failed (or was stopped), and all report
     * the same; rank 0 has closed the file */
    if (!p.agreed && p.size > 1)
        rc = tw_mpi_agree(comm, rc, err);
    by_report(&p, rc);
    free(p.weight);
    return rc;
}
