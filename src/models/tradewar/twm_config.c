/* tradewar model: the model's config sections -> scenario spec (twm_config.h).
 *
 * Every key is declared in the tables at the end of this file (name, type,
 * bounds or allowed values, default, destination, meaning: tradewar/keys.h)
 * and read by the engine's one reader; the structured values (codes, lists
 * of codes, maps by partner or sector, files, distributions) have readers
 * here. `tradewar check --keys CONFIG` lists the tables; docs/MODEL_NOTES.md
 * explains the keys. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twm_config.h"
#include "twm_solver.h"

/* What every reader of this file gets as `user`. */
typedef struct rd {
    const tw_model_ctx *ctx;
    twm_data *d;
    twm_config *cfg;
} rd;

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

/* ---- sectors: {us_duty_share, industrial, untariffed, input_limits, critical} ---- */

/* us_duty_share: {CODE: share}: the share of the additional US duties levied
 * in a sector (default 1 everywhere) */
static int read_duty_share(tw_ynode sh, const char *path, const tw_key *key, void *dst,
                           void *user, tw_error *err)
{
    (void)key;
    (void)dst;
    const rd *r = user;
    char sub[160], w[700];
    int rc;
    if (!tw_ynode_ok(sh))
        return TW_OK;
    if ((rc = tw_ynode_require_map(sh, path, err)))
        return rc;
    for (size_t k = 0; k < tw_ynode_size(sh); k++) {
        tw_ynode kn = tw_ynode_key_at(sh, k), vn = tw_ynode_value_at(sh, k);
        int j;
        if ((rc = sector_code(r->d, kn, path, &j, err)))
            return rc;
        snprintf(sub, sizeof sub, "%s.%s", path, tw_ynode_scalar(kn));
        double *share = &r->cfg->share[j];
        if ((rc = tw_ynode_double(vn, sub, share, err)))
            return rc;
        if (!(*share >= 0.0 && *share <= 1.0))
            return tw_error_set(err, TW_ECONFIG, "%s: must be in [0, 1], got %g",
                                where(vn, sub, w, sizeof w), *share);
    }
    return TW_OK;
}

static int read_industrial(tw_ynode n, const char *path, const tw_key *key, void *dst,
                           void *user, tw_error *err)
{
    (void)key;
    (void)dst;
    const rd *r = user;
    return tw_ynode_ok(n) ? sector_list(r->d, n, path, r->d->industrial, err) : TW_OK;
}

static int read_untariffed(tw_ynode n, const char *path, const tw_key *key, void *dst,
                           void *user, tw_error *err)
{
    (void)key;
    (void)dst;
    const rd *r = user;
    if (!tw_ynode_ok(n))
        return TW_OK;
    int rc = sector_list(r->d, n, path, r->cfg->tariffed, err);
    for (size_t j = 0; !rc && j < r->d->J; j++)
        r->cfg->tariffed[j] = !r->cfg->tariffed[j];
    return rc;
}

static int read_input_limits(tw_ynode n, const char *path, const tw_key *key, void *dst,
                             void *user, tw_error *err)
{
    (void)key;
    (void)dst;
    const rd *r = user;
    if (!tw_ynode_ok(n))
        return TW_OK;
    r->cfg->has_ilimit = 1;
    return sector_list(r->d, n, path, r->cfg->ilimit, err);
}

static int read_critical(tw_ynode n, const char *path, const tw_key *key, void *dst,
                         void *user, tw_error *err)
{
    (void)key;
    (void)dst;
    twm_data *d = ((const rd *)user)->d;
    if (!tw_ynode_ok(n))
        return TW_OK;
    const char *v = tw_ynode_scalar(n);
    if (v && (strcmp(v, "none") == 0 || strcmp(v, "null") == 0 || strcmp(v, "~") == 0 ||
              v[0] == '\0')) {
        d->crm = -1;
    } else {
        int c, rc;
        if ((rc = sector_code(d, n, path, &c, err)))
            return rc;
        d->crm = c;
    }
    for (size_t j = 0; j < d->J; j++)
        d->critical[j] = (int)j == d->crm;
    return TW_OK;
}

