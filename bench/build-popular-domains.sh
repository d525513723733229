#!/bin/sh
# Rebuild rules/popular-domains.txt: the first 10,000 registered domains of
# the Tranco-style top list in the shared corpus, minus dynamic-DNS and
# free-subdomain providers (maltrail's dynamic_domain list plus a few
# tunnel/hosting services), whose subdomains anyone can own.
#   sh bench/build-popular-domains.sh [CORPUS_DIR]
set -eu
C=${1:-../shared/corpus}
TOP=$C/lists/top-domains/tranco-style-top50526-kmikholap-dns-gen-2025-02.csv
DYN=$C/lists/dyndns/maltrail-dynamic_domain.txt
OUT=rules/popular-domains.txt
{
cat <<'HDR'
# popular-domains.txt - popular registered domains (one per line), read by
# rules/noise.yaml (popular_domains): a registered domain on this list counts
# as common, whatever the local number of clients querying it.
# Built by bench/build-popular-domains.sh from the first 10,000 rows of a
# Tranco-style top list (kmikholap/dns-gen top-1m.csv, commit
# e0f1c715c9da68c282314598e1a725a30f852ef8, February 2025), minus dynamic-DNS
# and free-subdomain providers (stamparm/maltrail dynamic_domain.txt, MIT).
# Tranco: V. Le Pochat et al., "Tranco: A Research-Oriented Top Sites Ranking
# Hardened Against Manipulation", NDSS 2019, https://tranco-list.eu/.
HDR
head -n 10000 "$TOP" | cut -d, -f2 | tr -d '\r' | grep -v -x -F -f \
    "$( { grep -v '^#' "$DYN" | sed 's/^\.//; s/[[:space:]].*//' | grep .;
          printf '%s\n' ngrok.io ngrok.app ngrok-free.app workers.dev pages.dev herokuapp.com \
            github.io netlify.app vercel.app glitch.me repl.co 000webhostapp.com \
            blogspot.com azurewebsites.net trycloudflare.com serveo.net localtunnel.me; } \
        > /tmp/dh-popular-exclude.$$ && echo /tmp/dh-popular-exclude.$$)"
} > "$OUT"
rm -f /tmp/dh-popular-exclude.*
echo "$OUT: $(grep -vc '^#' "$OUT") domains"
