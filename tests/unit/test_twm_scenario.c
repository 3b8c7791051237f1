/* The scenario layer (MODEL.md section 3) without the solver where possible:
 * what each mechanism writes into (tau', dhat, That), that switched-off
 * mechanisms are off and the no-shock solution (config errors: test_twm_model_config.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "twm_test_util.h"

#define NIJ(w, n, i, j) TWM_NIJ((w)->d->N, (w)->d->J, (n), (i), (j))

static int all_on[TWM_M_COUNT] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
/* Everything on except the partner tariffs (MEX's extra duty is a shock). */
static int neutral_on[TWM_M_COUNT] = {1, 1, 1, 1, 1, 1, 1, 0, 1, 1};

static void test_layout(void **st)
{
    (void)st;
    /* parameter and mechanism names are part of the config format */
    assert_string_equal(twm_param_name(TWM_P_T_US_CN), "t_us_cn");
    assert_string_equal(twm_param_name(TWM_P_THETA_CRM), "theta_crm");
    assert_null(twm_param_name(TWM_P_COUNT));
    assert_string_equal(twm_mech_name(TWM_M_REROUTE), "reroute");
    assert_string_equal(twm_mech_name(TWM_M_DEAL), "deal");
    assert_string_equal(twm_outcome_table[TWM_O_WELFARE].name, "welfare_pct");
    assert_string_equal(twm_outcome_table[TWM_O_LEVERAGE].name, "leverage_pp");
    /* N=6, J=4, P=4: 12 region outcomes, 2 region x sector, 16 scalars, 4 partner */
    assert_int_equal(twm_outcome_row_len(6, 4, 4), 12 * 6 + 2 * 24 + 16 + 4 * 4);
}

/* Every mechanism on, neutral parameters: the counterfactual is the baseline. */
static void test_neutral_is_identity(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(neutral_on[TWM_M_PARTNER_TARIFFS], 0);
    assert_int_equal(tw_world_open(&w, neutral_on), 0);
    assert_int_equal(tw_world_apply(&w), 0);
    const size_t N = w.d->N, J = w.d->J;
    for (size_t x = 0; x < N * N * J; x++) {
        assert_double_equal(w.sw->tau_new[x], w.d->tau[x], 1e-14);
        assert_double_equal(w.sw->dhat[x], 1.0, 1e-14);
    }
    for (size_t x = 0; x < N * J; x++)
        assert_double_equal(w.sw->That[x], 1.0, 0.0);
    /* baseline route mix is some rerouting already (phi small) */
    assert_true(w.sw->direct_share[w.ele] < 1.0);
    tw_world_close(&w);
}

/* Mechanism 1 and 2: additional duties, replaced by the deal levels. */
static void test_us_cn_tariffs_and_deal(void **st)
{
    (void)st;
    int mech[TWM_M_COUNT];
    memcpy(mech, all_on, sizeof mech);
    mech[TWM_M_REROUTE] = 0; /* keep tau' statutory */
    tw_world w;
    assert_int_equal(tw_world_open(&w, mech), 0);
    tw_world_war(&w);
    assert_int_equal(tw_world_apply(&w), 0);
    for (int j = 0; j < 4; j++) {
        assert_double_equal(w.sw->tau_new[NIJ(&w, w.us, w.cn, j)], 0.19 + 1.45, 1e-14);
        assert_double_equal(w.sw->tau_new[NIJ(&w, w.cn, w.us, j)], 0.18 + 1.25, 1e-14);
    }
    w.p[TWM_P_DEAL] = 1.0;
    w.p[TWM_P_RE_SUSPENDED] = 1.0;
    assert_int_equal(tw_world_apply(&w), 0);
    assert_int_equal(w.sw->deal, 1);
    assert_int_equal(w.sw->re_active, 0); /* a deal lifts the suspension */
    assert_double_equal(w.sw->tau_new[NIJ(&w, w.us, w.cn, w.ele)], 0.19 + 0.30, 1e-14);
    assert_double_equal(w.sw->tau_new[NIJ(&w, w.cn, w.us, w.ele)], 0.18 + 0.10, 1e-14);
    /* deal switched off: the sampled deal is ignored */
    tw_world_close(&w);
    mech[TWM_M_DEAL] = 0;
    assert_int_equal(tw_world_open(&w, mech), 0);
    tw_world_war(&w);
    w.p[TWM_P_DEAL] = 1.0;
    assert_int_equal(tw_world_apply(&w), 0);
    assert_int_equal(w.sw->deal, 0);
    assert_double_equal(w.sw->tau_new[NIJ(&w, w.us, w.cn, w.ele)], 0.19 + 1.45, 1e-14);
    tw_world_close(&w);
}

/* Mechanism 4: the pause's expiry raises US tariffs on non-aligned partners
 * only, in proportion to 1 - c_a, towards r_a. */
