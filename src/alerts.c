/*
 * alerts.c - suppression of repeated detections (see alerts.h).
 *
 * Open alerts live in an open-addressing table that grows with them, and
 * a min-heap of (end of suppression, entity) says which to close next, so
 * expiry costs O(log n) per closed alert however many are open (a broad
 * threat-intel list can keep thousands open). A heap entry whose alert was
 * closed and opened again is stale and skipped when it comes up.
 */
#include "alerts.h"

#include <stdio.h>
#include <string.h>

#include "sketch.h"
#include "util-ip.h"
#include "util-mem.h"
#include "util-oahash.h"

/* Bytes of listed service names (JSON text) one client-scope alert keeps:
   with max_entries this bounds the table whatever the names are. */
#define SERVICES_BYTES 2048

/* The distinct services a client-scope alert merged (alerts.h). */
typedef struct {
    dh_distinct_t seen; /* every service seen, exact up to DH_DISTINCT_EXACT */
    uint32_t listed;
    dh_strbuf_t json;   /* the listed ones: JSON strings, comma-separated */
} services_t;

typedef struct {
    uint64_t ekey;         /* entity hash, 0 = empty slot */
    int64_t until_us;      /* suppression ends */
    int64_t window_start;  /* of the first alert: keeps its event.id */
    int64_t first_start_us;
    uint32_t occurrences;
    double risk;           /* highest risk score reported for it so far */
    char *update;          /* latest update line, NULL when nothing absorbed */
    size_t update_len;
    char key[64];          /* partitioning key of the alert */
    char id[33];           /* event.id of the alert, carried by its update */
    services_t *sv;        /* client scope only, else NULL */
} open_alert_t;

typedef struct {
    int64_t until_us;
    uint64_t ekey;
} due_t;

struct dh_alerts {
    open_alert_t *slots;
    size_t cap, n, max;
    due_t *heap;
    size_t heap_n, heap_cap;
    dh_alert_out_fn out;
    void *ctx;
    dh_strbuf_t buf;
    dh_strbuf_t ev;        /* evidence with the services list */
    dh_alerts_stats_t st;
};

dh_alerts_t *dh_alerts_new(size_t max_entries, dh_alert_out_fn out, void *ctx)
{
    dh_alerts_t *a = dh_calloc(1, sizeof(*a));
    a->max = max_entries ? max_entries : 1;
    a->cap = 64;
    a->slots = dh_calloc(a->cap, sizeof(open_alert_t));
    a->heap_cap = 64;
    a->heap = dh_calloc(a->heap_cap, sizeof(due_t));
    a->out = out;
    a->ctx = ctx;
    dh_sb_init(&a->buf);
    dh_sb_init(&a->ev);
    return a;
}

/* A finding of a client-scope rule that has a client: merged per client. */
static bool by_client(const dh_detection_t *d)
{
    return d->rule && d->rule->suppression_scope == DH_SCOPE_CLIENT && d->client &&
           d->client->family != DH_AF_UNSET;
}

/* A finding's own ATT&CK mapping (a threat-intel list's header): under the
   client scope, findings mapped apart stay apart, so a Tor2web hit is never
   absorbed into a host's "what is my IP" alert. */
static uint64_t mapping_key(const dh_attack_t *m)
{
    uint64_t h = 0;
    for (size_t i = 0; i < m->n_tactics; i++)
        h = h * 31 + dh_hash64(m->tactics[i].id, strlen(m->tactics[i].id));
    for (size_t i = 0; i < m->n_techniques; i++)
        h = h * 31 + dh_hash64(m->techniques[i].id, strlen(m->techniques[i].id));
    for (size_t i = 0; i < m->n_subtechniques; i++)
        h = h * 31 + dh_hash64(m->subtechniques[i].id, strlen(m->subtechniques[i].id));
    return h;
}

static uint64_t entity_key(const dh_detection_t *d)
{
    uint64_t h = dh_hash64(d->rule_name, strlen(d->rule_name));
    if (d->client)
        h ^= dh_hash64(d->client, sizeof(*d->client)) * 3;
    if (by_client(d)) {
        if (d->attack)
            h ^= mapping_key(d->attack) * 11;
        return h ? h : 1;
    }
    if (d->registered_domain)
        h ^= dh_hash64(d->registered_domain, strlen(d->registered_domain)) * 5;
    if (d->entity)
        h ^= dh_hash64(d->entity, strlen(d->entity)) * 7;
    return h ? h : 1;
}

