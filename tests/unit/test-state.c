/*
 * test-state.c - keyed windowed state: windows close by watermark, late
 * events are dropped and counted, the memory bound evicts the coldest
 * entry, and the distinct-count sketch stays within its error.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sketch.h"
#include "state.h"

#define SEC 1000000LL

typedef struct {
    int closed, evicted, flushed;
    int64_t last_ws;
    char last_key[32];
    uint64_t last_count;
} seen_t;

typedef struct {
    uint64_t count;
} val_t;

static void on_close(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                     dh_close_t why)
{
    seen_t *s = ctx;
    s->closed += why == DH_CLOSE_WINDOW;
    s->evicted += why == DH_CLOSE_EVICTED;
    s->flushed += why == DH_CLOSE_FLUSH;
    s->last_ws = ws;
    snprintf(s->last_key, sizeof(s->last_key), "%.*s", (int)keylen, (const char *)key);
    s->last_count = ((val_t *)value)->count;
}

static dh_table_t *table(dh_state_t *st, seen_t *s, int64_t window_s)
{
    dh_table_opts_t o = {.name = "t", .value_size = sizeof(val_t), .window_us = window_s * SEC,
                         .on_close = on_close, .ctx = s};
    return dh_table_new(st, &o);
}

static void touch(dh_table_t *t, const char *key, int64_t ts)
{
    val_t *v = dh_table_touch(t, key, strlen(key), ts);
    if (v)
        v->count++;
}

Test(state, tumbling_windows_close_when_the_watermark_passes)
{
    seen_t s = {0};
    dh_state_t *st = dh_state_new(1 << 20);
    dh_table_t *t = table(st, &s, 60);
    touch(t, "a", 0);
    touch(t, "a", 59 * SEC);
    touch(t, "a", 61 * SEC); /* next window: a second entry for "a" */
    cr_assert_eq(dh_state_stats(st).entries, 2);
    dh_state_advance(st, 59 * SEC);
    cr_assert_eq(s.closed, 0);
    dh_state_advance(st, 60 * SEC);
    cr_assert_eq(s.closed, 1);
    cr_assert_eq(s.last_count, 2);
    cr_assert_eq(s.last_ws, 0);
    cr_assert_null(dh_table_touch(t, "a", 1, 30 * SEC), "late for a closed window");
    cr_assert_eq(dh_state_stats(st).late_dropped, 1);
    touch(t, "a", 62 * SEC); /* still open: used */
    dh_state_flush(st);
    cr_assert_eq(s.flushed, 1);
    cr_assert_eq(s.last_count, 2);
    cr_assert_eq(s.last_ws, 60 * SEC);
    dh_state_free(st);
}

Test(state, memory_bound_evicts_the_least_recently_used)
{
    seen_t s = {0};
    dh_state_t *st = dh_state_new(64 * 1024);
    dh_table_t *t = table(st, &s, 0);
    char key[16];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        touch(t, key, i);
        touch(t, "hot", i); /* always recently used */
    }
    dh_state_stats_t ss = dh_state_stats(st);
    cr_assert_leq(ss.peak_bytes, 64 * 1024);
    cr_assert_gt(ss.evicted, 4000);
    cr_assert_eq((uint64_t)s.evicted, ss.evicted);
    val_t *hot = dh_table_find(t, "hot", 3, 0);
    cr_assert_not_null(hot, "the hot key survives");
    cr_assert_eq(hot->count, 5000);
    cr_assert_null(dh_table_find(t, "k0", 2, 0), "the coldest went first");
    dh_state_free(st);
}

Test(state, close_order_is_by_window_then_creation)
{
    seen_t s = {0};
    dh_state_t *st = dh_state_new(1 << 20);
    dh_table_t *t = table(st, &s, 10);
    touch(t, "late-created-early-window", 15 * SEC);
    touch(t, "x", 25 * SEC);
    touch(t, "y", 5 * SEC); /* older window, created last */
    dh_state_advance(st, 10 * SEC);
    cr_assert_eq(s.closed, 1);
    cr_assert_str_eq(s.last_key, "y");
    dh_state_advance(st, 20 * SEC);
    cr_assert_str_eq(s.last_key, "late-created-early-window");
    dh_state_free(st);
}

static void touch_n(dh_table_t *t, const char *prefix, int n, int64_t ts)
{
    char key[32];
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "%s%d", prefix, i);
        touch(t, key, ts);
    }
}

