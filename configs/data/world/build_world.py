#!/usr/bin/python3
"""Build the tradewar baseline world dataset (base year 2024) from documented
source figures, balance it, write the CSVs of DESIGN.md "Data" and check it.

Run:  /usr/bin/python3 configs/data/world/build_world.py   (needs numpy)

Every figure below carries a source tag (see README.md, "Sources"):
  [CEN]  US Census Bureau, FT-900 annual 2024 / USA Trade Online, goods, Census basis
  [BEA]  BEA/Census "U.S. International Trade in Goods and Services, December and
         Annual 2024" (release of 5 Feb 2025), balance-of-payments basis
  [WEO]  IMF World Economic Outlook database, April 2025, GDP current USD, 2024
  [WTO]  WTO World Trade Statistical Review 2024 / WTO Stats (2024 values)
  [NAT]  national customs / statistics office annual 2024 release (named in README)
  [EST]  our estimate (judgement from the sources named in README); a balancing
         residual is marked [RES]
All values USD bn, current prices, calendar 2024, goods at exporter (FOB) prices.
"""
import os
import sys
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
EUR = 1.0824  # USD per EUR, 2024 average (ECB reference rate)

R = ["USA", "CHN", "EU27", "GBR", "JPN", "KOR", "TWN", "VNM", "ASN", "IND",
     "MEX", "CAN", "BRA", "ROW"]
RNAME = {  # no commas: the loader splits on them
    "USA": "United States", "CHN": "China (mainland)",
    "EU27": "European Union 27 (intra-EU trade is domestic)",
    "GBR": "United Kingdom", "JPN": "Japan", "KOR": "Korea Rep.",
    "TWN": "Taiwan", "VNM": "Viet Nam",
    "ASN": "Rest of ASEAN (BRN KHM IDN LAO MYS MMR PHL SGP THA)",
    "IND": "India", "MEX": "Mexico", "CAN": "Canada", "BRA": "Brazil",
    "ROW": "Rest of the world"}
S = ["AGR", "ENE", "CRM", "CHM", "MET", "ELE", "MAC", "VEH", "OMF", "SRV"]
G9 = S[:9]  # goods sectors
SNAME = {  # short names for sectors.csv (no commas); full definitions in README
    "AGR": "Agriculture and food", "ENE": "Energy and mining",
    "CRM": "Critical minerals under Chinese export controls (rare earths magnets graphite Ga Ge Sb W)",
    "CHM": "Chemicals pharmaceuticals rubber and plastics",
    "MET": "Basic and fabricated metals", "ELE": "Electronics and electrical equipment",
    "MAC": "Machinery n.e.c.", "VEH": "Vehicles and transport equipment incl. aerospace and defence",
    "OMF": "Other manufacturing (textiles apparel wood paper minerals furniture)",
    "SRV": "Services incl. construction and utilities"}
# theta: see README "Trade elasticities" (Caliendo-Parro 2015 Table 1, 99% sample;
# Simonovska-Waugh 2014; Fontagne-Guimbard-Orefice 2022)
THETA = {"AGR": 5.0, "ENE": 10.0, "CRM": 2.0, "CHM": 3.0, "MET": 4.5,
         "ELE": 7.0, "MAC": 3.0, "VEH": 3.0, "OMF": 5.0, "SRV": 5.0}
INDUSTRIAL = {"CRM", "CHM", "MET", "ELE", "MAC", "VEH", "OMF"}
N, J = len(R), len(S)
ri = {r: k for k, r in enumerate(R)}
si = {s: k for k, s in enumerate(S)}

# ----------------------------------------------------------------------------
# 1. Macro totals 2024
# GDP [WEO] (USD bn). EU27: Eurostat nama_10_gdp EUR 17,950 bn x 1.0824.
# ASN = sum of the nine members [WEO]. ROW = world GDP [WEO] 110,060 minus the rest [RES].
GDP = {"USA": 29185, "CHN": 18748, "EU27": 19423, "GBR": 3644, "JPN": 4026,
       "KOR": 1869, "TWN": 757, "VNM": 476, "ASN": 3495, "IND": 3910,
       "MEX": 1853, "CAN": 2241, "BRA": 2171}
WORLD_GDP = 110060
GDP["ROW"] = WORLD_GDP - sum(GDP.values())

# Goods exports / imports, public totals (excluding trade inside the region):
#  USA [CEN] Census basis; CHN [NAT] GACC customs; EU27 Eurostat ext_st_eu27_2020sitc
#  extra-EU EUR 2,584 / 2,434 bn; GBR ONS UK Trade annual 2024 (GBP 396/603 bn x 1.278);
#  JPN MOF trade statistics (JPY 107.1/112.6 trn / 151.4); KOR MOTIE/KITA; TWN MOF;
#  VNM GSO/Customs; ASN: sum of members' customs totals (SGP 508/461, THA 300/306,
#  MYS 330/300, IDN 265/234, PHL 73/128, KHM 26/28, MMR 15/18, LAO 8/7, BRN 11/8 =
#  1,536/1,490) minus intra-ASN trade ~300 [EST from ASEANstats intra-ASEAN 2023 and
#  Viet Nam's ASEAN trade]; IND MoCI calendar 2024; MEX INEGI; CAN StatCan
#  (CAD 779/786 bn / 1.37); BRA MDIC/SECEX. EU27 balance EUR 147 bn (Eurostat).
GX_PUB = {"USA": 2064.5, "CHN": 3577.0, "EU27": 2584 * EUR, "GBR": 506.0,
          "JPN": 707.0, "KOR": 683.8, "TWN": 475.0, "VNM": 405.5, "ASN": 1236.0,
          "IND": 443.0, "MEX": 617.1, "CAN": 569.0, "BRA": 337.0}
GM_PUB = {"USA": 3267.4, "CHN": 2587.0, "EU27": 2437 * EUR, "GBR": 771.0,
          "JPN": 742.0, "KOR": 632.0, "TWN": 381.1, "VNM": 380.8, "ASN": 1190.0,
          "IND": 700.0, "MEX": 625.3, "CAN": 575.0, "BRA": 262.5}
# Services exports / imports (BoP, USD bn) [BEA] USA; CHN MOFCOM 2024 services trade
# (CNY 3,175.6 / 4,348.2 bn at 7.12 CNY/USD); EU27 extra-EU, Eurostat (news release
# Dec 2025: EUR 1,568 / 1,374 bn); GBR ONS (GBP 489/305 bn); JPN BoJ BoP
# (JPY 33/39 trn); KOR BoK; TWN CBC; VNM GSO; ASN members' BoP minus ~10% intra [EST];
# IND RBI; MEX Banxico; CAN StatCan; BRA BCB. Smaller ones rounded, see README.
SX_PUB = {"USA": 1108.0, "CHN": 446.0, "EU27": 1568 * EUR, "GBR": 625.0,
          "JPN": 218.0, "KOR": 125.0, "TWN": 62.0, "VNM": 25.0, "ASN": 482.0,
          "IND": 373.0, "MEX": 50.0, "CAN": 146.0, "BRA": 46.0}
SM_PUB = {"USA": 814.0, "CHN": 611.0, "EU27": 1374 * EUR, "GBR": 390.0,
          "JPN": 258.0, "KOR": 149.0, "TWN": 66.0, "VNM": 38.0, "ASN": 455.0,
          "IND": 198.0, "MEX": 62.0, "CAN": 155.0, "BRA": 99.0}

# ----------------------------------------------------------------------------
# 2. Bilateral goods flows, importer x exporter.
# US row and column: Census 2024 by partner [CEN] (US imports = customs value).
US_IMP = {"CHN": 438.9, "EU27": 605.8, "GBR": 68.1, "JPN": 148.2, "KOR": 131.5,
          "TWN": 116.3, "VNM": 136.6, "ASN": 215.0, "IND": 87.4, "MEX": 505.9,
          "CAN": 412.7, "BRA": 42.3}   # ASN: THA 63.3 MYS 52.5 SGP 43.2 IDN 28.1 PHL 14.2 KHM 12.7 other 1
US_EXP = {"CHN": 143.5, "EU27": 370.2, "GBR": 79.9, "JPN": 79.7, "KOR": 66.0,
          "TWN": 42.3, "VNM": 13.1, "ASN": 112.0, "IND": 41.8, "MEX": 300.0,
          "CAN": 348.5, "BRA": 49.7}   # MEX: Census 334.0 vs INEGI 263.1 -> midpoint 300 [EST]
