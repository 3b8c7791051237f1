/* The HDF5 result file: layout, collective block writes, resume checks. The
 * summary pass lives in summary.c. */
#include "tradewar/output.h"

#include <errno.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "h5util.h"
#include "mpiutil.h"
#include "summary_group.h" /* tw_part_*: the fill's seconds for TW_PHASE_TIMES */
#include "tw_version.h"

struct tw_output {
    MPI_Comm comm;
    int rank;
    hid_t file, dxpl;
    hid_t dxpl_ind; /* independent transfers: the block writes */
    char *path;
    uint64_t n, bs, nblocks;
    size_t n_params, n_outcomes, row_size;
    const tw_model_schema *schema;
    hid_t *ds_in, *ds_out;
    hid_t ds_conv, ds_iter, ds_resid, ds_done;
    /* per-block scratch for the status columns */
    uint8_t *conv;
    int32_t *iter;
    double *resid;
    /* per-block scratch: one dataset's columns of the block, packed
     * contiguously (bs x the widest outcome) */
    double *pack;
};

int tw_output_exists(const char *path) { return access(path, F_OK) == 0; }

/* ---- layout ---- */

static const char *dim_name(const tw_model_schema *s, int d) { return s->dims[d].name; }

/* netCDF readers (xarray's group=) see the coordinate variables of the group
 * they open only, so every group whose datasets have a dimension holds its
 * own copy of that dimension's scale: labels (region, sector, partner) in
 * the groups below, the sample index in sample_groups. */
static const char *const label_groups[] = {"/", "outputs", "baseline/data",
                                           "baseline/central/outputs"};
static const char *const sample_groups[] = {"/", "inputs", "outputs", "status"};

/* The groups and the label scales, written by rank 0 on a serially opened
 * file before everyone opens it in parallel: labels are variable-length
 * strings, which parallel HDF5 cannot write. On failure nothing is left
 * behind except a file that was there before (never touched). */
