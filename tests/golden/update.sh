#!/bin/sh
# Regenerate the golden normalized-event files from their sources. Run it only
# when an event change is intended, and read the diff before committing: the
# golden files are the reviewed, expected output of `dnshound --emit events`.
#   sh tests/golden/update.sh [build/dnshound]
set -eu
cd "$(dirname "$0")/../.."
DH=${1:-build/dnshound}
for src in $(cat tests/golden/SOURCES); do
    name=$(basename "$src")
    echo "$src" > "tests/golden/$name.source"
    "$DH" -q --emit events -o "tests/golden/$name.events.jsonl" "$src"
done
