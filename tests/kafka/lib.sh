# tests/kafka/lib.sh - shell harness for Kafka end-to-end tests (POSIX sh).
#
# Source it from a test script:   . "$ROOT/tests/kafka/lib.sh"
#
# There is no Kafka broker on the developers' machines nor in CI: the tests
# run against librdkafka's mock cluster, started in its own process by the
# helper tests/kafka/mockbroker.c ($MOCKBROKER, default
# build/tests/mockbroker; build it with
#   cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 \
#      -o build/tests/mockbroker tests/kafka/mockbroker.c \
#      $(pkg-config --cflags --libs rdkafka)
# ). kcat (Debian package kcat, 1.7.1 on librdkafka 2.0.2) produces and
# consumes from the shell.
#
# Functions:
#   kafka_start [--brokers N] [--topic NAME:PARTITIONS]...
#       Runs the mock broker in the background (control FIFO and logs in a
#       fresh temp dir), waits at most KAFKA_START_TIMEOUT (10) s for its
#       bootstrap address, and exports
#         KAFKA_BOOTSTRAP  "127.0.0.1:PORT[,...]" (give it to -b / bootstrap.servers)
#         KAFKA_CONTROL    the control FIFO (see kafka_cmd)
#       and sets (not exported, so that a nested script can start its own)
#         KAFKA_PID, KAFKA_DIR (out = its stdout, err = its stderr)
#       One broker per shell: call kafka_stop before starting another.
#       Call it directly in the shell that owns the test (a test function,
#       or a "( ... )" subshell), never inside $(...) or a pipeline: the
#       broker dies with the shell that started it (PR_SET_PDEATHSIG), so in
#       a pipeline or $(...) it would die at once. That is also what makes it
#       safe in a test function run in a subshell: when the subshell ends, so
#       does the broker, even on a crash or a "kill -9" of the test.
#       Besides, unless KAFKA_NO_TRAP=1, it sets the EXIT trap of the calling
#       shell to "kafka_stop; eval \"$KAFKA_ON_EXIT\"" (and INT/TERM to the
#       same, then exit): POSIX sh cannot chain traps, so a caller with its
#       own EXIT trap puts that cleanup in KAFKA_ON_EXIT (or sets
#       KAFKA_NO_TRAP=1 and calls kafka_stop itself). The broker also exits
#       by itself after KAFKA_MAX_SECONDS (default 300) s.
#   kafka_cmd "down 1"
#       Sends one command to the broker and waits (at most 10 s) until it is
#       applied (its "ok ..." line); returns 1 if it was refused or timed out.
#       Commands: down ID | up ID | rtt ID MS | errors APIKEY COUNT ERRCODE |
#       topic NAME PARTITIONS | quit  (see mockbroker.c). Broker ids are 1..N.
#       The mock serves each such call through its own thread, whose wake-up
#       is sometimes lost: one command can take up to ~1 s (measured).
#       Note: a bare "wait" in a test also waits for the broker (a child of
#       the test's shell) until its lifetime ends: wait for specific PIDs.
#   kafka_stop
#       Stops the broker (SIGTERM, then SIGKILL after 5 s), removes KAFKA_DIR
#       (unless KAFKA_KEEP=1) and unsets the variables. Safe to call twice.
#   kcat_produce TOPIC FILE [KEYDELIM [KCAT-OPTION...]]
#       Produces each line of FILE as one message. With KEYDELIM (e.g. '|'),
#       each line is KEY<KEYDELIM>VALUE (kcat -K). Extra kcat options follow,
#       e.g. -X message.timeout.ms=30000. Bounded by KAFKA_KCAT_TIMEOUT (60) s.
#       Returns kcat's status (kcat exits non-zero if a message failed).
#       Both kcat helpers pass -E: without it kcat gives up at the first
#       "All broker connections are down" (a "down", or an injected
#       _TRANSPORT error); with it they retry until done or the timeout.
#   kcat_consume TOPIC OUTFILE [COUNT [KCAT-OPTION...]]
#       Without COUNT: reads the topic from the beginning to its current end
#       (every partition) and exits (kcat -e). With COUNT: waits until COUNT
#       messages were read (more may be written later: kcat -c), so a test
#       can wait for output still to come. One message value per line
#       (KAFKA_CONSUME_FORMAT, default '%s\n'; e.g. '%k|%s\n' for keys).
#       Bounded by KAFKA_KCAT_TIMEOUT (default 30) s: returns 124 on timeout.
#   kafka_wait_file FILE COUNT [SECONDS]
#       Waits until FILE has at least COUNT lines (default 30 s); for a
#       consumer under test that writes to a file.
#
# Variables:
#   KAFKA_TEST_PROPS  librdkafka properties for the program under test, as
#                     kcat-style "-X k=v" words; KAFKA_TEST_CONF is the same as
#                     "k=v" lines for a config file. Only what was measured to
#                     matter on this mock (see smoke.sh):
#                       session.timeout.ms=6000 - a member that dies without
#                         LeaveGroup is evicted after ~2 x this (11.5 s; the
#                         default 45000 would make it ~90 s) and a rebalance
#                         takes about this long (5-10 s). 6000 is also a real
#                         broker's group.min.session.timeout.ms.
#                       auto.offset.reset=earliest - a group's first join
#                         takes >= 3 s, so a test has always produced its
#                         input before: with the default (latest) a new group
#                         reads nothing (measured: 0 of 50).
#                     (Both are consumer properties: a producer logs a
#                     CONFWARN and ignores them.) Measured to make NO
#                     difference here: heartbeat.interval.ms=500 (rebalance
#                     5.5 s either way), reconnect.backoff.max.ms=500
#                     (delivery resumes ~1.0 s after "up" after a 5 s or 20 s
#                     outage, with or without it), partition.assignment.strategy
#                     (the default range,roundrobin works). kcat needs no
#                     option against this mock: the bootstrap address is
#                     numeric 127.0.0.1 (broker.address.family does not
#                     matter) and the mock answers ApiVersion
#                     (api.version.request=true, the default, works); but
#                     see smoke.sh for -E during outages.
#   KAFKA_KCAT        the kcat binary (default kcat).

