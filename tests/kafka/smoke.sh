#!/bin/sh
# Smoke test of the Kafka test harness (tests/kafka/lib.sh + mockbroker.c)
# against librdkafka's mock cluster, with kcat. Each test is a shell function
# t_* run in its own subshell with its own mock broker; the runner prints one
# line per test and the closing "smoke: N passed, N failed" line.
#
#   MOCKBROKER=build/tests/mockbroker sh tests/kafka/smoke.sh [NAME...]
#
# (if $MOCKBROKER is unset and build/tests/mockbroker is absent, the helper is
# compiled into the temp dir first; kcat must be installed: apt-get install kcat)
#
# Measured on this mock (librdkafka 2.0.2, kcat 1.7.1, 2-core machine, topic
# with 4 partitions, kcat -G members):
#   - First consumer-group join (empty group) to the first message: 3.0-3.6 s
#     whatever session.timeout.ms or heartbeat.interval.ms: the mock delays
#     the first rebalance of a group by ~3 s.
#   - A second member joining a live group gets its first message after
#     4.5 s (session.timeout.ms=3000), 5.0-10 s (6000; 5.5 s typical), 9.5 s
#     (10000): a rebalance on the mock takes about session.timeout.ms.
#     heartbeat.interval.ms 500 vs 3000 made no difference.
#   - A member killed with SIGKILL (no LeaveGroup): the survivor gets its
#     partitions back after 6 s (3000), 10-11.5 s (6000), 20 s (10000), i.e.
#     ~2 x session.timeout.ms; the default 45000 would mean ~90 s. A member
#     stopped with SIGTERM (kcat leaves the group): ~5 s at 6000. Hence
#     session.timeout.ms=6000 in KAFKA_TEST_PROPS (the mock also accepts
#     3000, which halves these times, but a real broker's
#     group.min.session.timeout.ms is 6000).
#   - kcat -G balanced consumers work: two members started together split the
#     4 partitions 2/2 (t_group_members_split_partitions), and committed
#     offsets work (a second run of the same group reads nothing new). But
#     during rebalances uncommitted messages are redelivered (once seen: a
#     member read its 2 partitions 3 times): compare sets, not counts. kcat
#     -G with "-o beginning" re-seeks every assigned partition to the start;
#     a new group with the default auto.offset.reset=latest reads nothing of
#     what was produced before it joined (0 of 50): use
#     -X auto.offset.reset=earliest (in KAFKA_TEST_PROPS).
#   - Retention: each partition keeps ~5 MiB of message sets. 30 MB of 10 KB
#     messages into 1 partition left 516 (~5.0 MiB, offsets 2484..2999);
#     200000 messages of 100 bytes left 45642 (~4.4 MiB of payload + batch
#     overhead). Older data vanishes silently (the log start offset moves).
#   - kcat options: none needed against the mock (the bootstrap address is
#     numeric 127.0.0.1, the mock answers ApiVersion; neither
#     -X broker.address.family=v4 nor -X api.version.request=true changes
#     anything). But a kcat producer exits at once with "All broker
#     connections are down: terminating" (status 1) when the broker is down
#     (t_kcat_exits_when_the_only_broker_is_down_without_E), and so does a
#     consumer after an injected _TRANSPORT error: -E survives both
#     (kcat_produce/kcat_consume pass it), plus, for a producer,
#     -X message.timeout.ms larger than the outage.
#     After "up", delivery resumed ~1.0 s later (5 s and 20 s outages, with
#     or without reconnect.backoff.max.ms=500).
#   - An unknown topic is auto-created with 4 partitions by any Metadata
#     request, a consumer's included: a typo is not an error.
#   - Each control command (down/up/...) takes up to ~1 s to be applied:
#     the mock thread's wake-up is sometimes lost and it only serves the
#     command at its next 1 s poll timeout. kafka_cmd waits for the "ok".
#   - A bare "wait" in a test also waits for the broker (a child of the
#     shell): wait for specific PIDs.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
W=$(mktemp -d /tmp/kafka-smoke.XXXXXX)
trap 'rm -rf "$W"' EXIT INT TERM

if [ -z "${MOCKBROKER:-}" ]; then
    MOCKBROKER=$ROOT/build/tests/mockbroker
    if [ ! -x "$MOCKBROKER" ]; then
        MOCKBROKER=$W/mockbroker
        # shellcheck disable=SC2046
        cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror -O2 \
            -o "$MOCKBROKER" tests/kafka/mockbroker.c $(pkg-config --cflags --libs rdkafka) ||
            { echo "smoke: cannot build the mock broker"; echo "smoke: 0 passed, 1 failed"; exit 1; }
    fi
fi
export MOCKBROKER
if ! command -v kcat >/dev/null 2>&1; then
    echo "smoke: kcat not installed (apt-get install kcat)"
    echo "smoke: 0 passed, 1 failed"
    exit 1
fi
# shellcheck source=tests/kafka/lib.sh
. "$ROOT/tests/kafka/lib.sh"

fail() { echo "    $*" >&2; return 1; }

