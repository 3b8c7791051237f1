/* Results by regime (summary_by.h): the summary pass once per level of the
 * named Bernoulli and discrete parameters.
 *
 * Like the summary pass it reads the file after the last block: rank r owns
 * the outcome elements c with c % size == r, reads each of its columns whole
 * and summarises it once per (parameter, level) with the level's mask
 * (converged and input == level value), in sample order, so the result is
 * the same for any decomposition. Rank 0 gathers and writes /summary_by with
 * the writer of /summary. */
#include "tradewar/summary_by.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"
#include "mpiutil.h"
#include "summary_group.h"
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

static int read_rows(hid_t f, const char *name, hid_t memtype, uint64_t n, void *buf)
{
    hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
    if (ds < 0)
        return -1;
    int rc = 0;
    if (n) {
        hid_t fs = H5Dget_space(ds);
        hsize_t start = 0, count = n;
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL);
        hid_t ms = H5Screate_simple(1, &count, NULL);
        rc = H5Dread(ds, memtype, ms, fs, H5P_DEFAULT, buf) < 0 ? -1 : 0;
        H5Sclose(ms);
        H5Sclose(fs);
    }
    H5Dclose(ds);
    return rc;
}

typedef struct col_res {
    uint64_t col;
    tw_summary s;
} col_res;

/* Reads the inputs once to make one mask per (parameter, level): converged
 * and input == level, with each level's sample and converged counts. */
static int build_level_masks(hid_t f, const char *path, const tw_summary_by *b, uint64_t n,
                             const uint8_t *conv, double *x, uint8_t *masks, uint64_t *lcount,
                             uint64_t *lconv, tw_error *err)
{
    for (size_t i = 0, l0 = 0; i < b->n; l0 += b->p[i].n, i++) {
        char name[512];
        snprintf(name, sizeof name, "inputs/%s", b->p[i].name);
        if (read_rows(f, name, H5T_NATIVE_DOUBLE, n, x) < 0)
            return tw_error_set(err, TW_EIO, "%s: cannot read /%s", path, name);
        for (size_t l = 0; l < b->p[i].n; l++) {
            uint8_t *m = masks + (l0 + l) * n;
            for (uint64_t s = 0; s < n; s++) {
                int at = x[s] == b->p[i].values[l];
                m[s] = (uint8_t)(at && conv[s]);
                lcount[l0 + l] += (uint64_t)at;
                lconv[l0 + l] += m[s];
            }
        }
    }
    return TW_OK;
}

/* This rank's share of the work: the output columns dealt round-robin over
 * the ranks, each summarised once per level into mine (nmine records). */
static int summarise_my_columns(hid_t f, const char *path, const tw_model_schema *sch,
                                uint64_t n, size_t L, const uint8_t *masks, int rank, int size,
                                col_res *mine, size_t *nmine_out, tw_error *err)
{
    size_t total = tw_outcome_row_size(sch);
    size_t nmine = 0, off = 0;
    int rc = TW_OK;
    size_t *cols = malloc((total + 1) * sizeof *cols);
    if (!cols)
        rc = tw_error_set(err, TW_ENOMEM, "out of memory (summary by regime)");
    for (size_t k = 0; !rc && k < sch->n_outcomes; k++) {
        size_t elems = tw_outcome_size(sch, k), nc = 0;
        for (size_t e = 0; e < elems; e++)
            if ((off + e) % (size_t)size == (size_t)rank)
                cols[nc++] = e;
        if (nc) {
            char name[512];
            snprintf(name, sizeof name, "outputs/%s", sch->outcomes[k].name);
            double *buf = malloc(nc * (n ? n : 1) * sizeof *buf);
            hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
            if (!buf || ds < 0 || tw_h5_read_columns(ds, n, elems, cols, nc, buf) < 0)
                rc = tw_error_set(err, TW_EIO, "%s: cannot read /%s", path, name);
            if (ds >= 0)
                H5Dclose(ds);
            /* the rank's threads share the columns; each (column, level)
             * is one summary in sample order, stored at a fixed place */
            int fail = 0;
            col_res *dst = mine + nmine;
#pragma omp parallel reduction(| : fail) if (!rc && nc > 1)
            {
                double *tscratch = malloc((n ? n : 1) * sizeof *tscratch);
                fail |= !tscratch;
#pragma omp for schedule(dynamic, 1)
                for (size_t c = 0; c < nc; c++)
                    for (size_t l = 0; tscratch && !rc && l < L; l++) {
                        dst[c * L + l].col = (off + cols[c]) * L + l;
                        tw_stats_summarise(buf + c * n, (size_t)n, 1, masks + l * n, tscratch,
                                           &dst[c * L + l].s);
                    }
                free(tscratch);
            }
            if (!rc && fail)
                rc = tw_error_set(err, TW_ENOMEM, "out of memory (summary by regime)");
            nmine += nc * L;
            free(buf);
        }
        off += elems;
    }
    free(cols);
    *nmine_out = nmine;
    return rc;
}

