/* The sensitivity pass: Sobol' indices of the analysed outcomes computed from
 * the finished blocks of the file, written to /sensitivity (sensitivity.h).
 *
 * Like the summary pass, it reads the file rather than keeping rows during
 * the run, so the result is the same whatever the decomposition and however
 * often the run was resumed. Rank r owns the analysed outcome elements
 * ("columns") c with c % size == r, holds them whole (N (k + 2) doubles
 * each; as many at once as SENS_BUDGET allows), estimates them with its threads (one column per thread at a time,
 * each column's sums in base-sample order) and sends the results to rank 0,
 * which writes them. */
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"
#include "mpiutil.h"
#include "tradewar/sensitivity.h"

/* Per column: id, status, used, then k x (s1, st, s1 lo, s1 hi, st lo, st hi). */
#define HEAD 3
#define PER_FACTOR 6

static size_t rec_size(size_t k) { return HEAD + PER_FACTOR * k; }

/* bytes of whole columns held at once (more if the threads need it);
 * TW_SENS_BUDGET overrides it (tests) */
#define SENS_BUDGET ((size_t)64 << 20)

/* Read the converged flags of the first n rows; ok[j] = all K rows converged. */
static int read_ok(hid_t f, uint64_t nb, size_t K, uint8_t *ok)
{
    uint64_t n = nb * K;
    uint8_t *conv = malloc(n ? n : 1);
    hid_t ds = H5Dopen2(f, "status/converged", H5P_DEFAULT);
    int rc = conv && ds >= 0 ? 0 : -1;
    if (!rc && n) {
        hid_t fs = H5Dget_space(ds);
        hsize_t start = 0, count = n;
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL);
        hid_t ms = H5Screate_simple(1, &count, NULL);
        rc = H5Dread(ds, H5T_NATIVE_UINT8, ms, fs, H5P_DEFAULT, conv) < 0 ? -1 : 0;
        H5Sclose(ms);
        H5Sclose(fs);
    }
    for (uint64_t j = 0; !rc && j < nb; j++) {
        uint8_t all = 1;
        for (size_t m = 0; m < K; m++)
            all &= conv[j * K + m] != 0;
        ok[j] = all;
    }
    if (ds >= 0)
        H5Dclose(ds);
    free(conv);
    return rc;
}

static int attach(hid_t f, hid_t ds, hid_t factor_scale, const tw_model_schema *sch,
                  const tw_outcome_info *oi, int lead)
{
    int bad = 0;
    if (lead)
        bad |= H5DSattach_scale(ds, factor_scale, 0) < 0 || H5DSset_label(ds, 0, "factor") < 0;
    for (int d = 0; d < oi->ndims; d++) {
        const char *dn = sch->dims[oi->dims[d]].name;
        hid_t sc = H5Dopen2(f, dn, H5P_DEFAULT);
        bad |= sc < 0 || H5DSattach_scale(ds, sc, (unsigned)(d + lead)) < 0 ||
               H5DSset_label(ds, (unsigned)(d + lead), dn) < 0;
        if (sc >= 0)
            H5Dclose(sc);
    }
    return bad ? -1 : 0;
}

static int put(hid_t g, const char *name, int nd, const hsize_t *dims, const double *v,
               const char *units, const char *descr, hid_t f, hid_t fsc,
               const tw_model_schema *sch, const tw_outcome_info *oi, int lead)
{
    hid_t ds = tw_h5_write_dataset(g, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, nd, dims, v,
                                   H5P_DEFAULT, 1, units, descr);
    if (ds < 0)
        return -1;
    int bad = attach(f, ds, fsc, sch, oi, lead) < 0;
    H5Dclose(ds);
    return bad ? -1 : 0;
}

