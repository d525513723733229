/*
 * history-days.h - the UTC days of event time a history has learned from.
 *
 * A history's coverage is the days that actually had data, not the span
 * from its oldest record: one old capture replayed into an empty history
 * gives one day of coverage, not years, and a day more than the expiry
 * horizon before an event does not count for it (its records are gone).
 * new_domain's warm-up asks how many days lie before the day of the event
 * it judges. The set is small (a sorted array of days with their event
 * counts, at most DH_DAYS_MAX, the oldest dropped first) and is stored by
 * the history as one meta value.
 */
#ifndef DH_HISTORY_DAYS_H
#define DH_HISTORY_DAYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DH_DAYS_MAX 4096 /* about eleven years of daily data */

typedef struct {
    int32_t day;     /* UTC day number (days since 1970-01-01) */
    uint32_t events; /* events learned from on that day (saturating) */
} dh_day_t;

typedef struct {
    dh_day_t *v;  /* sorted by day, no duplicates; owned */
    size_t n;
    size_t last;  /* index of the day of the latest add (the usual next one) */
    uint64_t gen; /* changes whenever a day is added or dropped */
    int32_t q_day, q_horizon; /* the last dh_days_before query ... */
    uint64_t q_gen;
    uint32_t q_result;        /* ... and its answer */
} dh_days_t;

/* The UTC day of an event time (floor, also before 1970). */
int32_t dh_days_of(int64_t ts_us);

void dh_days_init(dh_days_t *d);
void dh_days_free(dh_days_t *d);

/* Count one event at ts_us. Returns true when a new day was added. */
bool dh_days_add(dh_days_t *d, int64_t ts_us);

/* Days with data before the UTC day of ts_us and at most horizon_days
   before it (0: no horizon). O(1) when the day and the set are unchanged
   since the last call (every event of a day), else O(n). */
uint32_t dh_days_before(dh_days_t *d, int64_t ts_us, int32_t horizon_days);

/* The stored form: n records of {int32 day, uint32 events} in host order
   (LMDB files are host-endian anyway). dh_days_load replaces d's days; -1
   when the bytes are not such an array (wrong size, unsorted). */
const void *dh_days_bytes(const dh_days_t *d, size_t *len);
int dh_days_load(dh_days_t *d, const void *bytes, size_t len);

#endif