/* Rank 0: /summary_by/<parameter>/<level>/ from all the gathered summaries
 * (all[column * L + level]). Returns nonzero if any HDF5 call failed. */
static int write_summary_by_groups(const char *path, const tw_model_schema *sch,
                                   const tw_summary_by *b, size_t L, const tw_summary *all,
                                   tw_summary *lev, const uint64_t *lcount, const uint64_t *lconv)
{
    hid_t fw = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    int wbad = fw < 0;
    if (!wbad && H5Lexists(fw, "summary_by", H5P_DEFAULT) > 0)
        wbad |= H5Ldelete(fw, "summary_by", H5P_DEFAULT) < 0; /* interrupted finish */
    hid_t gb = wbad ? -1 : H5Gcreate2(fw, "summary_by", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
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
            hid_t gl = H5Gcreate2(gp, ln, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            wbad |= gl < 0;
            if (gl < 0)
                break;
            wbad |= tw_h5_attr_f64(gl, "value", b->p[i].values[l]) < 0;
            wbad |= tw_h5_attr_u64(gl, "n_samples", lcount[l0 + l]) < 0;
            wbad |= tw_h5_attr_u64(gl, "n_converged", lconv[l0 + l]) < 0;
            size_t o = 0;
            for (size_t k = 0; !wbad && k < sch->n_outcomes; k++) {
                size_t elems = tw_outcome_size(sch, k);
                for (size_t e = 0; e < elems; e++)
                    lev[e] = all[(o + e) * L + l0 + l];
                wbad |= tw_summary_write_group(gl, sch, k, lev, lconv[l0 + l],
                                               lcount[l0 + l]) < 0;
                o += elems;
            }
            H5Gclose(gl);
        }
        if (gp >= 0)
            H5Gclose(gp);
    }
    if (gb >= 0)
        H5Gclose(gb);
    if (fw >= 0)
        wbad |= H5Fclose(fw) < 0;
    return wbad;
}

int tw_summary_by_write(MPI_Comm comm, const char *path, const tw_model_schema *sch,
                        const tw_summary_by *b, uint64_t n, tw_error *err)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    tw_h5_quiet();
    size_t total = tw_outcome_row_size(sch), L = 0;
    for (size_t i = 0; i < b->n; i++)
        L += b->p[i].n;
    uint8_t *conv = malloc(n ? n : 1), *masks = malloc(L * (n ? n : 1));
    double *x = malloc((n ? n : 1) * sizeof *x);
    size_t maxmine = (total / (size_t)size + 1) * L;
    col_res *mine = malloc(maxmine * sizeof *mine);
    uint64_t *lcount = calloc(L + 1, sizeof *lcount), *lconv = calloc(L + 1, sizeof *lconv);
    int rc = (!conv || !masks || !x || !mine || !lcount || !lconv)
                 ? tw_error_set(err, TW_ENOMEM, "out of memory (summary by regime)")
                 : TW_OK;
    hid_t f = -1;
    if (!rc) {
        f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        if (f < 0 || read_rows(f, "status/converged", H5T_NATIVE_UINT8, n, conv) < 0)
            rc = tw_error_set(err, TW_EIO, "%s: cannot read /status/converged", path);
    }
    if (!rc)
        rc = build_level_masks(f, path, b, n, conv, x, masks, lcount, lconv, err);
    size_t nmine = 0;
    if (!rc)
        rc = summarise_my_columns(f, path, sch, n, L, masks, rank, size, mine, &nmine, err);
    if (f >= 0)
        H5Fclose(f);
    free(conv);
    free(masks);
    free(x);

    int bad = rc != TW_OK, anybad;
    MPI_Allreduce(&bad, &anybad, 1, MPI_INT, MPI_MAX, comm);
    if (anybad) {
        free(mine);
        free(lcount);
        free(lconv);
        return rc ? rc : tw_error_set(err, TW_EIO, "%s: the summary by regime failed on another "
                                      "rank", path);
    }
    int bytes = (int)(nmine * sizeof *mine);
    col_res *got = NULL;
    tw_summary *all = NULL, *lev = NULL;
    if (rank == 0) {
        got = malloc((total * L + 1) * sizeof *got);
        all = malloc((total * L + 1) * sizeof *all);
        lev = malloc((total + 1) * sizeof *lev);
    }
    tw_mpi_gather_to_root(comm, mine, bytes, MPI_BYTE, got);
    free(mine);
    if (rank == 0) {
        for (size_t i = 0; i < total * L; i++)
            all[got[i].col] = got[i].s;
        if (write_summary_by_groups(path, sch, b, L, all, lev, lcount, lconv))
            rc = tw_error_set(err, TW_EIO, "%s: writing /summary_by failed (disk full?)", path);
        free(got);
        free(all);
        free(lev);
    }
    free(lcount);
    free(lconv);
    int code = rc;
    MPI_Bcast(&code, 1, MPI_INT, 0, comm);
    if (code && rank != 0)
        tw_error_set(err, code, "%s: rank 0 failed to write /summary_by", path);
    return code;
}
