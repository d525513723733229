/*
 * doh-evasion.c - DNS monitoring evasion: DoH/DoT and unsanctioned resolvers
 * (T1572 Protocol Tunneling, TA0011, DET0538).
 *
 * A host that moves its name resolution to DNS over HTTPS or TLS, or to a
 * resolver the site does not run, takes its lookups out of sight of every
 * other detector. The DNS it still sends shows the move:
 *
 *   resolver      lookups of known DoH/DoT resolver hostnames (the list file
 *                 thresholds.resolver_list, suffix match at label boundaries):
 *                 a client bootstrapping an encrypted resolver.
 *   canary        browser canary names (use-application-dns.net: Firefox;
 *                 mask.icloud.com, mask-h2.icloud.com: iCloud Private Relay).
 *                 A negative answer (NXDOMAIN or any other error, or
 *                 NOERROR without records) is the network switching DoH /
 *                 Relay off, which is benign. A positive answer, or a query whose
 *                 answer was not seen, means the client may switch to
 *                 encrypted DNS: reported, with the lower canary_risk_score
 *                 when nothing else was seen.
 *   unsanctioned  queries sent to a server outside thresholds.
 *                 sanctioned_resolvers, counted per client x server. An empty
 *                 list turns this check off: an unconfigured site would
 *                 otherwise alert on every query.
 *   port          DNS to a server port that is not standard_ports (53), not
 *                 ignored_ports (mDNS, LLMNR, NetBIOS), with DoT's own port
 *                 (dot_ports, 853) counted and named apart.
 *
 * State: one entry per client and window (default one hour), created only
 * when a query shows one of the four kinds; ordinary lookups to a sanctioned
 * resolver on port 53 create nothing. When the window closes, every kind
 * that reaches its threshold is reported in one detection per client and
 * window, whose confidence grows with the number of kinds. Queries from a
 * known resolver (noise.yaml resolvers) are reported with
 * client_is_resolver, and never for `unsanctioned`: forwarding to upstream
 * servers is what a resolver does.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../detector-kit.h"
#include "../util-ip.h"
#include "../util-mem.h"
#include "../util-strset.h"

#define MAX_NAMES 8     /* distinct resolver / canary names kept per client */
#define NAME_LEN 96
#define MAX_SERVERS 8   /* distinct unsanctioned servers / odd ports per client */
#define SAMPLES 3
#define SAMPLE_LEN 128
#define MAX_PORTS 16
#define MAX_SANCTIONED 256

enum { K_RESOLVER, K_CANARY, K_UNSANCTIONED, K_PORT, K_DOT, N_KINDS };
static const char *const kind_names[N_KINDS] = {"resolver", "canary", "unsanctioned",
                                                "nonstandard_port", "dot_port"};

typedef struct {
    int64_t window, resolver_lookups, canary_lookups, unsanctioned_queries,
        nonstandard_port_queries;
    double canary_risk_score, confidence_step;
} params_t;

typedef struct {
    uint8_t len;
    char s[NAME_LEN];
} name_t;

typedef struct {
    dh_addr_t addr;
    int32_t port;
    uint32_t n;
} server_t;

typedef struct {
    dh_kit_window_t h;
    uint64_t resolver, canary_positive, canary_negative, canary_unanswered;
    uint64_t unsanctioned, port, dot;
    uint8_t n_resolver_names, n_canary_names, n_servers, n_ports;
    uint64_t servers_dropped, ports_dropped; /* queries to servers past the slots */
    name_t resolver_names[MAX_NAMES];
    name_t canary_names[MAX_NAMES];
    server_t servers[MAX_SERVERS]; /* unsanctioned servers, with their port */
    server_t ports[MAX_SERVERS];   /* servers asked on a non-standard port */
    DH_KIT_SAMPLES(SAMPLES, SAMPLE_LEN);
} window_t;

typedef struct {
    dh_kit_t kit;
    params_t p;
    dh_strset_t *resolvers, *canaries;
    dh_cidr_t *sanctioned;
    size_t n_sanctioned;
    long standard_ports[MAX_PORTS], ignored_ports[MAX_PORTS], dot_ports[MAX_PORTS];
    size_t n_standard, n_ignored, n_dot;
} doh_t;
DH_KIT_STATE_LAYOUT(doh_t, p);

