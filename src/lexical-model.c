/*
 * lexical-model.c - the benign-name model (see lexical-model.h).
 */
#include "lexical-model.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "util-mem.h"

#define LABEL_MAX DH_LEX_LABEL_MAX
#define MAX_SUFFIXES 16
#define SUFFIX_LEN 8
/* The popular-domain model and its alternatives (other languages' names). */
#define MAX_MODELS 16
#define MODEL_NAME_LEN 32

/* ---- the benign lexical model --------------------------------------- */

/* Symbols: a-z 0..25, '-' 26, any digit 27, '^' (context) / '$' (outcome) 28. */
#define NSYM 29
#define SYM_EDGE 28

typedef float logprob_t[NSYM][NSYM][NSYM]; /* log2 P(c | a b); digits already / 10 */
typedef double counts_t[NSYM][NSYM][NSYM];

struct dh_lexmodel {
    logprob_t *lp;              /* n_models tables: [0] popular domains, then the alternatives */
    size_t n_models;
    char names[MAX_MODELS][MODEL_NAME_LEN];
    char *pool;                 /* words: length byte, then the letters */
    size_t pool_len, pool_cap;
    uint32_t *slots;            /* open addressing: pool offset + 1, 0 empty */
    size_t mask;
    size_t n_words, max_word;
    char suffixes[MAX_SUFFIXES][SUFFIX_LEN];
    size_t n_suffixes;
};

static int sym(unsigned char c)
{
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c == '-')
        return 26;
    if (c >= '0' && c <= '9')
        return 27;
    return -1;
}

static uint32_t word_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static bool word_known(const dh_lexmodel_t *m, const char *s, size_t n)
{
    for (size_t i = word_hash(s, n) & m->mask;; i = (i + 1) & m->mask) {
        uint32_t off = m->slots[i];
        if (!off)
            return false;
        const char *w = m->pool + off - 1;
        if ((unsigned char)w[0] == n && memcmp(w + 1, s, n) == 0)
            return true;
    }
}

static void word_add(dh_lexmodel_t *m, const char *s, size_t n)
{
    if (word_known(m, s, n))
        return;
    if (m->pool_len + n + 1 > m->pool_cap) {
        m->pool_cap = (m->pool_cap + n + 1) * 2;
        m->pool = dh_realloc(m->pool, m->pool_cap);
    }
    size_t i = word_hash(s, n) & m->mask;
    while (m->slots[i])
        i = (i + 1) & m->mask;
    m->slots[i] = (uint32_t)m->pool_len + 1;
    m->pool[m->pool_len] = (char)n;
    memcpy(m->pool + m->pool_len + 1, s, n);
    m->pool_len += n + 1;
    m->n_words++;
    if (n > m->max_word)
        m->max_word = n;
}

void dh_lexmodel_free(dh_lexmodel_t *m)
{
    if (!m)
        return;
    free(m->pool);
    free(m->slots);
    free(m->lp);
    free(m);
}

/* Loading: a line-by-line state machine over the format documented in the
   model file's header. */
typedef struct {
    FILE *f;
    const char *path;
    size_t line_no;
    char *line;
    size_t cap;
    char *err;
    size_t errlen;
} reader_t;

/* Next line that is not a comment or blank, without its newline; NULL at EOF. */
static char *next_line(reader_t *r)
{
    ssize_t n;
    while ((n = getline(&r->line, &r->cap, r->f)) >= 0) {
        r->line_no++;
        while (n > 0 && (r->line[n - 1] == '\n' || r->line[n - 1] == '\r'))
            r->line[--n] = '\0';
        if (n > 0 && r->line[0] != '#')
            return r->line;
    }
    return NULL;
}

static int fail(reader_t *r, const char *what)
{
    snprintf(r->err, r->errlen, "%s:%zu: %s", r->path, r->line_no, what);
    return -1;
}

/* "KEY N" with N an integer in [0, MODEL_MAX_ENTRIES]. */
#define MODEL_MAX_ENTRIES 10000000ul
static int keyed_count(reader_t *r, const char *key, unsigned long *n)
{
    char *l = next_line(r), *end = NULL, what[64];
    size_t kl = strlen(key);
    if (l && strncmp(l, key, kl) == 0 && l[kl] == ' ' && l[kl + 1] >= '0' && l[kl + 1] <= '9') {
        errno = 0;
        *n = strtoul(l + kl + 1, &end, 10);
        if (!*end && !errno && *n <= MODEL_MAX_ENTRIES)
            return 0;
    }
    snprintf(what, sizeof(what), "expected '%s N'", key);
    return fail(r, what);
}

