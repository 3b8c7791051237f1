#!/usr/bin/env bash
# ThreadSanitizer on the OpenMP paths (by hand; a few minutes).
#
#   tools/tsan-check.sh [THREADS]        default 4 threads, one MPI rank
#
# Builds the `tsan` preset (clang, -fsanitize=thread) and runs the engine on
# one rank with THREADS OpenMP threads: the Ishigami model, the trade model
# (per-thread solver and scenario workspaces, the failing-sample record), a
# `sensitivity:` run (pick-freeze rows) and the per-sample failure path.
# libomp is not instrumented: LLVM's Archer tool (libarcher.so, shipped with
# libomp) gives TSan the OpenMP synchronisation, and ignore_noninstrumented_
# modules hides races inside libomp itself. Any report makes the script exit 1.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-4}
archer=$(ls /usr/lib/llvm-*/lib/libarcher.so 2>/dev/null | sort -V | tail -n 1)
[ -n "$archer" ] || { echo "tsan-check: libarcher.so not found (package libomp-dev)" >&2; exit 2; }
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j "$(nproc)" >/dev/null
bin=$PWD/build/tsan/src/tradewar
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMP_NUM_THREADS=$threads OMP_TOOL_LIBRARIES=$archer
export TSAN_OPTIONS="ignore_noninstrumented_modules=1 halt_on_error=0 exitcode=66 log_path=$tmp/tsan"
printf 'model: ishigami\nsamples: 4000\nblock_size: 250\n' > "$tmp/i.yaml"
sed "s|\.\./\.\./|$PWD/|g" tests/integration/tradewar_small.yaml > "$tmp/t.yaml"
printf 'model: ishigami\nsensitivity: {base_samples: 256, bootstrap: 50}\nblock_size: 64\n' > "$tmp/s.yaml"
# a run that fails on some samples (ishigami's test switch fail_above)
printf 'model: ishigami\nsamples: 512\nblock_size: 64\nfail_above: 3.0\n' > "$tmp/f.yaml"
status=0
for c in i t s f; do
  set +e
  "$bin" run "$tmp/$c.yaml" -o "$tmp/$c.h5" -q 2>"$tmp/$c.err"
  rc=$?
  set -e
  reports=$(cat "$tmp"/tsan.* 2>/dev/null | grep -c "WARNING: ThreadSanitizer" || true)
  echo "tsan-check: $c.yaml, $threads threads: exit $rc, $reports report(s)"
  if [ "$reports" -gt 0 ] || [ "$rc" = 66 ]; then
    cat "$tmp"/tsan.* >&2
    status=1
  fi
  rm -f "$tmp"/tsan.*
done
exit $status
