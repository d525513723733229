/*
 * state.c - keyed, windowed state under one memory bound (see state.h).
 *
 * An entry is keyed by (key bytes, window start), so two windows of one key
 * can be open at once while late events of the older one still arrive; the
 * watermark alone closes windows. Each entry sits on three intrusive lists:
 * its hash chain, the state-wide LRU list (eviction picks the coldest entry
 * of any table) and its table's window list, kept in window-end order so
 * closing walks from the head and stops at the first open window.
 *
 * The window list is cut into groups, one per open window of the table, in
 * window order; each group knows its first and last entry. A new entry goes
 * at the end of its window's group, found by walking the groups (a handful:
 * the open windows) from the newest, so a late event's key costs O(open
 * windows), not a walk over every entry of the newer window. Groups are
 * bookkeeping of the table like its own struct, not charged to the budget.
 *
 * Bucket arrays are charged to the budget; a table grows them when it has
 * more entries than buckets and shrinks them (never below the initial size)
 * when it falls under a quarter, so closing and flushing give the bytes back.
 */
#include "state.h"

#include <string.h>

#include "sketch.h"
#include "util-list.h"
#include "util-mem.h"

typedef struct wgroup wgroup_t;

typedef struct entry {
    struct entry *hnext;
    struct entry *lru_prev, *lru_next;
    struct entry *win_prev, *win_next;
    wgroup_t *grp; /* its window's group */
    dh_table_t *table;
    uint64_t hash;
    int64_t window_start;
    uint32_t keylen;
    uint32_t pad;
} entry_t;

/* value follows the header, 16-byte aligned; the key follows the value */
#define HDR ((sizeof(entry_t) + 15) & ~(size_t)15)

/* The entries of one window of one table: a run of the window list. */
struct wgroup {
    int64_t start;
    entry_t *head, *tail;
    wgroup_t *prev, *next;
};

#define MIN_BUCKETS 1024

struct dh_table {
    dh_state_t *st;
    dh_table_opts_t o;
    size_t value_size; /* rounded up to 16 */
    entry_t **buckets;
    size_t nbuckets, count;
    entry_t *win_head, *win_tail;
    wgroup_t *grp_head, *grp_tail;
    dh_table_t *next;
};

struct dh_state {
    size_t max_bytes;
    entry_t *lru_head, *lru_tail;
    dh_table_t *tables, *tables_tail;
    int64_t watermark;
    dh_state_stats_t s;
    uint64_t insert_steps; /* groups walked past by win_insert, for tests */
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
    t->nbuckets = MIN_BUCKETS;
    t->buckets = dh_calloc(t->nbuckets, sizeof(entry_t *));
    st->s.bytes += t->nbuckets * sizeof(entry_t *);
    if (st->tables_tail)
        st->tables_tail->next = t;
    else
        st->tables = t;
    st->tables_tail = t;
    return t;
}

/* The entry hash: the caller's key hash mixed with the window start. */
static uint64_t entry_hash(uint64_t key_hash, int64_t ws)
{
    uint64_t h = key_hash ^ (uint64_t)ws * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 32);
}

/* ---- list plumbing ---------------------------------------------------- */

static void lru_unlink(dh_state_t *st, entry_t *e)
{
    DH_LIST_UNLINK(st->lru_head, st->lru_tail, e, lru_prev, lru_next);
    e->lru_prev = e->lru_next = NULL;
}

static void lru_push_front(dh_state_t *st, entry_t *e)
{
    entry_t *first = NULL; /* after no node: at the head */
    DH_LIST_INSERT_AFTER(st->lru_head, st->lru_tail, first, e, lru_prev, lru_next);
}

static void group_unlink(dh_table_t *t, wgroup_t *g)
{
    DH_LIST_UNLINK(t->grp_head, t->grp_tail, g, prev, next);
    free(g);
}

static void win_unlink(dh_table_t *t, entry_t *e)
{
    wgroup_t *g = e->grp;
    if (g->head == e)
        g->head = e->win_next && e->win_next->grp == g ? e->win_next : NULL;
    if (g->tail == e)
        g->tail = e->win_prev && e->win_prev->grp == g ? e->win_prev : NULL;
    if (!g->head)
        group_unlink(t, g);
    DH_LIST_UNLINK(t->win_head, t->win_tail, e, win_prev, win_next);
}

/* The group of window ws, created (empty, in window order) if needed. */
static wgroup_t *group_for(dh_table_t *t, int64_t ws)
{
    wgroup_t *after = t->grp_tail;
    while (after && after->start > ws) {
        after = after->prev;
        t->st->insert_steps++;
    }
    if (after && after->start == ws)
        return after;
    wgroup_t *g = dh_calloc(1, sizeof(*g));
    g->start = ws;
    DH_LIST_INSERT_AFTER(t->grp_head, t->grp_tail, after, g, prev, next);
    return g;
}

/* Keep the window list ordered by window start (equal: creation order):
   e goes after the last entry of its window, or of the window before. */
