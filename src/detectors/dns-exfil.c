/*
 * dns-exfil.c - low-and-slow exfiltration over DNS (T1048.003, TA0010,
 * DET0400).
 *
 * A host leaking a file through DNS must put the file's bytes, encoded, into
 * query names, and each distinct name carries new bytes. The tunnel detector
 * (dns-tunnel.c) sees the rate over 5 minutes; a patient leak (one query a
 * minute) never trips a rate, but its volume adds up. This detector keeps an
 * information budget per client x registered domain over two tumbling
 * event-time windows (1 h and 24 h by default) and fires when the estimated
 * payload of the window reaches the budget.
 *
 * The estimate: Zeek's dns.log has no message sizes, so the payload is read
 * from the names (and answers). Each label of the subdomain that looks like
 * data - at least min_label_len characters, an encoding alphabet by
 * dh_lex_encoding and min_entropy bits/char, the same test dns_tunnel uses
 * for "encoded" - counts its decoded size: hex len/2, base32 len*5/8,
 * base64 len*3/4 (the smallest alphabet the label fits, so the estimate is
 * conservative). Shorter labels (counters, sequence numbers, 32-bit session
 * ids, "www", "post", "api") and words carry no payload. A name counts once
 * per window: novelty is decided by a dh_distinct_t over the hash of the
 * data labels only, so the same chunk re-sent with another counter or nonce
 * adds nothing. TXT/NULL answers to a new data-carrying name add the decoded
 * size of their encoded-looking tokens. Names with a service label
 * ("_domainkey", "_dmarc", "_tcp", "_esni"...) are protocol lookups, not
 * data. Queries without a data label create no state.
 *
 * The sketch is exact for 64 names; beyond that it is a HyperLogLog whose
 * "new" answers are not per item, so later queries are summed as they come
 * and scaled by (distinct - exact) / later queries.
 *
 * At window close a finding needs the budget (common_factor times it for a
 * domain many clients query) and min_distinct names. A 24 h finding is
 * still reported when 1 h findings reported part of the same day, with the
 * bytes already reported in its evidence; only when every byte of it was
 * already reported by 1 h findings (one burst, nothing else that day) is it
 * dropped: it would repeat the same bytes and names.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../detector-kit.h"
#include "../lexical.h"
#include "../sketch.h"
#include "../util-dns.h"
#include "../util-mem.h"

#define SAMPLES 3
#define SAMPLE_LEN 80
#define DOMAIN_MAX 256
#define SLOTS 24 /* short windows in a long one: bytes are attributed to each, so
                    that which were reported does not depend on when the
                    short windows closed (per-partition watermarks differ) */

#define BASIS                                                                                 \
    "estimate from query names and answers; Zeek dns.log has no message sizes: the "          \
    "information of distinct encoded-looking labels by their case-folded alphabet (hex 4, "   \
    "base32 5, lower-cased base64 5.25, base64 6, binary 7 bits a character) plus encoded "   \
    "TXT/NULL answer data"

typedef struct {
    int64_t window_short, window_long, budget_short_bytes, budget_long_bytes, min_distinct,
        min_label_len;
    double min_entropy, common_factor;
} params_t;

/* What one query carries, measured before any state is touched. */
typedef struct {
    uint64_t hash;       /* of the data labels, in order */
    uint32_t qbytes;     /* decoded bytes of the data labels */
    uint32_t abytes;     /* decoded bytes of encoded TXT/NULL answer tokens */
    uint32_t labels, label_chars;
    uint8_t encodings;   /* 1 << dh_lex_alphabet_t of the data labels */
} payload_t;

/* Additive features of a set of queries. */
typedef struct {
    uint32_t names, labels;
    uint64_t label_chars, qbytes, abytes;
} acc_t;

typedef struct {
    dh_kit_window_t h; /* h.events: counted queries, repeats included */
    uint8_t common, encodings;
    acc_t exact;       /* new names while the sketch is exact */
    acc_t late;        /* every query after it became a HyperLogLog */
    /* long windows only: per short window, the bytes new to this window
       (exact phase) and the bytes summed in the late phase; and the same
       for the short windows whose findings reported them */
    uint64_t slot_exact[SLOTS], slot_late[SLOTS];
    uint64_t reported_exact, reported_late;
    dh_distinct_t names;
    DH_KIT_SAMPLES(SAMPLES, SAMPLE_LEN);
} window_t;