# 1000 keyed lines "k<i mod 37>|line-<i>" in $W/in.txt, the values in $W/in.values.
make_input() {
    awk -v n="$1" -v p="$2" 'BEGIN { for (i = 1; i <= n; i++) printf "k%d|%s-%d\n", i % 37, p, i }' > "$W/$2.txt"
    cut -d'|' -f2 "$W/$2.txt" | sort > "$W/$2.values"
}

t_keyed_roundtrip_1000_lines() {
    kafka_start --topic t:4 || return 1
    make_input 1000 line
    kcat_produce t "$W/line.txt" '|' || fail "produce: exit $?" || return 1
    kcat_consume t "$W/got" || fail "consume: exit $?" || return 1
    sort "$W/got" > "$W/got.sorted"
    cmp -s "$W/line.values" "$W/got.sorted" || fail "got $(wc -l < "$W/got") lines, not the 1000 produced" || return 1
    # keys stick to partitions, and all 4 partitions are used
    KAFKA_CONSUME_FORMAT='%k %p\n' kcat_consume t "$W/kp" || return 1
    [ "$(sort -u "$W/kp" | wc -l)" -eq 37 ] || fail "a key landed in more than one partition" || return 1
    [ "$(cut -d' ' -f2 "$W/kp" | sort -u | wc -l)" -eq 4 ] || fail "not all 4 partitions used" || return 1
}

t_broker_down_5s_during_produce_then_all_1100_arrive() {
    kafka_start --topic t:4 || return 1
    make_input 1000 line
    make_input 100 outage
    kcat_produce t "$W/line.txt" '|' || fail "produce: exit $?" || return 1
    kcat_consume t "$W/got" 1000 || fail "consume 1000: exit $?" || return 1
    kafka_cmd "down 1" || return 1
    start=$(date +%s)
    kcat_produce t "$W/outage.txt" '|' -X message.timeout.ms=30000 2>"$W/kcat.err" &
    kp=$!
    sleep 5
    kafka_cmd "up 1" || return 1
    wait $kp || fail "produce during the outage: exit $?: $(tail -n 3 "$W/kcat.err")" || return 1
    took=$(($(date +%s) - start))
    [ $took -ge 4 ] || fail "the producer did not wait for the broker (${took}s)" || return 1
    kcat_consume t "$W/got" || fail "consume: exit $?" || return 1
    sort "$W/line.values" "$W/outage.values" > "$W/want"
    sort "$W/got" > "$W/got.sorted"
    cmp -s "$W/want" "$W/got.sorted" || fail "got $(wc -l < "$W/got") lines, not the 1100 produced" || return 1
}

t_kcat_exits_when_the_only_broker_is_down_without_E() {
    kafka_start --topic t:4 || return 1
    make_input 10 x
    kafka_cmd "down 1" || return 1
    # (kcat_produce passes -E; this is plain kcat)
    timeout 10 kcat -b "$KAFKA_BOOTSTRAP" -P -t t -K '|' -X message.timeout.ms=30000 \
        -l "$W/x.txt" 2>"$W/err"
    rc=$?
    [ $rc -eq 1 ] || fail "expected kcat to give up at once (exit 1), got $rc" || return 1
    grep -q 'All broker connections are down' "$W/err" || fail "$(cat "$W/err")" || return 1
}

t_group_members_split_partitions() {
    kafka_start --topic g:4 || return 1
    make_input 400 g
    kcat_produce g "$W/g.txt" '|' || return 1
    # Two balanced consumers started together; -e: each exits at the end of
    # the partitions it was assigned.
    # shellcheck disable=SC2086
    timeout 40 kcat -b "$KAFKA_BOOTSTRAP" -G smoke $KAFKA_TEST_PROPS \
        -q -e -f '%p %s\n' g > "$W/c1" 2>"$W/c1.err" &
    c1=$!
    # shellcheck disable=SC2086
    timeout 40 kcat -b "$KAFKA_BOOTSTRAP" -G smoke $KAFKA_TEST_PROPS \
        -q -e -f '%p %s\n' g > "$W/c2" 2>"$W/c2.err" &
    c2=$!
    wait $c1 || fail "member 1: exit $?: $(tail -n 2 "$W/c1.err")" || return 1
    wait $c2 || fail "member 2: exit $?: $(tail -n 2 "$W/c2.err")" || return 1
    cut -d' ' -f2 "$W/c1" "$W/c2" | sort -u > "$W/got"
    cmp -s "$W/g.values" "$W/got" || fail "members got $(wc -l < "$W/got") distinct of 400" || return 1
    p1=$(cut -d' ' -f1 "$W/c1" | sort -u | tr '\n' ' ')
    p2=$(cut -d' ' -f1 "$W/c2" | sort -u | tr '\n' ' ')
    [ -n "$p1" ] && [ -n "$p2" ] || fail "unbalanced: member 1 had [$p1], member 2 had [$p2]" || return 1
}

