/*
 * incidents.c - incidents per client x registered domain and the rolling
 * host risk roll-up (see incidents.h).
 */
#include "incidents.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detection.h"
#include "detector-kit.h"
#include "rules.h"
#include "util-ip.h"
#include "util-mem.h"
#include "util-time.h"

#define MAX_NAMES 64     /* distinct rule names / ATT&CK refs a run interns (bit sets) */
#define INC_FINDINGS 16  /* findings linked by one incident; more are counted */
#define HOST_FINDINGS 32 /* the riskiest findings of a host's window (the i^-1.5
                            weights of the rest add at most 13 points) */
#define DOMAIN_MAX 256
#define ZETA_1_5 2.6123753486854883 /* the sum of i^-1.5: a host's highest score is 100 */

enum { LEVEL_NONE, LEVEL_LOW, LEVEL_MODERATE, LEVEL_HIGH, LEVEL_CRITICAL, N_LEVELS };
static const char *const level_names[N_LEVELS] = {"none", "low", "moderate", "high", "critical"};

/* ---- interned names: rule names and ATT&CK references ---------------- */

typedef struct {
    char id[24];
    char name[96];
} ref_t;

typedef struct {
    ref_t v[MAX_NAMES];
    size_t n;
} ref_table_t;

/* The index of (id, name) in t, added when new; -1 when the table is full
   (the reference is then left out of the sets, which say so by omission). */
static int intern(ref_table_t *t, const char *id, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].id, id) == 0)
            return (int)i;
    if (t->n == MAX_NAMES || strlen(id) >= sizeof(t->v[0].id))
        return -1;
    snprintf(t->v[t->n].id, sizeof(t->v[0].id), "%s", id);
    snprintf(t->v[t->n].name, sizeof(t->v[0].name), "%s", name ? name : "");
    return (int)t->n++;
}

/* The members of a set, by id: the order a run first met them in depends
   on which input came first (two analyzers of one group meet them in
   different orders), the ids do not. Returns how many, into idx. */
static size_t sorted_members(const ref_table_t *t, uint64_t bits, uint8_t idx[MAX_NAMES])
{
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++)
        if (bits & (1ULL << i)) {
            size_t j = n++;
            for (; j > 0 && strcmp(t->v[idx[j - 1]].id, t->v[i].id) > 0; j--)
                idx[j] = idx[j - 1];
            idx[j] = (uint8_t)i;
        }
    return n;
}

/* ---- what one detection line says -------------------------------------- */

typedef struct {
    const char *id, *rule, *domain;
    dh_addr_t client;
    bool has_client, resolver;
    double risk, confidence;
    int severity;
    int64_t ts_us, start_us, end_us;
    uint64_t tactics, techniques, subtechniques; /* bits of the ref tables */
    int rule_idx;
} finding_in_t;

typedef struct {
    char id[33];
    int8_t rule;
    float risk;
    int64_t ts_us, start_us, end_us;
    uint64_t tactics, techniques, subtechniques;
} finding_t;

/* ---- entries: one table for both kinds, chained, with eviction ------- */

typedef struct {
    int32_t next;   /* chain, or the free list */
    bool used;
    uint64_t hash;
    int64_t last_us; /* @timestamp of its latest finding: the oldest is evicted */
    dh_addr_t client;
    char domain[DOMAIN_MAX]; /* "" for a host */
} entry_key_t;

typedef struct {
    entry_key_t k;
    int64_t first_us, first_start_us, start_us, end_us;
    uint64_t tactics, techniques, subtechniques, rules;
    float rule_risk[MAX_NAMES];
    int severity;
    double confidence;
    finding_t f[INC_FINDINGS];
    uint8_t n_f;
    uint32_t total;
    bool raised;
    uint64_t reported_rules;
    double reported_risk;
    uint32_t reported_total;
} incident_t;

typedef struct {
    entry_key_t k;
    finding_t f[HOST_FINDINGS];
    uint8_t n_f;
    uint32_t dropped; /* findings of the window beyond the riskiest kept */
    bool raised;
    int64_t episode_us, fired_us;
    int reported_level;
} host_t;

typedef struct {
    char *slots;      /* alloc entries of esize bytes, grown by doubling up to max */
    size_t esize, max, alloc, n;
    int32_t *heads;   /* n_buckets chains */
    size_t n_buckets; /* a power of two, about max / 2 */
    int32_t free_head;
} table_t;

