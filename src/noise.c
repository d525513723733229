/*
 * noise.c - shared noise control (see noise.h).
 */
#include "noise.h"

#include <stdio.h>
#include <string.h>

#include "regdom.h"
#include "rules.h"
#include "sketch.h"
#include "util-ip.h"
#include "util-mem.h"
#include "util-strset.h"

#define MAX_CIDRS 256
#define MAX_PORTS 16
#define RECENT_SLOTS 65536 /* resolver attribution: recent client queries by name */

typedef struct {
    dh_cidr_t v[MAX_CIDRS];
    size_t n;
} cidrs_t;

typedef struct {
    uint64_t name_hash;
    int64_t ts_us;
} recent_t;

/* Distinct clients of a registered domain, exact up to common_clients:
   beyond that the domain is common and the exact number no longer matters,
   so a few dozen bytes per domain suffice (500 k domains in ~50 MiB). */
typedef struct {
    uint32_t n;
    uint32_t fp[]; /* common_clients client fingerprints */
} prevalence_t;

struct dh_noise {
    dh_strset_t *exclude_suffixes, *allow_domains, *benign, *popular;
    long exclude_ports[MAX_PORTS];
    size_t n_ports;
    cidrs_t allow_clients, resolvers;
    int64_t attribution_us;
    int64_t common_clients;
    dh_table_t *prevalence;
    recent_t *recent;
    const dh_regdom_t *regdom; /* borrowed: search-list appends (NULL: none) */
    bool search_appends;       /* noise.yaml search_appends */
    dh_noise_zone_t *zones; /* internal_zones, in file order */
    size_t n_zones;
    dh_noise_stats_t st;
};

static int add_zone(void *ctx, const dh_yaml_node_t *it, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    dh_noise_t *n = ctx;
    dh_noise_zone_t *z = &n->zones[n->n_zones++];
    z->name = dh_strdup(it->value);
    snprintf(z->where, sizeof(z->where), "%s:%zu", it->file, it->line);
    return 0;
}

/* internal_zones: kept as written (with FILE:LINE) for the pipeline's zone
   keys (regdom.h), which judge them: the PSL is theirs, not noise's. */
static int load_zones(dh_noise_t *n, dh_yaml_node_t *root, char *err, size_t errlen)
{
    dh_yaml_node_t *seq;
    if (dh_yaml_seq(root, "internal_zones", "zones", 0, &seq, err, errlen))
        return -1;
    if (!seq)
        return 0;
    n->zones = dh_calloc(seq->n_items ? seq->n_items : 1, sizeof(*n->zones));
    return dh_yaml_each_scalar(seq, "internal_zones", "a zone", add_zone, n, err, errlen);
}

void dh_noise_set_regdom(dh_noise_t *n, const dh_regdom_t *r)
{
    n->regdom = r;
}

const dh_noise_zone_t *dh_noise_internal_zone(const dh_noise_t *n, size_t i)
{
    return i < n->n_zones ? &n->zones[i] : NULL;
}

static int add_string(void *ctx, const dh_yaml_node_t *it, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    char *v = it->value;
    size_t len = strlen(v);
    for (size_t j = 0; j < len; j++)
        if (v[j] >= 'A' && v[j] <= 'Z')
            v[j] = (char)(v[j] - 'A' + 'a');
    while (len && v[0] == '.') /* ".example.com" and "example.com" mean the same */
        v++, len--;
    dh_strset_add(ctx, v, len);
    return 0;
}

static int load_strings(dh_yaml_node_t *map, const char *key, dh_strset_t *set, char *err,
                        size_t errlen)
{
    return dh_yaml_each(map, key, "names", 0, "a name", add_string, set, err, errlen);
}

static int load_cidrs(dh_yaml_node_t *map, const char *key, cidrs_t *out, char *err, size_t errlen)
{
    return dh_yaml_cidrs(map, key, MAX_CIDRS, out->v, &out->n, err, errlen);
}

static int load_ports(dh_noise_t *n, dh_yaml_node_t *exclude, char *err, size_t errlen)
{
    dh_yaml_node_t *seq = dh_yaml_get(exclude, "server_ports");
    if (!seq)
        return 0;
    if (seq->kind != DH_YAML_SEQ || seq->n_items > MAX_PORTS) {
        snprintf(err, errlen, "%s:%zu: server_ports: expected a list of at most %d ports", seq->file,
                 seq->line, MAX_PORTS);
        return -1;
    }
    for (size_t i = 0; i < seq->n_items; i++) {
        dh_yaml_node_t *it = seq->items[i];
        char *end;
        long p = it->kind == DH_YAML_SCALAR ? strtol(it->value, &end, 10) : -1;
        if (it->kind != DH_YAML_SCALAR || *end || p < 0 || p > 65535) {
            snprintf(err, errlen, "%s:%zu: server_ports: expected a port number", it->file, it->line);
            return -1;
        }
        n->exclude_ports[n->n_ports++] = p;
    }
    return 0;
}

