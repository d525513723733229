#!/bin/sh
# Render the pcaps of make-captures.sh into the three log formats and store
# them as test data: every log over 100 kB and every pcap gzip-compressed
# (the data stays small; dnshound reads .gz as it is).
#
#   sh bench/captures/render.sh PCAP_DIR [DEST_DIR]     (default tests/data/captures)
set -eu
SRC=$1
DEST=${2:-tests/data/captures}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$DEST"
for pcap in "$SRC"/*.pcap; do
    name=$(basename "$pcap" .pcap)
    /usr/bin/python3 "$HERE/../pcap2logs.py" "$pcap" "$DEST/$name"
    for f in "$DEST/$name.zeek.log" "$DEST/$name.zeek.json" "$DEST/$name.eve.json"; do
        rm -f "$f.gz"
        [ "$(stat -c %s "$f")" -gt 100000 ] && gzip -n -9 "$f"
    done
    gzip -n -9 -c "$pcap" > "$DEST/$name.pcap.gz"
done
