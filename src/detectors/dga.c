/*
 * dga.c - Domain Generation Algorithms (T1568.002, DET0419).
 *
 * A DGA host asks for many registered domains that were never registered:
 * within minutes it gets NXDOMAIN for names nobody else asks for, and those
 * names look generated. Two questions are combined:
 *
 *  - Per name, of its registered label only ("kqzxwvbn" for kqzxwvbn.co.uk):
 *    the mean log-likelihood per character under a benign character-trigram
 *    model (rules/dga-model.txt, built from a top-domains list by
 *    bench/build-dga-model.py), with short labels needing more; entropy,
 *    consonant runs and the digit share go to the evidence. A label that
 *    splits into >= 2 dictionary words covering most of it is "wordlike":
 *    wordlist DGAs (Suppobox, Matsnu, Nymaim2) look benign letter by letter,
 *    so for them only the behaviour below counts, never the name alone.
 *  - Per client and 10-minute window (event time): distinct registered
 *    domains queried, distinct NXDOMAIN ones, how many of those look random
 *    (or are wordlike / unusually long), and how many random-looking names
 *    resolved. It fires when enough distinct names never resolved, the
 *    NXDOMAIN share passes DET0419's 40 %, and either most of those names
 *    look random (anchor "random") or a larger burst of them is wordlike or
 *    long while most look generated one way or the other (anchor
 *    "wordlike"). A client whose random-looking names mostly resolve (CDN,
 *    ad-tech) never fires.
 *
 * Names that cannot be DGA names are left out: no registered domain (single
 * labels such as Chrome's random intranet probes), internal suffixes (.lan,
 * .local, ...), known benign services, domains queried by many clients
 * (v->common, counted only in the denominator), NXDOMAIN for record types
 * other than address lookups (a mail server checking spam senders' MX/TXT).
 *
 * The model is loaded once in create(); scoring a name is O(length) table
 * and hash lookups without allocation.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../detector-kit.h"
#include "../lexical-model.h"
#include "../lexical.h"
#include "../sketch.h"
#include "../util-dns.h"
#include "../util-mem.h"

#define SAMPLES 5
#define SAMPLE_LEN 96
#define LABEL_MAX 63
#define MAX_IGNORE 32
#define MAX_QTYPES 16

/* ---- detector state ------------------------------------------------- */

typedef struct {
    int64_t window, min_nxdomain_names, min_wordlike_names;
    int64_t min_label_len, full_length, long_label_len, word_min_len, min_words;
    double min_nxdomain_share, min_random_share, max_resolved_random_share;
    double random_score, short_label_penalty, word_cover;
} params_t;

typedef struct {
    float score, nll;
    uint8_t cls, len, label_off, label_len;
    uint8_t model; /* the benign model the label fit best (dh_lexscore_t.model) */
    char name[SAMPLE_LEN];
} sample_t;

typedef struct {
    dh_kit_window_t h; /* h.events: the queries */
    uint8_t n_samples;
    uint64_t nx_queries;
    /* Classes are counted on first sightings (dh_distinct_add true): exact
       up to DH_DISTINCT_EXACT names, then a hash-chosen sample of them, so
       class counts are scaled by count / first sightings (see judge). */
    uint32_t dom_new, ok_random; /* first sightings; of them random-looking and resolved */
    uint32_t nx_new, nx_random, nx_words, nx_long; /* NXDOMAIN first sightings by class
                                                      (nx_words: wordlike or long) */
    uint32_t scored;
    double score_sum;
    float score_max;
    dh_distinct_t domains; /* every registered domain asked for */
    dh_distinct_t nx;      /* the countable NXDOMAIN ones */
    sample_t samples[SAMPLES];
} window_t;

typedef struct {
    dh_kit_t kit;
    params_t p;
    dh_lexscore_params_t lex; /* the lexical thresholds, as the model reads them */
    dh_lexmodel_t *model;
    long qtypes[MAX_QTYPES];
    size_t n_qtypes;
    char *ignore[MAX_IGNORE];
    size_t n_ignore;
} dga_t;
DH_KIT_STATE_LAYOUT(dga_t, p);

/* For tests and tools: the class (DH_LEX_*) of a registered label and, in
   *score, its score; dh_dga_class_name names a class. */
int dh_dga_classify(const void *state, const char *label, size_t len, double *score);
const char *dh_dga_class_name(int cls);

