/*
 * new-domain-hunt.c - new_domain's retro-hunt mode (--hunt; see
 * new-domain-hunt.h for what it judges and why).
 *
 * Why one pass with buffered state rather than two passes over the files:
 * the inputs may be stdin or gzip streams that cannot be read twice, and a
 * domain's facts are small and fixed-size (its first clients, counters, the
 * largest TTL, its label's score, a sample name), so one entry per
 * registered domain in a table without window, charged to --max-state-mb,
 * holds the whole archive. Popular domains (the noise rules' list) are never
 * kept. A domain the memory bound evicts is not judged (its client count
 * would be partial, and a partial count makes a common domain look rare);
 * the evictions are counted in --stats (state.evicted) and said at the end.
 *
 * Judged at end of input only, in the order the domains were first seen:
 * the output depends on the records alone, byte for byte.
 */
#include "new-domain-hunt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../regdom.h"
#include "../sketch.h"
#include "../util-ip.h"
#include "../util-mem.h"
#include "../util-time.h"

#define MAX_CLIENTS 8 /* hunt_max_clients' limit stays below it */
#define SAMPLE_LEN 128
#define RCODE_NXDOMAIN 3
#define EVICTED_BITS (1u << 20) /* 128 KiB: a domain evicted is remembered here */

typedef struct {
    uint8_t n_clients, clients_more, dyndns, label_class, sample_len, platform, from_resolver;
    uint8_t partial; /* this domain was evicted before: its counts restarted */
    float label_score;
    int64_t first_us, last_us, max_ttl;
    uint64_t queries, subdomain_queries, responses, nxdomain, answered;
    dh_addr_t clients[MAX_CLIENTS];
    char sample[SAMPLE_LEN];
} domain_t;

struct dh_hunt {
    dh_hunt_env_t e;
    dh_table_t *table;
    /* per client: how many registered domains first failed NXDOMAIN for it.
       Made after table, so the end of input (state.h: tables close in the
       order they were made) judges every domain while these are still kept */
    dh_table_t *clients_nx;
    int64_t first_us, last_us; /* the archive's span (every event, popular ones too) */
    uint64_t events;
    dh_distinct_t clients;     /* the archive's distinct clients */
    uint64_t evicted;
    /* Bloom filter (two bits a domain) of the domains evicted so far, made at
       the first eviction: a domain seen again after it was evicted would be
       judged on the counts since, which makes a common domain look rare, so it
       is not judged at all (a false positive of the filter only spares a
       domain the judgement) */
    uint8_t *evicted_bits;
};

static void bloom_bits(uint64_t hash, uint32_t *a, uint32_t *b)
{
    *a = (uint32_t)hash % EVICTED_BITS;
    *b = (uint32_t)(hash >> 32) % EVICTED_BITS;
}

static void remember_evicted(dh_hunt_t *h, uint64_t hash)
{
    uint32_t a, b;
    if (!h->evicted_bits)
        h->evicted_bits = dh_calloc(EVICTED_BITS / 8, 1);
    bloom_bits(hash, &a, &b);
    h->evicted_bits[a / 8] |= (uint8_t)(1u << (a % 8));
    h->evicted_bits[b / 8] |= (uint8_t)(1u << (b % 8));
}

static bool was_evicted(const dh_hunt_t *h, uint64_t hash)
{
    uint32_t a, b;
    if (!h->evicted_bits)
        return false;
    bloom_bits(hash, &a, &b);
    return (h->evicted_bits[a / 8] >> (a % 8) & 1) && (h->evicted_bits[b / 8] >> (b % 8) & 1);
}

/* ---- the judgement ------------------------------------------------------ */

/* The evidence a domain's facts carry (DH_HUNT_*). */
static unsigned signals_of(const dh_hunt_params_t *p, const dh_hunt_facts_t *f)
{
    unsigned s = 0;
    /* a wordlike label (brand names, wordlist DGAs) is no random one, however
       it scores per character; short ones are not judged */
    if (f->label_class == DH_LEX_RANDOM)
        s |= DH_HUNT_RANDOM;
    else if (f->label_class == DH_LEX_PLAIN && f->label_score >= p->lexical_score)
        s |= DH_HUNT_LEXICAL;
    /* malware is configured with bare domains; people browse www. and
       subdomains of a site */
    if (f->queries > 0 && f->subdomain_queries == 0)
        s |= DH_HUNT_APEX;
    if (f->dyndns)
        s |= DH_HUNT_DYNDNS;
    /* every response failed: a name that never existed here */
    if (f->responses > 0 && f->nxdomain == f->responses)
        s |= DH_HUNT_NXDOMAIN;
    if (f->answered > 0 && f->max_ttl >= 0 && f->max_ttl <= p->low_ttl)
        s |= DH_HUNT_LOW_TTL;
    return s;
}