static void test_pause(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    tw_world_war(&w);
    w.p[TWM_P_COUNT + 0] = 0.0; /* VNM not aligned */
    w.p[TWM_P_COUNT + 1] = 1.0; /* MEX fully aligned */
    w.p[TWM_P_COUNT + 2] = 0.5; /* EUR half */
    assert_int_equal(tw_world_apply(&w), 0);
    double before[4];
    const int reg[4] = {w.vnm, w.mex, w.eur, w.row};
    for (int a = 0; a < 4; a++)
        before[a] = w.sw->tau_new[NIJ(&w, w.us, reg[a], w.ele)];
    assert_double_equal(before[0], 0.03 + 0.10, 1e-14);
    assert_double_equal(before[1], 0.03 + 0.10 + 0.15, 1e-14); /* MEX extra duty */
    w.p[TWM_P_PAUSE_EXPIRES] = 1.0;
    assert_int_equal(tw_world_apply(&w), 0);
    assert_double_equal(w.sw->tau_new[NIJ(&w, w.us, w.vnm, w.ele)], before[0] + 0.36, 1e-14);
    assert_double_equal(w.sw->tau_new[NIJ(&w, w.us, w.mex, w.ele)], before[1], 1e-14);
    assert_double_equal(w.sw->tau_new[NIJ(&w, w.us, w.eur, w.ele)], before[2] + 0.5 * 0.10, 1e-14);
    /* China's tariff is untouched by the pause */
    assert_double_equal(w.sw->tau_new[NIJ(&w, w.us, w.cn, w.agr)] , w.sw->tau_new[NIJ(&w, w.us, w.cn, w.agr)], 0);
    tw_world_close(&w);
    /* pause switched off: expiry ignored */
    int mech[TWM_M_COUNT];
    memcpy(mech, all_on, sizeof mech);
    mech[TWM_M_PAUSE] = 0;
    assert_int_equal(tw_world_open(&w, mech), 0);
    tw_world_war(&w);
    w.p[TWM_P_COUNT + 0] = 0.0;
    w.p[TWM_P_PAUSE_EXPIRES] = 1.0;
    assert_int_equal(tw_world_apply(&w), 0);
    assert_double_equal(w.sw->tau_new[NIJ(&w, w.us, w.vnm, w.ele)], 0.13, 1e-14);
    tw_world_close(&w);
}

/* us_duty_share scales the additional US duties (China and partners) in a sector. */
static void test_us_duty_share(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    twm_partner_info pi[1] = {{w.vnm, 0.46, 0.0, -1.0, 0}};
    double share[4] = {1.0, 1.0, 1.0, 1.0};
    share[w.crm] = 0.25;
    twm_scenario_spec spec;
    twm_test_spec(&spec, &w, pi, 1);
    spec.us_duty_share = share;
    spec.mech[TWM_M_REROUTE] = 0;
    twm_test_respec(&w, &spec);
    tw_world_war(&w);
    assert_int_equal(tw_world_apply(&w), 0);
    const double *tau = w.sw->tau_new;
    assert_double_equal(tau[NIJ(&w, w.us, w.cn, w.crm)], 0.19 + 0.25 * 1.45, 1e-14);
    assert_double_equal(tau[NIJ(&w, w.us, w.cn, w.ele)], 0.19 + 1.45, 1e-14);
    assert_double_equal(tau[NIJ(&w, w.cn, w.us, w.crm)], 0.18 + 1.25, 1e-14); /* China's not */
    assert_double_equal(tau[NIJ(&w, w.us, w.vnm, w.crm)], 0.03 + 0.25 * 0.10, 1e-14);
    twm_scenario *sc;
    tw_error err;
    share[w.crm] = 1.5;
    assert_int_equal(twm_scenario_new(w.d, &spec, &sc, &err), TW_ECONFIG);
    tw_world_close(&w);
}

