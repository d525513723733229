/*
 * fast-flux.c - Fast Flux DNS (T1568.001, TA0011, DET0485).
 *
 * A fast-flux domain resolves to a large, constantly changing pool of
 * compromised hosts: many distinct A/AAAA answers, scattered over many
 * networks (home connections of a botnet, all over the address space), with
 * short TTLs so the answers keep rotating. No ASN database is needed: the
 * spread of the answers over /16 networks stands in for "many ASNs".
 *
 * Per registered domain and 1-hour window (event time) the answers of every
 * response are accumulated: distinct addresses, distinct /24s (IPv6: /48) and
 * /16s (IPv6: /32), the response's TTL (the largest of its address records:
 * shares below low_ttl and very_low_ttl, min and max), distinct clients, and
 * the answer churn. Churn compares the address set of a response (an
 * order-independent hash, so round-robin reordering is no change) with the
 * previous response for the same name and address family: a comparison
 * counts when the set changed, or when it stayed the same although the
 * earlier answer's TTL had expired (a fresh resolution that could have
 * changed it); answers served again from a cache within their TTL say
 * nothing and are not counted. churn = changes / comparisons.
 *
 * The window fires when: responses >= min_responses, distinct addresses >=
 * min_addresses, distinct /16s >= min_networks_16 and >= min_network_ratio
 * times the distinct addresses (a botnet's hosts are each in their own
 * network; a big CDN such as Akamai owns many /16s but hands out many
 * addresses from each, about 0.15 /16s per address), the share of responses
 * with TTL < low_ttl >= low_ttl_share, changes >= min_changes and churn >=
 * min_churn. TTLs below very_low_ttl in very_low_ttl_share of responses
 * (DET0485: "< 60 s strongly") and a /16 spread of twice the threshold add to
 * the confidence; responses that reach their addresses through a CNAME (CDN
 * style: www.example.com -> e1.cdn.example.net -> A) lower it.
 *
 * CDNs rotate many addresses with low TTLs too, but from a few provider
 * networks: their answers stay within a handful of /16s, which is why the
 * /16 spread is the deciding threshold. Domains on the popular list (CDNs,
 * the NTP pool...) are skipped; domains queried by many local clients
 * (noise control's "common") need common_factor times the address and /16
 * thresholds. The entity is the domain (registered_domain, no client).
 *
 * State: a domain gets an entry only once a response for it carries address
 * records with TTL < low_ttl; after that, all its responses in the window are
 * counted. Domains with long TTLs (most of them) create no state.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "../detector-kit.h"
#include "../sketch.h"
#include "../util-dns.h"
#include "../util-ip.h"
#include "../util-mem.h"

#define SAMPLES 5
#define QNAME_LEN 128
#define DOMAIN_MAX 256
#define RECENT 4 /* names (x address family) per domain remembered for churn */

typedef struct {
    int64_t window, min_responses, min_addresses, min_networks_16, low_ttl, very_low_ttl,
        min_changes;
    double min_network_ratio, common_network_ratio, low_ttl_share, very_low_ttl_share, min_churn,
        common_factor;
} params_t;

typedef struct {
    uint64_t name;      /* hash of the query name and the answers' families, 0: free */
    uint64_t set;       /* order-independent hash of the address set */
    int64_t expires_us; /* when the answer's TTL runs out */
} recent_t;

typedef struct {
    dh_kit_early_t early;
    uint64_t responses, addr_records, low_ttl, very_low_ttl, via_cname;
    uint64_t compared, changes;
    int64_t first_us, last_us;
    int64_t ttl_min, ttl_max; /* -1 unknown */
    uint8_t common, n_samples, recent_next, qname_len;
    dh_addr_t samples[SAMPLES];
    recent_t recent[RECENT];
    char qname[QNAME_LEN];
    dh_distinct_t addrs, net24, net16, clients, sets;
} window_t;

typedef struct {
    dh_kit_t kit;
    params_t p;
} flux_t;
DH_KIT_STATE_LAYOUT(flux_t, p);

static const dh_kit_params_t params = DH_KIT_FIELDS(params_t, window, min_responses,
    min_addresses, min_networks_16, low_ttl, very_low_ttl, min_changes, min_network_ratio,
    common_network_ratio, low_ttl_share, very_low_ttl_share, min_churn, common_factor);