static const dh_kit_params_t params = DH_KIT_FIELDS(params_t, window, resolver_lookups,
    canary_lookups, unsanctioned_queries, nonstandard_port_queries, canary_risk_score,
    confidence_step);

/* The list file named by thresholds.resolver_list (rules.h). */
static int load_list_file(doh_t *t, char *err, size_t errlen)
{
    return dh_rule_name_list(t->kit.rule, "resolver_list", t->resolvers, err, errlen);
}

static int add_canary(void *ctx, const dh_yaml_node_t *it, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    doh_t *t = ctx;
    dh_strset_add_name(t->canaries, it->value, strlen(it->value));
    return 0;
}

static int load_canaries(doh_t *t, char *err, size_t errlen)
{
    return dh_yaml_each(t->kit.rule->thresholds, "canary_domains", "names", 0, "a name",
                        add_canary, t, err, errlen);
}

static int load_sanctioned(doh_t *t, char *err, size_t errlen)
{
    t->sanctioned = dh_calloc(MAX_SANCTIONED, sizeof(dh_cidr_t));
    return dh_yaml_cidrs(t->kit.rule->thresholds, "sanctioned_resolvers", MAX_SANCTIONED,
                         t->sanctioned, &t->n_sanctioned, err, errlen);
}

static int load_ports(doh_t *t, const char *key, long *out, size_t *n, char *err, size_t errlen)
{
    if (dh_rule_int_list(t->kit.rule, key, out, MAX_PORTS, n, err, errlen))
        return -1;
    for (size_t i = 0; i < *n; i++)
        if (out[i] < 0 || out[i] > 65535) {
            dh_yaml_node_t *seq = dh_yaml_get(t->kit.rule->thresholds, key);
            snprintf(err, errlen, "%s:%zu: %s: %ld is not a port number", seq->file,
                     seq->items[i]->line, key, out[i]);
            return -1;
        }
    return 0;
}

static void on_close(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                     dh_close_t why);

static void doh_release(void *state);

static int doh_setup(void *state, char *err, size_t errlen)
{
    doh_t *t = state;
    const dh_rule_t *rule = t->kit.rule;
    t->resolvers = dh_strset_new();
    t->canaries = dh_strset_new();
    if (load_list_file(t, err, errlen) || load_canaries(t, err, errlen) ||
        load_sanctioned(t, err, errlen) ||
        load_ports(t, "standard_ports", t->standard_ports, &t->n_standard, err, errlen) ||
        load_ports(t, "ignored_ports", t->ignored_ports, &t->n_ignored, err, errlen) ||
        load_ports(t, "dot_ports", t->dot_ports, &t->n_dot, err, errlen))
        return -1;
    /* absent lists take the defaults; an explicit [] means none */
    static const long def_ignored[] = {5353, 5355, 137};
    if (!dh_yaml_get(rule->thresholds, "standard_ports"))
        t->standard_ports[t->n_standard++] = 53;
    if (!dh_yaml_get(rule->thresholds, "ignored_ports"))
        for (size_t i = 0; i < DH_N_OF(def_ignored); i++)
            t->ignored_ports[t->n_ignored++] = def_ignored[i];
    if (!dh_yaml_get(rule->thresholds, "dot_ports"))
        t->dot_ports[t->n_dot++] = 853;
    return 0;
}

static const dh_kit_spec_t spec = {
    .size = sizeof(doh_t),
    .params = &params,
    .required = "resolver_list",
    .setup = doh_setup,
    .release = doh_release,
    /* check() reads counters and a few server slots: every event */
    .table = {.name = "doh_evasion.client", .value_size = sizeof(window_t),
              .on_close = on_close, .pace = {1, 0}},
};

static bool port_in(const long *ports, size_t n, int32_t port)
{
    for (size_t i = 0; i < n; i++)
        if (ports[i] == port)
            return true;
    return false;
}

static bool sanctioned(const doh_t *t, const dh_addr_t *a)
{
    for (size_t i = 0; i < t->n_sanctioned; i++)
        if (dh_cidr_contains(&t->sanctioned[i], a))
            return true;
    return false;
}

