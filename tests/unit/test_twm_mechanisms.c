/* Each mechanism of MODEL.md section 3 through the full solve: direction and
 * size of its effect on the outcomes (section 4) in the small test world
 * tests/data/twm_scen (USA, CHN, VNM, MEX, EUR, ROW x AGR, ELE, VEH, CRM). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "twm_test_util.h"

static int all_on[TWM_M_COUNT] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

#define O(w, k) tw_world_o((w), (k))
#define J_(w) ((w)->d->J)

static void solve_ok(tw_world *w)
{
    int rc = tw_world_solve(w);
    if (rc)
        fprintf(stderr, "solve rc=%d residual=%g\n", rc, w->res.residual);
    assert_int_equal(rc, 0);
}

/* Blocking transshipment (compliance, e_ship) lowers rerouted value; with
 * rerouting off nothing is rerouted; rerouting keeps China's exports to the
 * US higher (they count as Chinese). */
static void test_transshipment(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    tw_world_war(&w);
    for (size_t a = 0; a < w.P; a++)
        w.p[TWM_P_COUNT + a] = 0.2;
    w.p[TWM_P_E_SHIP] = 0.6;
    solve_ok(&w);
    const double r_low = *O(&w, TWM_O_REROUTED), cnus_reroute = *O(&w, TWM_O_CN_US);
    double by = 0.0;
    for (size_t a = 0; a < w.P; a++) {
        assert_true(O(&w, TWM_O_REROUTED_BY_PARTNER)[a] >= 0.0);
        by += O(&w, TWM_O_REROUTED_BY_PARTNER)[a];
    }
    assert_double_equal(by, r_low, 1e-9 * r_low);
    assert_true(r_low > 0.0);
    for (size_t a = 0; a < w.P; a++)
        w.p[TWM_P_COUNT + a] = 0.8;
    solve_ok(&w);
    const double r_high = *O(&w, TWM_O_REROUTED);
    assert_true(r_high < r_low);
    w.p[TWM_P_E_SHIP] = 0.95;
    solve_ok(&w);
    assert_true(*O(&w, TWM_O_REROUTED) < r_high);
    /* the rerouted value is the routed part of the CN->US flow */
    double flow = 0.0;
    for (size_t j = 0; j < J_(&w); j++)
        flow += tw_world_z(&w, w.us, w.cn, (int)j);
    assert_true(*O(&w, TWM_O_REROUTED) < flow);
    tw_world_close(&w);

    int mech[TWM_M_COUNT];
    memcpy(mech, all_on, sizeof mech);
    mech[TWM_M_REROUTE] = 0;
    assert_int_equal(tw_world_open(&w, mech), 0);
    tw_world_war(&w);
    for (size_t a = 0; a < w.P; a++)
        w.p[TWM_P_COUNT + a] = 0.2;
    solve_ok(&w);
    assert_double_equal(*O(&w, TWM_O_REROUTED), 0.0, 0.0);
    assert_true(*O(&w, TWM_O_CN_US) < cnus_reroute);
    tw_world_close(&w);
}

/* Rerouting grows with the war (routes are a nest inside the Chinese origin
 * with elasticity theta_j + eta_gap > theta_j): no shock gives no rerouted
 * change, and the change (and the level) rise strictly with t_us_cn, in
 * total and through each transit partner. */
static void test_rerouting_grows_with_war(void **st)
{
    (void)st;
    int mech[TWM_M_COUNT];
    memcpy(mech, all_on, sizeof mech);
    mech[TWM_M_PARTNER_TARIFFS] = 0; /* the test world's MEX extra duty is a shock */
    tw_world w;
    assert_int_equal(tw_world_open(&w, mech), 0);
    double flow = 0.0;
    for (size_t j = 0; j < J_(&w); j++)
        flow += w.d->Z[TWM_NIJ(w.d->N, w.d->J, w.us, w.cn, j)];
    /* no shock: the baseline route mix, zero change (solver tolerance) */
    tw_world_neutral(&w);
    w.p[TWM_P_REROUTE_CAPACITY] = 0.05;
    solve_ok(&w);
    assert_true(*O(&w, TWM_O_REROUTED) > 0.0); /* the baseline mix reroutes a little */
    assert_double_equal(*O(&w, TWM_O_REROUTED_CHANGE), 0.0, 1e-9 * flow);
    for (size_t a = 0; a < w.P; a++)
        assert_double_equal(O(&w, TWM_O_REROUTED_CHANGE_BY_PARTNER)[a], 0.0, 1e-9 * flow);
    /* the change rises with the US tariff on direct Chinese goods */
    const double t[5] = {0.0, 0.1, 0.45, 0.9, 1.45};
    double prev = -1.0, prev_lvl = -1.0, prev_by[4] = {-1, -1, -1, -1};
    for (int k = 0; k < 5; k++) {
        w.p[TWM_P_T_US_CN] = t[k];
        for (size_t a = 0; a < w.P; a++)
            w.p[TWM_P_COUNT + a] = 0.0;
        solve_ok(&w);
        const double c = *O(&w, TWM_O_REROUTED_CHANGE), lvl = *O(&w, TWM_O_REROUTED);
        if (k == 0)
            assert_double_equal(c, 0.0, 1e-9 * flow);
        else
            assert_true(c > prev && lvl > prev_lvl);
        double by = 0.0;
        for (size_t a = 0; a < w.P; a++) {
            const double v = O(&w, TWM_O_REROUTED_CHANGE_BY_PARTNER)[a];
            if (k > 0 && O(&w, TWM_O_REROUTED_BY_PARTNER)[a] > 0.0)
                assert_true(v > prev_by[a]);
            prev_by[a] = v;
            by += v;
        }
        assert_double_equal(by, c, 1e-9 * flow);
        prev = c;
        prev_lvl = lvl;
    }
    assert_true(prev > 0.0);
    /* at eta_gap = 0 the route nest collapses into the origin: the rerouted
     * value moves much less than with a large gap */
    const double big = prev;
    w.p[TWM_P_ETA_GAP] = 0.0;
    solve_ok(&w);
    assert_true(*O(&w, TWM_O_REROUTED_CHANGE) < 0.5 * big);
    tw_world_close(&w);
}

