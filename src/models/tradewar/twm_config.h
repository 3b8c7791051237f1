/* tradewar model: the model's config sections (regions, partners, mechanisms,
 * counterfactual, sectors, reroute_weights, re_scope, horizon, deficits, fdi_profits,
 * deficit_absorber, deficit_change;
 * docs/MODEL_NOTES.md) read and checked into a scenario spec, apart from the
 * engine glue in twm_model.c so that each module has one job. */
#ifndef TWM_CONFIG_H
#define TWM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "tradewar/model.h"
#include "twm_data.h"
#include "twm_scenario.h"

/* One partner's keys (`partners.<CODE>`; twm_partner_keys). */
typedef struct twm_partner_cfg {
    twm_partner_info info;
    tw_dist comp;             /* default distribution of compliance_<CODE> */
    int has_comp;             /* comp is set (always, after reading: it has a default) */
    int seen;                 /* given in partners: (a second entry is an error) */
} twm_partner_cfg;

enum { TWM_DEFICITS_FIXED, TWM_DEFICITS_WORLD_SHARE, TWM_DEFICITS_BALANCED };
enum { TWM_HORIZON_SHORT, TWM_HORIZON_LONG };

/* What the config says; spec points into the arrays below, which this
 * module owns (twm_config_free). */
typedef struct twm_config {
    twm_scenario_spec spec;
    int deficits;             /* TWM_DEFICITS_* */
    int horizon;              /* TWM_HORIZON_* */
    size_t n_regions;         /* N: length of pinfo, partner */
    twm_partner_info *pinfo;  /* [N], the first spec.n_partners used (spec.partners) */
    twm_partner_cfg *partner; /* [N] what partners.<CODE> says, in partner order */
    uint8_t *tariffed;        /* [J] */
    uint8_t *ilimit;          /* [J] */
    int has_ilimit;
    double *share;            /* [J] */
    double *tau_cf, *dhat_cf; /* [N*N*J] or NULL */
    double *route_given;      /* [n_partners] or NULL */
    int dd_absorber;          /* deficit_absorber: a region, or -1 = world_share */
    double *dD;               /* [N] deficit_change: with the absorption, or NULL */
} twm_config;

/* The model's top-level keys (tw_model_type.config_keys). */
#define TWM_N_CONFIG_KEYS 12
extern const tw_key twm_config_keys[TWM_N_CONFIG_KEYS];

/* Read the model's config sections of ctx into cfg (zeroed first). May change
 * d: `deficits: balanced` rebalances the data and `sectors:` overrides its
 * sector flags. Errors (TW_ECONFIG, TW_EDATA, TW_ENOMEM) name file, line and
 * key; cfg must be freed either way. */
int twm_config_read(const tw_model_ctx *ctx, twm_data *d, twm_config *cfg, tw_error *err);
void twm_config_free(twm_config *cfg);

#endif
