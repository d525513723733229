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
  * alternative models, one per group of languages whose names the
    popular-domain model (mostly English, .com) misjudges as random:
    transliterated Polish/Czech, Russian, Turkish, Malay/Indonesian,
    Vietnamese, Arabic/Persian/Urdu. Each counts trigrams over the registered
    labels of the list under that group's country-code TLDs plus, where a
    Debian dictionary of the language is installed, pseudo-labels of one to
    four of its words folded to ASCII (diacritics dropped: "łódź" -> "lodz",
    Vietnamese syllables "bảo hiểm" -> "baohiem"). The C side smooths an
    alternative towards the popular-domain model (prior pseudo-counts), and
    judges a label by the model it fits best.
  * an English word list for dictionary awareness (wordlist DGAs such as
    Suppobox, Matsnu, Gozi or Nymaim2 concatenate dictionary words, which
    look benign letter by letter). Words come from /usr/share/dict/words
    (Debian's wamerican, SCOWL) when installed: lowercase ASCII words of 3 to
    12 letters, reduced to stems (a word that is a listed word plus one of
    the suffixes written in the model is left out; the C side re-attaches
    those suffixes), written front-coded to keep the file small.

Held out: a label whose sha256's first byte is divisible by --holdout (5:
one label in five) is left out of every count, so that the held-out labels
under the multilingual TLDs (--heldout-out, tests/data/dga/multilingual-
heldout.txt) are names the model never saw.

Only derived statistics are written, never the list itself. Standard library
only; deterministic (same inputs, same bytes). See rules/SOURCES-dga-model.md.

  python3 bench/build-dga-model.py \
      --top /work/shared/corpus/lists/top-domains/tranco-style-top50526-kmikholap-dns-gen-2025-02.csv \
      --psl /usr/share/publicsuffix/public_suffix_list.dat \
      --words /usr/share/dict/american-english \
      --heldout-out tests/data/dga/multilingual-heldout.txt -o rules/dga-model.txt
"""
import argparse
import csv
import hashlib
import os
import re
import sys
import unicodedata
from collections import Counter

DEFAULT_TOP = ("/work/shared/corpus/lists/top-domains/"
               "tranco-style-top50526-kmikholap-dns-gen-2025-02.csv")
DEFAULT_PSL = "/usr/share/publicsuffix/public_suffix_list.dat"
DEFAULT_WORDS = "/usr/share/dict/american-english"  # not .../words: another
# installed dictionary (wpolish) may take over that alternatives link
SUFFIXES = ["s", "es", "ed", "d", "ing", "er", "ers", "ly"]
LABEL_RE = re.compile(r"^[a-z0-9-]+$")
WORD_RE = re.compile(r"^[a-z]+$")

# Alternative models: name, country-code TLDs whose registered labels train
# it, the dictionary (--dict key) whose words add pseudo-labels, and how many
# words such a pseudo-label joins (cycled: Vietnamese names join syllables).
ALTERNATIVES = [
    ("slavic-latin", "pl cz sk hr si rs ba me mk bg", "pl", (1, 2)),
    ("russian", "ru ua by kz su", None, ()),
    ("turkish", "tr az uz kg tm", "tr", (1, 2)),
    ("malay-indonesian", "id my bn", "id", (1, 2)),
    ("vietnamese", "vn", "vi", (2, 3, 4)),
    ("arabic-persian-urdu",
     "pk sa eg ae ir iq jo kw qa om bh dz ma tn ly lb sy ps ye sd af bd", None, ()),
]
DEFAULT_DICTS = {
    "pl": "/usr/share/dict/polish",             # Debian wpolish
    "tr": "/usr/share/hunspell/tr_TR.dic",      # Debian hunspell-tr
    "id": "/usr/share/hunspell/id_ID.dic",      # Debian hunspell-id
    "vi": "/usr/share/hunspell/vi_VN.dic",      # Debian hunspell-vi
}
# The held-out evaluation TLDs (the countries and their neighbours).
HELDOUT_TLDS = "pk sa eg ae ir pl tr id my vn bd th"
FOLD = str.maketrans({"ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ı": "i", "ß": "ss",
                      "ø": "o", "æ": "ae"})


def held_out(label, mod):
    """One label in `mod` (by its sha256) is kept out of training."""
    return mod > 0 and hashlib.sha256(label.encode()).digest()[0] % mod == 0


def ascii_fold(word):
    """Lowercase ASCII letters of a dictionary word (diacritics dropped), or
    None when something else is left."""
    w = unicodedata.normalize("NFD", word.translate(FOLD).lower())
    w = "".join(c for c in w if not unicodedata.combining(c))
    return w if WORD_RE.match(w) else None


def dictionary_words(path):
    """Folded words of 2..12 letters of a word list or a hunspell .dic
    (first line a count, then "word/FLAGS"); proper nouns skipped."""
    out = set()
    hunspell = path.endswith(".dic")
    with open(path, encoding="utf-8", errors="replace") as f:
        for i, line in enumerate(f):
            w = line.strip().split("/")[0].split("\t")[0]
            if (hunspell and i == 0) or not w or w[0].isupper():
                continue
            w = ascii_fold(w)
            if w and 2 <= len(w) <= 12:
                out.add(w)
    return sorted(out)


def pseudo_labels(words, n, parts):
    """n labels (at most 20 letters) joining consecutive words of a
    deterministic shuffle, parts[i % len(parts)] words each."""
    words = sorted(words, key=lambda w: hashlib.sha256(w.encode()).digest())
    out, i = [], 0
    while len(out) < n:
        k = parts[len(out) % len(parts)]
        label = "".join(words[(i + j) % len(words)] for j in range(k))
        i += k
        if len(label) <= 20:
            out.append(label)
    return out


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
    """(domain, registered label, top-level label) in list order, first
    occurrence of each label."""
    seen = set()
    out = []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.reader(f):
            if len(row) < 2 or not row[0].strip().isdigit():
                continue
            domain = row[1].strip().strip(".").lower()
            label = registered_label(domain, psl)
            if not label or label.startswith("xn--") or not LABEL_RE.match(label):
                continue
            if label not in seen:
                seen.add(label)
                out.append((domain, label, domain.rsplit(".", 1)[-1]))
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
#   dnshound-dga-model 2      version 2: alternative models follow the trigrams
#   trigrams N                then N lines "abc COUNT": how often character c
#                             followed ab in a registered label. Alphabet:
#                             a-z, '-', '0' (any digit), '^' (before the
#                             label, so "^^x" is a first letter), '$' (end).
#                             The 29 outcomes are a-z, '-', '0' and '$'; a
#                             digit's probability is the '0' class's / 10.
#   alternatives M            then M models of other languages' names, each
#   alternative NAME labels N prior P   (N labels and pseudo-labels counted)
#   trigrams N                and its trigram lines, smoothed towards the
#                             first model: P(c|ab) = (n(abc) + P*Pfirst(c|ab))
#                             / (n(ab.) + P). A label's score is its best fit.
#   suffixes S1 S2 ...        endings the detector re-attaches to a word
#   words N                   then N lines, sorted English stems (3..12
#                             letters) front-coded: "3ing" after "abs" is
#                             "absing" (digits = characters shared with the
#                             previous word, then the rest).
#   end
"""