t_injected_produce_errors_are_retried() {
    kafka_start --topic t:2 || return 1
    make_input 50 e
    # ApiKey 0 = Produce; 6 = NOT_LEADER_OR_FOLLOWER (retriable), three times
    kafka_cmd "errors 0 3 6" || return 1
    kcat_produce t "$W/e.txt" '|' || fail "produce: exit $?" || return 1
    kcat_consume t "$W/got" || return 1
    sort "$W/got" > "$W/got.sorted"
    cmp -s "$W/e.values" "$W/got.sorted" || fail "got $(wc -l < "$W/got") of 50" || return 1
}

t_consumer_survives_injected_disconnects() {
    kafka_start --topic t:2 || return 1
    make_input 100 d
    kcat_produce t "$W/d.txt" '|' || return 1
    # ApiKey 1 = Fetch; -195 = _TRANSPORT: the broker drops the connection
    kafka_cmd "errors 1 2 -195" || return 1
    kcat_consume t "$W/got" 2>/dev/null || fail "consume: exit $?" || return 1
    sort "$W/got" > "$W/got.sorted"
    cmp -s "$W/d.values" "$W/got.sorted" || fail "got $(wc -l < "$W/got") of 100" || return 1
}

t_control_commands_and_errors() {
    kafka_start --brokers 3 --topic a:3 || return 1
    case $KAFKA_BOOTSTRAP in *,*,*) ;; *) fail "bootstrap '$KAFKA_BOOTSTRAP' lacks 3 brokers"; return 1 ;; esac
    kafka_cmd "rtt 2 100" || return 1
    kafka_cmd "  topic   b   2 " || return 1
    kafka_cmd "down 3" || return 1
    kafka_cmd "up 3" || return 1
    kafka_cmd "bogus 1" 2>"$W/err" && fail "unknown command accepted" && return 1
    grep -q 'unknown command' "$W/err" || fail "no error for an unknown command: $(cat "$W/err")" || return 1
    kafka_cmd "down 9" 2>/dev/null && fail "down of a missing broker accepted" && return 1
    kafka_cmd "rtt 1 0" || fail "broker stopped after a bad command" || return 1
    kcat -b "$KAFKA_BOOTSTRAP" -L -t b -m 5 > "$W/md" 2>&1 || fail "metadata: $(cat "$W/md")" || return 1
    grep -q 'topic "b" with 2 partitions' "$W/md" || fail "$(cat "$W/md")" || return 1
}

t_broker_dies_with_the_shell_that_started_it() {
    # The shell is SIGKILLed: no trap runs, PR_SET_PDEATHSIG must do it.
    sh -c '. "$1"; kafka_start || exit 1; echo "$KAFKA_PID $KAFKA_DIR" > "$2"; kill -9 $$' \
        _ "$ROOT/tests/kafka/lib.sh" "$W/pid" 2>/dev/null
    read -r pid dir < "$W/pid" || fail "no broker started" || return 1
    rm -rf "$dir"
    n=0
    while kill -0 "$pid" 2>/dev/null && ! kafka__zombie "$pid"; do
        n=$((n + 1)); [ $n -le 30 ] || fail "broker $pid outlived its shell" || { kill "$pid"; return 1; }
        sleep 0.1
    done
}

t_trap_stops_the_broker_when_the_subshell_exits() {
    ( kafka_start --topic t:1 && echo "$KAFKA_PID $KAFKA_DIR" > "$W/pid" )
    read -r pid dir < "$W/pid" || fail "no broker started" || return 1
    if kill -0 "$pid" 2>/dev/null && ! kafka__zombie "$pid"; then
        kill "$pid"; fail "broker $pid still runs"; return 1
    fi
    [ ! -e "$dir" ] || fail "$dir not removed" || return 1
}

t_max_seconds_bounds_the_lifetime() {
    start=$(date +%s)
    timeout 10 "$MOCKBROKER" --max-seconds 1 </dev/null >/dev/null 2>"$W/err"
    rc=$?
    [ $rc -eq 3 ] || fail "exit $rc, expected 3: $(cat "$W/err")" || return 1
    [ $(($(date +%s) - start)) -le 3 ] || fail "took too long" || return 1
}

t_stdin_commands_and_quit() {
    printf 'topic x 2\nup 1\nquit\n' | timeout 10 "$MOCKBROKER" > "$W/out" 2>"$W/err"
    rc=$?
    [ $rc -eq 0 ] || fail "exit $rc: $(cat "$W/err")" || return 1
    [ "$(sed -n 2,4p "$W/out" | tr '\n' ,)" = "ok topic x 2,ok up 1,ok quit," ] || fail "$(cat "$W/out")" || return 1
    head -n 1 "$W/out" | grep -Eq '^127\.0\.0\.1:[0-9]+$' || fail "first line: $(head -n 1 "$W/out")" || return 1
}

# ---- runner ------------------------------------------------------------------

tests=${*:-$(sed -n 's/^\(t_[a-zA-Z0-9_]*\)() {$/\1/p' "$0")}
pass=0 failed=0
for t in $tests; do
    if ( $t ); then pass=$((pass + 1)); echo "PASS $t"
    else failed=$((failed + 1)); echo "FAIL $t"; fi
done
echo "smoke: $pass passed, $failed failed"
[ $failed -eq 0 ]
