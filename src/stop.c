/* Stopping on a target error (stop.h): the rule, its checkpoints, the column
 * of the watched outcome element on rank 0, and the record in the file. */
#include "tradewar/stop.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"
#include "tradewar/output.h"
#include "tradewar/stats.h"

enum { RULE_SEM, RULE_REL_SEM, RULE_WIDTH };

struct tw_stop {
    const tw_model_schema *schema;
    const tw_sens *sens;
    size_t outcome, elem, col_off, elems;
    int rule, index; /* index: 0 S1, 1 ST (RULE_WIDTH) */
    double target, achieved;
    char desc[300];
    /* per run */
    int rank;
    uint64_t n, bs, nblocks, seed;
    double *col;    /* rank 0: [n] */
    uint8_t *conv;  /* rank 0: [n] */
    double *sendv;  /* [bs] */
    uint8_t *sendc; /* [bs] */
};

/* The section's keys, for the unknown-key check and the listing; the reader
 * below checks their values and how they combine (exactly one target;
 * `width` and `index` for sensitivity runs only), which needs the outcomes. */
const tw_key tw_stop_keys[TW_STOP_N_KEYS] = {
    {.name = "outcome", .type = TW_KEY_SECTION, .what = "OUTCOME", .def_note = "(required)",
     .doc = "the outcome whose error stops the run"},
    {.name = "element", .type = TW_KEY_SECTION, .what = "LABEL[/LABEL]",
     .def_note = "(scalar)", .doc = "the element of an array outcome, e.g. USA or CHN/ELE"},
    {.name = "sem", .type = TW_KEY_SECTION, .what = "number > 0",
     .doc = "target: standard error of the mean (give exactly one target)"},
    {.name = "rel_sem", .type = TW_KEY_SECTION, .what = "number > 0",
     .doc = "target: sem / |mean|"},
    {.name = "index", .type = TW_KEY_SECTION, .what = "S1 | ST", .def_note = "ST",
     .doc = "with width: which Sobol' index"},
    {.name = "width", .type = TW_KEY_SECTION, .what = "number > 0",
     .doc = "target of a sensitivity run: the widest index interval"},
};

void tw_stop_free(tw_stop *s)
{
    if (!s)
        return;
    free(s->col);
    free(s->conv);
    free(s->sendv);
    free(s->sendc);
    free(s);
}

const char *tw_stop_describe(const tw_stop *s) { return s->desc; }
double tw_stop_achieved(const tw_stop *s) { return s->achieved; }

/* Label of element e of outcome k: the dimension labels joined by "/". */
static void element_label(const tw_model_schema *sch, size_t k, size_t e, char *buf, size_t n)
{
    const tw_outcome_info *oi = &sch->outcomes[k];
    size_t idx[TW_MAX_OUTCOME_DIMS], rest = e;
    for (int d = oi->ndims - 1; d >= 0; d--) {
        size_t sz = sch->dims[oi->dims[d]].size;
        idx[d] = rest % sz;
        rest /= sz;
    }
    buf[0] = '\0';
    size_t used = 0;
    for (int d = 0; d < oi->ndims && used < n; d++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", d ? "/" : "",
                                 sch->dims[oi->dims[d]].labels[idx[d]]);
}

static int err_at(tw_ynode n, const char *key, tw_error *err, const char *msg)
{
    char where[600];
    tw_ynode_where(n, key, where, sizeof where);
    return tw_error_set(err, TW_ECONFIG, "%s: %s", where, msg);
}