static void win_insert(dh_table_t *t, entry_t *e)
{
    wgroup_t *g = group_for(t, e->window_start);
    entry_t *after = g->tail ? g->tail : g->prev ? g->prev->tail : NULL;
    e->grp = g;
    DH_LIST_INSERT_AFTER(t->win_head, t->win_tail, after, e, win_prev, win_next);
    if (!g->head)
        g->head = e;
    g->tail = e;
}

static void hash_unlink(dh_table_t *t, entry_t *e)
{
    entry_t **link = &t->buckets[e->hash & (t->nbuckets - 1)];
    while (*link != e)
        link = &(*link)->hnext;
    *link = e->hnext;
}

/* Rehash into n buckets; the budget is charged (or credited) the difference. */
static void resize(dh_table_t *t, size_t n)
{
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
    t->st->s.bytes -= t->nbuckets * sizeof(*b);
    t->st->s.bytes += n * sizeof(*b);
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
    if (t->nbuckets > MIN_BUCKETS && t->count < t->nbuckets / 4)
        resize(t, t->nbuckets / 2);
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

void *dh_table_find_h(dh_table_t *t, const void *key, size_t keylen, uint64_t hash,
                      int64_t ts_us)
{
    int64_t ws = window_of(t, ts_us);
    entry_t *e = lookup(t, key, keylen, ws, entry_hash(hash, ws));
    return e ? value_of(e) : NULL;
}

void *dh_table_find(dh_table_t *t, const void *key, size_t keylen, int64_t ts_us)
{
    return dh_table_find_h(t, key, keylen, dh_hash64(key, keylen), ts_us);
}

static entry_t *create_entry(dh_table_t *t, const void *key, size_t keylen, int64_t ws, uint64_t h)
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
        resize(t, t->nbuckets * 2);
    return e;
}

/* The entry of key in the window of ts_us, created when create is set
   (then *created tells whether it was); NULL when late (counted, only when
   create is set: a lookup alone drops nothing), too long, or absent. */
static entry_t *touch(dh_table_t *t, const void *key, size_t keylen, uint64_t hash,
                      int64_t ts_us, bool create, bool *created)
{
    dh_state_t *st = t->st;
    *created = false;
    if (keylen > DH_STATE_MAX_KEY)
        return NULL;
    int64_t ws = window_of(t, ts_us);
    if (create && t->o.window_us > 0 && ws + t->o.window_us <= st->watermark) {
        st->s.late_dropped++;
        return NULL;
    }
    uint64_t h = entry_hash(hash, ws);
    entry_t *e = lookup(t, key, keylen, ws, h);
    if (e) {
        lru_unlink(st, e);
    } else if (create) {
        e = create_entry(t, key, keylen, ws, h);
        *created = true;
    } else {
        return NULL;
    }
    lru_push_front(st, e);
    return e;
}

void *dh_table_touch_h(dh_table_t *t, const void *key, size_t keylen, uint64_t hash,
                       int64_t ts_us, bool *created)
{
    bool made;
    entry_t *e = touch(t, key, keylen, hash, ts_us, true, &made);
    if (created)
        *created = made;
    return e ? value_of(e) : NULL;
}

void *dh_table_touch(dh_table_t *t, const void *key, size_t keylen, int64_t ts_us)
{
    return dh_table_touch_h(t, key, keylen, dh_hash64(key, keylen), ts_us, NULL);
}

void *dh_table_refresh_h(dh_table_t *t, const void *key, size_t keylen, uint64_t hash,
                         int64_t ts_us)
{
    bool made;
    entry_t *e = touch(t, key, keylen, hash, ts_us, false, &made);
    return e ? value_of(e) : NULL;
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

uint64_t dh_state_insert_steps(const dh_state_t *st)
{
    return st->insert_steps;
}

/* Free t's entries (no callbacks), groups, buckets and t itself. */
static void table_release(dh_table_t *t)
{
    for (size_t i = 0; i < t->nbuckets; i++) {
        entry_t *e = t->buckets[i];
        while (e) {
            entry_t *next = e->hnext;
            free(e);
            e = next;
        }
    }
    wgroup_t *g = t->grp_head;
    while (g) {
        wgroup_t *next = g->next;
        free(g);
        g = next;
    }
    free(t->buckets);
    free(t);
}

void dh_table_free(dh_table_t *t)
{
    if (!t)
        return;
    dh_state_t *st = t->st;
    while (t->win_head)
        close_entry(t->win_head, DH_CLOSE_FLUSH);
    dh_table_t **link = &st->tables, *prev = NULL;
    while (*link != t) {
        prev = *link;
        link = &(*link)->next;
    }
    *link = t->next;
    if (st->tables_tail == t)
        st->tables_tail = prev;
    st->s.bytes -= t->nbuckets * sizeof(entry_t *);
    table_release(t);
}

void dh_state_free(dh_state_t *st)
{
    if (!st)
        return;
    dh_table_t *t = st->tables;
    while (t) {
        dh_table_t *next = t->next;
        table_release(t);
        t = next;
    }
    free(st);
}