/* ---- deficits ---- */

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
    twm_solver_opts o = {.tol = 1e-12, .max_iter = 20000};
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

/* deficits: balanced rebases the data before any other section is read
 * (they are checked on the data the samples are solved against) */
static int after_deficits(tw_ynode n, const char *path, const tw_key *key, void *dst,
                          void *user, tw_error *err)
{
    (void)key;
    char w[700];
    if (*(const int *)dst != TWM_DEFICITS_BALANCED)
        return TW_OK;
    int rc = rebalance_deficits(((const rd *)user)->d, err);
    if (rc)
        tw_error_prefix(err, "%s: ", where(n, path, w, sizeof w));
    return rc;
}

/* ---- regions: {us, cn, partners} ---- */

/* regions.us, regions.cn: a region code (default USA, CHN) -> its index */
static int read_role(tw_ynode n, const char *path, const tw_key *key, void *dst, void *user,
                     tw_error *err)
{
    (void)key;
    return region_code(((const rd *)user)->d, n, path, dst, err);
}

static int after_cn(tw_ynode n, const char *path, const tw_key *key, void *dst, void *user,
                    tw_error *err)
{
    (void)key;
    (void)dst;
    char w[700];
    const twm_scenario_spec *spec = &((const rd *)user)->cfg->spec;
    if (spec->us == spec->cn)
        return tw_error_set(err, TW_ECONFIG, "%s: regions.us and regions.cn are the same region",
                            where(n, path, w, sizeof w));
    return TW_OK;
}

/* partners.<CODE>.compliance: a distribution in [0, 1] */
static int read_compliance(tw_ynode c, const char *path, const tw_key *key, void *dst,
                           void *user, tw_error *err)
{
    (void)key;
    (void)user;
    twm_partner_cfg *pc = dst;
    char w[700];
    if (pc->has_comp) /* the default, now overridden */
        tw_dist_free(&pc->comp);
    pc->has_comp = 0;
    int rc = tw_keys_parse_dist(c, path, &pc->comp, err);
    if (rc)
        return rc;
    if (tw_dist_lower(&pc->comp) < 0.0 || tw_dist_upper(&pc->comp) > 1.0) {
        rc = tw_error_set(err, TW_ECONFIG, "%s: a compliance must lie in [0,1] (e.g. "
                          "{dist: beta, a: 2, b: 2}); this distribution reaches [%g, %g]",
                          where(c, path, w, sizeof w), tw_dist_lower(&pc->comp),
                          tw_dist_upper(&pc->comp));
        tw_dist_free(&pc->comp);
        return rc;
    }
    pc->has_comp = 1;
    return TW_OK;
}

#define PART(f) offsetof(twm_partner_cfg, f)

static const tw_key partner_keys[] = {
    {.name = "compliance", .type = TW_KEY_CUSTOM, .def = "{dist: beta, a: 2, b: 2}",
     .offset = TW_KEY_NOWHERE, .read = read_compliance, .what = "distribution in [0, 1]",
     .doc = "default distribution of compliance_<CODE>, alignment with US demands (3.3)"},
    {.name = "reciprocal", .type = TW_KEY_DOUBLE, .def = "0.10", .offset = PART(info.reciprocal),
     .lo = 0.0, .hi = 10.0, .doc = "r_a, the announced reciprocal rate (none: the floor) (3.4)"},
    {.name = "extra_duty", .type = TW_KEY_DOUBLE, .def = "0", .offset = PART(info.extra_duty),
     .lo = -1.0, .hi = 10.0, .doc = "t_us_a, additional US duty outside the reciprocal scheme"},
    {.name = "fdi_weight", .type = TW_KEY_DOUBLE, .offset = PART(info.fdi_weight), .lo = 0.0,
     .hi = 1.0, .def_note = "derived", .doc = "w_a^fdi, share of relocated capacity (3.7; "
                                               "default: from industrial output)"},
    {.name = "floor_exempt", .type = TW_KEY_BOOL, .def = "false",
     .offset = PART(info.floor_exempt), .doc = "the t_floor duty does not apply (3.4)"},
};
#define n_partner_keys TW_KEYS_COUNT(partner_keys)

