/*
 * dns-recon.c - reconnaissance and abuse through the DNS itself: zone
 * transfers from hosts that are not secondaries (T1590.002, TA0043), PTR
 * sweeps (T1018, TA0007) and ANY floods (T1498.002, TA0040).
 *
 * Three kinds of finding, each per client and tumbling event-time window,
 * each with its own table in the shared state and its own ATT&CK mapping:
 *
 *   zone_transfer  any AXFR (252) or IXFR (251) query from a client outside
 *                  `secondaries` (1 h windows). A legitimate zone transfer
 *                  only ever comes from a secondary; anyone else asking for
 *                  the whole zone is mapping the network (dnsrecon, fierce,
 *                  "dig axfr"). The evidence lists the zones asked, the
 *                  servers and the response codes: when every response seen
 *                  was REFUSED or NOTAUTH the server turned the attempt
 *                  down, and the finding carries the lower
 *                  `refused_risk_score` (the attempt is still reported).
 *   ptr_sweep      >= ptr_sweep_min (80, Splunk's threshold) distinct PTR
 *                  query names in 5 minutes: a host resolving a range of
 *                  addresses back to names (nmap -sL, dnsrecon -r). The
 *                  distinct names are counted exactly up to the threshold
 *                  (a fingerprint array sized by it: a HyperLogLog's 6 %
 *                  error would move the boundary), beyond it by a
 *                  dh_distinct_t. Reverse names (*.in-addr.arpa,
 *                  *.ip6.arpa) are parsed to the /24 or /64 they fall in:
 *                  a sweep covers a few prefixes densely, a mail or log
 *                  server resolving its peers covers many thinly; dense
 *                  coverage and a high NXDOMAIN share (addresses without a
 *                  name) each raise the confidence. registered_domain is
 *                  not used (the Public Suffix List makes it meaningless
 *                  for reverse names).
 *   any_flood      >= any_flood_min (50) ANY (255; Zeek writes "*")
 *                  queries in one minute: the DNS reflection/amplification
 *                  pattern (the source may be the spoofed victim) or ANY-
 *                  based enumeration.
 *
 * The rule file's `attack` block maps the main finding (zone transfer); the
 * thresholds' `findings` map gives each finding its title, scores and, for
 * the PTR sweep and ANY flood, its own mapping: a copy of the rule per
 * finding carries it (strings stay owned by the rule's YAML tree). Each
 * finding is its own entity (detection.entity), so ids and suppression are
 * per client x finding x window. Queries of known resolvers are not
 * dropped: their findings say client_is_resolver. Queries of other types
 * create no state.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../detector.h"
#include "../sketch.h"
#include "../util-dns.h"
#include "../util-ip.h"
#include "../util-mem.h"

#define SAMPLES 5
#define SAMPLE_LEN 128
#define MAX_ZONES 8
#define ZONE_LEN 128
#define MAX_SERVERS 8
#define MAX_PREFIXES 8
#define MAX_SECONDARIES 64
#define N_RCODE 12 /* rcodes 0..10 by number, 11: any other */
#define RCODE_OTHER 11
#define RCODE_NOTAUTH 9

enum { F_XFR, F_PTR, F_ANY, N_FINDINGS };
static const char *const finding_names[N_FINDINGS] = {"zone_transfer", "ptr_sweep", "any_flood"};

typedef struct {
    int64_t xfr_window, ptr_window, any_window, ptr_sweep_min, any_flood_min;
    double refused_risk_score, sweep_nxdomain_share, dense_names_per_prefix;
    bool reverse_only;
} params_t;

static const dh_int_param_t int_params[] = {
#define P(k, d, lo, hi) {#k, offsetof(params_t, k), d, lo, hi}
    P(xfr_window, 3600, 10, 86400),
    P(ptr_window, 300, 10, 86400),
    P(any_window, 60, 1, 86400),
    P(ptr_sweep_min, 80, 2, 4096),
    P(any_flood_min, 50, 1, 1000000),
#undef P
};

static const dh_double_param_t dbl_params[] = {
    {"refused_risk_score", offsetof(params_t, refused_risk_score), 30, 0, 100},
    {"sweep_nxdomain_share", offsetof(params_t, sweep_nxdomain_share), 0.5, 0, 1},
    {"dense_names_per_prefix", offsetof(params_t, dense_names_per_prefix), 16, 1, 65536},
};

