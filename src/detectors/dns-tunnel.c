/*
 * dns-tunnel.c - DNS tunneling and C2 over DNS (T1071.004, DET0400).
 *
 * A tunnel has to move data through query names (and answers), so a client
 * talking to one registered domain through a tunnel shows, within minutes:
 * many distinct subdomains, long names and labels, labels in an encoding
 * alphabet (hex, base32, base64) with high character entropy, and record
 * types that carry data back (TXT, NULL, CNAME, MX, PRIVATE). Per client x
 * registered domain and 5-minute window (event time) those features are
 * accumulated; when the window closes each anchor rule is checked:
 *
 *   elastic    >= long_names distinct names of >= long_name_len chars and
 *              >= elastic_queries queries (Elastic's "DNS tunneling" rule)
 *   rita       >= rita_subdomains distinct subdomains (RITA)
 *   long_name  names longer than very_long_name_len (jbaggs/anomalous-dns)
 *   rare_qtype NULL / PRIVATE queries (iodine's favourites)
 *   encoded    >= encoded_subdomains distinct subdomains that look encoded,
 *              mostly over data-carrying record types (dnscat2 and kin,
 *              whose names are short enough to pass the length rules)
 *
 * Any anchor fires a detection; the evidence carries every feature and
 * which anchors fired, the confidence grows with their number. Known
 * tunnel-shaped services (DNSBL, AV reputation lookups) never get here with
 * benign_service unset; domains queried by many clients (prevalence) need
 * `common_factor` times the thresholds. To keep state small, only queries
 * with a subdomain that is long, encoded-looking, or of a data-carrying type
 * are counted: ordinary lookups (www.example.com) create no state.
 */
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
#define SAMPLE_LEN 128
#define DOMAIN_MAX 256

typedef struct {
    int64_t window, long_name_len, long_names, elastic_queries, rita_subdomains,
        very_long_name_len, very_long_names, rare_qtype_queries, encoded_subdomains,
        min_subdomain_len, long_label_len;
    double encoded_share, data_qtype_share, min_entropy, common_factor;
} params_t;

typedef struct {
    dh_kit_window_t h; /* h.events: the queries */
    uint64_t long_names, very_long, long_labels, encoded, data_qtype, rare_qtype;
    uint64_t by_type[6]; /* TXT NULL CNAME MX PRIVATE other */
    uint64_t max_len;
    double entropy_sum;
    uint64_t firsts;    /* first sightings of a subdomain (encoded, entropy_sum and
                           sub_bytes are over these) */
    uint64_t sub_bytes; /* bytes of distinct subdomains */
    uint8_t common;
    dh_distinct_t subdomains;
    dh_distinct_t long_distinct;
    DH_KIT_SAMPLES(SAMPLES, SAMPLE_LEN);
} window_t;

typedef struct {
    dh_kit_t kit;
    params_t p;
} tunnel_t;
DH_KIT_STATE_LAYOUT(tunnel_t, p);

static const dh_kit_params_t params = DH_KIT_FIELDS(params_t, window, long_name_len, long_names,
    elastic_queries, rita_subdomains, very_long_name_len, very_long_names, rare_qtype_queries,
    encoded_subdomains, min_subdomain_len, long_label_len, encoded_share, data_qtype_share,
    min_entropy, common_factor);

/* index into window_t.by_type */
static int type_slot(int32_t qtype)
{
    switch (qtype) {
    case DH_QTYPE_TXT: return 0;
    case DH_QTYPE_NULL: return 1;
    case DH_QTYPE_CNAME: return 2;
    case DH_QTYPE_MX: return 3;
    case DH_QTYPE_PRIVATE: return 4;
    default: return 5;
    }
}

static void on_close(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                     dh_close_t why);

static const dh_kit_spec_t spec = {
    .size = sizeof(tunnel_t),
    .params = &params,
    /* check() reads counters only: every event may ask it */
    .table = {.name = "dns_tunnel.client_domain", .value_size = sizeof(window_t),
              .on_close = on_close, .pace = {1, 0}},
};

static void tunnel_on_event(void *state, const dh_event_view_t *view, const dh_verdict_t *v,
                            const dh_detect_env_t *env)
{
    const dh_event_t *ev = view->ev;
    (void)env;
    tunnel_t *t = state;
    if (v->benign_service || view->sub_len == 0 || ev->client.family == DH_AF_UNSET)
        return;
    int slot = type_slot(ev->qtype);
    /* the data rides in the longest label: judge its alphabet and entropy */
    unsigned enc = dh_event_view_encoding(view);
    double entropy = dh_event_view_entropy(view);
    bool encoded = enc && entropy >= t->p.min_entropy;
    if (slot == 5 && view->sub_len < (size_t)t->p.min_subdomain_len && !encoded)
        return; /* an ordinary lookup: no state */

    /* key: client address + registered domain */
    window_t *w = dh_kit_touch_pair_window(t->kit.table, view, DOMAIN_MAX, v);
    if (!w)
        return;
    w->common |= v->common;
    w->by_type[slot]++;
    w->data_qtype += slot != 5;
    w->rare_qtype += slot == 1 || slot == 4;
    w->long_labels += view->longest_len >= (size_t)t->p.long_label_len;
    w->very_long += ev->qname_len > (size_t)t->p.very_long_name_len;
    if (ev->qname_len > w->max_len)
        w->max_len = ev->qname_len;
    uint64_t h = dh_hash64(view->sub, view->sub_len);
    if (dh_distinct_add(&w->subdomains, h)) {
        w->firsts++;
        w->sub_bytes += view->sub_len;
        w->encoded += encoded;
        w->entropy_sum += entropy;
        DH_KIT_ADD_SAMPLE(w, ev->qname, ev->qname_len);
    }
    if (ev->qname_len >= (size_t)t->p.long_name_len && dh_distinct_add(&w->long_distinct, h))
        w->long_names++;
    dh_kit_early_check(&t->kit, t->kit.table, view->pair_key, view->pair_len, w, ev->ts_us);
}

