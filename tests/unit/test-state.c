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
    cr_assert(c > 20000 * 0.8 && c < 20000 * 1.2, "estimate %f for 20000", c);
    cr_assert_eq(sizeof(dh_distinct_t), 264, "the sketch never grows");
}
