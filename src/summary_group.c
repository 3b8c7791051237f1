/* The writer of one outcome's summary group (summary_group.h): the nine
 * datasets of the statistics, labelled and with their own dimension scales,
 * shared by /summary (summary.c) and /summary_by (summary_by.c) so that both
 * have the same datasets and descriptions. Serial (rank 0). */
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"
#include "summary_group.h"
#include "tradewar/output.h"
#include "tradewar/stats.h"

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