int dh_dga_classify(const void *state, const char *label, size_t len, double *score)
{
    const dga_t *d = state;
    dh_lexscore_t s;
    dh_lexmodel_classify(d->model, &d->lex, label, len, true, &s);
    if (score)
        *score = s.score;
    return s.cls;
}

const char *dh_dga_class_name(int cls)
{
    return dh_lexmodel_class_name(cls);
}

/* ---- thresholds ----------------------------------------------------- */

static const dh_kit_params_t params = DH_KIT_FIELDS(params_t, window, min_nxdomain_names,
    min_wordlike_names, min_label_len, full_length, long_label_len, word_min_len, min_words,
    min_nxdomain_share, min_random_share, max_resolved_random_share, random_score,
    short_label_penalty, word_cover);

static const char *const default_ignore[] = {
    "local", "localdomain", "lan", "home", "internal", "intranet", "corp", "localhost",
    "invalid", "test", "example",
};

static int read_ignore(dga_t *d, char *err, size_t errlen)
{
    dh_yaml_node_t *seq = dh_yaml_get(d->kit.rule->thresholds, "ignore_suffixes");
    if (!seq) {
        for (size_t i = 0; i < sizeof(default_ignore) / sizeof(default_ignore[0]); i++)
            d->ignore[d->n_ignore++] = dh_strdup(default_ignore[i]);
        return 0;
    }
    if (seq->kind != DH_YAML_SEQ || seq->n_items > MAX_IGNORE) {
        snprintf(err, errlen, "%s:%zu: ignore_suffixes: expected a list of at most %d suffixes",
                 seq->file, seq->line, MAX_IGNORE);
        return -1;
    }
    for (size_t i = 0; i < seq->n_items; i++) {
        dh_yaml_node_t *it = seq->items[i];
        if (it->kind != DH_YAML_SCALAR || !it->value[0] || it->value[0] == '.') {
            snprintf(err, errlen, "%s:%zu: ignore_suffixes: expected a suffix like 'lan'",
                     it->file, it->line);
            return -1;
        }
        d->ignore[d->n_ignore++] = dh_strdup(it->value);
    }
    return 0;
}

/* The model path: relative to the directory of the rule file. */
static int load_model(dga_t *d, char *err, size_t errlen)
{
    const char *name = "dga-model.txt";
    if (dh_yaml_str(d->kit.rule->thresholds, "model", false, &name, err, errlen))
        return -1;
    char path[PATH_MAX];
    dh_rule_path(d->kit.rule, name, path, sizeof(path));
    char why[PATH_MAX + 256];
    d->model = dh_lexmodel_load(path, why, sizeof(why));
    if (d->model)
        return 0;
    dh_yaml_node_t *n = dh_yaml_get(d->kit.rule->thresholds, "model");
    snprintf(err, errlen, "%s:%zu: model: %s", n ? n->file : d->kit.rule->path, n ? n->line : 1, why);
    return -1;
}

/* The lexical thresholds as the model reads them, within the label buffer
   (LABEL_MAX; checked here as well as in the rule's limits). */
static int read_lex(dga_t *d, char *err, size_t errlen)
{
    const params_t *p = &d->p;
    if (dh_kit_param_max(&d->kit, "min_label_len", p->min_label_len, LABEL_MAX, err, errlen) ||
        dh_kit_param_max(&d->kit, "full_length", p->full_length, LABEL_MAX, err, errlen) ||
        dh_kit_param_max(&d->kit, "long_label_len", p->long_label_len, LABEL_MAX + 1, err, errlen))
        return -1;
    d->lex = (dh_lexscore_params_t){.min_label_len = p->min_label_len,
                                    .full_length = p->full_length,
                                    .long_label_len = p->long_label_len,
                                    .word_min_len = p->word_min_len,
                                    .min_words = p->min_words,
                                    .random_score = p->random_score,
                                    .short_label_penalty = p->short_label_penalty,
                                    .word_cover = p->word_cover};
    return 0;
}

