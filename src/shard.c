/* Sharded runs: the block range of a shard, the end of a part, and the merge
 * of the parts into the file the unsharded run would have written
 * (include/tradewar/shard.h). */
#include "tradewar/shard.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <libgen.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "h5util.h"
#include "mpiutil.h"
#include "writelock.h"
#include "tradewar/history.h"
#include "tradewar/provenance.h"
#include "tradewar/runner.h"

/* ---- shards ---- */

static int parse_uint(const char *s, const char *end, unsigned *out)
{
    unsigned long v = 0;
    if (s == end || end - s > 9)
        return -1;
    for (const char *p = s; p < end; p++) {
        if (!isdigit((unsigned char)*p))
            return -1;
        v = v * 10 + (unsigned long)(*p - '0');
    }
    *out = (unsigned)v;
    return 0;
}

int tw_shard_parse(const char *spec, unsigned *index, unsigned *count, char *why, size_t n)
{
    const char *slash = spec ? strchr(spec, '/') : NULL;
    if (!slash || parse_uint(spec, slash, index) || parse_uint(slash + 1, slash + strlen(slash), count)) {
        snprintf(why, n, "expected I/N with whole numbers, e.g. 2/8");
        return -1;
    }
    if (*count < 1 || *count > TW_MAX_SHARDS) {
        snprintf(why, n, "N must be in [1, %u]", TW_MAX_SHARDS);
        return -1;
    }
    if (*index < 1 || *index > *count) {
        snprintf(why, n, "I must be in [1, N] (shards are numbered from 1)");
        return -1;
    }
    return 0;
}

void tw_shard_blocks(uint64_t n_blocks, unsigned index, unsigned count, uint64_t *b0,
                     uint64_t *b1)
{
    /* contiguous ranges: a part's rows are one slab per dataset, which is
     * all that merge copies */
    *b0 = n_blocks * (uint64_t)(index - 1) / count;
    *b1 = n_blocks * (uint64_t)index / count;
}

char *tw_shard_abs_path(const char *path)
{
    char cwd[4096];
    if (path[0] != '/' && !getcwd(cwd, sizeof cwd))
        return NULL;
    size_t n = strlen(path) + (path[0] == '/' ? 1 : strlen(cwd) + 2);
    char *out = malloc(n);
    if (!out)
        return NULL;
    if (path[0] == '/')
        snprintf(out, n, "%s", path);
    else
        snprintf(out, n, "%s/%s", cwd, path);
    return out;
}

int tw_shard_finish_part(const char *path, const tw_run_meta *meta, double elapsed,
                         tw_error *err)
{
    tw_h5_quiet();
    uint64_t n = meta->n_samples, n_conv = 0;
    uint8_t *conv = malloc(n ? n : 1);
    if (!conv)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    hid_t f = tw_h5_open(path, H5F_ACC_RDWR);
    hid_t ds = f >= 0 ? H5Dopen2(f, "status/converged", H5P_DEFAULT) : -1;
    int bad = ds < 0 || (n && H5Dread(ds, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                      conv) < 0);
    /* rows outside the shard hold the fill value 0 */
    for (uint64_t i = 0; !bad && i < n; i++)
        n_conv += conv[i] != 0;
    free(conv);
    if (ds >= 0)
        H5Dclose(ds);
    if (!bad) {
        bad |= tw_h5_attr_u64(f, "n_converged", n_conv) < 0;
        bad |= tw_h5_attr_f64(f, "elapsed_seconds", elapsed) < 0;
        bad |= tw_h5_attr_i64(f, "mpi_ranks", meta->mpi_ranks) < 0;
        bad |= tw_h5_attr_i64(f, "omp_threads", meta->omp_threads) < 0;
        bad |= H5Fflush(f, H5F_SCOPE_GLOBAL) < 0;
        bad |= tw_h5_attr_i64(f, "finished", 1) < 0; /* last */
    }
    if (f >= 0)
        bad |= H5Fclose(f) < 0;
    return bad ? tw_error_set(err, TW_EIO, "%s: cannot mark the part finished (disk full?)",
                              path)
               : TW_OK;
}

/* ---- merge: the parts ---- */

typedef struct part {
    const char *path;
    char format_version[32], engine_version[64], model[64], design[32], config_sha256[80];
    char *data_sha256, *config;
    uint64_t seed, n_samples, block_size, n_blocks, shard_index, shard_count;
    uint64_t b0, b1, blocks_done; /* its range, and the blocks of the range done */
    int64_t finished;
} part;

