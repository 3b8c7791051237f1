/* Sessions: a loaded config and the model it names, evaluated one scenario
 * at a time (the run loop in runner.c, the CLI's one-off evaluations). Kept
 * apart from the run loop: a session needs no MPI, output file or signals. */
#include "tradewar/runner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tradewar/params.h"
#include "tradewar/provenance.h"

void tw_session_close(tw_session *s)
{
    if (!s)
        return;
    if (s->type && s->state)
        s->type->destroy(s->state);
    tw_sens_free(s->sens);
    tw_summary_by_free(s->by);
    tw_stop_free(s->stop);
    tw_config_free(s->cfg);
    free(s->data_files);
    free(s);
}

int tw_session_open(const char *config_path, tw_session **out, tw_error *err)
{
    *out = NULL;
    tw_session *s = calloc(1, sizeof *s);
    if (!s)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    int rc = tw_config_load(config_path, &s->cfg, err);
    if (rc)
        goto fail;
    s->type = tw_model_find(s->cfg->model);
    if (!s->type) {
        char list[256] = "";
        size_t used = 0;
        for (const tw_model_type *const *m = tw_model_list(); *m; m++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                     used ? ", " : "", (*m)->name);
        tw_ynode mn = tw_ynode_get(tw_yaml_root(s->cfg->doc), "model");
        char where[600];
        tw_ynode_where(mn, "model", where, sizeof where);
        rc = tw_error_set(err, TW_ECONFIG, "%s: unknown model '%s' (valid: %s)", where,
                          s->cfg->model, list);
        goto fail;
    }
    tw_model_ctx ctx = {
        .doc = s->cfg->doc,
        .root = tw_yaml_root(s->cfg->doc),
        .config_dir = s->cfg->dir,
        .data_dir = s->cfg->data_dir,
        .tol = s->cfg->tol,
        .max_iter = s->cfg->max_iter,
    };
    /* unknown top-level keys first: a typo should not surface as a model error */
    if ((rc = tw_config_apply_model(s->cfg, s->type, NULL, err)))
        goto fail;
    tw_provenance_reset(); /* the model records every data file it reads */
    if ((rc = s->type->create(&ctx, &s->state, err)))
        goto fail;
    if (!(s->data_files = tw_provenance_text())) {
        rc = tw_error_set(err, TW_ENOMEM, "out of memory");
        goto fail;
    }
    s->schema = s->type->schema(s->state);
    if ((rc = tw_config_apply_model(s->cfg, s->type, s->schema->params, err)))
        goto fail;
    if ((rc = tw_sens_create(s->cfg, s->schema, &s->sens, s->sens_note, sizeof s->sens_note, err)))
        goto fail;
    if ((rc = tw_summary_by_create(s->cfg, s->schema->params, &s->by, err)))
        goto fail;
    if ((rc = tw_stop_create(s->cfg, s->schema, s->sens, &s->stop, err)))
        goto fail;
    *out = s;
    return TW_OK;
fail:
    tw_session_close(s);
    return rc;
}

int tw_session_evaluate(const tw_session *s, const double *params, double *outcomes,
                        tw_eval_status *st, tw_error *err)
{
    void *ws = s->type->workspace_alloc(s->state);
    if (!ws)
        return tw_error_set(err, TW_ENOMEM, "out of memory (model workspace)");
    tw_error merr = {0};
    int rc = s->type->evaluate(s->state, ws, params, outcomes, st, &merr);
    s->type->workspace_free(ws);
    if (rc)
        return tw_error_set(err, rc, "the model failed on this scenario: %s",
                            merr.msg[0] ? merr.msg : tw_error_name(rc));
    char why[8];
    if (st->converged && tw_sample_nonfinite(s->schema, params, outcomes, why, sizeof why))
        st->converged = 0; /* as in the run: an overflow is no result */
    return TW_OK;
}

int tw_sample_nonfinite(const tw_model_schema *s, const double *x, const double *y, char *buf,
                        size_t size)
{
    size_t np = tw_params_count(s->params);
    for (size_t i = 0; x && i < np; i++)
        if (!isfinite(x[i])) {
            snprintf(buf, size, "input '%s' = %g", tw_params_get(s->params, i)->name, x[i]);
            return 1;
        }
    size_t off = 0;
    for (size_t k = 0; y && k < s->n_outcomes; k++) {
        size_t m = tw_outcome_size(s, k);
        for (size_t e = 0; e < m; e++)
            if (!isfinite(y[off + e])) {
                if (m == 1)
                    snprintf(buf, size, "outcome '%s' = %g", s->outcomes[k].name, y[off + e]);
                else
                    snprintf(buf, size, "outcome '%s'[%zu] = %g", s->outcomes[k].name, e,
                             y[off + e]);
                return 1;
            }
        off += m;
    }
    return 0;
}