# US goods totals on the balance-of-payments basis [BEA release of 5 Feb 2025: goods
# exports 2,084, imports 3,296; with services 1,108 / 814 the deficit is 918]. The
# BoP adjustments to the Census figures (+19.5 exports, +28.6 imports: coverage,
# valuation, timing; BEA does not allocate them to our partners) go to the ROW cells,
# so US-China stays exactly Census and D_USA equals BEA's 918 (issue 8 item 6).
US_BOP_GX, US_BOP_GM = 2084.0, 3296.0
US_IMP["ROW"] = US_BOP_GM - sum(US_IMP.values())   # [RES] CHE ISR AUS COL SAU ... + BoP adj.
US_EXP["ROW"] = US_BOP_GX - sum(US_EXP.values())   # [RES] AUS HKG ARE CHE ISR COL CHL ... + BoP adj.
# Mirror discrepancies with the fixed US cells: partner-reported exports to / imports
# from the US [NAT], used to shift the partner's total so its non-US trade is kept.
P_EXP_TO_US = {"CHN": 524.7, "EU27": 532.3 * EUR, "JPN": 141.0, "KOR": 127.8,
               "TWN": 111.4, "VNM": 119.5, "IND": 80.0, "CAN": 433.0, "BRA": 40.3}
P_IMP_FROM_US = {"CHN": 163.6, "EU27": 333.4 * EUR, "MEX": 263.1}  # as reported (CIF for CHN, EU27)

# Other key flows (importer, exporter): value [NAT] importer-reported unless noted;
# where the two sides differ a lot we take a value between them [EST].
KNOWN = {
    ("EU27", "CHN"): 545.0, ("EU27", "GBR"): 150.0, ("EU27", "JPN"): 71.0,
    ("EU27", "KOR"): 67.0, ("EU27", "TWN"): 35.0, ("EU27", "VNM"): 56.0,
    ("EU27", "ASN"): 114.0, ("EU27", "IND"): 76.0, ("EU27", "MEX"): 28.0,
    ("EU27", "CAN"): 31.0, ("EU27", "BRA"): 48.0,
    ("CHN", "EU27"): 250.0, ("GBR", "EU27"): 346.0, ("JPN", "EU27"): 80.0,
    ("KOR", "EU27"): 66.0, ("TWN", "EU27"): 36.0, ("VNM", "EU27"): 16.0,
    ("ASN", "EU27"): 87.0, ("IND", "EU27"): 66.0, ("MEX", "EU27"): 62.0,
    ("CAN", "EU27"): 54.0, ("BRA", "EU27"): 54.0,
    ("VNM", "CHN"): 150.0, ("ASN", "CHN"): 424.6, ("JPN", "CHN"): 160.0,
    ("KOR", "CHN"): 139.3, ("TWN", "CHN"): 73.0, ("IND", "CHN"): 118.0,
    ("GBR", "CHN"): 78.0, ("MEX", "CHN"): 110.0, ("CAN", "CHN"): 60.0,
    ("BRA", "CHN"): 73.5,
    ("CHN", "VNM"): 75.0, ("CHN", "ASN"): 320.0, ("CHN", "JPN"): 140.0,
    ("CHN", "KOR"): 133.0, ("CHN", "TWN"): 160.0, ("CHN", "IND"): 16.0,
    ("CHN", "GBR"): 24.0, ("CHN", "MEX"): 12.0, ("CHN", "CAN"): 30.0,
    ("CHN", "BRA"): 100.0,
    ("JPN", "KOR"): 30.0, ("JPN", "TWN"): 36.0, ("JPN", "VNM"): 25.0,
    ("JPN", "ASN"): 95.0, ("JPN", "IND"): 6.0, ("JPN", "GBR"): 8.0,
    ("JPN", "MEX"): 6.0, ("JPN", "CAN"): 12.0, ("JPN", "BRA"): 8.0,
    ("KOR", "JPN"): 47.5, ("TWN", "JPN"): 46.0, ("VNM", "JPN"): 22.2,
    ("ASN", "JPN"): 83.0, ("IND", "JPN"): 17.0, ("GBR", "JPN"): 10.0,
    ("MEX", "JPN"): 19.0, ("CAN", "JPN"): 14.0, ("BRA", "JPN"): 4.0,
    ("KOR", "TWN"): 33.0, ("KOR", "VNM"): 25.6, ("KOR", "ASN"): 45.0,
    ("TWN", "KOR"): 30.0, ("VNM", "KOR"): 55.9, ("ASN", "KOR"): 56.0,
    ("IND", "KOR"): 19.0, ("MEX", "KOR"): 21.0, ("CAN", "KOR"): 11.0,
    ("TWN", "VNM"): 6.0, ("TWN", "ASN"): 40.0, ("VNM", "TWN"): 24.0,
    ("ASN", "TWN"): 70.0, ("IND", "TWN"): 6.0, ("MEX", "TWN"): 14.0,
    ("ASN", "VNM"): 36.0, ("VNM", "ASN"): 42.0, ("IND", "ASN"): 110.0,
    ("ASN", "IND"): 35.0, ("IND", "VNM"): 10.0, ("VNM", "IND"): 6.0,
    ("GBR", "IND"): 13.0, ("CAN", "MEX"): 31.0, ("MEX", "CAN"): 11.0,
    ("MEX", "VNM"): 10.0, ("MEX", "ASN"): 20.0, ("CAN", "VNM"): 9.0,
    ("IND", "BRA"): 7.0, ("BRA", "IND"): 6.0,
}

# Goods export composition by exporter over G9 [EST: UN Comtrade/WITS 2023 by HS
# section mapped to our sectors, rounded; see README]
ECOMP = {  # AGR  ENE   CRM   CHM   MET   ELE   MAC   VEH   OMF
    "USA": [9.0, 16.5, 0.10, 17.0, 7.0, 16.5, 11.0, 15.0, 7.9],
    "CHN": [3.0, 2.0, 0.50, 11.0, 10.0, 37.0, 12.0, 8.0, 16.5],
    "EU27": [8.0, 4.0, 0.15, 25.0, 6.0, 13.0, 16.0, 16.0, 11.8],
    "GBR": [7.0, 11.0, 0.10, 19.0, 13.0, 13.0, 10.0, 17.0, 9.9],
    "JPN": [1.5, 2.0, 0.60, 12.0, 9.0, 25.0, 20.0, 23.0, 6.9],
    "KOR": [2.0, 8.0, 0.50, 13.0, 8.0, 38.0, 9.0, 18.0, 3.5],
    "TWN": [1.0, 3.0, 0.20, 7.0, 6.0, 70.0, 8.0, 2.0, 2.8],
    "VNM": [8.0, 1.0, 0.30, 4.0, 5.0, 45.0, 8.0, 3.0, 25.7],
    "ASN": [12.0, 12.0, 0.30, 10.0, 8.0, 35.0, 9.0, 5.0, 8.4],
    "IND": [12.0, 18.0, 0.20, 14.0, 9.0, 11.0, 7.0, 7.0, 21.8],
    "MEX": [8.0, 5.0, 0.10, 4.0, 4.0, 28.0, 13.0, 32.0, 5.9],
    "CAN": [14.0, 30.0, 0.30, 8.0, 10.0, 4.0, 7.0, 14.0, 12.7],
    "BRA": [45.0, 22.0, 0.60, 5.0, 8.0, 1.5, 4.0, 4.0, 6.5],
    "ROW": [10.0, 35.0, 0.50, 12.0, 12.0, 10.0, 7.0, 5.0, 8.5]}
# Goods import composition by importer [EST, same sources]
MCOMP = {  # AGR  ENE   CRM   CHM   MET   ELE   MAC   VEH   OMF
    "USA": [6.5, 8.0, 0.15, 15.0, 7.0, 26.0, 11.0, 14.0, 12.35],
    "CHN": [9.5, 25.0, 1.20, 10.0, 10.0, 24.0, 8.0, 3.0, 8.8],
    "EU27": [7.0, 22.0, 0.30, 13.0, 7.0, 20.0, 9.0, 8.0, 13.7],
    "GBR": [9.0, 12.0, 0.15, 14.0, 12.0, 17.0, 10.0, 13.0, 12.85],
    "JPN": [10.0, 25.0, 0.60, 10.0, 6.0, 22.0, 7.0, 5.0, 14.4],
    "KOR": [6.0, 28.0, 0.80, 9.0, 8.0, 27.0, 9.0, 5.0, 7.2],
    "TWN": [4.0, 18.0, 0.40, 9.0, 6.0, 45.0, 10.0, 3.0, 4.6],
    "VNM": [8.0, 8.0, 0.30, 12.0, 9.0, 40.0, 9.0, 3.0, 10.7],
    "ASN": [8.0, 18.0, 0.30, 11.0, 8.0, 32.0, 10.0, 5.0, 7.7],
    "IND": [5.0, 35.0, 0.30, 10.0, 10.0, 20.0, 7.0, 3.0, 9.7],
    "MEX": [6.0, 10.0, 0.10, 11.0, 7.0, 30.0, 12.0, 14.0, 9.9],
    "CAN": [9.0, 8.0, 0.20, 11.0, 7.0, 18.0, 12.0, 22.0, 12.8],
    "BRA": [6.0, 20.0, 0.30, 25.0, 6.0, 18.0, 12.0, 6.0, 6.7],
    "ROW": [10.0, 15.0, 0.30, 13.0, 9.0, 20.0, 11.0, 11.0, 10.7]}