/* Multicast and broadcast destinations are discovery protocols, not resolvers. */
static bool multicast(const dh_addr_t *a)
{
    if (a->family == DH_AF_INET)
        return (a->bytes[0] & 0xf0) == 0xe0 ||
               (a->bytes[0] == 255 && a->bytes[1] == 255 && a->bytes[2] == 255 &&
                a->bytes[3] == 255);
    return a->family == DH_AF_INET6 && a->bytes[0] == 0xff;
}

/* A negative answer: the network turned the canary off (any error code, or
   NOERROR without records: Firefox disables DoH when the lookup fails or
   yields no address, Apple documents "no error no answer" and NXDOMAIN).
   1 negative, 0 positive, -1 no answer seen. */
static int canary_answer(const dh_event_t *ev)
{
    if (ev->rcode > 0)
        return 1;
    if (ev->rcode == 0 || ev->has_response)
        return ev->n_answers == 0 && ev->answers_dropped == 0 ? 1 : 0;
    return -1;
}

static void add_name_to(name_t *names, uint8_t *n, const char *s, size_t len)
{
    if (len > NAME_LEN)
        len = NAME_LEN;
    for (uint8_t i = 0; i < *n; i++)
        if (names[i].len == len && memcmp(names[i].s, s, len) == 0)
            return;
    if (*n >= MAX_NAMES)
        return;
    memcpy(names[*n].s, s, len);
    names[(*n)++].len = (uint8_t)len;
}

/* Count a query to addr:port in slots; false when the slots are full. */
static bool add_server(server_t *slots, uint8_t *n, const dh_addr_t *addr, int32_t port)
{
    for (uint8_t i = 0; i < *n; i++)
        if (slots[i].port == port && dh_addr_equal(&slots[i].addr, addr)) {
            slots[i].n++;
            return true;
        }
    if (*n >= MAX_SERVERS)
        return false;
    slots[*n] = (server_t){.addr = *addr, .port = port, .n = 1};
    (*n)++;
    return true;
}

static void add_sample(window_t *w, const dh_event_t *ev)
{
    if (ev->has_qname)
        DH_KIT_ADD_DISTINCT_SAMPLE(w, ev->qname, ev->qname_len);
}

/* name[0..len) (trailing dots dropped) ends in a member of s: through the
   view's cached suffix hashes when that is the name the view judges (at
   most one trailing dot), else the plain way. */
static bool listed(const dh_event_view_t *view, const dh_strset_t *s, const char *name, size_t len)
{
    if (len == view->name_len)
        return dh_event_view_has_suffix(view, s);
    return dh_strset_has_suffix(s, name, len);
}

static void doh_on_event(void *state, const dh_event_view_t *view, const dh_verdict_t *v,
                         const dh_detect_env_t *env)
{
    const dh_event_t *ev = view->ev;
    (void)env;
    doh_t *t = state;
    if (ev->client.family == DH_AF_UNSET)
        return;
    const char *name = ev->qname_lc;
    size_t len = ev->has_qname ? ev->qname_len : 0;
    while (len && name[len - 1] == '.')
        len--;
    bool is_canary = len && listed(view, t->canaries, name, len);
    bool is_resolver = len && !is_canary && listed(view, t->resolvers, name, len);
    bool off_list = t->n_sanctioned && !v->from_resolver && ev->server.family != DH_AF_UNSET &&
                    !multicast(&ev->server) && !sanctioned(t, &ev->server);
    bool dot = false, odd_port = false;
    if (ev->server_port >= 0 && !port_in(t->standard_ports, t->n_standard, ev->server_port) &&
        !port_in(t->ignored_ports, t->n_ignored, ev->server_port)) {
        dot = port_in(t->dot_ports, t->n_dot, ev->server_port);
        odd_port = !dot;
    }
    if (!is_canary && !is_resolver && !off_list && !dot && !odd_port)
        return; /* an ordinary lookup: no state */

    window_t *w = dh_kit_touch_client(t->kit.table, view, v);
    if (!w)
        return;
    if (is_canary) {
        int a = canary_answer(ev);
        if (a == 1) {
            w->canary_negative++;
        } else {
            if (a == 0)
                w->canary_positive++;
            else
                w->canary_unanswered++;
            add_name_to(w->canary_names, &w->n_canary_names, name, len);
            add_sample(w, ev);
        }
    }
    if (is_resolver) {
        w->resolver++;
        add_name_to(w->resolver_names, &w->n_resolver_names, name, len);
        add_sample(w, ev);
    }
    if (off_list) {
        w->unsanctioned++;
        if (!add_server(w->servers, &w->n_servers, &ev->server, ev->server_port))
            w->servers_dropped++;
        add_sample(w, ev);
    }
    if (dot || odd_port) {
        if (dot)
            w->dot++;
        else
            w->port++;
        if (!add_server(w->ports, &w->n_ports, &ev->server, ev->server_port))
            w->ports_dropped++;
        add_sample(w, ev);
    }
    dh_kit_early_check(&t->kit, t->kit.table, &ev->client, sizeof(dh_addr_t), w, ev->ts_us);
}