static void parts_free(part *p, size_t n)
{
    for (size_t i = 0; p && i < n; i++) {
        free(p[i].data_sha256);
        free(p[i].config);
    }
    free(p);
}

static int need_str(hid_t f, const char *path, const char *name, char *buf, size_t size,
                    tw_error *err)
{
    if (tw_h5_read_attr_str(f, name, buf, size) < 0)
        return tw_error_set(err, TW_EDATA, "%s: attribute '%s' missing (damaged file?)", path,
                            name);
    return TW_OK;
}

static int need_u64(hid_t f, const char *path, const char *name, uint64_t *v, tw_error *err)
{
    if (tw_h5_read_attr_u64(f, name, v) < 0)
        return tw_error_set(err, TW_EDATA, "%s: attribute '%s' missing (damaged file?)", path,
                            name);
    return TW_OK;
}

/* Serial: a part's identity, shard and progress; read-only. */
static int read_part(const char *path, part *p, tw_error *err)
{
    p->path = path;
    if (!tw_output_exists(path))
        return tw_error_set(err, TW_EUSAGE, "%s: no such file", path);
    if (H5Fis_hdf5(path) <= 0)
        return tw_error_set(err, TW_EDATA, "%s: not an HDF5 file (or truncated/damaged)", path);
    hid_t f = tw_h5_open(path, H5F_ACC_RDONLY);
    if (f < 0)
        return tw_error_set(err, TW_EDATA, "%s: cannot open (damaged HDF5 file?)", path);
    char fmt[32] = "";
    int rc = TW_OK;
    if (tw_h5_read_attr_str(f, "format", fmt, sizeof fmt) < 0 || strcmp(fmt, TW_FORMAT_NAME))
        rc = tw_error_set(err, TW_EDATA, "%s: not a tradewar result file", path);
    else if (H5Aexists(f, "shard_count") <= 0)
        rc = tw_error_set(err, TW_EUSAGE, "%s is not a part of a sharded run (no shard_count "
                          "attribute): merge takes the files of `tradewar run CONFIG --shard "
                          "I/N`", path);
    if (!rc && !(rc = need_str(f, path, "format_version", p->format_version,
                               sizeof p->format_version, err)) &&
        !(rc = need_str(f, path, "engine_version", p->engine_version, sizeof p->engine_version,
                        err)) &&
        !(rc = need_str(f, path, "model", p->model, sizeof p->model, err)) &&
        !(rc = need_str(f, path, "design", p->design, sizeof p->design, err)) &&
        !(rc = need_str(f, path, "config_sha256", p->config_sha256, sizeof p->config_sha256,
                        err)) &&
        !(rc = need_u64(f, path, "seed", &p->seed, err)) &&
        !(rc = need_u64(f, path, "n_samples", &p->n_samples, err)) &&
        !(rc = need_u64(f, path, "block_size", &p->block_size, err)) &&
        !(rc = need_u64(f, path, "n_blocks", &p->n_blocks, err)) &&
        !(rc = need_u64(f, path, "shard_index", &p->shard_index, err)) &&
        !(rc = need_u64(f, path, "shard_count", &p->shard_count, err))) {
        tw_h5_read_attr_i64(f, "finished", &p->finished);
        p->data_sha256 = tw_h5_read_attr_strdup(f, "data_sha256");
        p->config = tw_h5_read_attr_strdup(f, "shard_config");
        if (!p->data_sha256 || !p->config)
            rc = tw_error_set(err, TW_EDATA, "%s: attribute 'data_sha256' or 'shard_config' "
                              "missing (damaged file?)", path);
    }
    if (!rc && (p->shard_count < 1 || p->shard_index < 1 || p->shard_index > p->shard_count ||
                p->shard_count > p->n_blocks || p->block_size < 1 ||
                p->n_blocks != tw_n_blocks(p->n_samples, p->block_size)))
        rc = tw_error_set(err, TW_EDATA, "%s: inconsistent shard attributes (damaged file?)",
                          path);
    uint8_t *done = NULL;
    if (!rc) {
        tw_shard_blocks(p->n_blocks, (unsigned)p->shard_index, (unsigned)p->shard_count, &p->b0,
                        &p->b1);
        done = malloc(p->n_blocks ? p->n_blocks : 1);
        hid_t ds = H5Dopen2(f, "status/block_done", H5P_DEFAULT);
        if (!done || ds < 0 ||
            H5Dread(ds, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, done) < 0)
            rc = tw_error_set(err, TW_EDATA, "%s: cannot read /status/block_done (damaged "
                              "file?)", path);
        if (ds >= 0)
            H5Dclose(ds);
        for (uint64_t b = p->b0; !rc && b < p->b1; b++)
            p->blocks_done += done[b] != 0;
    }
    free(done);
    H5Fclose(f);
    return rc;
}