/* The base counterfactual applies first; the mechanisms add to it. */
static void test_base_counterfactual(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    const size_t N = w.d->N, J = w.d->J, NNJ = N * N * J;
    double *tb = malloc(NNJ * sizeof(double)), *db = malloc(NNJ * sizeof(double));
    memcpy(tb, w.d->tau, NNJ * sizeof(double));
    for (size_t x = 0; x < NNJ; x++)
        db[x] = 1.0;
    tb[NIJ(&w, w.us, w.mex, w.veh)] = 0.25;
    db[NIJ(&w, w.eur, w.cn, w.ele)] = 1.1;
    twm_partner_info pi[1] = {{w.vnm, 0.46, 0.0, -1.0, 0}};
    twm_scenario_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.us = w.us;
    spec.cn = w.cn;
    spec.n_partners = 1;
    spec.partners = pi;
    spec.tau_base = tb;
    spec.dhat_base = db;
    /* every mechanism off: the base counterfactual as it is */
    twm_test_respec(&w, &spec);
    tw_world_war(&w);
    assert_int_equal(tw_world_apply(&w), 0);
    assert_memory_equal(w.sw->tau_new, tb, NNJ * sizeof(double));
    assert_memory_equal(w.sw->dhat, db, NNJ * sizeof(double));
    /* with the mechanisms: duties add to the base levels, the input limit too */
    for (int k = 0; k < TWM_M_COUNT; k++)
        spec.mech[k] = 1;
    spec.mech[TWM_M_REROUTE] = 0;
    twm_test_respec(&w, &spec);
    twm_scen_ws *sw = w.sw;
    w.p[TWM_P_NTB] = 0.2;
    w.p[TWM_P_COUNT] = 0.5;
    assert_int_equal(tw_world_apply(&w), 0);
    assert_double_equal(sw->tau_new[NIJ(&w, w.us, w.mex, w.veh)], 0.25 + 0.10, 1e-14);
    assert_double_equal(sw->dhat[NIJ(&w, w.eur, w.cn, w.ele)], 1.1, 1e-14); /* EUR no partner */
    assert_double_equal(sw->dhat[NIJ(&w, w.vnm, w.cn, w.ele)], db[NIJ(&w, w.vnm, w.cn, w.ele)], 0.0);
    assert_double_equal(sw->tau_new[NIJ(&w, w.vnm, w.cn, w.ele)],
                        tb[NIJ(&w, w.vnm, w.cn, w.ele)] + 0.2 * 0.5, 1e-14);
    free(tb);
    free(db);
    tw_world_close(&w);
}

/* Partners VNM, EUR, ROW at the same reciprocal rate: their route shares
 * differ only by the route weights under test. */
static void route_spec(twm_scenario_spec *spec, const tw_world *w, twm_partner_info pi[3])
{
    const twm_partner_info p[3] = {{w->vnm, 0.10, 0.0, -1.0, 0},
                                   {w->eur, 0.10, 0.0, -1.0, 0},
                                   {w->row, 0.10, 0.0, -1.0, 0}};
    memcpy(pi, p, sizeof p);
    twm_test_spec(spec, w, pi, 3);
}

/* Transit route weights keep the total capacity and move it to partners
 * that import more from China. */
static void test_transit_weights(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    const size_t J = w.d->J;
    twm_partner_info pi[3];
    twm_scenario_spec spec;
    route_spec(&spec, &w, pi);
    double direct[2], ratio[2];
    for (int t = 0; t < 2; t++) {
        spec.reroute_transit = t;
        twm_test_respec(&w, &spec);
        tw_world_war(&w);
        assert_int_equal(tw_world_apply(&w), 0);
        direct[t] = w.sw->direct_share[w.ele];
        ratio[t] = w.sw->route_share[0 * J + w.ele] / w.sw->route_share[1 * J + w.ele];
    }
    /* equal route costs: only the total weight matters for the direct share */
    assert_double_equal(direct[1], direct[0], 1e-12);
    /* VNM imports a smaller share from China than EUR in the test world */
    assert_true(ratio[1] < ratio[0]);
    tw_world_close(&w);
}

/* Explicit transit shares (reroute_weights: {CODE: share}): the given
 * partners get their share of each sector's transit capacity, the others
 * share the rest in proportion to their US-import share; the total capacity
 * (hence the direct share at equal route costs) is that of us_imports. */
static void test_given_route_weights(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    const size_t J = w.d->J;
    twm_partner_info pi[3];
    twm_scenario_spec spec;
    route_spec(&spec, &w, pi);
    const double given[3] = {0.7, -1.0, -1.0};
    double direct[2], s0[2][3];
    for (int t = 0; t < 2; t++) {
        spec.route_given = t ? given : NULL;
        twm_test_respec(&w, &spec);
        tw_world_war(&w);
        w.p[TWM_P_T_FLOOR] = 0.10;
        assert_int_equal(tw_world_apply(&w), 0);
        direct[t] = w.sw->direct_share[w.ele];
        for (int a = 0; a < 3; a++)
            s0[t][a] = w.sw->route_share0[(size_t)a * J + w.ele];
    }
    /* baseline route shares at equal partner tariffs are proportional to the weights */
    const double tot0 = s0[0][0] + s0[0][1] + s0[0][2], tot1 = s0[1][0] + s0[1][1] + s0[1][2];
    assert_true(tot0 > 0.0);
    assert_double_equal(tot1, tot0, 1e-12);
    assert_double_equal(s0[1][0] / tot1, 0.7, 1e-12);
    assert_double_equal(s0[1][1] / s0[1][2], s0[0][1] / s0[0][2], 1e-12);
    assert_double_equal(direct[1], direct[0], 1e-12);
    tw_world_close(&w);
}