/* regions.partners (default: every region but the US and China), each with
 * the defaults of partner_keys until partners.<CODE> says otherwise */
static int read_partner_set(tw_ynode plist, const char *path, const tw_key *key, void *dst,
                            void *user, tw_error *err)
{
    (void)key;
    (void)dst;
    const rd *r = user;
    const twm_data *d = r->d;
    twm_config *cfg = r->cfg;
    twm_scenario_spec *spec = &cfg->spec;
    char w[700], sub[160];
    size_t P = 0;
    int rc;
    if (tw_ynode_ok(plist)) {
        if (tw_ynode_type(plist) != TW_Y_SEQUENCE)
            return tw_error_set(err, TW_ECONFIG, "%s: expected a list of region codes",
                                where(plist, path, w, sizeof w));
        for (size_t i = 0; i < tw_ynode_size(plist); i++) {
            int g;
            tw_ynode it = tw_ynode_item(plist, i);
            snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            if ((rc = region_code(d, it, sub, &g, err)))
                return rc;
            if (g == spec->us || g == spec->cn)
                return tw_error_set(err, TW_ECONFIG, "%s: '%s' is the US or China region, not "
                                    "a partner", where(it, sub, w, sizeof w),
                                    d->region_code[g]);
            for (size_t a = 0; a < P; a++)
                if (cfg->partner[a].info.region == g)
                    return tw_error_set(err, TW_ECONFIG, "%s: partner '%s' listed twice",
                                        where(it, sub, w, sizeof w), d->region_code[g]);
            cfg->partner[P++].info.region = g;
        }
    } else {
        for (size_t n = 0; n < d->N; n++)
            if ((int)n != spec->us && (int)n != spec->cn)
                cfg->partner[P++].info.region = (int)n;
    }
    if (P == 0)
        return tw_error_set(err, TW_ECONFIG, "%s: the partner set is empty",
                            where(plist, path, w, sizeof w));
    spec->n_partners = P;
    for (size_t a = 0; a < P; a++) {
        cfg->partner[a].info.fdi_weight = -1.0; /* derive, unless given */
        snprintf(sub, sizeof sub, "partners.%s", d->region_code[cfg->partner[a].info.region]);
        tw_ynode none = {plist.doc, 0};
        if ((rc = tw_keys_read(none, sub, partner_keys, n_partner_keys, &cfg->partner[a], user,
                               1, err)))
            return rc;
    }
    return TW_OK;
}

/* ---- partners: {CODE: {compliance, reciprocal, extra_duty, fdi_weight, floor_exempt}} ---- */

/* Index of the partner named by a config key (region code), or P when the
 * code is missing, unknown (*region = -1) or not a partner; partners: and
 * reroute_weights: are both keyed by partner. */
static size_t partner_index(const twm_data *d, const twm_config *cfg, const char *code,
                            int *region)
{
    const size_t P = cfg->spec.n_partners;
    int g = code ? twm_region_index(d, code) : -1;
    size_t a = P;
    for (size_t q = 0; q < P && g >= 0; q++)
        if (cfg->partner[q].info.region == g)
            a = q;
    *region = g;
    return a;
}