int tw_stop_create(const tw_config *cfg, const tw_model_schema *sch, const tw_sens *sens,
                   tw_stop **out, tw_error *err)
{
    *out = NULL;
    tw_ynode sec = tw_ynode_get(tw_yaml_root(cfg->doc), "stop");
    if (!tw_ynode_ok(sec))
        return TW_OK;
    int rc = tw_keys_check(sec, "stop", tw_stop_keys, TW_STOP_N_KEYS, err);
    if (rc)
        return rc;
    tw_stop *s = calloc(1, sizeof *s);
    if (!s)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    s->schema = sch;
    s->sens = sens;
    char where[600];
    tw_ynode on = tw_ynode_get(sec, "outcome");
    const char *name = NULL;
    if (!tw_ynode_ok(on)) {
        rc = err_at(sec, "stop", err, "'outcome' is required (the outcome whose error stops the run)");
        goto fail;
    }
    if ((rc = tw_ynode_string(on, "stop.outcome", &name, err)))
        goto fail;
    for (s->outcome = 0; s->outcome < sch->n_outcomes; s->outcome++)
        if (strcmp(sch->outcomes[s->outcome].name, name) == 0)
            break;
    if (s->outcome == sch->n_outcomes) {
        char list[1200] = "";
        size_t used = 0;
        for (size_t q = 0; q < sch->n_outcomes && used < sizeof list - 80; q++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", q ? ", " : "",
                                     sch->outcomes[q].name);
        tw_ynode_where(on, "stop.outcome", where, sizeof where);
        rc = tw_error_set(err, TW_ECONFIG, "%s: unknown outcome '%s' (valid: %s)", where, name, list);
        goto fail;
    }
    s->elems = tw_outcome_size(sch, s->outcome);
    for (size_t k = 0; k < s->outcome; k++)
        s->col_off += tw_outcome_size(sch, k);
    tw_ynode en = tw_ynode_get(sec, "element");
    char label[256] = "";
    if (tw_ynode_ok(en)) {
        const char *want;
        if ((rc = tw_ynode_string(en, "stop.element", &want, err)))
            goto fail;
        for (s->elem = 0; s->elem < s->elems; s->elem++) {
            element_label(sch, s->outcome, s->elem, label, sizeof label);
            if (strcmp(label, want) == 0)
                break;
        }
        if (s->elem == s->elems || sch->outcomes[s->outcome].ndims == 0) {
            tw_ynode_where(en, "stop.element", where, sizeof where);
            rc = tw_error_set(err, TW_ECONFIG, "%s: outcome '%s' has no element '%s'%s", where,
                              name, want, sch->outcomes[s->outcome].ndims
                                              ? " (labels joined by '/', e.g. USA or CHN/ELE)"
                                              : " (it is a scalar)");
            goto fail;
        }
    } else if (sch->outcomes[s->outcome].ndims > 0) {
        element_label(sch, s->outcome, 0, label, sizeof label);
        tw_ynode_where(on, "stop.outcome", where, sizeof where);
        rc = tw_error_set(err, TW_ECONFIG, "%s: '%s' has %zu elements: name one with 'element' "
                          "(e.g. element: %s)", where, name, s->elems, label);
        goto fail;
    }
    s->col_off += s->elem;

    static const char *const targets[] = {"sem", "rel_sem", "width"};
    tw_ynode tn = {0};
    int ntargets = 0;
    for (int r = 0; r < 3; r++) {
        tw_ynode v = tw_ynode_get(sec, targets[r]);
        if (tw_ynode_ok(v)) {
            tn = v;
            s->rule = r;
            ntargets++;
        }
    }
    if (ntargets != 1) {
        rc = err_at(sec, "stop", err, "give exactly one target: 'sem' or 'rel_sem' (or 'width' "
                    "for a sensitivity run)");
        goto fail;
    }
    char key[32];
    snprintf(key, sizeof key, "stop.%s", targets[s->rule]);
    if ((rc = tw_ynode_double(tn, key, &s->target, err)))
        goto fail;
    if (!(s->target > 0) || !isfinite(s->target)) {
        tw_ynode_where(tn, key, where, sizeof where);
        rc = tw_error_set(err, TW_ECONFIG, "%s: the target must be a positive number, got %s",
                          where, tw_ynode_scalar(tn));
        goto fail;
    }
    tw_ynode xn = tw_ynode_get(sec, "index");
    if (s->rule == RULE_WIDTH) {
        if (!sens) {
            rc = err_at(tn, key, err, "'width' (of a Sobol' index interval) needs a sensitivity: "
                        "section; use 'sem' or 'rel_sem'");
            goto fail;
        }
        if (!tw_sens_bootstrap(sens)) {
            rc = err_at(tn, key, err, "'width' needs intervals: sensitivity.bootstrap must be > 0");
            goto fail;
        }
        if (!tw_sens_wants_outcome(sens, s->outcome)) {
            rc = err_at(on, "stop.outcome", err, "the outcome is not in sensitivity.outcomes");
            goto fail;
        }
        const char *ix = "ST";
        if (tw_ynode_ok(xn) && (rc = tw_ynode_string(xn, "stop.index", &ix, err)))
            goto fail;
        if (strcmp(ix, "S1") && strcmp(ix, "ST")) {
            rc = err_at(xn, "stop.index", err, "must be S1 or ST");
            goto fail;
        }
        s->index = strcmp(ix, "ST") == 0;
        snprintf(s->desc, sizeof s->desc, "widest %s interval of %s%s%s%s <= %g", ix, name,
                 label[0] ? "[" : "", label, label[0] ? "]" : "", s->target);
    } else {
        if (sens) {
            rc = err_at(tn, key, err, "a sensitivity run stops on the width of its index "
                        "intervals: use 'width' (and 'index: S1 | ST')");
            goto fail;
        }
        if (tw_ynode_ok(xn)) {
            rc = err_at(xn, "stop.index", err, "'index' goes with 'width' (sensitivity runs)");
            goto fail;
        }
        snprintf(s->desc, sizeof s->desc, "%s(%s%s%s%s) <= %g", targets[s->rule], name,
                 label[0] ? "[" : "", label, label[0] ? "]" : "", s->target);
    }
    *out = s;
    return TW_OK;
fail:
    tw_stop_free(s);
    return rc;
}