/* Tariff revenue with rerouting: the solver's R'[US] uses tau'_eff on the
 * CN->US flow, which is the route-weighted tariff (moved from its baseline). */
static void test_tariff_revenue_rerouting(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    const size_t N = w.d->N, J = w.d->J, P = w.P;
    /* baseline route-weighted tariff in ELE (neutral parameters but the same
     * route weights: the partner tariffs at baseline) */
    tw_world_neutral(&w);
    w.p[TWM_P_T_FLOOR] = 0.0;
    int reg[4] = {w.vnm, w.mex, w.eur, w.row};
    tw_world_war(&w);
    for (size_t a = 0; a < P; a++)
        w.p[TWM_P_COUNT + a] = 0.3;
    solve_ok(&w);
    double rev = 0.0;
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < J; j++)
            rev += w.sw->tau_new[TWM_NIJ(N, J, w.us, i, j)] * tw_world_z(&w, w.us, (int)i, (int)j);
    assert_double_equal(O(&w, TWM_O_TARIFF_REVENUE)[w.us], rev, 1e-8 * rev);
    /* tau'_eff = tau + (route-weighted tau' now) - (route-weighted tau at baseline) */
    const size_t x = TWM_NIJ(N, J, w.us, w.cn, w.ele);
    double wt1 = w.sw->direct_share[w.ele] * (0.19 + 1.45);
    for (size_t a = 0; a < P; a++)
        wt1 += w.sw->route_share[a * J + w.ele] * w.sw->tau_new[TWM_NIJ(N, J, w.us, reg[a], w.ele)];
    const double teff = w.sw->tau_new[x];
    /* baseline mix: same parameters at baseline tariffs and no blocking */
    int mech[TWM_M_COUNT];
    memcpy(mech, all_on, sizeof mech);
    mech[TWM_M_PARTNER_TARIFFS] = 0;
    mech[TWM_M_US_CN_TARIFFS] = 0;
    tw_world w0;
    assert_int_equal(tw_world_open(&w0, mech), 0);
    memcpy(w0.p, w.p, sizeof w.p);
    for (size_t a = 0; a < P; a++)
        w0.p[TWM_P_COUNT + a] = 0.0;
    assert_int_equal(tw_world_apply(&w0), 0);
    double wt0 = w0.sw->direct_share[w.ele] * 0.19;
    for (size_t a = 0; a < P; a++)
        wt0 += w0.sw->route_share[a * J + w.ele] * w.d->tau[TWM_NIJ(N, J, w.us, reg[a], w.ele)];
    assert_double_equal(w0.sw->tau_new[x], 0.19, 1e-14);
    assert_double_equal(teff, 0.19 + wt1 - wt0, 1e-12);
    /* revenue on Chinese goods is below what the statutory rate would raise */
    assert_true(teff < 0.19 + 1.45);
    tw_world_close(&w0);
    tw_world_close(&w);
}

/* A rare-earth suspension raises the US CRM price and cuts US electronics and
 * vehicle output, more so as eps_crm falls. US duties below the war level
 * (0.3, a deal-like rate without the deal) so that the limit binds: at 145%
 * the tariff alone cuts China's CRM deliveries below a 20% limit. */
static void test_rare_earths(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    const size_t J = J_(&w);
    double drop[2][2], price[2];
    const double eps[2] = {0.5, 0.05};
    for (int e = 0; e < 2; e++) {
        tw_world_war(&w);
        w.p[TWM_P_T_US_CN] = 0.3;
        w.p[TWM_P_EPS_CRM] = eps[e];
        w.p[TWM_P_SIGMA_RE] = 0.8;
        w.p[TWM_P_RE_SUSPENDED] = 0.0;
        solve_ok(&w);
        const double p0 = *O(&w, TWM_O_US_CRM_PRICE);
        const double ele0 = O(&w, TWM_O_OUTPUT)[(size_t)w.us * J + w.ele];
        const double veh0 = O(&w, TWM_O_OUTPUT)[(size_t)w.us * J + w.veh];
        const double wel0 = O(&w, TWM_O_WELFARE)[w.us];
        assert_double_equal(O(&w, TWM_O_RE_WEDGE)[w.us], 0.0, 0.0);
        w.p[TWM_P_RE_SUSPENDED] = 1.0;
        solve_ok(&w);
        price[e] = *O(&w, TWM_O_US_CRM_PRICE) - p0;
        drop[e][0] = O(&w, TWM_O_OUTPUT)[(size_t)w.us * J + w.ele] - ele0;
        drop[e][1] = O(&w, TWM_O_OUTPUT)[(size_t)w.us * J + w.veh] - veh0;
        assert_true(price[e] > 1.0); /* percentage points */
        assert_true(drop[e][0] < 0.0);
        assert_true(drop[e][1] < 0.0);
        assert_true(O(&w, TWM_O_WELFARE)[w.us] < wel0);
        assert_true(O(&w, TWM_O_RE_WEDGE)[w.us] > 0.0);
        /* a deal lifts the suspension */
        w.p[TWM_P_DEAL] = 1.0;
        solve_ok(&w);
        assert_int_equal(w.sw->re_active, 0);
        w.p[TWM_P_DEAL] = 0.0;
    }
    assert_true(drop[1][0] < drop[0][0]);
    assert_true(drop[1][1] < drop[0][1]);
    tw_world_close(&w);
}