# US-China goods by sector 2024 (sum = Census totals exactly) [CEN by HS chapter,
# mapped to our sectors; EST for the split of mixed chapters]
US_FROM_CN = {"AGR": 6.0, "ENE": 1.5, "CRM": 2.0, "CHM": 35.0, "MET": 25.0,
              "ELE": 195.0, "MAC": 45.0, "VEH": 18.0, "OMF": 111.4}
CN_FROM_US = {"AGR": 27.5, "ENE": 17.0, "CRM": 0.4, "CHM": 26.0, "MET": 6.0,
              "ELE": 28.0, "MAC": 17.0, "VEH": 12.6, "OMF": 9.0}
# US-China services 2024 [BEA Table 2.3 ITA; 2023 values 46.4 exports / 20.4 imports
# updated by the 2024 growth of total US services trade, EST]
US_SRV_TO_CN, US_SRV_FROM_CN = 48.0, 22.0
# Other services priors (importer, exporter) [NAT: Eurostat Dec 2025 release: extra-EU
# services exports to US EUR 344 bn, UK 294; imports from US 483, UK 248; BEA 2024 by
# partner for the US side]; mirror gaps are large in services, values between [EST]
KNOWN_SRV = {("EU27", "USA"): 450.0, ("USA", "EU27"): 300.0, ("EU27", "GBR"): 268.0,
             ("GBR", "EU27"): 318.0, ("EU27", "CHN"): 50.0, ("CHN", "EU27"): 60.0,
             ("USA", "GBR"): 80.0, ("GBR", "USA"): 95.0, ("USA", "IND"): 45.0,
             ("USA", "CAN"): 40.0, ("CAN", "USA"): 75.0, ("USA", "MEX"): 35.0,
             ("MEX", "USA"): 40.0, ("USA", "JPN"): 40.0, ("JPN", "USA"): 55.0}
# China's customs imports include re-imports of Chinese-origin goods (domestic in
# the model); deducted from China's import total [EST from GACC partner tables]
CHN_REIMPORTS = 90.0
# China's balances on the balance-of-payments basis [SAFE, BoP 2024 (preliminary,
# approximate): goods +768, services -229, current account about +422 (2.2% of GDP)].
# The customs goods surplus (992 = 3,577 - 2,585) is larger than SAFE's BoP goods
# surplus by about 224, mostly on the export side (BoP exports below customs exports;
# the size and cause of this gap are debated, B. Setser, CFR "Follow the Money" 2023-24).
# The model's D_CHN is the BoP goods-and-services balance: the services gap goes to
# services imports (MOFCOM 611 -> 675, the BoP travel debit being larger), the goods
# gap to China's goods exports, taken from the cells without partner data (ROW,
# which holds Hong Kong, in practice) [RES] (issue 8 item 6).
CHN_BOP_GOODS, CHN_BOP_SERV = 768.0, -229.0
CHN_CUSTOMS_BAL = 3577.0 - 2585.0  # GACC 2024 (customs basis; GM_PUB rounds imports to 2,587)
# Imports reported CIF are converted to exporter (FOB) prices with a common factor
# [EST: CIF/FOB margins of 3-6% for most pairs, OECD International Transport and
# Insurance Costs (ITIC) database]. US (customs value), CAN, MEX, GBR (BoP basis)
# and BRA report FOB-like values and are not adjusted.
CIF_FOB = 0.96
CIF_REPORTERS = {"CHN", "EU27", "JPN", "KOR", "TWN", "VNM", "ASN", "IND"}
ROW_GX = 4500.0  # ROW exports of goods to the 13 named regions [EST, see README]
ROW_SX = 1200.0  # ROW exports of services to the named regions [EST]

# ----------------------------------------------------------------------------
# 3. Value-added structure: sector shares of GDP (%) [EST from World Bank WDI 2023
# (agriculture, industry, manufacturing, % of GDP), OECD ICIO 2023 ed. / national
# accounts for the split of manufacturing]; SRV = 100 - rest.
VSH = {  # AGR  ENE  CRM    CHM  MET  ELE   MAC  VEH  OMF
    "USA": [2.2, 3.7, 0.005, 2.2, 1.1, 1.5, 0.8, 1.3, 1.6],
    "CHN": [9.3, 6.1, 0.22, 3.5, 4.0, 5.0, 3.0, 2.5, 4.5],
    "EU27": [3.7, 2.9, 0.02, 2.6, 1.9, 1.6, 2.0, 2.2, 2.6],
    "GBR": [2.1, 2.7, 0.005, 1.3, 0.7, 0.8, 0.7, 1.2, 1.6],
    "JPN": [3.5, 3.3, 0.07, 2.6, 2.8, 3.5, 2.8, 3.6, 2.7],
    "KOR": [3.1, 3.6, 0.05, 3.2, 3.0, 8.0, 2.6, 3.8, 2.2],
    "TWN": [2.5, 2.3, 0.02, 2.5, 2.2, 18.0, 2.0, 1.0, 2.0],
    "VNM": [15.4, 7.0, 0.05, 1.8, 2.0, 5.5, 1.2, 1.0, 7.0],
    "ASN": [13.0, 8.0, 0.045, 2.8, 2.2, 3.5, 1.5, 1.5, 3.0],
    "IND": [18.0, 5.7, 0.02, 2.6, 2.3, 1.2, 1.0, 1.2, 3.5],
    "MEX": [7.6, 6.0, 0.01, 2.0, 2.0, 2.5, 1.2, 4.0, 2.7],
    "CAN": [3.5, 9.4, 0.03, 1.3, 1.2, 0.6, 0.8, 1.0, 2.0],
    "BRA": [9.7, 7.3, 0.06, 2.0, 1.6, 0.8, 0.9, 1.2, 2.5],
    "ROW": [10.5, 13.5, 0.05, 2.5, 2.2, 1.5, 1.2, 1.2, 3.0]}
# CRM, narrowed in issue 8 to the minerals under China's 2023-25 export controls
# (rare earths and magnets, graphite, gallium, germanium, antimony, tungsten; see
# README "Critical minerals"); lithium and cobalt moved to CHM (their compounds are
# chemicals) and niobium to MET. New CRM shares of goods exports / goods imports / GDP
# (percent) [EST, from the trade and output values in the README]; what each region
# loses in CRM goes to CHM.
CRM_X = {"USA": .05, "CHN": .20, "EU27": .05, "GBR": .03, "JPN": .15, "KOR": .05,
         "TWN": .05, "VNM": .20, "ASN": .16, "IND": .05, "MEX": .05, "CAN": .05,
         "BRA": .05, "ROW": .07}
CRM_M = {"USA": .085, "CHN": .15, "EU27": .10, "GBR": .05, "JPN": .10, "KOR": .10,
         "TWN": .05, "VNM": .10, "ASN": .10, "IND": .10, "MEX": .08, "CAN": .05,
         "BRA": .05, "ROW": .05}
CRM_V = {"USA": .002, "CHN": .07, "EU27": .005, "GBR": .002, "JPN": .02, "KOR": .01,
         "TWN": .005, "VNM": .05, "ASN": .02, "IND": .005, "MEX": .005, "CAN": .005,
         "BRA": .01, "ROW": .01}
for _tab, _new in ((ECOMP, CRM_X), (MCOMP, CRM_M), (VSH, CRM_V)):
    for _r, _v in _new.items():
        _tab[_r][3] += _tab[_r][2] - _v      # CHM takes the lithium and cobalt
        _tab[_r][2] = _v
# value-added share of gross output [EST, typical OECD ICIO 2023 ed. ratios]
GVA_BASE = np.array([0.35, 0.40, 0.30, 0.30, 0.27, 0.30, 0.33, 0.24, 0.32, 0.58])
MFG_MULT = {"USA": 1.10, "CHN": 0.78, "EU27": 1.0, "GBR": 1.05, "JPN": 1.0,
            "KOR": 0.90, "TWN": 1.0, "VNM": 0.70, "ASN": 0.85, "IND": 0.85,
            "MEX": 0.80, "CAN": 1.0, "BRA": 0.95, "ROW": 0.95}
SRV_VA = {"USA": 0.62, "CHN": 0.50}  # others 0.58
# US value-added shares of gross output from BEA GDP-by-industry (value added and
# gross output by industry, 2023; our sector mapping, approximate, from memory of the
# tables): food and farms ~0.33-0.35, mining + utilities + petroleum ~0.45, chemicals
# (pharmaceuticals) + plastics ~0.45, primary + fabricated metals ~0.38, computers and
# electronics + electrical equipment ~0.52, machinery ~0.42, motor vehicles (~0.22) +
# aerospace and other transport (~0.45) ~0.30, other manufacturing ~0.42, services
# 0.62. Until issue 8 the US used the generic ratios x 1.10 (0.27-0.37 in
# manufacturing), which put US manufacturing gross output ~30% above BEA's.
US_GVA = {"AGR": 0.35, "ENE": 0.45, "CHM": 0.45, "MET": 0.38, "ELE": 0.52,
          "MAC": 0.42, "VEH": 0.30, "OMF": 0.42}
