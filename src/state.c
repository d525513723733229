/*
 * state.c - keyed, windowed state under one memory bound (see state.h).
 *
 * An entry is keyed by (key bytes, window start), so two windows of one key
 * can be open at once while late events of the older one still arrive; the
 * watermark alone closes windows. Each entry sits on three intrusive lists:
 * its hash chain, the state-wide LRU list (eviction picks the coldest entry
 * of any table) and its table's window list, kept in window-end order so
 * closing walks from the head and stops at the first open window.
 */
#include "state.h"

#include <string.h>

#include "util-mem.h"

typedef struct entry {
    struct entry *hnext;
    struct entry *lru_prev, *lru_next;
    struct entry *win_prev, *win_next;
    dh_table_t *table;
    uint64_t hash;
    int64_t window_start;
    uint32_t keylen;
    uint32_t pad;
} entry_t;

/* value follows the header, 16-byte aligned; the key follows the value */
#define HDR ((sizeof(entry_t) + 15) & ~(size_t)15)

struct dh_table {
    dh_state_t *st;
    dh_table_opts_t o;
    size_t value_size; /* rounded up to 16 */
    entry_t **buckets;
    size_t nbuckets, count;
    entry_t *win_head, *win_tail;
    dh_table_t *next;
};

struct dh_state {
    size_t max_bytes;
    entry_t *lru_head, *lru_tail;
    dh_table_t *tables, *tables_tail;
    int64_t watermark;
    dh_state_stats_t s;
};

static void *value_of(entry_t *e)
{
    return (char *)e + HDR;
}

static const void *key_of(const entry_t *e)
{
    return (const char *)e + HDR + e->table->value_size;
}

static size_t entry_bytes(const dh_table_t *t, size_t keylen)
{
    return HDR + t->value_size + keylen;
}

dh_state_t *dh_state_new(size_t max_bytes)
{
    dh_state_t *st = dh_calloc(1, sizeof(*st));
    st->max_bytes = max_bytes;
    st->watermark = INT64_MIN;
    return st;
}

dh_table_t *dh_table_new(dh_state_t *st, const dh_table_opts_t *opts)
{
    dh_table_t *t = dh_calloc(1, sizeof(*t));
    t->st = st;
    t->o = *opts;
    t->value_size = (opts->value_size + 15) & ~(size_t)15;
    t->nbuckets = 1024;
    t->buckets = dh_calloc(t->nbuckets, sizeof(entry_t *));
    st->s.bytes += t->nbuckets * sizeof(entry_t *);
    if (st->tables_tail)
        st->tables_tail->next = t;
    else
        st->tables = t;
    st->tables_tail = t;
    return t;
}

static uint64_t hash_key(const void *key, size_t len, int64_t ws)
{
    const unsigned char *p = key;
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)ws * 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 32);
}

/* ---- list plumbing ---------------------------------------------------- */

static void lru_unlink(dh_state_t *st, entry_t *e)
{
    if (e->lru_prev)
        e->lru_prev->lru_next = e->lru_next;
    else
        st->lru_head = e->lru_next;
    if (e->lru_next)
        e->lru_next->lru_prev = e->lru_prev;
    else
        st->lru_tail = e->lru_prev;
    e->lru_prev = e->lru_next = NULL;
}

static void lru_push_front(dh_state_t *st, entry_t *e)
{
    e->lru_prev = NULL;
    e->lru_next = st->lru_head;
    if (st->lru_head)
        st->lru_head->lru_prev = e;
    else
        st->lru_tail = e;
    st->lru_head = e;
}

static void win_unlink(dh_table_t *t, entry_t *e)
{
    if (e->win_prev)
        e->win_prev->win_next = e->win_next;
    else
        t->win_head = e->win_next;
    if (e->win_next)
        e->win_next->win_prev = e->win_prev;
    else
        t->win_tail = e->win_prev;
}

/* Keep the window list ordered by window start (equal: creation order). */
static void win_insert(dh_table_t *t, entry_t *e)
{
    entry_t *after = t->win_tail;
    while (after && after->window_start > e->window_start)
        after = after->win_prev;
    e->win_prev = after;
    e->win_next = after ? after->win_next : t->win_head;
    if (e->win_next)
        e->win_next->win_prev = e;
    else
        t->win_tail = e;
    if (after)
        after->win_next = e;
    else
        t->win_head = e;
}

static void hash_unlink(dh_table_t *t, entry_t *e)
{
    entry_t **link = &t->buckets[e->hash & (t->nbuckets - 1)];
    while (*link != e)
        link = &(*link)->hnext;
    *link = e->hnext;
}

static void grow(dh_table_t *t)
{
    size_t n = t->nbuckets * 2;
    entry_t **b = dh_calloc(n, sizeof(*b));
    for (size_t i = 0; i < t->nbuckets; i++) {
        entry_t *e = t->buckets[i];
        while (e) {
            entry_t *next = e->hnext;
            e->hnext = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
            e = next;
        }
    }
    free(t->buckets);
    t->st->s.bytes += (n - t->nbuckets) * sizeof(*b);
    t->buckets = b;
    t->nbuckets = n;
}

/* ---- closing ------------------------------------------------------------ */