/* Delivered quantity of China's CRM into n relative to baseline: spending
 * over the delivered price chat That^(-1/theta) kappahat lam (written
 * independently of the solver's cancelled form). */
static double cn_crm_qhat(const tw_world *w, int n)
{
    const size_t N = w->d->N, J = w->d->J, c = (size_t)w->crm, cn = (size_t)w->cn;
    const size_t x = TWM_NIJ(N, J, n, cn, c);
    /* chat That^(-1/theta) of CN's CRM from its domestic sales (kappa 1):
     * eq. 3 gives pi'/pi = That (chat / Phat)^(-theta) */
    const size_t xd = TWM_NIJ(N, J, cn, cn, c);
    const double th = w->sw->theta[c];
    const double ucost = w->res.Phat[cn * J + c] * pow(w->res.pi_new[xd] / w->d->pi[xd], -1.0 / th);
    const double kap = (1.0 + w->sw->tau_new[x]) / (1.0 + w->d->tau[x]) * w->sw->dhat[x];
    const double lam = 1.0 + tw_world_o(w, TWM_O_RE_WEDGE)[n] / 100.0;
    /* spending pi' X' = Z' (1 + tau') over the delivered price */
    const double spend = tw_world_z(w, n, (int)cn, (int)c) * (1.0 + w->sw->tau_new[x]);
    return spend / (w->d->Z[x] * (1.0 + w->d->tau[x])) / (ucost * kap * lam);
}

/* The quantity limit: binding at 1 - severity, the CRM price and the wedge
 * rise and US downstream output falls monotonically with severity; severity
 * -> 0 gives the no-ban solution. */
static void test_rare_earth_limit_monotone(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    const size_t J = J_(&w);
    tw_world_war(&w);
    w.p[TWM_P_T_US_CN] = 0.3;
    w.p[TWM_P_EPS_CRM] = 0.1;
    w.p[TWM_P_RE_SUSPENDED] = 0.0;
    solve_ok(&w);
    const size_t row = twm_outcome_row_len(w.d->N, J, w.P);
    double *noban = malloc(row * sizeof(double));
    memcpy(noban, w.out, row * sizeof(double));
    const double q_noban = cn_crm_qhat(&w, w.us);
    assert_true(q_noban < 1.0); /* the limit at sigma -> 0 does not bind */
    w.p[TWM_P_RE_SUSPENDED] = 1.0;
    w.p[TWM_P_SIGMA_RE] = 1e-6;
    solve_ok(&w);
    for (size_t q = 0; q < row; q++)
        assert_double_equal(w.out[q], noban[q], 1e-8 * (1.0 + fabs(noban[q])));
    free(noban);
    const double sig[5] = {0.3, 0.5, 0.7, 0.9, 0.99};
    double pr = -1e300, wed = -1e300, ele = 1e300, veh = 1e300;
    for (int k = 0; k < 5; k++) {
        w.p[TWM_P_SIGMA_RE] = sig[k];
        solve_ok(&w);
        const double q = cn_crm_qhat(&w, w.us);
        if (1.0 - sig[k] < q_noban) /* binding: delivered quantity at the limit */
            assert_double_equal(q, 1.0 - sig[k], 1e-7 * (1.0 - sig[k]));
        else
            assert_true(q <= 1.0 - sig[k] + 1e-9);
        const double p = *O(&w, TWM_O_US_CRM_PRICE), wd = O(&w, TWM_O_RE_WEDGE)[w.us];
        const double e = O(&w, TWM_O_OUTPUT)[(size_t)w.us * J + w.ele];
        const double v = O(&w, TWM_O_OUTPUT)[(size_t)w.us * J + w.veh];
        assert_true(p > pr && wd > wed && e < ele && v < veh);
        pr = p;
        wed = wd;
        ele = e;
        veh = v;
    }
    /* the world scope hits a partner that the US scope (allies untargeted) spares */
    tw_world_close(&w);
}

/* Short-run CRM supply: an elasticity -> infinity is the perfectly elastic
 * solve (elasticities switched off the supply block only when
 * crm_supply_elast is huge); lower elasticities make the same rare-earth
 * limit raise the US CRM price more; no shock stays the baseline. */
static void test_crm_supply_elasticity(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    const size_t row = twm_outcome_row_len(w.d->N, w.d->J, w.P);
    double *flat = malloc(row * sizeof(double));
    /* perfectly elastic reference: the supply block off in the shock */
    tw_world_war(&w);
    w.p[TWM_P_T_US_CN] = 0.3;
    w.p[TWM_P_RE_SUSPENDED] = 1.0;
    w.p[TWM_P_SIGMA_RE] = 0.8;
    w.p[TWM_P_EPS_CRM] = 0.1;
    assert_int_equal(tw_world_apply(&w), 0);
    w.sw->shock.supply_elast = 0.0;
    tw_error err;
    twm_solver_opts o = {.tol = 1e-12, .max_iter = 20000};
    assert_int_equal(twm_solve(w.d, &w.sw->shock, &o, w.solver, &w.res, &err), 0);
    assert_int_equal(w.res.converged, 1);
    twm_outcomes_compute(w.sc, w.sw, &w.res, flat);
    w.p[TWM_P_CRM_SUPPLY_ELAST] = 1e7;
    solve_ok(&w);
    for (size_t q = 0; q < row; q++)
        assert_double_equal(w.out[q], flat[q], 1e-5 * (1.0 + fabs(flat[q])));
    const double p_flat = flat[twm_outcome_offset(TWM_O_US_CRM_PRICE, w.d->N, w.d->J, w.P)];
    free(flat);
    const double se[3] = {2.0, 0.5, 0.1};
    double prev = p_flat;
    for (int k = 0; k < 3; k++) {
        w.p[TWM_P_CRM_SUPPLY_ELAST] = se[k];
        solve_ok(&w);
        assert_true(*O(&w, TWM_O_US_CRM_PRICE) > prev);
        prev = *O(&w, TWM_O_US_CRM_PRICE);
    }
    /* a bad elasticity is a parameter error, not a crash */
    w.p[TWM_P_CRM_SUPPLY_ELAST] = 0.0;
    assert_int_equal(twm_scenario_apply(w.sc, w.p, w.sw, &err), TW_ENUMERIC);
    assert_non_null(strstr(err.msg, "crm_supply_elast"));
    tw_world_close(&w);
}