static int64_t weight_of(const dh_hunt_params_t *p, unsigned s)
{
    return ((s & DH_HUNT_RANDOM) ? p->random_weight : 0) +
           ((s & DH_HUNT_LEXICAL) ? p->lexical_weight : 0) +
           ((s & DH_HUNT_APEX) ? p->apex_weight : 0) +
           ((s & DH_HUNT_DYNDNS) ? p->dyndns_weight : 0) +
           ((s & DH_HUNT_NXDOMAIN) ? p->nxdomain_weight : 0) +
           ((s & DH_HUNT_LOW_TTL) ? p->low_ttl_weight : 0);
}

dh_hunt_verdict_t dh_hunt_judge(const dh_hunt_params_t *p, const dh_hunt_facts_t *f)
{
    dh_hunt_verdict_t r = {0};
    r.rare = !f->clients_more && f->clients >= 1 && (int64_t)f->clients <= p->max_clients;
    r.signals = signals_of(p, f);
    r.score = weight_of(p, r.signals);
    /* a client failing for many names is a DGA: its dead names one by one
       are noise (the dga detector reports the burst); what it resolved
       still counts */
    r.flood = (r.signals & DH_HUNT_NXDOMAIN) && f->client_nxdomains > p->nxdomain_flood;
    r.finding = r.rare && r.score >= p->min_score && !r.flood;
    return r;
}

/* The most NXDOMAIN domains one of d's clients had. */
static uint32_t client_nxdomains(const dh_hunt_t *h, const domain_t *d)
{
    uint32_t most = 0;
    for (uint8_t i = 0; i < d->n_clients && d->nxdomain; i++) {
        const uint32_t *n = dh_table_find_h(h->clients_nx, &d->clients[i], sizeof(dh_addr_t),
                                            dh_hash64(&d->clients[i], sizeof(dh_addr_t)), 0);
        if (n && *n > most)
            most = *n;
    }
    return most;
}

static dh_hunt_facts_t facts_of(const dh_hunt_t *h, const domain_t *d)
{
    return (dh_hunt_facts_t){.clients = d->n_clients,
                             .clients_more = d->clients_more,
                             .queries = d->queries,
                             .subdomain_queries = d->subdomain_queries,
                             .responses = d->responses,
                             .nxdomain = d->nxdomain,
                             .answered = d->answered,
                             .max_ttl = d->max_ttl,
                             .label_class = d->label_class,
                             .label_score = d->label_score,
                             .dyndns = d->dyndns,
                             .client_nxdomains = client_nxdomains(h, d)};
}

/* ---- gathering ------------------------------------------------------------ */

/* The longest run of letters in s[0..n) (the first of that length): where
   it starts, and its length in *len. */
static size_t longest_letter_run(const char *s, size_t n, size_t *len)
{
    size_t best = 0, best_len = 0, i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && ((s[j] >= 'a' && s[j] <= 'z') || (unsigned char)s[j] >= 0x80))
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j + 1;
    }
    *len = best_len;
    return best;
}

/* The label's look, once per domain. A name made of parts (ircd-hybrid,
   texas3006, knect365) is judged by its longest run of letters: the model
   scores the joints of hyphens and digits as improbable, which made
   compounds people chose look machine-made. Names a platform hands out
   (under a PSL private-section suffix) say nothing about their owner. */
static void first_sight(const dh_hunt_t *h, const dh_event_view_t *view, domain_t *d)
{
    const dh_event_t *ev = view->ev;
    d->first_us = d->last_us = ev->ts_us;
    d->max_ttl = -1;
    d->label_class = DH_LEX_UNJUDGED;
    size_t n = strcspn(view->rd, "."), run;
    bool idn = n >= 4 && memcmp(view->rd, "xn--", 4) == 0; /* punycode is no letters */
    d->platform = dh_regdom_under_private_suffix(view->rd);
    if (!idn && !d->platform) {
        size_t off = longest_letter_run(view->rd, n, &run);
        dh_lexscore_t ls;
        dh_lexmodel_classify(h->e.model, h->e.lex, view->rd + off, run, true, &ls);
        d->label_class = (uint8_t)ls.cls;
        d->label_score = (float)ls.score;
    }
    size_t cut = ev->qname_len < SAMPLE_LEN ? ev->qname_len : SAMPLE_LEN;
    memcpy(d->sample, ev->qname, cut);
    d->sample_len = (uint8_t)cut;
}

