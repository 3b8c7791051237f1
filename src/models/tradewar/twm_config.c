/* tradewar model: the model's config sections -> scenario spec (twm_config.h).
 * docs/MODEL_NOTES.md documents the keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradewar/config.h"
#include "twm_config.h"
#include "twm_solver.h"

/* "file:line: key 'path': " for a node (the node may be absent). */
static const char *where(tw_ynode n, const char *path, char *buf, size_t size)
{
    tw_ynode_where(n, path, buf, size);
    return buf;
}

/* A region or sector code at n -> its index in the data; the error names
 * the CSV the code is missing from. */
static int data_code(const twm_data *d, int sector, tw_ynode n, const char *path, int *out,
                     tw_error *err)
{
    const char *code;
    char w[700];
    int rc = tw_ynode_string(n, path, &code, err);
    if (rc)
        return rc;
    *out = sector ? twm_sector_index(d, code) : twm_region_index(d, code);
    if (*out < 0)
        return tw_error_set(err, TW_ECONFIG, "%s: unknown %s code '%s' (not in the data's "
                            "%s.csv)", where(n, path, w, sizeof w), sector ? "sector" : "region",
                            code, sector ? "sectors" : "regions");
    return TW_OK;
}

static int region_code(const twm_data *d, tw_ynode n, const char *path, int *out, tw_error *err)
{
    return data_code(d, 0, n, path, out, err);
}

static int sector_code(const twm_data *d, tw_ynode n, const char *path, int *out, tw_error *err)
{
    return data_code(d, 1, n, path, out, err);
}

/* A list of sector codes -> 0/1 mask. */
static int sector_list(const twm_data *d, tw_ynode n, const char *path, uint8_t *mask,
                       tw_error *err)
{
    char w[700], sub[256];
    if (tw_ynode_type(n) != TW_Y_SEQUENCE)
        return tw_error_set(err, TW_ECONFIG, "%s: expected a list of sector codes",
                            where(n, path, w, sizeof w));
    memset(mask, 0, d->J);
    for (size_t i = 0; i < tw_ynode_size(n); i++) {
        int j;
        snprintf(sub, sizeof sub, "%s[%zu]", path, i);
        int rc = sector_code(d, tw_ynode_item(n, i), sub, &j, err);
        if (rc)
            return rc;
        mask[j] = 1;
    }
    return TW_OK;
}

/* `sectors: {industrial: [..], critical: CODE | none, untariffed: [..],
 * us_duty_share: {CODE: share}}`: overrides of the data's sector flags and
 * the sectors the additional duties reach. */
static int read_sectors(const tw_model_ctx *ctx, twm_data *d, uint8_t *tariffed, double *share,
                        uint8_t *ilimit, int *has_ilimit, tw_error *err)
{
    static const char *const keys[] = {"industrial", "critical", "untariffed", "us_duty_share",
                                       "input_limits", NULL};
    tw_ynode s = tw_ynode_get(ctx->root, "sectors");
    for (size_t j = 0; j < d->J; j++) {
        tariffed[j] = 1;
        share[j] = 1.0;
    }
    if (!tw_ynode_ok(s))
        return TW_OK;
    int rc = tw_ynode_check_keys(s, "sectors", keys, err);
    if (rc)
        return rc;
    tw_ynode sh = tw_ynode_get(s, "us_duty_share");
    if (tw_ynode_ok(sh)) {
        char path[160], w[700];
        if ((rc = tw_ynode_require_map(sh, "sectors.us_duty_share", err)))
            return rc;
        for (size_t k = 0; k < tw_ynode_size(sh); k++) {
            tw_ynode kn = tw_ynode_key_at(sh, k), vn = tw_ynode_value_at(sh, k);
            int j;
            if ((rc = sector_code(d, kn, "sectors.us_duty_share", &j, err)))
                return rc;
            snprintf(path, sizeof path, "sectors.us_duty_share.%s", tw_ynode_scalar(kn));
            if ((rc = tw_ynode_double(vn, path, &share[j], err)))
                return rc;
            if (!(share[j] >= 0.0 && share[j] <= 1.0))
                return tw_error_set(err, TW_ECONFIG, "%s: must be in [0, 1], got %g",
                                    where(vn, path, w, sizeof w), share[j]);
        }
    }
    tw_ynode n = tw_ynode_get(s, "industrial");
    if (tw_ynode_ok(n) && (rc = sector_list(d, n, "sectors.industrial", d->industrial, err)))
        return rc;
    n = tw_ynode_get(s, "untariffed");
    if (tw_ynode_ok(n)) {
        if ((rc = sector_list(d, n, "sectors.untariffed", tariffed, err)))
            return rc;
        for (size_t j = 0; j < d->J; j++)
            tariffed[j] = !tariffed[j];
    }
    n = tw_ynode_get(s, "input_limits");
    if (tw_ynode_ok(n)) {
        if ((rc = sector_list(d, n, "sectors.input_limits", ilimit, err)))
            return rc;
        *has_ilimit = 1;
    }
    n = tw_ynode_get(s, "critical");
    if (tw_ynode_ok(n)) {
        const char *v = tw_ynode_scalar(n);
        if (v && (strcmp(v, "none") == 0 || strcmp(v, "null") == 0 || strcmp(v, "~") == 0 ||
                  v[0] == '\0')) {
            d->crm = -1;
        } else {
            int c;
            if ((rc = sector_code(d, n, "sectors.critical", &c, err)))
                return rc;
            d->crm = c;
        }
        for (size_t j = 0; j < d->J; j++)
            d->critical[j] = (int)j == d->crm;
    }
    return TW_OK;
}