static void table_init(table_t *t, size_t esize, size_t max)
{
    memset(t, 0, sizeof(*t));
    t->esize = esize;
    t->max = max;
    t->free_head = -1;
    t->n_buckets = 16;
    while (t->n_buckets < max / 2)
        t->n_buckets *= 2;
}

static entry_key_t *slot(const table_t *t, int32_t i)
{
    return (entry_key_t *)(t->slots + (size_t)i * t->esize);
}

static void table_free(table_t *t)
{
    free(t->slots);
    free(t->heads);
}

static uint64_t key_hash(const dh_addr_t *client, const char *domain)
{
    uint64_t h = dh_fnv1a64(client, sizeof(*client), 1469598103934665603ULL);
    return dh_fnv1a64(domain, strlen(domain), h);
}

static int32_t *bucket(const table_t *t, uint64_t h)
{
    return &t->heads[h & (t->n_buckets - 1)];
}

static entry_key_t *table_find(const table_t *t, uint64_t h, const dh_addr_t *client,
                               const char *domain)
{
    if (!t->heads)
        return NULL;
    for (int32_t i = *bucket(t, h); i >= 0; i = slot(t, i)->next) {
        entry_key_t *k = slot(t, i);
        if (k->hash == h && dh_addr_equal(&k->client, client) && strcmp(k->domain, domain) == 0)
            return k;
    }
    return NULL;
}

static void table_unlink(table_t *t, entry_key_t *victim)
{
    int32_t *p = bucket(t, victim->hash);
    while (*p >= 0 && slot(t, *p) != victim)
        p = &slot(t, *p)->next;
    int32_t idx = *p;
    *p = victim->next;
    memset(victim, 0, t->esize);
    victim->next = t->free_head;
    t->free_head = idx;
    t->n--;
}

/* The entry idle longest: the one dropped to make room (rare: only when
   the table is full, and a scan then is cheaper than an LRU list always). */
static entry_key_t *table_oldest(const table_t *t)
{
    entry_key_t *oldest = NULL;
    for (size_t i = 0; i < t->alloc; i++) {
        entry_key_t *k = slot(t, (int32_t)i);
        if (k->used && (!oldest || k->last_us < oldest->last_us))
            oldest = k;
    }
    return oldest;
}

static bool table_full(const table_t *t)
{
    return t->free_head < 0 && t->alloc == t->max;
}

/* Room for more entries: the array doubles (entries are addressed by
   index, so moving them is safe between calls), up to max. */
static void table_grow(table_t *t)
{
    if (!t->heads) {
        t->heads = dh_malloc(t->n_buckets * sizeof(int32_t));
        for (size_t i = 0; i < t->n_buckets; i++)
            t->heads[i] = -1;
    }
    size_t alloc = t->alloc ? t->alloc * 2 : 16;
    alloc = alloc < t->max ? alloc : t->max;
    t->slots = dh_realloc(t->slots, alloc * t->esize);
    memset(t->slots + t->alloc * t->esize, 0, (alloc - t->alloc) * t->esize);
    for (size_t i = alloc; i-- > t->alloc;) {
        slot(t, (int32_t)i)->next = t->free_head;
        t->free_head = (int32_t)i;
    }
    t->alloc = alloc;
}

/* A new zeroed entry for the key; the caller made room (table_full). */
static entry_key_t *table_add(table_t *t, uint64_t h, const dh_addr_t *client,
                              const char *domain)
{
    if (t->free_head < 0)
        table_grow(t);
    int32_t idx = t->free_head;
    entry_key_t *k = slot(t, idx);
    t->free_head = k->next;
    k->used = true;
    k->hash = h;
    k->client = *client;
    snprintf(k->domain, sizeof(k->domain), "%s", domain);
    k->next = *bucket(t, h);
    *bucket(t, h) = idx;
    t->n++;
    return k;
}

/* ---- the correlator ---------------------------------------------------- */

static const dh_correlation_info_t incident_info = {
    "incident", "several rules' findings about one client x registered domain within 24 h: one "
                "detection, every technique, one risk score, the findings linked by event.id"};
static const dh_correlation_info_t host_risk_info = {
    "host_risk", "rolling 24 h risk roll-up per client over all its findings (Elastic-style "
                 "weighting, 0..100), reported when its level reaches moderate"};
const dh_correlation_info_t *const dh_correlations[] = {&incident_info, &host_risk_info, NULL};

typedef struct {
    int64_t window, min_rules, max_entries;
} incident_params_t;

typedef struct {
    int64_t window, max_entries;
    double level_low, level_moderate, level_high, level_critical;
} host_params_t;

