/*
 * state.h - keyed, windowed detector state under one memory bound.
 *
 * Every detector keeps its per-entity state (per client, per client x
 * registered domain, per domain...) in dh_table_t tables of one dh_state_t.
 * The state owns the memory budget (--max-state-mb) for all of them:
 *
 *  - An entry is a key (bytes) and a fixed-size value (the detector's struct,
 *    zeroed when created). One allocation per new key; touching an existing
 *    key allocates nothing.
 *  - Tumbling windows in event time: an entry belongs to the window
 *    [k*window, (k+1)*window) of its event; one key may have entries in two
 *    windows at once (late events of the older one still count). When the
 *    watermark passes the window's end (dh_state_advance), or at end of
 *    input (dh_state_flush), the table's on_close callback sees the entry,
 *    which is then freed. window_us == 0 means no window: the entry lives until
 *    it is evicted.
 *  - When the budget is reached, the least recently touched entry of any
 *    table is evicted: on_close is called with evicted = true (the detector
 *    may still report what it had), and the eviction is counted.
 *  - An event for a window that has already closed (its end is at or before
 *    the watermark) is late: dh_table_touch returns NULL and counts it.
 *
 * Closing order is deterministic: by window end, then by the order entries
 * were created, table by table in creation order.
 *
 * Memory: entries and each table's bucket array are charged to the budget;
 * the bucket array grows with the table and shrinks back (not below its
 * initial size) as entries close, and dh_table_free gives back the rest, so
 * an emptied table is charged what a new one is.
 *
 * Ownership: dh_state_new/free; tables belong to their state. Values are
 * owned by the table: a pointer from dh_table_touch is valid until the next
 * call that can close or evict (touch, advance, flush).
 */
#ifndef DH_STATE_H
#define DH_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dh_state dh_state_t;
typedef struct dh_table dh_table_t;

/* Why on_close is called. */
typedef enum {
    DH_CLOSE_WINDOW = 0,  /* the window ended (watermark passed, or a later window began) */
    DH_CLOSE_FLUSH = 1,   /* end of input */
    DH_CLOSE_EVICTED = 2, /* the memory bound forced it out early */
} dh_close_t;

typedef void (*dh_close_fn)(void *ctx, const void *key, size_t keylen, void *value,
                            int64_t window_start_us, dh_close_t why);

typedef struct {
    const char *name;     /* for stats: "dns_tunnel.client_domain" */
    size_t value_size;
    int64_t window_us;    /* 0: no window */
    dh_close_fn on_close; /* may be NULL */
    void *ctx;
} dh_table_opts_t;

typedef struct {
    uint64_t entries, bytes, peak_bytes, evicted, late_dropped, closed;
} dh_state_stats_t;

dh_state_t *dh_state_new(size_t max_bytes);
void dh_state_free(dh_state_t *st);

dh_table_t *dh_table_new(dh_state_t *st, const dh_table_opts_t *opts);

/* Close every entry of t (on_close with DH_CLOSE_FLUSH, so opts.ctx must
   still be valid), give its bytes back to the budget and free it. The state
   keeps its other tables. NULL is a no-op. */
void dh_table_free(dh_table_t *t);

/* The value for key in the window of ts_us, created (zeroed) if needed.
   NULL when the event is late for a closed window (counted) or the key is
   longer than DH_STATE_MAX_KEY. */
#define DH_STATE_MAX_KEY 512
void *dh_table_touch(dh_table_t *t, const void *key, size_t keylen, int64_t ts_us);

/* The value for key in the window of ts_us if it exists; creates nothing,
   does not count as a touch for eviction. */
void *dh_table_find(dh_table_t *t, const void *key, size_t keylen, int64_t ts_us);

/*
 * Hash-carrying calls: one lookup for callers that already hold a hash of
 * the key (a detector hashing its client x domain key once per event).
 *
 * hash is any 64-bit hash of the key bytes: equal keys must give equal
 * hashes, and every call on one table must use the same hash function. The
 * calls without _h use dh_hash64(key, keylen) (sketch.h), so a table may mix
 * both kinds only when hash == dh_hash64(key, keylen). The window start is
 * mixed in by the table; the caller's hash need not cover it.
 *
 * dh_table_touch_h: dh_table_touch with the caller's hash; *created (when
 *   created is not NULL) is set to true when the entry was created by this
 *   call (its value is zeroed), false when it existed or NULL is returned.
 *   Replaces find-then-touch: one lookup.
 * dh_table_find_h: dh_table_find with the caller's hash.
 * dh_table_refresh_h: the value if the entry exists, counted as a touch for
 *   eviction (like touch), but creates nothing and counts nothing late when
 *   absent (like find): "if tracked, touch" in one lookup.
 *
 * Values returned are valid as for dh_table_touch.
 */
void *dh_table_touch_h(dh_table_t *t, const void *key, size_t keylen, uint64_t hash,
                       int64_t ts_us, bool *created);
void *dh_table_find_h(dh_table_t *t, const void *key, size_t keylen, uint64_t hash,
                      int64_t ts_us);
void *dh_table_refresh_h(dh_table_t *t, const void *key, size_t keylen, uint64_t hash,
                         int64_t ts_us);

/* Window start of the entry whose value is v. */
int64_t dh_table_window_start(const void *value);

/* The watermark moved to wm: close every window ending at or before it. */
void dh_state_advance(dh_state_t *st, int64_t wm);

/* End of input: close every entry of every table (windowed or not). */
void dh_state_flush(dh_state_t *st);

/* Close every entry of the windowed tables (with DH_CLOSE_FLUSH) and forget
   the watermark, so that event time may start over from an older point (a
   new replay epoch, see pipeline.c). Tables without window keep theirs. */
void dh_state_close_windows(dh_state_t *st);

/* Start of the oldest window still open in any windowed table, INT64_MAX
   when none is: every event older than this has been fully accounted for
   (its windows closed and reported). Used to commit input offsets. */
int64_t dh_state_oldest_open(const dh_state_t *st);

dh_state_stats_t dh_state_stats(const dh_state_t *st);
int64_t dh_state_watermark(const dh_state_t *st);

/* For tests: how many window groups new entries have walked past, summed
   over the state's life. A new entry walks past the open windows newer than
   its own (at most a handful), never past entries. */
uint64_t dh_state_insert_steps(const dh_state_t *st);

#endif