static int read_mechanisms(const tw_model_ctx *ctx, int *mech, tw_error *err)
{
    const char *keys[TWM_M_COUNT + 1];
    for (int k = 0; k < TWM_M_COUNT; k++) {
        keys[k] = twm_mech_name(k);
        mech[k] = 1;
    }
    keys[TWM_M_COUNT] = NULL;
    tw_ynode s = tw_ynode_get(ctx->root, "mechanisms");
    if (!tw_ynode_ok(s))
        return TW_OK;
    int rc = tw_ynode_check_keys(s, "mechanisms", keys, err);
    if (rc)
        return rc;
    char path[128];
    for (int k = 0; k < TWM_M_COUNT; k++) {
        tw_ynode v = tw_ynode_get(s, keys[k]);
        if (!tw_ynode_ok(v))
            continue;
        snprintf(path, sizeof path, "mechanisms.%s", keys[k]);
        if ((rc = tw_ynode_bool(v, path, &mech[k], err)))
            return rc;
    }
    return TW_OK;
}

/* One partner's facts from `partners.<CODE>`. */
static int read_partner(tw_ynode node, const char *code, twm_partner_info *pi, tw_dist *comp,
                        int *has_comp, tw_error *err)
{
    static const char *const keys[] = {"compliance", "reciprocal", "extra_duty", "fdi_weight",
                                       "floor_exempt", NULL};
    char path[160], w[700];
    snprintf(path, sizeof path, "partners.%s", code);
    int rc = tw_ynode_check_keys(node, path, keys, err);
    if (rc)
        return rc;
    struct {
        const char *key;
        double *dst;
        double lo, hi;
    } nums[] = {{"reciprocal", &pi->reciprocal, 0.0, 10.0},
                {"extra_duty", &pi->extra_duty, -1.0, 10.0},
                {"fdi_weight", &pi->fdi_weight, 0.0, 1.0}};
    for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
        tw_ynode v = tw_ynode_get(node, nums[k].key);
        if (!tw_ynode_ok(v))
            continue;
        snprintf(path, sizeof path, "partners.%s.%s", code, nums[k].key);
        if ((rc = tw_ynode_double(v, path, nums[k].dst, err)))
            return rc;
        if (!(*nums[k].dst >= nums[k].lo && *nums[k].dst <= nums[k].hi))
            return tw_error_set(err, TW_ECONFIG, "%s: must be in [%g, %g], got %g",
                                where(v, path, w, sizeof w), nums[k].lo, nums[k].hi,
                                *nums[k].dst);
    }
    tw_ynode fe = tw_ynode_get(node, "floor_exempt");
    if (tw_ynode_ok(fe)) {
        snprintf(path, sizeof path, "partners.%s.floor_exempt", code);
        if ((rc = tw_ynode_bool(fe, path, &pi->floor_exempt, err)))
            return rc;
    }
    tw_ynode c = tw_ynode_get(node, "compliance");
    if (tw_ynode_ok(c)) {
        snprintf(path, sizeof path, "partners.%s.compliance", code);
        if ((rc = tw_config_parse_dist(c, path, comp, err)))
            return rc;
        *has_comp = 1;
        if (tw_dist_lower(comp) < 0.0 || tw_dist_upper(comp) > 1.0) {
            tw_dist_free(comp);
            *has_comp = 0;
            return tw_error_set(err, TW_ECONFIG, "%s: a compliance must lie in [0,1] (e.g. "
                                "{dist: beta, a: 2, b: 2}); this distribution reaches [%g, %g]",
                                where(c, path, w, sizeof w), tw_dist_lower(comp),
                                tw_dist_upper(comp));
        }
    }
    return TW_OK;
}