MOCKBROKER=${MOCKBROKER:-build/tests/mockbroker}
KAFKA_KCAT=${KAFKA_KCAT:-kcat}
# shellcheck disable=SC2034 # used by the scripts that source this file
KAFKA_TEST_PROPS="-X session.timeout.ms=6000 -X auto.offset.reset=earliest"
# shellcheck disable=SC2034
KAFKA_TEST_CONF="session.timeout.ms=6000
auto.offset.reset=earliest"

kafka__err() { echo "kafka: $*" >&2; }

kafka_start() {
    if [ -n "${KAFKA_PID:-}" ]; then
        kafka__err "kafka_start: a broker already runs (pid $KAFKA_PID); kafka_stop first"
        return 1
    fi
    if [ ! -x "$MOCKBROKER" ]; then
        kafka__err "kafka_start: $MOCKBROKER not built (set MOCKBROKER)"
        return 1
    fi
    KAFKA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kafka-mock.XXXXXX") || return 1
    KAFKA_CONTROL=$KAFKA_DIR/control
    # stdin from /dev/null: commands come through the FIFO only.
    "$MOCKBROKER" "$@" --control "$KAFKA_CONTROL" --bootstrap-file "$KAFKA_DIR/bootstrap" \
        --max-seconds "${KAFKA_MAX_SECONDS:-300}" \
        </dev/null >"$KAFKA_DIR/out" 2>"$KAFKA_DIR/err" &
    KAFKA_PID=$!
    export KAFKA_CONTROL
    if [ "${KAFKA_NO_TRAP:-0}" != 1 ]; then
        trap 'kafka_stop; eval "${KAFKA_ON_EXIT:-}"' EXIT
        trap 'kafka_stop; eval "${KAFKA_ON_EXIT:-}"; trap - EXIT; exit 130' INT
        trap 'kafka_stop; eval "${KAFKA_ON_EXIT:-}"; trap - EXIT; exit 143' TERM
    fi
    kafka__n=0
    while [ ! -s "$KAFKA_DIR/bootstrap" ]; do
        if ! kill -0 "$KAFKA_PID" 2>/dev/null || kafka__zombie "$KAFKA_PID"; then
            kafka__err "kafka_start: mock broker exited: $(cat "$KAFKA_DIR/err")"
            kafka_stop
            return 1
        fi
        kafka__n=$((kafka__n + 1))
        if [ $kafka__n -gt $((${KAFKA_START_TIMEOUT:-10} * 10)) ]; then
            kafka__err "kafka_start: no bootstrap address after ${KAFKA_START_TIMEOUT:-10} s"
            kafka_stop
            return 1
        fi
        sleep 0.1
    done
    KAFKA_BOOTSTRAP=$(head -n 1 "$KAFKA_DIR/bootstrap")
    export KAFKA_BOOTSTRAP
}

# True if PID is a zombie (exited, not yet reaped): kill -0 still succeeds then.
kafka__zombie() {
    [ -r "/proc/$1/stat" ] || return 1
    case $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) in Z*) return 0 ;; esac
    return 1
}

