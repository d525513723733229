#!/bin/sh
# run.sh BUILD SECONDS TARGET... - seed and run libFuzzer targets one after
# the other (the machine is shared; libFuzzer's -jobs is left to the user).
#
# Why seeds are cut from the test data and not the files themselves: libFuzzer
# sets -max_len from the biggest seed and runs every seed each start, so whole
# multi-megabyte logs would make each execution slow. A file's first lines
# (Zeek headers included) carry the format; the reader also gets gzip copies
# (one and two members, one truncated), the envelope target shippers'
# wrappers around real lines. Seeds are rebuilt each run into
# BUILD/fuzz-seeds/T; what the fuzzer learns stays in BUILD/fuzz-corpus/T
# (kept between runs), crashes go to BUILD/fuzz-crashes/T-*.
set -eu
build=$1 secs=$2
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
data=$(find "$top/tests/data/eve" "$top/tests/data/events" "$top/tests/data/zeek-json" \
    "$top/tests/data/zeek-tsv" "$top/samples" -type f ! -name '*.md' | sort)

seed_parsers() {
    n=0
    for f in $data; do
        n=$((n + 1))
        head -n 12 "$f" | head -c 16384 > "$1/head-$n"
    done
}

seed_reader() {
    seed_parsers "$1"
    for f in "$1"/head-*; do
        gzip -9nc "$f" > "$f.gz"
    done
    cat "$1/head-1.gz" "$1/head-2.gz" > "$1/two-members.gz"
    head -c 200 "$1/head-3.gz" > "$1/truncated.gz"
}

seed_envelope() {
    python3 - "$1" $data <<'PY'
import json, sys
out, files = sys.argv[1], sys.argv[2:]
n = 0
for f in files:
    with open(f, encoding="utf-8", errors="replace") as fh:
        lines = [l.rstrip("\n") for l, _ in zip(fh, range(12)) if not l.startswith("#")]
    for line in lines[:2]:
        if len(line) > 4096:
            continue
        wraps = [line, json.dumps({"message": line, "@timestamp": "2024-01-01T00:00:00Z"}),
                 json.dumps({"log": line + "\n", "stream": "stdout"})]
        try:
            wraps.append(json.dumps({"dns": json.loads(line)}))
        except ValueError:
            pass
        for w in wraps:
            n += 1
            with open("%s/seed-%d" % (out, n), "w", encoding="utf-8") as o:
                o.write(w)
PY
}

fail=0
for t in "$@"; do
    name=${t#fuzz-}
    case $name in
    parsers) maxlen=16384 ;;
    reader) maxlen=65536 ;;
    envelope) maxlen=8192 ;;
    *) maxlen=16384 ;;
    esac
    seeds=$build/fuzz-seeds/$t corpus=$build/fuzz-corpus/$t crashes=$build/fuzz-crashes
    rm -rf "$seeds"
    mkdir -p "$seeds" "$corpus" "$crashes"
    if command -v "seed_$name" >/dev/null 2>&1; then "seed_$name" "$seeds"; else seed_parsers "$seeds"; fi
    echo "fuzz: $t for ${secs}s ($(ls "$seeds" | wc -l) seeds, corpus $corpus)"
    log=$build/fuzz-$name.log
    if UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$build/$t" -max_total_time="$secs" \
        -max_len=$maxlen -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$crashes/$t-" "$corpus" "$seeds" > "$log" 2>&1; then
        echo "fuzz: $t ok: $(sed -n 's/^stat::number_of_executed_units: *//p' "$log") executions," \
            "$(ls "$corpus" | wc -l) corpus inputs"
    else
        tail -n 60 "$log" >&2
        echo "fuzz: $t FAILED (log $log; reproduce: $build/$t $crashes/$t-*)" >&2
        fail=1
    fi
done
exit $fail