/* A floor-exempt partner (Mexico and Canada in 2025) pays only its extra duty. */
static void test_floor_exempt(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    twm_partner_info pi[2] = {{w.mex, 0.0, 0.05, -1.0, 1}, {w.vnm, 0.46, 0.0, 0.5, 0}};
    twm_scenario_spec spec;
    twm_test_spec(&spec, &w, pi, 2);
    twm_test_respec(&w, &spec);
    const twm_scen_ws *sw = w.sw;
    tw_world_war(&w);
    w.p[TWM_P_PAUSE_EXPIRES] = 1.0;
    w.p[TWM_P_COUNT + 0] = 0.0;
    w.p[TWM_P_COUNT + 1] = 0.0;
    assert_int_equal(tw_world_apply(&w), 0);
    assert_double_equal(sw->tau_new[NIJ(&w, w.us, w.mex, w.veh)], 0.03 + 0.05, 1e-14);
    assert_double_equal(sw->tau_new[NIJ(&w, w.us, w.vnm, w.veh)], 0.03 + 0.46, 1e-14);
    /* regions outside the partner set get the floor only */
    assert_double_equal(sw->tau_new[NIJ(&w, w.us, w.eur, w.veh)], 0.03 + 0.10, 1e-14);
    /* fdi weights: VNM given 0.5, MEX derived = the rest */
    assert_double_equal(twm_scenario_fdi_weight(w.sc, 1), 0.5, 0.0);
    assert_double_equal(twm_scenario_fdi_weight(w.sc, 0), 0.5, 1e-14);
    twm_scenario *sc;
    tw_error err;
    /* inconsistent roles */
    pi[1].region = w.cn;
    assert_int_equal(twm_scenario_new(w.d, &spec, &sc, &err), TW_ECONFIG);
    pi[1].region = w.mex;
    assert_int_equal(twm_scenario_new(w.d, &spec, &sc, &err), TW_ECONFIG);
    pi[1].region = w.vnm;
    pi[0].fdi_weight = 0.7;
    assert_int_equal(twm_scenario_new(w.d, &spec, &sc, &err), TW_ECONFIG);
    tw_world_close(&w);
}

/* Mechanism 7 acts on China's US-bound capacity (issue 8): with rerouting
 * off (so tau' of CN->US is the statutory rate) the capacity moved to a in
 * sector j is exactly f_max w_a (1 - e_fdi c_a) g/(1+g) Z[US,CN,j], hence
 * at most f_max Z[US,CN,j] in total; a sector China does not export to the
 * US does not move whatever the gap; nothing moves without a shock, and the
 * total rises strictly with the tariff gap. */
static void test_relocation_us_bound(void **st)
{
    (void)st;
    int mech[TWM_M_COUNT];
    memcpy(mech, all_on, sizeof mech);
    mech[TWM_M_REROUTE] = 0;
    tw_world w;
    assert_int_equal(tw_world_open(&w, mech), 0);
    const size_t N = w.d->N, J = w.d->J;
    const size_t us = (size_t)w.us, cn = (size_t)w.cn;
    /* no shock: nothing moves */
    assert_int_equal(tw_world_apply(&w), 0);
    for (size_t x = 0; x < w.P * J; x++)
        assert_double_equal(w.sw->relocated[x], 0.0, 0.0);
    tw_world_war(&w);
    w.p[TWM_P_F_MAX] = 0.6;
    for (size_t a = 0; a < w.P; a++)
        w.p[TWM_P_COUNT + a] = 0.1 + 0.2 * (double)a;
    assert_int_equal(tw_world_apply(&w), 0);
    const size_t sec[2] = {(size_t)w.ele, (size_t)w.veh};
    for (int k = 0; k < 2; k++) {
        const size_t j = sec[k];
        const size_t xc = TWM_NIJ(N, J, us, cn, j);
        const double zus = w.d->Z[xc];
        double tot = 0.0;
        for (size_t a = 0; a < w.P; a++) {
            const size_t ra = (size_t)twm_scenario_partner_region(w.sc, a);
            const size_t xa = TWM_NIJ(N, J, us, ra, j);
            double g = (w.sw->tau_new[xc] - w.d->tau[xc]) - (w.sw->tau_new[xa] - w.d->tau[xa]);
            g = g > 1e-12 ? g : 0.0;
            const double want = 0.6 * twm_scenario_fdi_weight(w.sc, a) *
                                (1.0 - w.p[TWM_P_E_FDI] * w.p[TWM_P_COUNT + a]) * g / (1.0 + g) * zus;
            assert_double_equal(w.sw->relocated[a * J + j], want, 1e-12 * zus);
            assert_true(w.sw->relocated[a * J + j] <= 0.6 * twm_scenario_fdi_weight(w.sc, a) * zus);
            tot += w.sw->relocated[a * J + j];
        }
        assert_true(tot > 0.0 && tot <= 0.6 * zus);
        /* China's capacity falls by the moved share of its whole output */
        assert_double_equal(w.sw->That[cn * J + j], 1.0 - tot / w.d->Y[cn * J + j], 1e-14);
    }

    /* a sector China does not export to the US: no capacity to move */
    tw_error err;
    w.d->Z[TWM_NIJ(N, J, us, cn, sec[1])] = 0.0;
    assert_int_equal(twm_data_derive(w.d, &err), 0);
    assert_int_equal(tw_world_apply(&w), 0);
    for (size_t a = 0; a < w.P; a++) {
        const size_t ra = (size_t)twm_scenario_partner_region(w.sc, a);
        assert_double_equal(w.sw->relocated[a * J + sec[1]], 0.0, 0.0);
        assert_double_equal(w.sw->That[ra * J + sec[1]], 1.0, 0.0);
    }
    assert_double_equal(w.sw->That[cn * J + sec[1]], 1.0, 0.0);
    assert_true(w.sw->relocated[0 * J + sec[0]] > 0.0);
    assert_true(w.sw->That[cn * J + sec[0]] < 1.0);

    /* monotone in the gap: the total rises strictly with China's duty */
    const double t[6] = {0.10, 0.2, 0.45, 0.9, 1.45, 3.0};
    double prev = -1.0;
    w.p[TWM_P_PAUSE_EXPIRES] = 0.0;
    for (int k = 0; k < 6; k++) {
        w.p[TWM_P_T_US_CN] = t[k];
        assert_int_equal(tw_world_apply(&w), 0);
        double tot = 0.0;
        for (size_t x = 0; x < w.P * J; x++)
            tot += w.sw->relocated[x];
        if (k == 0)
            assert_double_equal(tot, 0.0, 0.0); /* China's rise = the floor: no gap */
        else
            assert_true(tot > prev);
        prev = tot;
    }
    tw_world_close(&w);
}