/* Distinct servers: the first few kept for the evidence, all counted. */
typedef struct {
    uint8_t n;
    dh_addr_t addr[MAX_SERVERS];
    dh_distinct_t distinct;
} servers_t;

typedef struct {
    uint8_t n;
    uint8_t len[SAMPLES];
    char name[SAMPLES][SAMPLE_LEN];
} samples_t;

typedef struct {
    dh_addr_t client;
    int64_t first_us, last_us;
    uint64_t queries, axfr, ixfr, tcp, no_response, answers;
    uint64_t rcode[N_RCODE];
    uint8_t from_resolver;
    uint8_t n_zones;
    uint8_t zone_len[MAX_ZONES];
    char zones[MAX_ZONES][ZONE_LEN];
    dh_distinct_t zones_distinct;
    servers_t servers;
} xfr_t;

typedef struct {
    dh_addr_t client;
    int64_t first_us, last_us;
    uint64_t queries, new_names, reverse_names, responses, nxdomain;
    uint8_t from_resolver;
    uint8_t n_prefixes;
    dh_addr_t prefix[MAX_PREFIXES]; /* bytes of the network; /24 for v4, /64 for v6 */
    dh_distinct_t prefixes;
    dh_distinct_t names;
    samples_t samples;
    uint32_t n_exact;   /* distinct names counted exactly, up to ptr_sweep_min */
    uint64_t exact[];   /* their hashes (ptr_sweep_min slots) */
} ptr_t;

typedef struct {
    dh_addr_t client;
    int64_t first_us, last_us;
    uint64_t queries, udp, tcp, responses, answers;
    uint8_t from_resolver;
    dh_distinct_t names;
    servers_t servers;
    samples_t samples;
} any_t;

typedef struct {
    dh_rule_t *rule;
    const dh_detect_env_t *env;
    params_t p;
    dh_rule_t frule[N_FINDINGS]; /* per-finding copies: title, scores, mapping */
    bool enabled[N_FINDINGS];
    dh_cidr_t secondaries[MAX_SECONDARIES];
    size_t n_secondaries;
    dh_table_t *xfr, *ptr, *any;
    dh_strbuf_t ev;
} recon_t;

/* ---- the rule file ------------------------------------------------------ */

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool valid_id(const char *s, const char *kind)
{
    size_t len = strlen(s);
    if (strcmp(kind, "tactic") == 0)
        return len == 6 && strncmp(s, "TA", 2) == 0 && digits(s + 2, 4);
    if (strcmp(kind, "technique") == 0)
        return len == 5 && s[0] == 'T' && digits(s + 1, 4);
    return len == 9 && s[0] == 'T' && digits(s + 1, 4) && s[5] == '.' && digits(s + 6, 3);
}

static int bad_key(dh_yaml_node_t *m, const char *key, const char *what, char *err, size_t errlen)
{
    dh_yaml_node_t *n = dh_yaml_get(m, key);
    snprintf(err, errlen, "%s:%zu: %s: %s", n ? n->file : m->file, n ? n->line : m->line, key,
             what);
    return -1;
}

