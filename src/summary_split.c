/* The split of the final passes' columns over the ranks (summary_split.h):
 * contiguous ranges in rank order, rank 0 taking less for its serial write
 * of the groups (by count, or by each column's estimated cost), the cost
 * model behind that share, and the messages that carry the other ranks'
 * summaries to rank 0 while it writes. Which rank summarises a column never
 * changes its result: all of this only moves the balance. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "h5util.h"
#include "summary_pass.h"
#include "summary_split.h"
#include "tradewar/output.h"
#include "tradewar/stats.h"

tw_summary_range tw_summary_split(size_t total, int rank, int size, double w_over_c)
{
    if (size <= 1)
        return (tw_summary_range){0, total};
    double P = (double)size;
    double f0 = 1.0 / P - (P - 1.0) / P * (w_over_c > 0 ? w_over_c : 0.0);
    size_t n0 = f0 > 0 ? (size_t)floor(f0 * (double)total + 0.5) : 0;
    if (n0 > total)
        n0 = total;
    if (rank == 0)
        return (tw_summary_range){0, n0};
    uint64_t rest = (uint64_t)(total - n0), others = (uint64_t)(size - 1);
    return (tw_summary_range){n0 + (size_t)(rest * (uint64_t)(rank - 1) / others),
                              n0 + (size_t)(rest * (uint64_t)rank / others)};
}

/* The weighted split: boundary b (1 .. size - 1) of the ranges lies at the
 * cost t_b (rank 0's share f0 of the total, then the rest evenly); a column
 * goes to the left of it when its midpoint (the cost before it plus half its
 * own) lies before t_b. Every rank computes the same sums in the same order
 * from the same weights, so all agree on the ranges. */
static size_t weighted_boundary(const double *w, size_t total, double t)
{
    double cum = 0;
    size_t j = 0;
    for (; j < total && cum + 0.5 * w[j] < t; j++)
        cum += w[j];
    return j;
}

tw_summary_range tw_summary_split_w(const double *w, size_t total, int rank, int size,
                                    double w_over_c)
{
    double sum = 0;
    for (size_t j = 0; w && j < total; j++)
        sum += w[j];
    if (!w || size <= 1 || !(sum > 0) || !isfinite(sum))
        return tw_summary_split(total, rank, size, w_over_c);
    double P = (double)size;
    double f0 = 1.0 / P - (P - 1.0) / P * (w_over_c > 0 ? w_over_c : 0.0);
    double t1 = f0 > 0 ? f0 * sum : 0.0;
    tw_summary_range g = {0, total};
    if (rank > 0)
        g.lo = weighted_boundary(w, total, t1 + (sum - t1) * (double)(rank - 1) / (P - 1.0));
    if (rank < size - 1)
        g.hi = weighted_boundary(w, total, t1 + (sum - t1) * (double)rank / (P - 1.0));
    return g;
}

/* The weight of a column (relative: only the ratios matter) in the cost of a
 * pass: CPU milliseconds per column of the by-regime pass on 2 x 1, where
 * the split matters (default scenario, 20,000 samples; per outcome and rank
 * the median of three runs, least squares over the outcomes but the first,
 * which also builds the masks' cache; correlation 0.79; on 1 x 1: 0.75,
 * 0.21, 0.14; docs/BENCHMARK.md section 2, "Cost-aware split"): a fixed
 * part (reading, the masks, sum, sum of squares, histogram, the first level
 * of the selection), the selection's further levels (tw_stats_select_work,
 * in column lengths: 1-2 here; what varies most with the data) and the
 * feeding of a column of a wide outcome, whose rows the streams walk with a
 * stride of the row (a scalar's column is contiguous). */
#define WEIGHT_FIXED 0.73
#define WEIGHT_LEVEL 0.26
#define WEIGHT_WIDE 0.24
/* Rows read for the estimate: the first ones (a random order of the design
 * points for mc and lhs, a balanced prefix for sobol). 512 rows of the 512
 * columns of the default scenario: 2 MiB; 0.005-0.006 s on 2 x 1 (quiet
 * VM; 26e6 instructions a rank, 60-80 % of them the estimate's selection
 * replay; docs/BENCHMARK.md). More rows estimate better (a Python replay
 * on the whole columns: correlation with the measured cost 0.80 at 2,048
 * rows, 0.72 at 512) but cost more than the balance gains. */