/* Mechanism 7: capacity leaves China for partners in industrial sectors;
 * nothing moves without a tariff gap. */
static void test_relocation_shifters(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    tw_world_war(&w);
    assert_int_equal(tw_world_apply(&w), 0);
    const size_t J = w.d->J;
    assert_true(w.sw->That[(size_t)w.cn * J + w.ele] < 1.0);
    assert_true(w.sw->That[(size_t)w.cn * J + w.veh] < 1.0);
    assert_double_equal(w.sw->That[(size_t)w.cn * J + w.agr], 1.0, 0.0); /* not industrial */
    assert_true(w.sw->That[(size_t)w.vnm * J + w.ele] > 1.0);
    double moved = 0.0, f = 0.0;
    for (size_t a = 0; a < w.P; a++) {
        moved += w.sw->relocated[a * J + w.ele];
        f += w.sw->relocated[a * J + w.ele] / w.d->Y[(size_t)w.cn * J + w.ele];
    }
    assert_true(moved > 0.0);
    assert_double_equal(w.sw->That[(size_t)w.cn * J + w.ele], 1.0 - f, 1e-14);
    /* capacity-equivalent: That[a] - 1 = moved / Y[a] */
    assert_double_equal(w.sw->That[(size_t)w.vnm * J + w.ele] - 1.0,
                        w.sw->relocated[0 * J + w.ele] / w.d->Y[(size_t)w.vnm * J + w.ele], 1e-14);
    /* higher compliance (screening) moves less */
    for (size_t a = 0; a < w.P; a++)
        w.p[TWM_P_COUNT + a] = 0.9;
    assert_int_equal(tw_world_apply(&w), 0);
    double moved2 = 0.0;
    for (size_t a = 0; a < w.P; a++)
        moved2 += w.sw->relocated[a * J + w.ele];
    assert_true(moved2 < moved);
    /* no tariff gap (China's rise equals the partners'): nothing moves */
    w.p[TWM_P_T_US_CN] = 0.10;
    w.p[TWM_P_PAUSE_EXPIRES] = 0.0;
    w.p[TWM_P_DEAL] = 0.0;
    /* MEX has an extra duty, so its gap is negative too */
    assert_int_equal(tw_world_apply(&w), 0);
    for (size_t x = 0; x < w.P * J; x++)
        assert_double_equal(w.sw->relocated[x], 0.0, 0.0);
    assert_double_equal(w.sw->That[(size_t)w.cn * J + w.ele], 1.0, 0.0);
    tw_world_close(&w);
}

