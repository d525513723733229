/*
 * dns_tunnel.c - DNS tunneling over NULL / PRIVATE record types
 * (T1071.004, DET0400).
 *
 * iodine and its kin prefer the NULL (10) and PRIVATE (65399) RR types: they
 * carry arbitrary binary data and no legitimate application on a corporate
 * network asks for them. Per client x registered domain and tumbling window
 * (event time), queries of the configured types are counted; a window that
 * reaches `min_queries` is reported once, when it closes, with the counts and
 * a few sample names as evidence. Windows close when the watermark passes
 * their end, or at end of input.
 *
 * This is the Foundation detector: the windowed analytics engine replaces
 * its table with the shared keyed state and adds the lexical features.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../detector.h"
#include "../util-ip.h"
#include "../util-mem.h"

#define MAX_QTYPES 8
#define MAX_SAMPLES 3
#define DOMAIN_MAX 256
#define DISTINCT_MAX 64

typedef struct {
    bool used;
    dh_addr_t client;
    int64_t window;            /* window index: floor(ts / window_us) */
    char domain[DOMAIN_MAX];   /* registered domain, else the query name (any bytes) */
    size_t domain_len;
    uint64_t queries;
    uint64_t per_qtype[MAX_QTYPES];
    int64_t first_us, last_us;
    uint32_t n_distinct;       /* exact up to DISTINCT_MAX */
    uint64_t distinct[DISTINCT_MAX];
    uint32_t n_samples;
    char samples[MAX_SAMPLES][DOMAIN_MAX];
    size_t sample_len[MAX_SAMPLES];
} entry_t;

typedef struct {
    dh_rule_t *rule;
    int64_t window_us;
    int64_t min_queries;
    long qtypes[MAX_QTYPES];
    size_t n_qtypes;
    entry_t *table;
    size_t cap, used, max_entries;
    int64_t oldest_window; /* smallest window index with live entries */
    uint64_t dropped;      /* entries refused because the table was full */
    dh_strbuf_t evidence;
} tunnel_t;

static void *tunnel_create(dh_rule_t *rule, char *err, size_t errlen)
{
    tunnel_t *t = dh_calloc(1, sizeof(*t));
    int64_t window_s = 300, max_entries = 100000;
    t->min_queries = 5;
    if (dh_yaml_int(rule->thresholds, "window", false, 1, 86400, &window_s, err, errlen) ||
        dh_yaml_int(rule->thresholds, "min_queries", false, 1, 1000000, &t->min_queries, err,
                    errlen) ||
        dh_yaml_int(rule->thresholds, "max_entries", false, 16, 100000000, &max_entries, err,
                    errlen) ||
        dh_rule_int_list(rule, "qtypes", t->qtypes, MAX_QTYPES, &t->n_qtypes, err, errlen)) {
        free(t);
        return NULL;
    }
    if (t->n_qtypes == 0) {
        t->qtypes[0] = 10;
        t->qtypes[1] = 65399;
        t->n_qtypes = 2;
    }
    t->rule = rule;
    t->window_us = window_s * 1000000;
    t->max_entries = (size_t)max_entries;
    t->cap = 1024;
    t->table = dh_calloc(t->cap, sizeof(entry_t));
    t->oldest_window = INT64_MAX;
    dh_sb_init(&t->evidence);
    return t;
}

static uint64_t hash_bytes(const void *p, size_t n, uint64_t h)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static uint64_t key_hash(const dh_addr_t *c, int64_t window, const char *domain, size_t dlen)
{
    uint64_t h = hash_bytes(c, sizeof(*c), 1469598103934665603ULL);
    h = hash_bytes(&window, sizeof(window), h);
    return hash_bytes(domain, dlen, h);
}

static bool key_equal(const entry_t *e, const dh_addr_t *c, int64_t window, const char *domain,
                      size_t dlen)
{
    return e->window == window && dh_addr_equal(&e->client, c) && e->domain_len == dlen &&
           memcmp(e->domain, domain, dlen) == 0;
}

static void grow(tunnel_t *t);