static void count(domain_t *d, const dh_event_view_t *view, const dh_verdict_t *v,
                  const dh_hunt_t *h)
{
    const dh_event_t *ev = view->ev;
    if (ev->ts_us < d->first_us)
        d->first_us = ev->ts_us;
    if (ev->ts_us > d->last_us)
        d->last_us = ev->ts_us;
    d->queries++;
    /* a platform's name (d1x7.cloudfront.net) is its registered domain:
       its apex says nothing, so it counts as a subdomain */
    d->subdomain_queries += view->sub_len > 0 || d->platform;
    d->responses += ev->rcode >= 0;
    if (ev->rcode == RCODE_NXDOMAIN && !d->nxdomain && ev->client.family != DH_AF_UNSET) {
        uint32_t *n = dh_table_touch_h(h->clients_nx, &ev->client, sizeof(ev->client),
                                       view->client_hash, ev->ts_us, NULL);
        if (n)
            ++*n;
    }
    d->nxdomain += ev->rcode == RCODE_NXDOMAIN;
    d->answered += ev->n_answers > 0;
    for (uint32_t i = 0; i < ev->n_answers; i++)
        if (ev->answers[i].section == DH_SECTION_ANSWER && ev->answers[i].ttl > d->max_ttl)
            d->max_ttl = ev->answers[i].ttl;
    if (!d->dyndns && dh_event_view_has_suffix(view, h->e.dyndns))
        d->dyndns = 1;
    d->from_resolver |= v->from_resolver;
    DH_KIT_ADD_CLIENT(d, &ev->client);
}

void dh_hunt_event(dh_hunt_t *h, const dh_event_view_t *view, const dh_verdict_t *v)
{
    const dh_event_t *ev = view->ev;
    if (!h->events || ev->ts_us < h->first_us)
        h->first_us = ev->ts_us;
    if (!h->events || ev->ts_us > h->last_us)
        h->last_us = ev->ts_us;
    h->events++;
    if (ev->client.family != DH_AF_UNSET)
        dh_distinct_add(&h->clients, view->client_hash);
    /* popular domains are never hunt findings: not kept at all */
    if (!view->rd || v->popular)
        return;
    bool created = false;
    domain_t *d = dh_table_touch_h(h->table, view->rd, view->rd_len, view->domain_hash,
                                   ev->ts_us, &created);
    if (!d)
        return;
    if (created) {
        first_sight(h, view, d);
        d->partial = was_evicted(h, view->domain_hash);
    }
    count(d, view, v, h);
}

/* ---- findings --------------------------------------------------------------- */

static void signals_arr(dh_strbuf_t *sb, bool rare, unsigned signals)
{
    static const struct {
        unsigned bit;
        const char *name;
    } s[] = {{DH_HUNT_RANDOM, "random_label"},
             {DH_HUNT_LEXICAL, "odd_label"},
             {DH_HUNT_APEX, "apex_only"},
             {DH_HUNT_DYNDNS, "dyndns"},
             {DH_HUNT_NXDOMAIN, "nxdomain"},
             {DH_HUNT_LOW_TTL, "low_ttl"}};
    dh_json_open_arr(sb, "signals");
    if (rare) {
        dh_json_sep(sb);
        dh_json_string(sb, "rare_in_archive", strlen("rare_in_archive"));
    }
    for (size_t i = 0; i < DH_N_OF(s); i++)
        if (signals & s[i].bit) {
            dh_json_sep(sb);
            dh_json_string(sb, s[i].name, strlen(s[i].name));
        }
    dh_sb_putc(sb, ']');
}

/* The thresholds the finding was judged by (the hunt's, from the rule). */
static void thresholds_obj(dh_strbuf_t *sb, const dh_hunt_env_t *e)
{
    static const char *const shown[] = {"hunt_max_clients", "hunt_min_score",
                                        "hunt_lexical_score", "hunt_low_ttl"};
    dh_kit_json_thresholds(sb, DH_KIT_PARAMS_OF(e->kit), e->thresholds, shown, DH_N_OF(shown));
}

