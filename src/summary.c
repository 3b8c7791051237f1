/* The summary pass: statistics of every outcome element over the converged
 * samples, computed from the file itself after the last block.
 *
 * Why from the file: the summary must be bitwise identical whatever the
 * decomposition and however often the run was resumed, and exact quantiles
 * need every value. Each rank opens the finished file read-only, owns the
 * outcome elements ("columns") c with c % size == rank, reads sample slabs and
 * keeps its columns in buffers bounded by a memory budget (several passes if
 * needed), summarises each column in sample order (stats.c), and sends the
 * results to rank 0, which writes /summary and the final attributes. */
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"
#include "mpiutil.h"
#include "summary_group.h"
#include "tradewar/output.h"
#include "tradewar/stats.h"

typedef struct col_result {
    uint64_t col;
    tw_summary s;
} col_result;

/* Read converged flags [n] (every rank needs them as the mask). */
static int read_mask(hid_t f, uint64_t n, uint8_t *mask)
{
    hid_t ds = H5Dopen2(f, "status/converged", H5P_DEFAULT);
    if (ds < 0)
        return -1;
    herr_t st = n ? H5Dread(ds, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, mask) : 0;
    H5Dclose(ds);
    return st < 0 ? -1 : 0;
}

/* Summarise the columns [cols] of one outcome dataset. */
static int summarise_outcome(hid_t ds, uint64_t n, size_t elems, const size_t *cols, size_t ncols,
                             const uint8_t *mask, size_t mem_budget, uint64_t colbase,
                             col_result *out)
{
    size_t per_col = (size_t)n * sizeof(double);
    size_t group = per_col ? mem_budget / per_col : ncols;
    if (group < 1)
        group = 1;
    /* sample slab: rows whose full width fits in ~32 MiB */
    size_t slab = elems ? (32u << 20) / (elems * sizeof(double)) : 1;
    if (slab < 1)
        slab = 1;
    if (slab > n)
        slab = (size_t)n;
    double *rows = malloc((slab ? slab : 1) * elems * sizeof *rows);
    double *scratch = malloc((n ? n : 1) * sizeof *scratch);
    double *buf = NULL;
    int rc = (!rows || !scratch) ? -1 : 0;
    hid_t fs = H5Dget_space(ds);
    int nd = H5Sget_simple_extent_ndims(fs);
    for (size_t g0 = 0; !rc && g0 < ncols; g0 += group) {
        size_t gn = ncols - g0 < group ? ncols - g0 : group;
        free(buf);
        buf = malloc(gn * (n ? n : 1) * sizeof *buf);
        if (!buf) {
            rc = -1;
            break;
        }
        for (uint64_t s0 = 0; !rc && s0 < n; s0 += slab) {
            size_t cnt = (size_t)(n - s0 < slab ? n - s0 : slab);
            hsize_t start[1 + TW_MAX_OUTCOME_DIMS] = {0}, count[1 + TW_MAX_OUTCOME_DIMS];
            H5Sget_simple_extent_dims(fs, count, NULL);
            start[0] = s0;
            count[0] = cnt;
            H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
            hsize_t mdim = (hsize_t)cnt * elems;
            hid_t ms = H5Screate_simple(1, &mdim, NULL);
            if (H5Dread(ds, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, rows) < 0)
                rc = -1;
            H5Sclose(ms);
            for (size_t j = 0; !rc && j < gn; j++) {
                size_t e = cols[g0 + j];
                double *dst = buf + j * n + s0;
                for (size_t r = 0; r < cnt; r++)
                    dst[r] = rows[r * elems + e];
            }
        }
        for (size_t j = 0; !rc && j < gn; j++) {
            out[g0 + j].col = colbase + cols[g0 + j];
            tw_stats_summarise(buf + j * n, (size_t)n, 1, mask, scratch, &out[g0 + j].s);
        }
    }
    (void)nd;
    H5Sclose(fs);
    free(buf);
    free(rows);
    free(scratch);
    return rc;
}

/* Dimension scales of one /summary/<outcome> group: its own copies of the
 * labels, the quantile levels and the bin indices, so that a netCDF reader
 * opening the group (xarray's group=) gets labelled coordinates. */
static int write_summary_scales(hid_t g, const tw_model_schema *s, const tw_outcome_info *oi)
{
    int bad = 0;
    for (int d = 0; d < oi->ndims; d++) {
        const tw_dimension *dim = &s->dims[oi->dims[d]];
        hid_t ds = tw_h5_write_labels(g, dim->name, dim->labels, dim->size);
        bad |= ds < 0 || tw_h5_make_scale(ds, dim->name, "1",
                                          dim->description ? dim->description : dim->name) < 0;
        if (ds >= 0)
            H5Dclose(ds);
    }
    hsize_t nq = TW_STATS_NQUANT;
    hid_t ds = tw_h5_write_full_typed(g, "quantile_levels", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1,
                                      &nq, tw_stats_quantile_levels, H5P_DEFAULT, 1);
    bad |= ds < 0 || tw_h5_make_scale(ds, "quantile_levels", "1",
                                      "probability levels of the quantiles dataset") < 0;
    if (ds >= 0)
        H5Dclose(ds);
    ds = tw_h5_write_index_scale(g, "bin", TW_STATS_NBINS, H5P_DEFAULT, 1, "histogram bin index");
    bad |= ds < 0;
    if (ds >= 0)
        H5Dclose(ds);
    ds = tw_h5_write_index_scale(g, "bin_edge", TW_STATS_NBINS + 1, H5P_DEFAULT, 1,
                                 "histogram bin edge index");
    bad |= ds < 0;
    if (ds >= 0)
        H5Dclose(ds);
    return bad ? -1 : 0;
}

