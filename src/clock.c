/*
 * clock.c - event time. Detection windows close when the watermark (the
 * newest event time seen, minus --lateness) passes their end; wall time is
 * never consulted, so a replay of last year's logs gives the same findings
 * as the live run did, byte for byte.
 *
 * Two ways of reading inputs need two rules. Files are read one after the
 * other: the watermark follows the newest event, and an input whose first
 * event is older than the watermark (another sensor's log of the same
 * hours) starts a new replay epoch instead of being all late. Kafka
 * partitions are read concurrently: the watermark is the minimum over
 * active streams, so a lagging partition does not see its events declared
 * late; dh_pipeline_safe_time tells the source what it may commit.
 */
#include "pipeline-int.h"

#include <time.h>

/* ---- --max-future -------------------------------------------------------
   Why the median of recent record times: one record with a bad clock (a day
   ahead) would otherwise become the newest event time, and every record
   after it would be late. The median of the last RECENT_TIMES records
   cannot be moved by one outlier, and needs no wall clock, so a replay stays
   pure event time. Every parsed time enters the ring, dropped ones too:
   when more than half of the recent records agree on a later time, the
   traffic really jumped (a capture resumed the next day), and the median
   follows after at most RECENT_TIMES / 2 dropped records instead of
   dropping the rest of the input.

   The ring is per stream: the next file of a replay may begin hours after
   the previous one ended, and is judged by its own records.

   The first records of a stream have no median to compare with. They are
   never dropped, but the watermark is held until the ring is full; it then
   starts from the newest of those times within SEC of the median, so a bad
   first record is processed but never moves the clock. After that no event moves
   the watermark beyond median + SEC either (what a transaction assembler
   releases late is not checked twice). A stream of fewer records than the
   ring does not move the watermark: its windows close at the end (or by
   the next input). */