static int check_params(void *state, char *err, size_t errlen)
{
    const dh_kit_t *k = state;
    const params_t *p = &((const flux_t *)state)->p;
    if (p->very_low_ttl >= p->low_ttl)
        return dh_kit_param_error(k, "very_low_ttl", "must be less than low_ttl", err, errlen);
    return 0;
}

static void on_close(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                     dh_close_t why);

static const dh_kit_spec_t spec = {
    .size = sizeof(flux_t),
    .params = &params,
    .setup = check_params,
    /* check() reads counters and a few sketches: O(1), every response */
    .table = {.name = "fast_flux.domain", .value_size = sizeof(window_t),
              .on_close = on_close, .pace = {1, 0}},
};

/* Hash of the first bits of an address (family included). */
static uint64_t prefix_hash(const dh_addr_t *a, unsigned bits)
{
    uint8_t b[18] = {a->family, (uint8_t)bits};
    unsigned full = bits / 8;
    memcpy(b + 2, a->bytes, full);
    if (bits % 8)
        b[2 + full] = a->bytes[full] & (uint8_t)(0xff << (8 - bits % 8));
    return dh_hash64(b, 2 + (bits + 7) / 8);
}

/* The address records of the answer section, parsed; their number. */
#define MAX_ADDRS 64
typedef struct {
    dh_addr_t addr[MAX_ADDRS];
    size_t n;
    int64_t ttl; /* largest TTL of the address records, -1 unknown */
    unsigned families; /* bit 0 IPv4, bit 1 IPv6 */
    bool cname;
} answers_t;

static void collect_answers(const dh_event_t *ev, answers_t *out)
{
    out->n = 0;
    out->ttl = -1;
    out->families = 0;
    out->cname = false;
    for (uint32_t i = 0; i < ev->n_answers; i++) {
        const dh_answer_t *a = &ev->answers[i];
        if (a->section != DH_SECTION_ANSWER)
            continue;
        if (a->rrtype == DH_QTYPE_CNAME) {
            out->cname = true;
            continue;
        }
        if ((a->rrtype != DH_QTYPE_A && a->rrtype != DH_QTYPE_AAAA) || !a->data ||
            out->n >= MAX_ADDRS)
            continue;
        dh_addr_t *x = &out->addr[out->n];
        if (!dh_event_answer_addr(ev, i, x))
            continue;
        out->n++;
        out->families |= x->family == DH_AF_INET ? 1u : 2u;
        if (a->ttl > out->ttl)
            out->ttl = a->ttl;
    }
}

static void note_churn(window_t *w, uint64_t name, uint64_t set, int64_t ts_us, int64_t ttl)
{
    recent_t *r = NULL;
    for (int i = 0; i < RECENT; i++)
        if (w->recent[i].name == name) {
            r = &w->recent[i];
            break;
        }
    if (r) {
        if (r->set != set) {
            w->changes++;
            w->compared++;
        } else if (ts_us >= r->expires_us) {
            w->compared++;
        }
    } else {
        r = &w->recent[w->recent_next];
        w->recent_next = (uint8_t)((w->recent_next + 1) % RECENT);
        r->name = name;
    }
    r->set = set;
    r->expires_us = ts_us + (ttl > 0 ? ttl : 0) * 1000000;
}