/* Find or create the entry; NULL when the table is at its bound. */
static entry_t *lookup(tunnel_t *t, const dh_addr_t *c, int64_t window, const char *domain,
                       size_t dlen)
{
    if ((t->used + 1) * 2 > t->cap) {
        if (t->cap / 2 >= t->max_entries)
            return NULL;
        grow(t);
    }
    size_t i = key_hash(c, window, domain, dlen) & (t->cap - 1);
    while (t->table[i].used) {
        if (key_equal(&t->table[i], c, window, domain, dlen))
            return &t->table[i];
        i = (i + 1) & (t->cap - 1);
    }
    entry_t *e = &t->table[i];
    memset(e, 0, sizeof(*e));
    e->used = true;
    e->client = *c;
    e->window = window;
    memcpy(e->domain, domain, dlen);
    e->domain[dlen] = '\0';
    e->domain_len = dlen;
    t->used++;
    if (window < t->oldest_window)
        t->oldest_window = window;
    return e;
}

static void grow(tunnel_t *t)
{
    entry_t *old = t->table;
    size_t old_cap = t->cap;
    t->cap *= 2;
    t->table = dh_calloc(t->cap, sizeof(entry_t));
    t->used = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].used) {
            entry_t *e = &old[i];
            size_t j = key_hash(&e->client, e->window, e->domain, e->domain_len) & (t->cap - 1);
            while (t->table[j].used)
                j = (j + 1) & (t->cap - 1);
            t->table[j] = *e;
            t->used++;
        }
    free(old);
}

static int qtype_index(const tunnel_t *t, int32_t qtype)
{
    for (size_t i = 0; i < t->n_qtypes; i++)
        if (t->qtypes[i] == qtype)
            return (int)i;
    return -1;
}

static void remember_name(entry_t *e, const dh_event_t *ev)
{
    uint64_t h = hash_bytes(ev->qname_lc, ev->qname_len, 1469598103934665603ULL);
    for (uint32_t i = 0; i < e->n_distinct; i++)
        if (e->distinct[i] == h)
            return;
    if (e->n_distinct < DISTINCT_MAX)
        e->distinct[e->n_distinct++] = h;
    if (e->n_samples < MAX_SAMPLES) {
        size_t n = ev->qname_len < DOMAIN_MAX - 1 ? ev->qname_len : DOMAIN_MAX - 1;
        memcpy(e->samples[e->n_samples], ev->qname, n);
        e->sample_len[e->n_samples++] = n;
    }
}

static void tunnel_on_event(void *state, const dh_event_t *ev, const dh_detect_env_t *env)
{
    (void)env;
    tunnel_t *t = state;
    int qi = qtype_index(t, ev->qtype);
    if (qi < 0 || !ev->has_qname || ev->client.family == DH_AF_UNSET)
        return;
    const char *domain = ev->registered_domain ? ev->registered_domain : ev->qname_lc;
    size_t dlen = ev->registered_domain ? strlen(domain) : ev->qname_len;
    if (dlen >= DOMAIN_MAX)
        dlen = DOMAIN_MAX - 1;
    int64_t window = ev->ts_us >= 0 ? ev->ts_us / t->window_us : -1;
    entry_t *e = lookup(t, &ev->client, window, domain, dlen);
    if (!e) {
        t->dropped++;
        return;
    }
    if (e->queries == 0 || ev->ts_us < e->first_us)
        e->first_us = ev->ts_us;
    if (e->queries == 0 || ev->ts_us > e->last_us)
        e->last_us = ev->ts_us;
    e->queries++;
    e->per_qtype[qi]++;
    remember_name(e, ev);
}