static int read_params(void *state, char *err, size_t errlen)
{
    dga_t *d = state;
    static const long def_qtypes[] = {DH_QTYPE_A, DH_QTYPE_AAAA, DH_QTYPE_HTTPS, DH_QTYPE_ANY};
    if (read_lex(d, err, errlen) || read_ignore(d, err, errlen) ||
        dh_rule_int_list(d->kit.rule, "qtypes", d->qtypes, MAX_QTYPES, &d->n_qtypes, err, errlen))
        return -1;
    if (!dh_yaml_get(d->kit.rule->thresholds, "qtypes")) {
        memcpy(d->qtypes, def_qtypes, sizeof(def_qtypes));
        d->n_qtypes = sizeof(def_qtypes) / sizeof(def_qtypes[0]);
    }
    return load_model(d, err, errlen);
}

/* ---- events --------------------------------------------------------- */

static void on_close(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                     dh_close_t why);

static void dga_release(void *state)
{
    dga_t *d = state;
    for (size_t i = 0; i < d->n_ignore; i++)
        free(d->ignore[i]);
    dh_lexmodel_free(d->model);
}

static const dh_kit_spec_t spec = {
    .size = sizeof(dga_t),
    .params = &params,
    .setup = read_params,
    .release = dga_release,
    /* judge() reads counters only; it is asked when a new NXDOMAIN name is
       counted, the one thing that can make it fire */
    .table = {.name = "dga.client", .value_size = sizeof(window_t),
              .on_close = on_close, .pace = {1, 0}},
};

/* name is entry, or ends with "." entry. */
static bool under(const char *name, const char *entry)
{
    size_t nl = strlen(name), el = strlen(entry);
    if (nl < el || strcmp(name + nl - el, entry) != 0)
        return false;
    return nl == el || name[nl - el - 1] == '.';
}

static bool ignored_suffix(const dga_t *d, const char *suffix)
{
    for (size_t i = 0; i < d->n_ignore; i++)
        if (under(suffix, d->ignore[i]))
            return true;
    return false;
}

static bool counted_qtype(const dga_t *d, int32_t qtype)
{
    if (qtype < 0)
        return true; /* unknown: a DGA's A lookup as far as we can tell */
    for (size_t i = 0; i < d->n_qtypes; i++)
        if (d->qtypes[i] == qtype)
            return true;
    return false;
}

static void add_sample(window_t *w, const dh_event_t *ev, size_t label_off, size_t label_len,
                       const dh_lexscore_t *s)
{
    if (w->n_samples >= SAMPLES || ev->qname_len > SAMPLE_LEN)
        return;
    sample_t *sm = &w->samples[w->n_samples++];
    memcpy(sm->name, ev->qname, ev->qname_len);
    sm->len = (uint8_t)ev->qname_len;
    sm->label_off = (uint8_t)label_off;
    sm->label_len = (uint8_t)label_len;
    sm->score = (float)s->score;
    sm->nll = (float)s->nll;
    sm->cls = (uint8_t)s->cls;
    sm->model = (uint8_t)s->model;
}

/* Where the registered label sits in qname (for exact-byte samples). */
static size_t label_offset(const dh_event_t *ev, size_t rd_len)
{
    size_t n = ev->qname_len;
    if (n && ev->qname[n - 1] == '.')
        n--;
    return n >= rd_len ? n - rd_len : 0;
}

/* A first sighting of an NXDOMAIN registered domain. */
static void count_nxdomain(dga_t *d, window_t *w, const dh_event_view_t *view, size_t label_len)
{
    dh_lexscore_t s;
    const dh_event_t *ev = view->ev;
    const char *rd = view->rd;
    dh_lexmodel_classify(d->model, &d->lex, rd, label_len, true, &s);
    bool suspect = s.cls == DH_LEX_RANDOM || s.cls == DH_LEX_WORDLIKE || s.cls == DH_LEX_LONG;
    w->nx_new++;
    w->nx_random += s.cls == DH_LEX_RANDOM;
    w->nx_words += s.cls == DH_LEX_WORDLIKE || s.cls == DH_LEX_LONG;
    w->nx_long += s.cls == DH_LEX_LONG;
    if (s.cls != DH_LEX_UNJUDGED) {
        w->scored++;
        w->score_sum += s.score;
        if (w->scored == 1 || s.score > w->score_max)
            w->score_max = (float)s.score;
    }
    if (suspect)
        add_sample(w, ev, label_offset(ev, view->rd_len), label_len, &s);
}

/* A first sighting of a registered domain that resolved. */
static void count_resolved(dga_t *d, window_t *w, const char *rd, size_t label_len)
{
    dh_lexscore_t s;
    dh_lexmodel_classify(d->model, &d->lex, rd, label_len, false, &s);
    w->ok_random += s.cls == DH_LEX_RANDOM;
}