static void flux_on_event(void *state, const dh_event_view_t *view, const dh_verdict_t *v,
                          const dh_detect_env_t *env)
{
    const dh_event_t *ev = view->ev;
    (void)env;
    flux_t *t = state;
    /* the site's internal zones (noise.yaml internal_zones) are its own
       hosts: many addresses there are DHCP and clusters, not flux */
    if (v->popular || !ev->registered_domain || ev->zone_source == DH_ZONE_INTERNAL ||
        !ev->has_qname || ev->n_answers == 0)
        return;
    size_t dlen = view->rd_len;
    if (dlen == 0 || dlen >= DOMAIN_MAX)
        return;
    answers_t ans;
    collect_answers(ev, &ans);
    if (ans.n == 0)
        return;
    bool low = ans.ttl >= 0 && ans.ttl < t->p.low_ttl;
    /* key: the registered domain, with the view's hash of it; one lookup.
       Long TTLs only refresh a domain already tracked (no state otherwise). */
    dh_table_t *tab = t->kit.table;
    window_t *w = low ? dh_table_touch_h(tab, view->rd, dlen, view->domain_hash, ev->ts_us, NULL)
                      : dh_table_refresh_h(tab, view->rd, dlen, view->domain_hash, ev->ts_us);
    if (!w)
        return;
    if (w->responses == 0) {
        w->ttl_min = w->ttl_max = -1;
        size_t n = ev->qname_len < QNAME_LEN ? ev->qname_len : QNAME_LEN;
        memcpy(w->qname, ev->qname, n);
        w->qname_len = (uint8_t)n;
    }
    dh_kit_span_add(&w->first_us, &w->last_us, ev->ts_us, w->responses == 0);
    w->responses++;
    w->common |= v->common;
    w->addr_records += ans.n;
    w->low_ttl += low;
    w->very_low_ttl += ans.ttl >= 0 && ans.ttl < t->p.very_low_ttl;
    w->via_cname += ans.cname;
    if (ans.ttl >= 0) {
        if (w->ttl_min < 0 || ans.ttl < w->ttl_min)
            w->ttl_min = ans.ttl;
        if (ans.ttl > w->ttl_max)
            w->ttl_max = ans.ttl;
    }
    if (ev->client.family != DH_AF_UNSET)
        dh_distinct_add(&w->clients, dh_hash64(&ev->client, sizeof(ev->client)));
    uint64_t set = ans.n;
    for (size_t i = 0; i < ans.n; i++) {
        const dh_addr_t *a = &ans.addr[i];
        bool v4 = a->family == DH_AF_INET;
        uint64_t h = prefix_hash(a, v4 ? 32 : 128);
        set += h; /* a sum: the same set in any order gives the same hash */
        if (dh_distinct_add(&w->addrs, h) && w->n_samples < SAMPLES)
            w->samples[w->n_samples++] = *a;
        dh_distinct_add(&w->net24, prefix_hash(a, v4 ? 24 : 48));
        dh_distinct_add(&w->net16, prefix_hash(a, v4 ? 16 : 32));
    }
    dh_distinct_add(&w->sets, set);
    uint64_t name = dh_hash64(ev->qname_lc, ev->qname_len) + ans.families * 0x9e3779b97f4a7c15ULL;
    note_churn(w, name ? name : 1, set, ev->ts_us, ans.ttl);
    dh_kit_early_check(&t->kit, t->kit.table, view->rd, dlen, w, ev->ts_us);
}

typedef struct {
    bool fired, very_low, wide, cname;
    double addrs, net16, ratio, low_share, very_low_share, churn, cname_share;
} verdict_t;

static verdict_t check(const flux_t *t, const window_t *w)
{
    const params_t *p = &t->p;
    double f = w->common ? p->common_factor : 1.0;
    verdict_t r = {0};
    if (!w->responses)
        return r;
    double n = (double)w->responses;
    r.addrs = dh_distinct_count(&w->addrs);
    r.net16 = fmin(dh_distinct_count(&w->net16), r.addrs); /* estimates: never more /16s than addresses */
    r.ratio = r.addrs > 0 ? r.net16 / r.addrs : 0;
    r.low_share = (double)w->low_ttl / n;
    r.very_low_share = (double)w->very_low_ttl / n;
    r.cname_share = (double)w->via_cname / n;
    r.churn = w->compared ? (double)w->changes / (double)w->compared : 0;
    r.fired = w->responses >= (uint64_t)p->min_responses && r.addrs >= f * p->min_addresses &&
              r.net16 >= f * p->min_networks_16 &&
              r.ratio >= (w->common ? p->common_network_ratio : p->min_network_ratio) &&
              r.low_share >= p->low_ttl_share &&
              w->changes >= (uint64_t)p->min_changes && r.churn >= p->min_churn;
    r.very_low = r.very_low_share >= p->very_low_ttl_share;
    r.wide = r.net16 >= 2 * f * p->min_networks_16;
    r.cname = r.cname_share >= 0.5;
    return r;
}

