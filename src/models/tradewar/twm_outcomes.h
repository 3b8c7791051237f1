/* tradewar model, layer 4: outcomes of one sample (MODEL.md section 4).
 *
 * Valuation: exports and imports exclude domestic sales and are valued at
 * exporter prices (before tariffs) in numeraire units (world value added
 * fixed), like Z and D; *_pct = 100 (hat - 1); welfare is the exact
 * real-income change 100 ((I'/I)/P - 1). China's exports count Chinese-origin
 * goods including rerouted ones (they stay in the CN->US flow);
 * rerouted_value says how much of that flow went through partners.
 *
 * The outcome names are part of the HDF5 file format. One name has one
 * shape, so the per-partner rerouted values are a separate outcome,
 * rerouted_value_by_partner, next to the scalar total rerouted_value.
 */
#ifndef TRADEWAR_TWM_OUTCOMES_H
#define TRADEWAR_TWM_OUTCOMES_H

#include <stddef.h>

#include "tradewar/model.h"
#include "twm_scenario.h"
#include "twm_solver.h"

/* Dimension indices used by the outcome table (schema.dims order). */
enum { TWM_DIM_REGION = 0, TWM_DIM_SECTOR = 1, TWM_DIM_PARTNER = 2, TWM_DIM_COUNT = 3 };