/* A whole serial dataset over the outcome's elements (and, if last, one more
 * dimension with that scale), the group's scales attached, closed at once. */
static int put_elem(hid_t g, const tw_model_schema *s, const tw_outcome_info *oi, const char *last,
                    const char *name, hid_t filetype, hid_t memtype, const hsize_t *dims,
                    const void *data, const char *units, const char *description)
{
    int nd = oi->ndims + (last != NULL);
    hid_t ds = tw_h5_write_dataset(g, name, filetype, memtype, nd, dims, data, H5P_DEFAULT, 1,
                                   units, description);
    if (ds < 0)
        return 1;
    int bad = 0;
    for (int d = 0; d < oi->ndims; d++)
        bad |= tw_h5_attach(ds, g, (unsigned)d, s->dims[oi->dims[d]].name) < 0;
    if (last)
        bad |= tw_h5_attach(ds, g, (unsigned)oi->ndims, last) < 0;
    H5Dclose(ds);
    return bad;
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
    int bad = !v || !u || write_summary_scales(g, s, oi) < 0;
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
        bad |= put_elem(g, s, oi, NULL, names[m], H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, dims, v,
                        oi->units, descr[m]);
    }
    if (!bad) {
        for (size_t e = 0; e < elems; e++)
            u[e] = sums[e].count;
        bad |= put_elem(g, s, oi, NULL, "count", H5T_STD_U64LE, H5T_NATIVE_UINT64, dims, u, "1",
                        "number of values used (converged and finite)");
    }
    if (!bad) {
        dims[nd] = TW_STATS_NQUANT;
        for (size_t e = 0; e < elems; e++)
            memcpy(v + e * TW_STATS_NQUANT, sums[e].quantiles, sizeof sums[e].quantiles);
        bad |= put_elem(g, s, oi, "quantile_levels", "quantiles", H5T_IEEE_F64LE,
                        H5T_NATIVE_DOUBLE, dims, v, oi->units,
                        "quantiles at /summary/quantile_levels (linear interpolation, numpy's "
                        "default)");
    }
    if (!bad) {
        dims[nd] = TW_STATS_NBINS;
        for (size_t e = 0; e < elems; e++)
            memcpy(u + e * TW_STATS_NBINS, sums[e].hist_counts, sizeof sums[e].hist_counts);
        bad |= put_elem(g, s, oi, "bin", "hist_counts", H5T_STD_U64LE, H5T_NATIVE_UINT64, dims, u,
                        "1", "histogram counts over equal-width bins");
        dims[nd] = TW_STATS_NBINS + 1;
        for (size_t e = 0; e < elems; e++)
            memcpy(v + e * width, sums[e].hist_edges, sizeof sums[e].hist_edges);
        bad |= put_elem(g, s, oi, "bin_edge", "hist_edges", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                        dims, v, oi->units, "histogram bin edges, from min to max");
    }
    free(v);
    free(u);
    H5Gclose(g);
    return bad ? -1 : 0;
}

