/* A new HDF5 result file: the groups, dimension scales, datasets and their
 * fill, the baseline and the root attributes (tw_output_create), and the
 * stop flag watched during the fill. */
#include "tradewar/output.h"

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
#include "output_int.h"
#include "phases.h" /* tw_part_*: the fill's seconds for TW_PHASE_TIMES */
#include "tw_version.h"

/* ---- layout ---- */

static const char *dim_name(const tw_model_schema *s, int d) { return s->dims[d].name; }

/* netCDF readers (xarray's group=) see the coordinate variables of the group
 * they open only, so every group whose datasets have a dimension holds its
 * own copy of that dimension's scale: labels (region, sector, partner) in
 * the groups below, the sample index in sample_groups. */
static const char *const label_groups[] = {"/", "outputs", "baseline/data",
                                           "baseline/central/outputs"};
static const char *const sample_groups[] = {"/", "inputs", "outputs", "status"};

static int write_scales(tw_output *o, tw_error *err);
static int create_datasets(tw_output *o, tw_error *err);
static int write_baseline(tw_output *o, const double *cp, const double *co,
                          const tw_eval_status *cs, tw_error *err);
static void write_root_attrs(tw_output *o, const tw_run_meta *m);

/* The whole layout, written by rank 0 on a serially opened file before
 * everyone opens it in parallel: the groups, the label scales (labels are
 * variable-length strings, which parallel HDF5 cannot write), the root
 * attributes, the sample scales, the per-sample datasets (chunks allocated,
 * not filled: tw_output_fill), their dimension scales and the baseline.
 * Laid out in parallel, every rank replayed every metadata operation and
 * the ranks synchronised on them: on 2 ranks the start-up took 0.03 s
 * against 0.02 s on 1 (issue 12 item 3); serial, it costs what 1 rank
 * costs whatever the number of ranks, and the file's objects are the same
 * (h5diff). On failure nothing is left behind except a file that was there
 * before (never touched). */
static int create_layout(tw_output *o, const tw_run_meta *meta, int force, const double *cp,
                         const double *co, const tw_eval_status *cs, tw_error *err)
{
    int central = cp && co;
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
    int rc = TW_OK;
    if (!bad) {
        /* the functions below write through o: the serial handle, default
         * (serial) transfers */
        hid_t pdxpl = o->dxpl;
        o->file = f;
        o->dxpl = H5P_DEFAULT;
        write_root_attrs(o, meta);
        rc = write_scales(o, err);
        if (!rc)
            rc = create_datasets(o, err);
        if (!rc)
            rc = write_baseline(o, cp, co, cs, err);
        tw_output_close_datasets(o);
        o->file = -1;
        o->dxpl = pdxpl;
    }
    bad |= H5Fclose(f) < 0;
    if (bad || rc) {
        unlink(o->path);
        return rc ? rc
                  : tw_error_set(err, TW_EIO, "%s: cannot lay out the result file (disk full?)",
                                 o->path);
    }
    return TW_OK;
}

