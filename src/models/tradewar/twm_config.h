/* tradewar model: the model's config sections (regions, partners, mechanisms,
 * counterfactual, sectors, reroute_weights, re_scope, horizon, deficits, fdi_profits;
 * docs/MODEL_NOTES.md) read and checked into a scenario spec, apart from the
 * engine glue in twm_model.c so that each module has one job. */
#ifndef TWM_CONFIG_H
#define TWM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "tradewar/model.h"
#include "twm_data.h"
#include "twm_scenario.h"

/* What the config says; spec points into the arrays below, which this
 * module owns (twm_config_free). */
typedef struct twm_config {
    twm_scenario_spec spec;
    size_t n_regions;         /* N: length of pinfo, pcomp, has_comp */
    twm_partner_info *pinfo;  /* [N], the first spec.n_partners used */
    tw_dist *pcomp;           /* [N] compliance distributions given in partners.<CODE> */
    int *has_comp;            /* [N] bit 0: pcomp[a] given, bit 1: partner seen */
    uint8_t *tariffed;        /* [J] */
    uint8_t *ilimit;          /* [J] */
    int has_ilimit;
    double *share;            /* [J] */
    double *tau_cf, *dhat_cf; /* [N*N*J] or NULL */
    double *route_given;      /* [n_partners] or NULL */
} twm_config;

/* Read the model's config sections of ctx into cfg (zeroed first). May change
 * d: `deficits: balanced` rebalances the data and `sectors:` overrides its
 * sector flags. Errors (TW_ECONFIG, TW_EDATA, TW_ENOMEM) name file, line and
 * key; cfg must be freed either way. */
int twm_config_read(const tw_model_ctx *ctx, twm_data *d, twm_config *cfg, tw_error *err);
void twm_config_free(twm_config *cfg);

#endif