typedef struct {
    bool on[N_KINDS];
    int fired;
} kinds_t;

static kinds_t check(const doh_t *t, const window_t *w, bool early)
{
    const params_t *p = &t->p;
    kinds_t k = {0};
    k.on[K_RESOLVER] = w->resolver >= (uint64_t)p->resolver_lookups;
    /* a negative answer anywhere in the window means the network opted out:
       only unanswered queries with no negative answer, or positive answers,
       count; while the window is open (early) only positive answers do, as
       a negative answer may still come */
    uint64_t canary = w->canary_positive +
                      (w->canary_negative || early ? 0 : w->canary_unanswered);
    k.on[K_CANARY] = canary >= (uint64_t)p->canary_lookups;
    uint32_t top = 0;
    for (uint8_t i = 0; i < w->n_servers; i++)
        if (w->servers[i].n > top)
            top = w->servers[i].n;
    k.on[K_UNSANCTIONED] = top >= (uint64_t)p->unsanctioned_queries;
    k.on[K_PORT] = w->port >= (uint64_t)p->nonstandard_port_queries;
    k.on[K_DOT] = w->dot >= (uint64_t)p->nonstandard_port_queries;
    for (int i = 0; i < N_KINDS; i++)
        k.fired += k.on[i];
    return k;
}

static void names_arr(dh_strbuf_t *sb, const char *key, const name_t *names, uint8_t n)
{
    dh_json_open_arr(sb, key);
    for (uint8_t i = 0; i < n; i++) {
        dh_json_sep(sb);
        dh_json_string(sb, names[i].s, names[i].len);
    }
    dh_sb_putc(sb, ']');
}

static void servers_arr(dh_strbuf_t *sb, const char *key, const server_t *s, uint8_t n)
{
    char a[DH_ADDR_STRLEN];
    dh_json_open_arr(sb, key);
    for (uint8_t i = 0; i < n; i++) {
        dh_json_sep(sb);
        dh_sb_putc(sb, '{');
        dh_json_kv_str(sb, "ip", dh_addr_format(&s[i].addr, a));
        if (s[i].port >= 0)
            dh_json_kv_int(sb, "port", s[i].port);
        dh_json_kv_uint(sb, "queries", s[i].n);
        dh_sb_putc(sb, '}');
    }
    dh_sb_putc(sb, ']');
}