typedef struct {
    dh_kit_t kit;
    params_t p;
    dh_table_t *short_t, *long_t; /* short first: its windows close first */
    char entity_short[32], entity_long[32];
} exfil_t;
DH_KIT_STATE_LAYOUT(exfil_t, p);

/* The estimate of one window. */
typedef struct {
    double distinct, qbytes, abytes, labels, label_chars;
    double scale; /* share of late-phase queries that were new names */
} est_t;

/* ---- parameters ------------------------------------------------------- */

static const dh_kit_params_t params = DH_KIT_FIELDS(params_t, window_short, window_long,
    budget_short_bytes, budget_long_bytes, min_distinct, min_label_len, min_entropy,
    common_factor);

static int check_windows(const dh_rule_t *rule, const params_t *p, char *err, size_t errlen)
{
    if (p->window_long > p->window_short && p->window_long % p->window_short == 0 &&
        p->window_long / p->window_short <= SLOTS)
        return 0;
    dh_yaml_node_t *n = dh_yaml_get(rule->thresholds, "window_long");
    snprintf(err, errlen,
             "%s:%zu: window_long: expected a multiple of window_short above it, at most %d times it",
             rule->path ? rule->path : "rules/dns_exfil.yaml", n ? n->line : (size_t)0, SLOTS);
    return -1;
}

/* ---- what a name carries ---------------------------------------------- */

/* "_domainkey", "_dmarc", "_tcp", "_443", "_esni", "_acme-challenge": a
   service label (hex and base32 have no '_'; a base64url label starting
   with '_' still mixes cases and digits, so it is data, not a service). */
static bool service_label(const char *s, size_t n)
{
    return n >= 2 && s[0] == '_' && !dh_lex_encoding(s, n);
}

/* The alphabet a label or token is taken to be in (the smallest it fits),
   0 when it does not look like data. Trailing '=' padding is dropped from
   *n (base32 has no '=' in lexical.h); dnsteal writes base64's '+' as '*'. */
static unsigned data_alphabet(const exfil_t *x, const char *s, size_t *np)
{
    char buf[256];
    while (*np && s[*np - 1] == '=')
        (*np)--;
    size_t n = *np;
    if (n < (size_t)x->p.min_label_len)
        return 0;
    if (n < sizeof(buf) && memchr(s, '*', n)) {
        for (size_t i = 0; i < n; i++)
            buf[i] = s[i] == '*' ? '+' : s[i];
        s = buf;
    }
    /* judged without its case: Zeek lower-cases names, and a base64
       tunnel's labels must weigh about the same from Zeek as from EVE */
    dh_lex_alphabet_t a = dh_lex_alphabet(s, n);
    if (a == DH_ALPHA_NONE || dh_lex_entropy(s, n) < x->p.min_entropy)
        return DH_ALPHA_NONE;
    return a;
}

/* The information of n characters (padding dropped) of an alphabet. */
static uint32_t decoded_bytes(unsigned alphabet, size_t n)
{
    return (uint32_t)((double)n * dh_lex_alphabet_bits((dh_lex_alphabet_t)alphabet) / 8);
}

/* Add one data label to the payload and to the text that is hashed. */
static void add_label(payload_t *pl, unsigned alphabet, const char *s, size_t n, char *joined,
                      size_t cap, size_t *jn)
{
    pl->qbytes += decoded_bytes(alphabet, n);
    pl->labels++;
    pl->label_chars += (uint32_t)n;
    pl->encodings |= (uint8_t)(1u << alphabet);
    if (*jn + n + 1 > cap)
        return;
    memcpy(joined + *jn, s, n);
    *jn += n;
    joined[(*jn)++] = '.';
}

/* The data labels of a subdomain; false when it has none or is a service
   lookup. */
static bool scan_labels(const exfil_t *x, const char *sub, size_t n, payload_t *pl)
{
    char joined[512];
    size_t jn = 0;
    for (size_t i = 0; i <= n;) {
        size_t j = i;
        while (j < n && sub[j] != '.')
            j++;
        size_t len = j - i;
        if (service_label(sub + i, len))
            return false;
        unsigned a = data_alphabet(x, sub + i, &len);
        if (a)
            add_label(pl, a, sub + i, len, joined, sizeof(joined), &jn);
        i = j + 1;
    }
    if (!pl->labels)
        return false;
    pl->hash = dh_hash64(joined, jn);
    return true;
}