static int write_all(const volatile sig_atomic_t *stop, const char *path,
                     const tw_model_schema *s, const tw_run_meta *meta,
                     const tw_summary *all, uint64_t n_conv, double elapsed, tw_error *err)
{
    hid_t f = tw_h5_open(path, H5F_ACC_RDWR);
    if (f < 0)
        return tw_error_set(err, TW_EIO, "%s: cannot reopen to write the summary", path);
    int bad = 0;
    if (H5Lexists(f, "summary", H5P_DEFAULT) > 0)
        bad |= H5Ldelete(f, "summary", H5P_DEFAULT) < 0; /* stale from an interrupted finish */
    hid_t gsum = H5Gcreate2(f, "summary", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    bad |= gsum < 0;
    if (gsum >= 0) {
        hsize_t nq = TW_STATS_NQUANT;
        hid_t ql = tw_h5_write_dataset(gsum, "quantile_levels", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                                       1, &nq, tw_stats_quantile_levels, H5P_DEFAULT, 1, "1",
                                       "probability levels of the quantiles datasets");
        bad |= ql < 0 || H5DSset_scale(ql, "quantile_levels") < 0;
        if (ql >= 0)
            H5Dclose(ql);
        tw_h5_attr_u64(gsum, "n_converged", n_conv);
        tw_h5_attr_u64(gsum, "n_samples", meta->n_samples);
        size_t off = 0;
        for (size_t k = 0; !bad && k < s->n_outcomes; k++) {
            bad |= tw_summary_write_group(gsum, s, k, all + off, n_conv, meta->n_samples) < 0;
            off += tw_outcome_size(s, k);
        }
        H5Gclose(gsum);
    }
    /* the final attributes, 'finished' last: a crash before it leaves a
     * resumable file whose blocks are all done (resume redoes the summary) */
    bad |= tw_h5_attr_u64(f, "n_converged", n_conv) < 0;
    bad |= tw_h5_attr_f64(f, "elapsed_seconds", elapsed) < 0;
    bad |= tw_h5_attr_i64(f, "mpi_ranks", meta->mpi_ranks) < 0;
    bad |= tw_h5_attr_i64(f, "omp_threads", meta->omp_threads) < 0;
    bad |= H5Fflush(f, H5F_SCOPE_GLOBAL) < 0;
    if (!bad && stop && *stop) {
        /* a stop during the write: leave finished = 0, resume redoes it */
        int sig = (int)*stop;
        H5Fclose(f);
        return tw_error_set(err, TW_EINTERRUPTED, "stopped by signal %d while writing the "
                            "summary; every block is done and %s is consistent: run again with "
                            "--resume to finish it (the summary is redone)", sig, path);
    }
    bad |= tw_h5_attr_i64(f, "finished", 1) < 0;
    bad |= H5Fclose(f) < 0;
    return bad ? tw_error_set(err, TW_EIO, "%s: writing the summary failed (disk full?)", path)
               : TW_OK;
}

int tw_output_finalize(MPI_Comm comm, const char *path, const tw_model_schema *s,
                       const tw_run_meta *meta, double elapsed, size_t mem_budget,
                       const volatile sig_atomic_t *stop, tw_error *err)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    tw_h5_quiet();
    uint64_t n = meta->n_samples;
    size_t total = tw_outcome_row_size(s);
    uint8_t *mask = malloc(n ? n : 1);
    col_result *mine = malloc((total / (size_t)size + 2) * sizeof *mine);
    size_t *cols = malloc((total + 1) * sizeof *cols);
    int rc = (!mask || !mine || !cols) ? tw_error_set(err, TW_ENOMEM, "out of memory") : TW_OK;
    size_t nmine = 0;
    uint64_t n_conv = 0;
    hid_t f = -1;
    if (!rc) {
        f = tw_h5_open(path, H5F_ACC_RDONLY);
        if (f < 0 || read_mask(f, n, mask) < 0)
            rc = tw_error_set(err, TW_EIO, "%s: cannot read /status/converged", path);
    }
    for (uint64_t i = 0; !rc && i < n; i++)
        n_conv += mask[i] != 0;
    size_t off = 0;
    for (size_t k = 0; !rc && k < s->n_outcomes; k++) {
        if (stop && *stop) {
            rc = tw_error_set(err, TW_EINTERRUPTED, "stopped by signal %d during the summary "
                              "pass; every block is done and %s is consistent: run again with "
                              "--resume to finish it (the pass is redone)", (int)*stop, path);
            break;
        }
        size_t elems = tw_outcome_size(s, k), nc = 0;
        for (size_t e = 0; e < elems; e++)
            if ((off + e) % (size_t)size == (size_t)rank)
                cols[nc++] = e;
        if (nc) {
            char name[512];
            snprintf(name, sizeof name, "outputs/%s", s->outcomes[k].name);
            hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
            if (ds < 0 || summarise_outcome(ds, n, elems, cols, nc, mask, mem_budget, off,
                                            mine + nmine) < 0)
                rc = tw_error_set(err, TW_EIO, "%s: cannot read /%s for the summary", path, name);
            if (ds >= 0)
                H5Dclose(ds);
            nmine += nc;
        }
        off += elems;
    }
    if (f >= 0)
        H5Fclose(f);
    free(mask);
    free(cols);

    /* everyone must know if anyone failed (or was stopped) before the
     * gather, and all report the same */
    if ((rc = tw_mpi_agree(comm, rc, err))) {
        free(mine);
        return rc;
    }
    int bytes = (int)(nmine * sizeof *mine);
    col_result *got = NULL;
    tw_summary *all = NULL;
    if (rank == 0) {
        got = malloc((total + 1) * sizeof *got);
        all = malloc((total + 1) * sizeof *all);
    }
    tw_mpi_gather_to_root(comm, mine, bytes, MPI_BYTE, got);
    free(mine);
    if (rank == 0) {
        for (size_t i = 0; i < total; i++)
            all[got[i].col] = got[i].s;
        rc = write_all(stop, path, s, meta, all, n_conv, elapsed, err);
        free(got);
        free(all);
    }
    int code = rc;
    MPI_Bcast(&code, 1, MPI_INT, 0, comm);
    if (code && rank != 0)
        tw_error_set(err, code, "%s: rank 0 failed to write the summary", path);
    return code;
}