/* A deal raises both US and Chinese welfare relative to no deal. */
static void test_deal(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    tw_world_war(&w);
    w.p[TWM_P_RE_SUSPENDED] = 1.0;
    solve_ok(&w);
    const double us0 = O(&w, TWM_O_WELFARE)[w.us], cn0 = O(&w, TWM_O_WELFARE)[w.cn];
    const double x0 = *O(&w, TWM_O_CN_US);
    assert_true(us0 < 0.0);
    assert_true(cn0 < 0.0);
    assert_true(x0 < -50.0);
    assert_double_equal(*O(&w, TWM_O_LEVERAGE), us0 - cn0, 1e-12);
    w.p[TWM_P_DEAL] = 1.0;
    solve_ok(&w);
    assert_true(O(&w, TWM_O_WELFARE)[w.us] > us0);
    assert_true(O(&w, TWM_O_WELFARE)[w.cn] > cn0);
    assert_true(*O(&w, TWM_O_CN_US) > x0);
    tw_world_close(&w);
}

/* Relocation moves capacity (and output) out of China; none without a gap. */
static void test_relocation(void **st)
{
    (void)st;
    tw_world w;
    int mech[TWM_M_COUNT];
    memcpy(mech, all_on, sizeof mech);
    mech[TWM_M_RELOCATE] = 0;
    assert_int_equal(tw_world_open(&w, mech), 0);
    tw_world_war(&w);
    w.p[TWM_P_F_MAX] = 0.05;
    solve_ok(&w);
    const size_t J = J_(&w);
    const double cn_ele0 = O(&w, TWM_O_OUTPUT)[(size_t)w.cn * J + w.ele];
    const double vn_ele0 = O(&w, TWM_O_OUTPUT)[(size_t)w.vnm * J + w.ele];
    assert_double_equal(*O(&w, TWM_O_RELOCATED), 0.0, 0.0);
    tw_world_close(&w);

    assert_int_equal(tw_world_open(&w, all_on), 0);
    tw_world_war(&w);
    w.p[TWM_P_F_MAX] = 0.05;
    solve_ok(&w);
    assert_true(*O(&w, TWM_O_RELOCATED) > 0.0);
    assert_true(w.sw->That[(size_t)w.cn * J + w.ele] < 1.0);
    assert_true(O(&w, TWM_O_OUTPUT)[(size_t)w.cn * J + w.ele] < cn_ele0);
    assert_true(O(&w, TWM_O_OUTPUT)[(size_t)w.vnm * J + w.ele] > vn_ele0);
    /* no gap: China's additional duty equals the partners' floor rise */
    w.p[TWM_P_T_US_CN] = 0.10;
    solve_ok(&w);
    assert_double_equal(*O(&w, TWM_O_RELOCATED), 0.0, 0.0);
    tw_world_close(&w);
}

/* fdi_profits: china (issue 8): the relocated plants' operating profits,
 * TWM_FDI_CAPITAL_SHARE of their value added at baseline values, are paid
 * from each host to China as a change of the deficits. The transfers sum to
 * zero, equal the analytic value, show up one for one in the trade balances
 * (the deficits are what moves), raise China's welfare and lower each
 * paying host's against the same sample with profits staying in the host;
 * with no shock nothing is paid and every outcome is bitwise the host
 * solve's; the transfer rises with the tariff gap. */
