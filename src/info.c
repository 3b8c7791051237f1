/* `tradewar info FILE`: what a result file holds, how far it got, and its
 * summary table. Serial, read-only. */
#include <hdf5.h>
#include <hdf5_hl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "h5util.h"
#include "writelock.h"
#include "tradewar/history.h"
#include "tradewar/output.h"
#include "tradewar/shard.h"
#include "tradewar/stats.h"

typedef struct labels {
    size_t n;
    char **s;
} labels;

/* Labels of dimension d of an /outputs dataset, from the root scale named
 * by the dimension's label (format 1.0 and 1.1 alike). */
static int read_labels(hid_t f, hid_t ds, unsigned d, labels *lb)
{
    memset(lb, 0, sizeof *lb);
    char name[256];
    if (H5DSget_num_scales(ds, d) < 1 || H5DSget_label(ds, d, name, sizeof name) <= 0)
        return -1;
    hid_t sc = H5Dopen2(f, name, H5P_DEFAULT);
    if (sc < 0)
        return -1;
    int rc = tw_h5_read_labels(sc, &lb->s, &lb->n);
    H5Dclose(sc);
    return rc;
}

static const char *label_at(const labels *lb, size_t i, char *tmp, size_t n)
{
    if (!lb->s || i >= lb->n)
        snprintf(tmp, n, "%zu", i);
    else
        snprintf(tmp, n, "%s", lb->s[i]);
    return tmp;
}

typedef struct walk {
    hid_t f;
    FILE *out;
    int brief; /* 1: outcomes by region and sector left out; 2: scalars only */
    size_t skipped;
} walk;

static int read_all(hid_t g, const char *name, double *buf)
{
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
    if (ds < 0)
        return -1;
    herr_t st = H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    H5Dclose(ds);
    return st < 0 ? -1 : 0;
}

static herr_t print_outcome(hid_t gsum, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    walk *w = data;
    H5O_info_t oi;
    if (H5Oget_info_by_name(gsum, name, &oi, H5P_DEFAULT) < 0 || oi.type != H5O_TYPE_GROUP)
        return 0;
    hid_t g = H5Gopen2(gsum, name, H5P_DEFAULT);
    hid_t mds = H5Dopen2(g, "mean", H5P_DEFAULT);
    if (g < 0 || mds < 0) {
        if (g >= 0)
            H5Gclose(g);
        return 0;
    }
    hid_t sp = H5Dget_space(mds);
    hsize_t dims[4] = {1, 1, 1, 1};
    int nd = H5Sget_simple_extent_dims(sp, dims, NULL);
    H5Sclose(sp);
    H5Dclose(mds);
    if ((w->brief && nd >= 2) || (w->brief > 1 && nd >= 1)) {
        w->skipped++;
        H5Gclose(g);
        return 0;
    }
    size_t elems = 1;
    for (int d = 0; d < nd; d++)
        elems *= dims[d];
    double *mean = malloc(elems * sizeof *mean), *sem = malloc(elems * sizeof *sem);
    double *std = malloc(elems * sizeof *std);
    double *q = malloc(elems * TW_STATS_NQUANT * sizeof *q);
    char units[64] = "";
    tw_h5_read_attr_str(g, "units", units, sizeof units);
    labels lb[2] = {{0}, {0}};
    char path[512];
    snprintf(path, sizeof path, "outputs/%s", name);
    hid_t ods = H5Dopen2(w->f, path, H5P_DEFAULT);
    for (int d = 0; ods >= 0 && d < nd && d < 2; d++)
        read_labels(w->f, ods, (unsigned)(d + 1), &lb[d]);
    if (ods >= 0)
        H5Dclose(ods);
    if (mean && sem && std && q && !read_all(g, "mean", mean) && !read_all(g, "sem", sem) &&
        !read_all(g, "std", std) && !read_all(g, "quantiles", q)) {
        for (size_t e = 0; e < elems; e++) {
            char full[256], a[64], b[64];
            if (nd == 0)
                snprintf(full, sizeof full, "%s", name);
            else if (nd == 1)
                snprintf(full, sizeof full, "%s[%s]", name, label_at(&lb[0], e, a, sizeof a));
            else
                snprintf(full, sizeof full, "%s[%s,%s]", name,
                         label_at(&lb[0], e / dims[1], a, sizeof a),
                         label_at(&lb[1], e % dims[1], b, sizeof b));
            const double *qe = q + e * TW_STATS_NQUANT;
            /* levels 0.05, 0.5, 0.95 are entries 1, 4, 7 */
            fprintf(w->out, "%-40s %12.5g %10.3g %12.5g %12.5g %12.5g %12.5g  %s\n", full, mean[e],
                    1.959963984540054 * sem[e], std[e], qe[1], qe[4], qe[7], units);
        }
    }
    free(mean);
    free(sem);
    free(std);
    free(q);
    tw_h5_free_labels(lb[0].s, lb[0].n);
    tw_h5_free_labels(lb[1].s, lb[1].n);
    H5Gclose(g);
    return 0;
}

