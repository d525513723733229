#!/usr/bin/env python3
"""build-dga-model.py - build rules/dga-model.txt, the benign lexical model of
the dga detector (src/detectors/dga.c).

The dga detector asks of every registered label (the registered domain
without its public suffix: "wikipedia" for wikipedia.org, "bbc" for
bbc.co.uk) how well it fits the names people really use. That needs two
derived statistics, which this script computes and writes as one text file:

  * character trigram counts over the registered labels of a top-domains
    list (Tranco-style, `rank,domain` CSV). The C side turns them into
    add-k smoothed log-probabilities P(c | two previous characters), so a
    label's mean log-likelihood per character says how "domain-like" its
    letter sequences are. Digits are folded into one class '0' (the C side
    spreads the class probability over the ten digits).
  * an English word list for dictionary awareness (wordlist DGAs such as
    Suppobox, Matsnu, Gozi or Nymaim2 concatenate dictionary words, which
    look benign letter by letter). Words come from /usr/share/dict/words
    (Debian's wamerican, SCOWL) when installed: lowercase ASCII words of 3 to
    12 letters, reduced to stems (a word that is a listed word plus one of
    the suffixes written in the model is left out; the C side re-attaches
    those suffixes), written front-coded to keep the file small.

Only derived statistics are written, never the list itself. Standard library
only; deterministic (same inputs, same bytes). See rules/SOURCES-dga-model.md.

  python3 bench/build-dga-model.py \
      --top /work/shared/corpus/lists/top-domains/tranco-style-top50526-kmikholap-dns-gen-2025-02.csv \
      --psl /usr/share/publicsuffix/public_suffix_list.dat \
      --words /usr/share/dict/words -o rules/dga-model.txt
"""
import argparse
import csv
import os
import re
import sys
from collections import Counter

DEFAULT_TOP = ("/work/shared/corpus/lists/top-domains/"
               "tranco-style-top50526-kmikholap-dns-gen-2025-02.csv")
DEFAULT_PSL = "/usr/share/publicsuffix/public_suffix_list.dat"
DEFAULT_WORDS = "/usr/share/dict/words"
SUFFIXES = ["s", "es", "ed", "d", "ing", "er", "ers", "ly"]
LABEL_RE = re.compile(r"^[a-z0-9-]+$")
WORD_RE = re.compile(r"^[a-z]+$")


def load_psl(path):
    """Public Suffix List rules: (exact, wildcard, exception) sets."""
    exact, wild, exc = set(), set(), set()
    if not path or not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        for line in f:
            rule = line.strip().split(" ")[0]
            if not rule or rule.startswith("//"):
                continue
            if not rule.isascii():
                try:
                    rule = rule.encode("idna").decode("ascii")
                except UnicodeError:
                    continue  # not representable; such suffixes cannot match ASCII labels
            if rule.startswith("!"):
                exc.add(rule[1:])
            elif rule.startswith("*."):
                wild.add(rule[2:])
            else:
                exact.add(rule)
    return exact, wild, exc


def suffix_len(labels, psl):
    """Number of labels of the public suffix of labels (PSL algorithm, with
    the implicit '*' rule)."""
    exact, wild, exc = psl
    best = 1
    for i in range(len(labels)):
        cand = ".".join(labels[i:])
        n = len(labels) - i
        if cand in exc:
            return n - 1
        if cand in exact and n > best:
            best = n
        if i + 1 < len(labels) and ".".join(labels[i + 1:]) in wild and n > best:
            best = n
    return best


def registered_label(domain, psl):
    """The label left of the public suffix, or None."""
    labels = domain.strip().strip(".").lower().split(".")
    if len(labels) < 2:
        return None
    n = suffix_len(labels, psl) if psl else 1
    if n >= len(labels):
        return None
    return labels[len(labels) - n - 1]


def read_labels(path, psl):
    seen = set()
    out = []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.reader(f):
            if len(row) < 2 or not row[0].strip().isdigit():
                continue
            label = registered_label(row[1], psl)
            if not label or label.startswith("xn--") or not LABEL_RE.match(label):
                continue
            if label not in seen:
                seen.add(label)
                out.append(label)
    return out