/* One entry of thresholds.findings into a copy of the rule. */
static int read_finding(recon_t *r, dh_yaml_node_t *findings, int f, char *err, size_t errlen)
{
    dh_rule_t *out = &r->frule[f];
    *out = *r->rule;
    r->enabled[f] = true;
    dh_yaml_node_t *m = dh_yaml_get(findings, finding_names[f]);
    if (!m || m->kind != DH_YAML_MAP) {
        snprintf(err, errlen, "%s:%zu: findings: expected a map '%s' (title, mapping...)",
                 m ? m->file : findings->file, m ? m->line : findings->line, finding_names[f]);
        return -1;
    }
    const char *tech = NULL, *tech_name = NULL, *sub = NULL, *sub_name = NULL, *tac = NULL,
               *tac_name = NULL, *det = NULL;
    if (dh_yaml_str(m, "title", true, &out->title, err, errlen) ||
        dh_yaml_bool(m, "enabled", false, &r->enabled[f], err, errlen) ||
        dh_yaml_double(m, "risk_score", false, 0, 100, &out->risk_score, err, errlen) ||
        dh_yaml_double(m, "confidence", false, 0, 1, &out->confidence, err, errlen) ||
        dh_yaml_str(m, "detection_strategy", false, &det, err, errlen) ||
        dh_yaml_str(m, "technique_id", false, &tech, err, errlen) ||
        dh_yaml_str(m, "technique_name", false, &tech_name, err, errlen) ||
        dh_yaml_str(m, "subtechnique_id", false, &sub, err, errlen) ||
        dh_yaml_str(m, "subtechnique_name", false, &sub_name, err, errlen) ||
        dh_yaml_str(m, "tactic_id", false, &tac, err, errlen) ||
        dh_yaml_str(m, "tactic_name", false, &tac_name, err, errlen))
        return -1;
    bool any_mapping = tech || tech_name || sub || sub_name || tac || tac_name || det;
    if (!any_mapping && f == F_XFR)
        return 0; /* the rule's own `attack` block */
    if (!tech || !tech_name || !tac || !tac_name) {
        const char *miss = !tech ? "technique_id" : !tech_name ? "technique_name"
                           : !tac ? "tactic_id" : "tactic_name";
        snprintf(err, errlen, "%s:%zu: %s: missing '%s' (the finding's ATT&CK mapping)", m->file,
                 m->line, finding_names[f], miss);
        return -1;
    }
    if (!sub != !sub_name)
        return bad_key(m, sub ? "subtechnique_id" : "subtechnique_name",
                       "subtechnique_id and subtechnique_name go together", err, errlen);
    if (!valid_id(tech, "technique"))
        return bad_key(m, "technique_id", "expected Tnnnn", err, errlen);
    if (!valid_id(tac, "tactic"))
        return bad_key(m, "tactic_id", "expected TAnnnn", err, errlen);
    if (sub && (!valid_id(sub, "subtechnique") || strncmp(sub, tech, 5) != 0))
        return bad_key(m, "subtechnique_id", "expected Tnnnn.nnn extending technique_id", err,
                       errlen);
    if (det && !(strlen(det) == 7 && strncmp(det, "DET", 3) == 0 && digits(det + 3, 4)))
        return bad_key(m, "detection_strategy", "expected DETnnnn", err, errlen);
    dh_attack_t a = {.version = r->rule->attack.version, .detection_strategy = det};
    a.tactics[0] = (dh_attack_ref_t){tac, tac_name};
    a.n_tactics = 1;
    a.techniques[0] = (dh_attack_ref_t){tech, tech_name};
    a.n_techniques = 1;
    if (sub) {
        a.subtechniques[0] = (dh_attack_ref_t){sub, sub_name};
        a.n_subtechniques = 1;
    }
    out->attack = a;
    return 0;
}

static int read_secondaries(recon_t *r, char *err, size_t errlen)
{
    dh_yaml_node_t *seq = dh_yaml_get(r->rule->thresholds, "secondaries");
    if (!seq)
        return 0;
    if (seq->kind != DH_YAML_SEQ || seq->n_items > MAX_SECONDARIES) {
        snprintf(err, errlen, "%s:%zu: secondaries: expected a list of at most %d addresses or "
                 "CIDR blocks", seq->file, seq->line, MAX_SECONDARIES);
        return -1;
    }
    for (size_t i = 0; i < seq->n_items; i++) {
        dh_yaml_node_t *it = seq->items[i];
        if (it->kind != DH_YAML_SCALAR || dh_cidr_parse(it->value, &r->secondaries[i]) != 0) {
            snprintf(err, errlen, "%s:%zu: secondaries: '%s' is not an address or CIDR block",
                     it->file, it->line, it->kind == DH_YAML_SCALAR ? it->value : "(list)");
            return -1;
        }
    }
    r->n_secondaries = seq->n_items;
    return 0;
}