# BEA reference for the check (value added % of GDP, VA / gross output), 2023,
# approximate: AGR = farms, forestry, fishing 0.9 + food, beverages, tobacco 1.3;
# ENE = mining 1.5 + utilities 1.6 + petroleum and coal products 0.6; manufacturing
# in all about 10.3% of GDP.
BEA_US = {"AGR": (2.2, 0.35), "ENE": (3.7, 0.45), "CHM": (2.2, 0.45), "MET": (1.1, 0.38),
          "ELE": (1.5, 0.52), "MAC": (0.8, 0.42), "VEH": (1.3, 0.30), "OMF": (1.6, 0.42),
          "SRV": (85.5, 0.62)}
# composition of intermediate inputs (rows: input k, columns: using sector j), each
# column sums to 1 [EST: rounded typical coefficients of OECD ICIO / WIOD tables]
CMP = np.array([
    # AGR   ENE   CRM   CHM   MET   ELE   MAC   VEH   OMF   SRV   <- using sector
    [0.40, 0.01, 0.00, 0.05, 0.00, 0.00, 0.00, 0.00, 0.08, 0.03],  # AGR
    [0.06, 0.45, 0.15, 0.18, 0.20, 0.02, 0.02, 0.01, 0.05, 0.06],  # ENE
    [0.00, 0.00, 0.25, 0.01, 0.01, 0.01, 0.005, 0.005, 0.00, 0.00],  # CRM
    [0.10, 0.04, 0.15, 0.35, 0.04, 0.06, 0.05, 0.07, 0.14, 0.02],  # CHM
    [0.02, 0.04, 0.08, 0.02, 0.40, 0.08, 0.22, 0.12, 0.05, 0.01],  # MET
    [0.01, 0.02, 0.02, 0.02, 0.02, 0.42, 0.18, 0.12, 0.02, 0.02],  # ELE
    [0.02, 0.05, 0.03, 0.02, 0.03, 0.04, 0.22, 0.06, 0.02, 0.01],  # MAC
    [0.01, 0.01, 0.00, 0.00, 0.00, 0.00, 0.01, 0.40, 0.00, 0.01],  # VEH
    [0.08, 0.03, 0.02, 0.05, 0.03, 0.04, 0.035, 0.035, 0.34, 0.04],  # OMF
    [0.30, 0.35, 0.30, 0.30, 0.27, 0.33, 0.26, 0.18, 0.30, 0.80],  # SRV
])
assert np.allclose(CMP.sum(0), 1.0)

# ----------------------------------------------------------------------------
# 4. Tariffs (fractions). MFN applied, trade-weighted, by sector [EST from WTO World
# Tariff Profiles 2024 (2023 data), trade-weighted averages by MTN product group,
# mapped to our sectors]; ASN/ROW: trade-weighted over members [EST].
MFN = {  # AGR   ENE    CRM    CHM    MET    ELE    MAC    VEH    OMF
    "USA": [.040, .005, .015, .025, .018, .012, .013, .020, .060],
    "CHN": [.095, .010, .030, .055, .040, .020, .050, .090, .070],
    "EU27": [.080, .003, .015, .035, .015, .018, .017, .060, .060],
    "GBR": [.070, .002, .010, .025, .015, .015, .015, .060, .050],
    "JPN": [.120, .005, .005, .020, .010, .002, .001, .000, .040],
    "KOR": [.250, .030, .030, .055, .040, .020, .060, .060, .080],
    "TWN": [.140, .020, .020, .035, .020, .005, .030, .080, .050],
    "VNM": [.150, .030, .020, .030, .040, .020, .030, .250, .120],
    "ASN": [.100, .015, .020, .030, .040, .015, .030, .150, .070],
    "IND": [.350, .040, .075, .090, .080, .100, .080, .300, .150],
    "MEX": [.120, .010, .020, .040, .050, .020, .030, .150, .120],
    "CAN": [.080, .003, .010, .020, .010, .010, .005, .050, .060],
    "BRA": [.080, .010, .040, .070, .100, .120, .120, .250, .160],
    "ROW": [.120, .020, .030, .050, .060, .050, .050, .120, .100]}
# Preference margin: share of the MFN duty removed on (importer, exporter) by FTAs
# in force in 2024, allowing for utilisation [EST; agreements named in README].
PREF = {}
def _pref(a, b, v, both=True):
    PREF[(a, b)] = v
    if both:
        PREF[(b, a)] = v
for a, b in [("USA", "MEX"), ("USA", "CAN"), ("MEX", "CAN")]:
    _pref(a, b, 0.90)                                   # USMCA
_pref("USA", "KOR", 0.95)                               # KORUS
_pref("USA", "ASN", 0.10); _pref("USA", "ROW", 0.30)     # US-SGP; AUS CHL ISR CAFTA-DR COL PER ...
_pref("USA", "JPN", 0.20)                               # US-Japan Trade Agreement 2020
for b, v in [("GBR", 0.85), ("KOR", 0.85), ("MEX", 0.85), ("CAN", 0.85),
             ("JPN", 0.70), ("VNM", 0.50), ("ASN", 0.25), ("ROW", 0.50),
             ("IND", 0.10)]:
    _pref("EU27", b, v)                                 # TCA, EU-KOR, EU-MEX, CETA, EPA, EVFTA, EU-SGP, EEA/CH/TUR...
for b, v in [("KOR", 0.85), ("MEX", 0.85), ("CAN", 0.85), ("JPN", 0.70),
             ("VNM", 0.50), ("ASN", 0.25), ("ROW", 0.40)]:
    _pref("GBR", b, v)                                  # UK continuity agreements, CPTPP (2024)
_pref("CHN", "VNM", 0.85); _pref("CHN", "ASN", 0.85)      # ACFTA
_pref("CHN", "KOR", 0.50); _pref("CHN", "JPN", 0.20)      # China-Korea FTA; RCEP
_pref("CHN", "ROW", 0.30); _pref("CHN", "TWN", 0.10, both=False)  # ChAFTA etc.; ECFA early harvest
_pref("TWN", "CHN", 0.05, both=False)
_pref("JPN", "VNM", 0.70); _pref("JPN", "ASN", 0.70); _pref("JPN", "KOR", 0.20)
_pref("JPN", "IND", 0.50); _pref("JPN", "MEX", 0.60); _pref("JPN", "CAN", 0.60)
_pref("JPN", "ROW", 0.40)
_pref("KOR", "VNM", 0.70); _pref("KOR", "ASN", 0.70); _pref("KOR", "IND", 0.40)
_pref("KOR", "CAN", 0.85); _pref("KOR", "ROW", 0.40)
_pref("VNM", "ASN", 0.95); _pref("VNM", "IND", 0.60); _pref("VNM", "MEX", 0.60)
_pref("VNM", "CAN", 0.60); _pref("VNM", "ROW", 0.40)
_pref("ASN", "IND", 0.60); _pref("ASN", "CAN", 0.30); _pref("ASN", "MEX", 0.30)
_pref("ASN", "ROW", 0.40)
_pref("IND", "ROW", 0.20)
_pref("MEX", "ROW", 0.40); _pref("MEX", "BRA", 0.30)
_pref("CAN", "ROW", 0.30)
_pref("BRA", "ROW", 0.30)
# 2018-19 US-China duties: total rate (MFN included) on the bilateral flow by sector.
# Section 301 lists 1-3 (25%), 4A (7.5%), 4B suspended; Section 232 steel/aluminium;
# Sept 2024 Four-Year-Review increases (EVs 100%, solar, batteries, semis) [EST from
# USTR lists]; scaled so the trade-weighted average equals Bown's figure for
# 20 January 2025 (PIIE, "US-China Trade War Tariffs: An Up-to-Date Chart": US on
# China 20.8%; China on US 21.2% = 32.6% - 11.4 pp; after the 2020 phase-one deal the
# chart gave 19.3% / 21.1%, weighted by 2017 trade).
US_ON_CN = {"AGR": 0.16, "ENE": 0.20, "CRM": 0.09, "CHM": 0.22, "MET": 0.27,
            "ELE": 0.15, "MAC": 0.26, "VEH": 0.27, "OMF": 0.12}
CN_ON_US = {"AGR": 0.28, "ENE": 0.15, "CRM": 0.15, "CHM": 0.22, "MET": 0.22,
            "ELE": 0.17, "MAC": 0.22, "VEH": 0.12, "OMF": 0.18}
BOWN_US, BOWN_CN = 0.208, 0.212
# The duties the US actually collected in 2024 [Monthly Treasury Statement: customs
# duties about 79 in calendar 2024 (77.0 in FY2024); approximate]. Bown's 20.8% is a
# statutory average with pre-war (2017) weights; applied to 2024 flows it gives a US
# baseline revenue of about 131, because the trade moved to untaxed lines (List 4B:
# phones, laptops, consoles, toys), product exclusions, drawback and duty-free
# de minimis entries lower what is collected. The US-on-China profile is therefore
# scaled so that total US revenue matches the receipts: the other partners' duties
# (MFN x (1 - PREF), about 1.4% of the imports, like the pre-war 2017 effective rate
# of about 1.5% = 35 bn duties / 2,340 bn imports) are kept, and China pays the rest,
# about 9% of US imports from China (40 bn on 439; USITC DataWeb "calculated duties"
# give a similar order, approximate). None = use BOWN_US (the data before issue 8).
US_DUTIES_2024 = 79.0

