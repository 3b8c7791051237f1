#!/bin/bash
# Every job script parses (bash -n) and is shellcheck-clean.
#   jobs_syntax.sh JOBS_DIR
# shellcheck is a hard requirement (tools/install-deps.sh installs it): a
# missing shellcheck fails this test with one line saying so, it never passes
# or skips silently.
set -euo pipefail
jobs=${1:?usage: jobs_syntax.sh JOBS_DIR}
shopt -s nullglob
files=("$jobs"/local.sh "$jobs"/*.sh "$jobs"/lib/*.sh "$jobs"/slurm/*.sbatch "$jobs"/pbs/*.pbs)
# local.sh matches both globs: unique names only
mapfile -t files < <(printf '%s\n' "${files[@]}" | sort -u)
(( ${#files[@]} )) || { echo "jobs_syntax: no job scripts under $jobs" >&2; exit 1; }
for f in "${files[@]}"; do
    bash -n "$f"
    echo "ok: bash -n $f"
done
if ! command -v shellcheck >/dev/null 2>&1; then
    echo "jobs_syntax: FAIL: shellcheck is not installed (tools/install-deps.sh installs it: apt-get install shellcheck)" >&2
    exit 1
fi
# -x: follow `source` of the shared helper file where a script uses one
shellcheck -x "${files[@]}"
echo "ok: shellcheck ($(shellcheck --version | sed -n 's/^version: //p')) on ${#files[@]} scripts"