static void test_relocation_profits(void **st)
{
    (void)st;
    tw_world h, c;
    assert_int_equal(tw_world_open_ex(&h, all_on, TWM_FDI_PROFITS_HOST), 0);
    assert_int_equal(tw_world_open_ex(&c, all_on, TWM_FDI_PROFITS_CHINA), 0);
    const size_t N = h.d->N, J = J_(&h), len = twm_outcome_row_len(N, J, h.P);
    const size_t cn = (size_t)h.cn;
    /* no shock: no transfer, the same solve bit for bit */
    solve_ok(&h);
    solve_ok(&c);
    for (size_t n = 0; n < N; n++)
        assert_double_equal(O(&c, TWM_O_FDI_PROFITS)[n], 0.0, 0.0);
    assert_memory_equal(h.out, c.out, len * sizeof(double));

    tw_world_war(&h);
    tw_world_war(&c);
    h.p[TWM_P_F_MAX] = c.p[TWM_P_F_MAX] = 0.6;
    solve_ok(&h);
    solve_ok(&c);
    assert_memory_equal(h.sw->relocated, c.sw->relocated, h.P * J * sizeof(double));
    double want = 0.0, sum = 0.0;
    for (size_t a = 0; a < c.P; a++)
        for (size_t j = 0; j < J; j++) {
            const size_t ra = (size_t)twm_scenario_partner_region(c.sc, a);
            want += TWM_FDI_CAPITAL_SHARE * c.d->gamma_va[ra * J + j] * c.sw->relocated[a * J + j];
        }
    const double *tr = O(&c, TWM_O_FDI_PROFITS);
    assert_true(want > 0.0);
    assert_double_equal(tr[cn], want, 1e-12 * want);
    for (size_t n = 0; n < N; n++) {
        sum += tr[n];
        assert_double_equal(O(&h, TWM_O_FDI_PROFITS)[n], 0.0, 0.0);
        /* the transfer is a change of the deficit: the trade balance moves
         * by minus the transfer against the host solve (solver tolerance) */
        assert_double_equal(O(&c, TWM_O_TRADE_BALANCE)[n] - O(&h, TWM_O_TRADE_BALANCE)[n], -tr[n],
                            1e-6 * want);
        if (n != cn && tr[n] < 0.0)
            assert_true(O(&c, TWM_O_WELFARE)[n] < O(&h, TWM_O_WELFARE)[n]);
        if (n != cn)
            assert_true(tr[n] <= 0.0);
    }
    assert_double_equal(sum, 0.0, 1e-12 * want);
    assert_true(O(&c, TWM_O_WELFARE)[cn] > O(&h, TWM_O_WELFARE)[cn]);
    assert_true(*O(&c, TWM_O_LEVERAGE) < *O(&h, TWM_O_LEVERAGE));
    /* the transfer rises with the tariff gap */
    const double t[4] = {0.3, 0.9, 1.45, 3.0};
    double prev = 0.0;
    for (int k = 0; k < 4; k++) {
        c.p[TWM_P_T_US_CN] = t[k];
        solve_ok(&c);
        assert_true(O(&c, TWM_O_FDI_PROFITS)[cn] > prev);
        prev = O(&c, TWM_O_FDI_PROFITS)[cn];
    }
    tw_world_close(&h);
    tw_world_close(&c);
}

/* deficit_change: (exogenous deficits as in Dekle-Eaton-Kortum 2008 and
 * Caliendo-Parro 2015; the path of the fdi_profits transfer). A zero change
 * is bitwise the solve without the option, with profits in the host or
 * returning to China; a change keeps the world sum of deficits at the
 * baseline's (zero) and moves each region's trade balance by minus its
 * deficit change (solver tolerance), on top of the fdi_profits transfer;
 * China's exports rise and its imports fall, strictly, as its surplus grows. */
static void deficit_world(tw_world *w, int fdi_profits, const double *dD)
{
    assert_int_equal(tw_world_open_dd(w, all_on, fdi_profits, dD), 0);
    tw_world_war(w);
    w->p[TWM_P_F_MAX] = 0.6;
    solve_ok(w);
}

/* China's surplus grows in steps of 2% of its value added (the US's deficit
 * shrinks a little, Viet Nam and the rest take the other side). */
static void deficit_steps(int fp)
{
    tw_world h, z;
    deficit_world(&h, fp, NULL);
    const size_t N = h.d->N, cn = (size_t)h.cn;
    assert_true(N <= 8);
    const double x = 0.02 * h.d->VA[cn];
    double prev_ex = -1e300, prev_im = 1e300, dsum = 0.0, dabs = 0.0;
    for (size_t n = 0; n < N; n++) {
        dsum += h.d->D[n];
        dabs += fabs(h.d->D[n]);
    }
    assert_true(fabs(dsum) <= 1e-9 * dabs); /* the data's deficits sum to zero */
    for (int k = 0; k <= 4; k++) {
        double dD[8] = {0};
        dD[cn] = -k * x;
        dD[h.us] = -0.25 * k * x;
        dD[h.vnm] = 0.5 * k * x;
        dD[h.row] = 0.75 * k * x;
        deficit_world(&z, fp, dD);
        const double *tr = O(&z, TWM_O_FDI_PROFITS);
        double sum = 0.0, tbsum = 0.0;
        assert_true(fp == TWM_FDI_PROFITS_HOST ? tr[cn] == 0.0 : tr[cn] > 0.0);
        for (size_t n = 0; n < N; n++) {
            /* D' = D + dD + the transfer; the world sum stays zero */
            assert_double_equal(z.sw->D_new[n], h.d->D[n] + dD[n] + tr[n],
                                1e-12 * (fabs(h.d->D[n]) + x));
            sum += z.sw->D_new[n];
            tbsum += O(&z, TWM_O_TRADE_BALANCE)[n];
            /* the trade balance moves by minus the deficit change, against
             * the same sample without it */
            assert_double_equal(O(&z, TWM_O_TRADE_BALANCE)[n] - O(&h, TWM_O_TRADE_BALANCE)[n] +
                                    (tr[n] - O(&h, TWM_O_FDI_PROFITS)[n]),
                                -dD[n], 1e-6 * x);
        }
        assert_true(fabs(sum) <= 1e-9 * dabs);
        assert_true(fabs(tbsum) <= 1e-6 * x);
        assert_true(O(&z, TWM_O_EXPORTS)[cn] > prev_ex);
        assert_true(O(&z, TWM_O_IMPORTS)[cn] < prev_im);
        prev_ex = O(&z, TWM_O_EXPORTS)[cn];
        prev_im = O(&z, TWM_O_IMPORTS)[cn];
        tw_world_close(&z);
    }
    tw_world_close(&h);
}