AMIN_GOODS = 0.005  # required margin on final-demand shares (goods sectors)
CRM_INTER = 0.95    # share of each region's CRM absorption used as intermediate input



# ----------------------------------------------------------------------------
# 5. Partner facts for configs/default.yaml (see partners.md for sources)
# April 2, 2025 "reciprocal" rates, Executive Order 14257 Annex I (countries not in
# Annex I: 10% baseline). ASN and ROW: weighted by 2024 US imports [CEN] (member
# weights in USD bn; ROW: named members plus the remainder at 10%).
RECIP = {"CHN": 0.34, "EU27": 0.20, "GBR": 0.10, "JPN": 0.24, "KOR": 0.25,
         "TWN": 0.32, "VNM": 0.46, "IND": 0.26, "MEX": 0.0, "CAN": 0.0, "BRA": 0.10}
ASN_MEMBERS = {  # code: (2024 US imports USD bn [CEN], Annex I rate)
    "THA": (63.3, 0.36), "MYS": (52.5, 0.24), "SGP": (43.2, 0.10), "IDN": (28.1, 0.32),
    "PHL": (14.2, 0.17), "KHM": (12.7, 0.49), "LAO": (0.8, 0.48), "MMR": (0.7, 0.44),
    "BRN": (0.2, 0.24)}
ROW_MEMBERS = {  # largest ROW sources with an Annex I rate; the remainder at 10% [CEN, EST]
    "CHE": (63.4, 0.31), "ISR": (22.2, 0.17), "ZAF": (14.7, 0.30), "BGD": (8.4, 0.37),
    "IRQ": (7.4, 0.39), "NOR": (7.2, 0.15), "PAK": (5.1, 0.29), "LKA": (3.0, 0.44),
    "KAZ": (2.5, 0.27), "AGO": (2.0, 0.32), "CIV": (1.5, 0.21), "NGA": (5.8, 0.14),
    "JOR": (3.4, 0.20), "NIC": (5.0, 0.18), "MDG": (0.7, 0.47), "TUN": (1.1, 0.28)}
# Extra duties in force by mid-May 2025 besides the reciprocal ones, expressed as an
# additional ad-valorem rate on all US imports from the partner (trade-weighted):
#  - IEEPA "fentanyl/border" duties (EO 14193 Canada, EO 14194 Mexico, 25%, energy and
#    potash from Canada 10%, from 4 March 2025; USMCA-qualifying goods exempt from
#    7 March 2025); CHN: EO 14195/14228, 10% + 10% = 20%.
#  - Section 232 steel and aluminium 25% (Proclamations 10895/10896, from 12 March
#    2025; 50% from 4 June 2025, Proclamation 10947, UK kept at 25%), applied to the
#    MET flow times the share of MET that is steel/aluminium/derivatives (STEEL_SH).
#  - Section 232 autos and parts 25% (Proclamation 10908; cars 3 April, parts 3 May
#    2025), applied to VEH times the share of cars and parts in VEH (AUTO_SH); US
#    content of USMCA vehicles is deducted (USMCA_US_CONTENT).
NON_USMCA = {"MEX": 0.15, "CAN": 0.12}   # share of imports not claiming USMCA after 7 March 2025 [EST]
AUTO_SH = {"EU27": 0.75, "GBR": 0.55, "JPN": 0.90, "KOR": 0.90, "MEX": 0.90,
           "CAN": 0.85, "DEFAULT": 0.60}   # [EST] aircraft and parts are exempt
STEEL_SH = 0.55                            # [EST] steel/aluminium incl. derivatives in MET
USMCA_US_CONTENT = 0.40                    # [EST] deduction of US content, MEX/CAN vehicles

# ============================================================================
def ras(prior, rows, cols, fixed=None, iters=5000, tol=1e-12):
    """Scale prior (nonneg) to row and column totals; cells with fixed>=0 are held."""
    A = prior.copy()
    if fixed is not None:
        mask = ~np.isnan(fixed)
        A[mask] = 0.0
        fr = np.where(mask, fixed, 0).sum(1)
        fc = np.where(mask, fixed, 0).sum(0)
    else:
        mask = np.zeros_like(A, bool)
        fr = fc = 0
    rt, ct = rows - fr, cols - fc
    assert (rt >= 0).all() and (ct >= 0).all(), (rt, ct)
    for _ in range(iters):
        s = A.sum(1); A *= np.where(s > 0, rt / np.where(s > 0, s, 1), 0)[:, None]
        s = A.sum(0); A *= np.where(s > 0, ct / np.where(s > 0, s, 1), 0)[None, :]
        if np.abs(A.sum(1) - rt).max() < tol * max(1, rt.max()):
            break
    if fixed is not None:
        A[mask] = fixed[mask]
    return A