/* /summary_by/<param>/<level>: the scalar outcomes of every level. */
static herr_t print_level(hid_t gp, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    walk *w = data;
    hid_t gl = H5Gopen2(gp, name, H5P_DEFAULT);
    if (gl < 0)
        return 0;
    uint64_t ns = 0, nc = 0;
    tw_h5_read_attr_u64(gl, "n_samples", &ns);
    tw_h5_read_attr_u64(gl, "n_converged", &nc);
    char pname[256] = "";
    H5Iget_name(gp, pname, sizeof pname);
    const char *pn = strrchr(pname, '/');
    fprintf(w->out, "\n%s = %s: %llu samples, %llu converged\n", pn ? pn + 1 : pname, name,
            (unsigned long long)ns, (unsigned long long)nc);
    H5Literate(gl, H5_INDEX_NAME, H5_ITER_INC, NULL, print_outcome, w);
    H5Gclose(gl);
    return 0;
}

static herr_t print_regimes(hid_t gb, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    const walk *top = data;
    hid_t gp = H5Gopen2(gb, name, H5P_DEFAULT);
    if (gp < 0)
        return 0;
    fprintf(top->out, "\nby regime of %s (scalar outcomes; all in /summary_by/%s)\n", name,
            name);
    walk w = {top->f, top->out, 2, 0};
    H5Literate(gp, H5_INDEX_NAME, H5_ITER_INC, NULL, print_level, &w);
    H5Gclose(gp);
    return 0;
}

/* ---- --brief: the headline outcomes ---- */

/* What a reader of the trade model looks at first (those the file has);
 * other models show their scalar outcomes. Keep in step with the analysis
 * package's headline_targets(). */
static const char *const headlines[] = {
    "leverage_pp",          "welfare_pct[USA]",     "welfare_pct[CHN]",
    "cn_exports_to_us_pct", "cn_exports_total_pct", "us_cn_trade_pct",
    "rerouted_change",      "us_crm_price_pct",     "leverage_usd"};
enum { BRIEF_MAX_ROWS = 16 };

/* Mean, q05 and q95 of element `label` (NULL: a scalar) of /summary/<name>.
 * Returns 0, or -1 if the file has no such outcome or element. */