/* ---- the services of a client-scope alert ---- */

/* What a finding is about besides its client: the detector's list, else
   the entity (an indicator), else the registered domain, else the
   representative query name. */
static dh_name_ref_t service_of(const dh_detection_t *d)
{
    const char *s = d->entity ? d->entity : d->registered_domain;
    if (s)
        return (dh_name_ref_t){s, strlen(s)};
    return (dh_name_ref_t){d->qname, d->qname ? d->qname_len : 0};
}

static void service_add(services_t *sv, const char *name, size_t len, size_t cap)
{
    if (!name || !len || !dh_distinct_add(&sv->seen, dh_hash64(name, len)))
        return; /* nothing to list, or listed already */
    size_t at = sv->json.len;
    if (sv->listed >= cap)
        return; /* counted in services_omitted */
    dh_json_sep(&sv->json);
    dh_json_string(&sv->json, name, len);
    if (sv->json.len > SERVICES_BYTES) { /* too long to list: counted instead */
        sv->json.len = at;
        return;
    }
    sv->listed++;
}

static void services_add(services_t *sv, const dh_detection_t *d)
{
    size_t cap = (size_t)d->rule->suppression_services;
    if (d->n_services) {
        for (size_t i = 0; i < d->n_services; i++)
            service_add(sv, d->services[i].s, d->services[i].len, cap);
        return;
    }
    dh_name_ref_t n = service_of(d);
    service_add(sv, n.s, n.len, cap);
}

static services_t *services_new(const dh_detection_t *d)
{
    services_t *sv = dh_calloc(1, sizeof(*sv));
    dh_sb_init(&sv->json);
    services_add(sv, d);
    return sv;
}

static void services_free(services_t *sv)
{
    if (!sv)
        return;
    dh_sb_free(&sv->json);
    free(sv);
}

/* d's evidence and the services of its alert: "services":[...] (at most the
   rule's suppression_services) and "services_omitted" (the distinct ones
   not listed; estimated beyond DH_DISTINCT_EXACT). */
static const dh_strbuf_t *evidence_with(dh_alerts_t *a, const dh_detection_t *d,
                                        const services_t *sv)
{
    dh_sb_reset(&a->ev);
    if (d->evidence && d->evidence->len)
        dh_sb_put(&a->ev, d->evidence->buf, d->evidence->len);
    dh_json_open_arr(&a->ev, "services");
    dh_sb_put(&a->ev, sv->json.buf, sv->json.len);
    dh_sb_putc(&a->ev, ']');
    uint64_t seen = (uint64_t)(dh_distinct_count(&sv->seen) + 0.5);
    dh_json_kv_uint(&a->ev, "services_omitted", seen > sv->listed ? seen - sv->listed : 0);
    return &a->ev;
}

static open_alert_t *find(dh_alerts_t *a, uint64_t key)
{
    size_t i = dh_oa_start(key, a->cap);
    while (a->slots[i].ekey && a->slots[i].ekey != key)
        i = dh_oa_next(i, a->cap);
    return &a->slots[i];
}

/* An open alert's slot is filed under its entity key (0: empty). */
static bool slot_used(const void *sl)
{
    return ((const open_alert_t *)sl)->ekey != 0;
}

static uint64_t slot_hash(const void *sl)
{
    return ((const open_alert_t *)sl)->ekey;
}

static void slot_release(void *sl)
{
    free(((open_alert_t *)sl)->update);
    services_free(((open_alert_t *)sl)->sv);
}

static const dh_oa_slot_t slot_kind = {sizeof(open_alert_t), slot_used, slot_hash, slot_release};

static void grow(dh_alerts_t *a)
{
    a->slots = dh_oa_grow(a->slots, &a->cap, &slot_kind);
}

/* ---- the heap of suppression ends (ties by entity: deterministic) ---- */

static bool due_before(const due_t *x, const due_t *y)
{
    return x->until_us < y->until_us || (x->until_us == y->until_us && x->ekey < y->ekey);
}