/* The sample scales (rank 0, in the serial layout: create_layout). */
static int write_scales(tw_output *o, tw_error *err)
{
    int bad = 0;
    for (size_t g = 0; !bad && g < sizeof sample_groups / sizeof *sample_groups; g++) {
        hid_t gid = H5Gopen2(o->file, sample_groups[g], H5P_DEFAULT);
        hid_t ds = gid < 0 ? -1
                           : tw_h5_write_index_scale(gid, "sample", o->n, o->dxpl, 1,
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
                       : tw_h5_write_index_scale(gst, "block", o->nblocks, o->dxpl, 1,
                                                 "block index b: samples [b*block_size, "
                                                 "(b+1)*block_size)");
    bad |= ds < 0;
    if (ds >= 0)
        H5Dclose(ds);
    if (gst >= 0)
        H5Gclose(gst);
    return bad ? tw_error_set(err, TW_EIO, "%s: cannot write the sample scales", o->path) : TW_OK;
}

/* Attach the scales of the group of at: "sample" to dimension 0 if
 * sample_dim, then the model dimensions dims[] (in bulk: tw_h5_attacher,
 * the lists written once per dataset and scale instead of rewritten at every
 * attachment). */
static int attach_scales(tw_output *o, tw_h5_attacher *at, hid_t ds, int sample_dim, int ndims,
                         const int *dims)
{
    const char *names[1 + TW_MAX_OUTCOME_DIMS];
    int nd = 0;
    if (sample_dim)
        names[nd++] = "sample";
    for (int d = 0; d < ndims; d++)
        names[nd++] = dim_name(o->schema, dims[d]);
    return nd ? tw_h5_attacher_add(at, ds, nd, names) : 0;
}

void tw_output_outcome_dims(const tw_model_schema *s, const tw_outcome_info *oi, hsize_t *dims)
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
 * (rows not filled yet read as 0 until then). Each rank writes its own
 * contiguous rows with independent transfers, as the blocks are written
 * (tw_output_write_block): a collective transfer funnelled the fill through
 * MPI-IO's aggregator, and on 2 ranks of one node it took 0.06-0.07 s
 * against 0.03 s on 1 rank; independent, each rank's half takes 0.03 s
 * (issue 12 item 3). Only the per-slab agreement stays collective. */
#define TW_FILL_BYTES ((size_t)8 << 20)

static const volatile sig_atomic_t *stop_flag;

void tw_output_watch_stop(const volatile sig_atomic_t *flag) { stop_flag = flag; }

static int defer_fill;

void tw_output_defer_fill(int on) { defer_fill = on; }

int tw_output_fill_pending(const tw_output *o) { return o && o->fill_pending; }

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
            bad |= tw_h5_write_cols(o->ds_in[p], o->dxpl_ind, mine, a, m, nan, 1, 0, 1) < 0;
        for (size_t k = 0; k < o->n_outcomes; k++) {
            size_t w = tw_outcome_size(o->schema, k);
            bad |= tw_h5_write_cols(o->ds_out[k], o->dxpl_ind, mine, a, m, nan, w, 0, w) < 0;
        }
        bad |= tw_h5_write_rows(o->ds_conv, o->dxpl_ind, H5T_NATIVE_UINT8, mine, a, m, 1, zero) < 0;
        bad |= tw_h5_write_rows(o->ds_iter, o->dxpl_ind, H5T_NATIVE_INT32, mine, a, m, 1, minus1) < 0;
        bad |= tw_h5_write_rows(o->ds_resid, o->dxpl_ind, H5T_NATIVE_DOUBLE, mine, a, m, 1, nan) < 0;
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

int tw_output_fill(tw_output *o, tw_error *err)
{
    if (!o || !o->fill_pending)
        return TW_OK;
    o->fill_pending = 0;
    tw_part_clock pt;
    double fw = 0, fc = 0;
    tw_part_start(&pt);
    int rc = fill_datasets(o, err); /* agreed by every rank, slab by slab */
    tw_part_add(&pt, &fw, &fc);
    /* split over the ranks; over the threads overlapped with the first
     * round's evaluations (hidden as long as they take longer) */
    tw_part_report(o->rank, "fill, overlapped", fw, fc);
    if (rc && rc != TW_EINTERRUPTED) {
        /* a file that failed while being laid out is useless: remove it */
        if (o->rank == 0)
            unlink(o->path);
        tw_mpi_abort(o->comm, err);
    }
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
    tw_h5_attacher *at_in = tw_h5_attacher_new(g_in), *at_out = tw_h5_attacher_new(g_out);
    tw_h5_attacher *at_st = tw_h5_attacher_new(g_st);
    if (g_in < 0 || g_out < 0 || g_st < 0 || !at_in || !at_out || !at_st) {
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
        attach_scales(o, at_in, o->ds_in[p], 1, 0, NULL);
    }
    for (size_t k = 0; k < o->n_outcomes; k++) {
        const tw_outcome_info *oi = &s->outcomes[k];
        hsize_t dims[1 + TW_MAX_OUTCOME_DIMS], chunk[1 + TW_MAX_OUTCOME_DIMS];
        dims[0] = n;
        tw_output_outcome_dims(s, oi, dims + 1);
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
        if (attach_scales(o, at_out, o->ds_out[k], 1, oi->ndims, oi->dims) < 0) {
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
    attach_scales(o, at_st, o->ds_conv, 1, 0, NULL);
    attach_scales(o, at_st, o->ds_iter, 1, 0, NULL);
    attach_scales(o, at_st, o->ds_resid, 1, 0, NULL);
    static const char *const block[] = {"block"};
    tw_h5_attacher_add(at_st, o->ds_done, 1, block);
done:;
    /* the scales' lists (also after a failure: the attachers are freed) */
    int abad = tw_h5_attacher_finish(at_in) < 0;
    abad |= tw_h5_attacher_finish(at_out) < 0;
    abad |= tw_h5_attacher_finish(at_st) < 0;
    if (abad && !rc)
        rc = tw_error_set(err, TW_EIO, "%s: cannot attach the dimension scales", o->path);
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
    const int w = 1; /* rank 0 writes it all (create_layout) */
    hid_t gb = H5Gopen2(o->file, "baseline", H5P_DEFAULT);
    if (gb < 0)
        return tw_error_set(err, TW_EIO, "%s: cannot create /baseline", o->path);
    int bad = 0;
    if (s->n_baseline) {
        hid_t gd = H5Gopen2(gb, "data", H5P_DEFAULT);
        tw_h5_attacher *at = gd >= 0 ? tw_h5_attacher_new(gd) : NULL;
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
                attach_scales(o, at, ds, 0, ai->ndims, ai->dims);
                H5Dclose(ds);
            }
        }
        bad |= gd < 0 || tw_h5_attacher_finish(at) < 0;
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
        tw_h5_attacher *at = go >= 0 ? tw_h5_attacher_new(go) : NULL;
        for (size_t k = 0; go >= 0 && k < o->n_outcomes; k++) {
            const tw_outcome_info *oi = &s->outcomes[k];
            hsize_t dims[TW_MAX_OUTCOME_DIMS];
            tw_output_outcome_dims(s, oi, dims);
            hid_t ds = tw_h5_write_dataset(go, oi->name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                                           oi->ndims, dims, co + off, o->dxpl, w, oi->units,
                                           oi->description);
            bad |= ds < 0;
            if (ds >= 0) {
                attach_scales(o, at, ds, 0, oi->ndims, oi->dims);
                H5Dclose(ds);
            }
            off += tw_outcome_size(s, k);
        }
        bad |= go >= 0 && tw_h5_attacher_finish(at) < 0;
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
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
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

int tw_output_create(MPI_Comm comm, const char *path, const tw_run_meta *meta,
                     const tw_model_schema *schema, int force, const double *central_params,
                     const double *central_outcomes, const tw_eval_status *central_status,
                     tw_output **out, tw_error *err)
{
    *out = NULL;
    tw_h5_quiet();
    tw_output *o = tw_output_alloc(comm, path, meta, schema);
    int rc = o ? TW_OK : tw_error_set(err, TW_ENOMEM, "out of memory");
    if ((rc = tw_mpi_agree(comm, rc, err))) {
        tw_output_free(o);
        return rc;
    }
    if (o->rank == 0)
        rc = create_layout(o, meta, force, central_params, central_outcomes, central_status, err);
    if (o->rank == 0 && !rc && meta->history &&
        (rc = tw_history_append(path, meta->history, err)))
        unlink(path);
    if ((rc = tw_mpi_agree(comm, rc, err))) {
        tw_output_free(o);
        return rc;
    }
    rc = tw_output_open_rw(o, meta, err);
    if (!rc)
        rc = tw_output_open_datasets(o, err);
    if ((rc = tw_mpi_agree(comm, rc, err))) {
        int rank = o->rank;
        tw_output_free(o);
        if (rank == 0)
            unlink(path);
        return rc;
    }
    if (defer_fill) {
        o->fill_pending = 1; /* tw_output_fill, before the first block */
    } else if (!rc) {
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