static int read_rule(recon_t *r, char *err, size_t errlen)
{
    dh_rule_t *rule = r->rule;
    if (dh_rule_read_params(rule, &r->p, int_params, DH_N_OF(int_params), dbl_params,
                            DH_N_OF(dbl_params), err, errlen))
        return -1;
    r->p.reverse_only = true;
    if (dh_yaml_bool(rule->thresholds, "reverse_only", false, &r->p.reverse_only, err, errlen) ||
        read_secondaries(r, err, errlen))
        return -1;
    dh_yaml_node_t *findings = dh_yaml_get(rule->thresholds, "findings");
    if (!findings || findings->kind != DH_YAML_MAP) {
        snprintf(err, errlen, "%s:%zu: thresholds: expected a map 'findings' (zone_transfer, "
                 "ptr_sweep, any_flood)", rule->path,
                 findings ? findings->line : rule->thresholds ? rule->thresholds->line
                                                              : rule->root->line);
        return -1;
    }
    for (int f = 0; f < N_FINDINGS; f++)
        if (read_finding(r, findings, f, err, errlen))
            return -1;
    return 0;
}

/* ---- helpers ------------------------------------------------------------ */

/* The client as a key: family and its 4 or 16 bytes (no padding bytes). */
static size_t addr_key(const dh_addr_t *a, uint8_t key[17])
{
    size_t n = a->family == DH_AF_INET ? 4 : 16;
    key[0] = a->family;
    memcpy(key + 1, a->bytes, n);
    return 1 + n;
}

static void touch_times(int64_t *first, int64_t *last, bool fresh, int64_t ts)
{
    if (fresh || ts < *first)
        *first = ts;
    if (fresh || ts > *last)
        *last = ts;
}

static void add_server(servers_t *s, const dh_addr_t *a)
{
    if (a->family == DH_AF_UNSET)
        return;
    uint8_t key[17];
    if (!dh_distinct_add(&s->distinct, dh_hash64(key, addr_key(a, key))) ||
        s->n >= MAX_SERVERS)
        return;
    dh_addr_t c = {.family = a->family};
    memcpy(c.bytes, a->bytes, a->family == DH_AF_INET ? 4 : 16);
    s->addr[s->n++] = c;
}

static void add_sample(samples_t *s, const char *name, size_t len)
{
    if (s->n >= SAMPLES)
        return;
    size_t n = len < SAMPLE_LEN ? len : SAMPLE_LEN;
    memcpy(s->name[s->n], name, n);
    s->len[s->n++] = (uint8_t)n;
}