static void heap_push(dh_alerts_t *a, int64_t until_us, uint64_t ekey)
{
    if (a->heap_n == a->heap_cap) {
        a->heap_cap *= 2;
        a->heap = dh_realloc(a->heap, a->heap_cap * sizeof(due_t));
    }
    size_t i = a->heap_n++;
    a->heap[i] = (due_t){until_us, ekey};
    while (i > 0 && due_before(&a->heap[i], &a->heap[(i - 1) / 2])) {
        due_t t = a->heap[i];
        a->heap[i] = a->heap[(i - 1) / 2];
        a->heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static due_t heap_pop(dh_alerts_t *a)
{
    due_t top = a->heap[0];
    a->heap[0] = a->heap[--a->heap_n];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < a->heap_n && due_before(&a->heap[l], &a->heap[m]))
            m = l;
        if (r < a->heap_n && due_before(&a->heap[r], &a->heap[m]))
            m = r;
        if (m == i)
            break;
        due_t t = a->heap[i];
        a->heap[i] = a->heap[m];
        a->heap[m] = t;
        i = m;
    }
    return top;
}

static void emit_line(dh_alerts_t *a, const char *s, size_t len, const char *key)
{
    dh_strbuf_t line = {.buf = (char *)s, .len = len, .cap = len};
    a->out(a->ctx, &line, key);
}

/* The client address, else the registered domain, else the entity. */
static void partition_key(const dh_detection_t *d, char key[64])
{
    key[0] = '\0';
    if (d->client && d->client->family != DH_AF_UNSET)
        dh_addr_format(d->client, key);
    else if (d->registered_domain)
        snprintf(key, 64, "%s", d->registered_domain);
    else if (d->entity)
        snprintf(key, 64, "%s", d->entity);
}

/* Remove slot e (backward-shift deletion keeps probing chains intact). */
static void remove_slot(dh_alerts_t *a, open_alert_t *e)
{
    size_t i = (size_t)(e - a->slots);
    free(e->update);
    services_free(e->sv);
    memset(&a->slots[i], 0, sizeof(open_alert_t));
    a->n--;
    size_t j = i;
    for (;;) {
        j = (j + 1) & (a->cap - 1);
        if (!a->slots[j].ekey)
            break;
        size_t home = a->slots[j].ekey & (a->cap - 1);
        bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (between)
            continue;
        a->slots[i] = a->slots[j];
        memset(&a->slots[j], 0, sizeof(open_alert_t));
        i = j;
    }
}

static void close_alert(dh_alerts_t *a, open_alert_t *e)
{
    if (e->update) {
        a->st.updates++;
        emit_line(a, e->update, e->update_len, e->key);
    }
    remove_slot(a, e);
}

/* Close every alert whose period ended by wm, earliest first; with
   only_one, just the earliest (the table is full). */
static void expire(dh_alerts_t *a, int64_t wm, bool only_one)
{
    while (a->heap_n && a->heap[0].until_us <= wm) {
        due_t d = heap_pop(a);
        open_alert_t *e = find(a, d.ekey);
        if (!e->ekey || e->until_us != d.until_us)
            continue; /* stale: closed (and maybe reopened) since */
        close_alert(a, e);
        if (only_one)
            return;
    }
}

static double risk_of(const dh_detection_t *d)
{
    return d->risk_score >= 0 ? d->risk_score : d->rule ? d->rule->risk_score : 0;
}

/* Absorb d into e's pending update. True when e is a client-scope alert and
   d is riskier than anything reported for it: a client-scope period is long
   (a day) and merges many findings, so an escalation is not held back. Its
   updates keep the highest risk score of the findings merged: a later
   canary-only or low-risk finding does not lower the alert a SIEM upserts. */
static bool absorb(dh_alerts_t *a, open_alert_t *e, const dh_detection_t *d)
{
    dh_detection_t u = *d;
    bool riskier = e->sv && risk_of(d) > e->risk;
    if (riskier)
        e->risk = risk_of(d);
    if (e->sv)
        u.risk_score = e->risk;
    e->occurrences++;
    u.window_start_us = e->window_start;
    u.start_us = e->first_start_us;
    u.is_update = true;
    u.occurrences = e->occurrences;
    u.event_id = e->id; /* a client-scope alert's finding may be about another service */
    if (e->sv) {
        services_add(e->sv, d);
        u.evidence = evidence_with(a, d, e->sv);
    }
    dh_sb_reset(&a->buf);
    dh_detection_to_json(&u, &a->buf);
    free(e->update);
    e->update = dh_strndup(a->buf.buf, a->buf.len);
    e->update_len = a->buf.len;
    a->st.suppressed++;
    return riskier;
}