typedef struct {
    bool elastic, rita, long_name, rare_qtype, encoded;
    int fired;
} anchors_t;

static anchors_t check(const tunnel_t *t, const window_t *w)
{
    const params_t *p = &t->p;
    double f = w->common ? p->common_factor : 1.0;
    double distinct = dh_distinct_count(&w->subdomains);
    anchors_t a = {0};
    a.elastic = w->long_names >= f * p->long_names && w->h.events >= f * p->elastic_queries;
    a.rita = distinct >= f * p->rita_subdomains;
    a.long_name = w->very_long >= f * p->very_long_names;
    a.rare_qtype = w->rare_qtype >= f * p->rare_qtype_queries;
    double enc_share = w->firsts ? (double)w->encoded / (double)w->firsts : 0;
    a.encoded = w->encoded >= f * p->encoded_subdomains && enc_share >= p->encoded_share &&
                ((double)w->data_qtype / w->h.events >= p->data_qtype_share ||
                 w->long_labels * 2 >= w->h.events);
    a.fired = a.elastic + a.rita + a.long_name + a.rare_qtype + a.encoded;
    return a;
}

static void evidence(tunnel_t *t, const window_t *w, const anchors_t *a)
{
    static const char *const types[] = {"TXT", "NULL", "CNAME", "MX", "PRIVATE", "other"};
    dh_strbuf_t *sb = &t->kit.ev;
    double distinct = dh_distinct_count(&w->subdomains);
    dh_sb_reset(sb);
    dh_json_kv_int(sb, "window_seconds", t->p.window);
    dh_json_kv_uint(sb, "queries", w->h.events);
    dh_json_kv_double(sb, "distinct_subdomains", distinct);
    dh_json_kv_uint(sb, "long_names", w->long_names);
    dh_json_kv_uint(sb, "very_long_names", w->very_long);
    dh_json_kv_uint(sb, "long_labels", w->long_labels);
    dh_json_kv_uint(sb, "max_name_length", w->max_len);
    dh_json_kv_uint(sb, "encoded_subdomains", w->encoded);
    dh_json_kv_double(sb, "encoded_share", w->firsts ? (double)w->encoded / (double)w->firsts : 0);
    dh_json_kv_double(sb, "mean_subdomain_entropy", w->firsts ? w->entropy_sum / (double)w->firsts : 0);
    dh_json_kv_uint(sb, "subdomain_bytes", w->sub_bytes);
    double span = (double)(w->h.last_us - w->h.first_us) / 1e6;
    dh_json_kv_double(sb, "queries_per_minute", span > 0 ? w->h.events * 60.0 / span : (double)w->h.events);
    dh_json_open_obj(sb, "queries_by_qtype");
    for (int i = 0; i < 6; i++)
        if (w->by_type[i])
            dh_json_kv_uint(sb, types[i], w->by_type[i]);
    dh_sb_putc(sb, '}');
    dh_json_open_arr(sb, "anchors");
    const char *names[] = {"elastic", "rita", "long_name", "rare_qtype", "encoded"};
    bool on[] = {a->elastic, a->rita, a->long_name, a->rare_qtype, a->encoded};
    for (int i = 0; i < 5; i++)
        if (on[i]) {
            dh_json_sep(sb);
            dh_json_string(sb, names[i], strlen(names[i]));
        }
    dh_sb_putc(sb, ']');
    dh_json_kv_bool(sb, "common_domain", w->common);
    const dh_kit_count_t counts[] = {{"distinct_subdomains", &w->subdomains}};
    dh_kit_json_estimates(sb, counts, DH_N_OF(counts));
    DH_KIT_JSON_SAMPLES(sb, "samples", w);
}

static void on_close(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                     dh_close_t why)
{
    (void)why;
    tunnel_t *t = ctx;
    window_t *w = value;
    anchors_t a = check(t, w);
    if (!a.fired && !dh_kit_closing_alerted(&t->kit)) /* shares may fall back */
        return;
    evidence(t, w, &a);
    char domain[DOMAIN_MAX];
    dh_kit_key_domain(key, keylen, domain, sizeof(domain));
    dh_detection_t d = DH_KIT_SAMPLES_DETECTION(w, ws);
    d.registered_domain = domain;
    d.confidence = dh_kit_confidence(t->kit.rule->confidence + 0.1 * (a.fired - (a.fired > 0)));
    dh_kit_emit(&t->kit, &d);
}

const dh_detector_type_t dh_detector_dns_tunnel = {
    .name = "dns_tunnel",
    .description = "DNS tunneling / C2 over DNS: encoded, long, many subdomains (T1071.004)",
    .kit = &spec,
    .on_event = tunnel_on_event,
};