kafka_stop() {
    [ -n "${KAFKA_PID:-}" ] || return 0
    kill -TERM "$KAFKA_PID" 2>/dev/null
    kafka__n=0
    while kill -0 "$KAFKA_PID" 2>/dev/null && ! kafka__zombie "$KAFKA_PID"; do
        kafka__n=$((kafka__n + 1))
        if [ $kafka__n -ge 50 ]; then
            kafka__err "kafka_stop: broker $KAFKA_PID ignored SIGTERM, killing"
            kill -KILL "$KAFKA_PID" 2>/dev/null
            break
        fi
        sleep 0.1
    done
    wait "$KAFKA_PID" 2>/dev/null
    [ "${KAFKA_KEEP:-0}" = 1 ] || rm -rf "$KAFKA_DIR"
    unset KAFKA_PID KAFKA_BOOTSTRAP KAFKA_CONTROL
    [ "${KAFKA_KEEP:-0}" = 1 ] || unset KAFKA_DIR
    return 0
}

kafka_cmd() {
    if [ -z "${KAFKA_PID:-}" ]; then
        kafka__err "kafka_cmd: no broker (kafka_start first)"
        return 1
    fi
    # The broker echoes the command trimmed: normalise blanks the same way.
    kafka__c=$(printf '%s\n' "$*" | awk '{$1 = $1; print}')
    kafka__ok=$(grep -cxF "ok $kafka__c" "$KAFKA_DIR/out")
    kafka__ko=$(grep -cF "mockbroker: error: $kafka__c:" "$KAFKA_DIR/err")
    # A writer blocks on a FIFO without a reader: bound it in case the broker died.
    # shellcheck disable=SC2016 # $1 and $2 belong to the inner sh
    if ! timeout 5 sh -c 'printf "%s\n" "$1" > "$2"' _ "$kafka__c" "$KAFKA_CONTROL"; then
        kafka__err "kafka_cmd: cannot write to $KAFKA_CONTROL"
        return 1
    fi
    kafka__n=0
    while [ "$(grep -cxF "ok $kafka__c" "$KAFKA_DIR/out")" -le "$kafka__ok" ]; do
        if [ "$(grep -cF "mockbroker: error: $kafka__c:" "$KAFKA_DIR/err")" -gt "$kafka__ko" ]; then
            kafka__err "kafka_cmd: $(grep -F "mockbroker: error: $kafka__c:" "$KAFKA_DIR/err" | tail -n 1)"
            return 1
        fi
        kafka__n=$((kafka__n + 1))
        if [ $kafka__n -gt 200 ]; then
            kafka__err "kafka_cmd: '$kafka__c' not applied after 10 s"
            return 1
        fi
        sleep 0.05
    done
}

kcat_produce() {
    if [ $# -lt 2 ]; then
        kafka__err "usage: kcat_produce TOPIC FILE [KEYDELIM [KCAT-OPTION...]]"
        return 2
    fi
    kafka__t=$1 kafka__f=$2 kafka__k=${3:-}
    shift 2
    [ $# -gt 0 ] && shift
    if [ -n "$kafka__k" ]; then
        timeout "${KAFKA_KCAT_TIMEOUT:-60}" "$KAFKA_KCAT" -b "$KAFKA_BOOTSTRAP" -P -E \
            -t "$kafka__t" -K "$kafka__k" "$@" -l "$kafka__f"
    else
        timeout "${KAFKA_KCAT_TIMEOUT:-60}" "$KAFKA_KCAT" -b "$KAFKA_BOOTSTRAP" -P -E \
            -t "$kafka__t" "$@" -l "$kafka__f"
    fi
}

kcat_consume() {
    if [ $# -lt 2 ]; then
        kafka__err "usage: kcat_consume TOPIC OUTFILE [COUNT [KCAT-OPTION...]]"
        return 2
    fi
    kafka__t=$1 kafka__f=$2 kafka__c=${3:-}
    shift 2
    [ $# -gt 0 ] && shift
    if [ -n "$kafka__c" ]; then
        set -- -c "$kafka__c" "$@"
    else
        set -- -e "$@"
    fi
    timeout "${KAFKA_KCAT_TIMEOUT:-30}" "$KAFKA_KCAT" -b "$KAFKA_BOOTSTRAP" -C -E -q -u \
        -o beginning -t "$kafka__t" -f "${KAFKA_CONSUME_FORMAT:-%s\n}" "$@" >"$kafka__f"
}

kafka_wait_file() {
    kafka__n=0
    while [ "$(if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi)" -lt "$2" ]; do
        kafka__n=$((kafka__n + 1))
        [ $kafka__n -le $((${3:-30} * 10)) ] || return 1
        sleep 0.1
    done
}