#define WEIGHT_ROWS 512

int tw_summary_col_weights(MPI_Comm comm, const char *path, const tw_model_schema *s,
                           uint64_t n, double *w)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    size_t total = tw_outcome_row_size(s);
    size_t rows = (size_t)(n < WEIGHT_ROWS ? n : WEIGHT_ROWS), maxel = 1;
    for (size_t k = 0; k < s->n_outcomes; k++)
        if (tw_outcome_size(s, k) > maxel)
            maxel = tw_outcome_size(s, k);
    /* this rank estimates an even share of the columns; all sum them */
    size_t lo = (size_t)((uint64_t)total * (uint64_t)rank / (uint64_t)size);
    size_t hi = (size_t)((uint64_t)total * (uint64_t)(rank + 1) / (uint64_t)size);
    double *buf = rows ? malloc(rows * maxel * sizeof *buf) : NULL, *x = malloc((rows + 1) * sizeof *x);
    uint8_t *conv = malloc(rows + 1);
    int bad = !x || !conv || (rows && !buf);
    for (size_t j = lo; j < hi; j++)
        w[j] = -1.0; /* not estimated: a failure (no rows: the count split) */
    hid_t f = !bad && rows && lo < hi ? tw_h5_open(path, H5F_ACC_RDONLY) : -1;
    hid_t dc = f < 0 ? -1 : H5Dopen2(f, "status/converged", H5P_DEFAULT);
    if (rows && lo < hi && (dc < 0 || tw_summary_read_rows(dc, H5T_NATIVE_UINT8, 0, rows, conv) < 0))
        bad = 1;
    for (size_t k = 0, off = 0; !bad && k < s->n_outcomes; k++) {
        size_t elems = tw_outcome_size(s, k);
        if (elems && off < hi && off + elems > lo) {
            char name[512];
            snprintf(name, sizeof name, "outputs/%s", s->outcomes[k].name);
            hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
            bad = ds < 0 || tw_summary_read_rows(ds, H5T_NATIVE_DOUBLE, 0, rows, buf) < 0;
            if (ds >= 0)
                H5Dclose(ds);
            for (size_t e = 0; !bad && e < elems; e++) {
                if (off + e < lo || off + e >= hi)
                    continue;
                size_t m = 0;
                for (size_t r = 0; r < rows; r++)
                    if (conv[r] && isfinite(buf[r * elems + e]))
                        x[m++] = buf[r * elems + e];
                /* the column's length, were it as the sample: n m / rows */
                uint64_t len = (uint64_t)((double)n * (double)m / (double)rows);
                double lvl = tw_stats_select_work(x, m, len);
                w[off + e] = WEIGHT_FIXED + WEIGHT_LEVEL * lvl + (elems > 1 ? WEIGHT_WIDE : 0.0);
            }
        }
        off += elems;
    }
    if (dc >= 0)
        H5Dclose(dc);
    if (f >= 0)
        H5Fclose(f);
    if (bad) /* -1 marks the failure: every rank sees it after the sum */
        for (size_t j = lo; j < hi; j++)
            w[j] = -1.0;
    /* each column is nonzero on one rank only: the sum is that value,
     * exactly, on every rank (x + 0 = x), without a list of counts */
    for (size_t j = 0; j < total; j++)
        if (j < lo || j >= hi)
            w[j] = 0.0;
    if (size > 1)
        MPI_Allreduce(MPI_IN_PLACE, w, (int)total, MPI_DOUBLE, MPI_SUM, comm);
    int any = 0;
    for (size_t j = 0; j < total; j++)
        any |= !(w[j] >= 0) || !isfinite(w[j]);
    free(buf);
    free(x);
    free(conv);
    return any ? -1 : 0;
}