static void evidence(doh_t *t, const window_t *w, const kinds_t *k)
{
    const params_t *p = &t->p;
    dh_strbuf_t *sb = &t->kit.ev;
    dh_sb_reset(sb);
    dh_json_kv_int(sb, "window_seconds", p->window);
    dh_json_open_arr(sb, "kinds");
    for (int i = 0; i < N_KINDS; i++)
        if (k->on[i]) {
            dh_json_sep(sb);
            dh_json_string(sb, kind_names[i], strlen(kind_names[i]));
        }
    dh_sb_putc(sb, ']');
    dh_json_kv_uint(sb, "resolver_lookups", w->resolver);
    names_arr(sb, "resolver_names", w->resolver_names, w->n_resolver_names);
    dh_json_kv_uint(sb, "canary_positive", w->canary_positive);
    dh_json_kv_uint(sb, "canary_unanswered", w->canary_unanswered);
    dh_json_kv_uint(sb, "canary_negative", w->canary_negative);
    names_arr(sb, "canary_names", w->canary_names, w->n_canary_names);
    dh_json_kv_uint(sb, "unsanctioned_queries", w->unsanctioned);
    servers_arr(sb, "unsanctioned_servers", w->servers, w->n_servers);
    if (w->servers_dropped)
        dh_json_kv_uint(sb, "unsanctioned_queries_to_other_servers", w->servers_dropped);
    dh_json_kv_uint(sb, "nonstandard_port_queries", w->port);
    dh_json_kv_uint(sb, "dot_port_queries", w->dot);
    servers_arr(sb, "port_servers", w->ports, w->n_ports);
    if (w->ports_dropped)
        dh_json_kv_uint(sb, "port_queries_to_other_servers", w->ports_dropped);
    static const char *const shown[] = {"resolver_lookups", "canary_lookups",
                                        "unsanctioned_queries", "nonstandard_port_queries",
                                        "canary_risk_score"};
    dh_json_open_obj(sb, "thresholds");
    dh_kit_json_params(sb, p, &params, shown, DH_N_OF(shown));
    dh_json_kv_uint(sb, "sanctioned_resolvers", t->n_sanctioned);
    dh_sb_putc(sb, '}');
    DH_KIT_JSON_SAMPLES(sb, "samples", w);
}

/* What the client moved its DNS to: the resolver and canary names, then the
   off-list servers and those asked on odd ports. A day's alert for the
   client (suppression_scope client) lists them across its windows. */
typedef struct {
    dh_name_ref_t refs[2 * MAX_NAMES + 2 * MAX_SERVERS];
    char addrs[2 * MAX_SERVERS][DH_ADDR_STRLEN];
    size_t n, n_addrs;
} services_t;

static void service_names(services_t *sv, const name_t *names, uint8_t n)
{
    for (uint8_t i = 0; i < n; i++)
        sv->refs[sv->n++] = (dh_name_ref_t){names[i].s, names[i].len};
}

static void service_addrs(services_t *sv, const server_t *s, uint8_t n)
{
    for (uint8_t i = 0; i < n; i++) {
        char *a = sv->addrs[sv->n_addrs++];
        dh_addr_format(&s[i].addr, a);
        sv->refs[sv->n++] = (dh_name_ref_t){a, strlen(a)};
    }
}

static void services_of(const window_t *w, services_t *sv)
{
    sv->n = sv->n_addrs = 0;
    service_names(sv, w->resolver_names, w->n_resolver_names);
    service_names(sv, w->canary_names, w->n_canary_names);
    service_addrs(sv, w->servers, w->n_servers);
    service_addrs(sv, w->ports, w->n_ports);
}

static void on_close(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                     dh_close_t why)
{
    (void)key, (void)keylen;
    doh_t *t = ctx;
    window_t *w = value;
    kinds_t k = check(t, w, dh_kit_is_early(why));
    if (!k.fired)
        return;
    evidence(t, w, &k);
    double conf = t->kit.rule->confidence + t->p.confidence_step * (k.fired - 1);
    bool canary_only = k.fired == 1 && k.on[K_CANARY];
    services_t sv;
    services_of(w, &sv);
    dh_detection_t d = DH_KIT_SAMPLES_DETECTION(w, ws);
    d.services = sv.refs;
    d.n_services = sv.n;
    d.risk_score = canary_only ? t->p.canary_risk_score : -1;
    d.confidence = dh_kit_confidence(conf);
    dh_kit_emit(&t->kit, &d);
}

static void doh_release(void *state)
{
    doh_t *t = state;
    dh_strset_free(t->resolvers);
    dh_strset_free(t->canaries);
    free(t->sanctioned);
}

const dh_detector_type_t dh_detector_doh_evasion = {
    .name = "doh_evasion",
    .description = "DoH/DoT and unsanctioned-resolver use seen in DNS: resolver hostnames, "
                   "browser canaries, off-list servers, odd ports (T1572)",
    .kit = &spec,
    .on_event = doh_on_event,
};