static int brief_values(hid_t f, const char *name, const char *label, double v[3], char *units,
                        size_t nu, char *desc, size_t nd)
{
    char path[512];
    snprintf(path, sizeof path, "summary/%s", name);
    if (H5Lexists(f, "summary", H5P_DEFAULT) <= 0 || H5Lexists(f, path, H5P_DEFAULT) <= 0)
        return -1;
    hid_t g = H5Gopen2(f, path, H5P_DEFAULT);
    hid_t mds = g >= 0 ? H5Dopen2(g, "mean", H5P_DEFAULT) : -1;
    hsize_t dims[4] = {1, 1, 1, 1};
    int ndim = -1;
    if (mds >= 0) {
        hid_t sp = H5Dget_space(mds);
        ndim = H5Sget_simple_extent_dims(sp, dims, NULL);
        H5Sclose(sp);
    }
    size_t elems = 1, at = 0;
    for (int d = 0; d < ndim; d++)
        elems *= dims[d];
    int rc = -1;
    if (ndim == 0 && !label)
        rc = 0;
    else if (ndim == 1 && label) { /* find the label among the scale's */
        labels lb;
        /* format 1.1: the summary group's own scale; 1.0: the root's, via /outputs */
        int got = read_labels(g, mds, 0, &lb) == 0;
        if (!got) {
            snprintf(path, sizeof path, "outputs/%s", name);
            hid_t ods = H5Dopen2(f, path, H5P_DEFAULT);
            got = ods >= 0 && read_labels(f, ods, 1, &lb) == 0;
            if (ods >= 0)
                H5Dclose(ods);
        }
        if (got) {
            for (size_t i = 0; i < lb.n; i++)
                if (strcasecmp(lb.s[i], label) == 0) {
                    at = i;
                    rc = 0;
                }
            tw_h5_free_labels(lb.s, lb.n);
        }
    }
    double *mean = malloc(elems * sizeof *mean), *q = malloc(elems * TW_STATS_NQUANT * sizeof *q);
    if (!rc && (!mean || !q || read_all(g, "mean", mean) || read_all(g, "quantiles", q)))
        rc = -1;
    if (!rc) {
        /* levels 0.05 and 0.95 are entries 1 and 7 */
        v[0] = mean[at];
        v[1] = q[at * TW_STATS_NQUANT + 1];
        v[2] = q[at * TW_STATS_NQUANT + 7];
        units[0] = desc[0] = '\0';
        tw_h5_read_attr_str(g, "units", units, nu);
        tw_h5_read_attr_str(g, "description", desc, nd);
    }
    free(mean);
    free(q);
    if (mds >= 0)
        H5Dclose(mds);
    if (g >= 0)
        H5Gclose(g);
    return rc;
}

static void brief_row(FILE *out, const char *shown, const double v[3], const char *units,
                      const char *desc)
{
    /* one line each: a description longer than the screen is cut at a word */
    char d[48];
    size_t n = strlen(desc);
    if (n < sizeof d)
        snprintf(d, sizeof d, "%s", desc);
    else {
        size_t cut = sizeof d - 4;
        while (cut > 20 && desc[cut] != ' ')
            cut--;
        snprintf(d, sizeof d, "%.*s...", (int)cut, desc);
    }
    fprintf(out, "%-22s %9.4g  [%9.4g, %9.4g]  %-18s %s\n", shown, v[0], v[1], v[2], units, d);
}

typedef struct brief_walk {
    hid_t f;
    FILE *out;
    int shown, more;
} brief_walk;

static herr_t brief_scalar(hid_t gsum, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    (void)gsum;
    brief_walk *w = data;
    double v[3];
    char units[64], desc[512];
    if (brief_values(w->f, name, NULL, v, units, sizeof units, desc, sizeof desc) < 0)
        return 0;
    if (w->shown < BRIEF_MAX_ROWS) {
        brief_row(w->out, name, v, units, desc);
        w->shown++;
    } else
        w->more++;
    return 0;
}