static void evidence(flux_t *t, const window_t *w, const verdict_t *r)
{
    const params_t *p = &t->p;
    dh_strbuf_t *sb = &t->kit.ev;
    dh_sb_reset(sb);
    dh_json_kv_int(sb, "window_seconds", p->window);
    dh_json_kv_uint(sb, "responses", w->responses);
    dh_json_kv_uint(sb, "address_records", w->addr_records);
    /* estimates stay in order: /16s <= /24s <= addresses */
    double net24 = fmin(dh_distinct_count(&w->net24), r->addrs);
    dh_json_kv_double(sb, "distinct_addresses", r->addrs);
    dh_json_kv_double(sb, "distinct_networks_24", net24);
    dh_json_kv_double(sb, "distinct_networks_16", fmin(r->net16, net24));
    dh_json_kv_double(sb, "networks_16_per_address", r->ratio);
    dh_json_kv_double(sb, "distinct_answer_sets", dh_distinct_count(&w->sets));
    dh_json_kv_double(sb, "distinct_clients", dh_distinct_count(&w->clients));
    dh_json_open_obj(sb, "ttl");
    dh_json_kv_int(sb, "min", w->ttl_min);
    dh_json_kv_int(sb, "max", w->ttl_max);
    dh_json_kv_double(sb, "share_below_low", r->low_share);
    dh_json_kv_double(sb, "share_below_very_low", r->very_low_share);
    dh_sb_putc(sb, '}');
    dh_json_kv_uint(sb, "churn_comparisons", w->compared);
    dh_json_kv_uint(sb, "churn_changes", w->changes);
    dh_json_kv_double(sb, "churn_rate", r->churn);
    dh_json_kv_double(sb, "cname_share", r->cname_share);
    dh_json_kv_bool(sb, "very_low_ttl", r->very_low);
    dh_json_kv_bool(sb, "common_domain", w->common);
    const dh_kit_count_t counts[] = {{"distinct_addresses", &w->addrs},
                                     {"distinct_networks_24", &w->net24},
                                     {"distinct_networks_16", &w->net16},
                                     {"distinct_answer_sets", &w->sets},
                                     {"distinct_clients", &w->clients}};
    dh_kit_json_estimates(sb, counts, DH_N_OF(counts));
    dh_kit_json_addrs(sb, "sample_addresses", w->samples, w->n_samples);
    dh_json_kv_strn(sb, "sample_query", w->qname, w->qname_len);
    double f = w->common ? p->common_factor : 1.0;
    /* as the rule sets them, but for the three a common domain scales */
    static const char *const as_set[] = {"min_responses"};
    static const char *const ttl_churn[] = {"low_ttl",      "low_ttl_share", "very_low_ttl",
                                            "very_low_ttl_share", "min_changes", "min_churn"};
    dh_json_open_obj(sb, "thresholds");
    dh_kit_json_params(sb, p, &params, as_set, DH_N_OF(as_set));
    dh_json_kv_double(sb, "min_addresses", f * p->min_addresses);
    dh_json_kv_double(sb, "min_networks_16", f * p->min_networks_16);
    dh_json_kv_double(sb, "min_network_ratio",
                      w->common ? p->common_network_ratio : p->min_network_ratio);
    dh_kit_json_params(sb, p, &params, ttl_churn, DH_N_OF(ttl_churn));
    dh_sb_putc(sb, '}');
}

static void on_close(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                     dh_close_t why)
{
    (void)why;
    flux_t *t = ctx;
    window_t *w = value;
    verdict_t r = check(t, w);
    if (!r.fired)
        return;
    evidence(t, w, &r);
    char domain[DOMAIN_MAX];
    memcpy(domain, key, keylen);
    domain[keylen] = '\0';
    double conf = t->kit.rule->confidence + 0.15 * r.very_low + 0.1 * r.wide - 0.1 * r.cname;
    double risk = t->kit.rule->risk_score + 10 * r.very_low + 5 * r.wide - 10 * r.cname;
    dh_detection_t d = {
        .fired_us = w->last_us,
        .start_us = w->first_us,
        .end_us = w->last_us,
        .window_start_us = ws,
        .qname = w->qname,
        .qname_len = w->qname_len,
        .registered_domain = domain,
        .risk_score = risk > 100 ? 100 : risk < 0 ? 0 : risk,
        .confidence = conf > 0.99 ? 0.99 : conf < 0.05 ? 0.05 : conf,
    };
    dh_kit_emit(&t->kit, &d);
}

const dh_detector_type_t dh_detector_fast_flux = {
    .name = "fast_flux",
    .description = "Fast flux DNS: many rotating, low-TTL answers over many networks (T1568.001)",
    .kit = &spec,
    .on_event = flux_on_event,
};