/* The name without a trailing dot. */
static size_t name_len(const dh_event_t *ev)
{
    size_t n = ev->qname_len;
    return n && ev->qname_lc[n - 1] == '.' ? n - 1 : n;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
    size_t k = strlen(suffix);
    return len >= k && memcmp(s + len - k, suffix, k) == 0;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A reverse name: 0 when it is none, 1 reverse without a full prefix,
   2 reverse with its /24 (in-addr.arpa) or /64 (ip6.arpa) in *net. */
static int reverse_prefix(const char *s, size_t len, dh_addr_t *net)
{
    memset(net, 0, sizeof(*net));
    if (ends_with(s, len, ".in-addr.arpa")) {
        size_t end = len - 13; /* labels are s[0..end), rightmost = first octet */
        for (int octet = 0; octet < 3; octet++) {
            size_t start = end;
            while (start > 0 && s[start - 1] != '.')
                start--;
            size_t n = end - start;
            if (n == 0 || n > 3 || !digits(s + start, n))
                return 1;
            int v = 0;
            for (size_t i = start; i < end; i++)
                v = v * 10 + (s[i] - '0');
            if (v > 255)
                return 1;
            net->bytes[octet] = (uint8_t)v;
            if (octet < 2 && start == 0)
                return 1;
            end = start ? start - 1 : 0;
        }
        net->family = DH_AF_INET;
        return 2;
    }
    if (ends_with(s, len, ".ip6.arpa")) {
        size_t end = len - 9; /* nibble labels "x." from the right, high nibble first */
        for (int i = 0; i < 16; i++) {
            if (end < 1 || (end >= 2 && s[end - 2] != '.'))
                return 1;
            int v = hexval(s[end - 1]);
            if (v < 0)
                return 1;
            net->bytes[i / 2] |= (uint8_t)(i % 2 ? v : v << 4);
            if (end < 2 && i < 15)
                return 1;
            end = end >= 2 ? end - 2 : 0;
        }
        net->family = DH_AF_INET6;
        return 2;
    }
    return 0;
}

/* ---- on_event ----------------------------------------------------------- */

static void on_xfr(recon_t *r, const dh_event_t *ev, const dh_verdict_t *v, const uint8_t *key,
                   size_t keylen)
{
    for (size_t i = 0; i < r->n_secondaries; i++)
        if (dh_cidr_contains(&r->secondaries[i], &ev->client))
            return;
    xfr_t *w = dh_table_touch(r->xfr, key, keylen, ev->ts_us);
    if (!w)
        return;
    bool fresh = w->queries == 0;
    if (fresh)
        w->client = ev->client;
    touch_times(&w->first_us, &w->last_us, fresh, ev->ts_us);
    w->queries++;
    w->axfr += ev->qtype == DH_QTYPE_AXFR;
    w->ixfr += ev->qtype == DH_QTYPE_IXFR;
    w->tcp += ev->transport == DH_TRANSPORT_TCP;
    w->from_resolver |= v->from_resolver;
    if (ev->rcode < 0)
        w->no_response++;
    else
        w->rcode[ev->rcode <= 10 ? ev->rcode : RCODE_OTHER]++;
    w->answers += ev->n_answers + ev->answers_dropped;
    size_t len = name_len(ev);
    if (dh_distinct_add(&w->zones_distinct, dh_hash64(ev->qname_lc, len)) &&
        w->n_zones < MAX_ZONES) {
        size_t n = len < ZONE_LEN ? len : ZONE_LEN;
        memcpy(w->zones[w->n_zones], ev->qname_lc, n);
        w->zone_len[w->n_zones++] = (uint8_t)n;
    }
    add_server(&w->servers, &ev->server);
}

static void on_ptr(recon_t *r, const dh_event_t *ev, const dh_verdict_t *v, const uint8_t *key,
                   size_t keylen)
{
    size_t len = name_len(ev);
    dh_addr_t net;
    int rev = reverse_prefix(ev->qname_lc, len, &net);
    if (!rev && r->p.reverse_only)
        return;
    ptr_t *w = dh_table_touch(r->ptr, key, keylen, ev->ts_us);
    if (!w)
        return;
    bool fresh = w->queries == 0;
    if (fresh)
        w->client = ev->client;
    touch_times(&w->first_us, &w->last_us, fresh, ev->ts_us);
    w->queries++;
    w->from_resolver |= v->from_resolver;
    if (ev->rcode >= 0) {
        w->responses++;
        w->nxdomain += ev->rcode == DH_RCODE_NXDOMAIN;
    }
    uint64_t h = dh_hash64(ev->qname_lc, len);
    /* exact count up to the threshold; nothing more to decide beyond it */
    bool new_exact = false;
    if (w->n_exact < (uint64_t)r->p.ptr_sweep_min) {
        new_exact = true;
        for (uint32_t i = 0; i < w->n_exact; i++)
            if (w->exact[i] == h) {
                new_exact = false;
                break;
            }
        if (new_exact)
            w->exact[w->n_exact++] = h;
    }
    bool new_name = dh_distinct_add(&w->names, h);
    if (!new_exact && !new_name)
        return;
    w->new_names++;
    w->reverse_names += rev != 0;
    add_sample(&w->samples, ev->qname_lc, len);
    if (rev == 2) {
        uint8_t pk[17];
        if (dh_distinct_add(&w->prefixes, dh_hash64(pk, addr_key(&net, pk))) &&
            w->n_prefixes < MAX_PREFIXES)
            w->prefix[w->n_prefixes++] = net;
    }
}

static void on_any(recon_t *r, const dh_event_t *ev, const dh_verdict_t *v, const uint8_t *key,
                   size_t keylen)
{
    any_t *w = dh_table_touch(r->any, key, keylen, ev->ts_us);
    if (!w)
        return;
    bool fresh = w->queries == 0;
    if (fresh)
        w->client = ev->client;
    touch_times(&w->first_us, &w->last_us, fresh, ev->ts_us);
    w->queries++;
    w->udp += ev->transport == DH_TRANSPORT_UDP;
    w->tcp += ev->transport == DH_TRANSPORT_TCP;
    w->from_resolver |= v->from_resolver;
    if (ev->rcode >= 0 || ev->has_response) {
        w->responses++;
        w->answers += ev->n_answers + ev->answers_dropped;
    }
    size_t len = name_len(ev);
    if (dh_distinct_add(&w->names, dh_hash64(ev->qname_lc, len)))
        add_sample(&w->samples, ev->qname_lc, len);
    add_server(&w->servers, &ev->server);
}

static void recon_on_event(void *state, const dh_event_t *ev, const dh_verdict_t *v,
                           const dh_detect_env_t *env)
{
    (void)env;
    recon_t *r = state;
    if (!ev->has_qname || ev->client.family == DH_AF_UNSET)
        return;
    int f = ev->qtype == DH_QTYPE_AXFR || ev->qtype == DH_QTYPE_IXFR ? F_XFR
            : ev->qtype == DH_QTYPE_PTR                               ? F_PTR
            : ev->qtype == DH_QTYPE_ANY                               ? F_ANY
                                                                      : -1;
    if (f < 0 || !r->enabled[f])
        return;
    uint8_t key[17];
    size_t keylen = addr_key(&ev->client, key);
    if (f == F_XFR)
        on_xfr(r, ev, v, key, keylen);
    else if (f == F_PTR)
        on_ptr(r, ev, v, key, keylen);
    else
        on_any(r, ev, v, key, keylen);
}

/* ---- window close: evidence and emit ------------------------------------ */

static void json_servers(dh_strbuf_t *sb, const servers_t *s)
{
    char ip[DH_ADDR_STRLEN];
    dh_json_kv_double(sb, "distinct_servers", dh_distinct_count(&s->distinct));
    dh_json_open_arr(sb, "servers");
    for (int i = 0; i < s->n; i++) {
        dh_json_sep(sb);
        dh_addr_format(&s->addr[i], ip);
        dh_json_string(sb, ip, strlen(ip));
    }
    dh_sb_putc(sb, ']');
}

static void json_samples(dh_strbuf_t *sb, const char *key, const samples_t *s)
{
    dh_json_open_arr(sb, key);
    for (int i = 0; i < s->n; i++) {
        dh_json_sep(sb);
        dh_json_string(sb, s->name[i], s->len[i]);
    }
    dh_sb_putc(sb, ']');
}

static void emit(recon_t *r, int f, const dh_addr_t *client, bool resolver, int64_t first,
                 int64_t last, int64_t ws, const char *qname, size_t qlen, double risk,
                 double confidence)
{
    dh_detection_t d = {
        .rule_name = "dns_recon",
        .rule = &r->frule[f],
        .fired_us = last,
        .start_us = first,
        .end_us = last,
        .window_start_us = ws,
        .client = client,
        .client_is_resolver = resolver,
        .qname = qname,
        .qname_len = qlen,
        .registered_domain = NULL,
        .entity = finding_names[f], /* ids and suppression per finding */
        .risk_score = risk,
        .confidence = confidence > 0.99 ? 0.99 : confidence,
        .evidence = &r->ev,
    };
    r->env->emit(r->env->pipeline, &d);
}

static void close_xfr(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                      dh_close_t why)
{
    (void)key;
    (void)keylen;
    (void)why;
    recon_t *r = ctx;
    xfr_t *w = value;
    if (!w->queries)
        return;
    dh_strbuf_t *sb = &r->ev;
    uint64_t responded = w->queries - w->no_response;
    uint64_t refused = w->rcode[DH_RCODE_REFUSED] + w->rcode[RCODE_NOTAUTH];
    const char *outcome = responded == 0                ? "no_response"
                          : w->rcode[DH_RCODE_NOERROR]  ? "answered"
                          : refused == responded        ? "refused"
                                                        : "failed";
    bool was_refused = responded && refused == responded;
    dh_sb_reset(sb);
    dh_json_kv_str(sb, "finding", finding_names[F_XFR]);
    dh_json_kv_int(sb, "window_seconds", r->p.xfr_window);
    dh_json_kv_uint(sb, "queries", w->queries);
    dh_json_kv_uint(sb, "axfr", w->axfr);
    dh_json_kv_uint(sb, "ixfr", w->ixfr);
    dh_json_kv_uint(sb, "tcp", w->tcp);
    dh_json_kv_double(sb, "distinct_zones", dh_distinct_count(&w->zones_distinct));
    dh_json_open_arr(sb, "zones");
    for (int i = 0; i < w->n_zones; i++) {
        dh_json_sep(sb);
        if (w->zone_len[i])
            dh_json_string(sb, w->zones[i], w->zone_len[i]);
        else
            dh_json_string(sb, ".", 1); /* the root zone */
    }
    dh_sb_putc(sb, ']');
    dh_json_open_obj(sb, "rcodes");
    for (int i = 0; i < N_RCODE; i++)
        if (w->rcode[i]) {
            const char *n = i == RCODE_OTHER ? "other" : dh_rcode_name(i);
            dh_json_kv_uint(sb, n ? n : "other", w->rcode[i]);
        }
    dh_sb_putc(sb, '}');
    dh_json_kv_uint(sb, "no_response", w->no_response);
    dh_json_kv_uint(sb, "answer_records", w->answers);
    dh_json_kv_str(sb, "outcome", outcome);
    dh_json_kv_bool(sb, "refused_by_server", was_refused);
    if (was_refused)
        dh_json_kv_str(sb, "note", "every response was REFUSED or NOTAUTH: the server turned "
                                   "the transfer down (lower risk; the attempt is still "
                                   "reconnaissance)");
    json_servers(sb, &w->servers);
    const dh_rule_t *fr = &r->frule[F_XFR];
    emit(r, F_XFR, &w->client, w->from_resolver, w->first_us, w->last_us, ws,
         w->n_zones ? (w->zone_len[0] ? w->zones[0] : ".") : NULL,
         w->n_zones ? (w->zone_len[0] ? w->zone_len[0] : 1) : 0,
         was_refused ? r->p.refused_risk_score : fr->risk_score, fr->confidence);
}

static void close_ptr(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                      dh_close_t why)
{
    (void)key;
    (void)keylen;
    (void)why;
    recon_t *r = ctx;
    ptr_t *w = value;
    if (w->n_exact < (uint64_t)r->p.ptr_sweep_min)
        return;
    /* exact up to the threshold; beyond it the sketch's estimate (rounded,
       never below the exact count) */
    double distinct = dh_distinct_count(&w->names);
    bool estimate = w->names.hll != 0;
    if (distinct < w->n_exact)
        distinct = w->n_exact;
    distinct = (double)(uint64_t)(distinct + 0.5);
    double prefixes = dh_distinct_count(&w->prefixes);
    /* the reverse share of the names (1 with reverse_only) over the prefixes */
    double reverse = distinct * (double)w->reverse_names / (double)w->new_names;
    double per_prefix = prefixes > 0 ? reverse / prefixes : 0;
    double nx_share = w->responses ? (double)w->nxdomain / (double)w->responses : 0;
    bool blind = w->responses && nx_share >= r->p.sweep_nxdomain_share;
    bool dense = prefixes > 0 && per_prefix >= r->p.dense_names_per_prefix;
    char ip[DH_ADDR_STRLEN];
    dh_strbuf_t *sb = &r->ev;
    dh_sb_reset(sb);
    dh_json_kv_str(sb, "finding", finding_names[F_PTR]);
    dh_json_kv_int(sb, "window_seconds", r->p.ptr_window);
    dh_json_kv_uint(sb, "ptr_queries", w->queries);
    dh_json_kv_double(sb, "distinct_names", distinct);
    dh_json_kv_bool(sb, "distinct_is_estimate", estimate);
    dh_json_kv_uint(sb, "distinct_names_at_least", w->n_exact); /* exact, capped at the threshold */
    dh_json_kv_int(sb, "threshold", r->p.ptr_sweep_min);
    dh_json_kv_uint(sb, "responses", w->responses);
    dh_json_kv_uint(sb, "nxdomain", w->nxdomain);
    dh_json_kv_double(sb, "nxdomain_share", nx_share);
    dh_json_kv_double(sb, "distinct_prefixes", prefixes);
    dh_json_open_arr(sb, "prefixes");
    for (int i = 0; i < w->n_prefixes; i++) {
        char txt[DH_ADDR_STRLEN + 8];
        const dh_addr_t *p = &w->prefix[i];
        snprintf(txt, sizeof(txt), "%s/%d", dh_addr_format(p, ip),
                 p->family == DH_AF_INET ? 24 : 64);
        dh_json_sep(sb);
        dh_json_string(sb, txt, strlen(txt));
    }
    dh_sb_putc(sb, ']');
    dh_json_kv_double(sb, "names_per_prefix", per_prefix);
    dh_json_kv_bool(sb, "dense", dense);
    dh_json_kv_bool(sb, "mostly_nxdomain", blind);
    json_samples(sb, "samples", &w->samples);
    const dh_rule_t *fr = &r->frule[F_PTR];
    emit(r, F_PTR, &w->client, w->from_resolver, w->first_us, w->last_us, ws,
         w->samples.n ? w->samples.name[0] : NULL, w->samples.n ? w->samples.len[0] : 0,
         fr->risk_score, fr->confidence + 0.1 * blind + 0.1 * dense);
}

static void close_any(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                      dh_close_t why)
{
    (void)key;
    (void)keylen;
    (void)why;
    recon_t *r = ctx;
    any_t *w = value;
    if (w->queries < (uint64_t)r->p.any_flood_min)
        return;
    dh_strbuf_t *sb = &r->ev;
    dh_sb_reset(sb);
    dh_json_kv_str(sb, "finding", finding_names[F_ANY]);
    dh_json_kv_int(sb, "window_seconds", r->p.any_window);
    dh_json_kv_uint(sb, "any_queries", w->queries);
    dh_json_kv_int(sb, "threshold", r->p.any_flood_min);
    dh_json_kv_double(sb, "distinct_names", dh_distinct_count(&w->names));
    dh_json_kv_uint(sb, "udp", w->udp);
    dh_json_kv_uint(sb, "tcp", w->tcp);
    dh_json_kv_uint(sb, "responses", w->responses);
    dh_json_kv_uint(sb, "answer_records", w->answers);
    dh_json_kv_double(sb, "answers_per_response",
                      w->responses ? (double)w->answers / (double)w->responses : 0);
    double span = (double)(w->last_us - w->first_us) / 1e6;
    dh_json_kv_double(sb, "queries_per_second", span > 0 ? (double)w->queries / span
                                                         : (double)w->queries);
    json_servers(sb, &w->servers);
    json_samples(sb, "samples", &w->samples);
    const dh_rule_t *fr = &r->frule[F_ANY];
    emit(r, F_ANY, &w->client, w->from_resolver, w->first_us, w->last_us, ws,
         w->samples.n ? w->samples.name[0] : NULL, w->samples.n ? w->samples.len[0] : 0,
         fr->risk_score, fr->confidence);
}

/* ---- create / destroy --------------------------------------------------- */

static void *recon_create(dh_rule_t *rule, const dh_detect_env_t *env, char *err, size_t errlen)
{
    recon_t *r = dh_calloc(1, sizeof(*r));
    r->rule = rule;
    r->env = env;
    if (read_rule(r, err, errlen)) {
        free(r);
        return NULL;
    }
    dh_sb_init(&r->ev);
    dh_table_opts_t x = {.name = "dns_recon.zone_transfer",
                         .value_size = sizeof(xfr_t),
                         .window_us = r->p.xfr_window * 1000000,
                         .on_close = close_xfr,
                         .ctx = r};
    dh_table_opts_t p = {.name = "dns_recon.ptr_sweep",
                         .value_size = offsetof(ptr_t, exact) +
                                       (size_t)r->p.ptr_sweep_min * sizeof(uint64_t),
                         .window_us = r->p.ptr_window * 1000000,
                         .on_close = close_ptr,
                         .ctx = r};
    dh_table_opts_t a = {.name = "dns_recon.any_flood",
                         .value_size = sizeof(any_t),
                         .window_us = r->p.any_window * 1000000,
                         .on_close = close_any,
                         .ctx = r};
    r->xfr = dh_table_new(env->state, &x);
    r->ptr = dh_table_new(env->state, &p);
    r->any = dh_table_new(env->state, &a);
    return r;
}

static void recon_destroy(void *state)
{
    recon_t *r = state;
    if (!r)
        return;
    dh_sb_free(&r->ev);
    free(r);
}

const dh_detector_type_t dh_detector_dns_recon = {
    .name = "dns_recon",
    .description = "DNS reconnaissance: zone transfers from non-secondaries (T1590.002), "
                   "PTR sweeps (T1018), ANY floods (T1498.002)",
    .sees_excluded = true, /* reverse-lookup sweeps are *.arpa PTRs, excluded for the others */
    .create = recon_create,
    .on_event = recon_on_event,
    .oldest_open = NULL,
    .flush = NULL,
    .destroy = recon_destroy,
};