/* Mechanisms 8 and 9: input limits and retaliation scale with compliance. */
static void test_input_limits_and_retaliation(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    tw_world_war(&w);
    w.p[TWM_P_NTB] = 0.2;
    w.p[TWM_P_R_ALLY] = 0.3;
    w.p[TWM_P_COUNT + 2] = 0.8; /* EUR */
    assert_int_equal(tw_world_apply(&w), 0);
    /* a duty levied by the partner on covered (industrial) sectors, not a trade cost */
    const double t0 = w.d->tau[NIJ(&w, w.eur, w.cn, w.ele)];
    assert_double_equal(w.sw->tau_new[NIJ(&w, w.eur, w.cn, w.ele)], t0 + 0.2 * 0.8, 1e-14);
    assert_double_equal(w.sw->dhat[NIJ(&w, w.eur, w.cn, w.ele)], 1.0, 0.0);
    assert_double_equal(w.sw->tau_new[NIJ(&w, w.eur, w.cn, w.agr)],
                        w.d->tau[NIJ(&w, w.eur, w.cn, w.agr)], 0.0); /* not industrial */
    assert_double_equal(w.sw->tau_new[NIJ(&w, w.cn, w.eur, w.agr)], 0.04 + 0.3 * 0.8, 1e-14);
    assert_double_equal(w.sw->tau_new[NIJ(&w, w.cn, w.vnm, w.agr)], 0.04 + 0.3 * 0.5, 1e-14);
    tw_world_close(&w);
}

/* Mechanism 6: the CRM supply cut. */
static void test_rare_earth_dhat(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    tw_world_war(&w);
    w.p[TWM_P_RE_SUSPENDED] = 1.0;
    w.p[TWM_P_SIGMA_RE] = 0.6;
    w.p[TWM_P_RE_TARGET_ALLIES] = 0.5;
    w.p[TWM_P_COUNT + 2] = 1.0; /* EUR fully aligned */
    w.p[TWM_P_COUNT + 0] = 0.0; /* VNM not */
    w.p[TWM_P_COUNT + 1] = 0.4; /* MEX partly */
    const size_t x = NIJ(&w, w.us, w.cn, w.crm);
    assert_int_equal(tw_world_apply(&w), 0);
    const double d1 = w.sw->dhat[x];
    /* a quantity limit, not a trade cost: dhat is that of rerouting alone */
    w.p[TWM_P_RE_SUSPENDED] = 0.0;
    assert_int_equal(tw_world_apply(&w), 0);
    assert_double_equal(w.sw->dhat[x], d1, 0.0);
    assert_null(w.sw->shock.qcap);
    /* scope us (default): the US at 1 - sigma, partners at 1 - sigma c_a tgt */
    w.p[TWM_P_RE_SUSPENDED] = 1.0;
    assert_int_equal(tw_world_apply(&w), 0);
    assert_true(w.sw->shock.qcap == w.sw->qcap);
    assert_int_equal(w.sw->shock.qcap_exporter, w.cn);
    assert_int_equal(w.sw->shock.qcap_sector, w.crm);
    assert_double_equal(w.sw->qcap[w.us], 0.4, 1e-15);
    assert_double_equal(w.sw->qcap[w.eur], 1.0 - 0.3, 1e-15);
    assert_double_equal(w.sw->qcap[w.mex], 1.0 - 0.6 * 0.4 * 0.5, 1e-15);
    assert_true(w.sw->qcap[w.vnm] < 0.0); /* no severity, no limit */
    assert_true(w.sw->qcap[w.cn] < 0.0);
    /* a deal lifts it */
    w.p[TWM_P_DEAL] = 1.0;
    assert_int_equal(tw_world_apply(&w), 0);
    assert_null(w.sw->shock.qcap);
    tw_world_close(&w);

    /* scopes aligned and world */
    const int scope[2] = {TWM_RE_ALIGNED, TWM_RE_WORLD};
    for (int t = 0; t < 2; t++) {
        assert_int_equal(tw_world_open(&w, all_on), 0);
        twm_partner_info pi[4];
        twm_scenario_spec spec;
        twm_test_world_spec(&spec, &w, pi);
        spec.re_scope = scope[t];
        twm_test_respec(&w, &spec);
        const twm_scen_ws *sw = w.sw;
        tw_world_war(&w);
        w.p[TWM_P_RE_SUSPENDED] = 1.0;
        w.p[TWM_P_SIGMA_RE] = 0.6;
        w.p[TWM_P_RE_TARGET_ALLIES] = 0.5;
        w.p[TWM_P_COUNT + 0] = 0.0;
        w.p[TWM_P_COUNT + 1] = 0.4;
        assert_int_equal(tw_world_apply(&w), 0);
        assert_double_equal(sw->qcap[w.us], 0.4, 1e-15);
        if (t == 0) {
            assert_double_equal(sw->qcap[w.mex], 1.0 - 0.6 * 0.4, 1e-15);
            assert_true(sw->qcap[w.vnm] < 0.0);
        } else {
            assert_double_equal(sw->qcap[w.mex], 0.4, 1e-15);
            assert_double_equal(sw->qcap[w.vnm], 0.4, 1e-15);
            assert_double_equal(sw->qcap[w.row], 0.4, 1e-15);
        }
        assert_true(sw->qcap[w.cn] < 0.0);
        tw_world_close(&w);
    }
}