static int read_trigrams(reader_t *r, counts_t counts)
{
    unsigned long n;
    if (keyed_count(r, "trigrams", &n))
        return -1;
    for (unsigned long i = 0; i < n; i++) {
        char *l = next_line(r), *end;
        if (!l || strlen(l) < 5 || l[3] != ' ')
            return fail(r, "expected 'abc COUNT'");
        int a = l[0] == '^' ? SYM_EDGE : sym((unsigned char)l[0]);
        int b = l[1] == '^' ? SYM_EDGE : sym((unsigned char)l[1]);
        int c = l[2] == '$' ? SYM_EDGE : sym((unsigned char)l[2]);
        errno = 0;
        double v = strtod(l + 4, &end);
        if (a < 0 || b < 0 || c < 0 || *end || errno || v < 0)
            return fail(r, "bad trigram line");
        counts[a][b][c] += v;
    }
    return 0;
}

/* "suffixes ..." in l, the line already read. */
static int read_suffixes(reader_t *r, char *l, dh_lexmodel_t *m)
{
    char *save = NULL;
    if (!l || strncmp(l, "suffixes", 8) != 0 || (l[8] != ' ' && l[8] != '\0'))
        return fail(r, "expected 'suffixes ...'");
    for (char *tok = strtok_r(l + 8, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        if (m->n_suffixes == MAX_SUFFIXES || strlen(tok) >= SUFFIX_LEN)
            return fail(r, "too many or too long suffixes");
        strcpy(m->suffixes[m->n_suffixes++], tok);
    }
    return 0;
}

/* Front-coded words: "3ing" after "abs" is "absing". */
static int read_words(reader_t *r, dh_lexmodel_t *m)
{
    unsigned long n;
    if (keyed_count(r, "words", &n))
        return -1;
    size_t slots = 64;
    while (slots < n * 2 + 2)
        slots *= 2;
    m->slots = dh_calloc(slots, sizeof(*m->slots));
    m->mask = slots - 1;
    char prev[LABEL_MAX + 1] = "";
    for (unsigned long i = 0; i < n; i++) {
        char *l = next_line(r), *rest;
        unsigned long keep = l ? strtoul(l, &rest, 10) : 0;
        if (!l || rest == l || keep > strlen(prev) || keep + strlen(rest) > LABEL_MAX ||
            keep + strlen(rest) == 0)
            return fail(r, "expected a front-coded word ('3ing')");
        strcpy(prev + keep, rest);
        for (const char *p = rest; *p; p++)
            if (*p < 'a' || *p > 'z')
                return fail(r, "words must be lowercase a-z");
        word_add(m, prev, strlen(prev));
    }
    return 0;
}

/* The log2 P(c | a b) of a model into lp, the digit class less a digit's
   share. The popular-domain model (base NULL): add-k smoothed, its P also
   kept in prob for the alternatives. An alternative model: its counts with
   the popular-domain model as prior (k pseudo-counts spread as base
   predicts), so that a context the alternative's few names never showed
   falls back to the popular domains' statistics instead of to uniform
   letters (which would make random names fit it). */
static void fill_model(counts_t counts, double k, counts_t base, counts_t prob, logprob_t lp)
{
    for (int a = 0; a < NSYM; a++)
        for (int b = 0; b < NSYM; b++) {
            double total = 0;
            for (int c = 0; c < NSYM; c++)
                total += counts[a][b][c];
            for (int c = 0; c < NSYM; c++) {
                double p = base ? (counts[a][b][c] + k * base[a][b][c]) / (total + k)
                                : (counts[a][b][c] + k) / (total + k * NSYM);
                if (prob)
                    prob[a][b][c] = p;
                lp[a][b][c] = (float)(log2(p) - (c == 27 ? log2(10.0) : 0));
            }
        }
}

/* The magic line: version 1 (one model) or 2 (alternatives follow it). */
static int read_header(reader_t *r, int *version, double *k)
{
    char *l = next_line(r);
    unsigned long labels;
    if (!l || (strcmp(l, "dnshound-dga-model 1") != 0 && strcmp(l, "dnshound-dga-model 2") != 0))
        return fail(r, "not a dnshound-dga-model 1 or 2 file");
    *version = l[strlen(l) - 1] - '0';
    if (keyed_count(r, "labels", &labels))
        return -1;
    l = next_line(r);
    char *end;
    if (!l || strncmp(l, "smoothing ", 10) != 0)
        return fail(r, "expected 'smoothing K'");
    *k = strtod(l + 10, &end);
    return *end || !(*k > 0) ? fail(r, "smoothing: expected a positive number") : 0;
}

/* "alternative NAME labels N prior K", then its trigrams. */
static int read_alternative(reader_t *r, dh_lexmodel_t *m, counts_t base, counts_t counts)
{
    char *l = next_line(r), name[MODEL_NAME_LEN] = "";
    unsigned long labels = 0;
    double prior = 0;
    int used = 0;
    if (!l || sscanf(l, "alternative %31[a-z0-9-] labels %lu prior %lf%n", name, &labels, &prior,
                     &used) != 3 || l[used] || !(prior > 0))
        return fail(r, "expected 'alternative NAME labels N prior K' (NAME [a-z0-9-], K > 0)");
    memset(counts, 0, sizeof(counts_t));
    if (read_trigrams(r, counts))
        return -1;
    strcpy(m->names[m->n_models], name);
    fill_model(counts, prior, base, NULL, m->lp[m->n_models++]);
    return 0;
}

/* Version 2: "alternatives N" and N alternative models. */
static int read_alternatives(reader_t *r, dh_lexmodel_t *m, counts_t base, counts_t counts)
{
    unsigned long n;
    if (keyed_count(r, "alternatives", &n))
        return -1;
    if (n > MAX_MODELS - 1)
        return fail(r, "too many alternative models");
    m->lp = dh_realloc(m->lp, (n + 1) * sizeof(*m->lp));
    for (unsigned long i = 0; i < n; i++)
        if (read_alternative(r, m, base, counts))
            return -1;
    return 0;
}

static int read_models(reader_t *r, dh_lexmodel_t *m)
{
    double k = 0;
    int version = 0;
    counts_t *counts = dh_calloc(2, sizeof(*counts)); /* [0] read, then [1] base probabilities */
    m->lp = dh_calloc(1, sizeof(*m->lp));
    int rc = read_header(r, &version, &k) || read_trigrams(r, counts[0]);
    if (!rc) {
        fill_model(counts[0], k, NULL, counts[1], m->lp[0]);
        strcpy(m->names[0], "popular");
        m->n_models = 1;
        rc = version == 2 && read_alternatives(r, m, counts[1], counts[0]);
    }
    free(counts);
    return rc ? -1 : 0;
}

static int read_model(reader_t *r, dh_lexmodel_t *m)
{
    int rc = read_models(r, m) || read_suffixes(r, next_line(r), m) || read_words(r, m);
    if (!rc) {
        char *l = next_line(r);
        if (!l || strcmp(l, "end") != 0)
            rc = fail(r, "expected 'end'");
    }
    return rc ? -1 : 0;
}

dh_lexmodel_t *dh_lexmodel_load(const char *path, char *err, size_t errlen)
{
    reader_t r = {.path = path, .err = err, .errlen = errlen};
    r.f = fopen(path, "r");
    if (!r.f) {
        snprintf(err, errlen, "%s: cannot open the DGA model: %s", path, strerror(errno));
        return NULL;
    }
    dh_lexmodel_t *m = dh_calloc(1, sizeof(*m));
    int rc = read_model(&r, m);
    free(r.line);
    fclose(r.f);
    if (rc) {
        dh_lexmodel_free(m);
        return NULL;
    }
    return m;
}

/* ---- per-name score ------------------------------------------------- */

/* Mean negative log2-likelihood per symbol under one model, or -1 for a
   byte outside [a-z0-9-]. */
static double label_nll(const logprob_t lp, const char *s, size_t n)
{
    int a = SYM_EDGE, b = SYM_EDGE;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        int c = sym((unsigned char)s[i]);
        if (c < 0)
            return -1;
        sum -= lp[a][b][c];
        a = b;
        b = c;
    }
    sum -= lp[a][b][SYM_EDGE];
    return sum / (double)(n + 1);
}

