#!/bin/sh
# Build a large DoH/DoT resolver hostname list from the public lists in the
# shared corpus, for LOCAL use with the doh_evasion detector, or check the
# shipped hand-curated rules/doh-resolvers.txt against them.
#
#   sh bench/build-doh-list.sh [CORPUS_DIR] > /etc/dnshound/doh-resolvers-full.txt
#   sh bench/build-doh-list.sh --check [CORPUS_DIR]
#
# Sources: dibdot/DoH-IP-blocklists doh-domains_overall.txt (GPL-3.0) and the
# DoH hostnames inside the sdns:// stamps of DNSCrypt/dnscrypt-resolvers v3
# public-resolvers.md and odoh-servers.md (no licence stated). The output is
# therefore a GPL-3.0 derivative: it is NOT shipped in rules/ (dnshound is
# BSD-3-Clause; see rules/SOURCES-doh-resolvers.md). Point the rule at it with
#   thresholds: {resolver_list: /etc/dnshound/doh-resolvers-full.txt}
# The build is deterministic (sorted, LC_ALL=C); needs python3 (stdlib only).
set -eu
CHECK=0
if [ "${1:-}" = "--check" ]; then CHECK=1; shift; fi
C=${1:-../shared/corpus}
D=$C/lists/doh
export LC_ALL=C

hosts() {
    tr -d '\r' < "$D/dibdot-doh-domains_overall.txt" | sed 's/#.*//; s/[[:space:]]//g'
    echo
    python3 - "$D/dnscrypt-resolvers-v3-public-resolvers.md" \
        "$D/dnscrypt-resolvers-v3-odoh-servers.md" <<'PY'
import base64, re, sys
# DoH stamp (0x02): props u64 | LP addr | VLP hashes | LP hostname[:port] | LP path
for fn in sys.argv[1:]:
    for s in re.findall(r'sdns://([A-Za-z0-9_-]+)', open(fn, encoding='utf-8').read()):
        b = base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))
        if not b or b[0] != 2:
            continue
        i = 9 + 1 + b[9]
        while True:
            n = b[i]; i += 1 + (n & 0x7f)
            if not n & 0x80:
                break
        host = b[i + 1:i + 1 + b[i]].decode('ascii', 'replace')
        print(host.rsplit(':', 1)[0] if host.count(':') == 1 else host)
PY
}

# lowercase names only: no IP literals, no empty lines
names() {
    hosts | tr 'A-Z' 'a-z' | sed 's/\.$//' | grep -E '^[a-z0-9_-]+(\.[a-z0-9_-]+)+$' |
        grep -vE '^[0-9.]+$' | sort -u
}

if [ $CHECK = 1 ]; then
    names > /tmp/dh-doh-src.$$
    bad=0
    for e in $(sed 's/#.*//' rules/doh-resolvers.txt | tr -d ' \t\r' | grep .); do
        if ! grep -qE "(^|\.)$(printf '%s' "$e" | sed 's/\./\\./g')\$" /tmp/dh-doh-src.$$; then
            echo "not in the public lists: $e"; bad=1
        fi
    done
    rm -f /tmp/dh-doh-src.$$
    [ $bad = 0 ] && echo "every entry of rules/doh-resolvers.txt is confirmed by the public lists"
    exit $bad
fi

cat <<'HDR'
# doh-resolvers-full.txt - public DoH/DoT resolver hostnames, for the
# doh_evasion detector (thresholds.resolver_list). LOCAL USE ONLY.
# Built by dnshound bench/build-doh-list.sh from:
#   dibdot/DoH-IP-blocklists doh-domains_overall.txt, commit
#   1089851d4c04703d7320a44074130ecc6d2647c5 - GPL-3.0
#   DNSCrypt/dnscrypt-resolvers v3 public-resolvers.md + odoh-servers.md
#   (DoH hostnames decoded from sdns:// stamps), commit
#   24795a1917845084794eb23f851703df42c8197e - no licence stated
# This file is a derivative of a GPL-3.0 list and is distributed, if at all,
# under GPL-3.0. It is not part of dnshound's BSD-3-Clause distribution.
HDR
names