/* deficits: balanced. The baseline is replaced by the equilibrium of the
 * same economy with every deficit zero (no other shock, Cobb-Douglas inputs:
 * the nest's eps is a per-sample parameter, so the rebalanced baseline keeps
 * the data's cost shares), as Caliendo-Parro and Dekle-Eaton-Kortum do
 * before a counterfactual; every sample is then solved against it. */
static int rebalance_deficits(twm_data *d, tw_error *err)
{
    const size_t N = d->N, J = d->J;
    twm_solver_ws *ws = twm_solver_ws_alloc(d);
    double *D0 = calloc(N, sizeof(double));
    int rc = TW_OK;
    if (!ws || !D0) {
        rc = tw_error_set(err, TW_ENOMEM, "out of memory (deficits: balanced)");
        goto out;
    }
    twm_shock sh;
    memset(&sh, 0, sizeof sh);
    sh.eps_crm = 1.0;
    sh.D_new = D0;
    twm_solver_opts o = {1e-12, 20000};
    twm_result r;
    if ((rc = twm_solve(d, &sh, &o, ws, &r, err)))
        goto out;
    if (!r.converged) {
        rc = tw_error_set(err, TW_EDATA, "deficits: balanced: the zero-deficit equilibrium was "
                          "not found (residual %g after %d iterations)", r.residual,
                          r.iterations);
        goto out;
    }
    for (size_t n = 0; n < N; n++)
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < J; j++) {
                const size_t x = TWM_NIJ(N, J, n, i, j);
                d->Z[x] = r.pi_new[x] * r.X_new[n * J + j] / (1.0 + d->tau[x]);
            }
    rc = twm_data_derive(d, err);
out:
    twm_solver_ws_free(ws);
    free(D0);
    return rc;
}

/* deficits: fixed (MODEL.md) | world_share (the same: fixed in units of
 * world value added, the numeraire) | balanced */
static int read_deficits(const tw_model_ctx *ctx, twm_data *d, tw_error *err)
{
    char w[700];
    int rc;
    tw_ynode dfn = tw_ynode_get(ctx->root, "deficits");
    if (!tw_ynode_ok(dfn))
        return TW_OK;
    const char *v;
    if ((rc = tw_ynode_string(dfn, "deficits", &v, err)))
        return rc;
    if (strcmp(v, "balanced") == 0) {
        if ((rc = rebalance_deficits(d, err)))
            tw_error_prefix(err, "%s: ", where(dfn, "deficits", w, sizeof w));
        return rc;
    }
    if (strcmp(v, "fixed") != 0 && strcmp(v, "world_share") != 0)
        return tw_error_set(err, TW_ECONFIG, "%s: unknown value '%s' (valid: fixed, "
                            "world_share, balanced)", where(dfn, "deficits", w, sizeof w), v);
    return TW_OK;
}

/* regions: {us, cn, partners}: the US and China roles (default USA, CHN) are
 * needed before the partner set; *plist gets regions.partners (absent if not
 * given). */
