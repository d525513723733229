#!/usr/bin/env python3
"""eval-dga-model.py - how often the lexical "random-looking" signal fires on
benign names and on DGA names, for rules/dga-model.txt and the thresholds of
rules/dga.yaml (or new_domain.yaml's lexical_* ones).

Scores each registered label as src/lexical-model.c does (the same trigram
tables, smoothing, best fit over the alternatives, short-label allowance and
dictionary split; tests/unit/test-lexical-multilingual.c checks the C side on
the shipped samples) and prints the share classed "random":

  * benign, held out: domain lists (one per line, '#' comments), e.g.
    tests/data/dga/multilingual-heldout.txt, written by build-dga-model.py
    from labels it kept out of training;
  * benign, other source (--citizenlab GITDIR): the Citizen Lab test lists
    (github.com/citizenlab/test-lists) of the chosen countries, registered
    domains under the country's own TLD whose label is not in the top list
    (so never trained on). Only read, never shipped (CC BY-NC-SA 4.0);
  * DGA (--dga-repo GITDIR): example outputs of the reimplemented DGAs of
    github.com/baderj/domain_generation_algorithms, at most 300 distinct
    labels per family; the mean over families with 20 or more labels weights
    each family once.

  python3 bench/eval-dga-model.py --heldout tests/data/dga/multilingual-heldout.txt \\
      --citizenlab /path/citizenlab-test-lists.git --dga-repo /path/domain_generation_algorithms.git
"""
import argparse
import csv
import importlib.util
import math
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("build", os.path.join(HERE, "build-dga-model.py"))
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

NSYM, EDGE, DIGIT = 29, 28, 27
CL_COUNTRIES = "pk sa eg ae ir pl tr id my vn bd th"


def sym(c):
    if "a" <= c <= "z":
        return ord(c) - 97
    if c == "-":
        return 26
    if c.isdigit():
        return DIGIT
    return -1


def table(lines, i):
    """Counts of the "trigrams N" block at lines[i]; (counts, next index)."""
    n = int(lines[i].split()[1])
    cnt = [[[0.0] * NSYM for _ in range(NSYM)] for _ in range(NSYM)]
    for t, v in (l.split(" ") for l in lines[i + 1:i + 1 + n]):
        a = EDGE if t[0] == "^" else sym(t[0])
        b = EDGE if t[1] == "^" else sym(t[1])
        c = EDGE if t[2] == "$" else sym(t[2])
        cnt[a][b][c] += float(v)
    return cnt, i + 1 + n


def smoothed(cnt, prior_k=None, base=None):
    """P(c|ab): add-k (prior_k a number), or towards base with prior pseudo-counts."""
    prob = [[[0.0] * NSYM for _ in range(NSYM)] for _ in range(NSYM)]
    for a in range(NSYM):
        for b in range(NSYM):
            tot = sum(cnt[a][b])
            for c in range(NSYM):
                if base is None:
                    prob[a][b][c] = (cnt[a][b][c] + prior_k) / (tot + prior_k * NSYM)
                else:
                    prob[a][b][c] = (cnt[a][b][c] + prior_k * base[a][b][c]) / (tot + prior_k)
    return prob


def logs(prob):
    return [[[math.log2(prob[a][b][c]) - (math.log2(10) if c == DIGIT else 0)
              for c in range(NSYM)] for b in range(NSYM)] for a in range(NSYM)]