/* The update absorbed into e goes out now instead of at the end of the
   period: the window its alert was raised early for has closed. */
static void emit_update_now(dh_alerts_t *a, open_alert_t *e)
{
    a->st.updates++;
    emit_line(a, e->update, e->update_len, e->key);
    free(e->update);
    e->update = NULL;
}

/* The close of a window whose early alert went out but is no longer open
   (its period ended first, or suppression is off): the update on its own. */
static void emit_lone_update(dh_alerts_t *a, const dh_detection_t *d)
{
    dh_detection_t u = *d;
    u.is_update = true;
    u.occurrences = 1;
    services_t *sv = by_client(d) ? services_new(d) : NULL;
    if (sv)
        u.evidence = evidence_with(a, d, sv);
    dh_sb_reset(&a->buf);
    dh_detection_to_json(&u, &a->buf);
    char key[64];
    partition_key(d, key);
    a->st.updates++;
    emit_line(a, a->buf.buf, a->buf.len, key);
    services_free(sv);
}

void dh_alerts_submit(dh_alerts_t *a, const dh_detection_t *d, int64_t suppression_us)
{
    uint64_t ekey = entity_key(d);
    open_alert_t *e = find(a, ekey);
    if (e->ekey && d->fired_us < e->until_us) {
        bool riskier = absorb(a, e, d);
        if (riskier || (d->completes_early && e->window_start == d->window_start_us))
            emit_update_now(a, e);
        return;
    }
    if (e->ekey)
        close_alert(a, e);
    if (d->completes_early) {
        emit_lone_update(a, d);
        return;
    }
    a->st.early += d->early;
    if (d->alerted)
        *d->alerted = 1; /* its window's close will be this alert's update */
    dh_detection_t first = *d;
    services_t *sv = by_client(d) ? services_new(d) : NULL;
    if (sv)
        first.evidence = evidence_with(a, d, sv);
    dh_sb_reset(&a->buf);
    dh_detection_to_json(&first, &a->buf);
    a->st.emitted++;
    char key[64];
    partition_key(d, key);
    emit_line(a, a->buf.buf, a->buf.len, key);
    if (suppression_us <= 0) {
        services_free(sv);
        return;
    }
    if (a->n >= a->max) /* full: close the alert whose period ends first */
        expire(a, INT64_MAX, true);
    if ((a->n + 1) * 2 > a->cap)
        grow(a);
    e = find(a, ekey);
    *e = (open_alert_t){.ekey = ekey, .until_us = d->fired_us + suppression_us,
                        .window_start = d->window_start_us, .first_start_us = d->start_us,
                        .occurrences = 1, .risk = risk_of(d), .sv = sv};
    memcpy(e->key, key, sizeof(e->key));
    dh_detection_id(d, e->id);
    a->n++;
    heap_push(a, e->until_us, ekey);
}

void dh_alerts_advance(dh_alerts_t *a, int64_t wm)
{
    expire(a, wm, false);
}

void dh_alerts_flush(dh_alerts_t *a)
{
    expire(a, INT64_MAX, false);
}

int64_t dh_alerts_oldest_open(const dh_alerts_t *a)
{
    int64_t oldest = INT64_MAX;
    for (size_t i = 0; i < a->cap; i++)
        if (a->slots[i].ekey && a->slots[i].first_start_us < oldest)
            oldest = a->slots[i].first_start_us;
    return oldest;
}

dh_alerts_stats_t dh_alerts_stats(const dh_alerts_t *a)
{
    return a->st;
}

void dh_alerts_free(dh_alerts_t *a)
{
    if (!a)
        return;
    dh_oa_free(a->slots, a->cap, &slot_kind);
    free(a->heap);
    dh_sb_free(&a->buf);
    dh_sb_free(&a->ev);
    free(a);
}