static int read_roles(const tw_model_ctx *ctx, const twm_data *d, twm_scenario_spec *spec,
                      tw_ynode *plist, tw_error *err)
{
    char w[700];
    int rc;
    spec->us = twm_region_index(d, "USA");
    spec->cn = twm_region_index(d, "CHN");
    tw_ynode rg = tw_ynode_get(ctx->root, "regions");
    if (tw_ynode_ok(rg)) {
        static const char *const rkeys[] = {"us", "cn", "partners", NULL};
        if ((rc = tw_ynode_check_keys(rg, "regions", rkeys, err)))
            return rc;
        tw_ynode v = tw_ynode_get(rg, "us");
        if (tw_ynode_ok(v) && (rc = region_code(d, v, "regions.us", &spec->us, err)))
            return rc;
        v = tw_ynode_get(rg, "cn");
        if (tw_ynode_ok(v) && (rc = region_code(d, v, "regions.cn", &spec->cn, err)))
            return rc;
        *plist = tw_ynode_get(rg, "partners");
    }
    if (spec->us < 0 || spec->cn < 0)
        return tw_error_set(err, TW_ECONFIG, "%s: the data have no region %s; name the US and "
                            "China regions with regions: {us: CODE, cn: CODE}",
                            tw_yaml_filename(ctx->doc), spec->us < 0 ? "USA" : "CHN");
    if (spec->us == spec->cn)
        return tw_error_set(err, TW_ECONFIG, "%s: regions.us and regions.cn are the same region",
                            where(rg, "regions", w, sizeof w));
    return TW_OK;
}

/* regions.partners (default: every region but the US and China) ->
 * cfg->pinfo with the facts' defaults, before partners.<CODE> overrides them. */
static int read_partner_set(const twm_data *d, tw_ynode plist, twm_config *cfg, tw_error *err)
{
    twm_scenario_spec *spec = &cfg->spec;
    twm_partner_info *pinfo = cfg->pinfo;
    char w[700], path[160];
    size_t P = 0;
    int rc;
    if (tw_ynode_ok(plist)) {
        if (tw_ynode_type(plist) != TW_Y_SEQUENCE)
            return tw_error_set(err, TW_ECONFIG, "%s: expected a list of region codes",
                                where(plist, "regions.partners", w, sizeof w));
        for (size_t i = 0; i < tw_ynode_size(plist); i++) {
            int r;
            tw_ynode it = tw_ynode_item(plist, i);
            snprintf(path, sizeof path, "regions.partners[%zu]", i);
            if ((rc = region_code(d, it, path, &r, err)))
                return rc;
            if (r == spec->us || r == spec->cn)
                return tw_error_set(err, TW_ECONFIG, "%s: '%s' is the US or China region, not "
                                    "a partner", where(it, path, w, sizeof w),
                                    d->region_code[r]);
            for (size_t a = 0; a < P; a++)
                if (pinfo[a].region == r)
                    return tw_error_set(err, TW_ECONFIG, "%s: partner '%s' listed twice",
                                        where(it, path, w, sizeof w), d->region_code[r]);
            pinfo[P++].region = r;
        }
    } else {
        for (size_t n = 0; n < d->N; n++)
            if ((int)n != spec->us && (int)n != spec->cn)
                pinfo[P++].region = (int)n;
    }
    if (P == 0)
        return tw_error_set(err, TW_ECONFIG, "%s: the partner set is empty",
                            where(plist, "regions.partners", w, sizeof w));
    for (size_t a = 0; a < P; a++) {
        pinfo[a].reciprocal = 0.10; /* no announced rate: the floor */
        pinfo[a].extra_duty = 0.0;
        pinfo[a].fdi_weight = -1.0; /* derive */
    }
    spec->n_partners = P;
    spec->partners = pinfo;
    return TW_OK;
}

/* Index of the partner named by a config key (region code), or P when the
 * code is missing, unknown (*region = -1) or not a partner; partners: and
 * reroute_weights: are both keyed by partner. */
static size_t partner_index(const twm_data *d, const twm_partner_info *pinfo, size_t P,
                            const char *code, int *region)
{
    int r = code ? twm_region_index(d, code) : -1;
    size_t a = P;
    for (size_t q = 0; q < P && r >= 0; q++)
        if (pinfo[q].region == r)
            a = q;
    *region = r;
    return a;
}