class Model:
    def __init__(self, path):
        lines = [l.rstrip("\n") for l in open(path, encoding="ascii")
                 if l.strip() and not l.startswith("#")]
        k = float(lines[2].split()[1])
        cnt, i = table(lines, 3)
        base = smoothed(cnt, k)
        self.lp, self.names = [logs(base)], ["popular"]
        if lines[0].endswith(" 2"):
            n_alt = int(lines[i].split()[1])
            i += 1
            for _ in range(n_alt):
                f = lines[i].split()
                cnt, i = table(lines, i + 1)
                self.lp.append(logs(smoothed(cnt, float(f[5]), base)))
                self.names.append(f[1])
        self.suffixes = lines[i].split()[1:]
        n_words, i = int(lines[i + 1].split()[1]), i + 2
        self.words, prev = set(), ""
        for l in lines[i:i + n_words]:
            m = re.match(r"(\d+)(.*)", l)
            prev = prev[:int(m.group(1))] + m.group(2)
            self.words.add(prev)

    def nll(self, s):
        best = None
        for lp in self.lp:
            a = b = EDGE
            tot = 0.0
            for ch in s:
                c = sym(ch)
                if c < 0:
                    return -1
                tot -= lp[a][b][c]
                a, b = b, c
            tot -= lp[a][b][EDGE]
            v = tot / (len(s) + 1)
            best = v if best is None or v < best else best
        return best

    def split(self, p, s):
        n = len(s)
        cov, nw = [-1] * (n + 1), [0] * (n + 1)
        cov[0] = 0

        def relax(to, c, w):
            if c > cov[to] or (c == cov[to] and w < nw[to]):
                cov[to], nw[to] = c, w
        for i in range(n):
            if cov[i] < 0:
                continue
            relax(i + 1, cov[i] + (s[i] == "-"), nw[i])
            for ln in range(p["word_min_len"], min(12, n - i) + 1):
                if s[i:i + ln] in self.words:
                    relax(i + ln, cov[i] + ln, nw[i] + 1)
                    for suf in self.suffixes:
                        if s[i + ln:i + ln + len(suf)] == suf:
                            relax(i + ln + len(suf), cov[i] + ln + len(suf), nw[i] + 1)
        return nw[n], cov[n]

    def classify(self, p, s):
        if not s or len(s) > 63 or s.startswith("xn--"):
            return "unjudged"
        v = self.nll(s)
        if v < 0:
            return "unjudged"
        score = v - p["short_label_penalty"] * max(0, p["full_length"] - len(s))
        rnd = len(s) >= p["min_label_len"] and score >= p["random_score"]
        w, c = self.split(p, s)
        if w >= p["min_words"] and c >= p["word_cover"] * len(s):
            return "wordlike"
        return "random" if rnd else "other"


def thresholds(rule):
    """The lexical thresholds of dga.yaml, or new_domain.yaml's lexical_* ones."""
    keys = {"random_score": "lexical_random_score", "short_label_penalty":
            "lexical_short_label_penalty", "full_length": "lexical_full_length",
            "min_label_len": "lexical_min_length", "word_min_len": "lexical_word_min_length",
            "min_words": "lexical_min_words", "word_cover": "lexical_word_cover"}
    vals = dict(re.findall(r"^  ([a-z_]+): *([0-9.]+)", open(rule).read(), re.M))
    p = {}
    for k, alt in keys.items():
        v = vals.get(k, vals.get(alt))
        p[k] = float(v) if "." in v else int(v)
    return p


def domains(path):
    return [l.strip() for l in open(path) if l.strip() and not l.startswith("#")]


