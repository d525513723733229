#!/bin/sh
# Kafka end-to-end tests of dnshound against librdkafka's mock cluster
# (tests/kafka/mockbroker.c), with kcat as the second, independent client.
# Each t_* function runs in a subshell with its own mock broker; the runner
# prints PASS/FAIL per test, the measured figures, and the closing line
# "kafka: N passed, N failed".
#
#   DNSHOUND=build/dnshound MOCKBROKER=build/tests/mockbroker sh tests/kafka/e2e.sh [NAME...]
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
DH=${DNSHOUND:-$ROOT/build/dnshound}
GEN=${GEN_DNSLOG:-$(dirname "$DH")/bench/gen-dnslog}
MOCKBROKER=${MOCKBROKER:-$(dirname "$DH")/tests/mockbroker}
PY=/usr/bin/python3
. "$ROOT/tests/kafka/lib.sh"
W=$(mktemp -d /tmp/dh-kafka.XXXXXX)
trap 'rm -rf "$W"' EXIT INT TERM

fail() { echo "    $*" >&2; return 1; }
note() { echo "    $*"; }

# The generated logs have rows up to ~60 s out of order (Zeek writes
# unanswered queries late). Read from one file they meet one watermark; read
# from partitions, each partition has its own. A lateness well above the
# disorder makes no event late in either, so the two paths must agree
# exactly (with the default, a few borderline events may be late in one and
# not the other, which is the documented meaning of lateness). Early alerts
# off: a Kafka input is live (--early-alerts auto turns them on), and which
# record of an open window crosses its thresholds first depends on how the
# partitions interleave; the paths agree on the findings of closed windows.
LATE="--lateness 600 --early-alerts off"

# dnshound as a Kafka client with the test properties (see lib.sh)
dhk() {
    # shellcheck disable=SC2086
    timeout 120 "$DH" --no-state -q $LATE -b "$KAFKA_BOOTSTRAP" $KAFKA_TEST_PROPS "$@"
}

# detections of FILE by the file path (the reference), sorted JSON lines
reference() { "$DH" --no-state -q $LATE -o - "$1" | sort; }

# Compare two detection files as sets of full records (order aside).
same_detections() { # a b
    sort "$1" > "$W/sa"; sort "$2" > "$W/sb"
    cmp -s "$W/sa" "$W/sb" || { diff "$W/sa" "$W/sb" | head -4 >&2; differing_members "$W/sa" "$W/sb" >&2; return 1; }
}

# The evidence members that differ between the first differing lines.
differing_members() { # a b
    $PY - "$1" "$2" <<'PY'
import json, sys
for x, y in zip(open(sys.argv[1]), open(sys.argv[2])):
    if x != y:
        a, b = json.loads(x), json.loads(y)
        ea, eb = a['dnshound']['evidence'], b['dnshound']['evidence']
        print("    differ:", a['rule']['name'], {k: (ea.get(k), eb.get(k)) for k in set(ea) | set(eb) if ea.get(k) != eb.get(k)},
              [k for k in set(a) | set(b) if k != 'dnshound' and a.get(k) != b.get(k)])
        break
PY
}

# The detections without what README "Scale-out" says is per analyzer and
# order-dependent: the look-alike typo gate's count of the clients that
# asked an unresolved name (each analyzer counts its own clients, in the
# order they arrive); the finding itself, its id and the rest stay.
per_analyzer_view() { # file
    $PY - "$1" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d['rule']['name'] == 'lookalike_domain':
        d['dnshound']['evidence'].pop('clients', None)
        l = json.dumps(d, separators=(',', ':'), ensure_ascii=False) + '\n'
    sys.stdout.write(l)
PY
}

# ids: missing (in ref, not in out), duplicated, extra
id_report() { # ref out
    $PY - "$1" "$2" <<'PY'
import collections, json, sys
ref = {json.loads(l)['event']['id'] for l in open(sys.argv[1])}
ids = [json.loads(l)['event']['id'] for l in open(sys.argv[2])]
refc = collections.Counter(json.loads(l)['event']['id'] for l in open(sys.argv[1]))
c = collections.Counter(ids)
missing = ref - set(ids)
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d['event']['id'] in missing:
        print(f"missing: {d['rule']['name']} {d.get('source', {}).get('ip')} {d['@timestamp']}", file=sys.stderr)
print(len(missing), sum(max(0, n - refc[i]) for i, n in c.items()), len(set(ids) - ref))
PY
}