static void dga_on_event(void *state, const dh_event_view_t *view, const dh_verdict_t *v,
                         const dh_detect_env_t *env)
{
    const dh_event_t *ev = view->ev;
    (void)env;
    dga_t *d = state;
    const char *rd = ev->registered_domain;
    /* names under the site's internal zones (noise.yaml internal_zones) are
       its own hosts, named by DHCP and admins, not generated for C2 */
    if (!ev->has_qname || !rd || ev->zone_source == DH_ZONE_INTERNAL || v->benign_service ||
        ev->client.family == DH_AF_UNSET)
        return;
    const char *dot = strchr(rd, '.');
    if (!dot || dot == rd || ignored_suffix(d, dot + 1))
        return;
    window_t *w = dh_kit_touch_client(d->kit.table, view, v);
    if (!w)
        return;
    uint64_t h = view->domain_hash; /* dh_hash64(rd, rd_len) */
    bool first = dh_distinct_add(&w->domains, h);
    w->dom_new += first;
    if (v->common)
        return; /* asked by many clients: not a DGA name, only the denominator */
    size_t label_len = (size_t)(dot - rd);
    if (ev->rcode == DH_RCODE_NXDOMAIN && counted_qtype(d, ev->qtype)) {
        w->nx_queries++;
        if (dh_distinct_add(&w->nx, h)) {
            count_nxdomain(d, w, view, label_len);
            dh_kit_early_check(&d->kit, d->kit.table, &ev->client, sizeof(dh_addr_t), w, ev->ts_us);
        }
    } else if (ev->rcode == DH_RCODE_NOERROR && first) {
        count_resolved(d, w, rd, label_len);
    }
}

/* ---- closing a window ----------------------------------------------- */

typedef struct {
    double domains, nx, random, words, longer, resolved, share, random_share, resolved_share;
    bool random_anchor, wordlike_anchor;
} verdict_t;

static verdict_t judge(const dga_t *d, const window_t *w)
{
    const params_t *p = &d->p;
    verdict_t r = {0};
    r.domains = dh_distinct_count(&w->domains);
    r.nx = fmin(dh_distinct_count(&w->nx), r.domains); /* NXDOMAIN names are some of the names */
    double nx_scale = w->nx_new ? r.nx / w->nx_new : 0;
    double dom_scale = w->dom_new ? r.domains / w->dom_new : 0;
    r.random = w->nx_random * nx_scale;
    r.words = w->nx_words * nx_scale;
    r.longer = w->nx_long * nx_scale;
    r.resolved = w->ok_random * dom_scale;
    r.share = r.domains > 0 ? fmin(1.0, r.nx / r.domains) : 0;
    r.random_share = r.nx > 0 ? fmin(1.0, r.random / r.nx) : 0;
    r.resolved_share = r.resolved + r.random > 0 ? r.resolved / (r.resolved + r.random) : 0;
    bool base = r.nx >= (double)p->min_nxdomain_names && r.share > p->min_nxdomain_share &&
                r.resolved_share <= p->max_resolved_random_share;
    r.random_anchor = base && r.random >= p->min_random_share * r.nx;
    r.wordlike_anchor = base && r.words >= (double)p->min_wordlike_names &&
                        r.random + r.words >= p->min_random_share * r.nx;
    return r;
}

static void thresholds_evidence(dh_strbuf_t *sb, const params_t *p)
{
    static const char *const shown[] = {"min_nxdomain_names", "min_nxdomain_share",
                                        "min_random_share", "min_wordlike_names",
                                        "max_resolved_random_share", "random_score"};
    dh_kit_json_thresholds(sb, p, &params, shown, DH_N_OF(shown));
}

static void sample_evidence(dh_strbuf_t *sb, const dh_lexmodel_t *m, const sample_t *s)
{
    const char *label = s->name + s->label_off;
    dh_sb_putc(sb, '{');
    dh_json_kv_strn(sb, "name", s->name, s->len);
    dh_json_kv_str(sb, "class", dh_lexmodel_class_name(s->cls));
    dh_json_kv_double(sb, "score", s->score);
    dh_json_kv_double(sb, "bits_per_char", s->nll);
    /* bits_per_char is under the benign model it fit best: "popular" (the
       top-domains list) or a language's ("vietnamese", "turkish"...) */
    dh_json_kv_str(sb, "best_fit", dh_lexmodel_model_name(m, s->model));
    dh_json_kv_uint(sb, "label_length", s->label_len);
    dh_json_kv_double(sb, "entropy", dh_lex_entropy(label, s->label_len));
    dh_json_kv_uint(sb, "consonant_run", dh_lex_consonant_run(label, s->label_len));
    dh_json_kv_double(sb, "digit_share", dh_lex_digit_share(label, s->label_len));
    dh_sb_putc(sb, '}');
}