Test(state, emptied_table_gives_its_bucket_bytes_back)
{
    seen_t s = {0};
    dh_state_t *st = dh_state_new(64 << 20);
    uint64_t before = dh_state_stats(st).bytes;
    dh_table_t *t = table(st, &s, 10);
    uint64_t empty = dh_state_stats(st).bytes;
    cr_assert_gt(empty, before, "a table's buckets are charged");
    touch_n(t, "k", 20000, 0); /* grows the buckets several times */
    cr_assert_gt(dh_state_stats(st).peak_bytes, empty);
    dh_state_advance(st, 10 * SEC);
    cr_assert_eq(s.closed, 20000);
    cr_assert_eq(dh_state_stats(st).entries, 0);
    cr_assert_eq(dh_state_stats(st).bytes, empty, "closing gave the bytes back");
    touch_n(t, "k", 20000, 10 * SEC);
    dh_state_flush(st);
    cr_assert_eq(dh_state_stats(st).bytes, empty, "flushing gave the bytes back");
    touch_n(t, "k", 5000, 30 * SEC);
    dh_table_free(t);
    cr_assert_eq(s.flushed, 20000 + 5000, "free closes what was open");
    cr_assert_eq(dh_state_stats(st).bytes, before, "a freed table is charged nothing");
    dh_state_free(st);
}

Test(state, table_free_keeps_the_other_tables)
{
    seen_t s1 = {0}, s2 = {0}, s3 = {0};
    dh_state_t *st = dh_state_new(1 << 20);
    dh_table_t *t1 = table(st, &s1, 10), *t2 = table(st, &s2, 10), *t3 = table(st, &s3, 10);
    touch(t1, "a", 0);
    touch(t2, "b", 0);
    touch(t3, "c", 0);
    dh_table_free(t3); /* the last one: the tail moves back */
    dh_table_free(t1); /* the first one */
    dh_table_t *t4 = table(st, &s3, 10);
    touch(t4, "d", 0);
    dh_state_flush(st);
    cr_assert_eq(s1.flushed, 1);
    cr_assert_eq(s2.flushed, 1);
    cr_assert_eq(s3.flushed, 2, "c when freed, d at flush");
    cr_assert_str_eq(s3.last_key, "d");
    dh_table_free(NULL);
    dh_state_free(st);
}

Test(state, late_keys_do_not_walk_the_newer_window)
{
    seen_t s = {0};
    dh_state_t *st = dh_state_new(64 << 20);
    dh_table_t *t = table(st, &s, 10);
    touch_n(t, "old", 10, 5 * SEC);
    touch_n(t, "new", 5000, 15 * SEC); /* the newer window is big */
    uint64_t steps = dh_state_insert_steps(st);
    touch_n(t, "late", 5000, 9 * SEC); /* late keys of the older, still open window */
    uint64_t walked = dh_state_insert_steps(st) - steps;
    cr_assert_leq(walked, 5000, "each late key walks past one window, not %llu entries",
                  (unsigned long long)walked);
    dh_state_advance(st, 10 * SEC);
    cr_assert_eq(s.closed, 5010, "the older window closes whole");
    cr_assert_str_eq(s.last_key, "late4999", "in creation order");
    cr_assert_eq(s.last_ws, 0);
    dh_state_free(st);
}

typedef struct {
    char order[64];
} order_t;

static void on_close_order(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                           dh_close_t why)
{
    (void)value;
    (void)ws;
    (void)why;
    order_t *o = ctx;
    size_t n = strlen(o->order);
    if (n + keylen + 1 < sizeof(o->order))
        snprintf(o->order + n, sizeof(o->order) - n, "%.*s ", (int)keylen, (const char *)key);
}

Test(state, close_order_survives_evictions_and_interleaved_windows)
{
    order_t o = {{0}};
    dh_state_t *st = dh_state_new(1 << 20);
    dh_table_opts_t opts = {.name = "o", .value_size = 8, .window_us = 10 * SEC,
                            .on_close = on_close_order, .ctx = &o};
    dh_table_t *t = dh_table_new(st, &opts);
    dh_table_touch(t, "c", 1, 25 * SEC);
    dh_table_touch(t, "a", 1, 5 * SEC);
    dh_table_touch(t, "d", 1, 26 * SEC);
    dh_table_touch(t, "b", 1, 15 * SEC);
    dh_table_touch(t, "e", 1, 6 * SEC);
    dh_table_touch(t, "f", 1, 16 * SEC);
    dh_state_flush(st);
    cr_assert_str_eq(o.order, "a e b f c d ");
    dh_state_free(st);
}

Test(state, touch_h_creates_once_and_agrees_with_touch)
{
    seen_t s = {0};
    dh_state_t *st = dh_state_new(1 << 20);
    dh_table_t *t = table(st, &s, 10);
    const char *k = "10.0.0.1|example.com";
    size_t kl = strlen(k);
    uint64_t h = dh_hash64(k, kl);
    bool created = false;
    val_t *v = dh_table_touch_h(t, k, kl, h, 1 * SEC, &created);
    cr_assert_not_null(v);
    cr_assert(created, "first touch creates");
    cr_assert_eq(v->count, 0, "zeroed");
    v->count = 7;
    val_t *again = dh_table_touch_h(t, k, kl, h, 2 * SEC, &created);
    cr_assert_eq(again, v);
    cr_assert_not(created, "second touch finds");
    cr_assert_eq(dh_table_touch(t, k, kl, 3 * SEC), v, "the plain calls hash with dh_hash64");
    cr_assert_eq(dh_table_find_h(t, k, kl, h, 4 * SEC), v);
    cr_assert_eq(dh_table_find(t, k, kl, 4 * SEC), v);
    cr_assert_null(dh_table_find_h(t, k, kl, h, 14 * SEC), "other window");
    cr_assert_eq(dh_state_stats(st).entries, 1);
    dh_table_touch_h(t, k, kl, h, 1 * SEC, NULL); /* created may be NULL */
    dh_state_advance(st, 10 * SEC);
    created = true;
    cr_assert_null(dh_table_touch_h(t, k, kl, h, 5 * SEC, &created), "late");
    cr_assert_not(created);
    cr_assert_eq(dh_state_stats(st).late_dropped, 1);
    cr_assert_null(dh_table_touch_h(t, k, DH_STATE_MAX_KEY + 1, h, 15 * SEC, &created));
    dh_state_free(st);
}