def fold(c):
    return "0" if c.isdigit() else c


def trigram_counts(labels):
    counts = Counter()
    for label in labels:
        s = "^^" + "".join(fold(c) for c in label) + "$"
        for i in range(2, len(s)):
            counts[s[i - 2:i + 1]] += 1
    return counts


def stems(path):
    if not path or not os.path.exists(path):
        return []
    with open(path, encoding="utf-8", errors="replace") as f:
        words = {w.strip() for w in f}
    words = {w for w in words if WORD_RE.match(w) and 3 <= len(w) <= 12}

    def derived(w):
        for s in SUFFIXES:
            if w.endswith(s) and len(w) - len(s) >= 3 and w[:-len(s)] in words:
                return True
        return False

    return sorted(w for w in words if not derived(w))


def front_code(words):
    """Each line: number of leading characters shared with the previous
    word, then the rest ("3ing" after "abs" is "absing")."""
    prev, out = "", []
    for w in words:
        k = 0
        while k < min(len(prev), len(w)) and prev[k] == w[k]:
            k += 1
        out.append("%d%s" % (k, w[k:]))
        prev = w
    return out


HEADER = """\
# dga-model.txt - benign lexical model of the dga detector (T1568.002).
# Built by bench/build-dga-model.py; provenance in SOURCES-dga-model.md.
# Derived statistics only: no domain list is stored here.
#
# Format (text, '#' starts a comment line, fields separated by one space):
#   dnshound-dga-model 1      magic and format version (first line that is not a comment)
#   labels N                  registered labels the trigrams were counted over
#   smoothing K               add-K smoothing: P(c|ab) = (n(abc)+K) / (n(ab.)+K*29)
#   trigrams N                then N lines "abc COUNT": how often character c
#                             followed ab in a registered label. Alphabet:
#                             a-z, '-', '0' (any digit), '^' (before the
#                             label, so "^^x" is a first letter), '$' (end).
#                             The 29 outcomes are a-z, '-', '0' and '$'; a
#                             digit's probability is the '0' class's / 10.
#   suffixes S1 S2 ...        endings the detector re-attaches to a word
#   words N                   then N lines, sorted English stems (3..12
#                             letters) front-coded: "3ing" after "abs" is
#                             "absing" (digits = characters shared with the
#                             previous word, then the rest).
#   end
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--top", default=DEFAULT_TOP, help="rank,domain CSV")
    ap.add_argument("--psl", default=DEFAULT_PSL, help="public_suffix_list.dat")
    ap.add_argument("--words", default=DEFAULT_WORDS, help="word list (one per line)")
    ap.add_argument("--smoothing", type=float, default=0.5)
    ap.add_argument("-o", "--output", default="-")
    a = ap.parse_args()

    psl = load_psl(a.psl)
    if psl is None:
        print("warning: no Public Suffix List; using the last label as suffix",
              file=sys.stderr)
    labels = read_labels(a.top, psl)
    tri = trigram_counts(labels)
    words = stems(a.words)
    if not words:
        print("warning: no word list; wordlike names will not be recognised",
              file=sys.stderr)

    lines = [HEADER.rstrip("\n"), "dnshound-dga-model 1", "labels %d" % len(labels),
             "smoothing %g" % a.smoothing, "trigrams %d" % len(tri)]
    lines += ["%s %d" % (k, tri[k]) for k in sorted(tri)]
    lines.append("suffixes " + " ".join(SUFFIXES))
    lines.append("words %d" % len(words))
    lines += front_code(words)
    lines.append("end")
    text = "\n".join(lines) + "\n"
    if a.output == "-":
        sys.stdout.write(text)
    else:
        with open(a.output, "w", encoding="ascii", newline="\n") as f:
            f.write(text)
    print("%d labels, %d trigrams, %d words, %d bytes" %
          (len(labels), len(tri), len(words), len(text)), file=sys.stderr)


if __name__ == "__main__":
    main()