static void report(tunnel_t *t, const entry_t *e, const dh_detect_env_t *env)
{
    dh_strbuf_t *sb = &t->evidence;
    dh_sb_reset(sb);
    dh_json_kv_int(sb, "window_seconds", t->window_us / 1000000);
    dh_json_kv_uint(sb, "queries", e->queries);
    dh_json_open_obj(sb, "queries_by_qtype");
    for (size_t i = 0; i < t->n_qtypes; i++)
        if (e->per_qtype[i]) {
            char k[16];
            snprintf(k, sizeof(k), "%ld", t->qtypes[i]);
            dh_json_kv_uint(sb, k, e->per_qtype[i]);
        }
    dh_sb_putc(sb, '}');
    dh_json_kv_uint(sb, "distinct_names", e->n_distinct);
    dh_json_kv_bool(sb, "distinct_names_capped", e->n_distinct >= DISTINCT_MAX);
    dh_json_kv_int(sb, "threshold_min_queries", t->min_queries);
    dh_json_open_arr(sb, "samples");
    for (uint32_t i = 0; i < e->n_samples; i++) {
        dh_json_sep(sb);
        dh_json_string(sb, e->samples[i], e->sample_len[i]);
    }
    dh_sb_putc(sb, ']');
    dh_detection_t d = {
        .rule_name = "dns_tunnel",
        .rule = t->rule,
        .fired_us = e->last_us,
        .start_us = e->first_us,
        .end_us = e->last_us,
        .window_start_us = e->window * t->window_us,
        .client = &e->client,
        .qname = e->n_samples ? e->samples[0] : NULL,
        .qname_len = e->n_samples ? e->sample_len[0] : 0,
        .registered_domain = e->domain,
        .risk_score = -1,
        .confidence = -1,
        .evidence = sb,
    };
    env->emit(env->pipeline, &d);
}

/* Order of findings closed together: by window, first event, client, domain
   (independent of hash table layout, so output order is stable). */
static int entry_cmp(const void *a, const void *b)
{
    const entry_t *x = *(const entry_t *const *)a, *y = *(const entry_t *const *)b;
    if (x->window != y->window)
        return x->window < y->window ? -1 : 1;
    if (x->first_us != y->first_us)
        return x->first_us < y->first_us ? -1 : 1;
    int c = memcmp(&x->client, &y->client, sizeof(x->client));
    if (c)
        return c;
    size_t n = x->domain_len < y->domain_len ? x->domain_len : y->domain_len;
    c = memcmp(x->domain, y->domain, n);
    return c ? c : (x->domain_len > y->domain_len) - (x->domain_len < y->domain_len);
}

/* Report and drop every entry whose window index is <= last_window. */
static void close_windows(tunnel_t *t, int64_t last_window, const dh_detect_env_t *env)
{
    if (t->used == 0 || t->oldest_window > last_window)
        return;
    entry_t **closing = dh_malloc(t->used * sizeof(*closing));
    size_t n = 0;
    int64_t oldest = INT64_MAX;
    for (size_t i = 0; i < t->cap; i++) {
        entry_t *e = &t->table[i];
        if (!e->used)
            continue;
        if (e->window <= last_window)
            closing[n++] = e;
        else if (e->window < oldest)
            oldest = e->window;
    }
    qsort(closing, n, sizeof(*closing), entry_cmp);
    for (size_t i = 0; i < n; i++)
        if ((int64_t)closing[i]->queries >= t->min_queries)
            report(t, closing[i], env);
    free(closing);
    /* rebuild without the closed entries (linear probing has no cheap delete) */
    entry_t *old = t->table;
    size_t old_cap = t->cap;
    t->table = dh_calloc(t->cap, sizeof(entry_t));
    t->used = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].used && old[i].window > last_window) {
            size_t j = key_hash(&old[i].client, old[i].window, old[i].domain,
                                old[i].domain_len) & (t->cap - 1);
            while (t->table[j].used)
                j = (j + 1) & (t->cap - 1);
            t->table[j] = old[i];
            t->used++;
        }
    free(old);
    t->oldest_window = oldest;
}

static void tunnel_on_watermark(void *state, int64_t wm, const dh_detect_env_t *env)
{
    tunnel_t *t = state;
    /* window w covers [w*len, (w+1)*len): closed once wm >= its end */
    int64_t last_closed = wm >= 0 ? wm / t->window_us - 1 : -2;
    close_windows(t, last_closed, env);
}

static void tunnel_flush(void *state, const dh_detect_env_t *env)
{
    close_windows(state, INT64_MAX, env);
}

static void tunnel_destroy(void *state)
{
    tunnel_t *t = state;
    if (!t)
        return;
    free(t->table);
    dh_sb_free(&t->evidence);
    free(t);
}

const dh_detector_type_t dh_detector_dns_tunnel = {
    .name = "dns_tunnel",
    .description = "DNS tunneling over NULL/PRIVATE record types (T1071.004)",
    .create = tunnel_create,
    .on_event = tunnel_on_event,
    .on_watermark = tunnel_on_watermark,
    .flush = tunnel_flush,
    .destroy = tunnel_destroy,
};
