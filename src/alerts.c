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

typedef struct {
    uint64_t ekey;         /* entity hash, 0 = empty slot */
    int64_t until_us;      /* suppression ends */
    int64_t window_start;  /* of the first alert: keeps its event.id */
    int64_t first_start_us;
    uint32_t occurrences;
    char *update;          /* latest update line, NULL when nothing absorbed */
    size_t update_len;
    char key[64];          /* partitioning key of the alert */
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
    return a;
}

static uint64_t entity_key(const dh_detection_t *d)
{
    uint64_t h = dh_hash64(d->rule_name, strlen(d->rule_name));
    if (d->client)
        h ^= dh_hash64(d->client, sizeof(*d->client)) * 3;
    if (d->registered_domain)
        h ^= dh_hash64(d->registered_domain, strlen(d->registered_domain)) * 5;
    if (d->entity)
        h ^= dh_hash64(d->entity, strlen(d->entity)) * 7;
    return h ? h : 1;
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

static void absorb(dh_alerts_t *a, open_alert_t *e, const dh_detection_t *d)
{
    dh_detection_t u = *d;
    e->occurrences++;
    u.window_start_us = e->window_start;
    u.start_us = e->first_start_us;
    u.is_update = true;
    u.occurrences = e->occurrences;
    dh_sb_reset(&a->buf);
    dh_detection_to_json(&u, &a->buf);
    free(e->update);
    e->update = dh_strndup(a->buf.buf, a->buf.len);
    e->update_len = a->buf.len;
    a->st.suppressed++;
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
    dh_sb_reset(&a->buf);
    dh_detection_to_json(&u, &a->buf);
    char key[64];
    partition_key(d, key);
    a->st.updates++;
    emit_line(a, a->buf.buf, a->buf.len, key);
}

void dh_alerts_submit(dh_alerts_t *a, const dh_detection_t *d, int64_t suppression_us)
{
    uint64_t ekey = entity_key(d);
    open_alert_t *e = find(a, ekey);
    if (e->ekey && d->fired_us < e->until_us) {
        absorb(a, e, d);
        if (d->completes_early && e->window_start == d->window_start_us)
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
    dh_sb_reset(&a->buf);
    dh_detection_to_json(d, &a->buf);
    a->st.emitted++;
    char key[64];
    partition_key(d, key);
    emit_line(a, a->buf.buf, a->buf.len, key);
    if (suppression_us <= 0)
        return;
    if (a->n >= a->max) /* full: close the alert whose period ends first */
        expire(a, INT64_MAX, true);
    if ((a->n + 1) * 2 > a->cap)
        grow(a);
    e = find(a, ekey);
    *e = (open_alert_t){.ekey = ekey, .until_us = d->fired_us + suppression_us,
                        .window_start = d->window_start_us, .first_start_us = d->start_us,
                        .occurrences = 1};
    memcpy(e->key, key, sizeof(e->key));
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
    free(a);
}