int tw_stop_begin(tw_stop *s, MPI_Comm comm, uint64_t n, uint64_t bs, uint64_t seed,
                  tw_error *err)
{
    MPI_Comm_rank(comm, &s->rank);
    s->n = n;
    s->bs = bs;
    s->nblocks = tw_n_blocks(n, bs);
    s->seed = s->sens ? tw_sens_bootstrap_seed(seed) : seed;
    s->achieved = NAN;
    s->sendv = malloc((bs ? bs : 1) * sizeof *s->sendv);
    s->sendc = malloc(bs ? bs : 1);
    int bad = !s->sendv || !s->sendc;
    if (s->rank == 0) {
        s->col = malloc((n ? n : 1) * sizeof *s->col);
        s->conv = calloc(n ? n : 1, 1);
        bad |= !s->col || !s->conv;
        for (uint64_t i = 0; s->col && i < n; i++)
            s->col[i] = NAN;
    }
    return bad ? tw_error_set(err, TW_ENOMEM, "out of memory (stop rule: %llu samples)",
                              (unsigned long long)n)
               : TW_OK;
}

int tw_stop_load(tw_stop *s, const char *path, tw_error *err)
{
    if (s->rank != 0)
        return TW_OK;
    tw_h5_quiet();
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return tw_error_set(err, TW_EDATA, "%s: cannot open to resume the stop rule", path);
    char name[512];
    snprintf(name, sizeof name, "outputs/%s", s->schema->outcomes[s->outcome].name);
    hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
    hid_t dc = H5Dopen2(f, "status/converged", H5P_DEFAULT);
    int bad = ds < 0 || dc < 0 || tw_h5_read_columns(ds, s->n, s->elems, &s->elem, 1, s->col) < 0;
    bad |= dc >= 0 && s->n && H5Dread(dc, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                      s->conv) < 0;
    if (ds >= 0)
        H5Dclose(ds);
    if (dc >= 0)
        H5Dclose(dc);
    H5Fclose(f);
    return bad ? tw_error_set(err, TW_EDATA, "%s: cannot read /%s to resume the stop rule", path,
                              name)
               : TW_OK;
}

int tw_stop_collect(tw_stop *s, MPI_Comm comm, int64_t block, size_t nrows,
                    const double *outcomes, size_t row, const tw_eval_status *st, tw_error *err)
{
    int size;
    MPI_Comm_size(comm, &size);
    if (block < 0)
        nrows = 0;
    for (size_t i = 0; i < nrows; i++) {
        s->sendv[i] = outcomes[i * row + s->col_off];
        s->sendc[i] = (uint8_t)(st[i].converged != 0);
    }
    int64_t mine[2] = {block, (int64_t)nrows};
    int64_t *all = s->rank == 0 ? malloc(2 * (size_t)size * sizeof *all) : NULL;
    int *cnt = s->rank == 0 ? malloc((size_t)size * sizeof *cnt) : NULL;
    int *dsp = s->rank == 0 ? malloc((size_t)size * sizeof *dsp) : NULL;
    double *rv = s->rank == 0 ? malloc(((size_t)size * s->bs + 1) * sizeof *rv) : NULL;
    uint8_t *rc8 = s->rank == 0 ? malloc((size_t)size * s->bs + 1) : NULL;
    int bad = s->rank == 0 && (!all || !cnt || !dsp || !rv || !rc8);
    int anybad;
    MPI_Allreduce(&bad, &anybad, 1, MPI_INT, MPI_MAX, comm);
    if (anybad) {
        free(all), free(cnt), free(dsp), free(rv), free(rc8);
        return tw_error_set(err, TW_ENOMEM, "out of memory (stop rule)");
    }
    MPI_Gather(mine, 2, MPI_INT64_T, all, 2, MPI_INT64_T, 0, comm);
    if (s->rank == 0)
        for (int r = 0, d = 0; r < size; r++) {
            cnt[r] = (int)all[2 * r + 1];
            dsp[r] = d;
            d += cnt[r];
        }
    MPI_Gatherv(s->sendv, (int)nrows, MPI_DOUBLE, rv, cnt, dsp, MPI_DOUBLE, 0, comm);
    MPI_Gatherv(s->sendc, (int)nrows, MPI_UINT8_T, rc8, cnt, dsp, MPI_UINT8_T, 0, comm);
    if (s->rank == 0) {
        for (int r = 0; r < size; r++)
            if (all[2 * r] >= 0) {
                uint64_t s0 = (uint64_t)all[2 * r] * s->bs;
                memcpy(s->col + s0, rv + dsp[r], (size_t)cnt[r] * sizeof *rv);
                memcpy(s->conv + s0, rc8 + dsp[r], (size_t)cnt[r]);
            }
    }
    free(all), free(cnt), free(dsp), free(rv), free(rc8);
    return TW_OK;
}

