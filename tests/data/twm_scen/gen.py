#!/usr/bin/env python3
"""Generate the small test world of tests/unit/test_twm_*.c (synthetic, round
numbers, not data): 6 regions x 4 sectors. Run from this folder."""
R = ["USA", "CHN", "VNM", "MEX", "EUR", "ROW"]
names = {"USA": "United States", "CHN": "China", "VNM": "Viet Nam", "MEX": "Mexico",
         "EUR": "Europe", "ROW": "Rest of world"}
S = [("AGR", "Agriculture", 8.0, 0, 0), ("ELE", "Electronics", 5.0, 1, 0),
     ("VEH", "Vehicles", 5.0, 1, 0), ("CRM", "Critical minerals", 2.0, 0, 1)]
size = {"USA": 30, "CHN": 35, "VNM": 2, "MEX": 3, "EUR": 25, "ROW": 40}
base = {"AGR": 1.0, "ELE": 1.5, "VEH": 1.2, "CRM": 0.1}
Z = {}
for n in R:
    for i in R:
        for s in S:
            j = s[0]
            if n == i:
                v = base[j] * size[n] * 25.0
                if j == "CRM" and n != "CHN":
                    v *= 0.4
            else:
                v = base[j] * size[n] * size[i] / 10.0
                if j == "CRM" and i == "CHN":
                    v *= 5.0
                if n == "USA" and i == "VNM" and j == "ELE":
                    v *= 3.0
                if n == "USA" and i == "MEX" and j == "VEH":
                    v *= 4.0
            Z[n, i, j] = round(v, 3)
io = {}
for n in R:
    for k in [s[0] for s in S]:
        for j in [s[0] for s in S]:
            g = 0.05
            if k == "ELE" and j in ("ELE", "VEH"):
                g = 0.15
            if k == "VEH" and j == "VEH":
                g = 0.10
            if k == "CRM":
                g = 0.03 if j in ("ELE", "VEH") else 0.01
            io[n, k, j] = g
with open("regions.csv", "w") as f:
    f.write("code,name\n" + "".join(f"{r},{names[r]}\n" for r in R))
with open("sectors.csv", "w") as f:
    f.write("code,name,theta,industrial,critical\n")
    for s in S:
        f.write(f"{s[0]},{s[1]},{s[2]},{s[3]},{s[4]}\n")
with open("trade.csv", "w") as f:
    f.write("importer,exporter,sector,value\n")
    for (n, i, j), v in Z.items():
        f.write(f"{n},{i},{j},{v}\n")
with open("tariffs.csv", "w") as f:
    f.write("importer,exporter,sector,rate\n")
    for n in R:
        for i in R:
            if n == i:
                continue
            for s in S:
                t = 0.04
                if n == "USA":
                    t = 0.19 if i == "CHN" else 0.03
                if n == "CHN" and i == "USA":
                    t = 0.18
                f.write(f"{n},{i},{s[0]},{t}\n")
with open("io.csv", "w") as f:
    f.write("region,input_sector,sector,share\n")
    for (n, k, j), g in io.items():
        f.write(f"{n},{k},{j},{g}\n")