def write_heldout(a, rows):
    tlds = a.heldout_tlds.split()
    held = [r[0] for r in rows if held_out(r[1], a.holdout) and r[2] in tlds]
    with open(a.heldout_out, "w", encoding="ascii", newline="\n") as f:
        f.write("# Held-out popular domains under %s: every registered domain of\n"
                "# %s whose registered label's sha256 starts with a byte divisible\n"
                "# by %d (bench/build-dga-model.py --holdout %d). None of these labels was\n"
                "# counted in rules/dga-model.txt. %d domains, in list (rank) order.\n"
                % (" ".join(tlds), os.path.basename(a.top), a.holdout, a.holdout, len(held)))
        f.write("\n".join(held) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--top", default=DEFAULT_TOP, help="rank,domain CSV")
    ap.add_argument("--psl", default=DEFAULT_PSL, help="public_suffix_list.dat")
    ap.add_argument("--words", default=DEFAULT_WORDS, help="word list (one per line)")
    ap.add_argument("--smoothing", type=float, default=0.5)
    ap.add_argument("--holdout", type=int, default=5,
                    help="keep one label in N out of training (0: none)")
    ap.add_argument("--heldout-out", help="write the held-out domains under --heldout-tlds here")
    ap.add_argument("--heldout-tlds", default=HELDOUT_TLDS)
    ap.add_argument("--dict", action="append", default=[], metavar="LANG=PATH",
                    help="dictionary of an alternative (pl, tr, id, vi); LANG= drops it")
    ap.add_argument("--alt-prior", type=float, default=30,
                    help="pseudo-counts of the first model in each alternative")
    ap.add_argument("--alt-pseudo", type=int, default=5000,
                    help="pseudo-labels from an alternative's dictionary")
    ap.add_argument("--no-alternatives", action="store_true",
                    help="the popular-domain model alone (format 1, the model before alternatives)")
    ap.add_argument("-o", "--output", default="-")
    a = ap.parse_args()

    psl = load_psl(a.psl)
    if psl is None:
        print("warning: no Public Suffix List; using the last label as suffix",
              file=sys.stderr)
    rows = read_labels(a.top, psl)
    train = [r for r in rows if not held_out(r[1], a.holdout)]
    labels = [r[1] for r in train]
    tri = trigram_counts(labels)
    words = stems(a.words)
    if not words:
        print("warning: no word list; wordlike names will not be recognised",
              file=sys.stderr)
    dicts = dict(DEFAULT_DICTS)
    for d in a.dict:
        lang, _, path = d.partition("=")
        dicts[lang] = path

    alternatives = [] if a.no_alternatives else ALTERNATIVES
    lines = [HEADER.rstrip("\n"), "dnshound-dga-model %d" % (1 if a.no_alternatives else 2),
             "labels %d" % len(labels),
             "smoothing %g" % a.smoothing, "trigrams %d" % len(tri)]
    lines += ["%s %d" % (k, tri[k]) for k in sorted(tri)]
    if alternatives:
        lines.append("alternatives %d" % len(alternatives))
    for name, tlds, lang, parts in alternatives:
        alt = [r[1] for r in train if r[2] in tlds.split()]
        path = dicts.get(lang) if lang else None
        if path and os.path.exists(path):
            alt += pseudo_labels(dictionary_words(path), a.alt_pseudo, parts)
        elif path:
            print("warning: %s missing; %s without a dictionary" % (path, name), file=sys.stderr)
        at = trigram_counts(alt)
        lines.append("alternative %s labels %d prior %g" % (name, len(alt), a.alt_prior))
        lines.append("trigrams %d" % len(at))
        lines += ["%s %d" % (k, at[k]) for k in sorted(at)]
        print("%s: %d labels, %d trigrams" % (name, len(alt), len(at)), file=sys.stderr)
    if a.heldout_out:
        write_heldout(a, rows)
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