#define TWM_OUTCOME_MAP(X)                                                                 \
    X(TWM_O_WELFARE, "welfare_pct", "percent", 1, TWM_DIM_REGION, 0,                        \
      "exact real-income change 100((I'/I)/P - 1), P = prod_j Phat^alpha (consumer prices)") \
    X(TWM_O_REAL_WAGE, "real_wage_pct", "percent", 1, TWM_DIM_REGION, 0,                    \
      "real wage change 100(what/P - 1)")                                                  \
    X(TWM_O_EXPORTS, "exports_pct", "percent", 1, TWM_DIM_REGION, 0,                        \
      "change of exports (excluding domestic sales) at exporter prices, numeraire units")   \
    X(TWM_O_IMPORTS, "imports_pct", "percent", 1, TWM_DIM_REGION, 0,                        \
      "change of imports (excluding domestic purchases) at exporter prices, numeraire units") \
    X(TWM_O_CPI, "cpi_numeraire_pct", "percent", 1, TWM_DIM_REGION, 0,                      \
      "consumer price index change in numeraire units (world value added fixed), "          \
      "100(prod_j Phat[n,j]^alpha[n,j] - 1): NOT a CPI as statistics measure it, see "      \
      "cpi_wage_pct")                                                                      \
    X(TWM_O_CPI_WAGE, "cpi_wage_pct", "percent", 1, TWM_DIM_REGION, 0,                      \
      "consumer prices relative to the region's own wage, 100(P/what - 1): the price rise " \
      "a worker sees at a given nominal wage (a CPI at unchanged wages)")                   \
    X(TWM_O_TRADE_BALANCE, "trade_balance_change", "USD bn (numeraire)", 1, TWM_DIM_REGION, 0, \
      "change of exports minus imports at exporter prices; deficits are held fixed, so "    \
      "this is zero up to the solver tolerance (an accounting check)")                     \
    X(TWM_O_TARIFF_REVENUE, "tariff_revenue", "USD bn (numeraire)", 1, TWM_DIM_REGION, 0,   \
      "tariff revenue R' in the counterfactual (on CN->US goods at the route-weighted "     \
      "rate tau'_eff)")                                                                    \
    X(TWM_O_TARIFF_REVENUE_CHANGE, "tariff_revenue_change", "USD bn (numeraire)", 1,          \
      TWM_DIM_REGION, 0, "tariff_revenue minus the baseline revenue R[n]")                 \
    X(TWM_O_WELFARE_USD, "welfare_usd", "USD bn", 1, TWM_DIM_REGION, 0,                      \
      "equivalent variation: the baseline income change worth the welfare change, "         \
      "I[n] ((I'/I)/P - 1) = I[n] welfare_pct / 100")                                      \
    X(TWM_O_OUTPUT, "output_pct", "percent", 2, TWM_DIM_REGION, TWM_DIM_SECTOR,             \
      "change of nominal gross output Y'[n,j] (numeraire units)")                          \
    X(TWM_O_DOMSHARE, "domestic_share", "fraction", 2, TWM_DIM_REGION, TWM_DIM_SECTOR,      \
      "counterfactual domestic expenditure share pi'[n,n,j]")                               \
    X(TWM_O_CN_US, "cn_exports_to_us_pct", "percent", 0, 0, 0,                              \
      "change of China's exports to the US (Chinese-origin goods, rerouted ones included)") \
    X(TWM_O_CN_TOTAL, "cn_exports_total_pct", "percent", 0, 0, 0,                           \
      "change of China's total exports (rerouted goods included)")                          \
    X(TWM_O_CN_PARTNERS, "cn_exports_to_partners_pct", "percent", 0, 0, 0,                  \
      "change of China's exports to the partner set")                                      \
    X(TWM_O_CN_REST, "cn_exports_to_rest_pct", "percent", 0, 0, 0,                          \
      "change of China's exports to regions that are neither the US nor partners "         \
      "(0 when there are none)")                                                           \
    X(TWM_O_US_CN_TRADE, "us_cn_trade_pct", "percent", 0, 0, 0,                             \
      "change of US-China bilateral trade, both directions, at exporter prices")           \
    X(TWM_O_US_CN_GOODS, "us_cn_goods_trade_pct", "percent", 0, 0, 0,                       \
      "us_cn_trade_pct over goods only (tariffed sectors: all but sectors.untariffed)")    \
    X(TWM_O_CN_GOODS_TOTAL, "cn_goods_exports_total_pct", "percent", 0, 0, 0,               \
      "cn_exports_total_pct over goods only (tariffed sectors)")                           \
    X(TWM_O_CN_GOODS_US, "cn_goods_exports_to_us_pct", "percent", 0, 0, 0,                  \
      "cn_exports_to_us_pct over goods only (tariffed sectors)")                           \
    X(TWM_O_CN_GOODS_PARTNERS, "cn_goods_exports_to_partners_pct", "percent", 0, 0, 0,      \
      "cn_exports_to_partners_pct over goods only (tariffed sectors)")                     \
    X(TWM_O_CN_GOODS_BY_PARTNER, "cn_goods_exports_by_partner_pct", "percent", 1,           \
      TWM_DIM_PARTNER, 0, "change of China's goods exports to each partner")              \
    X(TWM_O_US_REC_CN, "us_goods_imports_from_cn_recorded_pct", "percent", 0, 0, 0,         \
      "change of US goods imports from China as customs record them: Chinese-origin "       \
      "goods minus those rerouted through partners (with the same sample's baseline mix)") \
    X(TWM_O_US_REC_BY_PARTNER, "us_goods_imports_recorded_pct", "percent", 1,               \
      TWM_DIM_PARTNER, 0, "change of US goods imports from each partner as customs "        \
      "record them: its own goods plus Chinese goods rerouted through it")                 \
    X(TWM_O_REROUTED, "rerouted_value", "USD bn (numeraire)", 0, 0, 0,                      \
      "Chinese-origin goods reaching the US through partners (counterfactual level, "       \
      "exporter prices)")                                                                  \
    X(TWM_O_REROUTED_BY_PARTNER, "rerouted_value_by_partner", "USD bn (numeraire)", 1,      \
      TWM_DIM_PARTNER, 0, "rerouted_value by transit partner")                             \
    X(TWM_O_REROUTED_CHANGE, "rerouted_change", "USD bn (numeraire)", 0, 0, 0,              \
      "rerouted_value minus the same sample's no-war baseline (the route mix at baseline "  \
      "tariffs and no blocking, on the baseline CN->US flow): the rerouting the shock "     \
      "caused")                                                                            \
    X(TWM_O_REROUTED_CHANGE_BY_PARTNER, "rerouted_change_by_partner", "USD bn (numeraire)", \
      1, TWM_DIM_PARTNER, 0, "rerouted_change by transit partner")                         \
    X(TWM_O_RELOCATED, "relocated_capacity_value", "USD bn (baseline)", 0, 0, 0,            \
      "China's US-bound gross output capacity moved to partners by tariff-jumping "         \
      "relocation, sum_a,j f_a[j] Z[US,CN,j] at baseline values")                           \
    X(TWM_O_FDI_PROFITS, "fdi_profit_transfer", "USD bn (numeraire)", 1, TWM_DIM_REGION, 0, \
      "operating profits of relocated plants received (China, > 0) or paid (hosts, < 0) "   \
      "under fdi_profits: china, a change of the deficits; 0 with fdi_profits: host")       \
    X(TWM_O_US_CRM_PRICE, "us_crm_price_pct", "percent", 0, 0, 0,                           \
      "change of the US price index of the critical-minerals sector (0 if none)")           \
    X(TWM_O_RE_WEDGE, "re_wedge_pct", "percent", 1, TWM_DIM_REGION, 0,                      \
      "tariff equivalent of China's rare-earth licensing on its CRM deliveries to the "     \
      "region, 100(lam - 1): the price wedge that holds them at the quantity limit "        \
      "(0 where there is none or it does not bind)")                                        \
    X(TWM_O_LEVERAGE, "leverage_pp", "percentage points", 0, 0, 0,                          \
      "welfare_pct[US] - welfare_pct[CN] (positive: China loses more)")                    \
    X(TWM_O_LEVERAGE_USD, "leverage_usd", "USD bn", 0, 0, 0,                                \
      "welfare_usd[US] - welfare_usd[CN] (positive: China loses more in dollars)")

enum {
#define TWM_O_ENUM_(k, name, units, nd, d0, d1, desc) k,
    TWM_OUTCOME_MAP(TWM_O_ENUM_)
#undef TWM_O_ENUM_
    TWM_O_COUNT
};

/* The outcome table (TWM_O_COUNT entries, dims per TWM_DIM_*). */
extern const tw_outcome_info twm_outcome_table[TWM_O_COUNT];

/* Number of doubles of outcome k for N regions, J sectors, P partners, and
 * its offset in a row (outcomes concatenated in table order). */
size_t twm_outcome_len(int k, size_t N, size_t J, size_t P);
size_t twm_outcome_offset(int k, size_t N, size_t J, size_t P);
size_t twm_outcome_row_len(size_t N, size_t J, size_t P);

/* Fill one outcome row from the solve and the scenario details. Pure, no
 * allocation. out has twm_outcome_row_len() doubles. */
void twm_outcomes_compute(const twm_scenario *sc, const twm_scen_ws *w, const twm_result *res,
                          double *out);

#endif