/* The parts are the shards of one run: same identity, as resume checks it. */
static int check_same_run(const part *a, const part *b, tw_error *err)
{
    const struct {
        const char *name, *va, *vb;
    } strs[] = {
        {"format_version", a->format_version, b->format_version},
        {"engine_version", a->engine_version, b->engine_version},
        {"model", a->model, b->model},
        {"config_sha256", a->config_sha256, b->config_sha256},
        {"design", a->design, b->design},
        {"data_sha256 (the data files read)", a->data_sha256, b->data_sha256},
    };
    const struct {
        const char *name;
        uint64_t va, vb;
    } nums[] = {
        {"seed", a->seed, b->seed},
        {"n_samples", a->n_samples, b->n_samples},
        {"block_size", a->block_size, b->block_size},
        {"shard_count", a->shard_count, b->shard_count},
    };
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
        if (strcmp(strs[i].va, strs[i].vb))
            return tw_error_set(err, TW_ECONFIG, "parts of different runs: %s differs (%s: "
                                "%.64s, %s: %.64s)", strs[i].name, a->path, strs[i].va, b->path,
                                strs[i].vb);
    for (size_t i = 0; i < sizeof nums / sizeof *nums; i++)
        if (nums[i].va != nums[i].vb)
            return tw_error_set(err, TW_ECONFIG, "parts of different runs: %s differs (%s: "
                                "%llu, %s: %llu)", nums[i].name, a->path,
                                (unsigned long long)nums[i].va, b->path,
                                (unsigned long long)nums[i].vb);
    return TW_OK;
}

/* Rank 0: all parts read and checked; *by_index[i] is the part of shard i+1. */
static int check_parts(const tw_merge_opts *mo, part *p, size_t **by_index, tw_error *err)
{
    int rc = TW_OK;
    for (size_t i = 0; !rc && i < mo->n_parts; i++)
        rc = read_part(mo->parts[i], &p[i], err);
    for (size_t i = 1; !rc && i < mo->n_parts; i++)
        rc = check_same_run(&p[0], &p[i], err);
    if (rc)
        return rc;
    uint64_t N = p[0].shard_count;
    size_t *at = malloc(N * sizeof *at);
    if (!at)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    for (uint64_t s = 0; s < N; s++)
        at[s] = SIZE_MAX;
    for (size_t i = 0; !rc && i < mo->n_parts; i++) {
        uint64_t s = p[i].shard_index - 1;
        if (at[s] != SIZE_MAX)
            rc = tw_error_set(err, TW_EUSAGE, "shard %llu/%llu given twice (%s and %s)",
                              (unsigned long long)(s + 1), (unsigned long long)N,
                              p[at[s]].path, p[i].path);
        at[s] = i;
    }
    if (!rc) {
        char miss[256] = "";
        size_t used = 0, nmiss = 0;
        for (uint64_t s = 0; s < N; s++)
            if (at[s] == SIZE_MAX && nmiss++ < 8 && used < sizeof miss)
                used += (size_t)snprintf(miss + used, sizeof miss - used, "%s%llu/%llu",
                                         used ? ", " : "", (unsigned long long)(s + 1),
                                         (unsigned long long)N);
        if (nmiss)
            rc = tw_error_set(err, TW_EUSAGE, "%zu of %llu shards missing (%s%s): merge needs "
                              "one part per shard, %zu given", nmiss, (unsigned long long)N,
                              miss, nmiss > 8 ? ", ..." : "", mo->n_parts);
    }
    for (uint64_t s = 0; !rc && s < N; s++) {
        const part *q = &p[at[s]];
        if (q->finished == 1 && q->blocks_done == q->b1 - q->b0)
            continue;
        char who[512] = "";
        int live = tw_writelock_holder(q->path, who, sizeof who);
        rc = tw_error_set(err, TW_EUSAGE, "%s: shard %llu/%llu is unfinished (%llu of %llu "
                          "blocks done%s%s): %s", q->path, (unsigned long long)q->shard_index,
                          (unsigned long long)N, (unsigned long long)q->blocks_done,
                          (unsigned long long)(q->b1 - q->b0), live ? "; being written now by " : "",
                          who, live ? "wait for it to end" : "finish it first with `tradewar run "
                          "CONFIG --shard I/N -o PART --resume`");
    }
    if (rc)
        free(at);
    else
        *by_index = at;
    return rc;
}