static int read_partners(tw_ynode ps, const char *path, const tw_key *key, void *dst,
                         void *user, tw_error *err)
{
    (void)dst;
    const rd *r = user;
    const twm_data *d = r->d;
    twm_config *cfg = r->cfg;
    const size_t P = cfg->spec.n_partners;
    char w[700], sub[160];
    int rc;
    if (!tw_ynode_ok(ps))
        return TW_OK;
    if ((rc = tw_ynode_require_map(ps, path, err)))
        return rc;
    for (size_t k = 0; k < tw_ynode_size(ps); k++) {
        tw_ynode kn = tw_ynode_key_at(ps, k), vn = tw_ynode_value_at(ps, k);
        const char *code = tw_ynode_scalar(kn);
        int g;
        size_t a = partner_index(d, cfg, code, &g);
        snprintf(sub, sizeof sub, "%s.%s", path, code ? code : "?");
        if (a == P) {
            char valid[512] = "";
            size_t len = 0;
            for (size_t q = 0; q < P && len + 8 < sizeof valid; q++)
                len += (size_t)snprintf(valid + len, sizeof valid - len, "%s%s",
                                        q ? ", " : "", d->region_code[cfg->partner[q].info.region]);
            return tw_error_set(err, TW_ECONFIG, "%s: %s '%s' (partners: %s)",
                                where(kn, sub, w, sizeof w),
                                g < 0 ? "unknown region code" : "not a partner region",
                                code ? code : "?", valid);
        }
        if (tw_ynode_type(vn) != TW_Y_MAPPING)
            return tw_error_set(err, TW_ECONFIG, "%s: expected a mapping {compliance: ..., "
                                "reciprocal: ..., extra_duty: ..., fdi_weight: ..., "
                                "floor_exempt: ...}", where(vn, sub, w, sizeof w));
        if (cfg->partner[a].seen)
            return tw_error_set(err, TW_ECONFIG, "%s: partner '%s' given twice",
                                where(kn, sub, w, sizeof w), code);
        cfg->partner[a].seen = 1;
        if ((rc = tw_keys_read(vn, sub, key->sub, key->n_sub, &cfg->partner[a], user, 1, err)))
            return rc;
    }
    return TW_OK;
}

/* ---- reroute_weights: us_imports (MODEL.md) | transit | {CODE: share, ...} ---- */

static int read_reroute_weights(tw_ynode rw, const char *path, const tw_key *key, void *dst,
                                void *user, tw_error *err)
{
    (void)key;
    (void)dst;
    const rd *r = user;
    twm_config *cfg = r->cfg;
    twm_scenario_spec *spec = &cfg->spec;
    const size_t P = spec->n_partners;
    char w[700], sub[160];
    int rc;
    if (tw_ynode_type(rw) == TW_Y_MAPPING) {
        double *route_given = cfg->route_given = malloc(P * sizeof(double));
        if (!route_given)
            return tw_error_set(err, TW_ENOMEM, "out of memory");
        for (size_t a = 0; a < P; a++)
            route_given[a] = -1.0;
        double gsum = 0.0;
        for (size_t k = 0; k < tw_ynode_size(rw); k++) {
            tw_ynode kn = tw_ynode_key_at(rw, k), vn = tw_ynode_value_at(rw, k);
            const char *code = tw_ynode_scalar(kn);
            int g;
            size_t a = partner_index(r->d, cfg, code, &g);
            snprintf(sub, sizeof sub, "%s.%s", path, code ? code : "?");
            if (a == P)
                return tw_error_set(err, TW_ECONFIG, "%s: '%s' is not a partner region (the "
                                    "transit shares are by partner)",
                                    where(kn, sub, w, sizeof w), code ? code : "?");
            if (route_given[a] >= 0.0)
                return tw_error_set(err, TW_ECONFIG, "%s: partner '%s' given twice",
                                    where(kn, sub, w, sizeof w), code);
            if ((rc = tw_ynode_double(vn, sub, &route_given[a], err)))
                return rc;
            if (!(route_given[a] >= 0.0 && route_given[a] <= 1.0))
                return tw_error_set(err, TW_ECONFIG, "%s: a share of the transit capacity "
                                    "must be in [0, 1], got %g", where(vn, sub, w, sizeof w),
                                    route_given[a]);
            gsum += route_given[a];
        }
        if (gsum > 1.0 + 1e-9)
            return tw_error_set(err, TW_ECONFIG, "%s: the shares sum to %g; they must sum to "
                                "at most 1 (partners not listed share the rest)",
                                where(rw, path, w, sizeof w), gsum);
        spec->route_given = route_given;
        return TW_OK;
    }
    const char *v;
    if ((rc = tw_ynode_string(rw, path, &v, err)))
        return rc;
    if (strcmp(v, "transit") == 0)
        spec->reroute_transit = 1;
    else if (strcmp(v, "us_imports") != 0)
        return tw_error_set(err, TW_ECONFIG, "%s: unknown value '%s' (valid: us_imports, "
                            "transit, or a mapping {PARTNER: share, ...})",
                            where(rw, path, w, sizeof w), v);
    return TW_OK;
}