static int64_t median_recent(const dh_stream_t *s)
{
    int64_t v[RECENT_TIMES];
    unsigned n = s->n_recent;
    for (unsigned i = 0; i < n; i++) { /* insertion sort: 7 values */
        int64_t x = s->recent[i];
        unsigned j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
    return v[n / 2];
}

/* The newest event time that may move the clock: INT64_MAX when the rule
   is off, INT64_MIN while the ring fills. Kept in the stream and computed
   again only when the ring changes (a record), not for each event of it. */
static int64_t compute_cap(const dh_stream_t *s)
{
    if (s->pl->opt.core.max_future_us <= 0)
        return INT64_MAX;
    if (s->n_recent < RECENT_TIMES)
        return INT64_MIN;
    return median_recent(s) + s->pl->opt.core.max_future_us;
}

static int64_t clock_cap(dh_stream_t *s)
{
    if (!s->cap_known) {
        s->cap = compute_cap(s);
        s->cap_known = true;
    }
    return s->cap;
}

/* The ring just filled: the first records too far ahead were processed
   (there was no median yet), so they are counted here, not dropped; the
   clock leaves them out (warm_up). The newest one is judged as usual. */
static void count_first_outliers(dh_stream_t *s)
{
    int64_t cap = clock_cap(s);
    for (unsigned i = 0; i < RECENT_TIMES - 1; i++)
        if (s->recent[i] > cap)
            s->pl->c.future_events++;
}

bool dh_clock_is_future(dh_stream_t *s, int64_t ts)
{
    if (s->pl->opt.core.max_future_us <= 0)
        return false;
    s->recent[s->recent_next] = ts;
    s->recent_next = (s->recent_next + 1) % RECENT_TIMES;
    s->cap_known = false;
    if (s->n_recent < RECENT_TIMES && ++s->n_recent == RECENT_TIMES)
        count_first_outliers(s);
    return s->n_recent == RECENT_TIMES && ts > clock_cap(s);
}

static void set_watermark(dh_pipeline_t *pl, int64_t wm)
{
    if (wm <= pl->watermark)
        return;
    pl->watermark = wm;
    if (pl->state) {
        dh_state_advance(pl->state, wm);
        dh_alerts_advance(pl->alerts, wm);
        dh_incidents_advance(pl->incidents, wm);
    }
}

/* Inputs read one after another (files): the newest event time seen. */
static void advance_to(dh_pipeline_t *pl, int64_t ts)
{
    if (ts <= pl->max_ts)
        return;
    pl->max_ts = ts;
    if (!pl->concurrent)
        set_watermark(pl, ts - pl->opt.core.lateness_us);
}

/* The ring just filled: the clock starts from the newest time it holds
   within the cap (an outlier among the first records is left out). */
static void warm_up(dh_pipeline_t *pl, dh_stream_t *s, int64_t cap)
{
    s->clock_warm = true;
    for (unsigned i = 0; i < s->n_recent; i++)
        if (s->recent[i] <= cap)
            advance_to(pl, s->recent[i]);
}

void dh_clock_advance(dh_pipeline_t *pl, int64_t ts)
{
    int64_t cap = pl->clock_cap;
    if (cap == INT64_MIN)
        return;
    if (pl->clock_stream && !pl->clock_stream->clock_warm && cap != INT64_MAX)
        warm_up(pl, pl->clock_stream, cap);
    if (ts <= cap)
        advance_to(pl, ts);
}

/* Inputs are read one after the other. When a new input's first event is
   older than the watermark (another sensor's log of the same hours, or an
   older archive), its events would all be late: instead it begins a new
   replay epoch. Every open window is closed and reported first, then event
   time starts over. An input that continues where the previous one ended (a
   log split into consecutive files) keeps the same windows. */
static void new_epoch(dh_pipeline_t *pl)
{
    dh_state_close_windows(pl->state);
    dh_alerts_flush(pl->alerts);
    dh_incidents_flush(pl->incidents);
    pl->max_ts = INT64_MIN;
    pl->watermark = INT64_MIN;
    pl->c.epochs++;
}

/* Concurrent mode: the minimum over active streams of their newest time. */
void dh_clock_advance_concurrent(dh_pipeline_t *pl)
{
    int64_t low = INT64_MAX;
    for (dh_stream_t *s = pl->streams; s; s = s->next) {
        if (s->idle)
            continue;
        if (!s->saw_event)
            return; /* an assigned partition that has not delivered yet holds
                       the watermark: its first events may be the oldest */
        if (s->max_ts < low)
            low = s->max_ts;
    }
    if (low != INT64_MAX)
        set_watermark(pl, low - pl->opt.core.lateness_us);
}

void dh_clock_stream_event(void *ctx, const dh_event_t *ev)
{
    dh_stream_t *s = ctx;
    dh_pipeline_t *pl = s->pl;
    bool first = !s->saw_event;
    if (first) {
        s->saw_event = true;
        s->max_ts = ev->ts_us;
        if (pl->state && !pl->concurrent && ev->ts_us < pl->watermark)
            new_epoch(pl);
    }
    pl->clock_cap = clock_cap(s);
    pl->clock_stream = s;
    dh_pipeline_on_event(pl, ev);
    pl->clock_stream = NULL;
    pl->clock_cap = INT64_MAX;
    /* a stream's first event counts too: it may be the one the minimum
       waited for (a partition with a single record, then quiet) */
    bool newer = ev->ts_us > s->max_ts && ev->ts_us <= clock_cap(s);
    if (pl->concurrent && (first || newer)) {
        if (newer)
            s->max_ts = ev->ts_us;
        dh_clock_advance_concurrent(pl);
    }
}

void dh_stream_set_idle(dh_stream_t *s, bool idle)
{
    if (s->idle == idle)
        return;
    s->idle = idle;
    if (idle && s->pl->concurrent)
        dh_clock_advance_concurrent(s->pl);
}

void dh_pipeline_set_concurrent(dh_pipeline_t *pl, bool on)
{
    pl->concurrent = on;
}

int64_t dh_pipeline_safe_time(const dh_pipeline_t *pl)
{
    int64_t safe = dh_dethost_oldest_open(pl);
    for (const dh_stream_t *s = pl->streams; s; s = s->next)
        if (s->txn) {
            int64_t t = dh_txn_oldest_ts(s->txn);
            if (t < safe)
                safe = t;
        }
    return safe;
}

/* ---- the live idle rule (pipeline.h) --------------------------------------
   Why wall time at all: on a live input, windows close only when newer
   events push the watermark past their end, so the findings of the last
   minutes before a quiet period would wait for the next record, possibly for
   hours. Stream processors solve this with an idleness timeout measured in
   processing time; this is that rule. Only live sources call the tick, so a
   replay's output still depends on event time alone. No clock is read per
   record: the tick compares the records count with the last tick's. */

void dh_pipeline_set_live(dh_pipeline_t *pl, bool live)
{
    pl->live = live;
}

bool dh_pipeline_is_live(const dh_pipeline_t *pl)
{
    return pl->live;
}

int64_t dh_wall_now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* Why only live: a sensor writes what it sees now, so on a live input a
   time more than a day after the wall clock is a broken record; a replay
   must not depend on the day it runs (util-time.h keeps its fixed range).
   The real-time clock is read only when an event passes the last limit,
   so the cost per record is one comparison. */
#define WALL_SLACK_US (INT64_C(86400) * 1000000)

bool dh_clock_beyond_wall(dh_pipeline_t *pl, int64_t ts)
{
    if (!pl->live || ts <= pl->wall_limit_us)
        return false;
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    pl->wall_limit_us = (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000 + WALL_SLACK_US;
    return ts > pl->wall_limit_us;
}

void dh_pipeline_live_tick(dh_pipeline_t *pl, int64_t now_us)
{
    if (!pl->tick_started || pl->c.records != pl->tick_records) {
        pl->tick_started = true;
        pl->tick_records = pl->c.records;
        pl->tick_wall_us = now_us;
        pl->tick_watermark = pl->watermark;
    } else if (pl->opt.core.idle_flush_us > 0 && pl->tick_watermark != INT64_MIN &&
               now_us - pl->tick_wall_us >= pl->opt.core.idle_flush_us) {
        for (dh_stream_t *s = pl->streams; s; s = s->next)
            dh_stream_keep_ahead(s); /* the quiet is the confirmation */
        int64_t wm = pl->tick_watermark + (now_us - pl->tick_wall_us);
        if (wm > pl->watermark) {
            set_watermark(pl, wm);
            pl->c.idle_advances++;
        }
    }
    /* stdio: write out what is buffered; Kafka: serve delivery reports
       without waiting (the producer sends on its own after linger.ms) */
    dh_pipeline_flush_output(pl, 0);
}
