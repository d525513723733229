#!/bin/sh
# Declarative end-to-end cases, in the manner of suricata-verify: each
# tests/cases/NAME/ folder holds
#   input*    the log(s) to read (files or symlinks into tests/data, samples)
#   options   extra command-line arguments, whitespace-separated ('#' comments)
#   expect    "FIELD VALUE" lines checked by check.py (counts per rule,
#             output lines matching a field, --stats counters)
# dnshound runs on the inputs in name order with --no-state, the repository's
# rules and --stats; the runner prints one line per case and the closing
# "cases: N passed, N failed" line.
#
#   DNSHOUND=build/dnshound sh tests/cases/run.sh [NAME...]
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DH=${DNSHOUND:-$ROOT/build/dnshound}
PY=/usr/bin/python3
W=$(mktemp -d /tmp/dh-cases.XXXXXX)
trap 'rm -rf "$W"' EXIT INT TERM
cd "$ROOT" || exit 1

run_case() {
    dir=tests/cases/$1
    [ -f "$dir/expect" ] || { echo "    $dir: no expect file"; return 1; }
    opts=
    [ -f "$dir/options" ] && opts=$(sed 's/#.*//' "$dir/options")
    rm -f "$W/out.jsonl" "$W/stats.json"
    # shellcheck disable=SC2086 # options are words on purpose
    "$DH" --no-state --quiet --rules "$ROOT/rules" --stats "$W/stats.json" -o "$W/out.jsonl" \
        $opts "$dir"/input* 2> "$W/stderr"
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "    $dir: dnshound exit $rc"; sed 's/^/    /' "$W/stderr" | head -5; return 1
    fi
    $PY "$ROOT/tests/cases/check.py" "$dir/expect" "$W/out.jsonl" "$W/stats.json"
}

cases=${*:-$(cd tests/cases && for d in */; do [ -f "$d/expect" ] && echo "${d%/}"; done)}
pass=0 failed=0
for c in $cases; do
    if run_case "$c"; then pass=$((pass + 1)); echo "PASS $c"
    else failed=$((failed + 1)); echo "FAIL $c"; fi
done
echo "cases: $pass passed, $failed failed"
[ $failed -eq 0 ]