def build():
    notes = []
    # ---------------- goods totals, adjusted for the fixed US cells
    GX, GM = {}, {}
    for r in R[:-1]:
        GX[r], GM[r] = GX_PUB[r], GM_PUB[r]
        if r == "CHN":
            # re-imports of Chinese goods are domestic in the model: they leave China's
            # imports and, as they were first exported, its exports too (until issue 8
            # only the imports were cut, which added 90 to China's surplus)
            GM[r] -= CHN_REIMPORTS
            GX[r] -= CHN_REIMPORTS
        if r == "USA":
            GX[r], GM[r] = US_BOP_GX, US_BOP_GM
        if r in CIF_REPORTERS:
            GM[r] *= CIF_FOB
        if r != "USA":
            GX[r] += US_IMP[r] - P_EXP_TO_US.get(r, US_IMP[r])
            GM[r] += US_EXP[r] - P_IMP_FROM_US.get(r, US_EXP[r]) * (CIF_FOB if r in CIF_REPORTERS else 1.0)
    # China: goods balance to SAFE's BoP figure, the gap taken from its exports [RES]
    gap = (GX["CHN"] - GM["CHN"]) - CHN_BOP_GOODS
    GX["CHN"] -= gap
    notes.append(f"China's goods exports lowered by {gap:.1f} (re-imports 90 removed from both "
                 f"sides first) so that its goods balance is SAFE's BoP {CHN_BOP_GOODS:.0f}")
    GX["ROW"] = ROW_GX
    GM["ROW"] = ROW_GX + sum(GX[r] for r in R[:-1]) - sum(GM[r] for r in R[:-1])
    gx = np.array([GX[r] for r in R]); gm = np.array([GM[r] for r in R])
    # prior: gravity (product of totals) with known flows inserted
    fixed = np.full((N, N), np.nan)
    u = ri["USA"]
    for p in R[1:]:
        fixed[u, ri[p]] = US_IMP[p]
        fixed[ri[p], u] = US_EXP[p]
    np.fill_diagonal(fixed, 0.0)
    # prior: known flows; the other cells get a gravity prior built from what is left
    # of each importer's and exporter's total after the fixed and known cells
    known = np.zeros((N, N), bool)
    prior = np.zeros((N, N))
    for (n, i), v in KNOWN.items():
        v = v * (CIF_FOB if n in CIF_REPORTERS else 1.0)
        prior[ri[n], ri[i]] = v; known[ri[n], ri[i]] = True
    fx = np.where(np.isnan(fixed), 0, fixed)
    rem_m = np.maximum(gm - fx.sum(1) - prior.sum(1), 0.05 * gm)
    rem_x = np.maximum(gx - fx.sum(0) - prior.sum(0), 0.05 * gx)
    grav = np.outer(rem_m, rem_x) / rem_x.sum()
    free = ~known & np.isnan(fixed)
    prior[free] = grav[free]
    Gb = ras(prior, gm, gx, fixed)
    # how far the RAS moved the known flows
    dev = [(n, i, v * (CIF_FOB if n in CIF_REPORTERS else 1.0), Gb[ri[n], ri[i]])
           for (n, i), v in KNOWN.items()]
    worst = sorted(dev, key=lambda t: -abs(t[3] / t[2] - 1))[:5]
    notes.append("goods RAS: largest moves of the known flows: " + "; ".join(
        f"{n}<-{i} {v:.0f}->{w:.0f}" for n, i, v, w in worst))

    # ---------------- sector split of the goods flows (3-way IPF)
    e = np.array([ECOMP[r] for r in R], float); e /= e.sum(1, keepdims=True)
    m = np.array([MCOMP[r] for r in R], float); m /= m.sum(1, keepdims=True)
    Et = gx[:, None] * e              # exporter x sector
    Mt = gm[:, None] * m              # importer x sector
    # make the importer margin consistent with the exporter one: ROW is residual
    col = Et.sum(0) - Mt[:-1].sum(0)
    Mt[-1] = np.maximum(col, 0.02 * Mt[-1])
    Mt *= (Et.sum(0) / Mt.sum(0))[None, :]   # equalise sector totals
    Z0 = Gb[:, :, None] * e[None, :, :] * m[:, None, :]
    Zf = np.full_like(Z0, np.nan)
    c = ri["CHN"]
    for k, s in enumerate(G9):
        Zf[u, c, k] = US_FROM_CN[s]
        Zf[c, u, k] = CN_FROM_US[s]
    fm = ~np.isnan(Zf)
    Z0[fm] = 0
    Fx = np.where(fm, Zf, 0)
    Zg = Z0.copy()
    for it in range(3000):
        # importer x sector margin
        s = Zg.sum(1); t = Mt - Fx.sum(1)
        Zg *= np.where(s > 0, t / np.where(s > 0, s, 1), 0)[:, None, :]
        # exporter x sector margin
        s = Zg.sum(0); t = Et - Fx.sum(0)
        Zg *= np.where(s > 0, t / np.where(s > 0, s, 1), 0)[None, :, :]
        # pair totals (exact)
        s = Zg.sum(2); t = Gb - Fx.sum(2)
        Zg *= np.where(s > 0, t / np.where(s > 0, s, 1), 0)[:, :, None]
    Zg[fm] = Zf[fm]
    exp_dev = np.abs(Zg.sum(0) / Et - 1).max()
    imp_dev = np.abs(Zg.sum(1) / Mt - 1)
    notes.append(f"sector IPF: pair totals exact; exporter-sector margins within "
                 f"{100*exp_dev:.1f}%; importer-sector margins within "
                 f"{100*imp_dev.max():.1f}% (median {100*np.median(imp_dev):.1f}%)")

    # ---------------- services
    sx = np.array([SX_PUB[r] for r in R[:-1]] + [ROW_SX])
    sm_ = np.array([SM_PUB[r] for r in R[:-1]] + [0.0])
    sm_[ri["CHN"]] = SX_PUB["CHN"] - CHN_BOP_SERV   # SAFE BoP services balance
    sm_[-1] = sx.sum() - sm_[:-1].sum()
    sprior = np.outer(sm_, sx) / sx.sum(); np.fill_diagonal(sprior, 0)
    for (n, i), v in KNOWN_SRV.items():
        sprior[ri[n], ri[i]] = v
    sfix = np.full((N, N), np.nan); np.fill_diagonal(sfix, 0)
    sfix[u, c] = US_SRV_FROM_CN; sfix[c, u] = US_SRV_TO_CN
    Sb = ras(sprior, sm_, sx, sfix)

    # ---------------- assemble Z (importer, exporter, sector), foreign flows
    Z = np.zeros((N, N, J))
    Z[:, :, :9] = Zg
    Z[:, :, 9] = Sb
    for n in range(N):
        Z[n, n, :] = 0
    EX = Z.sum(0)      # exporter x sector (foreign)

    # ---------------- gross output from value added
    gva = np.zeros((N, J))
    for n, r in enumerate(R):
        gva[n] = GVA_BASE
        gva[n, 2:9] = np.clip(GVA_BASE[2:9] * MFG_MULT[r], 0.10, 0.45)
        gva[n, 9] = SRV_VA.get(r, 0.58)
        if r == "VNM":
            gva[n, si["ELE"]] = 0.12     # assembly (OECD TiVA: low domestic VA in VNM electronics)
        if r == "TWN":
            gva[n, si["ELE"]] = 0.35     # foundries' high margins
        if r == "MEX":
            gva[n, si["ELE"]] = 0.20     # maquiladora
        if r == "USA":
            for s_, v_ in US_GVA.items():
                gva[n, si[s_]] = v_      # BEA GDP-by-industry (issue 8 item 6)
    vsh = np.zeros((N, J))
    for n, r in enumerate(R):
        vsh[n, :9] = np.array(VSH[r]) / 100
        vsh[n, 9] = 1 - vsh[n, :9].sum()
    gdp = np.array([GDP[r] for r in R], float)
    Y = vsh * gdp[:, None] / gva
    raised = []
    for n in range(N):
        for j in range(J):
            need = EX[n, j] * 1.15
            if Y[n, j] < need:
                raised.append(f"{R[n]}/{S[j]} {Y[n, j]:.1f}->{need:.1f}")
                Y[n, j] = need
    notes.append("gross output raised to 1.15 x exports (domestic sales >= 15% of exports) in: "
                 + (", ".join(raised) if raised else "none"))
    for n in range(N):
        Z[n, n, :] = Y[n] - EX[n]

    # ---------------- tariffs
    T = np.zeros((N, N, J))
    for n, r in enumerate(R):
        for i, p in enumerate(R):
            if n == i:
                continue
            pr = PREF.get((r, p), 0.0)
            T[n, i, :9] = np.array(MFN[r]) * (1 - pr)
    # US-China: scale the sector profile to Bown's trade-weighted averages
    w = np.array([US_FROM_CN[s] for s in G9]); v = np.array([US_ON_CN[s] for s in G9])
    if US_DUTIES_2024 is None:
        target = BOWN_US
    else:
        other = sum((T[u, i, :9] * Z[u, i, :9]).sum() for i in range(N) if i not in (u, c))
        target = (US_DUTIES_2024 - other) / w.sum()
        notes.append(f"US tariff on China scaled to {100*target:.2f}% (trade-weighted) so that US "
                     f"revenue = {US_DUTIES_2024:.0f} (other partners {other:.1f}); Bown's statutory "
                     f"{100*BOWN_US:.1f}% would give {other + BOWN_US * w.sum():.1f}")
    v *= target / (w @ v / w.sum()); T[u, c, :9] = v
    w = np.array([CN_FROM_US[s] for s in G9]); v = np.array([CN_ON_US[s] for s in G9])
    v *= BOWN_CN / (w @ v / w.sum()); T[c, u, :9] = v
    T = np.round(T, 4)

    # ---------------- input-output shares
    IO = np.zeros((N, J, J))   # region, input k, using j
    for n in range(N):
        IO[n] = CMP * (1 - gva[n])[None, :]
    Z = np.round(Z, 3)
    Y = Z.sum(0)

    def derived(Z, T, IO):
        Y = Z.sum(0)
        X = (Z * (1 + T)).sum(1)
        VA = ((1 - IO.sum(1)) * Y).sum(1)
        Rv = (T * Z).sum((1, 2))
        D = Z.sum((1, 2)) - Y.sum(1)
        I = VA + Rv + D
        inter = np.einsum("nkj,nj->nk", IO, Y)
        alpha = (X - inter) / I[:, None]
        return dict(Y=Y, X=X, VA=VA, R=Rv, D=D, I=I, inter=inter, alpha=alpha)

    # CRM row: calibrate so intermediate use = 97% of absorption (CRM is ~all inputs)
    d = derived(Z, T, IO)
    k = si["CRM"]
    for n in range(N):
        scale = CRM_INTER * d["X"][n, k] / d["inter"][n, k]
        IO[n, k, :] *= scale
    # other rows: where intermediate use exceeds absorption minus the margin, scale down
    fixes = []
    for _ in range(20):
        d = derived(Z, T, IO)
        changed = False
        for n in range(N):
            for kk in range(J):
                if kk == k:
                    continue   # CRM: calibrated above, alpha = (1 - CRM_INTER) X / I > 0
                amin = AMIN_GOODS if kk < 9 else 0.05
                if d["alpha"][n, kk] < amin:
                    target = d["X"][n, kk] - 1.2 * amin * d["I"][n]
                    f = target / d["inter"][n, kk]
                    IO[n, kk, :] *= f
                    fixes.append(f"{R[n]}/{S[kk]} x{f:.3f}")
                    changed = True
        if not changed:
            break
    notes.append("io rows scaled down so final demand stays >= margin: "
                 + (", ".join(fixes) if fixes else "none"))
    IO = np.round(IO, 6)
    return Z, T, IO, Y, notes, dict(GX=GX, GM=GM, gx=gx, gm=gm, sx=sx, sm=sm_)


def write(Z, T, IO):
    with open(os.path.join(HERE, "regions.csv"), "w") as f:
        f.write("code,name\n")
        for r in R:
            assert "," not in RNAME[r]
            f.write(f"{r},{RNAME[r]}\n")
    with open(os.path.join(HERE, "sectors.csv"), "w") as f:
        f.write("code,name,theta,industrial,critical\n")
        for s in S:
            nm = SNAME[s]; assert "," not in nm
            f.write(f"{s},{nm},{THETA[s]:g},{int(s in INDUSTRIAL)},{int(s == 'CRM')}\n")
    write_cells("trade.csv", "importer,exporter,sector,value", Z, (R, R, S), ".6g")
    write_cells("tariffs.csv", "importer,exporter,sector,rate", T, (R, R, S), ".4g")
    write_cells("io.csv", "region,input_sector,sector,share", IO, (R, S, S), ".6g")