# headerless Zeek TSV rows keyed by client ("client|row"): a sensor pipeline
# keeps one host's records in one partition, so their order is kept (with
# unkeyed messages one client's records spread over partitions and arrive in
# another order, which changes which sample names the evidence shows)
sample_rows() { grep -v '^#' samples/demo-zeek-dns.log | awk -F '\t' '{ print $3 "|" $0 }'; }

t_detections_through_kafka_equal_the_file_path() {
    kafka_start --topic raw:4 --topic det:4 || return 1
    sample_rows > "$W/rows"
    kcat_produce raw "$W/rows" "|" || fail "produce" || return 1
    t0=$(date +%s.%N)
    dhk -G g1 -e --stats "$W/s.json" -o kafka:det kafka:raw || fail "dnshound exit $?" || return 1
    t1=$(date +%s.%N)
    kcat_consume det "$W/out" || return 1
    reference samples/demo-zeek-dns.log > "$W/ref"
    same_detections "$W/ref" "$W/out" || fail "detections differ from the file path" || return 1
    $PY -c "import json,sys; s=json.load(open('$W/s.json')); k=s['kafka']; i=s['input']; o=s['output_kafka']
assert k['messages'] == 3600 and i['malformed'] == 0, s
assert o['produced'] == o['delivered'] == s['detections'] and o['failed'] == 0, o
print(f\"    {k['messages']} messages, {s['detections']} detections, {k['messages']/($t1-$t0):.0f} msg/s end to end incl. group join\")"
}

t_shipper_envelopes_are_unwrapped() {
    # one partition each: the envelopes carry no key, and unkeyed records
    # spread over partitions would arrive in another order (see sample_rows)
    kafka_start --topic fb:1 --topic fl:1 --topic zk:1 --topic det:2 || return 1
    # Filebeat/Vector: {"message": "<EVE line>"}; Fluent Bit: {"log": ...};
    # Zeek's Kafka plugin with the log-name wrapper: {"dns": {...}}
    $PY - samples/demo-eve.json samples/demo-zeek-dns.json "$W" <<'PY'
import json, sys
eve, zj, w = sys.argv[1:4]
with open(f"{w}/fb", "w") as f:
    for l in open(eve):
        f.write(json.dumps({"@timestamp": "2023-11-08T08:00:00Z", "message": l.rstrip("\n"),
                            "input": {"type": "log"}}) + "\n")
with open(f"{w}/fl", "w") as f:
    for l in open(eve):
        f.write(json.dumps({"log": l.rstrip("\n"), "stream": "stdout"}) + "\n")
with open(f"{w}/zk", "w") as f:
    for l in open(zj):
        f.write(json.dumps({"dns": json.loads(l)}) + "\n")
PY
    for t in fb fl zk; do kcat_produce $t "$W/$t" || return 1; done
    for t in fb fl; do
        dhk -G "g-$t" -e -o "$W/out.$t" kafka:$t || fail "$t: exit $?" || return 1
        reference samples/demo-eve.json > "$W/ref"
        same_detections "$W/ref" "$W/out.$t" || fail "$t differs" || return 1
    done
    dhk -G g-zk -e -o "$W/out.zk" kafka:zk || return 1
    reference samples/demo-zeek-dns.json > "$W/ref"
    same_detections "$W/ref" "$W/out.zk" || fail "zeek wrapper differs" || return 1
}

t_headerless_zeek_rows_with_configured_fields() {
    kafka_start --topic custom:2 || return 1
    # 11 of the 24 columns, no header: only the configured fields say which
    grep -v '^#' samples/demo-zeek-dns.log | cut -f1-8,10,13,15 | awk -F '\t' '{ print $3 "|" $0 }' \
        > "$W/rows"
    kcat_produce custom "$W/rows" "|" || return 1
    printf 'kafka:\n  zeek_fields:\n    custom: "ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto trans_id query qtype rcode"\n' \
        > "$W/c.yaml"
    dhk -c "$W/c.yaml" -G g1 -e --stats "$W/s.json" -o "$W/out" kafka:custom || fail "exit $?" || return 1
    $PY -c "import json; s=json.load(open('$W/s.json')); i=s['input']
assert i['dns_records'] == 3600 and i['malformed'] == 0, i" || return 1
    grep -q '"rule":{"name":"dns_tunnel"' "$W/out" || fail "no tunnel found in the custom rows" || return 1
}

t_bad_messages_are_counted_and_consumption_goes_on() {
    kafka_start --topic raw:1 || return 1
    sample_rows > "$W/rows"
    { head -n 1000 "$W/rows"
      printf 'junk|\001\002\377binary\000junk\n'
      printf 'junk|\n'
      $PY -c "print('junk|' + 'x' * (1 << 20))"
      tail -n +1001 "$W/rows"; } > "$W/mixed"
    kcat_produce raw "$W/mixed" "|" -X message.max.bytes=2000000 -X batch.size=2000000 || return 1
    rm -f "$W/out" # a Kafka consumer appends to -o FILE (README "Output files")
    dhk -G g1 -e -X fetch.message.max.bytes=2000000 --stats "$W/s.json" -o "$W/out" kafka:raw 2>"$W/err" \
        || fail "exit $?" || return 1
    $PY -c "import json; s=json.load(open('$W/s.json')); i=s['input']; k=s['kafka']
assert i['dns_records'] == 3600, i
assert i['malformed'] >= 2 and k['too_long'] == 1, (i, k)
print('    bad messages: %d malformed (%d over --max-line), %d DNS records read around them' % (i['malformed'], k['too_long'], i['dns_records']))" \
        || return 1
    grep -q 'kafka:raw/0:1000: ' "$W/err" || fail "no FILE:LINE-style report: $(head -3 "$W/err")" || return 1
    reference samples/demo-zeek-dns.log > "$W/ref"
    same_detections "$W/ref" "$W/out" || fail "detections lost around bad messages" || return 1
}

# The mock keeps about 5 MiB per partition and drops older messages beyond
# that (measured), and unkeyed messages are spread by librdkafka's sticky
# partitioner in bursts, so one partition can take most of a file: test logs
# are produced keyed by client (as a sensor pipeline would: one host's
# records in one partition) and stay small, ~1.5 MB per partition.
big_log() { # N events with every scenario; big.rows = "client|row" lines
    "$GEN" --events "$1" --clients 400 --domains 8000 --attack iodine,dnscat2,exfil,dga,beacon \
        --seed 4 --truth /dev/null > "$W/big.log" || return 1
    grep -v '^#' "$W/big.log" | awk -F '\t' '{ print $3 "|" $0 }' > "$W/big.rows"
}

t_broker_down_for_5s_loses_no_detection() {
    big_log 30000 || return 1
    kafka_start --topic raw:4 --topic det:4 || return 1
    kcat_produce raw "$W/big.rows" "|" || return 1
    # shellcheck disable=SC2086
    timeout 120 "$DH" --no-state -q $LATE -b "$KAFKA_BOOTSTRAP" $KAFKA_TEST_PROPS -G g1 -e -X message.timeout.ms=60000 \
        --stats "$W/s.json" -o kafka:det kafka:raw 2>"$W/err" &
    pid=$!
    sleep 1
    kafka_cmd "down 1" || return 1
    sleep 5
    kafka_cmd "up 1" || return 1
    wait $pid || fail "dnshound exit $? ($(tail -2 "$W/err"))" || return 1
    kcat_consume det "$W/out" || return 1
    reference "$W/big.log" > "$W/ref"
    set -- $(id_report "$W/ref" "$W/out")
    note "broker down 5 s: lost $1, duplicated $2, extra $3 (of $(wc -l < "$W/ref") detections); $($PY -c "import json; s=json.load(open('$W/s.json')); print('kafka', s['kafka'], 'late_dropped', s['state']['late_dropped'])")"
    [ "$1" = 0 ] && [ "$3" = 0 ] || fail "lost or changed detections" || return 1
}

t_sigkill_and_restart_lose_nothing() {
    big_log 30000 || return 1
    kafka_start --topic raw:4 --topic det:4 || return 1
    kcat_produce raw "$W/big.rows" "|" || return 1
    # first run: no -e, killed hard part-way (after a commit or two)
    # shellcheck disable=SC2086
    "$DH" --no-state -q $LATE -b "$KAFKA_BOOTSTRAP" $KAFKA_TEST_PROPS -G g1 -o kafka:det kafka:raw 2>"$W/err1" &
    pid=$!
    sleep 7
    kill -9 $pid; wait $pid 2>/dev/null
    kcat_consume det "$W/before" || return 1
    # the dead member stays in the group until session.timeout.ms (6 s):
    # restart after it, or the new member gets only some partitions and -e
    # ends at their end
    sleep 7
    # restart in the same group: resumes from the committed offsets
    dhk -G g1 -e --stats "$W/s.json" -o kafka:det kafka:raw 2>"$W/err2" || fail "restart exit $?" || return 1
    kcat_consume det "$W/out" || return 1
    reference "$W/big.log" > "$W/ref"
    set -- $(id_report "$W/ref" "$W/out")
    note "SIGKILL after 7 s ($(wc -l < "$W/before") detections out), restart: lost $1, duplicated $2, extra $3; re-read $($PY -c "import json; print(json.load(open('$W/s.json'))['kafka']['messages'])") of $(wc -l < "$W/big.rows") messages"
    [ "$1" = 0 ] && [ "$3" = 0 ] || fail "lost or changed detections" || return 1
}

t_sigterm_flushes_and_commits_what_is_safe() {
    kafka_start --topic raw:2 --topic det:2 || return 1
    sample_rows > "$W/rows"
    kcat_produce raw "$W/rows" "|" || return 1
    # shellcheck disable=SC2086
    "$DH" --no-state -q $LATE -b "$KAFKA_BOOTSTRAP" $KAFKA_TEST_PROPS -G g1 --stats "$W/s1.json" -o kafka:det \
        kafka:raw 2>"$W/err" &
    pid=$!
    sleep 8
    kill -TERM $pid
    wait $pid || fail "SIGTERM: exit $?" || return 1
    $PY -c "import json; s=json.load(open('$W/s1.json')); assert s['kafka']['commits'] >= 1, s['kafka']" || return 1
    dhk -G g1 -e -o kafka:det kafka:raw || return 1
    kcat_consume det "$W/out" || return 1
    reference samples/demo-zeek-dns.log > "$W/ref"
    set -- $(id_report "$W/ref" "$W/out")
    note "SIGTERM and restart: lost $1, duplicated $2, extra $3"
    [ "$1" = 0 ] && [ "$3" = 0 ] || return 1
}

t_two_analyzers_in_one_group_equal_one() {
    # normalized events (ECS documents) are ~1050 bytes: 20 000 of them
    # (21 MB) stay under the mock's 5 MiB per partition on 8 partitions
    big_log 20000 || return 1
    # The repartition stage interleaves its two input partitions in fetch
    # batches, so a norm partition holds one client's events in order but not
    # all clients' events: a watermark per partition sees the later clients'
    # early events as late. With a day of lateness nothing is late and the
    # comparison is exact (the other tests cover late data).
    LATE="--lateness 86400 --early-alerts off" # early alerts off: see LATE above
    kafka_start --topic raw:2 --topic norm:8 --topic det1:1 --topic det2:1 || return 1
    kcat_produce raw "$W/big.rows" "|" || return 1
    # two analyzers join one group first, and the group settles (the mock
    # completes a first join alone and rebalances ~5 s after the second
    # member): then no partition moves while data flows
    for x in a b; do
        # shellcheck disable=SC2086
        "$DH" --no-state -q $LATE -b "$KAFKA_BOOTSTRAP" $KAFKA_TEST_PROPS -G pair \
            -X partition.assignment.strategy=range --stats "$W/$x.json" -o kafka:det2 kafka:norm \
            2>"$W/$x.err" &
        eval "pid_$x=\$!"
    done
    sleep 14
    # stateless repartition stage: normalized events keyed by client
    dhk -G repart -e --emit events -o kafka:norm kafka:raw || fail "repartition exit $?" || return 1
    sleep 8 # both read their partitions to the end (well under 1 s even under ASan)
    # end the input of both (SIGUSR1: as -e, now): windows close, output
    # is delivered, offsets committed
    kill -USR1 $pid_a $pid_b
    wait $pid_a || fail "analyzer a: $(tail -2 "$W/a.err")" || return 1
    wait $pid_b || fail "analyzer b: $(tail -2 "$W/b.err")" || return 1
    # one analyzer alone, as a batch
    dhk -G solo -e -o kafka:det1 kafka:norm || return 1
    kcat_consume det1 "$W/one" || return 1
    kcat_consume det2 "$W/two" || return 1
    $PY - "$W/a.json" "$W/b.json" <<'PY' || return 1
import json, sys
a, b = (json.load(open(p))['kafka'] for p in sys.argv[1:3])
print(f"    analyzers: {a['messages']} + {b['messages']} messages, partitions {a['partitions_assigned']} / {b['partitions_assigned']} assigned")
sa, sb = (json.load(open(p)) for p in sys.argv[1:3])
assert all(s["state"]["late_dropped"] == 0 for s in (sa, sb)), "late events dropped"
PY
    # a count across clients is among each analyzer's own clients (README
    # "Scale-out"): the look-alike's evidence.clients is compared apart
    per_analyzer_view "$W/one" > "$W/one.v"; per_analyzer_view "$W/two" > "$W/two.v"
    same_detections "$W/one.v" "$W/two.v" || fail "two analyzers differ from one" || return 1
    reference "$W/big.log" > "$W/ref"
    per_analyzer_view "$W/ref" > "$W/ref.v"
    same_detections "$W/ref.v" "$W/one.v" || fail "the Kafka topology differs from the file path" || return 1
    note "scale-out: 1 analyzer $(wc -l < "$W/one") detections = 2 analyzers $(wc -l < "$W/two") = file path"
}

t_a_restarted_consumer_appends_to_its_output_file() {
    # -o FILE with a Kafka input is appended to: the restart goes on from the
    # committed offsets, so what the first run wrote must stay (it used to be
    # truncated away); a fresh file replay still truncates
    kafka_start --topic raw:1 || return 1
    sample_rows > "$W/rows"
    kcat_produce raw "$W/rows" "|" || fail "produce" || return 1
    rm -f "$W/app"
    dhk -G gapp -e -o "$W/app" kafka:raw || fail "first run exit $?" || return 1
    n=$(wc -l < "$W/app")
    [ "$n" -ge 1 ] || fail "no detections in the first run" || return 1
    dhk -G gapp -e -o "$W/app" kafka:raw || fail "restart exit $?" || return 1
    [ "$(wc -l < "$W/app")" -eq "$n" ] || fail "after the restart $(wc -l < "$W/app") lines, not $n" || return 1
    reference samples/demo-zeek-dns.log > "$W/ref"
    same_detections "$W/ref" "$W/app" || fail "the restart changed the detections" || return 1
}

tests=${*:-$(sed -n 's/^\(t_[a-z0-9_]*\)() {$/\1/p' "$0")}
if [ ! -x "$MOCKBROKER" ] || ! command -v kcat >/dev/null; then
    echo "kafka: $MOCKBROKER or kcat missing"; echo "kafka: 0 passed, 1 failed"; exit 1
fi
pass=0 failed=0
for t in $tests; do
    if ( $t ); then pass=$((pass + 1)); echo "PASS $t"
    else failed=$((failed + 1)); echo "FAIL $t"; fi
done
echo "kafka: $pass passed, $failed failed"
[ $failed -eq 0 ]