static void anchors_evidence(dh_strbuf_t *sb, const verdict_t *r)
{
    dh_json_open_arr(sb, "anchors");
    if (r->random_anchor)
        dh_sb_puts(sb, "\"random\"");
    if (r->wordlike_anchor) {
        dh_json_sep(sb);
        dh_sb_puts(sb, "\"wordlike\"");
    }
    dh_sb_putc(sb, ']');
}

static void evidence(dga_t *d, const window_t *w, const verdict_t *r)
{
    dh_strbuf_t *sb = &d->kit.ev;
    dh_sb_reset(sb);
    dh_json_kv_int(sb, "window_seconds", d->p.window);
    dh_json_kv_uint(sb, "queries", w->h.events);
    dh_json_kv_uint(sb, "distinct_domains", (uint64_t)llround(r->domains));
    dh_json_kv_uint(sb, "nxdomain_names", (uint64_t)llround(r->nx));
    dh_json_kv_double(sb, "nxdomain_share", r->share);
    dh_json_kv_uint(sb, "nxdomain_queries", w->nx_queries);
    dh_json_kv_uint(sb, "random_nxdomain_names", (uint64_t)llround(r->random));
    dh_json_kv_double(sb, "random_share", r->random_share);
    dh_json_kv_uint(sb, "wordlike_or_long_nxdomain_names", (uint64_t)llround(r->words));
    dh_json_kv_uint(sb, "long_nxdomain_names", (uint64_t)llround(r->longer));
    dh_json_kv_uint(sb, "resolved_random_names", (uint64_t)llround(r->resolved));
    dh_json_kv_double(sb, "mean_score", w->scored ? w->score_sum / w->scored : 0);
    dh_json_kv_double(sb, "max_score", w->score_max);
    anchors_evidence(sb, r);
    /* the names counts (and the shares scaled from them) are estimates
       once a window outgrew the exact count */
    const dh_kit_count_t counts[] = {{"distinct_domains", &w->domains},
                                     {"nxdomain_names", &w->nx}};
    dh_kit_json_estimates(sb, counts, DH_N_OF(counts));
    thresholds_evidence(sb, &d->p);
    dh_json_open_arr(sb, "samples");
    for (int i = 0; i < w->n_samples; i++) {
        dh_json_sep(sb);
        sample_evidence(sb, d->model, &w->samples[i]);
    }
    dh_sb_putc(sb, ']');
}

static const sample_t *top_sample(const window_t *w)
{
    const sample_t *best = NULL;
    for (int i = 0; i < w->n_samples; i++)
        if (!best || w->samples[i].score > best->score)
            best = &w->samples[i];
    return best;
}

static void on_close(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                     dh_close_t why)
{
    (void)key, (void)keylen, (void)why;
    dga_t *d = ctx;
    window_t *w = value;
    if (w->nx_new == 0)
        return;
    verdict_t r = judge(d, w);
    if (!r.random_anchor && !r.wordlike_anchor && !dh_kit_closing_alerted(&d->kit))
        return; /* (an early alert's window: its shares may have fallen back) */
    evidence(d, w, &r);
    const sample_t *top = top_sample(w);
    double conf = d->kit.rule->confidence + 0.1 * (r.random_anchor && r.wordlike_anchor) +
                  0.1 * (r.share >= 0.75);
    dh_detection_t det = dh_kit_window_detection(&w->h, ws);
    det.qname = top ? top->name : NULL;
    det.qname_len = top ? top->len : 0;
    det.registered_domain = NULL; /* the entity is the client, across its many names */
    det.confidence = dh_kit_confidence(conf);
    dh_kit_emit(&d->kit, &det);
}

const dh_detector_type_t dh_detector_dga = {
    .name = "dga",
    .description = "Domain generation algorithm: bursts of never-resolving generated names (T1568.002)",
    .kit = &spec,
    .on_event = dga_on_event,
};