/* The best fit: the lowest mean -log2 P over the popular-domain model and
   its alternatives (a name needs to look like one language's names, not
   like all of them at once), and which model gave it. */
static double best_nll(const dh_lexmodel_t *m, const char *s, size_t n, unsigned *which)
{
    double best = label_nll(m->lp[0], s, n);
    *which = 0;
    for (size_t i = 1; i < m->n_models && best >= 0; i++) {
        double v = label_nll(m->lp[i], s, n);
        if (v < best) {
            best = v;
            *which = (unsigned)i;
        }
    }
    return best;
}

typedef struct {
    int16_t cov[LABEL_MAX + 1];
    int8_t words[LABEL_MAX + 1];
} split_t;

static void relax(split_t *sp, size_t to, int cov, int words)
{
    if (cov > sp->cov[to] || (cov == sp->cov[to] && words < sp->words[to])) {
        sp->cov[to] = (int16_t)cov;
        sp->words[to] = (int8_t)words;
    }
}

/* Words starting at i: each dictionary word, and the word with each
   model suffix re-attached. */
static void words_from(const dh_lexmodel_t *m, const dh_lexscore_params_t *p, const char *s, size_t n,
                       size_t i, split_t *sp)
{
    size_t max = m->max_word < n - i ? m->max_word : n - i;
    for (size_t len = (size_t)p->word_min_len; len <= max; len++) {
        if (!word_known(m, s + i, len))
            continue;
        relax(sp, i + len, sp->cov[i] + (int)len, sp->words[i] + 1);
        for (size_t k = 0; k < m->n_suffixes; k++) {
            size_t sl = strlen(m->suffixes[k]);
            if (i + len + sl <= n && memcmp(s + i + len, m->suffixes[k], sl) == 0)
                relax(sp, i + len + sl, sp->cov[i] + (int)(len + sl), sp->words[i] + 1);
        }
    }
}