def git_show(repo, path):
    """A file of the repository's HEAD ("" when the snapshot lacks it)."""
    r = subprocess.run(["git", "--git-dir", repo, "show", "HEAD:" + path],
                       capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else ""


def rate(m, p, labels):
    labels = sorted(set(labels))
    hits = [l for l in labels if m.classify(p, l) == "random"]
    return len(hits), len(labels), hits


# maltrail trail files of DGA-driven families (observed and sinkholed names;
# some hand-picked C2 names are mixed in, as in any real feed)
MALTRAIL_FAMILIES = ("bamital conficker cryptolocker dircrypt fobber locky matsnu mydoom necurs "
                     "nymaim qakbot ramnit shiotob simda tinba vawtrak").split()


def dga_families(kind, repo, psl):
    """family -> {registered label: registered domain}, at most 300 each,
    first seen first."""
    if kind == "baderj":
        files = subprocess.run(["git", "--git-dir", repo, "ls-tree", "-r", "--name-only", "HEAD"],
                               capture_output=True, text=True, check=True).stdout.split()
        files = [f for f in files if f.endswith(".txt") and "words" not in f and "buggy" not in f]
    else:
        files = ["trails/static/malware/%s.txt" % f for f in MALTRAIL_FAMILIES]
    fams = {}
    for f in files:
        name = f.split("/")[0] if kind == "baderj" else f.rsplit("/", 1)[1][:-4]
        fam = fams.setdefault(name, {})
        for line in git_show(repo, f).splitlines():
            if line.startswith("#"):
                continue
            for tok in re.findall(r"(?<![/\w.-])[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,}(?![/\w-])", line):
                tok = tok.lower()
                lab = build.registered_label(tok, psl)
                if (lab and build.LABEL_RE.match(lab) and lab not in fam and len(fam) < 300
                        and not tok.endswith(".onion")):
                    fam[lab] = tok[tok.rfind(lab + "."):]
    return fams


def write_sample(a, fams):
    head = git_show_head(a.maltrail)
    kept = {}
    for fam, v in sorted(fams.items()):
        names, k = list(v.values()), a.sample_per_family
        if len(names) >= 20:  # evenly spaced: a feed's first lines are often hand-added C2 names
            kept[fam] = [names[i * len(names) // k] for i in range(min(k, len(names)))]
    with open(a.write_dga_sample, "w", encoding="ascii", newline="\n") as f:
        f.write("# DGA names seen in the wild: %d distinct registered domains, evenly spaced over\n"
                "# the first 300 (URLs, addresses and .onion left out) of maltrail's trail files\n"
                "# trails/static/malware/FAMILY.txt, github.com/stamparm/maltrail commit\n"
                "# %s (MIT licence, Copyright (c) 2014-2026 Maltrail\n"
                "# developers), written by bench/eval-dga-model.py --maltrail ... --write-dga-sample.\n"
                "# %d families, %d names. Feeds mix in a few non-generated C2 names, and matsnu\n"
                "# is a wordlist DGA (wordlike, not random): the test bounds the share over all.\n"
                % (a.sample_per_family, head, len(kept), sum(len(v) for v in kept.values())))
        for fam, names in kept.items():
            f.write("# %s\n" % fam + "\n".join(names) + "\n")


def git_show_head(repo):
    return subprocess.run(["git", "--git-dir", repo, "rev-parse", "HEAD"], capture_output=True,
                          text=True).stdout.strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=os.path.join(HERE, "..", "rules", "dga-model.txt"))
    ap.add_argument("--rule", default=os.path.join(HERE, "..", "rules", "dga.yaml"))
    ap.add_argument("--heldout", action="append", default=[])
    ap.add_argument("--citizenlab", help="git directory of citizenlab/test-lists")
    ap.add_argument("--countries", default=CL_COUNTRIES)
    ap.add_argument("--dga-repo", help="git directory of baderj/domain_generation_algorithms")
    ap.add_argument("--top", default=build.DEFAULT_TOP)
    ap.add_argument("--psl", default=build.DEFAULT_PSL)
    ap.add_argument("--top-heldout", type=int, default=0, metavar="N",
                    help="also score every label of --top that build-dga-model.py --holdout N kept out")
    ap.add_argument("--maltrail", help="git directory of stamparm/maltrail (DGA trail files)")
    ap.add_argument("--write-dga-sample", metavar="FILE",
                    help="write --sample-per-family names of each maltrail family")
    ap.add_argument("--sample-per-family", type=int, default=30)
    ap.add_argument("-v", "--verbose", action="store_true", help="name the hits")
    a = ap.parse_args()
    m, p = Model(a.model), thresholds(a.rule)
    psl = build.load_psl(a.psl)
    print("model %s (%d models), %s: %s" % (a.model, len(m.lp), os.path.basename(a.rule), p))
    for path in a.heldout:
        k, n, hits = rate(m, p, [build.registered_label(d, psl) for d in domains(path)])
        print("held-out %-40s random %4d / %4d = %5.1f %%" % (os.path.basename(path), k, n, 100 * k / n))
        if a.verbose:
            print("   ", " ".join(hits))
    if a.top_heldout:
        labels = [r[1] for r in build.read_labels(a.top, psl) if build.held_out(r[1], a.top_heldout)]
        k, n, _ = rate(m, p, labels)
        print("held-out top list, all TLDs           random %4d / %4d = %5.2f %%" % (k, n, 100 * k / n))
    if a.citizenlab:
        top = {r[1] for r in build.read_labels(a.top, psl)}
        tk = tn = 0
        for cc in a.countries.split():
            labels = []
            for row in csv.reader(git_show(a.citizenlab, "lists/%s.csv" % cc).splitlines()[1:]):
                host = re.match(r"https?://([^/:]+)", row[0] if row else "")
                if host and host.group(1).lower().rstrip(".").endswith("." + cc):
                    lab = build.registered_label(host.group(1), psl)
                    if lab and lab not in top and build.LABEL_RE.match(lab):
                        labels.append(lab)
            k, n, hits = rate(m, p, labels)
            tk, tn = tk + k, tn + n
            print("citizenlab %-3s random %4d / %4d = %5.1f %%  %s" %
                  (cc, k, n, 100 * k / max(n, 1), " ".join(hits[:8]) if a.verbose else ""))
        print("citizenlab all random %4d / %4d = %5.1f %%" % (tk, tn, 100 * tk / max(tn, 1)))
    for kind, repo in (("baderj", a.dga_repo), ("maltrail", a.maltrail)):
        if not repo:
            continue
        fams = dga_families(kind, repo, psl)
        if kind == "maltrail" and a.write_dga_sample:
            write_sample(a, fams)
        rates = []
        for fam, labels in sorted(fams.items()):
            if len(labels) < 20:
                continue
            k, n, _ = rate(m, p, labels)
            rates.append(k / n)
            print("dga %s %-24s random %4d / %4d = %5.1f %%" % (kind, fam, k, n, 100 * k / n))
        print("dga %s mean over %d families: %.1f %%" % (kind, len(rates), 100 * sum(rates) / len(rates)))

if __name__ == "__main__":
    main()