/* ---- deficit_absorber: world_share | CODE; deficit_change: {CODE: USD bn} ---- */

/* deficit_absorber (read before deficit_change, which needs it) */
static int read_deficit_absorber(tw_ynode n, const char *path, const tw_key *key, void *dst,
                                 void *user, tw_error *err)
{
    (void)key;
    (void)dst;
    const rd *r = user;
    const char *v = tw_ynode_scalar(n);
    if (v && strcmp(v, "world_share") == 0) {
        r->cfg->dd_absorber = -1;
        return TW_OK;
    }
    return region_code(r->d, n, path, &r->cfg->dd_absorber, err);
}

/* deficit_change: {CODE: change of D_n in USD bn (numeraire; negative: the
 * region's surplus grows)}. Exogenous new deficit levels, as Dekle, Eaton
 * and Kortum (2008) and Caliendo and Parro (2015) allow. The world sum of
 * deficits must stay zero, so minus the sum of the listed changes is
 * absorbed by deficit_absorber: one named region, or (world_share) every
 * region not listed in proportion to its baseline value added (its share of
 * the unlisted regions' GDP). With every region listed the changes must sum
 * to zero themselves. docs/MODEL_NOTES.md "Closure". */
static int read_deficit_change(tw_ynode dc, const char *path, const tw_key *key, void *dst,
                               void *user, tw_error *err)
{
    (void)key;
    (void)dst;
    const rd *r = user;
    const twm_data *d = r->d;
    twm_config *cfg = r->cfg;
    const size_t N = d->N;
    const int ab = cfg->dd_absorber;
    char w[700], sub[160];
    int rc;
    if (!tw_ynode_ok(dc))
        return TW_OK;
    if ((rc = tw_ynode_require_map(dc, path, err)))
        return rc;
    uint8_t *given = calloc(N, 1);
    double *dD = cfg->dD = calloc(N, sizeof(double));
    if (!given || !dD) {
        free(given);
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    }
    double sum = 0.0, scale = 0.0;
    for (size_t k = 0; k < tw_ynode_size(dc) && !rc; k++) {
        tw_ynode kn = tw_ynode_key_at(dc, k), vn = tw_ynode_value_at(dc, k);
        const char *code = tw_ynode_scalar(kn);
        int g;
        snprintf(sub, sizeof sub, "%s.%s", path, code ? code : "?");
        if ((rc = region_code(d, kn, sub, &g, err)))
            break;
        if (given[g]) {
            rc = tw_error_set(err, TW_ECONFIG, "%s: region '%s' given twice",
                              where(kn, sub, w, sizeof w), code);
        } else if (g == ab) {
            rc = tw_error_set(err, TW_ECONFIG, "%s: '%s' is the deficit_absorber; it takes "
                              "minus the sum of the other changes and cannot be given one",
                              where(kn, sub, w, sizeof w), code);
        } else {
            rc = tw_ynode_double(vn, sub, &dD[g], err); /* refuses .nan, .inf */
        }
        given[g] = 1;
        sum += dD[g];
        scale += fabs(dD[g]);
    }
    double va_rest = 0.0;
    for (size_t n = 0; n < N && !rc; n++)
        if (!given[n])
            va_rest += d->VA[n];
    if (rc) {
        /* reported above */
    } else if (ab >= 0) {
        dD[ab] = -sum;
    } else if (va_rest > 0.0) {
        /* world_share: minus the sum, spread by value added over the rest */
        for (size_t n = 0; n < N; n++)
            if (!given[n])
                dD[n] = -sum * (d->VA[n] / va_rest);
    } else if (!(fabs(sum) <= 1e-9 * (scale > 1.0 ? scale : 1.0))) {
        rc = tw_error_set(err, TW_ECONFIG, "%s: every region is listed, so none absorbs: the "
                          "changes must sum to zero (the world's deficits sum to zero), got %g",
                          where(dc, path, w, sizeof w), sum);
    }
    free(given);
    if (!rc)
        cfg->spec.deficit_change = dD;
    return rc;
}

/* ---- counterfactual: {tariffs: file.csv, trade_costs: file.csv} ---- */