static void print_brief(hid_t f, FILE *out, const char *path)
{
    fprintf(out, "\n%-22s %9s  %-22s  %-18s %s\n", "headline outcome", "mean", "90% interval",
            "unit", "description");
    brief_walk w = {f, out, 0, 0};
    for (size_t i = 0; i < sizeof headlines / sizeof *headlines; i++) {
        char name[128], *label = NULL;
        snprintf(name, sizeof name, "%s", headlines[i]);
        char *br = strchr(name, '[');
        if (br) {
            *br = '\0';
            label = br + 1;
            label[strcspn(label, "]")] = '\0';
        }
        double v[3];
        char units[64], desc[512];
        if (brief_values(f, name, label, v, units, sizeof units, desc, sizeof desc) == 0) {
            brief_row(out, headlines[i], v, units, desc);
            w.shown++;
        }
    }
    if (!w.shown) { /* another model: its scalar outcomes */
        hid_t gs = H5Gopen2(f, "summary", H5P_DEFAULT);
        H5Literate(gs, H5_INDEX_NAME, H5_ITER_INC, NULL, brief_scalar, &w);
        H5Gclose(gs);
    }
    fprintf(out, "(90%% interval: 5th to 95th percentile over the samples; every outcome and "
            "element: `tradewar info %s`)\n", path);
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

/* How start i ended, for a reader: an unfinished row is the run writing now
 * (the last row while the write lock is held) or one that was killed. */
static const char *start_reason(const tw_history_row *rows, size_t n, size_t i, int live)
{
    if (strcmp(rows[i].exit_reason, TW_HISTORY_UNFINISHED))
        return rows[i].exit_reason;
    return i + 1 == n && live ? "running" : "killed";
}

static void json_num(FILE *out, const char *key, double v, int integer)
{
    fprintf(out, ", \"%s\": ", key);
    if (integer ? v < 0 : v != v)
        fputs("null", out);
    else
        fprintf(out, integer ? "%.0f" : "%.3f", v);
}

static void json_str(FILE *out, const char *s);

static void json_history(FILE *out, const tw_history_row *rows, size_t n, int live)
{
    fputs(", \"history\": [", out);
    for (size_t i = 0; i < n; i++) {
        const tw_history_row *r = &rows[i];
        fprintf(out, "%s{\"start\": %zu, \"started\": ", i ? ", " : "", i);
        json_str(out, r->started);
        fputs(", \"ended\": ", out);
        if (r->ended[0])
            json_str(out, r->ended);
        else
            fputs("null", out);
        fputs(", \"hosts\": ", out);
        json_str(out, r->hosts);
        fprintf(out, ", \"mpi_ranks\": %lld, \"omp_threads\": %lld, \"job_id\": ",
                (long long)r->mpi_ranks, (long long)r->omp_threads);
        json_str(out, r->job_id);
        fputs(", \"engine_version\": ", out);
        json_str(out, r->engine_version);
        json_num(out, "blocks_at_start", (double)r->blocks_at_start, 1);
        json_num(out, "blocks_at_end", (double)r->blocks_at_end, 1);
        fputs(", \"exit_reason\": ", out);
        json_str(out, start_reason(rows, n, i, live));
        fputs(", \"exit_detail\": ", out);
        json_str(out, r->exit_detail);
        json_num(out, "exit_status", (double)r->exit_status, 1);
        json_num(out, "wall_seconds", r->wall_seconds, 0);
        json_num(out, "cpu_seconds", r->cpu_seconds, 0);
        json_num(out, "max_rss_bytes", (double)r->max_rss_bytes, 1);
        fputc('}', out);
    }
    fputc(']', out);
}

static void print_history(FILE *out, const tw_history_row *rows, size_t n, int live)
{
    if (!n)
        return;
    fprintf(out, "history        %-5s %-20s %-20s %-9s %-13s %-9s %9s %9s  %s\n", "start",
            "started", "ended", "ranks x t", "blocks", "exit", "cpu s", "max RSS", "job / hosts");
    for (size_t i = 0; i < n; i++) {
        const tw_history_row *r = &rows[i];
        char rt[32], blocks[48], cpu[32] = "-", rss[32] = "-";
        snprintf(rt, sizeof rt, "%lld x %lld", (long long)r->mpi_ranks, (long long)r->omp_threads);
        if (r->blocks_at_end >= 0)
            snprintf(blocks, sizeof blocks, "%lld -> %lld", (long long)r->blocks_at_start,
                     (long long)r->blocks_at_end);
        else
            snprintf(blocks, sizeof blocks, "%lld -> ?", (long long)r->blocks_at_start);
        if (r->cpu_seconds == r->cpu_seconds)
            snprintf(cpu, sizeof cpu, "%.1f", r->cpu_seconds);
        if (r->max_rss_bytes >= 0)
            snprintf(rss, sizeof rss, "%.0f MiB", (double)r->max_rss_bytes / 1048576.0);
        fprintf(out, "               %-5zu %-20s %-20s %-9s %-13s %-9s %9s %9s  %s / %s\n", i,
                r->started, r->ended[0] ? r->ended : "-", rt, blocks,
                start_reason(rows, n, i, live), cpu, rss, r->job_id, r->hosts);
    }
}

/* What tw_info_print reads from the file's root attributes and
 * /status/block_done before it prints anything. */
typedef struct {
    char fmt[64], ver[32], eng[32], model[64], design[16], created[64], sha[80];
    uint64_t seed, n, bs, nb, nconv;
    int64_t ranks, threads, finished;
    double elapsed;
    /* a part of a sharded run counts its own blocks (shard.h) */
    uint64_t sh_i, sh_n, merged, b0, b1, shard_samples;
    char shard[64];
    uint64_t ndone, sdone;
} info_state;

/* Reads the metadata and progress of an open file; on error the caller
 * still owns (and closes) f. */
static int read_state(hid_t f, const char *path, info_state *s, tw_error *err)
{
    memset(s, 0, sizeof *s);
    if (tw_h5_read_attr_str(f, "format", s->fmt, sizeof s->fmt) < 0 ||
        strcmp(s->fmt, TW_FORMAT_NAME))
        return tw_error_set(err, TW_EDATA, "%s: not a tradewar result file (no format=\"%s\")",
                            path, TW_FORMAT_NAME);
    tw_h5_read_attr_str(f, "format_version", s->ver, sizeof s->ver);
    tw_h5_read_attr_str(f, "engine_version", s->eng, sizeof s->eng);
    tw_h5_read_attr_str(f, "model", s->model, sizeof s->model);
    tw_h5_read_attr_str(f, "design", s->design, sizeof s->design);
    tw_h5_read_attr_str(f, "created", s->created, sizeof s->created);
    tw_h5_read_attr_str(f, "config_sha256", s->sha, sizeof s->sha);
    tw_h5_read_attr_u64(f, "seed", &s->seed);
    tw_h5_read_attr_u64(f, "n_samples", &s->n);
    tw_h5_read_attr_u64(f, "block_size", &s->bs);
    tw_h5_read_attr_u64(f, "n_blocks", &s->nb);
    tw_h5_read_attr_u64(f, "n_converged", &s->nconv);
    tw_h5_read_attr_i64(f, "mpi_ranks", &s->ranks);
    tw_h5_read_attr_i64(f, "omp_threads", &s->threads);
    tw_h5_read_attr_i64(f, "finished", &s->finished);
    tw_h5_read_attr_f64(f, "elapsed_seconds", &s->elapsed);
    uint64_t nb = s->nb, bs = s->bs, n = s->n;
    s->b1 = nb;
    s->shard_samples = n;
    tw_h5_read_attr_u64(f, "shard_index", &s->sh_i);
    tw_h5_read_attr_u64(f, "shard_count", &s->sh_n);
    tw_h5_read_attr_u64(f, "merged_shards", &s->merged);
    if (s->sh_n && s->sh_i >= 1 && s->sh_i <= s->sh_n && s->sh_n <= nb) {
        tw_shard_blocks(nb, (unsigned)s->sh_i, (unsigned)s->sh_n, &s->b0, &s->b1);
        uint64_t s1 = s->b1 * bs < n ? s->b1 * bs : n;
        s->shard_samples = s1 - s->b0 * bs;
    } else
        s->sh_n = 0;
    if (s->sh_n)
        snprintf(s->shard, sizeof s->shard, "%llu/%llu", (unsigned long long)s->sh_i,
                 (unsigned long long)s->sh_n);

    uint8_t *done = malloc(nb ? nb : 1);
    hid_t bd = H5Dopen2(f, "status/block_done", H5P_DEFAULT);
    if (!done || bd < 0 ||
        (nb && H5Dread(bd, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, done) < 0)) {
        free(done);
        if (bd >= 0)
            H5Dclose(bd);
        return tw_error_set(err, TW_EDATA, "%s: cannot read /status/block_done (damaged file?)",
                            path);
    }
    H5Dclose(bd);
    for (uint64_t b = 0; b < nb; b++)
        if (done[b]) {
            s->ndone++;
            s->sdone += (b + 1) * bs > n ? n - b * bs : bs;
        }
    free(done);
    return TW_OK;
}

/* `info --json`: one object, metadata, progress and the start history. */
static void print_json(FILE *out, const char *path, const info_state *s, const char *who,
                       int live, const tw_history_row *hist, size_t nhist)
{
    fputs("{\"path\": ", out);
    json_str(out, path);
    fputs(", \"format_version\": ", out);
    json_str(out, s->ver);
    fputs(", \"engine_version\": ", out);
    json_str(out, s->eng);
    fputs(", \"model\": ", out);
    json_str(out, s->model);
    fprintf(out, ", \"status\": \"%s\", \"finished\": %s, \"writer\": ",
            s->finished ? "finished" : live ? "running" : "unfinished",
            s->finished ? "true" : "false");
    json_str(out, who);
    fprintf(out, ", \"n_samples\": %llu, \"samples_done\": %llu, \"n_blocks\": %llu, "
            "\"blocks_done\": %llu, \"progress\": %.6f, \"n_converged\": %llu, "
            "\"elapsed_seconds\": %.3f, \"seed\": %llu, \"shard\": \"%s\", "
            "\"shard_blocks\": %llu, \"merged_shards\": %llu",
            (unsigned long long)s->n, (unsigned long long)s->sdone, (unsigned long long)s->nb,
            (unsigned long long)s->ndone,
            s->shard_samples ? (double)s->sdone / (double)s->shard_samples : 0.0,
            (unsigned long long)s->nconv, s->elapsed, (unsigned long long)s->seed, s->shard,
            (unsigned long long)(s->b1 - s->b0), (unsigned long long)s->merged);
    json_history(out, hist, nhist, live);
    fputs("}\n", out);
}

/* The text form's metadata lines, up to the "status" line. */
static void print_header(FILE *out, const char *path, const info_state *s, const char *who,
                         int live)
{
    unsigned long long n = s->n, seed = s->seed;
    fprintf(out, "file           %s\n", path);
    fprintf(out, "format         %s %s (engine %s)\n", s->fmt, s->ver, s->eng);
    fprintf(out, "model          %s, design %s, seed %llu\n", s->model, s->design, seed);
    fprintf(out, "samples        %llu in %llu blocks of %llu\n", n, (unsigned long long)s->nb,
            (unsigned long long)s->bs);
    fprintf(out, "created        %s, %lld rank(s) x %lld thread(s)\n", s->created,
            (long long)s->ranks, (long long)s->threads);
    fprintf(out, "config_sha256  %s\n", s->sha);
    if (s->sh_n)
        fprintf(out, "shard          %s: blocks %llu..%llu, a part of a sharded run (combine the "
                "parts with `tradewar merge OUT.h5 PART...`)\n", s->shard,
                (unsigned long long)s->b0, (unsigned long long)s->b1 - 1);
    if (s->merged)
        fprintf(out, "merged         from %llu shards by `tradewar merge`\n",
                (unsigned long long)s->merged);
    fprintf(out, "progress       %llu/%llu blocks, %llu/%llu samples (%.1f%%)%s\n",
            (unsigned long long)s->ndone, (unsigned long long)(s->b1 - s->b0),
            (unsigned long long)s->sdone, (unsigned long long)s->shard_samples,
            s->shard_samples ? 100.0 * (double)s->sdone / (double)s->shard_samples : 0.0,
            s->sh_n ? " of the shard" : "");
    if (s->finished && s->sh_n)
        fprintf(out, "status         shard finished in %.1f s; %llu of its %llu samples "
                "converged; no summary until the parts are merged\n", s->elapsed,
                (unsigned long long)s->nconv, (unsigned long long)s->shard_samples);
    else if (s->finished)
        fprintf(out, "status         finished in %.1f s; %llu of %llu samples converged%s\n",
                s->elapsed, (unsigned long long)s->nconv, n,
                s->nconv < n ? " (failed samples are excluded from the summary)" : "");
    else if (live)
        fprintf(out, "status         UNFINISHED: being written now (%s)\n", who);
    else {
        /* the options a resume must repeat when they differed from the
         * config's (a sensitivity run takes neither -n nor --design) */
        char opt[224];
        if (strcmp(s->design, "pick-freeze"))
            snprintf(opt, sizeof opt, " -n %llu --seed %llu --design %s%s%s", n, seed,
                     s->design, s->sh_n ? " --shard " : "", s->shard);
        else
            snprintf(opt, sizeof opt, " --seed %llu%s%s", seed, s->sh_n ? " --shard " : "",
                     s->shard);
        fprintf(out, "status         UNFINISHED: continue with `tradewar run CONFIG --resume -o %s%s` "
                "(CONFIG: the one it was started with)\n", path, opt);
    }
}

/* The "stop" line of a finished run that used a stopping rule. */
static void print_stop(hid_t f, FILE *out, const info_state *s)
{
    char reason[32] = "", rule[300] = "";
    uint64_t used = 0;
    double achieved = 0;
    if (s->finished && tw_h5_read_attr_str(f, "stop_reason", reason, sizeof reason) >= 0) {
        tw_h5_read_attr_str(f, "stop_rule", rule, sizeof rule);
        tw_h5_read_attr_u64(f, "samples_used", &used);
        tw_h5_read_attr_f64(f, "stop_achieved", &achieved);
        fprintf(out, "stop           %s: %s, achieved %.4g with %llu samples\n",
                strcmp(reason, "target") ? "ceiling reached" : "target met", rule, achieved,
                (unsigned long long)used);
    }
}

/* The outcome tables of a finished file: /summary, then /summary_by. */
static void print_summaries(hid_t f, FILE *out, const char *path, const info_state *s, int brief)
{
    if (s->finished && brief && H5Lexists(f, "summary", H5P_DEFAULT) > 0)
        print_brief(f, out, path);
    else if (s->finished && H5Lexists(f, "summary", H5P_DEFAULT) > 0) {
        fprintf(out, "\n%-40s %12s %10s %12s %12s %12s %12s  %s\n", "outcome", "mean", "+-95%CI",
                "std", "q05", "median", "q95", "units");
        hid_t gs = H5Gopen2(f, "summary", H5P_DEFAULT);
        walk w = {f, out, brief, 0};
        H5Literate(gs, H5_INDEX_NAME, H5_ITER_INC, NULL, print_outcome, &w);
        H5Gclose(gs);
        if (w.skipped)
            fprintf(out, "(%zu outcome(s) by region and sector left out; run `tradewar info %s` "
                    "for all)\n", w.skipped, path);
    }
    hid_t gb = s->finished && H5Lexists(f, "summary_by", H5P_DEFAULT) > 0
                   ? H5Gopen2(f, "summary_by", H5P_DEFAULT)
                   : -1;
    if (gb >= 0 && brief) /* a screen: the regimes are one command away */
        fprintf(out, "(per-regime tables in /summary_by: `tradewar info %s`)\n", path);
    else if (gb >= 0) {
        walk top = {f, out, 2, 0};
        H5Literate(gb, H5_INDEX_NAME, H5_ITER_INC, NULL, print_regimes, &top);
    }
    if (gb >= 0)
        H5Gclose(gb);
}

int tw_info_print(const char *path, FILE *out, int brief, tw_error *err)
{
    tw_h5_quiet();
    if (!tw_output_exists(path))
        return tw_error_set(err, TW_EUSAGE, "%s: no such file", path);
    if (H5Fis_hdf5(path) <= 0)
        return tw_error_set(err, TW_EDATA, "%s: not an HDF5 file (or truncated)", path);
    hid_t f = tw_h5_open(path, H5F_ACC_RDONLY);
    if (f < 0)
        return tw_error_set(err, TW_EDATA, "%s: cannot open (damaged HDF5 file?)", path);
    info_state s;
    int rc = read_state(f, path, &s, err);
    if (rc) {
        H5Fclose(f);
        return rc;
    }

    tw_history_row *hist = NULL;
    size_t nhist = 0;
    tw_error herr;
    if (tw_history_read(path, &hist, &nhist, &herr))
        fprintf(stderr, "tradewar: warning: %s\n", herr.msg); /* the rest is still readable */
    char who[512] = "";
    int live = !s.finished && tw_writelock_holder(path, who, sizeof who);
    if (brief == TW_INFO_JSON) {
        print_json(out, path, &s, who, live, hist, nhist);
        free(hist);
        H5Fclose(f);
        return TW_OK;
    }
    print_header(out, path, &s, who, live);
    print_stop(f, out, &s);
    if (brief && nhist) /* a screen: one line */
        fprintf(out, "history        %zu start(s), the last %s (`tradewar info %s` lists them)\n",
                nhist, start_reason(hist, nhist, nhist - 1, live), path);
    else
        print_history(out, hist, nhist, live);
    free(hist);
    print_summaries(f, out, path, &s, brief);
    H5Fclose(f);
    return TW_OK;
}