/* partners: {CODE: {compliance, reciprocal, extra_duty, fdi_weight}} */
static int read_partners(const tw_model_ctx *ctx, const twm_data *d, twm_config *cfg,
                         tw_error *err)
{
    const size_t P = cfg->spec.n_partners;
    twm_partner_info *pinfo = cfg->pinfo;
    char w[700], path[160];
    int rc;
    tw_ynode ps = tw_ynode_get(ctx->root, "partners");
    if (!tw_ynode_ok(ps))
        return TW_OK;
    if ((rc = tw_ynode_require_map(ps, "partners", err)))
        return rc;
    for (size_t k = 0; k < tw_ynode_size(ps); k++) {
        tw_ynode kn = tw_ynode_key_at(ps, k), vn = tw_ynode_value_at(ps, k);
        const char *code = tw_ynode_scalar(kn);
        int r;
        size_t a = partner_index(d, pinfo, P, code, &r);
        if (a == P) {
            char valid[512] = "";
            size_t len = 0;
            for (size_t q = 0; q < P && len + 8 < sizeof valid; q++)
                len += (size_t)snprintf(valid + len, sizeof valid - len, "%s%s",
                                        q ? ", " : "", d->region_code[pinfo[q].region]);
            snprintf(path, sizeof path, "partners.%s", code ? code : "?");
            return tw_error_set(err, TW_ECONFIG, "%s: %s '%s' (partners: %s)",
                                where(kn, path, w, sizeof w),
                                r < 0 ? "unknown region code" : "not a partner region",
                                code ? code : "?", valid);
        }
        if (tw_ynode_type(vn) != TW_Y_MAPPING) {
            snprintf(path, sizeof path, "partners.%s", code);
            return tw_error_set(err, TW_ECONFIG, "%s: expected a mapping {compliance: ..., "
                                "reciprocal: ..., extra_duty: ..., fdi_weight: ..., "
                                "floor_exempt: ...}",
                                where(vn, path, w, sizeof w));
        }
        if (cfg->has_comp[a] & 2) {
            snprintf(path, sizeof path, "partners.%s", code);
            return tw_error_set(err, TW_ECONFIG, "%s: partner '%s' given twice",
                                where(kn, path, w, sizeof w), code);
        }
        int got = 0;
        rc = read_partner(vn, code, &pinfo[a], &cfg->pcomp[a], &got, err);
        cfg->has_comp[a] = got | 2; /* bit 0: a compliance dist, bit 1: seen */
        if (rc)
            return rc;
    }
    return TW_OK;
}

/* reroute_weights: us_imports (MODEL.md) | transit | {CODE: share, ...} */
static int read_reroute_weights(const tw_model_ctx *ctx, const twm_data *d, twm_config *cfg,
                                tw_error *err)
{
    twm_scenario_spec *spec = &cfg->spec;
    const size_t P = spec->n_partners;
    char w[700], path[160];
    int rc;
    tw_ynode rw = tw_ynode_get(ctx->root, "reroute_weights");
    if (tw_ynode_ok(rw) && tw_ynode_type(rw) == TW_Y_MAPPING) {
        double *route_given = cfg->route_given = malloc(P * sizeof(double));
        if (!route_given)
            return tw_error_set(err, TW_ENOMEM, "out of memory");
        for (size_t a = 0; a < P; a++)
            route_given[a] = -1.0;
        double gsum = 0.0;
        for (size_t k = 0; k < tw_ynode_size(rw); k++) {
            tw_ynode kn = tw_ynode_key_at(rw, k), vn = tw_ynode_value_at(rw, k);
            const char *code = tw_ynode_scalar(kn);
            int r;
            size_t a = partner_index(d, cfg->pinfo, P, code, &r);
            snprintf(path, sizeof path, "reroute_weights.%s", code ? code : "?");
            if (a == P)
                return tw_error_set(err, TW_ECONFIG, "%s: '%s' is not a partner region (the "
                                    "transit shares are by partner)",
                                    where(kn, path, w, sizeof w), code ? code : "?");
            if (route_given[a] >= 0.0)
                return tw_error_set(err, TW_ECONFIG, "%s: partner '%s' given twice",
                                    where(kn, path, w, sizeof w), code);
            if ((rc = tw_ynode_double(vn, path, &route_given[a], err)))
                return rc;
            if (!(route_given[a] >= 0.0 && route_given[a] <= 1.0))
                return tw_error_set(err, TW_ECONFIG, "%s: a share of the transit capacity "
                                    "must be in [0, 1], got %g", where(vn, path, w, sizeof w),
                                    route_given[a]);
            gsum += route_given[a];
        }
        if (gsum > 1.0 + 1e-9)
            return tw_error_set(err, TW_ECONFIG, "%s: the shares sum to %g; they must sum to "
                                "at most 1 (partners not listed share the rest)",
                                where(rw, "reroute_weights", w, sizeof w), gsum);
        spec->route_given = route_given;
    } else if (tw_ynode_ok(rw)) {
        const char *v;
        if ((rc = tw_ynode_string(rw, "reroute_weights", &v, err)))
            return rc;
        if (strcmp(v, "transit") == 0) {
            spec->reroute_transit = 1;
        } else if (strcmp(v, "us_imports") != 0) {
            return tw_error_set(err, TW_ECONFIG, "%s: unknown value '%s' (valid: us_imports, "
                                "transit, or a mapping {PARTNER: share, ...})",
                                where(rw, "reroute_weights", w, sizeof w), v);
        }
    }
    return TW_OK;
}