/* A bilateral file relative to the config: base tariffs (default: the
 * data's) or trade costs (default: 1). */
static int read_cf_file(tw_ynode v, const char *path, int costs, const rd *r, tw_error *err)
{
    const twm_data *d = r->d;
    const size_t NNJ = d->N * d->N * d->J;
    double **dst = costs ? &r->cfg->dhat_cf : &r->cfg->tau_cf;
    const char *rel;
    char w[700];
    int rc;
    if (!tw_ynode_ok(v))
        return TW_OK;
    if ((rc = tw_ynode_string(v, path, &rel, err)))
        return rc;
    if (!(*dst = malloc(NNJ * sizeof(double))))
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    if (!costs) {
        memcpy(*dst, d->tau, NNJ * sizeof(double));
    } else {
        for (size_t x = 0; x < NNJ; x++)
            (*dst)[x] = 1.0;
    }
    char *fpath = tw_path_join(r->ctx->config_dir ? r->ctx->config_dir : ".", rel);
    if (!fpath)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    rc = twm_data_read_bilateral(d, fpath, costs ? "dhat" : "rate", 0.0, costs, *dst, err);
    free(fpath);
    if (rc)
        tw_error_prefix(err, "%s: ", where(v, path, w, sizeof w));
    return rc;
}

static int read_cf_tariffs(tw_ynode v, const char *path, const tw_key *key, void *dst,
                           void *user, tw_error *err)
{
    (void)key;
    (void)dst;
    return read_cf_file(v, path, 0, user, err);
}

static int read_cf_costs(tw_ynode v, const char *path, const tw_key *key, void *dst,
                         void *user, tw_error *err)
{
    (void)key;
    (void)dst;
    return read_cf_file(v, path, 1, user, err);
}

/* ---- the tables ---- */

#define CFG(f) offsetof(twm_config, f)

static const char *const deficit_names[] = {"fixed", "world_share", "balanced", NULL};
static const char *const horizon_names[] = {"short", "long", NULL};
static const char *const re_scope_names[] = {"us", "aligned", "world", NULL};
static const char *const fdi_profit_names[] = {"host", "china", NULL};
_Static_assert(TWM_FDI_PROFITS_HOST == 0 && TWM_FDI_PROFITS_CHINA == 1,
               "fdi_profit_names follows TWM_FDI_PROFITS_*");
_Static_assert(TWM_RE_US == 0 && TWM_RE_ALIGNED == 1 && TWM_RE_WORLD == 2,
               "re_scope_names follows TWM_RE_*");

static const tw_key sector_keys[] = {
    {.name = "us_duty_share", .type = TW_KEY_CUSTOM, .offset = TW_KEY_NOWHERE,
     .read = read_duty_share, .what = "{SECTOR: share in [0, 1]}", .def_note = "1",
     .doc = "share of the additional US duties levied in the sector (exemptions)"},
    {.name = "industrial", .type = TW_KEY_CUSTOM, .offset = TW_KEY_NOWHERE,
     .read = read_industrial, .what = "[SECTOR, ...]", .def_note = "the data's",
     .doc = "industrial sectors (relocation, input limits)"},
    {.name = "untariffed", .type = TW_KEY_CUSTOM, .offset = TW_KEY_NOWHERE,
     .read = read_untariffed, .what = "[SECTOR, ...]", .def_note = "none",
     .doc = "sectors the additional duties and rerouting do not reach"},
    {.name = "input_limits", .type = TW_KEY_CUSTOM, .offset = TW_KEY_NOWHERE,
     .read = read_input_limits, .what = "[SECTOR, ...]", .def_note = "industrial tariffed",
     .doc = "sectors covered by the partners' input limits (mechanism 8)"},
    {.name = "critical", .type = TW_KEY_CUSTOM, .offset = TW_KEY_NOWHERE,
     .read = read_critical, .what = "SECTOR | none", .def_note = "the data's",
     .doc = "the critical-minerals sector (CES nest, rare earths)"},
};