static void test_deficit_change(void **st)
{
    (void)st;
    tw_world h, z;
    for (int fp = TWM_FDI_PROFITS_HOST; fp <= TWM_FDI_PROFITS_CHINA; fp++) {
        double zero[8] = {0};
        deficit_world(&h, fp, NULL);
        deficit_world(&z, fp, zero);
        assert_memory_equal(h.out, z.out, twm_outcome_row_len(h.d->N, J_(&h), h.P) *
                                              sizeof(double));
        tw_world_close(&z);
        tw_world_close(&h);
    }
    for (int fp = TWM_FDI_PROFITS_HOST; fp <= TWM_FDI_PROFITS_CHINA; fp++)
        deficit_steps(fp);
    /* a vector that does not sum to zero is refused */
    tw_error err;
    twm_data *d = NULL;
    assert_int_equal(twm_data_load(TW_WORLD_DIR, &d, &err), 0);
    const int cn = twm_region_index(d, "CHN");
    double bad[8] = {0};
    bad[cn] = -1.0;
    twm_partner_info pi[1] = {{twm_region_index(d, "VNM"), 0.46, 0.0, -1.0, 0}};
    twm_scenario_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.us = twm_region_index(d, "USA");
    spec.cn = cn;
    spec.n_partners = 1;
    spec.partners = pi;
    spec.deficit_change = bad;
    twm_scenario *sc = NULL;
    assert_int_equal(twm_scenario_new(d, &spec, &sc, &err), TW_ECONFIG);
    assert_non_null(strstr(err.msg, "sum to -1"));
    assert_null(sc);
    twm_data_free(d);
}

/* Retaliation against aligned partners hurts them: welfare and exports to
 * China fall as r_ally rises. */
static void test_retaliation(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    tw_world_war(&w);
    w.p[TWM_P_COUNT + 2] = 0.9; /* EUR aligned */
    w.p[TWM_P_R_ALLY] = 0.0;
    solve_ok(&w);
    const double wel0 = O(&w, TWM_O_WELFARE)[w.eur];
    double x0 = 0.0;
    for (size_t j = 0; j < J_(&w); j++)
        x0 += tw_world_z(&w, w.cn, w.eur, (int)j);
    w.p[TWM_P_R_ALLY] = 0.5;
    solve_ok(&w);
    double x1 = 0.0;
    for (size_t j = 0; j < J_(&w); j++)
        x1 += tw_world_z(&w, w.cn, w.eur, (int)j);
    assert_true(O(&w, TWM_O_WELFARE)[w.eur] < wel0);
    assert_true(x1 < 0.8 * x0);
    tw_world_close(&w);
}

/* The pause's expiry lowers a non-aligned partner's exports to the US and
 * leaves a fully aligned one's tariffs alone. */
static void test_pause_expiry(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    tw_world_war(&w);
    w.p[TWM_P_COUNT + 0] = 0.0; /* VNM */
    solve_ok(&w);
    double v0 = 0.0;
    for (size_t j = 0; j < J_(&w); j++)
        v0 += tw_world_z(&w, w.us, w.vnm, (int)j);
    const double wv0 = O(&w, TWM_O_WELFARE)[w.vnm];
    w.p[TWM_P_PAUSE_EXPIRES] = 1.0;
    solve_ok(&w);
    double v1 = 0.0;
    for (size_t j = 0; j < J_(&w); j++)
        v1 += tw_world_z(&w, w.us, w.vnm, (int)j);
    assert_true(v1 < 0.8 * v0);
    assert_true(O(&w, TWM_O_WELFARE)[w.vnm] < wv0);
    tw_world_close(&w);
}

/* Limits on Chinese inputs lower the partners' imports from China. */
static void test_input_limits(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    tw_world_war(&w);
    for (size_t a = 0; a < w.P; a++)
        w.p[TWM_P_COUNT + a] = 0.7;
    const int reg[4] = {w.vnm, w.mex, w.eur, w.row};
    double m0[4] = {0}, m1[4] = {0};
    w.p[TWM_P_NTB] = 0.0;
    solve_ok(&w);
    for (int a = 0; a < 4; a++)
        for (size_t j = 0; j < J_(&w); j++)
            m0[a] += tw_world_z(&w, reg[a], w.cn, (int)j);
    const double cnp0 = *O(&w, TWM_O_CN_PARTNERS);
    w.p[TWM_P_NTB] = 0.3;
    solve_ok(&w);
    for (int a = 0; a < 4; a++) {
        for (size_t j = 0; j < J_(&w); j++)
            m1[a] += tw_world_z(&w, reg[a], w.cn, (int)j);
        assert_true(m1[a] < m0[a]);
    }
    assert_true(*O(&w, TWM_O_CN_PARTNERS) < cnp0);
    /* the revenue stays with the partner */
    const double rev03 = O(&w, TWM_O_TARIFF_REVENUE)[w.eur];
    w.p[TWM_P_NTB] = 0.0;
    solve_ok(&w);
    assert_true(rev03 > O(&w, TWM_O_TARIFF_REVENUE)[w.eur]);
    tw_world_close(&w);

    /* covered sectors only: with input limits on ELE, VEH trade is untouched */
    assert_int_equal(tw_world_open(&w, all_on), 0);
    uint8_t cover[4] = {0, 0, 0, 0};
    cover[w.ele] = 1;
    twm_partner_info pi[4];
    twm_scenario_spec spec;
    twm_test_world_spec(&spec, &w, pi);
    spec.input_limit_sectors = cover;
    twm_test_respec(&w, &spec);
    tw_world_war(&w);
    w.p[TWM_P_NTB] = 0.3;
    assert_int_equal(tw_world_apply(&w), 0);
    const size_t N = w.d->N, J = w.d->J;
    assert_double_equal(w.sw->tau_new[TWM_NIJ(N, J, w.eur, w.cn, w.ele)],
                        w.d->tau[TWM_NIJ(N, J, w.eur, w.cn, w.ele)] + 0.3 * 0.5, 1e-14);
    assert_double_equal(w.sw->tau_new[TWM_NIJ(N, J, w.eur, w.cn, w.veh)],
                        w.d->tau[TWM_NIJ(N, J, w.eur, w.cn, w.veh)], 0.0);
    tw_world_close(&w);
}