/* Mechanism 5: route shares, the effective tariff and kappahat. */
static void test_reroute_index(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    tw_world_war(&w);
    assert_int_equal(tw_world_apply(&w), 0);
    const size_t J = w.d->J;
    const size_t x = NIJ(&w, w.us, w.cn, w.ele);
    const double stat = 0.19 + 1.45;
    double sum = w.sw->direct_share[w.ele];
    for (size_t a = 0; a < w.P; a++)
        sum += w.sw->route_share[a * J + w.ele];
    assert_double_equal(sum, 1.0, 1e-14);
    assert_true(w.sw->direct_share[w.ele] < 0.95);
    /* the effective rate lies below the statutory one, above the partner floor */
    assert_true(w.sw->tau_new[x] < stat);
    assert_true(w.sw->tau_new[x] > 0.13);
    /* kappahat (seen by the solver) is below the statutory tariff factor:
     * rerouting softens the tariff */
    const double kap = (1.0 + w.sw->tau_new[x]) / (1.0 + 0.19) * w.sw->dhat[x];
    assert_true(kap < (1.0 + stat) / 1.19);
    assert_true(kap > 1.0);
    /* blocking: higher compliance or e_ship -> fewer routes, higher kappahat */
    double r0 = 1.0 - w.sw->direct_share[w.ele];
    for (size_t a = 0; a < w.P; a++)
        w.p[TWM_P_COUNT + a] = 0.9;
    assert_int_equal(tw_world_apply(&w), 0);
    double r1 = 1.0 - w.sw->direct_share[w.ele];
    const double kap1 = (1.0 + w.sw->tau_new[x]) / 1.19 * w.sw->dhat[x];
    assert_true(r1 < r0);
    assert_true(kap1 > kap);
    /* reroute off: CN->US tariff is the statutory one, dhat 1 */
    tw_world_close(&w);
    int mech[TWM_M_COUNT];
    memcpy(mech, all_on, sizeof mech);
    mech[TWM_M_REROUTE] = 0;
    assert_int_equal(tw_world_open(&w, mech), 0);
    tw_world_war(&w);
    assert_int_equal(tw_world_apply(&w), 0);
    assert_double_equal(w.sw->tau_new[x], stat, 1e-14);
    assert_double_equal(w.sw->dhat[x], 1.0, 0.0);
    assert_double_equal(w.sw->direct_share[w.ele], 1.0, 0.0);
    tw_world_close(&w);
}