static void close_entry(entry_t *e, dh_close_t why)
{
    dh_table_t *t = e->table;
    dh_state_t *st = t->st;
    hash_unlink(t, e);
    win_unlink(t, e);
    lru_unlink(st, e);
    t->count--;
    st->s.entries--;
    st->s.bytes -= entry_bytes(t, e->keylen);
    if (why == DH_CLOSE_EVICTED)
        st->s.evicted++;
    else
        st->s.closed++;
    if (t->o.on_close)
        t->o.on_close(t->o.ctx, key_of(e), e->keylen, value_of(e), e->window_start, why);
    free(e);
}

static void close_until(dh_table_t *t, int64_t wm)
{
    if (t->o.window_us <= 0)
        return;
    while (t->win_head && t->win_head->window_start + t->o.window_us <= wm)
        close_entry(t->win_head, DH_CLOSE_WINDOW);
}

void dh_state_advance(dh_state_t *st, int64_t wm)
{
    if (wm <= st->watermark)
        return;
    st->watermark = wm;
    for (dh_table_t *t = st->tables; t; t = t->next)
        close_until(t, wm);
}

void dh_state_flush(dh_state_t *st)
{
    for (dh_table_t *t = st->tables; t; t = t->next)
        while (t->win_head)
            close_entry(t->win_head, DH_CLOSE_FLUSH);
}

void dh_state_close_windows(dh_state_t *st)
{
    for (dh_table_t *t = st->tables; t; t = t->next)
        while (t->o.window_us > 0 && t->win_head)
            close_entry(t->win_head, DH_CLOSE_FLUSH);
    st->watermark = INT64_MIN;
}

/* ---- lookups ------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t window_of(const dh_table_t *t, int64_t ts_us)
{
    return t->o.window_us > 0 ? floor_div(ts_us, t->o.window_us) * t->o.window_us : 0;
}

static entry_t *lookup(dh_table_t *t, const void *key, size_t keylen, int64_t ws, uint64_t h)
{
    for (entry_t *e = t->buckets[h & (t->nbuckets - 1)]; e; e = e->hnext)
        if (e->hash == h && e->window_start == ws && e->keylen == keylen &&
            memcmp(key_of(e), key, keylen) == 0)
            return e;
    return NULL;
}

void *dh_table_find(dh_table_t *t, const void *key, size_t keylen, int64_t ts_us)
{
    int64_t ws = window_of(t, ts_us);
    entry_t *e = lookup(t, key, keylen, ws, hash_key(key, keylen, ws));
    return e ? value_of(e) : NULL;
}

static entry_t *create(dh_table_t *t, const void *key, size_t keylen, int64_t ws, uint64_t h)
{
    dh_state_t *st = t->st;
    size_t need = entry_bytes(t, keylen);
    while (st->s.bytes + need > st->max_bytes && st->lru_tail)
        close_entry(st->lru_tail, DH_CLOSE_EVICTED);
    entry_t *e = dh_calloc(1, need);
    e->table = t;
    e->hash = h;
    e->window_start = ws;
    e->keylen = (uint32_t)keylen;
    memcpy((char *)e + HDR + t->value_size, key, keylen);
    e->hnext = t->buckets[h & (t->nbuckets - 1)];
    t->buckets[h & (t->nbuckets - 1)] = e;
    win_insert(t, e);
    t->count++;
    st->s.entries++;
    st->s.bytes += need;
    if (st->s.bytes > st->s.peak_bytes)
        st->s.peak_bytes = st->s.bytes;
    if (t->count > t->nbuckets)
        grow(t);
    return e;
}

void *dh_table_touch(dh_table_t *t, const void *key, size_t keylen, int64_t ts_us)
{
    dh_state_t *st = t->st;
    if (keylen > DH_STATE_MAX_KEY)
        return NULL;
    int64_t ws = window_of(t, ts_us);
    if (t->o.window_us > 0) {
        if (ws + t->o.window_us <= st->watermark) {
            st->s.late_dropped++;
            return NULL;
        }
    }
    uint64_t h = hash_key(key, keylen, ws);
    entry_t *e = lookup(t, key, keylen, ws, h);
    if (!e)
        e = create(t, key, keylen, ws, h);
    else
        lru_unlink(st, e);
    lru_push_front(st, e);
    return value_of(e);
}

int64_t dh_table_window_start(const void *value)
{
    return ((const entry_t *)((const char *)value - HDR))->window_start;
}

int64_t dh_state_oldest_open(const dh_state_t *st)
{
    int64_t oldest = INT64_MAX;
    for (const dh_table_t *t = st->tables; t; t = t->next)
        if (t->o.window_us > 0 && t->win_head && t->win_head->window_start < oldest)
            oldest = t->win_head->window_start;
    return oldest;
}

dh_state_stats_t dh_state_stats(const dh_state_t *st)
{
    return st->s;
}

int64_t dh_state_watermark(const dh_state_t *st)
{
    return st->watermark;
}

void dh_state_free(dh_state_t *st)
{
    if (!st)
        return;
    dh_table_t *t = st->tables;
    while (t) {
        for (size_t i = 0; i < t->nbuckets; i++) {
            entry_t *e = t->buckets[i];
            while (e) {
                entry_t *next = e->hnext;
                free(e);
                e = next;
            }
        }
        free(t->buckets);
        dh_table_t *next = t->next;
        free(t);
        t = next;
    }
    free(st);
}