/* ---- merge: the file ---- */

static int copy_bytes(const char *from, const char *to, tw_error *err)
{
    int in = open(from, O_RDONLY);
    if (in < 0)
        return tw_error_set(err, TW_EIO, "%s: cannot read: %s", from, strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (out < 0) {
        int e = errno;
        close(in);
        return tw_error_set(err, TW_EIO, "%s: cannot create: %s", to, strerror(e));
    }
    static char buf[1 << 20];
    int rc = TW_OK;
    for (;;) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r < 0)
                rc = tw_error_set(err, TW_EIO, "%s: read error: %s", from, strerror(errno));
            break;
        }
        for (ssize_t w = 0; !rc && w < r;) {
            ssize_t k = write(out, buf + w, (size_t)(r - w));
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0)
                rc = tw_error_set(err, TW_EIO, "%s: write error: %s", to, strerror(errno));
            else
                w += k;
        }
        if (rc)
            break;
    }
    close(in);
    if (close(out) < 0 && !rc)
        rc = tw_error_set(err, TW_EIO, "%s: write error: %s", to, strerror(errno));
    return rc;
}

/* Rows [r0, r1) of dataset `name` from one file to the other, in the
 * dataset's own file type (no conversion: the bits are copied). */
static int copy_rows(hid_t src, hid_t dst, const char *name, uint64_t r0, uint64_t r1)
{
    hid_t ds = H5Dopen2(src, name, H5P_DEFAULT), dd = H5Dopen2(dst, name, H5P_DEFAULT);
    hid_t type = ds >= 0 ? H5Dget_type(ds) : -1;
    hid_t fs = ds >= 0 ? H5Dget_space(ds) : -1, fd = dd >= 0 ? H5Dget_space(dd) : -1;
    hsize_t dims[8], dimd[8];
    int nd = fs >= 0 ? H5Sget_simple_extent_ndims(fs) : -1;
    int bad = type < 0 || fd < 0 || nd < 1 || nd > 8 ||
              H5Sget_simple_extent_ndims(fd) != nd;
    if (!bad) {
        H5Sget_simple_extent_dims(fs, dims, NULL);
        H5Sget_simple_extent_dims(fd, dimd, NULL);
        bad = memcmp(dims, dimd, (size_t)nd * sizeof *dims) != 0 || r1 > dims[0];
    }
    size_t row = bad ? 0 : H5Tget_size(type);
    for (int d = 1; !bad && d < nd; d++)
        row *= dims[d];
    uint64_t slab = row ? ((uint64_t)32 << 20) / row : 0;
    if (slab < 1)
        slab = 1;
    char *buf = bad || r1 <= r0 ? NULL : malloc((size_t)(slab < r1 - r0 ? slab : r1 - r0) * row);
    bad |= r1 > r0 && !buf;
    for (uint64_t r = r0; !bad && r < r1; r += slab) {
        hsize_t start[8] = {0}, count[8];
        memcpy(count, dims, sizeof count);
        start[0] = r;
        count[0] = r1 - r < slab ? r1 - r : slab;
        hid_t ms = H5Screate_simple(nd, count, NULL);
        bad |= H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
               H5Sselect_hyperslab(fd, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
               H5Dread(ds, type, ms, fs, H5P_DEFAULT, buf) < 0 ||
               H5Dwrite(dd, type, ms, fd, H5P_DEFAULT, buf) < 0;
        H5Sclose(ms);
    }
    free(buf);
    hid_t h[] = {fs, fd};
    for (size_t i = 0; i < 2; i++)
        if (h[i] >= 0)
            H5Sclose(h[i]);
    if (type >= 0)
        H5Tclose(type);
    if (ds >= 0)
        H5Dclose(ds);
    if (dd >= 0)
        H5Dclose(dd);
    return bad ? -1 : 0;
}

typedef struct row_walk {
    hid_t src, dst;
    const char *group;
    uint64_t s0, s1, b0, b1;
    int bad;
} row_walk;

/* Every dataset of /inputs, /outputs, /status except the dimension scales
 * (identical in every part): its rows of the part's samples, or for
 * block_done its blocks. */
static herr_t copy_dataset(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    row_walk *w = data;
    H5O_info_t oi;
    if (H5Oget_info_by_name(g, name, &oi, H5P_DEFAULT) < 0 || oi.type != H5O_TYPE_DATASET)
        return 0;
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
    int scale = ds >= 0 ? H5DSis_scale(ds) : -1;
    if (ds >= 0)
        H5Dclose(ds);
    if (scale != 0) {
        w->bad |= scale < 0;
        return 0;
    }
    char full[512];
    snprintf(full, sizeof full, "%s/%s", w->group, name);
    int blocks = strcmp(full, "status/block_done") == 0;
    if (copy_rows(w->src, w->dst, full, blocks ? w->b0 : w->s0, blocks ? w->b1 : w->s1) < 0)
        w->bad = 1;
    return 0;
}

static int copy_part_rows(hid_t dst, const part *p, tw_error *err)
{
    hid_t src = tw_h5_open(p->path, H5F_ACC_RDONLY);
    if (src < 0)
        return tw_error_set(err, TW_EDATA, "%s: cannot open (damaged HDF5 file?)", p->path);
    uint64_t s1 = p->b1 * p->block_size;
    row_walk w = {src, dst, NULL, p->b0 * p->block_size, s1 < p->n_samples ? s1 : p->n_samples,
                  p->b0, p->b1, 0};
    static const char *const groups[] = {"inputs", "outputs", "status"};
    for (size_t i = 0; !w.bad && i < sizeof groups / sizeof *groups; i++) {
        w.group = groups[i];
        hid_t g = H5Gopen2(dst, groups[i], H5P_DEFAULT);
        w.bad |= g < 0 || H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, copy_dataset, &w) < 0;
        if (g >= 0)
            H5Gclose(g);
    }
    H5Fclose(src);
    return w.bad ? tw_error_set(err, TW_EIO, "copying the rows of %s failed (a damaged part, "
                                "or the disk is full)", p->path)
                 : TW_OK;
}