/* re_scope: us (MODEL.md) | aligned | world */
static int read_re_scope(const tw_model_ctx *ctx, twm_scenario_spec *spec, tw_error *err)
{
    char w[700];
    int rc;
    tw_ynode rs = tw_ynode_get(ctx->root, "re_scope");
    spec->re_scope = TWM_RE_US;
    if (!tw_ynode_ok(rs))
        return TW_OK;
    static const char *const scopes[] = {"us", "aligned", "world"};
    const char *v;
    if ((rc = tw_ynode_string(rs, "re_scope", &v, err)))
        return rc;
    spec->re_scope = -1;
    for (int k = 0; k < 3; k++)
        if (strcmp(v, scopes[k]) == 0)
            spec->re_scope = k;
    if (spec->re_scope < 0)
        return tw_error_set(err, TW_ECONFIG, "%s: unknown value '%s' (valid: us, aligned, "
                            "world)", where(rs, "re_scope", w, sizeof w), v);
    return TW_OK;
}

/* horizon: long (MODEL.md) | short */
static int read_horizon(const tw_model_ctx *ctx, twm_scenario_spec *spec, tw_error *err)
{
    char w[700];
    int rc;
    tw_ynode hz = tw_ynode_get(ctx->root, "horizon");
    spec->theta_factor = 1.0;
    if (!tw_ynode_ok(hz))
        return TW_OK;
    const char *v;
    if ((rc = tw_ynode_string(hz, "horizon", &v, err)))
        return rc;
    if (strcmp(v, "short") == 0) {
        spec->theta_factor = TWM_SHORT_RUN_THETA_FACTOR;
    } else if (strcmp(v, "long") != 0) {
        return tw_error_set(err, TW_ECONFIG, "%s: unknown value '%s' (valid: short, long)",
                            where(hz, "horizon", w, sizeof w), v);
    }
    return TW_OK;
}

/* fdi_profits: host (default, MODEL.md) | china: who earns the operating
 * profits of relocated Chinese plants (mechanism 7). */
static int read_fdi_profits(const tw_model_ctx *ctx, twm_scenario_spec *spec, tw_error *err)
{
    char w[700];
    int rc;
    tw_ynode fp = tw_ynode_get(ctx->root, "fdi_profits");
    spec->fdi_profits = TWM_FDI_PROFITS_HOST;
    if (!tw_ynode_ok(fp))
        return TW_OK;
    const char *v;
    if ((rc = tw_ynode_string(fp, "fdi_profits", &v, err)))
        return rc;
    if (strcmp(v, "china") == 0) {
        spec->fdi_profits = TWM_FDI_PROFITS_CHINA;
    } else if (strcmp(v, "host") != 0) {
        return tw_error_set(err, TW_ECONFIG, "%s: unknown value '%s' (valid: host, china)",
                            where(fp, "fdi_profits", w, sizeof w), v);
    }
    return TW_OK;
}

/* counterfactual: {tariffs: file.csv, trade_costs: file.csv}: base tariffs
 * (default: the data's) and trade costs (default: 1) relative to the config. */