uint64_t tw_stop_next_checkpoint(const tw_stop *s, uint64_t blocks)
{
    uint64_t c = 2;
    while (c <= blocks)
        c *= 2;
    return c >= s->nblocks ? 0 : c;
}

/* Rank 0: the achieved error on the first m samples (INFINITY if undefined). */
static double achieved(tw_stop *s, uint64_t m)
{
    if (s->rule != RULE_WIDTH) {
        double *scratch = malloc((m ? m : 1) * sizeof *scratch);
        if (!scratch)
            return INFINITY;
        tw_summary sum;
        tw_stats_summarise(s->col, (size_t)m, 1, s->conv, scratch, &sum);
        free(scratch);
        double e = s->rule == RULE_SEM ? sum.sem : sum.sem / fabs(sum.mean);
        return isfinite(e) ? e : INFINITY;
    }
    size_t k = tw_sens_factor_count(s->sens), K = k + 2;
    uint64_t nb = m / K;
    unsigned R = tw_sens_bootstrap(s->sens);
    uint32_t *boot = tw_sens_bootstrap_table(s->seed, (size_t)nb, R);
    uint8_t *ok = malloc(nb ? nb : 1);
    double *scratch = malloc(tw_sens_scratch_size(k, R) * sizeof *scratch);
    tw_sens_index *ix = malloc((k ? k : 1) * sizeof *ix);
    double w = INFINITY;
    if (boot && ok && scratch && ix) {
        for (uint64_t j = 0; j < nb; j++) {
            uint8_t all = 1;
            for (size_t r = 0; r < K; r++)
                all &= s->conv[j * K + r];
            ok[j] = all;
        }
        uint64_t used;
        if (tw_sens_estimate(s->col, (size_t)nb, k, ok, boot, R, tw_sens_confidence(s->sens),
                             scratch, ix, &used) == TW_SENS_OK) {
            w = 0;
            for (size_t i = 0; i < k; i++) {
                const double *ci = s->index ? ix[i].st_ci : ix[i].s1_ci;
                double d = ci[1] - ci[0];
                w = isfinite(d) && isfinite(w) ? (d > w ? d : w) : INFINITY;
            }
        }
    }
    free(boot);
    free(ok);
    free(scratch);
    free(ix);
    return w;
}

int tw_stop_check(tw_stop *s, MPI_Comm comm, uint64_t blocks, int *met, tw_error *err)
{
    (void)err;
    uint64_t m = blocks * s->bs < s->n ? blocks * s->bs : s->n;
    double a = s->rank == 0 ? achieved(s, m) : 0.0;
    MPI_Bcast(&a, 1, MPI_DOUBLE, 0, comm);
    s->achieved = a;
    *met = a <= s->target;
    return TW_OK;
}

int tw_stop_record(tw_stop *s, MPI_Comm comm, const char *path, int met, uint64_t used,
                   tw_error *err)
{
    if (!met) {
        int dummy;
        tw_stop_check(s, comm, s->nblocks, &dummy, err); /* the error at the ceiling */
    }
    int rc = TW_OK;
    if (s->rank == 0) {
        tw_h5_quiet();
        hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
        int bad = f < 0;
        if (!bad) {
            bad |= tw_h5_attr_str(f, "stop_rule", s->desc) < 0;
            bad |= tw_h5_attr_str(f, "stop_reason", met ? "target" : "ceiling") < 0;
            bad |= tw_h5_attr_u64(f, "samples_used", used) < 0;
            bad |= tw_h5_attr_f64(f, "stop_target", s->target) < 0;
            bad |= tw_h5_attr_f64(f, "stop_achieved", s->achieved) < 0;
            bad |= H5Fclose(f) < 0;
        }
        if (bad)
            rc = tw_error_set(err, TW_EIO, "%s: cannot record the stop rule's result", path);
    }
    int code = rc;
    MPI_Bcast(&code, 1, MPI_INT, 0, comm);
    if (code && s->rank != 0)
        tw_error_set(err, code, "%s: rank 0 failed to record the stop rule", path);
    return code;
}
