#!/bin/sh
# Generate the synthetic ICIO-size world of configs/icio_synthetic.yaml:
# a 76 x 45 table in the OECD ICIO layout (tradewar-data synth; drawn numbers,
# not data), converted with tradewar-data from-icio into configs/data/icio76.
#
#   tools/make-icio-world.sh [SEED]      (default seed 1; ~20 s, ~35 MB table in build/)
#
# Run from the repository root. The table stays in build/icio76-table/ so
# that the conversion can be repeated; the dataset folder is not in git.
set -eu
seed=${1:-1}
here=$(cd "$(dirname "$0")/.." && pwd)
td="$here/analysis/tradewar-data"
src="$here/build/icio76-table"
"$td" synth -N 76 -J 45 --seed "$seed" --inventories -o "$src"
"$td" from-icio "$src/icio.csv" --region-map "$src/regions.map.csv" \
    --sector-map "$src/sectors.map.csv" --sectors "$src/SECTORS.csv" \
    --tariffs "$src/tariffs.csv" -o "$here/configs/data/icio76" --force