/* Rank 0: the temporary file: shard 1's part as it is (its layout is the
 * unsharded file's), then the rows of the other shards, then the root
 * attributes of a file that is not a part, unfinished until the passes. */
static int build_merged(const char *tmp, const part *p, const size_t *at, tw_error *err)
{
    uint64_t N = p[0].shard_count;
    int rc = copy_bytes(p[at[0]].path, tmp, err);
    if (rc)
        return rc;
    tw_h5_quiet();
    hid_t f = tw_h5_open(tmp, H5F_ACC_RDWR);
    if (f < 0)
        return tw_error_set(err, TW_EIO, "%s: cannot open the copy of %s", tmp, p[at[0]].path);
    for (uint64_t s = 1; !rc && s < N; s++)
        rc = copy_part_rows(f, &p[at[s]], err);
    if (H5Fclose(f) < 0 && !rc)
        rc = tw_error_set(err, TW_EIO, "%s: cannot close (disk full?)", tmp);
    /* /history: the copy holds shard 1's starts; the other shards' follow,
     * in shard order, as they are (their block counts are the part's) */
    for (uint64_t s = 1; !rc && s < N; s++) {
        tw_history_row *rows = NULL;
        size_t nr = 0;
        rc = tw_history_read(p[at[s]].path, &rows, &nr, err);
        for (size_t r = 0; !rc && r < nr; r++)
            rc = tw_history_append_copy(tmp, &rows[r], err);
        free(rows);
    }
    if (rc)
        return rc;
    f = tw_h5_open(tmp, H5F_ACC_RDWR);
    if (f < 0)
        return tw_error_set(err, TW_EIO, "%s: cannot reopen", tmp);
    if (!rc) {
        int bad = 0;
        static const char *const drop[] = {"shard_index", "shard_count", "shard_config"};
        for (size_t i = 0; i < sizeof drop / sizeof *drop; i++)
            bad |= H5Adelete(f, drop[i]) < 0;
        bad |= tw_h5_attr_i64(f, "finished", 0) < 0;
        bad |= tw_h5_attr_u64(f, "n_converged", 0) < 0;
        bad |= tw_h5_attr_u64(f, "merged_shards", N) < 0;
        if (bad)
            rc = tw_error_set(err, TW_EIO, "%s: cannot write the root attributes", tmp);
    }
    if (H5Fclose(f) < 0 && !rc)
        rc = tw_error_set(err, TW_EIO, "%s: cannot close (disk full?)", tmp);
    return rc;
}