/* More elastic trade: China's exports to the US fall more. */
static void test_elasticities(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    tw_world_war(&w);
    w.p[TWM_P_THETA_SCALE] = 0.7;
    solve_ok(&w);
    const double lo = *O(&w, TWM_O_CN_US);
    w.p[TWM_P_THETA_SCALE] = 1.4;
    solve_ok(&w);
    assert_true(*O(&w, TWM_O_CN_US) < lo);
    tw_world_close(&w);
}

/* Accounting: deficits are fixed, so trade balances do not move; world
 * exports equal world imports. */
static void test_accounting(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    tw_world_war(&w);
    w.p[TWM_P_RE_SUSPENDED] = 1.0;
    w.p[TWM_P_PAUSE_EXPIRES] = 1.0;
    w.p[TWM_P_NTB] = 0.2;
    w.p[TWM_P_R_ALLY] = 0.2;
    solve_ok(&w);
    for (size_t n = 0; n < w.d->N; n++)
        assert_double_equal(O(&w, TWM_O_TRADE_BALANCE)[n], 0.0, 1e-6);
    tw_world_close(&w);
}

/* Like-for-like outcomes. Goods-only = tariffed sectors: equal to the
 * all-sector outcomes when every sector is tariffed, and the hand sum over
 * the tariffed ones when a sector is not. Prices relative to the wage are
 * the inverse of the real wage; welfare_usd is the equivalent variation on
 * the baseline income; leverage_usd and tariff_revenue_change follow. */
static double pct_(double a, double b) { return 100.0 * (a / b - 1.0); }

static void test_like_for_like(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    const size_t N = w.d->N, J = w.d->J;
    tw_world_war(&w);
    solve_ok(&w);
    assert_double_equal(*O(&w, TWM_O_US_CN_GOODS), *O(&w, TWM_O_US_CN_TRADE), 0.0);
    assert_double_equal(*O(&w, TWM_O_CN_GOODS_TOTAL), *O(&w, TWM_O_CN_TOTAL), 0.0);
    assert_double_equal(*O(&w, TWM_O_CN_GOODS_US), *O(&w, TWM_O_CN_US), 0.0);
    assert_double_equal(*O(&w, TWM_O_CN_GOODS_PARTNERS), *O(&w, TWM_O_CN_PARTNERS), 0.0);
    for (size_t n = 0; n < N; n++) {
        const double rw = O(&w, TWM_O_REAL_WAGE)[n], cw = O(&w, TWM_O_CPI_WAGE)[n];
        assert_double_equal((1.0 + rw / 100.0) * (1.0 + cw / 100.0), 1.0, 1e-12);
        assert_double_equal(O(&w, TWM_O_WELFARE_USD)[n],
                            w.d->I[n] * O(&w, TWM_O_WELFARE)[n] / 100.0, 1e-9 * w.d->I[n]);
        assert_double_equal(O(&w, TWM_O_TARIFF_REVENUE_CHANGE)[n],
                            O(&w, TWM_O_TARIFF_REVENUE)[n] - w.d->R[n], 1e-12 * w.d->I[n]);
    }
    /* the US tariff on Chinese goods raises US revenue */
    assert_true(O(&w, TWM_O_TARIFF_REVENUE_CHANGE)[w.us] > 0.0);
    assert_double_equal(*O(&w, TWM_O_LEVERAGE_USD),
                        O(&w, TWM_O_WELFARE_USD)[w.us] - O(&w, TWM_O_WELFARE_USD)[w.cn], 1e-12);
    /* the US tariff raises US consumer prices relative to the US wage */
    assert_true(O(&w, TWM_O_CPI_WAGE)[w.us] > 0.0);
    tw_world_close(&w);

    /* AGR untariffed: goods outcomes are the sums over ELE, VEH, CRM */
    assert_int_equal(tw_world_open(&w, all_on), 0);
    uint8_t tariffed[4] = {1, 1, 1, 1};
    tariffed[w.agr] = 0;
    twm_partner_info pi[4];
    twm_scenario_spec spec;
    twm_test_world_spec(&spec, &w, pi);
    spec.tariffed = tariffed;
    twm_test_respec(&w, &spec);
    tw_world_war(&w);
    solve_ok(&w);
    double us0 = 0, us1 = 0, tot0 = 0, tot1 = 0, pa0 = 0, pa1 = 0, uc0 = 0, uc1 = 0;
    for (size_t j = 0; j < J; j++) {
        if ((int)j == w.agr)
            continue;
        for (size_t n = 0; n < N; n++) {
            if ((int)n == w.cn)
                continue;
            const double z0 = w.d->Z[TWM_NIJ(N, J, n, w.cn, j)], z1 = tw_world_z(&w, (int)n, w.cn, (int)j);
            tot0 += z0;
            tot1 += z1;
            if ((int)n == w.us) {
                us0 += z0;
                us1 += z1;
            } else {
                pa0 += z0;
                pa1 += z1;
            }
        }
        uc0 += w.d->Z[TWM_NIJ(N, J, w.cn, w.us, j)];
        uc1 += tw_world_z(&w, w.cn, w.us, (int)j);
    }
    assert_double_equal(*O(&w, TWM_O_CN_GOODS_TOTAL), pct_(tot1, tot0), 1e-9);
    assert_double_equal(*O(&w, TWM_O_CN_GOODS_US), pct_(us1, us0), 1e-9);
    assert_double_equal(*O(&w, TWM_O_CN_GOODS_PARTNERS), pct_(pa1, pa0), 1e-9);
    assert_double_equal(*O(&w, TWM_O_US_CN_GOODS), pct_(us1 + uc1, us0 + uc0), 1e-9);
    /* untaxed agriculture dilutes the all-sector fall of US-China trade */
    assert_true(*O(&w, TWM_O_US_CN_GOODS) < *O(&w, TWM_O_US_CN_TRADE));
    tw_world_close(&w);
}

