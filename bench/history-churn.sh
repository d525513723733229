#!/bin/sh
# history-churn.sh - the history under churn: N distinct registered domains
# (each queried once, in event-time order over DAYS days) learned into a
# history bounded by MB MiB (--history-max-mb), the case where LMDB's map
# filled (MDB_MAP_FULL) and most commits failed silently. Prints the
# history's commits, write_errors, evictions, domains kept, and the file's
# size against its bound.
#
#   sh bench/history-churn.sh [DNSHOUND] [N] [MB] [DAYS]
#   defaults: build/dnshound 6000000 64 1
set -eu
DH=${1:-build/dnshound}
N=${2:-6000000}
MB=${3:-64}
DAYS=${4:-1}
W=$(mktemp -d /tmp/dh-churn.XXXXXX)
trap 'rm -rf "$W"' EXIT INT TERM

# Zeek TSV: one query per distinct domain, spread evenly over DAYS days
awk -v n="$N" -v days="$DAYS" 'BEGIN {
    printf "#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\tquery\tqtype\tqtype_name\trcode\tanswers\tTTLs\n"
    step = days * 86400.0 / n
    for (i = 0; i < n; i++)
        printf "%.6f\tC1\t10.1.%d.%d\t5000\t10.0.0.53\t53\tudp\t1\twww.churn%07d.com\t1\tA\t0\t192.0.2.%d\t300.0\n",
            1700000000 + i * step, (i / 250) % 250, i % 250 + 1, i, i % 250 + 1
}' > "$W/churn.log"

start=$(date +%s.%N)
"$DH" --state-dir "$W/st" --learn-only --history-max-mb "$MB" -q --stats "$W/s.json" \
    -o /dev/null "$W/churn.log" 2>"$W/err" || echo "dnshound: exit $?"
end=$(date +%s.%N)
size=$(wc -c < "$W/st/data.mdb")
python3 - "$W/s.json" "$size" "$MB" "$N" "$start" "$end" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))['history']
size, mb, n = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
secs = float(sys.argv[6]) - float(sys.argv[5])
print(f"domains {n:,} into {mb} MiB: commits {h['commits']}, write_errors {h['write_errors']}, "
      f"evicted_full {h['evicted_full']}, domains kept {h['domains']:,}, "
      f"file {size / 2**20:.1f} MiB of {mb} ({'within' if size <= mb << 20 else 'OVER'} the bound), "
      f"{secs:.1f} s")
PY
if [ -s "$W/err" ]; then
    echo "stderr ($(wc -l < "$W/err") lines), first 3:"
    head -n 3 "$W/err"
fi