struct dh_incidents {
    dh_rule_t *inc_rule, *host_rule; /* NULL when disabled */
    incident_params_t ip;
    host_params_t hp;
    int alert_level;
    table_t incidents, hosts;
    ref_table_t rules, tactics, techniques, subtechniques;
    dh_incidents_out_fn out;
    void *ctx;
    int64_t next_expire_us; /* dh_incidents_advance scans again from here */
    dh_strbuf_t evidence, line;
    dh_incidents_stats_t st;
};

static const dh_kit_params_t incident_fields =
    DH_KIT_FIELDS(incident_params_t, window, min_rules, max_entries);
static const dh_kit_params_t host_fields = DH_KIT_FIELDS(
    host_params_t, window, max_entries, level_low, level_moderate, level_high, level_critical);

/* The rule NAME with its thresholds, NULL in *out when it is disabled. */
static int load_rule(const char *dir, const char *name, void *params, const dh_kit_params_t *f,
                     dh_rule_t **out, char *err, size_t errlen)
{
    dh_rule_t *r = dh_rule_load(dir, name, err, errlen);
    if (!r)
        return -1;
    if (dh_rule_read_params(r, params, f->fields, f->n, err, errlen)) {
        dh_rule_free(r);
        return -1;
    }
    *out = r;
    return 0;
}

static int load_alert_level(dh_incidents_t *x, char *err, size_t errlen)
{
    const char *lv = NULL;
    dh_rule_t *r = x->host_rule;
    if (dh_yaml_str(r->thresholds, "alert_level", true, &lv, err, errlen))
        return -1;
    for (int i = LEVEL_LOW; i < N_LEVELS; i++)
        if (strcmp(lv, level_names[i]) == 0)
            x->alert_level = i;
    const host_params_t *p = &x->hp;
    if (!x->alert_level || !(p->level_low < p->level_moderate && p->level_moderate < p->level_high &&
                             p->level_high < p->level_critical)) {
        snprintf(err, errlen,
                 "%s: thresholds: alert_level must be low, moderate, high or critical and "
                 "level_low < level_moderate < level_high < level_critical",
                 r->path);
        return -1;
    }
    return 0;
}

/* A rule disabled in its file is freed: NULL means "not run". */
static void drop_disabled(dh_rule_t **r)
{
    if (*r && !(*r)->enabled) {
        dh_rule_free(*r);
        *r = NULL;
    }
}

dh_incidents_t *dh_incidents_new(const char *rules_dir, dh_incidents_out_fn out, void *ctx,
                                 char *err, size_t errlen)
{
    dh_incidents_t *x = dh_calloc(1, sizeof(*x));
    x->out = out;
    x->ctx = ctx;
    x->next_expire_us = INT64_MIN;
    dh_sb_init(&x->evidence);
    dh_sb_init(&x->line);
    if (load_rule(rules_dir, "incident", &x->ip, &incident_fields, &x->inc_rule, err, errlen) ||
        load_rule(rules_dir, "host_risk", &x->hp, &host_fields, &x->host_rule, err, errlen) ||
        load_alert_level(x, err, errlen) || dh_rule_finish(x->inc_rule, err, errlen) ||
        dh_rule_finish(x->host_rule, err, errlen)) {
        dh_incidents_free(x);
        return NULL;
    }
    table_init(&x->incidents, sizeof(incident_t), (size_t)x->ip.max_entries);
    table_init(&x->hosts, sizeof(host_t), (size_t)x->hp.max_entries);
    drop_disabled(&x->inc_rule);
    drop_disabled(&x->host_rule);
    return x;
}

void dh_incidents_free(dh_incidents_t *x)
{
    if (!x)
        return;
    dh_rule_free(x->inc_rule);
    dh_rule_free(x->host_rule);
    table_free(&x->incidents);
    table_free(&x->hosts);
    dh_sb_free(&x->evidence);
    dh_sb_free(&x->line);
    free(x);
}

dh_incidents_stats_t dh_incidents_stats(const dh_incidents_t *x)
{
    return x->st;
}

/* ---- reading a detection line ------------------------------------------ */

static const cJSON *get(const cJSON *o, const char *a, const char *b)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);
    return b ? cJSON_GetObjectItemCaseSensitive(v, b) : v;
}

static int64_t time_of(const cJSON *v, int64_t dflt)
{
    int64_t us;
    if (cJSON_IsString(v) && dh_time_parse_iso8601(v->valuestring, strlen(v->valuestring), &us) == 0)
        return us;
    return dflt;
}