static int create_skeleton(tw_output *o, int force, int central, tw_error *err)
{
    const tw_model_schema *s = o->schema;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_file_locking(fapl, 0, 1); /* no HDF5 flock: see tw_h5_open */
    hid_t f = H5Fcreate(o->path, force ? H5F_ACC_TRUNC : H5F_ACC_EXCL, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (f < 0)
        return tw_error_set(err, TW_EIO, "%s: cannot create the result file (%s)", o->path,
                            tw_output_exists(o->path) && !force
                                ? "it exists; use --force or --resume"
                                : "check the directory and permissions");
    const char *groups[] = {"inputs", "outputs", "status", "baseline",
                            s->n_baseline ? "baseline/data" : NULL,
                            central ? "baseline/central" : NULL,
                            central ? "baseline/central/inputs" : NULL,
                            central ? "baseline/central/outputs" : NULL};
    int bad = 0;
    for (size_t g = 0; g < sizeof groups / sizeof *groups; g++) {
        if (!groups[g])
            continue;
        hid_t gid = H5Gcreate2(f, groups[g], H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        bad |= gid < 0;
        if (gid >= 0)
            H5Gclose(gid);
    }
    for (size_t g = 0; !bad && g < sizeof label_groups / sizeof *label_groups; g++) {
        if (H5Lexists(f, label_groups[g], H5P_DEFAULT) <= 0 && strcmp(label_groups[g], "/"))
            continue;
        hid_t gid = H5Gopen2(f, label_groups[g], H5P_DEFAULT);
        for (size_t d = 0; gid >= 0 && !bad && d < s->n_dims; d++) {
            const tw_dimension *dim = &s->dims[d];
            hid_t ls = tw_h5_write_labels(gid, dim->name, dim->labels, dim->size);
            bad |= ls < 0 || tw_h5_make_scale(ls, dim->name, "1",
                                              dim->description ? dim->description : dim->name) < 0;
            if (ls >= 0)
                H5Dclose(ls);
        }
        bad |= gid < 0;
        if (gid >= 0)
            H5Gclose(gid);
    }
    bad |= H5Fclose(f) < 0;
    if (bad) {
        unlink(o->path);
        return tw_error_set(err, TW_EIO, "%s: cannot lay out the result file (disk full?)",
                            o->path);
    }
    return TW_OK;
}

/* The sample scales (collective: every rank takes part, rank 0 writes). */
static int write_scales(tw_output *o, tw_error *err)
{
    int bad = 0;
    for (size_t g = 0; !bad && g < sizeof sample_groups / sizeof *sample_groups; g++) {
        hid_t gid = H5Gopen2(o->file, sample_groups[g], H5P_DEFAULT);
        hid_t ds = gid < 0 ? -1
                           : tw_h5_write_index_scale(gid, "sample", o->n, o->dxpl, o->rank == 0,
                                                     "sample index s: parameters depend only on "
                                                     "(config, seed, s)");
        bad |= ds < 0;
        if (ds >= 0)
            H5Dclose(ds);
        if (gid >= 0)
            H5Gclose(gid);
    }
    hid_t gst = bad ? -1 : H5Gopen2(o->file, "status", H5P_DEFAULT);
    hid_t ds = gst < 0 ? -1
                       : tw_h5_write_index_scale(gst, "block", o->nblocks, o->dxpl, o->rank == 0,
                                                 "block index b: samples [b*block_size, "
                                                 "(b+1)*block_size)");
    bad |= ds < 0;
    if (ds >= 0)
        H5Dclose(ds);
    if (gst >= 0)
        H5Gclose(gst);
    return bad ? tw_error_set(err, TW_EIO, "%s: cannot write the sample scales", o->path) : TW_OK;
}

/* Attach the scales of group g: "sample" to dimension 0 if sample_dim, then
 * the model dimensions dims[]. */
static int attach_scales(tw_output *o, hid_t g, hid_t ds, int sample_dim, int ndims,
                         const int *dims)
{
    int rc = sample_dim ? tw_h5_attach(ds, g, 0, "sample") : 0;
    for (int d = 0; d < ndims; d++)
        rc |= tw_h5_attach(ds, g, (unsigned)(d + sample_dim), dim_name(o->schema, dims[d]));
    return rc ? -1 : 0;
}

static void outcome_dims(const tw_model_schema *s, const tw_outcome_info *oi, hsize_t *dims)
{
    for (int d = 0; d < oi->ndims; d++)
        dims[d] = s->dims[oi->dims[d]].size;
}

#define TW_CHUNK_BYTES ((hsize_t)1 << 20)

/* The per-sample datasets are created unfilled and filled here in slabs of
 * about TW_FILL_BYTES per dataset, split over the ranks, with a look at the
 * stop flag between slabs: writing the fill values of 10^8 samples takes
 * tens of seconds, which inside H5Dcreate no signal could interrupt. A stop
 * leaves a file whose blocks are all pending: --resume computes them all
 * (rows not filled yet read as 0 until then). */
#define TW_FILL_BYTES ((size_t)8 << 20)

static const volatile sig_atomic_t *stop_flag;

void tw_output_watch_stop(const volatile sig_atomic_t *flag) { stop_flag = flag; }

static int fill_datasets(tw_output *o, tw_error *err)
{
    int size;
    MPI_Comm_size(o->comm, &size);
    size_t maxw = 1;
    for (size_t k = 0; k < o->n_outcomes; k++)
        if (tw_outcome_size(o->schema, k) > maxw)
            maxw = tw_outcome_size(o->schema, k);
    uint64_t slab = TW_FILL_BYTES / (8 * maxw);
    if (slab < 1)
        slab = 1;
    if (slab > o->n)
        slab = o->n;
    size_t mine_max = (size_t)(slab / (uint64_t)size + 1);
    double *nan = malloc(mine_max * maxw * sizeof *nan);
    int32_t *minus1 = malloc(mine_max * sizeof *minus1);
    uint8_t *zero = calloc(mine_max, 1);
    int rc = nan && minus1 && zero ? TW_OK : tw_error_set(err, TW_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < mine_max * maxw; i++)
        nan[i] = NAN;
    for (size_t i = 0; !rc && i < mine_max; i++)
        minus1[i] = -1;
    if ((rc = tw_mpi_agree(o->comm, rc, err))) {
        free(nan);
        free(minus1);
        free(zero);
        return rc;
    }
    for (uint64_t s0 = 0; s0 < o->n; s0 += slab) {
        uint64_t count = s0 + slab > o->n ? o->n - s0 : slab;
        uint64_t a = s0 + count * (uint64_t)o->rank / (uint64_t)size;
        uint64_t b = s0 + count * (uint64_t)(o->rank + 1) / (uint64_t)size;
        int mine = b > a;
        size_t m = (size_t)(b - a);
        int bad = 0;
        for (size_t p = 0; p < o->n_params; p++)
            bad |= tw_h5_write_cols(o->ds_in[p], o->dxpl, mine, a, m, nan, 1, 0, 1) < 0;
        for (size_t k = 0; k < o->n_outcomes; k++) {
            size_t w = tw_outcome_size(o->schema, k);
            bad |= tw_h5_write_cols(o->ds_out[k], o->dxpl, mine, a, m, nan, w, 0, w) < 0;
        }
        bad |= tw_h5_write_rows(o->ds_conv, o->dxpl, H5T_NATIVE_UINT8, mine, a, m, 1, zero) < 0;
        bad |= tw_h5_write_rows(o->ds_iter, o->dxpl, H5T_NATIVE_INT32, mine, a, m, 1, minus1) < 0;
        bad |= tw_h5_write_rows(o->ds_resid, o->dxpl, H5T_NATIVE_DOUBLE, mine, a, m, 1, nan) < 0;
        rc = bad ? tw_error_set(err, TW_EIO, "%s: writing the fill values failed (disk full?)",
                                o->path)
                 : TW_OK;
        if ((rc = tw_mpi_agree(o->comm, rc, err)))
            break;
        int local = stop_flag ? *stop_flag : 0, any = 0;
        MPI_Allreduce(&local, &any, 1, MPI_INT, MPI_MAX, o->comm);
        if (any && s0 + slab < o->n) {
            rc = tw_error_set(err, TW_EINTERRUPTED, "stopped by signal %d while %s was created "
                              "(%llu of %llu rows filled); no sample computed yet: run again "
                              "with --resume to continue", any, o->path,
                              (unsigned long long)(s0 + count), (unsigned long long)o->n);
            break;
        }
    }
    free(nan);
    free(minus1);
    free(zero);
    return rc;
}

/* Rows per chunk for a dataset of n rows of `width` doubles. */
static hsize_t chunk_rows(uint64_t n, size_t width)
{
    hsize_t rows = TW_CHUNK_BYTES / (8 * (hsize_t)(width ? width : 1));
    if (rows < 1)
        rows = 1;
    return rows < n ? rows : (hsize_t)n;
}

static int create_datasets(tw_output *o, tw_error *err)
{
    const tw_model_schema *s = o->schema;
    const double nan = NAN;
    hid_t g_in = H5Gopen2(o->file, "inputs", H5P_DEFAULT);
    hid_t g_out = H5Gopen2(o->file, "outputs", H5P_DEFAULT);
    hid_t g_st = H5Gopen2(o->file, "status", H5P_DEFAULT);
    int rc = TW_OK;
    if (g_in < 0 || g_out < 0 || g_st < 0) {
        rc = tw_error_set(err, TW_EIO, "%s: cannot open the groups", o->path);
        goto done;
    }
    /* Chunks hold about TW_CHUNK_BYTES whatever the block size: one chunk
     * per block made `block_size: 1` with 10^7 samples allocate 10^7 chunks
     * per dataset up front, minutes in H5Dcreate that no signal could
     * interrupt. Blocks need not align with chunks (no filters: rows are
     * written in place). A chunk may not exceed the fixed dimension n. */
    hsize_t n = o->n, bs = chunk_rows(o->n, 1);
    for (size_t p = 0; p < o->n_params; p++) {
        const tw_param *pr = tw_params_get(s->params, p);
        o->ds_in[p] = tw_h5_create_unfilled(g_in, pr->name, H5T_IEEE_F64LE, 1, &n, &bs, &nan);
        if (o->ds_in[p] < 0) {
            rc = tw_error_set(err, TW_EIO, "%s: cannot create /inputs/%s", o->path, pr->name);
            goto done;
        }
        char desc[256];
        tw_dist_describe(&pr->dist, desc, sizeof desc);
        tw_h5_describe(o->ds_in[p], pr->units, pr->description, pr->name);
        tw_h5_attr_str(o->ds_in[p], "distribution", desc);
        attach_scales(o, g_in, o->ds_in[p], 1, 0, NULL);
    }
    for (size_t k = 0; k < o->n_outcomes; k++) {
        const tw_outcome_info *oi = &s->outcomes[k];
        hsize_t dims[1 + TW_MAX_OUTCOME_DIMS], chunk[1 + TW_MAX_OUTCOME_DIMS];
        dims[0] = n;
        outcome_dims(s, oi, dims + 1);
        memcpy(chunk, dims, sizeof dims);
        chunk[0] = chunk_rows(o->n, tw_outcome_size(s, k));
        o->ds_out[k] = tw_h5_create_unfilled(g_out, oi->name, H5T_IEEE_F64LE, 1 + oi->ndims, dims,
                                             chunk,
                                    &nan);
        if (o->ds_out[k] < 0) {
            rc = tw_error_set(err, TW_EIO, "%s: cannot create /outputs/%s", o->path, oi->name);
            goto done;
        }
        tw_h5_describe(o->ds_out[k], oi->units, oi->description, oi->name);
        if (attach_scales(o, g_out, o->ds_out[k], 1, oi->ndims, oi->dims) < 0) {
            rc = tw_error_set(err, TW_EIO, "%s: cannot attach scales to /outputs/%s", o->path,
                              oi->name);
            goto done;
        }
    }
    const uint8_t zero8 = 0;
    const int32_t minus1 = -1;
    o->ds_conv = tw_h5_create_unfilled(g_st, "converged", H5T_STD_U8LE, 1, &n, &bs, &zero8);
    o->ds_iter = tw_h5_create_unfilled(g_st, "iterations", H5T_STD_I32LE, 1, &n, &bs, &minus1);
    o->ds_resid = tw_h5_create_unfilled(g_st, "residual", H5T_IEEE_F64LE, 1, &n, &bs, &nan);
    hsize_t nb = o->nblocks;
    o->ds_done = tw_h5_create(g_st, "block_done", H5T_STD_U8LE, 1, &nb, NULL, &zero8);
    if (o->ds_conv < 0 || o->ds_iter < 0 || o->ds_resid < 0 || o->ds_done < 0) {
        rc = tw_error_set(err, TW_EIO, "%s: cannot create /status", o->path);
        goto done;
    }
    tw_h5_describe(o->ds_conv, "1",
                   "1 if the model met its tolerance; 0 = failed or not computed yet", NULL);
    tw_h5_describe(o->ds_iter, "1", "solver iterations (-1: not computed yet)", NULL);
    tw_h5_describe(o->ds_resid, "1", "final solver residual (max |excess demand|)", NULL);
    tw_h5_describe(o->ds_done, "1",
                   "1 once all rows of the block are on disk; block b holds samples "
                   "[b*block_size, (b+1)*block_size)", NULL);
    attach_scales(o, g_st, o->ds_conv, 1, 0, NULL);
    attach_scales(o, g_st, o->ds_iter, 1, 0, NULL);
    attach_scales(o, g_st, o->ds_resid, 1, 0, NULL);
    tw_h5_attach(o->ds_done, g_st, 0, "block");
done:
    if (g_in >= 0)
        H5Gclose(g_in);
    if (g_out >= 0)
        H5Gclose(g_out);
    if (g_st >= 0)
        H5Gclose(g_st);
    return rc;
}

static int write_baseline(tw_output *o, const double *cp, const double *co,
                          const tw_eval_status *cs, tw_error *err)
{
    const tw_model_schema *s = o->schema;
    int w = o->rank == 0;
    hid_t gb = H5Gopen2(o->file, "baseline", H5P_DEFAULT);
    if (gb < 0)
        return tw_error_set(err, TW_EIO, "%s: cannot create /baseline", o->path);
    int bad = 0;
    if (s->n_baseline) {
        hid_t gd = H5Gopen2(gb, "data", H5P_DEFAULT);
        for (size_t a = 0; gd >= 0 && a < s->n_baseline; a++) {
            const tw_array_info *ai = &s->baseline[a];
            hsize_t dims[TW_MAX_OUTCOME_DIMS];
            for (int d = 0; d < ai->ndims; d++)
                dims[d] = s->dims[ai->dims[d]].size;
            hid_t ds = tw_h5_write_dataset(gd, ai->name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                                           ai->ndims, dims, ai->data, o->dxpl, w, ai->units,
                                           ai->description);
            bad |= ds < 0;
            if (ds >= 0) {
                attach_scales(o, gd, ds, 0, ai->ndims, ai->dims);
                H5Dclose(ds);
            }
        }
        bad |= gd < 0;
        if (gd >= 0)
            H5Gclose(gd);
    }
    if (cp && co) {
        hid_t gc = H5Gopen2(gb, "central", H5P_DEFAULT);
        hid_t gi = gc >= 0 ? H5Gopen2(gc, "inputs", H5P_DEFAULT) : -1;
        hid_t go = gc >= 0 ? H5Gopen2(gc, "outputs", H5P_DEFAULT) : -1;
        bad |= gc < 0 || gi < 0 || go < 0;
        if (gc >= 0) {
            tw_h5_attr_str(gc, "description", "the deterministic central scenario: every "
                           "parameter at the median of its distribution");
            tw_h5_attr_i64(gc, "converged", cs ? cs->converged : 1);
            tw_h5_attr_i64(gc, "iterations", cs ? cs->iterations : 0);
            tw_h5_attr_f64(gc, "residual", cs ? cs->residual : 0.0);
        }
        for (size_t p = 0; gi >= 0 && p < o->n_params; p++) {
            const tw_param *pr = tw_params_get(s->params, p);
            hid_t ds = tw_h5_write_dataset(gi, pr->name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0,
                                           NULL, &cp[p], o->dxpl, w, pr->units,
                                           "median of the parameter's distribution");
            bad |= ds < 0;
            if (ds >= 0)
                H5Dclose(ds);
        }
        size_t off = 0;
        for (size_t k = 0; go >= 0 && k < o->n_outcomes; k++) {
            const tw_outcome_info *oi = &s->outcomes[k];
            hsize_t dims[TW_MAX_OUTCOME_DIMS];
            outcome_dims(s, oi, dims);
            hid_t ds = tw_h5_write_dataset(go, oi->name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                                           oi->ndims, dims, co + off, o->dxpl, w, oi->units,
                                           oi->description);
            bad |= ds < 0;
            if (ds >= 0) {
                attach_scales(o, go, ds, 0, oi->ndims, oi->dims);
                H5Dclose(ds);
            }
            off += tw_outcome_size(s, k);
        }
        if (gi >= 0)
            H5Gclose(gi);
        if (go >= 0)
            H5Gclose(go);
        if (gc >= 0)
            H5Gclose(gc);
    }
    H5Gclose(gb);
    return bad ? tw_error_set(err, TW_EIO, "%s: cannot write /baseline", o->path) : TW_OK;
}

static void write_root_attrs(tw_output *o, const tw_run_meta *m)
{
    char created[64] = "";
    if (o->rank == 0) {
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    /* attributes are collective: every rank must write the same value */
    MPI_Bcast(created, sizeof created, MPI_CHAR, 0, o->comm);
    hid_t f = o->file;
    tw_h5_attr_str(f, "format", TW_FORMAT_NAME);
    tw_h5_attr_str(f, "format_version", TW_FORMAT_VERSION);
    tw_h5_attr_str(f, "engine_version", TW_VERSION);
    tw_h5_attr_str(f, "model", m->model);
    tw_h5_attr_str(f, "design", m->design);
    tw_h5_attr_u64(f, "seed", m->seed);
    tw_h5_attr_u64(f, "n_samples", m->n_samples);
    tw_h5_attr_u64(f, "block_size", m->block_size);
    tw_h5_attr_u64(f, "n_blocks", o->nblocks);
    tw_h5_attr_str(f, "created", created);
    tw_h5_attr_i64(f, "mpi_ranks", m->mpi_ranks);
    tw_h5_attr_i64(f, "omp_threads", m->omp_threads);
    tw_h5_attr_str(f, "config", m->config_text ? m->config_text : "");
    tw_h5_attr_str(f, "config_sha256", m->config_sha256 ? m->config_sha256 : "");
    tw_h5_attr_str(f, "data_sha256", m->data_sha256 ? m->data_sha256 : "");
    if (m->shard_count) { /* a part of a sharded run (shard.h) */
        tw_h5_attr_u64(f, "shard_index", m->shard_index);
        tw_h5_attr_u64(f, "shard_count", m->shard_count);
        tw_h5_attr_str(f, "shard_config", m->shard_config ? m->shard_config : "");
    }
    tw_h5_attr_i64(f, "finished", 0);
    tw_h5_attr_u64(f, "n_converged", 0);
    tw_h5_attr_f64(f, "elapsed_seconds", 0.0);
}

static tw_output *output_alloc(MPI_Comm comm, const char *path, const tw_run_meta *meta,
                               const tw_model_schema *schema)
{
    tw_output *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->comm = comm;
    MPI_Comm_rank(comm, &o->rank);
    o->file = o->dxpl = o->dxpl_ind = -1;
    o->ds_conv = o->ds_iter = o->ds_resid = o->ds_done = -1;
    o->path = strdup(path);
    o->n = meta->n_samples;
    o->bs = meta->block_size;
    o->nblocks = tw_n_blocks(o->n, o->bs);
    o->schema = schema;
    o->n_params = tw_params_count(schema->params);
    o->n_outcomes = schema->n_outcomes;
    o->row_size = tw_outcome_row_size(schema);
    o->ds_in = malloc((o->n_params + 1) * sizeof *o->ds_in);
    o->ds_out = malloc((o->n_outcomes + 1) * sizeof *o->ds_out);
    o->conv = malloc(o->bs * sizeof *o->conv);
    o->iter = malloc(o->bs * sizeof *o->iter);
    o->resid = malloc(o->bs * sizeof *o->resid);
    size_t maxw = 1;
    for (size_t k = 0; k < o->n_outcomes; k++)
        if (tw_outcome_size(schema, k) > maxw)
            maxw = tw_outcome_size(schema, k);
    o->pack = malloc(o->bs * maxw * sizeof *o->pack);
    if (!o->path || !o->ds_in || !o->ds_out || !o->conv || !o->iter || !o->resid || !o->pack) {
        free(o->pack);
        free(o->path);
        free(o->ds_in);
        free(o->ds_out);
        free(o->conv);
        free(o->iter);
        free(o->resid);
        free(o);
        return NULL;
    }
    for (size_t i = 0; i <= o->n_params; i++)
        o->ds_in[i] = -1;
    for (size_t i = 0; i <= o->n_outcomes; i++)
        o->ds_out[i] = -1;
    o->dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(o->dxpl, H5FD_MPIO_COLLECTIVE);
    o->dxpl_ind = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(o->dxpl_ind, H5FD_MPIO_INDEPENDENT);
    return o;
}

static void output_free_handles(tw_output *o)
{
    for (size_t i = 0; i < o->n_params; i++)
        if (o->ds_in[i] >= 0)
            H5Dclose(o->ds_in[i]);
    for (size_t i = 0; i < o->n_outcomes; i++)
        if (o->ds_out[i] >= 0)
            H5Dclose(o->ds_out[i]);
    hid_t *st[] = {&o->ds_conv, &o->ds_iter, &o->ds_resid, &o->ds_done};
    for (size_t i = 0; i < 4; i++)
        if (*st[i] >= 0) {
            H5Dclose(*st[i]);
            *st[i] = -1;
        }
    if (o->dxpl >= 0)
        H5Pclose(o->dxpl);
    o->dxpl = -1;
    if (o->file >= 0)
        H5Fclose(o->file);
    o->file = -1;
}

static void output_free(tw_output *o)
{
    if (!o)
        return;
    output_free_handles(o);
    if (o->dxpl_ind >= 0)
        H5Pclose(o->dxpl_ind);
    free(o->path);
    free(o->ds_in);
    free(o->ds_out);
    free(o->conv);
    free(o->iter);
    free(o->resid);
    free(o->pack);
    free(o);
}

int tw_output_create(MPI_Comm comm, const char *path, const tw_run_meta *meta,
                     const tw_model_schema *schema, int force, const double *central_params,
                     const double *central_outcomes, const tw_eval_status *central_status,
                     tw_output **out, tw_error *err)
{
    *out = NULL;
    tw_h5_quiet();
    tw_output *o = output_alloc(comm, path, meta, schema);
    int rc = o ? TW_OK : tw_error_set(err, TW_ENOMEM, "out of memory");
    if ((rc = tw_mpi_agree(comm, rc, err))) {
        output_free(o);
        return rc;
    }
    if (o->rank == 0)
        rc = create_skeleton(o, force, central_params && central_outcomes, err);
    if (o->rank == 0 && !rc && meta->history &&
        (rc = tw_history_append(path, meta->history, err)))
        unlink(path);
    if ((rc = tw_mpi_agree(comm, rc, err))) {
        output_free(o);
        return rc;
    }
    if (meta->history)
        meta->history->appended = 1;
    hid_t fapl = tw_h5_fapl_mpio(comm);
    o->file = H5Fopen(path, H5F_ACC_RDWR, fapl);
    H5Pclose(fapl);
    if (o->file < 0)
        rc = tw_error_set(err, TW_EIO, "%s: cannot open for writing", path);
    if ((rc = tw_mpi_agree(comm, rc, err))) {
        int rank = o->rank;
        output_free(o);
        if (rank == 0)
            unlink(path);
        return rc;
    }
    write_root_attrs(o, meta);
    rc = write_scales(o, err);
    if (!rc)
        rc = create_datasets(o, err);
    if (!rc)
        rc = write_baseline(o, central_params, central_outcomes, central_status, err);
    if (!rc && H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0)
        rc = tw_error_set(err, TW_EIO, "%s: cannot flush (disk full?)", path);
    if (!(rc = tw_mpi_agree(comm, rc, err))) {
        /* the layout is complete: from here on the file is resumable */
        tw_part_clock pt;
        double fw = 0, fc = 0;
        tw_part_start(&pt);
        rc = fill_datasets(o, err);
        tw_part_add(&pt, &fw, &fc);
        /* part of the start-up phase; split over the ranks, not the threads */
        tw_part_report(o->rank, "start-up fill", fw, fc);
        if (rc == TW_EINTERRUPTED) {
            tw_error tmp;
            tw_output_close(o, &tmp);
            return rc;
        }
    }
    if ((rc = tw_mpi_agree(comm, rc, err))) {
        /* a file that failed while being laid out is useless: remove it;
         * its parallel handle cannot be closed safely (see tw_mpi_abort) */
        if (o->rank == 0)
            unlink(path);
        tw_mpi_abort(comm, err);
    }
    *out = o;
    return TW_OK;
}

/* ---- resume ---- */

static int check_attr_str(hid_t f, const char *name, const char *want, const char *path,
                          tw_error *err)
{
    char got[256];
    if (tw_h5_read_attr_str(f, name, got, sizeof got) < 0)
        return tw_error_set(err, TW_EDATA, "%s: not a tradewar result file or damaged "
                            "(attribute '%s' missing)", path, name);
    if (strcmp(got, want) != 0)
        return tw_error_set(err, TW_ECONFIG, "%s: cannot resume: %s differs (file: %s, now: %s)",
                            path, name, got, want);
    return TW_OK;
}

static int check_attr_u64(hid_t f, const char *name, uint64_t want, const char *path,
                          tw_error *err)
{
    uint64_t got;
    if (tw_h5_read_attr_u64(f, name, &got) < 0)
        return tw_error_set(err, TW_EDATA, "%s: not a tradewar result file or damaged "
                            "(attribute '%s' missing)", path, name);
    if (got != want)
        return tw_error_set(err, TW_ECONFIG,
                            "%s: cannot resume: %s differs (file: %llu, now: %llu)", path, name,
                            (unsigned long long)got, (unsigned long long)want);
    return TW_OK;
}

/* The same shard of the same number of shards (or both not sharded): a
 * part resumed as another shard, or as the whole run, would mix rows. */
static int check_shard(hid_t f, const tw_run_meta *m, const char *path, tw_error *err)
{
    uint64_t idx = 0, cnt = 0;
    if (H5Aexists(f, "shard_count") > 0 && (tw_h5_read_attr_u64(f, "shard_count", &cnt) < 0 ||
                                            tw_h5_read_attr_u64(f, "shard_index", &idx) < 0))
        return tw_error_set(err, TW_EDATA, "%s: damaged shard attributes", path);
    if (idx == m->shard_index && cnt == m->shard_count)
        return TW_OK;
    char file[48] = "none", now[48] = "none";
    if (cnt)
        snprintf(file, sizeof file, "%llu/%llu", (unsigned long long)idx, (unsigned long long)cnt);
    if (m->shard_count)
        snprintf(now, sizeof now, "%u/%u", m->shard_index, m->shard_count);
    return tw_error_set(err, TW_ECONFIG, "%s: cannot resume: shard differs (file: %s, now: %s)",
                        path, file, now);
}

/* Every data file read now must have been read, with the same content, when
 * the file was made: compared by hash (a path may differ when the run is
 * resumed from elsewhere). */
static int check_data(hid_t f, const char *now, const char *path, tw_error *err)
{
    char *then = tw_h5_read_attr_strdup(f, "data_sha256");
    if (!then)
        return tw_error_set(err, TW_EDATA, "%s: has no 'data_sha256' attribute (made by an "
                            "older tradewar, or damaged): its data files cannot be checked; "
                            "start the run again", path);
    int rc = TW_OK;
    for (const char *line = now ? now : ""; !rc && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (len > 66) {
            char sha[65];
            memcpy(sha, line, 64);
            sha[64] = '\0';
            if (!strstr(then, sha))
                rc = tw_error_set(err, TW_ECONFIG, "%s: cannot resume: data file %.*s differs "
                                  "from the one the run started with (sha256 now %s; the file "
                                  "lists: %s)", path, (int)(len - 66), line + 66, sha,
                                  then[0] ? then : "none");
        }
        line += len + (nl != NULL);
    }
    free(then);
    return rc;
}

static int verify_for_resume(tw_output *o, const tw_run_meta *m, int *finished, char *note,
                             size_t note_size, tw_error *err)
{
    hid_t f = o->file;
    int rc;
    char fmt[64];
    if (tw_h5_read_attr_str(f, "format", fmt, sizeof fmt) < 0 || strcmp(fmt, TW_FORMAT_NAME))
        return tw_error_set(err, TW_EDATA, "%s: not a tradewar result file", o->path);
    if ((rc = check_attr_str(f, "format_version", TW_FORMAT_VERSION, o->path, err)) ||
        (rc = check_attr_str(f, "model", m->model, o->path, err)) ||
        (rc = check_attr_str(f, "config_sha256", m->config_sha256, o->path, err)) ||
        (rc = check_attr_u64(f, "seed", m->seed, o->path, err)) ||
        (rc = check_attr_str(f, "design", m->design, o->path, err)) ||
        (rc = check_attr_u64(f, "n_samples", m->n_samples, o->path, err)) ||
        (rc = check_attr_u64(f, "block_size", m->block_size, o->path, err)) ||
        (rc = check_shard(f, m, o->path, err)) ||
        (rc = check_data(f, m->data_sha256, o->path, err)))
        return rc;
    char ver[64] = "";
    tw_h5_read_attr_str(f, "engine_version", ver, sizeof ver);
    if (note && note_size && strcmp(ver, TW_VERSION) != 0)
        snprintf(note, note_size, "%s was started by tradewar %s, this is %s: the samples "
                 "computed now come from another engine version", o->path, ver, TW_VERSION);
    int64_t fin = 0;
    tw_h5_read_attr_i64(f, "finished", &fin);
    *finished = fin != 0;
    return TW_OK;
}

static int open_datasets(tw_output *o, tw_error *err)
{
    const tw_model_schema *s = o->schema;
    char name[512];
    for (size_t p = 0; p < o->n_params; p++) {
        snprintf(name, sizeof name, "inputs/%s", tw_params_get(s->params, p)->name);
        if ((o->ds_in[p] = H5Dopen2(o->file, name, H5P_DEFAULT)) < 0)
            return tw_error_set(err, TW_EDATA, "%s: /%s is missing (damaged file?)", o->path, name);
    }
    for (size_t k = 0; k < o->n_outcomes; k++) {
        snprintf(name, sizeof name, "outputs/%s", s->outcomes[k].name);
        if ((o->ds_out[k] = H5Dopen2(o->file, name, H5P_DEFAULT)) < 0)
            return tw_error_set(err, TW_EDATA, "%s: /%s is missing (damaged file?)", o->path, name);
        hsize_t dims[1 + TW_MAX_OUTCOME_DIMS], want[1 + TW_MAX_OUTCOME_DIMS];
        want[0] = o->n;
        outcome_dims(s, &s->outcomes[k], want + 1);
        hid_t sp = H5Dget_space(o->ds_out[k]);
        int nd = H5Sget_simple_extent_dims(sp, dims, NULL);
        H5Sclose(sp);
        if (nd != 1 + s->outcomes[k].ndims || memcmp(dims, want, (size_t)nd * sizeof *dims))
            return tw_error_set(err, TW_EDATA, "%s: /%s has another shape than this model's",
                                o->path, name);
    }
    o->ds_conv = H5Dopen2(o->file, "status/converged", H5P_DEFAULT);
    o->ds_iter = H5Dopen2(o->file, "status/iterations", H5P_DEFAULT);
    o->ds_resid = H5Dopen2(o->file, "status/residual", H5P_DEFAULT);
    o->ds_done = H5Dopen2(o->file, "status/block_done", H5P_DEFAULT);
    if (o->ds_conv < 0 || o->ds_iter < 0 || o->ds_resid < 0 || o->ds_done < 0)
        return tw_error_set(err, TW_EDATA, "%s: /status is incomplete (damaged file?)", o->path);
    return TW_OK;
}

/* A block counts as done only if its flag is set and every row was written
 * (iterations >= 0; the fill value is -1): after a machine crash the flag may
 * have reached the disk before the rows. Such a block is simply recomputed. */
static int distrust_incomplete_blocks(tw_output *o, uint8_t *block_done, tw_error *err)
{
    /* in slabs of whole blocks, ~4 MiB: memory independent of the number
     * of samples (issue 11, flat memory) */
    uint64_t per = ((uint64_t)1 << 20) / o->bs;
    if (per < 1)
        per = 1;
    uint64_t rows = per * o->bs < o->n ? per * o->bs : o->n;
    int32_t *it = malloc((rows ? rows : 1) * sizeof *it);
    if (!it)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    int bad = 0;
    for (uint64_t b0 = 0; !bad && b0 < o->nblocks; b0 += per) {
        uint64_t s0 = b0 * o->bs, s1 = (b0 + per) * o->bs < o->n ? (b0 + per) * o->bs : o->n;
        hsize_t start = s0, count = s1 - s0;
        hid_t fs = H5Dget_space(o->ds_iter);
        hid_t ms = H5Screate_simple(1, &count, NULL);
        bad = fs < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL) < 0 ||
              H5Dread(o->ds_iter, H5T_NATIVE_INT32, ms, fs, H5P_DEFAULT, it) < 0;
        H5Sclose(ms);
        if (fs >= 0)
            H5Sclose(fs);
        for (uint64_t b = b0; !bad && b < b0 + per && b < o->nblocks; b++) {
            uint64_t e = (b + 1) * o->bs < o->n ? (b + 1) * o->bs : o->n;
            for (uint64_t s = b * o->bs; block_done[b] && s < e; s++)
                if (it[s - s0] < 0)
                    block_done[b] = 0;
        }
    }
    free(it);
    return bad ? tw_error_set(err, TW_EDATA, "%s: cannot read /status/iterations", o->path)
               : TW_OK;
}

int tw_output_open_resume(MPI_Comm comm, const char *path, const tw_run_meta *meta,
                          const tw_model_schema *schema, uint8_t *block_done, tw_output **out,
                          int *finished, char *note, size_t note_size, tw_error *err)
{
    *out = NULL;
    *finished = 0;
    if (note && note_size)
        note[0] = '\0';
    tw_h5_quiet();
    tw_output *o = output_alloc(comm, path, meta, schema);
    int rc = o ? TW_OK : tw_error_set(err, TW_ENOMEM, "out of memory");
    if (!rc && !tw_output_exists(path))
        rc = tw_error_set(err, TW_EUSAGE, "%s: no such file to resume", path);
    if (!rc) {
        /* Probe read-only first, so that a damaged file is never opened for
         * writing (HDF5 may touch the superblock on a read-write open). */
        hid_t probe = tw_h5_open(path, H5F_ACC_RDONLY);
        if (probe < 0)
            rc = tw_error_set(err, TW_EDATA, "%s: not an HDF5 file, or truncated/damaged", path);
        else {
            o->file = probe;
            rc = verify_for_resume(o, meta, finished, note, note_size, err);
            if (!rc)
                rc = open_datasets(o, err);
            output_free_handles(o);
            o->dxpl = H5Pcreate(H5P_DATASET_XFER);
            H5Pset_dxpl_mpio(o->dxpl, H5FD_MPIO_COLLECTIVE);
        }
    }
    if ((rc = tw_mpi_agree(comm, rc, err)) || *finished) {
        /* a finished file of the same run is left as it is */
        output_free(o);
        return rc;
    }
    /* the checks passed: this is a start of the run (serial, before the
     * parallel open: the row has variable-length strings) */
    if (o->rank == 0 && meta->history)
        rc = tw_history_append(path, meta->history, err);
    if ((rc = tw_mpi_agree(comm, rc, err))) {
        output_free(o);
        return rc;
    }
    if (meta->history)
        meta->history->appended = 1;
    hid_t fapl = tw_h5_fapl_mpio(comm);
    o->file = H5Fopen(path, H5F_ACC_RDWR, fapl);
    H5Pclose(fapl);
    rc = o->file < 0 ? tw_error_set(err, TW_EIO, "%s: cannot open for writing", path) : TW_OK;
    if (!rc)
        rc = open_datasets(o, err);
    if (!rc && H5Dread(o->ds_done, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, block_done) < 0)
        rc = tw_error_set(err, TW_EDATA, "%s: cannot read /status/block_done", path);
    if (!rc)
        rc = distrust_incomplete_blocks(o, block_done, err);
    if ((rc = tw_mpi_agree(comm, rc, err))) {
        output_free(o);
        return rc;
    }
    /* the decomposition of this session is recorded at the end */
    *out = o;
    return TW_OK;
}

/* ---- blocks ---- */

int tw_output_write_block(tw_output *o, int64_t block, size_t nrows, const double *inputs,
                          const double *outcomes, const tw_eval_status *status, tw_error *err)
{
    int mine = block >= 0 && nrows > 0;
    uint64_t s0 = mine ? (uint64_t)block * o->bs : 0;
    int bad = 0;
    /* Independent transfers: each rank writes its own rows (whole rows of
     * every dataset, disjoint from every other rank's; the chunks were
     * allocated at creation and have no filters, so the bytes go straight
     * to their place in the file), and a rank without a block writes
     * nothing. Collective transfers cost a synchronisation of all ranks per
     * dataset (~70 per round for the trade model): microseconds on a quiet
     * node, but a scheduling quantum each on a loaded one (2 ranks on 2
     * busy cores: the writes took as long as the evaluations). The block's
     * rows and its flag come from the same rank, so the flag still follows
     * its rows. */
    hid_t x = o->dxpl_ind;
    if (mine) {
        /* Each dataset's columns are packed into one contiguous buffer
         * first: handed a strided memory selection, HDF5 gathers element by
         * element (callgrind: 58 M instructions per 256-row block of the
         * default scenario, 3.6% of the run, on the one thread that writes). */
        for (size_t p = 0; p < o->n_params; p++) {
            for (size_t r = 0; r < nrows; r++)
                o->pack[r] = inputs[r * o->n_params + p];
            bad |= tw_h5_write_cols(o->ds_in[p], x, 1, s0, nrows, o->pack, 1, 0, 1) < 0;
        }
        size_t off = 0;
        for (size_t k = 0; k < o->n_outcomes; k++) {
            size_t sz = tw_outcome_size(o->schema, k);
            for (size_t r = 0; r < nrows; r++)
                memcpy(o->pack + r * sz, outcomes + r * o->row_size + off, sz * sizeof *o->pack);
            bad |= tw_h5_write_cols(o->ds_out[k], x, 1, s0, nrows, o->pack, sz, 0, sz) < 0;
            off += sz;
        }
        for (size_t r = 0; r < nrows; r++) {
            o->conv[r] = (uint8_t)(status[r].converged != 0);
            o->iter[r] = status[r].iterations;
            o->resid[r] = status[r].residual;
        }
        bad |= tw_h5_write_rows(o->ds_conv, x, H5T_NATIVE_UINT8, 1, s0, nrows, 1, o->conv) < 0;
        bad |= tw_h5_write_rows(o->ds_iter, x, H5T_NATIVE_INT32, 1, s0, nrows, 1, o->iter) < 0;
        bad |= tw_h5_write_rows(o->ds_resid, x, H5T_NATIVE_DOUBLE, 1, s0, nrows, 1, o->resid) < 0;
        /* The flag follows the rows. Parallel HDF5 hands raw data straight
         * to MPI-IO (no chunk cache) and the metadata never changes after
         * creation, so once these writes return, both are in the operating
         * system's hands: a killed process loses nothing written. Against a
         * machine crash, which may persist pages out of order,
         * tw_output_sync() fsyncs periodically and a resume trusts a flag
         * only if the block's rows are all there (iterations >= 0, see
         * open_resume). One fsync per block would cost more than small
         * blocks compute. */
        const uint8_t one = 1;
        bad |= tw_h5_write_rows(o->ds_done, x, H5T_NATIVE_UINT8, 1, (uint64_t)block, 1, 1,
                                &one) < 0;
    }
    int rc = bad ? tw_error_set(err, TW_EIO, "%s: writing block %lld failed (disk full or file "
                                "system error); completed blocks are kept, use --resume",
                                o->path, (long long)block)
                 : TW_OK;
    if ((rc = tw_mpi_agree(o->comm, rc, err)))
        tw_mpi_abort(o->comm, err);
    return TW_OK;
}

int tw_output_sync(tw_output *o, tw_error *err)
{
    int rc = H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0
                 ? tw_error_set(err, TW_EIO, "%s: flush to disk failed (disk full or file system "
                                "error); completed blocks are kept, use --resume", o->path)
                 : TW_OK;
    if ((rc = tw_mpi_agree(o->comm, rc, err)))
        tw_mpi_abort(o->comm, err);
    return TW_OK;
}

int tw_output_close(tw_output *o, tw_error *err)
{
    if (!o)
        return TW_OK;
    int rc = TW_OK;
    if (o->file >= 0 && H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0)
        rc = tw_error_set(err, TW_EIO, "%s: final flush failed (disk full or file system "
                          "error); completed blocks are kept, use --resume", o->path);
    if ((rc = tw_mpi_agree(o->comm, rc, err)))
        tw_mpi_abort(o->comm, err);
    output_free(o);
    return TW_OK;
}

int tw_output_read_n_converged(const char *path, uint64_t *n_converged, tw_error *err)
{
    tw_h5_quiet();
    hid_t f = tw_h5_open(path, H5F_ACC_RDONLY);
    int rc = f < 0 || tw_h5_read_attr_u64(f, "n_converged", n_converged) < 0
                 ? tw_error_set(err, TW_EIO, "%s: cannot read the attribute n_converged", path)
                 : TW_OK;
    if (f >= 0)
        H5Fclose(f);
    return rc;
}