static bool token_sep(char c)
{
    return c == ' ' || c == '\t' || c == '"' || c == ';' || c == ',' || c == '=';
}

/* Decoded bytes of the encoded-looking tokens of one answer's text. */
static uint32_t text_bytes(const exfil_t *x, const char *s, size_t n)
{
    uint32_t total = 0;
    for (size_t i = 0; i < n;) {
        while (i < n && token_sep(s[i]))
            i++;
        size_t j = i;
        while (j < n && !token_sep(s[j]))
            j++;
        size_t len = j - i;
        unsigned a = len ? data_alphabet(x, s + i, &len) : 0;
        if (a)
            total += decoded_bytes(a, len);
        i = j;
    }
    return total;
}

/* TXT and NULL rdata carry data back (Zeek leaves types it cannot infer -1). */
static bool data_answer(const dh_answer_t *a, int32_t qtype)
{
    if (a->section != DH_SECTION_ANSWER || !a->data || a->data_len == 0)
        return false;
    if (a->rrtype == DH_QTYPE_TXT || a->rrtype == DH_QTYPE_NULL)
        return true;
    return a->rrtype < 0 && (qtype == DH_QTYPE_TXT || qtype == DH_QTYPE_NULL);
}

static uint32_t answer_bytes(const exfil_t *x, const dh_event_t *ev)
{
    uint32_t total = 0;
    for (uint32_t i = 0; ev->answers && i < ev->n_answers; i++)
        if (data_answer(&ev->answers[i], ev->qtype))
            total += text_bytes(x, ev->answers[i].data, ev->answers[i].data_len);
    return total;
}

static bool measure(const exfil_t *x, const dh_event_view_t *view, payload_t *pl)
{
    memset(pl, 0, sizeof(*pl));
    if (view->sub_len == 0 || !scan_labels(x, view->sub, view->sub_len, pl))
        return false;
    pl->abytes = answer_bytes(x, view->ev);
    return true;
}

/* ---- state ----------------------------------------------------------- */

static int64_t floor_to(int64_t ts, int64_t step)
{
    int64_t q = ts / step;
    if (ts % step != 0 && ts < 0)
        q--;
    return q * step;
}

static void acc_add(acc_t *a, const payload_t *pl)
{
    a->names++;
    a->labels += pl->labels;
    a->label_chars += pl->label_chars;
    a->qbytes += pl->qbytes;
    a->abytes += pl->abytes;
}

/* Index of the short window starting at short_start within long window w,
   -1 outside. */
static int slot_of(const exfil_t *x, const window_t *w, int64_t short_start)
{
    int64_t k = (short_start - dh_table_window_start(w)) / DH_S_TO_US(x->p.window_short);
    return k >= 0 && k < SLOTS ? (int)k : -1;
}

/* Bytes of a long window, attributed to the short window they fell in:
   new ones in the exact phase, every query's in the late phase. */
static void slot_add(const exfil_t *x, window_t *w, int64_t short_start, uint64_t bytes, bool late)
{
    int k = slot_of(x, w, short_start);
    if (k < 0)
        return;
    if (late)
        w->slot_late[k] += bytes;
    else
        w->slot_exact[k] += bytes;
}

static void update(exfil_t *x, dh_table_t *t, const dh_event_view_t *view,
                   const dh_verdict_t *v, const payload_t *pl)
{
    const dh_event_t *ev = view->ev;
    window_t *w = dh_kit_touch_pair_window(t, view, DOMAIN_MAX, v);
    if (!w)
        return;
    w->common |= v->common;
    w->encodings |= pl->encodings;
    bool fresh = dh_distinct_add(&w->names, pl->hash);
    bool late = w->names.hll;
    if (late)
        acc_add(&w->late, pl);
    else if (fresh)
        acc_add(&w->exact, pl);
    if (fresh)
        DH_KIT_ADD_SAMPLE(w, ev->qname, ev->qname_len);
    if (t == x->long_t && (fresh || late))
        slot_add(x, w, floor_to(ev->ts_us, DH_S_TO_US(x->p.window_short)), pl->qbytes + pl->abytes,
                 late);
    if (t == x->short_t)
        dh_kit_early_check(&x->kit, t, view->pair_key, view->pair_len, w, ev->ts_us);
}

