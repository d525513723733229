#!/bin/sh
# Line coverage per source directory from a --coverage build's gcov data,
# with plain gcov (no gcovr/lcov needed): `make coverage` runs the unit, e2e
# and case tests in build/cov, then this.
#
#   sh tests/coverage.sh [BUILD]     (default build/cov; FILES=1 also lists files)
set -eu
BUILD=${1:-build/cov}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
for dir in src src/detectors src/sources src/sinks parsers; do
    ls "$dir"/*.c >/dev/null 2>&1 || continue
    # gcov -n writes no .gcov files, only "File 'x'" / "Lines executed:P% of N"
    gcov -n -o "$BUILD/obj/$dir" "$dir"/*.c 2>/dev/null | awk -v dir="$dir/" -v files="${FILES:-0}" '
        /^File / { f = $2; gsub("\047", "", f); keep = (f ~ /\.c$/ && index(f, dir) == 1 &&
                   index(substr(f, length(dir) + 1), "/") == 0) }
        /^Lines executed:/ && keep {
            split($2, a, ":"); pct = a[2]; sub("%", "", pct); n = $4
            hit = int(pct * n / 100 + 0.5); th += hit; tn += n
            if (files) printf "    %-40s %6.1f%% of %d\n", f, pct, n
            keep = 0
        }
        END { printf "%-16s %6.1f%%  (%d of %d lines)\n", dir, tn ? 100 * th / tn : 0, th, tn }'
done