/* A list file: one name a line, '#' comments, blank lines ignored. */
static int load_list_file(const char *dir, dh_yaml_node_t *root, const char *key, dh_strset_t *set,
                          char *err, size_t errlen)
{
    const char *name = NULL;
    if (dh_yaml_str(root, key, false, &name, err, errlen) || !name)
        return name ? -1 : 0;
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f) {
        dh_yaml_node_t *n = dh_yaml_get(root, key);
        snprintf(err, errlen, "%s:%zu: %s: cannot open %s", n->file, n->line, key, path);
        return -1;
    }
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        size_t len = strcspn(line, " \t\r\n#");
        for (size_t i = 0; i < len; i++)
            if (line[i] >= 'A' && line[i] <= 'Z')
                line[i] = (char)(line[i] - 'A' + 'a');
        if (len)
            dh_strset_add(set, line, len);
    }
    fclose(f);
    return 0;
}

static int load_sections(dh_noise_t *n, const char *dir, dh_yaml_node_t *root, char *err,
                         size_t errlen)
{
    dh_yaml_node_t *exclude = dh_yaml_get(root, "exclude");
    dh_yaml_node_t *allow = dh_yaml_get(root, "allowlist");
    dh_yaml_node_t *prev = dh_yaml_get(root, "prevalence");
    double attribution_s = 2;
    n->common_clients = 20;
    n->search_appends = true;
    if (load_strings(exclude, "suffixes", n->exclude_suffixes, err, errlen) ||
        load_ports(n, exclude, err, errlen) ||
        load_strings(allow, "domains", n->allow_domains, err, errlen) ||
        load_cidrs(allow, "clients", &n->allow_clients, err, errlen) ||
        load_strings(root, "benign_services", n->benign, err, errlen) ||
        load_cidrs(root, "resolvers", &n->resolvers, err, errlen) ||
        load_zones(n, root, err, errlen) ||
        dh_yaml_bool(root, "search_appends", false, &n->search_appends, err, errlen) ||
        dh_yaml_double(root, "attribution_seconds", false, 0, 3600, &attribution_s, err, errlen) ||
        dh_yaml_int(prev, "common_clients", false, 2, 64, &n->common_clients, err, errlen) ||
        load_list_file(dir, root, "popular_domains", n->popular, err, errlen))
        return -1;
    n->attribution_us = (int64_t)(attribution_s * 1e6);
    return dh_yaml_check_unused(root, err, errlen);
}

dh_noise_t *dh_noise_load(const char *rules_dir, dh_state_t *st, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/noise.yaml", rules_dir);
    dh_yaml_node_t *root = dh_yaml_load(path, err, errlen);
    if (!root)
        return NULL;
    dh_noise_t *n = dh_calloc(1, sizeof(*n));
    n->exclude_suffixes = dh_strset_new();
    n->allow_domains = dh_strset_new();
    n->benign = dh_strset_new();
    n->popular = dh_strset_new();
    int rc = load_sections(n, rules_dir, root, err, errlen);
    dh_yaml_free(root);
    if (rc) {
        dh_noise_free(n);
        return NULL;
    }
    dh_table_opts_t o = {.name = "noise.prevalence",
                         .value_size = sizeof(prevalence_t) +
                                       (size_t)n->common_clients * sizeof(uint32_t)};
    n->prevalence = dh_table_new(st, &o);
    n->recent = dh_calloc(RECENT_SLOTS, sizeof(recent_t));
    return n;
}

dh_noise_t *dh_noise_load_zones(const char *rules_dir, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/noise.yaml", rules_dir);
    dh_noise_t *n = dh_calloc(1, sizeof(*n));
    FILE *f = fopen(path, "r");
    if (!f)
        return n; /* no rules here: no zones (the detectors would need them) */
    fclose(f);
    dh_yaml_node_t *root = dh_yaml_load(path, err, errlen);
    int rc = root ? load_zones(n, root, err, errlen) : -1;
    dh_yaml_free(root);
    if (rc) {
        dh_noise_free(n);
        return NULL;
    }
    return n;
}