Test(state, any_consistent_hash_works_with_h_calls)
{
    seen_t s = {0};
    dh_state_t *st = dh_state_new(1 << 20);
    dh_table_t *t = table(st, &s, 0);
    char key[16];
    for (int i = 0; i < 3000; i++) { /* a weak hash: many keys share one */
        snprintf(key, sizeof(key), "k%d", i);
        val_t *v = dh_table_touch_h(t, key, strlen(key), (uint64_t)(i % 7), 0, NULL);
        v->count = (uint64_t)i;
    }
    for (int i = 0; i < 3000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        val_t *v = dh_table_find_h(t, key, strlen(key), (uint64_t)(i % 7), 0);
        cr_assert_not_null(v);
        cr_assert_eq(v->count, (uint64_t)i);
    }
    dh_state_free(st);
}

Test(state, refresh_h_touches_only_what_exists)
{
    seen_t s = {0};
    dh_state_t *st = dh_state_new(64 * 1024);
    dh_table_t *t = table(st, &s, 0);
    uint64_t hh = dh_hash64("hot", 3);
    cr_assert_null(dh_table_refresh_h(t, "hot", 3, hh, 0), "absent: nothing created");
    cr_assert_eq(dh_state_stats(st).entries, 0);
    val_t *hot = dh_table_touch_h(t, "hot", 3, hh, 0, NULL);
    hot->count = 42;
    char key[16];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        touch(t, key, i);
        cr_assert_not_null(dh_table_refresh_h(t, "hot", 3, hh, i), "kept warm");
    }
    cr_assert_gt(dh_state_stats(st).evicted, 4000);
    hot = dh_table_find_h(t, "hot", 3, hh, 0);
    cr_assert_not_null(hot, "refresh counts as a touch for eviction");
    cr_assert_eq(hot->count, 42);
    dh_state_free(st);
}

Test(sketch, exact_then_hyperloglog)
{
    dh_distinct_t d;
    memset(&d, 0, sizeof(d));
    char buf[32];
    for (int i = 0; i < DH_DISTINCT_EXACT; i++) {
        snprintf(buf, sizeof(buf), "name-%d", i);
        cr_assert(dh_distinct_add(&d, dh_hash64(buf, strlen(buf))));
        cr_assert_not(dh_distinct_add(&d, dh_hash64(buf, strlen(buf))), "repeat is not new");
    }
    cr_assert_eq(dh_distinct_count(&d), DH_DISTINCT_EXACT, "exact below the threshold");
    for (int i = DH_DISTINCT_EXACT; i < 20000; i++) {
        snprintf(buf, sizeof(buf), "name-%d", i);
        dh_distinct_add(&d, dh_hash64(buf, strlen(buf)));
    }
    double c = dh_distinct_count(&d);
    cr_assert(c > 20000 * 0.9 && c < 20000 * 1.1, "estimate %f for 20000", c);
    cr_assert_eq(c, (double)(long)c, "an estimate is a whole number: %f", c);
    cr_assert(dh_distinct_is_estimate(&d));
    cr_assert_eq(sizeof(dh_distinct_t), 520, "the sketch never grows");
}

/* An estimate never exceeds the items it counts (distinct <= queries) and
   never falls below the exact count it grew out of, at every size. */
Test(sketch, estimates_stay_between_the_exact_count_and_the_items_added)
{
    char buf[32];
    for (int run = 0; run < 50; run++) {
        dh_distinct_t d;
        memset(&d, 0, sizeof(d));
        int added = 0;
        for (int i = 0; i < DH_DISTINCT_EXACT + 1 + run * 7; i++, added++) {
            snprintf(buf, sizeof(buf), "r%d-n%d", run, i);
            dh_distinct_add(&d, dh_hash64(buf, strlen(buf)));
            double c = dh_distinct_count(&d);
            cr_assert_leq(c, added + 1, "run %d: %f distinct of %d items", run, c, added + 1);
            cr_assert_geq(c, i < DH_DISTINCT_EXACT ? i + 1 : DH_DISTINCT_EXACT);
        }
        cr_assert_eq(dh_distinct_is_estimate(&d), true);
    }
    dh_distinct_t e;
    memset(&e, 0, sizeof(e));
    dh_distinct_add(&e, 1ULL << 40);
    cr_assert_not(dh_distinct_is_estimate(&e), "small sets are exact");
}