static void exfil_on_event(void *state, const dh_event_view_t *view, const dh_verdict_t *v,
                           const dh_detect_env_t *env)
{
    const dh_event_t *ev = view->ev;
    (void)env;
    exfil_t *x = state;
    payload_t pl;
    if (v->benign_service || ev->client.family == DH_AF_UNSET || !measure(x, view, &pl))
        return;
    /* key: the view's client x domain pair; one table at a time: a touch may
       evict, so no pointer is kept across */
    update(x, x->short_t, view, v, &pl);
    update(x, x->long_t, view, v, &pl);
}

/* ---- closing --------------------------------------------------------- */

static est_t estimate(const window_t *w)
{
    est_t e = {.distinct = dh_distinct_count(&w->names)};
    double s = 0;
    if (w->late.names) {
        s = (e.distinct - w->exact.names) / (double)w->late.names;
        s = s < 0 ? 0 : s > 1 ? 1 : s;
    }
    e.scale = s;
    e.qbytes = (double)w->exact.qbytes + s * (double)w->late.qbytes;
    e.abytes = (double)w->exact.abytes + s * (double)w->late.abytes;
    e.labels = w->exact.labels + s * w->late.labels;
    e.label_chars = (double)w->exact.label_chars + s * (double)w->late.label_chars;
    return e;
}

typedef struct {
    const window_t *w;
    est_t e;
    double budget, payload, reported;
    int64_t window_s, ws;
    bool is_long;
} finding_t;

static void encodings_json(dh_strbuf_t *sb, unsigned enc)
{
    dh_json_open_arr(sb, "encodings");
    for (unsigned a = DH_ALPHA_HEX; a <= DH_ALPHA_BINARY; a++)
        if (enc & (1u << a)) {
            const char *name = dh_lex_alphabet_name((dh_lex_alphabet_t)a);
            dh_json_sep(sb);
            dh_json_string(sb, name, strlen(name));
        }
    dh_sb_putc(sb, ']');
}

static void evidence(exfil_t *x, const finding_t *f)
{
    const window_t *w = f->w;
    dh_strbuf_t *sb = &x->kit.ev;
    double span = (double)(w->h.last_us - w->h.first_us) / 1e6;
    dh_sb_reset(sb);
    dh_json_kv_int(sb, "window_seconds", f->window_s);
    dh_json_kv_uint(sb, "estimated_payload_bytes", (uint64_t)llround(f->payload));
    dh_json_kv_uint(sb, "query_payload_bytes", (uint64_t)llround(f->e.qbytes));
    dh_json_kv_uint(sb, "answer_payload_bytes", (uint64_t)llround(f->e.abytes));
    dh_json_kv_str(sb, "estimate_basis", BASIS);
    dh_json_kv_uint(sb, "budget_bytes", (uint64_t)llround(f->budget));
    dh_json_kv_uint(sb, "distinct_encoded_subdomains", (uint64_t)llround(f->e.distinct));
    dh_json_kv_bool(sb, "distinct_is_estimate", w->names.hll);
    dh_json_kv_uint(sb, "queries", w->h.events);
    dh_json_kv_double(sb, "mean_label_length", f->e.labels > 0 ? f->e.label_chars / f->e.labels : 0);
    encodings_json(sb, w->encodings);
    dh_json_kv_double(sb, "queries_per_hour", w->h.events * 3600.0 / (span > 1 ? span : 1));
    dh_json_kv_bool(sb, "common_domain", w->common);
    if (f->is_long) {
        dh_json_kv_uint(sb, "bytes_reported_by_short_window", (uint64_t)llround(f->reported));
        dh_json_kv_uint(sb, "bytes_not_reported_by_short_window",
                        (uint64_t)llround(f->payload - f->reported));
    }
    dh_json_kv_uint(sb, "sample_max_length", SAMPLE_LEN);
    DH_KIT_JSON_SAMPLES(sb, "samples", w);
}