/* Every data file the config reads now has its SHA-256 among the parts'
 * (as resume checks it: by content, so a moved data folder is fine). */
static int check_data(const char *now, const part *p, tw_error *err)
{
    int plen;
    char sha[65];
    const char *line = tw_provenance_missing(now, p->data_sha256, sha, &plen);
    if (line)
        return tw_error_set(err, TW_ECONFIG, "data file %.*s differs from the one the parts "
                            "were computed with (%s)", plen, line + 66, p->path);
    return TW_OK;
}

/* Rank 0: OUT may be written (not a part, not there unless force), and the
 * write lock on it is ours. */
static int check_output(const tw_merge_opts *mo, tw_writelock **lock, tw_error *err)
{
    struct stat so, sp;
    int have = stat(mo->output, &so) == 0;
    for (size_t i = 0; have && i < mo->n_parts; i++)
        if (stat(mo->parts[i], &sp) == 0 && sp.st_dev == so.st_dev && sp.st_ino == so.st_ino)
            return tw_error_set(err, TW_EUSAGE, "%s is one of the parts: merge writes a new "
                                "file", mo->output);
    char stale[1200];
    int rc = tw_writelock_take(mo->output, lock, stale, sizeof stale, err);
    if (!rc && stale[0] && !mo->quiet)
        fprintf(stderr, "tradewar: warning: %s\n", stale);
    if (!rc && tw_output_exists(mo->output) && !mo->force)
        rc = tw_error_set(err, TW_EUSAGE, "%s exists: use --force to overwrite it", mo->output);
    return rc;
}

/* The final passes of `run`, on the merged file. */
static int final_passes(MPI_Comm comm, const char *tmp, const tw_session *ses,
                        const tw_run_meta *meta, double elapsed, size_t budget, tw_error *err)
{
    int rc = TW_OK;
    const tw_sens *sens = ses->sens;
    uint64_t n = meta->n_samples;
    if (sens)
        rc = tw_mpi_agree(comm, tw_sens_write(comm, tmp, ses->schema, sens, meta->seed,
                                              n / (tw_sens_factor_count(sens) + 2), err), err);
    if (!rc && ses->by)
        rc = tw_mpi_agree(comm, tw_summary_by_write(comm, tmp, ses->schema, ses->by, n, NULL, err),
                          err);
    if (!rc)
        rc = tw_mpi_agree(comm, tw_output_finalize(comm, tmp, ses->schema, meta, elapsed,
                                                   budget, NULL, err), err);
    return rc;
}

static int sync_and_rename(const char *tmp, const char *out, tw_error *err)
{
    int fd = open(tmp, O_RDONLY);
    int bad = fd < 0 || fsync(fd) < 0;
    if (fd >= 0)
        close(fd);
    if (bad || rename(tmp, out) < 0)
        return tw_error_set(err, TW_EIO, "%s: cannot write it in place (%s)", out,
                            strerror(errno));
    char *d = strdup(out);
    fd = d ? open(dirname(d), O_RDONLY | O_DIRECTORY) : -1;
    if (fd >= 0) {
        fsync(fd); /* the rename itself */
        close(fd);
    }
    free(d);
    return TW_OK;
}