/* The bits of the references under threat.<key> (parallel id / name arrays). */
static uint64_t refs_of(ref_table_t *t, const cJSON *obj)
{
    const cJSON *ids = get(obj, "id", NULL), *names = get(obj, "name", NULL);
    uint64_t bits = 0;
    for (int i = 0; i < cJSON_GetArraySize(ids); i++) {
        const cJSON *id = cJSON_GetArrayItem(ids, i), *name = cJSON_GetArrayItem(names, i);
        if (!cJSON_IsString(id))
            continue;
        int k = intern(t, id->valuestring, cJSON_IsString(name) ? name->valuestring : NULL);
        if (k >= 0)
            bits |= 1ULL << k;
    }
    return bits;
}

static int read_finding(dh_incidents_t *x, const cJSON *d, finding_in_t *f)
{
    const cJSON *id = get(d, "event", "id"), *rule = get(d, "rule", "name");
    const cJSON *ts = get(d, "@timestamp", NULL);
    if (!cJSON_IsString(id) || strlen(id->valuestring) != 32 || !cJSON_IsString(rule) ||
        !cJSON_IsString(ts))
        return -1;
    memset(f, 0, sizeof(*f));
    f->id = id->valuestring;
    f->rule = rule->valuestring;
    const cJSON *ip = get(d, "source", "ip"), *rd = get(get(d, "dns", "question"), "registered_domain", NULL);
    f->has_client = cJSON_IsString(ip) &&
                    dh_addr_parse(ip->valuestring, strlen(ip->valuestring), &f->client) == 0;
    f->resolver = cJSON_IsTrue(get(d, "dnshound", "client_is_resolver"));
    f->domain = cJSON_IsString(rd) && strlen(rd->valuestring) < DOMAIN_MAX ? rd->valuestring : NULL;
    f->risk = cJSON_GetNumberValue(get(d, "event", "risk_score"));
    f->severity = (int)cJSON_GetNumberValue(get(d, "event", "severity"));
    f->confidence = cJSON_GetNumberValue(get(d, "dnshound", "confidence"));
    if (isnan(f->risk) || isnan(f->confidence))
        return -1;
    f->ts_us = time_of(ts, 0);
    f->start_us = time_of(get(d, "event", "start"), f->ts_us);
    f->end_us = time_of(get(d, "event", "end"), f->ts_us);
    const cJSON *threat = get(d, "threat", NULL), *tech = get(threat, "technique", NULL);
    f->tactics = refs_of(&x->tactics, get(threat, "tactic", NULL));
    f->techniques = refs_of(&x->techniques, tech);
    f->subtechniques = refs_of(&x->subtechniques, get(tech, "subtechnique", NULL));
    f->rule_idx = intern(&x->rules, f->rule, NULL);
    return 0;
}

/* ---- writing --------------------------------------------------------------- */

static void put_ref_ids(dh_strbuf_t *sb, const char *key, const ref_table_t *t, uint64_t bits)
{
    uint8_t idx[MAX_NAMES];
    size_t n = sorted_members(t, bits, idx);
    dh_json_open_arr(sb, key);
    for (size_t i = 0; i < n; i++) {
        dh_json_sep(sb);
        dh_json_string(sb, t->v[idx[i]].id, strlen(t->v[idx[i]].id));
    }
    dh_sb_putc(sb, ']');
}

static int by_time(const void *a, const void *b)
{
    const finding_t *x = a, *y = b;
    if (x->ts_us != y->ts_us)
        return x->ts_us < y->ts_us ? -1 : 1;
    return strcmp(x->id, y->id);
}

static void put_findings(dh_strbuf_t *sb, const dh_incidents_t *x, const finding_t *f, size_t n)
{
    char t[DH_TIME_STRLEN];
    dh_json_open_arr(sb, "findings");
    for (size_t i = 0; i < n; i++) {
        dh_json_sep(sb);
        dh_sb_putc(sb, '{');
        dh_json_kv_str(sb, "id", f[i].id);
        dh_json_kv_str(sb, "rule", f[i].rule >= 0 ? x->rules.v[f[i].rule].id : "?");
        dh_json_kv_double(sb, "risk_score", f[i].risk);
        dh_json_kv_str(sb, "@timestamp", dh_time_format(f[i].ts_us, t));
        dh_sb_putc(sb, '}');
    }
    dh_sb_putc(sb, ']');
}

/* The ATT&CK mapping of a set of findings: every reference they carry, up
   to DH_ATTACK_MAX of each kind (the evidence lists them all by id). */