/* Best split of s into dictionary words (most characters covered, then
   fewest words); hyphens count as covered. */
static void split_words(const dh_lexmodel_t *m, const dh_lexscore_params_t *p, const char *s, size_t n,
                        dh_lexscore_t *out)
{
    split_t sp;
    for (size_t i = 0; i <= n; i++)
        sp.cov[i] = -1, sp.words[i] = 0;
    sp.cov[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (sp.cov[i] < 0)
            continue;
        relax(&sp, i + 1, sp.cov[i] + (s[i] == '-'), sp.words[i]);
        words_from(m, p, s, n, i, &sp);
    }
    out->covered = (unsigned)sp.cov[n];
    out->words = (unsigned)sp.words[n];
}

void dh_lexmodel_classify(const dh_lexmodel_t *m, const dh_lexscore_params_t *p, const char *s, size_t n,
                     bool full, dh_lexscore_t *out)
{
    memset(out, 0, sizeof(*out));
    out->cls = DH_LEX_UNJUDGED;
    if (n == 0 || n > LABEL_MAX || (n >= 4 && memcmp(s, "xn--", 4) == 0))
        return; /* empty, impossible, or an IDN (punycode is not letters) */
    out->nll = best_nll(m, s, n, &out->model);
    if (out->nll < 0)
        return;
    double missing = p->full_length > (int64_t)n ? (double)(p->full_length - (int64_t)n) : 0;
    out->score = out->nll - p->short_label_penalty * missing;
    bool random = (int64_t)n >= p->min_label_len && out->score >= p->random_score;
    if (!full && !random) {
        out->cls = DH_LEX_PLAIN;
        return;
    }
    split_words(m, p, s, n, out);
    if (out->words >= p->min_words && out->covered >= p->word_cover * (double)n)
        out->cls = DH_LEX_WORDLIKE;
    else if (random)
        out->cls = DH_LEX_RANDOM;
    else if ((int64_t)n >= p->long_label_len)
        out->cls = DH_LEX_LONG;
    else
        out->cls = (int64_t)n < p->min_label_len ? DH_LEX_SHORT : DH_LEX_PLAIN;
}

const char *dh_lexmodel_model_name(const dh_lexmodel_t *m, unsigned model)
{
    return model < m->n_models ? m->names[model] : "?";
}

size_t dh_lexmodel_models(const dh_lexmodel_t *m)
{
    return m->n_models;
}

const char *dh_lexmodel_class_name(int cls)
{
    static const char *const names[] = {"unjudged", "short", "plain", "random", "wordlike", "long"};
    return cls >= 0 && cls <= DH_LEX_LONG ? names[cls] : "?";
}