void dh_noise_free(dh_noise_t *n)
{
    if (!n)
        return;
    dh_strset_free(n->exclude_suffixes);
    dh_strset_free(n->allow_domains);
    dh_strset_free(n->benign);
    dh_strset_free(n->popular);
    free(n->recent);
    for (size_t i = 0; i < n->n_zones; i++)
        free(n->zones[i].name);
    free(n->zones);
    free(n);
}

int dh_noise_add_resolver(dh_noise_t *n, const char *addr)
{
    if (n->resolvers.n >= MAX_CIDRS || dh_cidr_parse(addr, &n->resolvers.v[n->resolvers.n]))
        return -1;
    n->resolvers.n++;
    return 0;
}

static bool in_cidrs(const cidrs_t *c, const dh_addr_t *a)
{
    for (size_t i = 0; i < c->n; i++)
        if (dh_cidr_contains(&c->v[i], a))
            return true;
    return false;
}

static bool excluded(const dh_noise_t *n, const dh_event_t *ev)
{
    for (size_t i = 0; i < n->n_ports; i++)
        if (ev->server_port == n->exclude_ports[i])
            return true;
    return ev->has_qname && dh_strset_has_suffix(n->exclude_suffixes, ev->qname_lc, ev->qname_len);
}

/* Resolver attribution: remember client queries by name; a resolver's query
   for a name a client asked within attribution_us is that client's. */
static bool resolver_duplicate(dh_noise_t *n, const dh_event_t *ev, bool from_resolver)
{
    if (!ev->has_qname || n->resolvers.n == 0)
        return false;
    uint64_t h = dh_hash64(ev->qname_lc, ev->qname_len);
    recent_t *r = &n->recent[h & (RECENT_SLOTS - 1)];
    if (!from_resolver) {
        r->name_hash = h;
        r->ts_us = ev->ts_us;
        return false;
    }
    int64_t d = ev->ts_us - r->ts_us;
    return r->name_hash == h && d >= -n->attribution_us && d <= n->attribution_us;
}

static void prevalence(dh_noise_t *n, const dh_event_t *ev, dh_verdict_t *v)
{
    if (!ev->registered_domain)
        return;
    size_t rdlen = strlen(ev->registered_domain);
    v->popular = dh_strset_has(n->popular, ev->registered_domain, rdlen);
    prevalence_t *p = dh_table_touch(n->prevalence, ev->registered_domain, rdlen, ev->ts_us);
    if (!p) {
        v->common = v->popular;
        return;
    }
    uint32_t fp = (uint32_t)(dh_hash64(&ev->client, sizeof(ev->client)) >> 32);
    bool seen = false;
    for (uint32_t i = 0; i < p->n && !seen; i++)
        seen = p->fp[i] == fp;
    if (!seen && p->n < (uint32_t)n->common_clients)
        p->fp[p->n++] = fp;
    v->prevalence = p->n;
    v->common = v->popular || p->n >= (uint32_t)n->common_clients;
}

dh_noise_result_t dh_noise_check(dh_noise_t *n, const dh_event_t *ev, dh_verdict_t *v)
{
    memset(v, 0, sizeof(*v));
    if (excluded(n, ev)) {
        n->st.excluded++;
        v->from_resolver = in_cidrs(&n->resolvers, &ev->client);
        return DH_NOISE_EXCLUDED;
    }
    if (in_cidrs(&n->allow_clients, &ev->client) ||
        (ev->has_qname && dh_strset_has_suffix(n->allow_domains, ev->qname_lc, ev->qname_len))) {
        n->st.allowlisted++;
        return DH_NOISE_ALLOWLISTED;
    }
    bool from_resolver = in_cidrs(&n->resolvers, &ev->client);
    if (resolver_duplicate(n, ev, from_resolver)) {
        n->st.resolver_duplicates++;
        return DH_NOISE_RESOLVER_DUP;
    }
    v->from_resolver = from_resolver;
    n->st.from_resolver += from_resolver;
    v->benign_service =
        ev->has_qname && dh_strset_has_suffix(n->benign, ev->qname_lc, ev->qname_len);
    n->st.benign_service += v->benign_service;
    if (!v->benign_service && n->search_appends && n->regdom && ev->has_qname && ev->rcode == 3 &&
        dh_regdom_search_append(n->regdom, ev->qname_lc, ev->qname_len, ev->registered_domain,
                                ev->zone_source)) {
        v->benign_service = true; /* the detectors that skip benign services skip it */
        n->st.search_appends++;
    }
    prevalence(n, ev, v);
    return DH_NOISE_PASS;
}

dh_noise_stats_t dh_noise_stats(const dh_noise_t *n)
{
    return n->st;
}