/* The cost model's two constants, in instructions (callgrind, valgrind
 * 3.19, of `tradewar run configs/default.yaml -n 20000 --resume` on 1 rank x
 * 1 thread of a finished file whose `finished` was reset, so that only the
 * two passes ran; docs/BENCHMARK.md section 2):
 * - SUMMARY_IR_OBJECT: rank 0's write per object of tw_summary_group_objects:
 *   by_writer_step, 532.6e6 instructions for the 2,772 objects of the 204
 *   outcome groups of /summary_by (192e3; tw_summary_write_group from the
 *   summary pass: 190e3 an object);
 * - SUMMARY_IR_VALUE: the pass's compute per sample, column and partition of
 *   the samples (tw_summary_columns: feeding the streams and sorting them):
 *   the summary pass 1,750e6 / (20000 x 516 x 1) = 170, by regime (3
 *   Bernoulli parameters, 6 levels) 5,395e6 / (20000 x 516 x 3) = 174.
 * A wrong constant only moves the balance between the ranks, never a
 * result. */
#define SUMMARY_IR_OBJECT 192e3
#define SUMMARY_IR_VALUE 172.0

double tw_summary_write_share(size_t objects, uint64_t n, size_t cols, size_t parts)
{
    double c = SUMMARY_IR_VALUE * (double)n * (double)cols * (double)(parts ? parts : 1);
    return c > 0 ? SUMMARY_IR_OBJECT * (double)objects / c : 0.0;
}

void tw_summary_send(tw_summary_sender *snd, const tw_summary_rec *recs, size_t count,
                     int failed)
{
    int flag;
    MPI_Isend(recs, failed ? 0 : (int)(count * sizeof *recs), MPI_BYTE, 0,
              failed ? TW_SUMMARY_TAG_FAILED : TW_SUMMARY_TAG_OK, snd->comm,
              &snd->req[snd->nreq++]);
    MPI_Testall(snd->nreq, snd->req, &flag, MPI_STATUSES_IGNORE);
}

void tw_summary_receive(MPI_Comm comm, int size, size_t total, const double *weight, size_t L,
                        double share, size_t off, size_t elems, tw_summary_rec *buf,
                        tw_summary *all, int *failed)
{
    for (int r = 1; r < size && elems; r++) {
        tw_summary_range rr = tw_summary_split_w(weight, total, r, size, share);
        if (rr.lo >= rr.hi || rr.hi <= off || rr.lo >= off + elems)
            continue;
        MPI_Status st;
        int bytes = 0;
        MPI_Recv(buf, (int)(elems * L * sizeof *buf), MPI_BYTE, r, MPI_ANY_TAG, comm, &st);
        MPI_Get_count(&st, MPI_BYTE, &bytes);
        if (st.MPI_TAG != TW_SUMMARY_TAG_OK) {
            *failed = 1;
            continue;
        }
        for (size_t i = 0; i < (size_t)bytes / sizeof *buf; i++)
            if (buf[i].col < total * L)
                all[buf[i].col] = buf[i].s;
    }
}

double tw_summary_agreed_share(MPI_Comm comm, double model)
{
    int size;
    MPI_Comm_size(comm, &size);
    const char *env = getenv("TW_SUMMARY_WRITE_SHARE");
    char *end = NULL;
    double given = env && *env ? strtod(env, &end) : -1, share = model;
    if (end && !*end && given >= 0)
        share = given;
    if (size > 1)
        MPI_Bcast(&share, 1, MPI_DOUBLE, 0, comm);
    return share;
}

size_t tw_summary_my_cols(size_t off, size_t elems, tw_summary_range my, size_t *cols)
{
    size_t nc = 0;
    for (size_t e = 0; e < elems; e++)
        if (off + e >= my.lo && off + e < my.hi) {
            if (cols)
                cols[nc] = e;
            nc++;
        }
    return nc;
}

void tw_summary_collect(const tw_summary_collector *c, const tw_model_schema *s,
                        const tw_summary_rec *mine, size_t nmine, int *failed)
{
    size_t total = tw_outcome_row_size(s);
    for (size_t i = 0; !*failed && i < nmine; i++)
        c->all[mine[i].col] = mine[i].s;
    for (size_t k = 0, off = 0; k < s->n_outcomes; k++) {
        size_t elems = tw_outcome_size(s, k);
        if (off + elems > c->my_hi) { /* some of outcome k is the others' */
            if (!*failed)
                *failed |= c->write_ready(c->ctx) != 0;
            tw_summary_receive(c->comm, c->size, total, c->weight, c->L, c->share, off, elems,
                               c->buf, c->all, failed);
        }
        if (!*failed && *c->k_ready < k + 1)
            *c->k_ready = k + 1;
        off += elems;
    }
}