static int read_counterfactual(const tw_model_ctx *ctx, const twm_data *d, twm_config *cfg,
                               tw_error *err)
{
    static const char *const ckeys[] = {"tariffs", "trade_costs", NULL};
    const size_t N = d->N, J = d->J;
    char w[700], path[160];
    char *fpath = NULL;
    int rc = TW_OK;
    tw_ynode cf = tw_ynode_get(ctx->root, "counterfactual");
    if (!tw_ynode_ok(cf))
        return TW_OK;
    if ((rc = tw_ynode_check_keys(cf, "counterfactual", ckeys, err)))
        return rc;
    for (int k = 0; k < 2; k++) {
        tw_ynode v = tw_ynode_get(cf, ckeys[k]);
        if (!tw_ynode_ok(v))
            continue;
        const char *rel;
        snprintf(path, sizeof path, "counterfactual.%s", ckeys[k]);
        if ((rc = tw_ynode_string(v, path, &rel, err)))
            goto out;
        double **dst = k == 0 ? &cfg->tau_cf : &cfg->dhat_cf;
        *dst = malloc(N * N * J * sizeof(double));
        if (!*dst) {
            rc = tw_error_set(err, TW_ENOMEM, "out of memory");
            goto out;
        }
        if (k == 0) {
            memcpy(cfg->tau_cf, d->tau, N * N * J * sizeof(double));
        } else {
            for (size_t x = 0; x < N * N * J; x++)
                cfg->dhat_cf[x] = 1.0;
        }
        free(fpath);
        fpath = tw_path_join(ctx->config_dir ? ctx->config_dir : ".", rel);
        if (!fpath) {
            rc = tw_error_set(err, TW_ENOMEM, "out of memory");
            goto out;
        }
        rc = twm_data_read_bilateral(d, fpath, k == 0 ? "rate" : "dhat", 0.0, k == 1, *dst, err);
        if (rc) {
            tw_error_prefix(err, "%s: ", where(v, path, w, sizeof w));
            goto out;
        }
    }
out:
    free(fpath);
    return rc;
}

int twm_config_read(const tw_model_ctx *ctx, twm_data *d, twm_config *cfg, tw_error *err)
{
    const size_t N = d->N, J = d->J;
    twm_scenario_spec *spec = &cfg->spec;
    int rc;
    memset(cfg, 0, sizeof *cfg);
    cfg->n_regions = N;
    /* first: rebalancing changes the data the other sections are checked on */
    if ((rc = read_deficits(ctx, d, err)))
        return rc;
    cfg->tariffed = malloc(J);
    cfg->share = malloc(J * sizeof(double));
    cfg->ilimit = calloc(J, 1);
    if (!cfg->tariffed || !cfg->share || !cfg->ilimit)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    if ((rc = read_sectors(ctx, d, cfg->tariffed, cfg->share, cfg->ilimit, &cfg->has_ilimit,
                           err)))
        return rc;
    if ((rc = read_mechanisms(ctx, spec->mech, err)))
        return rc;
    tw_ynode plist = {0};
    if ((rc = read_roles(ctx, d, spec, &plist, err)))
        return rc;
    cfg->pinfo = calloc(N, sizeof *cfg->pinfo);
    cfg->pcomp = calloc(N, sizeof *cfg->pcomp);
    cfg->has_comp = calloc(N, sizeof *cfg->has_comp);
    if (!cfg->pinfo || !cfg->pcomp || !cfg->has_comp)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    if ((rc = read_partner_set(d, plist, cfg, err)) || (rc = read_partners(ctx, d, cfg, err)) ||
        (rc = read_reroute_weights(ctx, d, cfg, err)) || (rc = read_re_scope(ctx, spec, err)) ||
        (rc = read_horizon(ctx, spec, err)) || (rc = read_fdi_profits(ctx, spec, err)))
        return rc;
    spec->tariffed = cfg->tariffed;
    spec->us_duty_share = cfg->share;
    spec->input_limit_sectors = cfg->has_ilimit ? cfg->ilimit : NULL;
    if ((rc = read_counterfactual(ctx, d, cfg, err)))
        return rc;
    spec->tau_base = cfg->tau_cf;
    spec->dhat_base = cfg->dhat_cf;
    return TW_OK;
}

void twm_config_free(twm_config *cfg)
{
    if (cfg->pcomp && cfg->has_comp)
        for (size_t a = 0; a < cfg->n_regions; a++)
            if (cfg->has_comp[a] & 1)
                tw_dist_free(&cfg->pcomp[a]);
    free(cfg->pcomp);
    free(cfg->has_comp);
    free(cfg->pinfo);
    free(cfg->tariffed);
    free(cfg->ilimit);
    free(cfg->share);
    free(cfg->tau_cf);
    free(cfg->dhat_cf);
    free(cfg->route_given);
    memset(cfg, 0, sizeof *cfg);
}