static void evidence(const dh_hunt_t *h, const domain_t *d, const dh_hunt_verdict_t *r)
{
    char t1[DH_TIME_STRLEN], t2[DH_TIME_STRLEN];
    dh_strbuf_t *sb = &h->e.kit->ev;
    dh_sb_reset(sb);
    dh_json_kv_str(sb, "mode", "hunt");
    dh_json_kv_str(sb, "kind", "rare_in_archive");
    dh_json_kv_str(sb, "archive_first", dh_time_format(h->first_us, t1));
    dh_json_kv_str(sb, "archive_last", dh_time_format(h->last_us, t2));
    dh_json_kv_double(sb, "archive_span_seconds",
                      round((double)(h->last_us - h->first_us) / 1e3) / 1e3);
    dh_json_kv_uint(sb, "archive_events", h->events);
    dh_json_kv_uint(sb, "archive_clients", (uint64_t)llround(dh_distinct_count(&h->clients)));
    dh_json_kv_int(sb, "score", r->score);
    signals_arr(sb, r->rare, r->signals);
    dh_json_kv_uint(sb, "clients", d->n_clients);
    dh_kit_json_addrs(sb, "client_addresses", d->clients, d->n_clients);
    dh_json_kv_uint(sb, "queries", d->queries);
    dh_json_kv_uint(sb, "subdomain_queries", d->subdomain_queries);
    dh_json_kv_uint(sb, "answered", d->answered);
    dh_json_kv_uint(sb, "nxdomain", d->nxdomain);
    if (d->max_ttl >= 0)
        dh_json_kv_int(sb, "max_ttl", d->max_ttl);
    dh_json_kv_str(sb, "label_class", dh_lexmodel_class_name(d->label_class));
    dh_json_kv_double(sb, "label_score", round(d->label_score * 1000) / 1000);
    thresholds_obj(sb, &h->e);
}

static void emit(dh_hunt_t *h, const char *key, size_t keylen, const domain_t *d,
                 const dh_hunt_verdict_t *r)
{
    char dom[256];
    snprintf(dom, sizeof(dom), "%.*s", (int)(keylen < 255 ? keylen : 255), key);
    const dh_kit_t *k = h->e.kit;
    const dh_hunt_params_t *p = h->e.p;
    double conf = k->rule->confidence + p->confidence_step * (double)(r->score - p->min_score);
    evidence(h, d, r);
    dh_detection_t det = {
        .fired_us = h->last_us, /* judged once the archive was read */
        .start_us = d->first_us,
        .end_us = d->last_us,
        .window_start_us = d->first_us,
        .client = d->n_clients ? &d->clients[0] : NULL,
        .client_is_resolver = d->from_resolver,
        .qname = d->sample,
        .qname_len = d->sample_len,
        .registered_domain = dom,
        .entity = dom,
        .risk_score = -1,
        .confidence = dh_kit_confidence(conf),
    };
    dh_kit_emit(h->e.kit, &det);
}

static void on_close(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                     dh_close_t why)
{
    dh_hunt_t *h = ctx;
    const domain_t *d = value;
    (void)ws;
    if (why == DH_CLOSE_EVICTED) {
        h->evicted++; /* partial counts: not judged, now or if it comes back */
        remember_evicted(h, dh_hash64(key, keylen));
        return;
    }
    if (d->partial)
        return;
    dh_hunt_facts_t f = facts_of(h, d);
    dh_hunt_verdict_t r = dh_hunt_judge(h->e.p, &f);
    if (r.finding)
        emit(h, key, keylen, d, &r);
}

/* ---- life cycle ------------------------------------------------------------ */

dh_hunt_t *dh_hunt_new(const dh_hunt_env_t *he)
{
    dh_hunt_t *h = dh_calloc(1, sizeof(*h));
    h->e = *he;
    /* no window: every domain lives until end of input (or eviction) */
    h->table = dh_kit_table(he->kit, "new_domain.hunt", sizeof(domain_t), 0, on_close, h);
    h->clients_nx =
        dh_kit_table(he->kit, "new_domain.hunt_client", sizeof(uint32_t), 0, NULL, NULL);
    if (!h->table || !h->clients_nx) {
        free(h);
        return NULL;
    }
    return h;
}

void dh_hunt_finish(dh_hunt_t *h)
{
    if (h && h->evicted)
        dh_log(h->e.kit->env->log, DH_LOG_WARN, "detector", "new_domain",
               "--hunt: %llu domain entries left the state under --max-state-mb; those "
               "domains were not judged (raise it for this archive)",
               (unsigned long long)h->evicted);
}

void dh_hunt_free(dh_hunt_t *h)
{
    if (h)
        free(h->evicted_bits);
    free(h); /* its tables belong to the state */
}