/* What switching each mechanism off does (MODEL_NOTES.md, "Switches"). */
#define TWM_MDOC_TWM_M_REROUTE "5: Chinese goods rerouted via partners"
#define TWM_MDOC_TWM_M_RELOCATE "7: tariff-jumping relocation of Chinese capacity"
#define TWM_MDOC_TWM_M_INPUT_LIMITS "8: partners' limits on Chinese inputs"
#define TWM_MDOC_TWM_M_RARE_EARTHS "6: China's rare-earth licensing"
#define TWM_MDOC_TWM_M_ALLY_RETALIATION "9: China's duties on aligned partners"
#define TWM_MDOC_TWM_M_PAUSE "4: the 90-day pause may expire"
#define TWM_MDOC_TWM_M_DEAL "2: a US-China deal may happen (the sampled deal is ignored)"
#define TWM_MDOC_TWM_M_PARTNER_TARIFFS "4: reciprocal tariffs, floor and extra duties"
#define TWM_MDOC_TWM_M_US_CN_TARIFFS "1: the additional US-China duties"
#define TWM_MDOC_TWM_M_ELASTICITIES "10: sampled elasticities (off: the data's)"
#define TWM_MECH_KEY_(k, s)                                                                    \
    {.name = s, .type = TW_KEY_BOOL, .def = "true", .offset = CFG(spec.mech[k]),               \
     .doc = "mechanism " TWM_MDOC_##k},
static const tw_key mechanism_keys[] = {TWM_MECH_MAP(TWM_MECH_KEY_)};
#undef TWM_MECH_KEY_

static const tw_key region_keys[] = {
    {.name = "us", .type = TW_KEY_CUSTOM, .def = "USA", .offset = CFG(spec.us),
     .read = read_role, .what = "region code", .doc = "the US region"},
    {.name = "cn", .type = TW_KEY_CUSTOM, .def = "CHN", .offset = CFG(spec.cn),
     .read = read_role, .then = after_cn, .what = "region code", .doc = "the China region"},
    {.name = "partners", .type = TW_KEY_CUSTOM, .offset = TW_KEY_NOWHERE,
     .read = read_partner_set, .what = "[REGION, ...]", .def_note = "all others",
     .doc = "the US's negotiating partners (dimension `partner`)"},
};

static const tw_key counterfactual_keys[] = {
    {.name = "tariffs", .type = TW_KEY_CUSTOM, .offset = TW_KEY_NOWHERE, .read = read_cf_tariffs,
     .what = "path (CSV)", .def_note = "the data's", .doc = "base tariffs, relative to the config"},
    {.name = "trade_costs", .type = TW_KEY_CUSTOM, .offset = TW_KEY_NOWHERE,
     .read = read_cf_costs, .what = "path (CSV)", .def_note = "1",
     .doc = "base trade-cost changes dhat, relative to the config"},
};

/* In reading order: deficits first (balanced rebases the data the others
 * are checked on), the partner set before what is keyed by partner,
 * deficit_absorber before deficit_change (which spreads the sum by it). */
const tw_key twm_config_keys[TWM_N_CONFIG_KEYS] = {
    {.name = "deficits", .type = TW_KEY_ENUM, .def = "fixed", .offset = CFG(deficits),
     .values = deficit_names, .then = after_deficits,
     .doc = "closure: fixed (MODEL.md), world_share (the same), balanced (rebased baseline)"},
    {.name = "sectors", .type = TW_KEY_TABLE, .sub = sector_keys,
     .n_sub = TW_KEYS_COUNT(sector_keys)},
    {.name = "mechanisms", .type = TW_KEY_TABLE, .sub = mechanism_keys,
     .n_sub = TW_KEYS_COUNT(mechanism_keys)},
    {.name = "regions", .type = TW_KEY_TABLE, .sub = region_keys,
     .n_sub = TW_KEYS_COUNT(region_keys)},
    {.name = "partners", .type = TW_KEY_CUSTOM, .offset = TW_KEY_NOWHERE, .read = read_partners,
     .sub = partner_keys, .n_sub = TW_KEYS_COUNT(partner_keys), .entry = "<CODE>",
     .what = "{CODE: {...}}", .doc = "facts about each partner (keys below)"},
    {.name = "reroute_weights", .type = TW_KEY_CUSTOM, .def = "us_imports",
     .offset = TW_KEY_NOWHERE, .read = read_reroute_weights,
     .what = "us_imports | transit | {CODE: share}",
     .doc = "route weights of Chinese goods via partners (mechanism 5)"},
    {.name = "re_scope", .type = TW_KEY_ENUM, .def = "us", .offset = CFG(spec.re_scope),
     .values = re_scope_names, .doc = "destinations China's rare-earth licensing reaches (6)"},
    {.name = "horizon", .type = TW_KEY_ENUM, .def = "long", .offset = CFG(horizon),
     .values = horizon_names, .doc = "long: the new equilibrium; short: elasticities x 0.4"},
    {.name = "fdi_profits", .type = TW_KEY_ENUM, .def = "host", .offset = CFG(spec.fdi_profits),
     .values = fdi_profit_names,
     .doc = "who earns the relocated plants' operating profits: host or china (7)"},
    {.name = "counterfactual", .type = TW_KEY_TABLE, .sub = counterfactual_keys,
     .n_sub = TW_KEYS_COUNT(counterfactual_keys)},
    {.name = "deficit_absorber", .type = TW_KEY_CUSTOM, .def = "world_share",
     .offset = TW_KEY_NOWHERE, .read = read_deficit_absorber, .what = "world_share | REGION",
     .doc = "who takes minus the sum of deficit_change: the unlisted regions by value added, "
            "or one region"},
    {.name = "deficit_change", .type = TW_KEY_CUSTOM, .offset = TW_KEY_NOWHERE,
     .read = read_deficit_change, .what = "{REGION: USD bn}", .def_note = "none",
     .doc = "exogenous change of deficits D_n, USD bn (< 0: the surplus grows; DEK 2008)"},
};

int twm_config_read(const tw_model_ctx *ctx, twm_data *d, twm_config *cfg, tw_error *err)
{
    const size_t N = d->N, J = d->J;
    twm_scenario_spec *spec = &cfg->spec;
    memset(cfg, 0, sizeof *cfg);
    cfg->n_regions = N;
    cfg->tariffed = malloc(J);
    cfg->share = malloc(J * sizeof(double));
    cfg->ilimit = calloc(J, 1);
    cfg->pinfo = calloc(N, sizeof *cfg->pinfo);
    cfg->partner = calloc(N, sizeof *cfg->partner);
    if (!cfg->tariffed || !cfg->share || !cfg->ilimit || !cfg->pinfo || !cfg->partner)
        return tw_error_set(err, TW_ENOMEM, "out of memory");
    for (size_t j = 0; j < J; j++) {
        cfg->tariffed[j] = 1;
        cfg->share[j] = 1.0;
    }
    rd r = {ctx, d, cfg};
    int rc = tw_keys_read(ctx->root, "", twm_config_keys, TWM_N_CONFIG_KEYS, cfg, &r, 0, err);
    if (rc)
        return rc;
    for (size_t a = 0; a < spec->n_partners; a++)
        cfg->pinfo[a] = cfg->partner[a].info;
    spec->partners = cfg->pinfo;
    spec->theta_factor = cfg->horizon == TWM_HORIZON_SHORT ? TWM_SHORT_RUN_THETA_FACTOR : 1.0;
    spec->tariffed = cfg->tariffed;
    spec->us_duty_share = cfg->share;
    spec->input_limit_sectors = cfg->has_ilimit ? cfg->ilimit : NULL;
    spec->tau_base = cfg->tau_cf;
    spec->dhat_base = cfg->dhat_cf;
    return TW_OK;
}

void twm_config_free(twm_config *cfg)
{
    if (cfg->partner)
        for (size_t a = 0; a < cfg->n_regions; a++)
            if (cfg->partner[a].has_comp)
                tw_dist_free(&cfg->partner[a].comp);
    free(cfg->partner);
    free(cfg->pinfo);
    free(cfg->tariffed);
    free(cfg->ilimit);
    free(cfg->share);
    free(cfg->tau_cf);
    free(cfg->dhat_cf);
    free(cfg->route_given);
    free(cfg->dD);
    memset(cfg, 0, sizeof *cfg);
}