def write_cells(name, header, A, labels, fmt):
    """The positive cells of the 3-D array A, one row each (the three labels,
    then the value in format fmt), in C order, under the header."""
    with open(os.path.join(HERE, name), "w") as f:
        f.write(header + "\n")
        for a in range(A.shape[0]):
            for b in range(A.shape[1]):
                for c in range(A.shape[2]):
                    if A[a, b, c] > 0:
                        f.write(f"{labels[0][a]},{labels[1][b]},{labels[2][c]},"
                                f"{A[a, b, c]:{fmt}}\n")


def partners(Z, T_BASE):
    u = ri["USA"]
    rows = []
    a_w = sum(w for w, _ in ASN_MEMBERS.values())
    r_asn = sum(w * t for w, t in ASN_MEMBERS.values()) / a_w
    # Census-basis imports from ROW: the BoP adjustment in the US-ROW cell is not
    # trade with any ROW member, so it does not weigh the reciprocal rates
    row_tot = Z[u, ri["ROW"], :9].sum() - (US_BOP_GM - GM_PUB["USA"])
    named = sum(w for w, _ in ROW_MEMBERS.values())
    r_row = (sum(w * t for w, t in ROW_MEMBERS.values()) + 0.10 * (row_tot - named)) / row_tot
    rec = dict(RECIP, ASN=r_asn, ROW=r_row)
    for p in R[1:]:
        z = Z[u, ri[p], :9]; tot = z.sum()
        auto = AUTO_SH.get(p, AUTO_SH["DEFAULT"]) * z[si["VEH"]]
        if p in ("MEX", "CAN"):
            auto *= 1 - USMCA_US_CONTENT
        s232 = 0.25 * auto + 0.25 * STEEL_SH * z[si["MET"]]
        ieepa = 0.0
        if p in NON_USMCA:
            ieepa = 0.25 * NON_USMCA[p] * (tot - auto - STEEL_SH * z[si["MET"]])
            if p == "CAN":   # energy and potash at 10% instead of 25%
                ieepa -= 0.15 * NON_USMCA[p] * z[si["ENE"]]
        if p == "CHN":
            ieepa = 0.20 * tot
        extra = (s232 + ieepa) / tot
        rows.append((p, rec[p], extra, s232 / tot, ieepa / tot))
    # the same extra duties by sector, as a base counterfactual (new tariff levels =
    # baseline + extra) for the partners except China (the engine adds the US-China duties)
    with open(os.path.join(HERE, "tariffs_2025_extra.csv"), "w") as f:
        f.write("importer,exporter,sector,rate\n")
        for p in R[1:]:
            if p == "CHN":
                continue
            for j, sname in enumerate(G9):
                add = 0.0
                if sname == "VEH":
                    sh = AUTO_SH.get(p, AUTO_SH["DEFAULT"])
                    add += 0.25 * sh * ((1 - USMCA_US_CONTENT) if p in ("MEX", "CAN") else 1)
                    if p in NON_USMCA:
                        add += 0.25 * NON_USMCA[p] * (1 - sh)
                elif sname == "MET":
                    add += 0.25 * STEEL_SH
                    if p in NON_USMCA:
                        add += 0.25 * NON_USMCA[p] * (1 - STEEL_SH)
                elif p in NON_USMCA:
                    add += (0.10 if (p == "CAN" and sname == "ENE") else 0.25) * NON_USMCA[p]
                if add > 0:
                    f.write(f"USA,{p},{sname},{T_BASE[u, ri[p], j] + add:.4g}\n")
    with open(os.path.join(HERE, "partners.csv"), "w") as f:
        f.write("code,reciprocal_rate,extra_duty,notes\n")
        for p, r, e, a, b in rows:
            note = {"CHN": "Annex I 34% (2 Apr) then 84% (9 Apr) and 125% (10 Apr); extra = IEEPA fentanyl 20%; 90-day cut to 10% reciprocal from 14 May (Geneva)",
                    "MEX": "no reciprocal rate; IEEPA 25% on non-USMCA goods + s232",
                    "CAN": "no reciprocal rate; IEEPA 25% (energy/potash 10%) on non-USMCA goods + s232",
                    "GBR": "10% baseline (not in Annex I)", "BRA": "10% baseline (not in Annex I)",
                    "ASN": "US-import-weighted Annex I rates THA MYS SGP IDN PHL KHM LAO MMR BRN",
                    "ROW": "US-import-weighted: Annex I rates for listed members and 10% for the rest",
                    }.get(p, "Annex I rate")
            f.write(f"{p},{r:.3f},{e:.3f},{note}; s232 {100*a:.1f}% ieepa {100*b:.1f}% of trade\n")
    return rows


def read_back():
    """Independent reader: parse the CSVs and recompute everything."""
    import csv
    def rows(fn):
        with open(os.path.join(HERE, fn)) as f:
            return list(csv.DictReader(f))
    reg = [r["code"] for r in rows("regions.csv")]
    sec = [r["code"] for r in rows("sectors.csv")]
    a = {r: k for k, r in enumerate(reg)}; b = {s: k for k, s in enumerate(sec)}
    n, J_ = len(reg), len(sec)
    Z = np.zeros((n, n, J_)); T = np.zeros((n, n, J_)); IO = np.zeros((n, J_, J_))
    seen = set()
    for r in rows("trade.csv"):
        key = (r["importer"], r["exporter"], r["sector"]); assert key not in seen; seen.add(key)
        Z[a[r["importer"]], a[r["exporter"]], b[r["sector"]]] = float(r["value"])
    for r in rows("tariffs.csv"):
        assert r["importer"] != r["exporter"]
        T[a[r["importer"]], a[r["exporter"]], b[r["sector"]]] = float(r["rate"])
    for r in rows("io.csv"):
        IO[a[r["region"]], b[r["input_sector"]], b[r["sector"]]] = float(r["share"])
    assert (Z >= 0).all() and (T >= 0).all() and (IO >= 0).all() and (IO <= 1).all()
    Y = Z.sum(0); X = (Z * (1 + T)).sum(1)
    gva = 1 - IO.sum(1); assert (gva > 0).all()
    VA = (gva * Y).sum(1); Rv = (T * Z).sum((1, 2)); D = Z.sum((1, 2)) - Y.sum(1)
    I = VA + Rv + D
    alpha = (X - np.einsum("nkj,nj->nk", IO, Y)) / I[:, None]
    return reg, sec, Z, T, IO, Y, X, VA, Rv, D, I, alpha


# The published totals the checks compare with, on the basis the data are built on:
# US goods on the BoP basis [BEA]; China's goods exports less the customs-BoP gap of
# the goods balance and its services imports from SAFE's BoP services balance.
PUB_GX = dict(GX_PUB, USA=US_BOP_GX, CHN=GX_PUB["CHN"] - (CHN_CUSTOMS_BAL - CHN_BOP_GOODS))
PUB_GM = dict(GM_PUB, USA=US_BOP_GM)
PUB_SM = dict(SM_PUB, CHN=SX_PUB["CHN"] - CHN_BOP_SERV)
# Balances D (imports - exports, goods and services) they must reproduce [BEA, SAFE]
D_TARGET = {"USA": (US_BOP_GM + SM_PUB["USA"]) - (US_BOP_GX + SX_PUB["USA"]),
            "CHN": -(CHN_BOP_GOODS + CHN_BOP_SERV)}