static void fill_refs(dh_attack_ref_t *out, size_t *n, const ref_table_t *t, uint64_t bits)
{
    uint8_t idx[MAX_NAMES];
    size_t m = sorted_members(t, bits, idx);
    *n = 0;
    for (size_t i = 0; i < m && *n < DH_ATTACK_MAX; i++)
        out[(*n)++] = (dh_attack_ref_t){t->v[idx[i]].id, t->v[idx[i]].name};
}

static void union_attack(const dh_incidents_t *x, const dh_rule_t *r, uint64_t tac, uint64_t tech,
                         uint64_t sub, dh_attack_t *a)
{
    memset(a, 0, sizeof(*a));
    a->version = r->attack.version;
    a->detection_strategy = r->attack.detection_strategy;
    fill_refs(a->tactics, &a->n_tactics, &x->tactics, tac);
    fill_refs(a->techniques, &a->n_techniques, &x->techniques, tech);
    fill_refs(a->subtechniques, &a->n_subtechniques, &x->subtechniques, sub);
}

/* The part of an incident's or episode's id that is time: the window its
   first finding's evidence started in. Not the time the finding was
   reported: an early alert (detector-kit.h) reports the same window sooner,
   and a live run and its replay must name an incident alike. */
static int64_t id_bucket(int64_t start_us, int64_t window_s)
{
    int64_t w = window_s * 1000000;
    return (start_us / w - (start_us % w < 0)) * w;
}

static void emit(dh_incidents_t *x, const dh_detection_t *d)
{
    char key[DH_ADDR_STRLEN];
    dh_sb_reset(&x->line);
    dh_detection_to_json(d, &x->line);
    x->out(x->ctx, &x->line, dh_addr_format(d->client, key));
}

/* ---- incidents ------------------------------------------------------------ */

