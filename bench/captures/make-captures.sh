#!/bin/sh
# Record real DNS tunnel traffic (iodine, dns2tcp) and a benign background in
# network namespaces of our own, and write one pcap per run.
#
#   sudo sh bench/captures/make-captures.sh [OUT_DIR] [RUN ...]
#   IDLE_SECONDS=360 UP_BYTES=204800 DOWN_BYTES=51200 sh bench/captures/make-captures.sh out
#   BEACON_PERIOD=6 BEACON_JITTER=0.2 BEACON_CHECKINS=60 sh bench/captures/make-captures.sh out cs-beacon
#
# Needs root and: apt-get install iodine dns2tcp dnsmasq-base tcpdump
# (python3 moves the bytes and makes the benign lookups). RUN names are listed
# in RUNS below; with none given all of them run, one after another.
#
# Layout (veth pairs, nothing else; no route leaves these namespaces):
#
#   dhc-client 10.99.1.2 (tunnel client), 10.99.1.10-29 (benign hosts)
#      | c0 -- r0
#   dhc-resolver 10.99.1.1 / 10.99.2.1   dnsmasq: the recursive resolver the
#      | r1 -- s0                         clients use; forwards the tunnel zones
#   dhc-server 10.99.2.2                  to the server, answers the benign
#                                         names from a hosts file (no internet)
#
# tcpdump runs on the client side (c0), as a sensor on the clients' segment
# would see the traffic: client <-> resolver.
set -eu
OUT=${1:-bench/captures/out}
[ $# -gt 0 ] && shift
HERE=$(cd "$(dirname "$0")" && pwd)
IDLE_SECONDS=${IDLE_SECONDS:-360}
IDLE_SRV_SECONDS=${IDLE_SRV_SECONDS:-180}   # iodine-idle-srv: the same in SRV mode, shorter
UP_BYTES=${UP_BYTES:-204800}
DOWN_BYTES=${DOWN_BYTES:-51200}
MAX_PACKETS=${MAX_PACKETS:-30000}
BENIGN_LOOKUPS=${BENIGN_LOOKUPS:-400}
BEACON_PERIOD=${BEACON_PERIOD:-6}      # cs-beacon: seconds between check-ins (Cobalt Strike's default 60, shortened)
BEACON_JITTER=${BEACON_JITTER:-0.2}    # ... each sleep PERIOD * (1 + U(-J, J))
BEACON_CHECKINS=${BEACON_CHECKINS:-60}
PY=/usr/bin/python3
NS=${NS:-dhc}             # prefix of the namespaces (NS-client, NS-resolver, NS-server)
ZONE=t.dhlab.net          # iodine's zone (a registered domain under a public suffix)
LANZONE=t.corp.lan        # iodine's zone without a public suffix (issue 11)
D2ZONE=d.dhlab.net        # dns2tcp's zone
BZONE=b.dhlab.net         # the DNS beacon's zone (cs-beacon)
RUNS="iodine-null iodine-txt-base32 iodine-txt-base64 iodine-txt-base128 iodine-srv iodine-cname
      iodine-null-lan iodine-null-fold dns2tcp-txt dns2tcp-key benign iodine-idle iodine-idle-srv
      cs-beacon"
[ $# -gt 0 ] && RUNS="$*"

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
W=$(mktemp -d /tmp/dhc-captures.XXXXXX)
PIDS=""

log() { echo "make-captures: $*" >&2; }

stop_pids() {
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    for p in $PIDS; do wait "$p" 2>/dev/null || true; done
    PIDS=""
}

cleanup() {
    stop_pids
    for ns in $NS-client $NS-resolver $NS-server; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# bg NS CMD...: start CMD in namespace NS in the background, remember its pid.
bg() {
    ns=$1; shift
    ip netns exec "$ns" "$@" >>"$W/$run.log" 2>&1 &
    PIDS="$PIDS $!"
}

setup_net() {
    cleanup_ns_only
    for ns in $NS-client $NS-resolver $NS-server; do
        ip netns add "$ns"
        ip -n "$ns" link set lo up
    done
    ip link add c0 netns $NS-client type veth peer name r0 netns $NS-resolver
    ip link add r1 netns $NS-resolver type veth peer name s0 netns $NS-server
    ip -n $NS-client addr add 10.99.1.2/24 dev c0
    i=10
    while [ $i -le 29 ]; do ip -n $NS-client addr add 10.99.1.$i/24 dev c0; i=$((i + 1)); done
    ip -n $NS-resolver addr add 10.99.1.1/24 dev r0
    ip -n $NS-resolver addr add 10.99.2.1/24 dev r1
    ip -n $NS-server addr add 10.99.2.2/24 dev s0
    ip -n $NS-client link set c0 up
    ip -n $NS-resolver link set r0 up
    ip -n $NS-resolver link set r1 up
    ip -n $NS-server link set s0 up
    ip -n $NS-client route add default via 10.99.1.1
    ip -n $NS-server route add default via 10.99.2.1
}

cleanup_ns_only() {
    for ns in $NS-client $NS-resolver $NS-server; do ip netns del "$ns" 2>/dev/null || true; done
}

# The benign names: the top of rules/popular-domains.txt, answered from a
# hosts file with addresses of the benchmarking range 198.18.0.0/15.
make_hosts() {
    grep -v '^#' "$HERE/../../rules/popular-domains.txt" | head -300 > "$W/names.txt"
    awk '{ n = NR; printf "198.18.%d.%d %s www.%s\n", int(n / 250), n % 250 + 1, $1, $1 }' \
        "$W/names.txt" > "$W/hosts"
}

start_resolver() {
    bg $NS-resolver dnsmasq -k --no-resolv --no-hosts --addn-hosts="$W/hosts" \
        --listen-address=10.99.1.1 --bind-interfaces --user=root --pid-file= \
        --server=/$ZONE/10.99.2.2 --server=/$LANZONE/10.99.2.2 --server=/$D2ZONE/10.99.2.2 \
        --server=/$BZONE/10.99.2.2 \
        --log-facility=-
}

start_capture() { # name
    bg $NS-client tcpdump -i c0 -n -s 0 -U -c "$MAX_PACKETS" -w "$OUT/$1.pcap" 'port 53'
    sleep 1
}

wait_tunnel() { # seconds
    n=0
    while ! ip -n $NS-client addr show dev dns0 2>/dev/null | grep -q 'inet 10.53.0'; do
        n=$((n + 1))
        [ $n -gt "$1" ] && { log "$run: tunnel did not come up"; return 1; }
        sleep 1
    done
}

# iodine_run ZONE IODINE_ARGS...: tunnel up, move UP_BYTES up and DOWN_BYTES down.
iodine_run() {
    zone=$1; shift
    bg $NS-server iodined -f -c -P dhsecret 10.53.0.1/24 "$zone"
    sleep 1
    start_capture "$run"
    bg $NS-client iodine -f -r -P dhsecret "$@" 10.99.1.1 "$zone"
    wait_tunnel 60
    bg $NS-server timeout 600 $PY "$HERE/tcpmove.py" serve 10.53.0.1 9000 "$UP_BYTES" "$DOWN_BYTES"
    sleep 1
    ip netns exec $NS-client timeout 600 $PY "$HERE/tcpmove.py" send 10.53.0.1 9000 "$UP_BYTES" \
        >>"$W/$run.log" 2>&1 || log "$run: transfer failed or timed out"
    sleep 2
}

iodine_idle() { # query type, seconds
    bg $NS-server iodined -f -c -P dhsecret 10.53.0.1/24 "$ZONE"
    sleep 1
    start_capture "$run"
    bg $NS-client iodine -f -r -P dhsecret -T "$1" 10.99.1.1 "$ZONE"
    wait_tunnel 60
    log "$run: tunnel up, idle for $2 s"
    sleep "$2"
}

dns2tcp_run() { # query type
    # no user/chroot: dns2tcpd 0.5.2 hangs after its chroot when it runs in a
    # network namespace of ours (seen here); it is root in a throw-away namespace
    cat > "$W/dns2tcpd.conf" <<CONF
listen = 10.99.2.2
port = 53
domain = $D2ZONE
resources = sink:127.0.0.1:9001
CONF
    bg $NS-server timeout 600 $PY "$HERE/tcpmove.py" serve 127.0.0.1 9001 "$UP_BYTES" "$DOWN_BYTES"
    bg $NS-server dns2tcpd -F -f "$W/dns2tcpd.conf"
    sleep 1
    start_capture "$run"
    bg $NS-client dns2tcpc -z "$D2ZONE" -r sink -l 2222 -T "$1" 10.99.1.1
    sleep 2
    ip netns exec $NS-client timeout 600 $PY "$HERE/tcpmove.py" send 127.0.0.1 2222 "$UP_BYTES" \
        >>"$W/$run.log" 2>&1 || log "$run: transfer failed or timed out"
    sleep 2
}

benign_run() {
    start_capture "$run"
    srcs=$(seq -f '10.99.1.%g' 10 29)
    # shellcheck disable=SC2086
    ip netns exec $NS-client $PY "$HERE/lookups.py" 10.99.1.1 "$W/names.txt" "$BENIGN_LOOKUPS" $srcs \
        >>"$W/$run.log" 2>&1
    sleep 1
}

# A Cobalt-Strike-style DNS beacon (issue 11): the client 10.99.1.2 checks in
# with an A query of a fresh short hex label under BZONE every BEACON_PERIOD
# s +- BEACON_JITTER; the "team server" is a dnsmasq of the server namespace
# answering every name of the zone with A 0.0.0.0, TTL 1 (Cobalt Strike's
# dns_idle and dns_ttl defaults). The benign hosts make their lookups at the
# same time, so the capture has innocent neighbours.
cs_beacon_run() {
    bg $NS-server dnsmasq -k --no-resolv --no-hosts --listen-address=10.99.2.2 --bind-interfaces \
        --user=root --pid-file= --address=/$BZONE/0.0.0.0 --local-ttl=1 --log-facility=-
    sleep 1
    start_capture "$run"
    srcs=$(seq -f '10.99.1.%g' 10 29)
    # shellcheck disable=SC2086
    bg $NS-client $PY "$HERE/lookups.py" 10.99.1.1 "$W/names.txt" "$BENIGN_LOOKUPS" $srcs
    ip netns exec $NS-client $PY "$HERE/beacon.py" 10.99.1.1 "$BZONE" 10.99.1.2 "$BEACON_PERIOD" \
        "$BEACON_JITTER" "$BEACON_CHECKINS" >>"$W/$run.log" 2>&1
    sleep 1
}

# A relay that lower-cases question names instead of dnsmasq (iodine-null-fold):
# iodine then finds that case is not kept and uses Base32 upstream.
start_fold_relay() {
    bg $NS-resolver $PY "$HERE/foldrelay.py" 10.99.1.1 10.99.2.2
}

one_run() {
    setup_net
    if [ "$run" = iodine-null-fold ]; then start_fold_relay; else start_resolver; fi
    sleep 1
    t0=$(date +%s)
    case $run in
        iodine-null) iodine_run "$ZONE" -T NULL ;;
        iodine-txt-base32) iodine_run "$ZONE" -T TXT -O base32 ;;
        iodine-txt-base64) iodine_run "$ZONE" -T TXT -O base64 ;;
        iodine-txt-base128) iodine_run "$ZONE" -T TXT -O base128 ;;
        iodine-srv) iodine_run "$ZONE" -T SRV ;;
        iodine-cname) iodine_run "$ZONE" -T CNAME -O base32 ;;
        iodine-null-lan) iodine_run "$LANZONE" -T NULL ;;
        iodine-null-fold) iodine_run "$ZONE" -T NULL ;;
        iodine-idle) iodine_idle NULL "$IDLE_SECONDS" ;;
        iodine-idle-srv) iodine_idle SRV "$IDLE_SRV_SECONDS" ;;
        dns2tcp-txt) dns2tcp_run TXT ;;
        dns2tcp-key) dns2tcp_run KEY ;;
        benign) benign_run ;;
        cs-beacon) cs_beacon_run ;;
        *) log "unknown run $run"; return 1 ;;
    esac
    stop_pids
    cleanup_ns_only
    cp "$W/$run.log" "$OUT/$run.log"
    log "$run: $(($(date +%s) - t0)) s, $(stat -c %s "$OUT/$run.pcap") bytes; $(grep -hE '^(send|serve|lookups|beacon):' "$OUT/$run.log" | tr '\n' ' ')"
}

make_hosts
for run in $RUNS; do
    one_run || log "$run: failed (see $OUT/$run.log)"
done