def checks(info, notes):
    reg, sec, Z, T, IO, Y, X, VA, Rv, D, I, alpha = read_back()
    out = []
    P = out.append
    ok = True
    u, c = reg.index("USA"), reg.index("CHN")
    P("## Checks (output of build_world.py, from the CSVs read back)\n")
    P(f"- sum of D over regions: {D.sum():.2e} (USD bn); world exports = world imports by construction")
    P(f"- alpha: min {alpha.min():.5f} at {reg[np.unravel_index(alpha.argmin(), alpha.shape)[0]]}/"
      f"{sec[np.unravel_index(alpha.argmin(), alpha.shape)[1]]}; "
      f"max |sum_j alpha - 1| = {np.abs(alpha.sum(1) - 1).max():.1e}")
    gmin = alpha[:, :9].copy(); gmin[:, sec.index("CRM")] = 1
    P(f"- smallest alpha in goods sectors other than CRM: {gmin.min():.4f}; "
      f"smallest CRM alpha: {alpha[:, sec.index('CRM')].min():.5f}")
    if alpha.min() < 0 or np.abs(alpha.sum(1) - 1).max() > 1e-9 or abs(D.sum()) > 1e-6:
        ok = False
    gvamin = (1 - IO.sum(1)).min()
    P(f"- value-added shares of gross output: min {gvamin:.3f}, max {(1 - IO.sum(1)).max():.3f}")
    cu = Z[u, c, :9].sum(); uc = Z[c, u, :9].sum()
    P(f"- US goods imports from China {cu:.1f} (Census 438.9, {100*(cu/438.9-1):+.2f}%); "
      f"US goods exports to China {uc:.1f} (Census 143.5, {100*(uc/143.5-1):+.2f}%)")
    if abs(cu / 438.9 - 1) > 0.01 or abs(uc / 143.5 - 1) > 0.01:
        ok = False
    for r, tgt in D_TARGET.items():
        n = reg.index(r)
        P(f"- D {r} (deficit, goods and services) {D[n]:+.1f}: BoP {tgt:+.1f} "
          f"({'BEA' if r == 'USA' else 'SAFE'}, {D[n] - tgt:+.2f})")
        if abs(D[n] - tgt) > 1.0:
            ok = False
    P(f"- D ROW (residual, closes the world sum) {D[reg.index('ROW')]:+.1f}")
    va_u = (1 - IO[u].sum(0)) * Y[u]
    P("- US against BEA GDP by industry (2023, approximate): value added % of GDP model/BEA, "
      "VA/gross output model/BEA: " + "; ".join(
          f"{s} {100*va_u[sec.index(s)]/va_u.sum():.1f}/{a:.1f}, {va_u[sec.index(s)]/Y[u, sec.index(s)]:.2f}/{g:.2f}"
          for s, (a, g) in BEA_US.items()))
    mf = [sec.index(s) for s in ("CRM", "CHM", "MET", "ELE", "MAC", "VEH", "OMF")]
    P(f"- US gross output {Y[u].sum():,.0f} = {Y[u].sum()/va_u.sum():.2f} x value added "
      f"(BEA 2023: about 1.8); manufacturing without food and petroleum: value added "
      f"{va_u[mf].sum():,.0f}, gross output {Y[u, mf].sum():,.0f}")
    for s, (a, g) in BEA_US.items():
        j = sec.index(s)
        if abs(100 * va_u[j] / va_u.sum() - a) > 0.25 * a or abs(va_u[j] / Y[u, j] - g) > 0.05:
            ok = False
    P("- tariff revenue R (USD bn): " + ", ".join(f"{r} {Rv[n]:.1f}" for n, r in enumerate(reg)))
    P(f"- US tariff on China, trade-weighted: {100*(T[u,c,:9]*Z[u,c,:9]).sum()/Z[u,c,:9].sum():.1f}% goods "
      f"(revenue-based; Bown's statutory 20.8%); China on US {100*(T[c,u,:9]*Z[c,u,:9]).sum()/Z[c,u,:9].sum():.1f}% (Bown 21.2%)")
    P("")
    P("| region | GDP public | VA model | diff | exports public | model | diff | imports public | model | diff | D model |")
    P("|---|---|---|---|---|---|---|---|---|---|---|")
    for n, r in enumerate(reg):
        ex = Z[:, n, :].sum() - Z[n, n, :].sum(); im = Z[n, :, :].sum() - Z[n, n, :].sum()
        if r == "ROW":
            gp = WORLD_GDP - sum(GDP[q] for q in reg[:-1])
            xp = info["GX"][r] + info["sx"][-1]; mp = info["GM"][r] + info["sm"][-1]
            tag = " (residual)"
        else:
            gp = GDP[r]; xp = PUB_GX[r] + SX_PUB[r]; mp = PUB_GM[r] + PUB_SM[r]; tag = ""
        dg, dx, dm = VA[n] / gp - 1, ex / xp - 1, im / mp - 1
        if r != "ROW" and max(abs(dg), abs(dx), abs(dm)) > 0.10:
            ok = False
        P(f"| {r}{tag} | {gp:,.0f} | {VA[n]:,.0f} | {100*dg:+.1f}% | {xp:,.0f} | {ex:,.0f} | "
          f"{100*dx:+.1f}% | {mp:,.0f} | {im:,.0f} | {100*dm:+.1f}% | {D[n]:+,.0f} |")
    P("")
    P("Exports and imports: goods + services, excluding trade inside the region "
      "(extra-EU for EU27, extra-ASN for ASN); public = sum of the published goods and "
      "services totals listed in build_world.py.")
    P("")
    # goods only
    P("| region | goods X public | model | goods M public | model | services X public | model | services M public | model |")
    P("|---|---|---|---|---|---|---|---|---|")
    for n, r in enumerate(reg):
        gx_ = Z[:, n, :9].sum() - Z[n, n, :9].sum(); gm_ = Z[n, :, :9].sum() - Z[n, n, :9].sum()
        sx_ = Z[:, n, 9].sum() - Z[n, n, 9]; sm_ = Z[n, :, 9].sum() - Z[n, n, 9]
        if r == "ROW":
            P(f"| ROW | (resid.) | {gx_:,.0f} | (resid.) | {gm_:,.0f} | (resid.) | {sx_:,.0f} | (resid.) | {sm_:,.0f} |")
        else:
            P(f"| {r} | {PUB_GX[r]:,.0f} | {gx_:,.0f} | {PUB_GM[r]:,.0f} | {gm_:,.0f} | "
              f"{SX_PUB[r]:,.0f} | {sx_:,.0f} | {PUB_SM[r]:,.0f} | {sm_:,.0f} |")
    P("")
    # US-China by sector
    P("| sector | US imports from CHN | US tariff on CHN | US exports to CHN | CHN tariff on US |")
    P("|---|---|---|---|---|")
    for j, s in enumerate(sec):
        P(f"| {s} | {Z[u,c,j]:.1f} | {100*T[u,c,j]:.1f}% | {Z[c,u,j]:.1f} | {100*T[c,u,j]:.1f}% |")
    P("")
    # CRM
    k = sec.index("CRM")
    crm_x = Z[:, :, k].sum(0) - np.diag(Z[:, :, k])
    crm_m = Z[:, :, k].sum(1) - np.diag(Z[:, :, k])
    P(f"- CRM: world gross output {Y[:, k].sum():.0f}, China {Y[c, k]:.0f} "
      f"({100*Y[c,k]/Y[:,k].sum():.0f}%); world cross-border trade {crm_x.sum():.1f}, "
      f"China's exports {crm_x[c]:.1f} ({100*crm_x[c]/crm_x.sum():.0f}%); "
      f"US imports {crm_m[u]:.2f}, of which from China {Z[u,c,k]:.2f} ({100*Z[u,c,k]/crm_m[u]:.0f}%)")
    P("- CRM input cost shares (io CRM->sector) in USA: " + ", ".join(
        f"{sec[j]} {IO[u,k,j]:.4f}" for j in range(len(sec)) if IO[u, k, j] > 0))
    P("- CRM input cost shares in CHN: " + ", ".join(
        f"{sec[j]} {IO[c,k,j]:.4f}" for j in range(len(sec)) if IO[c, k, j] > 0))
    P("")
    P("Final-demand shares alpha (percent):\n")
    P("| region | " + " | ".join(sec) + " |")
    P("|---|" + "---|" * len(sec))
    for n, r in enumerate(reg):
        P(f"| {r} | " + " | ".join(f"{100*alpha[n,j]:.2f}" for j in range(len(sec))) + " |")
    P("")
    P("Build notes:\n")
    for s in notes:
        P("- " + s)
    P("")
    P("RESULT: " + ("all checks pass" if ok else "SOME CHECKS FAIL"))
    return ok, "\n".join(out)


if __name__ == "__main__":
    Z, T, IO, Y, notes, info = build()
    write(Z, T, IO)
    prow = partners(Z, T)
    ok, text = checks(info, notes)
    text += "\n\nPartner facts written to partners.csv (reciprocal, extra duty, of which s232, IEEPA):\n\n"
    text += "| partner | reciprocal (EO 14257) | extra duty | s232 part | IEEPA part |\n|---|---|---|---|---|\n"
    ptab = "| partner | reciprocal (EO 14257) | extra duty | of which s232 | of which IEEPA |\n|---|---|---|---|---|\n"
    ptab += "\n".join(f"| {p} | {100*r:.1f}% | {100*e:.1f}% | {100*a:.1f}% | {100*b:.1f}% |" for p, r, e, a, b in prow)
    text += ptab.split("\n", 2)[2]
    pm = os.path.join(HERE, "partners.md")
    if os.path.exists(pm):
        t = open(pm).read()
        a_, b_ = "<!-- PARTNERS BEGIN -->", "<!-- PARTNERS END -->"
        if a_ in t and b_ in t:
            t = t[:t.index(a_) + len(a_)] + "\n" + ptab + "\n" + t[t.index(b_):]
            open(pm, "w").write(t)
    print(text)
    with open(os.path.join(HERE, "checks.md"), "w") as f:
        f.write(text + "\n")
    rd = os.path.join(HERE, "README.md")
    if os.path.exists(rd):
        t = open(rd).read()
        a, b = "<!-- CHECKS BEGIN -->", "<!-- CHECKS END -->"
        if a in t and b in t:
            t = t[:t.index(a) + len(a)] + "\n" + text + "\n" + t[t.index(b):]
            open(rd, "w").write(t)
    sys.exit(0 if ok else 1)