/* Recorded trade: rerouting relabels Chinese goods as the transit
 * partner's, so US recorded imports from China fall more than China's
 * exports to the US, and the recorded total (China + partners) equals the
 * origin total; without rerouting recorded = origin. */
static void test_recorded_trade(void **st)
{
    (void)st;
    tw_world w;
    for (int on = 0; on < 2; on++) {
        int mech[TWM_M_COUNT];
        memcpy(mech, all_on, sizeof mech);
        mech[TWM_M_REROUTE] = on;
        assert_int_equal(tw_world_open(&w, mech), 0);
        const size_t N = w.d->N, J = w.d->J;
        tw_world_war(&w);
        solve_ok(&w);
        const double rec = *O(&w, TWM_O_US_REC_CN), org = *O(&w, TWM_O_CN_GOODS_US);
        if (!on) {
            assert_double_equal(rec, org, 1e-9);
        } else {
            assert_true(rec < org - 1.0);
        }
        /* levels: recorded from CN + from partners = origin CN + partners' own */
        int reg[4] = {w.vnm, w.mex, w.eur, w.row};
        double z0c = 0, z1c = 0, rv0 = 0, rv1 = 0, rec1 = 0, org1 = 0;
        for (size_t j = 0; j < J; j++) {
            z0c += w.d->Z[TWM_NIJ(N, J, w.us, w.cn, j)];
            z1c += tw_world_z(&w, w.us, w.cn, (int)j);
        }
        for (size_t a = 0; a < w.P; a++)
            for (size_t j = 0; j < J; j++) {
                rv0 += w.sw->route_share0[a * J + j] * w.d->Z[TWM_NIJ(N, J, w.us, w.cn, j)];
                rv1 += w.sw->route_share[a * J + j] * tw_world_z(&w, w.us, w.cn, (int)j);
            }
        rec1 = (z0c - rv0) * (1.0 + rec / 100.0);
        org1 = z1c;
        for (size_t a = 0; a < w.P; a++) {
            double u0 = 0, own1 = 0;
            for (size_t j = 0; j < J; j++) {
                u0 += w.d->Z[TWM_NIJ(N, J, w.us, reg[a], j)] +
                      w.sw->route_share0[a * J + j] * w.d->Z[TWM_NIJ(N, J, w.us, w.cn, j)];
                own1 += tw_world_z(&w, w.us, reg[a], (int)j);
            }
            rec1 += u0 * (1.0 + O(&w, TWM_O_US_REC_BY_PARTNER)[a] / 100.0);
            org1 += own1;
        }
        assert_double_equal(rec1, org1, 1e-9 * org1);
        if (on)
            assert_true(rv1 > rv0); /* the war reroutes more than the baseline mix */
        tw_world_close(&w);
    }
}

/* horizon: short divides the trade response: the same war cuts China's
 * exports to the US less, and the long horizon is the plain model. */
static void test_horizon(void **st)
{
    (void)st;
    tw_world w;
    assert_int_equal(tw_world_open(&w, all_on), 0);
    tw_world_war(&w);
    solve_ok(&w);
    const double lng = *O(&w, TWM_O_CN_GOODS_US);
    const double th_ele = w.sw->theta[w.ele];
    twm_partner_info pi[4];
    twm_scenario_spec spec;
    twm_test_world_spec(&spec, &w, pi);
    spec.theta_factor = TWM_SHORT_RUN_THETA_FACTOR;
    twm_test_respec(&w, &spec);
    tw_world_war(&w);
    solve_ok(&w);
    assert_double_equal(w.sw->theta[w.ele], TWM_SHORT_RUN_THETA_FACTOR * th_ele, 1e-15);
    assert_true(*O(&w, TWM_O_CN_GOODS_US) < 0.0);
    assert_true(*O(&w, TWM_O_CN_GOODS_US) > lng + 5.0); /* a smaller fall */
    tw_world_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transshipment),
        cmocka_unit_test(test_rerouting_grows_with_war),
        cmocka_unit_test(test_tariff_revenue_rerouting),
        cmocka_unit_test(test_rare_earths),
        cmocka_unit_test(test_rare_earth_limit_monotone),
        cmocka_unit_test(test_crm_supply_elasticity),
        cmocka_unit_test(test_deal),
        cmocka_unit_test(test_relocation),
        cmocka_unit_test(test_relocation_profits),
        cmocka_unit_test(test_deficit_change),
        cmocka_unit_test(test_retaliation),
        cmocka_unit_test(test_pause_expiry),
        cmocka_unit_test(test_input_limits),
        cmocka_unit_test(test_elasticities),
        cmocka_unit_test(test_accounting),
        cmocka_unit_test(test_like_for_like),
        cmocka_unit_test(test_recorded_trade),
        cmocka_unit_test(test_horizon),
    };
    return cmocka_run_group_tests_name("twm_mechanisms", tests, NULL, NULL);
}