/* Rank 0: write /sensitivity from the records of every column (by id). */
static int write_group(const char *path, const tw_model_schema *sch, const tw_sens *s,
                       uint64_t seed, uint64_t nb_used, const double *recs, tw_error *err)
{
    size_t k = tw_sens_factor_count(s), rs = rec_size(k);
    hid_t f = tw_h5_open(path, H5F_ACC_RDWR);
    if (f < 0)
        return tw_error_set(err, TW_EIO, "%s: cannot reopen to write /sensitivity", path);
    int bad = 0;
    if (H5Lexists(f, "sensitivity", H5P_DEFAULT) > 0)
        bad |= H5Ldelete(f, "sensitivity", H5P_DEFAULT) < 0; /* from an interrupted finish */
    hid_t g = H5Gcreate2(f, "sensitivity", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    bad |= g < 0;
    const char **lab = malloc((k + 1) * sizeof *lab), **mem = malloc((k + 1) * sizeof *mem);
    bad |= !lab || !mem;
    hid_t fsc = -1;
    if (!bad) {
        for (size_t i = 0; i < k; i++) {
            lab[i] = tw_sens_factor_label(s, i);
            mem[i] = tw_sens_factor_members(s, i);
        }
        bad |= tw_h5_attr_u64(g, "base_samples", tw_sens_base_samples(s)) < 0;
        bad |= tw_h5_attr_u64(g, "base_samples_used", nb_used) < 0;
        bad |= tw_h5_attr_u64(g, "bootstrap", tw_sens_bootstrap(s)) < 0;
        bad |= tw_h5_attr_f64(g, "confidence", tw_sens_confidence(s)) < 0;
        bad |= tw_h5_attr_u64(g, "bootstrap_seed", tw_sens_bootstrap_seed(seed)) < 0;
        bad |= tw_h5_attr_str(g, "first_order", "Saltelli 2010 on centred values: "
                              "mean((yB - f0)(yABi - yA)) / V") < 0;
        bad |= tw_h5_attr_str(g, "total_order", "Jansen 1999: mean((yA - yABi)^2) / (2 V)") < 0;
        bad |= tw_h5_attr_str(g, "intervals", "percentile bootstrap over base samples") < 0;
        bad |= tw_h5_attr_str(g, "sample_layout", "sample j*(k+2)+m: m=0 A, m=1 B, m=2+i AB_i "
                              "(A with factor i from B)") < 0;
        fsc = tw_h5_write_labels(g, "factor", lab, k);
        bad |= fsc < 0;
        if (fsc >= 0) {
            bad |= tw_h5_describe(fsc, "1", "factor labels: named groups, automatic groups of "
                                  "correlated parameters, single parameters", "factor") < 0;
            bad |= H5DSset_scale(fsc, "factor") < 0;
        }
        hid_t fm = tw_h5_write_labels(g, "factor_members", mem, k);
        bad |= fm < 0;
        if (fm >= 0) {
            bad |= tw_h5_describe(fm, "1", "parameters of each factor, comma-separated",
                                  "factor_members") < 0;
            bad |= H5DSattach_scale(fm, fsc, 0) < 0;
            H5Dclose(fm);
        }
    }
    size_t col = 0;
    for (size_t o = 0; !bad && o < sch->n_outcomes; o++) {
        if (!tw_sens_wants_outcome(s, o))
            continue;
        const tw_outcome_info *oi = &sch->outcomes[o];
        size_t elems = tw_outcome_size(sch, o);
        hid_t go = H5Gcreate2(g, oi->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        double *v = malloc((k * elems * 2 + 1) * sizeof *v);
        uint8_t *st = malloc(elems + 1);
        uint64_t *cnt = malloc((elems + 1) * sizeof *cnt);
        bad |= go < 0 || !v || !st || !cnt;
        hsize_t dims[2 + TW_MAX_OUTCOME_DIMS];
        dims[0] = k;
        for (int d = 0; d < oi->ndims; d++)
            dims[1 + d] = sch->dims[oi->dims[d]].size;
        int nd = 1 + oi->ndims;
        static const char *const names[] = {"S1", "ST", "S1_ci", "ST_ci"};
        static const char *const descr[] = {
            "first-order Sobol' index (Saltelli 2010); NaN where status != 0",
            "total-order Sobol' index (Jansen); NaN where status != 0",
            "percentile bootstrap interval of S1: last dimension (lower, upper)",
            "percentile bootstrap interval of ST: last dimension (lower, upper)"};
        for (int q = 0; !bad && q < 4; q++) {
            int ci = q >= 2;
            for (size_t i = 0; i < k; i++)
                for (size_t e = 0; e < elems; e++) {
                    const double *r = recs + (col + e) * rs + HEAD + i * PER_FACTOR;
                    if (!ci)
                        v[i * elems + e] = r[q];
                    else {
                        v[(i * elems + e) * 2] = r[2 + 2 * (q - 2)];
                        v[(i * elems + e) * 2 + 1] = r[3 + 2 * (q - 2)];
                    }
                }
            dims[nd] = 2;
            bad |= put(go, names[q], nd + ci, dims, v, "1", descr[q], f, fsc, sch, oi, 1) < 0;
        }
        for (size_t e = 0; !bad && e < elems; e++) {
            st[e] = (uint8_t)recs[(col + e) * rs + 1];
            cnt[e] = (uint64_t)recs[(col + e) * rs + 2];
        }
        if (!bad) {
            hid_t ds = tw_h5_write_dataset(go, "status", H5T_STD_U8LE, H5T_NATIVE_UINT8, oi->ndims,
                                           dims + 1, st, H5P_DEFAULT, 1, "1",
                                           "0 ok; 1 constant outcome (zero variance, indices "
                                           "NaN); 2 fewer than 2 usable base samples (NaN)");
            bad |= ds < 0;
            if (ds >= 0) {
                bad |= attach(f, ds, fsc, sch, oi, 0) < 0;
                H5Dclose(ds);
            }
            ds = tw_h5_write_dataset(go, "count", H5T_STD_U64LE, H5T_NATIVE_UINT64, oi->ndims,
                                     dims + 1, cnt, H5P_DEFAULT, 1, "1",
                                     "base samples used (all k + 2 rows converged and finite)");
            bad |= ds < 0;
            if (ds >= 0) {
                bad |= attach(f, ds, fsc, sch, oi, 0) < 0;
                H5Dclose(ds);
            }
        }
        if (go >= 0) {
            tw_h5_describe(go, "1", oi->description, oi->name);
            H5Gclose(go);
        }
        free(v);
        free(st);
        free(cnt);
        col += elems;
    }
    if (fsc >= 0)
        H5Dclose(fsc);
    if (g >= 0)
        H5Gclose(g);
    free(lab);
    free(mem);
    bad |= H5Fclose(f) < 0;
    return bad ? tw_error_set(err, TW_EIO, "%s: writing /sensitivity failed (disk full?)", path)
               : TW_OK;
}

int tw_sens_write(MPI_Comm comm, const char *path, const tw_model_schema *sch, const tw_sens *s,
                  uint64_t seed, uint64_t nb, tw_error *err)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    tw_h5_quiet();
    size_t k = tw_sens_factor_count(s), K = k + 2, rs = rec_size(k);
    unsigned R = tw_sens_bootstrap(s);
    uint64_t n = nb * K;
    size_t total = 0;
    for (size_t o = 0; o < sch->n_outcomes; o++)
        if (tw_sens_wants_outcome(s, o))
            total += tw_outcome_size(sch, o);
    size_t maxmine = total / (size_t)size + 1;
    uint8_t *ok = malloc(nb ? nb : 1);
    size_t *cols = malloc((total + 1) * sizeof *cols);
    double *mine = malloc(maxmine * rs * sizeof *mine);
    uint32_t *boot = R ? tw_sens_bootstrap_table(tw_sens_bootstrap_seed(seed), (size_t)nb, R)
                       : NULL;
    int rc = (!ok || !cols || !mine || (R && !boot)) ? tw_error_set(err, TW_ENOMEM, "out of "
                                                                    "memory (sensitivity pass)")
                                                     : TW_OK;
    hid_t f = -1;
    if (!rc) {
        f = tw_h5_open(path, H5F_ACC_RDONLY);
        if (f < 0 || read_ok(f, nb, K, ok) < 0)
            rc = tw_error_set(err, TW_EIO, "%s: cannot read /status/converged", path);
    }
    size_t nmine = 0, off = 0;
    for (size_t o = 0; !rc && o < sch->n_outcomes; o++) {
        if (!tw_sens_wants_outcome(s, o))
            continue;
        size_t elems = tw_outcome_size(sch, o), nc = 0;
        for (size_t e = 0; e < elems; e++)
            if ((off + e) % (size_t)size == (size_t)rank)
                cols[nc++] = e;
        /* the estimators index the pick-freeze rows (and the bootstrap
         * resamples) at random: a column is held whole, N (k + 2) doubles;
         * as many columns at once as SENS_BUDGET allows (at least one per
         * thread), not all of the rank's */
        const char *eb = getenv("TW_SENS_BUDGET"); /* bytes; tests shrink it */
        size_t budget = eb && atol(eb) > 0 ? (size_t)atol(eb) : SENS_BUDGET;
        size_t gmax = budget / ((n ? n : 1) * sizeof(double));
        if (gmax < (size_t)omp_get_max_threads())
            gmax = (size_t)omp_get_max_threads();
        char name[512];
        snprintf(name, sizeof name, "outputs/%s", sch->outcomes[o].name);
        for (size_t g0 = 0; !rc && g0 < nc; g0 += gmax) {
            size_t gn = nc - g0 < gmax ? nc - g0 : gmax;
            double *buf = malloc(gn * (n ? n : 1) * sizeof *buf);
            hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
            if (!buf || ds < 0 || tw_h5_read_columns(ds, n, elems, cols + g0, gn, buf) < 0)
                rc = tw_error_set(err, TW_EIO, "%s: cannot read /%s for the sensitivity pass",
                                  path, name);
            if (ds >= 0)
                H5Dclose(ds);
            int fail = 0;
            double conf = tw_sens_confidence(s);
#pragma omp parallel reduction(| : fail) if (!rc)
            {
                double *scratch = malloc(tw_sens_scratch_size(k, R) * sizeof *scratch);
                tw_sens_index *ix = malloc((k ? k : 1) * sizeof *ix);
                fail |= !scratch || !ix;
#pragma omp for schedule(dynamic, 1)
                for (size_t c = 0; c < gn; c++) {
                    if (!scratch || !ix)
                        continue;
                    uint64_t used = 0;
                    int st = tw_sens_estimate(buf + c * n, (size_t)nb, k, ok, boot, R, conf,
                                              scratch, ix, &used);
                    double *r = mine + (nmine + g0 + c) * rs;
                    r[0] = (double)(off + cols[g0 + c]);
                    r[1] = st;
                    r[2] = (double)used;
                    for (size_t i = 0; i < k; i++) {
                        double *q = r + HEAD + i * PER_FACTOR;
                        q[0] = ix[i].s1;
                        q[1] = ix[i].st;
                        q[2] = ix[i].s1_ci[0];
                        q[3] = ix[i].s1_ci[1];
                        q[4] = ix[i].st_ci[0];
                        q[5] = ix[i].st_ci[1];
                    }
                }
                free(scratch);
                free(ix);
            }
            if (!rc && fail)
                rc = tw_error_set(err, TW_ENOMEM, "out of memory (sensitivity pass)");
            free(buf);
        }
        nmine += nc;
        off += elems;
    }
    if (f >= 0)
        H5Fclose(f);
    free(ok);
    free(cols);
    free(boot);

    int bad = rc != TW_OK, anybad;
    MPI_Allreduce(&bad, &anybad, 1, MPI_INT, MPI_MAX, comm);
    if (anybad) {
        free(mine);
        return rc ? rc : tw_error_set(err, TW_EIO, "%s: the sensitivity pass failed on another "
                                      "rank", path);
    }
    int cnt = (int)(nmine * rs);
    double *got = NULL, *recs = NULL;
    if (rank == 0) {
        got = malloc((total * rs + 1) * sizeof *got);
        recs = malloc((total * rs + 1) * sizeof *recs);
    }
    tw_mpi_gather_to_root(comm, mine, cnt, MPI_DOUBLE, got);
    free(mine);
    if (rank == 0) {
        if (!got || !recs)
            rc = tw_error_set(err, TW_ENOMEM, "out of memory (sensitivity pass)");
        for (size_t i = 0; !rc && i < total; i++) {
            size_t id = (size_t)got[i * rs];
            memcpy(recs + id * rs, got + i * rs, rs * sizeof *recs);
        }
        if (!rc)
            rc = write_group(path, sch, s, seed, nb, recs, err);
        free(got);
        free(recs);
    }
    int code = rc;
    MPI_Bcast(&code, 1, MPI_INT, 0, comm);
    if (code && rank != 0)
        tw_error_set(err, code, "%s: rank 0 failed to write /sensitivity", path);
    return code;
}