/* Each mechanism switched off: its parameters change nothing. */
static void test_switches_really_off(void **st)
{
    (void)st;
    static const struct {
        int mech;
        int params[4];
    } cases[] = {
        {TWM_M_REROUTE, {TWM_P_ETA_GAP, TWM_P_REROUTE_CAPACITY, TWM_P_PHI, TWM_P_E_SHIP}},
        {TWM_M_RELOCATE, {TWM_P_F_MAX, TWM_P_E_FDI, -1, -1}},
        {TWM_M_INPUT_LIMITS, {TWM_P_NTB, -1, -1, -1}},
        {TWM_M_RARE_EARTHS, {TWM_P_RE_SUSPENDED, TWM_P_SIGMA_RE, TWM_P_RE_TARGET_ALLIES, -1}},
        {TWM_M_ALLY_RETALIATION, {TWM_P_R_ALLY, -1, -1, -1}},
        {TWM_M_PAUSE, {TWM_P_PAUSE_EXPIRES, -1, -1, -1}},
        {TWM_M_DEAL, {TWM_P_DEAL, TWM_P_T_DEAL_US, TWM_P_T_DEAL_CN, -1}},
        {TWM_M_PARTNER_TARIFFS, {TWM_P_T_FLOOR, TWM_P_PAUSE_EXPIRES, -1, -1}},
        {TWM_M_US_CN_TARIFFS, {TWM_P_T_US_CN, TWM_P_T_CN_US, TWM_P_T_DEAL_US, -1}},
        {TWM_M_ELASTICITIES, {TWM_P_THETA_SCALE, TWM_P_THETA_CRM, TWM_P_CRM_SUPPLY_ELAST, -1}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int mech[TWM_M_COUNT];
        memcpy(mech, all_on, sizeof mech);
        mech[cases[c].mech] = 0;
        tw_world w;
        assert_int_equal(tw_world_open(&w, mech), 0);
        tw_world_war(&w);
        w.p[TWM_P_RE_SUSPENDED] = 1.0;
        w.p[TWM_P_PAUSE_EXPIRES] = 1.0;
        w.p[TWM_P_NTB] = 0.2;
        w.p[TWM_P_R_ALLY] = 0.2;
        assert_int_equal(tw_world_apply(&w), 0);
        const size_t NNJ = w.d->N * w.d->N * w.d->J, NJ = w.d->N * w.d->J;
        double *t0 = malloc(NNJ * sizeof(double)), *d0 = malloc(NNJ * sizeof(double));
        double *T0 = malloc(NJ * sizeof(double)), th0[4];
        memcpy(t0, w.sw->tau_new, NNJ * sizeof(double));
        memcpy(d0, w.sw->dhat, NNJ * sizeof(double));
        memcpy(T0, w.sw->That, NJ * sizeof(double));
        memcpy(th0, w.sw->theta, sizeof th0);
        for (int q = 0; q < 4; q++) {
            int k = cases[c].params[q];
            if (k < 0)
                continue;
            /* flip Bernoullis, scale the rest */
            w.p[k] = (k == TWM_P_DEAL || k == TWM_P_RE_SUSPENDED || k == TWM_P_PAUSE_EXPIRES)
                         ? 1.0 - w.p[k]
                         : w.p[k] * 1.7 + 0.05;
        }
        if (cases[c].mech == TWM_M_DEAL)
            w.p[TWM_P_DEAL] = 1.0;
        assert_int_equal(tw_world_apply(&w), 0);
        if (cases[c].mech == TWM_M_DEAL)
            assert_int_equal(w.sw->deal, 0);
        assert_memory_equal(t0, w.sw->tau_new, NNJ * sizeof(double));
        assert_memory_equal(d0, w.sw->dhat, NNJ * sizeof(double));
        assert_memory_equal(T0, w.sw->That, NJ * sizeof(double));
        assert_memory_equal(th0, w.sw->theta, sizeof th0);
        free(t0);
        free(d0);
        free(T0);
        tw_world_close(&w);
    }
}

/* All mechanisms off and no additional duties: the no-shock solution. */
static void test_all_off_no_shock(void **st)
{
    (void)st;
    int off[TWM_M_COUNT] = {0};
    tw_world w;
    assert_int_equal(tw_world_open(&w, off), 0);
    tw_world_war(&w); /* whatever the sampled values */
    w.p[TWM_P_RE_SUSPENDED] = 1.0;
    w.p[TWM_P_PAUSE_EXPIRES] = 1.0;
    assert_int_equal(tw_world_solve(&w), 0);
    const size_t len = twm_outcome_row_len(w.d->N, w.d->J, w.P);
    for (int k = 0; k < TWM_O_COUNT; k++) {
        const double *o = tw_world_o(&w, k);
        const size_t n = twm_outcome_len(k, w.d->N, w.d->J, w.P);
        for (size_t q = 0; q < n; q++) {
            if (k == TWM_O_TARIFF_REVENUE)
                assert_double_equal(o[q], w.d->R[q], 1e-9 * (1.0 + w.d->R[q]));
            else if (k == TWM_O_DOMSHARE)
                assert_double_equal(o[q], w.d->pi[TWM_NIJ(w.d->N, w.d->J, q / w.d->J, q / w.d->J,
                                                          q % w.d->J)], 1e-9);
            else {
                if (fabs(o[q]) > 1e-9)
                    fprintf(stderr, "outcome %s[%zu] = %g\n", twm_outcome_table[k].name, q, o[q]);
                assert_double_equal(o[q], 0.0, 1e-9);
            }
        }
    }
    (void)len;
    /* and every mechanism on with neutral parameters: the same */
    tw_world_close(&w);
    assert_int_equal(tw_world_open(&w, neutral_on), 0);
    assert_int_equal(tw_world_solve(&w), 0);
    for (size_t n = 0; n < w.d->N; n++)
        assert_double_equal(tw_world_o(&w, TWM_O_WELFARE)[n], 0.0, 1e-9);
    assert_double_equal(*tw_world_o(&w, TWM_O_CN_TOTAL), 0.0, 1e-9);
    assert_double_equal(*tw_world_o(&w, TWM_O_RELOCATED), 0.0, 0.0);
    /* the baseline route mix is reported as rerouted value */
    assert_true(*tw_world_o(&w, TWM_O_REROUTED) > 0.0);
    tw_world_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_neutral_is_identity),
        cmocka_unit_test(test_us_cn_tariffs_and_deal),
        cmocka_unit_test(test_pause),
        cmocka_unit_test(test_floor_exempt),
        cmocka_unit_test(test_us_duty_share),
        cmocka_unit_test(test_base_counterfactual),
        cmocka_unit_test(test_transit_weights),
        cmocka_unit_test(test_given_route_weights),
        cmocka_unit_test(test_relocation_shifters),
        cmocka_unit_test(test_relocation_us_bound),
        cmocka_unit_test(test_input_limits_and_retaliation),
        cmocka_unit_test(test_rare_earth_dhat),
        cmocka_unit_test(test_reroute_index),
        cmocka_unit_test(test_switches_really_off),
        cmocka_unit_test(test_all_off_no_shock),
    };
    return cmocka_run_group_tests_name("twm_scenario", tests, NULL, NULL);
}
