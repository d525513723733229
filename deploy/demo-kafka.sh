#!/bin/sh
# make demo-kafka: the whole Kafka loop on this machine, no broker needed.
# librdkafka's mock cluster (build/tests/mockbroker) stands in for Kafka;
# kcat produces the demo's Zeek rows and EVE lines into sensor topics;
# dnshound consumes them as a consumer group and publishes detections;
# kcat prints the detections topic.
set -eu
BUILD=${1:-build}
. tests/kafka/lib.sh
MOCKBROKER=$BUILD/tests/mockbroker
W=$(mktemp -d /tmp/dh-demo-kafka.XXXXXX)
KAFKA_ON_EXIT='rm -rf "$W"'
kafka_start --topic zeek-dns:2 --topic suricata-eve:2 --topic dns-detections:2
echo "== mock Kafka cluster at $KAFKA_BOOTSTRAP" >&2
# Zeek rows as its Kafka writer would send them (keyed by client), EVE as Fluent Bit ships it
grep -v '^#' samples/demo-zeek-dns.log | awk -F '\t' '{ print $3 "|" $0 }' > "$W/zeek"
/usr/bin/python3 -c "
import json, sys
for l in open('samples/demo-eve.json'):
    print(json.dumps({'log': l.rstrip(), 'stream': 'stdout'}))" > "$W/eve"
kcat_produce zeek-dns "$W/zeek" "|"
kcat_produce suricata-eve "$W/eve"
echo "== produced $(wc -l < "$W/zeek") Zeek rows and $(wc -l < "$W/eve") EVE records; dnshound consuming" >&2
# shellcheck disable=SC2086
"$BUILD/dnshound" --no-state -b "$KAFKA_BOOTSTRAP" $KAFKA_TEST_PROPS -G dnshound -e \
    -o kafka:dns-detections kafka:zeek-dns,suricata-eve
echo "== kafka:dns-detections (kcat -C):" >&2
kcat_consume dns-detections "$W/det"
cat "$W/det"