static size_t popcount64(uint64_t v)
{
    size_t n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

/* 1 - prod(1 - r/100) over the rules' highest risk scores: two rules that
   each say 70 make 91, never more than 100. */
static double incident_risk(const incident_t *e)
{
    double keep = 1;
    for (size_t i = 0; i < MAX_NAMES; i++)
        if (e->rules & (1ULL << i))
            keep *= 1 - e->rule_risk[i] / 100.0;
    return round((1 - keep) * 1000) / 10;
}

/* Elastic's bands of a risk score for a severity (low < 22 <= medium < 48
   <= high < 74 <= critical) on dnshound's 1..5 scale. */
static int severity_of_risk(double risk)
{
    return risk >= 74 ? 5 : risk >= 48 ? 4 : risk >= 22 ? 3 : 2;
}

static void incident_evidence(dh_incidents_t *x, const incident_t *e)
{
    dh_strbuf_t *sb = &x->evidence;
    uint8_t idx[MAX_NAMES];
    size_t n = sorted_members(&x->rules, e->rules, idx);
    dh_sb_reset(sb);
    put_ref_ids(sb, "rules", &x->rules, e->rules);
    dh_json_open_obj(sb, "rule_risk_scores");
    for (size_t i = 0; i < n; i++)
        dh_json_kv_double(sb, x->rules.v[idx[i]].id, e->rule_risk[idx[i]]);
    dh_sb_putc(sb, '}');
    put_ref_ids(sb, "techniques", &x->techniques, e->techniques);
    put_ref_ids(sb, "subtechniques", &x->subtechniques, e->subtechniques);
    finding_t linked[INC_FINDINGS]; /* in time order, however they arrived */
    memcpy(linked, e->f, e->n_f * sizeof(linked[0]));
    qsort(linked, e->n_f, sizeof(linked[0]), by_time);
    put_findings(sb, x, linked, e->n_f);
    dh_json_kv_uint(sb, "findings_linked", e->n_f);
    dh_json_kv_uint(sb, "findings_omitted", e->total - e->n_f);
    dh_json_kv_int(sb, "span_seconds", (e->k.last_us - e->first_us) / 1000000);
    dh_json_kv_int(sb, "window_seconds", x->ip.window);
    dh_json_kv_int(sb, "min_rules", x->ip.min_rules);
}

static void incident_emit(dh_incidents_t *x, incident_t *e, int64_t now_us, double risk)
{
    dh_attack_t a;
    union_attack(x, x->inc_rule, e->tactics, e->techniques, e->subtechniques, &a);
    incident_evidence(x, e);
    dh_detection_t d = {
        .kind = DH_KIND_INCIDENT,
        .rule_name = "incident",
        .rule = x->inc_rule,
        .attack = &a,
        .fired_us = now_us,
        .start_us = e->start_us,
        .end_us = e->end_us,
        .window_start_us = id_bucket(e->first_start_us, x->ip.window),
        .client = &e->k.client,
        .registered_domain = e->k.domain,
        .risk_score = risk,
        .confidence = e->confidence,
        .severity = e->severity > severity_of_risk(risk) ? e->severity : severity_of_risk(risk),
        .evidence = &x->evidence,
        .is_update = e->raised,
        .occurrences = e->total,
    };
    if (e->raised)
        x->st.incident_updates++;
    else
        x->st.incidents++;
    e->raised = true;
    e->reported_rules = e->rules;
    e->reported_risk = risk;
    e->reported_total = e->total;
    emit(x, &d);
}

/* Link f to e: a new id is added (or counted when the list is full), an
   update of a linked one keeps its highest risk and latest end. */
static void link_finding(incident_t *e, const finding_in_t *f)
{
    for (size_t i = 0; i < e->n_f; i++)
        if (strcmp(e->f[i].id, f->id) == 0) {
            if (f->risk > e->f[i].risk)
                e->f[i].risk = (float)f->risk;
            if (f->end_us > e->f[i].end_us)
                e->f[i].end_us = f->end_us;
            return;
        }
    e->total++;
    if (e->n_f == INC_FINDINGS)
        return;
    finding_t *n = &e->f[e->n_f++];
    snprintf(n->id, sizeof(n->id), "%s", f->id);
    n->rule = (int8_t)f->rule_idx;
    n->risk = (float)f->risk;
    n->ts_us = f->ts_us;
    n->start_us = f->start_us;
    n->end_us = f->end_us;
}

static void incident_settle(dh_incidents_t *x, incident_t *e);

static void incident_add(dh_incidents_t *x, const finding_in_t *f)
{
    uint64_t h = key_hash(&f->client, f->domain);
    incident_t *e = (incident_t *)table_find(&x->incidents, h, &f->client, f->domain);
    /* quiet for longer than the window: what comes next is another incident */
    if (e && f->ts_us - e->k.last_us > x->ip.window * 1000000) {
        incident_settle(x, e);
        table_unlink(&x->incidents, &e->k);
        e = NULL;
    }
    if (!e) {
        if (table_full(&x->incidents)) { /* its pending update goes out first */
            incident_t *old = (incident_t *)table_oldest(&x->incidents);
            incident_settle(x, old);
            table_unlink(&x->incidents, &old->k);
            x->st.evicted++;
        }
        e = (incident_t *)table_add(&x->incidents, h, &f->client, f->domain);
        e->first_us = f->ts_us;
        e->first_start_us = f->start_us;
        e->start_us = f->start_us;
        e->end_us = f->end_us;
    }
    e->k.last_us = f->ts_us > e->k.last_us ? f->ts_us : e->k.last_us;
    e->start_us = f->start_us < e->start_us ? f->start_us : e->start_us;
    e->end_us = f->end_us > e->end_us ? f->end_us : e->end_us;
    e->tactics |= f->tactics;
    e->techniques |= f->techniques;
    e->subtechniques |= f->subtechniques;
    if (f->rule_idx >= 0) {
        e->rules |= 1ULL << f->rule_idx;
        if (f->risk > e->rule_risk[f->rule_idx])
            e->rule_risk[f->rule_idx] = (float)f->risk;
    }
    e->severity = f->severity > e->severity ? f->severity : e->severity;
    e->confidence = f->confidence > e->confidence ? f->confidence : e->confidence;
    link_finding(e, f);
    if ((int64_t)popcount64(e->rules) < x->ip.min_rules)
        return;
    double risk = incident_risk(e);
    /* an incident is news at once when it starts, when a rule joins it or
       when its score rises; another finding of a rule it has is linked by
       the update at the end of its window (dh_incidents_advance) or input */
    if (!e->raised || e->rules != e->reported_rules || risk > e->reported_risk)
        incident_emit(x, e, e->k.last_us, risk);
}

/* The update of an incident whose latest findings were linked after its
   last report. */
static void incident_settle(dh_incidents_t *x, incident_t *e)
{
    if (e->raised && e->total != e->reported_total)
        incident_emit(x, e, e->k.last_us, incident_risk(e));
}

/* ---- host risk ------------------------------------------------------------ */

static int by_risk_desc(const void *a, const void *b)
{
    const finding_t *x = a, *y = b;
    if (x->risk != y->risk)
        return x->risk < y->risk ? 1 : -1;
    if (x->ts_us != y->ts_us)
        return x->ts_us < y->ts_us ? -1 : 1;
    return strcmp(x->id, y->id); /* whatever order they arrived in */
}

/* Elastic-style: sum of r_i / i^1.5 over the risk scores sorted from the
   highest, divided by its limit, 0..100. Sorts h->f. */
static double host_score(host_t *h)
{
    qsort(h->f, h->n_f, sizeof(h->f[0]), by_risk_desc);
    double s = 0;
    for (size_t i = 0; i < h->n_f; i++)
        s += h->f[i].risk / pow((double)(i + 1), 1.5);
    return round(s / ZETA_1_5 * 10) / 10;
}

static int level_of(const host_params_t *p, double score)
{
    return score >= p->level_critical ? LEVEL_CRITICAL
           : score >= p->level_high   ? LEVEL_HIGH
           : score >= p->level_moderate ? LEVEL_MODERATE
           : score >= p->level_low    ? LEVEL_LOW
                                      : LEVEL_NONE;
}

/* Forget the findings older than the window before now. */
static void host_expire(const dh_incidents_t *x, host_t *h, int64_t now_us)
{
    size_t k = 0;
    for (size_t i = 0; i < h->n_f; i++)
        if (now_us - h->f[i].ts_us <= x->hp.window * 1000000)
            h->f[k++] = h->f[i];
    h->n_f = (uint8_t)k;
    if (!k)
        h->dropped = 0;
}

/* Keep f among the riskiest of the window (an update of a kept one raises
   its risk); false when it is a repeat that changed nothing. */
static bool host_keep(host_t *h, const finding_in_t *f)
{
    for (size_t i = 0; i < h->n_f; i++)
        if (strcmp(h->f[i].id, f->id) == 0) {
            if (f->risk <= h->f[i].risk)
                return false;
            h->f[i].risk = (float)f->risk;
            return true;
        }
    finding_t *slot_f = NULL;
    if (h->n_f < HOST_FINDINGS) {
        slot_f = &h->f[h->n_f++];
    } else {
        h->dropped++;
        finding_t *low = &h->f[0]; /* the one host_score would rank last */
        for (size_t i = 1; i < h->n_f; i++)
            if (by_risk_desc(&h->f[i], low) > 0)
                low = &h->f[i];
        if (f->risk <= low->risk)
            return false;
        slot_f = low;
    }
    snprintf(slot_f->id, sizeof(slot_f->id), "%s", f->id);
    slot_f->rule = (int8_t)f->rule_idx;
    slot_f->risk = (float)f->risk;
    slot_f->ts_us = f->ts_us;
    slot_f->start_us = f->start_us;
    slot_f->end_us = f->end_us;
    slot_f->tactics = f->tactics;
    slot_f->techniques = f->techniques;
    slot_f->subtechniques = f->subtechniques;
    return true;
}

static void host_evidence(dh_incidents_t *x, const host_t *h, double score, int level,
                          uint64_t tech)
{
    dh_strbuf_t *sb = &x->evidence;
    uint64_t rules = 0;
    for (size_t i = 0; i < h->n_f; i++)
        if (h->f[i].rule >= 0)
            rules |= 1ULL << h->f[i].rule;
    dh_sb_reset(sb);
    dh_json_kv_double(sb, "score", score);
    dh_json_kv_str(sb, "level", level_names[level]);
    dh_json_kv_uint(sb, "findings_in_window", h->n_f + h->dropped);
    put_ref_ids(sb, "rules", &x->rules, rules);
    put_ref_ids(sb, "techniques", &x->techniques, tech);
    put_findings(sb, x, h->f, h->n_f < 10 ? h->n_f : 10);
    dh_json_kv_int(sb, "window_seconds", x->hp.window);
}

/* The window's findings (the riskiest kept): their span and every ATT&CK
   reference they carry. */
static void host_emit(dh_incidents_t *x, host_t *h, const finding_in_t *f, double score, int level)
{
    int64_t start = INT64_MAX, end = INT64_MIN;
    uint64_t tac = 0, tech = 0, sub = 0;
    for (size_t i = 0; i < h->n_f; i++) {
        start = h->f[i].start_us < start ? h->f[i].start_us : start;
        end = h->f[i].end_us > end ? h->f[i].end_us : end;
        tac |= h->f[i].tactics;
        tech |= h->f[i].techniques;
        sub |= h->f[i].subtechniques;
    }
    if (!h->raised)
        h->episode_us = start;
    h->fired_us = f->ts_us > h->fired_us ? f->ts_us : h->fired_us; /* lines in time order */
    dh_attack_t a;
    union_attack(x, x->host_rule, tac, tech, sub, &a);
    host_evidence(x, h, score, level, tech);
    dh_detection_t d = {
        .kind = DH_KIND_HOST_RISK,
        .rule_name = "host_risk",
        .rule = x->host_rule,
        .attack = &a,
        .fired_us = h->fired_us,
        .start_us = start,
        .end_us = end,
        .window_start_us = id_bucket(h->episode_us, x->hp.window),
        .client = &h->k.client,
        .risk_score = score,
        .confidence = -1,
        .severity = level + 1, /* low 2 .. critical 5 */
        .evidence = &x->evidence,
        .is_update = h->raised,
        .occurrences = h->n_f + h->dropped,
    };
    if (h->raised)
        x->st.host_risk_updates++;
    else
        x->st.host_risk++;
    h->raised = true;
    h->reported_level = level;
    emit(x, &d);
}

static void host_add(dh_incidents_t *x, const finding_in_t *f)
{
    static const char none[] = "";
    uint64_t hh = key_hash(&f->client, none);
    host_t *h = (host_t *)table_find(&x->hosts, hh, &f->client, none);
    if (!h) {
        if (table_full(&x->hosts)) {
            table_unlink(&x->hosts, table_oldest(&x->hosts));
            x->st.evicted++;
        }
        h = (host_t *)table_add(&x->hosts, hh, &f->client, none);
    }
    h->k.last_us = f->ts_us > h->k.last_us ? f->ts_us : h->k.last_us;
    host_expire(x, h, f->ts_us);
    if (!host_keep(h, f))
        return;
    double score = host_score(h);
    int level = level_of(&x->hp, score);
    if (level < x->alert_level) {
        h->raised = false; /* the episode, if any, is over */
        h->reported_level = LEVEL_NONE;
        return;
    }
    if (!h->raised || level > h->reported_level)
        host_emit(x, h, f, score, level);
}

/* ---- event time -------------------------------------------------------------- */

/* Every entry whose window ended before wm (all of them: wm INT64_MAX) is
   settled and dropped. */
static void expire_table(dh_incidents_t *x, table_t *t, int64_t window_s, int64_t wm, bool inc)
{
    for (size_t i = 0; i < t->alloc && t->n; i++) {
        entry_key_t *k = slot(t, (int32_t)i);
        if (!k->used || (wm != INT64_MAX && wm - k->last_us <= window_s * 1000000))
            continue;
        if (inc)
            incident_settle(x, (incident_t *)k);
        table_unlink(t, k);
    }
}

/* How often the tables are scanned for ended windows: once a minute of
   event time, not at every event. */
#define EXPIRE_EVERY_US (60 * 1000000LL)

void dh_incidents_advance(dh_incidents_t *x, int64_t watermark_us)
{
    if (!x || watermark_us < x->next_expire_us)
        return;
    x->next_expire_us = watermark_us + EXPIRE_EVERY_US;
    expire_table(x, &x->incidents, x->ip.window, watermark_us, true);
    expire_table(x, &x->hosts, x->hp.window, watermark_us, false);
}

void dh_incidents_flush(dh_incidents_t *x)
{
    if (!x)
        return;
    expire_table(x, &x->incidents, x->ip.window, INT64_MAX, true);
    expire_table(x, &x->hosts, x->hp.window, INT64_MAX, false);
    x->next_expire_us = INT64_MIN;
}

/* ---- input ------------------------------------------------------------------ */

void dh_incidents_observe(dh_incidents_t *x, const char *line, size_t len)
{
    if (!x || (!x->inc_rule && !x->host_rule))
        return;
    cJSON *d = cJSON_ParseWithLength(line, len);
    finding_in_t f;
    if (!d || read_finding(x, d, &f) != 0) {
        x->st.unreadable++;
        cJSON_Delete(d);
        return;
    }
    /* the correlation's own lines are not findings */
    if (strcmp(f.rule, "incident") != 0 && strcmp(f.rule, "host_risk") != 0 && f.has_client &&
        !f.resolver) {
        x->st.findings++;
        if (x->inc_rule && f.domain)
            incident_add(x, &f);
        if (x->host_rule)
            host_add(x, &f);
    }
    cJSON_Delete(d);
}