static void emit(exfil_t *x, const finding_t *f, const void *key, size_t keylen)
{
    const window_t *w = f->w;
    char domain[DOMAIN_MAX];
    dh_kit_key_domain(key, keylen, domain, sizeof(domain));
    evidence(x, f);
    double conf = x->kit.rule->confidence + 0.1 * (f->payload >= 2 * f->budget) +
                  0.1 * (f->payload >= 4 * f->budget);
    dh_detection_t d = DH_KIT_SAMPLES_DETECTION(w, f->ws);
    d.registered_domain = domain;
    d.entity = f->is_long ? x->entity_long : x->entity_short; /* 1 h and 24 h ids differ */
    d.confidence = dh_kit_confidence(conf);
    dh_kit_emit(&x->kit, &d);
}

/* A short-window finding: the long window of the same key learns which of
   its bytes were reported. */
static void note_reported(exfil_t *x, const void *key, size_t keylen, int64_t ws)
{
    window_t *day = dh_table_find(x->long_t, key, keylen, ws);
    if (!day)
        return;
    int k = slot_of(x, day, ws);
    if (k >= 0) {
        day->reported_exact += day->slot_exact[k];
        day->reported_late += day->slot_late[k];
        day->slot_exact[k] = day->slot_late[k] = 0;
    }
}

static bool judge(const exfil_t *x, window_t *w, int64_t ws, bool is_long, finding_t *f)
{
    double base = (double)(is_long ? x->p.budget_long_bytes : x->p.budget_short_bytes);
    *f = (finding_t){.w = w, .e = estimate(w), .ws = ws, .is_long = is_long};
    f->budget = w->common ? base * x->p.common_factor : base;
    f->payload = f->e.qbytes + f->e.abytes;
    f->window_s = is_long ? x->p.window_long : x->p.window_short;
    f->reported = (double)w->reported_exact + f->e.scale * (double)w->reported_late;
    if (f->payload < f->budget || f->e.distinct < (double)x->p.min_distinct)
        return false;
    /* a long window whose every byte a short finding already reported */
    return !is_long || f->payload - f->reported >= 1;
}

static void close_window(exfil_t *x, const void *key, size_t keylen, void *value, int64_t ws,
                         bool is_long, bool early)
{
    finding_t f;
    if (!judge(x, value, ws, is_long, &f))
        return;
    emit(x, &f, key, keylen);
    if (!is_long && !early) /* the open window's bytes are reported once it closes */
        note_reported(x, key, keylen, ws);
}

static void on_close_short(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                           dh_close_t why)
{
    /* an evicted window still reports what it had */
    close_window(ctx, key, keylen, value, ws, false, dh_kit_is_early(why));
}

static void on_close_long(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                          dh_close_t why)
{
    (void)why;
    close_window(ctx, key, keylen, value, ws, true, false);
}

/* ---- life cycle ------------------------------------------------------ */

/* After the thresholds: the two windows checked against each other, their
   entities and tables. */
static int exfil_setup(void *state, char *err, size_t errlen)
{
    exfil_t *x = state;
    if (check_windows(x->kit.rule, &x->p, err, errlen))
        return -1;
    snprintf(x->entity_short, sizeof(x->entity_short), "window:%llds",
             (long long)x->p.window_short);
    snprintf(x->entity_long, sizeof(x->entity_long), "window:%llds", (long long)x->p.window_long);
    /* judge() reads counters only: the short window is checked on every
       event; the long one is not (what of it the short findings cover is
       known only when they close) */
    dh_kit_etable_opts_t o = {.name = "dns_exfil.client_domain_short",
                              .value_size = sizeof(window_t), .window_s = x->p.window_short,
                              .on_close = on_close_short, .ctx = x, .pace = {1, 0}};
    x->short_t = dh_kit_early_table(&x->kit, &o);
    x->long_t = dh_kit_table(&x->kit, "dns_exfil.client_domain_long", sizeof(window_t),
                             x->p.window_long, on_close_long, x);
    return 0;
}

static const dh_kit_spec_t spec = {.size = sizeof(exfil_t), .params = &params,
                                   .setup = exfil_setup};

const dh_detector_type_t dh_detector_dns_exfil = {
    .name = "dns_exfil",
    .description = "Low-and-slow exfiltration over DNS: payload budget per client x domain "
                   "over 1 h and 24 h (T1048.003)",
    .kit = &spec,
    .on_event = exfil_on_event,
};