int tw_merge(MPI_Comm comm, const tw_merge_opts *mo, tw_error *err)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    int size;
    MPI_Comm_size(comm, &size);
    double t0 = MPI_Wtime();
    tw_h5_quiet();
    part *p = NULL;
    size_t *at = NULL;
    tw_writelock *lock = NULL;
    char *tmp = NULL;
    char cfgpath[4096] = "";
    int rc = TW_OK, made_tmp = 0;
    if (rank == 0) {
        p = calloc(mo->n_parts ? mo->n_parts : 1, sizeof *p);
        size_t len = strlen(mo->output) + 16;
        tmp = malloc(len);
        if (!p || !tmp)
            rc = tw_error_set(err, TW_ENOMEM, "out of memory");
        else
            snprintf(tmp, len, "%s.merging", mo->output);
        if (!rc && mo->n_parts == 0)
            rc = tw_error_set(err, TW_EUSAGE, "no part files given");
        if (!rc)
            rc = check_parts(mo, p, &at, err);
        if (!rc)
            rc = check_output(mo, &lock, err);
        if (!rc)
            snprintf(cfgpath, sizeof cfgpath, "%s", mo->config ? mo->config : p[0].config);
    }
    rc = tw_mpi_agree(comm, rc, err);
    /* the model's schema and the passes come from the config, as in run */
    tw_session *ses = NULL;
    if (!rc) {
        MPI_Bcast(cfgpath, sizeof cfgpath, MPI_CHAR, 0, comm);
        rc = tw_session_open(cfgpath, &ses, err);
        if (rc)
            tw_error_prefix(err, "the parts' config (%s; give another with --config): ",
                            mo->config ? "--config" : "recorded in the parts");
        rc = tw_mpi_agree(comm, rc, err);
    }
    tw_run_meta meta = {0};
    if (!rc && rank == 0) {
        if (strcmp(ses->cfg->sha256, p[0].config_sha256))
            rc = tw_error_set(err, TW_ECONFIG, "config %s differs from the one the parts were "
                              "computed with (config_sha256 %.12s..., parts: %.12s...)%s",
                              cfgpath, ses->cfg->sha256, p[0].config_sha256,
                              mo->config ? "" : "; give the right one with --config");
        else if (ses->stop)
            rc = tw_error_set(err, TW_EUSAGE, "a stop: config cannot be sharded");
        else
            rc = check_data(ses->data_files, &p[0], err);
        meta = (tw_run_meta){.model = ses->type->name, .design = p[0].design,
                             .seed = p[0].seed, .n_samples = p[0].n_samples,
                             .block_size = p[0].block_size, .mpi_ranks = size,
                             .omp_threads = omp_get_max_threads()};
        if (!rc && !mo->quiet)
            fprintf(stderr, "tradewar: merging %zu parts of %s (%llu samples, %llu blocks) "
                    "into %s\n", mo->n_parts, cfgpath, (unsigned long long)meta.n_samples,
                    (unsigned long long)p[0].n_blocks, mo->output);
        if (!rc) {
            made_tmp = 1;
            rc = build_merged(tmp, p, at, err);
        }
    }
    if ((rc = tw_mpi_agree(comm, rc, err)) == TW_OK) {
        MPI_Bcast(&meta.seed, 1, MPI_UINT64_T, 0, comm);
        MPI_Bcast(&meta.n_samples, 1, MPI_UINT64_T, 0, comm);
        MPI_Bcast(&meta.block_size, 1, MPI_UINT64_T, 0, comm);
        MPI_Bcast(&meta.omp_threads, 1, MPI_INT, 0, comm);
        meta.mpi_ranks = size;
        MPI_Bcast(&made_tmp, 1, MPI_INT, 0, comm);
        /* every rank opens the temporary file by name */
        int len = rank == 0 ? (int)strlen(tmp) + 1 : 0;
        MPI_Bcast(&len, 1, MPI_INT, 0, comm);
        if (rank != 0)
            tmp = malloc((size_t)len);
        if (!tmp)
            MPI_Abort(comm, 2);
        MPI_Bcast(tmp, len, MPI_CHAR, 0, comm);
        rc = final_passes(comm, tmp, ses, &meta, MPI_Wtime() - t0,
                          mo->mem_budget ? mo->mem_budget : (size_t)256 << 20, err);
    }
    uint64_t n_conv = 1;
    if (!rc && rank == 0) {
        rc = tw_output_read_n_converged(tmp, &n_conv, err);
        if (!rc)
            rc = sync_and_rename(tmp, mo->output, err);
        if (!rc)
            made_tmp = 0;
    }
    if (rank == 0 && made_tmp)
        unlink(tmp); /* a failed merge leaves nothing behind */
    rc = tw_mpi_agree(comm, rc, err);
    MPI_Bcast(&n_conv, 1, MPI_UINT64_T, 0, comm);
    if (!rc && n_conv == 0) /* as in run: the file is kept for inspection */
        rc = tw_error_set(err, TW_ENUMERIC, "no sample converged (0 of %llu): %s has no results",
                          (unsigned long long)meta.n_samples, mo->output);
    if (!rc && rank == 0 && !mo->quiet)
        fprintf(stderr, "tradewar: merged %s (%.1f s)\n", mo->output, MPI_Wtime() - t0);
    tw_writelock_release(lock);
    tw_session_close(ses);
    if (rank == 0)
        parts_free(p, mo->n_parts);
    free(at);
    free(tmp);
    return rc;
}
