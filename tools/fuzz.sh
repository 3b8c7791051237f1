#!/usr/bin/env bash
# Run the libFuzzer harnesses (docs/FUZZING.md) with one worker each, one
# after the other.
#
#   tools/fuzz.sh [-t SECONDS] [NAME...]     NAME: config, csv (default: both)
#
# Builds the `fuzz` preset (clang) if needed. The corpus grows in
# build/fuzz/corpus/NAME (seeded from tests/fuzz/corpus/NAME; the repository
# is not written), crashes go to build/fuzz/findings/NAME/. A finding makes
# the script exit 1 after all harnesses ran; copy the input into
# tests/fuzz/regress/NAME/ once it is fixed. CI runs `tools/fuzz.sh -t 20`.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=20
if [ "${1:-}" = "-t" ]; then
  secs=$2
  shift 2
fi
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(config csv)
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)" >/dev/null
status=0
for name in "${names[@]}"; do
  bin=build/fuzz/tests/fuzz/fuzz_$name
  corpus=build/fuzz/corpus/$name
  findings=build/fuzz/findings/$name
  mkdir -p "$corpus" "$findings"
  cp -n tests/fuzz/corpus/"$name"/* "$corpus"/
  echo "== fuzz_$name: $secs s, one worker"
  # -timeout: an input slower than 10 s is a finding (a hang);
  # -rss_limit_mb: so is one that needs more than 2 GB.
  if ! ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$secs" -timeout=10 \
      -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$findings/" "$corpus" 2>"build/fuzz/fuzz_$name.log"; then
    status=1
    echo "FINDING: see build/fuzz/fuzz_$name.log and $findings/"
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb|stat::new_units_added" \
    "build/fuzz/fuzz_$name.log" || true
  tail -n 3 "build/fuzz/fuzz_$name.log"
done
exit $status
